//! The sender's configuration: only Twilio (or a loopback stub) over https, a real account sid,
//! a token, and never the token in a debug print.

use super::*;

#[test]
fn a_non_twilio_host_or_plain_http_to_twilio_is_refused_at_construction() {
    for base in [
        "https://evil.example.com",
        "http://api.twilio.com",
        "https://api.twilio.com.evil.example.com",
        "https://eviltwilio.com",
        "https://api.twilio.com@evil.example.com",
        "https://AC0123456789abcdef0123456789abcdef:secret@api.twilio.com",
        "http://10.0.0.1:8080",
        "ftp://api.twilio.com",
        "not a url",
    ] {
        let refused = TwilioReplySender::new(config(base));
        assert!(refused.is_err(), "{base} was accepted");
        let shown = format!("{:?}", refused.unwrap_err());
        assert!(
            !shown.contains("secret") && !shown.contains(AUTH_TOKEN),
            "{shown}"
        );
    }
}

#[test]
fn https_twilio_and_loopback_hosts_are_accepted() {
    for base in [
        "https://api.twilio.com",
        "https://api.twilio.com/",
        "https://messaging.twilio.com",
        "http://127.0.0.1:4010",
        "http://localhost:4010",
        "http://[::1]:4010",
        "https://127.0.0.1:4010",
    ] {
        assert!(
            TwilioReplySender::new(config(base)).is_ok(),
            "{base} was refused"
        );
    }
}

#[test]
fn an_account_sid_that_is_not_ac_and_32_hex_digits_is_refused() {
    for sid in [
        "",
        "AC123",
        "SK0123456789abcdef0123456789abcdef",
        "AC0123456789abcdef0123456789abcdeZ",
        "AC0123456789abcdef0123456789abcdef00",
    ] {
        let config = TwilioConfig {
            account_sid: sid.to_owned(),
            ..config("https://api.twilio.com")
        };
        assert!(
            TwilioReplySender::new(config).is_err(),
            "{sid:?} was accepted"
        );
    }
}

#[test]
fn an_empty_auth_token_is_refused() {
    let config = TwilioConfig {
        auth_token: String::new(),
        ..config("https://api.twilio.com")
    };
    assert!(TwilioReplySender::new(config).is_err());
}

#[test]
fn the_debug_of_config_and_sender_never_shows_the_token() {
    let config = config("https://api.twilio.com");
    let sender = TwilioReplySender::new(config.clone()).unwrap();

    for shown in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{sender:?}"),
        format!("{sender:#?}"),
    ] {
        assert!(!shown.contains(AUTH_TOKEN), "{shown}");
        assert!(shown.contains(ACCOUNT_SID), "{shown}");
        assert!(shown.contains("redacted"), "{shown}");
    }
}
