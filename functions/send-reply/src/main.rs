use std::sync::Arc;

use lambda_http::{Error, run, service_fn};
use send_reply::{SendReply, function_handler};
use whatsapp_channel::adapters::{
    SystemClock, TwilioConfig, TwilioContentCatalog, TwilioReplySender,
};
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    // Built once per cold start: the SDK configuration, the token (one SSM read), the clients.
    let sdk = config::aws().await;
    let store = whatsapp_channel::wiring::warmed_store(&sdk, "CONV#").await?;
    let twilio = TwilioConfig {
        api_base_url: config::optional("TWILIO_API_BASE_URL")
            .unwrap_or_else(|| "https://api.twilio.com".into()),
        account_sid: config::required("TWILIO_ACCOUNT_SID")?,
        auth_token: config::twilio_auth_token(&sdk).await?,
    };
    // Agents send only approved templates: the Content API's list, cached 5 minutes.
    let catalog = TwilioContentCatalog::new(&TwilioConfig {
        api_base_url: config::content_api_base_url(),
        ..twilio.clone()
    })?;
    let sender = TwilioReplySender::new(twilio)?;
    let settings = ReplySettings {
        status_callback: config::required("TWILIO_STATUS_URL")?,
    };
    let mut state = SendReply::new(
        Arc::new(store),
        Arc::new(sender),
        Arc::new(SystemClock::default()),
        settings,
    )
    .with_metrics(Metrics::lambda("send-reply"))
    .with_templates(Arc::new(Templates::new(Arc::new(catalog))));
    if let Some(group) = config::optional("ADMIN_GROUP") {
        state = state.with_admin_group(group);
    }
    run(service_fn(|request| function_handler(&state, request))).await
}
