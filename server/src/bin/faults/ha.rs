//! The high-availability scenarios (issue 15, `bash scripts/ha faults`): Veta on three PostgreSQL
//! nodes in synchronous replication behind HAProxy (scripts/ha), under a steady, open-loop load of
//! confirmations. Each confirmation that fails is retried with the same code until it succeeds (a
//! confirmation is idempotent: a retry answers the PTM code of the first), as a buyer would.
//!
//! 1. **Synchronous against asynchronous replication**: the p50/p99 of a confirmation at the same
//!    rate, one after the other on the same cluster.
//! 2. **kill -9 of the primary**: a standby is promoted; the time until Veta confirms again; every
//!    PTM code a client received is in the new primary's ledger, once; `verify` clean, sealed; the
//!    old primary back as a replica of the new one (pg_rewind when its WAL had diverged).
//! 3. **The synchronous standby frozen** (SIGSTOP): no confirmation is acknowledged while only the
//!    primary holds it; once it thaws, every waiting confirmation completes.
//! 4. **etcd frozen**: the primary loses its leader lock and turns read-only; Veta answers 503
//!    (never a 500, never a hang) until a leader is back, then confirms again.
//! 5. **Restore to a point in time**: a base backup, confirmations, the point, more
//!    confirmations; the backup and the archived WAL restored to the point hold every confirmation
//!    before it and none after, and `verify` is clean there.

use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::CompraStatus;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::task::JoinHandle;

use crate::checks::{prepare, sealed_and_verified, stored};
use crate::loadgen::Result;
use crate::loadgen::purchase::{Ctx, Prepared};
use crate::loadgen::stats::{ms, percentile};
use crate::processes::{required, shell, shell_output};
use crate::{REQUEST_MAX, ensure};

/// How long a confirmation is retried before the scenario fails.
const RETRY_FOR: Duration = Duration::from_secs(90);
/// The pause between two tries of one confirmation.
const RETRY_PAUSE: Duration = Duration::from_millis(200);
/// Load before each fault, and how long the standby or etcd stays frozen.
const BEFORE_FAULT: Duration = Duration::from_secs(3);
const SYNC_FROZEN: Duration = Duration::from_secs(4);
const ETCD_FROZEN: Duration = Duration::from_secs(20);
/// The etcd scenario's load: before the freeze, the freeze, and the leader's return.
const ETCD_LOAD_S: u64 = 30;
/// A confirmation whose commit was acknowledged just before the freeze may answer just after it.
const FREEZE_GRACE: Duration = Duration::from_millis(300);

/// The cluster's commands (scripts/ha) and the load's shape.
pub struct HaEnv {
    pub kill_primary: String,
    /// Waits until the killed primary streams from the new one; prints what it saw.
    pub rejoined: String,
    pub freeze_sync: String,
    pub thaw_sync: String,
    pub freeze_etcd: String,
    pub thaw_etcd: String,
    pub replication_async: String,
    pub replication_sync: String,
    pub backup: String,
    /// Given the point in time after it (quoted), prints the restored instance's `DATABASE_URL=`.
    pub restore: String,
    pub restore_stop: String,
    /// Confirmations a second (`FAULTS_HA_RATE`, default 50).
    pub rate: f64,
    /// Length of each load (`FAULTS_HA_SECONDS`, default 20).
    pub seconds: u64,
}

impl HaEnv {
    /// `None` unless `FAULTS_HA_KILL_PRIMARY` is set: then every command is required.
    pub fn from_env() -> Result<Option<Self>> {
        if std::env::var("FAULTS_HA_KILL_PRIMARY").is_err() {
            return Ok(None);
        }
        let number = |name: &str, default: f64| -> Result<f64> {
            std::env::var(name).map_or(Ok(default), |raw| {
                raw.parse::<f64>()
                    .ok()
                    .filter(|n| *n > 0.0)
                    .ok_or(format!("{name} debe ser un número positivo"))
            })
        };
        Ok(Some(Self {
            kill_primary: required("FAULTS_HA_KILL_PRIMARY")?,
            rejoined: required("FAULTS_HA_REJOINED")?,
            freeze_sync: required("FAULTS_HA_FREEZE_SYNC")?,
            thaw_sync: required("FAULTS_HA_THAW_SYNC")?,
            freeze_etcd: required("FAULTS_HA_FREEZE_ETCD")?,
            thaw_etcd: required("FAULTS_HA_THAW_ETCD")?,
            replication_async: required("FAULTS_HA_ASYNC")?,
            replication_sync: required("FAULTS_HA_SYNC")?,
            backup: required("FAULTS_HA_BACKUP")?,
            restore: required("FAULTS_HA_RESTORE")?,
            restore_stop: required("FAULTS_HA_RESTORE_STOP")?,
            rate: number("FAULTS_HA_RATE", 50.0)?,
            seconds: number("FAULTS_HA_SECONDS", 20.0)? as u64,
        }))
    }

