//! The AI system inventory (step 1): every AI system the organisation builds, provides or uses,
//! with its role, life-cycle stage, automation, EU AI Act risk tier and scope. Filters, pages, a
//! CSV export, and each system's page gathering the records linked to it.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome, RegisterPages};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::ai_systems::{self, AiSystemFilter, AiSystemInput, AiSystemRow};
use aims_db::audit::AuditRow;
use aims_db::objectives::ObjectiveRow;
use aims_db::record::{Entity, Register};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::record::parse_yes_no;
use aims_domain::registers::{AiRole, AutomationLevel, LifecycleStage, RiskTier};
use aims_domain::systems::{
    AI_SYSTEM_HUMAN_OVERSIGHT, AI_SYSTEM_INTENDED_USE, AI_SYSTEM_KNOWN_MISUSE, AI_SYSTEM_NAME,
    AI_SYSTEM_PERSONAL_DATA_CATEGORIES, AI_SYSTEM_PURPOSE, AI_SYSTEM_SUPPLIER, AI_SYSTEM_TECHNIQUE,
};
use aims_domain::{Action, AiSystemId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
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
        .archivable(
            "/o/{slug}/ai-systems/{system_id}/archive",
            "/o/{slug}/ai-systems/{system_id}/restore",
            RegisterPages { register: Register::AiSystems, list: "ai-systems", show: SHOW },
        )
}

const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    in_scope: String,
    #[serde(default)]
    archived: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> AiSystemFilter {
        AiSystemFilter {
            tier: self.tier.parse().ok(),
            stage: self.stage.parse().ok(),
            in_scope: parse_yes_no(&self.in_scope),
            archived: parse_yes_no(&self.archived).unwrap_or(false),
        }
    }

    /// The filters as a query string ending in `&`, for pagination and export links.
    fn query_string(&self) -> String {
        let mut q = String::new();
        for (k, v) in
            [("tier", &self.tier), ("stage", &self.stage), ("in_scope", &self.in_scope), ("archived", &self.archived)]
        {
            if !v.is_empty() {
                q.push_str(&format!("{k}={}&", url_encode(v)));
            }
        }
        q
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ai_systems/index.html", blocks = ["results"])]
struct AiSystemIndexPage {
    page: PageCtx,
    ws: Workspace,
    systems: Paged<AiSystemRow>,
    query: ListQuery,
    query_string: String,
    tiers: Vec<SelectOption>,
    stages: Vec<SelectOption>,
    scopes: Vec<SelectOption>,
    filter: AiSystemFilter,
    can_edit: bool,
}

impl AiSystemIndexPage {
    fn filtered(&self) -> bool {
        let f = &self.filter;
        f.tier.is_some() || f.stage.is_some() || f.in_scope.is_some()
    }
}

async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let filter = query.filter();
    let list = ai_systems::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    let index = AiSystemIndexPage {
        query_string: query.query_string(),
        can_edit: ws.may(Action::Edit),
        tiers: forms::enum_filter::<RiskTier>("Any risk tier"),
        stages: forms::enum_filter::<LifecycleStage>("Any stage"),
        scopes: vec![
            SelectOption::new("", "In or out of scope"),
            SelectOption::new("yes", "In scope"),
            SelectOption::new("no", "Out of scope"),
        ],
        page,
        ws,
        systems: list,
        query,
        filter,
    };
    kit::page_or_part(hx, index, |p| p.as_results().render())
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
                s.ai_role.label().to_string(),
                s.lifecycle_stage.label().to_string(),
                s.technique.clone(),
                yes_no(s.personal_data),
                s.personal_data_categories.clone(),
                s.automation_level.label().to_string(),
                s.human_oversight.clone(),
                s.risk_tier.label().to_string(),
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
    /// A ticked checkbox sends `yes`; an unticked one sends nothing.
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

fn tick(on: bool) -> String {
    if on { "yes".into() } else { String::new() }
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
            ai_role: s.ai_role.as_str().into(),
            lifecycle_stage: s.lifecycle_stage.as_str().into(),
            technique: s.technique.clone(),
            personal_data: tick(s.personal_data),
            personal_data_categories: s.personal_data_categories.clone(),
            automation_level: s.automation_level.as_str().into(),
            human_oversight: s.human_oversight.clone(),
            risk_tier: s.risk_tier.as_str().into(),
            owner_id: s.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            in_scope: tick(s.in_scope),
            supplier: s.supplier.clone(),
            version: s.version,
        }
    }

    fn uses_personal_data(&self) -> bool {
        parse_yes_no(&self.personal_data).unwrap_or(false)
    }

    fn is_in_scope(&self) -> bool {
        parse_yes_no(&self.in_scope).unwrap_or(false)
    }

    fn parse(&self) -> Result<AiSystemInput, FormErrors> {
        let mut errors = FormErrors::new();
        let name = forms::text(&AI_SYSTEM_NAME, &self.name, &mut errors);
        let purpose = forms::text(&AI_SYSTEM_PURPOSE, &self.purpose, &mut errors);
        let intended_use = forms::text(&AI_SYSTEM_INTENDED_USE, &self.intended_use, &mut errors);
        let known_misuse = forms::text(&AI_SYSTEM_KNOWN_MISUSE, &self.known_misuse, &mut errors);
        let technique = forms::text(&AI_SYSTEM_TECHNIQUE, &self.technique, &mut errors);
        let human_oversight = forms::text(&AI_SYSTEM_HUMAN_OVERSIGHT, &self.human_oversight, &mut errors);
        let supplier = forms::text(&AI_SYSTEM_SUPPLIER, &self.supplier, &mut errors);
        let categories = forms::text(&AI_SYSTEM_PERSONAL_DATA_CATEGORIES, &self.personal_data_categories, &mut errors);
        let personal_data = self.uses_personal_data();
        match &categories {
            Some(c) if personal_data && c.is_empty() => {
                errors.add("personal_data_categories", "Name the categories of personal data the system uses.")
            }
            Some(c) if !personal_data && !c.is_empty() => errors.add(
                "personal_data_categories",
                "Tick “Uses personal data”, or leave the categories empty when it uses none.",
            ),
            _ => {}
        }
        // Each select names what to choose; an unknown key is a tampered or stale form.
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
        let owner_id = forms::parse_member("owner_id", &self.owner_id, &mut errors);
        match (
            name,
            purpose,
            intended_use,
            known_misuse,
            technique,
            human_oversight,
            supplier,
            categories,
            ai_role,
            lifecycle_stage,
            automation_level,
            risk_tier,
            owner_id,
        ) {
            (
                Some(name),
                Some(purpose),
                Some(intended_use),
                Some(known_misuse),
                Some(technique),
                Some(human_oversight),
                Some(supplier),
                Some(personal_data_categories),
                Some(ai_role),
                Some(lifecycle_stage),
                Some(automation_level),
                Some(risk_tier),
                Some(owner_id),
            ) if errors.is_empty() => Ok(AiSystemInput {
                name,
                purpose,
                intended_use,
                known_misuse,
                ai_role,
                lifecycle_stage,
                technique,
                personal_data,
                personal_data_categories,
                automation_level,
                human_oversight,
                risk_tier,
                owner_id,
                in_scope: self.is_in_scope(),
                supplier,
            }),
            _ => Err(errors),
        }
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
    conflict: Option<Conflict>,
}

