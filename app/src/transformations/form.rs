//! The form of a transformation: date, process, support, inputs chosen among the organisation's
//! balances (with their contents and leyes), outputs, and the justification of a large loss.
//! Checked with `domain::transformation` in the browser before it is sent.

use domain::transformation::{
    ContentDraft, InputDraft, LossThreshold, OutputDraft, Process, TransformationDraft,
};
use domain::{Closings, Mineral};
use leptos::prelude::*;

use super::register_transformation;
use crate::forms::{
    BoundField, FieldMessages, FormMessage, FormState, browser_today, chosen_file, messages_for,
    new_form_id,
};
use crate::saldos::list_balances;

/// The minerals as options of a select, `selected` chosen.
fn mineral_options(selected: &str) -> impl IntoView + use<> {
    Mineral::all()
        .iter()
        .map(|mineral| {
            let name = mineral.name();
            view! { <option value=name selected=name == selected>{name}</option> }
        })
        .collect_view()
}

/// The errors of one line's fields, listed under it.
fn line_errors(state: FormState, prefix: String, fields: &'static [&'static str]) -> impl IntoView {
    view! {
        <ul class="errores-campo">
            {move || fields.iter()
                .flat_map(|field| messages_for(state, &format!("{prefix}.{field}")))
                .chain(messages_for(state, &prefix))
                .map(|m| view! { <li>{m}</li> })
                .collect_view()}
        </ul>
    }
}

