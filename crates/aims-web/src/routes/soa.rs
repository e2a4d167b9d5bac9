//! The Statement of Applicability (step 6, clause 6.1.3): every Annex A control and the
//! organisation's own controls with the decision, its justification and reasons, status, owner and
//! AI systems; approval as numbered, frozen versions; the differences between versions; CSV and
//! XLSX exports and a printable document.

use crate::error::{AppError, AppResult};
use crate::extract::{MultiForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption};
use crate::kit::invalid;
use crate::routes::steps::{owner_options, parse_owner};
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use crate::view::Change;
use aims_db::OrgTx;
use aims_db::ai_systems::SystemChoice;
use aims_db::audit::AuditRow;
use aims_db::soa::{self, ApproveError, SnapshotRow, SoaError, SoaInput, SoaItem, SoaVersion, VersionSummary};
use aims_domain::Action;
use aims_domain::catalogue::catalogue;
use aims_domain::registers::{ReasonCode, SoaStatus};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Registers the routes (static segments such as `new` match before `{control_id}`).
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/soa", index)
        .get("/o/{slug}/soa.csv", export_csv)
        .get("/o/{slug}/soa.xlsx", export_xlsx)
        .get("/o/{slug}/soa/new", new_form)
        .post("/o/{slug}/soa", create)
        .post("/o/{slug}/soa/approve", approve)
        .get("/o/{slug}/soa/print", print)
        .get("/o/{slug}/soa/versions", versions)
        .get("/o/{slug}/soa/versions/{version_no}", version)
        .get("/o/{slug}/soa/diff", diff)
        .get("/o/{slug}/soa/{control_id}", show)
        .post("/o/{slug}/soa/{control_id}", update)
}

/// Controls of one Annex A objective (or the organisation's own), as tables show them.
pub struct Group {
    /// `A.2`, or "" for own controls.
    pub id: String,
    /// Heading.
    pub title: String,
    /// Its rows.
    pub rows: Vec<SnapshotRow>,
}

/// Groups rows by objective, in the order they come (catalogue order, own controls last).
fn groups(rows: Vec<SnapshotRow>) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for row in rows {
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
            g.rows.push(row);
        }
    }
    out
}

/// Counts over a set of rows.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every control.
    pub total: usize,
    /// Annex A controls.
    pub annex: usize,
    /// Own controls.
    pub custom: usize,
    /// Applicable ones.
    pub applicable: usize,
    /// Excluded ones.
    pub excluded: usize,
    /// Not decided yet.
    pub undecided: usize,
    /// Applicable and implemented.
    pub implemented: usize,
}

fn tally(rows: &[SnapshotRow]) -> Tally {
    let mut t = Tally { total: rows.len(), ..Tally::default() };
    for r in rows {
        if r.custom {
            t.custom += 1;
        } else {
            t.annex += 1;
        }
        match r.applicable {
            Some(true) => t.applicable += 1,
            Some(false) => t.excluded += 1,
            None => t.undecided += 1,
        }
        if r.applicable == Some(true) && r.implementation_status.as_deref() == Some("implemented") {
            t.implemented += 1;
        }
    }
    t
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

/// Whether two sets of rows say the same (ignoring when rows were last saved).
fn same_content(a: &[SnapshotRow], b: &[SnapshotRow]) -> bool {
    let strip = |rows: &[SnapshotRow]| -> Vec<SnapshotRow> {
        rows.iter().map(|r| SnapshotRow { updated_at: None, ..r.clone() }).collect()
    };
    strip(a) == strip(b)
}

// ---------------------------------------------------------------------------------------------
// The working copy and its approval

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/index.html")]
struct SoaIndexPage {
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
    note: String,
    note_error: String,
    /// Controls that still lack their justification (filled when an approval was refused).
    missing: Vec<String>,
    /// Links rows to their pages.
    link: bool,
    /// Shows the notes column.
    full: bool,
}

impl SoaIndexPage {
    async fn load(state: &AppState, ws: Workspace, page: PageCtx) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let items = soa::list(&mut tx).await?;
        let latest = soa::latest(&mut tx).await?;
        tx.commit().await?;
        let rows = working_rows(&items);
        Ok(SoaIndexPage {
            changed_since: changed_since(latest.as_ref(), &rows),
            latest: latest.as_ref().map(summary),
            tally: tally(&rows),
            groups: groups(rows),
            can_edit: ws.may(Action::Edit),
            can_approve: ws.may(Action::Approve),
            note: String::new(),
            note_error: String::new(),
            missing: Vec::new(),
            link: true,
            full: false,
            page,
            ws,
        })
    }

    /// The number the next approval will get.
    fn next_version(&self) -> i32 {
        self.latest.as_ref().map_or(1, |v| v.version_no + 1)
    }
}

