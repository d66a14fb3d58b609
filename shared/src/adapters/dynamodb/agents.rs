//! [`AgentStore`] and [`NotificationLog`] on the table: presence, and the markers that keep
//! notifications single.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::conditions::conditional;
use super::items::{
    EXPIRES_AT, TYPE, available_agents_partition, available_agents_partitions, from_item, n,
    notification_key, presence_key, roster_partition, roster_partitions, s, tag,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::Presence;
use crate::ports::{AgentStore, AvailableAgent, NotificationLog, PresenceRecord, StoreError};

/// How long a notification marker outlives its stream record (streams keep records 24 h).
const NOTIFICATION_MARKER_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(2);

#[async_trait]
impl AgentStore for DynamoChannelStore {
    async fn set_presence_because(
        &self,
        agent: &str,
        presence: Presence,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // In the available-agents index only while available; `available_since` survives a
        // repeated "available". `reason` says why the system set it; the agent's own change
        // has none.
        let mut set = vec![
            "#type = :type",
            "agent_id = :agent",
            "#status = :status",
            "updated_at = :at",
        ];
        let mut remove = Vec::new();
        if presence == Presence::Available {
            set.extend([
                "gsi1pk = :index",
                "gsi1sk = :agent",
                "available_since = if_not_exists(available_since, :at)",
            ]);
        } else {
            // Out of the available agents' index, into the roster's.
            set.extend(["gsi1pk = :index", "gsi1sk = :agent"]);
            remove.push("available_since");
        }
        if reason.is_some() {
            set.push("reason = :reason");
        } else {
            remove.push("reason");
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(presence_key(agent)))
            .update_expression(expression)
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":type", s(tag::PRESENCE))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":status", s(presence.as_str()))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        let request = request.expression_attribute_values(
            ":index",
            s(if presence == Presence::Available {
                available_agents_partition(agent)
            } else {
                roster_partition(agent)
            }),
        );
        let request = match reason {
            Some(reason) => request.expression_attribute_values(":reason", s(reason)),
            None => request,
        };
        request.send().await.map(|_| ()).map_err(unavailable)
    }

    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError> {
        let shards =
            available_agents_partitions().map(|partition| self.query_index(partition, false, None));
        let mut agents: Vec<AvailableAgent> = futures_util::future::try_join_all(shards)
            .await?
            .into_iter()
            .flatten()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        Ok(agents)
    }

    async fn roster(&self) -> Result<Vec<PresenceRecord>, StoreError> {
        let shards = available_agents_partitions()
            .chain(roster_partitions())
            .map(|partition| self.query_index(partition, false, None));
        let mut agents: Vec<PresenceRecord> = futures_util::future::try_join_all(shards)
            .await?
            .into_iter()
            .flatten()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        agents.sort_by(|a, b| a.agent_id.cmp(&b.agent_id));
        Ok(agents)
    }
}

#[async_trait]
impl NotificationLog for DynamoChannelStore {
    async fn begin_notification(&self, key_: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut item = notification_key(key_);
        item.insert(TYPE.into(), s(tag::NOTIFICATION));
        item.insert("published".into(), AttributeValue::Bool(false));
        item.insert(
            EXPIRES_AT.into(),
            n((at + NOTIFICATION_MARKER_RETENTION).timestamp()),
        );
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR published = :no")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .send()
            .await;
        // Published before: the marker says so.
        Ok(conditional(result)?.is_ok())
    }

    async fn finish_notification(&self, key_: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(notification_key(key_)))
            .update_expression("SET published = :yes")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
