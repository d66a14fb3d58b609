//! `local-api load`: the whole channel in this process, on the store local-api would use
//! (DynamoDB Local with `TABLE_NAME` and `AWS_ENDPOINT_URL_DYNAMODB`, else embedded), driven
//! over loopback HTTP the way Twilio drives it: many customers, several messages each, a share
//! of them delivered twice at the same moment, and status callbacks in no particular order.
//! Then it counts what was stored and notified: nothing may be lost or doubled.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use tokio::net::TcpListener;
use whatsapp_channel::adapters::SystemClock;
use whatsapp_channel::domain::ConversationId;
use whatsapp_channel::ports::{AgentNotifier, Notification, NotifyError};
use whatsapp_channel::twilio::RequestValidator;

use crate::send::{InboundToSend, encode, inbound_params};
use crate::{LOCAL_ACCOUNT_SID, LocalApi, StoreChoice};

/// What to send.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub customers: usize,
    pub messages: usize,
    /// Every `duplicate_every`-th message is delivered twice at once (0: none).
    pub duplicate_every: usize,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// The most the run may take before it stops sending.
    pub time_limit: Duration,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub deliveries: usize,
    pub status_callbacks: usize,
    pub elapsed: Duration,
    /// Webhook latencies in microseconds, sorted.
    pub latencies_us: Vec<u64>,
    pub server_errors: usize,
    pub other_errors: usize,
    pub lost_messages: usize,
    pub duplicated_messages: usize,
    /// Customers with other than one conversation.
    pub split_customers: usize,
    pub missing_requests: usize,
    pub duplicated_requests: usize,
}

impl LoadReport {
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * (self.latencies_us.len() as f64 - 1.0)).round() as usize;
        self.latencies_us[rank.min(self.latencies_us.len() - 1)] as f64 / 1000.0
    }

    /// Nothing lost, nothing doubled, no 5xx.
    pub fn clean(&self) -> bool {
        self.server_errors == 0
            && self.other_errors == 0
            && self.lost_messages == 0
            && self.duplicated_messages == 0
            && self.split_customers == 0
            && self.missing_requests == 0
            && self.duplicated_requests == 0
    }

    pub fn print(&self) {
        let seconds = self.elapsed.as_secs_f64().max(f64::EPSILON);
        println!(
            "deliveries: {} webhooks + {} status callbacks in {:.2} s: {:.0} requests/s",
            self.deliveries,
            self.status_callbacks,
            seconds,
            (self.deliveries + self.status_callbacks) as f64 / seconds
        );
        println!(
            "webhook latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            self.percentile(50.0),
            self.percentile(90.0),
            self.percentile(99.0),
            self.percentile(100.0)
        );
        println!(
            "5xx: {}, other errors: {}",
            self.server_errors, self.other_errors
        );
        println!(
            "messages lost: {}, duplicated: {}; customers not in exactly one conversation: {}",
            self.lost_messages, self.duplicated_messages, self.split_customers
        );
        println!(
            "conversation requests notified: missing {}, duplicated {}",
            self.missing_requests, self.duplicated_requests
        );
    }
}

/// Counts the notifications that reach agents.
#[derive(Default)]
struct Counting(Mutex<Vec<Notification>>);

#[async_trait]
impl AgentNotifier for Counting {
    async fn publish(&self, notification: &Notification) -> Result<(), NotifyError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(notification.clone());
        Ok(())
    }
}

struct Delivery {
    customer: String,
    sid: String,
    copies: usize,
}

fn plan_deliveries(plan: &LoadPlan) -> Vec<Delivery> {
    let mut out = Vec::new();
    for m in 0..plan.messages {
        for c in 0..plan.customers {
            let n = m * plan.customers + c;
            let twice = plan.duplicate_every > 0 && n.is_multiple_of(plan.duplicate_every);
            out.push(Delivery {
                customer: format!("whatsapp:+4477009{c:05}"),
                sid: crate::send::new_message_sid(),
                copies: if twice { 2 } else { 1 },
            });
        }
    }
    out
}

