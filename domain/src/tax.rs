//! Taxes and withholdings on a sale, and the sale's values before and after them.
//!
//! # Withholdings do not add: they are subtracted from what is paid
//!
//! In Colombia the *retenciones* (retención en la fuente, ReteIVA, ReteICA) are amounts the buyer,
//! as withholding agent, keeps from the payment and pays to the DIAN or the municipality on the
//! seller's behalf, as an advance on the seller's own taxes. They change neither the sale's value
//! nor the invoice total, only the money that reaches the seller. So:
//!
//! - *valor venta antes de impuestos* = Σ line values;
//! - *valor venta incluido impuestos* = that + IVA + ICA + other taxes (the seed's form: ORO 10 g at
//!   1.000.000 + IVA 100.000 = 1.100.000; its Web Service example adds ICA next to IVA);
//! - withholdings are listed apart and *valor a pagar* = valor incluido impuestos − withholdings,
//!   refused if the withholdings exceed it.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::money::{Currency, Money, MoneyError};
use crate::text::{collapse_whitespace_nfc, echo, fold};

/// Fewest characters of the description an "Otro" tax needs.
pub const TAX_DESCRIPTION_MIN_CHARS: usize = 3;
/// Most characters of a tax description (it is printed on one line of the e-mail and the screen).
pub const TAX_DESCRIPTION_MAX_CHARS: usize = 100;

/// The kinds of tax and withholding a sale may carry.
///
/// ```
/// use domain::TaxKind;
/// assert_eq!(TaxKind::parse("iva").unwrap(), TaxKind::Iva);
/// assert_eq!(TaxKind::RetencionFuente.code(), "RETEFUENTE");
/// assert!(TaxKind::ReteIca.is_withholding());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaxKind {
    /// Impuesto sobre las ventas.
    #[serde(rename = "IVA")]
    Iva,
    /// Impuesto de industria y comercio.
    #[serde(rename = "ICA")]
    Ica,
    /// Retención en la fuente (withheld by the buyer).
    #[serde(rename = "RETEFUENTE")]
    RetencionFuente,
    /// Retención de IVA (withheld by the buyer).
    #[serde(rename = "RETEIVA")]
    ReteIva,
    /// Retención de ICA (withheld by the buyer).
    #[serde(rename = "RETEICA")]
    ReteIca,
    /// Another tax charged on the sale (a stamp duty, a contribution); needs a description.
    #[serde(rename = "OTRO")]
    Otro,
}

impl TaxKind {
    /// Every kind, in the order of the selector.
    pub const ALL: [TaxKind; 6] = [
        Self::Iva,
        Self::Ica,
        Self::RetencionFuente,
        Self::ReteIva,
        Self::ReteIca,
        Self::Otro,
    ];

    /// Stable code for the API and storage.
    pub fn code(self) -> &'static str {
        match self {
            Self::Iva => "IVA",
            Self::Ica => "ICA",
            Self::RetencionFuente => "RETEFUENTE",
            Self::ReteIva => "RETEIVA",
            Self::ReteIca => "RETEICA",
            Self::Otro => "OTRO",
        }
    }

    /// Spanish name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Iva => "IVA",
            Self::Ica => "ICA",
            Self::RetencionFuente => "Retención en la fuente",
            Self::ReteIva => "ReteIVA",
            Self::ReteIca => "ReteICA",
            Self::Otro => "Otro",
        }
    }

    /// Whether the buyer withholds it from the payment (subtracted), rather than charging it on
    /// top of the sale (added). See the module documentation.
    pub fn is_withholding(self) -> bool {
        matches!(self, Self::RetencionFuente | Self::ReteIva | Self::ReteIca)
    }

    /// Reads a code or a label, ignoring case, accents and spaces (`iva`, `Rete Fuente`,
    /// `retención en la fuente`).
    pub fn parse(input: &str) -> Result<Self, TaxError> {
        let key = fold(input).replace(' ', "");
        if key.is_empty() {
            return Err(TaxError::KindRequired);
        }
        Self::ALL
            .into_iter()
            .find(|k| fold(k.code()) == key || fold(k.label()).replace(' ', "") == key)
            .or(match key.as_str() {
                "retencion" | "retefte" | "rtefte" => Some(Self::RetencionFuente),
                _ => None,
            })
            .ok_or_else(|| TaxError::UnknownTaxKind { value: echo(input) })
    }
}

