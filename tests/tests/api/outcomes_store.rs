//! Outcomes' conditional writes on both stores (DynamoDB Local and the embedded twin): the CSAT
//! survey goes once when the close's stream record is delivered again, a second answer keeps the
//! first score, and a wrap-up hold written after the outcome is refused.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use whatsapp_channel::app::outcomes::csat::{
    CsatSending, CsatSettings, SURVEY_AUTHOR, survey_on_close,
};
use whatsapp_channel::app::outcomes::hold_for_wrap_up;
use whatsapp_channel::app::reply::ReplySettings;
use whatsapp_channel::domain::{ConversationId, MessageStatus};
use whatsapp_channel::ports::{
    AcceptResult, ChangeKind, ChannelStore, CloseResult, OutboundRequest, OutcomeRecord,
    OutcomeResult, ReplySender, SendError, SentMessage, StoredItem, StreamChange, WrapUpHold,
};
use whatsapp_channel::testing::{new_sid, t0};

use crate::helpers::{Webhook, stores};

const CUSTOMER: &str = "whatsapp:+447700900321";
const CSAT_SID: &str = "HXa1b2c3d4e5f60718293a4b5c6d7e8f90";

/// Twilio, as the messages it was asked to send.
#[derive(Default)]
struct Twilio(Mutex<Vec<OutboundRequest>>);

impl Twilio {
    fn sent(&self) -> Vec<OutboundRequest> {
        self.0.lock().unwrap().clone()
    }
}

#[async_trait]
impl ReplySender for Twilio {
    async fn send(&self, request: &OutboundRequest) -> Result<SentMessage, SendError> {
        self.0.lock().unwrap().push(request.clone());
        Ok(SentMessage {
            sid: new_sid(),
            status: MessageStatus::Queued,
        })
    }
}

/// A customer's request accepted by alice: its id.
async fn accepted(store: &Arc<dyn ChannelStore>, webhook: &Webhook) -> ConversationId {
    assert_eq!(
        webhook
            .text(&new_sid(), CUSTOMER, "Where is my parcel?")
            .await,
        200
    );
    let id = store.customer_conversations(CUSTOMER, 1).await.unwrap()[0]
        .id
        .clone();
    let id = ConversationId::parse(&id).unwrap();
    assert!(matches!(
        store.accept(&id, "alice", true, t0()).await.unwrap(),
        AcceptResult::Accepted(_)
    ));
    id
}

/// The close's stream record: the conversation as it stood before and after.
async fn closed_by_alice(store: &Arc<dyn ChannelStore>, id: &ConversationId) -> StreamChange {
    let old = store.conversation(id).await.unwrap().unwrap();
    assert!(matches!(
        store.close(id, "alice", t0()).await.unwrap(),
        CloseResult::Closed(_)
    ));
    let new = store.conversation(id).await.unwrap().unwrap();
    StreamChange {
        id: format!("close-{id}"),
        kind: ChangeKind::Modify,
        old: Some(StoredItem::Conversation(old)),
        new: Some(StoredItem::Conversation(new)),
        by_ttl: None,
    }
}

/// notify-agent's CSAT step for `change` (a close), sending through `twilio`: whether it sent.
async fn survey(
    store: &Arc<dyn ChannelStore>,
    webhook: &Webhook,
    twilio: &Twilio,
    change: &StreamChange,
) -> bool {
    let settings = CsatSettings {
        content_sid: CSAT_SID.into(),
        wait: chrono::TimeDelta::minutes(60),
    };
    let reply = ReplySettings {
        status_callback: "https://example.com/twilio/status".into(),
    };
    let sending = CsatSending {
        settings: &settings,
        sender: twilio,
        reply: &reply,
        templates: None,
    };
    survey_on_close(store.as_ref(), webhook.clock.as_ref(), &sending, change)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_survey_goes_once_when_the_closes_record_is_delivered_again_on_both_stores() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let id = accepted(&store, &webhook).await;
        let change = closed_by_alice(&store, &id).await;
        let twilio = Twilio::default();
        let first = survey(&store, &webhook, &twilio, &change).await;
        assert!(first, "{name}: sent at the close");
        // The same record again (its image still says no survey went): the store's condition
        // keeps it to one.
        let again = survey(&store, &webhook, &twilio, &change).await;
        assert!(!again, "{name}: not sent again");
        let sent = twilio.sent();
        assert_eq!(sent.len(), 1, "{name}: {sent:?}");
        assert_eq!(sent[0].to, CUSTOMER);
        let surveys = store
            .conversation_messages(&id)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.agent_id.as_deref() == Some(SURVEY_AUTHOR))
            .count();
        assert_eq!(surveys, 1, "{name}: one survey in the transcript");
        let conversation = store.conversation(&id).await.unwrap().unwrap();
        assert_eq!(conversation.csat_sent_at, Some(t0()), "{name}");
    }
}

