//! A Lambda Runtime API emulator, the part a function's runtime client speaks to
//! (`AWS_LAMBDA_RUNTIME_API`): `GET /2018-06-01/runtime/invocation/next` hands out the next
//! event, `POST …/invocation/{id}/response` and `…/{id}/error` answer it, and
//! `POST …/init/error` reports a failed init. One function process at a time; every instant
//! is recorded for the bench (the first `next` is the end of init).

use std::collections::VecDeque;
use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::http::{read_message, response};
use crate::Error;

const PREFIX: &str = "/2018-06-01/runtime";

/// How an invocation ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When the event was handed out (the `next` answer was written).
    pub handed: Instant,
    /// When its `response` or `error` was fully received.
    pub done: Instant,
    /// False for `…/error`.
    pub ok: bool,
    pub body: String,
}

#[derive(Default)]
struct State {
    pending: VecDeque<(String, String)>,
    handed: Vec<(String, Instant)>,
    outcomes: Vec<(String, Outcome)>,
    first_next: Option<Instant>,
    init_error: Option<String>,
    generation: u64,
}

pub struct RuntimeApi {
    pub address: String,
    state: Arc<(Mutex<State>, Condvar)>,
    sequence: u64,
}

impl RuntimeApi {
    pub fn start() -> Result<RuntimeApi, Error> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("runtime API: cannot listen: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("runtime API: {e}"))?
            .to_string();
        let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, &state);
                });
            }
        });
        Ok(RuntimeApi {
            address,
            state,
            sequence: 0,
        })
    }

    /// Forgets the last process: its pending events, times and answers. A `next` still parked
    /// from that process never hands it anything.
    pub fn reset(&self) {
        let (lock, condvar) = &*self.state;
        if let Ok(mut state) = lock.lock() {
            let generation = state.generation + 1;
            *state = State {
                generation,
                ..State::default()
            };
        }
        condvar.notify_all();
    }

    /// Waits up to `timeout` for the first `next`, or an init error.
    pub fn wait_ready(&self, timeout: Duration) -> Result<Instant, Error> {
        let (lock, condvar) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut state = lock.lock().map_err(|_| "runtime API state poisoned")?;
        loop {
            if let Some(error) = &state.init_error {
                return Err(format!("init error: {}", short(error)));
            }
            if let Some(at) = state.first_next {
                return Ok(at);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no `next` within {}s", timeout.as_secs()));
            }
            state = condvar
                .wait_timeout(state, left.min(Duration::from_millis(50)))
                .map_err(|_| "runtime API state poisoned")?
                .0;
        }
    }

    /// Hands `event` to the function and waits for its answer.
    pub fn invoke(&mut self, event: &str, timeout: Duration) -> Result<Outcome, Error> {
        self.sequence += 1;
        let id = format!("bench-{:012}", self.sequence);
        let (lock, condvar) = &*self.state;
        let mut state = lock.lock().map_err(|_| "runtime API state poisoned")?;
        state.pending.push_back((id.clone(), event.to_owned()));
        condvar.notify_all();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(index) = state.outcomes.iter().position(|(i, _)| *i == id) {
                return Ok(state.outcomes.swap_remove(index).1);
            }
            if let Some(error) = &state.init_error {
                return Err(format!("init error: {}", short(error)));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no answer within {}s", timeout.as_secs()));
            }
            state = condvar
                .wait_timeout(state, left.min(Duration::from_millis(50)))
                .map_err(|_| "runtime API state poisoned")?
                .0;
        }
    }
}

fn short(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    text.chars().take(200).collect()
}

fn serve(stream: TcpStream, state: &(Mutex<State>, Condvar)) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    while let Some(request) = read_message(&mut reader, Some(&mut writer))? {
        let mut parts = request.start.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let route = path.strip_prefix(PREFIX).unwrap_or(&path).to_owned();
        if method == "GET" && route == "/invocation/next" {
            let Some((id, event)) = next_event(state) else {
                return Ok(());
            };
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_millis() + 30_000)
                .unwrap_or_default();
            let answer = response(
                "200 OK",
                &[
                    ("Content-Type", "application/json".to_owned()),
                    ("Lambda-Runtime-Aws-Request-Id", id.clone()),
                    ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
                    ),
                    (
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0".to_owned(),
                    ),
                ],
                event.as_bytes(),
            );
            if let Ok(mut s) = state.0.lock() {
                s.handed.push((id, Instant::now()));
            }
            writer.write_all(&answer)?;
            writer.flush()?;
            continue;
        }
        let done = Instant::now();
        let segments: Vec<&str> = route.split('/').collect();
        let body = String::from_utf8_lossy(&request.body).into_owned();
        if let Ok(mut s) = state.0.lock() {
            match segments.as_slice() {
                ["", "invocation", id, kind @ ("response" | "error")] => {
                    let handed = s
                        .handed
                        .iter()
                        .find(|(i, _)| i == id)
                        .map(|(_, at)| *at)
                        .unwrap_or(done);
                    s.outcomes.push((
                        (*id).to_owned(),
                        Outcome {
                            handed,
                            done,
                            ok: *kind == "response",
                            body,
                        },
                    ));
                }
                ["", "init", "error"] => s.init_error = Some(body),
                _ => {}
            }
        }
        state.1.notify_all();
        writer.write_all(&response(
            "202 Accepted",
            &[("Content-Type", "application/json".to_owned())],
            b"{}",
        ))?;
        writer.flush()?;
    }
    Ok(())
}

/// Blocks until an event is pending for the current process; records the first `next`.
fn next_event(state: &(Mutex<State>, Condvar)) -> Option<(String, String)> {
    let (lock, condvar) = state;
    let mut guard = lock.lock().ok()?;
    let generation = guard.generation;
    if guard.first_next.is_none() {
        guard.first_next = Some(Instant::now());
        condvar.notify_all();
    }
    loop {
        if guard.generation != generation {
            return None;
        }
        if let Some(event) = guard.pending.pop_front() {
            return Some(event);
        }
        guard = condvar.wait(guard).ok()?;
    }
}
