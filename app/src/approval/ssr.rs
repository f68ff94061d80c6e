//! Server side of the approval: an organisation proves its contacts and sends its evidence; the
//! *Administrador OTTM* approves or rejects it, and resolves claims over identities.

use domain::limits::{
    CLAIMS_PER_ADDRESS, CONTACT_CODES_PER_ORGANIZATION, WRONG_CONTACT_CODES_PER_ORGANIZATION,
};
use domain::{
    AlertKind, ApprovalProgress, ApprovalStatus, ClaimDraft, ClaimStatus, CodePurpose,
    EvidenceKind, IssuedCode, OrganizationKind, RegistrationDraft, Role, Sha256Hex,
    ValidationErrors, VerificationCode,
};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ApprovalView, ClaimRow, ContactChannel, EvidenceRow, PendingOrganization, ReviewList};
use crate::alerts::ssr::{NewAlert, raise, tell_ottm_admins};
use crate::auth::SignedInUser;
use crate::auth::ssr::{code_key, pool, request, secrets, sessions};
use crate::error::AppError;
use crate::limits::{self, Recorded};
use crate::notify;

/// The rules of contact codes: `domain::one_time_code`.
const PURPOSE: CodePurpose = CodePurpose::Contact;
/// Most organisations or claims the review page lists.
const REVIEW_PAGE_MAX: i64 = 200;

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

/// What binds a contact code: the organisation and the channel.
fn binding(organization_id: Uuid, channel: ContactChannel) -> String {
    format!("contacto/{organization_id}/{}", channel.code())
}

#[derive(sqlx::FromRow)]
struct ContactCodeRecord {
    code_hash: Vec<u8>,
    expired: bool,
    failed_attempts: i32,
    sends: i32,
    seconds_since_sent: i64,
}

impl ContactCodeRecord {
    fn issued(&self) -> IssuedCode {
        IssuedCode {
            expired: self.expired,
            failed_attempts: self.failed_attempts,
            sends: self.sends,
            seconds_since_sent: self.seconds_since_sent,
        }
    }
}

async fn contact_code(
    conn: &mut PgConnection,
    organization_id: Uuid,
    channel: ContactChannel,
) -> Result<Option<ContactCodeRecord>, sqlx::Error> {
    sqlx::query_as(
        "SELECT code_hash, expires_at <= now() AS expired, failed_attempts, sends,
                extract(epoch FROM now() - last_sent_at)::bigint AS seconds_since_sent
         FROM contact_verifications WHERE organization_id = $1 AND channel = $2 FOR UPDATE",
    )
    .bind(organization_id)
    .bind(channel.code())
    .fetch_optional(conn)
    .await
}

