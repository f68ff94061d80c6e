//! *Transformaciones* through the HTTP interface: the mass balance refused or posted, new origin
//! codes with their lineage, the loss alert, a retry that registers nothing twice, and the
//! reversal while the outputs are untouched.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::{Posting, verify};
use axum::http::StatusCode;
use domain::{BalanceKey, CodigoOrigen, Mineral, Quantity};
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;
use uuid::Uuid;

use crate::compras::{SHA, call, today, with};
use crate::helpers::{DILUVIO_OPERADOR, TestApp, TestResponse};
use crate::ledger::{DILUVIO, OROCAUCA, balance, grams, oro, post_alone};

async fn holder(pool: PgPool) -> TestApp {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_OPERADOR).await;
    app
}

/// 100 g of DILUVIO's gold (4DEB01BC) at ley 0,85 with 0,10 of silver, into `gold` g of gold and
/// `silver` g of silver.
fn dore(id: &str, gold: &str, silver: &str, justification: &str) -> Vec<(String, String)> {
    with(
        Vec::new(),
        &[
            ("transformation_id", id),
            ("draft[fecha]", &today()),
            ("draft[process]", "REFINACION"),
            ("draft[support_sha256]", SHA),
            ("draft[justification]", justification),
            ("draft[inputs][0][codigo_origen]", "4DEB01BC"),
            ("draft[inputs][0][mineral]", "ORO"),
            ("draft[inputs][0][unit]", "g"),
            ("draft[inputs][0][quantity]", "100"),
            ("draft[inputs][0][contents][0][element]", "ORO"),
            ("draft[inputs][0][contents][0][ley]", "0,85"),
            ("draft[inputs][0][contents][1][element]", "PLATA"),
            ("draft[inputs][0][contents][1][ley]", "0,10"),
            ("draft[outputs][0][mineral]", "ORO"),
            ("draft[outputs][0][quantity]", gold),
            ("draft[outputs][0][unit]", "g"),
            ("draft[outputs][0][ley]", "1"),
            ("draft[outputs][1][mineral]", "PLATA"),
            ("draft[outputs][1][quantity]", silver),
            ("draft[outputs][1][unit]", "g"),
            ("draft[outputs][1][ley]", "1"),
        ],
    )
}

async fn register(app: &TestApp, fields: &[(String, String)]) -> TestResponse {
    call(app, "transformaciones/registrar", fields).await
}

/// The new origin code of the output of `mineral` of a transformation.
async fn output_code(pool: &PgPool, id: &str, mineral: &str) -> CodigoOrigen {
    let code: String = sqlx::query_scalar(
        "SELECT DISTINCT l.codigo_origen::text FROM origin_lineage l
         JOIN origin_codes o ON o.codigo_origen = l.codigo_origen
         WHERE l.transformation_id = $1::uuid AND o.mineral = $2",
    )
    .bind(id)
    .bind(mineral)
    .fetch_one(pool)
    .await
    .unwrap();
    CodigoOrigen::parse(&code).unwrap()
}

