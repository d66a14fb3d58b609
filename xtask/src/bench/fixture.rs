//! The bench's table and the conversations the functions' events act on. The committed events
//! name a fixture conversation (`01a20a57-…`) that a fresh table does not hold, so each of them
//! would only measure a 404. local-api, started on the table for a moment (which creates it),
//! makes real ones the way the product does: a customer's signed inbound messages, accepted by
//! the agent the events act as. The events are then pointed at them, as the tests'
//! `event_for_conversation` does.

use serde_json::Value;

use super::local_api::{BUSINESS_NUMBER, EVENT_AGENT, LocalApi, customer_path};
use super::stubs::STUB_ACCOUNT_SID;
use super::*;

/// The conversation the committed events name.
const EVENT_CONVERSATION: &str = "01a20a57-f1b0-7342-9a4c-552c53ee9bf3";
/// The customer the committed events name (`whatsapp:+…`, URL-encoded, `WaId`, `CUST#…`): the
/// digits, so that every spelling is rewritten.
const EVENT_CUSTOMER: &str = "447700900123";
/// open-media's message: the customer's photo, which agent-api fetches from the Twilio stub
/// on its first open and keeps in the media bucket.
const MEDIA_MESSAGE: &str = "MM0000000000000000000000000000a002";
/// Functions whose events keep the events' customer: webhook-ingest's are signed (a changed
/// `From` would fail the signature), and its follow-up row writes as that customer, which must
/// not land in a conversation the agent has accepted.
const OWN_CUSTOMER: [&str; 1] = ["webhook-ingest"];
/// The deferred reply send-reply's `cancel-deferred` names.
const EVENT_DEFERRED: &str = "deferred-4f0c2a9b1e7d4c3a8b6e5d4c3b2a1908";
/// The customer of the conversation every event acts on unless named below: open, assigned to
/// the agent, inside the 24-hour window, with a photo (open-media's) and a text.
const CUSTOMER: &str = "447700900150";
/// close and transfer end the agent's part in a conversation, so they act on ones of their own
/// (the close's also takes the outcome, which needs a closed conversation), and the main one
/// stays open for as long as the bench runs. (events, customer.)
const ENDED: [(&[&str], &str); 2] = [
    (
        &["agent-api.close-conversation", "agent-api.record-outcome"],
        "447700900151",
    ),
    (&["agent-api.transfer-conversation"], "447700900152"),
];
/// A reply is deferred only while the window is closed: a conversation the agent starts with a
/// template has a closed window until the customer answers.
const CLOSED_WINDOW: (&[&str], &str) = (
    &["send-reply.defer-text", "send-reply.cancel-deferred"],
    "447700900153",
);
/// A customer nothing is stored about, erased so that `GET /erasures/{id}` reads a real
/// erasure (the erasure event names the fixture conversation's id).
const ERASED: (&str, &str) = ("agent-api.erasure", "447700900154");
/// An approved template of local-api's Twilio stub (the events' own).
const TEMPLATE: &str = r#"{"content_sid": "HXa1b2c3d4e5f60718293a4b5c6d7e8f90", "variables": {"1": "Zoë", "2": "order 1042"}}"#;
pub(super) struct Fixture {
    /// The conversation of every event not named in `named`.
    main: String,
    /// (`function.label`, [(text in the event, its replacement)]).
    named: Vec<(&'static str, Vec<(String, String)>)>,
}

impl Fixture {
    /// Creates `table` on DynamoDB Local and the conversations in it, through local-api (its
    /// stream and timers stop with it, so nothing of it runs during the rounds). Media URLs
    /// point at `twilio_base`, the Twilio stub the functions reach.
    pub(super) fn create(
        bin_dir: &Path,
        emulators: &Emulators,
        venv_bin: &Path,
        table: &str,
        twilio_token: &str,
        twilio_base: &str,
    ) -> Result<Fixture, Error> {
        let port = free_port()?;
        let inbound_url = format!("http://127.0.0.1:{port}/twilio/inbound");
        let mut env = test_env(emulators.ddb_port, emulators.moto_port, venv_bin);
        env.extend(
            [
                ("TABLE_NAME", table),
                ("TWILIO_AUTH_TOKEN", twilio_token),
                ("TWILIO_INBOUND_URL", inbound_url.as_str()),
                ("WHATSAPP_SENDERS", BUSINESS_NUMBER),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        let running = stubs::start_local_api(bin_dir, port, &env)
            .map_err(|e| format!("table {table}: {e}"))?;
        eprintln!("xtask: bench: table {table} created on DynamoDB Local");
        let api = LocalApi {
            port,
            token: twilio_token.to_owned(),
            inbound_url,
        };
        let fixture = Fixture::fill(&api, twilio_base).map_err(|e| {
            format!(
                "the bench's conversations: {e}; local-api: {}",
                running.tail.text()
            )
        })?;
        drop(running);
        eprintln!(
            "xtask: bench: the events act on conversation {} (accepted by {EVENT_AGENT}), and {}",
            fixture.main,
            fixture
                .named
                .iter()
                .map(|(event, pairs)| format!(
                    "{event} on {}",
                    pairs
                        .iter()
                        .map(|(_, to)| to.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(fixture)
    }

    fn fill(api: &LocalApi, twilio_base: &str) -> Result<Fixture, Error> {
        let text = "Hi! My parcel arrived damaged, can I get a refund?";
        let main_customer = format!("whatsapp:+{CUSTOMER}");
        api.inbound(&main_customer, &message_sid(0), text, None)?;
        let media = format!(
            "{twilio_base}/2010-04-01/Accounts/{STUB_ACCOUNT_SID}/Messages/{MEDIA_MESSAGE}/Media/ME0000000000000000000000000000a002"
        );
        api.inbound(&main_customer, MEDIA_MESSAGE, "The box", Some(&media))?;
        let main = api.conversation_of(&main_customer)?;
        api.accept(&main)?;

        let mut named = Vec::new();
        let conversation = |id: &str| vec![(EVENT_CONVERSATION.to_owned(), id.to_owned())];
        for (n, (events, customer)) in ENDED.into_iter().enumerate() {
            let customer = format!("whatsapp:+{customer}");
            api.inbound(&customer, &message_sid(n + 1), text, None)?;
            let id = api.conversation_of(&customer)?;
            api.accept(&id)?;
            named.extend(events.iter().map(|event| (*event, conversation(&id))));
        }

        let (events, customer) = CLOSED_WINDOW;
        let started = api.json(
            "POST",
            "/conversations",
            &format!(r#"{{"customer": "whatsapp:+{customer}", "number": "{BUSINESS_NUMBER}", "template": {TEMPLATE}}}"#),
            201,
        )?;
        let id = field(&started, "id")?;
        let deferred = api.json(
            "POST",
            &format!("/conversations/{id}/messages"),
            r#"{"body": "Your refund went out today.", "defer": true}"#,
            202,
        )?;
        let deferred = field(&deferred, "id")?;
        for event in events {
            let mut pairs = conversation(&id);
            pairs.push((EVENT_DEFERRED.to_owned(), deferred.clone()));
            named.push((event, pairs));
        }

        let (event, customer) = ERASED;
        let erasure = api.json(
            "DELETE",
            &customer_path(&format!("whatsapp:+{customer}")),
            "",
            202,
        )?;
        named.push((event, conversation(&field(&erasure, "erasure_id")?)));
        Ok(Fixture { main, named })
    }

    /// `function`'s events, each pointed at its conversation (and the events' customer at the
    /// fixture's customer).
    pub(super) fn events(
        &self,
        function: &str,
        events: Vec<(String, String)>,
    ) -> Vec<(String, String)> {
        events
            .into_iter()
            .map(|(label, mut text)| {
                let name = format!("{function}.{label}");
                if let Some((_, pairs)) = self.named.iter().find(|(event, _)| *event == name) {
                    for (from, to) in pairs {
                        text = text.replace(from, to);
                    }
                }
                text = text.replace(EVENT_CONVERSATION, &self.main);
                if !OWN_CUSTOMER.contains(&function) {
                    text = text.replace(EVENT_CUSTOMER, CUSTOMER);
                }
                (label, text)
            })
            .collect()
    }
}

/// A MessageSid of the fixture's, apart from webhook-ingest's follow-ups (`SM{pid}{n}`).
fn message_sid(n: usize) -> String {
    format!("SM{:08x}{n:024x}", std::process::id() ^ 0xf1f1_f1f1)
}

/// A string field of a JSON answer.
fn field(answer: &Value, name: &str) -> Result<String, Error> {
    answer[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no `{name}` in {answer}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_is_pointed_at_its_conversation_and_the_fixture_customer() {
        let fixture = Fixture {
            main: "11111111-0000-7000-8000-000000000000".to_owned(),
            named: vec![(
                "send-reply.cancel-deferred",
                vec![
                    (
                        EVENT_CONVERSATION.to_owned(),
                        "22222222-0000-7000-8000-000000000000".to_owned(),
                    ),
                    (EVENT_DEFERRED.to_owned(), "deferred-1".to_owned()),
                ],
            )],
        };
        let event = format!(
            "/conversations/{EVENT_CONVERSATION}/messages/{EVENT_DEFERRED} whatsapp%3A%2B{EVENT_CUSTOMER}"
        );
        let events = vec![
            ("reply-text".to_owned(), event.clone()),
            ("cancel-deferred".to_owned(), event.clone()),
        ];
        let pointed = fixture.events("send-reply", events.clone());
        assert_eq!(
            pointed[0].1,
            format!(
                "/conversations/11111111-0000-7000-8000-000000000000/messages/{EVENT_DEFERRED} whatsapp%3A%2B447700900150"
            )
        );
        assert!(pointed[1].1.starts_with(
            "/conversations/22222222-0000-7000-8000-000000000000/messages/deferred-1 "
        ));
        let webhook = fixture.events("webhook-ingest", events);
        assert!(webhook[0].1.ends_with(EVENT_CUSTOMER));
    }
}
