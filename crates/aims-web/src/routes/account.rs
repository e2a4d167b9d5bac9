//! The signed-in user's account: display name and password.

use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser, PageCtx};
use crate::forms::FormErrors;
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_domain::{Password, PersonName, password};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/account", show).post("/account", update_profile).post("/account/password", change_password)
}

/// Profile form values.
#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name: String,
}

/// Password form values (never sent back).
#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/account/show.html")]
struct AccountPage {
    page: PageCtx,
    user: CurrentUser,
    profile: ProfileForm,
    errors: FormErrors,
}

async fn show(page: PageCtx, user: CurrentUser) -> impl IntoResponse {
    let profile = ProfileForm { name: user.name.clone() };
    AccountPage { page, user, profile, errors: FormErrors::new() }
}

async fn update_profile(
    State(state): State<AppState>,
    session: TypedSession,
    user: CurrentUser,
    page: PageCtx,
    AppForm(form): AppForm<ProfileForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let Some(name) = errors.check("name", PersonName::parse(&form.name)) else {
        return Ok(invalid(AccountPage { page, user, profile: form, errors }));
    };
    aims_db::users::set_name(&state.db, user.id, &name).await?;
    session.flash(Flash::success("Your name was saved.")).await?;
    Ok(Redirect::to("/account").into_response())
}

async fn change_password(
    State(state): State<AppState>,
    session: TypedSession,
    user: CurrentUser,
    page: PageCtx,
    AppForm(form): AppForm<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let new_password = errors.check("new_password", Password::parse(&form.new_password));
    if form.new_password != form.confirm_password {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    let row = aims_db::users::get(&state.db, user.id).await?.ok_or(crate::error::AppError::NotFound)?;
    let current = form.current_password.clone();
    let stored = row.password_hash.clone();
    if !state.hashing(move || password::verify(&current, &stored)).await? {
        errors.add("current_password", "This is not your current password.");
    }
    let Some(new_password) = new_password.filter(|_| errors.is_empty()) else {
        let profile = ProfileForm { name: user.name.clone() };
        return Ok(invalid(AccountPage { page, user, profile, errors }));
    };
    let hash = state.hashing(move || password::hash(new_password.expose())).await?;
    let changed_at = aims_db::users::set_password(&state.db, user.id, &hash).await?;
    // This session carries on with the new stamp; every other session of the account ends.
    session.renew_stamp(changed_at).await?;
    tracing::info!(user = %user.id, "password changed");
    session.flash(Flash::success("Your password was changed. Other devices have been signed out.")).await?;
    Ok(Redirect::to("/account").into_response())
}
