//! Internal and external issues (4.1): what inside and outside the organisation affects what the
//! AIMS can achieve. A list with filters, a page per issue, forms; archive and restore are the
//! kit's.

use crate::error::AppResult;
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome};
use crate::state::AppState;
use aims_db::OrgTx;
use aims_db::audit::AuditRow;
use aims_db::context::{self, IssueFilter, IssueInput, IssueRow};
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

impl EditPage for IssueFormPage {
    type Row = IssueRow;
    type Form = IssueForm;

    async fn load(cx: Ctx, issue: Option<IssueRow>, form: IssueForm, errors: FormErrors) -> AppResult<Self> {
        let Ctx { ws, page, .. } = cx;
        Ok(IssueFormPage { page, ws, issue, form, errors, kinds: forms::enum_options::<IssueKind>(), conflict: None })
    }

    fn form_of(row: &IssueRow) -> IssueForm {
        IssueForm::from_row(row)
    }

    fn rebase(form: IssueForm, row: &IssueRow) -> IssueForm {
        IssueForm { version: row.version, ..form }
    }

    fn shown(&self, f: &IssueForm) -> Vec<(&'static str, String)> {
        vec![
            ("Kind", forms::option_label(&self.kinds, &f.kind)),
            ("Issue", f.title.clone()),
            ("Description", f.description.clone()),
            ("Effect on the AIMS", f.effect.clone()),
        ]
    }

    fn form(&self) -> &IssueForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

pub(super) async fn new_form(cx: Ctx) -> AppResult<Response> {
    let form = IssueForm { kind: IssueKind::External.as_str().into(), ..Default::default() };
    cx.new_form::<IssueFormPage>(form).await
}

pub(super) async fn create(cx: Ctx, AppForm(form): AppForm<IssueForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| context::create_issue(tx, &input).await).await?,
    };
    cx.created::<IssueFormPage>(outcome, form, |row| {
        (format!("scope/issues/{}", row.issue_id), format!("Issue “{}” added.", row.title))
    })
    .await
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
    let get = async |tx: &mut OrgTx| context::get_issue(tx, ContextIssueId(id)).await;
    let (issue, history) = super::with_history(&state, &ws, get).await?;
    let archived = Archived::from_history(issue.archived_at, &history);
    Ok(IssueShowPage { archived, can_edit: ws.may(Action::Edit), page, ws, issue, history }.into_response())
}

pub(super) const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

pub(super) async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

pub(super) async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, ContextIssueId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| context::get_issue(tx, id).await).await?;
    cx.edit_form::<IssueFormPage>(row, SHOW, id.0).await
}

pub(super) async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, ContextIssueId)>,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| context::update_issue(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &IssueRow| format!("Issue “{}” saved.", row.title);
    cx.updated::<IssueFormPage>(outcome, form, id.0, format!("scope/issues/{id}"), saved, SHOW, async |tx| {
        context::get_issue(tx, id).await
    })
    .await
}
