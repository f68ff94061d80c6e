//! Veta's user interface, rendered on the server (`ssr`) and hydrated in the browser (`hydrate`).
//!
//! A feature lives in one module: its pages and, beside them, the server functions they call, with
//! server-only code behind `#[cfg(feature = "ssr")]` (SQL, hashing, the outbox). `layout` holds the
//! frames every page shares; `sections` the menu of the seed guides.

// Leptos views are nested generic types; the purchase wizard nests deeper than the default allows.
#![recursion_limit = "256"]

pub mod alerts;
pub mod approval;
pub mod audit_desk;
pub mod auth;
pub mod closings;
pub mod codigos_origen;
pub mod compras;
pub mod economic_capacity;
pub mod erp;
pub mod error;
mod forms;
pub mod initial_balances;
mod layout;
mod lazy;
pub mod ledger;
#[cfg(feature = "ssr")]
pub mod limits;
pub mod miner_registry;
#[cfg(feature = "ssr")]
pub mod notify;
mod operator;
mod organizations;
mod pages;
pub mod production;
pub mod reports;
pub mod saldos;
mod sections;
pub mod trail;
pub mod transformations;
mod users;

pub use operator::OPERATOR;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{Lazy, path};

/// The HTML document the server renders around the application.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="es-CO">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" href=stylesheet_href(&options) />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page's Content-Security-Policy: scripts only from this site or with this page's nonce (the
/// hydration script), WebAssembly allowed, nothing framed or posted elsewhere. Inline `style`
/// attributes are allowed (the views set some); no inline script is.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    use http::HeaderValue;
    use http::header::CONTENT_SECURITY_POLICY;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
}

/// The stylesheet that the site build writes beside the WASM bundle (named by `Leptos.toml`).
fn stylesheet_href(options: &LeptosOptions) -> String {
    format!("/{}/{}.css", options.site_pkg_dir, options.output_name)
}

/// The application: every route of the product.
///
/// Pages render with `SsrMode::Async`: the server waits for their data before it answers, so a
/// redirect to sign-in or a 403/404 status reaches the browser as a real HTTP status.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| format!("{page} · Veta") />
        <Router>
            <Routes fallback=pages::NotFound>
                <ParentRoute path=path!("") view=layout::PublicLayout ssr=SsrMode::Async>
                    <Route path=path!("/ingresar") view=auth::LoginPage />
                    <Route path=path!("/ingresar/codigo") view=auth::CodePage />
                    <Route path=path!("/registro") view={Lazy::<lazy::Register>::new()} />
                    <Route path=path!("/verificar-correo") view={Lazy::<lazy::VerifyEmail>::new()} />
                    <Route path=path!("/recuperar") view={Lazy::<lazy::Recover>::new()} />
                    <Route path=path!("/restablecer") view={Lazy::<lazy::ResetPassword>::new()} />
                    <Route path=path!("/invitacion") view={Lazy::<lazy::AcceptInvitation>::new()} />
                    <Route path=path!("/venta/:token") view={Lazy::<lazy::SellerEditor>::new()} />
                    <Route path=path!("/venta/rechazar/:token") view={Lazy::<lazy::Decline>::new()} />
                </ParentRoute>
                <ParentRoute path=path!("") view=layout::Layout ssr=SsrMode::Async>
                    <Route path=path!("") view=pages::Home />
                    <Route path=path!("/usuarios") view={Lazy::<lazy::Users>::new()} />
                    <Route path=path!("/organizaciones") view={Lazy::<lazy::Organizations>::new()} />
                    <Route path=path!("/mi-organizacion") view={Lazy::<lazy::MyOrganization>::new()} />
                    <Route path=path!("/aprobaciones") view={Lazy::<lazy::Approvals>::new()} />
                    <Route path=path!("/alertas") view={Lazy::<lazy::Alerts>::new()} />
                    <Route path=path!("/codigos-origen") view={Lazy::<lazy::OriginCodes>::new()} />
                    <Route path=path!("/mineros-de-subsistencia") view={Lazy::<lazy::MinerRegistry>::new()} />
                    <Route path=path!("/verificacion") view={Lazy::<lazy::Verification>::new()} />
                    <Route path=path!("/saldos") view={Lazy::<lazy::Balances>::new()} />
                    <Route path=path!("/saldos/:codigo") view={Lazy::<lazy::Movements>::new()} />
                    <Route path=path!("/reenviar-saldos") view={Lazy::<lazy::ResendBalances>::new()} />
                    <Route path=path!("/saldos-iniciales") view={Lazy::<lazy::InitialBalances>::new()} />
                    <Route path=path!("/integracion-erp") view={Lazy::<lazy::Erp>::new()} />
                    <Route path=path!("/compras/explotador-minero-autorizado") view={Lazy::<lazy::CompraExplotador>::new()} />
                    <Route path=path!("/compras/comercializador") view={Lazy::<lazy::CompraComercializador>::new()} />
                    <Route path=path!("/compras/minero-de-subsistencia") view={Lazy::<lazy::CompraMineroSubsistencia>::new()} />
                    <Route path=path!("/compras/sin-identificacion-de-origen") view={Lazy::<lazy::CompraSinOrigen>::new()} />
                    <Route path=path!("/auditoria/compras-sin-origen") view={Lazy::<lazy::SinOrigenAudit>::new()} />
                    <Route path=path!("/compras/retomar/:id") view={Lazy::<lazy::ResumeCompra>::new()} />
                    <Route path=path!("/compras/detalle/:id") view={Lazy::<lazy::CompraDetail>::new()} />
                    <Route path=path!("/transacciones-en-curso") view={Lazy::<lazy::EnCurso>::new()} />
                    <Route path=path!("/compras/historial") view={Lazy::<lazy::History>::new()} />
                    <Route path=path!("/reversion-compra") view={Lazy::<lazy::Reversal>::new()} />
                    <Route path=path!("/transformaciones") view={Lazy::<lazy::Transformations>::new()} />
                    <Route path=path!("/cierres") view={Lazy::<lazy::Closings>::new()} />
                    <Route path=path!("/auditoria/cierres") view={Lazy::<lazy::ClosingsAudit>::new()} />
                    <Route path=path!("/capacidad-economica") view={Lazy::<lazy::Capacity>::new()} />
                    <Route path=path!("/auditoria/capacidad-economica") view={Lazy::<lazy::CapacityAudit>::new()} />
                    <Route path=path!("/auditoria/movimientos") view={Lazy::<lazy::AuditMovements>::new()} />
                    <Route path=path!("/reversion-transformacion") view={Lazy::<lazy::TransformationReversal>::new()} />
                    <Route path=path!("/trazabilidad/:codigo") view={Lazy::<lazy::Trail>::new()} />
                    <Route path=path!("/produccion/tokens") view={Lazy::<lazy::ProductionTokens>::new()} />
                    <Route path=path!("/produccion/cargues") view={Lazy::<lazy::ProductionBatches>::new()} />
                    <Route path=path!("/produccion/mensual") view={Lazy::<lazy::MonthlyProduction>::new()} />
                    // Never a catch-all parameter here: it would shadow the static files.
                </ParentRoute>
            </Routes>
        </Router>
    }
}
