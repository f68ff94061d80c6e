//! The economic-capacity form as typed (`/capacidad-economica`), its validation into a
//! [`CapacitySubmission`] and its evaluation, every error on its field. The same code runs in the
//! browser and on the server.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    CapacityApplication, CapacityError, CapacityParameters, CertificacionIngresos,
    EstadosFinancieros, EvaluationResult, Exemption, FinancialField, FinancialInformation,
    GroupVolume, Indicator, PersonKind, RiskRating, RiskRatingCertificate, YearlyPurchases,
    evaluate,
};
use crate::error_code::ErrorCode;
use crate::fecha::Fecha;
use crate::mineral::MineralGroup;
use crate::money::{Currency, Money};
use crate::quantity::Quantity;
use crate::sha256::Sha256Hex;
use crate::unit::Unit;
use crate::validation::ValidationErrors;

/// IVA regimes as the form sends them.
pub const REGIMEN_RESPONSABLE: &str = "RESPONSABLE_IVA";
/// Not responsible for IVA.
pub const REGIMEN_NO_RESPONSABLE: &str = "NO_RESPONSABLE_IVA";

/// The form as typed: every field a string (amounts in pesos as people type them, `1.234.567,89`),
/// the checkboxes booleans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CapacityDraft {
    /// The year evaluated, `2026`: this year or the next.
    pub year: String,
    /// `NATURAL` or `JURIDICA`.
    pub person: String,
    /// [`REGIMEN_RESPONSABLE`] or [`REGIMEN_NO_RESPONSABLE`].
    pub regimen: String,
    /// Responsible for IVA: the financial statements.
    pub activo_corriente: String,
    pub pasivo_corriente: String,
    pub ingresos_operacionales: String,
    pub pasivo_total: String,
    pub activo_total: String,
    /// Not responsible for IVA: the income certificate.
    pub ingresos_ultimo_ano_gravable: String,
    pub inversion_capital_trabajo: String,
    /// Art. 2 lit. b.
    pub bank_certification: bool,
    /// Art. 3 num. 2.
    pub mining_title_registered: bool,
    /// Art. 3 num. 3: blank when none.
    pub risk_rating: String,
    /// `DD/MM/AAAA`, required with a rating.
    pub risk_rating_issued_on: String,
    /// Art. 3 parágrafo: blank, `REORGANIZACION_LEY1116` or `REPERFILAMIENTO_OBLIGACIONES`.
    pub exemption: String,
    /// Art. 3 num. 4: the previous year's purchases of one group (a `MineralGroup` code; blank
    /// when not declared), their volume and its unit.
    pub purchases_group: String,
    pub purchases_volume: String,
    pub purchases_unit: String,
    /// *Monto proyectado de comercialización* for the year, in pesos.
    pub projected_amount: String,
    /// SHA-256 of the evidence (financial statements or income certificate).
    pub evidence_sha256: String,
}

/// A form that reads: what is stored and evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacitySubmission {
    pub year: i32,
    pub application: CapacityApplication,
    /// Pesos, exact.
    pub projected_amount: Decimal,
    pub evidence_sha256: Sha256Hex,
}

/// Why a field of the form does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CapacityFormError {
    #[error("escriba el año, por ejemplo {0}.")]
    YearMissing(i32),
    #[error("«{input}» no es un año: solo puede evaluar {this} o {next}.")]
    YearOutOfRange { input: String, this: i32, next: i32 },
    #[error("elija persona natural o persona jurídica.")]
    PersonRequired,
    #[error("elija si es responsable o no responsable de IVA.")]
    RegimenRequired,
    #[error("«{0}» no es una exención del artículo 3 (parágrafo).")]
    UnknownExemption(String),
    #[error(
        "el proceso de reorganización de la Ley 1116 de 2006 solo exime a las personas jurídicas."
    )]
    ReorganizationNeedsJuridica,
    #[error("escriba la fecha de expedición de la calificación de riesgos (DD/MM/AAAA).")]
    RatingDateRequired,
    #[error("el monto proyectado debe ser mayor que cero.")]
    ProjectionZero,
    #[error("«{0}» no es un grupo de minerales.")]
    UnknownGroup(String),
}

