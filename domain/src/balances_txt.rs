//! The balances TXT file: what the balances e-mail attaches, and what the buyer uploads back with
//! the quantities to sell filled in (seed 000, *Alternativa 1: Carga mediante archivo .TXT*).
//!
//! # Format
//!
//! UTF-8 text (a byte-order mark is accepted and written, so that Excel and Notepad show accents),
//! one row per line (CRLF written; CRLF or LF read), columns separated by one TAB (shown here as
//! `→`), a header first:
//!
//! ```text
//! CODIGO_ORIGEN→MINERAL→DISPONIBLE→UNIDAD→FECHA→CANTIDAD_VENTA→VALOR
//! 4DEB01BC→ORO→191→g→04/03/2025→→
//! 0A1B2C3D→CARBÓN→1250,5→t→03/03/2025→→
//! ```
//!
//! | column | content |
//! | --- | --- |
//! | `CODIGO_ORIGEN` | 8 hexadecimal characters |
//! | `MINERAL` | canonical name or any alias of the ANM list |
//! | `DISPONIBLE` | the balance when the file was written; decimal comma (a point is read too) |
//! | `UNIDAD` | `g`, `kg`, `t`, `ozt`, `m3`, `ct` |
//! | `FECHA` | `DD/MM/AAAA`, date of the balance (its last movement) |
//! | `CANTIDAD_VENTA` | empty in the e-mail; the seller fills it in to sell from that row |
//! | `VALOR` | optional total value of the row's sale, in the purchase currency |
//!
//! Rows whose `CANTIDAD_VENTA` is empty are ignored for the sale (their other cells must still be
//! valid: the file is ours, a damaged row means a damaged file). Trailing empty cells may be
//! missing (some editors drop them). Blank lines are skipped. Every bad line is reported with its
//! 1-based number and column; a file over [`TXT_MAX_BYTES`] or [`TXT_MAX_LINES`] is refused before
//! reading it. A `CANTIDAD_VENTA` above `DISPONIBLE` is an error on that line; whether the balance
//! is still there when the purchase is posted is checked again against the ledger.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::balance::{Allocation, AllocationErrors, AllocationLine, BalanceKey};
use crate::codigo_origen::CodigoOrigen;
use crate::compra::LineDraft;
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::Mineral;
use crate::money::{Currency, Money};
use crate::quantity::{Quantity, SaleQuantity};
use crate::unit::Unit;

/// Largest file accepted: 1 MiB holds 10 000 rows with room to spare.
pub const TXT_MAX_BYTES: usize = 1024 * 1024;
/// Most lines accepted, header included.
pub const TXT_MAX_LINES: usize = 10_000;
/// The header row's columns, in order.
pub const TXT_COLUMNS: [&str; 7] = [
    "CODIGO_ORIGEN",
    "MINERAL",
    "DISPONIBLE",
    "UNIDAD",
    "FECHA",
    "CANTIDAD_VENTA",
    "VALOR",
];
/// Fewest cells a data row may have (the last two may be dropped when empty).
const TXT_MIN_CELLS: usize = 5;
const BOM: char = '\u{feff}';

/// One row of the file: a balance, and what the seller chose to sell from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceRow {
    pub codigo_origen: CodigoOrigen,
    pub mineral: Mineral,
    pub disponible: Quantity,
    pub unit: Unit,
    pub fecha: Fecha,
    /// `CANTIDAD_VENTA` and `VALOR`; `None` when the row is not being sold from.
    pub sale: Option<RowSale>,
}

/// What the seller filled in on a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowSale {
    pub cantidad: SaleQuantity,
    pub valor: Option<Money>,
}

impl BalanceRow {
    /// The row's balance key.
    pub fn key(&self) -> BalanceKey {
        BalanceKey {
            codigo_origen: self.codigo_origen,
            mineral: self.mineral,
            unit: self.unit,
        }
    }
}

/// A parsed file, rows in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalancesTxt {
    pub rows: Vec<BalanceRow>,
}

