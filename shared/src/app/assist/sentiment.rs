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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeDelta;

    use super::*;
    use crate::adapters::sentiment::LexiconScorer;
    use crate::adapters::{InMemoryChannelStore, RecordingNotifier};
    use crate::domain::InboundMessage;
    use crate::ports::{ConversationStore, SessionKey, SessionStore, SessionTouch};

    fn t0() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// A customer's text as Twilio posts it, with its own sid.
    fn inbound(i: usize, from: &str, text: &str) -> InboundMessage {
        let sid = format!("SM{i:032x}");
        let params = [
            ("MessageSid", sid.as_str()),
            ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            ("From", from),
            ("To", "whatsapp:+14155238886"),
            ("Body", text),
            ("NumMedia", "0"),
            ("MessageType", "text"),
        ];
        InboundMessage::from_params(
            params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
        .unwrap()
    }

    const TEXTS: [&str; 3] = [
        "This is terrible, I am furious, worst service ever",
        "I ordered it on Monday",
        "Thank you so much, that was really helpful",
    ];

    /// A conversation whose customer wrote `TEXTS` a minute apart, none read yet.
    async fn conversation() -> (
        Arc<InMemoryChannelStore>,
        ConversationId,
        Vec<MessageRecord>,
    ) {
        let store = Arc::new(InMemoryChannelStore::new());
        let id = ConversationId::generate();
        let customer = "whatsapp:+447700900123";
        let touch = SessionTouch {
            key: SessionKey::parse("whatsapp:+14155238886", customer).unwrap(),
            conversation_id: id.clone(),
            at: t0(),
            profile_name: None,
            preview: None,
            ad: None,
        };
        store.start_session(&touch, None).await.unwrap();
        let mut messages = Vec::new();
        for (i, text) in TEXTS.iter().enumerate() {
            let at = t0() + TimeDelta::minutes(i as i64);
            let message = MessageRecord::inbound(&inbound(i + 1, customer, text), &id, at);
            store.put_inbound(&message).await.unwrap();
            messages.push(message);
        }
        (store, id, messages)
    }

    async fn read_in(order: [usize; 3]) -> (Sentiment, Option<SentimentTrend>) {
        let (store, id, messages) = conversation().await;
        let notifier = RecordingNotifier::new();
        for i in order {
            read_message(store.as_ref(), &LexiconScorer, &notifier, &messages[i])
                .await
                .unwrap()
                .expect("the message and its conversation stand");
        }
        let conversation = store.conversation(&id).await.unwrap().unwrap();
        (
            conversation.sentiment.unwrap(),
            conversation.sentiment_trend,
        )
    }

    #[tokio::test]
    async fn records_read_out_of_order_end_with_the_sentiment_read_in_order() {
        let in_order = read_in([0, 1, 2]).await;
        // Furious, then plain, then thankful: both moods in the window, and getting better.
        assert_eq!(in_order.0.label, SentimentLabel::Mixed, "{in_order:?}");
        assert_eq!(in_order.1, Some(SentimentTrend::Improving));
        for order in [[2, 0, 1], [1, 2, 0], [2, 1, 0]] {
            assert_eq!(read_in(order).await, in_order, "read in order {order:?}");
        }
    }

    #[tokio::test]
    async fn a_late_reading_of_an_erased_message_writes_nothing_back() {
        let (store, id, messages) = conversation().await;
        let notifier = RecordingNotifier::new();
        // The message's item is gone (erased) when its record is read.
        let erased = MessageRecord {
            id: "SMdeadbeefdeadbeefdeadbeefdeadbeef".into(),
            ..messages[0].clone()
        };
        let scored = read_message(store.as_ref(), &LexiconScorer, &notifier, &erased)
            .await
            .unwrap();
        assert!(scored.is_none());
        let sid = crate::domain::MessageSid::parse(&erased.id).unwrap();
        assert!(store.message(&sid).await.unwrap().is_none());
        assert!(
            store
                .conversation(&id)
                .await
                .unwrap()
                .unwrap()
                .sentiment
                .is_none()
        );
        assert!(notifier.pushed_live().is_empty());
    }
}
