//! The buyer's wizard (Compras → *Explotador Minero Autorizado* / *Comercializador*, and
//! *Retomar* from *Transacciones en curso*): seller data, transaction data, the three
//! alternatives for the minerals, *Valores de venta*, "Guardar transacción", "Enviar", and the
//! validation code that confirms the purchase.

use domain::compra::SellerType;
use domain::compra_status::{Channel, CompraEvent, CompraState, CompraStatus, SellerChannel};
use domain::{Closings, CompraDraft, Currency, TransactionDraft, ValidationErrors};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use super::transaction_fields::TransactionFields;
use super::valores::{LinesTable, SaleValuesPanel, TypedLinesTable, Typing};
use super::{
    CompraView, annul_compra, confirm_compra, find_seller, get_compra, hand_to_seller, save_compra,
    submit_compra, txt_errors, upload_txt,
};
use crate::error::AppError;
use crate::forms::{BoundField, BoundSelect, FormMessage, FormState, browser_today, chosen_file};
use crate::pages::PurchaseRoleGate;
use crate::sections;
use crate::users::AccessMessage;

/// Compras → *Explotador Minero Autorizado*.
#[component]
pub fn CompraExplotadorPage() -> impl IntoView {
    view! {
        <PurchaseRoleGate>
            <Wizard seller_type=SellerType::ExplotadorMineroAutorizado initial=None />
        </PurchaseRoleGate>
    }
}

/// Compras → *Comercializador*.
#[component]
pub fn CompraComercializadorPage() -> impl IntoView {
    view! {
        <PurchaseRoleGate>
            <Wizard seller_type=SellerType::Comercializador initial=None />
        </PurchaseRoleGate>
    }
}

/// Compras → *Minero de Subsistencia*.
#[component]
pub fn CompraMineroSubsistenciaPage() -> impl IntoView {
    view! {
        <PurchaseRoleGate>
            <Wizard seller_type=SellerType::MineroSubsistencia initial=None />
        </PurchaseRoleGate>
    }
}

