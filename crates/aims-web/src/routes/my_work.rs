//! `/my-work`: the steps and actions assigned to the signed-in user across all their
//! workspaces, overdue first.

use crate::error::AppResult;
use crate::extract::{CurrentUser, PageCtx};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::portfolio::{PortfolioTx, WorkItem};
use aims_domain::catalogue::catalogue;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::IntoResponse;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/my-work", index)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/my_work/index.html")]
struct MyWorkPage {
    page: PageCtx,
    items: Vec<WorkItem>,
    overdue: usize,
}

async fn index(State(state): State<AppState>, user: CurrentUser, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = PortfolioTx::begin(&state.db, user.id).await?;
    let mut items = aims_db::portfolio::my_work(&mut tx, user.id).await?;
    tx.finish().await?;
    for item in items.iter_mut().filter(|i| i.kind == "step") {
        if let Some(step) = item.item_id.parse().ok().and_then(|n| catalogue().step(n)) {
            item.title = step.title.clone();
        }
    }
    let overdue = items.iter().filter(|i| i.overdue).count();
    Ok(MyWorkPage { page, items, overdue })
}
