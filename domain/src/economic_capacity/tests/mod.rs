#![allow(clippy::unwrap_used)]

use std::str::FromStr;

use super::*;
use crate::error_code::ErrorCode;
use proptest::prelude::*;
use time::Date;
use time::macros::date;

mod alternatives;

const APPLIED_ON: Date = date!(2025 - 05 - 20);

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn statements(ac: &str, pc: &str, ingresos: &str, pt: &str, at: &str) -> EstadosFinancieros {
    EstadosFinancieros {
        activo_corriente: d(ac),
        pasivo_corriente: d(pc),
        ingresos_operacionales: d(ingresos),
        pasivo_total: d(pt),
        activo_total: d(at),
    }
}

fn certificate(ingresos: &str, inversion: &str) -> CertificacionIngresos {
    CertificacionIngresos {
        ingresos_ultimo_ano_gravable: d(ingresos),
        inversion_capital_trabajo: d(inversion),
    }
}

fn with_financials(financials: FinancialInformation) -> CapacityApplication {
    CapacityApplication {
        financials: Some(financials),
        bank_certification: true,
        ..CapacityApplication::new(PersonKind::Juridica, APPLIED_ON)
    }
}

fn eval(application: &CapacityApplication) -> EvaluationResult {
    evaluate(application, &CapacityParameters::default()).unwrap()
}

fn line(result: &EvaluationResult, criterion: Criterion) -> &CriterionResult {
    result.get(criterion).unwrap()
}

/// Statements whose three indicators pass or fail as asked.
fn iva(capital_ok: bool, liquidez_ok: bool, endeudamiento_ok: bool) -> EstadosFinancieros {
    // liquidez: AC / PC; capital: (AC - PC) / ingresos; endeudamiento: PT / AT.
    let (ac, pc) = if liquidez_ok {
        ("124", "100")
    } else {
        ("123", "100")
    };
    let ingresos = if capital_ok { "100" } else { "10000" };
    let pt = if endeudamiento_ok { "61" } else { "62" };
    statements(ac, pc, ingresos, pt, "100")
}

// --- the norm's values ---

#[test]
fn defaults_are_the_resolution() {
    let p = CapacityParameters::default();
    assert_eq!(p.capacidad_endeudamiento, d("0.157"));
    assert_eq!(p.min_cobertura_inversion, d("1"));
    assert_eq!(p.min_capital_trabajo, d("0.04"));
    assert_eq!(p.min_liquidez, d("1.24"));
    assert_eq!(p.max_endeudamiento, d("0.61"));
    assert_eq!(p.min_indicadores_responsable_iva, 2);
    assert_eq!(p.min_calificacion_riesgo, RiskRating::B);
    let t = &p.compras_minimas;
    assert_eq!(t.carbon_t, d("45000"));
    assert_eq!(t.materiales_construccion_m3, d("30000"));
    assert_eq!(t.minerales_metalicos_t, d("25000"));
    assert_eq!(t.minerales_no_metalicos_t, d("20000"));
    assert_eq!(t.comparison, VolumeComparison::AtLeast);
    assert_eq!(p.validate(), Ok(()));
}

// --- indicator boundaries ---

#[test]
fn liquidez_exactly_1_24_passes_and_just_below_fails() {
    let at_minimum = statements("1.24", "1", "1", "0", "1");
    assert_eq!(at_minimum.liquidez().unwrap(), d("1.24"));
    let result = eval(&with_financials(FinancialInformation::ResponsableIva(
        at_minimum,
    )));
    assert!(line(&result, Criterion::Indicador(Indicator::Liquidez)).passed);

    let below = statements("1.2399999", "1", "1", "0", "1");
    let result = eval(&with_financials(FinancialInformation::ResponsableIva(
        below,
    )));
    assert!(!line(&result, Criterion::Indicador(Indicator::Liquidez)).passed);
}

