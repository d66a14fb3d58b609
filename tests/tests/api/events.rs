use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use whatsapp_channel::testing::events_dir;

/// The function an event file is for: `events/<function>.<case>.json`.
fn function_of(file: &str) -> Option<&str> {
    file.strip_suffix(".json")?.split_once('.').map(|(f, _)| f)
}

#[test]
fn every_event_file_deserializes_into_its_functions_event_type() {
    let mut checked = 0;
    for entry in std::fs::read_dir(events_dir()).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        if file == "env.json" {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        match function_of(&file) {
            Some("webhook-ingest" | "agent-api" | "send-reply" | "agent-console") => {
                let event: ApiGatewayV2httpRequest =
                    serde_json::from_str(&text).unwrap_or_else(|e| {
                        panic!("{file} is not an HTTP API (payload 2.0) event: {e}")
                    });
                assert_eq!(event.version.as_deref(), Some("2.0"), "{file}");
                lambda_http::request::from_str(&text)
                    .unwrap_or_else(|e| panic!("{file} is not a lambda_http request: {e}"));
            }
            Some("notify-agent") => {
                let event: aws_lambda_events::dynamodb::Event = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{file} is not a DynamoDB stream event: {e}"));
                assert!(!event.records.is_empty(), "{file}");
                for record in &event.records {
                    assert!(notify_agent::to_change(record).is_some(), "{file}");
                }
            }
            Some("window-deadlines") => {
                let event: aws_lambda_events::eventbridge::EventBridgeEvent<serde_json::Value> =
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{file} is not an EventBridge event: {e}"));
                assert_eq!(event.detail_type, "Scheduled Event", "{file}");
            }
            Some("routing-timers") => {
                let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{file} is not an SQS event: {e}"));
                assert!(!event.records.is_empty(), "{file}");
                for record in &event.records {
                    let body = record.body.as_deref().unwrap_or_default();
                    serde_json::from_str::<whatsapp_channel::ports::Timer>(body)
                        .unwrap_or_else(|e| panic!("{file}: a body that is not a timer: {e}"));
                }
            }
            Some("erasure-worker") => {
                // An SQS batch of tasks, or the daily schedule's task itself.
                let value: serde_json::Value = serde_json::from_str(&text).unwrap();
                let bodies: Vec<String> = match value.get("Records") {
                    Some(_) => {
                        let event: aws_lambda_events::sqs::SqsEvent = serde_json::from_value(value)
                            .unwrap_or_else(|e| panic!("{file} is not an SQS event: {e}"));
                        event.records.into_iter().filter_map(|r| r.body).collect()
                    }
                    None => vec![text.clone()],
                };
                assert!(!bodies.is_empty(), "{file}");
                for body in bodies {
                    serde_json::from_str::<whatsapp_channel::ports::WorkerTask>(&body)
                        .unwrap_or_else(|e| panic!("{file}: not an erasure-worker task: {e}"));
                }
            }
            Some("live-connections") => {
                let event: aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest =
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{file} is not a WebSocket event: {e}"));
                assert!(event.request_context.connection_id.is_some(), "{file}");
                assert!(
                    event
                        .request_context
                        .authorizer
                        .fields
                        .contains_key("agent_id"),
                    "{file}"
                );
            }
            Some("live-authorizer") => {
                let event: aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest =
                    serde_json::from_str(&text)
                        .unwrap_or_else(|e| panic!("{file} is not a REQUEST authorizer event: {e}"));
                assert_eq!(event.type_.as_deref(), Some("REQUEST"), "{file}");
                assert!(
                    event
                        .method_arn
                        .is_some_and(|arn| arn.ends_with("/$connect")),
                    "{file}"
                );
                assert!(
                    event.query_string_parameters.first("token").is_some(),
                    "{file}"
                );
            }
            other => panic!("{file}: no function {other:?} takes events"),
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} event files");
}

#[test]
fn env_json_configures_each_function_of_the_events() {
    let env: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(events_dir().join("env.json")).unwrap())
            .unwrap();
    for function in [
        "WebhookIngestFunction",
        "AgentApiFunction",
        "SendReplyFunction",
    ] {
        assert!(env[function]["TABLE_NAME"].is_string(), "{function}");
    }
    for var in [
        "TWILIO_AUTH_TOKEN",
        "TWILIO_INBOUND_URL",
        "TWILIO_STATUS_URL",
    ] {
        assert!(env["WebhookIngestFunction"][var].is_string(), "{var}");
    }
}
