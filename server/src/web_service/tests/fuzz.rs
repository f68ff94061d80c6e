//! Fuzzing of the body reader (issue: no panic, every input a value or an error). Arbitrary
//! bytes, arbitrary JSON values, JSON texts whose numbers no `f64` holds (`1e400`), and bodies
//! shaped like `Detail` (openapi.json) with any type or value in each field. For every input:
//! no panic; `Ok`, or a refusal with a 4xx status and the `{code, message, errors[]}` body that
//! agrees with what `serde_json` makes of the bytes (not JSON: 400 `json_malformed`; not an
//! object: 400 `json_not_object`); for an object, each field of the wrong JSON type is a
//! `json_type` error in `errors[]` at its JSON path (422 `validation_failed`), and only those.
//!
//! Cases per property: `VETA_FUZZ_CASES` (default `DEFAULT_CASES`: the module runs in about
//! 6 s in debug on 2 cores); `VETA_FUZZ_SECONDS` also stops each property after that many
//! seconds. Each property prints how many inputs it tried and the answers they got
//! (`-- --nocapture`). `PROPTEST_RNG_SEED` fixes the seed.

use super::super::*;
use std::collections::BTreeSet;
use std::fmt::Debug;

use domain::quantity::QUANTITY_MAX;
use domain::{Currency, Money, Quantity};
use futures_util::FutureExt;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

// The runner of every fuzz suite, one file shared with domain's.
#[path = "../../../../domain/tests/support/fuzz_runner.rs"]
mod fuzz_runner;
use fuzz_runner::fuzz;

/// Cases per property when `VETA_FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 2_000;

/// How the runner names this module's properties in what it prints.
const SUITE: &str = "web_service::fuzz";

fn cases() -> u32 {
    fuzz_runner::cases(DEFAULT_CASES)
}

// --- what an answer must be ---

/// A refusal as the ERP reads it.
struct Refusal {
    status: StatusCode,
    code: String,
    errors: Vec<(String, String, String)>,
}

fn refusal(response: Response) -> Result<Refusal, TestCaseError> {
    let status = response.status();
    prop_assert!(status.is_client_error(), "status {status}");
    let bytes = to_bytes(response.into_body(), usize::MAX)
        .now_or_never()
        .ok_or_else(|| TestCaseError::fail("the body is not ready at once"))?
        .map_err(|error| TestCaseError::fail(format!("body: {error}")))?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|error| TestCaseError::fail(format!("the refusal is not JSON: {error}")))?;
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    prop_assert!(WS_ERROR_CODES.contains(&code.as_str()), "code {code:?}");
    prop_assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "no message: {body}"
    );
    let errors = body["errors"]
        .as_array()
        .ok_or_else(|| TestCaseError::fail(format!("no errors[]: {body}")))?
        .iter()
        .map(|error| {
            let text = |key: &str| error[key].as_str().unwrap_or_default().to_owned();
            (text("field"), text("code"), text("message"))
        })
        .collect();
    Ok(Refusal {
        status,
        code,
        errors,
    })
}

/// The field errors an object must produce (`must`) and may produce (`may`: a JSON number
/// no `Decimal` holds, which depends on how the number prints), with the texts and list
/// lengths an accepted body must give.
#[derive(Default)]
struct Expected {
    must: BTreeSet<String>,
    may: BTreeSet<String>,
    texts: Vec<(String, Option<String>)>,
    lines: usize,
    taxes: usize,
}

impl Expected {
    fn of(object: &Map<String, Value>) -> Self {
        let mut expected = Self::default();
        for key in ["document_type", "document_number", "mining_file_code"] {
            expected.text(object, key, key.to_owned());
        }
        for (index, item) in expected
            .list(object, "ltransaction_detail")
            .iter()
            .enumerate()
        {
            let path = |field: &str| format!("ltransaction_detail[{index}].{field}");
            expected.text(item, "mineral", path("mineral"));
            expected.text(item, "origin_code", path("origin_code"));
            expected.number(item, "quantity", path("quantity"));
            expected.text(item, "unit", path("unit"));
            expected.number(item, "value", path("value"));
            expected.lines += 1;
        }
        for (index, item) in expected.list(object, "ltax").iter().enumerate() {
            let path = |field: &str| format!("ltax[{index}].{field}");
            expected.text(item, "tax_type", path("tax_type"));
            expected.number(item, "value", path("value"));
            expected.text(item, "description", path("description"));
            expected.taxes += 1;
        }
        expected
    }

