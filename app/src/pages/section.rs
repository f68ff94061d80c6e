use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::NotFound;
use crate::layout::CurrentUser;
use crate::sections;

/// A section of the menu whose feature is not built yet: it says so plainly instead of showing
/// made-up data. A purchase section first says whether the user's role may register purchases.
#[component]
pub fn SectionPage() -> impl IntoView {
    let location = use_location();
    move || match sections::find(&location.pathname.get()) {
        Some(section) => {
            let is_purchase = section.path.starts_with("/compras/");
            view! {
                <Title text=section.title />
                <h1>{section.title}</h1>
                <PurchaseRoleGate when=is_purchase>
                    <p class="aviso" role="status">
                        "Esta funcionalidad aún no está disponible. Estamos trabajando para habilitarla pronto."
                    </p>
                </PurchaseRoleGate>
            }
            .into_any()
        }
        None => view! { <NotFound /> }.into_any(),
    }
}

/// Shows `children` unless `when` and the signed-in user's role may not register purchases, in
/// which case it says so (the server refuses those calls anyway).
#[component]
pub fn PurchaseRoleGate(#[prop(default = true)] when: bool, children: ChildrenFn) -> impl IntoView {
    let CurrentUser(user) = expect_context::<CurrentUser>();
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                let role = user.await.ok().flatten().map(|u| u.role);
                match role {
                    Some(role) if when && !role.can_register_transactions() => view! {
                        <p class="mensaje-error" role="alert">
                            "Su rol (" {role.label()} ") solo permite consultar: no puede registrar compras."
                        </p>
                    }.into_any(),
                    _ => children.with_value(|children| children()).into_any(),
                }
            })}
        </Suspense>
    }
}
