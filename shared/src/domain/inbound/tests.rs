//! The inbound message's parsing and accessors.

use super::*;

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn base() -> Vec<(&'static str, &'static str)> {
    vec![
        ("MessageSid", "SM00000000000000000000000000000001"),
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("From", "whatsapp:+447700900123"),
        ("To", "whatsapp:+14155238886"),
    ]
}

fn message(extra: &[(&str, &str)]) -> InboundMessage {
    let mut pairs = base();
    pairs.extend_from_slice(extra);
    InboundMessage::from_params(params(&pairs)).unwrap()
}

#[test]
fn a_text_message_keeps_every_parameter_and_reads_its_body() {
    let msg = message(&[
        ("Body", "Hi! Order #1234"),
        ("ProfileName", "Zoë O'Brien"),
        ("WaId", "447700900123"),
        ("ExternalUserId", "US.123"),
    ]);
    assert_eq!(msg.body(), Some("Hi! Order #1234"));
    assert_eq!(msg.profile_name(), Some("Zoë O'Brien"));
    assert_eq!(msg.wa_id(), Some("447700900123"));
    assert_eq!(msg.param("ExternalUserId"), Some("US.123"));
    assert_eq!(msg.params().len(), 8);
    assert_eq!(msg.from.as_str(), "whatsapp:+447700900123");
}

#[test]
fn each_missing_required_parameter_is_named() {
    for missing in ["MessageSid", "From", "To"] {
        let pairs: Vec<_> = base().into_iter().filter(|(n, _)| *n != missing).collect();
        assert_eq!(
            InboundMessage::from_params(params(&pairs)).unwrap_err(),
            InboundError::Missing(missing)
        );
    }
}

#[test]
fn an_empty_required_parameter_counts_as_missing() {
    let mut pairs = base();
    pairs[2] = ("From", "");
    assert_eq!(
        InboundMessage::from_params(params(&pairs)).unwrap_err(),
        InboundError::Missing("From")
    );
}

#[test]
fn a_repeated_message_sid_is_refused() {
    let mut pairs = base();
    pairs.push(("MessageSid", "SM00000000000000000000000000000002"));
    assert_eq!(
        InboundMessage::from_params(params(&pairs)).unwrap_err(),
        InboundError::Repeated("MessageSid")
    );
}

#[test]
fn a_sender_that_is_not_a_whatsapp_address_is_refused() {
    let mut pairs = base();
    pairs[2] = ("From", "+447700900123");
    assert!(matches!(
        InboundMessage::from_params(params(&pairs)),
        Err(InboundError::Invalid(_))
    ));
}

#[test]
fn an_empty_body_reads_as_no_body() {
    assert_eq!(message(&[("Body", "")]).body(), None);
}

#[test]
fn media_are_read_as_counted_by_num_media() {
    let msg = message(&[
        ("NumMedia", "2"),
        ("MediaUrl0", "https://api.twilio.com/m0"),
        ("MediaContentType0", "image/jpeg"),
        ("MediaUrl1", "https://api.twilio.com/m1"),
        ("MediaUrl2", "https://api.twilio.com/not-counted"),
    ]);
    assert_eq!(
        msg.media(),
        vec![
            Media {
                url: "https://api.twilio.com/m0".into(),
                content_type: Some("image/jpeg".into())
            },
            Media {
                url: "https://api.twilio.com/m1".into(),
                content_type: None
            },
        ]
    );
}

#[test]
fn the_preview_is_the_text_shortened_or_what_was_sent() {
    assert_eq!(message(&[("Body", "Hi")]).preview(), "Hi");
    let long = "é".repeat(250);
    let preview = message(&[("Body", long.as_str())]).preview();
    assert_eq!(preview.chars().count(), 201);
    assert!(preview.ends_with('…'));
    assert_eq!(
        message(&[
            ("NumMedia", "1"),
            ("MediaUrl0", "https://x"),
            ("MediaContentType0", "image/png")
        ])
        .preview(),
        "[media] image/png"
    );
    assert_eq!(
        message(&[("Latitude", "1"), ("Longitude", "2"), ("Label", "Home")]).preview(),
        "[location] Home"
    );
}

#[test]
fn media_without_a_content_type_preview_as_media() {
    assert_eq!(
        message(&[("NumMedia", "1"), ("MediaUrl0", "https://x")]).preview(),
        "[media]"
    );
}

#[test]
fn a_message_with_nothing_readable_previews_as_its_twilio_type() {
    assert_eq!(
        message(&[("MessageType", "sticker")]).preview(),
        "[sticker]"
    );
    assert_eq!(message(&[]).preview(), "[message]");
}

#[test]
fn the_message_type_is_read_when_twilio_sends_one() {
    assert_eq!(
        message(&[("MessageType", "interactive")]).message_type(),
        Some("interactive")
    );
    assert_eq!(message(&[("MessageType", "")]).message_type(), None);
    assert_eq!(message(&[]).message_type(), None);
}

#[test]
fn a_reply_to_an_earlier_message_names_that_message() {
    let sid = "SM00000000000000000000000000000042";
    assert_eq!(
        message(&[("OriginalRepliedMessageSid", sid)]).replied_to(),
        Some(sid)
    );
    assert_eq!(
        message(&[("OriginalRepliedMessageSid", "")]).replied_to(),
        None
    );
    assert_eq!(message(&[]).replied_to(), None);
}

#[test]
fn a_forged_media_count_is_harmless() {
    assert!(message(&[("NumMedia", "99999999999")]).media().is_empty());
    assert!(message(&[("NumMedia", "-1")]).media().is_empty());
    assert!(message(&[("NumMedia", "3")]).media().is_empty());
}

#[test]
fn a_shared_location_is_read_with_its_address_and_label() {
    let msg = message(&[
        ("Latitude", "51.5072"),
        ("Longitude", "-0.1276"),
        ("Address", "Trafalgar Square"),
        ("Label", "Meet here"),
        ("Body", ""),
    ]);
    let location = msg.location().unwrap();
    assert_eq!(location.latitude, 51.5072);
    assert_eq!(location.longitude, -0.1276);
    assert_eq!(location.address.as_deref(), Some("Trafalgar Square"));
    assert_eq!(location.label.as_deref(), Some("Meet here"));
}

#[test]
fn coordinates_out_of_range_or_not_numbers_are_no_location() {
    assert!(
        message(&[("Latitude", "91"), ("Longitude", "0")])
            .location()
            .is_none()
    );
    assert!(
        message(&[("Latitude", "north"), ("Longitude", "0")])
            .location()
            .is_none()
    );
    assert!(message(&[("Latitude", "1")]).location().is_none());
}

#[test]
fn a_tapped_button_is_read_with_its_payload() {
    let msg = message(&[
        ("ButtonText", "Track order"),
        ("ButtonPayload", "track:1234"),
    ]);
    assert_eq!(
        msg.button(),
        Some(ButtonReply {
            text: "Track order".into(),
            payload: Some("track:1234".into())
        })
    );
}

#[test]
fn referral_fields_are_read_without_their_prefix_and_without_the_media_count() {
    let msg = message(&[
        ("ReferralNumMedia", "0"),
        ("ReferralCtwaClid", "ARA123"),
        ("ReferralSourceUrl", "https://fb.me/ad"),
    ]);
    let referral = msg.referral().unwrap();
    assert_eq!(referral.get("CtwaClid"), Some("ARA123"));
    assert_eq!(referral.get("SourceUrl"), Some("https://fb.me/ad"));
    assert_eq!(referral.get("NumMedia"), None);
    assert!(message(&[("ReferralNumMedia", "0")]).referral().is_none());
}
