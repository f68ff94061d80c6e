//! Server side of *Capacidad económica*: the evaluations (insert-only, `capacity_evaluations`),
//! the auditor's list, and the purchases of a year against the projection of its latest passing
//! evaluation (the wizard's notice, the optional block at confirmation, the alert).

use domain::compra::CompraDraft;
use domain::economic_capacity::draft::{exceeds_projection, share_of_projection};
use domain::economic_capacity::{CapacityDraft, CapacityParameters, EvaluationResult};
use domain::{AlertKind, Currency, Money, OrganizationKind, Role};
use rust_decimal::Decimal;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuditRow, CapacityBlocks, CapacityOverview, EvaluationView};
use crate::alerts::ssr::{NewAlert, raise};
use crate::auth::SignedInUser;
use crate::auth::ssr::{pool, sessions};
use crate::compras::ssr::today;
use crate::error::{AppError, Violation};
use crate::saldos::ssr::fecha_hora;

/// The stable code of the refusal at confirmation (`VETA_CAPACIDAD_BLOQUEA`).
pub const REQUIRED_CODE: &str = "capacity_evaluation_required";

/// The kinds of organisation the resolution is about.
pub fn applies_to(kind: OrganizationKind) -> bool {
    matches!(
        kind,
        OrganizationKind::Comercializador | OrganizationKind::PlantaBeneficio
    )
}

fn blocks() -> CapacityBlocks {
    leptos::prelude::use_context::<CapacityBlocks>().unwrap_or_default()
}

/// Pesos, as people read them.
fn pesos(amount: Decimal) -> String {
    Money::new(amount, Currency::Cop)
        .map(|money| money.to_string())
        .unwrap_or_else(|_| amount.to_string())
}

/// The signed-in user of a comercializador or planta de beneficio, and its organisation.
async fn member() -> Result<(PgPool, SignedInUser, Uuid, String), AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    match &user.organization {
        Some(organization) if applies_to(organization.kind) => {
            let (id, name) = (
                organization.organization_id,
                organization.razon_social.clone(),
            );
            Ok((pool, user, id, name))
        }
        Some(_) => Err(AppError::Refused(
            "La capacidad económica de la Resolución ANM 1216 de 2025 la acreditan los \
             comercializadores y las plantas de beneficio; su organización no es de ese tipo."
                .to_owned(),
        )),
        None => Err(AppError::Forbidden),
    }
}

#[derive(sqlx::FromRow)]
struct Stored {
    year: i32,
    projected_amount: Decimal,
    passed: bool,
    result: Json<EvaluationResult>,
    evidence_sha256: String,
    created_at: OffsetDateTime,
}

impl Stored {
    fn view(self) -> EvaluationView {
        let (criteria, summary) = EvaluationView::lines(&self.result.0);
        EvaluationView {
            year: self.year,
            projected_amount: pesos(self.projected_amount),
            passed: self.passed,
            summary,
            created_at: fecha_hora(self.created_at),
            evidence_sha256: self.evidence_sha256,
            criteria,
        }
    }
}

/// The organisation's page: the latest evaluation of each year and this year's purchases.
pub async fn overview() -> Result<CapacityOverview, AppError> {
    let (pool, user, organization_id, razon_social) = member().await?;
    let rows: Vec<Stored> = sqlx::query_as(
        "SELECT DISTINCT ON (year) year, projected_amount, passed, result, evidence_sha256, created_at
         FROM capacity_evaluations WHERE organization_id = $1
         ORDER BY year DESC, created_at DESC",
    )
    .bind(organization_id)
    .fetch_all(&pool)
    .await?;
    let mut conn = pool.acquire().await?;
    let year = today().date().year();
    let purchases = match projection(&mut conn, organization_id, year).await? {
        Some(projected) => {
            let bought = purchases_of_year(&mut conn, organization_id, year).await?;
            Some(comparison(year, bought, projected))
        }
        None => None,
    };
    Ok(CapacityOverview {
        razon_social,
        can_submit: user.role == Role::Administrador,
        latest: rows.into_iter().map(Stored::view).collect(),
        purchases,
    })
}

