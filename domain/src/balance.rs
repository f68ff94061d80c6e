//! Balances (*saldos*) per origin code, and the purchase that moves them from seller to buyer.
//!
//! A purchase moves each quantity under the **same** origin code: the buyer's gram keeps the code
//! of the mine it came from, which is what traceability means. A balance never goes negative: a
//! sale above what is available is refused, never clamped. Moving is pure: the functions return new
//! balances and leave the inputs untouched, so a refused purchase changes nothing.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::codigo_origen::CodigoOrigen;
use crate::error_code::ErrorCode;
use crate::mineral::Mineral;
use crate::quantity::{Quantity, QuantityError, SaleQuantity};
use crate::unit::Unit;
use crate::validation::ValidationErrors;

/// Most lines in one allocation: as many as a purchase may have.
pub const ALLOCATION_MAX_LINES: usize = crate::compra::COMPRA_MAX_LINES;

/// What a balance is kept per: origin code, mineral and unit (the editor's *Cód de Origen*,
/// *Mineral* and *Unidades* columns). Ordered by code, then mineral, then unit, so that every
/// listing of balances comes out in the same order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BalanceKey {
    pub codigo_origen: CodigoOrigen,
    pub mineral: Mineral,
    pub unit: Unit,
}

impl BalanceKey {
    /// A key in the mineral's own unit, the unit balances are kept in.
    pub fn new(codigo_origen: CodigoOrigen, mineral: Mineral) -> Self {
        Self {
            codigo_origen,
            mineral,
            unit: mineral.unit(),
        }
    }
}

impl fmt::Display for BalanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({})", self.codigo_origen, self.mineral, self.unit)
    }
}

/// One holder's balances. Zero balances are not stored, so two holdings with the same positive
/// balances are equal however they got there.
///
/// JSON form: a list in key order, `[{"codigo_origen": "4DEB01BC", "mineral": "ORO", "unit": "g",
/// "quantity": "191"}]` (JSON object keys can only be strings).
///
/// ```
/// use domain::{BalanceKey, Balances, CodigoOrigen, Mineral, Quantity};
/// let key = BalanceKey::new(CodigoOrigen::parse("4DEB01BC").unwrap(), Mineral::resolve("oro").unwrap());
/// let mut balances = Balances::new();
/// balances.credit(key, Quantity::parse("191").unwrap()).unwrap();
/// assert_eq!(balances.available(&key), Quantity::parse("191").unwrap());
/// assert!(balances.debit(key, Quantity::parse("192").unwrap()).is_err());
/// assert_eq!(balances.available(&key), Quantity::parse("191").unwrap()); // unchanged
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<BalanceEntry>", try_from = "Vec<BalanceEntry>")]
pub struct Balances {
    entries: BTreeMap<BalanceKey, Quantity>,
}

/// One balance, as listed (JSON, e-mails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceEntry {
    pub codigo_origen: CodigoOrigen,
    pub mineral: Mineral,
    pub unit: Unit,
    pub quantity: Quantity,
}

impl From<Balances> for Vec<BalanceEntry> {
    fn from(balances: Balances) -> Self {
        balances
            .entries
            .into_iter()
            .map(|(key, quantity)| BalanceEntry {
                codigo_origen: key.codigo_origen,
                mineral: key.mineral,
                unit: key.unit,
                quantity,
            })
            .collect()
    }
}

impl TryFrom<Vec<BalanceEntry>> for Balances {
    type Error = AllocationError;
    fn try_from(entries: Vec<BalanceEntry>) -> Result<Self, Self::Error> {
        Balances::from_entries(entries.into_iter().map(|e| {
            (
                BalanceKey {
                    codigo_origen: e.codigo_origen,
                    mineral: e.mineral,
                    unit: e.unit,
                },
                e.quantity,
            )
        }))
    }
}

