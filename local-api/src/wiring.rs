//! The runner's wiring: the store, Twilio's side, the notifier and the handlers' state, built
//! once at start as each function's `main` builds its own; then the stream and the schedule
//! started over them.

use std::sync::Arc;

use agent_api::AgentApi;
use agent_console::ConsoleConfig;
use notify_agent::{Deferred, NotifyAgent};
use send_reply::SendReply;
use webhook_ingest::WebhookIngest;
use whatsapp_channel::adapters::{
    DynamoChannelStore, InMemoryChannelStore, InMemoryMediaStore, SnsAgentNotifier, StdoutNotifier,
    SystemClock, TwilioConfig, TwilioContentCatalog, TwilioMediaFetcher, TwilioReplySender,
    TwilioTypingIndicator, dynamodb,
};
use whatsapp_channel::app::live::PushingNotifier;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::app::routing::RoutingSettings;
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::app::typing::Typing;
use whatsapp_channel::config::{self, ConfigError, WebhookConfig};
use whatsapp_channel::domain::{Senders, WhatsAppAddress};
use whatsapp_channel::ports::{AgentNotifier, ChannelStore, Clock, MediaStore, ReplySender};
use window_deadlines::WindowDeadlines;

use crate::clock::run_deadlines;
use crate::twilio_stub::{self, TwilioStub};
use crate::{live, media, stream};

/// Twilio's test credentials for a local run: not a secret, printed at start.
pub const LOCAL_AUTH_TOKEN: &str = "local-auth-token-not-a-secret";
pub const LOCAL_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// Twilio's WhatsApp sandbox number.
pub const LOCAL_WHATSAPP_FROM: &str = "whatsapp:+14155238886";

fn local_sender() -> WhatsAppAddress {
    WhatsAppAddress::parse(LOCAL_WHATSAPP_FROM).expect("the sandbox number is a WhatsApp address")
}

/// The handlers' state, built once, as each function's `main` builds it.
pub struct LocalApi {
    pub webhook: WebhookIngest,
    pub agents: AgentApi,
    pub replies: SendReply,
    /// The agent console, in local sign-in mode.
    pub console: ConsoleConfig,
    /// `GET /ws`: the agents' open live sockets.
    pub live: Arc<live::LiveHub>,
    /// The store behind every route (`GET /ws` records connections in it).
    pub store: Arc<dyn ChannelStore>,
    pub clock: Arc<SystemClock>,
    /// Twilio (or the stub), for deferred replies sent from the stream as in AWS.
    pub sender: Arc<dyn ReplySender>,
    pub reply_settings: ReplySettings,
    /// Wakes the window-warnings run when `POST /local/clock` moves the clock.
    pub deadline_kick: Arc<tokio::sync::Notify>,
    /// Routing's timers on this process's clock.
    pub timers: Arc<crate::timers::LocalTimers>,
    /// How requests reach agents (`ROUTING_MODE`, …).
    pub routing: RoutingSettings,
    /// The administrators' group (`ADMIN_GROUP`).
    pub admin_group: String,
    /// Twilio's typing indicator: `POST …/typing`, and read receipts on accept from the stream.
    pub typing: Arc<Typing>,
    /// The approved templates (the Content API's, cached): the CSAT survey's text.
    pub templates: Arc<Templates>,
    /// The events for other systems and whether bodies go with them (else `EVENT_BUS_NAME`).
    pub bus: Option<(Arc<dyn whatsapp_channel::ports::EventBus>, bool)>,
    /// How long a close holds the agent's capacity for the wrap-up (`WRAP_UP_SECONDS`).
    pub wrap_up: chrono::TimeDelta,
    /// The CSAT survey after a close (`CSAT_CONTENT_SID`, `CSAT_WAIT_MINUTES`).
    pub csat: Option<whatsapp_channel::domain::outcomes::CsatSettings>,
    /// Present when no Twilio account is configured: local-api answers for Twilio itself.
    pub twilio_stub: Option<TwilioStub>,
    /// The hosts and origins a request may come from (`LOCAL_API_ALLOWED_HOSTS`).
    pub guard: crate::guard::HostGuard,
    /// Erasures' steps and the retention sweep, run in this process.
    pub erasures: Arc<crate::erasures::LocalErasures>,
    /// Where media are kept (this process's memory, or `MEDIA_BUCKET`): what erasures delete.
    pub media: Arc<dyn MediaStore>,
    /// Twilio's media side and this local-api's public URL, kept for [`Self::with_media_store`].
    media_fetcher: Arc<TwilioMediaFetcher>,
    public_url: String,
}

