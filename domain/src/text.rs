//! Text helpers shared by the look-ups: one folding rule so that "la virginia", "LA VIRGINIA" and
//! "La Virgínia" find the same place, and one minimal CSV reader for the embedded reference data.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds a name for comparison, never for display: lowercase, accents removed (`á` → `a`, `ñ` → `n`),
/// `.`, `,` and `'` dropped, hyphens, underscores and runs of whitespace turned into one space.
///
/// Dropping dots and commas lets "Bogota dc" match "BOGOTÁ, D.C."; turning hyphens into spaces lets
/// "SOTARÁ-PAISPAMBA" match "SOTARÁ PAISPAMBA" (the two spellings DANE and datos.gov.co use).
pub(crate) fn fold(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfd() {
        if is_combining_mark(c) || matches!(c, '.' | ',' | '\'' | '´' | '`') {
            continue;
        }
        if c.is_whitespace() || c == '-' || c == '_' {
            pending_space = !folded.is_empty();
            continue;
        }
        if pending_space {
            folded.push(' ');
            pending_space = false;
        }
        folded.extend(c.to_lowercase());
    }
    folded
}

/// Trims, collapses runs of whitespace into one space and recomposes accents (NFC), so that a name
/// typed on a phone (which may send `A` + combining acute) is stored like one typed on a PC.
pub(crate) fn collapse_whitespace_nfc(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for word in input.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.nfc());
    }
    out
}

/// Longest piece of a user's value that an error message repeats back: enough to recognise it,
/// bounded so that a pasted megabyte never ends up in a message, a log or a JSON error body.
pub(crate) const MAX_ECHO_CHARS: usize = 40;

/// The user's value as an error message quotes it: trimmed and cut at [`MAX_ECHO_CHARS`].
pub(crate) fn echo(input: &str) -> String {
    let trimmed = input.trim();
    if trimmed.chars().count() <= MAX_ECHO_CHARS {
        return trimmed.to_owned();
    }
    let mut cut: String = trimmed.chars().take(MAX_ECHO_CHARS).collect();
    cut.push('…');
    cut
}

/// Splits one line of the embedded CSV files. They use minimal quoting (README of the data): a field
/// is quoted only when it contains a comma, and no field contains a quote, so a quoted field is a
/// plain slice of the line between its quotes. Returning slices keeps every name `&'static str`.
pub(crate) fn split_csv_line(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        let (field, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            (&quoted[..end], quoted.get(end + 1..).unwrap_or(""))
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        fields.push(field);
        match after.strip_prefix(',') {
            Some(next) => rest = next,
            None => break,
        }
    }
    fields
}

/// The data lines of an embedded CSV file: header skipped, blank lines skipped, `\r` tolerated.
pub(crate) fn csv_records(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .skip(1)
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .map(split_csv_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_ignores_case_accents_and_punctuation() {
        assert_eq!(fold("BOGOTÁ, D.C."), "bogota dc");
        assert_eq!(fold("Bogota, d.c."), "bogota dc");
        assert_eq!(fold("  La   Virginia "), "la virginia");
        assert_eq!(fold("NARIÑO"), "narino");
        assert_eq!(fold("SOTARÁ-PAISPAMBA"), fold("Sotara Paispamba"));
        // Decomposed input (A + U+0301) folds like the precomposed letter.
        assert_eq!(fold("A\u{301}RBOL"), fold("ÁRBOL"));
    }

    #[test]
    fn collapse_whitespace_recomposes_accents() {
        assert_eq!(
            collapse_whitespace_nfc("  MINERA   EL\tDILUVIO  "),
            "MINERA EL DILUVIO"
        );
        assert_eq!(collapse_whitespace_nfc("A\u{301}"), "Á");
    }

    #[test]
    fn echo_is_bounded() {
        assert_eq!(echo("  oro "), "oro");
        let long = "x".repeat(MAX_ECHO_CHARS + 10);
        assert_eq!(echo(&long).chars().count(), MAX_ECHO_CHARS + 1);
        assert_eq!(
            echo(&"y".repeat(MAX_ECHO_CHARS)),
            "y".repeat(MAX_ECHO_CHARS)
        );
    }

    #[test]
    fn csv_line_with_quoted_fields() {
        assert_eq!(
            split_csv_line("11,\"BOGOTÁ, D.C.\",11001,\"BOGOTÁ, D.C.\""),
            vec!["11", "BOGOTÁ, D.C.", "11001", "BOGOTÁ, D.C."]
        );
        assert_eq!(
            split_csv_line("05,ANTIOQUIA,05001,MEDELLÍN"),
            vec!["05", "ANTIOQUIA", "05001", "MEDELLÍN"]
        );
        assert_eq!(split_csv_line("a,,c"), vec!["a", "", "c"]);
        assert_eq!(split_csv_line("\"x, y\",z"), vec!["x, y", "z"]);
    }
}
