//! SMS: the [`SmsGateway`] trait, an HTTP gateway for a real provider and, for development and
//! tests only, a gateway that records messages in the `sms_dev_log` table.
//!
//! `SMS_GATEWAY` chooses: `registro` (the default) or `http` (`SMS_HTTP_URL`, `SMS_HTTP_TOKEN`).
//! The HTTP gateway speaks one small contract (see [`HttpSmsGateway`]); a provider with another API
//! is plugged either behind a tiny adapter that speaks it, or by implementing [`SmsGateway`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, Request, StatusCode, Uri, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::config::Deployment;
use crate::outbox::DeliveryError;

/// Sends one text message. The outbox worker retries whatever fails, so an implementation makes
/// one attempt and reports why it failed, without secrets.
#[async_trait]
pub trait SmsGateway: Send + Sync {
    /// `to` is in international format (`+573001234567`).
    async fn send(&self, to: &str, text: &str) -> Result<(), DeliveryError>;
}

/// Longest wait for the provider's answer, connection included.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Most of the provider's answer that is read (and discarded) so the connection can be reused.
const HTTP_RESPONSE_MAX_BYTES: usize = 64 * 1024;

/// Which gateway sends SMS, read at start-up.
#[derive(Debug, Clone)]
pub enum SmsSettings {
    /// `SMS_GATEWAY=registro`: nothing leaves the machine; messages go to `sms_dev_log`.
    Recording,
    /// `SMS_GATEWAY=http`.
    Http(HttpSmsSettings),
}

/// The provider's endpoint and its token.
#[derive(Clone)]
pub struct HttpSmsSettings {
    url: Uri,
    token: Option<String>,
}

impl fmt::Debug for HttpSmsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSmsSettings")
            .field("url", &shown(&self.url))
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The provider's address for logs: without user, password or query, where some providers put
/// their key.
fn shown(url: &Uri) -> String {
    let port = url
        .port()
        .map(|port| format!(":{port}"))
        .unwrap_or_default();
    format!(
        "{}://{}{port}{}",
        url.scheme_str().unwrap_or("https"),
        url.host().unwrap_or_default(),
        url.path()
    )
}

/// Why the SMS settings are not usable: one line that names the variable and says what to write.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsSettingsError {
    #[error(
        "SMS_GATEWAY: en producción defina SMS_GATEWAY=http con SMS_HTTP_URL (el registro de desarrollo, que muestra los códigos en /dev/sms, solo existe con VETA_ENTORNO=desarrollo)"
    )]
    RecordingInProduction,
    #[error("SMS_GATEWAY no es válida: «{found}»; use «registro» (desarrollo) o «http»")]
    UnknownGateway { found: String },
    #[error(
        "falta SMS_HTTP_URL: con SMS_GATEWAY=http defina la dirección del proveedor, p. ej. https://sms.proveedor.com/v1/mensajes"
    )]
    MissingHttpUrl,
    #[error("SMS_HTTP_URL no es válida: debe ser una dirección http:// o https:// completa")]
    InvalidHttpUrl,
    #[error("SMS_HTTP_TOKEN no es válida: no puede tener saltos de línea ni caracteres de control")]
    InvalidHttpToken,
}

impl SmsSettings {
    /// Reads `SMS_GATEWAY`, and for `http` `SMS_HTTP_URL` (required) and `SMS_HTTP_TOKEN`
    /// (optional, sent as `Authorization: Bearer …`). In development the default is `registro`;
    /// in production the gateway must be `http`, said explicitly: a forgotten variable must not
    /// leave one-time codes readable at `GET /dev/sms`.
    pub fn from_env(deployment: Deployment) -> Result<Self, SmsSettingsError> {
        Self::from_vars(deployment, |name| std::env::var(name).ok())
    }

