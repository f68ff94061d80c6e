use super::*;

const VALID_SHA: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";
const SEED_SHA_63: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f";

fn fecha(text: &str) -> Fecha {
    Fecha::parse(text).expect(text)
}

/// The purchase of seed 000: MINERA EL DILUVIO GOLD S.A.S, ORO 10 g for 1.000.000 + IVA 100.000.
fn seed_000() -> CompraDraft {
    CompraDraft {
        seller_type: "EXPLOTADOR_MINERO_AUTORIZADO".into(),
        seller: SellerDraft {
            codigo_expediente: "T14292011-003".into(),
            document_type: "NIT".into(),
            document_number: "9013049617".into(),
            razon_social: "MINERA EL DILUVIO GOLD S.A.S".into(),
        },
        transaction: TransactionDraft {
            invoice_date: "28/02/2025".into(),
            transaction_date: "28/02/2025".into(),
            sha256: VALID_SHA.into(),
            currency: "COP".into(),
            departamento: "RISARALDA".into(),
            municipio: "LA VIRGINIA".into(),
        },
        lines: vec![LineDraft {
            mineral: "ORO".into(),
            quantity: "10.0000".into(),
            unit: "g".into(),
            value: "1.000.000".into(),
            codigo_origen: "4DEB01BC".into(),
        }],
        taxes: vec![TaxDraft {
            kind: "IVA".into(),
            value: "100.000".into(),
            ..TaxDraft::default()
        }],
    }
}

fn today() -> Fecha {
    fecha("06/03/2025")
}

fn errors_of(draft: &CompraDraft) -> ValidationErrors {
    draft
        .validate(today(), &Closings::none())
        .expect_err("should be invalid")
}

fn codes(errors: &ValidationErrors) -> Vec<(String, String)> {
    errors
        .errors
        .iter()
        .map(|e| (e.field.clone(), e.code.clone()))
        .collect()
}

#[test]
fn seed_000_passes() {
    let compra = seed_000()
        .validate(today(), &Closings::none())
        .expect("seed 000 is valid");
    assert_eq!(compra.seller_type(), SellerType::ExplotadorMineroAutorizado);
    assert_eq!(compra.seller().document().as_str(), "901304961-7");
    assert_eq!(
        compra.seller().razon_social().as_ref(),
        "MINERA EL DILUVIO GOLD S.A.S"
    );
    assert_eq!(
        compra.seller().codigo_expediente().map(AsRef::as_ref),
        Some("T14292011-003")
    );
    assert_eq!(compra.invoice_date(), fecha("28/02/2025"));
    assert_eq!(compra.departamento().code(), "66");
    assert_eq!(compra.municipio().code(), "66400");
    assert_eq!(compra.currency(), Currency::Cop);
    let line = &compra.lines()[0];
    assert_eq!(line.mineral().name(), "ORO");
    assert_eq!(line.quantity().quantity().to_string(), "10,0000");
    assert_eq!(
        line.codigo_origen().map(|c| c.to_string()).as_deref(),
        Some("4DEB01BC")
    );
    assert_eq!(
        compra.values().before_taxes().to_string(),
        "COP $ 1.000.000,00"
    );
    assert_eq!(
        compra.values().including_taxes().to_string(),
        "COP $ 1.100.000,00"
    );
    assert_eq!(compra.values().payable().to_string(), "COP $ 1.100.000,00");
}

#[test]
fn seed_000_sha_with_63_characters_fails_clearly() {
    let mut draft = seed_000();
    draft.transaction.sha256 = SEED_SHA_63.into();
    let errors = errors_of(&draft);
    assert_eq!(
        codes(&errors),
        [("transaction.sha256".to_owned(), "sha256_length".to_owned())]
    );
    let message = &errors.errors[0].message;
    assert!(message.starts_with("Código SHA-256: "), "{message}");
    assert!(message.contains("tiene 63 de 64 caracteres"), "{message}");
}

#[test]
fn empty_draft_reports_every_required_field() {
    let errors = errors_of(&CompraDraft::default());
    let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "seller_type",
            "seller.document_type",
            "seller.razon_social",
            "transaction.invoice_date",
            "transaction.transaction_date",
            "transaction.sha256",
            "transaction.currency",
            "transaction.departamento",
            "transaction.municipio",
            "lines",
        ]
    );
    for error in &errors.errors {
        assert!(!error.message.is_empty() && !error.code.is_empty());
    }
}

