//! `application/x-www-form-urlencoded` bodies, read two ways: leniently, as Twilio's SDKs decode
//! them to check a signature, and strictly, before a signed body is trusted as a message.

/// Why a form body is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("the form has a `%` not followed by two hexadecimal digits")]
    BadPercentEncoding,
    #[error("the form does not decode to UTF-8 text")]
    NotUtf8,
}

/// Decodes like the SDKs' validators do: never fails (bad escapes stay literal, bad UTF-8 is
/// replaced), so that any body can be checked against its signature first.
pub fn decode_lenient(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// Decodes and refuses a body that is not well-formed UTF-8 form data.
pub fn decode_strict(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    body.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode_component(name)?, decode_component(value)?))
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> Result<String, FormError> {
    let mut escapes = raw.iter().enumerate().filter(|(_, b)| **b == b'%');
    if escapes.any(|(i, _)| {
        !matches!(raw.get(i + 1..i + 3), Some([h, l]) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit())
    }) {
        return Err(FormError::BadPercentEncoding);
    }
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| FormError::NotUtf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn plus_is_a_space_and_escapes_are_utf8_bytes() {
        let body = b"ProfileName=Zo%C3%AB+O%27Brien&Body=a%2Bb%26c%3Dd&Empty=&Bare";
        let expected = pairs(&[
            ("ProfileName", "Zoë O'Brien"),
            ("Body", "a+b&c=d"),
            ("Empty", ""),
            ("Bare", ""),
        ]);
        assert_eq!(decode_strict(body).unwrap(), expected);
        assert_eq!(decode_lenient(body), expected);
    }

    #[test]
    fn repeated_names_are_kept_in_order() {
        assert_eq!(
            decode_strict(b"a=2&a=1").unwrap(),
            pairs(&[("a", "2"), ("a", "1")])
        );
    }

    #[test]
    fn a_bad_percent_escape_is_refused_by_the_strict_reader_only() {
        for body in [&b"Body=100%"[..], b"Body=%zz", b"Body=%4", b"B%x=1"] {
            assert_eq!(decode_strict(body), Err(FormError::BadPercentEncoding));
            assert_eq!(decode_lenient(body).len(), 1);
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_by_the_strict_reader_only() {
        assert_eq!(decode_strict(b"Body=%FF%FE"), Err(FormError::NotUtf8));
        assert_eq!(decode_strict(b"Body=\xff"), Err(FormError::NotUtf8));
        assert_eq!(decode_lenient(b"Body=%FF").len(), 1);
    }

    proptest::proptest! {
        /// webhook-ingest checks the signature against the strict pairs of a well-formed body
        /// (decoding it once): they must be the pairs Twilio's lenient decoding gives.
        #[test]
        fn a_body_the_strict_reader_accepts_decodes_the_same_leniently(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            if let Ok(strict) = decode_strict(&body) {
                proptest::prop_assert_eq!(strict, decode_lenient(&body));
            }
        }

        #[test]
        fn any_encoded_pairs_decode_the_same_both_ways(pairs in proptest::collection::vec(("\\PC{0,8}", "\\PC{0,12}"), 0..6)) {
            let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(&pairs).finish();
            let strict = decode_strict(body.as_bytes());
            proptest::prop_assert_eq!(strict.as_ref().ok(), Some(&decode_lenient(body.as_bytes())));
        }
    }
}
