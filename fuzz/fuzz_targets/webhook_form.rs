//! A webhook body as Twilio would post it, through everything webhook-ingest does with it after
//! the signature: both form readers, the inbound and the status parser, and every reader of an
//! inbound message. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whatsapp_channel::domain::{InboundMessage, StatusCallback};
use whatsapp_channel::form::{decode_lenient, decode_strict};

fuzz_target!(|body: &[u8]| {
    let lenient = decode_lenient(body);
    let Ok(params) = decode_strict(body) else {
        return;
    };
    assert_eq!(
        params, lenient,
        "the strict reader accepted what the lenient one reads otherwise"
    );
    let _ = StatusCallback::from_params(&params);
    if let Ok(message) = InboundMessage::from_params(params) {
        assert!(message.media().len() <= 10);
        let _ = (message.location(), message.button(), message.referral());
        let _ = (
            message.preview(),
            message.replied_to(),
            message.profile_name(),
        );
    }
});
