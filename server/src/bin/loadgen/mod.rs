//! What the load generators (`bench`, `faults`) share: the HTTP client, the mail (an SMTP catcher
//! and the outbox), the load sellers, the purchase's steps and their timings. Each binary
//! includes it with `#[path]`; it is not a binary of its own (no `main.rs`).

pub mod census;
pub mod figures;
pub mod http;
pub mod mail;
pub mod phases;
pub mod preload;
pub mod process;
pub mod purchase;
pub mod sellers;
pub mod stats;

pub type Fail = String;
pub type Result<T> = std::result::Result<T, Fail>;

/// A load generator's `main`: runs `run` on a multi-threaded runtime and prints its error,
/// prefixed with `name`; exit status 1 on error.
pub fn main_with(name: &str, run: impl Future<Output = Result<()>>) -> std::process::ExitCode {
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("no se pudo crear el runtime de tokio: {error}"))
        .and_then(|runtime| runtime.block_on(run));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: ERROR: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
