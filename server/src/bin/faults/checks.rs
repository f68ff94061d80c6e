//! What the scenarios read to check their promises: the purchases as stored, the ledger, the
//! outbox and the mail received; and how they make purchases.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::ledger::VerifyReport;
use domain::CompraStatus;
use sqlx::PgPool;
use uuid::Uuid;

use crate::loadgen::Result;
use crate::loadgen::http::Http;
use crate::loadgen::mail::{Mailbox, outbox_backlog};
use crate::loadgen::purchase::{Ctx, Prepared};
use crate::loadgen::sellers::Seller;
use crate::loadgen::stats::Samples;
use crate::{DRAIN_TIMEOUT, SEAL_TIMEOUT, WORKERS, ensure};

/// The workers' shared state for one server and one range of sellers.
pub fn context(http: Http, mail: Mailbox, session: &str, sellers: Vec<Seller>) -> Arc<Ctx> {
    Arc::new(Ctx::new(http, mail, vec![session.to_owned()], sellers))
}

/// `count` purchases brought to *Pendiente por confirmar* by [`WORKERS`] workers, worker `w`
/// through `contexts[w % len]`; any failure is fatal.
pub async fn prepare(contexts: &[Arc<Ctx>], count: usize) -> Result<Vec<(usize, Prepared)>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for worker in 0..WORKERS {
        let index = worker % contexts.len();
        let ctx = Arc::clone(&contexts[index]);
        let next = Arc::clone(&next);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut prepared = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                prepared.push((index, ctx.prepare(worker, &mut samples).await?));
            }
            Ok::<_, String>(prepared)
        }));
    }
    let mut all = Vec::with_capacity(count);
    for handle in handles {
        all.extend(handle.await.map_err(|error| error.to_string())??);
    }
    Ok(all)
}

/// Waits until the outbox has delivered everything it can (nothing left but dead letters).
pub async fn drain_outbox(pool: &PgPool) -> Result<()> {
    let started = Instant::now();
    loop {
        let left = outbox_backlog(pool).await?;
        if left == 0 {
            return Ok(());
        }
        ensure(started.elapsed() < DRAIN_TIMEOUT, || {
            format!(
                "el outbox no entregó {left} mensajes en {} s",
                DRAIN_TIMEOUT.as_secs()
            )
        })?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ledger once the sealer has chained every movement: `verify` must be clean.
pub async fn sealed_and_verified(pool: &PgPool) -> Result<VerifyReport> {
    let started = Instant::now();
    loop {
        let report = app::ledger::ssr::verify(pool)
            .await
            .map_err(|error| format!("verify: {error}"))?;
        if report.unsealed == 0 || started.elapsed() > SEAL_TIMEOUT {
            ensure(report.is_clean() && report.unsealed == 0, || {
                format!("el libro no quedó sellado y limpio: {report:?}")
            })?;
            ensure(report.sealed == report.movements, || {
                format!("sellos ≠ movimientos: {report:?}")
            })?;
            return Ok(report);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The highest `outbox_id`: messages of what follows are above it.
pub async fn outbox_end(pool: &PgPool) -> Result<i64> {
    sqlx::query_scalar("SELECT coalesce(max(outbox_id), 0) FROM outbox")
        .fetch_one(pool)
        .await
        .map_err(|error| format!("outbox: {error}"))
}

/// Messages above `bound` recorded as sent: `(emails, SMS)`. Emails go to the SMTP catcher, SMS
/// to the development log.
pub async fn sent_since(pool: &PgPool, bound: i64) -> Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE channel <> $2), count(*) FILTER (WHERE channel = $2)
         FROM outbox WHERE outbox_id > $1 AND sent_at IS NOT NULL",
    )
    .bind(bound)
    .bind(app::notify::Channel::Sms.code())
    .fetch_one(pool)
    .await
    .map_err(|error| format!("outbox: {error}"))
}

pub async fn sms_logged(pool: &PgPool) -> Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM sms_dev_log")
        .fetch_one(pool)
        .await
        .map_err(|error| format!("sms_dev_log: {error}"))
}

/// A purchase as stored: its status, its posting's reference (the PTM code) and movements.
pub struct Stored {
    pub status: CompraStatus,
    pub reference: Option<String>,
    pub movements: i64,
}

pub async fn stored(pool: &PgPool, ids: &[Uuid]) -> Result<HashMap<Uuid, Stored>> {
    let rows: Vec<(Uuid, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT c.compra_id, c.status, p.reference,
                (SELECT count(*) FROM movements m WHERE m.posting_id = c.posting_id)
         FROM compras c LEFT JOIN ledger_postings p ON p.posting_id = c.posting_id
         WHERE c.compra_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(pool)
    .await
    .map_err(|error| format!("compras: {error}"))?;
    rows.into_iter()
        .map(|(id, status, reference, movements)| {
            let status = CompraStatus::from_code(&status).map_err(|error| error.to_string())?;
            Ok((
                id,
                Stored {
                    status,
                    reference,
                    movements,
                },
            ))
        })
        .collect()
}

/// Purchase postings that no purchase points to: gold moved without a confirmed purchase.
pub async fn orphan_postings(pool: &PgPool) -> Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM ledger_postings p
         WHERE p.kind = $1 AND NOT EXISTS (SELECT 1 FROM compras c WHERE c.posting_id = p.posting_id)",
    )
    .bind(app::ledger::ssr::PostingKind::Compra.code())
    .fetch_one(pool)
    .await
    .map_err(|error| format!("ledger_postings: {error}"))
}
