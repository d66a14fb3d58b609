//! The local clock: `POST /local/clock` moves this process's clock forward (local only; no
//! Lambda has it), the window deadlines' schedule runs on it, and every answer's Date header
//! tells it.

use std::sync::Arc;

use lambda_http::Body;
use whatsapp_channel::adapters::SystemClock;
use window_deadlines::WindowDeadlines;

/// The most one `POST /local/clock` moves the clock: 366 days.
pub const MAX_CLOCK_ADVANCE_SECONDS: i64 = 366 * 24 * 3600;

/// `POST /local/clock` `{"advance_seconds": N}`: moves this process's clock forward, to see
/// a window close without waiting a day. Local only; no Lambda has it.
pub(crate) fn advance(
    clock: &SystemClock,
    kick: &tokio::sync::Notify,
    body: &[u8],
) -> lambda_http::Response<Body> {
    use lambda_http::http::StatusCode;
    let seconds = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["advance_seconds"].as_i64())
        .filter(|s| (0..=MAX_CLOCK_ADVANCE_SECONDS).contains(s));
    let Some(seconds) = seconds else {
        return whatsapp_channel::http::error(
            StatusCode::BAD_REQUEST,
            "invalid_clock",
            "Send {\"advance_seconds\": N} with N from 0 to 31622400 (366 days).",
        );
    };
    clock.advance(chrono::TimeDelta::seconds(seconds));
    kick.notify_one();
    let now = whatsapp_channel::ports::Clock::now(clock);
    whatsapp_channel::http::json(
        StatusCode::OK,
        &serde_json::json!({ "now": now.to_rfc3339() }),
    )
}

/// Plays the every-minute schedule on local-api's own clock: every few seconds, and at once
/// after `POST /local/clock` moves the clock.
pub(crate) async fn run_deadlines(deadlines: WindowDeadlines, kick: Arc<tokio::sync::Notify>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = kick.notified() => {}
        }
        // Errors are logged by the handler; the next run catches up.
        let _ = window_deadlines::run_once(&deadlines).await;
    }
}

/// The Date header tells the console the server's time; locally that is this process's clock,
/// which `POST /local/clock` moves, so the console's countdown follows it.
pub(crate) fn stamp_date(response: &mut lambda_http::Response<Body>, clock: &SystemClock) {
    let now = whatsapp_channel::ports::Clock::now(clock);
    if let Ok(date) = now.format("%a, %d %b %Y %H:%M:%S GMT").to_string().parse() {
        response
            .headers_mut()
            .insert(lambda_http::http::header::DATE, date);
    }
}
