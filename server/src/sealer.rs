//! The sealer: chains the ledger's movements with SHA-256 (`domain::ledger_hash`) behind the
//! commits, so that no posting waits on a global chain head.
//!
//! A posting only inserts its movements (each with a `sequence` from an identity); every
//! [`SEAL_INTERVAL`] a background task in each server process tries to take a transaction-level
//! advisory lock (one process seals at a time, the others skip the round), reads the unsealed
//! movements after the last seal in `sequence` order — only those older than [`SEAL_CUTOFF`] —
//! links each to the previous hash, and inserts the seals in one statement.
//!
//! # Why the cutoff makes `sequence` order safe
//!
//! The sealer only ever looks *after* the last sealed `sequence`, so it must never seal a
//! movement while one with a lower `sequence` is still uncommitted (that one would become visible
//! later, behind the chain's head, and be skipped). Sequence values are handed out in the order
//! sessions ask for them (identity with CACHE 1), and `movements.created_at` is the clock at the
//! insert (`clock_timestamp()`), taken within microseconds of drawing the sequence. So when the
//! sealer sees a movement `s` with `created_at < now() − cutoff`, every lower sequence was drawn
//! before that instant, by a transaction that had then already locked its balances (the posting
//! function inserts movements last) and only had to update them and commit. As long as that tail
//! of a transaction is shorter than the cutoff — a few milliseconds, since callers commit right
//! after posting — every lower sequence is committed or rolled back by then. Lock waits do not
//! count: they happen before the insert. The sealer also stops at the first movement younger than
//! the cutoff, so it seals a prefix of the sequence order and never jumps over one. A caller that
//! kept its transaction open for longer than the cutoff after posting is the one way a movement
//! could end up unsealed behind the head; `verify` counts those (`unsealed_behind_head`).
//!
//! Rolled-back postings leave gaps in `sequence`; the chain numbers its own links
//! (`chain_position`, 1, 2, 3…), and that number is what is hashed as the entry's sequence.

use std::time::Duration;

use app::ledger::ssr::{MOVEMENT_COLUMNS, MOVEMENT_TABLES, MovementRecord, chain_genesis};
use domain::Sha256Hex;
use sqlx::{AssertSqlSafe, PgPool};
use tokio::task::JoinHandle;

/// How often the sealer looks for movements to seal.
pub const SEAL_INTERVAL: Duration = Duration::from_millis(150);
/// Movements younger than this are left for a later round (see the module documentation).
pub const SEAL_CUTOFF: Duration = Duration::from_secs(1);
/// Most movements one round seals; a full batch is followed by another round at once.
pub const SEAL_BATCH_MAX: i64 = 2_000;
/// The advisory lock that makes one process seal at a time (an arbitrary constant: "VETASEAL").
const SEALER_LOCK_KEY: i64 = 0x5645_5441_5345_414C;

/// Seals, in `sequence` order, the unsealed movements older than `cutoff` (at most
/// [`SEAL_BATCH_MAX`]); returns how many. Returns 0 at once when another process is sealing.
pub async fn seal_pending(pool: &PgPool, cutoff: Duration) -> Result<u64, sqlx::Error> {
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
    let head: Option<(i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT chain_position, sequence, entry_hash FROM movement_seals
         ORDER BY chain_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (mut position, after_sequence, mut previous) = match head {
        Some((position, sequence, hash)) => {
            let hash = <[u8; 32]>::try_from(hash.as_slice()).map_err(|_| {
                sqlx::Error::Decode(format!("el sello {position} no tiene 32 bytes").into())
            })?;
            (position, sequence, Sha256Hex::from_digest(hash))
        }
        None => (0, 0, chain_genesis()),
    };
    // Whether each row is old enough is read with the rows, so that the cut is a prefix.
    let rows: Vec<(bool, MovementRecord)> =
        sqlx::query_as::<_, RipeRecord>(AssertSqlSafe(format!(
            "SELECT m.created_at < now() - make_interval(secs => $2) AS ripe, {MOVEMENT_COLUMNS}
         FROM {MOVEMENT_TABLES}
         WHERE m.sequence > $1 ORDER BY m.sequence LIMIT $3"
        )))
        .bind(after_sequence)
        .bind(cutoff.as_secs_f64())
        .bind(SEAL_BATCH_MAX)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| (r.ripe, r.movement))
        .collect();

    let mut sequences = Vec::new();
    let mut positions = Vec::new();
    let mut hashes = Vec::new();
    let mut prev_hashes = Vec::new();
    for (_, record) in rows.iter().take_while(|(ripe, _)| *ripe) {
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
    if sequences.is_empty() {
        tx.rollback().await?;
        return Ok(0);
    }
    let sealed = sqlx::query(
        "INSERT INTO movement_seals (sequence, chain_position, entry_hash, prev_hash)
         SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[])",
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

#[derive(sqlx::FromRow)]
struct RipeRecord {
    ripe: bool,
    #[sqlx(flatten)]
    movement: MovementRecord,
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
                match seal_pending(&pool, SEAL_CUTOFF).await {
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
