//! send-reply: an agent's reply to a customer through Twilio.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Error, Request, Response};
use whatsapp_channel::app::deferred::{
    Canceller, DeferRequest, cancel_deferred, defer_reply, wants_defer,
};
use whatsapp_channel::app::reply::{
    ReplyRefused, ReplyRequest, ReplySettings, parse_reply, send_reply,
};
use whatsapp_channel::app::templates::Templates;
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::http::{
    ApiError, DEFAULT_ADMIN_GROUP, agent_groups, agent_id, body_bytes, empty, json, path_segments,
    reply_response, with_body,
};
use whatsapp_channel::metrics::{Metric, Metrics};
use whatsapp_channel::ports::{
    ChannelStore, Clock, OutboundRequest, ReplyContent, ReplySender, SendError, SentMessage,
};

/// Everything the handler needs, built once per cold start.
pub struct SendReply {
    store: Arc<dyn ChannelStore>,
    sender: Arc<dyn ReplySender>,
    clock: Arc<dyn Clock>,
    settings: ReplySettings,
    metrics: Metrics,
    /// `ADMIN_GROUP`: its members may cancel any deferred reply and send any template.
    admin_group: String,
    /// The approved templates: an agent's template must be one of them.
    templates: Option<Arc<Templates>>,
}

impl SendReply {
    pub fn new(
        store: Arc<dyn ChannelStore>,
        sender: Arc<dyn ReplySender>,
        clock: Arc<dyn Clock>,
        settings: ReplySettings,
    ) -> Self {
        Self {
            store,
            sender,
            clock,
            settings,
            metrics: Metrics::disabled(),
            admin_group: DEFAULT_ADMIN_GROUP.to_owned(),
            templates: None,
        }
    }

    /// Agents send only the approved templates (administrators any Content SID).
    pub fn with_templates(mut self, templates: Arc<Templates>) -> Self {
        self.templates = Some(templates);
        self
    }

    /// Another administrators' group than `admins` (`ADMIN_GROUP`).
    pub fn with_admin_group(mut self, group: impl Into<String>) -> Self {
        self.admin_group = group.into();
        self
    }

    /// Emits the function's metrics (EMF) to `metrics`; none by default.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// Measures each Twilio call: what was sent, what Twilio refused, how long it took, per
/// business number (the request's `From`). Keeps the sid for the log line.
struct MeasuredSender<'a> {
    inner: &'a dyn ReplySender,
    metrics: &'a Metrics,
    sid: Mutex<Option<String>>,
}

#[async_trait]
impl<'a> ReplySender for MeasuredSender<'a> {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError> {
        let started = Instant::now();
        let result = self.inner.send(request).await;
        let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let business = request.from.as_str();
        let emit = |metric: Metric| self.metrics.emit(metric.business(business));
        match &result {
            Ok(sent) => {
                emit(Metric::count(match request.content {
                    ReplyContent::Template { .. } => "TemplatesSent",
                    _ => "RepliesSent",
                }));
                if let Ok(mut sid) = self.sid.lock() {
                    *sid = Some(sent.sid.clone());
                }
            }
            Err(SendError::Rejected {
                code, http_status, ..
            }) => emit(
                Metric::count("TwilioErrors").error_code(code.unwrap_or(u32::from(*http_status))),
            ),
            Err(SendError::RateLimited) => emit(Metric::count("TwilioErrors").error_code(20429)),
            Err(SendError::Unreachable(_)) => {
                emit(Metric::count("TwilioErrors").error_code("unreachable"));
                // No answer: a timeout is not a latency.
                return result;
            }
        }
        emit(Metric::millis("TwilioLatency", millis));
        result
    }
}

