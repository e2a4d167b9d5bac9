//! The register kit of the web layer, written once for every register: the outcome of a form post
//! (saved → 303 with a flash, invalid → 422, stale → 409 with both sides, archived → 409 with the
//! read-only page), the conflict shown beside the form, and one archive and one restore handler.
//!
//! A register's update handler reads top to bottom:
//! ```text
//! let outcome = match form.parse() {
//!     Err(errors) => Outcome::Invalid(errors),
//!     Ok(input) => Outcome::write(&ws, &state, async |tx| actions::update(tx, id, &input, form.version).await).await?,
//! };
//! match outcome { Saved(row) => …, Invalid(errors) => …, Stale(current) => …, Archived(_) => … }
//! ```

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::FormErrors;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::OrgTx;
use aims_db::audit::AuditRow;
use aims_db::record::{self, Record, Register, WriteError, WriteResult};
use aims_domain::Action;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use time::OffsetDateTime;
use uuid::Uuid;

/// How a register form post ended.
#[derive(Debug)]
pub enum Outcome<R> {
    /// Written and committed.
    Saved(R),
    /// The form has errors; nothing was written.
    Invalid(FormErrors),
    /// Someone saved first; the row as it is now. Nothing was written.
    Stale(Box<R>),
    /// The row is archived, so read-only; nothing was written.
    Archived(Box<R>),
}

impl<R> Outcome<R> {
    /// Runs one register write in its own tenant transaction: committed when it succeeds, rolled
    /// back (dropped) otherwise, so nothing is half-written.
    pub async fn write(
        ws: &Workspace,
        state: &AppState,
        write: impl AsyncFnOnce(&mut OrgTx) -> WriteResult<R>,
    ) -> AppResult<Outcome<R>> {
        let mut tx = ws.begin(state).await?;
        let result = write(&mut tx).await;
        if result.is_ok() {
            tx.commit().await?;
        }
        Outcome::from_result(result)
    }

    /// Sorts a write's result into what the user sees; a missing row is the 404 page and a
    /// database failure the 500 or 503 page.
    pub fn from_result(result: WriteResult<R>) -> AppResult<Outcome<R>> {
        match result {
            Ok(row) => Ok(Outcome::Saved(row)),
            Err(WriteError::Invalid { field, message }) => {
                let mut errors = FormErrors::new();
                errors.add(field, message);
                Ok(Outcome::Invalid(errors))
            }
            Err(WriteError::Stale(row)) => Ok(Outcome::Stale(row)),
            Err(WriteError::Archived(row)) => Ok(Outcome::Archived(row)),
            Err(WriteError::NotFound) => Err(AppError::NotFound),
            Err(WriteError::Db(e)) => Err(e.into()),
        }
    }
}

/// What every register page handler extracts: the state, the session, the workspace (with the
/// member's role) and the page context.
pub struct Ctx {
    /// Pool and configuration.
    pub state: AppState,
    /// The signed-in session (flash messages).
    pub session: TypedSession,
    /// The workspace and the member's role.
    pub ws: Workspace,
    /// What the layout needs.
    pub page: PageCtx,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            session: TypedSession::from_request_parts(parts, state).await?,
            ws: Workspace::from_request_parts(parts, state).await?,
            page: PageCtx::from_request_parts(parts, state).await?,
            state: state.clone(),
        })
    }
}

/// A register's edit page as the kit needs it to answer a form: the page builds itself and says
/// what its fields show; which answer a post gets (303, 422, 409) is decided once, in [`Ctx`].
pub trait EditPage: IntoResponse + Sized + Send {
    /// The register's row.
    type Row: Record + Send + Sync;
    /// The form's values, as typed.
    type Form: Send;
    /// The page for a new row (`None`) or an existing one, holding `form` and its `errors`.
    fn load(
        cx: Ctx,
        row: Option<Self::Row>,
        form: Self::Form,
        errors: FormErrors,
    ) -> impl Future<Output = AppResult<Self>> + Send;
    /// The stored row as form values.
    fn form_of(row: &Self::Row) -> Self::Form;
    /// The user's values, moved onto the stored row's version after someone saved first.
    fn rebase(form: Self::Form, row: &Self::Row) -> Self::Form;
    /// Each field's label and the value a form shows, for the conflict banner.
    fn shown(&self, form: &Self::Form) -> Vec<(&'static str, String)>;
    /// The values in the page's form.
    fn form(&self) -> &Self::Form;
    /// Shows the stored values beside the user's.
    fn set_conflict(&mut self, conflict: Conflict);
}

impl Ctx {
    /// Requires the right to edit (the one role guard), for handlers that take a `Ctx`.
    pub fn require_edit(&self) -> AppResult<()> {
        self.ws.require(Action::Edit)
    }