/// "Evaluar y guardar": only the organisation's Administrador; checked and evaluated with the same
/// domain code as the browser, then stored (a new row every time).
pub async fn submit(draft: CapacityDraft) -> Result<EvaluationView, AppError> {
    let (pool, user, organization_id, _) = member().await?;
    if user.role != Role::Administrador {
        return Err(AppError::Forbidden);
    }
    let (submission, result) = draft
        .evaluate(today(), &CapacityParameters::default())
        .map_err(AppError::Invalid)?;
    let stored: Stored = sqlx::query_as(
        "INSERT INTO capacity_evaluations
             (evaluation_id, organization_id, year, draft, application, projected_amount, passed,
              result, evidence_sha256, submitted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING year, projected_amount, passed, result, evidence_sha256, created_at",
    )
    .bind(Uuid::new_v4())
    .bind(organization_id)
    .bind(submission.year)
    .bind(Json(&draft))
    .bind(Json(&submission.application))
    .bind(submission.projected_amount)
    .bind(result.qualifies())
    .bind(Json(&result))
    .bind(submission.evidence_sha256.to_string())
    .bind(user.user_id)
    .fetch_one(&pool)
    .await?;
    tracing::info!(%organization_id, year = submission.year, passed = result.qualifies(), "capacidad económica evaluada");
    Ok(stored.view())
}

/// Every organisation's latest evaluation of each year, newest first (platform roles).
pub async fn audit_list() -> Result<Vec<AuditRow>, AppError> {
    let pool = pool()?;
    sessions::require_platform(&pool).await?;
    #[derive(sqlx::FromRow)]
    struct Row {
        razon_social: String,
        kind: String,
        year: i32,
        projected_amount: Decimal,
        passed: bool,
        result: Json<EvaluationResult>,
        created_at: OffsetDateTime,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM (
             SELECT DISTINCT ON (e.organization_id, e.year)
                    o.razon_social, o.kind, e.year, e.projected_amount, e.passed, e.result,
                    e.created_at
             FROM capacity_evaluations e JOIN organizations o USING (organization_id)
             ORDER BY e.organization_id, e.year, e.created_at DESC
         ) latest
         ORDER BY year DESC, created_at DESC
         LIMIT 1000",
    )
    .fetch_all(&pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditRow {
            razon_social: row.razon_social,
            kind: OrganizationKind::parse(&row.kind)
                .map(|kind| kind.label().to_owned())
                .unwrap_or(row.kind),
            year: row.year,
            projected_amount: pesos(row.projected_amount),
            passed: row.passed,
            summary: EvaluationView::lines(&row.result.0).1,
            created_at: fecha_hora(row.created_at),
        })
        .collect())
}

/// The projection of the organisation's latest passing evaluation for `year`.
pub async fn projection(
    conn: &mut PgConnection,
    organization_id: Uuid,
    year: i32,
) -> Result<Option<Decimal>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT projected_amount FROM capacity_evaluations
         WHERE organization_id = $1 AND year = $2 AND passed
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(organization_id)
    .bind(year)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The value before taxes of the organisation's confirmed purchases in pesos whose confirmation
/// falls in `year` (Bogotá). Purchases in another currency are not converted (no rate is kept)
/// and do not count.
pub async fn purchases_of_year(
    conn: &mut PgConnection,
    organization_id: Uuid,
    year: i32,
) -> Result<Decimal, AppError> {
    let drafts: Vec<Json<CompraDraft>> = sqlx::query_scalar(
        "SELECT draft FROM compras
         WHERE buyer_id = $1
           AND status IN ('CONFIRMADA', 'REVERSION_PENDIENTE_POR_CONFIRMAR')
           AND extract(year FROM confirmed_at AT TIME ZONE 'America/Bogota') = $2",
    )
    .bind(organization_id)
    .bind(f64::from(year))
    .fetch_all(&mut *conn)
    .await?;
    let mut total = Decimal::ZERO;
    for Json(draft) in drafts {
        if Currency::parse(&draft.transaction.currency) != Ok(Currency::Cop) {
            continue;
        }
        for line in &draft.lines {
            if let Ok(value) = Money::parse(&line.value, Currency::Cop) {
                total = total.checked_add(value.amount()).unwrap_or(total);
            }
        }
    }
    Ok(total)
}

