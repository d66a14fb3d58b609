//! erasure-worker from `events/`: an erasure's step from its SQS message, the daily retention
//! sweep from the schedule's input, a message that is not a task dropped, and a failed step
//! reported for SQS to deliver again.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use erasure_worker::{ErasureWorker, function_handler};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use whatsapp_channel::adapters::{InMemoryChannelStore, InMemoryMediaStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::ports::{
    CustomerStore, ErasedCounts, ErasureQueue, ErasureRecord, ErasureState, ErasureStore,
    MediaAccess, MediaFile, MediaStore, MediaStoreError, StoreError, WorkerTask,
};
use whatsapp_channel::testing::{event_text, inbound_params, new_sid, t0};

/// The erasure the event's message names.
const ERASURE: &str = "01a20a57-f1b0-7342-9a4c-552c53ee9bf3";
const CUSTOMER: &str = "whatsapp:+447700900123";

#[derive(Default)]
struct Queue(Mutex<Vec<WorkerTask>>);

#[async_trait]
impl ErasureQueue for Queue {
    async fn enqueue(&self, task: &WorkerTask, _delay: u32) -> Result<(), StoreError> {
        self.0.lock().unwrap().push(task.clone());
        Ok(())
    }
}

/// A bucket that never answers.
struct Down;

#[async_trait]
impl MediaStore for Down {
    async fn put(&self, _: &str, _: MediaFile) -> Result<(), MediaStoreError> {
        Err(MediaStoreError("down".into()))
    }
    async fn open(&self, _: &str) -> Result<Option<MediaAccess>, MediaStoreError> {
        Err(MediaStoreError("down".into()))
    }
    async fn read(&self, _: &str) -> Result<Option<MediaFile>, MediaStoreError> {
        Err(MediaStoreError("down".into()))
    }
    async fn delete_prefix(&self, _: &str) -> Result<u64, MediaStoreError> {
        Err(MediaStoreError("down".into()))
    }
}

fn event(name: &str) -> LambdaEvent<Value> {
    LambdaEvent::new(
        serde_json::from_str(&event_text(name)).unwrap(),
        Context::default(),
    )
}

/// A store where the customer wrote once and an administrator asked for the erasure.
async fn requested() -> Arc<InMemoryChannelStore> {
    let store = Arc::new(InMemoryChannelStore::new());
    let clock = ManualClock::at(t0());
    let message =
        InboundMessage::from_params(inbound_params(&new_sid(), CUSTOMER, "Where is my parcel?"))
            .unwrap();
    receive_inbound(store.as_ref(), &clock, &message)
        .await
        .unwrap();
    store
        .put_erasure(&ErasureRecord {
            id: ERASURE.into(),
            pseudonym: "hmac:00000000000000000000000000000000".into(),
            requested_by: "agent-alice".into(),
            requested_at: t0(),
            state: ErasureState::Running,
            steps: 0,
            passes: 0,
            counts: ErasedCounts::default(),
            updated_at: t0(),
            finished_at: None,
            expires_at: t0() + chrono::TimeDelta::days(400),
        })
        .await
        .unwrap();
    store
}

fn worker(store: Arc<InMemoryChannelStore>, queue: Arc<Queue>) -> ErasureWorker {
    ErasureWorker::new(store, queue, Arc::new(ManualClock::at(t0())))
        .with_media(Arc::new(InMemoryMediaStore::new()))
}

#[tokio::test]
async fn the_step_event_erases_the_customer_and_queues_the_final_sweep() {
    let store = requested().await;
    let queue = Arc::new(Queue::default());
    let state = worker(store.clone(), queue.clone());
    let answer = function_handler(&state, event("erasure-worker.erase-step"))
        .await
        .unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        Value::Array(vec![]),
        "{answer}"
    );
    assert!(
        store
            .customer_conversations(CUSTOMER, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let record = store.erasure(ERASURE).await.unwrap().unwrap();
    assert_eq!(record.counts.messages, 1);
    assert_eq!(record.passes, 1);
    let queued = std::mem::take(&mut *queue.0.lock().unwrap());
    let [WorkerTask::Erase(sweep)] = queued.as_slice() else {
        panic!("the final sweep queued: {queued:?}")
    };
    assert!(sweep.final_sweep);
    // The sweep's message, delivered: done.
    let mut delivered = event("erasure-worker.erase-step");
    delivered.payload["Records"][0]["body"] =
        serde_json::to_string(&WorkerTask::Erase(sweep.clone()))
            .unwrap()
            .into();
    function_handler(&state, delivered).await.unwrap();
    let record = store.erasure(ERASURE).await.unwrap().unwrap();
    assert_eq!(record.state, ErasureState::Done);
}

#[tokio::test]
async fn a_failed_step_is_reported_by_its_message_id_and_a_body_that_is_no_task_is_dropped() {
    let store = requested().await;
    let queue = Arc::new(Queue::default());
    let state = ErasureWorker::new(
        store.clone(),
        queue.clone(),
        Arc::new(ManualClock::at(t0())),
    )
    .with_media(Arc::new(Down));
    let answer = function_handler(&state, event("erasure-worker.erase-step"))
        .await
        .unwrap();
    assert_eq!(
        answer["batchItemFailures"][0]["itemIdentifier"],
        "9b1e7c3a-2d4f-4e8a-b6c1-5f0a3d7e2b91"
    );
    assert!(queue.0.lock().unwrap().is_empty());
    let mut garbled = event("erasure-worker.erase-step");
    garbled.payload["Records"][0]["body"] = "{\"not\":\"a task\"}".into();
    let answer = function_handler(&state, garbled).await.unwrap();
    assert_eq!(
        answer["batchItemFailures"],
        Value::Array(vec![]),
        "{answer}"
    );
}

#[tokio::test]
async fn the_schedule_event_runs_the_retention_sweep_and_keeps_everything_with_zero_days() {
    let store = requested().await;
    let queue = Arc::new(Queue::default());
    let keep = worker(store.clone(), queue.clone());
    let run = function_handler(&keep, event("erasure-worker.retention"))
        .await
        .unwrap();
    assert_eq!(run["expired"], 0, "{run}");
    assert_eq!(run["read"], 0, "zero days: nothing is read: {run}");
    // Thirty days, run on a clock 45 days past now: the conversation is due.
    let later = ManualClock::at(chrono::Utc::now() + chrono::TimeDelta::days(45));
    let expire = ErasureWorker::new(store.clone(), queue, Arc::new(later))
        .with_media(Arc::new(InMemoryMediaStore::new()))
        .with_retention_days(30);
    let run = function_handler(&expire, event("erasure-worker.retention"))
        .await
        .unwrap();
    assert_eq!(run["expired"], 1, "{run}");
    assert!(
        store
            .customer_conversations(CUSTOMER, 10)
            .await
            .unwrap()
            .is_empty()
    );
}
