//! `faults`: the fault tests of docs/RELIABILITY.md, against real server processes and a real
//! PostgreSQL on loopback (`bash scripts/faults` builds and starts everything around it; the test
//! command runs it). Each scenario makes purchases through the HTTP interface as the bench does
//! (`loadgen`), breaks something, and then checks the database, the ledger and the mail received:
//!
//! 1. **Two server processes on one database**: purchases prepared through one and confirmed
//!    through the other; each confirmed once, one hash chain, each message delivered once.
//! 2. **kill -9 during a burst of confirmations**: every purchase is afterwards either confirmed
//!    with its posting, PTM code and balances emails, or not confirmed with nothing posted; a
//!    retried confirmation answers the same PTM code; `verify` is clean; mail delivered twice only
//!    for messages whose send the kill interrupted.
//! 3. **PostgreSQL stopped and started under load**: `/healthz` answers 503 meanwhile, the server
//!    recovers without a restart within 5 s of PostgreSQL being back, no request waits longer
//!    than the pool's acquire timeout.
//!
//! Environment (all required but `FAULTS_WORK`): `FAULTS_SERVER_BIN` (the server binary),
//! `DATABASE_URL`, `FAULTS_PG_STOP` and `FAULTS_PG_START` (shell commands that stop and start that
//! PostgreSQL, waiting until done), `FAULTS_WORK` (folder for the servers' logs, default `/tmp`).
//! Prints what it did with the figures; exits 1 at the first broken promise.

// A command-line tool: what it prints is its product.
#![allow(clippy::print_stdout)]

// Some of what the load generators share serves only `bench`.
#[allow(dead_code)]
#[path = "../loadgen/mod.rs"]
mod loadgen;

mod checks;
mod ha;
mod processes;
mod scenarios;

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::postgres::PgPoolOptions;

use checks::context;
use ha::{
    HaEnv, freeze_etcd, freeze_sync_standby, kill_primary, restore_to_a_point, sync_against_async,
};
use loadgen::Result;
use loadgen::mail::{Catcher, Mailbox};
use loadgen::purchase::{BUYER, sign_in};
use loadgen::sellers::{seed_sellers, sellers_for};
use processes::{Env, Server, free_port, required};
use scenarios::{kill_during_confirmations, postgres_restart, two_servers};

fn main() -> std::process::ExitCode {
    loadgen::main_with("faults", run())
}

/// The scenarios below, counted in the test command's total.
const SCENARIOS: usize = 3;
/// Purchases confirmed at once in the kill scenario.
const BURST: usize = 200;
/// The server is killed once this many confirmations have answered: the rest are in flight.
const KILL_AFTER_ANSWERS: usize = 10;
/// Purchases made through the two servers.
const TWO_SERVERS_PURCHASES: usize = 100;
/// More purchases than the PostgreSQL scenario makes (80–100 a second on 2 cores while it is up).
const LOAD_PURCHASES_MAX: u64 = 4_000;
/// Workers making purchases in every scenario.
const WORKERS: usize = 8;
/// How long PostgreSQL stays stopped, and the load runs after it is back.
const PG_DOWN: Duration = Duration::from_secs(4);
const LOAD_AFTER_PG_UP: Duration = Duration::from_secs(6);
/// What the issue promises: serving again within 5 s of PostgreSQL being back.
const RECOVERY_MAX: Duration = Duration::from_secs(5);
/// No request may wait longer than the server pool's acquire timeout (5 s, server::db), plus
/// room for the statement it then runs.
const REQUEST_MAX: Duration = Duration::from_secs(7);
/// Longest wait for the outbox to deliver its backlog and for the sealer to chain the ledger.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);
const SEAL_TIMEOUT: Duration = Duration::from_secs(15);

/// One `/healthz` call: when it was asked, its status (`None`: no answer), how long it took.
type HealthCall = (Instant, Option<u16>, Duration);

/// A broken promise: the message says which.
fn ensure(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok { Ok(()) } else { Err(message()) }
}

// ---------------------------------------------------------------------------------------------
// The run

