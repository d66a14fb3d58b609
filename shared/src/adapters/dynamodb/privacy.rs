//! [`PrivacyStore`] on the table:
//!
//! - the audit log, one partition a UTC day (`AUDIT#{yyyy-mm-dd}`), each entry at its position
//!   (`{at ms, 15 digits}#{id}`, [`AuditEntry::position`]), written only as new (never over an
//!   entry; agent-api's role may not update or delete there) and dropped by TTL at its
//!   `expires_at`. A search reads the days newest first, one `Query` a day, below its cursor;
//! - a sign-in marker per agent and token (`AUDIT#SIGNIN#{agent}#{auth_time}`, `SIGNIN`), whose
//!   conditional put says whether the sign-in is a new one;
//! - a customer's legal hold in their contact's partition (`CONTACT#{address}`, `HOLD`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::items::{
    EXPIRES_AT, Item, Partition, PartitionQuery, SortKeys, TYPE, contact_key, from_item, key, n, s,
    tag, typed,
};
use super::{DynamoChannelStore, unavailable};
use crate::ports::{
    AuditEntry, AuditPage, AuditQuery, LegalHold, PrivacyStore, StoreError, Stored,
};

const SIGN_IN_SK: &str = "SIGNIN";
const HOLD_SK: &str = "HOLD";
/// The most items one search reads: past them it answers with a cursor where it stopped, so
/// that a filter few entries pass still pages rather than reading the whole range at once.
const MAX_READ: usize = 2_000;

/// The audit log's partition of one UTC day.
pub fn audit_day_pk(day: NaiveDate) -> String {
    format!("AUDIT#{}", day.format("%Y-%m-%d"))
}

/// The partition of an agent's sign-in marker, one per token (`auth_time`, epoch seconds).
pub fn sign_in_pk(agent: &str, auth_time: i64) -> String {
    format!("AUDIT#SIGNIN#{agent}#{auth_time}")
}

fn audit_key(entry: &AuditEntry) -> Item {
    key(audit_day_pk(entry.at.date_naive()), &entry.position())
}

/// A customer's legal hold, in their contact's partition.
fn hold_key(address: &str) -> Item {
    let mut at = contact_key(address);
    at.insert("sk".into(), s(HOLD_SK));
    at
}

/// An entry as its item, with its TTL.
fn audit_item(entry: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = typed(entry, tag::AUDIT, audit_key(entry))?;
    item.insert(EXPIRES_AT.into(), n(entry.expires_at.timestamp()));
    Ok(item)
}

/// The position (`{ms, 15 digits}`) of a time: an entry at `ms` sorts at or after it.
fn position_at(ms: i64) -> String {
    format!("{ms:015}")
}

/// The UTC day of the newest position below `below` (exclusive); `None` when it is not a
/// position.
fn day_below(below: &str) -> Option<NaiveDate> {
    let digits = below.get(..15)?;
    let ms: i64 = digits.parse().ok()?;
    // A bare time excludes the entries of its own millisecond; `{ms}#{id}` may have some below.
    let ms = if below.len() == 15 { ms - 1 } else { ms };
    DateTime::from_timestamp_millis(ms).map(|t| t.date_naive())
}

#[async_trait]
impl PrivacyStore for DynamoChannelStore {
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        // An entry already there (a retried append) stays as it is.
        self.insert(audit_item(entry)?).await.map(|_| ())
    }

    async fn first_sign_in(
        &self,
        agent: &str,
        auth_time: i64,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut item = key(sign_in_pk(agent, auth_time), SIGN_IN_SK);
        item.insert(TYPE.into(), s(tag::AUDIT_SIGN_IN));
        item.insert("agent".into(), s(agent));
        item.insert("auth_time".into(), n(auth_time));
        item.insert(EXPIRES_AT.into(), n(expires_at.timestamp()));
        Ok(self.insert(item).await? == Stored::Inserted)
    }

    async fn audit(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        if query.from > query.to {
            return Ok(AuditPage::default());
        }
        // Sort keys below `to`'s next millisecond, and below the cursor when it is older; at or
        // above `from`'s millisecond (older ones end the walk: every day after is older still).
        let mut below = position_at(query.to.timestamp_millis() + 1);
        if let Some(before) = query.before.as_ref().filter(|b| **b < below) {
            below = before.clone();
        }
        let from = position_at(query.from.timestamp_millis());
        let oldest = query.from.date_naive();
        let mut day = day_below(&below).unwrap_or_else(|| query.to.date_naive());
        let filtered = query.actor.is_some() || query.action.is_some() || query.target_id.is_some();

        let mut kept: Vec<AuditEntry> = Vec::new();
        let mut read = 0;
        let mut last_read: Option<String> = None;
        'days: while day >= oldest {
            let mut start = None;
            loop {
                if read >= MAX_READ {
                    // More may remain: the next page starts where this one stopped reading.
                    return Ok(AuditPage {
                        entries: kept,
                        cursor: last_read,
                    });
                }
                // Unfiltered, every item read is kept (but the odd one out of range): read no
                // more than the page needs. Filtered, read up to the bound.
                let wanted = if filtered {
                    MAX_READ - read
                } else {
                    (query.limit + 1 - kept.len()).min(MAX_READ - read)
                };
                let request = PartitionQuery {
                    sort_keys: SortKeys::Below(below.clone()),
                    newest_first: true,
                    limit: Some(wanted),
                    ..PartitionQuery::of(Partition::table(audit_day_pk(day)))
                }
                .request(self.client.query().table_name(&self.table));
                let page = request
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .map_err(unavailable)?;
                for item in page.items.unwrap_or_default() {
                    read += 1;
                    let sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned();
                    if sk.as_ref().is_some_and(|sk| *sk < from) {
                        break 'days;
                    }
                    last_read = sk.or(last_read);
                    if item
                        .get(TYPE)
                        .and_then(|v| v.as_s().ok())
                        .map(String::as_str)
                        != Some(tag::AUDIT)
                    {
                        continue;
                    }
                    let entry: AuditEntry = from_item(item)?;
                    if entry.at < query.from || entry.at > query.to || !query.keeps(&entry) {
                        continue;
                    }
                    kept.push(entry);
                    if kept.len() > query.limit {
                        break 'days;
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
            let Some(older) = day.pred_opt() else { break };
            day = older;
        }
        let more = kept.len() > query.limit;
        kept.truncate(query.limit);
        let cursor = more
            .then(|| kept.last().map(AuditEntry::position))
            .flatten();
        Ok(AuditPage {
            entries: kept,
            cursor,
        })
    }

    async fn legal_hold(&self, address: &str) -> Result<Option<LegalHold>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(hold_key(address)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn set_legal_hold(
        &self,
        address: &str,
        hold: Option<&LegalHold>,
    ) -> Result<(), StoreError> {
        match hold {
            Some(hold) => self
                .replace(typed(hold, tag::LEGAL_HOLD, hold_key(address))?)
                .await
                .map(|_| ()),
            None => self.remove(hold_key(address)).await.map(|_| ()),
        }
    }
}
