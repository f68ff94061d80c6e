//! *Cierre mensual*: an organisation freezes a month's balances per origin code, with a digest
//! tied to the ledger's hash chain at closing time, so a closing cannot be rewritten unnoticed.
//! Months close in order, only after they end, never undone; nothing may then be dated in them.
//!
//! # Snapshot digest (version 1)
//!
//! `SHA-256("VETA-CIERRE-V1" || encoding)`; `encoding` is the version byte `0x01`, then fields,
//! each a 4-byte big-endian length and its bytes (as in [`crate::ledger_hash`]): organisation id
//! (16 bytes), month (`aaaa-mm`), chain head (32 bytes: the entry hash of the last movement at
//! closing, or the genesis hash), chain position (its sequence, `u64` big-endian, 0 at genesis),
//! row count (`u64` big-endian), then seven fields per row: código de origen, mineral name, unit
//! code, and opening, entradas, salidas, closing as canonical decimals (`10.5`), rows in bytewise
//! order of these fields. Sorting on the encoded bytes lets anyone holding the rows, in any order,
//! and the chain head recompute it; the tag keeps it from being mistaken for a ledger hash.

use std::collections::BTreeMap;
use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use time::{Date, Duration};
use uuid::Uuid;

use crate::balance::BalanceKey;
use crate::compra_history::csv_line;
use crate::error_code::ErrorCode;
use crate::fecha::{Closings, FECHA_MIN_YEAR, Fecha};
use crate::mineral::Mineral;
use crate::number::format_es_co;
use crate::quantity::{QUANTITY_MAX, Quantity, QuantityError};
use crate::sha256::{Sha256Hex, length_prefixed};
use crate::text::echo;
use crate::unit::Unit;

/// Domain tag hashed before the encoding.
pub const CLOSING_DIGEST_TAG: &[u8] = b"VETA-CIERRE-V1";
/// The encoding's version byte.
pub const CLOSING_ENCODING_VERSION: u8 = 1;
/// The CSV export's header.
pub const CLOSING_CSV_HEADER: &str =
    "codigo_origen;mineral;unidad;saldo_inicial;entradas;salidas;saldo_final";

const MONTH_NAMES: &str =
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre";

/// A calendar month, read and shown as `aaaa-mm` (also in JSON). Held as its first day, so every
/// month is a real one and the order is the calendar's.
///
/// ```
/// use domain::closing::Month;
/// let month = Month::parse("2026-11").unwrap();
/// assert_eq!(month.label(), "noviembre de 2026");
/// assert_eq!(month.last_day().to_string(), "30/11/2026");
/// assert_eq!(month.next().unwrap().to_string(), "2026-12");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month(Date);

/// Why a text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MonthError {
    #[error(
        "El mes «{value}» no tiene el formato AAAA-MM (cuatro dígitos para el año y dos, de 01 a 12, para el mes), por ejemplo 2026-11."
    )]
    WrongFormat { value: String },
    #[error("El año {found} no es válido; el mes debe ser del año {min} en adelante.")]
    YearOutOfRange { min: i32, found: i32 },
}

impl ErrorCode for MonthError {
    fn code(&self) -> &'static str {
        match self {
            Self::WrongFormat { .. } => "month_format",
            Self::YearOutOfRange { .. } => "month_year_out_of_range",
        }
    }
}

impl Month {
    /// A month from its year and number (1–12), from the same first year as [`Fecha`].
    pub fn new(year: i32, month: u8) -> Result<Self, MonthError> {
        if year < FECHA_MIN_YEAR {
            return Err(MonthError::YearOutOfRange {
                min: FECHA_MIN_YEAR,
                found: year,
            });
        }
        time::Month::try_from(month)
            .and_then(|m| Date::from_calendar_date(year, m, 1))
            .map(Self)
            .map_err(|_| MonthError::WrongFormat {
                value: format!("{year:04}-{month:02}"),
            })
    }

