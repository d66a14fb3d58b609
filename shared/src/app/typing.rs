//! Typing and read: the assigned agent's "typing…" and the customer's blue ticks, through
//! Twilio's typing indicator (a Public Beta), which does both in one call for the customer's
//! latest message.
//!
//! - At most one call per [`TYPING_GAP`] per conversation, across every instance: a
//!   conditional write claims the call before Twilio is asked.
//! - Only the assigned agent types; a supervisor or another agent reading a conversation never
//!   marks it read. The read receipt on accept ([`Actor::ReadReceipt`]) comes from the stream,
//!   so an accept never waits on the beta.
//! - When Twilio answers 400 or 404 (the beta is not available to the account), the indicator
//!   is switched off in this instance for [`SWITCH_OFF`], with one warning; everything else
//!   keeps working.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::TimeDelta;

use crate::domain::ConversationId;
use crate::metrics::{Metric, Metrics};
use crate::ports::{ChannelStore, Clock, Direction, IndicatorError, StoreError, TypingIndicator};

/// One typing call per conversation in this time, whoever asks.
pub const TYPING_GAP: TimeDelta = TimeDelta::seconds(20);
/// How long the indicator stays off after Twilio said the account does not have it.
pub const SWITCH_OFF: Duration = Duration::from_secs(10 * 60);

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor<'a> {
    /// An agent typing in (or opening) the conversation: must be its assigned agent.
    Agent(&'a str),
    /// The read receipt when a conversation is accepted (`READ_RECEIPTS=on`), from the stream.
    ReadReceipt,
}

/// What happened when nothing was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypingOutcome {
    /// Twilio showed typing and marked the latest customer message read.
    Indicated,
    /// Another call for this conversation is less than [`TYPING_GAP`] old: Twilio not asked.
    Recent,
    /// The indicator is switched off in this instance: Twilio not asked.
    SwitchedOff,
}

/// Why no call is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypingRefusal {
    NotFound,
    NotAssigned,
    WindowExpired,
    /// The customer never wrote in this conversation.
    NothingToAcknowledge,
    /// Twilio refused or did not answer (`code` when Twilio gave one).
    Twilio {
        http_status: Option<u16>,
        code: Option<u32>,
        message: String,
    },
}

/// The typing indicator and its switch. Build it once per cold start.
pub struct Typing {
    indicator: Arc<dyn TypingIndicator>,
    off_until: Mutex<Option<Instant>>,
    metrics: Metrics,
}

impl Typing {
    pub fn new(indicator: Arc<dyn TypingIndicator>) -> Self {
        Self {
            indicator,
            off_until: Mutex::new(None),
            metrics: Metrics::disabled(),
        }
    }

    /// Emits `TypingIndicators` and `TwilioTypingErrors` (by code) per business number.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    fn switched_off(&self) -> bool {
        self.off_until
            .lock()
            .map(|off| off.is_some_and(|until| Instant::now() < until))
            .unwrap_or(false)
    }

    /// Turns the indicator off for [`SWITCH_OFF`]; `true` when it was on (warn once).
    fn switch_off(&self) -> bool {
        let Ok(mut off) = self.off_until.lock() else {
            return false;
        };
        let was_on = off.is_none_or(|until| Instant::now() >= until);
        *off = Some(Instant::now() + SWITCH_OFF);
        was_on
    }

    /// Shows typing and marks the customer's latest message of conversation `id` read.
    pub async fn acknowledge(
        &self,
        store: &dyn ChannelStore,
        clock: &dyn Clock,
        id: &ConversationId,
        actor: Actor<'_>,
    ) -> Result<Result<TypingOutcome, TypingRefusal>, StoreError> {
        let Some(view) = super::get_conversation(store, clock, id).await? else {
            return Ok(Err(TypingRefusal::NotFound));
        };
        let assigned = match actor {
            Actor::Agent(agent) => view.assigned_agent.as_deref() == Some(agent),
            Actor::ReadReceipt => view.assigned_agent.is_some(),
        };
        if !assigned {
            return Ok(Err(TypingRefusal::NotAssigned));
        }
        let Some(latest) = view
            .messages
            .iter()
            .flatten()
            .rev()
            .find(|m| m.direction == Direction::Inbound)
        else {
            return Ok(Err(TypingRefusal::NothingToAcknowledge));
        };
        if !view.window.open {
            return Ok(Err(TypingRefusal::WindowExpired));
        }
        if self.switched_off() {
            return Ok(Ok(TypingOutcome::SwitchedOff));
        }
        let now = clock.now();
        if !store.claim_typing(id, now, TYPING_GAP).await? {
            return Ok(Ok(TypingOutcome::Recent));
        }
        let business = view.business_number.as_str();
        match self.indicator.indicate(&latest.id).await {
            Ok(()) => {
                self.metrics
                    .emit(Metric::count("TypingIndicators").business(business));
                store.mark_read(id, &latest.id, now).await?;
                Ok(Ok(TypingOutcome::Indicated))
            }
            Err(error) => {
                let (http_status, code, message) = match error {
                    IndicatorError::Rejected {
                        http_status,
                        code,
                        message,
                    } => (Some(http_status), code, message),
                    IndicatorError::Unreachable(message) => (None, None, message),
                };
                let metric = Metric::count("TwilioTypingErrors").business(business);
                self.metrics.emit(match (code, http_status) {
                    (Some(code), _) => metric.error_code(code),
                    (None, Some(status)) => metric.error_code(status),
                    (None, None) => metric.error_code("unreachable"),
                });
                if matches!(http_status, Some(400 | 404)) && self.switch_off() {
                    tracing::warn!(
                        http_status,
                        code,
                        message,
                        "Twilio refused the typing indicator (a Public Beta): switched off in this instance for 10 minutes"
                    );
                }
                Ok(Err(TypingRefusal::Twilio {
                    http_status,
                    code,
                    message,
                }))
            }
        }
    }
}
