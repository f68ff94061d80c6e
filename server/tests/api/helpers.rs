//! Drives the real router in-process (no port, no browser) against a fresh database per test, with
//! a cookie jar like a browser's, and reads the outbox like a mail catcher.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::body::Body;
use axum::http::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use server::AppState;
use sqlx::PgPool;
use tower::ServiceExt;

/// The application of one test, on its own database.
pub struct TestApp {
    router: axum::Router,
    pub pool: PgPool,
    cookies: Mutex<BTreeMap<String, String>>,
}

/// What a request answered.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

/// The demonstration accounts (server::demo), all with `server::demo::DEMO_PASSWORD`.
pub const DILUVIO_ADMIN: &str = "diluvio.admin";
pub const DILUVIO_OPERADOR: &str = "diluvio.operador";
pub const OROCAUCA_ADMIN: &str = "orocauca.admin";
pub const OROCAUCA_OPERADOR: &str = "orocauca.operador";
pub const AUDITOR_ANM: &str = "auditor.anm";

impl TestApp {
    pub fn new(pool: PgPool) -> Self {
        Self::with_caps(pool, domain::SubsistenceCaps::default())
    }

    /// An app whose subsistence miners' cupos are `caps` (configuration, like `VETA_CUPO_*`).
    pub fn with_caps(pool: PgPool, caps: domain::SubsistenceCaps) -> Self {
        Self::configured(
            pool,
            caps,
            app::economic_capacity::CapacityBlocks::default(),
        )
    }

    /// An app where purchases need a passing economic-capacity evaluation
    /// (`VETA_CAPACIDAD_BLOQUEA=1`).
    pub fn with_capacity_block(pool: PgPool) -> Self {
        Self::configured(
            pool,
            domain::SubsistenceCaps::default(),
            app::economic_capacity::CapacityBlocks(true),
        )
    }

    /// An app that serves the repository's `public/` folder as its site (`/favicon.svg`), as the
    /// deployed server serves the built site.
    pub fn serving_public_files(pool: PgPool) -> Self {
        let mut leptos_options = server::config::leptos_options().expect("Leptos.toml is valid");
        leptos_options.site_root = concat!(env!("CARGO_MANIFEST_DIR"), "/../public").into();
        Self::built(
            pool.clone(),
            pool,
            leptos_options,
            domain::SubsistenceCaps::default(),
            app::economic_capacity::CapacityBlocks::default(),
        )
    }

    /// An app whose reports read from `read_pool` (`DATABASE_READ_URL`).
    pub fn with_read_pool(pool: PgPool, read_pool: PgPool) -> Self {
        let leptos_options = server::config::leptos_options().expect("Leptos.toml is valid");
        Self::built(
            pool,
            read_pool,
            leptos_options,
            domain::SubsistenceCaps::default(),
            app::economic_capacity::CapacityBlocks::default(),
        )
    }

    fn configured(
        pool: PgPool,
        caps: domain::SubsistenceCaps,
        capacity_blocks: app::economic_capacity::CapacityBlocks,
    ) -> Self {
        let leptos_options = server::config::leptos_options().expect("Leptos.toml is valid");
        Self::built(pool.clone(), pool, leptos_options, caps, capacity_blocks)
    }

    fn built(
        pool: PgPool,
        read_pool: PgPool,
        leptos_options: leptos::config::LeptosOptions,
        caps: domain::SubsistenceCaps,
        capacity_blocks: app::economic_capacity::CapacityBlocks,
    ) -> Self {
        let router = server::startup::router(AppState {
            leptos_options,
            pool: pool.clone(),
            read_pool: app::auth::ssr::ReadPool(read_pool),
            public_url: "http://veta.test".to_owned(),
            dev_sms_log: true,
            compra_vigencia: app::compras::ssr::CompraVigencia::default(),
            subsistence_caps: caps,
            sin_origen_limit: domain::sin_origen::SinOrigenLimit::default(),
            reversal_window: domain::compra_reversal::ReversalWindow::default(),
            loss_threshold: domain::transformation::LossThreshold::default(),
            capacity_blocks,
            production_tolerance: Default::default(),
            code_key: app::auth::ssr::CodeKey::new([7; 32]),
            trusted_proxies: Default::default(),
        });
        Self {
            router,
            pool,
            cookies: Mutex::new(BTreeMap::new()),
        }
    }

    /// A fresh app with the demonstration organisations and users.
    pub async fn with_demo_data(pool: PgPool) -> Self {
        server::demo::seed(&pool).await.expect("demo data loads");
        Self::new(pool)
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.cookies
            .lock()
            .expect("cookie jar")
            .insert(name.to_owned(), value.to_owned());
    }

