//! "Transacciones en curso" and the bell's count.

use domain::compra::SellerType;
use domain::compra_status::CompraStatus;
use sqlx::{AssertSqlSafe, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use domain::compra_history::PAGE_ROWS;

use super::{EN_CURSO, ENDED, ENDED_SHOWN_DAYS, expire_due, internal};
use crate::compras::{EnCursoList, EnCursoRow, Pages};
use crate::error::AppError;
use crate::saldos::ssr::fecha_hora;

/// "Transacciones en curso": the buyer's unfinished purchases, and those that ended without
/// confirmation in the last days, newest first, [`PAGE_ROWS`] a page (`page` from 1).
pub async fn en_curso(pool: &PgPool, buyer_id: Uuid, page: u32) -> Result<EnCursoList, AppError> {
    let page = page.max(1);
    let mut conn = pool.acquire().await?;
    expire_due(&mut conn, buyer_id).await?;
    let rows: Vec<EnCursoRecord> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT c.compra_id, c.status, c.seller_type, c.updated_at,
                coalesce(o.razon_social, nullif(trim(c.draft->'seller'->>'razon_social'), ''))
                    AS counterpart,
                count(*) OVER () AS total
         FROM compras c LEFT JOIN organizations o ON o.organization_id = c.seller_id
         WHERE c.buyer_id = $1
           AND (c.status IN {EN_CURSO}
                OR (c.status IN {ENDED} AND c.updated_at > now() - make_interval(days => $3)))
         ORDER BY c.updated_at DESC, c.compra_id LIMIT $2 OFFSET $4"
    )))
    .bind(buyer_id)
    .bind(i64::from(PAGE_ROWS))
    .bind(ENDED_SHOWN_DAYS)
    .bind(i64::from(page - 1) * i64::from(PAGE_ROWS))
    .fetch_all(&mut *conn)
    .await?;
    let total = u64::try_from(rows.first().map_or(0, |row| row.total)).unwrap_or(0);
    Ok(EnCursoList {
        rows: rows
            .into_iter()
            .map(|row| {
                Ok(EnCursoRow {
                    compra_id: row.compra_id,
                    counterpart: row
                        .counterpart
                        .unwrap_or_else(|| "(vendedor sin indicar)".to_owned()),
                    seller_type: SellerType::parse(&row.seller_type).map_err(internal)?,
                    status: CompraStatus::from_code(&row.status).map_err(internal)?,
                    updated: fecha_hora(row.updated_at),
                })
            })
            .collect::<Result<_, AppError>>()?,
        page: Pages::of(total, page),
    })
}

#[derive(sqlx::FromRow)]
struct EnCursoRecord {
    compra_id: Uuid,
    status: String,
    seller_type: String,
    updated_at: OffsetDateTime,
    counterpart: Option<String>,
    total: i64,
}

/// How many purchases are in progress (the bell).
pub async fn en_curso_count(pool: &PgPool, buyer_id: Uuid) -> Result<i64, AppError> {
    let mut conn = pool.acquire().await?;
    expire_due(&mut conn, buyer_id).await?;
    Ok(sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT count(*) FROM compras WHERE buyer_id = $1 AND status IN {EN_CURSO}"
    )))
    .bind(buyer_id)
    .fetch_one(&mut *conn)
    .await?)
}
