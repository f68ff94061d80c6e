//! What a trader submits: its figures, documents and the routes it presents.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::mineral::MineralGroup;
use crate::unit::Unit;

use super::evaluate::{non_negative, ratio};
use super::{CapacityError, FinancialField, Indicator};

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
