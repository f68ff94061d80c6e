//! Whether an organisation is who it says: the approval that a newly registered organisation
//! waits for before it may buy, be found as a seller, or receive anything from buyers.
//!
//! Anyone can type a NIT or a mining title. Until the *Administrador OTTM* has checked the
//! evidence (its SHA-256, computed in the browser: the file never leaves the person's computer)
//! and the contact email and mobile are proven to reach the organisation (a code to each), an
//! organisation is *pendiente de aprobación*: an impostor who registers a real mine's NIT gets
//! nothing from that mine's buyers.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::error_code::ErrorCode;
use crate::organization::OrganizationKind;
use crate::sha256::Sha256Hex;
use crate::validation::ValidationErrors;

/// Where an organisation stands with the *Administrador OTTM*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ApprovalStatus {
    /// Registered; verifying its contacts and evidence, or waiting for the decision.
    PendienteAprobacion,
    /// Checked: it may trade.
    Aprobada,
    /// Refused (or a claim over its identity succeeded): its document and titles are free again.
    Rechazada,
    /// Approved once, now stopped by the administrator (a claim under review, a fraud alert).
    Suspendida,
}

impl ApprovalStatus {
    pub const ALL: [ApprovalStatus; 4] = [
        Self::PendienteAprobacion,
        Self::Aprobada,
        Self::Rechazada,
        Self::Suspendida,
    ];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::PendienteAprobacion => "PENDIENTE_APROBACION",
            Self::Aprobada => "APROBADA",
            Self::Rechazada => "RECHAZADA",
            Self::Suspendida => "SUSPENDIDA",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::PendienteAprobacion => "Pendiente de aprobación",
            Self::Aprobada => "Aprobada",
            Self::Rechazada => "Rechazada",
            Self::Suspendida => "Suspendida",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, UnknownApprovalStatus> {
        Self::ALL
            .into_iter()
            .find(|status| status.code() == code)
            .ok_or_else(|| UnknownApprovalStatus {
                code: crate::text::echo(code),
            })
    }

    /// Only an approved organisation buys, sells, or is reached by buyers.
    pub const fn may_trade(self) -> bool {
        matches!(self, Self::Aprobada)
    }

    /// A rejected organisation no longer holds its document or titles (another may register them).
    pub const fn holds_identity(self) -> bool {
        !matches!(self, Self::Rechazada)
    }
}

impl fmt::Display for ApprovalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("«{code}» no es un estado de aprobación.")]
pub struct UnknownApprovalStatus {
    pub code: String,
}

/// A document an organisation supports its registration with. Only its SHA-256 is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EvidenceKind {
    /// *Registro Único Tributario* of the DIAN: the NIT and the razón social.
    Rut,
    /// RUCOM certificate of a trader or a plant.
    CertificadoRucom,
    /// The mining title (or the *Registro Minero Nacional* certificate) of a title holder.
    TituloMinero,
    /// The identity card of a subsistence miner.
    DocumentoIdentidad,
}

impl EvidenceKind {
    pub const ALL: [EvidenceKind; 4] = [
        Self::Rut,
        Self::CertificadoRucom,
        Self::TituloMinero,
        Self::DocumentoIdentidad,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::Rut => "RUT",
            Self::CertificadoRucom => "CERTIFICADO_RUCOM",
            Self::TituloMinero => "TITULO_MINERO",
            Self::DocumentoIdentidad => "DOCUMENTO_IDENTIDAD",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Rut => "RUT",
            Self::CertificadoRucom => "Certificado RUCOM",
            Self::TituloMinero => "Título minero (certificado del Registro Minero Nacional)",
            Self::DocumentoIdentidad => "Documento de identidad",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl OrganizationKind {
    /// The evidence the administrator needs to approve an organisation of this kind.
    pub fn required_evidence(self) -> &'static [EvidenceKind] {
        match self {
            Self::Comercializador | Self::PlantaBeneficio => {
                &[EvidenceKind::Rut, EvidenceKind::CertificadoRucom]
            }
            Self::ExplotadorMineroAutorizado => &[EvidenceKind::Rut, EvidenceKind::TituloMinero],
            Self::MineroSubsistencia => &[EvidenceKind::DocumentoIdentidad],
        }
    }
}

/// What an organisation has done towards its approval.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApprovalProgress {
    pub contact_email_verified: bool,
    pub contact_mobile_verified: bool,
    pub evidence: Vec<EvidenceKind>,
}

/// A step still missing before an organisation can ask for approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum MissingStep {
    #[error("Verifique el correo de contacto de la organización con el código que le enviamos.")]
    ContactEmail,
    #[error("Verifique el celular de contacto de la organización con el código que le enviamos.")]
    ContactMobile,
    #[error("Adjunte el SHA-256 de: {}.", .0.label())]
    Evidence(EvidenceKind),
}

impl ErrorCode for MissingStep {
    fn code(&self) -> &'static str {
        match self {
            Self::ContactEmail => "contact_email_unverified",
            Self::ContactMobile => "contact_mobile_unverified",
            Self::Evidence(_) => "evidence_missing",
        }
    }
}

