//! Starts Veta's server and serves until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use server::{Application, StartupError, config::Settings, telemetry};

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line that says what to change; never a backtrace for bad configuration.
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), StartupError> {
    let settings = Settings::from_env()?;
    let application = Application::build(settings).await?;
    application.run_until_stopped().await
}