/// Twilio's REST side: a real account from the environment, or the local stub.
pub struct TwilioSide {
    pub config: TwilioConfig,
    /// The Content API's base (templates) and the Messaging API v2's (typing indicator).
    pub content_base: String,
    pub messaging_base: String,
    /// True when `config` points at local-api's own stub.
    pub stubbed: bool,
}

/// The Twilio account from `TWILIO_ACCOUNT_SID` (+ token, `TWILIO_API_BASE_URL`), or the local
/// stub on this port when no account is configured.
pub fn twilio_side(port: u16, webhook: &WebhookConfig) -> TwilioSide {
    match config::optional("TWILIO_ACCOUNT_SID") {
        Some(account_sid) => TwilioSide {
            config: TwilioConfig {
                api_base_url: config::optional("TWILIO_API_BASE_URL")
                    .unwrap_or_else(|| "https://api.twilio.com".into()),
                account_sid,
                auth_token: webhook.auth_token.clone(),
            },
            content_base: config::content_api_base_url(),
            messaging_base: config::messaging_api_base_url(),
            stubbed: false,
        },
        None => TwilioSide {
            config: TwilioConfig {
                api_base_url: format!("http://127.0.0.1:{port}{}", twilio_stub::PREFIX),
                account_sid: LOCAL_ACCOUNT_SID.into(),
                auth_token: webhook.auth_token.clone(),
            },
            content_base: format!("http://127.0.0.1:{port}{}", twilio_stub::PREFIX),
            messaging_base: format!("http://127.0.0.1:{port}{}", twilio_stub::PREFIX),
            stubbed: true,
        },
    }
}

/// The store local-api runs on.
pub enum StoreChoice {
    Embedded,
    DynamoDb { table: String },
}

impl StoreChoice {
    pub fn from_env() -> Self {
        match config::optional("TABLE_NAME") {
            Some(table) => Self::DynamoDb { table },
            None => Self::Embedded,
        }
    }
}

/// Twilio settings from the environment, or local defaults for the given port.
pub fn webhook_config(port: u16) -> Result<(WebhookConfig, Vec<String>), ConfigError> {
    let mut defaulted = Vec::new();
    let mut var = |name: &'static str, default: String| {
        config::optional(name).unwrap_or_else(|| {
            defaulted.push(format!("{name}={default}"));
            default
        })
    };
    let mut config = WebhookConfig {
        auth_token: var("TWILIO_AUTH_TOKEN", LOCAL_AUTH_TOKEN.into()),
        inbound_url: var(
            "TWILIO_INBOUND_URL",
            format!("http://127.0.0.1:{port}/twilio/inbound"),
        ),
        status_url: var(
            "TWILIO_STATUS_URL",
            format!("http://127.0.0.1:{port}/twilio/status"),
        ),
        senders: Senders::from(local_sender()),
    };
    match config::senders() {
        Ok(senders) => config.senders = senders,
        Err(ConfigError::Missing(_)) => {
            defaulted.push(format!("WHATSAPP_SENDERS={LOCAL_WHATSAPP_FROM}"))
        }
        Err(e) => return Err(e),
    }
    Ok((config, defaulted))
}