/// The code of [`AllocationError::NotEnoughBalance`]: the refusals a buyer may not repeat at will.
pub const INSUFFICIENT_BALANCE: &str = "insufficient_balance";

/// Who reads a balance refusal: the seller may read its own balances in it, the buyer never
/// (see `Compra::check_seller_balances`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceReader {
    Seller,
    Buyer,
}

/// A balance rule broken by a movement.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AllocationError {
    #[error("Seleccione al menos un código de origen con la cantidad a vender.")]
    Empty,
    #[error("Hay {found} filas; el máximo es {max}. Divida la venta en varias compras.")]
    TooManyLines { max: usize, found: usize },
    #[error("El código de origen {} con {} ({}) aparece más de una vez; deje una sola fila con la cantidad total.", key.codigo_origen, key.mineral, key.unit)]
    DuplicateKey { key: BalanceKey },
    #[error("No hay saldo de {} en {} con el código de origen {}.", key.mineral, key.unit, key.codigo_origen)]
    NoBalance { key: BalanceKey },
    #[error("La venta de {requested} {} de {} con el código de origen {} supera el disponible ({available} {}).", key.unit, key.mineral, key.codigo_origen, key.unit)]
    ExceedsAvailable {
        key: BalanceKey,
        available: Quantity,
        requested: Quantity,
    },
    /// What a buyer is told of a seller's shortfall: which balance, never how much it holds.
    #[error("El vendedor no tiene saldo suficiente de {} en {} con el código de origen {} para esta cantidad.", key.mineral, key.unit, key.codigo_origen)]
    NotEnoughBalance { key: BalanceKey },
    #[error("Para revertir la compra el comprador debe tener {requested} {} de {} con el código de origen {}, y tiene {available} {}: ya dispuso de una parte.", key.unit, key.mineral, key.codigo_origen, key.unit)]
    ReversalExceedsAvailable {
        key: BalanceKey,
        available: Quantity,
        requested: Quantity,
    },
    #[error("El saldo de {} superaría el máximo admitido.", key)]
    BalanceAboveMaximum { key: BalanceKey },
}

impl ErrorCode for AllocationError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty => "allocation_empty",
            Self::TooManyLines { .. } => "allocation_too_many_lines",
            Self::DuplicateKey { .. } => "allocation_duplicate",
            Self::NoBalance { .. } => "balance_not_found",
            Self::ExceedsAvailable { .. } => "exceeds_available",
            Self::NotEnoughBalance { .. } => INSUFFICIENT_BALANCE,
            Self::ReversalExceedsAvailable { .. } => "reversal_exceeds_available",
            Self::BalanceAboveMaximum { .. } => "balance_above_maximum",
        }
    }
}

/// Every violation found in one movement (a purchase is refused as a whole).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))]
pub struct AllocationErrors(pub Vec<AllocationError>);

impl Balances {
    /// No balances.
    pub fn new() -> Self {
        Self::default()
    }

    /// Balances from (key, quantity) pairs; repeated keys are added up.
    pub fn from_entries(
        entries: impl IntoIterator<Item = (BalanceKey, Quantity)>,
    ) -> Result<Self, AllocationError> {
        let mut balances = Self::new();
        for (key, quantity) in entries {
            balances.credit(key, quantity)?;
        }
        Ok(balances)
    }

    /// What is available under a key (zero when there is no balance).
    pub fn available(&self, key: &BalanceKey) -> Quantity {
        self.entries.get(key).copied().unwrap_or(Quantity::ZERO)
    }

