//! agent-api: the agents' side: the queue, a conversation's transcript,
//! accept and close, the agent's presence and the customer directory, and media (inbound
//! attachments through us, agents' uploads).

mod assist;
mod customers;
mod desk;
mod export;
mod fidelity;
mod media;
mod outcomes;
mod privacy;
mod profiles;
mod queue;
mod records;
mod start;

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use serde_json::json;
use whatsapp_channel::app::agents::{parse_contact, parse_presence, put_contact, set_presence};
use whatsapp_channel::app::routing::RoutingSettings;
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::app::typing::Typing;
use whatsapp_channel::domain::{AgentId, Capacity, ConversationId, WhatsAppAddress};
use whatsapp_channel::http::{
    ApiError, DEFAULT_ADMIN_GROUP, accepts_gzip, agent_id, body_bytes, gzip_if_worthwhile, json,
    path_segments, require_admin,
};
use whatsapp_channel::metrics::Metrics;
use whatsapp_channel::ports::{ChannelStore, Clock, MediaFetcher, MediaStore};

pub use media::{MediaSide, media_response};

/// Conversations listed when the caller gives no `limit`, and the most it may ask for.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 500;

/// Everything the handler needs, built once per cold start.
pub struct AgentApi {
    store: Arc<dyn ChannelStore>,
    clock: Arc<dyn Clock>,
    /// The JWT group whose members may change the customer directory.
    admin_group: String,
    metrics: Metrics,
    /// The media bucket (or its in-memory twin) and Twilio's media; `None`: media routes 503.
    media: Option<MediaSide>,
    /// Twilio's Messages API and the senders, for business-started conversations; `None`:
    /// `POST /conversations` answers 503.
    sending: Option<start::Sending>,
    /// The capacity of an agent without a profile (`AGENT_CAPACITY_DEFAULT`).
    default_capacity: Capacity,
    /// In offer mode an agent takes only what is offered to them.
    routing: RoutingSettings,
    /// The approved templates (Twilio's Content API, cached); `None`: `GET /templates` 503.
    templates: Option<Arc<Templates>>,
    /// Twilio's typing indicator; `None`: `POST …/typing` 503.
    typing: Option<Arc<Typing>>,
    /// The CRM's records webhook (`RECORDS_WEBHOOK_URL`); `None`: creating a record 503.
    records_webhook: Option<Arc<dyn whatsapp_channel::ports::RecordsWebhook>>,
    /// The knowledge articles' search entries, cached while their version holds.
    knowledge: Arc<whatsapp_channel::app::assist::knowledge::Knowledge>,
    /// The audit log's writer (the pseudonyms' key, `AUDIT_RETENTION_DAYS`).
    auditor: Arc<whatsapp_channel::app::privacy::audit::Auditor>,
    /// `WRAP_UP_SECONDS`: a close holds its agent's capacity this long for the wrap-up (zero:
    /// not at all, the default here; `main` reads 60 by default).
    wrap_up: chrono::TimeDelta,
    /// The (agent, `auth_time`) sign-ins this instance has recorded already.
    signed_in: std::sync::Mutex<std::collections::HashSet<(String, i64)>>,
    /// Where erasures' steps are queued (`ERASURE_QUEUE_URL`); `None`: erasing answers 503.
    erasures: Option<Arc<dyn whatsapp_channel::ports::ErasureQueue>>,
}

