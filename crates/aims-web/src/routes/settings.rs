//! Workspace settings: name, time zone (which calendar day "overdue" follows) and the target
//! certification date. Owners only.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption, parse_optional_date};
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::orgs::{Settings, SettingsError};
use aims_domain::{Action, OrgName};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/settings", show).post("/o/{slug}/settings", update)
}

/// Settings form values.
#[derive(Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    target_certification_date: String,
    #[serde(default)]
    version: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/settings/show.html")]
struct SettingsPage {
    page: PageCtx,
    ws: Workspace,
    form: SettingsForm,
    errors: FormErrors,
    time_zones: Vec<SelectOption>,
    can_edit: bool,
}

async fn page_with(
    state: &AppState,
    ws: Workspace,
    page: PageCtx,
    form: SettingsForm,
    errors: FormErrors,
) -> AppResult<SettingsPage> {
    let zones = aims_db::orgs::time_zones(&state.db).await?;
    Ok(SettingsPage {
        time_zones: zones.into_iter().map(|z| SelectOption::new(z.clone(), z)).collect(),
        can_edit: ws.may(Action::ManageSettings),
        page,
        ws,
        form,
        errors,
    })
}

async fn show(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let form = SettingsForm {
        name: ws.org.name.clone(),
        time_zone: ws.org.time_zone.clone(),
        target_certification_date: ws.org.target_certification_date.map(|d| crate::view::date(&d)).unwrap_or_default(),
        version: ws.org.version,
    };
    page_with(&state, ws, page, form, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<SettingsForm>,
) -> AppResult<Response> {
    ws.require(Action::ManageSettings)?;
    let mut errors = FormErrors::new();
    let name = errors.check("name", OrgName::parse(&form.name));
    let target = errors.check("target_certification_date", parse_optional_date(&form.target_certification_date));
    let (Some(name), Some(target)) = (name, target) else {
        return Ok(invalid(page_with(&state, ws, page, form, errors).await?));
    };
    let settings = Settings { name, time_zone: form.time_zone.trim().to_string(), target_certification_date: target };
    let mut tx = ws.begin(&state).await?;
    match aims_db::orgs::update_settings(&mut tx, &settings, form.version).await {
        Ok(_) => {
            tx.commit().await?;
            session.flash(Flash::success("Settings saved.")).await?;
            Ok(Redirect::to(&ws.path("settings")).into_response())
        }
        Err(SettingsError::UnknownTimeZone) => {
            drop(tx);
            errors.add("time_zone", "Choose a time zone from the list.");
            Ok(invalid(page_with(&state, ws, page, form, errors).await?))
        }
        Err(SettingsError::Stale(current)) => {
            drop(tx);
            errors.add(
                "name",
                format!(
                    "Someone saved the settings first (now “{}”, {}). Your values are kept: save again to apply them.",
                    current.name, current.time_zone
                ),
            );
            let form = SettingsForm { version: current.version, ..form };
            Ok((StatusCode::CONFLICT, page_with(&state, ws, page, form, errors).await?).into_response())
        }
        Err(SettingsError::Db(e)) => Err(AppError::from(e)),
    }
}
