//! "Códigos de origen": the operator's administrator (*Administrador OTTM*) issues an origin code
//! to a title holder with its initial balance (mineral, quantity, unit, date), posted through the
//! ledger as a `SALDO_INICIAL`, and lists the codes issued. Until production reporting feeds them,
//! this is where sellers' balances come from.

use domain::{Fecha, FieldError, Mineral, SaleQuantity, Unit, ValidationErrors};
use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::forms::{Field, FormMessage, FormState, FormValues, SelectField};
use crate::users::AccessMessage;

/// An origin code to issue, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrigenDraft {
    /// The title holder's organisation id.
    pub holder: String,
    pub mineral: String,
    pub unit: String,
    pub quantity: String,
    /// `DD/MM/AAAA`.
    pub issued_on: String,
}

/// A valid origin code request: the quantity is already in the mineral's own unit (the unit its
/// balances are kept in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewOrigen {
    pub holder: Uuid,
    pub mineral: Mineral,
    pub quantity: SaleQuantity,
    pub issued_on: Fecha,
}

impl OrigenDraft {
    /// Checks every field, collecting every error. `today` is the server's date; the browser
    /// passes none (it has no trusted clock) and the server checks again.
    pub fn validate(&self, today: Option<Fecha>) -> Result<NewOrigen, ValidationErrors> {
        let mut errors = Vec::new();
        let mut push = |field: &str, label: &str, violation: &dyn domain::ErrorCode| {
            errors.push(FieldError::from_violation(field, label, violation));
        };
        let holder = Uuid::parse_str(self.holder.trim()).ok();
        let mineral = Mineral::resolve(&self.mineral)
            .map_err(|e| push("mineral", "Mineral", &e))
            .ok();
        let unit = Unit::parse(&self.unit)
            .map_err(|e| push("unit", "Unidad", &e))
            .ok();
        let quantity = SaleQuantity::parse(&self.quantity)
            .map_err(|e| push("quantity", "Cantidad", &e))
            .ok();
        let issued_on = Fecha::parse(&self.issued_on)
            .and_then(|fecha| match today {
                Some(today) => fecha.check_not_future(today),
                None => Ok(fecha),
            })
            .map_err(|e| push("issued_on", "Fecha", &e))
            .ok();
        // In the mineral's unit, exactly (1 kg of gold is 1 000 g; 1 ozt is refused: not exact).
        let converted = match (mineral, unit, quantity) {
            (Some(mineral), Some(unit), Some(quantity)) => mineral
                .check_unit(unit)
                .map_err(|e| push("unit", "Unidad", &e))
                .ok()
                .and_then(|()| {
                    quantity
                        .quantity()
                        .convert(unit, mineral.unit())
                        .and_then(SaleQuantity::try_from)
                        .map_err(|e| push("quantity", "Cantidad", &e))
                        .ok()
                }),
            _ => None,
        };
        if holder.is_none() {
            errors.insert(
                0,
                FieldError {
                    field: "holder".to_owned(),
                    code: "holder_required".to_owned(),
                    message: "Titular: elija el titular minero al que se emite el código."
                        .to_owned(),
                },
            );
        }
        match (holder, mineral, converted, issued_on) {
            (Some(holder), Some(mineral), Some(quantity), Some(issued_on)) if errors.is_empty() => {
                Ok(NewOrigen {
                    holder,
                    mineral,
                    quantity,
                    issued_on,
                })
            }
            _ => Err(ValidationErrors { errors }),
        }
    }
}

/// A title holder one may issue codes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub organization_id: Uuid,
    pub razon_social: String,
}

