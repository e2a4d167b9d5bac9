//! The row form of the SoA, shared by a control's page, the new own control and the inline editor
//! of the working copy's table: values as typed, their checks (the rules are in
//! `aims_domain::soa`), and the choices its selects and checkboxes offer.

use crate::error::AppResult;
use crate::extract::Workspace;
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::Conflict;
use crate::state::AppState;
use aims_db::ai_systems::SystemChoice;
use aims_db::members::MemberChoice;
use aims_db::soa::{SoaInput, SoaItem};
use aims_domain::registers::{ReasonCode, SoaStatus};
use aims_domain::soa::{self as rules, SOA_NOTES, SOA_TITLE};
use serde::Deserialize;
use uuid::Uuid;

/// Row form values, kept as typed (repeated fields for reason codes and AI systems).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SoaForm {
    #[serde(default)]
    pub control_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub applicable: String,
    #[serde(default)]
    pub justification: String,
    #[serde(default)]
    pub reason_codes: Vec<String>,
    #[serde(default)]
    pub implementation_status: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub ai_systems: Vec<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub version: i32,
}

impl SoaForm {
    /// The stored row's values (an Annex A title is the catalogue's, so the form has none).
    pub fn from_item(item: &SoaItem) -> Self {
        SoaForm {
            control_id: item.control_id.clone(),
            title: if item.custom { item.title.clone() } else { String::new() },
            applicable: match item.applicable {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            justification: item.justification.clone(),
            reason_codes: item.reason_codes.iter().map(|c| c.as_str().to_string()).collect(),
            implementation_status: item.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            owner_id: item.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            ai_systems: item.systems.iter().map(|s| s.system_id.to_string()).collect(),
            notes: item.notes.clone(),
            version: item.version,
        }
    }

    /// Checks the values; `label` names the control in the justification message, `systems` are
    /// the AI systems the row may name.
    pub fn parse(
        &self,
        label: &str,
        custom: bool,
        systems: &[SystemChoice],
        errors: &mut FormErrors,
    ) -> Option<SoaInput> {
        let title = if custom { forms::text(&SOA_TITLE, &self.title, errors) } else { Some(String::new()) };
        let applicable = errors.check("applicable", rules::applicability(&self.applicable));
        let justification = errors.check("justification", rules::justification(label, &self.justification));
        let reason_codes = errors.check("reason_codes", rules::reason_codes(&self.reason_codes));
        let status = match self.implementation_status.trim() {
            "" => Some(None),
            raw => forms::choice::<SoaStatus>("implementation_status", raw, errors).map(Some),
        };
        let status = match (applicable, status) {
            (Some(applicable), Some(status)) => {
                errors.check("implementation_status", rules::implementation_status(applicable, status))
            }
            _ => None,
        };
        let owner_id = forms::parse_member("owner_id", &self.owner_id, errors);
        let mut system_ids = Vec::new();
        for raw in &self.ai_systems {
            match raw.trim().parse::<Uuid>() {
                Ok(id) if systems.iter().any(|s| s.system_id == id) => {
                    if !system_ids.contains(&id) {
                        system_ids.push(id);
                    }
                }
                _ => errors.add("ai_systems", "Choose AI systems from the inventory."),
            }
        }
        let notes = forms::text(&SOA_NOTES, &self.notes, errors);
        if !errors.is_empty() {
            return None;
        }
        Some(SoaInput {
            title: title?,
            applicable: applicable?,
            justification: justification?,
            reason_codes: reason_codes?,
            status: status?,
            owner_id: owner_id?,
            system_ids,
            notes: notes?,
        })
    }

    /// The values as people read them, for the conflict banner.
    pub fn shown(&self, choices: &Choices) -> Vec<(&'static str, String)> {
        let reasons: Vec<&str> = ReasonCode::ALL
            .iter()
            .filter(|c| self.reason_codes.iter().any(|r| r == c.as_str()))
            .map(|c| c.label())
            .collect();
        let systems: Vec<String> = choices
            .systems
            .iter()
            .filter(|s| self.ai_systems.iter().any(|v| *v == s.system_id.to_string()))
            .map(SystemChoice::label)
            .collect();
        vec![
            ("Title", self.title.clone()),
            ("Applies", forms::option_label(&applicable_options(), &self.applicable)),
            ("Justification", self.justification.clone()),
            ("Reasons", reasons.join(", ")),
            ("Implementation status", forms::option_label(&status_options(), &self.implementation_status)),
            ("Owner", forms::option_label(&forms::member_options(&choices.members, ""), &self.owner_id)),
            ("AI systems", systems.join(", ")),
            ("Notes", self.notes.clone()),
        ]
    }
}

/// The options of "does the control apply?".
pub fn applicable_options() -> Vec<SelectOption> {
    vec![
        SelectOption::new("", "— Not decided yet —"),
        SelectOption::new("yes", "Yes: the control applies and is part of the AIMS"),
        SelectOption::new("no", "No: the control is excluded"),
    ]
}

/// The implementation statuses, with "not set" first.
pub fn status_options() -> Vec<SelectOption> {
    forms::with_first("", "— Not set —", forms::enum_options::<SoaStatus>())
}

/// The members and AI systems a row may name.
pub struct Choices {
    pub members: Vec<MemberChoice>,
    /// The inventory, plus archived systems the row names already.
    pub systems: Vec<SystemChoice>,
}

impl Choices {
    /// Loads them for a row (None: a new own control).
    pub async fn load(state: &AppState, ws: &Workspace, item: Option<&SoaItem>) -> AppResult<Choices> {
        let mut tx = ws.begin(state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        let mut systems = aims_db::ai_systems::choices(&mut tx).await?;
        tx.commit().await?;
        for s in item.map(|i| i.systems.as_slice()).unwrap_or_default() {
            if !systems.iter().any(|c| c.system_id == s.system_id) {
                systems.push(s.clone());
            }
        }
        Ok(Choices { members, systems })
    }

    /// The stored values beside the user's.
    pub fn conflict(&self, stored: &SoaItem, yours: &SoaForm) -> Conflict {
        Conflict::between(SoaForm::from_item(stored).shown(self), yours.shown(self))
    }
}

/// A checkbox of a group.
#[derive(Debug, Clone)]
pub struct CheckOption {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The row form of a page (a control's page and the new own control), with everything its selects
/// and checkboxes need.
pub struct RowForm {
    pub form: SoaForm,
    pub errors: FormErrors,
    pub owners: Vec<SelectOption>,
    pub statuses: Vec<SelectOption>,
    pub applicables: Vec<SelectOption>,
    pub reasons: Vec<CheckOption>,
    pub systems: Vec<CheckOption>,
}

impl RowForm {
    /// The form with its choices.
    pub fn new(choices: &Choices, form: SoaForm, errors: FormErrors) -> RowForm {
        let reasons = ReasonCode::ALL
            .iter()
            .map(|c| CheckOption {
                value: c.as_str().into(),
                label: c.label().into(),
                checked: form.reason_codes.iter().any(|r| r == c.as_str()),
            })
            .collect();
        let systems = choices
            .systems
            .iter()
            .map(|s| CheckOption {
                value: s.system_id.to_string(),
                label: s.label(),
                checked: form.ai_systems.iter().any(|v| *v == s.system_id.to_string()),
            })
            .collect();
        RowForm {
            owners: forms::member_options(&choices.members, "— Nobody yet —"),
            statuses: status_options(),
            applicables: applicable_options(),
            reasons,
            systems,
            form,
            errors,
        }
    }
}
