//! erasure-worker: erases customers a step at a time, and expires conversations past
//! `RETENTION_DAYS`. Its input is an SQS queue (each message one [`WorkerTask`]: an erasure's
//! step, or a page of the retention sweep) and, once a day, the schedule's `{"retention":{}}`.
//!
//! Each step works for a bounded time (`ERASURE_STEP_SECONDS`, 120 by default, well inside
//! the function's timeout) and queues the next, so an erasure of any size is a chain of short
//! invocations; a step that fails is reported (`ReportBatchItemFailures`) and SQS delivers it
//! again, and since every step reads what is left from the table, a redelivery resumes where
//! the crash left off. Logs name an erasure by its id, never the customer.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent};
use serde_json::{Value, json};
use whatsapp_channel::app::privacy::erasure::{Eraser, StepOutcome, TwilioEraser, run_step};
use whatsapp_channel::app::privacy::retention::sweep;
use whatsapp_channel::domain::WindowWarnings;
use whatsapp_channel::logging::chain;
use whatsapp_channel::metrics::{Metric, Metrics};
use whatsapp_channel::ports::{ChannelStore, Clock, ErasureQueue, MediaStore, WorkerTask};

/// How long a step works before it queues the next, by default.
pub const DEFAULT_STEP: Duration = Duration::from_secs(120);

/// Everything the handler needs, built once per cold start.
pub struct ErasureWorker {
    store: Arc<dyn ChannelStore>,
    queue: Arc<dyn ErasureQueue>,
    clock: Arc<dyn Clock>,
    media: Option<Arc<dyn MediaStore>>,
    twilio: Option<Arc<dyn TwilioEraser>>,
    warnings: WindowWarnings,
    retention_days: u32,
    step: Duration,
    metrics: Metrics,
}

impl ErasureWorker {
    pub fn new(
        store: Arc<dyn ChannelStore>,
        queue: Arc<dyn ErasureQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            queue,
            clock,
            media: None,
            twilio: None,
            warnings: WindowWarnings::default(),
            retention_days: 0,
            step: DEFAULT_STEP,
            metrics: Metrics::disabled(),
        }
    }

    /// The media bucket, whose objects of each conversation are erased with it.
    pub fn with_media(mut self, media: Arc<dyn MediaStore>) -> Self {
        self.media = Some(media);
        self
    }

    /// `ERASE_AT_TWILIO=on`: each message is deleted at Twilio before it is erased here.
    pub fn with_twilio(mut self, twilio: Arc<dyn TwilioEraser>) -> Self {
        self.twilio = Some(twilio);
        self
    }

    /// `WINDOW_WARNINGS`: the warnings whose items an erasure must find.
    pub fn with_warnings(mut self, warnings: WindowWarnings) -> Self {
        self.warnings = warnings;
        self
    }

    /// `RETENTION_DAYS` (0: the sweep does nothing).
    pub fn with_retention_days(mut self, days: u32) -> Self {
        self.retention_days = days;
        self
    }

    /// How long one step works (tests make it short to see a step run out of time).
    pub fn with_step(mut self, step: Duration) -> Self {
        self.step = step;
        self
    }

    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    fn eraser(&self) -> Eraser<'_> {
        Eraser {
            store: self.store.as_ref(),
            media: self.media.as_deref(),
            queue: self.queue.as_ref(),
            warnings: &self.warnings,
            twilio: self.twilio.as_deref(),
            budget: self.step,
        }
    }
}

/// Runs one task; its summary for the log (and the schedule's invocation result).
pub async fn run_task(state: &ErasureWorker, task: &WorkerTask) -> Result<Value, Error> {
    let now = state.clock.now();
    match task {
        WorkerTask::Erase(job) => {
            let outcome = run_step(&state.eraser(), job, now).await.inspect_err(|e| {
                state.metrics.emit(Metric::count("ErasureFailures"));
                tracing::error!(error = %chain(e), erasure_id = %job.erasure_id, "erasure step failed; reported for retry");
            })?;
            let word = match outcome {
                StepOutcome::More => "more",
                StepOutcome::Sweep => "final sweep queued",
                StepOutcome::Done => "done",
                StepOutcome::Held => "stopped: legal hold",
                StepOutcome::Nothing => "nothing to do",
            };
            if outcome == StepOutcome::Done {
                state.metrics.emit(Metric::count("ErasuresCompleted"));
            }
            tracing::info!(erasure_id = %job.erasure_id, final_sweep = job.final_sweep, outcome = word, "erasure step");
            Ok(json!({ "erasure_id": job.erasure_id, "outcome": word }))
        }
        WorkerTask::Retention { retention } => {
            let run = sweep(&state.eraser(), state.retention_days, retention, now)
                .await
                .inspect_err(|e| {
                    state.metrics.emit(Metric::count("RetentionFailures"));
                    tracing::error!(error = %chain(e), "retention sweep failed");
                })?;
            state
                .metrics
                .emit(Metric::value("ConversationsExpired", run.expired as f64));
            tracing::info!(
                read = run.read,
                expired = run.expired,
                held = run.held,
                messages = run.counts.messages,
                continues = run.continues_after.is_some(),
                "retention sweep"
            );
            Ok(serde_json::to_value(&run)?)
        }
    }
}

/// The function: an SQS batch (failures reported one by one), or the schedule's task.
pub async fn function_handler(
    state: &ErasureWorker,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    if event.payload.get("Records").is_none() {
        let task: WorkerTask = serde_json::from_value(event.payload)
            .map_err(|_| Error::from("the input is neither an SQS batch nor a worker task"))?;
        return run_task(state, &task).await;
    }
    let batch: SqsEvent = serde_json::from_value(event.payload)?;
    let mut failures = Vec::new();
    for message in &batch.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let task = message
            .body
            .as_deref()
            .and_then(|body| serde_json::from_str::<WorkerTask>(body).ok());
        let Some(task) = task else {
            // Never the body: it may hold an address.
            tracing::warn!(message_id, "a message that is not a worker task dropped");
            continue;
        };
        if run_task(state, &task).await.is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            failures.push(failure);
        }
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures;
    Ok(serde_json::to_value(response)?)
}
