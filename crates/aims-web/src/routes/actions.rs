//! The implementation plan (step 4): actions with owner, due date, priority and status, linked to
//! a step and, when another area created them, to their source. Filters, pages and a CSV export.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption, parse_optional_date};
use crate::routes::auth::invalid;
use crate::routes::steps::{owner_options, parse_owner};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::actions::{self, ActionError, ActionFilter, ActionInput, ActionRow};
use aims_db::audit::AuditRow;
use aims_domain::Action;
use aims_domain::catalogue::catalogue;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::roadmap::{ActionStatus, Priority};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/actions", index)
        .get("/o/{slug}/actions.csv", export_csv)
        .get("/o/{slug}/actions/new", new_form)
        .post("/o/{slug}/actions", create)
        .get("/o/{slug}/actions/{action_id}", show)
        .get("/o/{slug}/actions/{action_id}/edit", edit_form)
        .post("/o/{slug}/actions/{action_id}", update)
        .post("/o/{slug}/actions/{action_id}/archive", archive)
}

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    owner: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    overdue: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> ActionFilter {
        ActionFilter {
            owner_id: self.owner.parse().ok(),
            status: self.status.parse().ok(),
            step_number: self.step.parse().ok().filter(|n| catalogue().step(*n).is_some()),
            overdue: !self.overdue.is_empty(),
        }
    }

    /// The filters as a query string ending in `&`, for pagination and export links.
    fn query_string(&self) -> String {
        let mut q = String::new();
        for (k, v) in
            [("owner", &self.owner), ("status", &self.status), ("step", &self.step), ("overdue", &self.overdue)]
        {
            if !v.is_empty() {
                q.push_str(&format!("{k}={}&", url_encode(v)));
            }
        }
        q
    }
}

fn status_options() -> Vec<SelectOption> {
    ActionStatus::ALL.iter().map(|s| SelectOption::new(s.as_str(), s.label())).collect()
}

fn priority_options() -> Vec<SelectOption> {
    Priority::ALL.iter().map(|p| SelectOption::new(p.as_str(), p.label())).collect()
}

fn step_options(empty_label: &str) -> Vec<SelectOption> {
    std::iter::once(SelectOption::new("", empty_label))
        .chain(
            catalogue()
                .steps
                .iter()
                .map(|s| SelectOption::new(s.number.to_string(), format!("{}. {}", s.number, s.title))),
        )
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/actions/index.html")]
struct ActionIndexPage {
    page: PageCtx,
    ws: Workspace,
    actions: Paged<ActionRow>,
    query: ListQuery,
    query_string: String,
    /// `?` plus the filters, for page links.
    pager_base: String,
    owners: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    steps: Vec<SelectOption>,
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
    let list = actions::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    let members = aims_db::members::choices(&mut tx).await?;
    tx.commit().await?;
    let mut owners = owner_options(&members);
    owners[0] = SelectOption::new("", "Any owner");
    let mut statuses = status_options();
    statuses.insert(0, SelectOption::new("", "Any status"));
    Ok(ActionIndexPage {
        filtered: filter.owner_id.is_some()
            || filter.status.is_some()
            || filter.step_number.is_some()
            || filter.overdue,
        query_string: query.query_string(),
        pager_base: format!("?{}", query.query_string()),
        can_edit: ws.may(Action::Edit),
        steps: step_options("Any step"),
        page,
        ws,
        actions: list,
        query,
        owners,
        statuses,
    })
}

async fn export_csv(
    State(state): State<AppState>,
    ws: Workspace,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let rows = actions::export(&mut tx, &query.filter()).await?;
    tx.commit().await?;
    let header = [
        "Reference",
        "Title",
        "Description",
        "Owner",
        "Due date",
        "Priority",
        "Status",
        "Step",
        "Source",
        "Overdue",
        "Created",
        "Updated",
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|a| {
            vec![
                a.reference(),
                a.title.clone(),
                a.description.clone(),
                a.owner_name.clone().unwrap_or_default(),
                a.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
                a.priority().label().to_string(),
                a.status().label().to_string(),
                a.step_number.map(|n| n.to_string()).unwrap_or_default(),
                a.source_label.clone(),
                if a.overdue { "yes" } else { "no" }.to_string(),
                crate::view::datetime(&a.created_at),
                crate::view::datetime(&a.updated_at),
            ]
        })
        .collect();
    crate::export::csv(&format!("actions-{}-{}.csv", ws.org.slug, crate::view::date(&ws.org.today)), &header, &rows)
}

/// Action form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    due_date: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    step: String,
    #[serde(default)]
    version: i32,
}

