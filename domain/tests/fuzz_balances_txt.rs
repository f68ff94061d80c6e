//! Fuzzing of the balances TXT parser, `domain::balances_txt::parse_balances_txt`: the file is
//! uploaded by a user, so whatever its bytes the parser must answer a value or an error, never
//! panic, and what it answers must hold together.
//!
//! Three generators:
//!
//! - `arbitrary_bytes_*`: any bytes, and bytes biased towards the ones the format cares about (TAB,
//!   CR, LF, NUL, `.` `,` digits, hex letters, the BOM, UTF-16 marks, broken UTF-8), with or without
//!   a valid header first, and very long lines;
//! - `near_valid_*`: files that follow the real format (header, then rows of the seven columns
//!   built from real minerals, units, quantities, dates and values, spelled the ways people type
//!   them), then mutated: cells swapped, duplicated, dropped, replaced by odd values (huge numbers,
//!   many decimals, misplaced separators, odd Unicode, other currencies, impossible dates) or made
//!   very long, rows duplicated, dropped or swapped, raw lines inserted, other separators, mixed line
//!   ends, and finally bytes flipped, inserted or cut;
//! - `file_level_limits`: the size and line limits, exactly at and just past them.
//!
//! What is checked, for every input: no panic; an `Ok` holds rows within the domain's bounds
//! (quantities, decimals, the sale within the balance, the value in the purchase currency, unique
//! keys) that write back with `write_balances_txt` and parse again to the same rows; an `Err` says
//! something true of the input (size, UTF-16 mark, line of the bad UTF-8, blank file) or lists
//! line errors in line order, each within the file, with its `Línea n, COLUMNA: ` prefix and a
//! bounded message. For the near-valid files, LF and CRLF line ends, and a leading BOM, give the
//! same answer.
//!
//! Cases per property: `VETA_FUZZ_CASES` (default [`DEFAULT_CASES`]: the file runs in under 10 s
//! in debug on 2 cores); `VETA_FUZZ_SECONDS` also stops each property after that many seconds.
//! Each property prints how many inputs it tried and what they got (`--nocapture` to see them).
//! `PROPTEST_RNG_SEED` fixes the seed.

use std::cell::Cell;
use std::fmt::Debug;
use std::time::Instant;

use domain::balances_txt::{
    BalancesTxt, BalancesTxtError, TXT_COLUMNS, TXT_MAX_BYTES, TXT_MAX_LINES, parse_balances_txt,
    write_balances_txt,
};
use domain::money::MONEY_MAX;
use domain::number::format_es_co;
use domain::quantity::{QUANTITY_MAX, QUANTITY_MAX_DECIMALS};
use domain::{Currency, ErrorCode, Mineral, Unit};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rust_decimal::Decimal;

#[path = "support/fuzz_runner.rs"]
mod fuzz_runner;
use fuzz_runner::fuzz;

/// Cases per property when `VETA_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 4_000;

/// How the runner names this file's properties in what it prints.
const SUITE: &str = "fuzz_balances_txt";

/// Longest line error message accepted: the messages quote the user's text cut at 40 characters,
/// so anything near this means a pasted value is being echoed whole.
const MAX_MESSAGE_CHARS: usize = 400;

const HEADER: &str = "CODIGO_ORIGEN\tMINERAL\tDISPONIBLE\tUNIDAD\tFECHA\tCANTIDAD_VENTA\tVALOR";
const BOM: &str = "\u{feff}";

fn cases() -> u32 {
    fuzz_runner::cases(DEFAULT_CASES)
}

/// The kind of answer: `ok`, or the error's code.
fn answer(result: &Result<BalancesTxt, BalancesTxtError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(error) => error.code(),
    }
}

// --- the checks ---

fn parse(bytes: &[u8], currency: Currency) -> Result<BalancesTxt, BalancesTxtError> {
    parse_balances_txt(bytes, currency)
}

/// Parses and checks what came back. Returns the result for further comparisons.
fn check(
    bytes: &[u8],
    currency: Currency,
) -> Result<Result<BalancesTxt, BalancesTxtError>, TestCaseError> {
    let result = parse(bytes, currency);
    match &result {
        Ok(parsed) => check_ok(bytes, parsed, currency)?,
        Err(error) => check_err(bytes, error)?,
    }
    Ok(result)
}

fn line_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count() + 1
}

