//! Media: an inbound attachment opened through our route (copied once from Twilio into our
//! store), and an agent's attachment uploaded for a reply.

use std::time::Duration;

use crate::domain::{
    AgentId, ConversationId, MAX_UPLOAD_BYTES, MessageSid, inbound_media_key, upload_key,
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

/// Opens attachment `index` of inbound message `message` of `conversation`: our copy when there
/// is one, else fetched from Twilio once and copied.
pub async fn open_inbound_media(
    store: &dyn SessionStore,
    media: &dyn MediaStore,
    fetcher: &dyn MediaFetcher,
    conversation: &ConversationId,
    message: &MessageSid,
    index: usize,
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
    let attachment = record.media.get(index).ok_or(MediaRefused::NotFound(
        "The message has no attachment with this index.",
    ))?;
    let key = inbound_media_key(conversation, message, index);
    if let Some(access) = media.open(&key).await? {
        return Ok(access);
    }
    let mut file = fetcher.fetch(&attachment.url).await?;
    // The webhook's MediaContentType is what WhatsApp said; the CDN's answer may be generic.
    if let Some(declared) = attachment.content_type.as_deref().filter(|t| !t.is_empty())
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

/// Stores an agent's attachment for `conversation` and answers the address Twilio will fetch it
/// from (valid for [`UPLOAD_LINK_VALIDITY`]). Only the assigned agent may attach.
pub async fn upload_media(
    store: &dyn ConversationStore,
    media: &dyn MediaStore,
    conversation: &ConversationId,
    agent: &AgentId,
    content_type: Option<&str>,
    bytes: Vec<u8>,
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
    let key = upload_key(conversation);
    media
        .put(
            &key,
            MediaFile {
                content_type,
                bytes,
            },
        )
        .await?;
    Ok(media.share(&key, UPLOAD_LINK_VALIDITY).await?)
}
