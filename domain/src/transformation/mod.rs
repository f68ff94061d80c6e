//! *Transformaciones*: a holder turns balances it holds (inputs) into new minerals (outputs):
//! melting, refining, beneficiation, concentration.
//!
//! **Mass balance.** Each input says what it contains: elements with their *ley*, the fraction of
//! the element in the material (a doré of ORO 0,850 and PLATA 0,120); an input that declares none
//! is its own mineral, pure. Each output is one mineral at a ley of its own. Per element, the fine
//! content (quantity × ley, in grams, or in carats or m³ for what is measured so) that comes out
//! may not exceed what went in: a transformation never creates metal. The difference is the loss;
//! an element no output carries is lost whole. A loss above [`LossThreshold`] (15 % by default)
//! needs a written justification, and the server alerts the auditor.
//!
//! **Lineage.** Each output gets a new origin code that must still answer "where was this mined?":
//! for an output of element *e*, each input's share is its fine content of *e* over the total fine
//! content of *e* that went in, with [`SHARE_DECIMALS`] decimals adding up to exactly 1.
//!
//! ```
//! use domain::transformation::{ContentDraft, InputDraft, OutputDraft, TransformationDraft};
//! use domain::transformation::LossThreshold;
//! use domain::{Closings, Fecha};
//! use rust_decimal::Decimal;
//!
//! // 1 000 g of doré (held as an ORO balance) → 845 g of gold and 118 g of silver.
//! let content = |e: &str, ley: &str| ContentDraft { element: e.into(), ley: ley.into() };
//! let output = |m: &str, q: &str| OutputDraft { mineral: m.into(), quantity: q.into(), ..<_>::default() };
//! let draft = TransformationDraft {
//!     fecha: "02/11/2026".into(), process: "REFINACION".into(), support_sha256: "ab".repeat(32),
//!     inputs: vec![InputDraft {
//!         codigo_origen: "4DEB01BC".into(), mineral: "ORO".into(), quantity: "1000".into(),
//!         contents: vec![content("ORO", "0,850"), content("PLATA", "0,120")], ..<_>::default()
//!     }],
//!     outputs: vec![output("ORO", "845"), output("PLATA", "118")],
//!     ..<_>::default()
//! };
//! let today = Fecha::parse("28/11/2026").unwrap();
//! let checked = draft.validate(today, &Closings::none(), LossThreshold::default()).unwrap();
//! let [oro, plata] = checked.balances() else { panic!("two elements") };
//! let g = Decimal::from;
//! assert_eq!((oro.input, oro.output, oro.loss), (g(850), g(845), g(5)));
//! assert_eq!(oro.loss_share, Decimal::new(5882, 6)); // 5 / 850, to six decimals
//! assert_eq!((plata.loss, plata.loss_share), (g(2), Decimal::new(16667, 6)));
//! assert!(!checked.justification_required()); // both below 15 %
//! assert_eq!(checked.lineage()[1][0].share, Decimal::ONE); // one input: all the silver's source
//! ```

mod draft;
mod mass_balance;
#[cfg(test)]
mod tests;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

use crate::balance::BalanceKey;
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::Mineral;
use crate::number::{NumberError, format_es_co, parse_decimal};
use crate::quantity::SaleQuantity;
use crate::sha256::Sha256Hex;
use crate::unit::{Unit, UnitError};

pub use draft::{ContentDraft, InputDraft, OutputDraft, TransformationDraft};

/// Most inputs in one transformation: a melt of many small purchases, still one screen.
pub const INPUTS_MAX: usize = 50;
/// Most outputs in one transformation.
pub const OUTPUTS_MAX: usize = 20;
/// Most elements declared in one input (a doré: gold, silver, copper…).
pub const CONTENTS_MAX: usize = 10;
/// Decimals a ley may carry, as assay certificates print it (0,9999).
pub const LEY_MAX_DECIMALS: u32 = 4;
/// Decimals of a lineage share and of a loss share.
pub const SHARE_DECIMALS: u32 = 6;
/// Shortest justification of a loss above the threshold: a sentence, not a word.
pub const JUSTIFICATION_MIN_CHARS: usize = 20;
/// Longest justification.
pub const JUSTIFICATION_MAX_CHARS: usize = 2_000;

