//! Purchases without identified origin: registered at once into a balance apart, within the
//! buyer's monthly limit, idempotent by the form's id, listed for the auditor.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::verify;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;

use crate::compras::{SHA, call, today};
use crate::helpers::{AUDITOR_ANM, OROCAUCA_OPERADOR, TestApp, TestResponse};

const DECLARATION: &str = "Joyas en desuso compradas a particulares en el mostrador";

fn fields(form_id: &str, grams: &str, declaration: &str) -> Vec<(String, String)> {
    let today = today();
    [
        ("compra_id", form_id),
        ("declaration", declaration),
        ("draft[seller][document_type]", "CC"),
        ("draft[seller][document_number]", "43555666"),
        ("draft[seller][razon_social]", "LUZ MARINA OSPINA"),
        ("draft[transaction][invoice_date]", &today),
        ("draft[transaction][transaction_date]", &today),
        ("draft[transaction][sha256]", SHA),
        ("draft[transaction][currency]", "COP"),
        ("draft[transaction][departamento]", "05"),
        ("draft[transaction][municipio]", "05001"),
        ("draft[lines][0][mineral]", "ORO"),
        ("draft[lines][0][quantity]", grams),
        ("draft[lines][0][unit]", "g"),
        ("draft[lines][0][value]", "2.500.000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

async fn register(app: &TestApp, form_id: &str, grams: &str) -> TestResponse {
    call(
        app,
        "compras/sin-origen/registrar",
        &fields(form_id, grams, DECLARATION),
    )
    .await
}

/// The buyer's gold apart (codes without identified origin) and with an origin.
async fn gold(pool: &PgPool) -> (Decimal, Decimal) {
    sqlx::query_as(
        "SELECT coalesce(sum(b.quantity) FILTER (WHERE c.source = 'SIN_ORIGEN'), 0),
                coalesce(sum(b.quantity) FILTER (WHERE c.source <> 'SIN_ORIGEN'), 0)
         FROM balances b JOIN origin_codes c ON c.codigo_origen = b.codigo_origen
         JOIN organizations o ON o.organization_id = b.organization_id
         WHERE o.document_number = '900123456-8' AND b.mineral = 'ORO'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_purchase_without_origin_lands_apart_within_the_monthly_limit(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    app.sign_in(OROCAUCA_OPERADOR).await;
    let first_id = "0b3f6c1e-2f55-4c43-9a61-4d2a1f0e9b01";

    // A declaration is required; nothing is stored without it.
    let short = call(
        &app,
        "compras/sin-origen/registrar",
        &fields(first_id, "600", "joyas"),
    )
    .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        short.body
    );
    assert!(short.body.contains("sin_origen_declaration_length"));

    let done = register(&app, first_id, "600").await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let ptm = done.json()["ptm_code"].as_str().unwrap().to_owned();
    assert_eq!(gold(&pool).await, (Decimal::from(600), Decimal::ZERO));
    // The same form sent again answers the same code and registers nothing twice.
    let again = register(&app, first_id, "600").await;
    assert_eq!(again.json()["ptm_code"], ptm.as_str());
    assert_eq!(gold(&pool).await, (Decimal::from(600), Decimal::ZERO));

    // 1 000 g a month: 400 g are left, 401 g are refused with the figures.
    let over = register(&app, "0b3f6c1e-2f55-4c43-9a61-4d2a1f0e9b02", "401").await;
    assert_eq!(
        over.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        over.body
    );
    assert!(over.body.contains("disponible 400 g"), "{}", over.body);
    let last = register(&app, "0b3f6c1e-2f55-4c43-9a61-4d2a1f0e9b03", "400").await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.body);
    // Both purchases share the buyer's one code of gold without origin.
    let codes: i64 =
        sqlx::query_scalar("SELECT count(*) FROM origin_codes WHERE source = 'SIN_ORIGEN'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(codes, 1);
    assert_eq!(gold(&pool).await, (Decimal::from(1000), Decimal::ZERO));

    // The auditor sees them; a buyer may not.
    let forbidden = app.call("compras/sin-origen/auditoria", &[]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let auditor = TestApp::new(pool.clone());
    auditor.sign_in(AUDITOR_ANM).await;
    let listed = auditor
        .call("compras/sin-origen/auditoria", &[])
        .await
        .json();
    let listed = listed["report"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().any(|row| row["ptm_code"] == ptm.as_str()));
    assert_eq!(listed[0]["declaration"], DECLARATION);
    // It is in the buyer's history, confirmed.
    let history = &app.call("compras/historial", &[]).await.json()["report"];
    assert_eq!(history["page"]["total"], 2);
    assert_eq!(
        history["rows"][0]["seller_type"],
        "SIN_IDENTIFICACION_ORIGEN"
    );

    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}