    fn text(&mut self, object: &Map<String, Value>, key: &str, path: String) {
        match object.get(key) {
            None | Some(Value::Null) => self.texts.push((path, Some(String::new()))),
            Some(Value::String(text)) => self.texts.push((path, Some(text.clone()))),
            Some(Value::Number(number)) => self.texts.push((path, Some(number.to_string()))),
            Some(_) => {
                self.must.insert(path);
            }
        }
    }

    fn number(&mut self, object: &Map<String, Value>, key: &str, path: String) {
        match object.get(key) {
            None | Some(Value::Null) => self.texts.push((path, Some(String::new()))),
            Some(Value::String(text)) => self.texts.push((path, Some(text.clone()))),
            Some(Value::Number(number))
                if number.is_f64()
                    && super::super::significant_digits(&number.to_string()) > 15 =>
            {
                // More digits than an `f64` keeps: refused (`json_precision`).
                self.must.insert(path);
            }
            Some(Value::Number(number)) => {
                // Integers and plain-sized floats always fit a `Decimal`; the others
                // (1e300, 5e-324) may not.
                let fits = number.is_i64()
                    || number.is_u64()
                    || number
                        .as_f64()
                        .is_some_and(|f| f == 0.0 || (1e-10..=1e20).contains(&f.abs()));
                if !fits {
                    self.may.insert(path.clone());
                }
                // Written the Colombian way: not compared here (see the round trip).
                self.texts.push((path, None));
            }
            Some(_) => {
                self.must.insert(path);
            }
        }
    }

    fn list(&mut self, object: &Map<String, Value>, key: &str) -> Vec<Map<String, Value>> {
        match object.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| match item {
                    Value::Object(item) => Some(item.clone()),
                    _ => {
                        self.must.insert(format!("{key}[{index}]"));
                        None
                    }
                })
                .collect(),
            Some(_) => {
                self.must.insert(key.to_owned());
                Vec::new()
            }
        }
    }
}

/// The texts of an accepted detail, by JSON path.
fn texts_of(detail: &Detail) -> Vec<(String, String)> {
    let mut texts = vec![
        (
            "document_type".to_owned(),
            detail.identity.document_type.clone(),
        ),
        (
            "document_number".to_owned(),
            detail.identity.document_number.clone(),
        ),
        (
            "mining_file_code".to_owned(),
            detail.identity.mining_file_code.clone(),
        ),
    ];
    for (index, line) in detail.lines.iter().enumerate() {
        let path = |field: &str| format!("ltransaction_detail[{index}].{field}");
        texts.push((path("mineral"), line.mineral.clone()));
        texts.push((path("origin_code"), line.codigo_origen.clone()));
        texts.push((path("quantity"), line.quantity.clone()));
        texts.push((path("unit"), line.unit.clone()));
        texts.push((path("value"), line.value.clone()));
    }
    for (index, tax) in detail.taxes.iter().enumerate() {
        let path = |field: &str| format!("ltax[{index}].{field}");
        texts.push((path("tax_type"), tax.kind.clone()));
        texts.push((path("value"), tax.value.clone()));
        texts.push((path("description"), tax.description.clone()));
    }
    texts
}