impl ApprovalProgress {
    /// Every step still missing for an organisation of `kind` (empty: it may ask for approval).
    pub fn missing(&self, kind: OrganizationKind) -> Vec<MissingStep> {
        let mut missing = Vec::new();
        if !self.contact_email_verified {
            missing.push(MissingStep::ContactEmail);
        }
        if !self.contact_mobile_verified {
            missing.push(MissingStep::ContactMobile);
        }
        for required in kind.required_evidence() {
            if !self.evidence.contains(required) {
                missing.push(MissingStep::Evidence(*required));
            }
        }
        missing
    }
}

/// Where a claim over an identity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClaimStatus {
    /// Waiting for the Administrador OTTM.
    Abierta,
    /// Accepted: the registrations that held the document or titles were rejected.
    Aceptada,
    /// Dismissed, with a reason for the claimant.
    Desestimada,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 3] = [Self::Abierta, Self::Aceptada, Self::Desestimada];

    /// Stable code, as stored.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Abierta => "ABIERTA",
            Self::Aceptada => "ACEPTADA",
            Self::Desestimada => "DESESTIMADA",
        }
    }
}

/// Most characters of a claim's statement.
pub const CLAIM_STATEMENT_MAX_CHARS: usize = 2_000;

/// A claim over an identity document or a title that another registration holds, as typed: why
/// the claimant is its legitimate holder, and the SHA-256 of its evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimDraft {
    pub statement: String,
    pub evidence_sha256: String,
}

/// Why a claim's statement is not acceptable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum ClaimStatementError {
    #[error("Explique por qué el documento o el título es de su organización.")]
    Required,
    #[error("La explicación puede tener hasta {max} caracteres; tiene {found}.")]
    TooLong { max: usize, found: usize },
}

impl ErrorCode for ClaimStatementError {
    fn code(&self) -> &'static str {
        match self {
            Self::Required => "claim_statement_required",
            Self::TooLong { .. } => "claim_statement_too_long",
        }
    }
}

impl ClaimDraft {
    /// The statement trimmed, and the evidence's digest.
    pub fn validate(&self) -> Result<(String, Sha256Hex), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let statement = self.statement.trim();
        let found = statement.chars().count();
        let statement = if found == 0 {
            errors.push(
                "claim.statement",
                "Explicación",
                &ClaimStatementError::Required,
            );
            None
        } else if found > CLAIM_STATEMENT_MAX_CHARS {
            errors.push(
                "claim.statement",
                "Explicación",
                &ClaimStatementError::TooLong {
                    max: CLAIM_STATEMENT_MAX_CHARS,
                    found,
                },
            );
            None
        } else {
            Some(statement.to_owned())
        };
        let evidence = errors.take(
            "claim.evidence_sha256",
            "SHA-256 del soporte",
            Sha256Hex::parse(&self.evidence_sha256),
        );
        match (statement, evidence) {
            (Some(statement), Some(evidence)) if errors.is_empty() => Ok((statement, evidence)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_only_approved_trades() {
        for status in ApprovalStatus::ALL {
            assert_eq!(ApprovalStatus::from_code(status.code()), Ok(status));
            assert_eq!(status.may_trade(), status == ApprovalStatus::Aprobada);
        }
        for kind in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::from_code(kind.code()), Some(kind));
        }
        assert!(ApprovalStatus::from_code("aprobada").is_err());
    }

    #[test]
    fn a_claim_needs_a_statement_and_the_evidence_digest() {
        let empty = ClaimDraft::default().validate().expect_err("empty");
        assert!(empty.has_code("claim_statement_required"));
        assert!(empty.has_code("sha256_required"));
        let claim = ClaimDraft {
            statement: "  Somos los titulares del NIT según el RUT adjunto.  ".into(),
            evidence_sha256: "c009d8ce265c946228900840f8049a617a34ce049421adbffa55bd60f75e49f0"
                .into(),
        };
        let (statement, _) = claim.validate().expect("valid");
        assert_eq!(
            statement,
            "Somos los titulares del NIT según el RUT adjunto."
        );
    }

    #[test]
    fn a_trader_needs_both_contacts_its_rut_and_rucom() {
        let mut progress = ApprovalProgress::default();
        assert_eq!(
            progress.missing(OrganizationKind::Comercializador),
            vec![
                MissingStep::ContactEmail,
                MissingStep::ContactMobile,
                MissingStep::Evidence(EvidenceKind::Rut),
                MissingStep::Evidence(EvidenceKind::CertificadoRucom),
            ]
        );
        progress.contact_email_verified = true;
        progress.contact_mobile_verified = true;
        progress.evidence = vec![EvidenceKind::CertificadoRucom, EvidenceKind::Rut];
        assert!(
            progress
                .missing(OrganizationKind::Comercializador)
                .is_empty()
        );
        assert_eq!(
            progress.missing(OrganizationKind::ExplotadorMineroAutorizado),
            vec![MissingStep::Evidence(EvidenceKind::TituloMinero)]
        );
    }
}
