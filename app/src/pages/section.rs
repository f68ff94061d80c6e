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
    let CurrentUser(user) = expect_context::<CurrentUser>();
    move || match sections::find(&location.pathname.get()) {
        Some(section) => {
            let is_purchase = section.path.starts_with("/compras/");
            view! {
                <Title text=section.title />
                <h1>{section.title}</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        let role = user.await.ok().flatten().map(|u| u.role);
                        match role {
                            Some(role) if is_purchase && !role.can_register_transactions() => view! {
                                <p class="mensaje-error" role="alert">
                                    "Su rol (" {role.label()} ") solo permite consultar: no puede registrar compras."
                                </p>
                            }.into_any(),
                            _ => view! {
                                <p class="aviso" role="status">
                                    "Esta funcionalidad aún no está disponible. Estamos trabajando para habilitarla pronto."
                                </p>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            }
            .into_any()
        }
        None => view! { <NotFound /> }.into_any(),
    }
}