/// Reads `body` and checks the answer against what `serde_json` makes of it. Returns the
/// kind of answer (`accepted` or the refusal's code).
fn check(body: &[u8]) -> Result<&'static str, TestCaseError> {
    let answer = read_detail(body);
    let object = match serde_json::from_slice::<Value>(body) {
        Err(_) => {
            let Err(response) = answer else {
                return Err(TestCaseError::fail("accepted a body serde_json refuses"));
            };
            let refusal = refusal(*response)?;
            prop_assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
            prop_assert_eq!(refusal.code, "json_malformed");
            prop_assert!(refusal.errors.is_empty());
            return Ok("json_malformed");
        }
        Ok(Value::Object(object)) => object,
        Ok(_) => {
            let Err(response) = answer else {
                return Err(TestCaseError::fail("accepted a body that is not an object"));
            };
            let refusal = refusal(*response)?;
            prop_assert_eq!(refusal.status, StatusCode::BAD_REQUEST);
            prop_assert_eq!(refusal.code, "json_not_object");
            prop_assert!(refusal.errors.is_empty());
            return Ok("json_not_object");
        }
    };
    let expected = Expected::of(&object);
    match answer {
        Ok(detail) => {
            prop_assert!(
                expected.must.is_empty(),
                "accepted with wrong types at {:?}",
                expected.must
            );
            prop_assert_eq!(detail.lines.len(), expected.lines);
            prop_assert_eq!(detail.taxes.len(), expected.taxes);
            prop_assert!(detail.taxes.iter().all(|tax| tax.currency.is_empty()));
            let got = texts_of(&detail);
            prop_assert_eq!(got.len(), expected.texts.len());
            for ((path, text), (expected_path, expected_text)) in got.iter().zip(&expected.texts) {
                prop_assert_eq!(path, expected_path);
                match expected_text {
                    Some(expected_text) => prop_assert_eq!(text, expected_text, "{}", path),
                    None => prop_assert!(!text.is_empty(), "{} is empty", path),
                }
            }
            Ok("accepted")
        }
        Err(response) => {
            let refusal = refusal(*response)?;
            prop_assert_eq!(refusal.status, StatusCode::UNPROCESSABLE_ENTITY);
            prop_assert_eq!(&refusal.code, "validation_failed");
            prop_assert!(!refusal.errors.is_empty(), "422 without errors[]");
            let mut fields = BTreeSet::new();
            for (field, code, message) in &refusal.errors {
                prop_assert!(code == "json_type" || code == "json_precision", "{}", code);
                prop_assert!(message.starts_with(&format!("{field}: ")), "{}", message);
                prop_assert!(fields.insert(field.clone()), "{} twice", field);
            }
            let missing: Vec<_> = expected.must.difference(&fields).collect();
            prop_assert!(missing.is_empty(), "not in errors[]: {missing:?}");
            let extra: Vec<_> = fields
                .iter()
                .filter(|f| !expected.must.contains(*f) && !expected.may.contains(*f))
                .collect();
            prop_assert!(extra.is_empty(), "unexpected errors[]: {extra:?}");
            Ok("validation_failed")
        }
    }
}

// --- arbitrary bytes ---

/// Bytes JSON is made of, and the ones that break it.
const JSON_BYTES: &[u8] = b"{{{}}}[[[]]]\"\"\"\",,::: \t\r\n0123456789-+.eEtruefalsnul\\/u\
\x00\x1f\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\x80\xff\xfe\xef\xbb\xbf";

fn json_byte() -> impl Strategy<Value = u8> {
    any::<u16>().prop_map(|pair| {
        let [high, low] = pair.to_be_bytes();
        if high < 48 {
            low
        } else {
            JSON_BYTES[usize::from(low) % JSON_BYTES.len()]
        }
    })
}

fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => prop::collection::vec(any::<u8>(), 0..512),
        4 => prop::collection::vec(json_byte(), 0..1024),
        2 => (prop::collection::vec(json_byte(), 0..256))
            .prop_map(|tail| [b"{\"ltransaction_detail\":[{\"quantity\":".as_slice(), &tail].concat()),
        // Deep nesting: serde_json's recursion limit, not the stack.
        1 => (prop::sample::select(vec!["[", "{\"a\":", "{\"ltax\":[", "[{\"ltax\":"]), 0usize..20_000, any::<bool>())
            .prop_map(|(open, depth, close)| {
                let mut body = open.repeat(depth);
                if close {
                    body.push_str(&"]".repeat(depth));
                }
                body.into_bytes()
            }),
    ]
}

#[test]
fn arbitrary_bytes_are_a_detail_or_a_4xx() {
    fuzz(
        SUITE,
        "arbitrary_bytes",
        cases(),
        arbitrary_bytes(),
        |bytes| check(&bytes),
    );
}

// --- arbitrary JSON values ---

/// Keys of the real body, and others.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "document_type", "document_number", "mining_file_code", "ltax",
            "ltransaction_detail", "mineral", "origin_code", "quantity", "unit", "value",
            "tax_type", "description", "operator_transaction_id",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,8}",
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        (-1e6f64..1e6)
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,16}".prop_map(Value::String),
        prop::sample::select(vec![
            "NIT",
            "9013049617",
            "ORO",
            "4DEB01BC",
            "g",
            "10,5",
            "1.234",
            "iva",
            ""
        ])
        .prop_map(Value::from),
    ]
}

/// Any JSON value, at most 4 levels deep and about 64 nodes.
fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

#[test]
fn arbitrary_json_values_are_a_detail_or_a_4xx() {
    fuzz(SUITE, "arbitrary_json", cases(), json_value(), |value| {
        let body = serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&body)
    });
}

// --- bodies shaped like `Detail` ---