    /// Runs a write in its own tenant transaction (see [`Outcome::write`]).
    pub async fn write<R>(&self, write: impl AsyncFnOnce(&mut OrgTx) -> WriteResult<R>) -> AppResult<Outcome<R>> {
        Outcome::write(&self.ws, &self.state, write).await
    }

    /// Reads one row in its own tenant transaction; a missing row is the 404 page.
    pub async fn read<R>(&self, read: impl AsyncFnOnce(&mut OrgTx) -> sqlx::Result<Option<R>>) -> AppResult<R> {
        let mut tx = self.ws.begin(&self.state).await?;
        let row = read(&mut tx).await?.ok_or(AppError::NotFound)?;
        tx.commit().await?;
        Ok(row)
    }

    /// The empty form of a new row.
    pub async fn new_form<P: EditPage>(self, form: P::Form) -> AppResult<Response> {
        self.require_edit()?;
        Ok(P::load(self, None, form, FormErrors::new()).await?.into_response())
    }

    /// The edit form of a row, or its read-only page with 409 when it is archived.
    pub async fn edit_form<P: EditPage>(self, row: P::Row, show: ShowPage, id: Uuid) -> AppResult<Response> {
        self.require_edit()?;
        if row.is_archived() {
            return Ok(conflict(show(self.state, self.ws, self.page, id).await?));
        }
        let form = P::form_of(&row);
        Ok(P::load(self, Some(row), form, FormErrors::new()).await?.into_response())
    }

    /// The answer to a create: 303 to the new row's page with `message`, or the form again (422).
    pub async fn created<P: EditPage>(
        self,
        outcome: Outcome<P::Row>,
        form: P::Form,
        saved_to: impl FnOnce(&P::Row) -> (String, String),
    ) -> AppResult<Response> {
        match outcome {
            Outcome::Saved(row) => {
                let (to, message) = saved_to(&row);
                saved(&self.session, &self.ws.path(&to), message).await
            }
            Outcome::Invalid(errors) => Ok(invalid(P::load(self, None, form, errors).await?)),
            // A new row has no version to lose and cannot be archived.
            Outcome::Stale(_) | Outcome::Archived(_) => Err(AppError::NotFound),
        }
    }

    /// The answer to an update of the row at `to` (inside the workspace): 303 there with
    /// `message`; 422 with the errors; 409 with the stored values beside the user's, whose values
    /// stay in the form against the current version; 409 with the row's page while it is archived.
    #[expect(
        clippy::too_many_arguments,
        reason = "the row's identity, its page and its reader, all needed by one of the answers"
    )]
    pub async fn updated<P: EditPage>(
        self,
        outcome: Outcome<P::Row>,
        form: P::Form,
        id: Uuid,
        to: String,
        message: impl FnOnce(&P::Row) -> String,
        show: ShowPage,
        current: impl AsyncFnOnce(&mut OrgTx) -> sqlx::Result<Option<P::Row>>,
    ) -> AppResult<Response> {
        match outcome {
            Outcome::Saved(row) => saved(&self.session, &self.ws.path(&to), message(&row)).await,
            Outcome::Invalid(errors) => {
                let row = self.read(current).await?;
                if row.is_archived() {
                    return Ok(conflict(show(self.state, self.ws, self.page, id).await?));
                }
                Ok(invalid(P::load(self, Some(row), form, errors).await?))
            }
            Outcome::Stale(row) => {
                let stored = P::form_of(&row);
                let form = P::rebase(form, &row);
                let mut edit = P::load(self, Some(*row), form, FormErrors::new()).await?;
                let banner = Conflict::between(edit.shown(&stored), edit.shown(edit.form()));
                edit.set_conflict(banner);
                Ok(conflict(edit))
            }
            Outcome::Archived(_) => Ok(conflict(show(self.state, self.ws, self.page, id).await?)),
        }
    }
}

/// Post/redirect/get after a successful change: a flash message and 303 to the page that shows it.
pub async fn saved(session: &TypedSession, to: &str, message: String) -> AppResult<Response> {
    session.flash(Flash::success(message)).await?;
    Ok(Redirect::to(to).into_response())
}

/// A form answered again with its errors (422).
pub fn invalid(page: impl IntoResponse) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// A page answered to a write that lost a race or hit a read-only row (409).
pub fn conflict(page: impl IntoResponse) -> Response {
    (StatusCode::CONFLICT, page).into_response()
}

/// The whole page, or for htmx only the part it swaps. Both vary with `HX-Request`, so caches keep
/// them apart.
pub fn page_or_part<P: askama::Template>(
    hx: HxRequest,
    page: P,
    part: impl FnOnce(&P) -> askama::Result<String>,
) -> AppResult<Response> {
    let html = if hx.0 { part(&page) } else { page.render() }.map_err(|e| AppError::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::VARY, "HX-Request")], html).into_response())
}

