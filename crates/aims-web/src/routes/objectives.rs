//! AI objectives (clause 6.2, step 1): what the AIMS is to achieve, how it is measured, the
//! target, owner, due date, status and the AI systems each objective concerns. Filter by status,
//! pages, a CSV export.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{HxRequest, MultiForm, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome, RegisterPages};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::objectives::{self, ObjectiveFilter, ObjectiveInput, ObjectiveRow};
use aims_db::record::{Entity, Register};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::record::parse_yes_no;
use aims_domain::registers::ObjectiveStatus;
use aims_domain::systems::{OBJECTIVE_MEASURE, OBJECTIVE_TARGET, OBJECTIVE_TEXT};
use aims_domain::{Action, AiSystemId, ObjectiveId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
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
        .archivable(
            "/o/{slug}/objectives/{objective_id}/archive",
            "/o/{slug}/objectives/{objective_id}/restore",
            RegisterPages { register: Register::Objectives, list: "objectives", show: SHOW },
        )
}

const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    archived: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> ObjectiveFilter {
        ObjectiveFilter { status: self.status.parse().ok(), archived: parse_yes_no(&self.archived).unwrap_or(false) }
    }

    /// The filters as a query string ending in `&`, for pagination and export links.
    fn query_string(&self) -> String {
        let mut q = String::new();
        for (k, v) in [("status", &self.status), ("archived", &self.archived)] {
            if !v.is_empty() {
                q.push_str(&format!("{k}={}&", url_encode(v)));
            }
        }
        q
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/objectives/index.html", blocks = ["results"])]
struct ObjectiveIndexPage {
    page: PageCtx,
    ws: Workspace,
    objectives: Paged<ObjectiveRow>,
    query: ListQuery,
    query_string: String,
    statuses: Vec<SelectOption>,
    filter: ObjectiveFilter,
    can_edit: bool,
}

impl ObjectiveIndexPage {
    fn filtered(&self) -> bool {
        self.filter.status.is_some()
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
    let list = objectives::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    let index = ObjectiveIndexPage {
        query_string: query.query_string(),
        can_edit: ws.may(Action::Edit),
        statuses: forms::enum_filter::<ObjectiveStatus>("Any status"),
        page,
        ws,
        objectives: list,
        query,
        filter,
    };
    kit::page_or_part(hx, index, |p| p.as_results().render())
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
            let systems: Vec<String> = o.systems.iter().map(|s| format!("{} {}", s.reference(), s.name)).collect();
            vec![
                o.reference(),
                o.objective.clone(),
                o.measure.clone(),
                o.target.clone(),
                o.owner_name.clone().unwrap_or_default(),
                o.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
                o.status.label().to_string(),
                systems.join("; "),
                crate::view::datetime(&o.updated_at),
            ]
        })
        .collect();
    crate::export::csv(&format!("objectives-{}-{}.csv", ws.org.slug, crate::view::date(&ws.org.today)), &header, &rows)
}

/// Objective form values, kept as typed. `system_ids` repeats, so the form is read with
/// [`MultiForm`].
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
            status: o.status.as_str().into(),
            system_ids: o.systems.iter().map(|s| s.system_id.to_string()).collect(),
            version: o.version,
        }
    }

    fn parse(&self) -> Result<ObjectiveInput, FormErrors> {
        let mut errors = FormErrors::new();
        let objective = forms::text(&OBJECTIVE_TEXT, &self.objective, &mut errors);
        let measure = forms::text(&OBJECTIVE_MEASURE, &self.measure, &mut errors);
        let target = forms::text(&OBJECTIVE_TARGET, &self.target, &mut errors);
        let owner_id = forms::parse_member("owner_id", &self.owner_id, &mut errors);
        let due_date = errors.check("due_date", forms::parse_optional_date(&self.due_date));
        let status = errors.check("status", self.status.parse::<ObjectiveStatus>().map_err(|_| "Choose a status."));
        let system_ids = errors.check(
            "system_ids",
            self.system_ids
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Uuid>().map(AiSystemId))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| "Choose AI systems from the inventory."),
        );
        match (objective, measure, target, owner_id, due_date, status, system_ids) {
            (
                Some(objective),
                Some(measure),
                Some(target),
                Some(owner_id),
                Some(due_date),
                Some(status),
                Some(system_ids),
            ) if errors.is_empty() => {
                Ok(ObjectiveInput { objective, measure, target, owner_id, due_date, status, system_ids })
            }
            _ => Err(errors),
        }
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
    conflict: Option<Conflict>,
}

