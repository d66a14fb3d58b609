//! Assist's part of the contract: knowledge articles, suggestions, scripts, and the sentiment
//! on messages and conversations (apart, for the `json!` macro's recursion limit).

use serde_json::{Value, json};

use super::operation::Operation;
use super::schemas::{date_time, nullable_string, schema_ref as s};

const STORE: &[&str] = &["store_unavailable"];

/// Assist's routes.
pub fn operations() -> Vec<Operation> {
    vec![
        Operation::new("GET", "/knowledge", "Search the knowledge articles", "assist")
            .agent()
            .describe("With `q`: the articles ranked by relevance (BM25 over title and body, the title weighted; case and accents folded; a query word of 4+ characters also matches words it begins with). Without `q`: every article by title. `tag` keeps the articles with that tag (any case).")
            .query("q", json!({ "type": "string" }), "Words to search for.")
            .query("tag", json!({ "type": "string" }), "Only articles with this tag.")
            .query("limit", json!({ "type": "integer", "minimum": 1, "maximum": 100 }), "At most this many (20 by default).")
            .json(200, "Best first (with q), else by title", s("ArticleList"))
            .error(400, &["invalid_limit"])
            .error(503, STORE),
        Operation::new("GET", "/knowledge/{articleId}", "One knowledge article", "assist")
            .agent()
            .json(200, "The article", s("Article"))
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("PUT", "/knowledge/{articleId}", "Write a knowledge article (admins)", "assist")
            .agent()
            .request("application/json", s("ArticleRequest"), true)
            .json(201, "Created", s("Article"))
            .json(200, "Replaced", s("Article"))
            .error(400, &["invalid_id", "invalid_json"])
            .error(403, &["forbidden"])
            .error(413, &["too_large"])
            .error(422, &["invalid_article"])
            .error(503, STORE),
        Operation::new("DELETE", "/knowledge/{articleId}", "Remove a knowledge article (admins)", "assist")
            .agent()
            .empty(204, "Removed")
            .error(403, &["forbidden"])
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("GET", "/conversations/{conversationId}/suggestions", "Articles and quick replies for the customer's latest messages", "assist")
            .agent()
            .describe("Up to 3 articles and 3 team quick replies, ranked against the customer's latest (up to 3) text messages; empty when nothing is relevant. The same body is pushed live as `conversation.suggestions` to the conversation's agent when the customer writes.")
            .json(200, "Best first", s("Suggestions"))
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/suggestions/{kind}/{itemId}/used", "Record that a suggestion was inserted", "assist")
            .agent()
            .path_schema("kind", json!({ "enum": ["article", "quick_reply"] }), "What was inserted.")
            .describe("Adds a `suggestion_used` event (kind, item_id, by) to the conversation's events, and counts the `SuggestionsUsed` metric.")
            .empty(204, "Recorded")
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("GET", "/scripts", "The agent scripts", "assist")
            .agent()
            .json(200, "By id", s("ScriptList"))
            .error(503, STORE),
        Operation::new("PUT", "/scripts/{scriptId}", "Write an agent script (admins)", "assist")
            .agent()
            .describe("A script without `numbers` applies to every sender; a conversation follows the script naming its number, else the general one (the lowest id among several).")
            .request("application/json", s("ScriptRequest"), true)
            .json(201, "Created", s("Script"))
            .json(200, "Replaced", s("Script"))
            .error(400, &["invalid_id", "invalid_json"])
            .error(403, &["forbidden"])
            .error(422, &["invalid_script"])
            .error(503, STORE),
        Operation::new("DELETE", "/scripts/{scriptId}", "Remove an agent script (admins)", "assist")
            .agent()
            .empty(204, "Removed")
            .error(403, &["forbidden"])
            .error(404, &["not_found"])
            .error(503, STORE),
        Operation::new("POST", "/conversations/{conversationId}/script/steps/{index}", "Tick or untick a step of the conversation's script", "assist")
            .agent()
            .path_schema("index", json!({ "type": "integer", "minimum": 0 }), "The step, from 0.")
            .request("application/json", json!({ "type": "object", "required": ["done"], "properties": { "done": { "type": "boolean" } } }), true)
            .json(200, "The script as it is now", json!({ "type": "object", "required": ["script"], "properties": { "script": s("ConversationScript") } }))
            .error(400, &["invalid_json"])
            .error(403, &["not_assigned"])
            .error(404, &["not_found"])
            .error(409, &["not_active"])
            .error(422, &["invalid_step"])
            .error(503, STORE),
    ]
}

