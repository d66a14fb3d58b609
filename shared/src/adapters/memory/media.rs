//! The in-memory twin of the media bucket, for local-api and tests: files kept in the process,
//! opened as bytes, shared at an address local-api serves (`GET /local/media/{key}`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::ports::{MediaAccess, MediaFile, MediaStore, MediaStoreError};

#[derive(Debug)]
pub struct InMemoryMediaStore {
    /// What a key is appended to for [`MediaStore::share`], e.g.
    /// `http://127.0.0.1:3000/local/media/`.
    share_base: String,
    files: Mutex<HashMap<String, Arc<MediaFile>>>,
}

impl InMemoryMediaStore {
    pub fn new(share_base: impl Into<String>) -> Self {
        Self {
            share_base: share_base.into(),
            files: Mutex::default(),
        }
    }

    /// The file under `key`, for the route that serves shared addresses.
    pub fn get(&self, key: &str) -> Option<Arc<MediaFile>> {
        self.files.lock().ok()?.get(key).cloned()
    }

    /// The key of an address [`MediaStore::share`] made, if it is one.
    pub fn key_of<'a>(&self, url: &'a str) -> Option<&'a str> {
        url.strip_prefix(self.share_base.as_str())
            .filter(|key| !key.is_empty())
    }
}

fn poisoned() -> MediaStoreError {
    MediaStoreError("the in-memory media store's lock is poisoned".into())
}

#[async_trait]
impl MediaStore for InMemoryMediaStore {
    async fn put(&self, key: &str, file: MediaFile) -> Result<(), MediaStoreError> {
        self.files
            .lock()
            .map_err(|_| poisoned())?
            .insert(key.to_owned(), Arc::new(file));
        Ok(())
    }

    async fn open(&self, key: &str) -> Result<Option<MediaAccess>, MediaStoreError> {
        let file = self.files.lock().map_err(|_| poisoned())?.get(key).cloned();
        Ok(file.map(|file| MediaAccess::Bytes(file.as_ref().clone())))
    }

    async fn share(&self, key: &str, _valid_for: Duration) -> Result<String, MediaStoreError> {
        Ok(format!("{}{key}", self.share_base))
    }
}
