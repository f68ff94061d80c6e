//! What the current request says about its sender.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use http::HeaderMap;

use crate::error::AppError;

/// The request's headers.
pub async fn headers() -> Result<HeaderMap, AppError> {
    leptos_axum::extract::<HeaderMap>().await.map_err(|error| {
        tracing::error!(%error, "request headers");
        AppError::Internal
    })
}

/// The peer's IP address, for throttling and the audit trail. Behind a reverse proxy every
/// request shows the proxy's address; per-account throttling still holds there.
pub async fn client_address() -> String {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|_| "desconocida".to_owned())
}
