//! The three scenarios (docs/RELIABILITY.md, "Faults tried").

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::CompraStatus;
use sqlx::PgPool;
use uuid::Uuid;

use crate::checks::{
    drain_outbox, orphan_postings, outbox_end, prepare, sealed_and_verified, sent_since,
    sms_logged, stored,
};
use crate::loadgen::Result;
use crate::loadgen::mail::Catcher;
use crate::loadgen::purchase::Ctx;
use crate::loadgen::stats::Samples;
use crate::processes::{Env, Server, shell};
use crate::{
    BURST, HealthCall, KILL_AFTER_ANSWERS, LOAD_AFTER_PG_UP, PG_DOWN, RECOVERY_MAX, REQUEST_MAX,
    TWO_SERVERS_PURCHASES, WORKERS, ensure,
};
/// Scenario 1: purchases prepared through one server and confirmed through the other.
pub async fn two_servers(pool: &PgPool, catcher: &Catcher, contexts: &[Arc<Ctx>; 2]) -> Result<()> {
    println!("\n== 1. Dos procesos del servidor sobre una base de datos");
    drain_outbox(pool).await?;
    let bound = outbox_end(pool).await?;
    let (caught_before, sms_before) = (catcher.count(), sms_logged(pool).await?);
    let prepared = prepare(contexts, TWO_SERVERS_PURCHASES).await?;
    let mut handles = Vec::new();
    for (made_by, purchase) in prepared {
        // Confirmed through the other process.
        let ctx = Arc::clone(&contexts[1 - made_by]);
        handles.push(tokio::spawn(async move {
            let ptm = ctx.confirm(&purchase).await;
            (purchase, made_by, ptm)
        }));
    }
    let mut confirmed = Vec::new();
    for handle in handles {
        let (purchase, made_by, ptm) = handle.await.map_err(|error| error.to_string())?;
        confirmed.push((purchase, made_by, ptm?));
    }
    let ids: Vec<Uuid> = confirmed.iter().map(|(p, _, _)| p.compra_id).collect();
    let stored = stored(pool, &ids).await?;
    for (purchase, _, ptm) in &confirmed {
        let row = stored.get(&purchase.compra_id);
        ensure(
            row.is_some_and(|r| {
                r.status == CompraStatus::Confirmada
                    && r.reference.as_deref() == Some(ptm.as_str())
                    && r.movements == 2
            }),
            || {
                format!(
                    "la compra {} no quedó confirmada una vez",
                    purchase.compra_id
                )
            },
        )?;
    }
    ensure(orphan_postings(pool).await? == 0, || {
        "hay asientos de compra sin compra".to_owned()
    })?;
    let report = sealed_and_verified(pool).await?;
    drain_outbox(pool).await?;
    let (emails, sms) = sent_since(pool, bound).await?;
    let caught = i64::try_from(catcher.count() - caught_before).unwrap_or(i64::MAX);
    let sms_logged = sms_logged(pool).await? - sms_before;
    ensure(caught == emails && sms_logged == sms, || {
        format!(
            "mensajes enviados según el outbox: {emails} correos y {sms} SMS; recibidos: {caught} correos y {sms_logged} SMS"
        )
    })?;
    for (purchase, made_by, _) in &confirmed {
        let seller = &contexts[*made_by].sellers[purchase.seller];
        let codes = catcher.matching(
            &seller.email,
            "Código de validación de la compra",
            &purchase.compra_id.to_string(),
        );
        ensure(codes.len() == 1, || {
            format!(
                "el código de la compra {} llegó {} veces",
                purchase.compra_id,
                codes.len()
            )
        })?;
    }
    println!(
        "  {} compras, cada una preparada en un proceso y confirmada en el otro: todas confirmadas una vez",
        confirmed.len()
    );
    println!(
        "  una cadena: {} movimientos, {} sellados, verify limpio",
        report.movements, report.sealed
    );
    println!(
        "  mensajes: {emails} correos y {sms} SMS enviados según el outbox, los mismos recibidos (ninguno dos veces)"
    );
    Ok(())
}

