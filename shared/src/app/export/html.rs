//! The printable page of an export: one self-contained HTML document, no script, nothing
//! loaded from elsewhere, every text escaped.

use std::fmt::Write as _;

use chrono::DateTime;

use super::Export;
use crate::app::desk::{DeskConversation, EventView, NoteView};
use crate::app::outcomes::csat::SURVEY_AUTHOR;
use crate::app::views::{ConversationView, MessageView, rfc3339};
use crate::ports::Direction;

/// `&`, `<`, `>`, `"` and `'` as character references: the text can go in an element or in a
/// quoted attribute and stays text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link target we write: an https address, one of our routes, or (local runs) an http one.
/// Anything else (`javascript:`…) is shown as text only.
fn linkable(url: &str) -> bool {
    url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//"))
}

/// `2026-11-23 10:00:00 UTC` for an RFC 3339 time; the text itself when it is not one.
fn when(at: &str) -> String {
    DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_owned(),
        |t| t.to_utc().format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

/// Who sent the CSAT survey, as the page names it.
const SURVEY_LABEL: &str = "Satisfaction survey";

/// `<time>` for an RFC 3339 time.
fn time(at: &str) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        escape(at),
        escape(&when(at))
    )
}

const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#111;\
max-width:60rem;margin:1.5rem auto;padding:0 1rem}\
h1{font-size:1.4rem;margin:0 0 .75rem}\
h2{font-size:1.1rem;margin:1.5rem 0 .5rem;border-bottom:1px solid #ccc}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}\
dt{font-weight:600}dd{margin:0}\
ul.plain{margin:0;padding-left:1.2rem}\
ol.timeline{list-style:none;margin:0;padding:0}\
.item{border:1px solid #ddd;border-radius:.4rem;padding:.5rem .75rem;margin:.5rem 0;\
break-inside:avoid}\
.inbound{background:#f5f5f5;margin-right:12%}\
.outbound{background:#e9f5ee;margin-left:12%}\
.note{background:#fff8d6;border-style:dashed}\
.event{border:none;color:#555;font-style:italic;text-align:center}\
.meta{color:#555;font-size:.85em;margin:0}\
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0}\
.error{color:#a00}\
blockquote{margin:.25rem 0;padding-left:.5rem;border-left:3px solid #bbb;color:#444}\
@media print{body{margin:0;max-width:none;font-size:10.5pt}\
.inbound,.outbound{margin-left:0;margin-right:0}a{color:inherit}\
a[href]::after{content:\" (\" attr(href) \")\";font-size:.8em;color:#555}}";

/// One self-contained printable page: the facts of the conversation, then its messages, notes
/// and events in time order.
pub fn to_html(export: &Export) -> String {
    let desk = &export.conversation;
    let c = &desk.conversation;
    let mut page = String::with_capacity(16 * 1024);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>Conversation with {name}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header>\n<h1>Conversation with {name}</h1>\n",
        name = escape(&c.customer.display_name),
    );
    facts(&mut page, export);
    page.push_str("</header>\n<main>\n<h2>Transcript</h2>\n");
    timeline(&mut page, desk);
    page.push_str("</main>\n</body>\n</html>\n");
    page
}

fn row(page: &mut String, term: &str, html: &str) {
    let _ = writeln!(page, "<dt>{}</dt><dd>{html}</dd>", escape(term));
}

fn facts(page: &mut String, export: &Export) {
    let c = &export.conversation.conversation;
    page.push_str("<dl>\n");
    row(page, "Customer", &escape(&c.customer.display_name));
    row(page, "Customer number", &escape(&c.customer.address));
    row(page, "Business number", &escape(&c.business_number));
    row(
        page,
        "Agent",
        &escape(c.assigned_agent.as_deref().unwrap_or("None")),
    );
    row(page, "State", &escape(c.state.as_str()));
    row(page, "Started", &time(&c.started_at));
    if let Some(closed) = &c.closed_at {
        let by = c
            .closed_by
            .as_deref()
            .map(|b| format!(" by {}", escape(b)))
            .unwrap_or_default();
        row(page, "Closed", &format!("{}{by}", time(closed)));
    }
    outcome(page, c);
    let tags = if c.tags.is_empty() {
        "None".to_owned()
    } else {
        c.tags.join(", ")
    };
    row(page, "Tags", &escape(&tags));
    records(page, c);
    if let Some(csat) = &c.csat {
        row(
            page,
            "Customer satisfaction",
            &format!("{} / 5, {}", csat.score, time(&csat.at)),
        );
    }
    row(page, "Exported", &time(&rfc3339(export.exported_at)));
    page.push_str("</dl>\n");
}

fn outcome(page: &mut String, c: &ConversationView) {
    let Some(o) = &c.outcome else {
        row(page, "Outcome", "None");
        return;
    };
    row(
        page,
        "Outcome",
        &format!(
            "{} ({}), by {}, {}",
            escape(&o.label),
            escape(&o.disposition),
            escape(&o.recorded_by),
            time(&o.recorded_at)
        ),
    );
    if let Some(summary) = &o.summary {
        row(
            page,
            "Summary",
            &format!("<p class=\"text\">{}</p>", escape(summary)),
        );
    }
}

fn records(page: &mut String, c: &ConversationView) {
    let records = c.records.as_deref().unwrap_or_default();
    if records.is_empty() {
        row(page, "Records", "None");
        return;
    }
    let mut list = String::from("<ul class=\"plain\">");
    for r in records {
        let name = escape(&format!("{}: {}", r.system, r.id));
        // A record's link is written only when it is https.
        let name = match r.url.as_deref().filter(|u| u.starts_with("https://")) {
            Some(url) => format!("<a href=\"{}\">{name}</a>", escape(url)),
            None => name,
        };
        let _ = write!(
            list,
            "<li>{name}, linked by {} {}</li>",
            escape(&r.linked_by),
            time(&r.linked_at)
        );
    }
    list.push_str("</ul>");
    row(page, "Records", &list);
}

/// What the timeline shows, each at its time.
enum Entry<'a> {
    Message(&'a MessageView),
    Note(&'a NoteView),
    Event(&'a EventView),
}

fn timeline(page: &mut String, desk: &DeskConversation) {
    let c = &desk.conversation;
    let mut entries: Vec<(&str, Entry)> = Vec::new();
    for m in c.messages.iter().flatten() {
        entries.push((&m.created_at, Entry::Message(m)));
    }
    for n in &desk.notes {
        entries.push((&n.created_at, Entry::Note(n)));
    }
    for e in &desk.events {
        entries.push((&e.created_at, Entry::Event(e)));
    }
    // RFC 3339 in UTC with milliseconds sorts as text; the sort is stable for equal times.
    entries.sort_by(|a, b| a.0.cmp(b.0));
    if entries.is_empty() {
        page.push_str("<p>No messages.</p>\n");
        return;
    }
    page.push_str("<ol class=\"timeline\">\n");
    for (_, entry) in entries {
        match entry {
            Entry::Message(m) => message(page, c, m),
            Entry::Note(n) => {
                let _ = writeln!(
                    page,
                    "<li class=\"item note\"><p class=\"meta\"><strong>Internal note</strong> \
                     by {} · {}</p><p class=\"text\">{}</p></li>",
                    escape(&n.author),
                    time(&n.created_at),
                    escape(&n.body)
                );
            }
            Entry::Event(e) => {
                let mut what = format!("{} by {}", e.event_type, e.by);
                if let Some(from) = &e.from_agent {
                    let _ = write!(what, " from {from}");
                }
                if let Some(to) = &e.to_agent {
                    let _ = write!(what, " to {to}");
                }
                let _ = writeln!(
                    page,
                    "<li class=\"item event\"><p class=\"meta\">{} · {}</p></li>",
                    escape(&what),
                    time(&e.created_at)
                );
            }
        }
    }
    page.push_str("</ol>\n");
}

/// `<p class="{class}">` holding `plain`, escaped.
fn para(page: &mut String, class: &str, plain: &str) {
    let _ = write!(page, "<p class=\"{class}\">{}</p>", escape(plain));
}

/// A message's class and who the page says sent it.
fn sender(customer: &str, m: &MessageView) -> (&'static str, String) {
    match (m.direction, m.agent_id.as_deref()) {
        (Direction::Inbound, _) => ("inbound", customer.to_owned()),
        // The channel's own survey after a close, not an agent's reply (as the console says).
        (Direction::Outbound, Some(SURVEY_AUTHOR)) => ("outbound", SURVEY_LABEL.to_owned()),
        (Direction::Outbound, Some(agent)) => ("outbound", format!("Agent {agent}")),
        (Direction::Outbound, None) => ("outbound", "Business".to_owned()),
    }
}

fn message(page: &mut String, c: &ConversationView, m: &MessageView) {
    let (class, who) = sender(&c.customer.display_name, m);
    let forwarded = match (m.forwarded, m.frequently_forwarded) {
        (_, true) => " · forwarded many times",
        (true, false) => " · forwarded",
        _ => "",
    };
    let _ = write!(
        page,
        "<li class=\"item {class}\" id=\"m-{}\"><p class=\"meta\"><strong>{}</strong> · {} · \
         {}{forwarded}</p>",
        escape(&m.id),
        escape(&who),
        time(&m.created_at),
        escape(&m.status)
    );
    if let Some(quoted) = &m.reply_to {
        let preview = quoted.preview.as_deref().unwrap_or("an earlier message");
        let _ = write!(
            page,
            "<blockquote>Replying to: {}</blockquote>",
            escape(preview)
        );
    }
    match (
        &m.reaction,
        m.body.as_deref().filter(|b| !b.trim().is_empty()),
    ) {
        (Some(r), _) if r.emoji.is_empty() => para(page, "text", "Removed a reaction"),
        (Some(r), _) => para(page, "text", &format!("Reacted {}", r.emoji)),
        (None, Some(body)) => para(page, "text", body),
        (None, None) => {}
    }
    if let Some(template) = &m.template {
        if let Some(text) = &template.text {
            para(page, "text", text);
        }
        let name = template.name.as_deref().unwrap_or(&template.content_sid);
        para(page, "meta", &format!("Template {name}"));
    }
    if let Some(button) = &m.button {
        para(page, "text", &format!("Tapped: {}", button.text));
    }
    if let Some(place) = &m.location {
        let named: Vec<&str> = [place.label.as_deref(), place.address.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let (lat, long) = (place.latitude, place.longitude);
        para(
            page,
            "text",
            &format!("Location {lat}, {long} {}", named.join(", ")),
        );
    }
    if let Some(kind) = &m.unsupported {
        para(page, "meta", &format!("Unsupported message ({kind})"));
    }
    attachments(page, m);
    for r in &m.reactions {
        let _ = write!(
            page,
            "<p class=\"meta\">Reaction {} · {}</p>",
            escape(&r.emoji),
            time(&r.at)
        );
    }
    if m.error_code.is_some() || m.error_message.is_some() {
        let code = m.error_code.as_deref().map(|c| format!(" (error {c})"));
        let why = m.error_message.as_deref().unwrap_or_default();
        para(
            page,
            "meta error",
            &format!("Not delivered: {why}{}", code.unwrap_or_default()),
        );
    }
    page.push_str("</li>\n");
}

fn attachments(page: &mut String, m: &MessageView) {
    if m.media.is_empty() {
        return;
    }
    page.push_str("<ul class=\"plain\">");
    for (n, media) in m.media.iter().enumerate() {
        let mut name = format!("Attachment {}", n + 1);
        if let Some(kind) = &media.content_type {
            let _ = write!(name, " ({kind})");
        }
        let name = escape(&name);
        if linkable(&media.url) {
            let _ = write!(
                page,
                "<li><a href=\"{}\">{name}</a></li>",
                escape(&media.url)
            );
        } else {
            let _ = write!(page, "<li>{name}: {}</li>", escape(&media.url));
        }
    }
    page.push_str("</ul>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_turns_the_five_special_characters_into_references() {
        assert_eq!(
            escape("<script>alert('x' & \"y\")</script>"),
            "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(escape("plain é 👍"), "plain é 👍");
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn only_https_http_and_our_routes_become_links() {
        assert!(linkable("https://crm.example.com/c/1"));
        assert!(linkable("/conversations/x/messages/SM1/media/0"));
        assert!(!linkable("//evil.example.com/x"));
        assert!(!linkable("javascript:alert(1)"));
        assert!(!linkable("data:text/html,hi"));
    }

    #[test]
    fn the_csat_survey_is_sent_by_the_satisfaction_survey_and_a_reply_by_its_agent() {
        use crate::domain::{ConversationId, ReplyContent};
        use crate::ports::MessageRecord;
        let id = ConversationId::generate();
        let at = chrono::DateTime::UNIX_EPOCH;
        let survey = ReplyContent::Template {
            content_sid: "HXa1b2c3d4e5f60718293a4b5c6d7e8f90".into(),
            variables: Default::default(),
            shown: None,
        };
        let survey = MessageRecord::outbound("SM1".into(), &id, SURVEY_AUTHOR, &survey, at);
        let (class, who) = sender("Zoë", &MessageView::from(survey));
        assert_eq!((class, who.as_str()), ("outbound", "Satisfaction survey"));

        let text = ReplyContent::Text { body: "Hi".into() };
        let reply = MessageRecord::outbound("SM2".into(), &id, "alice", &text, at);
        assert_eq!(
            sender("Zoë", &MessageView::from(reply)),
            ("outbound", "Agent alice".to_owned())
        );
    }

    #[test]
    fn times_read_as_utc_and_anything_else_stays_as_it_is() {
        assert_eq!(when("2026-11-23T10:00:00.000Z"), "2026-11-23 10:00:00 UTC");
        assert_eq!(when("soon"), "soon");
    }
}
