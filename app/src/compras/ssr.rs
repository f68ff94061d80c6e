//! Server side of a purchase: every step runs in one transaction that locks the purchase's row,
//! asks `domain::compra_status::transition` whether the step is allowed, validates with
//! `domain::CompraDraft`, and writes the row, its messages (outbox) and, on confirmation, the
//! ledger posting together.
//!
//! The seller is always the organisation the registry holds under the document (and title) the
//! buyer typed: its link, token and validation code go to the registry's email and mobile, never to
//! anything the buyer typed.

use domain::compra::SellerType;
use domain::compra_status::{
    Channel, CodeCheck, CompraEvent, CompraState, CompraStatus, SellerChannel, transition,
};
use domain::{
    Balances, Closings, CompraDraft, Fecha, LineDraft, PtmTransactionCode, TaxDraft,
    ValidationErrors, VerificationCode,
};
use sqlx::types::Json;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{CompraView, Confirmacion, EnCursoRow, SaldoDisponible, SellerContact, SellerEditor};
use crate::auth::SignedInUser;
use crate::auth::ssr::{PublicUrl, pool, public_url, secrets, sessions};
use crate::error::AppError;
use crate::ledger::ssr::{Posting, PostingKind, PostingLine, balances_of, post};
use crate::notify::{self, BOGOTA, OutgoingEmail, OutgoingSms};
use crate::saldos::ssr::{balances_message, fecha_hora, saldos};

/// Minutes a validation code is valid.
pub const CODE_VALIDITY_MIN: i32 = 15;
/// Wrong codes allowed per code sent (then a new code must be sent).
pub const CODE_ATTEMPTS_MAX: i32 = 5;
/// Seconds between two validation codes for the same purchase.
pub const CODE_RESEND_WAIT_S: i64 = 60;
/// Most validation codes sent for one purchase.
pub const CODE_SENDS_MAX: i32 = 5;
/// Most purchases "Transacciones en curso" lists.
pub const EN_CURSO_MAX: i64 = 200;

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

/// Today in Colombia.
pub fn today() -> Fecha {
    Fecha::from_date(OffsetDateTime::now_utc().to_offset(BOGOTA).date())
}

/// The statuses "Transacciones en curso" lists.
const EN_CURSO: &str = "('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR', \
     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR', 'REVERSION_PENDIENTE_POR_CONFIRMAR')";

/// The statuses a purchase can expire in (those "en curso" before confirmation).
const EXPIRABLE: &str = "('EN_GESTION_COMPRADOR', 'PENDIENTE_GESTION_VENDEDOR', \
     'GESTIONADA_POR_VENDEDOR', 'PENDIENTE_POR_CONFIRMAR')";

/// The signed-in user who registers purchases for its organisation (Administrador, Operador).
pub async fn buyer() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    match &user.organization {
        Some(organization) if user.role.can_register_transactions() => {
            let organization_id = organization.organization_id;
            Ok((pool, user, organization_id))
        }
        _ => Err(AppError::Forbidden),
    }
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
    pub code_expired: bool,
    pub code_failed_attempts: i32,
    pub code_sends: i32,
    pub code_seconds_since_sent: Option<i64>,
    pub ptm_code: Option<Uuid>,
}

const STORED_COLUMNS: &str = "compra_id, buyer_id, seller_id, status, channel, draft, expires_at, \
     seller_submission_hash, seller_submitted_at IS NOT NULL AS seller_submitted, code_hash, \
     coalesce(code_expires_at <= now(), false) AS code_expired, code_failed_attempts, code_sends, \
     extract(epoch FROM now() - code_sent_at)::bigint AS code_seconds_since_sent, ptm_code";

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
}

fn internal(error: impl std::fmt::Display) -> AppError {
    tracing::error!(%error, "compra almacenada inconsistente");
    AppError::Internal
}

