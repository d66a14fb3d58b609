use lambda_runtime::{Error, run, service_fn};
use live_authorizer::{Settings, Verifier, function_handler};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Built once per cold start; the JWKS itself is fetched lazily by the first request.
    let settings = Settings::from_env()?;
    let verifier = Verifier::new(settings)?;
    run(service_fn(|event| function_handler(&verifier, event))).await
}
