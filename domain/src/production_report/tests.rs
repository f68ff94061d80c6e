//! Tests of a record's validation and of batches.

use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;

use super::record::{CONTEXTO_FIELD, FIELDS};
use super::*;
use crate::unit::Unit;

const NOW: OffsetDateTime = datetime!(2026-11-28 20:00 UTC);

fn valid() -> Value {
    json!({
        "consecutivo": "BASC-0001",
        "fecha_toma_medida": "28/11/2026 14:30:00",
        "tipo_variable_id": 1,
        "mineral_id": "ORO",
        "unidad_medida_id": "kg",
        "valor_variable": 12.3456,
        "tipo_material_id": 6,
        "punto_control_nombre": "Báscula planta",
        "punto_control_ubicacion": "Salida de fundición",
        "titulo": "T14292011-003",
        "variables_contexto": {"humedad": 3.2}
    })
}

fn with(field: &str, value: Value) -> Value {
    let mut record = valid();
    record[field] = value;
    record
}

fn codes(record: &Value) -> Vec<(String, String)> {
    match ProductionRecord::validate(record, NOW) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect(),
    }
}

fn one(field: &str, value: Value) -> (String, String) {
    let found = codes(&with(field, value));
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap_or_default()
}

#[test]
fn a_valid_record_is_read_with_its_tables() {
    let record = ProductionRecord::validate(&valid(), NOW).expect("valid");
    assert_eq!(record.consecutivo, "BASC-0001");
    assert_eq!(record.tipo_variable, TipoVariable::Peso);
    assert_eq!(record.unidad_medida, MeasureUnit::Kilogramo);
    assert_eq!(record.tipo_material, TipoMaterial::Dore);
    assert_eq!(record.valor_variable, Decimal::new(123_456, 4));
    assert_eq!(record.titulos.len(), 1);
    assert_eq!(record.weight_in(Unit::Gram), Some(Decimal::new(123_456, 1)));
    assert_eq!(
        format_fecha_hora(record.fecha_toma_medida),
        "28/11/2026 14:30:00"
    );
}

#[test]
fn names_and_accented_keys_and_json_strings_are_accepted() {
    let mut record = valid();
    record["tipo_variable_id"] = json!("Peso");
    record["tipo_material_id"] = json!("doré");
    record["mineral_id"] = json!("Mineral de Oro");
    record["unidad_medida_id"] = json!("2");
    record["consecutivo"] = json!(42);
    record["variables_contexto"] = json!("{\"turno\": \"noche\"}");
    let object = record.as_object_mut().expect("object");
    let titulo = object.remove("titulo").expect("titulo");
    object.insert("título".to_owned(), titulo);
    let ubicacion = object.remove("punto_control_ubicacion").expect("ubicación");
    object.insert("punto_control_ubicación".to_owned(), ubicacion);
    let read = ProductionRecord::validate(&record, NOW).expect("valid");
    assert_eq!(read.mineral, "ORO");
    assert_eq!(read.consecutivo, "42");
    assert_eq!(read.variables_contexto, Some(json!({"turno": "noche"})));
}

#[test]
fn every_field_has_its_error() {
    assert_eq!(
        one("consecutivo", json!("")),
        ("consecutivo".into(), "required".into())
    );
    assert_eq!(one("consecutivo", json!("x".repeat(101))).1, "too_long");
    assert_eq!(
        one("fecha_toma_medida", json!("2026-11-28")).1,
        "fecha_hora_format"
    );
    assert_eq!(
        one("fecha_toma_medida", json!("31/02/2026 10:00:00")).1,
        "fecha_hora_invalid"
    );
    assert_eq!(
        one("fecha_toma_medida", json!("28/11/2026 25:00:00")).1,
        "fecha_hora_invalid"
    );
    assert_eq!(
        one("fecha_toma_medida", json!("01/12/2026 10:00:00")).1,
        "fecha_hora_future"
    );
    assert_eq!(one("tipo_variable_id", json!(9)).1, "catalog_unknown");
    assert_eq!(one("mineral_id", json!(1)).1, "mineral_numeric");
    assert_eq!(one("mineral_id", json!("kryptonita")).1, "mineral_unknown");
    assert_eq!(
        one("unidad_medida_id", json!("m3")).1,
        "unit_incompatible_with_variable"
    );
    assert_eq!(
        one("unidad_medida_id", json!("furlong")).1,
        "catalog_unknown"
    );
    assert_eq!(one("valor_variable", json!(1.23456)).1, "decimal_scale");
    assert_eq!(one("valor_variable", json!("abc")).1, "decimal_invalid");
    assert_eq!(one("valor_variable", json!(-1)).1, "value_negative");
    assert_eq!(one("valor_variable", json!("1e16")).1, "value_too_large");
    assert_eq!(
        one("tipo_material_id", json!("roca lunar")).1,
        "catalog_unknown"
    );
    assert_eq!(one("punto_control_nombre", json!(5)).1, "wrong_type");
    assert_eq!(one("punto_control_ubicacion", json!(null)).1, "required");
    assert_eq!(
        one("titulo", json!("T14 292")).1,
        "codigo_expediente_invalid_character"
    );
    assert_eq!(one("titulo", json!("ABC123, abc123")).1, "titulo_repeated");
    assert_eq!(
        one("variables_contexto", json!("{no json")).1,
        "json_invalid"
    );
    assert_eq!(one("variables_contexto", json!(3)).1, "json_not_structured");
    assert_eq!(
        one("otro_campo", json!(1)),
        ("otro_campo".into(), "field_unknown".into())
    );
}

