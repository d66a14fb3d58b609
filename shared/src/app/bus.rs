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

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::ports::{CsatRecord, MessageRecord, OutcomeRecord, RecordLink};

    /// 2026-11-23T10:00:00Z.
    fn t0() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_795_428_000, 0).unwrap_or_default()
    }

    const TEXT: &str = "My secret order number is 1042";
    const ID: &str = "01a20a57-f1b0-7342-9a4c-552c53ee9bf3";

    /// A customer's new request, its first message as the preview.
    fn requested() -> ConversationRecord {
        serde_json::from_value(json!({
            "id": ID,
            "business": "whatsapp:+14155238886",
            "customer": "whatsapp:+447700900123",
            "state": "requested",
            "started_at": t0().timestamp_millis(),
            "last_inbound_at": t0().timestamp_millis(),
            "preview": TEXT,
        }))
        .unwrap_or_else(|e| panic!("a conversation: {e}"))
    }

    fn active(agent: &str) -> ConversationRecord {
        ConversationRecord {
            state: ConversationState::Active,
            assigned_agent: Some(agent.into()),
            ..requested()
        }
    }

    fn closed() -> ConversationRecord {
        ConversationRecord {
            state: ConversationState::Closed,
            closed_at: Some(t0()),
            closed_by: Some("alice".into()),
            ..active("alice")
        }
    }

    fn link() -> RecordLink {
        RecordLink {
            conversation_id: ID.into(),
            system: "crm".into(),
            id: "CASE-42".into(),
            url: Some("https://crm.example.com/cases/42".into()),
            linked_by: "alice".into(),
            linked_at: t0(),
        }
    }

    fn change(kind: ChangeKind, old: Option<StoredItem>, new: Option<StoredItem>) -> StreamChange {
        StreamChange {
            id: "record-7".into(),
            kind,
            old,
            new,
            by_ttl: None,
        }
    }

    fn modify(old: ConversationRecord, new: ConversationRecord) -> StreamChange {
        change(
            ChangeKind::Modify,
            Some(StoredItem::Conversation(old)),
            Some(StoredItem::Conversation(new)),
        )
    }

    /// Every kind of event, from the change that means it.
    fn every_kind() -> Vec<(&'static str, StreamChange)> {
        let with_outcome = ConversationRecord {
            outcome: Some(Box::new(OutcomeRecord {
                disposition: "resolved".into(),
                label: "Resolved".into(),
                summary: Some("Sent a new parcel".into()),
                recorded_by: "alice".into(),
                recorded_at: t0(),
            })),
            ..closed()
        };
        let with_csat = ConversationRecord {
            csat: Some(CsatRecord { score: 5, at: t0() }),
            ..closed()
        };
        vec![
            (
                "conversation.requested",
                change(
                    ChangeKind::Insert,
                    None,
                    Some(StoredItem::Conversation(requested())),
                ),
            ),
            (
                "conversation.accepted",
                modify(requested(), active("alice")),
            ),
            (
                "conversation.transferred",
                modify(active("alice"), active("bob")),
            ),
            ("conversation.closed", modify(active("alice"), closed())),
            (
                "conversation.outcome_recorded",
                modify(closed(), with_outcome),
            ),
            ("conversation.csat_received", modify(closed(), with_csat)),
            (
                "record.linked",
                change(ChangeKind::Insert, None, Some(StoredItem::Record(link()))),
            ),
            (
                "record.unlinked",
                change(ChangeKind::Remove, Some(StoredItem::Record(link())), None),
            ),
        ]
    }

    /// The one event a change means.
    fn only(change: &StreamChange, include_bodies: bool) -> BusEvent {
        let mut events = events_of(change, include_bodies);
        assert_eq!(events.len(), 1, "{events:?}");
        events.remove(0)
    }

    #[test]
    fn every_event_is_named_versioned_and_identified_by_its_stream_record() {
        for (name, change) in every_kind() {
            let event = only(&change, false);
            assert_eq!(event.detail_type, name);
            let detail = &event.detail;
            assert_eq!(detail["version"], DETAIL_VERSION, "{name}");
            assert_eq!(detail["version"], 1, "{name}: version 1 as documented");
            assert_eq!(detail["event_id"], format!("record-7#{name}"), "{name}");
            assert_eq!(detail["conversation_id"], ID, "{name}");
            // A redelivered record means the same event, with the same id.
            assert_eq!(only(&change, false), event, "{name}");
        }
    }

    #[test]
    fn no_event_carries_a_message_body_by_default() {
        for (name, change) in every_kind() {
            let detail = only(&change, false).detail;
            assert!(detail.get("preview").is_none(), "{name}: {detail}");
            assert!(!detail.to_string().contains(TEXT), "{name}: {detail}");
        }
    }

    #[test]
    fn with_bodies_on_only_the_request_carries_the_first_messages_text() {
        for (name, change) in every_kind() {
            let detail = only(&change, true).detail;
            if name == "conversation.requested" {
                assert_eq!(detail["preview"], TEXT);
            } else {
                assert!(!detail.to_string().contains(TEXT), "{name}: {detail}");
            }
        }
    }

    #[test]
    fn conversation_events_carry_the_common_fields_and_their_own() {
        let common = [
            "version",
            "event_id",
            "conversation_id",
            "business_number",
            "customer",
            "assigned_agent",
            "tags",
        ];
        let own: &[(&str, &[&str])] = &[
            ("conversation.requested", &["requested_at"]),
            ("conversation.accepted", &[]),
            ("conversation.transferred", &["from_agent", "to_agent"]),
            (
                "conversation.closed",
                &["closed_by", "closed_at", "outcome"],
            ),
            ("conversation.outcome_recorded", &["outcome"]),
            ("conversation.csat_received", &["score", "at"]),
        ];
        for (name, change) in every_kind()
            .into_iter()
            .filter(|(n, _)| n.starts_with("conversation."))
        {
            let detail = only(&change, false).detail;
            let fields: Vec<&str> = detail
                .as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default();
            let mut wanted: Vec<&str> = common.to_vec();
            if let Some((_, extra)) = own.iter().find(|(n, _)| *n == name) {
                wanted.extend_from_slice(extra);
            }
            let (mut fields, mut wanted) = (fields, wanted);
            fields.sort_unstable();
            wanted.sort_unstable();
            assert_eq!(fields, wanted, "{name}");
        }
    }

    #[test]
    fn each_event_says_what_happened() {
        let kinds = every_kind();
        let detail = |wanted: &str| -> Value {
            let (_, change) = kinds
                .iter()
                .find(|(n, _)| *n == wanted)
                .unwrap_or_else(|| panic!("{wanted}"));
            only(change, false).detail
        };
        assert_eq!(
            detail("conversation.requested")["requested_at"],
            "2026-11-23T10:00:00.000Z"
        );
        assert_eq!(detail("conversation.accepted")["assigned_agent"], "alice");
        let transferred = detail("conversation.transferred");
        assert_eq!(transferred["from_agent"], "alice");
        assert_eq!(transferred["to_agent"], "bob");
        assert_eq!(transferred["assigned_agent"], "bob");
        let closed = detail("conversation.closed");
        assert_eq!(closed["closed_by"], "alice");
        assert!(closed["outcome"].is_null(), "{closed}");
        assert_eq!(
            detail("conversation.outcome_recorded")["outcome"],
            json!({
                "disposition": "resolved",
                "label": "Resolved",
                "summary": "Sent a new parcel",
                "recorded_by": "alice",
                "recorded_at": "2026-11-23T10:00:00.000Z",
            })
        );
        let csat = detail("conversation.csat_received");
        assert_eq!(csat["score"], 5);
        assert_eq!(csat["at"], "2026-11-23T10:00:00.000Z");
        let record =
            json!({"system": "crm", "id": "CASE-42", "url": "https://crm.example.com/cases/42"});
        let linked = detail("record.linked");
        assert_eq!(linked["record"], record);
        assert_eq!(linked["linked_by"], "alice");
        assert_eq!(linked["linked_at"], "2026-11-23T10:00:00.000Z");
        let unlinked = detail("record.unlinked");
        assert_eq!(unlinked["record"], record);
        let mut fields: Vec<&String> = unlinked
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["conversation_id", "event_id", "record", "version"],
            "{unlinked}"
        );
    }

    #[test]
    fn a_message_or_an_unchanged_conversation_means_no_event() {
        let message: MessageRecord = serde_json::from_value(json!({
            "id": "SM0000000000000000000000000000a001",
            "conversation_id": ID,
            "direction": "inbound",
            "body": TEXT,
            "status": "received",
            "created_at": t0().timestamp_millis(),
        }))
        .unwrap_or_else(|e| panic!("a message: {e}"));
        let inserted = change(
            ChangeKind::Insert,
            None,
            Some(StoredItem::Message(Box::new(message))),
        );
        assert!(events_of(&inserted, true).is_empty());
        assert!(events_of(&modify(active("alice"), active("alice")), true).is_empty());
        // A request closed by an administrator is closed, not accepted.
        let names: Vec<&str> = events_of(
            &modify(
                requested(),
                ConversationRecord {
                    assigned_agent: None,
                    ..closed()
                },
            ),
            false,
        )
        .iter()
        .map(|e| e.detail_type)
        .collect();
        assert_eq!(names, ["conversation.closed"]);
    }
}
