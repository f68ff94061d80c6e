//! Organisations are who they say (`domain::approval`): a new organisation proves its contact
//! email and mobile with a code to each and sends the SHA-256 of its evidence ("Mi organización",
//! `request`); the *Administrador OTTM* approves or rejects it and resolves claims over identity
//! documents and titles ("Aprobaciones", `review`). Until approved it cannot buy, cannot be found
//! as a seller, and receives nothing from buyers.

mod request;
mod review;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use request::MyOrganizationPage;
pub use review::ApprovalsPage;

use domain::{ApprovalStatus, ClaimDraft, EvidenceKind, OrganizationKind, RegistrationDraft};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Which contact a verification code proves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactChannel {
    Email,
    Sms,
}

impl ContactChannel {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    pub const fn label(self) -> &'static str {
        match self {
            Self::Email => "correo",
            Self::Sms => "celular",
        }
    }
}

/// One piece of evidence, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceRow {
    pub kind: EvidenceKind,
    pub sha256: String,
    pub file_name: Option<String>,
}

/// What "Mi organización" shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    pub razon_social: String,
    pub kind: OrganizationKind,
    pub document: String,
    pub status: ApprovalStatus,
    pub contact_email: String,
    pub contact_mobile: String,
    pub contact_email_verified: bool,
    pub contact_mobile_verified: bool,
    pub evidence: Vec<EvidenceRow>,
    pub required: Vec<EvidenceKind>,
    /// Sent to the Administrador OTTM, waiting for the decision.
    pub requested: bool,
    /// The administrator's reason (a rejection).
    pub reason: Option<String>,
    /// The signed-in user may complete the verification (the organisation's administrator).
    pub can_act: bool,
}

/// An organisation waiting for the Administrador OTTM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOrganization {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub kind: OrganizationKind,
    pub document: String,
    pub municipio: String,
    pub contact_email: String,
    pub contact_mobile: String,
    pub rucom_number: Option<String>,
    pub titles: Vec<String>,
    pub evidence: Vec<EvidenceRow>,
}

/// An open claim over a document or titles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRow {
    pub claim_id: Uuid,
    pub document: String,
    pub titles: Vec<String>,
    pub razon_social: String,
    /// Name, email and mobile of who claims.
    pub claimant: String,
    pub statement: String,
    pub evidence_sha256: String,
    pub created: String,
}

/// What waits for the Administrador OTTM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewList {
    pub organizations: Vec<PendingOrganization>,
    pub claims: Vec<ClaimRow>,
}

#[server(endpoint = "organizacion/aprobacion")]
pub async fn load_approval() -> Result<ApprovalView, AppError> {
    crate::error::with_status(
        async move {
            let (pool, user, organization_id) = ssr::member().await?;
            ssr::view(&pool, &user, organization_id).await
        }
        .await,
    )
}

/// Sends a code to the organisation's contact email or mobile.
#[server(endpoint = "organizacion/enviar-codigo")]
pub async fn send_contact_code(channel: ContactChannel) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::administrator().await?;
            ssr::send_contact_code(&pool, organization_id, channel).await
        }
        .await,
    )
}

/// Checks the code of one contact.
#[server(endpoint = "organizacion/verificar-contacto")]
pub async fn verify_contact(channel: ContactChannel, code: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::administrator().await?;
            ssr::verify_contact(&pool, organization_id, channel, &code).await
        }
        .await,
    )
}

/// Records the SHA-256 of one piece of evidence (computed in the browser).
#[server(endpoint = "organizacion/evidencia")]
pub async fn add_evidence(kind: String, sha256: String, file_name: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::administrator().await?;
            ssr::add_evidence(&pool, organization_id, &kind, &sha256, &file_name).await
        }
        .await,
    )
}

/// "Solicitar aprobación".
#[server(endpoint = "organizacion/solicitar-aprobacion")]
pub async fn request_approval() -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, _, organization_id) = ssr::administrator().await?;
            ssr::request_approval(&pool, organization_id).await
        }
        .await,
    )
}

#[server(endpoint = "aprobaciones")]
pub async fn load_review() -> Result<ReviewList, AppError> {
    crate::error::with_status(
        async move {
            let (pool, _) = ssr::ottm_admin().await?;
            ssr::review_list(&pool).await
        }
        .await,
    )
}

/// The Administrador OTTM approves or rejects an organisation (a rejection needs a reason).
#[server(endpoint = "aprobaciones/decidir")]
pub async fn decide_approval(
    organization_id: Uuid,
    approve: bool,
    reason: String,
) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin) = ssr::ottm_admin().await?;
            ssr::decide(&pool, &admin, organization_id, approve, &reason).await
        }
        .await,
    )
}

/// The Administrador OTTM accepts or dismisses a claim (with a reason).
#[server(endpoint = "reclamaciones/decidir")]
pub async fn decide_claim(claim_id: Uuid, accept: bool, reason: String) -> Result<(), AppError> {
    crate::error::with_status(
        async move {
            let (pool, admin) = ssr::ottm_admin().await?;
            ssr::decide_claim(&pool, &admin, claim_id, accept, &reason).await
        }
        .await,
    )
}

/// A claim over a document or titles another registration holds, from the registration form.
#[server(endpoint = "registro/reclamar")]
pub async fn submit_claim(draft: RegistrationDraft, claim: ClaimDraft) -> Result<(), AppError> {
    crate::error::with_status(
        async move { ssr::submit_claim(&crate::auth::ssr::pool()?, &draft, &claim).await }.await,
    )
}
