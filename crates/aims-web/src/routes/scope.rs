//! Scope and context (step 1; clauses 4.1 to 4.3): the scope statement in approved versions,
//! the internal and external issues, and the interested parties.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption};
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::context::{self, ContextError, IssueInput, IssueRow, PartyInput, PartyRow};
use aims_db::scope_statement::{self, ScopeError, ScopeInput, ScopeVersionRow};
use aims_domain::Action;
use aims_domain::paging::{PageQuery, PageRequest, Paged};
use aims_domain::registers::{Addressed, IssueKind};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/scope", show)
        .get("/o/{slug}/scope/edit", edit_form)
        .post("/o/{slug}/scope", save)
        .post("/o/{slug}/scope/approve", approve)
        .get("/o/{slug}/scope/versions/{version_no}", version)
        .get("/o/{slug}/scope/issues", issues)
        .get("/o/{slug}/scope/issues/new", new_issue)
        .post("/o/{slug}/scope/issues", create_issue)
        .get("/o/{slug}/scope/issues/{issue_id}/edit", edit_issue)
        .post("/o/{slug}/scope/issues/{issue_id}", update_issue)
        .post("/o/{slug}/scope/issues/{issue_id}/archive", archive_issue)
        .get("/o/{slug}/scope/parties", parties)
        .get("/o/{slug}/scope/parties/new", new_party)
        .post("/o/{slug}/scope/parties", create_party)
        .get("/o/{slug}/scope/parties/{party_id}/edit", edit_party)
        .post("/o/{slug}/scope/parties/{party_id}", update_party)
        .post("/o/{slug}/scope/parties/{party_id}/archive", archive_party)
}

/// Rows of issues and parties shown on the overview before "see all".
const PREVIEW_ROWS: u32 = 10;

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/show.html")]
struct ScopePage {
    page: PageCtx,
    ws: Workspace,
    approved: Option<ScopeVersionRow>,
    draft: Option<ScopeVersionRow>,
    versions: Vec<ScopeVersionRow>,
    issues: Paged<IssueRow>,
    parties: Paged<PartyRow>,
    can_edit: bool,
    can_approve: bool,
}

async fn show(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let versions = scope_statement::list(&mut tx).await?;
    let preview = PageRequest::new(Some(1), Some(PREVIEW_ROWS));
    let issues = context::list_issues(&mut tx, preview).await?;
    let parties = context::list_parties(&mut tx, preview).await?;
    tx.commit().await?;
    Ok(ScopePage {
        approved: versions.iter().find(|v| v.status == "approved").cloned(),
        draft: versions.iter().find(|v| v.is_draft()).cloned(),
        can_edit: ws.may(Action::Edit),
        can_approve: ws.may(Action::Approve),
        page,
        ws,
        versions,
        issues,
        parties,
    })
}

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

impl ScopeForm {
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

    fn parse(&self, errors: &mut FormErrors) -> Option<ScopeInput> {
        let long = [
            ("units", &self.units),
            ("sites", &self.sites),
            ("ai_systems_covered", &self.ai_systems_covered),
            ("lifecycle_stages", &self.lifecycle_stages),
            ("ai_roles", &self.ai_roles),
            ("exclusions", &self.exclusions),
            ("interfaces", &self.interfaces),
        ];
        for (field, value) in long {
            if value.chars().count() > 50_000 {
                errors.add(field, "At most 50,000 characters.");
            }
        }
        if self.units.trim().is_empty() && self.ai_systems_covered.trim().is_empty() {
            errors.add("units", "Name at least the units or the AI systems the AIMS covers.");
        }
        let climate_relevant = match self.climate_relevant.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            "" => None,
            _ => {
                errors.add("climate_relevant", "Choose yes, no or not decided.");
                None
            }
        };
        if climate_relevant.is_some() && self.climate_reason.trim().is_empty() {
            errors.add("climate_reason", "Record why, so an auditor can follow the decision.");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ScopeInput {
            units: self.units.clone(),
            sites: self.sites.clone(),
            ai_systems_covered: self.ai_systems_covered.clone(),
            lifecycle_stages: self.lifecycle_stages.clone(),
            ai_roles: self.ai_roles.clone(),
            exclusions: self.exclusions.clone(),
            interfaces: self.interfaces.clone(),
            climate_relevant,
            climate_reason: self.climate_reason.clone(),
        })
    }
}

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
    /// The version number the form edits (the draft, or the next one).
    editing_draft: Option<i32>,
    /// Someone saved first: the stored draft.
    conflict: Option<ScopeVersionRow>,
}