#[tokio::test]
async fn a_second_csat_answer_keeps_the_first_score_on_both_stores() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let id = accepted(&store, &webhook).await;
        let change = closed_by_alice(&store, &id).await;
        let twilio = Twilio::default();
        assert!(survey(&store, &webhook, &twilio, &change).await, "{name}");

        webhook.clock.advance(chrono::TimeDelta::minutes(1));
        assert_eq!(webhook.text(&new_sid(), CUSTOMER, "5").await, 200);
        webhook.clock.advance(chrono::TimeDelta::minutes(1));
        assert_eq!(webhook.text(&new_sid(), CUSTOMER, "2").await, 200);

        let conversation = store.conversation(&id).await.unwrap().unwrap();
        let csat = conversation.csat.expect("the first answer is stored");
        assert_eq!(csat.score, 5, "{name}: the first answer's score");
        assert_eq!(csat.at, t0() + chrono::TimeDelta::minutes(1), "{name}");
        // Both answers are in the closed conversation; neither opened a new one.
        let answers: Vec<String> = store
            .conversation_messages(&id)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| m.body)
            .filter(|b| b == "5" || b == "2")
            .collect();
        assert_eq!(answers, ["5", "2"], "{name}");
        let newest = store.customer_conversations(CUSTOMER, 1).await.unwrap();
        assert_eq!(newest[0].id, id.as_str(), "{name}: no new conversation");
    }
}

#[tokio::test]
async fn an_outcome_recorded_before_the_hold_is_written_leaves_no_hold_on_both_stores() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let id = accepted(&store, &webhook).await;
        closed_by_alice(&store, &id).await;
        let hold = WrapUpHold {
            agent_id: "alice".into(),
            conversation_id: id.as_str().to_owned(),
            until: t0() + chrono::TimeDelta::seconds(60),
        };
        // What the close's caller read: closed, the outcome still out.
        let read = store.conversation(&id).await.unwrap().unwrap();
        assert!(read.outcome.is_none(), "{name}");
        // The hold is written while the outcome is out.
        assert!(store.hold_wrap_up(&hold).await.unwrap(), "{name}");
        assert_eq!(
            store.agent("alice").await.unwrap().wrap_ups,
            std::slice::from_ref(&hold),
            "{name}"
        );
        assert!(store.release_wrap_up("alice", id.as_str()).await.unwrap());

        // The outcome is sent between the read and the hold's write: its release finds no hold.
        let outcome = OutcomeRecord {
            disposition: "resolved".into(),
            label: "Resolved".into(),
            summary: None,
            recorded_by: "alice".into(),
            recorded_at: t0(),
        };
        assert_eq!(
            store.record_outcome(&read, &outcome, None).await.unwrap(),
            OutcomeResult::Recorded,
            "{name}"
        );
        assert!(!store.release_wrap_up("alice", id.as_str()).await.unwrap());
        // The late write is refused: nothing holds alice until the hold's timer.
        assert!(!store.hold_wrap_up(&hold).await.unwrap(), "{name}");
        let alice = store.agent("alice").await.unwrap();
        assert!(alice.wrap_ups.is_empty(), "{name}: {alice:?}");
        // And the use case, run again (the stream's redelivery), holds nothing either.
        let held = hold_for_wrap_up(store.as_ref(), &id, chrono::TimeDelta::seconds(60))
            .await
            .unwrap();
        assert_eq!(held, None, "{name}");
        assert!(store.agent("alice").await.unwrap().wrap_ups.is_empty());
    }
}
