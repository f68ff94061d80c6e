//! A purchase through the HTTP interface, as a buyer's browser and a seller's ERP make it, and
//! its set-up (sign-in).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use domain::limits::PURCHASES_PER_BUYER_SELLER;
use serde_json::json;
use uuid::Uuid;

use super::Result;
use super::census::Census;
use super::http::{Http, cookies_of, json_of};
use super::mail::{Mailbox, after};
use super::sellers::Seller;
use super::stats::{Samples, Step};

/// The demonstration data's password and buyer (server::demo).
pub const PASSWORD: &str = server::demo::DEMO_PASSWORD;
pub const BUYER: &str = "orocauca.operador";
pub const USER_EMAIL_DOMAIN: &str = "demo.veta.com.co";

/// What every worker shares.
pub struct Ctx {
    pub http: Http,
    pub mail: Mailbox,
    /// `veta_sesion=…` of each buyer session.
    pub sessions: Vec<String>,
    /// The sellers, taken in turn: each sells at most the daily limit of one buyer.
    pub sellers: Vec<Seller>,
    /// Purchases started so far: the next one goes to seller `started % sellers.len()`.
    pub started: AtomicUsize,
    /// Today in Colombia, `DD/MM/AAAA`.
    pub today: String,
    pub errors: AtomicU64,
    /// The first errors, printed at the end.
    pub first_errors: Mutex<Vec<String>>,
    /// Each purchase sent to confirmation: when "Enviar" was asked, and to which seller; what
    /// [`Ctx::codes_accepted`] measures.
    pub submitted: Mutex<Vec<(Uuid, Instant, usize)>>,
}

/// A purchase waiting for its confirmation.
pub struct Prepared {
    pub compra_id: Uuid,
    pub code: String,
    pub session: usize,
    /// Index in [`Ctx::sellers`].
    pub seller: usize,
}

pub const SHA256: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";

impl Ctx {
    /// Purchases through `http` by the buyer's `sessions`, from `sellers` in turn, dated today.
    pub fn new(http: Http, mail: Mailbox, sessions: Vec<String>, sellers: Vec<Seller>) -> Self {
        Self {
            http,
            mail,
            sessions,
            sellers,
            started: AtomicUsize::new(0),
            today: app::compras::ssr::today().to_string(),
            errors: AtomicU64::new(0),
            first_errors: Mutex::new(Vec::new()),
            submitted: Mutex::new(Vec::new()),
        }
    }

    pub fn record_error(&self, error: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_errors.lock()
            && first.len() < 5
        {
            first.push(error);
        }
    }

