//! The transformation as typed, and its validation into a checked [`Transformation`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::mass_balance;
use super::{
    CONTENTS_MAX, Content, ElementBalance, INPUTS_MAX, InputLine, JUSTIFICATION_MAX_CHARS,
    JUSTIFICATION_MIN_CHARS, Ley, LossThreshold, OUTPUTS_MAX, OutputLine, Process, Transformation,
    TransformationError,
};
use crate::balance::BalanceKey;
use crate::codigo_origen::CodigoOrigen;
use crate::error_code::ErrorCode;
use crate::fecha::{Closings, Fecha};
use crate::mineral::Mineral;
use crate::quantity::{QuantityError, SaleQuantity};
use crate::sha256::Sha256Hex;
use crate::text::echo;
use crate::unit::Unit;
use crate::validation::ValidationErrors;

/// The transformation as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransformationDraft {
    /// `DD/MM/AAAA`: the day of the operation.
    pub fecha: String,
    /// A [`Process`] code.
    pub process: String,
    /// SHA-256 of the supporting document.
    pub support_sha256: String,
    /// Why the loss is what it is; required above the threshold.
    pub justification: String,
    pub inputs: Vec<InputDraft>,
    pub outputs: Vec<OutputDraft>,
}

/// One input as typed: a balance of the holder and how much of it goes in. A blank unit is the
/// mineral's; no contents, the mineral itself, pure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InputDraft {
    pub codigo_origen: String,
    pub mineral: String,
    pub unit: String,
    pub quantity: String,
    pub contents: Vec<ContentDraft>,
}

/// One element of an input as typed; a blank ley is pure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentDraft {
    pub element: String,
    pub ley: String,
}

/// One output as typed; a blank unit is the mineral's, a blank ley pure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputDraft {
    pub mineral: String,
    pub quantity: String,
    pub unit: String,
    pub ley: String,
}

/// Where one line's errors go: fields under `path` (`inputs[0]`), labels after `name`
/// ("Insumo 1": lines counted from 1, as people see them).
struct Line<'e> {
    errors: &'e mut ValidationErrors,
    path: String,
    name: String,
}

impl<'e> Line<'e> {
    /// Line `index` of `list` (`inputs`), which people call `noun` ("Insumo").
    fn new(errors: &'e mut ValidationErrors, list: &str, noun: &str, index: usize) -> Self {
        let (path, name) = (format!("{list}[{index}]"), format!("{noun} {}", index + 1));
        Self { errors, path, name }
    }

    fn take<T, E: ErrorCode>(&mut self, at: &str, what: &str, result: Result<T, E>) -> Option<T> {
        let at = format!("{}.{at}", self.path);
        let label = format!("{}, {what}", self.name);
        self.errors.take(at, &label, result)
    }

    fn push(&mut self, at: &str, what: &str, error: TransformationError) {
        self.take::<(), _>(at, what, Err(error));
    }

    /// The unit typed (blank: the mineral's own) in the mineral's dimension. The text is read even
    /// when the mineral is not, so that a wrong unit is reported with the rest.
    fn unit(&mut self, text: &str, mineral: Option<Mineral>) -> Option<Unit> {
        let typed = match text.trim() {
            "" => None,
            _ => Some(self.take("unit", "unidad", Unit::parse(text))?),
        };
        let mineral = mineral?;
        let unit = typed.unwrap_or(mineral.unit());
        self.take("unit", "unidad", mineral.check_unit(unit).map(|()| unit))
    }

    /// The quantity as typed in `unit`, and in the mineral's own unit.
    fn quantity(
        &mut self,
        text: &str,
        mineral: Option<Mineral>,
        unit: Option<Unit>,
    ) -> Option<(SaleQuantity, SaleQuantity)> {
        let typed = self.take("quantity", "cantidad", SaleQuantity::parse(text))?;
        let converted = in_mineral_unit(mineral?, typed, unit?);
        Some((typed, self.take("quantity", "cantidad", converted)?))
    }

