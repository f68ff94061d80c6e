//! Money: exact amounts in one currency, written and read the Colombian way.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::number::{NumberError, format_es_co, parse_decimal};
use crate::text::{echo, fold};

/// Largest amount: 999 999 999 999 999,99, so that every amount fits the store's `NUMERIC(17,2)`.
/// A million tonnes of coal at a million pesos a tonne is 10¹² COP, a thousand times below it.
pub const MONEY_MAX: Decimal = Decimal::from_parts(1_569_325_055, 23_283_064, 0, false, 2);

/// The currencies a purchase may be registered in.
///
/// ```
/// use domain::Currency;
/// assert_eq!(Currency::parse("cop").unwrap(), Currency::Cop);
/// assert_eq!(Currency::Cop.minor_units(), 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Currency {
    /// Peso colombiano.
    Cop,
    /// Dólar estadounidense.
    Usd,
    /// Euro.
    Eur,
}

impl Currency {
    /// Every currency, in the order of the selector.
    pub const ALL: [Currency; 3] = [Self::Cop, Self::Usd, Self::Eur];

    /// ISO 4217 code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Cop => "COP",
            Self::Usd => "USD",
            Self::Eur => "EUR",
        }
    }

    /// Spanish name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Cop => "Peso colombiano",
            Self::Usd => "Dólar estadounidense",
            Self::Eur => "Euro",
        }
    }

    /// The symbol shown after the code (`COP $ 1.000,00`).
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Cop | Self::Usd => "$",
            Self::Eur => "€",
        }
    }

    /// ISO 4217 minor units: 2 for each. The peso's are officially 2 even though centavos no longer
    /// circulate, and invoices (DIAN's electronic invoice) carry them.
    pub fn minor_units(self) -> u32 {
        2
    }

    /// Reads a code or a Spanish name (`COP`, `cop`, `peso colombiano`, `dólar`).
    pub fn parse(input: &str) -> Result<Self, CurrencyError> {
        let key = fold(input);
        if key.is_empty() {
            return Err(CurrencyError::Required);
        }
        let by_name = match key.as_str() {
            "pesos" | "peso" | "pesos colombianos" => Some(Self::Cop),
            "dolar" | "dolares" | "dolares estadounidenses" => Some(Self::Usd),
            "euros" => Some(Self::Eur),
            _ => None,
        };
        by_name
            .or_else(|| {
                Self::ALL
                    .into_iter()
                    .find(|c| fold(c.code()) == key || fold(c.label()) == key)
            })
            .ok_or_else(|| CurrencyError::UnknownCurrency { value: echo(input) })
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a text is not a currency.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurrencyError {
    #[error("Seleccione la moneda.")]
    Required,
    #[error("La moneda «{value}» no está disponible; use COP, USD o EUR.")]
    UnknownCurrency { value: String },
}

impl ErrorCode for CurrencyError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "currency_required",
            Self::UnknownCurrency { .. } => "currency_unknown",
        }
    }
}

/// An amount of money in one currency: non-negative, at most the currency's minor units of
/// decimals, at most [`MONEY_MAX`]. Amounts of different currencies never mix.
///
/// ```
/// use domain::{Currency, Money};
/// let base = Money::parse("$ 1.000.000", Currency::Cop).unwrap();
/// let iva = Money::parse("100.000", Currency::Cop).unwrap();
/// assert_eq!(base.checked_add(iva).unwrap().to_string(), "COP $ 1.100.000,00");
/// assert!(Money::parse("1000,505", Currency::Cop).is_err()); // three decimals
/// assert!(base.checked_add(Money::zero(Currency::Usd)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

/// Why an amount is not valid money, or an operation would make it invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("El valor no es un número válido: {0}")]
    NotANumber(#[from] NumberError),
    #[error("El valor en {currency} admite hasta {max} decimales; tiene {found}.")]
    TooManyDecimals {
        currency: Currency,
        max: u32,
        found: u32,
    },
    #[error("El valor no puede ser negativo.")]
    Negative,
    #[error("El valor supera el máximo admitido ({}).", format_es_co(*max, Some(2)))]
    AboveMaximum { max: Decimal },
    #[error(
        "El valor está en {found}, pero la transacción está en {expected}; registre todos los valores en {expected}."
    )]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error(
        "El símbolo «{symbol}» no corresponde a {expected}; escriba el valor sin símbolo o con el de {expected}."
    )]
    SymbolMismatch { expected: Currency, symbol: char },
    #[error("No se puede restar {subtrahend} de {minuend}: el resultado sería negativo.")]
    WouldBeNegative { minuend: Money, subtrahend: Money },
}

