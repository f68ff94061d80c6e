//! The evidence, the request for approval and the Administrador OTTM's review and decision.

use domain::{
    ApprovalProgress, ApprovalStatus, ClaimStatus, EvidenceKind, Role, Sha256Hex, ValidationErrors,
};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    ORGANIZATION_COLUMNS, OrganizationRecord, evidence, organization, reason_required,
    still_pending,
};
use crate::alerts::ssr::tell_ottm_admins;
use crate::approval::{ClaimRow, PendingOrganization, ReviewList};
use crate::auth::SignedInUser;
use crate::error::AppError;
use crate::notify;

/// Most organisations or claims the review page lists.
const REVIEW_PAGE_MAX: i64 = 200;

/// Records the SHA-256 of one piece of evidence (a new one replaces the last of its kind).
pub async fn add_evidence(
    pool: &PgPool,
    organization_id: Uuid,
    kind: &str,
    sha256: &str,
    file_name: &str,
) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let record = organization(&mut tx, organization_id, true).await?;
    still_pending(&record)?;
    let kind = EvidenceKind::from_code(kind)
        .filter(|kind| {
            record
                .kind()
                .is_ok_and(|o| o.required_evidence().contains(kind))
        })
        .ok_or_else(|| {
            AppError::Refused("Ese soporte no corresponde a su tipo de organización.".to_owned())
        })?;
    let digest = Sha256Hex::parse(sha256).map_err(|error| {
        AppError::Invalid(ValidationErrors::one(
            format!("evidence.{}", kind.code()),
            kind.label(),
            &error,
        ))
    })?;
    let file_name: String = file_name.trim().chars().take(200).collect();
    sqlx::query(
        "INSERT INTO organization_evidence (organization_id, kind, sha256, file_name)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, kind) DO UPDATE
         SET sha256 = excluded.sha256, file_name = excluded.file_name, added_at = now()",
    )
    .bind(organization_id)
    .bind(kind.code())
    .bind(digest.as_bytes().to_vec())
    .bind((!file_name.is_empty()).then_some(file_name))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// "Solicitar aprobación": every step done, the request reaches the Administrador OTTM.
