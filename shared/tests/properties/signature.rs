//! Twilio's request signature: no URL or form makes the validator panic, it verifies what it
//! signs (in any parameter order, for the port variants Twilio uses), and it refuses a changed
//! parameter, an added one, another URL or another token.

use proptest::prelude::*;
use whatsapp_channel::twilio::RequestValidator;

const TOKEN: &str = "12345678901234567890123456789012";

fn urls() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,60}",
        "(https?|HTTPS|ftp)://[a-z0-9.\\[\\]:@-]{0,20}(:[0-9]{0,6})?(/[a-z%?&=#]{0,10}){0,3}",
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((".{0,10}", ".{0,20}"), 0..8)
}

/// Parameters with distinct names, at least one.
fn distinct_params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::btree_map("[A-Za-z]{1,10}", ".{0,20}", 1..8)
        .prop_map(|map| map.into_iter().collect())
}

proptest! {
    #[test]
    fn no_url_form_or_signature_makes_the_validator_panic(
        url in urls(), params in params(), signature in ".{0,40}", body in any::<Vec<u8>>()
    ) {
        let validator = RequestValidator::new(TOKEN);
        let _ = validator.compute_signature(&url, &params);
        let _ = validator.validate(&url, &params, &signature);
        let _ = validator.validate_with_body(&url, &body, &signature);
    }

    #[test]
    fn a_request_verifies_with_the_signature_made_for_it_in_any_parameter_order(
        url in urls(), params in params(), seed in any::<u64>()
    ) {
        let validator = RequestValidator::new(TOKEN);
        let signature = validator.compute_signature(&url, &params);
        prop_assert!(validator.validate(&url, &params, &signature));
        let mut shuffled = params.clone();
        // A deterministic shuffle from the seed: rotate, then reverse when odd.
        if !shuffled.is_empty() {
            let len = shuffled.len();
            shuffled.rotate_left((seed as usize) % len);
        }
        if seed % 2 == 1 {
            shuffled.reverse();
        }
        prop_assert!(validator.validate(&url, &shuffled, &signature));
    }

    #[test]
    fn a_changed_parameter_value_is_refused(
        url in urls(), params in distinct_params(), index in any::<prop::sample::Index>(), suffix in ".{1,5}"
    ) {
        let validator = RequestValidator::new(TOKEN);
        let signature = validator.compute_signature(&url, &params);
        let mut changed = params.clone();
        let i = index.index(changed.len());
        changed[i].1.push_str(&suffix);
        prop_assert!(!validator.validate(&url, &changed, &signature));
    }

    #[test]
    fn an_added_parameter_is_refused(
        url in urls(), params in distinct_params(), value in ".{0,5}"
    ) {
        let validator = RequestValidator::new(TOKEN);
        let signature = validator.compute_signature(&url, &params);
        let mut added = params.clone();
        added.push(("zz_extra".to_owned(), value));
        prop_assert!(!validator.validate(&url, &added, &signature));
    }

    #[test]
    fn another_url_or_another_token_is_refused(
        path in "/[a-z]{1,10}", params in params(), other in "[a-z]{1,10}"
    ) {
        let url = format!("https://example.com{path}");
        let validator = RequestValidator::new(TOKEN);
        let signature = validator.compute_signature(&url, &params);
        let elsewhere = format!("https://example.com/{other}{path}");
        prop_assert!(!validator.validate(&elsewhere, &params, &signature));
        let other_token = RequestValidator::new(format!("{TOKEN}x"));
        prop_assert!(!other_token.validate(&url, &params, &signature));
    }

    #[test]
    fn a_signature_made_with_or_without_the_default_port_verifies_either_way(
        host in "[a-z]{1,10}\\.example", path in "(/[a-z]{1,8}){0,3}", params in params()
    ) {
        let validator = RequestValidator::new(TOKEN);
        let bare = format!("https://{host}{path}");
        let with_port = format!("https://{host}:443{path}");
        let signed_bare = validator.compute_signature(&bare, &params);
        let signed_with_port = validator.compute_signature(&with_port, &params);
        prop_assert!(validator.validate(&with_port, &params, &signed_bare));
        prop_assert!(validator.validate(&bare, &params, &signed_with_port));
    }

    #[test]
    fn an_empty_signature_never_verifies(url in urls(), params in params(), body in any::<Vec<u8>>()) {
        let validator = RequestValidator::new(TOKEN);
        prop_assert!(!validator.validate(&url, &params, ""));
        prop_assert!(!validator.validate_with_body(&url, &body, ""));
    }

    #[test]
    fn a_json_body_verifies_with_its_hash_in_the_url_and_not_with_another_body(
        body in any::<Vec<u8>>(), other in any::<Vec<u8>>()
    ) {
        let validator = RequestValidator::new(TOKEN);
        let url = format!(
            "https://example.com/twilio/inbound?bodySHA256={}",
            RequestValidator::body_sha256_hex(&body)
        );
        let signature = validator.compute_signature(&url, &[]);
        prop_assert!(validator.validate_with_body(&url, &body, &signature));
        if other != body {
            prop_assert!(!validator.validate_with_body(&url, &other, &signature));
        }
    }
}
