//! Reported production against sales (Decreto 2234 de 2023): per title holder, mineral and month,
//! the production reported in the environment *producción* (weights sent through the web service,
//! plus the months declared on `/produccion/mensual`) against what the holder's production origin
//! codes sold. Past the tolerance: an alert `VENTAS_SOBRE_PRODUCCION`, never a block.
//!
//! Origin codes are not tied to one title, so a holder's titles are checked together (the alert
//! names them all). Runs inside the transaction of the purchase or the report that changed the
//! figures, under a transaction lock per holder, mineral and month, so that two purchases
//! committing at once each see the other's sales.

use std::collections::BTreeSet;

use domain::closing::Month;
use domain::codigo_origen::OriginSource;
use domain::production_report::{
    Catalog, Environment, MeasureUnit, MonthFigures, ProductionTolerance, TipoVariable,
};
use domain::{AlertKind, Mineral, MovementKind, OrganizationKind, Unit};
use leptos::prelude::use_context;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use time::Date;
use uuid::Uuid;

use crate::alerts::ssr::{NewAlert, raise_at};
use crate::auth::ssr::PublicUrl;
use crate::error::AppError;

/// Sums amounts given per unit into `to` (amounts that do not convert exactly are left out, and
/// said in the log).
fn sum_in(amounts: Vec<(Unit, Decimal)>, to: Unit) -> Decimal {
    amounts
        .into_iter()
        .filter_map(|(unit, amount)| match unit.convert(amount, to) {
            Ok(converted) => Some(converted),
            Err(error) => {
                tracing::warn!(%error, "cruce producción/ventas: cantidad sin convertir");
                None
            }
        })
        .fold(Decimal::ZERO, |sum, amount| sum.saturating_add(amount))
}

/// [`month_figures`]' row: the holder's titles, then (unit, amount) pairs as two arrays each.
#[derive(sqlx::FromRow)]
struct MonthRows {
    titulos: Vec<String>,
    reported_units: Vec<i32>,
    reported_amounts: Vec<Decimal>,
    declared: Option<Decimal>,
    sold_units: Vec<String>,
    sold_amounts: Vec<Decimal>,
}

/// The month's figures of a holder and mineral: weights reported to PRODUCCION for its titles and
/// the months it declared, and what its production origin codes sold (purchases net of reversals,
/// by operation date).
pub async fn month_figures(
    conn: &mut PgConnection,
    holder_id: Uuid,
    mineral: Mineral,
    month: Month,
) -> Result<Option<MonthFigures>, AppError> {
    let (first, last) = (month.first_day().date(), month.last_day().date());
    // One statement (it runs in every purchase of a title holder): the titles, the weights
    // reported for them, the month declared and what the production codes sold.
    let figures: Option<MonthRows> = sqlx::query_as(
        "WITH titles AS (
             SELECT array_agg(codigo_expediente ORDER BY codigo_expediente) AS titulos
             FROM mining_titles WHERE organization_id = $1
         ), reported AS (
             SELECT r.unidad_medida_id, sum(r.valor_variable) AS amount
             FROM production_records r, titles t
             WHERE r.organization_id = $1 AND r.environment = $2 AND r.mineral = $3
               AND r.tipo_variable_id = $4 AND r.fecha_toma_medida >= $5
               AND r.fecha_toma_medida < ($6::date + 1) AND r.titulos && t.titulos
             GROUP BY r.unidad_medida_id
         ), own AS MATERIALIZED (
             -- The holder's movements recorded since the month began (a movement is never
             -- recorded before its operation date), by the index on (holder, time): its cost is
             -- the holder's month, not the platform's month nor the holder's history.
             SELECT m.unit, m.delta, m.posting_id FROM movements m
             JOIN origin_codes o ON o.codigo_origen = m.codigo_origen
             WHERE m.organization_id = $1 AND m.created_at >= $10 AND m.mineral = $3
               AND m.kind IN ($8, $9) AND o.organization_id = $1 AND o.source = $7
         ), sold AS (
             SELECT own.unit, -sum(own.delta) AS amount FROM own
             JOIN ledger_postings p ON p.posting_id = own.posting_id
             WHERE p.operation_date BETWEEN $5 AND $6
             GROUP BY own.unit
         )
         SELECT t.titulos,
                coalesce((SELECT array_agg(unidad_medida_id ORDER BY unidad_medida_id) FROM reported), '{}') AS reported_units,
                coalesce((SELECT array_agg(amount ORDER BY unidad_medida_id) FROM reported), '{}') AS reported_amounts,
                (SELECT sum(quantity) FROM monthly_production
                 WHERE organization_id = $1 AND mineral = $3 AND month = $5) AS declared,
                coalesce((SELECT array_agg(unit ORDER BY unit) FROM sold), '{}') AS sold_units,
                coalesce((SELECT array_agg(amount ORDER BY unit) FROM sold), '{}') AS sold_amounts
         FROM titles t WHERE t.titulos IS NOT NULL",
    )
    .bind(holder_id)
    .bind(Environment::Produccion.code())
    .bind(mineral.name())
    .bind(TipoVariable::Peso.id())
    .bind(first)
    .bind(last)
    .bind(OriginSource::Produccion.code())
    .bind(MovementKind::CompraSalida.code())
    .bind(MovementKind::ReversionCompraSalida.code())
    .bind(month.first_day().start_in_bogota())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(MonthRows {
        titulos,
        reported_units,
        reported_amounts,
        declared,
        sold_units,
        sold_amounts,
    }) = figures
    else {
        return Ok(None);
    };
    let produced = sum_in(
        reported_units
            .into_iter()
            .zip(reported_amounts)
            .filter_map(|(id, amount)| {
                MeasureUnit::from_id(i64::from(id))
                    .and_then(MeasureUnit::mass_unit)
                    .map(|unit| (unit, amount))
            })
            .chain(declared.map(|amount| (mineral.unit(), amount)))
            .collect(),
        mineral.unit(),
    );
    let sold = sum_in(
        sold_units
            .into_iter()
            .zip(sold_amounts)
            .filter_map(|(unit, amount)| Unit::parse(&unit).ok().map(|unit| (unit, amount)))
            .collect(),
        mineral.unit(),
    );
    Ok(Some(MonthFigures {
        titulos,
        mineral: mineral.name().to_owned(),
        unit: mineral.unit(),
        year: month.year(),
        month: month.number(),
        produced,
        sold,
    }))
}

