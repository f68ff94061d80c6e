//! Registering an organisation with its first administrator, and inviting further users.
//!
//! Each draft holds the fields as typed (the browser's form and the server function share it); its
//! `validate` collects every error, each on its field path, so the form shows them all at once.

use serde::{Deserialize, Serialize};

use crate::codigo_expediente::CodigoExpediente;
use crate::contact::{EmailAddress, Mobile};
use crate::credentials::{NewPassword, Username};
use crate::divipola::{Departamento, Municipio, check_belongs};
use crate::document::{DocumentNumber, DocumentType};
use crate::organization::{OrganizationKind, Role, RoleError, RucomNumber, RucomState};
use crate::razon_social::RazonSocial;
use crate::validation::ValidationErrors;

/// How the second factor reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SecondFactor {
    Email,
    Sms,
}

impl SecondFactor {
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "Correo electrónico",
            Self::Sms => "Mensaje de texto (SMS)",
        }
    }

    /// Unknown or empty means email: the one channel every user has.
    pub fn parse_or_email(input: &str) -> Self {
        if input.trim().eq_ignore_ascii_case("SMS") {
            Self::Sms
        } else {
            Self::Email
        }
    }
}

/// The registration form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationDraft {
    pub kind: String,
    pub document_type: String,
    pub document_number: String,
    pub razon_social: String,
    pub departamento: String,
    pub municipio: String,
    pub contact_email: String,
    pub contact_mobile: String,
    pub rucom_number: String,
    pub rucom_state: String,
    /// Title holders' códigos de expediente, separated by commas, spaces or lines.
    pub codigos_expediente: String,
    pub admin_full_name: String,
    pub admin_username: String,
    pub admin_email: String,
    pub admin_mobile: String,
    pub admin_second_factor: String,
    pub password: String,
    pub password_confirmation: String,
}

/// A new participant of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    pub kind: OrganizationKind,
    pub document: DocumentNumber,
    pub razon_social: RazonSocial,
    pub departamento: Departamento,
    pub municipio: Municipio,
    pub contact_email: EmailAddress,
    pub contact_mobile: Mobile,
    /// Present exactly when the kind needs RUCOM.
    pub rucom: Option<(RucomNumber, RucomState)>,
    /// Non-empty exactly when the kind holds titles.
    pub titles: Vec<CodigoExpediente>,
}

/// A person's data for a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub full_name: RazonSocial,
    pub email: EmailAddress,
    pub mobile: Option<Mobile>,
    pub second_factor: SecondFactor,
    pub role: Role,
}

/// A valid registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub organization: NewOrganization,
    pub admin: NewUser,
    pub admin_username: Username,
    pub password: NewPassword,
}

/// Most titles one registration may list (a title holder with more registers them later).
pub const TITLES_MAX: usize = 50;

impl RegistrationDraft {
    /// Validates the whole form, collecting every error.
    ///
    /// ```
    /// use domain::RegistrationDraft;
    /// let draft = RegistrationDraft {
    ///     kind: "EXPLOTADOR_MINERO_AUTORIZADO".into(),
    ///     document_type: "NIT".into(),
    ///     document_number: "9013049617".into(),
    ///     razon_social: "Minera El Diluvio Gold S.A.S".into(),
    ///     departamento: "66".into(),
    ///     municipio: "66400".into(),
    ///     contact_email: "gerencia@diluvio.co".into(),
    ///     contact_mobile: "3001234567".into(),
    ///     codigos_expediente: "T14292011-003".into(),
    ///     admin_full_name: "Laura Gómez".into(),
    ///     admin_username: "laura.gomez".into(),
    ///     admin_email: "laura@diluvio.co".into(),
    ///     password: "oro de la virginia".into(),
    ///     password_confirmation: "oro de la virginia".into(),
    ///     ..Default::default()
    /// };
    /// let registration = draft.validate().unwrap();
    /// assert_eq!(registration.organization.document.as_str(), "901304961-7");
    /// assert_eq!(registration.organization.titles.len(), 1);
    /// ```
    pub fn validate(&self) -> Result<Registration, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let kind = errors.take(
            "organization.kind",
            "Tipo de participante",
            OrganizationKind::parse(&self.kind),
        );
        let document = document(
            &mut errors,
            "organization",
            &self.document_type,
            &self.document_number,
        );
        let razon_social = errors.take(
            "organization.razon_social",
            "Razón social",
            RazonSocial::parse(&self.razon_social),
        );
        let place = place(&mut errors, &self.departamento, &self.municipio);
        let contact_email = errors.take(
            "organization.contact_email",
            "Correo de contacto",
            EmailAddress::parse(&self.contact_email),
        );
        let contact_mobile = errors.take(
            "organization.contact_mobile",
            "Celular de contacto",
            Mobile::parse(&self.contact_mobile),
        );
        let rucom = match kind {
            Some(kind) if kind.needs_rucom() => {
                let number = errors.take(
                    "organization.rucom_number",
                    "Número RUCOM",
                    RucomNumber::parse(&self.rucom_number),
                );
                let state = errors.take(
                    "organization.rucom_state",
                    "Estado en el RUCOM",
                    RucomState::parse(&self.rucom_state),
                );
                number.zip(state)
            }
            _ => None,
        };
        let titles = match kind {
            Some(kind) if kind.holds_titles() => titles(&mut errors, &self.codigos_expediente),
            _ => Vec::new(),
        };

