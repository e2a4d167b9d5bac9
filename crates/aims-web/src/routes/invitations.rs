//! Opening and accepting an invitation link.

use crate::error::{AppError, AppResult};
use crate::extract::{CurrentUser, PageCtx};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::invitations::{AcceptError, InvitationView};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/invitations/{token}", show).post("/invitations/{token}", accept)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/invitations/show.html")]
struct InvitationPage {
    page: PageCtx,
    token: String,
    invitation: Option<InvitationView>,
    /// The signed-in account has another email than the invitation.
    wrong_account: bool,
}

async fn show(State(state): State<AppState>, page: PageCtx, Path(token): Path<String>) -> AppResult<Response> {
    let invitation = aims_db::invitations::find_by_token(&state.db, &token).await?.filter(InvitationView::usable);
    let wrong_account = match (&invitation, &page.user) {
        (Some(inv), Some(user)) => !inv.email.eq_ignore_ascii_case(&user.email),
        _ => false,
    };
    let status = if invitation.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok((status, InvitationPage { page, token, invitation, wrong_account }).into_response())
}

async fn accept(
    State(state): State<AppState>,
    session: TypedSession,
    user: CurrentUser,
    page: PageCtx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    match aims_db::invitations::accept(&state.db, &token, user.id, &user.name, &user.email).await {
        Ok(slug) => {
            session.flash(Flash::success("Welcome! You joined the workspace.")).await?;
            Ok(Redirect::to(&format!("/o/{slug}/")).into_response())
        }
        Err(AcceptError::NotUsable) => Err(AppError::NotFound),
        Err(AcceptError::WrongAccount) => {
            let invitation = aims_db::invitations::find_by_token(&state.db, &token).await?;
            Ok((StatusCode::FORBIDDEN, InvitationPage { page, token, invitation, wrong_account: true }).into_response())
        }
        Err(AcceptError::Db(e)) => Err(e.into()),
    }
}