fn key(code: CodigoOrigen, mineral: &str) -> BalanceKey {
    BalanceKey::new(code, Mineral::resolve(mineral).unwrap())
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_transformation_posts_its_mass_balance_with_lineage_once(pool: PgPool) {
    let app = holder(pool.clone()).await;
    let id = Uuid::new_v4().to_string();

    // More gold out than went in: refused at the output, nothing moved.
    let too_much = register(&app, &dore(&id, "86", "9", "")).await;
    assert_eq!(
        too_much.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_much.body
    );
    assert!(
        too_much.body.contains("outputs[0].quantity"),
        "{}",
        too_much.body
    );
    assert!(
        too_much
            .body
            .contains("transformation_output_exceeds_input"),
        "{}",
        too_much.body
    );
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("500").unwrap()
    );

    let done = register(&app, &dore(&id, "84", "9", "")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let again = register(&app, &dore(&id, "84", "9", "")).await;
    assert_eq!(again.json(), done.json(), "a retry answers the same");
    let postings: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ledger_postings WHERE kind = 'TRANSFORMACION'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(postings, 1);

    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("400").unwrap()
    );
    let gold = output_code(&pool, &id, "ORO").await;
    let silver = output_code(&pool, &id, "PLATA").await;
    assert_eq!(
        balance(&pool, DILUVIO, key(gold, "ORO")).await,
        Quantity::parse("84").unwrap()
    );
    assert_eq!(
        balance(&pool, DILUVIO, key(silver, "PLATA")).await,
        Quantity::parse("9").unwrap()
    );
    // Each output names its source with the share it contributed (here all of it).
    let lineage: Vec<(String, String, Decimal)> = sqlx::query_as(
        "SELECT codigo_origen::text, source_codigo_origen::text, share FROM origin_lineage
         WHERE transformation_id = $1::uuid ORDER BY codigo_origen",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(lineage.len(), 2);
    assert!(
        lineage
            .iter()
            .all(|(_, source, share)| source == "4DEB01BC" && *share == Decimal::ONE),
        "{lineage:?}"
    );
    let source: String =
        sqlx::query_scalar("SELECT source FROM origin_codes WHERE codigo_origen = $1")
            .bind(gold.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(source, "TRANSFORMACION");
    // The page lists it with its mass balance.
    let list = call(&app, "transformaciones/lista", &[]).await;
    let row = &list.json()[0];
    assert_eq!(row["reversible"], true);
    assert!(
        row["losses"][0]
            .as_str()
            .unwrap()
            .starts_with("ORO: entra 85"),
        "{row}"
    );

    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_loss_above_the_threshold_needs_a_justification_and_alerts(pool: PgPool) {
    let app = holder(pool.clone()).await;
    let id = Uuid::new_v4().to_string();
    // 85 g of fine gold in, 60 out: a 29 % loss.
    let bare = register(&app, &dore(&id, "60", "9", "")).await;
    assert_eq!(
        bare.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bare.body
    );
    assert!(bare.body.contains("\"justification\""), "{}", bare.body);
    let justified = register(
        &app,
        &dore(
            &id,
            "60",
            "9",
            "Crisol fisurado durante la fundición; se recuperan las escorias en enero.",
        ),
    )
    .await;
    assert_eq!(justified.status, StatusCode::OK, "{}", justified.body);
    let alerts: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM alerts WHERE kind = 'PERDIDA_TRANSFORMACION'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].contains("Crisol fisurado"), "{}", alerts[0]);

    // More than the holder has: refused by the ledger, named.
    let mut huge = dore(
        &Uuid::new_v4().to_string(),
        "60",
        "9",
        "Pérdida grande explicada en el acta de fundición.",
    );
    for (k, v) in &mut huge {
        if k == "draft[inputs][0][quantity]" {
            *v = "1000".into();
        }
    }
    let refused = register(&app, &huge).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("4DEB01BC"), "{}", refused.body);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_transformation_is_reversed_exactly_while_its_outputs_are_untouched(pool: PgPool) {
    let app = holder(pool.clone()).await;
    let first = Uuid::new_v4().to_string();
    let second = Uuid::new_v4().to_string();
    assert_eq!(
        register(&app, &dore(&first, "84", "9", "")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        register(&app, &dore(&second, "84", "9", "")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("300").unwrap()
    );

    // The first's gold is sold: it cannot be reversed any more.
    let sold = output_code(&pool, &first, "ORO").await;
    post_alone(
        &pool,
        &Posting::compra("VENTA-1", DILUVIO, OROCAUCA, key(sold, "ORO"), grams("1")),
    )
    .await
    .unwrap();
    let refused = call(
        &app,
        "transformaciones/revertir",
        &with(Vec::new(), &[("transformation_id", &first)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("ya se vendieron"), "{}", refused.body);

    let reversed = call(
        &app,
        "transformaciones/revertir",
        &with(Vec::new(), &[("transformation_id", &second)]),
    )
    .await;
    assert_eq!(reversed.status, StatusCode::OK, "{}", reversed.body);
    assert!(reversed.json()["reversed"].is_string());
    let again = call(
        &app,
        "transformaciones/revertir",
        &with(Vec::new(), &[("transformation_id", &second)]),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        balance(&pool, DILUVIO, oro()).await,
        Quantity::parse("400").unwrap()
    );
    let gold = output_code(&pool, &second, "ORO").await;
    assert_eq!(
        balance(&pool, DILUVIO, key(gold, "ORO")).await,
        Quantity::ZERO
    );
    let (kind, names): (String, bool) = sqlx::query_as(
        "SELECT p.kind, p.reverses_posting_id = t.posting_id FROM transformations t
         JOIN ledger_postings p ON p.posting_id = t.reversal_posting_id WHERE t.transformation_id = $1::uuid",
    )
    .bind(&second)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((kind.as_str(), names), ("REVERSION_TRANSFORMACION", true));
    // Another organisation's transformation does not exist for it.
    let other = TestApp::new(pool.clone());
    other.sign_in(crate::helpers::OROCAUCA_OPERADOR).await;
    let foreign = call(
        &other,
        "transformaciones/revertir",
        &with(Vec::new(), &[("transformation_id", &first)]),
    )
    .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{}", foreign.body);
    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_trail_of_a_sold_product_leads_back_to_the_mining_title(pool: PgPool) {
    // COMERCIALIZADORA ORO DEL CAUCA buys 100 g of doré from MINERA EL DILUVIO, refines it and
    // sells 20 g of the refined gold.
    let app = TestApp::with_demo_data(pool.clone()).await;
    app.sign_in(crate::helpers::OROCAUCA_OPERADOR).await;
    post_alone(
        &pool,
        &Posting::compra("COMPRA-DORE", DILUVIO, OROCAUCA, oro(), grams("100")),
    )
    .await
    .unwrap();
    let id = Uuid::new_v4().to_string();
    let done = register(&app, &dore(&id, "84", "9", "")).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let refined = output_code(&pool, &id, "ORO").await;
    post_alone(
        &pool,
        &Posting::compra(
            "VENTA-REFINADO",
            OROCAUCA,
            crate::ledger::RENTERIA,
            key(refined, "ORO"),
            grams("20"),
        ),
    )
    .await
    .unwrap();

    let trail = call(
        &app,
        "trazabilidad",
        &with(Vec::new(), &[("codigo_origen", &refined.to_string())]),
    )
    .await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.body);
    let (json, svg) = (
        &trail.json()[0],
        trail.json()[1].as_str().unwrap().to_owned(),
    );
    let node = |code: &str| {
        json["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["codigo_origen"] == code)
            .cloned()
            .unwrap_or_else(|| panic!("{code} in {json}"))
    };
    let root = node("4DEB01BC");
    assert_eq!(root["depth"], -1);
    assert_eq!(
        root["origin"],
        "Título minero T14292011-003 · MINERA EL DILUVIO GOLD S.A.S"
    );
    let product = node(&refined.to_string());
    assert_eq!(product["depth"], 0);
    assert!(
        product["origin"]
            .as_str()
            .unwrap()
            .starts_with("Refinación de COMERCIALIZADORA"),
        "{product}"
    );
    let sold = product["transfers"].as_array().unwrap().iter().any(|t| {
        t["kind"] == "COMPRA"
            && t["from"].as_str().unwrap().starts_with("COMERCIALIZADORA")
            && t["quantity"] == "20,0000"
    });
    assert!(sold, "{product}");
    assert_eq!(json["edges"][0]["from"], "4DEB01BC");
    assert_eq!(json["edges"][0]["share"], "1,000000");
    assert!(
        svg.starts_with("<svg") && svg.contains("MINERA EL DILUVIO"),
        "{svg}"
    );
    // The buyer sees only the transfers it took part in: not DILUVIO's other sales of the code.
    post_alone(
        &pool,
        &Posting::compra(
            "OTRA-VENTA",
            DILUVIO,
            crate::ledger::RENTERIA,
            oro(),
            grams("1"),
        ),
    )
    .await
    .unwrap();
    let again = call(
        &app,
        "trazabilidad",
        &with(Vec::new(), &[("codigo_origen", &refined.to_string())]),
    )
    .await;
    assert!(
        !again.body.contains("OTRA")
            && again.json()[0]["nodes"][0]["transfers"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| {
                    t["from"]
                        .as_str()
                        .is_some_and(|f| f.starts_with("COMERCIALIZADORA"))
                        || t["to"]
                            .as_str()
                            .is_some_and(|f| f.starts_with("COMERCIALIZADORA"))
                }),
        "{}",
        again.body
    );
    // The auditor sees every transfer; an organisation that never held any of its codes, nothing.
    let auditor = TestApp::new(pool.clone());
    auditor.sign_in(crate::helpers::AUDITOR_ANM).await;
    let full = call(
        &auditor,
        "trazabilidad",
        &with(Vec::new(), &[("codigo_origen", "4DEB01BC")]),
    )
    .await;
    assert_eq!(full.status, StatusCode::OK, "{}", full.body);
    let root = &full.json()[0]["nodes"][0];
    assert_eq!(root["codigo_origen"], "4DEB01BC");
    assert!(root["transfers"].as_array().unwrap().len() >= 4, "{root}");
    assert_eq!(
        full.json()[0]["nodes"][1]["depth"],
        1,
        "forwards to the refined gold"
    );
    let stranger = TestApp::new(pool.clone());
    stranger.sign_in(crate::helpers::DILUVIO_OPERADOR).await;
    let unrelated = call(
        &stranger,
        "trazabilidad",
        &with(Vec::new(), &[("codigo_origen", "ABCDEF12")]),
    )
    .await;
    assert_eq!(
        unrelated.status,
        StatusCode::NOT_FOUND,
        "{}",
        unrelated.body
    );
}