/// The next state, or the domain's reason (in Spanish) why the step is not allowed now.
fn next(state: &CompraState, event: CompraEvent) -> Result<CompraState, AppError> {
    transition(state, event).map_err(|error| AppError::Refused(error.to_string()))
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
/// first if its time ran out.
async fn lock(
    conn: &mut PgConnection,
    compra_id: Uuid,
    buyer_id: Uuid,
) -> Result<Stored, AppError> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE compras SET status = 'VENCIDA', updated_at = now()
         WHERE compra_id = $1 AND buyer_id = $2 AND expires_at <= now() AND status IN {EXPIRABLE}"
    )))
    .bind(compra_id)
    .bind(buyer_id)
    .execute(&mut *conn)
    .await?;
    read(conn, compra_id, buyer_id).await
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
    sqlx::query(
        "INSERT INTO compras (compra_id, buyer_id, created_by, seller_type, status, draft, expires_at)
         VALUES ($1, $2, $3, $4, 'EN_GESTION_COMPRADOR', $5, now() + make_interval(mins => $6))",
    )
    .bind(compra_id)
    .bind(buyer_id)
    .bind(user.user_id)
    .bind(seller_type.code())
    .bind(Json(draft))
    .bind(vigencia().minutes)
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
    let state = next(&stored.state()?, event)?;
    let draft = merge(&stored, typed);
    Ok((tx, stored, state, draft))
}

/// What the buyer typed, over what it may no longer change: the seller type (fixed by the menu),
/// the seller once the purchase was handed to it, the lines and taxes the seller sent (URL, Web
/// Service), and the minerals, codes and quantities the uploaded file brought (TXT).
fn merge(stored: &Stored, typed: CompraDraft) -> CompraDraft {
    let kept = &stored.draft.0;
    let mut draft = typed;
    draft.seller_type = kept.seller_type.clone();
    if stored.seller_id.is_some() {
        draft.seller = kept.seller.clone();
    }
    match stored.channel.as_deref() {
        Some("URL" | "WEB_SERVICE") => {
            draft.lines = kept.lines.clone();
            draft.taxes = kept.taxes.clone();
        }
        // The file decides minerals, codes and quantities; the buyer may still type the values.
        Some(_) => {
            let typed_values: Vec<String> = draft.lines.iter().map(|l| l.value.clone()).collect();
            draft.lines = kept.lines.clone();
            for (line, value) in draft.lines.iter_mut().zip(typed_values) {
                line.value = value;
            }
        }
        None => {}
    }
    draft
}

/// Writes the purchase's new state and draft, and moves its expiry forward.
async fn store(
    conn: &mut PgConnection,
    compra_id: Uuid,
    state: CompraState,
    draft: &CompraDraft,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE compras SET status = $2, channel = $3, draft = $4, updated_at = now(),
                expires_at = now() + make_interval(mins => $5)
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

/// The seller as the registry holds it.
#[derive(Debug, sqlx::FromRow)]
pub struct RegistrySeller {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub document_type: String,
    pub document_number: String,
    pub contact_email: String,
    pub contact_mobile: String,
}

impl RegistrySeller {
    /// What the buyer may see of the seller's contact: enough to recognise it, not to use it.
    pub fn contact(&self) -> SellerContact {
        SellerContact {
            razon_social: self.razon_social.clone(),
            email: mask_email(&self.contact_email),
            mobile: mask_mobile(&self.contact_mobile),
        }
    }
}

/// `ventas@diluvio.com.co` → `ve•••@diluvio.com.co`.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let shown: String = local.chars().take(2).collect();
            format!("{shown}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

/// `+573001234567` → `•••4567`.
fn mask_mobile(mobile: &str) -> String {
    let digits: Vec<char> = mobile.chars().collect();
    let last: String = digits[digits.len().saturating_sub(4)..].iter().collect();
    format!("•••{last}")
}

/// Finds the seller the buyer named: an organisation of the menu's kind with that document and,
/// for a title holder, holding that title. Errors point at the field to correct.
pub async fn find_seller(
    conn: &mut PgConnection,
    buyer_id: Uuid,
    draft: &CompraDraft,
) -> Result<RegistrySeller, AppError> {
    let (seller_type, seller) = seller_only(draft)?;
    let kinds: &[&str] = match seller_type {
        SellerType::ExplotadorMineroAutorizado => &["EXPLOTADOR_MINERO_AUTORIZADO"],
        SellerType::Comercializador => &["COMERCIALIZADOR", "PLANTA_BENEFICIO"],
        _ => {
            return Err(AppError::Refused(
                "Este tipo de compra aún no está disponible en Veta.".to_owned(),
            ));
        }
    };
    let document = seller.document();
    let found: Option<RegistrySeller> = sqlx::query_as(
        "SELECT organization_id, razon_social, document_type, document_number, contact_email,
                contact_mobile
         FROM organizations
         WHERE document_type = $1 AND document_number = $2 AND kind = ANY($3)",
    )
    .bind(document.document_type().code())
    .bind(document.as_str())
    .bind(kinds)
    .fetch_optional(&mut *conn)
    .await?;
    let not_found = || {
        AppError::Invalid(ValidationErrors::one(
            "seller.document_number",
            "Número de documento",
            &SellerLookupError::NotRegistered {
                seller_type,
                document: format!("{} {}", document.document_type().code(), document.as_str()),
            },
        ))
    };
    let found = found.ok_or_else(not_found)?;
    if found.organization_id == buyer_id {
        return Err(AppError::Invalid(ValidationErrors::one(
            "seller.document_number",
            "Número de documento",
            &SellerLookupError::Itself,
        )));
    }
    if let Some(codigo_expediente) = seller.codigo_expediente() {
        let holds: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM mining_titles
                            WHERE codigo_expediente = $1 AND organization_id = $2)",
        )
        .bind(codigo_expediente.to_string())
        .bind(found.organization_id)
        .fetch_one(&mut *conn)
        .await?;
        if !holds {
            return Err(AppError::Invalid(ValidationErrors::one(
                "seller.codigo_expediente",
                "Código de expediente minero",
                &SellerLookupError::TitleNotHeld {
                    codigo_expediente: codigo_expediente.to_string(),
                    razon_social: found.razon_social.clone(),
                },
            )));
        }
    }
    Ok(found)
}

