//! *Reversión Compra*, server side: the buyer asks (lines and reason, checked by
//! `domain::compra_reversal`), the seller gets a validation code stating what comes back, and the
//! buyer's confirmation posts one `REVERSION_COMPRA` that names the purchase's posting, all in one
//! transaction. The purchase's row holds the pending code (like a purchase's own) and its status
//! follows `domain::compra_status` (*Reversión pendiente por confirmar*, *Revertida*).

use domain::compra_reversal::{REVERSIBLE_SELLERS, Reversal, ReversalDraft, ReversalWindow};
use domain::compra_status::{CodeCheck, CompraEvent, CompraStatus};
use domain::limits::{WRONG_PURCHASE_CODES_PER_BUYER_SELLER, WRONG_PURCHASE_CODES_PER_SELLER};
use domain::{
    BalanceKey, Closings, CodePurpose, Compra, Fecha, PtmTransactionCode, ValidationErrors,
    VerificationCode,
};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::confirmation::wrong_code;
use super::seller::{razon_social_of, seller_by_id};
use super::steps::seller_lines;
use super::{Stored, advance, internal, lock, next, pair_subject, today};
use crate::auth::SignedInUser;
use crate::auth::ssr::{CodeKey, code_key, secrets};
use crate::compras::reversal::{PendingReversal, ReversalDone, ReversibleLine, ReversibleRow};
use crate::error::AppError;
use crate::ledger::ssr::{LedgerError, Posting, PostingId, PostingKind, post};
use crate::limits;
use crate::notify::{self, BOGOTA, OutgoingSms};
use crate::saldos::ssr::fecha_hora;

const PURPOSE: CodePurpose = CodePurpose::Reversal;

/// The window in force (configuration, provided by the server).
fn window() -> ReversalWindow {
    leptos::prelude::use_context::<ReversalWindow>().unwrap_or_default()
}

/// A reversal code's stored form: bound to the purchase and to its reversal, so that neither a
/// purchase's code nor another purchase's reversal code is accepted for it.
fn code_hash(key: &CodeKey, compra_id: Uuid, code: &VerificationCode) -> Vec<u8> {
    secrets::keyed_code_hash(key, &format!("{compra_id}/reversion"), code.as_ref())
}

fn bogota_date(at: OffsetDateTime) -> Fecha {
    Fecha::from_date(at.to_offset(BOGOTA).date())
}

/// What a reversal needs of a confirmed purchase besides its stored row.
#[derive(sqlx::FromRow)]
struct Confirmed {
    confirmed_at: OffsetDateTime,
    posting_id: Uuid,
    ptm_code: Uuid,
}

async fn confirmed(conn: &mut PgConnection, compra_id: Uuid) -> Result<Confirmed, AppError> {
    sqlx::query_as(
        "SELECT confirmed_at, posting_id, ptm_code FROM compras
         WHERE compra_id = $1 AND posting_id IS NOT NULL",
    )
    .bind(compra_id)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::Refused("Solo se revierten compras confirmadas.".to_owned()))
}

/// The stored request, as domain reads it again.
#[derive(sqlx::FromRow)]
struct StoredRequest {
    lines: Vec<i32>,
    reason: String,
    posting_id: Option<Uuid>,
}

impl StoredRequest {
    fn draft(&self) -> ReversalDraft {
        ReversalDraft {
            lines: self
                .lines
                .iter()
                .filter_map(|&i| u32::try_from(i + 1).ok())
                .collect(),
            reason: self.reason.clone(),
        }
    }
}

async fn stored_request(
    conn: &mut PgConnection,
    compra_id: Uuid,
) -> Result<Option<StoredRequest>, sqlx::Error> {
    sqlx::query_as("SELECT lines, reason, posting_id FROM compra_reversals WHERE compra_id = $1")
        .bind(compra_id)
        .fetch_optional(conn)
        .await
}

/// The purchase as validated when it was confirmed (it still is: nothing edits a confirmed one).
fn compra_of(stored: &Stored) -> Result<Compra, AppError> {
    stored
        .draft
        .0
        .validate(today(), &Closings::none())
        .map_err(|_| internal("a confirmed purchase no longer validates"))
}

/// The reversal as domain checks it today, with what buyer and seller have closed.
async fn check(
    conn: &mut PgConnection,
    draft: &ReversalDraft,
    compra: &Compra,
    (confirmed, parties): (&Confirmed, [Uuid; 2]),
) -> Result<Reversal, AppError> {
    let closings = crate::closings::ssr::closings_of(conn, &parties).await?;
    draft
        .validate(
            compra,
            bogota_date(confirmed.confirmed_at),
            today(),
            window(),
            &closings,
        )
        .map_err(AppError::Invalid)
}

