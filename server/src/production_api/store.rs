//! The production report's database side: who may hold a token, the PIN of step 1, the tokens of
//! step 2 and their check in step 3 (the batches are in `cargue.rs`); tables of
//! `migrations/0016_production_reports.sql`.

use app::auth::ssr::CodeKey;
use app::auth::ssr::secrets;
use app::notify;
use domain::one_time_code::{CodePurpose, CodeRefusal, IssuedCode};
use domain::production_report::{Environment, TokenRecord, TokenRefusal};
use domain::{ApprovalStatus, OrganizationKind, Role, VerificationCode};
use serde::Serialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// The policy of the PIN: that of a sign-in's code (5 minutes, 5 tries, 5 sends, 60 s apart).
pub const PIN_PURPOSE: CodePurpose = CodePurpose::SignIn;
/// The window in which the PINs sent to one user are counted against the policy's sends.
pub const PIN_WINDOW_MINUTES: i32 = 60;

/// A title holder's administrator, the only one who may hold tokens ("solo desde la cuenta del
/// titular, no un agente").
#[derive(Debug, Clone)]
pub struct Holder {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub full_name: String,
}

/// The holder's administrator with this user name and email: active, of an approved title holder.
pub async fn find_holder(
    pool: &PgPool,
    username: &str,
    email: &str,
) -> Result<Option<Holder>, sqlx::Error> {
    let found: Option<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "SELECT u.user_id, o.organization_id, u.email, u.full_name
         FROM users u JOIN organizations o ON o.organization_id = u.organization_id
         WHERE u.username = $1 AND u.email = $2 AND u.active AND u.role = $3
           AND o.kind = $4 AND o.approval_status = $5",
    )
    .bind(username)
    .bind(email)
    .bind(Role::Administrador.code())
    .bind(OrganizationKind::ExplotadorMineroAutorizado.code())
    .bind(ApprovalStatus::Aprobada.code())
    .fetch_optional(pool)
    .await?;
    Ok(
        found.map(|(user_id, organization_id, email, full_name)| Holder {
            user_id,
            organization_id,
            email,
            full_name,
        }),
    )
}

fn pin_hash(key: &CodeKey, user_id: Uuid, pin: &str) -> Vec<u8> {
    secrets::keyed_code_hash(key, &format!("produccion-pin/{user_id}"), pin)
}

