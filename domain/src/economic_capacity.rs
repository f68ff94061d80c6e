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

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::error_code::ErrorCode;
use crate::mineral::MineralGroup;
use crate::number::format_es_co;
use crate::unit::{Unit, UnitError};

pub mod draft;
pub use draft::{CapacityDraft, CapacitySubmission};

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

/// A long-term risk rating on the scale Colombian rating agencies publish (AAA … D, with `+`/`-`
/// modifiers from AA to B; `E` where an agency uses it for "insufficient information"). Ordered
/// from worst to best, so `rating >= RiskRating::B` is the art. 3 num. 3 test. `B-` is below `B`.
///
/// ```
/// use domain::economic_capacity::RiskRating;
///
/// let rating: RiskRating = "BB+".parse()?;
/// assert!(rating >= RiskRating::B);
/// assert!("B-".parse::<RiskRating>()? < RiskRating::B);
/// assert_eq!(rating.to_string(), "BB+");
/// # Ok::<(), domain::economic_capacity::CapacityError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum RiskRating {
    /// E — insufficient information (some agencies).
    E,
    /// D — default.
    D,
    /// C.
    C,
    /// CC.
    Cc,
    /// CCC.
    Ccc,
    /// B-.
    BMinus,
    /// B.
    B,
    /// B+.
    BPlus,
    /// BB-.
    BbMinus,
    /// BB.
    Bb,
    /// BB+.
    BbPlus,
    /// BBB-.
    BbbMinus,
    /// BBB.
    Bbb,
    /// BBB+.
    BbbPlus,
    /// A-.
    AMinus,
    /// A.
    A,
    /// A+.
    APlus,
    /// AA-.
    AaMinus,
    /// AA.
    Aa,
    /// AA+.
    AaPlus,
    /// AAA.
    Aaa,
}

impl RiskRating {
    /// Every rating, worst first.
    pub const ALL: [RiskRating; 21] = [
        RiskRating::E,
        RiskRating::D,
        RiskRating::C,
        RiskRating::Cc,
        RiskRating::Ccc,
        RiskRating::BMinus,
        RiskRating::B,
        RiskRating::BPlus,
        RiskRating::BbMinus,
        RiskRating::Bb,
        RiskRating::BbPlus,
        RiskRating::BbbMinus,
        RiskRating::Bbb,
        RiskRating::BbbPlus,
        RiskRating::AMinus,
        RiskRating::A,
        RiskRating::APlus,
        RiskRating::AaMinus,
        RiskRating::Aa,
        RiskRating::AaPlus,
        RiskRating::Aaa,
    ];

    /// The rating as agencies write it.
    pub const fn as_str(self) -> &'static str {
        match self {
            RiskRating::E => "E",
            RiskRating::D => "D",
            RiskRating::C => "C",
            RiskRating::Cc => "CC",
            RiskRating::Ccc => "CCC",
            RiskRating::BMinus => "B-",
            RiskRating::B => "B",
            RiskRating::BPlus => "B+",
            RiskRating::BbMinus => "BB-",
            RiskRating::Bb => "BB",
            RiskRating::BbPlus => "BB+",
            RiskRating::BbbMinus => "BBB-",
            RiskRating::Bbb => "BBB",
            RiskRating::BbbPlus => "BBB+",
            RiskRating::AMinus => "A-",
            RiskRating::A => "A",
            RiskRating::APlus => "A+",
            RiskRating::AaMinus => "AA-",
            RiskRating::Aa => "AA",
            RiskRating::AaPlus => "AA+",
            RiskRating::Aaa => "AAA",
        }
    }
}

impl fmt::Display for RiskRating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RiskRating {
    type Err = CapacityError;

    /// Case and surrounding spaces are ignored (`" bb+ "` is BB+); the symbols must be the
    /// agency's (`+`, `-`).
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let wanted = input.trim().to_ascii_uppercase();
        RiskRating::ALL
            .into_iter()
            .find(|rating| rating.as_str() == wanted)
            .ok_or_else(|| CapacityError::UnknownRiskRating {
                input: crate::text::echo(input),
            })
    }
}

impl TryFrom<String> for RiskRating {
    type Error = CapacityError;

    fn try_from(input: String) -> Result<Self, Self::Error> {
        input.parse()
    }
}

impl From<RiskRating> for String {
    fn from(rating: RiskRating) -> Self {
        rating.as_str().to_owned()
    }
}

/// Natural or legal person: the reorganisation exemption is for *personas jurídicas* only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PersonKind {
    /// Persona natural.
    Natural,
    /// Persona jurídica.
    Juridica,
}

/// Art. 5 lit. A, for traders *not* responsible for IVA: the income certificate (art. 4 A.1) and
/// the figures typed in RUCOM (art. 4 A.2). Amounts in pesos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificacionIngresos {
    /// *Ingresos del último año gravable*: income of the last 12 months, per the certificate of a
    /// public accountant with professional card.
    pub ingresos_ultimo_ano_gravable: Decimal,
    /// *Inversión de capital de trabajo en periodo de comercialización*: the estimated net
    /// operating working capital (KTNO) — receivables, inventories, payables and the expected
    /// trade — for the year of the application.
    pub inversion_capital_trabajo: Decimal,
}

impl CertificacionIngresos {
    /// Ingresos × (1 + capacidad de endeudamiento) / Inversión de capital de trabajo. Art. 5 lit. A
    /// num. 1.
    ///
    /// ```
    /// use domain::economic_capacity::CertificacionIngresos;
    /// use rust_decimal::Decimal;
    ///
    /// let figures = CertificacionIngresos {
    ///     ingresos_ultimo_ano_gravable: Decimal::new(1_000, 0),
    ///     inversion_capital_trabajo: Decimal::new(1_157, 0),
    /// };
    /// assert_eq!(figures.cobertura_inversion(Decimal::new(157, 3))?, Decimal::ONE);
    /// # Ok::<(), domain::economic_capacity::CapacityError>(())
    /// ```
    pub fn cobertura_inversion(
        &self,
        capacidad_endeudamiento: Decimal,
    ) -> Result<Decimal, CapacityError> {
        let indicator = Indicator::CoberturaInversion;
        non_negative(
            FinancialField::IngresosUltimoAnoGravable,
            self.ingresos_ultimo_ano_gravable,
        )?;
        non_negative(
            FinancialField::InversionCapitalTrabajo,
            self.inversion_capital_trabajo,
        )?;
        let factor = Decimal::ONE
            .checked_add(capacidad_endeudamiento)
            .ok_or(CapacityError::Overflow { indicator })?;
        let numerator = self
            .ingresos_ultimo_ano_gravable
            .checked_mul(factor)
            .ok_or(CapacityError::Overflow { indicator })?;
        ratio(indicator, numerator, self.inversion_capital_trabajo)
    }
}

/// Art. 5 lit. B, for traders responsible for IVA: figures from the financial statements
/// (art. 4 B.1). Amounts in pesos.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstadosFinancieros {
    /// Activo corriente.
    pub activo_corriente: Decimal,
    /// Pasivo corriente.
    pub pasivo_corriente: Decimal,
    /// Ingresos operacionales.
    pub ingresos_operacionales: Decimal,
    /// Pasivo total.
    pub pasivo_total: Decimal,
    /// Activo total.
    pub activo_total: Decimal,
}

impl EstadosFinancieros {
    /// Activo corriente / Pasivo corriente. Art. 5 lit. B num. 1.
    ///
    /// ```
    /// use domain::economic_capacity::EstadosFinancieros;
    /// use rust_decimal::Decimal;
    ///
    /// let statements = EstadosFinancieros {
    ///     activo_corriente: Decimal::new(248, 0),
    ///     pasivo_corriente: Decimal::new(200, 0),
    ///     ingresos_operacionales: Decimal::new(1_000, 0),
    ///     pasivo_total: Decimal::new(300, 0),
    ///     activo_total: Decimal::new(500, 0),
    /// };
    /// assert_eq!(statements.liquidez()?, Decimal::new(124, 2));
    /// assert_eq!(statements.capital_trabajo()?, Decimal::new(48, 3));
    /// assert_eq!(statements.endeudamiento()?, Decimal::new(6, 1));
    /// # Ok::<(), domain::economic_capacity::CapacityError>(())
    /// ```
    pub fn liquidez(&self) -> Result<Decimal, CapacityError> {
        self.check_signs()?;
        ratio(
            Indicator::Liquidez,
            self.activo_corriente,
            self.pasivo_corriente,
        )
    }

