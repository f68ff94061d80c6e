//! Numbers as people in Colombia type them, and as they expect to read them.
//!
//! # The parsing rule
//!
//! Colombia writes `1.234.567,89` (dot for thousands, comma for decimals), but spreadsheets, ERPs and
//! the PTM's own screens also show `1,234,567.89` and `191.0000`. One rule reads all of them, and it
//! never guesses silently between two valid readings:
//!
//! 1. **Both `.` and `,` present**: the one that appears last is the decimal separator (once, at the
//!    end); the other groups thousands. `1.234,5` and `1,234.5` are both 1234.5.
//! 2. **One kind, several times**: it groups thousands. `1.234.567` and `1,234,567` are 1234567.
//! 3. **One kind, once**: it is the decimal separator — `1234,5`, `1234.5`, `191.0000`, `1,234` (one
//!    point two three four, as Colombia reads it) — except in the *thousands shape* (1–3 digits
//!    without a leading zero, the separator, exactly 3 digits: `1.000`, `100,000`), where:
//!    - for money (at most 2 decimals) it groups thousands, because the decimal reading would be
//!      refused anyway: `$ 100,000` and `1.000` pesos are one hundred thousand and one thousand;
//!    - for quantities a comma stays decimal (`1,234` g), but a dot is refused as ambiguous: `1.234`
//!      is 1234 g to a Colombian and 1.234 g to a spreadsheet, a factor of 1000 in gold. The message
//!      asks for `1234` or `1,234`. A dot with any other number of decimals (`191.0000`, `0.125`,
//!      `2.5`) is read as decimal, as the PTM's own screens print quantities.
//! 4. Thousands groups must be well formed: 1–3 digits, then groups of exactly 3 (`1.23.456` is an
//!    error, never 123456).
//!
//! A leading `-` is read (the types built on top refuse negatives with their own message); spaces
//! inside the digits and the apostrophe of handwritten millions (`1'000.000`) are refused.

use rust_decimal::Decimal;
use thiserror::Error;

/// Longest text accepted as a number: 28 significant digits (what `Decimal` holds) plus separators.
pub const MAX_NUMBER_INPUT_CHARS: usize = 40;

/// Why a text is not a number. The types that parse numbers wrap it and name their field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NumberError {
    #[error("está vacío; escriba un número, por ejemplo 1.234,5")]
    Empty,
    #[error(
        "«{input}» tiene el carácter «{character}», que no es válido: use solo dígitos, punto y coma"
    )]
    InvalidCharacter { input: String, character: char },
    #[error("tiene {found_chars} caracteres; el máximo es {max_chars}")]
    TooLong {
        max_chars: usize,
        found_chars: usize,
    },
    #[error(
        "«{input}» tiene un separador decimal mal ubicado: escríbalo una sola vez, seguido de los decimales (por ejemplo 1.234,5)"
    )]
    MisplacedDecimalSeparator { input: String },
    #[error(
        "«{input}» tiene los miles mal agrupados: cada grupo de miles lleva 3 dígitos (por ejemplo 1.234.567)"
    )]
    BadThousandsGrouping { input: String },
    #[error(
        "«{input}» es ambiguo: escriba {as_integer} si son miles o {as_decimal} si son decimales"
    )]
    AmbiguousSeparator {
        input: String,
        as_integer: String,
        as_decimal: String,
    },
    #[error("«{input}» es demasiado grande")]
    OutOfRange { input: String },
}

impl NumberError {
    /// Stable machine code for API clients and the browser.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "number_required",
            Self::InvalidCharacter { .. } => "number_invalid_character",
            Self::TooLong { .. } => "number_too_long",
            Self::MisplacedDecimalSeparator { .. } => "number_misplaced_decimal_separator",
            Self::BadThousandsGrouping { .. } => "number_bad_thousands_grouping",
            Self::AmbiguousSeparator { .. } => "number_ambiguous_separator",
            Self::OutOfRange { .. } => "number_out_of_range",
        }
    }
}

