//! The frames of the pages: the signed-in frame (header with the organisation, the left panel of
//! the seed guides, content, footer) and the public frame of sign-in and registration.

use domain::{ApprovalStatus, Role};
use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};
use leptos_router::hooks::use_location;

use crate::OPERATOR;
use crate::auth::{SignOutButtons, SignedInUser, current_user};
use crate::error::AppError;
use crate::sections::{AFTER_COMPRAS, COMPRAS, REENVIAR_SALDOS, SALDOS_INICIALES, Section};

/// The signed-in user of the page, loaded once by the frame and shared with every page in it.
#[derive(Clone, Copy)]
pub struct CurrentUser(pub Resource<Result<Option<SignedInUser>, AppError>>);

/// The frame of every signed-in page; sends anyone else to the sign-in page.
#[component]
pub fn Layout() -> impl IntoView {
    let user = Resource::new(|| (), |_| current_user());
    provide_context(CurrentUser(user));
    // On a phone the panel is folded behind the "Menú" button; it folds again after navigating.
    let panel_open = RwSignal::new(false);
    let location = use_location();
    Effect::new(move |_| {
        location.pathname.track();
        panel_open.set(false);
    });

    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(_)) => None,
                    _ => Some(view! { <Redirect path="/ingresar" /> }),
                }
            })}
        </Suspense>
        <header class="encabezado">
            <button
                class="boton-menu"
                aria-controls="panel-izquierdo"
                aria-expanded=move || panel_open.get().to_string()
                on:click=move |_| panel_open.update(|open| *open = !*open)
            >
                "Menú"
            </button>
            <Brand />
            <Suspense>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|user| view! { <Identity user /> })
                })}
            </Suspense>
            <A href="/transacciones-en-curso" attr:class="campana" attr:title="Transacciones en curso">
                <BellIcon />
                <span class="campana-texto">"Transacciones en curso"</span>
                <crate::compras::EnCursoBell />
            </A>
        </header>
        <div class="cuerpo">
            <nav
                id="panel-izquierdo"
                class="panel"
                class:abierto=move || panel_open.get()
                aria-label="Menú principal"
            >
                <SidePanel />
            </nav>
            <main class="contenido">
                <Suspense>
                    {move || Suspend::new(async move {
                        user.await.ok().flatten().and_then(|user| user.organization).and_then(|o| {
                            (!o.approval.may_trade()).then(|| view! { <ApprovalNotice status=o.approval /> })
                        })
                    })}
                </Suspense>
                <Outlet />
            </main>
        </div>
        <Footer />
    }
}

/// The frame of the pages one reaches without signing in.
#[component]
pub fn PublicLayout() -> impl IntoView {
    view! {
        <header class="encabezado">
            <Brand />
        </header>
        <main class="contenido contenido-publico">
            <Outlet />
        </main>
        <Footer />
    }
}

#[component]
fn Brand() -> impl IntoView {
    view! {
        <A href="/" attr:class="marca">
            <span class="marca-nombre">{OPERATOR.product}</span>
            <span class="marca-rol">{OPERATOR.role}</span>
        </A>
    }
}

/// Who is signed in, for which organisation, and the way out.
#[component]
fn Identity(user: SignedInUser) -> impl IntoView {
    let organization = user
        .organization
        .as_ref()
        .map(|o| o.razon_social.clone())
        .unwrap_or_else(|| user.role.label().to_owned());
    view! {
        <div class="identidad">
            <span class="identidad-organizacion" data-testid="organizacion">{organization}</span>
            <span class="identidad-usuario">{user.full_name} " · " {user.role.label()}</span>
            <span class="identidad-salir"><SignOutButtons /></span>
        </div>
    }
}

/// On every page of an organisation that may not trade yet: why, and where to act.
#[component]
fn ApprovalNotice(status: ApprovalStatus) -> impl IntoView {
    let text = match status {
        ApprovalStatus::PendienteAprobacion => {
            "Su organización está pendiente de aprobación: no puede comprar ni ser encontrada como vendedora hasta que el Administrador OTTM la apruebe."
        }
        ApprovalStatus::Rechazada => "El registro de su organización no fue aprobado.",
        ApprovalStatus::Suspendida | ApprovalStatus::Aprobada => {
            "Su organización está suspendida: no puede comprar ni vender."
        }
    };
    view! {
        <p class="aviso" data-testid="aviso-aprobacion">
            {text} " " <A href="/mi-organizacion">"Ver «Mi organización»"</A>
        </p>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="pie">
            <p class="pie-operador">{OPERATOR.product} " · " {OPERATOR.role}</p>
            <ul class="pie-contacto">
                {OPERATOR.contact_lines.iter().map(|line| view! { <li>{*line}</li> }).collect_view()}
            </ul>
        </footer>
    }
}

