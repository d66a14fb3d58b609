//! The local parts the functions' events reach besides DynamoDB, so that each event does its
//! real work instead of failing on an address this machine cannot reach: the erasure and
//! routing-timer queues, the agents' notification topic and the media bucket on moto, Twilio as
//! local-api's stub on loopback, the WebSocket API's connections endpoint on loopback, and an
//! issuer's JWKS on loopback with a token signed for the run (live-authorizer).

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::Value;

use super::http::{read_message, response};
use super::*;

/// The queues the functions' environments name, created on moto under template.yaml's names.
const QUEUES: [(&str, &str); 2] = [
    ("ERASURE_QUEUE_URL", "whatsapp-channel-erasure"),
    ("TIMER_QUEUE_URL", "whatsapp-channel-routing-timers"),
];
/// The agents' notifications (notify-agent, window-deadlines), on moto under template.yaml's name.
const TOPIC: (&str, &str) = (
    "AGENT_NOTIFICATIONS_TOPIC_ARN",
    "whatsapp-channel-agent-notifications",
);
const MEDIA_BUCKET: &str = "whatsapp-channel-bench-media";
/// Functions that keep media in `MEDIA_BUCKET` when it is set.
const MEDIA_FUNCTIONS: [&str; 1] = ["agent-api"];
/// The API's public origin, as the events' `Host` has it: only used to form media addresses.
const PUBLIC_API_URL: &str = "https://abc123defg.execute-api.eu-west-1.amazonaws.com";
/// local-api's stub answers for its own account only (`LOCAL_ACCOUNT_SID` in its wiring).
pub(super) const STUB_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
/// The variables through which a function reaches Twilio's APIs (shared/src/config.rs).
const TWILIO_BASE_URLS: [&str; 3] = [
    "TWILIO_API_BASE_URL",
    "TWILIO_CONTENT_API_BASE_URL",
    "TWILIO_MESSAGING_API_BASE_URL",
];
/// live-authorizer's tests' issuer key: a test key already in the repository.
const ISSUER_KEY: &str = "functions/live-authorizer/tests/fixtures/issuer-key.pem";
const KID: &str = "bench-key-1";
/// Longer than any run, so that the token never expires inside one.
const TOKEN_VALIDITY_SECONDS: u64 = 12 * 3600;

pub(super) struct LocalParts {
    /// (variable, its value on moto or loopback): the queues' URLs, the topic's ARN, the
    /// connections endpoint.
    addresses: Vec<(String, String)>,
    twilio_base: String,
    twilio_token: String,
    jwks_url: String,
    key: EncodingKey,
    /// local-api, serving the Twilio stub until the bench ends.
    _twilio: Running,
}

impl LocalParts {
    /// Creates the queues and the bucket on moto, starts local-api as the Twilio stub (its
    /// checks of Basic credentials take `twilio_token`) and serves the JWKS.
    pub(super) fn start(
        paths: &Paths,
        bin_dir: &Path,
        emulators: &Emulators,
        venv_bin: &Path,
        twilio_token: &str,
    ) -> Result<LocalParts, Error> {
        let created = |service: &str, body: &str, element: &str| -> Result<String, Error> {
            let answer = moto(emulators.moto_port, service, "POST /", body)?;
            answer
                .split(&format!("<{element}>"))
                .nth(1)
                .and_then(|rest| rest.split('<').next())
                .map(str::to_owned)
                .ok_or_else(|| format!("moto {service}: no {element} in {answer}"))
        };
        let mut addresses = Vec::new();
        for (variable, name) in QUEUES {
            let body = format!("Action=CreateQueue&QueueName={name}&Version=2012-11-05");
            addresses.push((variable.to_owned(), created("sqs", &body, "QueueUrl")?));
        }
        let (variable, name) = TOPIC;
        let body = format!("Action=CreateTopic&Name={name}&Version=2010-03-31");
        addresses.push((variable.to_owned(), created("sns", &body, "TopicArn")?));
        // API Gateway's `POST /@connections/{id}` answers 200 with no body.
        let live = serve("200 OK", "application/json", Vec::new())?;
        addresses.push(("LIVE_ENDPOINT".to_owned(), format!("http://{live}/live")));
        moto(
            emulators.moto_port,
            "s3",
            &format!("PUT /{MEDIA_BUCKET}"),
            "",
        )?;

        let port = free_port()?;
        let mut env = test_env(emulators.ddb_port, emulators.moto_port, venv_bin);
        env.push(("TWILIO_AUTH_TOKEN".to_owned(), twilio_token.to_owned()));
        let twilio = start_local_api(bin_dir, port, &env)?;

        let pem_path = paths.root.join(ISSUER_KEY);
        let pem = std::fs::read(&pem_path)
            .map_err(|e| format!("cannot read {}: {e}", pem_path.display()))?;
        let key = EncodingKey::from_rsa_pem(&pem)
            .map_err(|e| format!("{ISSUER_KEY} is not an RSA key: {e}"))?;
        let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .map_err(|e| format!("no JWK for {ISSUER_KEY}: {e}"))?;
        jwk.common.key_id = Some(KID.to_owned());
        let jwks = serde_json::to_vec(&JwkSet { keys: vec![jwk] })
            .map_err(|e| format!("cannot write the JWKS: {e}"))?;
        let jwks_url = format!(
            "http://{}/jwks.json",
            serve("200 OK", "application/json", jwks)?
        );

        eprintln!(
            "xtask: bench: queues, topic and bucket on moto, the Twilio stub on port {port}, the JWKS at {jwks_url}"
        );
        Ok(LocalParts {
            addresses,
            twilio_base: format!("http://127.0.0.1:{port}/local/twilio"),
            twilio_token: twilio_token.to_owned(),
            jwks_url,
            key,
            _twilio: twilio,
        })
    }