/// Parses a number typed in Colombia (see the module documentation for the rule).
///
/// `max_decimals` is how many decimals the value may carry; it only settles the one ambiguous shape
/// (`100,000`): it does not check the decimals, the caller's type does.
///
/// ```
/// use domain::number::parse_decimal;
/// use rust_decimal::Decimal;
/// assert_eq!(parse_decimal("1.234,5", 4).unwrap(), Decimal::new(12345, 1));
/// assert_eq!(parse_decimal("1,234.5", 4).unwrap(), Decimal::new(12345, 1));
/// assert_eq!(parse_decimal("191.0000", 4).unwrap(), Decimal::new(191, 0));
/// assert_eq!(parse_decimal("1.000", 2).unwrap(), Decimal::new(1000, 0)); // one thousand pesos
/// assert!(parse_decimal("1.000", 4).is_err()); // grams: ambiguous, so refused
/// assert!(parse_decimal("1.23.456", 4).is_err());
/// ```
pub fn parse_decimal(input: &str, max_decimals: u32) -> Result<Decimal, NumberError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(NumberError::Empty);
    }
    let found_chars = trimmed.chars().count();
    if found_chars > MAX_NUMBER_INPUT_CHARS {
        return Err(NumberError::TooLong {
            max_chars: MAX_NUMBER_INPUT_CHARS,
            found_chars,
        });
    }
    let (negative, body) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if body.is_empty() {
        return Err(NumberError::Empty);
    }
    if let Some(character) = body
        .chars()
        .find(|c| !(c.is_ascii_digit() || *c == '.' || *c == ','))
    {
        return Err(NumberError::InvalidCharacter {
            input: trimmed.to_owned(),
            character,
        });
    }
    let misplaced = || NumberError::MisplacedDecimalSeparator {
        input: trimmed.to_owned(),
    };
    let dots = body.matches('.').count();
    let commas = body.matches(',').count();

    // (integer part, thousands separator if any, fraction part if any)
    let (integer, group, fraction): (&str, Option<char>, Option<&str>) = match (dots, commas) {
        (0, 0) => (body, None, None),
        (_, 0) | (0, _) => {
            let sep = if dots > 0 { '.' } else { ',' };
            let count = dots.max(commas);
            if count > 1 {
                (body, Some(sep), None)
            } else {
                let (int, frac) = body.split_once(sep).ok_or_else(misplaced)?;
                let thousands_shape = frac.len() == 3 && is_leading_group(int);
                if thousands_shape && max_decimals < 3 {
                    (body, Some(sep), None)
                } else if thousands_shape && sep == '.' {
                    return Err(NumberError::AmbiguousSeparator {
                        input: trimmed.to_owned(),
                        as_integer: format!("{int}{frac}"),
                        as_decimal: format!("{int},{frac}"),
                    });
                } else {
                    (int, None, Some(frac))
                }
            }
        }
        _ => {
            let last_dot = body.rfind('.').unwrap_or(0);
            let last_comma = body.rfind(',').unwrap_or(0);
            let (decimal, grouping) = if last_dot > last_comma {
                ('.', ',')
            } else {
                (',', '.')
            };
            let (int, frac) = body.rsplit_once(decimal).ok_or_else(misplaced)?;
            if int.contains(decimal) || frac.contains(grouping) {
                return Err(misplaced());
            }
            (int, Some(grouping), Some(frac))
        }
    };

    let digits_integer: String = match group {
        Some(sep) => {
            let mut groups = integer.split(sep);
            let first = groups.next().unwrap_or("");
            let well_formed = is_leading_group(first) && groups.all(|g| g.len() == 3);
            if !well_formed {
                return Err(NumberError::BadThousandsGrouping {
                    input: trimmed.to_owned(),
                });
            }
            integer.chars().filter(char::is_ascii_digit).collect()
        }
        None => integer.to_owned(),
    };
    if fraction.is_some_and(str::is_empty) {
        return Err(misplaced());
    }
    let mut text = String::with_capacity(digits_integer.len() + 8);
    if negative {
        text.push('-');
    }
    text.push_str(if digits_integer.is_empty() {
        "0"
    } else {
        &digits_integer
    });
    if let Some(frac) = fraction {
        text.push('.');
        text.push_str(frac);
    }
    let mut value = Decimal::from_str_exact(&text).map_err(|_| NumberError::OutOfRange {
        input: trimmed.to_owned(),
    })?;
    if value.is_zero() {
        value.set_sign_positive(true);
    }
    Ok(value)
}

/// A first thousands group: 1 to 3 digits, no leading zero (`0.500` is never five hundred).
fn is_leading_group(digits: &str) -> bool {
    (1..=3).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0')
}

