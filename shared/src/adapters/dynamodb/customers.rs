//! [`CustomerStore`] on the table: a customer's conversations through `gsi2`
//! (`CUST#{customer}`), and business-started conversations (their session awaits the customer).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, Select, TransactWriteItem, Update};

use super::conditions::{failed_condition, transaction};
use super::items::{
    CUSTOMER_INDEX, CUSTOMER_INDEX_PK, INDEX, conversation_item, conversation_key, conversation_pk,
    customer_partition, from_item, n, s, session_item, session_key,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::{ConversationId, ConversationState, SessionWindow, WINDOW};
use crate::ports::desk::NEVER;
use crate::ports::{
    ConversationRecord, CustomerStore, MessageRecord, SessionRecord, SessionTouch, StoreError,
};

#[async_trait]
impl CustomerStore for DynamoChannelStore {
    async fn customer_conversations(
        &self,
        customer: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CUSTOMER_INDEX)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
            .expression_attribute_values(":pk", s(customer_partition(customer)))
            .scan_index_forward(false)
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn customer_history(
        &self,
        customer: &str,
    ) -> Result<(Option<ConversationRecord>, usize), StoreError> {
        let first = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CUSTOMER_INDEX)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
            .expression_attribute_values(":pk", s(customer_partition(customer)))
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()?;
        let mut count = 0;
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(CUSTOMER_INDEX)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", CUSTOMER_INDEX_PK)
                .expression_attribute_values(":pk", s(customer_partition(customer)))
                .select(Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            count += usize::try_from(page.count).unwrap_or_default();
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok((first, count));
            }
        }
    }

    async fn last_message(&self, id: &ConversationId) -> Result<Option<MessageRecord>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(INDEX)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(conversation_pk(id.as_str())))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(from_item)
            .transpose()
    }

    async fn start_by_business(
        &self,
        session: &SessionRecord,
        conversation: &ConversationRecord,
        previous: Option<&SessionRecord>,
    ) -> Result<bool, StoreError> {
        // Its TTL: the customer's answer is awaited AWAIT_ANSWER; its window (from NEVER) is closed.
        let item = session_item(session)?;
        let window_start = (session.started_at - WINDOW).timestamp_millis();
        let put_session = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(pk) OR #state = :closed \
                 OR (last_inbound_at <= :window_start AND last_inbound_at > :never)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":window_start", n(window_start))
            .expression_attribute_values(":never", n(NEVER.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let put_conversation = Put::builder()
            .table_name(&self.table)
            .set_item(Some(conversation_item(conversation)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_session).build(),
            TransactWriteItem::builder().put(put_conversation).build(),
        ];
        if let Some(old) = previous {
            items.push(self.settle_replaced(old)?);
        }
        // The starting agent's assignment entry, last: the failure reasons keep their places.
        items.extend(self.reassign(None, conversation, session.started_at)?);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(true),
            Err(reasons) if failed_condition(reasons.first()) => Ok(false),
            // The replaced conversation already knew a later time: start without settling it.
            Err(reasons) if failed_condition(reasons.get(2)) => {
                Box::pin(self.start_by_business(session, conversation, None)).await
            }
            Err(_) => Err(StoreError::Unavailable(
                "the conversation could not be started".into(),
            )),
        }
    }

    async fn continue_started(
        &self,
        touch: &SessionTouch,
        old: &SessionRecord,
    ) -> Result<bool, StoreError> {
        let at = n(touch.at.timestamp_millis());
        let mut session = Update::builder()
            .table_name(&self.table)
            .set_key(Some(session_key(&touch.key)))
            .condition_expression("conversation_id = :id AND last_inbound_at = :never")
            .expression_attribute_values(":id", s(old.conversation_id.clone()))
            .expression_attribute_values(":never", n(NEVER.timestamp_millis()))
            .expression_attribute_values(":now", at.clone())
            .expression_attribute_values(
                ":ttl",
                n(SessionWindow::new(touch.at).ttl_epoch_seconds()),
            );
        let mut conversation = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&old.conversation_id)))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", at);
        let (mut set_session, mut set_conversation) = (
            "SET last_inbound_at = :now, expires_at = :ttl".to_owned(),
            "SET last_inbound_at = :now".to_owned(),
        );
        if let Some(name) = &touch.profile_name {
            set_session.push_str(", profile_name = :profile");
            set_conversation.push_str(", profile_name = :profile");
            session = session.expression_attribute_values(":profile", s(name.clone()));
            conversation = conversation.expression_attribute_values(":profile", s(name.clone()));
        }
        let items = vec![
            TransactWriteItem::builder()
                .update(
                    session
                        .update_expression(set_session)
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
            TransactWriteItem::builder()
                .update(
                    conversation
                        .update_expression(set_conversation)
                        .build()
                        .map_err(unavailable)?,
                )
                .build(),
        ];
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(true),
            Err(reasons) if reasons.iter().any(|r| failed_condition(Some(r))) => Ok(false),
            Err(_) => Err(StoreError::Unavailable(
                "the answer could not continue its conversation".into(),
            )),
        }
    }
}
