//! What a search costs, on DynamoDB Local and the embedded store: an interceptor counting the
//! requests sent and the postings read, a wrapper counting the index port's page reads, and a
//! store under test with a clock and a way to index messages as notify-agent does.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use chrono::TimeDelta;
use whatsapp_channel::adapters::{DynamoChannelStore, InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::desk::search::{SearchPage, index_change, parse_search, search};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::{InboundMessage, MessageSid};
use whatsapp_channel::ports::{
    ChangeKind, ChannelStore, ConversationRecord, FoundMessage, SearchIndex, StoreError,
    StoredItem, StreamChange, TermEntry, TermPage, TermQuery,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

use crate::helpers::dynamodb_endpoint;

/// What one search cost on DynamoDB: requests by operation, postings read.
#[derive(Debug, Default, Clone)]
pub(super) struct Cost {
    requests: Arc<Mutex<Vec<String>>>,
    scanned: Arc<Mutex<i32>>,
}

impl Cost {
    /// The requests and postings read since the last call.
    fn take(&self) -> (Vec<String>, i32) {
        let requests = std::mem::take(&mut *self.requests.lock().unwrap());
        let scanned = std::mem::take(&mut *self.scanned.lock().unwrap());
        (requests, scanned)
    }
}

impl Intercept for Cost {
    fn name(&self) -> &'static str {
        "SearchCost"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("?")
            .trim_start_matches("DynamoDB_20120810.")
            .to_owned();
        self.requests.lock().unwrap().push(target);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Ok(output) = context.output_or_error()
            && let Some(query) = output.downcast_ref::<QueryOutput>()
        {
            *self.scanned.lock().unwrap() += query.scanned_count;
        }
        Ok(())
    }
}

/// Counts the index port's page reads, whatever the store.
pub(super) struct CountingIndex {
    store: Arc<dyn ChannelStore>,
    pages: AtomicUsize,
}

impl CountingIndex {
    fn take_pages(&self) -> usize {
        self.pages.swap(0, Ordering::SeqCst)
    }
}

#[async_trait]
impl SearchIndex for CountingIndex {
    async fn index_terms(&self, entries: &[TermEntry]) -> Result<(), StoreError> {
        self.store.index_terms(entries).await
    }

    async fn search_term(&self, query: &TermQuery, limit: usize) -> Result<TermPage, StoreError> {
        self.pages.fetch_add(1, Ordering::SeqCst);
        self.store.search_term(query, limit).await
    }

    async fn has_terms(
        &self,
        wanted: &[(String, TermEntry)],
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.store.has_terms(wanted).await
    }

    async fn result_messages(&self, ids: &[String]) -> Result<Vec<FoundMessage>, StoreError> {
        self.store.result_messages(ids).await
    }

    async fn result_conversations(
        &self,
        ids: &[String],
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        self.store.result_conversations(ids).await
    }
}

/// One store under test, its clock, and what it counts.
pub(super) struct Subject {
    pub(super) name: &'static str,
    store: Arc<dyn ChannelStore>,
    index: CountingIndex,
    clock: ManualClock,
    /// DynamoDB's requests; `None` for the embedded store.
    cost: Option<Cost>,
}

impl Subject {
    fn new(name: &'static str, store: Arc<dyn ChannelStore>, cost: Option<Cost>) -> Self {
        Self {
            name,
            index: CountingIndex {
                store: store.clone(),
                pages: AtomicUsize::new(0),
            },
            store,
            clock: ManualClock::at(t0()),
            cost,
        }
    }

    /// A message of `customer` at `minute`, stored and indexed as notify-agent indexes it.
    pub(super) async fn said(&self, customer: &str, minute: i64, text: &str) -> String {
        self.clock.set(t0() + TimeDelta::minutes(minute));
        let sid = new_sid();
        let message = InboundMessage::from_params(inbound_params(&sid, customer, text)).unwrap();
        receive_inbound(self.store.as_ref(), &self.clock, &message)
            .await
            .unwrap();
        let record = self
            .store
            .message(&MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap();
        let change = StreamChange {
            id: format!("index-{sid}"),
            kind: ChangeKind::Insert,
            old: None,
            new: Some(StoredItem::Message(Box::new(record))),
            by_ttl: None,
        };
        index_change(self.store.as_ref(), &change).await.unwrap();
        sid
    }

    /// `count` postings of `word` alone, one a minute from `first_minute`, of other customers'
    /// messages (written straight to the index: they are never results). A posting is written
    /// only for a conversation that stands, so they all name one real conversation.
    pub(super) async fn other_postings(&self, word: &str, first_minute: i64, count: i64) {
        let sid = self
            .said("whatsapp:+447700949999", first_minute, "background")
            .await;
        let conversation = self
            .store
            .message(&MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap()
            .conversation_id;
        let entries: Vec<TermEntry> = (0..count)
            .map(|i| TermEntry {
                term: word.into(),
                message_id: format!("SM{:032x}", 0xf111_u128 + i as u128),
                conversation_id: conversation.clone(),
                customer: format!("whatsapp:+4477009{:05}", 50_000 + i),
                created_at: t0() + TimeDelta::minutes(first_minute + i),
            })
            .collect();
        self.store.index_terms(&entries).await.unwrap();
    }

    /// One page of `GET /search?{query}`, with its cost: index pages read, and on DynamoDB the
    /// requests sent and the postings read.
    pub(super) async fn page(
        &self,
        query: &str,
    ) -> (SearchPage, usize, Option<(Vec<String>, i32)>) {
        let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let request = parse_search(|name| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .unwrap();
        if let Some(cost) = &self.cost {
            cost.take();
        }
        self.index.take_pages();
        let page = search(&self.index, &request).await.unwrap();
        (
            page,
            self.index.take_pages(),
            self.cost.as_ref().map(Cost::take),
        )
    }
}

/// A fresh table on DynamoDB Local whose client counts what searches cost.
async fn dynamo() -> Subject {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "tests"))
        .endpoint_url(dynamodb_endpoint())
        .load()
        .await;
    let cost = Cost::default();
    let conf = aws_sdk_dynamodb::config::Builder::from(&sdk)
        .interceptor(cost.clone())
        .build();
    let table = format!("search-{}", uuid::Uuid::now_v7().simple());
    let store = DynamoChannelStore::new(Client::from_conf(conf), table);
    assert!(store.create_table_if_missing().await.unwrap());
    Subject::new("dynamodb", Arc::new(store), Some(cost))
}

pub(super) async fn subjects() -> Vec<Subject> {
    vec![
        dynamo().await,
        Subject::new("memory", Arc::new(InMemoryChannelStore::new()), None),
    ]
}

pub(super) fn count(requests: &[String], operation: &str) -> usize {
    requests.iter().filter(|r| *r == operation).count()
}

pub(super) fn encoded(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}