/// Scenario 2: kill -9 of the server while [`BURST`] confirmations are under way.
pub async fn kill_during_confirmations(
    env: &Env,
    pool: &PgPool,
    catcher: &Catcher,
    server: &mut Server,
    ctx: &Arc<Ctx>,
) -> Result<()> {
    println!("\n== 2. kill -9 del servidor durante {BURST} confirmaciones");
    // The mail of the preparation is still going out during the burst: the kill interrupts sends.
    drain_outbox(pool).await?;
    let bound = outbox_end(pool).await?;
    let caught_before = catcher.count();
    let prepared = prepare(std::slice::from_ref(ctx), BURST).await?;

    // The burst: every confirmation at once; the kill once the first ones have answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for (_, purchase) in prepared {
        let ctx = Arc::clone(ctx);
        let answered = Arc::clone(&answered);
        handles.push(tokio::spawn(async move {
            let ptm = ctx.confirm(&purchase).await;
            if ptm.is_ok() {
                answered.fetch_add(1, Ordering::SeqCst);
            }
            (purchase, ptm)
        }));
    }
    while answered.load(Ordering::SeqCst) < KILL_AFTER_ANSWERS {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    server.kill()?;
    let answered_at_kill = answered.load(Ordering::SeqCst);
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(handle.await.map_err(|error| error.to_string())?);
    }
    let ok = outcomes.iter().filter(|(_, ptm)| ptm.is_ok()).count();
    // Messages a worker was sending when it died: the only ones that may arrive twice.
    let interrupted: Vec<i64> = sqlx::query_scalar(
        "SELECT outbox_id FROM outbox WHERE sent_at IS NULL AND claimed_until > now()",
    )
    .fetch_all(pool)
    .await
    .map_err(|error| format!("outbox: {error}"))?;
    let ids: Vec<Uuid> = outcomes.iter().map(|(p, _)| p.compra_id).collect();
    let at_kill = stored(pool, &ids).await?;
    let committed = at_kill
        .values()
        .filter(|s| s.status == CompraStatus::Confirmada)
        .count();
    println!(
        "  {answered_at_kill} respuestas antes del kill, {} en vuelo; {ok} respuestas 200 en total; \
         {committed} confirmadas en la base (las demás sin asiento)",
        BURST - answered_at_kill
    );
    for (purchase, ptm) in &outcomes {
        let row = at_kill
            .get(&purchase.compra_id)
            .ok_or_else(|| format!("la compra {} desapareció", purchase.compra_id))?;
        match row.status {
            CompraStatus::Confirmada => ensure(row.movements == 2, || {
                format!("la compra {} confirmada sin su asiento", purchase.compra_id)
            })?,
            CompraStatus::PendientePorConfirmar => {
                ensure(row.reference.is_none() && ptm.is_err(), || {
                    format!(
                        "la compra {} respondió o movió saldos sin quedar confirmada",
                        purchase.compra_id
                    )
                })?;
            }
            other => return Err(format!("la compra {} quedó {other:?}", purchase.compra_id)),
        }
        if let Ok(ptm) = ptm {
            ensure(row.reference.as_deref() == Some(ptm.as_str()), || {
                format!("la compra {} respondió otro código PTM", purchase.compra_id)
            })?;
        }
    }
    ensure(orphan_postings(pool).await? == 0, || {
        "hay asientos de compra sin compra confirmada".to_owned()
    })?;

    // Restart; the client retries every confirmation.
    let restarting = Instant::now();
    *server = Server::start(env, "a", server.port).await?;
    let restart_s = restarting.elapsed().as_secs_f64();
    let mut ptms = HashMap::new();
    for (purchase, first) in &outcomes {
        let ptm = ctx.confirm(purchase).await?;
        if let Ok(first) = first {
            ensure(first == &ptm, || {
                format!("el reintento de {} dio otro código PTM", purchase.compra_id)
            })?;
        }
        ptms.insert(purchase.compra_id, ptm);
    }
    let after = stored(pool, &ids).await?;
    ensure(
        after
            .values()
            .all(|s| s.status == CompraStatus::Confirmada && s.movements == 2),
        || "tras el reinicio no quedaron todas confirmadas una vez".to_owned(),
    )?;
    let report = sealed_and_verified(pool).await?;

    // The claims of the killed worker expire after their lease (2 min): fast-forwarded here.
    sqlx::query(
        "UPDATE outbox SET claimed_until = now() WHERE outbox_id = ANY($1) AND sent_at IS NULL",
    )
    .bind(&interrupted)
    .execute(pool)
    .await
    .map_err(|error| format!("outbox: {error}"))?;
    drain_outbox(pool).await?;
    let (emails, _) = sent_since(pool, bound).await?;
    let caught = i64::try_from(catcher.count() - caught_before).unwrap_or(i64::MAX);
    let twice = caught - emails;
    ensure(
        (0..=i64::try_from(interrupted.len()).unwrap_or(0)).contains(&twice),
        || {
            format!(
                "correos enviados según el outbox {emails}, recibidos {caught}: {twice} de más, con {} envíos interrumpidos",
                interrupted.len()
            )
        },
    )?;
    for (purchase, _) in &outcomes {
        let seller = &ctx.sellers[purchase.seller];
        let ptm = &ptms[&purchase.compra_id];
        ensure(!catcher.matching(&seller.email, "", ptm).is_empty(), || {
            format!("el vendedor no recibió sus saldos tras la compra {ptm}")
        })?;
    }
    println!(
        "  reinicio en {restart_s:.1} s; los {BURST} reintentos respondieron 200, con el mismo código PTM donde ya lo había"
    );
    println!(
        "  una cadena: {} movimientos, {} sellados, verify limpio; ningún asiento sin compra",
        report.movements, report.sealed
    );
    println!(
        "  correos: {emails} enviados según el outbox, {caught} recibidos ({twice} repetidos, de {} envíos interrumpidos por el kill); cada vendedor recibió sus saldos",
        interrupted.len()
    );
    Ok(())
}

