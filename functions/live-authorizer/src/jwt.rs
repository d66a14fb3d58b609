//! Verification of the agent's JWT: signature against the issuer's JWKS, then issuer, times,
//! audience and token use. Every failure is a [`Refusal`] whose text never holds the token.

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::config::Settings;
use crate::jwks::{JwksCache, JwksConfigError, KeyError};

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 30;

/// Asymmetric algorithms only: `none` does not even parse, and HS* would let anyone who knows
/// the public key (everyone) sign tokens.
const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The caller a valid token names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    /// The token's `sub`.
    pub id: String,
    /// The token's `cognito:groups` (empty when absent).
    pub groups: Vec<String>,
}

/// Why a token was refused (logged; the caller only ever sees "Unauthorized").
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("no token in the query string")]
    MissingToken,
    #[error("the token's header is malformed: {0}")]
    MalformedHeader(#[source] jsonwebtoken::errors::Error),
    #[error("algorithm {0:?} is not accepted")]
    AlgorithmNotAccepted(Algorithm),
    #[error("the token's header has no kid")]
    MissingKid,
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("key {kid:?} does not fit algorithm {alg:?}")]
    KeyMismatch { kid: String, alg: Algorithm },
    #[error("the token is invalid: {0}")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("the token's issuer is not the configured one")]
    WrongIssuer,
    #[error("token_use {0:?} is not accepted")]
    TokenUseNotAccepted(String),
    #[error("the access token's client_id is not the configured audience")]
    WrongClientId,
    #[error("the token's aud does not contain the configured audience")]
    WrongAudience,
}

/// The claims this authorizer reads; a claim of the wrong type makes the token invalid.
#[derive(Deserialize)]
struct Claims {
    sub: String,
    iss: String,
    #[serde(default)]
    token_use: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(one) => one == audience,
            Audience::Many(many) => many.iter().any(|one| one == audience),
        }
    }
}

/// Checks tokens for one issuer and one audience.
pub struct Verifier {
    issuer: String,
    audience: String,
    jwks: JwksCache,
}

impl Verifier {
    /// No network here: the JWKS is fetched by [`Verifier::prefetch`] or the first token.
    pub fn new(settings: Settings) -> Result<Self, JwksConfigError> {
        let jwks = JwksCache::new(&settings.jwks_url)?;
        Ok(Self::with_jwks(settings, jwks))
    }

    pub fn with_jwks(settings: Settings, jwks: JwksCache) -> Self {
        Self {
            issuer: settings.issuer,
            audience: settings.audience,
            jwks,
        }
    }

    /// The issuer's keys fetched ahead of the first token (see [`JwksCache::prefetch`]).
    pub async fn prefetch(&self, limit: std::time::Duration) {
        self.jwks.prefetch(limit).await;
    }

    /// The agent a token names, or why it is refused.
    pub async fn verify(&self, token: &str) -> Result<Agent, Refusal> {
        let header = jsonwebtoken::decode_header(token).map_err(Refusal::MalformedHeader)?;
        let alg = header.alg;
        if !ACCEPTED.contains(&alg) {
            return Err(Refusal::AlgorithmNotAccepted(alg));
        }
        let kid = header.kid.ok_or(Refusal::MissingKid)?;
        let jwk = self.jwks.key(&kid).await?;
        if !fits(&jwk, alg) {
            return Err(Refusal::KeyMismatch { kid, alg });
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(Refusal::Invalid)?;

        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        // Checked below: access tokens carry the audience in client_id, not aud.
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|error| match error.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => Refusal::WrongIssuer,
                _ => Refusal::Invalid(error),
            })?
            .claims;

        if claims.iss != self.issuer {
            return Err(Refusal::WrongIssuer);
        }
        match claims.token_use.as_deref() {
            Some("access") => {
                if claims.client_id.as_deref() != Some(self.audience.as_str()) {
                    return Err(Refusal::WrongClientId);
                }
            }
            Some("id") | None => {
                if !claims.aud.is_some_and(|aud| aud.contains(&self.audience)) {
                    return Err(Refusal::WrongAudience);
                }
            }
            Some(other) => return Err(Refusal::TokenUseNotAccepted(other.to_owned())),
        }
        Ok(Agent {
            id: claims.sub,
            groups: claims.groups,
        })
    }
}

/// Whether a JWKS key may verify a token signed with `alg`: its type (and curve) must match,
/// and so must its `alg` and `use` when it states them.
fn fits(jwk: &Jwk, alg: Algorithm) -> bool {
    if jwk
        .common
        .key_algorithm
        .is_some_and(|stated| stated != KeyAlgorithm::from(alg))
    {
        return false;
    }
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|usage| *usage != PublicKeyUse::Signature)
    {
        return false;
    }
    match (&jwk.algorithm, alg) {
        (
            AlgorithmParameters::RSA(_),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => true,
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384) => {
            ec.curve == EllipticCurve::P384
        }
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA) => {
            okp.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(json: serde_json::Value) -> Jwk {
        serde_json::from_value(json).unwrap()
    }

    fn rsa(extra: serde_json::Value) -> Jwk {
        let mut value = serde_json::json!({"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"});
        value
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        jwk(value)
    }

    #[test]
    fn an_rsa_key_fits_rsa_and_pss_algorithms_only() {
        let key = rsa(serde_json::json!({}));
        assert!(fits(&key, Algorithm::RS256));
        assert!(fits(&key, Algorithm::PS512));
        assert!(!fits(&key, Algorithm::ES256));
        assert!(!fits(&key, Algorithm::HS256));
    }

    #[test]
    fn a_key_that_states_another_alg_does_not_fit() {
        let key = rsa(serde_json::json!({"alg": "RS512"}));
        assert!(fits(&key, Algorithm::RS512));
        assert!(!fits(&key, Algorithm::RS256));
    }

    #[test]
    fn an_encryption_key_does_not_verify_signatures() {
        assert!(!fits(
            &rsa(serde_json::json!({"use": "enc"})),
            Algorithm::RS256
        ));
        assert!(fits(
            &rsa(serde_json::json!({"use": "sig"})),
            Algorithm::RS256
        ));
    }

    #[test]
    fn an_ec_key_fits_only_the_algorithm_of_its_curve() {
        let p256 = jwk(serde_json::json!({"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}));
        assert!(fits(&p256, Algorithm::ES256));
        assert!(!fits(&p256, Algorithm::ES384));
        assert!(!fits(&p256, Algorithm::RS256));
    }

    #[test]
    fn a_symmetric_key_fits_nothing_accepted() {
        let oct = jwk(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"}));
        for alg in ACCEPTED {
            assert!(!fits(&oct, alg), "{alg:?}");
        }
    }

    #[test]
    fn an_audience_is_one_string_or_a_list() {
        assert!(Audience::One("a".into()).contains("a"));
        assert!(Audience::Many(vec!["b".into(), "a".into()]).contains("a"));
        assert!(!Audience::Many(vec![]).contains("a"));
    }
}
