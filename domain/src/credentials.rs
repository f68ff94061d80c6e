//! What a person types to sign in: a user name or email, a password, a one-time code.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::contact::EmailAddress;
use crate::error_code::ErrorCode;

pub const USERNAME_MIN_CHARS: usize = 3;
pub const USERNAME_MAX_CHARS: usize = 40;

/// A user name: lowercase ASCII letters, digits, `.`, `_`, `-`; starts with a letter. No `@`, so
/// a user name and an email can never be confused at sign-in.
///
/// ```
/// use domain::Username;
/// assert_eq!(Username::parse(" Ana.Castellanos ").unwrap().as_ref(), "ana.castellanos");
/// assert!(Username::parse("ana castellanos").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsernameError {
    #[error("Escriba el nombre de usuario.")]
    Required,
    #[error(
        "El nombre de usuario debe tener entre {min} y {max} caracteres: letras sin tilde, dígitos, punto, guion o guion bajo, y empezar por una letra."
    )]
    Malformed { min: usize, max: usize },
}

impl ErrorCode for UsernameError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "username_required",
            Self::Malformed { .. } => "username_malformed",
        }
    }
}

impl Username {
    pub fn parse(input: &str) -> Result<Self, UsernameError> {
        let normal = input.trim().to_lowercase();
        if normal.is_empty() {
            return Err(UsernameError::Required);
        }
        let ok = (USERNAME_MIN_CHARS..=USERNAME_MAX_CHARS).contains(&normal.len())
            && normal.starts_with(|c: char| c.is_ascii_lowercase())
            && normal.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if ok {
            Ok(Self(normal))
        } else {
            Err(UsernameError::Malformed {
                min: USERNAME_MIN_CHARS,
                max: USERNAME_MAX_CHARS,
            })
        }
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What the sign-in form's first field holds: "Usuario / Correo electrónico".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginIdentifier {
    Username(Username),
    Email(EmailAddress),
}

impl LoginIdentifier {
    /// An `@` makes it an email; anything else must be a user name. An identifier that is neither
    /// is not an error the person can learn anything from, so callers treat it as "wrong
    /// credentials" (never revealing which accounts exist).
    pub fn parse(input: &str) -> Option<Self> {
        if input.contains('@') {
            EmailAddress::parse(input).ok().map(Self::Email)
        } else {
            Username::parse(input).ok().map(Self::Username)
        }
    }
}

pub const PASSWORD_MIN_CHARS: usize = 10;
/// Argon2 hashes any length, but an unbounded input is a denial-of-service lever.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Passwords people choose first, in Spanish and English; refused whatever their length.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "0123456789",
    "contraseña",
    "contrasena",
    "contraseña1",
    "contraseña123",
    "password123",
    "password1234",
    "qwertyuiop",
    "colombia123",
    "colombia2025",
    "colombia2026",
    "administrador",
    "123456789a",
    "abcdefghij",
];

/// A new password that meets the policy (NIST SP 800-63B: length over composition rules): 10 to 128
/// characters, not one repeated character, not a common password, not the user name or email.
/// Only new passwords are checked; signing in compares whatever was typed.
///
/// ```
/// use domain::NewPassword;
/// assert!(NewPassword::parse("cobre y plata 2026", &["ana"]).is_ok());
/// assert!(NewPassword::parse("corta", &[]).is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordError {
    #[error("Escriba la contraseña.")]
    Required,
    #[error(
        "La contraseña debe tener al menos {min} caracteres; tiene {found}. Una frase corta es fácil de recordar."
    )]
    TooShort { min: usize, found: usize },
    #[error("La contraseña puede tener hasta {max} caracteres.")]
    TooLong { max: usize },
    #[error("Esa contraseña es de las más usadas y se adivina fácilmente: elija otra.")]
    TooCommon,
    #[error("La contraseña no puede contener su nombre de usuario ni su correo.")]
    ContainsIdentity,
    #[error("La confirmación no coincide con la contraseña.")]
    ConfirmationMismatch,
}

impl ErrorCode for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "password_required",
            Self::TooShort { .. } => "password_too_short",
            Self::TooLong { .. } => "password_too_long",
            Self::TooCommon => "password_too_common",
            Self::ContainsIdentity => "password_contains_identity",
            Self::ConfirmationMismatch => "password_confirmation_mismatch",
        }
    }
}

impl NewPassword {
    /// `identity`: the user name, email and similar words the password must not contain.
    pub fn parse(input: &str, identity: &[&str]) -> Result<Self, PasswordError> {
        if input.is_empty() {
            return Err(PasswordError::Required);
        }
        let found = input.chars().count();
        if found < PASSWORD_MIN_CHARS {
            return Err(PasswordError::TooShort {
                min: PASSWORD_MIN_CHARS,
                found,
            });
        }
        if found > PASSWORD_MAX_CHARS {
            return Err(PasswordError::TooLong {
                max: PASSWORD_MAX_CHARS,
            });
        }
        let lower = input.to_lowercase();
        let mut chars = lower.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) || COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(PasswordError::TooCommon);
        }
        // An email counts as itself and as its local part ("ana.c" of "ana.c@anm.gov.co").
        let contains_identity = identity
            .iter()
            .map(|word| word.trim().to_lowercase())
            .flat_map(|word| {
                let local = word.split('@').next().unwrap_or_default().to_owned();
                [word, local]
            })
            .filter(|word| word.chars().count() >= 3)
            .any(|word| lower.contains(&word));
        if contains_identity {
            return Err(PasswordError::ContainsIdentity);
        }
        Ok(Self(input.to_owned()))
    }

    /// Checks the password and that the confirmation repeats it.
    pub fn parse_confirmed(
        input: &str,
        confirmation: &str,
        identity: &[&str],
    ) -> Result<Self, PasswordError> {
        let password = Self::parse(input, identity)?;
        if input != confirmation {
            return Err(PasswordError::ConfirmationMismatch);
        }
        Ok(password)
    }

    /// The password itself: only for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Never prints the password.
impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// Digits of every one-time code. Eight, not six: with the guessing limits of
/// [`crate::one_time_code`] an attacker gets at most a few dozen tries a day against one account or
/// one seller, and only eight digits (10⁸ codes) keep the chance of a hit below one in a million a day.
pub const VERIFICATION_CODE_DIGITS: usize = 8;
/// How many different codes there are (10^[`VERIFICATION_CODE_DIGITS`]).
pub const VERIFICATION_CODE_SPACE: u64 = 100_000_000;

/// A one-time code as typed: exactly eight digits (spaces and hyphens people put in the middle,
/// as in `1234 5678`, are ignored).
///
/// ```
/// use domain::VerificationCode;
/// assert_eq!(VerificationCode::parse(" 1234 5678 ").unwrap().as_ref(), "12345678");
/// assert_eq!(VerificationCode::parse("1234-5678").unwrap().as_ref(), "12345678");
/// assert!(VerificationCode::parse("123456").is_err());
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct VerificationCode(String);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerificationCodeError {
    #[error("Escriba el código de {digits} dígitos que le enviamos.")]
    Required { digits: usize },
    #[error(
        "El código tiene {digits} dígitos, sin letras: revíselo en el mensaje que le enviamos."
    )]
    Malformed { digits: usize },
}

impl ErrorCode for VerificationCodeError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required { .. } => "code_required",
            Self::Malformed { .. } => "code_malformed",
        }
    }
}

impl VerificationCode {
    pub fn parse(input: &str) -> Result<Self, VerificationCodeError> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err(VerificationCodeError::Required {
                digits: VERIFICATION_CODE_DIGITS,
            });
        }
        if digits.len() != VERIFICATION_CODE_DIGITS || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(VerificationCodeError::Malformed {
                digits: VERIFICATION_CODE_DIGITS,
            });
        }
        Ok(Self(digits))
    }

    /// A code from a random number supplied by the caller, reduced modulo 10⁸: from a uniform
    /// `u64` the bias is below 10⁻¹¹, immaterial.
    pub fn from_random(random: u64) -> Self {
        Self(format!("{:08}", random % VERIFICATION_CODE_SPACE))
    }
}

impl AsRef<str> for VerificationCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VerificationCode(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn username_bounds() {
        assert!(Username::parse("ana").is_ok());
        assert!(Username::parse("an").is_err());
        assert!(Username::parse(&format!("a{}", "b".repeat(39))).is_ok());
        assert!(Username::parse(&format!("a{}", "b".repeat(40))).is_err());
        assert!(Username::parse("1ana").is_err());
        assert!(Username::parse("ana@x.co").is_err());
        assert!(Username::parse("peña").is_err());
        assert_eq!(Username::parse(""), Err(UsernameError::Required));
    }

    #[test]
    fn login_identifier_tells_email_from_username() {
        assert!(
            matches!(LoginIdentifier::parse("Ana@ANM.gov.co"), Some(LoginIdentifier::Email(e)) if e.as_ref() == "ana@anm.gov.co")
        );
        assert!(matches!(
            LoginIdentifier::parse("ana.c"),
            Some(LoginIdentifier::Username(_))
        ));
        assert_eq!(LoginIdentifier::parse("ana c"), None);
        assert_eq!(LoginIdentifier::parse("@"), None);
    }

    #[test]
    fn password_policy() {
        assert_eq!(
            NewPassword::parse("123456789", &[]),
            Err(PasswordError::TooShort { min: 10, found: 9 })
        );
        assert!(
            NewPassword::parse("áéíóúñ1234", &[]).is_ok(),
            "10 characters, not bytes"
        );
        assert!(NewPassword::parse(&"x".repeat(128).replacen('x', "y", 1), &[]).is_ok());
        assert_eq!(
            NewPassword::parse(&"xy".repeat(65), &[]),
            Err(PasswordError::TooLong { max: 128 })
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa", &[]),
            Err(PasswordError::TooCommon)
        );
        assert_eq!(
            NewPassword::parse("Contraseña123", &[]),
            Err(PasswordError::TooCommon)
        );
        assert_eq!(
            NewPassword::parse("ana.castellanos!", &["ana.castellanos"]),
            Err(PasswordError::ContainsIdentity)
        );
        assert_eq!(
            NewPassword::parse("soy-ana.c-2026", &["ana.c@anm.gov.co"]),
            Err(PasswordError::ContainsIdentity)
        );
        assert_eq!(
            NewPassword::parse_confirmed("cobre y plata 2026", "cobre y plata 2025", &[]),
            Err(PasswordError::ConfirmationMismatch)
        );
        assert!(!format!("{:?}", NewPassword::parse("cobre y plata 2026", &[])).contains("cobre"));
    }

    #[test]
    fn verification_codes() {
        assert_eq!(VerificationCode::from_random(42).as_ref(), "00000042");
        assert_eq!(VerificationCode::from_random(u64::MAX).as_ref(), "09551615");
        assert!(VerificationCode::parse("12a45678").is_err());
        assert!(VerificationCode::parse("1234567").is_err());
        assert!(VerificationCode::parse("123456789").is_err());
        assert_eq!(
            VerificationCode::parse("").map_err(|e| e.code()),
            Err("code_required")
        );
    }

    proptest! {
        #[test]
        fn every_generated_code_parses(random in any::<u64>()) {
            let code = VerificationCode::from_random(random);
            prop_assert_eq!(VerificationCode::parse(code.as_ref()), Ok(code));
        }
    }
}
