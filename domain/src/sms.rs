//! The size of a text message: what fits in one SMS segment.
//!
//! Why it matters: a validation code's SMS states what the seller approves, and an SMS longer than
//! one segment arrives in pieces (or late, or not at all on some networks) and costs more. A
//! segment holds 160 characters of the GSM 03.38 alphabet (the *GSM-7* default alphabet, where the
//! extension characters such as `€` take two), but only 70 as soon as one character is outside it:
//! `á`, `í`, `ó`, `ú` are not in it, so messages are written without those accents
//! ([`to_gsm7`]).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Septets in one GSM-7 segment.
pub const SMS_SEGMENT_SEPTETS: usize = 160;

/// The GSM 03.38 basic character set (one septet each).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table (an escape septet plus one: two septets each).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

/// Septets `text` takes in GSM-7, or `None` if a character is outside the alphabet (the message
/// would then travel as UCS-2, 70 characters a segment).
///
/// ```
/// use domain::sms::gsm7_septets;
/// assert_eq!(gsm7_septets("Codigo: 1234"), Some(12));
/// assert_eq!(gsm7_septets("€5"), Some(3));
/// assert_eq!(gsm7_septets("código"), None);
/// ```
pub fn gsm7_septets(text: &str) -> Option<usize> {
    text.chars().try_fold(0usize, |septets, c| {
        if GSM7_BASIC.contains(c) {
            Some(septets + 1)
        } else if GSM7_EXTENSION.contains(c) {
            Some(septets + 2)
        } else {
            None
        }
    })
}

/// Whether `text` travels as one GSM-7 segment.
pub fn fits_one_segment(text: &str) -> bool {
    gsm7_septets(text).is_some_and(|septets| septets <= SMS_SEGMENT_SEPTETS)
}

/// `text` in the GSM-7 alphabet: accents the alphabet lacks are dropped (`á` → `a`, `Í` → `I`;
/// `é`, `ñ`, `ü` are kept, the alphabet has them), typographic quotes and dashes become plain ones,
/// and anything else outside the alphabet becomes `?`.
///
/// ```
/// use domain::sms::{gsm7_septets, to_gsm7};
/// assert_eq!(to_gsm7("Código de validación: JOSÉ NIÑO"), "Codigo de validacion: JOSÉ NIÑO");
/// assert_eq!(to_gsm7("“Oro” — 10 g"), "\"Oro\" - 10 g");
/// assert!(gsm7_septets(&to_gsm7("CARBÓN • ✓")).is_some());
/// ```
pub fn to_gsm7(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if GSM7_BASIC.contains(c) || GSM7_EXTENSION.contains(c) {
            out.push(c);
            continue;
        }
        let replacement = match c {
            '“' | '”' | '«' | '»' => '"',
            '‘' | '’' | '´' | '`' => '\'',
            '–' | '—' | '•' | '·' => '-',
            '\t' | '\u{a0}' => ' ',
            _ => {
                // A letter with a mark the alphabet lacks: keep the base letter if it is in it.
                let base: String = c.nfd().filter(|d| !is_combining_mark(*d)).collect();
                match base.chars().next() {
                    Some(b) if base.chars().count() == 1 && GSM7_BASIC.contains(b) => b,
                    _ => '?',
                }
            }
        };
        out.push(replacement);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_segment_is_160_septets() {
        assert!(fits_one_segment(&"a".repeat(160)));
        assert!(!fits_one_segment(&"a".repeat(161)));
        // The euro takes two septets.
        assert!(!fits_one_segment(&format!("{}€", "a".repeat(159))));
        assert!(!fits_one_segment("validación"));
    }

    #[test]
    fn accents_outside_the_alphabet_are_dropped() {
        assert_eq!(to_gsm7("áíóúÁÍÓÚ"), "aiouAIOU");
        assert_eq!(to_gsm7("éñüÉÑÜ"), "éñüÉÑÜ");
        assert_eq!(to_gsm7("中"), "?");
    }

    proptest! {
        #[test]
        fn the_conversion_is_always_gsm7_and_keeps_the_length(text in "\\PC{0,200}") {
            let converted = to_gsm7(&text);
            prop_assert!(gsm7_septets(&converted).is_some());
            prop_assert_eq!(converted.chars().count(), text.chars().count());
        }
    }
}
