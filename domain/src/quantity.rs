//! Quantities of mineral: exact decimals with at most four decimal places, never negative.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::number::{NumberError, canonical_string, format_es_co, parse_decimal};
use crate::unit::{Unit, UnitError};

/// Decimal places a quantity may carry: the PTM's (and Resolución 371 de 2024's) four.
pub const QUANTITY_MAX_DECIMALS: u32 = 4;

/// Largest quantity: 999 999 999 999,9999 of any unit, so that every quantity fits the store's
/// `NUMERIC(16,4)`. Colombia's yearly coal output (~60 million t) or gold output (~6·10⁷ g) are
/// orders of magnitude below it.
pub const QUANTITY_MAX: Decimal = Decimal::from_parts(1_874_919_423, 2_328_306, 0, false, 4);

/// A non-negative quantity with at most four decimals (a balance, an available amount).
///
/// More decimals are an error, never rounded: rounding would create or destroy mineral.
///
/// ```
/// use domain::Quantity;
/// let q = Quantity::parse("1.234,5").unwrap();
/// assert_eq!(q.to_string(), "1.234,5000");
/// assert_eq!(q.checked_add(Quantity::parse("0,5").unwrap()).unwrap(), Quantity::parse("1235").unwrap());
/// assert!(Quantity::parse("0,12345").is_err());
/// assert!(Quantity::parse("-1").is_err());
/// ```
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Quantity(Decimal);

/// A quantity in a sale line: strictly positive (a line of zero grams sells nothing).
///
/// ```
/// use domain::SaleQuantity;
/// assert_eq!(SaleQuantity::parse("10").unwrap().quantity().to_string(), "10,0000");
/// assert!(SaleQuantity::parse("0").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct SaleQuantity(Quantity);

/// Why a value is not a valid quantity, or an operation would make it invalid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("La cantidad no es un número válido: {0}")]
    NotANumber(#[from] NumberError),
    #[error(
        "La cantidad tiene {found} decimales; se admiten hasta {max}. Escríbala con {max} decimales o menos, sin redondear hacia arriba lo que no tiene."
    )]
    TooManyDecimals { max: u32, found: u32 },
    #[error("La cantidad no puede ser negativa.")]
    Negative,
    #[error("La cantidad debe ser mayor que cero.")]
    NotPositive,
    #[error("La cantidad supera el máximo admitido ({max}).")]
    AboveMaximum { max: Decimal },
    #[error("No se puede restar {subtrahend} de {minuend}: la cantidad quedaría negativa.")]
    WouldBeNegative {
        minuend: Decimal,
        subtrahend: Decimal,
    },
    #[error(transparent)]
    Unit(#[from] UnitError),
}

impl ErrorCode for QuantityError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotANumber(error) => error.code(),
            Self::TooManyDecimals { .. } => "quantity_too_many_decimals",
            Self::Negative => "quantity_negative",
            Self::NotPositive => "quantity_not_positive",
            Self::AboveMaximum { .. } => "quantity_above_maximum",
            Self::WouldBeNegative { .. } => "quantity_would_be_negative",
            Self::Unit(error) => error.code(),
        }
    }
}

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(Decimal::ZERO);

    /// Checks a decimal: at most four decimals (trailing zeros do not count), not negative, not
    /// above [`QUANTITY_MAX`].
    pub fn new(value: Decimal) -> Result<Self, QuantityError> {
        let normal = value.normalize();
        if normal.scale() > QUANTITY_MAX_DECIMALS {
            return Err(QuantityError::TooManyDecimals {
                max: QUANTITY_MAX_DECIMALS,
                found: normal.scale(),
            });
        }
        if normal.is_sign_negative() && !normal.is_zero() {
            return Err(QuantityError::Negative);
        }
        if normal > QUANTITY_MAX {
            return Err(QuantityError::AboveMaximum { max: QUANTITY_MAX });
        }
        let mut stored = normal;
        stored.set_sign_positive(true);
        Ok(Self(stored))
    }

    /// Parses a quantity as people type it (`1.234,5`, `1234,5`, `1234.5`; see [`crate::number`]).
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        Self::new(parse_decimal(input, QUANTITY_MAX_DECIMALS)?)
    }

    /// The exact value.
    pub fn value(self) -> Decimal {
        self.0
    }

    /// Whether it is zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// `self + other`, refusing to pass the maximum.
    pub fn checked_add(self, other: Quantity) -> Result<Quantity, QuantityError> {
        let sum = self
            .0
            .checked_add(other.0)
            .ok_or(QuantityError::AboveMaximum { max: QUANTITY_MAX })?;
        Self::new(sum)
    }

    /// `self - other`, refusing to go below zero (an oversell is refused, never clamped).
    pub fn checked_sub(self, other: Quantity) -> Result<Quantity, QuantityError> {
        if other.0 > self.0 {
            return Err(QuantityError::WouldBeNegative {
                minuend: self.0,
                subtrahend: other.0,
            });
        }
        Self::new(self.0 - other.0)
    }

    /// The same amount in another unit, when the conversion is exact and fits four decimals.
    pub fn convert(self, from: Unit, to: Unit) -> Result<Quantity, QuantityError> {
        Self::new(from.convert(self.0, to)?)
    }

    /// The canonical machine spelling (`1234.5`): what APIs and hashes use.
    pub fn to_canonical_string(self) -> String {
        canonical_string(self.0)
    }
}

