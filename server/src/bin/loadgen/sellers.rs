//! The sellers a load run buys from: approved mining title holders, each with one origin code of
//! gold, written straight into the server's database before the run.
//!
//! One buyer may hand at most [`PURCHASES_PER_BUYER_SELLER`]`.max` purchases a day to one seller
//! (domain::limits), so a run of thousands of purchases spreads them over many sellers, as real
//! traffic does.

use std::ops::Range;

use domain::closing::Month;
use domain::limits::PURCHASES_PER_BUYER_SELLER;
use domain::{ApprovalStatus, DocumentType, Mineral, Nit, OrganizationKind, SaleQuantity};
use sqlx::PgPool;
use uuid::Uuid;

use super::Result;

/// Grams issued on each seller's origin code: far more than any run sells (1 g a purchase).
pub const CODE_QUANTITY: &str = "100.000.000";

/// First NIT base of the load sellers (far from the demonstration's).
const NIT_BASE_FIRST: u64 = 860_000_000;

/// A seller as the buyer types it in a purchase.
#[derive(Debug, Clone)]
pub struct Seller {
    pub organization_id: Uuid,
    /// As typed: base and check digit, no separators.
    pub nit: String,
    pub razon_social: String,
    pub codigo_expediente: String,
    pub email: String,
    pub origin_code: String,
}

/// How many sellers `purchases` purchases by one buyer need.
pub fn sellers_for(purchases: u64) -> usize {
    usize::try_from(purchases.div_ceil(u64::from(PURCHASES_PER_BUYER_SELLER.max))).unwrap_or(1)
}

/// The seller's production of gold this month, declared as a title holder does on
/// `/produccion/mensual` (by a user of its own, who never signs in): as much as its code holds, so
/// that its sales stay within what it produced and raise no alert (`production::crosscheck`), as
/// with a holder who reports. Idempotent.
async fn declare_production(
    pool: &PgPool,
    organization_id: Uuid,
    (index, codigo_expediente): (usize, &str),
    (mineral, quantity): (Mineral, SaleQuantity),
) -> Result<()> {
    sqlx::query(
        "WITH holder AS (
             INSERT INTO users (user_id, organization_id, role, email, full_name)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (email) DO UPDATE SET full_name = excluded.full_name
             RETURNING user_id
         )
         INSERT INTO monthly_production (organization_id, codigo_expediente, mineral, month,
                                         quantity, declared_by)
         SELECT $2, $6, $7, $8, $9, user_id
         FROM holder
         ON CONFLICT DO NOTHING",
    )
    .bind(Uuid::new_v4())
    .bind(organization_id)
    .bind(domain::Role::Administrador.code())
    .bind(format!("titular{index}@carga.veta.test"))
    .bind(format!("Titular de la minera de carga {index}"))
    .bind(codigo_expediente)
    .bind(mineral.name())
    .bind(Month::of(app::compras::ssr::today()).first_day().date())
    .bind(quantity.value())
    .execute(pool)
    .await
    .map_err(|error| format!("producción del vendedor de carga {index}: {error}"))?;
    Ok(())
}

/// Makes sure the load sellers numbered `indexes` exist, approved, each with a new origin code of
/// [`CODE_QUANTITY`] g of gold issued today; idempotent for the organisations. Runs that must not
/// share a seller's daily limit take disjoint ranges.
pub async fn seed_sellers(pool: &PgPool, indexes: Range<usize>) -> Result<Vec<Seller>> {
    let today = app::compras::ssr::today();
    let mineral = Mineral::resolve("ORO").map_err(|error| error.to_string())?;
    let quantity = SaleQuantity::parse(CODE_QUANTITY).map_err(|error| error.to_string())?;
    let mut sellers = Vec::with_capacity(indexes.len());
    for index in indexes {
        let base = NIT_BASE_FIRST + index as u64;
        let nit = Nit::from_base(&base.to_string()).map_err(|error| error.to_string())?;
        let razon_social = format!("MINERA CARGA {index} S.A.S");
        let codigo_expediente = format!("LC{index:06}-001");
        let email = format!("vendedor{index}@carga.veta.test");
        let organization_id: Uuid = sqlx::query_scalar(
            "WITH inserted AS (
                 INSERT INTO organizations (organization_id, kind, document_type, document_number,
                     razon_social, departamento_code, municipio_code, contact_email, contact_mobile,
                     approval_status, contact_email_verified_at, contact_mobile_verified_at)
                 VALUES ($6, $7, $8, $1, $2, '66', '66400', $3, $4, $5, now(), now())
                 ON CONFLICT DO NOTHING RETURNING organization_id)
             SELECT organization_id FROM inserted
             UNION ALL
             SELECT organization_id FROM organizations WHERE document_type = $8 AND document_number = $1",
        )
        .bind(nit.to_string())
        .bind(&razon_social)
        .bind(&email)
        .bind(format!("+57310{:07}", index))
        .bind(ApprovalStatus::Aprobada.code())
        .bind(Uuid::new_v4())
        .bind(OrganizationKind::ExplotadorMineroAutorizado.code())
        .bind(DocumentType::Nit.code())
        .fetch_one(pool)
        .await
        .map_err(|error| format!("vendedor de carga {index}: {error}"))?;
        sqlx::query(
            "INSERT INTO mining_titles (codigo_expediente, organization_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&codigo_expediente)
        .bind(organization_id)
        .execute(pool)
        .await
        .map_err(|error| format!("título del vendedor de carga {index}: {error}"))?;
        declare_production(
            pool,
            organization_id,
            (index, &codigo_expediente),
            (mineral, quantity),
        )
        .await?;
        let code =
            app::codigos_origen::ssr::issue_random(pool, organization_id, mineral, quantity, today)
                .await
                .map_err(|error| format!("código de origen del vendedor {index}: {error:?}"))?;
        sellers.push(Seller {
            organization_id,
            nit: format!("{}{}", nit.base(), nit.check_digit()),
            razon_social,
            codigo_expediente,
            email,
            origin_code: code.to_string(),
        });
    }
    Ok(sellers)
}
