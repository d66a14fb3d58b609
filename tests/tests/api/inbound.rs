use std::sync::Arc;

use chrono::TimeDelta;
use lambda_http::http::StatusCode;
use whatsapp_channel::domain::{ConversationId, MessageSid, MessageStatus, StatusCallback};
use whatsapp_channel::ports::{MessageRecord, ReplyContent, SessionStore, StatusApplied};
use whatsapp_channel::testing::{encode, inbound_params, new_sid, params, webhook_request};
use whatsapp_channel::twilio::RequestValidator;
use whatsapp_channel::{app, ports::Clock};

use crate::helpers::{Webhook, dynamo, stores, t0};

const CUSTOMER: &str = "whatsapp:+447700900123";

#[tokio::test]
async fn concurrent_retries_of_one_message_store_it_once() {
    for (name, store) in stores().await {
        let webhook = Arc::new(Webhook::new(store.clone()));
        let sid = new_sid();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let (webhook, sid) = (webhook.clone(), sid.clone());
            tasks.spawn(async move { webhook.text(&sid, CUSTOMER, "hello").await });
        }
        while let Some(status) = tasks.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::OK, "{name}");
        }
        let conversations = store.list_conversations(10).await.unwrap();
        assert_eq!(conversations.len(), 1, "{name}");
        let id = ConversationId::parse(&conversations[0].id).unwrap();
        let messages = store.conversation_messages(&id).await.unwrap();
        assert_eq!(messages.len(), 1, "{name}");
        assert_eq!(messages[0].id, sid, "{name}");
    }
}

#[tokio::test]
async fn concurrent_first_messages_from_a_new_customer_make_one_session() {
    for (name, store) in stores().await {
        let webhook = Arc::new(Webhook::new(store.clone()));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..12 {
            let webhook = webhook.clone();
            tasks.spawn(async move {
                webhook
                    .text(&new_sid(), CUSTOMER, &format!("message {i}"))
                    .await
            });
        }
        while let Some(status) = tasks.join_next().await {
            assert_eq!(status.unwrap(), StatusCode::OK, "{name}");
        }
        let conversations = store.list_conversations(10).await.unwrap();
        assert_eq!(conversations.len(), 1, "{name}: one conversation request");
        let id = ConversationId::parse(&conversations[0].id).unwrap();
        assert_eq!(
            store.conversation_messages(&id).await.unwrap().len(),
            12,
            "{name}"
        );
    }
}

#[tokio::test]
async fn last_inbound_at_never_moves_back_when_messages_arrive_out_of_order() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        assert_eq!(
            webhook.text(&new_sid(), CUSTOMER, "first").await,
            StatusCode::OK
        );
        webhook.clock.set(t0() + TimeDelta::seconds(5));
        assert_eq!(
            webhook.text(&new_sid(), CUSTOMER, "third").await,
            StatusCode::OK
        );
        // A request that took longer reaches the store with an earlier receive time.
        webhook.clock.set(t0() + TimeDelta::seconds(2));
        assert_eq!(
            webhook.text(&new_sid(), CUSTOMER, "second").await,
            StatusCode::OK
        );

        let conversations = store.list_conversations(10).await.unwrap();
        assert_eq!(conversations.len(), 1, "{name}");
        let id = ConversationId::parse(&conversations[0].id).unwrap();
        let view = app::get_conversation(store.as_ref(), webhook.clock.as_ref(), &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            view.last_inbound_at.as_deref(),
            Some("2026-11-23T10:00:05.000Z"),
            "{name}"
        );
        assert_eq!(
            view.window.expires_at.as_deref(),
            Some("2026-11-24T10:00:05.000Z"),
            "{name}"
        );
        assert_eq!(view.messages.unwrap().len(), 3, "{name}");
    }
}

#[tokio::test]
async fn a_message_after_the_window_closed_starts_a_new_session_though_the_old_item_remains() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        webhook.text(&new_sid(), CUSTOMER, "first").await;
        webhook
            .clock
            .advance(TimeDelta::hours(24) - TimeDelta::seconds(1));
        webhook.text(&new_sid(), CUSTOMER, "inside").await;
        assert_eq!(
            store.list_conversations(10).await.unwrap().len(),
            1,
            "{name}"
        );

        webhook
            .clock
            .advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
        webhook.text(&new_sid(), CUSTOMER, "after").await;
        let conversations = app::list_conversations(
            store.as_ref(),
            webhook.clock.as_ref(),
            &Default::default(),
            10,
        )
        .await
        .unwrap();
        assert_eq!(conversations.len(), 2, "{name}");
        let (newest, oldest) = (&conversations[0], &conversations[1]);
        assert!(newest.window.open, "{name}");
        assert_eq!(newest.state, "requested", "{name}");
        assert!(!oldest.window.open, "{name}");
        assert_eq!(oldest.state, "expired", "{name}");
        // The old conversation keeps its own last message time once the session moved on.
        assert_eq!(
            oldest.last_inbound_at.as_deref(),
            Some("2026-11-24T09:59:59.000Z"),
            "{name}"
        );
    }
}

