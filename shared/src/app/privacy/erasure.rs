//! Erasing a customer (`DELETE /customers/{address}`): a request writes the tombstone and
//! queues the first step; each step erases conversations for a bounded time and queues the
//! next, so a customer with 10,000 messages is finished by a chain of short steps, each within
//! a Lambda's limits, and a step that crashes is run again by the queue's redelivery.
//!
//! A conversation is erased in an order that a retry can always resume: marked `erasing` (from
//! then on the stream's postings for it are refused), its messages a page at a time with the
//! postings and window warnings computed from them, its media, then the rest of it, and the
//! conversation item last (it is how a retry finds what is left). When no conversation is left,
//! the contact goes, and a final sweep a little later erases whatever the stream or the
//! customer wrote meanwhile.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::audit::Auditor;
use crate::domain::WindowWarnings;
use crate::domain::search::terms;
use crate::domain::{MessageSid, WhatsAppAddress};
use crate::ports::{
    ChannelStore, ConversationRecord, Deadline, Direction, ErasedCounts, ErasureJob, ErasureQueue,
    ErasureRecord, ErasureState, MediaStore, MessageRecord, StoreError, TermEntry, WorkerTask,
};

/// Messages erased per page: one query, then their postings and the messages.
pub const PAGE: usize = 200;
/// Conversations read per pass.
const CONVERSATIONS_PER_READ: usize = 25;
/// How long the final sweep waits for the stream's late writes (SQS holds it back this long).
pub const FINAL_SWEEP_DELAY_SECONDS: u32 = 60;

/// Why an erasure was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum EraseRefused {
    #[error("the customer is under a legal hold")]
    LegalHold,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a step stopped.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the media store did not complete the request: {0}")]
    Media(String),
}

/// What a step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Time ran out: the next step is queued.
    More,
    /// Nothing of the customer's was left: the final sweep is queued.
    Sweep,
    /// The final sweep ran: the erasure is done.
    Done,
    /// A legal hold stood: stopped.
    Held,
    /// The erasure is unknown or already finished: nothing done (a redelivered message).
    Nothing,
}

/// Deletes messages at Twilio (`ERASE_AT_TWILIO=on`): `Ok(true)` deleted or already gone.
#[async_trait::async_trait]
pub trait TwilioEraser: Send + Sync {
    async fn delete_message(&self, business: &str, sid: &str) -> Result<bool, String>;
}

/// What a step needs besides the store.
pub struct Eraser<'a> {
    pub store: &'a dyn ChannelStore,
    /// The media bucket; `None` where media are not kept (no `MEDIA_BUCKET`).
    pub media: Option<&'a dyn MediaStore>,
    pub queue: &'a dyn ErasureQueue,
    pub warnings: &'a WindowWarnings,
    /// Deletes the messages at Twilio too, when set.
    pub twilio: Option<&'a dyn TwilioEraser>,
    /// How long a step works before it queues the next.
    pub budget: Duration,
}

/// An erasure as the API shows it: no personal data, the customer by pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErasureView {
    pub erasure_id: String,
    pub customer: String,
    pub state: ErasureState,
    pub requested_by: String,
    pub requested_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    pub steps: u32,
    pub passes: u32,
    pub counts: ErasedCounts,
}

impl ErasureView {
    pub fn of(record: &ErasureRecord) -> Self {
        let time = crate::app::views::rfc3339;
        Self {
            erasure_id: record.id.clone(),
            customer: record.pseudonym.clone(),
            state: record.state,
            requested_by: record.requested_by.clone(),
            requested_at: time(record.requested_at),
            updated_at: time(record.updated_at),
            finished_at: record.finished_at.map(time),
            steps: record.steps,
            passes: record.passes,
            counts: record.counts,
        }
    }
}

