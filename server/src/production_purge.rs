//! The purge of the production report's test data: records and batches of the `PRUEBAS` environment
//! are deleted `PRUEBAS_RETENTION_DAYS` days after they were received (seed 003, 6.2.1).
//! Production data is never deleted (the tables' triggers refuse it).
//!
//! Every [`PURGE_INTERVAL`] a task in each server process tries a transaction-level advisory lock
//! (one process purges at a time, the others skip the round) and deletes what is older than the
//! limit, read from the database's clock: nothing is kept in memory, so a restart loses nothing
//! (what was due is deleted on the next round).

use std::time::Duration;

use domain::production_report::{Environment, purge_before};
use sqlx::PgPool;
use time::OffsetDateTime;
use tokio::task::JoinHandle;

/// How often the purge runs.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// The advisory lock that makes one process purge at a time (an arbitrary constant: "VETAPRUE").
const PURGE_LOCK_KEY: i64 = 0x5645_5441_5052_5545;

/// What one round deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    pub records: u64,
    pub batches: u64,
}

/// Deletes the test records and batches received more than `PRUEBAS_RETENTION_DAYS` days ago.
/// Returns zeros at once when another process is purging.
pub async fn purge_pruebas(pool: &PgPool) -> Result<Purged, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(PURGE_LOCK_KEY)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        tx.rollback().await?;
        return Ok(Purged::default());
    }
    // The database's clock, the rule's limit from `domain` (`purge_before`).
    let now: OffsetDateTime = sqlx::query_scalar("SELECT now()")
        .fetch_one(&mut *tx)
        .await?;
    let Some(limit) = purge_before(Environment::Pruebas, now) else {
        tx.rollback().await?;
        return Ok(Purged::default());
    };
    let records =
        sqlx::query("DELETE FROM production_records WHERE environment = $2 AND received_at < $1")
            .bind(limit)
            .bind(Environment::Pruebas.code())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    // A batch goes once none of its records is left (they share its reception instant).
    let batches = sqlx::query(
        "DELETE FROM production_batches b
         WHERE b.environment = $2 AND b.received_at < $1
           AND NOT EXISTS (SELECT 1 FROM production_records r WHERE r.batch_id = b.batch_id)",
    )
    .bind(limit)
    .bind(Environment::Pruebas.code())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Purged { records, batches })
}

/// Starts the purge of this process (see the module documentation).
pub fn spawn_purge(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(PURGE_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match purge_pruebas(&pool).await {
                Ok(purged) if purged.records + purged.batches > 0 => {
                    tracing::info!(
                        records = purged.records,
                        batches = purged.batches,
                        "reporte de producción: datos de pruebas vencidos eliminados"
                    );
                }
                Ok(_) => {}
                Err(sqlx::Error::PoolClosed) => return,
                Err(error) => {
                    tracing::warn!(%error, "reporte de producción: no se pudo purgar pruebas");
                }
            }
        }
    })
}