        let admin_username = errors.take(
            "admin.username",
            "Nombre de usuario",
            Username::parse(&self.admin_username),
        );
        let admin = new_user(
            &mut errors,
            "admin",
            &self.admin_full_name,
            &self.admin_email,
            &self.admin_mobile,
            SecondFactor::parse_or_email(&self.admin_second_factor),
            Role::Administrador,
        );
        let password = errors.take(
            "admin.password",
            "Contraseña",
            NewPassword::parse_confirmed(
                &self.password,
                &self.password_confirmation,
                &[&self.admin_username, &self.admin_email],
            ),
        );

        match (
            kind,
            document,
            razon_social,
            place,
            contact_email,
            contact_mobile,
            admin_username,
            admin,
            password,
        ) {
            (
                Some(kind),
                Some(document),
                Some(razon_social),
                Some((departamento, municipio)),
                Some(contact_email),
                Some(contact_mobile),
                Some(admin_username),
                Some(admin),
                Some(password),
            ) if errors.is_empty() => Ok(Registration {
                organization: NewOrganization {
                    kind,
                    document,
                    razon_social,
                    departamento,
                    municipio,
                    contact_email,
                    contact_mobile,
                    rucom,
                    titles,
                },
                admin,
                admin_username,
                password,
            }),
            _ => Err(errors),
        }
    }
}

/// An administrator's invitation of a new user, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationDraft {
    pub full_name: String,
    pub email: String,
    pub mobile: String,
    pub role: String,
}

impl InvitationDraft {
    /// Only organisation roles may be given by an organisation's administrator.
    pub fn validate(&self) -> Result<NewUser, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let role = errors
            .take("role", "Rol", Role::parse(&self.role))
            .and_then(|role| {
                if role.is_platform() {
                    errors.push("role", "Rol", &RoleError::NotAnOrganizationRole);
                    None
                } else {
                    Some(role)
                }
            });
        let user = new_user(
            &mut errors,
            "",
            &self.full_name,
            &self.email,
            &self.mobile,
            SecondFactor::Email,
            role.unwrap_or(Role::Consulta),
        );
        match (role, user) {
            (Some(_), Some(user)) if errors.is_empty() => Ok(user),
            _ => Err(errors),
        }
    }
}

/// The fields of a person, under `prefix` (`admin.email`), or at the top level when it is empty.
fn new_user(
    errors: &mut ValidationErrors,
    prefix: &str,
    full_name: &str,
    email: &str,
    mobile: &str,
    second_factor: SecondFactor,
    role: Role,
) -> Option<NewUser> {
    let path = |field: &str| {
        if prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{prefix}.{field}")
        }
    };
    let full_name = errors.take(
        path("full_name"),
        "Nombres y apellidos",
        RazonSocial::parse(full_name),
    );
    let email = errors.take(
        path("email"),
        "Correo electrónico",
        EmailAddress::parse(email),
    );
    // The mobile is optional, unless the person wants the code by SMS.
    let mobile = if mobile.trim().is_empty() && second_factor == SecondFactor::Email {
        Some(None)
    } else {
        errors
            .take(path("mobile"), "Celular", Mobile::parse(mobile))
            .map(Some)
    };
    Some(NewUser {
        full_name: full_name?,
        email: email?,
        mobile: mobile?,
        second_factor,
        role,
    })
}

fn document(
    errors: &mut ValidationErrors,
    prefix: &str,
    document_type: &str,
    number: &str,
) -> Option<DocumentNumber> {
    let document_type = errors.take(
        format!("{prefix}.document_type"),
        "Tipo de documento",
        DocumentType::parse(document_type),
    )?;
    errors.take(
        format!("{prefix}.document_number"),
        "Número de documento",
        DocumentNumber::parse(document_type, number),
    )
}

fn place(
    errors: &mut ValidationErrors,
    departamento: &str,
    municipio: &str,
) -> Option<(Departamento, Municipio)> {
    let departamento = errors.take(
        "organization.departamento",
        "Departamento",
        Departamento::find(departamento),
    )?;
    let municipio = errors.take(
        "organization.municipio",
        "Municipio",
        Municipio::find_in(departamento, municipio),
    )?;
    errors.take(
        "organization.municipio",
        "Municipio",
        check_belongs(departamento, municipio),
    )?;
    Some((departamento, municipio))
}