/// `DELETE /customers/{address}`: refuses a held customer, else writes the tombstone and
/// queues the first step. Erasing a customer nothing is stored about is accepted too: it runs,
/// finds nothing and says so, and an answer never tells whether the customer existed.
pub async fn request_erasure(
    store: &dyn ChannelStore,
    queue: &dyn ErasureQueue,
    auditor: &Auditor,
    address: &WhatsAppAddress,
    by: &str,
    now: DateTime<Utc>,
) -> Result<ErasureRecord, EraseRefused> {
    if store.legal_hold(address.as_str()).await?.is_some() {
        return Err(EraseRefused::LegalHold);
    }
    let record = ErasureRecord {
        id: uuid::Uuid::now_v7().to_string(),
        pseudonym: auditor.pseudonym(address.as_str()),
        requested_by: by.to_owned(),
        requested_at: now,
        state: ErasureState::Running,
        steps: 0,
        passes: 0,
        counts: ErasedCounts::default(),
        updated_at: now,
        finished_at: None,
        expires_at: auditor.expires_at(now),
    };
    store.put_erasure(&record).await?;
    let job = ErasureJob {
        erasure_id: record.id.clone(),
        address: address.as_str().to_owned(),
        final_sweep: false,
    };
    queue.enqueue(&WorkerTask::Erase(job), 0).await?;
    Ok(record)
}

/// Runs one step of `job`, then queues the next (or the final sweep), and records progress.
pub async fn run_step(
    eraser: &Eraser<'_>,
    job: &ErasureJob,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StepError> {
    let store = eraser.store;
    let Some(mut record) = store.erasure(&job.erasure_id).await? else {
        return Ok(StepOutcome::Nothing);
    };
    if record.state != ErasureState::Running {
        return Ok(StepOutcome::Nothing);
    }
    if store.legal_hold(&job.address).await?.is_some() {
        record.state = ErasureState::Held;
        record.updated_at = now;
        store.put_erasure(&record).await?;
        return Ok(StepOutcome::Held);
    }
    let started = Instant::now();
    record.steps += 1;
    let mut counts = ErasedCounts::default();
    let result = erase_until(eraser, &job.address, started, &mut counts).await;
    record.counts.add(&counts);
    record.updated_at = now;
    let finished = match result {
        Ok(finished) => finished,
        Err(e) => {
            // What was erased is counted before the step fails and is redelivered.
            store.put_erasure(&record).await?;
            return Err(e);
        }
    };
    let outcome = match (finished, job.final_sweep) {
        (false, _) => StepOutcome::More,
        (true, false) => StepOutcome::Sweep,
        (true, true) => StepOutcome::Done,
    };
    if finished {
        record.passes += 1;
        record.counts.add(&store.erase_contact(&job.address).await?);
        // The customer's own exports, kept under the pseudonym the erasure names them by.
        if let Some(media) = eraser.media {
            let prefix = crate::domain::customer_export_prefix(&record.pseudonym);
            match media.delete_prefix(&prefix).await {
                Ok(deleted) => record.counts.media += deleted,
                Err(e) => {
                    store.put_erasure(&record).await?;
                    return Err(StepError::Media(e.to_string()));
                }
            }
        }
    }
    if outcome == StepOutcome::Done {
        record.state = ErasureState::Done;
        record.finished_at = Some(now);
    }
    store.put_erasure(&record).await?;
    let next = match outcome {
        StepOutcome::More => Some((job.clone(), 0)),
        StepOutcome::Sweep => Some((
            ErasureJob {
                final_sweep: true,
                ..job.clone()
            },
            FINAL_SWEEP_DELAY_SECONDS,
        )),
        _ => None,
    };
    if let Some((next, delay)) = next {
        eraser
            .queue
            .enqueue(&WorkerTask::Erase(next), delay)
            .await?;
    }
    Ok(outcome)
}

/// Erases the customer's conversations until none is left (`true`) or the budget is spent.
async fn erase_until(
    eraser: &Eraser<'_>,
    address: &str,
    started: Instant,
    counts: &mut ErasedCounts,
) -> Result<bool, StepError> {
    loop {
        let conversations = eraser
            .store
            .customer_conversations(address, CONVERSATIONS_PER_READ)
            .await?;
        let mut erased_any = false;
        for conversation in &conversations {
            match erase_conversation(eraser, conversation, true, started, counts).await? {
                Erased::Gone => {}
                Erased::Done => erased_any = true,
                Erased::OutOfTime => return Ok(false),
            }
            if started.elapsed() >= eraser.budget {
                return Ok(false);
            }
        }
        // Nothing listed, or only conversations already gone (an index a moment behind).
        if !erased_any {
            return Ok(true);
        }
    }
}

/// How erasing one conversation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erased {
    /// It was already gone.
    Gone,
    Done,
    /// The budget ran out first: what is left is found again by the next step.
    OutOfTime,
}

