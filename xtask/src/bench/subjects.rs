//! The bench's subjects: the functions found under `functions/` (their events from `events/`,
//! their environment from `events/env.json`), the floor and the peer, and what each is invoked
//! with.

use super::*;
/// A function under `functions/`: its package and binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub package: String,
    pub bin: String,
}

/// Every function under `functions/`, by name: the package name, and the binary its
/// `[[bin]]` names (the package name without one).
pub fn discover_functions(root: &Path) -> Result<Vec<Function>, Error> {
    let dir = root.join("functions");
    let mut found = Vec::new();
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if let Some(function) = parse_manifest(&text) {
            found.push(function);
        }
    }
    found.sort_by(|a, b| a.package.cmp(&b.package));
    Ok(found)
}

/// The functions `--only` names (all of them when it names none), in `functions`' order.
pub(super) fn only(functions: Vec<Function>, names: &[String]) -> Result<Vec<Function>, Error> {
    if let Some(unknown) = names.iter().find(|name| {
        !functions
            .iter()
            .any(|f| &f.bin == *name || &f.package == *name)
    }) {
        return Err(format!(
            "`bench --only`: no function {unknown} under functions/ (there are: {})",
            functions
                .iter()
                .map(|f| f.bin.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(functions
        .into_iter()
        .filter(|f| names.is_empty() || names.iter().any(|n| *n == f.bin || *n == f.package))
        .collect())
}

pub(super) fn parse_manifest(text: &str) -> Option<Function> {
    let mut section = String::new();
    let mut package = None;
    let mut bin = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_owned();
            continue;
        }
        let Some(value) = line
            .strip_prefix("name")
            .map(str::trim_start)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim().trim_matches('"').to_owned())
        else {
            continue;
        };
        match section.as_str() {
            "[package]" if package.is_none() => package = Some(value),
            "[[bin]]" if bin.is_none() => bin = Some(value),
            _ => {}
        }
    }
    let package = package?;
    Some(Function {
        bin: bin.unwrap_or_else(|| package.clone()),
        package,
    })
}

/// `webhook-ingest` → `WebhookIngestFunction`, its section in `events/env.json`.
pub(super) fn logical_id(function: &str) -> String {
    let mut id: String = function
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    id.push_str("Function");
    id
}

/// `events/env.json`: a section per function, each a map of string variables.
pub(super) fn parse_env_json(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut sections: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if line.starts_with('"') && line.ends_with('{') {
            current = line.split('"').nth(1).map(str::to_owned);
            if let Some(name) = &current {
                sections.entry(name.clone()).or_default();
            }
        } else if line.starts_with('}') {
            current = None;
        } else if let (Some(section), Some((name, value))) =
            (&current, line.trim_end_matches(',').split_once("\": \""))
        {
            let name = name.trim_start_matches('"').to_owned();
            let value = value.trim_end_matches('"').to_owned();
            if let Some(vars) = sections.get_mut(section) {
                vars.push((name, value));
            }
        }
    }
    sections
}

/// The events of `function`: `events/{function}.*.json`, by name.
pub(super) fn function_events(root: &Path, function: &str) -> Vec<(String, String)> {
    let prefix = format!("{function}.");
    let mut events: Vec<(String, String)> = std::fs::read_dir(root.join("events"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let label = name
                .strip_prefix(&prefix)?
                .strip_suffix(".json")?
                .to_owned();
            let text = std::fs::read_to_string(entry.path()).ok()?;
            Some((label, text))
        })
        .collect();
    events.sort();
    events
}

/// Follow-up messages from the same customer, each with a new MessageSid and its signature.
pub(super) struct FollowUps {
    pub(super) template: String,
    pub(super) body: String,
    pub(super) signature: String,
    pub(super) form: String,
    pub(super) sid: String,
    pub(super) token: String,
    pub(super) url: String,
}

static SEQUENCE: AtomicU64 = AtomicU64::new(0);

impl FollowUps {
    pub(super) fn new(event: &str, token: &str, url: &str) -> Result<FollowUps, Error> {
        let field = |name: &str| {
            event
                .split(&format!("\"{name}\": \""))
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .map(str::to_owned)
                .ok_or_else(|| format!("{FOLLOW_UP_EVENT}.json has no `{name}`"))
        };
        let body = field("body")?;
        let signature = field("x-twilio-signature")?;
        let form = sign::base64_decode(&body)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or("the event's body is not base64 of UTF-8")?;
        let sid = sign::form_decode(&form)
            .into_iter()
            .find(|(name, _)| name == "MessageSid")
            .map(|(_, v)| v)
            .ok_or("the event's form has no MessageSid")?;
        Ok(FollowUps {
            template: event.to_owned(),
            body,
            signature,
            form,
            sid,
            token: token.to_owned(),
            url: url.to_owned(),
        })
    }

    /// The next message: a MessageSid never used in this run, signed.
    pub(super) fn next(&self) -> String {
        let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let sid = format!("SM{:08x}{:024x}", std::process::id(), n);
        let form = self.form.replace(&self.sid, &sid);
        let signature = sign::twilio_signature(&self.token, &self.url, &sign::form_decode(&form));
        self.template
            .replace(&self.body, &sign::base64_encode(form.as_bytes()))
            .replace(&self.signature, &signature)
    }
}

pub(super) enum Events {
    /// The function's own events, in turn.
    Files(Vec<(String, String)>),
    /// A new follow-up message each time.
    FollowUps(Arc<FollowUps>),
}