fn titles(errors: &mut ValidationErrors, input: &str) -> Vec<CodigoExpediente> {
    let mut titles: Vec<CodigoExpediente> = Vec::new();
    let raw: Vec<&str> = input
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if raw.is_empty() {
        errors.push(
            "organization.codigos_expediente",
            "Códigos de expediente",
            &TitleListError::TitleRequired,
        );
        return titles;
    }
    if raw.len() > TITLES_MAX {
        errors.push(
            "organization.codigos_expediente",
            "Códigos de expediente",
            &TitleListError::TooManyTitles { max: TITLES_MAX },
        );
        return titles;
    }
    for code in raw {
        if let Some(title) = errors.take(
            "organization.codigos_expediente",
            "Códigos de expediente",
            CodigoExpediente::parse(code),
        ) && !titles.contains(&title)
        {
            titles.push(title);
        }
    }
    titles
}

/// Rules of the title list that no single code can break.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TitleListError {
    #[error("Escriba al menos un código de expediente minero (p. ej. T14292011-003).")]
    TitleRequired,
    #[error("Puede registrar hasta {max} códigos de expediente a la vez.")]
    TooManyTitles { max: usize },
}

impl crate::error_code::ErrorCode for TitleListError {
    fn code(&self) -> &'static str {
        match self {
            Self::TitleRequired => "titles_required",
            Self::TooManyTitles { .. } => "titles_too_many",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diluvio() -> RegistrationDraft {
        RegistrationDraft {
            kind: "EXPLOTADOR_MINERO_AUTORIZADO".into(),
            document_type: "NIT".into(),
            document_number: "901.304.961-7".into(),
            razon_social: "MINERA EL DILUVIO GOLD S.A.S".into(),
            departamento: "66".into(),
            municipio: "66400".into(),
            contact_email: "gerencia@diluvio.co".into(),
            contact_mobile: "3001234567".into(),
            codigos_expediente: "T14292011-003, T14292011-003\nPE3-113".into(),
            admin_full_name: "Laura Gómez".into(),
            admin_username: "laura.gomez".into(),
            admin_email: "laura@diluvio.co".into(),
            admin_mobile: String::new(),
            admin_second_factor: "EMAIL".into(),
            password: "oro de la virginia".into(),
            password_confirmation: "oro de la virginia".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_seed_title_holder_registers() {
        let registration = diluvio().validate().expect("valid");
        assert_eq!(
            registration.organization.titles.len(),
            2,
            "duplicates collapse"
        );
        assert!(registration.organization.rucom.is_none());
        assert_eq!(registration.admin.role, Role::Administrador);
        assert_eq!(registration.admin.full_name.as_ref(), "LAURA GÓMEZ");
    }

    #[test]
    fn every_error_is_collected_on_its_field() {
        let draft = RegistrationDraft {
            document_number: "901304961-8".into(),
            municipio: "17001".into(), // Manizales, in Caldas, not Risaralda
            contact_email: "gerencia".into(),
            codigos_expediente: String::new(),
            password_confirmation: "otra cosa distinta".into(),
            ..diluvio()
        };
        let errors = draft.validate().expect_err("invalid");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "organization.document_number",
                "organization.municipio",
                "organization.contact_email",
                "organization.codigos_expediente",
                "admin.password",
            ]
        );
        assert!(errors.has_code("nit_check_digit"));
        assert!(errors.has_code("titles_required"));
        assert!(errors.has_code("password_confirmation_mismatch"));
    }

    #[test]
    fn traders_need_rucom_and_no_titles() {
        let draft = RegistrationDraft {
            kind: "COMERCIALIZADOR".into(),
            codigos_expediente: String::new(),
            ..diluvio()
        };
        let errors = draft.validate().expect_err("needs RUCOM");
        assert!(errors.has_code("rucom_number_required"));
        assert!(errors.has_code("rucom_state_required"));
        let ok = RegistrationDraft {
            rucom_number: "RUCOM-201512105466".into(),
            rucom_state: "CERTIFICADO".into(),
            ..draft
        }
        .validate()
        .expect("valid trader");
        assert!(ok.organization.titles.is_empty());
        assert_eq!(
            ok.organization.rucom.map(|(_, state)| state),
            Some(RucomState::Certificado)
        );
    }

    #[test]
    fn sms_needs_a_mobile() {
        let draft = RegistrationDraft {
            admin_second_factor: "SMS".into(),
            ..diluvio()
        };
        let errors = draft.validate().expect_err("no mobile");
        assert_eq!(errors.errors[0].field, "admin.mobile");
        let ok = RegistrationDraft {
            admin_mobile: "315 000 1122".into(),
            ..draft
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.admin.second_factor, SecondFactor::Sms);
    }

    #[test]
    fn invitations_give_organisation_roles_only() {
        let draft = InvitationDraft {
            full_name: "Pedro Pérez".into(),
            email: "pedro@diluvio.co".into(),
            mobile: String::new(),
            role: "OPERADOR".into(),
        };
        assert_eq!(draft.validate().expect("valid").role, Role::Operador);
        let errors = InvitationDraft {
            role: "AUDITOR_ANM".into(),
            ..draft.clone()
        }
        .validate()
        .expect_err("platform role");
        assert!(errors.has_code("role_not_organization"));
        let errors = InvitationDraft {
            role: String::new(),
            email: "x".into(),
            ..draft
        }
        .validate()
        .expect_err("two errors");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["role", "email"]);
    }
}