    /// Parses exactly `aaaa-mm` (surrounding spaces ignored), the format of `<input type=month>`.
    pub fn parse(input: &str) -> Result<Self, MonthError> {
        let trimmed = input.trim();
        let wrong = || MonthError::WrongFormat {
            value: echo(trimmed),
        };
        let digits =
            |text: &str, n: usize| text.len() == n && text.bytes().all(|b| b.is_ascii_digit());
        let (year, month) = trimmed
            .split_once('-')
            .filter(|(year, month)| digits(year, 4) && digits(month, 2))
            .ok_or_else(wrong)?;
        let (Ok(year), Ok(month)) = (year.parse(), month.parse()) else {
            return Err(wrong());
        };
        Self::new(year, month).map_err(|error| match error {
            MonthError::WrongFormat { .. } => wrong(),
            other => other,
        })
    }

    /// The month a date falls in.
    pub fn of(fecha: Fecha) -> Self {
        let date = fecha.date();
        Self(date.saturating_sub(Duration::days(i64::from(date.day()) - 1)))
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// 1 to 12.
    pub fn number(self) -> u8 {
        u8::from(self.0.month())
    }

    /// As people read it: `noviembre de 2026`.
    pub fn label(self) -> String {
        let index = usize::from(self.number()) - 1;
        let name = MONTH_NAMES.split(' ').nth(index).unwrap_or_default();
        format!("{name} de {}", self.year())
    }

    pub fn first_day(self) -> Fecha {
        Fecha::from_date(self.0)
    }

    pub fn last_day(self) -> Fecha {
        let length = self.0.month().length(self.0.year());
        Fecha::from_date(self.0.saturating_add(Duration::days(i64::from(length) - 1)))
    }

    /// The following month; `None` only after December 9999, past the last representable date.
    pub fn next(self) -> Option<Self> {
        self.last_day().date().next_day().map(Self)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.number())
    }
}

impl TryFrom<String> for Month {
    type Error = MonthError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Month> for String {
    fn from(month: Month) -> Self {
        month.to_string()
    }
}

/// A closing rule the requested month breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClosingError {
    #[error(
        "El mes de {} aún no ha terminado: un mes se cierra a partir del primer día del mes siguiente.", month.label()
    )]
    NotEnded { month: Month },
    /// Closing is idempotent: the server answers this one with the existing closing.
    #[error("El mes de {} ya está cerrado (hay cierres hasta {}); un cierre no se deshace.", month.label(), closed_through.label())]
    AlreadyClosed { month: Month, closed_through: Month },
    #[error("Los meses se cierran en orden: cierre primero {} y después {}.", expected.label(), month.label())]
    OutOfOrder { month: Month, expected: Month },
}

impl ErrorCode for ClosingError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotEnded { .. } => "closing_month_not_ended",
            Self::AlreadyClosed { .. } => "closing_already_closed",
            Self::OutOfOrder { .. } => "closing_out_of_order",
        }
    }
}

/// Whether `month` may be closed now: not already closed, ended before `today` (the caller's
/// today, in Colombia), and the month right after the last closed one (any, if none is).
pub fn check_closable(
    month: Month,
    last_closed: Option<Month>,
    today: Fecha,
) -> Result<(), ClosingError> {
    if let Some(closed_through) = last_closed.filter(|last| month <= *last) {
        return Err(ClosingError::AlreadyClosed {
            month,
            closed_through,
        });
    }
    if month.last_day() >= today {
        return Err(ClosingError::NotEnded { month });
    }
    if let Some(expected) = last_closed.and_then(Month::next)
        && month != expected
    {
        return Err(ClosingError::OutOfOrder { month, expected });
    }
    Ok(())
}

/// The date-based closings every posting already checks: closed through the last closed month's
/// last day.
pub fn closings(last_closed: Option<Month>) -> Closings {
    Closings::from_dates(last_closed.map(Month::last_day))
}

