//! The processes a fault scenario starts, kills and restarts: the release server, PostgreSQL.

use std::fs::File;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ensure;
use crate::loadgen::Result;
use crate::loadgen::http::Http;

pub struct Env {
    pub server_bin: String,
    pub database_url: String,
    pub pg_stop: String,
    pub pg_start: String,
    pub work: String,
    pub smtp_addr: String,
}

pub fn required(name: &str) -> Result<String> {
    std::env::var(name).map_err(|_| format!("falta la variable {name}"))
}

/// A port nobody listens on, chosen by the kernel.
pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|error| format!("sin puerto libre: {error}"))
}

/// One release server process, as `scripts/run` starts it with the demonstration data.
pub struct Server {
    pub name: String,
    pub port: u16,
    pub child: Child,
    pub http: Http,
}

/// A run that fails half-way leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Starts the server on `port` and waits for its `/healthz`.
    pub async fn start(env: &Env, name: &str, port: u16) -> Result<Self> {
        let log = format!("{}/server-{name}.log", env.work);
        let stderr = File::options()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|error| format!("{log}: {error}"))?;
        let child = Command::new(&env.server_bin)
            .env("DATABASE_URL", &env.database_url)
            .env("VETA_DEMO_DATA", "1")
            .env("VETA_ENTORNO", "desarrollo")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("SMTP_URL", format!("smtp://{}", env.smtp_addr))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
            )
            .stdout(stderr.try_clone().map_err(|error| error.to_string())?)
            .stderr(stderr)
            .spawn()
            .map_err(|error| format!("no se pudo iniciar {}: {error}", env.server_bin))?;
        let server = Self {
            name: name.to_owned(),
            port,
            child,
            http: Http::new(&format!("http://127.0.0.1:{port}")),
        };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if matches!(server.http.get("/healthz").await, Ok((200, _))) {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!(
            "el servidor {name} no respondió /healthz en 60 s (vea {log})"
        ))
    }

    /// SIGKILL: the process ends at once, in the middle of whatever it does.
    pub fn kill(&mut self) -> Result<()> {
        self.child
            .kill()
            .and_then(|()| self.child.wait().map(|_| ()))
            .map_err(|error| format!("kill -9 del servidor {}: {error}", self.name))
    }

    /// SIGTERM, as a deployment stops it; SIGKILL if it has not ended in 10 s.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Dropped here: SIGKILL.
    }
}

/// Runs one of the PostgreSQL commands (`sh -c`), off the runtime's threads.
pub async fn shell(command: &str) -> Result<()> {
    shell_output(command).await.map(drop)
}

/// The same, answering what the command printed on its standard output (its standard error goes
/// to ours).
pub async fn shell_output(command: &str) -> Result<String> {
    let command = command.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("sh")
            .args(["-c", &command])
            .stderr(Stdio::inherit())
            .output()
    })
    .await
    .map_err(|error| error.to_string())?
    .map_err(|error| error.to_string())?;
    ensure(output.status.success(), || {
        format!("la orden de PostgreSQL falló: {}", output.status)
    })?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