/// An issued origin code, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginCodeRow {
    pub codigo_origen: String,
    pub holder: String,
    pub mineral: String,
    pub quantity: domain::Quantity,
    pub unit: Unit,
    pub issued_on: Fecha,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use domain::codigo_origen::OriginSource;
    use domain::{BalanceKey, CodigoOrigen, Fecha, Mineral, SaleQuantity};
    use sqlx::{PgConnection, PgPool};
    use uuid::Uuid;

    use crate::auth::ssr::{pool, sessions};
    use crate::error::AppError;
    use crate::ledger::ssr::{LedgerError, Posting, post};

    /// Attempts at drawing a code not yet issued (with 2³² codes, a second one is already rare).
    const CODE_ATTEMPTS_MAX: u32 = 5;

    /// The pool, if the signed-in user is the operator's administrator.
    pub async fn ottm_admin() -> Result<PgPool, AppError> {
        let pool = pool()?;
        let user = sessions::require(&pool).await?;
        if user.role == domain::Role::AdministradorOttm {
            Ok(pool)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Issues `codigo_origen` to `holder` with its initial balance, in the caller's transaction:
    /// the code's row and its `SALDO_INICIAL` posting commit together. Returns false (and posts
    /// nothing) when the code already exists.
    pub async fn issue(
        conn: &mut PgConnection,
        codigo_origen: CodigoOrigen,
        holder: Uuid,
        mineral: Mineral,
        quantity: SaleQuantity,
        issued_on: Fecha,
    ) -> Result<bool, LedgerError> {
        let code = NewCode {
            holder,
            mineral,
            source: OriginSource::Produccion,
            initial_quantity: Some(quantity),
            issued_on,
        };
        if !code.insert(conn, codigo_origen).await? {
            return Ok(false);
        }
        let key = BalanceKey::new(codigo_origen, mineral);
        let reference = format!("SALDO-INICIAL-{codigo_origen}");
        post(
            conn,
            &Posting::saldo_inicial(reference, holder, key, quantity).dated(issued_on),
        )
        .await?;
        Ok(true)
    }

    /// An origin code to issue: to whom, for which mineral, from where.
    pub struct NewCode {
        pub holder: Uuid,
        pub mineral: Mineral,
        pub source: OriginSource,
        /// The quantity it starts with (production and initial balances only).
        pub initial_quantity: Option<SaleQuantity>,
        pub issued_on: Fecha,
    }

    impl NewCode {
        /// Inserts the code's row; false when the code (or, for a code kept one per holder and
        /// mineral, that holder's code) already exists.
        async fn insert(
            &self,
            conn: &mut PgConnection,
            codigo_origen: CodigoOrigen,
        ) -> Result<bool, sqlx::Error> {
            Ok(sqlx::query(
                "INSERT INTO origin_codes (codigo_origen, organization_id, mineral, unit,
                                           initial_quantity, issued_on, source)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(codigo_origen.to_string())
            .bind(self.holder)
            .bind(self.mineral.name())
            .bind(self.mineral.unit().code())
            .bind(self.initial_quantity.map(SaleQuantity::value))
            .bind(self.issued_on.date())
            .bind(self.source.code())
            .execute(conn)
            .await?
            .rows_affected()
                == 1)
        }

        /// A new random code, issued in the caller's transaction (drawn again on a collision).
        pub async fn issue_random(
            &self,
            conn: &mut PgConnection,
        ) -> Result<CodigoOrigen, AppError> {
            for _ in 0..CODE_ATTEMPTS_MAX {
                let code = random_code()?;
                if self.insert(conn, code).await? {
                    return Ok(code);
                }
            }
            tracing::error!("no free origin code after {CODE_ATTEMPTS_MAX} draws");
            Err(AppError::Internal)
        }

        /// The holder's code of this mineral and source, issued now if it has none (subsistence
        /// miners' and purchases without identified origin: one code per holder and mineral).
        pub async fn reuse_or_issue(
            &self,
            conn: &mut PgConnection,
        ) -> Result<CodigoOrigen, AppError> {
            for _ in 0..CODE_ATTEMPTS_MAX {
                let existing: Option<String> = sqlx::query_scalar(
                    "SELECT codigo_origen FROM origin_codes
                     WHERE organization_id = $1 AND mineral = $2 AND unit = $3 AND source = $4",
                )
                .bind(self.holder)
                .bind(self.mineral.name())
                .bind(self.mineral.unit().code())
                .bind(self.source.code())
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(code) = existing {
                    return CodigoOrigen::parse(&code).map_err(|_| AppError::Internal);
                }
                // A concurrent first sale may win the unique index: then the loop reads its code.
                let code = random_code()?;
                if self.insert(conn, code).await? {
                    return Ok(code);
                }
            }
            tracing::error!("no origin code for a holder after {CODE_ATTEMPTS_MAX} attempts");
            Err(AppError::Internal)
        }
    }

    fn random_code() -> Result<CodigoOrigen, AppError> {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|error| {
            tracing::error!(%error, "no random source");
            AppError::Internal
        })?;
        Ok(CodigoOrigen::from_random(bytes))
    }

    /// A new code from the operating system's random source, issued; draws again on a collision.
    pub async fn issue_random(
        pool: &PgPool,
        holder: Uuid,
        mineral: Mineral,
        quantity: SaleQuantity,
        issued_on: Fecha,
    ) -> Result<CodigoOrigen, AppError> {
        for _ in 0..CODE_ATTEMPTS_MAX {
            let code = random_code()?;
            let mut tx = pool.begin().await?;
            if issue(&mut tx, code, holder, mineral, quantity, issued_on).await? {
                tx.commit().await?;
                return Ok(code);
            }
        }
        tracing::error!("no free origin code after {CODE_ATTEMPTS_MAX} draws");
        Err(AppError::Internal)
    }
}

