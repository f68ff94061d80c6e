//! Economic capacity of a mineral trader (*comercializador*) or processing plant (*planta de
//! beneficio*): the criteria of **Resolución ANM 1216 de 2025** (29 de abril de 2025; seed 004),
//! which a trader must meet to be registered or renewed in RUCOM, and which Veta checks when a
//! trader is registered and before it may buy.
//!
//! Why here: the rule decides who may buy minerals at all. Written once, with every figure a
//! [`Decimal`], every threshold a configurable parameter whose default is the norm's value, and an
//! explanation per criterion, so that the screen, the API and an auditor read the same verdict and
//! the same reasons.
//!
//! # What the resolution says, and how it is modelled
//!
//! - **Art. 2 — documents, "sin excepción"**: (a) the financial information, (b) a bank certificate
//!   of a current financial product. Both are a precondition of every route below, including the
//!   exemptions (the art. 3 parágrafo exempts from art. 3, not from art. 2).
//! - **Art. 3 — one of these requirements** (each is a *route*; one is enough):
//!   1. the financial indicators of art. 5 under the criteria of art. 6;
//!   2. a mining title registered in the trader's name in the Registro Minero Nacional;
//!   3. a risk rating **≥ B**, issued at most in the year before the application, by a rating
//!      agency supervised by the Superintendencia Financiera;
//!   4. purchases of the previous year (to 31 December) at least the volume of the table, per group:
//!
//!      | group | yearly volume |
//!      | --- | --- |
//!      | Carbón | 45.000 t |
//!      | Materiales de construcción | 30.000 m³ |
//!      | Minerales metálicos | 25.000 t |
//!      | Minerales no metálicos | 20.000 t |
//!
//!      The article's text says "igual o superior a los volúmenes relacionados a continuación" while
//!      the table's column says "Mayor a". The text is the operative rule, so the default is
//!      **≥** ([`VolumeComparison::AtLeast`]); [`PurchaseThresholds::comparison`] switches to
//!      strictly greater if the ANM reads it the other way. Groups not in the table (precious
//!      metals, precious stones) cannot use this route.
//!   - **Parágrafo — exemptions**: a *persona jurídica* in a reorganisation process under Ley 1116
//!     de 2006, or any trader with a re-profiling agreement (*acuerdo de reperfilamiento*) with a
//!     supervised financial entity, need not meet any of the four.
//! - **Art. 5 A / art. 6 num. 1 — not responsible for IVA**: the *indicador de cobertura de
//!   inversión* = (Ingresos del último año gravable × (1 + Capacidad de endeudamiento)) / Inversión
//!   de capital de trabajo en periodo de comercialización, **≥ 1**. The *capacidad de
//!   endeudamiento* starts at **15,7 %** and the ANM may change it. The income is that of the last 12
//!   months per a public accountant's certificate; the denominator is the estimated net operating
//!   working capital (KTNO) for the year of the application.
//! - **Art. 5 B / art. 6 num. 2–4 — responsible for IVA**, from the financial statements:
//!   - *Capital de trabajo* = (Activo corriente − Pasivo corriente) / Ingresos operacionales,
//!     **≥ 0,04** — a ratio to operating income, not an amount of pesos;
//!   - *Índice de liquidez* = Activo corriente / Pasivo corriente, **≥ 1,24**;
//!   - *Índice de endeudamiento* = Pasivo total / Activo total, **≤ 0,61**;
//!   - and at least **two of the three** must pass (art. 6, last paragraph).
//!
//! Figures are compared exactly as computed, never rounded first: 0,6100001 fails a maximum of
//! 0,61. A zero denominator is an error ([`CapacityError::DivisionByZero`]) rather than a failed or
//! a passed indicator, because it means the figures typed do not describe the statements (art. 4
//! parágrafo 1 rejects an application whose figures do not match its documents): the trader must
//! correct them. Art. 4 parágrafo 3 lets a trader present interim quarterly statements; that only
//! changes where the figures come from, not this evaluation.
//!
//! ```
//! use domain::economic_capacity::{
//!     evaluate, CapacityApplication, CapacityParameters, EstadosFinancieros,
//!     FinancialInformation, PersonKind,
//! };
//! use rust_decimal::Decimal;
//!
//! let application = CapacityApplication {
//!     financials: Some(FinancialInformation::ResponsableIva(EstadosFinancieros {
//!         activo_corriente: Decimal::new(124, 0),
//!         pasivo_corriente: Decimal::new(100, 0),
//!         ingresos_operacionales: Decimal::new(1_000, 0),
//!         pasivo_total: Decimal::new(70, 0),
//!         activo_total: Decimal::new(100, 0),
//!     })),
//!     bank_certification: true,
//!     ..CapacityApplication::new(PersonKind::Juridica, time::macros::date!(2025 - 05 - 20))
//! };
//! let result = evaluate(&application, &CapacityParameters::default())?;
//! // Liquidity 1,24 passes (exactly the minimum); working capital 24 / 1.000 = 0,024 < 0,04 and
//! // debt 0,70 > 0,61 fail: one of three, and no other route was presented.
//! assert!(!result.qualifies());
//! assert_eq!(result.criteria().len(), 9);
//! # Ok::<(), domain::economic_capacity::CapacityError>(())
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::mineral::MineralGroup;
use crate::unit::Unit;

