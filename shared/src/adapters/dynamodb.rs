//! The table on DynamoDB. One table, string keys `pk`/`sk`, one index `gsi1`:
//!
//! | item | pk | sk | gsi1pk | gsi1sk |
//! | --- | --- | --- | --- | --- |
//! | session (TTL `expires_at`) | `SESSION#{business}#{customer}` | `SESSION` | | |
//! | conversation | `CONV#{id}` | `CONV` | `CONVERSATIONS` | `{id}` (UUIDv7: by creation) |
//! | message | `MSG#{MessageSid}` | `MSG` | `CONV#{conversation id}` | `{created_at ms, 15 digits}#{sid}` |
//!
//! A message is keyed by its sid alone, so retries collide whatever conversation they land in and
//! status callbacks (which know only the sid) update it directly.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};

use crate::domain::Presence;
use crate::domain::{
    ConversationId, ExistingSession, MessageSid, SessionDecision, SessionWindow, StatusCallback,
    WINDOW, decide_session,
};
use crate::ports::{
    AcceptOutcome, AgentDirectory, AvailableAgent, ClaimOutcome, CloseOutcome, Contact,
    ConversationRecord, ConversationState, IdempotencyRecord, MessageRecord, SessionKey,
    SessionRecord, SessionStore, SessionTouch, SessionTouched, StatusApplied, StoreError, Stored,
    StoredResponse,
};

type Item = HashMap<String, AttributeValue>;

pub const INDEX: &str = "gsi1";
const CONVERSATIONS: &str = "CONVERSATIONS";
/// A lost race for a new session is retried this many times before giving up.
const TOUCH_ATTEMPTS: usize = 4;

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Unavailable(Box::new(e))
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn session_pk(key: &SessionKey) -> String {
    format!("SESSION#{}#{}", key.business, key.customer)
}

fn conversation_pk(id: &str) -> String {
    format!("CONV#{id}")
}

fn message_pk(sid: &str) -> String {
    format!("MSG#{sid}")
}

fn idempotency_pk(key: &str) -> String {
    format!("IDEMP#{key}")
}

/// The outcome of one conditional status write.
enum StatusWrite {
    Applied,
    /// The condition did not hold; `recorded` says whether the sid is a recorded message.
    Refused {
        recorded: bool,
    },
}

/// How long a status for an unknown sid waits for its reply to be recorded.
const EARLY_STATUS_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);

fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("pk".into(), s(pk)), ("sk".into(), s(sk))])
}

