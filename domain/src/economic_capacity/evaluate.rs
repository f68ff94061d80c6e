//! The evaluation of an application against the resolution, and its errors.

use rust_decimal::Decimal;
use time::Date;

use crate::error_code::ErrorCode;
use crate::mineral::MineralGroup;
use crate::unit::UnitError;

use super::{
    CapacityApplication, CapacityParameters, Criterion, CriterionResult, EvaluationResult,
    Exemption, Figure, FinancialField, FinancialInformation, Indicator, PersonKind,
    PurchaseThresholds, RiskRating, RiskRatingCertificate, Threshold, YearlyPurchases,
};

/// Evaluates an application against the resolution.
///
/// Every criterion is evaluated and explained, not only the first that passes, so the trader
/// sees all its options. Errors are for figures that cannot be evaluated (negative, a zero
/// denominator, too large) and for invalid parameters — never for a trader that simply fails.
///
/// ```
/// use domain::economic_capacity::{
///     evaluate, CapacityApplication, CapacityParameters, CertificacionIngresos, Criterion,
///     FinancialInformation, Indicator, PersonKind,
/// };
/// use rust_decimal::Decimal;
///
/// let mut application =
///     CapacityApplication::new(PersonKind::Natural, time::macros::date!(2025 - 05 - 20));
/// application.bank_certification = true;
/// application.financials = Some(FinancialInformation::NoResponsableIva(CertificacionIngresos {
///     ingresos_ultimo_ano_gravable: Decimal::new(100_000_000, 0),
///     inversion_capital_trabajo: Decimal::new(80_000_000, 0),
/// }));
/// let result = evaluate(&application, &CapacityParameters::default())?;
/// assert!(result.qualifies());
/// let coverage = result.get(Criterion::Indicador(Indicator::CoberturaInversion)).unwrap();
/// assert_eq!(
///     coverage.to_string(),
///     "Indicador de cobertura de inversión: 1,44625 (≥ 1) — cumple. \
///      Resolución ANM 1216 de 2025, art. 5 lit. A num. 1 y art. 6 num. 1."
/// );
/// # Ok::<(), domain::economic_capacity::CapacityError>(())
/// ```
pub fn evaluate(
    application: &CapacityApplication,
    parameters: &CapacityParameters,
) -> Result<EvaluationResult, CapacityError> {
    parameters.validate()?;
    let mut criteria = Vec::with_capacity(10);

    // Art. 2: the documents, on every route.
    let documents_ok = application.financials.is_some() && application.bank_certification;
    criteria.push(CriterionResult {
        criterion: Criterion::DocumentosObligatorios,
        figure: Some(Figure::Fact(documents_ok)),
        threshold: Some(Threshold::Required),
        passed: documents_ok,
        note: match (
            application.financials.is_some(),
            application.bank_certification,
        ) {
            (true, true) => None,
            (false, true) => Some("Falta la información financiera.".to_owned()),
            (true, false) => Some("Falta la certificación bancaria.".to_owned()),
            (false, false) => {
                Some("Faltan la información financiera y la certificación bancaria.".to_owned())
            }
        },
    });

    // Route 1: the indicators.
    evaluate_indicators(application.financials.as_ref(), parameters, &mut criteria)?;

    // Route 2: the mining title.
    criteria.push(CriterionResult {
        criterion: Criterion::TituloMinero,
        figure: Some(Figure::Fact(application.mining_title_registered)),
        threshold: Some(Threshold::Required),
        passed: application.mining_title_registered,
        note: None,
    });

    // Route 3: the risk rating.
    criteria.push(evaluate_rating(
        application.risk_rating,
        application.application_date,
        parameters.min_calificacion_riesgo,
    ));

    // Route 4: the previous year's purchases.
    evaluate_purchases(
        application.yearly_purchases.as_ref(),
        application.application_date,
        &parameters.compras_minimas,
        &mut criteria,
    )?;

    // Parágrafo: the exemptions.
    criteria.push(evaluate_exemption(
        application.exemption,
        application.person,
    ));

    let any_route = criteria
        .iter()
        .any(|result| result.criterion.is_route() && result.passed);
    Ok(EvaluationResult {
        qualifies: documents_ok && any_route,
        criteria,
    })
}