    /// (Activo corriente − Pasivo corriente) / Ingresos operacionales. Art. 5 lit. B num. 2. May
    /// be negative (current liabilities above current assets).
    pub fn capital_trabajo(&self) -> Result<Decimal, CapacityError> {
        self.check_signs()?;
        let indicator = Indicator::CapitalTrabajo;
        let numerator = self
            .activo_corriente
            .checked_sub(self.pasivo_corriente)
            .ok_or(CapacityError::Overflow { indicator })?;
        ratio(indicator, numerator, self.ingresos_operacionales)
    }

    /// Pasivo total / Activo total. Art. 5 lit. B num. 3.
    pub fn endeudamiento(&self) -> Result<Decimal, CapacityError> {
        self.check_signs()?;
        ratio(
            Indicator::Endeudamiento,
            self.pasivo_total,
            self.activo_total,
        )
    }

    fn check_signs(&self) -> Result<(), CapacityError> {
        non_negative(FinancialField::ActivoCorriente, self.activo_corriente)?;
        non_negative(FinancialField::PasivoCorriente, self.pasivo_corriente)?;
        non_negative(
            FinancialField::IngresosOperacionales,
            self.ingresos_operacionales,
        )?;
        non_negative(FinancialField::PasivoTotal, self.pasivo_total)?;
        non_negative(FinancialField::ActivoTotal, self.activo_total)
    }
}

/// The financial information of art. 4, whose shape depends on the IVA regime (Ley 2010 de 2019
/// replaced "régimen común/simplificado" by responsible / not responsible for IVA).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "regimen", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinancialInformation {
    /// Not responsible for IVA: the investment-coverage indicator applies.
    NoResponsableIva(CertificacionIngresos),
    /// Responsible for IVA: working capital, liquidity and debt, two of three.
    ResponsableIva(EstadosFinancieros),
}

/// A risk rating certificate (art. 3 num. 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskRatingCertificate {
    /// The rating.
    pub rating: RiskRating,
    /// When it was issued: at most in the year before the application.
    pub issued_on: Date,
}

/// Purchases of one mineral group in the previous year. Converted exactly into the unit of the
/// art. 3 num. 4 table for the group (t or m3; see [`PurchaseThresholds::for_group`]): coal
/// declared in kg counts, sand declared in t does not convert (mass is not volume) and is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupVolume {
    /// The mineral group.
    pub group: MineralGroup,
    /// The volume bought.
    pub volume: Decimal,
    /// Its unit.
    pub unit: Unit,
}

/// The legal representative's certificate of the previous year's purchases (art. 3 num. 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearlyPurchases {
    /// The calendar year the purchases cover (to 31 December); must be the year before the
    /// application.
    pub year: i32,
    /// Volumes per group; several entries of one group are added up.
    pub volumes: Vec<GroupVolume>,
}

/// The exemptions of the art. 3 parágrafo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Exemption {
    /// A reorganisation process under Ley 1116 de 2006, with the Superintendencia de Sociedades'
    /// decision accepting it. *Personas jurídicas* only.
    ReorganizacionLey1116,
    /// A re-profiling agreement with a financial entity supervised by the Superintendencia
    /// Financiera or de Economía Solidaria, certified by the entity.
    ReperfilamientoObligaciones,
}

impl Exemption {
    /// The Spanish name.
    pub const fn label(self) -> &'static str {
        match self {
            Exemption::ReorganizacionLey1116 => "proceso de reorganización (Ley 1116 de 2006)",
            Exemption::ReperfilamientoObligaciones => "acuerdo de reperfilamiento de obligaciones",
        }
    }
}

/// What a trader presents to show economic capacity.
///
/// ```
/// use domain::economic_capacity::{CapacityApplication, PersonKind};
///
/// let nothing_yet = CapacityApplication::new(
///     PersonKind::Natural,
///     time::macros::date!(2025 - 06 - 01),
/// );
/// assert!(nothing_yet.financials.is_none());
/// assert!(!nothing_yet.bank_certification);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityApplication {
    /// Natural or legal person.
    pub person: PersonKind,
    /// The day the application (registration or renewal) is filed: the rating and purchases
    /// windows count from its year. Passed in: the domain has no clock.
    pub application_date: Date,
    /// Art. 2 lit. a and art. 4: the financial information, by IVA regime.
    pub financials: Option<FinancialInformation>,
    /// Art. 2 lit. b: a bank certificate of a current financial product was attached.
    pub bank_certification: bool,
    /// Art. 3 num. 2: a mining title registered in the applicant's name in the Registro Minero
    /// Nacional (the ANM checks it against the Catastro Minero).
    pub mining_title_registered: bool,
    /// Art. 3 num. 3.
    pub risk_rating: Option<RiskRatingCertificate>,
    /// Art. 3 num. 4.
    pub yearly_purchases: Option<YearlyPurchases>,
    /// Art. 3 parágrafo.
    pub exemption: Option<Exemption>,
}

impl CapacityApplication {
    /// An application with nothing presented yet; fill the fields that apply.
    pub const fn new(person: PersonKind, application_date: Date) -> Self {
        CapacityApplication {
            person,
            application_date,
            financials: None,
            bank_certification: false,
            mining_title_registered: false,
            risk_rating: None,
            yearly_purchases: None,
            exemption: None,
        }
    }
}

/// The four financial indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indicator {
    /// Indicador de cobertura de inversión (no responsables de IVA).
    CoberturaInversion,
    /// Capital de trabajo (responsables de IVA).
    CapitalTrabajo,
    /// Índice de liquidez (responsables de IVA).
    Liquidez,
    /// Índice de endeudamiento (responsables de IVA).
    Endeudamiento,
}

impl Indicator {
    /// The Spanish name, as the resolution writes it.
    pub const fn label(self) -> &'static str {
        match self {
            Indicator::CoberturaInversion => "Indicador de cobertura de inversión",
            Indicator::CapitalTrabajo => "Capital de trabajo",
            Indicator::Liquidez => "Índice de liquidez",
            Indicator::Endeudamiento => "Índice de endeudamiento",
        }
    }

    /// Where the formula and the threshold are.
    pub const fn article(self) -> &'static str {
        match self {
            Indicator::CoberturaInversion => "art. 5 lit. A num. 1 y art. 6 num. 1",
            Indicator::CapitalTrabajo => "art. 5 lit. B num. 2 y art. 6 num. 2",
            Indicator::Liquidez => "art. 5 lit. B num. 1 y art. 6 num. 3",
            Indicator::Endeudamiento => "art. 5 lit. B num. 3 y art. 6 num. 4",
        }
    }
}

impl Indicator {
    /// The formula, as the resolution writes it (art. 5).
    pub const fn formula(self) -> &'static str {
        match self {
            Indicator::CoberturaInversion => {
                "(Ingresos del último año gravable × (1 + Capacidad de endeudamiento)) / \
                 Inversión de capital de trabajo en periodo de comercialización"
            }
            Indicator::CapitalTrabajo => {
                "(Activo corriente − Pasivo corriente) / Ingresos operacionales"
            }
            Indicator::Liquidez => "Activo corriente / Pasivo corriente",
            Indicator::Endeudamiento => "Pasivo total / Activo total",
        }
    }
}

