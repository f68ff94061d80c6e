//! Invitations: an administrator adds a user by email; the person completes the account.

use domain::{FieldError, InvitationDraft, NewPassword, Username, ValidationErrors};
use sqlx::PgPool;
use uuid::Uuid;

use super::audit::{self, AuthEvent, Entry};
use super::registration::enqueue_link_email;
use super::tokens::{self, Purpose, TokenProblem};
use super::{passwords, public_url, request};
use crate::auth::SignedInUser;
use crate::error::AppError;

/// Validity of an invitation link.
pub const INVITATION_LINK_HOURS: i32 = 72;

/// Creates the invited user in the administrator's organisation and emails the link.
pub async fn invite(
    pool: &PgPool,
    admin: &SignedInUser,
    draft: &InvitationDraft,
) -> Result<(), AppError> {
    let Some(organization) = admin
        .organization
        .as_ref()
        .filter(|_| admin.role.can_manage_users())
    else {
        return Err(AppError::Forbidden);
    };
    let user = draft.validate()?;
    let address = request::client_address().await;
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(user.email.as_ref())
        .fetch_one(pool)
        .await?;
    if taken {
        return Err(AppError::Invalid(ValidationErrors {
            errors: vec![FieldError {
                field: "email".to_owned(),
                code: "email_taken".to_owned(),
                message: "Correo electrónico: ya hay un usuario con ese correo.".to_owned(),
            }],
        }));
    }
    let user_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (user_id, organization_id, role, email, mobile, full_name)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(user_id)
    .bind(organization.organization_id)
    .bind(user.role.code())
    .bind(user.email.as_ref())
    .bind(user.mobile.as_ref().map(AsRef::<str>::as_ref))
    .bind(user.full_name.as_ref())
    .execute(&mut *tx)
    .await?;
    let secret = tokens::issue(
        &mut tx,
        user_id,
        Purpose::Invitacion,
        INVITATION_LINK_HOURS * 60,
    )
    .await?;
    let url = format!("{}/invitacion?token={secret}", public_url()?.0);
    enqueue_link_email(
        &mut tx,
        user.email.as_ref(),
        user.full_name.as_ref(),
        "Invitación a Veta",
        vec![
            format!(
                "{} lo invitó a usar Veta en nombre de {} con el rol {}.",
                admin.full_name, organization.razon_social, user.role.label()
            ),
            format!("Active su cuenta con el enlace siguiente. Vence en {INVITATION_LINK_HOURS} horas y sirve una sola vez."),
        ],
        ("Activar mi cuenta", url),
        Some(&crate::notify::Secrets {
            values: vec![&secret],
            valid_minutes: INVITATION_LINK_HOURS * 60,
        }),
    )
    .await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::Invitacion,
            user_id,
            Some(organization.organization_id),
            &address,
        )
        .detail(user.role.code()),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn accept(
    pool: &PgPool,
    secret: &str,
    username: &str,
    password: &str,
    confirmation: &str,
) -> Result<(), AppError> {
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    let user_id = tokens::lock(&mut tx, secret, Purpose::Invitacion)
        .await?
        .map_err(|problem| AppError::Refused(match problem {
            TokenProblem::Unknown => "Este enlace de invitación no es válido: quizá se copió incompleto. Ábralo de nuevo desde el correo.".to_owned(),
            TokenProblem::Used => "Esta invitación ya se usó: ingrese con el usuario que eligió, o recupere su contraseña.".to_owned(),
            TokenProblem::Expired => format!("Esta invitación venció (dura {INVITATION_LINK_HOURS} horas). Pida al administrador de su organización que lo invite de nuevo."),
        }))?;
    let (email, organization_id): (String, Option<Uuid>) =
        sqlx::query_as("SELECT email, organization_id FROM users WHERE user_id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
    let mut errors = ValidationErrors::default();
    let username = match Username::parse(username) {
        Ok(username) => Some(username),
        Err(violation) => {
            errors.errors.push(FieldError::from_violation(
                "username",
                "Nombre de usuario",
                &violation,
            ));
            None
        }
    };
    let password = match NewPassword::parse_confirmed(
        password,
        confirmation,
        &[
            username.as_ref().map(AsRef::as_ref).unwrap_or_default(),
            &email,
        ],
    ) {
        Ok(password) => Some(password),
        Err(violation) => {
            errors.errors.push(FieldError::from_violation(
                "password",
                "Contraseña",
                &violation,
            ));
            None
        }
    };
    let (Some(username), Some(password)) = (username, password) else {
        return Err(AppError::Invalid(errors));
    };
    let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
        .bind(username.as_ref())
        .fetch_one(&mut *tx)
        .await?;
    if taken {
        return Err(AppError::Invalid(ValidationErrors {
            errors: vec![FieldError {
                field: "username".to_owned(),
                code: "username_taken".to_owned(),
                message: "Nombre de usuario: ese nombre ya está en uso; elija otro.".to_owned(),
            }],
        }));
    }
    let hash = passwords::hash(password.expose().to_owned()).await?;
    sqlx::query(
        "UPDATE users SET username = $2, password_hash = $3, email_verified_at = now() WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(username.as_ref())
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    tokens::mark_used(&mut tx, secret).await?;
    audit::record(
        &mut *tx,
        Entry::user(
            AuthEvent::InvitacionAceptada,
            user_id,
            organization_id,
            &address,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
