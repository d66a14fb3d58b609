//! Every route of template.yaml as an [`Operation`]: the one list to extend with a new route.

use serde_json::json;

use super::operation::Operation;
use super::schemas::schema_ref as s;

const STORE: &[&str] = &["store_unavailable"];

fn twilio_signature(operation: Operation) -> Operation {
    operation
        .public()
        .header(
            "X-Twilio-Signature",
            true,
            json!({ "type": "string" }),
            "Base64 HMAC-SHA1, with the account's auth token, of the exact URL configured in Twilio followed by the form's parameters sorted by name (each name then value).",
        )
        .error(400, &["malformed_form"])
        .error(403, &["invalid_signature"])
        .error(413, &["payload_too_large"])
}

/// Every route, in template.yaml's order.
pub fn operations() -> Vec<Operation> {
    let conversation_id = "/conversations/{conversationId}";
    let by_id = json!({ "conversationId": "$response.body#/conversations/0/id" });
    let first_message = json!({
        "conversationId": "$response.body#/id",
        "messageId": "$response.body#/messages/0/id",
    });
    let mut first_attachment = first_message.clone();
    first_attachment["index"] = json!(0);
    vec![
        Operation::new("GET", "/", "The agent console's page", "console")
            .public()
            .bytes(200, "index.html", &["text/html; charset=utf-8"])
            .response_header(200, "ETag", true)
            .empty(304, "Not modified (`If-None-Match`)"),
        Operation::new("GET", "/console/{proxy+}", "The console's CSS, JS modules and config.json", "console")
            .public()
            .bytes(200, "The file", &[
                "text/css; charset=utf-8",
                "text/javascript; charset=utf-8",
                "text/html; charset=utf-8",
                "application/json",
            ])
            .empty(304, "Not modified (`If-None-Match`)")
            .error(404, &["not_found"]),
        twilio_signature(
            Operation::new("POST", "/twilio/inbound", "Twilio's inbound WhatsApp message", "twilio")
                .describe("Stored once per MessageSid, before its session's window moves; opens or refreshes the customer's 24-hour session. A 503 means nothing was half-stored: Twilio's retry (the webhook URL's `#rc=…&rp=all`) completes it once.")
                .request("application/x-www-form-urlencoded", s("TwilioInbound"), true),
        )
        .bytes(200, "Empty TwiML", &["text/xml"])
        .error(422, &["unknown_sender"])
        .error(503, STORE),
        twilio_signature(
            Operation::new("POST", "/twilio/status", "Twilio's status callback", "twilio")
                .describe("Moves an outbound message's status forward only.")
                .request("application/x-www-form-urlencoded", s("TwilioStatus"), true),
        )
        .empty(204, "Applied, or older than the stored status")
        .error(503, STORE),
        Operation::new("GET", "/conversations", "The queue, newest first", "conversations")
            .agent()
            .query("state", json!({ "enum": ["requested", "active", "closed", "expired"] }), "Only conversations in this state.")
            .query("number", json!({ "type": "string" }), "Only this business number's (`whatsapp:+E164`, URL-encoded).")
            .query("tag", json!({ "type": "string" }), "Only the conversations tagged with this (any case).")
            .query("record", json!({ "type": "string" }), "Only the conversations linked to this record, `SYSTEM:ID` (URL-encoded).")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 500 }), "At most this many (default 100).")
            .json(200, "The conversations", s("ConversationList"))
            .link(200, "GetConversation", "get_conversations_conversationid", by_id.clone())
            .link(200, "AcceptConversation", "post_conversations_conversationid_accept", by_id.clone())
            .link(200, "CloseConversation", "post_conversations_conversationid_close", by_id.clone())
            .link(200, "Reply", "post_conversations_conversationid_messages", by_id)
            .error(400, &["invalid_state", "invalid_number", "invalid_limit", "invalid_record"])
            .error(503, STORE),
        Operation::new("GET", conversation_id, "A conversation with its transcript", "conversations")
            .agent()
            .json(200, "The conversation with `messages`, oldest first", s("Conversation"))
            .link(200, "FirstAttachment", "get_conversations_conversationid_messages_messageid_media_index", first_attachment)
            .link(200, "CancelFirstMessage", "delete_conversations_conversationid_messages_messageid", first_message)
            .link(200, "Upload", "post_conversations_conversationid_media", json!({ "conversationId": "$response.body#/id" }))
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/accept", "Accept a conversation request", "conversations")
            .agent()
            .describe("In offer mode (ROUTING_MODE) only the agent the request is offered to may accept it; an administrator may pick any waiting request.")
            .json(200, "Accepted by the caller (also for a repeated accept)", s("Conversation"))
            .error(404, &["not_found"])
            .error(409, &["already_accepted", "conversation_closed", "not_offered"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/reject", "Reject the request offered to the caller", "conversations")
            .agent()
            .describe("Offer mode: the offered agent passes, and the request is offered to the next eligible agent at once; they are not offered it again.")
            .empty(204, "Rejected")
            .error(404, &["not_found"])
            .error(409, &["not_offered"])
            .error(503, STORE),
        Operation::new("GET", "/board", "The supervisors' board: waiting and offered requests per number, each agent's load and today's offers (admins)", "agents")
            .agent()
            .json(200, "The board", s("Board"))
            .error(403, &["forbidden"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/typing", "Show the customer typing and mark their latest message read", "replies")
            .agent()
            .describe("Twilio's typing indicator (a Public Beta) for the customer's latest message: blue ticks and \"typing…\" for up to 25 s. The assigned agent only; at most one call to Twilio per 20 s per conversation (a call within that time answers 204 without calling). After Twilio's 400 or 404 the indicator is off in that instance for 10 minutes and answers 503 typing_unavailable.")
            .empty(204, "Shown, or a call less than 20 s old stands for it")
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["window_expired", "nothing_to_acknowledge"])
            .error(502, &["twilio_refused"])
            .error(503, &["typing_unavailable", "store_unavailable"]),
        Operation::new("GET", "/conversations/{conversationId}/export", "The whole conversation for the record: JSON or a printable page", "outcomes")
            .agent()
            .describe("For its assigned agent or an administrator. `json` (default): the body of GET /conversations/{conversationId} plus `format_version` and `exported_at`, as a download; `html`: one self-contained printable page (no script, nothing loaded from elsewhere, every text escaped). Over 5 MiB as a Lambda response would carry it: stored in the media bucket for a day and answered 303 to a link valid 5 minutes; without a bucket, 422.")
            .query("format", json!({ "enum": ["json", "html"] }), "json (default) or html.")
            .contents(
                200,
                "The conversation (JSON, with `format_version` and `exported_at`), or the printable page",
                &[
                    ("application/json", json!({ "type": "object", "required": ["format_version", "exported_at", "id", "messages"] })),
                    ("text/html; charset=utf-8", json!({ "type": "string" })),
                ],
            )
            .json(303, "Too large for a response: stored, and `Location` is a link to it valid 5 minutes (a presigned GET in AWS; `/media/exports/…` locally)", s("StoredExport"))
            .response_header(303, "Location", true)
            .error(400, &["invalid_format"])
            .error(422, &["export_too_large"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(503, &["media_store_unavailable"]),
        Operation::new("GET", "/dispositions", "The administrators' outcome codes", "outcomes")
            .agent()
            .json(200, "By label", s("DispositionList")),
        Operation::new("PUT", "/dispositions/{code}", "Create or rename a disposition (admins)", "outcomes")
            .agent()
            .request("application/json", s("DispositionRequest"), true)
            .json(201, "Created", s("Disposition"))
            .json(200, "Replaced", s("Disposition"))
            .error(400, &["invalid_id", "invalid_json"])
            .error(403, &["forbidden"])
            .error(422, &["invalid_disposition"]),
        Operation::new("DELETE", "/dispositions/{code}", "Remove a disposition (admins)", "outcomes")
            .agent()
            .empty(204, "Removed (also when already gone)")
            .error(400, &["invalid_id"])
            .error(403, &["forbidden"]),
        Operation::new("PUT", "/conversations/{conversationId}/outcome", "Send a closed conversation's wrap-up", "outcomes")
            .agent()
            .describe("The agent assigned when it closed, within 24 hours of the close, or an administrator at any time. `tags` replace the conversation's tags.")
            .request("application/json", s("OutcomeRequest"), true)
            .json(200, "The conversation with its outcome", s("Conversation"))
            .error(400, &["invalid_json"])
            .error(403, &["not_allowed"])
            .error(404, &["not_found"])
            .error(409, &["not_closed"])
            .error(422, &["unknown_disposition", "invalid_outcome", "invalid_tags"]),
        Operation::new("PUT", "/conversations/{conversationId}/tags", "Replace a conversation's tags", "outcomes")
            .agent()
            .request("application/json", s("TagsRequest"), true)
            .json(200, "The tags as stored", s("TagsRequest"))
            .error(400, &["invalid_json"])
            .error(404, &["not_found"])
            .error(422, &["invalid_tags"]),
        Operation::new("POST", "/conversations/{conversationId}/records", "Link a CRM record, or create one through the records webhook", "outcomes")
            .agent()
            .request("application/json", s("RecordRequest"), true)
            .json(201, "Linked", s("RecordLink"))
            .json(200, "Linked already", s("RecordLink"))
            .error(400, &["invalid_json"])
            .error(404, &["not_found"])
            .error(422, &["invalid_record"])
            .error(502, &["records_webhook_failed"])
            .error(503, &["records_webhook_unavailable"]),
        Operation::new("DELETE", "/conversations/{conversationId}/records/{system}/{recordId}", "Unlink a CRM record", "outcomes")
            .agent()
            .empty(204, "Unlinked (also when it was not linked)")
            .error(403, &["not_assigned"])
            .error(404, &["not_found"]),
        Operation::new("GET", "/templates", "The account's approved WhatsApp templates", "replies")
            .agent()
            .describe("Twilio's Content API (every page of ContentAndApprovals), only templates whose WhatsApp approval status is approved; cached 5 minutes. An agent's template reply or new conversation must use one of them (422 template_not_approved); administrators may send any Content SID.")
            .json(200, "Sorted by name", s("TemplateList"))
            .error(502, &["twilio_unavailable"])
            .error(503, &["templates_unavailable"]),
        Operation::new("POST", "/conversations/{conversationId}/close", "Close a conversation", "conversations")
            .agent()
            .json(200, "Closed", s("Conversation"))
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["not_accepted"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/messages", "Reply to the customer", "replies")
            .agent()
            .describe("Free-form replies only while the 24-hour window is open; templates at any time.")
            .header("Idempotency-Key", false, json!({ "type": "string" }), "1–255 visible ASCII characters, scoped to the agent, kept 24 h: a retry gets the first answer.")
            .request("application/json", s("Reply"), true)
            .json(201, "Sent to Twilio: `id` is Twilio's sid, status `queued`", s("Message"))
            .json(202, "Deferred (`defer: true` while the window is closed)", s("Message"))
            .error(400, &["invalid_json", "invalid_idempotency_key"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["window_expired", "not_accepted", "conversation_closed", "request_in_progress"])
            .error(422, &["invalid_reply", "idempotency_key_reused", "twilio_rejected", "window_open", "template_not_approved"])
            .error(500, STORE)
            .error(502, &["twilio_rejected"])
            .error(503, &["twilio_rate_limited", "store_unavailable"])
            .error(504, &["twilio_unreachable"]),
        Operation::new("DELETE", "/conversations/{conversationId}/messages/{messageId}", "Cancel a deferred reply", "replies")
            .agent()
            .empty(204, "Cancelled: it is never sent")
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["not_deferred", "not_accepted", "conversation_closed"])
            .error(503, STORE),
        Operation::new("GET", "/conversations/{conversationId}/messages/{messageId}/media/{index}", "A customer's attachment", "media")
            .agent()
            .path_schema("index", json!({ "type": "integer", "minimum": 0 }), "The attachment's position in the message.")
            .header("Accept", false, json!({ "type": "string" }), "`application/json` asks for `{\"url\"}` instead of a redirect.")
            .bytes(200, "Locally the bytes, with their content type; with `Accept: application/json` in AWS, `{\"url\"}`", &["*/*"])
            .empty(302, "In AWS: to a presigned GET of the copy, valid 5 minutes")
            .response_header(302, "Location", true)
            .error(404, &["not_found"])
            .error(502, &["media_url_not_twilio", "twilio_media_refused", "twilio_media_unreachable", "media_too_large"])
            .error(503, &["media_unavailable", "media_store_unavailable", "store_unavailable"]),
        Operation::new("POST", "/conversations/{conversationId}/media", "Upload an attachment for a reply", "media")
            .agent()
            .request("*/*", json!({ "type": "string", "contentMediaType": "application/octet-stream" }), true)
            .json(201, "Stored; send `media_url` with a reply", s("MediaUpload"))
            .error(400, &["empty_media"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(413, &["media_too_large"])
            .error(415, &["unsupported_media_type"])
            .error(503, &["media_unavailable", "media_store_unavailable", "store_unavailable"]),
        Operation::new("GET", "/media/{key+}", "An agent's upload at its public address", "media")
            .public()
            .describe("No authorizer: the address is the capability (Twilio fetches it). An `uploads/` key for 6 hours; locally, an `exports/` key an export's 303 gave, for 5 minutes.")
            .bytes(200, "The upload (or a local export), with its content type", &["*/*"])
            .error(404, &["not_found"])
            .error(503, &["media_unavailable", "media_store_unavailable"]),
        Operation::new("HEAD", "/media/{key+}", "An upload's headers", "media")
            .public()
            .empty(200, "The upload's Content-Type and Content-Length")
            .empty(404, "No such upload")
            .empty(503, "Media are not configured or the store did not answer"),
        Operation::new("PUT", "/agents/{agentId}/presence", "Set the caller's presence", "agents")
            .agent()
            .request("application/json", s("PresenceRequest"), true)
            .json(200, "The presence now", s("Presence"))
            .error(400, &["invalid_json", "invalid_status"])
            .error(403, &["not_your_presence"])
            .error(503, STORE),
        Operation::new("PUT", "/contacts/{address}", "Create or replace a contact (admins)", "agents")
            .agent()
            .path_schema("address", json!({ "type": "string", "minLength": 1, "examples": ["whatsapp:+447700900123"] }), "The customer's `whatsapp:+E164`, URL-encoded.")
            .request("application/json", s("ContactRequest"), true)
            .json(200, "Replaced", s("Contact"))
            .json(201, "Created", s("Contact"))
            .error(400, &["invalid_address", "invalid_json"])
            .error(403, &["forbidden"])
            .error(413, &["contact_too_large"])
            .error(422, &["invalid_contact"])
            .error(503, STORE),
        Operation::new("GET", "/agents", "The agents available now, to transfer to, with capacity and load", "agents")
            .agent()
            .json(200, "Sorted by id", s("AvailableAgents"))
            .error(503, STORE),
        Operation::new("GET", "/agents/{agentId}", "An agent's routing profile, presence, active conversations and load", "agents")
            .agent()
            .describe("Any agent may read it. Without a profile, capacity is AGENT_CAPACITY_DEFAULT and the agent serves every number. Load counts conversations assigned to the agent, active, with an open window.")
            .json(200, "The agent", s("Agent"))
            .error(400, &["invalid_agent"])
            .error(503, STORE),
        Operation::new("PUT", "/agents/{agentId}", "Set an agent's capacity and the numbers they serve (admins)", "agents")
            .agent()
            .request("application/json", s("AgentProfileRequest"), true)
            .json(200, "Replaced", s("AgentProfile"))
            .json(201, "Created", s("AgentProfile"))
            .error(400, &["invalid_agent", "invalid_json"])
            .error(403, &["forbidden"])
            .error(422, &["invalid_profile"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/notes", "Add a note (agents only, never sent)", "conversations")
            .agent()
            .header("Idempotency-Key", false, json!({ "type": "string" }), "1–255 visible ASCII characters: a retry gets the first note (200).")
            .request("application/json", s("NoteRequest"), true)
            .json(201, "Added", s("Note"))
            .json(200, "Already added with this Idempotency-Key", s("Note"))
            .error(400, &["invalid_json", "invalid_idempotency_key"])
            .error(404, &["not_found"])
            .error(422, &["invalid_note", "note_too_long"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/transfer", "Hand the conversation to another agent", "conversations")
            .agent()
            .describe("The assigned agent or an administrator.")
            .request("application/json", s("TransferRequest"), true)
            .json(200, "Assigned to `agent_id`", s("Conversation"))
            .error(400, &["invalid_json"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["not_accepted", "conversation_closed"])
            .error(422, &["invalid_agent"])
            .error(503, STORE),
        Operation::new("GET", "/quick-replies", "The canned answers", "agents")
            .agent()
            .json(200, "Every quick reply", s("QuickReplies"))
            .error(503, STORE),
        Operation::new("PUT", "/quick-replies/{id}", "Create or replace a quick reply (admins)", "agents")
            .agent()
            .path_schema("id", json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" }), "1–64 letters, digits, `-` or `_`.")
            .request("application/json", s("QuickReplyRequest"), true)
            .json(200, "Replaced", s("QuickReply"))
            .json(201, "Created", s("QuickReply"))
            .error(400, &["invalid_id", "invalid_json"])
            .error(403, &["forbidden"])
            .error(422, &["invalid_quick_reply"])
            .error(503, STORE),
        Operation::new("DELETE", "/quick-replies/{id}", "Delete a quick reply (admins)", "agents")
            .agent()
            .empty(204, "Gone (also when it already was)")
            .error(400, &["invalid_id"])
            .error(403, &["forbidden"])
            .error(503, STORE),
        Operation::new("GET", "/customers/{address}", "A customer's summary", "conversations")
            .agent()
            .path_schema("address", json!({ "type": "string", "minLength": 1, "examples": ["whatsapp:+447700900123"] }), "The customer's `whatsapp:+E164`, URL-encoded.")
            .json(200, "Contact, counts and recent conversations", s("CustomerSummary"))
            .error(400, &["invalid_address"])
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("GET", "/search", "Search the transcripts, or find a record's conversations", "conversations")
            .agent()
            .describe("With `q`, the messages holding every word (closed conversations included). With `record` alone, the conversations linked to that record (the newest 500 links at most): one result each, its newest message, newest conversation first. With both, the messages of the record's conversations holding the words. Neither is 400 `invalid_query`.")
            .query("q", json!({ "type": "string", "minLength": 1, "maxLength": 200 }), "Words, all of which a message holds: at most 8 distinct words of two or more letters or digits (more is 400 `too_many_words`). Required unless `record` is given.")
            .query("customer", json!({ "type": "string" }), "Only this customer's (`whatsapp:+E164`).")
            .query("agent", json!({ "type": "string" }), "Only conversations this agent handled.")
            .query("from", json!({ "type": "string", "format": "date-time" }), "Not before (RFC 3339); with `record` alone, the conversation's start.")
            .query("to", json!({ "type": "string", "format": "date-time" }), "Not after (RFC 3339); with `record` alone, the conversation's start.")
            .query("cursor", json!({ "type": "string" }), "The `cursor` of the previous page.")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 100 }), "At most this many (default 20).")
            .query("record", json!({ "type": "string", "examples": ["crm:CASE-42"] }), "Only the conversations linked to this record (`SYSTEM:ID`, URL-encoded), at most its newest 500; alone, those conversations themselves.")
            .json(200, "Newest first", s("SearchPage"))
            .error(400, &["invalid_query", "too_many_words", "invalid_customer", "invalid_time", "invalid_cursor", "invalid_limit", "invalid_record"])
            .error(503, STORE),
        Operation::new("POST", "/conversations", "Start a conversation with an approved template", "replies")
            .agent()
            .header("Idempotency-Key", false, json!({ "type": "string" }), "1–255 visible ASCII characters: a retry gets the first answer.")
            .request("application/json", s("StartRequest"), true)
            .json(201, "Started, assigned to the caller", s("StartedConversation"))
            .error(400, &["invalid_json", "invalid_idempotency_key"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["conversation_open", "not_accepted", "conversation_closed", "window_expired", "request_in_progress"])
            .error(422, &["invalid_customer", "invalid_number", "invalid_template", "unknown_sender", "twilio_rejected", "idempotency_key_reused", "template_not_approved"])
            .error(500, STORE)
            .error(502, &["twilio_rejected"])
            .error(503, &["sending_unavailable", "twilio_rate_limited", "store_unavailable"])
            .error(504, &["twilio_unreachable"]),
    ]
    .into_iter()
    .chain(super::assist::operations())
    .chain(super::privacy::operations())
    .collect()
}
