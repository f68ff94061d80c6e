//! The seller's name: a company's *razón social* or a person's names and surnames.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::text::collapse_whitespace_nfc;

/// Fewest characters of a name ("LUZ", "ANA" are real names; two letters are initials, not a name).
pub const RAZON_SOCIAL_MIN_CHARS: usize = 3;
/// Most characters: the RUT allows 450 for a razón social, but names on invoices and in the PTM's
/// e-mails are far shorter; 200 holds every name in RUCOM and keeps e-mails and screens readable.
pub const RAZON_SOCIAL_MAX_CHARS: usize = 200;

/// A razón social or a person's full name, normalised as the PTM shows them: trimmed, one space
/// between words, uppercase ("MINERA EL DILUVIO GOLD S.A.S").
///
/// ```
/// use domain::RazonSocial;
/// let name = RazonSocial::parse("  Minera el   Diluvio Gold S.A.S ").unwrap();
/// assert_eq!(name.as_ref(), "MINERA EL DILUVIO GOLD S.A.S");
/// assert!(RazonSocial::parse("ab").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RazonSocial(String);

/// Why a text is not a valid name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RazonSocialError {
    #[error("Escriba la razón social o los nombres y apellidos.")]
    Required,
    #[error("La razón social o el nombre debe tener al menos {min} caracteres; tiene {found}.")]
    TooShort { min: usize, found: usize },
    #[error(
        "La razón social o el nombre puede tener hasta {max} caracteres; tiene {found}. Abrévielo."
    )]
    TooLong { max: usize, found: usize },
    #[error(
        "La razón social o el nombre tiene un carácter de control invisible en la posición {position}; vuelva a escribirlo sin pegarlo."
    )]
    ControlCharacter { position: usize },
    #[error(
        "La razón social o el nombre tiene un carácter invisible o de control de dirección del texto en la posición {position}; vuelva a escribirlo sin pegarlo."
    )]
    InvisibleCharacter { position: usize },
    #[error(
        "La razón social o el nombre no puede incluir direcciones web ni de correo («{found}»): escríbalo como aparece en el RUT."
    )]
    LooksLikeAddress { found: String },
}

impl ErrorCode for RazonSocialError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "razon_social_required",
            Self::TooShort { .. } => "razon_social_too_short",
            Self::TooLong { .. } => "razon_social_too_long",
            Self::ControlCharacter { .. } => "razon_social_control_character",
            Self::InvisibleCharacter { .. } => "razon_social_invisible_character",
            Self::LooksLikeAddress { .. } => "razon_social_address",
        }
    }
}

impl RazonSocial {
    /// Normalises and checks a name as typed. Tabs and line breaks count as spaces (pasted text);
    /// any other control character is refused, as it would corrupt e-mails and the TXT files.
    ///
    /// Names are shown to other participants (in emails, SMS and screens), so a name may not
    /// smuggle in what would deceive them: invisible and bidirectional-control characters (which
    /// reorder or hide text) and web or email addresses (a phishing link in a razón social).
    pub fn parse(input: &str) -> Result<Self, RazonSocialError> {
        if let Some(position) = input
            .chars()
            .position(|c| c.is_control() && !c.is_whitespace())
        {
            return Err(RazonSocialError::ControlCharacter {
                position: position + 1,
            });
        }
        if let Some(position) = input.chars().position(is_invisible) {
            return Err(RazonSocialError::InvisibleCharacter {
                position: position + 1,
            });
        }
        if let Some(found) = address_in(input) {
            return Err(RazonSocialError::LooksLikeAddress {
                found: crate::text::echo(found),
            });
        }
        let normal = collapse_whitespace_nfc(input).to_uppercase();
        let found = normal.chars().count();
        if found == 0 {
            return Err(RazonSocialError::Required);
        }
        if found < RAZON_SOCIAL_MIN_CHARS {
            return Err(RazonSocialError::TooShort {
                min: RAZON_SOCIAL_MIN_CHARS,
                found,
            });
        }
        if found > RAZON_SOCIAL_MAX_CHARS {
            return Err(RazonSocialError::TooLong {
                max: RAZON_SOCIAL_MAX_CHARS,
                found,
            });
        }
        Ok(Self(normal))
    }
}

/// Format characters (Unicode category Cf: zero-width spaces and joiners, bidirectional marks,
/// embeddings, overrides and isolates, the BOM, tags) and variation selectors: none belongs in a
/// name, and each can hide or reorder what a reader sees.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// Top-level domains that make a word read as a web address ("minera.com", "pago.co/x").
const ADDRESS_DOMAINS: [&str; 20] = [
    "com", "co", "net", "org", "io", "info", "biz", "xyz", "me", "ly", "app", "site", "online",
    "link", "top", "click", "gov", "edu", "shop", "store",
];