impl ErrorCode for MoneyError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotANumber(error) => error.code(),
            Self::TooManyDecimals { .. } => "money_too_many_decimals",
            Self::Negative => "money_negative",
            Self::AboveMaximum { .. } => "money_above_maximum",
            Self::CurrencyMismatch { .. } | Self::SymbolMismatch { .. } => "currency_mismatch",
            Self::WouldBeNegative { .. } => "money_would_be_negative",
        }
    }
}

impl Money {
    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Self {
        Self {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// Checks an exact amount: decimals within the currency's minor units (trailing zeros do not
    /// count), not negative, not above [`MONEY_MAX`]. Never rounds.
    pub fn new(amount: Decimal, currency: Currency) -> Result<Self, MoneyError> {
        let mut normal = amount.normalize();
        let max = currency.minor_units();
        if normal.scale() > max {
            return Err(MoneyError::TooManyDecimals {
                currency,
                max,
                found: normal.scale(),
            });
        }
        if normal.is_sign_negative() && !normal.is_zero() {
            return Err(MoneyError::Negative);
        }
        if normal > MONEY_MAX {
            return Err(MoneyError::AboveMaximum { max: MONEY_MAX });
        }
        normal.set_sign_positive(true);
        Ok(Self {
            amount: normal,
            currency,
        })
    }

    /// Parses an amount as people type it in the given currency: `1.000.000,50`, `1000000.50`,
    /// `1000000,5`, `$ 1.000.000`, `COP 1.000.000`. A currency code or symbol of another currency
    /// is refused rather than ignored.
    pub fn parse(input: &str, currency: Currency) -> Result<Self, MoneyError> {
        let mut rest = input.trim();
        let mut mentioned: Option<Currency> = None;
        for candidate in Currency::ALL {
            let code = candidate.code();
            if rest.len() >= 3 && rest.is_char_boundary(3) && rest[..3].eq_ignore_ascii_case(code) {
                mentioned = Some(candidate);
                rest = rest[3..].trim_start();
            }
            let len = rest.len();
            if len >= 3
                && rest.is_char_boundary(len - 3)
                && rest[len - 3..].eq_ignore_ascii_case(code)
            {
                mentioned = Some(candidate);
                rest = rest[..len - 3].trim_end();
            }
        }
        if let Some(after) = rest.strip_prefix("US$") {
            mentioned = mentioned.or(Some(Currency::Usd));
            rest = after.trim_start();
        } else if let Some(after) = rest.strip_prefix('€') {
            mentioned = mentioned.or(Some(Currency::Eur));
            rest = after.trim_start();
        } else if let Some(after) = rest.strip_prefix('$') {
            if mentioned.unwrap_or(currency).symbol() != "$" {
                return Err(MoneyError::SymbolMismatch {
                    expected: currency,
                    symbol: '$',
                });
            }
            rest = after.trim_start();
        }
        if let Some(found) = mentioned.filter(|found| *found != currency) {
            return Err(MoneyError::CurrencyMismatch {
                expected: currency,
                found,
            });
        }
        Self::new(parse_decimal(rest, currency.minor_units())?, currency)
    }

    /// The exact amount.
    pub fn amount(self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(self) -> Currency {
        self.currency
    }

    /// Whether it is zero.
    pub fn is_zero(self) -> bool {
        self.amount.is_zero()
    }

    /// Checks that this amount is in `expected`.
    pub fn check_currency(self, expected: Currency) -> Result<Self, MoneyError> {
        if self.currency == expected {
            Ok(self)
        } else {
            Err(MoneyError::CurrencyMismatch {
                expected,
                found: self.currency,
            })
        }
    }

    /// `self + other`, same currency, within the maximum.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        other.check_currency(self.currency)?;
        let sum = self
            .amount
            .checked_add(other.amount)
            .ok_or(MoneyError::AboveMaximum { max: MONEY_MAX })?;
        Self::new(sum, self.currency)
    }

    /// `self - other`, same currency, never below zero.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        other.check_currency(self.currency)?;
        if other.amount > self.amount {
            return Err(MoneyError::WouldBeNegative {
                minuend: self,
                subtrahend: other,
            });
        }
        Self::new(self.amount - other.amount, self.currency)
    }

    /// The amount alone, es-CO, with the currency's decimals: `1.000.000,00`.
    pub fn format_amount(self) -> String {
        format_es_co(self.amount, Some(self.currency.minor_units()))
    }
}

/// `COP $ 1.000.000,00`: code, symbol, thousands with `.`, decimals with `,` (as the PTM shows).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.currency.code(),
            self.currency.symbol(),
            self.format_amount()
        )
    }
}

