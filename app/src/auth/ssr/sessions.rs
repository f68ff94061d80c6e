//! Sessions in PostgreSQL behind the `veta_sesion` cookie: created after the second factor,
//! ended by sign-out, by the idle timeout or by the absolute timeout.

use domain::{ApprovalStatus, OrganizationKind, Role};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{cookies, public_url, request, secrets};
use crate::auth::{OrganizationSummary, SignedInUser};
use crate::error::AppError;

/// A session ends after this long without a request…
pub const IDLE_TIMEOUT_MIN: i32 = 30;
/// …and in any case this long after sign-in.
pub const ABSOLUTE_TIMEOUT_H: i32 = 12;

/// Starts a session for `user_id` and sets its cookie.
pub async fn start(conn: &mut PgConnection, user_id: Uuid) -> Result<(), AppError> {
    let secret = secrets::new_secret();
    sqlx::query(
        "INSERT INTO sessions (session_hash, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
    )
    .bind(secrets::hash(&secret))
    .bind(user_id)
    .bind(ABSOLUTE_TIMEOUT_H)
    .execute(conn)
    .await?;
    cookies::set(
        cookies::SESSION,
        &secret,
        i64::from(ABSOLUTE_TIMEOUT_H) * 3600,
        &public_url()?,
    );
    Ok(())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: Uuid,
    full_name: String,
    role: String,
    organization_id: Option<Uuid>,
    razon_social: Option<String>,
    kind: Option<String>,
    approval_status: Option<String>,
}

/// The signed-in user of this request, if its session is alive; marks the session as used (to
/// the minute).
pub async fn current(pool: &PgPool) -> Result<Option<SignedInUser>, AppError> {
    let headers = request::headers().await?;
    let Some(secret) = cookies::read(&headers, cookies::SESSION) else {
        return Ok(None);
    };
    // The idle time is refreshed at most once a minute: a busy user (or an integration) would
    // otherwise write, and queue on, its session row on every request.
    let row: Option<SessionRow> = sqlx::query_as(
        "WITH live AS (
             SELECT s.session_hash, s.last_seen_at, u.user_id, u.full_name, u.role,
                    o.organization_id, o.razon_social, o.kind, o.approval_status
             FROM sessions s JOIN users u ON u.user_id = s.user_id
             LEFT JOIN organizations o ON o.organization_id = u.organization_id
             WHERE s.session_hash = $1 AND u.active
               AND s.revoked_at IS NULL AND s.expires_at > now()
               AND s.last_seen_at > now() - make_interval(mins => $2)
         ), touched AS (
             UPDATE sessions SET last_seen_at = now()
             WHERE session_hash = (SELECT session_hash FROM live
                                   WHERE last_seen_at < now() - interval '1 minute')
         )
         SELECT user_id, full_name, role, organization_id, razon_social, kind, approval_status
         FROM live",
    )
    .bind(secrets::hash(&secret))
    .bind(IDLE_TIMEOUT_MIN)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let role = Role::parse(&row.role).map_err(|_| AppError::Internal)?;
    let organization = match (
        row.organization_id,
        row.razon_social,
        row.kind,
        row.approval_status,
    ) {
        (Some(organization_id), Some(razon_social), Some(kind), Some(approval)) => {
            Some(OrganizationSummary {
                organization_id,
                razon_social,
                kind: OrganizationKind::parse(&kind).map_err(|_| AppError::Internal)?,
                approval: ApprovalStatus::from_code(&approval).map_err(|_| AppError::Internal)?,
            })
        }
        _ => None,
    };
    Ok(Some(SignedInUser {
        user_id: row.user_id,
        full_name: row.full_name,
        role,
        organization,
    }))
}

/// The signed-in user, or `NotSignedIn`.
pub async fn require(pool: &PgPool) -> Result<SignedInUser, AppError> {
    current(pool).await?.ok_or(AppError::NotSignedIn)
}

/// The signed-in user of a platform role (the ANM's auditors, the operator's administrators);
/// anyone else is `Forbidden`.
pub async fn require_platform(pool: &PgPool) -> Result<SignedInUser, AppError> {
    let user = require(pool).await?;
    if user.role.is_platform() {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Ends this browser's session and removes its cookie.
pub async fn end_current(pool: &PgPool) -> Result<(), AppError> {
    let headers = request::headers().await?;
    if let Some(secret) = cookies::read(&headers, cookies::SESSION) {
        sqlx::query(
            "UPDATE sessions SET revoked_at = now() WHERE session_hash = $1 AND revoked_at IS NULL",
        )
        .bind(secrets::hash(&secret))
        .execute(pool)
        .await?;
    }
    cookies::clear(cookies::SESSION, &public_url()?);
    Ok(())
}

/// Ends every session of a user (sign-out everywhere, a new password).
pub async fn end_all(conn: &mut PgConnection, user_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}
