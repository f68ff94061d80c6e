//! The transformation's rules: examples and properties.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::mass_balance::split_shares;
use super::*;
use crate::fecha::Closings;
use crate::validation::ValidationErrors;

/// Long enough to justify any loss.
const JUSTIFIED: &str = "Crisol fisurado durante la fundición del lote.";

fn today() -> Fecha {
    Fecha::parse("28/11/2026").expect("date")
}

fn d(text: &str) -> Decimal {
    text.parse().expect("decimal")
}

fn content(element: &str, ley: &str) -> ContentDraft {
    ContentDraft {
        element: element.into(),
        ley: ley.into(),
    }
}

fn output(mineral: &str, quantity: &str) -> OutputDraft {
    OutputDraft {
        mineral: mineral.into(),
        quantity: quantity.into(),
        unit: "g".into(),
        ley: "1".into(),
    }
}

/// An ORO balance, in grams.
fn input(code: &str, quantity: &str, contents: Vec<ContentDraft>) -> InputDraft {
    InputDraft {
        codigo_origen: code.into(),
        mineral: "ORO".into(),
        unit: "g".into(),
        quantity: quantity.into(),
        contents,
    }
}

/// 1 000 g of doré (ORO 0,850, PLATA 0,120) into 845 g of gold and 118 g of silver.
fn dore() -> TransformationDraft {
    let contents = vec![content("ORO", "0,850"), content("PLATA", "0,120")];
    TransformationDraft {
        fecha: "02/11/2026".into(),
        process: "REFINACION".into(),
        support_sha256: "ab".repeat(32),
        justification: String::new(),
        inputs: vec![input("4DEB01BC", "1000", contents)],
        outputs: vec![output("ORO", "845"), output("PLATA", "118")],
    }
}

/// The doré, changed.
fn dore_with(change: impl FnOnce(&mut TransformationDraft)) -> TransformationDraft {
    let mut draft = dore();
    change(&mut draft);
    draft
}

fn validate(draft: &TransformationDraft) -> Result<Transformation, ValidationErrors> {
    draft.validate(today(), &Closings::none(), LossThreshold::default())
}

/// Why a draft is refused: `field code`, in order.
fn refusal(draft: &TransformationDraft) -> Vec<String> {
    let errors = validate(draft).expect_err("refused");
    let pair = |e: &crate::validation::FieldError| format!("{} {}", e.field, e.code);
    errors.errors.iter().map(pair).collect()
}

/// Whether some message of the refusal says `text`.
fn says(draft: &TransformationDraft, text: &str) -> bool {
    validate(draft).is_err_and(|errors| errors.to_string().contains(text))
}

fn shares(lineage: &[LineageShare]) -> Vec<Decimal> {
    lineage.iter().map(|s| s.share).collect()
}

fn mineral(name: &str) -> Mineral {
    Mineral::resolve(name).expect("mineral")
}

/// In, out, loss and loss share.
fn figures(b: &ElementBalance) -> [Decimal; 4] {
    [b.input, b.output, b.loss, b.loss_share]
}

#[test]
fn the_dore_balances_per_element_with_its_losses_and_lineage() {
    let checked = validate(&dore()).expect("valid");
    let [oro, plata] = checked.balances() else {
        panic!("two elements, in the inputs' order")
    };
    assert_eq!((oro.element, oro.unit), (mineral("ORO"), Unit::Gram));
    assert_eq!(figures(oro), [d("850"), d("845"), d("5"), d("0.005882")]);
    assert_eq!(plata.element, mineral("PLATA"));
    assert_eq!(figures(plata), [d("120"), d("118"), d("2"), d("0.016667")]);
    assert!(!checked.justification_required());
    assert!(checked.elements_above_threshold().is_empty());
    assert_eq!(checked.justification(), None);
    assert_eq!(checked.process(), Process::Refinacion);
    assert_eq!(checked.lineage().len(), 2);
    for lineage in checked.lineage() {
        assert_eq!(shares(lineage).iter().sum::<Decimal>(), Decimal::ONE);
        assert_eq!(lineage[0].input, 0);
    }
    assert_eq!(checked.outputs()[1].balance_quantity.value(), d("118"));
    assert_eq!(checked.inputs()[0].contents.len(), 2);
}