    /// Purchases one load confirms.
    pub fn purchases(&self) -> usize {
        self.purchases_over(self.seconds)
    }

    /// Purchases of the etcd scenario's load, which must outlast the freeze and the demotion.
    pub fn etcd_purchases(&self) -> usize {
        self.purchases_over(self.seconds.max(ETCD_LOAD_S))
    }

    fn purchases_over(&self, seconds: u64) -> usize {
        (self.rate * seconds as f64).ceil() as usize
    }
}

/// What became of one confirmation of the load.
struct Shot {
    /// When it was due (open loop: latencies count from here).
    due: Instant,
    /// When it was confirmed, its PTM code, and when that successful try started.
    confirmed: Instant,
    ptm: String,
    last_try: Instant,
    /// Failed tries before it, and whether any failure was not a 503.
    failures: u32,
    not_503: Option<String>,
    /// The longest any one try waited for its answer.
    slowest_try: Duration,
}

/// Confirms `purchases` at `rate` a second, each retried until it succeeds.
async fn steady_load(ctx: &Arc<Ctx>, purchases: Vec<Prepared>, rate: f64) -> Result<Vec<Shot>> {
    let start = Instant::now();
    let mut handles = Vec::with_capacity(purchases.len());
    for (n, purchase) in purchases.into_iter().enumerate() {
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            tokio::time::sleep_until(due.into()).await;
            let (mut failures, mut not_503, mut slowest_try) = (0, None, Duration::ZERO);
            loop {
                let try_started = Instant::now();
                let outcome = ctx.confirm(&purchase).await;
                slowest_try = slowest_try.max(try_started.elapsed());
                match outcome {
                    Ok(ptm) => {
                        return Ok(Shot {
                            due,
                            confirmed: Instant::now(),
                            ptm,
                            last_try: try_started,
                            failures,
                            not_503,
                            slowest_try,
                        });
                    }
                    Err(error) => {
                        failures += 1;
                        if !error.contains("→ 503") && not_503.is_none() {
                            not_503 = Some(error);
                        }
                        if due.elapsed() > RETRY_FOR {
                            return Err(format!(
                                "la compra {} no se confirmó en {} s",
                                purchase.compra_id,
                                RETRY_FOR.as_secs()
                            ));
                        }
                        tokio::time::sleep(RETRY_PAUSE).await;
                    }
                }
            }
        }));
    }
    let mut shots = Vec::with_capacity(handles.len());
    for handle in handles {
        shots.push(handle.await.map_err(|error| error.to_string())??);
    }
    Ok(shots)
}

/// Every PTM code a client received names its purchase's posting, of two movements, in the
/// database `pool` reaches now (the new primary after a failover).
async fn received_codes_are_stored(
    pool: &PgPool,
    ids: &[uuid::Uuid],
    shots: &[Shot],
) -> Result<()> {
    let stored = stored(pool, ids).await?;
    for (id, shot) in ids.iter().zip(shots) {
        let row = stored.get(id);
        ensure(
            row.is_some_and(|r| {
                r.status == CompraStatus::Confirmada
                    && r.reference.as_deref() == Some(shot.ptm.as_str())
                    && r.movements == 2
            }),
            || {
                format!(
                    "la compra {id} (PTM {}) no está en el libro una vez",
                    shot.ptm
                )
            },
        )?;
    }
    Ok(())
}

/// p50 and p99 of the confirmations, from when each was due to when it was confirmed.
fn latencies(shots: &[Shot]) -> (Duration, Duration) {
    let mut took: Vec<Duration> = shots.iter().map(|s| s.confirmed - s.due).collect();
    took.sort();
    (percentile(&took, 50.0), percentile(&took, 99.0))
}

async fn load(count: usize, ctx: &Arc<Ctx>) -> Result<(Vec<uuid::Uuid>, Vec<Prepared>)> {
    let prepared: Vec<Prepared> = prepare(std::slice::from_ref(ctx), count)
        .await?
        .into_iter()
        .map(|(_, purchase)| purchase)
        .collect();
    Ok((prepared.iter().map(|p| p.compra_id).collect(), prepared))
}

/// Prepares `count` purchases, starts confirming them in the background at the scenario's rate,
/// and returns after [`BEFORE_FAULT`] of that load: the fault comes next.
async fn load_before_fault(
    ha: &HaEnv,
    count: usize,
    ctx: &Arc<Ctx>,
) -> Result<(Vec<uuid::Uuid>, JoinHandle<Result<Vec<Shot>>>)> {
    let (ids, prepared) = load(count, ctx).await?;
    let (ctx, rate) = (Arc::clone(ctx), ha.rate);
    let handle = tokio::spawn(async move { steady_load(&ctx, prepared, rate).await });
    tokio::time::sleep(BEFORE_FAULT).await;
    Ok((ids, handle))
}