impl BalancesTxt {
    /// The rows with a quantity to sell.
    pub fn sales(&self) -> impl Iterator<Item = (&BalanceRow, RowSale)> {
        self.rows
            .iter()
            .filter_map(|row| row.sale.map(|sale| (row, sale)))
    }

    /// The sale as an allocation per origin code (refused if no row has a quantity).
    pub fn to_allocation(&self) -> Result<Allocation, AllocationErrors> {
        Allocation::new(
            self.sales()
                .map(|(row, sale)| AllocationLine {
                    key: row.key(),
                    venta: sale.cantidad,
                })
                .collect(),
        )
    }

    /// The sale as lines of the purchase form (what the wizard shows after the upload).
    pub fn to_line_drafts(&self) -> Vec<LineDraft> {
        self.sales()
            .map(|(row, sale)| LineDraft {
                mineral: row.mineral.name().to_owned(),
                quantity: sale
                    .cantidad
                    .quantity()
                    .to_canonical_string()
                    .replace('.', ","),
                unit: row.unit.code().to_owned(),
                value: sale.valor.map(Money::format_amount).unwrap_or_default(),
                codigo_origen: row.codigo_origen.to_string(),
            })
            .collect()
    }
}

/// Why a file was refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BalancesTxtError {
    #[error(
        "El archivo pesa {size_bytes} bytes; el máximo es {max_bytes} (1 MiB). Cargue solo las filas que va a vender."
    )]
    FileTooLarge { size_bytes: usize, max_bytes: usize },
    #[error(
        "El archivo tiene {found_lines} líneas; el máximo es {max_lines}. Cargue solo las filas que va a vender."
    )]
    TooManyLines {
        max_lines: usize,
        found_lines: usize,
    },
    #[error(
        "El archivo está en UTF-16 («Texto Unicode» de Excel); guárdelo como «Texto delimitado por tabulaciones» con codificación UTF-8."
    )]
    Utf16,
    #[error("La línea {line} no está en UTF-8; guarde el archivo con codificación UTF-8.")]
    NotUtf8 { line: usize },
    #[error("El archivo está vacío; use el archivo de saldos del último correo.")]
    Empty,
    #[error("El archivo tiene {} línea(s) con errores: {}", .0.len(), .0.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" | "))]
    Lines(Vec<TxtLineError>),
}

impl ErrorCode for BalancesTxtError {
    fn code(&self) -> &'static str {
        match self {
            Self::FileTooLarge { .. } => "txt_file_too_large",
            Self::TooManyLines { .. } => "txt_too_many_lines",
            Self::Utf16 => "txt_utf16",
            Self::NotUtf8 { .. } => "txt_not_utf8",
            Self::Empty => "txt_empty",
            Self::Lines(_) => "txt_bad_lines",
        }
    }
}

/// One bad cell or line: its 1-based line number, its column (`CANTIDAD_VENTA`, or `LINEA` for the
/// whole line), a stable code and a Spanish message naming both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxtLineError {
    pub line: usize,
    pub column: String,
    pub code: String,
    pub message: String,
}

impl TxtLineError {
    fn new(line: usize, column: &str, violation: &dyn ErrorCode) -> Self {
        Self {
            line,
            column: column.to_owned(),
            code: violation.code().to_owned(),
            message: format!("Línea {line}, {column}: {violation}"),
        }
    }
}

/// Line-level rules of the file itself.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxtRowError {
    #[error("el encabezado debe ser {} separado por tabuladores; se encontró «{found}».", TXT_COLUMNS.join(" "))]
    BadHeader { found: String },
    #[error("la fila tiene {found} columnas; deben ser {expected} separadas por tabuladores ({}).", TXT_COLUMNS.join(", "))]
    WrongColumnCount { expected: usize, found: usize },
    #[error("la cantidad a vender ({requested}) supera el disponible ({available}).")]
    ExceedsDisponible {
        available: Quantity,
        requested: Quantity,
    },
    #[error("hay un valor sin cantidad a vender; escriba la cantidad o borre el valor.")]
    ValueWithoutQuantity,
    #[error(
        "el código de origen {codigo_origen} con {mineral} en {unit} ya está en la línea {first_line}."
    )]
    DuplicateRow {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
        first_line: usize,
    },
}

