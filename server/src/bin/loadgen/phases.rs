//! The phases of a load run: closed loops of workers for a time, a queue confirmed as fast as
//! the workers go, or at a fixed rate (open loop).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;

use super::Fail;
use super::purchase::{Ctx, Prepared};
use super::stats::{Samples, Step};

/// What a closed-loop phase achieved.
pub struct PhaseResult {
    pub done: u64,
    pub elapsed: Duration,
    pub samples: Samples,
}

impl PhaseResult {
    pub fn rate(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The phase's result from its workers' `(done, samples)`, timed from `started`.
async fn collect(
    ctx: &Ctx,
    handles: Vec<JoinHandle<(u64, Samples)>>,
    started: Instant,
) -> PhaseResult {
    let mut result = PhaseResult {
        done: 0,
        elapsed: Duration::ZERO,
        samples: Samples::default(),
    };
    for handle in handles {
        match handle.await {
            Ok((done, samples)) => {
                result.done += done;
                result.samples.merge(samples);
            }
            Err(error) => ctx.record_error(format!("un trabajador terminó mal: {error}")),
        }
    }
    result.elapsed = started.elapsed();
    result
}

/// Complete purchases by `concurrency` workers until `seconds` have passed.
pub async fn purchases_for(ctx: &Arc<Ctx>, concurrency: usize, seconds: f64) -> PhaseResult {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut handles = Vec::new();
    for worker in 0..concurrency {
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut done = 0u64;
            while Instant::now() < deadline {
                let purchase_started = Instant::now();
                let outcome = async {
                    let prepared = ctx.prepare(worker, &mut samples).await?;
                    let confirm_started = Instant::now();
                    ctx.confirm(&prepared).await?;
                    samples.add(Step::Confirm, confirm_started.elapsed());
                    Ok::<(), Fail>(())
                }
                .await;
                match outcome {
                    Ok(()) => {
                        samples.add(Step::Purchase, purchase_started.elapsed());
                        done += 1;
                    }
                    Err(error) => {
                        ctx.record_error(error);
                        // Do not hammer a failing server.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (done, samples)
        }));
    }
    collect(ctx, handles, started).await
}

/// Purchases brought up to *Pendiente por confirmar* until `seconds` have passed.
pub async fn prepare_for(
    ctx: &Arc<Ctx>,
    concurrency: usize,
    seconds: f64,
) -> (Vec<Prepared>, Samples) {
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let mut handles = Vec::new();
    for worker in 0..concurrency {
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut prepared = Vec::new();
            while Instant::now() < deadline {
                match ctx.prepare(worker, &mut samples).await {
                    Ok(p) => prepared.push(p),
                    Err(error) => {
                        ctx.record_error(error);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (prepared, samples)
        }));
    }
    let mut by_worker = Vec::new();
    let mut samples = Samples::default();
    for handle in handles {
        match handle.await {
            Ok((prepared, s)) => {
                by_worker.push(VecDeque::from(prepared));
                samples.merge(s);
            }
            Err(error) => ctx.record_error(format!("un trabajador terminó mal: {error}")),
        }
    }
    // Interleaved, in the order they were made: consecutive confirmations are then of different
    // workers (different sellers, and sessions when BENCH_SESSIONS > 1), as
    // they would be in phase 1.
    let mut all = Vec::new();
    while by_worker.iter().any(|q| !q.is_empty()) {
        for queue in &mut by_worker {
            if let Some(p) = queue.pop_front() {
                all.push(p);
            }
        }
    }
    (all, samples)
}

/// Confirms every purchase of `queue` with `concurrency` workers, as fast as they go.
pub async fn confirm_all(ctx: &Arc<Ctx>, concurrency: usize, queue: Vec<Prepared>) -> PhaseResult {
    let queue = Arc::new(Mutex::new(VecDeque::from(queue)));
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..concurrency {
        let ctx = Arc::clone(ctx);
        let queue = Arc::clone(&queue);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            let mut done = 0u64;
            loop {
                let next = queue.lock().ok().and_then(|mut q| q.pop_front());
                let Some(prepared) = next else { break };
                let t = Instant::now();
                match ctx.confirm(&prepared).await {
                    Ok(_) => {
                        samples.add(Step::Confirm, t.elapsed());
                        done += 1;
                    }
                    Err(error) => ctx.record_error(error),
                }
            }
            (done, samples)
        }));
    }
    collect(ctx, handles, started).await
}

/// Confirms the purchases at `rate` per second (open loop): each starts at its scheduled time,
/// whatever the others do, and its latency counts from that time.
pub async fn confirm_paced(ctx: &Arc<Ctx>, rate: f64, queue: Vec<Prepared>) -> PhaseResult {
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let started = tokio::time::Instant::now();
    let mut handles = Vec::new();
    for (index, prepared) in queue.into_iter().enumerate() {
        let at = started + interval * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(at).await;
        let ctx = Arc::clone(ctx);
        handles.push(tokio::spawn(async move {
            let mut samples = Samples::default();
            match ctx.confirm(&prepared).await {
                Ok(_) => {
                    samples.add(Step::Confirm, at.elapsed());
                    (1, samples)
                }
                Err(error) => {
                    ctx.record_error(error);
                    (0, samples)
                }
            }
        }));
    }
    collect(ctx, handles, started.into_std()).await
}
