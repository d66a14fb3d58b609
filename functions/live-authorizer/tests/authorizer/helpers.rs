//! Keys, tokens, the committed event file and a stub issuer for the tests.

pub use std::time::Duration;

pub use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
pub use base64::Engine;
pub use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use jsonwebtoken::errors::ErrorKind;
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jsonwebtoken::{Algorithm, EncodingKey, Header};
pub use lambda_runtime::{Context, Diagnostic, LambdaEvent};
pub use live_authorizer::jwks::{JwksCache, KeyError, REFRESH_INTERVAL, RETRY_INTERVAL};
pub use live_authorizer::{
    AuthorizerResponse, Refusal, Settings, Unauthorized, Verifier, function_handler,
};
pub use serde_json::{Value, json};
pub use wiremock::matchers::{method, path};
pub use wiremock::{Mock, MockServer, ResponseTemplate};

pub const ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test1";
pub const CLIENT_ID: &str = "3n4b5urk1ft4fl3mg5e62d9ado";
pub const ISSUER_KEY: &str = include_str!("../fixtures/issuer-key.pem");
pub const ISSUER_PUBLIC_KEY: &str = include_str!("../fixtures/issuer-key.pub.pem");
pub const OTHER_KEY: &str = include_str!("../fixtures/other-key.pem");
pub const KID: &str = "key-1";
pub const METHOD_ARN: &str = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/$connect";

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

/// The public half of a private key as the issuer publishes it.
pub fn jwk(private_pem: &str, kid: &str) -> Jwk {
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

pub fn jwks(keys: Vec<Jwk>) -> Value {
    serde_json::to_value(JwkSet { keys }).unwrap()
}

pub fn sign(claims: &Value, private_pem: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub fn access_claims() -> Value {
    json!({
        "sub": "agent-7", "iss": ISSUER, "client_id": CLIENT_ID, "token_use": "access",
        "cognito:groups": ["agents", "admins"], "scope": "openid", "username": "alice",
        "iat": now(), "exp": now() + 3600,
    })
}

pub fn id_claims() -> Value {
    json!({
        "sub": "agent-8", "iss": ISSUER, "aud": CLIENT_ID, "token_use": "id",
        "cognito:groups": ["agents"], "email": "bob@example.com",
        "iat": now(), "exp": now() + 3600,
    })
}

/// The library's reason behind a refusal for an invalid token.
pub fn invalid_kind(refusal: &Refusal) -> Option<&ErrorKind> {
    match refusal {
        Refusal::Invalid(error) => Some(error.kind()),
        _ => None,
    }
}

pub fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        match value {
            Value::Null => claims.as_object_mut().unwrap().remove(name),
            _ => claims
                .as_object_mut()
                .unwrap()
                .insert(name.clone(), value.clone()),
        };
    }
    claims
}

/// The committed event file, with `token` (or none) in its query string.
pub fn connect_event(
    token: Option<&str>,
) -> LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest> {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../events/live-authorizer.connect.json"
    );
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    match token {
        Some(token) => {
            event["queryStringParameters"] = json!({ "token": token });
            event["multiValueQueryStringParameters"] = json!({ "token": [token] });
        }
        None => {
            event["queryStringParameters"] = Value::Null;
            event["multiValueQueryStringParameters"] = Value::Null;
        }
    }
    LambdaEvent::new(serde_json::from_value(event).unwrap(), Context::default())
}

pub struct Issuer {
    pub server: MockServer,
    pub verifier: Verifier,
}

impl Issuer {
    /// An issuer publishing `keys`, with the production refresh intervals.
    pub async fn publishing(keys: Vec<Jwk>) -> Self {
        Self::publishing_with(keys, REFRESH_INTERVAL).await
    }

    pub async fn publishing_with(keys: Vec<Jwk>, refresh: Duration) -> Self {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)))
            .mount(&server)
            .await;
        Self::over(server, refresh)
    }

    pub fn over(server: MockServer, refresh: Duration) -> Self {
        let url = format!("{}/jwks.json", server.uri());
        let cache = JwksCache::new(&url)
            .unwrap()
            .with_intervals(refresh, RETRY_INTERVAL);
        let verifier = Verifier::with_jwks(Settings::new(ISSUER, CLIENT_ID, Some(&url)), cache);
        Self { server, verifier }
    }

    pub async fn connect(&self, token: &str) -> Result<AuthorizerResponse, Unauthorized> {
        function_handler(&self.verifier, connect_event(Some(token))).await
    }

    /// Why the verifier refuses `token` (the handler only says "Unauthorized").
    pub async fn refusal(&self, token: &str) -> Refusal {
        self.verifier.verify(token).await.unwrap_err()
    }

    pub async fn jwks_requests(&self) -> usize {
        self.server.received_requests().await.unwrap().len()
    }
}