/// A JSON text, kept as text so that it can hold what no `Value` holds (`1e400`, 30-digit
/// integers) and duplicate keys.
#[derive(Debug, Clone)]
enum Raw {
    Literal(String),
    Array(Vec<Raw>),
    Object(Vec<(String, Raw)>),
}

impl Raw {
    fn render(&self, out: &mut String) {
        match self {
            Self::Literal(text) => out.push_str(text),
            Self::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    item.render(out);
                }
                out.push(']');
            }
            Self::Object(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::from(key.as_str()).to_string());
                    out.push(':');
                    value.render(out);
                }
                out.push('}');
            }
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        self.render(&mut out);
        out
    }
}

/// Numbers as JSON texts: huge, tiny, negative, exponents, more digits than any type
/// holds, and a few that are not JSON at all.
const NUMBER_LITERALS: &[&str] = &[
    "0",
    "-0",
    "0.0",
    "-0.0",
    "1",
    "-1",
    "10",
    "10.5",
    "-10.5",
    "1234",
    "1234.5",
    "1000000",
    "180000",
    "0.0001",
    "0.00001",
    "1E-400",
    "1e308",
    "1.7976931348623157e308",
    "-1.7976931348623157e308",
    "5e-324",
    "2.2250738585072014e-308",
    "1e28",
    "1e29",
    "-1e29",
    "7.9228162514264337593543950335e28",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "1e-28",
    "1e-29",
    "1.5e-7",
    "2.5E+3",
    "1E3",
    "0.1",
    "0.30000000000000004",
    "999999999999.9999",
    "1000000000000",
    "999999999999999.99",
    "1e15",
    "1e0",
    "1e-0",
    "1e+0",
    "100e-2",
];

/// Not JSON numbers: the whole body is refused (`json_malformed`).
const NOT_NUMBERS: &[&str] = &[
    "01", "1.", ".5", "+1", "NaN", "Infinity", "-", "1e", "0x10", "1e400", "-1e400",
];

fn number_literal() -> impl Strategy<Value = Raw> {
    prop_oneof![
        200 => prop::sample::select(NUMBER_LITERALS).prop_map(str::to_owned),
        50 => any::<i64>().prop_map(|n| n.to_string()),
        50 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| format!("{f:e}")),
        50 => (-1e12f64..1e12).prop_map(|f| f.to_string()),
        50 => "-?[1-9][0-9]{0,40}(\\.[0-9]{1,30})?([eE][-+]?[0-9]{1,2})?",
        // Beyond an f64: refused whole as json_malformed (no `arbitrary_precision`).
        1 => "-?[1-9][0-9]{0,2}(\\.[0-9]{1,3})?[eE]\\+?[0-9]{3,4}",
        1 => prop::sample::select(NOT_NUMBERS).prop_map(str::to_owned),
    ]
    .prop_map(Raw::Literal)
}

/// Strings: what the fields hold, Colombian numbers, odd Unicode, escapes (some invalid).
fn string_literal() -> impl Strategy<Value = Raw> {
    prop_oneof![
        200 => prop::sample::select(vec![
            "", " ", "NIT", "nit", "CC", "c.c.", "Cédula de ciudadanía", "9013049617",
            "901.304.961-7", "901304961-7", "T14292011-003", "ORO", "oro", "CARBÓN",
            "MINERALES DE ORO Y SUS CONCENTRADOS", "4DEB01BC", "4deb01bc", "g", "kg", "ozt",
            "m3", "ct", "10", "10,5", "1.234,5", "1,234.5", "1.234", "1e400", "-1", "NaN",
            "$ 1.000.000", "USD 10", "iva", "IVA", "OTRO", "RETEFUENTE", "١٢٣", "１２３",
            "\u{feff}", "\u{202e}", "😀", "\u{10ffff}", "\0",
        ])
        .prop_map(|text| Value::from(text).to_string()),
        100 => "\\PC{0,24}".prop_map(|text| Value::from(text).to_string()),
        50 => (prop::sample::select(vec!["9", "a", "é", "\\u0000", "\\\\"]), 1usize..5_000)
            .prop_map(|(piece, times)| format!("\"{}\"", piece.repeat(times))),
        20 => prop::sample::select(vec![
            "\"\\u0000\"", "\"\\ud83d\\ude00\"", "\"\\u00e9\"", "\"\\n\\t\\r\\b\\f\\/\"",
        ])
        .prop_map(str::to_owned),
        // Not JSON: a lone surrogate, a bad escape, a raw control character.
        1 => prop::sample::select(vec![
            "\"\\ud800\"", "\"\\udc00x\"", "\"\\x41\"", "\"\u{1}\"", "\"unterminated",
        ])
        .prop_map(str::to_owned),
    ]
    .prop_map(Raw::Literal)
}

