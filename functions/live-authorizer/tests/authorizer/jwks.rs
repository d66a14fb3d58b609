//! The JWKS cache: fetched at init or by the first token, once, refreshed for unknown kids at
//! most once a minute.

use crate::helpers::*;

#[tokio::test]
async fn an_unknown_kid_is_refused_after_one_refresh_of_the_jwks() {
    let issuer = Issuer::publishing_with(vec![jwk(ISSUER_KEY, KID)], Duration::ZERO).await;
    assert!(
        issuer
            .connect(&sign(&access_claims(), ISSUER_KEY, KID))
            .await
            .is_ok()
    );
    assert_eq!(issuer.jwks_requests().await, 1);

    let unknown = sign(&access_claims(), OTHER_KEY, "key-unknown");
    assert_eq!(issuer.connect(&unknown).await, Err(Unauthorized));
    assert_eq!(issuer.jwks_requests().await, 2);
    let refusal = issuer.refusal(&unknown).await;
    assert!(
        matches!(refusal, Refusal::Key(KeyError::UnknownKid { .. })),
        "{refusal}"
    );
}

#[tokio::test]
async fn a_flood_of_unknown_kids_fetches_the_jwks_at_most_once_a_minute() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    for n in 0..20 {
        let garbage = sign(&access_claims(), OTHER_KEY, &format!("garbage-{n}"));
        assert_eq!(issuer.connect(&garbage).await, Err(Unauthorized));
    }
    assert_eq!(issuer.jwks_requests().await, 1);
    // The known key still works from the cache.
    assert!(
        issuer
            .connect(&sign(&access_claims(), ISSUER_KEY, KID))
            .await
            .is_ok()
    );
    assert_eq!(issuer.jwks_requests().await, 1);
}

#[tokio::test]
async fn the_jwks_is_fetched_once_for_many_valid_tokens() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    assert_eq!(
        issuer.jwks_requests().await,
        0,
        "no fetch before the first token"
    );
    for _ in 0..10 {
        assert!(
            issuer
                .connect(&sign(&access_claims(), ISSUER_KEY, KID))
                .await
                .is_ok()
        );
        assert!(
            issuer
                .connect(&sign(&id_claims(), ISSUER_KEY, KID))
                .await
                .is_ok()
        );
    }
    assert_eq!(issuer.jwks_requests().await, 1);
}

#[tokio::test]
async fn a_refresh_for_an_unknown_kid_finds_the_rotated_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(vec![jwk(ISSUER_KEY, KID)])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(jwks(vec![jwk(ISSUER_KEY, KID), jwk(OTHER_KEY, "key-2")])),
        )
        .mount(&server)
        .await;
    let issuer = Issuer::over(server, Duration::ZERO);

    assert!(
        issuer
            .connect(&sign(&access_claims(), ISSUER_KEY, KID))
            .await
            .is_ok()
    );
    let rotated = issuer
        .connect(&sign(&access_claims(), OTHER_KEY, "key-2"))
        .await
        .unwrap();
    assert_eq!(rotated.principal_id.as_deref(), Some("agent-7"));
    assert_eq!(issuer.jwks_requests().await, 2);
}

#[tokio::test]
async fn an_issuer_that_fails_refuses_tokens_and_is_not_asked_again_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let url = format!("{}/jwks.json", server.uri());
    let cache = JwksCache::new(&url)
        .unwrap()
        .with_intervals(REFRESH_INTERVAL, Duration::from_secs(60));
    let verifier = Verifier::with_jwks(Settings::new(ISSUER, CLIENT_ID, Some(&url)), cache);
    let token = sign(&access_claims(), ISSUER_KEY, KID);
    let refused = function_handler(&verifier, connect_event(Some(&token))).await;
    assert_eq!(refused, Err(Unauthorized));
    for _ in 0..3 {
        let refusal = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(refusal, Refusal::Key(KeyError::Throttled)),
            "{refusal}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_failed_jwks_fetch_is_retried_by_a_later_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(vec![jwk(ISSUER_KEY, KID)])))
        .mount(&server)
        .await;
    let url = format!("{}/jwks.json", server.uri());
    let cache = JwksCache::new(&url)
        .unwrap()
        .with_intervals(REFRESH_INTERVAL, Duration::ZERO);
    let verifier = Verifier::with_jwks(Settings::new(ISSUER, CLIENT_ID, Some(&url)), cache);
    let token = sign(&access_claims(), ISSUER_KEY, KID);

    let refusal = verifier.verify(&token).await.unwrap_err();
    assert!(
        matches!(refusal, Refusal::Key(KeyError::Fetch(_))),
        "{refusal}"
    );
    let agent = verifier.verify(&token).await.unwrap();
    assert_eq!(agent.id, "agent-7");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn keys_fetched_at_init_serve_the_first_token_without_another_request() {
    let issuer = Issuer::publishing(vec![jwk(ISSUER_KEY, KID)]).await;
    issuer.verifier.prefetch(Duration::from_secs(1)).await;
    assert_eq!(issuer.jwks_requests().await, 1);
    issuer.verifier.prefetch(Duration::from_secs(1)).await;
    assert_eq!(issuer.jwks_requests().await, 1, "fetched once");
    assert!(
        issuer
            .connect(&sign(&access_claims(), ISSUER_KEY, KID))
            .await
            .is_ok()
    );
    assert_eq!(issuer.jwks_requests().await, 1, "the first token used them");
}

#[tokio::test]
async fn a_failed_or_slow_fetch_at_init_leaves_the_first_token_to_fetch_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(jwks(vec![jwk(ISSUER_KEY, KID)]))
                .set_delay(Duration::from_millis(300)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(vec![jwk(ISSUER_KEY, KID)])))
        .mount(&server)
        .await;
    // Default intervals: a failure at init must not start the 5-second retry pause.
    let url = format!("{}/jwks.json", server.uri());
    let verifier = Verifier::with_jwks(
        Settings::new(ISSUER, CLIENT_ID, Some(&url)),
        JwksCache::new(&url).unwrap(),
    );
    verifier.prefetch(Duration::from_secs(1)).await; // 503
    verifier.prefetch(Duration::from_millis(50)).await; // too slow
    let agent = verifier
        .verify(&sign(&access_claims(), ISSUER_KEY, KID))
        .await
        .unwrap();
    assert_eq!(agent.id, "agent-7");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