/// Sends a new PIN to the holder's email, unless the policy refuses another one now (too soon, or
/// too many in [`PIN_WINDOW_MINUTES`]); returns whether one was sent.
pub async fn send_pin(pool: &PgPool, key: &CodeKey, holder: &Holder) -> Result<bool, sqlx::Error> {
    let policy = PIN_PURPOSE.policy();
    let mut tx = pool.begin().await?;
    let last: Option<(bool, i32, i32, i64, bool)> = sqlx::query_as(
        "SELECT expires_at <= now() OR used_at IS NOT NULL, failed_attempts, sends,
                extract(epoch FROM now() - last_sent_at)::bigint,
                first_sent_at > now() - make_interval(mins => $2)
         FROM production_login_pins WHERE user_id = $1 FOR UPDATE",
    )
    .bind(holder.user_id)
    .bind(PIN_WINDOW_MINUTES)
    .fetch_optional(&mut *tx)
    .await?;
    let in_window = last.filter(|last| last.4);
    let issued =
        in_window.map(
            |(expired, failed_attempts, sends, seconds_since_sent, _)| IssuedCode {
                expired,
                failed_attempts,
                sends,
                seconds_since_sent,
            },
        );
    if PIN_PURPOSE.check_resend(issued.as_ref()).is_err() {
        tx.rollback().await?;
        return Ok(false);
    }
    let pin = VerificationCode::from_random(secrets::random_u64());
    sqlx::query(
        "INSERT INTO production_login_pins (user_id, code_hash, sends, expires_at)
         VALUES ($1, $2, 1, now() + make_interval(mins => $3))
         ON CONFLICT (user_id) DO UPDATE SET
             code_hash = EXCLUDED.code_hash, failed_attempts = 0, used_at = NULL,
             expires_at = EXCLUDED.expires_at, last_sent_at = now(),
             sends = CASE WHEN $4 THEN production_login_pins.sends + 1 ELSE 1 END,
             first_sent_at = CASE WHEN $4 THEN production_login_pins.first_sent_at ELSE now() END",
    )
    .bind(holder.user_id)
    .bind(pin_hash(key, holder.user_id, pin.as_ref()))
    .bind(policy.validity_minutes)
    .bind(in_window.is_some())
    .execute(&mut *tx)
    .await?;
    let paragraphs = [
        format!(
            "Su PIN para generar el token del reporte de producción es: {}",
            pin.as_ref()
        ),
        format!(
            "Envíelo con su usuario, su correo y el ambiente (PRUEBAS o PRODUCCION) a \
             POST /api/produccion/v1/autorizacion. Vence en {} minutos y sirve una sola vez. \
             Si usted no lo pidió, ignore este mensaje.",
            policy.validity_minutes
        ),
    ];
    notify::enqueue_notice(
        &mut tx,
        &notify::Notice {
            to: &holder.email,
            name: &holder.full_name,
            recipient_lines: &[],
            subject: "PIN del reporte de producción (Veta)".to_owned(),
            paragraphs: &paragraphs,
            action: None,
        },
        Some(&notify::Secrets {
            values: vec![pin.as_ref()],
            valid_minutes: policy.validity_minutes,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// A token just generated: its secret, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedToken {
    pub token_id: Uuid,
    pub token: String,
    pub ambiente: Environment,
    #[serde(with = "time::serde::rfc3339")]
    pub creado: OffsetDateTime,
}

/// Why step 2 gave no token.
#[derive(Debug, Clone)]
pub enum PinProblem {
    /// No PIN pending (never asked, or already used).
    NoPin,
    Refused(CodeRefusal),
}

/// Checks the PIN and, when right, spends it, disables the holder's active token of `environment`
/// and generates a new one, in one transaction.
pub async fn authorize(
    pool: &PgPool,
    key: &CodeKey,
    holder: &Holder,
    pin: &VerificationCode,
    environment: Environment,
) -> Result<Result<IssuedToken, PinProblem>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let row: Option<(bool, bool, i32, i32, Vec<u8>)> = sqlx::query_as(
        "SELECT used_at IS NOT NULL, expires_at <= now(), failed_attempts, sends, code_hash
         FROM production_login_pins WHERE user_id = $1 FOR UPDATE",
    )
    .bind(holder.user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((false, expired, failed_attempts, sends, code_hash)) = row else {
        tx.rollback().await?;
        return Ok(Err(PinProblem::NoPin));
    };
    let issued = IssuedCode {
        expired,
        failed_attempts,
        sends,
        seconds_since_sent: 0,
    };
    if let Err(refusal) = PIN_PURPOSE.check_usable(&issued) {
        tx.rollback().await?;
        return Ok(Err(PinProblem::Refused(refusal)));
    }
    if pin_hash(key, holder.user_id, pin.as_ref()) != code_hash {
        let failed: i32 = sqlx::query_scalar(
            "UPDATE production_login_pins SET failed_attempts = failed_attempts + 1
             WHERE user_id = $1 RETURNING failed_attempts",
        )
        .bind(holder.user_id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        return Ok(Err(PinProblem::Refused(PIN_PURPOSE.wrong(failed))));
    }
    sqlx::query("UPDATE production_login_pins SET used_at = now() WHERE user_id = $1")
        .bind(holder.user_id)
        .execute(&mut *tx)
        .await?;
    let issued = app::production::ssr::issue_token(
        &mut tx,
        holder.user_id,
        holder.organization_id,
        environment,
    )
    .await?;
    let creado: OffsetDateTime =
        sqlx::query_scalar("SELECT created_at FROM production_tokens WHERE token_id = $1")
            .bind(issued.token_id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    Ok(Ok(IssuedToken {
        token_id: issued.token_id,
        token: issued.secret,
        ambiente: environment,
        creado,
    }))
}

/// Who a bearer token acts for.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub token_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub environment: Environment,
}

/// Why a bearer token is not accepted.
#[derive(Debug, Clone, Copy)]
pub enum TokenProblem {
    Unknown,
    Refused(TokenRefusal),
    /// Its user is no longer an active administrator of an approved title holder.
    Forbidden,
}

/// The caller of a bearer token, recording its use.
pub async fn authenticate(
    pool: &PgPool,
    secret: &str,
) -> Result<Result<Caller, TokenProblem>, sqlx::Error> {
    #[allow(clippy::type_complexity)]
    let row: Option<(
        Uuid,
        Uuid,
        Uuid,
        String,
        OffsetDateTime,
        Option<OffsetDateTime>,
        Option<OffsetDateTime>,
        OffsetDateTime,
        bool,
    )> = sqlx::query_as(
        "SELECT t.token_id, t.user_id, t.organization_id, t.environment, t.created_at,
                t.last_used_at, t.disabled_at, now(),
                u.active AND u.role = $2 AND o.kind = $3 AND o.approval_status = $4
         FROM production_tokens t
         JOIN users u ON u.user_id = t.user_id
         JOIN organizations o ON o.organization_id = t.organization_id
         WHERE t.token_hash = $1",
    )
    .bind(secrets::hash(secret))
    .bind(Role::Administrador.code())
    .bind(OrganizationKind::ExplotadorMineroAutorizado.code())
    .bind(ApprovalStatus::Aprobada.code())
    .fetch_optional(pool)
    .await?;
    let Some((
        token_id,
        user_id,
        organization_id,
        environment,
        created_at,
        last_used_at,
        disabled_at,
        now,
        allowed,
    )) = row
    else {
        return Ok(Err(TokenProblem::Unknown));
    };
    let record = TokenRecord {
        created_at,
        last_used_at,
        disabled_at,
    };
    if let Err(refusal) = record.check_usable(now) {
        return Ok(Err(TokenProblem::Refused(refusal)));
    }
    if !allowed {
        return Ok(Err(TokenProblem::Forbidden));
    }
    let Some(environment) = Environment::from_code(&environment) else {
        return Err(sqlx::Error::Decode("ambiente desconocido".into()));
    };
    sqlx::query("UPDATE production_tokens SET last_used_at = now() WHERE token_id = $1")
        .bind(token_id)
        .execute(pool)
        .await?;
    Ok(Ok(Caller {
        token_id,
        user_id,
        organization_id,
        environment,
    }))
}