#[test]
fn a_loss_above_the_threshold_needs_a_justification() {
    let mut draft = dore_with(|t| t.outputs[0].quantity = "700".into()); // 150 of 850 g
    let required = ["justification transformation_justification_required"];
    assert_eq!(refusal(&draft), required);
    assert!(says(&draft, "supera el 15 % (ORO 17,6471 %)"));
    draft.justification = " corta ".into();
    assert_eq!(refusal(&draft), required);
    draft.justification = format!("  {JUSTIFIED}  ");
    let checked = validate(&draft).expect("justified");
    assert!(checked.justification_required());
    assert_eq!(checked.elements_above_threshold(), [mineral("ORO")]);
    assert_eq!(checked.justification(), Some(JUSTIFIED));
    // A laxer threshold accepts the same loss without a word.
    draft.justification = String::new();
    let lax = LossThreshold::new(d("0.2")).expect("20 %");
    assert!(draft.validate(today(), &Closings::none(), lax).is_ok());
    draft.justification = "x".repeat(JUSTIFICATION_MAX_CHARS + 1);
    let too_long = ["justification transformation_justification_too_long"];
    assert_eq!(refusal(&draft), too_long);
    // Exactly 15 % is not above; a short justification given anyway is kept.
    let exact = dore_with(|t| {
        t.inputs[0].contents.clear();
        t.inputs[0].quantity = "100".into();
        t.outputs = vec![output("ORO", "85")];
        t.justification = "merma".into();
    });
    let checked = validate(&exact).expect("15 %");
    assert_eq!(checked.balances()[0].loss_share, d("0.15"));
    assert!(!checked.justification_required());
    assert_eq!(checked.justification(), Some("merma"));
}

#[test]
fn nothing_comes_out_that_did_not_go_in() {
    let more = dore_with(|t| t.outputs.push(output("ORO", "6"))); // 845 + 6 > 850
    let exceeds = ["outputs[0].quantity transformation_output_exceeds_input"];
    assert_eq!(refusal(&more), exceeds);
    assert!(says(&more, "entran 850 g finos y salen 851 g"));
    let new = dore_with(|t| t.outputs.push(output("PLATINO", "1")));
    let nowhere = ["outputs[2].mineral transformation_element_not_in_inputs"];
    assert_eq!(refusal(&new), nowhere);
    // An element no output carries is lost whole.
    let dropped = dore_with(|t| {
        t.outputs.pop();
        t.justification = JUSTIFIED.into();
    });
    let checked = validate(&dropped).expect("justified");
    let lost = [d("120"), d("0"), d("120"), d("1")];
    assert_eq!(figures(&checked.balances()[1]), lost);
    assert_eq!(checked.elements_above_threshold(), [mineral("PLATA")]);
}

#[test]
fn quantities_are_kept_in_the_mineral_unit_exactly() {
    let kilos = dore_with(|t| {
        (t.inputs[0].unit, t.inputs[0].quantity) = ("kg".into(), "1".into());
        (t.outputs[0].unit, t.outputs[0].quantity) = ("kg".into(), "0,845".into());
    });
    let checked = validate(&kilos).expect("1 kg is 1 000 g");
    let line = &checked.inputs()[0];
    assert_eq!(line.key.unit, Unit::Gram);
    assert_eq!(line.quantity.value(), d("1000"));
    let out = &checked.outputs()[0];
    assert_eq!(out.unit, Unit::Kilogram);
    assert_eq!(out.quantity.value(), d("0.845"));
    assert_eq!(out.balance_quantity.value(), d("845"));
    assert_eq!(checked.balances(), validate(&dore()).expect("g").balances());
    // 1 ozt is 31,1034768 g: more decimals than a balance keeps.
    let ounce = dore_with(|t| {
        (t.outputs[0].unit, t.outputs[0].quantity) = ("ozt".into(), "1".into());
    });
    let inexact = ["outputs[0].quantity transformation_inexact"];
    assert_eq!(refusal(&ounce), inexact);
    let volume = dore_with(|t| t.outputs[0].unit = "m3".into());
    let mismatch = ["outputs[0].unit unit_incompatible_with_mineral"];
    assert_eq!(refusal(&volume), mismatch);
}

