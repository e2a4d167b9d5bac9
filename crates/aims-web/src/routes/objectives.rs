//! AI objectives (clause 6.2, step 1): what the AIMS is to achieve, how it is measured, the
//! target, owner, due date, status and the AI systems each objective concerns. Filter by status,
//! pages.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, MultiForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption, parse_optional_date};
use crate::kit::invalid;
use crate::routes::steps::{owner_options, parse_owner};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::objectives::{self, ObjectiveError, ObjectiveFilter, ObjectiveInput, ObjectiveRow};
use aims_domain::Action;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::ObjectiveStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/objectives", index)
        .get("/o/{slug}/objectives.csv", export_csv)
        .get("/o/{slug}/objectives/new", new_form)
        .post("/o/{slug}/objectives", create)
        .get("/o/{slug}/objectives/{objective_id}", show)
        .get("/o/{slug}/objectives/{objective_id}/edit", edit_form)
        .post("/o/{slug}/objectives/{objective_id}", update)
        .post("/o/{slug}/objectives/{objective_id}/archive", archive)
}

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> ObjectiveFilter {
        ObjectiveFilter { status: self.status.parse().ok() }
    }

    /// The filters as a query string ending in `&`, for pagination links.
    fn query_string(&self) -> String {
        if self.status.is_empty() { String::new() } else { format!("status={}&", url_encode(&self.status)) }
    }
}

fn status_options() -> Vec<SelectOption> {
    ObjectiveStatus::ALL.iter().map(|s| SelectOption::new(s.as_str(), s.label())).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/objectives/index.html")]
struct ObjectiveIndexPage {
    page: PageCtx,
    ws: Workspace,
    objectives: Paged<ObjectiveRow>,
    query: ListQuery,
    /// `?` plus the filters, for page links.
    pager_base: String,
    statuses: Vec<SelectOption>,
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
    let list = objectives::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    let mut statuses = status_options();
    statuses.insert(0, SelectOption::new("", "Any status"));
    Ok(ObjectiveIndexPage {
        filtered: filter.status.is_some(),
        pager_base: format!("?{}", query.query_string()),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        objectives: list,
        query,
        statuses,
    })
}

/// Every objective matching the filters as CSV, page by page so each page's AI systems load in
/// one query.
async fn export_csv(
    State(state): State<AppState>,
    ws: Workspace,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let filter = query.filter();
    let mut all = Vec::new();
    let mut number = 1;
    loop {
        let page = PageRequest::new(Some(number), Some(aims_domain::paging::MAX_PER_PAGE));
        let batch = objectives::list(&mut tx, &filter, page).await?;
        let more = batch.next().is_some();
        all.extend(batch.rows);
        if !more {
            break;
        }
        number += 1;
    }
    tx.commit().await?;
    let header =
        ["Reference", "Objective", "Measure", "Target", "Owner", "Due date", "Status", "AI systems", "Updated"];
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|o| {
            let systems: Vec<String> = o
                .systems
                .iter()
                .map(|s| {
                    format!("{} {}", aims_db::refs::format_ref(aims_db::refs::RefRegister::AiSystems, s.ref_no), s.name)
                })
                .collect();
            vec![
                o.reference(),
                o.objective.clone(),
                o.measure.clone(),
                o.target.clone(),
                o.owner_name.clone().unwrap_or_default(),
                o.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
                o.status().label().to_string(),
                systems.join("; "),
                crate::view::datetime(&o.updated_at),
            ]
        })
        .collect();
    crate::export::csv(&format!("objectives-{}-{}.csv", ws.org.slug, crate::view::date(&ws.org.today)), &header, &rows)
}

/// Objective form values, kept as typed. `system_ids` repeats, so the form is read with
/// `axum_extra`'s `Form` (serde_html_form).
#[derive(Debug, Default, Deserialize)]
pub struct ObjectiveForm {
    #[serde(default)]
    objective: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    system_ids: Vec<String>,
    #[serde(default)]
    version: i32,
}

impl ObjectiveForm {
    fn from_row(o: &ObjectiveRow) -> Self {
        ObjectiveForm {
            objective: o.objective.clone(),
            measure: o.measure.clone(),
            target: o.target.clone(),
            owner_id: o.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            due_date: o.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
            status: o.status.clone(),
            system_ids: o.systems.iter().map(|s| s.system_id.to_string()).collect(),
            version: o.version,
        }
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<ObjectiveInput> {
        let objective = self.objective.trim();
        if objective.is_empty() {
            errors.add("objective", "Enter the objective.");
        } else if objective.chars().count() > 500 {
            errors.add("objective", "An objective has at most 500 characters.");
        }
        if self.measure.chars().count() > 5_000 {
            errors.add("measure", "How it is measured has at most 5,000 characters.");
        }
        let target = self.target.trim();
        if target.chars().count() > 1_000 {
            errors.add("target", "The target has at most 1,000 characters.");
        }
        let owner_id = parse_owner(&self.owner_id, errors);
        let due_date = errors.check("due_date", parse_optional_date(&self.due_date));
        let status = errors.check("status", self.status.parse::<ObjectiveStatus>().map_err(|_| "Choose a status."));
        let system_ids = errors.check(
            "system_ids",
            self.system_ids
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Uuid>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| "Choose AI systems from the inventory."),
        );
        if !errors.is_empty() {
            return None;
        }
        Some(ObjectiveInput {
            objective: objective.to_string(),
            measure: self.measure.clone(),
            target: target.to_string(),
            owner_id: owner_id?,
            due_date: due_date?,
            status: status?,
            system_ids: system_ids?,
        })
    }