/// `Compras confirmadas de 2026: COP $ …; monto proyectado: COP $ … (12,5 %).`
fn comparison(year: i32, bought: Decimal, projected: Decimal) -> String {
    let share = share_of_projection(bought, projected)
        .map(|share| format!(" ({} %)", domain::number::format_es_co(share, None)))
        .unwrap_or_default();
    format!(
        "Compras confirmadas de {year}: {}; monto proyectado: {}{share}.",
        pesos(bought),
        pesos(projected)
    )
}

async fn kind_of(
    conn: &mut PgConnection,
    organization_id: Uuid,
) -> Result<OrganizationKind, AppError> {
    let kind: String =
        sqlx::query_scalar("SELECT kind FROM organizations WHERE organization_id = $1")
            .bind(organization_id)
            .fetch_one(&mut *conn)
            .await?;
    OrganizationKind::parse(&kind).map_err(|_| AppError::Internal)
}

/// The warning of the purchase wizard, `None` when the buyer has a passing evaluation for this
/// year (or its kind does not need one).
pub async fn notice() -> Result<Option<String>, AppError> {
    let pool = pool()?;
    let user = sessions::require(&pool).await?;
    let Some(organization) = user.organization.filter(|o| applies_to(o.kind)) else {
        return Ok(None);
    };
    let year = today().date().year();
    let mut conn = pool.acquire().await?;
    if projection(&mut conn, organization.organization_id, year)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    Ok(Some(missing_message(year, blocks().0)))
}

fn missing_message(year: i32, blocking: bool) -> String {
    if blocking {
        format!(
            "Su organización no tiene una evaluación de capacidad económica aprobada para {year} \
             (Resolución ANM 1216 de 2025): no podrá confirmar compras hasta registrarla."
        )
    } else {
        format!(
            "Su organización no tiene una evaluación de capacidad económica aprobada para {year} \
             (Resolución ANM 1216 de 2025)."
        )
    }
}

/// At confirmation, with `VETA_CAPACIDAD_BLOQUEA`: a comercializador or planta de beneficio
/// without a passing evaluation for this year may not confirm ([`REQUIRED_CODE`]).
pub async fn check_purchase(conn: &mut PgConnection, buyer_id: Uuid) -> Result<(), AppError> {
    if !blocks().0 || !applies_to(kind_of(conn, buyer_id).await?) {
        return Ok(());
    }
    let year = today().date().year();
    if projection(conn, buyer_id, year).await?.is_some() {
        return Ok(());
    }
    Err(AppError::Rule(Violation {
        code: REQUIRED_CODE.to_owned(),
        message: missing_message(year, true),
    }))
}

/// After a purchase is confirmed (in its transaction): when the year's purchases exceed the
/// projection of the latest passing evaluation, an alert whose subject is the year (raised again,
/// it only updates its figures).
pub async fn after_purchase(
    conn: &mut PgConnection,
    buyer_id: Uuid,
    compra_id: Uuid,
) -> Result<(), AppError> {
    let year = today().date().year();
    let Some(projected) = projection(conn, buyer_id, year).await? else {
        return Ok(());
    };
    let bought = purchases_of_year(conn, buyer_id, year).await?;
    if !exceeds_projection(bought, projected) {
        return Ok(());
    }
    raise(
        conn,
        NewAlert {
            kind: AlertKind::ComprasSobreCapacidad,
            organization_id: Some(buyer_id),
            other_organization_id: None,
            compra_id: Some(compra_id),
            detail: comparison(year, bought, projected),
            subject: Some(year.to_string()),
        },
    )
    .await
}
