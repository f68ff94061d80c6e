//! Tests of the Web Service's body reader, paths and OpenAPI description.

use super::*;

#[test]
fn numbers_become_colombian_text_and_wrong_types_are_field_errors() {
    let body = br#"{"document_type":"NIT","document_number":9013049617,
        "ltax":[{"tax_type":"iva","value":180000}],
        "ltransaction_detail":[{"mineral":"oro","origin_code":"4DEB01BC","quantity":10.5,"unit":"g","value":1000000}]}"#;
    let detail = read_detail(body).unwrap_or_else(|_| panic!("a valid body"));
    assert_eq!(detail.identity.document_number, "9013049617");
    assert_eq!(detail.lines[0].quantity, "10,5");
    assert_eq!(detail.lines[0].value, "1000000");
    assert_eq!(detail.taxes[0].value, "180000");

    let wrong = br#"{"ltransaction_detail":[{"quantity":[1]}], "ltax": 3}"#;
    assert!(read_detail(wrong).is_err());
}

#[test]
fn paths_are_the_jsons() {
    let errors = ValidationErrors {
        errors: vec![FieldError {
            field: "lines[2].codigo_origen".into(),
            code: "x".into(),
            message: "m".into(),
        }],
    };
    assert_eq!(
        json_paths(errors).errors[0].field,
        "ltransaction_detail[2].origin_code"
    );
}

#[test]
fn the_openapi_description_is_json_and_lists_every_code() {
    let value: Value = serde_json::from_str(OPENAPI).expect("valid JSON");
    assert_eq!(value["openapi"], "3.1.0");
    for code in WS_ERROR_CODES.iter().chain(&WS_RULE_CODES) {
        let described = OPENAPI.contains(&format!("`{code}`"))
            || OPENAPI.contains(&format!("\"code\": \"{code}\""));
        assert!(described, "{code} is not described");
    }
}

mod fuzz;
