//! Participants of the traceability chain and the roles of the people who act for them.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::fold;

/// What kind of participant an organisation is; decides what it may do and what it must prove.
///
/// ```
/// use domain::OrganizationKind;
/// let kind = OrganizationKind::parse("COMERCIALIZADOR").unwrap();
/// assert!(kind.needs_rucom());
/// assert_eq!(OrganizationKind::ExplotadorMineroAutorizado.label(), "Explotador minero autorizado (titular minero)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrganizationKind {
    /// A licensed trader (*comercializador*), certified in RUCOM.
    Comercializador,
    /// A processing plant (*planta de beneficio*), certified in RUCOM.
    PlantaBeneficio,
    /// A mining title holder, identified by its *códigos de expediente*.
    ExplotadorMineroAutorizado,
    /// A subsistence miner, who sells within yearly and monthly caps.
    MineroSubsistencia,
}

impl OrganizationKind {
    pub const ALL: [OrganizationKind; 4] = [
        Self::Comercializador,
        Self::PlantaBeneficio,
        Self::ExplotadorMineroAutorizado,
        Self::MineroSubsistencia,
    ];

    /// Stable code for storage and the API.
    pub fn code(self) -> &'static str {
        match self {
            Self::Comercializador => "COMERCIALIZADOR",
            Self::PlantaBeneficio => "PLANTA_BENEFICIO",
            Self::ExplotadorMineroAutorizado => "EXPLOTADOR_MINERO_AUTORIZADO",
            Self::MineroSubsistencia => "MINERO_SUBSISTENCIA",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Comercializador => "Comercializador",
            Self::PlantaBeneficio => "Planta de beneficio",
            Self::ExplotadorMineroAutorizado => "Explotador minero autorizado (titular minero)",
            Self::MineroSubsistencia => "Minero de subsistencia",
        }
    }

    /// Traders and plants must be registered in RUCOM (Registro Único de Comercializadores de
    /// Minerales, Ley 1450 de 2011 art. 112) to buy; miners are not.
    pub fn needs_rucom(self) -> bool {
        matches!(self, Self::Comercializador | Self::PlantaBeneficio)
    }

    /// Only title holders hold mining titles (*códigos de expediente*).
    pub fn holds_titles(self) -> bool {
        matches!(self, Self::ExplotadorMineroAutorizado)
    }

    /// Reads a code or a label, ignoring case and accents.
    pub fn parse(input: &str) -> Result<Self, OrganizationKindError> {
        let folded = fold(input);
        if folded.is_empty() {
            return Err(OrganizationKindError::Required);
        }
        Self::ALL
            .into_iter()
            .find(|k| fold(k.code()) == folded || fold(k.label()) == folded)
            .ok_or_else(|| OrganizationKindError::Unknown {
                found: input.trim().to_owned(),
            })
    }
}

impl fmt::Display for OrganizationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrganizationKindError {
    #[error("Elija el tipo de participante.")]
    Required,
    #[error(
        "«{found}» no es un tipo de participante: elija comercializador, planta de beneficio, explotador minero autorizado o minero de subsistencia."
    )]
    Unknown { found: String },
}

impl ErrorCode for OrganizationKindError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "organization_kind_required",
            Self::Unknown { .. } => "organization_kind_unknown",
        }
    }
}

/// The state of a RUCOM registration; only a certified trader or plant may buy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RucomState {
    Certificado,
    EnTramite,
    Suspendido,
    Cancelado,
}

impl RucomState {
    pub const ALL: [RucomState; 4] = [
        Self::Certificado,
        Self::EnTramite,
        Self::Suspendido,
        Self::Cancelado,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Certificado => "CERTIFICADO",
            Self::EnTramite => "EN_TRAMITE",
            Self::Suspendido => "SUSPENDIDO",
            Self::Cancelado => "CANCELADO",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Certificado => "Certificado",
            Self::EnTramite => "En trámite",
            Self::Suspendido => "Suspendido",
            Self::Cancelado => "Cancelado",
        }
    }

    pub fn parse(input: &str) -> Result<Self, RucomError> {
        let folded = fold(input);
        Self::ALL
            .into_iter()
            .find(|s| fold(s.code()) == folded || fold(s.label()) == folded)
            .ok_or(RucomError::StateRequired)
    }
}

/// Most characters of a RUCOM number (they look like `RUCOM-201512105466`).
pub const RUCOM_NUMBER_MAX_CHARS: usize = 30;

/// A RUCOM registration number: letters, digits and hyphens, normalised to uppercase. The format
/// is not published as a rule, so the check is permissive but bounded.
///
/// ```
/// use domain::RucomNumber;
/// assert_eq!(RucomNumber::parse(" rucom-201512105466 ").unwrap().as_ref(), "RUCOM-201512105466");
/// assert!(RucomNumber::parse("RUCOM 2015").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RucomNumber(String);

impl RucomNumber {
    pub fn parse(input: &str) -> Result<Self, RucomError> {
        let normal = input.trim().to_uppercase();
        if normal.is_empty() {
            return Err(RucomError::NumberRequired);
        }
        let found = normal.chars().count();
        if !(5..=RUCOM_NUMBER_MAX_CHARS).contains(&found)
            || !normal
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
            || !normal.chars().any(|c| c.is_ascii_digit())
        {
            return Err(RucomError::NumberMalformed {
                max: RUCOM_NUMBER_MAX_CHARS,
            });
        }
        Ok(Self(normal))
    }
}