/// What the holder did to the material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Process {
    Fundicion,
    Refinacion,
    Beneficio,
    Concentracion,
    Otro,
}

impl Process {
    pub const ALL: [Process; 5] = [
        Self::Fundicion,
        Self::Refinacion,
        Self::Beneficio,
        Self::Concentracion,
        Self::Otro,
    ];

    /// Stable code, as stored and sent (`REFINACION`).
    pub const fn code(self) -> &'static str {
        match self {
            Self::Fundicion => "FUNDICION",
            Self::Refinacion => "REFINACION",
            Self::Beneficio => "BENEFICIO",
            Self::Concentracion => "CONCENTRACION",
            Self::Otro => "OTRO",
        }
    }

    /// Spanish name for people.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Fundicion => "Fundición",
            Self::Refinacion => "Refinación",
            Self::Beneficio => "Beneficio",
            Self::Concentracion => "Concentración",
            Self::Otro => "Otro",
        }
    }

    /// Reads a code, ignoring case and surrounding spaces (forms and ERPs write `refinacion`).
    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim();
        Self::ALL
            .into_iter()
            .find(|process| process.code().eq_ignore_ascii_case(code))
    }
}

/// A ley (fineness): the fraction of an element in a material, in (0, 1], with at most
/// [`LEY_MAX_DECIMALS`] decimals. Never rounded: a rounded ley would create or destroy fine metal.
///
/// ```
/// use domain::transformation::Ley;
/// assert_eq!(Ley::parse("0,850").unwrap().to_string(), "0,85");
/// assert!(Ley::parse("85").is_err()); // a fraction, not a percentage
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Ley(Decimal);

/// Why a value is not a ley.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LeyError {
    #[error("la ley no es un número válido: {0}.")]
    NotANumber(NumberError),
    #[error("la ley tiene {found} decimales; se admiten hasta {max}, sin redondear.")]
    TooManyDecimals { max: u32, found: u32 },
    #[error("la ley es una fracción mayor que 0 y hasta 1: escriba 0,85 para 85 %.")]
    OutOfRange,
}

impl ErrorCode for LeyError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotANumber(_) => "ley_not_a_number",
            Self::TooManyDecimals { .. } => "ley_too_many_decimals",
            Self::OutOfRange => "ley_out_of_range",
        }
    }
}

impl Ley {
    /// Pure: what an input without declared contents is of its own mineral.
    pub const ONE: Ley = Ley(Decimal::ONE);

    /// Checks a fraction; trailing zeros do not count as decimals (`0,8500` is `0,85`).
    pub fn new(value: Decimal) -> Result<Self, LeyError> {
        let normal = value.normalize();
        if normal.scale() > LEY_MAX_DECIMALS {
            return Err(LeyError::TooManyDecimals {
                max: LEY_MAX_DECIMALS,
                found: normal.scale(),
            });
        }
        if normal <= Decimal::ZERO || normal > Decimal::ONE {
            return Err(LeyError::OutOfRange);
        }
        Ok(Self(normal))
    }

    /// As typed in Colombia (`0,850`, `0.85`); blank means pure.
    pub fn parse(input: &str) -> Result<Self, LeyError> {
        if input.trim().is_empty() {
            return Ok(Self::ONE);
        }
        Self::new(parse_decimal(input, LEY_MAX_DECIMALS).map_err(LeyError::NotANumber)?)
    }

    /// The exact fraction.
    pub fn value(self) -> Decimal {
        self.0
    }
}

/// The Colombian way, without trailing zeros (`0,85`).
impl fmt::Display for Ley {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_es_co(self.0, None))
    }
}

impl TryFrom<Decimal> for Ley {
    type Error = LeyError;
    fn try_from(value: Decimal) -> Result<Self, LeyError> {
        Self::new(value)
    }
}

impl From<Ley> for Decimal {
    fn from(ley: Ley) -> Decimal {
        ley.0
    }
}