    /// The Twilio stub's API base, as the functions' `TWILIO_API_BASE_URL`.
    pub(super) fn twilio_base(&self) -> &str {
        &self.twilio_base
    }

    /// `function`'s environment pointed at the local parts, for what it names of them.
    pub(super) fn environment(&self, function: &str, env: &mut Vec<(String, String)>) {
        let has = |env: &[(String, String)], name: &str| env.iter().any(|(k, _)| k == name);
        let set = |env: &mut Vec<(String, String)>, name: &str, value: &str| {
            env.retain(|(k, _)| k != name);
            env.push((name.to_owned(), value.to_owned()));
        };
        for (variable, value) in &self.addresses {
            if has(env, variable) {
                set(env, variable, value);
            }
        }
        if has(env, "TWILIO_ACCOUNT_SID") || has(env, "TWILIO_API_BASE_URL") {
            for variable in TWILIO_BASE_URLS {
                set(env, variable, &self.twilio_base);
            }
            set(env, "TWILIO_ACCOUNT_SID", STUB_ACCOUNT_SID);
            set(env, "TWILIO_AUTH_TOKEN", &self.twilio_token);
        }
        if MEDIA_FUNCTIONS.contains(&function) {
            set(env, "MEDIA_BUCKET", MEDIA_BUCKET);
            set(env, "PUBLIC_API_URL", PUBLIC_API_URL);
        }
        if has(env, "JWT_ISSUER") {
            set(env, "JWKS_URL", &self.jwks_url);
        }
    }

    /// The events, each `?token=` replaced by one signed now for the function's issuer and
    /// audience: the committed token is signed by no key we have, and has expired.
    pub(super) fn events(
        &self,
        env: &[(String, String)],
        events: Vec<(String, String)>,
    ) -> Result<Vec<(String, String)>, Error> {
        let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let (Some(issuer), Some(audience)) = (var("JWT_ISSUER"), var("JWT_AUDIENCE")) else {
            return Ok(events);
        };
        let mut signed = Vec::with_capacity(events.len());
        for (label, text) in events {
            let event: Value = serde_json::from_str(&text)
                .map_err(|e| format!("event {label} is not JSON: {e}"))?;
            let Some(old) = event["queryStringParameters"]["token"].as_str() else {
                signed.push((label, text));
                continue;
            };
            let claims = token_claims(old, issuer, audience, now_seconds());
            let mut header = Header::new(Algorithm::RS256);
            header.kid = Some(KID.to_owned());
            let token = jsonwebtoken::encode(&header, &claims, &self.key)
                .map_err(|e| format!("cannot sign a token for event {label}: {e}"))?;
            signed.push((label, text.replace(old, &token)));
        }
        Ok(signed)
    }
}

