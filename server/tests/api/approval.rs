//! Organisations are who they say: a new one is pending until the Administrador OTTM approves it
//! (after it proved its contacts and sent its evidence), is invisible to buyers and cannot buy
//! meanwhile; a document already claimed can be contested without learning who holds it.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::compras::{SELLER_EMAIL, buyer, call, header, with};
use crate::helpers::{TestApp, TestResponse};
use crate::registration::{ADMIN_EMAIL, PASSWORD, emailed_token, register, trader};

const SHA: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";
const CONTACT_EMAIL: &str = "contacto@oronorte.co";

/// Registers Oro del Norte (a trader), verifies its administrator's email and signs in.
async fn registered_trader(pool: PgPool) -> TestApp {
    let app = TestApp::with_demo_data(pool).await;
    let response = register(&app, &trader(&[])).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let token = emailed_token(&app, ADMIN_EMAIL, "/verificar-correo").await;
    app.call("verificar-correo", &[("token", &token)]).await;
    app.call(
        "ingresar",
        &[("identifier", "marta.rios"), ("password", PASSWORD)],
    )
    .await;
    let code = app.last_code_to(ADMIN_EMAIL).await;
    let response = app.call("ingresar/codigo", &[("code", &code)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    app
}

async fn status_of(pool: &PgPool, document: &str) -> String {
    sqlx::query_scalar("SELECT approval_status FROM organizations WHERE document_number = $1")
        .bind(document)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The code of the newest SMS to `to`.
async fn sms_code(pool: &PgPool, to: &str) -> String {
    let text = crate::helpers::last_text(pool, "SMS", Some(to)).await;
    let start = text.find(" es ").expect("a code") + 4;
    text[start..start + 8].to_owned()
}

async fn contact_email_code(app: &TestApp) -> String {
    let text = app.last_email_to(CONTACT_EMAIL).await;
    let start = text.find("Veta es: ").expect("a code") + 9;
    text[start..start + 8].to_owned()
}

/// Proves both contacts, sends the evidence and asks for approval.
async fn complete_verification(app: &TestApp) -> TestResponse {
    let sent = app
        .call("organizacion/enviar-codigo", &[("channel", "Email")])
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let code = contact_email_code(app).await;
    let verified = app
        .call(
            "organizacion/verificar-contacto",
            &[("channel", "Email"), ("code", &code)],
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    app.call("organizacion/enviar-codigo", &[("channel", "Sms")])
        .await;
    let code = sms_code(&app.pool, "+573104445566").await;
    let verified = app
        .call(
            "organizacion/verificar-contacto",
            &[("channel", "Sms"), ("code", &code)],
        )
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    for kind in ["RUT", "CERTIFICADO_RUCOM"] {
        let added = app
            .call(
                "organizacion/evidencia",
                &[
                    ("kind", kind),
                    ("sha256", SHA),
                    ("file_name", "soporte.pdf"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    }
    app.call("organizacion/solicitar-aprobacion", &[]).await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_new_trader_waits_for_approval_then_buys(pool: PgPool) {
    let app = registered_trader(pool.clone()).await;
    assert_eq!(
        status_of(&pool, "900765432-6").await,
        "PENDIENTE_APROBACION"
    );
    // Pending: it cannot buy, not even save a draft.
    let refused = call(&app, "compras/guardar", &header()).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.error("Refused").contains("pendiente de aprobación"));

    // Asking before every step is done lists what is missing.
    let early = app.call("organizacion/solicitar-aprobacion", &[]).await;
    assert_eq!(
        early.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        early.body
    );
    let codes: Vec<String> = early.json()["Invalid"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        [
            "contact_email_unverified",
            "contact_mobile_unverified",
            "evidence_missing",
            "evidence_missing"
        ]
    );
    // A wrong contact code is refused and counted.
    app.call("organizacion/enviar-codigo", &[("channel", "Email")])
        .await;
    let wrong = app
        .call(
            "organizacion/verificar-contacto",
            &[("channel", "Email"), ("code", "12345678")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    // A new code a minute later.
    let again = app
        .call("organizacion/enviar-codigo", &[("channel", "Email")])
        .await;
    assert_eq!(
        again.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        again.body
    );
    sqlx::query("UPDATE contact_verifications SET last_sent_at = now() - interval '2 minutes'")
        .execute(&pool)
        .await
        .unwrap();

    let requested = complete_verification(&app).await;
    assert_eq!(requested.status, StatusCode::OK, "{}", requested.body);
    let admin_mail = app.last_email_to("admin.ottm@demo.veta.com.co").await;
    assert!(admin_mail.contains("ORO DEL NORTE S.A.S."), "{admin_mail}");

    // Only the Administrador OTTM decides.
    let forbidden = app.call("aprobaciones", &[]).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let admin = TestApp::new(pool.clone());
    admin.sign_in("admin.ottm").await;
    let list = admin.call("aprobaciones", &[]).await;
    let pending = &list.json()["organizations"][0];
    assert_eq!(
        pending["razon_social"], "ORO DEL NORTE S.A.S.",
        "{}",
        list.body
    );
    assert_eq!(pending["evidence"][0]["sha256"], SHA);
    let id = pending["organization_id"].as_str().unwrap().to_owned();
    let approved = admin
        .call(
            "aprobaciones/decidir",
            &[
                ("organization_id", &id),
                ("approve", "true"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(status_of(&pool, "900765432-6").await, "APROBADA");
    assert!(app.last_email_to(CONTACT_EMAIL).await.contains("aprobó"));

    // Now it buys: the purchase reaches the seller.
    let handed = call(
        &app,
        "compras/enviar-al-vendedor",
        &with(header(), &[("via", "URL")]),
    )
    .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.body);
    assert!(
        app.last_email_to(SELLER_EMAIL)
            .await
            .contains("ORO DEL NORTE S.A.S.")
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_unapproved_seller_is_invisible_and_receives_nothing(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    sqlx::query(
        "UPDATE organizations SET approval_status = 'PENDIENTE_APROBACION'
         WHERE document_number = '901304961-7'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let outbox_before: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    let found = call(&app, "compras/vendedor", &header()).await;
    assert_eq!(
        found.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        found.body
    );
    assert_eq!(
        found.json()["Invalid"]["errors"][0]["code"],
        "seller_not_registered"
    );
    let handed = call(
        &app,
        "compras/enviar-al-vendedor",
        &with(header(), &[("via", "URL")]),
    )
    .await;
    assert_eq!(
        handed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        handed.body
    );
    let outbox_after: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(outbox_after, outbox_before, "nothing reached the seller");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_claimed_document_goes_to_the_administrator_who_frees_it(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    // Someone registered Oro del Cauca's NIT first (the demo organisation); the real company
    // tries to register it.
    let taken = trader(&[("document_number", "900123456-8")]);
    let refused = register(&app, &taken).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("organization_exists"));
    assert!(
        !refused.body.contains("ORO DEL CAUCA"),
        "never who holds it: {}",
        refused.body
    );

    let mut claim = taken.clone();
    claim.push((
        "claim[statement]".to_owned(),
        "El NIT es nuestro: adjuntamos el RUT.".to_owned(),
    ));
    claim.push(("claim[evidence_sha256]".to_owned(), SHA.to_owned()));
    let fields: Vec<(&str, &str)> = claim
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let claimed = app.call("registro/reclamar", &fields).await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.body);
    assert!(
        app.last_email_to(ADMIN_EMAIL)
            .await
            .contains("Recibimos su reclamación")
    );
    let alerts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts WHERE kind = 'RECLAMACION_IDENTIDAD'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);

    let admin = TestApp::new(pool.clone());
    admin.sign_in("admin.ottm").await;
    let list = admin.call("aprobaciones", &[]).await;
    let claim_id = list.json()["claims"][0]["claim_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_reason = admin
        .call(
            "reclamaciones/decidir",
            &[("claim_id", &claim_id), ("accept", "true"), ("reason", " ")],
        )
        .await;
    assert_eq!(
        no_reason.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_reason.body
    );
    let accepted = admin
        .call(
            "reclamaciones/decidir",
            &[
                ("claim_id", &claim_id),
                ("accept", "true"),
                ("reason", "El RUT muestra otro titular."),
            ],
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(status_of(&pool, "900123456-8").await, "RECHAZADA");
    assert!(
        app.last_email_to(ADMIN_EMAIL)
            .await
            .contains("aceptó su reclamación")
    );

    // The document is free: the real company registers it (pending, as every new one).
    let registered = register(&app, &taken).await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    let holders: Vec<String> = sqlx::query_scalar(
        "SELECT approval_status FROM organizations WHERE document_number = '900123456-8' ORDER BY created_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(holders, ["RECHAZADA", "PENDIENTE_APROBACION"]);
}
