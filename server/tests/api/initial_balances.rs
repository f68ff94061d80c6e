//! *Registro de saldos iniciales*: declared by an organisation, decided by the Administrador OTTM;
//! approval posts every lot under a new origin code marked as an initial balance.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::verify;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;

use crate::compras::{SHA, today};
use crate::helpers::{DILUVIO_ADMIN, OROCAUCA_OPERADOR, TestApp, TestResponse};

async fn declare(app: &TestApp, lots: &[(&str, &str, &str)]) -> TestResponse {
    let today = today();
    let mut fields = vec![
        ("draft[as_of]".to_owned(), today),
        ("draft[sha256]".to_owned(), SHA.to_owned()),
    ];
    for (index, (mineral, quantity, unit)) in lots.iter().enumerate() {
        fields.push((
            format!("draft[lots][{index}][mineral]"),
            (*mineral).to_owned(),
        ));
        fields.push((
            format!("draft[lots][{index}][quantity]"),
            (*quantity).to_owned(),
        ));
        fields.push((format!("draft[lots][{index}][unit]"), (*unit).to_owned()));
    }
    crate::compras::call(app, "saldos-iniciales/declarar", &fields).await
}

async fn decide(app: &TestApp, id: &str, approve: bool, reason: &str) -> TestResponse {
    let approve = approve.to_string();
    app.call(
        "saldos-iniciales/decidir",
        &[
            ("declaration_id", id),
            ("approve", &approve),
            ("reason", reason),
        ],
    )
    .await
}

/// The organisation's gold held under codes of initial balances, and how many such codes.
async fn initial_gold(pool: &PgPool, document: &str) -> (i64, Decimal) {
    sqlx::query_as(
        "SELECT count(*), coalesce(sum(b.quantity), 0) FROM balances b
         JOIN origin_codes c ON c.codigo_origen = b.codigo_origen
         JOIN organizations o ON o.organization_id = b.organization_id
         WHERE o.document_number = $1 AND c.source = 'SALDO_INICIAL' AND b.mineral = 'ORO'",
    )
    .bind(document)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_declaration_is_rejected_with_a_reason_then_approved_into_origin_codes(pool: PgPool) {
    let org = TestApp::with_demo_data(pool.clone()).await;
    org.sign_in(OROCAUCA_OPERADOR).await;
    let admin = TestApp::new(pool.clone());
    admin.sign_in("admin.ottm").await;

    // Bad input is refused field by field, and nothing is stored.
    let bad = declare(&org, &[("ORO", "-1", "g"), ("KRIPTONITA", "1", "")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("lots[0].quantity") && bad.body.contains("lots[1].mineral"));

    let first = declare(&org, &[("ORO", "1,5", "kg"), ("PLATA", "200", "g")]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first_id = first.json()["declaration_id"].as_str().unwrap().to_owned();
    // One waits at a time.
    let again = declare(&org, &[("ORO", "1", "g")]).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);

    // Only the Administrador OTTM decides; a rejection needs its reason.
    let by_org = decide(&org, &first_id, true, "").await;
    assert_eq!(by_org.status, StatusCode::FORBIDDEN);
    let no_reason = decide(&admin, &first_id, false, " ").await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rejected = decide(&admin, &first_id, false, "El certificado no tiene firma").await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.body);
    assert_eq!(rejected.json()["status"], "RECHAZADA");
    assert!(
        org.last_email_to("gerencia.orocauca@demo.veta.com.co")
            .await
            .contains("El certificado no tiene firma")
    );
    assert_eq!(initial_gold(&pool, "900123456-8").await, (0, Decimal::ZERO));

    // A new declaration, approved: each lot gets its code and its balance.
    let second = declare(&org, &[("ORO", "1,5", "kg"), ("PLATA", "200", "g")]).await;
    let second_id = second.json()["declaration_id"].as_str().unwrap().to_owned();
    let pending = admin.call("saldos-iniciales", &[]).await.json();
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let approved = decide(&admin, &second_id, true, "").await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let approved = approved.json();
    assert_eq!(approved["status"], "APROBADA");
    assert!(
        approved["lots"][0].as_str().unwrap().contains("código"),
        "{approved}"
    );
    assert_eq!(
        initial_gold(&pool, "900123456-8").await,
        (1, Decimal::from(1500))
    );
    let twice = decide(&admin, &second_id, true, "").await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST);
    // The organisation's list shows both; another organisation sees none of them.
    let listed = org.call("saldos-iniciales", &[]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let other = TestApp::new(pool.clone());
    other.sign_in(DILUVIO_ADMIN).await;
    assert_eq!(
        other.call("saldos-iniciales", &[]).await.json(),
        serde_json::json!([])
    );

    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}
