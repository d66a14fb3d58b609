//! [`ConnectionStore`] on the table: one item per open WebSocket connection, in its agent's
//! partition (`AGENT#{agent}`, sort key `CONN#{connectionId}`), expiring on its own (TTL).

use super::items::{EXPIRES_AT, TYPE, connection_key, from_item, n, s, tag};
use super::{DynamoChannelStore, unavailable};
use crate::ports::connections::CONNECTION_RETENTION;
use crate::ports::{ConnectionStore, LiveConnection, StoreError};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

/// The index partition (`gsi1`) of administrators' open connections.
pub const SUPERVISORS_PK: &str = "CONNECTIONS#supervisors";

#[async_trait]
impl ConnectionStore for DynamoChannelStore {
    async fn add_connection(&self, connection: &LiveConnection) -> Result<(), StoreError> {
        let mut item = connection_key(&connection.agent_id, &connection.connection_id);
        item.insert(TYPE.into(), s(tag::CONNECTION));
        item.insert("agent_id".into(), s(&connection.agent_id));
        item.insert("connection_id".into(), s(&connection.connection_id));
        item.insert(
            "connected_at".into(),
            n(connection.connected_at.timestamp_millis()),
        );
        item.insert(
            EXPIRES_AT.into(),
            n((connection.connected_at + CONNECTION_RETENTION).timestamp()),
        );
        // An administrator's connection is also in the supervisors' index partition.
        if connection.supervisor {
            item.insert("supervisor".into(), AttributeValue::Bool(true));
            item.insert("gsi1pk".into(), s(SUPERVISORS_PK));
            item.insert(
                "gsi1sk".into(),
                s(format!(
                    "{}#{}",
                    connection.agent_id, connection.connection_id
                )),
            );
        }
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn remove_connection(
        &self,
        agent_id: &str,
        connection_id: &str,
    ) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(connection_key(agent_id, connection_id)))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn connections(&self, agent_ids: &[String]) -> Result<Vec<LiveConnection>, StoreError> {
        // One query per agent, all at once: each agent's connections share its partition.
        let queries = agent_ids.iter().map(|agent| {
            self.client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :conn)")
                .expression_attribute_values(":pk", s(format!("AGENT#{agent}")))
                .expression_attribute_values(":conn", s("CONN#"))
                .send()
        });
        let mut out = Vec::new();
        for result in futures_util::future::join_all(queries).await {
            let page = result.map_err(unavailable)?;
            for item in page.items.unwrap_or_default() {
                out.push(from_item::<LiveConnection>(item)?);
            }
        }
        Ok(out)
    }

    async fn supervisor_connections(&self) -> Result<Vec<LiveConnection>, StoreError> {
        self.query_index(SUPERVISORS_PK.to_owned(), false, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
