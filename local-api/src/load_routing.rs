//! `local-api load-routing`: offer routing under load, in this process, on the store local-api
//! would use (DynamoDB Local with `TABLE_NAME`, else embedded). Many agents with a capacity,
//! many customers writing at once; each agent answers each offer at random (accept, reject, or
//! let it time out: offers wait `offer_timeout` of real time), closes what it accepted after a
//! while, and sets itself available again when routing set it away. Then it checks what a contact center needs:
//! every request accepted exactly once, no agent ever over capacity, and reports offers per
//! request, the spread of assignments and the time from a customer's message to its offer.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use whatsapp_channel::adapters::SystemClock;
use whatsapp_channel::app::routing::RoutingSettings;
use whatsapp_channel::domain::{Capacity, RoutingMode};
use whatsapp_channel::ports::{AgentNotifier, Notification, NotifyError};

use crate::send::{InboundToSend, send_inbound};
use crate::{LOCAL_ACCOUNT_SID, LocalApi, StoreChoice};

/// What to run.
#[derive(Debug, Clone)]
pub struct RoutingPlan {
    pub agents: usize,
    pub capacity: u32,
    pub requests: usize,
    /// Customers' messages in flight at once.
    pub concurrency: usize,
    /// Of each 100 offers: how many are accepted and rejected; the rest time out.
    pub accept_percent: u64,
    pub reject_percent: u64,
    pub seed: u64,
    /// How long an offer waits (real time): an agent who lets it time out holds it this long.
    pub offer_timeout: Duration,
    /// The most the run may take.
    pub time_limit: Duration,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct RoutingReport {
    pub requests: usize,
    pub elapsed: Duration,
    /// Requests accepted once, more than once (a defect), never.
    pub accepted_once: usize,
    pub accepted_twice: usize,
    pub never_accepted: usize,
    pub offers: usize,
    pub rejects: usize,
    pub timeouts: usize,
    /// Accepts refused with 409 `not_offered` (the offer expired first).
    pub lost_races: usize,
    /// The most any agent held over their capacity (active plus offers), sampled from the
    /// board; 0: never over.
    pub worst_over_capacity: i64,
    pub board_samples: usize,
    /// Accepted conversations per agent: min, median, max.
    pub spread: (usize, usize, usize),
    /// From a customer's message to its first offer, milliseconds, sorted.
    pub time_to_offer_ms: Vec<f64>,
    pub server_errors: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

impl RoutingReport {
    /// Every request accepted exactly once, nobody over capacity, no 5xx.
    pub fn clean(&self) -> bool {
        self.accepted_once == self.requests
            && self.accepted_twice == 0
            && self.worst_over_capacity <= 0
            && self.server_errors == 0
    }

    pub fn print(&self) {
        println!(
            "{} requests in {:.1} s: accepted exactly once {}, more than once {}, never {}",
            self.requests,
            self.elapsed.as_secs_f64(),
            self.accepted_once,
            self.accepted_twice,
            self.never_accepted
        );
        println!(
            "offers {} ({:.2} per request): rejected {}, timed out {}, accepts that lost to the timer {}",
            self.offers,
            self.offers as f64 / self.requests.max(1) as f64,
            self.rejects,
            self.timeouts,
            self.lost_races
        );
        println!(
            "capacity: worst over {} in {} board samples (0: never over)",
            self.worst_over_capacity, self.board_samples
        );
        println!(
            "assignments per agent: min {}, median {}, max {}",
            self.spread.0, self.spread.1, self.spread.2
        );
        println!(
            "time to offer: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; 5xx: {}",
            percentile(&self.time_to_offer_ms, 50.0),
            percentile(&self.time_to_offer_ms, 99.0),
            percentile(&self.time_to_offer_ms, 100.0),
            self.server_errors
        );
    }
}

/// Notifications as they are published, with when, and the offers handed to the agents.
struct Watching {
    seen: Mutex<Vec<(Instant, Notification)>>,
    to_agents: tokio::sync::mpsc::UnboundedSender<Notification>,
}

#[async_trait]
impl AgentNotifier for Watching {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((Instant::now(), notification.clone()));
        let _ = self.to_agents.send(notification.clone());
        Ok(())
    }
}

/// A repeatable choice in 0..100 for (seed, conversation, agent).
fn roll(seed: u64, conversation: &str, agent: &str) -> u64 {
    let mut hash = seed ^ 0xcbf2_9ce4_8422_2325;
    for byte in conversation.bytes().chain(agent.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash % 100
}

#[derive(Clone)]
struct Http {
    client: reqwest::Client,
    base: String,
}

impl Http {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        agent: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("X-Agent-Id", agent)
            .header(
                "X-Agent-Groups",
                if agent == "supervisor" { "admins" } else { "" },
            );
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.json().await.unwrap_or(Value::Null);
                (status, body)
            }
            Err(_) => (0, Value::Null),
        }
    }
}

