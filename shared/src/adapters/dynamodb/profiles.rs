//! [`ProfileStore`] on the table: an agent's partition `AGENT#{agentId}` holds their presence
//! (`PRESENCE`), routing profile (`PROFILE`), active assignments (`ASSIGNED#{conversation}`)
//! and live connections (`CONN#…`), so one `Query` reads the agent whole. The assignments are
//! written in the transactions that make and end them ([`DynamoChannelStore::reassign`]).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::items::{
    TYPE, agent_pk, assignment_item, assignment_key, from_item, profile_item, s, tag,
};
use super::{DynamoChannelStore, unavailable};
use crate::ports::{
    AgentRecord, AssignmentRecord, ConversationRecord, ProfileRecord, ProfileStore, StoreError,
};

impl DynamoChannelStore {
    /// The transaction items that move a conversation's assignment entry from what `old` stood
    /// for (active and assigned: that agent's entry goes) to what `new` stands for (active and
    /// assigned: the new agent's entry is written). Unconditional: the conversation's own
    /// conditional update in the same transaction decides.
    pub(super) fn reassign(
        &self,
        old: Option<&ConversationRecord>,
        new: &ConversationRecord,
        at: DateTime<Utc>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let gone = old.and_then(|c| AssignmentRecord::of(c, at));
        let now = AssignmentRecord::of(new, at);
        let mut items = Vec::new();
        // One transaction may not touch an item twice: an entry that stays is only rewritten.
        if let Some(gone) = gone.filter(|g| now.as_ref().is_none_or(|n| n.agent_id != g.agent_id)) {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(assignment_key(&gone.agent_id, &gone.conversation_id)))
                .build()
                .map_err(unavailable)?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        if let Some(now) = now {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(assignment_item(&now)?))
                .build()
                .map_err(unavailable)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        Ok(items)
    }
}

#[async_trait]
impl ProfileStore for DynamoChannelStore {
    async fn put_profile(&self, profile: &ProfileRecord) -> Result<bool, StoreError> {
        self.replace(profile_item(profile)?).await
    }

    async fn agent(&self, agent: &str) -> Result<AgentRecord, StoreError> {
        // Strongly consistent: an administrator's change reads back at once.
        let mut record = AgentRecord::default();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(agent_pk(agent)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                match item
                    .get(TYPE)
                    .and_then(|t| t.as_s().ok())
                    .map(String::as_str)
                {
                    Some(tag::PRESENCE) => record.presence = Some(from_item(item)?),
                    Some(tag::AGENT_PROFILE) => record.profile = Some(from_item(item)?),
                    Some(tag::ASSIGNMENT) => record.assignments.push(from_item(item)?),
                    Some(tag::OFFER) => record.offers.push(from_item(item)?),
                    Some(tag::ROUTING_STATE) => record.routing = Some(from_item(item)?),
                    Some(tag::DAY_COUNTS) => record.counts.push(from_item(item)?),
                    Some(tag::WRAP_UP) => record.wrap_ups.push(from_item(item)?),
                    _ => {}
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(record);
            }
        }
    }
}
