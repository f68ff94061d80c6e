//! The form of `/capacidad-economica`: checked and evaluated with `domain::economic_capacity` in
//! the browser before it is sent (the server checks it again).

use domain::economic_capacity::draft::{REGIMEN_NO_RESPONSABLE, REGIMEN_RESPONSABLE};
use domain::economic_capacity::{CapacityDraft, CapacityParameters, RiskRating};
use leptos::prelude::*;

use super::submit_capacity;
use crate::forms::{BoundField, FieldMessages, FormMessage, FormState, browser_today, chosen_file};

/// A select of `(value, label)` options bound to `value`, its errors under it.
fn choice(
    state: FormState,
    label: &'static str,
    path: &'static str,
    options: Vec<(&'static str, String)>,
    value: RwSignal<String>,
) -> impl IntoView {
    let id = format!("campo-{path}");
    view! {
        <div class="campo">
            <label for=id.clone()>{label}</label>
            <select id=id name=path on:change=move |ev| value.set(event_target_value(&ev))>
                {options.into_iter().map(|(code, text)| view! {
                    <option value=code selected=move || value.get_untracked() == code>{text}</option>
                }).collect_view()}
            </select>
            <FieldMessages state path />
        </div>
    }
}

#[component]
pub fn CapacityForm(version: RwSignal<u32>, saved: RwSignal<Option<i32>>) -> impl IntoView {
    let state = FormState::new();
    let draft = RwSignal::new(CapacityDraft::default());
    let regimen = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let exemption = RwSignal::new(String::new());
    let rating = RwSignal::new(String::new());
    let group = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    // A text field of the draft.
    let text = move |label: &'static str,
                     path: &'static str,
                     hint: &'static str,
                     get: fn(&CapacityDraft) -> &String,
                     set: fn(&mut CapacityDraft, String)| {
        view! {
            <BoundField label path state hint
                value=Signal::derive(move || draft.with(|d| get(d).clone()))
                set=Callback::new(move |v| draft.update(|d| set(d, v))) />
        }
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                let sha = domain::Sha256Hex::of_bytes(&bytes).to_string();
                draft.update(|d| d.evidence_sha256 = sha);
            }
        });
    };
    let on_submit = move |_| {
        let mut typed = draft.get_untracked();
        typed.regimen = regimen.get_untracked();
        typed.person = person.get_untracked();
        typed.exemption = exemption.get_untracked();
        typed.risk_rating = rating.get_untracked();
        typed.purchases_group = group.get_untracked();
        let checked = typed.evaluate(browser_today(), &CapacityParameters::default());
        if state.check(checked).is_none() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match submit_capacity(typed).await {
                Ok(evaluation) => {
                    state.clear();
                    saved.set(Some(evaluation.year));
                    version.update(|v| *v += 1);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    let ratings: Vec<(&'static str, String)> = std::iter::once(("", "Sin calificación".to_owned()))
        .chain(
            RiskRating::ALL
                .into_iter()
                .map(|r| (r.as_str(), r.as_str().to_owned())),
        )
        .collect();
    // Three parts, each erased to one view type: a single nested type of the whole form is
    // deeper than the compiler's layout queries allow in a release build.
    let who = view! {
                {text("Año evaluado", "year", "El año en curso o el siguiente, por ejemplo 2026.",
                    |d| &d.year, |d, v| d.year = v)}
                {choice(state, "Tipo de persona", "person", vec![
                    ("", "Elija…".to_owned()),
                    ("NATURAL", "Persona natural".to_owned()),
                    ("JURIDICA", "Persona jurídica".to_owned()),
                ], person)}
                {choice(state, "Régimen de IVA", "regimen", vec![
                    ("", "Elija…".to_owned()),
                    (REGIMEN_RESPONSABLE, "Responsable de IVA (estados financieros)".to_owned()),
                    (REGIMEN_NO_RESPONSABLE, "No responsable de IVA (certificado de ingresos)".to_owned()),
                ], regimen)}
                {move || (regimen.get() == REGIMEN_RESPONSABLE).then(|| view! {
                    <h2>"Estados financieros (pesos)"</h2>
                    {text("Activo corriente", "activo_corriente", "", |d| &d.activo_corriente, |d, v| d.activo_corriente = v)}
                    {text("Pasivo corriente", "pasivo_corriente", "", |d| &d.pasivo_corriente, |d, v| d.pasivo_corriente = v)}
                    {text("Ingresos operacionales", "ingresos_operacionales", "", |d| &d.ingresos_operacionales, |d, v| d.ingresos_operacionales = v)}
                    {text("Pasivo total", "pasivo_total", "", |d| &d.pasivo_total, |d, v| d.pasivo_total = v)}
                    {text("Activo total", "activo_total", "", |d| &d.activo_total, |d, v| d.activo_total = v)}
                })}
                {move || (regimen.get() == REGIMEN_NO_RESPONSABLE).then(|| view! {
                    <h2>"Certificado de ingresos (pesos)"</h2>
                    {text("Ingresos del último año gravable", "ingresos_ultimo_ano_gravable",
                        "Últimos 12 meses, según certificado de contador público.",
                        |d| &d.ingresos_ultimo_ano_gravable, |d, v| d.ingresos_ultimo_ano_gravable = v)}
                    {text("Inversión de capital de trabajo en periodo de comercialización", "inversion_capital_trabajo",
                        "Capital de trabajo neto operativo (KTNO) estimado para el año.",
                        |d| &d.inversion_capital_trabajo, |d, v| d.inversion_capital_trabajo = v)}
                })}
                <div class="campo-casilla">
                    <input type="checkbox" id="campo-bank_certification" name="bank_certification"
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.bank_certification = on) } />
                    <label for="campo-bank_certification">"Adjunto certificación bancaria de un producto financiero vigente (art. 2)"</label>
                </div>
    }
    .into_any();
    let alternatives = view! {
                <h2>"Alternativas del artículo 3"</h2>
                <div class="campo-casilla">
                    <input type="checkbox" id="campo-mining_title_registered" name="mining_title_registered"
                        on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.mining_title_registered = on) } />
                    <label for="campo-mining_title_registered">"Tengo un título minero inscrito a mi nombre en el Registro Minero Nacional"</label>
                </div>
                {choice(state, "Calificación de riesgos", "risk_rating", ratings, rating)}
                {text("Fecha de expedición de la calificación", "risk_rating_issued_on", "DD/MM/AAAA",
                    |d| &d.risk_rating_issued_on, |d, v| d.risk_rating_issued_on = v)}
                {choice(state, "Compras del año anterior: grupo de minerales", "purchases_group",
                    std::iter::once(("", "No declaro compras".to_owned()))
                        .chain(domain::MineralGroup::ALL.into_iter().map(|g| (g.code(), g.label().to_owned())))
                        .collect(),
                    group)}
                {text("Volumen comprado el año anterior", "purchases_volume",
                    "45.000 t de carbón, 30.000 m3 de materiales de construcción, 25.000 t de metálicos o 20.000 t de no metálicos.",
                    |d| &d.purchases_volume, |d, v| d.purchases_volume = v)}
                {text("Unidad del volumen", "purchases_unit", "t o m3",
                    |d| &d.purchases_unit, |d, v| d.purchases_unit = v)}
                {choice(state, "Exención (art. 3, parágrafo)", "exemption", vec![
                    ("", "Ninguna".to_owned()),
                    ("REORGANIZACION_LEY1116", "Proceso de reorganización (Ley 1116 de 2006), personas jurídicas".to_owned()),
                    ("REPERFILAMIENTO_OBLIGACIONES", "Acuerdo de reperfilamiento de obligaciones".to_owned()),
                ], exemption)}
    }
    .into_any();
    let projection = view! {
                <h2>"Proyección y soporte"</h2>
                {text("Monto proyectado de comercialización del año (pesos)", "projected_amount",
                    "Veta le avisa cuando sus compras confirmadas del año lo superen.",
                    |d| &d.projected_amount, |d, v| d.projected_amount = v)}
                <div class="campo">
                    <label for="campo-soporte">"Soporte (estados financieros o certificado de ingresos)"</label>
                    <input id="campo-soporte" type="file" on:change=on_file />
                    <p class="ayuda">"Veta calcula en su navegador el código SHA-256 del archivo; el archivo no se envía."</p>
                </div>
                {text("Código SHA-256 del soporte", "evidence_sha256", "64 caracteres hexadecimales.",
                    |d| &d.evidence_sha256, |d, v| d.evidence_sha256 = v)}
    }
    .into_any();
    view! {
        <form class="formulario formulario-ancho" on:submit=|ev| ev.prevent_default()>
            <fieldset disabled=move || busy.get()>
                {who}
                {alternatives}
                {projection}
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" on:click=on_submit>"Evaluar y guardar"</button>
                </p>
            </fieldset>
        </form>
    }
}
