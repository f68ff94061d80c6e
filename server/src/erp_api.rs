//! The buyer's API for its ERP (`/api/erp/v1`): purchases from subsistence miners, the same steps
//! as Compras → *Minero de Subsistencia* in the browser (`app::compras::ssr::submit`, `confirm`,
//! `get`), authenticated with an organisation's token (`app::erp`). Described for integrators in
//! `GET /api/erp/v1/openapi.json` (`erp_api/openapi.json`).
//!
//! - `POST /compras/minero-subsistencia` with an `Idempotency-Key`: creates the purchase and sends
//!   the miner its code (SMS, and email where it has one); the same key with the same body answers
//!   the same purchase (`replayed: true`), with another body `409`. Requests with one key are
//!   serialised by a session advisory lock, so a retry racing the first request waits for it.
//! - `POST /compras/{id}/confirmar` with the code the miner gives: the PTM code (again on a retry).
//! - `GET /compras/{id}`: where the purchase stands, with the miner's cupo left before it.
//!
//! Every refusal is the Web Service's JSON shape `{code, message, errors[]}` with a 4xx status; the
//! `errors[].field` are the request's own paths (`lines[0].quantity`).

use app::compras::CompraView;
use app::error::AppError;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::compra::SellerType;
use domain::{CompraDraft, FieldError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;
use crate::web_service::{ErrorBody, bearer, refuse};

/// Largest request body: a purchase of a few hundred lines.
pub const ERP_BODY_MAX_BYTES: usize = 256 * 1024;

/// The OpenAPI 3.1 description, served as is.
pub const OPENAPI: &str = include_str!("erp_api/openapi.json");

/// Every `code` the API answers outside `errors[]` (tested against the OpenAPI document).
pub const ERP_ERROR_CODES: [&str; 14] = [
    "token_missing",
    "token_invalid",
    "forbidden",
    "idempotency_key_missing",
    "idempotency_key_reused",
    "json_malformed",
    "validation_failed",
    "body_too_large",
    "compra_not_found",
    "refused",
    "limit_reached",
    "request_malformed",
    "internal",
    "unavailable",
];

/// `GET /api/erp/v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// What the API answers about a purchase.
#[derive(Debug, Serialize)]
pub struct CompraAnswer {
    pub compra_id: Uuid,
    pub status: &'static str,
    pub seller: Option<app::compras::SellerContact>,
    /// The miner's cupo left per row, before this purchase.
    pub cupos: Vec<domain::Cupo>,
    pub ptm_code: Option<String>,
    /// True when this request repeated an earlier one (nothing changed now).
    pub replayed: bool,
}

impl CompraAnswer {
    fn of(view: CompraView, replayed: bool) -> Self {
        Self {
            compra_id: view.compra_id,
            status: view.status.code(),
            seller: view.seller,
            cupos: view.cupos,
            ptm_code: view.ptm_code,
            replayed,
        }
    }
}

/// The body of `confirmar`.
#[derive(Debug, Deserialize)]
pub struct ConfirmBody {
    pub code: String,
}

/// The organisation's user the bearer token acts as, or the refusal.
async fn caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<app::auth::SignedInUser, Response> {
    let Some(token) = bearer(headers) else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "token_missing",
            "Falta el encabezado «Authorization: Bearer <token>» con un token de «Integración ERP».",
        ));
    };
    match app::erp::ssr::authenticate(&state.pool, &token).await {
        Ok(user) => Ok(user),
        Err(AppError::NotSignedIn) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "token_invalid",
            "El token no existe o fue revocado: cree uno en «Integración ERP».",
        )),
        Err(error) => Err(refusal(error)),
    }
}

fn buyer_id(user: &app::auth::SignedInUser) -> Result<Uuid, AppError> {
    user.organization
        .as_ref()
        .map(|organization| organization.organization_id)
        .ok_or(AppError::Forbidden)
}

/// `POST /api/erp/v1/compras/minero-subsistencia`.
pub async fn create(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let user = match caller(&state, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let buyer_id = match buyer_id(&user) {
        Ok(id) => id,
        Err(error) => return refusal(error),
    };
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| (1..=100).contains(&key.len()))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "idempotency_key_missing",
            "Falta el encabezado «Idempotency-Key» (1 a 100 caracteres, p. ej. el id de la compra en su ERP): con él, repetir la solicitud no crea otra compra.",
        );
    };
    let Ok(body) = to_bytes(body, ERP_BODY_MAX_BYTES).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("El cuerpo supera {} KiB.", ERP_BODY_MAX_BYTES / 1024),
        );
    };
    let mut draft: CompraDraft = match serde_json::from_slice(&body) {
        Ok(draft) => draft,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "json_malformed",
                format!(
                    "El cuerpo no es la compra en JSON que describe /api/erp/v1/openapi.json (todos los valores son textos): {error}."
                ),
            );
        }
    };
    draft.seller_type = SellerType::MineroSubsistencia.code().to_owned();
    let body_hash = Sha256::digest(&body).to_vec();
    match state
        .with_contexts(create_once(&state, &user, buyer_id, key, body_hash, draft))
        .await
    {
        Ok((view, replayed)) => {
            let status = if replayed {
                StatusCode::OK
            } else {
                StatusCode::CREATED
            };
            (status, Json(CompraAnswer::of(view, replayed))).into_response()
        }
        Err(response) => response,
    }
}