impl ActionForm {
    fn from_row(a: &ActionRow) -> Self {
        ActionForm {
            title: a.title.clone(),
            description: a.description.clone(),
            owner_id: a.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            due_date: a.due_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
            priority: a.priority.clone(),
            status: a.status.clone(),
            step: a.step_number.map(|n| n.to_string()).unwrap_or_default(),
            version: a.version,
        }
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<ActionInput> {
        let title = self.title.trim();
        if title.is_empty() {
            errors.add("title", "Enter a title.");
        } else if title.chars().count() > 300 {
            errors.add("title", "A title has at most 300 characters.");
        }
        if self.description.chars().count() > 50_000 {
            errors.add("description", "The description has at most 50,000 characters.");
        }
        let owner_id = parse_owner(&self.owner_id, errors);
        let due_date = errors.check("due_date", parse_optional_date(&self.due_date));
        let priority = errors.check("priority", self.priority.parse::<Priority>());
        let status = errors.check("status", self.status.parse::<ActionStatus>());
        let step_number = if self.step.trim().is_empty() {
            Some(None)
        } else {
            errors.check(
                "step",
                self.step
                    .trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|n| catalogue().step(*n).is_some())
                    .map(Some)
                    .ok_or("Choose a step."),
            )
        };
        if !errors.is_empty() {
            return None;
        }
        Some(ActionInput {
            title: title.to_string(),
            description: self.description.clone(),
            owner_id: owner_id?,
            due_date: due_date?,
            priority: priority?,
            status: status?,
            step_number: step_number?,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/actions/form.html")]
struct ActionFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new action.
    action: Option<ActionRow>,
    form: ActionForm,
    errors: FormErrors,
    owners: Vec<SelectOption>,
    priorities: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    steps: Vec<SelectOption>,
    /// Someone saved first: the stored values are shown above the user's.
    conflict: bool,
}

impl ActionFormPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        action: Option<ActionRow>,
        form: ActionForm,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        Ok(ActionFormPage {
            owners: owner_options(&members),
            priorities: priority_options(),
            statuses: status_options(),
            steps: step_options("— No particular step —"),
            conflict: false,
            page,
            ws,
            action,
            form,
            errors,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    step: String,
}

async fn new_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<NewQuery>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let form = ActionForm { priority: "medium".into(), status: "open".into(), step: q.step, ..Default::default() };
    ActionFormPage::load(&state, ws, page, None, form, FormErrors::new()).await
}

fn action_error(err: ActionError, errors: &mut FormErrors) -> Result<Option<Box<ActionRow>>, AppError> {
    match err {
        ActionError::NotFound => Err(AppError::NotFound),
        ActionError::Db(e) => Err(e.into()),
        ActionError::NotAMember => {
            errors.add("owner_id", "The owner must be a member of this workspace.");
            Ok(None)
        }
        ActionError::Stale(current) => Ok(Some(current)),
    }
}

async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<ActionForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        return Ok(invalid(ActionFormPage::load(&state, ws, page, None, form, errors).await?));
    };
    let mut tx = ws.begin(&state).await?;
    match actions::create(&mut tx, &input, None).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} created.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("actions/{}", row.action_id))).into_response())
        }
        Err(err) => {
            drop(tx);
            action_error(err, &mut errors)?;
            Ok(invalid(ActionFormPage::load(&state, ws, page, None, form, errors).await?))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/actions/show.html")]
struct ActionShowPage {
    page: PageCtx,
    ws: Workspace,
    action: ActionRow,
    step_title: Option<&'static str>,
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
    let action = actions::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, "action", &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(ActionShowPage {
        step_title: action.step_number.and_then(|n| catalogue().step(n as u8)).map(|s| s.title.as_str()),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        action,
        history,
    })
}

async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let action = actions::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = ActionForm::from_row(&action);
    ActionFormPage::load(&state, ws, page, Some(action), form, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<ActionForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let current = actions::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        drop(tx);
        return Ok(invalid(ActionFormPage::load(&state, ws, page, Some(current), form, errors).await?));
    };
    match actions::update(&mut tx, id, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} saved.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path(&format!("actions/{id}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            match action_error(err, &mut errors)? {
                None => Ok(invalid(ActionFormPage::load(&state, ws, page, Some(current), form, errors).await?)),
                Some(newer) => {
                    // Keep the user's values against the current version; show the stored ones.
                    let form = ActionForm { version: newer.version, ..form };
                    let mut page = ActionFormPage::load(&state, ws, page, Some(*newer), form, errors).await?;
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
    match actions::archive(&mut tx, id, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} archived.", row.reference()))).await?;
            Ok(Redirect::to(&ws.path("actions")).into_response())
        }
        Err(ActionError::Stale(current)) => Err(AppError::Conflict(format!(
            "{} was changed by someone else or is archived already. Reload it and try again.",
            current.reference()
        ))),
        Err(ActionError::NotFound | ActionError::NotAMember) => Err(AppError::NotFound),
        Err(ActionError::Db(e)) => Err(e.into()),
    }
}