/// The left panel: the entries of seed 000, with "Compras" unfolding its four kinds of purchase,
/// then what the user's role manages.
#[component]
fn SidePanel() -> impl IntoView {
    let location = use_location();
    let CurrentUser(user) = expect_context::<CurrentUser>();
    // Open on a purchase page, so the current entry is visible; the user folds it at will.
    let compras_open = RwSignal::new(location.pathname.get_untracked().starts_with("/compras/"));

    view! {
        <ul class="menu">
            <li>
                <A href="/" exact=true>"Inicio"</A>
            </li>
            <li>
                <SectionLink section=SALDOS_INICIALES />
            </li>
            <li>
                <button
                    class="menu-grupo"
                    aria-expanded=move || compras_open.get().to_string()
                    aria-controls="menu-compras"
                    on:click=move |_| compras_open.update(|open| *open = !*open)
                >
                    "Compras"
                    <span class="flecha" aria-hidden="true">"▾"</span>
                </button>
                <ul id="menu-compras" class="submenu" hidden=move || !compras_open.get()>
                    {COMPRAS
                        .into_iter()
                        .map(|section| view! { <li><SectionLink section /></li> })
                        .collect_view()}
                </ul>
            </li>
            {AFTER_COMPRAS
                .into_iter()
                .map(|section| view! { <li><SectionLink section /></li> })
                .collect_view()}
            <Suspense>
                {move || Suspend::new(async move {
                    let signed_in = user.await.ok().flatten();
                    let role = signed_in.as_ref().map(|u| u.role);
                    // Resolución 1216 de 2025: the Administrador of a comercializador or planta.
                    let capacity = signed_in.as_ref().is_some_and(|u| {
                        u.role == Role::Administrador
                            && u.organization.as_ref().is_some_and(|o| matches!(
                                o.kind,
                                domain::OrganizationKind::Comercializador
                                    | domain::OrganizationKind::PlantaBeneficio
                            ))
                    });
                    // Resolución 371 de 2024: the Administrador of a title holder reports production.
                    let production = signed_in.as_ref().is_some_and(|u| {
                        u.role == Role::Administrador
                            && u.organization.as_ref().is_some_and(|o| {
                                o.kind == domain::OrganizationKind::ExplotadorMineroAutorizado
                            })
                    });
                    view! {
                        {capacity.then(|| view! {
                            <li><A href="/capacidad-economica">"Capacidad económica"</A></li>
                        })}
                        {production.then(|| view! {
                            <li><A href="/produccion/tokens">"Reporte de producción"</A></li>
                            <li><A href="/produccion/cargues">"Historial de cargue"</A></li>
                            <li><A href="/produccion/mensual">"Producción mensual"</A></li>
                        })}
                        {role.is_some_and(|r| !r.is_platform()).then(|| view! {
                            <li><A href="/saldos">"Saldos"</A></li>
                            <li><A href="/mi-organizacion">"Mi organización"</A></li>
                        })}
                        {role.is_some_and(|r| r.can_manage_users()).then(|| view! {
                            <li><A href="/usuarios">"Usuarios"</A></li>
                            <li><A href="/integracion-erp">"Integración ERP"</A></li>
                        })}
                        {role.is_some_and(|r| r.reads_every_organization()).then(|| view! {
                            <li><A href="/organizaciones">"Organizaciones"</A></li>
                        })}
                        {role.is_some_and(|r| r.is_platform()).then(|| view! {
                            <li><A href="/verificacion">"Verificación del libro"</A></li>
                        })}
                        {(role == Some(Role::AdministradorOttm)).then(|| view! {
                            <li><A href="/codigos-origen">"Códigos de origen"</A></li>
                            <li><A href="/mineros-de-subsistencia">"Mineros de subsistencia"</A></li>
                            <li><A href="/aprobaciones">"Aprobaciones"</A></li>
                        })}
                        {role.is_some_and(|r| r.is_platform()).then(|| view! {
                            <li><A href="/alertas">"Alertas"</A></li>
                            <li><A href="/auditoria/compras-sin-origen">"Compras sin origen identificado"</A></li>
                            <li><A href="/auditoria/cierres">"Cierres de las organizaciones"</A></li>
                            <li><A href="/auditoria/capacidad-economica">"Capacidad económica"</A></li>
                            <li><A href="/auditoria/movimientos">"Movimientos del libro"</A></li>
                        })}
                    }
                })}
            </Suspense>
        </ul>
        // Balances belong to organisations: the platform roles have none to resend.
        <Suspense>
            {move || Suspend::new(async move {
                let role = user.await.ok().flatten().map(|u| u.role);
                role.is_some_and(|r| !r.is_platform()).then(|| view! {
                    <A href=REENVIAR_SALDOS.path attr:class="boton boton-secundario reenviar">
                        {REENVIAR_SALDOS.title}
                    </A>
                })
            })}
        </Suspense>
    }
}

#[component]
fn SectionLink(section: Section) -> impl IntoView {
    view! { <A href=section.path>{section.title}</A> }
}

/// A bell, drawn inline so that it needs no extra request.
#[component]
fn BellIcon() -> impl IntoView {
    view! {
        <svg class="icono" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
            <path
                fill="currentColor"
                d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
            />
        </svg>
    }
}
