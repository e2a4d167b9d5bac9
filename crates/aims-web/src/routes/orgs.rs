//! The user's workspaces (`/orgs`) and creating a new one.

use crate::error::AppResult;
use crate::extract::{AppForm, CurrentUser, PageCtx};
use crate::forms::FormErrors;
use crate::routes::auth::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::orgs::CreateOrgError;
use aims_domain::{OrgName, OrgSlug};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/orgs", index)
        .get("/orgs/new", new_form)
        .post("/orgs", create)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/orgs/index.html")]
struct OrgIndexPage {
    page: PageCtx,
}

async fn index(page: PageCtx, _user: CurrentUser) -> impl IntoResponse {
    // The layout already loaded the user's workspaces for the switcher; the list reuses them.
    OrgIndexPage { page }
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
    OrgFormPage {
        page,
        form: OrgForm::default(),
        errors: FormErrors::new(),
    }
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
    let slug_source = if form.slug.trim().is_empty() {
        OrgSlug::suggest(&form.name)
    } else {
        form.slug.clone()
    };
    let slug = errors.check("slug", OrgSlug::parse(&slug_source));
    let (Some(name), Some(slug)) = (name, slug) else {
        return Ok(invalid(OrgFormPage { page, form, errors }));
    };
    match aims_db::orgs::create(&state.db, user.id, &user.name, &name, &slug).await {
        Ok(org) => {
            session
                .flash(Flash::success(format!(
                    "Workspace “{}” created. You are its owner.",
                    org.name
                )))
                .await?;
            Ok(Redirect::to(&format!("/o/{}/", org.slug)).into_response())
        }
        Err(CreateOrgError::SlugTaken) => {
            errors.add("slug", "This slug is taken; choose another.");
            Ok(invalid(OrgFormPage { page, form, errors }))
        }
        Err(CreateOrgError::Db(e)) => Err(e.into()),
    }
}
