use agent_console::{ConsoleConfig, function_handler};
use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let config = ConsoleConfig::oidc_from_env()?;
    let config = &config;
    run(service_fn(move |request| async move {
        Ok::<_, Error>(function_handler(config, &request))
    }))
    .await
}