    /// The form fields of the purchase's header (the seller and the transaction).
    pub fn draft_fields<'a>(
        &'a self,
        seller: &'a Seller,
        extra: &[(&'a str, &'a str)],
    ) -> Vec<(&'a str, &'a str)> {
        let mut fields = extra.to_vec();
        fields.extend([
            ("draft[seller_type]", "EXPLOTADOR_MINERO_AUTORIZADO"),
            (
                "draft[seller][codigo_expediente]",
                seller.codigo_expediente.as_str(),
            ),
            ("draft[seller][document_type]", "NIT"),
            ("draft[seller][document_number]", seller.nit.as_str()),
            ("draft[seller][razon_social]", seller.razon_social.as_str()),
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
    pub async fn prepare(&self, worker: usize, samples: &mut Samples) -> Result<Prepared> {
        self.prepare_counted(worker, samples, None).await
    }

    /// [`Ctx::prepare`], each step's database work counted by `census` when there is one.
    pub async fn prepare_counted(
        &self,
        worker: usize,
        samples: &mut Samples,
        census: Option<&Census>,
    ) -> Result<Prepared> {
        let session = worker % self.sessions.len();
        let cookie = self.sessions[session].as_str();
        let started = self.started.fetch_add(1, Ordering::Relaxed);
        let seller_index = started % self.sellers.len();
        if started / self.sellers.len() >= PURCHASES_PER_BUYER_SELLER.max as usize {
            return Err(format!(
                "{started} compras agotan los {} vendedores de carga (límite diario de {} por vendedor): use más vendedores",
                self.sellers.len(),
                PURCHASES_PER_BUYER_SELLER.max
            ));
        }
        let seller = &self.sellers[seller_index];

        // 1. "Generar Cód. WS".
        let since = self.mail.bound();
        let fields = self.draft_fields(seller, &[("via", "WEB_SERVICE")]);
        count_before(census).await?;
        let started = Instant::now();
        let answer = self
            .http
            .form("compras/enviar-al-vendedor", &fields, cookie)
            .await?;
        samples.add(Step::HandToSeller, started.elapsed());
        count_after(census, Step::HandToSeller).await?;
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
            .mail
            .find(
                since,
                &seller.email,
                "Código WS de una compra",
                &format!("Transaction_id: {compra_id}"),
            )
            .await?;
        let token = after(&text, "Token temporal: ", 64)?;
        samples.add(Step::MailToken, started.elapsed());

        // 2. The seller's ERP posts the detail.
        let body = json!({
            "document_type": "NIT",
            "document_number": seller.nit,
            "mining_file_code": seller.codigo_expediente,
            "operator_transaction_id": format!("ERP-{}", &compra_id.simple().to_string()[..12]),
            "ltax": [{ "tax_type": "IVA", "value": 19000 }],
            "ltransaction_detail": [{
                "mineral": "ORO",
                "origin_code": seller.origin_code,
                "quantity": 1,
                "unit": "g",
                "value": 100000
            }]
        })
        .to_string();
        count_before(census).await?;
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
        count_after(census, Step::WsDetail).await?;
        let accepted = json_of(&answer, "WS detalle")?;
        if accepted["status"] != "GESTIONADA_POR_VENDEDOR" || accepted["replayed"] != false {
            return Err(format!("WS detalle: respuesta inesperada: {}", answer.body));
        }

        // 3. "Enviar": to confirmation; the code goes to the seller.
        let since = self.mail.bound();
        let id = compra_id.to_string();
        let fields = self.draft_fields(seller, &[("compra_id", id.as_str())]);
        count_before(census).await?;
        let started = Instant::now();
        let answer = self.http.form("compras/enviar", &fields, cookie).await?;
        samples.add(Step::Submit, started.elapsed());
        count_after(census, Step::Submit).await?;
        let view = json_of(&answer, "enviar")?;
        if view["status"] != "PENDIENTE_POR_CONFIRMAR" {
            return Err(format!("enviar: estado inesperado: {}", answer.body));
        }
        if let Ok(mut submitted) = self.submitted.lock() {
            submitted.push((compra_id, started, seller_index));
        }
        let started = Instant::now();
        let text = self
            .mail
            .find(
                since,
                &seller.email,
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
            seller: seller_index,
        })
    }

    /// Step 4: "Confirmar transacción"; answers the PTM code.
    pub async fn confirm(&self, prepared: &Prepared) -> Result<String> {
        self.confirm_counted(prepared, None).await
    }

    /// [`Ctx::confirm`], its database work counted by `census` when there is one.
    pub async fn confirm_counted(
        &self,
        prepared: &Prepared,
        census: Option<&Census>,
    ) -> Result<String> {
        let id = prepared.compra_id.to_string();
        count_before(census).await?;
        let answer = self
            .http
            .form(
                "compras/confirmar",
                &[("compra_id", id.as_str()), ("code", prepared.code.as_str())],
                &self.sessions[prepared.session],
            )
            .await?;
        count_after(census, Step::Confirm).await?;
        let confirmation = json_of(&answer, "confirmar")?;
        match confirmation["ptm_code"].as_str() {
            Some(ptm_code) if !ptm_code.is_empty() => Ok(ptm_code.to_owned()),
            _ => Err(format!("confirmar sin ptm_code: {}", answer.body)),
        }
    }
}

impl Ctx {
    /// For the purchases sent to confirmation since the last call, how long from "Enviar" until
    /// the SMTP server (the bench's catcher) accepted the validation code's email: what a seller
    /// waits for, outbox included. Waits up to `limit` for the emails still queued; answers the
    /// times and how many never arrived.
    pub async fn codes_accepted(&self, limit: Duration) -> (Samples, usize) {
        let pending = self
            .submitted
            .lock()
            .map(|mut submitted| std::mem::take(&mut *submitted))
            .unwrap_or_default();
        let started = Instant::now();
        let mut samples = Samples::default();
        let mut waiting = pending;
        loop {
            waiting.retain(|(compra_id, asked, seller)| {
                let found = self.mail.catcher.matching(
                    &self.sellers[*seller].email,
                    "Código de validación de la compra",
                    &format!("Referencia de la transacción: {compra_id}"),
                );
                match found.first() {
                    Some(caught) => {
                        samples.add(
                            Step::CodeAccepted,
                            caught.at.saturating_duration_since(*asked),
                        );
                        false
                    }
                    None => true,
                }
            });
            if waiting.is_empty() || started.elapsed() > limit {
                return (samples, waiting.len());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

async fn count_before(census: Option<&Census>) -> Result<()> {
    match census {
        Some(census) => census.before().await,
        None => Ok(()),
    }
}

async fn count_after(census: Option<&Census>, step: Step) -> Result<()> {
    match census {
        Some(census) => census.after(step).await,
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Set-up: sign-in

/// Signs in through password and emailed code; answers `veta_sesion=…`.
pub async fn sign_in(http: &Http, mail: &Mailbox, username: &str) -> Result<String> {
    let since = mail.bound();
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
    let text = mail
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
