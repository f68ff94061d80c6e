//! Purchases from subsistence miners: the registry (CSV load, active and inactive miners), the
//! cupos summed across buyers and dated by the transaction, the race for the last grams, the
//! origin code per miner and mineral, and what the miner is told.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::verify;
use axum::http::StatusCode;
use domain::subsistence::{SubsistenceCap, SubsistenceCaps};
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;
use time::macros::offset;

use crate::compras::{SHA, call, with};
use crate::helpers::{DILUVIO_OPERADOR, OROCAUCA_OPERADOR, TestApp, TestResponse, last_text};

const MINER_MOBILE: &str = "+573001110003";
const MINER_EMAIL: &str = "jose.renteria@demo.veta.com.co";

/// A date of this year's calendar in Bogotá, `DD/MM/AAAA`, `months_back` months before today's
/// month (day 1 when in the past, today when 0).
fn date(months_back: u8) -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(offset!(-5));
    if months_back == 0 {
        return format!(
            "{:02}/{:02}/{}",
            now.day(),
            u8::from(now.month()),
            now.year()
        );
    }
    let month = i32::from(u8::from(now.month())) - i32::from(months_back);
    let (year, month) = if month >= 1 {
        (now.year(), month)
    } else {
        (now.year() - 1, month + 12)
    };
    format!("01/{month:02}/{year}")
}

