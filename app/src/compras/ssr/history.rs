//! *Historial de compras*: the buyer's purchases of every kind and state, filtered, a page at a
//! time, and as CSV. Read-only, and scoped to the buyer's organisation like every step.

use domain::Mineral;
use domain::compra::SellerType;
use domain::compra_history::{HISTORY_EXPORT_ROWS_MAX, HistoryFilter, PAGE_ROWS, csv_line};
use domain::compra_status::CompraStatus;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::internal;
use crate::compras::{HistoryList, HistoryRow, Pages};
use crate::error::AppError;
use crate::notify::BOGOTA;
use crate::saldos::ssr::fecha_hora;

/// One page of the history, newest first; `page` counts from 1.
pub async fn history(
    pool: &PgPool,
    buyer_id: Uuid,
    filter: &HistoryFilter,
    page: u32,
) -> Result<HistoryList, AppError> {
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_ROWS);
    let records = fetch(pool, buyer_id, filter, i64::from(PAGE_ROWS), offset).await?;
    let total = u64::try_from(records.first().map_or(0, |record| record.total)).unwrap_or(0);
    Ok(HistoryList {
        rows: records
            .into_iter()
            .map(HistoryRecord::into_row)
            .collect::<Result<_, _>>()?,
        page: Pages::of(total, page),
    })
}

/// The purchases the filters select, as a CSV file (UTF-8 with BOM, `;`, CRLF) that Excel opens
/// in Colombia; refused past [`HISTORY_EXPORT_ROWS_MAX`] rows.
pub async fn history_csv(
    pool: &PgPool,
    buyer_id: Uuid,
    filter: &HistoryFilter,
) -> Result<String, AppError> {
    let limit = i64::from(HISTORY_EXPORT_ROWS_MAX) + 1;
    let records = fetch(pool, buyer_id, filter, limit, 0).await?;
    if records.len() > HISTORY_EXPORT_ROWS_MAX as usize {
        return Err(AppError::Refused(format!(
            "Los filtros seleccionan más de {HISTORY_EXPORT_ROWS_MAX} compras: acote las fechas \
             para exportarlas."
        )));
    }
    let mut csv = String::from("\u{feff}");
    csv.push_str(&csv_line(&[
        "Fecha de registro",
        "Vendedor",
        "Documento del vendedor",
        "Tipo de compra",
        "Estado",
        "Minerales",
        "Código PTM",
        "Fecha de confirmación",
    ]));
    for record in records {
        let row = record.into_row()?;
        csv.push_str(&csv_line(&[
            &row.registered,
            &row.seller,
            &row.seller_document,
            row.seller_type.label(),
            row.status.label(),
            &row.minerals,
            row.ptm_code.as_deref().unwrap_or_default(),
            row.confirmed.as_deref().unwrap_or_default(),
        ]));
    }
    Ok(csv)
}

#[derive(sqlx::FromRow)]
struct HistoryRecord {
    compra_id: Uuid,
    status: String,
    seller_type: String,
    created_at: OffsetDateTime,
    confirmed_at: Option<OffsetDateTime>,
    ptm_code: Option<Uuid>,
    seller: Option<String>,
    seller_document: Option<String>,
    minerals: Vec<String>,
    total: i64,
}

impl HistoryRecord {
    /// Decoded into domain types; the minerals as the list names them when it knows them.
    fn into_row(self) -> Result<HistoryRow, AppError> {
        let mut minerals: Vec<String> = self
            .minerals
            .iter()
            .map(|typed| {
                Mineral::resolve(typed).map_or_else(|_| typed.clone(), |m| m.name().to_owned())
            })
            .collect();
        minerals.sort();
        minerals.dedup();
        Ok(HistoryRow {
            compra_id: self.compra_id,
            registered: fecha_hora(self.created_at),
            seller: self
                .seller
                .unwrap_or_else(|| "(vendedor sin indicar)".to_owned()),
            seller_document: self.seller_document.unwrap_or_default(),
            seller_type: SellerType::parse(&self.seller_type).map_err(internal)?,
            status: CompraStatus::from_code(&self.status).map_err(internal)?,
            minerals: minerals.join(", "),
            ptm_code: self
                .ptm_code
                .map(|code| domain::PtmTransactionCode::from(code).to_string()),
            confirmed: self.confirmed_at.map(fecha_hora),
        })
    }
}

/// The buyer's purchases the filters select, newest first, each with the total count.
async fn fetch(
    pool: &PgPool,
    buyer_id: Uuid,
    filter: &HistoryFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<HistoryRecord>, AppError> {
    // Days are Colombia's: from the first day's midnight to the one after the last day.
    let midnight = |fecha: domain::Fecha| fecha.date().midnight().assume_offset(BOGOTA);
    let from = filter.desde.map(midnight);
    let until = filter
        .hasta
        .map(|fecha| midnight(fecha) + Duration::days(1));
    let seller = filter.vendedor.as_deref().map(|text| {
        let escaped = text
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    Ok(sqlx::query_as(
        "WITH selected AS (
             SELECT c.compra_id, c.status, c.seller_type, c.created_at, c.confirmed_at, c.ptm_code,
                    coalesce(o.razon_social, nullif(trim(c.draft->'seller'->>'razon_social'), ''))
                        AS seller,
                    coalesce(o.document_number,
                             nullif(trim(c.draft->'seller'->>'document_number'), ''))
                        AS seller_document,
                    ARRAY(SELECT DISTINCT trim(l->>'mineral')
                          FROM jsonb_array_elements(c.draft->'lines') l
                          WHERE trim(l->>'mineral') <> '') AS minerals
             FROM compras c LEFT JOIN organizations o ON o.organization_id = c.seller_id
             WHERE c.buyer_id = $1
               AND ($2::timestamptz IS NULL OR c.created_at >= $2)
               AND ($3::timestamptz IS NULL OR c.created_at < $3)
               AND ($4::text IS NULL OR c.seller_type = $4)
               AND ($5::text IS NULL OR c.status = $5)
         )
         SELECT *, count(*) OVER () AS total FROM selected
         WHERE ($6::text IS NULL OR seller ILIKE $6 ESCAPE '\\' OR seller_document ILIKE $6 ESCAPE '\\')
           AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM unnest(minerals) m WHERE upper(m) = upper($7)))
         ORDER BY created_at DESC, compra_id
         LIMIT $8 OFFSET $9",
    )
    .bind(buyer_id)
    .bind(from)
    .bind(until)
    .bind(filter.tipo.map(SellerType::code))
    .bind(filter.estado.map(CompraStatus::code))
    .bind(seller)
    .bind(filter.mineral.map(Mineral::name))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?)
}
