//! What a load run reads of the processes around it from `/proc`: memory and CPU time.

use std::time::Instant;

/// `(VmRSS, VmHWM)` in MiB of a process.
pub fn memory_of(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

pub fn memory_line(pid: Option<u32>) -> String {
    match pid.and_then(memory_of) {
        Some((rss, hwm)) => format!("RSS {rss:.1} MiB (pico VmHWM {hwm:.1} MiB)"),
        None => "RSS desconocido (defina BENCH_SERVER_PID)".to_owned(),
    }
}

/// Clock ticks per second of `/proc` times (`USER_HZ`, 100 on Linux).
pub const TICKS_PER_S: f64 = 100.0;

/// `(ppid, utime + stime)` of a process, in ticks.
pub fn process_ticks(pid: &str) -> Option<(u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after it are fixed.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split(' ').collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// CPU time used so far, in seconds: by the server, by PostgreSQL (the postmaster and its
/// children), by this process, and by the whole machine (busy time of all cores).
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes {
    pub server: f64,
    pub postgres: f64,
    pub bench: f64,
    pub machine: f64,
    pub at: Option<Instant>,
}

pub fn cpu_times(server_pid: Option<u32>, postgres_pid: Option<u32>) -> CpuTimes {
    let ticks = |pid: u32| process_ticks(&pid.to_string()).map_or(0, |(_, t)| t);
    let mut postgres = 0;
    if let Some(postmaster) = postgres_pid {
        postgres += ticks(postmaster);
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(pid) = name
                    .to_str()
                    .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
                else {
                    continue;
                };
                if let Some((ppid, t)) = process_ticks(pid)
                    && ppid == postmaster
                {
                    postgres += t;
                }
            }
        }
    }
    let machine = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|stat| {
            let line = stat.lines().next()?;
            let values: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .filter_map(|v| v.parse().ok())
                .collect();
            // user nice system idle iowait irq softirq steal…: busy is all but idle and iowait.
            let total: u64 = values.iter().take(8).sum();
            Some(total - values.get(3)? - values.get(4)?)
        })
        .unwrap_or(0);
    CpuTimes {
        server: server_pid.map_or(0, ticks) as f64 / TICKS_PER_S,
        postgres: postgres as f64 / TICKS_PER_S,
        bench: ticks(std::process::id()) as f64 / TICKS_PER_S,
        machine: machine as f64 / TICKS_PER_S,
        at: Some(Instant::now()),
    }
}

/// CPU of other processes, in % of one core, above which a phase's figures are flagged.
pub const OTHERS_CPU_WARNING: f64 = 15.0;

/// Who used the cores between two readings, in % of one core; and how much went to processes
/// other than the server, PostgreSQL and the bench (another load on the machine).
pub fn cpu_line(before: CpuTimes, after: CpuTimes) -> (String, f64) {
    let wall = match (before.at, after.at) {
        (Some(a), Some(b)) => (b - a).as_secs_f64().max(1e-9),
        _ => return (String::new(), 0.0),
    };
    let pct = |a: f64, b: f64| 100.0 * (b - a) / wall;
    let server = pct(before.server, after.server);
    let postgres = pct(before.postgres, after.postgres);
    let bench = pct(before.bench, after.bench);
    let machine = pct(before.machine, after.machine);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let others = (machine - server - postgres - bench).max(0.0);
    let warning = if others > OTHERS_CPU_WARNING {
        "  ⚠ otra carga en la máquina: cifras no comparables"
    } else {
        ""
    };
    (
        format!(
            "CPU (% de un núcleo, {cores} núcleos): servidor {server:.0} %, PostgreSQL {postgres:.0} %, bench {bench:.0} %, otros procesos {others:.0} % — máquina ocupada {machine:.0} % de {}{warning}",
            cores * 100
        ),
        others,
    )
}
