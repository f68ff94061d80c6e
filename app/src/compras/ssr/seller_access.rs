//! The seller's side: the emailed link (the editor of origin codes and balances for the sale) and
//! the Web Service token its ERP calls with.

use domain::compra_status::{Channel, CompraEvent, CompraStatus, SellerChannel};
use domain::{AlertKind, BalanceReader, Closings, LineDraft, TaxDraft, ValidationErrors};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use uuid::Uuid;

use super::confirmation::end;
use super::seller::razon_social_of;
use super::steps::validate_complete;
use super::{CompraVigencia, STORED_COLUMNS, Stored, advance, internal, today, vigencia};
use crate::alerts::ssr::{NewAlert, raise};
use crate::auth::ssr::{PublicUrl, public_url, secrets};
use crate::compras::{DeclineView, SaldoDisponible, SellerEditor};
use crate::error::AppError;
use crate::notify;
use crate::saldos::ssr::{fecha_hora, saldos};

/// Why the seller's link or token cannot be used. Each has a stable code for the Web Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SellerAccessError {
    #[error(
        "El enlace o el token no es válido. Use el del último correo que recibió de Veta para esta transacción."
    )]
    Unknown,
    #[error("El token no corresponde a esta transacción: use el transaction_id del mismo correo.")]
    OtherTransaction,
    #[error(
        "Los datos de esta venta ya se enviaron: el enlace o el token de esta transacción ya no se pueden usar."
    )]
    Used,
    #[error("La transacción venció: pídale al comprador que la registre de nuevo.")]
    Expired,
    #[error(
        "El comprador ya no espera sus datos para esta transacción (la anuló, usted la rechazó, o la gestiona él)."
    )]
    NotPending,
}

impl SellerAccessError {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "token_invalid",
            Self::OtherTransaction => "token_other_transaction",
            Self::Used => "detail_already_received",
            Self::Expired => "transaction_expired",
            Self::NotPending => "transaction_not_pending",
        }
    }
}

/// Locks the purchase the seller's secret was issued for, on `channel`, checking it can still
/// receive the seller's detail. `submitted_ok` lets a submitted purchase through (a Web Service
/// call repeated).
async fn lock_by_secret(
    conn: &mut PgConnection,
    secret: &str,
    channel: Channel,
    submitted_ok: bool,
) -> Result<Result<Stored, SellerAccessError>, AppError> {
    let stored: Option<Stored> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STORED_COLUMNS} FROM compras
         WHERE seller_secret_hash = $1 AND channel = $2 FOR UPDATE"
    )))
    .bind(secrets::hash(secret.trim()))
    .bind(channel.code())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(stored) = stored else {
        return Ok(Err(SellerAccessError::Unknown));
    };
    if stored.seller_submitted {
        return Ok(if submitted_ok {
            Ok(stored)
        } else {
            Err(SellerAccessError::Used)
        });
    }
    let status = stored.state()?.status();
    if status == CompraStatus::Vencida
        || (status == CompraStatus::PendienteGestionVendedor && stored.due)
    {
        return Ok(Err(SellerAccessError::Expired));
    }
    if status != CompraStatus::PendienteGestionVendedor {
        return Ok(Err(SellerAccessError::NotPending));
    }
    Ok(Ok(stored))
}

/// What the link's editor shows: the seller's available balances and the purchase's data.
pub async fn editor(pool: &PgPool, secret: &str) -> Result<SellerEditor, AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock_by_secret(&mut tx, secret, Channel::Url, false)
        .await?
        .map_err(|error| AppError::Refused(error.to_string()))?;
    tx.commit().await?;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let mut conn = pool.acquire().await?;
    let buyer = razon_social_of(&mut conn, stored.buyer_id).await?;
    let seller = razon_social_of(&mut conn, seller_id).await?;
    drop(conn);
    let rows = saldos(pool, seller_id)
        .await?
        .into_iter()
        .map(|(entry, _, at)| SaldoDisponible {
            codigo_origen: entry.codigo_origen.to_string(),
            mineral: entry.mineral,
            disponible: entry.quantity,
            unit: entry.unit,
            fecha: fecha_hora(at),
        })
        .collect();
    Ok(SellerEditor {
        buyer,
        seller,
        transaction: stored.draft.0.transaction.clone(),
        rows,
    })
}