async fn seed_outbound(store: &dyn SessionStore, sid: &str) {
    let mut record = MessageRecord::outbound(
        sid.into(),
        &ConversationId::generate(),
        "agent-1",
        &ReplyContent::Text {
            body: "Your order ships today".into(),
        },
        t0(),
    );
    record.status = MessageStatus::Queued;
    store.put_message(&record).await.unwrap();
}

#[tokio::test]
async fn status_callbacks_in_any_order_leave_the_highest_rank() {
    for (name, store) in stores().await {
        let sid = new_sid();
        seed_outbound(store.as_ref(), &sid).await;
        let callback = |status| StatusCallback {
            message_sid: MessageSid::parse(&sid).unwrap(),
            status,
            error_code: None,
            error_message: None,
        };
        use MessageStatus::*;
        let outcomes = [
            (Sent, StatusApplied::Advanced),
            (Read, StatusApplied::Advanced),
            (Delivered, StatusApplied::Ignored),
            (Sending, StatusApplied::Ignored),
            (Read, StatusApplied::Ignored),
        ];
        for (status, expected) in outcomes {
            assert_eq!(
                store.apply_status(&callback(status), t0()).await.unwrap(),
                expected,
                "{name}: {status}"
            );
        }
        let stored = store
            .message(&MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, Read, "{name}");
    }
}

#[tokio::test]
async fn concurrent_status_callbacks_settle_on_the_highest_rank() {
    for (name, store) in stores().await {
        let sid = new_sid();
        seed_outbound(store.as_ref(), &sid).await;
        let mut tasks = tokio::task::JoinSet::new();
        for status in [
            MessageStatus::Delivered,
            MessageStatus::Sent,
            MessageStatus::Read,
            MessageStatus::Sending,
        ] {
            let (store, sid) = (store.clone(), sid.clone());
            tasks.spawn(async move {
                let callback = StatusCallback {
                    message_sid: MessageSid::parse(&sid).unwrap(),
                    status,
                    error_code: None,
                    error_message: None,
                };
                store.apply_status(&callback, t0()).await.unwrap()
            });
        }
        while tasks.join_next().await.is_some() {}
        let stored = store
            .message(&MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, MessageStatus::Read, "{name}");
    }
}

#[tokio::test]
async fn a_failed_status_after_delivery_keeps_its_error_code_and_nothing_moves_it_after() {
    for (name, store) in stores().await {
        let sid = new_sid();
        seed_outbound(store.as_ref(), &sid).await;
        let callback = |status, code: Option<&str>| StatusCallback {
            message_sid: MessageSid::parse(&sid).unwrap(),
            status,
            error_code: code.map(str::to_owned),
            error_message: None,
        };
        store
            .apply_status(&callback(MessageStatus::Failed, Some("63016")), t0())
            .await
            .unwrap();
        store
            .apply_status(&callback(MessageStatus::Read, None), t0())
            .await
            .unwrap();
        let stored = store
            .message(&MessageSid::parse(&sid).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, MessageStatus::Failed, "{name}");
        assert_eq!(stored.error_code.as_deref(), Some("63016"), "{name}");
    }
}

/// A body and the signature header to send with it.
struct BadInput {
    case: &'static str,
    body: Vec<u8>,
    signature: Option<String>,
    status: StatusCode,
}