#[test]
fn the_date_must_be_past_and_open() {
    let future = dore_with(|t| t.fecha = "29/11/2026".into());
    assert_eq!(refusal(&future), ["fecha date_in_future"]);
    let closings = Closings::from_dates([Fecha::parse("30/11/2026").expect("date")]);
    let closed = dore().validate(today(), &closings, LossThreshold::default());
    let errors = closed.expect_err("closed");
    assert_eq!(errors.errors.len(), 1);
    assert_eq!(errors.errors[0].field, "fecha");
    assert_eq!(errors.errors[0].code, "date_in_closed_period");
}

#[test]
fn every_error_is_reported_on_its_field() {
    let repeated = vec![content("ORO", "0,5"), content("oro", "0,4")];
    let sand_and_dust = vec![content("ARENAS", ""), content("PLATA", "0,00001")];
    let draft = dore_with(|t| {
        (t.fecha, t.process) = ("2026-11-02".into(), "MAGIA".into());
        t.support_sha256 = "1".into();
        t.inputs = vec![
            input("4DEB01BX", "0", vec![content("ORO", "85")]),
            input("5A1C9E07", "1", repeated),
            input("0A0A0A0A", "1", sand_and_dust),
        ];
        t.inputs[1].unit = "m3".into();
        t.outputs[0].ley = "2".into();
        (t.outputs[1].mineral, t.outputs[1].unit) = ("KRIPTONITA".into(), "libras".into());
    });
    let expected = "fecha date_format
        process transformation_unknown_process
        support_sha256 sha256_length
        inputs[0].codigo_origen codigo_origen_not_hexadecimal
        inputs[0].quantity quantity_not_positive
        inputs[0].contents[0].ley ley_out_of_range
        inputs[1].unit unit_incompatible_with_mineral
        inputs[1].contents[1].element transformation_duplicate_element
        inputs[2].contents[0].element transformation_unit
        inputs[2].contents[1].ley ley_too_many_decimals
        outputs[0].ley ley_out_of_range
        outputs[1].mineral mineral_unknown
        outputs[1].unit unit_unknown";
    let expected: Vec<&str> = expected.lines().map(str::trim).collect();
    assert_eq!(refusal(&draft), expected);
    assert!(says(&draft, "Insumo 1, cantidad: "));
    assert!(says(&draft, "Insumo 1, ley del elemento 1: "));
    assert!(says(&draft, "Insumo 3, elemento 1: ARENAS se registra"));
    assert!(says(&draft, "Producto 2, unidad: "));
    let blank = dore_with(|t| t.process = " ".into());
    assert_eq!(refusal(&blank), ["process transformation_process_required"]);
}

#[test]
fn one_balance_goes_in_once_and_lines_are_bounded() {
    let twice = dore_with(|t| {
        let mut again = t.inputs[0].clone();
        (again.unit, again.quantity) = ("kg".into(), "0,5".into());
        t.inputs.push(again);
    });
    let duplicate = ["inputs[1].codigo_origen transformation_duplicate_input"];
    assert_eq!(refusal(&twice), duplicate);
    assert!(says(&twice, "4DEB01BC ORO (g) ya está en el insumo 1"));
    let none = dore_with(|t| (t.inputs, t.outputs) = (vec![], vec![]));
    let no_lines = "transformation_no_lines";
    let expected = [format!("inputs {no_lines}"), format!("outputs {no_lines}")];
    assert_eq!(refusal(&none), expected);
    let many = dore_with(|t| {
        let code = |i: usize| format!("{i:08X}");
        t.inputs = (1..=INPUTS_MAX + 1)
            .map(|i| input(&code(i), "1", vec![]))
            .collect();
        t.outputs = vec![output("ORO", "1"); OUTPUTS_MAX + 1];
    });
    let too_many = "transformation_too_many_lines";
    let expected = [format!("inputs {too_many}"), format!("outputs {too_many}")];
    assert_eq!(refusal(&many), expected);
    assert!(says(&many, "hasta 50 insumos; hay 51"));
    let elements = dore_with(|t| {
        t.inputs[0].contents = vec![content("ORO", "0,01"); CONTENTS_MAX + 1];
    });
    let first = format!("inputs[0].contents {too_many}");
    assert_eq!(refusal(&elements)[0], first);
    let above_one = dore_with(|t| t.inputs[0].contents[1].ley = "0,2".into()); // 0,85 + 0,2
    let expected = ["inputs[0].contents transformation_contents_above_one"];
    assert_eq!(refusal(&above_one), expected);
}

