//! The validation code and the confirmation: the code goes to the seller with what it approves,
//! the buyer types it, and the purchase is posted in the ledger with its PTM code in one
//! transaction. Either party may end a purchase before that: the buyer annuls it.

use domain::compra::SellerType;
use domain::compra_status::{CodeCheck, CompraEvent, CompraStatus};
use domain::limits::{WRONG_PURCHASE_CODES_PER_BUYER_SELLER, WRONG_PURCHASE_CODES_PER_SELLER};
use domain::{
    AlertKind, AllocationError, BalanceKey, Closings, CodePurpose, Consent, Limit,
    PtmTransactionCode, ValidationErrors, VerificationCode,
};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::seller::{razon_social_of, seller_by_id};
use super::steps::{SellerLetter, seller_lines};
use super::{PURPOSE, Stored, advance, finish, internal, lock, next, pair_subject, today};
use crate::alerts::ssr::{NewAlert, raise};
use crate::auth::ssr::{CodeKey, code_key, secrets};
use crate::compras::{CompraView, Confirmacion};
use crate::error::AppError;
use crate::ledger::ssr::{LedgerError, Posting, PostingKind, post};
use crate::limits::{self, Recorded};
use crate::notify::{self, OutgoingSms};

/// A validation code's stored form: bound to its purchase, keyed with the server's key (a reader
/// of the database cannot find the code by trying the 10⁸ of them).
pub(super) fn code_hash(key: &CodeKey, compra_id: Uuid, code: &VerificationCode) -> Vec<u8> {
    secrets::keyed_code_hash(key, &compra_id.to_string(), code.as_ref())
}

/// The code's email and SMS to the seller's registered contact: who buys, every line, the taxes and
/// the total, the code, and the link to decline.
pub(super) async fn send_code(
    conn: &mut PgConnection,
    compra_id: Uuid,
    letter: &SellerLetter<'_>,
    consent: &Consent,
    code: &VerificationCode,
) -> Result<(), AppError> {
    let code = code.as_ref();
    let validity_minutes = PURPOSE.policy().validity_minutes;
    let mut paragraphs = consent.email_paragraphs();
    paragraphs.extend([
        format!(
            "Si usted acordó exactamente esta venta, entréguele al comprador este código de \
             validación de la transacción: {code}"
        ),
        format!(
            "El código vence en {validity_minutes} minutos y aprueba solo lo que este correo dice: \
             si el comprador cambia algo, el código deja de servir. No lo entregue si no reconoce \
             la compra."
        ),
        letter.decline_paragraph(),
        format!("Referencia de la transacción: {compra_id}"),
    ]);
    let seller = letter.seller;
    // The code and the decline link are secrets: kept out of the stored bodies.
    let secrets = notify::Secrets {
        values: vec![code, letter.decline_secret],
        valid_minutes: validity_minutes,
    };
    let email = letter.email(
        format!("Código de validación de la compra de {}", consent.buyer),
        &paragraphs,
        None,
    );
    if let Some(email) = email {
        notify::enqueue_secret_email(conn, &email, Some(&secrets)).await?;
    }
    notify::enqueue_secret_sms(
        conn,
        &OutgoingSms {
            to: seller.contact_mobile.clone(),
            text: consent.sms(code, validity_minutes),
        },
        Some(&secrets),
    )
    .await?;
    Ok(())
}