/// The seller's detail accepted: it becomes the purchase's lines and taxes, the purchase returns
/// to the buyer (*Gestionada por el vendedor*), who is told by email.
async fn accept_detail(
    conn: &mut PgConnection,
    settings: (CompraVigencia, &PublicUrl),
    stored: &Stored,
    via: SellerChannel,
    detail: (Vec<LineDraft>, Vec<TaxDraft>),
    submission_hash: Option<Vec<u8>>,
) -> Result<(), AppError> {
    let (vigencia, public_url) = settings;
    let (lines, taxes) = detail;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let actor = format!("El vendedor ({})", razon_social_of(conn, seller_id).await?);
    let event = CompraEvent::SellerSubmittedDetail { via };
    let state = advance(conn, stored.compra_id, &stored.state()?, event, &actor).await?;
    let mut draft = stored.draft.0.clone();
    draft.lines = lines;
    draft.taxes = taxes;
    validate_complete(&mut *conn, &draft, seller_id, BalanceReader::Seller).await?;
    sqlx::query(
        "UPDATE compras SET status = $2, draft = $3, seller_submitted_at = now(),
                seller_submission_hash = $4, updated_at = now(),
                expires_at = now() + make_interval(mins => $5)
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(state.status().code())
    .bind(Json(&draft))
    .bind(submission_hash)
    .bind(vigencia.minutes)
    .execute(&mut *conn)
    .await?;
    let seller = razon_social_of(conn, seller_id).await?;
    let (creator_email, creator_name): (String, String) = sqlx::query_as(
        "SELECT u.email, u.full_name FROM compras c JOIN users u ON u.user_id = c.created_by
         WHERE c.compra_id = $1",
    )
    .bind(stored.compra_id)
    .fetch_one(&mut *conn)
    .await?;
    let paragraphs = [format!(
        "{seller} envió los códigos de origen, las cantidades y los valores de la venta. Retome la \
         transacción en «Transacciones en curso» para enviarla a confirmación."
    )];
    let url = format!("{}/transacciones-en-curso", public_url.0);
    notify::enqueue_notice(
        conn,
        &notify::Notice {
            to: &creator_email,
            name: &creator_name,
            recipient_lines: &[],
            subject: format!("{seller} gestionó su transacción"),
            paragraphs: &paragraphs,
            action: Some(("Ver transacciones en curso", &url)),
        },
        None,
    )
    .await?;
    Ok(())
}

/// "Enviar" in the seller's editor.
pub async fn submit_from_link(
    pool: &PgPool,
    secret: &str,
    lines: Vec<LineDraft>,
    taxes: Vec<TaxDraft>,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock_by_secret(&mut tx, secret, Channel::Url, false)
        .await?
        .map_err(|error| AppError::Refused(error.to_string()))?;
    accept_detail(
        &mut tx,
        (vigencia(), &public_url()?),
        &stored,
        SellerChannel::Url,
        (lines, taxes),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What the Web Service answers the seller's ERP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WsOutcome {
    /// The detail was received now.
    Accepted,
    /// The same detail had already been received (a repeated call).
    AlreadyAccepted,
}

/// Why the Web Service refused a detail.
#[derive(Debug)]
pub enum WsRefusal {
    Access(SellerAccessError),
    /// A rule of the purchase or of the seller's balances, as the wizard would show it.
    Rejected(AppError),
}

impl From<AppError> for WsRefusal {
    fn from(error: AppError) -> Self {
        Self::Rejected(error)
    }
}

impl From<sqlx::Error> for WsRefusal {
    fn from(error: sqlx::Error) -> Self {
        Self::Rejected(error.into())
    }
}

/// How the seller's ERP identifies itself in the Web Service's body (`document_type`,
/// `document_number`, `mining_file_code`): it must be the purchase's seller.
#[derive(Debug, Clone, Default)]
pub struct SellerIdentity {
    pub document_type: String,
    pub document_number: String,
    pub mining_file_code: String,
}

/// Why the identity sent is not the purchase's seller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("no es el del vendedor de esta transacción ({expected}).")]
    NotTheSeller { expected: String },
}

impl domain::ErrorCode for IdentityError {
    fn code(&self) -> &'static str {
        "seller_mismatch"
    }
}

