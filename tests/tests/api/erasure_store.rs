//! The erasure's steps and the retention sweep on both stores (DynamoDB Local and the embedded
//! twin): paged through a customer of 210 messages, a crash injected mid-way and finished by the
//! redelivered step, erasing twice harmless, the stream's late writes refused, and retention
//! erasing what is due while a legal hold and a recent close keep theirs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use whatsapp_channel::adapters::InMemoryMediaStore;
use whatsapp_channel::app::privacy::audit::Auditor;
use whatsapp_channel::app::privacy::erasure::{Eraser, StepOutcome, request_erasure, run_step};
use whatsapp_channel::app::privacy::retention::sweep;
use whatsapp_channel::domain::privacy::PrivacyKey;
use whatsapp_channel::domain::search::terms;
use whatsapp_channel::domain::{ConversationId, WhatsAppAddress, WindowWarnings, minute_of};
use whatsapp_channel::ports::{
    ChannelStore, Clock, Contact, ErasureQueue, ErasureState, LegalHold, MediaFile, MediaStore,
    MediaStoreError, RetentionJob, SessionKey, StoreError, TermEntry, TermQuery, WorkerTask,
};
use whatsapp_channel::testing::{new_sid, t0};

use crate::helpers::{Webhook, stores};

const BUSINESS: &str = "whatsapp:+14155238886";

/// The queue, as a list the test runs by hand.
#[derive(Default)]
struct Queue(Mutex<Vec<WorkerTask>>);

