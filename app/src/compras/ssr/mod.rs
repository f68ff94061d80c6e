//! Server side of a purchase: every step runs in one transaction that locks the purchase's row,
//! asks `domain::compra_status::transition` whether the step is allowed, validates with
//! `domain::CompraDraft`, and writes the row, its messages (outbox) and, on confirmation, the
//! ledger posting together.
//!
//! The seller is always the organisation the registry holds under the document (and title) the
//! buyer typed: its link, token and validation code go to the registry's email and mobile, never to
//! anything the buyer typed.

//!
//! The steps are split by who acts: `steps` (the buyer hands the purchase over, uploads the TXT,
//! sends it for confirmation), `confirmation` (the validation code and the posting), `seller`
//! (finding the seller in the registry), `seller_access` (the seller's link and Web Service token)
//! and `en_curso` (the lists). This module holds what every step shares: the stored row, its lock
//! and the state machine's verdict.

mod confirmation;
mod detail;
mod en_curso;
mod history;
pub mod reversal;
mod seller;
mod seller_access;
mod sin_origen;
mod steps;
mod subsistence;

pub use confirmation::{annul, confirm};
pub use detail::detail;
pub use en_curso::{en_curso, en_curso_count};
pub use history::{history, history_csv};
pub use seller::{RegistrySeller, SellerLookupError, find_seller, lookup_seller};
pub use seller_access::{
    IdentityError, SellerAccessError, SellerIdentity, WsOutcome, WsRefusal, check_ws_token,
    decline, decline_view, editor, submit_from_link, submit_from_ws,
};
pub use sin_origen::{audit_list as sin_origen_audit, register as register_sin_origen};
pub use steps::{hand_to_seller, submit, upload_txt, ws_endpoint};

use domain::compra::SellerType;
use domain::compra_status::{Channel, CompraEvent, CompraState, CompraStatus, transition};
use domain::{
    ApprovalStatus, Closings, CodePurpose, CompraDraft, Fecha, IssuedCode, PtmTransactionCode,
    ValidationErrors,
};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::CompraView;
use crate::auth::SignedInUser;
use crate::auth::ssr::{pool, sessions};
use crate::error::AppError;
use crate::saldos::ssr::fecha_hora;
use seller::{razon_social_of, seller_by_id};

/// The rules of the validation code: `domain::one_time_code`.
const PURPOSE: CodePurpose = CodePurpose::Purchase;

/// How long a purchase may stay without progress before it expires (`VETA_COMPRA_VIGENCIA_MIN`,
/// provided by the server). Expiry releases nothing: balances move only on confirmation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompraVigencia {
    pub minutes: i32,
}

impl Default for CompraVigencia {
    /// Three days: time for a seller to answer and a buyer to confirm.
    fn default() -> Self {
        Self {
            minutes: 3 * 24 * 60,
        }
    }
}

fn vigencia() -> CompraVigencia {
    leptos::prelude::use_context::<CompraVigencia>().unwrap_or_default()
}

pub use crate::ledger::ssr::today;

/// The statuses "Transacciones en curso" lists.
const EN_CURSO: &str = "('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR', \
     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR', 'REVERSION_PENDIENTE_POR_CONFIRMAR')";

/// The statuses a purchase can expire in (those "en curso" before confirmation).
const EXPIRABLE: &str = "('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR', \
     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR')";

/// The statuses of a purchase that ended without confirmation ("Transacciones en curso" shows
/// them for [`ENDED_SHOWN_DAYS`], so that the buyer sees what happened).
const ENDED: &str = "('ANULADA', 'RECHAZADA_POR_VENDEDOR', 'VENCIDA')";
/// Days an ended purchase stays in "Transacciones en curso".
pub const ENDED_SHOWN_DAYS: i32 = 3;

/// The signed-in user who registers purchases for its organisation (Administrador, Operador),
/// once the organisation is approved.
pub async fn buyer() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    match &user.organization {
        Some(organization) if user.role.can_register_transactions() => {
            if !organization.approval.may_trade() {
                return Err(not_approved(organization.approval));
            }
            let organization_id = organization.organization_id;
            Ok((pool, user, organization_id))
        }
        _ => Err(AppError::Forbidden),
    }
}

/// Why an organisation that is not approved may not buy.
pub fn not_approved(status: ApprovalStatus) -> AppError {
    AppError::Refused(match status {
        ApprovalStatus::PendienteAprobacion => "Su organización está pendiente de aprobación: \
            complete la verificación en «Mi organización». Podrá registrar compras cuando el \
            Administrador OTTM la apruebe."
            .to_owned(),
        other => format!(
            "Su organización está «{}»: no puede registrar compras. Escriba a soporte.",
            other.label()
        ),
    })
}