fn check_ok(bytes: &[u8], parsed: &BalancesTxt, currency: Currency) -> Result<(), TestCaseError> {
    prop_assert!(bytes.len() <= TXT_MAX_BYTES);
    prop_assert!(
        parsed.rows.len() < line_count(bytes),
        "more rows than lines"
    );
    let mut keys = std::collections::BTreeSet::new();
    for row in &parsed.rows {
        prop_assert!(keys.insert(row.key()), "duplicate key {:?}", row.key());
        let disponible = row.disponible.value();
        prop_assert!(!disponible.is_sign_negative() || disponible.is_zero());
        prop_assert!(disponible <= QUANTITY_MAX);
        prop_assert!(disponible.normalize().scale() <= QUANTITY_MAX_DECIMALS);
        prop_assert!(row.mineral.check_unit(row.unit).is_ok());
        prop_assert!(row.fecha.date().year() >= domain::fecha::FECHA_MIN_YEAR);
        if let Some(sale) = row.sale {
            let cantidad = sale.cantidad.value();
            prop_assert!(cantidad > Decimal::ZERO);
            prop_assert!(cantidad <= disponible, "sale above the balance");
            prop_assert!(cantidad.normalize().scale() <= QUANTITY_MAX_DECIMALS);
            if let Some(valor) = sale.valor {
                prop_assert_eq!(valor.currency(), currency);
                prop_assert!(valor.amount() >= Decimal::ZERO);
                prop_assert!(valor.amount() <= MONEY_MAX);
                prop_assert!(valor.amount().normalize().scale() <= currency.minor_units());
            }
        }
    }
    // The derived views never panic and agree with the rows.
    prop_assert_eq!(parsed.to_line_drafts().len(), parsed.sales().count());
    let allocation = parsed.to_allocation();
    prop_assert_eq!(allocation.is_err(), parsed.sales().count() == 0);
    // What we write, we read back as the same rows, and writing again gives the same text.
    let written = write_balances_txt(&parsed.rows);
    let again = parse(written.as_bytes(), currency);
    prop_assert_eq!(
        again.as_ref().map(|p| &p.rows),
        Ok(&parsed.rows),
        "the rows written back do not parse to the same rows:\n{}",
        written
    );
    if let Ok(again) = again {
        prop_assert_eq!(write_balances_txt(&again.rows), written);
    }
    Ok(())
}

fn check_err(bytes: &[u8], error: &BalancesTxtError) -> Result<(), TestCaseError> {
    // The message of the whole error is built without panicking.
    let _ = error.to_string();
    match error {
        BalancesTxtError::FileTooLarge {
            size_bytes,
            max_bytes,
        } => {
            prop_assert_eq!(*size_bytes, bytes.len());
            prop_assert!(bytes.len() > *max_bytes);
        }
        BalancesTxtError::TooManyLines {
            max_lines,
            found_lines,
        } => {
            prop_assert!(found_lines > max_lines);
            prop_assert!(*found_lines <= line_count(bytes));
        }
        BalancesTxtError::Utf16 => {
            prop_assert!(bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]));
        }
        BalancesTxtError::NotUtf8 { line } => {
            prop_assert!(std::str::from_utf8(bytes).is_err());
            prop_assert!((1..=line_count(bytes)).contains(line));
        }
        BalancesTxtError::Empty => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| TestCaseError::fail("Empty for a file that is not UTF-8"))?;
            let text = text.strip_prefix(BOM).unwrap_or(text);
            prop_assert!(text.lines().all(|line| line.trim().is_empty()));
        }
        BalancesTxtError::Lines(errors) => {
            prop_assert!(!errors.is_empty(), "Lines([]) is not an error");
            let lines = line_count(bytes);
            let mut previous = 0;
            for error in errors {
                prop_assert!(
                    (1..=lines).contains(&error.line),
                    "line {} of {lines}",
                    error.line
                );
                prop_assert!(error.line >= previous, "errors out of line order");
                previous = error.line;
                prop_assert!(
                    error.column == "LINEA"
                        || error.column == "ENCABEZADO"
                        || TXT_COLUMNS.contains(&error.column.as_str()),
                    "column {}",
                    error.column
                );
                prop_assert!(!error.code.is_empty());
                let prefix = format!("Línea {}, {}: ", error.line, error.column);
                prop_assert!(
                    error.message.starts_with(&prefix),
                    "{:?} does not start with {:?}",
                    error.message,
                    prefix
                );
                prop_assert!(
                    error.message.chars().count() <= MAX_MESSAGE_CHARS,
                    "message of {} characters: {:?}",
                    error.message.chars().count(),
                    error.message
                );
            }
        }
    }
    Ok(())
}

fn any_currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec![Currency::Cop, Currency::Usd, Currency::Eur])
}

// --- arbitrary bytes ---

