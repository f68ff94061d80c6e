//! The validation of the purchase form: every rule of the module's documentation, each error at
//! its field, the purchase only when none is found.

use std::collections::BTreeMap;

use super::{
    COMPRA_MAX_LINES, COMPRA_MAX_TAXES, Compra, CompraDraft, CompraError, CompraLine, Seller,
    SellerDraft, SellerType, TransactionDraft,
};
use crate::codigo_expediente::CodigoExpediente;
use crate::codigo_origen::CodigoOrigen;
use crate::divipola::{Departamento, Municipio};
use crate::document::{DocumentNumber, DocumentType};
use crate::fecha::{Closings, Fecha};
use crate::mineral::Mineral;
use crate::money::{Currency, Money, MoneyError};
use crate::quantity::{QuantityError, SaleQuantity};
use crate::razon_social::RazonSocial;
use crate::sha256::Sha256Hex;
use crate::tax::{SaleValues, Tax, TaxKind};
use crate::unit::Unit;
use crate::validation::ValidationErrors;

impl CompraDraft {
    /// Checks every rule and returns the purchase, or every error found (never only the first).
    ///
    /// `today` is the caller's date in Colombia; `closings` the buyer's closed periods.
    ///
    /// ```
    /// use domain::{Closings, CompraDraft, Fecha, LineDraft, TaxDraft};
    /// let mut draft = CompraDraft::default();
    /// draft.seller_type = "EXPLOTADOR_MINERO_AUTORIZADO".into();
    /// draft.seller.codigo_expediente = "T14292011-003".into();
    /// draft.seller.document_type = "NIT".into();
    /// draft.seller.document_number = "9013049617".into();
    /// draft.seller.razon_social = "MINERA EL DILUVIO GOLD S.A.S".into();
    /// draft.transaction.invoice_date = "28/02/2025".into();
    /// draft.transaction.transaction_date = "28/02/2025".into();
    /// draft.transaction.sha256 = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0".into();
    /// draft.transaction.currency = "COP".into();
    /// draft.transaction.departamento = "RISARALDA".into();
    /// draft.transaction.municipio = "LA VIRGINIA".into();
    /// draft.lines.push(LineDraft { mineral: "ORO".into(), quantity: "10".into(), unit: "g".into(),
    ///     value: "1.000.000".into(), codigo_origen: "4DEB01BC".into() });
    /// draft.taxes.push(TaxDraft { kind: "IVA".into(), value: "100.000".into(), ..Default::default() });
    /// let today = Fecha::parse("06/03/2025").unwrap();
    /// let compra = draft.validate(today, &Closings::none()).unwrap();
    /// assert_eq!(compra.values().including_taxes().to_string(), "COP $ 1.100.000,00");
    ///
    /// draft.seller.document_number = "9013049618".into();
    /// let errors = draft.validate(today, &Closings::none()).unwrap_err();
    /// assert_eq!(errors.errors[0].field, "seller.document_number");
    /// assert_eq!(errors.errors[0].code, "nit_check_digit");
    /// ```
    pub fn validate(&self, today: Fecha, closings: &Closings) -> Result<Compra, ValidationErrors> {
        let mut errors = ValidationErrors::default();

        let seller_type = errors.take(
            "seller_type",
            "Tipo de vendedor",
            SellerType::parse(&self.seller_type),
        );
        let seller = self.seller.validate(seller_type, &mut errors);
        let transaction = self.transaction.validate(today, closings, &mut errors);
        // Its error, if any, is already recorded by the transaction's validation.
        let currency = Currency::parse(&self.transaction.currency).ok();
        let lines = self.validate_lines(seller_type, currency, &mut errors);
        let taxes = self.validate_taxes(currency, &mut errors);

        let values = match (currency, &lines, &taxes) {
            (Some(currency), Some(lines), Some(taxes)) => errors.take(
                "taxes",
                "Impuestos",
                SaleValues::compute(currency, lines.iter().map(CompraLine::value), taxes),
            ),
            _ => None,
        };

        let compra = (|| {
            let (invoice_date, transaction_date, sha256, departamento, municipio) = transaction?;
            Some(Compra {
                seller_type: seller_type?,
                seller: seller?,
                invoice_date,
                transaction_date,
                sha256,
                currency: currency?,
                departamento,
                municipio,
                lines: lines?,
                taxes: taxes?,
                values: values?,
            })
        })();
        match compra {
            Some(compra) if errors.is_empty() => Ok(compra),
            _ => {
                debug_assert!(
                    !errors.is_empty(),
                    "a field failed without recording an error"
                );
                Err(errors)
            }
        }
    }

