//! The routes besides the financial indicators (art. 3), the exemptions, and how every criterion
//! is explained.

use super::*;

fn documented() -> CapacityApplication {
    // Financial information presented but failing, so only the route under test can pass.
    with_financials(FinancialInformation::ResponsableIva(iva(
        false, false, false,
    )))
}

#[test]
fn a_registered_mining_title_qualifies() {
    let mut application = documented();
    assert!(!eval(&application).qualifies());
    application.mining_title_registered = true;
    let result = eval(&application);
    assert!(result.qualifies());
    let title = line(&result, Criterion::TituloMinero);
    assert_eq!(
        title.article(),
        "Resolución ANM 1216 de 2025, art. 3 num. 2"
    );
}

#[test]
fn risk_rating_b_or_better_issued_last_year_or_this_year() {
    let mut application = documented();
    let cases = [
        ("B", date!(2024 - 01 - 01), true),
        ("B+", date!(2025 - 05 - 20), true),
        ("AAA", date!(2024 - 12 - 31), true),
        ("B-", date!(2025 - 01 - 10), false),
        ("CCC", date!(2025 - 01 - 10), false),
        ("AAA", date!(2023 - 12 - 31), false),
        ("AAA", date!(2025 - 05 - 21), false),
    ];
    for (rating, issued_on, qualifies) in cases {
        application.risk_rating = Some(RiskRatingCertificate {
            rating: rating.parse().unwrap(),
            issued_on,
        });
        let result = eval(&application);
        assert_eq!(result.qualifies(), qualifies, "{rating} {issued_on}");
    }
    let old = line(&eval(&application), Criterion::CalificacionRiesgo).clone();
    assert!(old.note.unwrap().contains("posterior a la solicitud"));
}

#[test]
fn purchase_volumes_at_the_threshold_qualify_under_the_articles_text() {
    let mut application = documented();
    application.yearly_purchases = Some(YearlyPurchases {
        year: 2024,
        volumes: vec![GroupVolume {
            group: MineralGroup::Carbon,
            volume: d("45000"),
            unit: Unit::Tonne,
        }],
    });
    let result = eval(&application);
    assert!(result.qualifies());
    assert_eq!(
        line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::Carbon))
        )
        .to_string(),
        "Compras del año anterior (Carbón): 45.000 t (≥ 45.000 t) — cumple. \
         Resolución ANM 1216 de 2025, art. 3 num. 4."
    );

    let strict = CapacityParameters {
        compras_minimas: PurchaseThresholds {
            comparison: VolumeComparison::GreaterThan,
            ..PurchaseThresholds::default()
        },
        ..CapacityParameters::default()
    };
    assert!(!evaluate(&application, &strict).unwrap().qualifies());
}

#[test]
fn purchase_volumes_per_group_are_added_and_checked_per_group() {
    let mut application = documented();
    application.yearly_purchases = Some(YearlyPurchases {
        year: 2024,
        volumes: vec![
            GroupVolume {
                group: MineralGroup::MaterialesConstruccion,
                volume: d("15000"),
                unit: Unit::CubicMetre,
            },
            GroupVolume {
                group: MineralGroup::MetalesPreciosos,
                volume: d("999999"),
                unit: Unit::Gram,
            },
            GroupVolume {
                group: MineralGroup::MaterialesConstruccion,
                volume: d("15000"),
                unit: Unit::CubicMetre,
            },
            GroupVolume {
                group: MineralGroup::MineralesNoMetalicos,
                volume: d("19999.99"),
                unit: Unit::Tonne,
            },
        ],
    });
    let result = eval(&application);
    assert!(result.qualifies());
    let construction = line(
        &result,
        Criterion::VolumenCompras(Some(MineralGroup::MaterialesConstruccion)),
    );
    assert_eq!(
        construction.figure,
        Some(Figure::Volume {
            volume: d("30000"),
            unit: Unit::CubicMetre
        })
    );
    assert!(construction.passed);
    let gold = line(
        &result,
        Criterion::VolumenCompras(Some(MineralGroup::MetalesPreciosos)),
    );
    assert!(!gold.passed && gold.threshold.is_none());
    assert!(
        !line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::MineralesNoMetalicos))
        )
        .passed
    );
}