#[test]
fn every_error_is_collected_not_only_the_first() {
    let mut draft = seed_000();
    draft.seller.document_number = "9013049618".into();
    draft.transaction.municipio = "PEREIRA".into();
    draft.transaction.departamento = "CALDAS".into();
    draft.lines[0].quantity = "10,12345".into();
    draft.lines.push(LineDraft {
        mineral: "kryptonita".into(),
        quantity: "0".into(),
        unit: "g".into(),
        value: "-1".into(),
        codigo_origen: String::new(),
    });
    let errors = errors_of(&draft);
    assert_eq!(
        codes(&errors),
        [
            (
                "seller.document_number".to_owned(),
                "nit_check_digit".to_owned()
            ),
            (
                "transaction.municipio".to_owned(),
                "municipio_not_in_departamento".to_owned()
            ),
            (
                "lines[0].quantity".to_owned(),
                "quantity_too_many_decimals".to_owned()
            ),
            ("lines[1].mineral".to_owned(), "mineral_unknown".to_owned()),
            (
                "lines[1].quantity".to_owned(),
                "quantity_not_positive".to_owned()
            ),
            ("lines[1].value".to_owned(), "money_negative".to_owned()),
        ]
    );
    let nit = &errors.errors[0].message;
    assert!(
        nit.starts_with("Número de documento: ") && nit.contains("es 7, no 8"),
        "{nit}"
    );
    let place = &errors.errors[1].message;
    assert!(
        place.contains("PEREIRA") && place.contains("RISARALDA") && place.contains("CALDAS"),
        "{place}"
    );
    assert!(errors.errors[3].message.starts_with("Línea 2, mineral: "));
}

#[test]
fn title_holder_needs_expediente_others_do_not() {
    let mut draft = seed_000();
    draft.seller.codigo_expediente = String::new();
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "seller.codigo_expediente".to_owned(),
            "codigo_expediente_required".to_owned()
        )]
    );
    draft.seller_type = "COMERCIALIZADOR".into();
    let compra = draft
        .validate(today(), &Closings::none())
        .expect("trader without expediente");
    assert!(compra.seller().codigo_expediente().is_none());
    draft.seller.codigo_expediente = "T 1".into();
    assert!(errors_of(&draft).has_code("codigo_expediente_invalid_character"));
}

#[test]
fn document_types_per_seller() {
    let mut draft = seed_000();
    draft.seller.document_type = "TI".into();
    draft.seller.document_number = "1001234567".into();
    assert!(errors_of(&draft).has_code("document_type_not_allowed"));

    draft.seller_type = "MINERO_SUBSISTENCIA".into();
    draft.lines[0].codigo_origen = String::new();
    draft.seller.document_type = "NIT".into();
    draft.seller.document_number = "9013049617".into();
    let errors = errors_of(&draft);
    assert_eq!(
        codes(&errors),
        [(
            "seller.document_type".to_owned(),
            "document_type_not_allowed".to_owned()
        )]
    );
    assert!(
        errors.errors[0].message.contains("CC, CE, PPT"),
        "{}",
        errors.errors[0].message
    );

    draft.seller.document_type = "CC".into();
    draft.seller.document_number = "16.358.139".into();
    draft.seller.razon_social = "German Londoño Varela".into();
    assert!(draft.validate(today(), &Closings::none()).is_ok());
}

#[test]
fn origin_codes_only_for_sellers_with_balances() {
    let mut draft = seed_000();
    draft.seller_type = "SIN_IDENTIFICACION_ORIGEN".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "lines[0].codigo_origen".to_owned(),
            "codigo_origen_not_allowed".to_owned()
        )]
    );
    draft.lines[0].codigo_origen = "  ".into();
    assert!(draft.validate(today(), &Closings::none()).is_ok());
}

#[test]
fn duplicate_origin_lines_are_refused() {
    let mut draft = seed_000();
    let line = draft.lines[0].clone();
    draft.lines.push(line.clone());
    draft.lines.push(line);
    let errors = errors_of(&draft);
    assert_eq!(
        codes(&errors),
        [
            (
                "lines[1].codigo_origen".to_owned(),
                "line_duplicate".to_owned()
            ),
            (
                "lines[2].codigo_origen".to_owned(),
                "line_duplicate".to_owned()
            ),
        ]
    );
    assert!(
        errors.errors[1].message.contains("línea 1"),
        "{}",
        errors.errors[1].message
    );
}

