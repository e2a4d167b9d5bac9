//! The AI system inventory (step 1): every AI system the organisation builds, provides or uses,
//! with its role, life-cycle stage, automation, EU AI Act risk tier and scope. Filters, pages, a
//! CSV export, and each system's page gathering the records linked to it.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption};
use crate::kit::invalid;
use crate::routes::steps::{owner_options, parse_owner};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::ai_systems::{self, AiSystemError, AiSystemFilter, AiSystemInput, AiSystemRow};
use aims_db::audit::AuditRow;
use aims_db::objectives::ObjectiveRow;
use aims_domain::Action;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::{AiRole, AutomationLevel, LifecycleStage, RiskTier};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/ai-systems", index)
        .get("/o/{slug}/ai-systems.csv", export_csv)
        .get("/o/{slug}/ai-systems/new", new_form)
        .post("/o/{slug}/ai-systems", create)
        .get("/o/{slug}/ai-systems/{system_id}", show)
        .get("/o/{slug}/ai-systems/{system_id}/edit", edit_form)
        .post("/o/{slug}/ai-systems/{system_id}", update)
        .post("/o/{slug}/ai-systems/{system_id}/archive", archive)
}

/// The badge tone of an EU AI Act risk tier.
pub fn tier_tone(tier: &str) -> &'static str {
    match tier {
        "prohibited" => "red",
        "high" => "amber",
        "limited" => "blue",
        "minimal" => "green",
        "general-purpose" => "violet",
        _ => "neutral",
    }
}

/// `yes`/`true`/`1` or `no`/`false`/`0`; anything else is no filter.
fn parse_yes_no(raw: &str) -> Option<bool> {
    match raw.trim() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    in_scope: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> AiSystemFilter {
        AiSystemFilter {
            tier: self.tier.parse().ok(),
            stage: self.stage.parse().ok(),
            in_scope: parse_yes_no(&self.in_scope),
        }
    }

    /// The filters as a query string ending in `&`, for pagination and export links.
    fn query_string(&self) -> String {
        let mut q = String::new();
        for (k, v) in [("tier", &self.tier), ("stage", &self.stage), ("in_scope", &self.in_scope)] {
            if !v.is_empty() {
                q.push_str(&format!("{k}={}&", url_encode(v)));
            }
        }
        q
    }
}

fn role_options() -> Vec<SelectOption> {
    AiRole::ALL.iter().map(|r| SelectOption::new(r.as_str(), r.label())).collect()
}

fn stage_options() -> Vec<SelectOption> {
    LifecycleStage::ALL.iter().map(|s| SelectOption::new(s.as_str(), s.label())).collect()
}

fn automation_options() -> Vec<SelectOption> {
    AutomationLevel::ALL.iter().map(|a| SelectOption::new(a.as_str(), a.label())).collect()
}

fn tier_options() -> Vec<SelectOption> {
    RiskTier::ALL.iter().map(|t| SelectOption::new(t.as_str(), t.label())).collect()
}

/// An "any" option first, for filters.
fn with_any(label: &str, mut options: Vec<SelectOption>) -> Vec<SelectOption> {
    options.insert(0, SelectOption::new("", label));
    options
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ai_systems/index.html")]
struct AiSystemIndexPage {
    page: PageCtx,
    ws: Workspace,
    systems: Paged<AiSystemRow>,
    query: ListQuery,
    query_string: String,
    /// `?` plus the filters, for page links.
    pager_base: String,
    tiers: Vec<SelectOption>,
    stages: Vec<SelectOption>,
    scopes: Vec<SelectOption>,
    filtered: bool,
    can_edit: bool,
}

async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(query): Query<ListQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let filter = query.filter();
    let list = ai_systems::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    Ok(AiSystemIndexPage {
        filtered: filter.tier.is_some() || filter.stage.is_some() || filter.in_scope.is_some(),
        query_string: query.query_string(),
        pager_base: format!("?{}", query.query_string()),
        can_edit: ws.may(Action::Edit),
        tiers: with_any("Any risk tier", tier_options()),
        stages: with_any("Any stage", stage_options()),
        scopes: vec![
            SelectOption::new("", "In or out of scope"),
            SelectOption::new("yes", "In scope"),
            SelectOption::new("no", "Out of scope"),
        ],
        page,
        ws,
        systems: list,
        query,
    })
}

