//! Media rules: which files an agent may send, how large a file may be, and where a copy lives.
//! Pure: no I/O.

use chrono::{DateTime, Utc};

use super::{ConversationId, MessageSid};

/// The largest inbound file we copy: WhatsApp's own limit per message (16 MB; images 5 MB).
pub const MAX_INBOUND_MEDIA_BYTES: u64 = 16 * 1024 * 1024;

/// The largest file an agent may upload. Lambda takes at most 6 MB per invocation and API
/// Gateway hands it a binary body base64-encoded (4 bytes for every 3), so 4 MiB (5.6 MB as
/// base64, plus the event's headers) is what reliably gets through; it is below WhatsApp's
/// 5 MB for images and 16 MB for the rest.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// The types WhatsApp takes from a business (Twilio's accepted MIME types for WhatsApp):
/// JPEG and PNG images, common audio and video, PDF, office documents, plain text.
pub const UPLOAD_TYPES: [&str; 19] = [
    "image/jpeg",
    "image/png",
    "audio/ogg",
    "audio/mpeg",
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "video/mp4",
    "video/3gpp",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "text/plain",
    "text/vcard",
    "text/x-vcard",
];

/// The media type of a `Content-Type` header without its parameters, lowercased
/// (`image/PNG; charset=x` → `image/png`).
pub fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// The media type of a `Content-Type` header (`image/PNG; charset=x` → `image/png`), if it is
/// one an agent may send.
pub fn upload_type(content_type: &str) -> Option<String> {
    let essence = essence(content_type);
    let essence = if essence == "image/jpg" {
        "image/jpeg".to_owned()
    } else {
        essence
    };
    UPLOAD_TYPES.contains(&essence.as_str()).then_some(essence)
}

/// Where the copy of an inbound message's attachment lives in the media bucket.
pub fn inbound_media_key(
    conversation: &ConversationId,
    message: &MessageSid,
    index: usize,
) -> String {
    format!(
        "inbound/{}/{}/{index}",
        conversation.as_str(),
        message.as_str()
    )
}

/// Where an agent's upload lives: under its conversation, named by a fresh UUIDv7 that carries
/// `made` (the injected clock's time, the one its validity is later checked against).
pub fn upload_key(conversation: &ConversationId, made: DateTime<Utc>) -> String {
    let seconds = u64::try_from(made.timestamp()).unwrap_or_default();
    let at = uuid::Timestamp::from_unix(uuid::NoContext, seconds, made.timestamp_subsec_nanos());
    format!(
        "uploads/{}/{}",
        conversation.as_str(),
        uuid::Uuid::new_v7(at).simple()
    )
}

