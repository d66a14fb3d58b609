//! The identifiers read from requests: WhatsApp addresses, Twilio sids, conversation ids. A
//! parsed address prints back to what parses again to the same address.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whatsapp_channel::domain::{AccountSid, ConversationId, MessageSid, WhatsAppAddress};

fuzz_target!(|text: &str| {
    if let Ok(address) = WhatsAppAddress::parse(text) {
        let again =
            WhatsAppAddress::parse(address.as_str()).expect("a parsed address parses again");
        assert_eq!(again, address);
        let _ = (address.e164(), address.masked());
    }
    let _ = MessageSid::parse(text);
    let _ = AccountSid::parse(text);
    let _ = ConversationId::parse(text);
});
