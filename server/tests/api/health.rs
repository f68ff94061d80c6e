use axum::http::StatusCode;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::helpers::{AUDITOR_ANM, OROCAUCA_OPERADOR, TestApp};

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
    // The node it writes to: the test cluster, reached over TCP, a primary.
    let node = &health["database"]["node"];
    assert!(
        node["address"].as_str().is_some_and(|a| a.contains(':')),
        "{node}"
    );
    assert_eq!(node["writable"], true);
}

/// A pool to a database that is not there: nothing listens on port 1, and the pool only tries
/// when asked.
fn unreachable_pool() -> PgPool {
    PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_millis(500))
        .connect_lazy("postgres://veta:secret@127.0.0.1:1/veta")
        .expect("a well-formed URL")
}

#[tokio::test]
async fn healthz_is_503_when_the_database_is_unreachable() {
    let app = TestApp::new(unreachable_pool());
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let health = response.json();
    assert_eq!(health["status"], "error");
    assert_eq!(health["database"]["reachable"], false);
    assert!(!response.body.contains("secret"));
}

/// Without its database a server function answers 503 and says to retry shortly, not a 500
/// "unexpected error": a restart or a failover is not Veta's bug.
#[tokio::test]
async fn a_server_function_answers_503_when_the_database_is_unreachable() {
    let app = TestApp::new(unreachable_pool());
    let response = app
        .call(
            "ingresar",
            &[("identifier", "marta.rios"), ("password", "una clave")],
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        response.body
    );
    assert_eq!(response.json(), "Unavailable");
}

/// The reports read from the read pool (`DATABASE_READ_URL`), everything else from the primary:
/// with the read pool unreachable, signing in works and each report answers 503.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_reports_read_from_the_read_pool(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data loads");
    let auditor = TestApp::with_read_pool(pool.clone(), unreachable_pool());
    auditor.sign_in(AUDITOR_ANM).await;
    let buyer = TestApp::with_read_pool(pool, unreachable_pool());
    buyer.sign_in(OROCAUCA_OPERADOR).await;
    for (app, report) in [
        (&auditor, "libro/verificar"),
        (&auditor, "auditoria/movimientos"),
        (&auditor, "compras/sin-origen/auditoria"),
        (&auditor, "cierres/auditoria"),
        (&buyer, "compras/historial"),
        (&buyer, "compras/historial/csv"),
    ] {
        let response = app.call(report, &[]).await;
        assert_eq!(
            response.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{report}: {}",
            response.body
        );
    }
    // What is not a report still reads the primary.
    assert_eq!(buyer.call("saldos", &[]).await.status, StatusCode::OK);
}
