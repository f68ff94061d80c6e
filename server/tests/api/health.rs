use axum::http::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn healthz_is_green_on_a_migrated_database(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    let health = response.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(health["database"]["reachable"], true);
    assert_eq!(health["database"]["migrations_applied"], true);
    assert_eq!(
        health["database"]["migrations_expected"],
        health["database"]["migrations_found"]
    );
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    // Nothing listens on port 1; the pool only tries when asked.
    let pool = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://veta:secret@127.0.0.1:1/veta")
        .expect("a well-formed URL");
    let app = TestApp::new(pool);
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let health = response.json();
    assert_eq!(health["status"], "error");
    assert_eq!(health["database"]["reachable"], false);
    assert!(!response.body.contains("secret"));
}
