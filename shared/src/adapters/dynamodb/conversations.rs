//! [`ConversationStore`] on the table: the queue, and each conversation's lifecycle.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use super::conditions::conditional;
use super::items::{
    Partition, PartitionQuery, SortKeys, conversation_key, conversations_partitions, from_item, n,
    s, session_mirror,
};
use super::routing::offered_as_read;
use super::{DynamoChannelStore, unavailable};
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{AcceptResult, CloseResult, ConversationRecord, ConversationStore, StoreError};

/// A conversation's moves that agents make, each a conditional update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transition {
    /// `requested` to `active`, assigned to the caller.
    Accept,
    /// `active` to `closed`, by its assigned agent.
    Close,
}

impl Transition {
    fn to(self) -> ConversationState {
        match self {
            Self::Accept => ConversationState::Active,
            Self::Close => ConversationState::Closed,
        }
    }

    /// The state it starts from, and its placeholder in [`Self::condition`].
    fn from(self) -> (&'static str, ConversationState) {
        match self {
            Self::Accept => (":requested", ConversationState::Requested),
            Self::Close => (":active", ConversationState::Active),
        }
    }

    /// Each move's own condition (a transfer and an administrator's close have theirs); an
    /// accept also holds to the offer as read ([`offered_as_read`]).
    fn condition(self, conversation: &ConversationRecord) -> String {
        match self {
            Self::Accept => format!("#state = :requested AND {}", offered_as_read(conversation)),
            Self::Close => "#state = :active AND assigned_agent = :agent".into(),
        }
    }

    fn update(self) -> &'static str {
        match self {
            Self::Accept => {
                "SET #state = :to, assigned_agent = :agent, updated_at = :at \
                 REMOVE offered_to, offer_expires_at"
            }
            Self::Close => {
                "SET #state = :to, assigned_agent = :agent, updated_at = :at, \
                 closed_at = :at, closed_by = :agent"
            }
        }
    }
}

impl DynamoChannelStore {
    /// Moves a conversation (and its session, while current) along `transition`. Returns the
    /// updated conversation, or `None` when the conversation was not in the state it starts from.
    async fn transition(
        &self,
        conversation: &ConversationRecord,
        transition: Transition,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let to = transition.to().as_str();
        let (placeholder, from) = transition.from();
        let update_conversation = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&conversation.id)))
            .update_expression(transition.update())
            .condition_expression(transition.condition(conversation))
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":to", s(to))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":at", n(at.timestamp_millis()))
            .expression_attribute_values(placeholder, s(from.as_str()));
        let update_conversation = match (&conversation.offered_to, transition) {
            (Some(offered), Transition::Accept) => {
                update_conversation.expression_attribute_values(":offered", s(offered.clone()))
            }
            _ => update_conversation,
        }
        .build()
        .map_err(unavailable)?;
        let mirror = session_mirror(
            &self.table,
            conversation,
            "SET #state = :to, assigned_agent = :agent",
        )?
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":to", s(to))
        .expression_attribute_values(":agent", s(agent))
        .build()
        .map_err(unavailable)?;
        let mut updated = conversation.clone();
        updated.state = transition.to();
        updated.assigned_agent = Some(agent.to_owned());
        if transition == Transition::Close {
            updated.closed_at = Some(at);
            updated.closed_by = Some(agent.to_owned());
        }
        // The conversation's update first, then the agent's assignment entries; an accept
        // also ends the request's offer and wait, and counts for the agent.
        let mut index = self.reassign(Some(conversation), &updated, at)?;
        if transition == Transition::Accept {
            updated.offered_to = None;
            updated.offer_expires_at = None;
            index.extend(self.stop_waiting(conversation)?);
            index.push(self.misses(agent, false)?);
            index.push(self.count(agent, "accepted", at)?);
        }
        let items = [
            vec![
                TransactWriteItem::builder()
                    .update(update_conversation)
                    .build(),
            ],
            index,
        ]
        .concat();
        let written = self
            .transact_mirrored(
                items,
                TransactWriteItem::builder().update(mirror).build(),
                "state",
            )
            .await?;
        Ok(written.then_some(updated))
    }
}

#[async_trait]
impl ConversationStore for DynamoChannelStore {
    async fn conversations_page(
        &self,
        business: Option<&str>,
        before: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        // Each shard's newest `limit` before the cursor; merged, their newest `limit` are the
        // queue's.
        let only = business.map(|b| ("business", s(b)));
        let shards = conversations_partitions().map(|partition| {
            self.query(PartitionQuery {
                sort_keys: before.map_or(SortKeys::All, |b| SortKeys::Below(b.to_owned())),
                newest_first: true,
                limit: Some(limit),
                only: only.clone(),
                ..PartitionQuery::of(Partition::index(partition))
            })
        });
        let mut page: Vec<ConversationRecord> = futures_util::future::try_join_all(shards)
            .await?
            .into_iter()
            .flatten()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        page.sort_by(|a, b| b.id.cmp(&a.id));
        page.truncate(limit);
        Ok(page)
    }

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(id.as_str())))
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn settle_conversation(
        &self,
        id: &ConversationId,
        last_inbound_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(conversation_key(id.as_str())))
            .update_expression("SET last_inbound_at = :last")
            .condition_expression("attribute_exists(pk) AND last_inbound_at < :last")
            .expression_attribute_values(":last", n(last_inbound_at.timestamp_millis()))
            .send()
            .await;
        // Already as late or later: nothing to settle. Strictly later on purpose, unlike a
        // start's `settle_replaced` (`<=`, where an equal time must not cancel the start).
        conditional(result).map(|_| ())
    }

    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        may_pick: bool,
        at: DateTime<Utc>,
    ) -> Result<AcceptResult, StoreError> {
        // Two attempts: the first read may be stale by the time the conditional write runs.
        for _ in 0..2 {
            let Some(conversation) = self.conversation(id).await? else {
                return Ok(AcceptResult::NotFound);
            };
            if let Some(refusal) = conversation.accept_refusal(agent, may_pick) {
                return Ok(refusal);
            }
            if let Some(updated) = self
                .transition(&conversation, Transition::Accept, agent, at)
                .await?
            {
                return Ok(AcceptResult::Accepted(updated));
            }
        }
        match self.conversation(id).await? {
            Some(c) if c.assigned_agent.as_deref() == Some(agent) => {
                Ok(AcceptResult::AlreadyYours(c))
            }
            Some(c) if c.state == ConversationState::Active => Ok(AcceptResult::Taken {
                by: c.assigned_agent,
            }),
            Some(c) => Ok(c
                .accept_refusal(agent, may_pick)
                .unwrap_or(AcceptResult::WrongState(c.state))),
            None => Ok(AcceptResult::NotFound),
        }
    }

    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<CloseResult, StoreError> {
        let Some(conversation) = self.conversation(id).await? else {
            return Ok(CloseResult::NotFound);
        };
        if let Some(refusal) = conversation.close_refusal(agent) {
            return Ok(refusal);
        }
        match self
            .transition(&conversation, Transition::Close, agent, at)
            .await?
        {
            Some(updated) => Ok(CloseResult::Closed(updated)),
            // Closed concurrently by the same agent.
            None => Ok(CloseResult::AlreadyClosed(conversation)),
        }
    }
}
