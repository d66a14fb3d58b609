//! Routing's timers on local-api's own clock: what the SQS queue with per-message delays does
//! in AWS. A timer runs once the clock (which `POST /local/clock` moves) passes its time; the
//! run loop looks every half second, and at once when the clock moves.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use whatsapp_channel::app::routing::timers::{TimerOutcome, on_timer};
use whatsapp_channel::ports::{ChannelStore, Clock, ScheduleError, Timer, TimerQueue};

/// Timers waiting for their time, soonest first.
#[derive(Default)]
pub struct LocalTimers {
    /// (due in ms, order of scheduling, the timer as JSON).
    pending: Mutex<BinaryHeap<Reverse<(i64, u64, String)>>>,
    next: Mutex<u64>,
    /// Wakes the run loop: a timer was scheduled, or the clock moved.
    pub kick: tokio::sync::Notify,
}

impl LocalTimers {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// The timers due at `now_ms`, taken off the queue.
    fn due(&self, now_ms: i64) -> Vec<Timer> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        while let Some(Reverse((due, _, _))) = pending.peek() {
            if *due > now_ms {
                break;
            }
            if let Some(Reverse((_, _, raw))) = pending.pop()
                && let Ok(timer) = serde_json::from_str(&raw)
            {
                out.push(timer);
            }
        }
        out
    }

    /// How many timers wait, for tests.
    pub fn len(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl TimerQueue for LocalTimers {
    async fn schedule(&self, timer: &Timer) -> Result<(), ScheduleError> {
        let raw = serde_json::to_string(timer).map_err(|e| ScheduleError(Box::new(e)))?;
        let order = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            *next += 1;
            *next
        };
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Reverse((timer.due_at.timestamp_millis(), order, raw)));
        self.kick.notify_one();
        Ok(())
    }
}

/// Runs due timers for as long as local-api runs.
pub(crate) async fn run_timers(
    timers: Arc<LocalTimers>,
    store: Arc<dyn ChannelStore>,
    clock: Arc<dyn Clock>,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = timers.kick.notified() => {}
        }
        let now = clock.now();
        for timer in timers.due(now.timestamp_millis()) {
            match on_timer(store.as_ref(), &timer, now).await {
                Ok(TimerOutcome::Moot) => {}
                Ok(outcome) => tracing::info!(?outcome, "timer ran"),
                Err(e) => {
                    // As SQS redelivers: try again on a later run.
                    tracing::warn!(error = %e, "a timer failed; it runs again");
                    let _ = timers.schedule(&timer).await;
                }
            }
        }
    }
}
