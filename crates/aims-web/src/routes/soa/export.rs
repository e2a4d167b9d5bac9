//! CSV and XLSX exports of the working copy: every control with every column.

use super::working_rows;
use crate::error::AppResult;
use crate::extract::Workspace;
use crate::state::AppState;
use aims_db::soa;
use axum::extract::State;
use axum::response::Response;

const HEADER: [&str; 12] = [
    "Control",
    "Title",
    "Objective",
    "Custom",
    "Applicable",
    "Justification",
    "Reason codes",
    "Implementation status",
    "Owner",
    "AI systems",
    "Notes",
    "Last updated",
];

async fn rows(state: &AppState, ws: &Workspace) -> AppResult<Vec<Vec<String>>> {
    let mut tx = ws.begin(state).await?;
    let items = soa::list(&mut tx).await?;
    tx.commit().await?;
    Ok(working_rows(&items)
        .into_iter()
        .map(|r| {
            vec![
                r.control_id.clone(),
                r.title.clone(),
                if r.custom { String::new() } else { format!("{} {}", r.objective, r.objective_title) },
                if r.custom { "yes" } else { "no" }.to_string(),
                r.applicable_label().to_string(),
                r.justification.clone(),
                r.reason_labels().join("; "),
                r.status_label().to_string(),
                r.owner.clone().unwrap_or_default(),
                r.ai_systems.join("; "),
                r.notes.clone(),
                r.updated_at.map(|t| crate::view::datetime(&t)).unwrap_or_default(),
            ]
        })
        .collect())
}

fn file_name(ws: &Workspace, ext: &str) -> String {
    format!("soa-{}-{}.{ext}", ws.org.slug, crate::view::date(&ws.org.today))
}

pub(super) async fn csv(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = rows(&state, &ws).await?;
    crate::export::csv(&file_name(&ws, "csv"), &HEADER, &rows)
}

pub(super) async fn xlsx(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = rows(&state, &ws).await?;
    crate::export::xlsx(&file_name(&ws, "xlsx"), "Statement of Applicability", &HEADER, &rows)
}
