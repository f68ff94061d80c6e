//! `bench`: drives complete purchases through Veta's real HTTP interface and measures them
//! (docs/BENCHMARK.md; `bash scripts/bench` builds, starts and stops everything around it).
//!
//! ```text
//! bench                      run the benchmark against BENCH_URL (configuration: environment)
//! bench svg BEFORE AFTER     draw two runs' figures files (CSV) side by side, SVG on stdout
//! ```
//!
//! A purchase, as a buyer's browser and a seller's ERP make it: "Generar Cód. WS"
//! (`/api/compras/enviar-al-vendedor`, the token arrives by email), the ERP's detail
//! (`POST /api/ws/v1/transacciones/{id}/detalle`), "Enviar" (`/api/compras/enviar`, the validation
//! code arrives by email) and "Confirmar transacción" (`/api/compras/confirmar`, the step that
//! moves the ledger). Each step's email is read from the `outbox` table of the same database the
//! moment the step commits it, or from the bench's own SMTP catcher once sent (`loadgen::mail`).
//! The purchases spread over load sellers written into the database before the run
//! (`loadgen::sellers`): one buyer may hand a seller only a few purchases a day.
//!
//! Phases: warm-up; (1) complete purchases by `BENCH_CONCURRENCY` workers for `BENCH_SECONDS`;
//! (2) purchases prepared up to *Pendiente por confirmar* for `BENCH_PREPARE_SECONDS`, then half
//! of them confirmed as fast as the workers can; (3) the other half confirmed at half that rate,
//! paced, each latency measured from its scheduled start (no coordinated omission).
//!
//! Environment: `BENCH_URL` (`http://127.0.0.1:3000`), `DATABASE_URL` (required),
//! `BENCH_SECONDS` (20), `BENCH_WARMUP_SECONDS` (3), `BENCH_PREPARE_SECONDS` (`BENCH_SECONDS`),
//! `BENCH_CONCURRENCY` (16), `BENCH_SMTP_ADDR` (where the server delivers mail, required),
//! `BENCH_SELLERS` (load sellers, by default enough for 400 purchases/s),
//! `BENCH_SESSIONS` (buyer sessions the workers spread over, 1), `BENCH_SERVER_PID` (to read the
//! server's memory), `BENCH_RESULT_FILE` (key figures as `NAME=value` lines, for scripts/bench),
//! `BENCH_FIGURES_FILE` (throughputs and p50/p99 per step as CSV: `loadgen::figures`).
//!
//! `bench svg BEFORE.csv AFTER.csv` draws two runs' figures files side by side (SVG on stdout).
//!
//! Any answer that is not 2xx is an error: it is printed with its request, and the exit status is
//! 1.

// A command-line tool: what it prints is its product.
#![allow(clippy::print_stdout)]