impl EditPage for AiSystemFormPage {
    type Row = AiSystemRow;
    type Form = AiSystemForm;

    async fn load(cx: Ctx, system: Option<AiSystemRow>, form: AiSystemForm, errors: FormErrors) -> AppResult<Self> {
        let Ctx { state, ws, page, .. } = cx;
        let mut tx = ws.begin(&state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        Ok(AiSystemFormPage {
            owners: forms::member_options(&members, "— Nobody yet —"),
            roles: forms::enum_options::<AiRole>(),
            stages: forms::enum_options::<LifecycleStage>(),
            automations: forms::enum_options::<AutomationLevel>(),
            tiers: forms::enum_options::<RiskTier>(),
            conflict: None,
            page,
            ws,
            system,
            form,
            errors,
        })
    }

    fn form_of(row: &AiSystemRow) -> AiSystemForm {
        AiSystemForm::from_row(row)
    }

    fn rebase(form: AiSystemForm, row: &AiSystemRow) -> AiSystemForm {
        AiSystemForm { version: row.version, ..form }
    }

    fn shown(&self, f: &AiSystemForm) -> Vec<(&'static str, String)> {
        let yes = |on: bool| if on { "Yes" } else { "No" }.to_string();
        vec![
            ("Name", f.name.clone()),
            ("Purpose", f.purpose.clone()),
            ("Intended use", f.intended_use.clone()),
            ("Known and foreseeable misuse", f.known_misuse.clone()),
            ("Technique", f.technique.clone()),
            ("Supplier", f.supplier.clone()),
            ("The organisation's AI role", forms::option_label(&self.roles, &f.ai_role)),
            ("Life-cycle stage", forms::option_label(&self.stages, &f.lifecycle_stage)),
            ("EU AI Act risk tier", forms::option_label(&self.tiers, &f.risk_tier)),
            ("Owner", forms::option_label(&self.owners, &f.owner_id)),
            ("In scope of the AIMS", yes(f.is_in_scope())),
            ("Uses personal data", yes(f.uses_personal_data())),
            ("Categories of personal data", f.personal_data_categories.clone()),
            ("Level of automation", forms::option_label(&self.automations, &f.automation_level)),
            ("Human oversight", f.human_oversight.clone()),
        ]
    }

    fn form(&self) -> &AiSystemForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

async fn new_form(cx: Ctx) -> AppResult<Response> {
    cx.new_form::<AiSystemFormPage>(AiSystemForm::for_new()).await
}

async fn create(cx: Ctx, AppForm(form): AppForm<AiSystemForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| ai_systems::create(tx, &input).await).await?,
    };
    cx.created::<AiSystemFormPage>(outcome, form, |row| {
        (format!("ai-systems/{}", row.system_id), format!("{} added to the inventory.", row.reference()))
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/ai_systems/show.html")]
struct AiSystemShowPage {
    page: PageCtx,
    ws: Workspace,
    system: AiSystemRow,
    objectives: Vec<ObjectiveRow>,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let id = AiSystemId(id);
    let mut tx = ws.begin(&state).await?;
    let system = ai_systems::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let objectives = aims_db::objectives::for_system(&mut tx, id).await?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::AiSystem, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(AiSystemShowPage {
        archived: Archived::from_history(system.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        system,
        objectives,
        history,
    }
    .into_response())
}

async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, AiSystemId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| ai_systems::get(tx, id).await).await?;
    cx.edit_form::<AiSystemFormPage>(row, SHOW, id.0).await
}

async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, AiSystemId)>,
    AppForm(form): AppForm<AiSystemForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| ai_systems::update(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &AiSystemRow| format!("{} saved.", row.reference());
    cx.updated::<AiSystemFormPage>(outcome, form, id.0, format!("ai-systems/{id}"), saved, SHOW, async |tx| {
        ai_systems::get(tx, id).await
    })
    .await
}
