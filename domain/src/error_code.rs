//! The stable machine code every rule violation carries.

/// A rule violation with a stable, machine-readable code (`"nit_check_digit"`), next to its Spanish
/// message (`Display`). The browser and API clients switch on the code; people read the message.
/// Codes never change once published: rename the Rust variant if you like, not the code.
pub trait ErrorCode: std::error::Error {
    /// The stable code, `snake_case`, in English.
    fn code(&self) -> &'static str;
}
