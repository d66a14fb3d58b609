//! Metrics in CloudWatch Embedded Metric Format: one JSON document per metric event, one line on
//! stdout, which CloudWatch Logs turns into metrics. No API call, nothing to flush, no
//! dependency: a cold start pays for nothing.
//!
//! Every document has two dimension sets: `[BusinessNumber]` (with `ErrorCode` where the metric
//! has one), the per-number view of the dashboard, and `[Function]` (the deployed function's
//! name, unique per stack), the totals the alarms watch. Without a business number (an unsigned
//! request) only `[Function]` is emitted.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The CloudWatch namespace of every metric.
pub const NAMESPACE: &str = "WhatsAppChannel";

/// Where EMF documents go: stdout in Lambda, memory in tests.
pub trait MetricSink: Send + Sync {
    fn write_line(&self, line: &str);
}

/// Lambda's stdout: CloudWatch Logs extracts the metrics.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdoutSink;

impl MetricSink for StdoutSink {
    fn write_line(&self, line: &str) {
        // One write of the whole line, so a log line never lands in the middle of it: stdout
        // is line-buffered, so the line and its newline leave in one `write` at the newline,
        // without a copy of the line to append it.
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
}

/// Keeps the documents, for tests.
#[derive(Debug, Default, Clone)]
pub struct MemorySink(Arc<Mutex<Vec<String>>>);

impl MemorySink {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Every document written, parsed.
    pub fn documents(&self) -> Vec<Value> {
        self.lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// The documents that carry the metric `name`.
    pub fn named(&self, name: &str) -> Vec<Value> {
        self.documents()
            .into_iter()
            .filter(|d| metric_names(d).iter().any(|n| n == name))
            .collect()
    }
}

impl MetricSink for MemorySink {
    fn write_line(&self, line: &str) {
        if let Ok(mut lines) = self.0.lock() {
            lines.push(line.to_owned());
        }
    }
}

/// The metric names an EMF document declares.
pub fn metric_names(document: &Value) -> Vec<String> {
    document["_aws"]["CloudWatchMetrics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["Metrics"].as_array().into_iter().flatten())
        .filter_map(|m| m["Name"].as_str().map(str::to_owned))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    /// A plain number (a CSAT score).
    None,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
            Self::None => "None",
        }
    }
}

/// One metric event.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    name: &'static str,
    value: f64,
    unit: Unit,
    business: Option<String>,
    error_code: Option<String>,
}

impl Metric {
    /// One occurrence of `name`.
    pub fn count(name: &'static str) -> Self {
        Self {
            name,
            value: 1.0,
            unit: Unit::Count,
            business: None,
            error_code: None,
        }
    }

    /// A plain value, e.g. a score.
    pub fn value(name: &'static str, value: f64) -> Self {
        Self {
            name,
            value,
            unit: Unit::None,
            business: None,
            error_code: None,
        }
    }

    /// A duration in milliseconds.
    pub fn millis(name: &'static str, millis: i64) -> Self {
        Self {
            name,
            // Durations of this channel are far below 2^53 ms.
            value: millis.max(0) as f64,
            unit: Unit::Milliseconds,
            business: None,
            error_code: None,
        }
    }

    /// The business number, `whatsapp:+E164` or `+E164`; written as `+E164`. Anything that is
    /// not a number is left out rather than becoming a dimension.
    pub fn business(mut self, number: &str) -> Self {
        let e164 = number.strip_prefix("whatsapp:").unwrap_or(number);
        let digits = e164.strip_prefix('+').unwrap_or_default();
        if (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            self.business = Some(e164.to_owned());
        }
        self
    }

    /// Twilio's error code (or what stands for it); a short token only.
    pub fn error_code(mut self, code: impl fmt::Display) -> Self {
        let code: String = code
            .to_string()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(32)
            .collect();
        self.error_code = Some(if code.is_empty() { "none".into() } else { code });
        self
    }

    /// The EMF document, at `timestamp_ms`, for `function`.
    pub fn document(&self, function: &str, timestamp_ms: i64) -> Value {
        let mut dimension_sets = Vec::new();
        if self.business.is_some() {
            let mut set = vec!["BusinessNumber"];
            if self.error_code.is_some() {
                set.push("ErrorCode");
            }
            dimension_sets.push(set);
        }
        dimension_sets.push(vec!["Function"]);
        let mut doc = Map::new();
        doc.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": dimension_sets,
                    "Metrics": [{"Name": self.name, "Unit": self.unit.as_str()}],
                }],
            }),
        );
        doc.insert("Function".into(), json!(function));
        if let Some(business) = &self.business {
            doc.insert("BusinessNumber".into(), json!(business));
        }
        if let Some(code) = &self.error_code {
            doc.insert("ErrorCode".into(), json!(code));
        }
        doc.insert(self.name.into(), json!(self.value));
        Value::Object(doc)
    }

    /// The EMF document as one line of JSON, written straight into a string: the same document
    /// as [`Metric::document`], without building a `serde_json::Value` tree (about a dozen
    /// allocations) on every request. `function` is already a JSON string literal.
    fn line(&self, function_json: &str, timestamp_ms: i64) -> String {
        use std::fmt::Write as _;
        let mut out = String::with_capacity(256);
        let dimensions = match (&self.business, &self.error_code) {
            (Some(_), Some(_)) => r#"[["BusinessNumber","ErrorCode"],["Function"]]"#,
            (Some(_), None) => r#"[["BusinessNumber"],["Function"]]"#,
            (None, _) => r#"[["Function"]]"#,
        };
        let _ = write!(
            out,
            r#"{{"_aws":{{"Timestamp":{timestamp_ms},"CloudWatchMetrics":[{{"Namespace":"{NAMESPACE}","Dimensions":{dimensions},"Metrics":[{{"Name":{},"Unit":"{}"}}]}}]}},"Function":{function_json}"#,
            json_string(self.name),
            self.unit.as_str()
        );
        if let Some(business) = &self.business {
            let _ = write!(out, r#","BusinessNumber":{}"#, json_string(business));
        }
        if let Some(code) = &self.error_code {
            let _ = write!(out, r#","ErrorCode":{}"#, json_string(code));
        }
        let _ = write!(
            out,
            r#",{}:{}}}"#,
            json_string(self.name),
            Value::from(self.value)
        );
        out
    }
}

/// `text` as a JSON string literal (quotes and escapes included).
fn json_string(text: &str) -> String {
    Value::from(text).to_string()
}

/// Emits metrics for one function. Cheap to clone; `disabled()` emits nothing (local-api, tests
/// that do not look).
#[derive(Clone)]
pub struct Metrics {
    sink: Option<Arc<dyn MetricSink>>,
    function: Arc<str>,
    /// `function` as a JSON string literal, escaped once.
    function_json: Arc<str>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics")
            .field("function", &self.function)
            .field("enabled", &self.sink.is_some())
            .finish()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::disabled()
    }
}

