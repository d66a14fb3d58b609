//! Tokens refused at connect: each refusal is the "Unauthorized" error (401).

use crate::helpers::*;

#[tokio::test]
async fn an_expired_token_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let expired = sign(
        &with(access_claims(), json!({"exp": now() - 120})),
        ISSUER_KEY,
        KID,
    );
    assert_eq!(issuer.connect(&expired).await, Err(Unauthorized));
    let refusal = issuer.refusal(&expired).await;
    assert!(
        matches!(invalid_kind(&refusal), Some(ErrorKind::ExpiredSignature)),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let early = sign(
        &with(access_claims(), json!({"nbf": now() + 600})),
        ISSUER_KEY,
        KID,
    );
    assert_eq!(issuer.connect(&early).await, Err(Unauthorized));
    let refusal = issuer.refusal(&early).await;
    assert!(
        matches!(invalid_kind(&refusal), Some(ErrorKind::ImmatureSignature)),
        "{refusal}"
    );
}

#[tokio::test]
async fn an_access_token_for_another_client_id_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let other = sign(
        &with(access_claims(), json!({"client_id": "another-app"})),
        ISSUER_KEY,
        KID,
    );
    assert_eq!(issuer.connect(&other).await, Err(Unauthorized));
    assert!(matches!(
        issuer.refusal(&other).await,
        Refusal::WrongClientId
    ));
    // An aud naming us does not stand in for client_id on an access token.
    let aud_only = with(
        access_claims(),
        json!({"client_id": null, "aud": CLIENT_ID}),
    );
    assert_eq!(
        issuer.connect(&sign(&aud_only, ISSUER_KEY, KID)).await,
        Err(Unauthorized)
    );
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let other = sign(
        &with(id_claims(), json!({"aud": ["another-app"]})),
        ISSUER_KEY,
        KID,
    );
    assert_eq!(issuer.connect(&other).await, Err(Unauthorized));
    assert!(matches!(
        issuer.refusal(&other).await,
        Refusal::WrongAudience
    ));
    let none = with(id_claims(), json!({"aud": null, "client_id": CLIENT_ID}));
    assert_eq!(
        issuer.connect(&sign(&none, ISSUER_KEY, KID)).await,
        Err(Unauthorized)
    );
}

#[tokio::test]
async fn a_token_of_another_issuer_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    for iss in [
        json!("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
        json!(format!("{ISSUER}/")),
        json!([ISSUER]),
        Value::Null,
    ] {
        let token = sign(
            &with(access_claims(), json!({ "iss": iss })),
            ISSUER_KEY,
            KID,
        );
        assert_eq!(issuer.connect(&token).await, Err(Unauthorized), "{iss}");
        // A string iss is compared exactly; a missing or non-string one is an invalid token.
        let refusal = issuer.refusal(&token).await;
        assert!(
            matches!(refusal, Refusal::WrongIssuer | Refusal::Invalid(_)),
            "{refusal}"
        );
    }
}

#[tokio::test]
async fn a_refresh_token_use_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let refresh = sign(
        &with(access_claims(), json!({"token_use": "refresh"})),
        ISSUER_KEY,
        KID,
    );
    assert_eq!(issuer.connect(&refresh).await, Err(Unauthorized));
    let refusal = issuer.refusal(&refresh).await;
    assert!(
        matches!(&refusal, Refusal::TokenUseNotAccepted(used) if used == "refresh"),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_token_without_sub_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let anonymous = with(access_claims(), json!({"sub": null}));
    assert_eq!(
        issuer.connect(&sign(&anonymous, ISSUER_KEY, KID)).await,
        Err(Unauthorized)
    );
}

#[tokio::test]
async fn a_missing_or_empty_token_is_refused_without_asking_the_issuer() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let missing = function_handler(&issuer.verifier, connect_event(None)).await;
    assert_eq!(missing, Err(Unauthorized));
    assert_eq!(issuer.connect("").await, Err(Unauthorized));
    assert_eq!(issuer.connect("not-a-jwt").await, Err(Unauthorized));
    assert_eq!(issuer.jwks_requests().await, 0);
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let part = |value: Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let header = part(json!({"alg": "none", "typ": "JWT", "kid": KID}));
    let payload = part(access_claims());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(issuer.connect(&token).await, Err(Unauthorized));
        assert!(matches!(
            issuer.refusal(&token).await,
            Refusal::MalformedHeader(_)
        ));
    }
    assert_eq!(issuer.jwks_requests().await, 0);
}

#[tokio::test]
async fn an_hs256_token_signed_with_the_public_key_as_secret_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.into());
    let secret = EncodingKey::from_secret(ISSUER_PUBLIC_KEY.as_bytes()).unwrap();
    let forged = jsonwebtoken::encode(&header, &access_claims(), &secret).unwrap();
    assert_eq!(issuer.connect(&forged).await, Err(Unauthorized));
    let refusal = issuer.refusal(&forged).await;
    assert!(
        matches!(refusal, Refusal::AlgorithmNotAccepted(Algorithm::HS256)),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let token = sign(&access_claims(), ISSUER_KEY, KID);
    let parts: Vec<&str> = token.split('.').collect();
    let promoted = with(
        access_claims(),
        json!({"sub": "agent-1", "cognito:groups": ["admins"]}),
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(promoted.to_string()),
        parts[2]
    );
    assert_eq!(issuer.connect(&tampered).await, Err(Unauthorized));
    let refusal = issuer.refusal(&tampered).await;
    assert!(
        matches!(invalid_kind(&refusal), Some(ErrorKind::InvalidSignature)),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_token_signed_by_another_key_under_a_known_kid_is_refused() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    let impostor = sign(&access_claims(), OTHER_KEY, KID);
    assert_eq!(issuer.connect(&impostor).await, Err(Unauthorized));
    let refusal = issuer.refusal(&impostor).await;
    assert!(
        matches!(invalid_kind(&refusal), Some(ErrorKind::InvalidSignature)),
        "{refusal}"
    );
}
