//! The outbox: messages commit with the change that caused them, are delivered once by any number
//! of workers, and survive a mail server that is down.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use server::email::{EmailTransport, MailSettings, SmtpTransport, notification};
use server::outbox::{
    Attachment, DeliveryReport, OutgoingEmail, OutgoingSms, Secrets, deliver_due, enqueue_email,
    enqueue_secret_email, enqueue_secret_sms, enqueue_sms, spawn_worker,
};
use server::sms::{HttpSmsGateway, RecordingSmsGateway, SmsGateway, SmsSettings, dev_sms_log};
use sqlx::PgPool;
use time::macros::datetime;
use tower::ServiceExt;

use crate::helpers::{FakeMailServer, test_url};

fn email_to(to: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_owned(),
        to_name: Some("Minera El Diluvio Gold S.A.S.".to_owned()),
        subject: "Código de validación de la compra".to_owned(),
        text: "Su código es 123456".to_owned(),
        html: "<p>Su código es 123456</p>".to_owned(),
        attachment: None,
    }
}

/// Enqueues in a transaction of its own that commits, as a feature does with its change.
async fn enqueue_committed(pool: &PgPool, email: &OutgoingEmail) {
    let mut transaction = pool.begin().await.expect("a transaction");
    enqueue_email(&mut transaction, email)
        .await
        .expect("enqueued");
    transaction.commit().await.expect("committed");
}