/// Compares a month's production and sales of a holder and mineral, and raises (or updates) the
/// alert when sales pass production × (1 + tolerance). Never refuses anything.
pub async fn check_month(
    conn: &mut PgConnection,
    site: &PublicUrl,
    tolerance: ProductionTolerance,
    (holder_id, mineral, month): (Uuid, Mineral, Month),
    compra_id: Option<Uuid>,
) -> Result<(), AppError> {
    // Held to the commit: a concurrent purchase of the same holder, mineral and month waits, then
    // reads these sales.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind(format!("produccion/{holder_id}/{}/{month}", mineral.name()))
        .execute(&mut *conn)
        .await?;
    let Some(figures) = month_figures(conn, holder_id, mineral, month).await? else {
        return Ok(());
    };
    if !figures.sales_exceed(tolerance) {
        return Ok(());
    }
    raise_at(
        conn,
        site,
        NewAlert {
            kind: AlertKind::VentasSobreProduccion,
            organization_id: Some(holder_id),
            other_organization_id: None,
            compra_id,
            detail: figures.detail(tolerance),
            subject: Some(figures.subject()),
        },
    )
    .await
}

/// After a purchase is posted (in its transaction): when the seller is a title holder selling from
/// its production origin codes, the cross-check of each mineral sold, for the month of the
/// purchase's operation date. Reads the tolerance and the site from the Leptos context.
pub async fn after_purchase(
    conn: &mut PgConnection,
    compra_id: Uuid,
    posting_id: Uuid,
) -> Result<(), AppError> {
    let tolerance = use_context::<ProductionTolerance>().unwrap_or_default();
    let site = crate::auth::ssr::public_url()?;
    let sold: Vec<(Uuid, String, Date)> = sqlx::query_as(
        "SELECT DISTINCT m.organization_id, m.mineral, p.operation_date
         FROM movements m
         JOIN ledger_postings p ON p.posting_id = m.posting_id
         JOIN origin_codes o ON o.codigo_origen = m.codigo_origen
         JOIN organizations h ON h.organization_id = m.organization_id
         WHERE m.posting_id = $1 AND m.kind = $2 AND o.organization_id = m.organization_id
           AND o.source = $3 AND h.kind = $4
         ORDER BY 1, 2, 3",
    )
    .bind(posting_id)
    .bind(MovementKind::CompraSalida.code())
    .bind(OriginSource::Produccion.code())
    .bind(OrganizationKind::ExplotadorMineroAutorizado.code())
    .fetch_all(&mut *conn)
    .await?;
    for (holder_id, mineral, date) in sold {
        let Ok(mineral) = Mineral::resolve(&mineral) else {
            continue;
        };
        let month = Month::of(domain::Fecha::from_date(date));
        check_month(
            conn,
            &site,
            tolerance,
            (holder_id, mineral, month),
            Some(compra_id),
        )
        .await?;
    }
    Ok(())
}

/// After production data arrive (web service or monthly declaration): the cross-check of each
/// mineral and month they touch, in order (the locks of [`check_month`] in a fixed order).
pub async fn after_report(
    conn: &mut PgConnection,
    site: &PublicUrl,
    tolerance: ProductionTolerance,
    holder_id: Uuid,
    months: &BTreeSet<(String, Month)>,
) -> Result<(), AppError> {
    for (mineral, month) in months {
        let Ok(mineral) = Mineral::resolve(mineral) else {
            continue;
        };
        check_month(conn, site, tolerance, (holder_id, mineral, *month), None).await?;
    }
    Ok(())
}
