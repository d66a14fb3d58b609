//! A customer named without their number: the keyed pseudonym the audit log (and, later, an
//! erasure's tombstone) records. A plain hash of a phone number is reversed by hashing every
//! number; an HMAC under a secret key is not.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The secret key of the pseudonyms (`PRIVACY_KEY`, from SSM in AWS).
#[derive(Clone)]
pub struct PrivacyKey(Vec<u8>);

impl std::fmt::Debug for PrivacyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrivacyKey(…)")
    }
}

/// `AUDIT_RETENTION_DAYS` by default.
pub const DEFAULT_AUDIT_RETENTION_DAYS: i64 = 400;

/// The shortest key accepted: 32 bytes, as HMAC-SHA256's own block of strength.
pub const MIN_KEY_BYTES: usize = 32;

/// Why a key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the privacy key must be at least {MIN_KEY_BYTES} bytes")]
pub struct ShortKey;

impl PrivacyKey {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, ShortKey> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(ShortKey);
        }
        Ok(Self(bytes))
    }

    /// A fresh random key (tests, and a process that keeps nothing).
    pub fn random() -> Self {
        let mut bytes = Vec::with_capacity(MIN_KEY_BYTES);
        while bytes.len() < MIN_KEY_BYTES {
            bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
        }
        Self(bytes)
    }

    /// `hmac:` and the first 128 bits of HMAC-SHA256(key, address), in hex: stable for an
    /// address under one key, and not reversible without the key.
    pub fn pseudonym(&self, address: &str) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            // HMAC takes a key of any length; this cannot happen.
            return "hmac:unavailable".into();
        };
        mac.update(address.as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("hmac:{hex}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pseudonym_is_stable_under_one_key_and_differs_under_another() {
        let key = PrivacyKey::new(vec![7u8; 32]).unwrap();
        let a = key.pseudonym("whatsapp:+447700900123");
        assert_eq!(a, key.pseudonym("whatsapp:+447700900123"));
        assert!(a.starts_with("hmac:") && a.len() == 5 + 32, "{a}");
        assert!(!a.contains("447700900123"));
        assert_ne!(a, key.pseudonym("whatsapp:+447700900124"));
        let other = PrivacyKey::new(vec![8u8; 32]).unwrap();
        assert_ne!(a, other.pseudonym("whatsapp:+447700900123"));
    }

    #[test]
    fn a_short_key_is_refused_and_a_key_never_prints() {
        assert_eq!(PrivacyKey::new(vec![1u8; 31]).unwrap_err(), ShortKey);
        let key = PrivacyKey::random();
        assert_eq!(format!("{key:?}"), "PrivacyKey(…)");
    }
}
