//! AIMS roles (clause 5.3, Annex A.3.2): who holds which responsibility in the management system,
//! and the RACI matrix of the 18 steps against those roles. The rules here are the ones a form
//! and the database both rely on.

use crate::Email;
use crate::record::TextField;
use time::Date;
use uuid::Uuid;

text_enum! {
    /// The kind of responsibility a role is (the keys are the migration's CHECK).
    AimsRoleKind {
        TopManagement = "top-management" / "Top management" / Violet,
        AimsManager = "aims-manager" / "AIMS manager" / Blue,
        RiskOwner = "risk-owner" / "Risk owner" / Amber,
        AiSystemOwner = "ai-system-owner" / "AI system owner" / Blue,
        HumanOversight = "human-oversight" / "Human oversight" / Green,
        InternalAuditor = "internal-auditor" / "Internal auditor",
        DataProtection = "data-protection" / "Data protection",
        LegalCompliance = "legal-compliance" / "Legal and compliance",
        CommitteeMember = "committee-member" / "Committee member",
        Custom = "custom" / "Custom role",
    }
}

text_enum! {
    /// A RACI letter: who does the work, who answers for it, who is asked, who is told.
    RaciLetter {
        Responsible = "R" / "Responsible" / Blue,
        Accountable = "A" / "Accountable" / Violet,
        Consulted = "C" / "Consulted" / Amber,
        Informed = "I" / "Informed",
    }
}

// The title is required in the table, but the form may leave it empty for every kind except
// custom (see `role_title`), so the field itself is optional.
/// The role's title (optional in the form: see `role_title`).
pub const ROLE_TITLE: TextField = TextField::optional("title", 200);
/// A holder without an account: the name.
pub const ROLE_HOLDER_NAME: TextField = TextField::optional("holder_name", 200);
/// A holder without an account: the e-mail.
pub const ROLE_HOLDER_EMAIL: TextField = TextField::optional("holder_email", 320);
/// A holder without an account: the job title.
pub const ROLE_HOLDER_JOB_TITLE: TextField = TextField::optional("holder_job_title", 200);
/// What the role is responsible for.
pub const ROLE_RESPONSIBILITIES: TextField = TextField::optional("responsibilities", 20_000);
/// What the role may decide.
pub const ROLE_AUTHORITIES: TextField = TextField::optional("authorities", 20_000);
/// Every text column of `aims_roles` with its limit (a test compares them with the CHECKs).
pub const ROLE_FIELDS: &[TextField] =
    &[ROLE_TITLE, ROLE_HOLDER_NAME, ROLE_HOLDER_EMAIL, ROLE_HOLDER_JOB_TITLE, ROLE_RESPONSIBILITIES, ROLE_AUTHORITIES];

/// A role's title: a custom role needs one, the other kinds default to the kind's name.
pub fn role_title(kind: AimsRoleKind, title: &str) -> Result<String, &'static str> {
    match (kind, title.trim()) {
        (AimsRoleKind::Custom, "") => Err("Name the custom role."),
        (kind, "") => Ok(kind.label().to_string()),
        (_, title) => Ok(title.to_string()),
    }
}

/// Who holds a role: a member of the workspace, or a named person without an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// A member (their account's id).
    Member(Uuid),
    /// Someone without an account; the e-mail address may be empty.
    Person {
        /// Their name.
        name: String,
        /// Their address, lower-cased, or "".
        email: String,
    },
}

/// The holder from the form's member choice and the named person's fields: exactly one of the
/// two. The error is `(field, message)`.
pub fn holder(member: Option<Uuid>, name: &str, email: &str) -> Result<Holder, (&'static str, &'static str)> {
    let (name, email) = (name.trim(), email.trim());
    match member {
        Some(_) if !name.is_empty() || !email.is_empty() => {
            Err(("holder_name", "Choose a member or name a person, not both."))
        }
        Some(id) => Ok(Holder::Member(id)),
        None if name.is_empty() => {
            Err(("holder_user_id", "Choose the member who holds this role, or name the person below."))
        }
        None if email.is_empty() => Ok(Holder::Person { name: name.to_string(), email: String::new() }),
        None => match Email::parse(email) {
            Ok(e) => Ok(Holder::Person { name: name.to_string(), email: e.as_str().to_string() }),
            Err(_) => Err(("holder_email", "Enter an e-mail address like name@example.com, or leave it empty.")),
        },
    }
}

