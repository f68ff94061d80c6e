//! The seller consents to exactly what is bought: the code states what it approves and any change
//! voids it; wrong codes are counted across codes; either party ends a purchase before its
//! confirmation; a buyer never reads the seller's balance in a refusal.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use rust_decimal::Decimal;
use sqlx::PgPool;

use crate::compras::{
    SELLER_EMAIL, after, balance, buyer, call, hand_to_seller, header, movements, open_editor,
    pending_confirmation, seller_link, with,
};
use crate::helpers::{OROCAUCA_OPERADOR, TestApp};

async fn confirm(app: &TestApp, compra_id: &str, code: &str) -> crate::helpers::TestResponse {
    call(
        app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", compra_id), ("code", code)]),
    )
    .await
}

fn wrong(code: &str) -> &'static str {
    if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    }
}

async fn newest_sms(pool: &PgPool) -> String {
    crate::helpers::last_text(pool, "SMS", None).await
}

async fn alerts(pool: &PgPool, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM alerts WHERE kind = $1")
        .bind(kind)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_code_states_what_it_approves_and_a_change_voids_it(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, code) = pending_confirmation(&app, "12").await;
    let email = app.last_email_to(SELLER_EMAIL).await;
    for stated in [
        "COMERCIALIZADORA ORO DEL CAUCA S.A.S le compra",
        "1. 4DEB01BC · ORO · 12,0000 g · COP $ 1.000.000,00",
        "IVA: COP $ 190.000,00",
        "Valor incluido impuestos: COP $ 1.190.000,00",
        "http://veta.test/venta/rechazar/",
    ] {
        assert!(email.contains(stated), "«{stated}» in {email}");
    }
    let sms = newest_sms(&pool).await;
    assert!(
        sms.contains(&code) && sms.contains("4DEB01BC") && sms.contains("12,0000 g"),
        "{sms}"
    );
    assert!(domain::sms::fits_one_segment(&sms), "{sms}");
    // The buyer sees the same where it types the code.
    let view = call(
        &app,
        "compras/obtener",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    let consent = &view.json()["consent"];
    assert_eq!(
        consent["lines"][0]["codigo_origen"], "4DEB01BC",
        "{consent}"
    );
    assert_eq!(consent["lines"][0]["quantity"], "12", "{consent}");

    // The purchase changes behind the code's back (a tampered row): the code no longer confirms.
    sqlx::query(
        "UPDATE compras SET draft = jsonb_set(draft, '{lines,0,quantity}', '\"13\"') WHERE compra_id = $1::uuid",
    )
    .bind(&compra_id)
    .execute(&pool)
    .await
    .unwrap();
    let refused = confirm(&app, &compra_id, &code).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.error("Refused").contains("cambió"),
        "{}",
        refused.body
    );
    // …and it is void for good.
    let again = confirm(&app, &compra_id, &code).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert_eq!(movements(&pool).await, 2, "only the two initial balances");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_edit_after_the_code_was_sent_voids_it(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, code) = pending_confirmation(&app, "12").await;
    // "Editar la transacción": back to the buyer; the code sent is void.
    let saved = call(
        &app,
        "compras/guardar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(
        saved.json()["status"],
        "EN_GESTION_COMPRADOR",
        "{}",
        saved.body
    );
    let refused = confirm(&app, &compra_id, &code).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(movements(&pool).await, 2);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn ten_wrong_codes_block_the_pair_and_the_seller_is_told(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, code) = pending_confirmation(&app, "1").await;
    for _ in 0..5 {
        let refused = confirm(&app, &compra_id, wrong(&code)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    }
    // A new code does not give a fresh start: the pair's count goes on.
    let resent = call(
        &app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let code = after(&app, SELLER_EMAIL, "de la transacción: ").await;
    for _ in 0..4 {
        let refused = confirm(&app, &compra_id, wrong(&code)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    }
    let blocked = confirm(&app, &compra_id, wrong(&code)).await;
    assert_eq!(
        blocked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        blocked.body
    );
    assert!(
        blocked
            .error("Throttled")
            .contains("Intente de nuevo en 24 horas"),
        "{}",
        blocked.body
    );
    assert!(
        app.last_email_to(SELLER_EMAIL)
            .await
            .contains("códigos de validación errados")
    );
    assert_eq!(alerts(&pool, "CODIGOS_ERRADOS_COMPRADOR").await, 1);
    let admin_mail: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = 'admin.ottm@demo.veta.com.co' AND subject LIKE 'Alerta%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(admin_mail, 1);
    // Even the right code, and a new purchase with the same seller, wait for the block to end.
    let right = confirm(&app, &compra_id, &code).await;
    assert_eq!(
        right.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        right.body
    );
    let other = call(
        &app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        other.body
    );
    assert_eq!(movements(&pool).await, 2);

    // The block ends after its day: the right code then confirms.
    sqlx::query("UPDATE limit_blocks SET blocked_until = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("UPDATE limit_events SET at = at - interval '25 hours'")
        .execute(&pool)
        .await
        .unwrap();
    let resent = call(
        &app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let code = after(&app, SELLER_EMAIL, "de la transacción: ").await;
    let confirmed = confirm(&app, &compra_id, &code).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn annulled_and_declined_purchases_end_with_nothing_posted(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    // The buyer annuls a purchase the seller was asked about: its link stops working.
    let compra_id = hand_to_seller(&app, "URL").await;
    let link = seller_link(&app).await;
    let annulled = call(
        &app,
        "compras/anular",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(annulled.status, StatusCode::OK, "{}", annulled.body);
    assert_eq!(annulled.json()["status"], "ANULADA");
    assert!(app.last_email_to(SELLER_EMAIL).await.contains("anuló"));
    let seller = TestApp::new(pool.clone());
    let editor = open_editor(&seller, &link).await;
    assert_eq!(editor.status, StatusCode::BAD_REQUEST, "{}", editor.body);
    let twice = call(
        &app,
        "compras/anular",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);

    // The seller does not recognise a purchase sent for confirmation.
    let (compra_id, code) = pending_confirmation(&app, "5").await;
    let decline = after(&app, SELLER_EMAIL, "http://veta.test/venta/rechazar/").await;
    let shown = call(
        &seller,
        "venta/rechazo",
        &with(Vec::new(), &[("token", &decline)]),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(
        shown.json()["buyer"],
        "COMERCIALIZADORA ORO DEL CAUCA S.A.S"
    );
    let declined = call(
        &seller,
        "venta/rechazar",
        &with(Vec::new(), &[("token", &decline), ("disowned", "true")]),
    )
    .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.body);
    let buyer_mail = app
        .last_email_to(&format!("{OROCAUCA_OPERADOR}@demo.veta.com.co"))
        .await;
    assert!(buyer_mail.contains("no reconoce"), "{buyer_mail}");
    assert_eq!(alerts(&pool, "COMPRA_NO_RECONOCIDA").await, 1);
    // Single use, and the code no longer confirms anything.
    let reused = call(
        &seller,
        "venta/rechazar",
        &with(Vec::new(), &[("token", &decline), ("disowned", "false")]),
    )
    .await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST, "{}", reused.body);
    let refused = confirm(&app, &compra_id, &code).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let view = call(
        &app,
        "compras/obtener",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(view.json()["status"], "RECHAZADA_POR_VENDEDOR");
    assert_eq!(movements(&pool).await, 2);
    assert_eq!(
        balance(&pool, "901304961-7", "4DEB01BC").await,
        Decimal::from(500)
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_buyer_never_reads_the_sellers_balance_and_cannot_probe_it_at_will(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    // The seller may send more than it holds only through its own editor, which shows it; here
    // the seller sends 10 g, then sells the rest elsewhere before the buyer sends the purchase.
    let compra_id = hand_to_seller(&app, "URL").await;
    let link = seller_link(&app).await;
    let seller = TestApp::new(pool.clone());
    let detail = |quantity: &'static str| {
        with(
            Vec::new(),
            &[
                ("token", &link),
                ("lines[0][mineral]", "ORO"),
                ("lines[0][codigo_origen]", "4DEB01BC"),
                ("lines[0][quantity]", quantity),
                ("lines[0][unit]", "g"),
                ("lines[0][value]", "1.000.000"),
                ("taxes[0][kind]", "IVA"),
                ("taxes[0][value]", "190.000"),
            ],
        )
    };
    // The seller's own refusal shows its balance…
    let own = call(&seller, "venta/enviar", &detail("600")).await;
    assert!(own.body.contains("500,0000"), "{}", own.body);
    let sent = call(&seller, "venta/enviar", &detail("10")).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    sqlx::query(
        "UPDATE balances SET quantity = 3 WHERE codigo_origen = '4DEB01BC'
           AND organization_id = (SELECT organization_id FROM organizations WHERE document_number = '901304961-7')",
    )
    .execute(&pool)
    .await
    .unwrap();
    // …the buyer's says which line, never how much is left.
    for _ in 0..10 {
        let refused = call(
            &app,
            "compras/enviar",
            &with(header(), &[("compra_id", &compra_id)]),
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        let error = &refused.json()["Invalid"]["errors"][0];
        assert_eq!(error["field"], "lines[0].quantity");
        assert_eq!(error["code"], "insufficient_balance");
        assert!(!refused.body.contains("3,0000"), "{}", refused.body);
    }
    let limited = call(
        &app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
}