impl Events {
    /// The event of invocation `i` (0 is the first), with its index among the kinds.
    pub(super) fn get(&self, i: usize) -> (usize, String) {
        match self {
            Events::Files(files) => {
                let k = i % files.len();
                (k, with_fresh_idempotency_key(&files[k].1))
            }
            Events::FollowUps(follow_ups) => (0, follow_ups.next()),
        }
    }

    pub(super) fn label(&self, k: usize) -> String {
        match self {
            Events::Files(files) => files.get(k).map(|f| f.0.clone()).unwrap_or_default(),
            Events::FollowUps(_) => "follow-up".to_owned(),
        }
    }
}

/// `event` with its `Idempotency-Key` (if it has one) replaced by one never used in this run:
/// with the committed key, every invocation after the first would measure a retry's replay,
/// not the note or reply it sends.
fn with_fresh_idempotency_key(event: &str) -> String {
    const HEADER: &str = "\"idempotency-key\": \"";
    let Some(key) = event
        .split(HEADER)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .filter(|key| !key.is_empty())
    else {
        return event.to_owned();
    };
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let fresh = format!("{:08x}-0000-4000-8000-{n:012x}", std::process::id());
    event.replace(&format!("{HEADER}{key}\""), &format!("{HEADER}{fresh}\""))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Function,
    /// The webhook-ingest follow-up row, compared with the peer.
    Product,
    /// `--baseline`: another build of webhook-ingest on the same follow-up messages.
    Baseline,
    Floor,
    Peer,
    /// webhook-ingest with `LOG_TIMINGS=on` on the same follow-up messages: where its time goes
    /// (its own row; the extra lines stay out of the product's figures).
    Timed,
}

pub(super) struct Subject {
    pub(super) name: String,
    pub(super) role: Role,
    pub(super) program: PathBuf,
    pub(super) args: Vec<String>,
    pub(super) cwd: PathBuf,
    pub(super) env: Vec<(String, String)>,
    pub(super) events: Events,
    pub(super) warm: usize,
    pub(super) bootstrap: String,
    pub(super) note: String,
}

/// One invocation as measured.
#[derive(Debug, Clone, Default)]
pub(super) struct Invocation {
    pub(super) kind: usize,
    pub(super) total_us: u64,
    pub(super) ddb_us: u64,
    pub(super) calls: Vec<(String, u64)>,
    pub(super) ok: bool,
    /// An HTTP answer's status code; none for other answers.
    pub(super) status: Option<u16>,
    /// With `LOG_TIMINGS=on`: the function's own timings of its parts.
    pub(super) timings: Vec<super::parts::Timing>,
}

impl Invocation {
    pub(super) fn net_us(&self) -> u64 {
        self.total_us.saturating_sub(self.ddb_us)
    }
}

/// One subject in one round.
#[derive(Debug, Clone, Default)]
pub(super) struct Round {
    pub(super) init_us: u64,
    pub(super) init_ddb_us: u64,
    pub(super) init_calls: usize,
    pub(super) first: Invocation,
    pub(super) cold_us: u64,
    pub(super) cold_ddb_us: u64,
    pub(super) warm: Vec<Invocation>,
    pub(super) rss_kib: Option<u64>,
    /// More starts that stop at init (spawn → first `next`, and the DynamoDB time in it): init
    /// is a short figure that one start per round measures noisily.
    pub(super) more_inits: Vec<(u64, u64)>,
}

impl Round {
    /// Warm invocations of the first invocation's kind of event.
    pub(super) fn warm_of_first_kind(&self, net: bool) -> Vec<u64> {
        self.warm
            .iter()
            .filter(|w| w.kind == self.first.kind)
            .map(|w| if net { w.net_us() } else { w.total_us })
            .collect()
    }
}

pub(super) fn clone_subject(subject: &Subject) -> Subject {
    Subject {
        name: subject.name.clone(),
        role: subject.role,
        program: subject.program.clone(),
        args: subject.args.clone(),
        cwd: subject.cwd.clone(),
        env: subject.env.clone(),
        events: match &subject.events {
            Events::Files(files) => Events::Files(files.clone()),
            Events::FollowUps(f) => Events::FollowUps(f.clone()),
        },
        warm: subject.warm,
        bootstrap: subject.bootstrap.clone(),
        note: subject.note.clone(),
    }
}

/// The time of an invocation's `operation` requests at the counting proxy, added up; `None`
/// when it made none.
pub(super) fn at_the_proxy(w: &Invocation, operation: &str) -> Option<u64> {
    let mut times = w.calls.iter().filter(|(o, _)| o == operation).peekable();
    times.peek()?;
    Some(times.map(|(_, t)| *t).sum())
}

/// One part of an invocation's time, when it has that part.
pub(super) type Part = Box<dyn Fn(&Invocation) -> Option<u64>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_invocation_of_an_event_with_an_idempotency_key_gets_a_new_key() {
        let event = include_str!("../../../events/send-reply.reply-text.json");
        let events = Events::Files(vec![("reply-text".to_owned(), event.to_owned())]);
        let (first, second) = (events.get(0).1, events.get(1).1);
        assert_ne!(first, second);
        assert!(!first.contains("7f1c2f7e-0b7e-4a51-9f57-2a4f1c0a9e11"));
        assert!(first.contains("\"idempotency-key\": \""));
        let plain = Events::Files(vec![("x".to_owned(), "{\"a\": 1}".to_owned())]);
        assert_eq!(plain.get(0).1, "{\"a\": 1}");
    }
}
