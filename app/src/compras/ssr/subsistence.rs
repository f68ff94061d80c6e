//! Purchases from subsistence miners: their cupos (`domain::subsistence`), summed across every
//! buyer in `subsistence_sales`, and the posting that brings their mineral onto the platform under
//! the origin code of that miner and mineral.
//!
//! Two buyers racing for the last grams of one miner's cupo are serialised by a lock on the
//! miner's row of `organizations` (`FOR NO KEY UPDATE`, taken after the purchase's own row and
//! before any balance): the second reads what the first recorded once it commits, exactly as two
//! purchases racing for one balance queue on its row.

use std::collections::BTreeMap;

use domain::codigo_origen::OriginSource;
use domain::subsistence::{
    Cupo, SoldSoFar, SubsistenceCaps, SubsistenceMineral, check_rows, cupo, purchase_rows,
};
use domain::{BalanceKey, Compra, CupoError, Fecha, PtmTransactionCode, ValidationErrors};
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::internal;
use crate::codigos_origen::ssr::NewCode;
use crate::error::AppError;
use crate::ledger::ssr::{Posting, PostingId, PostingKind, PostingLine, post};

/// The caps in force (configuration, provided by the server; Resolución 40103 de 2017 by
/// default).
pub fn caps() -> SubsistenceCaps {
    leptos::prelude::use_context::<SubsistenceCaps>().unwrap_or_default()
}

/// A cap refusal on the purchase's lines, with the figures.
fn refusal(error: &CupoError) -> AppError {
    AppError::Invalid(ValidationErrors::one("lines", "Minerales", error))
}

/// What the miner sold of `row`, across all buyers, in the month and the year of `date`, in the
/// row's unit.
async fn sold(
    conn: &mut PgConnection,
    caps: &SubsistenceCaps,
    miner_id: Uuid,
    row: SubsistenceMineral,
    date: Fecha,
) -> Result<SoldSoFar, AppError> {
    let (month, year): (Decimal, Decimal) = sqlx::query_as(
        "SELECT coalesce(sum(quantity) FILTER (
                    WHERE date_trunc('month', transaction_date) = date_trunc('month', $3::date)), 0),
                coalesce(sum(quantity), 0)
         FROM subsistence_sales
         WHERE miner_id = $1 AND row_code = $2
           AND transaction_date >= date_trunc('year', $3::date)
           AND transaction_date < date_trunc('year', $3::date) + interval '1 year'",
    )
    .bind(miner_id)
    .bind(row.code())
    .bind(date.date())
    .fetch_one(conn)
    .await?;
    Ok(SoldSoFar::new(month, year, caps.cap(row).unit))
}

/// The cupo left of each row, for the month and year of `date` (before the purchase): what the
/// buyer sees before confirming. Only the rows the purchase's lines touch, or every row when its
/// lines do not say yet.
pub(super) async fn cupos_left(
    conn: &mut PgConnection,
    miner_id: Uuid,
    lines: &[(domain::Mineral, domain::SaleQuantity)],
    date: Fecha,
) -> Result<Vec<Cupo>, AppError> {
    let caps = caps();
    let mut rows: Vec<SubsistenceMineral> = lines
        .iter()
        .filter_map(|(mineral, _)| SubsistenceMineral::for_mineral(*mineral))
        .collect();
    rows.sort();
    rows.dedup();
    if rows.is_empty() {
        rows = SubsistenceMineral::ALL.to_vec();
    }
    let mut left = Vec::with_capacity(rows.len());
    for row in rows {
        let sold = sold(conn, &caps, miner_id, row, date).await?;
        left.push(cupo(&caps, row, sold).map_err(|error| refusal(&error))?);
    }
    Ok(left)
}

/// Checks the whole purchase against the miner's cupos of its transaction's month and year;
/// answers the cupo each row keeps after it. With `lock`, first takes the miner's lock (held until
/// the caller commits): the check that counts is the one made under it, at confirmation.
pub(super) async fn check(
    conn: &mut PgConnection,
    miner_id: Uuid,
    compra: &Compra,
    lock: bool,
) -> Result<(BTreeMap<SubsistenceMineral, Decimal>, Vec<Cupo>), AppError> {
    let caps = caps();
    if lock {
        sqlx::query("SELECT 1 FROM organizations WHERE organization_id = $1 FOR NO KEY UPDATE")
            .bind(miner_id)
            .execute(&mut *conn)
            .await?;
    }
    let lines = compra
        .new_mineral()
        .map_err(|error| AppError::Refused(error.to_string()))?;
    let rows = purchase_rows(&caps, &lines).map_err(|error| refusal(&error))?;
    let mut so_far = BTreeMap::new();
    for row in rows.keys() {
        let sold = sold(conn, &caps, miner_id, *row, compra.transaction_date()).await?;
        so_far.insert(*row, sold);
    }
    let left = check_rows(&caps, &rows, |row| {
        so_far
            .get(&row)
            .copied()
            .unwrap_or_else(|| SoldSoFar::nothing(caps.cap(row).unit))
    })
    .map_err(|error| refusal(&error))?;
    Ok((rows, left))
}

/// Confirms a purchase from a miner, in the caller's transaction: the cupos checked under the
/// miner's lock, the mineral credited to the buyer under the miner's origin code of each mineral
/// (issued on the first sale, reused after) in one `COMPRA_SUBSISTENCIA` posting, and what it
/// took from each cupo recorded. Answers the posting and the cupos left.
pub(super) async fn post_purchase(
    conn: &mut PgConnection,
    compra_id: Uuid,
    (buyer_id, miner_id): (Uuid, Uuid),
    compra: &Compra,
    ptm_code: PtmTransactionCode,
) -> Result<(PostingId, Vec<Cupo>), AppError> {
    let (rows, left) = check(conn, miner_id, compra, true).await?;
    let mut lines = Vec::new();
    for (mineral, quantity) in compra.new_mineral().map_err(internal)? {
        let code = NewCode {
            holder: miner_id,
            mineral,
            source: OriginSource::MineroSubsistencia,
            initial_quantity: None,
            issued_on: compra.transaction_date(),
        }
        .reuse_or_issue(conn)
        .await?;
        lines.push(PostingLine::credit(
            buyer_id,
            BalanceKey::new(code, mineral),
            quantity,
        ));
    }
    let posting = Posting {
        kind: PostingKind::CompraSubsistencia,
        reference: ptm_code.to_string(),
        lines,
        reverses: None,
        operation_date: Some(compra.transaction_date()),
    };
    let posting_id = post(conn, &posting).await?;
    for (row, quantity) in rows {
        sqlx::query(
            "INSERT INTO subsistence_sales (compra_id, miner_id, row_code, quantity, transaction_date)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(compra_id)
        .bind(miner_id)
        .bind(row.code())
        .bind(quantity)
        .bind(compra.transaction_date().date())
        .execute(&mut *conn)
        .await?;
    }
    Ok((posting_id, left))
}