#[test]
fn dates_future_order_and_closed_periods() {
    let mut draft = seed_000();
    draft.transaction.invoice_date = "07/03/2025".into();
    draft.transaction.transaction_date = "2025-03-01".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [
            (
                "transaction.invoice_date".to_owned(),
                "date_in_future".to_owned()
            ),
            (
                "transaction.transaction_date".to_owned(),
                "date_format".to_owned()
            ),
        ]
    );
    // Today itself is allowed (boundary).
    draft.transaction.invoice_date = "06/03/2025".into();
    draft.transaction.transaction_date = "06/03/2025".into();
    assert!(draft.validate(today(), &Closings::none()).is_ok());

    draft.transaction.invoice_date = "01/03/2025".into();
    draft.transaction.transaction_date = "28/02/2025".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "transaction.transaction_date".to_owned(),
            "transaction_before_invoice".to_owned()
        )]
    );

    let seed = seed_000();
    let closings = Closings::from_dates([fecha("28/02/2025")]);
    let errors = seed.validate(today(), &closings).expect_err("closed");
    assert_eq!(
        codes(&errors),
        [
            (
                "transaction.invoice_date".to_owned(),
                "date_in_closed_period".to_owned()
            ),
            (
                "transaction.transaction_date".to_owned(),
                "date_in_closed_period".to_owned()
            ),
        ]
    );
    let open = Closings::from_dates([fecha("27/02/2025")]);
    assert!(seed.validate(today(), &open).is_ok());
}

#[test]
fn units_must_fit_the_mineral() {
    let mut draft = seed_000();
    draft.lines[0].unit = "m3".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "lines[0].unit".to_owned(),
            "unit_incompatible_with_mineral".to_owned()
        )]
    );
    draft.lines[0].unit = "kg".into();
    draft.lines[0].quantity = "0,01".into();
    let compra = draft
        .validate(today(), &Closings::none())
        .expect("kg of gold");
    assert_eq!(
        compra.lines()[0]
            .quantity_in_mineral_unit()
            .quantity()
            .to_canonical_string(),
        "10"
    );
    draft.lines[0].unit = "ozt".into();
    draft.lines[0].quantity = "1".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "lines[0].quantity".to_owned(),
            "unit_conversion_inexact".to_owned()
        )]
    );
}

#[test]
fn values_and_taxes_in_the_purchase_currency() {
    let mut draft = seed_000();
    draft.lines[0].value = "USD 1000".into();
    draft.taxes[0].currency = "EUR".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [
            ("lines[0].value".to_owned(), "currency_mismatch".to_owned()),
            (
                "taxes[0].currency".to_owned(),
                "currency_mismatch".to_owned()
            ),
        ]
    );
    let mut draft = seed_000();
    draft.lines[0].value = "1.000.000,505".into();
    assert!(errors_of(&draft).has_code("money_too_many_decimals"));
    let mut draft = seed_000();
    draft.lines[0].value = "0".into();
    draft.taxes.clear();
    assert!(
        draft.validate(today(), &Closings::none()).is_ok(),
        "a value of zero is allowed"
    );
}

#[test]
fn withholdings_subtract_and_may_not_exceed() {
    let mut draft = seed_000();
    draft.taxes.push(TaxDraft {
        kind: "RETEFUENTE".into(),
        value: "25.000".into(),
        ..TaxDraft::default()
    });
    let compra = draft.validate(today(), &Closings::none()).expect("valid");
    assert_eq!(
        compra.values().including_taxes().to_string(),
        "COP $ 1.100.000,00"
    );
    assert_eq!(compra.values().payable().to_string(), "COP $ 1.075.000,00");
    draft.taxes[1].value = "1.100.001".into();
    assert_eq!(
        codes(&errors_of(&draft)),
        [("taxes".to_owned(), "withholdings_exceed_total".to_owned())]
    );
    draft.taxes[1] = TaxDraft {
        kind: "OTRO".into(),
        value: "1".into(),
        ..TaxDraft::default()
    };
    assert_eq!(
        codes(&errors_of(&draft)),
        [(
            "taxes[1].description".to_owned(),
            "tax_description_required".to_owned()
        )]
    );
}

#[test]
fn bounds_on_lines_and_taxes() {
    let mut draft = seed_000();
    draft.taxes = vec![
        TaxDraft {
            kind: "IVA".into(),
            value: "1".into(),
            ..TaxDraft::default()
        };
        COMPRA_MAX_TAXES
    ];
    assert!(draft.validate(today(), &Closings::none()).is_ok());
    draft.taxes.push(draft.taxes[0].clone());
    assert_eq!(
        codes(&errors_of(&draft)),
        [("taxes".to_owned(), "taxes_too_many".to_owned())]
    );
    let mut draft = seed_000();
    draft.lines = vec![
        LineDraft {
            codigo_origen: String::new(),
            ..draft.lines[0].clone()
        };
        COMPRA_MAX_LINES + 1
    ];
    assert_eq!(
        codes(&errors_of(&draft)),
        [("lines".to_owned(), "lines_too_many".to_owned())]
    );
}

