//! The criteria, their figures and thresholds, and the explained verdict.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::mineral::MineralGroup;
use crate::number::format_es_co;
use crate::unit::Unit;

use super::{NORM, RiskRating, VolumeComparison};

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
    pub(super) qualifies: bool,
    pub(super) criteria: Vec<CriterionResult>,
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
