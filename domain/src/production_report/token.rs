//! The rules of the production report's tokens and of its test data (seed 003, 5 and 6.2), as pure
//! functions of the instants the caller reads from its clock.
//!
//! - A user holds at most one active token per environment: generating one disables the previous one
//!   of the same user and environment (the server does it in the same transaction).
//! - A token is inactivated after [`TOKEN_IDLE_EXPIRY_DAYS`] days without use (counted from its last
//!   use, or from its creation when never used).
//! - Data sent to [`Environment::Pruebas`] is kept [`PRUEBAS_RETENTION_DAYS`] days from its reception;
//!   data sent to [`Environment::Produccion`] is never deleted.

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::{Duration, OffsetDateTime};

use super::Environment;
use crate::error_code::ErrorCode;

/// Days without use after which a token stops working.
pub const TOKEN_IDLE_EXPIRY_DAYS: i64 = 180;
/// Days test data stays visible and stored.
pub const PRUEBAS_RETENTION_DAYS: i64 = 8;

/// The state of a token, as *Historial de token* shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TokenState {
    /// Usable.
    Activo,
    /// Replaced by a newer token of the same user and environment.
    Inhabilitado,
    /// Not used for [`TOKEN_IDLE_EXPIRY_DAYS`] days.
    Vencido,
}

impl TokenState {
    pub const ALL: [TokenState; 3] = [Self::Activo, Self::Inhabilitado, Self::Vencido];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Activo => "ACTIVO",
            Self::Inhabilitado => "INHABILITADO",
            Self::Vencido => "VENCIDO",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Activo => "Activo",
            Self::Inhabilitado => "Inhabilitado (se generó otro)",
            Self::Vencido => "Vencido (180 días sin uso)",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A token as its row stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRecord {
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub disabled_at: Option<OffsetDateTime>,
}

impl TokenRecord {
    /// When the token stops working if it is not used before.
    pub fn idle_expiry(&self) -> OffsetDateTime {
        self.last_used_at.unwrap_or(self.created_at) + Duration::days(TOKEN_IDLE_EXPIRY_DAYS)
    }

    /// Its state at `now`.
    pub fn state(&self, now: OffsetDateTime) -> TokenState {
        if self.disabled_at.is_some() {
            TokenState::Inhabilitado
        } else if now >= self.idle_expiry() {
            TokenState::Vencido
        } else {
            TokenState::Activo
        }
    }

    /// Whether a request with this token may be served at `now`, and why not.
    pub fn check_usable(&self, now: OffsetDateTime) -> Result<(), TokenRefusal> {
        match self.state(now) {
            TokenState::Activo => Ok(()),
            TokenState::Inhabilitado => Err(TokenRefusal::Disabled),
            TokenState::Vencido => Err(TokenRefusal::Expired),
        }
    }
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum TokenRefusal {
    #[error(
        "El token fue inhabilitado porque se generó otro para el mismo usuario y ambiente; use el más reciente."
    )]
    Disabled,
    #[error(
        "El token venció: pasaron más de {TOKEN_IDLE_EXPIRY_DAYS} días sin usarlo. Genere uno nuevo (pasos 1 y 2)."
    )]
    Expired,
}

impl ErrorCode for TokenRefusal {
    fn code(&self) -> &'static str {
        match self {
            Self::Disabled => "token_disabled",
            Self::Expired => "token_expired",
        }
    }
}

/// Records of `environment` received before this instant are deleted (none for production).
pub fn purge_before(environment: Environment, now: OffsetDateTime) -> Option<OffsetDateTime> {
    match environment {
        Environment::Pruebas => Some(now - Duration::days(PRUEBAS_RETENTION_DAYS)),
        Environment::Produccion => None,
    }
}

/// Whether data of `environment` received at `received_at` is still kept at `now`.
pub fn is_retained(
    environment: Environment,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
) -> bool {
    purge_before(environment, now).is_none_or(|limit| received_at >= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const CREATED: OffsetDateTime = datetime!(2026-01-01 12:00 UTC);

    fn token(last_used_at: Option<OffsetDateTime>) -> TokenRecord {
        TokenRecord {
            created_at: CREATED,
            last_used_at,
            disabled_at: None,
        }
    }

    #[test]
    fn a_token_expires_180_days_after_its_last_use() {
        let never_used = token(None);
        assert_eq!(
            never_used.state(CREATED + Duration::days(179)),
            TokenState::Activo
        );
        assert_eq!(
            never_used.state(CREATED + Duration::days(180)),
            TokenState::Vencido
        );
        let used = token(Some(CREATED + Duration::days(100)));
        assert_eq!(
            used.state(CREATED + Duration::days(279)),
            TokenState::Activo
        );
        assert_eq!(
            used.check_usable(CREATED + Duration::days(281))
                .map_err(|e| e.code()),
            Err("token_expired")
        );
    }

    #[test]
    fn a_disabled_token_is_refused_even_if_recent() {
        let disabled = TokenRecord {
            disabled_at: Some(CREATED),
            ..token(None)
        };
        assert_eq!(disabled.state(CREATED), TokenState::Inhabilitado);
        assert_eq!(
            disabled.check_usable(CREATED).expect_err("refused").code(),
            "token_disabled"
        );
        for state in TokenState::ALL {
            assert_eq!(TokenState::from_code(state.code()), Some(state));
        }
    }

    #[test]
    fn test_data_is_kept_eight_days_and_production_data_forever() {
        let now = datetime!(2026-03-10 00:00 UTC);
        assert_eq!(
            purge_before(Environment::Pruebas, now),
            Some(datetime!(2026-03-02 00:00 UTC))
        );
        assert_eq!(purge_before(Environment::Produccion, now), None);
        assert!(is_retained(
            Environment::Pruebas,
            datetime!(2026-03-02 00:00 UTC),
            now
        ));
        assert!(!is_retained(
            Environment::Pruebas,
            datetime!(2026-03-01 23:59 UTC),
            now
        ));
        assert!(is_retained(
            Environment::Produccion,
            datetime!(2000-01-01 00:00 UTC),
            now
        ));
    }

    proptest! {
        #[test]
        fn usable_exactly_while_within_the_idle_window(
            used_after_s in proptest::option::of(0i64..40_000_000),
            checked_after_s in 0i64..60_000_000,
        ) {
            let record = token(used_after_s.map(|s| CREATED + Duration::seconds(s)));
            let now = CREATED + Duration::seconds(checked_after_s);
            let last = record.last_used_at.unwrap_or(CREATED);
            let idle = now - last;
            prop_assert_eq!(
                record.check_usable(now).is_ok(),
                idle < Duration::days(TOKEN_IDLE_EXPIRY_DAYS)
            );
        }
    }
}
