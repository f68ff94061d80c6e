//! Units of measure for minerals, with exact conversions between mass units.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::{echo, fold};

/// What a unit measures. Mass and volume never convert into each other: that needs a density, which
/// depends on the material and its moisture, and is not the platform's to assume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Dimension {
    Mass,
    Volume,
}

/// The units minerals are traded in (those of `minerales.csv`, plus the troy ounce of the bullion
/// trade).
///
/// ```
/// use domain::Unit;
/// use rust_decimal::Decimal;
/// assert_eq!(Unit::parse("Kg").unwrap(), Unit::Kilogram);
/// assert_eq!(Unit::TroyOunce.convert(Decimal::ONE, Unit::Gram).unwrap(), Decimal::new(311034768, 7));
/// assert_eq!(Unit::Carat.convert(Decimal::from(5), Unit::Gram).unwrap(), Decimal::ONE);
/// assert!(Unit::CubicMetre.convert(Decimal::ONE, Unit::Tonne).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Unit {
    /// Gramo: gold, silver, platinum.
    #[serde(rename = "g")]
    Gram,
    /// Kilogramo: copper, zinc, lead (as the ANM reports them).
    #[serde(rename = "kg")]
    Kilogram,
    /// Tonelada métrica (1 000 kg): coal, nickel, limestone…
    #[serde(rename = "t")]
    Tonne,
    /// Onza troy, exactly 31,1034768 g (international yard and pound agreement, 1959). "oz" alone is
    /// read as troy: in the precious-metals trade no other ounce is used.
    #[serde(rename = "ozt")]
    TroyOunce,
    /// Metro cúbico: sand, gravel, construction materials.
    #[serde(rename = "m3")]
    CubicMetre,
    /// Quilate métrico, exactly 0,2 g (emeralds).
    #[serde(rename = "ct")]
    Carat,
}

/// Why a unit is unknown or a conversion impossible.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnitError {
    #[error("Seleccione la unidad (g, kg, t, ozt, m3 o ct).")]
    Required,
    #[error("La unidad «{value}» no existe; use g, kg, t, ozt (onza troy), m3 o ct (quilate).")]
    UnknownUnit { value: String },
    #[error("No se puede convertir de {from} ({}) a {to} ({}): son magnitudes distintas.", from.dimension_label(), to.dimension_label())]
    IncompatibleUnits { from: Unit, to: Unit },
    #[error("{mineral} se registra en {} ({}); la unidad {unit} mide {}. Use una unidad de {}.", mineral_unit.code(), mineral_unit.dimension_label(), unit.dimension_label(), mineral_unit.dimension_label())]
    MineralUnitMismatch {
        mineral: String,
        mineral_unit: Unit,
        unit: Unit,
    },
    #[error(
        "{amount} {from} no se puede expresar de forma exacta en {to}; registre la cantidad en {from}."
    )]
    InexactConversion {
        amount: Decimal,
        from: Unit,
        to: Unit,
    },
    #[error("{amount} {from} es demasiado grande para convertirlo a {to}.")]
    ConversionOverflow {
        amount: Decimal,
        from: Unit,
        to: Unit,
    },
}

impl ErrorCode for UnitError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "unit_required",
            Self::UnknownUnit { .. } => "unit_unknown",
            Self::IncompatibleUnits { .. } => "unit_incompatible",
            Self::MineralUnitMismatch { .. } => "unit_incompatible_with_mineral",
            Self::InexactConversion { .. } => "unit_conversion_inexact",
            Self::ConversionOverflow { .. } => "unit_conversion_overflow",
        }
    }
}

impl Unit {
    /// Every unit, in the order of the selector.
    pub const ALL: [Unit; 6] = [
        Self::Gram,
        Self::Kilogram,
        Self::Tonne,
        Self::TroyOunce,
        Self::CubicMetre,
        Self::Carat,
    ];

