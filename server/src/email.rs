//! Email: the SMTP transport (`SMTP_URL`, `SMTP_FROM`).
//!
//! Features never send mail themselves: they write an [`OutgoingEmail`], usually made with
//! [`notification`], to the outbox ([`crate::outbox::enqueue_email`]) and the outbox worker hands
//! it to an [`EmailTransport`]. The template lives in `app::notify`, beside the server functions
//! that use it, and is re-exported here.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::Semaphore;

use crate::outbox::{DeliveryError, OutgoingEmail};

pub use app::notify::{BOGOTA, notification};

/// Sends one email. The outbox worker retries whatever fails, so an implementation makes one
/// attempt and reports why it failed, without secrets.
#[async_trait]
pub trait EmailTransport: Send + Sync {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), DeliveryError>;

    /// How many sends it carries at once: the outbox worker claims that many messages per batch.
    fn sessions(&self) -> u32 {
        SMTP_CONNECTIONS_DEFAULT
    }
}

/// `SMTP_URL` when it is not set: the maildev that `scripts/run` starts.
pub const SMTP_URL_DEFAULT: &str = "smtp://127.0.0.1:1025";
/// `SMTP_FROM` when it is not set.
pub const SMTP_FROM_DEFAULT: &str = "Veta <no-responder@veta.com.co>";

/// Longest wait for each SMTP command (connect, each reply).
const SMTP_COMMAND_TIMEOUT: Duration = Duration::from_secs(20);
/// `SMTP_CONNECTIONS` when it is not set: SMTP sessions open at once (and kept for reuse). Mail
/// providers limit connections per client, some to a few: raise it only where the provider allows.
pub const SMTP_CONNECTIONS_DEFAULT: u32 = 10;
/// The most `SMTP_CONNECTIONS` accepts.
pub const SMTP_CONNECTIONS_MAX: u32 = 200;
/// How long an idle SMTP connection is kept.
const SMTP_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The outgoing mail server and the sender, read and checked at start-up.
#[derive(Clone)]
pub struct MailSettings {
    smtp: lettre::transport::smtp::AsyncSmtpTransportBuilder,
    /// `SMTP_URL` with its password masked, for logs.
    smtp_url_shown: String,
    smtp_url_is_default: bool,
    from: Mailbox,
    connections: u32,
}

/// Why the mail settings are not usable: one line that names the variable and says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailSettingsError {
    #[error(
        "SMTP_URL no es válida ({reason}): use smtp://servidor:25, smtp://usuario:clave@servidor:587?tls=required (STARTTLS) o smtps://usuario:clave@servidor:465"
    )]
    InvalidSmtpUrl { reason: String },
    #[error("SMTP_FROM no es válida: «{found}» no es un remitente; use p. ej. {SMTP_FROM_DEFAULT}")]
    InvalidSmtpFrom { found: String },
    #[error(
        "SMTP_CONNECTIONS no es válida: «{found}»; escriba cuántas conexiones SMTP abrir a la vez, de 1 a {SMTP_CONNECTIONS_MAX} (por defecto {SMTP_CONNECTIONS_DEFAULT})"
    )]
    InvalidSmtpConnections { found: String },
}

