//! The floor of `cargo xtask bench`: the least a Rust function behind API Gateway can do at
//! init (load the AWS configuration, build a DynamoDB client, open its connection with the same
//! warm-up request webhook-ingest makes) before it answers 200. Every function's init is
//! compared with this one's.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::{Body, Error, Request, Response, run, service_fn};

/// The runtime webhook-ingest uses (the multi-threaded one: see its `main`).
#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    // webhook-ingest's warm-up (whatsapp_channel::wiring::warm_dynamodb): one eventually
    // consistent GetItem of a session key nobody writes, bounded, its outcome ignored.
    if let Ok(table) = std::env::var("TABLE_NAME") {
        let request = dynamodb
            .get_item()
            .table_name(table)
            .key("pk", AttributeValue::S("SESSION#warm-up".to_owned()))
            .key("sk", AttributeValue::S("SESSION".to_owned()))
            .send();
        let _ = tokio::time::timeout(Duration::from_secs(1), request).await;
    }
    let dynamodb = &dynamodb;
    run(service_fn(move |_request: Request| async move {
        let _ = dynamodb;
        Ok::<_, Error>(Response::builder().status(200).body(Body::Empty)?)
    }))
    .await
}
