//! The in-memory twin of the media bucket, for local-api and tests: files kept in the process,
//! opened as bytes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use crate::ports::{MediaAccess, MediaFile, MediaStore, MediaStoreError};

#[derive(Debug, Default)]
pub struct InMemoryMediaStore {
    files: Mutex<HashMap<String, Arc<MediaFile>>>,
}

impl InMemoryMediaStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The file under `key`, for tests.
    pub fn get(&self, key: &str) -> Option<Arc<MediaFile>> {
        self.files.lock().ok()?.get(key).cloned()
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

    async fn read(&self, key: &str) -> Result<Option<MediaFile>, MediaStoreError> {
        let file = self.files.lock().map_err(|_| poisoned())?.get(key).cloned();
        Ok(file.map(|file| file.as_ref().clone()))
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<u64, MediaStoreError> {
        let mut files = self.files.lock().map_err(|_| poisoned())?;
        let before = files.len();
        files.retain(|key, _| !key.starts_with(prefix));
        Ok((before - files.len()) as u64)
    }
}
