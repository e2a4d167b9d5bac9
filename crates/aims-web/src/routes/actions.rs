//! The implementation plan (step 4): actions with owner, due date, priority and status, linked to
//! a step and, when another area created them, to their source. Filters, pages and a CSV export.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome, RegisterPages};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::actions::{self, ActionFilter, ActionInput, ActionRow};
use aims_db::audit::AuditRow;
use aims_db::record::{Entity, Register};
use aims_domain::catalogue::catalogue;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::record::parse_yes_no;
use aims_domain::roadmap::{ACTION_DESCRIPTION, ACTION_TITLE, ActionStatus, Priority};
use aims_domain::{Action, ActionId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
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
        .archivable(
            "/o/{slug}/actions/{action_id}/archive",
            "/o/{slug}/actions/{action_id}/restore",
            RegisterPages {
                register: Register::Actions,
                list: "actions",
                show: |s, w, p, id| Box::pin(show_page(s, w, p, id)),
            },
        )
}

const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

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
    #[serde(default)]
    archived: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> ActionFilter {
        ActionFilter {
            owner_id: self.owner.parse().ok(),
            status: self.status.parse().ok(),
            step_number: self.step.parse().ok().filter(|n| catalogue().step(*n).is_some()),
            overdue: parse_yes_no(&self.overdue).unwrap_or(false),
            archived: parse_yes_no(&self.archived).unwrap_or(false),
        }
    }

    /// The filters as a query string ending in `&`, for pagination and export links.
    fn query_string(&self) -> String {
        let mut q = String::new();
        for (k, v) in [
            ("owner", &self.owner),
            ("status", &self.status),
            ("step", &self.step),
            ("overdue", &self.overdue),
            ("archived", &self.archived),
        ] {
            if !v.is_empty() {
                q.push_str(&format!("{k}={}&", url_encode(v)));
            }
        }
        q
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/actions/index.html", blocks = ["results"])]
struct ActionIndexPage {
    page: PageCtx,
    ws: Workspace,
    actions: Paged<ActionRow>,
    query: ListQuery,
    query_string: String,
    owners: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    steps: Vec<SelectOption>,
    filter: ActionFilter,
    can_edit: bool,
}

impl ActionIndexPage {
    fn filtered(&self) -> bool {
        let f = &self.filter;
        f.owner_id.is_some() || f.status.is_some() || f.step_number.is_some() || f.overdue
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
    let list = actions::list(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    let members = aims_db::members::choices(&mut tx).await?;
    tx.commit().await?;
    let index = ActionIndexPage {
        query_string: query.query_string(),
        can_edit: ws.may(Action::Edit),
        owners: forms::member_options(&members, "Any owner"),
        statuses: forms::enum_filter::<ActionStatus>("Any status"),
        steps: forms::step_options("Any step"),
        page,
        ws,
        actions: list,
        query,
        filter,
    };
    kit::page_or_part(hx, index, |p| p.as_results().render())
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
                a.priority.label().to_string(),
                a.status.label().to_string(),
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
            priority: a.priority.as_str().into(),
            status: a.status.as_str().into(),
            step: a.step_number.map(|n| n.to_string()).unwrap_or_default(),
            version: a.version,
        }
    }

    fn parse(&self) -> Result<ActionInput, FormErrors> {
        let mut errors = FormErrors::new();
        let title = forms::text(&ACTION_TITLE, &self.title, &mut errors);
        let description = forms::text(&ACTION_DESCRIPTION, &self.description, &mut errors);
        let owner_id = forms::parse_member("owner_id", &self.owner_id, &mut errors);
        let due_date = errors.check("due_date", forms::parse_optional_date(&self.due_date));
        let priority = forms::choice::<Priority>("priority", &self.priority, &mut errors);
        let status = forms::choice::<ActionStatus>("status", &self.status, &mut errors);
        let step_number = forms::parse_step("step", &self.step, &mut errors);
        match (title, description, owner_id, due_date, priority, status, step_number) {
            (
                Some(title),
                Some(description),
                Some(owner_id),
                Some(due_date),
                Some(priority),
                Some(status),
                Some(step_number),
            ) if errors.is_empty() => {
                Ok(ActionInput { title, description, owner_id, due_date, priority, status, step_number })
            }
            _ => Err(errors),
        }
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
    conflict: Option<Conflict>,
}

impl EditPage for ActionFormPage {
    type Row = ActionRow;
    type Form = ActionForm;

    async fn load(cx: Ctx, action: Option<ActionRow>, form: ActionForm, errors: FormErrors) -> AppResult<Self> {
        let Ctx { state, ws, page, .. } = cx;
        let mut tx = ws.begin(&state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        Ok(ActionFormPage {
            owners: forms::member_options(&members, "— Nobody yet —"),
            priorities: forms::enum_options::<Priority>(),
            statuses: forms::enum_options::<ActionStatus>(),
            steps: forms::step_options("— No particular step —"),
            conflict: None,
            page,
            ws,
            action,
            form,
            errors,
        })
    }

    fn form_of(row: &ActionRow) -> ActionForm {
        ActionForm::from_row(row)
    }

    fn rebase(form: ActionForm, row: &ActionRow) -> ActionForm {
        ActionForm { version: row.version, ..form }
    }

    fn shown(&self, f: &ActionForm) -> Vec<(&'static str, String)> {
        vec![
            ("Title", f.title.clone()),
            ("Description", f.description.clone()),
            ("Owner", forms::option_label(&self.owners, &f.owner_id)),
            ("Due date", f.due_date.clone()),
            ("Priority", forms::option_label(&self.priorities, &f.priority)),
            ("Status", forms::option_label(&self.statuses, &f.status)),
            ("Serves step", forms::option_label(&self.steps, &f.step)),
        ]
    }

    fn form(&self) -> &ActionForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    step: String,
}

async fn new_form(cx: Ctx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let form = ActionForm { priority: "medium".into(), status: "open".into(), step: q.step, ..Default::default() };
    cx.new_form::<ActionFormPage>(form).await
}

async fn create(cx: Ctx, AppForm(form): AppForm<ActionForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| actions::create(tx, &input, None).await).await?,
    };
    cx.created::<ActionFormPage>(outcome, form, |row| {
        (format!("actions/{}", row.action_id), format!("{} created.", row.reference()))
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/actions/show.html")]
struct ActionShowPage {
    page: PageCtx,
    ws: Workspace,
    action: ActionRow,
    step_title: Option<&'static str>,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let action = actions::get(&mut tx, ActionId(id)).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::Action, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(ActionShowPage {
        step_title: action.step_number.and_then(|n| catalogue().step(n as u8)).map(|s| s.title.as_str()),
        archived: Archived::from_history(action.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        action,
        history,
    }
    .into_response())
}

async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, ActionId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| actions::get(tx, id).await).await?;
    cx.edit_form::<ActionFormPage>(row, SHOW, id.0).await
}

async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, ActionId)>,
    AppForm(form): AppForm<ActionForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| actions::update(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &ActionRow| format!("{} saved.", row.reference());
    cx.updated::<ActionFormPage>(outcome, form, id.0, format!("actions/{id}"), saved, SHOW, async |tx| {
        actions::get(tx, id).await
    })
    .await
}