pub async fn request_approval(pool: &PgPool, organization_id: Uuid) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let record = organization(&mut tx, organization_id, true).await?;
    still_pending(&record)?;
    let progress = ApprovalProgress {
        contact_email_verified: record.contact_email_verified,
        contact_mobile_verified: record.contact_mobile_verified,
        evidence: evidence(&mut tx, organization_id)
            .await?
            .into_iter()
            .map(|e| e.kind)
            .collect(),
    };
    let missing = progress.missing(record.kind()?);
    if !missing.is_empty() {
        let mut errors = ValidationErrors::default();
        for step in &missing {
            errors.push("approval", "Verificación", step);
        }
        return Err(AppError::Invalid(errors));
    }
    sqlx::query(
        "UPDATE organizations SET approval_requested_at = now(), approval_reason = NULL
         WHERE organization_id = $1",
    )
    .bind(organization_id)
    .execute(&mut *tx)
    .await?;
    tell_ottm_admins(
        &mut tx,
        format!("{} pide su aprobación", record.razon_social),
        &[format!(
            "{} ({}, {} {}) verificó su correo y su celular de contacto y envió sus soportes. \
             Revísela en «Aprobaciones».",
            record.razon_social,
            record.kind()?.label(),
            record.document_type,
            record.document_number
        )],
        ("Ver aprobaciones", "/aprobaciones"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What waits for the Administrador OTTM: organisations that asked for approval, open claims.
pub async fn review_list(pool: &PgPool) -> Result<ReviewList, AppError> {
    let mut conn = pool.acquire().await?;
    let records: Vec<OrganizationRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ORGANIZATION_COLUMNS} FROM organizations o
         WHERE o.approval_status = $1 AND o.approval_requested_at IS NOT NULL
         ORDER BY o.approval_requested_at LIMIT $2"
    )))
    .bind(ApprovalStatus::PendienteAprobacion.code())
    .bind(REVIEW_PAGE_MAX)
    .fetch_all(&mut *conn)
    .await?;
    let mut organizations = Vec::with_capacity(records.len());
    for record in records {
        let municipio = domain::Municipio::by_code(&record.municipio_code)
            .map(|m| format!("{} ({})", m.name(), m.departamento().name()))
            .unwrap_or_else(|| record.municipio_code.clone());
        organizations.push(PendingOrganization {
            organization_id: record.organization_id,
            kind: record.kind()?,
            document: format!("{} {}", record.document_type, record.document_number),
            municipio,
            contact_email: record.contact_email.clone(),
            contact_mobile: record.contact_mobile.clone(),
            rucom_number: record.rucom_number.clone(),
            titles: record.titles.clone(),
            evidence: evidence(&mut conn, record.organization_id).await?,
            razon_social: record.razon_social,
        });
    }
    let claims: Vec<ClaimRecord> = sqlx::query_as(
        "SELECT claim_id, document_type, document_number, codigos_expediente, razon_social,
                claimant_name, claimant_email, claimant_mobile, statement, evidence_sha256, created_at
         FROM organization_claims WHERE status = $2 ORDER BY created_at LIMIT $1",
    )
    .bind(REVIEW_PAGE_MAX)
    .bind(ClaimStatus::Abierta.code())
    .fetch_all(&mut *conn)
    .await?;
    let claims = claims
        .into_iter()
        .map(|c| {
            let digest = <[u8; 32]>::try_from(c.evidence_sha256.as_slice())
                .map_err(|_| AppError::Internal)?;
            Ok(ClaimRow {
                claim_id: c.claim_id,
                document: format!("{} {}", c.document_type, c.document_number),
                titles: c.codigos_expediente,
                razon_social: c.razon_social,
                claimant: format!(
                    "{} · {}{}",
                    c.claimant_name,
                    c.claimant_email,
                    c.claimant_mobile
                        .map(|m| format!(" · {m}"))
                        .unwrap_or_default()
                ),
                statement: c.statement,
                evidence_sha256: Sha256Hex::from_digest(digest).to_string(),
                created: crate::saldos::ssr::fecha_hora(c.created_at),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(ReviewList {
        organizations,
        claims,
    })
}

#[derive(sqlx::FromRow)]
struct ClaimRecord {
    claim_id: Uuid,
    document_type: String,
    document_number: String,
    codigos_expediente: Vec<String>,
    razon_social: String,
    claimant_name: String,
    claimant_email: String,
    claimant_mobile: Option<String>,
    statement: String,
    evidence_sha256: Vec<u8>,
    created_at: OffsetDateTime,
}

/// The Administrador OTTM approves or rejects an organisation that asked for it. A rejected one
/// releases its document and titles (the real holder may register them); its history stays.
pub async fn decide(
    pool: &PgPool,
    admin: &SignedInUser,
    organization_id: Uuid,
    approve: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = if approve {
        reason.trim().chars().take(1_000).collect::<String>()
    } else {
        reason_required(reason)?
    };
    let mut tx = pool.begin().await?;
    let record = organization(&mut tx, organization_id, true).await?;
    still_pending(&record)?;
    if !record.requested {
        return Err(AppError::Refused(
            "La organización aún no ha terminado su verificación.".to_owned(),
        ));
    }
    let status = if approve {
        ApprovalStatus::Aprobada
    } else {
        ApprovalStatus::Rechazada
    };
    set_status(&mut tx, organization_id, status, admin.user_id, &reason).await?;
    let paragraphs = if approve {
        vec![format!(
            "El Administrador OTTM aprobó a {} en Veta: ya puede registrar compras y sus \
             compradores pueden encontrarla como vendedora.",
            record.razon_social
        )]
    } else {
        vec![
            format!(
                "El Administrador OTTM no aprobó el registro de {} en Veta.",
                record.razon_social
            ),
            format!("Motivo: {reason}"),
        ]
    };
    tell_organization(
        &mut tx,
        &record,
        if approve {
            "Su organización fue aprobada en Veta"
        } else {
            "Su registro en Veta no fue aprobado"
        },
        &paragraphs,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn set_status(
    conn: &mut PgConnection,
    organization_id: Uuid,
    status: ApprovalStatus,
    admin_id: Uuid,
    reason: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE organizations SET approval_status = $2, approval_decided_at = now(),
                approval_decided_by = $3, approval_reason = nullif($4, '')
         WHERE organization_id = $1",
    )
    .bind(organization_id)
    .bind(status.code())
    .bind(admin_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    if !status.holds_identity() {
        sqlx::query("DELETE FROM mining_titles WHERE organization_id = $1")
            .bind(organization_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// An email to the organisation's contact and to its administrators.
pub(super) async fn tell_organization(
    conn: &mut PgConnection,
    record: &OrganizationRecord,
    subject: &str,
    paragraphs: &[String],
) -> Result<(), AppError> {
    let mut recipients: Vec<(String, String)> = sqlx::query_as(
        "SELECT email, full_name FROM users
         WHERE organization_id = $1 AND role = $2 AND active",
    )
    .bind(record.organization_id)
    .bind(Role::Administrador.code())
    .fetch_all(&mut *conn)
    .await?;
    if !recipients
        .iter()
        .any(|(email, _)| *email == record.contact_email)
    {
        recipients.push((record.contact_email.clone(), record.razon_social.clone()));
    }
    for (email, name) in recipients {
        notify::enqueue_notice(
            conn,
            &notify::Notice {
                to: &email,
                name: &name,
                recipient_lines: &[],
                subject: subject.to_owned(),
                paragraphs,
                action: None,
            },
            None,
        )
        .await?;
    }
    Ok(())
}
