//! *Historial de compras*: every purchase of the buyer's organisation, filtered, paged and
//! exported; nobody else's.

use axum::http::StatusCode;
use domain::compra_history::PAGE_ROWS;
use domain::compra_status::CompraStatus;
use serde_json::Value;
use sqlx::PgPool;

use crate::compras::{buyer, call, hand_to_seller, pending_confirmation, with};
use crate::helpers::{DILUVIO_ADMIN, TestApp};

/// The history with `filters` (`(name, value)` of `HistoryFilterDraft`) at `page`.
async fn history(app: &TestApp, filters: &[(&str, &str)], page: u32) -> (StatusCode, Value) {
    let mut fields: Vec<(String, String)> = filters
        .iter()
        .map(|(name, value)| (format!("filter[{name}]"), (*value).to_owned()))
        .collect();
    fields.push(("page".to_owned(), page.to_string()));
    let response = call(app, "compras/historial", &fields).await;
    let status = response.status;
    let answer = response.json();
    // A page comes with the time its data is as of; a refusal is the error alone.
    match answer.get("report") {
        Some(report) => (status, report.clone()),
        None => (status, answer),
    }
}

fn total(answer: &Value) -> u64 {
    answer["page"]["total"].as_u64().expect("a total")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_history_lists_filters_pages_and_exports_only_the_buyers_purchases(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let handed = hand_to_seller(&app, "URL").await;
    let (confirmed, code) = pending_confirmation(&app, "5").await;
    let answer = call(
        &app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", &confirmed), ("code", &code)]),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let ptm = answer.json()["ptm_code"].as_str().expect("ptm").to_owned();

    // Everything, newest first.
    let (status, all) = history(&app, &[], 1).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(total(&all), 2);
    assert_eq!(all["rows"][0]["compra_id"], confirmed.as_str());
    assert_eq!(all["rows"][0]["ptm_code"], ptm.as_str());
    assert_eq!(all["rows"][0]["minerals"], "ORO");
    assert_eq!(all["rows"][0]["seller"], "MINERA EL DILUVIO GOLD S.A.S");
    assert_eq!(all["rows"][1]["compra_id"], handed.as_str());

    // Each filter narrows it.
    let today = crate::compras::today();
    let cases: [(&[(&str, &str)], u64); 8] = [
        (&[("estado", CompraStatus::Confirmada.code())], 1),
        (
            &[("estado", CompraStatus::PendienteGestionVendedor.code())],
            1,
        ),
        (&[("mineral", "oro")], 1),
        (&[("vendedor", "diluvio")], 2),
        (&[("vendedor", "901304961")], 2),
        (&[("vendedor", "100%_")], 0),
        (&[("tipo", "COMERCIALIZADOR")], 0),
        (&[("desde", &today), ("hasta", &today)], 2),
    ];
    for (filters, expected) in cases {
        let (status, found) = history(&app, filters, 1).await;
        assert_eq!(status, StatusCode::OK, "{filters:?}: {found}");
        assert_eq!(total(&found), expected, "{filters:?}: {found}");
    }

    // Bad filters are refused per field, before anything is read.
    let (status, refused) = history(
        &app,
        &[("desde", "2025-01-01"), ("mineral", "kriptonita")],
        1,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let fields: Vec<&str> = refused["Invalid"]["errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .filter_map(|error| error["field"].as_str())
        .collect();
    assert_eq!(fields, ["desde", "mineral"], "{refused}");

    // Pages of 50: copies of the handed purchase, ended, registered earlier.
    sqlx::query(
        "INSERT INTO compras (compra_id, buyer_id, created_by, seller_id, seller_type, status,
                              channel, draft, expires_at, created_at, updated_at)
         SELECT gen_random_uuid(), buyer_id, created_by, seller_id, seller_type, $2, channel,
                draft, expires_at, created_at - make_interval(mins => n), updated_at
         FROM compras, generate_series(1, 60) n WHERE compra_id = $1::uuid",
    )
    .bind(&handed)
    .bind(CompraStatus::Anulada.code())
    .execute(&pool)
    .await
    .expect("copies");
    let (_, first) = history(&app, &[], 1).await;
    assert_eq!(total(&first), 62);
    assert_eq!(first["page"]["count"], 2);
    assert_eq!(
        first["rows"].as_array().map(Vec::len),
        Some(PAGE_ROWS as usize)
    );
    let (_, second) = history(&app, &[], 2).await;
    assert_eq!(second["rows"].as_array().map(Vec::len), Some(12));
    assert_eq!(second["rows"][11]["status"], CompraStatus::Anulada.code());
    // "Transacciones en curso" pages alike: the handed purchase and the 60 ended copies.
    let page = |number: &str| [("page".to_owned(), number.to_owned())];
    let first = call(&app, "compras/en-curso", &page("1")).await.json();
    assert_eq!(first["page"]["total"], 61, "{first}");
    assert_eq!(
        first["rows"].as_array().map(Vec::len),
        Some(PAGE_ROWS as usize)
    );
    let second = call(&app, "compras/en-curso", &page("2")).await.json();
    assert_eq!(second["rows"].as_array().map(Vec::len), Some(11));

    // The CSV holds every selected purchase, for Excel in Colombia.
    let export = call(
        &app,
        "compras/historial/csv",
        &[(
            "filter[estado]".to_owned(),
            CompraStatus::Confirmada.code().to_owned(),
        )],
    )
    .await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let csv = export.json().as_str().expect("the CSV text").to_owned();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}Fecha de registro;Vendedor;Documento del vendedor;Tipo de compra;Estado;Minerales;Código PTM;Fecha de confirmación"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[1].contains(&ptm), "{csv}");
    assert!(lines[1].contains(";ORO;"), "{csv}");

    // Another organisation sees none of them.
    let other = TestApp::new(pool.clone());
    other.sign_in(DILUVIO_ADMIN).await;
    let (status, theirs) = history(&other, &[], 1).await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(total(&theirs), 0);
}
