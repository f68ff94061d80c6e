//! The server functions (`/api/…`) answer bad input with a 4xx and the project's error body, never
//! a 500.
//!
//! A server function's own refusals set their status (`app::error::with_status`); but what fails
//! before its body runs (missing or mistyped arguments, a bad UUID, a bad encoding) is answered by
//! the framework with 500 and `app::error::AppError` in the body. This layer reads that body and
//! gives the answer the status of the error it carries (`Malformed` → 400). It also bounds the
//! size of a request body (413 with the same body shape), which the framework does not.

use app::error::AppError;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

/// Largest body a server function accepts: the balances TXT (1 MiB) sent form-encoded, with room.
pub const SERVER_FN_BODY_MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most of an error answer read to find its status (errors are short).
const ERROR_BODY_MAX_BYTES: usize = 64 * 1024;
/// The header with which the framework marks a server function's error answer.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";

pub async fn server_fn_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if !path.starts_with("/api/") || path.starts_with("/api/ws/") {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > SERVER_FN_BODY_MAX_BYTES) {
        return too_large();
    }
    // A body without a declared length is cut at the limit: the function then fails to read its
    // arguments and answers 400.
    let request = request.map(|body| Body::new(Limited::new(body, SERVER_FN_BODY_MAX_BYTES)));
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, ERROR_BODY_MAX_BYTES).await else {
        return AppError::Internal.status().into_response();
    };
    match serde_json::from_slice::<AppError>(&bytes) {
        // The limit above cut a body that declared no length (`Limited`'s error, as the framework
        // words it).
        Ok(AppError::Malformed(reason)) if reason.contains("length limit exceeded") => {
            return too_large();
        }
        Ok(error) => parts.status = error.status(),
        Err(_) => {}
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn too_large() -> Response {
    let error = AppError::Malformed(format!(
        "el cuerpo supera {} MiB",
        SERVER_FN_BODY_MAX_BYTES / (1024 * 1024)
    ));
    let mut response = (
        StatusCode::PAYLOAD_TOO_LARGE,
        serde_json::to_string(&error).unwrap_or_default(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
