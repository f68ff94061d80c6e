//! The PostgreSQL pool and the schema migrations embedded in the binary.

use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::StartupError;
use crate::config::DatabaseUrl;

/// The migrations of `server/migrations`, compiled in and applied at start-up.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// How long a request waits for a free connection before it fails (instead of queueing forever).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects (failing fast with a clear message) and brings the schema up to date.
pub async fn connect_and_migrate(
    url: &DatabaseUrl,
    max_connections: u32,
) -> Result<PgPool, StartupError> {
    let pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect(url.expose())
        .await
        .map_err(|source| StartupError::DatabaseUnreachable {
            url: url.clone(),
            reason: source.to_string(),
        })?;
    MIGRATOR
        .run(&pool)
        .await
        .map_err(|source| StartupError::Migration(source.to_string()))?;
    Ok(pool)
}

/// The pool of `DATABASE_READ_URL`, connected on first use: the server starts, and everything but
/// the reads sent there keeps working, while that standby is down.
pub fn connect_read(url: &DatabaseUrl, max_connections: u32) -> Result<PgPool, StartupError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_lazy(url.expose())
        .map_err(|source| StartupError::DatabaseUnreachable {
            url: url.clone(),
            reason: source.to_string(),
        })
}