    /// As [`Self::from_env`], with the variables read through `var` (for tests).
    pub fn from_vars(
        deployment: Deployment,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SmsSettingsError> {
        let set = |name| {
            var(name)
                .map(|value: String| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        match set("SMS_GATEWAY")
            .map(|name| name.to_lowercase())
            .as_deref()
        {
            None | Some("registro") if deployment == Deployment::Production => {
                Err(SmsSettingsError::RecordingInProduction)
            }
            None | Some("registro") => Ok(Self::Recording),
            Some("http") => {
                let raw = set("SMS_HTTP_URL").ok_or(SmsSettingsError::MissingHttpUrl)?;
                let url = raw
                    .parse::<Uri>()
                    .ok()
                    .filter(|url| {
                        matches!(url.scheme_str(), Some("http" | "https")) && url.host().is_some()
                    })
                    .ok_or(SmsSettingsError::InvalidHttpUrl)?;
                let token = set("SMS_HTTP_TOKEN");
                if let Some(token) = &token
                    && HeaderValue::from_str(&format!("Bearer {token}")).is_err()
                {
                    return Err(SmsSettingsError::InvalidHttpToken);
                }
                Ok(Self::Http(HttpSmsSettings { url, token }))
            }
            Some(other) => Err(SmsSettingsError::UnknownGateway {
                found: other.chars().take(40).collect(),
            }),
        }
    }

    /// Whether messages are only recorded (then mount [`dev_sms_log`] at `GET /dev/sms`).
    pub fn is_recording(&self) -> bool {
        matches!(self, Self::Recording)
    }

    /// The gateway these settings choose.
    pub fn gateway(&self, pool: &PgPool) -> Arc<dyn SmsGateway> {
        match self {
            Self::Recording => Arc::new(RecordingSmsGateway::new(pool.clone())),
            Self::Http(settings) => Arc::new(HttpSmsGateway::new(settings)),
        }
    }

    /// One line for the start-up log.
    pub fn describe(&self) -> String {
        match self {
            Self::Recording => {
                "SMS en registro de desarrollo (SMS_GATEWAY=registro): no se envía ninguno; se leen en GET /dev/sms".to_owned()
            }
            Self::Http(settings) => format!("SMS por HTTP a {}", shown(&settings.url)),
        }
    }
}

/// What [`HttpSmsGateway`] posts.
#[derive(Serialize)]
struct SmsRequest<'a> {
    to: &'a str,
    message: &'a str,
}

/// Sends through a provider's HTTP API:
///
/// ```text
/// POST {SMS_HTTP_URL}
/// Authorization: Bearer {SMS_HTTP_TOKEN}        (when set)
/// Content-Type: application/json
///
/// {"to": "+573001234567", "message": "Veta: su código es 123456"}
/// ```
///
/// Any 2xx answer is a success (its body is ignored); anything else, or no answer within 10 s,
/// is a failure that the outbox retries. Only the status is recorded: a provider's body may
/// echo the message.
pub struct HttpSmsGateway {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    url: Uri,
    authorization: Option<HeaderValue>,
}

impl HttpSmsGateway {
    pub fn new(settings: &HttpSmsSettings) -> Self {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(Arc::new(rustls::crypto::ring::default_provider()))
            .expect("ring supports the default TLS versions")
            .https_or_http()
            .enable_http1()
            .build();
        let authorization = settings.token.as_ref().and_then(|token| {
            let mut value = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            url: settings.url.clone(),
            authorization,
        }
    }

    async fn post(&self, body: Vec<u8>) -> Result<StatusCode, DeliveryError> {
        let mut request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(authorization) = &self.authorization {
            request = request.header(header::AUTHORIZATION, authorization.clone());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|error| DeliveryError::new(format!("SMS: petición inválida: {error}")))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|error| DeliveryError::new(format!("SMS: {}", error_chain(&error))))?;
        let status = response.status();
        // Read (and drop) the body, so the connection goes back to the pool.
        let _ = Limited::new(response.into_body(), HTTP_RESPONSE_MAX_BYTES)
            .collect()
            .await;
        Ok(status)
    }
}

#[async_trait]
impl SmsGateway for HttpSmsGateway {
    async fn send(&self, to: &str, text: &str) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&SmsRequest { to, message: text })
            .map_err(|error| DeliveryError::new(format!("SMS: {error}")))?;
        let status = tokio::time::timeout(HTTP_TIMEOUT, self.post(body))
            .await
            .map_err(|_| {
                DeliveryError::new(format!(
                    "SMS: el proveedor no respondió en {} s",
                    HTTP_TIMEOUT.as_secs()
                ))
            })??;
        if status.is_success() {
            Ok(())
        } else {
            Err(DeliveryError::new(format!(
                "SMS: el proveedor respondió {status}"
            )))
        }
    }
}

/// An error and its causes, on one line ("client error (Connect): tcp connect error: …").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// For development and tests only: sends nothing and writes each message to `sms_dev_log`,
/// where [`dev_sms_log`] (and the tests) read it.
pub struct RecordingSmsGateway {
    pool: PgPool,
}

