//! The one-off upgrade of a table an earlier release wrote: items whose index keys were written
//! under an older layout get today's, so the indexes reach them again.
//!
//! - conversations under the unsharded `CONVERSATIONS` move to `CONVERSATIONS#{shard}` (the
//!   queue lists only the shards);
//! - conversations written before `gsi2` get `gsi2pk`/`gsi2sk` (a customer's history);
//! - available agents under the unsharded `AGENTS#available` move to `AGENTS#available#{shard}`
//!   (routing and broadcast read only the shards), and agents not available, written out of the
//!   index before routing, get the roster's `AGENTS#roster#{shard}` (the board lists them);
//! - search postings written before the search caps get their customer's `gsi2` keys
//!   (`CUST#{customer}#TERM#{word}`, the posting's `sk`), which a `customer=` search reads.
//!
//! The keys come from the builders in [`super::items`], so a migrated item carries what a put
//! writes today. Each write is conditional on the keys as scanned: a concurrent write by the
//! running release wins, and a second run finds nothing to change.

use aws_sdk_dynamodb::types::AttributeValue;

use super::conditions::conditional;
use super::items::{
    CUSTOMER_INDEX_PK, Item, available_agent_index_keys, conversation_index_keys,
    roster_index_keys, s,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::mask_number;
use crate::ports::StoreError;

/// Index-key writes in flight at once while applying.
const WRITES_IN_FLIGHT: usize = 16;

/// The attributes the scan reads: the keys and what the index keys derive from.
const READ: [&str; 8] = [
    "pk",
    "status",
    "sk",
    "gsi1pk",
    "gsi1sk",
    CUSTOMER_INDEX_PK,
    "gsi2sk",
    "customer",
];

/// What the migration does to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexChange {
    pub pk: String,
    pub sk: String,
    /// Each index-key attribute that differs: its name, its value now (`None`: absent), and
    /// today's value.
    pub keys: Vec<(&'static str, Option<String>, String)>,
}

/// What became of a planned change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A dry run: nothing was written.
    WouldChange,
    Changed,
    /// The item changed between the scan and the write (a put by the running release, a
    /// presence change, a deletion): left as it is now.
    ChangedMeanwhile,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WouldChange => "would change",
            Self::Changed => "changed",
            Self::ChangedMeanwhile => "left (written meanwhile)",
        }
    }
}

/// The counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationReport {
    /// Items the scan read (every item of the table).
    pub scanned: u64,
    /// `Scan` requests made.
    pub pages: u64,
    pub would_change: u64,
    pub changed: u64,
    pub changed_meanwhile: u64,
    /// Conversations whose `gsi2` keys cannot be derived (no `customer` attribute), and why.
    pub unreadable: Vec<String>,
}

impl std::fmt::Display for IndexChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}:", self.pk, self.sk)?;
        for (i, (name, from, to)) in self.keys.iter().enumerate() {
            let sep = if i == 0 { " " } else { "; " };
            let from = from.as_deref().map_or("(none)".to_owned(), shown);
            write!(f, "{sep}{name} {from} -> {}", shown(to))?;
        }
        Ok(())
    }
}

/// A key value for the terminal: a customer's number masked, as in logs.
fn shown(value: &str) -> String {
    match value.strip_prefix("CUST#") {
        Some(customer) => format!("CUST#{}", mask_number(customer)),
        None => value.to_owned(),
    }
}

fn string<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(value)) => Some(value),
        _ => None,
    }
}

/// The index keys `item` lacks or holds under an older layout, `Ok(None)` when it is as today's
/// release writes it (or is not a conversation or an available agent); `Err` for a conversation
/// whose customer is missing.
pub fn planned_change(item: &Item) -> Result<Option<IndexChange>, String> {
    let (Some(pk), Some(sk)) = (string(item, "pk"), string(item, "sk")) else {
        return Ok(None);
    };
    let wanted: Vec<(&'static str, String)> = match (pk.split_once('#'), sk) {
        (Some(("CONV", id)), "CONV") => {
            let Some(customer) = string(item, "customer") else {
                return Err(format!("{pk}: no customer attribute"));
            };
            conversation_index_keys(id, customer).into()
        }
        // An available agent in the available agents' shard; any other in the roster's.
        (Some(("AGENT", agent)), "PRESENCE") => {
            if string(item, "status") == Some("available") {
                available_agent_index_keys(agent).into()
            } else {
                roster_index_keys(agent).into()
            }
        }
        // `TERM#{word}#{shard}`: the word is all but the shard.
        (Some(("TERM", word_shard)), position) => {
            let (Some((word, _shard)), Some(customer)) =
                (word_shard.rsplit_once('#'), string(item, "customer"))
            else {
                return Err(format!("{pk}: not a posting of a customer"));
            };
            vec![
                (
                    CUSTOMER_INDEX_PK,
                    super::search::customer_term_partition(customer, word),
                ),
                ("gsi2sk", position.to_owned()),
            ]
        }
        _ => return Ok(None),
    };
    let keys: Vec<_> = wanted
        .into_iter()
        .filter_map(|(name, to)| {
            let from = string(item, name);
            (from != Some(to.as_str())).then(|| (name, from.map(str::to_owned), to))
        })
        .collect();
    Ok((!keys.is_empty()).then(|| IndexChange {
        pk: pk.to_owned(),
        sk: sk.to_owned(),
        keys,
    }))
}

