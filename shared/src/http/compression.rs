//! Gzipped responses. API Gateway HTTP APIs pass a function's response on as it is, so a
//! function that wants its JSON compressed on the wire compresses it itself: a binary body, which
//! lambda_http base64-encodes for API Gateway and API Gateway decodes before sending it on.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};

/// The smallest body worth gzipping. Below about 1 KiB a response fits in one TCP segment
/// (1,460 bytes) either way, so compressing saves the client no round trip or packet; gzip's own
/// 18-byte frame and the base64 step (4 bytes for every 3 in Lambda's answer) make a short body
/// shrink by little or even grow, for CPU spent on every call.
pub const MIN_GZIP_BYTES: usize = 1024;

/// Chosen by measurement (flate2's Rust backend built as released, opt-level "s", on one x86
/// core): a 2,000-message conversation of varied text, 524 kB of JSON, gzips to 103 kB in 1.3 ms
/// at level 1, 90 kB in 2.4 ms at level 2 and 79 kB in 12 ms at level 6 (level 9: no smaller,
/// slower); the console bench's repetitive one, 417 kB, to 24.8 kB in 0.3 ms at level 1 and
/// 24.4 kB in 3 ms at level 6. agent-api has 256 MB, about a seventh of a vCPU, so level 6 would
/// add some 75 ms to every open and 3-second poll to save 24 kB, a few ms on an agent's line.
const LEVEL: u32 = 1;

/// Whether `Accept-Encoding` takes gzip: `gzip` listed without `q=0`, or else `*` so listed.
pub fn accepts_gzip(request: &Request) -> bool {
    let codings: Vec<(String, bool)> = request
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name, !refused)
        })
        .collect();
    let taken = |name: &str| codings.iter().find(|(n, _)| n == name).map(|(_, ok)| *ok);
    taken("gzip").or_else(|| taken("*")).unwrap_or(false)
}

/// `response` gzipped when that is worth it: a final answer with a body (not 1xx, 204, 206, 3xx),
/// not encoded already, of a compressible type (text, JSON, XML, JavaScript, SVG), at least
/// [`MIN_GZIP_BYTES`] long, for a client that `accepts` gzip (and a request that is not HEAD:
/// the caller says so through `accepts`). Such a response says `Vary: Accept-Encoding` whether
/// it is gzipped or not, so that a cache keeps the two forms apart and never gives a gzipped
/// body to a client that did not ask for one, or stores the plain one as the only form.
pub fn gzip_if_worthwhile(accepts: bool, response: Response<Body>) -> Response<Body> {
    if !compressible(&response) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    add_vary(&mut parts.headers);
    let bytes: &[u8] = match &body {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if !accepts {
        return Response::from_parts(parts, body);
    }
    let Some(gzipped) = gzip(bytes) else {
        return Response::from_parts(parts, body);
    };
    // Lambda returns a binary body base64-encoded, and its answer is capped at 6 MB: a body that
    // shrinks by less than a quarter would take more room there than the plain text.
    if gzipped.len().div_ceil(3) * 4 > bytes.len() {
        return Response::from_parts(parts, body);
    }
    let headers = &mut parts.headers;
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    // The length was the plain body's; API Gateway (and hyper) count the one sent.
    headers.remove(header::CONTENT_LENGTH);
    weaken_etag(headers);
    Response::from_parts(parts, Body::Binary(gzipped))
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 4), Compression::new(LEVEL));
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

fn compressible(response: &Response<Body>) -> bool {
    let status = response.status();
    let final_with_body = !(status.is_informational()
        || status.is_redirection()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::PARTIAL_CONTENT);
    let length = match response.body() {
        Body::Text(text) => text.len(),
        Body::Binary(bytes) => bytes.len(),
        _ => 0,
    };
    let headers = response.headers();
    final_with_body
        && length >= MIN_GZIP_BYTES
        && !headers.contains_key(header::CONTENT_ENCODING)
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(compressible_type)
}

/// Text, JSON, XML, JavaScript and SVG: what deflate shrinks. Images, audio, video, PDF and
/// archives are compressed already; an event stream must not be held back to be compressed.
fn compressible_type(content_type: &str) -> bool {
    let essence = crate::domain::media_type_essence(content_type);
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "text" => subtype != "event-stream",
        "application" => {
            matches!(
                subtype,
                "json" | "xml" | "javascript" | "x-ndjson" | "csv" | "problem+json"
            ) || subtype.ends_with("+json")
                || subtype.ends_with("+xml")
        }
        "image" => subtype == "svg+xml",
        _ => false,
    }
}

