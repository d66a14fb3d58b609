//! Events for other systems: the conversation's lifecycle as the table's stream shows it, one
//! event per meaningful change, each with a versioned `detail`.
//!
//! | `detail-type` | when |
//! | --- | --- |
//! | `conversation.requested` | a customer's first message opens a request |
//! | `conversation.accepted` | an agent accepts it |
//! | `conversation.transferred` | the assignee changes on an active conversation |
//! | `conversation.closed` | it closes (`outcome` still `null`) |
//! | `conversation.outcome_recorded` | the wrap-up is sent (or changed) |
//! | `conversation.csat_received` | the customer answers the CSAT survey |
//! | `record.linked`, `record.unlinked` | a CRM record is linked or unlinked |
//!
//! No message body leaves unless `EVENTS_INCLUDE_BODIES=on` (then `conversation.requested`
//! carries the first message's preview). Delivery is at least once: `detail.event_id` is the
//! same for a redelivered change, so consumers drop duplicates by it.

use serde_json::{Value, json};

use crate::app::views::rfc3339;
use crate::domain::ConversationState;
use crate::ports::{BusEvent, ChangeKind, ConversationRecord, StoredItem, StreamChange};

/// The `detail`'s version: raised when a field changes meaning or goes away.
pub const DETAIL_VERSION: u32 = 1;

fn base(
    change: &StreamChange,
    name: &str,
    c: &ConversationRecord,
) -> serde_json::Map<String, Value> {
    let mut detail = serde_json::Map::new();
    detail.insert("version".into(), json!(DETAIL_VERSION));
    detail.insert("event_id".into(), json!(format!("{}#{name}", change.id)));
    detail.insert("conversation_id".into(), json!(c.id));
    detail.insert("business_number".into(), json!(c.business));
    detail.insert("customer".into(), json!(c.customer));
    detail.insert("assigned_agent".into(), json!(c.assigned_agent));
    detail.insert("tags".into(), json!(c.tags));
    detail
}

fn event(detail_type: &'static str, detail: serde_json::Map<String, Value>) -> BusEvent {
    BusEvent {
        detail_type,
        detail: Value::Object(detail),
    }
}

fn outcome(c: &ConversationRecord) -> Value {
    c.outcome.as_ref().map_or(Value::Null, |o| {
        json!({
            "disposition": o.disposition,
            "label": o.label,
            "summary": o.summary,
            "recorded_by": o.recorded_by,
            "recorded_at": rfc3339(o.recorded_at),
        })
    })
}

/// The events one change of the table means.
pub fn events_of(change: &StreamChange, include_bodies: bool) -> Vec<BusEvent> {
    match (&change.kind, &change.old, &change.new) {
        (ChangeKind::Insert, _, Some(StoredItem::Conversation(c)))
            if c.state == ConversationState::Requested =>
        {
            let mut detail = base(change, "conversation.requested", c);
            detail.insert("requested_at".into(), json!(rfc3339(c.started_at)));
            if include_bodies {
                detail.insert("preview".into(), json!(c.preview));
            }
            vec![event("conversation.requested", detail)]
        }
        (
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(new)),
        ) => conversation_changed(change, old, new),
        (ChangeKind::Insert, _, Some(StoredItem::Record(r)))
        | (ChangeKind::Remove, Some(StoredItem::Record(r)), _) => {
            let linked = change.kind == ChangeKind::Insert;
            let name = if linked {
                "record.linked"
            } else {
                "record.unlinked"
            };
            let mut detail = serde_json::Map::new();
            detail.insert("version".into(), json!(DETAIL_VERSION));
            detail.insert("event_id".into(), json!(format!("{}#{name}", change.id)));
            detail.insert("conversation_id".into(), json!(r.conversation_id));
            detail.insert(
                "record".into(),
                json!({"system": r.system, "id": r.id, "url": r.url}),
            );
            if linked {
                detail.insert("linked_by".into(), json!(r.linked_by));
                detail.insert("linked_at".into(), json!(rfc3339(r.linked_at)));
            }
            vec![event(
                if linked {
                    "record.linked"
                } else {
                    "record.unlinked"
                },
                detail,
            )]
        }
        _ => Vec::new(),
    }
}

fn conversation_changed(
    change: &StreamChange,
    old: &ConversationRecord,
    new: &ConversationRecord,
) -> Vec<BusEvent> {
    use ConversationState::{Active, Closed, Requested};
    let mut out = Vec::new();
    match (old.state, new.state) {
        (Requested, Active) => {
            out.push(event(
                "conversation.accepted",
                base(change, "conversation.accepted", new),
            ));
        }
        (Active, Active) if old.assigned_agent != new.assigned_agent => {
            let mut detail = base(change, "conversation.transferred", new);
            detail.insert("from_agent".into(), json!(old.assigned_agent));
            detail.insert("to_agent".into(), json!(new.assigned_agent));
            out.push(event("conversation.transferred", detail));
        }
        (from, Closed) if from != Closed => {
            let mut detail = base(change, "conversation.closed", new);
            detail.insert("closed_by".into(), json!(new.closed_by));
            detail.insert("closed_at".into(), json!(new.closed_at.map(rfc3339)));
            detail.insert("outcome".into(), Value::Null);
            out.push(event("conversation.closed", detail));
        }
        _ => {}
    }
    if new.outcome.is_some() && old.outcome != new.outcome {
        let mut detail = base(change, "conversation.outcome_recorded", new);
        detail.insert("outcome".into(), outcome(new));
        out.push(event("conversation.outcome_recorded", detail));
    }
    if let (None, Some(csat)) = (&old.csat, &new.csat) {
        let mut detail = base(change, "conversation.csat_received", new);
        detail.insert("score".into(), json!(csat.score));
        detail.insert("at".into(), json!(rfc3339(csat.at)));
        out.push(event("conversation.csat_received", detail));
    }
    out
}
