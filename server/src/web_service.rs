//! The Web Service a seller's ERP posts a purchase's detail to (alternative 3 of seed 000):
//! `POST /api/ws/v1/transacciones/{transaction_id}/detalle` with `Authorization: Bearer <token>`,
//! both from the email "Generar Cód. WS" sent to the seller. Described for integrators in
//! `GET /api/ws/v1/openapi.json` (`web_service/openapi.json`).
//!
//! The token is checked first: a body is read only for the purchase its token opens, and only up
//! to [`WS_BODY_MAX_BYTES`] (then `413` in the same JSON shape).
//!
//! This module only speaks HTTP and JSON: it reads the body field by field (a number or a text
//! where a value goes, so that a wrong type is a field error and not a parser's message), then
//! hands the detail to `app::compras::ssr::submit_from_ws`, where the purchase's rules live. Every
//! refusal is a JSON body `{code, message, errors[]}` with a 4xx status; a repeated identical post
//! is answered like the first.

use std::str::FromStr;

use app::auth::ssr::PublicUrl;
use app::compras::ssr::{SellerAccessError, WsOutcome, WsRefusal, check_ws_token, submit_from_ws};
use app::error::AppError;
use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::{FieldError, LineDraft, TaxDraft, ValidationErrors};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::AppState;

/// Largest detail accepted: a purchase of a few thousand lines. A larger one is refused before it is
/// parsed.
pub const WS_BODY_MAX_BYTES: usize = 256 * 1024;

/// The OpenAPI 3.1 description, served as is.
pub const OPENAPI: &str = include_str!("web_service/openapi.json");

/// `GET /api/ws/v1/openapi.json`.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// A refusal, as the ERP reads it.
#[derive(Debug, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<FieldError>,
}

/// The answer to an accepted detail.
#[derive(Debug, Serialize)]
pub struct Accepted {
    pub transaction_id: Uuid,
    pub status: &'static str,
    /// True when this exact detail had already been received (nothing changed now).
    pub replayed: bool,
    pub message: &'static str,
}

pub(crate) fn refuse(
    status: StatusCode,
    code: &'static str,
    message: impl Into<String>,
) -> Response {
    let body = ErrorBody {
        code,
        message: message.into(),
        errors: Vec::new(),
    };
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("a valid header"),
        );
    }
    response
}