    /// The seller and transaction data alone (*Datos del vendedor*, *Datos de la transacción*):
    /// what must be right before the purchase is handed to the seller, whose lines come later.
    /// Same rules and field paths as [`CompraDraft::validate`].
    ///
    /// ```
    /// use domain::{Closings, CompraDraft, Fecha};
    /// let draft = CompraDraft::default();
    /// let errors = draft.validate_header(Fecha::parse("06/03/2025").unwrap(), &Closings::none()).unwrap_err();
    /// assert!(errors.errors.iter().all(|e| !e.field.starts_with("lines")));
    /// assert!(errors.has_code("seller_type_required"));
    /// ```
    pub fn validate_header(
        &self,
        today: Fecha,
        closings: &Closings,
    ) -> Result<(SellerType, Seller), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let seller_type = errors.take(
            "seller_type",
            "Tipo de vendedor",
            SellerType::parse(&self.seller_type),
        );
        let seller = self.seller.validate(seller_type, &mut errors);
        let transaction = self.transaction.validate(today, closings, &mut errors);
        match (seller_type, seller, transaction) {
            (Some(seller_type), Some(seller), Some(_)) if errors.is_empty() => {
                Ok((seller_type, seller))
            }
            _ => Err(errors),
        }
    }

    fn validate_lines(
        &self,
        seller_type: Option<SellerType>,
        currency: Option<Currency>,
        errors: &mut ValidationErrors,
    ) -> Option<Vec<CompraLine>> {
        if self.lines.is_empty() {
            errors.push("lines", "Minerales", &CompraError::LinesRequired);
            return None;
        }
        if self.lines.len() > COMPRA_MAX_LINES {
            let error = CompraError::TooManyLines {
                max: COMPRA_MAX_LINES,
                found: self.lines.len(),
            };
            errors.push("lines", "Minerales", &error);
            return None;
        }
        let mut seen: BTreeMap<(CodigoOrigen, Mineral, Unit), usize> = BTreeMap::new();
        let mut valid = Vec::with_capacity(self.lines.len());
        for (index, line) in self.lines.iter().enumerate() {
            let number = index + 1;
            let path = |field: &str| format!("lines[{index}].{field}");
            let label = |field: &str| format!("Línea {number}, {field}");
            let mineral = errors.take(
                path("mineral"),
                &label("mineral"),
                Mineral::resolve(&line.mineral),
            );
            let unit = errors.take(path("unit"), &label("unidad"), Unit::parse(&line.unit));
            let unit = match (mineral, unit) {
                (Some(mineral), Some(unit)) => errors.take(
                    path("unit"),
                    &label("unidad"),
                    mineral.check_unit(unit).map(|()| unit),
                ),
                _ => unit,
            };
            let quantity = errors.take(
                path("quantity"),
                &label("cantidad"),
                SaleQuantity::parse(&line.quantity),
            );
            let in_mineral_unit = match (mineral, unit, quantity) {
                (Some(mineral), Some(unit), Some(quantity)) => errors.take(
                    path("quantity"),
                    &label("cantidad"),
                    quantity
                        .quantity()
                        .convert(unit, mineral.unit())
                        .and_then(SaleQuantity::try_from)
                        .map_err(|error| match error {
                            QuantityError::TooManyDecimals { .. } => {
                                QuantityError::Unit(crate::unit::UnitError::InexactConversion {
                                    amount: quantity.value(),
                                    from: unit,
                                    to: mineral.unit(),
                                })
                            }
                            other => other,
                        }),
                ),
                _ => None,
            };
            let value = errors
                .take(
                    path("value"),
                    &label("valor"),
                    parse_value(&line.value, currency),
                )
                .flatten();
            let codigo_origen = if line.codigo_origen.trim().is_empty() {
                Some(None)
            } else if let Some(seller_type) = seller_type.filter(|t| !t.allows_codigo_origen()) {
                errors.push(
                    path("codigo_origen"),
                    &label("código de origen"),
                    &CompraError::CodigoOrigenNotAllowed { seller_type },
                );
                None
            } else {
                errors
                    .take(
                        path("codigo_origen"),
                        &label("código de origen"),
                        CodigoOrigen::parse(&line.codigo_origen),
                    )
                    .map(Some)
            };
            if let (Some(Some(code)), Some(mineral), Some(unit)) = (codigo_origen, mineral, unit)
                && let Some(first_line) = seen.insert((code, mineral, unit), number)
            {
                let error = CompraError::DuplicateLine {
                    codigo_origen: code,
                    mineral,
                    unit,
                    first_line,
                };
                errors.push(path("codigo_origen"), &label("código de origen"), &error);
                // Keep the first line's number for later duplicates.
                seen.insert((code, mineral, unit), first_line);
            }
            if let (
                Some(mineral),
                Some(unit),
                Some(quantity),
                Some(quantity_in_mineral_unit),
                Some(value),
                Some(codigo_origen),
            ) = (
                mineral,
                unit,
                quantity,
                in_mineral_unit,
                value,
                codigo_origen,
            ) {
                valid.push(CompraLine {
                    mineral,
                    quantity,
                    unit,
                    quantity_in_mineral_unit,
                    value,
                    codigo_origen,
                });
            }
        }
        (valid.len() == self.lines.len()).then_some(valid)
    }

    fn validate_taxes(
        &self,
        currency: Option<Currency>,
        errors: &mut ValidationErrors,
    ) -> Option<Vec<Tax>> {
        if self.taxes.len() > COMPRA_MAX_TAXES {
            let error = CompraError::TooManyTaxes {
                max: COMPRA_MAX_TAXES,
                found: self.taxes.len(),
            };
            errors.push("taxes", "Impuestos", &error);
            return None;
        }
        let mut valid = Vec::with_capacity(self.taxes.len());
        for (index, tax) in self.taxes.iter().enumerate() {
            let number = index + 1;
            let path = |field: &str| format!("taxes[{index}].{field}");
            let label = |field: &str| format!("Impuesto {number}, {field}");
            let kind = errors.take(path("kind"), &label("tipo"), TaxKind::parse(&tax.kind));
            let mut currency_ok = true;
            if !tax.currency.trim().is_empty() {
                if let Some(typed) = errors.take(
                    path("currency"),
                    &label("moneda"),
                    Currency::parse(&tax.currency),
                ) {
                    if let Some(expected) = currency.filter(|expected| *expected != typed) {
                        let error = MoneyError::CurrencyMismatch {
                            expected,
                            found: typed,
                        };
                        errors.push(path("currency"), &label("moneda"), &error);
                        currency_ok = false;
                    }
                } else {
                    currency_ok = false;
                }
            }
            let amount = errors
                .take(
                    path("value"),
                    &label("valor"),
                    parse_value(&tax.value, currency),
                )
                .flatten();
            let description = Some(tax.description.as_str()).filter(|d| !d.trim().is_empty());
            if let (Some(kind), Some(amount), true) = (kind, amount, currency_ok)
                && let Some(tax) = errors.take(
                    path("description"),
                    &label("descripción"),
                    Tax::new(kind, amount, description),
                )
            {
                valid.push(tax);
            }
        }
        (valid.len() == self.taxes.len()).then_some(valid)
    }
}

