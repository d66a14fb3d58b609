use std::sync::Arc;

use lambda_runtime::{Error, run, service_fn};
use notify_agent::{Deferred, NotifyAgent, function_handler};
use whatsapp_channel::adapters::{
    EventBridgeBus, SqsTimerQueue, SystemClock, TwilioConfig, TwilioContentCatalog,
    TwilioReplySender, TwilioTypingIndicator,
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
    let store = Arc::new(whatsapp_channel::wiring::warmed_store(&sdk, "CONV#").await?);
    let notifier = whatsapp_channel::wiring::agent_notifier(&sdk, store.clone())?;
    let mut state = NotifyAgent::new(store, notifier, Arc::new(SystemClock::default()))
        .with_warnings(config::window_warnings()?)
        .with_wrap_up(config::wrap_up()?)
        .with_metrics(Metrics::lambda("notify-agent"));
    // The conversation's lifecycle for other systems (a CRM), on EventBridge.
    if let Some(bus) = config::optional("EVENT_BUS_NAME") {
        let bus = EventBridgeBus::new(EventBridgeBus::client(&sdk), bus);
        state = state.with_bus(Arc::new(bus), config::events_include_bodies()?);
    }
    // Routing's timers (offers' expiry, overflow) go to an SQS queue with per-message delays.
    let routing = config::routing()?;
    match config::optional("TIMER_QUEUE_URL") {
        Some(queue_url) => {
            state = state.with_routing(routing, Arc::new(SqsTimerQueue::from_sdk(&sdk, queue_url)));
        }
        // Offers that never expire would hold each request with one agent for good.
        None if routing.offers() => {
            return Err(
                "ROUTING_MODE is offer (the default) but TIMER_QUEUE_URL is not set: \
                        offers would never expire. Set TIMER_QUEUE_URL to the routing timers' \
                        queue, or ROUTING_MODE=broadcast"
                    .into(),
            );
        }
        None => {
            tracing::warn!(
                "TIMER_QUEUE_URL is not set: broadcast routing without overflow timers (requests are never raised to supervisors)"
            );
        }
    }
    // Deferred replies go out from here, the moment the stream shows their customer's new window.
    if let Some(account_sid) = config::optional("TWILIO_ACCOUNT_SID") {
        let twilio = TwilioConfig {
            api_base_url: config::optional("TWILIO_API_BASE_URL")
                .unwrap_or_else(|| "https://api.twilio.com".into()),
            account_sid,
            auth_token: config::twilio_auth_token(&sdk).await?,
        };
        // Blue ticks when an agent accepts (READ_RECEIPTS, on by default).
        if config::read_receipts()? {
            let indicator = TwilioTypingIndicator::new(&TwilioConfig {
                api_base_url: config::messaging_api_base_url(),
                ..twilio.clone()
            })?;
            state = state.with_read_receipts(Arc::new(
                Typing::new(Arc::new(indicator)).with_metrics(Metrics::lambda("notify-agent")),
            ));
        }
        let sender = TwilioReplySender::new(twilio.clone())?;
        state = state.with_deferred(Deferred {
            sender: Arc::new(sender),
            settings: ReplySettings {
                status_callback: config::required("TWILIO_STATUS_URL")?,
            },
            max_wait: config::deferred_max_wait()?,
        });
        // The CSAT survey after a close (CSAT_CONTENT_SID), through the same sender.
        // Its name and text in the transcript come from the Content API's approved list.
        if let Some(csat) = config::csat()? {
            let catalog = TwilioContentCatalog::new(&TwilioConfig {
                api_base_url: config::content_api_base_url(),
                ..twilio.clone()
            })?;
            state = state.with_csat(csat, Some(Arc::new(Templates::new(Arc::new(catalog)))));
        }
    }
    // Sentiment (SENTIMENT: Comprehend by default) and suggestions for each customer text.
    state = state.with_assist(whatsapp_channel::app::assist::Assist {
        scorer: whatsapp_channel::wiring::sentiment_scorer(
            &sdk,
            whatsapp_channel::domain::sentiment::SentimentMode::Comprehend,
        )?,
        knowledge: Arc::new(whatsapp_channel::app::assist::knowledge::Knowledge::new()),
    });
    run(service_fn(|event| function_handler(&state, event))).await
}
