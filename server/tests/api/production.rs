//! The production report's web service (seed 003): login → PIN by email → token per environment →
//! batches of records answered one by one; the purge of test data.
#![allow(clippy::unwrap_used)]

use axum::http::StatusCode;
use domain::production_report::Environment;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::helpers::{DILUVIO_ADMIN, DILUVIO_OPERADOR, OROCAUCA_ADMIN, TestApp, TestResponse};

const LOGIN: &str = "/api/produccion/v1/login";
const AUTORIZACION: &str = "/api/produccion/v1/autorizacion";
const CARGUE: &str = "/api/produccion/v1/cargue";
const TITULO: &str = "T14292011-003";

fn email(username: &str) -> String {
    format!("{username}@demo.veta.com.co")
}

async fn pins_sent(pool: &PgPool, to: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM outbox WHERE recipient = $1 AND subject LIKE 'PIN del reporte%'",
    )
    .bind(to)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn login(app: &TestApp, username: &str) -> TestResponse {
    let body = json!({"usuario": username, "correo": email(username)}).to_string();
    app.post_json(LOGIN, None, &body).await
}

async fn authorize(app: &TestApp, username: &str, pin: &str, ambiente: &str) -> TestResponse {
    let body =
        json!({"usuario": username, "correo": email(username), "pin": pin, "ambiente": ambiente})
            .to_string();
    app.post_json(AUTORIZACION, None, &body).await
}

/// Steps 1 and 2 for Diluvio's administrator: a token of `ambiente`.
async fn token(app: &TestApp, ambiente: &str) -> String {
    let sent = login(app, DILUVIO_ADMIN).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let pin = app.last_code_to(&email(DILUVIO_ADMIN)).await;
    let issued = authorize(app, DILUVIO_ADMIN, &pin, ambiente).await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let issued = issued.json();
    assert_eq!(issued["ambiente"], ambiente);
    issued["token"].as_str().unwrap().to_owned()
}