mod application;
mod criteria;
pub mod draft;
mod evaluate;

pub use application::{
    CapacityApplication, CertificacionIngresos, EstadosFinancieros, Exemption,
    FinancialInformation, GroupVolume, PersonKind, RiskRating, RiskRatingCertificate,
    YearlyPurchases,
};
pub use criteria::{
    Criterion, CriterionResult, EvaluationResult, Figure, FinancialField, Indicator, Threshold,
};
pub use draft::{CapacityDraft, CapacitySubmission};
pub use evaluate::{CapacityError, evaluate};

/// The citation every criterion carries.
const NORM: &str = "Resolución ANM 1216 de 2025";

/// The thresholds of the resolution. `Default` is the norm as published; the ANM may change the
/// *capacidad de endeudamiento* (art. 5 A) and could change the others by a new resolution, so
/// they are configuration, not constants.
///
/// ```
/// use domain::economic_capacity::CapacityParameters;
/// use rust_decimal::Decimal;
///
/// let norm = CapacityParameters::default();
/// assert_eq!(norm.capacidad_endeudamiento, Decimal::new(157, 3)); // 15,7 %
/// assert_eq!(norm.min_liquidez, Decimal::new(124, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityParameters {
    /// Capacidad de endeudamiento as a fraction (0,157 = 15,7 %). Art. 5 lit. A.
    pub capacidad_endeudamiento: Decimal,
    /// Minimum *indicador de cobertura de inversión* (1). Art. 6 num. 1.
    pub min_cobertura_inversion: Decimal,
    /// Minimum *capital de trabajo* ratio (0,04). Art. 6 num. 2.
    pub min_capital_trabajo: Decimal,
    /// Minimum *índice de liquidez* (1,24). Art. 6 num. 3.
    pub min_liquidez: Decimal,
    /// Maximum *índice de endeudamiento* (0,61). Art. 6 num. 4.
    pub max_endeudamiento: Decimal,
    /// How many of the three IVA indicators must pass (2). Art. 6, last paragraph.
    pub min_indicadores_responsable_iva: u8,
    /// Lowest acceptable risk rating (B). Art. 3 num. 3.
    pub min_calificacion_riesgo: RiskRating,
    /// Yearly purchase volumes per mineral group. Art. 3 num. 4.
    pub compras_minimas: PurchaseThresholds,
}

impl Default for CapacityParameters {
    fn default() -> Self {
        CapacityParameters {
            capacidad_endeudamiento: Decimal::new(157, 3),
            min_cobertura_inversion: Decimal::ONE,
            min_capital_trabajo: Decimal::new(4, 2),
            min_liquidez: Decimal::new(124, 2),
            max_endeudamiento: Decimal::new(61, 2),
            min_indicadores_responsable_iva: 2,
            min_calificacion_riesgo: RiskRating::B,
            compras_minimas: PurchaseThresholds::default(),
        }
    }
}