/// A purchase of `grams` of gold from JOSÉ ANTONIO RENTERÍA MOSQUERA, dated `fecha`.
fn draft(grams: &str, fecha: &str) -> Vec<(String, String)> {
    [
        ("draft[seller_type]", "MINERO_SUBSISTENCIA"),
        ("draft[seller][document_type]", "CC"),
        ("draft[seller][document_number]", "11801234"),
        ("draft[transaction][invoice_date]", fecha),
        ("draft[transaction][transaction_date]", fecha),
        ("draft[transaction][sha256]", SHA),
        ("draft[transaction][currency]", "COP"),
        ("draft[transaction][departamento]", "27"),
        ("draft[transaction][municipio]", "27001"),
        ("draft[lines][0][mineral]", "ORO"),
        ("draft[lines][0][quantity]", grams),
        ("draft[lines][0][unit]", "g"),
        ("draft[lines][0][value]", "3.000.000"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// Sends the purchase for confirmation ("Enviar"); answers the response.
async fn submit(app: &TestApp, grams: &str, fecha: &str) -> TestResponse {
    call(app, "compras/enviar", &draft(grams, fecha)).await
}

/// The validation code of the newest SMS to the miner.
async fn sms_code(pool: &PgPool) -> String {
    let text = last_text(pool, "SMS", Some(MINER_MOBILE)).await;
    let start = text.find("validacion: ").expect("a code in the SMS") + "validacion: ".len();
    text[start..start + 8].to_owned()
}

async fn confirm(app: &TestApp, compra_id: &str, code: &str) -> TestResponse {
    call(
        app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", compra_id), ("code", code)]),
    )
    .await
}

/// A whole purchase: sent, its code read from the SMS, confirmed. Answers the PTM code.
async fn buy(app: &TestApp, grams: &str, fecha: &str) -> String {
    let response = submit(app, grams, fecha).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let compra_id = response.json()["compra_id"].as_str().unwrap().to_owned();
    let code = sms_code(&app.pool).await;
    let response = confirm(app, &compra_id, &code).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["ptm_code"].as_str().unwrap().to_owned()
}

async fn signed_in(pool: PgPool, caps: SubsistenceCaps, username: &str) -> TestApp {
    server::demo::seed(&pool).await.unwrap();
    let app = TestApp::with_caps(pool, caps);
    app.sign_in(username).await;
    app
}

/// The buyer's gold under the miner's origin code(s).
async fn bought_from_miner(pool: &PgPool) -> (Vec<String>, Decimal) {
    sqlx::query_as(
        "SELECT array_agg(DISTINCT c.codigo_origen::text), coalesce(sum(b.quantity), 0)
         FROM balances b
         JOIN origin_codes c ON c.codigo_origen = b.codigo_origen
         JOIN organizations miner ON miner.organization_id = c.organization_id
         JOIN organizations buyer ON buyer.organization_id = b.organization_id
         WHERE miner.document_number = '11801234' AND c.source = 'MINERO_SUBSISTENCIA'
           AND buyer.document_number = '900123456-8'",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_miner_sells_within_its_cupo_under_one_origin_code_and_is_told_what_is_left(
    pool: PgPool,
) {
    let app = signed_in(pool.clone(), SubsistenceCaps::default(), OROCAUCA_OPERADOR).await;

    // Before confirming, the buyer sees the cupo left (35 g a month, nothing sold yet).
    let response = submit(&app, "10", &date(0)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let view = response.json();
    assert_eq!(view["status"], "PENDIENTE_POR_CONFIRMAR");
    assert_eq!(view["channel"], "COMPRADOR");
    assert_eq!(view["cupos"][0]["mineral"], "METALES_PRECIOSOS");
    assert_eq!(view["cupos"][0]["month"], "35");
    // The code went by SMS and to the miner's email.
    let sms = last_text(&pool, "SMS", Some(MINER_MOBILE)).await;
    assert!(sms.contains("le compra 10,0000 g ORO"), "{sms}");
    assert!(
        app.last_email_to(MINER_EMAIL)
            .await
            .contains("de la transacción: ")
    );
    let compra_id = view["compra_id"].as_str().unwrap().to_owned();
    let response = confirm(&app, &compra_id, &sms_code(&pool).await).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let ptm = response.json()["ptm_code"].as_str().unwrap().to_owned();

    // The purchase's page: its events (who did what) and the movement it posted.
    let detail = app
        .call("compras/detalle", &[("compra_id", &compra_id)])
        .await
        .json();
    assert_eq!(detail["ptm_code"], ptm.as_str());
    let events: Vec<(&str, &str)> = detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events,
        [
            ("enviar el código de validación", "PENDIENTE_POR_CONFIRMAR"),
            ("confirmar la transacción", "CONFIRMADA")
        ]
    );
    assert_eq!(detail["events"][1]["actor"], "CARLOS MEJÍA");
    assert_eq!(detail["postings"].as_array().unwrap().len(), 1);
    assert_eq!(detail["postings"][0]["kind"], "COMPRA_ENTRADA");
    assert_eq!(detail["postings"][0]["delta"], "10,0000");
    let stranger = TestApp::new(pool.clone());
    stranger.sign_in(DILUVIO_OPERADOR).await;
    let hidden = stranger
        .call("compras/detalle", &[("compra_id", &compra_id)])
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // The miner learns its cupo left, by SMS and email.
    let told = last_text(&pool, "SMS", Some(MINER_MOBILE)).await;
    assert!(told.contains(&ptm), "{told}");
    assert!(told.contains("25 g en el mes, 410 g en el año"), "{told}");
    let email = app.last_email_to(MINER_EMAIL).await;
    assert!(email.contains("saldos o cupos"), "{email}");

    // A second purchase reuses the miner's code; one that exceeds the month is refused with
    // the figure left.
    buy(&app, "5", &date(0)).await;
    let (codes, grams) = bought_from_miner(&pool).await;
    assert_eq!(codes.len(), 1, "one code per miner and mineral: {codes:?}");
    assert_eq!(grams, Decimal::from(15));
    let refused = submit(&app, "21", &date(0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.json()["Invalid"]["errors"][0].clone();
    assert_eq!(error["code"], "subsistence_exceeds_monthly_cap");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("disponible 20 g"),
        "{error}"
    );

    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn two_buyers_racing_for_the_last_5_grams_of_a_cupo_exactly_one_wins(pool: PgPool) {
    let first = signed_in(pool.clone(), SubsistenceCaps::default(), OROCAUCA_OPERADOR).await;
    let second = TestApp::new(pool.clone());
    second.sign_in(DILUVIO_OPERADOR).await;
    buy(&first, "30", &date(0)).await;

    // Both send a purchase of the last 5 g (each passes the check before confirmation)...
    let mut pending = Vec::new();
    for app in [&first, &second] {
        let response = submit(app, "5", &date(0)).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let compra_id = response.json()["compra_id"].as_str().unwrap().to_owned();
        pending.push((compra_id, sms_code(&pool).await));
    }
    // ...and both confirm at once: exactly one gets through. Two locks serialise confirmations
    // of one miner: the miner's row (taken by the cupo check) and the wrong-code limit's lock on
    // the seller (`limits::check`); either alone makes the second read what the first recorded.
    let (a, b) = tokio::join!(
        confirm(&first, &pending[0].0, &pending[0].1),
        confirm(&second, &pending[1].0, &pending[1].1)
    );
    let statuses = [a.status, b.status];
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{} / {}",
        a.body,
        b.body
    );
    let loser = if a.status == StatusCode::OK { &b } else { &a };
    assert!(
        loser.body.contains("subsistence_exceeds_monthly_cap"),
        "{}",
        loser.body
    );
    let sold: Decimal = sqlx::query_scalar("SELECT sum(quantity) FROM subsistence_sales")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(sold, Decimal::from(35));
    seal_pending(&pool).await.unwrap();
    assert!(verify(&pool).await.unwrap().is_clean());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_yearly_cap_adds_every_month_of_the_year(pool: PgPool) {
    let in_january = date(0).contains("/01/");
    // 35 g a month (none in January, so that only the year can refuse), 50 g a year.
    let caps = SubsistenceCaps {
        metales_preciosos: SubsistenceCap {
            monthly: (!in_january).then(|| Decimal::from(35)),
            yearly: Decimal::from(50),
            unit: domain::Unit::Gram,
        },
        ..SubsistenceCaps::default()
    };
    let app = signed_in(pool, caps, OROCAUCA_OPERADOR).await;
    let year = date(0)[6..].to_owned();
    buy(&app, "30", &format!("01/01/{year}")).await;
    let refused = submit(&app, "25", &date(0)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.json()["Invalid"]["errors"][0].clone();
    assert_eq!(error["code"], "subsistence_exceeds_yearly_cap", "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("disponible 20 g"),
        "{error}"
    );
    buy(&app, "20", &date(0)).await;
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_purchase_dated_last_month_counts_against_last_months_cupo(pool: PgPool) {
    let app = signed_in(pool, SubsistenceCaps::default(), OROCAUCA_OPERADOR).await;
    buy(&app, "30", &date(1)).await;
    // This month is untouched...
    let response = submit(&app, "35", &date(0)).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["cupos"][0]["month"], "35");
    // ...last month has 5 g left.
    let refused = submit(&app, "10", &date(1)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("vendido en el mes 30 g, disponible 5 g"),
        "{}",
        refused.body
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_registry_loads_by_line_and_an_inactive_or_unknown_miner_cannot_sell(pool: PgPool) {
    server::demo::seed(&pool).await.unwrap();
    let admin = TestApp::new(pool.clone());
    admin.sign_in("admin.ottm").await;
    let csv = "tipo_documento;numero_documento;nombres;municipio;celular;correo;estado\n\
               CC;11801234;JOSÉ ANTONIO RENTERÍA MOSQUERA;27001;3001110003;;INACTIVO\n\
               CC;35888999;MARÍA ELENA PALACIOS;27150;3105550001;;ACTIVO\n\
               TI;1001234567;MENOR DE EDAD;27001;3105550002;;ACTIVO\n\
               CC;35888998;SIN CELULAR;27001;;;ACTIVO\n\
               CC;35888997;ESTADO RARO;27001;3105550004;;SUSPENDIDO\n";
    let response = admin.call("mineros/cargar", &[("csv", csv)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let report = response.json();
    assert_eq!(report["created"], 1);
    assert_eq!(report["updated"], 1);
    assert_eq!(report["refused_count"], 3);
    let refused: Vec<(u64, String)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refused,
        [
            (4, "registry_document_type".to_owned()),
            (5, "registry_mobile".to_owned()),
            (6, "registry_state".to_owned()),
        ]
    );

    // Only the Administrador OTTM loads the registry.
    let buyer = TestApp::new(pool.clone());
    buyer.sign_in(OROCAUCA_OPERADOR).await;
    let forbidden = buyer.call("mineros/cargar", &[("csv", csv)]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);

    // The inactive miner cannot sell; the new, active one (without email) can; an unknown one
    // is not found.
    let inactive = submit(&buyer, "1", &date(0)).await;
    assert_eq!(inactive.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        inactive.body.contains("seller_miner_inactive"),
        "{}",
        inactive.body
    );
    let mut maria = draft("2", &date(0));
    maria[2].1 = "35888999".to_owned();
    let response = call(&buyer, "compras/enviar", &maria).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["seller"]["email"], "sin correo");
    let sms = last_text(&pool, "SMS", Some("+573105550001")).await;
    assert!(sms.contains("le compra 2,0000 g ORO"), "{sms}");
    maria[2].1 = "35888996".to_owned();
    let unknown = call(&buyer, "compras/enviar", &maria).await;
    assert!(
        unknown.body.contains("seller_not_registered"),
        "{}",
        unknown.body
    );
    // Nothing moved for the refused ones.
    let movements: i64 = sqlx::query_scalar("SELECT count(*) FROM subsistence_sales")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(movements, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_subsistence_purchase_admits_only_the_buyers_own_lines(pool: PgPool) {
    let app = signed_in(pool, SubsistenceCaps::default(), OROCAUCA_OPERADOR).await;
    // No link or Web Service for a miner: it has no balances to send (the buyer types the lines),
    // and the refused step leaves nothing behind.
    let response = call(
        &app,
        "compras/enviar-al-vendedor",
        &with(draft("1", &date(0)), &[("via", "URL")]),
    )
    .await;
    assert!(
        response.body.contains("compra_channel_already_chosen"),
        "{}",
        response.body
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM compras")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
    // A mineral outside the table of Resolución 40103 is refused.
    let mut copper = draft("1", &date(0));
    copper[9].1 = "COBRE".to_owned();
    copper[11].1 = "t".to_owned();
    let response = call(&app, "compras/enviar", &copper).await;
    assert!(
        response.body.contains("subsistence_mineral_not_allowed"),
        "{}",
        response.body
    );
}
