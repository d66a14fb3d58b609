//! Smart suggestions: the articles and team quick replies that best answer the customer's
//! latest messages, computed when asked and again (pushed live to the conversation's agent)
//! whenever the customer writes; and the record of which suggestion an agent used.

use serde::Serialize;
use serde_json::json;

use super::knowledge::{ArticleHit, Knowledge};
use crate::domain::knowledge::{Corpus, index_doc};
use crate::domain::{AgentId, ConversationId, ConversationState};
use crate::ports::{
    AgentNotifier, ChannelStore, Clock, EventRecord, MessageRecord, Notification, StoreError,
};

/// Suggestions of each kind, at most.
pub const MAX_EACH: usize = 3;
/// The customer's latest text messages they are ranked against.
pub const TEXTS_READ: usize = 3;
/// The event `POST …/suggestions/{kind}/{id}/used` adds to the transcript.
pub const SUGGESTION_USED: &str = "suggestion_used";

/// A team quick reply as a suggestion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuickReplyHit {
    pub id: String,
    pub title: String,
    pub body: String,
    pub score: f64,
}

/// `GET /conversations/{id}/suggestions`, and the live `conversation.suggestions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    pub conversation_id: String,
    pub articles: Vec<ArticleHit>,
    pub quick_replies: Vec<QuickReplyHit>,
    /// The customer messages they answer, newest first.
    pub based_on: Vec<String>,
}

/// The suggestions for a conversation now. `just_stored`: a message the index may not show
/// yet (the stream's new message), read as the newest.
pub async fn for_conversation(
    store: &dyn ChannelStore,
    knowledge: &Knowledge,
    id: &ConversationId,
    just_stored: Option<&MessageRecord>,
) -> Result<Suggestions, StoreError> {
    let mut latest = store.latest_inbound(id, TEXTS_READ + 4).await?;
    if let Some(message) = just_stored
        && !latest.iter().any(|m| m.id == message.id)
    {
        latest.push(message.clone());
    }
    latest.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let texts: Vec<(&str, &str)> = latest
        .iter()
        .filter_map(|m| {
            let body = m.body.as_deref()?.trim();
            (!body.is_empty()).then_some((m.id.as_str(), body))
        })
        .take(TEXTS_READ)
        .collect();
    let words: Vec<&str> = texts.iter().map(|(_, t)| *t).collect();
    let articles = if words.is_empty() {
        Vec::new()
    } else {
        knowledge.suggest(store, &words, MAX_EACH).await?
    };
    let quick_replies = if words.is_empty() {
        Vec::new()
    } else {
        let replies = store.quick_replies().await?;
        let corpus = Corpus::new(
            replies
                .iter()
                .map(|r| index_doc(&r.id, &r.title, &r.body))
                .collect(),
        );
        corpus
            .suggest(&words, MAX_EACH)
            .into_iter()
            .filter_map(|hit| {
                let reply = replies.iter().find(|r| r.id == hit.id)?;
                Some(QuickReplyHit {
                    id: reply.id.clone(),
                    title: reply.title.clone(),
                    body: reply.body.clone(),
                    score: (hit.score * 1000.0).round() / 1000.0,
                })
            })
            .collect()
    };
    Ok(Suggestions {
        conversation_id: id.as_str().to_owned(),
        articles,
        quick_replies,
        based_on: texts.iter().map(|(id, _)| (*id).to_owned()).collect(),
    })
}

/// A customer's new message: fresh suggestions pushed to the agent who holds the
/// conversation (live only, never SNS). `false` when nobody holds it.
pub async fn push_for(
    store: &dyn ChannelStore,
    knowledge: &Knowledge,
    notifier: &dyn AgentNotifier,
    message: &MessageRecord,
) -> Result<bool, StoreError> {
    let Ok(id) = ConversationId::parse(&message.conversation_id) else {
        return Ok(false);
    };
    let Some(conversation) = store.conversation(&id).await? else {
        return Ok(false);
    };
    let (ConversationState::Active, Some(agent)) =
        (conversation.state, conversation.assigned_agent.clone())
    else {
        return Ok(false);
    };
    let suggestions = for_conversation(store, knowledge, &id, Some(message)).await?;
    let mut body = json!(suggestions);
    body["event_type"] = json!("conversation.suggestions");
    body["business_number"] = json!(conversation.business);
    notifier
        .push_live(&Notification {
            event_type: "conversation.suggestions".into(),
            business_number: conversation.business,
            agent_ids: vec![agent],
            supervisors: false,
            authenticated: false,
            body,
        })
        .await;
    Ok(true)
}

/// What an agent may have used: `article` or `quick_reply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionKind {
    Article,
    QuickReply,
}

impl SuggestionKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "article" => Some(Self::Article),
            "quick_reply" => Some(Self::QuickReply),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Article => "article",
            Self::QuickReply => "quick_reply",
        }
    }
}

/// Records that `by` inserted a suggestion: a `suggestion_used` event in the transcript, so
/// usefulness can be measured. `false` when there is no such conversation.
pub async fn used(
    store: &dyn ChannelStore,
    clock: &dyn Clock,
    id: &ConversationId,
    kind: SuggestionKind,
    item_id: &str,
    by: &AgentId,
) -> Result<bool, StoreError> {
    if store.conversation(id).await?.is_none() {
        return Ok(false);
    }
    let event = EventRecord {
        id: uuid::Uuid::now_v7().simple().to_string(),
        conversation_id: id.as_str().to_owned(),
        event_type: SUGGESTION_USED.into(),
        by: by.as_str().to_owned(),
        from_agent: None,
        to_agent: None,
        kind: Some(kind.as_str().to_owned()),
        item_id: Some(item_id.to_owned()),
        created_at: clock.now(),
    };
    store.add_event(&event).await?;
    Ok(true)
}
