//! The workspace dashboard `/o/{slug}/`.

use crate::error::AppResult;
use crate::extract::{PageCtx, Workspace};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_domain::paging::PageRequest;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}", to_dashboard).get("/o/{slug}/", show)
}

async fn to_dashboard(ws: Workspace) -> Redirect {
    Redirect::permanent(&ws.path(""))
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/dashboard/show.html")]
struct DashboardPage {
    page: PageCtx,
    ws: Workspace,
    member_count: u64,
    activity: Vec<AuditRow>,
}

async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let members = aims_db::members::list(&mut tx, PageRequest::new(Some(1), Some(1))).await?;
    let activity = aims_db::audit::list(&mut tx, PageRequest::new(Some(1), Some(8))).await?;
    tx.commit().await?;
    Ok(DashboardPage {
        page,
        ws,
        member_count: members.total,
        activity: activity.rows,
    })
}
