//! webhook-ingest: Twilio's inbound WhatsApp webhook and status callbacks.
//!
//! The signature is checked before anything else, against the exact URL configured in Twilio;
//! only then is the body trusted as a form, and only a well-formed form is stored.

use std::sync::Arc;

use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Error, Request, RequestExt, Response};
use tracing::Instrument;
use whatsapp_channel::app;
use whatsapp_channel::config::WebhookConfig;
use whatsapp_channel::domain::{
    InboundError, InboundMessage, MessageStatus, Senders, SessionDecision, StatusCallback,
    mask_number,
};
use whatsapp_channel::form;
use whatsapp_channel::http::{body_bytes, empty, error, route_path, with_body};
use whatsapp_channel::logging::{chain, timed};
use whatsapp_channel::metrics::{Metric, Metrics};
use whatsapp_channel::ports::{ChannelStore, Clock, StatusApplied, Stored};
use whatsapp_channel::twilio::RequestValidator;

/// The answer Twilio expects: empty TwiML (no automatic reply).
pub const EMPTY_TWIML: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

/// Twilio's webhook bodies are a few kilobytes; anything far larger is not Twilio's.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Everything the handler needs, built once per cold start.
pub struct WebhookIngest {
    validator: RequestValidator,
    inbound_url: String,
    status_url: String,
    /// The numbers customers may write to; a message to any other is refused.
    senders: Senders,
    store: Arc<dyn ChannelStore>,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
}

impl WebhookIngest {
    pub fn new(
        config: &WebhookConfig,
        store: Arc<dyn ChannelStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            validator: RequestValidator::new(config.auth_token.clone()),
            inbound_url: config.inbound_url.clone(),
            status_url: config.status_url.clone(),
            senders: config.senders.clone(),
            store,
            clock,
            metrics: Metrics::disabled(),
        }
    }

    /// Emits the function's metrics (EMF) to `metrics`; none by default.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

#[derive(Clone, Copy)]
enum Route {
    Inbound,
    Status,
}

fn malformed(reason: &str) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, "malformed_form", reason)
}

fn unavailable() -> Response<Body> {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "The message could not be stored now; Twilio retries it when the webhook URL asks for \
         retries (#rc=…&rp=all), and the retry is stored exactly once.",
    )
}

/// The URL Twilio signed: the configured one, plus `bodySHA256` when Twilio sent a JSON body.
fn signed_url(configured: &str, request: &Request) -> (String, bool) {
    let query = request.query_string_parameters();
    match query.first("bodySHA256") {
        Some(hash) => {
            let joiner = if configured.contains('?') { '&' } else { '?' };
            (format!("{configured}{joiner}bodySHA256={hash}"), true)
        }
        None => (configured.to_owned(), false),
    }
}

pub async fn function_handler(
    state: &WebhookIngest,
    request: Request,
) -> Result<Response<Body>, Error> {
    let path = route_path(&request);
    let (route, url) = match path.as_str() {
        "/twilio/inbound" => (Route::Inbound, &state.inbound_url),
        "/twilio/status" => (Route::Status, &state.status_url),
        _ => return Ok(error(StatusCode::NOT_FOUND, "not_found", "No such route.")),
    };
    if request.method() != Method::POST {
        return Ok(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Twilio webhooks are POST requests.",
        ));
    }

    // `LOG_TIMINGS=on` logs each part's time: checking the request, reading the message,
    // storing it, and counting and logging it.
    let verify = timed!("verify").entered();
    let body = body_bytes(&request);
    let signature = request
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::debug!(
        path,
        bytes = body.len(),
        signed = !signature.is_empty(),
        "webhook request"
    );
    let (signed_url, json_body) = signed_url(url, &request);
    // Decoded once: a well-formed body decodes the same strictly and leniently (as Twilio's
    // SDKs decode it to sign), so the strict pairs are checked against the signature and then
    // trusted; only a malformed body is decoded again, leniently, to check its signature
    // before it is refused as malformed.
    let strict = form::decode_strict(body);
    let lenient = match &strict {
        Ok(_) => None,
        Err(_) => Some(form::decode_lenient(body)),
    };
    let signed_params: &[(String, String)] = match (&strict, &lenient) {
        (Ok(params), _) => params,
        (Err(_), Some(params)) => params,
        (Err(_), None) => &[],
    };
    let valid = if json_body {
        state
            .validator
            .validate_with_body(&signed_url, body, signature)
    } else {
        state
            .validator
            .validate(&signed_url, signed_params, signature)
    };
    if !valid {
        signature_failure(state, route, signed_params, !signature.is_empty());
        tracing::warn!(
            path,
            signed = !signature.is_empty(),
            "refused a request whose X-Twilio-Signature does not match"
        );
        return Ok(error(
            StatusCode::FORBIDDEN,
            "invalid_signature",
            "The X-Twilio-Signature header is missing or does not match this request.",
        ));
    }
    if json_body {
        return Ok(malformed("This route takes a form-encoded body, not JSON."));
    }
    if body.len() > MAX_BODY_BYTES {
        return Ok(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The body is larger than any Twilio webhook.",
        ));
    }
    let params = match strict {
        Ok(params) => params,
        Err(e) => return Ok(malformed(&e.to_string())),
    };
    drop(verify);

    match route {
        Route::Inbound => inbound(state, params).await,
        Route::Status => status(state, &params).await,
    }
}