/// The store behind every route, and what its stream comes from.
pub struct Backing {
    pub store: Arc<dyn ChannelStore>,
    embedded: Option<Arc<InMemoryChannelStore>>,
    dynamodb: Option<(aws_config::SdkConfig, String)>,
}

/// Builds the store: the embedded one, or DynamoDB (table created if missing).
pub async fn store(choice: &StoreChoice) -> Result<Backing, lambda_http::Error> {
    Ok(match choice {
        StoreChoice::Embedded => {
            let memory = Arc::new(InMemoryChannelStore::new());
            Backing {
                store: memory.clone(),
                embedded: Some(memory),
                dynamodb: None,
            }
        }
        StoreChoice::DynamoDb { table } => {
            let sdk = config::aws().await;
            let store = DynamoChannelStore::new(dynamodb::client(&sdk), table.clone());
            if store.create_table_if_missing().await? {
                tracing::info!(table, "created the table");
            }
            Backing {
                store: Arc::new(store),
                embedded: None,
                dynamodb: Some((sdk, table.clone())),
            }
        }
    })
}

/// SNS when `AGENT_NOTIFICATIONS_TOPIC_ARN` is set (`AWS_ENDPOINT_URL_SNS` for an emulator),
/// else JSON lines on stdout.
pub async fn notifier() -> Arc<dyn AgentNotifier> {
    match config::optional("AGENT_NOTIFICATIONS_TOPIC_ARN") {
        Some(topic) => {
            let sdk = config::aws().await;
            Arc::new(SnsAgentNotifier::new(SnsAgentNotifier::client(&sdk), topic))
        }
        None => Arc::new(StdoutNotifier::new()),
    }
}

/// Plays the event source mapping: the store's stream into notify-agent's handler, whose
/// notifications go to `notifier` and to the agents' live sockets (`GET /ws`).
pub async fn start_notifications(
    backing: &Backing,
    notifier: Arc<dyn AgentNotifier>,
    api: &LocalApi,
) -> Result<(), lambda_http::Error> {
    let notifier: Arc<dyn AgentNotifier> = Arc::new(PushingNotifier {
        inner: notifier,
        connections: backing.store.clone(),
        poster: api.live.clone(),
    });
    let warnings = config::window_warnings()?;
    let mut state = NotifyAgent::new(backing.store.clone(), notifier.clone(), api.clock.clone())
        .with_routing(api.routing.clone(), api.timers.clone())
        .with_warnings(warnings.clone())
        .with_deferred(Deferred {
            sender: api.sender.clone(),
            settings: api.reply_settings.clone(),
            max_wait: config::deferred_max_wait()?,
        });
    if config::read_receipts()? {
        state = state.with_read_receipts(api.typing.clone());
    }
    if let Some(csat) = api.csat.clone() {
        state = state.with_csat(csat, Some(api.templates.clone()));
    }
    state = state.with_wrap_up(api.wrap_up);
    // Sentiment (SENTIMENT: the embedded lexicon unless told, no account needed) and
    // suggestions for each customer text.
    let sdk = config::aws().await;
    state = state.with_assist(whatsapp_channel::app::assist::Assist {
        scorer: whatsapp_channel::wiring::sentiment_scorer(
            &sdk,
            whatsapp_channel::domain::sentiment::SentimentMode::Lexicon,
        )?,
        knowledge: Arc::new(whatsapp_channel::app::assist::knowledge::Knowledge::new()),
    });
    // EventBridge (moto's, with AWS_ENDPOINT_URL_EVENTBRIDGE) when EVENT_BUS_NAME is set.
    if let Some((bus, bodies)) = api.bus.clone() {
        state = state.with_bus(bus, bodies);
    } else if let Some(bus) = config::optional("EVENT_BUS_NAME") {
        let sdk = config::aws().await;
        let bus = whatsapp_channel::adapters::EventBridgeBus::new(
            whatsapp_channel::adapters::EventBridgeBus::client(&sdk),
            bus,
        );
        state = state.with_bus(Arc::new(bus), config::events_include_bodies()?);
    }
    let state = Arc::new(state);
    if let Some(memory) = &backing.embedded {
        stream::spawn_embedded(memory.clone(), state, api.clock.clone());
    } else if let Some((sdk, table)) = &backing.dynamodb {
        stream::spawn_dynamodb(sdk, table, state).await?;
    }
    let deadlines = WindowDeadlines::new(
        backing.store.clone(),
        notifier,
        api.clock.clone(),
        warnings.clone(),
    )
    .with_routing_mode(api.routing.mode);
    tokio::spawn(run_deadlines(deadlines, api.deadline_kick.clone()));
    tokio::spawn(crate::timers::run_timers(
        api.timers.clone(),
        backing.store.clone(),
        api.clock.clone(),
    ));
    tokio::spawn(crate::erasures::run(crate::erasures::Runner {
        queue: api.erasures.clone(),
        store: backing.store.clone(),
        media: api.media.clone(),
        clock: api.clock.clone(),
        warnings: warnings.clone(),
        retention_days: config::retention_days()?,
    }));
    Ok(())
}

