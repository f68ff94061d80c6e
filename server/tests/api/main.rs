//! The server's integration tests: one binary, one module per feature.

mod alerts;
mod approval;
mod auth;
mod balances;
mod closings;
mod compras;
mod consent;
mod economic_capacity;
mod erp;
mod health;
mod helpers;
mod history;
mod initial_balances;
mod ledger;
mod limits;
mod malformed;
mod outbox;
mod pages;
mod registration;
mod reversals;
mod schema;
mod sin_origen;
mod startup;
mod subsistence;
mod transformations;
mod users;
