//! The balances ledger: one posting function, balances that never go negative under concurrency,
//! insert-only movements, the chain sealed behind the commits, and `verify`.

use std::str::FromStr;
use std::time::{Duration, Instant};

use app::ledger::ssr::{
    LedgerError, Posting, PostingKind, PostingLine, balances_of, movements_of, post, verify,
};
use axum::http::StatusCode;
use domain::{BalanceKey, CodigoOrigen, Mineral, Quantity, SaleQuantity};
use futures_util::future::join_all;
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

use crate::helpers::{AUDITOR_ANM, DILUVIO_ADMIN, TestApp};

/// The demonstration organisations (server::demo).
pub(crate) const DILUVIO: Uuid = Uuid::from_u128(0x0d1_0001);
pub(crate) const OROCAUCA: Uuid = Uuid::from_u128(0x0d1_0002);
pub(crate) const RENTERIA: Uuid = Uuid::from_u128(0x0d1_0003);

/// DILUVIO's demonstration gold: 500 g under seed 000's code.
pub(crate) fn oro() -> BalanceKey {
    BalanceKey::new(
        CodigoOrigen::parse("4DEB01BC").expect("code"),
        Mineral::resolve("ORO").expect("listed"),
    )
}

/// DILUVIO's demonstration silver: 900 g under `5A1C9E07`.
fn plata() -> BalanceKey {
    BalanceKey::new(
        CodigoOrigen::parse("5A1C9E07").expect("code"),
        Mineral::resolve("PLATA").expect("listed"),
    )
}

pub(crate) fn grams(text: &str) -> SaleQuantity {
    SaleQuantity::parse(text).expect("quantity")
}

fn quantity(text: &str) -> Quantity {
    Quantity::parse(text).expect("quantity")
}

/// The balance of one key, zero when absent.
pub(crate) async fn balance(pool: &PgPool, organization_id: Uuid, key: BalanceKey) -> Quantity {
    balances_of(pool, organization_id)
        .await
        .expect("balances")
        .into_iter()
        .find(|e| {
            (e.codigo_origen, e.mineral, e.unit) == (key.codigo_origen, key.mineral, key.unit)
        })
        .map_or(Quantity::ZERO, |e| e.quantity)
}

/// Posts in a transaction of its own, committed on success.
pub(crate) async fn post_alone(pool: &PgPool, posting: &Posting) -> Result<(), LedgerError> {
    let mut tx = pool.begin().await?;
    post(&mut tx, posting).await?;
    tx.commit().await?;
    Ok(())
}

