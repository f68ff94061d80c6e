//! What each step of a purchase costs the database, counted exactly (issue 14's table of
//! statements per step): with `pg_stat_statements` loaded (`BENCH_PG_STATS=1`), purchases are
//! made one at a time; before each step the outbox is delivered and the sealer has had its turn,
//! the statistics are reset, and right after the step they are read. The median over the
//! purchases leaves out what a background task (the sealer's tick, the session touched once a
//! minute) happened to run inside a step's window.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::PgPool;

use super::Result;
use super::mail::outbox_backlog;
use super::stats::Step;

/// How long the background tasks get to finish what the previous step started (the sealer
/// runs every 150 ms) before a step is counted.
const SETTLE: Duration = Duration::from_millis(400);

/// Most waits for the outbox to deliver before a step.
const DRAIN_TRIES: u32 = 100;

/// What one step cost the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cost {
    /// Statements executed, transaction control (`BEGIN`, `COMMIT`) left out.
    pub statements: i64,
    /// Explicit transactions committed (`COMMIT`).
    pub commits: i64,
    /// Statements that wrote WAL: each outside a transaction is one more flush to disk.
    pub writes: i64,
    pub wal_bytes: i64,
}

/// The costs counted so far, per step, and the statements of each step's last count.
pub struct Census {
    pool: PgPool,
    costs: Mutex<BTreeMap<Step, Vec<Cost>>>,
    statements: Mutex<BTreeMap<Step, Vec<(i64, String)>>>,
}

impl Census {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            costs: Mutex::new(BTreeMap::new()),
            statements: Mutex::new(BTreeMap::new()),
        }
    }

    /// Before a step: the outbox delivered, the background settled, the statistics reset.
    pub async fn before(&self) -> Result<()> {
        for _ in 0..DRAIN_TRIES {
            if outbox_backlog(&self.pool).await? == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(SETTLE).await;
        sqlx::query("SELECT pg_stat_statements_reset()")
            .execute(&self.pool)
            .await
            .map_err(|error| format!("pg_stat_statements no disponible: {error}"))?;
        Ok(())
    }

    /// After `step`: what ran since [`Census::before`] (this reading itself is recorded only
    /// once it ends, and the reset's own call is left out).
    pub async fn after(&self, step: Step) -> Result<()> {
        let (statements, commits, writes, wal_bytes): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT coalesce(sum(calls) FILTER (WHERE upper(query) NOT IN ('BEGIN', 'COMMIT', 'ROLLBACK')), 0)::int8,
                    coalesce(sum(calls) FILTER (WHERE upper(query) = 'COMMIT'), 0)::int8,
                    coalesce(sum(calls) FILTER (WHERE wal_records > 0 AND upper(query) <> 'COMMIT'), 0)::int8,
                    coalesce(sum(wal_bytes), 0)::int8
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements_reset%'",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|error| format!("lectura de pg_stat_statements: {error}"))?;
        let listed: Vec<(i64, String)> = sqlx::query_as(
            "SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110)
             FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
             WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
             ORDER BY calls DESC, query",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|error| format!("lectura de pg_stat_statements: {error}"))?;
        self.statements
            .lock()
            .map_err(|_| "census: lock poisoned".to_owned())?
            .insert(step, listed);
        self.costs
            .lock()
            .map_err(|_| "census: lock poisoned".to_owned())?
            .entry(step)
            .or_default()
            .push(Cost {
                statements,
                commits,
                writes,
                wal_bytes,
            });
        Ok(())
    }

    /// The statements of `step`'s last count: calls and the start of the text.
    pub fn statements_of(&self, step: Step) -> Vec<(i64, String)> {
        self.statements
            .lock()
            .ok()
            .and_then(|listed| listed.get(&step).cloned())
            .unwrap_or_default()
    }

    /// The median cost of each step counted, in the steps' order.
    pub fn medians(&self) -> Vec<(Step, Cost, usize)> {
        let Ok(costs) = self.costs.lock() else {
            return Vec::new();
        };
        costs
            .iter()
            .map(|(step, counted)| {
                let median = |field: fn(&Cost) -> i64| {
                    let mut values: Vec<i64> = counted.iter().map(field).collect();
                    values.sort_unstable();
                    values[values.len() / 2]
                };
                let cost = Cost {
                    statements: median(|c| c.statements),
                    commits: median(|c| c.commits),
                    writes: median(|c| c.writes),
                    wal_bytes: median(|c| c.wal_bytes),
                };
                (*step, cost, counted.len())
            })
            .collect()
    }
}
