//! The production report's web service (seed 003, Resolución 371 de 2024), for a mining title
//! holder's systems, in the seed's three steps. Described for integrators in
//! `GET /api/produccion/v1/openapi.json` (`production_api/openapi.json`).
//!
//! 1. `POST /api/produccion/v1/login` `{usuario, correo}`: when they are those of an active
//!    administrator of an approved title holder, a PIN goes to that email. The answer is the same
//!    either way (it does not tell who has an account), except for malformed fields (`422`).
//! 2. `POST /api/produccion/v1/autorizacion` `{usuario, correo, pin, ambiente}`: the token of that
//!    environment, shown once; the user's previous token of the same environment is disabled.
//! 3. `POST /api/produccion/v1/cargue` with `Authorization: Bearer <token>` and a JSON array of
//!    records, or `{"registros": [...]}`: each record is answered on its own (`ACEPTADO`,
//!    `DUPLICADO` — same consecutivo and content as before — or `RECHAZADO` with its field errors),
//!    with `200` whenever the batch could be read. Only titles of the token's organisation are
//!    accepted; a token unused for 180 days is refused with `token_expired`.
//!
//! Every refusal is the Web Service's JSON shape `{code, message, errors[]}` with a 4xx status.

pub mod cargue;
pub mod store;

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::error_code::ErrorCode;
use domain::production_report::{Environment, batch_records};
use domain::{EmailAddress, FieldError, Username, ValidationErrors, VerificationCode};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;

use self::store::{PinProblem, TokenProblem};
use crate::AppState;
use crate::web_service::{ErrorBody, bearer, refuse};
use app::error::AppError;

/// Largest body of steps 1 and 2.
pub const LOGIN_BODY_MAX_BYTES: usize = 4 * 1024;
/// Largest batch (the bound `api_errors` puts on every `/api/` body): a thousand records of a few
/// KiB each.
pub const CARGUE_BODY_MAX_BYTES: usize = crate::api_errors::SERVER_FN_BODY_MAX_BYTES;

/// The OpenAPI 3.1 description, served as is.
pub const OPENAPI: &str = include_str!("production_api/openapi.json");

/// Every `code` the API answers outside `errors[]` (tested against the OpenAPI document).
pub const PRODUCTION_ERROR_CODES: [&str; 18] = [
    "json_malformed",
    "body_too_large",
    "validation_failed",
    "pin_invalid",
    "code_expired",
    "code_exhausted",
    "code_wrong",
    "code_wrong_exhausted",
    "token_missing",
    "token_invalid",
    "token_disabled",
    "token_expired",
    "forbidden",
    "cargue_not_a_list",
    "cargue_empty",
    "cargue_too_many",
    "internal",
    "unavailable",
];

/// The neutral answer of step 1.
pub const LOGIN_MESSAGE: &str = "Si el usuario y el correo son los de la cuenta del titular \
    minero (su administrador), enviamos a ese correo un PIN de 8 dígitos que vence en 5 minutos. \
    Úselo en POST /api/produccion/v1/autorizacion.";

/// `GET /api/produccion/v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

#[derive(Debug, Serialize)]
struct LoginAnswer {
    mensaje: &'static str,
}

#[derive(Debug, Serialize)]
struct TokenAnswer {
    #[serde(flatten)]
    token: store::IssuedToken,
    mensaje: String,
}

/// A database failure, logged and classified once, by `AppError`'s conversion.
fn internal(error: sqlx::Error) -> Response {
    failure(&AppError::from(error))
}

