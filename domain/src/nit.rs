//! The NIT (Número de Identificación Tributaria) and its DIAN check digit.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// DIAN's weights, applied from the rightmost digit of the base number (Orden Administrativa 4/1989).
const WEIGHTS: [u32; 15] = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71];

/// Fewest digits of a NIT without its check digit. A natural person's NIT is its cédula number, and
/// the oldest cédulas have few digits; 3 keeps them and still refuses stray keystrokes.
pub const NIT_BASE_MIN_DIGITS: usize = 3;
/// Most digits of a NIT without its check digit: DIAN's weight table has 15 entries.
pub const NIT_BASE_MAX_DIGITS: usize = WEIGHTS.len();

/// A NIT whose check digit has been verified.
///
/// Accepted spellings: `901304961-7`, `901.304.961-7`, `901 304 961-7` and `9013049617` (the seed's
/// form without separator: the last digit is then the check digit). Leading zeros are dropped, as
/// they do not change the check digit. One canonical form is kept and shown: `901304961-7`.
///
/// ```
/// use domain::Nit;
/// let nit = Nit::parse("9013049617").unwrap();
/// assert_eq!(nit.to_string(), "901304961-7");
/// assert_eq!(nit, Nit::parse("901.304.961-7").unwrap());
/// assert_eq!(nit.check_digit(), 7);
/// let wrong = Nit::parse("901304961-8").unwrap_err();
/// assert!(wrong.to_string().contains("es 7"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nit {
    base: String,
    check_digit: u8,
}

/// Why a text is not a valid NIT.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NitError {
    #[error("Escriba el NIT con su dígito de verificación, por ejemplo 901304961-7.")]
    Required,
    #[error(
        "El NIT solo admite dígitos, puntos y un guion antes del dígito de verificación; quite «{character}»."
    )]
    InvalidCharacter { character: char },
    #[error(
        "El NIT lleva un solo guion, seguido del dígito de verificación (un dígito), por ejemplo 901304961-7."
    )]
    MisplacedHyphen,
    #[error(
        "El NIT sin el dígito de verificación debe tener entre {min} y {max} dígitos; tiene {found}."
    )]
    BaseLengthOutOfRange {
        min: usize,
        max: usize,
        found: usize,
    },
    #[error(
        "El dígito de verificación del NIT {base} es {expected}, no {found}. Revise el número; si no escribió el dígito de verificación, agréguelo al final."
    )]
    NitCheckDigitMismatch {
        base: String,
        expected: u8,
        found: u8,
    },
}

impl ErrorCode for NitError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "nit_required",
            Self::InvalidCharacter { .. } => "nit_invalid_character",
            Self::MisplacedHyphen => "nit_misplaced_hyphen",
            Self::BaseLengthOutOfRange { .. } => "nit_length",
            Self::NitCheckDigitMismatch { .. } => "nit_check_digit",
        }
    }
}

