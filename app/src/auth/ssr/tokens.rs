//! Single-use, expiring links sent by email (table `user_tokens`): only the secret's hash is kept.

use sqlx::PgConnection;
use uuid::Uuid;

use super::secrets;

/// What a link is for; a link of one purpose is useless for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerificarCorreo,
    Invitacion,
    RecuperarClave,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Self::VerificarCorreo => "VERIFICAR_CORREO",
            Self::Invitacion => "INVITACION",
            Self::RecuperarClave => "RECUPERAR_CLAVE",
        }
    }
}

/// Why a link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Never issued, tampered with, cut short, or issued for another purpose.
    Unknown,
    Used,
    Expired,
}

/// Issues a link secret for `user_id`, valid `valid_min` minutes.
pub async fn issue(
    conn: &mut PgConnection,
    user_id: Uuid,
    purpose: Purpose,
    valid_min: i32,
) -> Result<String, sqlx::Error> {
    let secret = secrets::new_secret();
    sqlx::query(
        "INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4))",
    )
    .bind(secrets::hash(&secret))
    .bind(user_id)
    .bind(purpose.code())
    .bind(valid_min)
    .execute(conn)
    .await?;
    Ok(secret)
}

/// How many links of `purpose` were issued to `user_id` in the last hour (to throttle requests).
pub async fn issued_last_hour(
    conn: &mut PgConnection,
    user_id: Uuid,
    purpose: Purpose,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM user_tokens
         WHERE user_id = $1 AND purpose = $2 AND created_at > now() - interval '1 hour'",
    )
    .bind(user_id)
    .bind(purpose.code())
    .fetch_one(conn)
    .await
}

/// Locks the link's row and checks it can be used; returns its user. Call [`mark_used`] in the
/// same transaction once the action succeeded.
pub async fn lock(
    conn: &mut PgConnection,
    secret: &str,
    purpose: Purpose,
) -> Result<Result<Uuid, TokenProblem>, sqlx::Error> {
    let row: Option<(Uuid, bool, bool)> = sqlx::query_as(
        "SELECT user_id, used_at IS NOT NULL, expires_at <= now()
         FROM user_tokens WHERE token_hash = $1 AND purpose = $2 FOR UPDATE",
    )
    .bind(secrets::hash(secret.trim()))
    .bind(purpose.code())
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        None => Err(TokenProblem::Unknown),
        Some((_, true, _)) => Err(TokenProblem::Used),
        Some((_, _, true)) => Err(TokenProblem::Expired),
        Some((user_id, false, false)) => Ok(user_id),
    })
}

pub async fn mark_used(conn: &mut PgConnection, secret: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE user_tokens SET used_at = now() WHERE token_hash = $1")
        .bind(secrets::hash(secret.trim()))
        .execute(conn)
        .await?;
    Ok(())
}