impl AgentApi {
    pub fn new(store: Arc<dyn ChannelStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            clock,
            admin_group: DEFAULT_ADMIN_GROUP.to_owned(),
            metrics: Metrics::disabled(),
            media: None,
            sending: None,
            default_capacity: Capacity::default(),
            routing: RoutingSettings::broadcast(),
            templates: None,
            typing: None,
            records_webhook: None,
            knowledge: Arc::default(),
            // A key of this process only: configure one (`with_auditor`) to keep pseudonyms
            // stable across instances.
            auditor: Arc::new(whatsapp_channel::app::privacy::audit::Auditor::new(
                whatsapp_channel::domain::privacy::PrivacyKey::random(),
                whatsapp_channel::app::privacy::audit::DEFAULT_RETENTION_DAYS,
            )),
            signed_in: std::sync::Mutex::default(),
            erasures: None,
            wrap_up: chrono::TimeDelta::zero(),
        }
    }

    /// Holds a closing agent's capacity this long for the wrap-up, written with the close.
    pub fn with_wrap_up(mut self, hold: chrono::TimeDelta) -> Self {
        self.wrap_up = hold;
        self
    }

    /// Queues erasures' steps on `queue` (`DELETE /customers/{address}`).
    pub fn with_erasures(mut self, queue: Arc<dyn whatsapp_channel::ports::ErasureQueue>) -> Self {
        self.erasures = Some(queue);
        self
    }

    /// The audit log's key and retention (`PRIVACY_KEY`, `AUDIT_RETENTION_DAYS`).
    pub fn with_auditor(mut self, auditor: whatsapp_channel::app::privacy::audit::Auditor) -> Self {
        self.auditor = Arc::new(auditor);
        self
    }

    /// Creates records in the CRM through `webhook` (`POST …/records` with `create`).
    pub fn with_records_webhook(
        mut self,
        webhook: Arc<dyn whatsapp_channel::ports::RecordsWebhook>,
    ) -> Self {
        self.records_webhook = Some(webhook);
        self
    }

    /// The template picker's list and the rule that agents send only approved templates.
    pub fn with_templates(mut self, templates: Arc<Templates>) -> Self {
        self.templates = Some(templates);
        self
    }

    /// Typing and read receipts through Twilio's typing indicator.
    pub fn with_typing(mut self, typing: Arc<Typing>) -> Self {
        self.typing = Some(typing);
        self
    }

    /// Emits the function's metrics (EMF) to `metrics`; none by default.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// Media: where copies and uploads are kept, how inbound attachments are fetched, and the
    /// API's public URL, under which an upload's address (`{public_url}/media/{key}`) is given.
    pub fn with_media(
        mut self,
        store: Arc<dyn MediaStore>,
        fetcher: Arc<dyn MediaFetcher>,
        public_url: impl Into<String>,
    ) -> Self {
        self.media = Some(MediaSide {
            store,
            fetcher,
            public_url: public_url.into().trim_end_matches('/').to_owned(),
        });
        self
    }

    /// Business-started conversations: the template goes out through `sender`, `From` one of
    /// `senders`, with `settings`' status callback.
    pub fn with_sender(
        mut self,
        sender: Arc<dyn whatsapp_channel::ports::ReplySender>,
        settings: whatsapp_channel::app::reply::ReplySettings,
        senders: whatsapp_channel::domain::Senders,
    ) -> Self {
        self.sending = Some(start::Sending {
            sender,
            settings,
            senders,
        });
        self
    }

    /// The capacity of agents without a profile (`AGENT_CAPACITY_DEFAULT`); 3 by default.
    pub fn with_default_capacity(mut self, capacity: Capacity) -> Self {
        self.default_capacity = capacity;
        self.routing.default_capacity = capacity;
        self
    }

    /// How requests reach agents (`ROUTING_MODE`, …); broadcast by default.
    pub fn with_routing(mut self, routing: RoutingSettings) -> Self {
        self.default_capacity = routing.default_capacity;
        self.routing = routing;
        self
    }

    /// Another administrators' group than `admins` (`ADMIN_GROUP`).
    pub fn with_admin_group(mut self, group: impl Into<String>) -> Self {
        self.admin_group = group.into();
        self
    }
}

pub(crate) type Answer = Result<Response<Body>, ApiError>;

fn no_conversation() -> ApiError {
    ApiError::not_found("No such conversation.")
}

fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw).map_err(|_| no_conversation())
}

pub async fn function_handler(state: &AgentApi, request: Request) -> Result<Response<Body>, Error> {
    // Read before an upload consumes the request; HEAD answers carry no body to compress.
    let gzip = accepts_gzip(&request) && request.method() != Method::HEAD;
    let response = answer(state, request).await;
    // Once here for every route: API Gateway HTTP APIs do not compress (a 2,000-message
    // conversation is about 0.5 MB of JSON, read on every open and poll).
    Ok(gzip_if_worthwhile(gzip, response))
}

async fn answer(state: &AgentApi, request: Request) -> Response<Body> {
    // An upload's public address: Twilio fetches it without credentials.
    if media::is_shared(&request) {
        return media::shared(state, &request)
            .await
            .unwrap_or_else(Response::from);
    }
    // An upload takes the request by value: its body becomes the file without a copy.
    if media::is_upload(&request) {
        return media::upload(state, request)
            .await
            .unwrap_or_else(Response::from);
    }
    let response = route(state, &request).await.unwrap_or_else(Response::from);
    if let Some(agent) = agent_id(&request) {
        let segments = path_segments(&request);
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        // Reads the plain JSON answer: before it is compressed.
        privacy::after(state, &request, &segments, &agent, &response).await;
    }
    response
}