impl ErrorCode for TxtRowError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadHeader { .. } => "txt_bad_header",
            Self::WrongColumnCount { .. } => "txt_column_count",
            Self::ExceedsDisponible { .. } => "exceeds_available",
            Self::ValueWithoutQuantity => "txt_value_without_quantity",
            Self::DuplicateRow { .. } => "txt_duplicate_row",
        }
    }
}

/// Writes the file the balances e-mail attaches (rows with `sale: None` leave the last two cells
/// empty). UTF-8 with BOM, CRLF, decimal comma.
///
/// ```
/// use domain::balances_txt::{write_balances_txt, BalanceRow};
/// use domain::{CodigoOrigen, Fecha, Mineral, Quantity, Unit};
/// let row = BalanceRow {
///     codigo_origen: CodigoOrigen::parse("4DEB01BC").unwrap(),
///     mineral: Mineral::resolve("ORO").unwrap(),
///     disponible: Quantity::parse("191").unwrap(),
///     unit: Unit::Gram,
///     fecha: Fecha::parse("04/03/2025").unwrap(),
///     sale: None,
/// };
/// let text = write_balances_txt(&[row]);
/// assert!(text.ends_with("4DEB01BC\tORO\t191\tg\t04/03/2025\t\t\r\n"));
/// ```
pub fn write_balances_txt(rows: &[BalanceRow]) -> String {
    let mut out = String::with_capacity(64 * (rows.len() + 1));
    out.push(BOM);
    out.push_str(&TXT_COLUMNS.join("\t"));
    out.push_str("\r\n");
    for row in rows {
        let (cantidad, valor) = match row.sale {
            Some(sale) => (
                decimal_comma(sale.cantidad.quantity()),
                sale.valor
                    .map(|v| crate::number::canonical_string(v.amount()).replace('.', ","))
                    .unwrap_or_default(),
            ),
            None => (String::new(), String::new()),
        };
        let cells = [
            row.codigo_origen.to_string(),
            row.mineral.name().to_owned(),
            decimal_comma(row.disponible),
            row.unit.code().to_owned(),
            row.fecha.to_string(),
            cantidad,
            valor,
        ];
        out.push_str(&cells.join("\t"));
        out.push_str("\r\n");
    }
    out
}

/// `1234,5`: no thousands separator (it would be read as decimals by some spreadsheets).
fn decimal_comma(quantity: Quantity) -> String {
    quantity.to_canonical_string().replace('.', ",")
}