/// Scenario 1: one load with each kind of replication, each from its own sellers.
pub async fn sync_against_async(ha: &HaEnv, contexts: &[Arc<Ctx>; 2]) -> Result<()> {
    println!(
        "\n== 1. Replicación síncrona y asíncrona: {} confirmaciones/s durante {} s cada una",
        ha.rate, ha.seconds
    );
    let mut figures = Vec::new();
    for ((label, command), ctx) in [
        ("síncrona", &ha.replication_sync),
        ("asíncrona", &ha.replication_async),
    ]
    .into_iter()
    .zip(contexts)
    {
        shell(command).await?;
        let (_, prepared) = load(ha.purchases(), ctx).await?;
        let shots = steady_load(ctx, prepared, ha.rate).await?;
        ensure(shots.iter().all(|s| s.failures == 0), || {
            format!("confirmaciones fallidas con replicación {label}")
        })?;
        figures.push((label, latencies(&shots)));
    }
    shell(&ha.replication_sync).await?;
    for (label, (p50, p99)) in figures {
        println!("  {label}: p50 {} ms, p99 {} ms", ms(p50), ms(p99));
    }
    Ok(())
}

/// Scenario 2.
pub async fn kill_primary(ha: &HaEnv, pool: &PgPool, ctx: &Arc<Ctx>) -> Result<()> {
    println!(
        "\n== 2. kill -9 del primario bajo {} confirmaciones/s",
        ha.rate
    );
    let (ids, load) = load_before_fault(ha, ha.purchases(), ctx).await?;
    shell(&ha.kill_primary).await?;
    // The command returns once the postmaster is dead: a try started from here on needs the
    // new primary.
    let killed = Instant::now();
    let shots = load.await.map_err(|error| error.to_string())??;
    let resumed = shots
        .iter()
        .filter(|s| s.last_try > killed)
        .map(|s| s.confirmed)
        .min()
        .ok_or("ninguna confirmación después del kill")?;
    let failover = resumed - killed;
    let retried = shots.iter().filter(|s| s.failures > 0).count();
    received_codes_are_stored(pool, &ids, &shots).await?;
    let report = sealed_and_verified(pool).await?;
    let (p50, p99) = latencies(&shots);
    println!(
        "  {} confirmaciones, {retried} reintentadas tras el kill; Veta confirmó de nuevo {:.1} s después del kill",
        shots.len(),
        failover.as_secs_f64()
    );
    println!(
        "  perdidas: 0 (cada código PTM recibido está una vez en el libro del nuevo primario); verify limpio, {} movimientos sellados",
        report.sealed
    );
    println!(
        "  latencia de una confirmación con el failover incluido: p50 {} ms, p99 {} ms",
        ms(p50),
        ms(p99)
    );
    for line in shell_output(&ha.rejoined).await?.lines() {
        println!("  {line}");
    }
    Ok(())
}

/// A load of `count` confirmations with a process frozen (`freeze`, then `thaw`) for `hold` in
/// its middle: the load's purchases, what became of each, and when the freeze began and ended.
async fn frozen_under_load(
    ha: &HaEnv,
    count: usize,
    ctx: &Arc<Ctx>,
    (freeze, thaw): (&str, &str),
    hold: Duration,
) -> Result<(Vec<uuid::Uuid>, Vec<Shot>, Instant, Instant)> {
    let (ids, load) = load_before_fault(ha, count, ctx).await?;
    shell(freeze).await?;
    let frozen = Instant::now();
    tokio::time::sleep(hold).await;
    let thawed = Instant::now();
    shell(thaw).await?;
    let shots = load.await.map_err(|error| error.to_string())??;
    Ok((ids, shots, frozen, thawed))
}

/// Scenario 3.
pub async fn freeze_sync_standby(ha: &HaEnv, pool: &PgPool, ctx: &Arc<Ctx>) -> Result<()> {
    println!(
        "\n== 3. Réplica síncrona congelada (SIGSTOP) {} s bajo carga",
        SYNC_FROZEN.as_secs()
    );
    let (ids, shots, frozen, thawing) = frozen_under_load(
        ha,
        ha.purchases(),
        ctx,
        (&ha.freeze_sync, &ha.thaw_sync),
        SYNC_FROZEN,
    )
    .await?;
    let during: Vec<&Shot> = shots
        .iter()
        .filter(|s| s.confirmed > frozen + FREEZE_GRACE && s.confirmed < thawing)
        .collect();
    ensure(during.is_empty(), || {
        format!(
            "{} confirmaciones respondieron con la réplica síncrona congelada",
            during.len()
        )
    })?;
    let waited = shots
        .iter()
        .filter(|s| s.confirmed >= thawing)
        .map(|s| s.confirmed - s.due)
        .max()
        .unwrap_or_default();
    received_codes_are_stored(pool, &ids, &shots).await?;
    sealed_and_verified(pool).await?;
    println!(
        "  ninguna confirmación respondió mientras solo el primario la tenía; al descongelarla, todas terminaron (la que más esperó: {:.1} s); verify limpio",
        waited.as_secs_f64()
    );
    Ok(())
}

