//! *Registro de compra de minerales sin identificación de origen*: registered and posted in one
//! step (the seller need not be on the platform, so no code goes to it), within the buyer's
//! monthly limit, into the buyer's balance apart (`OriginSource::SinOrigen`, one code per
//! mineral). The buyer's row of `organizations` is locked first, so two registrations of one
//! buyer count the month one after the other.

use domain::codigo_origen::OriginSource;
use domain::compra::SellerType;
use domain::compra_status::{Channel, CompraStatus};
use domain::sin_origen::{SinOrigenLimit, check_declaration, check_month, grams};
use domain::{BalanceKey, Closings, CompraDraft, PtmTransactionCode, ValidationErrors};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::today;
use crate::codigos_origen::ssr::NewCode;
use crate::compras::{Confirmacion, SinOrigenRow};
use crate::error::AppError;
use crate::ledger::ssr::{Posting, PostingKind, PostingLine, post};
use crate::notify;
use crate::saldos::ssr::fecha_hora;

/// The limit in force (`VETA_SIN_ORIGEN_LIMITE_G_MES`, provided by the server).
fn limit() -> SinOrigenLimit {
    leptos::prelude::use_context::<SinOrigenLimit>().unwrap_or_default()
}

/// The first day of the month of a date.
fn month_of(date: time::Date) -> time::Date {
    date.replace_day(1).unwrap_or(date)
}

/// "Registrar compra": validates, checks the month's limit, posts `COMPRA_SIN_ORIGEN` and stores
/// the purchase as confirmed, with its PTM code, in one transaction. `compra_id` comes from the
/// browser's form: the same registration sent again answers the same code (a retry registers
/// nothing twice).
pub async fn register(
    pool: &PgPool,
    (user_id, buyer_id, actor): (Uuid, Uuid, &str),
    compra_id: Uuid,
    mut draft: CompraDraft,
    declaration: &str,
) -> Result<Confirmacion, AppError> {
    draft.seller_type = SellerType::SinIdentificacionOrigen.code().to_owned();
    let compra = draft.validate(today(), &Closings::none());
    let declaration = check_declaration(declaration);
    let (compra, declaration) = match (compra, declaration) {
        (Ok(compra), Ok(declaration)) => (compra, declaration),
        (compra, declaration) => {
            let mut errors = compra.err().unwrap_or_default();
            if let Err(error) = declaration {
                errors.push("declaration", "Declaración de procedencia", &error);
            }
            return Err(AppError::Invalid(errors));
        }
    };
    let lines = compra
        .new_mineral()
        .map_err(|error| AppError::Refused(error.to_string()))?;
    let refusal = |error: &dyn domain::ErrorCode| {
        AppError::Invalid(ValidationErrors::one("lines", "Minerales", error))
    };
    let requested = grams(&lines).map_err(|error| refusal(&error))?;

    let mut tx = pool.begin().await?;
    sqlx::query("SELECT 1 FROM organizations WHERE organization_id = $1 FOR NO KEY UPDATE")
        .bind(buyer_id)
        .execute(&mut *tx)
        .await?;
    if let Some(done) = already_registered(&mut tx, compra_id, buyer_id).await? {
        return Ok(done);
    }
    let month = month_of(compra.transaction_date().date());
    let bought: Decimal = sqlx::query_scalar(
        "SELECT coalesce(sum(sin_origen_grams), 0) FROM compras
         WHERE buyer_id = $1 AND sin_origen_month = $2 AND status = $3",
    )
    .bind(buyer_id)
    .bind(month)
    .bind(CompraStatus::Confirmada.code())
    .fetch_one(&mut *tx)
    .await?;
    check_month(&limit(), bought, &lines).map_err(|error| refusal(&error))?;

    let ptm_code = PtmTransactionCode::from_random_bytes(super::confirmation::random_bytes());
    let mut posting_lines = Vec::with_capacity(lines.len());
    for (mineral, quantity) in &lines {
        let code = NewCode {
            holder: buyer_id,
            mineral: *mineral,
            source: OriginSource::SinOrigen,
            initial_quantity: None,
            issued_on: compra.transaction_date(),
        }
        .reuse_or_issue(&mut tx)
        .await?;
        posting_lines.push(PostingLine::credit(
            buyer_id,
            BalanceKey::new(code, *mineral),
            *quantity,
        ));
    }
    let posting_id = post(
        &mut tx,
        &Posting {
            kind: PostingKind::CompraSinOrigen,
            reference: ptm_code.to_string(),
            lines: posting_lines,
            reverses: None,
            operation_date: Some(compra.transaction_date()),
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO compras (compra_id, buyer_id, created_by, seller_type, status, channel, draft,
                              expires_at, ptm_code, posting_id, confirmed_at, origin_declaration,
                              sin_origen_grams, sin_origen_month)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, now(), $10, $11, $12)",
    )
    .bind(compra_id)
    .bind(buyer_id)
    .bind(user_id)
    .bind(SellerType::SinIdentificacionOrigen.code())
    .bind(CompraStatus::Confirmada.code())
    .bind(Channel::Comprador.code())
    .bind(Json(&draft))
    .bind(ptm_code.as_uuid())
    .bind(posting_id.0)
    .bind(&declaration)
    .bind(requested)
    .bind(month)
    .execute(&mut *tx)
    .await?;
    super::record(
        &mut tx,
        compra_id,
        actor,
        "registrar la compra sin identificación de origen",
        CompraStatus::Confirmada,
    )
    .await?;
    let lead = format!(
        "La compra sin identificación de origen {ptm_code} quedó registrada: su mineral está en \
         un saldo aparte, marcado «sin origen identificado»."
    );
    notify::enqueue_balances(&mut tx, &[buyer_id], &lead).await?;
    tx.commit().await?;
    tracing::info!(%compra_id, %ptm_code, "compra sin identificación de origen registrada");
    Ok(Confirmacion {
        ptm_code: ptm_code.to_string(),
    })
}

