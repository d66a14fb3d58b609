//! The document's `components`: the JSON bodies the handlers write, and the security schemes.
//! Enumerations come from the Rust types themselves (`ViewState::ALL`, `MessageStatus::ALL`,
//! `Presence::ALL`, `UPLOAD_TYPES`), so a new state or status cannot be missing here.

use serde_json::{Value, json};
use whatsapp_channel::domain::{MessageStatus, Presence, UPLOAD_TYPES, ViewState};

/// `{"$ref": "#/components/schemas/<name>"}`.
pub fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

pub(super) fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

pub(super) fn nullable_string() -> Value {
    json!({ "type": ["string", "null"] })
}

pub(super) fn view_states() -> Vec<Value> {
    ViewState::ALL
        .iter()
        .map(|s| serde_json::to_value(s).unwrap_or_default())
        .collect()
}

/// The core bodies and the security schemes.
pub(super) fn core_components() -> Value {
    let statuses: Vec<&str> = MessageStatus::ALL.iter().map(|s| s.as_str()).collect();
    let presences: Vec<&str> = Presence::ALL.iter().map(|p| p.as_str()).collect();
    json!({
        "securitySchemes": {
            "agentJwt": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "In AWS: the HTTP API's JWT authorizer (Cognito or any OIDC issuer). The agent is the `sub` claim; `cognito:groups` holds `admins` for the directory."
            },
            "localAgent": {
                "type": "apiKey",
                "in": "header",
                "name": "X-Agent-Id",
                "description": "local-api only: the agent id, which local-api turns into the `sub` claim (and `X-Agent-Groups`, comma-separated, into `cognito:groups`). The Lambda handlers never read these headers."
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "description": "Every error body. Some carry further fields (e.g. `window_expired_at`, `assigned_agent`, `twilio_code`).",
                "required": ["error", "message"],
                "properties": {
                    "error": { "type": "string", "description": "A machine code, e.g. `window_expired`." },
                    "message": { "type": "string", "description": "For a person." }
                }
            },
            "Customer": {
                "type": "object",
                "required": ["address", "display_name", "authenticated"],
                "properties": {
                    "address": { "type": "string", "examples": ["whatsapp:+447700900123"] },
                    "display_name": { "type": "string" },
                    "authenticated": { "type": "boolean", "description": "The sender's number matches a known contact." },
                    "contact_id": { "type": "string" },
                    "profile_name": { "type": "string" },
                    "summary": { "type": "object", "description": "A known contact's summary fields." }
                }
            },
            "Window": {
                "type": "object",
                "required": ["open", "expires_at", "seconds_left"],
                "properties": {
                    "open": { "type": "boolean", "description": "Free-form replies are allowed: now < last_inbound_at + 24 h." },
                    "expires_at": { "type": ["string", "null"], "format": "date-time", "description": "null while a business-started conversation awaits the customer's first answer." },
                    "seconds_left": { "type": "integer", "minimum": 0 }
                }
            },
            "Media": {
                "type": "object",
                "required": ["url", "content_type"],
                "properties": {
                    "url": { "type": "string", "description": "For a customer's attachment, our media route; for an agent's, the address it was sent from." },
                    "content_type": nullable_string()
                }
            },
            "Location": {
                "type": "object",
                "required": ["latitude", "longitude"],
                "properties": {
                    "latitude": { "type": "number" },
                    "longitude": { "type": "number" },
                    "address": { "type": "string" },
                    "label": { "type": "string" }
                }
            },
            "Button": {
                "type": "object",
                "required": ["text", "payload"],
                "properties": { "text": { "type": "string" }, "payload": nullable_string() }
            },
            "Template": {
                "type": "object",
                "required": ["content_sid"],
                "properties": {
                    "content_sid": { "type": "string", "examples": ["HXa1b2c3d4e5f60718293a4b5c6d7e8f90"] },
                    "variables": { "type": "object", "additionalProperties": { "type": "string" } },
                    "name": { "type": "string", "description": "On a message: the approved template's name, when it was known at sending." },
                    "text": { "type": "string", "description": "On a message: what the customer read, the template's text with the variables filled in (samples where none was given)." }
                }
            },
            "Message": {
                "type": "object",
                "required": ["id", "direction", "body", "media", "status", "created_at"],
                "properties": {
                    "id": { "type": "string", "description": "Twilio's MessageSid, or `deferred-…` for a deferred reply." },
                    "direction": { "enum": ["inbound", "outbound"] },
                    "body": nullable_string(),
                    "media": { "type": "array", "items": schema_ref("Media") },
                    "location": schema_ref("Location"),
                    "button": schema_ref("Button"),
                    "status": { "enum": statuses },
                    "error_code": { "type": "string" },
                    "error_message": { "type": "string" },
                    "template": schema_ref("Template"),
                    "agent_id": { "type": "string" },
                    "reply_to": {
                        "type": "object",
                        "description": "The message the customer replied to (quoted) on WhatsApp; direction and preview are null when it is not one of ours.",
                        "required": ["id", "direction", "preview"],
                        "properties": {
                            "id": { "type": "string" },
                            "direction": { "enum": ["inbound", "outbound", null] },
                            "preview": nullable_string()
                        }
                    },
                    "forwarded": { "const": true, "description": "Present when WhatsApp says the customer forwarded it." },
                    "frequently_forwarded": { "const": true, "description": "Present when it was forwarded many times." },
                    "ad": schema_ref("AdReferral"),
                    "unsupported": { "type": "string", "description": "A customer's message of a kind not rendered: Twilio's MessageType (interactive, unsupported, …)." },
                    "reaction": { "type": "object", "description": "A customer's reaction (MessageType=reaction): the emoji (empty: removed) and the message it is on.", "required": ["emoji", "to"], "properties": { "emoji": { "type": "string" }, "to": { "type": ["string", "null"] } } },
                    "reactions": { "type": "array", "description": "The customer's latest reaction on this message.", "items": { "type": "object", "required": ["emoji", "at"], "properties": { "emoji": { "type": "string" }, "at": date_time() } } },
                    "created_at": date_time()
                }
            },
            "Conversation": {
                "type": "object",
                "required": ["id", "business_number", "customer", "state", "assigned_agent", "window", "started_at", "last_inbound_at"],
                "properties": {
                    "id": { "type": "string", "format": "uuid" },
                    "business_number": { "type": "string", "examples": ["whatsapp:+14155238886"] },
                    "customer": schema_ref("Customer"),
                    "state": { "enum": view_states() },
                    "assigned_agent": nullable_string(),
                    "offered_to": { "type": ["string", "null"], "description": "Offer mode: the agent a waiting request is offered to now." },
                    "offer_expires_at": { "type": ["string", "null"], "format": "date-time", "description": "When that offer expires (OFFER_TIMEOUT_SECONDS after it was made)." },
                    "ad": schema_ref("AdReferral"),
                    "window": schema_ref("Window"),
                    "started_at": date_time(),
                    "last_inbound_at": { "type": ["string", "null"], "format": "date-time", "description": "null until the customer has written (a business-started conversation awaiting the answer)." },
                    "messages": {
                        "type": "array",
                        "items": schema_ref("Message"),
                        "description": "Only on GET /conversations/{conversationId}, oldest first."
                    },
                    "read": schema_ref("Read"),
                    "notes": {
                        "type": "array",
                        "items": schema_ref("Note"),
                        "description": "Only on GET /conversations/{conversationId}: agents' notes, never sent."
                    },
                    "events": {
                        "type": "array",
                        "items": schema_ref("Event"),
                        "description": "Only on GET /conversations/{conversationId}: transfers and the like."
                    }
                }
            },
            "ConversationList": {
                "type": "object",
                "required": ["conversations"],
                "properties": {
                    "conversations": { "type": "array", "items": schema_ref("Conversation") }
                }
            },
            "Reply": {
                "type": "object",
                "description": "One of: `body` (1–1,600 characters); `media_url` (https; http on a loopback host locally) with an optional `body` caption; `template`. `defer: true` keeps a free-form reply while the window is closed.",
                "minProperties": 1,
                "properties": {
                    "body": { "type": "string", "minLength": 1, "maxLength": 1600 },
                    "media_url": { "type": "string", "format": "uri" },
                    "template": schema_ref("Template"),
                    "defer": { "type": "boolean" }
                }
            },
            "PresenceRequest": {
                "type": "object",
                "required": ["status"],
                "properties": { "status": { "enum": presences.clone() } }
            },
            "Presence": {
                "type": "object",
                "required": ["agent_id", "status", "updated_at"],
                "properties": {
                    "agent_id": { "type": "string" },
                    "status": { "enum": presences },
                    "updated_at": date_time()
                }
            },
            "ContactRequest": {
                "type": "object",
                "description": "Any further fields are the contact's summary, shown to agents (at most 4 KB of JSON).",
                "required": ["name", "contact_id"],
                "properties": {
                    "name": { "type": "string", "minLength": 1, "maxLength": 200 },
                    "contact_id": { "type": "string", "minLength": 1, "maxLength": 128 }
                }
            },
            "Contact": {
                "type": "object",
                "required": ["address", "name", "contact_id", "summary"],
                "properties": {
                    "address": { "type": "string" },
                    "name": { "type": "string" },
                    "contact_id": { "type": "string" },
                    "summary": { "type": "object" }
                }
            },
            "MediaUpload": {
                "type": "object",
                "required": ["media_url"],
                "properties": {
                    "media_url": { "type": "string", "description": "Our public address of the upload, valid 6 hours; send it as a reply's `media_url`." }
                }
            },
            "MediaAddress": {
                "type": "object",
                "required": ["url"],
                "properties": { "url": { "type": "string", "description": "A presigned GET of the copy, valid 5 minutes." } }
            },
            "UploadTypes": { "enum": UPLOAD_TYPES },
            "TwilioInbound": {
                "type": "object",
                "description": "Twilio's inbound WhatsApp message (more parameters are kept as sent).",
                "required": ["MessageSid", "From", "To"],
                "properties": {
                    "MessageSid": { "type": "string", "examples": ["SM0123456789abcdef0123456789abcdef"] },
                    "AccountSid": { "type": "string" },
                    "From": { "type": "string", "examples": ["whatsapp:+447700900123"] },
                    "To": { "type": "string", "examples": ["whatsapp:+14155238886"] },
                    "Body": { "type": "string" },
                    "ProfileName": { "type": "string" },
                    "WaId": { "type": "string" },
                    "NumMedia": { "type": "string" },
                    "MediaUrl0": { "type": "string" },
                    "MediaContentType0": { "type": "string" },
                    "Latitude": { "type": "string" },
                    "Longitude": { "type": "string" },
                    "ButtonText": { "type": "string" },
                    "ButtonPayload": { "type": "string" }
                },
                "additionalProperties": { "type": "string" }
            },
            "TwilioStatus": {
                "type": "object",
                "description": "Twilio's status callback for an outbound message.",
                "required": ["MessageSid", "MessageStatus"],
                "properties": {
                    "MessageSid": { "type": "string" },
                    "MessageStatus": { "type": "string", "examples": ["delivered"] },
                    "ErrorCode": { "type": "string" },
                    "ErrorMessage": { "type": "string" },
                    "From": { "type": "string" },
                    "To": { "type": "string" }
                },
                "additionalProperties": { "type": "string" }
            }
        }
    })
}