async fn route(state: &AgentApi, request: &Request) -> Answer {
    let agent = agent_id(request).ok_or_else(ApiError::unauthenticated)?;
    privacy::sign_in(state, request, &agent).await;
    let segments = path_segments(request);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match (request.method(), segments.as_slice()) {
        (&Method::GET, ["audit"]) => privacy::audit(state, request).await,
        (&Method::PUT, ["customers", address, "hold"]) => {
            privacy::hold(state, request, address, &agent).await
        }
        (&Method::GET, ["customers", address, "export"]) => {
            privacy::export(state, request, address).await
        }
        (&Method::DELETE, ["customers", address]) => {
            privacy::erase(state, request, address, &agent).await
        }
        (&Method::GET, ["erasures", id]) => privacy::erasure(state, request, id).await,
        (&Method::GET, ["conversations"]) => queue::list(state, request).await,
        (&Method::POST, ["conversations"]) => start::start(state, request, &agent).await,
        (&Method::GET, ["conversations", id]) => desk::get(state, id).await,
        (&Method::POST, ["conversations", id, "notes"]) => {
            desk::note(state, request, id, &agent).await
        }
        (&Method::POST, ["conversations", id, "transfer"]) => {
            desk::transfer(state, request, id, &agent).await
        }
        (&Method::GET, ["agents"]) => profiles::list(state).await,
        (&Method::GET, ["agents", id]) => profiles::get(state, id).await,
        (&Method::PUT, ["agents", id]) => profiles::put(state, request, id, &agent).await,
        (&Method::GET, ["quick-replies"]) => desk::list_quick_replies(state).await,
        (&Method::PUT, ["quick-replies", id]) => {
            desk::put_quick_reply(state, request, id, &agent).await
        }
        (&Method::DELETE, ["quick-replies", id]) => {
            desk::delete_quick_reply(state, request, id).await
        }
        (&Method::GET, ["customers", address]) => customers::customer(state, address).await,
        (&Method::GET, ["search"]) => customers::search(state, request).await,
        (&Method::POST, ["conversations", id, "accept"]) => {
            // In offer mode only the offered agent accepts; an administrator may pick any.
            let may_pick = !state.routing.offers() || desk::is_admin(state, request);
            queue::accept(state, id, &agent, may_pick).await
        }
        (&Method::POST, ["conversations", id, "reject"]) => queue::reject(state, id, &agent).await,
        (&Method::GET, ["board"]) => queue::board(state, request).await,
        (&Method::GET, ["templates"]) => fidelity::templates(state).await,
        (&Method::GET, ["conversations", id, "export"]) => {
            export::export(state, request, id, &agent).await
        }
        (&Method::GET, ["dispositions"]) => outcomes::dispositions(state).await,
        (&Method::PUT, ["dispositions", code]) => {
            outcomes::put_disposition(state, request, code, &agent).await
        }
        (&Method::DELETE, ["dispositions", code]) => {
            outcomes::delete_disposition(state, request, code).await
        }
        (&Method::PUT, ["conversations", id, "outcome"]) => {
            outcomes::outcome(state, request, id, &agent).await
        }
        (&Method::PUT, ["conversations", id, "tags"]) => outcomes::tags(state, request, id).await,
        (&Method::POST, ["conversations", id, "records"]) => {
            outcomes::link_record(state, request, id, &agent).await
        }
        (&Method::DELETE, ["conversations", id, "records", system, record]) => {
            outcomes::unlink_record(state, request, id, system, record, &agent).await
        }
        (&Method::GET, ["knowledge"]) => assist::search(state, request).await,
        (&Method::GET, ["knowledge", id]) => assist::article(state, id).await,
        (&Method::PUT, ["knowledge", id]) => assist::put_article(state, request, id, &agent).await,
        (&Method::DELETE, ["knowledge", id]) => assist::delete_article(state, request, id).await,
        (&Method::GET, ["scripts"]) => assist::scripts(state).await,
        (&Method::PUT, ["scripts", id]) => assist::put_script(state, request, id, &agent).await,
        (&Method::DELETE, ["scripts", id]) => assist::delete_script(state, request, id).await,
        (&Method::GET, ["conversations", id, "suggestions"]) => {
            assist::suggestions(state, id).await
        }
        (&Method::POST, ["conversations", id, "suggestions", kind, item, "used"]) => {
            assist::used(state, id, kind, item, &agent).await
        }
        (&Method::POST, ["conversations", id, "script", "steps", index]) => {
            assist::tick(state, request, id, index, &agent).await
        }
        (&Method::POST, ["conversations", id, "typing"]) => {
            fidelity::typing(state, request, id, &agent).await
        }
        (&Method::POST, ["conversations", id, "close"]) => {
            match queue::close(state, id, &agent).await {
                // An administrator closes from every state that is not final (desk.rs).
                Err(e) if e.status.is_client_error() && desk::is_admin(state, request) => {
                    desk::close_as_admin(state, id, &agent).await
                }
                answer => answer,
            }
        }
        (&Method::PUT, ["agents", id, "presence"]) => presence(state, request, id, &agent).await,
        (&Method::PUT, ["contacts", address]) => contact(state, request, address).await,
        (&Method::GET, ["conversations", id, "messages", message, "media", index]) => {
            media::open(state, request, id, message, index).await
        }
        (_, ["customers", _, "hold"]) => Err(ApiError::method_not_allowed("This route takes PUT.")),
        (_, ["audit"] | ["customers", _, "export"] | ["erasures", _]) => {
            Err(ApiError::method_not_allowed("This route takes GET."))
        }
        (_, ["agents", _, "presence"] | ["contacts", _]) => {
            Err(ApiError::method_not_allowed("This route takes PUT."))
        }
        (_, ["agents", _]) => Err(ApiError::method_not_allowed("This route takes GET or PUT.")),
        (_, ["agents"] | ["quick-replies"] | ["search"] | ["board"] | ["templates"]) => {
            Err(ApiError::method_not_allowed("This route takes GET."))
        }
        (_, ["customers", _]) => Err(ApiError::method_not_allowed(
            "This route takes GET or DELETE.",
        )),
        (_, ["dispositions"] | ["knowledge"] | ["scripts"]) => {
            Err(ApiError::method_not_allowed("This route takes GET."))
        }
        (_, ["knowledge", _]) => Err(ApiError::method_not_allowed(
            "This route takes GET, PUT or DELETE.",
        )),
        (_, ["scripts", _]) => Err(ApiError::method_not_allowed(
            "This route takes PUT or DELETE.",
        )),
        (_, ["conversations", _, "suggestions"]) => {
            Err(ApiError::method_not_allowed("This route takes GET."))
        }
        (
            _,
            ["conversations", _, "suggestions", _, _, "used"]
            | ["conversations", _, "script", "steps", _],
        ) => Err(ApiError::method_not_allowed("This route takes POST.")),
        (_, ["dispositions", _]) => Err(ApiError::method_not_allowed(
            "This route takes PUT or DELETE.",
        )),
        (_, ["conversations", _, "outcome" | "tags"]) => {
            Err(ApiError::method_not_allowed("This route takes PUT."))
        }
        (_, ["conversations", _, "records"]) => {
            Err(ApiError::method_not_allowed("This route takes POST."))
        }
        (_, ["conversations", _, "records", _, _]) => {
            Err(ApiError::method_not_allowed("This route takes DELETE."))
        }
        (_, ["quick-replies", _]) => Err(ApiError::method_not_allowed(
            "This route takes PUT or DELETE.",
        )),
        (
            _,
            ["conversations"]
            | ["conversations", _]
            | [
                "conversations",
                _,
                "accept" | "close" | "export" | "media" | "notes" | "reject" | "transfer"
                | "typing",
            ]
            | ["conversations", _, "messages", _, "media", _],
        ) => Err(ApiError::method_not_allowed(
            "This route does not take that method.",
        )),
        _ => Err(ApiError::no_route()),
    }
}