impl Metrics {
    pub fn disabled() -> Self {
        Self {
            sink: None,
            function: Arc::from(""),
            function_json: Arc::from("\"\""),
        }
    }

    /// To `sink`, as `function`.
    pub fn to(sink: Arc<dyn MetricSink>, function: &str) -> Self {
        Self {
            sink: Some(sink),
            function: Arc::from(function),
            function_json: Arc::from(json_string(function)),
        }
    }

    /// In Lambda: stdout, as the deployed function (`AWS_LAMBDA_FUNCTION_NAME`, unique per
    /// stack), else as `package`.
    pub fn lambda(package: &str) -> Self {
        let function = std::env::var("AWS_LAMBDA_FUNCTION_NAME")
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| package.to_owned());
        Self::to(Arc::new(StdoutSink), &function)
    }

    pub fn emit(&self, metric: Metric) {
        let Some(sink) = &self.sink else {
            return;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or_default();
        sink.write_line(&metric.line(&self.function_json, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emitted(metric: Metric) -> Value {
        let sink = MemorySink::default();
        Metrics::to(Arc::new(sink.clone()), "webhook-ingest").emit(metric);
        let docs = sink.documents();
        assert_eq!(docs.len(), 1);
        docs.into_iter().next().unwrap()
    }

    #[test]
    fn a_count_with_a_business_number_has_a_per_number_and_a_per_function_dimension_set() {
        let doc = emitted(Metric::count("InboundMessages").business("whatsapp:+14155238886"));
        let aws = &doc["_aws"];
        assert!(aws["Timestamp"].as_i64().unwrap() > 1_700_000_000_000);
        let directive = &aws["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "WhatsAppChannel");
        assert_eq!(
            directive["Dimensions"],
            json!([["BusinessNumber"], ["Function"]])
        );
        assert_eq!(
            directive["Metrics"],
            json!([{"Name": "InboundMessages", "Unit": "Count"}])
        );
        assert_eq!(doc["BusinessNumber"], "+14155238886");
        assert_eq!(doc["Function"], "webhook-ingest");
        assert_eq!(doc["InboundMessages"], 1.0);
    }

    #[test]
    fn without_a_number_only_the_function_dimension_remains() {
        let doc = emitted(Metric::count("SignatureFailures"));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Function"]])
        );
        assert!(doc.get("BusinessNumber").is_none());
    }

    #[test]
    fn an_error_code_joins_the_per_number_dimension_set() {
        let doc = emitted(
            Metric::count("DeliveryFailures")
                .business("+14155238886")
                .error_code(63016),
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["BusinessNumber", "ErrorCode"], ["Function"]])
        );
        assert_eq!(doc["ErrorCode"], "63016");
    }

    #[test]
    fn a_duration_is_in_milliseconds() {
        let doc = emitted(Metric::millis("TwilioLatency", 182).business("+14155238886"));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"],
            "Milliseconds"
        );
        assert_eq!(doc["TwilioLatency"], 182.0);
    }

    #[test]
    fn the_line_written_is_the_document_whatever_the_dimensions_and_the_function_name() {
        for metric in [
            Metric::count("SignatureFailures"),
            Metric::count("InboundMessages").business("whatsapp:+14155238886"),
            Metric::millis("TwilioLatency", 182).business("+14155238886"),
            Metric::value("CsatScore", 4.5).business("+14155238886"),
            Metric::count("DeliveryFailures")
                .business("+14155238886")
                .error_code(63016),
        ] {
            for function in ["webhook-ingest", "a \"quoted\" \\ name"] {
                let line = metric.line(&json_string(function), 1_795_428_000_000);
                let parsed: Value = serde_json::from_str(&line).unwrap();
                assert_eq!(
                    parsed,
                    metric.document(function, 1_795_428_000_000),
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn what_is_not_a_number_never_becomes_a_dimension_value() {
        for raw in [
            "",
            "whatsapp:",
            "Zoë",
            "+1 415 523 8886",
            "whatsapp:+1415523888612345",
        ] {
            let doc = emitted(Metric::count("InboundMessages").business(raw));
            assert!(doc.get("BusinessNumber").is_none(), "{raw:?}");
        }
        let doc = emitted(Metric::count("TwilioErrors").error_code("20003\"}, {\"x"));
        assert_eq!(doc["ErrorCode"], "20003x");
    }
}