fn to_item<T: serde::Serialize>(record: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The session and conversation store on one DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoSessionStore {
    client: Client,
    table: String,
}

impl DynamoSessionStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// A session as its DynamoDB item (with the TTL attribute).
    pub fn session_item(record: &SessionRecord) -> Result<Item, StoreError> {
        let mut item = to_item(record)?;
        let ttl = SessionWindow::new(record.last_inbound_at).ttl_epoch_seconds();
        item.insert("expires_at".into(), n(ttl));
        item.insert("type".into(), s("session"));
        let key = SessionKey::parse(&record.business, &record.customer)
            .ok_or_else(|| StoreError::Corrupt("session addresses".into()))?;
        item.extend(self::key(session_pk(&key), "SESSION"));
        Ok(item)
    }

    /// A conversation as its DynamoDB item.
    pub fn conversation_item(record: &ConversationRecord) -> Result<Item, StoreError> {
        let mut item = to_item(record)?;
        item.insert("type".into(), s("conversation"));
        item.insert("gsi1pk".into(), s(CONVERSATIONS));
        item.insert("gsi1sk".into(), s(record.id.clone()));
        item.extend(key(conversation_pk(&record.id), "CONV"));
        Ok(item)
    }

    /// A message as its DynamoDB item.
    pub fn message_item(record: &MessageRecord) -> Result<Item, StoreError> {
        let mut item = to_item(record)?;
        item.insert("type".into(), s("message"));
        item.insert("status_rank".into(), n(record.status.rank().into()));
        item.insert("gsi1pk".into(), s(conversation_pk(&record.conversation_id)));
        item.insert(
            "gsi1sk".into(),
            s(format!(
                "{:015}#{}",
                record.created_at.timestamp_millis(),
                record.id
            )),
        );
        item.extend(key(message_pk(&record.id), "MSG"));
        Ok(item)
    }

    /// Refreshes an open session in one conditional update; on failure DynamoDB hands back the
    /// item as it was, so the decision needs no read.
    async fn refresh(
        &self,
        touch: &SessionTouch,
    ) -> Result<Result<SessionRecord, Option<Item>>, StoreError> {
        let now = touch.at.timestamp_millis();
        let window_start = (touch.at - WINDOW).timestamp_millis();
        let ttl = SessionWindow::new(touch.at).ttl_epoch_seconds();
        let mut set = "SET last_inbound_at = :now, expires_at = :ttl".to_owned();
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(session_pk(&touch.key), "SESSION")))
            .condition_expression(
                "last_inbound_at > :window_start AND last_inbound_at < :now AND #state <> :closed",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s("closed"))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":window_start", n(window_start))
            .expression_attribute_values(":ttl", n(ttl))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(name) = &touch.profile_name {
            set.push_str(", profile_name = :profile");
            request = request.expression_attribute_values(":profile", s(name.clone()));
        }
        match request.update_expression(set).send().await {
            Ok(out) => Ok(Ok(from_item(out.attributes.unwrap_or_default())?)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => Ok(Err(failed.item)),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Creates the session and its conversation at once, unless another request just did.
    async fn start(
        &self,
        touch: &SessionTouch,
        previous: Option<&SessionRecord>,
    ) -> Result<Option<ConversationId>, StoreError> {
        let (session, conversation) = touch.start();
        let id = parse_id(&conversation.id)?;
        let window_start = (touch.at - WINDOW).timestamp_millis();
        let put_session = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::session_item(&session)?))
            .condition_expression(
                "attribute_not_exists(pk) OR last_inbound_at <= :window_start OR #state = :closed",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":closed", s("closed"))
            .expression_attribute_values(":window_start", n(window_start))
            .build()
            .map_err(unavailable)?;
        let put_conversation = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::conversation_item(&conversation)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_session).build(),
            TransactWriteItem::builder().put(put_conversation).build(),
        ];
        if let Some(old) = previous {
            // The replaced conversation keeps its exact last_inbound_at after its session goes.
            let update_old = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(conversation_pk(&old.conversation_id), "CONV")))
                .update_expression("SET last_inbound_at = :last")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":last", n(old.last_inbound_at.timestamp_millis()))
                .build()
                .map_err(unavailable)?;
            items.push(TransactWriteItem::builder().update(update_old).build());
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Some(id)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled)
                    if cancelled
                        .cancellation_reasons()
                        .iter()
                        .any(|r| r.code() == Some("ConditionalCheckFailed")) =>
                {
                    Ok(None)
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
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
            .set_key(Some(key(message_pk(callback.message_sid.as_str()), "MSG")))
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
                .expression_attribute_names("#type", "type")
                .expression_attribute_values(":type", s("early_status"))
                .expression_attribute_values(":ttl", n((at + EARLY_STATUS_RETENTION).timestamp()))
        } else {
            request.condition_expression("attribute_exists(gsi1pk) AND status_rank < :rank")
        };
        if let Some(code) = &callback.error_code {
            set.push_str(", error_code = :code");
            request = request.expression_attribute_values(":code", s(code.clone()));
        }
        match request.update_expression(set).send().await {
            Ok(_) => Ok(StatusWrite::Applied),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    Ok(StatusWrite::Refused {
                        recorded: failed.item.is_some_and(|item| item.contains_key("gsi1pk")),
                    })
                }
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Moves a conversation (and its session, while current) to `to` under `condition`.
    /// Returns the updated conversation, or `None` when the condition did not hold.
    async fn transition(
        &self,
        conversation: &ConversationRecord,
        to: ConversationState,
        agent: &str,
        condition: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let state = serde_json::to_value(to)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut update_conversation = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(conversation_pk(&conversation.id), "CONV")))
            .update_expression("SET #state = :to, assigned_agent = :agent, updated_at = :at")
            .condition_expression(condition)
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":to", s(state.clone()))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        // DynamoDB refuses values the expressions do not use.
        for from in ["requested", "active"] {
            let placeholder = format!(":{from}");
            if condition.contains(&placeholder) {
                update_conversation =
                    update_conversation.expression_attribute_values(placeholder, s(from));
            }
        }
        let update_conversation = update_conversation.build().map_err(unavailable)?;
        let session = SessionKey::parse(&conversation.business, &conversation.customer)
            .ok_or_else(|| StoreError::Corrupt("conversation addresses".into()))?;
        let mirror = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(session_pk(&session), "SESSION")))
            .update_expression("SET #state = :to, assigned_agent = :agent")
            .condition_expression("conversation_id = :id")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":to", s(state))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":id", s(conversation.id.clone()))
            .build()
            .map_err(unavailable)?;
        // With the session mirrored while it is this conversation's; else the conversation alone.
        for items in [
            vec![update_conversation.clone(), mirror],
            vec![update_conversation],
        ] {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(
                    items
                        .into_iter()
                        .map(|u| TransactWriteItem::builder().update(u).build())
                        .collect(),
                ))
                .send()
                .await;
            match result {
                Ok(_) => {
                    let mut updated = conversation.clone();
                    updated.state = to;
                    updated.assigned_agent = Some(agent.to_owned());
                    return Ok(Some(updated));
                }
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    TransactWriteItemsError::TransactionCanceledException(cancelled) => {
                        let reasons = cancelled.cancellation_reasons();
                        let failed = |i: usize| {
                            reasons.get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed")
                        };
                        if failed(0) {
                            return Ok(None);
                        }
                        if !failed(1) {
                            return Err(StoreError::Unavailable(
                                "the state transaction was cancelled".into(),
                            ));
                        }
                    }
                    other => return Err(unavailable(other)),
                },
                Err(e) => return Err(unavailable(e)),
            }
        }
        Ok(None)
    }

    fn idempotency_item(
        record: &IdempotencyRecord,
        expires_at: DateTime<Utc>,
    ) -> Result<Item, StoreError> {
        let mut item = to_item(record)?;
        item.insert("type".into(), s("idempotency"));
        item.insert("expires_at".into(), n(expires_at.timestamp()));
        item.extend(key(idempotency_pk(&record.key), "IDEMP"));
        Ok(item)
    }

    fn save_response(
        &self,
        key_: &str,
        message_id: &str,
        response: &StoredResponse,
    ) -> Result<Update, StoreError> {
        let response = AttributeValue::M(to_item(response)?);
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk(key_), "IDEMP")))
            .update_expression("SET #response = :response, message_id = :message")
            .expression_attribute_names("#response", "response")
            .expression_attribute_values(":response", response)
            .expression_attribute_values(":message", s(message_id))
            .build()
            .map_err(unavailable)
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    /// The items that exist for these (distinct) keys, 100 keys a `BatchGetItem`, unprocessed
    /// keys retried a bounded number of times.
    async fn batch_get<T: serde::de::DeserializeOwned>(
        &self,
        keys: Vec<Item>,
    ) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .build()
                    .map_err(unavailable)?,
            );
            for _ in 0..5 {
                let Some(request) = pending.take() else { break };
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(unavailable)?;
                if let Some(mut responses) = out.responses
                    && let Some(items) = responses.remove(&self.table)
                {
                    for item in items {
                        found.push(from_item(item)?);
                    }
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(&self.table))
                    .filter(|k| !k.keys().is_empty());
            }
            if pending.is_some() {
                return Err(StoreError::Unavailable(
                    "DynamoDB left keys unprocessed".into(),
                ));
            }
        }
        Ok(found)
    }

    /// Creates the table if it does not exist: keys, index, stream and TTL as in template.yaml.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        let exists = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        match exists {
            Ok(_) => return Ok(false),
            Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {}
            Err(e) => return Err(unavailable(e)),
        }
        let attribute = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(unavailable)
        };
        let key_element = |name: &str, key_type| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(key_type)
                .build()
                .map_err(unavailable)
        };
        let index = GlobalSecondaryIndex::builder()
            .index_name(INDEX)
            .key_schema(key_element("gsi1pk", KeyType::Hash)?)
            .key_schema(key_element("gsi1sk", KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(unavailable)?;
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute("pk")?)
            .attribute_definitions(attribute("sk")?)
            .attribute_definitions(attribute("gsi1pk")?)
            .attribute_definitions(attribute("gsi1sk")?)
            .key_schema(key_element("pk", KeyType::Hash)?)
            .key_schema(key_element("sk", KeyType::Range)?)
            .global_secondary_indexes(index)
            .stream_specification(
                StreamSpecification::builder()
                    .stream_enabled(true)
                    .stream_view_type(StreamViewType::NewAndOldImages)
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        self.client
            .wait_until_table_exists()
            .table_name(&self.table)
            .wait(std::time::Duration::from_secs(60))
            .await
            .map_err(unavailable)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name("expires_at")
                    .build()
                    .map_err(unavailable)?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(true)
    }

    async fn query_index(
        &self,
        partition: String,
        newest_first: bool,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(INDEX)
                .key_condition_expression("gsi1pk = :pk")
                .expression_attribute_values(":pk", s(partition.clone()))
                .scan_index_forward(!newest_first)
                .set_limit(limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            items.extend(page.items.unwrap_or_default());
            start = page.last_evaluated_key;
            let full = limit.is_some_and(|l| items.len() >= l);
            if start.is_none() || full {
                break;
            }
        }
        if let Some(l) = limit {
            items.truncate(l);
        }
        Ok(items)
    }
}