impl Criterion {
    /// What the criterion asks, in one sentence for the trader (Spanish).
    pub const fn explanation(self) -> &'static str {
        match self {
            Criterion::DocumentosObligatorios => {
                "Sin excepción: la información financiera (estados financieros o certificado de \
                 ingresos) y una certificación bancaria de un producto financiero vigente."
            }
            Criterion::Indicador(Indicator::CoberturaInversion) => {
                "Para quien no es responsable de IVA: los ingresos del último año, aumentados en \
                 la capacidad de endeudamiento (15,7 %), deben cubrir la inversión de capital de \
                 trabajo estimada para el año."
            }
            Criterion::Indicador(Indicator::CapitalTrabajo) => {
                "El capital de trabajo neto debe ser al menos el 4 % de los ingresos operacionales."
            }
            Criterion::Indicador(Indicator::Liquidez) => {
                "Los activos corrientes deben cubrir al menos 1,24 veces los pasivos corrientes."
            }
            Criterion::Indicador(Indicator::Endeudamiento) => {
                "Los pasivos no pueden superar el 61 % de los activos."
            }
            Criterion::IndicadoresFinancieros => {
                "Responsables de IVA: al menos 2 de los 3 indicadores (capital de trabajo, \
                 liquidez, endeudamiento). No responsables: el indicador de cobertura de inversión."
            }
            Criterion::TituloMinero => {
                "Alternativa: un título minero inscrito a su nombre en el Registro Minero Nacional."
            }
            Criterion::CalificacionRiesgo => {
                "Alternativa: una calificación de riesgos igual o superior a B, expedida como \
                 máximo el año anterior por una calificadora vigilada por la Superintendencia \
                 Financiera."
            }
            Criterion::VolumenCompras(_) => {
                "Alternativa: compras del año anterior iguales o superiores a 45.000 t de carbón, \
                 30.000 m3 de materiales de construcción, 25.000 t de minerales metálicos o \
                 20.000 t de minerales no metálicos."
            }
            Criterion::Exencion => {
                "Exención: persona jurídica en proceso de reorganización (Ley 1116 de 2006) o con \
                 acuerdo de reperfilamiento de obligaciones con una entidad vigilada."
            }
        }
    }

    /// The formula, for the indicators.
    pub const fn formula(self) -> Option<&'static str> {
        match self {
            Criterion::Indicador(indicator) => Some(indicator.formula()),
            _ => None,
        }
    }
}

impl fmt::Display for Indicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The figures that must not be negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinancialField {
    /// Ingresos del último año gravable.
    IngresosUltimoAnoGravable,
    /// Inversión de capital de trabajo en periodo de comercialización.
    InversionCapitalTrabajo,
    /// Activo corriente.
    ActivoCorriente,
    /// Pasivo corriente.
    PasivoCorriente,
    /// Ingresos operacionales.
    IngresosOperacionales,
    /// Pasivo total.
    PasivoTotal,
    /// Activo total.
    ActivoTotal,
    /// A yearly purchase volume.
    VolumenCompras,
}

impl FinancialField {
    /// The Spanish name.
    pub const fn label(self) -> &'static str {
        match self {
            FinancialField::IngresosUltimoAnoGravable => "Ingresos del último año gravable",
            FinancialField::InversionCapitalTrabajo => {
                "Inversión de capital de trabajo en periodo de comercialización"
            }
            FinancialField::ActivoCorriente => "Activo corriente",
            FinancialField::PasivoCorriente => "Pasivo corriente",
            FinancialField::IngresosOperacionales => "Ingresos operacionales",
            FinancialField::PasivoTotal => "Pasivo total",
            FinancialField::ActivoTotal => "Activo total",
            FinancialField::VolumenCompras => "Volumen de compras del año anterior",
        }
    }
}

impl fmt::Display for FinancialField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What one line of the verdict is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(
    tag = "criterio",
    content = "detalle",
    rename_all = "SCREAMING_SNAKE_CASE"
)]
pub enum Criterion {
    /// Art. 2: financial information and bank certificate. Required on every route.
    DocumentosObligatorios,
    /// One financial indicator (a detail of [`Criterion::IndicadoresFinancieros`]).
    Indicador(Indicator),
    /// Route 1 (art. 3 num. 1): the indicators, per the regime.
    IndicadoresFinancieros,
    /// Route 2 (art. 3 num. 2): a registered mining title.
    TituloMinero,
    /// Route 3 (art. 3 num. 3): a risk rating.
    CalificacionRiesgo,
    /// Route 4 (art. 3 num. 4): purchases of a group in the previous year (`None`: none declared).
    VolumenCompras(Option<MineralGroup>),
    /// Art. 3 parágrafo: exempt from the four routes.
    Exencion,
}

impl Criterion {
    /// The Spanish name of the criterion.
    pub fn name(self) -> String {
        match self {
            Criterion::DocumentosObligatorios => {
                "Documentos obligatorios (información financiera y certificación bancaria)"
                    .to_owned()
            }
            Criterion::Indicador(indicator) => indicator.label().to_owned(),
            Criterion::IndicadoresFinancieros => "Indicadores financieros".to_owned(),
            Criterion::TituloMinero => {
                "Título minero inscrito en el Registro Minero Nacional".to_owned()
            }
            Criterion::CalificacionRiesgo => "Calificación de riesgos".to_owned(),
            Criterion::VolumenCompras(Some(group)) => {
                format!("Compras del año anterior ({})", group.label())
            }
            Criterion::VolumenCompras(None) => "Compras del año anterior".to_owned(),
            Criterion::Exencion => "Exención del artículo 3 (parágrafo)".to_owned(),
        }
    }

    /// The article of Resolución ANM 1216 de 2025 it comes from.
    pub const fn article(self) -> &'static str {
        match self {
            Criterion::DocumentosObligatorios => "art. 2",
            Criterion::Indicador(indicator) => indicator.article(),
            Criterion::IndicadoresFinancieros => "art. 3 num. 1, art. 5 y art. 6",
            Criterion::TituloMinero => "art. 3 num. 2",
            Criterion::CalificacionRiesgo => "art. 3 num. 3",
            Criterion::VolumenCompras(_) => "art. 3 num. 4",
            Criterion::Exencion => "art. 3 parágrafo",
        }
    }

    /// One of the alternative ways of art. 3 (or its exemption): one that passes is enough.
    pub const fn is_route(self) -> bool {
        matches!(
            self,
            Criterion::IndicadoresFinancieros
                | Criterion::TituloMinero
                | Criterion::CalificacionRiesgo
                | Criterion::VolumenCompras(_)
                | Criterion::Exencion
        )
    }
}

/// The computed or declared figure of a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", content = "valor", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Figure {
    /// An indicator, exactly as computed (not rounded).
    Ratio(Decimal),
    /// How many indicators passed, of how many.
    Count {
        /// Passed.
        passed: u8,
        /// Evaluated.
        of: u8,
    },
    /// A risk rating.
    Rating(RiskRating),
    /// A yearly volume.
    Volume {
        /// The volume.
        volume: Decimal,
        /// Its unit.
        unit: Unit,
    },
    /// A fact presented or not (a document, a title, an exemption).
    Fact(bool),
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Figure::Ratio(value) => f.write_str(&show_ratio(*value)),
            Figure::Count { passed, of } => write!(f, "{passed} de {of}"),
            Figure::Rating(rating) => write!(f, "{rating}"),
            Figure::Volume { volume, unit } => {
                write!(f, "{} {unit}", format_es_co(*volume, None))
            }
            Figure::Fact(true) => f.write_str("sí"),
            Figure::Fact(false) => f.write_str("no"),
        }
    }
}

/// What a criterion's figure must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tipo", content = "valor", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Threshold {
    /// Greater than or equal to.
    AtLeast(Decimal),
    /// Less than or equal to.
    AtMost(Decimal),
    /// At least this volume (or more than it, per [`VolumeComparison`]).
    Volume {
        /// The table's volume.
        minimum: Decimal,
        /// Its unit.
        unit: Unit,
        /// ≥ or >.
        comparison: VolumeComparison,
    },
    /// At least this many indicators.
    CountAtLeast(u8),
    /// At least this rating.
    RatingAtLeast(RiskRating),
    /// The fact must hold.
    Required,
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Threshold::AtLeast(value) => write!(f, "≥ {}", show_ratio(*value)),
            Threshold::AtMost(value) => write!(f, "≤ {}", show_ratio(*value)),
            Threshold::Volume {
                minimum,
                unit,
                comparison,
            } => {
                let sign = match comparison {
                    VolumeComparison::AtLeast => "≥",
                    VolumeComparison::GreaterThan => ">",
                };
                write!(f, "{sign} {} {unit}", format_es_co(*minimum, None))
            }
            Threshold::CountAtLeast(count) => write!(f, "al menos {count}"),
            Threshold::RatingAtLeast(rating) => write!(f, "≥ {rating}"),
            Threshold::Required => f.write_str("requerido"),
        }
    }
}

