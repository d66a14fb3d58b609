//! Offer routing as a new user tries it, through local-api on its embedded store (and the
//! timer path on DynamoDB Local): an administrator sets capacity; requests go to one agent at a
//! time and never beyond capacity; a reject re-offers; another agent's accept is refused; the
//! clock past the timeout re-offers; with every agent full a request waits until a close; the
//! board answers administrators only.

use std::time::Duration;

use local_api::StoreChoice;
use serde_json::{Value, json};
use whatsapp_channel::app::routing::RoutingSettings;

use crate::helpers::local::{Local, a_customer, dynamodb_local};

const ADMINS: &str = "admins";

/// The requests each agent is offered now, as their own queue shows them.
async fn offered_to(local: &Local, agent: &str) -> Vec<String> {
    let (status, body) = local.get("/conversations?state=requested", agent).await;
    assert_eq!(status, 200, "{body}");
    body["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["offered_to"] == agent)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Polls until `done` holds for the agents' offers (the stream and timers are asynchronous).
async fn until(
    local: &Local,
    agents: &[&str],
    done: impl Fn(&[Vec<String>]) -> bool,
) -> Vec<Vec<String>> {
    let mut last = Vec::new();
    // Up to a minute: DynamoDB Local's stream lags while the suite shares two cores.
    for _ in 0..600 {
        let mut now = Vec::new();
        for agent in agents {
            now.push(offered_to(local, agent).await);
        }
        if done(&now) {
            return now;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never got there: {last:?}");
}

async fn available(local: &Local, agent: &str) {
    let (status, body) = local
        .put(
            &format!("/agents/{agent}/presence"),
            agent,
            json!({"status": "available"}),
        )
        .await;
    assert!(status < 300, "{body}");
}

async fn story(choice: StoreChoice) {
    if std::env::var("ROUTING_STORY_LOGS").is_ok() {
        whatsapp_channel::logging::init();
    }
    let (local, notifier) = Local::routed(choice, RoutingSettings::offer()).await;
    // Capacity: administrators only.
    let (status, body) = local
        .put("/agents/carol", "dave", json!({"capacity": 1}))
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "forbidden");
    for agent in ["alice", "bob", "carol"] {
        let (status, body) = local
            .call(
                reqwest::Method::PUT,
                &format!("/agents/{agent}"),
                "root",
                ADMINS,
                Some(json!({"capacity": 1})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        available(&local, agent).await;
    }
    // Four customers write; three agents of capacity 1: three offers, one each, one waits.
    for _ in 0..4 {
        local
            .inbound(&a_customer(), "Hello, is anyone there?")
            .await;
    }
    let agents = ["alice", "bob", "carol"];
    let offers = until(&local, &agents, |o| o.iter().all(|x| x.len() == 1)).await;
    // The fourth request waits (the stream may take a moment to say so).
    let mut board = Value::Null;
    for _ in 0..600 {
        let (status, body) = local
            .call(reqwest::Method::GET, "/board", "root", ADMINS, None)
            .await;
        assert_eq!(status, 200, "{body}");
        board = body;
        if board["numbers"][0]["waiting"] == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let number = &board["numbers"][0];
    assert_eq!(number["offered"], 3, "{board}");
    assert_eq!(number["waiting"], 1, "{board}");
    assert!(
        board["agents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["offers"] == 1 && a["capacity"] == 1),
        "{board}"
    );
    let (status, body) = local.get("/board", "alice").await;
    assert_eq!((status, body["error"].clone()), (403, json!("forbidden")));
    // Each offered agent heard of their own request only (published once the stream shows
    // the offer: wait for the three).
    for _ in 0..600 {
        let offered = notifier
            .published()
            .iter()
            .filter(|n| n.event_type == "conversation.offered")
            .count();
        if offered >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let offered_events: Vec<Value> = notifier
        .published()
        .into_iter()
        .filter(|n| n.event_type == "conversation.offered")
        .map(|n| {
            assert_eq!(n.agent_ids.len(), 1);
            n.body
        })
        .collect();
    assert_eq!(offered_events.len(), 3);
    assert!(
        notifier
            .published()
            .iter()
            .all(|n| n.event_type != "conversation.requested")
    );
    // Another agent's accept is refused.
    let alices = offers[0][0].clone();
    let (status, body) = local
        .post(&format!("/conversations/{alices}/accept"), "bob", json!({}))
        .await;
    assert_eq!((status, body["error"].clone()), (409, json!("not_offered")));
    // Alice accepts hers, closes it: the waiting request is offered to her.
    let (status, body) = local
        .post(
            &format!("/conversations/{alices}/accept"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = local.get("/agents/alice", "bob").await;
    assert_eq!((status, body["load"].clone()), (200, json!(1)), "{body}");
    let (status, body) = local
        .post(
            &format!("/conversations/{alices}/close"),
            "alice",
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let now = until(&local, &["alice"], |o| o[0].len() == 1).await;
    let waited = now[0][0].clone();
    assert_ne!(waited, alices);
    // Bob rejects his: nobody else has room, so it waits.
    let bobs = offers[1][0].clone();
    let response = local
        .call(
            reqwest::Method::POST,
            &format!("/conversations/{bobs}/reject"),
            "bob",
            "",
            Some(json!({})),
        )
        .await;
    assert_eq!(response.0, 204);
    // Bob's room is free again: he is offered carol's request once it times out.
    let carols = offers[2][0].clone();
    let (status, body) = local
        .post("/local/clock", "root", json!({"advance_seconds": 61}))
        .await;
    assert_eq!(status, 200, "{body}");
    let moved = until(&local, &["bob", "carol"], |o| {
        o[0].contains(&carols) && !o[1].contains(&carols)
    })
    .await;
    assert_eq!(moved[0], [carols]);
    assert!(
        notifier
            .published()
            .iter()
            .any(|n| n.event_type == "conversation.offer_expired" && n.agent_ids == ["carol"])
    );
}

#[tokio::test]
async fn offer_routing_works_as_a_new_user_tries_it_on_the_embedded_store() {
    story(StoreChoice::Embedded).await;
}

#[tokio::test]
async fn offer_routing_works_as_a_new_user_tries_it_on_dynamodb_local() {
    story(dynamodb_local("routing")).await;
}

#[tokio::test]
async fn an_agent_who_lets_two_offers_expire_is_set_away_and_told_why() {
    let (local, notifier) = Local::routed(StoreChoice::Embedded, RoutingSettings::offer()).await;
    available(&local, "alice").await;
    local.inbound(&a_customer(), "First").await;
    local.inbound(&a_customer(), "Second").await;
    until(&local, &["alice"], |o| o[0].len() == 2).await;
    let (status, body) = local
        .post("/local/clock", "root", json!({"advance_seconds": 61}))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut told = None;
    for _ in 0..100 {
        told = notifier
            .published()
            .into_iter()
            .find(|n| n.event_type == "agent.missed");
        if told.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, agent) = local.get("/agents/alice", "alice").await;
    let told = told.unwrap_or_else(|| {
        let kinds: Vec<String> = notifier
            .published()
            .into_iter()
            .map(|n| n.event_type)
            .collect();
        panic!("no agent.missed; published {kinds:?}; alice {agent}")
    });
    assert_eq!(told.agent_ids, ["alice"]);
    assert_eq!(told.body["presence"], "away");
    assert_eq!(agent["presence"], "away", "{agent}");
}
