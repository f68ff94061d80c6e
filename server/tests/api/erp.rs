//! The buyer's API for its ERP: a token from «Integración ERP», a purchase from a subsistence miner
//! created once per Idempotency-Key, confirmed with the miner's code; every refusal in the JSON
//! error shape.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::compras::{SHA, today};
use crate::helpers::{OROCAUCA_ADMIN, OROCAUCA_OPERADOR, TestApp, TestResponse, last_text};

const CREATE: &str = "/api/erp/v1/compras/minero-subsistencia";

fn body(grams: &str) -> String {
    let today = today();
    format!(
        r#"{{"seller": {{"document_type": "CC", "document_number": "11801234"}},
            "transaction": {{"invoice_date": "{today}", "transaction_date": "{today}", "sha256": "{SHA}",
                             "currency": "COP", "departamento": "27", "municipio": "27001"}},
            "lines": [{{"mineral": "ORO", "quantity": "{grams}", "unit": "g", "value": "3.000.000"}}]}}"#
    )
}

async fn erp(
    app: &TestApp,
    uri: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &str,
) -> TestResponse {
    let mut headers = Vec::new();
    if let Some(key) = key {
        headers.push(("idempotency-key", key));
    }
    app.post_json_with(uri, token, &headers, body).await
}

async fn new_token(pool: &PgPool) -> (TestApp, String) {
    let admin = TestApp::with_demo_data(pool.clone()).await;
    admin.sign_in(OROCAUCA_ADMIN).await;
    let created = admin
        .call("erp/tokens/crear", &[("name", "ERP bodega Quibdó")])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let secret = created.json()["secret"].as_str().unwrap().to_owned();
    (admin, secret)
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_erp_buys_from_a_miner_once_per_key_and_confirms_with_the_miners_code(pool: PgPool) {
    let (admin, token) = new_token(&pool).await;
    let app = TestApp::new(pool.clone());

    // Without a token, with a wrong one, without a key: refused in the JSON shape.
    let none = erp(&app, CREATE, None, Some("k1"), &body("10")).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.json()["code"], "token_missing");
    let wrong = erp(&app, CREATE, Some(&"0".repeat(64)), Some("k1"), &body("10")).await;
    assert_eq!(wrong.json()["code"], "token_invalid");
    let keyless = erp(&app, CREATE, Some(&token), None, &body("10")).await;
    assert_eq!(keyless.json()["code"], "idempotency_key_missing");
    let malformed = erp(&app, CREATE, Some(&token), Some("k1"), "{\"lines\": 5}").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["code"], "json_malformed");
    // Field errors carry the request's own paths and the domain's codes.
    let over = erp(&app, CREATE, Some(&token), Some("k0"), &body("36")).await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    let over = over.json();
    assert_eq!(over["code"], "validation_failed");
    assert_eq!(over["errors"][0]["field"], "lines");
    assert_eq!(over["errors"][0]["code"], "subsistence_exceeds_monthly_cap");

    let created = erp(&app, CREATE, Some(&token), Some("k1"), &body("10")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    assert_eq!(created["status"], "PENDIENTE_POR_CONFIRMAR");
    assert_eq!(created["cupos"][0]["month"], "35");
    let compra_id = created["compra_id"].as_str().unwrap().to_owned();
    // The same key and body: the same purchase, nothing sent again; another body: 409.
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'SMS'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let again = erp(&app, CREATE, Some(&token), Some("k1"), &body("10")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["compra_id"], compra_id.as_str());
    assert_eq!(again.json()["replayed"], true);
    let resent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'SMS'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(resent, sent);
    let reused = erp(&app, CREATE, Some(&token), Some("k1"), &body("11")).await;
    assert_eq!(reused.status, StatusCode::CONFLICT);
    assert_eq!(reused.json()["code"], "idempotency_key_reused");

    // The miner's code confirms it; a retry answers the same PTM code.
    let sms = last_text(&pool, "SMS", Some("+573001110003")).await;
    let start = sms.find("validacion: ").unwrap() + "validacion: ".len();
    let code = format!(r#"{{"code": "{}"}}"#, &sms[start..start + 8]);
    let confirm = format!("/api/erp/v1/compras/{compra_id}/confirmar");
    let confirmed = erp(&app, &confirm, Some(&token), None, &code).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let ptm = confirmed.json()["ptm_code"].as_str().unwrap().to_owned();
    let retried = erp(&app, &confirm, Some(&token), None, &code).await;
    assert_eq!(retried.json()["ptm_code"], ptm.as_str());
    let shown = app
        .get_with_token(&format!("/api/erp/v1/compras/{compra_id}"), &token)
        .await;
    assert_eq!(shown.json()["status"], "CONFIRMADA");
    // The purchase's events name the ERP's token.
    let actor: String = sqlx::query_scalar(
        "SELECT actor FROM compra_events WHERE compra_id = $1::uuid ORDER BY event_id LIMIT 1",
    )
    .bind(&compra_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(actor.contains("ERP bodega Quibdó"), "{actor}");

    // Another organisation's purchase does not exist for the token; a revoked token is refused;
    // only the organisation's administrator manages tokens.
    let operator = TestApp::new(pool.clone());
    operator.sign_in(OROCAUCA_OPERADOR).await;
    let forbidden = operator.call("erp/tokens/crear", &[("name", "x")]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let unknown = app
        .get_with_token(
            "/api/erp/v1/compras/00000000-0000-4000-8000-000000000000",
            &token,
        )
        .await;
    assert_eq!(unknown.json()["code"], "compra_not_found");
    let token_id = admin.call("erp/tokens", &[]).await.json()[0]["token_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = admin
        .call("erp/tokens/revocar", &[("token_id", &token_id)])
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let after = erp(&app, CREATE, Some(&token), Some("k2"), &body("1")).await;
    assert_eq!(after.json()["code"], "token_invalid");
}

#[test]
fn the_openapi_description_lists_every_code() {
    let value: serde_json::Value = serde_json::from_str(server::erp_api::OPENAPI).unwrap();
    let listed = value["components"]["schemas"]["Error"]["properties"]["code"]["enum"].clone();
    for code in server::erp_api::ERP_ERROR_CODES {
        assert!(
            listed.as_array().unwrap().iter().any(|c| c == code),
            "{code} missing from the OpenAPI enum"
        );
    }
}