/// Shown the Colombian way with four decimals, as the PTM shows quantities (`1.234,5000`): with
/// the decimals always present, the text can never be misread as thousands.
impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_es_co(self.0, Some(QUANTITY_MAX_DECIMALS)))
    }
}

impl TryFrom<Decimal> for Quantity {
    type Error = QuantityError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Quantity> for Decimal {
    fn from(quantity: Quantity) -> Self {
        quantity.0
    }
}

impl SaleQuantity {
    /// Checks a decimal as a [`Quantity`] that is also greater than zero.
    pub fn new(value: Decimal) -> Result<Self, QuantityError> {
        Self::try_from(Quantity::new(value)?)
    }

    /// Parses a quantity to sell as people type it.
    pub fn parse(input: &str) -> Result<Self, QuantityError> {
        Self::try_from(Quantity::parse(input)?)
    }

    /// The quantity.
    pub fn quantity(self) -> Quantity {
        self.0
    }

    /// The exact value.
    pub fn value(self) -> Decimal {
        self.0.0
    }
}

impl TryFrom<Quantity> for SaleQuantity {
    type Error = QuantityError;
    fn try_from(quantity: Quantity) -> Result<Self, Self::Error> {
        if quantity.is_zero() {
            Err(QuantityError::NotPositive)
        } else {
            Ok(Self(quantity))
        }
    }
}

impl TryFrom<Decimal> for SaleQuantity {
    type Error = QuantityError;
    fn try_from(value: Decimal) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<SaleQuantity> for Decimal {
    fn from(quantity: SaleQuantity) -> Self {
        quantity.value()
    }
}

impl From<SaleQuantity> for Quantity {
    fn from(quantity: SaleQuantity) -> Self {
        quantity.0
    }
}

impl fmt::Display for SaleQuantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).expect(text)
    }

    #[test]
    fn maximum_is_sixteen_digits_with_four_decimals() {
        assert_eq!(QUANTITY_MAX, d("999999999999.9999"));
        assert!(Quantity::new(QUANTITY_MAX).is_ok());
        assert_eq!(
            Quantity::new(d("1000000000000")),
            Err(QuantityError::AboveMaximum { max: QUANTITY_MAX })
        );
    }

    #[test]
    fn decimals_boundary() {
        assert_eq!(q("0,0001").value(), d("0.0001"));
        assert_eq!(q("1,12340").value(), d("1.1234"));
        assert_eq!(
            Quantity::parse("0,00001"),
            Err(QuantityError::TooManyDecimals { max: 4, found: 5 })
        );
        let error = Quantity::parse("1,23456").expect_err("five decimals");
        assert_eq!(error.code(), "quantity_too_many_decimals");
        assert!(error.to_string().contains("5 decimales"), "{error}");
    }

    #[test]
    fn people_spellings() {
        assert_eq!(q("1.234,5").value(), d("1234.5"));
        assert_eq!(q("1234,5").value(), d("1234.5"));
        assert_eq!(q("1234.5").value(), d("1234.5"));
        assert_eq!(q("191.0000").value(), d("191"));
        assert_eq!(q("10"), q("10,0000"));
        assert!(matches!(
            Quantity::parse("1.234"),
            Err(QuantityError::NotANumber(_))
        ));
    }

    #[test]
    fn signs() {
        assert_eq!(Quantity::parse("-0,5"), Err(QuantityError::Negative));
        assert_eq!(q("0"), Quantity::ZERO);
        assert_eq!(q("-0"), Quantity::ZERO);
        assert_eq!(SaleQuantity::parse("0"), Err(QuantityError::NotPositive));
        assert_eq!(
            SaleQuantity::parse("0,0000"),
            Err(QuantityError::NotPositive)
        );
        assert!(SaleQuantity::parse("0,0001").is_ok());
    }

    #[test]
    fn checked_arithmetic() {
        assert_eq!(q("191").checked_sub(q("10")), Ok(q("181")));
        assert_eq!(q("10").checked_sub(q("10")), Ok(Quantity::ZERO));
        assert_eq!(
            q("10").checked_sub(q("10,0001")),
            Err(QuantityError::WouldBeNegative {
                minuend: d("10"),
                subtrahend: d("10.0001")
            })
        );
        assert_eq!(
            Quantity::new(QUANTITY_MAX)
                .expect("max")
                .checked_add(q("0,0001")),
            Err(QuantityError::AboveMaximum { max: QUANTITY_MAX })
        );
    }

    #[test]
    fn conversion_keeps_four_decimals_or_refuses() {
        assert_eq!(q("1,5").convert(Unit::Kilogram, Unit::Gram), Ok(q("1500")));
        assert_eq!(q("5").convert(Unit::Carat, Unit::Gram), Ok(q("1")));
        // 1 ozt = 31,1034768 g: seven decimals, more than a quantity may carry.
        assert!(matches!(
            q("1").convert(Unit::TroyOunce, Unit::Gram),
            Err(QuantityError::TooManyDecimals { found: 7, .. })
        ));
        assert!(matches!(
            q("1").convert(Unit::CubicMetre, Unit::Gram),
            Err(QuantityError::Unit(_))
        ));
    }

    #[test]
    fn display_and_serde() {
        assert_eq!(q("1234567,5").to_string(), "1.234.567,5000");
        assert_eq!(q("1234567,5").to_canonical_string(), "1234567.5");
        let json = serde_json::to_string(&q("10,5")).expect("json");
        assert_eq!(json, "\"10.5\"");
        assert_eq!(
            serde_json::from_str::<Quantity>("\"10.50\"").expect("back"),
            q("10,5")
        );
        assert!(serde_json::from_str::<Quantity>("\"1.23456\"").is_err());
        assert!(serde_json::from_str::<SaleQuantity>("\"0\"").is_err());
    }

    proptest! {
        #[test]
        fn add_then_sub_is_identity(a in 0i64..500_000_000_000, b in 0i64..500_000_000_000, scale in 0u32..=4) {
            let a = Quantity::new(Decimal::new(a, scale)).expect("in range");
            let b = Quantity::new(Decimal::new(b, scale)).expect("in range");
            let sum = a.checked_add(b).expect("no overflow at these sizes");
            prop_assert_eq!(sum.checked_sub(b), Ok(a));
            prop_assert_eq!(sum.checked_sub(a), Ok(b));
        }

        #[test]
        fn display_parses_back(units in 0i64..1_000_000_000_000_000, scale in 0u32..=4) {
            if let Ok(quantity) = Quantity::new(Decimal::new(units, scale)) {
                prop_assert_eq!(Quantity::parse(&quantity.to_string()), Ok(quantity));
                // The machine spelling reads back exactly, or is refused as ambiguous (`1.234`).
                match Quantity::parse(&quantity.to_canonical_string()) {
                    Ok(read) => prop_assert_eq!(read, quantity),
                    Err(error) => prop_assert_eq!(error.code(), "number_ambiguous_separator"),
                }
            }
        }
    }
}
