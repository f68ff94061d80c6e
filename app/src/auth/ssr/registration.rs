//! Registration of an organisation and its administrator, and email verification.

use domain::limits::{REGISTRATIONS_PER_ADDRESS, REGISTRATIONS_PER_EMAIL};
use domain::{ApprovalStatus, EmailAddress, FieldError, RegistrationDraft, ValidationErrors};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, AuthEvent, Entry};
use super::tokens::{self, Purpose, TokenProblem};
use super::{passwords, public_url, request};
use crate::auth::register::VERIFICATION_LINK_HOURS;
use crate::error::AppError;
use crate::limits;
use crate::notify;

/// Links per account and hour a person may ask for (verification, recovery).
pub const LINKS_PER_HOUR_MAX: i64 = 3;

fn field(field: &str, code: &str, message: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

pub async fn register(pool: &PgPool, draft: &RegistrationDraft) -> Result<String, AppError> {
    let registration = draft.validate()?;
    let organization = &registration.organization;
    let admin = &registration.admin;
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    limits::attempt(&mut tx, &REGISTRATIONS_PER_ADDRESS, &address, None).await?;
    limits::attempt(
        &mut tx,
        &REGISTRATIONS_PER_EMAIL,
        admin.email.as_ref(),
        None,
    )
    .await?;
    tx.commit().await?;

    // What is already taken, as field errors; never who holds it. A rejected registration holds
    // nothing. The admin's email is not checked here: an
    // existing account gets an email instead, so this form never tells who has an account.
    let mut taken = Vec::new();
    let document_taken: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM organizations
                        WHERE document_type = $1 AND document_number = $2 AND approval_status <> $3)",
    )
    .bind(organization.document.document_type().code())
    .bind(organization.document.as_str())
    .bind(ApprovalStatus::Rechazada.code())
    .fetch_one(pool)
    .await?;
    if document_taken {
        taken.push(field(
            "organization.document_number",
            "organization_exists",
            "Número de documento: ya hay una organización registrada con este documento. Si es la suya, pida a su administrador que lo invite; si nadie de su organización la registró, presente una reclamación.",
        ));
    }
    let username_taken: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
            .bind(registration.admin_username.as_ref())
            .fetch_one(pool)
            .await?;
    if username_taken {
        taken.push(field(
            "admin.username",
            "username_taken",
            "Nombre de usuario: ese nombre ya está en uso; elija otro.",
        ));
    }
    let titles: Vec<String> = organization
        .titles
        .iter()
        .map(|t| t.as_ref().to_owned())
        .collect();
    let titles_taken: Vec<String> = sqlx::query_scalar(
        "SELECT codigo_expediente FROM mining_titles WHERE codigo_expediente = ANY($1)",
    )
    .bind(&titles)
    .fetch_all(pool)
    .await?;
    for title in titles_taken {
        taken.push(FieldError {
            field: "organization.codigos_expediente".to_owned(),
            code: "title_taken".to_owned(),
            message: format!(
                "Códigos de expediente: el título {title} ya está registrado por otro titular. Si es suyo, presente una reclamación."
            ),
        });
    }
    if !taken.is_empty() {
        return Err(AppError::Invalid(ValidationErrors { errors: taken }));
    }

    let existing_account: Option<(String,)> =
        sqlx::query_as("SELECT full_name FROM users WHERE email = $1")
            .bind(admin.email.as_ref())
            .fetch_optional(pool)
            .await?;
    let base_url = public_url()?.0;
    if let Some((full_name,)) = existing_account {
        let mut tx = pool.begin().await?;
        enqueue_link_email(
            &mut tx,
            admin.email.as_ref(),
            &full_name,
            "Intento de registro en Veta",
            vec![
                "Alguien intentó registrar una organización en Veta con este correo, pero usted ya tiene una cuenta.".to_owned(),
                "Si fue usted, ingrese con su usuario o recupere su contraseña. Si no, ignore este mensaje.".to_owned(),
            ],
            ("Recuperar contraseña", format!("{base_url}/recuperar")),
            None,
        )
        .await?;
        tx.commit().await?;
        return Ok(admin.email.as_ref().to_owned());
    }

    let password_hash = passwords::hash(registration.password.expose().to_owned()).await?;
    let organization_id = Uuid::new_v4();
    let user_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let (rucom_number, rucom_state) = match &organization.rucom {
        Some((number, state)) => (Some(number.as_ref().to_owned()), Some(state.code())),
        None => (None, None),
    };
    let inserted = sqlx::query(
        "INSERT INTO organizations (organization_id, kind, document_type, document_number, razon_social,
             departamento_code, municipio_code, contact_email, contact_mobile, rucom_number, rucom_state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(organization_id)
    .bind(organization.kind.code())
    .bind(organization.document.document_type().code())
    .bind(organization.document.as_str())
    .bind(organization.razon_social.as_ref())
    .bind(organization.departamento.code())
    .bind(organization.municipio.code())
    .bind(organization.contact_email.as_ref())
    .bind(organization.contact_mobile.as_ref())
    .bind(rucom_number)
    .bind(rucom_state)
    .execute(&mut *tx)
    .await;
    refuse_on_conflict(inserted)?;
    for title in &titles {
        let inserted = sqlx::query(
            "INSERT INTO mining_titles (codigo_expediente, organization_id) VALUES ($1, $2)",
        )
        .bind(title)
        .bind(organization_id)
        .execute(&mut *tx)
        .await;
        refuse_on_conflict(inserted)?;
    }
    let inserted = sqlx::query(
        "INSERT INTO users (user_id, organization_id, role, username, email, mobile, full_name,
             password_hash, second_factor)
         VALUES ($1, $2, 'ADMINISTRADOR', $3, $4, $5, $6, $7, $8)",
    )
    .bind(user_id)
    .bind(organization_id)
    .bind(registration.admin_username.as_ref())
    .bind(admin.email.as_ref())
    .bind(admin.mobile.as_ref().map(AsRef::<str>::as_ref))
    .bind(admin.full_name.as_ref())
    .bind(password_hash)
    .bind(admin.second_factor.code())
    .execute(&mut *tx)
    .await;
    refuse_on_conflict(inserted)?;
    send_verification(
        &mut tx,
        user_id,
        admin.email.as_ref(),
        admin.full_name.as_ref(),
    )
    .await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::Registro,
            user_id,
            Some(organization_id),
            &address,
        )
        .detail(organization.kind.code()),
    )
    .await?;
    tx.commit().await?;
    Ok(admin.email.as_ref().to_owned())
}

