//! Demonstration data for the run command's embedded database (`VETA_DEMO_DATA=1`), never for a
//! real deployment: organisations of the seed guides and their users, so that a newcomer can sign
//! in at once, and a title holder's origin codes with their balances, so that they can be sold.
//! Idempotent: running it again changes nothing. README.md lists the accounts.

use domain::subsistence_registry::RegistryState;
use domain::{ApprovalStatus, OrganizationKind};
use sqlx::PgPool;
use uuid::Uuid;

/// The password of every demonstration account.
pub const DEMO_PASSWORD: &str = "veta-demo-2026";

struct DemoOrganization {
    id: u128,
    kind: &'static str,
    document_type: &'static str,
    document_number: &'static str,
    razon_social: &'static str,
    municipio_code: &'static str,
    email: &'static str,
    mobile: &'static str,
    rucom: Option<&'static str>,
    titles: &'static [&'static str],
}

struct DemoUser {
    id: u128,
    organization: Option<u128>,
    role: &'static str,
    username: &'static str,
    full_name: &'static str,
    mobile: Option<&'static str>,
}

const ORGANIZATIONS: &[DemoOrganization] = &[
    // Seed 000's seller: a mining title holder in La Virginia, Risaralda.
    DemoOrganization {
        id: 0x0d1_0001,
        kind: "EXPLOTADOR_MINERO_AUTORIZADO",
        document_type: "NIT",
        document_number: "901304961-7",
        razon_social: "MINERA EL DILUVIO GOLD S.A.S",
        municipio_code: "66400",
        email: "gerencia.diluvio@demo.veta.com.co",
        mobile: "+573001110001",
        rucom: None,
        titles: &["T14292011-003"],
    },
    DemoOrganization {
        id: 0x0d1_0002,
        kind: "COMERCIALIZADOR",
        document_type: "NIT",
        document_number: "900123456-8",
        razon_social: "COMERCIALIZADORA ORO DEL CAUCA S.A.S",
        municipio_code: "05001",
        email: "gerencia.orocauca@demo.veta.com.co",
        mobile: "+573001110002",
        rucom: Some("RUCOM-201512105466"),
        titles: &[],
    },
    // A processing plant in Segovia, Antioquia, that refines what it buys and sells the product.
    DemoOrganization {
        id: 0x0d1_0004,
        kind: "PLANTA_BENEFICIO",
        document_type: "NIT",
        document_number: "900654321-0",
        razon_social: "PLANTA DE BENEFICIO SEGOVIA S.A.S",
        municipio_code: "05736",
        email: "gerencia.segovia@demo.veta.com.co",
        mobile: "+573001110004",
        rucom: Some("RUCOM-201703150112"),
        titles: &[],
    },
    DemoOrganization {
        id: 0x0d1_0003,
        kind: "MINERO_SUBSISTENCIA",
        document_type: "CC",
        document_number: "11801234",
        razon_social: "JOSÉ ANTONIO RENTERÍA MOSQUERA",
        municipio_code: "27001",
        email: "jose.renteria@demo.veta.com.co",
        mobile: "+573001110003",
        rucom: None,
        titles: &[],
    },
];

