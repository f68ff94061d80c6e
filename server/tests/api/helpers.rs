//! Drives the real router in-process (no port, no browser) against a fresh database per test.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use server::AppState;
use sqlx::PgPool;
use tower::ServiceExt;

/// The application of one test, on its own database.
pub struct TestApp {
    router: axum::Router,
}

/// What a request answered.
pub struct TestResponse {
    pub status: StatusCode,
    pub body: String,
}

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        let leptos_options = server::config::leptos_options().expect("Leptos.toml is valid");
        let router = server::startup::router(AppState {
            leptos_options,
            pool,
        });
        Self { router }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        let request = Request::get(uri)
            .body(Body::empty())
            .expect("a valid request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a readable body")
            .to_bytes();
        TestResponse {
            status,
            body: String::from_utf8(bytes.to_vec()).expect("a UTF-8 body"),
        }
    }
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}
