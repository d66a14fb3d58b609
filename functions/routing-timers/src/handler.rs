//! routing-timers: routing's timers (an offer's expiry, a waiting request's overflow, a wrap-up
//! hold's end) from an SQS queue that holds each message back until its timer is due
//! (`DelaySeconds`). A timer acts
//! only through a conditional write naming what it acts on (the offer's number, the request
//! still waiting), so a message SQS delivers twice, or late, does nothing the second time.
//! Failed messages are reported one by one (`ReportBatchItemFailures`) and come back after the
//! queue's visibility timeout; a body that is not a timer is logged and dropped, never retried.

use std::sync::Arc;

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Utc};
use lambda_runtime::{Error, LambdaEvent};
use whatsapp_channel::app::routing::timers::{TimerOutcome, on_timer};
use whatsapp_channel::logging::chain;
use whatsapp_channel::metrics::{Metric, Metrics};
use whatsapp_channel::ports::{ChannelStore, Clock, Timer, TimerKind, TimerQueue};

/// Everything the handler needs, built once per cold start.
pub struct RoutingTimers {
    store: Arc<dyn ChannelStore>,
    /// The same queue: a timer that came early (due beyond SQS's 15-minute delay) goes back.
    timers: Arc<dyn TimerQueue>,
    clock: Arc<dyn Clock>,
    metrics: Metrics,
}

impl RoutingTimers {
    pub fn new(
        store: Arc<dyn ChannelStore>,
        timers: Arc<dyn TimerQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            store,
            timers,
            clock,
            metrics: Metrics::disabled(),
        }
    }

    /// Emits the function's metrics (EMF) to `metrics`; none by default.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }
}

/// What one message came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The timer was due and ran.
    Ran(TimerOutcome),
    /// Not due yet: sent to the queue again for what remains.
    Rescheduled,
    /// Not a timer: dropped.
    Dropped,
    /// The store or the queue failed: reported, SQS delivers it again.
    Failed,
}

/// The timer's kind and what it names, for the log line.
struct Names<'a> {
    timer: &'static str,
    conversation_id: &'a str,
    agent_id: Option<&'a str>,
    seq: Option<u32>,
}

fn names(timer: &Timer) -> Names<'_> {
    match &timer.kind {
        TimerKind::OfferExpiry {
            conversation_id,
            agent_id,
            seq,
        } => Names {
            timer: "offer_expiry",
            conversation_id,
            agent_id: Some(agent_id),
            seq: Some(*seq),
        },
        TimerKind::Overflow { conversation_id } => Names {
            timer: "overflow",
            conversation_id,
            agent_id: None,
            seq: None,
        },
        TimerKind::WrapUpEnd {
            conversation_id,
            agent_id,
        } => Names {
            timer: "wrap_up_end",
            conversation_id,
            agent_id: Some(agent_id),
            seq: None,
        },
    }
}

/// What kind of parse failure: never the parser's message, which may quote the body.
fn category(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Io => "io",
        serde_json::error::Category::Syntax => "not JSON",
        serde_json::error::Category::Data => "not a timer",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// The message's timer, or `None` (logged) when its body is not one.
fn parse(message: &SqsMessage, message_id: &str) -> Option<Timer> {
    let Some(body) = message.body.as_deref() else {
        tracing::warn!(message_id, "timer message without a body dropped");
        return None;
    };
    match serde_json::from_str::<Timer>(body) {
        Ok(timer) => Some(timer),
        Err(e) => {
            tracing::warn!(
                message_id,
                error = category(&e),
                line = e.line(),
                column = e.column(),
                "a message that is not a timer dropped"
            );
            None
        }
    }
}

/// Handles one message: runs its timer when due, sends it again when not.
pub async fn handle_message(state: &RoutingTimers, message: &SqsMessage) -> Handled {
    let message_id = message.message_id.as_deref().unwrap_or_default();
    let receive_count = message
        .attributes
        .get("ApproximateReceiveCount")
        .map(String::as_str);
    let Some(timer) = parse(message, message_id) else {
        state.metrics.emit(Metric::count("TimersDropped"));
        return Handled::Dropped;
    };
    let now = state.clock.now();
    let n = names(&timer);
    let due_at = timer.due_at.to_rfc3339();
    match on_timer(state.store.as_ref(), &timer, now).await {
        Ok(TimerOutcome::NotYet) => match state.timers.schedule(&timer).await {
            Ok(()) => {
                state.metrics.emit(Metric::count("TimersRescheduled"));
                tracing::info!(
                    message_id,
                    timer = n.timer,
                    conversation_id = n.conversation_id,
                    agent_id = n.agent_id,
                    seq = n.seq,
                    due_at,
                    "timer not due yet: queued again"
                );
                Handled::Rescheduled
            }
            Err(e) => {
                state.metrics.emit(Metric::count("TimerFailures"));
                tracing::error!(error = %chain(&e), message_id, timer = n.timer, conversation_id = n.conversation_id, due_at, "early timer not queued again; reported for retry");
                Handled::Failed
            }
        },
        Ok(outcome) => {
            let late_ms = late_ms(timer.due_at, now);
            state
                .metrics
                .emit(Metric::millis("TimerLatenessMs", late_ms));
            let (what, set_away) = match &outcome {
                TimerOutcome::OfferExpired { set_away, .. } => {
                    // Per function only: notify-agent counts the same end per number, from
                    // the stream.
                    state.metrics.emit(Metric::count("OffersExpired"));
                    ("offer expired", Some(*set_away))
                }
                TimerOutcome::Overflowed { .. } => {
                    state.metrics.emit(Metric::count("Overflows"));
                    ("request raised to supervisors", None)
                }
                TimerOutcome::WrapUpEnded { .. } => {
                    state.metrics.emit(Metric::count("WrapUpsExpired"));
                    ("wrap-up hold ended without an outcome", None)
                }
                _ => ("timer moot: moved on already", None),
            };
            tracing::info!(
                message_id,
                timer = n.timer,
                conversation_id = n.conversation_id,
                agent_id = n.agent_id,
                seq = n.seq,
                set_away,
                late_ms,
                receive_count,
                "{what}"
            );
            Handled::Ran(outcome)
        }
        Err(e) => {
            state.metrics.emit(Metric::count("TimerFailures"));
            tracing::error!(error = %chain(&e), message_id, timer = n.timer, conversation_id = n.conversation_id, agent_id = n.agent_id, seq = n.seq, receive_count, "timer not run; reported for retry");
            Handled::Failed
        }
    }
}

/// How long after its time a timer ran, in milliseconds.
fn late_ms(due_at: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    (now - due_at).num_milliseconds().max(0)
}

pub async fn function_handler(
    state: &RoutingTimers,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    let mut response = SqsBatchResponse::default();
    for message in &event.payload.records {
        if handle_message(state, message).await == Handled::Failed {
            let mut failure = BatchItemFailure::default();
            // Always set by SQS; an empty one fails the whole batch, which is still safe.
            failure.item_identifier = message.message_id.clone().unwrap_or_default();
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