#[component]
pub fn TransformationForm(version: RwSignal<u32>) -> impl IntoView {
    let state = FormState::new();
    let balances = Resource::new(|| (), |_| list_balances());
    let fecha = RwSignal::new(String::new());
    let process = RwSignal::new(String::new());
    let sha256 = RwSignal::new(String::new());
    let justification = RwSignal::new(String::new());
    let inputs = RwSignal::new(vec![InputDraft::default()]);
    let outputs = RwSignal::new(vec![OutputDraft::default()]);
    let form_id = RwSignal::new(None::<uuid::Uuid>);
    let done = RwSignal::new(None::<Vec<String>>);
    let busy = RwSignal::new(false);
    let draft = move || TransformationDraft {
        fecha: fecha.get_untracked(),
        process: process.get_untracked(),
        support_sha256: sha256.get_untracked(),
        justification: justification.get_untracked(),
        inputs: inputs.get_untracked(),
        outputs: outputs.get_untracked(),
    };
    let on_file = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        leptos::task::spawn_local(async move {
            if let Some((_, bytes)) = chosen_file(&input).await {
                sha256.set(domain::Sha256Hex::of_bytes(&bytes).to_string());
            }
        });
    };
    let on_register = move |_| {
        let typed = draft();
        let checked = typed.validate(browser_today(), &Closings::none(), LossThreshold::default());
        if state.check(checked).is_none() {
            return;
        }
        let Some(id) = form_id.get_untracked().or_else(new_form_id) else {
            state.message.set(Some(
                "Su navegador no ofrece un generador aleatorio seguro.".to_owned(),
            ));
            return;
        };
        form_id.set(Some(id));
        busy.set(true);
        leptos::task::spawn_local(async move {
            match register_transformation(id, typed).await {
                Ok(registered) => {
                    state.clear();
                    done.set(Some(
                        registered.row.outputs.into_iter().map(|o| o.text).collect(),
                    ));
                    form_id.set(None);
                    inputs.set(vec![InputDraft::default()]);
                    outputs.set(vec![OutputDraft::default()]);
                    justification.set(String::new());
                    version.update(|v| *v += 1);
                    balances.refetch();
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };
    view! {
        <p class="ayuda">
            "Registre la fundición, refinación o beneficio de minerales que su organización tiene: los \
             insumos salen de sus saldos y cada producto recibe un código de origen nuevo que recuerda de \
             qué códigos vino su metal. Por elemento, lo que sale no puede superar lo que entra (cantidad × \
             ley); una pérdida mayor al 15 % necesita justificación y se informa al auditor."
        </p>
        {move || done.get().map(|outputs| view! {
            <p class="mensaje-exito" role="status">
                {format!("Transformación registrada. Productos: {}.", outputs.join(" · "))}
            </p>
        })}
        <form class="formulario formulario-ancho" on:submit=|ev| ev.prevent_default()>
            <fieldset disabled=move || busy.get()>
                <BoundField label="Fecha de la operación" path="fecha" state
                    value=Signal::derive(move || fecha.get()) set=Callback::new(move |v| fecha.set(v))
                    required=true hint="DD/MM/AAAA" />
                <div class="campo">
                    <label for="campo-process">"Proceso"</label>
                    <select id="campo-process" on:change=move |ev| process.set(event_target_value(&ev))>
                        <option value="">"Elija…"</option>
                        {Process::ALL.into_iter().map(|p| view! { <option value=p.code()>{p.label()}</option> }).collect_view()}
                    </select>
                    <FieldMessages state path="process" />
                </div>
                <div class="campo">
                    <label for="campo-soporte">"Soporte de la transformación (acta, certificado de ensayo)"</label>
                    <input id="campo-soporte" type="file" on:change=on_file />
                    <p class="ayuda">"Veta calcula en su navegador el código SHA-256 del archivo; el archivo no se envía."</p>
                </div>
                <BoundField label="Código SHA-256 del soporte" path="support_sha256" state
                    value=Signal::derive(move || sha256.get()) set=Callback::new(move |v| sha256.set(v))
                    required=true hint="64 caracteres hexadecimales." />

                <h2>"Insumos"</h2>
                <Transition fallback=|| view! { <p>"Cargando sus saldos…"</p> }>
                    {move || Suspend::new(async move {
                        let held = balances.await.unwrap_or_default();
                        let held: Vec<(String, String)> = held
                            .into_iter()
                            .filter(|row| !row.quantity.is_zero())
                            .map(|row| (
                                format!("{}|{}|{}", row.codigo_origen, row.mineral.name(), row.unit.code()),
                                format!("{} · {} · {} {} disponibles", row.codigo_origen, row.mineral, row.quantity, row.unit),
                            ))
                            .collect();
                        view! {
                            {move || inputs.get().into_iter().enumerate().map(|(index, input)| {
                                let held = held.clone();
                                let chosen = format!("{}|{}|{}", input.codigo_origen, input.mineral, input.unit);
                                let n = index + 1;
                                let contents = input.contents.clone();
                                view! {
                                    <fieldset class="linea">
                                        <legend>{format!("Insumo {n}")}</legend>
                                        <label>"Saldo"
                                            <select aria-label=format!("Saldo del insumo {n}")
                                                on:change=move |ev| {
                                                    let value = event_target_value(&ev);
                                                    let mut parts = value.split('|').map(str::to_owned);
                                                    inputs.update(|all| {
                                                        let line = &mut all[index];
                                                        line.codigo_origen = parts.next().unwrap_or_default();
                                                        line.mineral = parts.next().unwrap_or_default();
                                                        line.unit = parts.next().unwrap_or_default();
                                                    });
                                                }>
                                                <option value="">"Elija…"</option>
                                                {held.into_iter().map(|(value, label)| {
                                                    let selected = value == chosen;
                                                    view! { <option value=value selected=selected>{label}</option> }
                                                }).collect_view()}
                                            </select>
                                        </label>
                                        <label>"Cantidad"
                                            <input type="text" inputmode="decimal" prop:value=input.quantity.clone()
                                                aria-label=format!("Cantidad del insumo {n}")
                                                on:input=move |ev| { let v = event_target_value(&ev); inputs.update_untracked(|all| all[index].quantity = v); } />
                                        </label>
                                        {contents.into_iter().enumerate().map(|(c, content)| {
                                            let m = c + 1;
                                            view! {
                                                <label>{format!("Elemento {m}")}
                                                    <select aria-label=format!("Elemento {m} del insumo {n}")
                                                        on:change=move |ev| { let v = event_target_value(&ev); inputs.update_untracked(|all| all[index].contents[c].element = v); }>
                                                        <option value="">"Elija…"</option>
                                                        {mineral_options(&content.element)}
                                                    </select>
                                                </label>
                                                <label>{format!("Ley {m}")}
                                                    <input type="text" inputmode="decimal" prop:value=content.ley.clone() placeholder="0,850"
                                                        aria-label=format!("Ley {m} del insumo {n}")
                                                        on:input=move |ev| { let v = event_target_value(&ev); inputs.update_untracked(|all| all[index].contents[c].ley = v); } />
                                                </label>
                                            }
                                        }).collect_view()}
                                        <button type="button" class="boton boton-claro"
                                            on:click=move |_| inputs.update(|all| all[index].contents.push(ContentDraft::default()))>
                                            {format!("Agregar elemento al insumo {n}")}
                                        </button>
                                        <p class="ayuda">"Sin elementos, el insumo cuenta como su propio mineral puro (ley 1)."</p>
                                        {line_errors(state, format!("inputs[{index}]"), &["codigo_origen", "mineral", "unit", "quantity", "contents"])}
                                    </fieldset>
                                }
                            }).collect_view()}
                        }
                    })}
                </Transition>
                <FieldMessages state path="inputs" />
                <p class="acciones">
                    <button type="button" class="boton boton-claro"
                        on:click=move |_| inputs.update(|all| all.push(InputDraft::default()))>"Agregar insumo"</button>
                </p>

                <h2>"Productos"</h2>
                {move || outputs.get().into_iter().enumerate().map(|(index, output)| {
                    let n = index + 1;
                    view! {
                        <fieldset class="linea">
                            <legend>{format!("Producto {n}")}</legend>
                            <label>"Mineral"
                                <select aria-label=format!("Mineral del producto {n}")
                                    on:change=move |ev| { let v = event_target_value(&ev); outputs.update_untracked(|all| all[index].mineral = v); }>
                                    <option value="">"Elija…"</option>
                                    {mineral_options(&output.mineral)}
                                </select>
                            </label>
                            <label>"Cantidad"
                                <input type="text" inputmode="decimal" prop:value=output.quantity.clone()
                                    aria-label=format!("Cantidad del producto {n}")
                                    on:input=move |ev| { let v = event_target_value(&ev); outputs.update_untracked(|all| all[index].quantity = v); } />
                            </label>
                            <label>"Unidad"
                                <input type="text" prop:value=output.unit.clone() placeholder="la del mineral"
                                    aria-label=format!("Unidad del producto {n}")
                                    on:input=move |ev| { let v = event_target_value(&ev); outputs.update_untracked(|all| all[index].unit = v); } />
                            </label>
                            <label>"Ley"
                                <input type="text" inputmode="decimal" prop:value=output.ley.clone() placeholder="1"
                                    aria-label=format!("Ley del producto {n}")
                                    on:input=move |ev| { let v = event_target_value(&ev); outputs.update_untracked(|all| all[index].ley = v); } />
                            </label>
                            {line_errors(state, format!("outputs[{index}]"), &["mineral", "quantity", "unit", "ley"])}
                        </fieldset>
                    }
                }).collect_view()}
                <FieldMessages state path="outputs" />
                <p class="acciones">
                    <button type="button" class="boton boton-claro"
                        on:click=move |_| outputs.update(|all| all.push(OutputDraft::default()))>"Agregar producto"</button>
                </p>
                <div class="campo">
                    <label for="campo-justification">"Justificación de la pérdida"</label>
                    <textarea id="campo-justification" rows="3" maxlength="2000"
                        prop:value=move || justification.get()
                        on:input=move |ev| justification.set(event_target_value(&ev))></textarea>
                    <p class="ayuda">"Obligatoria si algún elemento pierde más del 15 %."</p>
                    <FieldMessages state path="justification" />
                </div>
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" on:click=on_register>"Registrar transformación"</button>
                </p>
            </fieldset>
        </form>
    }
}