/// The bytes the format and UTF-8 care about: TAB, CR, LF, NUL, separators, digits, hex letters,
/// the BOM, UTF-16 marks, lead bytes of 2-, 3- and 4-byte sequences, continuation bytes, bytes never
/// valid in UTF-8.
const INTERESTING_BYTES: &[u8] =
    b"\t\t\t\t\r\r\n\n\n\n\0 ,.,.-+$/0123456789012345ABCDEFabcdefgGtTkmz\
\xEF\xBB\xBF\xFF\xFE\xC3\xC0\xC1\xE2\xF0\xF4\xF5\x80\xBF\x85\xA0";

/// A byte, biased towards [`INTERESTING_BYTES`]: drawn as a `u16` (cheap to generate and shrink
/// by the thousand) whose high byte chooses between any byte and an interesting one.
fn interesting_byte() -> impl Strategy<Value = u8> {
    any::<u16>().prop_map(|pair| {
        let [high, low] = pair.to_be_bytes();
        if high < 96 {
            low
        } else {
            INTERESTING_BYTES[usize::from(low) % INTERESTING_BYTES.len()]
        }
    })
}

/// Bytes: plain, biased, or a valid (or BOM-prefixed) header then biased bytes.
fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..512),
        2 => prop::collection::vec(interesting_byte(), 0..2048),
        2 => interesting_text(0..2048).prop_map(String::into_bytes),
        2 => (
            prop::sample::select(vec!["", "\n", "\r\n", BOM]),
            prop::sample::select(vec!["\n", "\r\n", "\r", "\t\n", ""]),
            prop_oneof![
                prop::collection::vec(interesting_byte(), 0..2048),
                interesting_text(0..2048).prop_map(String::into_bytes),
            ],
        )
            .prop_map(|(before, after, tail)| {
                [before.as_bytes(), HEADER.as_bytes(), after.as_bytes(), &tail].concat()
            }),
    ]
}

/// The characters the format cares about, as valid UTF-8: TAB, CR, LF, NUL, separators, digits,
/// hex letters, `/`, the BOM, accents, spaces that are not ASCII.
const INTERESTING_CHARS: &[char] = &[
    '\t', '\t', '\t', '\t', '\r', '\n', '\n', '\n', '\0', ' ', ',', '.', ',', '.', '-', '+', '$',
    '/', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '1', '2', '0', '4', 'A', 'B',
    'C', 'D', 'E', 'F', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 't', 'k', 'O', 'R', 'U', 'S', 'P', 'Ó',
    '\u{feff}', '\u{a0}', '\u{301}', '\u{85}', '\u{2028}', '€', '٣', '１',
];

/// Text (valid UTF-8, so that it gets past the encoding checks) drawn mostly from
/// [`INTERESTING_CHARS`]: a `u16` per character, as for bytes.
fn interesting_text(len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec((any::<u16>(), any::<char>()), len).prop_map(|chars| {
        chars
            .into_iter()
            .map(|(pick, any)| {
                if pick < 4096 {
                    any
                } else {
                    INTERESTING_CHARS[usize::from(pick) % INTERESTING_CHARS.len()]
                }
            })
            .collect()
    })
}

/// A very long line, or a very long run of one byte, with or without a header.
fn long_lines() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::sample::select(vec![
            b'a', b'0', b'\t', b'\r', b'\n', b' ', 0, 0xFF, 0xC3, b',', b'.',
        ]),
        0usize..(TXT_MAX_BYTES / 4),
        prop_oneof![
            prop::collection::vec(interesting_byte(), 0..64),
            interesting_text(0..64).prop_map(String::into_bytes),
        ],
    )
        .prop_map(|(header, byte, len, tail)| {
            let mut bytes = Vec::with_capacity(len + 200);
            if header {
                bytes.extend_from_slice(HEADER.as_bytes());
                bytes.extend_from_slice(b"\r\n4DEB01BC\tORO\t");
            }
            bytes.resize(bytes.len() + len, byte);
            bytes.extend_from_slice(&tail);
            bytes
        })
}

#[test]
fn arbitrary_bytes_never_panic() {
    fuzz(
        SUITE,
        "arbitrary_bytes",
        cases(),
        (arbitrary_bytes(), any_currency()),
        |(bytes, currency)| check(&bytes, currency).map(|result| answer(&result)),
    );
}

#[test]
fn arbitrary_long_lines_never_panic() {
    // Each input is up to 256 KiB: a tenth of the cases is enough to cover the lengths.
    fuzz(
        SUITE,
        "arbitrary_long_lines",
        (cases() / 10).max(1),
        (long_lines(), any_currency()),
        |(bytes, currency)| check(&bytes, currency).map(|result| answer(&result)),
    );
}

// --- near-valid files ---