/// Ratios are shown with at most 8 decimals, enough for 0,6100001 not to read as 0,61.
fn show_ratio(value: Decimal) -> String {
    format_es_co(value.round_dp(8), None)
}

/// One line of the verdict: what was checked, the figure, the threshold, the outcome, the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// What was checked.
    pub criterion: Criterion,
    /// The figure computed or declared; `None` when nothing was presented.
    pub figure: Option<Figure>,
    /// The threshold; `None` when the criterion cannot apply (a group the table leaves out).
    pub threshold: Option<Threshold>,
    /// Whether it passed.
    pub passed: bool,
    /// Why, when the figure and the threshold do not say it (in Spanish).
    pub note: Option<String>,
}

impl CriterionResult {
    /// The Spanish name of the criterion.
    pub fn name(&self) -> String {
        self.criterion.name()
    }

    /// The citation, e.g. "Resolución ANM 1216 de 2025, art. 3 num. 2".
    pub fn article(&self) -> String {
        format!("{NORM}, {}", self.criterion.article())
    }
}

impl fmt::Display for CriterionResult {
    /// `Índice de liquidez: 1,3 (≥ 1,24) — cumple. Resolución ANM 1216 de 2025, art. 5 …`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.name())?;
        match &self.figure {
            Some(figure) => write!(f, "{figure}")?,
            None => f.write_str("no presentado")?,
        }
        if let Some(threshold) = &self.threshold {
            write!(f, " ({threshold})")?;
        }
        f.write_str(if self.passed {
            " — cumple."
        } else {
            " — no cumple."
        })?;
        if let Some(note) = &self.note {
            write!(f, " {note}")?;
        }
        write!(f, " {}.", self.article())
    }
}

/// The verdict: whether the trader has economic capacity, and every criterion with its reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvaluationResult {
    qualifies: bool,
    criteria: Vec<CriterionResult>,
}

impl EvaluationResult {
    /// Art. 2 documents present, and at least one art. 3 route (or its exemption) passed.
    pub const fn qualifies(&self) -> bool {
        self.qualifies
    }

    /// Every criterion evaluated, in the order of the resolution.
    pub fn criteria(&self) -> &[CriterionResult] {
        &self.criteria
    }

    /// The routes that passed (empty when the trader does not qualify by any).
    pub fn passed_routes(&self) -> impl Iterator<Item = &CriterionResult> {
        self.criteria
            .iter()
            .filter(|result| result.criterion.is_route() && result.passed)
    }

    /// The line for `criterion`, if it was evaluated.
    pub fn get(&self, criterion: Criterion) -> Option<&CriterionResult> {
        self.criteria
            .iter()
            .find(|result| result.criterion == criterion)
    }
}

/// Evaluates an application against the resolution.
///
/// Every criterion is evaluated and explained, not only the first that passes, so the trader
/// sees all its options. Errors are for figures that cannot be evaluated (negative, a zero
/// denominator, too large) and for invalid parameters — never for a trader that simply fails.
///
/// ```
/// use domain::economic_capacity::{
///     evaluate, CapacityApplication, CapacityParameters, CertificacionIngresos, Criterion,
///     FinancialInformation, Indicator, PersonKind,
/// };
/// use rust_decimal::Decimal;
///
/// let mut application =
///     CapacityApplication::new(PersonKind::Natural, time::macros::date!(2025 - 05 - 20));
/// application.bank_certification = true;
/// application.financials = Some(FinancialInformation::NoResponsableIva(CertificacionIngresos {
///     ingresos_ultimo_ano_gravable: Decimal::new(100_000_000, 0),
///     inversion_capital_trabajo: Decimal::new(80_000_000, 0),
/// }));
/// let result = evaluate(&application, &CapacityParameters::default())?;
/// assert!(result.qualifies());
/// let coverage = result.get(Criterion::Indicador(Indicator::CoberturaInversion)).unwrap();
/// assert_eq!(
///     coverage.to_string(),
///     "Indicador de cobertura de inversión: 1,44625 (≥ 1) — cumple. \
///      Resolución ANM 1216 de 2025, art. 5 lit. A num. 1 y art. 6 num. 1."
/// );
/// # Ok::<(), domain::economic_capacity::CapacityError>(())
/// ```
pub fn evaluate(
    application: &CapacityApplication,
    parameters: &CapacityParameters,
) -> Result<EvaluationResult, CapacityError> {
    parameters.validate()?;
    let mut criteria = Vec::with_capacity(10);

    // Art. 2: the documents, on every route.
    let documents_ok = application.financials.is_some() && application.bank_certification;
    criteria.push(CriterionResult {
        criterion: Criterion::DocumentosObligatorios,
        figure: Some(Figure::Fact(documents_ok)),
        threshold: Some(Threshold::Required),
        passed: documents_ok,
        note: match (
            application.financials.is_some(),
            application.bank_certification,
        ) {
            (true, true) => None,
            (false, true) => Some("Falta la información financiera.".to_owned()),
            (true, false) => Some("Falta la certificación bancaria.".to_owned()),
            (false, false) => {
                Some("Faltan la información financiera y la certificación bancaria.".to_owned())
            }
        },
    });

    // Route 1: the indicators.
    evaluate_indicators(application.financials.as_ref(), parameters, &mut criteria)?;

    // Route 2: the mining title.
    criteria.push(CriterionResult {
        criterion: Criterion::TituloMinero,
        figure: Some(Figure::Fact(application.mining_title_registered)),
        threshold: Some(Threshold::Required),
        passed: application.mining_title_registered,
        note: None,
    });

    // Route 3: the risk rating.
    criteria.push(evaluate_rating(
        application.risk_rating,
        application.application_date,
        parameters.min_calificacion_riesgo,
    ));

    // Route 4: the previous year's purchases.
    evaluate_purchases(
        application.yearly_purchases.as_ref(),
        application.application_date,
        &parameters.compras_minimas,
        &mut criteria,
    )?;

    // Parágrafo: the exemptions.
    criteria.push(evaluate_exemption(
        application.exemption,
        application.person,
    ));

    let any_route = criteria
        .iter()
        .any(|result| result.criterion.is_route() && result.passed);
    Ok(EvaluationResult {
        qualifies: documents_ok && any_route,
        criteria,
    })
}

fn evaluate_indicators(
    financials: Option<&FinancialInformation>,
    parameters: &CapacityParameters,
    criteria: &mut Vec<CriterionResult>,
) -> Result<(), CapacityError> {
    match financials {
        None => criteria.push(CriterionResult {
            criterion: Criterion::IndicadoresFinancieros,
            figure: None,
            threshold: None,
            passed: false,
            note: Some("No se presentó información financiera.".to_owned()),
        }),
        Some(FinancialInformation::NoResponsableIva(certificate)) => {
            let value = certificate.cobertura_inversion(parameters.capacidad_endeudamiento)?;
            let passed = value >= parameters.min_cobertura_inversion;
            criteria.push(CriterionResult {
                criterion: Criterion::Indicador(Indicator::CoberturaInversion),
                figure: Some(Figure::Ratio(value)),
                threshold: Some(Threshold::AtLeast(parameters.min_cobertura_inversion)),
                passed,
                note: None,
            });
            criteria.push(CriterionResult {
                criterion: Criterion::IndicadoresFinancieros,
                figure: Some(Figure::Count {
                    passed: u8::from(passed),
                    of: 1,
                }),
                threshold: Some(Threshold::CountAtLeast(1)),
                passed,
                note: Some(
                    "No responsable de IVA: se evalúa la cobertura de inversión.".to_owned(),
                ),
            });
        }
        Some(FinancialInformation::ResponsableIva(statements)) => {
            // The order of art. 6: capital de trabajo, liquidez, endeudamiento.
            let capital = statements.capital_trabajo()?;
            let liquidez = statements.liquidez()?;
            let endeudamiento = statements.endeudamiento()?;
            let lines = [
                (
                    Indicator::CapitalTrabajo,
                    capital,
                    Threshold::AtLeast(parameters.min_capital_trabajo),
                    capital >= parameters.min_capital_trabajo,
                ),
                (
                    Indicator::Liquidez,
                    liquidez,
                    Threshold::AtLeast(parameters.min_liquidez),
                    liquidez >= parameters.min_liquidez,
                ),
                (
                    Indicator::Endeudamiento,
                    endeudamiento,
                    Threshold::AtMost(parameters.max_endeudamiento),
                    endeudamiento <= parameters.max_endeudamiento,
                ),
            ];
            let mut passed_count = 0_u8;
            for (indicator, value, threshold, passed) in lines {
                passed_count += u8::from(passed);
                criteria.push(CriterionResult {
                    criterion: Criterion::Indicador(indicator),
                    figure: Some(Figure::Ratio(value)),
                    threshold: Some(threshold),
                    passed,
                    note: None,
                });
            }
            let required = parameters.min_indicadores_responsable_iva;
            criteria.push(CriterionResult {
                criterion: Criterion::IndicadoresFinancieros,
                figure: Some(Figure::Count {
                    passed: passed_count,
                    of: 3,
                }),
                threshold: Some(Threshold::CountAtLeast(required)),
                passed: passed_count >= required,
                note: Some(format!(
                    "Responsable de IVA: deben cumplirse al menos {required} de los 3 índices."
                )),
            });
        }
    }
    Ok(())
}

