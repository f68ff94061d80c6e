//! `GET /healthz`: whether this process can serve — for load balancers, the run script and tests.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use sqlx::PgPool;

use crate::db::MIGRATOR;

/// The database must answer within this time for the server to count as healthy.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct Health {
    /// `"ok"` when the database is reachable and every embedded migration is applied.
    pub status: &'static str,
    pub version: &'static str,
    pub database: DatabaseHealth,
}

#[derive(Debug, Serialize)]
pub struct DatabaseHealth {
    pub reachable: bool,
    pub migrations_applied: bool,
    /// Migrations this binary embeds, and how many of them the database has applied.
    pub migrations_expected: usize,
    pub migrations_found: usize,
    /// The PostgreSQL server that `DATABASE_URL` reaches now (behind HAProxy, the current leader).
    pub node: Option<DatabaseNode>,
}

/// Which node answers, and whether it takes writes.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct DatabaseNode {
    /// Its address and port as the server sees them (`socket` over a Unix socket).
    pub address: String,
    /// Its name, when the node sets `veta.node` (scripts/ha names them node1…node3).
    pub name: Option<String>,
    /// `false` on a standby, or on a primary demoted because it lost its leader lock: Veta cannot
    /// write there, and the health check fails.
    pub writable: bool,
}

/// 200 with the report when healthy, 503 with the same report otherwise.
pub async fn healthz(State(pool): State<PgPool>) -> (StatusCode, Json<Health>) {
    let applied = tokio::time::timeout(DATABASE_TIMEOUT, async {
        Ok::<_, sqlx::Error>((applied_versions(&pool).await?, node(&pool).await?))
    })
    .await;
    let expected: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    let (reachable, found, node) = match applied {
        Ok(Ok((versions, node))) => (true, versions, Some(node)),
        Ok(Err(error)) => {
            tracing::warn!(%error, "healthz: database query failed");
            (false, Vec::new(), None)
        }
        Err(_) => {
            tracing::warn!("healthz: database did not answer in time");
            (false, Vec::new(), None)
        }
    };
    let migrations_applied = reachable && expected.iter().all(|v| found.contains(v));
    let writable = node.as_ref().is_some_and(|node| node.writable);
    let healthy = reachable && migrations_applied && writable;
    let health = Health {
        status: if healthy { "ok" } else { "error" },
        version: env!("CARGO_PKG_VERSION"),
        database: DatabaseHealth {
            reachable,
            migrations_applied,
            migrations_expected: expected.len(),
            migrations_found: found.iter().filter(|v| expected.contains(v)).count(),
            node,
        },
    };
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(health))
}

async fn applied_versions(pool: &PgPool) -> Result<Vec<i64>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
        .fetch_one(pool)
        .await?;
    if !exists {
        return Ok(Vec::new());
    }
    sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
}

async fn node(pool: &PgPool) -> Result<DatabaseNode, sqlx::Error> {
    sqlx::query_as(
        "SELECT coalesce(host(inet_server_addr()) || ':' || inet_server_port(), 'socket') AS address,
                nullif(current_setting('veta.node', true), '') AS name,
                NOT pg_is_in_recovery() AS writable",
    )
    .fetch_one(pool)
    .await
}
