use async_trait::async_trait;

/// How long the address [`MediaStore::open`] redirects to stays valid (a presigned GET).
pub const OPEN_LINK_VALIDITY: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// A whole file with its media type. Passed by value: the bytes are held once.
#[derive(Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MediaFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaFile")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// How an agent's browser gets a stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaAccess {
    /// From this short-lived address (a presigned GET on the bucket).
    Redirect(String),
    /// The bytes themselves (the in-memory store of local-api).
    Bytes(MediaFile),
}

/// The media store did not answer.
#[derive(Debug, thiserror::Error)]
#[error("the media store did not complete the request")]
pub struct MediaStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Our copies of media: agents' uploads and inbound attachments, keyed by
/// [`crate::domain::inbound_media_key`] and [`crate::domain::upload_key`].
#[async_trait]
pub trait MediaStore: Send + Sync {
    async fn put(&self, key: &str, file: MediaFile) -> Result<(), MediaStoreError>;

    /// Stores a file that is always downloaded as `filename` (an export): a bucket serves it
    /// with `Content-Disposition: attachment; filename="…"`. Without that, as [`Self::put`].
    async fn put_download(
        &self,
        key: &str,
        file: MediaFile,
        filename: &str,
    ) -> Result<(), MediaStoreError> {
        let _ = filename;
        self.put(key, file).await
    }

    /// How an agent opens the file under `key`; `None` when there is none.
    async fn open(&self, key: &str) -> Result<Option<MediaAccess>, MediaStoreError>;

    /// The whole file under `key` (an agent's attachment, at most 4 MiB), `None` when there is
    /// none: what the public address of an upload answers Twilio with.
    async fn read(&self, key: &str) -> Result<Option<MediaFile>, MediaStoreError>;

    /// Deletes every file whose key begins with `prefix` (a conversation's `inbound/{id}/` or
    /// `uploads/{id}/`): an erasure's media. Returns how many there were.
    async fn delete_prefix(&self, prefix: &str) -> Result<u64, MediaStoreError>;
}

/// Why a Twilio media URL's file was not fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The URL is not on Twilio's API origin: nothing was requested.
    #[error("the media URL is not on Twilio's API origin")]
    NotTwilio,
    /// Twilio (or the CDN it redirected to) answered with an error.
    #[error("the media host answered HTTP {status}")]
    Refused { status: u16 },
    /// No (complete) answer: connect failure, timeout, a broken redirect.
    #[error("the media host did not answer: {0}")]
    Unreachable(String),
    /// The file is larger than WhatsApp allows.
    #[error("the file is larger than {limit} bytes")]
    TooLarge { limit: u64 },
}

/// Fetches an inbound attachment from Twilio: credentials to Twilio's API origin only, its
/// redirect to a CDN followed without them.
#[async_trait]
pub trait MediaFetcher: Send + Sync {
    async fn fetch(&self, url: &str) -> Result<MediaFile, FetchError>;
}
