//! Each function's DynamoDB grant in template.yaml is scoped with `dynamodb:LeadingKeys` to the
//! partitions its code touches (issue 21, item 9). The partitions come from the code's own key
//! builders, per function and per table or index; the grant must cover each of them and grant
//! no partition none of them has. A key prefix the adapters gain fails the last test until it
//! is listed here, so that the template is looked at too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use whatsapp_channel::adapters::dynamodb::items;
use whatsapp_channel::adapters::dynamodb::partitions;
use whatsapp_channel::domain::WhatsAppAddress;
use whatsapp_channel::ports::SessionKey;

use crate::template::{self, of_type, one_or_many};

/// Where a statement applies: the table or one of its indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum On {
    Table,
    Gsi1,
    Gsi2,
}

fn pk(item: items::Item) -> String {
    item["pk"].as_s().expect("a string pk").clone()
}

fn session() -> SessionKey {
    SessionKey {
        business: WhatsAppAddress::parse("whatsapp:+14155238886").unwrap(),
        customer: WhatsAppAddress::parse("whatsapp:+447700900123").unwrap(),
    }
}

const CONVERSATION: &str = "0190a0b1-0000-7000-8000-000000000001";

/// One partition of each kind, from the code's key builders.
fn session_pk() -> String {
    pk(items::session_key(&session()))
}
fn conversation_pk() -> String {
    items::conversation_pk(CONVERSATION)
}
fn message_pk() -> String {
    pk(items::message_key("SM0123456789abcdef0123456789abcdef"))
}
fn pending_reply_pk() -> String {
    pk(items::message_key(
        "pending-0190a0b1-0000-7000-8000-000000000002",
    ))
}
fn idempotency_pk() -> String {
    pk(items::idempotency_key("7:agent-7#key-1"))
}
fn presence_pk() -> String {
    pk(items::presence_key("agent-7"))
}
fn connection_pk() -> String {
    pk(items::connection_key("agent-7", "Abc123="))
}
fn contact_pk() -> String {
    pk(items::contact_key("whatsapp:+447700900123"))
}
fn notification_pk() -> String {
    pk(items::notification_key("event-1#conversation-1"))
}
fn deadline_pk() -> String {
    partitions::deadline_pk(29_000_000)
}
fn deadline_cursor_pk() -> String {
    partitions::DEADLINE_CURSOR_PK.to_owned()
}
fn deferred_marker_pk() -> String {
    partitions::deferred_marker_partition(&session())
}
fn quick_reply_pk() -> String {
    pk(partitions::quick_reply_key("greeting"))
}
/// The knowledge articles and their search entries; the agent scripts.
fn knowledge_pk() -> String {
    partitions::KNOWLEDGE_PK.to_owned()
}
fn scripts_pk() -> String {
    partitions::SCRIPTS_PK.to_owned()
}
fn disposition_pk() -> String {
    pk(partitions::disposition_key("resolved"))
}
/// gsi1: the conversations linked to a record, and tagged with a tag.
fn record_index_pk() -> String {
    partitions::record_partition("crm", "CASE-42")
}
fn tag_index_pk() -> String {
    partitions::tag_partition("refund")
}
fn term_pk() -> String {
    partitions::term_pk("refund", "SM0123456789abcdef0123456789abcdef")
}
/// gsi1: a shard of the queue, a conversation's messages, a shard of the available agents.
fn queue_shard_pk() -> String {
    items::conversations_partition(CONVERSATION)
}
fn available_agents_pk() -> String {
    items::available_agents_partition("agent-7")
}
/// The waiting requests, oldest first.
fn waiting_pk() -> String {
    partitions::WAITING_PK.to_owned()
}
/// gsi1: a shard of the roster (agents not available now), the administrators' connections.
fn roster_pk() -> String {
    items::roster_partition("agent-7")
}
fn supervisors_pk() -> String {
    partitions::SUPERVISORS_PK.to_owned()
}
/// The audit log's partition of a day, and a sign-in marker's.
fn audit_day_pk() -> String {
    partitions::audit_day_pk(chrono::NaiveDate::from_ymd_opt(2026, 3, 14).unwrap())
}
fn sign_in_pk() -> String {
    partitions::sign_in_pk("agent-7", 1_800_000_000)
}
/// An erasure's record (its tombstone and progress).
fn erasure_record_pk() -> String {
    partitions::erasure_pk("0190a0b1-0000-7000-8000-000000000003")
}
/// gsi2: a customer's conversations.
fn customer_pk() -> String {
    items::customer_partition("whatsapp:+447700900123")
}