/// The subject of the limits of one buyer with one seller.
fn pair_subject(buyer_id: Uuid, seller_id: Uuid) -> String {
    format!("{buyer_id}/{seller_id}")
}

/// A purchase as stored.
#[derive(Debug, sqlx::FromRow)]
pub struct Stored {
    pub compra_id: Uuid,
    pub buyer_id: Uuid,
    pub seller_id: Option<Uuid>,
    pub status: String,
    pub channel: Option<String>,
    pub draft: Json<CompraDraft>,
    pub expires_at: OffsetDateTime,
    pub seller_submission_hash: Option<Vec<u8>>,
    pub seller_submitted: bool,
    pub code_hash: Option<Vec<u8>>,
    pub code_consent_digest: Option<Vec<u8>>,
    pub code_expired: bool,
    pub code_failed_attempts: i32,
    pub code_sends: i32,
    pub code_seconds_since_sent: Option<i64>,
    pub ptm_code: Option<Uuid>,
    /// Its time ran out (`expires_at` passed, by the database's clock).
    pub due: bool,
}

const STORED_COLUMNS: &str = "compra_id, buyer_id, seller_id, status, channel, draft, expires_at, \
     seller_submission_hash, seller_submitted_at IS NOT NULL AS seller_submitted, code_hash, \
     code_consent_digest, coalesce(code_expires_at <= now(), false) AS code_expired, code_failed_attempts, code_sends, \
     extract(epoch FROM now() - code_sent_at)::bigint AS code_seconds_since_sent, ptm_code, \
     expires_at <= now() AS due";

impl Stored {
    /// The state machine's view of the row.
    pub fn state(&self) -> Result<CompraState, AppError> {
        let status = CompraStatus::from_code(&self.status).map_err(internal)?;
        let channel = self
            .channel
            .as_deref()
            .map(Channel::from_code)
            .transpose()
            .map_err(internal)?;
        CompraState::restore(status, channel).map_err(internal)
    }

    /// The menu entry the purchase was registered under.
    pub fn seller_type(&self) -> Result<SellerType, AppError> {
        SellerType::parse(&self.draft.0.seller_type).map_err(internal)
    }

    /// The validation code as the policy sees it, once one was ever sent (a code voided by an
    /// edit counts as spent: a new one is sent at once, but still counts against the sends).
    pub fn issued(&self) -> Option<IssuedCode> {
        (self.code_sends > 0).then(|| IssuedCode {
            expired: self.code_hash.is_none() || self.code_expired,
            failed_attempts: self.code_failed_attempts,
            sends: self.code_sends,
            seconds_since_sent: self.code_seconds_since_sent.unwrap_or(i64::MAX / 2),
        })
    }
}

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "compra almacenada inconsistente");
    AppError::Internal
}

/// The next state, or the domain's reason (in Spanish) why the step is not allowed now.
fn next(state: &CompraState, event: CompraEvent) -> Result<CompraState, AppError> {
    transition(state, event).map_err(|error| AppError::rule(&error))
}

/// The next state, recorded among the purchase's events with who asked for it (in the step's
/// transaction: a step that fails later leaves no event).
async fn advance(
    conn: &mut PgConnection,
    compra_id: Uuid,
    current: &CompraState,
    event: CompraEvent,
    actor: &str,
) -> Result<CompraState, AppError> {
    let state = next(current, event)?;
    record(conn, compra_id, actor, event.action(), state.status()).await?;
    Ok(state)
}

/// One line of a purchase's events.
async fn record(
    conn: &mut PgConnection,
    compra_id: Uuid,
    actor: &str,
    action: &str,
    status: CompraStatus,
) -> Result<(), sqlx::Error> {
    let actor: String = actor.chars().take(300).collect();
    sqlx::query(
        "INSERT INTO compra_events (compra_id, actor, action, status) VALUES ($1, $2, $3, $4)",
    )
    .bind(compra_id)
    .bind(actor)
    .bind(action)
    .bind(status.code())
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the buyer's purchases whose time ran out as expired (nothing to release: balances move
/// only on confirmation). Run where they are listed; each step expires its own purchase.
async fn expire_due(conn: &mut PgConnection, buyer_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE compras SET status = 'VENCIDA', updated_at = now()
         WHERE buyer_id = $1 AND expires_at <= now() AND status IN {EXPIRABLE}"
    )))
    .bind(buyer_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Locks the buyer's purchase (another organisation's does not exist for it), marking it expired
/// first if its time ran out: one statement when it did not (every step's common case).
async fn lock(
    conn: &mut PgConnection,
    compra_id: Uuid,
    buyer_id: Uuid,
) -> Result<Stored, AppError> {
    let mut stored = read(conn, compra_id, buyer_id).await?;
    if !stored.due {
        return Ok(stored);
    }
    let expired = transition(&stored.state()?, CompraEvent::Expired)
        .is_ok_and(|next| next.status() == CompraStatus::Vencida);
    if expired {
        sqlx::query("UPDATE compras SET status = $2, updated_at = now() WHERE compra_id = $1")
            .bind(compra_id)
            .bind(CompraStatus::Vencida.code())
            .execute(&mut *conn)
            .await?;
        stored.status = CompraStatus::Vencida.code().to_owned();
    }
    Ok(stored)
}

