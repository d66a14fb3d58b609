//! The audit log's rules: what an entry holds, a customer named by pseudonym, the sign-in as the
//! first request of a token, and the search's limits.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use crate::domain::privacy::PrivacyKey;
use crate::ports::{AuditEntry, AuditPage, AuditQuery, ChannelStore, StoreError};

pub use crate::domain::privacy::DEFAULT_AUDIT_RETENTION_DAYS as DEFAULT_RETENTION_DAYS;
/// The widest range one search reads.
pub const MAX_RANGE: TimeDelta = TimeDelta::days(31);
/// The range a search reads without `from`.
pub const DEFAULT_RANGE: TimeDelta = TimeDelta::days(7);
pub const DEFAULT_LIMIT: usize = 50;
pub const MAX_LIMIT: usize = 200;

/// What an action was done to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A customer (or their contact entry): recorded by pseudonym only.
    Customer(String),
    /// Anything else, by kind and id (`conversation`, a UUID).
    Item(&'static str, String),
}

/// Writes entries: the key of the pseudonyms and how long entries are kept.
#[derive(Debug, Clone)]
pub struct Auditor {
    key: PrivacyKey,
    retention: TimeDelta,
}

impl Auditor {
    pub fn new(key: PrivacyKey, retention_days: i64) -> Self {
        Self {
            key,
            retention: TimeDelta::days(retention_days.max(1)),
        }
    }

    /// When what is written now is dropped: entries, and erasures' tombstones.
    pub fn expires_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.retention
    }

    /// The pseudonym of a customer's address, as entries name them.
    pub fn pseudonym(&self, address: &str) -> String {
        self.key.pseudonym(address)
    }

    /// The entry for `action` on `target` by `actor`.
    pub fn entry(
        &self,
        actor: &str,
        action: &str,
        target: &Target,
        request_id: &str,
        detail: Option<serde_json::Value>,
        now: DateTime<Utc>,
    ) -> AuditEntry {
        let (target_kind, target_id) = match target {
            Target::Customer(address) => ("customer".to_owned(), self.pseudonym(address)),
            Target::Item(kind, id) => ((*kind).to_owned(), id.clone()),
        };
        AuditEntry {
            id: uuid::Uuid::now_v7().to_string(),
            at: now,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target_kind,
            target_id,
            request_id: request_id.to_owned(),
            detail,
            expires_at: now + self.retention,
        }
    }

    /// Appends an entry.
    pub async fn record(
        &self,
        store: &dyn ChannelStore,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        store.append_audit(entry).await
    }

    /// A token's first request is its agent's sign-in: one entry per `auth_time`, however many
    /// requests the token makes (a refreshed token keeps its `auth_time`).
    pub async fn sign_in(
        &self,
        store: &dyn ChannelStore,
        agent: &str,
        auth_time: i64,
        request_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !store
            .first_sign_in(agent, auth_time, now + self.retention)
            .await?
        {
            return Ok(false);
        }
        let detail = DateTime::from_timestamp(auth_time, 0)
            .map(|t| serde_json::json!({ "auth_time": crate::app::views::rfc3339(t) }));
        let entry = self.entry(
            agent,
            "signin",
            &Target::Item("agent", agent.to_owned()),
            request_id,
            detail,
            now,
        );
        store.append_audit(&entry).await?;
        Ok(true)
    }
}

/// Why a search is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAuditSearch {
    #[error("from and to must be RFC 3339 times, from before to, at most 31 days apart")]
    Time,
    #[error("limit must be 1 to 200")]
    Limit,
    #[error("cursor is not one this search returned")]
    Cursor,
    #[error("customer must be a URL-encoded whatsapp:+E164 address")]
    Customer,
}