/// The seller's identity alone, by `domain`'s rules: the transaction section is replaced by one
/// known to be valid and an empty razón social by a placeholder (the registry gives the real one),
/// so that only the rules of the document and the title decide.
fn seller_only(draft: &CompraDraft) -> Result<(SellerType, domain::compra::Seller), AppError> {
    let mut probe = draft.clone();
    if probe.seller.razon_social.trim().is_empty() {
        probe.seller.razon_social = "VENDEDOR".into();
    }
    probe.transaction = domain::TransactionDraft {
        invoice_date: "01/01/2025".into(),
        transaction_date: "01/01/2025".into(),
        sha256: "0".repeat(64),
        currency: "COP".into(),
        departamento: "05".into(),
        municipio: "05001".into(),
    };
    probe
        .validate_header(today(), &Closings::none())
        .map_err(AppError::Invalid)
}

/// Why the seller typed is not one Veta can hand the purchase to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SellerLookupError {
    #[error(
        "No hay un vendedor de tipo «{}» registrado en Veta con {document}. Verifique el documento o pídale al vendedor que registre su organización.",
        seller_type.label()
    )]
    NotRegistered {
        seller_type: SellerType,
        document: String,
    },
    #[error("El vendedor es su propia organización: una compra es entre dos organizaciones.")]
    Itself,
    #[error("El título {codigo_expediente} no está registrado a nombre de {razon_social}.")]
    TitleNotHeld {
        codigo_expediente: String,
        razon_social: String,
    },
}

impl domain::ErrorCode for SellerLookupError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotRegistered { .. } => "seller_not_registered",
            Self::Itself => "seller_is_buyer",
            Self::TitleNotHeld { .. } => "seller_title_not_held",
        }
    }
}

async fn seller_by_id(
    conn: &mut PgConnection,
    seller_id: Uuid,
) -> Result<RegistrySeller, AppError> {
    Ok(sqlx::query_as(
        "SELECT organization_id, razon_social, document_type, document_number, contact_email,
                contact_mobile
         FROM organizations WHERE organization_id = $1",
    )
    .bind(seller_id)
    .fetch_one(conn)
    .await?)
}