/// What each function's code reads and writes (its use cases' store calls, through
/// `shared/src/app`), as (table or index, partition).
fn touched() -> BTreeMap<&'static str, Vec<(On, String)>> {
    use On::*;
    BTreeMap::from([
        (
            // inbound messages and their sessions and conversations; status callbacks
            "WebhookIngestFunction",
            vec![
                (Table, session_pk()),
                (Table, conversation_pk()),
                (Table, message_pk()),
            ],
        ),
        (
            // the queue, transcripts, accept/close/transfer, presence, contacts and legal
            // holds, notes and events (the conversation's partition), quick replies, search,
            // business starts, the audit log and sign-ins
            "AgentApiFunction",
            vec![
                (Table, session_pk()),
                (Table, conversation_pk()),
                (Table, message_pk()),
                (Table, pending_reply_pk()),
                (Table, idempotency_pk()),
                (Table, presence_pk()),
                (Table, contact_pk()),
                (Table, quick_reply_pk()),
                (Table, disposition_pk()),
                (Table, knowledge_pk()),
                (Table, scripts_pk()),
                (Table, term_pk()),
                (Table, waiting_pk()),
                (Table, audit_day_pk()),
                (Table, sign_in_pk()),
                (Table, erasure_record_pk()),
                (Gsi1, queue_shard_pk()),
                (Gsi1, conversation_pk()),
                (Gsi1, available_agents_pk()),
                (Gsi1, roster_pk()),
                (Gsi1, record_index_pk()),
                (Gsi1, tag_index_pk()),
                (Gsi2, customer_pk()),
            ],
        ),
        (
            // replies (the window from the session), idempotency, deferred replies
            "SendReplyFunction",
            vec![
                (Table, session_pk()),
                (Table, conversation_pk()),
                (Table, message_pk()),
                (Table, pending_reply_pk()),
                (Table, idempotency_pk()),
                (Table, deferred_marker_pk()),
                (Gsi1, conversation_pk()),
            ],
        ),
        (
            // notifications (markers, contacts, available agents, live connections), the
            // deadline index, search postings, deferred replies released; suggestions (the
            // knowledge entries and the team's quick replies)
            "NotifyAgentFunction",
            vec![
                (Table, knowledge_pk()),
                (Table, quick_reply_pk()),
                (Table, conversation_pk()),
                (Table, message_pk()),
                (Table, notification_pk()),
                (Table, contact_pk()),
                (Table, deadline_pk()),
                (Table, deferred_marker_pk()),
                (Table, term_pk()),
                (Table, connection_pk()),
                (Table, session_pk()),
                (Table, presence_pk()),
                (Table, waiting_pk()),
                (Gsi1, available_agents_pk()),
                (Gsi1, conversation_pk()),
                (Gsi1, supervisors_pk()),
            ],
        ),
        (
            // due warnings: the minute's partition, the cursor, sessions, contacts, markers,
            // available agents and their live connections
            "WindowDeadlinesFunction",
            vec![
                (Table, deadline_pk()),
                (Table, deadline_cursor_pk()),
                (Table, notification_pk()),
                (Table, session_pk()),
                (Table, contact_pk()),
                (Table, connection_pk()),
                (Table, conversation_pk()),
                (Gsi1, available_agents_pk()),
                (Gsi1, supervisors_pk()),
            ],
        ),
        (
            // an offer's expiry (the conversation; the agent's offer entry, routing state,
            // day's counts and presence) and a request's overflow (the conversation)
            "RoutingTimersFunction",
            vec![(Table, conversation_pk()), (Table, presence_pk())],
        ),
        (
            // an erasure's steps and the retention sweep: everything a customer's
            // conversations hold, by key, and the erasure's record
            "ErasureWorkerFunction",
            vec![
                (Table, erasure_record_pk()),
                (Table, contact_pk()),
                (Table, conversation_pk()),
                (Table, message_pk()),
                (Table, term_pk()),
                (Table, deadline_pk()),
                (Table, session_pk()),
                (Table, deferred_marker_pk()),
                (Table, presence_pk()),
                (Table, waiting_pk()),
                (Gsi1, conversation_pk()),
                (Gsi1, queue_shard_pk()),
                (Gsi2, customer_pk()),
            ],
        ),
        ("LiveConnectionsFunction", vec![(Table, connection_pk())]),
        ("AgentConsoleFunction", vec![]),
        ("LiveAuthorizerFunction", vec![]),
    ])
}

