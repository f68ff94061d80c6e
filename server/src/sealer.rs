//! The sealer: chains the ledger's movements with SHA-256 (`domain::ledger_hash`) behind the
//! commits, so that no posting waits on a global chain head.
//!
//! # Why it is right by construction
//!
//! The posting function inserts, in the statement that inserts its movements, one row per movement
//! into `movements_unsealed`. The sealer reads that queue with an ordinary snapshot, and a snapshot
//! shows a row only once the transaction that wrote it has committed. So every movement the sealer
//! chains belongs to a committed posting, and every committed movement stays in the queue until it
//! is chained, however long its transaction stayed open, whatever `sequence` it drew, and whatever
//! the order in which transactions commit (or, under synchronous replication, are released). A
//! rolled-back posting leaves nothing in the queue. Nothing depends on clocks.
//!
//! Every [`SEAL_INTERVAL`] a task in each server process tries a transaction-level advisory lock
//! (one process seals at a time, the others skip the round), reads up to [`SEAL_BATCH_MAX`] queued
//! movements in `sequence` order, links each to the previous hash, inserts the seals and deletes the
//! queue rows, in one transaction. The chain numbers its own links (`chain_position` 1, 2, 3…,
//! hashed as the entry's sequence), so a movement that commits late is simply a later link.

use std::time::Duration;

use app::ledger::ssr::{MOVEMENT_COLUMNS, MOVEMENT_TABLES, MovementRecord, chain_genesis};
use domain::Sha256Hex;
use sqlx::{AssertSqlSafe, PgPool};
use tokio::task::JoinHandle;

/// How often the sealer looks for movements to seal.
pub const SEAL_INTERVAL: Duration = Duration::from_millis(150);
/// Most movements one round seals; a full batch is followed by another round at once.
pub const SEAL_BATCH_MAX: i64 = 2_000;
/// The advisory lock that makes one process seal at a time (an arbitrary constant: "VETASEAL").
const SEALER_LOCK_KEY: i64 = 0x5645_5441_5345_414C;

/// Seals the committed movements waiting in the queue (at most [`SEAL_BATCH_MAX`]), in `sequence`
/// order; returns how many. Returns 0 at once when another process is sealing.
pub async fn seal_pending(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(SEALER_LOCK_KEY)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        // Ended explicitly (not on drop): a dropped transaction is rolled back only when its
        // connection is next used, and until then it would keep the lock from the next round.
        tx.rollback().await?;
        return Ok(0);
    }
    let rows: Vec<MovementRecord> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {MOVEMENT_COLUMNS}
         FROM movements_unsealed u JOIN {MOVEMENT_TABLES} ON m.sequence = u.sequence
         ORDER BY u.sequence LIMIT $1"
    )))
    .bind(SEAL_BATCH_MAX)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let head: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT chain_position, entry_hash FROM movement_seals ORDER BY chain_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (mut position, mut previous) = match head {
        Some((position, hash)) => {
            let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                sqlx::Error::Decode(format!("el sello {position} no tiene 32 bytes").into())
            })?;
            (position, Sha256Hex::from_digest(hash))
        }
        None => (0, chain_genesis()),
    };

    let mut sequences = Vec::with_capacity(rows.len());
    let mut positions = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    let mut prev_hashes = Vec::with_capacity(rows.len());
    for record in &rows {
        position += 1;
        let chain_position = u64::try_from(position).unwrap_or_default();
        let entry = record
            .to_entry(chain_position)
            .map_err(|reason| sqlx::Error::Decode(reason.into()))?;
        let hash = entry.hash(&previous);
        sequences.push(record.sequence);
        positions.push(position);
        prev_hashes.push(previous.as_bytes().to_vec());
        hashes.push(hash.as_bytes().to_vec());
        previous = hash;
    }
    let sealed = sqlx::query(
        "WITH sealed AS (
             INSERT INTO movement_seals (sequence, chain_position, entry_hash, prev_hash)
             SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])
             RETURNING sequence
         )
         DELETE FROM movements_unsealed WHERE sequence IN (SELECT sequence FROM sealed)",
    )
    .bind(&sequences)
    .bind(&positions)
    .bind(&hashes)
    .bind(&prev_hashes)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(sealed)
}

/// Starts the sealer of this process (see the module documentation).
pub fn spawn_sealer(pool: PgPool) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(SEAL_INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            // A full batch means there may be more: go on at once until the backlog is sealed.
            loop {
                match seal_pending(&pool).await {
                    Ok(sealed) if i64::try_from(sealed).is_ok_and(|n| n == SEAL_BATCH_MAX) => {}
                    Ok(_) => break,
                    Err(sqlx::Error::PoolClosed) => return,
                    Err(error) => {
                        tracing::warn!(%error, "sellador: no se pudieron sellar los movimientos");
                        break;
                    }
                }
            }
        }
    })
}
