//! [`MediaStore`] on the media bucket (`MEDIA_BUCKET`): private objects, opened and shared
//! through presigned GETs. With an endpoint override (moto in tests) the client addresses the
//! bucket path-style, as emulators expect.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use crate::config;
use crate::ports::{MediaAccess, MediaFile, MediaStore, MediaStoreError};

/// How long an agent's browser may use the address it is redirected to.
pub const VIEW_LINK_VALIDITY: Duration = crate::ports::OPEN_LINK_VALIDITY;

fn failed(e: impl std::error::Error + Send + Sync + 'static) -> MediaStoreError {
    MediaStoreError(Box::new(e))
}

#[derive(Debug, Clone)]
pub struct S3MediaStore {
    client: Client,
    bucket: String,
}

impl S3MediaStore {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The S3 client, once per cold start: longer timeouts than the table's (a file of up to
    /// 16 MB goes up in one request), path-style addressing when an endpoint is overridden.
    pub fn client(sdk: &aws_config::SdkConfig) -> Client {
        let timeouts = aws_config::timeout::TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(10))
            .operation_timeout(Duration::from_secs(12))
            .build();
        let overridden = sdk.endpoint_url().is_some()
            || config::optional("AWS_ENDPOINT_URL_S3").is_some()
            || config::optional("AWS_ENDPOINT_URL").is_some();
        let conf = aws_sdk_s3::config::Builder::from(sdk)
            .timeout_config(timeouts)
            .force_path_style(overridden)
            .build();
        Client::from_conf(conf)
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn presigned_get(
        &self,
        key: &str,
        valid_for: Duration,
    ) -> Result<String, MediaStoreError> {
        let presigning = PresigningConfig::expires_in(valid_for).map_err(failed)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning)
            .await
            .map_err(failed)?;
        Ok(request.uri().to_owned())
    }
}

impl S3MediaStore {
    async fn put_with(
        &self,
        key: &str,
        file: MediaFile,
        disposition: String,
    ) -> Result<(), MediaStoreError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_disposition(disposition)
            .content_type(file.content_type)
            // The Vec becomes the request body as it is: no second copy.
            .body(ByteStream::from(file.bytes))
            .send()
            .await
            .map_err(failed)?;
        Ok(())
    }
}

/// Whether a file of this type may be shown in the browser rather than downloaded.
fn opens_inline(content_type: &str) -> bool {
    let essence = crate::domain::media_type_essence(content_type);
    matches!(
        essence.as_str(),
        "image/jpeg" | "image/png" | "image/gif" | "image/webp"
    ) || essence.starts_with("audio/")
        || essence.starts_with("video/")
}

#[async_trait]
impl MediaStore for S3MediaStore {
    async fn put(&self, key: &str, file: MediaFile) -> Result<(), MediaStoreError> {
        // Only media a browser shows as media may open inline; anything else (an HTML page, an
        // SVG with script, a document) downloads, so nobody's file runs on the bucket's origin.
        let disposition = if opens_inline(&file.content_type) {
            "inline"
        } else {
            "attachment"
        };
        self.put_with(key, file, disposition.to_owned()).await
    }

    async fn put_download(
        &self,
        key: &str,
        file: MediaFile,
        filename: &str,
    ) -> Result<(), MediaStoreError> {
        // A name of our making (`conversation-{id}.json`); anything else is dropped, not quoted.
        let safe = filename
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        let disposition = if safe && !filename.is_empty() {
            format!("attachment; filename=\"{filename}\"")
        } else {
            "attachment".to_owned()
        };
        self.put_with(key, file, disposition).await
    }

    async fn open(&self, key: &str) -> Result<Option<MediaAccess>, MediaStoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        match head {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => return Ok(None),
            Err(e) => return Err(failed(e)),
        }
        Ok(Some(MediaAccess::Redirect(
            self.presigned_get(key, VIEW_LINK_VALIDITY).await?,
        )))
    }

    async fn read(&self, key: &str) -> Result<Option<MediaFile>, MediaStoreError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await;
        let object = match object {
            Ok(object) => object,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(failed(e)),
        };
        let content_type = object.content_type.clone().unwrap_or_default();
        let bytes = object.body.collect().await.map_err(failed)?.into_bytes();
        Ok(Some(MediaFile {
            content_type,
            bytes: Vec::from(bytes),
        }))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, MediaStoreError> {
        // A page of at most 1,000 keys, then one DeleteObjects of that page, until none is left.
        let mut deleted = 0;
        loop {
            let page = self
                .client
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(prefix)
                .send()
                .await
                .map_err(failed)?;
            let objects: Vec<ObjectIdentifier> = page
                .contents()
                .iter()
                .filter_map(|o| o.key())
                .map(|key| ObjectIdentifier::builder().key(key).build())
                .collect::<Result<_, _>>()
                .map_err(failed)?;
            if objects.is_empty() {
                return Ok(deleted);
            }
            let count = objects.len() as u64;
            let out = self
                .client
                .delete_objects()
                .bucket(&self.bucket)
                .delete(
                    Delete::builder()
                        .set_objects(Some(objects))
                        .quiet(true)
                        .build()
                        .map_err(failed)?,
                )
                .send()
                .await
                .map_err(failed)?;
            if let Some(error) = out.errors().first() {
                return Err(MediaStoreError(
                    format!(
                        "the bucket refused to delete {}: {}",
                        error.key().unwrap_or_default(),
                        error.code().unwrap_or_default()
                    )
                    .into(),
                ));
            }
            deleted += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::opens_inline;

    #[test]
    fn only_pictures_sound_and_video_open_inline() {
        for inline in [
            "image/jpeg",
            "image/PNG",
            "audio/ogg; codecs=opus",
            "video/mp4",
        ] {
            assert!(opens_inline(inline), "{inline}");
        }
        for download in [
            "text/html",
            "image/svg+xml",
            "application/pdf",
            "",
            "text/plain",
        ] {
            assert!(!opens_inline(download), "{download}");
        }
    }
}
