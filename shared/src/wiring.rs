//! What more than one function's `main` builds the same way at cold start: the composition
//! root's shared pieces (adapters joined to use cases by the environment's configuration).

use std::sync::Arc;

use crate::adapters::{ApiGatewayLivePoster, SnsAgentNotifier};
use crate::app::live::PushingNotifier;
use crate::config::{self, MissingVariable};
use crate::ports::{AgentNotifier, ConnectionStore};

/// Agents' notifications: the SNS topic (`AGENT_NOTIFICATIONS_TOPIC_ARN`) and, with the live
/// channel deployed (`LIVE_ENDPOINT`), every notification also pushed to the agents' consoles.
pub fn agent_notifier(
    sdk: &aws_config::SdkConfig,
    connections: Arc<dyn ConnectionStore>,
) -> Result<Arc<dyn AgentNotifier>, MissingVariable> {
    let sns: Arc<dyn AgentNotifier> = Arc::new(SnsAgentNotifier::new(
        SnsAgentNotifier::client(sdk),
        config::required("AGENT_NOTIFICATIONS_TOPIC_ARN")?,
    ));
    Ok(match config::optional("LIVE_ENDPOINT") {
        Some(endpoint) => Arc::new(PushingNotifier {
            inner: sns,
            connections,
            poster: Arc::new(ApiGatewayLivePoster::new(sdk, &endpoint)),
        }),
        None => sns,
    })
}

/// The sentiment reader `SENTIMENT` names (`default` when unset): Amazon Comprehend (with
/// `SENTIMENT_LANGUAGE`), the embedded lexicon (loaded now, at cold start), or none.
pub fn sentiment_scorer(
    sdk: &aws_config::SdkConfig,
    default: crate::domain::sentiment::SentimentMode,
) -> Result<Option<Arc<dyn crate::ports::SentimentScorer>>, config::ConfigError> {
    use crate::domain::sentiment::SentimentMode;
    Ok(match config::sentiment(default)? {
        SentimentMode::Comprehend => Some(Arc::new(crate::adapters::ComprehendScorer::new(
            crate::adapters::ComprehendScorer::client(sdk),
            config::sentiment_language()?,
        ))),
        SentimentMode::Lexicon => Some(Arc::new(crate::adapters::LexiconScorer::warmed())),
        SentimentMode::Off => None,
    })
}
