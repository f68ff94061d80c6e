//! How to reach a person: an email address and a Colombian mobile number.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// Most characters of an address (RFC 5321: 254 for the path, 64 for the local part).
pub const EMAIL_MAX_CHARS: usize = 254;
const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// An email address, trimmed and lowercased (addresses are compared case-insensitively: nobody's
/// provider distinguishes `Ana@` from `ana@`, and a user must not get two accounts that way).
///
/// The check is deliberately the practical one, not RFC 5322's full grammar: one `@`, a local part
/// of visible ASCII without spaces, a domain of at least two labels of letters, digits and hyphens.
///
/// ```
/// use domain::EmailAddress;
/// let email = EmailAddress::parse("  Ana.Castellanos@ANM.gov.co ").unwrap();
/// assert_eq!(email.as_ref(), "ana.castellanos@anm.gov.co");
/// assert!(EmailAddress::parse("ana@localhost").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailAddressError {
    #[error("Escriba el correo electrónico.")]
    Required,
    #[error("El correo electrónico puede tener hasta {max} caracteres.")]
    TooLong { max: usize },
    #[error(
        "«{found}» no es un correo electrónico válido: debe tener la forma nombre@dominio.com."
    )]
    Malformed { found: String },
}

impl ErrorCode for EmailAddressError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "email_required",
            Self::TooLong { .. } => "email_too_long",
            Self::Malformed { .. } => "email_malformed",
        }
    }
}

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let normal = input.trim().to_lowercase();
        if normal.is_empty() {
            return Err(EmailAddressError::Required);
        }
        if normal.chars().count() > EMAIL_MAX_CHARS {
            return Err(EmailAddressError::TooLong {
                max: EMAIL_MAX_CHARS,
            });
        }
        let malformed = || EmailAddressError::Malformed {
            found: input.trim().to_owned(),
        };
        let (local, domain) = normal.split_once('@').ok_or_else(malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= EMAIL_LOCAL_MAX_CHARS
            && local.chars().all(|c| {
                c.is_ascii_graphic()
                    && !matches!(
                        c,
                        '@' | '"' | '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | '\\' | ']'
                    )
            })
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
        if local_ok && domain_ok {
            Ok(Self(normal))
        } else {
            Err(malformed())
        }
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailAddressError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

/// A Colombian mobile number, stored in E.164 (`+573001234567`).
///
/// Colombian mobile numbers have 10 digits and start with 3 (Plan Nacional de Numeración, CRC);
/// people type them with spaces, dashes, parentheses and with or without the `+57` prefix.
///
/// ```
/// use domain::Mobile;
/// let mobile = Mobile::parse("+57 (300) 123-4567").unwrap();
/// assert_eq!(mobile.as_ref(), "+573001234567");
/// assert_eq!(mobile.to_string(), "+57 300 123 4567");
/// assert!(Mobile::parse("6012201999").is_err()); // a landline of Bogotá
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MobileError {
    #[error("Escriba el número de celular.")]
    Required,
    #[error(
        "«{found}» no es un celular colombiano: debe tener 10 dígitos y empezar por 3 (p. ej. 300 123 4567)."
    )]
    NotColombianMobile { found: String },
}

impl ErrorCode for MobileError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "mobile_required",
            Self::NotColombianMobile { .. } => "mobile_not_colombian",
        }
    }
}

impl Mobile {
    pub fn parse(input: &str) -> Result<Self, MobileError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(MobileError::Required);
        }
        let wrong = || MobileError::NotColombianMobile {
            found: trimmed.to_owned(),
        };
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.'))
            || trimmed.chars().skip(1).any(|c| c == '+')
        {
            return Err(wrong());
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let national = match digits.len() {
            10 if !trimmed.starts_with('+') => digits.as_str(),
            12 if digits.starts_with("57") => &digits[2..],
            _ => return Err(wrong()),
        };
        if !national.starts_with('3') {
            return Err(wrong());
        }
        Ok(Self(format!("+57{national}")))
    }
}

impl AsRef<str> for Mobile {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// `+57 300 123 4567`, as people read it.
impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = &self.0[3..];
        write!(f, "+57 {} {} {}", &n[..3], &n[3..6], &n[6..])
    }
}

impl TryFrom<String> for Mobile {
    type Error = MobileError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Mobile> for String {
    fn from(value: Mobile) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_people_type() {
        for ok in [
            "ana@anm.gov.co",
            "ANA.CASTELLANOS@ANM.GOV.CO",
            "compras+veta@minera-diluvio.com",
            "a_b@x.co",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ana",
            "ana@",
            "@anm.gov.co",
            "ana@@anm.co",
            "ana @anm.co",
            "ana@anm",
            "ana@anm.c",
            "ana@-anm.co",
            "ana..b@anm.co",
            ".ana@anm.co",
            "ana@anm..co",
            "ana@anm.c0",
        ] {
            assert_eq!(
                EmailAddress::parse(bad).map_err(|e| e.code()),
                Err("email_malformed"),
                "{bad}"
            );
        }
        assert_eq!(EmailAddress::parse("  "), Err(EmailAddressError::Required));
    }

    #[test]
    fn email_length_bounds() {
        let at_limit = format!("{}@{}.co", "a".repeat(64), "b".repeat(63));
        assert!(EmailAddress::parse(&at_limit).is_ok());
        let local_too_long = format!("{}@b.co", "a".repeat(65));
        assert!(EmailAddress::parse(&local_too_long).is_err());
        let too_long = format!("a@{}.co", vec!["b".repeat(63); 4].join("."));
        assert_eq!(
            EmailAddress::parse(&too_long),
            Err(EmailAddressError::TooLong { max: 254 })
        );
    }

    #[test]
    fn mobiles_people_type() {
        for (typed, stored) in [
            ("3001234567", "+573001234567"),
            ("300 123 4567", "+573001234567"),
            ("+57 300 123 4567", "+573001234567"),
            ("+573151234567", "+573151234567"),
            ("573151234567", "+573151234567"),
            ("(315) 123-4567", "+573151234567"),
        ] {
            assert_eq!(
                Mobile::parse(typed).map(|m| m.0),
                Ok(stored.to_owned()),
                "{typed}"
            );
        }
        for bad in [
            "300123456",
            "30012345678",
            "6012201999",
            "+1 300 123 4567",
            "57+3001234567",
            "300-abc-4567",
        ] {
            assert_eq!(
                Mobile::parse(bad).map_err(|e| e.code()),
                Err("mobile_not_colombian"),
                "{bad}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_colombian_mobile_round_trips(n in 3_000_000_000u64..=3_999_999_999u64) {
            let mobile = Mobile::parse(&n.to_string()).expect("a mobile");
            let shown = format!("{mobile}"); // "+57 300 123 4567", as people read it
            prop_assert_eq!(Mobile::parse(&shown), Ok(mobile.clone()));
            prop_assert_eq!(Mobile::parse(mobile.as_ref()), Ok(mobile));
        }

        #[test]
        fn parsing_an_email_is_idempotent(local in "[a-z0-9._+-]{1,20}", domain in "[a-z0-9]{1,10}\\.(co|com|gov\\.co)") {
            if let Ok(email) = EmailAddress::parse(&format!("{local}@{domain}")) {
                prop_assert_eq!(EmailAddress::parse(email.as_ref()), Ok(email.clone()));
            }
        }
    }
}
