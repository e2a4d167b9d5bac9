//! The pure domain of AIMS Workbench: identifiers, validated values, roles and their permissions,
//! password hashing. No IO lives here, so every rule is unit-tested in isolation.

#[macro_use]
mod macros;
pub mod catalogue;
pub mod gap;
pub mod ids;
pub mod paging;
pub mod password;
pub mod record;
pub mod registers;
pub mod roadmap;
pub mod role;
pub mod roles;
pub mod scope;
pub mod soa;
pub mod systems;
pub mod values;

pub use ids::{
    ActionId, AiSystemId, AimsRoleId, ContextIssueId, InterestedPartyId, InvitationId, ObjectiveId, OrgId, UserId,
};
pub use record::{TextEnum, TextField, Tone, UnknownKey};
pub use role::{Action, Role};
pub use values::{Email, OrgName, OrgSlug, Password, PersonName};
