//! The purchase (*compra*), end to end: the buyer's wizard (Compras → *Explotador Minero
//! Autorizado* / *Comercializador*), the three ways the seller's detail arrives (the buyer uploads
//! the seller's balances TXT; the seller fills the emailed link's editor; the seller's ERP calls
//! the Web Service, served by the `server` crate), *Transacciones en curso*, and the validation
//! code that confirms the purchase and moves the balances through the ledger.
//!
//! The rules are `domain`'s (`CompraDraft::validate`, `compra_status::transition`,
//! `Compra::check_seller_balances`): the wizard runs them in the browser as the user types and the
//! server runs them again at every step.

mod decline;
mod detail;
mod en_curso;
mod history;
mod pager;
mod reversal;
mod sin_origen;
mod transaction_fields;
mod valores;
mod venta;
mod wizard;

#[cfg(feature = "ssr")]
pub mod ssr;

pub use decline::DeclinePage;
pub use detail::DetailPage;
pub use en_curso::{EnCursoBell, EnCursoPage};
pub use history::HistoryPage;
pub use reversal::ReversalPage;
pub use sin_origen::{SinOrigenAuditPage, SinOrigenPage};
pub use venta::SellerEditorPage;
pub use wizard::{
    CompraComercializadorPage, CompraExplotadorPage, CompraMineroSubsistenciaPage, ResumePage,
};

use domain::compra::SellerType;
use domain::compra_history::HistoryFilterDraft;
use domain::compra_status::{Channel, CompraStatus, SellerChannel};
use domain::{
    BalancesTxtError, CompraDraft, FieldError, LineDraft, Mineral, Quantity, TaxDraft,
    TransactionDraft, Unit, ValidationErrors,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::reports::AsOf;

/// A purchase as the wizard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompraView {
    pub compra_id: Uuid,
    pub status: CompraStatus,
    pub channel: Option<Channel>,
    pub draft: CompraDraft,
    /// The seller found in the registry, once identified.
    pub seller: Option<SellerContact>,
    /// What the validation code sent to the seller approves (while one is pending).
    pub consent: Option<domain::Consent>,
    /// A subsistence miner's cupo left, per row its lines touch, in the month and year of the
    /// transaction date (before this purchase; empty for other sellers).
    pub cupos: Vec<domain::Cupo>,
    /// Once confirmed.
    pub ptm_code: Option<String>,
    /// `DD/MM/AAAA HH:MM`: when it expires without progress.
    pub expires_at: String,
}

/// The seller as the registry holds it, with its contact masked: the buyer sees where the link
/// and the code go, never the address itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerContact {
    pub razon_social: String,
    pub email: String,
    pub mobile: String,
}

/// One purchase in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnCursoRow {
    pub compra_id: Uuid,
    /// The seller's name.
    pub counterpart: String,
    pub seller_type: SellerType,
    pub status: CompraStatus,
    /// `DD/MM/AAAA HH:MM`.
    pub updated: String,
}

/// One purchase of *Historial de compras*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryRow {
    pub compra_id: Uuid,
    /// `DD/MM/AAAA HH:MM` of its registration.
    pub registered: String,
    /// The seller's name and document, from the registry or as typed.
    pub seller: String,
    pub seller_document: String,
    pub seller_type: SellerType,
    pub status: CompraStatus,
    /// The minerals of its lines, by their names.
    pub minerals: String,
    /// Once confirmed.
    pub ptm_code: Option<String>,
    pub confirmed: Option<String>,
}

/// A page of *Historial de compras*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryList {
    pub rows: Vec<HistoryRow>,
    pub page: Pages,
}

/// A page of *Transacciones en curso*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnCursoList {
    pub rows: Vec<EnCursoRow>,
    pub page: Pages,
}

/// Where a page of a list of purchases stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pages {
    /// Purchases in the whole list.
    pub total: u64,
    /// This page, from 1, and how many there are.
    pub current: u32,
    pub count: u32,
}

