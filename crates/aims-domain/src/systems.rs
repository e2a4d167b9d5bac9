//! The text fields of the AI system inventory and of AI objectives, each declared once with its
//! length limit (the `ai_systems` and `objectives` tables' CHECKs): the form checks them and the
//! templates read `max` for `maxlength`.

use crate::TextField;

/// An AI system's name.
pub const AI_SYSTEM_NAME: TextField = TextField::required("name", 200, "Enter the AI system's name.");
/// What it is for.
pub const AI_SYSTEM_PURPOSE: TextField = TextField::optional("purpose", 20_000);
/// How it is meant to be used.
pub const AI_SYSTEM_INTENDED_USE: TextField = TextField::optional("intended_use", 20_000);
/// Foreseeable misuse.
pub const AI_SYSTEM_KNOWN_MISUSE: TextField = TextField::optional("known_misuse", 20_000);
/// Machine learning, rules, LLM, …
pub const AI_SYSTEM_TECHNIQUE: TextField = TextField::optional("technique", 500);
/// Which categories of personal data it processes.
pub const AI_SYSTEM_PERSONAL_DATA_CATEGORIES: TextField = TextField::optional("personal_data_categories", 2_000);
/// How people oversee it.
pub const AI_SYSTEM_HUMAN_OVERSIGHT: TextField = TextField::optional("human_oversight", 20_000);
/// Who supplies it (empty when built in-house).
pub const AI_SYSTEM_SUPPLIER: TextField = TextField::optional("supplier", 300);
/// The text fields of an AI system, checked against the `ai_systems` table's CHECKs.
pub const AI_SYSTEM_FIELDS: &[TextField] = &[
    AI_SYSTEM_NAME,
    AI_SYSTEM_PURPOSE,
    AI_SYSTEM_INTENDED_USE,
    AI_SYSTEM_KNOWN_MISUSE,
    AI_SYSTEM_TECHNIQUE,
    AI_SYSTEM_PERSONAL_DATA_CATEGORIES,
    AI_SYSTEM_HUMAN_OVERSIGHT,
    AI_SYSTEM_SUPPLIER,
];

/// What the AIMS is to achieve.
pub const OBJECTIVE_TEXT: TextField = TextField::required("objective", 500, "Enter the objective.");
/// How it is measured.
pub const OBJECTIVE_MEASURE: TextField = TextField::optional("measure", 5_000);
/// The value that counts as achieved.
pub const OBJECTIVE_TARGET: TextField = TextField::optional("target", 1_000);
/// The text fields of an objective, checked against the `objectives` table's CHECKs.
pub const OBJECTIVE_FIELDS: &[TextField] = &[OBJECTIVE_TEXT, OBJECTIVE_MEASURE, OBJECTIVE_TARGET];