fn yes_no(value: bool) -> String {
    if value { "yes" } else { "no" }.to_string()
}

async fn export_csv(
    State(state): State<AppState>,
    ws: Workspace,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let rows = ai_systems::export(&mut tx, &query.filter()).await?;
    tx.commit().await?;
    let header = [
        "Reference",
        "Name",
        "Purpose",
        "Intended use",
        "Known misuse",
        "AI role",
        "Life-cycle stage",
        "Technique",
        "Personal data",
        "Personal data categories",
        "Automation level",
        "Human oversight",
        "EU AI Act risk tier",
        "Owner",
        "In scope",
        "Supplier",
        "Created",
        "Updated",
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|s| {
            vec![
                s.reference(),
                s.name.clone(),
                s.purpose.clone(),
                s.intended_use.clone(),
                s.known_misuse.clone(),
                s.ai_role().label().to_string(),
                s.stage().label().to_string(),
                s.technique.clone(),
                yes_no(s.personal_data),
                s.personal_data_categories.clone(),
                s.automation().label().to_string(),
                s.human_oversight.clone(),
                s.tier().label().to_string(),
                s.owner_name.clone().unwrap_or_default(),
                yes_no(s.in_scope),
                s.supplier.clone(),
                crate::view::datetime(&s.created_at),
                crate::view::datetime(&s.updated_at),
            ]
        })
        .collect();
    crate::export::csv(&format!("ai-systems-{}-{}.csv", ws.org.slug, crate::view::date(&ws.org.today)), &header, &rows)
}

/// AI system form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct AiSystemForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    intended_use: String,
    #[serde(default)]
    known_misuse: String,
    #[serde(default)]
    ai_role: String,
    #[serde(default)]
    lifecycle_stage: String,
    #[serde(default)]
    technique: String,
    /// A ticked checkbox sends a value; an unticked one sends nothing.
    #[serde(default)]
    personal_data: String,
    #[serde(default)]
    personal_data_categories: String,
    #[serde(default)]
    automation_level: String,
    #[serde(default)]
    human_oversight: String,
    #[serde(default)]
    risk_tier: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    in_scope: String,
    #[serde(default)]
    supplier: String,
    #[serde(default)]
    version: i32,
}

/// Records an error when a text is longer than `max` characters.
fn check_len(errors: &mut FormErrors, field: &'static str, value: &str, max: usize, what: &str) {
    if value.chars().count() > max {
        errors.add(field, format!("{what} has at most {} characters.", group_thousands(max)));
    }
}

