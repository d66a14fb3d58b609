//! [`RoutingStore`] on the table. In the agent's partition: `OFFER#{conversation}` (an
//! outstanding offer), `ROUTING` (the version every offer moves, missed offers in a row, the
//! last offer's time) and `STATS#{day}` (the day's counts, kept two days). In the `WAITING`
//! partition: `{requested ms, 15 digits}#{conversation}`, the requests nobody could be offered,
//! oldest first. Each offer, end of offer, accept and close writes these in the same
//! transaction as the conversation's conditional update.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::conditions::conditional;
use super::items::{
    EXPIRES_AT, Item, Partition, PartitionQuery, TYPE, agent_pk, conversation_key, key, n, s, tag,
    to_item,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::OfferEnd;
use crate::ports::{
    ConversationRecord, ConversationState, ConversationStore, OfferEnded, OfferRecord,
    RoutingStore, StoreError, WaitingRecord, day_of,
};

/// The partition of the waiting requests.
pub const WAITING_PK: &str = "WAITING";

/// How long a day's counts are kept after the day (the board shows today's).
const COUNTS_RETENTION_DAYS: i64 = 2;

pub fn offer_key(agent: &str, conversation: &str) -> Item {
    key(agent_pk(agent), &format!("OFFER#{conversation}"))
}

pub fn routing_key(agent: &str) -> Item {
    key(agent_pk(agent), "ROUTING")
}

fn counts_key(agent: &str, day: &str) -> Item {
    key(agent_pk(agent), &format!("STATS#{day}"))
}

pub fn waiting_key(waiting: &WaitingRecord) -> Item {
    key(
        WAITING_PK.to_owned(),
        &format!(
            "{:015}#{}",
            waiting.requested_at.timestamp_millis().max(0),
            waiting.conversation_id
        ),
    )
}

fn offer_item(offer: &OfferRecord) -> Result<Item, StoreError> {
    let mut item = to_item(offer)?;
    item.insert(TYPE.into(), s(tag::OFFER));
    item.extend(offer_key(&offer.agent_id, &offer.conversation_id));
    Ok(item)
}

impl DynamoChannelStore {
    /// The items that end a request's wait (accepted or closed), beside the conversation's
    /// update: its outstanding offer's entry (`old.offered_to`'s, which that update's condition
    /// holds to) and its waiting entry.
    pub(super) fn stop_waiting(
        &self,
        old: &ConversationRecord,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = Vec::new();
        if let Some(agent) = &old.offered_to {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(offer_key(agent, &old.id)))
                .build()
                .map_err(unavailable)?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(waiting_key(&WaitingRecord::of(old))))
            .build()
            .map_err(unavailable)?;
        items.push(TransactWriteItem::builder().delete(delete).build());
        Ok(items)
    }

    /// Moves one of `agent`'s day's counts (`accepted`, `rejected`, `expired`) by one.
    pub(super) fn count(
        &self,
        agent: &str,
        counter: &'static str,
        at: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let day = day_of(at);
        let keep_until = at.timestamp() + COUNTS_RETENTION_DAYS * 86_400;
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(counts_key(agent, &day)))
            .update_expression("SET #type = :type, #day = :day, #ttl = :ttl ADD #counter :one")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_names("#day", "day")
            .expression_attribute_names("#ttl", EXPIRES_AT)
            .expression_attribute_names("#counter", counter)
            .expression_attribute_values(":type", s(tag::DAY_COUNTS))
            .expression_attribute_values(":day", s(day))
            .expression_attribute_values(":ttl", n(keep_until))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Adds one to `agent`'s missed offers in a row (`increment`), or sets them back to 0.
    pub(super) fn misses(
        &self,
        agent: &str,
        increment: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(routing_key(agent)))
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":routing", s(tag::ROUTING_STATE))
            .expression_attribute_values(":zero", n(0));
        let update = if increment {
            update
                .update_expression(
                    "SET #type = :routing, misses = if_not_exists(misses, :zero) + :one",
                )
                .expression_attribute_values(":one", n(1))
        } else {
            update.update_expression("SET #type = :routing, misses = :zero")
        }
        .build()
        .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// The condition that the conversation is still offered as `old` was read.
pub(super) fn offered_as_read(old: &ConversationRecord) -> &'static str {
    if old.offered_to.is_some() {
        "offered_to = :offered"
    } else {
        "attribute_not_exists(offered_to)"
    }
}

#[async_trait]
impl RoutingStore for DynamoChannelStore {
    async fn make_offer(
        &self,
        conversation: &ConversationRecord,
        offer: &OfferRecord,
        version: u64,
    ) -> Result<bool, StoreError> {
        let previous = offer.seq.saturating_sub(1);
        let take = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression(
                "SET offered_to = :agent, offer_expires_at = :expires, offer_seq = :seq \
                 REMOVE offer_ended",
            )
            .condition_expression(
                "#state = :requested AND attribute_not_exists(offered_to) AND \
                 (offer_seq = :previous OR (attribute_not_exists(offer_seq) AND :previous = :zero))",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":requested", s(ConversationState::Requested.as_str()))
            .expression_attribute_values(":agent", s(offer.agent_id.clone()))
            .expression_attribute_values(":expires", n(offer.expires_at.timestamp_millis()))
            .expression_attribute_values(":seq", n(i64::from(offer.seq)))
            .expression_attribute_values(":previous", n(i64::from(previous)))
            .expression_attribute_values(":zero", n(0))
            .build()
            .map_err(unavailable)?;
        let entry = Put::builder()
            .table_name(&self.table)
            .set_item(Some(offer_item(offer)?))
            .build()
            .map_err(unavailable)?;
        let routing = Update::builder()
            .table_name(&self.table)
            .set_key(Some(routing_key(&offer.agent_id)))
            .update_expression("SET #type = :routing, version = :next, last_offer_at = :at")
            .condition_expression(if version == 0 {
                "attribute_not_exists(version) OR version = :version"
            } else {
                "version = :version"
            })
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":routing", s(tag::ROUTING_STATE))
            .expression_attribute_values(":version", n(i64::try_from(version).unwrap_or(i64::MAX)))
            .expression_attribute_values(":next", n(i64::try_from(version + 1).unwrap_or(i64::MAX)))
            .expression_attribute_values(":at", n(offer.offered_at.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let unwait = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(waiting_key(&WaitingRecord::of(conversation))))
            .build()
            .map_err(unavailable)?;
        self.transact_conditional(
            vec![
                TransactWriteItem::builder().update(take).build(),
                TransactWriteItem::builder().put(entry).build(),
                TransactWriteItem::builder().update(routing).build(),
                TransactWriteItem::builder().delete(unwait).build(),
            ],
            "offer",
        )
        .await
    }

