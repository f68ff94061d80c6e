//! *Reversión Compra* through the HTTP interface: the seller's code, the compensating posting that
//! names the original, and every refusal (already reversed, no longer held, out of the window,
//! racing a sale of the same grams).
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::{Posting, verify};
use axum::http::StatusCode;
use domain::Quantity;
use server::sealer::seal_pending;
use sqlx::PgPool;
use uuid::Uuid;

use crate::compras::{SELLER_EMAIL, after, buyer, call, pending_confirmation, with};
use crate::helpers::TestApp;
use crate::ledger::{DILUVIO, OROCAUCA, RENTERIA, balance, grams, oro, post_alone};

const REASON: &str = "El oro llegó con menor ley de la facturada.";

/// A purchase of `quantity` g of 4DEB01BC, confirmed: answers its id and PTM code.
async fn confirmed(app: &TestApp, quantity: &str) -> (String, String) {
    let (compra_id, code) = pending_confirmation(app, quantity).await;
    let response = call(
        app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", &compra_id), ("code", &code)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let ptm = response.json()["ptm_code"].as_str().unwrap().to_owned();
    (compra_id, ptm)
}

async fn request(app: &TestApp, compra_id: &str, reason: &str) -> crate::helpers::TestResponse {
    call(
        app,
        "reversion-compra/solicitar",
        &with(
            Vec::new(),
            &[
                ("compra_id", compra_id),
                ("draft[lines][0]", "1"),
                ("draft[reason]", reason),
            ],
        ),
    )
    .await
}

async fn confirm(app: &TestApp, compra_id: &str, code: &str) -> crate::helpers::TestResponse {
    call(
        app,
        "reversion-compra/confirmar",
        &with(Vec::new(), &[("compra_id", compra_id), ("code", code)]),
    )
    .await
}

/// The reversal's code, from the seller's newest email.
async fn reversal_code(app: &TestApp) -> String {
    after(
        app,
        SELLER_EMAIL,
        "entréguele al comprador este código de validación: ",
    )
    .await
}

async fn status(pool: &PgPool, compra_id: &str) -> String {
    sqlx::query_scalar("SELECT status FROM compras WHERE compra_id = $1::uuid")
        .bind(compra_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_sellers_code_reverses_the_purchase_once_with_a_posting_that_names_it(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, ptm) = confirmed(&app, "10").await;
    assert_eq!(
        balance(&pool, OROCAUCA, oro()).await,
        Quantity::parse("10").unwrap()
    );

    // It is listed, with the last day it may be reversed.
    let list = call(&app, "reversion-compra/lista", &[]).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let row = &list.json()[0];
    assert_eq!(row["ptm_code"], ptm.as_str());
    assert_eq!(row["lines"][0]["number"], 1);

    // A reason too short and an unknown line: refused per field, nothing sent.
    let sent_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    let bad = call(
        &app,
        "reversion-compra/solicitar",
        &with(
            Vec::new(),
            &[
                ("compra_id", &compra_id),
                ("draft[lines][0]", "2"),
                ("draft[reason]", "no"),
            ],
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let fields: Vec<String> = bad.json()["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["lines[0]", "reason"]);
    let sent_after: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sent_before, sent_after);

    let asked = request(&app, &compra_id, REASON).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(
        status(&pool, &compra_id).await,
        "REVERSION_PENDIENTE_POR_CONFIRMAR"
    );
    let email = app.last_email_to(SELLER_EMAIL).await;
    assert!(
        email.contains(&format!("solicita revertir la compra {ptm}")),
        "{email}"
    );
    assert!(email.contains("1. 4DEB01BC · ORO · 10,0000 g"), "{email}");
    assert!(email.contains(REASON), "{email}");
    let code = reversal_code(&app).await;
    let sms = crate::helpers::last_text(&pool, "SMS", None).await;
    assert!(sms.contains(&code) && sms.contains("reversion"), "{sms}");

    // The purchase's own code is not the reversal's; a wrong code is counted.
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let refused = confirm(&app, &compra_id, wrong).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.error("Refused").contains("Le quedan 4"),
        "{}",
        refused.body
    );
    assert_eq!(
        balance(&pool, OROCAUCA, oro()).await,
        Quantity::parse("10").unwrap()
    );

    let done = confirm(&app, &compra_id, &code).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json()["ptm_code"], ptm.as_str());
    assert_eq!(status(&pool, &compra_id).await, "REVERTIDA");
    assert_eq!(balance(&pool, OROCAUCA, oro()).await, Quantity::ZERO);
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("500").unwrap()
    );
    // A retry answers the same and moves nothing.
    let again = confirm(&app, &compra_id, &code).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("500").unwrap()
    );

    // One compensating posting, naming the purchase's; the movements are the reversal's kinds.
    let (kind, names_original): (String, bool) = sqlx::query_as(
        "SELECT p.kind, p.reverses_posting_id = c.posting_id
         FROM compra_reversals r JOIN ledger_postings p ON p.posting_id = r.posting_id
         JOIN compras c ON c.compra_id = r.compra_id WHERE r.compra_id = $1::uuid",
    )
    .bind(&compra_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), names_original), ("REVERSION_COMPRA", true));
    let kinds: Vec<String> = sqlx::query_scalar(
        "SELECT m.kind FROM movements m JOIN compra_reversals r ON r.posting_id = m.posting_id
         WHERE r.compra_id = $1::uuid ORDER BY m.kind",
    )
    .bind(&compra_id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        kinds,
        ["REVERSION_COMPRA_ENTRADA", "REVERSION_COMPRA_SALIDA"]
    );

    // Already reversed: refused, and not listed any more.
    let twice = request(&app, &compra_id, REASON).await;
    assert_eq!(twice.status, StatusCode::BAD_REQUEST, "{}", twice.body);
    let list = call(&app, "reversion-compra/lista", &[]).await;
    assert_eq!(list.json().as_array().unwrap().len(), 0, "{}", list.body);
    // The database refuses a second reversal of the same posting whatever the application does.
    let original: Uuid =
        sqlx::query_scalar("SELECT posting_id FROM compras WHERE compra_id = $1::uuid")
            .bind(&compra_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let duplicate = sqlx::query(
        "INSERT INTO ledger_postings (posting_id, kind, reference, reverses_posting_id)
         VALUES (gen_random_uuid(), 'REVERSION_COMPRA', 'X', $1)",
    )
    .bind(original)
    .execute(&pool)
    .await;
    assert!(duplicate.is_err());

    // The chain holds the reversal like any posting.
    seal_pending(&pool).await.unwrap();
    let report = verify(&pool).await.unwrap();
    assert!(report.is_clean(), "{report:?}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_reversal_is_refused_once_the_buyer_sold_part_of_it(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, _) = confirmed(&app, "10").await;
    // Requested while the buyer holds the 10 g; then it sells 4 g of them.
    let asked = request(&app, &compra_id, REASON).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let code = reversal_code(&app).await;
    post_alone(
        &pool,
        &Posting::compra("VENTA-1", OROCAUCA, RENTERIA, oro(), grams("4")),
    )
    .await
    .unwrap();
    let refused = confirm(&app, &compra_id, &code).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("insufficient_balance"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("ya vendió o transformó"),
        "{}",
        refused.body
    );
    assert_eq!(
        status(&pool, &compra_id).await,
        "REVERSION_PENDIENTE_POR_CONFIRMAR"
    );
    assert_eq!(
        balance(&pool, OROCAUCA, oro()).await,
        Quantity::parse("6").unwrap()
    );
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("490").unwrap()
    );

    // Withdrawn, the purchase is confirmed again; asked again, refused before any code is sent.
    let withdrawn = call(
        &app,
        "reversion-compra/retirar",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(withdrawn.status, StatusCode::OK, "{}", withdrawn.body);
    assert_eq!(status(&pool, &compra_id).await, "CONFIRMADA");
    let again = request(&app, &compra_id, REASON).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(
        again.body.contains("insufficient_balance"),
        "{}",
        again.body
    );
    assert_eq!(status(&pool, &compra_id).await, "CONFIRMADA");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_reversal_racing_a_sale_of_the_same_grams_one_wins(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, _) = confirmed(&app, "10").await;
    let asked = request(&app, &compra_id, REASON).await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    let code = reversal_code(&app).await;
    let sale = Posting::compra("VENTA-CARRERA", OROCAUCA, RENTERIA, oro(), grams("10"));
    let (reversed, sold) = tokio::join!(confirm(&app, &compra_id, &code), post_alone(&pool, &sale));
    let reversed = reversed.status == StatusCode::OK;
    assert!(
        reversed != sold.is_ok(),
        "exactly one wins: reversal {reversed}, sale {sold:?}"
    );
    let (diluvio, renteria) = if reversed {
        ("500", "0")
    } else {
        ("490", "10")
    };
    assert_eq!(balance(&pool, OROCAUCA, oro()).await, Quantity::ZERO);
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse(diluvio).unwrap()
    );
    assert_eq!(
        balance(&pool, RENTERIA, oro()).await,
        Quantity::parse(renteria).unwrap()
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn after_the_window_a_purchase_cannot_be_reversed(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let (compra_id, _) = confirmed(&app, "10").await;
    sqlx::query(
        "UPDATE compras SET confirmed_at = now() - interval '31 days' WHERE compra_id = $1::uuid",
    )
    .bind(&compra_id)
    .execute(&pool)
    .await
    .unwrap();
    let late = request(&app, &compra_id, REASON).await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(
        late.body.contains("reversal_window_closed"),
        "{}",
        late.body
    );
    let list = call(&app, "reversion-compra/lista", &[]).await;
    assert_eq!(list.json().as_array().unwrap().len(), 0, "{}", list.body);
    // Another organisation's purchase does not exist for a buyer.
    let other = TestApp::new(pool.clone());
    other.sign_in(crate::helpers::DILUVIO_OPERADOR).await;
    let foreign = request(&other, &compra_id, REASON).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
}