/// Veta's own failure: 503 `unavailable` (worth retrying soon) or 500 `internal`.
fn failure(error: &AppError) -> Response {
    let (status, code) = match error {
        AppError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    refuse(status, code, error.to_string())
}

fn invalid(errors: ValidationErrors) -> Response {
    let body = ErrorBody {
        code: "validation_failed",
        message: format!(
            "La solicitud tiene {} error(es); cada uno indica el campo y qué corregir.",
            errors.errors.len()
        ),
        errors: errors.errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// Reads a small JSON object body.
async fn object_body(body: Body) -> Result<serde_json::Map<String, Value>, Response> {
    let Ok(bytes) = to_bytes(body, LOGIN_BODY_MAX_BYTES).await else {
        return Err(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("El cuerpo supera {} KiB.", LOGIN_BODY_MAX_BYTES / 1024),
        ));
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(refuse(
            StatusCode::BAD_REQUEST,
            "json_malformed",
            "El cuerpo debe ser un objeto JSON con los campos que describe \
             /api/produccion/v1/openapi.json.",
        )),
    }
}

/// A text field of the body ("" when absent or not a text: the parser then says it is required).
fn field<'a>(object: &'a serde_json::Map<String, Value>, name: &str) -> &'a str {
    object.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// `usuario` and `correo`, checked, with every error.
fn credentials(
    object: &serde_json::Map<String, Value>,
    errors: &mut ValidationErrors,
) -> Option<(Username, EmailAddress)> {
    let usuario = Username::parse(field(object, "usuario"));
    let correo = EmailAddress::parse(field(object, "correo"));
    match (usuario, correo) {
        (Ok(usuario), Ok(correo)) => Some((usuario, correo)),
        (usuario, correo) => {
            if let Err(error) = usuario {
                errors.push("usuario", "usuario", &error);
            }
            if let Err(error) = correo {
                errors.push("correo", "correo", &error);
            }
            None
        }
    }
}

/// `POST /api/produccion/v1/login`.
pub async fn login(State(state): State<AppState>, body: Body) -> Response {
    let object = match object_body(body).await {
        Ok(object) => object,
        Err(response) => return response,
    };
    let mut errors = ValidationErrors::default();
    let Some((usuario, correo)) = credentials(&object, &mut errors) else {
        return invalid(errors);
    };
    let holder = match store::find_holder(&state.pool, usuario.as_ref(), correo.as_ref()).await {
        Ok(holder) => holder,
        Err(error) => return internal(error),
    };
    if let Some(holder) = holder {
        // Sent or held back by the PIN's policy: the answer is the same.
        if let Err(error) = store::send_pin(&state.pool, &state.code_key, &holder).await {
            return internal(error);
        }
    }
    Json(LoginAnswer {
        mensaje: LOGIN_MESSAGE,
    })
    .into_response()
}

/// `POST /api/produccion/v1/autorizacion`.
pub async fn authorize(State(state): State<AppState>, body: Body) -> Response {
    let object = match object_body(body).await {
        Ok(object) => object,
        Err(response) => return response,
    };
    let mut errors = ValidationErrors::default();
    let credentials = credentials(&object, &mut errors);
    let pin = match VerificationCode::parse(field(&object, "pin")) {
        Ok(pin) => Some(pin),
        Err(error) => {
            errors.push("pin", "pin", &error);
            None
        }
    };
    let ambiente = match Environment::parse(field(&object, "ambiente")) {
        Ok(ambiente) => Some(ambiente),
        Err(error) => {
            errors.push("ambiente", "ambiente", &error);
            None
        }
    };
    let (Some((usuario, correo)), Some(pin), Some(ambiente)) = (credentials, pin, ambiente) else {
        return invalid(errors);
    };
    let pin_invalid = || {
        refuse(
            StatusCode::UNAUTHORIZED,
            "pin_invalid",
            "No hay un PIN pendiente para ese usuario y correo: pídalo con \
             POST /api/produccion/v1/login (solo el administrador de la cuenta del titular \
             minero puede generar tokens).",
        )
    };
    let holder = match store::find_holder(&state.pool, usuario.as_ref(), correo.as_ref()).await {
        Ok(Some(holder)) => holder,
        Ok(None) => return pin_invalid(),
        Err(error) => return internal(error),
    };
    match store::authorize(&state.pool, &state.code_key, &holder, &pin, ambiente).await {
        Ok(Ok(token)) => {
            let mensaje = format!(
                "Token del ambiente {} generado. Guárdelo: no se vuelve a mostrar. El token \
                 anterior de este ambiente quedó inhabilitado; este vence tras 180 días sin uso.",
                token.ambiente.code()
            );
            (StatusCode::CREATED, Json(TokenAnswer { token, mensaje })).into_response()
        }
        Ok(Err(PinProblem::NoPin)) => pin_invalid(),
        Ok(Err(PinProblem::Refused(refusal))) => {
            let status = if refusal.is_throttle() {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            refuse(status, refusal.code(), refusal.to_string())
        }
        Err(error) => internal(error),
    }
}

/// The caller of the bearer token, or the refusal.
async fn caller(state: &AppState, headers: &HeaderMap) -> Result<store::Caller, Response> {
    let Some(token) = bearer(headers) else {
        return Err(refuse(
            StatusCode::UNAUTHORIZED,
            "token_missing",
            "Falta el encabezado «Authorization: Bearer <token>» con el token del paso 2 \
             (POST /api/produccion/v1/autorizacion).",
        ));
    };
    match store::authenticate(&state.pool, &token).await {
        Ok(Ok(caller)) => Ok(caller),
        Ok(Err(TokenProblem::Unknown)) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            "token_invalid",
            "El token no existe: genere uno con los pasos 1 y 2.",
        )),
        Ok(Err(TokenProblem::Refused(refusal))) => Err(refuse(
            StatusCode::UNAUTHORIZED,
            refusal.code(),
            refusal.to_string(),
        )),
        Ok(Err(TokenProblem::Forbidden)) => Err(refuse(
            StatusCode::FORBIDDEN,
            "forbidden",
            "El usuario del token ya no es administrador activo de un titular minero aprobado.",
        )),
        Err(error) => Err(internal(error)),
    }
}

/// `POST /api/produccion/v1/cargue`.
pub async fn cargue(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let caller = match caller(&state, &headers).await {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let Ok(bytes) = to_bytes(body, CARGUE_BODY_MAX_BYTES).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!(
                "El cuerpo supera {} MiB: divida el cargue.",
                CARGUE_BODY_MAX_BYTES / 1024 / 1024
            ),
        );
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(body) => body,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "json_malformed",
                format!("El cuerpo no es JSON válido: {error}."),
            );
        }
    };
    let records = match batch_records(&body) {
        Ok(records) => records,
        Err(error) => {
            let body = ErrorBody {
                code: error.code(),
                message: error.to_string(),
                errors: vec![FieldError::from_violation("", "cargue", &error)],
            };
            return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
        }
    };
    let site = app::auth::ssr::PublicUrl(state.public_url.clone());
    let checks = (&site, state.production_tolerance);
    match cargue::ingest(
        &state.pool,
        &caller,
        records,
        OffsetDateTime::now_utc(),
        checks,
    )
    .await
    {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => {
            tracing::error!(%error, "reporte de producción: el cargue falló");
            failure(&error)
        }
    }
}