async fn index(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    SoaIndexPage::load(&state, ws, page).await
}

/// Approval form values.
#[derive(Debug, Default, Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    note: String,
}

async fn approve(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    MultiForm(form): MultiForm<ApproveForm>,
) -> AppResult<Response> {
    ws.require(Action::Approve)?;
    let note = form.note.trim().to_string();
    if note.chars().count() > 5000 {
        let mut index = SoaIndexPage::load(&state, ws, page).await?;
        index.note_error = "The note has at most 5,000 characters.".into();
        index.note = form.note;
        return Ok(invalid(index));
    }
    let mut tx = ws.begin(&state).await?;
    match soa::approve(&mut tx, &note).await {
        Ok(v) => {
            tx.commit().await?;
            session
                .flash(Flash::success(format!("The Statement of Applicability is approved as v{}.", v.version_no)))
                .await?;
            Ok(Redirect::to(&ws.path(&format!("soa/versions/{}", v.version_no))).into_response())
        }
        Err(ApproveError::Incomplete(missing)) => {
            drop(tx);
            let mut index = SoaIndexPage::load(&state, ws, page).await?;
            index.missing = missing.iter().map(SoaItem::label).collect();
            index.note = form.note;
            Ok(invalid(index))
        }
        Err(ApproveError::Db(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// One row: show and edit, and adding an own control

/// Row form values, kept as typed (repeated fields for reason codes and AI systems).
#[derive(Debug, Default, Deserialize)]
pub struct SoaForm {
    #[serde(default)]
    control_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    applicable: String,
    #[serde(default)]
    justification: String,
    #[serde(default)]
    reason_codes: Vec<String>,
    #[serde(default)]
    implementation_status: String,
    #[serde(default)]
    owner_id: String,
    #[serde(default)]
    ai_systems: Vec<String>,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    version: i32,
}

/// Ids the routes use for pages of their own.
const RESERVED_IDS: &[&str] = &["new", "approve", "print", "versions", "diff"];

fn parse_control_id(raw: &str, errors: &mut FormErrors) -> Option<String> {
    let id = raw.trim();
    let message = if id.is_empty() {
        "Enter an id, like ORG-1."
    } else if id.chars().count() > 40 {
        "An id has at most 40 characters."
    } else if !id.starts_with(|c: char| c.is_ascii_alphanumeric())
        || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        "Use letters, digits, dots, hyphens and underscores, starting with a letter or digit, like ORG-1."
    } else if id.len() >= 2 && id[..2].eq_ignore_ascii_case("A.") {
        "Ids beginning with “A.” belong to Annex A: choose another, like ORG-1."
    } else if RESERVED_IDS.iter().any(|r| r.eq_ignore_ascii_case(id)) {
        "This word is reserved: choose another id, like ORG-1."
    } else {
        return Some(id.to_string());
    };
    errors.add("control_id", message);
    None
}

impl SoaForm {
    fn from_item(item: &SoaItem) -> Self {
        SoaForm {
            control_id: item.control_id.clone(),
            title: item.title.clone(),
            applicable: match item.applicable {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            justification: item.justification.clone(),
            reason_codes: item.reason_codes.iter().map(|c| c.as_str().to_string()).collect(),
            implementation_status: item.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            owner_id: item.owner_id.map(|id| id.to_string()).unwrap_or_default(),
            ai_systems: item.systems.iter().map(|s| s.system_id.to_string()).collect(),
            notes: item.notes.clone(),
            version: item.version,
        }
    }

    /// Validates the values; `label` names the control in the justification message.
    fn parse(&self, label: &str, custom: bool, systems: &[SystemChoice], errors: &mut FormErrors) -> Option<SoaInput> {
        let title = self.title.trim();
        if custom {
            if title.is_empty() {
                errors.add("title", "Enter a title.");
            } else if title.chars().count() > 300 {
                errors.add("title", "A title has at most 300 characters.");
            }
        }
        let applicable = match self.applicable.trim() {
            "yes" | "true" => Some(true),
            "no" | "false" => Some(false),
            _ => {
                errors.add("applicable", "Choose whether the control applies.");
                None
            }
        };
        let justification = self.justification.trim();
        if justification.is_empty() {
            errors.add("justification", format!("{label}: give the justification"));
        } else if justification.chars().count() > 20_000 {
            errors.add("justification", "The justification has at most 20,000 characters.");
        }
        let mut reason_codes = Vec::new();
        for raw in &self.reason_codes {
            match raw.parse::<ReasonCode>() {
                Ok(code) if !reason_codes.contains(&code) => reason_codes.push(code),
                Ok(_) => {}
                Err(_) => errors.add("reason_codes", "Choose reasons from the list."),
            }
        }
        reason_codes.sort_by_key(|c| ReasonCode::ALL.iter().position(|a| a == c));
        let status = match self.implementation_status.trim() {
            "" => Some(None),
            raw => errors.check("implementation_status", raw.parse::<SoaStatus>().map(Some)),
        };
        let status = match (applicable, status) {
            (Some(false), Some(None)) => Some(Some(SoaStatus::Excluded)),
            (Some(false), Some(Some(s))) if s != SoaStatus::Excluded => {
                errors.add(
                    "implementation_status",
                    "A control that does not apply is excluded: choose Excluded or leave the status empty.",
                );
                None
            }
            (Some(true), Some(Some(SoaStatus::Excluded))) => {
                errors
                    .add("implementation_status", "A control that applies cannot be excluded: choose another status.");
                None
            }
            (_, status) => status,
        };
        let owner_id = parse_owner(&self.owner_id, errors);
        let mut system_ids = Vec::new();
        for raw in &self.ai_systems {
            match raw.trim().parse::<Uuid>() {
                Ok(id) if systems.iter().any(|s| s.system_id == id) => {
                    if !system_ids.contains(&id) {
                        system_ids.push(id);
                    }
                }
                _ => errors.add("ai_systems", "Choose AI systems from the inventory."),
            }
        }
        if self.notes.chars().count() > 20_000 {
            errors.add("notes", "The notes have at most 20,000 characters.");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(SoaInput {
            title: if custom { title.to_string() } else { String::new() },
            applicable: applicable?,
            justification: justification.to_string(),
            reason_codes,
            status: status?,
            owner_id: owner_id?,
            system_ids,
            notes: self.notes.clone(),
        })
    }
}

/// A checkbox of a group.
#[derive(Debug, Clone)]
pub struct CheckOption {
    /// Submitted value.
    pub value: String,
    /// Shown label.
    pub label: String,
    /// Ticked.
    pub checked: bool,
}

fn applicable_options() -> Vec<SelectOption> {
    vec![
        SelectOption::new("", "— Not decided yet —"),
        SelectOption::new("yes", "Yes: the control applies and is part of the AIMS"),
        SelectOption::new("no", "No: the control is excluded"),
    ]
}

fn status_options() -> Vec<SelectOption> {
    std::iter::once(SelectOption::new("", "— Not set —"))
        .chain(SoaStatus::ALL.iter().map(|s| SelectOption::new(s.as_str(), s.label())))
        .collect()
}

/// The row form (show page and new own control), with everything its selects need.
struct RowForm {
    form: SoaForm,
    errors: FormErrors,
    owners: Vec<SelectOption>,
    statuses: Vec<SelectOption>,
    applicables: Vec<SelectOption>,
    reasons: Vec<CheckOption>,
    systems: Vec<CheckOption>,
}

/// The AI systems a row may name: those in the inventory, plus archived ones it names already.
fn system_choices(mut choices: Vec<SystemChoice>, item: Option<&SoaItem>) -> Vec<SystemChoice> {
    if let Some(item) = item {
        for s in &item.systems {
            if !choices.iter().any(|c| c.system_id == s.system_id) {
                choices.push(s.clone());
            }
        }
    }
    choices
}

async fn row_form(
    state: &AppState,
    ws: &Workspace,
    item: Option<&SoaItem>,
    form: SoaForm,
    errors: FormErrors,
) -> AppResult<RowForm> {
    let mut tx = ws.begin(state).await?;
    let members = aims_db::members::choices(&mut tx).await?;
    let systems = system_choices(aims_db::ai_systems::choices(&mut tx).await?, item);
    tx.commit().await?;
    let reasons = ReasonCode::ALL
        .iter()
        .map(|c| CheckOption {
            value: c.as_str().into(),
            label: c.label().into(),
            checked: form.reason_codes.iter().any(|r| r == c.as_str()),
        })
        .collect();
    let systems = systems
        .iter()
        .map(|s| CheckOption {
            value: s.system_id.to_string(),
            label: s.label(),
            checked: form.ai_systems.iter().any(|v| *v == s.system_id.to_string()),
        })
        .collect();
    Ok(RowForm {
        owners: owner_options(&members),
        statuses: status_options(),
        applicables: applicable_options(),
        reasons,
        systems,
        form,
        errors,
    })
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
    /// Someone saved first: the stored values are shown above the user's.
    conflict: bool,
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
        let history =
            aims_db::audit::for_entity(&mut tx, aims_db::record::Entity::SoaEntry, &item.control_id, 30).await?;
        let items = soa::list(&mut tx).await?;
        tx.commit().await?;
        let at = items.iter().position(|i| i.control_id == item.control_id);
        let neighbour = |i: Option<usize>| i.and_then(|i| items.get(i)).map(|n| (n.control_id.clone(), n.label()));
        let prev = neighbour(at.and_then(|i| i.checked_sub(1)));
        let next = neighbour(at.map(|i| i + 1));
        let edit = if ws.may(Action::Edit) {
            let (form, errors) = form.unwrap_or_else(|| (SoaForm::from_item(&item), FormErrors::new()));
            Some(row_form(state, &ws, Some(&item), form, errors).await?)
        } else {
            None
        };
        Ok(SoaShowPage {
            evidence: catalogue().control(&item.control_id).map(|c| c.evidence.clone()).unwrap_or_default(),
            conflict: false,
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

async fn show(
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

fn soa_error(err: SoaError, errors: &mut FormErrors) -> Result<Option<Box<SoaItem>>, AppError> {
    match err {
        SoaError::NotFound => Err(AppError::NotFound),
        SoaError::Db(e) => Err(e.into()),
        SoaError::NotAMember => {
            errors.add("owner_id", "The owner must be a member of this workspace.");
            Ok(None)
        }
        SoaError::UnknownSystem => {
            errors.add("ai_systems", "Choose AI systems from the inventory.");
            Ok(None)
        }
        SoaError::Taken => {
            errors.add("control_id", "This id is in the SoA already: choose another.");
            Ok(None)
        }
        SoaError::Stale(current) => Ok(Some(current)),
    }
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, control_id)): Path<(String, String)>,
    MultiForm(form): MultiForm<SoaForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let current = soa::get(&mut tx, &control_id).await?.ok_or(AppError::NotFound)?;
    let systems = system_choices(aims_db::ai_systems::choices(&mut tx).await?, Some(&current));
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&current.label(), current.custom, &systems, &mut errors) else {
        drop(tx);
        return Ok(invalid(SoaShowPage::load(&state, ws, page, current, Some((form, errors))).await?));
    };
    match soa::save(&mut tx, &control_id, &input, form.version).await {
        Ok(item) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} saved.", item.label()))).await?;
            Ok(Redirect::to(&ws.path(&format!("soa/{control_id}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            match soa_error(err, &mut errors)? {
                None => Ok(invalid(SoaShowPage::load(&state, ws, page, current, Some((form, errors))).await?)),
                Some(newer) => {
                    // Keep the user's values against the current version; show the stored ones.
                    let form = SoaForm { version: newer.version, ..form };
                    let mut page = SoaShowPage::load(&state, ws, page, *newer, Some((form, errors))).await?;
                    page.conflict = true;
                    Ok((StatusCode::CONFLICT, page).into_response())
                }
            }
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

async fn new_form(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let edit = row_form(&state, &ws, None, SoaForm::default(), FormErrors::new()).await?;
    Ok(SoaNewPage { page, ws, edit })
}

async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    MultiForm(form): MultiForm<SoaForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut errors = FormErrors::new();
    let mut tx = ws.begin(&state).await?;
    let systems = aims_db::ai_systems::choices(&mut tx).await?;
    let control_id = parse_control_id(&form.control_id, &mut errors);
    let label = match &control_id {
        Some(id) if !form.title.trim().is_empty() => format!("{id} {}", form.title.trim()),
        Some(id) => id.clone(),
        None => "This control".to_string(),
    };
    let input = form.parse(&label, true, &systems, &mut errors);
    let (Some(control_id), Some(input)) = (control_id, input) else {
        drop(tx);
        let edit = row_form(&state, &ws, None, form, errors).await?;
        return Ok(invalid(SoaNewPage { page, ws, edit }));
    };
    match soa::create_custom(&mut tx, &control_id, &input).await {
        Ok(item) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} added to the SoA.", item.label()))).await?;
            Ok(Redirect::to(&ws.path(&format!("soa/{control_id}"))).into_response())
        }
        Err(err) => {
            drop(tx);
            soa_error(err, &mut errors)?;
            let edit = row_form(&state, &ws, None, form, errors).await?;
            Ok(invalid(SoaNewPage { page, ws, edit }))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Approved versions and their differences

#[derive(Template, WebTemplate)]
#[template(path = "pages/soa/versions.html")]
struct SoaVersionsPage {
    page: PageCtx,
    ws: Workspace,
    versions: Vec<VersionSummary>,
}

async fn versions(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
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
}

async fn load_version(state: &AppState, ws: &Workspace, raw: &str) -> AppResult<SoaVersion> {
    let no: i32 = raw.trim().parse().map_err(|_| AppError::NotFound)?;
    let mut tx = ws.begin(state).await?;
    let version = soa::version(&mut tx, no).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(version)
}

async fn version(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, version_no)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let version = load_version(&state, &ws, &version_no).await?;
    let rows = version.rows();
    Ok(SoaVersionPage {
        tally: tally(rows.as_deref().unwrap_or_default()),
        groups: rows.map(groups),
        link: false,
        full: true,
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

/// What changed in one control.
pub struct ControlDiff {
    /// Control id.
    pub control_id: String,
    /// Title (the newer one).
    pub title: String,
    /// The fields that differ.
    pub changes: Vec<Change>,
}

fn text(s: &str) -> Option<String> {
    if s.trim().is_empty() { None } else { Some(s.to_string()) }
}

fn list_text(items: Vec<String>) -> Option<String> {
    if items.is_empty() { None } else { Some(items.join(", ")) }
}

/// The fields of a row, as the diff compares them.
fn fields(r: &SnapshotRow) -> [(&'static str, Option<String>); 8] {
    [
        ("Title", text(&r.title)),
        ("Applicable", Some(r.applicable_label().to_string())),
        ("Justification", text(&r.justification)),
        ("Reason codes", list_text(r.reason_labels().into_iter().map(String::from).collect())),
        ("Implementation status", text(r.status_label())),
        ("Owner", r.owner.clone()),
        ("AI systems", list_text(r.ai_systems.clone())),
        ("Notes", text(&r.notes)),
    ]
}

/// Changed, added and removed controls between two sets of rows.
fn compare(old: &[SnapshotRow], new: &[SnapshotRow]) -> (Vec<ControlDiff>, Vec<SnapshotRow>, Vec<SnapshotRow>) {
    let old_by_id: HashMap<&str, &SnapshotRow> = old.iter().map(|r| (r.control_id.as_str(), r)).collect();
    let new_ids: HashMap<&str, ()> = new.iter().map(|r| (r.control_id.as_str(), ())).collect();
    let mut changed = Vec::new();
    let mut added = Vec::new();
    for row in new {
        match old_by_id.get(row.control_id.as_str()) {
            None => added.push(row.clone()),
            Some(before) => {
                let changes: Vec<Change> = fields(before)
                    .into_iter()
                    .zip(fields(row))
                    .filter(|((_, b), (_, a))| b != a)
                    .map(|((field, before), (_, after))| Change { field: field.to_string(), before, after })
                    .collect();
                if !changes.is_empty() {
                    changed.push(ControlDiff { control_id: row.control_id.clone(), title: row.title.clone(), changes });
                }
            }
        }
    }
    let removed = old.iter().filter(|r| !new_ids.contains_key(r.control_id.as_str())).cloned().collect();
    (changed, added, removed)
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
    /// False when there is nothing to compare yet (no approved version).
    compared: bool,
    changed: Vec<ControlDiff>,
    added: Vec<SnapshotRow>,
    removed: Vec<SnapshotRow>,
    /// Controls present on both sides without changes.
    unchanged: usize,
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

async fn diff(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(query): Query<DiffQuery>,
) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let versions = soa::versions(&mut tx).await?;
    let latest = versions.first().map(|v| v.version_no.to_string());
    let from = if query.from.trim().is_empty() { latest.clone() } else { Some(query.from.trim().to_string()) };
    let to = if query.to.trim().is_empty() { "current".to_string() } else { query.to.trim().to_string() };
    let sides: Vec<SelectOption> = std::iter::once(SelectOption::new("current", "Working copy"))
        .chain(versions.iter().map(|v| {
            SelectOption::new(
                v.version_no.to_string(),
                format!("v{}, approved {}", v.version_no, crate::view::date(&v.approved_at.date())),
            )
        }))
        .collect();
    let Some(from) = from else {
        tx.commit().await?;
        return Ok(SoaDiffPage {
            page,
            ws,
            sides,
            from: String::new(),
            to,
            from_label: String::new(),
            to_label: String::new(),
            compared: false,
            changed: Vec::new(),
            added: Vec::new(),
            removed: Vec::new(),
            unchanged: 0,
        });
    };
    let old = side_rows(&mut tx, &from).await?;
    let new = side_rows(&mut tx, &to).await?;
    tx.commit().await?;
    let (changed, added, removed) = compare(&old, &new);
    let unchanged = new.len() - added.len() - changed.len();
    Ok(SoaDiffPage {
        from_label: side_label(&from),
        to_label: side_label(&to),
        page,
        ws,
        sides,
        from,
        to,
        compared: true,
        changed,
        added,
        removed,
        unchanged,
    })
}

// ---------------------------------------------------------------------------------------------
// Exports and the printable document

const EXPORT_HEADER: [&str; 12] = [
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

async fn export_rows(state: &AppState, ws: &Workspace) -> AppResult<Vec<Vec<String>>> {
    let mut tx = ws.begin(state).await?;
    let items = soa::list(&mut tx).await?;
    tx.commit().await?;
    Ok(items
        .iter()
        .map(|i| {
            let r = i.snapshot_row();
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

fn export_name(ws: &Workspace, ext: &str) -> String {
    format!("soa-{}-{}.{ext}", ws.org.slug, crate::view::date(&ws.org.today))
}

async fn export_csv(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = export_rows(&state, &ws).await?;
    crate::export::csv(&export_name(&ws, "csv"), &EXPORT_HEADER, &rows)
}

async fn export_xlsx(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = export_rows(&state, &ws).await?;
    crate::export::xlsx(&export_name(&ws, "xlsx"), "Statement of Applicability", &EXPORT_HEADER, &rows)
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
}

async fn print(
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
        tally: tally(&rows),
        groups: groups(rows),
        link: false,
        full: true,
        page,
        ws,
        version,
        latest,
        changed_since,
    })
}