/// Odd cell values: the edges of every column's parser.
const ODD_VALUES: &[&str] = &[
    "",
    " ",
    "\0",
    "\u{feff}",
    "\u{a0}1",
    "1\u{a0}000",
    "\u{200b}",
    "١٢٣",
    "１２３",
    "𝟙𝟚𝟛",
    "½",
    "²",
    "1e5",
    "1E400",
    "1e-400",
    "NaN",
    "inf",
    "-inf",
    "-0",
    "+0",
    "-0,0000",
    "+-1",
    "--1",
    "0,00001",
    "0,0001",
    "0.0001",
    "0,99999999999999999999999999999",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950336",
    "7922816251426433759354395033,5",
    "0,0000000000000000000000000001",
    "999999999999,9999",
    "999999999999,99995",
    "1000000000000",
    "999.999.999.999.999,99",
    "999999999999999,99",
    "1000000000000000",
    "1.000.000.000.000.000",
    "1'000.000",
    "1 000",
    ",5",
    "5,",
    ".5",
    "5.",
    ".",
    ",",
    ",,",
    "..",
    ".,",
    "1.2.3",
    "1,2,3",
    "1.23.456",
    "1.234",
    "1,234",
    "1.000",
    "100,000",
    "0.500",
    "01.000",
    "1.234,5678",
    "1,234.5678",
    "1.234.567,891",
    "1,234,567.8",
    "$ 1",
    "$1.000,50",
    "US$ 1",
    "€ 1",
    "€",
    "$",
    "$$1",
    "USD",
    "USD 1",
    "COP 1",
    "1 COP",
    "1 EUR",
    "EUR1",
    "cop cop 1",
    "COPUSD1",
    "1COPUSD",
    "ÇOP1",
    "ORO",
    "oro",
    "Oró",
    "O\u{301}RO",
    "CARBÓN",
    "CARBO\u{301}N",
    "carbon",
    "ORO\u{200b}",
    "ORO\u{0}",
    "ORO ORO",
    "İ",
    "ß",
    "ﬀ",
    "\u{202e}ORO",
    "\u{10ffff}",
    "\u{fffd}",
    "😀",
    "g",
    "G",
    "gramos",
    "m³",
    "M3",
    "ozt",
    "oz t",
    "ct",
    "kg",
    "t",
    "ton",
    "29/02/2024",
    "29/02/2023",
    "31/04/2025",
    "00/01/2025",
    "01/00/2025",
    "01/13/2025",
    "01/01/1899",
    "01/01/1900",
    "31/12/9999",
    "01/01/0000",
    "99/99/9999",
    "1/3/2025",
    "2025-03-04",
    "04-03-2025",
    "٠٤/٠٣/٢٠٢٥",
    "04／03／2025",
    "04/03/2025/",
    "4DEB01BC",
    "4deb01bc",
    "4DEB01B",
    "4DEB01BCD",
    "4DEB01BG",
    "４DEB01BC",
    "0x4DEB01",
    "ＡＢＣＤＥＦ１２",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\u{85}",
    "\u{2028}",
    "\u{b}\u{c}",
    "CODIGO_ORIGEN",
    "VALOR",
];

/// A cell's odd replacement.
fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(ODD_VALUES).prop_map(str::to_owned),
        2 => "\\PC{0,24}",
        1 => ".{0,16}",
        2 => "-?[0-9]{20,60}",
        2 => "[0-9]{1,3}([.,][0-9]{3}){0,10}([.,][0-9]{0,32})?",
        2 => "[-+]?[0-9]{0,30}[.,]?[0-9]{0,30}",
        1 => "[0-9]{1,2}/[0-9]{1,2}/[0-9]{1,5}",
        1 => "[0-9a-fA-FgG ]{0,12}",
        1 => (prop::sample::select(Mineral::all()), "[ .,'\\-_]{0,3}").prop_map(|(m, decoration)| {
            format!("{decoration}{}{decoration}", m.name().to_lowercase())
        }),
    ]
}

/// A character to insert into a cell.
fn odd_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '\t', '\r', '\n', '\0', ' ', '.', ',', '-', '+', '$', '€', '/', '\u{a0}', '\u{feff}',
            '\u{200b}', '\u{301}', '\u{85}', '\u{2028}', '\u{202e}', '٣', '１', 'İ', 'ß', '😀',
            '\u{10ffff}', '\u{fffd}',
        ]),
        1 => any::<char>(),
    ]
}

/// How a number is spelled in a cell: the way we write it, or the ways people type it.
fn spell_quantity(value: Decimal, style: u8) -> String {
    match style % 5 {
        0 => value.normalize().to_string().replace('.', ","),
        1 => value.normalize().to_string(),
        2 => format_es_co(value, None),
        3 => format_es_co(value, Some(QUANTITY_MAX_DECIMALS)),
        _ => format!(" {} ", value.normalize().to_string().replace('.', ",")),
    }
}