/// One field a user would overwrite: what is stored now and what they typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictField {
    /// The field's label.
    pub label: &'static str,
    /// The value saved by someone else.
    pub stored: String,
    /// The user's value (still in the form).
    pub yours: String,
}

/// What the 409 banner shows: the fields where the stored row and the user's form differ.
#[derive(Debug, Clone, Default)]
pub struct Conflict {
    /// Differing fields, in form order.
    pub fields: Vec<ConflictField>,
}

impl Conflict {
    /// Compares the stored row's values with the user's, field by field (label, shown value).
    pub fn between(stored: Vec<(&'static str, String)>, yours: Vec<(&'static str, String)>) -> Conflict {
        let fields = stored
            .into_iter()
            .zip(yours)
            .filter(|((_, s), (_, y))| s.trim() != y.trim())
            .map(|((label, stored), (_, yours))| ConflictField { label, stored, yours })
            .collect();
        Conflict { fields }
    }
}

/// Who archived a row and when, for the read-only banner of an archived row's page. Archiving is
/// the row's last change (edits are refused while it is archived), so it is the newest entry of
/// its history.
#[derive(Debug, Clone)]
pub struct Archived {
    /// The member who archived it.
    pub by: String,
    /// When.
    pub at: OffsetDateTime,
}

impl Archived {
    /// Reads the banner from a row's archive time and its history (newest first).
    pub fn from_history(archived_at: Option<OffsetDateTime>, history: &[AuditRow]) -> Option<Archived> {
        let at = archived_at?;
        let by = history.iter().find(|e| e.action == "archive").map_or_else(String::new, |e| e.actor_name.clone());
        Some(Archived { by, at })
    }
}

/// The page of one register row, answered with 409 when a write is posted to it while archived.
pub type ShowPage = fn(AppState, Workspace, PageCtx, Uuid) -> Pin<Box<dyn Future<Output = AppResult<Response>> + Send>>;

/// The form that archive and restore buttons post.
#[derive(Debug, Default, Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    version: i32,
}

/// Where a register lives and how its row page is drawn, for the shared archive and restore.
#[derive(Clone, Copy)]
pub struct RegisterPages {
    /// Which register.
    pub register: Register,
    /// The list's path inside the workspace (`actions`, `scope/issues`); rows are `{list}/{id}`.
    pub list: &'static str,
    /// The row page.
    pub show: ShowPage,
}

impl Routes {
    /// Adds `POST {row}/archive` and `POST {row}/restore` for a register (paths given in full so
    /// the router's list stays greppable), both served by the one handler below.
    pub fn archivable(self, archive_path: &'static str, restore_path: &'static str, pages: RegisterPages) -> Self {
        self.post(
            archive_path,
            move |state: State<AppState>,
                  session: TypedSession,
                  ws: Workspace,
                  page: PageCtx,
                  Path((_, id)): Path<(String, Uuid)>,
                  AppForm(form): AppForm<VersionForm>| {
                set_archived(pages, true, state, session, ws, page, id, form)
            },
        )
        .post(
            restore_path,
            move |state: State<AppState>,
                  session: TypedSession,
                  ws: Workspace,
                  page: PageCtx,
                  Path((_, id)): Path<(String, Uuid)>,
                  AppForm(form): AppForm<VersionForm>| {
                set_archived(pages, false, state, session, ws, page, id, form)
            },
        )
    }
}

/// The one archive and restore handler: archive goes back to the list, restore to the row. A stale
/// version answers 409 with the row's page; so does archiving an archived row.
#[expect(clippy::too_many_arguments, reason = "an axum handler's extractors, passed through from the route")]
async fn set_archived(
    pages: RegisterPages,
    archive: bool,
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    id: Uuid,
    form: VersionForm,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let result = if archive {
        record::archive(&mut tx, pages.register, id, form.version).await
    } else {
        record::restore(&mut tx, pages.register, id, form.version).await
    };
    match result {
        Ok(row) => {
            tx.commit().await?;
            if archive {
                saved(&session, &ws.path(pages.list), format!("{} archived.", row.short)).await
            } else {
                saved(&session, &ws.path(&format!("{}/{id}", pages.list)), format!("{} restored.", row.short)).await
            }
        }
        Err(WriteError::Stale(_) | WriteError::Archived(_)) => {
            drop(tx);
            Ok(conflict((pages.show)(state, ws, page, id).await?))
        }
        Err(WriteError::NotFound | WriteError::Invalid { .. }) => Err(AppError::NotFound),
        Err(WriteError::Db(e)) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_lists_only_the_fields_that_differ() {
        let stored = vec![("Title", "Policy".to_string()), ("Status", "Done".to_string())];
        let yours = vec![("Title", "Policy ".to_string()), ("Status", "Open".to_string())];
        let c = Conflict::between(stored, yours);
        assert_eq!(c.fields, vec![ConflictField { label: "Status", stored: "Done".into(), yours: "Open".into() }]);
    }
}
