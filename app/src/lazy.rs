//! The pages the browser loads only when one of them is opened. Each is a `LazyRoute` whose view
//! `#[lazy_route]` turns into a lazy function; `scripts/build-site` splits it, and the code only it
//! reaches, into a WASM chunk of its own (shared code into shared chunks). The frames, sign-in and
//! its code step, the home and section pages and "not found" stay in the main bundle: every visit
//! starts with them.
//!
//! Rendering on the server is unchanged; during hydration the router waits for the page's chunk,
//! which the server already announced with `<link rel="preload">` (from the split manifest).

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::{
    alerts, approval, audit_desk, auth, closings, codigos_origen, compras, economic_capacity, erp,
    initial_balances, ledger, miner_registry, organizations, production, saldos, trail,
    transformations, users,
};

/// One lazy route per page: no route data of its own (the pages load theirs), a view that renders
/// the page's component.
macro_rules! lazy_pages {
    ($($(#[$doc:meta])* $route:ident => $page:path;)*) => {$(
        $(#[$doc])*
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_pages! {
    /// `/registro`
    Register => auth::RegisterPage;
    /// `/verificar-correo`
    VerifyEmail => auth::VerifyEmailPage;
    /// `/recuperar`
    Recover => auth::RecoverPage;
    /// `/restablecer`
    ResetPassword => auth::ResetPasswordPage;
    /// `/invitacion`
    AcceptInvitation => auth::AcceptInvitationPage;
    /// `/usuarios`
    Users => users::UsersPage;
    /// `/organizaciones`
    Organizations => organizations::OrganizationsPage;
    /// `/codigos-origen`
    OriginCodes => codigos_origen::OriginCodesPage;
    /// `/mineros-de-subsistencia`
    MinerRegistry => miner_registry::MinerRegistryPage;
    /// `/verificacion`
    Verification => ledger::VerificationPage;
    /// `/saldos`
    Balances => saldos::BalancesPage;
    /// `/saldos/:codigo`
    Movements => saldos::MovementsPage;
    /// `/integracion-erp`
    Erp => erp::ErpPage;
    /// `/saldos-iniciales`
    InitialBalances => initial_balances::InitialBalancesPage;
    /// `/reenviar-saldos`
    ResendBalances => saldos::ResendBalancesPage;
    /// `/compras/explotador-minero-autorizado`
    CompraExplotador => compras::CompraExplotadorPage;
    /// `/compras/comercializador`
    CompraComercializador => compras::CompraComercializadorPage;
    /// `/compras/minero-de-subsistencia`
    CompraMineroSubsistencia => compras::CompraMineroSubsistenciaPage;
    /// `/compras/sin-identificacion-de-origen`
    CompraSinOrigen => compras::SinOrigenPage;
    /// `/auditoria/compras-sin-origen`
    SinOrigenAudit => compras::SinOrigenAuditPage;
    /// `/compras/detalle/:id`
    CompraDetail => compras::DetailPage;
    /// `/compras/retomar/:id`
    ResumeCompra => compras::ResumePage;
    /// `/transacciones-en-curso`
    EnCurso => compras::EnCursoPage;
    /// `/compras/historial`
    History => compras::HistoryPage;
    /// `/reversion-compra`
    Reversal => compras::ReversalPage;
    /// `/auditoria/movimientos`
    AuditMovements => audit_desk::AuditMovementsPage;
    /// `/cierres`
    Closings => closings::ClosingsPage;
    /// `/auditoria/cierres`
    ClosingsAudit => closings::ClosingsAuditPage;
    /// `/capacidad-economica`
    Capacity => economic_capacity::CapacityPage;
    /// `/auditoria/capacidad-economica`
    CapacityAudit => economic_capacity::CapacityAuditPage;
    /// `/trazabilidad/:codigo`
    Trail => trail::TrailPage;
    /// `/transformaciones`
    Transformations => transformations::TransformationsPage;
    /// `/reversion-transformacion`
    TransformationReversal => transformations::TransformationReversalPage;
    /// `/venta/:token`
    SellerEditor => compras::SellerEditorPage;
    /// `/venta/rechazar/:token`
    Decline => compras::DeclinePage;
    /// `/mi-organizacion`
    MyOrganization => approval::MyOrganizationPage;
    /// `/aprobaciones`
    Approvals => approval::ApprovalsPage;
    /// `/alertas`
    Alerts => alerts::AlertsPage;
    /// `/produccion/tokens`
    ProductionTokens => production::ProductionTokensPage;
    /// `/produccion/cargues`
    ProductionBatches => production::ProductionBatchesPage;
    /// `/produccion/mensual`
    MonthlyProduction => production::monthly::MonthlyProductionPage;
}
