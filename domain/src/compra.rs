//! The purchase form: what the buyer (or the seller's link, or its ERP) typed, and the one
//! validation that turns it into a [`Compra`] or into every error at once.
//!
//! The same `validate` runs in the browser (as the user types), in the server (on save and before
//! confirmation) and behind the Web Service, so the three can never disagree.
//!
//! # Rules, and the choices where the seeds are silent
//!
//! - Seller type decides the seller data: an *explotador minero autorizado* must give its
//!   *código de expediente*; for the others it is optional (checked if given).
//! - No seller may be identified with a *tarjeta de identidad*: minors cannot contract (Código
//!   Civil art. 1504) and child labour in mining is forbidden (Resolución 1796 de 2018). A *minero
//!   de subsistencia* is a natural person: CC, CE or PPT, never a NIT or a passport alone (the
//!   mayoralties' registry in Génesis identifies them by those documents).
//! - Invoice and transaction dates: `DD/MM/AAAA`, not after `today`, not inside a closed period;
//!   the transaction date may not precede the invoice date, because a purchase is registered in
//!   the PTM once it has been invoiced (the seed's examples have both on the same day).
//! - Lines: at least one and at most [`COMPRA_MAX_LINES`]; the unit must measure what the mineral's
//!   unit measures, and the quantity must convert exactly to the mineral's unit within 4 decimals
//!   (balances are kept there: 1 ozt of gold is 31,1034768 g and cannot be booked); quantities
//!   greater than zero; values of zero or more in the purchase currency. The value is the line's total, not a unit price
//!   (seed: ORO 10 g, 1.000.000).
//! - Origin codes: optional on a line (the URL and TXT channels bring them; balances decide later
//!   whether they exist), but refused for subsistence miners and purchases without identified
//!   origin, whose mineral receives a new code when posted. The same code, mineral and unit may
//!   not appear on two lines.
//! - Taxes: in the purchase currency; withholdings may not exceed the value including taxes (see
//!   [`crate::tax`] for why they subtract).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::balance::{AllocationError, BalanceKey, BalanceReader, Balances};
use crate::codigo_expediente::CodigoExpediente;
use crate::codigo_origen::CodigoOrigen;
use crate::divipola::{Departamento, Municipio};
use crate::document::{DocumentNumber, DocumentType};
use crate::error_code::ErrorCode;
use crate::fecha::{Closings, Fecha};
use crate::mineral::Mineral;
use crate::money::{Currency, Money, MoneyError};
use crate::quantity::{Quantity, QuantityError, SaleQuantity};
use crate::razon_social::RazonSocial;
use crate::sha256::Sha256Hex;
use crate::tax::{SaleValues, Tax, TaxKind};

use crate::unit::Unit;
use crate::validation::ValidationErrors;

pub use crate::seller_type::SellerType;

/// Most lines in one purchase: as many as rows a balances TXT file may hold (10 000).
pub const COMPRA_MAX_LINES: usize = 10_000;
/// Most tax lines in one purchase (the seed's form adds them one by one with "+").
pub const COMPRA_MAX_TAXES: usize = 20;

/// The purchase rules that are not about one value's format.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CompraError {
    #[error("Seleccione el tipo de vendedor.")]
    SellerTypeRequired,
    #[error(
        "El tipo de vendedor «{value}» no existe; use EXPLOTADOR_MINERO_AUTORIZADO, COMERCIALIZADOR, MINERO_SUBSISTENCIA o SIN_IDENTIFICACION_ORIGEN."
    )]
    UnknownSellerType { value: String },
    #[error("Un vendedor de tipo «{}» no puede identificarse con {}; use {}.", seller_type.label(), document_type.label(), allowed_documents(*seller_type))]
    DocumentTypeNotAllowedForSeller {
        seller_type: SellerType,
        document_type: DocumentType,
    },
    #[error(
        "La fecha de la transacción ({transaction}) es anterior a la fecha de la factura ({invoice}); la compra se registra cuando ya está facturada."
    )]
    TransactionBeforeInvoice { invoice: Fecha, transaction: Fecha },
    #[error("Registre al menos un mineral con su cantidad.")]
    LinesRequired,
    #[error("La compra tiene {found} líneas; el máximo es {max}. Divídala en varias compras.")]
    TooManyLines { max: usize, found: usize },
    #[error("La compra tiene {found} impuestos; el máximo es {max}.")]
    TooManyTaxes { max: usize, found: usize },
    #[error(
        "Indique el código de origen: la compra a un explotador minero autorizado o a un comercializador traslada mineral de sus saldos."
    )]
    CodigoOrigenRequired,
    #[error("Para un vendedor de tipo «{}» no se indican códigos de origen: el mineral recibe uno nuevo al registrarse la compra. Deje el campo vacío.", seller_type.label())]
    CodigoOrigenNotAllowed { seller_type: SellerType },
    #[error(
        "El código de origen {codigo_origen} con {mineral} en {unit} ya está en la línea {first_line}; sume las cantidades en una sola línea."
    )]
    DuplicateLine {
        codigo_origen: CodigoOrigen,
        mineral: Mineral,
        unit: Unit,
        first_line: usize,
    },
}

