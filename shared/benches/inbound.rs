//! The inbound hot path on the in-memory store: parse the form, verify the signature, decide
//! the session and store the message. The DynamoDB requests themselves are counted in the
//! integration tests, not timed here.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use whatsapp_channel::adapters::{InMemoryChannelStore, ManualClock};
use whatsapp_channel::app::receive_inbound;
use whatsapp_channel::domain::InboundMessage;
use whatsapp_channel::form;
use whatsapp_channel::twilio::RequestValidator;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const URL: &str = "https://wa.example.com/twilio/whatsapp/inbound";
/// The WhatsApp-shaped example of the Twilio reference, with its signature.
const BODY: &str = "SmsMessageSid=SM00000000000000000000000000000001&SmsSid=SM00000000000000000000000000000001&MessageSid=SM00000000000000000000000000000001&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&MessagingServiceSid=MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&From=whatsapp%3A%2B447700900123&To=whatsapp%3A%2B14155238886&ProfileName=Zo%C3%AB+O%27Brien&WaId=447700900123&SmsStatus=received&NumSegments=1&ReferralNumMedia=0&ApiVersion=2010-04-01&MessageType=text&NumMedia=0&Body=Hi%21+Order+%231234+%3D+2+items+%26+1+gift+%2B+card+%E2%80%93+where+is+it%3F+%F0%9F%98%95&Forwarded=false&FrequentlyForwarded=false";
const SIGNATURE: &str = "SlQ0OXlCBV8WdPnrOFk1Td0ZcCg=";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .map(|t| t.to_utc())
        .unwrap_or_default()
}

fn inbound_path(c: &mut Criterion) {
    let validator = RequestValidator::new(TOKEN);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");

    c.bench_function("inbound: parse + verify", |b| {
        b.iter(|| {
            let lenient = form::decode_lenient(black_box(BODY.as_bytes()));
            assert!(validator.validate(URL, &lenient, SIGNATURE));
            let params = form::decode_strict(BODY.as_bytes()).expect("a form");
            black_box(InboundMessage::from_params(params).expect("a message"))
        })
    });

    let message = InboundMessage::from_params(form::decode_strict(BODY.as_bytes()).expect("form"))
        .expect("message");
    let store = InMemoryChannelStore::new();
    let clock = ManualClock::at(t0());
    c.bench_function("inbound: decide + store (in-memory, follow-up)", |b| {
        b.iter(|| {
            clock.advance(TimeDelta::milliseconds(1));
            runtime
                .block_on(receive_inbound(&store, &clock, black_box(&message)))
                .expect("stored")
        })
    });

    c.bench_function(
        "inbound: whole path (parse + verify + decide + store)",
        |b| {
            b.iter(|| {
                clock.advance(TimeDelta::milliseconds(1));
                let lenient = form::decode_lenient(black_box(BODY.as_bytes()));
                assert!(validator.validate(URL, &lenient, SIGNATURE));
                let params = form::decode_strict(BODY.as_bytes()).expect("a form");
                let message = InboundMessage::from_params(params).expect("a message");
                runtime
                    .block_on(receive_inbound(&store, &clock, &message))
                    .expect("stored")
            })
        },
    );
}

criterion_group!(benches, inbound_path);
criterion_main!(benches);
