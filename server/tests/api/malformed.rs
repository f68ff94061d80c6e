//! Bad input never answers 500: every server function, called with missing, mistyped or garbled
//! arguments, bad encodings or an oversized body, answers a 4xx with the project's error body.
#![allow(clippy::unwrap_used)]

use app::error::AppError;
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{OROCAUCA_ADMIN, TestApp};

const FORM: &str = "application/x-www-form-urlencoded";

fn malformed_bodies() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("empty", FORM, Vec::new()),
        (
            "bad uuid",
            FORM,
            b"compra_id=no-es-un-uuid&organization_id=x&claim_id=1&alert_id=uno".to_vec(),
        ),
        (
            "bad percent-encoding",
            FORM,
            b"draft=%%%ZZ&token=%".to_vec(),
        ),
        (
            "not UTF-8",
            FORM,
            vec![0x64, 0x72, 0x61, 0x66, 0x74, 0x3d, 0xff, 0xfe, 0x00],
        ),
        (
            "nested garbage",
            FORM,
            b"draft[lines][x][y]=1&draft[[=2&via=ASTRAL&channel=Paloma&approve=quizas".to_vec(),
        ),
        (
            "JSON to a form endpoint",
            "application/json",
            br#"{"draft": 1}"#.to_vec(),
        ),
    ]
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_server_function_answers_bad_input_with_a_4xx_and_the_error_body(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(OROCAUCA_ADMIN).await;
    let mut paths: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    paths.sort_by_key(|(path, _)| *path);
    assert!(paths.len() >= 40, "{} server functions", paths.len());
    let mut walked = 0;
    for (path, method) in paths {
        for (what, content_type, body) in malformed_bodies() {
            let response = app.raw(method.clone(), path, content_type, body).await;
            walked += 1;
            assert!(
                response.status == StatusCode::OK || response.status.is_client_error(),
                "{path} with {what}: {} {}",
                response.status,
                response.body
            );
            if response.status != StatusCode::OK {
                let error: Result<AppError, _> = serde_json::from_str(&response.body);
                assert!(
                    error.is_ok(),
                    "{path} with {what}: not the error body: {}",
                    response.body
                );
            }
        }
    }
    eprintln!("server functions: {walked} malformed calls, none answered 5xx");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_missing_argument_says_which_and_an_oversized_body_is_413(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(OROCAUCA_ADMIN).await;
    let missing = app.call("compras/confirmar", &[("code", "12345678")]).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert!(
        missing.error("Malformed").contains("compra_id"),
        "{}",
        missing.body
    );
    let bad_uuid = app
        .call(
            "compras/confirmar",
            &[("compra_id", "1234"), ("code", "12345678")],
        )
        .await;
    assert_eq!(
        bad_uuid.status,
        StatusCode::BAD_REQUEST,
        "{}",
        bad_uuid.body
    );

    // Refused whether the body declares its length or not.
    let huge = || vec![b'a'; server::api_errors::SERVER_FN_BODY_MAX_BYTES + 1];
    let response = app
        .raw(
            axum::http::Method::POST,
            "/api/compras/cargar-txt",
            FORM,
            huge(),
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert!(response.error("Malformed").contains("MiB"));
    let declared = app
        .raw_with_length(
            axum::http::Method::POST,
            "/api/compras/cargar-txt",
            FORM,
            huge(),
        )
        .await;
    assert_eq!(
        declared.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        declared.body
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_web_service_checks_the_token_before_it_reads_a_bounded_body(pool: PgPool) {
    use crate::compras::{SELLER_EMAIL, after, buyer, hand_to_seller};
    let app = buyer(pool).await;
    let compra_id = hand_to_seller(&app, "WEB_SERVICE").await;
    let token = after(&app, SELLER_EMAIL, "Token temporal: ").await;
    let uri = format!("/api/ws/v1/transacciones/{compra_id}/detalle");
    // Garbage under a wrong token is refused for the token: the body was never parsed.
    let wrong = app
        .post_json(&uri, Some(&"0".repeat(64)), "{no es json")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    assert_eq!(wrong.json()["code"], "token_invalid");
    // Past 256 KiB, the right token gets a 413 in the Web Service's own shape.
    let big = format!(r#"{{"relleno": "{}"}}"#, "x".repeat(300 * 1024));
    let large = app.post_json(&uri, Some(&token), &big).await;
    assert_eq!(
        large.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        large.body
    );
    assert_eq!(large.json()["code"], "body_too_large");
    assert_eq!(large.json()["errors"], serde_json::json!([]));
}