/// Runs the plan against a fresh local-api in this process, in offer mode.
pub async fn run(plan: &RoutingPlan) -> Result<RoutingReport, lambda_http::Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let (webhook, _) = crate::webhook_config(port)?;
    let backing = crate::store(&StoreChoice::from_env()).await?;
    let twilio = crate::twilio_side(port, &webhook);
    let routing = RoutingSettings {
        mode: RoutingMode::Offer,
        default_capacity: Capacity::parse(i64::from(plan.capacity))?,
        offer_timeout: chrono::TimeDelta::from_std(plan.offer_timeout)?,
        ..whatsapp_channel::config::routing()?
    };
    let api = Arc::new(
        LocalApi::new(
            &webhook,
            &twilio,
            backing.store.clone(),
            Arc::new(SystemClock::default()),
        )?
        .with_routing(routing),
    );
    let (to_agents, mut offers) = tokio::sync::mpsc::unbounded_channel();
    let watching = Arc::new(Watching {
        seen: Mutex::new(Vec::new()),
        to_agents,
    });
    crate::start_notifications(&backing, watching.clone(), &api).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(crate::serve(listener, api, async {
        let _ = stopped.await;
    }));
    let http = Http {
        client: reqwest::Client::builder().build()?,
        base: format!("http://127.0.0.1:{port}"),
    };
    let agents: Vec<String> = (0..plan.agents).map(|i| format!("agent-{i:03}")).collect();
    for agent in &agents {
        let (status, body) = http
            .call(
                reqwest::Method::PUT,
                &format!("/agents/{agent}/presence"),
                agent,
                Some(json!({"status": "available"})),
            )
            .await;
        if status >= 300 {
            return Err(format!("presence refused: {status} {body}").into());
        }
    }

    let started = Instant::now();
    let accepts: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let tally: Arc<Mutex<BTreeMap<&'static str, usize>>> = Arc::default();
    // The agents: each offer answered at random; set away for missed offers, available again.
    let agents_task = {
        let (http, accepts, tally, seed) =
            (http.clone(), accepts.clone(), tally.clone(), plan.seed);
        let (accept_below, reject_below) = (
            plan.accept_percent,
            plan.accept_percent + plan.reject_percent,
        );
        tokio::spawn(async move {
            while let Some(notification) = offers.recv().await {
                let agent = notification.body["agent_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let conversation = notification.body["conversation_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let (http, accepts, tally) = (http.clone(), accepts.clone(), tally.clone());
                match notification.event_type.as_str() {
                    "conversation.offered" => {
                        let dice = roll(seed, &conversation, &agent);
                        tokio::spawn(async move {
                            let (action, path) = if dice < accept_below {
                                ("accept", format!("/conversations/{conversation}/accept"))
                            } else if dice < reject_below {
                                ("reject", format!("/conversations/{conversation}/reject"))
                            } else {
                                *tally
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .entry("timeouts")
                                    .or_default() += 1;
                                return;
                            };
                            let (status, _) = http
                                .call(reqwest::Method::POST, &path, &agent, Some(json!({})))
                                .await;
                            let mut tally = tally.lock().unwrap_or_else(|e| e.into_inner());
                            match (action, status) {
                                ("accept", 200) => {
                                    accepts
                                        .lock()
                                        .unwrap_or_else(|e| e.into_inner())
                                        .entry(conversation.clone())
                                        .or_default()
                                        .push(agent.clone());
                                    // The agent answers the customer for a while, then closes.
                                    let http = http.clone();
                                    tokio::spawn(async move {
                                        tokio::time::sleep(Duration::from_millis(100 + 10 * dice))
                                            .await;
                                        http.call(
                                            reqwest::Method::POST,
                                            &format!("/conversations/{conversation}/close"),
                                            &agent,
                                            Some(json!({})),
                                        )
                                        .await;
                                    });
                                }
                                ("accept", 409) => *tally.entry("lost_races").or_default() += 1,
                                ("reject", 204) => *tally.entry("rejects").or_default() += 1,
                                (_, s) if s >= 500 || s == 0 => {
                                    *tally.entry("server_errors").or_default() += 1
                                }
                                _ => {}
                            }
                        });
                    }
                    "agent.missed" => {
                        tokio::spawn(async move {
                            http.call(
                                reqwest::Method::PUT,
                                &format!("/agents/{agent}/presence"),
                                &agent,
                                Some(json!({"status": "available"})),
                            )
                            .await;
                        });
                    }
                    _ => {}
                }
            }
        })
    };
    // The board, sampled: nobody over capacity.
    let worst = Arc::new(Mutex::new((i64::MIN, 0usize)));
    let board_task = {
        let (http, worst) = (http.clone(), worst.clone());
        tokio::spawn(async move {
            loop {
                let (status, board) = http
                    .call(reqwest::Method::GET, "/board", "supervisor", None)
                    .await;
                if status == 200 {
                    let over = board["agents"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| {
                            a["active"].as_i64().unwrap_or(0) + a["offers"].as_i64().unwrap_or(0)
                                - a["capacity"].as_i64().unwrap_or(0)
                        })
                        .max()
                        .unwrap_or(i64::MIN);
                    let mut worst = worst.lock().unwrap_or_else(|e| e.into_inner());
                    worst.0 = worst.0.max(over);
                    worst.1 += 1;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        })
    };

    // The customers.
    let business = webhook.senders.first().to_string();
    let url = format!("{}/twilio/inbound", http.base);
    let sent_at: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let limit = Arc::new(tokio::sync::Semaphore::new(plan.concurrency.max(1)));
    let mut sending = tokio::task::JoinSet::new();
    for i in 0..plan.requests {
        let permit = limit.clone().acquire_owned().await?;
        let customer = format!("whatsapp:+4477008{i:05}");
        let message = InboundToSend {
            from: customer.clone(),
            to: business.clone(),
            body: format!("routing load {i}"),
            profile_name: Some("Load".into()),
            media_url: None,
            media_content_type: None,
        };
        let (url, token, sent_at) = (url.clone(), webhook.auth_token.clone(), sent_at.clone());
        sending.spawn(async move {
            sent_at
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(customer, Instant::now());
            let result = send_inbound(&url, &token, LOCAL_ACCOUNT_SID, &message).await;
            drop(permit);
            result.map(|(status, _, _)| status).unwrap_or(0)
        });
    }
    let mut server_errors = 0;
    while let Some(status) = sending.join_next().await {
        if !matches!(status, Ok(200)) {
            server_errors += 1;
        }
    }
    // Until every request is accepted, or the time is up.
    while started.elapsed() < plan.time_limit {
        if accepts.lock().unwrap_or_else(|e| e.into_inner()).len() >= plan.requests {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let elapsed = started.elapsed();
    board_task.abort();
    agents_task.abort();
    let _ = stop.send(());

    let accepts = accepts.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let tally = tally.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let seen = watching
        .seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let sent_at = sent_at.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut first_offer: HashMap<String, Instant> = HashMap::new();
    let mut offers = 0;
    for (at, n) in &seen {
        if n.event_type == "conversation.offered" {
            offers += 1;
            if let Some(customer) = n.body["customer"]["address"].as_str() {
                first_offer.entry(customer.to_owned()).or_insert(*at);
            }
        }
    }
    let mut time_to_offer_ms: Vec<f64> = first_offer
        .iter()
        .filter_map(|(customer, at)| {
            sent_at
                .get(customer)
                .map(|sent| at.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
        })
        .collect();
    time_to_offer_ms.sort_by(f64::total_cmp);
    let mut per_agent: HashMap<&str, usize> = agents.iter().map(|a| (a.as_str(), 0)).collect();
    for by in accepts.values().flatten() {
        *per_agent.entry(by.as_str()).or_default() += 1;
    }
    let mut counts: Vec<usize> = per_agent.into_values().collect();
    counts.sort();
    let (worst_over_capacity, board_samples) = *worst.lock().unwrap_or_else(|e| e.into_inner());
    Ok(RoutingReport {
        requests: plan.requests,
        elapsed,
        accepted_once: accepts.values().filter(|by| by.len() == 1).count(),
        accepted_twice: accepts.values().filter(|by| by.len() > 1).count(),
        never_accepted: plan.requests.saturating_sub(accepts.len()),
        offers,
        rejects: tally.get("rejects").copied().unwrap_or(0),
        timeouts: tally.get("timeouts").copied().unwrap_or(0),
        lost_races: tally.get("lost_races").copied().unwrap_or(0),
        worst_over_capacity: worst_over_capacity.max(0),
        board_samples,
        spread: (
            counts.first().copied().unwrap_or(0),
            counts.get(counts.len() / 2).copied().unwrap_or(0),
            counts.last().copied().unwrap_or(0),
        ),
        time_to_offer_ms,
        server_errors: server_errors + tally.get("server_errors").copied().unwrap_or(0),
    })
}
