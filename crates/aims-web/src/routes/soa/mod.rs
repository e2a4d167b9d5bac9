//! The Statement of Applicability (step 6, clause 6.1.3): every Annex A control and the
//! organisation's own controls with the decision, its justification and reasons, status, owner and
//! AI systems (`entries`); approval as numbered, frozen versions, the differences between versions
//! and a printable document (`versions`); CSV and XLSX exports (`export`). The rules themselves are
//! in `aims_domain::soa`.

mod entries;
mod export;
mod form;

pub use form::{applicable_options, status_options};
mod versions;

use crate::forms::FormErrors;
use crate::kit::Conflict;
use crate::routing::Routes;
use aims_db::soa::{SnapshotRow, SoaItem, SoaVersion, VersionSummary};
use aims_domain::soa::same_content;
use form::SoaForm;

/// Registers the routes (static segments such as `new` match before `{control_id}`).
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/soa", entries::index)
        .get("/o/{slug}/soa.csv", export::csv)
        .get("/o/{slug}/soa.xlsx", export::xlsx)
        .get("/o/{slug}/soa/new", entries::new_form)
        .post("/o/{slug}/soa", entries::create)
        .post("/o/{slug}/soa/approve", versions::approve)
        .get("/o/{slug}/soa/print", versions::print)
        .get("/o/{slug}/soa/versions", versions::versions)
        .get("/o/{slug}/soa/versions/{version_no}", versions::version)
        .get("/o/{slug}/soa/diff", versions::diff)
        .get("/o/{slug}/soa/{control_id}", entries::show)
        .post("/o/{slug}/soa/{control_id}", entries::update)
}

/// One row of a SoA table: the row as it reads, and on the working copy for members who may edit,
/// its inline editor.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct TableRow {
    pub row: SnapshotRow,
    pub edit: Option<RowEdit>,
}

impl TableRow {
    fn read_only(row: SnapshotRow) -> Self {
        TableRow { row, edit: None }
    }

    fn editable(item: &SoaItem) -> Self {
        TableRow { row: item.snapshot_row(), edit: Some(RowEdit::new(item.custom, SoaForm::from_item(item))) }
    }
}

/// The inline editor of a table row: the decision, status and justification in view, the other
/// values carried along hidden so a save keeps them.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct RowEdit {
    pub custom: bool,
    pub form: SoaForm,
    pub errors: FormErrors,
    pub conflict: Option<Conflict>,
    /// Answered to a save from the table (shows "Saved").
    pub saved: bool,
}

impl RowEdit {
    fn new(custom: bool, form: SoaForm) -> Self {
        RowEdit { custom, form, errors: FormErrors::new(), conflict: None, saved: false }
    }

    /// Whether the editor opens by itself (errors or a conflict to show).
    pub fn open(&self) -> bool {
        !self.errors.is_empty() || self.conflict.is_some()
    }

    /// Messages of the fields the inline editor keeps hidden (they are edited on the row's page).
    pub fn other_errors(&self) -> Vec<&str> {
        ["title", "reason_codes", "owner_id", "ai_systems", "notes"]
            .into_iter()
            .map(|f| self.errors.get(f))
            .filter(|m| !m.is_empty())
            .collect()
    }
}

/// Controls of one Annex A objective (or the organisation's own), as tables show them.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
pub struct Group {
    /// `A.2`, or "" for own controls.
    pub id: String,
    pub title: String,
    pub rows: Vec<TableRow>,
}

/// Groups rows by objective, in the order they come (catalogue order, own controls last).
fn groups(rows: Vec<TableRow>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for t in rows {
        let row = &t.row;
        let key = if row.custom { String::new() } else { row.objective.clone() };
        if out.last().is_none_or(|g| g.id != key) {
            let title = if row.custom {
                "The organisation's own controls".to_string()
            } else if row.objective_title.is_empty() {
                row.objective.clone()
            } else {
                format!("{} {}", row.objective, row.objective_title)
            };
            out.push(Group { id: key, title, rows: Vec::new() });
        }
        if let Some(g) = out.last_mut() {
            g.rows.push(t);
        }
    }
    out
}

fn read_only(rows: Vec<SnapshotRow>) -> Vec<Group> {
    groups(rows.into_iter().map(TableRow::read_only).collect())
}

fn summary(v: &SoaVersion) -> VersionSummary {
    VersionSummary {
        version_no: v.version_no,
        approver_name: v.approver_name.clone(),
        approved_at: v.approved_at,
        note: v.note.clone(),
        controls: v.rows().map_or(0, |r| r.len() as i32),
    }
}

/// Whether the working copy differs from an approved version.
fn changed_since(latest: Option<&SoaVersion>, rows: &[SnapshotRow]) -> bool {
    latest.is_some_and(|v| v.rows().is_none_or(|frozen| !same_content(&frozen, rows)))
}

fn working_rows(items: &[SoaItem]) -> Vec<SnapshotRow> {
    items.iter().map(SoaItem::snapshot_row).collect()
}