/// Scenario 3: PostgreSQL stopped for [`PG_DOWN`] while purchases run, then started again.
pub async fn postgres_restart(env: &Env, pool: &PgPool, ctx: &Arc<Ctx>) -> Result<()> {
    println!(
        "\n== 3. PostgreSQL detenido {} s bajo carga",
        PG_DOWN.as_secs()
    );
    let stop = Arc::new(AtomicBool::new(false));
    // Confirmed purchases, by when they were confirmed.
    let done: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (ctx, stop, done) = (Arc::clone(ctx), Arc::clone(&stop), Arc::clone(&done));
        workers.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            while !stop.load(Ordering::Relaxed) {
                let outcome = async {
                    let prepared = ctx.prepare(worker, &mut samples).await?;
                    ctx.confirm(&prepared).await
                }
                .await;
                match outcome {
                    Ok(_) => done
                        .lock()
                        .map(|mut d| d.push(Instant::now()))
                        .unwrap_or(()),
                    Err(error) => {
                        ctx.record_error(error);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }));
    }
    // `/healthz` every 100 ms: when, what it answered, how long it took.
    let health: Arc<Mutex<Vec<HealthCall>>> = Arc::default();
    let poller = {
        let (http, stop, health) = (ctx.http.clone(), Arc::clone(&stop), Arc::clone(&health));
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let asked = Instant::now();
                let status = http.get("/healthz").await.ok().map(|(status, _)| status);
                if let Ok(mut health) = health.lock() {
                    health.push((asked, status, asked.elapsed()));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopping = Instant::now();
    shell(&env.pg_stop).await?;
    let down = Instant::now();
    tokio::time::sleep(PG_DOWN).await;
    // PostgreSQL may serve a little before its start command returns.
    let starting = Instant::now();
    shell(&env.pg_start).await?;
    let up = Instant::now();
    tokio::time::sleep(LOAD_AFTER_PG_UP).await;
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.map_err(|error| error.to_string())?;
    }
    poller.await.map_err(|error| error.to_string())?;

    let health = health.lock().map(|h| h.clone()).unwrap_or_default();
    let done = done.lock().map(|d| d.clone()).unwrap_or_default();
    // Asked once PostgreSQL had stopped: 503, unless the answer came once it was starting again
    // (the health check waits up to 2 s for the database). And some 503 since it began stopping.
    let during: Vec<_> = health
        .iter()
        .filter(|(at, _, _)| *at >= down && *at < starting)
        .collect();
    let unhealthy = health
        .iter()
        .filter(|(at, status, _)| *at >= stopping && *at < starting && *status == Some(503))
        .count();
    ensure(
        unhealthy > 0
            && during
                .iter()
                .all(|(at, status, took)| *status == Some(503) || *at + *took >= starting),
        || format!("/healthz con PostgreSQL detenido: {during:?} (se esperaba 503)"),
    )?;
    let recovered = health
        .iter()
        .find(|(at, status, _)| *at >= up && *status == Some(200))
        .map(|(at, _, took)| (*at + *took).saturating_duration_since(up))
        .ok_or("/healthz no volvió a responder 200")?;
    let first_purchase = done
        .iter()
        .find(|at| **at > up)
        .map(|at| at.saturating_duration_since(up))
        .ok_or("ninguna compra se confirmó con PostgreSQL de vuelta")?;
    let slowest_health = health
        .iter()
        .map(|(_, _, took)| *took)
        .max()
        .unwrap_or_default();
    let slowest = ctx.http.slowest().max(slowest_health);
    ensure(
        recovered <= RECOVERY_MAX && first_purchase <= RECOVERY_MAX,
        || {
            format!(
                "recuperación lenta: /healthz 200 a los {:.2} s, primera compra a los {:.2} s",
                recovered.as_secs_f64(),
                first_purchase.as_secs_f64()
            )
        },
    )?;
    ensure(slowest <= REQUEST_MAX, || {
        format!("una petición esperó {:.2} s", slowest.as_secs_f64())
    })?;
    let report = sealed_and_verified(pool).await?;
    drain_outbox(pool).await?;
    let before = done.iter().filter(|at| **at < stopping).count();
    let after = done.iter().filter(|at| **at > up).count();
    println!(
        "  {} compras confirmadas ({before} antes de detenerlo, {after} después); {} pasos fallaron mientras no estaba",
        done.len(),
        ctx.errors.load(Ordering::Relaxed)
    );
    println!(
        "  /healthz: {unhealthy} respuestas 503 con PostgreSQL detenido; 200 de nuevo {:.2} s después de volver; primera compra confirmada a los {:.2} s",
        recovered.as_secs_f64(),
        first_purchase.as_secs_f64()
    );
    println!(
        "  la petición más lenta tardó {:.2} s (tope {} s); verify limpio, {} movimientos sellados; outbox entregado",
        slowest.as_secs_f64(),
        REQUEST_MAX.as_secs(),
        report.sealed
    );
    Ok(())
}
