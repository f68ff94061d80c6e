//! Field errors: how every rule violation reaches a person (next to the field) and an ERP (JSON).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;

/// One violated rule on one field.
///
/// - `field`: a stable path into the submitted document, with 0-based indexes as in JSON
///   (`seller.document_number`, `lines[2].quantity`); the browser puts the message next to it.
/// - `code`: a stable machine code (`nit_check_digit`); clients switch on it.
/// - `message`: Spanish, starts with the field's label as people see it (lines counted from 1)
///   and says what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl FieldError {
    /// A field error from a rule violation; the message is `"{label}: {violation}"`.
    ///
    /// ```
    /// use domain::{FieldError, Nit};
    /// let error = Nit::parse("901304961-8").unwrap_err();
    /// let field = FieldError::from_violation("seller.document_number", "Número de documento", &error);
    /// assert_eq!(field.code, "nit_check_digit");
    /// assert!(field.message.starts_with("Número de documento: "));
    /// ```
    pub fn from_violation(
        field: impl Into<String>,
        label: &str,
        violation: &dyn ErrorCode,
    ) -> Self {
        Self {
            field: field.into(),
            code: violation.code().to_owned(),
            message: format!("{label}: {violation}"),
        }
    }
}

/// Every error found in a submitted document, in the order of its fields. Never empty when
/// returned as an error.
///
/// JSON form: `{"errors": [{"field": "...", "code": "...", "message": "..."}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Error)]
#[error("{} error(es): {}", errors.len(), errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" | "))]
pub struct ValidationErrors {
    pub errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// The errors of a form with one field in error.
    ///
    /// ```
    /// use domain::{ValidationErrors, VerificationCode};
    /// let violation = VerificationCode::parse("12").unwrap_err();
    /// let errors = ValidationErrors::one("code", "Código", &violation);
    /// assert_eq!(errors.errors[0].code, "code_malformed");
    /// ```
    pub fn one(field: impl Into<String>, label: &str, violation: &dyn ErrorCode) -> Self {
        Self {
            errors: vec![FieldError::from_violation(field, label, violation)],
        }
    }

    /// The errors of one field (for the browser).
    pub fn for_field<'a>(&'a self, field: &'a str) -> impl Iterator<Item = &'a FieldError> + 'a {
        self.errors.iter().filter(move |e| e.field == field)
    }

    /// Whether any error carries this code.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// Records the error of a result and returns its value, so that validation goes on and
    /// collects every error instead of stopping at the first.
    pub(crate) fn take<T, E: ErrorCode>(
        &mut self,
        field: impl Into<String>,
        label: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors
                    .push(FieldError::from_violation(field, label, &error));
                None
            }
        }
    }

    /// Records a violation.
    pub fn push(&mut self, field: impl Into<String>, label: &str, violation: &dyn ErrorCode) {
        self.errors
            .push(FieldError::from_violation(field, label, violation));
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sha256Hex;

    #[test]
    fn collects_and_serialises() {
        let mut errors = ValidationErrors::default();
        let ok = errors.take(
            "transaction.sha256",
            "Código SHA-256",
            Sha256Hex::parse(&"a".repeat(64)),
        );
        assert!(ok.is_some() && errors.is_empty());
        let bad = errors.take(
            "transaction.sha256",
            "Código SHA-256",
            Sha256Hex::parse(&"a".repeat(63)),
        );
        assert!(bad.is_none());
        assert!(errors.has_code("sha256_length"));
        assert_eq!(errors.for_field("transaction.sha256").count(), 1);
        let json = serde_json::to_value(&errors).expect("json");
        assert_eq!(json["errors"][0]["field"], "transaction.sha256");
        assert_eq!(json["errors"][0]["code"], "sha256_length");
        let message = json["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("Código SHA-256: ") && message.contains("63 de 64"),
            "{message}"
        );
        assert!(errors.to_string().starts_with("1 error(es): "));
    }
}
