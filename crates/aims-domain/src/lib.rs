//! The pure domain of AIMS Workbench: identifiers, validated values, roles and their permissions,
//! password hashing. No IO lives here, so every rule is unit-tested in isolation.

#[macro_use]
mod macros;
pub mod catalogue;
pub mod ids;
pub mod paging;
pub mod password;
pub mod registers;
pub mod roadmap;
pub mod role;
pub mod values;

pub use ids::{InvitationId, OrgId, UserId};
pub use role::{Action, Role};
pub use values::{Email, OrgName, OrgSlug, Password, PersonName};