impl CapacityParameters {
    /// Refuses parameters under which the rule means nothing (a negative threshold, "pass 4 of
    /// 3"): a misconfiguration must stop the evaluation, not approve or reject everyone silently.
    pub fn validate(&self) -> Result<(), CapacityError> {
        let non_negative = [
            ("capacidad de endeudamiento", self.capacidad_endeudamiento),
            (
                "cobertura de inversión mínima",
                self.min_cobertura_inversion,
            ),
            ("liquidez mínima", self.min_liquidez),
            ("endeudamiento máximo", self.max_endeudamiento),
            ("compras mínimas de carbón", self.compras_minimas.carbon_t),
            (
                "compras mínimas de materiales de construcción",
                self.compras_minimas.materiales_construccion_m3,
            ),
            (
                "compras mínimas de minerales metálicos",
                self.compras_minimas.minerales_metalicos_t,
            ),
            (
                "compras mínimas de minerales no metálicos",
                self.compras_minimas.minerales_no_metalicos_t,
            ),
        ];
        if let Some((parameter, _)) = non_negative
            .iter()
            .find(|(_, value)| value.is_sign_negative())
        {
            return Err(CapacityError::InvalidParameter { parameter });
        }
        if !(1..=3).contains(&self.min_indicadores_responsable_iva) {
            return Err(CapacityError::InvalidParameter {
                parameter: "número mínimo de indicadores (entre 1 y 3)",
            });
        }
        Ok(())
    }
}

/// Whether a yearly purchase volume must reach the table's figure or exceed it (see the module
/// documentation: the article's text and its table disagree).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VolumeComparison {
    /// "igual o superior" (the article's text). The default.
    AtLeast,
    /// "Mayor a" (the table's column).
    GreaterThan,
}

/// The art. 3 num. 4 table: minimum purchases of the previous year per mineral group. Each amount
/// is in the unit the table gives (t or m3); declared volumes are converted into it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseThresholds {
    /// Carbón: 45.000 t/año.
    pub carbon_t: Decimal,
    /// Materiales de construcción: 30.000 m³/año.
    pub materiales_construccion_m3: Decimal,
    /// Minerales metálicos: 25.000 t/año.
    pub minerales_metalicos_t: Decimal,
    /// Minerales no metálicos: 20.000 t/año.
    pub minerales_no_metalicos_t: Decimal,
    /// ≥ (default) or >.
    pub comparison: VolumeComparison,
}

impl Default for PurchaseThresholds {
    fn default() -> Self {
        PurchaseThresholds {
            carbon_t: Decimal::new(45_000, 0),
            materiales_construccion_m3: Decimal::new(30_000, 0),
            minerales_metalicos_t: Decimal::new(25_000, 0),
            minerales_no_metalicos_t: Decimal::new(20_000, 0),
            comparison: VolumeComparison::AtLeast,
        }
    }
}

impl PurchaseThresholds {
    /// The minimum yearly volume for `group` and its unit; `None` for the groups the table leaves
    /// out (precious metals and stones), which cannot qualify by volume.
    ///
    /// ```
    /// use domain::economic_capacity::PurchaseThresholds;
    /// use domain::{MineralGroup, Unit};
    /// use rust_decimal::Decimal;
    ///
    /// let table = PurchaseThresholds::default();
    /// assert_eq!(
    ///     table.for_group(MineralGroup::Carbon),
    ///     Some((Decimal::new(45_000, 0), Unit::Tonne)),
    /// );
    /// assert_eq!(table.for_group(MineralGroup::MetalesPreciosos), None);
    /// ```
    pub fn for_group(&self, group: MineralGroup) -> Option<(Decimal, Unit)> {
        match group {
            MineralGroup::Carbon => Some((self.carbon_t, Unit::Tonne)),
            MineralGroup::MaterialesConstruccion => {
                Some((self.materiales_construccion_m3, Unit::CubicMetre))
            }
            MineralGroup::MineralesMetalicos => Some((self.minerales_metalicos_t, Unit::Tonne)),
            MineralGroup::MineralesNoMetalicos => {
                Some((self.minerales_no_metalicos_t, Unit::Tonne))
            }
            MineralGroup::MetalesPreciosos | MineralGroup::PiedrasPreciosas => None,
        }
    }

    fn meets(&self, volume: Decimal, minimum: Decimal) -> bool {
        match self.comparison {
            VolumeComparison::AtLeast => volume >= minimum,
            VolumeComparison::GreaterThan => volume > minimum,
        }
    }
}

#[cfg(test)]
mod tests;