impl DynamoChannelStore {
    /// Scans the whole table, `page_size` items a request (`None`: DynamoDB's 1 MB pages), and
    /// gives every item whose index keys are out of date to `report` with what became of it:
    /// written only when `apply`.
    pub async fn migrate_index_keys(
        &self,
        apply: bool,
        page_size: Option<i32>,
        mut report: impl FnMut(&IndexChange, Outcome),
    ) -> Result<MigrationReport, StoreError> {
        let mut counts = MigrationReport::default();
        let mut start = None;
        loop {
            let mut scan = self
                .client
                .scan()
                .table_name(&self.table)
                .set_limit(page_size)
                .set_exclusive_start_key(start)
                .projection_expression(
                    (0..READ.len())
                        .map(|i| format!("#r{i}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            for (i, name) in READ.iter().enumerate() {
                scan = scan.expression_attribute_names(format!("#r{i}"), *name);
            }
            let page = scan.send().await.map_err(unavailable)?;
            counts.pages += 1;
            let items = page.items.unwrap_or_default();
            counts.scanned += items.len() as u64;
            let mut changes = Vec::new();
            for item in &items {
                match planned_change(item) {
                    Ok(Some(change)) => changes.push(change),
                    Ok(None) => {}
                    Err(why) => counts.unreadable.push(why),
                }
            }
            for batch in changes.chunks(WRITES_IN_FLIGHT) {
                let outcomes: Vec<Outcome> = if apply {
                    futures_util::future::try_join_all(batch.iter().map(|c| self.rekey(c))).await?
                } else {
                    vec![Outcome::WouldChange; batch.len()]
                };
                for (change, outcome) in batch.iter().zip(outcomes) {
                    match outcome {
                        Outcome::WouldChange => counts.would_change += 1,
                        Outcome::Changed => counts.changed += 1,
                        Outcome::ChangedMeanwhile => counts.changed_meanwhile += 1,
                    }
                    report(change, outcome);
                }
            }
            start = page.last_evaluated_key.filter(|key| !key.is_empty());
            if start.is_none() {
                return Ok(counts);
            }
        }
    }

    /// Writes today's index keys on one item, if its keys are still as scanned.
    async fn rekey(&self, change: &IndexChange) -> Result<Outcome, StoreError> {
        let mut set = Vec::new();
        let mut condition = vec!["attribute_exists(pk)".to_owned()];
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&change.pk))
            .key("sk", s(&change.sk));
        for (i, (name, from, to)) in change.keys.iter().enumerate() {
            set.push(format!("#k{i} = :to{i}"));
            request = request
                .expression_attribute_names(format!("#k{i}"), *name)
                .expression_attribute_values(format!(":to{i}"), s(to));
            match from {
                Some(from) => {
                    condition.push(format!("#k{i} = :from{i}"));
                    request = request.expression_attribute_values(format!(":from{i}"), s(from));
                }
                None => condition.push(format!("attribute_not_exists(#k{i})")),
            }
        }
        let result = request
            .update_expression(format!("SET {}", set.join(", ")))
            .condition_expression(condition.join(" AND "))
            .send()
            .await;
        Ok(match conditional(result)? {
            Ok(_) => Outcome::Changed,
            Err(_) => Outcome::ChangedMeanwhile,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::dynamodb::items::{available_agents_partition, conversations_partition};

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), s(*value)))
            .collect()
    }

    const ID: &str = "0193a1b2-0000-7000-8000-000000000001";
    const CUSTOMER: &str = "whatsapp:+447700900123";

    #[test]
    fn a_conversation_under_the_unsharded_index_moves_to_its_shard_and_gets_its_customer_index() {
        let pk = format!("CONV#{ID}");
        let old = item(&[
            ("pk", &pk),
            ("sk", "CONV"),
            ("gsi1pk", "CONVERSATIONS"),
            ("gsi1sk", ID),
            ("customer", CUSTOMER),
        ]);
        let change = planned_change(&old).unwrap().unwrap();
        assert_eq!(
            change.keys,
            vec![
                (
                    "gsi1pk",
                    Some("CONVERSATIONS".to_owned()),
                    conversations_partition(ID)
                ),
                ("gsi2pk", None, format!("CUST#{CUSTOMER}")),
                ("gsi2sk", None, ID.to_owned()),
            ]
        );
    }

    #[test]
    fn a_search_posting_without_its_customer_index_gets_it_and_one_with_it_needs_nothing() {
        let position = format!("001764000000000#SM{ID}");
        let mut old = item(&[
            ("pk", "TERM#refund#2"),
            ("sk", &position),
            ("customer", CUSTOMER),
        ]);
        let change = planned_change(&old).unwrap().unwrap();
        assert_eq!(
            change.keys,
            vec![
                ("gsi2pk", None, format!("CUST#{CUSTOMER}#TERM#refund")),
                ("gsi2sk", None, position.clone()),
            ]
        );
        old.insert("gsi2pk".into(), s(format!("CUST#{CUSTOMER}#TERM#refund")));
        old.insert("gsi2sk".into(), s(position));
        assert_eq!(planned_change(&old), Ok(None));
        let orphan = item(&[("pk", "TERM#refund#2"), ("sk", "x")]);
        assert!(planned_change(&orphan).is_err());
    }

    #[test]
    fn a_conversation_as_written_today_needs_nothing() {
        let pk = format!("CONV#{ID}");
        let mut current = item(&[("pk", &pk), ("sk", "CONV"), ("customer", CUSTOMER)]);
        for (name, value) in conversation_index_keys(ID, CUSTOMER) {
            current.insert(name.to_owned(), s(value));
        }
        assert_eq!(planned_change(&current), Ok(None));
    }

    #[test]
    fn a_conversation_without_its_customer_is_reported_not_guessed() {
        let pk = format!("CONV#{ID}");
        assert!(planned_change(&item(&[("pk", &pk), ("sk", "CONV")])).is_err());
    }

    #[test]
    fn an_available_agent_under_the_unsharded_index_moves_to_its_shard() {
        let old = item(&[
            ("pk", "AGENT#alice"),
            ("sk", "PRESENCE"),
            ("status", "available"),
            ("gsi1pk", "AGENTS#available"),
            ("gsi1sk", "alice"),
        ]);
        let change = planned_change(&old).unwrap().unwrap();
        assert_eq!(
            change.keys,
            vec![(
                "gsi1pk",
                Some("AGENTS#available".to_owned()),
                available_agents_partition("alice")
            )]
        );
    }

    #[test]
    fn an_agent_not_available_joins_the_roster_once_and_every_other_item_is_left_alone() {
        let offline = item(&[("pk", "AGENT#bob"), ("sk", "PRESENCE"), ("status", "away")]);
        let change = planned_change(&offline).unwrap().unwrap();
        assert_eq!(
            change.keys,
            [
                ("gsi1pk", None, super::super::items::roster_partition("bob")),
                ("gsi1sk", None, "bob".to_owned()),
            ]
        );
        let mut joined = offline.clone();
        for (name, _, to) in change.keys {
            joined.insert(name.into(), s(to));
        }
        assert_eq!(planned_change(&joined), Ok(None));
        let connection = item(&[("pk", "AGENT#bob"), ("sk", "CONN#abc"), ("gsi1pk", "X")]);
        assert_eq!(planned_change(&connection), Ok(None));
        let note = item(&[("pk", &format!("CONV#{ID}")), ("sk", "NOTE#1")]);
        assert_eq!(planned_change(&note), Ok(None));
        let message = item(&[("pk", "MSG#SM1"), ("sk", "MSG"), ("gsi1pk", "CONV#x")]);
        assert_eq!(planned_change(&message), Ok(None));
    }

    #[test]
    fn a_change_prints_each_key_with_the_customers_number_masked() {
        let change = IndexChange {
            pk: format!("CONV#{ID}"),
            sk: "CONV".into(),
            keys: vec![
                (
                    "gsi1pk",
                    Some("CONVERSATIONS".into()),
                    "CONVERSATIONS#3".into(),
                ),
                ("gsi2pk", None, format!("CUST#{CUSTOMER}")),
            ],
        };
        assert_eq!(
            change.to_string(),
            format!(
                "CONV#{ID} CONV: gsi1pk CONVERSATIONS -> CONVERSATIONS#3; gsi2pk (none) -> CUST#+44…123"
            )
        );
    }
}
