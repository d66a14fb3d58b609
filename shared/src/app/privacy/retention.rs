//! Retention (`RETENTION_DAYS`, 0: keep forever): a conversation, with its messages, notes,
//! events, postings and media, is erased that many days after its close, or after its last
//! customer message when nobody closed it. Customers under a legal hold keep everything.
//!
//! A daily sweep, not a TTL written at close: the conversations' index is sorted by id, and an
//! id (UUIDv7) begins with its creation time, so the sweep reads only conversations created
//! before the cutoff (nothing younger can be due) and erases them as an erasure does, postings
//! and media included, which a TTL on the conversation's items could not reach. It adds no
//! write to the close, and a change of `RETENTION_DAYS` applies to what is stored already.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, TimeDelta, Utc};

use super::erasure::{Erased, Eraser, StepError, erase_conversation};
use crate::ports::{ConversationRecord, ErasedCounts, RetentionJob, WorkerTask};

/// Conversations read per page.
const PAGE: usize = 100;

/// What one run of the sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetentionRun {
    pub read: usize,
    pub expired: usize,
    /// Due, but their customer is under a legal hold.
    pub held: usize,
    pub counts: ErasedCounts,
    /// Where the next page starts, when the budget ran out first (queued).
    pub continues_after: Option<String>,
}

/// When a conversation's retention period starts: its close, else its last customer message.
pub fn retained_from(conversation: &ConversationRecord) -> DateTime<Utc> {
    conversation
        .closed_at
        .unwrap_or(conversation.last_inbound_at)
}

/// Runs the sweep from `job` until no candidate is left or the budget is spent (then the next
/// page is queued).
pub async fn sweep(
    eraser: &Eraser<'_>,
    retention_days: u32,
    job: &RetentionJob,
    now: DateTime<Utc>,
) -> Result<RetentionRun, StepError> {
    let mut run = RetentionRun::default();
    if retention_days == 0 {
        return Ok(run);
    }
    let cutoff = now - TimeDelta::days(i64::from(retention_days));
    let started = Instant::now();
    let mut after = job.after.clone();
    let mut holds: HashMap<String, bool> = HashMap::new();
    loop {
        let page = eraser
            .store
            .conversations_created_before(cutoff, after.as_deref(), PAGE)
            .await?;
        let Some(last) = page.last() else {
            return Ok(run);
        };
        let last = last.id.clone();
        for conversation in &page {
            run.read += 1;
            if retained_from(conversation) > cutoff {
                continue;
            }
            let held = match holds.get(&conversation.customer) {
                Some(held) => *held,
                None => {
                    let held = eraser
                        .store
                        .legal_hold(&conversation.customer)
                        .await?
                        .is_some();
                    holds.insert(conversation.customer.clone(), held);
                    held
                }
            };
            if held {
                run.held += 1;
                continue;
            }
            let mut counts = ErasedCounts::default();
            let erased =
                erase_conversation(eraser, conversation, false, started, &mut counts).await?;
            run.counts.add(&counts);
            match erased {
                Erased::Done => run.expired += 1,
                Erased::Gone => {}
                Erased::OutOfTime => {
                    // This conversation is read again by the next page.
                    let resume = previous_id(&page, &conversation.id).or(after.clone());
                    return continue_later(eraser, run, resume).await;
                }
            }
        }
        after = Some(last);
        if started.elapsed() >= eraser.budget {
            return continue_later(eraser, run, after).await;
        }
    }
}

fn previous_id(page: &[ConversationRecord], id: &str) -> Option<String> {
    let at = page.iter().position(|c| c.id == id)?;
    at.checked_sub(1).map(|i| page[i].id.clone())
}

async fn continue_later(
    eraser: &Eraser<'_>,
    mut run: RetentionRun,
    after: Option<String>,
) -> Result<RetentionRun, StepError> {
    let task = WorkerTask::Retention {
        retention: RetentionJob {
            after: after.clone(),
        },
    };
    eraser.queue.enqueue(&task, 0).await?;
    run.continues_after = after;
    Ok(run)
}