/// The first word of `input` that reads as a web or email address, if any. Abbreviations such
/// as "S.A.S.", "C.I." or "LTDA." are not: their parts are single letters or have no domain after
/// the dot.
fn address_in(input: &str) -> Option<&str> {
    input.split_whitespace().find(|word| {
        let lower = word.to_lowercase();
        if lower.contains("://") || lower.starts_with("www.") || lower.contains("http") {
            return true;
        }
        if let Some((local, domain)) = lower.split_once('@') {
            return !local.is_empty() && domain.contains('.');
        }
        let host = lower.split('/').next().unwrap_or_default();
        let trimmed = host.trim_matches(|c: char| !c.is_alphanumeric());
        let mut labels = trimmed.rsplit('.');
        let (Some(tld), Some(name)) = (labels.next(), labels.next()) else {
            return false;
        };
        ADDRESS_DOMAINS.contains(&tld) && name.chars().filter(|c| c.is_alphanumeric()).count() >= 2
    })
}

impl AsRef<str> for RazonSocial {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RazonSocial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RazonSocial {
    type Error = RazonSocialError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RazonSocial> for String {
    fn from(name: RazonSocial) -> Self {
        name.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn seed_names() {
        let company = RazonSocial::parse("MINERA EL DILUVIO GOLD S.A.S").expect("seed 000");
        assert_eq!(company.as_ref(), "MINERA EL DILUVIO GOLD S.A.S");
        let person = RazonSocial::parse("German Londoño  Varela").expect("seed 000");
        assert_eq!(person.as_ref(), "GERMAN LONDOÑO VARELA");
    }

    #[test]
    fn length_bounds() {
        assert_eq!(RazonSocial::parse("   "), Err(RazonSocialError::Required));
        assert_eq!(
            RazonSocial::parse("ab"),
            Err(RazonSocialError::TooShort { min: 3, found: 2 })
        );
        assert!(RazonSocial::parse("ana").is_ok());
        assert!(RazonSocial::parse(&"Ñ".repeat(RAZON_SOCIAL_MAX_CHARS)).is_ok());
        assert_eq!(
            RazonSocial::parse(&"a".repeat(RAZON_SOCIAL_MAX_CHARS + 1)),
            Err(RazonSocialError::TooLong {
                max: 200,
                found: 201
            })
        );
    }

    #[test]
    fn control_characters_are_refused_but_pasted_whitespace_is_collapsed() {
        assert_eq!(
            RazonSocial::parse("MINERA\u{0}X"),
            Err(RazonSocialError::ControlCharacter { position: 7 })
        );
        assert_eq!(
            RazonSocial::parse("MINERA\r\n\tSUR").expect("ok").as_ref(),
            "MINERA SUR"
        );
    }

    #[test]
    fn decomposed_accents_are_recomposed() {
        let a = RazonSocial::parse("London\u{303}o").expect("decomposed");
        let b = RazonSocial::parse("Londoño").expect("precomposed");
        assert_eq!(a, b);
    }

    #[test]
    fn names_may_not_hide_text_or_carry_addresses() {
        for hidden in [
            "MINERA\u{202E}SAS",
            "ORO\u{200B}CAUCA",
            "\u{2066}ORO\u{2069} S.A.S",
            "ORO\u{FEFF}",
        ] {
            assert!(
                matches!(
                    RazonSocial::parse(hidden),
                    Err(RazonSocialError::InvisibleCharacter { .. })
                ),
                "{hidden:?}"
            );
        }
        for address in [
            "Pagos www.veta-pagos.co",
            "MINERA https://x.y",
            "ORO PAGO.COM S.A.S",
            "escriba a pagos@minera.co",
            "minera.co/pagar",
        ] {
            assert!(
                matches!(
                    RazonSocial::parse(address),
                    Err(RazonSocialError::LooksLikeAddress { .. })
                ),
                "{address}"
            );
        }
        for fine in [
            "C.I. ORO DEL CAUCA S.A.S.",
            "MINERA EL DILUVIO GOLD S.A.S",
            "COMERCIALIZADORA ORO & PLATA LTDA.",
            "JOSÉ ANTONIO RENTERÍA MOSQUERA",
            "E.U. MINAS DEL CHOCÓ",
        ] {
            assert!(RazonSocial::parse(fine).is_ok(), "{fine}");
        }
    }

    proptest! {
        #[test]
        fn parse_is_idempotent(input in "[a-zA-Záéíóúñ .,&-]{3,60}") {
            if let Ok(name) = RazonSocial::parse(&input) {
                prop_assert_eq!(RazonSocial::parse(name.as_ref()), Ok(name.clone()));
                prop_assert!(!name.as_ref().contains("  "));
                prop_assert_eq!(name.as_ref().trim(), name.as_ref());
            }
        }
    }
}
