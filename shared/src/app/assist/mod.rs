//! Assist: what an agent has beside the conversation. The customer's sentiment (read off the
//! webhook's path, from the stream), knowledge articles and their search, suggestions ranked
//! against the customer's latest messages, and administrators' scripts as a checklist.

pub mod knowledge;
pub mod scripts;
pub mod sentiment;
pub mod suggestions;

use std::sync::Arc;

use crate::ports::{AgentNotifier, ChannelStore, SentimentScorer, StreamChange};

/// What notify-agent does for an agent's assist, per stream record.
pub struct Assist {
    /// `SENTIMENT`: Comprehend or the lexicon; `None`: off.
    pub scorer: Option<Arc<dyn SentimentScorer>>,
    /// The articles' search entries, cached while their version holds.
    pub knowledge: Arc<knowledge::Knowledge>,
}

/// What one record did: the business number of a message read negative (the
/// `NegativeSentiment` metric), and whether suggestions were pushed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct AssistReport {
    pub negative_for: Option<String>,
    pub scored: bool,
    pub suggested: bool,
}

impl Assist {
    /// A customer's new text: its sentiment and the conversation's (pushed live), then fresh
    /// suggestions for the agent who holds it (pushed live). Both are safe to repeat.
    pub async fn on_change(
        &self,
        store: &dyn ChannelStore,
        notifier: &dyn AgentNotifier,
        change: &StreamChange,
    ) -> Result<AssistReport, sentiment::AssistError> {
        let Some(message) = sentiment::new_customer_text(change) else {
            return Ok(AssistReport::default());
        };
        let mut report = AssistReport::default();
        if let Some(scorer) = &self.scorer
            && let Some(scored) =
                sentiment::read_message(store, scorer.as_ref(), notifier, message).await?
        {
            report.scored = true;
            if scored.negative {
                report.negative_for = Some(scored.business);
            }
        }
        report.suggested = suggestions::push_for(store, &self.knowledge, notifier, message).await?;
        Ok(report)
    }
}
