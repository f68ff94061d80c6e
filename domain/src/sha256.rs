//! SHA-256 digests written as hexadecimal: the seller-verification support and the ledger chain.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// Characters of a SHA-256 digest in hexadecimal.
pub const SHA256_HEX_CHARS: usize = 64;

/// A SHA-256 digest, parsed from or shown as 64 lowercase hexadecimal characters.
///
/// The purchase form asks for the SHA-256 of the file supporting the seller's verification; the
/// browser computes it with [`Sha256Hex::of_bytes`] so nobody has to copy 64 characters by hand
/// (the seed's copy has 63: a typo this type refuses).
///
/// ```
/// use domain::Sha256Hex;
/// let digest = Sha256Hex::of_bytes(b"abc");
/// assert_eq!(
///     digest.to_string(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// assert_eq!(Sha256Hex::parse(&digest.to_string().to_uppercase()).unwrap(), digest);
/// let typo = Sha256Hex::parse(&"a".repeat(63)).unwrap_err();
/// assert!(typo.to_string().contains("63 de 64"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex([u8; 32]);

/// Why a text is not a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Sha256HexError {
    #[error(
        "Escriba el código SHA-256 del soporte de verificación (64 caracteres), o seleccione el archivo para calcularlo."
    )]
    Required,
    #[error(
        "El código SHA-256 tiene {found} de {expected} caracteres; cópielo completo o seleccione el archivo para calcularlo."
    )]
    WrongLength { expected: usize, found: usize },
    #[error(
        "El código SHA-256 solo admite dígitos y las letras a a f; el carácter {position} es «{character}»."
    )]
    NotHexadecimal { position: usize, character: char },
}

impl ErrorCode for Sha256HexError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "sha256_required",
            Self::WrongLength { .. } => "sha256_length",
            Self::NotHexadecimal { .. } => "sha256_not_hexadecimal",
        }
    }
}

/// The canonical encoding of a list of fields for hashing: a version byte, then each field as a
/// big-endian `u32` length and its bytes (so that no two lists encode alike).
pub(crate) fn length_prefixed(version: u8, fields: &[&[u8]]) -> Vec<u8> {
    let capacity = 1 + fields.iter().map(|f| 4 + f.len()).sum::<usize>();
    let mut out = Vec::with_capacity(capacity);
    out.push(version);
    for field in fields {
        // Every field is bounded far below 4 GiB.
        let length = u32::try_from(field.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&length.to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

impl Sha256Hex {
    /// Parses 64 hexadecimal characters in either case, surrounding spaces ignored.
    pub fn parse(input: &str) -> Result<Self, Sha256HexError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Sha256HexError::Required);
        }
        if let Some((index, character)) = trimmed
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_hexdigit())
        {
            return Err(Sha256HexError::NotHexadecimal {
                position: index + 1,
                character,
            });
        }
        if trimmed.len() != SHA256_HEX_CHARS {
            return Err(Sha256HexError::WrongLength {
                expected: SHA256_HEX_CHARS,
                found: trimmed.len(),
            });
        }
        let mut bytes = [0u8; 32];
        decode_hex(trimmed, &mut bytes).map_err(|character| Sha256HexError::NotHexadecimal {
            position: 0,
            character,
        })?;
        Ok(Self(bytes))
    }

    /// The SHA-256 of some bytes (a file the user picked, a ledger record).
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Wraps a digest already computed.
    pub fn from_digest(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The 32 bytes of the digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// Decodes ASCII hexadecimal into `out` (whose length must be half the text's); on a bad character
/// returns it.
pub(crate) fn decode_hex(text: &str, out: &mut [u8]) -> Result<(), char> {
    fn nibble(c: u8) -> Result<u8, char> {
        match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            other => Err(char::from(other)),
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() != out.len() * 2 {
        return Err('?');
    }
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Ok(())
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = Sha256HexError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Sha256Hex> for String {
    fn from(digest: Sha256Hex) -> Self {
        digest.to_string()
    }
}

impl std::str::FromStr for Sha256Hex {
    type Err = Sha256HexError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The value printed in seed 000: one character was lost in the PDF.
    const SEED_000_SHA: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f";

    #[test]
    fn seed_sha_is_refused_as_63_of_64() {
        assert_eq!(SEED_000_SHA.len(), 63);
        let error = Sha256Hex::parse(SEED_000_SHA).expect_err("63 characters");
        assert_eq!(
            error,
            Sha256HexError::WrongLength {
                expected: 64,
                found: 63
            }
        );
        assert_eq!(error.code(), "sha256_length");
        assert!(
            error.to_string().contains("tiene 63 de 64 caracteres"),
            "{error}"
        );
    }

    #[test]
    fn known_digests() {
        assert_eq!(
            Sha256Hex::of_bytes(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let upper = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(Sha256Hex::parse(upper), Ok(Sha256Hex::of_bytes(b"")));
    }

    #[test]
    fn length_boundaries_and_alphabet() {
        assert_eq!(Sha256Hex::parse("  "), Err(Sha256HexError::Required));
        assert!(Sha256Hex::parse(&"0".repeat(64)).is_ok());
        assert_eq!(
            Sha256Hex::parse(&"0".repeat(65)),
            Err(Sha256HexError::WrongLength {
                expected: 64,
                found: 65
            })
        );
        let mut with_g = "0".repeat(64);
        with_g.replace_range(9..10, "g");
        assert_eq!(
            Sha256Hex::parse(&with_g),
            Err(Sha256HexError::NotHexadecimal {
                position: 10,
                character: 'g'
            })
        );
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(bytes in any::<[u8; 32]>()) {
            let digest = Sha256Hex::from_digest(bytes);
            let text = digest.to_string();
            prop_assert_eq!(text.len(), 64);
            prop_assert_eq!(Sha256Hex::parse(&text), Ok(digest));
            prop_assert_eq!(Sha256Hex::parse(&text.to_uppercase()), Ok(digest));
        }
    }
}