/// Title holders (organisations of kind *explotador minero autorizado*).
#[server(endpoint = "codigos-origen/titulares")]
pub async fn list_holders() -> Result<Vec<Holder>, AppError> {
    crate::error::with_status(
        async move {
            let pool = ssr::ottm_admin().await?;
            let rows: Vec<(Uuid, String)> = sqlx::query_as(
                "SELECT organization_id, razon_social FROM organizations
                 WHERE kind = 'EXPLOTADOR_MINERO_AUTORIZADO' ORDER BY razon_social LIMIT 1000",
            )
            .fetch_all(&pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(organization_id, razon_social)| Holder {
                    organization_id,
                    razon_social,
                })
                .collect())
        }
        .await,
    )
}

/// The origin codes issued, newest first.
#[server(endpoint = "codigos-origen")]
pub async fn list_origin_codes() -> Result<Vec<OriginCodeRow>, AppError> {
    crate::error::with_status(
        async move {
            /// Most codes one page lists.
            const PAGE_ROWS_MAX: i64 = 500;
            let pool = ssr::ottm_admin().await?;
            #[allow(clippy::type_complexity)]
            let rows: Vec<(String, String, String, rust_decimal::Decimal, String, time::Date)> =
                sqlx::query_as(
                    "SELECT c.codigo_origen, o.razon_social, c.mineral, c.initial_quantity, c.unit, c.issued_on
                     FROM origin_codes c JOIN organizations o ON o.organization_id = c.organization_id
                     WHERE c.initial_quantity IS NOT NULL
                     ORDER BY c.created_at DESC, c.codigo_origen LIMIT $1",
                )
                .bind(PAGE_ROWS_MAX)
                .fetch_all(&pool)
                .await?;
            rows.into_iter()
                .map(|(codigo_origen, holder, mineral, quantity, unit, issued_on)| {
                    Ok(OriginCodeRow {
                        codigo_origen,
                        holder,
                        mineral,
                        quantity: domain::Quantity::new(quantity).map_err(|_| AppError::Internal)?,
                        unit: Unit::parse(&unit).map_err(|_| AppError::Internal)?,
                        issued_on: Fecha::from_date(issued_on),
                    })
                })
                .collect()
        }
        .await,
    )
}

/// Issues a new origin code with its initial balance; answers the code.
#[server(endpoint = "codigos-origen/emitir")]
pub async fn issue_origin_code(draft: OrigenDraft) -> Result<String, AppError> {
    crate::error::with_status(
        async move {
            let pool = ssr::ottm_admin().await?;
            let today = Fecha::from_date(
                time::OffsetDateTime::now_utc()
                    .to_offset(crate::notify::BOGOTA)
                    .date(),
            );
            let new = draft.validate(Some(today))?;
            let is_holder: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM organizations
                 WHERE organization_id = $1 AND kind = 'EXPLOTADOR_MINERO_AUTORIZADO')",
            )
            .bind(new.holder)
            .fetch_one(&pool)
            .await?;
            if !is_holder {
                return Err(AppError::Invalid(ValidationErrors {
                    errors: vec![FieldError {
                        field: "holder".to_owned(),
                        code: "holder_not_title_holder".to_owned(),
                        message: "Titular: la organización no es un explotador minero autorizado."
                            .to_owned(),
                    }],
                }));
            }
            let code =
                ssr::issue_random(&pool, new.holder, new.mineral, new.quantity, new.issued_on)
                    .await?;
            Ok(code.to_string())
        }
        .await,
    )
}

