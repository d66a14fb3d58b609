//! Erasures and the retention sweep on local-api: what the SQS queue and erasure-worker do in
//! AWS. A queued task runs in this process once its delay has passed (at most a second here:
//! the embedded stream has no lag for the final sweep to wait out), each step for at most the
//! step's time, the next queued as in AWS.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use whatsapp_channel::app::privacy::erasure::{Eraser, run_step};
use whatsapp_channel::app::privacy::retention::sweep;
use whatsapp_channel::domain::WindowWarnings;
use whatsapp_channel::ports::{
    ChannelStore, Clock, ErasureQueue, MediaStore, RetentionJob, StoreError, WorkerTask,
};

/// The longest a queued task waits here.
const MAX_LOCAL_DELAY: Duration = Duration::from_secs(1);

/// The queue: tasks wait in a channel the runner reads.
pub struct LocalErasures {
    sender: UnboundedSender<(WorkerTask, u32)>,
    receiver: Mutex<Option<UnboundedReceiver<(WorkerTask, u32)>>>,
}

impl LocalErasures {
    pub fn new() -> Arc<Self> {
        let (sender, receiver) = unbounded_channel();
        Arc::new(Self {
            sender,
            receiver: Mutex::new(Some(receiver)),
        })
    }
}

#[async_trait]
impl ErasureQueue for LocalErasures {
    async fn enqueue(&self, task: &WorkerTask, delay_seconds: u32) -> Result<(), StoreError> {
        self.sender
            .send((task.clone(), delay_seconds))
            .map_err(|_| StoreError::Unavailable("the local erasure runner has stopped".into()))
    }
}

/// What the runner works with.
pub(crate) struct Runner {
    pub queue: Arc<LocalErasures>,
    pub store: Arc<dyn ChannelStore>,
    pub media: Arc<dyn MediaStore>,
    pub clock: Arc<dyn Clock>,
    pub warnings: WindowWarnings,
    pub retention_days: u32,
}

/// Runs queued tasks for as long as local-api runs; with `RETENTION_DAYS` set, the retention
/// sweep at start and every hour.
pub(crate) async fn run(runner: Runner) {
    let Some(mut tasks) = runner
        .queue
        .receiver
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    else {
        return;
    };
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    loop {
        let (task, delay) = tokio::select! {
            next = tasks.recv() => match next {
                Some(next) => next,
                None => return,
            },
            _ = hourly.tick(), if runner.retention_days > 0 => {
                (WorkerTask::Retention { retention: RetentionJob::default() }, 0)
            }
        };
        if delay > 0 {
            tokio::time::sleep(MAX_LOCAL_DELAY.min(Duration::from_secs(u64::from(delay)))).await;
        }
        let eraser = Eraser {
            store: runner.store.as_ref(),
            media: Some(runner.media.as_ref()),
            queue: runner.queue.as_ref(),
            warnings: &runner.warnings,
            twilio: None,
            budget: Duration::from_secs(30),
        };
        let now = runner.clock.now();
        match &task {
            WorkerTask::Erase(job) => match run_step(&eraser, job, now).await {
                Ok(outcome) => {
                    tracing::info!(erasure_id = %job.erasure_id, ?outcome, "erasure step")
                }
                Err(e) => {
                    // As SQS redelivers: the same step again, a moment later.
                    tracing::warn!(erasure_id = %job.erasure_id, error = %e, "erasure step failed; it runs again");
                    let _ = runner.queue.enqueue(&task, 1).await;
                }
            },
            WorkerTask::Retention { retention } => {
                match sweep(&eraser, runner.retention_days, retention, now).await {
                    Ok(run) => {
                        tracing::info!(expired = run.expired, held = run.held, "retention sweep")
                    }
                    Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
                }
            }
        }
    }
}