/// A ledger movement as the report needs it: which balance, how much (negative for a *salida*)
/// and the operation's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub key: BalanceKey,
    pub delta: Decimal,
    pub date: Fecha,
}

/// A balance over a month: `closing = opening + entradas − salidas`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClosingAmounts {
    pub opening: Quantity,
    pub entradas: Quantity,
    pub salidas: Quantity,
    pub closing: Quantity,
}

impl ClosingAmounts {
    fn checked_add(self, other: Self) -> Result<Self, QuantityError> {
        Ok(Self {
            opening: self.opening.checked_add(other.opening)?,
            entradas: self.entradas.checked_add(other.entradas)?,
            salidas: self.salidas.checked_add(other.salidas)?,
            closing: self.closing.checked_add(other.closing)?,
        })
    }
}

/// One balance of the closing. A plain record: rows read back from the store must be
/// representable even if altered, so that [`verify_snapshot`] can say so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClosingRow {
    #[serde(flatten)]
    pub key: BalanceKey,
    #[serde(flatten)]
    pub amounts: ClosingAmounts,
}

impl ClosingRow {
    /// Code, mineral, unit and the four amounts, as the digest and the CSV list them.
    fn cells(&self, quantity: impl Fn(Quantity) -> String) -> [String; 7] {
        let (key, a) = (self.key, self.amounts);
        [
            key.codigo_origen.to_string(),
            key.mineral.name().to_owned(),
            key.unit.code().to_owned(),
            quantity(a.opening),
            quantity(a.entradas),
            quantity(a.salidas),
            quantity(a.closing),
        ]
    }
}

/// The rows of one mineral and unit added up (rows of different units are never added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosingTotal {
    pub mineral: Mineral,
    pub unit: Unit,
    #[serde(flatten)]
    pub amounts: ClosingAmounts,
}

/// A month's closing report, as [`closing_report`] computes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosingReport {
    pub month: Month,
    /// Every balance with an opening or a movement in the month, in key order.
    pub rows: Vec<ClosingRow>,
    /// In (mineral, unit) order.
    pub totals: Vec<ClosingTotal>,
}

/// Movements the report cannot add up. Each is a bug or a damaged ledger: the posting rules keep
/// balances non-negative with at most four decimals.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClosingReportError {
    #[error("El saldo de {key} en {} da negativo ({}): los movimientos registrados son inconsistentes.", month.label(), format_es_co(*balance, None))]
    NegativeBalance {
        key: BalanceKey,
        month: Month,
        balance: Decimal,
    },
    #[error("Los movimientos de {key} no suman una cantidad válida: {error}")]
    InvalidQuantity {
        key: BalanceKey,
        error: QuantityError,
    },
}

impl ErrorCode for ClosingReportError {
    fn code(&self) -> &'static str {
        match self {
            Self::NegativeBalance { .. } => "closing_negative_balance",
            Self::InvalidQuantity { .. } => "closing_invalid_quantity",
        }
    }
}

