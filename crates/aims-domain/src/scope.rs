//! Field limits of scope and context (step 1): the scope statement, the internal and external
//! issues and the interested parties. Each limit equals the CHECK of its column in the
//! `scope_versions`, `context_issues` and `interested_parties` tables.

use crate::TextField;

/// An issue's title.
pub const ISSUE_TITLE: TextField = TextField::required("title", 300, "Enter the issue.");
/// What the issue is.
pub const ISSUE_DESCRIPTION: TextField = TextField::optional("description", 20_000);
/// How the issue helps or hinders what the AIMS can achieve.
pub const ISSUE_EFFECT: TextField = TextField::optional("effect", 20_000);
/// The text fields of an issue, checked against the `context_issues` table's CHECKs.
pub const ISSUE_FIELDS: &[TextField] = &[ISSUE_TITLE, ISSUE_DESCRIPTION, ISSUE_EFFECT];

/// Who the interested party is.
pub const PARTY_NAME: TextField = TextField::required("name", 300, "Enter who the interested party is.");
/// What the party requires.
pub const PARTY_REQUIREMENTS: TextField = TextField::optional("requirements", 20_000);
/// How the AIMS addresses the requirements, or why it does not.
pub const PARTY_HOW_ADDRESSED: TextField = TextField::optional("how_addressed", 20_000);
/// The text fields of an interested party, checked against the `interested_parties` table's CHECKs.
pub const PARTY_FIELDS: &[TextField] = &[PARTY_NAME, PARTY_REQUIREMENTS, PARTY_HOW_ADDRESSED];

/// Organisational units inside the boundary.
pub const SCOPE_UNITS: TextField = TextField::optional("units", 50_000);
/// Sites and locations.
pub const SCOPE_SITES: TextField = TextField::optional("sites", 50_000);
/// AI systems covered.
pub const SCOPE_AI_SYSTEMS: TextField = TextField::optional("ai_systems_covered", 50_000);
/// Life-cycle stages covered.
pub const SCOPE_LIFECYCLE: TextField = TextField::optional("lifecycle_stages", 50_000);
/// The organisation's AI roles.
pub const SCOPE_AI_ROLES: TextField = TextField::optional("ai_roles", 50_000);
/// Exclusions, each with its reason.
pub const SCOPE_EXCLUSIONS: TextField = TextField::optional("exclusions", 50_000);
/// Interfaces and dependencies with what lies outside.
pub const SCOPE_INTERFACES: TextField = TextField::optional("interfaces", 50_000);
/// Why climate change is (or is not) a relevant issue.
pub const SCOPE_CLIMATE_REASON: TextField = TextField::optional("climate_reason", 20_000);
/// The text fields of a scope statement version, checked against the `scope_versions` table's CHECKs.
pub const SCOPE_FIELDS: &[TextField] = &[
    SCOPE_UNITS,
    SCOPE_SITES,
    SCOPE_AI_SYSTEMS,
    SCOPE_LIFECYCLE,
    SCOPE_AI_ROLES,
    SCOPE_EXCLUSIONS,
    SCOPE_INTERFACES,
    SCOPE_CLIMATE_REASON,
];