    async fn send(&self, request: axum::http::request::Builder, body: Body) -> TestResponse {
        let cookie_header = {
            let jar = self.cookies.lock().expect("cookie jar");
            jar.iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let request = request
            .header(COOKIE, cookie_header)
            .body(body)
            .expect("a valid request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        {
            let mut jar = self.cookies.lock().expect("cookie jar");
            for set in response.headers().get_all(SET_COOKIE) {
                let set = set.to_str().expect("ASCII cookie");
                let pair = set.split(';').next().unwrap_or_default();
                let (name, value) = pair.split_once('=').expect("name=value");
                if value.is_empty() || set.contains("Max-Age=0") {
                    jar.remove(name);
                } else {
                    jar.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a readable body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A JSON POST as an ERP sends it (no cookies of ours matter), with an optional bearer token.
    pub async fn post_json(&self, uri: &str, token: Option<&str>, body: &str) -> TestResponse {
        self.post_json_with(uri, token, &[], body).await
    }

    /// [`Self::post_json`] with more headers (an `Idempotency-Key`).
    pub async fn post_json_with(
        &self,
        uri: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: &str,
    ) -> TestResponse {
        let mut request = Request::post(uri).header(CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, Body::from(body.to_owned())).await
    }

    /// A GET as an ERP sends it, with its bearer token.
    pub async fn get_with_token(&self, uri: &str, token: &str) -> TestResponse {
        self.send(
            Request::get(uri).header("authorization", format!("Bearer {token}")),
            Body::empty(),
        )
        .await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(
            Request::get(uri).header("accept", "text/html"),
            Body::empty(),
        )
        .await
    }

    /// Calls a server function (`/api/<endpoint>`) as the browser does, with a form body.
    pub async fn call(&self, endpoint: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(form_request(endpoint), form_body(fields)).await
    }

    /// The same call, as sent from a page of `origin`.
    pub async fn call_with_origin(
        &self,
        endpoint: &str,
        fields: &[(&str, &str)],
        origin: &str,
    ) -> TestResponse {
        let request = form_request(endpoint).header("origin", origin);
        self.send(request, form_body(fields)).await
    }

    /// A request with any method, content type and body (bytes as they are).
    pub async fn raw(
        &self,
        method: axum::http::Method,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(CONTENT_TYPE, content_type);
        self.send(request, Body::from(body)).await
    }

    /// [`Self::raw`], declaring the body's length as clients do.
    pub async fn raw_with_length(
        &self,
        method: axum::http::Method,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> TestResponse {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(CONTENT_TYPE, content_type)
            .header(axum::http::header::CONTENT_LENGTH, body.len());
        self.send(request, Body::from(body)).await
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.lock().expect("cookie jar").get(name).cloned()
    }

    /// Forgets every cookie (another browser).
    pub fn clear_cookies(&self) {
        self.cookies.lock().expect("cookie jar").clear();
    }

    /// The text of the newest email to `to`, as it will be sent.
    pub async fn last_email_to(&self, to: &str) -> String {
        last_text(&self.pool, "EMAIL", Some(to)).await
    }

    /// The eight-digit code of the newest email to `to`.
    pub async fn last_code_to(&self, to: &str) -> String {
        let text = self.last_email_to(to).await;
        let start = text.find("es: ").expect("a code in the email") + 4;
        text[start..start + 8].to_owned()
    }

    /// Signs in as a demonstration user, through password and emailed code.
    pub async fn sign_in(&self, username: &str) {
        let response = self
            .call(
                "ingresar",
                &[
                    ("identifier", username),
                    ("password", server::demo::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
        let code = self
            .last_code_to(&format!("{username}@demo.veta.com.co"))
            .await;
        let response = self.call("ingresar/codigo", &[("code", &code)]).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    }
}

impl TestResponse {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// The message of an `AppError` answer of the given variant (`Refused`, `Throttled`…).
    pub fn error(&self, variant: &str) -> String {
        let json = self.json();
        json[variant]
            .as_str()
            .unwrap_or_else(|| panic!("expected {variant}, got {}", self.body))
            .to_owned()
    }
}

fn form_request(endpoint: &str) -> axum::http::request::Builder {
    Request::post(format!("/api/{endpoint}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
}

fn form_body(fields: &[(&str, &str)]) -> Body {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Body::from(body)
}

/// Percent-encodes a form value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the newest message of `channel` (to `to`, when given) as the worker will send it:
/// the stored body with its secrets put back (the outbox keeps them apart).
pub async fn last_text(pool: &PgPool, channel: &str, to: Option<&str>) -> String {
    let (body, secrets): (String, Option<Vec<String>>) = sqlx::query_as(
        "SELECT body_text, secrets FROM outbox
         WHERE channel = $1 AND ($2::text IS NULL OR recipient = $2)
         ORDER BY outbox_id DESC LIMIT 1",
    )
    .bind(channel)
    .bind(to)
    .fetch_one(pool)
    .await
    .expect("a message was written to the outbox");
    app::notify::with_secrets(&body, &secrets.unwrap_or_default())
}

/// A mail server in memory: keeps what it is given, or refuses everything while `failing`.
#[derive(Default)]
pub struct FakeMailServer {
    received: Mutex<Vec<server::outbox::OutgoingEmail>>,
    pub failing: std::sync::atomic::AtomicBool,
    /// How long each send takes, to make concurrent runs overlap.
    latency: Option<std::time::Duration>,
    pub delivered: tokio::sync::Notify,
}

impl FakeMailServer {
    pub fn slow(latency: std::time::Duration) -> Self {
        Self {
            latency: Some(latency),
            ..Self::default()
        }
    }

    pub fn received(&self) -> Vec<server::outbox::OutgoingEmail> {
        self.received.lock().expect("not poisoned").clone()
    }
}

#[async_trait::async_trait]
impl server::email::EmailTransport for FakeMailServer {
    async fn send(
        &self,
        email: &server::outbox::OutgoingEmail,
    ) -> Result<(), server::outbox::DeliveryError> {
        if let Some(latency) = self.latency {
            tokio::time::sleep(latency).await;
        }
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(server::outbox::DeliveryError::new(
                "SMTP: network error: Connection refused (os error 111)",
            ));
        }
        self.received
            .lock()
            .expect("not poisoned")
            .push(email.clone());
        self.delivered.notify_one();
        Ok(())
    }
}

/// The public address of the test application (links in emails).
pub fn test_url() -> app::auth::ssr::PublicUrl {
    app::auth::ssr::PublicUrl("http://veta.test".to_owned())
}