/// `field:code` of each error of a JSON list of field errors.
fn field_codes(errors: &Value) -> Vec<String> {
    errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["field"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect()
}

fn record(consecutivo: &str, grams: &str) -> Value {
    json!({
        "consecutivo": consecutivo,
        "fecha_toma_medida": "01/11/2026 10:15:00",
        "tipo_variable_id": 1,
        "mineral_id": "ORO",
        "unidad_medida_id": "g",
        "valor_variable": grams,
        "tipo_material_id": "DORE",
        "punto_control_nombre": "Báscula fundición",
        "punto_control_ubicacion": "Planta, salida de fundición",
        "titulo": TITULO,
        "variables_contexto": "{\"turno\": \"noche\"}"
    })
}

async fn cargue(app: &TestApp, token: &str, body: &Value) -> TestResponse {
    app.post_json(CARGUE, Some(token), &body.to_string()).await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn login_answers_the_same_and_only_a_holders_administrator_gets_a_pin(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let holder = login(&app, DILUVIO_ADMIN).await;
    assert_eq!(holder.status, StatusCode::OK, "{}", holder.body);
    assert_eq!(pins_sent(&pool, &email(DILUVIO_ADMIN)).await, 1);
    // An operator of the holder, a trader's administrator, an unknown account: same answer, no PIN.
    for username in [DILUVIO_OPERADOR, OROCAUCA_ADMIN, "nadie.aqui"] {
        let other = login(&app, username).await;
        assert_eq!(other.status, StatusCode::OK, "{}", other.body);
        assert_eq!(other.body, holder.body);
        assert_eq!(pins_sent(&pool, &email(username)).await, 0, "{username}");
    }
    // A second PIN at once is held back (60 s between PINs), with the same answer.
    let again = login(&app, DILUVIO_ADMIN).await;
    assert_eq!(again.body, holder.body);
    assert_eq!(pins_sent(&pool, &email(DILUVIO_ADMIN)).await, 1);
    // Malformed fields are named.
    let bad = app
        .post_json(
            LOGIN,
            None,
            &json!({"usuario": "", "correo": "x@"}).to_string(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let bad = bad.json();
    assert_eq!(bad["code"], "validation_failed");
    assert_eq!(bad["errors"][0]["field"], "usuario");
    assert_eq!(bad["errors"][1]["field"], "correo");
    let not_json = app.post_json(LOGIN, None, "usuario=x").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_json.json()["code"], "json_malformed");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_pin_is_single_use_and_accepts_five_wrong_tries(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    login(&app, DILUVIO_ADMIN).await;
    let pin = app.last_code_to(&email(DILUVIO_ADMIN)).await;
    let wrong = if pin == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for left in (1..=4).rev() {
        let refused = authorize(&app, DILUVIO_ADMIN, wrong, "PRUEBAS").await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
        assert_eq!(refused.json()["code"], "code_wrong");
        assert!(
            refused.json()["message"]
                .as_str()
                .unwrap()
                .contains(&format!("{left} intento"))
        );
    }
    let last = authorize(&app, DILUVIO_ADMIN, wrong, "PRUEBAS").await;
    assert_eq!(last.json()["code"], "code_wrong_exhausted");
    let exhausted = authorize(&app, DILUVIO_ADMIN, &pin, "PRUEBAS").await;
    assert_eq!(exhausted.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(exhausted.json()["code"], "code_exhausted");

    // An exhausted PIN is replaced at once; the new one works once.
    login(&app, DILUVIO_ADMIN).await;
    assert_eq!(pins_sent(&pool, &email(DILUVIO_ADMIN)).await, 2);
    let pin = app.last_code_to(&email(DILUVIO_ADMIN)).await;
    let issued = authorize(&app, DILUVIO_ADMIN, &pin, "PRUEBAS").await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let reused = authorize(&app, DILUVIO_ADMIN, &pin, "PRUEBAS").await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reused.json()["code"], "pin_invalid");

    // An expired PIN is refused.
    login(&app, DILUVIO_ADMIN).await;
    let pin = app.last_code_to(&email(DILUVIO_ADMIN)).await;
    sqlx::query("UPDATE production_login_pins SET expires_at = now() - interval '1 second'")
        .execute(&pool)
        .await
        .unwrap();
    let expired = authorize(&app, DILUVIO_ADMIN, &pin, "PRUEBAS").await;
    assert_eq!(expired.json()["code"], "code_expired");

    // Every field of step 2 is checked, and only the PIN's owner may use it.
    let bad = app
        .post_json(
            AUTORIZACION,
            None,
            &json!({"usuario": DILUVIO_ADMIN, "correo": email(DILUVIO_ADMIN), "pin": "12", "ambiente": "QA"})
                .to_string(),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = field_codes(&bad.json()["errors"]);
    assert_eq!(fields, ["pin:code_malformed", "ambiente:ambiente_unknown"]);
    let operator = authorize(&app, DILUVIO_OPERADOR, &pin, "PRUEBAS").await;
    assert_eq!(operator.json()["code"], "pin_invalid");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn one_active_token_per_environment_and_a_new_one_disables_the_old(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let first = token(&app, "PRUEBAS").await;
    let production = token(&app, "PRODUCCION").await;
    let second = token(&app, "PRUEBAS").await;
    let batch = json!([record("A-1", "10")]);
    let old = cargue(&app, &first, &batch).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "{}", old.body);
    assert_eq!(old.json()["code"], "token_disabled");
    let ok = cargue(&app, &second, &batch).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["ambiente"], "PRUEBAS");
    let official = cargue(&app, &production, &batch).await;
    assert_eq!(official.json()["ambiente"], "PRODUCCION");
    // The same consecutivo is accepted once per environment.
    assert_eq!(official.json()["resultados"][0]["estado"], "ACEPTADO");
    let active: Vec<(String, i64)> = sqlx::query_as(
        "SELECT environment, count(*) FROM production_tokens WHERE disabled_at IS NULL
         GROUP BY environment ORDER BY environment",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        active,
        [("PRODUCCION".to_owned(), 1), ("PRUEBAS".to_owned(), 1)]
    );
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM production_tokens")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(
        stored.iter().all(|hash| hash.len() == 32),
        "only SHA-256 is stored"
    );
    let none = app.post_json(CARGUE, None, &batch.to_string()).await;
    assert_eq!(none.json()["code"], "token_missing");
    let unknown = cargue(&app, &"0".repeat(64), &batch).await;
    assert_eq!(unknown.json()["code"], "token_invalid");
    // A user who stops being an administrator cannot go on reporting.
    sqlx::query("UPDATE users SET role = 'OPERADOR' WHERE username = $1")
        .bind(DILUVIO_ADMIN)
        .execute(&pool)
        .await
        .unwrap();
    let demoted = cargue(&app, &second, &batch).await;
    assert_eq!(demoted.status, StatusCode::FORBIDDEN);
    assert_eq!(demoted.json()["code"], "forbidden");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_token_unused_for_180_days_expires(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let token = token(&app, "PRUEBAS").await;
    let age = |days: i32| {
        sqlx::query(
            "UPDATE production_tokens SET created_at = now() - make_interval(days => 400),
                                          last_used_at = now() - make_interval(days => $1)",
        )
        .bind(days)
        .execute(&pool)
    };
    age(179).await.unwrap();
    let used = cargue(&app, &token, &json!([record("A-1", "1")])).await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let recent: bool = sqlx::query_scalar(
        "SELECT last_used_at > now() - interval '1 minute' FROM production_tokens",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(recent, "a use is recorded");
    age(181).await.unwrap();
    let expired = cargue(&app, &token, &json!([record("A-2", "1")])).await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.json()["code"], "token_expired");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn records_are_answered_one_by_one_and_idempotent_by_consecutivo(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let token = token(&app, "PRODUCCION").await;
    let first = cargue(
        &app,
        &token,
        &json!({"registros": [record("B-1", "100.5"), record("B-2", "7")]}),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    assert_eq!(first["aceptados"], 2);
    let ids: Vec<Value> = (0..2)
        .map(|i| first["resultados"][i]["id"].clone())
        .collect();

    // The same batch again: duplicates answered with the same ids, nothing stored twice.
    let again = cargue(
        &app,
        &token,
        &json!([record("B-1", "100.5"), record("B-2", "7")]),
    )
    .await
    .json();
    assert_eq!(again["duplicados"], 2);
    assert_eq!(again["resultados"][0]["estado"], "DUPLICADO");
    assert_eq!(again["resultados"][0]["id"], ids[0]);
    assert_eq!(again["resultados"][1]["id"], ids[1]);

    // A changed record under a used consecutivo is refused; the others still go in.
    let changed = cargue(
        &app,
        &token,
        &json!([
            record("B-1", "100.6"),
            record("B-3", "1"),
            record("B-3", "1")
        ]),
    )
    .await
    .json();
    assert_eq!(changed["resultados"][0]["estado"], "RECHAZADO");
    assert_eq!(
        changed["resultados"][0]["errores"][0]["code"],
        "consecutivo_conflict"
    );
    assert_eq!(changed["resultados"][1]["estado"], "ACEPTADO");
    assert_eq!(changed["resultados"][2]["estado"], "DUPLICADO");
    assert_eq!(
        (
            changed["aceptados"].clone(),
            changed["duplicados"].clone(),
            changed["rechazados"].clone()
        ),
        (json!(1), json!(1), json!(1))
    );
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM production_records")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, 3);
    let batches: Vec<(i32, i32, i32, i32)> = sqlx::query_as(
        "SELECT total, accepted, duplicates, rejected FROM production_batches ORDER BY received_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(batches, [(2, 2, 0, 0), (2, 0, 2, 0), (3, 1, 1, 1)]);

    // Production rows are never changed nor deleted.
    let update = sqlx::query("UPDATE production_records SET mineral = 'PLATA'")
        .execute(&pool)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM production_batches")
        .execute(&pool)
        .await;
    assert!(delete.is_err());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn every_field_is_checked_and_reported_with_its_code(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let token = token(&app, "PRUEBAS").await;
    let wrong = json!({
        "consecutivo": "x".repeat(101),
        "fecha_toma_medida": "2026-11-01 10:00",
        "tipo_variable_id": 99,
        "mineral_id": 7,
        "unidad_medida_id": "furlong",
        "valor_variable": "1.23456",
        "tipo_material_id": "roca lunar",
        "punto_control_nombre": "",
        "punto_control_ubicacion": 12,
        "titulo": "T14 292",
        "variables_contexto": "{no es json",
        "extra": 1
    });
    let answer = cargue(&app, &token, &json!([wrong, {}])).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = answer.json();
    assert_eq!(answer["rechazados"], 2);
    let errors = field_codes(&answer["resultados"][0]["errores"]);
    assert_eq!(
        errors,
        [
            "extra:field_unknown",
            "consecutivo:too_long",
            "fecha_toma_medida:fecha_hora_format",
            "tipo_variable_id:catalog_unknown",
            "mineral_id:mineral_numeric",
            "unidad_medida_id:catalog_unknown",
            "valor_variable:decimal_scale",
            "tipo_material_id:catalog_unknown",
            "punto_control_nombre:required",
            "punto_control_ubicacion:wrong_type",
            "titulo:codigo_expediente_invalid_character",
            "variables_contexto:json_invalid",
        ]
    );
    let message = answer["resultados"][0]["errores"][6]["message"]
        .as_str()
        .unwrap();
    assert_eq!(
        message,
        "valor_variable: admite hasta 4 decimales; tiene 5."
    );
    assert_eq!(
        answer["resultados"][1]["errores"].as_array().unwrap().len(),
        10
    );

    // Rules across fields: the unit must measure the variable; a percentage stays within 100.
    let mut volume_in_grams = record("C-1", "5");
    volume_in_grams["tipo_variable_id"] = json!("VOLUMEN");
    let mut humidity = record("C-2", "100.01");
    humidity["tipo_variable_id"] = json!(4);
    humidity["unidad_medida_id"] = json!("%");
    let cross = cargue(&app, &token, &json!([volume_in_grams, humidity]))
        .await
        .json();
    assert_eq!(
        cross["resultados"][0]["errores"][0]["code"],
        "unit_incompatible_with_variable"
    );
    assert_eq!(
        cross["resultados"][1]["errores"][0]["code"],
        "percent_over_100"
    );

    // The body itself.
    for (body, status, code) in [
        ("{", StatusCode::BAD_REQUEST, "json_malformed"),
        ("[]", StatusCode::UNPROCESSABLE_ENTITY, "cargue_empty"),
        (
            "{\"datos\": []}",
            StatusCode::UNPROCESSABLE_ENTITY,
            "cargue_not_a_list",
        ),
    ] {
        let refused = app.post_json(CARGUE, Some(&token), body).await;
        assert_eq!(refused.status, status, "{body}: {}", refused.body);
        assert_eq!(refused.json()["code"], code);
    }
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn only_the_holders_own_titles_are_accepted(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    sqlx::query(
        "INSERT INTO mining_titles (codigo_expediente, organization_id)
         SELECT 'GGF-151', organization_id FROM users WHERE username = $1",
    )
    .bind(OROCAUCA_ADMIN)
    .execute(&pool)
    .await
    .unwrap();
    let token = token(&app, "PRUEBAS").await;
    let mut foreign = record("D-1", "1");
    foreign["titulo"] = json!(format!("{TITULO}, GGF-151"));
    let mut unknown = record("D-2", "1");
    unknown["titulo"] = json!("ABC123");
    let answer = cargue(&app, &token, &json!([foreign, unknown, record("D-3", "1")]))
        .await
        .json();
    for index in 0..2 {
        assert_eq!(answer["resultados"][index]["estado"], "RECHAZADO");
        assert_eq!(
            answer["resultados"][index]["errores"][0]["code"],
            "titulo_ajeno"
        );
    }
    let message = answer["resultados"][0]["errores"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.starts_with("titulo: GGF-151 no pertenece"),
        "{message}"
    );
    assert_eq!(answer["resultados"][2]["estado"], "ACEPTADO");
}

/// A batch of one record of `environment`, received `days` ago, written directly.
async fn aged_record(pool: &PgPool, environment: &str, consecutivo: &str, days: i32) {
    sqlx::query(
        "WITH holder AS (SELECT user_id, organization_id FROM users WHERE username = $1),
              batch AS (
                  INSERT INTO production_batches (batch_id, user_id, organization_id, environment,
                      received_at, total, accepted, duplicates, rejected, results)
                  SELECT gen_random_uuid(), user_id, organization_id, $2,
                         now() - make_interval(days => $4), 1, 1, 0, 0, '[]'
                  FROM holder RETURNING batch_id, user_id, organization_id)
         INSERT INTO production_records (record_id, batch_id, user_id, organization_id, environment,
             consecutivo, digest, fecha_toma_medida, tipo_variable_id, mineral, unidad_medida_id,
             valor_variable, tipo_material_id, titulos, record, received_at)
         SELECT gen_random_uuid(), batch_id, user_id, organization_id, $2, $3,
                sha256(convert_to($3::text, 'UTF8')), now() - make_interval(days => $4), 1, 'ORO', 3, 1, 6,
                ARRAY['T14292011-003'], '{}', now() - make_interval(days => $4)
         FROM batch",
    )
    .bind(DILUVIO_ADMIN)
    .bind(environment)
    .bind(consecutivo)
    .bind(days)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn test_data_is_purged_after_eight_days_and_production_data_is_kept(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    let token = token(&app, "PRUEBAS").await;
    let fresh = cargue(&app, &token, &json!([record("E-1", "1")])).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    aged_record(&pool, "PRUEBAS", "E-old", 9).await;
    aged_record(&pool, "PRUEBAS", "E-7", 7).await;
    aged_record(&pool, "PRODUCCION", "E-prod", 400).await;
    let purged = server::production_purge::purge_pruebas(&pool)
        .await
        .unwrap();
    assert_eq!(
        purged,
        server::production_purge::Purged {
            records: 1,
            batches: 1
        }
    );
    let left: Vec<String> =
        sqlx::query_scalar("SELECT consecutivo FROM production_records ORDER BY consecutivo")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(left, ["E-1", "E-7", "E-prod"]);
    // Run again (another server, or after a restart): nothing more to do.
    let again = server::production_purge::purge_pruebas(&pool)
        .await
        .unwrap();
    assert_eq!(again, server::production_purge::Purged::default());
    // Test rows are deletable but never changed.
    let update = sqlx::query(
        "UPDATE production_records SET mineral = 'PLATA' WHERE environment = 'PRUEBAS'",
    )
    .execute(&pool)
    .await;
    assert!(update.is_err());
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn environment_checks_match_the_domain(pool: PgPool) {
    let checks: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
         WHERE c.conrelid::regclass::text IN
               ('production_tokens', 'production_batches', 'production_records')
           AND c.contype = 'c' AND pg_get_constraintdef(c.oid) LIKE '%environment%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(checks.len(), 3, "{checks:?}");
    for check in &checks {
        for environment in Environment::ALL {
            assert!(
                check.contains(&format!("'{}'", environment.code())),
                "{check}"
            );
        }
        assert_eq!(
            check.matches("'::text").count(),
            Environment::ALL.len(),
            "{check}"
        );
    }
}

#[test]
fn the_openapi_description_lists_every_code() {
    let value: Value = serde_json::from_str(server::production_api::OPENAPI).unwrap();
    let listed = value["components"]["schemas"]["Error"]["properties"]["code"]["enum"].clone();
    for code in server::production_api::PRODUCTION_ERROR_CODES {
        assert!(
            listed.as_array().unwrap().iter().any(|c| c == code),
            "{code} missing from the OpenAPI enum"
        );
    }
    assert_eq!(value["openapi"], "3.1.0");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_holder_generates_tokens_and_reads_its_batches_on_its_pages(pool: PgPool) {
    let app = TestApp::with_demo_data(pool.clone()).await;
    app.sign_in(DILUVIO_ADMIN).await;
    let generated = app
        .call("produccion/tokens/generar", &[("environment", "PRUEBAS")])
        .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.body);
    let secret = generated.json()["secret"].as_str().unwrap().to_owned();
    let machine = TestApp::new(pool.clone());
    let sent = cargue(&machine, &secret, &json!([record("P-1", "3"), {}])).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let again = app
        .call("produccion/tokens/generar", &[("environment", "PRUEBAS")])
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);

    let tokens = app.call("produccion/tokens", &[]).await;
    assert_eq!(tokens.status, StatusCode::OK, "{}", tokens.body);
    let tokens = tokens.json();
    assert_eq!(tokens.as_array().unwrap().len(), 2);
    assert_eq!(tokens[0]["state"], "Activo");
    assert_eq!(tokens[0]["environment"], "PRUEBAS");
    assert_eq!(tokens[1]["state"], "Inhabilitado (se generó otro)");
    assert!(tokens[1]["last_used"].is_string(), "{tokens}");

    let batches = app.call("produccion/cargues", &[]).await;
    assert_eq!(batches.status, StatusCode::OK, "{}", batches.body);
    let batches = batches.json();
    assert_eq!(batches[0]["accepted"], 1);
    assert_eq!(batches[0]["rejected"], 1);
    assert_eq!(batches[0]["results"][0]["consecutivo"], "P-1");
    assert_eq!(batches[0]["results"][1]["estado"], "RECHAZADO");
    // A test batch older than 8 days is no longer listed (the purge deletes it).
    aged_record(&pool, "PRUEBAS", "P-old", 9).await;
    let listed = app.call("produccion/cargues", &[]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // A trader's administrator and the holder's operator have no such pages.
    for username in [OROCAUCA_ADMIN, DILUVIO_OPERADOR] {
        let other = TestApp::new(pool.clone());
        other.sign_in(username).await;
        let refused = other
            .call(
                "produccion/tokens/generar",
                &[("environment", "PRODUCCION")],
            )
            .await;
        assert!(
            refused.status.is_client_error(),
            "{username}: {}",
            refused.body
        );
    }
    let pages = app.get("/produccion/tokens").await;
    assert_eq!(pages.status, StatusCode::OK);
    assert!(pages.body.contains("Generar token de pruebas"));
}

/// Today in Colombia, `DD/MM/AAAA`.
fn today() -> String {
    crate::compras::today()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn sales_past_reported_production_raise_one_alert_with_the_figures(pool: PgPool) {
    let holder = TestApp::with_demo_data(pool.clone()).await;
    let token = token(&holder, "PRODUCCION").await;
    let mut produced = record("F-1", "10");
    produced["fecha_toma_medida"] = json!(format!("{} 00:00:00", today()));
    // Test data never counts.
    let test_token = token_for_tests(&holder).await;
    let mut test_only = record("F-T", "1000");
    test_only["fecha_toma_medida"] = produced["fecha_toma_medida"].clone();
    cargue(&holder, &test_token, &json!([test_only])).await;
    let sent = cargue(&holder, &token, &json!([produced])).await;
    assert_eq!(sent.json()["aceptados"], 1, "{}", sent.body);

    // 20 g of gold sold from Diluvio's production code this month: over 10 g × 1.05.
    let buyer = crate::compras::buyer(pool.clone()).await;
    let (compra_id, code) = crate::compras::pending_confirmation(&buyer, "20").await;
    let confirmed = buyer
        .call(
            "compras/confirmar",
            &[("compra_id", &compra_id), ("code", &code)],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let alerts = || {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT subject, detail, coalesce(compra_id::text, '') FROM alerts
             WHERE kind = 'VENTAS_SOBRE_PRODUCCION' AND reviewed_at IS NULL",
        )
        .fetch_all(&pool)
    };
    let raised = alerts().await.unwrap();
    assert_eq!(raised.len(), 1, "{raised:?}");
    let month = today();
    let subject = format!("{TITULO}/ORO/{}-{}", &month[6..10], &month[3..5]);
    assert_eq!(raised[0].0, subject);
    assert!(
        raised[0].1.contains("20 g") && raised[0].1.contains("10 g"),
        "{}",
        raised[0].1
    );
    assert_eq!(raised[0].2, compra_id);

    // More production reported, still short: the same alert, with the new figures.
    let mut more = record("F-2", "5");
    more["fecha_toma_medida"] = json!(format!("{} 00:00:00", today()));
    cargue(&holder, &token, &json!([more])).await;
    let updated = alerts().await.unwrap();
    assert_eq!(updated.len(), 1);
    assert!(updated[0].1.contains("es 15 g"), "{}", updated[0].1);
}

/// A test-environment token of Diluvio's administrator (after a production one: a new PIN).
async fn token_for_tests(app: &TestApp) -> String {
    token(app, "PRUEBAS").await
}

/// `/produccion/mensual`'s declaration of `lines` (titulo, mineral, mes, cantidad, unidad).
async fn declare_monthly(app: &TestApp, lines: &[[&str; 5]]) -> TestResponse {
    let mut fields = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        for (column, value) in ["titulo", "mineral", "mes", "cantidad", "unidad"]
            .iter()
            .zip(line)
        {
            fields.push((
                format!("draft[lines][{index}][{column}]"),
                (*value).to_owned(),
            ));
        }
    }
    crate::compras::call(app, "produccion/mensual/declarar", &fields).await
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_declared_month_counts_as_production_and_is_never_changed(pool: PgPool) {
    let holder = TestApp::with_demo_data(pool.clone()).await;
    holder.sign_in(DILUVIO_ADMIN).await;
    let day = today();
    let month = format!("{}-{}", &day[6..10], &day[3..5]);

    // Field by field, nothing stored: a title of another holder, a month not begun, a bad unit.
    let refused = declare_monthly(
        &holder,
        &[
            ["T99999999-001", "ORO", &month, "5", "g"],
            [TITULO, "ORO", "2999-01", "5", "g"],
            [TITULO, "ORO", &month, "5", "m3"],
        ],
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let codes = field_codes(&refused.json()["Invalid"]["errors"]);
    for expected in [
        "lines[0].titulo:titulo_ajeno",
        "lines[1].mes:monthly_month_in_future",
        "lines[2].unidad:declaration_unit_mismatch",
    ] {
        assert!(
            codes.iter().any(|c| c == expected),
            "{expected} in {codes:?}"
        );
    }

    // 0,01 kg = 10 g of gold this month; a retry stores nothing twice.
    let declared = declare_monthly(&holder, &[[TITULO, "ORO", &month, "0,01", "kg"]]).await;
    assert_eq!(declared.status, StatusCode::OK, "{}", declared.body);
    assert_eq!(declared.json()["stored"], 1);
    let again = declare_monthly(&holder, &[[TITULO, "ORO", &month, "10", "g"]]).await;
    assert_eq!(
        again.json(),
        json!({"stored": 0, "repeated": 1}),
        "{}",
        again.body
    );
    // Another quantity for the same title, mineral and month: refused at its field.
    let changed = declare_monthly(&holder, &[[TITULO, "ORO", &month, "12", "g"]]).await;
    assert_eq!(changed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        changed.json()["Invalid"]["errors"][0]["code"],
        "monthly_already_declared"
    );
    let page = holder.call("produccion/mensual", &[]).await.json();
    assert_eq!(page["titulos"], json!([TITULO]));
    assert_eq!(page["declared"].as_array().unwrap().len(), 1);
    assert_eq!(page["declared"][0]["quantity"], "10,0000 g");
    // Never changed nor deleted, even through SQL.
    let update = sqlx::query("UPDATE monthly_production SET quantity = 1")
        .execute(&pool)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("DELETE FROM monthly_production")
        .execute(&pool)
        .await;
    assert!(delete.is_err());

    // 10 g sold: within 10 g × 1.05, no alert; 11 g sold: past it, an alert naming 10 g produced.
    let buyer = crate::compras::buyer(pool.clone()).await;
    for (grams, alerts) in [("10", 0), ("1", 1)] {
        let (compra_id, code) = crate::compras::pending_confirmation(&buyer, grams).await;
        let confirmed = buyer
            .call(
                "compras/confirmar",
                &[("compra_id", &compra_id), ("code", &code)],
            )
            .await;
        assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
        let raised: Vec<String> =
            sqlx::query_scalar("SELECT detail FROM alerts WHERE kind = $1 AND reviewed_at IS NULL")
                .bind(domain::AlertKind::VentasSobreProduccion.code())
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(raised.len(), alerts, "{grams} g: {raised:?}");
        if let Some(detail) = raised.first() {
            assert!(
                detail.contains("se vendieron 11 g") && detail.contains("es 10 g"),
                "{detail}"
            );
        }
    }

    // Only the administrator of a title holder declares.
    let trader = TestApp::new(pool.clone());
    trader.sign_in(OROCAUCA_ADMIN).await;
    let refused = declare_monthly(&trader, &[[TITULO, "ORO", &month, "1", "g"]]).await;
    assert!(refused.status.is_client_error(), "{}", refused.body);
}