#[test]
fn a_percentage_stays_within_100_and_every_error_is_reported_at_once() {
    let mut record = valid();
    record["tipo_variable_id"] = json!(4);
    record["unidad_medida_id"] = json!("%");
    record["valor_variable"] = json!(100.5);
    assert_eq!(
        codes(&record),
        vec![("valor_variable".into(), "percent_over_100".into())]
    );
    let errors = codes(&json!({}));
    assert_eq!(errors.len(), 10, "{errors:?}");
    let message = ProductionRecord::validate(&with("valor_variable", json!(1.23456)), NOW)
        .expect_err("refused")
        .errors[0]
        .message
        .clone();
    assert_eq!(
        message,
        "valor_variable: admite hasta 4 decimales; tiene 5."
    );
    assert_eq!(
        codes(&json!([1])),
        vec![(String::new(), "registro_not_object".into())]
    );
}

#[test]
fn several_titles_and_an_absent_context() {
    let mut record = with("titulo", json!("1234, ABC123, 3456"));
    record
        .as_object_mut()
        .expect("object")
        .remove("variables_contexto");
    let read = ProductionRecord::validate(&record, NOW).expect("valid");
    let titulos: Vec<&str> = read.titulos.iter().map(AsRef::as_ref).collect();
    assert_eq!(titulos, ["1234", "ABC123", "3456"]);
    assert_eq!(read.variables_contexto, None);
}

#[test]
fn the_digest_tells_same_content_from_different() {
    let a = ProductionRecord::validate(&valid(), NOW).expect("valid");
    let b =
        ProductionRecord::validate(&with("tipo_variable_id", json!("PESO")), NOW).expect("valid");
    let c =
        ProductionRecord::validate(&with("valor_variable", json!(12.3457)), NOW).expect("valid");
    assert_eq!(a.digest(), b.digest(), "same content however it is spelled");
    assert_ne!(a.digest(), c.digest());
}

#[test]
fn batches_are_arrays_or_registros() {
    assert_eq!(batch_records(&json!([valid()])).map(<[Value]>::len), Ok(1));
    assert_eq!(
        batch_records(&json!({"registros": [valid(), valid()]})).map(<[Value]>::len),
        Ok(2)
    );
    assert_eq!(
        batch_records(&json!([])).expect_err("refused").code(),
        "cargue_empty"
    );
    assert_eq!(
        batch_records(&json!({"x": []}))
            .expect_err("refused")
            .code(),
        "cargue_not_a_list"
    );
    let many = Value::Array(vec![json!({}); BATCH_MAX_RECORDS + 1]);
    assert_eq!(
        batch_records(&many).expect_err("refused").code(),
        "cargue_too_many"
    );
}

proptest! {
    #[test]
    fn values_with_at_most_four_decimals_round_trip(units in 0i64..1_000_000_000_000, scale in 0u32..=4) {
        let value = Decimal::new(units, scale);
        let read = ProductionRecord::validate(&with("valor_variable", json!(value.to_string())), NOW);
        prop_assert_eq!(read.map(|r| r.valor_variable), Ok(value.normalize()));
    }

    #[test]
    fn any_json_never_panics(text in ".{0,40}", number in any::<f64>()) {
        for value in [json!(text.clone()), json!(number), json!([text.clone()]), json!({"a": number})] {
            for field in FIELDS.into_iter().chain([CONTEXTO_FIELD]) {
                let _ = ProductionRecord::validate(&with(field, value.clone()), NOW);
            }
        }
    }
}