/// A sentiment reading.
fn sentiment() -> Value {
    json!({
        "type": "object",
        "required": ["label", "score"],
        "properties": {
            "label": { "enum": ["positive", "neutral", "negative", "mixed"] },
            "score": { "type": "number", "minimum": -1, "maximum": 1 },
            "language": { "type": "string" },
            "reason": { "type": "string", "examples": ["language_unsupported"] }
        }
    })
}

/// The conversation's sentiment properties.
pub fn conversation_properties() -> Value {
    json!({
        "sentiment": { "allOf": [s("Sentiment")], "description": "The rolling sentiment over the customer's last three messages (weighted 0.5/0.3/0.2), once the first is read." },
        "sentiment_trend": { "enum": ["improving", "steady", "worsening"] },
        "script": { "oneOf": [s("ConversationScript"), { "type": "null" }], "description": "Only on GET /conversations/{conversationId}: the agent script it follows." }
    })
}

/// Assist's bodies.
pub fn schemas() -> Value {
    let article_fields = json!({
        "id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
        "title": { "type": "string" },
        "url": { "type": ["string", "null"], "format": "uri" },
        "tags": { "type": "array", "items": { "type": "string" } },
        "updated_at": date_time(),
        "updated_by": { "type": "string" }
    });
    let mut article = article_fields.clone();
    article["body"] = json!({ "type": "string", "maxLength": 20000 });
    let mut hit = article_fields.clone();
    hit["snippet"] = json!({ "type": "string" });
    hit["score"] = json!({ "type": ["number", "null"] });
    json!({
        "Sentiment": sentiment(),
        "Article": { "type": "object", "required": ["id", "title", "body", "url", "tags", "updated_at", "updated_by"], "properties": article },
        "ArticleHit": { "type": "object", "required": ["id", "title", "url", "tags", "snippet", "score"], "properties": hit },
        "ArticleList": { "type": "object", "required": ["articles"], "properties": { "articles": { "type": "array", "items": s("ArticleHit") } } },
        "ArticleRequest": {
            "type": "object",
            "required": ["title", "body"],
            "additionalProperties": false,
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 200 },
                "body": { "type": "string", "minLength": 1, "maxLength": 20000 },
                "url": { "type": "string", "format": "uri", "pattern": "^https://" },
                "tags": { "type": "array", "maxItems": 10, "items": { "type": "string", "maxLength": 32 } }
            }
        },
        "Suggestions": {
            "type": "object",
            "required": ["conversation_id", "articles", "quick_replies", "based_on"],
            "properties": {
                "conversation_id": { "type": "string" },
                "articles": { "type": "array", "maxItems": 3, "items": s("ArticleHit") },
                "quick_replies": { "type": "array", "maxItems": 3, "items": { "type": "object", "required": ["id", "title", "body", "score"], "properties": { "id": { "type": "string" }, "title": { "type": "string" }, "body": { "type": "string" }, "score": { "type": "number" } } } },
                "based_on": { "type": "array", "items": { "type": "string" }, "description": "The customer messages they answer, newest first." }
            }
        },
        "Script": {
            "type": "object",
            "required": ["id", "title", "steps", "numbers", "updated_at", "updated_by"],
            "properties": {
                "id": { "type": "string" },
                "title": { "type": "string" },
                "steps": { "type": "array", "items": { "type": "string" } },
                "numbers": { "type": "array", "items": { "type": "string" } },
                "updated_at": date_time(),
                "updated_by": { "type": "string" }
            }
        },
        "ScriptList": { "type": "object", "required": ["scripts"], "properties": { "scripts": { "type": "array", "items": s("Script") } } },
        "ScriptRequest": {
            "type": "object",
            "required": ["title", "steps"],
            "additionalProperties": false,
            "properties": {
                "title": { "type": "string", "minLength": 1, "maxLength": 200 },
                "steps": { "type": "array", "minItems": 1, "maxItems": 30, "items": { "type": "string", "minLength": 1, "maxLength": 500 } },
                "numbers": { "type": "array", "items": { "type": "string", "examples": ["whatsapp:+14155238886"] } }
            }
        },
        "ConversationScript": {
            "type": "object",
            "required": ["id", "title", "steps"],
            "properties": {
                "id": { "type": "string" },
                "title": { "type": "string" },
                "steps": { "type": "array", "items": { "type": "object", "required": ["text", "done"], "properties": { "text": { "type": "string" }, "done": { "type": "boolean" }, "done_at": date_time(), "done_by": nullable_string() } } }
            }
        }
    })
}