/// Writes a number the Colombian way: `.` between thousands, `,` before decimals.
///
/// With `decimals = Some(n)` the value is shown with exactly `n` decimals (money); with `None` it is
/// shown with the decimals it has, trailing zeros dropped (quantities). Rounding only happens when
/// the caller asks for fewer decimals than the value has; the domain types never do.
///
/// ```
/// use domain::number::format_es_co;
/// use rust_decimal::Decimal;
/// assert_eq!(format_es_co(Decimal::new(100_000_000, 2), Some(2)), "1.000.000,00");
/// assert_eq!(format_es_co(Decimal::new(12_345, 1), None), "1.234,5");
/// ```
pub fn format_es_co(value: Decimal, decimals: Option<u32>) -> String {
    let shown = match decimals {
        Some(n) => {
            let mut rounded = value.round_dp(n);
            rounded.rescale(n);
            rounded
        }
        None => value.normalize(),
    };
    let text = shown.abs().to_string();
    let (integer, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + text.len() / 3 + 1);
    if shown.is_sign_negative() && !shown.is_zero() {
        out.push('-');
    }
    for (index, digit) in integer.chars().enumerate() {
        if index > 0 && (integer.len() - index).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(',');
        out.push_str(fraction);
    }
    out
}

/// The one spelling of a decimal used where bytes matter (hashes, APIs): trailing zeros removed,
/// `.` as separator, no grouping, zero without sign. `1.50` and `1.5` give `1.5`.
///
/// ```
/// use domain::number::canonical_string;
/// use rust_decimal::Decimal;
/// assert_eq!(canonical_string(Decimal::new(150, 2)), "1.5");
/// assert_eq!(canonical_string(Decimal::new(-0, 3)), "0");
/// ```
pub fn canonical_string(value: Decimal) -> String {
    let mut normal = value.normalize();
    if normal.is_zero() {
        normal.set_sign_positive(true);
    }
    normal.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test literal")
    }

    #[test]
    fn both_separators_last_one_is_decimal() {
        assert_eq!(parse_decimal("1.234,5", 4), Ok(d("1234.5")));
        assert_eq!(parse_decimal("1,234.5", 4), Ok(d("1234.5")));
        assert_eq!(parse_decimal("1.000.000,50", 2), Ok(d("1000000.50")));
        assert_eq!(parse_decimal("1,000,000.00", 2), Ok(d("1000000")));
    }

    #[test]
    fn single_separator_is_decimal_for_quantities() {
        assert_eq!(parse_decimal("1234,5", 4), Ok(d("1234.5")));
        assert_eq!(parse_decimal("1234.5", 4), Ok(d("1234.5")));
        assert_eq!(parse_decimal("191.0000", 4), Ok(d("191")));
        assert_eq!(parse_decimal("1,234", 4), Ok(d("1.234")));
        assert_eq!(parse_decimal("0.125", 4), Ok(d("0.125")));
        assert_eq!(parse_decimal("1234.567", 4), Ok(d("1234.567")));
        assert_eq!(parse_decimal("2.5", 4), Ok(d("2.5")));
        assert_eq!(parse_decimal(",5", 4), Ok(d("0.5")));
    }

    #[test]
    fn dot_in_thousands_shape_is_ambiguous_for_quantities() {
        assert_eq!(
            parse_decimal("1.234", 4),
            Err(NumberError::AmbiguousSeparator {
                input: "1.234".into(),
                as_integer: "1234".into(),
                as_decimal: "1,234".into(),
            })
        );
        assert!(matches!(
            parse_decimal("100.000", 4),
            Err(NumberError::AmbiguousSeparator { .. })
        ));
        let message = parse_decimal("1.000", 4)
            .expect_err("ambiguous")
            .to_string();
        assert!(
            message.contains("1000") && message.contains("1,000"),
            "{message}"
        );
    }

    #[test]
    fn single_separator_before_three_digits_groups_thousands_for_money() {
        assert_eq!(parse_decimal("100,000", 2), Ok(d("100000")));
        assert_eq!(parse_decimal("1.000", 2), Ok(d("1000")));
        // Not a thousands-group shape: read as decimals (the money type then refuses 3 decimals).
        assert_eq!(parse_decimal("1000,500", 2), Ok(d("1000.500")));
        assert_eq!(parse_decimal("0,500", 2), Ok(d("0.500")));
        assert_eq!(parse_decimal("1000000,5", 2), Ok(d("1000000.5")));
        assert_eq!(parse_decimal("1000000.50", 2), Ok(d("1000000.50")));
    }

    #[test]
    fn several_of_one_separator_group_thousands() {
        assert_eq!(parse_decimal("1.234.567", 4), Ok(d("1234567")));
        assert_eq!(parse_decimal("1,234,567", 4), Ok(d("1234567")));
    }

    #[test]
    fn bad_grouping_is_refused_not_guessed() {
        for bad in [
            "1.23.456",
            "1234.567.890",
            "1.234.56",
            "1..234",
            ".123.456",
            "0.123.456",
        ] {
            assert!(
                matches!(
                    parse_decimal(bad, 4),
                    Err(NumberError::BadThousandsGrouping { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_decimal("1.234,56.7", 4),
            Err(NumberError::MisplacedDecimalSeparator { .. })
        ));
        assert!(matches!(
            parse_decimal("1,5,000.5", 4),
            Err(NumberError::BadThousandsGrouping { .. })
        ));
        assert!(matches!(
            parse_decimal("5,", 4),
            Err(NumberError::MisplacedDecimalSeparator { .. })
        ));
    }

    #[test]
    fn refuses_other_characters_and_empties() {
        assert_eq!(parse_decimal("  ", 4), Err(NumberError::Empty));
        assert_eq!(parse_decimal("-", 4), Err(NumberError::Empty));
        assert!(matches!(
            parse_decimal("1 000", 4),
            Err(NumberError::InvalidCharacter { character: ' ', .. })
        ));
        assert!(matches!(
            parse_decimal("1'000.000", 2),
            Err(NumberError::InvalidCharacter {
                character: '\'',
                ..
            })
        ));
        assert!(matches!(
            parse_decimal("1e5", 4),
            Err(NumberError::InvalidCharacter { .. })
        ));
    }

    #[test]
    fn length_bound_and_range() {
        let at_limit = "1".repeat(MAX_NUMBER_INPUT_CHARS);
        assert!(matches!(
            parse_decimal(&at_limit, 4),
            Err(NumberError::OutOfRange { .. })
        ));
        let over = "1".repeat(MAX_NUMBER_INPUT_CHARS + 1);
        assert_eq!(
            parse_decimal(&over, 4),
            Err(NumberError::TooLong {
                max_chars: 40,
                found_chars: 41
            })
        );
        assert_eq!(parse_decimal(&"9".repeat(28), 4), Ok(d(&"9".repeat(28))));
    }

    #[test]
    fn signs() {
        assert_eq!(parse_decimal("-1,5", 4), Ok(d("-1.5")));
        assert_eq!(parse_decimal("+1,5", 4), Ok(d("1.5")));
        let zero = parse_decimal("-0", 4).expect("zero");
        assert!(!zero.is_sign_negative());
    }

    #[test]
    fn formats_es_co() {
        assert_eq!(format_es_co(d("1000000"), Some(2)), "1.000.000,00");
        assert_eq!(format_es_co(d("10000"), Some(2)), "10.000,00");
        assert_eq!(format_es_co(d("999"), Some(2)), "999,00");
        assert_eq!(format_es_co(d("0"), Some(2)), "0,00");
        assert_eq!(format_es_co(d("1234.5000"), None), "1.234,5");
        assert_eq!(format_es_co(d("191.0000"), None), "191");
        assert_eq!(format_es_co(d("-1234567.5"), None), "-1.234.567,5");
    }

    proptest! {
        /// Whatever we print, we read back as the same value, or refuse as ambiguous: never another value.
        #[test]
        fn printed_quantities_never_read_back_wrong(units in 0i64..1_000_000_000_000, scale in 0u32..=4) {
            let value = Decimal::new(units, scale);
            prop_assert_eq!(parse_decimal(&format_es_co(value, Some(4)), 4), Ok(value));
            match parse_decimal(&format_es_co(value, None), 4) {
                Ok(read) => prop_assert_eq!(read, value),
                Err(error) => {
                    let ambiguous = matches!(error, NumberError::AmbiguousSeparator { .. });
                    prop_assert!(ambiguous, "{}", error);
                }
            }
        }

        /// Money (at most two decimals) always reads back exactly, with or without trailing zeros.
        #[test]
        fn printed_money_reads_back(units in 0i64..1_000_000_000_000_000, scale in 0u32..=2) {
            let value = Decimal::new(units, scale);
            prop_assert_eq!(parse_decimal(&format_es_co(value, Some(2)), 2), Ok(value));
            prop_assert_eq!(parse_decimal(&format_es_co(value, None), 2), Ok(value));
        }
    }
}