impl fmt::Display for TaxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One tax or withholding line of a sale.
///
/// ```
/// use domain::{Currency, Money, Tax, TaxKind};
/// let iva = Tax::new(TaxKind::Iva, Money::parse("100.000", Currency::Cop).unwrap(), None).unwrap();
/// assert_eq!(iva.amount().to_string(), "COP $ 100.000,00");
/// assert!(Tax::new(TaxKind::Otro, Money::zero(Currency::Cop), None).is_err()); // needs a description
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawTax")]
pub struct Tax {
    kind: TaxKind,
    amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
}

/// Why a tax line is not valid, or sale values cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TaxError {
    #[error("Seleccione el tipo de impuesto.")]
    KindRequired,
    #[error("El impuesto «{value}» no existe; use IVA, ICA, RETEFUENTE, RETEIVA, RETEICA u OTRO.")]
    UnknownTaxKind { value: String },
    #[error(
        "Describa el impuesto «Otro» (entre {min} y {max} caracteres), por ejemplo «Estampilla»."
    )]
    DescriptionRequired { min: usize, max: usize },
    #[error(
        "La descripción del impuesto debe tener entre {min} y {max} caracteres; tiene {found}."
    )]
    DescriptionLength {
        min: usize,
        max: usize,
        found: usize,
    },
    #[error(
        "Las retenciones ({withholdings}) superan el valor de la venta incluido impuestos ({including_taxes}); revise sus valores."
    )]
    WithholdingsExceedTotal {
        withholdings: Money,
        including_taxes: Money,
    },
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl ErrorCode for TaxError {
    fn code(&self) -> &'static str {
        match self {
            Self::KindRequired => "tax_kind_required",
            Self::UnknownTaxKind { .. } => "tax_kind_unknown",
            Self::DescriptionRequired { .. } => "tax_description_required",
            Self::DescriptionLength { .. } => "tax_description_length",
            Self::WithholdingsExceedTotal { .. } => "withholdings_exceed_total",
            Self::Money(error) => error.code(),
        }
    }
}

/// The JSON shape of a [`Tax`], checked by [`Tax::new`] on the way in.
#[derive(Deserialize)]
struct RawTax {
    kind: TaxKind,
    amount: Money,
    #[serde(default)]
    description: Option<String>,
}

impl TryFrom<RawTax> for Tax {
    type Error = TaxError;
    fn try_from(raw: RawTax) -> Result<Self, Self::Error> {
        Tax::new(raw.kind, raw.amount, raw.description.as_deref())
    }
}

impl Tax {
    /// A tax line. A description is required for `Otro` and optional for the others; it is
    /// trimmed and bounded.
    pub fn new(kind: TaxKind, amount: Money, description: Option<&str>) -> Result<Self, TaxError> {
        let description = description
            .map(collapse_whitespace_nfc)
            .filter(|d| !d.is_empty());
        let (min, max) = (TAX_DESCRIPTION_MIN_CHARS, TAX_DESCRIPTION_MAX_CHARS);
        match &description {
            None if kind == TaxKind::Otro => {
                return Err(TaxError::DescriptionRequired { min, max });
            }
            Some(text) => {
                let found = text.chars().count();
                if !(min..=max).contains(&found) || text.chars().any(char::is_control) {
                    return Err(TaxError::DescriptionLength { min, max, found });
                }
            }
            None => {}
        }
        Ok(Self {
            kind,
            amount,
            description,
        })
    }

    /// The kind.
    pub fn kind(&self) -> TaxKind {
        self.kind
    }

    /// The amount.
    pub fn amount(&self) -> Money {
        self.amount
    }

    /// The description, if any.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }
}

