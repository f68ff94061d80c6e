//! A purchase's page: what it is (seller, lines, taxes and totals, PTM code), what happened to it
//! (its events) and what it moved (the movements of its posting). Scoped to the buyer.

use domain::compra_status::CompraStatus;
use domain::{Closings, MovementKind, PtmTransactionCode};
use rust_decimal::Decimal;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Stored, internal, lock, today};
use crate::compras::{CompraDetail, EventRow, PostingRow, Totals};
use crate::error::AppError;
use crate::saldos::ssr::fecha_hora;

#[derive(sqlx::FromRow)]
struct Facts {
    created_at: OffsetDateTime,
    confirmed_at: Option<OffsetDateTime>,
    seller: Option<String>,
    origin_declaration: Option<String>,
}

/// The buyer's purchase with its events and movements.
pub async fn detail(
    pool: &PgPool,
    buyer_id: Uuid,
    compra_id: Uuid,
) -> Result<CompraDetail, AppError> {
    let mut tx = pool.begin().await?;
    let stored: Stored = lock(&mut tx, compra_id, buyer_id).await?;
    let facts: Facts = sqlx::query_as(
        "SELECT c.created_at, c.confirmed_at, o.razon_social AS seller, c.origin_declaration
         FROM compras c LEFT JOIN organizations o ON o.organization_id = c.seller_id
         WHERE c.compra_id = $1",
    )
    .bind(compra_id)
    .fetch_one(&mut *tx)
    .await?;
    let events: Vec<(OffsetDateTime, String, String, String)> = sqlx::query_as(
        "SELECT at, actor, action, status FROM compra_events WHERE compra_id = $1 ORDER BY event_id",
    )
    .bind(compra_id)
    .fetch_all(&mut *tx)
    .await?;
    let movements: Vec<(String, String, String, String, Decimal, String)> = sqlx::query_as(
        "SELECT o.razon_social, m.codigo_origen::text, m.mineral, m.unit, m.delta, m.kind
         FROM compras c LEFT JOIN compra_reversals r ON r.compra_id = c.compra_id
         JOIN movements m ON m.posting_id IN (c.posting_id, r.posting_id)
         JOIN organizations o ON o.organization_id = m.organization_id
         WHERE c.compra_id = $1 ORDER BY m.sequence",
    )
    .bind(compra_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;

    let state = stored.state()?;
    let draft = stored.draft.0.clone();
    let totals = draft
        .validate(today(), &Closings::none())
        .ok()
        .map(|compra| {
            let values = compra.values();
            Totals {
                before_taxes: values.before_taxes().to_string(),
                taxes: values.taxes().to_string(),
                including_taxes: values.including_taxes().to_string(),
                payable: values.payable().to_string(),
            }
        });
    let seller = facts
        .seller
        .unwrap_or_else(|| draft.seller.razon_social.clone());
    Ok(CompraDetail {
        compra_id,
        seller_type: stored.seller_type()?,
        status: state.status(),
        channel: state.channel(),
        seller: format!(
            "{seller} ({} {})",
            draft.seller.document_type, draft.seller.document_number
        ),
        registered: fecha_hora(facts.created_at),
        confirmed: facts.confirmed_at.map(fecha_hora),
        ptm_code: stored
            .ptm_code
            .map(|code| PtmTransactionCode::from(code).to_string()),
        origin_declaration: facts.origin_declaration,
        totals,
        draft,
        events: events
            .into_iter()
            .map(|(at, actor, action, status)| {
                Ok(EventRow {
                    at: fecha_hora(at),
                    actor,
                    action,
                    status: CompraStatus::from_code(&status).map_err(internal)?,
                })
            })
            .collect::<Result<_, AppError>>()?,
        postings: movements
            .into_iter()
            .map(|(holder, codigo_origen, mineral, unit, delta, kind)| {
                Ok(PostingRow {
                    holder,
                    codigo_origen,
                    mineral,
                    unit,
                    delta: domain::number::format_es_co(delta, Some(4)),
                    kind: MovementKind::from_code(&kind)
                        .ok_or_else(|| internal("unknown movement kind"))?,
                })
            })
            .collect::<Result<_, AppError>>()?,
    })
}