    /// Stable code for storage, the API and the TXT files (`g`, `kg`, `t`, `ozt`, `m3`, `ct`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Gram => "g",
            Self::Kilogram => "kg",
            Self::Tonne => "t",
            Self::TroyOunce => "ozt",
            Self::CubicMetre => "m3",
            Self::Carat => "ct",
        }
    }

    /// Spanish name, plural, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Gram => "gramos",
            Self::Kilogram => "kilogramos",
            Self::Tonne => "toneladas",
            Self::TroyOunce => "onzas troy",
            Self::CubicMetre => "metros cúbicos",
            Self::Carat => "quilates",
        }
    }

    /// What the unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Self::CubicMetre => Dimension::Volume,
            _ => Dimension::Mass,
        }
    }

    fn dimension_label(self) -> &'static str {
        match self.dimension() {
            Dimension::Mass => "masa",
            Dimension::Volume => "volumen",
        }
    }

    /// Grams in one unit, exactly, for mass units.
    pub fn grams_per_unit(self) -> Option<Decimal> {
        match self {
            Self::Gram => Some(Decimal::ONE),
            Self::Kilogram => Some(Decimal::from(1_000)),
            Self::Tonne => Some(Decimal::from(1_000_000)),
            Self::TroyOunce => Some(Decimal::new(311_034_768, 7)),
            Self::Carat => Some(Decimal::new(2, 1)),
            Self::CubicMetre => None,
        }
    }

    /// Reads a code or a common spelling (`g`, `gr`, `gramos`, `Kg`, `ton`, `oz`, `onza troy`,
    /// `m³`, `quilates`), ignoring case and accents.
    pub fn parse(input: &str) -> Result<Self, UnitError> {
        let key = fold(input);
        if key.is_empty() {
            return Err(UnitError::Required);
        }
        let unit = match key.as_str() {
            "g" | "gr" | "grs" | "gramo" | "gramos" => Self::Gram,
            "kg" | "kgs" | "kilo" | "kilos" | "kilogramo" | "kilogramos" => Self::Kilogram,
            "t" | "ton" | "tm" | "tonelada" | "toneladas" | "tonelada metrica"
            | "toneladas metricas" => Self::Tonne,
            "ozt" | "oz t" | "oz" | "oz troy" | "onza" | "onzas" | "onza troy" | "onzas troy" => {
                Self::TroyOunce
            }
            "m3" | "m³" | "metro cubico" | "metros cubicos" => Self::CubicMetre,
            "ct" | "qt" | "quilate" | "quilates" | "kilate" | "kilates" => Self::Carat,
            _ => return Err(UnitError::UnknownUnit { value: echo(input) }),
        };
        Ok(unit)
    }

    /// Converts `amount` of this unit into `to`, exactly: when the result would need more digits
    /// than a `Decimal` holds (1 g in troy ounces is periodic), it is refused, never rounded.
    pub fn convert(self, amount: Decimal, to: Unit) -> Result<Decimal, UnitError> {
        if self == to {
            return Ok(amount);
        }
        let (Some(from_g), Some(to_g)) = (self.grams_per_unit(), to.grams_per_unit()) else {
            return Err(UnitError::IncompatibleUnits { from: self, to });
        };
        let overflow = || UnitError::ConversionOverflow {
            amount,
            from: self,
            to,
        };
        let grams = amount.checked_mul(from_g).ok_or_else(overflow)?;
        let converted = grams.checked_div(to_g).ok_or_else(overflow)?;
        // Exact when converting back gives the same grams.
        if converted.checked_mul(to_g) != Some(grams) {
            return Err(UnitError::InexactConversion {
                amount,
                from: self,
                to,
            });
        }
        Ok(converted.normalize())
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for Unit {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
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

    #[test]
    fn codes_round_trip() {
        for unit in Unit::ALL {
            assert_eq!(Unit::parse(unit.code()), Ok(unit));
            assert_eq!(Unit::parse(unit.label()), Ok(unit));
            assert_eq!(
                serde_json::to_string(&unit).expect("json"),
                format!("\"{}\"", unit.code())
            );
        }
        assert_eq!(Unit::parse("m³"), Ok(Unit::CubicMetre));
        assert_eq!(Unit::parse("GR"), Ok(Unit::Gram));
        assert_eq!(Unit::parse(""), Err(UnitError::Required));
        assert!(matches!(
            Unit::parse("libras"),
            Err(UnitError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn exact_factors() {
        assert_eq!(
            Unit::TroyOunce.convert(d("1"), Unit::Gram),
            Ok(d("31.1034768"))
        );
        assert_eq!(Unit::Carat.convert(d("1"), Unit::Gram), Ok(d("0.2")));
        assert_eq!(Unit::Tonne.convert(d("1.5"), Unit::Kilogram), Ok(d("1500")));
        assert_eq!(
            Unit::Gram.convert(d("31.1034768"), Unit::TroyOunce),
            Ok(d("1"))
        );
        assert_eq!(Unit::Gram.convert(d("1"), Unit::Carat), Ok(d("5")));
        assert_eq!(Unit::Kilogram.convert(d("0.001"), Unit::Gram), Ok(d("1")));
    }

    #[test]
    fn inexact_conversions_are_refused_not_rounded() {
        assert_eq!(
            Unit::Gram.convert(d("1"), Unit::TroyOunce),
            Err(UnitError::InexactConversion {
                amount: d("1"),
                from: Unit::Gram,
                to: Unit::TroyOunce
            })
        );
    }

    #[test]
    fn volume_and_mass_do_not_mix() {
        let error = Unit::CubicMetre
            .convert(d("1"), Unit::Tonne)
            .expect_err("volume to mass");
        assert_eq!(
            error,
            UnitError::IncompatibleUnits {
                from: Unit::CubicMetre,
                to: Unit::Tonne
            }
        );
        assert!(error.to_string().contains("volumen") && error.to_string().contains("masa"));
        assert_eq!(
            Unit::CubicMetre.convert(d("2"), Unit::CubicMetre),
            Ok(d("2"))
        );
    }

    #[test]
    fn overflow_is_an_error() {
        let huge = Decimal::MAX;
        assert!(matches!(
            Unit::Tonne.convert(huge, Unit::Gram),
            Err(UnitError::ConversionOverflow { .. })
        ));
    }

    proptest! {
        /// Mass conversions that succeed are exact and reversible.
        #[test]
        fn conversions_round_trip(units in 0i64..1_000_000_000, scale in 0u32..=4, from in 0usize..6, to in 0usize..6) {
            let (from, to) = (Unit::ALL[from], Unit::ALL[to]);
            let amount = Decimal::new(units, scale);
            match from.convert(amount, to) {
                Ok(converted) => prop_assert_eq!(to.convert(converted, from), Ok(amount.normalize())),
                Err(UnitError::IncompatibleUnits { .. }) => prop_assert_ne!(from.dimension(), to.dimension()),
                Err(UnitError::InexactConversion { .. }) => {}
                Err(other) => prop_assert!(false, "unexpected {}", other),
            }
        }
    }
}