/// `Accept-Encoding` added to `Vary`, keeping what it names already.
fn add_vary(headers: &mut HeaderMap) {
    let existing: Vec<String> = headers
        .get_all(header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect();
    if existing
        .iter()
        .any(|name| name == "*" || name.eq_ignore_ascii_case("accept-encoding"))
    {
        return;
    }
    let mut names = existing;
    names.push("Accept-Encoding".to_owned());
    if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

/// A strong `ETag` names the exact bytes; the gzipped body is other bytes of the same
/// representation, so the tag becomes weak (what nginx does), and `If-None-Match`, which compares
/// weakly, still matches it.
fn weaken_etag(headers: &mut HeaderMap) {
    let Some(tag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok()) else {
        return;
    };
    if tag.starts_with("W/") {
        return;
    }
    if let Ok(weak) = HeaderValue::from_str(&format!("W/{tag}")) {
        headers.insert(header::ETAG, weak);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::GzDecoder;

    use super::*;

    fn asking(accept_encoding: &[&str]) -> Request {
        let mut request = Request::default();
        for value in accept_encoding {
            request.headers_mut().append(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
        }
        request
    }

    /// A JSON body of about `bytes` bytes, as repetitive as a transcript is.
    fn json_body(bytes: usize) -> String {
        let mut body = String::from("{\"messages\":[");
        let mut n = 0;
        while body.len() + 60 < bytes {
            body.push_str(&format!("{{\"n\":{n},\"body\":\"Where is my order?\"}},"));
            n += 1;
        }
        body.push_str("{}]}");
        body
    }

    fn response(content_type: &str, body: String) -> Response<Body> {
        crate::http::with_body(StatusCode::OK, content_type, body)
    }

    fn header_of(response: &Response<Body>, name: header::HeaderName) -> Option<&str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    fn gunzip(response: &Response<Body>) -> String {
        let Body::Binary(bytes) = response.body() else {
            panic!("the body is not binary: {:?}", response.body());
        };
        let mut text = String::new();
        GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        text
    }

    #[test]
    fn gzip_listed_is_accepted_in_any_case_and_among_others() {
        assert!(accepts_gzip(&asking(&["gzip"])));
        assert!(accepts_gzip(&asking(&["deflate, GZip;q=0.5, br"])));
        assert!(accepts_gzip(&asking(&["br", "gzip"])));
    }

    #[test]
    fn no_header_or_other_codings_only_is_refused() {
        assert!(!accepts_gzip(&asking(&[])));
        assert!(!accepts_gzip(&asking(&["br, deflate"])));
        assert!(!accepts_gzip(&asking(&["identity"])));
    }

    #[test]
    fn gzip_with_q_zero_is_refused_even_when_the_wildcard_is_taken() {
        assert!(!accepts_gzip(&asking(&["gzip;q=0"])));
        assert!(!accepts_gzip(&asking(&["gzip; q=0.0, *"])));
    }

    #[test]
    fn the_wildcard_accepts_gzip_unless_it_has_q_zero() {
        assert!(accepts_gzip(&asking(&["*"])));
        assert!(accepts_gzip(&asking(&["br, *;q=0.1"])));
        assert!(!accepts_gzip(&asking(&["*;q=0"])));
    }

    #[test]
    fn a_large_json_body_is_gzipped_and_decompresses_to_the_original() {
        let body = json_body(20_000);
        let mut original = response("application/json", body.clone());
        original
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
        let gzipped = gzip_if_worthwhile(true, original);
        assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(header_of(&gzipped, header::VARY), Some("Accept-Encoding"));
        assert_eq!(
            header_of(&gzipped, header::CONTENT_TYPE),
            Some("application/json")
        );
        assert_eq!(gzipped.headers().get(header::CONTENT_LENGTH), None);
        assert_eq!(gunzip(&gzipped), body);
    }

    #[test]
    fn a_body_under_the_threshold_is_left_as_it_is_without_vary() {
        let body = json_body(MIN_GZIP_BYTES - 100);
        assert!(body.len() < MIN_GZIP_BYTES);
        let answer = gzip_if_worthwhile(true, response("application/json", body.clone()));
        assert_eq!(answer.headers().get(header::CONTENT_ENCODING), None);
        assert_eq!(answer.headers().get(header::VARY), None);
        assert_eq!(answer.body(), &Body::Text(body));
    }

    #[test]
    fn a_body_at_the_threshold_is_gzipped() {
        let body = "a".repeat(MIN_GZIP_BYTES);
        let answer = gzip_if_worthwhile(true, response("text/plain", body.clone()));
        assert_eq!(header_of(&answer, header::CONTENT_ENCODING), Some("gzip"));
        assert_eq!(gunzip(&answer), body);
    }

    #[test]
    fn a_client_that_does_not_accept_gzip_gets_the_plain_body_with_vary() {
        let body = json_body(20_000);
        let answer = gzip_if_worthwhile(false, response("application/json", body.clone()));
        assert_eq!(answer.headers().get(header::CONTENT_ENCODING), None);
        assert_eq!(header_of(&answer, header::VARY), Some("Accept-Encoding"));
        assert_eq!(answer.body(), &Body::Text(body));
    }

    #[test]
    fn a_body_encoded_already_is_not_encoded_again() {
        let mut original = response("application/json", json_body(20_000));
        original
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        let answer = gzip_if_worthwhile(true, original);
        assert_eq!(header_of(&answer, header::CONTENT_ENCODING), Some("br"));
        assert!(matches!(answer.body(), Body::Text(_)));
    }

    #[test]
    fn images_pdfs_and_untyped_bodies_are_not_compressed() {
        for content_type in ["image/jpeg", "application/pdf", "application/octet-stream"] {
            let original = Response::builder()
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::Binary(vec![b'x'; 20_000]))
                .unwrap();
            let answer = gzip_if_worthwhile(true, original);
            assert_eq!(answer.headers().get(header::CONTENT_ENCODING), None);
            assert_eq!(answer.headers().get(header::VARY), None);
        }
        let untyped = Response::new(Body::Text(json_body(20_000)));
        let answer = gzip_if_worthwhile(true, untyped);
        assert_eq!(answer.headers().get(header::CONTENT_ENCODING), None);
    }

    #[test]
    fn text_csv_html_and_json_variants_are_compressible() {
        for content_type in [
            "application/json",
            "text/csv",
            "text/html; charset=utf-8",
            "application/problem+json",
            "image/svg+xml",
            "Text/Plain",
        ] {
            assert!(compressible_type(content_type), "{content_type}");
        }
        for content_type in ["text/event-stream", "image/png", "video/mp4", "nonsense"] {
            assert!(!compressible_type(content_type), "{content_type}");
        }
    }

    #[test]
    fn an_existing_vary_is_kept_and_accept_encoding_is_added_once() {
        let mut original = response("application/json", json_body(20_000));
        original
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("Origin"));
        let answer = gzip_if_worthwhile(true, original);
        assert_eq!(
            header_of(&answer, header::VARY),
            Some("Origin, Accept-Encoding")
        );

        let mut already = response("application/json", json_body(20_000));
        already
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        let answer = gzip_if_worthwhile(true, already);
        let vary: Vec<_> = answer.headers().get_all(header::VARY).iter().collect();
        assert_eq!(vary, ["accept-encoding"]);
    }

    #[test]
    fn no_content_not_modified_and_redirects_are_left_alone() {
        for status in [
            StatusCode::NO_CONTENT,
            StatusCode::NOT_MODIFIED,
            StatusCode::SEE_OTHER,
            StatusCode::PARTIAL_CONTENT,
        ] {
            let mut original = response("application/json", json_body(20_000));
            *original.status_mut() = status;
            let answer = gzip_if_worthwhile(true, original);
            assert_eq!(
                answer.headers().get(header::CONTENT_ENCODING),
                None,
                "{status}"
            );
            assert_eq!(answer.headers().get(header::VARY), None, "{status}");
        }
    }

    #[test]
    fn an_error_body_large_enough_is_gzipped_too() {
        let mut original = response("application/json", json_body(5_000));
        *original.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        let answer = gzip_if_worthwhile(true, original);
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(header_of(&answer, header::CONTENT_ENCODING), Some("gzip"));
    }

    #[test]
    fn a_body_gzip_barely_shrinks_is_sent_plain() {
        // Bytes that do not repeat: deflate stores them, and base64 would make them larger.
        let mut state: u32 = 12345;
        let noise: String = (0..8_000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                char::from(b'!' + ((state >> 16) % 94) as u8)
            })
            .collect();
        let answer = gzip_if_worthwhile(true, response("text/plain", noise.clone()));
        assert_eq!(answer.headers().get(header::CONTENT_ENCODING), None);
        assert_eq!(answer.body(), &Body::Text(noise));
    }

    #[test]
    fn a_strong_etag_becomes_weak_when_the_body_is_gzipped() {
        let mut original = response("text/html", json_body(20_000));
        original
            .headers_mut()
            .insert(header::ETAG, HeaderValue::from_static("\"v1\""));
        let answer = gzip_if_worthwhile(true, original);
        assert_eq!(header_of(&answer, header::ETAG), Some("W/\"v1\""));
    }
}