impl RecordingSmsGateway {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

#[async_trait]
impl SmsGateway for RecordingSmsGateway {
    async fn send(&self, to: &str, text: &str) -> Result<(), DeliveryError> {
        sqlx::query("INSERT INTO sms_dev_log (recipient, body) VALUES ($1, $2)")
            .bind(to)
            .bind(text)
            .execute(&self.pool)
            .await
            .map_err(|error| DeliveryError::new(format!("registro de SMS: {error}")))?;
        Ok(())
    }
}

/// Most messages [`dev_sms_log`] lists.
const DEV_SMS_LOG_LIMIT: i64 = 50;

#[derive(Debug, Deserialize)]
pub struct DevSmsLogQuery {
    /// Only the messages to this number (`+57…`; in a URL the `+` is written `%2B`).
    pub to: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DevSmsLog {
    /// Most recent first, at most 50.
    pub messages: Vec<RecordedSms>,
}

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct RecordedSms {
    pub sms_dev_log_id: i64,
    pub to: String,
    pub text: String,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// `GET /dev/sms[?to=%2B573001234567]`: the messages the recording gateway kept, most recent
/// first. Mount it only when [`SmsSettings::is_recording`]: it shows one-time codes.
pub async fn dev_sms_log(
    State(pool): State<PgPool>,
    Query(query): Query<DevSmsLogQuery>,
) -> Result<Json<DevSmsLog>, StatusCode> {
    let messages = sqlx::query_as::<_, RecordedSms>(
        r#"SELECT sms_dev_log_id, recipient AS "to", body AS text,
                  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                      AS created_at
           FROM sms_dev_log
           WHERE $1::text IS NULL OR recipient = $1
           ORDER BY sms_dev_log_id DESC
           LIMIT $2"#,
    )
    .bind(query.to.as_deref().map(str::trim))
    .bind(DEV_SMS_LOG_LIMIT)
    .fetch_all(&pool)
    .await
    .map_err(|error| {
        tracing::error!(%error, "GET /dev/sms: no se pudo leer sms_dev_log");
        StatusCode::INTERNAL_SERVER_ERROR
    })?;
    Ok(Json(DevSmsLog { messages }))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<SmsSettings, SmsSettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        SmsSettings::from_vars(Deployment::Development, |name| vars.get(name).cloned())
    }

    #[test]
    fn production_never_records_and_needs_the_gateway_said() {
        let production = |vars: &[(&str, &str)]| {
            let vars: HashMap<String, String> = vars
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect();
            SmsSettings::from_vars(Deployment::Production, |name| vars.get(name).cloned())
        };
        assert_eq!(
            production(&[]).err(),
            Some(SmsSettingsError::RecordingInProduction)
        );
        assert_eq!(
            production(&[("SMS_GATEWAY", "registro")]).err(),
            Some(SmsSettingsError::RecordingInProduction)
        );
        assert!(
            production(&[
                ("SMS_GATEWAY", "http"),
                ("SMS_HTTP_URL", "https://sms.proveedor.com/v1")
            ])
            .is_ok()
        );
    }

    #[test]
    fn the_default_gateway_only_records() {
        assert!(settings(&[]).expect("valid").is_recording());
        assert!(
            settings(&[("SMS_GATEWAY", "registro")])
                .expect("valid")
                .is_recording()
        );
    }

    #[test]
    fn the_http_gateway_needs_a_url_and_hides_its_token() {
        let http = settings(&[
            ("SMS_GATEWAY", "http"),
            ("SMS_HTTP_URL", "https://sms.proveedor.com/v1/mensajes"),
            ("SMS_HTTP_TOKEN", "t0k3n"),
        ])
        .expect("valid");
        let keyed = settings(&[
            ("SMS_GATEWAY", "http"),
            (
                "SMS_HTTP_URL",
                "https://u:p4ss@sms.proveedor.com:8443/v1?key=s3cr3t",
            ),
        ])
        .expect("valid");
        assert_eq!(
            keyed.describe(),
            "SMS por HTTP a https://sms.proveedor.com:8443/v1"
        );
        assert!(!format!("{keyed:?}").contains("s3cr3t"));
        assert!(!http.is_recording());
        assert_eq!(
            http.describe(),
            "SMS por HTTP a https://sms.proveedor.com/v1/mensajes"
        );
        assert!(!format!("{http:?}").contains("t0k3n"));
    }

    #[test]
    fn settings_errors_are_one_clear_line_that_names_the_variable() {
        let cases: [(&[(&str, &str)], &str); 5] = [
            (&[("SMS_GATEWAY", "twilio")], "SMS_GATEWAY no es válida"),
            (&[("SMS_GATEWAY", "http")], "falta SMS_HTTP_URL"),
            (
                &[("SMS_GATEWAY", "http"), ("SMS_HTTP_URL", "   ")],
                "falta SMS_HTTP_URL",
            ),
            (
                &[
                    ("SMS_GATEWAY", "http"),
                    ("SMS_HTTP_URL", "sms.proveedor.com"),
                ],
                "SMS_HTTP_URL no es válida",
            ),
            (
                &[
                    ("SMS_GATEWAY", "http"),
                    ("SMS_HTTP_URL", "https://sms.proveedor.com"),
                    ("SMS_HTTP_TOKEN", "a\nb"),
                ],
                "SMS_HTTP_TOKEN no es válida",
            ),
        ];
        for (vars, start) in cases {
            let error = settings(vars).expect_err(start).to_string();
            assert!(error.starts_with(start), "{error}");
            assert_eq!(error.lines().count(), 1, "{error}");
        }
    }
}
