//! Refuses writes that a browser sends on behalf of another site (CSRF), by their `Origin`, and
//! gives every answer the browser's security headers.
//!
//! Session cookies are already `SameSite=Strict`; this is the second lock. The `Origin` of a write
//! must be `PUBLIC_URL`'s (scheme, host and port): the address people reach Veta at, which a
//! reverse proxy does not rewrite (it may rewrite `Host`). Requests without an `Origin` header
//! (ERPs calling the Web Service, curl) carry no cookies of ours and pass.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, ORIGIN, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `scheme://host[:port]` of an absolute URL (what a browser sends as `Origin`).
pub fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.trim_end_matches('/').to_owned();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        authority.to_ascii_lowercase()
    )
}

pub async fn same_origin_writes(
    State(public_url): State<String>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    let Some(origin) = request.headers().get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return next.run(request).await;
    };
    if origin_of(origin) == origin_of(&public_url) {
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

/// The headers every answer carries: no MIME sniffing, no referrer (links carry one-time tokens in
/// their paths), no framing by other sites, and a closed Content-Security-Policy for what is not a
/// page (a page sets its own, with its script nonce: `app::shell`).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::origin_of;

    #[test]
    fn origins_compare_scheme_host_and_port() {
        assert_eq!(origin_of("https://veta.com.co/"), "https://veta.com.co");
        assert_eq!(
            origin_of("https://Veta.com.co:8443/api"),
            "https://veta.com.co:8443"
        );
        assert_ne!(
            origin_of("http://veta.com.co"),
            origin_of("https://veta.com.co")
        );
    }
}
