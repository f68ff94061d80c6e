//! The one error type of every server function: what went wrong, in words the user can act on.
//! Infrastructure failures are logged on the server and reach the browser as an opaque `Internal`.

use domain::ValidationErrors;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Fields that break a rule: shown next to each field.
    #[error("Revise los campos marcados.")]
    Invalid(ValidationErrors),
    /// A rule about the whole request (a wrong code, an expired link…), with what to do next.
    #[error("{0}")]
    Refused(String),
    /// A rule of `domain` broken by the whole request, with its stable code (kept all the way to
    /// the Web Service's answer).
    #[error("{}", .0.message)]
    Rule(Violation),
    /// Too many attempts: the message says how long to wait.
    #[error("{0}")]
    Throttled(String),
    #[error("Su sesión terminó. Ingrese de nuevo.")]
    NotSignedIn,
    #[error("Su rol no le permite hacer esto.")]
    Forbidden,
    /// Also what a user gets for another organisation's data: it does not exist for them.
    #[error("No encontramos lo que busca.")]
    NotFound,
    #[error("Ocurrió un error inesperado. Intente de nuevo en unos minutos.")]
    Internal,
    /// The database cannot take the request right now (unreachable, restarting, failing over to
    /// a standby, or read-only while it has no leader): answered 503, worth retrying.
    #[error("El servicio no está disponible en este momento. Intente de nuevo en unos segundos.")]
    Unavailable,
    /// The request could not be read (missing or mistyped arguments, a bad encoding, a body too
    /// large): the message says what.
    #[error("La solicitud está mal formada: {0}")]
    Malformed(String),
    /// The request never reached the function (network, encoding).
    #[error("No hubo respuesta del servidor: revise su conexión e intente de nuevo.")]
    Transport(String),
}

/// A reason from the framework as the answer repeats it: bounded (a pasted megabyte never ends up
/// in an answer).
fn bounded(reason: &str) -> String {
    const MAX_CHARS: usize = 200;
    reason.chars().take(MAX_CHARS).collect()
}

/// A broken rule: its stable code (`domain::ErrorCode`) and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    pub code: String,
    pub message: String,
}

impl AppError {
    /// A broken rule of `domain`, with its code.
    pub fn rule(violation: &(impl domain::ErrorCode + std::fmt::Display)) -> Self {
        Self::Rule(Violation {
            code: violation.code().to_owned(),
            message: violation.to_string(),
        })
    }

    /// The field errors, when there are any.
    pub fn field_errors(&self) -> Option<&ValidationErrors> {
        match self {
            Self::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// On the server, the errors that arise before the function runs are the request's fault
    /// (answered 400 or 404, never 500); in the browser, the rest are the network's.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(reason)
            | ServerFnErrorErr::MissingArg(reason)
            | ServerFnErrorErr::Deserialization(reason) => Self::Malformed(bounded(&reason)),
            ServerFnErrorErr::UnsupportedRequestMethod(method) => {
                Self::Malformed(format!("el método {} no se admite aquí", bounded(&method)))
            }
            ServerFnErrorErr::Registration(_) => Self::NotFound,
            other => Self::Transport(other.to_string()),
        }
    }
}

/// A one-time code's refusal: too many tries or sends is a throttle (429), the rest a refusal.
impl From<domain::CodeRefusal> for AppError {
    fn from(refusal: domain::CodeRefusal) -> Self {
        if refusal.is_throttle() {
            Self::Throttled(refusal.to_string())
        } else {
            Self::Refused(refusal.to_string())
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(errors: ValidationErrors) -> Self {
        Self::Invalid(errors)
    }
}

#[cfg(feature = "ssr")]
pub use ssr::with_status;

#[cfg(feature = "ssr")]
mod ssr {
    use http::StatusCode;
    use http::request::Parts;
    use leptos::prelude::use_context;
    use leptos_axum::ResponseOptions;

    use super::AppError;

    impl AppError {
        /// The HTTP status of this answer when a server function is called over HTTP.
        pub fn status(&self) -> StatusCode {
            match self {
                Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                Self::Refused(_) | Self::Rule(_) => StatusCode::BAD_REQUEST,
                Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
                Self::NotSignedIn => StatusCode::UNAUTHORIZED,
                Self::Forbidden => StatusCode::FORBIDDEN,
                Self::NotFound => StatusCode::NOT_FOUND,
                Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                Self::Malformed(_) => StatusCode::BAD_REQUEST,
                Self::Transport(_) => StatusCode::BAD_GATEWAY,
            }
        }
    }

    /// Gives a server function's error answer its HTTP status (server functions answer 500 for
    /// any error otherwise). Only for calls over HTTP (`/api/…`): while a page renders, the page
    /// decides its own status (a redirect to sign-in must stay a redirect).
    pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        if let Err(error) = &result {
            let is_api_call =
                use_context::<Parts>().is_some_and(|parts| parts.uri.path().starts_with("/api/"));
            if let (true, Some(response)) = (is_api_call, use_context::<ResponseOptions>()) {
                response.set_status(error.status());
            }
        }
        result
    }

    /// Database failures are logged with their context and shown as `Internal`, or as
    /// `Unavailable` when the database could not take the request (see [`is_unavailable`]).
    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            if is_unavailable(&error) {
                tracing::warn!(%error, "database unavailable");
                return Self::Unavailable;
            }
            tracing::error!(%error, "database error");
            Self::Internal
        }
    }

    /// The database could not take the request, through no fault of the request: no connection
    /// within the pool's wait, a connection lost or cut mid-conversation (HAProxy closing the
    /// sessions of a node that stopped being primary), or a server shutting down, starting, or
    /// read-only (a demoted primary: SQLSTATE classes 08 and 57P, and 25006).
    fn is_unavailable(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_) => true,
            sqlx::Error::Database(error) => error.code().is_some_and(|code| {
                code.starts_with("08") || code.starts_with("57P") || code == "25006"
            }),
            _ => false,
        }
    }
}
