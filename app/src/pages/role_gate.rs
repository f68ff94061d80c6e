//! The gate of the pages where an organisation registers operations (purchases, reversals,
//! transformations).

use leptos::prelude::*;

use crate::layout::CurrentUser;

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
