//! *Registro de compra de minerales sin identificación de origen*: material whose mine cannot be
//! named (disused jewellery, scrap, stock from before the platform). The buyer declares where it
//! comes from and keeps the SHA-256 of the evidence; the mineral enters a balance of its own,
//! marked *sin origen identificado* (`OriginSource::SinOrigen`), never merged with origin-coded
//! balances; and each buyer may register at most a configurable mass a month.
//!
//! # Choices where the seeds are silent
//!
//! - The seller need not be registered on the platform (a person selling old jewellery is not):
//!   it is identified by document and name as typed, and no validation code is sent to it. The
//!   purchase is registered (posted) when the buyer submits it.
//! - The monthly limit is one figure of mass, in grams, per buyer and calendar month of the
//!   transaction date, over every mineral bought without identified origin
//!   ([`SinOrigenLimit`], default 1 000 g). Minerals measured by volume (sand and gravel, in m³)
//!   cannot be bought this way: there is no jewellery or scrap of them.
//!
//! ```
//! use domain::sin_origen::{check_month, SinOrigenLimit};
//! use domain::{Mineral, SaleQuantity};
//! use rust_decimal::Decimal;
//!
//! let gold = [(Mineral::resolve("ORO").unwrap(), SaleQuantity::parse("300").unwrap())];
//! let left = check_month(&SinOrigenLimit::default(), Decimal::from(600), &gold)?;
//! assert_eq!(left, Decimal::from(100));
//! assert!(check_month(&SinOrigenLimit::default(), Decimal::from(800), &gold).is_err());
//! # Ok::<(), domain::sin_origen::SinOrigenError>(())
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::mineral::Mineral;
use crate::number::format_es_co;
use crate::quantity::SaleQuantity;
use crate::unit::{Dimension, Unit};

/// Shortest declaration of where the material comes from: a sentence, not a word.
pub const DECLARATION_MIN_CHARS: usize = 20;
/// Longest declaration.
pub const DECLARATION_MAX_CHARS: usize = 2_000;

/// The most mass a buyer may register without identified origin in a calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinOrigenLimit {
    pub grams_per_month: Decimal,
}

impl Default for SinOrigenLimit {
    /// 1 000 g a month: the stock of a jeweller's counter, not a mine's output.
    fn default() -> Self {
        Self {
            grams_per_month: Decimal::from(1_000),
        }
    }
}

/// Why a purchase without identified origin is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SinOrigenError {
    #[error(
        "describa de dónde viene el material (entre {DECLARATION_MIN_CHARS} y {DECLARATION_MAX_CHARS} caracteres): joyas en desuso, chatarra, inventario anterior a la plataforma…"
    )]
    DeclarationLength,
    #[error("{mineral} se mide en volumen: no se puede comprar sin identificación de origen.")]
    NotMass { mineral: &'static str },
    #[error(
        "la compra suma {} g y supera el límite mensual de compras sin identificación de origen: límite {} g, registrado en el mes {} g, disponible {} g.",
        format_es_co(*requested, None), format_es_co(*limit, None), format_es_co(*bought, None), format_es_co(*available, None)
    )]
    ExceedsMonthlyLimit {
        limit: Decimal,
        bought: Decimal,
        available: Decimal,
        requested: Decimal,
    },
    #[error("las cantidades son demasiado grandes para calcular el límite.")]
    Overflow,
}

impl ErrorCode for SinOrigenError {
    fn code(&self) -> &'static str {
        match self {
            Self::DeclarationLength => "sin_origen_declaration_length",
            Self::NotMass { .. } => "sin_origen_not_mass",
            Self::ExceedsMonthlyLimit { .. } => "sin_origen_exceeds_monthly_limit",
            Self::Overflow => "sin_origen_overflow",
        }
    }
}

/// The declaration, trimmed, or why it is not one.
pub fn check_declaration(text: &str) -> Result<String, SinOrigenError> {
    let text = text.trim();
    let chars = text.chars().count();
    if (DECLARATION_MIN_CHARS..=DECLARATION_MAX_CHARS).contains(&chars) {
        Ok(text.to_owned())
    } else {
        Err(SinOrigenError::DeclarationLength)
    }
}

/// The grams a purchase's lines (mineral, quantity in the mineral's unit) add up to.
pub fn grams(lines: &[(Mineral, SaleQuantity)]) -> Result<Decimal, SinOrigenError> {
    lines
        .iter()
        .try_fold(Decimal::ZERO, |total, (mineral, quantity)| {
            let unit = mineral.unit();
            if unit.dimension() != Dimension::Mass {
                return Err(SinOrigenError::NotMass {
                    mineral: mineral.name(),
                });
            }
            let in_grams = unit
                .convert(quantity.value(), Unit::Gram)
                .map_err(|_| SinOrigenError::Overflow)?;
            total.checked_add(in_grams).ok_or(SinOrigenError::Overflow)
        })
}

/// Checks a purchase against the month's limit, given the grams the buyer already registered
/// without identified origin in the transaction's month; answers the grams left after it.
pub fn check_month(
    limit: &SinOrigenLimit,
    bought: Decimal,
    lines: &[(Mineral, SaleQuantity)],
) -> Result<Decimal, SinOrigenError> {
    let requested = grams(lines)?;
    let available = (limit.grams_per_month - bought).max(Decimal::ZERO);
    if requested > available {
        return Err(SinOrigenError::ExceedsMonthlyLimit {
            limit: limit.grams_per_month,
            bought,
            available,
            requested,
        });
    }
    Ok(available - requested)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line(mineral: &str, quantity: &str) -> (Mineral, SaleQuantity) {
        (
            Mineral::resolve(mineral).unwrap(),
            SaleQuantity::parse(quantity).unwrap(),
        )
    }

    #[test]
    fn the_limit_is_inclusive_and_names_the_figures() {
        let limit = SinOrigenLimit::default();
        let gold = [line("ORO", "400"), line("PLATA", "100")];
        assert_eq!(
            check_month(&limit, Decimal::from(500), &gold).unwrap(),
            Decimal::ZERO
        );
        let error = check_month(&limit, Decimal::from(501), &gold).unwrap_err();
        assert_eq!(error.code(), "sin_origen_exceeds_monthly_limit");
        assert!(error.to_string().contains("disponible 499 g"), "{error}");
        // Bought above a lowered limit leaves nothing, it does not owe.
        assert!(check_month(&limit, Decimal::from(2_000), &[line("ORO", "1")]).is_err());
    }

    #[test]
    fn volume_minerals_and_short_declarations_are_refused() {
        let sand = Mineral::all()
            .iter()
            .copied()
            .find(|m| m.unit().dimension() == Dimension::Volume)
            .unwrap();
        let lines = [(sand, SaleQuantity::parse("1").unwrap())];
        assert_eq!(grams(&lines).unwrap_err().code(), "sin_origen_not_mass");
        assert!(check_declaration("joyas").is_err());
        assert!(check_declaration("  Joyas en desuso compradas a particulares ").is_ok());
    }
}