    /// The positive balances, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&BalanceKey, &Quantity)> {
        self.entries.iter()
    }

    /// How many keys hold a positive balance.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds to a balance, refusing to pass the maximum quantity.
    pub fn credit(&mut self, key: BalanceKey, quantity: Quantity) -> Result<(), AllocationError> {
        if quantity.is_zero() {
            return Ok(());
        }
        let sum = self
            .available(&key)
            .checked_add(quantity)
            .map_err(|_| AllocationError::BalanceAboveMaximum { key })?;
        self.entries.insert(key, sum);
        Ok(())
    }

    /// Takes from a balance, refusing to go below zero; on error nothing changes.
    pub fn debit(&mut self, key: BalanceKey, quantity: Quantity) -> Result<(), AllocationError> {
        let available = self.available(&key);
        let rest = available
            .checked_sub(quantity)
            .map_err(|error| match error {
                QuantityError::WouldBeNegative { .. } if available.is_zero() => {
                    AllocationError::NoBalance { key }
                }
                _ => AllocationError::ExceedsAvailable {
                    key,
                    available,
                    requested: quantity,
                },
            })?;
        if rest.is_zero() {
            self.entries.remove(&key);
        } else {
            self.entries.insert(key, rest);
        }
        Ok(())
    }
}

/// One row of the *editor de códigos de origen y saldos para la venta*: how much to sell under one
/// key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationLine {
    pub key: BalanceKey,
    pub venta: SaleQuantity,
}

/// A row of the editor as typed (*Cód de Origen*, *Mineral*, *Venta*, *Unidades*).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EditorRow {
    pub codigo_origen: String,
    pub mineral: String,
    pub venta: String,
    pub unit: String,
}

/// A purchase's quantity of one mineral in one unit: what the *Registro de minerales y
/// cantidades* table shows after the editor's "Subir datos".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MineralTotal {
    pub mineral: Mineral,
    pub unit: Unit,
    pub quantity: SaleQuantity,
}

/// What the seller sells from which origin code: at least one line, each key once, each quantity
/// positive. Whether the seller holds enough is checked against its balances
/// ([`Allocation::check_against`], [`apply_purchase`]).
///
/// ```
/// use domain::{Allocation, AllocationLine, BalanceKey, Balances, CodigoOrigen, Mineral, Quantity, SaleQuantity};
/// let key = BalanceKey::new(CodigoOrigen::parse("4DEB01BC").unwrap(), Mineral::resolve("ORO").unwrap());
/// let seller = Balances::from_entries([(key, Quantity::parse("191").unwrap())]).unwrap();
/// let allocation = Allocation::new(vec![AllocationLine { key, venta: SaleQuantity::parse("10").unwrap() }]).unwrap();
/// assert!(allocation.check_against(&seller).is_ok());
/// let too_much = Allocation::new(vec![AllocationLine { key, venta: SaleQuantity::parse("200").unwrap() }]).unwrap();
/// let error = too_much.check_against(&seller).unwrap_err();
/// assert!(error.to_string().contains("4DEB01BC") && error.to_string().contains("191"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<AllocationLine>", try_from = "Vec<AllocationLine>")]
pub struct Allocation {
    lines: Vec<AllocationLine>,
}

impl From<Allocation> for Vec<AllocationLine> {
    fn from(allocation: Allocation) -> Self {
        allocation.lines
    }
}

impl TryFrom<Vec<AllocationLine>> for Allocation {
    type Error = AllocationErrors;
    fn try_from(lines: Vec<AllocationLine>) -> Result<Self, Self::Error> {
        Allocation::new(lines)
    }
}

impl Allocation {
    /// Checks the shape: not empty, at most [`ALLOCATION_MAX_LINES`], no key twice.
    pub fn new(lines: Vec<AllocationLine>) -> Result<Self, AllocationErrors> {
        if lines.is_empty() {
            return Err(AllocationErrors(vec![AllocationError::Empty]));
        }
        if lines.len() > ALLOCATION_MAX_LINES {
            let error = AllocationError::TooManyLines {
                max: ALLOCATION_MAX_LINES,
                found: lines.len(),
            };
            return Err(AllocationErrors(vec![error]));
        }
        let mut seen = BTreeMap::new();
        let duplicates: Vec<AllocationError> = lines
            .iter()
            .filter(|line| seen.insert(line.key, ()).is_some())
            .map(|line| AllocationError::DuplicateKey { key: line.key })
            .collect();
        if duplicates.is_empty() {
            Ok(Self { lines })
        } else {
            Err(AllocationErrors(duplicates))
        }
    }

