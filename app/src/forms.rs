//! Form building blocks: a labelled field with its errors beside it, and reading a submitted form.
//!
//! Forms validate in the browser with `domain` before anything is sent, and the server validates
//! again; both answer with `ValidationErrors` whose `field` paths the fields here display.

use domain::ValidationErrors;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};

use crate::error::AppError;

/// The fields of a submitted form, by name.
pub struct FormValues(Option<FormData>);

impl FormValues {
    /// Stops the browser's own submission and reads the form's fields.
    pub fn take(ev: &SubmitEvent) -> Self {
        ev.prevent_default();
        let data = ev
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok())
            .and_then(|form| FormData::new_with_form(&form).ok());
        Self(data)
    }

    /// The field's text, or empty when absent.
    pub fn get(&self, name: &str) -> String {
        self.0
            .as_ref()
            .and_then(|data| data.get(name).as_string())
            .unwrap_or_default()
    }
}

/// The state every form shows: its field errors and one message for the whole form.
#[derive(Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<ValidationErrors>,
    pub message: RwSignal<Option<String>>,
}

impl FormState {
    pub fn new() -> Self {
        Self {
            errors: RwSignal::new(ValidationErrors::default()),
            message: RwSignal::new(None),
        }
    }

    /// Shows the errors found in the browser; returns whether there were none.
    pub fn check<T>(&self, result: Result<T, ValidationErrors>) -> Option<T> {
        match result {
            Ok(value) => {
                self.clear();
                Some(value)
            }
            Err(errors) => {
                self.errors.set(errors);
                self.message
                    .set(Some("Revise los campos marcados.".to_owned()));
                None
            }
        }
    }

    /// Shows what the server answered.
    pub fn show(&self, error: &AppError) {
        self.errors
            .set(error.field_errors().cloned().unwrap_or_default());
        self.message.set(Some(error.to_string()));
    }

    pub fn clear(&self) {
        self.errors.set(ValidationErrors::default());
        self.message.set(None);
    }
}

impl Default for FormState {
    fn default() -> Self {
        Self::new()
    }
}

/// The form's message (an error, or why nothing happened), read by screen readers.
#[component]
pub fn FormMessage(state: FormState) -> impl IntoView {
    move || {
        state.message.get().map(|message| {
            view! { <p class="mensaje-error" role="alert">{message}</p> }
        })
    }
}

fn field_errors(state: FormState, path: &'static str) -> impl Fn() -> Vec<String> + Copy {
    move || messages_for(state, path)
}

/// The messages of the errors on `path`.
pub fn messages_for(state: FormState, path: &str) -> Vec<String> {
    state.errors.with(|errors| {
        errors
            .for_field(path)
            .map(|error| error.message.clone())
            .collect()
    })
}

/// The messages of the errors on `path`, listed where a group of fields (the lines, the lots) or a
/// control without its own component shows them.
#[component]
pub fn FieldMessages(state: FormState, path: &'static str) -> impl IntoView {
    view! {
        <ul class="errores-campo">
            {move || messages_for(state, path).into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
        </ul>
    }
}

/// The messages under a field (the `aria-describedby` target of its control).
fn error_list(
    id: String,
    errors: impl Fn() -> Vec<String> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <ul class="errores-campo" id=id>
            {move || errors().into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
        </ul>
    }
}

/// "Seleccione…" and the `(value, label)` options, the `current` one selected.
fn select_options(
    options: Signal<Vec<(String, String)>>,
    current: impl Fn() -> String + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <option value="">"Seleccione…"</option>
        {move || {
            let current = current();
            options
                .get()
                .into_iter()
                .map(|(value, text)| {
                    let selected = value == current;
                    view! { <option value=value selected=selected>{text}</option> }
                })
                .collect_view()
        }}
    }
}

/// The label of a field; a required field is marked with a star drawn by the stylesheet, so the
/// label's text stays exactly the field's name (for screen readers and tests alike).
fn field_label(id: &str, text: &'static str, required: bool) -> AnyView {
    view! { <label for=id.to_owned() class:obligatorio=required>{text}</label> }.into_any()
}

/// A labelled input with its errors underneath. `name` is the form key; `path` the field path of
/// its errors (the same as `name` unless given).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    state: FormState,
    #[prop(optional)] path: Option<&'static str>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
) -> AnyView {
    let id = format!("campo-{name}");
    let error_id = format!("{id}-error");
    let errors = field_errors(state, path.unwrap_or(name));
    view! {
        <div class="campo">
            {field_label(&id, label, required)}
            <input
                id=id
                name=name
                type=input_type
                autocomplete=autocomplete
                required=required
                value=value
                aria-invalid=move || (!errors().is_empty()).to_string()
                aria-describedby=error_id.clone()
            />
            {hint.map(|hint| view! { <p class="ayuda">{hint}</p> })}
            {error_list(error_id, errors)}
        </div>
    }
    .into_any()
}

