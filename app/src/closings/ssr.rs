//! Server side of *Cierres*: closing a month (under the organisation's closings lock, so no
//! posting of it is in flight), the report from the movements by their operation date, the digest
//! chained to the ledger's last seal, and the reads: an organisation's closings, a month's report,
//! every organisation's closed months for the *Auditor ANM*.

use domain::closing::{
    ClosingError, ClosingReport, Month, Movement, check_closable, closing_report, snapshot_digest,
    verify_snapshot,
};
use domain::{BalanceKey, CodigoOrigen, Fecha, Mineral, Sha256Hex, Unit, genesis_hash};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuditRow, ClosedMonth, ClosingsView};
use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::ledger::ssr::{lock_closings, today};
use crate::saldos::ssr::fecha_hora;

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "cierre almacenado inconsistente");
    AppError::Internal
}

#[derive(sqlx::FromRow)]
struct Stored {
    month: time::Date,
    closed_at: OffsetDateTime,
    chain_position: i64,
    chain_head: Vec<u8>,
    digest: Vec<u8>,
    report: Json<ClosingReport>,
}

impl Stored {
    fn month(&self) -> Month {
        Month::of(Fecha::from_date(self.month))
    }

    fn sha(bytes: &[u8]) -> Result<Sha256Hex, AppError> {
        <[u8; 32]>::try_from(bytes)
            .map(Sha256Hex::from_digest)
            .map_err(|_| internal("a stored hash is not 32 bytes"))
    }

    /// The row as listed, with whether its digest still matches its report and chain head.
    fn listed(&self, organization_id: Uuid) -> Result<ClosedMonth, AppError> {
        let digest = Self::sha(&self.digest)?;
        let intact = verify_snapshot(
            organization_id,
            self.month(),
            &self.report.0.rows,
            &Self::sha(&self.chain_head)?,
            u64::try_from(self.chain_position).unwrap_or_default(),
            &digest,
        )
        .is_ok();
        Ok(ClosedMonth {
            month: self.month().to_string(),
            label: self.month().label(),
            closed_at: fecha_hora(self.closed_at),
            digest: digest.to_string(),
            chain_position: self.chain_position,
            intact,
        })
    }
}

const STORED: &str = "SELECT month, closed_at, chain_position, chain_head, digest, report FROM organization_closings";

async fn last_closed(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<Option<Month>, sqlx::Error> {
    let month: Option<time::Date> = sqlx::query_scalar(
        "SELECT max(month) FROM organization_closings WHERE organization_id = $1",
    )
    .bind(organization_id)
    .fetch_one(conn)
    .await?;
    Ok(month.map(|m| Month::of(Fecha::from_date(m))))
}

/// What `organizations` have closed, as the date rules read it: closed through the latest last
/// day of any of them (an operation touching several is refused if any closed its month).
pub async fn closings_of(
    conn: &mut PgConnection,
    organizations: &[Uuid],
) -> Result<domain::Closings, sqlx::Error> {
    let month: Option<time::Date> = sqlx::query_scalar(
        "SELECT max(month) FROM organization_closings WHERE organization_id = ANY($1)",
    )
    .bind(organizations)
    .fetch_one(conn)
    .await?;
    Ok(domain::closing::closings(
        month.map(|m| Month::of(Fecha::from_date(m))),
    ))
}

/// The organisation's closings, newest first, and the month it may close next (the one after the
/// last closed; with none closed, last month).
pub async fn view(pool: &PgPool, organization_id: Uuid) -> Result<ClosingsView, AppError> {
    let mut conn = pool.acquire().await?;
    let stored: Vec<Stored> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STORED} WHERE organization_id = $1 ORDER BY month DESC"
    )))
    .bind(organization_id)
    .fetch_all(&mut *conn)
    .await?;
    let last = stored.first().map(Stored::month);
    let today = today();
    let candidate = match last {
        Some(last) => last.next(),
        // None closed yet: last month.
        None => today
            .date()
            .replace_day(1)
            .ok()
            .and_then(|first| first.previous_day())
            .map(|day| Month::of(Fecha::from_date(day))),
    };
    let next = candidate.filter(|month| check_closable(*month, last, today).is_ok());
    Ok(ClosingsView {
        closed: stored
            .iter()
            .map(|s| s.listed(organization_id))
            .collect::<Result<_, _>>()?,
        next: next.map(|m| (m.to_string(), m.label())),
    })
}