/// A function's DynamoDB statements as (where, LeadingKeys patterns); `None` patterns: the
/// statement has no `ForAllValues:StringLike` LeadingKeys condition. Only what they allow: a
/// `Deny` (the audit log's, append-only) grants nothing.
fn grants(function: &Value) -> Vec<(On, Option<Vec<String>>)> {
    let mut out = Vec::new();
    for policy in one_or_many(&function["Properties"]["Policies"]) {
        for statement in one_or_many(&policy["Statement"]) {
            if statement["Effect"] == "Deny" {
                continue;
            }
            let actions = one_or_many(&statement["Action"]);
            if !actions
                .iter()
                .any(|a| a.as_str().is_some_and(|a| a.starts_with("dynamodb:")))
            {
                continue;
            }
            let patterns =
                statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
                    .as_array()
                    .map(|p| {
                        p.iter()
                            .filter_map(|p| p.as_str().map(str::to_owned))
                            .collect()
                    });
            for resource in one_or_many(&statement["Resource"]) {
                let on = match template::referenced(resource) {
                    Some("Table") => On::Table,
                    _ => match template::sub_text(resource) {
                        Some("${Table.Arn}/index/gsi1") => On::Gsi1,
                        Some("${Table.Arn}/index/gsi2") => On::Gsi2,
                        other => panic!("a DynamoDB grant on {other:?}"),
                    },
                };
                out.push((on, patterns.clone()));
            }
        }
    }
    out
}

#[test]
fn every_function_in_template_yaml_is_listed_with_the_partitions_it_touches() {
    let template = template::load();
    let functions: BTreeSet<&str> = of_type(&template, "AWS::Serverless::Function")
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let listed: BTreeSet<&str> = touched().into_keys().collect();
    assert_eq!(functions, listed);
}

