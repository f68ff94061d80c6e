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
use crate::money::{Currency, Money};
use crate::quantity::{Quantity, QuantityError, SaleQuantity};
use crate::razon_social::RazonSocial;
use crate::sha256::Sha256Hex;
use crate::tax::{SaleValues, Tax};

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

mod draft;
#[cfg(test)]
mod tests;