impl SellerDraft {
    fn validate(
        &self,
        seller_type: Option<SellerType>,
        errors: &mut ValidationErrors,
    ) -> Option<Seller> {
        let required = seller_type.is_some_and(SellerType::requires_codigo_expediente);
        let codigo_expediente = if required || !self.codigo_expediente.trim().is_empty() {
            errors
                .take(
                    "seller.codigo_expediente",
                    "Código de expediente minero",
                    CodigoExpediente::parse(&self.codigo_expediente),
                )
                .map(Some)
        } else {
            Some(None)
        };
        let document_type = errors.take(
            "seller.document_type",
            "Tipo de documento",
            DocumentType::parse(&self.document_type),
        );
        let document_type = match (seller_type, document_type) {
            (Some(seller_type), Some(document_type))
                if !seller_type.allows_document_type(document_type) =>
            {
                let error = CompraError::DocumentTypeNotAllowedForSeller {
                    seller_type,
                    document_type,
                };
                errors.push("seller.document_type", "Tipo de documento", &error);
                None
            }
            (_, document_type) => document_type,
        };
        let document = document_type.and_then(|document_type| {
            errors.take(
                "seller.document_number",
                "Número de documento",
                DocumentNumber::parse(document_type, &self.document_number),
            )
        });
        let razon_social = errors.take(
            "seller.razon_social",
            "Razón social",
            RazonSocial::parse(&self.razon_social),
        );
        Some(Seller {
            codigo_expediente: codigo_expediente?,
            document: document?,
            razon_social: razon_social?,
        })
    }
}