impl Queue {
    fn take(&self) -> Vec<WorkerTask> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[async_trait]
impl ErasureQueue for Queue {
    async fn enqueue(&self, task: &WorkerTask, _delay: u32) -> Result<(), StoreError> {
        self.0.lock().unwrap().push(task.clone());
        Ok(())
    }
}

/// Media whose first delete fails: the crash, mid-erasure.
#[derive(Default)]
struct CrashingMedia {
    inner: InMemoryMediaStore,
    crashed: AtomicBool,
}

#[async_trait]
impl MediaStore for CrashingMedia {
    async fn put(&self, key: &str, file: MediaFile) -> Result<(), MediaStoreError> {
        self.inner.put(key, file).await
    }
    async fn open(
        &self,
        key: &str,
    ) -> Result<Option<whatsapp_channel::ports::MediaAccess>, MediaStoreError> {
        self.inner.open(key).await
    }
    async fn read(&self, key: &str) -> Result<Option<MediaFile>, MediaStoreError> {
        self.inner.read(key).await
    }
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, MediaStoreError> {
        if !self.crashed.swap(true, Ordering::SeqCst) {
            return Err(MediaStoreError("the process died here".into()));
        }
        self.inner.delete_prefix(prefix).await
    }
}

fn auditor() -> Auditor {
    Auditor::new(PrivacyKey::new(vec![7; 32]).unwrap(), 400)
}

/// `count` texts from `customer`, each indexed for search as the stream indexes it; the
/// window's warnings filed for the last one. Returns the conversation.
async fn a_customer_with_messages(
    store: &Arc<dyn ChannelStore>,
    webhook: &Webhook,
    customer: &str,
    count: usize,
) -> ConversationId {
    for i in 0..count {
        webhook.clock.advance(TimeDelta::seconds(1));
        let sid = new_sid();
        webhook
            .text(&sid, customer, &format!("quince parcel {i} lost"))
            .await;
        let message = store
            .message(&whatsapp_channel::domain::MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap();
        let entries: Vec<TermEntry> = terms(message.body.as_deref().unwrap())
            .into_iter()
            .map(|term| TermEntry {
                term,
                message_id: sid.clone(),
                conversation_id: message.conversation_id.clone(),
                customer: customer.to_owned(),
                created_at: message.created_at,
            })
            .collect();
        store.index_terms(&entries).await.unwrap();
    }
    let key = SessionKey::parse(BUSINESS, customer).unwrap();
    let session = store.session(&key).await.unwrap().unwrap();
    let due = whatsapp_channel::app::deadline::deadlines(&session, &WindowWarnings::default());
    store.arm(&due).await.unwrap();
    ConversationId::parse(&session.conversation_id).unwrap()
}

async fn quince(store: &dyn ChannelStore, customer: Option<&str>) -> usize {
    store
        .search_term(
            &TermQuery {
                term: "quince".into(),
                customer: customer.map(str::to_owned),
                from: None,
                to: None,
                before: None,
            },
            1000,
        )
        .await
        .unwrap()
        .entries
        .len()
}

/// The one erasure step queued.
fn only_step(queue: &Queue) -> whatsapp_channel::ports::ErasureJob {
    let tasks = queue.take();
    match tasks.as_slice() {
        [WorkerTask::Erase(job)] => job.clone(),
        other => panic!("one erasure step queued, not {other:?}"),
    }
}

/// Runs queued tasks until the queue is empty; the outcomes.
async fn drain(eraser: &Eraser<'_>, queue: &Queue) -> Vec<StepOutcome> {
    let mut outcomes = Vec::new();
    for _ in 0..20 {
        let tasks = queue.take();
        if tasks.is_empty() {
            return outcomes;
        }
        for task in tasks {
            let WorkerTask::Erase(job) = task else {
                panic!("not an erasure")
            };
            outcomes.push(run_step(eraser, &job, Utc::now()).await.unwrap());
        }
    }
    panic!("the erasure never ended: {outcomes:?}");
}

#[tokio::test]
async fn a_crash_mid_erasure_is_finished_by_the_redelivered_step_on_both_stores() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let customer = "whatsapp:+447700900555";
        let other = "whatsapp:+447700900556";
        let conversation = a_customer_with_messages(&store, &webhook, customer, 210).await;
        a_customer_with_messages(&store, &webhook, other, 2).await;
        store
            .put_contact(&Contact {
                address: customer.into(),
                name: "Quentin".into(),
                contact_id: "c-1".into(),
                summary: Default::default(),
            })
            .await
            .unwrap();
        let media = CrashingMedia::default();
        let upload = format!("uploads/{}/label", conversation.as_str());
        media
            .put(
                &upload,
                MediaFile {
                    content_type: "image/png".into(),
                    bytes: vec![1, 2, 3],
                },
            )
            .await
            .unwrap();
        // Exports kept for download: the conversation's and the customer's (by pseudonym).
        let exports = [
            format!(
                "exports/{}/0196a0c88f2e7b1a9c3d1e2f3a4b5c6d.html",
                conversation.as_str()
            ),
            format!(
                "exports/customers/{}/0196a0c88f2e7b1a9c3d1e2f3a4b5c6d.json",
                auditor().pseudonym(customer)
            ),
        ];
        for key in &exports {
            let file = MediaFile {
                content_type: "application/json".into(),
                bytes: b"{}".to_vec(),
            };
            media.put(key, file).await.unwrap();
        }
        assert_eq!(quince(store.as_ref(), Some(customer)).await, 210, "{name}");
        let queue = Queue::default();
        let warnings = WindowWarnings::default();
        let eraser = Eraser {
            store: store.as_ref(),
            media: Some(&media),
            queue: &queue,
            warnings: &warnings,
            twilio: None,
            budget: Duration::ZERO,
        };
        let address = WhatsAppAddress::parse(customer).unwrap();
        let record = request_erasure(
            store.as_ref(),
            &queue,
            &auditor(),
            &address,
            "sam",
            webhook.clock.now(),
        )
        .await
        .unwrap();
        // The first step: out of time after one page of 200.
        let job = only_step(&queue);
        assert_eq!(
            run_step(&eraser, &job, Utc::now()).await.unwrap(),
            StepOutcome::More,
            "{name}"
        );
        let after_one = store.erasure(&record.id).await.unwrap().unwrap();
        assert_eq!(after_one.counts.messages, 200, "{name}");
        assert_eq!(quince(store.as_ref(), Some(customer)).await, 10, "{name}");
        // The second, with time enough: the last 10 messages go, then the media store dies.
        let wide = Eraser {
            budget: Duration::from_secs(60),
            ..eraser
        };
        let job = only_step(&queue);
        assert!(run_step(&wide, &job, Utc::now()).await.is_err(), "{name}");
        assert!(
            queue.take().is_empty(),
            "a failed step queues nothing: SQS redelivers it"
        );
        assert_eq!(quince(store.as_ref(), Some(customer)).await, 0, "{name}");
        assert!(store.conversation(&conversation).await.unwrap().is_some());
        // The redelivery finishes it; then the final sweep.
        assert_eq!(
            run_step(&wide, &job, Utc::now()).await.unwrap(),
            StepOutcome::Sweep,
            "{name}"
        );
        assert_eq!(drain(&wide, &queue).await, [StepOutcome::Done], "{name}");
        let done = store.erasure(&record.id).await.unwrap().unwrap();
        assert_eq!(done.state, ErasureState::Done, "{name}");
        assert_eq!(done.counts.messages, 210, "{name}: {done:?}");
        assert_eq!(done.counts.conversations, 1, "{name}");
        assert_eq!(done.counts.contact, 1, "{name}");
        assert_eq!(done.counts.media, 3, "{name}: the upload and two exports");
        assert_eq!(done.counts.sessions, 1, "{name}");
        assert!(done.counts.deadlines >= 2, "{name}");
        assert_eq!(done.passes, 2, "{name}");
        assert!(done.pseudonym.starts_with("hmac:"));
        assert!(!format!("{done:?}").contains("900555"), "{name}");
        assert!(media.inner.get(&upload).is_none(), "{name}");
        for key in &exports {
            assert!(media.inner.get(key).is_none(), "{name}: {key}");
        }
        assert!(store.conversation(&conversation).await.unwrap().is_none());
        assert!(
            store
                .customer_conversations(customer, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .contacts(&[customer.to_owned()])
                .await
                .unwrap()
                .is_empty()
        );
        let key = SessionKey::parse(BUSINESS, customer).unwrap();
        assert!(store.session(&key).await.unwrap().is_none(), "{name}");
        // The other customer keeps everything.
        assert_eq!(quince(store.as_ref(), Some(other)).await, 2, "{name}");

        // The stream's late writes for what is gone are refused: no posting, no warning.
        let late = TermEntry {
            term: "quince".into(),
            message_id: new_sid(),
            conversation_id: conversation.as_str().to_owned(),
            customer: customer.into(),
            created_at: webhook.clock.now(),
        };
        store.index_terms(&[late]).await.unwrap();
        assert_eq!(quince(store.as_ref(), Some(customer)).await, 0, "{name}");
        let due_at = webhook.clock.now() + TimeDelta::hours(22);
        let warning = whatsapp_channel::ports::Deadline {
            conversation_id: conversation.as_str().to_owned(),
            business: BUSINESS.into(),
            customer: customer.into(),
            last_inbound_at: webhook.clock.now(),
            warning: "2h".into(),
            due_at,
        };
        store.arm(&[warning]).await.unwrap();
        assert!(
            store
                .due_in(minute_of(due_at))
                .await
                .unwrap()
                .iter()
                .all(|d| d.customer != customer),
            "{name}"
        );

        // Erasing twice: the finished erasure's message again does nothing, and a new request
        // finds nothing and says so.
        assert_eq!(
            run_step(&wide, &job, Utc::now()).await.unwrap(),
            StepOutcome::Nothing
        );
        let again = request_erasure(
            store.as_ref(),
            &queue,
            &auditor(),
            &address,
            "sam",
            webhook.clock.now(),
        )
        .await
        .unwrap();
        drain(&wide, &queue).await;
        let again = store.erasure(&again.id).await.unwrap().unwrap();
        assert_eq!(again.state, ErasureState::Done);
        assert_eq!(again.counts, Default::default(), "{name}");
        assert_eq!(again.pseudonym, done.pseudonym);
    }
}

#[tokio::test]
async fn a_held_customer_is_neither_erased_nor_expired_on_both_stores() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let held = "whatsapp:+447700900561";
        let due = "whatsapp:+447700900562";
        let recent = "whatsapp:+447700900563";
        let open = "whatsapp:+447700900564";
        let mut ids = Vec::new();
        for customer in [held, due, recent, open] {
            ids.push(a_customer_with_messages(&store, &webhook, customer, 2).await);
        }
        let far = Utc::now() + TimeDelta::days(20);
        for (id, at) in [(&ids[0], t0()), (&ids[1], t0()), (&ids[2], far)] {
            store.accept(id, "alice", true, at).await.unwrap();
            store.close(id, "alice", at).await.unwrap();
        }
        store
            .set_legal_hold(
                held,
                Some(&LegalHold {
                    address: held.into(),
                    set_by: "sam".into(),
                    set_at: t0(),
                }),
            )
            .await
            .unwrap();
        let queue = Queue::default();
        let address = WhatsAppAddress::parse(held).unwrap();
        let refused = request_erasure(store.as_ref(), &queue, &auditor(), &address, "sam", t0())
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("legal hold"), "{name}");
        assert!(queue.take().is_empty());

        // Thirty days' retention, run 45 days from now: due are the conversation closed at t0
        // and the one nobody closed (its last message at t0); the held customer's and the one
        // closed 20 days from now stay.
        let warnings = WindowWarnings::default();
        let media = InMemoryMediaStore::new();
        let eraser = Eraser {
            store: store.as_ref(),
            media: Some(&media),
            queue: &queue,
            warnings: &warnings,
            twilio: None,
            budget: Duration::from_secs(60),
        };
        let now = Utc::now() + TimeDelta::days(45);
        let run = sweep(&eraser, 30, &RetentionJob::default(), now)
            .await
            .unwrap();
        assert_eq!((run.expired, run.held), (2, 1), "{name}: {run:?}");
        assert_eq!(run.counts.messages, 4, "{name}");
        let mut kept = Vec::new();
        for id in &ids {
            kept.push(store.conversation(id).await.unwrap().is_some());
        }
        assert_eq!(kept, [true, false, true, false], "{name}");
        assert_eq!(quince(store.as_ref(), Some(held)).await, 2, "{name}");
        assert_eq!(quince(store.as_ref(), Some(due)).await, 0, "{name}");
        assert_eq!(quince(store.as_ref(), Some(recent)).await, 2, "{name}");
        // Retention keeps the directory: a later conversation's session is not its business.
        assert!(queue.take().is_empty());
        // Zero days: keep forever.
        let run = sweep(&eraser, 0, &RetentionJob::default(), now)
            .await
            .unwrap();
        assert_eq!(run.read, 0);
    }
}
