//! Validation of Twilio's `X-Twilio-Signature` webhook header.
//!
//! The algorithm, as implemented by the official SDKs (twilio-python `request_validator.py`,
//! twilio-node `webhooks.ts`, twilio-go, twilio-java, twilio-ruby, twilio-php, twilio-csharp):
//!
//! 1. Start from the exact URL configured in Twilio. It is used byte for byte and never goes
//!    through a URL parser, because re-serialising can change escapes, case or ports and so the
//!    bytes that were signed. Only a fragment (`#...`, e.g. connection overrides) is cut off:
//!    HTTP never transmits it, so the request URL the SDKs validate against never has one.
//! 2. Sort the form-decoded POST parameters by name, byte-wise and case-sensitively. A repeated
//!    name contributes its values sorted, exact duplicates dropped (node and php behaviour).
//!    Append `name` then `value` for each, with no separators.
//! 3. The signature is the padded standard base64 of HMAC-SHA1 (key: the auth token) over the
//!    URL followed by that parameter string.
//! 4. Twilio is inconsistent about ports, so a signature is accepted for the URL as given, for
//!    the URL with its explicit port removed, or, when it has none, with the scheme's default
//!    port (`:443`/`:80`) added. The authority is edited as a string (userinfo, IPv6 literals).
//! 5. Non-form bodies (JSON): the URL carries `bodySHA256=<lowercase hex SHA-256 of the raw
//!    body>`, the signature covers the URL alone, and both the signature and the hash must match.
//!
//! Comparisons are constant-time, a missing or empty signature never matches, and no input
//! (arbitrary bytes, malformed URLs) panics.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};

type HmacSha1 = Hmac<Sha1>;

/// Checks Twilio webhook signatures made with one account's auth token.
#[derive(Clone)]
pub struct RequestValidator {
    auth_token: Vec<u8>,
}

impl fmt::Debug for RequestValidator {
    // The token is a credential: never let it reach a log through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestValidator")
            .field("auth_token", &"<redacted>")
            .finish()
    }
}

impl RequestValidator {
    /// A validator for signatures made with `auth_token`.
    pub fn new(auth_token: impl Into<String>) -> Self {
        Self {
            auth_token: auth_token.into().into_bytes(),
        }
    }

    /// Signature Twilio would send for this URL and these decoded form parameters.
    ///
    /// The URL is signed exactly as given, less any `#fragment`; no port variant is applied.
    pub fn compute_signature(&self, url: &str, params: &[(String, String)]) -> String {
        let url = without_fragment(url);
        let suffix = params_suffix(params);
        self.sign(url, &suffix).unwrap_or_default()
    }

    /// Form-encoded webhook: true when `signature` matches for any allowed port variant of `url`.
    ///
    /// `params` are the `(name, value)` pairs of the form-decoded body, in any order, possibly
    /// repeating; pass every parameter received, never a selection.
    pub fn validate(&self, url: &str, params: &[(String, String)], signature: &str) -> bool {
        if signature.is_empty() {
            return false;
        }
        let suffix = params_suffix(params);
        self.any_port_variant_matches(without_fragment(url), &suffix, signature)
            .into()
    }

    /// JSON (or any raw) body: `url` contains bodySHA256=...; checks HMAC of the url alone and the body hash.
    ///
    /// False when the URL has no `bodySHA256` query parameter.
    pub fn validate_with_body(&self, url: &str, body: &[u8], signature: &str) -> bool {
        if signature.is_empty() {
            return false;
        }
        let url = without_fragment(url);
        let Some(expected_hash) = query_value(url, "bodySHA256") else {
            return false;
        };
        let hash_matches = Self::body_sha256_hex(body)
            .as_bytes()
            .ct_eq(expected_hash.as_bytes());
        // Both checks always run, so timing does not tell which one failed.
        let signature_matches = self.any_port_variant_matches(url, &[], signature);
        (hash_matches & signature_matches).into()
    }

