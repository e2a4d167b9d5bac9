//! The roadmap (`/o/{slug}/steps`) and one step (`/o/{slug}/steps/{n}`): status, owner, due date,
//! notes, the task checklist, the clauses and controls it covers, and its history.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption, parse_optional_date};
use crate::kit::{self, Conflict, invalid};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::roadmap::{self, StepError, StepRow, StepUpdate, TaskError, TaskRow};
use aims_domain::catalogue::{Clause, Control, Phase, Step, Task, catalogue};
use aims_domain::roadmap::{self as rules, Progress, StepStatus, TaskState};
use aims_domain::{Action, roadmap::ClosedTasks};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/steps", index)
        .get("/o/{slug}/steps/{n}", show)
        .post("/o/{slug}/steps/{n}", update)
        .post("/o/{slug}/steps/{n}/tasks/{key}", close_task)
        .post("/o/{slug}/steps/{n}/tasks/{key}/reopen", reopen_task)
}

/// A step with its stored state, for the roadmap.
pub struct StepView {
    /// The catalogue entry.
    pub step: &'static Step,
    /// The workspace's row.
    pub row: StepRow,
    /// Its tasks' progress.
    pub progress: Progress,
    /// Past due and not done.
    pub overdue: bool,
}

/// A phase with its steps, for the roadmap.
pub struct PhaseView {
    /// The catalogue entry.
    pub phase: &'static Phase,
    /// Its tasks' progress.
    pub progress: Progress,
    /// Its steps.
    pub steps: Vec<StepView>,
    /// The phase the workspace is in.
    pub current: bool,
}

/// The roadmap of a workspace: phases, steps, overall progress, current phase.
pub struct Roadmap {
    /// The five phases.
    pub phases: Vec<PhaseView>,
    /// All tasks.
    pub overall: Progress,
    /// The current phase number.
    pub current_phase: u8,
}

impl Roadmap {
    /// Builds the roadmap from the stored steps and closed tasks.
    pub fn build(rows: Vec<StepRow>, closed: &ClosedTasks, today: time::Date) -> Self {
        let c = catalogue();
        let statuses = rows.iter().map(|r| (r.number(), r.status())).collect();
        let current_phase = rules::current_phase(c, &statuses);
        let mut rows: HashMap<u8, StepRow> = rows.into_iter().map(|r| (r.number(), r)).collect();
        let phases = c
            .phases
            .iter()
            .map(|phase| {
                let steps = phase
                    .steps
                    .iter()
                    .filter_map(|n| {
                        let step = c.step(*n)?;
                        let row = rows.remove(n)?;
                        let done = row.status() == StepStatus::Done;
                        Some(StepView {
                            progress: rules::step_progress(step, closed),
                            overdue: rules::is_overdue(row.due_date, today, done),
                            step,
                            row,
                        })
                    })
                    .collect();
                PhaseView {
                    phase,
                    progress: rules::phase_progress(c, phase.number, closed),
                    steps,
                    current: phase.number == current_phase,
                }
            })
            .collect();
        Roadmap { phases, overall: rules::overall_progress(c, closed), current_phase }
    }

    /// Every step, in order.
    pub fn steps(&self) -> impl Iterator<Item = &StepView> {
        self.phases.iter().flat_map(|p| p.steps.iter())
    }
}

/// Loads the roadmap of a workspace in one transaction.
pub async fn load_roadmap(state: &AppState, ws: &Workspace) -> AppResult<Roadmap> {
    let mut tx = ws.begin(state).await?;
    let rows = roadmap::list_steps(&mut tx).await?;
    let closed = roadmap::closed_tasks(&mut tx, None).await?;
    tx.commit().await?;
    Ok(Roadmap::build(rows, &roadmap::by_step(&closed), ws.org.today))
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/steps/index.html")]
struct RoadmapPage {
    page: PageCtx,
    ws: Workspace,
    roadmap: Roadmap,
}

async fn index(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let roadmap = load_roadmap(&state, &ws).await?;
    Ok(RoadmapPage { page, ws, roadmap })
}

/// A task with its state on the step page.
struct TaskView {
    task: &'static Task,
    closed: Option<TaskRow>,
    /// Link to the area where the task is done, once that area exists.
    area_link: Option<String>,
}

impl TaskView {
    fn is_na(&self) -> bool {
        self.closed.as_ref().is_some_and(|c| c.state == TaskState::NotApplicable.as_str())
    }
}

/// Step form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    version: i32,
}