#[component]
pub fn OriginCodesPage() -> impl IntoView {
    let issue = ServerAction::<IssueOriginCode>::new();
    let holders = Resource::new(|| (), |_| list_holders());
    let codes = Resource::new(move || issue.version().get(), |_| list_origin_codes());
    view! {
        <Title text="Códigos de origen" />
        <h1>"Códigos de origen"</h1>
        <Suspense fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                match holders.await {
                    Ok(holders) => view! { <IssueForm issue holders /> }.into_any(),
                    Err(error) => view! { <AccessMessage error /> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Cargando…"</p> }>
            {move || Suspend::new(async move {
                codes.await.ok().map(|rows| view! { <CodesTable rows /> })
            })}
        </Transition>
    }
}

#[component]
fn IssueForm(issue: ServerAction<IssueOriginCode>, holders: Vec<Holder>) -> impl IntoView {
    let state = FormState::new();
    let issued = RwSignal::new(None::<String>);
    Effect::new(move |_| match issue.value().get() {
        Some(Ok(code)) => {
            state.clear();
            issued.set(Some(code));
        }
        Some(Err(error)) => state.show(&error),
        None => {}
    });
    let holder_options: Vec<(String, String)> = holders
        .into_iter()
        .map(|h| (h.organization_id.to_string(), h.razon_social))
        .collect();
    let mineral_options: Vec<(String, String)> = Mineral::all()
        .iter()
        .map(|m| (m.name().to_owned(), m.name().to_owned()))
        .collect();
    let unit_options: Vec<(String, String)> = Unit::ALL
        .iter()
        .map(|u| (u.code().to_owned(), format!("{} ({})", u.label(), u.code())))
        .collect();
    // Choosing a mineral proposes the unit its balances are kept in.
    let mineral = RwSignal::new(String::new());
    let unit = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Ok(m) = Mineral::resolve(&mineral.get()) {
            unit.set(m.unit().code().to_owned());
        }
    });
    let on_submit = move |ev| {
        let form = FormValues::take(&ev);
        let draft = OrigenDraft {
            holder: form.get("holder"),
            mineral: form.get("mineral"),
            unit: form.get("unit"),
            quantity: form.get("quantity"),
            issued_on: form.get("issued_on"),
        };
        issued.set(None);
        if state.check(draft.validate(None)).is_some() {
            issue.dispatch(IssueOriginCode { draft });
        }
    };
    view! {
        <section class="seccion-secundaria">
            <h2>"Emitir un código de origen"</h2>
            {move || issued.get().map(|code| view! {
                <p class="mensaje-exito" role="status">
                    "Se emitió el código de origen " <strong>{code}</strong> " con su saldo inicial."
                </p>
            })}
            <form class="formulario" on:submit=on_submit novalidate>
                <SelectField label="Titular" name="holder" state required=true
                    options=Signal::stored(holder_options) />
                <SelectField label="Mineral" name="mineral" state required=true
                    options=Signal::stored(mineral_options) selected=mineral />
                <SelectField label="Unidad" name="unit" state required=true
                    options=Signal::stored(unit_options) selected=unit />
                <Field label="Cantidad" name="quantity" state required=true
                    hint="Hasta 4 decimales, con coma decimal: 500 o 12,5" />
                <Field label="Fecha" name="issued_on" state required=true hint="DD/MM/AAAA" />
                <FormMessage state />
                <button class="boton" type="submit" disabled=move || issue.pending().get()>
                    "Emitir código"
                </button>
            </form>
        </section>
    }
}

#[component]
fn CodesTable(rows: Vec<OriginCodeRow>) -> impl IntoView {
    view! {
        <h2>"Códigos emitidos"</h2>
        <div class="tabla-contenedor">
            <table class="tabla">
                <thead><tr>
                    <th>"Código"</th><th>"Titular"</th><th>"Mineral"</th>
                    <th>"Cantidad"</th><th>"Unidad"</th><th>"Fecha"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| view! {
                        <tr>
                            <td>{row.codigo_origen}</td>
                            <td>{row.holder}</td>
                            <td>{row.mineral}</td>
                            <td>{row.quantity.to_string()}</td>
                            <td>{row.unit.code()}</td>
                            <td>{row.issued_on.to_string()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrigenDraft {
        OrigenDraft {
            holder: "00000000-0000-0000-0000-000000d10001".to_owned(),
            mineral: "oro".to_owned(),
            unit: "kg".to_owned(),
            quantity: "1,5".to_owned(),
            issued_on: "04/03/2025".to_owned(),
        }
    }

    #[test]
    fn converts_into_the_minerals_unit() {
        let today = Fecha::parse("05/03/2025").ok();
        let new = draft().validate(today).expect("valid");
        assert_eq!(new.mineral.name(), "ORO");
        assert_eq!(new.quantity.value(), rust_decimal::Decimal::from(1500));
    }

    #[test]
    fn collects_every_error() {
        let bad = OrigenDraft {
            holder: String::new(),
            mineral: "ORO".to_owned(),
            unit: "m3".to_owned(),
            quantity: "0".to_owned(),
            issued_on: "06/03/2025".to_owned(),
        };
        let errors = bad
            .validate(Fecha::parse("05/03/2025").ok())
            .expect_err("invalid");
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["holder", "quantity", "issued_on"]);
        // A unit of another dimension, with a valid quantity.
        let errors = OrigenDraft {
            unit: "m3".to_owned(),
            ..draft()
        }
        .validate(None)
        .expect_err("volume of gold");
        assert!(errors.has_code("unit_incompatible_with_mineral"));
        // 1 ozt is not a whole number of 0,0001 g.
        let errors = OrigenDraft {
            unit: "ozt".to_owned(),
            quantity: "1".to_owned(),
            ..draft()
        }
        .validate(None)
        .expect_err("inexact");
        assert_eq!(errors.errors[0].field, "quantity");
    }
}
