//! `bench`: drives complete purchases through Veta's real HTTP interface and measures them
//! (docs/BENCHMARK.md; `bash scripts/bench` builds, starts and stops everything around it).
//!
//! ```text
//! bench                      run the benchmark against BENCH_URL (configuration: environment)
//! bench smtp-sink ADDR       an SMTP server that accepts every message and keeps none
//! ```
//!
//! A purchase, as a buyer's browser and a seller's ERP make it: "Generar Cód. WS"
//! (`/api/compras/enviar-al-vendedor`, the token arrives by email), the ERP's detail
//! (`POST /api/ws/v1/transacciones/{id}/detalle`), "Enviar" (`/api/compras/enviar`, the validation
//! code arrives by email) and "Confirmar transacción" (`/api/compras/confirmar`, the step that
//! moves the ledger). Emails are read from the `outbox` table of the same database.
//!
//! Phases: warm-up; (1) complete purchases by `BENCH_CONCURRENCY` workers for `BENCH_SECONDS`;
//! (2) purchases prepared up to *Pendiente por confirmar* for `BENCH_PREPARE_SECONDS`, then half
//! of them confirmed as fast as the workers can; (3) the other half confirmed at half that rate,
//! paced, each latency measured from its scheduled start (no coordinated omission).
//!
//! Environment: `BENCH_URL` (`http://127.0.0.1:3000`), `DATABASE_URL` (required),
//! `BENCH_SECONDS` (20), `BENCH_WARMUP_SECONDS` (3), `BENCH_PREPARE_SECONDS` (`BENCH_SECONDS`),
//! `BENCH_CONCURRENCY` (16), `BENCH_CODES` (origin codes the purchases spread over, 1),
//! `BENCH_SESSIONS` (buyer sessions the workers spread over, 1), `BENCH_SERVER_PID` (to read the
//! server's memory), `BENCH_RESULT_FILE` (key figures as `NAME=value` lines, for scripts/bench).
//!
//! Any answer that is not 2xx is an error: it is printed with its request, and the exit status is
//! 1.

// A command-line tool: what it prints is its product.
#![allow(clippy::print_stdout)]

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, Request, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

/// The demonstration data's accounts and seller (server::demo).
const PASSWORD: &str = server::demo::DEMO_PASSWORD;
const OTTM_ADMIN: &str = "admin.ottm";
const BUYER: &str = "orocauca.operador";
const USER_EMAIL_DOMAIN: &str = "demo.veta.com.co";
const SELLER_NIT: &str = "9013049617";
const SELLER_NIT_CANONICAL: &str = "901304961-7";
const SELLER_NAME: &str = "MINERA EL DILUVIO GOLD S.A.S";
const SELLER_TITLE: &str = "T14292011-003";
/// Grams issued on each of the benchmark's origin codes: far more than any run sells (1 g each).
const CODE_QUANTITY: &str = "100.000.000";
/// Longest wait for an email the server has committed.
const MAIL_TIMEOUT: Duration = Duration::from_secs(10);

type Fail = String;
type Result<T> = std::result::Result<T, Fail>;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bench: no se pudo crear el runtime de tokio: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = match args.first().map(String::as_str) {
        Some("smtp-sink") => match args.get(1) {
            Some(addr) => runtime.block_on(smtp_sink(addr.clone())),
            None => Err("uso: bench smtp-sink 127.0.0.1:PUERTO".to_owned()),
        },
        None => runtime.block_on(run()),
        Some(other) => Err(format!(
            "argumento desconocido «{other}»: use `bench` o `bench smtp-sink ADDR`"
        )),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: ERROR: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

struct Config {
    base_url: String,
    database_url: String,
    seconds: f64,
    warmup_seconds: f64,
    prepare_seconds: f64,
    concurrency: usize,
    codes: usize,
    sessions: usize,
    server_pid: Option<u32>,
    postgres_pid: Option<u32>,
    result_file: Option<String>,
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => raw
            .trim()
            .parse()
            .map_err(|_| format!("{name}=«{raw}» no es un número válido")),
        _ => Ok(default),
    }
}

impl Config {
    fn from_env() -> Result<Self> {
        let seconds: f64 = env_or("BENCH_SECONDS", 20.0)?;
        let config = Self {
            base_url: std::env::var("BENCH_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:3000".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            database_url: std::env::var("DATABASE_URL")
                .map_err(|_| "falta DATABASE_URL (la base del servidor: se lee su outbox)")?,
            seconds,
            warmup_seconds: env_or("BENCH_WARMUP_SECONDS", 3.0)?,
            prepare_seconds: env_or("BENCH_PREPARE_SECONDS", seconds)?,
            concurrency: env_or("BENCH_CONCURRENCY", 16)?,
            codes: env_or("BENCH_CODES", 1)?,
            sessions: env_or("BENCH_SESSIONS", 1)?,
            server_pid: std::env::var("BENCH_SERVER_PID")
                .ok()
                .and_then(|p| p.trim().parse().ok()),
            postgres_pid: std::env::var("BENCH_POSTGRES_PID")
                .ok()
                .and_then(|p| p.trim().parse().ok()),
            result_file: std::env::var("BENCH_RESULT_FILE").ok(),
        };
        if config.concurrency == 0 || config.codes == 0 || config.sessions == 0 {
            return Err("BENCH_CONCURRENCY, BENCH_CODES y BENCH_SESSIONS deben ser ≥ 1".into());
        }
        if config.seconds <= 0.0 || config.prepare_seconds <= 0.0 {
            return Err("BENCH_SECONDS y BENCH_PREPARE_SECONDS deben ser > 0".into());
        }
        Ok(config)
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/// An answer, read whole.
struct Answer {
    body: String,
    set_cookies: Vec<String>,
}

#[derive(Clone)]
struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    base_url: String,
}

impl Http {
    fn new(base_url: &str) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Self {
            client: Client::builder(TokioExecutor::new())
                .pool_idle_timeout(Duration::from_secs(90))
                .build(connector),
            base_url: base_url.to_owned(),
        }
    }

    /// Sends one request; any status but 2xx is an error that shows the request and the answer.
    async fn send(
        &self,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer> {
        let url = format!("{}{path}", self.base_url);
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(&url)
            .header(header::CONTENT_TYPE, content_type);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body.clone())))
            .map_err(|error| format!("petición inválida a {url}: {error}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| format!("POST {url}: sin respuesta ({error})"))?;
        let status = response.status().as_u16();
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|error| format!("POST {url}: cuerpo ilegible ({error})"))?
            .to_bytes();
        let answer = Answer {
            body: String::from_utf8_lossy(&bytes).into_owned(),
            set_cookies,
        };
        if (200..300).contains(&status) {
            Ok(answer)
        } else {
            Err(format!(
                "POST {path} → {status}\n  petición: {}\n  respuesta: {}",
                shorten(&redact(&body), 600),
                shorten(&answer.body, 1200)
            ))
        }
    }

