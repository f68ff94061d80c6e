//! The seller as the registry holds it: found by the document (and title) the buyer typed, never by
//! anything the buyer says about where to reach it.

use domain::compra::SellerType;
use domain::limits::SELLER_LOOKUPS_PER_USER;
use domain::subsistence_registry::RegistryState;
use domain::{ApprovalStatus, Closings, CompraDraft, ValidationErrors};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::today;
use crate::auth::SignedInUser;
use crate::compras::SellerContact;
use crate::error::AppError;
use crate::limits;

/// The seller as the registry holds it.
#[derive(Debug, sqlx::FromRow)]
pub struct RegistrySeller {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub document_type: String,
    pub document_number: String,
    /// None only for a subsistence miner of the registry without email (the codes go by SMS).
    pub contact_email: Option<String>,
    pub contact_mobile: String,
}

impl RegistrySeller {
    /// What the buyer may see of the seller's contact: enough to recognise it, not to use it.
    pub fn contact(&self) -> SellerContact {
        SellerContact {
            razon_social: self.razon_social.clone(),
            email: self
                .contact_email
                .as_deref()
                .map_or_else(|| "sin correo".to_owned(), mask_email),
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
    let kinds: Vec<&str> = seller_type
        .registry_kinds()
        .iter()
        .map(|kind| kind.code())
        .collect();
    let document = seller.document();
    let found = sqlx::query_as::<_, RegistryRowWithState>(
        "SELECT organization_id, razon_social, document_type, document_number, contact_email,
                contact_mobile, registry_state
         FROM organizations
         WHERE document_type = $1 AND document_number = $2 AND kind = ANY($3)
           AND approval_status = $4",
    )
    .bind(document.document_type().code())
    .bind(document.as_str())
    .bind(&kinds)
    .bind(ApprovalStatus::Aprobada.code())
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| (row.seller, row.registry_state));
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
    let (found, registry_state) = found.ok_or_else(not_found)?;
    // A subsistence miner sells only while the registry holds it active.
    if seller_type == SellerType::MineroSubsistencia
        && registry_state.as_deref() != Some(RegistryState::Activo.code())
    {
        let error = match registry_state {
            None => not_found(),
            Some(_) => AppError::Invalid(ValidationErrors::one(
                "seller.document_number",
                "Número de documento",
                &SellerLookupError::MinerInactive {
                    name: found.razon_social.clone(),
                },
            )),
        };
        return Err(error);
    }
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

/// A registry row with the subsistence miners' registry state beside it.
#[derive(sqlx::FromRow)]
struct RegistryRowWithState {
    #[sqlx(flatten)]
    seller: RegistrySeller,
    registry_state: Option<String>,
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
    #[error(
        "{name} está «inactivo» en el registro de mineros de subsistencia: no puede vender mientras la alcaldía no lo reactive."
    )]
    MinerInactive { name: String },
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
            Self::MinerInactive { .. } => "seller_miner_inactive",
            Self::Itself => "seller_is_buyer",
            Self::TitleNotHeld { .. } => "seller_title_not_held",
        }
    }
}

pub(super) async fn seller_by_id(
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

pub(super) async fn razon_social_of(
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

/// The seller found for the typed data (the wizard shows its name and masked contact).
/// "Buscar vendedor" shows a razón social and masked contacts (personal data, for a natural
/// person): each look-up is recorded with the document asked for, and limited per user.
pub async fn lookup_seller(
    pool: &PgPool,
    user: &SignedInUser,
    buyer_id: Uuid,
    draft: &CompraDraft,
) -> Result<SellerContact, AppError> {
    let mut tx = pool.begin().await?;
    let asked = format!(
        "{} {}",
        draft.seller.document_type.trim(),
        draft.seller.document_number.trim()
    );
    limits::attempt(
        &mut tx,
        &SELLER_LOOKUPS_PER_USER,
        &user.user_id.to_string(),
        Some(&domain_echo(&asked)),
    )
    .await?;
    // The look-up is counted even when it finds nobody.
    let found = find_seller(&mut tx, buyer_id, draft).await;
    tx.commit().await?;
    Ok(found?.contact())
}

/// What a record keeps of a typed value: bounded.
fn domain_echo(text: &str) -> String {
    text.chars().take(60).collect()
}
