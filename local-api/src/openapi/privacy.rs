//! Privacy's part of the contract: the audit log, a customer's legal hold, their data export and
//! their erasure.

use serde_json::{Value, json};

use super::operation::Operation;
use super::schemas::{date_time, schema_ref as s};

const STORE: &[&str] = &["store_unavailable"];

fn customer_address() -> Value {
    json!({ "type": "string", "minLength": 1, "examples": ["whatsapp:+447700900123"] })
}

/// Privacy's routes.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new("GET", "/audit", "The audit log (admins)", "privacy")
            .agent()
            .describe("Who did what, newest first: sign-ins (a token's first request, by `auth_time`), accept/reject/close/transfer, exports, holds, and writes of contacts, quick replies, knowledge, dispositions, scripts and profiles. A customer is named by a keyed pseudonym (`hmac:…`), never by number or name; no entry holds a message body. Append-only: no route edits or deletes it.")
            .query("actor", json!({ "type": "string" }), "Only this agent's actions.")
            .query("action", json!({ "type": "string", "examples": ["conversation.close"] }), "Only this action.")
            .query("customer", json!({ "type": "string" }), "Only entries about this customer (`whatsapp:+E164`, URL-encoded): the server computes their pseudonym.")
            .query("from", json!({ "type": "string", "format": "date-time" }), "Not before (RFC 3339); 7 days before `to` by default.")
            .query("to", json!({ "type": "string", "format": "date-time" }), "Not after (RFC 3339); now by default. At most 31 days after `from`.")
            .query("cursor", json!({ "type": "string" }), "The `cursor` of the previous page.")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 200 }), "At most this many (50 by default).")
            .json(200, "Newest first", s("AuditPage"))
            .error(400, &["invalid_time", "invalid_limit", "invalid_cursor", "invalid_customer"])
            .error(403, &["forbidden"])
            .error(503, STORE),
        Operation::new("PUT", "/customers/{address}/hold", "Place or release a customer's legal hold (admins)", "privacy")
            .agent()
            .path_schema("address", customer_address(), "The customer's `whatsapp:+E164`, URL-encoded.")
            .request("application/json", s("HoldRequest"), true)
            .json(200, "The hold as it stands", s("LegalHold"))
            .error(400, &["invalid_address", "invalid_json"])
            .error(403, &["forbidden"])
            .error(422, &["invalid_hold"])
            .error(503, STORE),
        Operation::new("GET", "/customers/{address}/export", "Everything stored about a customer (admins)", "privacy")
            .agent()
            .path_schema("address", customer_address(), "The customer's `whatsapp:+E164`, URL-encoded.")
            .describe("A JSON download: the contact, the legal hold, and each conversation as `GET /conversations/{conversationId}/export` gives it (messages with statuses, notes, events, outcome, records, tags, CSAT, attachment links), newest first.")
            .json(200, "The customer's data", s("CustomerExport"))
            .json(303, "Too large for a response: stored under the customer's pseudonym, and `Location` is a link to it valid 5 minutes", s("StoredExport"))
            .response_header(303, "Location", true)
            .error(400, &["invalid_address"])
            .error(403, &["forbidden"])
            .error(404, &["not_found"])
            .error(422, &["export_too_large"])
            .error(503, &["store_unavailable", "media_store_unavailable"]),
        Operation::new("DELETE", "/customers/{address}", "Erase a customer (admins)", "privacy")
            .agent()
            .path_schema("address", customer_address(), "The customer's `whatsapp:+E164`, URL-encoded.")
            .describe("Accepted at once, then run in steps: every conversation of the customer (messages, notes, events, records, tags, search postings, window warnings, routing items, media), their sessions, deferred replies' markers and contact entry; then, a minute later, a final sweep for what arrived meanwhile. What remains is a tombstone naming the customer by a keyed pseudonym, and the audit log's `customer.erase`. Erasing a customer nothing is stored about runs too and finds nothing. Follow it with `GET /erasures/{erasureId}`.")
            .json(202, "Accepted: the erasure's id and state", s("Erasure"))
            .error(400, &["invalid_address"])
            .error(403, &["forbidden"])
            .error(409, &["legal_hold"])
            .error(503, &["store_unavailable", "erasure_unavailable"]),
        Operation::new("GET", "/erasures/{erasureId}", "An erasure's progress (admins)", "privacy")
            .agent()
            .path_schema("erasureId", json!({ "type": "string", "format": "uuid" }), "The id `DELETE /customers/{address}` answered.")
            .json(200, "Its state and what it removed so far", s("Erasure"))
            .error(403, &["forbidden"])
            .error(404, &["not_found"])
            .error(503, STORE),
    ]
}