fn allowed_documents(seller_type: SellerType) -> String {
    let allowed: Vec<&str> = DocumentType::ALL
        .into_iter()
        .filter(|t| seller_type.allows_document_type(*t))
        .map(DocumentType::code)
        .collect();
    allowed.join(", ")
}

impl ErrorCode for CompraError {
    fn code(&self) -> &'static str {
        match self {
            Self::SellerTypeRequired => "seller_type_required",
            Self::UnknownSellerType { .. } => "seller_type_unknown",
            Self::DocumentTypeNotAllowedForSeller { .. } => "document_type_not_allowed",
            Self::TransactionBeforeInvoice { .. } => "transaction_before_invoice",
            Self::LinesRequired => "lines_required",
            Self::TooManyLines { .. } => "lines_too_many",
            Self::TooManyTaxes { .. } => "taxes_too_many",
            Self::CodigoOrigenRequired => "codigo_origen_required",
            Self::CodigoOrigenNotAllowed { .. } => "codigo_origen_not_allowed",
            Self::DuplicateLine { .. } => "line_duplicate",
        }
    }
}

/// The purchase exactly as typed: every field a string, so that nothing typed is lost before it is
/// validated and a half-filled form can be saved ("Guardar transacción") and resumed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompraDraft {
    /// `EXPLOTADOR_MINERO_AUTORIZADO`, `COMERCIALIZADOR`, `MINERO_SUBSISTENCIA` or
    /// `SIN_IDENTIFICACION_ORIGEN`.
    pub seller_type: String,
    pub seller: SellerDraft,
    pub transaction: TransactionDraft,
    pub lines: Vec<LineDraft>,
    pub taxes: Vec<TaxDraft>,
}

/// *Datos del vendedor*, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SellerDraft {
    pub codigo_expediente: String,
    pub document_type: String,
    pub document_number: String,
    pub razon_social: String,
}

/// *Datos de la transacción*, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransactionDraft {
    /// `DD/MM/AAAA`.
    pub invoice_date: String,
    /// `DD/MM/AAAA`.
    pub transaction_date: String,
    /// SHA-256 of the seller-verification support, 64 hexadecimal characters.
    pub sha256: String,
    pub currency: String,
    /// Name or DIVIPOLA code.
    pub departamento: String,
    /// Name or DIVIPOLA code.
    pub municipio: String,
}

/// One line of *Registro de minerales y cantidades*, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineDraft {
    pub mineral: String,
    pub quantity: String,
    pub unit: String,
    /// The line's total value, in the purchase currency.
    pub value: String,
    /// Empty when the line does not name an origin code.
    pub codigo_origen: String,
}

/// One tax or withholding, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaxDraft {
    /// `IVA`, `ICA`, `RETEFUENTE`, `RETEIVA`, `RETEICA` or `OTRO`.
    pub kind: String,
    pub value: String,
    /// Empty means the purchase currency; anything else must equal it.
    pub currency: String,
    /// Required for `OTRO`.
    pub description: String,
}

/// The seller of a validated purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seller {
    codigo_expediente: Option<CodigoExpediente>,
    document: DocumentNumber,
    razon_social: RazonSocial,
}

impl Seller {
    /// The expediente code (always present for a title holder).
    pub fn codigo_expediente(&self) -> Option<&CodigoExpediente> {
        self.codigo_expediente.as_ref()
    }

    /// The identity document.
    pub fn document(&self) -> &DocumentNumber {
        &self.document
    }

    /// The name.
    pub fn razon_social(&self) -> &RazonSocial {
        &self.razon_social
    }
}

/// A line of a validated purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompraLine {
    mineral: Mineral,
    quantity: SaleQuantity,
    unit: Unit,
    quantity_in_mineral_unit: SaleQuantity,
    value: Money,
    codigo_origen: Option<CodigoOrigen>,
}

impl CompraLine {
    /// The mineral.
    pub fn mineral(&self) -> Mineral {
        self.mineral
    }