/// Opening, entradas, salidas and closing of every balance in `month`, from the organisation's
/// movements in any order. Movements after the month are ignored (they may exist: the month is
/// closed after it ends).
pub fn closing_report(
    month: Month,
    movements: &[Movement],
) -> Result<ClosingReport, ClosingReportError> {
    let (first, last) = (month.first_day(), month.last_day());
    // Opening as a signed sum: a balance may dip below zero only if the ledger is damaged,
    // and that must be seen, not clamped.
    let mut sums: BTreeMap<BalanceKey, (Decimal, Quantity, Quantity)> = BTreeMap::new();
    for movement in movements.iter().filter(|m| m.date <= last) {
        let key = movement.key;
        let invalid = |error| ClosingReportError::InvalidQuantity { key, error };
        let (opening, entradas, salidas) = sums.entry(key).or_default();
        if movement.date < first {
            *opening = opening
                .checked_add(movement.delta)
                .ok_or(invalid(QuantityError::AboveMaximum { max: QUANTITY_MAX }))?;
        } else {
            let amount = Quantity::new(movement.delta.abs()).map_err(invalid)?;
            let sum = if movement.delta.is_sign_negative() {
                salidas
            } else {
                entradas
            };
            *sum = sum.checked_add(amount).map_err(invalid)?;
        }
    }
    let mut rows = Vec::with_capacity(sums.len());
    let mut totals: BTreeMap<(Mineral, Unit), ClosingAmounts> = BTreeMap::new();
    for (key, (opening, entradas, salidas)) in sums {
        let refused = |error, balance| match error {
            QuantityError::Negative | QuantityError::WouldBeNegative { .. } => {
                ClosingReportError::NegativeBalance {
                    key,
                    month,
                    balance,
                }
            }
            error => ClosingReportError::InvalidQuantity { key, error },
        };
        let opening = Quantity::new(opening).map_err(|e| refused(e, opening))?;
        if opening.is_zero() && entradas.is_zero() && salidas.is_zero() {
            continue;
        }
        let closing = opening
            .checked_add(entradas)
            .and_then(|sum| sum.checked_sub(salidas))
            .map_err(|e| refused(e, opening.value() + entradas.value() - salidas.value()))?;
        let amounts = ClosingAmounts {
            opening,
            entradas,
            salidas,
            closing,
        };
        let total = totals.entry((key.mineral, key.unit)).or_default();
        *total = total
            .checked_add(amounts)
            .map_err(|error| ClosingReportError::InvalidQuantity { key, error })?;
        rows.push(ClosingRow { key, amounts });
    }
    let totals = totals
        .into_iter()
        .map(|((mineral, unit), amounts)| ClosingTotal {
            mineral,
            unit,
            amounts,
        })
        .collect();
    Ok(ClosingReport {
        month,
        rows,
        totals,
    })
}

/// The snapshot's digest (see the module documentation for the encoding).
pub fn snapshot_digest(
    organisation_id: Uuid,
    month: Month,
    rows: &[ClosingRow],
    chain_head: &Sha256Hex,
    chain_position: u64,
) -> Sha256Hex {
    // Sorted on the encoded text, not on Rust's derived orders, which a refactor could change.
    let mut encoded: Vec<[String; 7]> = rows
        .iter()
        .map(|row| row.cells(Quantity::to_canonical_string))
        .collect();
    encoded.sort();
    let count = u64::try_from(encoded.len()).unwrap_or(u64::MAX);
    let mut fields: Vec<Vec<u8>> = vec![
        organisation_id.as_bytes().to_vec(),
        month.to_string().into_bytes(),
        chain_head.as_bytes().to_vec(),
        chain_position.to_be_bytes().to_vec(),
        count.to_be_bytes().to_vec(),
    ];
    fields.extend(encoded.into_iter().flatten().map(String::into_bytes));
    let fields: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
    let mut hasher = Sha256::new();
    hasher.update(CLOSING_DIGEST_TAG);
    hasher.update(length_prefixed(CLOSING_ENCODING_VERSION, &fields));
    Sha256Hex::from_digest(hasher.finalize().into())
}

/// A stored closing whose digest no longer matches its rows and chain head.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "El cierre de {} no corresponde a sus saldos y a la cadena de movimientos: fue alterado.", month.label()
)]
pub struct SnapshotMismatch {
    pub month: Month,
    pub computed: Sha256Hex,
    pub stored: Sha256Hex,
}

impl ErrorCode for SnapshotMismatch {
    fn code(&self) -> &'static str {
        "closing_snapshot_mismatch"
    }
}

/// Recomputes a stored closing's digest and compares it with the one stored.
pub fn verify_snapshot(
    organisation_id: Uuid,
    month: Month,
    rows: &[ClosingRow],
    chain_head: &Sha256Hex,
    chain_position: u64,
    stored: &Sha256Hex,
) -> Result<(), SnapshotMismatch> {
    let computed = snapshot_digest(organisation_id, month, rows, chain_head, chain_position);
    let stored = *stored;
    if computed == stored {
        return Ok(());
    }
    Err(SnapshotMismatch {
        month,
        computed,
        stored,
    })
}

