//! The server side of the production report's pages, and what the machine API shares with them
//! (the issue of a token).

use domain::OrganizationKind;
use domain::production_report::{Environment, TokenRecord, purge_before};
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{BatchRow, NewProductionToken, ProductionTokenRow, RecordResult};
use crate::auth::SignedInUser;
use crate::auth::ssr::secrets;
use crate::error::AppError;
use crate::saldos::ssr::fecha_hora;

/// Most batches *Historial de cargue* lists.
pub const BATCHES_LISTED: i64 = 50;

/// The signed-in administrator of an approved title holder, with the pool and its organisation.
pub async fn holder_administrator() -> Result<(PgPool, SignedInUser, Uuid), AppError> {
    let (pool, user, organization_id) = crate::approval::ssr::administrator().await?;
    let holder = user.organization.as_ref().is_some_and(|o| {
        o.kind == OrganizationKind::ExplotadorMineroAutorizado && o.approval.may_trade()
    });
    if !holder {
        return Err(AppError::Refused(
            "El reporte de producción es del titular minero: solo el administrador de un \
             explotador minero autorizado aprobado genera tokens y ve sus cargues."
                .to_owned(),
        ));
    }
    Ok((pool, user, organization_id))
}

/// The códigos de expediente of an organisation's mining titles, in order: what its production
/// reports, declarations and cross-checks may name.
pub async fn titles_of<'c>(
    executor: impl sqlx::PgExecutor<'c>,
    organization_id: Uuid,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT codigo_expediente FROM mining_titles WHERE organization_id = $1
         ORDER BY codigo_expediente",
    )
    .bind(organization_id)
    .fetch_all(executor)
    .await
}

/// Generates a token of `environment` for the user, disabling its active one of that environment,
/// in the caller's transaction. Only its SHA-256 is stored.
pub async fn issue_token(
    conn: &mut PgConnection,
    user_id: Uuid,
    organization_id: Uuid,
    environment: Environment,
) -> Result<NewProductionToken, sqlx::Error> {
    // One request at a time per user and environment (the partial unique index would refuse the
    // second of two concurrent ones with an error instead).
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('produccion-token/' || $1 || $2, 0))",
    )
    .bind(user_id.to_string())
    .bind(environment.code())
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE production_tokens SET disabled_at = now()
         WHERE user_id = $1 AND environment = $2 AND disabled_at IS NULL",
    )
    .bind(user_id)
    .bind(environment.code())
    .execute(&mut *conn)
    .await?;
    let secret = secrets::new_secret();
    let token_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO production_tokens (token_id, token_hash, user_id, organization_id, environment)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_id)
    .bind(secrets::hash(&secret))
    .bind(user_id)
    .bind(organization_id)
    .bind(environment.code())
    .execute(&mut *conn)
    .await?;
    Ok(NewProductionToken {
        token_id,
        environment,
        secret,
    })
}

/// *Historial de token* of the organisation, newest first.
pub async fn list_tokens(
    pool: &PgPool,
    organization_id: Uuid,
) -> Result<Vec<ProductionTokenRow>, AppError> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        String,
        String,
        OffsetDateTime,
        Option<OffsetDateTime>,
        Option<OffsetDateTime>,
        OffsetDateTime,
    )> = sqlx::query_as(
        "SELECT t.token_id, u.full_name, t.environment, t.created_at, t.last_used_at,
                t.disabled_at, now()
         FROM production_tokens t JOIN users u ON u.user_id = t.user_id
         WHERE t.organization_id = $1 ORDER BY t.created_at DESC LIMIT 100",
    )
    .bind(organization_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(token_id, user, environment, created_at, last_used_at, disabled_at, now)| {
                let state = TokenRecord {
                    created_at,
                    last_used_at,
                    disabled_at,
                }
                .state(now);
                Ok(ProductionTokenRow {
                    token_id,
                    user,
                    environment: Environment::from_code(&environment).ok_or(AppError::Internal)?,
                    created: fecha_hora(created_at),
                    last_used: last_used_at.map(fecha_hora),
                    state: state.label().to_owned(),
                })
            },
        )
        .collect()
}

/// *Historial de cargue*: the newest batches; test ones only while they are kept.
pub async fn list_batches(pool: &PgPool, organization_id: Uuid) -> Result<Vec<BatchRow>, AppError> {
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        Uuid,
        String,
        OffsetDateTime,
        String,
        i32,
        i32,
        i32,
        i32,
        Json<Vec<RecordResult>>,
    )> = sqlx::query_as(
        "SELECT b.batch_id, b.environment, b.received_at, u.full_name, b.total, b.accepted,
                b.duplicates, b.rejected, b.results
         FROM production_batches b JOIN users u ON u.user_id = b.user_id
         WHERE b.organization_id = $1
           AND (b.environment <> $2 OR b.received_at >= $3)
         ORDER BY b.received_at DESC LIMIT $4",
    )
    .bind(organization_id)
    .bind(Environment::Pruebas.code())
    .bind(purge_before(
        Environment::Pruebas,
        OffsetDateTime::now_utc(),
    ))
    .bind(BATCHES_LISTED)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(
            |(
                batch_id,
                environment,
                received,
                user,
                total,
                accepted,
                duplicates,
                rejected,
                results,
            )| {
                Ok(BatchRow {
                    batch_id,
                    environment: Environment::from_code(&environment).ok_or(AppError::Internal)?,
                    received: fecha_hora(received),
                    user,
                    total,
                    accepted,
                    duplicates,
                    rejected,
                    results: results.0,
                })
            },
        )
        .collect()
}
