//! A counting proxy in front of DynamoDB Local: every request is forwarded as is, and recorded
//! with its `X-Amz-Target` (GetItem, PutItem...) and the time from its last byte forwarded to
//! the answer's last byte received: the time spent "inside DynamoDB", as the product and the
//! peer alike see it.

use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::http::read_message;
use crate::Error;

/// One request through the proxy.
#[derive(Debug, Clone)]
pub struct Call {
    /// `GetItem`, `PutItem`... (the part of `X-Amz-Target` after the dot).
    pub operation: String,
    pub sent: Instant,
    pub answered: Instant,
}

impl Call {
    pub fn micros(&self) -> u64 {
        self.answered.duration_since(self.sent).as_micros() as u64
    }
}

pub struct CountingProxy {
    pub port: u16,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl CountingProxy {
    /// Listens on a free loopback port and forwards to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Result<CountingProxy, Error> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| format!("counting proxy: cannot listen: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("counting proxy: {e}"))?
            .port();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let shared = calls.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let calls = shared.clone();
                std::thread::spawn(move || {
                    let _ = forward(client, upstream, &calls);
                });
            }
        });
        Ok(CountingProxy { port, calls })
    }

    /// The requests answered between `from` and `to` (by the time they were sent).
    pub fn calls_between(&self, from: Instant, to: Instant) -> Vec<Call> {
        self.calls
            .lock()
            .map(|calls| {
                calls
                    .iter()
                    .filter(|c| c.sent >= from && c.sent <= to)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Forgets what was recorded (between subjects, so the list stays short).
    pub fn clear(&self) {
        if let Ok(mut calls) = self.calls.lock() {
            calls.clear();
        }
    }
}

fn forward(client: TcpStream, upstream: u16, calls: &Mutex<Vec<Call>>) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    let server = TcpStream::connect((Ipv4Addr::LOCALHOST, upstream))?;
    server.set_nodelay(true)?;
    let mut client_reader = BufReader::new(client.try_clone()?);
    let mut client_writer = client;
    let mut server_reader = BufReader::new(server.try_clone()?);
    let mut server_writer = server;
    while let Some(request) = read_message(&mut client_reader, Some(&mut client_writer))? {
        let operation = request
            .header("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("other")
            .to_owned();
        server_writer.write_all(&request.raw)?;
        server_writer.flush()?;
        let sent = Instant::now();
        let Some(answer) = read_message(&mut server_reader, None)? else {
            break;
        };
        let answered = Instant::now();
        // Recorded before the answer goes on: once the function has it, the invocation may end
        // and be counted at once.
        if let Ok(mut calls) = calls.lock() {
            calls.push(Call {
                operation,
                sent,
                answered,
            });
        }
        client_writer.write_all(&answer.raw)?;
        client_writer.flush()?;
    }
    let _ = client_writer.shutdown(Shutdown::Both);
    let _ = server_writer.shutdown(Shutdown::Both);
    Ok(())
}