/// The loss share above which a transformation must be justified (and the auditor alerted), 15 %
/// by default: configurable because what is normal differs between refining gold and washing sand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LossThreshold(Decimal);

impl Default for LossThreshold {
    fn default() -> Self {
        Self(Decimal::new(15, 2))
    }
}

impl LossThreshold {
    /// A share from 0 to 1 inclusive.
    pub fn new(share: Decimal) -> Result<Self, TransformationError> {
        if (Decimal::ZERO..=Decimal::ONE).contains(&share) {
            Ok(Self(share))
        } else {
            Err(TransformationError::ThresholdOutOfRange)
        }
    }

    pub fn share(self) -> Decimal {
        self.0
    }
}

/// One element of an input and its ley.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Content {
    pub element: Mineral,
    pub ley: Ley,
}

/// A balance the holder puts in, with what it contains.
///
/// `quantity` is in `key.unit`, the mineral's own unit (balances are kept in it), whatever unit was
/// typed. `contents` is never empty: none declared means the mineral itself at ley 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputLine {
    pub key: BalanceKey,
    pub quantity: SaleQuantity,
    pub contents: Vec<Content>,
}

/// A mineral that comes out: as typed, and what its new balance receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OutputLine {
    pub mineral: Mineral,
    /// As typed, in `unit`.
    pub quantity: SaleQuantity,
    pub unit: Unit,
    pub ley: Ley,
    /// `quantity` in the mineral's own unit, exactly: what is credited.
    pub balance_quantity: SaleQuantity,
}

/// The mass balance of one element, in fine content of `unit` (g, ct or m³).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ElementBalance {
    pub element: Mineral,
    pub unit: Unit,
    pub input: Decimal,
    pub output: Decimal,
    /// `input − output`: never negative in a checked transformation.
    pub loss: Decimal,
    /// `loss / input`, rounded to [`SHARE_DECIMALS`] to be shown.
    pub loss_share: Decimal,
    /// Whether the exact (unrounded) share is strictly above the threshold.
    pub above_threshold: bool,
}

/// The share of one input (its position in [`Transformation::inputs`]) in one output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineageShare {
    pub input: usize,
    pub share: Decimal,
}

/// A checked transformation: its mass balance holds for every element, and its lineage adds up.
/// Only [`TransformationDraft::validate`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transformation {
    fecha: Fecha,
    process: Process,
    support_sha256: Sha256Hex,
    inputs: Vec<InputLine>,
    outputs: Vec<OutputLine>,
    balances: Vec<ElementBalance>,
    lineage: Vec<Vec<LineageShare>>,
    justification: Option<String>,
}

impl Transformation {
    pub fn fecha(&self) -> Fecha {
        self.fecha
    }

    pub fn process(&self) -> Process {
        self.process
    }

    /// SHA-256 of the supporting document (the smelter's certificate, the assay).
    pub fn support_sha256(&self) -> &Sha256Hex {
        &self.support_sha256
    }

    pub fn inputs(&self) -> &[InputLine] {
        &self.inputs
    }

    pub fn outputs(&self) -> &[OutputLine] {
        &self.outputs
    }

    /// One per element, in the order elements first appear in the inputs.
    pub fn balances(&self) -> &[ElementBalance] {
        &self.balances
    }

    /// One per output, in order: the inputs its metal came from, with shares adding up to 1.
    pub fn lineage(&self) -> &[Vec<LineageShare>] {
        &self.lineage
    }

    /// Trimmed; kept whenever one was given, even if not required.
    pub fn justification(&self) -> Option<&str> {
        self.justification.as_deref()
    }

    /// Whether some element lost more than the threshold (the server alerts the auditor).
    pub fn justification_required(&self) -> bool {
        self.balances.iter().any(|b| b.above_threshold)
    }

    /// The elements whose loss is above the threshold, for the auditor's alert.
    pub fn elements_above_threshold(&self) -> Vec<Mineral> {
        self.balances
            .iter()
            .filter(|b| b.above_threshold)
            .map(|b| b.element)
            .collect()
    }
}