#[test]
fn process_ley_and_threshold_read() {
    for process in Process::ALL {
        let lowercase = process.code().to_lowercase();
        assert_eq!(Process::from_code(&lowercase), Some(process));
        let json = serde_json::to_string(&process).expect("json");
        assert_eq!(json, format!("\"{}\"", process.code()));
    }
    assert_eq!(Process::Concentracion.label(), "Concentración");
    assert_eq!(Process::from_code(" Fundicion "), Some(Process::Fundicion));
    assert_eq!(Process::from_code("fundir"), None);
    assert_eq!(Ley::parse(" ").expect("blank"), Ley::ONE);
    assert_eq!(Ley::parse("1").expect("pure"), Ley::ONE);
    assert_eq!(Ley::parse("0,850").expect("ley").to_string(), "0,85");
    assert_eq!(Ley::parse("0.9999").expect("ley").value(), d("0.9999"));
    assert_eq!(Ley::new(d("0.85000")).expect("zeros").value(), d("0.85"));
    let code = |text: &str| Ley::parse(text).map_err(|e| e.code());
    assert_eq!(code("85"), Err("ley_out_of_range")); // a fraction, not a percentage
    assert_eq!(code("0"), Err("ley_out_of_range"));
    assert_eq!(code("-0,5"), Err("ley_out_of_range"));
    assert_eq!(code("0,00001"), Err("ley_too_many_decimals"));
    assert_eq!(code("ochenta"), Err("ley_not_a_number"));
    assert!(serde_json::from_str::<Ley>("\"1.5\"").is_err());
    assert_eq!(LossThreshold::default().share(), d("0.15"));
    assert!(LossThreshold::new(Decimal::ZERO).is_ok());
    assert!(LossThreshold::new(Decimal::ONE).is_ok());
    let out_of_range = Err(TransformationError::ThresholdOutOfRange);
    assert_eq!(LossThreshold::new(d("1.5")), out_of_range);
    assert_eq!(LossThreshold::new(d("-0.1")), out_of_range);
}

#[test]
fn thirds_add_up_to_one() {
    let thirds = [d("0.333334"), d("0.333333"), d("0.333333")];
    let split = split_shares(&[Decimal::ONE; 3]).expect("shares");
    assert_eq!(shares(&split), thirds);
    let bars = dore_with(|t| {
        let codes = ["0A0A0A0A", "0B0B0B0B", "0C0C0C0C"];
        t.inputs = codes.map(|c| input(c, "100", vec![])).into();
        t.outputs = vec![output("ORO", "300")];
    });
    let checked = validate(&bars).expect("three equal bars");
    assert_eq!(shares(&checked.lineage()[0]), thirds);
    // The largest remainder gets the missing millionth, wherever it is; no metal, no share.
    let split = split_shares(&[d("1"), Decimal::ZERO, d("2")]).expect("shares");
    let inputs: Vec<usize> = split.iter().map(|s| s.input).collect();
    assert_eq!(inputs, [0, 2]);
    assert_eq!(shares(&split), [d("0.333333"), d("0.666667")]);
}

/// A value as people type it, with a decimal comma.
fn typed(value: Decimal) -> String {
    value.normalize().to_string().replace('.', ",")
}

/// Inputs of gold and silver (`(hundredths, in kg?, gold ley, silver ley)`, leyes in
/// ten-thousandths) and an output of each: `per_mille` of the fine metal in (none if it rounds to
/// 0), in g, kg or ozt (`units`). Returns the draft and, computed here in grams from what was
/// typed, the fine gold and silver in and out.
fn gold_and_silver(
    lines: &[(i64, bool, i64, i64)],
    per_mille: [i64; 2],
    units: [usize; 2],
) -> (TransformationDraft, [[Decimal; 2]; 2]) {
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    let (mut fine_in, mut fine_out) = ([Decimal::ZERO; 2], [Decimal::ZERO; 2]);
    for (index, &(hundredths, kilos, gold, silver)) in lines.iter().enumerate() {
        let quantity = Decimal::new(hundredths, 2);
        let unit = if kilos { Unit::Kilogram } else { Unit::Gram };
        let grams = quantity * unit.grams_per_unit().unwrap_or_default();
        let leyes = [gold, silver.min(10_000 - gold)].map(|ley| Decimal::new(ley, 4));
        let mut contents = Vec::new();
        for (element, name) in ["ORO", "PLATA"].into_iter().enumerate() {
            if !leyes[element].is_zero() {
                contents.push(content(name, &typed(leyes[element])));
                fine_in[element] += grams * leyes[element];
            }
        }
        let mut line = input(&format!("{:08X}", index + 1), &typed(quantity), contents);
        line.unit = unit.code().into();
        inputs.push(line);
    }
    for (element, name) in ["ORO", "PLATA"].into_iter().enumerate() {
        let unit = [Unit::Gram, Unit::Kilogram, Unit::TroyOunce][units[element]];
        let grams_per_unit = unit.grams_per_unit().unwrap_or(Decimal::ONE);
        let share = Decimal::new(per_mille[element], 3);
        let quantity = (fine_in[element] * share / grams_per_unit).round_dp(4);
        if !quantity.is_zero() {
            let mut line = output(name, &typed(quantity));
            line.unit = unit.code().into();
            outputs.push(line);
            fine_out[element] = quantity * grams_per_unit;
        }
    }
    let draft = dore_with(|t| {
        (t.inputs, t.outputs, t.justification) = (inputs, outputs, JUSTIFIED.into());
    });
    (draft, [fine_in, fine_out])
}