    fn has_system(&self, id: &str) -> bool {
        self.system_ids.iter().any(|s| s.trim() == id)
    }
}

/// One AI system checkbox of the objective form.
#[derive(Debug, Clone)]
pub struct SystemOption {
    /// The system id.
    pub value: String,
    /// `AI-003 Credit scoring`.
    pub label: String,
    /// Whether it is ticked.
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/objectives/form.html")]
struct ObjectiveFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new objective.
    objective: Option<ObjectiveRow>,
    form: ObjectiveForm,
    errors: FormErrors,
    owners: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    systems: Vec<SystemOption>,
    /// Someone saved first: the stored values are shown above the user's.
    conflict: bool,
}

impl ObjectiveFormPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        objective: Option<ObjectiveRow>,
        form: ObjectiveForm,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        let choices = aims_db::ai_systems::choices(&mut tx).await?;
        tx.commit().await?;
        let mut systems: Vec<SystemOption> = choices
            .iter()
            .map(|c| {
                let value = c.system_id.to_string();
                SystemOption { checked: form.has_system(&value), label: c.label(), value }
            })
            .collect();
        // Systems archived since they were linked stay choosable, so saving does not drop them.
        if let Some(o) = &objective {
            for s in o.systems.iter().filter(|s| s.archived) {
                let value = s.system_id.to_string();
                systems.push(SystemOption {
                    checked: form.has_system(&value),
                    label: format!("{} {} (archived)", s.reference(), s.name),
                    value,
                });
            }
        }
        Ok(ObjectiveFormPage {
            owners: owner_options(&members),
            statuses: status_options(),
            conflict: false,
            systems,
            page,
            ws,
            objective,
            form,
            errors,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    /// Pre-ticks an AI system (from the system's page).
    #[serde(default)]
    system: String,
}

async fn new_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<NewQuery>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let system_ids = if q.system.is_empty() { Vec::new() } else { vec![q.system] };
    let form = ObjectiveForm { status: ObjectiveStatus::Planned.as_str().into(), system_ids, ..Default::default() };
    ObjectiveFormPage::load(&state, ws, page, None, form, FormErrors::new()).await
}

fn objective_error(err: ObjectiveError, errors: &mut FormErrors) -> Result<Option<Box<ObjectiveRow>>, AppError> {
    match err {
        ObjectiveError::NotFound => Err(AppError::NotFound),
        ObjectiveError::Db(e) => Err(e.into()),
        ObjectiveError::NotAMember => {
            errors.add("owner_id", "The owner must be a member of this workspace.");
            Ok(None)
        }
        ObjectiveError::UnknownSystem => {
            errors.add("system_ids", "Choose AI systems from the inventory.");
            Ok(None)
        }
        ObjectiveError::Stale(current) => Ok(Some(current)),
    }
}

async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    MultiForm(form): MultiForm<ObjectiveForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        return Ok(invalid(ObjectiveFormPage::load(&state, ws, page, None, form, errors).await?));
    };
    let mut tx = ws.begin(&state).await?;
    match objectives::create(&mut tx, &input).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} created.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("objectives/{}", row.objective_id))).into_response())
        }
        Err(err) => {
            drop(tx);
            objective_error(err, &mut errors)?;
            Ok(invalid(ObjectiveFormPage::load(&state, ws, page, None, form, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/objectives/show.html")]
struct ObjectiveShowPage {
    page: PageCtx,
    ws: Workspace,
    objective: ObjectiveRow,
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
    let objective = objectives::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, aims_db::record::Entity::Objective, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(ObjectiveShowPage { can_edit: ws.may(Action::Edit) && !objective.archived(), page, ws, objective, history })
}

async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let objective = objectives::get(&mut tx, id).await?.filter(|o| !o.archived()).ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = ObjectiveForm::from_row(&objective);
    ObjectiveFormPage::load(&state, ws, page, Some(objective), form, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
    MultiForm(form): MultiForm<ObjectiveForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let current = objectives::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        drop(tx);
        return Ok(invalid(ObjectiveFormPage::load(&state, ws, page, Some(current), form, errors).await?));
    };
    match objectives::update(&mut tx, id, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} saved.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("objectives/{id}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            match objective_error(err, &mut errors)? {
                None => Ok(invalid(ObjectiveFormPage::load(&state, ws, page, Some(current), form, errors).await?)),
                Some(newer) => {
                    // Keep the user's values against the current version; show the stored ones.
                    let form = ObjectiveForm { version: newer.version, ..form };
                    let mut page = ObjectiveFormPage::load(&state, ws, page, Some(*newer), form, errors).await?;
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
    match aims_db::record::archive(&mut tx, aims_db::record::Register::Objectives, id, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} archived.", row.short))).await?;
            Ok(Redirect::to(&ws.path("objectives")).into_response())
        }
        Err(aims_db::record::WriteError::NotFound) => Err(AppError::NotFound),
        Err(aims_db::record::WriteError::Db(e)) => Err(e.into()),
        Err(_) => {
            Err(AppError::Conflict("Changed by someone else or archived already. Reload it and try again.".into()))
        }
    }
}