/// Erases one conversation: marked, the customer's session on its number (`session`: an
/// erasure; retention leaves a later conversation's session alone), messages a page at a time,
/// media, the rest, the item last.
pub async fn erase_conversation(
    eraser: &Eraser<'_>,
    conversation: &ConversationRecord,
    session: bool,
    started: Instant,
    counts: &mut ErasedCounts,
) -> Result<Erased, StepError> {
    let store = eraser.store;
    if !store.mark_erasing(&conversation.id).await? {
        return Ok(Erased::Gone);
    }
    if session {
        counts.add(&store.erase_session(conversation).await?);
    }
    loop {
        let messages = store.messages_to_erase(&conversation.id, PAGE).await?;
        if messages.is_empty() {
            break;
        }
        if let Some(twilio) = eraser.twilio {
            for message in messages.iter().filter(|m| MessageSid::parse(&m.id).is_ok()) {
                match twilio
                    .delete_message(&conversation.business, &message.id)
                    .await
                {
                    Ok(_) => counts.twilio_deleted += 1,
                    Err(reason) => {
                        tracing::warn!(%reason, "Twilio did not delete a message");
                        counts.twilio_failed += 1;
                    }
                }
            }
        }
        let postings = postings_of(conversation, &messages);
        let deadlines = deadlines_of(conversation, &messages, eraser.warnings);
        // A reply's idempotency record keeps its answer (the text) for 24 hours.
        let idempotency: Vec<String> = messages
            .iter()
            .filter_map(|m| m.idempotency_key.clone())
            .collect();
        counts.add(
            &store
                .erase_messages(&messages, &postings, &deadlines, &idempotency)
                .await?,
        );
        if started.elapsed() >= eraser.budget {
            return Ok(Erased::OutOfTime);
        }
    }
    if let Some(media) = eraser.media {
        for prefix in media_prefixes(&conversation.id) {
            counts.media += media
                .delete_prefix(&prefix)
                .await
                .map_err(|e| StepError::Media(e.to_string()))?;
        }
    }
    counts.add(&store.erase_conversation(conversation).await?);
    Ok(Erased::Done)
}

/// Where a conversation's media live: inbound copies, agents' uploads, and exports too large
/// for a response.
pub fn media_prefixes(conversation_id: &str) -> [String; 3] {
    [
        format!("inbound/{conversation_id}/"),
        format!("uploads/{conversation_id}/"),
        crate::domain::export_prefix(conversation_id),
    ]
}

/// The search postings the stream wrote for these messages: each word of each indexed body.
fn postings_of(conversation: &ConversationRecord, messages: &[MessageRecord]) -> Vec<TermEntry> {
    messages
        .iter()
        .filter_map(|m| Some((m, m.body.as_deref()?)))
        .flat_map(|(message, body)| {
            terms(body).into_iter().map(|term| TermEntry {
                term,
                message_id: message.id.clone(),
                conversation_id: conversation.id.clone(),
                customer: conversation.customer.clone(),
                created_at: message.created_at,
            })
        })
        .collect()
}

/// The window warnings filed for these messages: each customer message opened a window
/// (at its own time) whose warnings were filed under that time.
fn deadlines_of(
    conversation: &ConversationRecord,
    messages: &[MessageRecord],
    warnings: &WindowWarnings,
) -> Vec<Deadline> {
    let default = WindowWarnings::default();
    messages
        .iter()
        .filter(|m| m.direction == Direction::Inbound)
        .flat_map(|m| {
            let mut due = warnings.due(m.created_at);
            // The default warnings too: filed before an operator changed WINDOW_WARNINGS.
            due.extend(default.due(m.created_at));
            due.sort();
            due.dedup();
            due.into_iter().map(|(warning, due_at)| Deadline {
                conversation_id: conversation.id.clone(),
                business: conversation.business.clone(),
                customer: conversation.customer.clone(),
                last_inbound_at: m.created_at,
                warning,
                due_at,
            })
        })
        .collect()
}