fn evaluate_indicators(
    financials: Option<&FinancialInformation>,
    parameters: &CapacityParameters,
    criteria: &mut Vec<CriterionResult>,
) -> Result<(), CapacityError> {
    match financials {
        None => criteria.push(CriterionResult {
            criterion: Criterion::IndicadoresFinancieros,
            figure: None,
            threshold: None,
            passed: false,
            note: Some("No se presentó información financiera.".to_owned()),
        }),
        Some(FinancialInformation::NoResponsableIva(certificate)) => {
            let value = certificate.cobertura_inversion(parameters.capacidad_endeudamiento)?;
            let passed = value >= parameters.min_cobertura_inversion;
            criteria.push(CriterionResult {
                criterion: Criterion::Indicador(Indicator::CoberturaInversion),
                figure: Some(Figure::Ratio(value)),
                threshold: Some(Threshold::AtLeast(parameters.min_cobertura_inversion)),
                passed,
                note: None,
            });
            criteria.push(CriterionResult {
                criterion: Criterion::IndicadoresFinancieros,
                figure: Some(Figure::Count {
                    passed: u8::from(passed),
                    of: 1,
                }),
                threshold: Some(Threshold::CountAtLeast(1)),
                passed,
                note: Some(
                    "No responsable de IVA: se evalúa la cobertura de inversión.".to_owned(),
                ),
            });
        }
        Some(FinancialInformation::ResponsableIva(statements)) => {
            // The order of art. 6: capital de trabajo, liquidez, endeudamiento.
            let capital = statements.capital_trabajo()?;
            let liquidez = statements.liquidez()?;
            let endeudamiento = statements.endeudamiento()?;
            let lines = [
                (
                    Indicator::CapitalTrabajo,
                    capital,
                    Threshold::AtLeast(parameters.min_capital_trabajo),
                    capital >= parameters.min_capital_trabajo,
                ),
                (
                    Indicator::Liquidez,
                    liquidez,
                    Threshold::AtLeast(parameters.min_liquidez),
                    liquidez >= parameters.min_liquidez,
                ),
                (
                    Indicator::Endeudamiento,
                    endeudamiento,
                    Threshold::AtMost(parameters.max_endeudamiento),
                    endeudamiento <= parameters.max_endeudamiento,
                ),
            ];
            let mut passed_count = 0_u8;
            for (indicator, value, threshold, passed) in lines {
                passed_count += u8::from(passed);
                criteria.push(CriterionResult {
                    criterion: Criterion::Indicador(indicator),
                    figure: Some(Figure::Ratio(value)),
                    threshold: Some(threshold),
                    passed,
                    note: None,
                });
            }
            let required = parameters.min_indicadores_responsable_iva;
            criteria.push(CriterionResult {
                criterion: Criterion::IndicadoresFinancieros,
                figure: Some(Figure::Count {
                    passed: passed_count,
                    of: 3,
                }),
                threshold: Some(Threshold::CountAtLeast(required)),
                passed: passed_count >= required,
                note: Some(format!(
                    "Responsable de IVA: deben cumplirse al menos {required} de los 3 índices."
                )),
            });
        }
    }
    Ok(())
}

fn evaluate_rating(
    certificate: Option<RiskRatingCertificate>,
    application_date: Date,
    minimum: RiskRating,
) -> CriterionResult {
    let Some(certificate) = certificate else {
        return CriterionResult {
            criterion: Criterion::CalificacionRiesgo,
            figure: None,
            threshold: Some(Threshold::RatingAtLeast(minimum)),
            passed: false,
            note: None,
        };
    };
    let earliest_year = application_date.year() - 1;
    let note = if certificate.issued_on > application_date {
        Some("La fecha de expedición es posterior a la solicitud.".to_owned())
    } else if certificate.issued_on.year() < earliest_year {
        Some(format!(
            "Expedida en {}; debe ser de {earliest_year} o posterior (máximo el año \
             inmediatamente anterior a la solicitud).",
            certificate.issued_on.year()
        ))
    } else {
        None
    };
    CriterionResult {
        criterion: Criterion::CalificacionRiesgo,
        figure: Some(Figure::Rating(certificate.rating)),
        threshold: Some(Threshold::RatingAtLeast(minimum)),
        passed: note.is_none() && certificate.rating >= minimum,
        note,
    }
}

