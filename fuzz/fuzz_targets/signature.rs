//! Twilio's signature check on arbitrary URLs, forms and signatures: never panics, and a
//! request always verifies with the signature computed for it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whatsapp_channel::form::decode_lenient;
use whatsapp_channel::twilio::RequestValidator;

fuzz_target!(|data: &[u8]| {
    // url \0 form \0 signature
    let mut parts = data.splitn(3, |b| *b == 0);
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let params = decode_lenient(body);
    let validator = RequestValidator::new("12345678901234567890123456789012");
    let _ = validator.validate(&url, &params, &signature);
    let _ = validator.validate_with_body(&url, body, &signature);
    let signed = validator.compute_signature(&url, &params);
    assert!(validator.validate(&url, &params, &signed));
});