    /// A server function called as the browser does: a form body and the session cookie.
    async fn form(&self, endpoint: &str, fields: &[(&str, &str)], cookie: &str) -> Result<Answer> {
        let headers: &[(&str, &str)] = if cookie.is_empty() {
            &[]
        } else {
            &[("cookie", cookie)]
        };
        self.send(
            &format!("/api/{endpoint}"),
            "application/x-www-form-urlencoded",
            headers,
            form_body(fields),
        )
        .await
    }
}

fn form_body(fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    for (index, (name, value)) in fields.iter().enumerate() {
        if index > 0 {
            body.push('&');
        }
        encode_into(&mut body, name);
        body.push('=');
        encode_into(&mut body, value);
    }
    body
}

/// Percent-encodes a form name or value (`[` and `]` too, as browsers do).
fn encode_into(out: &mut String, value: &str) {
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
}

/// The password never reaches the output.
fn redact(body: &str) -> String {
    body.replace(PASSWORD, "***")
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

/// `name=value` of every `Set-Cookie` that sets a value.
fn cookies_of(answer: &Answer) -> Vec<(String, String)> {
    answer
        .set_cookies
        .iter()
        .filter_map(|set| {
            let pair = set.split(';').next()?;
            let (name, value) = pair.split_once('=')?;
            (!value.is_empty()).then(|| (name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn json_of(answer: &Answer, what: &str) -> Result<Value> {
    serde_json::from_str(&answer.body)
        .map_err(|error| format!("{what}: la respuesta no es JSON ({error}): {}", answer.body))
}

// ---------------------------------------------------------------------------------------------
// The outbox, read like a mail catcher

/// Reads the emails the server wrote. Each search looks only at rows newer than a bound taken
/// before the request that writes them (identity values grow with time, and every row already
/// seen was allocated before that request), so it walks a short range of the primary key
/// instead of the whole table.
struct Outbox {
    pool: PgPool,
    /// The highest `outbox_id` any search found: a safe lower bound for the next request's mail.
    seen: AtomicI64,
}

impl Outbox {
    fn bound(&self) -> i64 {
        self.seen.load(Ordering::Relaxed)
    }

    /// The text of the newest email to `recipient` after `since` whose subject starts with
    /// `subject_prefix` and whose text contains `needle` (the subject is checked first: it is
    /// short and stored inline, the text may have to be decompressed); polls briefly (the server
    /// commits the mail with the step, so it is normally there at once).
    async fn find(
        &self,
        since: i64,
        recipient: &str,
        subject_prefix: &str,
        needle: &str,
    ) -> Result<String> {
        let started = Instant::now();
        loop {
            let found: Option<(i64, String)> = sqlx::query_as(
                "SELECT outbox_id, body_text FROM outbox
                 WHERE outbox_id > $1 AND recipient = $2 AND channel = 'EMAIL'
                   AND starts_with(subject, $3) AND strpos(body_text, $4) > 0
                 ORDER BY outbox_id DESC LIMIT 1",
            )
            .bind(since)
            .bind(recipient)
            .bind(subject_prefix)
            .bind(needle)
            // Planned for each call's bound: a cached generic plan does not know that the range
            // is a few rows and scans the whole table.
            .persistent(false)
            .fetch_optional(&self.pool)
            .await
            .map_err(|error| format!("lectura del outbox: {error}"))?;
            if let Some((id, text)) = found {
                self.seen.fetch_max(id, Ordering::Relaxed);
                return Ok(text);
            }
            if started.elapsed() > MAIL_TIMEOUT {
                return Err(format!(
                    "ningún correo a {recipient} («{subject_prefix}…») con «{needle}» en {} s",
                    MAIL_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

/// The `len` characters after `marker` in `text`.
fn after(text: &str, marker: &str, len: usize) -> Result<String> {
    let start = text
        .find(marker)
        .map(|i| i + marker.len())
        .ok_or_else(|| format!("el correo no contiene «{marker}»:\n{text}"))?;
    let value: String = text[start..].chars().take(len).collect();
    if value.chars().count() == len && value.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(value)
    } else {
        Err(format!(
            "tras «{marker}» no hay {len} caracteres: «{value}»"
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Steps and their timings

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    HandToSeller,
    MailToken,
    WsDetail,
    Submit,
    MailCode,
    Confirm,
    Purchase,
}

impl Step {
    const ALL: [Step; 7] = [
        Step::HandToSeller,
        Step::MailToken,
        Step::WsDetail,
        Step::Submit,
        Step::MailCode,
        Step::Confirm,
        Step::Purchase,
    ];

    fn label(self) -> &'static str {
        match self {
            Step::HandToSeller => "1 enviar-al-vendedor (Generar Cód. WS)",
            Step::MailToken => "  correo: token WS (outbox)",
            Step::WsDetail => "2 WS detalle (ERP del vendedor)",
            Step::Submit => "3 enviar (a confirmación)",
            Step::MailCode => "  correo: código de validación (outbox)",
            Step::Confirm => "4 confirmar (mueve el libro)",
            Step::Purchase => "compra completa (1→4, con correos)",
        }
    }

    fn is_mail(self) -> bool {
        matches!(self, Step::MailToken | Step::MailCode)
    }
}

#[derive(Default)]
struct Samples {
    by_step: BTreeMap<Step, Vec<Duration>>,
}

impl Samples {
    fn add(&mut self, step: Step, took: Duration) {
        self.by_step.entry(step).or_default().push(took);
    }

    fn merge(&mut self, other: Samples) {
        for (step, mut values) in other.by_step {
            self.by_step.entry(step).or_default().append(&mut values);
        }
    }

    fn total(&self, step: Step) -> Duration {
        self.by_step
            .get(&step)
            .map(|v| v.iter().sum())
            .unwrap_or_default()
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    // Nearest rank.
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn print_table(samples: &Samples, steps: &[Step]) {
    println!(
        "  {:<42} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "paso / step", "n", "p50 ms", "p99 ms", "máx ms", "media ms"
    );
    for step in steps {
        let Some(values) = samples.by_step.get(step) else {
            continue;
        };
        let mut sorted = values.clone();
        sorted.sort();
        let mean = if sorted.is_empty() {
            Duration::ZERO
        } else {
            sorted.iter().sum::<Duration>() / u32::try_from(sorted.len()).unwrap_or(u32::MAX)
        };
        println!(
            "  {:<42} {:>7} {:>9} {:>9} {:>9} {:>9}",
            step.label(),
            sorted.len(),
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last().copied().unwrap_or_default()),
            ms(mean)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The purchase

/// What every worker shares.
struct Ctx {
    http: Http,
    outbox: Outbox,
    /// `veta_sesion=…` of each buyer session.
    sessions: Vec<String>,
    /// The origin codes issued for the run.
    codes: Vec<String>,
    seller_email: String,
    /// Today in Colombia, `DD/MM/AAAA`.
    today: String,
    errors: AtomicU64,
    /// The first errors, printed at the end.
    first_errors: Mutex<Vec<String>>,
}

/// A purchase waiting for its confirmation.
struct Prepared {
    compra_id: Uuid,
    code: String,
    session: usize,
}

const SHA256: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";

impl Ctx {
    fn record_error(&self, error: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_errors.lock()
            && first.len() < 5
        {
            first.push(error);
        }
    }

    /// The form fields of the purchase's header (the seller and the transaction).
    fn draft_fields<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut fields = extra.to_vec();
        fields.extend([
            ("draft[seller_type]", "EXPLOTADOR_MINERO_AUTORIZADO"),
            ("draft[seller][codigo_expediente]", SELLER_TITLE),
            ("draft[seller][document_type]", "NIT"),
            ("draft[seller][document_number]", SELLER_NIT),
            ("draft[seller][razon_social]", SELLER_NAME),
            ("draft[transaction][invoice_date]", self.today.as_str()),
            ("draft[transaction][transaction_date]", self.today.as_str()),
            ("draft[transaction][sha256]", SHA256),
            ("draft[transaction][currency]", "COP"),
            ("draft[transaction][departamento]", "05"),
            ("draft[transaction][municipio]", "05001"),
        ]);
        fields
    }

    /// Steps 1–3: from nothing to *Pendiente por confirmar*, with the validation code in hand.
    async fn prepare(&self, worker: usize, samples: &mut Samples) -> Result<Prepared> {
        let session = worker % self.sessions.len();
        let cookie = self.sessions[session].as_str();
        let origin_code = self.codes[worker % self.codes.len()].as_str();

        // 1. "Generar Cód. WS".
        let since = self.outbox.bound();
        let started = Instant::now();
        let fields = self.draft_fields(&[("via", "WEB_SERVICE")]);
        let answer = self
            .http
            .form("compras/enviar-al-vendedor", &fields, cookie)
            .await?;
        samples.add(Step::HandToSeller, started.elapsed());
        let view = json_of(&answer, "enviar-al-vendedor")?;
        let compra_id: Uuid = view["compra_id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or_else(|| format!("enviar-al-vendedor sin compra_id: {}", answer.body))?;
        if view["status"] != "PENDIENTE_GESTION_VENDEDOR" {
            return Err(format!(
                "enviar-al-vendedor: estado inesperado: {}",
                answer.body
            ));
        }

        // The token, from the email to the seller.
        let started = Instant::now();
        let text = self
            .outbox
            .find(
                since,
                &self.seller_email,
                "Código WS de una compra",
                &format!("Transaction_id: {compra_id}"),
            )
            .await?;
        let token = after(&text, "Token temporal: ", 64)?;
        samples.add(Step::MailToken, started.elapsed());

        // 2. The seller's ERP posts the detail.
        let body = json!({
            "document_type": "NIT",
            "document_number": SELLER_NIT,
            "mining_file_code": SELLER_TITLE,
            "operator_transaction_id": format!("ERP-{}", &compra_id.simple().to_string()[..12]),
            "ltax": [{ "tax_type": "IVA", "value": 19000 }],
            "ltransaction_detail": [{
                "mineral": "ORO",
                "origin_code": origin_code,
                "quantity": 1,
                "unit": "g",
                "value": 100000
            }]
        })
        .to_string();
        let started = Instant::now();
        let bearer = format!("Bearer {token}");
        let answer = self
            .http
            .send(
                &format!("/api/ws/v1/transacciones/{compra_id}/detalle"),
                "application/json",
                &[("authorization", bearer.as_str())],
                body,
            )
            .await?;
        samples.add(Step::WsDetail, started.elapsed());
        let accepted = json_of(&answer, "WS detalle")?;
        if accepted["status"] != "GESTIONADA_POR_VENDEDOR" || accepted["replayed"] != false {
            return Err(format!("WS detalle: respuesta inesperada: {}", answer.body));
        }

        // 3. "Enviar": to confirmation; the code goes to the seller.
        let since = self.outbox.bound();
        let id = compra_id.to_string();
        let fields = self.draft_fields(&[("compra_id", id.as_str())]);
        let started = Instant::now();
        let answer = self.http.form("compras/enviar", &fields, cookie).await?;
        samples.add(Step::Submit, started.elapsed());
        let view = json_of(&answer, "enviar")?;
        if view["status"] != "PENDIENTE_POR_CONFIRMAR" {
            return Err(format!("enviar: estado inesperado: {}", answer.body));
        }
        let started = Instant::now();
        let text = self
            .outbox
            .find(
                since,
                &self.seller_email,
                "Código de validación de la compra",
                &format!("Referencia de la transacción: {compra_id}"),
            )
            .await?;
        let code = after(
            &text,
            "de la transacción: ",
            domain::credentials::VERIFICATION_CODE_DIGITS,
        )?;
        samples.add(Step::MailCode, started.elapsed());
        Ok(Prepared {
            compra_id,
            code,
            session,
        })
    }

    /// Step 4: "Confirmar transacción".
    async fn confirm(&self, prepared: &Prepared) -> Result<()> {
        let id = prepared.compra_id.to_string();
        let answer = self
            .http
            .form(
                "compras/confirmar",
                &[("compra_id", id.as_str()), ("code", prepared.code.as_str())],
                &self.sessions[prepared.session],
            )
            .await?;
        let confirmation = json_of(&answer, "confirmar")?;
        if confirmation["ptm_code"].as_str().is_none_or(str::is_empty) {
            return Err(format!("confirmar sin ptm_code: {}", answer.body));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up: sign-in and origin codes

/// Signs in through password and emailed code; answers `veta_sesion=…`.
async fn sign_in(http: &Http, outbox: &Outbox, username: &str) -> Result<String> {
    let since = outbox.bound();
    let answer = http
        .form(
            "ingresar",
            &[("identifier", username), ("password", PASSWORD)],
            "",
        )
        .await?;
    let challenge = cookies_of(&answer)
        .into_iter()
        .find(|(name, _)| name == "veta_desafio")
        .ok_or_else(|| format!("ingresar ({username}): sin la cookie veta_desafio"))?;
    let text = outbox
        .find(
            since,
            &format!("{username}@{USER_EMAIL_DOMAIN}"),
            "Código de ingreso",
            "código de ingreso es: ",
        )
        .await?;
    let code = after(&text, "es: ", domain::credentials::VERIFICATION_CODE_DIGITS)?;
    let cookie = format!("{}={}", challenge.0, challenge.1);
    let answer = http
        .form("ingresar/codigo", &[("code", code.as_str())], &cookie)
        .await?;
    cookies_of(&answer)
        .into_iter()
        .find(|(name, _)| name == "veta_sesion")
        .map(|(name, value)| format!("{name}={value}"))
        .ok_or_else(|| format!("ingresar/codigo ({username}): sin la cookie veta_sesion"))
}

/// Issues an origin code of [`CODE_QUANTITY`] g of gold to the seller, as the *Administrador
/// OTTM* does on `/codigos-origen`.
async fn issue_code(http: &Http, cookie: &str, holder: Uuid, today: &str) -> Result<String> {
    let holder = holder.to_string();
    let answer = http
        .form(
            "codigos-origen/emitir",
            &[
                ("draft[holder]", holder.as_str()),
                ("draft[mineral]", "ORO"),
                ("draft[unit]", "g"),
                ("draft[quantity]", CODE_QUANTITY),
                ("draft[issued_on]", today),
            ],
            cookie,
        )
        .await?;
    match json_of(&answer, "codigos-origen/emitir")? {
        Value::String(code) if code.len() == 8 => Ok(code),
        other => Err(format!(
            "codigos-origen/emitir: respuesta inesperada {other}"
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Phases

/// What a closed-loop phase achieved.
struct PhaseResult {
    done: u64,
    elapsed: Duration,
    samples: Samples,
}

impl PhaseResult {
    fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Complete purchases by `concurrency` workers until `seconds` have passed.
async fn purchases_for(ctx: &Arc<Ctx>, concurrency: usize, seconds: f64) -> PhaseResult {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut handles = Vec::new();
    for worker in 0..concurrency {
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut done = 0u64;
            while Instant::now() < deadline {
                let purchase_started = Instant::now();
                let outcome = async {
                    let prepared = ctx.prepare(worker, &mut samples).await?;
                    let confirm_started = Instant::now();
                    ctx.confirm(&prepared).await?;
                    samples.add(Step::Confirm, confirm_started.elapsed());
                    Ok::<(), Fail>(())
                }
                .await;
                match outcome {
                    Ok(()) => {
                        samples.add(Step::Purchase, purchase_started.elapsed());
                        done += 1;
                    }
                    Err(error) => {
                        ctx.record_error(error);
                        // Do not hammer a failing server.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (done, samples)
        }));
    }
    let mut result = PhaseResult {
        done: 0,
        elapsed: Duration::ZERO,
        samples: Samples::default(),
    };
    for handle in handles {
        match handle.await {
            Ok((done, samples)) => {
                result.done += done;
                result.samples.merge(samples);
            }
            Err(error) => ctx.record_error(format!("un trabajador terminó mal: {error}")),
        }
    }
    result.elapsed = started.elapsed();
    result
}

/// Purchases brought up to *Pendiente por confirmar* until `seconds` have passed.
async fn prepare_for(ctx: &Arc<Ctx>, concurrency: usize, seconds: f64) -> (Vec<Prepared>, Samples) {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut handles = Vec::new();
    for worker in 0..concurrency {
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut prepared = Vec::new();
            while Instant::now() < deadline {
                match ctx.prepare(worker, &mut samples).await {
                    Ok(p) => prepared.push(p),
                    Err(error) => {
                        ctx.record_error(error);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (prepared, samples)
        }));
    }
    let mut by_worker = Vec::new();
    let mut samples = Samples::default();
    for handle in handles {
        match handle.await {
            Ok((prepared, s)) => {
                by_worker.push(VecDeque::from(prepared));
                samples.merge(s);
            }
            Err(error) => ctx.record_error(format!("un trabajador terminó mal: {error}")),
        }
    }
    // Interleaved, in the order they were made: consecutive confirmations are then of different
    // workers (different origin codes and sessions when BENCH_CODES / BENCH_SESSIONS > 1), as
    // they would be in phase 1.
    let mut all = Vec::new();
    while by_worker.iter().any(|q| !q.is_empty()) {
        for queue in &mut by_worker {
            if let Some(p) = queue.pop_front() {
                all.push(p);
            }
        }
    }
    (all, samples)
}

/// Confirms every purchase of `queue` with `concurrency` workers, as fast as they go.
async fn confirm_all(ctx: &Arc<Ctx>, concurrency: usize, queue: Vec<Prepared>) -> PhaseResult {
    let queue = Arc::new(Mutex::new(VecDeque::from(queue)));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let ctx = Arc::clone(ctx);
        let queue = Arc::clone(&queue);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut done = 0u64;
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(prepared) = next else { break };
                let t = Instant::now();
                match ctx.confirm(&prepared).await {
                    Ok(()) => {
                        samples.add(Step::Confirm, t.elapsed());
                        done += 1;
                    }
                    Err(error) => ctx.record_error(error),
                }
            }
            (done, samples)
        }));
    }
    let mut result = PhaseResult {
        done: 0,
        elapsed: Duration::ZERO,
        samples: Samples::default(),
    };
    for handle in handles {
        match handle.await {
            Ok((done, samples)) => {
                result.done += done;
                result.samples.merge(samples);
            }
            Err(error) => ctx.record_error(format!("un trabajador terminó mal: {error}")),
        }
    }
    result.elapsed = started.elapsed();
    result
}

/// Confirms the purchases at `rate` per second (open loop): each starts at its scheduled time,
/// whatever the others do, and its latency counts from that time.
async fn confirm_paced(ctx: &Arc<Ctx>, rate: f64, queue: Vec<Prepared>) -> PhaseResult {
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let started = tokio::time::Instant::now();
    let mut handles = Vec::new();
    for (index, prepared) in queue.into_iter().enumerate() {
        let at = started + interval * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(at).await;
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let outcome = ctx.confirm(&prepared).await;
            (outcome, at.elapsed())
        }));
    }
    let mut result = PhaseResult {
        done: 0,
        elapsed: Duration::ZERO,
        samples: Samples::default(),
    };
    for handle in handles {
        match handle.await {
            Ok((Ok(()), took)) => {
                result.done += 1;
                result.samples.add(Step::Confirm, took);
            }
            Ok((Err(error), _)) => ctx.record_error(error),
            Err(error) => ctx.record_error(format!("una confirmación terminó mal: {error}")),
        }
    }
    result.elapsed = started.elapsed();
    result
}

// ---------------------------------------------------------------------------------------------
// Server memory and database state

/// `(VmRSS, VmHWM)` in MiB of a process.
fn memory_of(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn memory_line(pid: Option<u32>) -> String {
    match pid.and_then(memory_of) {
        Some((rss, hwm)) => format!("RSS {rss:.1} MiB (pico VmHWM {hwm:.1} MiB)"),
        None => "RSS desconocido (defina BENCH_SERVER_PID)".to_owned(),
    }
}

/// Clock ticks per second of `/proc` times (`USER_HZ`, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// `(ppid, utime + stime)` of a process, in ticks.
fn process_ticks(pid: &str) -> Option<(u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU time used so far, in seconds: by the server, by PostgreSQL (the postmaster and its
/// children), by this process, and by the whole machine (busy time of all cores).
#[derive(Debug, Clone, Copy, Default)]
struct CpuTimes {
    server: f64,
    postgres: f64,
    bench: f64,
    machine: f64,
    at: Option<Instant>,
}

fn cpu_times(server_pid: Option<u32>, postgres_pid: Option<u32>) -> CpuTimes {
    let ticks = |pid: u32| process_ticks(&pid.to_string()).map_or(0, |(_, t)| t);
    let mut postgres = 0;
    if let Some(postmaster) = postgres_pid {
        postgres += ticks(postmaster);
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(pid) = name
                    .to_str()
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                else {
                    continue;
                };
                if let Some((ppid, t)) = process_ticks(pid)
                    && ppid == postmaster
                {
                    postgres += t;
                }
            }
        }
    }
    let machine = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| {
            let line = stat.lines().next()?;
            let values: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal…: busy is all but idle and iowait.
            let total: u64 = values.iter().take(8).sum();
            Some(total - values.get(3)? - values.get(4)?)
        })
        .unwrap_or(0);
    CpuTimes {
        server: server_pid.map_or(0, ticks) as f64 / TICKS_PER_S,
        postgres: postgres as f64 / TICKS_PER_S,
        bench: ticks(std::process::id()) as f64 / TICKS_PER_S,
        machine: machine as f64 / TICKS_PER_S,
        at: Some(Instant::now()),
    }
}

/// CPU of other processes, in % of one core, above which a phase's figures are flagged.
const OTHERS_CPU_WARNING: f64 = 15.0;

/// Who used the cores between two readings, in % of one core; and how much went to processes
/// other than the server, PostgreSQL and the bench (another load on the machine).
fn cpu_line(before: CpuTimes, after: CpuTimes) -> (String, f64) {
    let wall = match (before.at, after.at) {
        (Some(a), Some(b)) => (b - a).as_secs_f64().max(1e-9),
        _ => return (String::new(), 0.0),
    };
    let pct = |a: f64, b: f64| 100.0 * (b - a) / wall;
    let server = pct(before.server, after.server);
    let postgres = pct(before.postgres, after.postgres);
    let bench = pct(before.bench, after.bench);
    let machine = pct(before.machine, after.machine);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let others = (machine - server - postgres - bench).max(0.0);
    let warning = if others > OTHERS_CPU_WARNING {
        "  ⚠ otra carga en la máquina: cifras no comparables"
    } else {
        ""
    };
    (
        format!(
            "CPU (% de un núcleo, {cores} núcleos): servidor {server:.0} %, PostgreSQL {postgres:.0} %, bench {bench:.0} %, otros procesos {others:.0} % — máquina ocupada {machine:.0} % de {}{warning}",
            cores * 100
        ),
        others,
    )
}

/// Forgets the statistics of `pg_stat_statements` (`BENCH_PG_STATS=1`).
async fn statements_reset(pool: &PgPool) {
    if let Err(error) = sqlx::query("SELECT pg_stat_statements_reset()")
        .execute(pool)
        .await
    {
        println!("  (pg_stat_statements no disponible: {error})");
    }
}

/// The statements of the server's database that took the most time since the last reset, per
/// unit of work (`BENCH_PG_STATS=1`; phase 1 includes the bench's own outbox reads, phase 2 has
/// none).
async fn print_statements(pool: &PgPool, what: &str, units: u64) {
    let rows: Vec<(i64, f64, f64, i64, String)> = match sqlx::query_as(
        "SELECT s.calls, s.total_exec_time, s.mean_exec_time,
                s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied,
                left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90)
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
         WHERE d.datname = current_database()
         ORDER BY s.total_exec_time DESC LIMIT 25",
    )
    .fetch_all(pool)
    .await
    {
        Ok(rows) => rows,
        Err(error) => {
            println!("  (pg_stat_statements no disponible: {error})");
            return;
        }
    };
    let per = units.max(1) as f64;
    println!("  pg_stat_statements {what} ({units}): llamadas, ms de ejecución, bloques");
    println!(
        "  {:>6} {:>8} {:>8} {:>8}  sentencia",
        "llam.", "ms tot.", "ms med.", "bloques"
    );
    for (calls, total, mean, blocks, query) in rows {
        println!(
            "  {:>6.2} {:>8.3} {:>8.3} {:>8.1}  {query}",
            calls as f64 / per,
            total / per,
            mean,
            blocks as f64 / per
        );
    }
}

/// Longest wait for the outbox worker to deliver the backlog between phases.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits (at most [`DRAIN_TIMEOUT`]) until the outbox worker has delivered every message, with no
/// request under way, and reports how fast it delivered them: the worker's own throughput.
async fn drain_outbox(pool: &PgPool) {
    let started = Instant::now();
    let initial = outbox_backlog(pool).await;
    let mut left = initial;
    while left > 0 && started.elapsed() < DRAIN_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(250)).await;
        left = outbox_backlog(pool).await;
    }
    if initial > 0 {
        let took = started.elapsed().as_secs_f64();
        println!(
            "  outbox: {initial} mensajes por entregar; el worker entregó {} en {took:.1} s ({:.0} mensajes/s){}",
            initial - left,
            (initial - left) as f64 / took.max(1e-9),
            if left > 0 {
                format!("; quedan {left} (la fase siguiente compite con su entrega)")
            } else {
                String::new()
            }
        );
    }
}

/// Messages the outbox worker has not delivered yet.
async fn outbox_backlog(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(pool)
        .await
        .unwrap_or(-1)
}

// ---------------------------------------------------------------------------------------------
// The run

async fn run() -> Result<()> {
    let config = Config::from_env()?;
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(config.concurrency.min(32) + 2).unwrap_or(8))
        .connect(&config.database_url)
        .await
        .map_err(|error| format!("no se pudo conectar a DATABASE_URL: {error}"))?;
    let start_id: i64 = sqlx::query_scalar("SELECT coalesce(max(outbox_id), 0) FROM outbox")
        .fetch_one(&pool)
        .await
        .map_err(|error| format!("no se pudo leer el outbox: {error}"))?;
    let outbox = Outbox {
        pool: pool.clone(),
        seen: AtomicI64::new(start_id),
    };
    let http = Http::new(&config.base_url);
    let today = app::compras::ssr::today().to_string();

    println!("Veta — benchmark de compras por HTTP (canal Web Service)");
    println!(
        "servidor {} · {} trabajadores · {} s por fase · {} código(s) de origen · {} sesión(es) del comprador",
        config.base_url, config.concurrency, config.seconds, config.codes, config.sessions
    );
    println!(
        "memoria del servidor al inicio: {}",
        memory_line(config.server_pid)
    );

    // Set-up: the OTTM administrator issues the codes; the buyer signs in.
    let (holder, seller_email): (Uuid, String) = sqlx::query_as(
        "SELECT organization_id, contact_email FROM organizations
         WHERE document_type = 'NIT' AND document_number = $1",
    )
    .bind(SELLER_NIT_CANONICAL)
    .fetch_one(&pool)
    .await
    .map_err(|error| {
        format!("el vendedor {SELLER_NAME} no está en la base (¿VETA_DEMO_DATA=1?): {error}")
    })?;
    let admin = sign_in(&http, &outbox, OTTM_ADMIN).await?;
    let mut codes = Vec::new();
    for _ in 0..config.codes {
        codes.push(issue_code(&http, &admin, holder, &today).await?);
    }
    println!(
        "código(s) de origen emitidos a {SELLER_NAME}: {} ({CODE_QUANTITY} g de ORO cada uno)",
        codes.join(", ")
    );
    let mut sessions = Vec::new();
    for _ in 0..config.sessions {
        sessions.push(sign_in(&http, &outbox, BUYER).await?);
    }
    let ctx = Arc::new(Ctx {
        http,
        outbox,
        sessions,
        codes,
        seller_email,
        today,
        errors: AtomicU64::new(0),
        first_errors: Mutex::new(Vec::new()),
    });
    // One purchase alone first: a broken step shows at once, with its request and answer.
    let mut probe = Samples::default();
    let prepared = ctx.prepare(0, &mut probe).await?;
    ctx.confirm(&prepared).await?;
    println!("compra de prueba confirmada ({}).", prepared.compra_id);
    println!(
        "memoria del servidor tras los ingresos (Argon2) y la compra de prueba: {}",
        memory_line(config.server_pid)
    );

    println!("\ncalentamiento: {} s…", config.warmup_seconds);
    let _ = purchases_for(&ctx, config.concurrency, config.warmup_seconds).await;

    // Phase 1.
    println!(
        "\n== Fase 1: compras completas ({} trabajadores, {} s)",
        config.concurrency, config.seconds
    );
    let pg_stats = std::env::var("BENCH_PG_STATS").is_ok_and(|v| v == "1");
    if pg_stats {
        statements_reset(&pool).await;
    }
    let cpu = || cpu_times(config.server_pid, config.postgres_pid);
    let cpu_before = cpu();
    let phase1 = purchases_for(&ctx, config.concurrency, config.seconds).await;
    let (cpu_phase1, others1) = cpu_line(cpu_before, cpu());
    let purchases_per_s = phase1.rate();
    println!(
        "  {} compras completas en {:.1} s → {:.1} compras/s ({:.1} confirmaciones/s dentro del flujo)",
        phase1.done,
        phase1.elapsed.as_secs_f64(),
        purchases_per_s,
        purchases_per_s
    );
    print_table(&phase1.samples, &Step::ALL);
    let http_time: Duration = Step::ALL
        .iter()
        .filter(|s| !s.is_mail() && **s != Step::Purchase)
        .map(|s| phase1.samples.total(*s))
        .sum();
    let mail_time = phase1.samples.total(Step::MailToken) + phase1.samples.total(Step::MailCode);
    println!(
        "  tiempo de los trabajadores: HTTP {:.1} s, lectura de correos del outbox {:.1} s ({:.1} %)",
        http_time.as_secs_f64(),
        mail_time.as_secs_f64(),
        100.0 * mail_time.as_secs_f64() / (http_time + mail_time).as_secs_f64().max(1e-9)
    );
    println!("  {cpu_phase1}");
    if pg_stats {
        print_statements(&pool, "de la fase 1, por compra completa", phase1.done).await;
    }
    let memory_phase1 = memory_line(config.server_pid);
    println!("  servidor: {memory_phase1}");
    println!(
        "  outbox sin entregar al final de la fase: {}",
        outbox_backlog(&pool).await
    );

    // Phase 2.
    println!(
        "\n== Fase 2: confirmaciones ({} trabajadores, todas de una vez)",
        config.concurrency
    );
    println!(
        "  preparando compras hasta «Pendiente por confirmar» durante {} s…",
        config.prepare_seconds
    );
    let (mut prepared, _) = prepare_for(&ctx, config.concurrency, config.prepare_seconds).await;
    // Let the outbox worker catch up so that it does not compete with the measured confirmations.
    drain_outbox(&pool).await;
    let paced_part = prepared.split_off(prepared.len() / 2);
    println!(
        "  {} preparadas; se confirman {} ahora.",
        prepared.len() + paced_part.len(),
        prepared.len()
    );
    if pg_stats {
        statements_reset(&pool).await;
    }
    let cpu_before = cpu();
    let phase2 = confirm_all(&ctx, config.concurrency, prepared).await;
    let (cpu_phase2, others2) = cpu_line(cpu_before, cpu());
    let confirmations_per_s = phase2.rate();
    println!(
        "  {} confirmaciones en {:.2} s → {:.1} confirmaciones/s",
        phase2.done,
        phase2.elapsed.as_secs_f64(),
        confirmations_per_s
    );
    print_table(&phase2.samples, &[Step::Confirm]);
    println!("  {cpu_phase2}");
    if pg_stats {
        print_statements(&pool, "de la fase 2, por confirmación", phase2.done).await;
    }
    let memory_phase2 = memory_line(config.server_pid);
    println!("  servidor: {memory_phase2}");

    // Phase 3.
    drain_outbox(&pool).await;
    let half = confirmations_per_s / 2.0;
    println!(
        "\n== Fase 3: {} confirmaciones a ritmo fijo de {:.1}/s (la mitad de la fase 2)",
        paced_part.len(),
        half
    );
    let cpu_before = cpu();
    let phase3 = confirm_paced(&ctx, half, paced_part).await;
    let (cpu_phase3, others3) = cpu_line(cpu_before, cpu());
    println!(
        "  {} confirmaciones en {:.2} s → {:.1}/s logradas",
        phase3.done,
        phase3.elapsed.as_secs_f64(),
        phase3.rate()
    );
    print_table(&phase3.samples, &[Step::Confirm]);
    println!("  {cpu_phase3}");
    let p99_paced = {
        let mut sorted = phase3
            .samples
            .by_step
            .get(&Step::Confirm)
            .cloned()
            .unwrap_or_default();
        sorted.sort();
        percentile(&sorted, 99.0)
    };
    let memory_end = memory_line(config.server_pid);
    println!("  servidor: {memory_end}");

    // Summary.
    let errors = ctx.errors.load(Ordering::Relaxed);
    println!("\n== Resumen / summary");
    println!("  compras completas por segundo (fase 1)          {purchases_per_s:>9.1}");
    println!("  confirmaciones por segundo (fase 2)             {confirmations_per_s:>9.1}");
    println!(
        "  p99 confirmación a la mitad de esa carga (fase 3) {:>8} ms   (meta < 50 ms)",
        ms(p99_paced)
    );
    println!("  servidor                                         {memory_end}");
    println!("  errores                                          {errors:>9}");
    let others_max = others1.max(others2).max(others3);
    if others_max > OTHERS_CPU_WARNING {
        println!(
            "  ⚠ Otros procesos usaron hasta {others_max:.0} % de un núcleo durante las fases: la máquina no estaba libre y estas cifras no son comparables. Repita con la máquina en reposo."
        );
    }
    if let Some(path) = &config.result_file {
        let (rss, hwm) = config
            .server_pid
            .and_then(memory_of)
            .unwrap_or((-1.0, -1.0));
        let text = format!(
            "PURCHASES_PER_S={purchases_per_s:.1}\nCONFIRMATIONS_PER_S={confirmations_per_s:.1}\nP99_CONFIRM_HALF_LOAD_MS={}\nSERVER_RSS_MIB={rss:.1}\nSERVER_HWM_MIB={hwm:.1}\nERRORS={errors}\nOTHERS_CPU_MAX={others_max:.0}\n",
            ms(p99_paced)
        );
        std::fs::write(path, text)
            .map_err(|error| format!("no se pudo escribir {path}: {error}"))?;
    }
    if errors > 0 {
        println!("\nPrimeros errores:");
        if let Ok(first) = ctx.first_errors.lock() {
            for error in first.iter() {
                println!("- {error}");
            }
        }
        return Err(format!("{errors} petición(es) fallaron"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The SMTP sink

/// Accepts SMTP on `addr` and discards every message: the server's outbox worker delivers to it
/// as to a provider, at no cost to the machine being measured. Runs until killed.
async fn smtp_sink(addr: String) -> Result<()> {
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|error| format!("smtp-sink: no se pudo abrir {addr}: {error}"))?;
    let received = Arc::new(AtomicU64::new(0));
    loop {
        let (stream, _) = listener
            .accept()
            .await
            .map_err(|error| format!("smtp-sink: {error}"))?;
        let received = Arc::clone(&received);
        tokio::spawn(async move {
            let _ = smtp_session(stream, &received).await;
        });
    }
}

async fn write_all(stream: &TcpStream, mut data: &[u8]) -> std::io::Result<()> {
    while !data.is_empty() {
        stream.writable().await?;
        match stream.try_write(data) {
            Ok(n) => data = &data[n..],
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

async fn smtp_session(stream: TcpStream, received: &AtomicU64) -> std::io::Result<()> {
    write_all(&stream, b"220 bench-sink ESMTP\r\n").await?;
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut in_data = false;
    loop {
        stream.readable().await?;
        let n = match stream.try_read(&mut chunk) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(error) => return Err(error),
        };
        pending.extend_from_slice(&chunk[..n]);
        let mut consumed = 0;
        while let Some(end) = pending[consumed..].iter().position(|b| *b == b'\n') {
            let line = &pending[consumed..consumed + end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            consumed += end + 1;
            if in_data {
                if line == b"." {
                    in_data = false;
                    received.fetch_add(1, Ordering::Relaxed);
                    write_all(&stream, b"250 2.0.0 OK\r\n").await?;
                }
                continue;
            }
            let verb = line
                .get(..4)
                .map(|v| v.to_ascii_uppercase())
                .unwrap_or_default();
            match verb.as_slice() {
                b"EHLO" => {
                    write_all(
                        &stream,
                        b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                    )
                    .await?;
                }
                b"DATA" => {
                    in_data = true;
                    write_all(&stream, b"354 fin con <CRLF>.<CRLF>\r\n").await?;
                }
                b"QUIT" => {
                    write_all(&stream, b"221 2.0.0 adios\r\n").await?;
                    return Ok(());
                }
                _ => write_all(&stream, b"250 2.0.0 OK\r\n").await?,
            }
        }
        pending.drain(..consumed);
    }
}