fn spell_money(amount: Decimal, style: u8, currency: Currency) -> String {
    match style % 6 {
        0 => amount.normalize().to_string().replace('.', ","),
        1 => format_es_co(amount, Some(2)),
        2 => format!("$ {}", format_es_co(amount, Some(2))),
        3 => format!("{} {}", currency.code(), format_es_co(amount, None)),
        4 => format!(
            "{}{}",
            format_es_co(amount, None),
            currency.code().to_lowercase()
        ),
        _ => amount.normalize().to_string(),
    }
}

/// The seven (or five, or six) cells of a row that follows the format, spelled in one of the
/// ways people type it; mostly valid, sometimes not (a point with three decimals, a unit of the
/// other dimension), as real files are.
#[allow(clippy::type_complexity)]
fn valid_row(currency: Currency) -> impl Strategy<Value = Vec<String>> {
    (
        (
            any::<[u8; 4]>(),
            any::<bool>(),
            prop::sample::select(Mineral::all()),
        ),
        (0u8..4, 0i64..10_000_000_000_000_000, any::<u8>()),
        (
            prop::sample::select(Unit::ALL.to_vec()),
            0u8..4,
            0i64..2_920_000,
        ),
        (
            prop::option::of((any::<u64>(), any::<u8>())),
            prop::option::of((0i64..100_000_000_000_000_000, any::<u8>())),
        ),
        0u8..6,
    )
        .prop_map(
            move |(
                (code, lower, mineral),
                (mineral_style, units, q_style),
                (unit, unit_style, days),
                (sale, valor),
                trailing,
            )| {
                let code: String = code.iter().map(|b| format!("{b:02X}")).collect();
                let code = if lower { code.to_lowercase() } else { code };
                let mineral_name = match mineral_style {
                    0 => mineral.name().to_owned(),
                    1 => mineral.name().to_lowercase(),
                    2 => format!("  {}  ", mineral.name()),
                    _ => mineral
                        .name()
                        .replace('Ó', "O")
                        .replace('Í', "I")
                        .replace('Á', "A"),
                };
                let disponible = Decimal::new(units, 4);
                // Mostly the mineral's own unit; sometimes another one (maybe of the other dimension).
                let unit = match unit_style {
                    0 | 1 => mineral.unit().code().to_owned(),
                    2 => unit.code().to_owned(),
                    _ => unit.label().to_owned(),
                };
                let base =
                    time::Date::from_calendar_date(1900, time::Month::January, 1).expect("a date");
                let fecha = (base + time::Duration::days(days % 2_900_000))
                    .format(time::macros::format_description!("[day]/[month]/[year]"))
                    .unwrap_or_default();
                let (cantidad, valor) = match sale {
                    Some((r, style)) if units > 0 => {
                        let sold = Decimal::new(1 + (r % units.unsigned_abs()) as i64, 4);
                        let valor = valor
                            .map(|(cents, m_style)| {
                                spell_money(Decimal::new(cents, 2), m_style, currency)
                            })
                            .unwrap_or_default();
                        (spell_quantity(sold, style), valor)
                    }
                    _ => (String::new(), String::new()),
                };
                let mut cells = vec![
                    code,
                    mineral_name,
                    spell_quantity(disponible, q_style),
                    unit,
                    fecha,
                    cantidad,
                    valor,
                ];
                // Some editors drop trailing empty cells.
                while trailing > 3 && cells.len() > 5 && cells.last().is_some_and(String::is_empty)
                {
                    cells.pop();
                }
                cells
            },
        )
}

/// One line of a generated file: its cells and the separator between them.
#[derive(Debug, Clone)]
struct Line {
    cells: Vec<String>,
    separator: String,
}

impl Line {
    fn render(&self) -> String {
        self.cells.join(&self.separator)
    }
}