    /// Validates the editor's rows against the seller's balances, collecting every error with its
    /// field path (`allocation[0].venta`): each row needs a known code, mineral and unit, a *Venta*
    /// greater than zero with at most 4 decimals, and no more than *Disponible*.
    pub fn from_editor(rows: &[EditorRow], seller: &Balances) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        if rows.is_empty() {
            errors.push("allocation", "Códigos de origen", &AllocationError::Empty);
            return Err(errors);
        }
        if rows.len() > ALLOCATION_MAX_LINES {
            let error = AllocationError::TooManyLines {
                max: ALLOCATION_MAX_LINES,
                found: rows.len(),
            };
            errors.push("allocation", "Códigos de origen", &error);
            return Err(errors);
        }
        let mut lines = Vec::with_capacity(rows.len());
        let mut seen = BTreeMap::new();
        for (index, row) in rows.iter().enumerate() {
            let path = |field: &str| format!("allocation[{index}].{field}");
            let label = |field: &str| format!("Fila {}, {field}", index + 1);
            let code = errors.take(
                path("codigo_origen"),
                &label("código de origen"),
                CodigoOrigen::parse(&row.codigo_origen),
            );
            let mineral = errors.take(
                path("mineral"),
                &label("mineral"),
                Mineral::resolve(&row.mineral),
            );
            let unit = errors.take(path("unit"), &label("unidades"), Unit::parse(&row.unit));
            let venta = errors.take(
                path("venta"),
                &label("venta"),
                SaleQuantity::parse(&row.venta),
            );
            let (Some(codigo_origen), Some(mineral), Some(unit), Some(venta)) =
                (code, mineral, unit, venta)
            else {
                continue;
            };
            let key = BalanceKey {
                codigo_origen,
                mineral,
                unit,
            };
            if seen.insert(key, ()).is_some() {
                errors.push(
                    path("codigo_origen"),
                    &label("código de origen"),
                    &AllocationError::DuplicateKey { key },
                );
                continue;
            }
            if let Err(error) = check_line(seller, key, venta) {
                errors.push(path("venta"), &label("venta"), &error);
                continue;
            }
            lines.push(AllocationLine { key, venta });
        }
        if errors.is_empty() {
            Ok(Self { lines })
        } else {
            Err(errors)
        }
    }

    /// The lines, in the order given.
    pub fn lines(&self) -> &[AllocationLine] {
        &self.lines
    }

    /// Checks every line against the seller's balances; reports every line that does not fit.
    pub fn check_against(&self, seller: &Balances) -> Result<(), AllocationErrors> {
        let violations: Vec<AllocationError> = self
            .lines
            .iter()
            .filter_map(|line| check_line(seller, line.key, line.venta).err())
            .collect();
        if violations.is_empty() {
            Ok(())
        } else {
            Err(AllocationErrors(violations))
        }
    }

    /// The quantities per mineral and unit, for the purchase's lines (codes collapse: ORO 10 g
    /// from two codes is one line of 10 g).
    pub fn purchase_lines(&self) -> Result<Vec<MineralTotal>, AllocationError> {
        let mut totals: BTreeMap<(Mineral, Unit), Quantity> = BTreeMap::new();
        for line in &self.lines {
            let total = totals
                .entry((line.key.mineral, line.key.unit))
                .or_insert(Quantity::ZERO);
            *total = total
                .checked_add(line.venta.quantity())
                .map_err(|_| AllocationError::BalanceAboveMaximum { key: line.key })?;
        }
        Ok(totals
            .into_iter()
            .filter_map(|((mineral, unit), quantity)| {
                SaleQuantity::try_from(quantity)
                    .ok()
                    .map(|quantity| MineralTotal {
                        mineral,
                        unit,
                        quantity,
                    })
            })
            .collect())
    }
}

