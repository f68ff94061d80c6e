//! *Capacidad económica* (Resolución ANM 1216 de 2025) through the HTTP interface: an evaluation
//! stored and read back by its organisation and the platform roles (not by another
//! organisation), errors on their fields, the wizard's notice and the optional block without a
//! passing evaluation, and one alert when the year's purchases pass the projection.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::compras::{SHA, call, pending_confirmation, with};
use crate::helpers::{
    AUDITOR_ANM, DILUVIO_ADMIN, OROCAUCA_ADMIN, OROCAUCA_OPERADOR, TestApp, TestResponse,
};

/// This year, in Bogotá.
fn year() -> String {
    time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(-5))
        .year()
        .to_string()
}

/// A responsible-for-IVA trader's form: liquidity 1,3, working capital 0,06, debt 0,5 — it
/// qualifies; `projected` pesos projected for this year.
fn form(projected: &str) -> Vec<(String, String)> {
    let year = year();
    with(
        Vec::new(),
        &[
            ("draft[year]", &year),
            ("draft[person]", "JURIDICA"),
            ("draft[regimen]", "RESPONSABLE_IVA"),
            ("draft[activo_corriente]", "1.300.000"),
            ("draft[pasivo_corriente]", "1.000.000"),
            ("draft[ingresos_operacionales]", "5.000.000"),
            ("draft[pasivo_total]", "1.500.000"),
            ("draft[activo_total]", "3.000.000"),
            ("draft[bank_certification]", "true"),
            ("draft[mining_title_registered]", "false"),
            ("draft[projected_amount]", projected),
            ("draft[evidence_sha256]", SHA),
        ],
    )
}

async fn submit(app: &TestApp, fields: &[(String, String)]) -> TestResponse {
    call(app, "capacidad-economica/evaluar", fields).await
}

async fn signed_in(pool: &PgPool, username: &str) -> TestApp {
    let app = TestApp::new(pool.clone());
    app.sign_in(username).await;
    app
}

