//! The environment of the production report's tokens and data (seed 003, 6.2).

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::{echo, fold};

/// The environment a token and the data sent with it belong to (seed 003, 6.2): test data is kept
/// [`super::PRUEBAS_RETENTION_DAYS`] days; production data is the official report and is never
/// deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Environment {
    Pruebas,
    Produccion,
}

/// Why a text names no environment.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EnvironmentError {
    #[error("Indique el ambiente: PRUEBAS o PRODUCCION.")]
    Required,
    #[error("El ambiente «{value}» no existe; use PRUEBAS o PRODUCCION.")]
    Unknown { value: String },
}

impl ErrorCode for EnvironmentError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "ambiente_required",
            Self::Unknown { .. } => "ambiente_unknown",
        }
    }
}

impl Environment {
    pub const ALL: [Environment; 2] = [Self::Pruebas, Self::Produccion];

    /// Stable code for storage and the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pruebas => "PRUEBAS",
            Self::Produccion => "PRODUCCION",
        }
    }

    /// For people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Pruebas => "Pruebas",
            Self::Produccion => "Producción",
        }
    }

    /// Reads a code or a label, ignoring case and accents.
    pub fn parse(input: &str) -> Result<Self, EnvironmentError> {
        match fold(input).as_str() {
            "" => Err(EnvironmentError::Required),
            "pruebas" | "prueba" => Ok(Self::Pruebas),
            "produccion" => Ok(Self::Produccion),
            _ => Err(EnvironmentError::Unknown { value: echo(input) }),
        }
    }

    /// The environment of a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.code() == code)
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_have_stable_codes() {
        assert_eq!(Environment::Pruebas.code(), "PRUEBAS");
        assert_eq!(Environment::Produccion.code(), "PRODUCCION");
        assert_eq!(
            Environment::parse("Producción"),
            Ok(Environment::Produccion)
        );
        assert_eq!(Environment::parse("pruebas"), Ok(Environment::Pruebas));
        assert_eq!(
            Environment::parse("x").expect_err("refused").code(),
            "ambiente_unknown"
        );
        for environment in Environment::ALL {
            assert_eq!(
                Environment::from_code(environment.code()),
                Some(environment)
            );
            assert_eq!(
                serde_json::to_value(environment).expect("json"),
                environment.code()
            );
        }
    }
}