/// The report's rows as CSV (`;`, CRLF, quantities the Colombian way: `1.234,5000`), without a
/// byte-order mark: the HTTP layer prefixes it, as for *Historial de compras*.
pub fn to_csv(report: &ClosingReport) -> String {
    let mut csv = format!("{CLOSING_CSV_HEADER}\r\n");
    for row in &report.rows {
        let cells = row.cells(|quantity| quantity.to_string());
        csv.push_str(&csv_line(&cells.each_ref().map(String::as_str)));
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codigo_origen::CodigoOrigen;
    use crate::ledger_hash::genesis_hash;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn m(text: &str) -> Month {
        Month::parse(text).expect(text)
    }

    fn f(text: &str) -> Fecha {
        Fecha::parse(text).expect(text)
    }

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).expect(text)
    }

    fn key(code: &str, mineral: &str) -> BalanceKey {
        BalanceKey::new(
            CodigoOrigen::parse(code).expect(code),
            Mineral::resolve(mineral).expect(mineral),
        )
    }

    fn mv(key: BalanceKey, delta: &str, date: &str) -> Movement {
        Movement {
            key,
            delta: Decimal::from_str(delta).expect(delta),
            date: f(date),
        }
    }

    fn amounts(report: &ClosingReport, key: BalanceKey) -> Option<ClosingAmounts> {
        report.rows.iter().find(|r| r.key == key).map(|r| r.amounts)
    }

    #[test]
    fn months_parse_show_and_bound() {
        let november = m(" 2026-11 ");
        assert_eq!(november.to_string(), "2026-11");
        assert_eq!(november.label(), "noviembre de 2026");
        assert_eq!(november.first_day(), f("01/11/2026"));
        assert_eq!(november.last_day(), f("30/11/2026"));
        assert_eq!(m("2024-02").last_day(), f("29/02/2024"));
        assert_eq!(m("2026-12").next(), Some(m("2027-01")));
        assert_eq!(m("9999-12").next(), None);
        assert_eq!(Month::of(f("31/12/2026")), m("2026-12"));
        assert!(m("2025-12") < m("2026-01"));
        for bad in " 2026-13 2026-00 2026-1 11/2026 2026/11 2026-11-01 +202-11".split(' ') {
            let error = Month::parse(bad).expect_err(bad);
            assert_eq!(error.code(), "month_format", "{bad}");
        }
        assert_eq!(
            Month::parse("1899-12").map_err(|e| e.code()),
            Err("month_year_out_of_range")
        );
        let json = serde_json::to_string(&november).expect("json");
        assert_eq!(json, "\"2026-11\"");
        assert_eq!(serde_json::from_str::<Month>(&json).ok(), Some(november));
    }

    #[test]
    fn closable_rules() {
        // On 01/12/2026: (month, last closed or "", code or "" when closable)
        let cases = [
            ("2026-11", "", ""),
            ("2020-01", "", ""),
            ("2026-11", "2026-10", ""),
            ("2026-12", "", "closing_month_not_ended"),
            ("2027-01", "2026-11", "closing_month_not_ended"),
            ("2026-10", "2026-10", "closing_already_closed"),
            ("2026-09", "2026-10", "closing_already_closed"),
            ("2026-11", "2026-09", "closing_out_of_order"),
        ];
        let today = f("01/12/2026");
        for (month, last, code) in cases {
            let last = (!last.is_empty()).then(|| m(last));
            let found = check_closable(m(month), last, today).map_err(|e| e.code());
            assert_eq!(found.err().unwrap_or_default(), code, "{month}");
        }
        let skipped = check_closable(m("2026-11"), Some(m("2026-09")), today);
        let message = skipped.map_err(|e| e.to_string()).expect_err("gap");
        assert!(message.contains("primero octubre de 2026 y después noviembre de 2026"));
        let closed = closings(Some(m("2026-10")));
        assert_eq!(closed.closed_through(), Some(f("31/10/2026")));
        assert!(closed.check_open(f("31/10/2026")).is_err());
        assert!(closed.check_open(f("01/11/2026")).is_ok());
        assert_eq!(closings(None), Closings::none());
    }

    fn seed_report() -> ClosingReport {
        let oro = key("4DEB01BC", "ORO");
        let plata = key("00000001", "PLATA");
        let otro_oro = key("00000002", "ORO");
        let movements = [
            mv(oro, "191", "15/10/2026"),
            mv(oro, "-10", "05/11/2026"),
            mv(oro, "25.5", "20/11/2026"),
            mv(oro, "-0.25", "30/11/2026"),
            mv(oro, "-200", "01/12/2026"), // after the month: ignored
            mv(plata, "900", "01/11/2026"),
            mv(otro_oro, "3", "01/09/2026"),
            mv(otro_oro, "-3", "02/09/2026"), // zero opening, nothing in November: no row
        ];
        closing_report(m("2026-11"), &movements).expect("consistent")
    }

    #[test]
    fn report_of_a_month_with_purchases_and_sales() {
        let report = seed_report();
        let codes: Vec<String> = report
            .rows
            .iter()
            .map(|r| r.key.codigo_origen.to_string())
            .collect();
        assert_eq!(codes, ["00000001", "4DEB01BC"]);
        let oro = amounts(&report, key("4DEB01BC", "ORO")).expect("row");
        assert_eq!(
            oro,
            ClosingAmounts {
                opening: q("191"),
                entradas: q("25,5"),
                salidas: q("10,25"),
                closing: q("206,25"),
            }
        );
        let plata = amounts(&report, key("00000001", "PLATA")).expect("row");
        assert_eq!((plata.opening, plata.closing), (Quantity::ZERO, q("900")));
        let totals: Vec<(&str, Quantity)> = report
            .totals
            .iter()
            .map(|t| (t.mineral.name(), t.amounts.closing))
            .collect();
        assert_eq!(totals, [("ORO", q("206,25")), ("PLATA", q("900"))]);
        let json = serde_json::to_string(&report).expect("json");
        assert_eq!(
            serde_json::from_str::<ClosingReport>(&json).ok(),
            Some(report)
        );
    }

    #[test]
    fn a_negative_balance_is_named() {
        let oro = key("4DEB01BC", "ORO");
        let error = closing_report(m("2026-11"), &[mv(oro, "-1", "05/10/2026")])
            .expect_err("negative opening");
        assert_eq!(error.code(), "closing_negative_balance");
        let error = closing_report(
            m("2026-11"),
            &[mv(oro, "1", "05/10/2026"), mv(oro, "-1.5", "05/11/2026")],
        )
        .expect_err("negative closing");
        assert!(
            matches!(error, ClosingReportError::NegativeBalance { balance, .. } if balance == Decimal::new(-5, 1))
        );
        let error = closing_report(m("2026-11"), &[mv(oro, "0.00001", "05/11/2026")])
            .expect_err("five decimals");
        assert_eq!(error.code(), "closing_invalid_quantity");
    }

    #[test]
    fn digest_binds_rows_month_and_chain() {
        let org = Uuid::from_u128(7);
        let head = genesis_hash(org);
        let report = seed_report();
        let digest = snapshot_digest(org, report.month, &report.rows, &head, 0);
        let mut reversed = report.rows.clone();
        reversed.reverse();
        assert_eq!(
            snapshot_digest(org, report.month, &reversed, &head, 0),
            digest
        );
        assert_eq!(
            verify_snapshot(org, report.month, &report.rows, &head, 0, &digest),
            Ok(())
        );
        let mut altered = report.rows.clone();
        altered[1].amounts.salidas = q("10,2501");
        let other_head = Sha256Hex::of_bytes(b"another movement");
        let changed = [
            snapshot_digest(org, report.month, &altered, &head, 0),
            snapshot_digest(org, report.month, &report.rows[1..], &head, 0),
            snapshot_digest(org, m("2026-12"), &report.rows, &head, 0),
            snapshot_digest(org, report.month, &report.rows, &other_head, 0),
            snapshot_digest(org, report.month, &report.rows, &head, 1),
            snapshot_digest(Uuid::from_u128(8), report.month, &report.rows, &head, 0),
        ];
        for (index, other) in changed.iter().enumerate() {
            assert_ne!(*other, digest, "change {index}");
        }
        let error = verify_snapshot(org, report.month, &altered, &head, 0, &digest)
            .expect_err("altered row");
        assert_eq!(error.code(), "closing_snapshot_mismatch");
        assert_eq!(error.stored, digest);
        // Pins encoding v1 (recomputed outside Rust from the module documentation).
        assert_eq!(
            digest.to_string(),
            "9cb76bbb13e4da202725c01a163b92a64460ad10ae6b66b5c2b0f04cd0aae0a2"
        );
    }

    #[test]
    fn csv_header_and_rows() {
        let csv = to_csv(&seed_report());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "codigo_origen;mineral;unidad;saldo_inicial;entradas;salidas;saldo_final"
        );
        assert_eq!(lines[2], "4DEB01BC;ORO;g;191,0000;25,5000;10,2500;206,2500");
        assert_eq!(lines.len(), 4); // header, two rows, and the empty text after the last CRLF
    }

    // --- properties ---

    const CODES: [&str; 3] = ["4DEB01BC", "00000001", "FFFFFFFF"];

    /// Movements over January–May 2025 whose running balance, in date order, never goes below zero.
    fn any_movements() -> impl Strategy<Value = Vec<Movement>> {
        let raw = (
            0..CODES.len(),
            0i64..151,
            0i64..10_000_000,
            0u32..=4,
            any::<bool>(),
        );
        prop::collection::vec(raw, 0..60).prop_map(|mut raw| {
            raw.sort_by_key(|r| r.1);
            let start = f("01/01/2025").date();
            let mut running: BTreeMap<usize, Decimal> = BTreeMap::new();
            raw.into_iter()
                .map(|(code, day, units, scale, out)| {
                    let balance = running.entry(code).or_default();
                    let amount = Decimal::new(units, scale);
                    let delta = if out { -amount.min(*balance) } else { amount };
                    *balance += delta;
                    Movement {
                        key: key(CODES[code], "ORO"),
                        delta,
                        date: Fecha::from_date(start + Duration::days(day)),
                    }
                })
                .collect()
        })
    }

    proptest! {
        /// Each month starts where the previous one closed, and a closing is every delta up to it.
        #[test]
        fn closing_is_next_opening_and_sum_to_date(movements in any_movements()) {
            let mut month = m("2025-01");
            while month <= m("2025-05") {
                let next = month.next().expect("2025");
                let this = closing_report(month, &movements).expect("never negative");
                let after = closing_report(next, &movements).expect("never negative");
                for code in CODES {
                    let k = key(code, "ORO");
                    let closing = amounts(&this, k).map_or(Quantity::ZERO, |a| a.closing);
                    let opening = amounts(&after, k).map_or(Quantity::ZERO, |a| a.opening);
                    prop_assert_eq!(closing, opening);
                    let to_date: Decimal = movements
                        .iter()
                        .filter(|mv| mv.key == k && mv.date <= month.last_day())
                        .map(|mv| mv.delta)
                        .sum();
                    prop_assert_eq!(closing.value(), to_date.normalize());
                }
                month = next;
            }
        }

        #[test]
        fn month_display_parses_back(year in FECHA_MIN_YEAR..10_000, number in 1u8..=12) {
            let month = Month::new(year, number).expect("valid");
            prop_assert_eq!(Month::parse(&month.to_string()), Ok(month));
            prop_assert_eq!(Month::of(month.last_day()), month);
        }
    }
}
