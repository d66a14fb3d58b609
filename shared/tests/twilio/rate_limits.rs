//! Twilio's rate limiting (HTTP 429, code 20429): retried, `Retry-After` waited, at most three
//! attempts.

use super::*;

#[tokio::test]
async fn a_429_then_a_201_is_retried_once_and_sends_one_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(too_many_requests())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    let sent = sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(sent.sid, example_sid());
    let requests = checked_requests(&server).await;
    assert_eq!(requests.len(), 2, "one 429, then the one message");
    assert_eq!(
        requests[0].body, requests[1].body,
        "the retry posts the same message"
    );
}

#[tokio::test]
async fn a_429_on_every_attempt_gives_rate_limited_after_three_attempts() {
    let server = twilio_answering(too_many_requests()).await;

    let started = Instant::now();
    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert_eq!(error, SendError::RateLimited);
    assert_eq!(checked_requests(&server).await.len(), 3);
    // Two backoffs of at most 250 ms and 500 ms.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_429_without_a_body_is_rate_limiting_too() {
    let server = twilio_answering(ResponseTemplate::new(429)).await;

    let error = sender(&server).send(&text("hello")).await.unwrap_err();

    assert_eq!(error, SendError::RateLimited);
    assert_eq!(checked_requests(&server).await.len(), 3);
}

#[tokio::test]
async fn twilio_code_20429_is_retried_like_http_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(twilio_error(503, 20429, "Too Many Requests"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    sender(&server).send(&text("hello")).await.unwrap();

    assert_eq!(checked_requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_retry_after_header_is_waited_before_the_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(too_many_requests().insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(messages_path()))
        .respond_with(created())
        .with_priority(2)
        .mount(&server)
        .await;

    let started = Instant::now();
    sender(&server).send(&text("hello")).await.unwrap();

    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(checked_requests(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Errors: never retried