#[async_trait]
impl SessionStore for DynamoSessionStore {
    async fn touch_session(&self, touch: &SessionTouch) -> Result<SessionTouched, StoreError> {
        for _ in 0..TOUCH_ATTEMPTS {
            let old = match self.refresh(touch).await? {
                Ok(session) => {
                    return Ok(SessionTouched {
                        conversation_id: parse_id(&session.conversation_id)?,
                        decision: SessionDecision::Refresh,
                    });
                }
                Err(None) => None,
                Err(Some(item)) => Some(from_item::<SessionRecord>(item)?),
            };
            let existing = old.as_ref().map(|o| ExistingSession {
                last_inbound_at: o.last_inbound_at,
                closed: o.state == ConversationState::Closed,
            });
            match decide_session(existing, touch.at) {
                SessionDecision::KeepNewer => {
                    let old = old.ok_or_else(|| StoreError::Corrupt("session vanished".into()))?;
                    return Ok(SessionTouched {
                        conversation_id: parse_id(&old.conversation_id)?,
                        decision: SessionDecision::KeepNewer,
                    });
                }
                SessionDecision::Start => {
                    if let Some(id) = self.start(touch, old.as_ref()).await? {
                        return Ok(SessionTouched {
                            conversation_id: id,
                            decision: SessionDecision::Start,
                        });
                    }
                    // Another request started it first: refresh that one.
                }
                // The item changed between the update and now: try again.
                SessionDecision::Refresh => {}
            }
        }
        Err(StoreError::Unavailable(
            "the session kept changing under concurrent requests".into(),
        ))
    }

