//! "Saldos" and "Reenviar saldos actualizados": an organisation sees only its own balances and
//! movements, and the balances email carries the balances TXT, throttled per organisation.

use app::saldos::{MovimientoRow, SaldoRow};
use axum::http::StatusCode;
use domain::balances_txt::parse_balances_txt;
use domain::{Currency, Quantity};
use sqlx::PgPool;

use crate::helpers::{AUDITOR_ANM, DILUVIO_ADMIN, OROCAUCA_ADMIN, TestApp};

const DILUVIO_CONTACT: &str = "gerencia.diluvio@demo.veta.com.co";
const DILUVIO_ADMIN_EMAIL: &str = "diluvio.admin@demo.veta.com.co";

fn quantity(text: &str) -> Quantity {
    Quantity::parse(text).expect("quantity")
}

/// `(recipient, attachment_name, attachment_type, attachment_content, body_text)` of every email
/// with an attachment, oldest first.
async fn emails_with_attachment(pool: &PgPool) -> Vec<(String, String, String, Vec<u8>, String)> {
    sqlx::query_as(
        "SELECT recipient, attachment_name, attachment_type, attachment_content, body_text
         FROM outbox WHERE attachment_name IS NOT NULL ORDER BY outbox_id",
    )
    .fetch_all(pool)
    .await
    .expect("outbox rows")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_organisation_lists_only_its_own_balances_and_their_movements(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;

    let response = app.call("saldos", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let rows: Vec<SaldoRow> = serde_json::from_str(&response.body).expect("rows");
    let listed: Vec<(&str, &str, Quantity, &str)> = rows
        .iter()
        .map(|r| {
            (
                r.codigo_origen.as_str(),
                r.mineral.name(),
                r.quantity,
                r.unit.code(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("4DEB01BC", "ORO", quantity("500"), "g"),
            ("5A1C9E07", "PLATA", quantity("900"), "g"),
        ]
    );
    for row in &rows {
        // DD/MM/AAAA HH:MM
        assert_eq!(row.last_movement.len(), 16, "{}", row.last_movement);
        assert_eq!(&row.last_movement[2..3], "/", "{}", row.last_movement);
    }

    let page = app.get("/saldos").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Saldos</h1>"));
    assert!(page.body.contains("4DEB01BC"));
    assert!(page.body.contains("500,0000"));
    assert!(page.body.contains("900,0000"));

    let response = app
        .call("saldos/movimientos", &[("codigo_origen", "4DEB01BC")])
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let movements: Vec<MovimientoRow> = serde_json::from_str(&response.body).expect("rows");
    assert_eq!(movements.len(), 1);
    assert_eq!(movements[0].kind, domain::MovementKind::SaldoInicial);
    assert_eq!(movements[0].delta, quantity("500").value());
    assert_eq!(movements[0].reference, "SALDO-INICIAL-4DEB01BC");
    let page = app.get("/saldos/4DEB01BC").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Saldo inicial"));
    assert!(page.body.contains("+500,0000 g"));

    // Another organisation holds nothing of these codes: they do not exist for it.
    app.clear_cookies();
    app.sign_in(OROCAUCA_ADMIN).await;
    let response = app.call("saldos", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let rows: Vec<SaldoRow> = serde_json::from_str(&response.body).expect("rows");
    assert!(rows.is_empty(), "{rows:?}");
    let response = app
        .call("saldos/movimientos", &[("codigo_origen", "4DEB01BC")])
        .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND, "{}", response.body);
    assert_eq!(
        app.get("/saldos/4DEB01BC").await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_platform_roles_are_refused(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(AUDITOR_ANM).await;
    for (endpoint, fields) in [
        ("saldos", &[][..]),
        ("saldos/movimientos", &[("codigo_origen", "4DEB01BC")][..]),
        ("saldos/reenviar", &[][..]),
    ] {
        let response = app.call(endpoint, fields).await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    let page = app.get("/saldos").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Su rol no le permite hacer esto."));
    assert!(emails_with_attachment(&app.pool).await.is_empty());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn resending_emails_the_balances_with_the_txt_that_parses_back_to_them(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;

    let response = app.call("saldos/reenviar", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let recipients: Vec<String> = serde_json::from_str(&response.body).expect("addresses");
    assert_eq!(recipients, [DILUVIO_CONTACT, DILUVIO_ADMIN_EMAIL]);

    let emails = emails_with_attachment(&app.pool).await;
    assert_eq!(emails.len(), 2, "one to the contact, one to the user");
    let (to, name, content_type, content, text) = &emails[0];
    assert_eq!(to, DILUVIO_CONTACT);
    assert!(
        name.starts_with("saldos_901304961-7_") && name.ends_with(".txt") && name.len() == 31,
        "{name}"
    );
    assert_eq!(content_type, "text/plain; charset=utf-8");
    assert!(
        text.contains("le informa:\n\nSus saldos actualizados"),
        "{text}"
    );
    assert!(text.contains("4DEB01BC · ORO · 500,0000 g"), "{text}");
    assert!(text.contains("5A1C9E07 · PLATA · 900,0000 g"), "{text}");
    assert_eq!(&emails[1].0, DILUVIO_ADMIN_EMAIL);
    assert_eq!(&emails[1].3, content);

    let parsed = parse_balances_txt(content, Currency::Cop).expect("our own file parses");
    let rows: Vec<(String, &str, Quantity, &str)> = parsed
        .rows
        .iter()
        .map(|r| {
            (
                r.codigo_origen.to_string(),
                r.mineral.name(),
                r.disponible,
                r.unit.code(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("4DEB01BC".to_owned(), "ORO", quantity("500"), "g"),
            ("5A1C9E07".to_owned(), "PLATA", quantity("900"), "g"),
        ]
    );
    assert_eq!(parsed.sales().count(), 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn resending_is_throttled_per_organisation(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;
    for _ in 0..app::saldos::ssr::RESEND_PER_HOUR_MAX {
        let response = app.call("saldos/reenviar", &[]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
    let response = app.call("saldos/reenviar", &[]).await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        response.error("Throttled").contains("en la última hora"),
        "{}",
        response.body
    );
    let written = emails_with_attachment(&app.pool).await.len();
    assert_eq!(
        written,
        2 * usize::try_from(app::saldos::ssr::RESEND_PER_HOUR_MAX).expect("small")
    );

    // Another organisation has its own allowance.
    app.clear_cookies();
    app.sign_in(OROCAUCA_ADMIN).await;
    let response = app.call("saldos/reenviar", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}
