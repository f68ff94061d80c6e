//! Configuration, from the environment and `Leptos.toml` (embedded at compile time, so the binary
//! runs from any directory; every `LEPTOS_*` variable still overrides it).

use std::fmt;

use app::auth::ssr::CodeKey;
use app::auth::ssr::request::TrustedProxies;
use app::compras::ssr::CompraVigencia;
use domain::compra_reversal::ReversalWindow;
use domain::sin_origen::SinOrigenLimit;
use domain::subsistence::{SubsistenceCap, SubsistenceCaps, SubsistenceMineral};
use domain::transformation::LossThreshold;
use leptos::config::LeptosOptions;

use crate::StartupError;

/// What kind of deployment this is (`VETA_ENTORNO`). Production is the default: a deployment
/// that forgets the variable gets the safe behaviour (no development SMS log, no demonstration
/// accounts, a real key required).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deployment {
    /// `desarrollo`: `scripts/run` and the tests. SMS may be recorded and read at `GET /dev/sms`,
    /// demonstration data may be loaded, and a missing `VETA_SECRET_KEY` falls back to a fixed,
    /// public development key.
    Development,
    /// `produccion`.
    Production,
}

impl Deployment {
    /// Reads `VETA_ENTORNO` through `var` (default `produccion`).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, StartupError> {
        match var("VETA_ENTORNO")
            .map(|value| value.trim().to_lowercase())
            .as_deref()
        {
            None | Some("" | "produccion" | "producción") => Ok(Self::Production),
            Some("desarrollo") => Ok(Self::Development),
            Some(_) => Err(StartupError::InvalidSetting {
                name: "VETA_ENTORNO",
                reason: "debe ser «produccion» (por defecto) o «desarrollo»",
            }),
        }
    }
}

/// The key every development server shares when `VETA_SECRET_KEY` is not given: public, so only
/// for development and tests.
const DEVELOPMENT_CODE_KEY: [u8; 32] = *b"veta-clave-de-desarrollo-publica";

/// Reads `VETA_SECRET_KEY`: 64 hexadecimal characters (32 bytes), e.g. from `openssl rand -hex 32`.
/// Every server of one deployment must share it (a code sent by one is checked by another).
pub fn code_key(
    deployment: Deployment,
    var: impl Fn(&str) -> Option<String>,
) -> Result<CodeKey, StartupError> {
    let invalid = StartupError::InvalidSetting {
        name: "VETA_SECRET_KEY",
        reason: "debe tener 64 caracteres hexadecimales (32 bytes), p. ej. de «openssl rand -hex 32»; la misma en todos los servidores",
    };
    match var("VETA_SECRET_KEY").map(|value| value.trim().to_owned()) {
        Some(hex) if !hex.is_empty() => {
            if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid);
            }
            let mut key = [0u8; 32];
            for (index, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).map_err(|_| {
                    StartupError::InvalidSetting {
                        name: "VETA_SECRET_KEY",
                        reason: "debe tener 64 caracteres hexadecimales",
                    }
                })?;
            }
            Ok(CodeKey::new(key))
        }
        _ if deployment == Deployment::Development => Ok(CodeKey::new(DEVELOPMENT_CODE_KEY)),
        _ => Err(StartupError::InvalidSetting {
            name: "VETA_SECRET_KEY",
            reason: "falta: en producción defina 64 caracteres hexadecimales, p. ej. de «openssl rand -hex 32» (o VETA_ENTORNO=desarrollo para desarrollo)",
        }),
    }
}

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Settings {
    pub deployment: Deployment,
    /// The key of the hashes of short codes (`VETA_SECRET_KEY`).
    pub code_key: CodeKey,
    /// The reverse proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    pub database_url: DatabaseUrl,
    /// A standby for reads that may be a little stale (`DATABASE_READ_URL`, optional: HAProxy's
    /// replica port on the cluster of docs/DEPLOYMENT.md).
    pub database_read_url: Option<DatabaseUrl>,
    /// Upper bound of the connection pool; sized for a small machine, see docs/ARCHITECTURE.md.
    pub database_max_connections: u32,
    pub leptos: LeptosOptions,
    /// The address people reach this server at (`PUBLIC_URL`): links in emails point there, and
    /// cookies are `Secure` when it is `https`.
    pub public_url: String,
    /// Load the demonstration accounts (`VETA_DEMO_DATA=1`; set by scripts/run's embedded default).
    pub demo_data: bool,
    /// Minutes a purchase may stay without progress before it expires
    /// (`VETA_COMPRA_VIGENCIA_MIN`, default three days).
    pub compra_vigencia: CompraVigencia,
    /// The cupos of subsistence miners (`VETA_CUPO_<FILA>`, Resolución 40103 de 2017 by default).
    pub subsistence_caps: SubsistenceCaps,
    /// Grams a buyer may register without identified origin a month
    /// (`VETA_SIN_ORIGEN_LIMITE_G_MES`, default 1 000).
    pub sin_origen_limit: SinOrigenLimit,
    /// Days after its confirmation a purchase may be reversed (`VETA_REVERSION_VENTANA_DIAS`,
    /// default 30).
    pub reversal_window: ReversalWindow,
    /// The loss share of a transformation above which it needs a justification and alerts the
    /// auditor (`VETA_TRANSFORMACION_PERDIDA_MAX`, default 0.15).
    pub loss_threshold: LossThreshold,
    /// Whether a comercializador or planta de beneficio without a passing economic-capacity
    /// evaluation for the year may not confirm purchases (`VETA_CAPACIDAD_BLOQUEA=1`; default
    /// off: a warning in the purchase wizard only).
    pub capacity_blocks: app::economic_capacity::CapacityBlocks,
    /// The share by which a title holder's monthly sales of a mineral may pass its reported
    /// production before an alert (`VETA_PRODUCCION_TOLERANCIA`, default 0.05).
    pub production_tolerance: domain::production_report::ProductionTolerance,
}

