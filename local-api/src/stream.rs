//! local-api as the event source mapping: the table's changes go to notify-agent's Lambda
//! handler in batches, failed records are retried, as Lambda does with a DynamoDB stream.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_lambda_events::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};
use lambda_runtime::{Context, LambdaEvent};
use notify_agent::{NotifyAgent, function_handler, to_event_record};
use whatsapp_channel::adapters::dynamodb::stream::decode;
use whatsapp_channel::adapters::{InMemoryChannelStore, SystemClock};
use whatsapp_channel::ports::{ChangeKind, Clock, StreamChange};

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
    memory: Arc<InMemoryChannelStore>,
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
    >| { item.map(serde_dynamo::Item::from).and_then(decode) };
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

/// Where local-api is in one shard of the stream.
struct Shard {
    iterator: Option<String>,
    /// The last record handed to notify-agent: a lost iterator resumes right after it.
    last_sequence: Option<String>,
    /// Where to start when no record was read yet.
    start: ShardIteratorType,
    /// The shard was split or closed and is read to its end.
    closed: bool,
}

/// Adds every shard not seen yet, starting at `start`.
async fn discover(
    streams: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    shards: &mut HashMap<String, Shard>,
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
    let found = stream
        .stream_description
        .and_then(|d| d.shards)
        .unwrap_or_default();
    for shard in found {
        let Some(id) = shard.shard_id else { continue };
        shards.entry(id).or_insert_with(|| Shard {
            iterator: None,
            last_sequence: None,
            start: start.clone(),
            closed: false,
        });
    }
}

/// Gets an iterator for every open shard that has none: after its last record, or at its start.
async fn acquire(
    streams: &aws_sdk_dynamodbstreams::Client,
    stream_arn: &str,
    shards: &mut HashMap<String, Shard>,
) {
    for (id, shard) in shards
        .iter_mut()
        .filter(|(_, s)| s.iterator.is_none() && !s.closed)
    {
        let request = streams
            .get_shard_iterator()
            .stream_arn(stream_arn)
            .shard_id(id);
        let request = match &shard.last_sequence {
            Some(sequence) => request
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(sequence),
            None => request.shard_iterator_type(shard.start.clone()),
        };
        match request.send().await {
            Ok(out) => shard.iterator = out.shard_iterator,
            Err(e) => tracing::warn!(error = ?e, shard = %id, "no iterator for a stream shard yet"),
        }
    }
}

/// Polls the table's DynamoDB stream (the SDK's endpoint variables apply, so DynamoDB Local
/// works) and feeds notify-agent. Shards open at start are read from their latest record;
/// shards that appear later from their beginning; a failed read resumes after the last record.
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
    // The shards open now get their LATEST iterator before this returns, so no change made
    // after start-up is missed.
    let mut shards: HashMap<String, Shard> = HashMap::new();
    discover(
        &streams,
        &stream_arn,
        &mut shards,
        ShardIteratorType::Latest,
    )
    .await;
    for _ in 0..10 {
        acquire(&streams, &stream_arn, &mut shards).await;
        if shards.values().all(|s| s.iterator.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // From now on a shard without an iterator is read from its start: one still missing, and
    // one whose LATEST iterator fails before a record was read (DynamoDB Local answers a busy
    // shard's first read with TrimmedDataAccessException), which re-acquired at LATEST would
    // skip every change made meanwhile. A replay is harmless: the notification markers keep
    // what was published single, and routing re-reads what it acts on.
    for shard in shards.values_mut() {
        shard.start = ShardIteratorType::TrimHorizon;
    }
    tokio::spawn(async move {
        loop {
            discover(
                &streams,
                &stream_arn,
                &mut shards,
                ShardIteratorType::TrimHorizon,
            )
            .await;
            for _ in 0..20 {
                acquire(&streams, &stream_arn, &mut shards).await;
                let mut any = false;
                for shard in shards.values_mut() {
                    let Some(current) = shard.iterator.take() else {
                        continue;
                    };
                    match streams.get_records().shard_iterator(current).send().await {
                        Ok(out) => {
                            shard.closed = out.next_shard_iterator.is_none();
                            shard.iterator = out.next_shard_iterator;
                            let records = out.records.unwrap_or_default();
                            if let Some(sequence) = records
                                .last()
                                .and_then(|r| r.dynamodb.as_ref())
                                .and_then(|d| d.sequence_number.clone())
                            {
                                shard.last_sequence = Some(sequence);
                            }
                            let changes: Vec<_> =
                                records.into_iter().filter_map(to_change).collect();
                            if !changes.is_empty() {
                                any = true;
                                deliver(&state, changes).await;
                            }
                        }
                        // The iterator is dropped; the next pass resumes after the last record.
                        Err(e) => tracing::warn!(error = ?e, "reading the table's stream failed"),
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
