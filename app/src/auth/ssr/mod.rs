//! Server-only side of sign-in: secrets, passwords, cookies, sessions, throttling and the audit
//! trail. Every function takes the pool or a transaction explicitly; nothing is cached in memory.

pub mod audit;
pub mod cookies;
pub mod invitation;
pub mod passwords;
pub mod recovery;
pub mod registration;
pub mod request;
pub mod secrets;
pub mod sessions;
pub mod signin;
pub mod tokens;

pub use secrets::{CodeKey, code_key};

use leptos::prelude::*;
use sqlx::PgPool;

use crate::error::AppError;

/// The pool, provided to every Leptos request by the server's router.
pub fn pool() -> Result<PgPool, AppError> {
    use_context::<PgPool>().ok_or_else(|| {
        tracing::error!("no PgPool in the Leptos context");
        AppError::Internal
    })
}

/// The pool of the reports (`crate::reports`), whose reads may be a little stale: a standby's
/// when `DATABASE_READ_URL` is set, else the pool itself (the server decides, at start-up).
/// Never for a read that must see the user's own writes.
#[derive(Debug, Clone)]
pub struct ReadPool(pub PgPool);

/// The [`ReadPool`], provided to every Leptos request beside the pool.
pub fn read_pool() -> Result<PgPool, AppError> {
    use_context::<ReadPool>().map(|read| read.0).ok_or_else(|| {
        tracing::error!("no ReadPool in the Leptos context");
        AppError::Internal
    })
}

/// Where links in emails point (`PUBLIC_URL`), provided by the server; also decides whether
/// cookies are `Secure` (an `https` address).
#[derive(Debug, Clone)]
pub struct PublicUrl(pub String);

pub fn public_url() -> Result<PublicUrl, AppError> {
    use_context::<PublicUrl>().ok_or_else(|| {
        tracing::error!("no PublicUrl in the Leptos context");
        AppError::Internal
    })
}
