//! Media: an inbound attachment opened through our route (copied once from Twilio into our
//! store), and an agent's attachment uploaded for a reply.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{
    AD_MEDIA, AgentId, ConversationId, MAX_UPLOAD_BYTES, MessageSid, inbound_media_key, upload_key,
    upload_type,
};
use crate::ports::{
    ConversationStore, Direction, FetchError, MediaAccess, MediaFetcher, MediaFile, MediaStore,
    MediaStoreError, SessionStore, StoreError,
};

/// How long the address of an agent's attachment stays valid: Twilio fetches it when it sends
/// the message, and may queue a media message for up to 4 hours when a sender is busy.
pub const UPLOAD_LINK_VALIDITY: Duration = Duration::from_secs(6 * 60 * 60);

/// Why an inbound attachment cannot be opened.
#[derive(Debug, thiserror::Error)]
pub enum MediaRefused {
    #[error("{0}")]
    NotFound(&'static str),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Media(#[from] MediaStoreError),
}

/// Which file of a customer's message: an attachment by index, or the image or video of the
/// click-to-WhatsApp ad it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundFile {
    Attachment(usize),
    AdMedia,
}

/// Opens file `which` of inbound message `message` of `conversation`: our copy when there is
/// one, else fetched from Twilio once and copied.
pub async fn open_inbound_media(
    store: &dyn SessionStore,
    media: &dyn MediaStore,
    fetcher: &dyn MediaFetcher,
    conversation: &ConversationId,
    message: &MessageSid,
    which: InboundFile,
) -> Result<MediaAccess, MediaRefused> {
    let record = store
        .message(message)
        .await?
        .filter(|m| m.conversation_id == conversation.as_str())
        .ok_or(MediaRefused::NotFound(
            "No such message in this conversation.",
        ))?;
    // An agent's attachment is at the address it was sent from; only a customer's come here.
    if record.direction != Direction::Inbound {
        return Err(MediaRefused::NotFound(
            "Only a customer's attachments open through this route.",
        ));
    }
    let (url, declared, key) = match which {
        InboundFile::Attachment(index) => {
            let attachment = record.media.get(index).ok_or(MediaRefused::NotFound(
                "The message has no attachment with this index.",
            ))?;
            (
                attachment.url.clone(),
                attachment.content_type.clone(),
                inbound_media_key(conversation, message, index),
            )
        }
        InboundFile::AdMedia => {
            let referral = record.referral.as_ref();
            let (url, content_type) =
                referral
                    .and_then(|r| r.media())
                    .ok_or(MediaRefused::NotFound(
                        "The message came from no ad with media.",
                    ))?;
            (
                url.to_owned(),
                content_type.map(str::to_owned),
                format!("inbound/{conversation}/{message}/{AD_MEDIA}"),
            )
        }
    };
    if let Some(access) = media.open(&key).await? {
        return Ok(access);
    }
    let mut file = fetcher.fetch(&url).await?;
    // The webhook's MediaContentType is what WhatsApp said; the CDN's answer may be generic.
    if let Some(declared) = declared.as_deref().filter(|t| !t.is_empty())
        && (file.content_type.is_empty() || file.content_type == "application/octet-stream")
    {
        declared.clone_into(&mut file.content_type);
    }
    media.put(&key, file).await?;
    media.open(&key).await?.ok_or(MediaRefused::NotFound(
        "The copy of this attachment could not be read back.",
    ))
}

/// Why an agent's attachment was not taken.
#[derive(Debug, thiserror::Error)]
pub enum UploadRefused {
    #[error("no such conversation")]
    NotFound,
    #[error("another agent is assigned to this conversation")]
    NotAssigned,
    #[error("WhatsApp does not take this type of file")]
    UnsupportedType,
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {MAX_UPLOAD_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Media(#[from] MediaStoreError),
}

/// Stores an agent's attachment for `conversation` and answers its key, which the public address
/// Twilio fetches it from names (see [`shared_upload`]). Only the assigned agent may attach.
pub async fn upload_media(
    store: &dyn ConversationStore,
    media: &dyn MediaStore,
    conversation: &ConversationId,
    agent: &AgentId,
    content_type: Option<&str>,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<String, UploadRefused> {
    let record = store
        .conversation(conversation)
        .await?
        .ok_or(UploadRefused::NotFound)?;
    if record.assigned_agent.as_deref() != Some(agent.as_str()) {
        return Err(UploadRefused::NotAssigned);
    }
    let content_type = content_type
        .and_then(upload_type)
        .ok_or(UploadRefused::UnsupportedType)?;
    if bytes.is_empty() {
        return Err(UploadRefused::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadRefused::TooLarge);
    }
    let key = upload_key(conversation, now);
    media
        .put(
            &key,
            MediaFile {
                content_type,
                bytes,
            },
        )
        .await?;
    Ok(key)
}

/// The upload a public address names, while that address is valid: `uploads/{conversation}/
/// {UUIDv7}` made less than [`UPLOAD_LINK_VALIDITY`] ago (the UUIDv7 carries its creation time,
/// so the address expires without any state). Anything else, a customer's media included, is
/// `None`.
pub async fn shared_upload(
    media: &dyn MediaStore,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<MediaFile>, MediaStoreError> {
    let Some(made) = upload_time(key) else {
        return Ok(None);
    };
    let validity = chrono::TimeDelta::from_std(UPLOAD_LINK_VALIDITY).unwrap_or_default();
    if now - made >= validity {
        return Ok(None);
    }
    media.read(key).await
}

/// When the upload `uploads/{conversation id}/{UUIDv7, simple}` was made.
fn upload_time(key: &str) -> Option<DateTime<Utc>> {
    let mut parts = key.split('/');
    let (Some("uploads"), Some(conversation), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    ConversationId::parse(conversation).ok()?;
    let id = uuid::Uuid::try_parse(name).ok()?;
    let (seconds, nanos) = id.get_timestamp()?.to_unix();
    DateTime::from_timestamp(i64::try_from(seconds).ok()?, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_key_carries_its_creation_time_and_nothing_else_is_one() {
        let conversation = ConversationId::parse("01a20a57-f1b0-7342-9a4c-552c53ee9bf3").unwrap();
        let at = Utc::now();
        let made = upload_time(&upload_key(&conversation, at)).unwrap();
        assert_eq!(made.timestamp_millis(), at.timestamp_millis());
        for other in [
            "inbound/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/MM1/0",
            "uploads/01a20a57-f1b0-7342-9a4c-552c53ee9bf3",
            "uploads/x/01a20a57f1b073429a4c552c53ee9bf3",
            "uploads/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/../x",
            "uploads/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/a/b",
            "uploads/01a20a57-f1b0-7342-9a4c-552c53ee9bf3/not-a-uuid",
        ] {
            assert_eq!(upload_time(other), None, "{other}");
        }
    }
}