#[test]
fn endeudamiento_exactly_0_61_passes_and_0_6100001_fails() {
    let at_maximum = statements("2", "1", "1", "0.61", "1");
    let result = eval(&with_financials(FinancialInformation::ResponsableIva(
        at_maximum,
    )));
    let debt = line(&result, Criterion::Indicador(Indicator::Endeudamiento));
    assert_eq!(debt.figure, Some(Figure::Ratio(d("0.61"))));
    assert!(debt.passed);

    let above = statements("2", "1", "1", "6100001", "10000000");
    let result = eval(&with_financials(FinancialInformation::ResponsableIva(
        above,
    )));
    let debt = line(&result, Criterion::Indicador(Indicator::Endeudamiento));
    assert_eq!(debt.figure, Some(Figure::Ratio(d("0.6100001"))));
    assert!(!debt.passed);
    assert!(debt.to_string().contains("0,6100001 (≤ 0,61) — no cumple"));
}

#[test]
fn capital_de_trabajo_is_a_ratio_to_operating_income() {
    // (140 - 100) / 1000 = 0,04: exactly the minimum.
    let exact = statements("140", "100", "1000", "0", "1");
    assert_eq!(exact.capital_trabajo().unwrap(), d("0.04"));
    let result = eval(&with_financials(FinancialInformation::ResponsableIva(
        exact,
    )));
    assert!(line(&result, Criterion::Indicador(Indicator::CapitalTrabajo)).passed);

    // Current liabilities above current assets: negative, computed, failed.
    let negative = statements("90", "100", "1000", "0", "1");
    assert_eq!(negative.capital_trabajo().unwrap(), d("-0.01"));
}

#[test]
fn cobertura_exactly_1_passes_and_just_below_fails() {
    // 1000 × 1,157 / 1157 = 1.
    let exact = certificate("1000", "1157");
    let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
        exact,
    )));
    let coverage = line(&result, Criterion::Indicador(Indicator::CoberturaInversion));
    assert_eq!(coverage.figure, Some(Figure::Ratio(Decimal::ONE)));
    assert!(coverage.passed);
    assert!(result.qualifies());

    let short = certificate("1000", "1157.01");
    let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
        short,
    )));
    assert!(!line(&result, Criterion::IndicadoresFinancieros).passed);
    assert!(!result.qualifies());
}

#[test]
fn capacidad_de_endeudamiento_is_configurable() {
    let figures = certificate("1000", "1100");
    assert!(figures.cobertura_inversion(d("0.157")).unwrap() > Decimal::ONE);
    let stricter = CapacityParameters {
        capacidad_endeudamiento: Decimal::ZERO,
        ..CapacityParameters::default()
    };
    let result = evaluate(
        &with_financials(FinancialInformation::NoResponsableIva(figures)),
        &stricter,
    )
    .unwrap();
    assert!(!result.qualifies());
}

// --- errors, never panics ---

#[test]
fn division_by_zero_is_an_error_naming_the_indicator() {
    let cases = [
        (
            FinancialInformation::NoResponsableIva(certificate("1000", "0")),
            Indicator::CoberturaInversion,
        ),
        (
            FinancialInformation::ResponsableIva(statements("1", "1", "0", "1", "1")),
            Indicator::CapitalTrabajo,
        ),
        (
            FinancialInformation::ResponsableIva(statements("1", "0", "1", "1", "1")),
            Indicator::Liquidez,
        ),
        (
            FinancialInformation::ResponsableIva(statements("1", "1", "1", "0", "0")),
            Indicator::Endeudamiento,
        ),
    ];
    for (financials, indicator) in cases {
        let error =
            evaluate(&with_financials(financials), &CapacityParameters::default()).unwrap_err();
        assert_eq!(error, CapacityError::DivisionByZero { indicator });
        assert_eq!(error.code(), "capacity_division_by_zero");
        assert!(error.to_string().contains(indicator.label()));
    }
}