/// Runs the plan against a fresh local-api in this process.
pub async fn run(plan: &LoadPlan) -> Result<LoadReport, lambda_http::Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let (webhook, _) = crate::webhook_config(port)?;
    let backing = crate::store(&StoreChoice::from_env()).await?;
    let twilio = crate::twilio_side(port, &webhook);
    let clock = Arc::new(SystemClock::default());
    // Broadcast: every new conversation is one published request (`load-routing` runs offers).
    let api = Arc::new(
        LocalApi::new(&webhook, &twilio, backing.store.clone(), clock)?.with_routing(
            whatsapp_channel::app::routing::RoutingSettings {
                mode: whatsapp_channel::domain::RoutingMode::Broadcast,
                ..whatsapp_channel::config::routing()?
            },
        ),
    );
    let counting = Arc::new(Counting::default());
    crate::start_notifications(&backing, counting.clone(), &api).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(crate::serve(listener, api, async {
        let _ = stopped.await;
    }));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.concurrency)
        .build()?;
    // One agent available, so that every new conversation is a published request.
    let presence = http
        .put(format!("{base}/agents/load-agent/presence"))
        .header("X-Agent-Id", "load-agent")
        .json(&serde_json::json!({"status": "available"}))
        .send()
        .await?;
    if !presence.status().is_success() {
        return Err(format!("presence refused: {}", presence.status()).into());
    }

    let deliveries = plan_deliveries(plan);
    let business = webhook.senders.first().to_string();
    let validator = RequestValidator::new(&webhook.auth_token);
    let limit = Arc::new(tokio::sync::Semaphore::new(plan.concurrency.max(1)));
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, usize>::new()));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    let mut sent = 0;
    for delivery in &deliveries {
        if started.elapsed() > plan.time_limit {
            break;
        }
        let message = InboundToSend {
            from: delivery.customer.clone(),
            to: business.clone(),
            body: format!("load message {}", delivery.sid),
            profile_name: Some("Load".into()),
            media_url: None,
            media_content_type: None,
        };
        let params = inbound_params(&message, &delivery.sid, LOCAL_ACCOUNT_SID);
        let signature = validator.compute_signature(&webhook.inbound_url, &params);
        let body = encode(&params);
        // Both copies of a duplicate hold their permits before either is sent: the same moment.
        let permits = limit
            .clone()
            .acquire_many_owned(u32::try_from(delivery.copies).unwrap_or(1))
            .await?;
        let permits = Arc::new(permits);
        for _ in 0..delivery.copies {
            sent += 1;
            let (http, url) = (http.clone(), webhook.inbound_url.clone());
            let (body, signature) = (body.clone(), signature.clone());
            let (latencies, statuses, permits) =
                (latencies.clone(), statuses.clone(), permits.clone());
            tasks.spawn(async move {
                let at = Instant::now();
                let status = http
                    .post(url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", signature)
                    .body(body)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                let micros = u64::try_from(at.elapsed().as_micros()).unwrap_or(u64::MAX);
                latencies
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(micros);
                *statuses
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(status)
                    .or_default() += 1;
                drop(permits);
            });
        }
    }
    while tasks.join_next().await.is_some() {}

    // Status callbacks for replies nobody recorded yet, newest status first: each is kept as an
    // early status and must answer 2xx, never 5xx.
    let callbacks = status_callbacks(&http, &webhook, &validator, deliveries.len().min(50)).await;
    let elapsed = started.elapsed();
    for status in callbacks {
        *statuses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(status)
            .or_default() += 1;
    }

    // Let the stream reach notify-agent: until the count of notifications stops moving.
    let mut seen = usize::MAX;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = counting.0.lock().unwrap_or_else(|e| e.into_inner()).len();
        if now == seen {
            break;
        }
        seen = now;
    }

    let mut report = LoadReport {
        deliveries: sent,
        status_callbacks: deliveries.len().min(50),
        elapsed,
        ..LoadReport::default()
    };
    for (status, count) in statuses.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        match status {
            200..=299 => {}
            500..=599 => report.server_errors += count,
            _ => report.other_errors += count,
        }
    }
    let mut latencies = std::mem::take(&mut *latencies.lock().unwrap_or_else(|e| e.into_inner()));
    latencies.sort_unstable();
    report.latencies_us = latencies;
    count_outcome(&backing, &deliveries, &counting, &mut report).await?;
    let _ = stop.send(());
    let _ = server.await;
    Ok(report)
}

async fn status_callbacks(
    http: &reqwest::Client,
    webhook: &whatsapp_channel::config::WebhookConfig,
    validator: &RequestValidator,
    count: usize,
) -> Vec<u16> {
    let mut out = Vec::new();
    for i in 0..count {
        let sid = crate::send::new_message_sid();
        for status in ["delivered", "sent", "read"] {
            let params: Vec<(String, String)> = vec![
                ("MessageSid".into(), sid.clone()),
                ("MessageStatus".into(), status.into()),
                ("AccountSid".into(), LOCAL_ACCOUNT_SID.into()),
                ("From".into(), webhook.senders.first().to_string()),
                ("To".into(), format!("whatsapp:+4477009{i:05}")),
            ];
            let signature = validator.compute_signature(&webhook.status_url, &params);
            let status = http
                .post(&webhook.status_url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature)
                .body(encode(&params))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            out.push(status);
        }
    }
    out
}

async fn count_outcome(
    backing: &crate::Backing,
    deliveries: &[Delivery],
    counting: &Counting,
    report: &mut LoadReport,
) -> Result<(), lambda_http::Error> {
    let store = backing.store.as_ref();
    let conversations = store.list_conversations(100_000).await?;
    let mut by_customer: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &conversations {
        by_customer.entry(&c.customer).or_default().push(&c.id);
    }
    let mut expected: HashMap<&str, Vec<&str>> = HashMap::new();
    for d in deliveries {
        expected.entry(&d.customer).or_default().push(&d.sid);
    }
    for (customer, sids) in &expected {
        let ids = by_customer.get(customer).cloned().unwrap_or_default();
        if ids.len() != 1 {
            report.split_customers += 1;
        }
        let mut stored: HashMap<String, usize> = HashMap::new();
        for id in ids {
            let id = ConversationId::parse(id)?;
            for m in store.conversation_messages(&id).await? {
                *stored.entry(m.id).or_default() += 1;
            }
        }
        for sid in sids {
            match stored.get(*sid) {
                None => report.lost_messages += 1,
                Some(1) => {}
                Some(_) => report.duplicated_messages += 1,
            }
        }
    }
    let notified = counting.0.lock().unwrap_or_else(|e| e.into_inner());
    let mut requests: HashMap<String, usize> = HashMap::new();
    for n in notified
        .iter()
        .filter(|n| n.event_type == "conversation.requested")
    {
        if let Some(id) = n.body["conversation_id"].as_str() {
            *requests.entry(id.to_owned()).or_default() += 1;
        }
    }
    for c in &conversations {
        match requests.get(&c.id) {
            None => report.missing_requests += 1,
            Some(1) => {}
            Some(_) => report.duplicated_requests += 1,
        }
    }
    Ok(())
}