fn invalid(errors: ValidationErrors) -> Response {
    let body = ErrorBody {
        code: "validation_failed",
        message: format!(
            "El detalle tiene {} error(es); cada uno indica el campo y qué corregir.",
            errors.errors.len()
        ),
        errors: errors.errors,
    };
    (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
}

/// `POST /api/ws/v1/transacciones/{transaction_id}/detalle`.
pub async fn submit_detail(
    State(state): State<AppState>,
    Path(transaction_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "token_missing",
            "Falta el encabezado «Authorization: Bearer <token temporal>» con el token del correo de Veta.",
        );
    };
    let Ok(compra_id) = Uuid::parse_str(transaction_id.trim()) else {
        return refuse(
            StatusCode::NOT_FOUND,
            "transaction_not_found",
            format!("«{transaction_id}» no es un transaction_id de Veta: copie el del correo."),
        );
    };
    // The token before the body: an unknown token costs one look-up, not a parse.
    match check_ws_token(&state.pool, compra_id, &token).await {
        Ok(Ok(())) => {}
        Ok(Err(access)) => return access_refusal(access),
        Err(error) => return app_refusal(error),
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let body = match declared {
        Some(length) if length > WS_BODY_MAX_BYTES => return too_large(),
        _ => match to_bytes(body, WS_BODY_MAX_BYTES).await {
            Ok(body) => body,
            Err(_) => return too_large(),
        },
    };
    let detail = match read_detail(&body) {
        Ok(detail) => detail,
        Err(response) => return *response,
    };
    let body_hash = Sha256::digest(&body).to_vec();
    let outcome = submit_from_ws(
        &state.pool,
        state.compra_vigencia,
        &PublicUrl(state.public_url.clone()),
        compra_id,
        &token,
        body_hash,
        detail.identity,
        detail.lines,
        detail.taxes,
    )
    .await;
    match outcome {
        Ok(outcome) => {
            let replayed = outcome == WsOutcome::AlreadyAccepted;
            Json(Accepted {
                transaction_id: compra_id,
                status: "GESTIONADA_POR_VENDEDOR",
                replayed,
                message: "Recibimos el detalle de la venta. El comprador lo enviará a confirmación y usted recibirá el código de validación.",
            })
            .into_response()
        }
        Err(WsRefusal::Access(error)) => access_refusal(error),
        Err(WsRefusal::Rejected(error)) => app_refusal(error),
    }
}

fn access_refusal(error: SellerAccessError) -> Response {
    let status = match error {
        SellerAccessError::Unknown => StatusCode::UNAUTHORIZED,
        SellerAccessError::OtherTransaction => StatusCode::FORBIDDEN,
        SellerAccessError::Used | SellerAccessError::NotPending => StatusCode::CONFLICT,
        SellerAccessError::Expired => StatusCode::GONE,
    };
    refuse(status, error.code(), error.to_string())
}

/// A refusal of the purchase's rules, with its stable code; only a real failure is a 500.
fn app_refusal(error: AppError) -> Response {
    let message = error.to_string();
    match error {
        AppError::Invalid(errors) => invalid(json_paths(errors)),
        AppError::Rule(violation) => {
            let code = WS_RULE_CODES
                .iter()
                .find(|code| **code == violation.code)
                .copied()
                .unwrap_or("refused");
            refuse(StatusCode::CONFLICT, code, violation.message)
        }
        AppError::Refused(_) => refuse(StatusCode::CONFLICT, "refused", message),
        AppError::Throttled(_) => refuse(StatusCode::TOO_MANY_REQUESTS, "limit_reached", message),
        AppError::NotFound => refuse(StatusCode::NOT_FOUND, "transaction_not_found", message),
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

fn too_large() -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        format!(
            "El cuerpo supera {} KiB: divida la venta en varias transacciones.",
            WS_BODY_MAX_BYTES / 1024
        ),
    )
}

/// The codes of `domain`'s rules that a refusal of the Web Service may carry (409); each is
/// described in the OpenAPI document (tested). Any other is answered `refused`.
pub const WS_RULE_CODES: [&str; 5] = [
    "compra_illegal_transition",
    "compra_channel_mismatch",
    "compra_channel_already_chosen",
    "insufficient_balance",
    "exceeds_available",
];

/// Every `code` the Web Service answers outside `errors[]` (tested against the OpenAPI document).
pub const WS_ERROR_CODES: [&str; 18] = [
    "token_missing",
    "token_invalid",
    "token_other_transaction",
    "transaction_not_found",
    "detail_already_received",
    "transaction_not_pending",
    "transaction_expired",
    "json_malformed",
    "json_not_object",
    "validation_failed",
    "body_too_large",
    "refused",
    "limit_reached",
    "forbidden",
    "request_malformed",
    "internal",
    "unavailable",
    "seller_mismatch",
];

/// The token of `Authorization: Bearer <token>`.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_owned())
}

/// The detail read from the JSON body.
struct Detail {
    identity: app::compras::ssr::SellerIdentity,
    lines: Vec<LineDraft>,
    taxes: Vec<TaxDraft>,
}

/// Reads the body: not JSON, or not an object, is refused whole; a field of the wrong type is a
/// field error (all of them at once).
fn read_detail(body: &[u8]) -> Result<Detail, Box<Response>> {
    let value: Value = serde_json::from_slice(body).map_err(|error| {
        Box::new(refuse(
            StatusCode::BAD_REQUEST,
            "json_malformed",
            format!(
                "El cuerpo no es JSON válido (línea {}, columna {}). Envíe un objeto como el del ejemplo de /api/ws/v1/openapi.json.",
                error.line(),
                error.column()
            ),
        ))
    })?;
    let Value::Object(object) = value else {
        return Err(Box::new(refuse(
            StatusCode::BAD_REQUEST,
            "json_not_object",
            "El cuerpo debe ser un objeto JSON con document_type, document_number, ltax y ltransaction_detail.",
        )));
    };
    let mut errors = Vec::new();
    let mut reader = Reader {
        errors: &mut errors,
    };
    let identity = app::compras::ssr::SellerIdentity {
        document_type: reader.text(&object, "document_type", "document_type"),
        document_number: reader.text(&object, "document_number", "document_number"),
        mining_file_code: reader.text(&object, "mining_file_code", "mining_file_code"),
    };
    let lines = reader
        .list(&object, "ltransaction_detail")
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let path = |field: &str| format!("ltransaction_detail[{index}].{field}");
            LineDraft {
                mineral: reader.text(&item, "mineral", &path("mineral")),
                codigo_origen: reader.text(&item, "origin_code", &path("origin_code")),
                quantity: reader.number(&item, "quantity", &path("quantity")),
                unit: reader.text(&item, "unit", &path("unit")),
                value: reader.number(&item, "value", &path("value")),
            }
        })
        .collect();
    let taxes = reader
        .list(&object, "ltax")
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let path = |field: &str| format!("ltax[{index}].{field}");
            TaxDraft {
                kind: reader.text(&item, "tax_type", &path("tax_type")),
                value: reader.number(&item, "value", &path("value")),
                currency: String::new(),
                description: reader.text(&item, "description", &path("description")),
            }
        })
        .collect();
    if errors.is_empty() {
        Ok(Detail {
            identity,
            lines,
            taxes,
        })
    } else {
        Err(Box::new(invalid(ValidationErrors { errors })))
    }
}