/// *Retomar*: a purchase in progress, where it stopped (`/compras/retomar/:id`).
#[component]
pub fn ResumePage() -> impl IntoView {
    let params = use_params_map();
    let compra = Resource::new(
        move || params.read().get("id").unwrap_or_default(),
        |id| async move {
            let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
            get_compra(id).await
        },
    );
    view! {
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match compra.await {
                    Ok(view) => match SellerType::parse(&view.draft.seller_type) {
                        Ok(seller_type) => view! { <Wizard seller_type initial=Some(view) /> }.into_any(),
                        Err(_) => view! { <AccessMessage error=AppError::NotFound /> }.into_any(),
                    },
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The browser's check, without the razón social: the server fills it in from the registry.
fn registry_fills_razon_social<T>(
    checked: Result<T, ValidationErrors>,
) -> Result<(), ValidationErrors> {
    checked.map(|_| ()).or_else(|mut errors| {
        errors.errors.retain(|e| e.field != "seller.razon_social");
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    })
}

/// A field of a signal holding a struct, as the value and setter of a bound input.
macro_rules! bind {
    ($signal:ident . $field:ident) => {
        (
            Signal::derive(move || $signal.read().$field.clone()),
            Callback::new(move |value: String| $signal.update(|s| s.$field = value)),
        )
    };
}

/// What the wizard is waiting for, in words, for each status.
fn status_note(view: &CompraView) -> String {
    match view.status {
        CompraStatus::PendienteGestionVendedor => "La transacción está del lado de su vendedor. Verifique el listado de transacciones en curso para poder retomarla.".to_owned(),
        CompraStatus::GestionadaPorVendedor => "El vendedor envió los minerales, las cantidades y los valores. Revíselos y pulse «Enviar» para que reciba el código de validación.".to_owned(),
        CompraStatus::PendientePorConfirmar => "Le enviamos al vendedor el código de validación por correo y SMS. Escríbalo abajo para confirmar la transacción.".to_owned(),
        CompraStatus::Anulada => "Usted anuló esta transacción: no se movió nada de los saldos.".to_owned(),
        CompraStatus::RechazadaPorVendedor => "El vendedor rechazó esta transacción: no se movió nada de los saldos.".to_owned(),
        CompraStatus::Vencida => "Esta transacción venció sin confirmarse: no se movió nada de los saldos.".to_owned(),
        _ => String::new(),
    }
}

#[component]
fn Wizard(seller_type: SellerType, initial: Option<CompraView>) -> impl IntoView {
    let state = FormState::new();
    let start = initial
        .as_ref()
        .map(|v| v.draft.clone())
        .unwrap_or_else(|| CompraDraft {
            seller_type: seller_type.code().to_owned(),
            transaction: TransactionDraft {
                currency: Currency::Cop.code().to_owned(),
                ..TransactionDraft::default()
            },
            ..CompraDraft::default()
        });
    let compra = RwSignal::new(initial);
    let seller = RwSignal::new(start.seller.clone());
    let transaction = RwSignal::new(start.transaction.clone());
    let lines = RwSignal::new(start.lines.clone());
    let taxes = RwSignal::new(start.taxes.clone());
    let typing = Typing::default();
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);
    let seller_found = RwSignal::new(compra.get_untracked().and_then(|c| c.seller));
    let confirm_dialog = RwSignal::new(None::<SellerChannel>);
    let annul_dialog = RwSignal::new(false);
    let confirmed = RwSignal::new(compra.get_untracked().and_then(|c| c.ptm_code));
    let code = RwSignal::new(String::new());

    let draft = move || CompraDraft {
        seller_type: seller_type.code().to_owned(),
        seller: seller.get_untracked(),
        transaction: transaction.get_untracked(),
        lines: lines.get_untracked(),
        taxes: taxes.get_untracked(),
    };
    let compra_id = move || compra.get_untracked().map(|c| c.compra_id);
    let channel = move || compra.get().and_then(|c| c.channel);
    let status = move || {
        compra
            .get()
            .map(|c| c.status)
            .unwrap_or(CompraStatus::EnGestionComprador)
    };
    // The seller's own detail (URL, Web Service) is not the buyer's to change.
    let buyer_edits_values = Signal::derive(move || {
        matches!(channel(), None | Some(Channel::Txt | Channel::Comprador))
            && matches!(status(), CompraStatus::EnGestionComprador)
    });
    // A seller without balances here sends nothing: the buyer types the lines.
    let buyer_types_lines = seller_type.channels() == [Channel::Comprador];
    let seller_locked = Signal::derive(move || compra.get().is_some_and(|c| c.seller.is_some()));

    // Every step answers the purchase as the server now holds it.
    let apply = move |view: CompraView| {
        seller.set(view.draft.seller.clone());
        transaction.set(view.draft.transaction.clone());
        lines.set(view.draft.lines.clone());
        taxes.set(view.draft.taxes.clone());
        if view.seller.is_some() {
            seller_found.set(view.seller.clone());
        }
        confirmed.set(view.ptm_code.clone());
        compra.set(Some(view));
    };
    let run = move |step: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<CompraView, AppError>>>,
    >,
                    done: Option<String>| {
        busy.set(true);
        notice.set(None);
        leptos::task::spawn_local(async move {
            match step.await {
                Ok(view) => {
                    state.clear();
                    apply(view);
                    notice.set(done);
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };

    let on_save = move |_| {
        run(
            Box::pin(save_compra(compra_id(), draft())),
            Some(
                "La transacción quedó guardada. Puede retomarla en «Transacciones en curso»."
                    .to_owned(),
            ),
        );
    };
    let on_find_seller = move |_| {
        let typed = draft();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match find_seller(typed).await {
                Ok(found) => {
                    state.clear();
                    seller.update(|s| s.razon_social = found.razon_social.clone());
                    seller_found.set(Some(found));
                }
                Err(error) => {
                    seller_found.set(None);
                    state.show(&error);
                }
            }
            busy.set(false);
        });
    };
    let on_hand = move |via: SellerChannel| {
        confirm_dialog.set(None);
        let typed = draft();
        let checked = typed.validate_header(browser_today(), &Closings::none());
        if state.check(registry_fills_razon_social(checked)).is_none() {
            return;
        }
        run(Box::pin(hand_to_seller(compra_id(), typed, via)), None);
    };
    let on_txt = move |ev: leptos::ev::Event| {
        let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
        let typed = draft();
        leptos::task::spawn_local(async move {
            let Some((_, bytes)) = chosen_file(&input).await else {
                return;
            };
            let currency = Currency::parse(&typed.transaction.currency).unwrap_or(Currency::Cop);
            if let Err(error) = domain::balances_txt::parse_balances_txt(&bytes, currency) {
                state.errors.set(txt_errors(&error));
                state.message.set(Some(
                    "El archivo tiene errores: corríjalos y cárguelo de nuevo.".to_owned(),
                ));
                return;
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            run(
                Box::pin(upload_txt(compra_id(), typed, text)),
                Some("Se cargaron los minerales del archivo.".to_owned()),
            );
        });
    };
    let on_submit = move |_| {
        let typed = draft();
        if state
            .check(registry_fills_razon_social(
                typed.validate(browser_today(), &Closings::none()),
            ))
            .is_none()
        {
            return;
        }
        run(Box::pin(submit_compra(compra_id(), typed)), None);
    };
    let on_annul = move |_| {
        annul_dialog.set(false);
        let Some(id) = compra_id() else { return };
        run(
            Box::pin(annul_compra(id)),
            Some("La transacción quedó anulada: no se movió nada.".to_owned()),
        );
    };
    // Either party may end a purchase before its confirmation (domain's life cycle decides).
    let may_annul = move || {
        compra.get().is_some_and(|c| {
            CompraState::restore(c.status, c.channel)
                .is_ok_and(|state| state.accepts(CompraEvent::BuyerCancelled))
        })
    };
    let on_confirm = move |_| {
        let Some(id) = compra_id() else { return };
        let typed = code.get_untracked();
        busy.set(true);
        leptos::task::spawn_local(async move {
            match confirm_compra(id, typed).await {
                Ok(done) => {
                    state.clear();
                    confirmed.set(Some(done.ptm_code));
                }
                Err(error) => state.show(&error),
            }
            busy.set(false);
        });
    };

    let document_types = super::document_type_options(seller_type);
    let (expediente, set_expediente) = bind!(seller.codigo_expediente);
    let (document_type, set_document_type) = bind!(seller.document_type);
    let (document_number, set_document_number) = bind!(seller.document_number);
    let (razon_social, set_razon_social) = bind!(seller.razon_social);
    // The menu's words: "Explotador Minero Autorizado", "Comercializador".
    let title = match seller_type {
        SellerType::SinIdentificacionOrigen => sections::COMPRAS[0].title,
        SellerType::MineroSubsistencia => sections::COMPRAS[1].title,
        SellerType::ExplotadorMineroAutorizado => sections::COMPRAS[2].title,
        SellerType::Comercializador => sections::COMPRAS[3].title,
    };
    let channel_chosen = Signal::derive(move || buyer_types_lines || channel().is_some());
    let document_hint = match seller_type {
        SellerType::MineroSubsistencia => {
            "CC, CE o PPT: el minero debe estar activo en el registro de mineros de subsistencia."
        }
        _ => "NIT con o sin dígito de verificación; el vendedor debe estar registrado en Veta.",
    };
    let minerals: Vec<domain::Mineral> = domain::Mineral::all()
        .iter()
        .copied()
        .filter(|m| {
            seller_type != SellerType::MineroSubsistencia
                || domain::SubsistenceMineral::for_mineral(*m).is_some()
        })
        .collect();

    let seller_section = view! {
            <h2>"Datos del vendedor"</h2>
            {seller_type.requires_codigo_expediente().then(|| view! {
                <BoundField label="Código de expediente minero" path="seller.codigo_expediente"
                    state value=expediente set=set_expediente required=true readonly=seller_locked />
            })}
            <BoundSelect label="Tipo de documento" path="seller.document_type" state
                options=Signal::stored(document_types.clone()) value=document_type set=set_document_type
                required=true disabled=seller_locked />
            <BoundField label="Número de documento" path="seller.document_number" state
                value=document_number set=set_document_number required=true readonly=seller_locked
                hint=document_hint />
            <button type="button" class="boton boton-claro" on:click=on_find_seller
                disabled=move || seller_locked.get()>
                "Buscar vendedor"
            </button>
            {move || seller_found.get().map(|found| view! {
                <p class="ayuda" data-vendedor=found.razon_social.clone()>
                    {format!("Vendedor registrado: {} · correo {} · celular {}", found.razon_social, found.email, found.mobile)}
                </p>
            })}
            <BoundField label="Razón social" path="seller.razon_social" state
                value=razon_social set=set_razon_social required=true readonly=Signal::stored(true)
                hint="La trae el registro de Veta al buscar el vendedor." />

    }
    .into_any();
    let transaction_section = view! { <TransactionFields transaction state /> }.into_any();
    let currency = Signal::derive(move || transaction.read().currency.clone());
    let lines_section = if buyer_types_lines {
        view! {
            <TypedLinesTable lines state typing minerals editable=buyer_edits_values />
        }
        .into_any()
    } else {
        view! {
            <Show when=move || !channel_chosen.get() || channel() == Some(Channel::Txt)>
                <div class="campo">
                    <label for="campo-txt">"Cargar archivo (.TXT)"</label>
                    <input id="campo-txt" type="file" accept=".txt,text/plain" on:change=on_txt
                        disabled=move || !matches!(status(), CompraStatus::EnGestionComprador) />
                    <p class="ayuda">"El archivo de saldos que el vendedor recibió por correo, con la columna CANTIDAD_VENTA llena."</p>
                    <ul class="errores-campo">
                        {move || crate::forms::messages_for(state, "txt").into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                </div>
            </Show>
            <Show when=move || matches!(channel(), None | Some(Channel::Url | Channel::WebService))
                && matches!(status(), CompraStatus::EnGestionComprador | CompraStatus::PendienteGestionVendedor)>
                <p class="acciones">
                    <button type="button" class="boton" on:click=move |_| confirm_dialog.set(Some(SellerChannel::Url))>
                        "Gestionar URL"
                    </button>
                    <button type="button" class="boton" on:click=move |_| confirm_dialog.set(Some(SellerChannel::WebService))>
                        "Generar Cód. WS"
                    </button>
                </p>
            </Show>
            {move || confirm_dialog.get().map(|via| view! {
                <div class="dialogo" role="alertdialog" aria-modal="true" aria-labelledby="dialogo-vendedor">
                    <p id="dialogo-vendedor">"¿Está seguro de que desea enviar una URL o un código WS al vendedor?"</p>
                    <button type="button" class="boton" on:click=move |_| on_hand(via)>"Confirmar"</button>
                    <button type="button" class="boton boton-claro" on:click=move |_| confirm_dialog.set(None)>"Cerrar"</button>
                </div>
            })}
            <LinesTable lines state typing editable_value=buyer_edits_values />
        }
        .into_any()
    };
    let minerals_section = view! {
            <h2>"Registro de minerales y cantidades en la transacción"</h2>
            {lines_section}
            <SaleValuesPanel currency lines taxes state typing editable=buyer_edits_values />

    }
    .into_any();
    let actions = view! {
            <FormMessage state />
            {move || notice.get().map(|text| view! { <p class="mensaje-exito" role="status">{text}</p> })}
            <p class="acciones">
                <Show when=move || matches!(status(), CompraStatus::EnGestionComprador | CompraStatus::GestionadaPorVendedor | CompraStatus::PendientePorConfirmar)>
                    <button type="button" class="boton boton-claro" on:click=on_save>"Guardar transacción"</button>
                </Show>
                <Show when=move || matches!(status(), CompraStatus::EnGestionComprador | CompraStatus::GestionadaPorVendedor) && channel_chosen.get()>
                    <button type="button" class="boton" on:click=on_submit>"Enviar"</button>
                </Show>
                <Show when=may_annul>
                    <button type="button" class="boton boton-secundario" on:click=move |_| annul_dialog.set(true)>"Anular transacción"</button>
                </Show>
            </p>
            {move || annul_dialog.get().then(|| view! {
                <div class="dialogo" role="alertdialog" aria-modal="true" aria-labelledby="dialogo-anular">
                    <p id="dialogo-anular">"¿Anular esta transacción? No se moverá nada; el vendedor será informado y el código o el enlace que recibió dejarán de servir."</p>
                    <button type="button" class="boton" on:click=on_annul>"Anular"</button>
                    <button type="button" class="boton boton-claro" on:click=move |_| annul_dialog.set(false)>"Cerrar"</button>
                </div>
            })}
    }
    .into_any();
    let validation = view! {
        <Show when=move || status() == CompraStatus::PendientePorConfirmar>
            <section class="formulario" aria-label="Validación de la transacción">
                <h2>"Validación de la transacción"</h2>
                {move || compra.get().and_then(|c| c.consent).map(|consent| view! {
                    <div class="consentimiento" data-testid="consentimiento">
                        <p>{format!("El código que recibió el vendedor aprueba exactamente esta compra de {}:", consent.buyer)}</p>
                        <ol>{consent.lines.iter().map(|line| view! { <li>{line.describe()}</li> }).collect_view()}</ol>
                        <p>{format!("Valor incluido impuestos: {}", consent.including_taxes)}</p>
                        <p class="ayuda">"Si cambia algo, el código deja de servir y el vendedor debe recibir otro."</p>
                    </div>
                })}
                {move || {
                    let cupos = compra.get().map(|c| c.cupos).unwrap_or_default();
                    (!cupos.is_empty()).then(|| view! {
                        <div class="consentimiento" data-testid="cupos">
                            <p>"Cupo del minero de subsistencia antes de esta compra (todas sus ventas del mes y del año de la transacción):"</p>
                            <ul>{cupos.iter().map(|cupo| view! { <li>{cupo.to_string()}</li> }).collect_view()}</ul>
                        </div>
                    })
                }}
                <div class="campo">
                    <label for="campo-code">"Código de validación de la transacción"</label>
                    <input id="campo-code" type="text" inputmode="numeric" autocomplete="one-time-code"
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                    <ul class="errores-campo">
                        {move || crate::forms::messages_for(state, "code").into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                </div>
                <FormMessage state />
                <p class="acciones">
                    <button type="button" class="boton" disabled=move || busy.get() on:click=on_confirm>"Confirmar transacción"</button>
                    <button type="button" class="boton boton-claro" disabled=move || busy.get() on:click=on_submit>"Reenviar código al vendedor"</button>
                    <button type="button" class="boton boton-claro" disabled=move || busy.get() on:click=on_save>"Editar la transacción"</button>
                    <button type="button" class="boton boton-secundario" disabled=move || busy.get() on:click=move |_| annul_dialog.set(true)>"Anular transacción"</button>
                </p>
            </section>
        </Show>
    }
    .into_any();
    view! {
        <Title text=title />
        <h1>{title}</h1>
        <crate::economic_capacity::CapacityNotice />
        {move || compra.get().map(|c| view! {
            <p class="estado-compra" role="status">
                "Estado: " <strong data-estado=c.status.code()>{c.status.label()}</strong>
                {c.channel.map(|ch| format!(" · {}", ch.label()))}
                {format!(" · vence sin avances el {}", c.expires_at)}
            </p>
            {(!status_note(&c).is_empty()).then(|| view! { <p class="ayuda">{status_note(&c)}</p> })}
        })}
        {move || confirmed.get().map(|ptm| view! {
            <p class="mensaje-exito" role="status" data-ptm=ptm.clone()>
                {format!("La transacción {ptm} ha sido registrada de manera exitosa.")}
            </p>
            <p><A href="/saldos">"Ver mis saldos"</A></p>
        })}
        <div style:display=move || if confirmed.get().is_some() { "none" } else { "" }>
            <form class="formulario formulario-ancho" on:submit=|ev| ev.prevent_default()>
                <fieldset disabled=move || busy.get()>
                    {seller_section}
                    {transaction_section}
                    {minerals_section}
                    {actions}
                </fieldset>
            </form>
            {validation}
        </div>
    }
}