/// Reads an uploaded file (raw bytes, as the browser or the server receives them). Values are in
/// `currency`, the purchase's. Reports every bad line, not only the first.
///
/// ```
/// use domain::balances_txt::parse_balances_txt;
/// use domain::Currency;
/// let file = "CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR\n\
///             4DEB01BC\tORO\t191\tg\t04/03/2025\t10\t1.000.000\n\
///             0A1B2C3D\tPLATA\t900\tg\t04/03/2025\t\t\n";
/// let parsed = parse_balances_txt(file.as_bytes(), Currency::Cop).unwrap();
/// assert_eq!(parsed.rows.len(), 2);
/// assert_eq!(parsed.sales().count(), 1);
///
/// let bad = file.replace("\t10\t", "\t200\t");
/// let error = parse_balances_txt(bad.as_bytes(), Currency::Cop).unwrap_err();
/// assert!(error.to_string().contains("Línea 2, CANTIDAD_VENTA"));
/// ```
pub fn parse_balances_txt(
    bytes: &[u8],
    currency: Currency,
) -> Result<BalancesTxt, BalancesTxtError> {
    if bytes.len() > TXT_MAX_BYTES {
        return Err(BalancesTxtError::FileTooLarge {
            size_bytes: bytes.len(),
            max_bytes: TXT_MAX_BYTES,
        });
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(BalancesTxtError::Utf16);
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let line = bytes[..error.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        BalancesTxtError::NotUtf8 { line }
    })?;
    let text = text.strip_prefix(BOM).unwrap_or(text);
    let found_lines = text.lines().count();
    if found_lines > TXT_MAX_LINES {
        return Err(BalancesTxtError::TooManyLines {
            max_lines: TXT_MAX_LINES,
            found_lines,
        });
    }
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim_end_matches('\r')))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(BalancesTxtError::Empty);
    };
    let mut errors = Vec::new();
    let header_cells: Vec<String> = header
        .split('\t')
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    if header_cells != TXT_COLUMNS {
        let error = TxtRowError::BadHeader {
            found: crate::text::echo(&header.replace('\t', " ")),
        };
        errors.push(TxtLineError::new(header_line, "ENCABEZADO", &error));
        return Err(BalancesTxtError::Lines(errors));
    }
    let mut rows = Vec::new();
    let mut seen: BTreeMap<BalanceKey, usize> = BTreeMap::new();
    for (number, line) in lines {
        if let Some(row) = parse_row(number, line, currency, &mut errors) {
            if let Some(first_line) = seen.insert(row.key(), number) {
                seen.insert(row.key(), first_line);
                let error = TxtRowError::DuplicateRow {
                    codigo_origen: row.codigo_origen,
                    mineral: row.mineral,
                    unit: row.unit,
                    first_line,
                };
                errors.push(TxtLineError::new(number, "CODIGO_ORIGEN", &error));
                continue;
            }
            rows.push(row);
        }
    }
    if errors.is_empty() {
        Ok(BalancesTxt { rows })
    } else {
        Err(BalancesTxtError::Lines(errors))
    }
}

fn parse_row(
    number: usize,
    line: &str,
    currency: Currency,
    errors: &mut Vec<TxtLineError>,
) -> Option<BalanceRow> {
    let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
    if !(TXT_MIN_CELLS..=TXT_COLUMNS.len()).contains(&cells.len()) {
        let error = TxtRowError::WrongColumnCount {
            expected: TXT_COLUMNS.len(),
            found: cells.len(),
        };
        errors.push(TxtLineError::new(number, "LINEA", &error));
        return None;
    }
    let cell = |index: usize| cells.get(index).copied().unwrap_or("");
    let codigo_origen = CodigoOrigen::parse(cell(0));
    record(errors, number, "CODIGO_ORIGEN", &codigo_origen);
    let mineral = Mineral::resolve(cell(1));
    record(errors, number, "MINERAL", &mineral);
    let disponible = Quantity::parse(cell(2));
    record(errors, number, "DISPONIBLE", &disponible);
    let unit = Unit::parse(cell(3)).and_then(|unit| match &mineral {
        Ok(mineral) => mineral.check_unit(unit).map(|()| unit),
        Err(_) => Ok(unit),
    });
    record(errors, number, "UNIDAD", &unit);
    let fecha = Fecha::parse(cell(4));
    record(errors, number, "FECHA", &fecha);
    let cantidad = match cell(5) {
        "" => Ok(None),
        text => SaleQuantity::parse(text).map(Some),
    };
    record(errors, number, "CANTIDAD_VENTA", &cantidad);
    let valor = match cell(6) {
        "" => Ok(None),
        text => Money::parse(text, currency).map(Some),
    };
    record(errors, number, "VALOR", &valor);
    let (
        Ok(codigo_origen),
        Ok(mineral),
        Ok(disponible),
        Ok(unit),
        Ok(fecha),
        Ok(cantidad),
        Ok(valor),
    ) = (
        codigo_origen,
        mineral,
        disponible,
        unit,
        fecha,
        cantidad,
        valor,
    )
    else {
        return None;
    };
    let sale = match (cantidad, valor) {
        (None, None) => None,
        (None, Some(_)) => {
            errors.push(TxtLineError::new(
                number,
                "VALOR",
                &TxtRowError::ValueWithoutQuantity,
            ));
            return None;
        }
        (Some(cantidad), valor) => {
            if cantidad.quantity() > disponible {
                let error = TxtRowError::ExceedsDisponible {
                    available: disponible,
                    requested: cantidad.quantity(),
                };
                errors.push(TxtLineError::new(number, "CANTIDAD_VENTA", &error));
                return None;
            }
            Some(RowSale { cantidad, valor })
        }
    };
    Some(BalanceRow {
        codigo_origen,
        mineral,
        disponible,
        unit,
        fecha,
        sale,
    })
}

