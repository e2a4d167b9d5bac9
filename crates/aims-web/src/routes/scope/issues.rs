//! Internal and external issues (4.1): what inside and outside the organisation affects what the
//! AIMS can achieve. A list with filters, a page per issue, forms; archive and restore are the
//! kit's.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Outcome};
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::context::{self, IssueFilter, IssueInput, IssueRow};
use aims_db::record::Entity;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::record::parse_yes_no;
use aims_domain::registers::IssueKind;
use aims_domain::scope::{ISSUE_DESCRIPTION, ISSUE_EFFECT, ISSUE_TITLE};
use aims_domain::{Action, ContextIssueId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    archived: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> IssueFilter {
        IssueFilter { kind: self.kind.parse().ok(), archived: parse_yes_no(&self.archived).unwrap_or(false) }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/issues.html", blocks = ["results"])]
struct IssuesPage {
    page: PageCtx,
    ws: Workspace,
    issues: Paged<IssueRow>,
    query: ListQuery,
    query_string: String,
    kinds: Vec<SelectOption>,
    filter: IssueFilter,
    can_edit: bool,
}

pub(super) async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = query.filter();
    let mut tx = ws.begin(&state).await?;
    let issues = context::list_issues(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    let list = IssuesPage {
        query_string: super::query_string(&[("kind", &query.kind), ("archived", &query.archived)]),
        kinds: forms::enum_filter::<IssueKind>("Any kind"),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        issues,
        query,
        filter,
    };
    kit::page_or_part(hx, list, |p| p.as_results().render())
}

/// Issue form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    effect: String,
    #[serde(default)]
    version: i32,
}

impl IssueForm {
    fn from_row(row: &IssueRow) -> Self {
        IssueForm {
            kind: row.kind.as_str().into(),
            title: row.title.clone(),
            description: row.description.clone(),
            effect: row.effect.clone(),
            version: row.version,
        }
    }

    fn parse(&self) -> Result<IssueInput, FormErrors> {
        let mut errors = FormErrors::new();
        let kind = forms::choice::<IssueKind>("kind", &self.kind, &mut errors);
        let title = forms::text(&ISSUE_TITLE, &self.title, &mut errors);
        let description = forms::text(&ISSUE_DESCRIPTION, &self.description, &mut errors);
        let effect = forms::text(&ISSUE_EFFECT, &self.effect, &mut errors);
        match (kind, title, description, effect) {
            (Some(kind), Some(title), Some(description), Some(effect)) if errors.is_empty() => {
                Ok(IssueInput { kind, title, description, effect })
            }
            _ => Err(errors),
        }
    }

    /// The values as people read them, for the conflict banner.
    fn shown(&self, p: &IssueFormPage) -> Vec<(&'static str, String)> {
        vec![
            ("Kind", forms::option_label(&p.kinds, &self.kind)),
            ("Issue", self.title.clone()),
            ("Description", self.description.clone()),
            ("Effect on the AIMS", self.effect.clone()),
        ]
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/issue_form.html")]
struct IssueFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new issue.
    issue: Option<IssueRow>,
    form: IssueForm,
    errors: FormErrors,
    kinds: Vec<SelectOption>,
    conflict: Option<Conflict>,
}

impl IssueFormPage {
    fn new(page: PageCtx, ws: Workspace, issue: Option<IssueRow>, form: IssueForm, errors: FormErrors) -> Self {
        IssueFormPage { page, ws, issue, form, errors, kinds: forms::enum_options::<IssueKind>(), conflict: None }
    }
}

pub(super) async fn new_form(ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let form = IssueForm { kind: IssueKind::External.as_str().into(), ..Default::default() };
    Ok(IssueFormPage::new(page, ws, None, form, FormErrors::new()))
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => Outcome::write(&ws, &state, async |tx| context::create_issue(tx, &input).await).await?,
    };
    match outcome {
        Outcome::Saved(row) => {
            let to = ws.path(&format!("scope/issues/{}", row.issue_id));
            kit::saved(&session, &to, format!("Issue “{}” added.", row.title)).await
        }
        Outcome::Invalid(errors) => Ok(kit::invalid(IssueFormPage::new(page, ws, None, form, errors))),
        // A new row has no version to lose and cannot be archived.
        Outcome::Stale(_) | Outcome::Archived(_) => Err(AppError::NotFound),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/issue.html")]
struct IssueShowPage {
    page: PageCtx,
    ws: Workspace,
    issue: IssueRow,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

pub(super) async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let issue = context::get_issue(&mut tx, ContextIssueId(id)).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::ContextIssue, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(IssueShowPage {
        archived: Archived::from_history(issue.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        issue,
        history,
    }
    .into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, ContextIssueId)>,
) -> AppResult<Response> {
    show_page(state, ws, page, id.0).await
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, ContextIssueId)>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let issue = context::get_issue(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    if issue.archived_at.is_some() {
        return Ok(kit::conflict(show_page(state, ws, page, id.0).await?));
    }
    let form = IssueForm::from_row(&issue);
    Ok(IssueFormPage::new(page, ws, Some(issue), form, FormErrors::new()).into_response())
}

pub(super) async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, ContextIssueId)>,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => {
            Outcome::write(&ws, &state, async |tx| context::update_issue(tx, id, &input, form.version).await).await?
        }
    };
    match outcome {
        Outcome::Saved(row) => {
            let to = ws.path(&format!("scope/issues/{id}"));
            kit::saved(&session, &to, format!("Issue “{}” saved.", row.title)).await
        }
        Outcome::Invalid(errors) => {
            // Another workspace's row answers 404, an archived one its read-only page.
            let mut tx = ws.begin(&state).await?;
            let current = context::get_issue(&mut tx, id).await?.ok_or(AppError::NotFound)?;
            tx.commit().await?;
            if current.archived_at.is_some() {
                return Ok(kit::conflict(show_page(state, ws, page, id.0).await?));
            }
            Ok(kit::invalid(IssueFormPage::new(page, ws, Some(current), form, errors)))
        }
        Outcome::Stale(current) => {
            // The user's values stay in the form, now against the stored version.
            let stored = IssueForm::from_row(&current);
            let form = IssueForm { version: current.version, ..form };
            let mut edit = IssueFormPage::new(page, ws, Some(*current), form, FormErrors::new());
            edit.conflict = Some(Conflict::between(stored.shown(&edit), edit.form.shown(&edit)));
            Ok(kit::conflict(edit))
        }
        Outcome::Archived(_) => Ok(kit::conflict(show_page(state, ws, page, id.0).await?)),
    }
}