#[test]
fn negative_figures_are_refused() {
    let error = evaluate(
        &with_financials(FinancialInformation::ResponsableIva(statements(
            "1", "-1", "1", "1", "1",
        ))),
        &CapacityParameters::default(),
    )
    .unwrap_err();
    assert_eq!(
        error,
        CapacityError::NegativeFigure {
            field: FinancialField::PasivoCorriente
        }
    );
    assert_eq!(error.to_string(), "Pasivo corriente no puede ser negativo.");
    assert_eq!(
        certificate("-5", "1").cobertura_inversion(d("0.157")),
        Err(CapacityError::NegativeFigure {
            field: FinancialField::IngresosUltimoAnoGravable
        })
    );
}

#[test]
fn overflow_is_an_error() {
    let huge = certificate("79228162514264337593543950335", "1");
    assert_eq!(
        huge.cobertura_inversion(d("0.157")),
        Err(CapacityError::Overflow {
            indicator: Indicator::CoberturaInversion
        })
    );
}

#[test]
fn meaningless_parameters_are_refused() {
    let four_of_three = CapacityParameters {
        min_indicadores_responsable_iva: 4,
        ..CapacityParameters::default()
    };
    assert!(matches!(
        evaluate(
            &with_financials(FinancialInformation::ResponsableIva(iva(true, true, true))),
            &four_of_three
        ),
        Err(CapacityError::InvalidParameter { .. })
    ));
    let negative = CapacityParameters {
        min_liquidez: d("-1"),
        ..CapacityParameters::default()
    };
    assert!(negative.validate().is_err());
}

// --- two of three ---

#[test]
fn responsable_de_iva_needs_two_of_three() {
    for capital in [false, true] {
        for liquidez in [false, true] {
            for endeudamiento in [false, true] {
                let result = eval(&with_financials(FinancialInformation::ResponsableIva(iva(
                    capital,
                    liquidez,
                    endeudamiento,
                ))));
                let passed = [capital, liquidez, endeudamiento]
                    .iter()
                    .filter(|ok| **ok)
                    .count();
                assert_eq!(
                    line(&result, Criterion::Indicador(Indicator::CapitalTrabajo)).passed,
                    capital
                );
                assert_eq!(
                    line(&result, Criterion::Indicador(Indicator::Liquidez)).passed,
                    liquidez
                );
                assert_eq!(
                    line(&result, Criterion::Indicador(Indicator::Endeudamiento)).passed,
                    endeudamiento
                );
                assert_eq!(
                    result.qualifies(),
                    passed >= 2,
                    "{capital} {liquidez} {endeudamiento}"
                );
            }
        }
    }
}

// --- documents ---

#[test]
fn documents_are_required_on_every_route() {
    let mut application =
        with_financials(FinancialInformation::ResponsableIva(iva(true, true, true)));
    application.mining_title_registered = true;
    application.exemption = Some(Exemption::ReorganizacionLey1116);
    assert!(eval(&application).qualifies());

    application.bank_certification = false;
    let result = eval(&application);
    assert!(!result.qualifies());
    let documents = line(&result, Criterion::DocumentosObligatorios);
    assert_eq!(
        documents.note.as_deref(),
        Some("Falta la certificación bancaria.")
    );
    // The routes still say they passed: the trader sees what is missing and what is fine.
    assert_eq!(result.passed_routes().count(), 3);

    let nothing = CapacityApplication {
        mining_title_registered: true,
        bank_certification: true,
        ..CapacityApplication::new(PersonKind::Natural, APPLIED_ON)
    };
    assert!(!eval(&nothing).qualifies());
}

// --- properties ---

