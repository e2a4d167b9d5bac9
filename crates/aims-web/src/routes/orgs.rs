//! The user's workspaces (`/orgs`) and creating a new one.

use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser, PageCtx};
use crate::forms::FormErrors;
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::orgs::CreateOrgError;
use aims_db::portfolio::{PortfolioRow, PortfolioTx};
use aims_domain::catalogue::{Phase, STEP_COUNT, catalogue};
use aims_domain::roadmap::{self as rules, ClosedTasks, Progress, StepStatus};
use aims_domain::{OrgName, OrgSlug};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/orgs", index).get("/orgs/new", new_form).post("/orgs", create)
}

/// One workspace of the portfolio with its computed progress.
pub struct PortfolioEntry {
    /// The stored figures.
    pub row: PortfolioRow,
    /// All tasks of the workspace.
    pub progress: Progress,
    /// The phase it is in.
    pub current_phase: &'static Phase,
    /// Status keys of steps 1 to 18 (padded to 18).
    pub statuses: Vec<String>,
}

impl PortfolioEntry {
    /// Days until the target date, when one is set.
    pub fn days_left(&self) -> Option<i64> {
        self.row.target_certification_date.map(|d| (d - self.row.today).whole_days())
    }
}

#[derive(Debug, Default, Deserialize)]
struct PortfolioQuery {
    #[serde(default)]
    sort: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/orgs/index.html")]
struct OrgIndexPage {
    page: PageCtx,
    entries: Vec<PortfolioEntry>,
    sort: String,
    step_numbers: Vec<u8>,
}

async fn index(
    State(state): State<AppState>,
    page: PageCtx,
    user: CurrentUser,
    Query(q): Query<PortfolioQuery>,
) -> AppResult<impl IntoResponse> {
    let c = catalogue();
    // Two queries in one read-only transaction, however many workspaces the user has.
    let mut tx = PortfolioTx::begin(&state.db, user.id).await?;
    let (rows, closed) = aims_db::portfolio::overview(&mut tx, user.id).await?;
    tx.finish().await?;
    let mut closed_by_org: HashMap<Uuid, ClosedTasks> = HashMap::new();
    for t in closed {
        closed_by_org.entry(t.org_id).or_default().entry(t.step_number as u8).or_default().push(t.task_key);
    }
    let empty = ClosedTasks::new();
    let mut entries: Vec<PortfolioEntry> = rows
        .into_iter()
        .map(|row| {
            let closed = closed_by_org.get(&row.org_id).unwrap_or(&empty);
            let statuses: HashMap<u8, StepStatus> = row
                .step_statuses
                .iter()
                .enumerate()
                .map(|(i, s)| (i as u8 + 1, s.parse().unwrap_or(StepStatus::NotStarted)))
                .collect();
            let phase = rules::current_phase(c, &statuses);
            let mut padded = row.step_statuses.clone();
            padded.resize(usize::from(STEP_COUNT), "not_started".into());
            PortfolioEntry {
                progress: rules::overall_progress(c, closed),
                current_phase: c.phase(phase).unwrap_or(&c.phases[0]),
                statuses: padded,
                row,
            }
        })
        .collect();
    match q.sort.as_str() {
        "progress" => entries.sort_by_key(|e| std::cmp::Reverse(e.progress.percent())),
        // Undated targets last.
        "target" => {
            entries.sort_by_key(|e| (e.row.target_certification_date.is_none(), e.row.target_certification_date))
        }
        _ => {}
    }
    Ok(OrgIndexPage { page, entries, sort: q.sort, step_numbers: (1..=STEP_COUNT).collect() })
}

/// Workspace form values.
#[derive(Debug, Default, Deserialize)]
pub struct OrgForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/orgs/new.html")]
struct OrgFormPage {
    page: PageCtx,
    form: OrgForm,
    errors: FormErrors,
}

async fn new_form(page: PageCtx, _user: CurrentUser) -> impl IntoResponse {
    OrgFormPage { page, form: OrgForm::default(), errors: FormErrors::new() }
}

async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    user: CurrentUser,
    page: PageCtx,
    AppForm(form): AppForm<OrgForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let name = errors.check("name", OrgName::parse(&form.name));
    let slug_source = if form.slug.trim().is_empty() { OrgSlug::suggest(&form.name) } else { form.slug.clone() };
    let slug = errors.check("slug", OrgSlug::parse(&slug_source));
    let (Some(name), Some(slug)) = (name, slug) else {
        return Ok(invalid(OrgFormPage { page, form, errors }));
    };
    match aims_db::orgs::create(&state.db, user.id, &user.name, &name, &slug).await {
        Ok(org) => {
            session.flash(Flash::success(format!("Workspace “{}” created. You are its owner.", org.name))).await?;
            Ok(Redirect::to(&format!("/o/{}/", org.slug)).into_response())
        }
        Err(CreateOrgError::SlugTaken) => {
            errors.add("slug", "This slug is taken; choose another.");
            Ok(invalid(OrgFormPage { page, form, errors }))
        }
        Err(CreateOrgError::Db(e)) => Err(e.into()),
    }
}