// Some of what the load generators share serves only `faults`.
#[allow(dead_code)]
#[path = "loadgen/mod.rs"]
mod loadgen;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use loadgen::Result;
use loadgen::census::{Census, Cost};
use loadgen::figures::{Figures, svg};
use loadgen::http::Http;
use loadgen::mail::{Catcher, Mailbox, outbox_backlog};
use loadgen::phases::{confirm_all, confirm_paced, prepare_for, purchases_for};
use loadgen::preload::{preload, wait_sealed};
use loadgen::process::{OTHERS_CPU_WARNING, cpu_line, cpu_times, memory_line, memory_of};
use loadgen::purchase::{BUYER, Ctx, sign_in};
use loadgen::sellers::{CODE_QUANTITY, seed_sellers};
use loadgen::stats::{Samples, Step, ms, percentile, print_table};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => loadgen::main_with("bench", run()),
        [command, before, after] if command == "svg" => match draw(before, after) {
            Ok(svg) => {
                print!("{svg}");
                std::process::ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("bench svg: ERROR: {error}");
                std::process::ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("uso: bench | bench svg ANTES.csv DESPUÉS.csv > cifras.svg");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `bench svg BEFORE AFTER`: the chart of two runs' figures files.
fn draw(before: &str, after: &str) -> Result<String> {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map_err(|error| format!("{path}: {error}"))
            .and_then(|csv| Figures::parse(&csv).map_err(|error| format!("{path}: {error}")))
    };
    let name = |path: &str| {
        std::path::Path::new(path)
            .file_stem()
            .map_or(path.to_owned(), |stem| stem.to_string_lossy().into_owned())
    };
    Ok(svg(
        &read(before)?,
        &read(after)?,
        (&name(before), &name(after)),
    ))
}

// ---------------------------------------------------------------------------------------------
// Configuration

struct Config {
    base_url: String,
    database_url: String,
    seconds: f64,
    warmup_seconds: f64,
    prepare_seconds: f64,
    concurrency: usize,
    smtp_addr: String,
    sellers: usize,
    sessions: usize,
    server_pid: Option<u32>,
    postgres_pid: Option<u32>,
    result_file: Option<String>,
    figures_file: Option<String>,
    preload: i64,
}

/// Purchases a second the default number of sellers is sized for (more than the 2-core machine
/// makes, docs/BENCHMARK.md).
const MAX_PURCHASES_PER_S: f64 = 400.0;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T> {
    match std::env::var(name) {
        Ok(raw) if !raw.trim().is_empty() => raw
            .trim()
            .parse()
            .map_err(|_| format!("{name}=«{raw}» no es un número válido")),
        _ => Ok(default),
    }
}

impl Config {
    fn from_env() -> Result<Self> {
        let seconds: f64 = env_or("BENCH_SECONDS", 20.0)?;
        let warmup_seconds = env_or("BENCH_WARMUP_SECONDS", 3.0)?;
        let prepare_seconds = env_or("BENCH_PREPARE_SECONDS", seconds)?;
        let config = Self {
            base_url: std::env::var("BENCH_URL")
                .unwrap_or_else(|_| "http://127.0.0.1:3000".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            database_url: std::env::var("DATABASE_URL")
                .map_err(|_| "falta DATABASE_URL (la base del servidor: se lee su outbox)")?,
            seconds,
            warmup_seconds,
            prepare_seconds,
            concurrency: env_or("BENCH_CONCURRENCY", 16)?,
            smtp_addr: std::env::var("BENCH_SMTP_ADDR")
                .map_err(|_| "falta BENCH_SMTP_ADDR (host:puerto del SMTP_URL del servidor)")?,
            sellers: env_or(
                "BENCH_SELLERS",
                loadgen::sellers::sellers_for(
                    (MAX_PURCHASES_PER_S * (warmup_seconds + seconds + prepare_seconds + 1.0))
                        as u64,
                ),
            )?,
            sessions: env_or("BENCH_SESSIONS", 1)?,
            server_pid: std::env::var("BENCH_SERVER_PID")
                .ok()
                .and_then(|p| p.trim().parse().ok()),
            postgres_pid: std::env::var("BENCH_POSTGRES_PID")
                .ok()
                .and_then(|p| p.trim().parse().ok()),
            result_file: std::env::var("BENCH_RESULT_FILE").ok(),
            figures_file: std::env::var("BENCH_FIGURES_FILE").ok(),
            preload: env_or("BENCH_PRELOAD", 0)?,
        };
        if config.concurrency == 0 || config.sellers == 0 || config.sessions == 0 {
            return Err("BENCH_CONCURRENCY, BENCH_SELLERS y BENCH_SESSIONS deben ser ≥ 1".into());
        }
        if config.seconds <= 0.0 || config.prepare_seconds <= 0.0 {
            return Err("BENCH_SECONDS y BENCH_PREPARE_SECONDS deben ser > 0".into());
        }
        Ok(config)
    }
}

// ---------------------------------------------------------------------------------------------
// The database: where its time goes, the outbox backlog

/// Forgets the statistics of `pg_stat_statements` (`BENCH_PG_STATS=1`).
async fn statements_reset(pool: &PgPool) {
    if let Err(error) = sqlx::query("SELECT pg_stat_statements_reset()")
        .execute(pool)
        .await
    {
        println!("  (pg_stat_statements no disponible: {error})");
    }
}

/// The statements of the server's database that took the most time since the last reset, per
/// unit of work (`BENCH_PG_STATS=1`; phase 1 includes the bench's own outbox reads, phase 2 has
/// none).
async fn print_statements(pool: &PgPool, what: &str, units: u64) {
    let rows: Vec<(i64, f64, f64, i64, String)> = match sqlx::query_as(
        "SELECT s.calls, s.total_exec_time, s.mean_exec_time,
                s.shared_blks_hit + s.shared_blks_read + s.shared_blks_dirtied,
                left(regexp_replace(s.query, '\\s+', ' ', 'g'), 90)
         FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
         WHERE d.datname = current_database()
         ORDER BY s.total_exec_time DESC LIMIT 25",
    )
    .fetch_all(pool)
    .await
    {
        Ok(rows) => rows,
        Err(error) => {
            println!("  (pg_stat_statements no disponible: {error})");
            return;
        }
    };
    let per = units.max(1) as f64;
    println!("  pg_stat_statements {what} ({units}): llamadas, ms de ejecución, bloques");
    println!(
        "  {:>6} {:>8} {:>8} {:>8}  sentencia",
        "llam.", "ms tot.", "ms med.", "bloques"
    );
    for (calls, total, mean, blocks, query) in rows {
        println!(
            "  {:>6.2} {:>8.3} {:>8.3} {:>8.1}  {query}",
            calls as f64 / per,
            total / per,
            mean,
            blocks as f64 / per
        );
    }
}

/// Purchases made one at a time to count each step's statements (`BENCH_PG_STATS=1`); odd, so
/// that the median is one of them.
const CENSUS_PURCHASES: usize = 11;

/// The statements, commits and WAL of each step of a purchase, counted alone (`loadgen::census`).
async fn print_census(ctx: &Ctx, pool: &PgPool) -> Result<()> {
    let census = Census::new(pool.clone());
    let mut samples = Samples::default();
    for _ in 0..CENSUS_PURCHASES {
        let prepared = ctx.prepare_counted(0, &mut samples, Some(&census)).await?;
        ctx.confirm_counted(&prepared, Some(&census)).await?;
    }
    println!(
        "\n== Sentencias por paso (mediana de {CENSUS_PURCHASES} compras hechas de una en una; outbox y sellador fuera de la ventana)"
    );
    println!(
        "  {:<40} {:>10} {:>8} {:>11} {:>10}",
        "paso", "sentencias", "commits", "escrituras", "WAL bytes"
    );
    let mut total = Cost::default();
    for (step, cost, _) in census.medians() {
        println!(
            "  {:<40} {:>10} {:>8} {:>11} {:>10}",
            step.label(),
            cost.statements,
            cost.commits,
            cost.writes,
            cost.wal_bytes
        );
        total.statements += cost.statements;
        total.commits += cost.commits;
        total.writes += cost.writes;
        total.wal_bytes += cost.wal_bytes;
    }
    println!(
        "  {:<40} {:>10} {:>8} {:>11} {:>10}",
        "compra completa (1→4)", total.statements, total.commits, total.writes, total.wal_bytes
    );
    println!("  las sentencias de la última confirmación contada (llamadas, texto):");
    for (calls, query) in census.statements_of(Step::Confirm) {
        println!("  {calls:>4}  {query}");
    }
    Ok(())
}

/// Longest wait for the outbox worker to deliver the backlog between phases.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(60);

/// Waits (at most [`DRAIN_TIMEOUT`]) until the outbox worker has delivered every message, with no
/// request under way, and reports how fast it delivered them: the worker's own throughput.
async fn drain_outbox(pool: &PgPool) {
    let started = Instant::now();
    let initial = outbox_backlog(pool).await.unwrap_or(-1);
    let mut left = initial;
    while left > 0 && started.elapsed() < DRAIN_TIMEOUT {
        tokio::time::sleep(Duration::from_millis(250)).await;
        left = outbox_backlog(pool).await.unwrap_or(-1);
    }
    if initial > 0 {
        let took = started.elapsed().as_secs_f64();
        println!(
            "  outbox: {initial} mensajes por entregar; el worker entregó {} en {took:.1} s ({:.0} mensajes/s){}",
            initial - left,
            (initial - left) as f64 / took.max(1e-9),
            if left > 0 {
                format!("; quedan {left} (la fase siguiente compite con su entrega)")
            } else {
                String::new()
            }
        );
    }
}

// ---------------------------------------------------------------------------------------------
// History before the run (BENCH_PRELOAD) and the look-ups

/// Look-ups of each kind timed before the phases.
const LOOK_UPS: usize = 200;

/// `BENCH_PRELOAD`: writes the history, waits for the sealer to chain it, and times `verify` of
/// the whole ledger through its page's request, as the platform's administrator.
async fn preload_history(
    ctx: &Ctx,
    pool: &PgPool,
    movements: i64,
    template: uuid::Uuid,
) -> Result<()> {
    println!("\n== Precarga (BENCH_PRELOAD={movements})");
    let buyer_id: uuid::Uuid = sqlx::query_scalar(
        "SELECT organization_id FROM users WHERE username = $1 AND organization_id IS NOT NULL",
    )
    .bind(BUYER)
    .fetch_one(pool)
    .await
    .map_err(|error| format!("el comprador {BUYER}: {error}"))?;
    let loaded = preload(pool, movements, &ctx.sellers, (buyer_id, template)).await?;
    println!(
        "  {} movimientos y {} compras confirmadas escritos en {:.0} s",
        loaded.movements,
        loaded.purchases,
        loaded.took.as_secs_f64()
    );
    let (sealed, took) = wait_sealed(pool, Duration::from_secs(3 * 3600)).await?;
    println!(
        "  el sellador encadenó {sealed} movimientos en {:.0} s ({:.0} movimientos/s)",
        took.as_secs_f64(),
        sealed as f64 / took.as_secs_f64().max(1e-9)
    );
    let admin = sign_in(&ctx.http, &ctx.mail, "admin.ottm").await?;
    let started = Instant::now();
    let answer = ctx.http.form("libro/verificar", &[], &admin).await?;
    let took = started.elapsed();
    let verified = loadgen::http::json_of(&answer, "libro/verificar")?;
    let report = &verified["report"];
    println!(
        "  verificar el libro: {} movimientos, {} sellados, {} saldos, {} diferencias, cadena {} — {:.1} s",
        report["movements"],
        report["sealed"],
        report["balances_checked"],
        report["balance_mismatches_total"],
        if report["chain"].is_null() {
            "íntegra"
        } else {
            "ROTA"
        },
        took.as_secs_f64()
    );
    if !report["chain"].is_null() || report["balance_mismatches_total"] != 0 {
        return Err(format!(
            "la verificación tras la precarga no está limpia: {}",
            answer.body
        ));
    }
    Ok(())
}

/// The buyer's balances and *Transacciones en curso*, `n` of each one after the other: what a
/// buyer opens most, timed apart from the purchase (their cost should not grow with the data).
async fn look_ups(ctx: &Ctx, n: usize) -> Result<Samples> {
    let mut samples = Samples::default();
    let cookie = &ctx.sessions[0];
    for _ in 0..n {
        for (step, path) in [
            (Step::Saldos, "saldos"),
            (Step::EnCurso, "compras/en-curso"),
        ] {
            let started = Instant::now();
            ctx.http.form(path, &[], cookie).await?;
            samples.add(step, started.elapsed());
        }
    }
    println!("\n== Consultas del comprador ({n} de cada una, una tras otra)");
    print_table(&samples, &[Step::Saldos, Step::EnCurso]);
    Ok(samples)
}

// ---------------------------------------------------------------------------------------------
// The run

async fn run() -> Result<()> {
    let config = Config::from_env()?;
    let pool = PgPoolOptions::new()
        .max_connections(u32::try_from(config.concurrency.min(32) + 2).unwrap_or(8))
        .connect(&config.database_url)
        .await
        .map_err(|error| format!("no se pudo conectar a DATABASE_URL: {error}"))?;
    let catcher = Catcher::start(&config.smtp_addr).await?;
    let mail = Mailbox::new(pool.clone(), catcher).await?;
    let http = Http::new(&config.base_url);

    println!("Veta — benchmark de compras por HTTP (canal Web Service)");
    println!(
        "servidor {} · {} trabajadores · {} s por fase · {} vendedores · {} sesión(es) del comprador",
        config.base_url, config.concurrency, config.seconds, config.sellers, config.sessions
    );
    println!(
        "memoria del servidor al inicio: {}",
        memory_line(config.server_pid)
    );

    // Set-up: the load sellers with their origin codes; the buyer signs in.
    let seeding = Instant::now();
    let sellers = seed_sellers(&pool, 0..config.sellers).await?;
    println!(
        "{} vendedores de carga, cada uno con un código de origen de {CODE_QUANTITY} g de ORO ({:.1} s)",
        sellers.len(),
        seeding.elapsed().as_secs_f64()
    );
    let mut sessions = Vec::new();
    for _ in 0..config.sessions {
        sessions.push(sign_in(&http, &mail, BUYER).await?);
    }
    let ctx = Arc::new(Ctx::new(http, mail, sessions, sellers));
    // One purchase alone first: a broken step shows at once, with its request and answer.
    let mut probe = Samples::default();
    let prepared = ctx.prepare(0, &mut probe).await?;
    ctx.confirm(&prepared).await?;
    println!("compra de prueba confirmada ({}).", prepared.compra_id);
    if config.preload > 0 {
        preload_history(&ctx, &pool, config.preload, prepared.compra_id).await?;
    }
    let lookups = look_ups(&ctx, LOOK_UPS).await?;
    let pg_stats = std::env::var("BENCH_PG_STATS").is_ok_and(|v| v == "1");
    if pg_stats {
        print_census(&ctx, &pool).await?;
    }
    println!(
        "memoria del servidor tras los ingresos (Argon2) y la compra de prueba: {}",
        memory_line(config.server_pid)
    );

    println!("\ncalentamiento: {} s…", config.warmup_seconds);
    let _ = purchases_for(&ctx, config.concurrency, config.warmup_seconds).await;

    // Phase 1.
    println!(
        "\n== Fase 1: compras completas ({} trabajadores, {} s)",
        config.concurrency, config.seconds
    );
    if pg_stats {
        statements_reset(&pool).await;
    }
    let cpu = || cpu_times(config.server_pid, config.postgres_pid);
    if let Ok(mut warm_up) = ctx.submitted.lock() {
        warm_up.clear();
    }
    let cpu_before = cpu();
    let phase1 = purchases_for(&ctx, config.concurrency, config.seconds).await;
    let (cpu_phase1, others1) = cpu_line(cpu_before, cpu());
    let purchases_per_s = phase1.rate();
    println!(
        "  {} compras completas en {:.1} s → {:.1} compras/s ({:.1} confirmaciones/s dentro del flujo)",
        phase1.done,
        phase1.elapsed.as_secs_f64(),
        purchases_per_s,
        purchases_per_s
    );
    print_table(&phase1.samples, &Step::ALL);
    let http_time: Duration = Step::ALL
        .iter()
        .filter(|s| !s.is_mail() && **s != Step::Purchase)
        .map(|s| phase1.samples.total(*s))
        .sum();
    let mail_time = phase1.samples.total(Step::MailToken) + phase1.samples.total(Step::MailCode);
    println!(
        "  tiempo de los trabajadores: HTTP {:.1} s, lectura de correos {:.1} s ({:.1} %)",
        http_time.as_secs_f64(),
        mail_time.as_secs_f64(),
        100.0 * mail_time.as_secs_f64() / (http_time + mail_time).as_secs_f64().max(1e-9)
    );
    println!("  {cpu_phase1}");
    if pg_stats {
        print_statements(&pool, "de la fase 1, por compra completa", phase1.done).await;
    }
    let (codes, lost) = ctx.codes_accepted(Duration::from_secs(30)).await;
    println!(
        "  el correo del código de validación, de «Enviar» a aceptado por SMTP (outbox incluido; meta p99 < 2 s){}:",
        if lost > 0 {
            format!(" — {lost} sin llegar en 30 s")
        } else {
            String::new()
        }
    );
    print_table(&codes, &[Step::CodeAccepted]);
    let memory_phase1 = memory_line(config.server_pid);
    println!("  servidor: {memory_phase1}");
    println!(
        "  outbox sin entregar al final de la fase: {}",
        outbox_backlog(&pool).await.unwrap_or(-1)
    );

    // Phase 2.
    println!(
        "\n== Fase 2: confirmaciones ({} trabajadores, todas de una vez)",
        config.concurrency
    );
    println!(
        "  preparando compras hasta «Pendiente por confirmar» durante {} s…",
        config.prepare_seconds
    );
    let (mut prepared, _) = prepare_for(&ctx, config.concurrency, config.prepare_seconds).await;
    // Let the outbox worker catch up so that it does not compete with the measured confirmations.
    drain_outbox(&pool).await;
    let paced_part = prepared.split_off(prepared.len() / 2);
    println!(
        "  {} preparadas; se confirman {} ahora.",
        prepared.len() + paced_part.len(),
        prepared.len()
    );
    if pg_stats {
        statements_reset(&pool).await;
    }
    let cpu_before = cpu();
    let phase2 = confirm_all(&ctx, config.concurrency, prepared).await;
    let (cpu_phase2, others2) = cpu_line(cpu_before, cpu());
    let confirmations_per_s = phase2.rate();
    println!(
        "  {} confirmaciones en {:.2} s → {:.1} confirmaciones/s",
        phase2.done,
        phase2.elapsed.as_secs_f64(),
        confirmations_per_s
    );
    print_table(&phase2.samples, &[Step::Confirm]);
    println!("  {cpu_phase2}");
    if pg_stats {
        print_statements(&pool, "de la fase 2, por confirmación", phase2.done).await;
    }
    let memory_phase2 = memory_line(config.server_pid);
    println!("  servidor: {memory_phase2}");

    // Phase 3.
    drain_outbox(&pool).await;
    let half = confirmations_per_s / 2.0;
    println!(
        "\n== Fase 3: {} confirmaciones a ritmo fijo de {:.1}/s (la mitad de la fase 2)",
        paced_part.len(),
        half
    );
    let cpu_before = cpu();
    let phase3 = confirm_paced(&ctx, half, paced_part).await;
    let (cpu_phase3, others3) = cpu_line(cpu_before, cpu());
    println!(
        "  {} confirmaciones en {:.2} s → {:.1}/s logradas",
        phase3.done,
        phase3.elapsed.as_secs_f64(),
        phase3.rate()
    );
    print_table(&phase3.samples, &[Step::Confirm]);
    println!("  {cpu_phase3}");
    let p99_paced = {
        let mut sorted = phase3
            .samples
            .by_step
            .get(&Step::Confirm)
            .cloned()
            .unwrap_or_default();
        sorted.sort();
        percentile(&sorted, 99.0)
    };
    let memory_end = memory_line(config.server_pid);
    println!("  servidor: {memory_end}");

    // Summary.
    let errors = ctx.errors.load(Ordering::Relaxed);
    println!("\n== Resumen / summary");
    println!("  compras completas por segundo (fase 1)          {purchases_per_s:>9.1}");
    println!("  confirmaciones por segundo (fase 2)             {confirmations_per_s:>9.1}");
    println!(
        "  p99 confirmación a la mitad de esa carga (fase 3) {:>8} ms   (meta < 50 ms)",
        ms(p99_paced)
    );
    println!("  servidor                                         {memory_end}");
    println!("  errores                                          {errors:>9}");
    let others_max = others1.max(others2).max(others3);
    if others_max > OTHERS_CPU_WARNING {
        println!(
            "  ⚠ Otros procesos usaron hasta {others_max:.0} % de un núcleo durante las fases: la máquina no estaba libre y estas cifras no son comparables. Repita con la máquina en reposo."
        );
    }
    if let Some(path) = &config.result_file {
        let (rss, hwm) = config
            .server_pid
            .and_then(memory_of)
            .unwrap_or((-1.0, -1.0));
        let text = format!(
            "PURCHASES_PER_S={purchases_per_s:.1}\nCONFIRMATIONS_PER_S={confirmations_per_s:.1}\nP99_CONFIRM_HALF_LOAD_MS={}\nSERVER_RSS_MIB={rss:.1}\nSERVER_HWM_MIB={hwm:.1}\nERRORS={errors}\nOTHERS_CPU_MAX={others_max:.0}\n",
            ms(p99_paced)
        );
        std::fs::write(path, text)
            .map_err(|error| format!("no se pudo escribir {path}: {error}"))?;
    }
    if let Some(path) = &config.figures_file {
        let mut figures = Figures::default();
        figures.rate("compras_por_s", purchases_per_s);
        figures.rate("confirmaciones_por_s", confirmations_per_s);
        figures.latencies("fase1", &phase1.samples, &Step::ALL);
        figures.latencies("fase1", &codes, &[Step::CodeAccepted]);
        figures.latencies("fase2", &phase2.samples, &[Step::Confirm]);
        figures.latencies("fase3", &phase3.samples, &[Step::Confirm]);
        figures.latencies("consultas", &lookups, &[Step::Saldos, Step::EnCurso]);
        std::fs::write(path, figures.to_csv())
            .map_err(|error| format!("no se pudo escribir {path}: {error}"))?;
    }
    if errors > 0 {
        println!("\nPrimeros errores:");
        if let Ok(first) = ctx.first_errors.lock() {
            for error in first.iter() {
                println!("- {error}");
            }
        }
        return Err(format!("{errors} petición(es) fallaron"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
