use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{DILUVIO_ADMIN, TestApp};

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_home_page_renders_the_shell_in_spanish(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    for text in [
        r#"<html lang="es-CO">"#,
        "MINERA EL DILUVIO GOLD S.A.S",
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
    // The page's script runs under a Content-Security-Policy with this page's nonce.
    let policy = response.headers["content-security-policy"]
        .to_str()
        .expect("ASCII");
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(
        response.body.contains(&format!("nonce=\"{nonce}\"")),
        "{policy}"
    );
    assert!(policy.contains("frame-ancestors 'none'") && policy.contains("'wasm-unsafe-eval'"));
    assert_eq!(response.headers["x-content-type-options"], "nosniff");
    assert_eq!(response.headers["referrer-policy"], "no-referrer");
    // A second page gets another nonce.
    let again = app.get("/").await;
    assert_ne!(
        again.headers["content-security-policy"],
        response.headers["content-security-policy"]
    );
}

/// Pages and files requested together, interleaved on the test's one thread: each page keeps its
/// own policy (with its nonce) and each file the closed one, none with a cookie. Before
/// `server::isolation`, a file answered while a page rendered took that page's headers.
#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_page_keeps_its_headers_while_files_are_served(pool: PgPool) {
    let app = TestApp::serving_public_files(pool);
    server::demo::seed(&app.pool)
        .await
        .expect("demo data loads");
    app.sign_in(DILUVIO_ADMIN).await;
    let requests = (0..60).map(|n| if n % 2 == 0 { "/" } else { "/favicon.svg" });
    let app = &app;
    let responses = futures_util::future::join_all(
        requests.map(|uri| async move { (uri, app.get(uri).await) }),
    )
    .await;
    for (uri, response) in responses {
        assert_eq!(response.status, StatusCode::OK, "{uri}");
        let policy = response.headers["content-security-policy"]
            .to_str()
            .expect("ASCII");
        let is_page = uri == "/";
        assert_eq!(policy.contains("'nonce-"), is_page, "{uri}: {policy}");
        if !is_page {
            assert!(response.headers.get("set-cookie").is_none(), "{uri}");
        }
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn signed_out_visitors_are_sent_to_sign_in(pool: PgPool) {
    let app = TestApp::new(pool);
    for uri in ["/", "/compras/comercializador", "/usuarios", "/cierres"] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::FOUND, "{uri}");
    }
    let login = app.get("/ingresar").await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Usuario / Correo electrónico"));
    assert!(login.body.contains("¿Aún no tiene usuario en OTTM?"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_section_of_the_menu_is_built(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;
    for (uri, text) in [
        ("/compras/comercializador", "Datos del vendedor"),
        ("/compras/minero-de-subsistencia", "Datos del vendedor"),
        ("/reversion-compra", "Revierta una compra confirmada"),
        ("/transformaciones", "<h1>Transformaciones</h1>"),
        (
            "/reversion-transformacion",
            "Una transformación se revierte",
        ),
        ("/cierres", "<h1>Cierres</h1>"),
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}");
        assert!(response.body.contains(text), "{uri}");
        assert!(!response.body.contains("aún no está disponible"), "{uri}");
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unknown_address_is_a_404_page(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;
    for uri in ["/no-existe", "/compras/otra-cosa"] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(response.body.contains("Página no encontrada"), "{uri}");
    }
}
