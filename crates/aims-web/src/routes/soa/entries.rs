//! The working copy: the table of every control (each row editable in place), one control's page
//! with its full form, saving a row (from either), and adding an own control.

use super::form::{Choices, RowForm, SoaForm};
use super::{Group, RowEdit, TableRow, changed_since, groups, summary, working_rows};
use crate::error::{AppError, AppResult};
use crate::extract::{HxRequest, MultiForm, PageCtx, Workspace};
use crate::forms::FormErrors;
use crate::kit::{self, Conflict, Outcome};
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::record::Entity;
use aims_db::soa::{self, SoaItem, VersionSummary};
use aims_domain::Action;
use aims_domain::catalogue::catalogue;
use aims_domain::soa::{Tally, own_control_id, unjustified};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/index.html")]
pub(super) struct SoaIndexPage {
    page: PageCtx,
    ws: Workspace,
    groups: Vec<Group>,
    tally: Tally,
    latest: Option<VersionSummary>,
    /// The working copy differs from the latest approved version.
    changed_since: bool,
    can_edit: bool,
    can_approve: bool,
    /// The approval form's note, kept on a refusal.
    pub(super) note: String,
    pub(super) errors: FormErrors,
    /// Controls that still lack their justification (filled when an approval was refused).
    pub(super) missing: Vec<String>,
    /// Links rows to their pages.
    link: bool,
    /// Shows the notes column.
    full: bool,
    /// Rows carry their inline editor.
    editable: bool,
}

impl SoaIndexPage {
    pub(super) async fn load(state: &AppState, ws: Workspace, page: PageCtx) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let items = soa::list(&mut tx).await?;
        let latest = soa::latest(&mut tx).await?;
        tx.commit().await?;
        let rows = working_rows(&items);
        let editable = ws.may(Action::Edit);
        let table = if editable {
            items.iter().map(TableRow::editable).collect()
        } else {
            rows.iter().cloned().map(TableRow::read_only).collect()
        };
        Ok(SoaIndexPage {
            changed_since: changed_since(latest.as_ref(), &rows),
            latest: latest.as_ref().map(summary),
            tally: Tally::of(&rows),
            groups: groups(table),
            can_edit: editable,
            can_approve: ws.may(Action::Approve),
            note: String::new(),
            errors: FormErrors::new(),
            missing: Vec::new(),
            link: true,
            full: false,
            editable,
            page,
            ws,
        })
    }

    /// Lists the controls an approval waits for.
    pub(super) fn with_missing(mut self) -> Self {
        let rows: Vec<_> = self.groups.iter().flat_map(|g| g.rows.iter().map(|t| t.row.clone())).collect();
        self.missing = unjustified(&rows).into_iter().map(|r| r.label()).collect();
        self
    }

    /// The number the next approval will get.
    fn next_version(&self) -> i32 {
        self.latest.as_ref().map_or(1, |v| v.version_no + 1)
    }
}

pub(super) async fn index(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    SoaIndexPage::load(&state, ws, page).await
}

/// One table row, answered to a save from the table (htmx swaps it in place of the old one).
#[derive(Template)]
#[template(path = "pages/soa/row.html")]
struct SoaRowPart {
    page: PageCtx,
    ws: Workspace,
    t: TableRow,
    link: bool,
    full: bool,
    editable: bool,
}

fn row_part(page: PageCtx, ws: Workspace, item: &SoaItem, edit: RowEdit) -> AppResult<Response> {
    let part = SoaRowPart {
        t: TableRow { row: item.snapshot_row(), edit: Some(edit) },
        link: true,
        full: false,
        editable: true,
        page,
        ws,
    };
    let html = part.render().map_err(|e| AppError::Internal(e.into()))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::VARY, "HX-Request")], html).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/show.html")]
struct SoaShowPage {
    page: PageCtx,
    ws: Workspace,
    item: SoaItem,
    evidence: Vec<String>,
    /// The form (members who may edit).
    edit: Option<RowForm>,
    /// Someone saved first: the stored values beside the user's.
    conflict: Option<Conflict>,
    history: Vec<AuditRow>,
    /// The controls before and after this one.
    prev: Option<(String, String)>,
    next: Option<(String, String)>,
}