/// A refusal because the buyer no longer holds what it would return.
fn no_longer_held(key: BalanceKey) -> AppError {
    AppError::Rule(crate::error::Violation {
        code: domain::balance::INSUFFICIENT_BALANCE.to_owned(),
        message: format!(
            "Su organización ya no tiene todo el {} ({}) que compró con el código de origen {}: \
             ya vendió o transformó parte. Revierta solo las líneas que aún tiene.",
            key.mineral, key.unit, key.codigo_origen
        ),
    })
}

/// The buyer's confirmed purchases it may still reverse, and those waiting for the seller's code,
/// newest first.
pub async fn reversible(pool: &PgPool, buyer_id: Uuid) -> Result<Vec<ReversibleRow>, AppError> {
    let window = window();
    let statuses = [
        CompraStatus::Confirmada.code(),
        CompraStatus::ReversionPendientePorConfirmar.code(),
    ];
    let sellers = REVERSIBLE_SELLERS.map(|seller| seller.code());
    #[derive(sqlx::FromRow)]
    struct Row {
        compra_id: Uuid,
        status: String,
        draft: Json<domain::CompraDraft>,
        confirmed_at: OffsetDateTime,
        ptm_code: Uuid,
        seller: String,
        lines: Option<Vec<i32>>,
        reason: Option<String>,
        code_expired: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.compra_id, c.status, c.draft, c.confirmed_at, c.ptm_code,
                o.razon_social AS seller, r.lines, r.reason,
                coalesce(c.code_expires_at <= now(), true) AS code_expired
         FROM compras c
         JOIN organizations o ON o.organization_id = c.seller_id
         LEFT JOIN compra_reversals r ON r.compra_id = c.compra_id AND r.posting_id IS NULL
         WHERE c.buyer_id = $1 AND c.status = ANY($2) AND c.seller_type = ANY($3)
           AND c.confirmed_at >= now() - make_interval(days => $4 + 1)
         ORDER BY c.confirmed_at DESC
         LIMIT 200",
    )
    .bind(buyer_id)
    .bind(&statuses[..])
    .bind(&sellers[..])
    .bind(i32::try_from(window.days).unwrap_or(i32::MAX - 1))
    .fetch_all(pool)
    .await?;
    let today = today();
    let mut list = Vec::with_capacity(rows.len());
    for row in rows {
        let status = CompraStatus::from_code(&row.status).map_err(internal)?;
        let last_day = window.last_day(bogota_date(row.confirmed_at));
        let pending = status == CompraStatus::ReversionPendientePorConfirmar;
        if last_day < today && !pending {
            continue;
        }
        let draft = row.draft.0;
        let consent = draft
            .validate(today, &Closings::none())
            .map_err(|_| internal("a confirmed purchase no longer validates"))?
            .consent("");
        list.push(ReversibleRow {
            compra_id: row.compra_id,
            ptm_code: PtmTransactionCode::from(row.ptm_code).to_string(),
            seller: row.seller,
            transaction_date: draft.transaction.transaction_date.clone(),
            confirmed_at: fecha_hora(row.confirmed_at),
            last_day: last_day.to_string(),
            lines: consent
                .lines
                .iter()
                .zip(1u32..)
                .map(|(line, number)| ReversibleLine {
                    number,
                    text: line.describe(),
                })
                .collect(),
            pending: pending.then(|| PendingReversal {
                lines: row
                    .lines
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|&i| u32::try_from(i + 1).ok())
                    .collect(),
                reason: row.reason.unwrap_or_default(),
                code_expired: row.code_expired,
            }),
        });
    }
    Ok(list)
}

