//! `TwilioMediaFetcher` against wiremock origins: its limits and its redirects.

use whatsapp_channel::adapters::twilio_media::MAX_REDIRECTS;
use whatsapp_channel::adapters::{TwilioConfig, TwilioMediaFetcher};
use whatsapp_channel::ports::{FetchError, MediaFetcher};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const MEDIA: &str =
    "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MM1/Media/ME1";

fn fetcher(twilio: &MockServer, limit: u64) -> TwilioMediaFetcher {
    TwilioMediaFetcher::with_limit(
        &TwilioConfig {
            api_base_url: twilio.uri(),
            account_sid: ACCOUNT.into(),
            auth_token: "secret-token".into(),
        },
        limit,
    )
    .unwrap()
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_and_one_at_the_limit_is_read_whole() {
    let twilio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA))
        .respond_with(ResponseTemplate::new(200).set_body_raw(vec![7u8; 101], "image/jpeg"))
        .mount(&twilio)
        .await;
    let url = format!("{}{MEDIA}", twilio.uri());
    assert_eq!(
        fetcher(&twilio, 100).fetch(&url).await,
        Err(FetchError::TooLarge { limit: 100 })
    );
    let file = fetcher(&twilio, 101).fetch(&url).await.unwrap();
    assert_eq!(file.bytes.len(), 101);
    assert_eq!(file.content_type, "image/jpeg");
}

#[tokio::test]
async fn redirects_are_followed_a_bounded_number_of_times() {
    let twilio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA))
        .respond_with(ResponseTemplate::new(302).insert_header("location", MEDIA))
        .mount(&twilio)
        .await;
    let result = fetcher(&twilio, 100)
        .fetch(&format!("{}{MEDIA}", twilio.uri()))
        .await;
    assert!(
        matches!(result, Err(FetchError::Unreachable(_))),
        "{result:?}"
    );
    assert_eq!(
        twilio.received_requests().await.unwrap().len(),
        MAX_REDIRECTS + 1
    );
}

#[tokio::test]
async fn a_redirect_without_a_location_or_to_a_plain_http_host_is_not_followed() {
    let twilio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", "http://cdn.example.com/m.jpg"),
        )
        .mount(&twilio)
        .await;
    Mock::given(method("GET"))
        .and(path("/no-location"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&twilio)
        .await;
    let f = fetcher(&twilio, 100);
    for url in [
        format!("{}{MEDIA}", twilio.uri()),
        format!("{}/no-location", twilio.uri()),
    ] {
        let result = f.fetch(&url).await;
        assert!(
            matches!(result, Err(FetchError::Unreachable(_))),
            "{url}: {result:?}"
        );
    }
}

#[tokio::test]
async fn urls_off_twilios_origin_are_refused_without_a_request() {
    let twilio = MockServer::start().await;
    let f = fetcher(&twilio, 100);
    let port = twilio.address().port();
    for url in [
        format!("http://localhost:{port}{MEDIA}"),
        format!("https://127.0.0.1:{port}{MEDIA}"),
        format!("http://127.0.0.1:{}{MEDIA}", port.wrapping_add(1)),
        "https://api.twilio.com.evil.example.com/x".to_owned(),
        "not a url".to_owned(),
    ] {
        assert_eq!(f.fetch(&url).await, Err(FetchError::NotTwilio), "{url}");
    }
    assert!(twilio.received_requests().await.unwrap().is_empty());
}
