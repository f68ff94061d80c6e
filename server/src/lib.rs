//! Veta's server: configuration, database, HTTP routes. The binary in `main.rs` only wires these.
//!
//! Nothing a request depends on lives in this process's memory: state is in PostgreSQL, so any
//! number of server processes behind one address behave as one.

// The application's views are nested generic types, laid out where the router instantiates them:
// here (the same limit as `app`'s).
#![recursion_limit = "256"]

pub mod api_errors;
pub mod config;
pub mod db;
pub mod demo;
pub mod email;
pub mod erp_api;
pub mod health;
pub mod isolation;
pub mod outbox;
pub mod production_api;
pub mod production_purge;
pub mod same_origin;
pub mod sealer;
pub mod sms;
pub mod startup;
pub mod telemetry;
pub mod web_service;

pub use startup::{AppState, Application, StartupError};