impl SoaShowPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        item: SoaItem,
        form: Option<(SoaForm, FormErrors)>,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let history = aims_db::audit::for_entity(&mut tx, Entity::SoaEntry, &item.control_id, 30).await?;
        let items = soa::list(&mut tx).await?;
        tx.commit().await?;
        let at = items.iter().position(|i| i.control_id == item.control_id);
        let neighbour = |i: Option<usize>| i.and_then(|i| items.get(i)).map(|n| (n.control_id.clone(), n.label()));
        let prev = neighbour(at.and_then(|i| i.checked_sub(1)));
        let next = neighbour(at.map(|i| i + 1));
        let edit = if ws.may(Action::Edit) {
            let (form, errors) = form.unwrap_or_else(|| (SoaForm::from_item(&item), FormErrors::new()));
            let choices = Choices::load(state, &ws, Some(&item)).await?;
            Some(RowForm::new(&choices, form, errors))
        } else {
            None
        };
        Ok(SoaShowPage {
            evidence: catalogue().control(&item.control_id).map(|c| c.evidence.clone()).unwrap_or_default(),
            conflict: None,
            page,
            ws,
            item,
            edit,
            history,
            prev,
            next,
        })
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, control_id)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let item = soa::get(&mut tx, &control_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    SoaShowPage::load(&state, ws, page, item, None).await
}

/// Saves a row, from its page or from the table. htmx (a table row) gets the row back: saved,
/// with its errors (422) or with both sides of a conflict (409); a plain post gets the usual
/// redirect or the row's page.
pub(super) async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Path((_, control_id)): Path<(String, String)>,
    MultiForm(form): MultiForm<SoaForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let current = soa::get(&mut tx, &control_id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let choices = Choices::load(&state, &ws, Some(&current)).await?;
    let mut errors = FormErrors::new();
    let outcome = match form.parse(&current.label(), current.custom, &choices.systems, &mut errors) {
        None => Outcome::Invalid(errors),
        Some(input) => {
            Outcome::write(&ws, &state, async |tx| soa::save(tx, &control_id, &input, form.version).await).await?
        }
    };
    match outcome {
        Outcome::Saved(item) if hx.0 => {
            let mut edit = RowEdit::new(item.custom, SoaForm::from_item(&item));
            edit.saved = true;
            row_part(page, ws, &item, edit)
        }
        Outcome::Saved(item) => {
            kit::saved(&session, &ws.path(&format!("soa/{control_id}")), format!("{} saved.", item.label())).await
        }
        Outcome::Invalid(errors) if hx.0 => {
            Ok(kit::invalid(row_part(page, ws, &current, RowEdit { errors, ..RowEdit::new(current.custom, form) })?))
        }
        Outcome::Invalid(errors) => {
            Ok(kit::invalid(SoaShowPage::load(&state, ws, page, current, Some((form, errors))).await?))
        }
        Outcome::Stale(stored) | Outcome::Archived(stored) => {
            // The user's values stay in the form, now against the stored version.
            let conflict = choices.conflict(&stored, &form);
            let form = SoaForm { version: stored.version, ..form };
            if hx.0 {
                let edit = RowEdit { conflict: Some(conflict), ..RowEdit::new(stored.custom, form) };
                return Ok(kit::conflict(row_part(page, ws, &stored, edit)?));
            }
            let mut show = SoaShowPage::load(&state, ws, page, *stored, Some((form, FormErrors::new()))).await?;
            show.conflict = Some(conflict);
            Ok(kit::conflict(show))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/new.html")]
struct SoaNewPage {
    page: PageCtx,
    ws: Workspace,
    edit: RowForm,
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let choices = Choices::load(&state, &ws, None).await?;
    Ok(SoaNewPage { edit: RowForm::new(&choices, SoaForm::default(), FormErrors::new()), page, ws })
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    MultiForm(form): MultiForm<SoaForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let choices = Choices::load(&state, &ws, None).await?;
    let mut errors = FormErrors::new();
    let control_id = errors.check("control_id", own_control_id(&form.control_id));
    let label = match &control_id {
        Some(id) if !form.title.trim().is_empty() => format!("{id} {}", form.title.trim()),
        Some(id) => id.clone(),
        None => "This control".to_string(),
    };
    let input = form.parse(&label, true, &choices.systems, &mut errors);
    let outcome = match (control_id, input) {
        (Some(control_id), Some(input)) => {
            Outcome::write(&ws, &state, async |tx| soa::create_custom(tx, &control_id, &input).await).await?
        }
        _ => Outcome::Invalid(errors),
    };
    match outcome {
        Outcome::Saved(item) => {
            let to = ws.path(&format!("soa/{}", item.control_id));
            kit::saved(&session, &to, format!("{} added to the SoA.", item.label())).await
        }
        Outcome::Invalid(errors) => {
            Ok(kit::invalid(SoaNewPage { edit: RowForm::new(&choices, form, errors), page, ws }))
        }
        // A new row has no version to lose and cannot be archived.
        Outcome::Stale(_) | Outcome::Archived(_) => Err(AppError::NotFound),
    }
}
