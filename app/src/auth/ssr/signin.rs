//! The sign-in flow on the server: password, then a one-time code by email or SMS.
//!
//! Password throttling is counted from the audit trail, by what was typed (so accounts that do not
//! exist are throttled exactly like real ones and answers never reveal which exist) and by address.
//! Each attempt is recorded as a failure *before* the password is verified, under a lock on what
//! was typed, and turned into a success only after: a burst of guesses cannot all pass the count.
//! Wrong codes are counted per account across codes (`domain::limits::WRONG_SIGN_IN_CODES_PER_ACCOUNT`):
//! past the limit the account is locked, its owner told and an alert raised.

use domain::limits::WRONG_SIGN_IN_CODES_PER_ACCOUNT;
use domain::{AlertKind, CodePurpose, IssuedCode, LoginIdentifier, SecondFactor, VerificationCode};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, AuthEvent, Entry};
use super::{cookies, passwords, public_url, request, secrets, sessions};
use crate::alerts::ssr::{NewAlert, raise};
use crate::error::AppError;
use crate::limits::{self, Recorded};
use crate::notify;

/// Failed passwords for one identifier, within the window, before it is locked for the window.
pub const ACCOUNT_FAILURES_MAX: i64 = 5;
/// Failed passwords from one address, within the window, before it is refused for the window.
pub const ADDRESS_FAILURES_MAX: i64 = 30;
pub const FAILURE_WINDOW_MIN: i32 = 15;
/// The rules of the code: `domain::one_time_code`.
const PURPOSE: CodePurpose = CodePurpose::SignIn;
/// The browser keeps the pending sign-in this long.
const CHALLENGE_COOKIE_S: i64 = 15 * 60;

/// The user columns a sign-in needs, for the given condition.
macro_rules! candidate_where {
    ($condition:literal) => {
        concat!(
            "SELECT user_id, organization_id, email, mobile, full_name, password_hash, second_factor,
                    email_verified_at IS NOT NULL AS email_verified, active
             FROM users WHERE ",
            $condition
        )
    };
}

const WRONG_CREDENTIALS: &str = "Usuario o contraseña incorrectos.";

#[derive(sqlx::FromRow)]
struct Candidate {
    user_id: Uuid,
    organization_id: Option<Uuid>,
    email: String,
    mobile: Option<String>,
    full_name: String,
    password_hash: Option<String>,
    second_factor: String,
    email_verified: bool,
    active: bool,
}

/// Step 1: user or email and password. On success a code is on its way and the browser holds the
/// pending sign-in; the answer never says whether the account exists.
pub async fn password_step(
    pool: &PgPool,
    identifier: &str,
    password: String,
) -> Result<(), AppError> {
    let address = request::client_address().await;
    let typed = identifier.trim().to_lowercase();
    if typed.is_empty() || password.is_empty() {
        return Err(AppError::Refused(
            "Escriba su usuario o correo y su contraseña.".to_owned(),
        ));
    }
    let candidate: Option<Candidate> = match LoginIdentifier::parse(&typed) {
        Some(LoginIdentifier::Email(email)) => {
            sqlx::query_as(candidate_where!("email = $1"))
                .bind(email.as_ref())
                .fetch_optional(pool)
                .await?
        }
        Some(LoginIdentifier::Username(username)) => {
            sqlx::query_as(candidate_where!("username = $1"))
                .bind(username.as_ref())
                .fetch_optional(pool)
                .await?
        }
        None => None,
    };
    let attempt = record_attempt(pool, candidate.as_ref(), &typed, &address).await?;

    let stored = candidate.as_ref().and_then(|c| c.password_hash.clone());
    let matches = passwords::verify(password, stored).await?;
    let user = match candidate {
        Some(user) if matches && user.active => user,
        other => {
            lock_after_failures(pool, other.as_ref(), &typed, &address).await?;
            return Err(AppError::Refused(WRONG_CREDENTIALS.to_owned()));
        }
    };
    // The password was right: the attempt recorded as a failure was not one.
    sqlx::query("UPDATE auth_events SET kind = $2 WHERE auth_event_id = $1")
        .bind(attempt)
        .bind(AuthEvent::ContrasenaCorrecta.code())
        .execute(pool)
        .await?;
    if !user.email_verified {
        return Err(AppError::Refused(
            "Su correo aún no está verificado: abra el enlace que le enviamos al registrarse, o pida uno nuevo en «Reenviar verificación».".to_owned(),
        ));
    }

    let channel = match (
        SecondFactor::parse_or_email(&user.second_factor),
        &user.mobile,
    ) {
        (SecondFactor::Sms, Some(_)) => SecondFactor::Sms,
        _ => SecondFactor::Email,
    };
    let challenge = secrets::new_secret();
    let code = VerificationCode::from_random(secrets::random_u64());
    let mut tx = pool.begin().await?;
    // An account locked by wrong codes gets no new code until the lock ends.
    limits::check(
        &mut tx,
        &WRONG_SIGN_IN_CODES_PER_ACCOUNT,
        &user.user_id.to_string(),
    )
    .await?;
    sqlx::query(
        "INSERT INTO login_challenges (challenge_hash, user_id, code_hash, channel, expires_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(mins => $5))",
    )
    .bind(secrets::hash(&challenge))
    .bind(user.user_id)
    .bind(secrets::code_hash(&challenge, code.as_ref()))
    .bind(channel.code())
    .bind(PURPOSE.policy().validity_minutes)
    .execute(&mut *tx)
    .await?;
    send_code(&mut tx, &user, channel, &code, &address).await?;
    tx.commit().await?;
    cookies::set(
        cookies::CHALLENGE,
        &challenge,
        CHALLENGE_COOKIE_S,
        &public_url()?,
    );
    Ok(())
}