impl Nit {
    /// Parses and verifies a NIT typed with or without separators (see the type's documentation).
    pub fn parse(input: &str) -> Result<Self, NitError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(NitError::Required);
        }
        if let Some(character) = trimmed
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, '.' | ' ' | '-')))
        {
            return Err(NitError::InvalidCharacter { character });
        }
        let (base_text, check_text) = match trimmed.split_once('-') {
            Some((base, check)) => {
                let check = check.trim();
                if check.len() != 1 || base.trim().is_empty() {
                    return Err(NitError::MisplacedHyphen);
                }
                (base, check)
            }
            None => {
                let digits_only = trimmed.trim_end();
                let split = digits_only.len() - 1;
                (&digits_only[..split], &digits_only[split..])
            }
        };
        if !check_text.chars().all(|c| c.is_ascii_digit()) {
            return Err(NitError::MisplacedHyphen);
        }
        let found = check_text
            .parse::<u8>()
            .map_err(|_| NitError::MisplacedHyphen)?;
        let base = Self::base_digits(base_text)?;
        let expected = check_digit_of(&base);
        if expected != found {
            return Err(NitError::NitCheckDigitMismatch {
                base,
                expected,
                found,
            });
        }
        Ok(Self {
            base,
            check_digit: expected,
        })
    }

    /// Builds a NIT from its base number alone, computing the check digit (for ERPs that send the
    /// base and the digit in separate fields, or none).
    ///
    /// ```
    /// use domain::Nit;
    /// assert_eq!(Nit::from_base("901304961").unwrap().to_string(), "901304961-7");
    /// ```
    pub fn from_base(input: &str) -> Result<Self, NitError> {
        if input.trim().is_empty() {
            return Err(NitError::Required);
        }
        if let Some(character) = input
            .trim()
            .chars()
            .find(|c| !(c.is_ascii_digit() || matches!(c, '.' | ' ')))
        {
            return Err(NitError::InvalidCharacter { character });
        }
        let base = Self::base_digits(input)?;
        let check_digit = check_digit_of(&base);
        Ok(Self { base, check_digit })
    }

    /// Digits of the base, separators removed, leading zeros dropped, length checked.
    fn base_digits(text: &str) -> Result<String, NitError> {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let significant = digits.trim_start_matches('0');
        let found = significant.len();
        if !(NIT_BASE_MIN_DIGITS..=NIT_BASE_MAX_DIGITS).contains(&found) {
            return Err(NitError::BaseLengthOutOfRange {
                min: NIT_BASE_MIN_DIGITS,
                max: NIT_BASE_MAX_DIGITS,
                found,
            });
        }
        Ok(significant.to_owned())
    }

    /// The number without its check digit, digits only: `901304961`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The DIAN check digit (0–9).
    pub fn check_digit(&self) -> u8 {
        self.check_digit
    }

    /// The spelling of RUT documents, with thousands dots: `901.304.961-7`.
    pub fn with_dots(&self) -> String {
        let mut out = String::with_capacity(self.base.len() + self.base.len() / 3 + 2);
        for (index, digit) in self.base.chars().enumerate() {
            if index > 0 && (self.base.len() - index).is_multiple_of(3) {
                out.push('.');
            }
            out.push(digit);
        }
        out.push('-');
        out.push(char::from(b'0' + self.check_digit));
        out
    }
}

/// DIAN modulo-11 check digit of a base of ASCII digits (at most 15): weights from the right,
/// `r = sum % 11`, digit `r` when `r` is 0 or 1, else `11 - r`.
fn check_digit_of(base: &str) -> u8 {
    let sum: u32 = base
        .bytes()
        .rev()
        .zip(WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    let remainder = sum % 11;
    let digit = if remainder <= 1 {
        remainder
    } else {
        11 - remainder
    };
    u8::try_from(digit).unwrap_or(0)
}

impl fmt::Display for Nit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.base, self.check_digit)
    }
}

impl TryFrom<String> for Nit {
    type Error = NitError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Nit> for String {
    fn from(nit: Nit) -> Self {
        nit.to_string()
    }
}

impl std::str::FromStr for Nit {
    type Err = NitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_nit_in_every_spelling() {
        for spelling in [
            "901304961-7",
            "901.304.961-7",
            "9013049617",
            " 901 304 961 - 7 ",
            "0901304961-7",
        ] {
            let nit = Nit::parse(spelling).expect(spelling);
            assert_eq!(nit.to_string(), "901304961-7", "{spelling}");
            assert_eq!(nit.base(), "901304961");
            assert_eq!(nit.check_digit(), 7);
        }
        assert_eq!(
            Nit::parse("9013049617").expect("seed").with_dots(),
            "901.304.961-7"
        );
    }

    #[test]
    fn known_nits_verify() {
        // DIAN (800197268-4), Bancolombia (890903938-8), Ecopetrol (899999068-1), ANM (900500018-2).
        for nit in ["800197268-4", "890903938-8", "899999068-1", "900500018-2"] {
            assert!(Nit::parse(nit).is_ok(), "{nit}");
        }
    }

