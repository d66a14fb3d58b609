//! [`SessionStore`] on the table: sessions, and the messages of their conversations.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};

use super::conditions::{conditional, failed_condition, transaction};
use super::items::{
    Item, TYPE, conversation_item, conversation_key, conversation_pk, from_item, message_item,
    message_key, n, put_new, s, session_item, session_key, tag,
};
use super::{DynamoChannelStore, unavailable};
use crate::domain::{
    ConversationId, ConversationState, MessageSid, SessionWindow, StatusCallback, WINDOW,
};
use crate::ports::{
    InboundStored, MessageRecord, SessionKey, SessionRecord, SessionStart, SessionStore,
    SessionTouch, StatusApplied, StoreError, Stored,
};

/// How long a status for an unknown sid waits for its reply to be recorded.
const EARLY_STATUS_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// The outcome of one conditional status write.
enum StatusWrite {
    Applied,
    /// The condition did not hold; `recorded` says whether the sid is a recorded message.
    Refused {
        recorded: bool,
    },
}

pub(super) fn parse_id(raw: &str) -> Result<ConversationId, StoreError> {
    ConversationId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl DynamoChannelStore {
    /// Refreshes an open session in one conditional update; on failure DynamoDB hands back the
    /// item as it was, so the next step needs no read.
    async fn refresh(&self, touch: &SessionTouch) -> Result<Result<(), Option<Item>>, StoreError> {
        let now = touch.at.timestamp_millis();
        let window_start = (touch.at - WINDOW).timestamp_millis();
        let ttl = SessionWindow::new(touch.at).ttl_epoch_seconds();
        let mut set = "SET last_inbound_at = :now, expires_at = :ttl".to_owned();
        // Its own condition on purpose (a business start's answer has another): an open window.
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(session_key(&touch.key)))
            .condition_expression(
                "conversation_id = :conversation AND last_inbound_at > :window_start \
                 AND last_inbound_at < :now AND #state <> :closed",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":conversation", s(touch.conversation_id.as_str()))
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":window_start", n(window_start))
            .expression_attribute_values(":ttl", n(ttl))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(name) = &touch.profile_name {
            set.push_str(", profile_name = :profile");
            request = request.expression_attribute_values(":profile", s(name.clone()));
        }
        match conditional(request.update_expression(set).send().await)? {
            Ok(_) => Ok(Ok(())),
            Err(old) => Ok(Err(old)),
        }
    }

    /// The update that gives a replaced conversation its exact `last_inbound_at` once its
    /// session item is another conversation's; never moving it back (a business-started
    /// session's "never" must not overwrite a real time).
    /// `<=` on purpose, unlike `settle_conversation`'s `<`: an equal time must not cancel the start.
    pub(super) fn settle_replaced(
        &self,
        old: &SessionRecord,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(conversation_key(&old.conversation_id)))
            .update_expression("SET last_inbound_at = :last")
            .condition_expression("attribute_exists(pk) AND last_inbound_at <= :last")
            .expression_attribute_values(":last", n(old.last_inbound_at.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Creates the session and its conversation at once, unless another request just did.
    async fn start(
        &self,
        touch: &SessionTouch,
        previous: Option<&SessionRecord>,
    ) -> Result<SessionStart, StoreError> {
        let (session, conversation) = touch.start();
        let window_start = (touch.at - WINDOW).timestamp_millis();
        // Its own condition on purpose (a business start's differs): no session, or a closed window.
        let put_session = Put::builder()
            .table_name(&self.table)
            .set_item(Some(session_item(&session)?))
            .condition_expression(
                "attribute_not_exists(pk) OR last_inbound_at <= :window_start \
                 OR (#state = :closed AND last_inbound_at < :at)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s(ConversationState::Closed.as_str()))
            .expression_attribute_values(":window_start", n(window_start))
            .expression_attribute_values(":at", n(touch.at.timestamp_millis()))
            .build()
            .map_err(unavailable)?;
        let put_conversation = put_new(&self.table, conversation_item(&conversation)?)
            .build()
            .map_err(unavailable)?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_session).build(),
            TransactWriteItem::builder().put(put_conversation).build(),
        ];
        if let Some(old) = previous {
            items.push(self.settle_replaced(old)?);
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match transaction(result)? {
            Ok(_) => Ok(SessionStart::Started),
            // Items in order: the session, the new conversation, the replaced conversation.
            Err(reasons) if failed_condition(reasons.get(1)) => {
                Ok(SessionStart::ConversationExists)
            }
            Err(reasons) if failed_condition(reasons.first()) => Ok(SessionStart::SessionChanged),
            // The replaced conversation already knew a later time: start without settling it.
            Err(reasons) if failed_condition(reasons.get(2)) => {
                Box::pin(self.start(touch, None)).await
            }
            Err(_) => Err(StoreError::Unavailable(
                "the session transaction was cancelled".into(),
            )),
        }
    }

    /// One conditional status write. On a recorded message (it has its index keys) the status
    /// moves up only; for a sid not recorded yet (`early`: Twilio can call back before
    /// send-reply has written the sid) it is kept, with a TTL, until the reply's completion
    /// merges it.
    async fn write_status(
        &self,
        callback: &StatusCallback,
        at: DateTime<Utc>,
        early: bool,
    ) -> Result<StatusWrite, StoreError> {
        let mut set = "SET #status = :status, status_rank = :rank, status_at = :at".to_owned();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(message_key(callback.message_sid.as_str())))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(callback.status.as_str()))
            .expression_attribute_values(":rank", n(callback.status.rank().into()))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        request = if early {
            set.push_str(", expires_at = :ttl, #type = :type");
            request
                .condition_expression(
                    "attribute_not_exists(pk) OR (attribute_not_exists(gsi1pk) AND status_rank < :rank)",
                )
                .expression_attribute_names("#type", TYPE)
                .expression_attribute_values(":type", s(tag::EARLY_STATUS))
                .expression_attribute_values(":ttl", n((at + EARLY_STATUS_RETENTION).timestamp()))
        } else {
            request.condition_expression("attribute_exists(gsi1pk) AND status_rank < :rank")
        };
        if let Some(code) = &callback.error_code {
            set.push_str(", error_code = :code");
            request = request.expression_attribute_values(":code", s(code.clone()));
        }
        match conditional(request.update_expression(set).send().await)? {
            Ok(_) => Ok(StatusWrite::Applied),
            Err(old) => Ok(StatusWrite::Refused {
                recorded: old.is_some_and(|item| item.contains_key("gsi1pk")),
            }),
        }
    }
}