/// Scenario 4.
pub async fn freeze_etcd(ha: &HaEnv, pool: &PgPool, ctx: &Arc<Ctx>) -> Result<()> {
    println!(
        "\n== 4. etcd congelado {} s bajo carga",
        ETCD_FROZEN.as_secs()
    );
    let (ids, shots, _, thawed) = frozen_under_load(
        ha,
        ha.etcd_purchases(),
        ctx,
        (&ha.freeze_etcd, &ha.thaw_etcd),
        ETCD_FROZEN,
    )
    .await?;
    if let Some(error) = shots.iter().find_map(|s| s.not_503.as_ref()) {
        return Err(format!(
            "sin líder, Veta debía responder 503 y respondió: {error}"
        ));
    }
    let slowest = shots
        .iter()
        .map(|s| s.slowest_try)
        .max()
        .unwrap_or_default();
    ensure(slowest <= REQUEST_MAX, || {
        format!(
            "una confirmación esperó {:.1} s su respuesta",
            slowest.as_secs_f64()
        )
    })?;
    let refused: u32 = shots.iter().map(|s| s.failures).sum();
    ensure(refused > 0, || {
        "con etcd congelado ninguna confirmación recibió 503: el primario no perdió su líder"
            .to_owned()
    })?;
    let resumed = shots
        .iter()
        .filter(|s| s.last_try > thawed)
        .map(|s| s.confirmed)
        .min()
        .map_or(Duration::ZERO, |at| at - thawed);
    received_codes_are_stored(pool, &ids, &shots).await?;
    sealed_and_verified(pool).await?;
    println!(
        "  {refused} respuestas 503 mientras no hubo líder (ninguna 500, la más lenta en {:.1} s); confirmó de nuevo {:.1} s después de descongelar etcd; verify limpio",
        slowest.as_secs_f64(),
        resumed.as_secs_f64()
    );
    Ok(())
}

/// Scenario 5.
pub async fn restore_to_a_point(ha: &HaEnv, pool: &PgPool, ctx: &Arc<Ctx>) -> Result<()> {
    println!("\n== 5. Copia base y restauración a un punto en el tiempo");
    shell(&ha.backup).await?;
    let (ids_before, prepared) = load(ha.purchases(), ctx).await?;
    let before = steady_load(ctx, prepared, ha.rate).await?;
    // Sealed before the point, so that the restored ledger is whole at it.
    sealed_and_verified(pool).await?;
    let point: String = sqlx::query_scalar("SELECT clock_timestamp()::text")
        .fetch_one(pool)
        .await
        .map_err(|error| format!("la hora del punto: {error}"))?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (ids_after, prepared) = load(ha.purchases(), ctx).await?;
    let after = steady_load(ctx, prepared, ha.rate).await?;
    let restored_at = Instant::now();
    let printed = shell_output(&format!("{} '{point}'", ha.restore)).await?;
    let restore_took = restored_at.elapsed();
    let url = printed
        .lines()
        .find_map(|line| line.strip_prefix("DATABASE_URL="))
        .ok_or("la restauración no dio DATABASE_URL")?;
    let restored = PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .map_err(|error| format!("la base restaurada: {error}"))?;
    received_codes_are_stored(&restored, &ids_before, &before).await?;
    let later = stored(&restored, &ids_after).await?;
    ensure(later.is_empty(), || {
        format!(
            "{} compras de después del punto están en la base restaurada",
            later.len()
        )
    })?;
    let report = app::ledger::ssr::verify(&restored)
        .await
        .map_err(|error| format!("verify en la base restaurada: {error}"))?;
    ensure(report.is_clean() && report.unsealed == 0, || {
        format!("la base restaurada no está íntegra: {report:?}")
    })?;
    restored.close().await;
    shell(&ha.restore_stop).await?;
    println!(
        "  restaurada hasta {point} en {:.1} s: las {} confirmaciones de antes del punto están, ninguna de las {} de después; verify limpio ({} movimientos, todos sellados)",
        restore_took.as_secs_f64(),
        before.len(),
        after.len(),
        report.movements
    );
    Ok(())
}