/// JSON form `{"amount": "1000000.5", "currency": "COP"}`, checked like [`Money::new`].
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            amount: Decimal,
            currency: Currency,
        }
        let raw = Raw::deserialize(deserializer)?;
        Self::new(raw.amount, raw.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("test literal")
    }

    fn cop(text: &str) -> Money {
        Money::parse(text, Currency::Cop).expect(text)
    }

    #[test]
    fn currencies() {
        for c in Currency::ALL {
            assert_eq!(Currency::parse(c.code()), Ok(c));
            assert_eq!(Currency::parse(&c.code().to_lowercase()), Ok(c));
            assert_eq!(Currency::parse(c.label()), Ok(c));
            assert_eq!(c.minor_units(), 2);
            assert_eq!(
                serde_json::to_string(&c).expect("json"),
                format!("\"{}\"", c.code())
            );
        }
        assert_eq!(Currency::parse("pesos"), Ok(Currency::Cop));
        assert_eq!(Currency::parse(""), Err(CurrencyError::Required));
        assert!(matches!(
            Currency::parse("BTC"),
            Err(CurrencyError::UnknownCurrency { .. })
        ));
    }

    #[test]
    fn maximum_fits_numeric_17_2() {
        assert_eq!(MONEY_MAX, d("999999999999999.99"));
        assert!(Money::new(MONEY_MAX, Currency::Cop).is_ok());
        assert!(matches!(
            Money::new(d("1000000000000000"), Currency::Cop),
            Err(MoneyError::AboveMaximum { .. })
        ));
    }

    #[test]
    fn what_people_type() {
        assert_eq!(cop("1.000.000,50").amount(), d("1000000.5"));
        assert_eq!(cop("1000000.50").amount(), d("1000000.5"));
        assert_eq!(cop("1000000,5").amount(), d("1000000.5"));
        assert_eq!(cop("$ 1.000.000").amount(), d("1000000"));
        assert_eq!(cop("$1.000.000").amount(), d("1000000"));
        assert_eq!(cop("COP $ 1.000.000,00").amount(), d("1000000"));
        assert_eq!(cop("1.000.000 COP").amount(), d("1000000"));
        assert_eq!(cop("cop 10000").amount(), d("10000"));
        // The competitor's screen shows IVA "100,000": a thousands group, as money has 2 decimals.
        assert_eq!(cop("100,000").amount(), d("100000"));
        assert_eq!(cop("1,000,000.00").amount(), d("1000000"));
        assert_eq!(cop("0").amount(), d("0"));
    }

    #[test]
    fn decimals_beyond_minor_units_are_refused() {
        assert_eq!(
            Money::parse("1000,505", Currency::Cop),
            Err(MoneyError::TooManyDecimals {
                currency: Currency::Cop,
                max: 2,
                found: 3
            })
        );
        assert_eq!(cop("1000,50").amount(), d("1000.5"));
        assert_eq!(cop("100,500").amount(), d("100500")); // thousands shape: not 3 decimals
        assert_eq!(cop("1000,500").amount(), d("1000.5")); // not the shape: decimals, zeros dropped
        assert!(Money::new(d("0.001"), Currency::Usd).is_err());
        assert!(Money::new(d("0.010"), Currency::Usd).is_ok());
    }

    #[test]
    fn other_currencies_are_refused_not_ignored() {
        assert_eq!(
            Money::parse("USD 100", Currency::Cop),
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::Cop,
                found: Currency::Usd
            })
        );
        assert_eq!(
            Money::parse("€ 100", Currency::Cop),
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::Cop,
                found: Currency::Eur
            })
        );
        assert!(Money::parse("US$ 100", Currency::Usd).is_ok());
        assert!(Money::parse("$ 100", Currency::Usd).is_ok());
        assert_eq!(
            Money::parse("$ 100", Currency::Eur),
            Err(MoneyError::SymbolMismatch {
                expected: Currency::Eur,
                symbol: '$'
            })
        );
        assert!(Money::parse("€ 100,50", Currency::Eur).is_ok());
        let error = Money::parse("USD 1", Currency::Cop).expect_err("mismatch");
        assert_eq!(error.code(), "currency_mismatch");
        assert!(error.to_string().contains("COP"));
    }

    #[test]
    fn negatives_and_garbage() {
        assert_eq!(Money::parse("-5", Currency::Cop), Err(MoneyError::Negative));
        assert!(matches!(
            Money::parse("", Currency::Cop),
            Err(MoneyError::NotANumber(NumberError::Empty))
        ));
        assert!(matches!(
            Money::parse("mil", Currency::Cop),
            Err(MoneyError::NotANumber(_))
        ));
    }

    #[test]
    fn display_is_es_co() {
        assert_eq!(cop("1000000").to_string(), "COP $ 1.000.000,00");
        assert_eq!(cop("10000").to_string(), "COP $ 10.000,00");
        assert_eq!(Money::zero(Currency::Cop).to_string(), "COP $ 0,00");
        assert_eq!(
            Money::parse("1234,5", Currency::Eur)
                .expect("eur")
                .to_string(),
            "EUR € 1.234,50"
        );
    }

    #[test]
    fn arithmetic_is_exact_and_checked() {
        assert_eq!(cop("0,10").checked_add(cop("0,20")), Ok(cop("0,30")));
        assert_eq!(
            cop("1.100.000").checked_sub(cop("100.000")),
            Ok(cop("1.000.000"))
        );
        assert!(matches!(
            cop("1").checked_sub(cop("2")),
            Err(MoneyError::WouldBeNegative { .. })
        ));
        let max = Money::new(MONEY_MAX, Currency::Cop).expect("max");
        assert!(matches!(
            max.checked_add(cop("0,01")),
            Err(MoneyError::AboveMaximum { .. })
        ));
        assert_eq!(
            cop("1").checked_add(Money::zero(Currency::Usd)),
            Err(MoneyError::CurrencyMismatch {
                expected: Currency::Cop,
                found: Currency::Usd
            })
        );
    }

    #[test]
    fn serde_checks_the_amount() {
        let money = cop("1.000.000,5");
        let json = serde_json::to_string(&money).expect("json");
        assert_eq!(json, r#"{"amount":"1000000.5","currency":"COP"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).expect("back"), money);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1.005","currency":"COP"}"#).is_err());
        assert!(serde_json::from_str::<Money>(r#"{"amount":"-1","currency":"COP"}"#).is_err());
    }

    proptest! {
        #[test]
        fn display_parses_back(cents in 0i64..100_000_000_000_000_000) {
            let money = Money::new(Decimal::new(cents, 2), Currency::Cop).expect("in range");
            prop_assert_eq!(Money::parse(&money.to_string(), Currency::Cop), Ok(money));
            prop_assert_eq!(Money::parse(&money.format_amount(), Currency::Cop), Ok(money));
        }

        #[test]
        fn add_then_sub_is_identity(a in 0i64..1_000_000_000_000, b in 0i64..1_000_000_000_000) {
            let a = Money::new(Decimal::new(a, 2), Currency::Usd).expect("in range");
            let b = Money::new(Decimal::new(b, 2), Currency::Usd).expect("in range");
            prop_assert_eq!(a.checked_add(b).and_then(|sum| sum.checked_sub(b)), Ok(a));
        }
    }
}