/// Significant digits an `f64` keeps exactly.
const F64_EXACT_DIGITS: usize = 15;

/// The significant digits of a JSON number as written (`0.00120` → 3, `1.5e300` → 2).
fn significant_digits(number: &str) -> usize {
    let mantissa = number.split(['e', 'E']).next().unwrap_or_default();
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

struct Reader<'a> {
    errors: &'a mut Vec<FieldError>,
}

impl Reader<'_> {
    fn wrong_type(&mut self, path: &str, expected: &str) {
        self.errors.push(FieldError {
            field: path.to_owned(),
            code: "json_type".to_owned(),
            message: format!("{path}: debe ser {expected}."),
        });
    }

    /// A text (numbers are taken as written); absent or null is empty.
    fn text(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> String {
        match object.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => number.to_string(),
            Some(_) => {
                self.wrong_type(path, "un texto");
                String::new()
            }
        }
    }

    /// A quantity or an amount: a JSON number is written the way `domain` reads it unambiguously
    /// (`1234.5` → `1234,5`: a decimal comma, no thousands separator); a text is taken as written
    /// (Colombian format). A JSON number with a fraction or an exponent is read as an `f64`, exact
    /// only up to 15 significant digits: a longer one may have changed, and is refused with a
    /// request to send it as text.
    fn number(&mut self, object: &Map<String, Value>, key: &str, path: &str) -> String {
        match object.get(key) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(Value::Number(number)) => {
                let written = number.to_string();
                if number.is_f64() && significant_digits(&written) > F64_EXACT_DIGITS {
                    self.errors.push(FieldError {
                        field: path.to_owned(),
                        code: "json_precision".to_owned(),
                        message: format!(
                            "{path}: un número JSON de más de {F64_EXACT_DIGITS} cifras significativas puede perder precisión; envíelo como texto (p. ej. \"900719925474,0993\")."
                        ),
                    });
                    return String::new();
                }
                match Decimal::from_str(&written).or_else(|_| Decimal::from_scientific(&written)) {
                    Ok(value) => value.normalize().to_string().replace('.', ","),
                    Err(_) => {
                        self.wrong_type(path, "un número de hasta 28 dígitos");
                        String::new()
                    }
                }
            }
            Some(_) => {
                self.wrong_type(path, "un número");
                String::new()
            }
        }
    }

    /// A list of objects; absent or null is empty.
    fn list(&mut self, object: &Map<String, Value>, key: &str) -> Vec<Map<String, Value>> {
        match object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Value::Object(item) => Some(item.clone()),
                    _ => {
                        self.wrong_type(&format!("{key}[{index}]"), "un objeto");
                        None
                    }
                })
                .collect(),
            Some(_) => {
                self.wrong_type(key, "una lista");
                Vec::new()
            }
        }
    }
}

/// `domain`'s field paths, renamed to the JSON's (`lines[0].codigo_origen` →
/// `ltransaction_detail[0].origin_code`).
fn json_paths(mut errors: ValidationErrors) -> ValidationErrors {
    for error in &mut errors.errors {
        let field = error
            .field
            .replacen("lines", "ltransaction_detail", 1)
            .replacen("taxes", "ltax", 1)
            .replace(".codigo_origen", ".origin_code")
            .replace(".kind", ".tax_type")
            .replace("seller.codigo_expediente", "mining_file_code")
            .replace("seller.document_type", "document_type")
            .replace("seller.document_number", "document_number");
        error.field = field;
    }
    errors
}

#[cfg(test)]
mod tests;
