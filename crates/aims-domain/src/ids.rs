//! Typed identifiers, so an organisation id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// An organisation (workspace).
    OrgId
);
id_type!(
    /// A user account (global: one login across workspaces).
    UserId
);
id_type!(
    /// An invitation to join a workspace.
    InvitationId
);
id_type!(
    /// An action of the implementation plan.
    ActionId
);
id_type!(
    /// An AI system of the inventory.
    AiSystemId
);
id_type!(
    /// An AI objective.
    ObjectiveId
);
id_type!(
    /// An internal or external issue.
    ContextIssueId
);
id_type!(
    /// An interested party.
    InterestedPartyId
);
id_type!(
    /// A responsibility in the AIMS roles register.
    AimsRoleId
);
