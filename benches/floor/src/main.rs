//! The floor of `cargo xtask bench`: the least a Rust function behind API Gateway can do at
//! init (load the AWS configuration, build a DynamoDB client) before it answers 200. Every
//! function's init is compared with this one's.

use lambda_http::{Body, Error, Request, Response, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let dynamodb = &dynamodb;
    run(service_fn(move |_request: Request| async move {
        let _ = dynamodb;
        Ok::<_, Error>(Response::builder().status(200).body(Body::Empty)?)
    }))
    .await
}