/// The search `GET /audit` asks for, from its query string.
pub fn parse_search(
    auditor: &Auditor,
    get: impl Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> Result<AuditQuery, InvalidAuditSearch> {
    let get = |name| get(name).filter(|v: &String| !v.trim().is_empty());
    let time = |name| {
        get(name)
            .map(|t| {
                DateTime::parse_from_rfc3339(&t)
                    .map(|t| t.to_utc())
                    .map_err(|_| InvalidAuditSearch::Time)
            })
            .transpose()
    };
    let to = time("to")?.unwrap_or(now);
    let from = time("from")?.unwrap_or(to - DEFAULT_RANGE);
    if from > to || to - from > MAX_RANGE {
        return Err(InvalidAuditSearch::Time);
    }
    let limit = match get("limit").map(|l| l.parse::<usize>()) {
        None => DEFAULT_LIMIT,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => return Err(InvalidAuditSearch::Limit),
    };
    let before = get("cursor");
    if let Some(cursor) = &before {
        let valid = cursor.split_once('#').is_some_and(|(ms, id)| {
            ms.len() == 15 && ms.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty()
        });
        if !valid {
            return Err(InvalidAuditSearch::Cursor);
        }
    }
    let target_id = get("customer")
        .map(|c| {
            crate::domain::WhatsAppAddress::parse(&c)
                .map(|a| auditor.pseudonym(a.as_str()))
                .map_err(|_| InvalidAuditSearch::Customer)
        })
        .transpose()?;
    Ok(AuditQuery {
        from,
        to,
        actor: get("actor"),
        action: get("action"),
        target_id,
        before,
        limit,
    })
}

/// An entry as `GET /audit` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryView {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: TargetView,
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetView {
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditPageView {
    pub entries: Vec<EntryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `GET /audit`: a page of entries, newest first.
pub async fn search(
    store: &dyn ChannelStore,
    query: &AuditQuery,
) -> Result<AuditPageView, StoreError> {
    let AuditPage { entries, cursor } = store.audit(query).await?;
    Ok(AuditPageView {
        entries: entries
            .into_iter()
            .map(|e| EntryView {
                id: e.id,
                at: crate::app::views::rfc3339(e.at),
                actor: e.actor,
                action: e.action,
                target: TargetView {
                    kind: e.target_kind,
                    id: e.target_id,
                },
                request_id: e.request_id,
                detail: e.detail,
            })
            .collect(),
        cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auditor() -> Auditor {
        Auditor::new(
            PrivacyKey::new(vec![3u8; 32]).unwrap(),
            DEFAULT_RETENTION_DAYS,
        )
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default()
    }

    #[test]
    fn a_customer_target_is_recorded_by_pseudonym_never_by_number() {
        let entry = auditor().entry(
            "sam",
            "customer.hold",
            &Target::Customer("whatsapp:+447700900123".into()),
            "req-1",
            None,
            now(),
        );
        assert_eq!(entry.target_kind, "customer");
        assert!(entry.target_id.starts_with("hmac:"));
        let text = serde_json::to_string(&entry).unwrap();
        assert!(!text.contains("447700900123"), "{text}");
        assert_eq!(entry.expires_at, now() + TimeDelta::days(400));
    }

    #[test]
    fn a_search_defaults_to_the_last_seven_days_and_refuses_a_wider_or_inverted_range() {
        let get = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let query = parse_search(&auditor(), get(&[]), now()).unwrap();
        assert_eq!(query.to, now());
        assert_eq!(query.from, now() - TimeDelta::days(7));
        assert_eq!(query.limit, 50);
        let wide = [
            ("from", "2026-01-01T00:00:00Z"),
            ("to", "2026-03-01T00:00:00Z"),
        ];
        let wide: &'static [(&str, &str)] = Box::leak(Box::new(wide));
        assert_eq!(
            parse_search(&auditor(), get(wide), now()).unwrap_err(),
            InvalidAuditSearch::Time
        );
        assert_eq!(
            parse_search(&auditor(), get(&[("limit", "201")]), now()).unwrap_err(),
            InvalidAuditSearch::Limit
        );
        assert_eq!(
            parse_search(&auditor(), get(&[("cursor", "nope")]), now()).unwrap_err(),
            InvalidAuditSearch::Cursor
        );
        let by_customer = parse_search(
            &auditor(),
            get(&[("customer", "whatsapp:+447700900123")]),
            now(),
        )
        .unwrap();
        assert_eq!(
            by_customer.target_id,
            Some(auditor().pseudonym("whatsapp:+447700900123"))
        );
    }
}
