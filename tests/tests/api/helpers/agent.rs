//! Agent-route requests for the handlers, shaped like the `events/` files.

use lambda_http::Request;
use serde_json::Value;
use whatsapp_channel::testing::event_text;

/// The event of `method` on `path` as `agent` (none: without authorizer claims, as Twilio's
/// requests come), for a test to add its body and headers to.
pub(crate) fn agent_event(method: &str, path: &str, agent: Option<&str>) -> Value {
    let mut event: Value =
        serde_json::from_str(&event_text("agent-api.list-conversations")).unwrap();
    event["rawPath"] = path.into();
    event["routeKey"] = "$default".into();
    event["requestContext"]["http"]["method"] = method.into();
    event["requestContext"]["http"]["path"] = path.into();
    match agent {
        Some(agent) => event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = agent.into(),
        None => event["requestContext"]["authorizer"] = Value::Null,
    }
    event
}

/// The request Lambda would hand the handler for `event`.
pub(crate) fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).unwrap()
}