async fn edit_form(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
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
    Ok(ScopeEditPage {
        editing_draft: draft.map(|d| d.version_no),
        page,
        ws,
        form,
        errors: FormErrors::new(),
        climate: climate_options(),
        conflict: None,
    })
}

async fn save(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<ScopeForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let edit_page = |form, errors, conflict: Option<ScopeVersionRow>, page, ws| ScopeEditPage {
        editing_draft: None,
        page,
        ws,
        form,
        errors,
        climate: climate_options(),
        conflict,
    };
    let Some(input) = form.parse(&mut errors) else {
        return Ok(invalid(edit_page(form, errors, None, page, ws)));
    };
    let mut tx = ws.begin(&state).await?;
    match scope_statement::save_draft(&mut tx, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session
                .flash(Flash::success(format!("Draft version {} of the scope statement saved.", row.version_no)))
                .await?;
            Ok(Redirect::to(&ws.path("scope")).into_response())
        }
        Err(ScopeError::Stale(current)) => {
            drop(tx);
            let version = current.as_ref().map_or(0, |c| c.version);
            let form = ScopeForm { version, ..form };
            Ok((StatusCode::CONFLICT, edit_page(form, errors, current.map(|c| *c), page, ws)).into_response())
        }
        Err(ScopeError::NotFound) => Err(AppError::NotFound),
        Err(ScopeError::Db(e)) => Err(e.into()),
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

async fn approve(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    AppForm(form): AppForm<ApproveForm>,
) -> AppResult<Response> {
    ws.require(Action::Approve)?;
    let mut tx = ws.begin(&state).await?;
    match scope_statement::approve(&mut tx, form.version_no, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session
                .flash(Flash::success(format!("Version {} of the scope statement is approved.", row.version_no)))
                .await?;
            Ok(Redirect::to(&ws.path("scope")).into_response())
        }
        Err(ScopeError::Stale(_)) => Err(AppError::Conflict(
            "The draft changed since you opened the page. Reload the scope, read the changes and approve again.".into(),
        )),
        Err(ScopeError::NotFound) => Err(AppError::NotFound),
        Err(ScopeError::Db(e)) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/version.html")]
struct VersionPage {
    page: PageCtx,
    ws: Workspace,
    v: ScopeVersionRow,
}

async fn version(
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

// ---- Issues (4.1) ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/issues.html")]
struct IssuesPage {
    page: PageCtx,
    ws: Workspace,
    issues: Paged<IssueRow>,
    can_edit: bool,
}

async fn issues(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let issues = context::list_issues(&mut tx, q.into()).await?;
    tx.commit().await?;
    Ok(IssuesPage { can_edit: ws.may(Action::Edit), page, ws, issues })
}

/// Issue form values.
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
    fn parse(&self, errors: &mut FormErrors) -> Option<IssueInput> {
        let kind = errors.check("kind", self.kind.parse::<IssueKind>());
        check_title(errors, "title", &self.title);
        check_long(errors, &[("description", &self.description), ("effect", &self.effect)]);
        if !errors.is_empty() {
            return None;
        }
        Some(IssueInput {
            kind: kind?,
            title: self.title.trim().to_string(),
            description: self.description.clone(),
            effect: self.effect.clone(),
        })
    }
}

fn check_title(errors: &mut FormErrors, field: &'static str, value: &str) {
    let n = value.trim().chars().count();
    if n == 0 {
        errors.add(field, "This field is required.");
    } else if n > 300 {
        errors.add(field, "At most 300 characters.");
    }
}

fn check_long(errors: &mut FormErrors, fields: &[(&'static str, &String)]) {
    for (field, value) in fields {
        if value.chars().count() > 20_000 {
            errors.add(field, "At most 20,000 characters.");
        }
    }
}

fn kind_options() -> Vec<SelectOption> {
    IssueKind::ALL.iter().map(|k| SelectOption::new(k.as_str(), k.label())).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/issue_form.html")]
struct IssueFormPage {
    page: PageCtx,
    ws: Workspace,
    issue_id: Option<Uuid>,
    form: IssueForm,
    errors: FormErrors,
    kinds: Vec<SelectOption>,
    conflict: Option<IssueRow>,
}

async fn new_issue(ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let form = IssueForm { kind: "external".into(), ..Default::default() };
    Ok(IssueFormPage {
        page,
        ws,
        issue_id: None,
        form,
        errors: FormErrors::new(),
        kinds: kind_options(),
        conflict: None,
    })
}

async fn create_issue(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        let page = IssueFormPage { page, ws, issue_id: None, form, errors, kinds: kind_options(), conflict: None };
        return Ok(invalid(page));
    };
    let mut tx = ws.begin(&state).await?;
    let row = context::create_issue(&mut tx, &input).await?;
    tx.commit().await?;
    session.flash(Flash::success(format!("Issue “{}” added.", row.title))).await?;
    Ok(Redirect::to(&ws.path("scope#issues")).into_response())
}

async fn edit_issue(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let row = context::get_issue(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = IssueForm {
        kind: row.kind.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        effect: row.effect.clone(),
        version: row.version,
    };
    Ok(IssueFormPage {
        page,
        ws,
        issue_id: Some(id),
        form,
        errors: FormErrors::new(),
        kinds: kind_options(),
        conflict: None,
    })
}

async fn update_issue(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<IssueForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    // Another workspace's (or an archived) row answers 404 before any validation.
    let mut tx = ws.begin(&state).await?;
    context::get_issue(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        drop(tx);
        let page = IssueFormPage { page, ws, issue_id: Some(id), form, errors, kinds: kind_options(), conflict: None };
        return Ok(invalid(page));
    };
    match context::update_issue(&mut tx, id, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("Issue “{}” saved.", row.title))).await?;
            Ok(Redirect::to(&ws.path("scope#issues")).into_response())
        }
        Err(ContextError::Stale(current)) => {
            drop(tx);
            let form = IssueForm { version: current.version, ..form };
            let page = IssueFormPage {
                page,
                ws,
                issue_id: Some(id),
                form,
                errors,
                kinds: kind_options(),
                conflict: Some(*current),
            };
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(ContextError::NotFound) => Err(AppError::NotFound),
        Err(ContextError::Db(e)) => Err(e.into()),
    }
}

/// Archive form values.
#[derive(Debug, Default, Deserialize)]
pub struct ArchiveForm {
    #[serde(default)]
    version: i32,
}

async fn archive_issue(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<ArchiveForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    match aims_db::record::archive(&mut tx, aims_db::record::Register::ContextIssues, id, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} archived.", row.short))).await?;
            Ok(Redirect::to(&ws.path("scope/issues")).into_response())
        }
        Err(aims_db::record::WriteError::NotFound) => Err(AppError::NotFound),
        Err(aims_db::record::WriteError::Db(e)) => Err(e.into()),
        Err(_) => {
            Err(AppError::Conflict("Changed by someone else or archived already. Reload it and try again.".into()))
        }
    }
}

// ---- Interested parties (4.2) ----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/parties.html")]
struct PartiesPage {
    page: PageCtx,
    ws: Workspace,
    parties: Paged<PartyRow>,
    can_edit: bool,
}

async fn parties(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let parties = context::list_parties(&mut tx, q.into()).await?;
    tx.commit().await?;
    Ok(PartiesPage { can_edit: ws.may(Action::Edit), page, ws, parties })
}

/// Party form values.
#[derive(Debug, Default, Deserialize)]
pub struct PartyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    addressed: String,
    #[serde(default)]
    how_addressed: String,
    #[serde(default)]
    version: i32,
}

