use agent_console::{ConsoleConfig, function_handler};
use lambda_http::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let config = ConsoleConfig::oidc_from_env()?;
    let config = &config;
    run(service_fn(move |request| async move {
        Ok::<_, Error>(function_handler(config, &request))
    }))
    .await
}
