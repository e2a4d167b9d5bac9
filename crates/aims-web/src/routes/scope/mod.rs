//! Scope and context (step 1; clauses 4.1 to 4.3): the scope statement in approved versions
//! (`statement`), the internal and external issues (`issues`) and the interested parties
//! (`parties`), brought together on one overview page.

mod issues;
mod parties;
mod statement;

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{PageCtx, Workspace};
use crate::kit::RegisterPages;
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::OrgTx;
use aims_db::audit::AuditRow;
use aims_db::context::{self, IssueFilter, IssueRow, PartyFilter, PartyRow};
use aims_db::record::{Record, Register};
use aims_db::scope_statement::{self, ScopeVersionRow};
use aims_domain::Action;
use aims_domain::paging::{PageRequest, Paged};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::IntoResponse;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/scope", overview)
        .get("/o/{slug}/scope/edit", statement::edit_form)
        .post("/o/{slug}/scope", statement::save)
        .post("/o/{slug}/scope/approve", statement::approve)
        .get("/o/{slug}/scope/versions/{version_no}", statement::version)
        .get("/o/{slug}/scope/issues", issues::index)
        .get("/o/{slug}/scope/issues/new", issues::new_form)
        .post("/o/{slug}/scope/issues", issues::create)
        .get("/o/{slug}/scope/issues/{issue_id}", issues::show)
        .get("/o/{slug}/scope/issues/{issue_id}/edit", issues::edit_form)
        .post("/o/{slug}/scope/issues/{issue_id}", issues::update)
        .archivable(
            "/o/{slug}/scope/issues/{issue_id}/archive",
            "/o/{slug}/scope/issues/{issue_id}/restore",
            RegisterPages { register: Register::ContextIssues, list: "scope/issues", show: issues::SHOW },
        )
        .get("/o/{slug}/scope/parties", parties::index)
        .get("/o/{slug}/scope/parties/new", parties::new_form)
        .post("/o/{slug}/scope/parties", parties::create)
        .get("/o/{slug}/scope/parties/{party_id}", parties::show)
        .get("/o/{slug}/scope/parties/{party_id}/edit", parties::edit_form)
        .post("/o/{slug}/scope/parties/{party_id}", parties::update)
        .archivable(
            "/o/{slug}/scope/parties/{party_id}/archive",
            "/o/{slug}/scope/parties/{party_id}/restore",
            RegisterPages { register: Register::InterestedParties, list: "scope/parties", show: parties::SHOW },
        )
}

/// Rows of issues and parties shown on the overview before "see all".
const PREVIEW_ROWS: u32 = 10;

/// List filters as a query string ending in `&`, for pagination links (empty values left out).
fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}={}&", url_encode(v))).collect()
}

/// A row of the issues or parties register and its history (newest first), for the row's page;
/// a row that is not there is the 404 page.
async fn with_history<R: Record>(
    state: &AppState,
    ws: &Workspace,
    get: impl AsyncFnOnce(&mut OrgTx) -> sqlx::Result<Option<R>>,
) -> AppResult<(R, Vec<AuditRow>)> {
    let mut tx = ws.begin(state).await?;
    let row = get(&mut tx).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, R::ENTITY, &row.audit_id(), 30).await?;
    tx.commit().await?;
    Ok((row, history))
}

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

async fn overview(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let versions = scope_statement::list(&mut tx).await?;
    let preview = PageRequest::new(Some(1), Some(PREVIEW_ROWS));
    let issues = context::list_issues(&mut tx, &IssueFilter::default(), preview).await?;
    let parties = context::list_parties(&mut tx, &PartyFilter::default(), preview).await?;
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