/// Money with two decimals up to a billion billion pesos: what statements carry.
fn money() -> impl Strategy<Value = Decimal> {
    (0_i64..1_000_000_000_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

fn positive_money() -> impl Strategy<Value = Decimal> {
    (1_i64..1_000_000_000_000_000).prop_map(|cents| Decimal::new(cents, 2))
}

proptest! {
    #[test]
    fn liquidez_passes_exactly_when_assets_cover_1_24_times_liabilities(
        ac in money(), pc in positive_money()
    ) {
        let s = EstadosFinancieros {
            activo_corriente: ac,
            pasivo_corriente: pc,
            ingresos_operacionales: Decimal::ONE,
            pasivo_total: Decimal::ZERO,
            activo_total: Decimal::ONE,
        };
        let passed = s.liquidez().unwrap() >= d("1.24");
        prop_assert_eq!(passed, ac >= pc * d("1.24"));
    }

    #[test]
    fn endeudamiento_passes_exactly_when_debt_is_at_most_61_percent(
        pt in money(), at in positive_money()
    ) {
        let s = EstadosFinancieros {
            activo_corriente: Decimal::ONE,
            pasivo_corriente: Decimal::ONE,
            ingresos_operacionales: Decimal::ONE,
            pasivo_total: pt,
            activo_total: at,
        };
        prop_assert_eq!(s.endeudamiento().unwrap() <= d("0.61"), pt <= at * d("0.61"));
    }

    #[test]
    fn cobertura_passes_exactly_when_income_with_borrowing_covers_the_investment(
        ingresos in money(), inversion in positive_money()
    ) {
        let result = eval(&with_financials(FinancialInformation::NoResponsableIva(
            CertificacionIngresos {
                ingresos_ultimo_ano_gravable: ingresos,
                inversion_capital_trabajo: inversion,
            },
        )));
        prop_assert_eq!(result.qualifies(), ingresos * d("1.157") >= inversion);
    }

    #[test]
    fn iva_route_counts_the_indicators_that_passed(
        ac in money(), pc in positive_money(), ingresos in positive_money(),
        pt in money(), at in positive_money(),
    ) {
        let result = eval(&with_financials(FinancialInformation::ResponsableIva(
            EstadosFinancieros {
                activo_corriente: ac,
                pasivo_corriente: pc,
                ingresos_operacionales: ingresos,
                pasivo_total: pt,
                activo_total: at,
            },
        )));
        let passed = result
            .criteria()
            .iter()
            .filter(|c| matches!(c.criterion, Criterion::Indicador(_)) && c.passed)
            .count();
        prop_assert_eq!(
            line(&result, Criterion::IndicadoresFinancieros).figure,
            Some(Figure::Count { passed: u8::try_from(passed).unwrap(), of: 3 })
        );
        prop_assert_eq!(result.qualifies(), passed >= 2);
    }

    #[test]
    fn qualifies_is_documents_and_any_route(
        bank in any::<bool>(),
        title in any::<bool>(),
        rating in prop::option::of((0_usize..21, -3_i32..=1)),
        exemption in prop::option::of(prop::bool::ANY),
        natural in any::<bool>(),
        volume in prop::option::of(0_i64..60_000),
    ) {
        let application = CapacityApplication {
            person: if natural { PersonKind::Natural } else { PersonKind::Juridica },
            application_date: APPLIED_ON,
            financials: Some(FinancialInformation::ResponsableIva(iva(false, false, true))),
            bank_certification: bank,
            mining_title_registered: title,
            risk_rating: rating.map(|(index, years)| RiskRatingCertificate {
                rating: RiskRating::ALL[index],
                issued_on: date!(2025 - 01 - 01).replace_year(2025 + years).unwrap(),
            }),
            yearly_purchases: volume.map(|tonnes| YearlyPurchases {
                year: 2024,
                volumes: vec![GroupVolume { group: MineralGroup::Carbon, volume: Decimal::from(tonnes), unit: Unit::Tonne }],
            }),
            exemption: exemption.map(|reorganisation| if reorganisation {
                Exemption::ReorganizacionLey1116
            } else {
                Exemption::ReperfilamientoObligaciones
            }),
        };
        let result = eval(&application);
        let rating_ok = rating.is_some_and(|(index, years)| {
            RiskRating::ALL[index] >= RiskRating::B && (-1..=0).contains(&years)
        });
        let volume_ok = volume.is_some_and(|tonnes| tonnes >= 45_000);
        let exempt = exemption.is_some_and(|reorganisation| !(reorganisation && natural));
        prop_assert_eq!(result.qualifies(), bank && (title || rating_ok || volume_ok || exempt));
    }
}
