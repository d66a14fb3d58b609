//! The desk's bodies (issue 12), kept apart from the core ones in `schemas.rs`.

use serde_json::{Value, json};

use super::schemas::{date_time, nullable_string, schema_ref, view_states};

/// The conversation's wrap-up properties: its close, outcome, tags, records and CSAT.
pub(super) fn conversation_outcome_properties() -> Value {
    json!({
        "closed_at": { "type": ["string", "null"], "format": "date-time" },
        "closed_by": nullable_string(),
        "outcome": { "oneOf": [schema_ref("Outcome"), { "type": "null" }] },
        "tags": { "type": "array", "items": { "type": "string" } },
        "records": { "type": "array", "items": schema_ref("RecordLink"), "description": "Only on GET /conversations/{conversationId}." },
        "csat": { "type": "object", "required": ["score", "at"], "properties": { "score": { "type": "integer", "minimum": 1, "maximum": 5 }, "at": date_time() } }
    })
}

/// The desk's bodies (notes, transfers, quick replies, customers, search, started
/// conversations), apart so that no one `json!` outgrows the macro's recursion limit.
pub(super) fn desk_schemas() -> Value {
    let mut schemas = serde_json::Map::new();
    schemas.insert(
        "Disposition".into(),
        json!({
            "type": "object",
            "required": ["code", "label", "updated_by", "updated_at"],
            "properties": {
                "code": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "examples": ["resolved"] },
                "label": { "type": "string", "examples": ["Resolved"] },
                "updated_by": { "type": "string" },
                "updated_at": date_time()
            }
        }),
    );
    schemas.insert(
        "DispositionList".into(),
        json!({ "type": "object", "required": ["dispositions"], "properties": { "dispositions": { "type": "array", "items": schema_ref("Disposition") } } }),
    );
    schemas.insert(
        "DispositionRequest".into(),
        json!({ "type": "object", "required": ["label"], "properties": { "label": { "type": "string", "minLength": 1, "maxLength": 100 } } }),
    );
    schemas.insert(
        "OutcomeRequest".into(),
        json!({
            "type": "object",
            "required": ["disposition"],
            "properties": {
                "disposition": { "type": "string", "description": "One of GET /dispositions' codes." },
                "summary": { "type": ["string", "null"], "maxLength": 2000 },
                "tags": { "type": "array", "items": { "type": "string", "maxLength": 32 }, "maxItems": 10 }
            }
        }),
    );
    schemas.insert(
        "Outcome".into(),
        json!({
            "type": "object",
            "required": ["disposition", "label", "summary", "recorded_by", "recorded_at"],
            "properties": {
                "disposition": { "type": "string" },
                "label": { "type": "string" },
                "summary": nullable_string(),
                "recorded_by": { "type": "string" },
                "recorded_at": date_time()
            }
        }),
    );
    schemas.insert(
        "TagsRequest".into(),
        json!({ "type": "object", "required": ["tags"], "properties": { "tags": { "type": "array", "items": { "type": "string", "maxLength": 32 }, "maxItems": 10 } } }),
    );
    schemas.insert(
        "RecordRequest".into(),
        json!({
            "type": "object",
            "required": ["system"],
            "properties": {
                "system": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$", "examples": ["crm"] },
                "id": { "type": "string", "examples": ["CASE-42"], "description": "The record's id (to link one)." },
                "url": { "type": ["string", "null"], "description": "https only." },
                "create": { "type": "boolean", "description": "Create the record through RECORDS_WEBHOOK_URL and link it." },
                "title": { "type": "string", "description": "With create: the new record's title." }
            }
        }),
    );
    schemas.insert(
        "RecordLink".into(),
        json!({
            "type": "object",
            "required": ["system", "id", "url", "linked_by", "linked_at"],
            "properties": {
                "system": { "type": "string" },
                "id": { "type": "string" },
                "url": nullable_string(),
                "linked_by": { "type": "string" },
                "linked_at": date_time()
            }
        }),
    );
    schemas.insert(
        "ApprovedTemplate".into(),
        json!({
            "type": "object",
            "description": "An approved WhatsApp template (Twilio Content API).",
            "required": ["content_sid", "friendly_name", "language", "category", "body", "variables", "types"],
            "properties": {
                "content_sid": { "type": "string", "pattern": "^HX[0-9a-fA-F]{32}$" },
                "friendly_name": { "type": "string", "examples": ["order_update"] },
                "language": { "type": "string", "examples": ["en"] },
                "category": { "type": "string", "examples": ["UTILITY", "MARKETING", "AUTHENTICATION"] },
                "body": { "type": "string", "description": "The text with its {{n}} placeholders.", "examples": ["Hi {{1}}, your order {{2}} is on its way."] },
                "variables": { "type": "object", "additionalProperties": { "type": "string" }, "description": "Each variable's sample value, by number." },
                "types": { "type": "array", "items": { "type": "string" }, "examples": [["twilio/text"]] }
            }
        }),
    );
    schemas.insert(
        "TemplateList".into(),
        json!({
            "type": "object",
            "required": ["templates"],
            "properties": { "templates": { "type": "array", "items": schema_ref("ApprovedTemplate") } }
        }),
    );
    schemas.insert(
        "Read".into(),
        json!({
            "type": "object",
            "description": "The customer's message the business marked read (blue ticks), and when.",
            "required": ["message_id", "at"],
            "properties": { "message_id": { "type": "string" }, "at": date_time() }
        }),
    );
    schemas.insert(
        "Note".into(),
        json!({
            "type": "object",
            "required": ["id", "author", "body", "created_at"],
            "properties": {
                "id": { "type": "string" },
                "author": { "type": "string" },
                "body": { "type": "string" },
                "created_at": date_time()
            }
        }),
    );
    schemas.insert(
        "Event".into(),
        json!({
            "type": "object",
            "description": "A system event of the transcript, e.g. a transfer.",
            "required": ["id", "event_type", "by", "from_agent", "to_agent", "created_at"],
            "properties": {
                "id": { "type": "string" },
                "event_type": { "type": "string", "examples": ["transferred"] },
                "by": { "type": "string" },
                "from_agent": nullable_string(),
                "to_agent": nullable_string(),
                "created_at": date_time()
            }
        }),
    );
    schemas.insert(
        "StartedConversation".into(),
        json!({
                "description": "The conversation, assigned to the caller, with the template `message` that opened it.",
                "allOf": [
                    schema_ref("Conversation"),
                    { "type": "object", "required": ["message"], "properties": { "message": schema_ref("Message") } }
                ]
            }),
    );
    schemas.insert(
        "StartRequest".into(),
        json!({
                "type": "object",
                "required": ["customer", "template"],
                "properties": {
                    "customer": { "type": "string", "examples": ["whatsapp:+447700900123"] },
                    "number": { "type": "string", "description": "The business sender; the first of WHATSAPP_SENDERS when absent." },
                    "template": schema_ref("Template")
                }
            }),
    );
    schemas.insert(
        "NoteRequest".into(),
        json!({
            "type": "object",
            "required": ["body"],
            "properties": { "body": { "type": "string", "minLength": 1, "maxLength": 4000 } }
        }),
    );
    schemas.insert(
        "TransferRequest".into(),
        json!({
            "type": "object",
            "required": ["agent_id"],
            "properties": { "agent_id": { "type": "string", "minLength": 1, "maxLength": 128 } }
        }),
    );
    schemas.insert(
        "AvailableAgents".into(),
        json!({
            "type": "object",
            "required": ["agents"],
            "properties": {
                "agents": { "type": "array", "items": {
                    "type": "object",
                    "required": ["agent_id", "status", "available_since", "capacity", "load"],
                    "properties": {
                        "agent_id": { "type": "string" },
                        "status": { "enum": ["available"] },
                        "available_since": date_time(),
                        "capacity": capacity(),
                        "load": { "type": "integer", "minimum": 0 }
                    }
                } }
            }
        }),
    );
    let numbers = json!({
        "type": "array",
        "maxItems": 100,
        "items": { "type": "string", "pattern": "^whatsapp:\\+[1-9][0-9]{6,14}$" },
        "description": "The business numbers the agent serves; empty: every number."
    });
    schemas.insert(
        "AgentProfileRequest".into(),
        json!({
            "type": "object",
            "required": ["capacity"],
            "properties": {
                "capacity": capacity(),
                "numbers": { "oneOf": [numbers, { "type": "null" }] }
            }
        }),
    );
    schemas.insert(
        "AgentProfile".into(),
        json!({
            "type": "object",
            "required": ["agent_id", "capacity", "numbers", "updated_by", "updated_at"],
            "properties": {
                "agent_id": { "type": "string" },
                "capacity": capacity(),
                "numbers": numbers,
                "updated_by": { "type": "string" },
                "updated_at": date_time()
            }
        }),
    );
    schemas.insert(
        "Agent".into(),
        json!({
            "type": "object",
            "required": ["agent_id", "capacity", "numbers", "profile_set", "presence", "active_conversations", "load"],
            "properties": {
                "agent_id": { "type": "string" },
                "capacity": capacity(),
                "numbers": numbers,
                "profile_set": { "type": "boolean", "description": "false: the defaults apply (AGENT_CAPACITY_DEFAULT, every number)." },
                "presence": { "enum": ["available", "busy", "do_not_disturb", "away", "offline"] },
                "active_conversations": { "type": "array", "items": { "type": "string" }, "description": "Ids of the conversations counting toward the load." },
                "offers": { "type": "array", "items": { "type": "string" }, "description": "Ids of the requests offered to the agent now." },
                "load": { "type": "integer", "minimum": 0, "description": "Active conversations plus outstanding offers: what the capacity bounds." },
                "profile_updated_at": date_time(),
                "profile_updated_by": { "type": "string" }
            }
        }),
    );
    schemas.insert(
        "AdReferral".into(),
        json!({
            "type": "object",
            "description": "The click-to-WhatsApp ad a message (and its conversation's first message) came from.",
            "properties": {
                "headline": { "type": "string" },
                "body": { "type": "string" },
                "source_type": { "type": "string", "examples": ["ad", "post"] },
                "source_url": { "type": "string", "format": "uri", "description": "http(s) only; any other link is dropped." },
                "media_url": { "type": "string", "description": "The ad's image or video through this API (`/conversations/{id}/messages/{sid}/media/ad`): Twilio's address wants the account's credentials." }
            }
        }),
    );
    schemas.insert(
        "Board".into(),
        json!({
            "type": "object",
            "required": ["generated_at", "numbers", "agents"],
            "properties": {
                "generated_at": date_time(),
                "numbers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["business_number", "waiting", "longest_wait_seconds", "offered"],
                        "properties": {
                            "business_number": { "type": "string" },
                            "waiting": { "type": "integer", "minimum": 0, "description": "Requests no agent holds an offer for." },
                            "longest_wait_seconds": { "type": "integer", "minimum": 0, "description": "The oldest request not yet accepted, offered or waiting." },
                            "offered": { "type": "integer", "minimum": 0 }
                        }
                    }
                },
                "agents": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["agent_id", "presence", "active", "capacity", "offers", "accepted_today", "rejected_today", "expired_today"],
                        "properties": {
                            "agent_id": { "type": "string" },
                            "presence": { "enum": ["available", "busy", "do_not_disturb", "away", "offline"] },
                            "active": { "type": "integer", "minimum": 0 },
                            "capacity": capacity(),
                            "offers": { "type": "integer", "minimum": 0 },
                            "accepted_today": { "type": "integer", "minimum": 0 },
                            "rejected_today": { "type": "integer", "minimum": 0 },
                            "expired_today": { "type": "integer", "minimum": 0 }
                        }
                    }
                }
            }
        }),
    );
    schemas.insert(
        "QuickReplyRequest".into(),
        json!({
            "type": "object",
            "required": ["title", "body"],
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 100 },
                "body": { "type": "string", "minLength": 1, "maxLength": 1600 }
            }
        }),
    );
    schemas.insert(
        "QuickReply".into(),
        json!({
            "type": "object",
            "required": ["id", "title", "body", "updated_by", "updated_at"],
            "properties": {
                "id": { "type": "string" },
                "title": { "type": "string" },
                "body": { "type": "string" },
                "updated_by": { "type": "string" },
                "updated_at": date_time()
            }
        }),
    );
    schemas.insert(
        "QuickReplies".into(),
        json!({
                "type": "object",
                "required": ["quick_replies"],
                "properties": { "quick_replies": { "type": "array", "items": schema_ref("QuickReply") } }
            }),
    );
    schemas.insert(
        "CustomerSummary".into(),
        json!({
                "type": "object",
                "required": ["address", "authenticated", "display_name", "profile_name", "contact", "first_contact_at", "last_inbound_at", "conversation_count", "recent_conversations"],
                "properties": {
                    "address": { "type": "string" },
                    "authenticated": { "type": "boolean" },
                    "display_name": { "type": "string" },
                    "profile_name": nullable_string(),
                    "contact": { "type": ["object", "null"], "description": "The directory's entry: name, contact_id and its other fields." },
                    "first_contact_at": { "type": ["string", "null"], "format": "date-time" },
                    "last_inbound_at": { "type": ["string", "null"], "format": "date-time" },
                    "conversation_count": { "type": "integer", "minimum": 0 },
                    "recent_conversations": { "type": "array", "items": {
                        "type": "object",
                        "required": ["id", "business_number", "state", "assigned_agent", "started_at", "last_inbound_at", "last_message"],
                        "properties": {
                            "id": { "type": "string" },
                            "business_number": { "type": "string" },
                            "state": { "enum": view_states() },
                            "assigned_agent": nullable_string(),
                            "started_at": date_time(),
                            "last_inbound_at": { "type": ["string", "null"], "format": "date-time", "description": "null until the customer has written (a business-started conversation awaiting the answer)." },
                            "ad": schema_ref("AdReferral"),
                            "csat": { "type": "object", "properties": { "score": { "type": "integer" }, "at": date_time() } },
                            "outcome": { "type": "string", "description": "The wrap-up's disposition label." },
                            "last_message": {
                                "type": ["object", "null"],
                                "required": ["id", "direction", "preview", "created_at"],
                                "properties": {
                                    "id": { "type": "string" },
                                    "direction": { "enum": ["inbound", "outbound"] },
                                    "preview": { "type": "string" },
                                    "created_at": date_time()
                                }
                            }
                        }
                    } }
                }
            }),
    );
    schemas.insert(
        "SearchPage".into(),
        json!({
                "type": "object",
                "required": ["results"],
                "properties": {
                    "results": { "type": "array", "items": {
                        "type": "object",
                        "required": ["conversation_id", "message_id", "snippet", "created_at", "customer", "direction"],
                        "properties": {
                            "conversation_id": { "type": "string" },
                            "message_id": { "type": "string" },
                            "snippet": { "type": "string" },
                            "created_at": date_time(),
                            "customer": { "type": "string" },
                            "direction": { "enum": ["inbound", "outbound", null] }
                        }
                    } },
                    "cursor": { "type": "string", "description": "Pass it back for the next page; absent on the last." }
                }
            }),
    );
    Value::Object(schemas)
}

/// An agent's capacity: conversations held at once.
fn capacity() -> serde_json::Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 20 })
}