/// "Solicitar reversión": checks the request, that the buyer still holds what it returns, and
/// sends the seller a code stating it. Asked again while pending, it replaces the request and
/// sends a new code (within the code's resend bounds).
pub async fn request(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Uuid,
    draft: ReversalDraft,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    let state = stored.state()?;
    let pending = state.status() == CompraStatus::ReversionPendientePorConfirmar;
    if !pending {
        next(&state, CompraEvent::BuyerRequestedReversal)?;
    }
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let confirmed = confirmed(&mut tx, compra_id).await?;
    let compra = compra_of(&stored)?;
    let reversal = check(
        &mut tx,
        &draft,
        &compra,
        (&confirmed, [buyer_id, seller_id]),
    )
    .await?;
    let pair = pair_subject(buyer_id, seller_id);
    limits::check_all(
        &mut tx,
        &[
            (&WRONG_PURCHASE_CODES_PER_BUYER_SELLER, &pair),
            (&WRONG_PURCHASE_CODES_PER_SELLER, &seller_id.to_string()),
        ],
    )
    .await?;
    if pending {
        PURPOSE
            .check_resend(stored.issued().as_ref())
            .map_err(AppError::from)?;
    }
    let transfers = reversal
        .transfers(&compra)
        .map_err(|error| AppError::Refused(error.to_string()))?;
    check_held(&mut tx, buyer_id, &transfers).await?;

    let lines: Vec<i32> = reversal
        .lines()
        .iter()
        .filter_map(|&i| i32::try_from(i).ok())
        .collect();
    sqlx::query(
        "INSERT INTO compra_reversals (compra_id, lines, reason, requested_by)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (compra_id) DO UPDATE
         SET lines = $2, reason = $3, requested_by = $4, requested_at = now()",
    )
    .bind(compra_id)
    .bind(&lines)
    .bind(reversal.reason())
    .bind(user.user_id)
    .execute(&mut *tx)
    .await?;
    let actor = user.full_name.as_str();
    let state = if pending {
        super::record(
            &mut tx,
            compra_id,
            actor,
            "reenviar el código de la reversión",
            state.status(),
        )
        .await?;
        state
    } else {
        advance(
            &mut tx,
            compra_id,
            &state,
            CompraEvent::BuyerRequestedReversal,
            actor,
        )
        .await?
    };
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let ptm_code = PtmTransactionCode::from(confirmed.ptm_code);
    let consent = reversal.consent(&compra, &buyer_name, ptm_code);
    let code = VerificationCode::from_random(secrets::random_u64());
    // A request after a confirmed purchase starts the reversal's own count of codes.
    sqlx::query(
        "UPDATE compras SET status = $2, code_hash = $3, code_consent_digest = $4,
                code_failed_attempts = 0,
                code_sends = CASE WHEN $6 THEN code_sends + 1 ELSE 1 END, code_sent_at = now(),
                code_expires_at = now() + make_interval(mins => $5), updated_at = now()
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(state.status().code())
    .bind(code_hash(&code_key()?, compra_id, &code))
    .bind(consent.digest(buyer_id, seller_id).as_bytes().to_vec())
    .bind(PURPOSE.policy().validity_minutes)
    .bind(pending)
    .execute(&mut *tx)
    .await?;

    let seller = seller_by_id(&mut tx, seller_id).await?;
    let code = code.as_ref();
    let validity_minutes = PURPOSE.policy().validity_minutes;
    let secrets = notify::Secrets {
        values: vec![code],
        valid_minutes: validity_minutes,
    };
    let mut paragraphs = consent.email_paragraphs();
    paragraphs.extend([
        format!(
            "Si usted acordó esta reversión, entréguele al comprador este código de validación: \
             {code}"
        ),
        format!(
            "El código vence en {validity_minutes} minutos y aprueba solo esta reversión. Si no la \
             reconoce, no lo entregue: la compra seguirá confirmada."
        ),
    ]);
    if let Some(to) = seller.contact_email.as_deref() {
        notify::enqueue_notice(
            &mut tx,
            &notify::Notice {
                to,
                name: &seller.razon_social,
                recipient_lines: &[&seller_lines(&seller)],
                subject: format!("Código de validación de la reversión de {buyer_name}"),
                paragraphs: &paragraphs,
                action: None,
            },
            Some(&secrets),
        )
        .await?;
    }
    notify::enqueue_secret_sms(
        &mut tx,
        &OutgoingSms {
            to: seller.contact_mobile.clone(),
            text: consent.sms(code, validity_minutes),
        },
        Some(&secrets),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%compra_id, "reversión solicitada");
    Ok(())
}

/// Refuses, before any code is sent, a reversal of more than the buyer now holds (the posting
/// checks again, under the balances' locks).
async fn check_held(
    conn: &mut PgConnection,
    buyer_id: Uuid,
    transfers: &[(BalanceKey, domain::SaleQuantity)],
) -> Result<(), AppError> {
    for (key, quantity) in transfers {
        let held: Option<Decimal> = sqlx::query_scalar(
            "SELECT quantity FROM balances
             WHERE organization_id = $1 AND codigo_origen = $2 AND mineral = $3 AND unit = $4",
        )
        .bind(buyer_id)
        .bind(key.codigo_origen.to_string())
        .bind(key.mineral.name())
        .bind(key.unit.code())
        .fetch_optional(&mut *conn)
        .await?;
        if held.unwrap_or_default() < quantity.value() {
            return Err(no_longer_held(*key));
        }
    }
    Ok(())
}

/// "Confirmar reversión": checks the seller's code (the purchase's guessing limits apply), that
/// the request is still what the code approved and still allowed, and posts the compensating
/// `REVERSION_COMPRA`; both parties get their balances. A confirmed reversal asked again answers
/// the same.
pub async fn confirm(
    pool: &PgPool,
    (buyer_id, actor): (Uuid, &str),
    compra_id: Uuid,
    typed_code: &str,
) -> Result<ReversalDone, AppError> {
    let code = VerificationCode::parse(typed_code).map_err(|violation| {
        AppError::Invalid(ValidationErrors::one(
            "code",
            "Código de validación de la reversión",
            &violation,
        ))
    })?;
    let key = code_key()?;
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    let confirmed = confirmed(&mut tx, compra_id).await?;
    let ptm_code = PtmTransactionCode::from(confirmed.ptm_code);
    let request = stored_request(&mut tx, compra_id).await?;
    if request.as_ref().is_some_and(|r| r.posting_id.is_some()) {
        return Ok(ReversalDone {
            ptm_code: ptm_code.to_string(),
        });
    }
    let state = stored.state()?;
    let matches = CompraEvent::ReversalConfirmed {
        code: CodeCheck::Matches,
    };
    next(&state, matches)?;
    let request = request.ok_or_else(|| internal("pending reversal without its request"))?;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let pair = pair_subject(buyer_id, seller_id);
    let seller_subject = seller_id.to_string();
    limits::check_all(
        &mut tx,
        &[
            (&WRONG_PURCHASE_CODES_PER_BUYER_SELLER, &pair),
            (&WRONG_PURCHASE_CODES_PER_SELLER, &seller_subject),
        ],
    )
    .await?;
    let issued = stored
        .issued()
        .ok_or_else(|| internal("pending reversal without a code"))?;
    PURPOSE.check_usable(&issued).map_err(AppError::from)?;
    if stored.code_hash.as_deref() != Some(code_hash(&key, compra_id, &code).as_slice()) {
        return wrong_code(tx, PURPOSE, &stored, (&pair, &seller_subject)).await;
    }
    let compra = compra_of(&stored)?;
    let reversal = check(
        &mut tx,
        &request.draft(),
        &compra,
        (&confirmed, [buyer_id, seller_id]),
    )
    .await?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let digest = reversal
        .consent(&compra, &buyer_name, ptm_code)
        .digest(buyer_id, seller_id);
    if stored.code_consent_digest.as_deref() != Some(digest.as_bytes().as_slice()) {
        // The buyer's name changed in the registry since: the code no longer states the truth.
        sqlx::query(
            "UPDATE compras SET code_hash = NULL, code_consent_digest = NULL WHERE compra_id = $1",
        )
        .bind(compra_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Err(AppError::Refused(
            "La reversión cambió después de enviarle el código al vendedor: ese código ya no \
             sirve. Solicite la reversión de nuevo."
                .to_owned(),
        ));
    }
    let state = advance(&mut tx, compra_id, &state, matches, actor).await?;
    let transfers = reversal
        .transfers(&compra)
        .map_err(|error| AppError::Refused(error.to_string()))?;
    let posting = Posting {
        reverses: Some(PostingId(confirmed.posting_id)),
        ..Posting::transfer(
            PostingKind::ReversionCompra,
            ptm_code.to_string(),
            (buyer_id, seller_id),
            &transfers,
        )
    };
    let posting_id = post(&mut tx, &posting).await.map_err(|error| match error {
        LedgerError::ExceedsAvailable {
            codigo_origen,
            mineral,
            unit,
            ..
        } => no_longer_held(BalanceKey {
            codigo_origen,
            mineral,
            unit,
        }),
        other => other.into(),
    })?;
    settle(&mut tx, compra_id, state.status()).await?;
    sqlx::query(
        "UPDATE compra_reversals SET posting_id = $2, confirmed_at = now() WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(posting_id.0)
    .execute(&mut *tx)
    .await?;
    let lead = format!(
        "La compra {ptm_code} fue revertida{}: el mineral volvió al vendedor. Sus saldos cambiaron.",
        if reversal.is_whole(&compra) {
            ""
        } else {
            " en parte"
        }
    );
    notify::enqueue_balances(&mut tx, &[buyer_id, seller_id], &lead).await?;
    tx.commit().await?;
    tracing::info!(%compra_id, %ptm_code, "compra revertida");
    Ok(ReversalDone {
        ptm_code: ptm_code.to_string(),
    })
}

/// The reversal ended (confirmed or withdrawn): the purchase's new status, and the code sent for
/// it stops working.
async fn settle(
    conn: &mut PgConnection,
    compra_id: Uuid,
    status: CompraStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE compras SET status = $2, code_hash = NULL, code_consent_digest = NULL,
                updated_at = now()
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(status.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// "Retirar solicitud": the purchase stays confirmed and the code sent stops working.
pub async fn withdraw(
    pool: &PgPool,
    (buyer_id, actor): (Uuid, &str),
    compra_id: Uuid,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    let state = advance(
        &mut tx,
        compra_id,
        &stored.state()?,
        CompraEvent::ReversalWithdrawn,
        actor,
    )
    .await?;
    settle(&mut tx, compra_id, state.status()).await?;
    sqlx::query("DELETE FROM compra_reversals WHERE compra_id = $1 AND posting_id IS NULL")
        .bind(compra_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