    #[test]
    fn check_digit_remainders_zero_and_one_are_the_digit_itself() {
        // Find bases whose remainder is 0 and 1 and check the rule on them directly.
        let mut seen = [false; 2];
        for base in 100..2000u32 {
            let text = base.to_string();
            let sum: u32 = text
                .bytes()
                .rev()
                .zip(WEIGHTS)
                .map(|(d, w)| u32::from(d - b'0') * w)
                .sum();
            let r = sum % 11;
            if r <= 1 {
                assert_eq!(u32::from(check_digit_of(&text)), r);
                seen[r as usize] = true;
            } else {
                assert_eq!(u32::from(check_digit_of(&text)), 11 - r);
            }
        }
        assert_eq!(seen, [true, true]);
    }

    #[test]
    fn wrong_check_digit_names_the_expected_one() {
        assert_eq!(
            Nit::parse("901304961-8"),
            Err(NitError::NitCheckDigitMismatch {
                base: "901304961".into(),
                expected: 7,
                found: 8
            })
        );
        let error = Nit::parse("9013049618").expect_err("wrong digit");
        assert_eq!(error.code(), "nit_check_digit");
        assert!(error.to_string().contains("es 7, no 8"), "{error}");
    }

    #[test]
    fn malformed_nits() {
        assert_eq!(Nit::parse("   "), Err(NitError::Required));
        assert_eq!(Nit::parse("901304961-"), Err(NitError::MisplacedHyphen));
        assert_eq!(Nit::parse("901304961-77"), Err(NitError::MisplacedHyphen));
        assert_eq!(Nit::parse("-7"), Err(NitError::MisplacedHyphen));
        assert_eq!(Nit::parse("9013-04961-7"), Err(NitError::MisplacedHyphen));
        assert_eq!(
            Nit::parse("90130496A-7"),
            Err(NitError::InvalidCharacter { character: 'A' })
        );
    }

    #[test]
    fn base_length_bounds() {
        let min_base = "1".repeat(NIT_BASE_MIN_DIGITS);
        let nit = Nit::from_base(&min_base).expect("minimum length");
        assert!(Nit::parse(&nit.to_string()).is_ok());
        let too_short = "1".repeat(NIT_BASE_MIN_DIGITS - 1);
        assert!(matches!(
            Nit::from_base(&too_short),
            Err(NitError::BaseLengthOutOfRange { found: 2, .. })
        ));
        let max_base = "9".repeat(NIT_BASE_MAX_DIGITS);
        assert!(Nit::from_base(&max_base).is_ok());
        let too_long = "9".repeat(NIT_BASE_MAX_DIGITS + 1);
        assert!(matches!(
            Nit::from_base(&too_long),
            Err(NitError::BaseLengthOutOfRange { found: 16, .. })
        ));
    }

    #[test]
    fn serde_uses_the_canonical_text() {
        let nit = Nit::parse("901.304.961-7").expect("valid");
        assert_eq!(
            serde_json::to_string(&nit).expect("serialise"),
            "\"901304961-7\""
        );
        let back: Nit = serde_json::from_str("\"9013049617\"").expect("deserialise");
        assert_eq!(back, nit);
        assert!(serde_json::from_str::<Nit>("\"901304961-8\"").is_err());
    }

    proptest! {
        /// Every base gets a digit that verifies; every other digit is refused with the right one.
        #[test]
        fn computed_digit_verifies_and_others_fail(base in 100u64..999_999_999_999_999, wrong in 0u8..10) {
            let nit = Nit::from_base(&base.to_string()).expect("valid base");
            prop_assert_eq!(Nit::parse(&nit.to_string()), Ok(nit.clone()));
            prop_assert_eq!(Nit::parse(&nit.with_dots()), Ok(nit.clone()));
            prop_assert_eq!(Nit::parse(&format!("{}{}", nit.base(), nit.check_digit())), Ok(nit.clone()));
            if wrong != nit.check_digit() {
                let typed = format!("{}-{}", nit.base(), wrong);
                let is_mismatch = matches!(
                    Nit::parse(&typed),
                    Err(NitError::NitCheckDigitMismatch { expected, found, .. })
                        if expected == nit.check_digit() && found == wrong
                );
                prop_assert!(is_mismatch);
            }
        }
    }
}
