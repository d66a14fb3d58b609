//! `ApiGatewayLivePoster` against a stand-in for API Gateway's management API: the request it
//! sends has the shape of `PostToConnection` (`POST {stage}/@connections/{connectionId}`, the
//! frame as the raw body, SigV4-signed for `execute-api`), and a 410 means the connection is gone.

use aws_sdk_apigatewaymanagement::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider,
};
use whatsapp_channel::adapters::ApiGatewayLivePoster;
use whatsapp_channel::ports::{LivePoster, Posted};
use wiremock::matchers::{body_string, header_regex, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sdk() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .region(Region::new("eu-west-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        )))
        .behavior_version(BehaviorVersion::latest())
        .build()
}

#[tokio::test]
async fn a_frame_is_posted_to_the_connection_as_post_to_connection_expects() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        // Connection ids end in "=", which the SDK percent-encodes in the path.
        .and(path_regex(r"^/live/@connections/L0SM9cOFvHcCIhw(=|%3D)$"))
        .and(body_string(r#"{"event_type":"conversation.requested"}"#))
        .and(header_regex(
            "authorization",
            r"^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/execute-api/aws4_request",
        ))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&api)
        .await;
    let poster = ApiGatewayLivePoster::new(&sdk(), &format!("{}/live", api.uri()));
    let posted = poster
        .post(
            "L0SM9cOFvHcCIhw=",
            br#"{"event_type":"conversation.requested"}"#,
        )
        .await
        .unwrap();
    assert_eq!(posted, Posted::Delivered);
}

#[tokio::test]
async fn a_410_gone_answer_means_the_connection_is_gone() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(410)
                .insert_header("x-amzn-errortype", "GoneException")
                .set_body_json(serde_json::json!({"message": null})),
        )
        .mount(&api)
        .await;
    let poster = ApiGatewayLivePoster::new(&sdk(), &format!("{}/live", api.uri()));
    assert_eq!(poster.post("gone", b"{}").await.unwrap(), Posted::Gone);
}

#[tokio::test]
async fn another_failure_is_an_error_not_a_gone_connection() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-amzn-errortype", "ForbiddenException")
                .set_body_json(serde_json::json!({"message": "Forbidden"})),
        )
        .mount(&api)
        .await;
    let poster = ApiGatewayLivePoster::new(&sdk(), &format!("{}/live", api.uri()));
    assert!(poster.post("c1", b"{}").await.is_err());
}