/// A UUIDv7 made at `made` (the clock's time, so a key tells when it was made).
fn v7_at(made: DateTime<Utc>) -> uuid::Uuid {
    let seconds = u64::try_from(made.timestamp()).unwrap_or_default();
    let at = uuid::Timestamp::from_unix(uuid::NoContext, seconds, made.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(at)
}

/// Where a conversation's exports too large for a response are kept: erased with it.
pub fn export_prefix(conversation_id: &str) -> String {
    format!("exports/{conversation_id}/")
}

/// Where a customer's exports too large for a response are kept, named by the audit log's
/// keyed pseudonym (never the address): erased with the customer.
pub fn customer_export_prefix(pseudonym: &str) -> String {
    format!("exports/customers/{pseudonym}/")
}

/// A conversation's export kept for download: `exports/{conversation id}/{UUIDv7}.{extension}`.
pub fn export_key(conversation: &ConversationId, extension: &str, made: DateTime<Utc>) -> String {
    format!(
        "{}{}.{extension}",
        export_prefix(conversation.as_str()),
        v7_at(made).simple()
    )
}

/// A customer's export kept for download: `exports/customers/{pseudonym}/{UUIDv7}.json`.
pub fn customer_export_key(pseudonym: &str, made: DateTime<Utc>) -> String {
    format!(
        "{}{}.json",
        customer_export_prefix(pseudonym),
        v7_at(made).simple()
    )
}

/// When the export under `key` was made; `None` for a key that is not an export's.
pub fn export_time(key: &str) -> Option<DateTime<Utc>> {
    let rest = key.strip_prefix("exports/")?;
    let name = match rest.split('/').collect::<Vec<_>>().as_slice() {
        [conversation, name] => {
            ConversationId::parse(conversation).ok()?;
            *name
        }
        ["customers", pseudonym, name]
            if pseudonym.starts_with("hmac:")
                && pseudonym.len() > 5
                && pseudonym[5..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            *name
        }
        _ => return None,
    };
    let (stem, extension) = name.split_once('.')?;
    if !matches!(extension, "json" | "html") {
        return None;
    }
    let id = uuid::Uuid::try_parse(stem).ok()?;
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
}

/// Our route for an inbound attachment: what agents open instead of Twilio's URL.
pub fn media_route(conversation: &str, message: &str, index: usize) -> String {
    format!("/conversations/{conversation}/messages/{message}/media/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_key_tells_when_it_was_made_and_nothing_else_passes_for_one() {
        let id = ConversationId::parse("0196a0c8-8f2e-7b1a-9c3d-1e2f3a4b5c6d").unwrap();
        let made = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
        let key = export_key(&id, "html", made);
        assert!(key.starts_with(&export_prefix(id.as_str())), "{key}");
        assert!(key.ends_with(".html"), "{key}");
        assert_eq!(export_time(&key), Some(made));
        let customer = customer_export_key("hmac:0123abcd", made);
        assert!(
            customer.starts_with("exports/customers/hmac:0123abcd/"),
            "{customer}"
        );
        assert_eq!(export_time(&customer), Some(made));
        for other in [
            upload_key(&id, made),
            key.replace(".html", ".exe"),
            key.replace("exports/", "exports/../"),
            customer.replace("hmac:", "whatsapp:+"),
            format!("{key}/more"),
        ] {
            assert_eq!(export_time(&other), None, "{other}");
        }
    }

    #[test]
    fn whatsapp_types_are_accepted_whatever_their_case_and_parameters() {
        assert_eq!(upload_type("image/jpeg").as_deref(), Some("image/jpeg"));
        assert_eq!(upload_type("Image/PNG").as_deref(), Some("image/png"));
        assert_eq!(upload_type("image/jpg").as_deref(), Some("image/jpeg"));
        assert_eq!(
            upload_type("text/plain; charset=utf-8").as_deref(),
            Some("text/plain")
        );
        assert_eq!(
            upload_type("application/pdf").as_deref(),
            Some("application/pdf")
        );
        assert_eq!(upload_type("audio/ogg").as_deref(), Some("audio/ogg"));
    }

    #[test]
    fn executables_and_unknown_types_are_refused() {
        for refused in [
            "application/x-msdownload",
            "application/octet-stream",
            "application/x-sh",
            "text/html",
            "image/svg+xml",
            "",
            "image",
        ] {
            assert_eq!(upload_type(refused), None, "{refused}");
        }
    }

    #[test]
    fn keys_name_the_conversation_message_and_index() {
        let conversation = ConversationId::parse("01a20a57-f1b0-7342-9a4c-552c53ee9bf3").unwrap();
        let message = MessageSid::parse("MM0123456789abcdef0123456789abcdef").unwrap();
        assert_eq!(
            inbound_media_key(&conversation, &message, 0),
            "inbound/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/MM0123456789abcdef0123456789abcdef/0"
        );
        let now = Utc::now();
        assert!(
            upload_key(&conversation, now)
                .starts_with("uploads/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/")
        );
        assert_ne!(
            upload_key(&conversation, now),
            upload_key(&conversation, now)
        );
        assert_eq!(
            media_route("c", "MM1", 2),
            "/conversations/c/messages/MM1/media/2"
        );
    }
}
