//! The cross-check of production and sales: a title holder's origin codes should not sell more of
//! a mineral in a month than the holder reported producing, beyond a tolerance. Finding it raises an
//! alert (`AlertKind::VentasSobreProduccion`), never a block: the reports and the sales may arrive
//! in any order, and an auditor judges.

use rust_decimal::Decimal;
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::number::format_es_co;
use crate::unit::Unit;

/// The share by which sales may pass reported production before an alert
/// (`VETA_PRODUCCION_TOLERANCIA`, default 0.05: 5 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductionTolerance(Decimal);

impl Default for ProductionTolerance {
    fn default() -> Self {
        Self(Decimal::new(5, 2))
    }
}

/// A tolerance outside 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("La tolerancia entre producción y ventas debe ser una fracción entre 0 y 1 (p. ej. 0.05).")]
pub struct ToleranceOutOfRange;

impl ErrorCode for ToleranceOutOfRange {
    fn code(&self) -> &'static str {
        "tolerance_out_of_range"
    }
}

impl ProductionTolerance {
    pub fn new(share: Decimal) -> Result<Self, ToleranceOutOfRange> {
        if (Decimal::ZERO..=Decimal::ONE).contains(&share) {
            Ok(Self(share))
        } else {
            Err(ToleranceOutOfRange)
        }
    }

    pub fn share(self) -> Decimal {
        self.0
    }
}

/// A month's figures of one holder and mineral, in the mineral's unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthFigures {
    /// The titles (códigos de expediente) the figures are about.
    pub titulos: Vec<String>,
    pub mineral: String,
    pub unit: Unit,
    pub year: i32,
    pub month: u8,
    /// Reported production: weights sent to PRODUCCION.
    pub produced: Decimal,
    /// Sold from the holder's production origin codes.
    pub sold: Decimal,
}

impl MonthFigures {
    /// The most that may be sold without an alert.
    pub fn allowed(&self, tolerance: ProductionTolerance) -> Decimal {
        self.produced
            .checked_mul(Decimal::ONE + tolerance.share())
            .unwrap_or(Decimal::MAX)
    }

    /// Whether sales passed production × (1 + tolerance).
    pub fn sales_exceed(&self, tolerance: ProductionTolerance) -> bool {
        self.sold > self.allowed(tolerance)
    }

    /// What the alert is about: `T14292011-003/ORO/2026-11` (several titles joined with `+`).
    pub fn subject(&self) -> String {
        format!(
            "{}/{}/{:04}-{:02}",
            self.titulos.join("+"),
            self.mineral,
            self.year,
            self.month
        )
    }

    /// The alert's text, with the figures.
    pub fn detail(&self, tolerance: ProductionTolerance) -> String {
        let figure = |value: Decimal| format_es_co(value, None);
        let percent = figure(tolerance.share() * Decimal::from(100));
        format!(
            "{titulos}: en {month:02}/{year} se vendieron {sold} {unit} de {mineral} de sus códigos \
             de origen, y la producción reportada (ambiente de producción) es {produced} {unit}; \
             con la tolerancia de {percent} % se admiten hasta {allowed} {unit}.",
            titulos = self.titulos.join(", "),
            month = self.month,
            year = self.year,
            sold = figure(self.sold),
            unit = self.unit.code(),
            mineral = self.mineral,
            produced = figure(self.produced),
            allowed = figure(self.allowed(tolerance)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(produced: i64, sold: i64) -> MonthFigures {
        MonthFigures {
            titulos: vec!["T14292011-003".to_owned()],
            mineral: "ORO".to_owned(),
            unit: Unit::Gram,
            year: 2026,
            month: 11,
            produced: Decimal::from(produced),
            sold: Decimal::from(sold),
        }
    }

    #[test]
    fn sales_may_pass_production_by_the_tolerance_only() {
        let tolerance = ProductionTolerance::default();
        assert!(!figures(1000, 1050).sales_exceed(tolerance));
        assert!(figures(1000, 1051).sales_exceed(tolerance));
        assert!(figures(0, 1).sales_exceed(tolerance));
        assert!(!figures(0, 0).sales_exceed(tolerance));
        assert_eq!(figures(1, 1).subject(), "T14292011-003/ORO/2026-11");
        let detail = figures(1000, 1200).detail(tolerance);
        assert!(
            detail.contains("se vendieron 1.200 g")
                && detail.contains("hasta 1.050 g")
                && detail.contains("tolerancia de 5 %"),
            "{detail}"
        );
        assert!(ProductionTolerance::new(Decimal::from(2)).is_err());
    }
}
