//! The mass balance per element and the lineage shares of each output.

use rust_decimal::Decimal;

use super::TransformationError as Error;
use super::{
    ElementBalance, InputLine, Ley, LineageShare, LossThreshold, OutputLine, SHARE_DECIMALS,
};
use crate::mineral::Mineral;
use crate::quantity::SaleQuantity;
use crate::unit::{Dimension, Unit};
use crate::validation::ValidationErrors;

/// The unit an element's fine contents are compared in: carats for what is kept in carats, m³ for
/// what is measured by volume, grams for every other mass (tonnes of ore carry grams of gold).
fn canonical_unit(element: Mineral) -> Unit {
    match element.unit() {
        Unit::Carat => Unit::Carat,
        unit if unit.dimension() == Dimension::Volume => unit,
        _ => Unit::Gram,
    }
}

/// `quantity` of `unit` × `ley`, in `element`'s canonical unit. Exact: between the minerals' own
/// units a conversion multiplies by a power of ten or by 5, and a ley has four decimals.
fn fine(element: Mineral, quantity: SaleQuantity, unit: Unit, ley: Ley) -> Result<Decimal, Error> {
    let converted = unit.convert(quantity.value(), canonical_unit(element));
    let converted = converted.map_err(Error::Unit)?;
    converted.checked_mul(ley.value()).ok_or(Error::Overflow)
}

/// Each input's fine content of `element`, by position (zero where it has none).
fn contributions(inputs: &[InputLine], element: Mineral) -> Result<Vec<Decimal>, Error> {
    let of = |input: &InputLine| match input.contents.iter().find(|c| c.element == element) {
        Some(content) => fine(element, input.quantity, input.key.unit, content.ley),
        None => Ok(Decimal::ZERO),
    };
    inputs.iter().map(of).collect()
}

fn total(amounts: Vec<Decimal>) -> Result<Decimal, Error> {
    let add = |sum: Decimal, amount| sum.checked_add(amount).ok_or(Error::Overflow);
    amounts.into_iter().try_fold(Decimal::ZERO, add)
}

/// What went in, what came out and the loss of one element of the inputs.
fn element_balance(
    inputs: &[InputLine],
    outputs: &[OutputLine],
    element: Mineral,
    threshold: LossThreshold,
) -> Result<ElementBalance, Error> {
    let unit = canonical_unit(element);
    let input = total(contributions(inputs, element)?)?;
    let outputs = outputs.iter().filter(|o| o.mineral == element);
    let output = total(
        outputs
            .map(|o| fine(element, o.quantity, o.unit, o.ley))
            .collect::<Result<_, _>>()?,
    )?;
    let (input, output) = (input.normalize(), output.normalize());
    if output > input {
        return Err(Error::OutputExceedsInput {
            element,
            unit,
            input,
            output,
        });
    }
    let loss = input - output;
    // Every input quantity and every ley is positive, so `input` is: the division cannot fail.
    let loss_share = loss.checked_div(input).ok_or(Error::Overflow)?;
    Ok(ElementBalance {
        element,
        unit,
        input,
        output,
        loss: loss.normalize(),
        loss_share: loss_share.round_dp(SHARE_DECIMALS).normalize(),
        above_threshold: loss_share > threshold.share(),
    })
}

/// Records a broken rule on the output it is about: its mineral when the element came from
/// nowhere, its quantity otherwise (`None`: the inputs as a whole).
fn report(errors: &mut ValidationErrors, output: Option<usize>, error: &Error) {
    let Some(o) = output else {
        return errors.push("inputs", "Insumos", error);
    };
    let (at, what) = match error {
        Error::ElementNotInInputs { .. } => ("mineral", "mineral"),
        _ => ("quantity", "cantidad"),
    };
    errors.push(
        format!("outputs[{o}].{at}"),
        &format!("Producto {}, {what}", o + 1),
        error,
    );
}

