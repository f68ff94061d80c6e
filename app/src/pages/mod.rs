//! The pages that are not yet a feature of their own.

mod home;
mod not_found;
mod section;

pub use home::Home;
pub use not_found::NotFound;
pub use section::{PurchaseRoleGate, SectionPage};