    /// The declared contents (`None` if any is wrong), each element once and measurable in
    /// `unit`, the input's, when known.
    fn contents(&mut self, typed: &[ContentDraft], unit: Option<Unit>) -> Option<Vec<Content>> {
        let before = self.errors.errors.len();
        let (max, found) = (CONTENTS_MAX, typed.len());
        if found > max {
            let what = "elementos por insumo";
            let error = TransformationError::TooManyLines { what, max, found };
            self.push("contents", "elementos", error);
        }
        let mut contents: Vec<Content> = Vec::new();
        // Every content's element by position (`None`: unreadable), to name a repeat's first line.
        let mut seen: Vec<Option<Mineral>> = Vec::new();
        for (c, draft) in typed.iter().enumerate().take(max) {
            let (at, what) = (
                format!("contents[{c}].element"),
                format!("elemento {}", c + 1),
            );
            let resolved = self.take(&at, &what, Mineral::resolve(&draft.element));
            let (ley_at, ley_what) = (format!("contents[{c}].ley"), format!("ley del {what}"));
            let ley = self.take(&ley_at, &ley_what, Ley::parse(&draft.ley));
            let checked = resolved.map(|element| check_element(element, &seen, unit));
            let element = checked.and_then(|result| self.take(&at, &what, result));
            seen.push(resolved);
            if let (Some(element), Some(ley)) = (element, ley) {
                contents.push(Content { element, ley });
            }
        }
        let sum: Decimal = contents.iter().map(|c| c.ley.value()).sum();
        if sum > Decimal::ONE {
            let error = TransformationError::ContentsAboveOne { sum };
            self.push("contents", "elementos", error);
        }
        (self.errors.errors.len() == before).then_some(contents)
    }
}

/// An element declared in an input: not already declared in it (`seen`, by position), and
/// measurable in the input's unit (no m³ of sand in grams of doré).
fn check_element(
    element: Mineral,
    seen: &[Option<Mineral>],
    unit: Option<Unit>,
) -> Result<Mineral, TransformationError> {
    if let Some(first) = seen.iter().position(|m| *m == Some(element)) {
        let first_line = first + 1;
        return Err(TransformationError::DuplicateElement {
            element,
            first_line,
        });
    }
    let measurable = unit.map_or(Ok(()), |unit| element.check_unit(unit));
    measurable
        .map(|()| element)
        .map_err(TransformationError::Unit)
}

/// `quantity` of `unit` in the mineral's own unit, exactly within four decimals: the unit its
/// balances are kept in, debited or credited.
fn in_mineral_unit(
    mineral: Mineral,
    quantity: SaleQuantity,
    unit: Unit,
) -> Result<SaleQuantity, TransformationError> {
    let converted = quantity.quantity().convert(unit, mineral.unit());
    converted
        .and_then(SaleQuantity::try_from)
        .map_err(|error| match error {
            QuantityError::AboveMaximum { .. } => TransformationError::Overflow,
            _ => TransformationError::Inexact {
                mineral,
                mineral_unit: mineral.unit(),
            },
        })
}

/// Input `index`, or `None` with its errors recorded. `seen` holds the balances of earlier
/// inputs with their indexes: one balance goes in once.
fn read_input(
    index: usize,
    draft: &InputDraft,
    seen: &mut Vec<(BalanceKey, usize)>,
    errors: &mut ValidationErrors,
) -> Option<InputLine> {
    let mut line = Line::new(errors, "inputs", "Insumo", index);
    let code = CodigoOrigen::parse(&draft.codigo_origen);
    let code = line.take("codigo_origen", "código de origen", code);
    let mineral = line.take("mineral", "mineral", Mineral::resolve(&draft.mineral));
    let unit = line.unit(&draft.unit, mineral);
    let quantity = line.quantity(&draft.quantity, mineral, unit);
    let contents = line.contents(&draft.contents, mineral.map(Mineral::unit));
    let key = BalanceKey::new(code?, mineral?);
    if let Some(&(_, first)) = seen.iter().find(|(k, _)| *k == key) {
        let first_line = first + 1;
        let error = TransformationError::DuplicateInput { key, first_line };
        line.push("codigo_origen", "código de origen", error);
        return None;
    }
    seen.push((key, index));
    let mut contents = contents?;
    if contents.is_empty() {
        contents.push(Content {
            element: key.mineral,
            ley: Ley::ONE,
        });
    }
    Some(InputLine {
        key,
        quantity: quantity?.1,
        contents,
    })
}

/// Output `index`, or `None` with its errors recorded.
fn read_output(
    index: usize,
    draft: &OutputDraft,
    errors: &mut ValidationErrors,
) -> Option<OutputLine> {
    let mut line = Line::new(errors, "outputs", "Producto", index);
    let mineral = line.take("mineral", "mineral", Mineral::resolve(&draft.mineral));
    let unit = line.unit(&draft.unit, mineral);
    let quantity = line.quantity(&draft.quantity, mineral, unit);
    let ley = line.take("ley", "ley", Ley::parse(&draft.ley));
    let (quantity, balance_quantity) = quantity?;
    Some(OutputLine {
        mineral: mineral?,
        quantity,
        unit: unit?,
        ley: ley?,
        balance_quantity,
    })
}