async fn run() -> Result<()> {
    let smtp_port = free_port()?;
    // On the HA cluster (scripts/ha faults) only the HA scenarios run, and its own commands break it.
    let ha = HaEnv::from_env()?;
    let pg_command = |name: &str| {
        if ha.is_some() {
            Ok(String::new())
        } else {
            required(name)
        }
    };
    let env = Env {
        server_bin: required("FAULTS_SERVER_BIN")?,
        database_url: required("DATABASE_URL")?,
        pg_stop: pg_command("FAULTS_PG_STOP")?,
        pg_start: pg_command("FAULTS_PG_START")?,
        work: std::env::var("FAULTS_WORK").unwrap_or_else(|_| "/tmp".to_owned()),
        smtp_addr: format!("127.0.0.1:{smtp_port}"),
    };
    let catcher = Catcher::start(&env.smtp_addr).await?;
    let mut server_a = Server::start(&env, "a", free_port()?).await?;
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(&env.database_url)
        .await
        .map_err(|error| format!("no se pudo conectar a DATABASE_URL: {error}"))?;
    let mailbox = || Mailbox::new(pool.clone(), Arc::clone(&catcher));
    let session = sign_in(&server_a.http, &mailbox().await?, BUYER).await?;
    if let Some(ha) = ha {
        println!(
            "Veta — pruebas de alta disponibilidad (servidor release, tres nodos PostgreSQL con Patroni, HAProxy y correo en loopback)"
        );
        let mut next = 0;
        let mut ctx = |purchases: usize| {
            let range = next..next + sellers_for(purchases as u64);
            next = range.end;
            let (http, pool) = (server_a.http.clone(), pool.clone());
            let (session, mailbox) = (session.clone(), mailbox());
            async move {
                Ok::<_, String>(context(
                    http,
                    mailbox.await?,
                    &session,
                    seed_sellers(&pool, range).await?,
                ))
            }
        };
        let purchases = ha.purchases();
        sync_against_async(&ha, &[ctx(purchases).await?, ctx(purchases).await?]).await?;
        kill_primary(&ha, &pool, &ctx(purchases).await?).await?;
        freeze_sync_standby(&ha, &pool, &ctx(purchases).await?).await?;
        freeze_etcd(&ha, &pool, &ctx(ha.etcd_purchases()).await?).await?;
        restore_to_a_point(&ha, &pool, &ctx(2 * purchases).await?).await?;
        server_a.stop();
        println!("\ntodas las pruebas de alta disponibilidad pasaron\nfaults-ha: 5 passed");
        return Ok(());
    }
    println!("Veta — pruebas de fallas (servidor release, PostgreSQL y correo en loopback)");

    // Disjoint sellers per scenario: each buyer-seller pair has its own daily limit.
    let per_server = sellers_for(TWO_SERVERS_PURCHASES as u64);
    let burst_sellers = sellers_for(BURST as u64);
    let first_burst = 2 * per_server;
    let first_load = first_burst + burst_sellers;
    let load_sellers = sellers_for(LOAD_PURCHASES_MAX);

    // 1. Two servers on one database.
    let server_b = Server::start(&env, "b", free_port()?).await?;
    let contexts = [
        context(
            server_a.http.clone(),
            mailbox().await?,
            &session,
            seed_sellers(&pool, 0..per_server).await?,
        ),
        context(
            server_b.http.clone(),
            mailbox().await?,
            &session,
            seed_sellers(&pool, per_server..2 * per_server).await?,
        ),
    ];
    two_servers(&pool, &catcher, &contexts).await?;
    server_b.stop();

    // 2. kill -9 during a burst of confirmations.
    let ctx = context(
        server_a.http.clone(),
        mailbox().await?,
        &session,
        seed_sellers(&pool, first_burst..first_burst + burst_sellers).await?,
    );
    kill_during_confirmations(&env, &pool, &catcher, &mut server_a, &ctx).await?;

    // 3. PostgreSQL stopped and started under load.
    let ctx = context(
        server_a.http.clone(),
        mailbox().await?,
        &session,
        seed_sellers(&pool, first_load..first_load + load_sellers).await?,
    );
    postgres_restart(&env, &pool, &ctx).await?;
    server_a.stop();
    println!("\ntodas las pruebas de fallas pasaron\nfaults: {SCENARIOS} passed");
    Ok(())
}