/// What is done to the file that follows the format. Indices are taken modulo the lengths at the
/// time of the change (line 0 is the header).
#[derive(Debug, Clone)]
enum Mutation {
    SwapCells {
        line: usize,
        a: usize,
        b: usize,
    },
    DupCell {
        line: usize,
        cell: usize,
    },
    DropCell {
        line: usize,
        cell: usize,
    },
    ReplaceCell {
        line: usize,
        cell: usize,
        text: String,
    },
    InsertChar {
        line: usize,
        cell: usize,
        at: usize,
        c: char,
    },
    RepeatCell {
        line: usize,
        cell: usize,
        times: usize,
    },
    DupLine {
        line: usize,
    },
    DropLine {
        line: usize,
    },
    SwapLines {
        a: usize,
        b: usize,
    },
    InsertLine {
        at: usize,
        text: String,
    },
    Separator {
        line: usize,
        separator: String,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let index = || any::<usize>();
    prop_oneof![
        2 => (index(), index(), index()).prop_map(|(line, a, b)| Mutation::SwapCells { line, a, b }),
        2 => (index(), index()).prop_map(|(line, cell)| Mutation::DupCell { line, cell }),
        2 => (index(), index()).prop_map(|(line, cell)| Mutation::DropCell { line, cell }),
        6 => (index(), index(), odd_text())
            .prop_map(|(line, cell, text)| Mutation::ReplaceCell { line, cell, text }),
        3 => (index(), index(), index(), odd_char())
            .prop_map(|(line, cell, at, c)| Mutation::InsertChar { line, cell, at, c }),
        1 => (index(), index(), 2usize..2_000)
            .prop_map(|(line, cell, times)| Mutation::RepeatCell { line, cell, times }),
        1 => index().prop_map(|line| Mutation::DupLine { line }),
        1 => index().prop_map(|line| Mutation::DropLine { line }),
        1 => (index(), index()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        1 => (index(), prop_oneof![odd_text(), "[\\t \\PC]{0,40}"])
            .prop_map(|(at, text)| Mutation::InsertLine { at, text }),
        1 => (index(), prop::sample::select(vec![",", ";", " ", "\t\t", "|", "\u{a0}", "\t "]))
            .prop_map(|(line, separator)| Mutation::Separator { line, separator: separator.to_owned() }),
    ]
}

fn apply(lines: &mut Vec<Line>, mutation: &Mutation) {
    if lines.is_empty() {
        if let Mutation::InsertLine { text, .. } = mutation {
            lines.push(Line {
                cells: vec![text.clone()],
                separator: "\t".into(),
            });
        }
        return;
    }
    let n = lines.len();
    match mutation {
        Mutation::SwapCells { line, a, b } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let len = cells.len();
                cells.swap(a % len, b % len);
            }
        }
        Mutation::DupCell { line, cell } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let i = cell % cells.len();
                let copy = cells[i].clone();
                cells.insert(i, copy);
            }
        }
        Mutation::DropCell { line, cell } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let i = cell % cells.len();
                cells.remove(i);
            }
        }
        Mutation::ReplaceCell { line, cell, text } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let i = cell % cells.len();
                cells[i].clone_from(text);
            }
        }
        Mutation::InsertChar { line, cell, at, c } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let i = cell % cells.len();
                let text = &mut cells[i];
                let chars = text.chars().count();
                let byte = text
                    .char_indices()
                    .nth(at % (chars + 1))
                    .map_or(text.len(), |(byte, _)| byte);
                text.insert(byte, *c);
            }
        }
        Mutation::RepeatCell { line, cell, times } => {
            let cells = &mut lines[line % n].cells;
            if !cells.is_empty() {
                let i = cell % cells.len();
                let text = if cells[i].is_empty() {
                    "9".to_owned()
                } else {
                    cells[i].clone()
                };
                cells[i] = text.repeat(*times);
            }
        }
        Mutation::DupLine { line } => {
            let copy = lines[line % n].clone();
            lines.insert(line % n, copy);
        }
        Mutation::DropLine { line } => {
            lines.remove(line % n);
        }
        Mutation::SwapLines { a, b } => lines.swap(a % n, b % n),
        Mutation::InsertLine { at, text } => lines.insert(
            at % (n + 1),
            Line {
                cells: vec![text.clone()],
                separator: "\t".into(),
            },
        ),
        Mutation::Separator { line, separator } => lines[line % n].separator.clone_from(separator),
    }
}

/// A change to the bytes of the finished file.
#[derive(Debug, Clone)]
enum ByteMutation {
    Flip { at: usize, xor: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Truncate { at: usize },
    Delete { at: usize, len: usize },
}

fn byte_mutation() -> impl Strategy<Value = ByteMutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, xor)| ByteMutation::Flip { at, xor }),
        (
            any::<usize>(),
            prop::collection::vec(interesting_byte(), 1..8)
        )
            .prop_map(|(at, bytes)| ByteMutation::Insert { at, bytes }),
        any::<usize>().prop_map(|at| ByteMutation::Truncate { at }),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| ByteMutation::Delete { at, len }),
    ]
}

