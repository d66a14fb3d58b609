//! A conversation's end: the administrators' dispositions, the wrap-up its agent sends (outcome,
//! summary, tags), tags on any conversation, and the conversations a tag or a record finds.
//! Linked records are in [`records`]; the CSAT survey in [`csat`].

pub mod csat;
pub mod records;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{ConversationView, ListFilter};
use crate::domain::outcomes::{MAX_SUMMARY_CHARS, OUTCOME_WINDOW, is_code, tags as valid_tags};
use crate::domain::{ConversationId, ConversationState, InvalidValue};
use crate::ports::{
    ChannelStore, Clock, ConversationRecord, Disposition, OutcomeRecord, OutcomeResult, StoreError,
};

/// Why an outcome, a tag change or a disposition is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeRefusal {
    NotFound,
    /// The conversation is not closed.
    NotClosed,
    /// Neither the agent assigned when it closed (within 24 h) nor an administrator.
    NotAllowed,
    UnknownDisposition(String),
    /// The body is not JSON of the expected shape.
    Malformed(String),
    /// A value breaks its rule (`what`, `reason`): 422.
    Invalid(InvalidValue),
}

/// `PUT /conversations/{id}/outcome`.
#[derive(Debug, Clone, Deserialize)]
pub struct OutcomeRequest {
    pub disposition: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

fn malformed(e: serde_json::Error) -> OutcomeRefusal {
    OutcomeRefusal::Malformed(e.to_string())
}

/// `PUT /dispositions/{code}` `{"label"}`: the disposition, or why not.
pub fn parse_disposition(
    code: &str,
    raw: &[u8],
    by: &str,
    now: DateTime<Utc>,
) -> Result<Disposition, OutcomeRefusal> {
    #[derive(Deserialize)]
    struct Body {
        label: String,
    }
    if !is_code(code, 64) {
        return Err(OutcomeRefusal::Invalid(InvalidValue {
            what: "disposition code",
            reason: "1 to 64 letters, digits, '-' or '_'",
        }));
    }
    let body: Body = serde_json::from_slice(raw).map_err(malformed)?;
    let label = body.label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(OutcomeRefusal::Invalid(InvalidValue {
            what: "disposition label",
            reason: "1 to 100 characters",
        }));
    }
    Ok(Disposition {
        code: code.to_owned(),
        label: label.to_owned(),
        updated_by: by.to_owned(),
        updated_at: now,
    })
}

/// Whether `agent` may send the outcome of `conversation` now.
fn may_wrap_up(
    conversation: &ConversationRecord,
    agent: &str,
    admin: bool,
    now: DateTime<Utc>,
) -> bool {
    admin
        || (conversation.assigned_agent.as_deref() == Some(agent)
            && conversation
                .closed_at
                .is_none_or(|closed| now - closed <= OUTCOME_WINDOW))
}

/// Records the outcome of a closed conversation (and replaces its tags when given); the
/// conversation as `GET /conversations/{id}` shows it.
pub async fn record_outcome(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    agent: &str,
    admin: bool,
    raw: &[u8],
) -> Result<Result<crate::app::desk::DeskConversation, OutcomeRefusal>, StoreError> {
    let request: OutcomeRequest = match serde_json::from_slice(raw) {
        Ok(r) => r,
        Err(e) => return Ok(Err(malformed(e))),
    };
    let summary = request
        .summary
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    if summary
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SUMMARY_CHARS)
    {
        return Ok(Err(OutcomeRefusal::Invalid(InvalidValue {
            what: "summary",
            reason: "at most 2,000 characters",
        })));
    }
    let tags = match request.tags.as_deref().map(valid_tags).transpose() {
        Ok(tags) => tags,
        Err(e) => return Ok(Err(OutcomeRefusal::Invalid(e))),
    };
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(Err(OutcomeRefusal::NotFound));
    };
    if conversation.state != ConversationState::Closed {
        return Ok(Err(OutcomeRefusal::NotClosed));
    }
    let now = clock.now();
    if !may_wrap_up(&conversation, agent, admin, now) {
        return Ok(Err(OutcomeRefusal::NotAllowed));
    }
    let code = request.disposition.trim();
    let Some(disposition) = store
        .dispositions()
        .await?
        .into_iter()
        .find(|d| d.code == code)
    else {
        return Ok(Err(OutcomeRefusal::UnknownDisposition(code.to_owned())));
    };
    let outcome = OutcomeRecord {
        disposition: disposition.code,
        label: disposition.label,
        summary,
        recorded_by: agent.to_owned(),
        recorded_at: now,
    };
    match store
        .record_outcome(&conversation, &outcome, tags.as_deref())
        .await?
    {
        OutcomeResult::Recorded => {
            // The after-contact work is done: the agent's capacity is free again (the stream's
            // change offers them what waits).
            if let Some(assigned) = &conversation.assigned_agent {
                store.release_wrap_up(assigned, &conversation.id).await?;
            }
        }
        OutcomeResult::NotClosed => return Ok(Err(OutcomeRefusal::NotClosed)),
        OutcomeResult::NotFound => return Ok(Err(OutcomeRefusal::NotFound)),
    }
    let view = super::desk::conversation_with_desk(store, clock, id).await?;
    Ok(view.ok_or(OutcomeRefusal::NotFound))
}