impl LocalApi {
    pub fn new(
        webhook: &WebhookConfig,
        twilio: &TwilioSide,
        store: Arc<dyn ChannelStore>,
        clock: Arc<SystemClock>,
    ) -> Result<Self, lambda_http::Error> {
        let sessions: Arc<dyn ChannelStore> = store.clone();
        let as_clock: Arc<dyn Clock> = clock.clone();
        let sender: Arc<dyn ReplySender> = Arc::new(TwilioReplySender::new(twilio.config.clone())?);
        let media_fetcher = Arc::new(TwilioMediaFetcher::new(&twilio.config)?);
        let public_url = media::public_url(&webhook.inbound_url);
        let local_media: Arc<dyn MediaStore> = Arc::new(InMemoryMediaStore::new());
        let settings = ReplySettings {
            status_callback: webhook.status_url.clone(),
        };
        let admin_group = config::optional("ADMIN_GROUP")
            .unwrap_or_else(|| whatsapp_channel::http::DEFAULT_ADMIN_GROUP.into());
        let routing = config::routing()?;
        let templates = Arc::new(Templates::new(Arc::new(TwilioContentCatalog::new(
            &TwilioConfig {
                api_base_url: twilio.content_base.clone(),
                ..twilio.config.clone()
            },
        )?)));
        let typing = Arc::new(Typing::new(Arc::new(TwilioTypingIndicator::new(
            &TwilioConfig {
                api_base_url: twilio.messaging_base.clone(),
                ..twilio.config.clone()
            },
        )?)));
        let erasures = crate::erasures::LocalErasures::new();
        let api = Self {
            webhook: WebhookIngest::new(webhook, sessions.clone(), as_clock.clone()),
            agents: AgentApi::new(store.clone(), as_clock.clone())
                .with_auditor(whatsapp_channel::app::privacy::audit::Auditor::new(
                    local_privacy_key()?,
                    config::audit_retention_days()?,
                ))
                .with_admin_group(admin_group.clone())
                .with_wrap_up(config::wrap_up()?)
                .with_default_capacity(config::agent_capacity_default()?)
                .with_routing(routing.clone())
                .with_media(
                    local_media.clone(),
                    media_fetcher.clone(),
                    public_url.clone(),
                )
                .with_erasures(erasures.clone())
                .with_sender(sender.clone(), settings.clone(), webhook.senders.clone())
                .with_templates(templates.clone())
                .with_typing(typing.clone()),
            replies: SendReply::new(store.clone(), sender.clone(), as_clock, settings.clone())
                .with_admin_group(admin_group.clone())
                .with_templates(templates.clone()),
            templates,
            typing,
            bus: None,
            wrap_up: config::wrap_up()?,
            csat: config::csat()?,
            sender,
            reply_settings: settings,
            console: ConsoleConfig::Local,
            live: live::LiveHub::new(),
            store,
            clock,
            deadline_kick: Arc::new(tokio::sync::Notify::new()),
            timers: crate::timers::LocalTimers::new(),
            routing,
            admin_group,
            twilio_stub: twilio.stubbed.then(|| {
                TwilioStub::new(
                    twilio.config.account_sid.clone(),
                    twilio.config.auth_token.clone(),
                )
            }),
            guard: crate::guard::HostGuard::from_env(),
            erasures,
            media: local_media,
            media_fetcher,
            public_url,
        };
        // The CRM's records webhook, when RECORDS_WEBHOOK_URL is set (its secret in
        // RECORDS_WEBHOOK_SECRET).
        Ok(match config::optional("RECORDS_WEBHOOK_URL") {
            Some(url) => {
                let secret = config::optional("RECORDS_WEBHOOK_SECRET")
                    .ok_or(config::MissingVariable("RECORDS_WEBHOOK_SECRET"))?;
                let webhook = whatsapp_channel::adapters::HttpRecordsWebhook::new(&url, secret)?;
                api.with_records_webhook(Arc::new(webhook))
            }
            // No CRM configured: an in-memory stand-in creates the records (REC-1, REC-2…), so
            // that "create a record" works on a first run.
            None => api.with_records_webhook(Arc::new(
                whatsapp_channel::adapters::InMemoryRecordsWebhook::new(),
            )),
        })
    }

