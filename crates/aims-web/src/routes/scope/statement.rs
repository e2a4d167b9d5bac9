//! The scope statement (4.3) with the climate-change decision (4.1): one draft edited at a time,
//! approved by an owner; approved versions stay readable.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Conflict, Outcome};
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::scope_statement::{self, ScopeInput, ScopeVersionRow};
use aims_domain::Action;
use aims_domain::TextField;
use aims_domain::record::{group_thousands, parse_yes_no};
use aims_domain::scope::{
    SCOPE_AI_ROLES, SCOPE_AI_SYSTEMS, SCOPE_CLIMATE_REASON, SCOPE_EXCLUSIONS, SCOPE_INTERFACES, SCOPE_LIFECYCLE,
    SCOPE_SITES, SCOPE_UNITS,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Scope form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ScopeForm {
    #[serde(default)]
    units: String,
    #[serde(default)]
    sites: String,
    #[serde(default)]
    ai_systems_covered: String,
    #[serde(default)]
    lifecycle_stages: String,
    #[serde(default)]
    ai_roles: String,
    #[serde(default)]
    exclusions: String,
    #[serde(default)]
    interfaces: String,
    #[serde(default)]
    climate_relevant: String,
    #[serde(default)]
    climate_reason: String,
    #[serde(default)]
    version: i32,
}

/// A long text checked against its limit but stored exactly as typed: leading spaces and line
/// breaks are part of a scope text, and count against the column's limit.
fn verbatim(field: &TextField, raw: &str, errors: &mut FormErrors) -> String {
    match field.check(raw) {
        Err(message) => errors.add(field.name, message),
        Ok(_) if raw.chars().count() > field.max => {
            errors.add(field.name, format!("At most {} characters.", group_thousands(field.max)))
        }
        Ok(_) => {}
    }
    raw.to_string()
}

impl ScopeForm {
    /// The form of a stored version; `version` is the draft's version, or 0 for a new draft.
    fn from_row(row: &ScopeVersionRow, version: i32) -> Self {
        ScopeForm {
            units: row.units.clone(),
            sites: row.sites.clone(),
            ai_systems_covered: row.ai_systems_covered.clone(),
            lifecycle_stages: row.lifecycle_stages.clone(),
            ai_roles: row.ai_roles.clone(),
            exclusions: row.exclusions.clone(),
            interfaces: row.interfaces.clone(),
            climate_relevant: match row.climate_relevant {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            climate_reason: row.climate_reason.clone(),
            version,
        }
    }

    fn parse(&self) -> Result<ScopeInput, FormErrors> {
        let mut errors = FormErrors::new();
        let input = ScopeInput {
            units: verbatim(&SCOPE_UNITS, &self.units, &mut errors),
            sites: verbatim(&SCOPE_SITES, &self.sites, &mut errors),
            ai_systems_covered: verbatim(&SCOPE_AI_SYSTEMS, &self.ai_systems_covered, &mut errors),
            lifecycle_stages: verbatim(&SCOPE_LIFECYCLE, &self.lifecycle_stages, &mut errors),
            ai_roles: verbatim(&SCOPE_AI_ROLES, &self.ai_roles, &mut errors),
            exclusions: verbatim(&SCOPE_EXCLUSIONS, &self.exclusions, &mut errors),
            interfaces: verbatim(&SCOPE_INTERFACES, &self.interfaces, &mut errors),
            climate_relevant: None,
            climate_reason: verbatim(&SCOPE_CLIMATE_REASON, &self.climate_reason, &mut errors),
        };
        if self.units.trim().is_empty() && self.ai_systems_covered.trim().is_empty() {
            errors.add("units", "Name at least the units or the AI systems the AIMS covers.");
        }
        let climate_relevant = if self.climate_relevant.is_empty() {
            None
        } else {
            errors
                .check("climate_relevant", parse_yes_no(&self.climate_relevant).ok_or("Choose yes, no or not decided."))
        };
        if climate_relevant.is_some() && self.climate_reason.trim().is_empty() {
            errors.add("climate_reason", "Record why, so an auditor can follow the decision.");
        }
        if errors.is_empty() { Ok(ScopeInput { climate_relevant, ..input }) } else { Err(errors) }
    }

    /// The values as people read them, for the conflict banner.
    fn shown(&self, climate: &[SelectOption]) -> Vec<(&'static str, String)> {
        vec![
            ("Organisational units", self.units.clone()),
            ("Sites and locations", self.sites.clone()),
            ("AI systems covered", self.ai_systems_covered.clone()),
            ("Life-cycle stages", self.lifecycle_stages.clone()),
            ("The organisation's AI roles", self.ai_roles.clone()),
            ("Exclusions and their reasons", self.exclusions.clone()),
            ("Interfaces and dependencies", self.interfaces.clone()),
            ("Climate change relevant?", forms::option_label(climate, &self.climate_relevant)),
            ("Reasoning", self.climate_reason.clone()),
        ]
    }
}

/// The climate decision's three answers (a yes/no that may still be open).
fn climate_options() -> Vec<SelectOption> {
    vec![
        SelectOption::new("", "Not decided yet"),
        SelectOption::new("yes", "Yes, climate change is a relevant issue"),
        SelectOption::new("no", "No, it is not relevant"),
    ]
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/edit.html")]
struct ScopeEditPage {
    page: PageCtx,
    ws: Workspace,
    form: ScopeForm,
    errors: FormErrors,
    climate: Vec<SelectOption>,
    /// The version number the form edits (the draft), or None for a new draft.
    editing_draft: Option<i32>,
    conflict: Option<Conflict>,
}

impl ScopeEditPage {
    fn new(page: PageCtx, ws: Workspace, form: ScopeForm, errors: FormErrors, editing_draft: Option<i32>) -> Self {
        ScopeEditPage { page, ws, form, errors, climate: climate_options(), editing_draft, conflict: None }
    }
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let versions = scope_statement::list(&mut tx).await?;
    tx.commit().await?;
    let draft = versions.iter().find(|v| v.is_draft());
    // A new draft starts from the latest approved text.
    let form = match (draft, versions.iter().find(|v| v.status == "approved")) {
        (Some(d), _) => ScopeForm::from_row(d, d.version),
        (None, Some(a)) => ScopeForm::from_row(a, 0),
        (None, None) => ScopeForm::default(),
    };
    Ok(ScopeEditPage::new(page, ws, form, FormErrors::new(), draft.map(|d| d.version_no)))
}

pub(super) async fn save(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<ScopeForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => {
            Outcome::write(&ws, &state, async |tx| scope_statement::save_draft(tx, &input, form.version).await).await?
        }
    };
    match outcome {
        Outcome::Saved(row) => {
            let message = format!("Draft version {} of the scope statement saved.", row.version_no);
            kit::saved(&session, &ws.path("scope"), message).await
        }
        Outcome::Invalid(errors) => Ok(kit::invalid(ScopeEditPage::new(page, ws, form, errors, None))),
        // Someone saved (or approved) first: their text beside the user's, who saves over it
        // from the current version (0 starts a new draft from what was approved meanwhile).
        Outcome::Stale(current) | Outcome::Archived(current) => {
            let (version, editing) =
                if current.is_draft() { (current.version, Some(current.version_no)) } else { (0, None) };
            let stored = ScopeForm::from_row(&current, version);
            let form = ScopeForm { version, ..form };
            let mut edit = ScopeEditPage::new(page, ws, form, FormErrors::new(), editing);
            edit.conflict = Some(Conflict::between(stored.shown(&edit.climate), edit.form.shown(&edit.climate)));
            Ok(kit::conflict(edit))
        }
    }
}

/// Approval form values.
#[derive(Debug, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    version_no: i32,
    #[serde(default)]
    version: i32,
}

pub(super) async fn approve(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    AppForm(form): AppForm<ApproveForm>,
) -> AppResult<Response> {
    ws.require(Action::Approve)?;
    let outcome =
        Outcome::write(&ws, &state, async |tx| scope_statement::approve(tx, form.version_no, form.version).await)
            .await?;
    match outcome {
        Outcome::Saved(row) => {
            let message = format!("Version {} of the scope statement is approved.", row.version_no);
            kit::saved(&session, &ws.path("scope"), message).await
        }
        Outcome::Stale(_) | Outcome::Archived(_) | Outcome::Invalid(_) => Err(AppError::Conflict(
            "The draft changed since you opened the page. Reload the scope, read the changes and approve again.".into(),
        )),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/version.html")]
struct VersionPage {
    page: PageCtx,
    ws: Workspace,
    v: ScopeVersionRow,
}

pub(super) async fn version(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, version_no)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let version_no: i32 = version_no.parse().map_err(|_| AppError::NotFound)?;
    let mut tx = ws.begin(&state).await?;
    let v = scope_statement::get(&mut tx, version_no).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(VersionPage { page, ws, v })
}