/// Creates and submits the purchase unless this key already did; one key at a time.
async fn create_once(
    state: &AppState,
    user: &app::auth::SignedInUser,
    buyer_id: Uuid,
    key: &str,
    body_hash: Vec<u8>,
    draft: CompraDraft,
) -> Result<(CompraView, bool), Response> {
    let internal = |error: sqlx::Error| refusal(AppError::from(error));
    // A session lock on (buyer, key), held on a connection of its own until the purchase is stored
    // with its key; the purchase's own steps use other connections.
    let mut guard = state.pool.acquire().await.map_err(internal)?;
    let lock_key = format!("erp/{buyer_id}/{key}");
    sqlx::query("SELECT pg_advisory_lock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *guard)
        .await
        .map_err(internal)?;
    let outcome = async {
        let earlier: Option<(Uuid, Vec<u8>)> = sqlx::query_as(
            "SELECT compra_id, erp_body_hash FROM compras WHERE buyer_id = $1 AND erp_key = $2",
        )
        .bind(buyer_id)
        .bind(key)
        .fetch_optional(&state.pool)
        .await
        .map_err(internal)?;
        if let Some((compra_id, earlier_hash)) = earlier {
            if earlier_hash != body_hash {
                return Err(refuse(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "Esa Idempotency-Key ya se usó con otra compra: use una clave nueva para una compra nueva.",
                ));
            }
            let view = app::compras::ssr::get(&state.pool, buyer_id, compra_id)
                .await
                .map_err(refusal)?;
            return Ok((view, true));
        }
        let view = app::compras::ssr::submit(&state.pool, user, buyer_id, None, draft)
            .await
            .map_err(refusal)?;
        sqlx::query("UPDATE compras SET erp_key = $2, erp_body_hash = $3 WHERE compra_id = $1")
            .bind(view.compra_id)
            .bind(key)
            .bind(&body_hash)
            .execute(&state.pool)
            .await
            .map_err(internal)?;
        Ok((view, false))
    }
    .await;
    let _ = sqlx::query("SELECT pg_advisory_unlock(hashtextextended($1, 0))")
        .bind(&lock_key)
        .execute(&mut *guard)
        .await;
    outcome
}

/// `POST /api/erp/v1/compras/{id}/confirmar`.
pub async fn confirm(
    State(state): State<AppState>,
    Path(compra_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let (user, buyer_id, compra_id) = match on_compra(&state, &headers, &compra_id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Ok(body) = to_bytes(body, 4 * 1024).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "El cuerpo supera 4 KiB.",
        );
    };
    let Ok(ConfirmBody { code }) = serde_json::from_slice(&body) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "json_malformed",
            "El cuerpo debe ser {\"code\": \"<código de 8 dígitos que recibió el minero>\"}.",
        );
    };
    let confirmed = state
        .with_contexts(async {
            app::compras::ssr::confirm(&state.pool, (buyer_id, &user.full_name), compra_id, &code)
                .await?;
            app::compras::ssr::get(&state.pool, buyer_id, compra_id).await
        })
        .await;
    match confirmed {
        Ok(view) => Json(CompraAnswer::of(view, false)).into_response(),
        Err(error) => refusal(error),
    }
}

/// `GET /api/erp/v1/compras/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Path(compra_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, buyer_id, compra_id) = match on_compra(&state, &headers, &compra_id).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let found = state
        .with_contexts(app::compras::ssr::get(&state.pool, buyer_id, compra_id))
        .await;
    match found {
        Ok(view) => Json(CompraAnswer::of(view, false)).into_response(),
        Err(error) => refusal(error),
    }
}

/// The caller, its organisation and the purchase of the path.
async fn on_compra(
    state: &AppState,
    headers: &HeaderMap,
    compra_id: &str,
) -> Result<(app::auth::SignedInUser, Uuid, Uuid), Response> {
    let user = caller(state, headers).await?;
    match (buyer_id(&user), parse_id(compra_id)) {
        (Ok(buyer_id), Ok(compra_id)) => Ok((user, buyer_id, compra_id)),
        (Err(error), _) | (_, Err(error)) => Err(refusal(error)),
    }
}

fn parse_id(text: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(text.trim()).map_err(|_| AppError::NotFound)
}

/// A refusal of the purchase's rules with its stable code; only a real failure is a 500.
fn refusal(error: AppError) -> Response {
    let message = error.to_string();
    match error {
        AppError::Invalid(errors) => {
            let body = ErrorBody {
                code: "validation_failed",
                message: format!(
                    "La compra tiene {} error(es); cada uno indica el campo y qué corregir.",
                    errors.errors.len()
                ),
                errors: errors.errors,
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
        }
        AppError::Rule(violation) => {
            // A rule of the life cycle (e.g. confirming an annulled purchase), with its domain code.
            let body = ErrorBody {
                code: "refused",
                message: violation.message.clone(),
                errors: vec![FieldError {
                    field: String::new(),
                    code: violation.code,
                    message: violation.message,
                }],
            };
            (StatusCode::CONFLICT, Json(body)).into_response()
        }
        AppError::Refused(_) => refuse(StatusCode::CONFLICT, "refused", message),
        AppError::Throttled(_) => refuse(StatusCode::TOO_MANY_REQUESTS, "limit_reached", message),
        AppError::NotFound => refuse(
            StatusCode::NOT_FOUND,
            "compra_not_found",
            "Su organización no tiene una compra con ese id.",
        ),
        AppError::Forbidden | AppError::NotSignedIn => {
            refuse(StatusCode::FORBIDDEN, "forbidden", message)
        }
        AppError::Malformed(_) => refuse(StatusCode::BAD_REQUEST, "request_malformed", message),
        AppError::Internal | AppError::Transport(_) => {
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
        }
        AppError::Unavailable => refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message),
    }
}
