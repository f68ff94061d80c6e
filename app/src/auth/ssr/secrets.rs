//! Random secrets for links, cookies and codes, and the hashes under which they are stored.

use sha2::{Digest, Sha256};

/// Bytes of entropy of every link and cookie secret (256 bits: unguessable).
const SECRET_BYTES: usize = 32;

/// A fresh secret, hex-encoded (what goes in a link or a cookie).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

/// A uniformly random number, for one-time codes.
pub fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    u32::from_le_bytes(bytes)
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
}