async fn presence(state: &AgentApi, request: &Request, raw_id: &str, caller: &AgentId) -> Answer {
    let id = percent_encoding::percent_decode_str(raw_id).decode_utf8_lossy();
    let agent = AgentId::parse(&id)
        .ok()
        .filter(|agent| agent == caller)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "not_your_presence",
                "Agents set their own presence only.",
            )
        })?;
    let status = parse_presence(body_bytes(request))?;
    let now = set_presence(state.store.as_ref(), state.clock.as_ref(), &agent, status).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "agent_id": agent.as_str(),
            "status": status.as_str(),
            "updated_at": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }),
    ))
}

async fn contact(state: &AgentApi, request: &Request, raw_address: &str) -> Answer {
    require_admin(request, &state.admin_group)?;
    let decoded = percent_encoding::percent_decode_str(raw_address).decode_utf8_lossy();
    let address = WhatsAppAddress::parse(&decoded).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_address",
            "The address must be a URL-encoded whatsapp:+E164 number, e.g. whatsapp%3A%2B447700900123.",
        )
    })?;
    let contact = parse_contact(&address, body_bytes(request))?;
    let status =
        whatsapp_channel::http::created_or_ok(put_contact(state.store.as_ref(), &contact).await?);
    Ok(json(status, &contact))
}