impl StepForm {
    fn from_row(row: &StepRow) -> Self {
        StepForm {
            status: row.status.as_str().to_string(),
            owner_id: row.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            due_date: row.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
            notes: row.notes.clone(),
            version: row.version,
        }
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<StepUpdate> {
        let status = errors.check("status", self.status.parse::<StepStatus>());
        let owner_id = forms::parse_member("owner_id", &self.owner_id, errors);
        let due_date = errors.check("due_date", parse_optional_date(&self.due_date));
        if self.notes.chars().count() > 20_000 {
            errors.add("notes", "Notes have at most 20,000 characters.");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(StepUpdate { status: status?, owner_id: owner_id?, due_date: due_date?, notes: self.notes.clone() })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/steps/show.html")]
struct StepPage {
    page: PageCtx,
    ws: Workspace,
    step: &'static Step,
    phase: &'static Phase,
    row: StepRow,
    tasks: Vec<TaskView>,
    progress: Progress,
    overdue: bool,
    clauses: Vec<&'static Clause>,
    controls: Vec<&'static Control>,
    history: Vec<AuditRow>,
    form: StepForm,
    owners: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    errors: FormErrors,
    open_tasks: Vec<String>,
    /// A refused task change: (task key, message).
    task_error: Option<(String, String)>,
    /// Someone saved first: the stored values are shown next to the user's.
    conflict: Option<Conflict>,
    can_edit: bool,
    /// Whether the progress figure is sent out of band (htmx answers only).
    oob: bool,
}

impl StepPage {
    /// Each field's label and shown value, for the conflict banner.
    fn shown(&self, f: &StepForm) -> Vec<(&'static str, String)> {
        vec![
            ("Status", forms::option_label(&self.statuses, &f.status)),
            ("Owner", forms::option_label(&self.owners, &f.owner_id)),
            ("Due date", f.due_date.clone()),
            ("Notes", f.notes.clone()),
        ]
    }
}

/// A task and the step's progress figure, answered to htmx after a tick: the task replaces its
/// item, the figure is swapped out of band.
#[derive(Template, WebTemplate)]
#[template(path = "pages/steps/task_part.html")]
struct TaskPart {
    page: PageCtx,
    ws: Workspace,
    step: &'static Step,
    t: TaskView,
    task_error: Option<(String, String)>,
    row: StepRow,
    overdue: bool,
    progress: Progress,
    can_edit: bool,
    oob: bool,
}

impl TaskPart {
    /// The part of a loaded step page about one task (404 for a task the step does not have).
    fn of(page: StepPage, key: &str) -> AppResult<Self> {
        let t = page.tasks.into_iter().find(|t| t.task.key == key).ok_or(AppError::NotFound)?;
        Ok(TaskPart {
            page: page.page,
            ws: page.ws,
            step: page.step,
            t,
            task_error: page.task_error,
            row: page.row,
            overdue: page.overdue,
            progress: page.progress,
            can_edit: page.can_edit,
            oob: true,
        })
    }
}

/// After a task change: the task and the progress for htmx (with `status`), else 303 to the task.
async fn task_answer(
    state: &AppState,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    number: u8,
    key: String,
    error: Option<String>,
) -> AppResult<Response> {
    if !hx.0 && error.is_none() {
        return Ok(Redirect::to(&format!("{}#task-{key}", ws.path(&format!("steps/{number}")))).into_response());
    }
    let mut full = StepPage::load(state, ws, page, number, None, FormErrors::new()).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    full.task_error = error.map(|message| (key.clone(), message));
    if hx.0 {
        Ok((status, [(header::VARY, "HX-Request")], TaskPart::of(full, &key)?).into_response())
    } else {
        Ok(invalid(full))
    }
}

fn step_number(raw: &str) -> AppResult<u8> {
    raw.parse::<u8>().ok().filter(|n| catalogue().step(*n).is_some()).ok_or(AppError::NotFound)
}

impl StepPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        number: u8,
        form: Option<StepForm>,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let c = catalogue();
        let step = c.step(number).ok_or(AppError::NotFound)?;
        let mut tx = ws.begin(state).await?;
        let row = roadmap::get_step(&mut tx, number).await?.ok_or(AppError::NotFound)?;
        let closed = roadmap::closed_tasks(&mut tx, Some(number)).await?;
        let history = aims_db::audit::for_step(&mut tx, number, 30).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        let progress = rules::step_progress(step, &roadmap::by_step(&closed));
        let tasks = step
            .tasks
            .iter()
            .map(|task| TaskView {
                task,
                closed: closed.iter().find(|c| c.task_key == task.key).cloned(),
                area_link: crate::area::Area::from_key(&task.workbench_area)
                    .filter(|a| a.is_built())
                    .map(|a| ws.path(a.key())),
            })
            .collect();
        Ok(StepPage {
            phase: c.phase(step.phase).ok_or(AppError::NotFound)?,
            overdue: rules::is_overdue(row.due_date, ws.org.today, row.status() == StepStatus::Done),
            clauses: step.clauses.iter().filter_map(|id| c.clause(id)).collect(),
            controls: step.controls.iter().filter_map(|id| c.control(id)).collect(),
            form: form.unwrap_or_else(|| StepForm::from_row(&row)),
            owners: forms::member_options(&members, "— Nobody yet —"),
            statuses: forms::enum_options::<StepStatus>(),
            can_edit: ws.may(Action::Edit),
            open_tasks: Vec::new(),
            task_error: None,
            conflict: None,
            oob: false,
            page,
            ws,
            step,
            row,
            tasks,
            progress,
            history,
            errors,
        })
    }
}

async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, n)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let number = step_number(&n)?;
    StepPage::load(&state, ws, page, number, None, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, n)): Path<(String, String)>,
    AppForm(form): AppForm<StepForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let number = step_number(&n)?;
    let mut errors = FormErrors::new();
    let Some(update) = form.parse(&mut errors) else {
        return Ok(invalid(StepPage::load(&state, ws, page, number, Some(form), errors).await?));
    };
    let mut tx = ws.begin(&state).await?;
    match roadmap::update_step(&mut tx, number, &update, form.version).await {
        Ok(_) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("Step {number} saved."))).await?;
            Ok(Redirect::to(&ws.path(&format!("steps/{number}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            match err {
                StepError::NotFound => Err(AppError::NotFound),
                StepError::Db(e) => Err(e.into()),
                StepError::NotAMember => {
                    errors.add("owner_id", "The owner must be a member of this workspace.");
                    Ok(invalid(StepPage::load(&state, ws, page, number, Some(form), errors).await?))
                }
                StepError::OpenTasks(open) => {
                    errors.add("status", "A step is done only when every task is done or marked not applicable.");
                    let mut page = StepPage::load(&state, ws, page, number, Some(form), errors).await?;
                    page.open_tasks = open;
                    Ok(invalid(page))
                }
                StepError::Stale(current) => {
                    // The user's values stay in the form, now against the current version, so
                    // saving again re-applies them knowingly; the newer values are shown above.
                    let stored = StepForm::from_row(&current);
                    let form = StepForm { version: current.version, ..form };
                    let mut page = StepPage::load(&state, ws, page, number, Some(form), FormErrors::new()).await?;
                    page.conflict = Some(Conflict::between(page.shown(&stored), page.shown(&page.form)));
                    Ok(kit::conflict(page))
                }
            }
        }
    }
}

