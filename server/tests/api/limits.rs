//! Every rate limit answers 429 with when to retry, and lets through again after its window; the
//! second factor locks an account after too many wrong codes, whatever the codes.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use domain::limits::{
    PURCHASES_PER_BUYER_SELLER, REGISTRATIONS_PER_ADDRESS, REGISTRATIONS_PER_EMAIL,
    SELLER_LOOKUPS_PER_USER, WRONG_SIGN_IN_CODES_PER_ACCOUNT,
};
use sqlx::PgPool;

use crate::compras::{buyer, call, hand_to_seller, header};
use crate::helpers::TestApp;
use crate::registration::{register, trader};

/// Moves every recorded event and block into the past: the windows have passed.
async fn a_day_later(pool: &PgPool) {
    sqlx::query("UPDATE limit_events SET at = at - interval '25 hours'")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE limit_blocks SET blocked_until = now() - interval '1 second'")
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn seller_look_ups_are_limited_recorded_and_reset(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    for _ in 0..SELLER_LOOKUPS_PER_USER.max {
        let found = call(&app, "compras/vendedor", &header()).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    }
    let limited = call(&app, "compras/vendedor", &header()).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    let message = limited.error("Throttled");
    assert!(
        message.contains("60 búsquedas de vendedores en 1 hora"),
        "{message}"
    );
    assert!(message.contains("Intente de nuevo en"), "{message}");
    // Each look-up is on record with the document asked for.
    let recorded: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM limit_events WHERE limit_name = $1 AND detail = 'NIT 9013049617'",
    )
    .bind(SELLER_LOOKUPS_PER_USER.name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recorded, 60);
    a_day_later(&pool).await;
    let again = call(&app, "compras/vendedor", &header()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn purchases_handed_to_one_seller_are_limited_per_day(pool: PgPool) {
    let app = buyer(pool.clone()).await;
    for _ in 0..PURCHASES_PER_BUYER_SELLER.max {
        hand_to_seller(&app, "URL").await;
    }
    let fields: Vec<(String, String)> = header()
        .into_iter()
        .chain([("via".to_owned(), "URL".to_owned())])
        .collect();
    let limited = call(&app, "compras/enviar-al-vendedor", &fields).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(
        limited
            .error("Throttled")
            .contains("20 compras enviadas a este vendedor")
    );
    let in_progress: i64 = sqlx::query_scalar("SELECT count(*) FROM compras")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(in_progress, 20, "the refused one left nothing");
    a_day_later(&pool).await;
    hand_to_seller(&app, "URL").await;
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn registrations_are_limited_per_address_and_per_email(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    // Per email: the same administrator email three times (the later ones get an email, not a
    // second account), then refused.
    for _ in 0..REGISTRATIONS_PER_EMAIL.max {
        let response = register(&app, &trader(&[])).await;
        assert!(
            response.status == StatusCode::OK
                || response.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            response.body
        );
    }
    let limited = register(&app, &trader(&[])).await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    assert!(
        limited
            .error("Throttled")
            .contains("registros con este correo")
    );
    // Per address: other emails, until the address's hour is full.
    let emails: Vec<String> = (0..REGISTRATIONS_PER_ADDRESS.max)
        .map(|n| format!("persona{n}@oronorte.co"))
        .collect();
    let mut refused_by_address = false;
    for email in &emails {
        let response = register(&app, &trader(&[("admin_email", email)])).await;
        if response.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                response
                    .error("Throttled")
                    .contains("registros desde su conexión")
            );
            refused_by_address = true;
        }
    }
    assert!(refused_by_address, "the address reached its limit");
    a_day_later(&pool).await;
    let after = register(&app, &trader(&[("admin_email", "otra@oronorte.co")])).await;
    assert_ne!(
        after.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        after.body
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn wrong_sign_in_codes_lock_the_account_whatever_the_codes(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let email = "orocauca.operador@demo.veta.com.co";
    let password = [
        ("identifier", "orocauca.operador"),
        ("password", server::demo::DEMO_PASSWORD),
    ];
    let mut wrong_codes = 0;
    'attempts: loop {
        // A fresh sign-in (a fresh code) each time: the count is the account's, not the code's.
        let started = app.call("ingresar", &password).await;
        if started.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(started.status, StatusCode::OK, "{}", started.body);
        let code = app.last_code_to(email).await;
        let wrong = if code == "00000000" {
            "11111111"
        } else {
            "00000000"
        };
        for _ in 0..3 {
            let answer = app.call("ingresar/codigo", &[("code", wrong)]).await;
            wrong_codes += 1;
            if answer.status == StatusCode::TOO_MANY_REQUESTS {
                assert!(
                    answer
                        .error("Throttled")
                        .contains("códigos de ingreso errados")
                );
                break 'attempts;
            }
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
        }
    }
    assert_eq!(wrong_codes, WRONG_SIGN_IN_CODES_PER_ACCOUNT.max);
    // Locked: the right password gets no new code; the owner was told.
    let locked = app.call("ingresar", &password).await;
    assert_eq!(
        locked.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        locked.body
    );
    assert!(app.last_email_to(email).await.contains("queda bloqueada"));
    let alerts: i64 =
        sqlx::query_scalar("SELECT count(*) FROM alerts WHERE kind = 'CODIGOS_ERRADOS_CUENTA'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(alerts, 1);
    a_day_later(&pool).await;
    app.sign_in("orocauca.operador").await;
}
