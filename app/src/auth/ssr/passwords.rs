//! Argon2id password hashes (PHC strings), computed off the async runtime, a few at a time.
//!
//! Each hash or verification takes 19 MiB and tens of milliseconds of a core, and the sign-in
//! form reaches one without an account: unbounded, a burst of sign-ins would take the server's
//! memory. At most [`ARGON2_CONCURRENT_MAX`] run at once; the others wait, at most
//! [`ARGON2_WAIT_S`], then are told to try again.

use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::AppError;

/// Argon2 computations at once: 4 × 19 MiB = 76 MiB at most, and on two cores more would only
/// queue on the CPU.
pub const ARGON2_CONCURRENT_MAX: usize = 4;
/// Longest wait for a place before the request is answered "busy" (429).
pub const ARGON2_WAIT_S: u64 = 10;

static ARGON2_PERMITS: Semaphore = Semaphore::const_new(ARGON2_CONCURRENT_MAX);

async fn permit() -> Result<SemaphorePermit<'static>, AppError> {
    match tokio::time::timeout(Duration::from_secs(ARGON2_WAIT_S), ARGON2_PERMITS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_closed)) => Err(AppError::Internal),
        Err(_elapsed) => Err(AppError::Throttled(
            "Hay muchos ingresos en este momento. Intente de nuevo en unos segundos.".to_owned(),
        )),
    }
}

/// Hashes a new password with Argon2id and a random salt (the crate's default parameters: OWASP's
/// recommended m = 19 MiB, t = 2, p = 1).
pub async fn hash(password: String) -> Result<String, AppError> {
    let _permit = permit().await?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).expect("the operating system's random source is available");
        let salt = SaltString::encode_b64(&salt).map_err(|error| {
            tracing::error!(%error, "salt encoding");
            AppError::Internal
        })?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| {
                tracing::error!(%error, "password hashing");
                AppError::Internal
            })
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// Whether `password` matches `stored`. With no stored hash (unknown account, or no password set
/// yet) it still spends the time of one verification, so timing does not reveal which accounts exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let _permit = permit().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored != DUMMY_HASH
    })
    .await
    .unwrap_or(false))
}

/// The Argon2id hash of a random password nobody knows, with the default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Zr7W9v8Qk3QKq0m2m3x2bq1u6l7QZ8m0m0d9YzV5c3M";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("cobre y plata 2026".to_owned()).await.expect("hashed");
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("cobre y plata 2026".to_owned(), Some(stored.clone()))
                .await
                .expect("ran")
        );
        assert!(
            !verify("cobre y plata 2025".to_owned(), Some(stored))
                .await
                .expect("ran")
        );
        assert!(!verify("anything".to_owned(), None).await.expect("ran"));
    }
}