async fn razon_social_of(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<String, AppError> {
    Ok(
        sqlx::query_scalar("SELECT razon_social FROM organizations WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_one(conn)
            .await?,
    )
}

/// The page's view of a purchase.
async fn view(conn: &mut PgConnection, stored: &Stored) -> Result<CompraView, AppError> {
    let state = stored.state()?;
    let seller = match stored.seller_id {
        Some(seller_id) => Some(seller_by_id(conn, seller_id).await?.contact()),
        None => None,
    };
    Ok(CompraView {
        compra_id: stored.compra_id,
        status: state.status(),
        channel: state.channel(),
        draft: stored.draft.0.clone(),
        seller,
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

/// The seller found for the typed data (the wizard shows its name and masked contact).
pub async fn lookup_seller(
    pool: &PgPool,
    buyer_id: Uuid,
    draft: &CompraDraft,
) -> Result<SellerContact, AppError> {
    let mut conn = pool.acquire().await?;
    Ok(find_seller(&mut conn, buyer_id, draft).await?.contact())
}

/// "Gestionar URL" / "Generar Cód. WS": checks the seller and transaction data, finds the seller
/// in the registry and emails it a new link (URL) or a new temporary token (Web Service), which
/// replaces any earlier one.
pub async fn hand_to_seller(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
    via: SellerChannel,
) -> Result<CompraView, AppError> {
    let event = match via {
        SellerChannel::Url => CompraEvent::BuyerSentUrl,
        SellerChannel::WebService => CompraEvent::BuyerGeneratedWsCode,
    };
    let (mut tx, stored, state, mut draft) =
        begin_step(pool, user, buyer_id, compra_id, typed, event).await?;
    let seller = find_seller(&mut tx, buyer_id, &draft).await?;
    draft.seller.razon_social = seller.razon_social.clone();
    draft
        .validate_header(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    let secret = secrets::new_secret();
    store(&mut tx, stored.compra_id, state, &draft).await?;
    sqlx::query(
        "UPDATE compras SET seller_id = $2, seller_secret_hash = $3, seller_submission_hash = NULL,
                seller_submitted_at = NULL
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller.organization_id)
    .bind(secrets::hash(&secret))
    .execute(&mut *tx)
    .await?;
    let public_url = public_url()?;
    let email = match via {
        SellerChannel::Url => link_email(&public_url, &seller, &buyer_name, &draft, &secret),
        SellerChannel::WebService => {
            ws_email(&public_url, &seller, &buyer_name, stored.compra_id, &secret)
        }
    };
    notify::enqueue_email(&mut tx, &email).await?;
    tracing::info!(compra_id = %stored.compra_id, channel = ?via, "compra enviada al vendedor");
    finish(tx, stored.compra_id, buyer_id).await
}

fn seller_lines(seller: &RegistrySeller) -> String {
    format!("{} {}", seller.document_type, seller.document_number)
}

fn link_email(
    public_url: &PublicUrl,
    seller: &RegistrySeller,
    buyer_name: &str,
    draft: &CompraDraft,
    secret: &str,
) -> OutgoingEmail {
    let url = format!("{}/venta/{secret}", public_url.0);
    let paragraphs = [
        format!(
            "{buyer_name} registra en Veta una compra de minerales a su organización (factura del \
             {}). Indique los códigos de origen, las cantidades y los valores que le vende en el \
             editor de códigos de origen y saldos para la venta.",
            draft.transaction.invoice_date
        ),
        "El enlace es personal: sirve hasta que envíe los datos o la transacción venza. No lo \
         reenvíe."
            .to_owned(),
    ];
    let (text, html) = notify::notification(
        &seller.razon_social,
        &[&seller_lines(seller)],
        &paragraphs,
        Some(("Gestionar la venta", &url)),
        OffsetDateTime::now_utc(),
    );
    OutgoingEmail {
        to: seller.contact_email.clone(),
        to_name: Some(seller.razon_social.clone()),
        subject: format!("{buyer_name} le solicita los datos de una venta de minerales"),
        text,
        html,
        attachment: None,
    }
}

/// The Web Service's address for one purchase.
pub fn ws_endpoint(public_url: &PublicUrl, compra_id: Uuid) -> String {
    format!(
        "{}/api/ws/v1/transacciones/{compra_id}/detalle",
        public_url.0
    )
}

fn ws_email(
    public_url: &PublicUrl,
    seller: &RegistrySeller,
    buyer_name: &str,
    compra_id: Uuid,
    secret: &str,
) -> OutgoingEmail {
    let paragraphs = [
        format!(
            "{buyer_name} registra en Veta una compra de minerales a su organización. Envíe el \
             detalle desde su sistema de gestión (ERP) al Web Service:"
        ),
        format!(
            "Endpoint: {}\nTransaction_id: {compra_id}\nToken temporal: {secret}",
            ws_endpoint(public_url, compra_id)
        ),
        format!(
            "Envíe un POST con el encabezado «Authorization: Bearer <token temporal>» y el detalle \
             en JSON, como lo describe {}/api/ws/v1/openapi.json. El token sirve solo para esta \
             transacción, hasta que la transacción venza.",
            public_url.0
        ),
    ];
    let (text, html) = notify::notification(
        &seller.razon_social,
        &[&seller_lines(seller)],
        &paragraphs,
        None,
        OffsetDateTime::now_utc(),
    );
    OutgoingEmail {
        to: seller.contact_email.clone(),
        to_name: Some(seller.razon_social.clone()),
        subject: format!("Código WS de una compra de {buyer_name}"),
        text,
        html,
        attachment: None,
    }
}

/// "Cargar archivo (.TXT)": the seller's balances file with the quantities to sell becomes the
/// purchase's lines. Errors point at the file's line and column (field `txt`).
pub async fn upload_txt(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
    txt: &str,
) -> Result<CompraView, AppError> {
    let currency = domain::Currency::parse(&typed.transaction.currency).map_err(|error| {
        AppError::Invalid(ValidationErrors::one(
            "transaction.currency",
            "Moneda",
            &error,
        ))
    })?;
    let file = domain::balances_txt::parse_balances_txt(txt.as_bytes(), currency)
        .map_err(|error| AppError::Invalid(super::txt_errors(&error)))?;
    let (mut tx, stored, state, mut draft) = begin_step(
        pool,
        user,
        buyer_id,
        compra_id,
        typed,
        CompraEvent::BuyerUploadedTxt,
    )
    .await?;
    draft.lines = file.to_line_drafts();
    if draft.lines.is_empty() {
        return Err(AppError::Invalid(ValidationErrors::one(
            "txt",
            "Archivo .TXT",
            &domain::AllocationError::Empty,
        )));
    }
    store(&mut tx, stored.compra_id, state, &draft).await?;
    finish(tx, stored.compra_id, buyer_id).await
}

/// The seller's balances, as a `Balances` to check a sale against.
async fn seller_balances(conn: &mut PgConnection, seller_id: Uuid) -> Result<Balances, AppError> {
    Balances::try_from(balances_of(conn, seller_id).await?).map_err(internal)
}

/// Every rule of a complete purchase: the form's, then the seller's balances.
/// Reads the balances on the step's own connection: a second connection taken from the pool while
/// the step holds one would starve the pool when as many steps run at once as it has connections.
async fn validate_complete(
    conn: &mut PgConnection,
    draft: &CompraDraft,
    seller_id: Uuid,
) -> Result<domain::Compra, AppError> {
    let compra = draft
        .validate(today(), &Closings::none())
        .map_err(AppError::Invalid)?;
    compra
        .check_seller_balances(&seller_balances(conn, seller_id).await?)
        .map_err(AppError::Invalid)?;
    Ok(compra)
}

/// "Enviar": the complete purchase goes for confirmation; a validation code goes to the seller by
/// email and SMS (again, with a new code, when already pending, at most once a minute).
pub async fn submit(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    compra_id: Option<Uuid>,
    typed: CompraDraft,
) -> Result<CompraView, AppError> {
    let event = CompraEvent::BuyerSubmittedForConfirmation;
    let (mut tx, stored, state, mut draft) =
        begin_step(pool, user, buyer_id, compra_id, typed, event).await?;
    let seller = find_seller(&mut tx, buyer_id, &draft).await?;
    draft.seller.razon_social = seller.razon_social.clone();
    if stored
        .seller_id
        .is_some_and(|id| id != seller.organization_id)
    {
        return Err(internal("the seller changed after it was identified"));
    }
    validate_complete(&mut tx, &draft, seller.organization_id).await?;
    if stored.code_sends >= CODE_SENDS_MAX {
        return Err(AppError::Throttled(format!(
            "Ya se enviaron {CODE_SENDS_MAX} códigos de validación para esta transacción. \
             Regístrela de nuevo."
        )));
    }
    let usable = stored.code_hash.is_some()
        && !stored.code_expired
        && stored.code_failed_attempts < CODE_ATTEMPTS_MAX;
    let wait_s = CODE_RESEND_WAIT_S - stored.code_seconds_since_sent.unwrap_or(i64::MAX / 2);
    if stored.status == CompraStatus::PendientePorConfirmar.code() && usable && wait_s > 0 {
        return Err(AppError::Throttled(format!(
            "Ya le enviamos un código al vendedor. Espere {wait_s} segundos antes de pedir otro."
        )));
    }
    store(&mut tx, stored.compra_id, state, &draft).await?;
    let code = VerificationCode::from_random(secrets::random_u32());
    sqlx::query(
        "UPDATE compras SET seller_id = $2, code_hash = $3, code_failed_attempts = 0,
                code_sends = code_sends + 1, code_sent_at = now(),
                code_expires_at = now() + make_interval(mins => $4)
         WHERE compra_id = $1",
    )
    .bind(stored.compra_id)
    .bind(seller.organization_id)
    .bind(code_hash(stored.compra_id, &code))
    .bind(CODE_VALIDITY_MIN)
    .execute(&mut *tx)
    .await?;
    let buyer_name = razon_social_of(&mut tx, buyer_id).await?;
    send_code(&mut tx, stored.compra_id, &seller, &buyer_name, &code).await?;
    finish(tx, stored.compra_id, buyer_id).await
}

/// A validation code's stored form: bound to its purchase.
fn code_hash(compra_id: Uuid, code: &VerificationCode) -> Vec<u8> {
    secrets::code_hash(&compra_id.to_string(), code.as_ref())
}

async fn send_code(
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

/// "Transacciones en curso": the buyer's unfinished purchases, newest first.
pub async fn en_curso(pool: &PgPool, buyer_id: Uuid) -> Result<Vec<EnCursoRow>, AppError> {
    let mut conn = pool.acquire().await?;
    expire_due(&mut conn, buyer_id).await?;
    let rows: Vec<EnCursoRecord> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT c.compra_id, c.status, c.seller_type, c.updated_at,
                coalesce(o.razon_social, nullif(trim(c.draft->'seller'->>'razon_social'), ''))
                    AS counterpart
         FROM compras c LEFT JOIN organizations o ON o.organization_id = c.seller_id
         WHERE c.buyer_id = $1 AND c.status IN {EN_CURSO}
         ORDER BY c.updated_at DESC LIMIT $2"
    )))
    .bind(buyer_id)
    .bind(EN_CURSO_MAX)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
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
        .collect()
}

#[derive(sqlx::FromRow)]
struct EnCursoRecord {
    compra_id: Uuid,
    status: String,
    seller_type: String,
    updated_at: OffsetDateTime,
    counterpart: Option<String>,
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

// ---- The seller's side: the emailed link and the Web Service token. ----

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
        "El comprador ya no espera sus datos para esta transacción (la canceló o la gestiona él)."
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
    if stored.status == CompraStatus::Vencida.code()
        || (stored.status == CompraStatus::PendienteGestionVendedor.code()
            && stored.expires_at <= OffsetDateTime::now_utc())
    {
        return Ok(Err(SellerAccessError::Expired));
    }
    if stored.status != CompraStatus::PendienteGestionVendedor.code() {
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
        .map(|(entry, at)| SaldoDisponible {
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
    let state = next(&stored.state()?, CompraEvent::SellerSubmittedDetail { via })?;
    let mut draft = stored.draft.0.clone();
    draft.lines = lines;
    draft.taxes = taxes;
    let seller_id = stored.seller_id.ok_or_else(|| internal("no seller"))?;
    validate_complete(&mut *conn, &draft, seller_id).await?;
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
    let (text, html) = notify::notification(
        &creator_name,
        &[],
        &paragraphs,
        Some(("Ver transacciones en curso", &url)),
        OffsetDateTime::now_utc(),
    );
    notify::enqueue_email(
        conn,
        &OutgoingEmail {
            to: creator_email,
            to_name: Some(creator_name),
            subject: format!("{seller} gestionó su transacción"),
            text,
            html,
            attachment: None,
        },
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