/// An `Idempotency-Key` is at most 255 visible ASCII characters; `Err(())` when it is not.
/// When Lambda stops this invocation, from its context (`None` outside Lambda, in local-api and
/// tests, where no deadline applies).
fn invocation_deadline(request: &Request) -> Option<Instant> {
    use lambda_http::RequestExt;
    let deadline_ms = request.lambda_context_ref()?.deadline;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis();
    let left = u64::try_from(u128::from(deadline_ms).checked_sub(now_ms)?).ok()?;
    Some(Instant::now() + std::time::Duration::from_millis(left))
}

fn idempotency_key(request: &Request) -> Result<Option<String>, ()> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str() {
        Ok(key)
            if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            Ok(Some(key.to_owned()))
        }
        _ => Err(()),
    }
}

pub async fn function_handler(
    state: &SendReply,
    request: Request,
) -> Result<Response<Body>, Error> {
    Ok(reply(state, &request).await.unwrap_or_else(Response::from))
}

async fn reply(state: &SendReply, request: &Request) -> Result<Response<Body>, ApiError> {
    let agent = agent_id(request).ok_or_else(ApiError::unauthenticated)?;
    let segments = path_segments(request);
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (raw_id, message_id) = match segments.as_slice() {
        ["conversations", raw_id, "messages"] => (*raw_id, None),
        ["conversations", raw_id, "messages", message_id] => (*raw_id, Some(*message_id)),
        _ => return Err(ApiError::no_route()),
    };
    let conversation_id =
        ConversationId::parse(raw_id).map_err(|_| ApiError::not_found("No such conversation."))?;
    if let Some(message_id) = message_id {
        if request.method() != Method::DELETE {
            return Err(ApiError::method_not_allowed(
                "A reply is cancelled with DELETE.",
            ));
        }
        let canceller = if agent_groups(request).contains(&state.admin_group) {
            Canceller::Admin
        } else {
            Canceller::Agent
        };
        cancel_deferred(
            state.store.as_ref(),
            &agent,
            canceller,
            &conversation_id,
            message_id,
        )
        .await?;
        tracing::info!(conversation_id = %conversation_id, message_id, "deferred reply cancelled");
        return Ok(empty(StatusCode::NO_CONTENT));
    }
    if request.method() != Method::POST {
        return Err(ApiError::method_not_allowed("Replies are POST requests."));
    }
    let idempotency_key = idempotency_key(request).map_err(|()| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_idempotency_key",
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        )
    })?;
    let mut content = parse_reply(body_bytes(request))?;
    if let Some(templates) = &state.templates {
        let admin = agent_groups(request).contains(&state.admin_group);
        templates.check(&mut content, admin).await?;
    }
    if wants_defer(body_bytes(request))? {
        let deferred = DeferRequest {
            conversation_id,
            agent,
            idempotency_key,
            content,
        };
        let message = defer_reply(state.store.as_ref(), state.clock.now(), &deferred).await?;
        tracing::info!(conversation_id = %deferred.conversation_id, "reply deferred");
        return Ok(json(StatusCode::ACCEPTED, &message));
    }
    let reply = ReplyRequest {
        conversation_id,
        agent,
        idempotency_key,
        content,
        deadline: invocation_deadline(request),
    };
    let sender = MeasuredSender {
        inner: state.sender.as_ref(),
        metrics: &state.metrics,
        sid: Mutex::new(None),
    };
    let result = send_reply(
        state.store.as_ref(),
        &sender,
        state.clock.as_ref(),
        &state.settings,
        &reply,
        &reply_response,
    )
    .await;
    if let Err(ReplyRefused::WindowExpired { business, .. }) = &result {
        state
            .metrics
            .emit(Metric::count("WindowRefusals").business(business));
        tracing::info!(conversation_id = %reply.conversation_id, "reply refused: the 24-hour window has closed");
    }
    let answer = result?;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let message_sid = sender.sid.lock().ok().and_then(|mut s| s.take());
    tracing::info!(conversation_id = %reply.conversation_id, message_sid = message_sid.as_deref(), status = answer.status, "reply");
    Ok(with_body(status, "application/json", answer.body))
}