fn evaluate_rating(
    certificate: Option<RiskRatingCertificate>,
    application_date: Date,
    minimum: RiskRating,
) -> CriterionResult {
    let Some(certificate) = certificate else {
        return CriterionResult {
            criterion: Criterion::CalificacionRiesgo,
            figure: None,
            threshold: Some(Threshold::RatingAtLeast(minimum)),
            passed: false,
            note: None,
        };
    };
    let earliest_year = application_date.year() - 1;
    let note = if certificate.issued_on > application_date {
        Some("La fecha de expedición es posterior a la solicitud.".to_owned())
    } else if certificate.issued_on.year() < earliest_year {
        Some(format!(
            "Expedida en {}; debe ser de {earliest_year} o posterior (máximo el año \
             inmediatamente anterior a la solicitud).",
            certificate.issued_on.year()
        ))
    } else {
        None
    };
    CriterionResult {
        criterion: Criterion::CalificacionRiesgo,
        figure: Some(Figure::Rating(certificate.rating)),
        threshold: Some(Threshold::RatingAtLeast(minimum)),
        passed: note.is_none() && certificate.rating >= minimum,
        note,
    }
}

fn evaluate_purchases(
    purchases: Option<&YearlyPurchases>,
    application_date: Date,
    table: &PurchaseThresholds,
    criteria: &mut Vec<CriterionResult>,
) -> Result<(), CapacityError> {
    let Some(purchases) = purchases.filter(|p| !p.volumes.is_empty()) else {
        criteria.push(CriterionResult {
            criterion: Criterion::VolumenCompras(None),
            figure: None,
            threshold: None,
            passed: false,
            note: None,
        });
        return Ok(());
    };
    let expected_year = application_date.year() - 1;
    let wrong_year = (purchases.year != expected_year).then(|| {
        format!(
            "La certificación cubre {}; debe cubrir {expected_year} (al 31 de diciembre del año \
             inmediatamente anterior).",
            purchases.year
        )
    });

    // Add up the entries of each group in the table's unit, in the order of MineralGroup, so the
    // output is stable. Groups the table leaves out are listed, not added.
    let mut totals: Vec<(MineralGroup, Decimal)> = Vec::new();
    for entry in &purchases.volumes {
        non_negative(FinancialField::VolumenCompras, entry.volume)?;
        let volume = match table.for_group(entry.group) {
            Some((_, table_unit)) => entry.unit.convert(entry.volume, table_unit)?,
            None => Decimal::ZERO,
        };
        match totals.iter_mut().find(|(group, _)| *group == entry.group) {
            Some((_, total)) => {
                *total = total
                    .checked_add(volume)
                    .ok_or(CapacityError::VolumeOverflow)?;
            }
            None => totals.push((entry.group, volume)),
        }
    }
    totals.sort_by_key(|(group, _)| *group);

    for (group, volume) in totals {
        let line = match table.for_group(group) {
            Some((minimum, unit)) => CriterionResult {
                criterion: Criterion::VolumenCompras(Some(group)),
                figure: Some(Figure::Volume { volume, unit }),
                threshold: Some(Threshold::Volume {
                    minimum,
                    unit,
                    comparison: table.comparison,
                }),
                passed: wrong_year.is_none() && table.meets(volume, minimum),
                note: wrong_year.clone(),
            },
            None => CriterionResult {
                criterion: Criterion::VolumenCompras(Some(group)),
                figure: None,
                threshold: None,
                passed: false,
                note: Some(
                    "La tabla del artículo 3 numeral 4 no incluye este grupo de minerales."
                        .to_owned(),
                ),
            },
        };
        criteria.push(line);
    }
    Ok(())
}

fn evaluate_exemption(exemption: Option<Exemption>, person: PersonKind) -> CriterionResult {
    let (passed, note) = match (exemption, person) {
        (None, _) => (false, None),
        (Some(Exemption::ReorganizacionLey1116), PersonKind::Natural) => (
            false,
            Some("El proceso de reorganización solo exime a las personas jurídicas.".to_owned()),
        ),
        (Some(exemption), _) => (true, Some(format!("Exento por {}.", exemption.label()))),
    };
    CriterionResult {
        criterion: Criterion::Exencion,
        figure: Some(Figure::Fact(exemption.is_some())),
        threshold: Some(Threshold::Required),
        passed,
        note,
    }
}

fn non_negative(field: FinancialField, value: Decimal) -> Result<(), CapacityError> {
    if value.is_sign_negative() && !value.is_zero() {
        Err(CapacityError::NegativeFigure { field })
    } else {
        Ok(())
    }
}

fn ratio(
    indicator: Indicator,
    numerator: Decimal,
    denominator: Decimal,
) -> Result<Decimal, CapacityError> {
    if denominator.is_zero() {
        return Err(CapacityError::DivisionByZero { indicator });
    }
    numerator
        .checked_div(denominator)
        .ok_or(CapacityError::Overflow { indicator })
}

/// Why an application could not be evaluated. A trader that fails a criterion is not an error:
/// it is an [`EvaluationResult`] that does not qualify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// A denominator of the indicator is zero: the figures do not describe real statements.
    #[error(
        "No se puede calcular «{indicator}»: el denominador es cero. Revise las cifras de los \
         estados financieros o del certificado de ingresos."
    )]
    DivisionByZero {
        /// The indicator.
        indicator: Indicator,
    },
    /// A figure that cannot be negative is.
    #[error("{field} no puede ser negativo.")]
    NegativeFigure {
        /// The figure.
        field: FinancialField,
    },
    /// The figures are too large to compute with 28 significant digits.
    #[error("Las cifras de «{indicator}» son demasiado grandes para calcularlo.")]
    Overflow {
        /// The indicator.
        indicator: Indicator,
    },
    /// The declared purchase volumes of one group add up beyond what can be computed.
    #[error("Los volúmenes de compras declarados son demasiado grandes.")]
    VolumeOverflow,
    /// A parameter makes the rule meaningless.
    #[error("Parámetro de capacidad económica inválido: {parameter}.")]
    InvalidParameter {
        /// Which one.
        parameter: &'static str,
    },
    /// Not a rating of the scale.
    #[error("«{input}» no es una calificación de riesgos válida (por ejemplo AAA, BB+, B).")]
    UnknownRiskRating {
        /// What was received (trimmed, bounded).
        input: String,
    },
    /// A declared purchase volume does not convert exactly into the table's unit.
    #[error(transparent)]
    Unit(#[from] UnitError),
}