/// The answer to a registration sent again: its PTM code; another organisation's id is refused.
async fn already_registered(
    conn: &mut PgConnection,
    compra_id: Uuid,
    buyer_id: Uuid,
) -> Result<Option<Confirmacion>, AppError> {
    let found: Option<(Uuid, Option<Uuid>)> =
        sqlx::query_as("SELECT buyer_id, ptm_code FROM compras WHERE compra_id = $1")
            .bind(compra_id)
            .fetch_optional(conn)
            .await?;
    match found {
        None => Ok(None),
        Some((owner, Some(ptm_code))) if owner == buyer_id => Ok(Some(Confirmacion {
            ptm_code: PtmTransactionCode::from(ptm_code).to_string(),
        })),
        Some(_) => Err(AppError::Refused(
            "Ese identificador de formulario ya se usó: recargue la página.".to_owned(),
        )),
    }
}

#[derive(sqlx::FromRow)]
struct Listed {
    confirmed_at: OffsetDateTime,
    buyer: String,
    draft: Json<CompraDraft>,
    origin_declaration: String,
    sin_origen_grams: Decimal,
    ptm_code: Uuid,
}

/// Most purchases the auditor's list shows (newest first).
const AUDIT_ROWS_MAX: i64 = 500;

/// Every purchase without identified origin, of every organisation, newest first: the *Auditor
/// ANM*'s and the *Administrador OTTM*'s list.
pub async fn audit_list(pool: &PgPool) -> Result<Vec<SinOrigenRow>, AppError> {
    let rows: Vec<Listed> = sqlx::query_as(
        "SELECT c.confirmed_at, o.razon_social AS buyer, c.draft, c.origin_declaration,
                c.sin_origen_grams, c.ptm_code
         FROM compras c JOIN organizations o ON o.organization_id = c.buyer_id
         WHERE c.sin_origen_month IS NOT NULL AND c.ptm_code IS NOT NULL
         ORDER BY c.confirmed_at DESC LIMIT $1",
    )
    .bind(AUDIT_ROWS_MAX)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let draft = row.draft.0;
            SinOrigenRow {
                registered: fecha_hora(row.confirmed_at),
                buyer: row.buyer,
                seller: format!(
                    "{} ({} {})",
                    draft.seller.razon_social,
                    draft.seller.document_type,
                    draft.seller.document_number
                ),
                lines: draft
                    .lines
                    .iter()
                    .map(|line| format!("{} {} {}", line.mineral, line.quantity, line.unit))
                    .collect(),
                grams: domain::number::format_es_co(row.sin_origen_grams, None),
                declaration: row.origin_declaration,
                sha256: draft.transaction.sha256,
                ptm_code: PtmTransactionCode::from(row.ptm_code).to_string(),
            }
        })
        .collect())
}