/// "Confirmar transacción": checks the validation code (at most `attempts_per_code` wrong tries
/// per code, and the guessing limits per buyer and seller and per seller), checks that the
/// purchase is still what the code approved, posts the purchase in the ledger, gives it its PTM
/// code and queues both parties' balances emails, all in one transaction. Confirming a
/// confirmed purchase again answers the same code (a retried request changes nothing).
pub async fn confirm(
    pool: &PgPool,
    (buyer_id, actor): (Uuid, &str),
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
    let key = code_key()?;
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    if let Some(ptm_code) = stored.ptm_code {
        return Ok(Confirmacion {
            ptm_code: PtmTransactionCode::from(ptm_code).to_string(),
        });
    }
    // VETA_CAPACIDAD_BLOQUEA: no passing economic-capacity evaluation for the year, no purchase.
    crate::economic_capacity::ssr::check_purchase(&mut tx, buyer_id).await?;
    let state = stored.state()?;
    if state.status() != CompraStatus::PendientePorConfirmar {
        next(
            &state,
            CompraEvent::BuyerConfirmed {
                code: CodeCheck::Matches,
            },
        )?;
    }
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
    let issued = stored.issued().ok_or_else(|| {
        AppError::Refused(
            "No hay un código de validación para esta transacción: envíela para que el vendedor \
             reciba uno."
                .to_owned(),
        )
    })?;
    PURPOSE.check_usable(&issued).map_err(AppError::from)?;
    if stored.code_hash.as_deref() != Some(code_hash(&key, compra_id, &code).as_slice()) {
        return wrong_code(tx, PURPOSE, &stored, (&pair, &seller_subject)).await;
    }
    // The code approves what its message stated: the purchase must still be exactly that.
    let compra = stored
        .draft
        .0
        .validate(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let digest = compra.consent(&buyer_name).digest(buyer_id, seller_id);
    if stored.code_consent_digest.as_deref() != Some(digest.as_bytes().as_slice()) {
        sqlx::query(
            "UPDATE compras SET code_hash = NULL, code_consent_digest = NULL WHERE compra_id = $1",
        )
        .bind(compra_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        return Err(AppError::Refused(
            "La compra cambió después de enviarle el código al vendedor: ese código ya no sirve. \
             Envíe la transacción de nuevo para que el vendedor apruebe lo que ahora contiene."
                .to_owned(),
        ));
    }
    let state = advance(
        &mut tx,
        compra_id,
        &state,
        CompraEvent::BuyerConfirmed {
            code: CodeCheck::Matches,
        },
        actor,
    )
    .await?;
    let ptm_code = PtmTransactionCode::from_random_bytes(random_bytes());
    let posting_id = if stored.seller_type()? == SellerType::MineroSubsistencia {
        let (posting_id, cupos) = super::subsistence::post_purchase(
            &mut tx,
            compra_id,
            (buyer_id, seller_id),
            &compra,
            ptm_code,
        )
        .await?;
        tell_miner(&mut tx, seller_id, &buyer_name, ptm_code, &cupos).await?;
        posting_id
    } else {
        let transfers = compra
            .transfers()
            .map_err(|error| AppError::Refused(error.to_string()))?;
        let posting = Posting::transfer(
            PostingKind::Compra,
            ptm_code.to_string(),
            (seller_id, buyer_id),
            &transfers,
        )
        .dated(compra.transaction_date());
        post(&mut tx, &posting).await.map_err(for_the_buyer)?
    };
    sqlx::query(
        "UPDATE compras SET status = $2, ptm_code = $3, posting_id = $4, confirmed_at = now(),
                updated_at = now(), code_hash = NULL, code_consent_digest = NULL,
                seller_decline_hash = NULL
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(state.status().code())
    .bind(ptm_code.as_uuid())
    .bind(posting_id.0)
    .execute(&mut *tx)
    .await?;
    // The year's purchases past the projected amount of the economic capacity: an alert.
    crate::economic_capacity::ssr::after_purchase(&mut tx, buyer_id, compra_id).await?;
    // A title holder selling more than it reported producing that month: an alert.
    crate::production::crosscheck::after_purchase(&mut tx, compra_id, posting_id.0).await?;
    // The balances emails commit with the purchase (the outbox composes them with the TXT): a
    // confirmed purchase always sends them, even if this process dies right after. A miner holds
    // no balances here: it was told its cupos above.
    let lead = format!(
        "La transacción {ptm_code} ha sido registrada de manera exitosa. Sus saldos cambiaron."
    );
    let holders: &[Uuid] = if stored.seller_type()? == SellerType::MineroSubsistencia {
        &[buyer_id]
    } else {
        &[buyer_id, seller_id]
    };
    notify::enqueue_balances(&mut tx, holders, &lead).await?;
    tx.commit().await?;
    tracing::info!(%compra_id, %ptm_code, "compra confirmada");
    Ok(Confirmacion {
        ptm_code: ptm_code.to_string(),
    })
}

/// The miner learns, by SMS and (where it has one) email, that the purchase was registered and
/// what is left of its cupos for the month and the year.
async fn tell_miner(
    conn: &mut PgConnection,
    miner_id: Uuid,
    buyer_name: &str,
    ptm_code: PtmTransactionCode,
    cupos: &[domain::Cupo],
) -> Result<(), AppError> {
    let miner = seller_by_id(conn, miner_id).await?;
    let left: Vec<String> = cupos.iter().map(ToString::to_string).collect();
    notify::enqueue_secret_sms(
        conn,
        &OutgoingSms {
            to: miner.contact_mobile.clone(),
            text: domain::sms::to_gsm7(&format!(
                "Veta: {buyer_name} registro su venta {ptm_code}. {}",
                left.join(" ")
            )),
        },
        None,
    )
    .await?;
    if let Some(to) = miner.contact_email.as_deref() {
        let mut paragraphs = vec![format!(
            "{buyer_name} registró en Veta la compra {ptm_code} que usted le vendió. A los correos \
             electrónicos tanto del vendedor como del comprador han sido enviadas las \
             actualizaciones de saldos o cupos según corresponda."
        )];
        paragraphs.extend(left);
        notify::enqueue_notice(
            conn,
            &notify::Notice {
                to,
                name: &miner.razon_social,
                recipient_lines: &[&seller_lines(&miner)],
                subject: format!("Venta registrada {ptm_code}: su cupo disponible"),
                paragraphs: &paragraphs,
                action: None,
            },
            None,
        )
        .await?;
    }
    Ok(())
}

/// A ledger refusal as the buyer may read it: which balance fell short, never how much is left.
fn for_the_buyer(error: LedgerError) -> AppError {
    match error {
        LedgerError::ExceedsAvailable {
            codigo_origen,
            mineral,
            unit,
            ..
        } => {
            let short = AllocationError::NotEnoughBalance {
                key: BalanceKey {
                    codigo_origen,
                    mineral,
                    unit,
                },
            };
            AppError::Rule(crate::error::Violation {
                code: domain::balance::INSUFFICIENT_BALANCE.to_owned(),
                message: format!(
                    "{short} El vendedor vendió o movió ese saldo después de aprobar la compra: \
                     anule la transacción, o edítela y envíela de nuevo."
                ),
            })
        }
        other => other.into(),
    }
}

/// A wrong code: counted for the code, for the buyer with the seller and for the seller; the one
/// that reaches a limit blocks it and tells the seller and the Administrador OTTM.
pub(super) async fn wrong_code<T>(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    purpose: CodePurpose,
    stored: &Stored,
    (pair, seller_subject): (&str, &str),
) -> Result<T, AppError> {
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let attempts = stored.code_failed_attempts + 1;
    sqlx::query("UPDATE compras SET code_failed_attempts = $2 WHERE compra_id = $1")
        .bind(stored.compra_id)
        .bind(attempts)
        .execute(&mut *tx)
        .await?;
    let detail = stored.compra_id.to_string();
    let by_pair = limits::record(
        &mut tx,
        &WRONG_PURCHASE_CODES_PER_BUYER_SELLER,
        pair,
        Some(&detail),
    )
    .await?;
    let by_seller = limits::record(
        &mut tx,
        &WRONG_PURCHASE_CODES_PER_SELLER,
        seller_subject,
        Some(&detail),
    )
    .await?;
    let mut blocked = None;
    if by_pair == Recorded::Reached {
        blocked = Some(WRONG_PURCHASE_CODES_PER_BUYER_SELLER);
        tell_of_block(
            &mut tx,
            stored,
            seller_id,
            AlertKind::CodigosErradosComprador,
        )
        .await?;
    }
    if by_seller == Recorded::Reached {
        blocked = Some(WRONG_PURCHASE_CODES_PER_SELLER);
        tell_of_block(
            &mut tx,
            stored,
            seller_id,
            AlertKind::CodigosErradosVendedor,
        )
        .await?;
    }
    tx.commit().await?;
    Err(match blocked {
        Some(limit) => AppError::Throttled(limit.refusal(i64::from(limit.block_s)).to_string()),
        None => AppError::Refused(purpose.wrong(attempts).to_string()),
    })
}

/// The seller (by its registered email) and the Administrador OTTM learn that codes were guessed
/// until a block.
async fn tell_of_block(
    conn: &mut PgConnection,
    stored: &Stored,
    seller_id: Uuid,
    kind: AlertKind,
) -> Result<(), AppError> {
    let seller = seller_by_id(conn, seller_id).await?;
    let buyer = razon_social_of(conn, stored.buyer_id).await?;
    let (limit, whose): (Limit, String) = match kind {
        AlertKind::CodigosErradosComprador => (
            WRONG_PURCHASE_CODES_PER_BUYER_SELLER,
            format!("las compras de {buyer} a su organización"),
        ),
        _ => (
            WRONG_PURCHASE_CODES_PER_SELLER,
            "todas las compras a su organización".to_owned(),
        ),
    };
    let block = domain::limits::duration(i64::from(limit.block_s));
    let paragraphs = [
        format!(
            "Se escribieron {} códigos de validación errados en {} para compras a su \
             organización (la última, de {buyer}). Por seguridad, {whose} no se pueden confirmar \
             durante {block}.",
            limit.max,
            domain::limits::duration(i64::from(limit.window_s))
        ),
        "Si usted no está vendiendo a ese comprador, alguien intenta adivinar sus códigos: no \
         entregue códigos que no haya pedido y avise a soporte."
            .to_owned(),
    ];
    if let Some(to) = seller.contact_email.as_deref() {
        notify::enqueue_notice(
            conn,
            &notify::Notice {
                to,
                name: &seller.razon_social,
                recipient_lines: &[&seller_lines(&seller)],
                subject: "Bloqueamos la confirmación de compras a su organización".to_owned(),
                paragraphs: &paragraphs,
                action: None,
            },
            None,
        )
        .await?;
    }
    raise(
        conn,
        NewAlert {
            subject: None,
            kind,
            organization_id: Some(seller_id),
            other_organization_id: Some(stored.buyer_id),
            compra_id: Some(stored.compra_id),
            detail: format!(
                "{} códigos de validación errados en {}; último comprador: {buyer}. Confirmaciones \
                 bloqueadas durante {block}.",
                limit.max,
                domain::limits::duration(i64::from(limit.window_s))
            ),
        },
    )
    .await
}

/// "Anular": the buyer ends a purchase before its confirmation. Nothing was posted, nothing moves;
/// any link, token or code the seller holds stops working, and a seller who was already reached
/// is told.
pub async fn annul(
    pool: &PgPool,
    (buyer_id, actor): (Uuid, &str),
    compra_id: Uuid,
) -> Result<CompraView, AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock(&mut tx, compra_id, buyer_id).await?;
    let state = advance(
        &mut tx,
        compra_id,
        &stored.state()?,
        CompraEvent::BuyerCancelled,
        actor,
    )
    .await?;
    end(
        &mut tx,
        compra_id,
        state.status(),
        "Anulada por el comprador",
    )
    .await?;
    if let Some(seller_id) = stored.seller_id {
        let seller = seller_by_id(&mut tx, seller_id).await?;
        let buyer = razon_social_of(&mut tx, buyer_id).await?;
        let paragraphs = [format!(
            "{buyer} anuló la compra que había registrado a su organización (referencia \
             {compra_id}). Nada se movió de sus saldos; el enlace, el token o el código de \
             validación que recibió para esa compra ya no sirven."
        )];
        if let Some(to) = seller.contact_email.as_deref() {
            notify::enqueue_notice(
                &mut tx,
                &notify::Notice {
                    to,
                    name: &seller.razon_social,
                    recipient_lines: &[&seller_lines(&seller)],
                    subject: format!("{buyer} anuló una compra"),
                    paragraphs: &paragraphs,
                    action: None,
                },
                None,
            )
            .await?;
        }
    }
    finish(tx, compra_id, buyer_id).await
}

/// Ends a purchase without confirmation (annulled, declined): every secret of it is void.
pub(super) async fn end(
    conn: &mut PgConnection,
    compra_id: Uuid,
    status: CompraStatus,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE compras SET status = $2, ended_at = now(), end_reason = $3, updated_at = now(),
                code_hash = NULL, code_consent_digest = NULL, seller_secret_hash = NULL,
                seller_decline_hash = NULL
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(status.code())
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    bytes
}