impl ErrorCode for CapacityError {
    fn code(&self) -> &'static str {
        match self {
            CapacityError::DivisionByZero { .. } => "capacity_division_by_zero",
            CapacityError::NegativeFigure { .. } => "capacity_negative_figure",
            CapacityError::Overflow { .. } => "capacity_overflow",
            CapacityError::VolumeOverflow => "capacity_volume_overflow",
            CapacityError::InvalidParameter { .. } => "capacity_invalid_parameter",
            CapacityError::UnknownRiskRating { .. } => "capacity_unknown_risk_rating",
            CapacityError::Unit(error) => error.code(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const APPLIED_ON: Date = date!(2025 - 05 - 20);

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn statements(ac: &str, pc: &str, ingresos: &str, pt: &str, at: &str) -> EstadosFinancieros {
        EstadosFinancieros {
            activo_corriente: d(ac),
            pasivo_corriente: d(pc),
            ingresos_operacionales: d(ingresos),
            pasivo_total: d(pt),
            activo_total: d(at),
        }
    }

    fn certificate(ingresos: &str, inversion: &str) -> CertificacionIngresos {
        CertificacionIngresos {
            ingresos_ultimo_ano_gravable: d(ingresos),
            inversion_capital_trabajo: d(inversion),
        }
    }

    fn with_financials(financials: FinancialInformation) -> CapacityApplication {
        CapacityApplication {
            financials: Some(financials),
            bank_certification: true,
            ..CapacityApplication::new(PersonKind::Juridica, APPLIED_ON)
        }
    }

    fn eval(application: &CapacityApplication) -> EvaluationResult {
        evaluate(application, &CapacityParameters::default()).unwrap()
    }

    fn line(result: &EvaluationResult, criterion: Criterion) -> &CriterionResult {
        result.get(criterion).unwrap()
    }

    /// Statements whose three indicators pass or fail as asked.
    fn iva(capital_ok: bool, liquidez_ok: bool, endeudamiento_ok: bool) -> EstadosFinancieros {
        // liquidez: AC / PC; capital: (AC - PC) / ingresos; endeudamiento: PT / AT.
        let (ac, pc) = if liquidez_ok {
            ("124", "100")
        } else {
            ("123", "100")
        };
        let ingresos = if capital_ok { "100" } else { "10000" };
        let pt = if endeudamiento_ok { "61" } else { "62" };
        statements(ac, pc, ingresos, pt, "100")
    }

    // --- the norm's values ---

    #[test]
    fn defaults_are_the_resolution() {
        let p = CapacityParameters::default();
        assert_eq!(p.capacidad_endeudamiento, d("0.157"));
        assert_eq!(p.min_cobertura_inversion, d("1"));
        assert_eq!(p.min_capital_trabajo, d("0.04"));
        assert_eq!(p.min_liquidez, d("1.24"));
        assert_eq!(p.max_endeudamiento, d("0.61"));
        assert_eq!(p.min_indicadores_responsable_iva, 2);
        assert_eq!(p.min_calificacion_riesgo, RiskRating::B);
        let t = &p.compras_minimas;
        assert_eq!(t.carbon_t, d("45000"));
        assert_eq!(t.materiales_construccion_m3, d("30000"));
        assert_eq!(t.minerales_metalicos_t, d("25000"));
        assert_eq!(t.minerales_no_metalicos_t, d("20000"));
        assert_eq!(t.comparison, VolumeComparison::AtLeast);
        assert_eq!(p.validate(), Ok(()));
    }

    // --- indicator boundaries ---

    #[test]
    fn liquidez_exactly_1_24_passes_and_just_below_fails() {
        let at_minimum = statements("1.24", "1", "1", "0", "1");
        assert_eq!(at_minimum.liquidez().unwrap(), d("1.24"));
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            at_minimum,
        )));
        assert!(line(&result, Criterion::Indicador(Indicator::Liquidez)).passed);