/// "Cerrar mes": in order, once the month ended; a month already closed answers its closing.
pub async fn close(
    pool: &PgPool,
    user: &SignedInUser,
    organization_id: Uuid,
    month: Month,
) -> Result<ClosedMonth, AppError> {
    let mut tx = pool.begin().await?;
    lock_closings(&mut tx, organization_id).await?;
    let last = last_closed(&mut tx, organization_id).await?;
    match check_closable(month, last, today()) {
        Ok(()) => {}
        Err(rule @ ClosingError::AlreadyClosed { .. }) => {
            // The same closing asked again answers it; a month before the first closing was
            // never closed and never will be.
            return match stored(&mut tx, organization_id, month).await {
                Ok(stored) => stored.listed(organization_id),
                Err(AppError::NotFound) => Err(AppError::rule(&rule)),
                Err(other) => Err(other),
            };
        }
        Err(rule) => return Err(AppError::rule(&rule)),
    }
    let report = report_from_ledger(&mut tx, organization_id, month).await?;
    // The chain as far as it is sealed now: the closing is bound to that link.
    let head: Option<(i64, Vec<u8>)> = sqlx::query_as(
        "SELECT chain_position, entry_hash FROM movement_seals ORDER BY chain_position DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (position, head) = match head {
        Some((position, hash)) => (position, Stored::sha(&hash)?),
        None => (0, genesis_hash(Uuid::nil())),
    };
    let digest = snapshot_digest(
        organization_id,
        month,
        &report.rows,
        &head,
        u64::try_from(position).unwrap_or_default(),
    );
    sqlx::query(
        "INSERT INTO organization_closings
             (organization_id, month, closed_by, chain_position, chain_head, digest, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(organization_id)
    .bind(month.first_day().date())
    .bind(user.user_id)
    .bind(position)
    .bind(head.as_bytes().to_vec())
    .bind(digest.as_bytes().to_vec())
    .bind(Json(&report))
    .execute(&mut *tx)
    .await?;
    let stored = stored(&mut tx, organization_id, month).await?;
    tx.commit().await?;
    tracing::info!(%organization_id, %month, "mes cerrado");
    stored.listed(organization_id)
}

async fn stored(
    conn: &mut PgConnection,
    organization_id: Uuid,
    month: Month,
) -> Result<Stored, AppError> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{STORED} WHERE organization_id = $1 AND month = $2"
    )))
    .bind(organization_id)
    .bind(month.first_day().date())
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// The month's report as the ledger gives it now: every movement of the organisation dated up to
/// the month's end, by its posting's operation date.
async fn report_from_ledger(
    conn: &mut PgConnection,
    organization_id: Uuid,
    month: Month,
) -> Result<ClosingReport, AppError> {
    let rows: Vec<(String, String, String, Decimal, time::Date)> = sqlx::query_as(
        "SELECT m.codigo_origen::text, m.mineral, m.unit, m.delta, p.operation_date
         FROM movements m JOIN ledger_postings p ON p.posting_id = m.posting_id
         WHERE m.organization_id = $1 AND p.operation_date <= $2
         ORDER BY m.sequence",
    )
    .bind(organization_id)
    .bind(month.last_day().date())
    .fetch_all(&mut *conn)
    .await?;
    let mut movements = Vec::with_capacity(rows.len());
    for (code, mineral, unit, delta, date) in rows {
        movements.push(Movement {
            key: BalanceKey {
                codigo_origen: CodigoOrigen::parse(&code).map_err(internal)?,
                mineral: Mineral::resolve(&mineral).map_err(internal)?,
                unit: Unit::parse(&unit).map_err(internal)?,
            },
            delta,
            date: Fecha::from_date(date),
        });
    }
    // Dated operations can make a balance negative by date (a sale dated before its stock came in):
    // the organisation is told which balance, instead of a report that hides it.
    closing_report(month, &movements).map_err(|error| AppError::rule(&error))
}

/// A month's report: frozen if the month is closed, else as the ledger gives it now.
pub async fn report(
    pool: &PgPool,
    organization_id: Uuid,
    month: Month,
) -> Result<(ClosingReport, bool), AppError> {
    let mut conn = pool.acquire().await?;
    match stored(&mut conn, organization_id, month).await {
        Ok(stored) => Ok((stored.report.0, true)),
        Err(AppError::NotFound) => Ok((
            report_from_ledger(&mut conn, organization_id, month).await?,
            false,
        )),
        Err(other) => Err(other),
    }
}

/// Every organisation that has closed a month, with its last closed month and how many it closed.
pub async fn audit(pool: &PgPool) -> Result<Vec<AuditRow>, AppError> {
    let rows: Vec<(String, String, time::Date, i64, OffsetDateTime)> = sqlx::query_as(
        "SELECT o.razon_social, o.document_number, max(c.month), count(*), max(c.closed_at)
         FROM organization_closings c JOIN organizations o ON o.organization_id = c.organization_id
         GROUP BY o.organization_id, o.razon_social, o.document_number
         ORDER BY o.razon_social",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(organization, document, last, count, at)| AuditRow {
            organization,
            document,
            closed_through: Month::of(Fecha::from_date(last)).label(),
            months: count,
            last_closed_at: fecha_hora(at),
        })
        .collect())
}