#[test]
fn each_function_may_touch_exactly_the_partitions_its_code_builds() {
    let template = template::load();
    let mut problems = Vec::new();
    for (name, partitions) in touched() {
        let grants = grants(&template::resources(&template)[name]);
        for (on, patterns) in &grants {
            if patterns.is_none() {
                problems.push(format!(
                    "{name}: a DynamoDB grant on {on:?} without LeadingKeys"
                ));
            }
        }
        let granted: Vec<(On, &str)> = grants
            .iter()
            .flat_map(|(on, p)| p.iter().flatten().map(move |p| (*on, p.as_str())))
            .collect();
        for (on, partition) in &partitions {
            if !granted
                .iter()
                .any(|(g, p)| g == on && template::like(p, partition))
            {
                problems.push(format!(
                    "{name}: {on:?} partition {partition} is not granted"
                ));
            }
        }
        for (on, pattern) in &granted {
            if !partitions
                .iter()
                .any(|(o, p)| o == on && template::like(pattern, p))
            {
                problems.push(format!(
                    "{name}: {on:?} {pattern} is granted but never built"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn webhook_ingest_may_not_read_an_agents_items() {
    let template = template::load();
    let grants = grants(&template::resources(&template)["WebhookIngestFunction"]);
    let allowed = |partition: &str| {
        grants
            .iter()
            .flat_map(|(_, p)| p.iter().flatten())
            .any(|p| template::like(p, partition))
    };
    assert!(allowed(&session_pk()));
    for other in [
        presence_pk(),
        contact_pk(),
        idempotency_pk(),
        quick_reply_pk(),
    ] {
        assert!(!allowed(&other), "{other}");
    }
}

#[test]
fn the_audit_log_is_append_only_for_agent_api() {
    let template = template::load();
    let function = &template::resources(&template)["AgentApiFunction"];
    let statements: Vec<&Value> = one_or_many(&function["Properties"]["Policies"])
        .into_iter()
        .flat_map(|policy| one_or_many(&policy["Statement"]))
        .collect();
    let strings = |v: &Value| -> Vec<String> {
        one_or_many(v)
            .into_iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect()
    };
    let audit = [audit_day_pk(), sign_in_pk()];
    let covers = |patterns: &[String]| {
        audit
            .iter()
            .any(|pk| patterns.iter().any(|p| template::like(p, pk)))
    };
    // What may be done there: append (a conditional put) and search.
    let mut allowed = BTreeSet::new();
    for statement in statements.iter().filter(|s| s["Effect"] == "Allow") {
        let patterns =
            strings(&statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]);
        if covers(&patterns) {
            allowed.extend(strings(&statement["Action"]));
        }
    }
    assert_eq!(
        allowed,
        BTreeSet::from(["dynamodb:PutItem".to_owned(), "dynamodb:Query".to_owned()])
    );
    // And whatever is granted later, no entry changed or removed.
    let denied: BTreeSet<String> = statements
        .iter()
        .filter(|s| s["Effect"] == "Deny")
        .filter(|s| {
            covers(&strings(
                &s["Condition"]["ForAnyValue:StringLike"]["dynamodb:LeadingKeys"],
            ))
        })
        .flat_map(|s| strings(&s["Action"]))
        .collect();
    for action in [
        "dynamodb:DeleteItem",
        "dynamodb:UpdateItem",
        "dynamodb:BatchWriteItem",
    ] {
        assert!(
            denied.contains(action),
            "{action} is not denied: {denied:?}"
        );
    }
}

/// Sort-key words of the adapters (never a partition): they need no grant.
const SORT_KEYS: &[&str] = &[
    "CONN",
    "EVENT",
    "NOTE",
    "QR",
    "CONTACT",
    "CONV",
    "DEFER",
    "DUE",
    "IDEMP",
    "MSG",
    "NOTIFY",
    "PRESENCE",
    "SESSION",
    "PROFILE",
    "ASSIGNED",
    "OFFER",
    "ROUTING",
    "STATS",
    "TYPING",
    "DISP",
    "WRAPUP",
    "ARTICLE",
    "ENTRY",
    "VERSION",
    "SCRIPT",
    "SCRIPTSTEP",
    "SIGNIN",
    "HOLD",
];

#[test]
fn every_key_word_in_the_dynamodb_adapters_is_a_listed_partition_or_a_sort_key() {
    let mut known: BTreeSet<String> = touched()
        .into_values()
        .flatten()
        .map(|(_, p)| p.split('#').next().unwrap_or_default().to_owned())
        .collect();
    known.extend(SORT_KEYS.iter().map(|s| s.to_string()));
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src/adapters/dynamodb");
    let mut unknown = BTreeSet::new();
    let mut seen = 0;
    for path in crate::helpers::rust_sources(&dir) {
        let source = std::fs::read_to_string(&path).unwrap();
        // `"WORD#…` and `"WORD"`: the literals keys are made of.
        for literal in source.split('"').skip(1).step_by(2) {
            let word: String = literal
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            let rest = &literal[word.len()..];
            if word.len() < 2 || !(rest.is_empty() || rest.starts_with('#')) {
                continue;
            }
            seen += 1;
            if !known.contains(&word) {
                unknown.insert(format!("{word} ({})", path.display()));
            }
        }
    }
    assert!(
        seen > 20,
        "only {seen} key literals found in {}",
        dir.display()
    );
    assert!(
        unknown.is_empty(),
        "new key words: list their builders in tests/tests/api/least_privilege.rs and grant \
         them in template.yaml to the functions that use them: {unknown:?}"
    );
}

/// agent-api writes media under exactly the prefixes of the code's key builders (inbound
/// copies, uploads, exports too large for a response), and each prefix expires by a lifecycle
/// rule of the bucket: exports within a day.
#[test]
fn agent_api_writes_the_media_bucket_only_under_its_key_prefixes_and_each_expires() {
    use whatsapp_channel::domain::{
        ConversationId, MessageSid, customer_export_key, export_key, inbound_media_key, upload_key,
    };
    let conversation = ConversationId::parse(CONVERSATION).unwrap();
    let now = chrono::Utc::now();
    let keys = [
        inbound_media_key(
            &conversation,
            &MessageSid::parse("SM0123456789abcdef0123456789abcdef").unwrap(),
            0,
        ),
        upload_key(&conversation, now),
        export_key(&conversation, "html", now),
        customer_export_key("hmac:0123456789abcdef", now),
    ];
    let top = |key: &str| format!("{}/", key.split('/').next().unwrap_or_default());
    let prefixes: BTreeSet<String> = keys.iter().map(|k| top(k)).collect();
    assert_eq!(prefixes.len(), 3, "{prefixes:?}");

    let template = template::load();
    let resources = template::resources(&template);
    let function = &resources["AgentApiFunction"];
    let mut granted = BTreeSet::new();
    for policy in one_or_many(&function["Properties"]["Policies"]) {
        for statement in one_or_many(&policy["Statement"]) {
            let puts = one_or_many(&statement["Action"])
                .iter()
                .any(|a| a.as_str() == Some("s3:PutObject"));
            if statement["Effect"] != "Allow" || !puts {
                continue;
            }
            for resource in one_or_many(&statement["Resource"]) {
                let text = template::sub_text(resource).unwrap_or_default();
                let prefix = text
                    .strip_prefix("${MediaBucket.Arn}/")
                    .and_then(|p| p.strip_suffix('*'))
                    .unwrap_or_else(|| panic!("an object grant beyond a prefix: {text}"));
                granted.insert(prefix.to_owned());
            }
        }
    }
    assert_eq!(granted, prefixes);

    let rules =
        one_or_many(&resources["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]);
    for prefix in &prefixes {
        let days = rules
            .iter()
            .find(|r| r["Prefix"].as_str() == Some(prefix.as_str()) && r["Status"] == "Enabled")
            .and_then(|r| r["ExpirationInDays"].as_u64())
            .unwrap_or_else(|| panic!("no lifecycle rule expires {prefix}"));
        if prefix == "exports/" {
            assert_eq!(days, 1, "an export outlives its link by at most a day");
        }
    }
    // The console follows an export's 303 with fetch, and names the file from its header.
    let cors =
        one_or_many(&resources["MediaBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]);
    assert!(
        cors.iter().any(|rule| {
            rule["AllowedMethods"] == serde_json::json!(["GET"])
                && rule["AllowedOrigins"] == serde_json::json!(["*"])
                && rule["ExposedHeaders"] == serde_json::json!(["Content-Disposition"])
        }),
        "{cors:?}"
    );
}