/// The first value of a form parameter.
fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A refused signature, counted per business number when the request was signed at all (a
/// rotated token); an unsigned request is nobody's traffic and counts for the function only.
fn signature_failure(
    state: &WebhookIngest,
    route: Route,
    params: &[(String, String)],
    signed: bool,
) {
    // Our number: the `To` of a customer's message, the `From` of a status callback.
    let ours = match route {
        Route::Inbound => "To",
        Route::Status => "From",
    };
    let mut metric = Metric::count("SignatureFailures");
    if signed {
        // Unverified: only one of our own senders becomes a dimension value, so that forged
        // requests cannot mint metrics (each distinct value is billed).
        if let Some(to) = param(params, ours).filter(|to| {
            whatsapp_channel::domain::WhatsAppAddress::parse(to)
                .is_ok_and(|a| state.senders.contains(&a))
        }) {
            metric = metric.business(to);
        }
    }
    state.metrics.emit(metric);
}

async fn inbound(
    state: &WebhookIngest,
    params: Vec<(String, String)>,
) -> Result<Response<Body>, Error> {
    let message = match timed!("parse").in_scope(|| InboundMessage::from_params(params)) {
        Ok(message) => message,
        Err(e) => return Ok(malformed(&e.to_string())),
    };
    if !state.senders.contains(&message.to) {
        // The business number is ours to log; the customer's is not.
        tracing::warn!(
            message_sid = %message.message_sid,
            to = %message.to,
            "refused a message to a number that is not one of WHATSAPP_SENDERS"
        );
        state.metrics.emit(Metric::count("UnknownSender"));
        return Ok(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_sender",
            "This message is to a number that is not one of this channel's WhatsApp senders \
             (WHATSAPP_SENDERS); nothing was stored.",
        ));
    }
    let stored = app::receive_inbound(state.store.as_ref(), state.clock.as_ref(), &message)
        .instrument(timed!("store"))
        .await;
    let _report = timed!("report").entered();
    match stored {
        Ok(receipt) => {
            let business = message.to.as_str();
            let metric = match receipt.stored {
                Stored::Inserted => "InboundMessages",
                Stored::Duplicate => "DuplicateDeliveries",
            };
            state.metrics.emit(Metric::count(metric).business(business));
            if let Some(score) = receipt.csat.filter(|_| receipt.stored == Stored::Inserted) {
                state
                    .metrics
                    .emit(Metric::value("CsatScore", f64::from(score)).business(business));
            }
            if receipt.session == SessionDecision::Start && receipt.stored == Stored::Inserted {
                state
                    .metrics
                    .emit(Metric::count("NewConversations").business(business));
            }
            tracing::info!(
                message_sid = %message.message_sid,
                conversation_id = %receipt.conversation_id,
                business = message.to.e164(),
                customer = %message.from.masked(),
                session = ?receipt.session,
                stored = ?receipt.stored,
                "inbound message"
            );
            Ok(with_body(
                StatusCode::OK,
                "text/xml",
                EMPTY_TWIML.to_owned(),
            ))
        }
        Err(e) => {
            tracing::error!(error = %chain(&e), message_sid = %message.message_sid, "inbound message not stored");
            Ok(unavailable())
        }
    }
}

async fn status(
    state: &WebhookIngest,
    params: &[(String, String)],
) -> Result<Response<Body>, Error> {
    let callback = match timed!("parse").in_scope(|| StatusCallback::from_params(params)) {
        Ok(callback) => callback,
        // A status Twilio added after this was written: acknowledged, nothing to move.
        Err(InboundError::UnknownStatus(e)) => {
            tracing::warn!(error = %e, "status callback with an unknown status ignored");
            return Ok(empty(StatusCode::NO_CONTENT));
        }
        Err(e) => return Ok(malformed(&e.to_string())),
    };
    let applied = app::receive_status(state.store.as_ref(), state.clock.as_ref(), &callback)
        .instrument(timed!("store"))
        .await;
    let _report = timed!("report").entered();
    match applied {
        Ok(applied) => {
            // A status callback's From is the business sender of the reply.
            let business = param(params, "From").unwrap_or_default();
            state
                .metrics
                .emit(Metric::count("StatusCallbacks").business(business));
            let failed = matches!(
                callback.status,
                MessageStatus::Failed | MessageStatus::Undelivered
            );
            if failed && applied == StatusApplied::Advanced {
                state.metrics.emit(
                    Metric::count("DeliveryFailures")
                        .business(business)
                        .error_code(callback.error_code.as_deref().unwrap_or("none")),
                );
            }
            tracing::info!(
                message_sid = %callback.message_sid,
                status = %callback.status,
                error_code = callback.error_code.as_deref(),
                customer = %mask_number(param(params, "To").unwrap_or_default()),
                ?applied,
                "status callback"
            );
            Ok(empty(StatusCode::NO_CONTENT))
        }
        Err(e) => {
            tracing::error!(error = %chain(&e), message_sid = %callback.message_sid, "status not stored");
            Ok(unavailable())
        }
    }
}

/// Content type of a response, for tests.
pub fn content_type(response: &Response<Body>) -> Option<&str> {
    response.headers().get(header::CONTENT_TYPE)?.to_str().ok()
}
