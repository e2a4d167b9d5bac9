//! The workspace dashboard `/o/{slug}/`: overall progress, phases, the current phase, the next
//! steps, what is overdue, the latest activity and the countdown to the certification target.

use crate::error::AppResult;
use crate::extract::{PageCtx, Workspace};
use crate::routes::steps::{Roadmap, StepView};
use crate::routing::Routes;
use crate::state::AppState;
use aims_db::actions::{ActionFilter, ActionRow};
use aims_db::audit::AuditRow;
use aims_domain::catalogue::{Phase, catalogue};
use aims_domain::paging::PageRequest;
use aims_domain::roadmap::StepStatus;
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
    roadmap: Roadmap,
    current_phase: &'static Phase,
    member_count: u64,
    overdue_actions: Vec<ActionRow>,
    overdue_action_count: u64,
    activity: Vec<AuditRow>,
    /// Days until the target certification date (negative when past).
    days_left: Option<i64>,
}

impl DashboardPage {
    /// The next steps to work on: the first three not done.
    fn next_steps(&self) -> Vec<&StepView> {
        self.roadmap.steps().filter(|s| s.row.status() != StepStatus::Done).take(3).collect()
    }

    /// Steps past their due date.
    fn overdue_steps(&self) -> Vec<&StepView> {
        self.roadmap.steps().filter(|s| s.overdue).collect()
    }
}

async fn show(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let steps = aims_db::roadmap::list_steps(&mut tx).await?;
    let closed = aims_db::roadmap::closed_tasks(&mut tx, None).await?;
    let overdue_filter = ActionFilter { overdue: true, ..Default::default() };
    let overdue = aims_db::actions::list(&mut tx, &overdue_filter, PageRequest::new(Some(1), Some(5))).await?;
    let members = aims_db::members::list(&mut tx, PageRequest::new(Some(1), Some(1))).await?;
    let activity = aims_db::audit::list(&mut tx, PageRequest::new(Some(1), Some(8))).await?;
    tx.commit().await?;
    let roadmap = Roadmap::build(steps, &aims_db::roadmap::by_step(&closed), ws.org.today);
    let current_phase = catalogue().phase(roadmap.current_phase).unwrap_or(&catalogue().phases[0]);
    let days_left = ws.org.target_certification_date.map(|d| (d - ws.org.today).whole_days());
    Ok(DashboardPage {
        page,
        current_phase,
        member_count: members.total,
        overdue_action_count: overdue.total,
        overdue_actions: overdue.rows,
        activity: activity.rows,
        days_left,
        roadmap,
        ws,
    })
}