fn apply_bytes(bytes: &mut Vec<u8>, mutation: &ByteMutation) {
    let n = bytes.len() + 1;
    match mutation {
        ByteMutation::Flip { at, xor } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= xor;
            }
        }
        ByteMutation::Insert { at, bytes: new } => {
            let i = at % n;
            bytes.splice(i..i, new.iter().copied());
        }
        ByteMutation::Truncate { at } => bytes.truncate(at % n),
        ByteMutation::Delete { at, len } => {
            let i = at % n;
            let end = (i + len).min(bytes.len());
            if i < end {
                bytes.drain(i..end);
            }
        }
    }
}

/// A file that follows the format, then its changes.
#[derive(Debug, Clone)]
struct NearValid {
    currency: Currency,
    lines: Vec<Line>,
    /// Line ends, used in turn (`\n`, `\r\n`, blank lines...).
    line_ends: Vec<&'static str>,
    trailing_end: bool,
    bom: bool,
    bytes: Vec<ByteMutation>,
}

impl NearValid {
    fn joined(&self, line_end: Option<&str>) -> String {
        let mut text = String::new();
        for (index, line) in self.lines.iter().enumerate() {
            if index > 0 {
                let end = line_end.unwrap_or(self.line_ends[index % self.line_ends.len()]);
                text.push_str(end);
            }
            text.push_str(&line.render());
        }
        if self.trailing_end && !self.lines.is_empty() {
            text.push_str(line_end.unwrap_or(self.line_ends[0]));
        }
        text
    }

    /// The file as uploaded: BOM, mixed line ends, byte changes.
    fn bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        if self.bom {
            bytes.extend_from_slice(BOM.as_bytes());
        }
        bytes.extend_from_slice(self.joined(None).as_bytes());
        for mutation in &self.bytes {
            apply_bytes(&mut bytes, mutation);
        }
        bytes
    }
}

fn header_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        4 => Just(HEADER.to_owned()),
        1 => Just(HEADER.to_lowercase()),
        1 => Just(HEADER.replace('\t', " \t ")),
        1 => Just(format!("{HEADER}\t")),
        1 => Just(HEADER.replace("MINERAL", "MINERAL\u{301}")),
    ]
    .prop_map(|header| Line {
        cells: header.split('\t').map(str::to_owned).collect(),
        separator: "\t".into(),
    })
}

fn near_valid() -> impl Strategy<Value = NearValid> {
    any_currency().prop_flat_map(|currency| {
        (
            header_line(),
            prop::collection::vec(valid_row(currency), 0..12),
            prop_oneof![
                1 => Just(Vec::new()),
                3 => prop::collection::vec(mutation(), 1..6),
            ],
            prop_oneof![
                3 => Just(vec!["\n"]),
                3 => Just(vec!["\r\n"]),
                2 => prop::collection::vec(
                    prop::sample::select(vec!["\n", "\r\n", "\r\r\n", "\n\n", "\r\n \t\r\n", "\n\u{a0}\n"]),
                    1..6,
                ),
            ],
            any::<bool>(),
            any::<bool>(),
            prop_oneof![
                4 => Just(Vec::new()),
                1 => prop::collection::vec(byte_mutation(), 1..4),
            ],
        )
            .prop_map(
                move |(header, rows, mutations, line_ends, trailing_end, bom, bytes)| {
                    let mut lines = vec![header];
                    lines.extend(rows.into_iter().map(|cells| Line {
                        cells,
                        separator: "\t".into(),
                    }));
                    for mutation in &mutations {
                        apply(&mut lines, mutation);
                    }
                    NearValid {
                        currency,
                        lines,
                        line_ends,
                        trailing_end,
                        bom,
                        bytes,
                    }
                },
            )
    })
}

#[test]
fn near_valid_files_never_panic_and_hold_together() {
    fuzz(SUITE, "near_valid", cases(), near_valid(), |file| {
        let bytes = file.bytes();
        let uploaded = check(&bytes, file.currency)?;
        // Line ends and a BOM change nothing (checked on the file before its byte changes).
        let lf = file.joined(Some("\n"));
        let crlf = file.joined(Some("\r\n"));
        let by_lf = check(lf.as_bytes(), file.currency)?;
        let by_crlf = check(crlf.as_bytes(), file.currency)?;
        if crlf.len() <= TXT_MAX_BYTES {
            prop_assert_eq!(&by_lf, &by_crlf, "LF and CRLF disagree");
        }
        if !lf.starts_with(BOM) && lf.len() + BOM.len() <= TXT_MAX_BYTES {
            let with_bom = check(format!("{BOM}{lf}").as_bytes(), file.currency)?;
            prop_assert_eq!(&by_lf, &with_bom, "a BOM changes the answer");
        }
        Ok(answer(&uploaded))
    });
}

