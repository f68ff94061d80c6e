//! Sign-in with a second factor, registration, email verification, password recovery,
//! invitations and sign-out. Pages and their server functions live side by side, one flow a file;
//! server-only pieces are in `ssr`.

mod invitation;
mod login;
mod recovery;
mod register;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use invitation::AcceptInvitationPage;
pub use login::{CodePage, LoginPage, SignOutButtons};
pub use recovery::{RecoverPage, ResetPasswordPage};
pub use register::{RegisterPage, VerifyEmailPage};

use domain::{ApprovalStatus, OrganizationKind, Role};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

/// Who is signed in, as every page and server function sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub user_id: Uuid,
    pub full_name: String,
    pub role: Role,
    /// None for the platform roles (Auditor ANM, Administrador OTTM).
    pub organization: Option<OrganizationSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationSummary {
    pub organization_id: Uuid,
    pub razon_social: String,
    pub kind: OrganizationKind,
    /// Only an approved organisation trades (see `domain::approval`).
    pub approval: ApprovalStatus,
}

/// The signed-in user of this browser, or none.
#[server(endpoint = "sesion")]
pub async fn current_user() -> Result<Option<SignedInUser>, AppError> {
    crate::error::with_status(async move { ssr::sessions::current(&ssr::pool()?).await }.await)
}
