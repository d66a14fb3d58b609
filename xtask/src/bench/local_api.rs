//! local-api on loopback as the bench's fixture speaks to it: as Twilio (signed inbound
//! messages) and as the events' agent (`X-Agent-Id`, with `X-Agent-Groups: admins` so that it
//! may pick a request offered to nobody).

/// The agent of every event's JWT claims (`sub`).
pub(super) const EVENT_AGENT: &str = "agent-alice";
/// The business number of the events, local-api's default sender.
pub(super) const BUSINESS_NUMBER: &str = "whatsapp:+14155238886";

use serde_json::Value;

use super::stubs::STUB_ACCOUNT_SID;
use super::*;

/// How long an accept is retried: local-api's stream puts a new request in the queue a moment
/// after the webhook answers.
const ACCEPT_PATIENCE: Duration = Duration::from_secs(10);

/// local-api on `port`, its webhook signed with `token` for `inbound_url`.
pub(super) struct LocalApi {
    pub(super) port: u16,
    pub(super) token: String,
    pub(super) inbound_url: String,
}

impl LocalApi {
    /// A signed inbound WhatsApp message, as Twilio posts it.
    pub(super) fn inbound(
        &self,
        from: &str,
        sid: &str,
        body: &str,
        media: Option<&str>,
    ) -> Result<(), Error> {
        let mut params: Vec<(String, String)> = [
            ("SmsMessageSid", sid),
            ("SmsSid", sid),
            ("MessageSid", sid),
            ("AccountSid", STUB_ACCOUNT_SID),
            ("From", from),
            ("To", BUSINESS_NUMBER),
            ("WaId", from.trim_start_matches("whatsapp:+")),
            ("SmsStatus", "received"),
            ("NumSegments", "1"),
            ("ReferralNumMedia", "0"),
            ("ApiVersion", "2010-04-01"),
            ("ProfileName", "Bench Customer"),
            ("Body", body),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .into();
        let media_params = match media {
            Some(url) => vec![
                ("NumMedia", "1"),
                ("MediaUrl0", url),
                ("MediaContentType0", "image/png"),
                ("MessageType", "image"),
            ],
            None => vec![("NumMedia", "0"), ("MessageType", "text")],
        };
        params.extend(
            media_params
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let signature = sign::twilio_signature(&self.token, &self.inbound_url, &params);
        let (status, answer) = self.request(
            "POST",
            "/twilio/inbound",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("X-Twilio-Signature", &signature),
            ],
            &sign::form_encode(&params),
        )?;
        if status != 200 {
            return Err(format!(
                "local-api refused the inbound message {sid}: {status} {answer}"
            ));
        }
        Ok(())
    }

    /// The newest conversation of `customer`.
    pub(super) fn conversation_of(&self, customer: &str) -> Result<String, Error> {
        let path = format!(
            "/customers/{}",
            customer.replace(':', "%3A").replace('+', "%2B")
        );
        let (status, answer) = self.request("GET", &path, &self.agent(), "")?;
        let summary: Value = serde_json::from_str(&answer)
            .map_err(|e| format!("GET {path}: {status}, not JSON ({e}): {answer}"))?;
        summary["recent_conversations"][0]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("GET {path}: {status}, no conversation: {answer}"))
    }

    /// A request as the agent with a JSON `body`, which must answer `expected`; its JSON.
    pub(super) fn json(
        &self,
        method: &str,
        path: &str,
        body: &str,
        expected: u16,
    ) -> Result<Value, Error> {
        let mut headers = self.agent().to_vec();
        headers.push(("Content-Type", "application/json"));
        let (status, answer) = self.request(method, path, &headers, body)?;
        if status != expected {
            return Err(format!("{method} {path}: {status} {answer}"));
        }
        serde_json::from_str(&answer)
            .map_err(|e| format!("{method} {path}: {status}, not JSON ({e}): {answer}"))
    }

    pub(super) fn accept(&self, id: &str) -> Result<(), Error> {
        let path = format!("/conversations/{id}/accept");
        let deadline = Instant::now() + ACCEPT_PATIENCE;
        loop {
            let (status, answer) = self.request("POST", &path, &self.agent(), "")?;
            if status == 200 {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("POST {path} as {EVENT_AGENT}: {status} {answer}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn agent(&self) -> [(&'static str, &'static str); 2] {
        [("X-Agent-Id", EVENT_AGENT), ("X-Agent-Groups", "admins")]
    }

    /// One request; its status and body.
    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<(u16, String), Error> {
        let what = format!("local-api {method} {path}");
        super::http::exchange(self.port, &format!("{method} {path}"), headers, body, &what)
    }
}

pub(super) fn customer_path(customer: &str) -> String {
    format!(
        "/customers/{}",
        customer.replace(':', "%3A").replace('+', "%2B")
    )
}
