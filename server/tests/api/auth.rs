//! Sign-in, second factor, throttling, sessions, registration, verification, recovery.

use axum::http::StatusCode;
use sqlx::PgPool;

use crate::helpers::{DILUVIO_ADMIN, DILUVIO_OPERADOR, TestApp};
use server::demo::DEMO_PASSWORD;

fn demo_email(username: &str) -> String {
    format!("{username}@demo.veta.com.co")
}

async fn events(pool: &PgPool, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM auth_events WHERE kind = $1")
        .bind(kind)
        .fetch_one(pool)
        .await
        .expect("count")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sign_in_takes_the_password_then_the_emailed_code(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    assert_eq!(
        app.get("/").await.status,
        StatusCode::FOUND,
        "not signed in yet"
    );

    let response = app
        .call(
            "ingresar",
            &[("identifier", "Diluvio.Admin"), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(app.cookie("veta_desafio").is_some());
    assert!(
        app.cookie("veta_sesion").is_none(),
        "no session before the code"
    );
    let email = app.last_email_to(&demo_email(DILUVIO_ADMIN)).await;
    assert!(email.contains("Señores,"), "{email}");
    assert!(email.contains("el sistema de Trazabilidad Minera de Veta le informa"));

    let code = app.last_code_to(&demo_email(DILUVIO_ADMIN)).await;
    let response = app.call("ingresar/codigo", &[("code", &code)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(app.cookie("veta_sesion").is_some());
    assert!(app.cookie("veta_desafio").is_none());

    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("MINERA EL DILUVIO GOLD S.A.S"));
    assert_eq!(events(&app.pool, "INGRESO_EXITOSO").await, 1);

    // Signing in by email works the same.
    app.clear_cookies();
    let response = app
        .call(
            "ingresar",
            &[
                ("identifier", &demo_email(DILUVIO_ADMIN)),
                ("password", DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    let wrong = app
        .call(
            "ingresar",
            &[
                ("identifier", DILUVIO_ADMIN),
                ("password", "no es la clave"),
            ],
        )
        .await;
    let unknown = app
        .call(
            "ingresar",
            &[
                ("identifier", "nadie.existe"),
                ("password", "no es la clave"),
            ],
        )
        .await;
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.error("Refused"), "Usuario o contraseña incorrectos.");
    assert_eq!(events(&app.pool, "INGRESO_FALLIDO").await, 2);
    assert!(app.cookie("veta_desafio").is_none());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn five_failures_lock_the_account_even_for_the_right_password(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    for _ in 0..5 {
        let response = app
            .call(
                "ingresar",
                &[
                    ("identifier", DILUVIO_ADMIN),
                    ("password", "adivinando 123"),
                ],
            )
            .await;
        response.error("Refused");
    }
    assert_eq!(events(&app.pool, "CUENTA_BLOQUEADA").await, 1);
    let response = app
        .call(
            "ingresar",
            &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert!(response.error("Throttled").contains("Espere 15 minutos"));
    // An account that does not exist is throttled exactly alike.
    for _ in 0..5 {
        app.call(
            "ingresar",
            &[("identifier", "nadie.existe"), ("password", "x")],
        )
        .await
        .error("Refused");
    }
    let response = app
        .call(
            "ingresar",
            &[("identifier", "nadie.existe"), ("password", "x")],
        )
        .await;
    assert!(response.error("Throttled").contains("Espere 15 minutos"));
    // Another account is not affected; and the lock ends with the window.
    app.sign_in(DILUVIO_OPERADOR).await;
    sqlx::query("UPDATE auth_events SET at = at - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .expect("time travel");
    app.sign_in(DILUVIO_ADMIN).await;
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn five_wrong_codes_need_a_new_code(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.call(
        "ingresar",
        &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
    )
    .await;
    let code = app.last_code_to(&demo_email(DILUVIO_ADMIN)).await;
    let wrong = if code == "11111111" {
        "22222222"
    } else {
        "11111111"
    };
    let early = app.call("ingresar/reenviar-codigo", &[]).await;
    assert!(
        early.error("Throttled").contains("Espere"),
        "resending is throttled"
    );
    for left in (0..5).rev() {
        let message = app
            .call("ingresar/codigo", &[("code", wrong)])
            .await
            .error("Refused");
        if left > 0 {
            assert!(
                message.contains(&format!("Le quedan {left} intento")),
                "{message}"
            );
        } else {
            assert!(message.contains("Superó los 5 intentos"), "{message}");
        }
    }
    // The spent code is no longer compared, even when right: a throttle (429).
    let message = app
        .call("ingresar/codigo", &[("code", &code)])
        .await
        .error("Throttled");
    assert!(message.contains("Solicite un código nuevo"), "{message}");
    assert_eq!(events(&app.pool, "CODIGO_AGOTADO").await, 1);

    // An exhausted code may be replaced at once.
    let response = app.call("ingresar/reenviar-codigo", &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let new_code = app.last_code_to(&demo_email(DILUVIO_ADMIN)).await;
    let response = app.call("ingresar/codigo", &[("code", &new_code)]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert!(app.cookie("veta_sesion").is_some());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_code_expires_and_serves_once(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    app.call(
        "ingresar",
        &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
    )
    .await;
    let code = app.last_code_to(&demo_email(DILUVIO_ADMIN)).await;
    sqlx::query("UPDATE login_challenges SET expires_at = now() - interval '1 second'")
        .execute(&app.pool)
        .await
        .expect("expire");
    let message = app
        .call("ingresar/codigo", &[("code", &code)])
        .await
        .error("Refused");
    assert!(message.contains("venció"), "{message}");

    app.clear_cookies();
    app.call(
        "ingresar",
        &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
    )
    .await;
    let challenge = app.cookie("veta_desafio").expect("pending sign-in");
    let code = app.last_code_to(&demo_email(DILUVIO_ADMIN)).await;
    app.call("ingresar/codigo", &[("code", &code)]).await;
    // Replaying the same challenge and code (another browser, the old cookie) gets nothing.
    let replay = TestApp::new(app.pool.clone());
    replay.set_cookie("veta_desafio", &challenge);
    let message = replay
        .call("ingresar/codigo", &[("code", &code)])
        .await
        .error("Refused");
    assert!(message.contains("No hay un ingreso pendiente"), "{message}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sessions_end_by_sign_out_idle_time_and_everywhere(pool: PgPool) {
    let first = TestApp::with_demo_data(pool).await;
    first.sign_in(DILUVIO_ADMIN).await;
    let second = TestApp::new(first.pool.clone());
    second.sign_in(DILUVIO_ADMIN).await;
    assert_eq!(second.get("/").await.status, StatusCode::OK);

    let response = first.call("salir", &[("everywhere", "true")]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(first.get("/").await.status, StatusCode::FOUND);
    assert_eq!(
        second.get("/").await.status,
        StatusCode::FOUND,
        "signed out everywhere"
    );

    second.sign_in(DILUVIO_ADMIN).await;
    assert_eq!(second.get("/").await.status, StatusCode::OK);
    sqlx::query("UPDATE sessions SET last_seen_at = now() - interval '31 minutes'")
        .execute(&second.pool)
        .await
        .expect("idle");
    assert_eq!(
        second.get("/").await.status,
        StatusCode::FOUND,
        "idle timeout"
    );

    second.sign_in(DILUVIO_ADMIN).await;
    second.call("salir", &[("everywhere", "false")]).await;
    assert_eq!(second.get("/").await.status, StatusCode::FOUND);
    assert_eq!(events(&second.pool, "SALIDA").await, 1);
    assert_eq!(events(&second.pool, "SALIDA_TODAS").await, 1);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn writes_from_another_site_are_refused(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    let response = app
        .call_with_origin(
            "ingresar",
            &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
            "http://sitio-malicioso.example",
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.json()["code"], "cross_origin_request");
    assert!(app.cookie("veta_desafio").is_none());
    // From the public address's own pages (PUBLIC_URL), whatever Host a proxy sends.
    let response = app
        .call_with_origin(
            "ingresar",
            &[("identifier", DILUVIO_ADMIN), ("password", DEMO_PASSWORD)],
            "http://veta.test",
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_burst_of_guesses_cannot_pass_the_count_while_passwords_are_verified(pool: PgPool) {
    let app = TestApp::with_demo_data(pool).await;
    let guesses = (0..12).map(|n| {
        let password = format!("adivinanza numero {n}");
        let app = &app;
        async move {
            app.call(
                "ingresar",
                &[("identifier", DILUVIO_ADMIN), ("password", &password)],
            )
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let verified = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // Each attempt is counted before its (slow) verification: only the first five are verified.
    assert_eq!((verified, throttled), (5, 7), "{statuses:?}");
}