/// Task form values.
#[derive(Debug, Default, Deserialize)]
pub struct TaskForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    reason: String,
}

async fn close_task(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Path((_, n, key)): Path<(String, String, String)>,
    AppForm(form): AppForm<TaskForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let number = step_number(&n)?;
    let task_state: TaskState = form.state.parse().map_err(|_| AppError::BadRequest("unknown task state".into()))?;
    let mut tx = ws.begin(&state).await?;
    let error = match roadmap::close_task(&mut tx, number, &key, task_state, &form.reason).await {
        Ok(()) => {
            tx.commit().await?;
            None
        }
        Err(TaskError::NotFound) => return Err(AppError::NotFound),
        Err(TaskError::ReasonRequired) => Some("Say why this task does not apply.".to_string()),
        Err(TaskError::Db(e)) => return Err(e.into()),
    };
    task_answer(&state, ws, page, hx, number, key, error).await
}

async fn reopen_task(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Path((_, n, key)): Path<(String, String, String)>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let number = step_number(&n)?;
    let mut tx = ws.begin(&state).await?;
    match roadmap::reopen_task(&mut tx, number, &key).await {
        Ok(()) => tx.commit().await?,
        Err(TaskError::NotFound | TaskError::ReasonRequired) => return Err(AppError::NotFound),
        Err(TaskError::Db(e)) => return Err(e.into()),
    }
    task_answer(&state, ws, page, hx, number, key, None).await
}