fn check_line(
    seller: &Balances,
    key: BalanceKey,
    venta: SaleQuantity,
) -> Result<(), AllocationError> {
    let available = seller.available(&key);
    if available.is_zero() {
        return Err(AllocationError::NoBalance { key });
    }
    if venta.quantity() > available {
        return Err(AllocationError::ExceedsAvailable {
            key,
            available,
            requested: venta.quantity(),
        });
    }
    Ok(())
}

/// Posts a purchase: each line leaves the seller and reaches the buyer under the same key.
/// Refused as a whole, listing every line that does not fit, if any exceeds the seller's balance.
///
/// ```
/// use domain::{apply_purchase, reverse_purchase, Allocation, AllocationLine, BalanceKey, Balances, CodigoOrigen, Mineral, Quantity, SaleQuantity};
/// let key = BalanceKey::new(CodigoOrigen::parse("4DEB01BC").unwrap(), Mineral::resolve("ORO").unwrap());
/// let seller = Balances::from_entries([(key, Quantity::parse("191").unwrap())]).unwrap();
/// let buyer = Balances::new();
/// let sale = Allocation::new(vec![AllocationLine { key, venta: SaleQuantity::parse("10").unwrap() }]).unwrap();
/// let (seller2, buyer2) = apply_purchase(&seller, &buyer, &sale).unwrap();
/// assert_eq!(seller2.available(&key), Quantity::parse("181").unwrap());
/// assert_eq!(buyer2.available(&key), Quantity::parse("10").unwrap()); // same origin code
/// assert_eq!(reverse_purchase(&seller2, &buyer2, &sale).unwrap(), (seller, buyer));
/// ```
pub fn apply_purchase(
    seller: &Balances,
    buyer: &Balances,
    allocation: &Allocation,
) -> Result<(Balances, Balances), AllocationErrors> {
    allocation.check_against(seller)?;
    move_lines(seller, buyer, allocation, |error| error)
}

/// Undoes a purchase exactly: the buyer gives back each line under the same key, the seller gets it
/// back. Refused if the buyer no longer holds all of it (it resold or transformed part: that must
/// be reversed first).
pub fn reverse_purchase(
    seller: &Balances,
    buyer: &Balances,
    allocation: &Allocation,
) -> Result<(Balances, Balances), AllocationErrors> {
    let violations: Vec<AllocationError> = allocation
        .lines
        .iter()
        .filter_map(|line| {
            let available = buyer.available(&line.key);
            (line.venta.quantity() > available).then_some(
                AllocationError::ReversalExceedsAvailable {
                    key: line.key,
                    available,
                    requested: line.venta.quantity(),
                },
            )
        })
        .collect();
    if !violations.is_empty() {
        return Err(AllocationErrors(violations));
    }
    let (buyer_after, seller_after) = move_lines(buyer, seller, allocation, |error| match error {
        AllocationError::ExceedsAvailable {
            key,
            available,
            requested,
        } => AllocationError::ReversalExceedsAvailable {
            key,
            available,
            requested,
        },
        other => other,
    })?;
    Ok((seller_after, buyer_after))
}

