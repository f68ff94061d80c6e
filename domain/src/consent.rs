//! The seller's informed consent: exactly what a purchase's validation code approves.
//!
//! A seller hands the code to the buyer; the code must approve what will move and nothing else:
//! the buyer, every line (origin code, mineral, quantity, unit, value), the taxes and the total.
//! [`Consent`] is that statement. The seller reads it in the code's email and SMS, the buyer sees
//! it where it types the code, and its [`Consent::digest`] is stored with the code when the code is
//! sent: at confirmation the digest of the purchase as it then stands must be the same, so any
//! change after the code went out (a new TXT, other values) voids the code.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::codigo_origen::CodigoOrigen;
use crate::compra::Compra;
use crate::mineral::Mineral;
use crate::money::Money;
use crate::quantity::SaleQuantity;
use crate::sha256::{Sha256Hex, length_prefixed};
use crate::sms::{fits_one_segment, to_gsm7};
use crate::tax::TaxKind;
use crate::unit::Unit;

/// Version of [`Consent::digest`]'s encoding.
const CONSENT_ENCODING_VERSION: u8 = 1;

/// What a validation code approves. Built from a validated purchase ([`Compra::consent`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    /// The buyer's razón social, as the registry holds it.
    pub buyer: String,
    pub lines: Vec<ConsentLine>,
    pub taxes: Vec<ConsentTax>,
    /// *Valor venta antes de impuestos*.
    pub before_taxes: Money,
    /// *Valor venta incluido impuestos*.
    pub including_taxes: Money,
    /// *Valor a pagar* (after withholdings).
    pub payable: Money,
}

/// One line of the purchase, as approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentLine {
    pub codigo_origen: Option<CodigoOrigen>,
    pub mineral: Mineral,
    pub quantity: SaleQuantity,
    pub unit: Unit,
    pub value: Money,
}

/// One tax or withholding, as approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentTax {
    pub kind: TaxKind,
    pub amount: Money,
}

impl Compra {
    /// What the seller approves with the validation code of this purchase by `buyer`.
    pub fn consent(&self, buyer: &str) -> Consent {
        Consent {
            buyer: buyer.to_owned(),
            lines: self
                .lines()
                .iter()
                .map(|line| ConsentLine {
                    codigo_origen: line.codigo_origen(),
                    mineral: line.mineral(),
                    quantity: line.quantity(),
                    unit: line.unit(),
                    value: line.value(),
                })
                .collect(),
            taxes: self
                .taxes()
                .iter()
                .map(|tax| ConsentTax {
                    kind: tax.kind(),
                    amount: tax.amount(),
                })
                .collect(),
            before_taxes: self.values().before_taxes(),
            including_taxes: self.values().including_taxes(),
            payable: self.values().payable(),
        }
    }
}

impl ConsentLine {
    /// `4DEB01BC · ORO · 10,0000 g · COP $ 1.000.000,00`.
    pub fn describe(&self) -> String {
        let code = self
            .codigo_origen
            .map(|code| format!("{code} · "))
            .unwrap_or_default();
        format!(
            "{code}{} · {} {} · {}",
            self.mineral, self.quantity, self.unit, self.value
        )
    }
}

impl Consent {
    /// The digest the validation code is bound to: the buyer and the seller (by their ids), then
    /// every line, tax and total, each field length-prefixed so that no two purchases encode alike.
    pub fn digest(&self, buyer_id: Uuid, seller_id: Uuid) -> Sha256Hex {
        let mut owned: Vec<Vec<u8>> = vec![
            buyer_id.as_bytes().to_vec(),
            seller_id.as_bytes().to_vec(),
            self.buyer.as_bytes().to_vec(),
            (self.lines.len() as u64).to_be_bytes().to_vec(),
        ];
        for line in &self.lines {
            owned.push(
                line.codigo_origen
                    .map(|code| code.to_string())
                    .unwrap_or_default()
                    .into_bytes(),
            );
            owned.push(line.mineral.name().as_bytes().to_vec());
            owned.push(line.quantity.value().normalize().to_string().into_bytes());
            owned.push(line.unit.code().as_bytes().to_vec());
            owned.push(money_bytes(line.value));
        }
        owned.push((self.taxes.len() as u64).to_be_bytes().to_vec());
        for tax in &self.taxes {
            owned.push(tax.kind.code().as_bytes().to_vec());
            owned.push(money_bytes(tax.amount));
        }
        for total in [self.before_taxes, self.including_taxes, self.payable] {
            owned.push(money_bytes(total));
        }
        let fields: Vec<&[u8]> = owned.iter().map(Vec::as_slice).collect();
        Sha256Hex::of_bytes(&length_prefixed(CONSENT_ENCODING_VERSION, &fields))
    }

    /// The paragraphs of the validation code's email: who buys, each line, the taxes and totals.
    pub fn email_paragraphs(&self) -> Vec<String> {
        let mut lines = format!(
            "{} le compra a su organización, con este código de validación:",
            self.buyer
        );
        for (index, line) in self.lines.iter().enumerate() {
            lines.push_str(&format!("\n{}. {}", index + 1, line.describe()));
        }
        let mut totals = format!("Valor antes de impuestos: {}", self.before_taxes);
        for tax in &self.taxes {
            totals.push_str(&format!("\n{}: {}", tax.kind.label(), tax.amount));
        }
        totals.push_str(&format!(
            "\nValor incluido impuestos: {}",
            self.including_taxes
        ));
        if self.payable != self.including_taxes {
            totals.push_str(&format!("\nValor a pagar: {}", self.payable));
        }
        vec![lines, totals]
    }

