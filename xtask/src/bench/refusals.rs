//! Which events answer 4xx, for the notes: a 4xx counts as answered (the function did its
//! work: it refused), so a row whose events are refused measures refusals, and its reader
//! should see which. The rounds keep no answers, so after them each function runs one more
//! pass over its events, in the rounds' order, on the table as the rounds left it.

use serde_json::Value;

use super::*;

/// Per subject, its events that answered 4xx (`label (status)`); none for the subjects that
/// are not a function's own events, or that stopped.
pub(super) fn all(
    subjects: &[Subject],
    results: &[(Vec<Round>, Option<String>)],
    runtime: &mut RuntimeApi,
) -> Vec<Vec<String>> {
    subjects
        .iter()
        .zip(results)
        .map(|(subject, (_, error))| {
            if subject.role != Role::Function || error.is_some() {
                return Vec::new();
            }
            refused(subject, runtime).unwrap_or_else(|e| {
                eprintln!(
                    "xtask: bench: {}: the pass for 4xx answers: {e}",
                    subject.name
                );
                Vec::new()
            })
        })
        .collect()
}

fn refused(subject: &Subject, runtime: &mut RuntimeApi) -> Result<Vec<String>, Error> {
    let Events::Files(files) = &subject.events else {
        return Ok(Vec::new());
    };
    runtime.reset();
    let running = spawn(subject, runtime)?;
    runtime
        .wait_ready(INIT_TIMEOUT)
        .map_err(|e| format!("{e}; output: {}", running.tail.text()))?;
    let mut refused = Vec::new();
    for i in 0..files.len() {
        let (kind, event) = subject.events.get(i);
        let outcome = runtime.invoke(&event, INVOKE_TIMEOUT)?;
        if let Some(status) = status(&outcome.body).filter(|s| (400..500).contains(s)) {
            refused.push(format!("{} ({status})", subject.events.label(kind)));
        }
    }
    Ok(refused)
}

/// An HTTP answer's `statusCode`; none for other answers.
fn status(body: &str) -> Option<u64> {
    serde_json::from_str::<Value>(body).ok()?["statusCode"].as_u64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_http_answer_has_a_status() {
        assert_eq!(status(r#"{"statusCode": 409, "body": "{}"}"#), Some(409));
        assert_eq!(status(r#"{"batchItemFailures": []}"#), None);
        assert_eq!(status("null"), None);
    }
}