impl PartyForm {
    fn parse(&self, errors: &mut FormErrors) -> Option<PartyInput> {
        check_title(errors, "name", &self.name);
        let addressed = errors.check("addressed", self.addressed.parse::<Addressed>());
        check_long(errors, &[("requirements", &self.requirements), ("how_addressed", &self.how_addressed)]);
        if !errors.is_empty() {
            return None;
        }
        Some(PartyInput {
            name: self.name.trim().to_string(),
            requirements: self.requirements.clone(),
            addressed: addressed?,
            how_addressed: self.how_addressed.clone(),
        })
    }
}

fn addressed_options() -> Vec<SelectOption> {
    Addressed::ALL.iter().map(|a| SelectOption::new(a.as_str(), a.label())).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/party_form.html")]
struct PartyFormPage {
    page: PageCtx,
    ws: Workspace,
    party_id: Option<Uuid>,
    form: PartyForm,
    errors: FormErrors,
    choices: Vec<SelectOption>,
    conflict: Option<PartyRow>,
}

async fn new_party(ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let form = PartyForm { addressed: "yes".into(), ..Default::default() };
    Ok(PartyFormPage {
        page,
        ws,
        party_id: None,
        form,
        errors: FormErrors::new(),
        choices: addressed_options(),
        conflict: None,
    })
}

async fn create_party(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<PartyForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        let page =
            PartyFormPage { page, ws, party_id: None, form, errors, choices: addressed_options(), conflict: None };
        return Ok(invalid(page));
    };
    let mut tx = ws.begin(&state).await?;
    let row = context::create_party(&mut tx, &input).await?;
    tx.commit().await?;
    session.flash(Flash::success(format!("Interested party “{}” added.", row.name))).await?;
    Ok(Redirect::to(&ws.path("scope#parties")).into_response())
}

