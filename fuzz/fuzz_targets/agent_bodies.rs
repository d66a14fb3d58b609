//! The JSON bodies agents send: a reply (and its `defer`), a presence, a contact. Each parser
//! answers Ok or a refusal (400/422 at the edge), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whatsapp_channel::app::agents::{parse_contact, parse_presence};
use whatsapp_channel::app::deferred::wants_defer;
use whatsapp_channel::app::reply::parse_reply;
use whatsapp_channel::domain::WhatsAppAddress;

fuzz_target!(|body: &[u8]| {
    let _ = parse_reply(body);
    let _ = wants_defer(body);
    let _ = parse_presence(body);
    if let Ok(address) = WhatsAppAddress::parse("whatsapp:+447700900123") {
        let _ = parse_contact(&address, body);
    }
});
