//! Approval of the working copy as a numbered, frozen version; the approved versions; what changed
//! between two of them (or since one, in the working copy); the printable document.

use super::entries::SoaIndexPage;
use super::{Group, changed_since, read_only, summary, working_rows};
use crate::error::{AppError, AppResult};
use crate::extract::{MultiForm, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Outcome};
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::OrgTx;
use aims_db::soa::{self, SnapshotRow, SoaVersion, VersionSummary};
use aims_domain::Action;
use aims_domain::soa::{SOA_APPROVAL_NOTE, Tally, VersionDiff};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Approval form values.
#[derive(Debug, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    note: String,
}

/// Approves the working copy (owners only); refused with the list of controls that still lack
/// their justification.
pub(super) async fn approve(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    MultiForm(form): MultiForm<ApproveForm>,
) -> AppResult<Response> {
    ws.require(Action::Approve)?;
    let mut errors = FormErrors::new();
    let outcome = match forms::text(&SOA_APPROVAL_NOTE, &form.note, &mut errors) {
        None => Outcome::Invalid(errors),
        Some(note) => Outcome::write(&ws, &state, async |tx| soa::approve(tx, &note).await).await?,
    };
    match outcome {
        Outcome::Saved(v) => {
            let to = ws.path(&format!("soa/versions/{}", v.version_no));
            kit::saved(&session, &to, format!("The Statement of Applicability is approved as v{}.", v.version_no)).await
        }
        Outcome::Invalid(errors) => {
            let mut index = SoaIndexPage::load(&state, ws, page).await?;
            if errors.get("approve").is_empty() {
                index.errors = errors;
            } else {
                index = index.with_missing();
            }
            index.note = form.note;
            Ok(kit::invalid(index))
        }
        // An approval adds a version; it never overwrites one.
        Outcome::Stale(_) | Outcome::Archived(_) => Err(AppError::NotFound),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/versions.html")]
struct SoaVersionsPage {
    page: PageCtx,
    ws: Workspace,
    versions: Vec<VersionSummary>,
}

pub(super) async fn versions(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let versions = soa::versions(&mut tx).await?;
    tx.commit().await?;
    Ok(SoaVersionsPage { page, ws, versions })
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/version.html")]
struct SoaVersionPage {
    page: PageCtx,
    ws: Workspace,
    version: SoaVersion,
    /// None when the snapshot cannot be read as rows.
    groups: Option<Vec<Group>>,
    tally: Tally,
    link: bool,
    full: bool,
    editable: bool,
}

async fn load_version(state: &AppState, ws: &Workspace, raw: &str) -> AppResult<SoaVersion> {
    let no: i32 = raw.trim().parse().map_err(|_| AppError::NotFound)?;
    let mut tx = ws.begin(state).await?;
    let version = soa::version(&mut tx, no).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(version)
}

pub(super) async fn version(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, version_no)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let version = load_version(&state, &ws, &version_no).await?;
    let rows = version.rows();
    Ok(SoaVersionPage {
        tally: Tally::of(rows.as_deref().unwrap_or_default()),
        groups: rows.map(read_only),
        link: false,
        full: true,
        editable: false,
        page,
        ws,
        version,
    })
}

/// Diff query: version numbers, or `current` for the working copy.
#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/diff.html")]
struct SoaDiffPage {
    page: PageCtx,
    ws: Workspace,
    /// Choices for both selects: the working copy and every version.
    sides: Vec<SelectOption>,
    from: String,
    to: String,
    from_label: String,
    to_label: String,
    /// None when there is nothing to compare yet (no approved version).
    diff: Option<VersionDiff>,
}

/// The rows of one side of a comparison: `current` or a version number (unknown → 404).
async fn side_rows(tx: &mut OrgTx, key: &str) -> AppResult<Vec<SnapshotRow>> {
    if key == "current" {
        return Ok(working_rows(&soa::list(tx).await?));
    }
    let no: i32 = key.parse().map_err(|_| AppError::NotFound)?;
    let version = soa::version(tx, no).await?.ok_or(AppError::NotFound)?;
    Ok(version.rows().unwrap_or_default())
}

fn side_label(key: &str) -> String {
    if key == "current" { "the working copy".to_string() } else { format!("v{key}") }
}

pub(super) async fn diff(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(query): Query<DiffQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let versions = soa::versions(&mut tx).await?;
    let latest = versions.first().map(|v| v.version_no.to_string());
    let from = if query.from.trim().is_empty() { latest } else { Some(query.from.trim().to_string()) };
    let to = if query.to.trim().is_empty() { "current".to_string() } else { query.to.trim().to_string() };
    let sides = forms::with_first(
        "current",
        "Working copy",
        versions
            .iter()
            .map(|v| {
                SelectOption::new(
                    v.version_no.to_string(),
                    format!("v{}, approved {}", v.version_no, crate::view::date(&v.approved_at.date())),
                )
            })
            .collect(),
    );
    let diff = match &from {
        Some(from) => {
            let old = side_rows(&mut tx, from).await?;
            let new = side_rows(&mut tx, &to).await?;
            Some(VersionDiff::between(&old, &new))
        }
        None => None,
    };
    tx.commit().await?;
    let from = from.unwrap_or_default();
    Ok(SoaDiffPage { from_label: side_label(&from), to_label: side_label(&to), page, ws, sides, from, to, diff })
}

/// Print query: a version number, or nothing for the working copy.
#[derive(Debug, Default, Deserialize)]
pub struct PrintQuery {
    #[serde(default)]
    version: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/print.html")]
struct SoaPrintPage {
    page: PageCtx,
    ws: Workspace,
    /// The version printed (None: the working copy).
    version: Option<SoaVersion>,
    /// The latest approval, for a working copy.
    latest: Option<VersionSummary>,
    changed_since: bool,
    groups: Vec<Group>,
    tally: Tally,
    link: bool,
    full: bool,
    editable: bool,
}

pub(super) async fn print(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(query): Query<PrintQuery>,
) -> AppResult<impl IntoResponse> {
    let (version, latest, changed_since, rows) = if query.version.trim().is_empty() {
        let mut tx = ws.begin(&state).await?;
        let items = soa::list(&mut tx).await?;
        let latest = soa::latest(&mut tx).await?;
        tx.commit().await?;
        let rows = working_rows(&items);
        (None, latest.as_ref().map(summary), changed_since(latest.as_ref(), &rows), rows)
    } else {
        let version = load_version(&state, &ws, &query.version).await?;
        let rows = version.rows().unwrap_or_default();
        (Some(version), None, false, rows)
    };
    Ok(SoaPrintPage {
        tally: Tally::of(&rows),
        groups: read_only(rows),
        link: false,
        full: true,
        editable: false,
        page,
        ws,
        version,
        latest,
        changed_since,
    })
}