/// Default of `DATABASE_MAX_CONNECTIONS`.
const DATABASE_MAX_CONNECTIONS_DEFAULT: u32 = 10;

impl Settings {
    /// Reads `DATABASE_URL` (required), `DATABASE_MAX_CONNECTIONS` and the `LEPTOS_*` overrides.
    pub fn from_env() -> Result<Self, StartupError> {
        let var = |name: &str| std::env::var(name).ok();
        let deployment = Deployment::from_vars(var)?;
        let database_url = std::env::var("DATABASE_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .ok_or(StartupError::MissingDatabaseUrl)?;
        let database_read_url = var("DATABASE_READ_URL")
            .filter(|url| !url.trim().is_empty())
            .map(DatabaseUrl);
        let database_max_connections = match std::env::var("DATABASE_MAX_CONNECTIONS") {
            Err(_) => DATABASE_MAX_CONNECTIONS_DEFAULT,
            Ok(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or(StartupError::InvalidSetting {
                    name: "DATABASE_MAX_CONNECTIONS",
                    reason: "debe ser un número entero entre 1 y 1000",
                })?,
        };
        let compra_vigencia = match std::env::var("VETA_COMPRA_VIGENCIA_MIN") {
            Err(_) => CompraVigencia::default(),
            Ok(raw) => raw
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=60 * 24 * 90).contains(n))
                .map(|minutes| CompraVigencia { minutes })
                .ok_or(StartupError::InvalidSetting {
                    name: "VETA_COMPRA_VIGENCIA_MIN",
                    reason: "debe ser un número de minutos entre 1 y 129600 (90 días)",
                })?,
        };
        let leptos = leptos_options()?;
        let public_url = match std::env::var("PUBLIC_URL") {
            Ok(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Ok(_) => {
                return Err(StartupError::InvalidSetting {
                    name: "PUBLIC_URL",
                    reason: "debe empezar por http:// o https:// (p. ej. https://veta.com.co)",
                });
            }
            Err(_) => format!("http://{}", leptos.site_addr),
        };
        let demo_data = std::env::var("VETA_DEMO_DATA").is_ok_and(|v| v == "1");
        if demo_data && deployment == Deployment::Production {
            return Err(StartupError::InvalidSetting {
                name: "VETA_DEMO_DATA",
                reason: "las cuentas de demostración solo se cargan con VETA_ENTORNO=desarrollo; quítela en producción",
            });
        }
        let trusted_proxies = TrustedProxies::parse(&var("TRUSTED_PROXIES").unwrap_or_default())
            .map_err(|_| StartupError::InvalidSetting {
                name: "TRUSTED_PROXIES",
                reason: "debe ser una lista de direcciones IP o redes separadas por comas, p. ej. 10.0.0.5, 10.1.0.0/16",
            })?;
        Ok(Self {
            deployment,
            code_key: code_key(deployment, var)?,
            trusted_proxies,
            database_url: DatabaseUrl(database_url),
            database_read_url,
            database_max_connections,
            leptos,
            public_url,
            demo_data,
            compra_vigencia,
            subsistence_caps: subsistence_caps(&var)?,
            sin_origen_limit: sin_origen_limit(&var)?,
            reversal_window: reversal_window(&var)?,
            loss_threshold: loss_threshold(&var)?,
            capacity_blocks: capacity_blocks(&var)?,
            production_tolerance: production_tolerance(&var)?,
        })
    }
}

/// The cupos of subsistence miners: for each row of the table, `VETA_CUPO_<CÓDIGO DE LA FILA>`
/// (`VETA_CUPO_METALES_PRECIOSOS=35/420`: monthly/yearly in the row's unit; `-/420` enforces only
/// the yearly cap). Unset rows keep Resolución 40103 de 2017's figures (domain::subsistence).
fn subsistence_caps(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<SubsistenceCaps, StartupError> {
    let invalid = || StartupError::InvalidSetting {
        name: "VETA_CUPO_<FILA>",
        reason: "cada cupo se escribe mensual/anual en la unidad de la fila (p. ej. 35/420, o -/420 \
                 sin cupo mensual), con el mensual no mayor que el anual",
    };
    let mut caps = SubsistenceCaps::default();
    for row in SubsistenceMineral::ALL {
        let Some(raw) = var(&format!("VETA_CUPO_{}", row.code())) else {
            continue;
        };
        let (monthly, yearly) = raw.trim().split_once('/').ok_or(invalid())?;
        let number = |text: &str| text.trim().parse::<rust_decimal::Decimal>().ok();
        let monthly = match monthly.trim() {
            "-" => None,
            text => Some(number(text).ok_or(invalid())?),
        };
        let cap = SubsistenceCap {
            monthly,
            yearly: number(yearly).ok_or(invalid())?,
            unit: caps.cap(row).unit,
        };
        match row {
            SubsistenceMineral::MetalesPreciosos => caps.metales_preciosos = cap,
            SubsistenceMineral::PiedrasPreciosas => caps.piedras_preciosas = cap,
            SubsistenceMineral::ArenasYGravasDeRio => caps.arenas_y_gravas_de_rio = cap,
            SubsistenceMineral::Arcillas => caps.arcillas = cap,
        }
    }
    caps.validate().map_err(|_| invalid())?;
    Ok(caps)
}

/// `VETA_SIN_ORIGEN_LIMITE_G_MES`: grams, a positive number.
fn sin_origen_limit(var: &impl Fn(&str) -> Option<String>) -> Result<SinOrigenLimit, StartupError> {
    match var("VETA_SIN_ORIGEN_LIMITE_G_MES") {
        None => Ok(SinOrigenLimit::default()),
        Some(raw) => raw
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .filter(|grams| grams.is_sign_positive() && !grams.is_zero())
            .map(|grams_per_month| SinOrigenLimit { grams_per_month })
            .ok_or(StartupError::InvalidSetting {
                name: "VETA_SIN_ORIGEN_LIMITE_G_MES",
                reason: "debe ser un número de gramos mayor que cero (p. ej. 1000)",
            }),
    }
}

/// `VETA_REVERSION_VENTANA_DIAS`: whole days, 1 to 3 650.
fn reversal_window(var: &impl Fn(&str) -> Option<String>) -> Result<ReversalWindow, StartupError> {
    match var("VETA_REVERSION_VENTANA_DIAS") {
        None => Ok(ReversalWindow::default()),
        Some(raw) => raw
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|days| (1..=3_650).contains(days))
            .map(|days| ReversalWindow { days })
            .ok_or(StartupError::InvalidSetting {
                name: "VETA_REVERSION_VENTANA_DIAS",
                reason: "debe ser un número entero de días entre 1 y 3650 (p. ej. 30)",
            }),
    }
}

/// `VETA_CAPACIDAD_BLOQUEA`: `1` blocks, `0` or unset warns.
fn capacity_blocks(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<app::economic_capacity::CapacityBlocks, StartupError> {
    match var("VETA_CAPACIDAD_BLOQUEA").as_deref().map(str::trim) {
        None | Some("0") => Ok(app::economic_capacity::CapacityBlocks(false)),
        Some("1") => Ok(app::economic_capacity::CapacityBlocks(true)),
        Some(_) => Err(StartupError::InvalidSetting {
            name: "VETA_CAPACIDAD_BLOQUEA",
            reason: "debe ser 1 (bloquear compras sin capacidad económica aprobada) o 0 (solo avisar)",
        }),
    }
}

/// `VETA_TRANSFORMACION_PERDIDA_MAX`: a share between 0 and 1 (0.15 is 15 %).
fn loss_threshold(var: &impl Fn(&str) -> Option<String>) -> Result<LossThreshold, StartupError> {
    match var("VETA_TRANSFORMACION_PERDIDA_MAX") {
        None => Ok(LossThreshold::default()),
        Some(raw) => raw
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(|share| LossThreshold::new(share).ok())
            .ok_or(StartupError::InvalidSetting {
                name: "VETA_TRANSFORMACION_PERDIDA_MAX",
                reason: "debe ser una fracción entre 0 y 1 (p. ej. 0.15 para 15 %)",
            }),
    }
}

/// `VETA_PRODUCCION_TOLERANCIA`: a share between 0 and 1 (0.05 is 5 %).
fn production_tolerance(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<domain::production_report::ProductionTolerance, StartupError> {
    use domain::production_report::ProductionTolerance;
    match var("VETA_PRODUCCION_TOLERANCIA") {
        None => Ok(ProductionTolerance::default()),
        Some(raw) => raw
            .trim()
            .parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(|share| ProductionTolerance::new(share).ok())
            .ok_or(StartupError::InvalidSetting {
                name: "VETA_PRODUCCION_TOLERANCIA",
                reason: "debe ser una fracción entre 0 y 1 (p. ej. 0.05 para 5 %)",
            }),
    }
}

/// The site options of `Leptos.toml`, overridden by any `LEPTOS_*` variable.
pub fn leptos_options() -> Result<LeptosOptions, StartupError> {
    leptos::config::get_config_from_str(include_str!("../../Leptos.toml"))
        .map_err(|error| StartupError::LeptosConfig(error.to_string()))
}

/// A connection string whose password never reaches a log or an error message.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, password included: only for the database driver.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Shows the URL with its password replaced by `***`.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.0;
        let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
            return f.write_str(url);
        };
        let authority_end = url[scheme_end..]
            .find(['/', '?'])
            .map_or(url.len(), |i| scheme_end + i);
        match url[scheme_end..authority_end].rfind('@') {
            Some(at) => {
                let userinfo = &url[scheme_end..scheme_end + at];
                let user = userinfo.split(':').next().unwrap_or_default();
                let masked = if userinfo.contains(':') { ":***" } else { "" };
                write!(
                    f,
                    "{}{user}{masked}{}",
                    &url[..scheme_end],
                    &url[scheme_end + at..]
                )
            }
            None => f.write_str(url),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::{DatabaseUrl, Deployment, capacity_blocks, code_key};

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn production_is_the_default_and_needs_a_key() {
        assert_eq!(
            Deployment::from_vars(vars(&[])).ok(),
            Some(Deployment::Production)
        );
        assert_eq!(
            Deployment::from_vars(vars(&[("VETA_ENTORNO", "desarrollo")])).ok(),
            Some(Deployment::Development)
        );
        assert!(Deployment::from_vars(vars(&[("VETA_ENTORNO", "pruebas")])).is_err());
        assert!(code_key(Deployment::Production, vars(&[])).is_err());
        assert!(code_key(Deployment::Development, vars(&[])).is_ok());
        assert!(code_key(Deployment::Production, vars(&[("VETA_SECRET_KEY", "abc")])).is_err());
        let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        let key = code_key(Deployment::Production, move |name| {
            (name == "VETA_SECRET_KEY").then(|| hex.to_owned())
        })
        .expect("a valid key");
        assert!(!format!("{key:?}").contains("0011"));
    }

    #[test]
    fn the_password_never_shows() {
        let url = DatabaseUrl::new("postgres://veta:s3cr3t@127.0.0.1:5432/veta?sslmode=disable");
        assert_eq!(
            url.to_string(),
            "postgres://veta:***@127.0.0.1:5432/veta?sslmode=disable"
        );
        assert!(!format!("{url:?}").contains("s3cr3t"));
    }

    #[test]
    fn urls_without_a_password_show_as_they_are() {
        for raw in [
            "postgres://veta@localhost/veta",
            "postgres:///veta?host=/run/postgresql",
            "not a url",
        ] {
            assert_eq!(DatabaseUrl::new(raw).to_string(), raw);
        }
    }

    #[test]
    fn an_at_sign_in_the_query_is_not_userinfo() {
        let url = DatabaseUrl::new("postgres://host/db?user=a@b");
        assert_eq!(url.to_string(), "postgres://host/db?user=a@b");
    }

    #[test]
    fn the_capacity_block_is_off_unless_set_to_1() {
        let blocks = |pairs| capacity_blocks(&vars(pairs)).map(|b| b.0).ok();
        assert_eq!(blocks(&[]), Some(false));
        assert_eq!(blocks(&[("VETA_CAPACIDAD_BLOQUEA", "0")]), Some(false));
        assert_eq!(blocks(&[("VETA_CAPACIDAD_BLOQUEA", "1")]), Some(true));
        assert_eq!(blocks(&[("VETA_CAPACIDAD_BLOQUEA", "si")]), None);
    }
}
