//! [`CustomerStore`] on the table: a customer's conversations through `gsi2`
//! (`CUST#{customer}`), and business-started conversations (their session awaits the customer).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, Select, TransactWriteItem, Update};

use super::conditions::{failed_condition, transaction};
use super::items::{
    Partition, PartitionQuery, conversation_item, conversation_key, conversation_pk, from_item, n,
    put_new, s, session_item, session_key,
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
        self.query(PartitionQuery {
            newest_first: true,
            limit: Some(limit),
            ..PartitionQuery::of(Partition::customer(customer))
        })
        .await?
        .into_iter()
        .map(from_item)
        .collect()
    }

    async fn customer_history(
        &self,
        customer: &str,
    ) -> Result<(Option<ConversationRecord>, usize), StoreError> {
        let conversations = PartitionQuery::of(Partition::customer(customer));
        let first = self
            .query(PartitionQuery {
                limit: Some(1),
                ..conversations.clone()
            })
            .await?
            .into_iter()
            .next()
            .map(from_item)
            .transpose()?;
        let mut count = 0;
        let mut start = None;
        loop {
            let page = conversations
                .request(self.client.query().table_name(&self.table))
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
        self.query_index(conversation_pk(id.as_str()), true, Some(1))
            .await?
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
        // Its own condition on purpose (an inbound start's differs): a waiting session is kept.
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
        let put_conversation = put_new(&self.table, conversation_item(conversation)?)
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
        // Its own condition on purpose (an inbound refresh's differs): the session still awaits.
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
        self.transact_conditional(items, "continue-the-conversation")
            .await
    }
}