        let below = statements("1.2399999", "1", "1", "0", "1");
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            below,
        )));
        assert!(!line(&result, Criterion::Indicador(Indicator::Liquidez)).passed);
    }

    #[test]
    fn endeudamiento_exactly_0_61_passes_and_0_6100001_fails() {
        let at_maximum = statements("2", "1", "1", "0.61", "1");
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            at_maximum,
        )));
        let debt = line(&result, Criterion::Indicador(Indicator::Endeudamiento));
        assert_eq!(debt.figure, Some(Figure::Ratio(d("0.61"))));
        assert!(debt.passed);

        let above = statements("2", "1", "1", "6100001", "10000000");
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            above,
        )));
        let debt = line(&result, Criterion::Indicador(Indicator::Endeudamiento));
        assert_eq!(debt.figure, Some(Figure::Ratio(d("0.6100001"))));
        assert!(!debt.passed);
        assert!(debt.to_string().contains("0,6100001 (≤ 0,61) — no cumple"));
    }

    #[test]
    fn capital_de_trabajo_is_a_ratio_to_operating_income() {
        // (140 - 100) / 1000 = 0,04: exactly the minimum.
        let exact = statements("140", "100", "1000", "0", "1");
        assert_eq!(exact.capital_trabajo().unwrap(), d("0.04"));
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            exact,
        )));
        assert!(line(&result, Criterion::Indicador(Indicator::CapitalTrabajo)).passed);

        // Current liabilities above current assets: negative, computed, failed.
        let negative = statements("90", "100", "1000", "0", "1");
        assert_eq!(negative.capital_trabajo().unwrap(), d("-0.01"));
    }

    #[test]
    fn cobertura_exactly_1_passes_and_just_below_fails() {
        // 1000 × 1,157 / 1157 = 1.
        let exact = certificate("1000", "1157");
        let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
            exact,
        )));
        let coverage = line(&result, Criterion::Indicador(Indicator::CoberturaInversion));
        assert_eq!(coverage.figure, Some(Figure::Ratio(Decimal::ONE)));
        assert!(coverage.passed);
        assert!(result.qualifies());

        let short = certificate("1000", "1157.01");
        let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
            short,
        )));
        assert!(!line(&result, Criterion::IndicadoresFinancieros).passed);
        assert!(!result.qualifies());
    }

    #[test]
    fn capacidad_de_endeudamiento_is_configurable() {
        let figures = certificate("1000", "1100");
        assert!(figures.cobertura_inversion(d("0.157")).unwrap() > Decimal::ONE);
        let stricter = CapacityParameters {
            capacidad_endeudamiento: Decimal::ZERO,
            ..CapacityParameters::default()
        };
        let result = evaluate(
            &with_financials(FinancialInformation::NoResponsableIva(figures)),
            &stricter,
        )
        .unwrap();
        assert!(!result.qualifies());
    }

    // --- errors, never panics ---

    #[test]
    fn division_by_zero_is_an_error_naming_the_indicator() {
        let cases = [
            (
                FinancialInformation::NoResponsableIva(certificate("1000", "0")),
                Indicator::CoberturaInversion,
            ),
            (
                FinancialInformation::ResponsableIva(statements("1", "1", "0", "1", "1")),
                Indicator::CapitalTrabajo,
            ),
            (
                FinancialInformation::ResponsableIva(statements("1", "0", "1", "1", "1")),
                Indicator::Liquidez,
            ),
            (
                FinancialInformation::ResponsableIva(statements("1", "1", "1", "0", "0")),
                Indicator::Endeudamiento,
            ),
        ];
        for (financials, indicator) in cases {
            let error =
                evaluate(&with_financials(financials), &CapacityParameters::default()).unwrap_err();
            assert_eq!(error, CapacityError::DivisionByZero { indicator });
            assert_eq!(error.code(), "capacity_division_by_zero");
            assert!(error.to_string().contains(indicator.label()));
        }
    }

    #[test]
    fn negative_figures_are_refused() {
        let error = evaluate(
            &with_financials(FinancialInformation::ResponsableIva(statements(
                "1", "-1", "1", "1", "1",
            ))),
            &CapacityParameters::default(),
        )
        .unwrap_err();
        assert_eq!(
            error,
            CapacityError::NegativeFigure {
                field: FinancialField::PasivoCorriente
            }
        );
        assert_eq!(error.to_string(), "Pasivo corriente no puede ser negativo.");
        assert_eq!(
            certificate("-5", "1").cobertura_inversion(d("0.157")),
            Err(CapacityError::NegativeFigure {
                field: FinancialField::IngresosUltimoAnoGravable
            })
        );
    }

    #[test]
    fn overflow_is_an_error() {
        let huge = certificate("79228162514264337593543950335", "1");
        assert_eq!(
            huge.cobertura_inversion(d("0.157")),
            Err(CapacityError::Overflow {
                indicator: Indicator::CoberturaInversion
            })
        );
    }

    #[test]
    fn meaningless_parameters_are_refused() {
        let four_of_three = CapacityParameters {
            min_indicadores_responsable_iva: 4,
            ..CapacityParameters::default()
        };
        assert!(matches!(
            evaluate(
                &with_financials(FinancialInformation::ResponsableIva(iva(true, true, true))),
                &four_of_three
            ),
            Err(CapacityError::InvalidParameter { .. })
        ));
        let negative = CapacityParameters {
            min_liquidez: d("-1"),
            ..CapacityParameters::default()
        };
        assert!(negative.validate().is_err());
    }

    // --- two of three ---

    #[test]
    fn responsable_de_iva_needs_two_of_three() {
        for capital in [false, true] {
            for liquidez in [false, true] {
                for endeudamiento in [false, true] {
                    let result = eval(&with_financials(FinancialInformation::ResponsableIva(iva(
                        capital,
                        liquidez,
                        endeudamiento,
                    ))));
                    let passed = [capital, liquidez, endeudamiento]
                        .iter()
                        .filter(|ok| **ok)
                        .count();
                    assert_eq!(
                        line(&result, Criterion::Indicador(Indicator::CapitalTrabajo)).passed,
                        capital
                    );
                    assert_eq!(
                        line(&result, Criterion::Indicador(Indicator::Liquidez)).passed,
                        liquidez
                    );
                    assert_eq!(
                        line(&result, Criterion::Indicador(Indicator::Endeudamiento)).passed,
                        endeudamiento
                    );
                    assert_eq!(
                        result.qualifies(),
                        passed >= 2,
                        "{capital} {liquidez} {endeudamiento}"
                    );
                }
            }
        }
    }

    // --- documents ---

    #[test]
    fn documents_are_required_on_every_route() {
        let mut application =
            with_financials(FinancialInformation::ResponsableIva(iva(true, true, true)));
        application.mining_title_registered = true;
        application.exemption = Some(Exemption::ReorganizacionLey1116);
        assert!(eval(&application).qualifies());

        application.bank_certification = false;
        let result = eval(&application);
        assert!(!result.qualifies());
        let documents = line(&result, Criterion::DocumentosObligatorios);
        assert_eq!(
            documents.note.as_deref(),
            Some("Falta la certificación bancaria.")
        );
        // The routes still say they passed: the trader sees what is missing and what is fine.
        assert_eq!(result.passed_routes().count(), 3);

        let nothing = CapacityApplication {
            mining_title_registered: true,
            bank_certification: true,
            ..CapacityApplication::new(PersonKind::Natural, APPLIED_ON)
        };
        assert!(!eval(&nothing).qualifies());
    }

    // --- the other routes ---

    fn documented() -> CapacityApplication {
        // Financial information presented but failing, so only the route under test can pass.
        with_financials(FinancialInformation::ResponsableIva(iva(
            false, false, false,
        )))
    }

    #[test]
    fn a_registered_mining_title_qualifies() {
        let mut application = documented();
        assert!(!eval(&application).qualifies());
        application.mining_title_registered = true;
        let result = eval(&application);
        assert!(result.qualifies());
        let title = line(&result, Criterion::TituloMinero);
        assert_eq!(
            title.article(),
            "Resolución ANM 1216 de 2025, art. 3 num. 2"
        );
    }

    #[test]
    fn risk_rating_b_or_better_issued_last_year_or_this_year() {
        let mut application = documented();
        let cases = [
            ("B", date!(2024 - 01 - 01), true),
            ("B+", date!(2025 - 05 - 20), true),
            ("AAA", date!(2024 - 12 - 31), true),
            ("B-", date!(2025 - 01 - 10), false),
            ("CCC", date!(2025 - 01 - 10), false),
            ("AAA", date!(2023 - 12 - 31), false),
            ("AAA", date!(2025 - 05 - 21), false),
        ];
        for (rating, issued_on, qualifies) in cases {
            application.risk_rating = Some(RiskRatingCertificate {
                rating: rating.parse().unwrap(),
                issued_on,
            });
            let result = eval(&application);
            assert_eq!(result.qualifies(), qualifies, "{rating} {issued_on}");
        }
        let old = line(&eval(&application), Criterion::CalificacionRiesgo).clone();
        assert!(old.note.unwrap().contains("posterior a la solicitud"));
    }

    #[test]
    fn purchase_volumes_at_the_threshold_qualify_under_the_articles_text() {
        let mut application = documented();
        application.yearly_purchases = Some(YearlyPurchases {
            year: 2024,
            volumes: vec![GroupVolume {
                group: MineralGroup::Carbon,
                volume: d("45000"),
                unit: Unit::Tonne,
            }],
        });
        let result = eval(&application);
        assert!(result.qualifies());
        assert_eq!(
            line(
                &result,
                Criterion::VolumenCompras(Some(MineralGroup::Carbon))
            )
            .to_string(),
            "Compras del año anterior (Carbón): 45.000 t (≥ 45.000 t) — cumple. \
             Resolución ANM 1216 de 2025, art. 3 num. 4."
        );

        let strict = CapacityParameters {
            compras_minimas: PurchaseThresholds {
                comparison: VolumeComparison::GreaterThan,
                ..PurchaseThresholds::default()
            },
            ..CapacityParameters::default()
        };
        assert!(!evaluate(&application, &strict).unwrap().qualifies());
    }

    #[test]
    fn purchase_volumes_per_group_are_added_and_checked_per_group() {
        let mut application = documented();
        application.yearly_purchases = Some(YearlyPurchases {
            year: 2024,
            volumes: vec![
                GroupVolume {
                    group: MineralGroup::MaterialesConstruccion,
                    volume: d("15000"),
                    unit: Unit::CubicMetre,
                },
                GroupVolume {
                    group: MineralGroup::MetalesPreciosos,
                    volume: d("999999"),
                    unit: Unit::Gram,
                },
                GroupVolume {
                    group: MineralGroup::MaterialesConstruccion,
                    volume: d("15000"),
                    unit: Unit::CubicMetre,
                },
                GroupVolume {
                    group: MineralGroup::MineralesNoMetalicos,
                    volume: d("19999.99"),
                    unit: Unit::Tonne,
                },
            ],
        });
        let result = eval(&application);
        assert!(result.qualifies());
        let construction = line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::MaterialesConstruccion)),
        );
        assert_eq!(
            construction.figure,
            Some(Figure::Volume {
                volume: d("30000"),
                unit: Unit::CubicMetre
            })
        );
        assert!(construction.passed);
        let gold = line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::MetalesPreciosos)),
        );
        assert!(!gold.passed && gold.threshold.is_none());
        assert!(
            !line(
                &result,
                Criterion::VolumenCompras(Some(MineralGroup::MineralesNoMetalicos))
            )
            .passed
        );
    }

    #[test]
    fn purchase_volumes_are_converted_exactly_into_the_tables_unit() {
        let mut application = documented();
        application.yearly_purchases = Some(YearlyPurchases {
            year: 2024,
            volumes: vec![
                GroupVolume {
                    group: MineralGroup::Carbon,
                    volume: d("44999000"),
                    unit: Unit::Kilogram,
                },
                GroupVolume {
                    group: MineralGroup::Carbon,
                    volume: d("1"),
                    unit: Unit::Tonne,
                },
            ],
        });
        let result = eval(&application);
        assert!(result.qualifies());
        assert_eq!(
            line(
                &result,
                Criterion::VolumenCompras(Some(MineralGroup::Carbon))
            )
            .figure,
            Some(Figure::Volume {
                volume: d("45000"),
                unit: Unit::Tonne
            })
        );

        application.yearly_purchases = Some(YearlyPurchases {
            year: 2024,
            volumes: vec![GroupVolume {
                group: MineralGroup::MaterialesConstruccion,
                volume: d("40000"),
                unit: Unit::Tonne,
            }],
        });
        let error = evaluate(&application, &CapacityParameters::default()).unwrap_err();
        assert_eq!(error.code(), "unit_incompatible");
    }

    #[test]
    fn purchase_volumes_must_be_of_the_previous_year() {
        let mut application = documented();
        application.yearly_purchases = Some(YearlyPurchases {
            year: 2023,
            volumes: vec![GroupVolume {
                group: MineralGroup::MineralesMetalicos,
                volume: d("90000"),
                unit: Unit::Tonne,
            }],
        });
        let result = eval(&application);
        assert!(!result.qualifies());
        let metals = line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::MineralesMetalicos)),
        );
        assert!(metals.note.as_deref().unwrap().contains("debe cubrir 2024"));

        application.yearly_purchases = Some(YearlyPurchases {
            year: 2024,
            volumes: vec![GroupVolume {
                group: MineralGroup::Carbon,
                volume: d("-1"),
                unit: Unit::Tonne,
            }],
        });
        assert_eq!(
            evaluate(&application, &CapacityParameters::default()).unwrap_err(),
            CapacityError::NegativeFigure {
                field: FinancialField::VolumenCompras
            }
        );
    }

    #[test]
    fn exemptions_of_the_paragraph() {
        let mut application = documented();
        application.exemption = Some(Exemption::ReorganizacionLey1116);
        assert!(eval(&application).qualifies());

        application.person = PersonKind::Natural;
        let result = eval(&application);
        assert!(!result.qualifies());
        assert!(
            line(&result, Criterion::Exencion)
                .note
                .as_deref()
                .unwrap()
                .contains("personas jurídicas")
        );

        application.exemption = Some(Exemption::ReperfilamientoObligaciones);
        assert!(eval(&application).qualifies());
    }

    #[test]
    fn every_criterion_is_explained_with_its_article() {
        let result = eval(&documented());
        let names: Vec<_> = result.criteria().iter().map(|c| c.criterion).collect();
        assert_eq!(
            names,
            vec![
                Criterion::DocumentosObligatorios,
                Criterion::Indicador(Indicator::CapitalTrabajo),
                Criterion::Indicador(Indicator::Liquidez),
                Criterion::Indicador(Indicator::Endeudamiento),
                Criterion::IndicadoresFinancieros,
                Criterion::TituloMinero,
                Criterion::CalificacionRiesgo,
                Criterion::VolumenCompras(None),
                Criterion::Exencion,
            ]
        );
        for criterion in result.criteria() {
            assert!(
                criterion
                    .article()
                    .starts_with("Resolución ANM 1216 de 2025, art. ")
            );
            assert!(criterion.to_string().contains("cumple"));
        }
        assert_eq!(
            line(&result, Criterion::IndicadoresFinancieros).to_string(),
            "Indicadores financieros: 0 de 3 (al menos 2) — no cumple. Responsable de IVA: deben \
             cumplirse al menos 2 de los 3 índices. Resolución ANM 1216 de 2025, art. 3 num. 1, \
             art. 5 y art. 6."
        );
    }

    // --- risk ratings ---

    #[test]
    fn risk_ratings_parse_round_trip_and_are_ordered() {
        for (worse, better) in RiskRating::ALL.iter().zip(RiskRating::ALL.iter().skip(1)) {
            assert!(worse < better);
        }
        for rating in RiskRating::ALL {
            assert_eq!(rating.as_str().parse::<RiskRating>(), Ok(rating));
            assert_eq!(
                rating.as_str().to_lowercase().parse::<RiskRating>(),
                Ok(rating)
            );
        }
        assert!(" bb+ ".parse::<RiskRating>().is_ok());
        let error = "B++".parse::<RiskRating>().unwrap_err();
        assert_eq!(error.code(), "capacity_unknown_risk_rating");
        assert!(RiskRating::BMinus < RiskRating::B && RiskRating::BPlus > RiskRating::B);
    }

    // --- properties ---

    /// Money with two decimals up to a billion billion pesos: what statements carry.
    fn money() -> impl Strategy<Value = Decimal> {
        (0_i64..1_000_000_000_000_000).prop_map(|cents| Decimal::new(cents, 2))
    }

    fn positive_money() -> impl Strategy<Value = Decimal> {
        (1_i64..1_000_000_000_000_000).prop_map(|cents| Decimal::new(cents, 2))
    }

    proptest! {
        #[test]
        fn liquidez_passes_exactly_when_assets_cover_1_24_times_liabilities(
            ac in money(), pc in positive_money()
        ) {
            let s = EstadosFinancieros {
                activo_corriente: ac,
                pasivo_corriente: pc,
                ingresos_operacionales: Decimal::ONE,
                pasivo_total: Decimal::ZERO,
                activo_total: Decimal::ONE,
            };
            let passed = s.liquidez().unwrap() >= d("1.24");
            prop_assert_eq!(passed, ac >= pc * d("1.24"));
        }

        #[test]
        fn endeudamiento_passes_exactly_when_debt_is_at_most_61_percent(
            pt in money(), at in positive_money()
        ) {
            let s = EstadosFinancieros {
                activo_corriente: Decimal::ONE,
                pasivo_corriente: Decimal::ONE,
                ingresos_operacionales: Decimal::ONE,
                pasivo_total: pt,
                activo_total: at,
            };
            prop_assert_eq!(s.endeudamiento().unwrap() <= d("0.61"), pt <= at * d("0.61"));
        }

        #[test]
        fn cobertura_passes_exactly_when_income_with_borrowing_covers_the_investment(
            ingresos in money(), inversion in positive_money()
        ) {
            let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
                CertificacionIngresos {
                    ingresos_ultimo_ano_gravable: ingresos,
                    inversion_capital_trabajo: inversion,
                },
            )));
            prop_assert_eq!(result.qualifies(), ingresos * d("1.157") >= inversion);
        }

        #[test]
        fn iva_route_counts_the_indicators_that_passed(
            ac in money(), pc in positive_money(), ingresos in positive_money(),
            pt in money(), at in positive_money(),
        ) {
            let result = eval(&with_financials(FinancialInformation::ResponsableIva(
                EstadosFinancieros {
                    activo_corriente: ac,
                    pasivo_corriente: pc,
                    ingresos_operacionales: ingresos,
                    pasivo_total: pt,
                    activo_total: at,
                },
            )));
            let passed = result
                .criteria()
                .iter()
                .filter(|c| matches!(c.criterion, Criterion::Indicador(_)) && c.passed)
                .count();
            prop_assert_eq!(
                line(&result, Criterion::IndicadoresFinancieros).figure,
                Some(Figure::Count { passed: u8::try_from(passed).unwrap(), of: 3 })
            );
            prop_assert_eq!(result.qualifies(), passed >= 2);
        }

        #[test]
        fn qualifies_is_documents_and_any_route(
            bank in any::<bool>(),
            title in any::<bool>(),
            rating in prop::option::of((0_usize..21, -3_i32..=1)),
            exemption in prop::option::of(prop::bool::ANY),
            natural in any::<bool>(),
            volume in prop::option::of(0_i64..60_000),
        ) {
            let application = CapacityApplication {
                person: if natural { PersonKind::Natural } else { PersonKind::Juridica },
                application_date: APPLIED_ON,
                financials: Some(FinancialInformation::ResponsableIva(iva(false, false, true))),
                bank_certification: bank,
                mining_title_registered: title,
                risk_rating: rating.map(|(index, years)| RiskRatingCertificate {
                    rating: RiskRating::ALL[index],
                    issued_on: date!(2025 - 01 - 01).replace_year(2025 + years).unwrap(),
                }),
                yearly_purchases: volume.map(|tonnes| YearlyPurchases {
                    year: 2024,
                    volumes: vec![GroupVolume { group: MineralGroup::Carbon, volume: Decimal::from(tonnes), unit: Unit::Tonne }],
                }),
                exemption: exemption.map(|reorganisation| if reorganisation {
                    Exemption::ReorganizacionLey1116
                } else {
                    Exemption::ReperfilamientoObligaciones
                }),
            };
            let result = eval(&application);
            let rating_ok = rating.is_some_and(|(index, years)| {
                RiskRating::ALL[index] >= RiskRating::B && (-1..=0).contains(&years)
            });
            let volume_ok = volume.is_some_and(|tonnes| tonnes >= 45_000);
            let exempt = exemption.is_some_and(|reorganisation| !(reorganisation && natural));
            prop_assert_eq!(result.qualifies(), bank && (title || rating_ok || volume_ok || exempt));
        }
    }
}
