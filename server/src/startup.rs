//! Builds the application (listener, pool, router) and runs it until asked to stop.

use std::net::SocketAddr;
use std::sync::Arc;

use app::auth::ssr::request::TrustedProxies;
use app::auth::ssr::{CodeKey, PublicUrl, ReadPool};
use app::compras::ssr::CompraVigencia;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::config::{DatabaseUrl, Settings};
use crate::email::{MailSettings, SmtpTransport};
use crate::sms::SmsSettings;
use crate::{
    api_errors, db, demo, erp_api, health, isolation, outbox, production_api, production_purge,
    same_origin, sealer, sms, web_service,
};

/// What every handler and server function can reach.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: PgPool,
    /// Where the reports read (`app::reports`): `DATABASE_READ_URL`'s standby, or `pool`.
    pub read_pool: ReadPool,
    /// Where links in emails point; also whether cookies are `Secure`.
    pub public_url: String,
    /// Serve `GET /dev/sms` (only with the recording SMS gateway of development and tests).
    pub dev_sms_log: bool,
    /// How long a purchase may go without progress.
    pub compra_vigencia: CompraVigencia,
    /// The cupos of subsistence miners.
    pub subsistence_caps: domain::SubsistenceCaps,
    /// The monthly limit of purchases without identified origin.
    pub sin_origen_limit: domain::sin_origen::SinOrigenLimit,
    /// How long after its confirmation a purchase may be reversed.
    pub reversal_window: domain::compra_reversal::ReversalWindow,
    /// The loss share above which a transformation needs a justification.
    pub loss_threshold: domain::transformation::LossThreshold,
    /// Whether confirming a purchase needs a passing economic-capacity evaluation.
    pub capacity_blocks: app::economic_capacity::CapacityBlocks,
    /// The share by which a title's sales may pass its reported production before an alert.
    pub production_tolerance: domain::production_report::ProductionTolerance,
    /// The key of the hashes of short codes.
    pub code_key: CodeKey,
    /// The reverse proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
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
    #[error("{0}")]
    Mail(#[from] crate::email::MailSettingsError),
    #[error("{0}")]
    Sms(#[from] crate::sms::SmsSettingsError),
    #[error("no se pudieron cargar los datos de demostración: {0}")]
    DemoData(String),
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
        let mail = MailSettings::from_env()?;
        let sms = SmsSettings::from_env(settings.deployment)?;
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
        if settings.demo_data {
            let created = demo::seed(&pool)
                .await
                .map_err(|error| StartupError::DemoData(error.to_string()))?;
            tracing::info!(
                created,
                "datos de demostración listos (VETA_DEMO_DATA=1): cuentas en README.md"
            );
        }
        tracing::info!("{}", mail.describe());
        tracing::info!("{}", sms.describe());
        outbox::spawn_worker(
            pool.clone(),
            Arc::new(SmtpTransport::new(&mail)),
            sms.gateway(&pool),
            PublicUrl(settings.public_url.clone()),
        );
        sealer::spawn_sealer(pool.clone());
        production_purge::spawn_purge(pool.clone());
        let read_pool = match &settings.database_read_url {
            Some(url) => ReadPool(db::connect_read(url, settings.database_max_connections)?),
            None => ReadPool(pool.clone()),
        };
        let router = router(AppState {
            leptos_options: settings.leptos,
            pool,
            read_pool,
            public_url: settings.public_url,
            dev_sms_log: sms.is_recording(),
            compra_vigencia: settings.compra_vigencia,
            subsistence_caps: settings.subsistence_caps,
            sin_origen_limit: settings.sin_origen_limit,
            reversal_window: settings.reversal_window,
            loss_threshold: settings.loss_threshold,
            capacity_blocks: settings.capacity_blocks,
            production_tolerance: settings.production_tolerance,
            code_key: settings.code_key,
            trusted_proxies: settings.trusted_proxies,
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
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|source| StartupError::Serve(source.to_string()))
    }
}

/// All routes: the health check, then every page and server function of the Leptos app, then
/// static files; writes from another site's pages are refused.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    let contexts = state.clone();
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/api/ws/v1/openapi.json", get(web_service::openapi))
        .route(
            "/api/ws/v1/transacciones/{transaction_id}/detalle",
            post(web_service::submit_detail),
        )
        .route("/api/erp/v1/openapi.json", get(erp_api::openapi))
        .route(
            "/api/erp/v1/compras/minero-subsistencia",
            post(erp_api::create),
        )
        .route("/api/erp/v1/compras/{compra_id}", get(erp_api::show))
        .route(
            "/api/erp/v1/compras/{compra_id}/confirmar",
            post(erp_api::confirm),
        )
        .route(
            "/api/produccion/v1/openapi.json",
            get(production_api::openapi),
        )
        .route("/api/produccion/v1/login", post(production_api::login))
        .route(
            "/api/produccion/v1/autorizacion",
            post(production_api::authorize),
        )
        .route("/api/produccion/v1/cargue", post(production_api::cargue));
    if state.dev_sms_log {
        router = router.route("/dev/sms", get(sms::dev_sms_log));
    }
    router
        .leptos_routes_with_context(
            &state,
            routes,
            move || contexts.provide_contexts(),
            move || app::shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .layer(axum::middleware::from_fn(api_errors::server_fn_errors))
        .layer(axum::middleware::from_fn_with_state(
            state.public_url.clone(),
            same_origin::same_origin_writes,
        ))
        .layer(axum::middleware::from_fn(same_origin::security_headers))
        .layer(axum::middleware::from_fn(isolation::isolate_requests))
        .with_state(state)
}

impl AppState {
    /// What the application's code reads from its Leptos context: the pool and the settings. Every
    /// page and server function gets them; so does the buyer's API (`with_contexts`).
    pub fn provide_contexts(&self) {
        provide_context(self.pool.clone());
        provide_context(self.read_pool.clone());
        provide_context(PublicUrl(self.public_url.clone()));
        provide_context(self.compra_vigencia);
        provide_context(self.subsistence_caps.clone());
        provide_context(self.sin_origen_limit);
        provide_context(self.reversal_window);
        provide_context(self.loss_threshold);
        provide_context(self.capacity_blocks);
        provide_context(self.production_tolerance);
        provide_context(self.code_key.clone());
        provide_context(self.trusted_proxies.clone());
    }

    /// Runs `work` (the application's code, outside a server function) with those contexts.
    pub async fn with_contexts<T>(&self, work: impl std::future::Future<Output = T>) -> T {
        // A root: never the child of whatever owner the thread last had (`isolation`).
        let owner = leptos::prelude::Owner::new_root(None);
        owner.with(|| self.provide_contexts());
        owner
            .with(|| leptos::reactive::computed::ScopedFuture::new(work))
            .await
    }
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