impl MailSettings {
    /// Reads `SMTP_URL` (default [`SMTP_URL_DEFAULT`]), `SMTP_FROM` (default
    /// [`SMTP_FROM_DEFAULT`]) and `SMTP_CONNECTIONS` (default [`SMTP_CONNECTIONS_DEFAULT`]).
    pub fn from_env() -> Result<Self, MailSettingsError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Self::from_env`], with the variables read through `var` (for tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, MailSettingsError> {
        let set = |name| var(name).filter(|value: &String| !value.trim().is_empty());
        let (smtp_url, smtp_url_is_default) = match set("SMTP_URL") {
            Some(url) => (url.trim().to_owned(), false),
            None => (SMTP_URL_DEFAULT.to_owned(), true),
        };
        let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp_url).map_err(|error| {
            MailSettingsError::InvalidSmtpUrl {
                reason: one_line(&error.to_string()),
            }
        })?;
        let from_raw = set("SMTP_FROM").unwrap_or_else(|| SMTP_FROM_DEFAULT.to_owned());
        let from =
            from_raw
                .trim()
                .parse::<Mailbox>()
                .map_err(|_| MailSettingsError::InvalidSmtpFrom {
                    found: one_line(from_raw.trim()),
                })?;
        let connections = match set("SMTP_CONNECTIONS") {
            None => SMTP_CONNECTIONS_DEFAULT,
            Some(raw) => raw
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=SMTP_CONNECTIONS_MAX).contains(n))
                .ok_or_else(|| MailSettingsError::InvalidSmtpConnections {
                    found: one_line(&raw),
                })?,
        };
        Ok(Self {
            smtp: smtp.timeout(Some(SMTP_COMMAND_TIMEOUT)).pool_config(
                PoolConfig::new()
                    .max_size(connections)
                    .idle_timeout(SMTP_POOL_IDLE_TIMEOUT),
            ),
            smtp_url_shown: mask_password(&smtp_url),
            smtp_url_is_default,
            from,
            connections,
        })
    }

    /// One line for the start-up log: the server (password masked) and the sender.
    pub fn describe(&self) -> String {
        let default = if self.smtp_url_is_default {
            " (SMTP_URL sin definir: el maildev de desarrollo)"
        } else {
            ""
        };
        format!(
            "correo saliente por {}{default}, remitente {}, {} conexiones a la vez",
            self.smtp_url_shown, self.from, self.connections
        )
    }
}

impl fmt::Debug for MailSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MailSettings")
            .field("smtp_url", &self.smtp_url_shown)
            .field("from", &self.from.to_string())
            .field("connections", &self.connections)
            .finish()
    }
}

/// Shows a URL with its password replaced by `***`.
fn mask_password(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Cannot fail: the URL has a host, since it has a password.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => raw.to_owned(),
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sends through the SMTP server of [`MailSettings`], reusing connections, with at most
/// `SMTP_CONNECTIONS` sessions at once (lettre's pool bounds the idle ones, not the busy ones).
///
/// Each message costs about 40 ms on its connection whatever the server: lettre 0.11.23 leaves
/// Nagle's algorithm on, and writes the message's final `\r\n.\r\n` after the body, which waits
/// for the server's delayed ACK (fixed upstream, lettre PR #1159, not released yet). So one
/// connection carries about 24 messages a second, and the throughput is the connections allowed.
#[derive(Clone)]
pub struct SmtpTransport {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    sessions: Arc<Semaphore>,
    connections: u32,
}

impl SmtpTransport {
    /// Must be called inside the Tokio runtime (the connection pool starts a task).
    pub fn new(settings: &MailSettings) -> Self {
        Self {
            transport: settings.smtp.clone().build(),
            from: settings.from.clone(),
            sessions: Arc::new(Semaphore::new(settings.connections as usize)),
            connections: settings.connections,
        }
    }

    /// The message as it goes on the wire: `multipart/alternative` (text, then HTML), UTF-8; with
    /// an attachment, that inside a `multipart/mixed` followed by the file.
    fn message(&self, email: &OutgoingEmail) -> Result<Message, DeliveryError> {
        let address = email.to.trim().parse::<Address>().map_err(|error| {
            DeliveryError::new(format!("la dirección de destino no es válida: {error}"))
        })?;
        let alternative = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
        let body = match &email.attachment {
            None => alternative,
            Some(file) => {
                let content_type = ContentType::parse(&file.content_type).map_err(|error| {
                    DeliveryError::new(format!("el tipo del adjunto no es válido: {error}"))
                })?;
                MultiPart::mixed().multipart(alternative).singlepart(
                    Attachment::new(file.name.clone()).body(file.content.clone(), content_type),
                )
            }
        };
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(email.to_name.clone(), address))
            .subject(one_line(&email.subject))
            .header(AutoSubmitted)
            .multipart(body)
            .map_err(|error| DeliveryError::new(format!("no se pudo armar el mensaje: {error}")))
    }
}

#[async_trait]
impl EmailTransport for SmtpTransport {
    async fn send(&self, email: &OutgoingEmail) -> Result<(), DeliveryError> {
        let message = self.message(email)?;
        let _session = self
            .sessions
            .acquire()
            .await
            .map_err(|_| DeliveryError::new("el transporte SMTP se cerró"))?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|error| DeliveryError::new(format!("SMTP: {error}")))
    }

    fn sessions(&self) -> u32 {
        self.connections
    }
}

/// `Auto-Submitted: auto-generated` (RFC 3834): tells vacation responders not to answer.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<MailSettings, MailSettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        MailSettings::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn without_variables_mail_goes_to_the_development_catcher() {
        let defaults = settings(&[]).expect("the defaults are valid");
        assert_eq!(
            defaults.describe(),
            "correo saliente por smtp://127.0.0.1:1025 (SMTP_URL sin definir: el maildev de desarrollo), remitente Veta <no-responder@veta.com.co>, 10 conexiones a la vez"
        );
        let wider = settings(&[("SMTP_CONNECTIONS", " 50 ")]).expect("50 connections");
        assert!(wider.describe().ends_with(", 50 conexiones a la vez"));
    }

    #[test]
    fn a_provider_url_with_tls_is_accepted_and_its_password_never_shows() {
        for url in [
            "smtps://veta:s3cr3t@smtp.proveedor.com:465",
            "smtp://veta:s3cr3t@smtp.proveedor.com:587?tls=required",
        ] {
            let settings = settings(&[("SMTP_URL", url)]).expect("a valid provider URL");
            assert!(settings.describe().contains("veta:***@smtp.proveedor.com"));
            assert!(!settings.describe().contains("s3cr3t"));
            assert!(!format!("{settings:?}").contains("s3cr3t"));
        }
    }

    #[test]
    fn settings_errors_are_one_clear_line_that_names_the_variable() {
        let cases = [
            (
                ("SMTP_URL", "http://veta:s3cr3t@correo"),
                "SMTP_URL no es válida",
            ),
            (("SMTP_URL", "no es una url"), "SMTP_URL no es válida"),
            (
                ("SMTP_URL", "smtp://veta:s3cr3t@correo?tls=tal-vez"),
                "SMTP_URL no es válida",
            ),
            (
                ("SMTP_FROM", "Veta sin dirección"),
                "SMTP_FROM no es válida",
            ),
            (("SMTP_CONNECTIONS", "0"), "SMTP_CONNECTIONS no es válida"),
            (("SMTP_CONNECTIONS", "201"), "SMTP_CONNECTIONS no es válida"),
            (
                ("SMTP_CONNECTIONS", "diez"),
                "SMTP_CONNECTIONS no es válida",
            ),
        ];
        for ((name, value), start) in cases {
            let error = settings(&[(name, value)]).expect_err(value).to_string();
            assert!(error.starts_with(start), "{error}");
            assert_eq!(error.lines().count(), 1, "{error}");
            assert!(!error.contains("s3cr3t"), "{error}");
        }
    }
}
