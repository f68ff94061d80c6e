//! Random secrets for links, cookies and codes, and the hashes under which they are stored.

use std::fmt;

use hmac::{Hmac, Mac};
use leptos::prelude::use_context;
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Bytes of entropy of every link and cookie secret (256 bits: unguessable).
const SECRET_BYTES: usize = 32;

/// A fresh secret, hex-encoded (what goes in a link or a cookie).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

/// A uniformly random number, for one-time codes.
pub fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    u64::from_le_bytes(bytes)
}

/// What the database keeps of a secret: its SHA-256. A stolen table gives no usable link.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The stored form of a one-time code: bound to its challenge, so a code is useless elsewhere.
pub fn code_hash(challenge_secret: &str, code: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(challenge_secret.as_bytes());
    hasher.update([0u8]);
    hasher.update(code.as_bytes());
    hasher.finalize().to_vec()
}

/// The server's key for the hashes of short codes (`VETA_SECRET_KEY`), provided to every request.
///
/// A code of eight digits bound only to data in the database could be found from its hash by
/// trying the 10⁸ codes; keyed with a secret the database does not hold, its hash is useless to
/// someone who can read the database.
#[derive(Clone)]
pub struct CodeKey([u8; 32]);

impl CodeKey {
    pub fn new(key: [u8; 32]) -> Self {
        Self(key)
    }
}

impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CodeKey(***)")
    }
}

/// The key of this request's server.
pub fn code_key() -> Result<CodeKey, AppError> {
    use_context::<CodeKey>().ok_or_else(|| {
        tracing::error!("no CodeKey in the Leptos context");
        AppError::Internal
    })
}

/// The stored form of a short code that is bound to data the database holds (a purchase, an
/// organisation's contact): HMAC-SHA-256 under the server's key of the binding and the code.
pub fn keyed_code_hash(key: &CodeKey, binding: &str, code: &str) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(&key.0).expect("HMAC accepts a key of any length");
    mac.update(binding.as_bytes());
    mac.update(&[0u8]);
    mac.update(code.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_hash_deterministically() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_ne!(code_hash(&a, "123456"), code_hash(&b, "123456"));
    }

    #[test]
    fn keyed_hashes_depend_on_the_key() {
        let (one, other) = (CodeKey::new([1; 32]), CodeKey::new([2; 32]));
        let hash = keyed_code_hash(&one, "compra", "12345678");
        assert_eq!(hash.len(), 32);
        assert_eq!(hash, keyed_code_hash(&one, "compra", "12345678"));
        assert_ne!(hash, keyed_code_hash(&other, "compra", "12345678"));
        assert_ne!(hash, keyed_code_hash(&one, "compra", "12345679"));
        assert!(!format!("{one:?}").contains('1'));
    }
}