/// Sends a code to the organisation's contact email or mobile (a new one replaces the last).
pub async fn send_contact_code(
    pool: &PgPool,
    organization_id: Uuid,
    channel: ContactChannel,
) -> Result<(), AppError> {
    let key = code_key()?;
    let mut tx = pool.begin().await?;
    let record = organization(&mut tx, organization_id, true).await?;
    still_pending(&record)?;
    if channel.verified(&record) {
        return Err(AppError::Refused(format!(
            "El {} de contacto ya está verificado.",
            channel.label()
        )));
    }
    let last = contact_code(&mut tx, organization_id, channel).await?;
    PURPOSE
        .check_resend(last.as_ref().map(ContactCodeRecord::issued).as_ref())
        .map_err(AppError::from)?;
    limits::attempt(
        &mut tx,
        &CONTACT_CODES_PER_ORGANIZATION,
        &organization_id.to_string(),
        Some(channel.code()),
    )
    .await?;
    let code = VerificationCode::from_random(secrets::random_u64());
    let hash = secrets::keyed_code_hash(&key, &binding(organization_id, channel), code.as_ref());
    let validity_minutes = PURPOSE.policy().validity_minutes;
    sqlx::query(
        "INSERT INTO contact_verifications (organization_id, channel, code_hash, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))
         ON CONFLICT (organization_id, channel) DO UPDATE
         SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
             failed_attempts = 0, sends = contact_verifications.sends + 1, last_sent_at = now()",
    )
    .bind(organization_id)
    .bind(channel.code())
    .bind(hash)
    .bind(validity_minutes)
    .execute(&mut *tx)
    .await?;
    let code = code.as_ref();
    let secrets = notify::Secrets {
        values: vec![code],
        valid_minutes: validity_minutes,
    };
    match channel {
        ContactChannel::Email => {
            let paragraphs = [
                format!(
                    "Su código para verificar el correo de contacto de {} en Veta es: {code}",
                    record.razon_social
                ),
                format!(
                    "Vence en {validity_minutes} minutos. Si nadie de su organización se registró en \
                     Veta, ignore este mensaje: alguien escribió este correo por error o para \
                     suplantarla."
                ),
            ];
            notify::enqueue_notice(
                &mut tx,
                &notify::Notice {
                    to: &record.contact_email,
                    name: &record.razon_social,
                    recipient_lines: &[],
                    subject: "Verifique el correo de contacto de su organización".to_owned(),
                    paragraphs: &paragraphs,
                    action: None,
                },
                Some(&secrets),
            )
            .await?;
        }
        ContactChannel::Sms => {
            notify::enqueue_secret_sms(
                &mut tx,
                &notify::OutgoingSms {
                    to: record.contact_mobile.clone(),
                    text: domain::sms::to_gsm7(&format!(
                        "Veta: su codigo para verificar este celular como contacto de la organizacion es {code}. Vence en {validity_minutes} min."
                    )),
                },
                Some(&secrets),
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Checks a contact code; the right one marks the contact verified.
pub async fn verify_contact(
    pool: &PgPool,
    organization_id: Uuid,
    channel: ContactChannel,
    typed: &str,
) -> Result<(), AppError> {
    let code = VerificationCode::parse(typed).map_err(|violation| {
        AppError::Invalid(ValidationErrors::one(
            format!("code_{}", channel.code()),
            "Código",
            &violation,
        ))
    })?;
    let key = code_key()?;
    let mut tx = pool.begin().await?;
    let record = organization(&mut tx, organization_id, true).await?;
    still_pending(&record)?;
    let subject = organization_id.to_string();
    limits::check(&mut tx, &WRONG_CONTACT_CODES_PER_ORGANIZATION, &subject).await?;
    let stored = contact_code(&mut tx, organization_id, channel)
        .await?
        .ok_or_else(|| {
            AppError::Refused(format!(
                "Primero pida el código del {} de contacto.",
                channel.label()
            ))
        })?;
    PURPOSE
        .check_usable(&stored.issued())
        .map_err(AppError::from)?;
    let expected =
        secrets::keyed_code_hash(&key, &binding(organization_id, channel), code.as_ref());
    if expected != stored.code_hash {
        let attempts = stored.failed_attempts + 1;
        sqlx::query(
            "UPDATE contact_verifications SET failed_attempts = $3
             WHERE organization_id = $1 AND channel = $2",
        )
        .bind(organization_id)
        .bind(channel.code())
        .bind(attempts)
        .execute(&mut *tx)
        .await?;
        let recorded = limits::record(
            &mut tx,
            &WRONG_CONTACT_CODES_PER_ORGANIZATION,
            &subject,
            None,
        )
        .await?;
        tx.commit().await?;
        return Err(match recorded {
            Recorded::Reached => AppError::Throttled(
                WRONG_CONTACT_CODES_PER_ORGANIZATION
                    .refusal(i64::from(WRONG_CONTACT_CODES_PER_ORGANIZATION.block_s))
                    .to_string(),
            ),
            Recorded::Below => AppError::Refused(PURPOSE.wrong(attempts).to_string()),
        });
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE organizations SET {} = now() WHERE organization_id = $1",
        channel.verified_column()
    )))
    .bind(organization_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM contact_verifications WHERE organization_id = $1 AND channel = $2")
        .bind(organization_id)
        .bind(channel.code())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

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

async fn set_status(
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
async fn tell_organization(
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