    /// Other routing settings than the environment's (before the notifications start).
    pub fn with_routing(mut self, routing: RoutingSettings) -> Self {
        self.agents = self.agents.with_routing(routing.clone());
        self.routing = routing;
        self
    }

    /// Creates CRM records through `webhook` (local-api reads `RECORDS_WEBHOOK_URL` and
    /// `RECORDS_WEBHOOK_SECRET` at start).
    pub fn with_records_webhook(
        mut self,
        webhook: Arc<dyn whatsapp_channel::ports::RecordsWebhook>,
    ) -> Self {
        self.agents = self.agents.with_records_webhook(webhook);
        self
    }

    /// Another wrap-up hold than `WRAP_UP_SECONDS` (before the notifications start).
    pub fn with_wrap_up(mut self, hold: chrono::TimeDelta) -> Self {
        self.wrap_up = hold;
        self.agents = self.agents.with_wrap_up(hold);
        self
    }

    /// Puts the lifecycle on `bus` (before the notifications start).
    pub fn with_bus(
        mut self,
        bus: Arc<dyn whatsapp_channel::ports::EventBus>,
        include_bodies: bool,
    ) -> Self {
        self.bus = Some((bus, include_bodies));
        self
    }

    /// Another CSAT survey than the environment's (before the notifications start).
    pub fn with_csat(
        mut self,
        csat: Option<whatsapp_channel::domain::outcomes::CsatSettings>,
    ) -> Self {
        self.csat = csat;
        self
    }

    /// Media in a bucket (`MEDIA_BUCKET`) instead of this process's memory.
    pub fn with_media_store(mut self, store: Arc<dyn MediaStore>) -> Self {
        self.media = store.clone();
        self.agents =
            self.agents
                .with_media(store, self.media_fetcher.clone(), self.public_url.clone());
        self
    }
}

/// The audit log's pseudonym key here: `PRIVACY_KEY` when set, else a fixed development key
/// (not a secret: local data only), so pseudonyms stay the same across restarts.
fn local_privacy_key() -> Result<whatsapp_channel::domain::privacy::PrivacyKey, lambda_http::Error>
{
    let raw = config::optional("PRIVACY_KEY")
        .unwrap_or_else(|| "local-api development privacy key: not a secret".into());
    Ok(whatsapp_channel::domain::privacy::PrivacyKey::new(
        raw.into_bytes(),
    )?)
}
