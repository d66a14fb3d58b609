//! Search's bounded cost, on DynamoDB Local and on the embedded store side by side: the word cap
//! answers 400 through local-api; a customer's search reads that customer's postings alone; a
//! page the read cap cut short carries a cursor that leads to every match, once. On DynamoDB the
//! requests sent and the postings read are counted by an interceptor, on both stores the reads
//! of the index port.

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
use local_api::StoreChoice;
use whatsapp_channel::adapters::{DynamoChannelStore, InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::desk::search::{
    MAX_PAGES_PER_SHARD, SearchPage, index_change, parse_search, search,
};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::search::TERM_SHARDS;
use whatsapp_channel::domain::{InboundMessage, MessageSid};
use whatsapp_channel::ports::{
    ChangeKind, ChannelStore, ConversationRecord, FoundMessage, SearchIndex, StoreError,
    StoredItem, StreamChange, TermEntry, TermPage, TermQuery,
};
use whatsapp_channel::testing::{inbound_params, new_sid, t0};

use crate::desk::Desk;
use crate::helpers::dynamodb_endpoint;

const CUSTOMER: &str = "whatsapp:+447700900123";

/// What one search cost on DynamoDB: requests by operation, postings read.
#[derive(Debug, Default, Clone)]
struct Cost {
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
struct CountingIndex {
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
struct Subject {
    name: &'static str,
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
    async fn said(&self, customer: &str, minute: i64, text: &str) -> String {
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
    /// messages (written straight to the index: they are never results).
    async fn other_postings(&self, word: &str, first_minute: i64, count: i64) {
        let entries: Vec<TermEntry> = (0..count)
            .map(|i| TermEntry {
                term: word.into(),
                message_id: format!("SM{:032x}", 0xf111_u128 + i as u128),
                conversation_id: format!("01a20a57-f1b0-7342-9a4c-{:012x}", i),
                customer: format!("whatsapp:+4477009{:05}", 50_000 + i),
                created_at: t0() + TimeDelta::minutes(first_minute + i),
            })
            .collect();
        self.store.index_terms(&entries).await.unwrap();
    }

    /// One page of `GET /search?{query}`, with its cost: index pages read, and on DynamoDB the
    /// requests sent and the postings read.
    async fn page(&self, query: &str) -> (SearchPage, usize, Option<(Vec<String>, i32)>) {
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

async fn subjects() -> Vec<Subject> {
    vec![
        dynamo().await,
        Subject::new("memory", Arc::new(InMemoryChannelStore::new()), None),
    ]
}

fn count(requests: &[String], operation: &str) -> usize {
    requests.iter().filter(|r| *r == operation).count()
}

fn encoded(raw: &str) -> String {
    form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

#[tokio::test]
async fn a_customers_search_for_a_common_word_reads_that_customers_postings_alone() {
    for s in subjects().await {
        let mut theirs = Vec::new();
        for minute in 0..3 {
            theirs.push(s.said(CUSTOMER, minute, &format!("order {minute}")).await);
        }
        theirs.reverse();
        // The word is common: 400 newer postings of other customers' messages.
        s.other_postings("order", 10, 400).await;

        let query = format!("q=order&customer={}", encoded(CUSTOMER));
        let (page, pages, cost) = s.page(&query).await;
        let found: Vec<&str> = page.results.iter().map(|r| r.message_id.as_str()).collect();
        assert_eq!(found, theirs, "{}", s.name);
        assert_eq!(page.cursor, None, "{}", s.name);
        assert_eq!(page.results[0].snippet, "order 2", "{}", s.name);
        assert_eq!(pages, 1, "{}: one page of the index", s.name);
        if let Some((requests, scanned)) = cost {
            // One Query of the customer's postings on gsi2, one BatchGetItem for the snippets.
            assert_eq!(count(&requests, "Query"), 1, "{requests:?}");
            assert_eq!(requests.len(), 2, "{requests:?}");
            assert_eq!(scanned, 3, "only the customer's postings are read");
        }

        // Paged: the cursor leads to the rest, once.
        let (first, _, _) = s.page(&format!("{query}&limit=2")).await;
        assert_eq!(first.results.len(), 2, "{}", s.name);
        let cursor = first.cursor.clone().expect("a cursor");
        let (rest, _, cost) = s
            .page(&format!("{query}&limit=2&cursor={}", encoded(&cursor)))
            .await;
        let found: Vec<&str> = first
            .results
            .iter()
            .chain(&rest.results)
            .map(|r| r.message_id.as_str())
            .collect();
        assert_eq!(found, theirs, "{}", s.name);
        assert_eq!(rest.cursor, None, "{}", s.name);
        if let Some((requests, scanned)) = cost {
            assert_eq!(count(&requests, "Query"), 1, "{requests:?}");
            assert!(scanned <= 2, "{scanned}");
        }
    }
}

#[tokio::test]
async fn a_page_the_read_cap_cuts_short_carries_a_cursor_that_leads_to_every_match_once() {
    const LIMIT: usize = 5;
    // Pages of LIMIT postings, MAX_PAGES_PER_SHARD of them per request: 15 postings a request.
    let per_request = LIMIT * MAX_PAGES_PER_SHARD;
    for s in subjects().await {
        let mut matches = Vec::new();
        for minute in 0..4 {
            matches.push(
                s.said(CUSTOMER, minute, "Your parcel was delivered zz")
                    .await,
            );
        }
        matches.reverse();
        // 30 newer messages hold the longer word but not the other: every candidate of the
        // first two requests is turned down.
        s.other_postings("delivered", 10, 2 * per_request as i64)
            .await;

        let mut found = Vec::new();
        let mut query = format!("q=delivered+zz&limit={LIMIT}");
        let mut answers = Vec::new();
        for _ in 0..5 {
            let (page, pages, cost) = s.page(&query).await;
            assert!(
                pages <= MAX_PAGES_PER_SHARD,
                "{}: {pages} index pages for one answer",
                s.name
            );
            if let Some((requests, scanned)) = cost {
                let rounds = MAX_PAGES_PER_SHARD;
                let shards = TERM_SHARDS as usize;
                // Per page read: a Query per shard and one BatchGetItem checking the other
                // word; then one BatchGetItem for the results' messages.
                assert!(count(&requests, "Query") <= rounds * shards, "{requests:?}");
                assert!(requests.len() <= rounds * (shards + 1) + 1, "{requests:?}");
                assert!(
                    scanned as usize <= rounds * shards * (LIMIT + 2),
                    "{scanned} postings read"
                );
            }
            answers.push(page.results.len());
            found.extend(page.results.iter().map(|r| r.message_id.clone()));
            match page.cursor {
                Some(cursor) => {
                    query = format!("q=delivered+zz&limit={LIMIT}&cursor={}", encoded(&cursor))
                }
                None => break,
            }
        }
        assert_eq!(
            answers,
            vec![0, 0, 4],
            "{}: two answers cut short by the cap, then the matches",
            s.name
        );
        assert_eq!(found, matches, "{}: every match, once", s.name);
    }
}

/// 64 distinct two-letter words (`aa ab … cl`): 191 characters, within `q`'s 200.
fn sixty_four_words() -> String {
    let letters: Vec<char> = ('a'..='z').collect();
    (0..64)
        .map(|i| format!("{}{}", letters[i / 26], letters[i % 26]))
        .collect::<Vec<_>>()
        .join("+")
}

async fn a_64_word_search_answers_400(choice: StoreChoice) {
    let desk = Desk::start(choice).await;
    desk.inbound(CUSTOMER, "aa ab ac ad ae").await;
    let (status, body) = desk
        .get(&format!("/search?q={}", sixty_four_words()), "alice")
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "too_many_words", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at most 8 words"),
        "{body}"
    );
    let (status, body) = desk.get("/search?q=aa+ab+ac+ad+ae+af+ag+ah", "alice").await;
    assert_eq!(status, 200, "eight words are searched: {body}");
}

#[tokio::test]
async fn a_64_word_search_answers_400_through_local_api_on_the_embedded_store() {
    a_64_word_search_answers_400(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn a_64_word_search_answers_400_through_local_api_on_dynamodb_local() {
    dynamodb_endpoint();
    let table = format!("search-{}", uuid::Uuid::now_v7().simple());
    a_64_word_search_answers_400(StoreChoice::DynamoDb { table }).await;
}
