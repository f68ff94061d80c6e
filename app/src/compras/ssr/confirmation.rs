//! The validation code and the confirmation: the code goes to the seller, the buyer types it, and
//! the purchase is posted in the ledger with its PTM code in one transaction.

use domain::compra_status::{CodeCheck, CompraEvent, CompraStatus};
use domain::{Closings, PtmTransactionCode, ValidationErrors, VerificationCode};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::seller::RegistrySeller;
use super::steps::seller_lines;
use super::{CODE_ATTEMPTS_MAX, CODE_VALIDITY_MIN, internal, lock, next, today};
use crate::auth::ssr::secrets;
use crate::compras::Confirmacion;
use crate::error::AppError;
use crate::ledger::ssr::{Posting, PostingKind, PostingLine, post};
use crate::notify::{self, OutgoingEmail, OutgoingSms};
use crate::saldos::ssr::balances_message;

/// A validation code's stored form: bound to its purchase.
pub(super) fn code_hash(compra_id: Uuid, code: &VerificationCode) -> Vec<u8> {
    secrets::code_hash(&compra_id.to_string(), code.as_ref())
}

pub(super) async fn send_code(
    conn: &mut PgConnection,
    compra_id: Uuid,
    seller: &RegistrySeller,
    buyer_name: &str,
    code: &VerificationCode,
) -> Result<(), AppError> {
    let code = code.as_ref();
    let paragraphs = [
        format!(
            "{buyer_name} registra una compra de minerales a su organización. Si usted acordó esta \
             venta, entréguele este código de validación de la transacción: {code}"
        ),
        format!(
            "El código vence en {CODE_VALIDITY_MIN} minutos. Si no reconoce esta compra, no \
             entregue el código."
        ),
        format!("Referencia de la transacción: {compra_id}"),
    ];
    let (text, html) = notify::notification(
        &seller.razon_social,
        &[&seller_lines(seller)],
        &paragraphs,
        None,
        OffsetDateTime::now_utc(),
    );
    notify::enqueue_email(
        conn,
        &OutgoingEmail {
            to: seller.contact_email.clone(),
            to_name: Some(seller.razon_social.clone()),
            subject: format!("Código de validación de la compra de {buyer_name}"),
            text,
            html,
            attachment: None,
        },
    )
    .await?;
    notify::enqueue_sms(
        conn,
        &OutgoingSms {
            to: seller.contact_mobile.clone(),
            text: format!(
                "Veta: {buyer_name} le compra minerales. Código de validación de la transacción: \
                 {code}. Vence en {CODE_VALIDITY_MIN} min."
            ),
        },
    )
    .await?;
    Ok(())
}

/// "Confirmar transacción": checks the validation code (at most [`CODE_ATTEMPTS_MAX`] wrong
/// tries per code), posts the purchase in the ledger and gives it its PTM code, all in one
/// transaction; then both parties get their balances email. Confirming a confirmed purchase
/// again answers the same code (a retried request changes nothing).
pub async fn confirm(
    pool: &PgPool,
    buyer_id: Uuid,
    compra_id: Uuid,
    typed_code: &str,
) -> Result<Confirmacion, AppError> {
    let code = VerificationCode::parse(typed_code).map_err(|violation| {
        AppError::Invalid(ValidationErrors::one(
            "code",
            "Código de validación de la transacción",
            &violation,
        ))
    })?;
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    if let Some(ptm_code) = stored.ptm_code {
        return Ok(Confirmacion {
            ptm_code: PtmTransactionCode::from(ptm_code).to_string(),
        });
    }
    let state = stored.state()?;
    if state.status() != CompraStatus::PendientePorConfirmar {
        next(
            &state,
            CompraEvent::BuyerConfirmed {
                code: CodeCheck::Matches,
            },
        )?;
    }
    if stored.code_failed_attempts >= CODE_ATTEMPTS_MAX {
        return Err(AppError::Throttled(format!(
            "Superó los {CODE_ATTEMPTS_MAX} intentos con este código. Envíe la transacción de \
             nuevo para que el vendedor reciba otro código."
        )));
    }
    if stored.code_expired {
        return Err(AppError::Refused(format!(
            "El código venció ({CODE_VALIDITY_MIN} minutos). Envíe la transacción de nuevo para \
             que el vendedor reciba otro código."
        )));
    }
    if stored.code_hash.as_deref() != Some(code_hash(compra_id, &code).as_slice()) {
        let attempts = stored.code_failed_attempts + 1;
        sqlx::query("UPDATE compras SET code_failed_attempts = $2 WHERE compra_id = $1")
            .bind(compra_id)
            .bind(attempts)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let left = CODE_ATTEMPTS_MAX - attempts;
        return Err(AppError::Refused(if left == 0 {
            format!(
                "Código de validación incorrecto. Superó los {CODE_ATTEMPTS_MAX} intentos: envíe \
                 la transacción de nuevo para que el vendedor reciba otro código."
            )
        } else {
            format!("Código de validación incorrecto. Le quedan {left} intento(s).")
        }));
    }
    let state = next(
        &state,
        CompraEvent::BuyerConfirmed {
            code: CodeCheck::Matches,
        },
    )?;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let compra = stored
        .draft
        .0
        .validate(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    let transfers = compra
        .transfers()
        .map_err(|error| AppError::Refused(error.to_string()))?;
    let ptm_code = PtmTransactionCode::from_random_bytes(random_bytes());
    let posting = Posting {
        kind: PostingKind::Compra,
        reference: ptm_code.to_string(),
        lines: transfers
            .iter()
            .flat_map(|(key, quantity)| {
                [
                    PostingLine::debit(seller_id, *key, *quantity),
                    PostingLine::credit(buyer_id, *key, *quantity),
                ]
            })
            .collect(),
    };
    let posting_id = post(&mut tx, &posting).await?;
    sqlx::query(
        "UPDATE compras SET status = $2, ptm_code = $3, posting_id = $4, confirmed_at = now(),
                updated_at = now(), code_hash = NULL
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(state.status().code())
    .bind(ptm_code.as_uuid())
    .bind(posting_id.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    tracing::info!(%compra_id, %ptm_code, "compra confirmada");

    // The balances as they stand after the commit. The purchase is already registered: a failure
    // here is logged, and "Reenviar saldos actualizados" sends them again.
    let lead = format!(
        "La transacción {ptm_code} ha sido registrada de manera exitosa. Sus saldos cambiaron."
    );
    for organization_id in [buyer_id, seller_id] {
        if let Err(error) = send_balances(pool, organization_id, &lead).await {
            tracing::error!(%compra_id, %organization_id, ?error, "correo de saldos no escrito");
        }
    }
    Ok(Confirmacion {
        ptm_code: ptm_code.to_string(),
    })
}

fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}

/// The organisation's balances email, with the TXT, to its contact address.
async fn send_balances(pool: &PgPool, organization_id: Uuid, lead: &str) -> Result<(), AppError> {
    let message = balances_message(pool, organization_id, Some(lead.to_owned())).await?;
    let mut conn = pool.acquire().await?;
    notify::enqueue_email(
        &mut conn,
        &message.to(&message.contact_email, &message.razon_social),
    )
    .await?;
    Ok(())
}