/// The buyer's purchase as stored, locked for the rest of the transaction.
async fn read(
    conn: &mut PgConnection,
    compra_id: Uuid,
    buyer_id: Uuid,
) -> Result<Stored, AppError> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {STORED_COLUMNS} FROM compras WHERE compra_id = $1 AND buyer_id = $2 FOR UPDATE"
    )))
    .bind(compra_id)
    .bind(buyer_id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

/// A new purchase of `seller_type` in *En gestión por comprador*, locked by its creation.
async fn create(
    conn: &mut PgConnection,
    user: &SignedInUser,
    buyer_id: Uuid,
    draft: &CompraDraft,
) -> Result<Stored, AppError> {
    let seller_type = SellerType::parse(&draft.seller_type).map_err(|error| {
        AppError::Invalid(ValidationErrors::one(
            "seller_type",
            "Tipo de vendedor",
            &error,
        ))
    })?;
    let compra_id = Uuid::new_v4();
    // A seller without balances here sends nothing: the buyer types the lines (its only channel).
    let channel = match seller_type.channels() {
        [only @ Channel::Comprador] => Some(only.code()),
        _ => None,
    };
    sqlx::query(
        "INSERT INTO compras (compra_id, buyer_id, created_by, seller_type, status, draft, expires_at,
                              channel)
         VALUES ($1, $2, $3, $4, 'EN_GESTION_COMPRADOR', $5, now() + make_interval(mins => $6), $7)",
    )
    .bind(compra_id)
    .bind(buyer_id)
    .bind(user.user_id)
    .bind(seller_type.code())
    .bind(Json(draft))
    .bind(vigencia().minutes)
    .bind(channel)
    .execute(&mut *conn)
    .await?;
    lock(conn, compra_id, buyer_id).await
}

/// The purchase to work on: the one given (locked), or a new one.
async fn open(
    conn: &mut PgConnection,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: &CompraDraft,
) -> Result<Stored, AppError> {
    match compra_id {
        Some(compra_id) => lock(conn, compra_id, buyer_id).await,
        None => create(conn, user, buyer_id, typed).await,
    }
}

/// The start of every buyer's step: its transaction, the purchase locked (or created), the state
/// `event` leads to (or the domain's refusal), and what was typed merged over what may no longer
/// change.
async fn begin_step(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
    event: CompraEvent,
) -> Result<
    (
        sqlx::Transaction<'static, sqlx::Postgres>,
        Stored,
        CompraState,
        CompraDraft,
    ),
    AppError,
> {
    let mut tx = pool.begin().await?;
    let stored = open(&mut tx, user, buyer_id, compra_id, &typed).await?;
    let state = advance(
        &mut tx,
        stored.compra_id,
        &stored.state()?,
        event,
        &user.full_name,
    )
    .await?;
    let draft = merge(&stored, typed)?;
    Ok((tx, stored, state, draft))
}

/// What the buyer typed, over what it may no longer change: the seller type (fixed by the menu),
/// the seller once the purchase was handed to it, the lines and taxes the seller sent (URL, Web
/// Service), and the minerals, codes and quantities the uploaded file brought (TXT).
fn merge(stored: &Stored, typed: CompraDraft) -> Result<CompraDraft, AppError> {
    let kept = &stored.draft.0;
    let mut draft = typed;
    draft.seller_type = kept.seller_type.clone();
    if stored.seller_id.is_some() {
        draft.seller = kept.seller.clone();
    }
    match stored.state()?.channel() {
        Some(Channel::Url | Channel::WebService) => {
            draft.lines = kept.lines.clone();
            draft.taxes = kept.taxes.clone();
        }
        // The file decides minerals, codes and quantities; the buyer may still type the values.
        Some(Channel::Txt) => {
            let typed_values: Vec<String> = draft.lines.iter().map(|l| l.value.clone()).collect();
            draft.lines = kept.lines.clone();
            for (line, value) in draft.lines.iter_mut().zip(typed_values) {
                line.value = value;
            }
        }
        Some(Channel::Comprador) | None => {}
    }
    Ok(draft)
}

