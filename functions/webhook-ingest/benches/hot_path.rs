//! Where a follow-up message's CPU time goes inside webhook-ingest, part by part, on the
//! in-memory store (no I/O): the API Gateway event's JSON, the form and the signature, the
//! handler alone, then with its EMF metrics and its JSON log line (both written to a sink that
//! discards, so the formatting is timed and the write is not). `cargo xtask bench` runs it with
//! `--quick` beside the DynamoDB split; `cargo xtask test` only builds it.

use std::hint::black_box;
use std::io;
use std::sync::Arc;

use chrono::TimeDelta;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use lambda_http::Request;
use lambda_http::tracing::subscriber::filter::LevelFilter;
use webhook_ingest::{WebhookIngest, function_handler};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::form;
use whatsapp_channel::logging::{LogSettings, subscriber};
use whatsapp_channel::metrics::{MetricSink, Metrics};
use whatsapp_channel::testing::{
    event_text, events_webhook_config, inbound_params, new_sid, signed_request, t0,
};
use whatsapp_channel::twilio::RequestValidator;

const CUSTOMER: &str = "whatsapp:+447700900123";

/// What the Lambda sink does (one line, newline included), into nothing.
struct Discard;

impl MetricSink for Discard {
    fn write_line(&self, line: &str) {
        use std::io::Write;
        let mut out = io::sink();
        let _ = out.write_all(line.as_bytes());
        let _ = out.write_all(b"\n");
    }
}

fn follow_up(config: &whatsapp_channel::config::WebhookConfig) -> Request {
    signed_request(
        config,
        "/twilio/inbound",
        &inbound_params(&new_sid(), CUSTOMER, "Hi! Order #1234 – where is it?"),
    )
}

fn hot_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let config = events_webhook_config();

    let event = event_text("webhook-ingest.inbound-text");
    c.bench_function("webhook: API Gateway event JSON → request", |b| {
        b.iter(|| lambda_http::request::from_str(black_box(&event)).expect("an event"))
    });

    let request = follow_up(&config);
    let body = whatsapp_channel::http::body_bytes(&request).to_vec();
    let signature = request
        .headers()
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let validator = RequestValidator::new(config.auth_token.clone());
    c.bench_function("webhook: form + signature + message", |b| {
        b.iter(|| {
            let lenient = form::decode_lenient(black_box(&body));
            assert!(validator.validate(&config.inbound_url, &lenient, &signature));
            let params = form::decode_strict(&body).expect("a form");
            black_box(InboundMessage::from_params(params).expect("a message"))
        })
    });

    // Each timed message is a follow-up to a store holding only the customer's first message:
    // the same work every iteration (a store that grew with every iteration would time its own
    // growth instead).
    let mut run = |name: &str, metrics: Metrics, logs: bool| {
        let _guard = logs.then(|| {
            lambda_http::tracing::subscriber::util::SubscriberInitExt::set_default(subscriber(
                LogSettings::json(LevelFilter::INFO),
                io::sink,
            ))
        });
        c.bench_function(name, |b| {
            b.iter_batched(
                || {
                    let clock = Arc::new(ManualClock::at(t0()));
                    let state = WebhookIngest::new(
                        &config,
                        Arc::new(InMemoryChannelStore::new()),
                        clock.clone(),
                    )
                    .with_metrics(metrics.clone());
                    let first = runtime.block_on(function_handler(&state, follow_up(&config)));
                    assert!(first.is_ok_and(|r| r.status() == 200));
                    clock.advance(TimeDelta::milliseconds(1));
                    (state, follow_up(&config))
                },
                |(state, request)| {
                    let response = runtime
                        .block_on(function_handler(&state, request))
                        .expect("an answer");
                    assert_eq!(response.status(), 200);
                    (state, response)
                },
                BatchSize::SmallInput,
            )
        });
    };
    run(
        "webhook: handler, no metrics, no logs",
        Metrics::disabled(),
        false,
    );
    run(
        "webhook: handler + EMF metrics",
        Metrics::to(Arc::new(Discard), "webhook-ingest"),
        false,
    );
    run(
        "webhook: handler + EMF metrics + JSON log line",
        Metrics::to(Arc::new(Discard), "webhook-ingest"),
        true,
    );
}

criterion_group!(benches, hot_path);
criterion_main!(benches);