fn bad_inputs(webhook: &Webhook) -> Vec<BadInput> {
    let url = &webhook.config.inbound_url;
    let sign = |params: &[(String, String)]| {
        RequestValidator::new(webhook.config.auth_token.clone()).compute_signature(url, params)
    };
    // Signed over what the SDKs' lenient decoding makes of the body, as a forger with the
    // token would: it passes the signature and must still be refused.
    let sign_raw = |body: &[u8]| sign(&whatsapp_channel::form::decode_lenient(body));
    let good = inbound_params("SM0000000000000000000000000000e001", CUSTOMER, "hello");
    let good_body = encode(&good).into_bytes();
    let truncated = good_body[..good_body.len() / 2].to_vec();
    let wrong_token = RequestValidator::new("not-the-token").compute_signature(url, &good);
    let mut not_utf8 = encode(&good).into_bytes();
    not_utf8.extend_from_slice(b"&Body=%FF%FE%FD");
    let bad_escape = format!("{}&Body=100%25%zz", encode(&good)).into_bytes();
    let mut huge = good.clone();
    huge.push(("Body".into(), "x".repeat(1024 * 1024)));
    let huge_body = encode(&huge).into_bytes();
    let without = |name: &str| -> Vec<(String, String)> {
        good.iter().filter(|(n, _)| n != name).cloned().collect()
    };
    let bad_from = params(&[
        ("MessageSid", "SM0000000000000000000000000000e001"),
        ("From", "+447700900123"),
        ("To", "whatsapp:+14155238886"),
    ]);
    vec![
        BadInput {
            case: "unsigned",
            body: good_body.clone(),
            signature: None,
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "empty signature",
            body: good_body.clone(),
            signature: Some(String::new()),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "wrong signature",
            body: good_body.clone(),
            signature: Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=".into()),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "signed with another token",
            body: good_body.clone(),
            signature: Some(wrong_token),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "truncated body",
            body: truncated,
            signature: Some(sign(&good)),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "1 MiB body, unsigned",
            body: huge_body.clone(),
            signature: Some(sign(&good)),
            status: StatusCode::FORBIDDEN,
        },
        BadInput {
            case: "1 MiB body, signed",
            body: huge_body.clone(),
            signature: Some(sign(&huge)),
            status: StatusCode::PAYLOAD_TOO_LARGE,
        },
        BadInput {
            case: "non-UTF-8 body, signed",
            signature: Some(sign_raw(&not_utf8)),
            body: not_utf8,
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "bad percent-encoding, signed",
            signature: Some(sign_raw(&bad_escape)),
            body: bad_escape,
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "no From, signed",
            body: encode(&without("From")).into_bytes(),
            signature: Some(sign(&without("From"))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "no To, signed",
            body: encode(&without("To")).into_bytes(),
            signature: Some(sign(&without("To"))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "no MessageSid, signed",
            body: encode(&without("MessageSid")).into_bytes(),
            signature: Some(sign(&without("MessageSid"))),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "From not a WhatsApp address, signed",
            body: encode(&bad_from).into_bytes(),
            signature: Some(sign(&bad_from)),
            status: StatusCode::BAD_REQUEST,
        },
        BadInput {
            case: "empty body, signed",
            body: Vec::new(),
            signature: Some(sign(&[])),
            status: StatusCode::BAD_REQUEST,
        },
    ]
}

#[tokio::test]
async fn each_bad_input_is_refused_with_a_json_error_and_nothing_is_stored() {
    let dynamo = dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    for input in bad_inputs(&webhook) {
        let response = webhook
            .call(webhook_request(
                "/twilio/inbound",
                &input.body,
                input.signature.as_deref(),
            ))
            .await;
        assert_eq!(response.status(), input.status, "{}", input.case);
        let body = crate::helpers::body_json(&response);
        assert!(
            body["error"].is_string() && body["message"].is_string(),
            "{}: {body}",
            input.case
        );
        assert!(
            dynamo.items().await.is_empty(),
            "{} stored something",
            input.case
        );
    }
}

#[tokio::test]
async fn a_follow_up_in_an_open_session_costs_one_read_and_two_writes_message_first() {
    let dynamo = dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    webhook.text(&new_sid(), CUSTOMER, "first").await;
    let first = dynamo.requests.take();
    assert_eq!(
        first,
        ["GetItem", "PutItem", "TransactWriteItems"],
        "first message"
    );

    webhook.clock.advance(TimeDelta::minutes(3));
    webhook.text(&new_sid(), CUSTOMER, "follow-up").await;
    assert_eq!(
        dynamo.requests.take(),
        ["GetItem", "PutItem", "UpdateItem"],
        "follow-up"
    );
}

#[tokio::test]
async fn the_session_item_carries_the_window_end_as_its_ttl_in_epoch_seconds() {
    let dynamo = dynamo().await;
    let webhook = Webhook::new(dynamo.store.clone());
    webhook.clock.set(t0() + TimeDelta::milliseconds(250));
    webhook.text(&new_sid(), CUSTOMER, "hello").await;
    let sessions: Vec<_> = dynamo
        .items()
        .await
        .into_iter()
        .filter(|item| item["sk"].as_s().is_ok_and(|sk| sk == "SESSION"))
        .collect();
    assert_eq!(sessions.len(), 1);
    let ttl: i64 = sessions[0]["expires_at"].as_n().unwrap().parse().unwrap();
    // 24 hours after the message, rounded up to the next whole second.
    assert_eq!(ttl, (t0() + TimeDelta::hours(24)).timestamp() + 1);
    let last: i64 = sessions[0]["last_inbound_at"]
        .as_n()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        last,
        (t0() + TimeDelta::milliseconds(250)).timestamp_millis()
    );
}

#[tokio::test]
async fn a_retry_that_arrives_after_a_follow_up_does_not_duplicate_the_message() {
    for (name, store) in stores().await {
        let webhook = Webhook::new(store.clone());
        let sid = new_sid();
        webhook.text(&sid, CUSTOMER, "hello").await;
        webhook.clock.advance(TimeDelta::seconds(1));
        webhook.text(&new_sid(), CUSTOMER, "again").await;
        webhook.clock.advance(TimeDelta::seconds(1));
        webhook.text(&sid, CUSTOMER, "hello").await;
        let id = ConversationId::parse(&store.list_conversations(1).await.unwrap()[0].id).unwrap();
        let messages = store.conversation_messages(&id).await.unwrap();
        assert_eq!(messages.len(), 2, "{name}");
        assert_eq!(messages[0].id, sid, "{name}: the original keeps its place");
        let _ = webhook.clock.now();
    }
}