impl ErrorCode for CapacityFormError {
    fn code(&self) -> &'static str {
        match self {
            Self::YearMissing(_) => "capacity_year_required",
            Self::YearOutOfRange { .. } => "capacity_year_out_of_range",
            Self::PersonRequired => "capacity_person_required",
            Self::RegimenRequired => "capacity_regimen_required",
            Self::UnknownExemption(_) => "capacity_unknown_exemption",
            Self::ReorganizationNeedsJuridica => "capacity_exemption_needs_juridica",
            Self::RatingDateRequired => "capacity_rating_date_required",
            Self::ProjectionZero => "capacity_projection_zero",
            Self::UnknownGroup(_) => "capacity_unknown_group",
        }
    }
}

/// The form's field of a financial figure.
pub const fn field_path(field: FinancialField) -> &'static str {
    match field {
        FinancialField::IngresosUltimoAnoGravable => "ingresos_ultimo_ano_gravable",
        FinancialField::InversionCapitalTrabajo => "inversion_capital_trabajo",
        FinancialField::ActivoCorriente => "activo_corriente",
        FinancialField::PasivoCorriente => "pasivo_corriente",
        FinancialField::IngresosOperacionales => "ingresos_operacionales",
        FinancialField::PasivoTotal => "pasivo_total",
        FinancialField::ActivoTotal => "activo_total",
        FinancialField::VolumenCompras => "yearly_purchases",
    }
}

/// The denominator of an indicator: where a zero is to be corrected.
pub const fn denominator(indicator: Indicator) -> FinancialField {
    match indicator {
        Indicator::CoberturaInversion => FinancialField::InversionCapitalTrabajo,
        Indicator::CapitalTrabajo => FinancialField::IngresosOperacionales,
        Indicator::Liquidez => FinancialField::PasivoCorriente,
        Indicator::Endeudamiento => FinancialField::ActivoTotal,
    }
}

/// Where an evaluation error goes in the form.
pub fn error_field(error: &CapacityError) -> (&'static str, &'static str) {
    match error {
        CapacityError::DivisionByZero { indicator } => {
            let field = denominator(*indicator);
            (field_path(field), field.label())
        }
        CapacityError::NegativeFigure { field } => (field_path(*field), field.label()),
        CapacityError::VolumeOverflow | CapacityError::Unit(_) => {
            ("purchases_unit", "Unidad del volumen de compras")
        }
        CapacityError::UnknownRiskRating { .. } => ("risk_rating", "Calificación de riesgos"),
        CapacityError::Overflow { .. } | CapacityError::InvalidParameter { .. } => {
            ("financials", "Información financiera")
        }
    }
}

fn amount(errors: &mut ValidationErrors, field: FinancialField, input: &str) -> Option<Decimal> {
    errors
        .take(
            field_path(field),
            field.label(),
            Money::parse(input, Currency::Cop),
        )
        .map(Money::amount)
}

fn read_year(input: &str, today: Fecha) -> Result<i32, CapacityFormError> {
    let this = today.date().year();
    let input = input.trim();
    if input.is_empty() {
        return Err(CapacityFormError::YearMissing(this));
    }
    match input.parse::<i32>() {
        Ok(year) if year == this || year == this + 1 => Ok(year),
        _ => Err(CapacityFormError::YearOutOfRange {
            input: input.chars().take(12).collect(),
            this,
            next: this + 1,
        }),
    }
}

fn read_person(input: &str) -> Result<PersonKind, CapacityFormError> {
    match input.trim() {
        "NATURAL" => Ok(PersonKind::Natural),
        "JURIDICA" => Ok(PersonKind::Juridica),
        _ => Err(CapacityFormError::PersonRequired),
    }
}

fn read_group(input: &str) -> Result<MineralGroup, CapacityFormError> {
    let input = input.trim();
    MineralGroup::ALL
        .into_iter()
        .find(|group| group.code() == input)
        .ok_or_else(|| CapacityFormError::UnknownGroup(input.chars().take(40).collect()))
}

fn read_exemption(input: &str) -> Result<Option<Exemption>, CapacityFormError> {
    match input.trim() {
        "" => Ok(None),
        "REORGANIZACION_LEY1116" => Ok(Some(Exemption::ReorganizacionLey1116)),
        "REPERFILAMIENTO_OBLIGACIONES" => Ok(Some(Exemption::ReperfilamientoObligaciones)),
        other => Err(CapacityFormError::UnknownExemption(
            other.chars().take(40).collect(),
        )),
    }
}

