//! The *código de expediente minero*: the file number of a mining title or authorisation.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// Fewest characters of an expediente code (`PE3`-style short codes exist; two would be a typo).
pub const CODIGO_EXPEDIENTE_MIN_CHARS: usize = 3;
/// Most characters: the ANM's longest formats (`T14292011-003`, `ARE-TB8-11541`, `OG2-08153-002`)
/// stay well under 30.
pub const CODIGO_EXPEDIENTE_MAX_CHARS: usize = 30;

/// A mining title's expediente code, uppercase: `T14292011-003`, `PE3-113`, `ARE-123`, `GGF-151`.
///
/// The ANM has used many formats over the years (Ingeominas contracts, legalisations `ARE-`,
/// `OG2-`…), so the rule is permissive but bounded: uppercase letters, digits and single hyphens
/// between them, 3 to 30 characters. Whether the title exists is checked against the ANM, not here.
///
/// ```
/// use domain::CodigoExpediente;
/// assert_eq!(CodigoExpediente::parse(" t14292011-003 ").unwrap().as_ref(), "T14292011-003");
/// assert!(CodigoExpediente::parse("T14 292").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodigoExpediente(String);

/// Why a text is not an expediente code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodigoExpedienteError {
    #[error("Escriba el código de expediente minero, por ejemplo T14292011-003.")]
    Required,
    #[error("El código de expediente debe tener entre {min} y {max} caracteres; tiene {found}.")]
    LengthOutOfRange {
        min: usize,
        max: usize,
        found: usize,
    },
    #[error("El código de expediente solo admite letras, dígitos y guiones; quite «{character}».")]
    InvalidCharacter { character: char },
    #[error(
        "En el código de expediente los guiones van entre letras o dígitos, uno a la vez (por ejemplo PE3-113)."
    )]
    MisplacedHyphen,
}

impl ErrorCode for CodigoExpedienteError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "codigo_expediente_required",
            Self::LengthOutOfRange { .. } => "codigo_expediente_length",
            Self::InvalidCharacter { .. } => "codigo_expediente_invalid_character",
            Self::MisplacedHyphen => "codigo_expediente_misplaced_hyphen",
        }
    }
}

impl CodigoExpediente {
    /// Trims, uppercases and checks a code as typed.
    pub fn parse(input: &str) -> Result<Self, CodigoExpedienteError> {
        let code = input.trim().to_ascii_uppercase();
        if code.is_empty() {
            return Err(CodigoExpedienteError::Required);
        }
        if let Some(character) = code
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return Err(CodigoExpedienteError::InvalidCharacter { character });
        }
        let found = code.len();
        if !(CODIGO_EXPEDIENTE_MIN_CHARS..=CODIGO_EXPEDIENTE_MAX_CHARS).contains(&found) {
            return Err(CodigoExpedienteError::LengthOutOfRange {
                min: CODIGO_EXPEDIENTE_MIN_CHARS,
                max: CODIGO_EXPEDIENTE_MAX_CHARS,
                found,
            });
        }
        if code.starts_with('-') || code.ends_with('-') || code.contains("--") {
            return Err(CodigoExpedienteError::MisplacedHyphen);
        }
        Ok(Self(code))
    }
}

impl AsRef<str> for CodigoExpediente {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CodigoExpediente {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CodigoExpediente {
    type Error = CodigoExpedienteError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CodigoExpediente> for String {
    fn from(code: CodigoExpediente) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_codes() {
        for code in ["T14292011-003", "PE3-113", "ABC123", "ARE-123", "GGF-151"] {
            assert_eq!(CodigoExpediente::parse(code).expect(code).as_ref(), code);
        }
        assert_eq!(
            CodigoExpediente::parse(" pe3-113\t")
                .expect("lowercase")
                .as_ref(),
            "PE3-113"
        );
    }

    #[test]
    fn bounds() {
        assert_eq!(
            CodigoExpediente::parse(""),
            Err(CodigoExpedienteError::Required)
        );
        assert!(CodigoExpediente::parse("AB1").is_ok());
        assert_eq!(
            CodigoExpediente::parse("AB"),
            Err(CodigoExpedienteError::LengthOutOfRange {
                min: 3,
                max: 30,
                found: 2
            })
        );
        assert!(CodigoExpediente::parse(&"A".repeat(30)).is_ok());
        assert!(matches!(
            CodigoExpediente::parse(&"A".repeat(31)),
            Err(CodigoExpedienteError::LengthOutOfRange { found: 31, .. })
        ));
    }

    #[test]
    fn refused_shapes() {
        assert_eq!(
            CodigoExpediente::parse("T14 292"),
            Err(CodigoExpedienteError::InvalidCharacter { character: ' ' })
        );
        assert_eq!(
            CodigoExpediente::parse("ÑA-123"),
            Err(CodigoExpedienteError::InvalidCharacter { character: 'Ñ' })
        );
        for bad in ["-ABC", "ABC-", "AB--12"] {
            assert_eq!(
                CodigoExpediente::parse(bad),
                Err(CodigoExpedienteError::MisplacedHyphen),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn valid_codes_are_stable(code in "[A-Za-z0-9]{1,10}(-[A-Za-z0-9]{1,8}){0,2}") {
            if let Ok(parsed) = CodigoExpediente::parse(&code) {
                prop_assert_eq!(parsed.as_ref(), code.to_ascii_uppercase());
                prop_assert_eq!(CodigoExpediente::parse(parsed.as_ref()), Ok(parsed.clone()));
            } else {
                prop_assert!(code.len() < CODIGO_EXPEDIENTE_MIN_CHARS);
            }
        }
    }
}
