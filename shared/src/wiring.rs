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

/// How long init waits for the DynamoDB warm-up before it gives up (and the first customer
/// pays the connection instead).
pub const WARM_UP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Opens the DynamoDB client's connection at init, so the first customer does not pay for it:
/// one eventually consistent `GetItem` (half a read unit) of `{prefix}warm-up`, a key nobody
/// writes, under a key prefix the function's IAM policy allows (its `dynamodb:LeadingKeys`).
/// The first request of a client also builds its HTTP client and TLS configuration (the
/// platform's root certificates, read from disk), resolves credentials and the endpoint: all
/// of it moves from the first invocation to init. Bounded by [`WARM_UP_TIMEOUT`]; whatever
/// happens is only logged at debug, and never fails init.
pub async fn warm_dynamodb(client: &aws_sdk_dynamodb::Client, table: &str, prefix: &str) {
    use aws_sdk_dynamodb::types::AttributeValue;
    let sk = prefix.trim_end_matches('#');
    let request = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("{prefix}warm-up")))
        .key("sk", AttributeValue::S(sk.to_owned()))
        .send();
    match tokio::time::timeout(WARM_UP_TIMEOUT, request).await {
        Ok(Ok(_)) => tracing::debug!("DynamoDB connection warmed"),
        Ok(Err(e)) => {
            tracing::debug!(error = %crate::logging::chain(&e), "DynamoDB warm-up failed")
        }
        Err(_) => tracing::debug!("DynamoDB warm-up timed out"),
    }
}

/// The table's store for a function (`TABLE_NAME`), its connection opened at init with
/// [`warm_dynamodb`] under `prefix`, a key prefix the function's IAM policy allows.
pub async fn warmed_store(
    sdk: &aws_config::SdkConfig,
    prefix: &str,
) -> Result<crate::adapters::DynamoChannelStore, MissingVariable> {
    let table = config::required("TABLE_NAME")?;
    let client = crate::adapters::dynamodb::client(sdk);
    warm_dynamodb(&client, &table, prefix).await;
    Ok(crate::adapters::DynamoChannelStore::new(client, table))
}