/// Any JSON text, up to 3 levels deep.
fn any_raw() -> impl Strategy<Value = Raw> {
    let leaf = prop_oneof![
        3 => number_literal(),
        3 => string_literal(),
        1 => prop::sample::select(vec!["null", "true", "false"]).prop_map(|t| Raw::Literal(t.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Raw::Array),
            prop::collection::vec((key(), inner), 0..4).prop_map(Raw::Object),
        ]
    })
}

/// What a field holds: mostly a string or a number, else anything.
fn field() -> impl Strategy<Value = Raw> {
    prop_oneof![
        4 => string_literal(),
        4 => number_literal(),
        1 => Just(Raw::Literal("null".to_owned())),
        1 => prop::sample::select(vec!["true", "false"]).prop_map(|t| Raw::Literal(t.to_owned())),
        1 => any_raw(),
    ]
}

/// An object with the given keys, each present (most of the time) with a field value,
/// plus, sometimes, an unknown or repeated key.
fn shaped(keys: &'static [&'static str]) -> impl Strategy<Value = Raw> {
    (
        prop::collection::vec(prop::option::weighted(0.85, field()), keys.len()),
        prop::option::weighted(0.2, (key(), field())),
    )
        .prop_map(move |(values, extra)| {
            let mut entries: Vec<(String, Raw)> = keys
                .iter()
                .zip(values)
                .filter_map(|(key, value)| value.map(|value| ((*key).to_owned(), value)))
                .collect();
            entries.extend(extra);
            Raw::Object(entries)
        })
}

fn list_of(item: impl Strategy<Value = Raw>) -> impl Strategy<Value = Raw> {
    prop_oneof![
        8 => prop::collection::vec(prop_oneof![8 => item, 1 => any_raw()], 0..5).prop_map(Raw::Array),
        1 => any_raw(),
    ]
}

const LINE_KEYS: &[&str] = &["mineral", "origin_code", "quantity", "unit", "value"];
const TAX_KEYS: &[&str] = &["tax_type", "value", "description"];

fn shaped_body() -> impl Strategy<Value = Raw> {
    (
        prop::collection::vec(prop::option::weighted(0.85, field()), 3),
        prop::option::weighted(0.9, list_of(shaped(LINE_KEYS))),
        prop::option::weighted(0.8, list_of(shaped(TAX_KEYS))),
        prop::option::weighted(0.2, (key(), field())),
    )
        .prop_map(|(identity, lines, taxes, extra)| {
            let mut entries: Vec<(String, Raw)> =
                ["document_type", "document_number", "mining_file_code"]
                    .iter()
                    .zip(identity)
                    .filter_map(|(key, value)| value.map(|value| ((*key).to_owned(), value)))
                    .collect();
            if let Some(lines) = lines {
                entries.push(("ltransaction_detail".to_owned(), lines));
            }
            if let Some(taxes) = taxes {
                entries.push(("ltax".to_owned(), taxes));
            }
            entries.extend(extra);
            Raw::Object(entries)
        })
}

#[test]
fn shaped_bodies_put_every_wrong_field_in_errors() {
    fuzz(SUITE, "shaped_bodies", cases(), shaped_body(), |body| {
        check(body.text().as_bytes())
    });
}

/// A shaped body, then cut, or with bytes changed: still a detail or a 4xx.
#[test]
fn damaged_shaped_bodies_are_a_detail_or_a_4xx() {
    fuzz(
        SUITE,
        "damaged_shaped_bodies",
        cases(),
        (shaped_body(), any::<usize>(), any::<u16>(), 0u8..3),
        |(body, at, noise, how)| {
            let mut bytes = body.text().into_bytes();
            let at = at % (bytes.len() + 1);
            let [high, low] = noise.to_be_bytes();
            match how {
                0 => bytes.truncate(at),
                1 => bytes.insert(at, JSON_BYTES[usize::from(low) % JSON_BYTES.len()]),
                _ => {
                    if let Some(byte) = bytes.get_mut(at) {
                        *byte ^= high.max(1);
                    }
                }
            }
            check(&bytes)
        },
    );
}

// --- numbers reach `domain` with their value ---

