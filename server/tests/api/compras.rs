//! The purchase, end to end through the HTTP interface: the three channels (seller's link, Web
//! Service, TXT), the validation code, the posting in the ledger and the balances emails; and the
//! bad input of each step, which must change nothing.
#![allow(clippy::unwrap_used)]

use app::ledger::ssr::verify;
use axum::http::StatusCode;
use rust_decimal::Decimal;
use server::sealer::seal_pending;
use sqlx::PgPool;
use time::macros::offset;

use crate::helpers::{OROCAUCA_OPERADOR, TestApp, TestResponse};

pub(crate) const SELLER_EMAIL: &str = "gerencia.diluvio@demo.veta.com.co";
pub(crate) const BUYER_EMAIL: &str = "gerencia.orocauca@demo.veta.com.co";
pub(crate) const SHA: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";

/// Today in Bogotá, `DD/MM/AAAA`.
pub(crate) fn today() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(offset!(-5));
    format!(
        "{:02}/{:02}/{}",
        now.day(),
        u8::from(now.month()),
        now.year()
    )
}

/// The seller and transaction data of a purchase from MINERA EL DILUVIO (demo title holder).
pub(crate) fn header() -> Vec<(String, String)> {
    let today = today();
    [
        ("draft[seller_type]", "EXPLOTADOR_MINERO_AUTORIZADO"),
        ("draft[seller][codigo_expediente]", "T14292011-003"),
        ("draft[seller][document_type]", "NIT"),
        ("draft[seller][document_number]", "9013049617"),
        (
            "draft[seller][razon_social]",
            "MINERA EL DILUVIO GOLD S.A.S",
        ),
        ("draft[transaction][invoice_date]", &today),
        ("draft[transaction][transaction_date]", &today),
        ("draft[transaction][sha256]", SHA),
        ("draft[transaction][currency]", "COP"),
        ("draft[transaction][departamento]", "05"),
        ("draft[transaction][municipio]", "05001"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

pub(crate) async fn call(
    app: &TestApp,
    endpoint: &str,
    fields: &[(String, String)],
) -> TestResponse {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.call(endpoint, &fields).await
}

pub(crate) fn with(
    mut fields: Vec<(String, String)>,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    fields.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    fields
}

/// What follows `marker` in the newest email to `to`, up to the end of the line.
pub(crate) async fn after(app: &TestApp, to: &str, marker: &str) -> String {
    let text = app.last_email_to(to).await;
    let start = text
        .find(marker)
        .unwrap_or_else(|| panic!("«{marker}» in {text}"))
        + marker.len();
    text[start..]
        .split(['\n', '\r', ' '])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// The seller's link token, from the email that hands it the purchase (URL channel).
pub(crate) async fn seller_link(app: &TestApp) -> String {
    after(
        app,
        SELLER_EMAIL,
        "Gestionar la venta: http://veta.test/venta/",
    )
    .await
}

/// The seller's editor, opened with its link.
pub(crate) async fn open_editor(seller: &TestApp, link: &str) -> TestResponse {
    call(
        seller,
        "venta/editor",
        &with(Vec::new(), &[("token", link)]),
    )
    .await
}

pub(crate) async fn balance(pool: &PgPool, document: &str, code: &str) -> Decimal {
    sqlx::query_scalar(
        "SELECT coalesce(sum(b.quantity), 0) FROM balances b
         JOIN organizations o ON o.organization_id = b.organization_id
         WHERE o.document_number = $1 AND b.codigo_origen = $2",
    )
    .bind(document)
    .bind(code)
    .fetch_one(pool)
    .await
    .expect("balance")
}

pub(crate) async fn movements(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM movements")
        .fetch_one(pool)
        .await
        .expect("count")
}

/// The buyer hands a new purchase to the seller through `via`; answers its id.
pub(crate) async fn hand_to_seller(app: &TestApp, via: &str) -> String {
    let response = call(
        app,
        "compras/enviar-al-vendedor",
        &with(header(), &[("via", via)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let view = response.json();
    assert_eq!(view["status"], "PENDIENTE_GESTION_VENDEDOR");
    view["compra_id"].as_str().expect("an id").to_owned()
}

/// The buyer sends the purchase for confirmation, then types the code the seller received.
pub(crate) async fn submit_and_confirm(app: &TestApp, compra_id: &str) -> String {
    let response = call(
        app,
        "compras/enviar",
        &with(header(), &[("compra_id", compra_id)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.json()["status"], "PENDIENTE_POR_CONFIRMAR");
    let code = after(app, SELLER_EMAIL, "de la transacción: ").await;
    let response = call(
        app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", compra_id), ("code", &code)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()["ptm_code"]
        .as_str()
        .expect("a code")
        .to_owned()
}

pub(crate) async fn buyer(pool: PgPool) -> TestApp {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(OROCAUCA_OPERADOR).await;
    app
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn through_the_sellers_link_a_purchase_is_confirmed_and_both_balances_move(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let compra_id = hand_to_seller(&app, "URL").await;
    // The link goes to the registry's address of the seller, never to the buyer.
    let link = seller_link(&app).await;
    assert_eq!(link.len(), 64);

    let seller = TestApp::new(pool.clone());
    let editor = open_editor(&seller, &link).await;
    assert_eq!(editor.status, StatusCode::OK, "{}", editor.body);
    let rows = editor.json()["rows"].clone();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["codigo_origen"] == "4DEB01BC" && r["disponible"] == "500"),
        "{rows}"
    );

    let detail = |quantity: &str| {
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
    // More than it holds: refused at the line, nothing kept.
    let too_much = call(&seller, "venta/enviar", &detail("600")).await;
    assert_eq!(
        too_much.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_much.body
    );
    let errors = &too_much.json()["Invalid"]["errors"];
    assert_eq!(errors[0]["field"], "lines[0].quantity");
    assert_eq!(errors[0]["code"], "exceeds_available");

    let sent = call(&seller, "venta/enviar", &detail("10")).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    // The link served once.
    let reused = call(&seller, "venta/enviar", &detail("10")).await;
    assert_eq!(reused.status, StatusCode::BAD_REQUEST);
    assert!(reused.error("Refused").contains("ya se enviaron"));
    let reopened = open_editor(&seller, &link).await;
    assert_eq!(reopened.status, StatusCode::BAD_REQUEST);
    assert!(
        app.last_email_to(&format!("{OROCAUCA_OPERADOR}@demo.veta.com.co"))
            .await
            .contains("gestionó")
            || app
                .last_email_to(&format!("{OROCAUCA_OPERADOR}@demo.veta.com.co"))
                .await
                .contains("envió los códigos de origen")
    );

    let view = call(
        &app,
        "compras/obtener",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(view.json()["status"], "GESTIONADA_POR_VENDEDOR");

    // A wrong validation code is counted; the right one posts the purchase.
    let response = call(
        &app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let code = after(&app, SELLER_EMAIL, "de la transacción: ").await;
    let sms = crate::helpers::last_text(&pool, "SMS", None).await;
    assert!(sms.contains(&code), "{sms}");
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let refused = call(
        &app,
        "compras/confirmar",
        &with(Vec::new(), &[("compra_id", &compra_id), ("code", wrong)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.error("Refused").contains("Le quedan 4"));
    assert_eq!(
        balance(&pool, "900123456-8", "4DEB01BC").await,
        Decimal::ZERO
    );

    let confirm = with(Vec::new(), &[("compra_id", &compra_id), ("code", &code)]);
    let confirmed = call(&app, "compras/confirmar", &confirm).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let ptm = confirmed.json()["ptm_code"].as_str().unwrap().to_owned();
    assert_eq!(ptm.len(), 36);
    // Retrying the confirmation answers the same code and moves nothing more.
    let again = call(&app, "compras/confirmar", &confirm).await;
    assert_eq!(again.json()["ptm_code"], ptm.as_str());

    assert_eq!(
        balance(&pool, "901304961-7", "4DEB01BC").await,
        Decimal::from(490)
    );
    assert_eq!(
        balance(&pool, "900123456-8", "4DEB01BC").await,
        Decimal::from(10)
    );
    // Both balances emails were queued with the confirmation; the worker composes them, with the
    // balances of the moment and their TXT.
    let mail = crate::helpers::FakeMailServer::default();
    let sms = server::sms::RecordingSmsGateway::new(pool.clone());
    let report = server::outbox::deliver_due(&pool, &mail, &sms, &crate::helpers::test_url(), 100)
        .await
        .expect("delivered");
    let errors: Vec<Option<String>> =
        sqlx::query_scalar("SELECT last_error FROM outbox WHERE channel = 'SALDOS'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(report.failed, 0, "{report:?} {errors:?}");
    for to in [SELLER_EMAIL, BUYER_EMAIL] {
        let email = mail
            .received()
            .into_iter()
            .find(|e| e.to == to && e.text.contains(&ptm))
            .unwrap_or_else(|| panic!("no balances email to {to}"));
        assert!(
            email.text.contains(&format!(
                "La transacción {ptm} ha sido registrada de manera exitosa"
            )),
            "{}",
            email.text
        );
        assert!(email.text.contains("4DEB01BC"), "{}", email.text);
        let attachment = email.attachment.expect("the TXT");
        assert!(
            attachment.name.starts_with("saldos_"),
            "{}",
            attachment.name
        );
    }
    // Sent: no secret of the purchase is left in the outbox.
    let secrets: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE secrets IS NOT NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(secrets, 0);
    let stored = sqlx::query_scalar::<_, String>(
        "SELECT body_text FROM outbox WHERE recipient = $1 AND subject LIKE 'Código de validación%'",
    )
    .bind(SELLER_EMAIL)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        !stored.contains(&code) && stored.contains("⟦secreto:1⟧"),
        "{stored}"
    );
    // No longer in progress.
    let en_curso = call(&app, "compras/en-curso", &[]).await;
    assert_eq!(en_curso.json()["rows"].as_array().unwrap().len(), 0);
    assert_eq!(en_curso.json()["page"]["total"], 0);

    seal_pending(&pool).await.expect("seal");
    let report = verify(&pool).await.expect("verify");
    assert!(report.is_clean(), "{report:?}");
}

/// A purchase through the seller's link, with `quantity` g of 4DEB01BC sent by the seller, sent
/// for confirmation: answers its id and the validation code the seller received.
pub(crate) async fn pending_confirmation(app: &TestApp, quantity: &str) -> (String, String) {
    let compra_id = hand_to_seller(app, "URL").await;
    let link = seller_link(app).await;
    let seller = TestApp::new(app.pool.clone());
    let sent = call(
        &seller,
        "venta/enviar",
        &with(
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
        ),
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let response = call(
        app,
        "compras/enviar",
        &with(header(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let code = after(app, SELLER_EMAIL, "de la transacción: ").await;
    (compra_id, code)
}

fn ws_body(quantity: &str) -> String {
    format!(
        r#"{{"document_type": "NIT", "document_number": 9013049617, "mining_file_code": "T14292011-003",
            "operator_transaction_id": "ERP-1",
            "ltax": [{{"tax_type": "iva", "value": 190000}}],
            "ltransaction_detail": [{{"mineral": "oro", "origin_code": "4DEB01BC", "quantity": {quantity}, "unit": "g", "value": 1000000}}]}}"#
    )
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn through_the_web_service_with_every_bad_request_refused_and_a_repeat_answered_alike(
    pool: PgPool,
) {
    let app = buyer(pool.clone()).await;
    let compra_id = hand_to_seller(&app, "WEB_SERVICE").await;
    let email = app.last_email_to(SELLER_EMAIL).await;
    assert!(
        email.contains(&format!("Transaction_id: {compra_id}")),
        "{email}"
    );
    let token = after(&app, SELLER_EMAIL, "Token temporal: ").await;
    let other_id = hand_to_seller(&app, "WEB_SERVICE").await;
    let other_token = after(&app, SELLER_EMAIL, "Token temporal: ").await;
    let uri = format!("/api/ws/v1/transacciones/{compra_id}/detalle");
    let before = movements(&pool).await;

    let erp = TestApp::new(pool.clone());
    let cases = [
        (
            None,
            ws_body("10"),
            StatusCode::UNAUTHORIZED,
            "token_missing",
        ),
        (
            Some("0".repeat(64)),
            ws_body("10"),
            StatusCode::UNAUTHORIZED,
            "token_invalid",
        ),
        (
            Some(other_token.clone()),
            ws_body("10"),
            StatusCode::FORBIDDEN,
            "token_other_transaction",
        ),
        (
            Some(token.clone()),
            "{\"ltax\": [".to_owned(),
            StatusCode::BAD_REQUEST,
            "json_malformed",
        ),
        (
            Some(token.clone()),
            ws_body("600"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            Some(token.clone()),
            ws_body("10").replace("9013049617", "9001234568"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (token, body, status, code) in cases {
        let response = erp.post_json(&uri, token.as_deref(), &body).await;
        assert_eq!(response.status, status, "{code}: {}", response.body);
        assert_eq!(response.json()["code"], code, "{}", response.body);
        assert!(!response.json()["message"].as_str().unwrap().is_empty());
    }
    let above = erp.post_json(&uri, Some(&token), &ws_body("600")).await;
    assert_eq!(
        above.json()["errors"][0]["field"],
        "ltransaction_detail[0].quantity"
    );
    assert_eq!(above.json()["errors"][0]["code"], "exceeds_available");
    assert_eq!(movements(&pool).await, before);

    let accepted = erp.post_json(&uri, Some(&token), &ws_body("10")).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.json()["replayed"], false);
    let repeated = erp.post_json(&uri, Some(&token), &ws_body("10")).await;
    assert_eq!(repeated.status, StatusCode::OK, "{}", repeated.body);
    assert_eq!(repeated.json()["replayed"], true);
    let changed = erp.post_json(&uri, Some(&token), &ws_body("11")).await;
    assert_eq!(changed.status, StatusCode::CONFLICT);
    assert_eq!(changed.json()["code"], "detail_already_received");

    let ptm = submit_and_confirm(&app, &compra_id).await;
    assert_eq!(ptm.len(), 36);
    assert_eq!(
        balance(&pool, "901304961-7", "4DEB01BC").await,
        Decimal::from(490)
    );
    assert_eq!(
        balance(&pool, "900123456-8", "4DEB01BC").await,
        Decimal::from(10)
    );
    // The other purchase is still waiting for its seller.
    let en_curso = call(&app, "compras/en-curso", &[]).await;
    assert_eq!(en_curso.json()["rows"][0]["compra_id"], other_id.as_str());

    let openapi = app.get("/api/ws/v1/openapi.json").await;
    assert_eq!(openapi.status, StatusCode::OK);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn through_the_sellers_txt_and_a_bad_line_is_pointed_at(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let txt = |quantity: &str| {
        format!(
            "CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR\r\n\
             4DEB01BC\tORO\t500\tg\t04/03/2025\t{quantity}\t1.000.000\r\n"
        )
    };
    let bad = call(
        &app,
        "compras/cargar-txt",
        &with(header(), &[("txt", &txt("diez"))]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let error = &bad.json()["Invalid"]["errors"][0];
    assert_eq!(error["field"], "txt");
    assert!(
        error["message"].as_str().unwrap().contains("Línea 2"),
        "{error}"
    );

    let uploaded = call(
        &app,
        "compras/cargar-txt",
        &with(header(), &[("txt", &txt("10"))]),
    )
    .await;
    assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.body);
    let view = uploaded.json();
    assert_eq!(view["channel"], "TXT");
    assert_eq!(view["draft"]["lines"][0]["codigo_origen"], "4DEB01BC");
    let compra_id = view["compra_id"].as_str().unwrap().to_owned();

    // The buyer may not hand a TXT purchase to the seller as well: one channel per purchase.
    let both = call(
        &app,
        "compras/enviar-al-vendedor",
        &with(header(), &[("compra_id", &compra_id), ("via", "URL")]),
    )
    .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.body);

    let ptm = submit_and_confirm(&app, &compra_id).await;
    assert_eq!(ptm.len(), 36);
    assert_eq!(
        balance(&pool, "900123456-8", "4DEB01BC").await,
        Decimal::from(10)
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn bad_seller_and_transaction_data_are_refused_per_field_and_nothing_is_sent(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let outbox_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    let cases: [(&str, &str, &str, &str); 5] = [
        (
            "draft[seller][document_number]",
            "9013049618",
            "seller.document_number",
            "nit_check_digit",
        ),
        (
            "draft[transaction][municipio]",
            "NO EXISTE",
            "transaction.municipio",
            "municipio_unknown",
        ),
        (
            "draft[transaction][sha256]",
            "abc",
            "transaction.sha256",
            "sha256_length",
        ),
        (
            "draft[seller][document_number]",
            "8909039388",
            "seller.document_number",
            "seller_not_registered",
        ),
        (
            "draft[seller][codigo_expediente]",
            "ABC-123",
            "seller.codigo_expediente",
            "seller_title_not_held",
        ),
    ];
    for (key, value, field, code) in cases {
        let fields: Vec<(String, String)> = header()
            .into_iter()
            .map(|(k, v)| {
                if k == key {
                    (k, value.to_owned())
                } else {
                    (k, v)
                }
            })
            .chain([("via".to_owned(), "URL".to_owned())])
            .collect();
        let response = call(&app, "compras/enviar-al-vendedor", &fields).await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{key}: {}",
            response.body
        );
        let errors = response.json()["Invalid"]["errors"].clone();
        assert!(
            errors
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "{key}: {errors}"
        );
    }
    let outbox_after: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(outbox_after, outbox_before, "no link was sent");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_expired_link_and_purchase_release_nothing_and_are_told_so(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let compra_id = hand_to_seller(&app, "URL").await;
    let link = seller_link(&app).await;
    sqlx::query("UPDATE compras SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let seller = TestApp::new(pool.clone());
    let expired = open_editor(&seller, &link).await;
    assert_eq!(expired.status, StatusCode::BAD_REQUEST);
    assert!(
        expired.error("Refused").contains("venció"),
        "{}",
        expired.body
    );

    // The buyer's own step finds it expired (the step's lock reads its time) and may not annul it.
    let annul = call(
        &app,
        "compras/anular",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(annul.status, StatusCode::BAD_REQUEST, "{}", annul.body);
    assert!(annul.body.contains("Vencida"), "{}", annul.body);

    // Listed for a few days as ended, no longer counted on the bell.
    let en_curso = call(&app, "compras/en-curso", &[]).await;
    assert_eq!(
        en_curso.json()["rows"][0]["status"],
        "VENCIDA",
        "{}",
        en_curso.body
    );
    let bell = call(&app, "compras/en-curso/cantidad", &[]).await;
    assert_eq!(bell.json(), 0);
    let view = call(
        &app,
        "compras/obtener",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(view.json()["status"], "VENCIDA");
    assert_eq!(
        balance(&pool, "901304961-7", "4DEB01BC").await,
        Decimal::from(500)
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn another_organisations_purchase_does_not_exist_and_consulta_may_not_buy(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let compra_id = hand_to_seller(&app, "URL").await;
    let other = TestApp::new(pool.clone());
    other.sign_in(crate::helpers::DILUVIO_ADMIN).await;
    let response = call(
        &other,
        "compras/obtener",
        &with(Vec::new(), &[("compra_id", &compra_id)]),
    )
    .await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);

    let consulta = TestApp::new(pool);
    consulta.sign_in("orocauca.consulta").await;
    let response = call(&consulta, "compras/guardar", &header()).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn five_wrong_codes_exhaust_the_code_and_a_new_one_is_sent_on_request(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    let txt = "CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR\r\n\
               4DEB01BC\tORO\t500\tg\t04/03/2025\t10\t\r\n";
    let uploaded = call(&app, "compras/cargar-txt", &with(header(), &[("txt", txt)])).await;
    let compra_id = uploaded.json()["compra_id"].as_str().unwrap().to_owned();
    // The file left VALOR empty: the buyer types it, and it is kept.
    let valued = with(
        header(),
        &[
            ("compra_id", &compra_id),
            ("draft[lines][0][value]", "1.000.000"),
        ],
    );
    let saved = call(&app, "compras/guardar", &valued).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["draft"]["lines"][0]["value"], "1.000.000");
    assert_eq!(saved.json()["draft"]["lines"][0]["quantity"], "10");

    let sent = call(&app, "compras/enviar", &valued).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = after(&app, SELLER_EMAIL, "de la transacción: ").await;
    // A usable code is not sent again within the minute.
    let too_soon = call(&app, "compras/enviar", &valued).await;
    assert_eq!(
        too_soon.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        too_soon.body
    );
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    let attempt = |typed: &str| with(Vec::new(), &[("compra_id", &compra_id), ("code", typed)]);
    for _ in 0..5 {
        let refused = call(&app, "compras/confirmar", &attempt(wrong)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    }
    let exhausted = call(&app, "compras/confirmar", &attempt(&code)).await;
    assert_eq!(
        exhausted.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        exhausted.body
    );
    assert_eq!(movements(&pool).await, 2, "nothing was posted");

    // An exhausted code is replaced at once.
    let resent = call(&app, "compras/enviar", &valued).await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    let new_code = after(&app, SELLER_EMAIL, "de la transacción: ").await;
    let confirmed = call(&app, "compras/confirmar", &attempt(&new_code)).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(
        balance(&pool, "900123456-8", "4DEB01BC").await,
        Decimal::from(10)
    );
}
