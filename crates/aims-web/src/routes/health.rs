//! Health probes: liveness (`/healthz`) and readiness (`/readyz`, the database answers).

use crate::routing::Routes;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;

/// Registers the probes.
pub fn routes(r: Routes) -> Routes {
    r.get("/healthz", healthz).get("/readyz", readyz)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if aims_db::ping(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
    }
}