/// A labelled select with its errors underneath; `options` are `(value, label)` pairs.
#[component]
pub fn SelectField(
    label: &'static str,
    name: &'static str,
    state: FormState,
    options: Signal<Vec<(String, String)>>,
    #[prop(optional)] path: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] selected: Option<RwSignal<String>>,
) -> AnyView {
    let id = format!("campo-{name}");
    let error_id = format!("{id}-error");
    let errors = field_errors(state, path.unwrap_or(name));
    let selected = selected.unwrap_or_else(|| RwSignal::new(String::new()));
    view! {
        <div class="campo">
            {field_label(&id, label, required)}
            <select
                id=id
                name=name
                required=required
                aria-invalid=move || (!errors().is_empty()).to_string()
                aria-describedby=error_id.clone()
                on:change=move |ev| selected.set(event_target_value(&ev))
                prop:value=move || selected.get()
            >
                {select_options(options, move || selected.get_untracked())}
            </select>
            {error_list(error_id, errors)}
        </div>
    }
    .into_any()
}

/// A labelled input bound to a value held elsewhere (a field of a document being edited), with
/// the errors of `path` underneath.
#[component]
pub fn BoundField(
    label: &'static str,
    path: &'static str,
    state: FormState,
    value: Signal<String>,
    set: Callback<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] readonly: Signal<bool>,
) -> AnyView {
    let id = format!("campo-{}", path.replace(['.', '[', ']'], "-"));
    let error_id = format!("{id}-error");
    let errors = field_errors(state, path);
    view! {
        <div class="campo">
            {field_label(&id, label, required)}
            <input
                id=id
                name=path
                type="text"
                readonly=move || readonly.get()
                prop:value=move || value.get()
                on:input=move |ev| set.run(event_target_value(&ev))
                aria-invalid=move || (!errors().is_empty()).to_string()
                aria-describedby=error_id.clone()
            />
            {hint.map(|hint| view! { <p class="ayuda">{hint}</p> })}
            {error_list(error_id, errors)}
        </div>
    }
    .into_any()
}

/// A labelled select bound to a value held elsewhere; `options` are `(value, label)` pairs.
#[component]
pub fn BoundSelect(
    label: &'static str,
    path: &'static str,
    state: FormState,
    options: Signal<Vec<(String, String)>>,
    value: Signal<String>,
    set: Callback<String>,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] disabled: Signal<bool>,
) -> AnyView {
    let id = format!("campo-{}", path.replace(['.', '[', ']'], "-"));
    let error_id = format!("{id}-error");
    let errors = field_errors(state, path);
    view! {
        <div class="campo">
            {field_label(&id, label, required)}
            <select
                id=id
                name=path
                disabled=move || disabled.get()
                aria-invalid=move || (!errors().is_empty()).to_string()
                aria-describedby=error_id.clone()
                on:change=move |ev| set.run(event_target_value(&ev))
                prop:value=move || value.get()
            >
                {select_options(options, move || value.get_untracked())}
            </select>
            {error_list(error_id, errors)}
        </div>
    }
    .into_any()
}

/// The bytes of the file chosen in a file input (none when nothing was chosen).
pub async fn chosen_file(input: &leptos::web_sys::HtmlInputElement) -> Option<(String, Vec<u8>)> {
    let file = input.files()?.get(0)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()?;
    Some((
        file.name(),
        leptos::web_sys::js_sys::Uint8Array::new(&buffer).to_vec(),
    ))
}

/// Today in Colombia by the browser's clock (the server checks again with its own).
pub fn browser_today() -> domain::Fecha {
    use leptos::web_sys::js_sys::Date;
    const BOGOTA_OFFSET_MS: f64 = 5.0 * 3600.0 * 1000.0;
    let bogota = Date::new(&(Date::now() - BOGOTA_OFFSET_MS).into());
    domain::Fecha::from_calendar(
        bogota.get_utc_full_year() as i32,
        bogota.get_utc_month() as i32 + 1,
        bogota.get_utc_date() as i32,
    )
    .unwrap_or_else(|_| domain::Fecha::parse("01/01/2025").expect("a valid date"))
}

/// A new id for one registration, from the browser's secure random source: sent again with a
/// retried request, it makes the server answer the same registration (a purchase, a
/// transformation).
pub fn new_form_id() -> Option<uuid::Uuid> {
    let mut bytes = [0u8; 16];
    leptos::web_sys::window()?
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(uuid::Builder::from_random_bytes(bytes).into_uuid())
}
