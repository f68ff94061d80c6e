//! The PTM transaction code: the UUID a confirmed purchase is known by.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use uuid::Uuid;

use crate::error_code::ErrorCode;
use crate::text::echo;

/// The code of a registered transaction, shown in uppercase like the PTM does
/// (`35D3EF38-007E-441B-93D1-272FC9E10DBB`).
///
/// New codes are version-4 UUIDs built from 16 bytes the caller draws from a secure random source;
/// the domain never draws randomness itself (it also runs in the browser).
///
/// ```
/// use domain::PtmTransactionCode;
/// let code = PtmTransactionCode::from_random_bytes([7; 16]);
/// assert_eq!(code.as_uuid().get_version_num(), 4);
/// let seed = PtmTransactionCode::parse("35d3ef38-007e-441b-93d1-272fc9e10dbb").unwrap();
/// assert_eq!(seed.to_string(), "35D3EF38-007E-441B-93D1-272FC9E10DBB");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PtmTransactionCode(Uuid);

/// Why a text is not a PTM transaction code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PtmTransactionCodeError {
    #[error("Escriba el código de transacción PTM.")]
    Required,
    #[error(
        "«{value}» no es un código de transacción PTM; tiene la forma 35D3EF38-007E-441B-93D1-272FC9E10DBB."
    )]
    NotAUuid { value: String },
}

impl ErrorCode for PtmTransactionCodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "ptm_transaction_code_required",
            Self::NotAUuid { .. } => "ptm_transaction_code_format",
        }
    }
}

impl PtmTransactionCode {
    /// A new code from 16 random bytes (version and variant bits are set as RFC 9562 asks).
    pub fn from_random_bytes(bytes: [u8; 16]) -> Self {
        Self(uuid::Builder::from_random_bytes(bytes).into_uuid())
    }

    /// Parses a code in either case, with or without hyphens.
    pub fn parse(input: &str) -> Result<Self, PtmTransactionCodeError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PtmTransactionCodeError::Required);
        }
        Uuid::try_parse(trimmed)
            .map(Self)
            .map_err(|_| PtmTransactionCodeError::NotAUuid {
                value: echo(trimmed),
            })
    }

    /// The UUID itself (for storage).
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl From<Uuid> for PtmTransactionCode {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl fmt::Display for PtmTransactionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:X}", self.0.hyphenated())
    }
}

impl TryFrom<String> for PtmTransactionCode {
    type Error = PtmTransactionCodeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PtmTransactionCode> for String {
    fn from(code: PtmTransactionCode) -> Self {
        code.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_code_round_trips_in_uppercase() {
        let seed = "35D3EF38-007E-441B-93D1-272FC9E10DBB";
        let code = PtmTransactionCode::parse(seed).expect("seed 000");
        assert_eq!(code.to_string(), seed);
        assert_eq!(
            PtmTransactionCode::parse("35d3ef38007e441b93d1272fc9e10dbb"),
            Ok(code)
        );
        let json = serde_json::to_string(&code).expect("serialise");
        assert_eq!(json, format!("\"{seed}\""));
    }

    #[test]
    fn refuses_what_is_not_a_uuid() {
        assert_eq!(
            PtmTransactionCode::parse(""),
            Err(PtmTransactionCodeError::Required)
        );
        let error = PtmTransactionCode::parse("OTTML9gdDsYEvQzkmhZIVMoEp7LU6UUoQCVW")
            .expect_err("not a uuid");
        assert_eq!(error.code(), "ptm_transaction_code_format");
    }

    proptest! {
        #[test]
        fn random_codes_are_v4_and_round_trip(bytes in any::<[u8; 16]>()) {
            let code = PtmTransactionCode::from_random_bytes(bytes);
            prop_assert_eq!(code.as_uuid().get_version_num(), 4);
            prop_assert_eq!(PtmTransactionCode::parse(&code.to_string()), Ok(code));
        }
    }
}