const USERS: &[DemoUser] = &[
    DemoUser {
        id: 0x0d2_0001,
        organization: Some(0x0d1_0001),
        role: "ADMINISTRADOR",
        username: "diluvio.admin",
        full_name: "LAURA GÓMEZ RESTREPO",
        mobile: Some("+573001110011"),
    },
    DemoUser {
        id: 0x0d2_0002,
        organization: Some(0x0d1_0001),
        role: "OPERADOR",
        username: "diluvio.operador",
        full_name: "ANDRÉS CARDONA",
        mobile: None,
    },
    DemoUser {
        id: 0x0d2_0003,
        organization: Some(0x0d1_0002),
        role: "ADMINISTRADOR",
        username: "orocauca.admin",
        full_name: "ANA CASTELLANOS",
        mobile: Some("+573001110021"),
    },
    DemoUser {
        id: 0x0d2_0004,
        organization: Some(0x0d1_0002),
        role: "OPERADOR",
        username: "orocauca.operador",
        full_name: "CARLOS MEJÍA",
        mobile: None,
    },
    DemoUser {
        id: 0x0d2_0005,
        organization: Some(0x0d1_0002),
        role: "CONSULTA",
        username: "orocauca.consulta",
        full_name: "DIANA TORRES",
        mobile: None,
    },
    DemoUser {
        id: 0x0d2_0006,
        organization: Some(0x0d1_0003),
        role: "ADMINISTRADOR",
        username: "jose.renteria",
        full_name: "JOSÉ ANTONIO RENTERÍA MOSQUERA",
        mobile: Some("+573001110031"),
    },
    DemoUser {
        id: 0x0d2_0009,
        organization: Some(0x0d1_0004),
        role: "ADMINISTRADOR",
        username: "segovia.admin",
        full_name: "MARTA LUCÍA ZAPATA",
        mobile: Some("+573001110041"),
    },
    DemoUser {
        id: 0x0d2_000a,
        organization: Some(0x0d1_0004),
        role: "OPERADOR",
        username: "segovia.operador",
        full_name: "JHON JAIRO HOYOS",
        mobile: None,
    },
    DemoUser {
        id: 0x0d2_0007,
        organization: None,
        role: "AUDITOR_ANM",
        username: "auditor.anm",
        full_name: "AUDITORÍA ANM",
        mobile: None,
    },
    DemoUser {
        id: 0x0d2_0008,
        organization: None,
        role: "ADMINISTRADOR_OTTM",
        username: "admin.ottm",
        full_name: "ADMINISTRACIÓN VETA",
        mobile: None,
    },
];

/// An origin code of the demonstration, issued to a title holder with its initial balance.
struct DemoOriginCode {
    code: &'static str,
    holder: u128,
    mineral: &'static str,
    quantity: &'static str,
    issued_on: &'static str,
}

/// MINERA EL DILUVIO GOLD's production, so that its balances can be sold at once. Fixed codes
/// (the first is seed 000's): real codes are random.
const ORIGIN_CODES: &[DemoOriginCode] = &[
    DemoOriginCode {
        code: "4DEB01BC",
        holder: 0x0d1_0001,
        mineral: "ORO",
        quantity: "500",
        issued_on: "04/03/2025",
    },
    DemoOriginCode {
        code: "5A1C9E07",
        holder: 0x0d1_0001,
        mineral: "PLATA",
        quantity: "900",
        issued_on: "04/03/2025",
    },
];

/// Loads the demonstration data; returns how many accounts were created (0 when present).
pub async fn seed(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let created = seed_accounts(pool).await?;
    seed_origin_codes(pool).await?;
    Ok(created)
}

/// The origin codes, each with its `SALDO_INICIAL` posted through the ledger; a code already
/// issued is left as it is.
async fn seed_origin_codes(pool: &PgPool) -> Result<(), sqlx::Error> {
    let invalid =
        |what: &str| sqlx::Error::Protocol(format!("dato de demostración inválido: {what}"));
    let mut tx = pool.begin().await?;
    for c in ORIGIN_CODES {
        let code = domain::CodigoOrigen::parse(c.code).map_err(|_| invalid(c.code))?;
        let mineral = domain::Mineral::resolve(c.mineral).map_err(|_| invalid(c.mineral))?;
        let quantity = domain::SaleQuantity::parse(c.quantity).map_err(|_| invalid(c.quantity))?;
        let issued_on = domain::Fecha::parse(c.issued_on).map_err(|_| invalid(c.issued_on))?;
        app::codigos_origen::ssr::issue(
            &mut tx,
            code,
            Uuid::from_u128(c.holder),
            mineral,
            quantity,
            issued_on,
        )
        .await
        .map_err(|error| match error {
            app::ledger::ssr::LedgerError::Database(error) => error,
            rule => sqlx::Error::Protocol(rule.to_string()),
        })?;
    }
    tx.commit().await
}

