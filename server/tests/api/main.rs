//! The server's integration tests: one binary, one module per feature.

mod auth;
mod balances;
mod compras;
mod health;
mod helpers;
mod ledger;
mod outbox;
mod pages;
mod registration;
mod startup;
mod users;