    async fn put_message(&self, message: &MessageRecord) -> Result<Stored, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(Self::message_item(message)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(Stored::Inserted),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(Stored::Duplicate),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
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
            .set_key(Some(key(message_pk(id.as_str()), "MSG")))
            .send()
            .await
            .map_err(unavailable)?;
        // A status that arrived before its reply was recorded is no message yet.
        out.item
            .filter(|item| item.contains_key("gsi1pk"))
            .map(from_item)
            .transpose()
    }

    async fn list_conversations(
        &self,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        self.query_index(CONVERSATIONS.into(), true, Some(limit))
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(conversation_pk(id.as_str()), "CONV")))
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
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

    async fn sessions(&self, keys: &[SessionKey]) -> Result<Vec<SessionRecord>, StoreError> {
        let mut unique: Vec<&SessionKey> = keys.iter().collect();
        unique.sort();
        unique.dedup();
        self.batch_get(
            unique
                .iter()
                .map(|k| key(session_pk(k), "SESSION"))
                .collect(),
        )
        .await
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
            .set_key(Some(key(conversation_pk(id.as_str()), "CONV")))
            .update_expression("SET last_inbound_at = :last")
            .condition_expression("attribute_exists(pk) AND last_inbound_at < :last")
            .expression_attribute_values(":last", n(last_inbound_at.timestamp_millis()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(_) => Ok(()),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn accept(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<AcceptOutcome, StoreError> {
        // Two attempts: the first read may be stale by the time the conditional write runs.
        for _ in 0..2 {
            let Some(conversation) = self.conversation(id).await? else {
                return Ok(AcceptOutcome::NotFound);
            };
            if let Some(refusal) = conversation.accept_refusal(agent) {
                return Ok(refusal);
            }
            let condition = "#state = :requested";
            if let Some(updated) = self
                .transition(
                    &conversation,
                    ConversationState::Active,
                    agent,
                    condition,
                    at,
                )
                .await?
            {
                return Ok(AcceptOutcome::Accepted(updated));
            }
        }
        match self.conversation(id).await? {
            Some(c) if c.assigned_agent.as_deref() == Some(agent) => {
                Ok(AcceptOutcome::AlreadyYours(c))
            }
            Some(c) if c.state == ConversationState::Active => Ok(AcceptOutcome::Taken {
                by: c.assigned_agent,
            }),
            Some(c) => Ok(AcceptOutcome::WrongState(c.state)),
            None => Ok(AcceptOutcome::NotFound),
        }
    }

    async fn close(
        &self,
        id: &ConversationId,
        agent: &str,
        at: DateTime<Utc>,
    ) -> Result<CloseOutcome, StoreError> {
        let Some(conversation) = self.conversation(id).await? else {
            return Ok(CloseOutcome::NotFound);
        };
        if let Some(refusal) = conversation.close_refusal(agent) {
            return Ok(refusal);
        }
        let condition = "#state = :active AND assigned_agent = :agent";
        match self
            .transition(
                &conversation,
                ConversationState::Closed,
                agent,
                condition,
                at,
            )
            .await?
        {
            Some(updated) => Ok(CloseOutcome::Closed(updated)),
            // Closed concurrently by the same agent.
            None => Ok(CloseOutcome::AlreadyClosed(conversation)),
        }
    }

    async fn claim_reply(
        &self,
        claim: &IdempotencyRecord,
        pending: &MessageRecord,
        expires_at: DateTime<Utc>,
    ) -> Result<ClaimOutcome, StoreError> {
        let put_claim = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::idempotency_item(claim, expires_at)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(unavailable)?;
        let put_pending = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::message_item(pending)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(unavailable)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_claim).build())
            .transact_items(TransactWriteItem::builder().put(put_pending).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(ClaimOutcome::Claimed),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                TransactWriteItemsError::TransactionCanceledException(cancelled) => match cancelled
                    .cancellation_reasons()
                    .first()
                    .and_then(|r| r.item())
                {
                    Some(item) => Ok(ClaimOutcome::Existing(from_item(item.clone())?)),
                    None => Err(StoreError::Unavailable(
                        "the reply claim was cancelled".into(),
                    )),
                },
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn idempotency(&self, key_: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(idempotency_pk(key_), "IDEMP")))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item.map(from_item).transpose()
    }

    async fn complete_reply(
        &self,
        key_: &str,
        pending_id: &str,
        sent: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let delete_pending = aws_sdk_dynamodb::types::Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(message_pk(pending_id), "MSG")))
            .build()
            .map_err(unavailable)?;
        // Merge into whatever an early status callback left under the sid: its status wins
        // (any callback ranks at least `queued`), its TTL goes.
        let mut item = Self::message_item(sent)?;
        item.remove("pk");
        item.remove("sk");
        let status = item.remove("status");
        let rank = item.remove("status_rank");
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut sets = Vec::new();
        for (i, (name, value)) in item.into_iter().enumerate() {
            names.insert(format!("#a{i}"), name);
            values.insert(format!(":v{i}"), value);
            sets.push(format!("#a{i} = :v{i}"));
        }
        names.insert("#status".into(), "status".into());
        sets.push("#status = if_not_exists(#status, :status)".into());
        sets.push("status_rank = if_not_exists(status_rank, :rank)".into());
        values.insert(":status".into(), status.unwrap_or_else(|| s("queued")));
        values.insert(":rank".into(), rank.unwrap_or_else(|| n(1)));
        let upsert_sent = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(message_pk(&sent.id), "MSG")))
            .update_expression(format!("SET {} REMOVE expires_at", sets.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(unavailable)?;
        self.transact(vec![
            TransactWriteItem::builder().delete(delete_pending).build(),
            TransactWriteItem::builder().update(upsert_sent).build(),
            TransactWriteItem::builder()
                .update(self.save_response(key_, &sent.id, response)?)
                .build(),
        ])
        .await
    }

    async fn fail_reply(
        &self,
        key_: &str,
        pending: &MessageRecord,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(Self::message_item(pending)?))
            .build()
            .map_err(unavailable)?;
        self.transact(vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder()
                .update(self.save_response(key_, &pending.id, response)?)
                .build(),
        ])
        .await
    }
}

