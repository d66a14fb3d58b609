use std::sync::Arc;

use agent_api::{AgentApi, function_handler};
use lambda_http::{Error, run, service_fn};
use whatsapp_channel::adapters::{
    HttpRecordsWebhook, S3MediaStore, SqsErasureQueue, SystemClock, TwilioConfig,
    TwilioContentCatalog, TwilioMediaFetcher, TwilioReplySender, TwilioTypingIndicator,
};
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::app::typing::Typing;
use whatsapp_channel::config;
use whatsapp_channel::metrics::Metrics;

#[tokio::main]
async fn main() -> Result<(), Error> {
    whatsapp_channel::logging::init();
    let sdk = config::aws().await;
    let store = whatsapp_channel::wiring::warmed_store(&sdk, "CONV#").await?;
    let mut state = AgentApi::new(Arc::new(store), Arc::new(SystemClock::default()))
        .with_metrics(Metrics::lambda("agent-api"))
        .with_routing(config::routing()?);
    if let Some(group) = config::optional("ADMIN_GROUP") {
        state = state.with_admin_group(group);
    }
    // The Twilio account (the token read once, from SSM in AWS): media and business-started
    // conversations.
    let twilio = match config::optional("TWILIO_ACCOUNT_SID") {
        Some(account_sid) => Some(TwilioConfig {
            api_base_url: config::optional("TWILIO_API_BASE_URL")
                .unwrap_or_else(|| "https://api.twilio.com".into()),
            account_sid,
            auth_token: config::twilio_auth_token(&sdk).await?,
        }),
        None => None,
    };
    // The template picker's list (Content API, cached 5 minutes) and typing / read receipts.
    if let Some(twilio) = &twilio {
        let catalog = TwilioContentCatalog::new(&TwilioConfig {
            api_base_url: config::content_api_base_url(),
            ..twilio.clone()
        })?;
        let indicator = TwilioTypingIndicator::new(&TwilioConfig {
            api_base_url: config::messaging_api_base_url(),
            ..twilio.clone()
        })?;
        state = state
            .with_templates(Arc::new(Templates::new(Arc::new(catalog))))
            .with_typing(Arc::new(
                Typing::new(Arc::new(indicator)).with_metrics(Metrics::lambda("agent-api")),
            ));
    }
    // The CRM's records webhook: "create a record" signs its request with the secret (SSM).
    if let Some(url) = config::optional("RECORDS_WEBHOOK_URL") {
        let secret = config::records_webhook_secret(&sdk).await?;
        state = state.with_records_webhook(Arc::new(HttpRecordsWebhook::new(&url, secret)?));
    }
    // The audit log: customers named by a keyed pseudonym (the key from SSM); without one, a key
    // of this instance, so pseudonyms would differ between instances.
    let key = match config::privacy_key(&sdk).await? {
        Some(key) => key,
        None => {
            tracing::warn!(
                "PRIVACY_KEY_PARAMETER is not set: the audit log's customer pseudonyms use this instance's own key"
            );
            whatsapp_channel::domain::privacy::PrivacyKey::random()
        }
    };
    state = state.with_auditor(whatsapp_channel::app::privacy::audit::Auditor::new(
        key,
        config::audit_retention_days()?,
    ));
    // Erasures run in steps from their own queue (erasure-worker).
    if let Some(queue_url) = config::optional("ERASURE_QUEUE_URL") {
        state = state.with_erasures(Arc::new(SqsErasureQueue::from_sdk(&sdk, queue_url)));
    }
    // After-contact work: a close holds the agent's capacity (WRAP_UP_SECONDS, 60 by default).
    state = state.with_wrap_up(config::wrap_up()?);
    // Business-started conversations: the template goes out From one of WHATSAPP_SENDERS.
    if let (Some(twilio), Some(status_callback)) = (&twilio, config::optional("TWILIO_STATUS_URL"))
    {
        state = state.with_sender(
            Arc::new(TwilioReplySender::new(twilio.clone())?),
            ReplySettings { status_callback },
            config::senders()?,
        );
    }
    // Media: copies and uploads in the bucket; inbound attachments fetched from Twilio with the
    // account's credentials.
    if let Some(bucket) = config::optional("MEDIA_BUCKET") {
        let twilio = twilio
            .as_ref()
            .ok_or(config::MissingVariable("TWILIO_ACCOUNT_SID"))?;
        let fetcher = TwilioMediaFetcher::new(twilio)?;
        let media = S3MediaStore::new(S3MediaStore::client(&sdk), bucket);
        // Uploads are given to Twilio at this API's own `/media/{key}` (it answers HEAD too).
        let public_url = config::required("PUBLIC_API_URL")?;
        state = state.with_media(Arc::new(media), Arc::new(fetcher), public_url);
    }
    run(service_fn(|request| function_handler(&state, request))).await
}
