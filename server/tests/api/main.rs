//! The server's integration tests: one binary, one module per feature.

mod health;
mod helpers;
mod pages;
mod startup;
