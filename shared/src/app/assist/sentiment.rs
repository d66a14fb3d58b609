//! The customer's sentiment, read off the webhook's path: each new customer text is scored
//! from the table's stream, stored on the message, and the conversation's rolling score is
//! computed again from its latest customer messages as stored (stream records of different
//! shards arrive in any order, so the last reading is never trusted alone). Each write is
//! conditional on its item still existing, so a late record never brings an erased message
//! back. The conversation's agent sees it live (`conversation.sentiment`); a turn to negative
//! is told to them and supervisors by the conversation's own change (see `notify`).

use serde_json::json;

use crate::domain::sentiment::{
    MESSAGES_READ, Sentiment, SentimentLabel, SentimentTrend, rolling, trend,
};
use crate::domain::{ConversationId, ConversationState};
use crate::ports::{
    AgentNotifier, ChangeKind, ChannelStore, ConversationRecord, Direction, MessageRecord,
    Notification, ScoreError, SentimentScorer, StoreError, StoredItem, StreamChange,
};

/// Why a record's assist could not be done; the record is retried.
#[derive(Debug, thiserror::Error)]
pub enum AssistError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Score(#[from] ScoreError),
}

/// A customer text just stored: the only change assist reads. Reactions are not read.
pub fn new_customer_text(change: &StreamChange) -> Option<&MessageRecord> {
    let (ChangeKind::Insert, Some(StoredItem::Message(message))) = (change.kind, &change.new)
    else {
        return None;
    };
    let reaction = message
        .params
        .iter()
        .any(|(n, v)| n == "MessageType" && v.trim().eq_ignore_ascii_case("reaction"));
    (message.direction == Direction::Inbound
        && !reaction
        && message
            .body
            .as_deref()
            .is_some_and(|b| !b.trim().is_empty()))
    .then_some(&**message)
}

/// What reading one message found.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    pub business: String,
    /// The message itself read negative.
    pub negative: bool,
    pub message: Sentiment,
    pub conversation: Sentiment,
    pub trend: SentimentTrend,
}

/// Scores `message`, stores it and the conversation's rolling sentiment, and pushes both to
/// whoever holds the conversation. `None` when the message or conversation is gone.
pub async fn read_message(
    store: &dyn ChannelStore,
    scorer: &dyn SentimentScorer,
    notifier: &dyn AgentNotifier,
    message: &MessageRecord,
) -> Result<Option<Scored>, AssistError> {
    let Some(text) = message.body.as_deref() else {
        return Ok(None);
    };
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(None);
    };
    let reading = scorer.score(text).await?;
    if !store.set_message_sentiment(&message.id, &reading).await? {
        return Ok(None);
    }
    let (sentiment, trend) = conversation_sentiment(store, &id, message, &reading).await?;
    if !store
        .set_conversation_sentiment(&id, &sentiment, trend)
        .await?
    {
        return Ok(None);
    }
    let Some(conversation) = store.conversation(&id).await? else {
        return Ok(None);
    };
    let scored = Scored {
        business: conversation.business.clone(),
        negative: reading.label == SentimentLabel::Negative,
        message: reading,
        conversation: sentiment,
        trend,
    };
    let agents = holders(store, &conversation).await?;
    notifier
        .push_live(&sentiment_frame(
            &conversation,
            &message.id,
            &scored,
            agents,
        ))
        .await;
    Ok(Some(scored))
}

/// The rolling sentiment over the conversation's latest customer messages as stored, with
/// `message`'s fresh reading in its place (the index may not show it yet).
async fn conversation_sentiment(
    store: &dyn ChannelStore,
    id: &ConversationId,
    message: &MessageRecord,
    reading: &Sentiment,
) -> Result<(Sentiment, SentimentTrend), StoreError> {
    // A few more than needed: some of the latest may have no text (a photo) to read.
    let mut latest = store.latest_inbound(id, MESSAGES_READ + 4).await?;
    if !latest.iter().any(|m| m.id == message.id) {
        latest.push(message.clone());
    }
    latest.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let readings: Vec<Sentiment> = latest
        .iter()
        .filter_map(|m| {
            if m.id == message.id {
                Some(reading.clone())
            } else {
                m.sentiment.clone()
            }
        })
        // A message read in no language (`reason`) says nothing about the customer's mood.
        .filter(|s| s.reason.is_none())
        .take(MESSAGES_READ)
        .collect();
    let now = rolling(&readings).unwrap_or_else(|| Sentiment::new(SentimentLabel::Neutral, 0.0));
    Ok((now.bare(), trend(&readings)))
}

/// Who sees a conversation's sentiment live: its agent, the agent it is offered to, or, for a
/// request broadcast to every available agent, those agents.
pub(super) async fn holders(
    store: &dyn ChannelStore,
    conversation: &ConversationRecord,
) -> Result<Vec<String>, StoreError> {
    if let Some(agent) = conversation
        .assigned_agent
        .clone()
        .or_else(|| conversation.offered_to.clone())
    {
        return Ok(vec![agent]);
    }
    if conversation.state != ConversationState::Requested {
        return Ok(Vec::new());
    }
    Ok(store
        .available_agents()
        .await?
        .into_iter()
        .map(|a| a.agent_id)
        .collect())
}

fn sentiment_frame(
    conversation: &ConversationRecord,
    message_id: &str,
    scored: &Scored,
    agents: Vec<String>,
) -> Notification {
    Notification {
        event_type: "conversation.sentiment".into(),
        business_number: conversation.business.clone(),
        agent_ids: agents,
        supervisors: true,
        authenticated: false,
        body: json!({
            "event_type": "conversation.sentiment",
            "conversation_id": conversation.id,
            "business_number": conversation.business,
            "message_id": message_id,
            "message_sentiment": scored.message,
            "sentiment": scored.conversation,
            "sentiment_trend": scored.trend,
        }),
    }
}