    /// The quantity, in [`CompraLine::unit`], as typed.
    pub fn quantity(&self) -> SaleQuantity {
        self.quantity
    }

    /// The unit typed.
    pub fn unit(&self) -> Unit {
        self.unit
    }

    /// The same quantity in the mineral's own unit: what the balances move.
    pub fn quantity_in_mineral_unit(&self) -> SaleQuantity {
        self.quantity_in_mineral_unit
    }

    /// The line's total value.
    pub fn value(&self) -> Money {
        self.value
    }

    /// The origin code, when the line names one.
    pub fn codigo_origen(&self) -> Option<CodigoOrigen> {
        self.codigo_origen
    }
}

/// A purchase that passed every rule of [`CompraDraft::validate`]. It can only be built that way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compra {
    seller_type: SellerType,
    seller: Seller,
    invoice_date: Fecha,
    transaction_date: Fecha,
    sha256: Sha256Hex,
    currency: Currency,
    departamento: Departamento,
    municipio: Municipio,
    lines: Vec<CompraLine>,
    taxes: Vec<Tax>,
    values: SaleValues,
}

impl Compra {
    /// Who sells.
    pub fn seller_type(&self) -> SellerType {
        self.seller_type
    }

    /// The seller's data.
    pub fn seller(&self) -> &Seller {
        &self.seller
    }

    /// *Fecha de factura*.
    pub fn invoice_date(&self) -> Fecha {
        self.invoice_date
    }

    /// *Fecha de la transacción*.
    pub fn transaction_date(&self) -> Fecha {
        self.transaction_date
    }

    /// SHA-256 of the seller-verification support.
    pub fn sha256(&self) -> Sha256Hex {
        self.sha256
    }

    /// The currency of every value.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Where the purchase takes place.
    pub fn departamento(&self) -> Departamento {
        self.departamento
    }

    /// Where the purchase takes place.
    pub fn municipio(&self) -> Municipio {
        self.municipio
    }

    /// The mineral lines (at least one).
    pub fn lines(&self) -> &[CompraLine] {
        &self.lines
    }

    /// Taxes and withholdings.
    pub fn taxes(&self) -> &[Tax] {
        &self.taxes
    }

    /// *Valores de venta*.
    pub fn values(&self) -> &SaleValues {
        &self.values
    }

    /// What the purchase moves from seller to buyer, per balance key (origin code, mineral, and
    /// the mineral's own unit, where balances are kept): lines of the same key in different units
    /// add up. Lines without an origin code are not listed (see [`Compra::check_seller_balances`]).
    pub fn transfers(&self) -> Result<Vec<(BalanceKey, SaleQuantity)>, AllocationError> {
        self.transfers_of(&self.lines)
    }

