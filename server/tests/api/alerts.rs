//! *Alertas*: a cross-check found again updates its open alert and emails no one twice; once
//! reviewed, a new finding is a new alert; the platform roles filter the list and mark alerts
//! reviewed, organisations read none.
#![allow(clippy::unwrap_used)]

use app::alerts::ssr::{NewAlert, raise_at};
use axum::http::StatusCode;
use domain::AlertKind;
use sqlx::PgPool;

use crate::helpers::{AUDITOR_ANM, OROCAUCA_ADMIN, TestApp, test_url};
use crate::ledger::OROCAUCA;

const OROCAUCA_CONTACT: &str = "gerencia.orocauca@demo.veta.com.co";
const AUDITOR_EMAIL: &str = "auditor.anm@demo.veta.com.co";

async fn over_capacity(pool: &PgPool, detail: &str) {
    let mut tx = pool.begin().await.unwrap();
    raise_at(
        &mut tx,
        &test_url(),
        NewAlert {
            kind: AlertKind::ComprasSobreCapacidad,
            organization_id: Some(OROCAUCA),
            other_organization_id: None,
            compra_id: None,
            detail: detail.to_owned(),
            subject: Some("2026".to_owned()),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn emails_to(pool: &PgPool, to: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE channel = 'EMAIL' AND recipient = $1 AND subject LIKE 'Alerta%'")
        .bind(to)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_finding_found_again_updates_its_open_alert_and_emails_once(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    over_capacity(
        &pool,
        "Compras del año: COP 120.000.000 (120 % de lo proyectado).",
    )
    .await;
    over_capacity(
        &pool,
        "Compras del año: COP 130.000.000 (130 % de lo proyectado).",
    )
    .await;
    let open: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM alerts WHERE reviewed_at IS NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        open,
        ["Compras del año: COP 130.000.000 (130 % de lo proyectado)."]
    );
    // The organisation, the auditor and the OTTM administrator are told once.
    assert_eq!(emails_to(&pool, OROCAUCA_CONTACT).await, 1);
    assert_eq!(emails_to(&pool, AUDITOR_EMAIL).await, 1);
    assert_eq!(emails_to(&pool, "admin.ottm@demo.veta.com.co").await, 1);
    assert!(
        app.last_email_to(OROCAUCA_CONTACT)
            .await
            .contains("120 % de lo proyectado")
    );

    // The auditor lists it (open, of its kind, by the organisation's name) and marks it reviewed.
    app.sign_in(AUDITOR_ANM).await;
    let listed = app
        .call(
            "alertas",
            &[
                ("filter[kind]", "COMPRAS_SOBRE_CAPACIDAD"),
                ("filter[estado]", "ABIERTA"),
                ("filter[organizacion]", "oro del cauca"),
            ],
        )
        .await
        .json();
    let rows = listed.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listed}");
    assert!(
        rows[0]["updated"].is_string(),
        "found again after it was raised"
    );
    let alert_id = rows[0]["alert_id"].as_i64().unwrap().to_string();
    let other_kind = app
        .call("alertas", &[("filter[kind]", "PERDIDA_TRANSFORMACION")])
        .await
        .json();
    assert_eq!(other_kind.as_array().map(Vec::len), Some(0));
    let reviewed = app
        .call("alertas/revisar", &[("alert_id", &alert_id)])
        .await;
    assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.body);
    let open = app
        .call("alertas", &[("filter[estado]", "ABIERTA")])
        .await
        .json();
    assert_eq!(open.as_array().map(Vec::len), Some(0));

    // Found again after the review: a new alert, told again.
    over_capacity(
        &pool,
        "Compras del año: COP 140.000.000 (140 % de lo proyectado).",
    )
    .await;
    assert_eq!(emails_to(&pool, OROCAUCA_CONTACT).await, 2);
    let all = app.call("alertas", &[("filter[estado]", "")]).await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let unknown = app.call("alertas", &[("filter[estado]", "CERRADA")]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // An organisation reads no alerts and reviews none.
    let trader = TestApp::new(pool.clone());
    trader.sign_in(OROCAUCA_ADMIN).await;
    assert_eq!(
        trader
            .call("alertas", &[("filter[estado]", "")])
            .await
            .json(),
        "Forbidden"
    );
    assert_eq!(
        trader
            .call("alertas/revisar", &[("alert_id", &alert_id)])
            .await
            .json(),
        "Forbidden"
    );
}
