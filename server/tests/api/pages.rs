use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::TestApp;

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_home_page_renders_the_shell_in_spanish(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    for text in [
        r#"<html lang="es-CO">"#,
        "Registro de saldos iniciales",
        "Compras",
        "Explotador Minero Autorizado",
        "Reversión de Transformación",
        "Cierres",
        "Reenviar saldos actualizados",
        "Transacciones en curso",
        "/pkg/veta.js",
        "/pkg/veta.css",
    ] {
        assert!(response.body.contains(text), "the page lacks {text:?}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_section_not_built_yet_says_so(pool: PgPool) {
    let app = TestApp::new(pool);
    let response = app.get("/compras/comercializador").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("<h1>Comercializador</h1>"));
    assert!(response.body.contains("aún no está disponible"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_address_is_a_404_page(pool: PgPool) {
    let app = TestApp::new(pool);
    for uri in ["/no-existe", "/compras/otra-cosa"] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(response.body.contains("Página no encontrada"), "{uri}");
    }
}