/// Holds the closing agent's capacity for the wrap-up (`WRAP_UP_SECONDS`, `hold`) until the
/// outcome is sent or `closed_at + hold`, reading the conversation as it stands: nothing when it
/// is not closed, has no agent, or its outcome is in already (a late call must not hold again
/// what the outcome released). agent-api calls it right after its close, so routing does not
/// offer the agent new work in between; the stream's [`hold_on_close`] calls it again (the same
/// put) and starts the hold's timer. The hold, when one is written.
pub async fn hold_for_wrap_up(
    store: &dyn ChannelStore,
    id: &ConversationId,
    hold: chrono::TimeDelta,
) -> Result<Option<crate::ports::WrapUpHold>, StoreError> {
    if hold <= chrono::TimeDelta::zero() {
        return Ok(None);
    }
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(None);
    };
    let (ConversationState::Closed, Some(agent), Some(closed_at), None) = (
        conversation.state,
        &conversation.assigned_agent,
        conversation.closed_at,
        &conversation.outcome,
    ) else {
        return Ok(None);
    };
    let held = crate::ports::WrapUpHold {
        agent_id: agent.clone(),
        conversation_id: conversation.id.clone(),
        until: closed_at + hold,
    };
    // Conditional on the outcome being still out: one sent since the read above refuses it.
    if !store.hold_wrap_up(&held).await? {
        return Ok(None);
    }
    Ok(Some(held))
}

/// The stream's side of a close of an active conversation: the hold (again: agent-api wrote it
/// at the close; this covers a close made elsewhere and a crash in between) and, with `timers`,
/// a `wrap_up_end` timer that removes it when its time passes; that removal offers the agent
/// what waits. notify-agent runs it before routing looks for work for the agent.
pub async fn hold_on_close(
    store: &dyn ChannelStore,
    hold: chrono::TimeDelta,
    timers: Option<&dyn crate::ports::TimerQueue>,
    change: &crate::ports::StreamChange,
) -> Result<(), StoreError> {
    use crate::ports::StoredItem;
    let (Some(StoredItem::Conversation(old)), Some(StoredItem::Conversation(new))) =
        (&change.old, &change.new)
    else {
        return Ok(());
    };
    let closed = old.state == ConversationState::Active && new.state == ConversationState::Closed;
    if !closed || new.outcome.is_some() {
        return Ok(());
    }
    let Ok(id) = ConversationId::parse(&new.id) else {
        return Ok(());
    };
    let (Some(held), Some(timers)) = (hold_for_wrap_up(store, &id, hold).await?, timers) else {
        return Ok(());
    };
    let timer = crate::ports::Timer {
        kind: crate::ports::TimerKind::WrapUpEnd {
            conversation_id: held.conversation_id.clone(),
            agent_id: held.agent_id.clone(),
        },
        due_at: held.until,
    };
    // Not scheduled: the record is retried (the hold's put is idempotent).
    timers
        .schedule(&timer)
        .await
        .map_err(|e| StoreError::Unavailable(Box::new(e)))
}

/// `PUT /conversations/{id}/tags` `{"tags": [...]}`: any agent; the tags as stored.
pub async fn set_tags(
    store: &dyn ChannelStore,
    id: &ConversationId,
    raw: &[u8],
) -> Result<Result<Vec<String>, OutcomeRefusal>, StoreError> {
    #[derive(Deserialize)]
    struct Body {
        tags: Vec<String>,
    }
    let body: Body = match serde_json::from_slice(raw) {
        Ok(b) => b,
        Err(e) => return Ok(Err(malformed(e))),
    };
    let tags = match valid_tags(&body.tags) {
        Ok(tags) => tags,
        Err(e) => return Ok(Err(OutcomeRefusal::Invalid(e))),
    };
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(Err(OutcomeRefusal::NotFound));
    };
    store.set_tags(&conversation, &tags).await?;
    Ok(Ok(tags))
}

/// The conversations a tag or a record finds, newest first, as the queue lists them.
pub async fn find(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    ids: Vec<String>,
    filter: &ListFilter,
) -> Result<Vec<ConversationView>, StoreError> {
    // One BatchGetItem for the conversations (not one GetItem each), then their contexts at
    // once; the index's order (newest first) is kept.
    let ids: Vec<String> = ids
        .into_iter()
        .filter(|id| ConversationId::parse(id).is_ok())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: std::collections::HashMap<String, crate::ports::ConversationRecord> = store
        .result_conversations(&ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let wanted: Vec<_> = ids
        .iter()
        .filter_map(|id| found.remove(id))
        .filter(|c| {
            filter
                .number
                .as_ref()
                .is_none_or(|n| n.as_str() == c.business.as_str())
        })
        .collect();
    let contexts = futures_util::future::try_join_all(
        wanted
            .into_iter()
            .map(|conversation| super::load_context(store, conversation)),
    )
    .await?;
    Ok(contexts
        .into_iter()
        .map(|context| context.view(clock))
        .filter(|view| filter.state.is_none_or(|s| s == view.state))
        .collect())
}
