//! User management and the scoping of every query to the signed-in organisation.

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{
    AUDITOR_ANM, DILUVIO_ADMIN, DILUVIO_OPERADOR, OROCAUCA_ADMIN, OROCAUCA_OPERADOR, TestApp,
};

/// The demonstration user ids (server::demo).
const DILUVIO_OPERADOR_ID: &str = "00000000-0000-0000-0000-000000d20002";
const OROCAUCA_OPERADOR_ID: &str = "00000000-0000-0000-0000-000000d20004";

async fn user_state(pool: &PgPool, user_id: &str) -> (String, bool) {
    sqlx::query_as("SELECT role, active FROM users WHERE user_id = $1::uuid")
        .bind(user_id)
        .fetch_one(pool)
        .await
        .expect("user")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_administrator_sees_and_changes_only_its_own_organisation(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;

    let users = app.call("usuarios", &[]).await.json();
    let names: Vec<&str> = users
        .as_array()
        .map(|rows| rows.iter().filter_map(|r| r["username"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["diluvio.operador", "diluvio.admin"]);

    // Another organisation's user, by changing the id in the call: it does not exist for us.
    for (endpoint, fields) in [
        (
            "usuarios/activo",
            [("user_id", OROCAUCA_OPERADOR_ID), ("active", "false")],
        ),
        (
            "usuarios/rol",
            [("user_id", OROCAUCA_OPERADOR_ID), ("role", "ADMINISTRADOR")],
        ),
    ] {
        let response = app.call(endpoint, &fields).await;
        assert_eq!(response.json(), "NotFound", "{endpoint}: {}", response.body);
    }
    assert_eq!(
        user_state(&app.pool, OROCAUCA_OPERADOR_ID).await,
        ("OPERADOR".to_owned(), true),
        "untouched"
    );

    // Its own user: changed, and a deactivated user's sessions end.
    let operator = TestApp::new(app.pool.clone());
    operator.sign_in(DILUVIO_OPERADOR).await;
    let response = app
        .call(
            "usuarios/rol",
            &[("user_id", DILUVIO_OPERADOR_ID), ("role", "CONSULTA")],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let response = app
        .call(
            "usuarios/activo",
            &[("user_id", DILUVIO_OPERADOR_ID), ("active", "false")],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        user_state(&app.pool, DILUVIO_OPERADOR_ID).await,
        ("CONSULTA".to_owned(), false)
    );
    assert_eq!(operator.get("/").await.status, StatusCode::FOUND);
    // A platform role cannot be given, and an administrator cannot lock itself out.
    let response = app
        .call(
            "usuarios/rol",
            &[("user_id", DILUVIO_OPERADOR_ID), ("role", "AUDITOR_ANM")],
        )
        .await;
    response.error("Refused");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_operator_cannot_reach_user_management(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(OROCAUCA_OPERADOR).await;
    assert_eq!(app.call("usuarios", &[]).await.json(), "Forbidden");
    let response = app
        .call(
            "usuarios/activo",
            &[("user_id", OROCAUCA_OPERADOR_ID), ("active", "false")],
        )
        .await;
    assert_eq!(response.json(), "Forbidden");
    let page = app.get("/usuarios").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("Su rol no le permite hacer esto."));
    assert!(!page.body.contains("Invitar un usuario"));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_auditor_reads_every_organisation_and_administrators_do_not(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(AUDITOR_ANM).await;
    let home = app.get("/").await;
    assert!(home.body.contains("Verificación del libro"));
    assert!(
        !home.body.contains("Reenviar saldos actualizados"),
        "the platform roles hold no balances"
    );
    // The demonstration's title holder, trader, subsistence miner and plant.
    let organizations = app.call("organizaciones", &[]).await.json();
    assert_eq!(organizations.as_array().map(Vec::len), Some(4));
    assert_eq!(
        app.call("usuarios", &[]).await.json(),
        "Forbidden",
        "reads, never manages"
    );

    let admin = TestApp::new(app.pool.clone());
    admin.sign_in(OROCAUCA_ADMIN).await;
    assert_eq!(admin.call("organizaciones", &[]).await.json(), "Forbidden");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_invited_user_activates_its_account_and_signs_in(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.sign_in(DILUVIO_ADMIN).await;
    let response = app
        .call(
            "usuarios/invitar",
            &[
                ("draft[full_name]", "Pedro Pérez"),
                ("draft[email]", "pedro@diluvio.co"),
                ("draft[mobile]", ""),
                ("draft[role]", "OPERADOR"),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let text = app.last_email_to("pedro@diluvio.co").await;
    let marker = "http://veta.test/invitacion?token=";
    let start = text.find(marker).expect("an invitation link") + marker.len();
    let token = text[start..start + 64].to_owned();

    let pedro = TestApp::new(app.pool.clone());
    let password = "minas de la virginia";
    let response = pedro
        .call(
            "invitacion",
            &[
                ("token", &token),
                ("username", "diluvio.admin"),
                ("password", password),
                ("confirmation", password),
            ],
        )
        .await;
    assert_eq!(
        response.json()["Invalid"]["errors"][0]["code"],
        "username_taken"
    );
    let response = pedro
        .call(
            "invitacion",
            &[
                ("token", &token),
                ("username", "pedro.perez"),
                ("password", password),
                ("confirmation", password),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    pedro
        .call(
            "ingresar",
            &[("identifier", "pedro.perez"), ("password", password)],
        )
        .await;
    let code = pedro.last_code_to("pedro@diluvio.co").await;
    let response = pedro.call("ingresar/codigo", &[("code", &code)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(pedro.get("/").await.body.contains("PEDRO PÉREZ"));
}
