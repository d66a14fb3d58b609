use lambda_runtime::tracing::subscriber::EnvFilter;
use lambda_runtime::tracing::subscriber::filter::LevelFilter;
use lambda_runtime::{Error, run, service_fn};
use live_authorizer::{Settings, Verifier, function_handler};

/// Lambda's logging controls, as `whatsapp_channel::logging` applies them (this function does
/// not depend on the shared crate): `AWS_LAMBDA_LOG_LEVEL` for this crate only, because at TRACE
/// the runtime prints the raw event, and this event carries the agent's token.
fn init_logs() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let level: LevelFilter = var("AWS_LAMBDA_LOG_LEVEL")
        .parse()
        .unwrap_or(LevelFilter::INFO);
    let filter = EnvFilter::builder().parse_lossy(format!(
        "{},live_authorizer={level}",
        level.min(LevelFilter::INFO)
    ));
    let builder = lambda_runtime::tracing::subscriber::fmt()
        .with_target(false)
        .with_env_filter(filter);
    if var("AWS_LAMBDA_LOG_FORMAT").eq_ignore_ascii_case("json") {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.without_time().init();
    }
}

/// How long init waits for the issuer's keys.
const PREFETCH_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_logs();
    // Built once per cold start, the issuer's keys included: the first connect (an agent
    // opening the console) then makes no request of its own. Bounded, like the DynamoDB
    // warm-up of the other functions: a slow issuer leaves the fetch to that first connect.
    let settings = Settings::from_env()?;
    let verifier = Verifier::new(settings)?;
    verifier.prefetch(PREFETCH_LIMIT).await;
    run(service_fn(|event| function_handler(&verifier, event))).await
}