impl AsRef<str> for RucomNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RucomError {
    #[error(
        "Escriba el número de inscripción en el RUCOM: los comercializadores y plantas de beneficio lo necesitan."
    )]
    NumberRequired,
    #[error(
        "El número de RUCOM debe tener entre 5 y {max} letras, dígitos o guiones, sin espacios (p. ej. RUCOM-201512105466)."
    )]
    NumberMalformed { max: usize },
    #[error("Elija el estado de la inscripción en el RUCOM.")]
    StateRequired,
}

impl ErrorCode for RucomError {
    fn code(&self) -> &'static str {
        match self {
            Self::NumberRequired => "rucom_number_required",
            Self::NumberMalformed { .. } => "rucom_number_malformed",
            Self::StateRequired => "rucom_state_required",
        }
    }
}

/// What a person may do. Organisation roles act for one organisation; platform roles act for the
/// ANM (reads everything, changes nothing) or for the operator.
///
/// ```
/// use domain::Role;
/// assert!(Role::Administrador.can_manage_users());
/// assert!(!Role::Consulta.can_register_transactions());
/// assert!(Role::AuditorAnm.reads_every_organization());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Administrador,
    Operador,
    Consulta,
    AuditorAnm,
    AdministradorOttm,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Self::Administrador,
        Self::Operador,
        Self::Consulta,
        Self::AuditorAnm,
        Self::AdministradorOttm,
    ];

    /// The roles an organisation's administrator may give.
    pub const ORGANIZATION: [Role; 3] = [Self::Administrador, Self::Operador, Self::Consulta];

    pub fn code(self) -> &'static str {
        match self {
            Self::Administrador => "ADMINISTRADOR",
            Self::Operador => "OPERADOR",
            Self::Consulta => "CONSULTA",
            Self::AuditorAnm => "AUDITOR_ANM",
            Self::AdministradorOttm => "ADMINISTRADOR_OTTM",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Administrador => "Administrador",
            Self::Operador => "Operador",
            Self::Consulta => "Consulta",
            Self::AuditorAnm => "Auditor ANM",
            Self::AdministradorOttm => "Administrador OTTM",
        }
    }

    pub fn parse(input: &str) -> Result<Self, RoleError> {
        let folded = fold(input);
        if folded.is_empty() {
            return Err(RoleError::Required);
        }
        Self::ALL
            .into_iter()
            .find(|r| fold(r.code()) == folded || fold(r.label()) == folded)
            .ok_or_else(|| RoleError::Unknown {
                found: input.trim().to_owned(),
            })
    }

    /// Platform roles belong to no organisation.
    pub fn is_platform(self) -> bool {
        matches!(self, Self::AuditorAnm | Self::AdministradorOttm)
    }

    /// Manages the users of its own organisation.
    pub fn can_manage_users(self) -> bool {
        matches!(self, Self::Administrador)
    }

    /// Registers purchases, sales, transformations and closings for its organisation.
    pub fn can_register_transactions(self) -> bool {
        matches!(self, Self::Administrador | Self::Operador)
    }

    /// Reads the data of every organisation (never changes it).
    pub fn reads_every_organization(self) -> bool {
        self.is_platform()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoleError {
    #[error("Elija el rol.")]
    Required,
    #[error("«{found}» no es un rol: elija Administrador, Operador o Consulta.")]
    Unknown { found: String },
    #[error(
        "Un administrador de organización solo puede dar los roles Administrador, Operador o Consulta."
    )]
    NotAnOrganizationRole,
}

impl ErrorCode for RoleError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "role_required",
            Self::Unknown { .. } => "role_unknown",
            Self::NotAnOrganizationRole => "role_not_organization",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        for kind in OrganizationKind::ALL {
            assert_eq!(OrganizationKind::parse(kind.code()), Ok(kind));
            assert_eq!(OrganizationKind::parse(kind.label()), Ok(kind));
        }
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Ok(role));
            assert_eq!(Role::parse(&role.label().to_lowercase()), Ok(role));
        }
        for state in RucomState::ALL {
            assert_eq!(RucomState::parse(state.code()), Ok(state));
        }
        assert_eq!(RucomState::parse("en tramite"), Ok(RucomState::EnTramite));
    }

    #[test]
    fn unknown_and_empty_values_are_named() {
        assert_eq!(
            OrganizationKind::parse(" "),
            Err(OrganizationKindError::Required)
        );
        let error = Role::parse("jefe").expect_err("not a role");
        assert_eq!(error.code(), "role_unknown");
        assert!(error.to_string().contains("«jefe»"));
    }

    #[test]
    fn what_each_kind_and_role_may_do() {
        assert!(OrganizationKind::Comercializador.needs_rucom());
        assert!(OrganizationKind::PlantaBeneficio.needs_rucom());
        assert!(!OrganizationKind::MineroSubsistencia.needs_rucom());
        assert!(OrganizationKind::ExplotadorMineroAutorizado.holds_titles());
        assert!(!OrganizationKind::Comercializador.holds_titles());

        assert!(Role::Operador.can_register_transactions());
        assert!(!Role::Operador.can_manage_users());
        assert!(!Role::Consulta.can_register_transactions());
        assert!(!Role::AuditorAnm.can_register_transactions());
        assert!(Role::AdministradorOttm.is_platform());
        assert!(Role::ORGANIZATION.iter().all(|r| !r.is_platform()));
    }

    #[test]
    fn rucom_number_bounds() {
        assert!(RucomNumber::parse("12345").is_ok());
        assert!(RucomNumber::parse("1234").is_err());
        assert!(RucomNumber::parse(&format!("R{}", "1".repeat(29))).is_ok());
        assert!(RucomNumber::parse(&format!("R{}", "1".repeat(30))).is_err());
        assert!(RucomNumber::parse("RUCOM").is_err(), "needs a digit");
        assert_eq!(RucomNumber::parse(""), Err(RucomError::NumberRequired));
    }
}
