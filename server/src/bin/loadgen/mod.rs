//! What the load generators (`bench`, `faults`) share: the HTTP client, the mail (an SMTP catcher
//! and the outbox), the load sellers, the purchase's steps and their timings. Each binary
//! includes it with `#[path]`; it is not a binary of its own (no `main.rs`).

pub mod http;
pub mod mail;
pub mod phases;
pub mod process;
pub mod purchase;
pub mod sellers;
pub mod stats;

pub type Fail = String;
pub type Result<T> = std::result::Result<T, Fail>;