#[async_trait]
impl SessionStore for DynamoChannelStore {
    async fn session(&self, key: &SessionKey) -> Result<Option<SessionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(session_key(key)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn refresh_session(
        &self,
        touch: &SessionTouch,
    ) -> Result<Result<(), Option<SessionRecord>>, StoreError> {
        match self.refresh(touch).await? {
            Ok(()) => Ok(Ok(())),
            Err(old) => Ok(Err(old.map(from_item).transpose()?)),
        }
    }

    async fn start_session(
        &self,
        touch: &SessionTouch,
        previous: Option<&SessionRecord>,
    ) -> Result<SessionStart, StoreError> {
        self.start(touch, previous).await
    }

    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError> {
        let mut unique: Vec<&SessionKey> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        self.batch_get(unique.iter().map(|k| session_key(k)).collect())
            .await
    }

    async fn put_inbound(&self, message: &MessageRecord) -> Result<InboundStored, StoreError> {
        // An item without index keys is an early status for this sid, no message: replaced.
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(message_item(message)?))
            .condition_expression("attribute_not_exists(gsi1pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match conditional(result)? {
            Ok(_) => Ok(InboundStored::Inserted),
            Err(Some(first)) => Ok(InboundStored::Duplicate(Box::new(from_item(first)?))),
            Err(None) => Err(StoreError::Corrupt(format!(
                "message {} refused without its first record",
                message.id
            ))),
        }
    }

    async fn relink_message(
        &self,
        sid: &MessageSid,
        from: &ConversationId,
        to: &ConversationId,
    ) -> Result<ConversationId, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(message_key(sid.as_str())))
            .update_expression("SET conversation_id = :to, gsi1pk = :pk")
            .condition_expression("conversation_id = :from")
            .expression_attribute_values(":to", s(to.as_str()))
            .expression_attribute_values(":pk", s(conversation_pk(to.as_str())))
            .expression_attribute_values(":from", s(from.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match conditional(result)? {
            Ok(_) => Ok(to.clone()),
            Err(Some(now)) => {
                let now: MessageRecord = from_item(now)?;
                parse_id(&now.conversation_id)
            }
            Err(None) => Err(StoreError::Corrupt(format!("message {sid} vanished"))),
        }
    }

    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError> {
        self.insert(message_item(message)?).await
    }

    async fn apply_status(
        &self,
        callback: &StatusCallback,
        at: DateTime<Utc>,
    ) -> Result<StatusApplied, StoreError> {
        let applied = |write| match write {
            StatusWrite::Applied => StatusApplied::Advanced,
            StatusWrite::Refused { .. } => StatusApplied::Ignored,
        };
        match self.write_status(callback, at, false).await? {
            StatusWrite::Refused { recorded: false } => {
                match self.write_status(callback, at, true).await? {
                    // Recorded between the two writes: it is a message now.
                    StatusWrite::Refused { recorded: true } => {
                        Ok(applied(self.write_status(callback, at, false).await?))
                    }
                    early => Ok(applied(early)),
                }
            }
            recorded => Ok(applied(recorded)),
        }
    }

    async fn message(&self, id: &MessageSid) -> Result<Option<MessageRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(message_key(id.as_str())))
            .send()
            .await
            .map_err(unavailable)?;
        // A status that arrived before its reply was recorded is no message yet.
        out.item
            .filter(|item| item.contains_key("gsi1pk"))
            .map(from_item)
            .transpose()
    }

    async fn conversation_messages(
        &self,
        id: &ConversationId,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        self.query_index(conversation_pk(id.as_str()), false, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