#[test]
fn purchase_volumes_are_converted_exactly_into_the_tables_unit() {
    let mut application = documented();
    application.yearly_purchases = Some(YearlyPurchases {
        year: 2024,
        volumes: vec![
            GroupVolume {
                group: MineralGroup::Carbon,
                volume: d("44999000"),
                unit: Unit::Kilogram,
            },
            GroupVolume {
                group: MineralGroup::Carbon,
                volume: d("1"),
                unit: Unit::Tonne,
            },
        ],
    });
    let result = eval(&application);
    assert!(result.qualifies());
    assert_eq!(
        line(
            &result,
            Criterion::VolumenCompras(Some(MineralGroup::Carbon))
        )
        .figure,
        Some(Figure::Volume {
            volume: d("45000"),
            unit: Unit::Tonne
        })
    );

    application.yearly_purchases = Some(YearlyPurchases {
        year: 2024,
        volumes: vec![GroupVolume {
            group: MineralGroup::MaterialesConstruccion,
            volume: d("40000"),
            unit: Unit::Tonne,
        }],
    });
    let error = evaluate(&application, &CapacityParameters::default()).unwrap_err();
    assert_eq!(error.code(), "unit_incompatible");
}

#[test]
fn purchase_volumes_must_be_of_the_previous_year() {
    let mut application = documented();
    application.yearly_purchases = Some(YearlyPurchases {
        year: 2023,
        volumes: vec![GroupVolume {
            group: MineralGroup::MineralesMetalicos,
            volume: d("90000"),
            unit: Unit::Tonne,
        }],
    });
    let result = eval(&application);
    assert!(!result.qualifies());
    let metals = line(
        &result,
        Criterion::VolumenCompras(Some(MineralGroup::MineralesMetalicos)),
    );
    assert!(metals.note.as_deref().unwrap().contains("debe cubrir 2024"));

    application.yearly_purchases = Some(YearlyPurchases {
        year: 2024,
        volumes: vec![GroupVolume {
            group: MineralGroup::Carbon,
            volume: d("-1"),
            unit: Unit::Tonne,
        }],
    });
    assert_eq!(
        evaluate(&application, &CapacityParameters::default()).unwrap_err(),
        CapacityError::NegativeFigure {
            field: FinancialField::VolumenCompras
        }
    );
}

#[test]
fn exemptions_of_the_paragraph() {
    let mut application = documented();
    application.exemption = Some(Exemption::ReorganizacionLey1116);
    assert!(eval(&application).qualifies());

    application.person = PersonKind::Natural;
    let result = eval(&application);
    assert!(!result.qualifies());
    assert!(
        line(&result, Criterion::Exencion)
            .note
            .as_deref()
            .unwrap()
            .contains("personas jurídicas")
    );

    application.exemption = Some(Exemption::ReperfilamientoObligaciones);
    assert!(eval(&application).qualifies());
}

#[test]
fn every_criterion_is_explained_with_its_article() {
    let result = eval(&documented());
    let names: Vec<_> = result.criteria().iter().map(|c| c.criterion).collect();
    assert_eq!(
        names,
        vec![
            Criterion::DocumentosObligatorios,
            Criterion::Indicador(Indicator::CapitalTrabajo),
            Criterion::Indicador(Indicator::Liquidez),
            Criterion::Indicador(Indicator::Endeudamiento),
            Criterion::IndicadoresFinancieros,
            Criterion::TituloMinero,
            Criterion::CalificacionRiesgo,
            Criterion::VolumenCompras(None),
            Criterion::Exencion,
        ]
    );
    for criterion in result.criteria() {
        assert!(
            criterion
                .article()
                .starts_with("Resolución ANM 1216 de 2025, art. ")
        );
        assert!(criterion.to_string().contains("cumple"));
    }
    assert_eq!(
        line(&result, Criterion::IndicadoresFinancieros).to_string(),
        "Indicadores financieros: 0 de 3 (al menos 2) — no cumple. Responsable de IVA: deben \
         cumplirse al menos 2 de los 3 índices. Resolución ANM 1216 de 2025, art. 3 num. 1, \
         art. 5 y art. 6."
    );
}

// --- risk ratings ---

#[test]
fn risk_ratings_parse_round_trip_and_are_ordered() {
    for (worse, better) in RiskRating::ALL.iter().zip(RiskRating::ALL.iter().skip(1)) {
        assert!(worse < better);
    }
    for rating in RiskRating::ALL {
        assert_eq!(rating.as_str().parse::<RiskRating>(), Ok(rating));
        assert_eq!(
            rating.as_str().to_lowercase().parse::<RiskRating>(),
            Ok(rating)
        );
    }
    assert!(" bb+ ".parse::<RiskRating>().is_ok());
    let error = "B++".parse::<RiskRating>().unwrap_err();
    assert_eq!(error.code(), "capacity_unknown_risk_rating");
    assert!(RiskRating::BMinus < RiskRating::B && RiskRating::BPlus > RiskRating::B);
}
