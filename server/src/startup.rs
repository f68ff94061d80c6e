//! Builds the application (listener, pool, router) and runs it until asked to stop.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::config::{DatabaseUrl, Settings};
use crate::{db, health};

/// What every handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
}

/// Why the server could not start: each message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(
        "falta DATABASE_URL: defínala (p. ej. postgres://usuario:clave@127.0.0.1:5432/veta) o use scripts/run, que arranca una base de datos local"
    )]
    MissingDatabaseUrl,
    #[error("{name} no es válida: {reason}")]
    InvalidSetting {
        name: &'static str,
        reason: &'static str,
    },
    #[error("la configuración de Leptos.toml o de las variables LEPTOS_* no es válida: {0}")]
    LeptosConfig(String),
    #[error(
        "no se pudo conectar a la base de datos {url} ({reason}): revise DATABASE_URL y que PostgreSQL esté en marcha"
    )]
    DatabaseUnreachable { url: DatabaseUrl, reason: String },
    #[error("no se pudieron aplicar las migraciones de la base de datos: {0}")]
    Migration(String),
    #[error(
        "no se pudo abrir la dirección {addr} ({reason}): elija otra con LEPTOS_SITE_ADDR, p. ej. LEPTOS_SITE_ADDR=127.0.0.1:3100"
    )]
    AddressUnavailable { addr: SocketAddr, reason: String },
    #[error("el servidor se detuvo por un error: {0}")]
    Serve(String),
}

/// A server ready to accept connections.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    /// Binds the address first (so a port in use is reported before anything else), then
    /// connects to the database and migrates it.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let addr = settings.leptos.site_addr;
        let listener =
            TcpListener::bind(addr)
                .await
                .map_err(|source| StartupError::AddressUnavailable {
                    addr,
                    reason: source.to_string(),
                })?;
        let pool =
            db::connect_and_migrate(&settings.database_url, settings.database_max_connections)
                .await?;
        let router = router(AppState {
            leptos_options: settings.leptos,
            pool,
        });
        Ok(Self { listener, router })
    }

    /// The address actually bound (the port is chosen by the system when configured as 0).
    pub fn local_addr(&self) -> Result<SocketAddr, StartupError> {
        self.listener
            .local_addr()
            .map_err(|source| StartupError::Serve(source.to_string()))
    }

    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let addr = self.local_addr()?;
        tracing::info!("Veta escucha en http://{addr}");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|source| StartupError::Serve(source.to_string()))
    }
}

/// All routes: the health check, then every page of the Leptos app, then static files.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let pool = state.pool.clone();
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(health::healthz))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(pool.clone()),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .with_state(state)
}

/// Ctrl-C or SIGTERM: stop accepting, finish the requests under way, exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "no se pudo escuchar Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "no se pudo escuchar SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("deteniendo el servidor");
}