fn parse_id(raw: &str) -> Result<ConversationId, StoreError> {
    ConversationId::parse(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A DynamoDB client from the shared SDK configuration (endpoint from `AWS_ENDPOINT_URL*`).
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::new(sdk)
}

/// An agent's presence as its DynamoDB item; in the available-agents index only while available.
pub fn presence_item(
    agent: &str,
    presence: Presence,
    at: DateTime<Utc>,
    available_since: Option<DateTime<Utc>>,
) -> Item {
    let mut item = key(presence_pk(agent), "PRESENCE");
    item.insert("type".into(), s("presence"));
    item.insert("agent_id".into(), s(agent));
    item.insert("status".into(), s(presence.as_str()));
    item.insert("updated_at".into(), n(at.timestamp_millis()));
    if let (Presence::Available, Some(since)) = (presence, available_since) {
        item.insert("gsi1pk".into(), s(AVAILABLE_AGENTS));
        item.insert("gsi1sk".into(), s(agent));
        item.insert("available_since".into(), n(since.timestamp_millis()));
    }
    item
}

fn presence_pk(agent: &str) -> String {
    format!("AGENT#{agent}")
}

fn contact_pk(address: &str) -> String {
    format!("CONTACT#{address}")
}

fn notification_pk(key: &str) -> String {
    format!("NOTIFY#{key}")
}

/// The index partition of available agents: the presence item is in it only while available.
const AVAILABLE_AGENTS: &str = "AGENTS#available";
/// How long a notification marker outlives its stream record (streams keep records 24 h).
const NOTIFICATION_MARKER_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(2);

#[async_trait]
impl AgentDirectory for DynamoSessionStore {
    async fn set_presence(
        &self,
        agent: &str,
        presence: Presence,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        // In the available-agents index only while available; `available_since` survives a
        // repeated "available".
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(presence_pk(agent), "PRESENCE")))
            .expression_attribute_names("#type", "type")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":type", s("presence"))
            .expression_attribute_values(":agent", s(agent))
            .expression_attribute_values(":status", s(presence.as_str()))
            .expression_attribute_values(":at", n(at.timestamp_millis()));
        let request = if presence == Presence::Available {
            request
                .update_expression(
                    "SET #type = :type, agent_id = :agent, #status = :status, updated_at = :at, \
                     gsi1pk = :index, gsi1sk = :agent, \
                     available_since = if_not_exists(available_since, :at)",
                )
                .expression_attribute_values(":index", s(AVAILABLE_AGENTS))
        } else {
            request.update_expression(
                "SET #type = :type, agent_id = :agent, #status = :status, updated_at = :at \
                 REMOVE gsi1pk, gsi1sk, available_since",
            )
        };
        request.send().await.map(|_| ()).map_err(unavailable)
    }

    async fn available_agents(&self) -> Result<Vec<AvailableAgent>, StoreError> {
        self.query_index(AVAILABLE_AGENTS.into(), false, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    async fn put_contact(&self, contact: &Contact) -> Result<bool, StoreError> {
        let mut item = to_item(contact)?;
        item.insert("type".into(), s("contact"));
        item.extend(key(contact_pk(&contact.address), "CONTACT"));
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.attributes.is_none_or(|a| a.is_empty()))
    }

    async fn contacts(&self, addresses: &[String]) -> Result<Vec<Contact>, StoreError> {
        let mut unique: Vec<&String> = addresses.iter().collect();
        unique.sort();
        unique.dedup();
        self.batch_get(
            unique
                .iter()
                .map(|a| key(contact_pk(a), "CONTACT"))
                .collect(),
        )
        .await
    }

    async fn begin_notification(&self, key_: &str, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut item = key(notification_pk(key_), "NOTIFY");
        item.insert("type".into(), s("notification"));
        item.insert("published".into(), AttributeValue::Bool(false));
        item.insert(
            "expires_at".into(),
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
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                PutItemError::ConditionalCheckFailedException(_) => Ok(false),
                other => Err(unavailable(other)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn finish_notification(&self, key_: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(notification_pk(key_), "NOTIFY")))
            .update_expression("SET published = :yes")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }
}