/// The values of a sale, as the *Valores de venta* box shows them.
///
/// ```
/// use domain::{Currency, Money, SaleValues, Tax, TaxKind};
/// let cop = |text| Money::parse(text, Currency::Cop).unwrap();
/// let iva = Tax::new(TaxKind::Iva, cop("100.000"), None).unwrap();
/// let values = SaleValues::compute(Currency::Cop, [cop("1.000.000")], &[iva]).unwrap();
/// assert_eq!(values.before_taxes().to_string(), "COP $ 1.000.000,00");
/// assert_eq!(values.including_taxes().to_string(), "COP $ 1.100.000,00");
/// assert_eq!(values.payable(), values.including_taxes());
/// ```
///
/// Serialised for display only: it is always computed, never read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SaleValues {
    currency: Currency,
    before_taxes: Money,
    taxes: Money,
    including_taxes: Money,
    withholdings: Money,
    payable: Money,
}

impl SaleValues {
    /// Sums line values and taxes, all in `currency` (any other currency is refused).
    pub fn compute(
        currency: Currency,
        line_values: impl IntoIterator<Item = Money>,
        taxes: &[Tax],
    ) -> Result<Self, TaxError> {
        let mut before_taxes = Money::zero(currency);
        for value in line_values {
            before_taxes = before_taxes.checked_add(value)?;
        }
        let mut added = Money::zero(currency);
        let mut withholdings = Money::zero(currency);
        for tax in taxes {
            if tax.kind.is_withholding() {
                withholdings = withholdings.checked_add(tax.amount)?;
            } else {
                added = added.checked_add(tax.amount)?;
            }
        }
        let including_taxes = before_taxes.checked_add(added)?;
        let payable = including_taxes.checked_sub(withholdings).map_err(|_| {
            TaxError::WithholdingsExceedTotal {
                withholdings,
                including_taxes,
            }
        })?;
        Ok(Self {
            currency,
            before_taxes,
            taxes: added,
            including_taxes,
            withholdings,
            payable,
        })
    }

    /// The currency of every value.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// *Valor venta antes de impuestos*: the sum of the line values.
    pub fn before_taxes(&self) -> Money {
        self.before_taxes
    }

    /// The taxes added to the sale (IVA, ICA, others).
    pub fn taxes(&self) -> Money {
        self.taxes
    }

    /// *Valor venta incluido impuestos*: before taxes plus the added taxes.
    pub fn including_taxes(&self) -> Money {
        self.including_taxes
    }

    /// The withholdings the buyer keeps (retención en la fuente, ReteIVA, ReteICA).
    pub fn withholdings(&self) -> Money {
        self.withholdings
    }

    /// *Valor a pagar*: including taxes minus withholdings.
    pub fn payable(&self) -> Money {
        self.payable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cop(text: &str) -> Money {
        Money::parse(text, Currency::Cop).expect(text)
    }

    fn tax(kind: TaxKind, text: &str) -> Tax {
        Tax::new(kind, cop(text), Some("Estampilla pro cultura")).expect("valid tax")
    }

    #[test]
    fn kinds_codes_and_labels() {
        let codes: Vec<_> = TaxKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            ["IVA", "ICA", "RETEFUENTE", "RETEIVA", "RETEICA", "OTRO"]
        );
        for k in TaxKind::ALL {
            assert_eq!(TaxKind::parse(k.code()), Ok(k));
            assert_eq!(TaxKind::parse(k.label()), Ok(k));
            assert_eq!(
                serde_json::to_string(&k).expect("json"),
                format!("\"{}\"", k.code())
            );
        }
        // The seed's Web Service sends lowercase codes.
        assert_eq!(TaxKind::parse("ica"), Ok(TaxKind::Ica));
        assert_eq!(TaxKind::parse("Rete Fuente"), Ok(TaxKind::RetencionFuente));
        assert_eq!(TaxKind::parse(""), Err(TaxError::KindRequired));
        assert!(matches!(
            TaxKind::parse("4x1000"),
            Err(TaxError::UnknownTaxKind { .. })
        ));
    }

    #[test]
    fn seed_000_values() {
        let values = SaleValues::compute(
            Currency::Cop,
            [cop("1.000.000")],
            &[tax(TaxKind::Iva, "100.000")],
        )
        .expect("seed 000");
        assert_eq!(values.before_taxes(), cop("1.000.000"));
        assert_eq!(values.taxes(), cop("100.000"));
        assert_eq!(values.including_taxes(), cop("1.100.000"));
        assert_eq!(values.withholdings(), cop("0"));
        assert_eq!(values.payable(), cop("1.100.000"));
    }