/// Inputs of gold, `(quantity, ley)` in ten-thousandths, into 0,0001 g of gold.
fn many_bars(lines: &[(i64, i64)]) -> TransformationDraft {
    let bar = |(index, &(quantity, ley)): (usize, &(i64, i64))| {
        let contents = vec![content("ORO", &typed(Decimal::new(ley, 4)))];
        let (code, quantity) = (
            format!("{:08X}", index + 1),
            typed(Decimal::new(quantity, 4)),
        );
        input(&code, &quantity, contents)
    };
    dore_with(|t| {
        t.inputs = lines.iter().enumerate().map(bar).collect();
        t.outputs = vec![output("ORO", "0,0001")];
        t.justification = JUSTIFIED.into();
    })
}

proptest! {
    /// Whatever the leyes, quantities and units, an accepted transformation puts out no more of
    /// any element than went in, recomputed here in grams from what was typed; and more out than
    /// in, in units that convert exactly, is refused as such.
    #[test]
    fn no_accepted_transformation_creates_metal(
        lines in prop::collection::vec(
            (1_i64..=10_000_000, any::<bool>(), 1_i64..=10_000, 0_i64..=10_000),
            1..6,
        ),
        per_mille in [0_i64..=1_100, 0_i64..=1_100],
        units in [0_usize..3, 0_usize..3],
    ) {
        let (draft, [fine_in, fine_out]) = gold_and_silver(&lines, per_mille, units);
        let exceeds = (0..2).any(|element| fine_out[element] > fine_in[element]);
        match validate(&draft) {
            Ok(checked) => {
                prop_assert!(!exceeds, "in {:?}, out {:?}", fine_in, fine_out);
                let balanced = |b: &ElementBalance| b.output <= b.input && b.loss >= Decimal::ZERO;
                prop_assert!(checked.balances().iter().all(balanced));
            }
            Err(errors) => if exceeds && !units.contains(&2) {
                prop_assert!(errors.has_code("transformation_output_exceeds_input"), "{}", errors);
            },
        }
    }

    /// Lineage shares are each in [0, 1], within a millionth of the exact proportion, and add up
    /// to exactly 1, for any number of inputs up to the limit.
    #[test]
    fn lineage_adds_up_to_exactly_one(
        lines in prop::collection::vec((1_i64..=10_000_000_000, 1_i64..=10_000), 1..=INPUTS_MAX),
    ) {
        let checked = validate(&many_bars(&lines)).expect("valid");
        let lineage = &checked.lineage()[0];
        prop_assert_eq!(lineage.len(), lines.len());
        prop_assert_eq!(shares(lineage).iter().sum::<Decimal>(), Decimal::ONE);
        let fine = |&(quantity, ley): &(i64, i64)| Decimal::new(quantity, 4) * Decimal::new(ley, 4);
        let total: Decimal = lines.iter().map(fine).sum();
        for (share, line) in lineage.iter().zip(&lines) {
            let exact = fine(line) / total;
            prop_assert!(share.share >= Decimal::ZERO && share.share <= Decimal::ONE);
            let off = (share.share - exact).abs();
            prop_assert!(off < Decimal::new(1, 6), "{} vs {}", share.share, exact);
        }
    }
}