/// Privacy's bodies.
pub fn schemas() -> Value {
    json!({
        "AuditEntry": {
            "type": "object",
            "required": ["id", "at", "actor", "action", "target", "request_id"],
            "properties": {
                "id": { "type": "string" },
                "at": date_time(),
                "actor": { "type": "string" },
                "action": { "type": "string" },
                "target": {
                    "type": "object",
                    "required": ["kind", "id"],
                    "properties": {
                        "kind": { "type": "string" },
                        "id": { "type": "string", "description": "A customer's is `hmac:` and 32 hex digits." }
                    }
                },
                "request_id": { "type": "string" },
                "detail": { "type": "object" }
            }
        },
        "AuditPage": {
            "type": "object",
            "required": ["entries"],
            "properties": {
                "entries": { "type": "array", "items": s("AuditEntry") },
                "cursor": { "type": "string" }
            }
        },
        "HoldRequest": {
            "type": "object",
            "required": ["hold"],
            "properties": { "hold": { "type": "boolean" } }
        },
        "LegalHold": {
            "type": "object",
            "required": ["address", "hold", "set_by", "set_at"],
            "properties": {
                "address": { "type": "string" },
                "hold": { "type": "boolean" },
                "set_by": { "type": "string" },
                "set_at": date_time()
            }
        },
        "Erasure": {
            "type": "object",
            "required": ["erasure_id", "customer", "state", "requested_by", "requested_at", "updated_at", "steps", "passes", "counts"],
            "properties": {
                "erasure_id": { "type": "string" },
                "customer": { "type": "string", "description": "The keyed pseudonym (`hmac:` and 32 hex digits): never the number." },
                "state": { "enum": ["running", "done", "held"], "description": "`held`: a legal hold was placed while it ran, and it stopped." },
                "requested_by": { "type": "string" },
                "requested_at": date_time(),
                "updated_at": date_time(),
                "finished_at": date_time(),
                "steps": { "type": "integer", "minimum": 0 },
                "passes": { "type": "integer", "minimum": 0, "description": "Passes over the customer's conversations; the last is the final sweep." },
                "counts": {
                    "type": "object",
                    "description": "What was removed so far; `twilio_*` with ERASE_AT_TWILIO=on.",
                    "properties": {
                        "conversations": { "type": "integer", "minimum": 0 },
                        "messages": { "type": "integer", "minimum": 0 },
                        "postings": { "type": "integer", "minimum": 0 },
                        "conversation_items": { "type": "integer", "minimum": 0 },
                        "deadlines": { "type": "integer", "minimum": 0 },
                        "sessions": { "type": "integer", "minimum": 0 },
                        "idempotency": { "type": "integer", "minimum": 0 },
                        "contact": { "type": "integer", "minimum": 0 },
                        "media": { "type": "integer", "minimum": 0 },
                        "twilio_deleted": { "type": "integer", "minimum": 0 },
                        "twilio_failed": { "type": "integer", "minimum": 0 }
                    }
                }
            }
        },
        "CustomerExport": {
            "type": "object",
            "required": ["format_version", "exported_at", "customer", "contact", "legal_hold", "conversations"],
            "properties": {
                "format_version": { "const": 1 },
                "exported_at": date_time(),
                "customer": { "type": "string" },
                "contact": { "type": ["object", "null"] },
                "legal_hold": { "anyOf": [s("LegalHold"), { "type": "null" }] },
                "conversations": { "type": "array", "items": { "type": "object" } }
            }
        },
        "StoredExport": {
            "description": "An export too large for a response, stored for download: where, until when, how large.",
            "type": "object",
            "required": ["url", "expires_at", "bytes"],
            "additionalProperties": false,
            "properties": {
                "url": { "type": "string", "format": "uri", "description": "The same address as `Location`." },
                "expires_at": date_time(),
                "bytes": { "type": "integer", "minimum": 0, "description": "The stored file's size." }
            }
        }
    })
}