/// `0.176471` → `17,6471 %`: a share of 6 decimals is a percentage of 4, never rounded further
/// (a share just above the threshold must not read as equal to it).
fn percent(share: Decimal) -> String {
    format!("{} %", format_es_co(share * Decimal::ONE_HUNDRED, None))
}

/// A transformation rule broken (beside its fields' own errors), named after the rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransformationError {
    #[error("elija el proceso: fundición, refinación, beneficio, concentración u otro.")]
    ProcessRequired,
    #[error("«{value}» no es un proceso; elija uno de la lista.")]
    UnknownProcess { value: String },
    #[error("agregue al menos un {what}.")]
    NoLines { what: &'static str },
    #[error("se admiten hasta {max} {what}; hay {found}.")]
    TooManyLines {
        what: &'static str,
        max: usize,
        found: usize,
    },
    #[error("el saldo {key} ya está en el insumo {first_line}; use una sola línea.")]
    DuplicateInput { key: BalanceKey, first_line: usize },
    #[error("{element} ya está en el elemento {first_line} de este insumo; declárelo una vez.")]
    DuplicateElement { element: Mineral, first_line: usize },
    #[error(
        "las leyes de este insumo suman {}; no pueden pasar de 1 (revise que sean fracciones: 0,85 y no 85).",
        format_es_co(*sum, None)
    )]
    ContentsAboveOne { sum: Decimal },
    #[error(
        "la cantidad no se puede expresar exactamente en {mineral_unit}, la unidad de los saldos de {mineral}, con 4 decimales; escríbala en {mineral_unit}."
    )]
    Inexact {
        mineral: Mineral,
        mineral_unit: Unit,
    },
    #[error("{element} no está en ningún insumo: declárelo en el insumo del que sale.")]
    ElementNotInInputs { element: Mineral },
    #[error(
        "sale más {element} del que entra: entran {} {unit} finos y salen {} {unit}. Revise cantidades y leyes.",
        format_es_co(*input, None), format_es_co(*output, None)
    )]
    OutputExceedsInput {
        element: Mineral,
        unit: Unit,
        input: Decimal,
        output: Decimal,
    },
    #[error(
        "la pérdida supera el {} ({}): explique qué pasó en {JUSTIFICATION_MIN_CHARS} a {JUSTIFICATION_MAX_CHARS} caracteres.",
        percent(*threshold),
        losses.iter().map(|(m, s)| format!("{m} {}", percent(*s))).collect::<Vec<_>>().join(", ")
    )]
    JustificationRequired {
        losses: Vec<(Mineral, Decimal)>,
        threshold: Decimal,
    },
    #[error("la justificación tiene {found} caracteres; el máximo es {max}. Resúmala.")]
    JustificationTooLong { max: usize, found: usize },
    #[error("el umbral de pérdida es una fracción entre 0 y 1 (0,15 para 15 %).")]
    ThresholdOutOfRange,
    #[error("las cantidades son demasiado grandes; divida la operación.")]
    Overflow,
    #[error("{0}")]
    Unit(UnitError),
}

impl ErrorCode for TransformationError {
    fn code(&self) -> &'static str {
        match self {
            Self::ProcessRequired => "transformation_process_required",
            Self::UnknownProcess { .. } => "transformation_unknown_process",
            Self::NoLines { .. } => "transformation_no_lines",
            Self::TooManyLines { .. } => "transformation_too_many_lines",
            Self::DuplicateInput { .. } => "transformation_duplicate_input",
            Self::DuplicateElement { .. } => "transformation_duplicate_element",
            Self::ContentsAboveOne { .. } => "transformation_contents_above_one",
            Self::Inexact { .. } => "transformation_inexact",
            Self::ElementNotInInputs { .. } => "transformation_element_not_in_inputs",
            Self::OutputExceedsInput { .. } => "transformation_output_exceeds_input",
            Self::JustificationRequired { .. } => "transformation_justification_required",
            Self::JustificationTooLong { .. } => "transformation_justification_too_long",
            Self::ThresholdOutOfRange => "transformation_threshold_out_of_range",
            Self::Overflow => "transformation_overflow",
            Self::Unit(_) => "transformation_unit",
        }
    }
}
