//! Server side of the approval: an organisation proves its contacts and sends its evidence; the
//! *Administrador OTTM* approves or rejects it, and resolves claims over identities.

use domain::{ApprovalStatus, EvidenceKind, OrganizationKind, Role, Sha256Hex};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{ApprovalView, ContactChannel, EvidenceRow};
use crate::auth::SignedInUser;
use crate::auth::ssr::{pool, sessions};
use crate::error::AppError;

mod claims;
mod contacts;
mod review;

pub use claims::{decide_claim, submit_claim};
pub use contacts::{send_contact_code, verify_contact};
pub use review::{add_evidence, decide, request_approval, review_list};

/// The signed-in user and its organisation (any role reads; only an administrator acts).
pub async fn member() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    let organization_id = user
        .organization
        .as_ref()
        .map(|o| o.organization_id)
        .ok_or(AppError::Forbidden)?;
    Ok((pool, user, organization_id))
}

/// The organisation's administrator, who completes the verification.
pub async fn administrator() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
    let (pool, user, organization_id) = member().await?;
    if !user.role.can_manage_users() {
        return Err(AppError::Forbidden);
    }
    Ok((pool, user, organization_id))
}

/// The *Administrador OTTM*.
pub async fn ottm_admin() -> Result<(PgPool, SignedInUser), AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    if user.role != Role::AdministradorOttm {
        return Err(AppError::Forbidden);
    }
    Ok((pool, user))
}

#[derive(sqlx::FromRow)]
struct OrganizationRecord {
    organization_id: Uuid,
    razon_social: String,
    kind: String,
    document_type: String,
    document_number: String,
    municipio_code: String,
    contact_email: String,
    contact_mobile: String,
    rucom_number: Option<String>,
    approval_status: String,
    contact_email_verified: bool,
    contact_mobile_verified: bool,
    requested: bool,
    approval_reason: Option<String>,
    titles: Vec<String>,
}

const ORGANIZATION_COLUMNS: &str = "o.organization_id, o.razon_social, o.kind, o.document_type,
    o.document_number, o.municipio_code, o.contact_email, o.contact_mobile, o.rucom_number,
    o.approval_status, o.contact_email_verified_at IS NOT NULL AS contact_email_verified,
    o.contact_mobile_verified_at IS NOT NULL AS contact_mobile_verified,
    o.approval_requested_at IS NOT NULL AS requested, o.approval_reason,
    coalesce((SELECT array_agg(t.codigo_expediente ORDER BY t.codigo_expediente)
              FROM mining_titles t WHERE t.organization_id = o.organization_id), '{}') AS titles";

impl OrganizationRecord {
    fn kind(&self) -> Result<OrganizationKind, AppError> {
        OrganizationKind::parse(&self.kind).map_err(|_| AppError::Internal)
    }

    fn status(&self) -> Result<ApprovalStatus, AppError> {
        ApprovalStatus::from_code(&self.approval_status).map_err(|_| AppError::Internal)
    }
}

async fn organization(
    conn: &mut PgConnection,
    organization_id: Uuid,
    for_update: bool,
) -> Result<OrganizationRecord, AppError> {
    let lock = if for_update { "FOR UPDATE OF o" } else { "" };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.organization_id = $1 {lock}"
    )))
    .bind(organization_id)
    .fetch_optional(conn)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(sqlx::FromRow)]
struct EvidenceRecord {
    kind: String,
    sha256: Vec<u8>,
    file_name: Option<String>,
}

async fn evidence(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<Vec<EvidenceRow>, AppError> {
    let records: Vec<EvidenceRecord> = sqlx::query_as(
        "SELECT kind, sha256, file_name FROM organization_evidence
         WHERE organization_id = $1 ORDER BY kind",
    )
    .bind(organization_id)
    .fetch_all(conn)
    .await?;
    records
        .into_iter()
        .map(|r| {
            let digest =
                <[u8; 32]>::try_from(r.sha256.as_slice()).map_err(|_| AppError::Internal)?;
            Ok(EvidenceRow {
                kind: EvidenceKind::from_code(&r.kind).ok_or(AppError::Internal)?,
                sha256: Sha256Hex::from_digest(digest).to_string(),
                file_name: r.file_name,
            })
        })
        .collect()
}

/// What the organisation's page shows.
pub async fn view(
    pool: &PgPool,
    user: &SignedInUser,
    organization_id: Uuid,
) -> Result<ApprovalView, AppError> {
    let mut conn = pool.acquire().await?;
    let record = organization(&mut conn, organization_id, false).await?;
    let kind = record.kind()?;
    Ok(ApprovalView {
        status: record.status()?,
        kind,
        document: format!("{} {}", record.document_type, record.document_number),
        contact_email: record.contact_email.clone(),
        contact_mobile: record.contact_mobile.clone(),
        contact_email_verified: record.contact_email_verified,
        contact_mobile_verified: record.contact_mobile_verified,
        evidence: evidence(&mut conn, organization_id).await?,
        required: kind.required_evidence().to_vec(),
        requested: record.requested,
        reason: record.approval_reason,
        razon_social: record.razon_social,
        can_act: user.role.can_manage_users(),
    })
}

/// Refuses unless the organisation is still waiting for its approval.
fn still_pending(record: &OrganizationRecord) -> Result<(), AppError> {
    match record.status()? {
        ApprovalStatus::PendienteAprobacion => Ok(()),
        other => Err(AppError::Refused(format!(
            "La organización ya está «{}»: no hay nada que verificar.",
            other.label()
        ))),
    }
}

/// A reason the administrator must give (a rejection, a claim's outcome).
fn reason_required(reason: &str) -> Result<String, AppError> {
    let reason: String = reason.trim().chars().take(1_000).collect();
    if reason.is_empty() {
        return Err(AppError::Refused(
            "Escriba el motivo: se le enviará a la organización.".to_owned(),
        ));
    }
    Ok(reason)
}

impl ContactChannel {
    fn verified(self, record: &OrganizationRecord) -> bool {
        match self {
            Self::Email => record.contact_email_verified,
            Self::Sms => record.contact_mobile_verified,
        }
    }

    fn verified_column(self) -> &'static str {
        match self {
            Self::Email => "contact_email_verified_at",
            Self::Sms => "contact_mobile_verified_at",
        }
    }
}