/// The claims of `old` (a Cognito access token in the committed event) for this issuer and
/// audience, issued at `now` and valid for the run.
fn token_claims(old: &str, issuer: &str, audience: &str, now: u64) -> Value {
    let payload = old
        .split('.')
        .nth(1)
        .map(|p| p.replace('-', "+").replace('_', "/"))
        .and_then(|p| sign::base64_decode(&p))
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .filter(Value::is_object);
    let mut claims = payload.unwrap_or_else(|| serde_json::json!({"sub": "bench-agent"}));
    claims["iss"] = issuer.into();
    claims["iat"] = now.into();
    claims["auth_time"] = now.into();
    claims["exp"] = (now + TOKEN_VALIDITY_SECONDS).into();
    // An access token names its app client in `client_id`, an id token in `aud`.
    if claims["token_use"].as_str() == Some("id") {
        claims["aud"] = audience.into();
    } else {
        claims["token_use"] = "access".into();
        claims["client_id"] = audience.into();
    }
    claims
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One request to moto. The Authorization header is unsigned (moto does not check it): it
/// names the service and region, which is how moto tells its services apart on one port.
fn moto(port: u16, service: &str, request_line: &str, body: &str) -> Result<String, Error> {
    let what = format!("moto {service} {request_line}");
    let authorization = format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host, Signature=00"
    );
    let headers = [
        ("Authorization", authorization.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    match super::http::exchange(port, request_line, &headers, body, &what)? {
        (200, text) => Ok(text),
        (status, text) => Err(format!("{what}: {status}: {text}")),
    }
}

/// Answers every request on a loopback port with `status` and `body`, for the rest of the run;
/// the address (`127.0.0.1:port`).
fn serve(status: &'static str, content_type: &'static str, body: Vec<u8>) -> Result<String, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("a local stub cannot listen: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("a local stub: {e}"))?;
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let body = body.clone();
            std::thread::spawn(move || {
                let Ok(mut writer) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(stream);
                while let Ok(Some(_)) = read_message(&mut reader, None) {
                    let answer =
                        response(status, &[("Content-Type", content_type.to_owned())], &body);
                    if writer.write_all(&answer).is_err() {
                        break;
                    }
                }
            });
        }
    });
    Ok(address.to_string())
}

/// local-api on `port` with `env`, once it listens. It creates its table first when `env` has
/// `TABLE_NAME`; without one it runs on its embedded store.
pub(super) fn start_local_api(
    bin_dir: &Path,
    port: u16,
    env: &[(String, String)],
) -> Result<Running, Error> {
    let mut command = Command::new(bin_dir.join("local-api"));
    command
        .args(["--port", &port.to_string()])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A real account would turn the stub off; media would go to a bucket of the caller's.
    for name in ["TWILIO_ACCOUNT_SID", "MEDIA_BUCKET"] {
        if !env.iter().any(|(k, _)| k == name) {
            command.env_remove(name);
        }
    }
    if !env.iter().any(|(k, _)| k == "TABLE_NAME") {
        command.env_remove("TABLE_NAME");
    }
    sys::die_with_parent(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start local-api: {e}"))?;
    let tail = Tail::default();
    if let Some(err) = child.stderr.take() {
        tail.drain(err);
    }
    let mut running = Running { child, tail };
    let Some(out) = running.child.stdout.take() else {
        return Err("local-api: no stdout".to_owned());
    };
    let mut out = BufReader::new(out);
    let mut line = String::new();
    while out.read_line(&mut line).unwrap_or(0) > 0 {
        if line.contains("local-api on") {
            // The rest of its output is kept (and the pipe emptied) for as long as it runs.
            running.tail.drain(out);
            return Ok(running);
        }
        line.clear();
    }
    std::thread::sleep(Duration::from_millis(100));
    Err(format!(
        "local-api did not start on port {port}: {}",
        running.tail.text()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bench_token_keeps_the_events_claims_with_the_configured_issuer_audience_and_times() {
        let old = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhLTEiLCJ0b2tlbl91c2UiOiJhY2Nlc3MiLCJpc3MiOiJodHRwczovL290aGVyIiwiZXhwIjoxfQ.c2ln";
        let claims = token_claims(old, "https://issuer.example", "client-1", 1_000);
        assert_eq!(claims["sub"], "a-1");
        assert_eq!(claims["iss"], "https://issuer.example");
        assert_eq!(claims["client_id"], "client-1");
        assert_eq!(claims["token_use"], "access");
        assert_eq!(claims["exp"], 1_000 + TOKEN_VALIDITY_SECONDS);
        let unreadable = token_claims("not a token", "https://i", "c", 5);
        assert_eq!(unreadable["sub"], "bench-agent");
        assert_eq!(unreadable["client_id"], "c");
    }
}
