//! Membership roles and the one permission table of the product (`Role::may`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the workspace: approves, manages settings and owners.
    Owner,
    /// Guides the implementation, often across many client workspaces.
    Consultant,
    /// Keeps steps and registers current.
    Implementer,
    /// Reviews evidence and registers, strictly read-only.
    Auditor,
}

/// Something a member may try to do in a workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read every page of the workspace, download evidence, export registers.
    Read,
    /// Edit steps and registers, upload evidence.
    Edit,
    /// Approve policies and versions, sign off minutes, accept residual risk.
    Approve,
    /// Invite members and change or remove members who are not owners.
    ManageMembers,
    /// Make, demote or remove owners.
    ManageOwners,
    /// Change workspace settings or delete the workspace.
    ManageSettings,
}

impl Role {
    /// Every role, most powerful first (the order of select boxes).
    pub const ALL: [Role; 4] = [Role::Owner, Role::Consultant, Role::Implementer, Role::Auditor];

    /// The permission matrix of DESIGN.md §4. The only place that answers "may this role do that".
    #[expect(clippy::match_like_matches_macro, reason = "the table reads best as one arm per rule")]
    pub fn may(self, action: Action) -> bool {
        use Action::*;
        use Role::*;
        match (self, action) {
            (_, Read) => true,
            (Owner, _) => true,
            (Consultant, Edit | ManageMembers) => true,
            (Implementer, Edit) => true,
            _ => false,
        }
    }

    /// Whether the role may change anything at all; auditors may not.
    pub fn may_write(self) -> bool {
        self.may(Action::Edit) || self.may(Action::ManageMembers)
    }

    /// The action needed to give someone `new` role when they hold `current` (None for a new
    /// member), or to remove them (`new` = None): anything touching an owner needs an owner.
    pub fn membership_change_action(current: Option<Role>, new: Option<Role>) -> Action {
        if current == Some(Role::Owner) || new == Some(Role::Owner) {
            Action::ManageOwners
        } else {
            Action::ManageMembers
        }
    }

    /// The stored and displayed key (`owner`, `consultant`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Consultant => "consultant",
            Role::Implementer => "implementer",
            Role::Auditor => "auditor",
        }
    }

    /// A human label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Consultant => "Consultant",
            Role::Implementer => "Implementer",
            Role::Auditor => "Auditor",
        }
    }
}

impl Action {
    /// Why a role may not do this, in words a 403 page can show.
    pub fn denied_reason(self) -> &'static str {
        match self {
            Action::Read => "You are not a member of this workspace.",
            Action::Edit => {
                "Your role in this workspace is read-only: auditors can review everything but change nothing."
            }
            Action::Approve => "Only an owner of this workspace can approve.",
            Action::ManageMembers => "Only owners and consultants can invite members or change their roles.",
            Action::ManageOwners => "Only an owner can make, demote or remove owners.",
            Action::ManageSettings => "Only an owner can change the workspace settings.",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role key that is not one of the four roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose one of owner, consultant, implementer or auditor.")]
pub struct RoleError;

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim()).ok_or(RoleError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;

    #[test]
    fn the_role_matrix_matches_the_design() {
        // (role, read, edit, approve, manage members, manage owners, settings)
        let expected = [
            (Role::Owner, [true, true, true, true, true, true]),
            (Role::Consultant, [true, true, false, true, false, false]),
            (Role::Implementer, [true, true, false, false, false, false]),
            (Role::Auditor, [true, false, false, false, false, false]),
        ];
        let actions = [Read, Edit, Approve, ManageMembers, ManageOwners, ManageSettings];
        for (role, row) in expected {
            for (action, allowed) in actions.iter().zip(row) {
                assert_eq!(role.may(*action), allowed, "{role:?} may {action:?}");
            }
        }
    }

    #[test]
    fn only_owners_touch_owners() {
        use Role::*;
        assert_eq!(Role::membership_change_action(None, Some(Auditor)), ManageMembers);
        assert_eq!(Role::membership_change_action(Some(Implementer), Some(Owner)), ManageOwners);
        assert_eq!(Role::membership_change_action(Some(Owner), Some(Consultant)), ManageOwners);
        assert_eq!(Role::membership_change_action(Some(Owner), None), ManageOwners);
        assert_eq!(Role::membership_change_action(Some(Auditor), None), ManageMembers);
        assert!(!Consultant.may(ManageOwners));
    }

    #[test]
    fn auditors_are_the_only_read_only_role() {
        for role in Role::ALL {
            assert_eq!(role.may_write(), role != Role::Auditor);
        }
    }

    #[test]
    fn roles_round_trip_through_their_keys() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("admin".parse::<Role>(), Err(RoleError));
    }
}
