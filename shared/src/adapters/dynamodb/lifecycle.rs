//! Every kind of item the table holds, with what an erasure of a customer and the retention
//! period (`RETENTION_DAYS`) must do with it (issue 24). A test reads the adapters' sources and
//! fails when an item kind has no rule here, so that a new kind cannot be forgotten by the
//! erasure. `app::privacy::erasure` and `app::privacy::retention` follow them, and the tests
//! that scan the whole table after an erasure check they leave nothing.

/// What erasing one customer does with an item kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// The item holds the customer's data: deleted, found as `how` says.
    Delete { how: &'static str },
    /// The item names the customer or their words only through another item deleted with it,
    /// or not at all: kept.
    Keep { why: &'static str },
}

/// What the retention period does with an item kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Removed `RETENTION_DAYS` after its conversation's close (or last message).
    WithConversation,
    /// Expires by its own TTL, already shorter than any retention period worth setting.
    OwnTtl { ttl: &'static str },
    /// Kept: not a customer's transcript.
    Kept { why: &'static str },
}

/// One item kind (its `type`, or how an untyped item is named) and its rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemRule {
    pub kind: &'static str,
    pub erasure: Erasure,
    pub retention: Retention,
}

const fn rule(kind: &'static str, erasure: Erasure, retention: Retention) -> ItemRule {
    ItemRule {
        kind,
        erasure,
        retention,
    }
}

use Erasure::{Delete, Keep};
use Retention::{Kept, OwnTtl, WithConversation};

/// Items that carry no `type` attribute, named here by what they are.
pub const UNTYPED: &[&str] = &["knowledge_version"];

/// The rules, one per item kind.
pub const ITEM_RULES: &[ItemRule] = &[
    rule(
        "session",
        Delete {
            how: "SESSION#{business}#{customer} for each business number of their conversations",
        },
        OwnTtl {
            ttl: "24 h after the last customer message",
        },
    ),
    rule(
        "conversation",
        Delete {
            how: "gsi2 CUST#{customer}",
        },
        WithConversation,
    ),
    rule(
        "message",
        Delete {
            how: "gsi1 CONV#{conversation id} of each conversation (replies and pending replies too)",
        },
        WithConversation,
    ),
    rule(
        "early_status",
        Delete {
            how: "MSG#{sid} of each outbound message",
        },
        OwnTtl { ttl: "7 days" },
    ),
    rule(
        "idempotency",
        Delete {
            how: "holds a reply's answer: IDEMP#{key} of each reply, by the key its message records (`idempotency_key`)",
        },
        OwnTtl { ttl: "24 h" },
    ),
    rule(
        "term",
        Delete {
            how: "gsi2 CUST#{customer}#TERM#{word} of each folded word of their messages",
        },
        WithConversation,
    ),
    rule(
        "note",
        Delete {
            how: "the CONV#{conversation id} partition",
        },
        WithConversation,
    ),
    rule(
        "event",
        Delete {
            how: "the CONV#{conversation id} partition",
        },
        WithConversation,
    ),
    rule(
        "record_link",
        Delete {
            how: "the CONV#{conversation id} partition (its gsi1 entry goes with it)",
        },
        WithConversation,
    ),
    rule(
        "tag",
        Delete {
            how: "the CONV#{conversation id} partition (its gsi1 entry goes with it)",
        },
        WithConversation,
    ),
    rule(
        "typing",
        Delete {
            how: "the CONV#{conversation id} partition",
        },
        WithConversation,
    ),
    rule(
        "script_step",
        Delete {
            how: "the CONV#{conversation id} partition",
        },
        WithConversation,
    ),
    rule(
        "contact",
        Delete {
            how: "CONTACT#{customer}",
        },
        Kept {
            why: "the directory: an administrator's entry, not a transcript",
        },
    ),
    rule(
        "legal_hold",
        Delete {
            how: "CONTACT#{customer} / HOLD (an erasure of a held customer is refused first)",
        },
        Kept {
            why: "stands until released",
        },
    ),
    rule(
        "deferred_marker",
        Delete {
            how: "DEFER#{business}#{customer} for each business number",
        },
        WithConversation,
    ),
    rule(
        "deadline",
        Delete {
            how: "DUE#{minute} / WARN#{conversation}#… from each conversation's last inbound time",
        },
        OwnTtl {
            ttl: "2 days after due",
        },
    ),
    rule(
        "notification",
        Keep {
            why: "an event id and a conversation id: no personal data",
        },
        OwnTtl { ttl: "2 days" },
    ),
    rule(
        "waiting",
        Delete {
            how: "WAITING / {requested ms}#{conversation id} of a waiting conversation",
        },
        WithConversation,
    ),
    rule(
        "assignment",
        Delete {
            how: "AGENT#{agent} / ASSIGNED#{conversation id} of the assigned agent",
        },
        WithConversation,
    ),
    rule(
        "offer",
        Delete {
            how: "AGENT#{agent} / OFFER#{conversation id} of the offered agent",
        },
        WithConversation,
    ),
    rule(
        "wrap_up",
        Delete {
            how: "AGENT#{agent} / WRAPUP#{conversation id} of the assigned agent",
        },
        OwnTtl {
            ttl: "a day after the hold's end",
        },
    ),
    rule(
        "audit",
        Keep {
            why: "names a customer only by keyed pseudonym, never a body: kept as the record of the erasure itself",
        },
        OwnTtl {
            ttl: "AUDIT_RETENTION_DAYS after it was written",
        },
    ),
    rule(
        "erasure",
        Keep {
            why: "the tombstone: a keyed pseudonym, the time and the administrator, no personal data",
        },
        OwnTtl {
            ttl: "AUDIT_RETENTION_DAYS after the request",
        },
    ),
    rule(
        "audit_sign_in",
        Keep {
            why: "an agent and a token time",
        },
        OwnTtl {
            ttl: "AUDIT_RETENTION_DAYS after it was written",
        },
    ),
    rule(
        "presence",
        Keep { why: "an agent's" },
        Kept { why: "an agent's" },
    ),
    rule(
        "connection",
        Keep {
            why: "an agent's console",
        },
        OwnTtl { ttl: "3 h" },
    ),
    rule(
        "agent_profile",
        Keep { why: "an agent's" },
        Kept { why: "an agent's" },
    ),
    rule(
        "routing_state",
        Keep { why: "an agent's" },
        Kept { why: "an agent's" },
    ),
    rule(
        "day_counts",
        Keep {
            why: "an agent's counts",
        },
        OwnTtl { ttl: "2 days" },
    ),
    rule(
        "deadline_cursor",
        Keep {
            why: "the scheduler's position",
        },
        Kept {
            why: "the scheduler's",
        },
    ),
    rule(
        "quick_reply",
        Keep {
            why: "the team's text",
        },
        Kept { why: "the team's" },
    ),
    rule(
        "disposition",
        Keep {
            why: "the team's codes",
        },
        Kept { why: "the team's" },
    ),
    rule(
        "article",
        Keep {
            why: "the team's knowledge",
        },
        Kept { why: "the team's" },
    ),
    rule(
        "article_entry",
        Keep {
            why: "the team's knowledge",
        },
        Kept { why: "the team's" },
    ),
    rule(
        "knowledge_version",
        Keep { why: "a counter" },
        Kept { why: "a counter" },
    ),
    rule(
        "script",
        Keep {
            why: "the team's scripts",
        },
        Kept { why: "the team's" },
    ),
];

/// The rule of an item kind; `None` for a kind nobody declared.
pub fn rule_of(kind: &str) -> Option<&'static ItemRule> {
    ITEM_RULES.iter().find(|r| r.kind == kind)
}