async fn seed_accounts(pool: &PgPool) -> Result<u64, sqlx::Error> {
    // Demonstration organisations are approved, with their contacts verified (also those seeded
    // before approval existed).
    let organization_ids: Vec<Uuid> = ORGANIZATIONS
        .iter()
        .map(|o| Uuid::from_u128(o.id))
        .collect();
    sqlx::query(
        "UPDATE organizations SET approval_status = $2,
                contact_email_verified_at = coalesce(contact_email_verified_at, now()),
                contact_mobile_verified_at = coalesce(contact_mobile_verified_at, now())
         WHERE organization_id = ANY($1) AND approval_status <> $2",
    )
    .bind(&organization_ids)
    .bind(ApprovalStatus::Aprobada.code())
    .execute(pool)
    .await?;
    let ids: Vec<Uuid> = USERS.iter().map(|u| Uuid::from_u128(u.id)).collect();
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE user_id = ANY($1)")
        .bind(&ids)
        .fetch_one(pool)
        .await?;
    if usize::try_from(present).is_ok_and(|n| n == USERS.len()) {
        return Ok(0);
    }
    let password_hash = app::auth::ssr::passwords::hash(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|_| {
            sqlx::Error::Protocol(
                "no se pudo calcular el hash de la contraseña de demostración".into(),
            )
        })?;
    let mut tx = pool.begin().await?;
    for o in ORGANIZATIONS {
        let (rucom_number, rucom_state) = match o.rucom {
            Some(number) => (Some(number), Some("CERTIFICADO")),
            None => (None, None),
        };
        sqlx::query(
            "INSERT INTO organizations (organization_id, kind, document_type, document_number, razon_social,
                 departamento_code, municipio_code, contact_email, contact_mobile, rucom_number, rucom_state,
                 approval_status, contact_email_verified_at, contact_mobile_verified_at,
                 registry_state, registry_loaded_at)
             VALUES ($1, $2, $3, $4, $5, left($6, 2), $6, $7, $8, $9, $10, $11, now(), now(),
                     $12, CASE WHEN $12 IS NOT NULL THEN now() END)
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::from_u128(o.id))
        .bind(o.kind)
        .bind(o.document_type)
        .bind(o.document_number)
        .bind(o.razon_social)
        .bind(o.municipio_code)
        .bind(o.email)
        .bind(o.mobile)
        .bind(rucom_number)
        .bind(rucom_state)
        .bind(ApprovalStatus::Aprobada.code())
        // The demonstration miner is active in the registry of subsistence miners.
        .bind(
            (o.kind == OrganizationKind::MineroSubsistencia.code())
                .then_some(RegistryState::Activo.code()),
        )
        .execute(&mut *tx)
        .await?;
        for title in o.titles {
            sqlx::query(
                "INSERT INTO mining_titles (codigo_expediente, organization_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(title)
            .bind(Uuid::from_u128(o.id))
            .execute(&mut *tx)
            .await?;
        }
    }
    let mut created = 0;
    for u in USERS {
        created += sqlx::query(
            "INSERT INTO users (user_id, organization_id, role, username, email, mobile, full_name,
                 password_hash, second_factor, email_verified_at)
             VALUES ($1, $2, $3, $4, $4 || '@demo.veta.com.co', $5, $6, $7, 'EMAIL', now())
             ON CONFLICT DO NOTHING",
        )
        .bind(Uuid::from_u128(u.id))
        .bind(u.organization.map(Uuid::from_u128))
        .bind(u.role)
        .bind(u.username)
        .bind(u.mobile)
        .bind(u.full_name)
        .bind(&password_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(created)
}