/// Files that follow the format without any change often parse (the others use a spelling the
/// format refuses: `1.234` grams, a unit of the other dimension), so that the mutations start from
/// files that reach every column's parser: a guard on the generator itself.
#[test]
fn near_valid_files_without_changes_often_parse() {
    let (generated, parsed) = (Cell::new(0u64), Cell::new(0u64));
    fuzz(
        SUITE,
        "near_valid_unchanged",
        (cases() / 4).max(1),
        any_currency().prop_flat_map(|currency| {
            (
                Just(currency),
                prop::collection::vec(valid_row(currency), 1..8),
            )
        }),
        |(currency, rows)| {
            let mut text = String::from(HEADER);
            for row in &rows {
                text.push_str("\r\n");
                text.push_str(&row.join("\t"));
            }
            let result = check(text.as_bytes(), currency)?;
            generated.set(generated.get() + 1);
            if result.is_ok() {
                parsed.set(parsed.get() + 1);
            }
            Ok(answer(&result))
        },
    );
    assert!(
        parsed.get() >= generated.get() / 5,
        "the generator makes too few valid files: {} of {}",
        parsed.get(),
        generated.get()
    );
}

// --- file-level limits ---

#[test]
fn file_level_limits() {
    let row = "4DEB01BC\tORO\t191\tg\t04/03/2025\t\t";
    let rows = |count: usize| {
        let mut text = String::from(HEADER);
        for index in 0..count {
            // Distinct keys, so that the rows are all valid.
            text.push_str(&format!("\n{index:08X}\tORO\t191\tg\t04/03/2025\t1\t"));
        }
        text.into_bytes()
    };
    let padded = |len: usize, byte: u8| {
        let mut bytes = format!("{HEADER}\n{row}\n").into_bytes();
        bytes.resize(len, byte);
        bytes
    };
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("BOM only", BOM.as_bytes().to_vec()),
        ("two BOMs", [BOM, BOM].concat().into_bytes()),
        ("UTF-16 LE", vec![0xFF, 0xFE]),
        ("UTF-16 BE", vec![0xFE, 0xFF, 0, b'C']),
        ("lone continuation", vec![0x80]),
        ("cut 2-byte char", vec![0xC3]),
        ("NUL only", vec![0; 64]),
        ("header only", HEADER.as_bytes().to_vec()),
        ("max rows", rows(TXT_MAX_LINES - 1)),
        ("max rows + 1", rows(TXT_MAX_LINES)),
        ("max bytes of spaces", padded(TXT_MAX_BYTES, b' ')),
        ("max bytes + 1 of spaces", padded(TXT_MAX_BYTES + 1, b' ')),
        ("max bytes of TABs", padded(TXT_MAX_BYTES, b'\t')),
        ("max bytes of CRs", padded(TXT_MAX_BYTES, b'\r')),
        ("max bytes of LFs", padded(TXT_MAX_BYTES, b'\n')),
        ("max bytes of CRLFs", {
            let mut bytes = HEADER.as_bytes().to_vec();
            while bytes.len() + 2 <= TXT_MAX_BYTES {
                bytes.extend_from_slice(b"\r\n");
            }
            bytes
        }),
        ("max bytes of NULs", padded(TXT_MAX_BYTES, 0)),
        ("max bytes of digits", padded(TXT_MAX_BYTES, b'9')),
        (
            "max bytes, invalid UTF-8 at the end",
            padded(TXT_MAX_BYTES, 0xFF),
        ),
        ("max lines of TABs", {
            let mut bytes = format!("{HEADER}\n").into_bytes();
            for _ in 1..TXT_MAX_LINES {
                bytes.extend_from_slice(b"\t\t\t\t\t\t\n");
            }
            bytes
        }),
        ("max lines of BOMs", {
            let mut bytes = format!("{HEADER}\n").into_bytes();
            for _ in 1..TXT_MAX_LINES {
                bytes.extend_from_slice(BOM.as_bytes());
                bytes.push(b'\n');
            }
            bytes
        }),
    ];
    let started = Instant::now();
    for (name, bytes) in &inputs {
        for currency in [Currency::Cop, Currency::Usd] {
            if let Err(error) = check(bytes, currency) {
                panic!("{name}: {error}");
            }
        }
    }
    assert_eq!(
        parse(&rows(TXT_MAX_LINES - 1), Currency::Cop).map(|p| p.rows.len()),
        Ok(TXT_MAX_LINES - 1)
    );
    assert!(matches!(
        parse(&rows(TXT_MAX_LINES), Currency::Cop),
        Err(BalancesTxtError::TooManyLines { .. })
    ));
    eprintln!(
        "fuzz_balances_txt::file_level_limits: {} inputs tried in {:.1} s",
        inputs.len() * 2,
        started.elapsed().as_secs_f64()
    );
}