fn evaluate_purchases(
    purchases: Option<&YearlyPurchases>,
    application_date: Date,
    table: &PurchaseThresholds,
    criteria: &mut Vec<CriterionResult>,
) -> Result<(), CapacityError> {
    let Some(purchases) = purchases.filter(|p| !p.volumes.is_empty()) else {
        criteria.push(CriterionResult {
            criterion: Criterion::VolumenCompras(None),
            figure: None,
            threshold: None,
            passed: false,
            note: None,
        });
        return Ok(());
    };
    let expected_year = application_date.year() - 1;
    let wrong_year = (purchases.year != expected_year).then(|| {
        format!(
            "La certificación cubre {}; debe cubrir {expected_year} (al 31 de diciembre del año \
             inmediatamente anterior).",
            purchases.year
        )
    });

    // Add up the entries of each group in the table's unit, in the order of MineralGroup, so the
    // output is stable. Groups the table leaves out are listed, not added.
    let mut totals: Vec<(MineralGroup, Decimal)> = Vec::new();
    for entry in &purchases.volumes {
        non_negative(FinancialField::VolumenCompras, entry.volume)?;
        let volume = match table.for_group(entry.group) {
            Some((_, table_unit)) => entry.unit.convert(entry.volume, table_unit)?,
            None => Decimal::ZERO,
        };
        match totals.iter_mut().find(|(group, _)| *group == entry.group) {
            Some((_, total)) => {
                *total = total
                    .checked_add(volume)
                    .ok_or(CapacityError::VolumeOverflow)?;
            }
            None => totals.push((entry.group, volume)),
        }
    }
    totals.sort_by_key(|(group, _)| *group);

    for (group, volume) in totals {
        let line = match table.for_group(group) {
            Some((minimum, unit)) => CriterionResult {
                criterion: Criterion::VolumenCompras(Some(group)),
                figure: Some(Figure::Volume { volume, unit }),
                threshold: Some(Threshold::Volume {
                    minimum,
                    unit,
                    comparison: table.comparison,
                }),
                passed: wrong_year.is_none() && table.meets(volume, minimum),
                note: wrong_year.clone(),
            },
            None => CriterionResult {
                criterion: Criterion::VolumenCompras(Some(group)),
                figure: None,
                threshold: None,
                passed: false,
                note: Some(
                    "La tabla del artículo 3 numeral 4 no incluye este grupo de minerales."
                        .to_owned(),
                ),
            },
        };
        criteria.push(line);
    }
    Ok(())
}

fn evaluate_exemption(exemption: Option<Exemption>, person: PersonKind) -> CriterionResult {
    let (passed, note) = match (exemption, person) {
        (None, _) => (false, None),
        (Some(Exemption::ReorganizacionLey1116), PersonKind::Natural) => (
            false,
            Some("El proceso de reorganización solo exime a las personas jurídicas.".to_owned()),
        ),
        (Some(exemption), _) => (true, Some(format!("Exento por {}.", exemption.label()))),
    };
    CriterionResult {
        criterion: Criterion::Exencion,
        figure: Some(Figure::Fact(exemption.is_some())),
        threshold: Some(Threshold::Required),
        passed,
        note,
    }
}

pub(super) fn non_negative(field: FinancialField, value: Decimal) -> Result<(), CapacityError> {
    if value.is_sign_negative() && !value.is_zero() {
        Err(CapacityError::NegativeFigure { field })
    } else {
        Ok(())
    }
}

pub(super) fn ratio(
    indicator: Indicator,
    numerator: Decimal,
    denominator: Decimal,
) -> Result<Decimal, CapacityError> {
    if denominator.is_zero() {
        return Err(CapacityError::DivisionByZero { indicator });
    }
    numerator
        .checked_div(denominator)
        .ok_or(CapacityError::Overflow { indicator })
}

/// Why an application could not be evaluated. A trader that fails a criterion is not an error:
/// it is an [`EvaluationResult`] that does not qualify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityError {
    /// A denominator of the indicator is zero: the figures do not describe real statements.
    #[error(
        "No se puede calcular «{indicator}»: el denominador es cero. Revise las cifras de los \
         estados financieros o del certificado de ingresos."
    )]
    DivisionByZero {
        /// The indicator.
        indicator: Indicator,
    },
    /// A figure that cannot be negative is.
    #[error("{field} no puede ser negativo.")]
    NegativeFigure {
        /// The figure.
        field: FinancialField,
    },
    /// The figures are too large to compute with 28 significant digits.
    #[error("Las cifras de «{indicator}» son demasiado grandes para calcularlo.")]
    Overflow {
        /// The indicator.
        indicator: Indicator,
    },
    /// The declared purchase volumes of one group add up beyond what can be computed.
    #[error("Los volúmenes de compras declarados son demasiado grandes.")]
    VolumeOverflow,
    /// A parameter makes the rule meaningless.
    #[error("Parámetro de capacidad económica inválido: {parameter}.")]
    InvalidParameter {
        /// Which one.
        parameter: &'static str,
    },
    /// Not a rating of the scale.
    #[error("«{input}» no es una calificación de riesgos válida (por ejemplo AAA, BB+, B).")]
    UnknownRiskRating {
        /// What was received (trimmed, bounded).
        input: String,
    },
    /// A declared purchase volume does not convert exactly into the table's unit.
    #[error(transparent)]
    Unit(#[from] UnitError),
}

impl ErrorCode for CapacityError {
    fn code(&self) -> &'static str {
        match self {
            CapacityError::DivisionByZero { .. } => "capacity_division_by_zero",
            CapacityError::NegativeFigure { .. } => "capacity_negative_figure",
            CapacityError::Overflow { .. } => "capacity_overflow",
            CapacityError::VolumeOverflow => "capacity_volume_overflow",
            CapacityError::InvalidParameter { .. } => "capacity_invalid_parameter",
            CapacityError::UnknownRiskRating { .. } => "capacity_unknown_risk_rating",
            CapacityError::Unit(error) => error.code(),
        }
    }
}
