//! Search's bounded cost, on DynamoDB Local and on the embedded store side by side: the word cap
//! answers 400 through local-api; a customer's search reads that customer's postings alone; a
//! page the read cap cut short carries a cursor that leads to every match, once; the costliest
//! search stays within the documented worst case. On DynamoDB the requests sent and the
//! postings read are counted by an interceptor, on both stores the reads of the index port.

mod harness;

use local_api::StoreChoice;
use whatsapp_channel::app::desk::search::MAX_PAGES_PER_SHARD;
use whatsapp_channel::domain::search::TERM_SHARDS;

use crate::helpers::dynamodb_endpoint;
use crate::helpers::local::Local;
use harness::{count, encoded, subjects};

const CUSTOMER: &str = "whatsapp:+447700900123";

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

#[tokio::test]
async fn the_costliest_search_stays_within_its_documented_worst_case() {
    // Eight words, 100 a page, narrowed to an agent; 320 messages hold every word (so every
    // candidate is checked for all seven other words, then for its conversation's agent) and
    // none is that agent's.
    const WORDS: [&str; 8] = [
        "delivered",
        "parcel",
        "today",
        "door",
        "left",
        "at",
        "the",
        "zz",
    ];
    let worst = MAX_PAGES_PER_SHARD * (TERM_SHARDS as usize + 7 + 1) + 1;
    assert_eq!(worst, 37);
    for s in subjects().await {
        for word in WORDS {
            s.other_postings(word, 10, 320).await;
        }
        let query = format!("q={}&limit=100&agent=agent-x", WORDS.join("+"));
        let (page, pages, cost) = s.page(&query).await;
        assert!(page.results.is_empty(), "{}", s.name);
        assert!(
            page.cursor.is_some(),
            "{}: 20 postings left to read",
            s.name
        );
        assert_eq!(pages, MAX_PAGES_PER_SHARD, "{}", s.name);
        if let Some((requests, scanned)) = cost {
            assert!(
                requests.len() <= worst,
                "{} requests: {requests:?}",
                requests.len()
            );
            assert_eq!(count(&requests, "Query"), 12, "{requests:?}");
            assert_eq!(
                count(&requests, "BatchGetItem"),
                3 * (7 + 1),
                "{requests:?}"
            );
            assert!(scanned <= 3 * 4 * 102, "{scanned} postings read");
            eprintln!(
                "the costliest search: {} requests, {scanned} postings read",
                requests.len()
            );
        }
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
    let desk = Local::start_with(choice, None).await;
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
