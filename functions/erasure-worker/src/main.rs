use std::sync::Arc;

use erasure_worker::{ErasureWorker, function_handler};
use lambda_runtime::{Error, run, service_fn};
use whatsapp_channel::adapters::{
    S3MediaStore, SqsErasureQueue, SystemClock, TwilioConfig, TwilioMessageEraser,
};
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = Arc::new(whatsapp_channel::wiring::warmed_store(&sdk, "CONV#").await?);
    // The next step goes to the queue this one came from.
    let queue = Arc::new(SqsErasureQueue::from_sdk(
        &sdk,
        config::required("ERASURE_QUEUE_URL")?,
    ));
    let mut state = ErasureWorker::new(store, queue, Arc::new(SystemClock::default()))
        .with_warnings(config::window_warnings()?)
        .with_retention_days(config::retention_days()?)
        .with_step(config::erasure_step()?)
        .with_metrics(Metrics::lambda("erasure-worker"));
    if let Some(bucket) = config::optional("MEDIA_BUCKET") {
        state = state.with_media(Arc::new(S3MediaStore::new(
            S3MediaStore::client(&sdk),
            bucket,
        )));
    }
    if config::erase_at_twilio()? {
        let twilio = TwilioConfig {
            api_base_url: config::optional("TWILIO_API_BASE_URL")
                .unwrap_or_else(|| "https://api.twilio.com".into()),
            account_sid: config::required("TWILIO_ACCOUNT_SID")?,
            auth_token: config::twilio_auth_token(&sdk).await?,
        };
        state = state.with_twilio(Arc::new(TwilioMessageEraser::new(twilio)?));
    }
    run(service_fn(|event| function_handler(&state, event))).await
}