/// Two registrations racing for the same document, title, user name or email: the loser is told
/// to try again (and will then see which field is taken).
fn refuse_on_conflict<T>(result: Result<T, sqlx::Error>) -> Result<T, AppError> {
    match result {
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(AppError::Refused(
            "Alguien registró los mismos datos hace un instante. Revise y envíe de nuevo."
                .to_owned(),
        )),
        other => Ok(other?),
    }
}

async fn send_verification(
    conn: &mut PgConnection,
    user_id: Uuid,
    email: &str,
    full_name: &str,
) -> Result<(), AppError> {
    let secret = tokens::issue(
        conn,
        user_id,
        Purpose::VerificarCorreo,
        VERIFICATION_LINK_HOURS * 60,
    )
    .await?;
    let url = format!("{}/verificar-correo?token={secret}", public_url()?.0);
    enqueue_link_email(
        conn,
        email,
        full_name,
        "Verifique su correo en Veta",
        vec![
            "Recibimos el registro de su organización en Veta.".to_owned(),
            format!(
                "Para activar su cuenta, verifique su correo con el enlace siguiente. Vence en {VERIFICATION_LINK_HOURS} horas y sirve una sola vez."
            ),
        ],
        ("Verificar mi correo", url),
        Some(&notify::Secrets {
            values: vec![&secret],
            valid_minutes: VERIFICATION_LINK_HOURS * 60,
        }),
    )
    .await
}

/// Writes a notification email with one action link to the outbox; `secret` is the link's token,
/// which the outbox keeps apart from the body (`notify::Secrets`).
pub async fn enqueue_link_email(
    conn: &mut PgConnection,
    email: &str,
    full_name: &str,
    subject: &str,
    paragraphs: Vec<String>,
    (label, url): (&str, String),
    secret: Option<&notify::Secrets<'_>>,
) -> Result<(), AppError> {
    notify::enqueue_notice(
        conn,
        &notify::Notice {
            to: email,
            name: full_name,
            recipient_lines: &[],
            subject: subject.to_owned(),
            paragraphs: &paragraphs,
            action: Some((label, &url)),
        },
        secret,
    )
    .await?;
    Ok(())
}

pub async fn verify_email(pool: &PgPool, secret: &str) -> Result<(), AppError> {
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    let user_id = match tokens::lock(&mut tx, secret, Purpose::VerificarCorreo).await? {
        Ok(user_id) => user_id,
        Err(TokenProblem::Unknown) => return Err(AppError::Refused(
            "Este enlace de verificación no es válido: quizá se copió incompleto. Ábralo de nuevo desde el correo, o pida uno nuevo abajo.".to_owned(),
        )),
        Err(TokenProblem::Used) => return Err(AppError::Refused(
            "Este enlace ya se usó y su correo ya está verificado. Ingrese con su usuario y contraseña.".to_owned(),
        )),
        Err(TokenProblem::Expired) => return Err(AppError::Refused(format!(
            "Este enlace venció (dura {VERIFICATION_LINK_HOURS} horas). Pida uno nuevo abajo."
        ))),
    };
    let organization_id: Option<Uuid> = sqlx::query_scalar(
        "UPDATE users SET email_verified_at = coalesce(email_verified_at, now())
         WHERE user_id = $1 RETURNING organization_id",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    tokens::mark_used(&mut tx, secret).await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::CorreoVerificado,
            user_id,
            organization_id,
            &address,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn resend_verification(pool: &PgPool, email: &str) -> Result<(), AppError> {
    let email = EmailAddress::parse(email).map_err(|violation| {
        AppError::Invalid(ValidationErrors::one(
            "email",
            "Correo electrónico",
            &violation,
        ))
    })?;
    let mut tx = pool.begin().await?;
    let user: Option<(Uuid, String)> = sqlx::query_as(
        "SELECT user_id, full_name FROM users
         WHERE email = $1 AND email_verified_at IS NULL AND active AND password_hash IS NOT NULL",
    )
    .bind(email.as_ref())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((user_id, full_name)) = user
        && tokens::issued_last_hour(&mut tx, user_id, Purpose::VerificarCorreo).await?
            < LINKS_PER_HOUR_MAX
    {
        send_verification(&mut tx, user_id, email.as_ref(), &full_name).await?;
    }
    tx.commit().await?;
    Ok(())
}