    async fn end_offer(
        &self,
        conversation_id: &str,
        agent: &str,
        seq: u32,
        how: OfferEnd,
        at: DateTime<Utc>,
    ) -> Result<OfferEnded, StoreError> {
        let Ok(id) = crate::domain::ConversationId::parse(conversation_id) else {
            return Ok(OfferEnded::Gone);
        };
        let Some(current) = self.conversation(&id).await? else {
            return Ok(OfferEnded::Gone);
        };
        if current.state != ConversationState::Requested
            || current.offered_to.as_deref() != Some(agent)
            || current.offer_seq != seq
        {
            return Ok(OfferEnded::Gone);
        }
        let declines = how.declines() && !current.declined.iter().any(|a| a == agent);
        let set = if declines {
            "SET offer_ended = :how, declined = list_append(if_not_exists(declined, :none), :me) \
             REMOVE offered_to, offer_expires_at"
        } else {
            "SET offer_ended = :how REMOVE offered_to, offer_expires_at"
        };
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(conversation_id)))
            .update_expression(set)
            .condition_expression(
                "#state = :requested AND offered_to = :agent AND offer_seq = :seq",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":requested", s(ConversationState::Requested.as_str()))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":seq", n(i64::from(seq)))
            .expression_attribute_values(":how", s(how.as_str()));
        let update = if declines {
            update
                .expression_attribute_values(
                    ":none",
                    aws_sdk_dynamodb::types::AttributeValue::L(Vec::new()),
                )
                .expression_attribute_values(
                    ":me",
                    aws_sdk_dynamodb::types::AttributeValue::L(vec![s(agent)]),
                )
        } else {
            update
        }
        .build()
        .map_err(unavailable)?;
        let entry = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(offer_key(agent, conversation_id)))
            .build()
            .map_err(unavailable)?;
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().delete(entry).build(),
        ];
        match how {
            OfferEnd::Expired => {
                items.push(self.misses(agent, true)?);
                items.push(self.count(agent, "expired", at)?);
            }
            OfferEnd::Rejected => {
                items.push(self.misses(agent, false)?);
                items.push(self.count(agent, "rejected", at)?);
            }
            OfferEnd::Withdrawn => {}
        }
        if !self.transact_conditional(items, "end of offer").await? {
            return Ok(OfferEnded::Gone);
        }
        let mut conversation = current;
        conversation.offered_to = None;
        conversation.offer_expires_at = None;
        conversation.offer_ended = Some(how);
        if declines {
            conversation.declined.push(agent.to_owned());
        }
        let misses = match how {
            OfferEnd::Expired => self.agent_routing(agent).await?.misses,
            _ => 0,
        };
        Ok(OfferEnded::Ended {
            conversation: Box::new(conversation),
            misses,
        })
    }

    async fn forgive_misses(&self, agent: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(routing_key(agent)))
            .update_expression("SET #type = :routing, misses = :zero")
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_values(":routing", s(tag::ROUTING_STATE))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn wait(&self, waiting: &WaitingRecord) -> Result<(), StoreError> {
        let mut item = to_item(waiting)?;
        item.insert(TYPE.into(), s(tag::WAITING));
        item.extend(waiting_key(waiting));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn unwait(&self, waiting: &WaitingRecord) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(waiting_key(waiting)))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn waiting(&self, limit: usize) -> Result<Vec<WaitingRecord>, StoreError> {
        self.query(PartitionQuery {
            limit: Some(limit),
            ..PartitionQuery::of(Partition::table(WAITING_PK))
        })
        .await?
        .into_iter()
        .map(super::items::from_item)
        .collect()
    }

    async fn mark_overflow(
        &self,
        conversation_id: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(conversation_id)))
            .update_expression("SET overflowed_at = :at")
            .condition_expression(
                "attribute_exists(pk) AND #state = :requested AND attribute_not_exists(overflowed_at)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":requested", s(ConversationState::Requested.as_str()))
            .expression_attribute_values(":at", n(at.timestamp_millis()))
            .send()
            .await;
        Ok(conditional(result)?.is_ok())
    }
}

impl DynamoChannelStore {
    /// An agent's routing state, read consistently.
    async fn agent_routing(&self, agent: &str) -> Result<crate::ports::RoutingState, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(routing_key(agent)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(match out.item {
            Some(item) => super::items::from_item(item)?,
            None => crate::ports::RoutingState::default(),
        })
    }
}