/// Checks the throttle and records the attempt as a failure, in one transaction under a lock on
/// what was typed and one on the address: of concurrent attempts, only as many as the throttle
/// allows get through to the (slow) verification. Returns the recorded event's id.
async fn record_attempt(
    pool: &PgPool,
    user: Option<&Candidate>,
    typed: &str,
    address: &str,
) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('ingreso/' || $1, 0)),
                pg_advisory_xact_lock(hashtextextended('ingreso-direccion/' || $2, 0))",
    )
    .bind(typed)
    .bind(address)
    .execute(&mut *tx)
    .await?;
    let (by_identifier, by_address): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE identifier = $1), count(*) FILTER (WHERE client_address = $2)
         FROM auth_events
         WHERE kind = $4 AND at > now() - make_interval(mins => $3)
           AND (identifier = $1 OR client_address = $2)",
    )
    .bind(typed)
    .bind(address)
    .bind(FAILURE_WINDOW_MIN)
    .bind(AuthEvent::IngresoFallido.code())
    .fetch_one(&mut *tx)
    .await?;
    if by_identifier >= ACCOUNT_FAILURES_MAX {
        return Err(AppError::Throttled(format!(
            "Demasiados intentos fallidos para este usuario. Espere {FAILURE_WINDOW_MIN} minutos o recupere su contraseña en «Recupere aquí»."
        )));
    }
    if by_address >= ADDRESS_FAILURES_MAX {
        return Err(AppError::Throttled(format!(
            "Demasiados intentos fallidos desde su conexión. Espere {FAILURE_WINDOW_MIN} minutos."
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO auth_events (kind, user_id, organization_id, client_address, identifier)
         VALUES ($1, $2, $3, $4, $5) RETURNING auth_event_id",
    )
    .bind(AuthEvent::IngresoFallido.code())
    .bind(user.map(|u| u.user_id))
    .bind(user.and_then(|u| u.organization_id))
    .bind(address)
    .bind(typed)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// After a failure (already recorded): the one that reaches the maximum is recorded as the lock.
async fn lock_after_failures(
    pool: &PgPool,
    user: Option<&Candidate>,
    typed: &str,
    address: &str,
) -> Result<(), AppError> {
    let failures: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM auth_events
         WHERE kind = $3 AND identifier = $1 AND at > now() - make_interval(mins => $2)",
    )
    .bind(typed)
    .bind(FAILURE_WINDOW_MIN)
    .bind(AuthEvent::IngresoFallido.code())
    .fetch_one(pool)
    .await?;
    if failures == ACCOUNT_FAILURES_MAX {
        audit::record(
            pool,
            Entry {
                event: AuthEvent::CuentaBloqueada,
                user_id: user.map(|u| u.user_id),
                organization_id: user.and_then(|u| u.organization_id),
                client_address: address,
                identifier: Some(typed),
                detail: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A sign-in code as a secret of its message: usable as long as the code.
fn code_secret(code: &VerificationCode) -> notify::Secrets<'_> {
    notify::Secrets {
        values: vec![code.as_ref()],
        valid_minutes: PURPOSE.policy().validity_minutes,
    }
}

/// Writes the code's message to the outbox (sent when the transaction commits).
async fn send_code(
    conn: &mut PgConnection,
    user: &Candidate,
    channel: SecondFactor,
    code: &VerificationCode,
    address: &str,
) -> Result<(), AppError> {
    match (channel, &user.mobile) {
        (SecondFactor::Sms, Some(mobile)) => {
            notify::enqueue_secret_sms(
                conn,
                &notify::OutgoingSms {
                    to: mobile.clone(),
                    text: format!(
                        "Veta: su codigo de ingreso es {}. Vence en {} minutos. No lo comparta.",
                        code.as_ref(),
                        PURPOSE.policy().validity_minutes
                    ),
                },
                Some(&code_secret(code)),
            )
            .await?;
        }
        _ => {
            let paragraphs = [
                format!("Su código de ingreso es: {}", code.as_ref()),
                format!(
                    "Vence en {} minutos y sirve una sola vez. Si usted no intentó ingresar, cambie su contraseña: alguien la conoce.",
                    PURPOSE.policy().validity_minutes
                ),
            ];
            notify::enqueue_notice(
                conn,
                &notify::Notice {
                    to: &user.email,
                    name: &user.full_name,
                    recipient_lines: &[],
                    subject: "Código de ingreso a Veta".to_owned(),
                    paragraphs: &paragraphs,
                    action: None,
                },
                Some(&code_secret(code)),
            )
            .await?;
        }
    }
    audit::record(
        &mut *conn,
        Entry::user(
            AuthEvent::CodigoEnviado,
            user.user_id,
            user.organization_id,
            address,
        )
        .detail(channel.code()),
    )
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Challenge {
    user_id: Uuid,
    code_hash: Vec<u8>,
    channel: String,
    failed_attempts: i32,
    sends: i32,
    seconds_since_sent: i64,
    expired: bool,
    used: bool,
}

const CHALLENGE_FOR_UPDATE: &str = "SELECT user_id, code_hash, channel, failed_attempts, sends,
        extract(epoch FROM now() - last_sent_at)::bigint AS seconds_since_sent,
        expires_at <= now() AS expired, used_at IS NOT NULL AS used
 FROM login_challenges WHERE challenge_hash = $1 FOR UPDATE";

/// The pending sign-in of this browser (its challenge cookie), locked until the transaction ends.
async fn lock_pending(conn: &mut PgConnection) -> Result<(String, Challenge), AppError> {
    let headers = request::headers().await?;
    let secret = cookies::read(&headers, cookies::CHALLENGE).ok_or_else(no_pending_sign_in)?;
    let challenge: Challenge = sqlx::query_as(CHALLENGE_FOR_UPDATE)
        .bind(secrets::hash(&secret))
        .fetch_optional(conn)
        .await?
        .filter(|challenge: &Challenge| !challenge.used)
        .ok_or_else(no_pending_sign_in)?;
    Ok((secret, challenge))
}

fn no_pending_sign_in() -> AppError {
    AppError::Refused(
        "No hay un ingreso pendiente en este navegador o ya venció. Ingrese de nuevo con su usuario y contraseña.".to_owned(),
    )
}

impl Challenge {
    fn issued(&self) -> IssuedCode {
        IssuedCode {
            expired: self.expired,
            failed_attempts: self.failed_attempts,
            sends: self.sends,
            seconds_since_sent: self.seconds_since_sent,
        }
    }
}

/// Step 2: the code. At most `attempts_per_code` wrong tries per code, and at most
/// `WRONG_SIGN_IN_CODES_PER_ACCOUNT` a day for the account whatever the codes.
pub async fn code_step(pool: &PgPool, typed_code: &str) -> Result<(), AppError> {
    let code = VerificationCode::parse(typed_code).map_err(|violation| {
        AppError::Invalid(domain::ValidationErrors::one("code", "Código", &violation))
    })?;
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    let (secret, challenge) = lock_pending(&mut tx).await?;
    let account = challenge.user_id.to_string();
    limits::check(&mut tx, &WRONG_SIGN_IN_CODES_PER_ACCOUNT, &account).await?;
    PURPOSE
        .check_usable(&challenge.issued())
        .map_err(AppError::from)?;
    let organization_id: Option<Uuid> =
        sqlx::query_scalar("SELECT organization_id FROM users WHERE user_id = $1")
            .bind(challenge.user_id)
            .fetch_one(&mut *tx)
            .await?;
    let entry = |event, detail| Entry {
        event,
        user_id: Some(challenge.user_id),
        organization_id,
        client_address: &address,
        identifier: None,
        detail,
    };

    if secrets::code_hash(&secret, code.as_ref()) != challenge.code_hash {
        let attempts = challenge.failed_attempts + 1;
        sqlx::query("UPDATE login_challenges SET failed_attempts = $2 WHERE challenge_hash = $1")
            .bind(secrets::hash(&secret))
            .bind(attempts)
            .execute(&mut *tx)
            .await?;
        audit::record(&mut *tx, entry(AuthEvent::CodigoFallido, None)).await?;
        let refusal = PURPOSE.wrong(attempts);
        if attempts >= PURPOSE.policy().attempts_per_code {
            audit::record(&mut *tx, entry(AuthEvent::CodigoAgotado, None)).await?;
        }
        let recorded =
            limits::record(&mut tx, &WRONG_SIGN_IN_CODES_PER_ACCOUNT, &account, None).await?;
        if recorded == Recorded::Reached {
            audit::record(&mut *tx, entry(AuthEvent::CuentaBloqueada, Some("codigos"))).await?;
            locked_by_codes(&mut tx, challenge.user_id, organization_id).await?;
            tx.commit().await?;
            let reached = WRONG_SIGN_IN_CODES_PER_ACCOUNT
                .refusal(i64::from(WRONG_SIGN_IN_CODES_PER_ACCOUNT.block_s));
            return Err(AppError::Throttled(reached.to_string()));
        }
        tx.commit().await?;
        return Err(AppError::Refused(refusal.to_string()));
    }

    sqlx::query("UPDATE login_challenges SET used_at = now() WHERE challenge_hash = $1")
        .bind(secrets::hash(&secret))
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        entry(AuthEvent::IngresoExitoso, Some(&challenge.channel)),
    )
    .await?;
    sessions::start(&mut tx, challenge.user_id).await?;
    tx.commit().await?;
    cookies::clear(cookies::CHALLENGE, &public_url()?);
    Ok(())
}

/// The account reached the limit of wrong codes: its owner is told (someone knows its password)
/// and the Administrador OTTM gets an alert.
async fn locked_by_codes(
    conn: &mut PgConnection,
    user_id: Uuid,
    organization_id: Option<Uuid>,
) -> Result<(), AppError> {
    let user: Candidate = sqlx::query_as(candidate_where!("user_id = $1"))
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let limit = WRONG_SIGN_IN_CODES_PER_ACCOUNT;
    let paragraphs = [
        format!(
            "Se escribieron {} códigos de ingreso errados para su cuenta en 24 horas. Por seguridad, la cuenta queda bloqueada por {}.",
            limit.max,
            domain::limits::duration(i64::from(limit.block_s))
        ),
        "Quien lo intentó conocía su contraseña: cámbiela en «Recupere aquí» cuando termine el bloqueo, y avise al administrador de su organización.".to_owned(),
    ];
    notify::enqueue_notice(
        conn,
        &notify::Notice {
            to: &user.email,
            name: &user.full_name,
            recipient_lines: &[],
            subject: "Su cuenta de Veta quedó bloqueada".to_owned(),
            paragraphs: &paragraphs,
            action: None,
        },
        None,
    )
    .await?;
    raise(
        conn,
        NewAlert {
            subject: None,
            kind: AlertKind::CodigosErradosCuenta,
            organization_id,
            other_organization_id: None,
            compra_id: None,
            detail: format!(
                "{} códigos de ingreso errados en 24 horas para la cuenta de {} ({}).",
                limit.max, user.full_name, user.email
            ),
        },
    )
    .await?;
    Ok(())
}

/// Sends a new code for the pending sign-in, resetting the tries; throttled.
pub async fn resend_code(pool: &PgPool) -> Result<(), AppError> {
    let address = request::client_address().await;
    let mut tx = pool.begin().await?;
    let (secret, challenge) = lock_pending(&mut tx).await?;
    limits::check(
        &mut tx,
        &WRONG_SIGN_IN_CODES_PER_ACCOUNT,
        &challenge.user_id.to_string(),
    )
    .await?;
    PURPOSE
        .check_resend(Some(&challenge.issued()))
        .map_err(AppError::from)?;
    let user: Candidate = sqlx::query_as(candidate_where!("user_id = $1"))
        .bind(challenge.user_id)
        .fetch_one(&mut *tx)
        .await?;
    let code = VerificationCode::from_random(secrets::random_u64());
    sqlx::query(
        "UPDATE login_challenges
         SET code_hash = $2, failed_attempts = 0, sends = sends + 1, last_sent_at = now(),
             expires_at = now() + make_interval(mins => $3)
         WHERE challenge_hash = $1",
    )
    .bind(secrets::hash(&secret))
    .bind(secrets::code_hash(&secret, code.as_ref()))
    .bind(PURPOSE.policy().validity_minutes)
    .execute(&mut *tx)
    .await?;
    let channel = SecondFactor::parse_or_email(&challenge.channel);
    send_code(&mut tx, &user, channel, &code, &address).await?;
    tx.commit().await?;
    Ok(())
}