/// The balance of every element, in the order elements first appear in the inputs, and the
/// lineage of every output; or `None` with every broken rule recorded.
pub(super) fn check(
    inputs: &[InputLine],
    outputs: &[OutputLine],
    threshold: LossThreshold,
    errors: &mut ValidationErrors,
) -> Option<(Vec<ElementBalance>, Vec<Vec<LineageShare>>)> {
    let before = errors.errors.len();
    let mut elements: Vec<Mineral> = Vec::new();
    for content in inputs.iter().flat_map(|i| &i.contents) {
        if !elements.contains(&content.element) {
            elements.push(content.element);
        }
    }
    for (index, output) in outputs.iter().enumerate() {
        let element = output.mineral;
        if !elements.contains(&element) {
            report(errors, Some(index), &Error::ElementNotInInputs { element });
        }
    }
    let mut balances = Vec::with_capacity(elements.len());
    for element in elements {
        match element_balance(inputs, outputs, element, threshold) {
            Ok(balance) => balances.push(balance),
            Err(error) => {
                let first_output = outputs.iter().position(|o| o.mineral == element);
                report(errors, first_output, &error);
            }
        }
    }
    if errors.errors.len() > before {
        return None;
    }
    let mut lineage = Vec::with_capacity(outputs.len());
    for (index, output) in outputs.iter().enumerate() {
        match contributions(inputs, output.mineral).and_then(|amounts| split_shares(&amounts)) {
            Ok(shares) => lineage.push(shares),
            Err(error) => report(errors, Some(index), &error),
        }
    }
    (errors.errors.len() == before).then_some((balances, lineage))
}

/// Each positive amount's share of their total, with [`SHARE_DECIMALS`] decimals adding up to
/// exactly 1 (the new origin codes' lineage must account for every gram): each share is rounded
/// down, and the millionths still missing go to the largest remainders, ties to the earlier input.
/// Computed on integers, so that neither the floors nor the ties depend on a rounded quotient.
pub(super) fn split_shares(amounts: &[Decimal]) -> Result<Vec<LineageShare>, Error> {
    let overflow = || Error::Overflow;
    let scale = amounts.iter().map(|a| a.scale()).max().unwrap_or(0);
    let integers = amounts
        .iter()
        .map(|a| {
            let factor = 10_i128.checked_pow(scale - a.scale())?;
            a.mantissa().checked_mul(factor)
        })
        .collect::<Option<Vec<i128>>>()
        .ok_or_else(overflow)?;
    let sum = integers
        .iter()
        .try_fold(0_i128, |sum, a| sum.checked_add(*a))
        .ok_or_else(overflow)?;
    if sum <= 0 {
        return Ok(Vec::new());
    }
    let one = 10_i128.pow(SHARE_DECIMALS);
    // (input, millionths, remainder over `sum`)
    let mut shares = integers
        .iter()
        .enumerate()
        .filter(|(_, amount)| **amount > 0)
        .map(|(input, amount)| {
            let scaled = amount.checked_mul(one)?;
            Some((input, scaled / sum, scaled % sum))
        })
        .collect::<Option<Vec<(usize, i128, i128)>>>()
        .ok_or_else(overflow)?;
    let given: i128 = shares.iter().map(|s| s.1).sum();
    // Each floor loses less than one millionth: fewer are missing than there are shares.
    let missing = usize::try_from(one - given).map_err(|_| overflow())?;
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| shares[*b].2.cmp(&shares[*a].2).then(a.cmp(b)));
    for position in order.into_iter().take(missing) {
        shares[position].1 += 1;
    }
    shares
        .into_iter()
        .map(|(input, millionths, _)| {
            Decimal::try_from_i128_with_scale(millionths, SHARE_DECIMALS)
                .map(|share| LineageShare {
                    input,
                    share: share.normalize(),
                })
                .map_err(|_| overflow())
        })
        .collect()
}