    /// [`Compra::transfers`] of some of the purchase's lines (a partial reversal returns those).
    pub fn transfers_of<'a>(
        &self,
        lines: impl IntoIterator<Item = &'a CompraLine>,
    ) -> Result<Vec<(BalanceKey, SaleQuantity)>, AllocationError> {
        let mut totals: BTreeMap<BalanceKey, Quantity> = BTreeMap::new();
        for line in lines {
            if let Some(codigo_origen) = line.codigo_origen {
                let key = BalanceKey::new(codigo_origen, line.mineral);
                let total = totals.entry(key).or_insert(Quantity::ZERO);
                *total = total
                    .checked_add(line.quantity_in_mineral_unit.quantity())
                    .map_err(|_| AllocationError::BalanceAboveMaximum { key })?;
            }
        }
        Ok(totals
            .into_iter()
            .filter_map(|(key, total)| SaleQuantity::try_from(total).ok().map(|q| (key, q)))
            .collect())
    }

    /// The mineral a purchase brings onto the platform (from a subsistence miner, or without
    /// identified origin): its lines added up per mineral, in the mineral's unit. It receives its
    /// origin code when it is posted.
    pub fn new_mineral(&self) -> Result<Vec<(Mineral, SaleQuantity)>, QuantityError> {
        let mut totals: BTreeMap<Mineral, Quantity> = BTreeMap::new();
        for line in self
            .lines
            .iter()
            .filter(|line| line.codigo_origen.is_none())
        {
            let total = totals.entry(line.mineral).or_insert(Quantity::ZERO);
            *total = total.checked_add(line.quantity_in_mineral_unit.quantity())?;
        }
        totals
            .into_iter()
            .map(|(mineral, total)| Ok((mineral, SaleQuantity::try_from(total)?)))
            .collect()
    }

    /// Checks every line against what the seller holds: a purchase from a title holder or a
    /// trader moves mineral that already has an origin code, so each line must name one, and the
    /// lines of each code may not take more than its balance. Errors point at the lines
    /// (`lines[0].quantity`), the first line of a key carrying its shortfall.
    ///
    /// `reader` decides what a shortfall says: the seller reads its own balance in it; the buyer
    /// only learns that the balance is not enough, never how much there is (else refusals would
    /// reveal the seller's balances).
    ///
    /// ```
    /// use domain::{Balances, BalanceKey, BalanceReader, CodigoOrigen, Mineral, Quantity};
    /// # let compra = domain::compra::example();
    /// let key = BalanceKey::new(CodigoOrigen::parse("4DEB01BC").unwrap(), Mineral::resolve("ORO").unwrap());
    /// let rich = Balances::from_entries([(key, Quantity::parse("191").unwrap())]).unwrap();
    /// assert!(compra.check_seller_balances(&rich, BalanceReader::Buyer).is_ok());
    /// let poor = Balances::from_entries([(key, Quantity::parse("5").unwrap())]).unwrap();
    /// let errors = compra.check_seller_balances(&poor, BalanceReader::Seller).unwrap_err();
    /// assert_eq!(errors.errors[0].field, "lines[0].quantity");
    /// assert_eq!(errors.errors[0].code, "exceeds_available");
    /// assert!(errors.errors[0].message.contains("5,0000"));
    /// let errors = compra.check_seller_balances(&poor, BalanceReader::Buyer).unwrap_err();
    /// assert_eq!(errors.errors[0].code, "insufficient_balance");
    /// assert!(!errors.errors[0].message.contains("5,0000"));
    /// ```
    pub fn check_seller_balances(
        &self,
        seller: &Balances,
        reader: BalanceReader,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut first_line: BTreeMap<BalanceKey, usize> = BTreeMap::new();
        for (index, line) in self.lines.iter().enumerate() {
            match line.codigo_origen {
                Some(codigo_origen) => {
                    first_line
                        .entry(BalanceKey::new(codigo_origen, line.mineral))
                        .or_insert(index);
                }
                None if self.seller_type.allows_codigo_origen() => errors.push(
                    format!("lines[{index}].codigo_origen"),
                    &format!("Línea {}, código de origen", index + 1),
                    &CompraError::CodigoOrigenRequired,
                ),
                None => {}
            }
        }
        let transfers = match self.transfers() {
            Ok(transfers) => transfers,
            Err(error) => {
                errors.push("lines", "Minerales", &error);
                return Err(errors);
            }
        };
        for (key, quantity) in transfers {
            let available = seller.available(&key);
            let enough = quantity.quantity() <= available && !available.is_zero();
            let violation = if enough {
                continue;
            } else if reader == BalanceReader::Buyer {
                AllocationError::NotEnoughBalance { key }
            } else if available.is_zero() {
                AllocationError::NoBalance { key }
            } else {
                AllocationError::ExceedsAvailable {
                    key,
                    available,
                    requested: quantity.quantity(),
                }
            };
            let index = first_line[&key];
            errors.push(
                format!("lines[{index}].quantity"),
                &format!("Línea {}, cantidad", index + 1),
                &violation,
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// A valid purchase of 10 g of gold under `4DEB01BC` from the seed's title holder, for examples.
#[doc(hidden)]
pub fn example() -> Compra {
    let today = Fecha::parse("06/03/2025").expect("a valid date");
    example_draft()
        .validate(today, &Closings::none())
        .expect("the example purchase is valid")
}

/// The draft of [`example`], valid on 06/03/2025.
#[doc(hidden)]
pub fn example_draft() -> CompraDraft {
    CompraDraft {
        seller_type: "EXPLOTADOR_MINERO_AUTORIZADO".into(),
        seller: SellerDraft {
            codigo_expediente: "T14292011-003".into(),
            document_type: "NIT".into(),
            document_number: "9013049617".into(),
            razon_social: "MINERA EL DILUVIO GOLD S.A.S".into(),
        },
        transaction: TransactionDraft {
            invoice_date: "28/02/2025".into(),
            transaction_date: "28/02/2025".into(),
            sha256: "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0".into(),
            currency: "COP".into(),
            departamento: "RISARALDA".into(),
            municipio: "LA VIRGINIA".into(),
        },
        lines: vec![LineDraft {
            mineral: "ORO".into(),
            quantity: "10".into(),
            unit: "g".into(),
            value: "1.000.000".into(),
            codigo_origen: "4DEB01BC".into(),
        }],
        taxes: Vec::new(),
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const VALID_SHA: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0";
    const SEED_SHA_63: &str = "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f";

    fn fecha(text: &str) -> Fecha {
        Fecha::parse(text).expect(text)
    }

    /// The purchase of seed 000: MINERA EL DILUVIO GOLD S.A.S, ORO 10 g for 1.000.000 + IVA 100.000.
    fn seed_000() -> CompraDraft {
        CompraDraft {
            seller_type: "EXPLOTADOR_MINERO_AUTORIZADO".into(),
            seller: SellerDraft {
                codigo_expediente: "T14292011-003".into(),
                document_type: "NIT".into(),
                document_number: "9013049617".into(),
                razon_social: "MINERA EL DILUVIO GOLD S.A.S".into(),
            },
            transaction: TransactionDraft {
                invoice_date: "28/02/2025".into(),
                transaction_date: "28/02/2025".into(),
                sha256: VALID_SHA.into(),
                currency: "COP".into(),
                departamento: "RISARALDA".into(),
                municipio: "LA VIRGINIA".into(),
            },
            lines: vec![LineDraft {
                mineral: "ORO".into(),
                quantity: "10.0000".into(),
                unit: "g".into(),
                value: "1.000.000".into(),
                codigo_origen: "4DEB01BC".into(),
            }],
            taxes: vec![TaxDraft {
                kind: "IVA".into(),
                value: "100.000".into(),
                ..TaxDraft::default()
            }],
        }
    }

    fn today() -> Fecha {
        fecha("06/03/2025")
    }

    fn errors_of(draft: &CompraDraft) -> ValidationErrors {
        draft
            .validate(today(), &Closings::none())
            .expect_err("should be invalid")
    }

    fn codes(errors: &ValidationErrors) -> Vec<(String, String)> {
        errors
            .errors
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn seed_000_passes() {
        let compra = seed_000()
            .validate(today(), &Closings::none())
            .expect("seed 000 is valid");
        assert_eq!(compra.seller_type(), SellerType::ExplotadorMineroAutorizado);
        assert_eq!(compra.seller().document().as_str(), "901304961-7");
        assert_eq!(
            compra.seller().razon_social().as_ref(),
            "MINERA EL DILUVIO GOLD S.A.S"
        );
        assert_eq!(
            compra.seller().codigo_expediente().map(AsRef::as_ref),
            Some("T14292011-003")
        );
        assert_eq!(compra.invoice_date(), fecha("28/02/2025"));
        assert_eq!(compra.departamento().code(), "66");
        assert_eq!(compra.municipio().code(), "66400");
        assert_eq!(compra.currency(), Currency::Cop);
        let line = &compra.lines()[0];
        assert_eq!(line.mineral().name(), "ORO");
        assert_eq!(line.quantity().quantity().to_string(), "10,0000");
        assert_eq!(
            line.codigo_origen().map(|c| c.to_string()).as_deref(),
            Some("4DEB01BC")
        );
        assert_eq!(
            compra.values().before_taxes().to_string(),
            "COP $ 1.000.000,00"
        );
        assert_eq!(
            compra.values().including_taxes().to_string(),
            "COP $ 1.100.000,00"
        );
        assert_eq!(compra.values().payable().to_string(), "COP $ 1.100.000,00");
    }

    #[test]
    fn seed_000_sha_with_63_characters_fails_clearly() {
        let mut draft = seed_000();
        draft.transaction.sha256 = SEED_SHA_63.into();
        let errors = errors_of(&draft);
        assert_eq!(
            codes(&errors),
            [("transaction.sha256".to_owned(), "sha256_length".to_owned())]
        );
        let message = &errors.errors[0].message;
        assert!(message.starts_with("Código SHA-256: "), "{message}");
        assert!(message.contains("tiene 63 de 64 caracteres"), "{message}");
    }

    #[test]
    fn empty_draft_reports_every_required_field() {
        let errors = errors_of(&CompraDraft::default());
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "seller_type",
                "seller.document_type",
                "seller.razon_social",
                "transaction.invoice_date",
                "transaction.transaction_date",
                "transaction.sha256",
                "transaction.currency",
                "transaction.departamento",
                "transaction.municipio",
                "lines",
            ]
        );
        for error in &errors.errors {
            assert!(!error.message.is_empty() && !error.code.is_empty());
        }
    }

    #[test]
    fn every_error_is_collected_not_only_the_first() {
        let mut draft = seed_000();
        draft.seller.document_number = "9013049618".into();
        draft.transaction.municipio = "PEREIRA".into();
        draft.transaction.departamento = "CALDAS".into();
        draft.lines[0].quantity = "10,12345".into();
        draft.lines.push(LineDraft {
            mineral: "kryptonita".into(),
            quantity: "0".into(),
            unit: "g".into(),
            value: "-1".into(),
            codigo_origen: String::new(),
        });
        let errors = errors_of(&draft);
        assert_eq!(
            codes(&errors),
            [
                (
                    "seller.document_number".to_owned(),
                    "nit_check_digit".to_owned()
                ),
                (
                    "transaction.municipio".to_owned(),
                    "municipio_not_in_departamento".to_owned()
                ),
                (
                    "lines[0].quantity".to_owned(),
                    "quantity_too_many_decimals".to_owned()
                ),
                ("lines[1].mineral".to_owned(), "mineral_unknown".to_owned()),
                (
                    "lines[1].quantity".to_owned(),
                    "quantity_not_positive".to_owned()
                ),
                ("lines[1].value".to_owned(), "money_negative".to_owned()),
            ]
        );
        let nit = &errors.errors[0].message;
        assert!(
            nit.starts_with("Número de documento: ") && nit.contains("es 7, no 8"),
            "{nit}"
        );
        let place = &errors.errors[1].message;
        assert!(
            place.contains("PEREIRA") && place.contains("RISARALDA") && place.contains("CALDAS"),
            "{place}"
        );
        assert!(errors.errors[3].message.starts_with("Línea 2, mineral: "));
    }

    #[test]
    fn title_holder_needs_expediente_others_do_not() {
        let mut draft = seed_000();
        draft.seller.codigo_expediente = String::new();
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "seller.codigo_expediente".to_owned(),
                "codigo_expediente_required".to_owned()
            )]
        );
        draft.seller_type = "COMERCIALIZADOR".into();
        let compra = draft
            .validate(today(), &Closings::none())
            .expect("trader without expediente");
        assert!(compra.seller().codigo_expediente().is_none());
        draft.seller.codigo_expediente = "T 1".into();
        assert!(errors_of(&draft).has_code("codigo_expediente_invalid_character"));
    }

    #[test]
    fn document_types_per_seller() {
        let mut draft = seed_000();
        draft.seller.document_type = "TI".into();
        draft.seller.document_number = "1001234567".into();
        assert!(errors_of(&draft).has_code("document_type_not_allowed"));

        draft.seller_type = "MINERO_SUBSISTENCIA".into();
        draft.lines[0].codigo_origen = String::new();
        draft.seller.document_type = "NIT".into();
        draft.seller.document_number = "9013049617".into();
        let errors = errors_of(&draft);
        assert_eq!(
            codes(&errors),
            [(
                "seller.document_type".to_owned(),
                "document_type_not_allowed".to_owned()
            )]
        );
        assert!(
            errors.errors[0].message.contains("CC, CE, PPT"),
            "{}",
            errors.errors[0].message
        );

        draft.seller.document_type = "CC".into();
        draft.seller.document_number = "16.358.139".into();
        draft.seller.razon_social = "German Londoño Varela".into();
        assert!(draft.validate(today(), &Closings::none()).is_ok());
    }

    #[test]
    fn origin_codes_only_for_sellers_with_balances() {
        let mut draft = seed_000();
        draft.seller_type = "SIN_IDENTIFICACION_ORIGEN".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "lines[0].codigo_origen".to_owned(),
                "codigo_origen_not_allowed".to_owned()
            )]
        );
        draft.lines[0].codigo_origen = "  ".into();
        assert!(draft.validate(today(), &Closings::none()).is_ok());
    }

    #[test]
    fn duplicate_origin_lines_are_refused() {
        let mut draft = seed_000();
        let line = draft.lines[0].clone();
        draft.lines.push(line.clone());
        draft.lines.push(line);
        let errors = errors_of(&draft);
        assert_eq!(
            codes(&errors),
            [
                (
                    "lines[1].codigo_origen".to_owned(),
                    "line_duplicate".to_owned()
                ),
                (
                    "lines[2].codigo_origen".to_owned(),
                    "line_duplicate".to_owned()
                ),
            ]
        );
        assert!(
            errors.errors[1].message.contains("línea 1"),
            "{}",
            errors.errors[1].message
        );
    }

    #[test]
    fn dates_future_order_and_closed_periods() {
        let mut draft = seed_000();
        draft.transaction.invoice_date = "07/03/2025".into();
        draft.transaction.transaction_date = "2025-03-01".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [
                (
                    "transaction.invoice_date".to_owned(),
                    "date_in_future".to_owned()
                ),
                (
                    "transaction.transaction_date".to_owned(),
                    "date_format".to_owned()
                ),
            ]
        );
        // Today itself is allowed (boundary).
        draft.transaction.invoice_date = "06/03/2025".into();
        draft.transaction.transaction_date = "06/03/2025".into();
        assert!(draft.validate(today(), &Closings::none()).is_ok());

        draft.transaction.invoice_date = "01/03/2025".into();
        draft.transaction.transaction_date = "28/02/2025".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "transaction.transaction_date".to_owned(),
                "transaction_before_invoice".to_owned()
            )]
        );

        let seed = seed_000();
        let closings = Closings::from_dates([fecha("28/02/2025")]);
        let errors = seed.validate(today(), &closings).expect_err("closed");
        assert_eq!(
            codes(&errors),
            [
                (
                    "transaction.invoice_date".to_owned(),
                    "date_in_closed_period".to_owned()
                ),
                (
                    "transaction.transaction_date".to_owned(),
                    "date_in_closed_period".to_owned()
                ),
            ]
        );
        let open = Closings::from_dates([fecha("27/02/2025")]);
        assert!(seed.validate(today(), &open).is_ok());
    }

    #[test]
    fn units_must_fit_the_mineral() {
        let mut draft = seed_000();
        draft.lines[0].unit = "m3".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "lines[0].unit".to_owned(),
                "unit_incompatible_with_mineral".to_owned()
            )]
        );
        draft.lines[0].unit = "kg".into();
        draft.lines[0].quantity = "0,01".into();
        let compra = draft
            .validate(today(), &Closings::none())
            .expect("kg of gold");
        assert_eq!(
            compra.lines()[0]
                .quantity_in_mineral_unit()
                .quantity()
                .to_canonical_string(),
            "10"
        );
        draft.lines[0].unit = "ozt".into();
        draft.lines[0].quantity = "1".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "lines[0].quantity".to_owned(),
                "unit_conversion_inexact".to_owned()
            )]
        );
    }

    #[test]
    fn values_and_taxes_in_the_purchase_currency() {
        let mut draft = seed_000();
        draft.lines[0].value = "USD 1000".into();
        draft.taxes[0].currency = "EUR".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [
                ("lines[0].value".to_owned(), "currency_mismatch".to_owned()),
                (
                    "taxes[0].currency".to_owned(),
                    "currency_mismatch".to_owned()
                ),
            ]
        );
        let mut draft = seed_000();
        draft.lines[0].value = "1.000.000,505".into();
        assert!(errors_of(&draft).has_code("money_too_many_decimals"));
        let mut draft = seed_000();
        draft.lines[0].value = "0".into();
        draft.taxes.clear();
        assert!(
            draft.validate(today(), &Closings::none()).is_ok(),
            "a value of zero is allowed"
        );
    }

    #[test]
    fn withholdings_subtract_and_may_not_exceed() {
        let mut draft = seed_000();
        draft.taxes.push(TaxDraft {
            kind: "RETEFUENTE".into(),
            value: "25.000".into(),
            ..TaxDraft::default()
        });
        let compra = draft.validate(today(), &Closings::none()).expect("valid");
        assert_eq!(
            compra.values().including_taxes().to_string(),
            "COP $ 1.100.000,00"
        );
        assert_eq!(compra.values().payable().to_string(), "COP $ 1.075.000,00");
        draft.taxes[1].value = "1.100.001".into();
        assert_eq!(
            codes(&errors_of(&draft)),
            [("taxes".to_owned(), "withholdings_exceed_total".to_owned())]
        );
        draft.taxes[1] = TaxDraft {
            kind: "OTRO".into(),
            value: "1".into(),
            ..TaxDraft::default()
        };
        assert_eq!(
            codes(&errors_of(&draft)),
            [(
                "taxes[1].description".to_owned(),
                "tax_description_required".to_owned()
            )]
        );
    }

    #[test]
    fn bounds_on_lines_and_taxes() {
        let mut draft = seed_000();
        draft.taxes = vec![
            TaxDraft {
                kind: "IVA".into(),
                value: "1".into(),
                ..TaxDraft::default()
            };
            COMPRA_MAX_TAXES
        ];
        assert!(draft.validate(today(), &Closings::none()).is_ok());
        draft.taxes.push(draft.taxes[0].clone());
        assert_eq!(
            codes(&errors_of(&draft)),
            [("taxes".to_owned(), "taxes_too_many".to_owned())]
        );
        let mut draft = seed_000();
        draft.lines = vec![
            LineDraft {
                codigo_origen: String::new(),
                ..draft.lines[0].clone()
            };
            COMPRA_MAX_LINES + 1
        ];
        assert_eq!(
            codes(&errors_of(&draft)),
            [("lines".to_owned(), "lines_too_many".to_owned())]
        );
    }

    #[test]
    fn draft_and_errors_are_json() {
        let draft = seed_000();
        let json = serde_json::to_string(&draft).expect("json");
        assert_eq!(
            serde_json::from_str::<CompraDraft>(&json).expect("back"),
            draft
        );
        // Missing fields default to empty: a half-filled form still deserialises.
        let partial: CompraDraft =
            serde_json::from_str(r#"{"seller":{"document_type":"NIT"}}"#).expect("partial");
        assert_eq!(partial.seller.document_type, "NIT");
        let errors = errors_of(&partial);
        let value = serde_json::to_value(&errors).expect("errors json");
        assert_eq!(value["errors"][0]["field"], "seller_type");
        let compra = seed_000()
            .validate(today(), &Closings::none())
            .expect("valid");
        let json = serde_json::to_value(&compra).expect("compra json");
        assert_eq!(json["seller"]["document"]["number"], "901304961-7");
        assert_eq!(json["lines"][0]["mineral"], "ORO");
        assert_eq!(json["invoice_date"], "28/02/2025");
    }

    #[test]
    fn seller_type_codes() {
        for t in SellerType::ALL {
            assert_eq!(SellerType::parse(t.code()), Ok(t));
            assert_eq!(SellerType::parse(t.label()), Ok(t));
            assert_eq!(
                serde_json::to_string(&t).expect("json"),
                format!("\"{}\"", t.code())
            );
        }
        assert_eq!(
            SellerType::parse("explotador minero autorizado"),
            Ok(SellerType::ExplotadorMineroAutorizado)
        );
        assert!(matches!(
            SellerType::parse("pirata"),
            Err(CompraError::UnknownSellerType { .. })
        ));
    }

    fn key(code: &str) -> BalanceKey {
        BalanceKey::new(
            CodigoOrigen::parse(code).expect("valid"),
            Mineral::resolve("ORO").expect("valid"),
        )
    }

    #[test]
    fn transfers_add_up_lines_of_one_code_in_the_minerals_unit() {
        let mut draft = seed_000();
        draft.lines.push(LineDraft {
            mineral: "ORO".into(),
            quantity: "0,5".into(),
            unit: "kg".into(),
            value: "1".into(),
            codigo_origen: "4DEB01BC".into(),
        });
        let compra = draft.validate(today(), &Closings::none()).expect("valid");
        let transfers = compra.transfers().expect("valid");
        assert_eq!(transfers.len(), 1);
        assert_eq!(transfers[0].0, key("4DEB01BC"));
        assert_eq!(
            transfers[0].1.quantity(),
            Quantity::parse("510").expect("valid")
        );

        // 510 g needed: 500 is not enough, and the error points at the first line of the code.
        let seller =
            Balances::from_entries([(key("4DEB01BC"), Quantity::parse("500").expect("valid"))])
                .expect("valid");
        let errors = compra
            .check_seller_balances(&seller, BalanceReader::Seller)
            .expect_err("refused");
        assert_eq!(
            codes(&errors),
            [(
                "lines[0].quantity".to_owned(),
                "exceeds_available".to_owned()
            )]
        );
        let enough =
            Balances::from_entries([(key("4DEB01BC"), Quantity::parse("510").expect("valid"))])
                .expect("valid");
        assert!(
            compra
                .check_seller_balances(&enough, BalanceReader::Buyer)
                .is_ok()
        );
    }

    #[test]
    fn a_title_holders_line_needs_an_origin_code_and_a_code_the_seller_holds() {
        let mut draft = seed_000();
        draft.lines[0].codigo_origen = String::new();
        draft.lines.push(LineDraft {
            codigo_origen: "5A1C9E07".into(),
            ..draft.lines[0].clone()
        });
        let compra = draft.validate(today(), &Closings::none()).expect("valid");
        let seller =
            Balances::from_entries([(key("4DEB01BC"), Quantity::parse("500").expect("valid"))])
                .expect("valid");
        let errors = compra
            .check_seller_balances(&seller, BalanceReader::Seller)
            .expect_err("refused");
        assert_eq!(
            codes(&errors),
            [
                (
                    "lines[0].codigo_origen".to_owned(),
                    "codigo_origen_required".to_owned()
                ),
                (
                    "lines[1].quantity".to_owned(),
                    "balance_not_found".to_owned()
                ),
            ]
        );
    }
}