/// An appointment ends on or after the day it starts.
pub fn check_term(appointed_on: Option<Date>, until: Option<Date>) -> Result<(), &'static str> {
    match (appointed_on, until) {
        (Some(from), Some(to)) if to < from => Err("The end date cannot be before the appointment date."),
        _ => Ok(()),
    }
}

/// Whether an appointment covers a day (open ends cover everything on their side).
pub fn holds_on(appointed_on: Option<Date>, until: Option<Date>, day: Date) -> bool {
    appointed_on.is_none_or(|from| from <= day) && until.is_none_or(|to| day <= to)
}

/// The RACI rule: at most one accountable role per step. Returns the first step (in step order)
/// with more than one `A`.
pub fn two_accountable(cells: &[(u8, RaciLetter)]) -> Option<u8> {
    let mut steps: Vec<u8> =
        cells.iter().filter(|(_, letter)| *letter == RaciLetter::Accountable).map(|(step, _)| *step).collect();
    steps.sort_unstable();
    steps.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_custom_role_needs_a_title_and_others_default_to_their_kind() {
        assert_eq!(role_title(AimsRoleKind::Custom, "  "), Err("Name the custom role."));
        assert_eq!(role_title(AimsRoleKind::Custom, " Ethics lead "), Ok("Ethics lead".into()));
        assert_eq!(role_title(AimsRoleKind::AimsManager, ""), Ok("AIMS manager".into()));
        assert_eq!(role_title(AimsRoleKind::RiskOwner, "Credit risk owner"), Ok("Credit risk owner".into()));
    }

    #[test]
    fn a_role_is_held_by_a_member_or_a_named_person() {
        let id = Uuid::now_v7();
        assert_eq!(holder(Some(id), "", ""), Ok(Holder::Member(id)));
        assert_eq!(holder(Some(id), "Ann", "").unwrap_err().0, "holder_name");
        assert_eq!(holder(None, " ", "").unwrap_err().0, "holder_user_id");
        assert_eq!(holder(None, "Ann", ""), Ok(Holder::Person { name: "Ann".into(), email: String::new() }));
        assert_eq!(
            holder(None, "Ann", "Ann@Example.com"),
            Ok(Holder::Person { name: "Ann".into(), email: "ann@example.com".into() })
        );
        assert_eq!(holder(None, "Ann", "not an address").unwrap_err().0, "holder_email");
    }

    #[test]
    fn an_appointment_ends_after_it_starts_and_covers_its_days() {
        let (jan, jun) = (date!(2026 - 01 - 01), date!(2026 - 06 - 30));
        assert!(check_term(Some(jan), Some(jun)).is_ok());
        assert!(check_term(Some(jan), Some(jan)).is_ok());
        assert!(check_term(Some(jun), Some(jan)).is_err());
        assert!(check_term(None, Some(jan)).is_ok());
        assert!(holds_on(Some(jan), Some(jun), jun));
        assert!(!holds_on(Some(jan), Some(jun), date!(2026 - 07 - 01)));
        assert!(!holds_on(Some(jun), None, jan));
        assert!(holds_on(None, None, jan));
    }

    #[test]
    fn each_step_has_at_most_one_accountable_role() {
        use RaciLetter::*;
        assert_eq!(two_accountable(&[(1, Accountable), (2, Accountable), (1, Responsible)]), None);
        assert_eq!(two_accountable(&[(5, Accountable), (3, Accountable), (5, Accountable), (3, Accountable)]), Some(3));
        assert_eq!("A".parse::<RaciLetter>(), Ok(Accountable));
        assert!("X".parse::<RaciLetter>().is_err());
    }

    #[test]
    fn the_kinds_are_the_migrations_keys() {
        let keys: Vec<&str> = AimsRoleKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(keys.len(), 10);
        assert!(keys.contains(&"top-management") && keys.contains(&"legal-compliance") && keys.contains(&"custom"));
    }
}