impl Pages {
    /// Page `current` of a list of `total` purchases, `domain::compra_history::PAGE_ROWS` a page.
    pub fn of(total: u64, current: u32) -> Self {
        let rows = u64::from(domain::compra_history::PAGE_ROWS);
        Self {
            total,
            current,
            count: u32::try_from(total.div_ceil(rows)).unwrap_or(u32::MAX),
        }
    }
}

/// A purchase's page: what it is, what happened to it, what it moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompraDetail {
    pub compra_id: Uuid,
    pub seller_type: SellerType,
    pub status: CompraStatus,
    pub channel: Option<Channel>,
    /// Name and document.
    pub seller: String,
    /// `DD/MM/AAAA HH:MM`.
    pub registered: String,
    pub confirmed: Option<String>,
    pub ptm_code: Option<String>,
    /// What the buyer declared of a purchase without identified origin.
    pub origin_declaration: Option<String>,
    /// Once its lines and taxes are complete.
    pub totals: Option<Totals>,
    pub draft: CompraDraft,
    pub events: Vec<EventRow>,
    /// The movements of its posting, once confirmed.
    pub postings: Vec<PostingRow>,
}

/// *Valores de venta*, shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub before_taxes: String,
    pub taxes: String,
    pub including_taxes: String,
    pub payable: String,
}

/// One step of a purchase: when, who, what, and the state it left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub status: CompraStatus,
}

/// One movement a purchase posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingRow {
    pub holder: String,
    pub codigo_origen: String,
    pub mineral: String,
    pub unit: String,
    /// Signed, Colombian format.
    pub delta: String,
    pub kind: domain::MovementKind,
}

/// A purchase without identified origin, as the auditor's list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinOrigenRow {
    /// `DD/MM/AAAA HH:MM`.
    pub registered: String,
    pub buyer: String,
    /// Name and document, as the buyer typed them.
    pub seller: String,
    /// Each line: mineral, quantity, unit.
    pub lines: Vec<String>,
    /// What it counted against the buyer's monthly limit.
    pub grams: String,
    pub declaration: String,
    pub sha256: String,
    pub ptm_code: String,
}

/// A confirmed purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmacion {
    /// The PTM transaction code (UUID, uppercase).
    pub ptm_code: String,
}

/// One of the seller's balances, as its editor lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaldoDisponible {
    pub codigo_origen: String,
    pub mineral: Mineral,
    pub disponible: Quantity,
    pub unit: Unit,
    /// `DD/MM/AAAA HH:MM` of its last movement.
    pub fecha: String,
}

/// What the seller's editor shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SellerEditor {
    pub buyer: String,
    pub seller: String,
    pub transaction: TransactionDraft,
    pub rows: Vec<SaldoDisponible>,
}

/// What the seller sees on the page of its decline link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclineView {
    pub buyer: String,
    pub seller: String,
    pub status: CompraStatus,
    pub invoice_date: String,
    /// Each line as its consent states it (empty while the lines are not complete).
    pub lines: Vec<String>,
}

/// The identity documents a seller of this kind may be identified with, as a selector's options.
fn document_type_options(seller_type: SellerType) -> Vec<(String, String)> {
    domain::DocumentType::ALL
        .into_iter()
        .filter(|t| seller_type.allows_document_type(*t))
        .map(|t| (t.code().to_owned(), t.label().to_owned()))
        .collect()
}

/// A TXT file's errors as field errors of the field `txt` (one per bad line).
pub fn txt_errors(error: &BalancesTxtError) -> ValidationErrors {
    match error {
        BalancesTxtError::Lines(lines) => ValidationErrors {
            errors: lines
                .iter()
                .map(|line| FieldError {
                    field: "txt".to_owned(),
                    code: line.code.clone(),
                    message: line.message.clone(),
                })
                .collect(),
        },
        other => ValidationErrors::one("txt", "Archivo .TXT", other),
    }
}

