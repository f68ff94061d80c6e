//! Password recovery by a single-use, expiring link.

use domain::{FieldError, LoginIdentifier, NewPassword, ValidationErrors};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{self, AuthEvent, Entry};
use super::registration::{LINKS_PER_HOUR_MAX, enqueue_link_email};
use super::tokens::{self, Purpose, TokenProblem};
use super::{passwords, public_url, request, sessions};
use crate::auth::recovery::RECOVERY_LINK_MIN;
use crate::error::AppError;

#[derive(sqlx::FromRow)]
struct Account {
    user_id: Uuid,
    organization_id: Option<Uuid>,
    username: Option<String>,
    email: String,
    full_name: String,
}

/// Emails a link when an active account matches; always answers `Ok` (never tells who exists).
pub async fn request(pool: &PgPool, identifier: &str) -> Result<(), AppError> {
    if identifier.trim().is_empty() {
        return Err(AppError::Invalid(ValidationErrors {
            errors: vec![FieldError {
                field: "identifier".to_owned(),
                code: "identifier_required".to_owned(),
                message: "Usuario / Correo electrónico: escriba su usuario o su correo.".to_owned(),
            }],
        }));
    }
    let address = request::client_address().await;
    let account: Option<Account> = match LoginIdentifier::parse(identifier) {
        Some(LoginIdentifier::Email(email)) => {
            sqlx::query_as(
                "SELECT user_id, organization_id, username, email, full_name FROM users WHERE email = $1 AND active",
            )
            .bind(email.as_ref().to_owned())
            .fetch_optional(pool)
            .await?
        }
        Some(LoginIdentifier::Username(username)) => {
            sqlx::query_as(
                "SELECT user_id, organization_id, username, email, full_name FROM users WHERE username = $1 AND active",
            )
            .bind(username.as_ref().to_owned())
            .fetch_optional(pool)
            .await?
        }
        None => None,
    };
    let Some(account) = account else {
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    if tokens::issued_last_hour(&mut tx, account.user_id, Purpose::RecuperarClave).await?
        >= LINKS_PER_HOUR_MAX
    {
        return Ok(());
    }
    let secret = tokens::issue(
        &mut tx,
        account.user_id,
        Purpose::RecuperarClave,
        RECOVERY_LINK_MIN,
    )
    .await?;
    let url = format!("{}/restablecer?token={secret}", public_url()?.0);
    let mut paragraphs =
        vec!["Recibimos una solicitud para recuperar el acceso a su cuenta de Veta.".to_owned()];
    if let Some(username) = &account.username {
        paragraphs.push(format!("Su nombre de usuario es: {username}"));
    }
    paragraphs.push(format!(
        "Para elegir una contraseña nueva use el enlace siguiente. Vence en {RECOVERY_LINK_MIN} minutos y sirve una sola vez. Si usted no lo pidió, ignore este mensaje: su contraseña no cambia."
    ));
    enqueue_link_email(
        &mut tx,
        &account.email,
        &account.full_name,
        "Recuperación de contraseña en Veta",
        paragraphs,
        ("Elegir una contraseña nueva", url),
        Some(&crate::notify::Secrets {
            values: vec![&secret],
            valid_minutes: RECOVERY_LINK_MIN,
        }),
    )
    .await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::RecuperacionSolicitada,
            account.user_id,
            account.organization_id,
            &address,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Message for a recovery link that cannot be used, with the way forward.
fn link_problem(problem: TokenProblem) -> AppError {
    AppError::Refused(match problem {
        TokenProblem::Unknown => "Este enlace de recuperación no es válido: quizá se copió incompleto. Pida uno nuevo en «Solicitar un enlace nuevo».".to_owned(),
        TokenProblem::Used => "Este enlace ya se usó. Si necesita cambiar su contraseña otra vez, pida un enlace nuevo.".to_owned(),
        TokenProblem::Expired => format!("Este enlace venció (dura {RECOVERY_LINK_MIN} minutos). Pida uno nuevo en «Solicitar un enlace nuevo»."),
    })
}

/// Sets the new password, verifies the email (the person proved they read it) and ends every
/// session of the account.
pub async fn reset(
    pool: &PgPool,
    secret: &str,
    password: &str,
    confirmation: &str,
) -> Result<(), AppError> {
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    let user_id = tokens::lock(&mut tx, secret, Purpose::RecuperarClave)
        .await?
        .map_err(link_problem)?;
    let account: Account = sqlx::query_as(
        "SELECT user_id, organization_id, username, email, full_name FROM users WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    let identity = [
        account.username.as_deref().unwrap_or_default(),
        account.email.as_str(),
    ];
    let password =
        NewPassword::parse_confirmed(password, confirmation, &identity).map_err(|violation| {
            AppError::Invalid(ValidationErrors::one("password", "Contraseña", &violation))
        })?;
    let hash = passwords::hash(password.expose().to_owned()).await?;
    sqlx::query(
        "UPDATE users SET password_hash = $2, email_verified_at = coalesce(email_verified_at, now())
         WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    tokens::mark_used(&mut tx, secret).await?;
    sessions::end_all(&mut tx, user_id).await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::ClaveRestablecida,
            user_id,
            account.organization_id,
            &address,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