impl SellerIdentity {
    /// Checks the identity against the seller the buyer named (same rules of `domain`).
    fn check(&self, seller: &domain::compra::SellerDraft) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let parse = |document_type: &str, number: &str| {
            domain::DocumentType::parse(document_type)
                .ok()
                .and_then(|t| domain::DocumentNumber::parse(t, number).ok())
        };
        let expected = parse(&seller.document_type, &seller.document_number);
        let document_type = domain::DocumentType::parse(&self.document_type);
        match document_type {
            Err(error) => errors.push("document_type", "document_type", &error),
            Ok(document_type) => {
                match domain::DocumentNumber::parse(document_type, &self.document_number) {
                    Err(error) => errors.push("document_number", "document_number", &error),
                    Ok(found) if Some(&found) != expected.as_ref() => errors.push(
                        "document_number",
                        "document_number",
                        &IdentityError::NotTheSeller {
                            expected: format!(
                                "{} {}",
                                seller.document_type, seller.document_number
                            ),
                        },
                    ),
                    Ok(_) => {}
                }
            }
        }
        if !seller.codigo_expediente.trim().is_empty() {
            let same = domain::CodigoExpediente::parse(&self.mining_file_code)
                .ok()
                .zip(domain::CodigoExpediente::parse(&seller.codigo_expediente).ok())
                .is_some_and(|(found, expected)| found == expected);
            if !same {
                errors.push(
                    "mining_file_code",
                    "mining_file_code",
                    &IdentityError::NotTheSeller {
                        expected: seller.codigo_expediente.clone(),
                    },
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The Web Service's first check, before it reads the body: the token opens this purchase (or
/// the same purchase already answered, for a repeated call).
pub async fn check_ws_token(
    pool: &PgPool,
    compra_id: Uuid,
    token: &str,
) -> Result<Result<(), SellerAccessError>, AppError> {
    let mut tx = pool.begin().await?;
    let checked = lock_by_secret(&mut tx, token, Channel::WebService, true).await?;
    tx.rollback().await?;
    Ok(checked.and_then(|stored| {
        if stored.compra_id == compra_id {
            Ok(())
        } else {
            Err(SellerAccessError::OtherTransaction)
        }
    }))
}

/// The Web Service: the seller's ERP sends the detail of purchase `compra_id` with its token.
/// `body_hash` identifies the request's body: the same body sent again is answered alike, a
/// different one after acceptance is refused.
#[allow(clippy::too_many_arguments)]
pub async fn submit_from_ws(
    pool: &PgPool,
    vigencia: CompraVigencia,
    public_url: &PublicUrl,
    compra_id: Uuid,
    token: &str,
    body_hash: Vec<u8>,
    identity: SellerIdentity,
    lines: Vec<LineDraft>,
    taxes: Vec<TaxDraft>,
) -> Result<WsOutcome, WsRefusal> {
    let mut tx = pool.begin().await?;
    let stored = lock_by_secret(&mut tx, token, Channel::WebService, true)
        .await?
        .map_err(WsRefusal::Access)?;
    if stored.compra_id != compra_id {
        return Err(WsRefusal::Access(SellerAccessError::OtherTransaction));
    }
    if stored.seller_submitted {
        return if stored.seller_submission_hash.as_deref() == Some(body_hash.as_slice()) {
            Ok(WsOutcome::AlreadyAccepted)
        } else {
            Err(WsRefusal::Access(SellerAccessError::Used))
        };
    }
    identity
        .check(&stored.draft.0.seller)
        .map_err(|errors| WsRefusal::Rejected(AppError::Invalid(errors)))?;
    accept_detail(
        &mut tx,
        (vigencia, public_url),
        &stored,
        SellerChannel::WebService,
        (lines, taxes),
        Some(body_hash),
    )
    .await?;
    tx.commit().await?;
    Ok(WsOutcome::Accepted)
}

// ---- The seller declines: "No reconozco esta compra" or "Rechazar la venta". ----

/// The purchase a decline link (or the URL channel's link) was issued for, locked.
async fn lock_for_decline(conn: &mut PgConnection, secret: &str) -> Result<Stored, AppError> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STORED_COLUMNS} FROM compras
         WHERE seller_decline_hash = $1 OR (seller_secret_hash = $1 AND channel = $2)
         FOR UPDATE"
    )))
    .bind(secrets::hash(secret.trim()))
    .bind(Channel::Url.code())
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| {
        AppError::Refused(
            "Este enlace no es válido o ya se usó: la compra terminó (confirmada, anulada o \
             rechazada). Si no reconoce una compra confirmada, escriba a soporte."
                .to_owned(),
        )
    })
}