async fn movement_count(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM movements")
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn concurrent_purchases_of_one_code_sell_exactly_what_is_available(
    pool_options: PgPoolOptions,
    connect_options: PgConnectOptions,
) {
    /// Purchases fired at once, each in its own transaction and connection.
    const PURCHASES: usize = 40;
    let pool = pool_options
        .max_connections(20)
        .connect_with(connect_options)
        .await
        .expect("pool");
    server::demo::seed(&pool).await.expect("demo data");
    assert_eq!(balance(&pool, DILUVIO, oro()).await, quantity("500"));
    // Open the connections first, so that the purchases really start together.
    let warm = join_all((0..20).map(|_| pool.acquire())).await;
    drop(warm);

    let started = Instant::now();
    let results = join_all((0..PURCHASES).map(|i| {
        let pool = pool.clone();
        let buyer = if i % 2 == 0 { OROCAUCA } else { RENTERIA };
        tokio::spawn(async move {
            let posting =
                Posting::compra(format!("COMPRA-{i}"), DILUVIO, buyer, oro(), grams("30"));
            post_alone(&pool, &posting).await
        })
    }))
    .await;
    let elapsed = started.elapsed();

    let mut sold = 0;
    let mut refused = 0;
    for result in results {
        match result.expect("task") {
            Ok(()) => sold += 1,
            Err(LedgerError::ExceedsAvailable {
                codigo_origen,
                available,
                requested,
                ..
            }) => {
                assert_eq!(codigo_origen, oro().codigo_origen);
                assert_eq!(requested, quantity("30"));
                assert!(available < quantity("30"), "refused with {available}");
                refused += 1;
            }
            Err(other) => panic!("only oversells may be refused: {other}"),
        }
    }
    eprintln!(
        "ledger: {PURCHASES} concurrent purchases of 30 g from 500 g: {sold} posted, {refused} refused, in {elapsed:?}"
    );
    assert_eq!((sold, refused), (16, 24));
    assert_eq!(balance(&pool, DILUVIO, oro()).await, quantity("20"));
    let bought = balance(&pool, OROCAUCA, oro())
        .await
        .checked_add(balance(&pool, RENTERIA, oro()).await)
        .expect("sum");
    assert_eq!(bought, quantity("480"));
    // Two demo initial balances, then two movements per purchase; nothing of the refused ones.
    assert_eq!(movement_count(&pool).await, 2 + 2 * 16);

    assert_eq!(seal_pending(&pool).await.expect("seal"), 34);
    let report = verify(&pool).await.expect("verify");
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.movements, report.sealed), (34, 34));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_database_refuses_a_negative_balance_and_any_change_of_the_history(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    post_alone(
        &pool,
        &Posting::compra("COMPRA-1", DILUVIO, OROCAUCA, oro(), grams("10")),
    )
    .await
    .expect("posted");
    seal_pending(&pool).await.expect("seal");

    let negative = sqlx::query(
        "UPDATE balances SET quantity = quantity - 1000 WHERE organization_id = $1 AND codigo_origen = '4DEB01BC'",
    )
    .bind(DILUVIO)
    .execute(&pool)
    .await
    .expect_err("CHECK (quantity >= 0)");
    assert_eq!(
        negative
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("23514"),
        "{negative}"
    );

    for statement in [
        "UPDATE movements SET delta = delta * 2",
        "DELETE FROM movements",
        "TRUNCATE movements CASCADE",
        "UPDATE ledger_postings SET reference = 'X'",
        "DELETE FROM ledger_postings",
        "UPDATE movement_seals SET entry_hash = prev_hash",
        "DELETE FROM movement_seals",
        "TRUNCATE movement_seals",
    ] {
        let error = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect_err(statement);
        assert!(
            error.to_string().contains("solo admite inserciones"),
            "{statement}: {error}"
        );
    }
    assert_eq!(movement_count(&pool).await, 4);
    assert_eq!(balance(&pool, DILUVIO, oro()).await, quantity("490"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_chain_is_sealed_behind_the_commits_in_batches_and_verifies(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    assert_eq!(seal_pending(&pool).await.expect("seal"), 2);
    assert_eq!(seal_pending(&pool).await.expect("seal"), 0);

    // A refused posting inside a transaction leaves that transaction usable (a savepoint)…
    let mut tx = pool.begin().await.expect("tx");
    let refused = post(
        &mut tx,
        &Posting::compra("COMPRA-X", DILUVIO, OROCAUCA, oro(), grams("501")),
    )
    .await;
    assert!(matches!(refused, Err(LedgerError::ExceedsAvailable { .. })));
    post(
        &mut tx,
        &Posting::compra("COMPRA-1", DILUVIO, OROCAUCA, oro(), grams("100")),
    )
    .await
    .expect("posted after a refusal");
    // …and a rolled-back posting leaves a gap in `sequence` that the chain does not mind.
    tx.rollback().await.expect("rollback");
    post_alone(
        &pool,
        &Posting::compra("COMPRA-2", DILUVIO, OROCAUCA, oro(), grams("100")),
    )
    .await
    .expect("posted");
    post_alone(
        &pool,
        &Posting::compra("COMPRA-3", OROCAUCA, RENTERIA, oro(), grams("12.5")),
    )
    .await
    .expect("resold under the same code");
    assert_eq!(seal_pending(&pool).await.expect("seal"), 4);

    let report = verify(&pool).await.expect("verify");
    assert!(report.is_clean(), "{report:?}");
    assert_eq!((report.movements, report.sealed), (6, 6));
    assert_eq!(balance(&pool, OROCAUCA, oro()).await, quantity("87.5"));
    let positions: Vec<i64> =
        sqlx::query_scalar("SELECT chain_position FROM movement_seals ORDER BY sequence")
            .fetch_all(&pool)
            .await
            .expect("positions");
    assert_eq!(positions, [1, 2, 3, 4, 5, 6]);

    // Seeding the demonstration again posts nothing twice.
    server::demo::seed(&pool).await.expect("demo data again");
    assert_eq!(movement_count(&pool).await, 6);
    assert_eq!(balance(&pool, DILUVIO, oro()).await, quantity("400"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_posting_held_open_while_others_commit_is_sealed_once_it_commits(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    assert_eq!(seal_pending(&pool).await.expect("seal"), 2);
    // A slow posting draws the lower sequences and stays open (a 10 000-line purchase, a stalled
    // connection)…
    let mut slow = pool.begin().await.expect("tx");
    post(
        &mut slow,
        &Posting::compra("LENTA", DILUVIO, OROCAUCA, plata(), grams("1")),
    )
    .await
    .expect("posted, not committed");
    // …while others, on other balances, commit and are sealed.
    for n in 0..5 {
        post_alone(
            &pool,
            &Posting::compra(format!("RAPIDA-{n}"), DILUVIO, OROCAUCA, oro(), grams("1")),
        )
        .await
        .expect("posted");
    }
    assert_eq!(seal_pending(&pool).await.expect("seal"), 10);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        seal_pending(&pool).await.expect("seal"),
        0,
        "nothing uncommitted is sealed"
    );
    slow.commit().await.expect("commit");
    assert_eq!(
        seal_pending(&pool).await.expect("seal"),
        2,
        "the late commit is chained"
    );

    let report = verify(&pool).await.expect("verify");
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(
        (report.movements, report.sealed, report.unsealed),
        (14, 14, 0)
    );
    // The slow posting's movements drew lower sequences but are later links of the chain.
    let late: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.sequence, s.chain_position FROM movements m JOIN movement_seals s USING (sequence)
         JOIN ledger_postings p USING (posting_id) WHERE p.reference = 'LENTA' ORDER BY m.sequence",
    )
    .fetch_all(&pool)
    .await
    .expect("the slow movements");
    assert!(
        late.iter()
            .all(|(sequence, position)| *sequence < 5 && *position > 12),
        "{late:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn verify_reports_a_tampered_movement_and_the_balance_it_no_longer_explains(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    post_alone(
        &pool,
        &Posting::compra("COMPRA-1", DILUVIO, OROCAUCA, oro(), grams("30")),
    )
    .await
    .expect("posted");
    seal_pending(&pool).await.expect("seal");
    let (sequence, position): (i64, i64) = sqlx::query_as(
        "SELECT m.sequence, s.chain_position FROM movements m JOIN movement_seals s USING (sequence)
         WHERE m.kind = 'COMPRA_SALIDA'",
    )
    .fetch_one(&pool)
    .await
    .expect("the seller's movement");

    // Someone with the database's superuser rights sells less on paper.
    let mut conn = pool.acquire().await.expect("connection");
    for statement in [
        "ALTER TABLE movements DISABLE TRIGGER movements_insert_only",
        "UPDATE movements SET delta = -3 WHERE kind = 'COMPRA_SALIDA'",
        "ALTER TABLE movements ENABLE TRIGGER movements_insert_only",
    ] {
        sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .expect(statement);
    }
    drop(conn);

    let report = verify(&pool).await.expect("verify");
    assert!(!report.is_clean());
    let fault = report.chain.expect("the chain breaks");
    assert_eq!(
        (fault.movement_sequence, fault.chain_position),
        (sequence, position)
    );
    assert!(
        fault.message.starts_with(&format!(
            "La cadena de movimientos está rota en el movimiento {position}"
        )),
        "{}",
        fault.message
    );
    assert_eq!(report.balance_mismatches_total, 1);
    let mismatch = &report.balance_mismatches[0];
    assert_eq!(
        (
            mismatch.organization_id,
            mismatch.codigo_origen.as_str(),
            mismatch.razon_social.as_str()
        ),
        (DILUVIO, "4DEB01BC", "MINERA EL DILUVIO GOLD S.A.S")
    );
    assert_eq!(mismatch.stored, Decimal::from(470));
    assert_eq!(mismatch.from_movements, Decimal::from(497));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn postings_that_break_a_rule_are_refused_whole(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    let line = |organization_id, delta: &str| PostingLine {
        organization_id,
        key: oro(),
        delta: Decimal::from_str(delta).expect("decimal"),
    };
    let compra = |lines| Posting {
        kind: PostingKind::Compra,
        reference: "COMPRA-1".to_owned(),
        lines,
        reverses: None,
        operation_date: None,
    };

    // A transfer that creates mineral: 30 g out, 40 g in.
    let error = post_alone(
        &pool,
        &compra(vec![line(DILUVIO, "-30"), line(OROCAUCA, "40")]),
    )
    .await
    .expect_err("unbalanced");
    assert!(
        matches!(error, LedgerError::Unbalanced { sum, .. } if sum == Decimal::from(10)),
        "{error}"
    );
    assert!(error.to_string().contains("deben sumar cero"), "{error}");
    // A purchase with a line whose sign contradicts its kind cannot exist either: only the
    // initial balance creates mineral, and it cannot take any.
    let error = post_alone(
        &pool,
        &Posting {
            kind: PostingKind::SaldoInicial,
            reference: "SI-1".to_owned(),
            lines: vec![line(DILUVIO, "-5")],
            reverses: None,
            operation_date: None,
        },
    )
    .await
    .expect_err("negative initial balance");
    assert!(
        matches!(error, LedgerError::InvalidLine { line: 1, .. }),
        "{error}"
    );
    for (lines, what) in [
        (vec![], "empty"),
        (
            vec![
                line(DILUVIO, "-1"),
                line(DILUVIO, "-1"),
                line(OROCAUCA, "2"),
            ],
            "the same balance twice",
        ),
        (
            vec![line(DILUVIO, "-0.00001"), line(OROCAUCA, "0.00001")],
            "five decimals",
        ),
        (vec![line(DILUVIO, "0"), line(OROCAUCA, "0")], "zero"),
    ] {
        post_alone(&pool, &compra(lines)).await.expect_err(what);
    }
    let unknown = BalanceKey::new(
        CodigoOrigen::parse("00000001").expect("code"),
        Mineral::resolve("ORO").expect("listed"),
    );
    let error = post_alone(
        &pool,
        &Posting::compra("COMPRA-2", DILUVIO, OROCAUCA, unknown, grams("1")),
    )
    .await
    .expect_err("never issued");
    assert!(
        matches!(error, LedgerError::UnknownCodigoOrigen { .. }),
        "{error}"
    );
    // An oversell names the code and both figures, in Spanish.
    let error = post_alone(
        &pool,
        &Posting::compra("COMPRA-3", DILUVIO, OROCAUCA, oro(), grams("500.0001")),
    )
    .await
    .expect_err("oversold");
    assert_eq!(
        error.to_string(),
        "La venta de 500,0001 g de ORO con el código de origen 4DEB01BC supera el disponible (500,0000 g)."
    );

    // Nothing of any of them was written.
    assert_eq!(movement_count(&pool).await, 2);
    let postings: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger_postings")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(postings, 2);
    assert_eq!(balance(&pool, DILUVIO, oro()).await, quantity("500"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn balances_and_movements_are_read_per_organisation(pool: PgPool) {
    server::demo::seed(&pool).await.expect("demo data");
    post_alone(
        &pool,
        &Posting::compra("COMPRA-1", DILUVIO, OROCAUCA, oro(), grams("30")),
    )
    .await
    .expect("posted");

    let seller: Vec<(String, String, String)> = balances_of(&pool, DILUVIO)
        .await
        .expect("balances")
        .into_iter()
        .map(|e| {
            (
                e.codigo_origen.to_string(),
                e.mineral.to_string(),
                e.quantity.to_string(),
            )
        })
        .collect();
    assert_eq!(
        seller,
        [
            ("4DEB01BC".into(), "ORO".into(), "470,0000".into()),
            ("5A1C9E07".into(), "PLATA".into(), "900,0000".into()),
        ]
    );
    let buyer = balances_of(&pool, OROCAUCA).await.expect("balances");
    assert_eq!(buyer.len(), 1);
    assert_eq!(buyer[0].quantity, quantity("30"));
    assert!(
        balances_of(&pool, RENTERIA)
            .await
            .expect("balances")
            .is_empty()
    );

    let history = movements_of(&pool, OROCAUCA, oro().codigo_origen)
        .await
        .expect("movements");
    assert_eq!(history.len(), 1, "only the buyer's own movement");
    assert_eq!(history[0].delta, Decimal::from(30));
    assert_eq!(history[0].reference, "COMPRA-1");
    let history = movements_of(&pool, DILUVIO, oro().codigo_origen)
        .await
        .expect("movements");
    let deltas: Vec<Decimal> = history.iter().map(|m| m.delta).collect();
    assert_eq!(
        deltas,
        [Decimal::from(-30), Decimal::from(500)],
        "newest first"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_ottm_administrator_issues_origin_codes_with_their_balance(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in("admin.ottm").await;
    let holders = app.call("codigos-origen/titulares", &[]).await.json();
    assert_eq!(
        holders[0]["razon_social"], "MINERA EL DILUVIO GOLD S.A.S",
        "{holders}"
    );
    assert_eq!(
        holders.as_array().map(Vec::len),
        Some(1),
        "title holders only"
    );

    let draft = |holder: &str, quantity: &str| {
        [
            ("draft[holder]", holder.to_owned()),
            ("draft[mineral]", "oro".to_owned()),
            ("draft[unit]", "kg".to_owned()),
            ("draft[quantity]", quantity.to_owned()),
            ("draft[issued_on]", "05/03/2025".to_owned()),
        ]
    };
    let response = call_as(&app, &draft(&DILUVIO.to_string(), "1,5")).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let code = response.json().as_str().expect("the code").to_owned();
    let code = CodigoOrigen::parse(&code).expect("an origin code");
    assert_ne!(code, oro().codigo_origen);
    let key = BalanceKey::new(code, Mineral::resolve("ORO").expect("listed"));
    assert_eq!(
        balance(&app.pool, DILUVIO, key).await,
        quantity("1500"),
        "1,5 kg kept in grams"
    );
    let listed = app.call("codigos-origen", &[]).await.json();
    assert_eq!(listed[0]["codigo_origen"], code.to_string(), "{listed}");
    assert_eq!(listed[0]["holder"], "MINERA EL DILUVIO GOLD S.A.S");
    assert_eq!(listed[0]["issued_on"], "05/03/2025");
    assert_eq!(listed.as_array().map(Vec::len), Some(3));

    // Refused field by field, on the server too.
    let response = call_as(&app, &draft(&DILUVIO.to_string(), "-1")).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = &response.json()["Invalid"]["errors"];
    assert_eq!(errors[0]["field"], "quantity", "{errors}");
    let response = call_as(&app, &draft(&OROCAUCA.to_string(), "1")).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.json()["Invalid"]["errors"][0]["code"],
        "holder_not_title_holder"
    );

    // Nobody else may issue codes.
    for user in [DILUVIO_ADMIN, AUDITOR_ANM] {
        let other = TestApp::new(app.pool.clone());
        other.sign_in(user).await;
        let response = call_as(&other, &draft(&DILUVIO.to_string(), "1")).await;
        assert_eq!(response.json(), "Forbidden", "{user}");
        let page = other.get("/codigos-origen").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{user}");
        assert!(page.body.contains("Su rol no le permite hacer esto."));
    }
    let page = app.get("/codigos-origen").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Emitir un código de origen"));
}

async fn call_as(app: &TestApp, draft: &[(&str, String)]) -> crate::helpers::TestResponse {
    let borrowed: Vec<(&str, &str)> = draft.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("codigos-origen/emitir", &borrowed).await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_regulator_verifies_the_ledger_and_participants_may_not(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    seal_pending(&app.pool).await.expect("seal");
    app.sign_in(AUDITOR_ANM).await;
    let bogota_hour = || {
        format!(
            "{:02}",
            time::OffsetDateTime::now_utc()
                .to_offset(domain::fecha::BOGOTA)
                .hour()
        )
    };
    let hour_before = bogota_hour();
    let response = app.call("libro/verificar", &[]).await;
    let hour_after = bogota_hour();
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let verified = response.json();
    let report = &verified["report"];
    assert_eq!(report["chain"], serde_json::Value::Null, "{report}");
    assert_eq!(report["sealed"], 2);
    assert_eq!(report["balance_mismatches_total"], 0);
    // Read on the primary here: the data is as of now, HH:MM:SS in Bogotá.
    let as_of = verified["data_as_of"].as_str().expect("data_as_of");
    assert_eq!(as_of.len(), 8, "{as_of}");
    assert!(
        [hour_before, hour_after].contains(&as_of[..2].to_owned()),
        "{as_of}"
    );
    assert_eq!(app.get("/verificacion").await.status, StatusCode::OK);

    let participant = TestApp::new(app.pool.clone());
    participant.sign_in(DILUVIO_ADMIN).await;
    let response = participant.call("libro/verificar", &[]).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.json(), "Forbidden");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_auditor_filters_every_organisations_movements_and_organisations_may_not(pool: PgPool) {
    let auditor = TestApp::with_demo_data(pool.clone()).await;
    auditor.sign_in(AUDITOR_ANM).await;
    post_alone(
        &pool,
        &Posting::compra("VENTA-AUDITADA", DILUVIO, OROCAUCA, oro(), grams("3")),
    )
    .await
    .expect("ok");
    let search = |fields: &[(&str, &str)]| {
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (format!("filter[{k}]"), (*v).to_owned()))
            .collect();
        let auditor = &auditor;
        async move { crate::compras::call(auditor, "auditoria/movimientos", &fields).await }
    };
    let all = search(&[]).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert!(all.json()["report"].as_array().expect("ok").len() >= 3);
    let sold = search(&[
        ("organizacion", "diluvio"),
        ("tipo", "COMPRA_SALIDA"),
        ("codigo", "4DEB01BC"),
    ])
    .await;
    let rows = &sold.json()["report"];
    assert_eq!(rows.as_array().expect("ok").len(), 1, "{rows}");
    assert_eq!(rows[0]["cantidad"], "-3,0000");
    assert_eq!(rows[0]["referencia"], "VENTA-AUDITADA");
    let bad = search(&[
        ("codigo", "NO"),
        ("desde", "31/12/2026"),
        ("hasta", "01/01/2026"),
    ])
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let page = auditor.get("/auditoria/movimientos").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("VENTA-AUDITADA"),
        "the page lists the movements"
    );
    let organisation = TestApp::new(pool.clone());
    organisation.sign_in(DILUVIO_ADMIN).await;
    let refused = crate::compras::call(&organisation, "auditoria/movimientos", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}
