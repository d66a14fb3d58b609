//! notify-agent's Assist metrics, from the records the embedded store's stream gives: a customer
//! text read as negative counts `NegativeSentiment` for its number, a positive one does not, and
//! a failing read counts `AssistErrors` without failing the record.

use std::sync::Arc;

use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler, to_event_record};
use tokio::sync::mpsc::UnboundedReceiver;
use whatsapp_channel::adapters::sentiment::LexiconScorer;
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock, RecordingNotifier};
use whatsapp_channel::app::assist::Assist;
use whatsapp_channel::app::assist::knowledge::Knowledge;
use whatsapp_channel::domain::sentiment::Sentiment;
use whatsapp_channel::domain::{ConversationId, InboundMessage};
use whatsapp_channel::metrics::{MemorySink, Metrics};
use whatsapp_channel::ports::{
    MessageRecord, ScoreError, SentimentScorer, SessionKey, SessionStore, SessionTouch,
    StreamChange,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

const BUSINESS: &str = "whatsapp:+14155238886";
const CUSTOMER: &str = "whatsapp:+447700900123";

struct Harness {
    store: Arc<InMemoryChannelStore>,
    changes: UnboundedReceiver<StreamChange>,
    sink: MemorySink,
    state: NotifyAgent,
    conversation: ConversationId,
}

async fn harness(scorer: Arc<dyn SentimentScorer>) -> Harness {
    let store = Arc::new(InMemoryChannelStore::new());
    let changes = store.stream();
    let sink = MemorySink::default();
    let state = NotifyAgent::new(
        store.clone(),
        Arc::new(RecordingNotifier::new()),
        Arc::new(ManualClock::at(t0())),
    )
    .with_metrics(Metrics::to(Arc::new(sink.clone()), "notify-agent"))
    .with_assist(Assist {
        scorer: Some(scorer),
        knowledge: Arc::new(Knowledge::new()),
    });
    let conversation = ConversationId::generate();
    let touch = SessionTouch {
        key: SessionKey::parse(BUSINESS, CUSTOMER).unwrap(),
        conversation_id: conversation.clone(),
        at: t0(),
        profile_name: Some("Test Customer".into()),
        preview: None,
        ad: None,
    };
    store.start_session(&touch, None).await.unwrap();
    Harness {
        store,
        changes,
        sink,
        state,
        conversation,
    }
}

impl Harness {
    /// The customer writes `text`; every change the store made since is handed to notify-agent.
    async fn customer_writes(&mut self, text: &str) -> usize {
        let inbound =
            InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, text)).unwrap();
        let record = MessageRecord::inbound(&inbound, &self.conversation, t0());
        self.store.put_inbound(&record).await.unwrap();
        let mut event = Event::default();
        let mut sequence = 0;
        while let Ok(change) = self.changes.try_recv() {
            sequence += 1;
            event.records.push(to_event_record(&change, sequence));
        }
        let response = function_handler(&self.state, LambdaEvent::new(event, Context::default()))
            .await
            .unwrap();
        response.batch_item_failures.len()
    }

    fn counted(&self, name: &str) -> Vec<serde_json::Value> {
        self.sink.named(name)
    }
}

#[tokio::test]
async fn a_negative_customer_text_counts_negative_sentiment_for_its_number() {
    let mut h = harness(Arc::new(LexiconScorer::warmed())).await;
    assert_eq!(
        h.customer_writes("This is terrible, I am furious, worst service ever")
            .await,
        0
    );
    let negative = h.counted("NegativeSentiment");
    assert_eq!(negative.len(), 1, "{:?}", h.sink.lines());
    // The dimension is the number without its `whatsapp:` scheme.
    assert_eq!(negative[0]["BusinessNumber"], "+14155238886");
    assert!(h.counted("AssistErrors").is_empty());
}

#[tokio::test]
async fn a_positive_customer_text_counts_no_negative_sentiment() {
    let mut h = harness(Arc::new(LexiconScorer::warmed())).await;
    h.customer_writes("Thank you so much, that was really helpful")
        .await;
    assert!(h.counted("NegativeSentiment").is_empty());
    assert!(h.counted("AssistErrors").is_empty());
}

/// Comprehend unavailable.
struct Unavailable;

#[async_trait::async_trait]
impl SentimentScorer for Unavailable {
    async fn score(&self, _text: &str) -> Result<Sentiment, ScoreError> {
        Err(ScoreError("Comprehend is unavailable".into()))
    }
}

#[tokio::test]
async fn a_failing_read_counts_assist_errors_and_the_record_still_succeeds() {
    let mut h = harness(Arc::new(Unavailable)).await;
    assert_eq!(
        h.customer_writes("This is terrible, I am furious, worst service ever")
            .await,
        0,
        "no record is retried for Assist"
    );
    assert_eq!(h.counted("AssistErrors").len(), 1, "{:?}", h.sink.lines());
    assert!(h.counted("NegativeSentiment").is_empty());
}