async fn alerts(pool: &PgPool) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, detail FROM alerts WHERE kind = 'COMPRAS_SOBRE_CAPACIDAD' ORDER BY created_at",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_evaluation_is_stored_explained_and_read_by_the_platform_not_by_others(pool: PgPool) {
    let admin = TestApp::with_demo_data(pool.clone()).await;
    admin.sign_in(OROCAUCA_ADMIN).await;
    let stored = submit(&admin, &form("2.000.000.000")).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    let view = stored.json();
    assert_eq!(view["passed"], true);
    assert_eq!(view["year"].to_string(), year());
    assert!(
        view["summary"]
            .as_str()
            .unwrap()
            .contains("Indicadores financieros"),
        "{view}"
    );
    let liquidity = view["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["name"] == "Índice de liquidez")
        .unwrap();
    assert_eq!(liquidity["formula"], "Activo corriente / Pasivo corriente");
    assert_eq!(liquidity["figure"], "1,3");
    assert_eq!(liquidity["threshold"], "≥ 1,24");
    assert_eq!(liquidity["passed"], true);

    // Submitted again (a lower projection): a new row; the latest is the evaluation.
    let again = submit(&admin, &form("1.000.000")).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM capacity_evaluations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let changed = sqlx::query("DELETE FROM capacity_evaluations")
        .execute(&pool)
        .await;
    assert!(changed.is_err(), "insert-only");
    let overview = call(&admin, "capacidad-economica/resumen", &[]).await;
    assert_eq!(overview.status, StatusCode::OK, "{}", overview.body);
    let latest = overview.json()["latest"].as_array().unwrap().clone();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0]["projected_amount"], "COP $ 1.000.000,00");

    // The operator reads but does not submit.
    let operator = signed_in(&pool, OROCAUCA_OPERADOR).await;
    let read = call(&operator, "capacidad-economica/resumen", &[]).await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert_eq!(read.json()["can_submit"], false);
    let refused = submit(&operator, &form("1.000.000")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // A title holder is not a trader: nothing to read, nothing to submit; the auditor's list is
    // the platform's.
    let other = signed_in(&pool, DILUVIO_ADMIN).await;
    let refused = call(&other, "capacidad-economica/resumen", &[]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("comercializadores"),
        "{}",
        refused.body
    );
    let refused = submit(&other, &form("1.000.000")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let refused = call(&other, "auditoria/capacidad-economica", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = call(&admin, "auditoria/capacidad-economica", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    // Both pages render on the server, explained.
    let page = admin.get("/capacidad-economica").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Evaluar y guardar"), "{}", page.body);
    assert!(page.body.contains("Activo corriente / Pasivo corriente"));

    let auditor = signed_in(&pool, AUDITOR_ANM).await;
    let page = auditor.get("/auditoria/capacidad-economica").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("COP $ 1.000.000,00"), "{}", page.body);
    let list = call(&auditor, "auditoria/capacidad-economica", &[]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let rows = list.json().as_array().unwrap().clone();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["projected_amount"], "COP $ 1.000.000,00");
    assert_eq!(rows[0]["passed"], true);
    assert_eq!(rows[0]["kind"], "Comercializador");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn errors_are_on_their_fields(pool: PgPool) {
    let admin = TestApp::with_demo_data(pool.clone()).await;
    admin.sign_in(OROCAUCA_ADMIN).await;
    let mut fields = form("0");
    for (name, value) in &mut fields {
        match name.as_str() {
            "draft[year]" => *value = "1999".to_owned(),
            "draft[activo_corriente]" => *value = "mil".to_owned(),
            "draft[evidence_sha256]" => *value = "abc".to_owned(),
            _ => {}
        }
    }
    let refused = submit(&admin, &fields).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let errors = refused.json()["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .clone();
    let on = |field: &str| {
        errors
            .iter()
            .find(|e| e["field"] == field)
            .unwrap_or_else(|| panic!("{field} in {errors:?}"))
            .clone()
    };
    assert_eq!(on("year")["code"], "capacity_year_out_of_range");
    assert!(on("year")["message"].as_str().unwrap().starts_with("Año: "));
    assert_eq!(on("projected_amount")["code"], "capacity_projection_zero");
    assert_eq!(on("evidence_sha256")["code"], "sha256_length");
    assert!(
        on("activo_corriente")["message"]
            .as_str()
            .unwrap()
            .starts_with("Activo corriente: ")
    );

    // A zero denominator: on the field to correct.
    let mut fields = form("1.000.000");
    for (name, value) in &mut fields {
        if name == "draft[pasivo_corriente]" {
            *value = "0".to_owned();
        }
    }
    let refused = submit(&admin, &fields).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let error = &refused.json()["Invalid"]["errors"][0];
    assert_eq!(error["field"], "pasivo_corriente");
    assert_eq!(error["code"], "capacity_division_by_zero");

    // Sand declared in tonnes: the volume route cannot convert it, said at the unit.
    let sand = with(
        form("1.000.000"),
        &[
            ("draft[purchases_group]", "MATERIALES_CONSTRUCCION"),
            ("draft[purchases_volume]", "30000"),
            ("draft[purchases_unit]", "t"),
        ],
    );
    let refused = submit(&admin, &sand).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(
        refused.json()["Invalid"]["errors"][0]["field"],
        "purchases_unit"
    );
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM capacity_evaluations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn purchases_past_the_projection_raise_one_alert(pool: PgPool) {
    let admin = TestApp::with_demo_data(pool.clone()).await;
    admin.sign_in(OROCAUCA_ADMIN).await;
    // 1.500.000 projected; each purchase is worth 1.000.000 before taxes.
    let stored = submit(&admin, &form("1.500.000")).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    let buyer = signed_in(&pool, OROCAUCA_OPERADOR).await;
    let notice = call(&buyer, "capacidad-economica/aviso", &[]).await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    assert_eq!(notice.json(), serde_json::Value::Null);

    let confirm = |compra_id: String, code: String| {
        let buyer = &buyer;
        async move {
            let response = call(
                buyer,
                "compras/confirmar",
                &with(Vec::new(), &[("compra_id", &compra_id), ("code", &code)]),
            )
            .await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        }
    };
    let (id, code) = pending_confirmation(&buyer, "1").await;
    confirm(id, code).await;
    assert!(alerts(&pool).await.is_empty(), "66,67 % is within");

    let (id, code) = pending_confirmation(&buyer, "1").await;
    confirm(id, code).await;
    let raised = alerts(&pool).await;
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].0, year());
    assert!(
        raised[0].1.contains("COP $ 2.000.000,00"),
        "{}",
        raised[0].1
    );
    assert!(raised[0].1.contains("133,33 %"), "{}", raised[0].1);

    let (id, code) = pending_confirmation(&buyer, "1").await;
    confirm(id, code).await;
    let raised = alerts(&pool).await;
    assert_eq!(raised.len(), 1, "the same open alert, its figures updated");
    assert!(raised[0].1.contains("200 %"), "{}", raised[0].1);

    let overview = call(&admin, "capacidad-economica/resumen", &[]).await;
    assert!(
        overview.json()["purchases"]
            .as_str()
            .unwrap()
            .contains("COP $ 3.000.000,00"),
        "{}",
        overview.body
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn without_an_evaluation_a_notice_and_a_block_only_when_configured(pool: PgPool) {
    let buyer = TestApp::with_demo_data(pool.clone()).await;
    buyer.sign_in(OROCAUCA_OPERADOR).await;
    let notice = call(&buyer, "capacidad-economica/aviso", &[]).await;
    assert_eq!(notice.status, StatusCode::OK, "{}", notice.body);
    let text = notice.json().as_str().unwrap().to_owned();
    assert!(
        text.contains("no tiene una evaluación de capacidad económica"),
        "{text}"
    );
    assert!(!text.contains("no podrá confirmar"), "{text}");
    // Off by default: the purchase is confirmed.
    let (id, code) = pending_confirmation(&buyer, "1").await;
    let confirmed = call(
        &buyer,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", &id), ("code", &code)]),
    )
    .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);

    // VETA_CAPACIDAD_BLOQUEA=1: refused with its code, nothing posted; a failing evaluation does
    // not lift it, a passing one does.
    let blocked = TestApp::with_capacity_block(pool.clone());
    blocked.sign_in(OROCAUCA_OPERADOR).await;
    let notice = call(&blocked, "capacidad-economica/aviso", &[]).await;
    assert!(
        notice.body.contains("no podrá confirmar"),
        "{}",
        notice.body
    );
    let (id, code) = pending_confirmation(&blocked, "1").await;
    let fields = with(Vec::new(), &[("compra_id", &id), ("code", &code)]);
    let confirm = || call(&blocked, "compras/confirmar", &fields);
    let refused = confirm().await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(
        refused.json()["Rule"]["code"],
        "capacity_evaluation_required"
    );
    let status: String =
        sqlx::query_scalar("SELECT status FROM compras WHERE compra_id = $1::uuid")
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "PENDIENTE_POR_CONFIRMAR");

    let admin = signed_in(&pool, OROCAUCA_ADMIN).await;
    let mut failing = form("1.000.000");
    for (name, value) in &mut failing {
        if name == "draft[bank_certification]" {
            *value = "false".to_owned();
        }
    }
    let stored = submit(&admin, &failing).await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    assert_eq!(stored.json()["passed"], false);
    assert_eq!(confirm().await.status, StatusCode::BAD_REQUEST);

    let stored = submit(&admin, &form("100.000.000")).await;
    assert_eq!(stored.json()["passed"], true);
    let confirmed = confirm().await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
}
