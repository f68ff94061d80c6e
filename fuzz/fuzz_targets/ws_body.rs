//! libFuzzer target: what the Web Service does with a detail body, through `domain` only.
//!
//! `server::web_service::read_detail` is private to the server (and the server is not built here),
//! so this target repeats its reading: the body as JSON, each field as text, a JSON number turned
//! into Colombian text exactly as `Reader::number` does (`Decimal::from_str`, else
//! `from_scientific`, written with a decimal comma); then it hands the detail to the
//! `domain` rules the server runs on it (`CompraDraft::validate`) inside a purchase whose header is
//! valid. A panic anywhere is a crash. The property tests in
//! server/src/web_service/tests/fuzz.rs test `read_detail` itself.
#![no_main]

use std::str::FromStr;

use domain::compra::{LineDraft, TaxDraft, example_draft};
use domain::{Closings, Fecha};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

fn text(object: &Map<String, Value>, key: &str) -> String {
    match object.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        _ => String::new(),
    }
}

fn number(object: &Map<String, Value>, key: &str) -> String {
    match object.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => Decimal::from_str(&number.to_string())
            .or_else(|_| Decimal::from_scientific(&number.to_string()))
            .map(|value| value.normalize().to_string().replace('.', ","))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn list<'a>(object: &'a Map<String, Value>, key: &str) -> Vec<&'a Map<String, Value>> {
    match object.get(key) {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let lines = list(&object, "ltransaction_detail")
        .into_iter()
        .map(|item| LineDraft {
            mineral: text(item, "mineral"),
            codigo_origen: text(item, "origin_code"),
            quantity: number(item, "quantity"),
            unit: text(item, "unit"),
            value: number(item, "value"),
        })
        .collect();
    let taxes = list(&object, "ltax")
        .into_iter()
        .map(|item| TaxDraft {
            kind: text(item, "tax_type"),
            value: number(item, "value"),
            currency: String::new(),
            description: text(item, "description"),
        })
        .collect();
    // The header of domain's example purchase (valid on 06/03/2025), with the body's seller.
    let mut draft = example_draft();
    draft.seller.codigo_expediente = text(&object, "mining_file_code");
    draft.seller.document_type = text(&object, "document_type");
    draft.seller.document_number = text(&object, "document_number");
    draft.lines = lines;
    draft.taxes = taxes;
    let today = Fecha::from_calendar(2025, 3, 6).expect("a date");
    match draft.validate(today, &Closings::none()) {
        Ok(compra) => {
            let _ = format!("{compra:?}");
        }
        Err(errors) => {
            for error in &errors.errors {
                assert!(
                    !error.field.is_empty() && !error.code.is_empty(),
                    "{error:?}"
                );
            }
        }
    }
});