async fn edit_party(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let row = context::get_party(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = PartyForm {
        name: row.name.clone(),
        requirements: row.requirements.clone(),
        addressed: row.addressed.clone(),
        how_addressed: row.how_addressed.clone(),
        version: row.version,
    };
    let errors = FormErrors::new();
    Ok(PartyFormPage { page, ws, party_id: Some(id), form, errors, choices: addressed_options(), conflict: None })
}

async fn update_party(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<PartyForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    // Another workspace's (or an archived) row answers 404 before any validation.
    let mut tx = ws.begin(&state).await?;
    context::get_party(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        drop(tx);
        let page =
            PartyFormPage { page, ws, party_id: Some(id), form, errors, choices: addressed_options(), conflict: None };
        return Ok(invalid(page));
    };
    match context::update_party(&mut tx, id, &input, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("Interested party “{}” saved.", row.name))).await?;
            Ok(Redirect::to(&ws.path("scope#parties")).into_response())
        }
        Err(ContextError::Stale(current)) => {
            drop(tx);
            let form = PartyForm { version: current.version, ..form };
            let choices = addressed_options();
            let page = PartyFormPage { page, ws, party_id: Some(id), form, errors, choices, conflict: Some(*current) };
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(ContextError::NotFound) => Err(AppError::NotFound),
        Err(ContextError::Db(e)) => Err(e.into()),
    }
}

async fn archive_party(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    Path((_, id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<ArchiveForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    match aims_db::record::archive(&mut tx, aims_db::record::Register::InterestedParties, id, form.version).await {
        Ok(row) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} archived.", row.short))).await?;
            Ok(Redirect::to(&ws.path("scope/parties")).into_response())
        }
        Err(aims_db::record::WriteError::NotFound) => Err(AppError::NotFound),
        Err(aims_db::record::WriteError::Db(e)) => Err(e.into()),
        Err(_) => {
            Err(AppError::Conflict("Changed by someone else or archived already. Reload it and try again.".into()))
        }
    }
}
