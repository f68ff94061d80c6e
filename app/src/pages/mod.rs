//! The pages that are not yet a feature of their own.

mod home;
mod not_found;
mod role_gate;

pub use home::Home;
pub use not_found::NotFound;
pub use role_gate::PurchaseRoleGate;