    #[test]
    fn seed_000_txt_example_without_taxes() {
        let values = SaleValues::compute(Currency::Cop, [cop("10000")], &[]).expect("plata 900 g");
        assert_eq!(values.including_taxes().to_string(), "COP $ 10.000,00");
    }

    #[test]
    fn seed_web_service_taxes_add_iva_and_ica() {
        let taxes = [tax(TaxKind::Iva, "180000"), tax(TaxKind::Ica, "80000")];
        let values = SaleValues::compute(Currency::Cop, [cop("1.000.000")], &taxes).expect("ws");
        assert_eq!(values.including_taxes(), cop("1.260.000"));
    }

    #[test]
    fn withholdings_subtract_from_what_is_paid() {
        let taxes = [
            tax(TaxKind::Iva, "190.000"),
            tax(TaxKind::RetencionFuente, "15.000"),
            tax(TaxKind::ReteIva, "28.500"),
            tax(TaxKind::ReteIca, "9.660"),
        ];
        let values = SaleValues::compute(Currency::Cop, [cop("600.000"), cop("400.000")], &taxes)
            .expect("valid");
        assert_eq!(values.before_taxes(), cop("1.000.000"));
        assert_eq!(values.including_taxes(), cop("1.190.000"));
        assert_eq!(values.withholdings(), cop("53.160"));
        assert_eq!(values.payable(), cop("1.136.840"));
    }

    #[test]
    fn withholdings_may_not_exceed_the_total() {
        let error = SaleValues::compute(
            Currency::Cop,
            [cop("100")],
            &[tax(TaxKind::RetencionFuente, "101")],
        )
        .expect_err("more withheld than sold");
        assert_eq!(error.code(), "withholdings_exceed_total");
        let exact = SaleValues::compute(
            Currency::Cop,
            [cop("100")],
            &[tax(TaxKind::RetencionFuente, "100")],
        );
        assert_eq!(exact.map(|v| v.payable()), Ok(cop("0")));
    }

    #[test]
    fn currencies_never_mix() {
        let usd = Money::parse("10", Currency::Usd).expect("usd");
        assert_eq!(
            SaleValues::compute(Currency::Cop, [usd], &[]),
            Err(TaxError::Money(MoneyError::CurrencyMismatch {
                expected: Currency::Cop,
                found: Currency::Usd
            }))
        );
        let usd_tax = Tax::new(TaxKind::Iva, usd, None).expect("tax");
        assert!(SaleValues::compute(Currency::Cop, [cop("1")], &[usd_tax]).is_err());
    }

    #[test]
    fn tax_json_is_checked() {
        let iva = tax(TaxKind::Iva, "100");
        let json = serde_json::to_string(&iva).expect("json");
        assert_eq!(serde_json::from_str::<Tax>(&json).expect("back"), iva);
        let otro = r#"{"kind":"OTRO","amount":{"amount":"1","currency":"COP"}}"#;
        assert!(serde_json::from_str::<Tax>(otro).is_err());
    }

    #[test]
    fn otro_needs_a_bounded_description() {
        assert_eq!(
            Tax::new(TaxKind::Otro, cop("1"), Some("  ")),
            Err(TaxError::DescriptionRequired { min: 3, max: 100 })
        );
        assert!(Tax::new(TaxKind::Otro, cop("1"), Some("abc")).is_ok());
        assert!(matches!(
            Tax::new(TaxKind::Otro, cop("1"), Some("ab")),
            Err(TaxError::DescriptionLength { found: 2, .. })
        ));
        assert!(Tax::new(TaxKind::Otro, cop("1"), Some(&"x".repeat(100))).is_ok());
        assert!(Tax::new(TaxKind::Otro, cop("1"), Some(&"x".repeat(101))).is_err());
        assert!(Tax::new(TaxKind::Iva, cop("1"), None).is_ok());
    }
}
