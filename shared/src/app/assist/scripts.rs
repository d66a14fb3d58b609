//! Agent scripts: administrators write them, a conversation follows the one for its number
//! (else the general one), and its assigned agent ticks the steps as they go.

use serde::Serialize;

use crate::app::views::rfc3339;
use crate::domain::scripts::{ScriptInput, script_for};
use crate::domain::{AgentId, ConversationId, ConversationState};
use crate::ports::{ChannelStore, Clock, ScriptRecord, StepDone, StoreError};

/// A script as administrators and agents read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptDefinition {
    pub id: String,
    pub title: String,
    pub steps: Vec<String>,
    pub numbers: Vec<String>,
    pub updated_at: String,
    pub updated_by: String,
}

impl From<ScriptRecord> for ScriptDefinition {
    fn from(s: ScriptRecord) -> Self {
        Self {
            id: s.id,
            title: s.title,
            steps: s.steps,
            numbers: s.numbers,
            updated_at: rfc3339(s.updated_at),
            updated_by: s.updated_by,
        }
    }
}

/// One step of a conversation's script, ticked or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepView {
    pub text: String,
    pub done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_by: Option<String>,
}

/// The script a conversation follows, with its agent's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScriptView {
    pub id: String,
    pub title: String,
    pub steps: Vec<StepView>,
}

/// The script for a conversation on `business`, with the steps ticked so far: a tick counts
/// for the step at its place while that step's text is unchanged (ticks recorded before the
/// text was kept count by place alone).
pub fn script_view(
    scripts: &[ScriptRecord],
    business: &str,
    ticked: &[StepDone],
) -> Option<ScriptView> {
    let script = script_for(scripts, business)?;
    Some(ScriptView {
        id: script.id.clone(),
        title: script.title.clone(),
        steps: script
            .steps
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let done = ticked.iter().find(|d| {
                    d.script_id == script.id
                        && usize::try_from(d.index).ok() == Some(index)
                        && d.text.as_ref().is_none_or(|t| t == text)
                });
                StepView {
                    text: text.clone(),
                    done: done.is_some(),
                    done_at: done.map(|d| rfc3339(d.at)),
                    done_by: done.map(|d| d.by.clone()),
                }
            })
            .collect(),
    })
}

/// `PUT /scripts/{id}`: `true` when new.
pub async fn put(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &str,
    input: ScriptInput,
    by: &AgentId,
) -> Result<(bool, ScriptDefinition), StoreError> {
    let script = ScriptRecord {
        id: id.to_owned(),
        title: input.title,
        steps: input.steps,
        numbers: input.numbers,
        updated_by: by.as_str().to_owned(),
        updated_at: clock.now(),
    };
    let new = store.put_script(&script).await?;
    Ok((new, ScriptDefinition::from(script)))
}

/// Why a step was not ticked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TickRefusal {
    NoConversation,
    /// Only the assigned agent ticks.
    NotAssigned,
    NotActive,
    /// No script applies, or it has no such step.
    NoStep,
}

/// `POST /conversations/{id}/script/steps/{index}`: the assigned agent ticks (or unticks) a
/// step of their active conversation's script. Answers the script as it is now.
pub async fn tick(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    index: usize,
    done: bool,
    agent: &AgentId,
) -> Result<Result<ScriptView, TickRefusal>, StoreError> {
    let Some(conversation) = store.conversation(id).await? else {
        return Ok(Err(TickRefusal::NoConversation));
    };
    if conversation.assigned_agent.as_deref() != Some(agent.as_str()) {
        return Ok(Err(TickRefusal::NotAssigned));
    }
    if conversation.state != ConversationState::Active {
        return Ok(Err(TickRefusal::NotActive));
    }
    let scripts = store.scripts().await?;
    let Some(script) = script_for(&scripts, &conversation.business) else {
        return Ok(Err(TickRefusal::NoStep));
    };
    let Some(step) = u32::try_from(index)
        .ok()
        .filter(|_| index < script.steps.len())
    else {
        return Ok(Err(TickRefusal::NoStep));
    };
    let record = StepDone {
        conversation_id: id.as_str().to_owned(),
        script_id: script.id.clone(),
        index: step,
        by: agent.as_str().to_owned(),
        at: clock.now(),
        text: script.steps.get(index).cloned(),
    };
    store.set_step(&record, done).await?;
    let ticked = store.desk_items(id).await?.steps;
    Ok(script_view(&scripts, &conversation.business, &ticked).ok_or(TickRefusal::NoStep))
}