/// Records a cell's error, if any.
fn record<T, E: ErrorCode>(
    errors: &mut Vec<TxtLineError>,
    line: usize,
    column: &str,
    result: &Result<T, E>,
) {
    if let Err(violation) = result {
        errors.push(TxtLineError::new(line, column, violation));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    const HEADER: &str = "CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR";

    fn file(rows: &[&str]) -> String {
        let mut text = String::from(HEADER);
        for row in rows {
            text.push('\n');
            text.push_str(row);
        }
        text.push('\n');
        text
    }

    fn parse(text: &str) -> Result<BalancesTxt, BalancesTxtError> {
        parse_balances_txt(text.as_bytes(), Currency::Cop)
    }

    fn line_errors(text: &str) -> Vec<(usize, String, String)> {
        match parse(text) {
            Err(BalancesTxtError::Lines(errors)) => errors
                .into_iter()
                .map(|e| (e.line, e.column, e.code))
                .collect(),
            other => panic!("expected line errors, got {other:?}"),
        }
    }

    #[test]
    fn seed_000_plata_900_g() {
        let text = file(&["4DEB01BC\tPLATA\t1000\tg\t04/03/2025\t900\t10000"]);
        let parsed = parse(&text).expect("seed");
        let drafts = parsed.to_line_drafts();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].mineral, "PLATA");
        assert_eq!(drafts[0].quantity, "900");
        assert_eq!(drafts[0].unit, "g");
        assert_eq!(drafts[0].value, "10.000,00");
        let allocation = parsed.to_allocation().expect("one line");
        assert_eq!(allocation.lines().len(), 1);
    }

    #[test]
    fn bom_crlf_decimal_comma_or_point_and_short_rows() {
        let text = format!(
            "\u{feff}{HEADER}\r\n4DEB01BC\tORO\t191,5\tg\t04/03/2025\t10,25\t\r\n0A1B2C3D\tORO\t191.5000\tg\t04/03/2025\r\n\r\n"
        );
        let parsed = parse(&text).expect("valid");
        assert_eq!(parsed.rows.len(), 2);
        assert_eq!(parsed.rows[0].disponible.to_canonical_string(), "191.5");
        assert_eq!(parsed.rows[1].disponible.to_canonical_string(), "191.5");
        assert_eq!(parsed.sales().count(), 1);
        assert_eq!(
            parsed
                .sales()
                .next()
                .map(|(_, s)| s.cantidad.quantity().to_canonical_string()),
            Some("10.25".into())
        );
    }

    #[test]
    fn every_bad_line_is_reported_with_number_and_column() {
        let text = file(&[
            "4DEB01BC\tORO\t191\tg\t04/03/2025\t200\t",
            "4DEB01B\tORO\t191\tg\t04/03/2025\t\t",
            "0A1B2C3D\tkryptonita\t-1\tm3\t2025-03-04\t0\t",
            "0A1B2C3E\tORO\t1\tg\t04/03/2025\t\t5000",
            "only\tthree\tcells",
            "0A1B2C3F\tARENAS\t10\tkg\t04/03/2025\t\t",
        ]);
        let errors = line_errors(&text);
        let expected: Vec<(usize, &str, &str)> = vec![
            (2, "CANTIDAD_VENTA", "exceeds_available"),
            (3, "CODIGO_ORIGEN", "codigo_origen_length"),
            (4, "MINERAL", "mineral_unknown"),
            (4, "DISPONIBLE", "quantity_negative"),
            (4, "FECHA", "date_format"),
            (4, "CANTIDAD_VENTA", "quantity_not_positive"),
            (5, "VALOR", "txt_value_without_quantity"),
            (6, "LINEA", "txt_column_count"),
            (7, "UNIDAD", "unit_incompatible_with_mineral"),
        ];
        let got: Vec<(usize, &str, &str)> = errors
            .iter()
            .map(|(l, c, k)| (*l, c.as_str(), k.as_str()))
            .collect();
        assert_eq!(got, expected);
        let Err(BalancesTxtError::Lines(detail)) = parse(&text) else {
            panic!("line errors")
        };
        assert!(
            detail[0].message.starts_with("Línea 2, CANTIDAD_VENTA: "),
            "{}",
            detail[0].message
        );
        assert!(detail[0].message.contains("200,0000") && detail[0].message.contains("191,0000"));
    }

    #[test]
    fn quantity_equal_to_disponible_is_allowed() {
        let text = file(&["4DEB01BC\tORO\t191\tg\t04/03/2025\t191\t"]);
        assert!(parse(&text).is_ok());
        let over = file(&["4DEB01BC\tORO\t191\tg\t04/03/2025\t191,0001\t"]);
        assert_eq!(
            line_errors(&over),
            [(
                2,
                "CANTIDAD_VENTA".to_owned(),
                "exceeds_available".to_owned()
            )]
        );
    }

    #[test]
    fn duplicate_rows_and_headers() {
        let text = file(&[
            "4DEB01BC\tORO\t191\tg\t04/03/2025\t\t",
            "4deb01bc\toro\t191\tg\t04/03/2025\t\t",
        ]);
        assert_eq!(
            line_errors(&text),
            [(
                3,
                "CODIGO_ORIGEN".to_owned(),
                "txt_duplicate_row".to_owned()
            )]
        );
        let bad_header = "CODIGO\tMINERAL\n";
        assert_eq!(
            line_errors(bad_header),
            [(1, "ENCABEZADO".to_owned(), "txt_bad_header".to_owned())]
        );
        let lowercase_header = format!("{}\n", HEADER.to_lowercase());
        assert_eq!(parse(&lowercase_header).map(|p| p.rows.len()), Ok(0));
    }

    #[test]
    fn file_level_limits() {
        assert_eq!(parse(""), Err(BalancesTxtError::Empty));
        assert_eq!(parse("\n\r\n  \n"), Err(BalancesTxtError::Empty));
        let big = vec![b' '; TXT_MAX_BYTES + 1];
        assert_eq!(
            parse_balances_txt(&big, Currency::Cop),
            Err(BalancesTxtError::FileTooLarge {
                size_bytes: TXT_MAX_BYTES + 1,
                max_bytes: TXT_MAX_BYTES
            })
        );
        let exactly = vec![b'\n'; TXT_MAX_LINES];
        assert_eq!(
            parse_balances_txt(&exactly, Currency::Cop),
            Err(BalancesTxtError::Empty)
        );
        let too_many = vec![b'\n'; TXT_MAX_LINES + 1];
        assert_eq!(
            parse_balances_txt(&too_many, Currency::Cop),
            Err(BalancesTxtError::TooManyLines {
                max_lines: TXT_MAX_LINES,
                found_lines: TXT_MAX_LINES + 1
            })
        );
        assert_eq!(
            parse_balances_txt(&[0xFF, 0xFE, b'C', 0], Currency::Cop),
            Err(BalancesTxtError::Utf16)
        );
        let latin1 = [
            HEADER.as_bytes(),
            b"\n4DEB01BC\tCARB\xD3N\t1\tt\t04/03/2025\t\t\n",
        ]
        .concat();
        assert_eq!(
            parse_balances_txt(&latin1, Currency::Cop),
            Err(BalancesTxtError::NotUtf8 { line: 2 })
        );
        assert_eq!(crate::compra::COMPRA_MAX_LINES, TXT_MAX_LINES);
    }

    #[test]
    fn values_are_in_the_purchase_currency() {
        let text = file(&["4DEB01BC\tORO\t191\tg\t04/03/2025\t10\tUSD 100"]);
        assert_eq!(
            line_errors(&text),
            [(2, "VALOR".to_owned(), "currency_mismatch".to_owned())]
        );
        assert!(parse_balances_txt(text.as_bytes(), Currency::Usd).is_ok());
    }

    #[test]
    fn an_all_empty_file_has_nothing_to_sell() {
        let text = file(&["4DEB01BC\tORO\t191\tg\t04/03/2025\t\t"]);
        let parsed = parse(&text).expect("valid");
        assert!(parsed.to_allocation().is_err());
        assert!(parsed.to_line_drafts().is_empty());
    }

    // --- round trip ---

    const CODES: [[u8; 4]; 4] = [
        [0x4d, 0xeb, 0x01, 0xbc],
        [0, 0, 0, 1],
        [0xff; 4],
        [0x0a, 0x1b, 0x2c, 0x3d],
    ];
    const MINERALS: [&str; 4] = ["ORO", "CARBÓN", "ESMERALDAS", "ARENAS"];

    fn any_row() -> impl Strategy<Value = BalanceRow> {
        (
            0..CODES.len(),
            0..MINERALS.len(),
            (1i64..10_000_000_000, 0u32..=4),
            0i64..20_000,
            prop::option::of((
                1i64..10_000,
                0u32..=4,
                prop::option::of(0i64..100_000_000_000),
            )),
        )
            .prop_map(|(code, mineral, (units, scale), days, sale)| {
                let disponible = Quantity::new(Decimal::new(units, scale)).expect("in range");
                let sale = sale.and_then(|(units, scale, valor)| {
                    let cantidad = SaleQuantity::new(Decimal::new(units, scale)).expect("positive");
                    (cantidad.quantity() <= disponible).then(|| RowSale {
                        cantidad,
                        valor: valor.map(|cents| {
                            Money::new(Decimal::new(cents, 2), Currency::Cop).expect("in range")
                        }),
                    })
                });
                let mineral = Mineral::resolve(MINERALS[mineral]).expect("listed");
                let base =
                    time::Date::from_calendar_date(2020, time::Month::January, 1).expect("date");
                BalanceRow {
                    codigo_origen: CodigoOrigen::from_random(CODES[code]),
                    mineral,
                    disponible,
                    unit: mineral.unit(),
                    fecha: Fecha::from_date(base + time::Duration::days(days)),
                    sale,
                }
            })
    }

    proptest! {
        /// What we write, we read back as the same rows (with or without the sale filled in).
        #[test]
        fn write_then_parse_round_trips(rows in prop::collection::vec(any_row(), 0..20)) {
            let mut seen = std::collections::BTreeSet::new();
            let rows: Vec<BalanceRow> = rows.into_iter().filter(|row| seen.insert(row.key())).collect();
            let text = write_balances_txt(&rows);
            let parsed = parse_balances_txt(text.as_bytes(), Currency::Cop).expect("our own file parses");
            prop_assert_eq!(&parsed.rows, &rows);
            // The e-mail's version (no sale) parses to the same balances with nothing sold.
            let emailed: Vec<BalanceRow> = rows.iter().map(|row| BalanceRow { sale: None, ..row.clone() }).collect();
            let parsed = parse_balances_txt(write_balances_txt(&emailed).as_bytes(), Currency::Cop).expect("parses");
            prop_assert_eq!(parsed.sales().count(), 0);
            prop_assert_eq!(parsed.rows, emailed);
        }
    }
}
