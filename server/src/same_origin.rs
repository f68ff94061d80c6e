//! Refuses writes that a browser sends on behalf of another site (CSRF), by their `Origin`.
//!
//! Session cookies are already `SameSite=Strict`; this is the second lock. Requests without an
//! `Origin` header (ERPs calling the Web Service, curl) carry no cookies of ours and pass.

use axum::Json;
use axum::extract::Request;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub async fn same_origin_writes(request: Request, next: Next) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return next.run(request).await;
    };
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    if host == Some(origin_host) {
        return next.run(request).await;
    }
    (
        StatusCode::FORBIDDEN,
        Json(json!({
            "code": "cross_origin_request",
            "message": "Solicitud rechazada: proviene de otro sitio web. Abra Veta directamente y repita la operación.",
        })),
    )
        .into_response()
}