    /// The validation code's SMS, in one GSM-7 segment: the whole purchase when it fits (one
    /// line, short names), else who buys, how many lines and the total, pointing to the email.
    pub fn sms(&self, code: &str, validity_minutes: i32) -> String {
        let total = format!(
            "{} {}",
            self.including_taxes.currency().code(),
            self.including_taxes.format_amount()
        );
        let code_part = format!("Codigo de validacion: {code} ({validity_minutes} min).");
        if let [line] = self.lines.as_slice() {
            let origin = line
                .codigo_origen
                .map(|c| format!(" cod {c}"))
                .unwrap_or_default();
            let full = to_gsm7(&format!(
                "Veta: {} le compra {} {} {}{origin}, total {total}. {code_part}",
                self.buyer, line.quantity, line.unit, line.mineral
            ));
            if fits_one_segment(&full) {
                return full;
            }
        }
        let lines = match self.lines.len() {
            1 => "1 linea".to_owned(),
            n => format!("{n} lineas"),
        };
        // The buyer's name is cut to what fits: the rest of the message must always arrive.
        let fixed = to_gsm7(&format!(
            "Veta:  le compra {lines}, total {total}. Detalle en su correo. {code_part}"
        ));
        let room = crate::sms::SMS_SEGMENT_SEPTETS.saturating_sub(fixed.chars().count());
        let buyer: String = to_gsm7(&self.buyer)
            .chars()
            .filter(|c| crate::sms::gsm7_septets(&c.to_string()) == Some(1))
            .take(room)
            .collect();
        format!("Veta: {buyer} le compra {lines}, total {total}. Detalle en su correo. {code_part}")
    }
}

fn money_bytes(money: Money) -> Vec<u8> {
    format!("{}:{}", money.currency().code(), money.amount().normalize()).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compra::{CompraDraft, LineDraft, TaxDraft, example, example_draft};
    use crate::fecha::{Closings, Fecha};
    use crate::sms::gsm7_septets;
    use proptest::prelude::*;

    fn ids() -> (Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2))
    }

    fn draft() -> CompraDraft {
        example_draft()
    }

    fn today() -> Fecha {
        Fecha::parse("06/03/2025").expect("date")
    }

    #[test]
    fn the_consent_states_every_line_and_the_total() {
        let consent = example().consent("COMERCIALIZADORA ORO DEL CAUCA S.A.S");
        let text = consent.email_paragraphs().join("\n");
        assert!(
            text.contains("COMERCIALIZADORA ORO DEL CAUCA S.A.S le compra"),
            "{text}"
        );
        assert!(
            text.contains("1. 4DEB01BC · ORO · 10,0000 g · COP $"),
            "{text}"
        );
        assert!(text.contains("Valor incluido impuestos: COP $"), "{text}");
    }

    #[test]
    fn one_line_fits_one_sms_with_everything() {
        let sms = example()
            .consent("COMERCIALIZADORA ORO DEL CAUCA S.A.S")
            .sms("12345678", 15);
        assert!(fits_one_segment(&sms), "{sms} ({:?})", gsm7_septets(&sms));
        assert!(sms.contains("4DEB01BC"), "{sms}");
        assert!(sms.contains("12345678"), "{sms}");
    }

    #[test]
    fn any_change_changes_the_digest() {
        let (buyer, seller) = ids();
        let base = draft();
        let digest = |d: &CompraDraft| {
            d.validate(today(), &Closings::none())
                .expect("valid")
                .consent("COMPRADOR")
                .digest(buyer, seller)
        };
        let original = digest(&base);
        assert_eq!(original, digest(&base.clone()));
        let mut more = base.clone();
        more.lines[0].quantity = "11".into();
        assert_ne!(digest(&more), original);
        let mut cheaper = base.clone();
        cheaper.lines[0].value = "1".into();
        assert_ne!(digest(&cheaper), original);
        let mut taxed = base.clone();
        taxed.taxes.push(TaxDraft {
            kind: "ICA".into(),
            value: "1.000".into(),
            currency: String::new(),
            description: String::new(),
        });
        assert_ne!(digest(&taxed), original);
        let mut extra = base.clone();
        extra.lines.push(LineDraft {
            mineral: "PLATA".into(),
            codigo_origen: "5A1C9E07".into(),
            quantity: "1".into(),
            unit: "g".into(),
            value: "1".into(),
        });
        assert_ne!(digest(&extra), original);
        let consent = base
            .validate(today(), &Closings::none())
            .expect("valid")
            .consent("COMPRADOR");
        assert_ne!(
            consent.digest(buyer, seller),
            consent.digest(seller, buyer),
            "the parties are bound too"
        );
    }

    proptest! {
        /// Whatever the names and however many lines, the SMS is one GSM-7 segment with the code.
        #[test]
        fn the_sms_is_always_one_segment(buyer in "\\PC{1,200}", lines in 1usize..30) {
            let mut d = draft();
            let line = d.lines[0].clone();
            d.lines = (0..lines).map(|_| line.clone()).collect();
            if let Ok(compra) = d.validate(today(), &Closings::none()) {
                let sms = compra.consent(&buyer).sms("87654321", 15);
                prop_assert!(fits_one_segment(&sms), "{}", sms);
                prop_assert!(sms.contains("87654321"));
            }
        }
    }
}