/// The seller the typed data names, as the registry holds it.
#[server(endpoint = "compras/vendedor")]
pub async fn find_seller(draft: CompraDraft) -> Result<SellerContact, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::lookup_seller(&pool, &user, buyer_id, &draft).await
        }
        .await,
    )
}

/// A purchase of the signed-in organisation.
#[server(endpoint = "compras/obtener")]
pub async fn get_compra(compra_id: Uuid) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, buyer_id) = ssr::buyer().await?;
            ssr::get(&pool, buyer_id, compra_id).await
        }
        .await,
    )
}

/// A purchase's page (`/compras/detalle/:id`).
#[server(endpoint = "compras/detalle")]
pub async fn get_detail(compra_id: Uuid) -> Result<CompraDetail, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, buyer_id) = ssr::buyer().await?;
            ssr::detail(&pool, buyer_id, compra_id).await
        }
        .await,
    )
}

/// "Guardar transacción" (creates the purchase when `compra_id` is none).
#[server(endpoint = "compras/guardar")]
pub async fn save_compra(
    compra_id: Option<Uuid>,
    draft: CompraDraft,
) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::save(&pool, &user, buyer_id, compra_id, draft).await
        }
        .await,
    )
}

/// "Gestionar URL" (`URL`) or "Generar Cód. WS" (`WEB_SERVICE`).
#[server(endpoint = "compras/enviar-al-vendedor")]
pub async fn hand_to_seller(
    compra_id: Option<Uuid>,
    draft: CompraDraft,
    via: SellerChannel,
) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::hand_to_seller(&pool, &user, buyer_id, compra_id, draft, via).await
        }
        .await,
    )
}

/// "Cargar archivo (.TXT)".
#[server(endpoint = "compras/cargar-txt")]
pub async fn upload_txt(
    compra_id: Option<Uuid>,
    draft: CompraDraft,
    txt: String,
) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::upload_txt(&pool, &user, buyer_id, compra_id, draft, &txt).await
        }
        .await,
    )
}

/// "Enviar": the purchase goes for confirmation and the seller receives the validation code.
#[server(endpoint = "compras/enviar")]
pub async fn submit_compra(
    compra_id: Option<Uuid>,
    draft: CompraDraft,
) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::submit(&pool, &user, buyer_id, compra_id, draft).await
        }
        .await,
    )
}

/// "Confirmar transacción" with the *código de validación de la transacción*.
#[server(endpoint = "compras/confirmar")]
pub async fn confirm_compra(compra_id: Uuid, code: String) -> Result<Confirmacion, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::confirm(&pool, (buyer_id, &user.full_name), compra_id, &code).await
        }
        .await,
    )
}

/// "Registrar compra" of a purchase without identified origin: registered and posted at once.
/// `compra_id` is the form's own id, so that a retried request registers nothing twice.
#[server(endpoint = "compras/sin-origen/registrar")]
pub async fn register_sin_origen(
    compra_id: Uuid,
    draft: CompraDraft,
    declaration: String,
) -> Result<Confirmacion, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::register_sin_origen(
                &pool,
                (user.user_id, buyer_id, &user.full_name),
                compra_id,
                draft,
                &declaration,
            )
            .await
        }
        .await,
    )
}

/// Every purchase without identified origin (the *Auditor ANM* and the *Administrador OTTM*).
#[server(endpoint = "compras/sin-origen/auditoria")]
pub async fn list_sin_origen() -> Result<AsOf<Vec<SinOrigenRow>>, AppError> {
    crate::error::with_status(
        async move {
            use crate::auth::ssr::{pool, read_pool, sessions};
            sessions::require_platform(&pool()?).await?;
            let read = read_pool()?;
            crate::reports::ssr::read_as_of(&read, ssr::sin_origen_audit(&read)).await
        }
        .await,
    )
}

