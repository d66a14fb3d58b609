use std::sync::Arc;

use clap::{Parser, Subcommand};
use local_api::send::{InboundToSend, send_inbound};
use local_api::{LOCAL_ACCOUNT_SID, LocalApi, StoreChoice};
use tokio::net::TcpListener;
use whatsapp_channel::adapters::{DynamoChannelStore, S3MediaStore, SystemClock};
use whatsapp_channel::config;

/// The whole WhatsApp channel on one local port, over the Lambda handlers.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// Port to listen on (127.0.0.1).
    #[arg(long, default_value_t = 3000, global = true)]
    port: u16,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve every route (the default).
    Serve,
    /// Post a correctly signed inbound WhatsApp message to a running local-api.
    SendInbound {
        /// The customer, `whatsapp:+E164`.
        #[arg(long, default_value = "whatsapp:+447700900123")]
        from: String,
        /// The business number written to; defaults to the first of WHATSAPP_SENDERS (or
        /// WHATSAPP_FROM, or Twilio's sandbox number).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, default_value = "Hi, where is my order?")]
        body: String,
        /// The sender's WhatsApp profile name.
        #[arg(long)]
        profile_name: Option<String>,
        /// One media URL, as a media message.
        #[arg(long)]
        media_url: Option<String>,
        /// Its content type (`MediaContentType0`), e.g. image/png.
        #[arg(long, requires = "media_url")]
        media_content_type: Option<String>,
        /// The webhook URL; defaults to TWILIO_INBOUND_URL or the local one.
        #[arg(long)]
        url: Option<String>,
    },
    /// Prints the OpenAPI 3.1 document of every route (what `GET /openapi.json` serves).
    Openapi,
    /// Drives a fresh in-process local-api (DynamoDB with TABLE_NAME, else embedded) with signed
    /// webhooks: many customers, duplicates at the same moment, status callbacks out of order.
    /// Prints throughput and latency, and fails if any message or request notification was
    /// lost or doubled, or any request got a 5xx.
    Load {
        #[arg(long, default_value_t = 40)]
        customers: usize,
        #[arg(long, default_value_t = 8)]
        messages: usize,
        /// Every Nth message is delivered twice at the same moment (0: none).
        #[arg(long, default_value_t = 2)]
        duplicate_every: usize,
        /// Deliveries in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Stop sending after this many seconds.
        #[arg(long, default_value_t = 120)]
        seconds: u64,
    },
    /// Offer routing under load, in this process: agents with a capacity answer offers at
    /// random (accept, reject, let it time out) and close what they accepted; customers write at once. Fails unless every request is
    /// accepted exactly once and no agent is ever over capacity. Store: as `serve`.
    LoadRouting {
        #[arg(long, default_value_t = 200)]
        agents: usize,
        #[arg(long, default_value_t = 3)]
        capacity: u32,
        #[arg(long, default_value_t = 600)]
        requests: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Of each 100 offers, how many are accepted and rejected (the rest time out).
        #[arg(long, default_value_t = 70)]
        accept_percent: u64,
        #[arg(long, default_value_t = 20)]
        reject_percent: u64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Seconds an offer waits before it expires (10 to 600).
        #[arg(long, default_value_t = 10)]
        offer_timeout: u64,
        #[arg(long, default_value_t = 600)]
        seconds: u64,
    },
    /// Upgrades a DynamoDB table an earlier release wrote, once, after deploying: conversations
    /// under the unsharded queue index move to their shard, conversations written before the
    /// customer index (gsi2) get its keys, available agents move to their shard. A dry run
    /// (prints what it would change) unless --apply; running it again changes nothing. Uses the
    /// AWS environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB).
    Migrate {
        /// The table (the stack's `TableName` output).
        #[arg(long)]
        table: String,
        /// Write the changes; without it nothing is written.
        #[arg(long)]
        apply: bool,
        /// Items read per Scan request.
        #[arg(long, default_value_t = 1000)]
        page_size: i32,
    },
    /// Imports contacts (the customer directory) from a JSON-lines file into a running
    /// local-api: one `{"address": "whatsapp:+…", "name": …, "contact_id": …, …}` per line.
    ImportContacts {
        /// The JSON-lines file.
        file: std::path::PathBuf,
        /// The running local-api; defaults to this port on 127.0.0.1.
        #[arg(long)]
        url: Option<String>,
        /// The agent the import runs as.
        #[arg(long, default_value = "admin")]
        agent: String,
    },
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let cli = Cli::parse();
    let (webhook, defaulted) = local_api::webhook_config(cli.port)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let choice = StoreChoice::from_env();
            let backing = local_api::store(&choice).await?;
            let twilio = local_api::twilio_side(cli.port, &webhook);
            let clock = Arc::new(SystemClock::default());
            let mut api = LocalApi::new(&webhook, &twilio, backing.store.clone(), clock.clone())?;
            if let Some(bucket) = config::optional("MEDIA_BUCKET") {
                let sdk = config::aws().await;
                api = api.with_media_store(Arc::new(S3MediaStore::new(
                    S3MediaStore::client(&sdk),
                    bucket,
                )));
            }
            let api = Arc::new(api);
            local_api::start_notifications(&backing, local_api::notifier().await, &api).await?;
            match config::optional("AGENT_NOTIFICATIONS_TOPIC_ARN") {
                Some(topic) => println!("  notifications: SNS topic {topic}"),
                None => println!(
                    "  notifications: JSON lines on stdout (set AGENT_NOTIFICATIONS_TOPIC_ARN for SNS)"
                ),
            }
            let listener = TcpListener::bind(("127.0.0.1", cli.port)).await?;
            println!(
                "whatsapp-channel local-api on http://127.0.0.1:{}",
                cli.port
            );
            println!(
                "  agent console: http://127.0.0.1:{}/ (sign in with any agent ID)",
                cli.port
            );
            println!(
                "  live:   ws://127.0.0.1:{}/ws?agent=<agent id> (each notification as a JSON frame)",
                cli.port
            );
            match &choice {
                StoreChoice::Embedded => {
                    println!("  store: embedded (in memory; set TABLE_NAME for DynamoDB)")
                }
                StoreChoice::DynamoDb { table } => println!("  store: DynamoDB table {table}"),
            }
            println!("  senders: {}", webhook.senders);
            match config::optional("MEDIA_BUCKET") {
                Some(bucket) => println!("  media: S3 bucket {bucket}"),
                None => println!(
                    "  media: in memory, uploads given to Twilio at {}/media/…",
                    local_api::media::public_url(&webhook.inbound_url)
                ),
            }
            for line in &defaulted {
                println!("  local default: {line}");
            }
            if twilio.stubbed {
                println!(
                    "  twilio: local stub at {} (set TWILIO_ACCOUNT_SID for a real account)",
                    twilio.config.api_base_url
                );
            } else {
                println!("  twilio: {}", twilio.config.api_base_url);
            }
            println!("  routes: {}", local_api::ROUTES.join(", "));
            println!(
                "  local:  POST /local/clock {{\"advance_seconds\": N}} moves this process's clock forward"
            );
            println!("          GET /openapi.json: the OpenAPI 3.1 document of every route");
            println!(
                "  try:    cargo run -p local-api -- send-inbound --port {} --body \"Hi\"",
                cli.port
            );
            println!(
                "          curl -H 'X-Agent-Id: agent-1' http://127.0.0.1:{}/conversations",
                cli.port
            );
            local_api::serve(listener, api, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::SendInbound {
            from,
            to,
            body,
            profile_name,
            media_url,
            media_content_type,
            url,
        } => {
            let to = to.unwrap_or_else(|| webhook.senders.first().to_string());
            let account =
                config::optional("TWILIO_ACCOUNT_SID").unwrap_or_else(|| LOCAL_ACCOUNT_SID.into());
            let url = url.unwrap_or(webhook.inbound_url);
            let message = InboundToSend {
                from,
                to,
                body,
                profile_name,
                media_url,
                media_content_type,
            };
            let (status, sid, text) =
                send_inbound(&url, &webhook.auth_token, &account, &message).await?;
            println!("POST {url} MessageSid={sid} -> {status} {text}");
            if !(200..300).contains(&status) {
                std::process::exit(1);
            }
        }
        Command::Openapi => {
            println!("{:#}", local_api::openapi::document());
        }
        Command::Load {
            customers,
            messages,
            duplicate_every,
            concurrency,
            seconds,
        } => {
            let plan = local_api::load::LoadPlan {
                customers,
                messages,
                duplicate_every,
                concurrency,
                time_limit: std::time::Duration::from_secs(seconds),
            };
            print_store();
            println!(
                "{customers} customers x {messages} messages, every {duplicate_every}th twice, {concurrency} at a time"
            );
            let report = local_api::load::run(&plan).await?;
            report.print();
            if !report.clean() {
                std::process::exit(1);
            }
        }
        Command::LoadRouting {
            agents,
            capacity,
            requests,
            concurrency,
            accept_percent,
            reject_percent,
            seed,
            offer_timeout,
            seconds,
        } => {
            let plan = local_api::load_routing::RoutingPlan {
                agents,
                capacity,
                requests,
                concurrency,
                accept_percent,
                reject_percent,
                seed,
                offer_timeout: std::time::Duration::from_secs(offer_timeout),
                time_limit: std::time::Duration::from_secs(seconds),
            };
            print_store();
            println!(
                "{agents} agents of capacity {capacity}, {requests} requests, {concurrency} at a time; offers {accept_percent}% accepted, {reject_percent}% rejected, the rest time out"
            );
            let report = local_api::load_routing::run(&plan).await?;
            report.print();
            if !report.clean() {
                std::process::exit(1);
            }
        }
        Command::Migrate {
            table,
            apply,
            page_size,
        } => migrate(&table, apply, page_size).await?,
        Command::ImportContacts { file, url, agent } => {
            let base = url.unwrap_or_else(|| format!("http://127.0.0.1:{}", cli.port));
            let text = std::fs::read_to_string(&file)?;
            let (imported, failed) = local_api::send::import_contacts(&base, &agent, &text).await?;
            println!("{imported} contacts imported, {failed} refused");
            if failed > 0 {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}

/// `local-api migrate`: prints each change as it goes, then the counts.
async fn migrate(table: &str, apply: bool, page_size: i32) -> Result<(), lambda_http::Error> {
    let sdk = config::aws().await;
    let store = DynamoChannelStore::new(whatsapp_channel::adapters::dynamodb::client(&sdk), table);
    let mode = if apply { "applying" } else { "dry run" };
    println!("migrate {table} ({mode})");
    let report = store
        .migrate_index_keys(apply, Some(page_size.max(1)), |change, outcome| {
            println!("{} {change}", outcome.as_str());
        })
        .await?;
    for why in &report.unreadable {
        println!("cannot migrate {why}");
    }
    println!(
        "scanned {} items in {} pages: {} would change, {} changed, {} written meanwhile, {} unreadable",
        report.scanned,
        report.pages,
        report.would_change,
        report.changed,
        report.changed_meanwhile,
        report.unreadable.len()
    );
    if !apply && report.would_change > 0 {
        println!("nothing written: run again with --apply");
    }
    if !report.unreadable.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

/// Which store a load run uses, as `serve` would choose it.
fn print_store() {
    match StoreChoice::from_env() {
        StoreChoice::Embedded => println!("store: embedded"),
        StoreChoice::DynamoDb { table } => println!("store: DynamoDB table {table}"),
    }
}
