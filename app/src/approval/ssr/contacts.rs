//! Contact codes: an organisation proves its e-mail address and mobile number.

use domain::limits::{CONTACT_CODES_PER_ORGANIZATION, WRONG_CONTACT_CODES_PER_ORGANIZATION};
use domain::{CodePurpose, IssuedCode, ValidationErrors, VerificationCode};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{organization, still_pending};
use crate::approval::ContactChannel;
use crate::auth::ssr::{code_key, secrets};
use crate::error::AppError;
use crate::limits::{self, Recorded};
use crate::notify;

/// The rules of contact codes: `domain::one_time_code`.
const PURPOSE: CodePurpose = CodePurpose::Contact;

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