impl EditPage for ObjectiveFormPage {
    type Row = ObjectiveRow;
    type Form = ObjectiveForm;

    async fn load(
        cx: Ctx,
        objective: Option<ObjectiveRow>,
        form: ObjectiveForm,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let Ctx { state, ws, page, .. } = cx;
        let mut tx = ws.begin(&state).await?;
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
            owners: forms::member_options(&members, "— Nobody yet —"),
            statuses: forms::enum_options::<ObjectiveStatus>(),
            conflict: None,
            systems,
            page,
            ws,
            objective,
            form,
            errors,
        })
    }

    fn form_of(row: &ObjectiveRow) -> ObjectiveForm {
        ObjectiveForm::from_row(row)
    }

    fn rebase(form: ObjectiveForm, row: &ObjectiveRow) -> ObjectiveForm {
        ObjectiveForm { version: row.version, ..form }
    }

    fn shown(&self, f: &ObjectiveForm) -> Vec<(&'static str, String)> {
        let systems: Vec<&str> = self
            .systems
            .iter()
            .filter(|o| f.has_system(&o.value))
            .map(|o| o.label.split(' ').next().unwrap_or_default())
            .collect();
        vec![
            ("Objective", f.objective.clone()),
            ("How it is measured", f.measure.clone()),
            ("Target", f.target.clone()),
            ("Owner", forms::option_label(&self.owners, &f.owner_id)),
            ("Due date", f.due_date.clone()),
            ("Status", forms::option_label(&self.statuses, &f.status)),
            ("Related AI systems", systems.join(", ")),
        ]
    }

    fn form(&self) -> &ObjectiveForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    /// Pre-ticks an AI system (from the system's page).
    #[serde(default)]
    system: String,
}

async fn new_form(cx: Ctx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let system_ids = if q.system.is_empty() { Vec::new() } else { vec![q.system] };
    let form = ObjectiveForm { status: ObjectiveStatus::Planned.as_str().into(), system_ids, ..Default::default() };
    cx.new_form::<ObjectiveFormPage>(form).await
}

async fn create(cx: Ctx, MultiForm(form): MultiForm<ObjectiveForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| objectives::create(tx, &input).await).await?,
    };
    cx.created::<ObjectiveFormPage>(outcome, form, |row| {
        (format!("objectives/{}", row.objective_id), format!("{} created.", row.reference()))
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/objectives/show.html")]
struct ObjectiveShowPage {
    page: PageCtx,
    ws: Workspace,
    objective: ObjectiveRow,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let objective = objectives::get(&mut tx, ObjectiveId(id)).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::Objective, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(ObjectiveShowPage {
        archived: Archived::from_history(objective.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        objective,
        history,
    }
    .into_response())
}

async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, ObjectiveId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| objectives::get(tx, id).await).await?;
    cx.edit_form::<ObjectiveFormPage>(row, SHOW, id.0).await
}

async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, ObjectiveId)>,
    MultiForm(form): MultiForm<ObjectiveForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| objectives::update(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &ObjectiveRow| format!("{} saved.", row.reference());
    cx.updated::<ObjectiveFormPage>(outcome, form, id.0, format!("objectives/{id}"), saved, SHOW, async |tx| {
        objectives::get(tx, id).await
    })
    .await
}
