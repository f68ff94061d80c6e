//! The trail's reads: the codes reachable through the lineage both ways (bounded), each code's
//! origin and its transfers, scoped to what the signed-in user may see.

use std::collections::BTreeMap;

use domain::codigo_origen::OriginSource;
use domain::{CodigoOrigen, Fecha, Quantity, ValidationErrors};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use super::{Trail, TrailEdge, TrailNode, TrailTransfer};
use crate::auth::SignedInUser;
use crate::error::AppError;

/// Most codes a trail shows (each way): a trail is read by people.
const TRAIL_CODES_MAX: i64 = 200;

#[derive(sqlx::FromRow)]
struct CodeRow {
    codigo_origen: String,
    depth: i32,
    mineral: String,
    unit: String,
    source: String,
    issued_on: time::Date,
    holder: String,
    holder_document: String,
    titles: Option<String>,
    process: Option<String>,
}

/// The trail of `typed`, as `user` may see it: the platform roles all of it; an organisation, a
/// code it held (or any code of that code's trail), with only its own transfers.
pub async fn trail(pool: &PgPool, user: &SignedInUser, typed: &str) -> Result<Trail, AppError> {
    let code = CodigoOrigen::parse(typed).map_err(|error| {
        AppError::Invalid(ValidationErrors::one(
            "codigo_origen",
            "Código de origen",
            &error,
        ))
    })?;
    let own = if user.role.is_platform() {
        None
    } else {
        Some(
            user.organization
                .as_ref()
                .map(|o| o.organization_id)
                .ok_or(AppError::Forbidden)?,
        )
    };
    let codes: Vec<CodeRow> = sqlx::query_as(
        "WITH RECURSIVE up(code, depth) AS (
             SELECT $1::char(8), 0
             UNION
             SELECT l.source_codigo_origen, up.depth - 1 FROM origin_lineage l JOIN up ON l.codigo_origen = up.code
             WHERE up.depth > -50
         ), down(code, depth) AS (
             SELECT $1::char(8), 0
             UNION
             SELECT l.codigo_origen, down.depth + 1 FROM origin_lineage l JOIN down ON l.source_codigo_origen = down.code
             WHERE down.depth < 50
         ), trail AS (
             (SELECT code, min(depth) AS depth FROM up GROUP BY code ORDER BY 2 DESC LIMIT $2)
             UNION
             (SELECT code, max(depth) FROM down GROUP BY code ORDER BY 2 LIMIT $2)
         )
         SELECT c.codigo_origen::text, t.depth, c.mineral, c.unit, c.source, c.issued_on,
                o.razon_social AS holder, o.document_number AS holder_document,
                (SELECT string_agg(mt.codigo_expediente, ', ' ORDER BY mt.codigo_expediente)
                 FROM mining_titles mt WHERE mt.organization_id = c.organization_id) AS titles,
                (SELECT tr.process FROM origin_lineage l JOIN transformations tr USING (transformation_id)
                 WHERE l.codigo_origen = c.codigo_origen LIMIT 1) AS process
         FROM trail t JOIN origin_codes c ON c.codigo_origen = t.code
         JOIN organizations o ON o.organization_id = c.organization_id
         ORDER BY t.depth, c.codigo_origen",
    )
    .bind(code.to_string())
    .bind(TRAIL_CODES_MAX)
    .fetch_all(pool)
    .await?;
    if codes.iter().all(|c| c.depth != 0) {
        return Err(AppError::NotFound);
    }
    let names: Vec<String> = codes.iter().map(|c| c.codigo_origen.clone()).collect();
    if let Some(own) = own {
        // An organisation opens the trail of a code it held (a balance row exists for it).
        let held: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM balances WHERE organization_id = $1 AND codigo_origen = ANY($2::char(8)[]))",
        )
        .bind(own)
        .bind(&names)
        .fetch_one(pool)
        .await?;
        if !held {
            return Err(AppError::NotFound);
        }
    }
    let edges: Vec<(String, String, Decimal, String, time::Date)> = sqlx::query_as(
        "SELECT l.source_codigo_origen::text, l.codigo_origen::text, sum(l.share), t.process, t.operation_date
         FROM origin_lineage l JOIN transformations t USING (transformation_id)
         WHERE l.codigo_origen = ANY($1::char(8)[]) AND l.source_codigo_origen = ANY($1::char(8)[])
         GROUP BY 1, 2, 4, 5 ORDER BY 1, 2",
    )
    .bind(&names)
    .fetch_all(pool)
    .await?;
    let movements: Vec<(String, Uuid, String, time::Date, Uuid, String, Decimal)> = sqlx::query_as(
        "SELECT m.codigo_origen::text, p.posting_id, p.kind, p.operation_date, m.organization_id,
                o.razon_social, m.delta
         FROM movements m JOIN ledger_postings p ON p.posting_id = m.posting_id
         JOIN organizations o ON o.organization_id = m.organization_id
         WHERE m.codigo_origen = ANY($1::char(8)[])
         ORDER BY p.operation_date, m.sequence",
    )
    .bind(&names)
    .fetch_all(pool)
    .await?;
    // Per code and posting: who gave, who received, how much.
    type Step = (
        String,
        time::Date,
        Option<(Uuid, String)>,
        Option<(Uuid, String)>,
        Decimal,
    );
    let mut steps: BTreeMap<(String, Uuid), Step> = BTreeMap::new();
    let mut order: Vec<(String, Uuid)> = Vec::new();
    for (code, posting, kind, date, organization, name, delta) in movements {
        let step = steps.entry((code.clone(), posting)).or_insert_with(|| {
            order.push((code.clone(), posting));
            (kind, date, None, None, Decimal::ZERO)
        });
        if delta.is_sign_negative() {
            step.2 = Some((organization, name));
        } else {
            step.3 = Some((organization, name));
        }
        step.4 = step.4.max(delta.abs());
    }
    let mut transfers: BTreeMap<String, Vec<TrailTransfer>> = BTreeMap::new();
    for key in order {
        let Some((kind, date, from, to, quantity)) = steps.remove(&key) else {
            continue;
        };
        let party = |side: &Option<(Uuid, String)>| side.as_ref().map(|(id, _)| *id);
        if let Some(own) = own
            && party(&from) != Some(own)
            && party(&to) != Some(own)
        {
            continue;
        }
        transfers.entry(key.0).or_default().push(TrailTransfer {
            fecha: Fecha::from_date(date).to_string(),
            kind,
            from: from.map(|(_, name)| name),
            to: to.map(|(_, name)| name),
            quantity: Quantity::new(quantity)
                .map(|q| q.to_string())
                .unwrap_or_default(),
        });
    }
    let nodes = codes
        .into_iter()
        .map(|c| {
            let source = OriginSource::from_code(&c.source);
            let origin = match source {
                Some(OriginSource::Produccion) => format!(
                    "Título minero {} · {}",
                    c.titles
                        .unwrap_or_else(|| "sin título registrado".to_owned()),
                    c.holder
                ),
                Some(OriginSource::MineroSubsistencia) => {
                    format!(
                        "Minero de subsistencia {} ({})",
                        c.holder, c.holder_document
                    )
                }
                Some(OriginSource::Transformacion) => format!(
                    "{} de {}",
                    c.process
                        .as_deref()
                        .and_then(domain::transformation::Process::from_code)
                        .map_or("Transformación", |p| p.label()),
                    c.holder
                ),
                Some(other) => format!("{} · {}", other.label(), c.holder),
                None => c.holder,
            };
            TrailNode {
                transfers: transfers.remove(&c.codigo_origen).unwrap_or_default(),
                mineral: format!("{} ({})", c.mineral, c.unit),
                codigo_origen: c.codigo_origen,
                depth: c.depth,
                source: c.source,
                origin,
                issued_on: Fecha::from_date(c.issued_on).to_string(),
            }
        })
        .collect();
    Ok(Trail {
        codigo_origen: code.to_string(),
        nodes,
        edges: edges
            .into_iter()
            .map(|(from, to, share, process, date)| TrailEdge {
                from,
                to,
                share: domain::number::format_es_co(share, Some(6)),
                process: domain::transformation::Process::from_code(&process)
                    .map_or(process, |p| p.label().to_owned()),
                fecha: Fecha::from_date(date).to_string(),
            })
            .collect(),
    })
}
