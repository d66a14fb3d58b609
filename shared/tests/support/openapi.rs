//! The OpenAPI request checker: a request against an operation of Twilio's OpenAPI spec
//! (`CreateMessage`, `fixtures/twilio-create-message.json`; `DeleteMessage`,
//! `fixtures/twilio-delete-message.json`; each copied from Twilio's own document).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use wiremock::Request;
use wiremock::http::Url;

// The test binary's auth token: the one the Basic password must carry.
use crate::AUTH_TOKEN;

pub const FIXTURE: &str = include_str!("../fixtures/twilio-create-message.json");
pub const DELETE_FIXTURE: &str = include_str!("../fixtures/twilio-delete-message.json");

/// One operation of Twilio's spec.
pub struct TwilioOperation {
    spec: Value,
}

impl TwilioOperation {
    /// `CreateMessage`: `POST …/Messages.json`, a form.
    pub fn load() -> Self {
        let spec: Value = serde_json::from_str(FIXTURE).unwrap();
        assert_eq!(spec["operationId"], "CreateMessage");
        Self { spec }
    }

    /// `DeleteMessage`: `DELETE …/Messages/{Sid}.json`, no body.
    #[allow(
        dead_code,
        reason = "used by one of the test binaries that share this module"
    )]
    pub fn delete_message() -> Self {
        let spec: Value = serde_json::from_str(DELETE_FIXTURE).unwrap();
        assert_eq!(spec["operationId"], "DeleteMessage");
        Self { spec }
    }

    pub fn schema(&self) -> &Value {
        &self.spec["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    }

    /// Every problem found, or `Ok` when Twilio's schema accepts the request.
    pub fn check(&self, request: &Request) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        let operation_method = self.spec["method"].as_str().unwrap();
        if !request
            .method
            .as_str()
            .eq_ignore_ascii_case(operation_method)
        {
            problems.push(format!(
                "method {} is not {operation_method}",
                request.method
            ));
        }
        let account_sid = self.check_path(request.url.path(), &mut problems);
        self.check_auth(request, account_sid.as_deref(), &mut problems);
        if self.spec.get("requestBody").is_none() {
            if !request.body.is_empty() {
                problems.push("a body where the operation takes none".to_owned());
            }
            return if problems.is_empty() {
                Ok(())
            } else {
                Err(problems)
            };
        }

        let content_type = header(request, "content-type").unwrap_or_default();
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            problems.push(format!("content type {content_type:?} is not a form"));
        }

        let params = form(request);
        let schema = self.schema();
        let properties = schema["properties"].as_object().unwrap();
        for (name, value) in &params {
            let Some(property) = properties.get(name) else {
                problems.push(format!("{name} is not a CreateMessage parameter"));
                continue;
            };
            let repeated = params.iter().filter(|(n, _)| n == name).count() > 1;
            let value_schema = if property["type"] == "array" {
                &property["items"]
            } else {
                if repeated {
                    problems.push(format!("{name} is sent more than once"));
                }
                property
            };
            check_value(name, value, value_schema, &mut problems);
        }
        let sent = |name: &str| params.iter().any(|(n, _)| n == name);
        for required in schema["required"].as_array().into_iter().flatten() {
            let required = required.as_str().unwrap();
            if !sent(required) {
                problems.push(format!("required {required} is missing"));
            }
        }
        // x-twilio.conditional: one of each group (From or MessagingServiceSid; a content).
        for group in self.spec["x-twilio"]["conditional"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let names: Vec<String> = group
                .as_array()
                .unwrap()
                .iter()
                .map(|n| pascal_case(n.as_str().unwrap()))
                .collect();
            if !names.iter().any(|n| sent(n)) {
                problems.push(format!("none of {names:?} is sent"));
            }
        }
        // Not in the schema but in Twilio's docs: the variables are a JSON object of strings.
        if let Some((_, variables)) = params.iter().find(|(n, _)| n == "ContentVariables") {
            match serde_json::from_str::<Value>(variables) {
                Ok(Value::Object(map)) if map.values().all(Value::is_string) => {}
                _ => problems.push(format!(
                    "ContentVariables {variables:?} is not a JSON object of strings"
                )),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The path against the operation's template; returns the AccountSid it carries.
    fn check_path(&self, actual: &str, problems: &mut Vec<String>) -> Option<String> {
        let template = self.spec["path"].as_str().unwrap();
        let template: Vec<&str> = template.split('/').collect();
        let actual: Vec<&str> = actual.split('/').collect();
        if template.len() != actual.len() {
            problems.push(format!("path {actual:?} is not {template:?}"));
            return None;
        }
        let mut account_sid = None;
        for (want, got) in template.iter().zip(&actual) {
            // A segment is a literal, or `{Name}` with an optional literal suffix (`{Sid}.json`).
            let parameter = want.strip_prefix('{').and_then(|w| w.split_once('}'));
            let parameter = parameter.and_then(|(name, suffix)| {
                Some((
                    name,
                    got.strip_suffix(suffix).filter(|_| got.ends_with(suffix))?,
                ))
            });
            let got = parameter.map_or(*got, |(_, value)| value);
            match parameter.map(|(name, _)| name) {
                Some(name) => {
                    let parameter = self.spec["parameters"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|p| p["name"] == name && p["in"] == "path")
                        .unwrap_or_else(|| panic!("no path parameter {name} in the fixture"));
                    check_value(name, got, &parameter["schema"], problems);
                    if name == "AccountSid" {
                        account_sid = Some(got.to_owned());
                    }
                }
                None if *want == got => {}
                None => problems.push(format!("path segment {got:?} is not {want:?}")),
            }
        }
        account_sid
    }

    /// HTTP Basic `AccountSid:AuthToken`, as the operation's security scheme says.
    fn check_auth(&self, request: &Request, account_sid: Option<&str>, problems: &mut Vec<String>) {
        let scheme_name = self.spec["security"][0]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap();
        assert_eq!(self.spec["securitySchemes"][scheme_name]["scheme"], "basic");
        let Some(auth) = header(request, "authorization") else {
            problems.push("no Authorization header".to_owned());
            return;
        };
        let Some(encoded) = auth.strip_prefix("Basic ") else {
            problems.push("Authorization is not Basic".to_owned());
            return;
        };
        let decoded = STANDARD
            .decode(encoded)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            problems.push("Basic credentials are not user:password".to_owned());
            return;
        };
        let sid_schema = &self.spec["parameters"][0]["schema"];
        check_value("Basic user", user, sid_schema, problems);
        if Some(user) != account_sid {
            problems.push("the Basic user is not the path's AccountSid".to_owned());
        }
        if password != AUTH_TOKEN {
            problems.push("the Basic password is not the auth token".to_owned());
        }
    }
}

pub fn header(request: &Request, name: &str) -> Option<String> {
    request
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `media_url` → `MediaUrl`: x-twilio names parameters in snake case.
pub fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// One form value against its (scalar) schema: type, enum, length, pattern, format.
pub fn check_value(name: &str, value: &str, schema: &Value, problems: &mut Vec<String>) {
    let mut fail = |why: String| problems.push(format!("{name}={value:?}: {why}"));
    match schema["type"].as_str() {
        Some("string") => {}
        Some("integer") if value.parse::<i64>().is_ok() => {}
        Some("number") if value.parse::<f64>().is_ok() => {}
        Some("boolean") if value == "true" || value == "false" => {}
        other => fail(format!("is not of type {other:?}")),
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.iter().any(|a| a == value)
    {
        fail(format!("is not one of {allowed:?}"));
    }
    let length = value.chars().count() as u64;
    if let Some(min) = schema["minLength"].as_u64()
        && length < min
    {
        fail(format!("is shorter than {min}"));
    }
    if let Some(max) = schema["maxLength"].as_u64()
        && length > max
    {
        fail(format!("is longer than {max}"));
    }
    if let Some(pattern) = schema["pattern"].as_str()
        && !Pattern::compile(pattern).matches(value)
    {
        fail(format!("does not match {pattern}"));
    }
    let format_ignored = schema["x-twilio"]["ignoreFormat"] == true;
    match schema["format"].as_str() {
        None => {}
        Some(_) if format_ignored => {}
        Some("uri") => {
            // Twilio: "URL must contain a valid hostname and underscores are not allowed".
            match Url::parse(value) {
                Ok(url)
                    if matches!(url.scheme(), "http" | "https")
                        && url
                            .host_str()
                            .is_some_and(|h| !h.is_empty() && !h.contains('_')) => {}
                _ => fail("is not an http(s) URI with a valid hostname".to_owned()),
            }
        }
        Some("phone-number") => {
            // E.164, or a channel address such as whatsapp:+E164.
            let number = value.strip_prefix("whatsapp:").unwrap_or(value);
            let digits = number.strip_prefix('+').unwrap_or_default();
            if !(2..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
                fail("is not an E.164 number or whatsapp:+E.164 address".to_owned());
            }
        }
        Some(other) => fail(format!("the checker does not know format {other}")),
    }
}

/// The subset of regular expressions the spec's patterns use: `^`, literals, `[...]` classes
/// with ranges, `{n}`/`{n,m}`/`?`/`*`/`+`, `$`, and one leading group of literal alternatives
/// (`^(SM|MM)…`). Anything else fails the test loudly.
pub struct Pattern {
    /// One sequence of pieces per alternative of the leading group (one without a group).
    alternatives: Vec<Vec<Piece>>,
}

/// Characters the piece accepts (inclusive ranges), and how many times it repeats (min, max).
type Piece = (Vec<(char, char)>, usize, usize);

impl Pattern {
    fn compile(pattern: &str) -> Self {
        let inner = pattern
            .strip_prefix('^')
            .and_then(|p| p.strip_suffix('$'))
            .unwrap_or_else(|| panic!("pattern {pattern} is not anchored"));
        let alternatives = match inner.strip_prefix('(').and_then(|p| p.split_once(')')) {
            Some((group, rest)) => group
                .split('|')
                .map(|alternative| Self::pieces(&format!("{alternative}{rest}"), pattern))
                .collect(),
            None => vec![Self::pieces(inner, pattern)],
        };
        Self { alternatives }
    }

    fn pieces(inner: &str, pattern: &str) -> Vec<Piece> {
        let mut chars = inner.chars().peekable();
        let mut pieces = Vec::new();
        while let Some(c) = chars.next() {
            let class = match c {
                '[' => {
                    let mut ranges = Vec::new();
                    loop {
                        let lo = chars.next().expect("unterminated class");
                        if lo == ']' {
                            break;
                        }
                        assert!(lo != '^' && lo != '\\', "unsupported class in {pattern}");
                        if chars.peek() == Some(&'-') {
                            chars.next();
                            let hi = chars.next().expect("unterminated range");
                            ranges.push((lo, hi));
                        } else {
                            ranges.push((lo, lo));
                        }
                    }
                    ranges
                }
                '\\' => {
                    let escaped = chars.next().expect("dangling escape");
                    assert!(!escaped.is_ascii_alphanumeric(), "unsupported \\{escaped}");
                    vec![(escaped, escaped)]
                }
                '(' | ')' | '|' | '.' | '{' | '}' | '*' | '+' | '?' | '^' | '$' => {
                    panic!("unsupported {c:?} in {pattern}")
                }
                literal => vec![(literal, literal)],
            };
            let (min, max) = match chars.peek() {
                Some('{') => {
                    chars.next();
                    let spec: String = chars.by_ref().take_while(|&c| c != '}').collect();
                    match spec.split_once(',') {
                        Some((lo, hi)) => (lo.parse().unwrap(), hi.parse().unwrap()),
                        None => (spec.parse().unwrap(), spec.parse().unwrap()),
                    }
                }
                Some('?') => (0, 1),
                Some('*') => (0, usize::MAX),
                Some('+') => (1, usize::MAX),
                _ => (1, 1),
            };
            if matches!(chars.peek(), Some('?' | '*' | '+')) {
                chars.next();
            }
            pieces.push((class, min, max));
        }
        pieces
    }

    fn matches(&self, value: &str) -> bool {
        let chars: Vec<char> = value.chars().collect();
        self.alternatives
            .iter()
            .any(|pieces| Self::match_from(pieces, &chars))
    }

    fn match_from(pieces: &[Piece], rest: &[char]) -> bool {
        let Some(((class, min, max), later)) = pieces.split_first() else {
            return rest.is_empty();
        };
        let in_class = |c: &char| class.iter().any(|(lo, hi)| (lo..=hi).contains(&c));
        let run = rest.iter().take_while(|c| in_class(c)).count().min(*max);
        (*min..=run)
            .rev()
            .any(|n| Self::match_from(later, &rest[n..]))
    }
}

/// A request's form body as pairs.
pub fn form(request: &Request) -> Vec<(String, String)> {
    form_urlencoded::parse(&request.body).into_owned().collect()
}
