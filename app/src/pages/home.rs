use leptos::prelude::*;
use leptos_meta::Title;

use crate::OPERATOR;

/// "Inicio": what the platform is for.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="Inicio" />
        <h1>"Inicio"</h1>
        <p>
            {OPERATOR.product}
            " registra en tiempo real las compras, ventas, transformaciones y cierres de minerales ante la "
            "Plataforma de Trazabilidad de Minerales (PTM) de la Agencia Nacional de Minería, y lleva sus "
            "saldos por código de origen para que ningún gramo se venda dos veces."
        </p>
        <p>"Use el panel izquierdo para registrar sus operaciones."</p>
    }
}