/// What the decline page shows: who buys and what, so the seller knows what it declines.
pub async fn decline_view(pool: &PgPool, secret: &str) -> Result<DeclineView, AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock_for_decline(&mut tx, secret).await?;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let buyer = razon_social_of(&mut tx, stored.buyer_id).await?;
    let seller = razon_social_of(&mut tx, seller_id).await?;
    tx.commit().await?;
    let lines = stored
        .draft
        .0
        .validate(today(), &Closings::none())
        .map(|compra| {
            compra
                .consent(&buyer)
                .lines
                .iter()
                .map(domain::ConsentLine::describe)
                .collect()
        })
        .unwrap_or_default();
    Ok(DeclineView {
        buyer,
        seller,
        status: stored.state()?.status(),
        invoice_date: stored.draft.0.transaction.invoice_date.clone(),
        lines,
    })
}

/// The seller declines the purchase before it is confirmed (`disowned`: it does not recognise it,
/// which raises an alert for the Administrador OTTM). Nothing was posted; the buyer is told.
pub async fn decline(pool: &PgPool, secret: &str, disowned: bool) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let stored = lock_for_decline(&mut tx, secret).await?;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    let actor = format!(
        "El vendedor ({})",
        razon_social_of(&mut tx, seller_id).await?
    );
    let event = CompraEvent::SellerDeclined;
    let state = advance(&mut tx, stored.compra_id, &stored.state()?, event, &actor).await?;
    let reason = if disowned {
        "El vendedor no reconoce la compra"
    } else {
        "Rechazada por el vendedor"
    };
    end(&mut tx, stored.compra_id, state.status(), reason).await?;
    let seller = razon_social_of(&mut tx, seller_id).await?;
    let buyer = razon_social_of(&mut tx, stored.buyer_id).await?;
    let (creator_email, creator_name): (String, String) = sqlx::query_as(
        "SELECT u.email, u.full_name FROM compras c JOIN users u ON u.user_id = c.created_by
         WHERE c.compra_id = $1",
    )
    .bind(stored.compra_id)
    .fetch_one(&mut *tx)
    .await?;
    let told = if disowned {
        format!(
            "{seller} indicó que no reconoce la compra que usted registró a su nombre (referencia \
             {}). La transacción terminó sin mover saldos, y el Administrador OTTM fue informado.",
            stored.compra_id
        )
    } else {
        format!(
            "{seller} rechazó la compra que usted registró (referencia {}). La transacción terminó \
             sin mover saldos.",
            stored.compra_id
        )
    };
    notify::enqueue_notice(
        &mut tx,
        &notify::Notice {
            to: &creator_email,
            name: &creator_name,
            recipient_lines: &[],
            subject: format!("{seller} rechazó una compra"),
            paragraphs: &[told],
            action: None,
        },
        None,
    )
    .await?;
    if disowned {
        raise(
            &mut tx,
            NewAlert {
                subject: None,
                kind: AlertKind::CompraNoReconocida,
                organization_id: Some(seller_id),
                other_organization_id: Some(stored.buyer_id),
                compra_id: Some(stored.compra_id),
                detail: format!(
                    "{seller} no reconoce la compra {} registrada por {buyer}.",
                    stored.compra_id
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(compra_id = %stored.compra_id, disowned, "compra rechazada por el vendedor");
    Ok(())
}