impl CapacityDraft {
    /// Every error at once, each on its field (`year`, `person`, `regimen`, `activo_corriente`…,
    /// `risk_rating`, `risk_rating_issued_on`, `exemption`, `projected_amount`,
    /// `evidence_sha256`). `today` is the application date.
    pub fn validate(&self, today: Fecha) -> Result<CapacitySubmission, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let year = errors.take("year", "Año", read_year(&self.year, today));
        let person = errors.take("person", "Tipo de persona", read_person(&self.person));
        let financials = match self.regimen.trim() {
            REGIMEN_RESPONSABLE => {
                let ac = amount(
                    &mut errors,
                    FinancialField::ActivoCorriente,
                    &self.activo_corriente,
                );
                let pc = amount(
                    &mut errors,
                    FinancialField::PasivoCorriente,
                    &self.pasivo_corriente,
                );
                let io = amount(
                    &mut errors,
                    FinancialField::IngresosOperacionales,
                    &self.ingresos_operacionales,
                );
                let pt = amount(&mut errors, FinancialField::PasivoTotal, &self.pasivo_total);
                let at = amount(&mut errors, FinancialField::ActivoTotal, &self.activo_total);
                match (ac, pc, io, pt, at) {
                    (Some(ac), Some(pc), Some(io), Some(pt), Some(at)) => {
                        Some(FinancialInformation::ResponsableIva(EstadosFinancieros {
                            activo_corriente: ac,
                            pasivo_corriente: pc,
                            ingresos_operacionales: io,
                            pasivo_total: pt,
                            activo_total: at,
                        }))
                    }
                    _ => None,
                }
            }
            REGIMEN_NO_RESPONSABLE => {
                let ingresos = amount(
                    &mut errors,
                    FinancialField::IngresosUltimoAnoGravable,
                    &self.ingresos_ultimo_ano_gravable,
                );
                let inversion = amount(
                    &mut errors,
                    FinancialField::InversionCapitalTrabajo,
                    &self.inversion_capital_trabajo,
                );
                match (ingresos, inversion) {
                    (Some(ingresos), Some(inversion)) => Some(
                        FinancialInformation::NoResponsableIva(CertificacionIngresos {
                            ingresos_ultimo_ano_gravable: ingresos,
                            inversion_capital_trabajo: inversion,
                        }),
                    ),
                    _ => None,
                }
            }
            _ => {
                errors.push(
                    "regimen",
                    "Régimen de IVA",
                    &CapacityFormError::RegimenRequired,
                );
                None
            }
        };
        let rating = if self.risk_rating.trim().is_empty() {
            None
        } else {
            let rating = errors.take(
                "risk_rating",
                "Calificación de riesgos",
                self.risk_rating.parse::<RiskRating>(),
            );
            let issued = if self.risk_rating_issued_on.trim().is_empty() {
                errors.push(
                    "risk_rating_issued_on",
                    "Fecha de la calificación",
                    &CapacityFormError::RatingDateRequired,
                );
                None
            } else {
                let issued = Fecha::parse(&self.risk_rating_issued_on)
                    .and_then(|fecha| fecha.check_not_future(today));
                errors.take("risk_rating_issued_on", "Fecha de la calificación", issued)
            };
            rating
                .zip(issued)
                .map(|(rating, issued)| RiskRatingCertificate {
                    rating,
                    issued_on: issued.date(),
                })
        };
        let exemption = errors
            .take("exemption", "Exención", read_exemption(&self.exemption))
            .flatten();
        let purchases = if self.purchases_group.trim().is_empty() {
            None
        } else {
            let group = errors.take(
                "purchases_group",
                "Grupo de minerales comprado",
                read_group(&self.purchases_group),
            );
            let volume = errors.take(
                "purchases_volume",
                "Volumen de compras del año anterior",
                Quantity::parse(&self.purchases_volume),
            );
            let unit = errors.take(
                "purchases_unit",
                "Unidad del volumen de compras",
                Unit::parse(&self.purchases_unit),
            );
            match (group, volume, unit) {
                (Some(group), Some(volume), Some(unit)) => Some(YearlyPurchases {
                    year: today.date().year() - 1,
                    volumes: vec![GroupVolume {
                        group,
                        volume: volume.value(),
                        unit,
                    }],
                }),
                _ => None,
            }
        };
        if exemption == Some(Exemption::ReorganizacionLey1116)
            && person == Some(PersonKind::Natural)
        {
            errors.push(
                "exemption",
                "Exención",
                &CapacityFormError::ReorganizationNeedsJuridica,
            );
        }
        let projected = errors
            .take(
                "projected_amount",
                "Monto proyectado de comercialización",
                Money::parse(&self.projected_amount, Currency::Cop),
            )
            .map(Money::amount);
        if projected.is_some_and(|p| p.is_zero()) {
            errors.push(
                "projected_amount",
                "Monto proyectado de comercialización",
                &CapacityFormError::ProjectionZero,
            );
        }
        let sha = errors.take(
            "evidence_sha256",
            "Código SHA-256 del soporte",
            Sha256Hex::parse(&self.evidence_sha256),
        );
        match (year, person, projected, sha) {
            (Some(year), Some(person), Some(projected_amount), Some(evidence_sha256))
                if errors.is_empty() =>
            {
                let mut application = CapacityApplication::new(person, today.date());
                application.financials = financials;
                application.bank_certification = self.bank_certification;
                application.mining_title_registered = self.mining_title_registered;
                application.risk_rating = rating;
                application.exemption = exemption;
                application.yearly_purchases = purchases;
                Ok(CapacitySubmission {
                    year,
                    application,
                    projected_amount,
                    evidence_sha256,
                })
            }
            _ => Err(errors),
        }
    }

    /// [`Self::validate`], then [`evaluate`]: a figure that cannot be evaluated (a zero
    /// denominator, a negative figure) is an error on its field.
    pub fn evaluate(
        &self,
        today: Fecha,
        parameters: &CapacityParameters,
    ) -> Result<(CapacitySubmission, EvaluationResult), ValidationErrors> {
        let submission = self.validate(today)?;
        match evaluate(&submission.application, parameters) {
            Ok(result) => Ok((submission, result)),
            Err(error) => {
                let (field, label) = error_field(&error);
                Err(ValidationErrors::one(field, label, &error))
            }
        }
    }
}