/// A decimal with at most 4 decimals and 15 significant digits (what an `f64` carries
/// exactly through its shortest spelling), as a JSON number.
fn decimal_number() -> impl Strategy<Value = (Decimal, String)> {
    (0i64..1_000_000_000_000_000, 0u32..=4, 0u8..3).prop_map(|(units, scale, style)| {
        let value = Decimal::new(units, scale);
        let text = match style {
            0 => value.to_string(),
            1 => value.normalize().to_string(),
            _ => format!("{}e0", value.normalize()),
        };
        (value.normalize(), text)
    })
}

/// Whether serde_json reads this JSON number as an `f64` that may not be exact: then the
/// reader refuses it (`json_precision`).
fn imprecise(text: &str) -> bool {
    text.contains(['.', 'e', 'E']) && super::super::significant_digits(text) > 15
}

fn detail_with(quantity: &str, value: &str) -> Result<Detail, TestCaseError> {
    let body = format!(
        r#"{{"document_type":"NIT","document_number":"9013049617","ltax":[{{"tax_type":"IVA","value":{value}}}],
        "ltransaction_detail":[{{"mineral":"ORO","origin_code":"4DEB01BC","quantity":{quantity},"unit":"g","value":{value}}}]}}"#
    );
    read_detail(body.as_bytes()).map_err(|_| TestCaseError::fail(format!("refused: {body}")))
}

#[test]
fn json_number_quantities_and_values_reach_domain_with_their_value() {
    fuzz(
        SUITE,
        "number_round_trip",
        cases(),
        (decimal_number(), decimal_number()),
        |((quantity, quantity_text), (value, value_text))| {
            if imprecise(&quantity_text) || imprecise(&value_text) {
                let body = format!(
                    r#"{{"ltransaction_detail":[{{"quantity":{quantity_text},"value":{value_text}}}]}}"#
                );
                let refused = read_detail(body.as_bytes());
                prop_assert!(refused.is_err(), "{} accepted", body);
                return Ok("refused: more than 15 significant digits");
            }
            let detail = detail_with(&quantity_text, &value_text)?;
            if quantity <= QUANTITY_MAX {
                let read = Quantity::parse(&detail.lines[0].quantity);
                prop_assert_eq!(
                    read.map(Quantity::value),
                    Ok(quantity),
                    "quantity {} written {:?}",
                    quantity_text,
                    detail.lines[0].quantity
                );
            }
            if value.scale() <= 2 && value <= domain::money::MONEY_MAX {
                for text in [&detail.lines[0].value, &detail.taxes[0].value] {
                    let read = Money::parse(text, Currency::Cop);
                    prop_assert_eq!(
                        read.map(Money::amount),
                        Ok(value),
                        "value {} written {:?}",
                        value_text,
                        text
                    );
                }
            }
            Ok("accepted")
        },
    );
}

/// Found by this fuzzing (docs/RELIABILITY.md, "Fuzzing"): whole JSON numbers from 1 000
/// to 999 999 were written `1.234`, which `domain` refused as ambiguous.
#[test]
fn json_integer_quantities_from_1000_to_999999_reach_domain() {
    for quantity in ["1000", "1234", "1500", "999999", "1234.0"] {
        let detail = detail_with(quantity, "1").unwrap_or_else(|e| panic!("{e}"));
        let expected: Decimal = quantity.parse().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Quantity::parse(&detail.lines[0].quantity).map(Quantity::value),
            Ok(expected.normalize()),
            "quantity {quantity} written {:?}",
            detail.lines[0].quantity
        );
    }
}

/// Found by this fuzzing (docs/RELIABILITY.md, "Fuzzing"): a JSON number is read as an
/// `f64`, so one of 16 or more significant digits could reach `domain` changed in its last
/// digit (`900719925474.0993` g as `900719925474.0992`). It is refused now, asking for
/// text; the same values sent as text are exact.
#[test]
fn json_numbers_with_16_significant_digits_are_refused_and_exact_as_text() {
    let body =
        br#"{"ltransaction_detail":[{"quantity":900719925474.0993,"value":99999999999999.99}]}"#;
    assert!(read_detail(body).is_err(), "refused");
    let detail = detail_with("\"900719925474,0993\"", "\"99999999999999,99\"")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        Quantity::parse(&detail.lines[0].quantity).map(Quantity::value),
        Ok(Decimal::new(9_007_199_254_740_993, 4))
    );
    assert_eq!(
        Money::parse(&detail.lines[0].value, Currency::Cop).map(Money::amount),
        Ok(Decimal::new(9_999_999_999_999_999, 2))
    );
}
