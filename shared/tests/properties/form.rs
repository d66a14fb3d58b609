//! The webhook's form parser and the messages built from it: no input makes them panic, and
//! what a client encodes is what they read back.

use proptest::prelude::*;
use whatsapp_channel::domain::{InboundMessage, StatusCallback};
use whatsapp_channel::form::{decode_lenient, decode_strict};

/// Bytes biased towards what a form is made of: `&`, `=`, `%`, `+`, hex digits, UTF-8.
fn form_bytes() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"&=%+aF09 ".to_vec()),
        2 => any::<u8>(),
        1 => Just(0xC3u8),
    ];
    prop::collection::vec(byte, 0..200)
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((".{0,12}", ".{0,24}"), 0..8)
}

/// The names the parsers look at, with values that are sometimes valid.
fn webhook_params() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop::sample::select(vec![
        "MessageSid",
        "AccountSid",
        "From",
        "To",
        "Body",
        "NumMedia",
        "MediaUrl0",
        "MediaContentType0",
        "MediaUrl9",
        "Latitude",
        "Longitude",
        "Address",
        "Label",
        "ButtonText",
        "ButtonPayload",
        "ReferralBody",
        "ReferralNumMedia",
        "ProfileName",
        "MessageType",
        "OriginalRepliedMessageSid",
        "MessageStatus",
        "ErrorCode",
        "ErrorMessage",
        "WaId",
    ]);
    let value = prop_oneof![
        Just("SM0123456789abcdef0123456789abcdef".to_owned()),
        Just("AC0123456789abcdef0123456789abcdef".to_owned()),
        Just("whatsapp:+447700900123".to_owned()),
        Just("delivered".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("NaN".to_owned()),
        Just("-90.0".to_owned()),
        "[0-9]{1,3}",
        ".{0,40}",
    ];
    prop::collection::vec((name.prop_map(str::to_owned), value), 0..12)
}

proptest! {
    #[test]
    fn neither_form_reader_panics_on_any_bytes(body in form_bytes()) {
        let _ = decode_strict(&body);
        let _ = decode_lenient(&body);
    }

    #[test]
    fn whatever_the_strict_reader_accepts_the_lenient_reader_reads_the_same(body in form_bytes()) {
        if let Ok(strict) = decode_strict(&body) {
            prop_assert_eq!(strict, decode_lenient(&body));
        }
    }

    #[test]
    fn an_encoded_form_decodes_to_the_pairs_that_were_encoded(pairs in pairs()) {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&pairs)
            .finish();
        let expected: Vec<(String, String)> = if body.is_empty() { Vec::new() } else { pairs };
        prop_assert_eq!(decode_strict(body.as_bytes()), Ok(expected.clone()));
        prop_assert_eq!(decode_lenient(body.as_bytes()), expected);
    }

    #[test]
    fn no_webhook_form_makes_the_inbound_parser_or_its_readers_panic(params in webhook_params()) {
        if let Ok(message) = InboundMessage::from_params(params.clone()) {
            let media = message.media();
            prop_assert!(media.len() <= 10);
            if let Some(location) = message.location() {
                prop_assert!((-90.0..=90.0).contains(&location.latitude));
                prop_assert!((-180.0..=180.0).contains(&location.longitude));
            }
            let _ = (message.button(), message.referral(), message.replied_to());
            prop_assert!(message.preview().chars().count() <= 201 || message.body().is_none());
            prop_assert_eq!(message.params(), params.as_slice());
        }
        let _ = StatusCallback::from_params(&params);
    }

    #[test]
    fn a_form_with_one_valid_sid_sender_and_recipient_is_a_message(extra in pairs()) {
        let mut params = vec![
            ("MessageSid".to_owned(), "SM0123456789abcdef0123456789abcdef".to_owned()),
            ("From".to_owned(), "whatsapp:+447700900123".to_owned()),
            ("To".to_owned(), "whatsapp:+14155238886".to_owned()),
        ];
        let known = ["MessageSid", "From", "To", "AccountSid"];
        params.extend(extra.into_iter().filter(|(n, _)| !known.contains(&n.as_str())));
        let message = InboundMessage::from_params(params.clone()).unwrap();
        prop_assert_eq!(message.from.as_str(), "whatsapp:+447700900123");
        prop_assert_eq!(message.params(), params.as_slice());
    }

    #[test]
    fn a_repeated_message_sid_is_refused_whatever_else_the_form_holds(params in webhook_params()) {
        let mut params = params;
        params.push(("MessageSid".to_owned(), "SM0123456789abcdef0123456789abcdef".to_owned()));
        params.push(("MessageSid".to_owned(), "SM0123456789abcdef0123456789abcdef".to_owned()));
        prop_assert!(InboundMessage::from_params(params.clone()).is_err());
        prop_assert!(StatusCallback::from_params(&params).is_err());
    }
}