/// `(attempts, last_error, sent)` of the only row for `to`.
async fn outbox_state(pool: &PgPool, to: &str) -> (i32, Option<String>, bool) {
    sqlx::query_as(
        "SELECT attempts, last_error, sent_at IS NOT NULL FROM outbox WHERE recipient = $1",
    )
    .bind(to)
    .fetch_one(pool)
    .await
    .expect("one row")
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_email_of_a_rolled_back_change_is_never_sent(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let mut transaction = pool.begin().await.expect("a transaction");
    enqueue_email(&mut transaction, &email_to("ana@minera.com.co"))
        .await
        .expect("enqueued");
    transaction.rollback().await.expect("rolled back");

    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(report, DeliveryReport::default());
    assert!(mail.received().is_empty());
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox")
        .fetch_one(&pool)
        .await
        .expect("a count");
    assert_eq!(rows, 0);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_attachment_is_stored_and_delivered_with_its_email(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let email = OutgoingEmail {
        attachment: Some(Attachment {
            name: "saldos_901304961-7_20250306.txt".to_owned(),
            content_type: "text/plain; charset=utf-8".to_owned(),
            content: "\u{feff}CODIGO_ORIGEN\tMINERAL\r\n".as_bytes().to_vec(),
        }),
        ..email_to("ana@minera.com.co")
    };
    enqueue_committed(&pool, &email).await;

    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(report.sent, 1);
    assert_eq!(mail.received(), [email]);
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_database_refuses_an_attachment_that_is_not_a_plain_file(pool: PgPool) {
    for name in ["../etc/passwd", "", "con espacio.txt"] {
        let email = OutgoingEmail {
            attachment: Some(Attachment {
                name: name.to_owned(),
                content_type: "text/plain".to_owned(),
                content: b"x".to_vec(),
            }),
            ..email_to("ana@minera.com.co")
        };
        let mut transaction = pool.begin().await.expect("a transaction");
        let refused = enqueue_email(&mut transaction, &email).await;
        assert!(refused.is_err(), "{name:?} was accepted");
    }
    let mut transaction = pool.begin().await.expect("a transaction");
    let refused = sqlx::query(
        "INSERT INTO outbox (channel, recipient, body_text, attachment_name, attachment_type,
                             attachment_content)
         VALUES ('SMS', '+573001234567', 'hola', 'a.txt', 'text/plain', 'x')",
    )
    .execute(&mut *transaction)
    .await;
    assert!(refused.is_err(), "an SMS with an attachment was accepted");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_committed_email_is_delivered_exactly_once(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let email = email_to("ana@minera.com.co");
    enqueue_committed(&pool, &email).await;

    let first = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    let second = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");

    assert_eq!(
        first,
        DeliveryReport {
            claimed: 1,
            sent: 1,
            failed: 0
        }
    );
    assert_eq!(second, DeliveryReport::default());
    assert_eq!(mail.received(), vec![email]);
    assert_eq!(
        outbox_state(&pool, "ana@minera.com.co").await,
        (0, None, true)
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_mail_server_that_is_down_delays_mail_but_loses_none(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    mail.failing.store(true, Ordering::SeqCst);
    enqueue_committed(&pool, &email_to("ana@minera.com.co")).await;

    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(report.failed, 1);
    let (attempts, last_error, sent) = outbox_state(&pool, "ana@minera.com.co").await;
    assert_eq!((attempts, sent), (1, false));
    assert_eq!(
        last_error.as_deref(),
        Some("SMTP: network error: Connection refused (os error 111)")
    );
    // Retried after the first backoff step (5 s), not at once.
    let wait_s: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM next_attempt_at - now())::float8 FROM outbox",
    )
    .fetch_one(&pool)
    .await
    .expect("a delay");
    assert!((3.0..=5.0).contains(&wait_s), "retried in {wait_s} s");
    mail.failing.store(false, Ordering::SeqCst);
    let too_soon = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(too_soon, DeliveryReport::default());

    // Time passes (instead of waiting 5 s): the message is due again, and now goes out.
    sqlx::query("UPDATE outbox SET next_attempt_at = now()")
        .execute(&pool)
        .await
        .expect("moved");
    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(report.sent, 1);
    assert_eq!(mail.received().len(), 1);
    let (attempts, _, sent) = outbox_state(&pool, "ana@minera.com.co").await;
    assert_eq!((attempts, sent), (1, true));
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn concurrent_workers_never_send_the_same_message_twice(pool: PgPool) {
    const MESSAGES: usize = 120;
    let mail = FakeMailServer::slow(Duration::from_millis(2));
    let sms = RecordingSmsGateway::new(pool.clone());
    let mut transaction = pool.begin().await.expect("a transaction");
    for n in 0..MESSAGES {
        enqueue_email(
            &mut transaction,
            &email_to(&format!("comprador{n}@veta.test")),
        )
        .await
        .expect("enqueued");
    }
    transaction.commit().await.expect("committed");

    // Six workers in small batches, each until it finds nothing: their claims interleave.
    let worker = || async {
        let mut sent = 0;
        loop {
            let report = deliver_due(&pool, &mail, &sms, &test_url(), 4)
                .await
                .expect("delivered");
            if report.claimed == 0 {
                return sent;
            }
            sent += report.sent;
        }
    };
    let per_worker = futures_util::future::join_all((0..6).map(|_| worker())).await;

    assert_eq!(per_worker.iter().sum::<u32>() as usize, MESSAGES);
    let mut times_sent: HashMap<String, usize> = HashMap::new();
    for email in mail.received() {
        *times_sent.entry(email.to).or_default() += 1;
    }
    assert_eq!(times_sent.len(), MESSAGES);
    assert!(
        times_sent.values().all(|&times| times == 1),
        "{times_sent:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_row_another_worker_is_claiming_is_skipped_not_waited_for(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    enqueue_committed(&pool, &email_to("ana@minera.com.co")).await;
    enqueue_committed(&pool, &email_to("luis@minera.com.co")).await;
    // Another worker is in the middle of claiming Ana's message: its row is locked.
    let mut other = pool.begin().await.expect("a transaction");
    sqlx::query("SELECT 1 FROM outbox WHERE recipient = 'ana@minera.com.co' FOR UPDATE")
        .execute(&mut *other)
        .await
        .expect("locked");

    let report = tokio::time::timeout(
        Duration::from_secs(5),
        deliver_due(&pool, &mail, &sms, &test_url(), 10),
    )
    .await
    .expect("not blocked by the lock")
    .expect("delivered");
    assert_eq!(report.sent, 1);
    assert_eq!(mail.received()[0].to, "luis@minera.com.co");
    other.rollback().await.expect("released");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_claim_keeps_other_workers_away_until_it_expires(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    enqueue_committed(&pool, &email_to("ana@minera.com.co")).await;
    // A worker claimed it and is still sending.
    sqlx::query("UPDATE outbox SET claimed_until = now() + interval '1 minute'")
        .execute(&pool)
        .await
        .expect("claimed");
    assert_eq!(
        deliver_due(&pool, &mail, &sms, &test_url(), 10)
            .await
            .expect("ran")
            .claimed,
        0
    );

    // That worker died: once its claim expires, another one sends the message.
    sqlx::query("UPDATE outbox SET claimed_until = now() - interval '1 second'")
        .execute(&pool)
        .await
        .expect("expired");
    assert_eq!(
        deliver_due(&pool, &mail, &sms, &test_url(), 10)
            .await
            .expect("ran")
            .sent,
        1
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_worker_delivers_as_soon_as_the_change_commits(pool: PgPool) {
    let mail = Arc::new(FakeMailServer::default());
    let sms = Arc::new(RecordingSmsGateway::new(pool.clone()));
    let worker = spawn_worker(pool.clone(), mail.clone(), sms, test_url());
    let first = email_to("ana@minera.com.co");
    enqueue_committed(&pool, &first).await;
    tokio::time::timeout(Duration::from_secs(10), mail.delivered.notified())
        .await
        .expect("delivered by the worker");

    // The worker is idle now: the commit's notification wakes it, well before its 2 s poll.
    let second = email_to("luis@minera.com.co");
    let committed_at = tokio::time::Instant::now();
    enqueue_committed(&pool, &second).await;
    tokio::time::timeout(Duration::from_secs(10), mail.delivered.notified())
        .await
        .expect("delivered by the worker");
    let latency = committed_at.elapsed();
    worker.abort();
    let _ = worker.await;
    assert_eq!(mail.received(), vec![first, second]);
    assert!(
        latency < Duration::from_millis(1500),
        "woken after {latency:?}"
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn the_worker_stops_when_the_pool_closes(pool: PgPool) {
    let mail = Arc::new(FakeMailServer::default());
    let sms = Arc::new(RecordingSmsGateway::new(pool.clone()));
    let worker = spawn_worker(pool.clone(), mail, sms, test_url());
    enqueue_committed(&pool, &email_to("ana@minera.com.co")).await;

    // Closing waits for every connection, the worker's LISTEN one included.
    tokio::time::timeout(Duration::from_secs(10), pool.close())
        .await
        .expect("the pool closes");
    tokio::time::timeout(Duration::from_secs(10), worker)
        .await
        .expect("the worker stops")
        .expect("without panicking");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_sms_is_recorded_and_listed_for_the_developer(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let mut transaction = pool.begin().await.expect("a transaction");
    for (to, text) in [
        ("+573001234567", "Veta: su código de validación es 123456"),
        ("+573109876543", "Veta: su código de ingreso es 654321"),
    ] {
        let sms = OutgoingSms {
            to: to.to_owned(),
            text: text.to_owned(),
        };
        enqueue_sms(&mut transaction, &sms).await.expect("enqueued");
    }
    transaction.commit().await.expect("committed");

    // One at a time, oldest first (a batch sends concurrently, in no set order).
    for _ in 0..2 {
        let report = deliver_due(&pool, &mail, &sms, &test_url(), 1)
            .await
            .expect("delivered");
        assert_eq!(report.sent, 1);
    }
    assert!(mail.received().is_empty());

    let router = axum::Router::new()
        .route("/dev/sms", get(dev_sms_log))
        .with_state(pool.clone());
    let (status, all) = get_json(&router, "/dev/sms").await;
    assert_eq!(status, StatusCode::OK);
    let messages = all["messages"].as_array().expect("a list");
    assert_eq!(messages.len(), 2);
    // Most recent first.
    assert_eq!(messages[0]["to"], "+573109876543");
    assert_eq!(
        messages[1]["text"],
        "Veta: su código de validación es 123456"
    );
    assert!(
        messages[0]["created_at"]
            .as_str()
            .is_some_and(|at| at.ends_with('Z'))
    );

    let (_, one) = get_json(&router, "/dev/sms?to=%2B573001234567").await;
    let messages = one["messages"].as_array().expect("a list");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["to"], "+573001234567");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn an_sms_number_without_its_country_code_is_refused_at_the_commit(pool: PgPool) {
    let mut transaction = pool.begin().await.expect("a transaction");
    let sms = OutgoingSms {
        to: "3001234567".to_owned(),
        text: "Veta: su código es 123456".to_owned(),
    };
    let error = enqueue_sms(&mut transaction, &sms)
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("outbox_fields_match_channel"));
}

async fn get_json(router: &axum::Router, uri: &str) -> (StatusCode, serde_json::Value) {
    let request = Request::get(uri).body(Body::empty()).expect("a request");
    let response = router.clone().oneshot(request).await.expect("an answer");
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    (status, serde_json::from_slice(&body).expect("JSON"))
}

#[test]
fn the_notification_speaks_like_the_agency_signs_as_the_operator_and_escapes_html() {
    let (text, html) = notification(
        "MINERA <EL DILUVIO> & GOLD S.A.S.",
        &["NIT 901304961-7", "Titular de título minero"],
        &[
            "El comprador registró una compra.\nCódigo: <b>123456</b>".to_owned(),
            "Segundo párrafo con \"comillas\" y 'apóstrofos'.".to_owned(),
        ],
        Some((
            "URL de gestión de minerales a ser vendidos",
            "https://veta.com.co/venta?id=1&t=\"x\"",
        )),
        // 16:44:13 UTC is 11:44:13 in Bogotá.
        datetime!(2025-03-06 16:44:13 UTC),
    );

    for line in [
        "Señores,\nMINERA <EL DILUVIO> & GOLD S.A.S.\nNIT 901304961-7\nTitular de título minero\n",
        "Al día 06 del mes 03 del año 2025 a las 11:44:13 el sistema de Trazabilidad Minera de Veta le informa:",
        "El comprador registró una compra.\nCódigo: <b>123456</b>",
        "URL de gestión de minerales a ser vendidos: https://veta.com.co/venta?id=1&t=\"x\"",
        "Atentamente,\nVeta — Operador Tecnológico de Trazabilidad de Minerales (OTTM)",
        "Este e-mail ha sido generado automáticamente, no lo responda.",
        "Mesa de ayuda: soporte@veta.com.co",
        "Veta es un operador tecnológico; no es la Agencia Nacional de Minería.",
    ] {
        assert!(text.contains(line), "the text lacks {line:?}:\n{text}");
    }

    for fragment in [
        r#"<html lang="es-CO">"#,
        "<strong>MINERA &lt;EL DILUVIO&gt; &amp; GOLD S.A.S.</strong>",
        "Al día 06 del mes 03 del año 2025 a las 11:44:13 el sistema de Trazabilidad Minera de Veta le informa:",
        "Código: &lt;b&gt;123456&lt;/b&gt;",
        "&quot;comillas&quot; y &#39;apóstrofos&#39;",
        r#"href="https://veta.com.co/venta?id=1&amp;t=&quot;x&quot;""#,
        ">URL de gestión de minerales a ser vendidos</a>",
        "Este e-mail ha sido generado automáticamente, no lo responda.",
        "Mesa de ayuda: soporte@veta.com.co",
    ] {
        assert!(html.contains(fragment), "the HTML lacks {fragment:?}");
    }
    for raw in [
        "<EL DILUVIO>",
        "<b>123456",
        "\"comillas\"",
        "Agencia Nacional de Minería<br>Avenida",
    ] {
        assert!(!html.contains(raw), "the HTML has {raw:?} unescaped");
    }
    // The operator signs, never the agency (nor its address or phone lines).
    assert!(!text.contains("Agencia Nacional Minera") && !text.contains("01 8000"));
}

#[test]
fn only_web_addresses_become_links() {
    let now = datetime!(2025-03-06 16:44:13 UTC);
    let (_, html) = notification("Ana", &[], &[], Some(("Abrir", "javascript:alert(1)")), now);
    assert!(!html.contains("href=\"javascript"));
    assert!(html.contains("Abrir: javascript:alert(1)"));
    let (_, html) = notification(
        "Ana",
        &[],
        &[],
        Some(("Abrir", "https://veta.com.co/x")),
        now,
    );
    assert!(html.contains(r#"href="https://veta.com.co/x""#));
}

/// One request a fake SMS provider received.
#[derive(Debug, Clone, PartialEq)]
struct ProviderRequest {
    authorization: Option<String>,
    body: serde_json::Value,
}

/// What a fake SMS provider received.
#[derive(Clone, Default)]
struct ProviderLog(Arc<Mutex<Vec<ProviderRequest>>>);

/// A provider on a free local port that answers every POST with `status`.
async fn fake_sms_provider(status: StatusCode) -> (String, ProviderLog) {
    let log = ProviderLog::default();
    let kept = log.clone();
    let router = axum::Router::new().route(
        "/v1/mensajes",
        post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                let authorization = headers
                    .get("authorization")
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                let body = serde_json::from_slice(&body).expect("a JSON body");
                kept.0.lock().expect("not poisoned").push(ProviderRequest {
                    authorization,
                    body,
                });
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/v1/mensajes"), log)
}

fn http_gateway(url: &str) -> HttpSmsGateway {
    let vars = HashMap::from([
        ("SMS_GATEWAY", "http".to_owned()),
        ("SMS_HTTP_URL", url.to_owned()),
        ("SMS_HTTP_TOKEN", "t0k3n".to_owned()),
    ]);
    match SmsSettings::from_vars(server::config::Deployment::Development, |name| {
        vars.get(name).cloned()
    })
    .expect("valid settings")
    {
        SmsSettings::Http(settings) => HttpSmsGateway::new(&settings),
        SmsSettings::Recording => unreachable!("SMS_GATEWAY=http"),
    }
}

#[tokio::test]
async fn the_http_gateway_posts_json_with_the_bearer_token() {
    let (url, log) = fake_sms_provider(StatusCode::ACCEPTED).await;
    http_gateway(&url)
        .send("+573001234567", "Veta: su código es 123456")
        .await
        .expect("sent");
    let received = log.0.lock().expect("not poisoned").clone();
    assert_eq!(
        received,
        vec![ProviderRequest {
            authorization: Some("Bearer t0k3n".to_owned()),
            body: serde_json::json!({"to": "+573001234567", "message": "Veta: su código es 123456"}),
        }]
    );
}

#[tokio::test]
async fn a_provider_error_is_a_failure_that_shows_the_status_only() {
    let (url, _) = fake_sms_provider(StatusCode::SERVICE_UNAVAILABLE).await;
    let error = http_gateway(&url)
        .send("+573001234567", "Veta: su código es 123456")
        .await
        .expect_err("a failure");
    assert_eq!(
        error.to_string(),
        "SMS: el proveedor respondió 503 Service Unavailable"
    );

    // Nobody listens on port 1.
    let error = http_gateway("http://127.0.0.1:1/v1/mensajes")
        .send("+573001234567", "Veta: su código es 123456")
        .await
        .expect_err("a failure");
    assert!(error.to_string().starts_with("SMS: "), "{error}");
    assert!(!error.to_string().contains("t0k3n"));
}

/// Real SMTP, to the maildev that `scripts/setup` installs in `end2end/` (run scripts/setup first).
#[tokio::test]
async fn smtp_delivers_a_spanish_notification_to_maildev() {
    let maildev = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../end2end/node_modules/.bin/maildev");
    assert!(
        maildev.exists(),
        "maildev is not installed in end2end/node_modules: run scripts/setup"
    );
    let smtp_port = free_port();
    let web_port = free_port();
    let _maildev = ChildGuard(
        std::process::Command::new(&maildev)
            .args(["--ip", "127.0.0.1", "--smtp", &smtp_port.to_string()])
            .args(["--web", &web_port.to_string(), "--web-ip", "127.0.0.1"])
            .arg("--silent")
            .spawn()
            .expect("maildev starts"),
    );
    wait_until_listening(smtp_port).await;
    wait_until_listening(web_port).await;

    let url = format!("smtp://127.0.0.1:{smtp_port}");
    let vars = HashMap::from([("SMTP_URL", url)]);
    let settings = MailSettings::from_vars(|name| vars.get(name).cloned()).expect("valid");
    let transport = SmtpTransport::new(&settings);
    let (text, html) = notification(
        "Señora Ana Castellanos",
        &[],
        &["Su código de ingreso es 123456.".to_owned()],
        None,
        datetime!(2025-03-06 16:44:13 UTC),
    );
    let email = OutgoingEmail {
        to: "ana@minera.com.co".to_owned(),
        to_name: Some("Ana Castellanos Ñáñez".to_owned()),
        subject: "Código de ingreso a Veta".to_owned(),
        text,
        html,
        attachment: Some(Attachment {
            name: "saldos_901304961-7_20250306.txt".to_owned(),
            content_type: "text/plain; charset=utf-8".to_owned(),
            content: "CODIGO_ORIGEN\tMINERAL\r\n4DEB01BC\tORO\r\n"
                .as_bytes()
                .to_vec(),
        }),
    };
    transport.send(&email).await.expect("accepted by maildev");

    let inbox = http_get_json(web_port, "/email").await;
    let message = &inbox[0];
    assert_eq!(message["subject"], "Código de ingreso a Veta");
    assert_eq!(message["to"][0]["address"], "ana@minera.com.co");
    assert_eq!(message["to"][0]["name"], "Ana Castellanos Ñáñez");
    assert_eq!(message["from"][0]["address"], "no-responder@veta.com.co");
    assert!(
        message["text"].as_str().is_some_and(
            |text| text.contains("el sistema de Trazabilidad Minera de Veta le informa")
        )
    );
    assert!(
        message["html"]
            .as_str()
            .is_some_and(|html| html.contains("Su código de ingreso es 123456."))
    );
    assert_eq!(message["headers"]["auto-submitted"], "auto-generated");
    let attachment = &message["attachments"][0];
    assert_eq!(attachment["fileName"], "saldos_901304961-7_20250306.txt");
    assert!(
        attachment["contentType"]
            .as_str()
            .is_some_and(|t| t.starts_with("text/plain")),
        "{attachment}"
    );
    let id = message["id"].as_str().expect("an id");
    let stored = attachment["generatedFileName"]
        .as_str()
        .expect("a stored name");
    let file = http_get_raw(web_port, &format!("/email/{id}/attachment/{stored}")).await;
    assert_eq!(file, "CODIGO_ORIGEN\tMINERAL\r\n4DEB01BC\tORO\r\n");
}

/// Stops the child process (maildev) when the test ends, passed or failed.
struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

async fn wait_until_listening(port: u16) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nothing listens on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn http_get_json(port: u16, path: &str) -> serde_json::Value {
    serde_json::from_str(&http_get_raw(port, path).await).expect("JSON")
}

/// The body of a GET (HTTP/1.0, so the server closes the connection and sends no chunks).
async fn http_get_raw(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connected");
    let request =
        format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("response read");
    let response = String::from_utf8(response).expect("UTF-8");
    let (_, body) = response.split_once("\r\n\r\n").expect("a body");
    body.to_owned()
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn secrets_rest_apart_from_the_body_and_leave_the_outbox_once_sent(pool: PgPool) {
    let mut transaction = pool.begin().await.expect("a transaction");
    let email = OutgoingEmail {
        text: "Su código es 87654321; enlace http://veta.test/venta/abcd1234".to_owned(),
        html: "<p>Su código es 87654321</p>".to_owned(),
        ..email_to("ana@minera.com.co")
    };
    enqueue_secret_email(
        &mut transaction,
        &email,
        Some(&Secrets {
            values: vec!["87654321", "abcd1234"],
            valid_minutes: 15,
        }),
    )
    .await
    .expect("queued");
    transaction.commit().await.expect("commit");
    let (stored, secrets): (String, Option<Vec<String>>) =
        sqlx::query_as("SELECT body_text, secrets FROM outbox")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert!(
        !stored.contains("87654321") && !stored.contains("abcd1234"),
        "{stored}"
    );
    assert_eq!(
        secrets.as_deref(),
        Some(&["87654321".to_owned(), "abcd1234".to_owned()][..])
    );

    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!(mail.received()[0].text, email.text, "sent whole");
    let (stored, secrets): (String, Option<Vec<String>>) =
        sqlx::query_as("SELECT body_text, secrets FROM outbox")
            .fetch_one(&pool)
            .await
            .expect("row");
    assert_eq!(secrets, None, "no secret left once sent");
    assert!(!stored.contains("87654321"), "{stored}");
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn expired_secrets_and_days_of_failures_make_dead_letters(pool: PgPool) {
    let mut transaction = pool.begin().await.expect("a transaction");
    enqueue_secret_sms(
        &mut transaction,
        &OutgoingSms {
            to: "+573001234567".to_owned(),
            text: "Veta: su codigo es 12345678".to_owned(),
        },
        Some(&Secrets {
            values: vec!["12345678"],
            valid_minutes: 5,
        }),
    )
    .await
    .expect("queued");
    transaction.commit().await.expect("commit");
    enqueue_committed(&pool, &email_to("caido@minera.com.co")).await;
    // The code's five minutes pass before the SMS goes out; the mail server refuses for days.
    sqlx::query(
        "UPDATE outbox SET secrets_expire_at = now() - interval '1 second' WHERE channel = 'SMS'",
    )
    .execute(&pool)
    .await
    .expect("expire");
    sqlx::query(
        "UPDATE outbox SET created_at = now() - interval '4 days', attempts = 60,
                last_error = 'SMTP: 550 buzón inexistente'
         WHERE channel = 'EMAIL'",
    )
    .execute(&pool)
    .await
    .expect("age");
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("ran");
    assert_eq!(report.claimed, 1, "the expired SMS is not sent: {report:?}");
    mail.failing.store(true, Ordering::SeqCst);
    assert_eq!(
        server::outbox::give_up_dead(&pool).await.expect("given up"),
        1
    );
    let (reason, secrets): (String, Option<Vec<String>>) =
        sqlx::query_as("SELECT dead_reason, secrets FROM outbox WHERE channel = 'SMS'")
            .fetch_one(&pool)
            .await
            .expect("dead letter");
    assert!(reason.contains("vencieron"), "{reason}");
    assert_eq!(secrets, None);
    // The failing email was delivered above (the fake accepted it): age another one.
    enqueue_committed(&pool, &email_to("otro@minera.com.co")).await;
    sqlx::query(
        "UPDATE outbox SET created_at = now() - interval '4 days', last_error = 'SMTP: 550 buzón inexistente'
         WHERE recipient = 'otro@minera.com.co'",
    )
    .execute(&pool)
    .await
    .expect("age");
    assert_eq!(
        server::outbox::give_up_dead(&pool).await.expect("given up"),
        1
    );
    let dead: Vec<String> = sqlx::query_scalar(
        "SELECT dead_reason FROM outbox WHERE recipient = 'otro@minera.com.co' AND dead_at IS NOT NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("dead letter");
    assert!(
        dead[0].contains("No se pudo entregar en 3 días: SMTP: 550"),
        "{dead:?}"
    );
    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("ran");
    assert_eq!(report.claimed, 0, "a dead letter is not retried");

    // The Administrador OTTM sees them.
    let app = crate::helpers::TestApp::with_demo_data(pool.clone()).await;
    app.sign_in("admin.ottm").await;
    let listed = app.call("alertas/mensajes-no-entregados", &[]).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    assert_eq!(
        listed.json().as_array().expect("a list").len(),
        2,
        "{}",
        listed.body
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn a_code_goes_out_before_the_mail_queued_ahead_of_it(pool: PgPool) {
    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    for n in 0..3 {
        enqueue_committed(&pool, &email_to(&format!("saldos{n}@minera.com.co"))).await;
    }
    let mut transaction = pool.begin().await.expect("a transaction");
    let code = OutgoingEmail {
        text: "Su código es 87654321".to_owned(),
        ..email_to("espera@minera.com.co")
    };
    enqueue_secret_email(
        &mut transaction,
        &code,
        Some(&Secrets {
            values: vec!["87654321"],
            valid_minutes: 15,
        }),
    )
    .await
    .expect("queued");
    transaction.commit().await.expect("commit");

    // One message per round: the code, queued last, is the first one sent.
    deliver_due(&pool, &mail, &sms, &test_url(), 1)
        .await
        .expect("delivered");
    let received = mail.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, "espera@minera.com.co");
    assert!(received[0].text.contains("87654321"));
    // Then the others, in the order they were queued.
    for _ in 0..3 {
        deliver_due(&pool, &mail, &sms, &test_url(), 1)
            .await
            .expect("delivered");
    }
    let order: Vec<String> = mail.received().into_iter().map(|m| m.to).collect();
    assert_eq!(
        order,
        [
            "espera@minera.com.co",
            "saldos0@minera.com.co",
            "saldos1@minera.com.co",
            "saldos2@minera.com.co"
        ]
    );
}

#[sqlx::test(migrator = "server::db::MIGRATOR")]
async fn balances_emails_of_one_organisation_in_a_batch_each_keep_their_lead(pool: PgPool) {
    crate::helpers::TestApp::with_demo_data(pool.clone()).await;
    let organizations: Vec<(uuid::Uuid, String)> = sqlx::query_as(
        "SELECT organization_id, contact_email FROM organizations
         WHERE document_number IN ('901304961-7', '900123456-8') ORDER BY document_number",
    )
    .fetch_all(&pool)
    .await
    .expect("two demonstration organisations");
    let [(first, first_email), (second, second_email)] = organizations.as_slice() else {
        panic!("{organizations:?}");
    };
    let mut transaction = pool.begin().await.expect("a transaction");
    for (organizations, lead) in [
        (&[*first, *second][..], "Compra A registrada."),
        (&[*first][..], "Compra B registrada."),
    ] {
        server::outbox::enqueue_balances(&mut transaction, organizations, lead)
            .await
            .expect("queued");
    }
    transaction.commit().await.expect("committed");

    let mail = FakeMailServer::default();
    let sms = RecordingSmsGateway::new(pool.clone());
    let report = deliver_due(&pool, &mail, &sms, &test_url(), 10)
        .await
        .expect("delivered");
    assert_eq!((report.sent, report.failed), (3, 0), "{report:?}");
    // The first organisation's two emails were composed from one reading of its balances, each
    // with its own lead, each once.
    let received = mail.received();
    for (to, lead, expected) in [
        (first_email, "Compra A", 1),
        (first_email, "Compra B", 1),
        (second_email, "Compra A", 1),
        (second_email, "Compra B", 0),
    ] {
        let found = received
            .iter()
            .filter(|email| &email.to == to && email.text.contains(lead))
            .inspect(|email| assert!(email.attachment.is_some(), "{}", email.text))
            .count();
        assert_eq!(found, expected, "{lead} to {to}");
    }
}
