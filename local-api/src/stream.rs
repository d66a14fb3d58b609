//! local-api as the event source mapping: the table's changes go to notify-agent's Lambda
//! handler in batches, failed records are retried, as Lambda does with a DynamoDB stream.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_lambda_events::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler, to_event_record};
use whatsapp_channel::adapters::{InMemorySessionStore, SystemClock};
use whatsapp_channel::app::notify::{ChangeKind, StreamChange};
use whatsapp_channel::ports::Clock;

/// Records in one invocation, as the template's `BatchSize`.
const BATCH: usize = 100;
/// Attempts per record before it would go to the on-failure destination.
const ATTEMPTS: usize = 3;

static SEQUENCE: AtomicU64 = AtomicU64::new(1);

/// Invokes notify-agent with a batch; re-delivers from the first reported failure on, as
/// Lambda does with `ReportBatchItemFailures`.
pub async fn deliver(state: &NotifyAgent, changes: Vec<StreamChange>) {
    let mut records: Vec<_> = changes
        .iter()
        .map(|c| to_event_record(c, SEQUENCE.fetch_add(1, Ordering::Relaxed)))
        .collect();
    for attempt in 1..=ATTEMPTS {
        let mut event = Event::default();
        event.records = records.clone();
        let response =
            match function_handler(state, LambdaEvent::new(event, Context::default())).await {
                Ok(response) => response,
                Err(e) => {
                    tracing::error!(error = %e, "notify-agent failed");
                    return;
                }
            };
        let Some(first_failed) = response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.clone())
            .min()
        else {
            return;
        };
        records.retain(|r| r.change.sequence_number.as_deref() >= Some(first_failed.as_str()));
        if attempt == ATTEMPTS {
            tracing::error!(
                records = records.len(),
                "records failed {ATTEMPTS} times; in AWS they go to the on-failure queue"
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(500 * attempt as u64)).await;
    }
}

/// The embedded store's stream into notify-agent, and its TTL, on this process's clock.
pub fn spawn_embedded(
    memory: Arc<InMemorySessionStore>,
    state: Arc<NotifyAgent>,
    clock: Arc<SystemClock>,
) {
    let mut changes = memory.stream();
    tokio::spawn(async move {
        while let Some(first) = changes.recv().await {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match changes.try_recv() {
                    Ok(change) => batch.push(change),
                    Err(_) => break,
                }
            }
            deliver(&state, batch).await;
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            let removed = memory.expire_sessions(clock.now());
            if removed > 0 {
                tracing::info!(removed, "expired sessions removed (TTL)");
            }
        }
    });
}

fn to_change(record: aws_sdk_dynamodbstreams::types::Record) -> Option<StreamChange> {
    let kind = match record.event_name? {
        OperationType::Insert => ChangeKind::Insert,
        OperationType::Modify => ChangeKind::Modify,
        OperationType::Remove => ChangeKind::Remove,
        _ => return None,
    };
    let data = record.dynamodb?;
    let image = |item: Option<
        std::collections::HashMap<String, aws_sdk_dynamodbstreams::types::AttributeValue>,
    >| { item.filter(|i| !i.is_empty()).map(serde_dynamo::Item::from) };
    Some(StreamChange {
        id: record.event_id?,
        kind,
        old: image(data.old_image),
        new: image(data.new_image),
        by_ttl: record.user_identity.map(|u| {
            u.r#type.as_deref() == Some("Service")
                && u.principal_id.as_deref() == Some("dynamodb.amazonaws.com")
        }),
    })
}

/// Adds an iterator for every shard not seen yet.
async fn discover(
    streams: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    iterators: &mut std::collections::HashMap<String, Option<String>>,
    start: ShardIteratorType,
) {
    let stream = match streams
        .describe_stream()
        .stream_arn(stream_arn)
        .send()
        .await
    {
        Ok(stream) => stream,
        Err(e) => {
            tracing::warn!(error = ?e, "describing the table's stream failed");
            return;
        }
    };
    let shards = stream
        .stream_description
        .and_then(|d| d.shards)
        .unwrap_or_default();
    for shard in shards {
        let Some(id) = shard.shard_id else { continue };
        if iterators.contains_key(&id) {
            continue;
        }
        let iterator = streams
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(&id)
            .shard_iterator_type(start.clone())
            .send()
            .await
            .ok()
            .and_then(|o| o.shard_iterator);
        iterators.insert(id, iterator);
    }
}

/// Polls the table's DynamoDB stream (the SDK's endpoint variables apply, so DynamoDB Local
/// works) and feeds notify-agent. Shards open at start are read from their latest record;
/// shards that appear later from their beginning.
pub async fn spawn_dynamodb(
    sdk: &aws_config::SdkConfig,
    table: &str,
    state: Arc<NotifyAgent>,
) -> Result<(), lambda_http::Error> {
    let tables = aws_sdk_dynamodb::Client::new(sdk);
    // DynamoDB Local serves its streams on its own endpoint: without the SDK's own
    // AWS_ENDPOINT_URL_DYNAMODB_STREAMS, follow AWS_ENDPOINT_URL_DYNAMODB.
    let mut streams_config = aws_sdk_dynamodbstreams::config::Builder::from(sdk);
    if whatsapp_channel::config::optional("AWS_ENDPOINT_URL_DYNAMODB_STREAMS").is_none()
        && let Some(endpoint) = whatsapp_channel::config::optional("AWS_ENDPOINT_URL_DYNAMODB")
    {
        streams_config = streams_config.endpoint_url(endpoint);
    }
    let streams = aws_sdk_dynamodbstreams::Client::from_conf(streams_config.build());
    let described = tables.describe_table().table_name(table).send().await?;
    let stream_arn = described
        .table
        .and_then(|t| t.latest_stream_arn)
        .ok_or("the table has no stream; create it with StreamSpecification NEW_AND_OLD_IMAGES")?;
    // Shards open now are read from their latest record, before this returns, so no change
    // made after start-up is missed; shards that appear later are read from their beginning.
    let mut iterators: std::collections::HashMap<String, Option<String>> = Default::default();
    discover(
        &streams,
        &stream_arn,
        &mut iterators,
        ShardIteratorType::Latest,
    )
    .await;
    tokio::spawn(async move {
        loop {
            discover(
                &streams,
                &stream_arn,
                &mut iterators,
                ShardIteratorType::TrimHorizon,
            )
            .await;
            for _ in 0..20 {
                let mut any = false;
                for iterator in iterators.values_mut() {
                    let Some(current) = iterator.clone() else {
                        continue;
                    };
                    match streams.get_records().shard_iterator(current).send().await {
                        Ok(out) => {
                            *iterator = out.next_shard_iterator;
                            let changes: Vec<_> = out
                                .records
                                .unwrap_or_default()
                                .into_iter()
                                .filter_map(to_change)
                                .collect();
                            if !changes.is_empty() {
                                any = true;
                                deliver(&state, changes).await;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = ?e, "reading the table's stream failed");
                            *iterator = None;
                        }
                    }
                }
                if !any {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    });
    Ok(())
}
