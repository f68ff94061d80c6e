//! The *código de origen*: the label that follows every gram back to where it was mined.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// Characters of an origin code: 8 hexadecimal digits, as the PTM prints them (`4DEB01BC`).
pub const CODIGO_ORIGEN_CHARS: usize = 8;

/// An origin code: 4 bytes shown as 8 uppercase hexadecimal digits.
///
/// New codes come from [`CodigoOrigen::from_random`] with bytes the caller draws from a secure
/// random source: a sequential code would let anyone guess a neighbour's codes. With 2³² values,
/// collisions are rare but possible: the store's unique key decides, and the caller draws again.
///
/// ```
/// use domain::CodigoOrigen;
/// let code = CodigoOrigen::parse("4deb01bc").unwrap();
/// assert_eq!(code.to_string(), "4DEB01BC");
/// assert_eq!(CodigoOrigen::from_random([0x4d, 0xeb, 0x01, 0xbc]), code);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CodigoOrigen([u8; 4]);

/// Why a text is not an origin code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodigoOrigenError {
    #[error("Escriba el código de origen (8 caracteres, por ejemplo 4DEB01BC).")]
    Required,
    #[error(
        "El código de origen tiene {found} de {expected} caracteres; cópielo completo del correo de saldos."
    )]
    WrongLength { expected: usize, found: usize },
    #[error("El código de origen solo admite dígitos y las letras A a F; quite «{character}».")]
    NotHexadecimal { character: char },
}

impl ErrorCode for CodigoOrigenError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "codigo_origen_required",
            Self::WrongLength { .. } => "codigo_origen_length",
            Self::NotHexadecimal { .. } => "codigo_origen_not_hexadecimal",
        }
    }
}

impl CodigoOrigen {
    /// Parses a code, accepting lowercase and surrounding spaces.
    pub fn parse(input: &str) -> Result<Self, CodigoOrigenError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(CodigoOrigenError::Required);
        }
        if let Some(character) = trimmed.chars().find(|c| !c.is_ascii_hexdigit()) {
            return Err(CodigoOrigenError::NotHexadecimal { character });
        }
        if trimmed.len() != CODIGO_ORIGEN_CHARS {
            return Err(CodigoOrigenError::WrongLength {
                expected: CODIGO_ORIGEN_CHARS,
                found: trimmed.len(),
            });
        }
        let mut bytes = [0u8; 4];
        crate::sha256::decode_hex(trimmed, &mut bytes)
            .map_err(|character| CodigoOrigenError::NotHexadecimal { character })?;
        Ok(Self(bytes))
    }

    /// A new code from 4 bytes the caller drew from a secure random source.
    pub fn from_random(bytes: [u8; 4]) -> Self {
        Self(bytes)
    }

    /// The code's 4 bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        self.0
    }
}

impl fmt::Display for CodigoOrigen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02X}"))
    }
}

impl TryFrom<String> for CodigoOrigen {
    type Error = CodigoOrigenError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CodigoOrigen> for String {
    fn from(code: CodigoOrigen) -> Self {
        code.to_string()
    }
}

impl std::str::FromStr for CodigoOrigen {
    type Err = CodigoOrigenError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_code() {
        let code = CodigoOrigen::parse("4DEB01BC").expect("seed 000");
        assert_eq!(code.to_string(), "4DEB01BC");
        assert_eq!(code.to_bytes(), [0x4d, 0xeb, 0x01, 0xbc]);
        assert_eq!(CodigoOrigen::parse(" 4deb01bc "), Ok(code));
    }

    #[test]
    fn length_and_alphabet() {
        assert_eq!(CodigoOrigen::parse(""), Err(CodigoOrigenError::Required));
        assert_eq!(
            CodigoOrigen::parse("4DEB01B"),
            Err(CodigoOrigenError::WrongLength {
                expected: 8,
                found: 7
            })
        );
        let error = CodigoOrigen::parse("4DEB01BC0").expect_err("9 characters");
        assert!(error.to_string().contains("9 de 8"), "{error}");
        assert_eq!(
            CodigoOrigen::parse("4DEB01BG"),
            Err(CodigoOrigenError::NotHexadecimal { character: 'G' })
        );
    }

    #[test]
    fn order_is_the_order_of_the_printed_codes() {
        let a = CodigoOrigen::parse("0000000A").expect("valid");
        let b = CodigoOrigen::parse("00000010").expect("valid");
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }

    proptest! {
        #[test]
        fn random_bytes_round_trip(bytes in any::<[u8; 4]>()) {
            let code = CodigoOrigen::from_random(bytes);
            let text = code.to_string();
            prop_assert_eq!(text.len(), 8);
            prop_assert_eq!(text.to_ascii_uppercase(), text.clone());
            prop_assert_eq!(CodigoOrigen::parse(&text), Ok(code));
            prop_assert_eq!(CodigoOrigen::parse(&text.to_lowercase()), Ok(code));
        }

        #[test]
        fn order_agrees_with_text(a in any::<[u8; 4]>(), b in any::<[u8; 4]>()) {
            let (a, b) = (CodigoOrigen::from_random(a), CodigoOrigen::from_random(b));
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
        }
    }
}

/// Where the mineral under an origin code came from: the start of its trail.
///
/// ```
/// use domain::codigo_origen::OriginSource;
/// assert!(OriginSource::SinOrigen.label().contains("sin origen"));
/// assert!(!OriginSource::SinOrigen.identifies_origin());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OriginSource {
    /// A title holder's production, issued by the *Administrador OTTM* with its quantity.
    Produccion,
    /// A lot of an approved *Registro de saldos iniciales*.
    SaldoInicial,
    /// One subsistence miner and mineral: issued on the miner's first sale, reused after.
    MineroSubsistencia,
    /// A buyer's purchases without identified origin of one mineral: a balance apart, never
    /// merged with the others.
    SinOrigen,
    /// An output of a *transformación*: its metal came from the inputs its lineage names.
    Transformacion,
}

impl OriginSource {
    pub const ALL: [OriginSource; 5] = [
        Self::Produccion,
        Self::SaldoInicial,
        Self::MineroSubsistencia,
        Self::SinOrigen,
        Self::Transformacion,
    ];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Produccion => "PRODUCCION",
            Self::SaldoInicial => "SALDO_INICIAL",
            Self::MineroSubsistencia => "MINERO_SUBSISTENCIA",
            Self::SinOrigen => "SIN_ORIGEN",
            Self::Transformacion => "TRANSFORMACION",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Produccion => "Producción de título minero",
            Self::SaldoInicial => "Saldo inicial declarado",
            Self::MineroSubsistencia => "Minero de subsistencia",
            Self::SinOrigen => "Compra sin origen identificado",
            Self::Transformacion => "Producto de una transformación",
        }
    }

    /// Whether the code names where its mineral was mined (all but purchases without
    /// identified origin; a transformation's output names it through its lineage).
    pub const fn identifies_origin(self) -> bool {
        !matches!(self, Self::SinOrigen)
    }

    /// Reads a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|source| source.code() == code)
    }
}