fn move_lines(
    from: &Balances,
    to: &Balances,
    allocation: &Allocation,
    map_error: impl Fn(AllocationError) -> AllocationError,
) -> Result<(Balances, Balances), AllocationErrors> {
    let mut from_after = from.clone();
    let mut to_after = to.clone();
    let mut violations = Vec::new();
    for line in &allocation.lines {
        let moved = from_after
            .debit(line.key, line.venta.quantity())
            .and_then(|()| to_after.credit(line.key, line.venta.quantity()));
        if let Err(error) = moved {
            violations.push(map_error(error));
        }
    }
    if violations.is_empty() {
        Ok((from_after, to_after))
    } else {
        Err(AllocationErrors(violations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).expect(text)
    }

    fn key(code: &str, mineral: &str) -> BalanceKey {
        BalanceKey::new(
            CodigoOrigen::parse(code).expect(code),
            Mineral::resolve(mineral).expect(mineral),
        )
    }

    fn sale(key: BalanceKey, venta: &str) -> AllocationLine {
        AllocationLine {
            key,
            venta: SaleQuantity::parse(venta).expect(venta),
        }
    }

    #[test]
    fn seed_editor_row_4deb01bc() {
        let oro = key("4DEB01BC", "ORO");
        let seller = Balances::from_entries([(oro, q("191"))]).expect("balances");
        let rows = [EditorRow {
            codigo_origen: "4DEB01BC".into(),
            mineral: "ORO".into(),
            venta: "10".into(),
            unit: "g".into(),
        }];
        let allocation = Allocation::from_editor(&rows, &seller).expect("seed 000 editor");
        let totals = allocation.purchase_lines().expect("totals");
        assert_eq!(totals.len(), 1);
        assert_eq!(totals[0].mineral.name(), "ORO");
        assert_eq!(totals[0].quantity.quantity().to_string(), "10,0000");
        let (seller_after, buyer_after) =
            apply_purchase(&seller, &Balances::new(), &allocation).expect("posts");
        assert_eq!(seller_after.available(&oro), q("181"));
        assert_eq!(buyer_after.available(&oro), q("10"));
    }

    #[test]
    fn editor_reports_every_row() {
        let oro = key("4DEB01BC", "ORO");
        let seller = Balances::from_entries([(oro, q("191"))]).expect("balances");
        let rows = [
            EditorRow {
                codigo_origen: "4DEB01BC".into(),
                mineral: "ORO".into(),
                venta: "191,0001".into(),
                unit: "g".into(),
            },
            EditorRow {
                codigo_origen: "4DEB01B".into(),
                mineral: "ORO".into(),
                venta: "0".into(),
                unit: "g".into(),
            },
            EditorRow {
                codigo_origen: "AAAAAAAA".into(),
                mineral: "ORO".into(),
                venta: "1".into(),
                unit: "g".into(),
            },
        ];
        let errors = Allocation::from_editor(&rows, &seller).expect_err("three bad rows");
        let codes: Vec<(&str, &str)> = errors
            .errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("allocation[0].venta", "exceeds_available"),
                ("allocation[1].codigo_origen", "codigo_origen_length"),
                ("allocation[1].venta", "quantity_not_positive"),
                ("allocation[2].venta", "balance_not_found"),
            ]
        );
        let message = &errors.errors[0].message;
        assert!(
            message.contains("4DEB01BC")
                && message.contains("191,0001")
                && message.contains("191,0000"),
            "{message}"
        );
        assert!(Allocation::from_editor(&[], &seller).is_err());
    }

    #[test]
    fn boundary_selling_everything_removes_the_key() {
        let oro = key("4DEB01BC", "ORO");
        let seller = Balances::from_entries([(oro, q("191"))]).expect("balances");
        let all = Allocation::new(vec![sale(oro, "191")]).expect("allocation");
        let (seller_after, buyer_after) =
            apply_purchase(&seller, &Balances::new(), &all).expect("exactly all");
        assert!(seller_after.is_empty());
        assert_eq!(buyer_after.available(&oro), q("191"));
        let over = Allocation::new(vec![sale(oro, "191,0001")]).expect("allocation");
        let error = apply_purchase(&seller, &Balances::new(), &over).expect_err("oversell");
        assert_eq!(error.0[0].code(), "exceeds_available");
    }

    #[test]
    fn shape_rules() {
        let oro = key("4DEB01BC", "ORO");
        assert_eq!(
            Allocation::new(vec![]),
            Err(AllocationErrors(vec![AllocationError::Empty]))
        );
        assert_eq!(
            Allocation::new(vec![sale(oro, "1"), sale(oro, "2")]),
            Err(AllocationErrors(vec![AllocationError::DuplicateKey {
                key: oro
            }]))
        );
        let many: Vec<AllocationLine> = (0..=ALLOCATION_MAX_LINES)
            .map(|n| {
                let bytes = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
                sale(
                    BalanceKey::new(CodigoOrigen::from_random(bytes), oro.mineral),
                    "1",
                )
            })
            .collect();
        assert_eq!(
            Allocation::new(many[..ALLOCATION_MAX_LINES].to_vec()).map(|a| a.lines().len()),
            Ok(ALLOCATION_MAX_LINES)
        );
        let error = Allocation::new(many).expect_err("one too many");
        assert_eq!(error.0[0].code(), "allocation_too_many_lines");
    }

    #[test]
    fn aggregation_per_mineral_and_unit() {
        let a = key("00000001", "ORO");
        let b = key("00000002", "ORO");
        let c = key("00000003", "PLATA");
        let allocation =
            Allocation::new(vec![sale(a, "1,5"), sale(c, "900"), sale(b, "2,25")]).expect("valid");
        let totals = allocation.purchase_lines().expect("totals");
        let shown: Vec<(String, String)> = totals
            .iter()
            .map(|t| {
                (
                    t.mineral.name().to_owned(),
                    t.quantity.quantity().to_canonical_string(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("ORO".to_owned(), "3.75".to_owned()),
                ("PLATA".to_owned(), "900".to_owned())
            ]
        );
    }

    #[test]
    fn reversal_needs_the_buyer_to_still_hold_it() {
        let oro = key("4DEB01BC", "ORO");
        let seller = Balances::from_entries([(oro, q("191"))]).expect("balances");
        let allocation = Allocation::new(vec![sale(oro, "10")]).expect("allocation");
        let (seller_after, mut buyer_after) =
            apply_purchase(&seller, &Balances::new(), &allocation).expect("posts");
        buyer_after.debit(oro, q("1")).expect("buyer resold 1 g");
        let error =
            reverse_purchase(&seller_after, &buyer_after, &allocation).expect_err("missing 1 g");
        assert_eq!(error.0[0].code(), "reversal_exceeds_available");
        assert!(error.to_string().contains("9,0000"), "{error}");
    }

    #[test]
    fn balances_serialise_in_key_order() {
        let balances = Balances::from_entries([
            (key("0000000B", "ORO"), q("1")),
            (key("0000000A", "ORO"), q("2")),
        ])
        .expect("balances");
        let keys: Vec<String> = balances
            .iter()
            .map(|(k, _)| k.codigo_origen.to_string())
            .collect();
        assert_eq!(keys, ["0000000A", "0000000B"]);
        let json = serde_json::to_string(&balances).expect("json");
        assert_eq!(
            json,
            r#"[{"codigo_origen":"0000000A","mineral":"ORO","unit":"g","quantity":"2"},{"codigo_origen":"0000000B","mineral":"ORO","unit":"g","quantity":"1"}]"#
        );
        assert_eq!(
            serde_json::from_str::<Balances>(&json).expect("back"),
            balances
        );
        let allocation = Allocation::new(vec![sale(key("0000000A", "ORO"), "1")]).expect("valid");
        let json = serde_json::to_string(&allocation).expect("json");
        assert_eq!(
            serde_json::from_str::<Allocation>(&json).expect("back"),
            allocation
        );
        assert!(serde_json::from_str::<Allocation>("[]").is_err());
    }

    // --- properties ---

    const CODES: [&str; 3] = ["4DEB01BC", "00000001", "FFFFFFFF"];
    const MINERALS: [&str; 3] = ["ORO", "PLATA", "CARBÓN"];

    fn any_key() -> impl Strategy<Value = BalanceKey> {
        (0..CODES.len(), 0..MINERALS.len()).prop_map(|(c, m)| key(CODES[c], MINERALS[m]))
    }

    fn any_quantity(max_units: i64) -> impl Strategy<Value = Quantity> {
        (0..max_units, 0u32..=4)
            .prop_map(|(units, scale)| Quantity::new(Decimal::new(units, scale)).expect("small"))
    }

    fn any_balances() -> impl Strategy<Value = Balances> {
        prop::collection::vec((any_key(), any_quantity(2_000_000)), 0..8)
            .prop_map(|entries| Balances::from_entries(entries).expect("small sums"))
    }

    fn any_allocation() -> impl Strategy<Value = Vec<AllocationLine>> {
        prop::collection::btree_map(any_key(), (1i64..3_000_000, 0u32..=4), 1..5).prop_map(
            |lines| {
                lines
                    .into_iter()
                    .map(|(key, (units, scale))| AllocationLine {
                        key,
                        venta: SaleQuantity::new(Decimal::new(units, scale)).expect("positive"),
                    })
                    .collect()
            },
        )
    }

    /// Total held per (mineral, unit) by both parties together.
    fn totals(parties: &[&Balances]) -> BTreeMap<(Mineral, Unit), Decimal> {
        let mut totals = BTreeMap::new();
        for party in parties {
            for (key, quantity) in party.iter() {
                *totals
                    .entry((key.mineral, key.unit))
                    .or_insert(Decimal::ZERO) += quantity.value();
            }
        }
        totals
    }

    proptest! {
        /// A purchase moves mineral, it never creates or destroys it; reversing it restores both
        /// parties exactly; overselling is refused (nothing is clamped, nothing goes negative).
        #[test]
        fn conservation_reversal_and_no_oversell(seller in any_balances(), buyer in any_balances(), lines in any_allocation()) {
            let allocation = Allocation::new(lines.clone()).expect("unique keys");
            let fits = lines.iter().all(|l| l.venta.quantity() <= seller.available(&l.key));
            match apply_purchase(&seller, &buyer, &allocation) {
                Ok((seller_after, buyer_after)) => {
                    prop_assert!(fits);
                    prop_assert_eq!(totals(&[&seller, &buyer]), totals(&[&seller_after, &buyer_after]));
                    for line in &lines {
                        let expected_seller = seller.available(&line.key).value() - line.venta.value();
                        prop_assert_eq!(seller_after.available(&line.key).value(), expected_seller);
                        let expected_buyer = buyer.available(&line.key).value() + line.venta.value();
                        prop_assert_eq!(buyer_after.available(&line.key).value(), expected_buyer);
                    }
                    for (_, quantity) in seller_after.iter().chain(buyer_after.iter()) {
                        prop_assert!(quantity.value() > Decimal::ZERO);
                    }
                    let (seller_back, buyer_back) = reverse_purchase(&seller_after, &buyer_after, &allocation)
                        .expect("a fresh purchase can always be reversed");
                    prop_assert_eq!(&seller_back, &seller);
                    prop_assert_eq!(&buyer_back, &buyer);
                }
                Err(AllocationErrors(violations)) => {
                    prop_assert!(!fits);
                    let offending = lines.iter().filter(|l| l.venta.quantity() > seller.available(&l.key)).count();
                    prop_assert_eq!(violations.len(), offending);
                }
            }
        }

        /// Debits never leave a negative balance: they either fit or change nothing.
        #[test]
        fn debit_never_goes_negative(balances in any_balances(), k in any_key(), amount in any_quantity(3_000_000)) {
            let mut after = balances.clone();
            match after.debit(k, amount) {
                Ok(()) => prop_assert_eq!(after.available(&k).value(), balances.available(&k).value() - amount.value()),
                Err(_) => {
                    prop_assert!(amount > balances.available(&k));
                    prop_assert_eq!(&after, &balances);
                }
            }
        }
    }
}