#[test]
fn draft_and_errors_are_json() {
    let draft = seed_000();
    let json = serde_json::to_string(&draft).expect("json");
    assert_eq!(
        serde_json::from_str::<CompraDraft>(&json).expect("back"),
        draft
    );
    // Missing fields default to empty: a half-filled form still deserialises.
    let partial: CompraDraft =
        serde_json::from_str(r#"{"seller":{"document_type":"NIT"}}"#).expect("partial");
    assert_eq!(partial.seller.document_type, "NIT");
    let errors = errors_of(&partial);
    let value = serde_json::to_value(&errors).expect("errors json");
    assert_eq!(value["errors"][0]["field"], "seller_type");
    let compra = seed_000()
        .validate(today(), &Closings::none())
        .expect("valid");
    let json = serde_json::to_value(&compra).expect("compra json");
    assert_eq!(json["seller"]["document"]["number"], "901304961-7");
    assert_eq!(json["lines"][0]["mineral"], "ORO");
    assert_eq!(json["invoice_date"], "28/02/2025");
}

#[test]
fn seller_type_codes() {
    for t in SellerType::ALL {
        assert_eq!(SellerType::parse(t.code()), Ok(t));
        assert_eq!(SellerType::parse(t.label()), Ok(t));
        assert_eq!(
            serde_json::to_string(&t).expect("json"),
            format!("\"{}\"", t.code())
        );
    }
    assert_eq!(
        SellerType::parse("explotador minero autorizado"),
        Ok(SellerType::ExplotadorMineroAutorizado)
    );
    assert!(matches!(
        SellerType::parse("pirata"),
        Err(CompraError::UnknownSellerType { .. })
    ));
}

fn key(code: &str) -> BalanceKey {
    BalanceKey::new(
        CodigoOrigen::parse(code).expect("valid"),
        Mineral::resolve("ORO").expect("valid"),
    )
}

#[test]
fn transfers_add_up_lines_of_one_code_in_the_minerals_unit() {
    let mut draft = seed_000();
    draft.lines.push(LineDraft {
        mineral: "ORO".into(),
        quantity: "0,5".into(),
        unit: "kg".into(),
        value: "1".into(),
        codigo_origen: "4DEB01BC".into(),
    });
    let compra = draft.validate(today(), &Closings::none()).expect("valid");
    let transfers = compra.transfers().expect("valid");
    assert_eq!(transfers.len(), 1);
    assert_eq!(transfers[0].0, key("4DEB01BC"));
    assert_eq!(
        transfers[0].1.quantity(),
        Quantity::parse("510").expect("valid")
    );

    // 510 g needed: 500 is not enough, and the error points at the first line of the code.
    let seller =
        Balances::from_entries([(key("4DEB01BC"), Quantity::parse("500").expect("valid"))])
            .expect("valid");
    let errors = compra
        .check_seller_balances(&seller, BalanceReader::Seller)
        .expect_err("refused");
    assert_eq!(
        codes(&errors),
        [(
            "lines[0].quantity".to_owned(),
            "exceeds_available".to_owned()
        )]
    );
    let enough =
        Balances::from_entries([(key("4DEB01BC"), Quantity::parse("510").expect("valid"))])
            .expect("valid");
    assert!(
        compra
            .check_seller_balances(&enough, BalanceReader::Buyer)
            .is_ok()
    );
}

#[test]
fn a_title_holders_line_needs_an_origin_code_and_a_code_the_seller_holds() {
    let mut draft = seed_000();
    draft.lines[0].codigo_origen = String::new();
    draft.lines.push(LineDraft {
        codigo_origen: "5A1C9E07".into(),
        ..draft.lines[0].clone()
    });
    let compra = draft.validate(today(), &Closings::none()).expect("valid");
    let seller =
        Balances::from_entries([(key("4DEB01BC"), Quantity::parse("500").expect("valid"))])
            .expect("valid");
    let errors = compra
        .check_seller_balances(&seller, BalanceReader::Seller)
        .expect_err("refused");
    assert_eq!(
        codes(&errors),
        [
            (
                "lines[0].codigo_origen".to_owned(),
                "codigo_origen_required".to_owned()
            ),
            (
                "lines[1].quantity".to_owned(),
                "balance_not_found".to_owned()
            ),
        ]
    );
}