fn read_process(text: &str) -> Result<Process, TransformationError> {
    if text.trim().is_empty() {
        return Err(TransformationError::ProcessRequired);
    }
    Process::from_code(text)
        .ok_or_else(|| TransformationError::UnknownProcess { value: echo(text) })
}

/// At least one line, at most `max`.
fn check_count(
    names: [&'static str; 2],
    found: usize,
    max: usize,
) -> Result<(), TransformationError> {
    let [one, what] = names;
    match found {
        0 => Err(TransformationError::NoLines { what: one }),
        _ if found > max => Err(TransformationError::TooManyLines { what, max, found }),
        _ => Ok(()),
    }
}

/// The justification trimmed (`None` if blank), required when some element's loss is above the
/// threshold; one given anyway is kept.
fn check_justification(
    text: &str,
    balances: &[ElementBalance],
    threshold: LossThreshold,
) -> Result<Option<String>, TransformationError> {
    let (text, found) = (text.trim(), text.trim().chars().count());
    let losses: Vec<(Mineral, Decimal)> = (balances.iter().filter(|b| b.above_threshold))
        .map(|b| (b.element, b.loss_share))
        .collect();
    if found > JUSTIFICATION_MAX_CHARS {
        let max = JUSTIFICATION_MAX_CHARS;
        Err(TransformationError::JustificationTooLong { max, found })
    } else if !losses.is_empty() && found < JUSTIFICATION_MIN_CHARS {
        let threshold = threshold.share();
        Err(TransformationError::JustificationRequired { losses, threshold })
    } else {
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }
}

impl TransformationDraft {
    /// Every error at once, each on its field (`fecha`, `process`, `inputs[0].quantity`,
    /// `inputs[0].contents[1].ley`, `outputs[1].unit`, `justification`…): the date parsed, not
    /// after `today` and in an open period; every line read, no balance twice; then, once every
    /// line reads, the mass balance of every element and the lineage (see the module).
    pub fn validate(
        &self,
        today: Fecha,
        closings: &Closings,
        threshold: LossThreshold,
    ) -> Result<Transformation, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let fecha = Fecha::parse(&self.fecha)
            .and_then(|fecha| fecha.check_not_future(today))
            .and_then(|fecha| closings.check_open(fecha));
        let fecha = errors.take("fecha", "Fecha de la transformación", fecha);
        let process = errors.take("process", "Proceso", read_process(&self.process));
        let sha256 = Sha256Hex::parse(&self.support_sha256);
        let support_sha256 = errors.take("support_sha256", "Código SHA-256 del soporte", sha256);
        let before_lines = errors.errors.len();
        let inputs_count = check_count(["insumo", "insumos"], self.inputs.len(), INPUTS_MAX);
        errors.take("inputs", "Insumos", inputs_count);
        let outputs_count = check_count(["producto", "productos"], self.outputs.len(), OUTPUTS_MAX);
        errors.take("outputs", "Productos", outputs_count);
        let (mut inputs, mut outputs, mut seen) = (Vec::new(), Vec::new(), Vec::new());
        for (index, draft) in self.inputs.iter().enumerate().take(INPUTS_MAX) {
            inputs.extend(read_input(index, draft, &mut seen, &mut errors));
        }
        for (index, draft) in self.outputs.iter().enumerate().take(OUTPUTS_MAX) {
            outputs.extend(read_output(index, draft, &mut errors));
        }
        // The mass balance only means something once every line reads.
        let checked = (errors.errors.len() == before_lines)
            .then(|| mass_balance::check(&inputs, &outputs, threshold, &mut errors))
            .flatten();
        let (balances, lineage) = checked.unwrap_or_default();
        let justification = check_justification(&self.justification, &balances, threshold);
        let justification = errors.take("justification", "Justificación", justification);
        match (fecha, process, support_sha256) {
            (Some(fecha), Some(process), Some(support_sha256)) if errors.is_empty() => {
                Ok(Transformation {
                    fecha,
                    process,
                    support_sha256,
                    inputs,
                    outputs,
                    balances,
                    lineage,
                    justification: justification.flatten(),
                })
            }
            _ => Err(errors),
        }
    }
}
