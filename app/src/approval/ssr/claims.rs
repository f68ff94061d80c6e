//! Claims over a document or titles that another registration holds.

use domain::limits::CLAIMS_PER_ADDRESS;
use domain::{
    AlertKind, ApprovalStatus, ClaimDraft, ClaimStatus, RegistrationDraft, ValidationErrors,
};
use sqlx::PgPool;
use uuid::Uuid;

use super::review::{set_status, tell_organization};
use super::{organization, reason_required};
use crate::alerts::ssr::{NewAlert, raise};
use crate::auth::SignedInUser;
use crate::auth::ssr::request;
use crate::error::AppError;
use crate::limits;
use crate::notify;

/// A claim over a document or titles that another registration holds: recorded for the
/// Administrador OTTM (with an alert), acknowledged to the claimant. The claimant is never told
/// who holds them.
pub async fn submit_claim(
    pool: &PgPool,
    draft: &RegistrationDraft,
    claim: &ClaimDraft,
) -> Result<(), AppError> {
    let mut errors = ValidationErrors::default();
    let registration = draft.validate().map_err(|e| {
        errors.errors.extend(e.errors);
    });
    let claimed = claim.validate().map_err(|e| errors.errors.extend(e.errors));
    let (Ok(registration), Ok((statement, evidence))) = (registration, claimed) else {
        return Err(AppError::Invalid(errors));
    };
    let organization = &registration.organization;
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    limits::attempt(&mut tx, &CLAIMS_PER_ADDRESS, &address, None).await?;
    let titles: Vec<String> = organization
        .titles
        .iter()
        .map(|t| t.as_ref().to_owned())
        .collect();
    let holders: Vec<Uuid> = sqlx::query_scalar(
        "SELECT organization_id FROM organizations
         WHERE document_type = $1 AND document_number = $2 AND approval_status <> $4
         UNION
         SELECT organization_id FROM mining_titles WHERE codigo_expediente = ANY($3)",
    )
    .bind(organization.document.document_type().code())
    .bind(organization.document.as_str())
    .bind(&titles)
    .bind(ApprovalStatus::Rechazada.code())
    .fetch_all(&mut *tx)
    .await?;
    if holders.is_empty() {
        return Err(AppError::Refused(
            "Nadie tiene registrado ese documento ni esos títulos: puede registrar su \
             organización directamente."
                .to_owned(),
        ));
    }
    let claim_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO organization_claims (claim_id, document_type, document_number,
             codigos_expediente, razon_social, claimant_name, claimant_email, claimant_mobile,
             statement, evidence_sha256, client_address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(claim_id)
    .bind(organization.document.document_type().code())
    .bind(organization.document.as_str())
    .bind(&titles)
    .bind(organization.razon_social.as_ref())
    .bind(registration.admin.full_name.as_ref())
    .bind(registration.admin.email.as_ref())
    .bind(registration.admin.mobile.as_ref().map(AsRef::<str>::as_ref))
    .bind(&statement)
    .bind(evidence.as_bytes().to_vec())
    .bind(&address)
    .execute(&mut *tx)
    .await?;
    for holder in &holders {
        raise(
            &mut tx,
            NewAlert {
                subject: None,
                kind: AlertKind::ReclamacionIdentidad,
                organization_id: Some(*holder),
                other_organization_id: None,
                compra_id: None,
                detail: format!(
                    "{} ({}) reclama {} {}{}. Reclamación {claim_id}.",
                    organization.razon_social.as_ref(),
                    registration.admin.email.as_ref(),
                    organization.document.document_type().code(),
                    organization.document.as_str(),
                    if titles.is_empty() {
                        String::new()
                    } else {
                        format!(" y los títulos {}", titles.join(", "))
                    }
                ),
            },
        )
        .await?;
    }
    let paragraphs = [
        "Recibimos su reclamación sobre el documento o los títulos que intentó registrar en Veta.".to_owned(),
        "El Administrador OTTM revisará sus soportes y le escribirá a este correo con la decisión. Mientras tanto, quien tenga registrado ese documento no puede operar con él sin aprobación.".to_owned(),
        format!("Referencia de la reclamación: {claim_id}"),
    ];
    notify::enqueue_notice(
        &mut tx,
        &notify::Notice {
            to: registration.admin.email.as_ref(),
            name: registration.admin.full_name.as_ref(),
            recipient_lines: &[],
            subject: "Recibimos su reclamación".to_owned(),
            paragraphs: &paragraphs,
            action: None,
        },
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The Administrador OTTM resolves a claim. Accepted: every registration holding the document or
/// the titles is rejected (which frees them) and the claimant is told to register; dismissed: the
/// claimant is told why.
pub async fn decide_claim(
    pool: &PgPool,
    admin: &SignedInUser,
    claim_id: Uuid,
    accept: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason_required(reason)?;
    let mut tx = pool.begin().await?;
    let claim: Option<(String, String, Vec<String>, String, String)> = sqlx::query_as(
        "SELECT document_type, document_number, codigos_expediente, claimant_name, claimant_email
         FROM organization_claims WHERE claim_id = $1 AND status = $2 FOR UPDATE",
    )
    .bind(claim_id)
    .bind(ClaimStatus::Abierta.code())
    .fetch_optional(&mut *tx)
    .await?;
    let Some((document_type, document_number, titles, claimant_name, claimant_email)) = claim
    else {
        return Err(AppError::NotFound);
    };
    let paragraphs = if accept {
        let holders: Vec<Uuid> = sqlx::query_scalar(
            "SELECT organization_id FROM organizations
             WHERE document_type = $1 AND document_number = $2 AND approval_status <> $4
             UNION
             SELECT organization_id FROM mining_titles WHERE codigo_expediente = ANY($3)
             ORDER BY 1",
        )
        .bind(&document_type)
        .bind(&document_number)
        .bind(&titles)
        .bind(ApprovalStatus::Rechazada.code())
        .fetch_all(&mut *tx)
        .await?;
        for holder in holders {
            let record = organization(&mut tx, holder, true).await?;
            let why = format!("Reclamación {claim_id} aceptada: {reason}");
            set_status(
                &mut tx,
                holder,
                ApprovalStatus::Rechazada,
                admin.user_id,
                &why,
            )
            .await?;
            tell_organization(
                &mut tx,
                &record,
                "Su registro en Veta fue anulado",
                &[
                    format!(
                        "El Administrador OTTM aceptó la reclamación de otra organización sobre \
                         el documento o los títulos de {}: su registro queda rechazado.",
                        record.razon_social
                    ),
                    format!("Motivo: {reason}"),
                ],
            )
            .await?;
        }
        vec![
            "El Administrador OTTM aceptó su reclamación: el documento y los títulos quedaron libres. Registre su organización de nuevo en Veta.".to_owned(),
            format!("Motivo: {reason}"),
        ]
    } else {
        vec![
            "El Administrador OTTM revisó su reclamación y no la aceptó.".to_owned(),
            format!("Motivo: {reason}"),
        ]
    };
    sqlx::query(
        "UPDATE organization_claims SET status = $2, decided_at = now(), decided_by = $3,
                decision_reason = $4
         WHERE claim_id = $1",
    )
    .bind(claim_id)
    .bind(
        if accept {
            ClaimStatus::Aceptada
        } else {
            ClaimStatus::Desestimada
        }
        .code(),
    )
    .bind(admin.user_id)
    .bind(&reason)
    .execute(&mut *tx)
    .await?;
    notify::enqueue_notice(
        &mut tx,
        &notify::Notice {
            to: &claimant_email,
            name: &claimant_name,
            recipient_lines: &[],
            subject: "Decisión sobre su reclamación en Veta".to_owned(),
            paragraphs: &paragraphs,
            action: None,
        },
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