/// "Anular": the buyer ends a purchase before its confirmation.
#[server(endpoint = "compras/anular")]
pub async fn annul_compra(compra_id: Uuid) -> Result<CompraView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, buyer_id) = ssr::buyer().await?;
            ssr::annul(&pool, (buyer_id, &user.full_name), compra_id).await
        }
        .await,
    )
}

/// "Transacciones en curso".
#[server(endpoint = "compras/en-curso")]
pub async fn list_en_curso(#[server(default)] page: u32) -> Result<EnCursoList, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, buyer_id) = ssr::buyer().await?;
            ssr::en_curso(&pool, buyer_id, page).await
        }
        .await,
    )
}

/// *Historial de compras*: a page of the purchases the filters select.
#[server(endpoint = "compras/historial")]
pub async fn list_history(
    #[server(default)] filter: HistoryFilterDraft,
    #[server(default)] page: u32,
) -> Result<AsOf<HistoryList>, AppError> {
    crate::error::with_status(
        async move {
            let filter = filter.validate().map_err(AppError::Invalid)?;
            let (_, _, buyer_id) = ssr::buyer().await?;
            let read = crate::auth::ssr::read_pool()?;
            let history = ssr::history(&read, buyer_id, &filter, page);
            crate::reports::ssr::read_as_of(&read, history).await
        }
        .await,
    )
}

/// *Exportar CSV*: every purchase the filters select, as the text of a CSV file.
#[server(endpoint = "compras/historial/csv")]
pub async fn export_history(
    #[server(default)] filter: HistoryFilterDraft,
) -> Result<String, AppError> {
    crate::error::with_status(
        async move {
            let filter = filter.validate().map_err(AppError::Invalid)?;
            let (_, _, buyer_id) = ssr::buyer().await?;
            ssr::history_csv(&crate::auth::ssr::read_pool()?, buyer_id, &filter).await
        }
        .await,
    )
}

/// The bell's count (none for users who do not register purchases).
#[server(endpoint = "compras/en-curso/cantidad")]
pub async fn count_en_curso() -> Result<Option<i64>, AppError> {
    crate::error::with_status(
        async move {
            match ssr::buyer().await {
                Ok((pool, _, buyer_id)) => Ok(Some(ssr::en_curso_count(&pool, buyer_id).await?)),
                Err(AppError::Forbidden | AppError::NotSignedIn) => Ok(None),
                Err(error) => Err(error),
            }
        }
        .await,
    )
}

/// The seller's editor, opened from the emailed link (no account needed: the link is the key).
#[server(endpoint = "venta/editor")]
pub async fn open_seller_editor(token: String) -> Result<SellerEditor, AppError> {
    crate::error::with_status(
        async move { ssr::editor(&crate::auth::ssr::pool()?, &token).await }.await,
    )
}

/// "Enviar" in the seller's editor.
#[server(endpoint = "venta/enviar")]
pub async fn submit_seller_detail(
    token: String,
    // A sale without taxes sends no `taxes` field at all in a form body.
    #[server(default)] lines: Vec<LineDraft>,
    #[server(default)] taxes: Vec<TaxDraft>,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            ssr::submit_from_link(&crate::auth::ssr::pool()?, &token, lines, taxes).await
        }
        .await,
    )
}

/// What the seller's decline link shows (no account needed: the link is the key).
#[server(endpoint = "venta/rechazo")]
pub async fn open_decline(token: String) -> Result<DeclineView, AppError> {
    crate::error::with_status(
        async move { ssr::decline_view(&crate::auth::ssr::pool()?, &token).await }.await,
    )
}

/// The seller declines the purchase ("No reconozco esta compra" when `disowned`).
#[server(endpoint = "venta/rechazar")]
pub async fn decline_compra(token: String, disowned: bool) -> Result<(), AppError> {
    crate::error::with_status(
        async move { ssr::decline(&crate::auth::ssr::pool()?, &token, disowned).await }.await,
    )
}