type ValidTransaction = (Fecha, Fecha, Sha256Hex, Departamento, Municipio);

impl TransactionDraft {
    fn validate(
        &self,
        today: Fecha,
        closings: &Closings,
        errors: &mut ValidationErrors,
    ) -> Option<ValidTransaction> {
        let check_date = |text: &str| {
            Fecha::parse(text)
                .and_then(|fecha| fecha.check_not_future(today))
                .and_then(|fecha| closings.check_open(fecha))
        };
        let invoice_date = errors.take(
            "transaction.invoice_date",
            "Fecha de factura",
            check_date(&self.invoice_date),
        );
        let transaction_date = errors.take(
            "transaction.transaction_date",
            "Fecha de la transacción",
            check_date(&self.transaction_date),
        );
        let transaction_date = match (invoice_date, transaction_date) {
            (Some(invoice), Some(transaction)) if transaction < invoice => {
                let error = CompraError::TransactionBeforeInvoice {
                    invoice,
                    transaction,
                };
                errors.push(
                    "transaction.transaction_date",
                    "Fecha de la transacción",
                    &error,
                );
                None
            }
            (_, transaction_date) => transaction_date,
        };
        let sha256 = errors.take(
            "transaction.sha256",
            "Código SHA-256",
            Sha256Hex::parse(&self.sha256),
        );
        let currency = errors.take(
            "transaction.currency",
            "Moneda",
            Currency::parse(&self.currency),
        );
        let departamento = errors.take(
            "transaction.departamento",
            "Departamento",
            Departamento::find(&self.departamento),
        );
        let municipio = match departamento {
            Some(departamento) => errors.take(
                "transaction.municipio",
                "Municipio",
                Municipio::find_in(departamento, &self.municipio),
            ),
            None if self.municipio.trim().is_empty() => {
                errors.push(
                    "transaction.municipio",
                    "Municipio",
                    &crate::divipola::PlaceError::MunicipioRequired,
                );
                None
            }
            None => None,
        };
        currency?;
        Some((
            invoice_date?,
            transaction_date?,
            sha256?,
            departamento?,
            municipio?,
        ))
    }
}

/// A value in the purchase currency; with the currency unknown (its own error is already
/// recorded), only the number itself is checked.
fn parse_value(text: &str, currency: Option<Currency>) -> Result<Option<Money>, MoneyError> {
    match currency {
        Some(currency) => Money::parse(text, currency).map(Some),
        None => match Money::parse(text, Currency::Cop) {
            Ok(_)
            | Err(MoneyError::CurrencyMismatch { .. } | MoneyError::SymbolMismatch { .. }) => {
                Ok(None)
            }
            Err(other) => Err(other),
        },
    }
}
