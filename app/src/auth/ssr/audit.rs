//! The audit trail of sign-in (table `auth_events`), which is also where the throttling counts
//! come from.

use sqlx::PgExecutor;
use uuid::Uuid;

/// What happened. The codes are stored; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEvent {
    Registro,
    CorreoVerificado,
    IngresoFallido,
    /// A password attempt that was recorded as a failure before the verification, and was right.
    ContrasenaCorrecta,
    CuentaBloqueada,
    CodigoEnviado,
    CodigoFallido,
    CodigoAgotado,
    IngresoExitoso,
    Salida,
    SalidaTodas,
    RecuperacionSolicitada,
    ClaveRestablecida,
    Invitacion,
    InvitacionAceptada,
    UsuarioModificado,
}

impl AuthEvent {
    pub fn code(self) -> &'static str {
        match self {
            Self::Registro => "REGISTRO",
            Self::CorreoVerificado => "CORREO_VERIFICADO",
            Self::IngresoFallido => "INGRESO_FALLIDO",
            Self::ContrasenaCorrecta => "CONTRASENA_CORRECTA",
            Self::CuentaBloqueada => "CUENTA_BLOQUEADA",
            Self::CodigoEnviado => "CODIGO_ENVIADO",
            Self::CodigoFallido => "CODIGO_FALLIDO",
            Self::CodigoAgotado => "CODIGO_AGOTADO",
            Self::IngresoExitoso => "INGRESO_EXITOSO",
            Self::Salida => "SALIDA",
            Self::SalidaTodas => "SALIDA_TODAS",
            Self::RecuperacionSolicitada => "RECUPERACION_SOLICITADA",
            Self::ClaveRestablecida => "CLAVE_RESTABLECIDA",
            Self::Invitacion => "INVITACION",
            Self::InvitacionAceptada => "INVITACION_ACEPTADA",
            Self::UsuarioModificado => "USUARIO_MODIFICADO",
        }
    }
}

/// One line of the trail. `identifier` is what was typed to sign in (kept for failures, so that
/// attempts on accounts that do not exist are throttled exactly like those on real ones).
pub struct Entry<'a> {
    pub event: AuthEvent,
    pub user_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub client_address: &'a str,
    pub identifier: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> Entry<'a> {
    /// An event about a known user (for failures by what was typed, build the `Entry` itself).
    pub fn user(
        event: AuthEvent,
        user_id: Uuid,
        organization_id: Option<Uuid>,
        client_address: &'a str,
    ) -> Self {
        Self {
            event,
            user_id: Some(user_id),
            organization_id,
            client_address,
            identifier: None,
            detail: None,
        }
    }

    pub fn detail(self, detail: &'a str) -> Self {
        Self {
            detail: Some(detail),
            ..self
        }
    }
}

pub async fn record(executor: impl PgExecutor<'_>, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO auth_events (kind, user_id, organization_id, client_address, identifier, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(entry.event.code())
    .bind(entry.user_id)
    .bind(entry.organization_id)
    .bind(entry.client_address)
    .bind(entry.identifier)
    .bind(entry.detail)
    .execute(executor)
    .await?;
    Ok(())
}