/// The share of the projection that the year's purchases reach, in percent with two decimals
/// (`None` for a zero projection).
pub fn share_of_projection(purchases: Decimal, projection: Decimal) -> Option<Decimal> {
    if projection.is_zero() {
        return None;
    }
    purchases
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(projection)
        .map(|share| share.round_dp(2))
}

/// Whether the year's purchases exceed the projection (strictly more than 100 %).
pub fn exceeds_projection(purchases: Decimal, projection: Decimal) -> bool {
    purchases > projection
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::economic_capacity::Criterion;

    fn today() -> Fecha {
        Fecha::from_calendar(2026, 5, 20).unwrap()
    }

    fn responsable() -> CapacityDraft {
        CapacityDraft {
            year: "2026".into(),
            person: "JURIDICA".into(),
            regimen: REGIMEN_RESPONSABLE.into(),
            activo_corriente: "1.300.000".into(),
            pasivo_corriente: "1.000.000".into(),
            ingresos_operacionales: "5.000.000".into(),
            pasivo_total: "1.500.000".into(),
            activo_total: "3.000.000".into(),
            bank_certification: true,
            projected_amount: "2.000.000.000".into(),
            evidence_sha256: "a".repeat(64),
            ..CapacityDraft::default()
        }
    }

    #[test]
    fn a_responsable_form_evaluates_two_of_three() {
        let (submission, result) = responsable()
            .evaluate(today(), &CapacityParameters::default())
            .unwrap();
        assert_eq!(submission.year, 2026);
        assert_eq!(submission.projected_amount, Decimal::new(2_000_000_000, 0));
        assert!(result.qualifies());
        let liquidez = result
            .get(Criterion::Indicador(Indicator::Liquidez))
            .unwrap();
        assert!(liquidez.passed);
    }

    #[test]
    fn every_error_on_its_field() {
        let draft = CapacityDraft {
            year: "1999".into(),
            activo_corriente: "abc".into(),
            projected_amount: "0".into(),
            evidence_sha256: "abc".into(),
            risk_rating: "Z".into(),
            exemption: "NADA".into(),
            ..responsable()
        };
        let errors = draft.validate(today()).unwrap_err();
        for field in [
            "year",
            "activo_corriente",
            "projected_amount",
            "evidence_sha256",
            "risk_rating",
            "risk_rating_issued_on",
            "exemption",
        ] {
            assert_eq!(errors.for_field(field).count(), 1, "{field}: {errors}");
        }
        assert!(errors.has_code("capacity_year_out_of_range"));
        assert!(errors.has_code("capacity_projection_zero"));
        let blank = CapacityDraft::default().validate(today()).unwrap_err();
        assert!(blank.has_code("capacity_year_required"));
        assert!(blank.has_code("capacity_person_required"));
        assert!(blank.has_code("capacity_regimen_required"));
    }

    #[test]
    fn a_zero_denominator_is_an_error_on_the_denominator() {
        let draft = CapacityDraft {
            pasivo_corriente: "0".into(),
            ..responsable()
        };
        let errors = draft
            .evaluate(today(), &CapacityParameters::default())
            .unwrap_err();
        assert_eq!(errors.errors[0].field, "pasivo_corriente");
        assert_eq!(errors.errors[0].code, "capacity_division_by_zero");
    }

    #[test]
    fn no_responsable_reads_the_certificate() {
        let draft = CapacityDraft {
            person: "NATURAL".into(),
            regimen: REGIMEN_NO_RESPONSABLE.into(),
            ingresos_ultimo_ano_gravable: "100.000.000".into(),
            inversion_capital_trabajo: "80.000.000".into(),
            exemption: "REORGANIZACION_LEY1116".into(),
            ..responsable()
        };
        let errors = draft.validate(today()).unwrap_err();
        assert!(errors.has_code("capacity_exemption_needs_juridica"));
        let draft = CapacityDraft {
            exemption: String::new(),
            ..draft
        };
        let (_, result) = draft
            .evaluate(today(), &CapacityParameters::default())
            .unwrap();
        assert!(result.qualifies());
    }

    #[test]
    fn every_line_of_a_verdict_is_explained() {
        let (_, result) = responsable()
            .evaluate(today(), &CapacityParameters::default())
            .unwrap();
        for line in result.criteria() {
            assert!(!line.criterion.explanation().is_empty(), "{line}");
            let is_indicator = matches!(line.criterion, Criterion::Indicador(_));
            assert_eq!(line.criterion.formula().is_some(), is_indicator, "{line}");
        }
        assert_eq!(
            Indicator::Liquidez.formula(),
            "Activo corriente / Pasivo corriente"
        );
        assert!(
            Indicator::CoberturaInversion
                .formula()
                .contains("Capacidad de endeudamiento")
        );
        assert!(
            Criterion::CalificacionRiesgo
                .explanation()
                .contains("igual o superior a B")
        );
    }

    #[test]
    fn the_previous_years_purchases_are_a_route() {
        let draft = CapacityDraft {
            bank_certification: true,
            regimen: REGIMEN_RESPONSABLE.into(),
            pasivo_total: "2.900.000".into(),
            activo_corriente: "900.000".into(),
            purchases_group: "CARBON".into(),
            purchases_volume: "45000".into(),
            purchases_unit: "t".into(),
            ..responsable()
        };
        let (submission, result) = draft
            .evaluate(today(), &CapacityParameters::default())
            .unwrap();
        assert_eq!(submission.application.yearly_purchases.unwrap().year, 2025);
        assert!(
            !result
                .get(Criterion::IndicadoresFinancieros)
                .unwrap()
                .passed
        );
        assert!(result.qualifies(), "by the coal bought");
        let sand_in_tonnes = CapacityDraft {
            purchases_group: "MATERIALES_CONSTRUCCION".into(),
            ..draft.clone()
        };
        let errors = sand_in_tonnes
            .evaluate(today(), &CapacityParameters::default())
            .unwrap_err();
        assert_eq!(errors.errors[0].field, "purchases_unit");
        let unknown = CapacityDraft {
            purchases_group: "ORO".into(),
            purchases_volume: "x".into(),
            ..draft
        };
        let errors = unknown.validate(today()).unwrap_err();
        assert!(errors.has_code("capacity_unknown_group"));
        assert_eq!(errors.for_field("purchases_volume").count(), 1);
    }

    #[test]
    fn share_and_excess() {
        let share = share_of_projection(Decimal::new(150, 0), Decimal::new(100, 0));
        assert_eq!(share, Some(Decimal::new(150, 0)));
        assert_eq!(share_of_projection(Decimal::ONE, Decimal::ZERO), None);
        assert!(exceeds_projection(
            Decimal::new(101, 0),
            Decimal::new(100, 0)
        ));
        assert!(!exceeds_projection(
            Decimal::new(100, 0),
            Decimal::new(100, 0)
        ));
    }
}
