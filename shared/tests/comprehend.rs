//! The Comprehend scorer against moto's Comprehend (the real SDK request, answered by the
//! emulator) and against a stub (`wiremock`) where moto's canned answer cannot show a rule: the
//! language detected first, a language Comprehend cannot read, a short text, a long one, and an
//! outage.

use aws_sdk_comprehend::Client;
use aws_sdk_comprehend::config::{BehaviorVersion, Credentials, Region};
use serde_json::{Value, json};
use whatsapp_channel::adapters::ComprehendScorer;
use whatsapp_channel::domain::sentiment::{LANGUAGE_UNSUPPORTED, SentimentLabel};
use whatsapp_channel::ports::SentimentScorer;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const DETECT_LANGUAGE: &str = "Comprehend_20171127.DetectDominantLanguage";
const DETECT_SENTIMENT: &str = "Comprehend_20171127.DetectSentiment";

fn client(endpoint: &str) -> Client {
    let config = aws_sdk_comprehend::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(endpoint)
        .build();
    Client::from_conf(config)
}

fn moto() -> String {
    std::env::var("AWS_ENDPOINT_URL_COMPREHEND").unwrap_or_else(|_| {
        panic!(
            "moto server (the Comprehend emulator) is not running: AWS_ENDPOINT_URL_COMPREHEND is \
             unset. Run `cargo xtask test`, or `cargo xtask emulators` and source \
             target/xtask/emulators.env (CI={})",
            std::env::var("CI").unwrap_or_default()
        )
    })
}

#[tokio::test]
async fn moto_answers_the_sdks_detect_sentiment_request_and_its_answer_is_read() {
    // moto answers every DetectSentiment with the same canned NEUTRAL reading (positive 0.008,
    // negative 0.0003): what this proves is the request as the SDK sends it and the answer read.
    let scorer = ComprehendScorer::new(client(&moto()), Some("en".into()));
    let sentiment = scorer
        .score("Where is my parcel? It was due yesterday.")
        .await
        .expect("moto reads the text");
    assert_eq!(sentiment.label, SentimentLabel::Neutral);
    assert!(
        sentiment.score > 0.0 && sentiment.score < 0.01,
        "{sentiment:?}"
    );
    assert_eq!(sentiment.language.as_deref(), Some("en"));
    assert_eq!(sentiment.reason, None);
}

#[tokio::test]
async fn moto_refuses_a_text_over_five_thousand_bytes_so_the_scorer_cuts_it_first() {
    let scorer = ComprehendScorer::new(client(&moto()), Some("en".into()));
    let long = "é".repeat(4_000); // 8,000 bytes
    let sentiment = scorer.score(&long).await.expect("cut to 5,000 bytes");
    assert_eq!(sentiment.label, SentimentLabel::Neutral);
}

/// A stub Comprehend: `languages` for DetectDominantLanguage, `answer` for DetectSentiment.
async fn comprehend(languages: Value, answer: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", DETECT_LANGUAGE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "Languages": languages })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("x-amz-target", DETECT_SENTIMENT))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    server
}

fn negative() -> Value {
    json!({
        "Sentiment": "NEGATIVE",
        "SentimentScore": {"Positive": 0.01, "Negative": 0.95, "Neutral": 0.03, "Mixed": 0.01}
    })
}

async fn calls(server: &MockServer) -> Vec<(String, Value)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r: &Request| {
            let target = r
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (
                target,
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_language_is_detected_first_and_the_sentiment_read_in_it() {
    let server = comprehend(
        json!([{"LanguageCode": "en", "Score": 0.2}, {"LanguageCode": "es", "Score": 0.97}]),
        negative(),
    )
    .await;
    let scorer = ComprehendScorer::new(client(&server.uri()), None);
    let sentiment = scorer
        .score("Esto es terrible, el pedido llegó roto y nadie responde")
        .await
        .unwrap();
    assert_eq!(sentiment.label, SentimentLabel::Negative);
    assert!((sentiment.score + 0.94).abs() < 1e-6, "{sentiment:?}");
    assert_eq!(sentiment.language.as_deref(), Some("es"));
    let calls = calls(&server).await;
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].0, DETECT_LANGUAGE);
    assert_eq!(calls[1].0, DETECT_SENTIMENT);
    assert_eq!(calls[1].1["LanguageCode"], "es");
}

#[tokio::test]
async fn a_language_comprehend_cannot_read_is_neutral_with_a_reason_and_no_sentiment_call() {
    let server = comprehend(json!([{"LanguageCode": "sv", "Score": 0.99}]), negative()).await;
    let scorer = ComprehendScorer::new(client(&server.uri()), None);
    let sentiment = scorer
        .score("Det här är hemskt, paketet kom sönder")
        .await
        .unwrap();
    assert_eq!(sentiment.label, SentimentLabel::Neutral);
    assert_eq!(sentiment.reason.as_deref(), Some(LANGUAGE_UNSUPPORTED));
    assert_eq!(sentiment.language.as_deref(), Some("sv"));
    let targets: Vec<String> = calls(&server).await.into_iter().map(|c| c.0).collect();
    assert_eq!(targets, [DETECT_LANGUAGE]);
}

#[tokio::test]
async fn a_short_text_or_a_set_language_skips_the_detection() {
    let server = comprehend(json!([{"LanguageCode": "fr", "Score": 0.99}]), negative()).await;
    ComprehendScorer::new(client(&server.uri()), None)
        .score("awful!")
        .await
        .unwrap();
    ComprehendScorer::new(client(&server.uri()), Some("de".into()))
        .score("Das ist wirklich eine furchtbare Erfahrung gewesen")
        .await
        .unwrap();
    let calls = calls(&server).await;
    let targets: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(targets, [DETECT_SENTIMENT, DETECT_SENTIMENT]);
    assert_eq!(calls[0].1["LanguageCode"], "en");
    assert_eq!(calls[1].1["LanguageCode"], "de");
}

#[tokio::test]
async fn a_long_text_reaches_comprehend_cut_to_five_thousand_bytes_on_a_character_boundary() {
    let server = comprehend(json!([]), negative()).await;
    let long = format!("{}{}", "a".repeat(4_999), "é".repeat(100));
    ComprehendScorer::new(client(&server.uri()), Some("en".into()))
        .score(&long)
        .await
        .unwrap();
    let calls = calls(&server).await;
    let sent = calls[0].1["Text"].as_str().unwrap_or_default();
    assert_eq!(sent.len(), 4_999);
}

#[tokio::test]
async fn an_outage_is_an_error_for_the_caller_to_count_not_a_made_up_reading() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "__type": "InternalServerException", "message": "try again"
        })))
        .mount(&server)
        .await;
    let scorer = ComprehendScorer::new(client(&server.uri()), Some("en".into()));
    assert!(scorer.score("The parcel never came").await.is_err());
}
