//! What the buyer's wizard and the seller's editor share: the table *Registro de minerales y
//! cantidades en la transacción* and *Valores de venta* (taxes added with "+", totals computed
//! as the user types, in Colombian format).

use domain::{Currency, LineDraft, Money, SaleValues, Tax, TaxDraft, TaxKind};
use leptos::prelude::*;

use crate::forms::{FieldMessages, FormState, messages_for};

/// Keystrokes in the values typed in the tables. A keystroke changes the lines or taxes without
/// notifying them (re-rendering the rows would take the focus from the input being typed in) and
/// bumps this count instead, which the totals follow: they change as the user types.
#[derive(Debug, Clone, Copy, Default)]
pub struct Typing(RwSignal<u64>);

impl Typing {
    fn record(self) {
        self.0.update(|count| *count += 1);
    }
}

/// The lines (MINERAL, CÓDIGO DE ORIGEN, CANTIDAD, UNIDAD, VALOR); the value is typed when
/// `editable_value`.
#[component]
pub fn LinesTable(
    lines: RwSignal<Vec<LineDraft>>,
    state: FormState,
    typing: Typing,
    #[prop(into)] editable_value: Signal<bool>,
) -> impl IntoView {
    view! {
        <div class="tabla-contenedor">
            <table class="tabla" aria-label="Registro de minerales y cantidades en la transacción">
                <thead><tr>
                    <th>"MINERAL"</th><th>"CÓDIGO DE ORIGEN"</th><th>"CANTIDAD"</th>
                    <th>"UNIDAD"</th><th>"VALOR"</th>
                </tr></thead>
                <tbody>
                    {move || lines.get().into_iter().enumerate().map(|(index, line)| {
                        let errors = move || {
                            ["mineral", "codigo_origen", "quantity", "unit", "value"]
                                .iter()
                                .flat_map(|field| messages_for(state, &format!("lines[{index}].{field}")))
                                .collect::<Vec<_>>()
                        };
                        let value = line.value.clone();
                        view! {
                            <tr>
                                <td>{line.mineral.clone()}</td>
                                <td>{line.codigo_origen.clone()}</td>
                                <td>{line.quantity.clone()}</td>
                                <td>{line.unit.clone()}</td>
                                <td>
                                    {move || if editable_value.get() {
                                        let value = value.clone();
                                        view! {
                                            <input type="text" inputmode="decimal"
                                                aria-label=format!("Valor de la línea {}", index + 1)
                                                prop:value=value
                                                on:input=move |ev| {
                                                    let typed = event_target_value(&ev);
                                                    lines.update_untracked(|lines| lines[index].value = typed);
                                                    typing.record();
                                                } />
                                        }.into_any()
                                    } else {
                                        view! { <span>{value.clone()}</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                            {move || {
                                let errors = errors();
                                (!errors.is_empty()).then(|| view! {
                                    <tr><td colspan="5">
                                        <ul class="errores-campo">
                                            {errors.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                                        </ul>
                                    </td></tr>
                                })
                            }}
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The lines the buyer types itself (a seller without balances here: a subsistence miner, a
/// purchase without identified origin): mineral, quantity, unit and value per line, added with
/// "Agregar mineral" and removed with "Quitar". No origin code: the mineral gets one when posted.
#[component]
pub fn TypedLinesTable(
    lines: RwSignal<Vec<LineDraft>>,
    state: FormState,
    typing: Typing,
    /// The minerals this kind of seller may sell.
    minerals: Vec<domain::Mineral>,
    #[prop(into)] editable: Signal<bool>,
) -> impl IntoView {
    let mineral_options: Vec<(String, String)> = minerals
        .iter()
        .map(|m| (m.name().to_owned(), m.name().to_owned()))
        .collect();
    let unit_options: Vec<(String, String)> = domain::Unit::ALL
        .into_iter()
        .map(|u| (u.code().to_owned(), u.code().to_owned()))
        .collect();
    let first = minerals.first().copied();
    let add = move |_| {
        lines.update(|lines| {
            lines.push(LineDraft {
                mineral: first.map(|m| m.name().to_owned()).unwrap_or_default(),
                unit: first
                    .map(|m| m.unit().code().to_owned())
                    .unwrap_or_default(),
                ..LineDraft::default()
            });
        });
        typing.record();
    };
    view! {
        <div class="lineas-tecleadas" aria-label="Registro de minerales y cantidades en la transacción">
            {move || lines.get().into_iter().enumerate().map(|(index, line)| {
                let errors = move || {
                    ["mineral", "quantity", "unit", "value"]
                        .iter()
                        .flat_map(|field| messages_for(state, &format!("lines[{index}].{field}")))
                        .collect::<Vec<_>>()
                };
                let set = move |apply: fn(&mut LineDraft, String)| {
                    move |ev: leptos::ev::Event| {
                        let typed = event_target_value(&ev);
                        lines.update_untracked(|lines| apply(&mut lines[index], typed));
                        typing.record();
                    }
                };
                let select = |options: &Vec<(String, String)>, chosen: String| {
                    options
                        .iter()
                        .map(|(value, label)| {
                            let selected = *value == chosen;
                            view! { <option value=value.clone() selected=selected>{label.clone()}</option> }
                        })
                        .collect_view()
                };
                view! {
                    <fieldset class="linea" disabled=move || !editable.get()>
                        <legend>{format!("Mineral {}", index + 1)}</legend>
                        <label>"Mineral"
                            <select aria-label=format!("Mineral de la línea {}", index + 1)
                                on:change=set(|line, typed| line.mineral = typed)>
                                {select(&mineral_options, line.mineral.clone())}
                            </select>
                        </label>
                        <label>"Cantidad"
                            <input type="text" inputmode="decimal" prop:value=line.quantity.clone()
                                aria-label=format!("Cantidad de la línea {}", index + 1)
                                on:input=set(|line, typed| line.quantity = typed) />
                        </label>
                        <label>"Unidad"
                            <select aria-label=format!("Unidad de la línea {}", index + 1)
                                on:change=set(|line, typed| line.unit = typed)>
                                {select(&unit_options, line.unit.clone())}
                            </select>
                        </label>
                        <label>"Valor"
                            <input type="text" inputmode="decimal" prop:value=line.value.clone()
                                aria-label=format!("Valor de la línea {}", index + 1)
                                on:input=set(|line, typed| line.value = typed) />
                        </label>
                        <button type="button" class="boton boton-claro"
                            on:click=move |_| { lines.update(|lines| { lines.remove(index); }); typing.record(); }>
                            "Quitar"
                        </button>
                        <ul class="errores-campo">
                            {move || errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                        </ul>
                    </fieldset>
                }
            }).collect_view()}
            <FieldMessages state path="lines" />
            <button type="button" class="boton boton-claro" on:click=add disabled=move || !editable.get()>
                "Agregar mineral"
            </button>
        </div>
    }
}

/// The totals of *Valores de venta*, when every value typed so far can be read.
fn totals(currency: &str, lines: &[LineDraft], taxes: &[TaxDraft]) -> Option<SaleValues> {
    let currency = Currency::parse(currency).ok()?;
    let values: Vec<Money> = lines
        .iter()
        .map(|line| Money::parse(&line.value, currency).ok())
        .collect::<Option<_>>()?;
    let taxes: Vec<Tax> = taxes
        .iter()
        .map(|tax| {
            let kind = TaxKind::parse(&tax.kind).ok()?;
            let amount = Money::parse(&tax.value, currency).ok()?;
            let description = Some(tax.description.as_str()).filter(|d| !d.trim().is_empty());
            Tax::new(kind, amount, description).ok()
        })
        .collect::<Option<_>>()?;
    SaleValues::compute(currency, values, &taxes).ok()
}

/// *Valores de venta*: value before taxes, the taxes (added with "+" when `editable`), value
/// including taxes.
#[component]
pub fn SaleValuesPanel(
    #[prop(into)] currency: Signal<String>,
    lines: RwSignal<Vec<LineDraft>>,
    taxes: RwSignal<Vec<TaxDraft>>,
    state: FormState,
    typing: Typing,
    #[prop(into)] editable: Signal<bool>,
) -> impl IntoView {
    let values = Memo::new(move |_| {
        typing.0.track();
        totals(&currency.get(), &lines.get(), &taxes.get())
    });
    let shown = move |pick: fn(&SaleValues) -> Money| {
        values
            .get()
            .map(|values| pick(&values).to_string())
            .unwrap_or_else(|| "—".to_owned())
    };
    let kinds: Vec<(String, String)> = TaxKind::ALL
        .iter()
        .map(|kind| (kind.code().to_owned(), kind.label().to_owned()))
        .collect();
    view! {
        <section class="valores" aria-label="Valores de venta">
            <h3>"Valores de venta"</h3>
            <p>"Valor venta antes de impuestos: "
                <strong data-valor="antes">{move || shown(SaleValues::before_taxes)}</strong></p>
            <h4>"Impuestos aplicados"</h4>
            <ul class="impuestos">
                {move || taxes.get().into_iter().enumerate().map(|(index, tax)| {
                    let kinds = kinds.clone();
                    let errors = move || {
                        ["kind", "value", "description"]
                            .iter()
                            .flat_map(|field| messages_for(state, &format!("taxes[{index}].{field}")))
                            .collect::<Vec<_>>()
                    };
                    view! {
                        <li>
                            <select aria-label=format!("Impuesto {}", index + 1)
                                disabled=move || !editable.get()
                                on:change=move |ev| {
                                    let kind = event_target_value(&ev);
                                    taxes.update(|taxes| taxes[index].kind = kind);
                                }>
                                {kinds.into_iter().map(|(code, label)| {
                                    let selected = code.eq_ignore_ascii_case(tax.kind.trim());
                                    view! { <option value=code selected=selected>{label}</option> }
                                }).collect_view()}
                            </select>
                            <input type="text" inputmode="decimal"
                                aria-label=format!("Valor del impuesto {}", index + 1)
                                readonly=move || !editable.get()
                                prop:value=tax.value.clone()
                                on:input=move |ev| {
                                    let value = event_target_value(&ev);
                                    taxes.update_untracked(|taxes| taxes[index].value = value);
                                    typing.record();
                                } />
                            {move || editable.get().then(|| view! {
                                <button type="button" class="boton boton-claro"
                                    on:click=move |_| taxes.update(|taxes| { taxes.remove(index); })>
                                    "Quitar"
                                </button>
                            })}
                            <ul class="errores-campo">
                                {move || errors().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                            </ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || editable.get().then(|| view! {
                <button type="button" class="boton boton-claro" title="Agregar impuesto"
                    on:click=move |_| taxes.update(|taxes| taxes.push(TaxDraft {
                        kind: "IVA".to_owned(),
                        ..TaxDraft::default()
                    }))>
                    "+"
                </button>
            })}
            <p>"Valor venta incluidos impuestos: "
                <strong data-valor="incluidos">{move || shown(SaleValues::including_taxes)}</strong></p>
        </section>
    }
}