/// `20000` → `20,000`.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl AiSystemForm {
    fn for_new() -> Self {
        AiSystemForm {
            ai_role: AiRole::Customer.as_str().into(),
            lifecycle_stage: LifecycleStage::OperationMonitoring.as_str().into(),
            automation_level: AutomationLevel::HumanInTheLoop.as_str().into(),
            risk_tier: RiskTier::Minimal.as_str().into(),
            in_scope: "yes".into(),
            ..Default::default()
        }
    }

    fn from_row(s: &AiSystemRow) -> Self {
        AiSystemForm {
            name: s.name.clone(),
            purpose: s.purpose.clone(),
            intended_use: s.intended_use.clone(),
            known_misuse: s.known_misuse.clone(),
            ai_role: s.ai_role.clone(),
            lifecycle_stage: s.lifecycle_stage.clone(),
            technique: s.technique.clone(),
            personal_data: if s.personal_data { "yes".into() } else { String::new() },
            personal_data_categories: s.personal_data_categories.clone(),
            automation_level: s.automation_level.clone(),
            human_oversight: s.human_oversight.clone(),
            risk_tier: s.risk_tier.clone(),
            owner_id: s.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            in_scope: if s.in_scope { "yes".into() } else { String::new() },
            supplier: s.supplier.clone(),
            version: s.version,
        }
    }

    /// Whether the personal-data box is ticked.
    fn uses_personal_data(&self) -> bool {
        !self.personal_data.is_empty()
    }

    /// Whether the in-scope box is ticked.
    fn is_in_scope(&self) -> bool {
        !self.in_scope.is_empty()
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<AiSystemInput> {
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Enter the AI system's name.");
        }
        check_len(errors, "name", name, 200, "A name");
        check_len(errors, "purpose", &self.purpose, 20_000, "The purpose");
        check_len(errors, "intended_use", &self.intended_use, 20_000, "The intended use");
        check_len(errors, "known_misuse", &self.known_misuse, 20_000, "The known misuse");
        check_len(errors, "technique", self.technique.trim(), 500, "The technique");
        check_len(errors, "human_oversight", &self.human_oversight, 20_000, "The human oversight");
        check_len(errors, "supplier", self.supplier.trim(), 300, "The supplier");
        let categories = self.personal_data_categories.trim();
        check_len(errors, "personal_data_categories", categories, 2_000, "The categories");
        if self.uses_personal_data() && categories.is_empty() {
            errors.add("personal_data_categories", "Name the categories of personal data the system uses.");
        } else if !self.uses_personal_data() && !categories.is_empty() {
            errors.add(
                "personal_data_categories",
                "Tick “Uses personal data”, or leave the categories empty when it uses none.",
            );
        }
        let ai_role =
            errors.check("ai_role", self.ai_role.parse::<AiRole>().map_err(|_| "Choose the organisation's role."));
        let lifecycle_stage = errors.check(
            "lifecycle_stage",
            self.lifecycle_stage.parse::<LifecycleStage>().map_err(|_| "Choose a life-cycle stage."),
        );
        let automation_level = errors.check(
            "automation_level",
            self.automation_level.parse::<AutomationLevel>().map_err(|_| "Choose a level of automation."),
        );
        let risk_tier =
            errors.check("risk_tier", self.risk_tier.parse::<RiskTier>().map_err(|_| "Choose a risk tier."));
        let owner_id = parse_owner(&self.owner_id, errors);
        if !errors.is_empty() {
            return None;
        }
        Some(AiSystemInput {
            name: name.to_string(),
            purpose: self.purpose.clone(),
            intended_use: self.intended_use.clone(),
            known_misuse: self.known_misuse.clone(),
            ai_role: ai_role?,
            lifecycle_stage: lifecycle_stage?,
            technique: self.technique.trim().to_string(),
            personal_data: self.uses_personal_data(),
            personal_data_categories: categories.to_string(),
            automation_level: automation_level?,
            human_oversight: self.human_oversight.clone(),
            risk_tier: risk_tier?,
            owner_id: owner_id?,
            in_scope: self.is_in_scope(),
            supplier: self.supplier.trim().to_string(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ai_systems/form.html")]
struct AiSystemFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new AI system.
    system: Option<AiSystemRow>,
    form: AiSystemForm,
    errors: FormErrors,
    owners: Vec<SelectOption>,
    roles: Vec<SelectOption>,
    stages: Vec<SelectOption>,
    automations: Vec<SelectOption>,
    tiers: Vec<SelectOption>,
    /// Someone saved first: the stored values are shown above the user's.
    conflict: bool,
}

impl AiSystemFormPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        system: Option<AiSystemRow>,
        form: AiSystemForm,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        Ok(AiSystemFormPage {
            owners: owner_options(&members),
            roles: role_options(),
            stages: stage_options(),
            automations: automation_options(),
            tiers: tier_options(),
            conflict: false,
            page,
            ws,
            system,
            form,
            errors,
        })
    }
}

async fn new_form(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    AiSystemFormPage::load(&state, ws, page, None, AiSystemForm::for_new(), FormErrors::new()).await
}

fn system_error(err: AiSystemError, errors: &mut FormErrors) -> Result<Option<Box<AiSystemRow>>, AppError> {
    match err {
        AiSystemError::NotFound => Err(AppError::NotFound),
        AiSystemError::Db(e) => Err(e.into()),
        AiSystemError::NotAMember => {
            errors.add("owner_id", "The owner must be a member of this workspace.");
            Ok(None)
        }
        AiSystemError::Stale(current) => Ok(Some(current)),
    }
}

async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<AiSystemForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        return Ok(invalid(AiSystemFormPage::load(&state, ws, page, None, form, errors).await?));
    };
    let mut tx = ws.begin(&state).await?;
    match ai_systems::create(&mut tx, &input).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} added to the inventory.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("ai-systems/{}", row.system_id))).into_response())
        }
        Err(err) => {
            drop(tx);
            system_error(err, &mut errors)?;
            Ok(invalid(AiSystemFormPage::load(&state, ws, page, None, form, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ai_systems/show.html")]
struct AiSystemShowPage {
    page: PageCtx,
    ws: Workspace,
    system: AiSystemRow,
    objectives: Vec<ObjectiveRow>,
    history: Vec<AuditRow>,
    can_edit: bool,
}

async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let system = ai_systems::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let objectives = aims_db::objectives::for_system(&mut tx, id).await?;
    let history = aims_db::audit::for_entity(&mut tx, aims_db::record::Entity::AiSystem, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(AiSystemShowPage { can_edit: ws.may(Action::Edit) && !system.archived(), page, ws, system, objectives, history })
}

async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let system = ai_systems::get(&mut tx, id).await?.filter(|s| !s.archived()).ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = AiSystemForm::from_row(&system);
    AiSystemFormPage::load(&state, ws, page, Some(system), form, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<AiSystemForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let current = ai_systems::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        drop(tx);
        return Ok(invalid(AiSystemFormPage::load(&state, ws, page, Some(current), form, errors).await?));
    };
    match ai_systems::update(&mut tx, id, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} saved.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("ai-systems/{id}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            match system_error(err, &mut errors)? {
                None => Ok(invalid(AiSystemFormPage::load(&state, ws, page, Some(current), form, errors).await?)),
                Some(newer) => {
                    // Keep the user's values against the current version; show the stored ones.
                    let form = AiSystemForm { version: newer.version, ..form };
                    let mut page = AiSystemFormPage::load(&state, ws, page, Some(*newer), form, errors).await?;
                    page.conflict = true;
                    Ok((StatusCode::CONFLICT, page).into_response())
                }
            }
        }
    }
}

/// Archive form values.
#[derive(Debug, Default, Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    version: i32,
}

async fn archive(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<ArchiveForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    match aims_db::record::archive(&mut tx, aims_db::record::Register::AiSystems, id, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} archived.", row.short))).await?;
            Ok(Redirect::to(&ws.path("ai-systems")).into_response())
        }
        Err(aims_db::record::WriteError::NotFound) => Err(AppError::NotFound),
        Err(aims_db::record::WriteError::Db(e)) => Err(e.into()),
        Err(_) => {
            Err(AppError::Conflict("Changed by someone else or archived already. Reload it and try again.".into()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(300), "300");
        assert_eq!(group_thousands(2_000), "2,000");
        assert_eq!(group_thousands(20_000), "20,000");
    }

    #[test]
    fn scope_filter_reads_yes_and_no() {
        assert_eq!(parse_yes_no("yes"), Some(true));
        assert_eq!(parse_yes_no("false"), Some(false));
        assert_eq!(parse_yes_no(""), None);
    }
}