/// Writes the purchase's new state and draft, and moves its expiry forward. Any validation code
/// sent before is void: it approved the purchase as it was (a step that sends a code sets a new
/// one after this).
async fn store(
    conn: &mut PgConnection,
    compra_id: Uuid,
    state: CompraState,
    draft: &CompraDraft,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE compras SET status = $2, channel = $3, draft = $4, updated_at = now(),
                expires_at = now() + make_interval(mins => $5),
                code_hash = NULL, code_consent_digest = NULL
         WHERE compra_id = $1",
    )
    .bind(compra_id)
    .bind(state.status().code())
    .bind(state.channel().map(Channel::code))
    .bind(Json(draft))
    .bind(vigencia().minutes)
    .execute(conn)
    .await?;
    Ok(())
}

/// The page's view of a purchase.
async fn view(conn: &mut PgConnection, stored: &Stored) -> Result<CompraView, AppError> {
    let state = stored.state()?;
    let seller = match stored.seller_id {
        Some(seller_id) => Some(seller_by_id(conn, seller_id).await?.contact()),
        None => None,
    };
    // What the code the seller received approves, shown where the buyer types it.
    let consent = match (state.status(), stored.code_hash.is_some()) {
        (CompraStatus::PendientePorConfirmar, true) => {
            let buyer = razon_social_of(conn, stored.buyer_id).await?;
            stored
                .draft
                .0
                .validate(today(), &Closings::none())
                .ok()
                .map(|compra| compra.consent(&buyer))
        }
        _ => None,
    };
    // A miner's cupos left, before confirmation (never the miner's purchases themselves).
    let cupos = match (stored.seller_type()?, stored.seller_id) {
        (SellerType::MineroSubsistencia, Some(miner_id)) if !state.status().is_terminal() => {
            let draft = &stored.draft.0;
            let lines: Vec<_> = draft
                .lines
                .iter()
                .filter_map(|line| {
                    Some((
                        domain::Mineral::resolve(&line.mineral).ok()?,
                        domain::SaleQuantity::parse(&line.quantity).ok()?,
                    ))
                })
                .collect();
            let date =
                Fecha::parse(&draft.transaction.transaction_date).unwrap_or_else(|_| today());
            subsistence::cupos_left(conn, miner_id, &lines, date).await?
        }
        _ => Vec::new(),
    };
    Ok(CompraView {
        compra_id: stored.compra_id,
        status: state.status(),
        channel: state.channel(),
        draft: stored.draft.0.clone(),
        seller,
        consent,
        cupos,
        ptm_code: stored
            .ptm_code
            .map(|code| PtmTransactionCode::from(code).to_string()),
        expires_at: fecha_hora(stored.expires_at),
    })
}

/// Reads the purchase again after a step and answers its view; commits.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    compra_id: Uuid,
    buyer_id: Uuid,
) -> Result<CompraView, AppError> {
    let stored = read(&mut tx, compra_id, buyer_id).await?;
    let view = view(&mut tx, &stored).await?;
    tx.commit().await?;
    Ok(view)
}

/// A buyer's purchase (expired first if its time ran out).
pub async fn get(pool: &PgPool, buyer_id: Uuid, compra_id: Uuid) -> Result<CompraView, AppError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, compra_id, buyer_id).await?;
    finish(tx, compra_id, buyer_id).await
}

/// "Guardar transacción": keeps what was typed (valid or not) to resume later.
pub async fn save(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
) -> Result<CompraView, AppError> {
    let (mut tx, stored, state, draft) = begin_step(
        pool,
        user,
        buyer_id,
        compra_id,
        typed,
        CompraEvent::BuyerSavedDraft,
    )
    .await?;
    store(&mut tx, stored.compra_id, state, &draft).await?;
    finish(tx, stored.compra_id, buyer_id).await
}

#[cfg(test)]
mod tests {
    use domain::compra_status::{CompraEvent, CompraState, CompraStatus};

    use super::{EN_CURSO, ENDED, EXPIRABLE};

    /// The codes of an SQL list literal `('A', 'B')`.
    fn codes(literal: &str) -> Vec<&str> {
        literal
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(|code| code.trim().trim_matches('\''))
            .collect()
    }

    fn domain_codes(keep: impl Fn(CompraStatus) -> bool) -> Vec<&'static str> {
        CompraStatus::ALL
            .into_iter()
            .filter(|status| keep(*status))
            .map(CompraStatus::code)
            .collect()
    }

    #[test]
    fn the_sql_status_lists_are_domains() {
        assert_eq!(codes(EN_CURSO), domain_codes(CompraStatus::is_en_curso));
        assert_eq!(
            codes(EXPIRABLE),
            domain_codes(|status| {
                CompraState::restore(status, Some(domain::compra_status::Channel::Url)).is_ok_and(
                    |state| {
                        domain::compra_status::transition(&state, CompraEvent::Expired)
                            .is_ok_and(|next| next.status() == CompraStatus::Vencida)
                    },
                )
            })
        );
        assert_eq!(
            codes(ENDED),
            domain_codes(|status| status.is_terminal() && status != CompraStatus::Revertida)
        );
    }
}
