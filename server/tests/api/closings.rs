//! *Cierres* through the HTTP interface and the ledger: months closed in order, once; the report
//! frozen with a digest that the chain verifies; and nothing dated in a closed month posted after.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::{LedgerError, Posting};
use axum::http::StatusCode;
use domain::closing::{ClosingReport, Month, verify_snapshot};
use domain::{Fecha, Quantity, Sha256Hex};
use sqlx::PgPool;
use sqlx::types::Json;

use crate::compras::{call, with};
use crate::helpers::{AUDITOR_ANM, DILUVIO_ADMIN, DILUVIO_OPERADOR, TestApp};
use crate::ledger::{DILUVIO, OROCAUCA, grams, oro, post_alone};

/// Last month and the month before, by today's date in Colombia.
fn months() -> (Month, Month) {
    let today = app::ledger::ssr::today().date();
    let last = Month::of(Fecha::from_date(
        today.replace_day(1).unwrap().previous_day().unwrap(),
    ));
    let before = Month::of(Fecha::from_date(
        last.first_day().date().previous_day().unwrap(),
    ));
    (before, last)
}

fn day_in(month: Month, day: u8) -> Fecha {
    Fecha::from_date(month.first_day().date().replace_day(day).unwrap())
}

async fn close(app: &TestApp, month: Month) -> crate::helpers::TestResponse {
    call(
        app,
        "cierres/cerrar",
        &with(Vec::new(), &[("month", &month.to_string())]),
    )
    .await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_month_closes_once_in_order_and_nothing_dated_in_it_is_posted_after(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    app.sign_in(DILUVIO_ADMIN).await;
    let (before, last) = months();
    // A sale dated two months ago and one dated last month.
    let early = Posting::compra("VENTA-ANTES", DILUVIO, OROCAUCA, oro(), grams("7"))
        .dated(day_in(before, 10));
    post_alone(&pool, &early).await.unwrap();
    let sale =
        Posting::compra("VENTA-MES", DILUVIO, OROCAUCA, oro(), grams("10")).dated(day_in(last, 15));
    post_alone(&pool, &sale).await.unwrap();

    // The current month has not ended; only an operator may not close.
    let current = Month::of(app::ledger::ssr::today());
    let not_ended = close(&app, current).await;
    assert_eq!(
        not_ended.status,
        StatusCode::BAD_REQUEST,
        "{}",
        not_ended.body
    );
    assert!(
        not_ended.body.contains("closing_month_not_ended"),
        "{}",
        not_ended.body
    );
    let operator = TestApp::new(pool.clone());
    operator.sign_in(DILUVIO_OPERADOR).await;
    assert_eq!(close(&operator, last).await.status, StatusCode::FORBIDDEN);

    let closed = close(&app, before).await;
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    // Out of order: last month only after the one before it; then idempotent.
    let done = close(&app, last).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let again = close(&app, last).await;
    assert_eq!(
        again.json(),
        done.json(),
        "closing again answers the same closing"
    );
    assert_eq!(done.json()["intact"], true);

    // The frozen report: 500 g at the start of last month less the 7 g, 10 out.
    let report = call(
        &app,
        "cierres/informe",
        &with(Vec::new(), &[("month", &last.to_string())]),
    )
    .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let json = report.json();
    assert_eq!(json["closed"], true);
    let row = json["report"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["codigo_origen"] == "4DEB01BC" && r["mineral"] == "ORO")
        .cloned()
        .unwrap();
    assert_eq!(row["opening"], "493");
    assert_eq!(row["salidas"], "10");
    assert_eq!(row["closing"], "483");

    // Nothing dated in a closed month is posted any more, for either party it touches.
    let late = Posting::compra("VENTA-TARDE", DILUVIO, OROCAUCA, oro(), grams("1"))
        .dated(day_in(last, 20));
    let refused = post_alone(&pool, &late).await.unwrap_err();
    assert!(
        matches!(refused, LedgerError::PeriodClosed { .. }),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("MINERA EL DILUVIO"),
        "{refused}"
    );
    let back = Posting::compra("COMPRA-TARDE", OROCAUCA, DILUVIO, oro(), grams("1"))
        .dated(day_in(last, 20));
    assert!(matches!(
        post_alone(&pool, &back).await,
        Err(LedgerError::PeriodClosed { .. })
    ));
    // Today is open.
    post_alone(
        &pool,
        &Posting::compra("VENTA-HOY", DILUVIO, OROCAUCA, oro(), grams("1")),
    )
    .await
    .unwrap();

    // The digest is verifiable from the stored report and the chain's link it names.
    let (month, position, head, digest, stored): (
        time::Date,
        i64,
        Vec<u8>,
        Vec<u8>,
        Json<ClosingReport>,
    ) = sqlx::query_as(
        "SELECT month, chain_position, chain_head, digest, report FROM organization_closings
             WHERE organization_id = $1 AND month = $2",
    )
    .bind(DILUVIO)
    .bind(last.first_day().date())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(Month::of(Fecha::from_date(month)), last);
    if position > 0 {
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT entry_hash FROM movement_seals WHERE chain_position = $1")
                .bind(position)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(sealed, head, "the closing names a link of the chain");
    }
    let sha = |bytes: &[u8]| Sha256Hex::from_digest(<[u8; 32]>::try_from(bytes).unwrap());
    verify_snapshot(
        DILUVIO,
        last,
        &stored.0.rows,
        &sha(&head),
        u64::try_from(position).unwrap(),
        &sha(&digest),
    )
    .unwrap();
    let mut altered = stored.0.rows.clone();
    altered[0].amounts.closing = Quantity::parse("1").unwrap();
    assert!(
        verify_snapshot(
            DILUVIO,
            last,
            &altered,
            &sha(&head),
            u64::try_from(position).unwrap(),
            &sha(&digest)
        )
        .is_err()
    );
    // Closings are never undone, even through SQL.
    assert!(
        sqlx::query("DELETE FROM organization_closings")
            .execute(&pool)
            .await
            .is_err()
    );

    // The auditor sees who closed what.
    let auditor = TestApp::new(pool.clone());
    auditor.sign_in(AUDITOR_ANM).await;
    let audit = call(&auditor, "cierres/auditoria", &[]).await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.body);
    assert_eq!(audit.json()["report"][0]["months"], 2);
    assert_eq!(
        audit.json()["report"][0]["organization"],
        "MINERA EL DILUVIO GOLD S.A.S"
    );
    assert_eq!(
        call(&app, "cierres/auditoria", &[]).await.status,
        StatusCode::FORBIDDEN
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_closing_waits_for_a_posting_in_flight_and_then_refuses_the_next(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    app.sign_in(DILUVIO_ADMIN).await;
    let (_, last) = months();
    // A posting dated last month holds its transaction open while the month is closed.
    let mut open = pool.begin().await.unwrap();
    let sale = Posting::compra("VENTA-ABIERTA", DILUVIO, OROCAUCA, oro(), grams("5"))
        .dated(day_in(last, 3));
    app::ledger::ssr::post(&mut open, &sale).await.unwrap();
    let closing = tokio::spawn({
        let app_pool = pool.clone();
        async move {
            let app = TestApp::new(app_pool);
            app.sign_in(DILUVIO_ADMIN).await;
            close(&app, last).await
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !closing.is_finished(),
        "the closing waits for the posting in flight"
    );
    open.commit().await.unwrap();
    let closed = closing.await.unwrap();
    assert_eq!(closed.status, StatusCode::OK, "{}", closed.body);
    let report = call(
        &app,
        "cierres/informe",
        &with(Vec::new(), &[("month", &last.to_string())]),
    )
    .await;
    assert!(
        report.body.contains("\"salidas\":\"5\""),
        "the committed sale is in the closing: {}",
        report.body
    );
}
