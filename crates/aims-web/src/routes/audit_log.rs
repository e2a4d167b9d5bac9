//! The workspace's audit log, newest first, paginated.

use crate::error::AppResult;
use crate::extract::{PageCtx, Workspace};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_domain::paging::{PageQuery, Paged};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/audit-log", index)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/audit_log/index.html")]
struct AuditLogPage {
    page: PageCtx,
    ws: Workspace,
    entries: Paged<AuditRow>,
}

async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let entries = aims_db::audit::list(&mut tx, q.into()).await?;
    tx.commit().await?;
    Ok(AuditLogPage { page, ws, entries })
}