    /// Lowercase hex SHA-256 of a raw body: the value Twilio puts in `bodySHA256`.
    pub fn body_sha256_hex(body: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = Sha256::digest(body);
        let mut hex = String::with_capacity(digest.len() * 2);
        for byte in digest {
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        hex
    }

    /// Base64 HMAC-SHA1 of `url` followed by `suffix`.
    fn sign(&self, url: &str, suffix: &[u8]) -> Option<String> {
        // HMAC accepts keys of any length, so this never fails in practice.
        let mut mac = HmacSha1::new_from_slice(&self.auth_token).ok()?;
        mac.update(url.as_bytes());
        mac.update(suffix);
        Some(STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// Constant-time match of `signature` against every port variant, without early exit.
    fn any_port_variant_matches(&self, url: &str, suffix: &[u8], signature: &str) -> Choice {
        let mut matched = Choice::from(0);
        for candidate in port_variants(url) {
            if let Some(expected) = self.sign(&candidate, suffix) {
                // `ct_eq` on slices of different lengths is false; length is not secret.
                matched |= expected.as_bytes().ct_eq(signature.as_bytes());
            }
        }
        matched
    }
}

/// The URL up to, not including, the first `#`.
fn without_fragment(url: &str) -> &str {
    url.find('#').map_or(url, |hash| &url[..hash])
}

/// `name` + `value` of every distinct pair, sorted by name then value, byte-wise.
fn params_suffix(params: &[(String, String)]) -> Vec<u8> {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    // Tuple order compares whole names first, so `Reason` sorts before `ReasonConferenceEnded`
    // whatever the values (the twilio-go bug sorted the `name + value` strings instead).
    pairs.sort_unstable();
    pairs.dedup();
    let mut suffix = Vec::with_capacity(
        pairs
            .iter()
            .map(|(name, value)| name.len() + value.len())
            .sum(),
    );
    for (name, value) in pairs {
        suffix.extend_from_slice(name.as_bytes());
        suffix.extend_from_slice(value.as_bytes());
    }
    suffix
}

/// Raw (not percent-decoded) value of the first query parameter called `name`.
fn query_value<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

/// Byte offsets of the parts of a URL's authority that the port variants edit.
struct Authority {
    /// End of the host (start of `:port` when there is one).
    host_end: usize,
    /// End of the authority (start of the path, query or end of string).
    end: usize,
    /// Whether the host is followed by `:port` (digits, possibly none).
    has_port: bool,
    /// `:443` or `:80` for https/http (any case); none for other schemes.
    default_port: Option<&'static str>,
}

/// Locates scheme, userinfo, host and port by hand; `None` when the URL does not look like
/// `scheme://[userinfo@]host[:port]...`, in which case only the URL as given is tried.
fn authority(url: &str) -> Option<Authority> {
    let scheme_end = url.find("://")?;
    let scheme = &url[..scheme_end];
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok {
        return None;
    }
    let start = scheme_end + 3;
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |offset| start + offset);
    // userinfo may hold ':' (user:pass), so the host starts after the last '@'.
    let host_start = url[start..end]
        .rfind('@')
        .map_or(start, |at| start + at + 1);
    let host_port = &url[host_start..end];

    let port_colon = if host_port.starts_with('[') {
        // IPv6 literal: a port can only follow the closing bracket.
        let close = host_port.find(']')?;
        match &host_port[close + 1..] {
            "" => None,
            after if after.starts_with(':') => Some(close + 1),
            _ => return None,
        }
    } else {
        host_port.find(':')
    };
    let host_end = port_colon.map_or(end, |colon| host_start + colon);
    if host_end == host_start {
        return None;
    }
    if let Some(colon) = port_colon
        && !host_port[colon + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let default_port = if scheme.eq_ignore_ascii_case("https") {
        Some(":443")
    } else if scheme.eq_ignore_ascii_case("http") {
        Some(":80")
    } else {
        None
    };
    Some(Authority {
        host_end,
        end,
        has_port: port_colon.is_some(),
        default_port,
    })
}

/// The URL as given, plus the URL without its port, or with the default port added.
fn port_variants(url: &str) -> Vec<String> {
    let mut variants = vec![url.to_owned()];
    let Some(authority) = authority(url) else {
        return variants;
    };
    let (head, tail) = (&url[..authority.host_end], &url[authority.end..]);
    if authority.has_port {
        variants.push([head, tail].concat());
    } else if let Some(port) = authority.default_port {
        variants.push([head, port, tail].concat());
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    // The setup shared by every SDK's validator tests (python, node, go, java, ruby, php, csharp).
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const SIGNATURE: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    const BODY: &str = r#"{"property": "value", "boolean": true}"#;
    const BODY_HASH: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

    fn validator() -> RequestValidator {
        RequestValidator::new(TOKEN)
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// The SDKs' common parameters, deliberately out of order (as in twilio-csharp's test).
    fn params() -> Vec<(String, String)> {
        pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("From", "+14158675309"),
            ("Digits", "1234"),
            ("To", "+18005551212"),
            ("Caller", "+14158675309"),
        ])
    }

    /// Test-only `application/x-www-form-urlencoded` decoder: `+` is a space, `%XX` a byte.
    fn form_decode(body: &str) -> Vec<(String, String)> {
        fn decode(part: &str) -> String {
            let bytes = part.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                match bytes[i] {
                    b'+' => out.push(b' '),
                    b'%' if i + 2 < bytes.len() => {
                        let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                        out.push(u8::from_str_radix(hex, 16).unwrap());
                        i += 2;
                    }
                    other => out.push(other),
                }
                i += 1;
            }
            String::from_utf8(out).unwrap()
        }
        body.split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(name), decode(value))
            })
            .collect()
    }

    const WHATSAPP_TOKEN: &str = "0123456789abcdef0123456789abcdef";
    const WHATSAPP_URL: &str = "https://wa.example.com/twilio/whatsapp/inbound";
    const WHATSAPP_BODY: &str = "SmsMessageSid=SM00000000000000000000000000000001&SmsSid=SM00000000000000000000000000000001&MessageSid=SM00000000000000000000000000000001&AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa&MessagingServiceSid=MGbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&From=whatsapp%3A%2B447700900123&To=whatsapp%3A%2B14155238886&ProfileName=Zo%C3%AB+O%27Brien&WaId=447700900123&SmsStatus=received&NumSegments=1&ReferralNumMedia=0&ApiVersion=2010-04-01&MessageType=text&NumMedia=0&Body=Hi%21+Order+%231234+%3D+2+items+%26+1+gift+%2B+card+%E2%80%93+where+is+it%3F+%F0%9F%98%95&Forwarded=false&FrequentlyForwarded=false";

    // --- The shared example ---------------------------------------------------------------

    #[test]
    fn the_shared_sdk_example_signs_to_its_published_value() {
        // twilio-python tests/unit/test_request_validator.py test_compute_signature;
        // twilio-ruby spec/security/request_validator_spec.rb 'should build a correct signature'.
        assert_eq!(validator().compute_signature(URL, &params()), SIGNATURE);
    }

    #[test]
    fn a_request_signed_for_the_shared_example_validates() {
        // twilio-python test_validation; twilio-java RequestValidatorTest testValidate;
        // twilio-php tests/Twilio/Unit/RequestValidatorTest.php testValidate;
        // twilio-csharp test/Twilio.Test/Security/RequestValidatorTest.cs TestValidateDictionary.
        assert!(validator().validate(URL, &params(), SIGNATURE));
    }

    #[test]
    fn the_docs_example_with_caller_12349013030_signs_to_its_published_value() {
        // Twilio docs (webhooks-security), as quoted in /work/shared/reference/twilio-whatsapp.md §1.
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]);
        assert_eq!(
            validator().compute_signature(URL, &params),
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        );
    }

    #[test]
    fn the_api_snippets_example_with_caller_14158675310_signs_to_its_published_value() {
        // TwilioDevEd/api-snippets security/signature_validation/signature_validation.3.x.js.
        let params = pairs(&[
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675310"),
            ("Digits", "1234"),
            ("From", "+14158675310"),
            ("To", "+18005551212"),
        ]);
        assert!(validator().validate(URL, &params, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    }

    #[test]
    fn parameters_are_signed_in_name_order_whatever_order_they_arrive() {
        // twilio-csharp RequestValidatorTest.cs ("Intentionally out of alphabetical order").
        let mut reversed = params();
        reversed.reverse();
        assert_eq!(validator().compute_signature(URL, &reversed), SIGNATURE);
        let mut sorted = params();
        sorted.sort();
        assert_eq!(validator().compute_signature(URL, &sorted), SIGNATURE);
    }

    // --- Ports ------------------------------------------------------------------------------

    #[test]
    fn a_signature_made_with_the_default_https_port_matches_a_url_without_a_port() {
        // twilio-python test_validation_adds_port_on_https; twilio-node spec/validation.spec.js;
        // twilio-java testValidateAddsPortHttps; twilio-ruby; twilio-php; twilio-csharp.
        assert!(validator().validate(URL, &params(), "kvajT1Ptam85bY51eRf/AJRuM3w="));
    }

    #[test]
    fn a_signature_made_with_the_default_http_port_matches_an_http_url_without_a_port() {
        // twilio-python test_validation_adds_port_on_http; twilio-php testValidateAddsPortHttp.
        let url = "http://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(validator().validate(url, &params(), "0ZXoZLH/DfblKGATFgpif+LLRf4="));
    }

    #[test]
    fn a_signature_made_without_a_port_matches_an_https_url_with_a_custom_port() {
        // twilio-python test_validation_removes_port_on_https; twilio-csharp TestValidateRemovesPortHttps.
        let url = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(validator().validate(url, &params(), SIGNATURE));
    }

    #[test]
    fn a_signature_made_with_a_custom_port_matches_the_url_with_that_port() {
        // twilio-python test_validation_removes_port_on_http (Zmvh...: http with :1234);
        // twilio-csharp TestValidateAddsCustomPortHttps (CYn1...: https with :1234).
        let http = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(validator().validate(http, &params(), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
        let https = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(validator().validate(https, &params(), "CYn1h0gLBdNxDGkKJg6hYohgeD8="));
    }

    #[test]
    fn a_custom_port_is_never_swapped_for_the_default_port() {
        // twilio-go client/request_validator.go addPort keeps an explicit port; vector kvaj...
        // (:443) from twilio-python test_validation_adds_port_on_https.
        let url = "https://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(!validator().validate(url, &params(), "kvajT1Ptam85bY51eRf/AJRuM3w="));
    }

    #[test]
    fn a_url_with_port_443_and_one_without_accept_each_others_signatures() {
        // twilio-node spec/unit/webhooks/webhooks.spec.js (token s3cr3t, example.com/path?test=param).
        let v = RequestValidator::new("s3cr3t");
        let with_port = "https://example.com:443/path?test=param";
        let without_port = "https://example.com/path?test=param";
        let signed_with_port = v.compute_signature(with_port, &[]);
        let signed_without_port = v.compute_signature(without_port, &[]);
        assert!(v.validate(with_port, &[], &signed_with_port));
        assert!(v.validate(without_port, &[], &signed_with_port));
        assert!(v.validate(without_port, &[], &signed_without_port));
        assert!(v.validate(with_port, &[], &signed_without_port));
    }

    #[test]
    fn a_signature_for_another_query_string_is_rejected() {
        // twilio-node spec/unit/webhooks/webhooks.spec.js "signature URL does not match the target URL".
        let v = RequestValidator::new("s3cr3t");
        let signature = v.compute_signature("https://example.com/path?test=param", &[]);
        assert!(!v.validate("https://example.com/path?test=param2", &[], &signature));
    }

    #[test]
    fn ipv6_literal_hosts_get_the_same_port_variants() {
        // No SDK vector: the port rule of every SDK applied to a bracketed IPv6 host.
        let v = validator();
        let signed_bare = v.compute_signature("https://[::1]/hook?x=1", &params());
        let signed_443 = v.compute_signature("https://[::1]:443/hook?x=1", &params());
        assert!(v.validate("https://[::1]:8443/hook?x=1", &params(), &signed_bare));
        assert!(v.validate("https://[::1]/hook?x=1", &params(), &signed_443));
        assert!(!v.validate("https://[::1]:8443/hook?x=1", &params(), &signed_443));
    }

    // --- Bodies (bodySHA256) ----------------------------------------------------------------

    #[test]
    fn the_body_hash_of_the_sdk_json_example_is_its_published_hex() {
        // twilio-python test_compute_hash_unicode; twilio-java testValidateBody;
        // twilio-php testValidateBody; twilio-ruby 'should hash body correctly'.
        assert_eq!(
            RequestValidator::body_sha256_hex(BODY.as_bytes()),
            BODY_HASH
        );
    }

    #[test]
    fn a_json_body_validates_against_the_body_hash_in_its_url() {
        // twilio-python test_validation_of_body_succeeds; twilio-go TestRequestValidator_ValidateBody;
        // twilio-java testValidateWithBody; twilio-csharp TestValidateWithBody.
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        assert!(validator().validate_with_body(
            &url,
            BODY.as_bytes(),
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
    }

    #[test]
    fn a_body_hash_that_is_the_only_query_parameter_validates() {
        // twilio-go "no other parameters"; twilio-java testValidateWithNoOtherParameters;
        // twilio-ruby 'should validate with no other GET parameters'; twilio-csharp TestValidateWithOnlyHash.
        let url = format!("https://mycompany.com/myapp.php?bodySHA256={BODY_HASH}");
        assert!(validator().validate_with_body(
            &url,
            BODY.as_bytes(),
            "y77kIzt2vzLz71DgmJGsen2scGs="
        ));
    }

    #[test]
    fn an_empty_json_object_validates_with_a_signature_made_with_the_default_port() {
        // twilio-node spec/validation.spec.js "should validate request body when empty"
        // (Ldid... is the signature of the URL with :443).
        let url = format!(
            "{URL}&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        assert!(validator().validate_with_body(&url, b"{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc="));
    }

    #[test]
    fn a_json_body_that_does_not_match_its_body_hash_is_rejected() {
        // twilio-java testValidateBodyFailsWhenWrong; twilio-node "should fail to validate with wrong sha".
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        let tampered = r#"{"property": "value", "boolean": false}"#;
        assert!(!validator().validate_with_body(
            &url,
            tampered.as_bytes(),
            "a9nBmqA0ju/hNViExpshrM61xv4="
        ));
    }

    #[test]
    fn a_json_body_without_a_body_hash_in_the_url_is_rejected() {
        // twilio-go "returns false when validation fails"; twilio-java testValidateBodyWithoutSignature;
        // twilio-php testValidateBodyWithoutSignature; twilio-csharp TestValidateWithBodyWithoutSignature.
        assert!(!validator().validate_with_body(URL, BODY.as_bytes(), SIGNATURE));
    }

    #[test]
    fn a_json_body_with_the_right_hash_but_a_wrong_signature_is_rejected() {
        // Vectors from twilio-python test_validation_of_body_succeeds, signature swapped for y77k...
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        assert!(!validator().validate_with_body(
            &url,
            BODY.as_bytes(),
            "y77kIzt2vzLz71DgmJGsen2scGs="
        ));
    }

    // --- Repeated names and ordering ----------------------------------------------------------

    #[test]
    fn a_repeated_name_signs_its_sorted_values_once_each() {
        // twilio-node spec/validation.spec.js "multiple params and values";
        // twilio-php testValidateWithArrayAndDuplicates (Digits 5678, 1234, 1234).
        let params = pairs(&[
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
            ("Digits", "1234"),
        ]);
        assert!(validator().validate(URL, &params, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
    }

    #[test]
    fn a_form_body_with_a_repeated_name_signs_like_the_python_query_dict() {
        // twilio-python test_compute_signature_duplicate_query_dict and _multi_dict.
        let params = form_decode("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234");
        assert_eq!(
            validator().compute_signature(URL, &params),
            "IK+Dwps556ElfBT0I3Rgjkr1wJU="
        );
    }

    #[test]
    fn repeated_values_are_signed_in_sorted_order_whatever_order_they_arrive() {
        // twilio-node spec/validation.spec.js "array parameter" and "regardless of the position".
        let forward = pairs(&[
            ("MessagingBinding.Address", "+1325xxxxxxx"),
            ("MessagingBinding.Address", "+1415xxxxxxx"),
        ]);
        let backward = pairs(&[
            ("MessagingBinding.Address", "+1415xxxxxxx"),
            ("MessagingBinding.Address", "+1325xxxxxxx"),
        ]);
        assert!(validator().validate(URL, &forward, "83O6e2vORAoJHUNzJjDWN1jz+BA="));
        assert!(validator().validate(URL, &backward, "83O6e2vORAoJHUNzJjDWN1jz+BA="));
    }

    fn go_params() -> Vec<(String, String)> {
        let mut params = params();
        params.extend(pairs(&[
            ("ReasonConferenceEnded", "test"),
            ("Reason", "Participant"),
        ]));
        params
    }

    #[test]
    fn reason_sorts_before_reason_conference_ended() {
        // twilio-go client/request_validator_test.go (vOEb... right; 95+B... sorted by name+value).
        assert!(validator().validate(URL, &go_params(), "vOEb5UThFn24KEfnOFLQY2AE5FY="));
        assert!(!validator().validate(URL, &go_params(), "95+Bu0JVPi0r/SsESZCVf0dWAjw="));
    }

    #[test]
    fn the_go_http_vectors_validate_with_and_without_a_custom_port() {
        // twilio-go client/request_validator_test.go: n2xB... is the port-less http signature.
        let signature = "n2xBNyzSW7rfYStDtOFiFMv7qNo=";
        let plain = "http://mycompany.com/myapp.php?foo=1&bar=2";
        let custom = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
        assert!(validator().validate(plain, &go_params(), signature));
        assert!(validator().validate(custom, &go_params(), signature));
    }

    // --- The URL is signed byte for byte ----------------------------------------------------

    #[test]
    fn userinfo_is_kept_in_the_signed_url() {
        // twilio-node spec/validation.spec.js, twilio-ruby request_validator_spec.rb and
        // twilio-php testBuildUrlCreds / testBuildUrlWithUser / testBuildUrlCredsAddsPort.
        let creds = "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2";
        let user = "https://user@mycompany.com/myapp.php?foo=1&bar=2";
        assert!(validator().validate(creds, &params(), "CukzLTc1tT5dXEDIHm/tKBanW10="));
        assert!(validator().validate(user, &params(), "2YRLlVAflCqxaNicjMpJcSTgzSs="));
        assert!(validator().validate(creds, &params(), "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI="));
    }

    #[test]
    fn host_case_is_kept_in_the_signed_url() {
        // twilio-csharp RequestValidatorTest.cs TestValidateDictionaryMixedCase(WithPort|AddsPortHttp).
        let v = validator();
        let https = "https://MyCompany.com/myapp.php?foo=1&bar=2";
        let port = "https://MyCompany.com:1234/myapp.php?foo=1&bar=2";
        let http = "http://MyCompany.com/myapp.php?foo=1&bar=2";
        assert!(v.validate(https, &params(), "g9IN/x4Cft2g517EjYvEvM/W7LU="));
        assert!(v.validate(port, &params(), "PCqOZm8cnu/L6+u5i5fuEd+Iac4="));
        assert!(v.validate(http, &params(), "XY7AlKOKL6im4yWyX84gldUrtis="));
    }

    #[test]
    fn a_lowercase_host_signature_does_not_match_a_mixed_case_host() {
        // twilio-csharp TestValidateDictionaryMixedCase*WithIncorrectSignature.
        let v = validator();
        for url in [
            "https://MyCompany.com/myapp.php?foo=1&bar=2",
            "https://MyCompany.com:1234/myapp.php?foo=1&bar=2",
            "http://MyCompany.com/myapp.php?foo=1&bar=2",
        ] {
            assert!(!v.validate(url, &params(), SIGNATURE), "{url}");
        }
    }

    #[test]
    fn credentials_and_scheme_case_are_kept_in_the_signed_url() {
        // twilio-csharp TestValidateCredentialsArePreserved(UpperCaseScheme|MixedCaseCreds).
        let v = validator();
        let lower = "http://username:password@MyCompany.com/myapp.php?foo=1&bar=2";
        let scheme = "HTTP://username:password@MyCompany.com/myapp.php?foo=1&bar=2";
        let creds = "http://Username:Password@MyCompany.com/myapp.php?foo=1&bar=2";
        assert!(v.validate(lower, &params(), "PJ08CxXr7KLPjEQCTc8LkUSMwSM="));
        assert!(v.validate(scheme, &params(), "hy/l8pca+LFms4cvRdv8uiP6NGc="));
        assert!(v.validate(creds, &params(), "SkTSKyDJH9kUlhItI0slbgZ1UsI="));
    }

    #[test]
    fn percent_escapes_in_the_query_survive_port_removal() {
        // twilio-java issue #601 (token 1234567890; %3A must not be decoded when :443 is removed).
        let v = RequestValidator::new("1234567890");
        let url = "https://someurl.com:443/somepath?param1=client%3AAnonymous";
        assert!(v.validate(url, &[], "PM+bjB+ITJ9a3LIYStKWOTMZMlU="));
        let decoded = "https://someurl.com/somepath?param1=client:Anonymous";
        assert!(!v.validate(decoded, &[], "PM+bjB+ITJ9a3LIYStKWOTMZMlU="));
    }

    #[test]
    fn a_query_with_an_apostrophe_and_a_plus_is_signed_as_given() {
        // twilio-node spec/validation.spec.js "should validate urls with special characters".
        let url = format!("{URL}&Body=It's+amazing");
        assert!(validator().validate(&url, &params(), "dsq4Ehbj6cs+KdTkpF5sSSplOWw="));
    }

    #[test]
    fn a_fragment_is_not_part_of_the_signed_url() {
        // Reference §1: connection-override fragments are not signed; vector from twilio-python.
        let v = validator();
        let with_fragment = format!("{URL}#rc=2&ct=1000");
        assert_eq!(v.compute_signature(&with_fragment, &params()), SIGNATURE);
        assert!(v.validate(&with_fragment, &params(), SIGNATURE));
        let with_port = "https://mycompany.com:1234/myapp.php?foo=1&bar=2#rc=2";
        assert!(v.validate(with_port, &params(), SIGNATURE));
        let body_url = format!("{URL}&bodySHA256={BODY_HASH}#rc=2");
        assert!(v.validate_with_body(&body_url, BODY.as_bytes(), "a9nBmqA0ju/hNViExpshrM61xv4="));
    }

    // --- WhatsApp-shaped examples (reference file §1) ---------------------------------------

    #[test]
    fn the_whatsapp_inbound_example_signs_to_the_reference_value() {
        // /work/shared/reference/twilio-whatsapp.md §1 (checked there with twilio-python).
        let v = RequestValidator::new(WHATSAPP_TOKEN);
        let params = form_decode(WHATSAPP_BODY);
        assert!(params.contains(&("ProfileName".into(), "Zoë O'Brien".into())));
        assert_eq!(
            v.compute_signature(WHATSAPP_URL, &params),
            "SlQ0OXlCBV8WdPnrOFk1Td0ZcCg="
        );
        assert!(v.validate(WHATSAPP_URL, &params, "SlQ0OXlCBV8WdPnrOFk1Td0ZcCg="));
    }

    #[test]
    fn the_whatsapp_example_signed_with_port_443_validates_without_the_port() {
        // /work/shared/reference/twilio-whatsapp.md §1 (the :443 variant).
        let v = RequestValidator::new(WHATSAPP_TOKEN);
        let params = form_decode(WHATSAPP_BODY);
        assert!(v.validate(WHATSAPP_URL, &params, "Xc7xEmceL3jdHYXaFYG7cmuof/w="));
    }

    #[test]
    fn a_whatsapp_body_with_an_edited_emoji_is_rejected() {
        // Reference §1 body with the final emoji changed (U+1F615 to U+1F642).
        let v = RequestValidator::new(WHATSAPP_TOKEN);
        let params = form_decode(&WHATSAPP_BODY.replace("%F0%9F%98%95", "%F0%9F%99%82"));
        assert!(!v.validate(WHATSAPP_URL, &params, "SlQ0OXlCBV8WdPnrOFk1Td0ZcCg="));
    }

    // --- Rejections -------------------------------------------------------------------------

    #[test]
    fn a_signature_made_with_another_auth_token_is_rejected() {
        // Shared SDK example, validated with a different token.
        assert!(!RequestValidator::new("12346").validate(URL, &params(), SIGNATURE));
        assert!(!RequestValidator::new("").validate(URL, &params(), SIGNATURE));
    }

    #[test]
    fn a_tampered_parameter_value_is_rejected() {
        // Shared SDK example with Digits changed.
        let mut params = params();
        params[2].1 = "1235".into();
        assert!(!validator().validate(URL, &params, SIGNATURE));
    }

    #[test]
    fn an_extra_parameter_is_rejected_even_with_an_empty_value() {
        // Shared SDK example plus one parameter; empty values count in the signature.
        let mut extra = params();
        extra.push(("Extra".into(), String::new()));
        assert!(!validator().validate(URL, &extra, SIGNATURE));
        let own = validator().compute_signature(URL, &extra);
        assert!(validator().validate(URL, &extra, &own));
    }

    #[test]
    fn a_missing_parameter_is_rejected() {
        // Shared SDK example with To dropped.
        let missing: Vec<_> = params().into_iter().filter(|(n, _)| n != "To").collect();
        assert!(!validator().validate(URL, &missing, SIGNATURE));
    }

    #[test]
    fn an_empty_signature_is_rejected() {
        // twilio-node spec/validation.spec.js "should fail when signature undefined".
        assert!(!validator().validate(URL, &params(), ""));
        let url = format!("{URL}&bodySHA256={BODY_HASH}");
        assert!(!validator().validate_with_body(&url, BODY.as_bytes(), ""));
    }

    #[test]
    fn a_signature_of_another_length_is_rejected() {
        // twilio-java/twilio-csharp testFailsWhenIncorrect ("NOT" prefix); twilio-php ("FAIL").
        let v = validator();
        for signature in [
            "NOTRSOYDt4T1cUTdK1PDd93/VVr8B8=",
            "FAIL",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8= ",
            " RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        ] {
            assert!(!v.validate(URL, &params(), signature), "{signature:?}");
        }
    }

    #[test]
    fn non_base64_garbage_is_rejected() {
        // twilio-go "WRONG SIGNATURE"; twilio-ruby 'fake_signature'; twilio-node "WRONG_SIGNATURE".
        let v = validator();
        for signature in [
            "WRONG SIGNATURE",
            "fake_signature",
            "WRONG_SIGNATURE",
            "!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            "\u{0}\u{1}\u{7f}ÿ\u{fffd}RSOYDt4T1cUTdK1PDd93/",
        ] {
            assert!(!v.validate(URL, &params(), signature), "{signature:?}");
        }
    }

    #[test]
    fn a_url_whose_path_differs_in_case_is_rejected() {
        // Shared SDK example with the path's case changed.
        let url = "https://mycompany.com/MyApp.php?foo=1&bar=2";
        assert!(!validator().validate(url, &params(), SIGNATURE));
    }

    #[test]
    fn the_scheme_is_never_changed_to_find_a_match() {
        // Shared SDK example (https) presented on an http URL.
        let url = "http://mycompany.com/myapp.php?foo=1&bar=2";
        assert!(!validator().validate(url, &params(), SIGNATURE));
    }

    // --- Robustness -------------------------------------------------------------------------

    #[test]
    fn no_url_or_body_makes_the_validator_panic() {
        // No SDK vector: malformed authorities and arbitrary bytes must only ever fail.
        let v = validator();
        let weird = [
            "",
            "#",
            "?",
            ":",
            "://",
            "https://",
            "https://@",
            "https://:",
            "https://:443",
            "https://[",
            "https://[::1",
            "https://[::1]:",
            "https://[::1]x",
            "https://]:1",
            "https://a:b:c/",
            "https://host:44x3/",
            "https://host:/p",
            "https://u@:80",
            "ht tp://x/",
            "1http://x/",
            "https://é:ü@ñ.example:١٢/ü?ä=ö#ß",
            "https://x/?bodySHA256",
            "https://x/?=&&=&bodySHA256=&bodySHA256",
            "\u{0}://\u{0}:\u{0}",
        ];
        for url in weird {
            let _ = v.compute_signature(url, &params());
            let _ = v.validate(url, &params(), SIGNATURE);
            let _ = v.validate_with_body(url, &[0xff, 0x00], SIGNATURE);
        }
        // A small deterministic generator (xorshift) over URL-ish bytes.
        let alphabet = b"htps:/[]@?#&=%:0123456789abAB\xc3\xa9\xff.";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut bytes = Vec::new();
            for _ in 0..(state % 24) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                bytes.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            let url = String::from_utf8_lossy(&bytes);
            let _ = v.validate(&url, &[], SIGNATURE);
            let _ = v.validate_with_body(&url, &bytes, SIGNATURE);
        }
    }

    #[test]
    fn debug_output_does_not_reveal_the_auth_token() {
        let text = format!("{:?}", RequestValidator::new("super-secret-token-value"));
        assert!(!text.contains("super-secret"), "{text}");
        assert!(text.contains("RequestValidator"));
    }
}
