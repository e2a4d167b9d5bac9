//! The gap analysis (step 3): every assessable clause and every Annex A control with its current
//! state, maturity (0 to 5), gap, priority and notes, grouped by clause and by Annex A objective,
//! a maturity summary, CSV and XLSX exports, and actions for the plan made from a gap row.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption};
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::actions::{self, ActionInput, ActionSource};
use aims_db::audit::AuditRow;
use aims_db::gap::{self, GapError, GapInput, GapItemRow, LinkedAction};
use aims_domain::Action;
use aims_domain::catalogue::{MaturityLevel, catalogue};
use aims_domain::registers::GapLevel;
use aims_domain::roadmap::{ActionStatus, Priority};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/gap", index)
        .get("/o/{slug}/gap.csv", export_csv)
        .get("/o/{slug}/gap.xlsx", export_xlsx)
        .get("/o/{slug}/gap/{requirement}", show)
        .post("/o/{slug}/gap/{requirement}", update)
        .post("/o/{slug}/gap/{requirement}/actions", add_action)
}

/// The step of the roadmap that actions made from a gap serve (the implementation plan).
const ACTION_STEP: u8 = 4;

/// Whether a requirement is a clause or an Annex A control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An assessable clause (4.1 to 10.2).
    Clause,
    /// An Annex A control.
    Control,
}

impl Kind {
    /// `clause` or `control` (the rows' `data-kind`).
    pub fn key(self) -> &'static str {
        match self {
            Kind::Clause => "clause",
            Kind::Control => "control",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Clause => "Clause",
            Kind::Control => "Annex A control",
        }
    }
}

/// A clause group (4 to 10) or an Annex A objective (A.6.1 and A.6.2 are groups of their own).
#[derive(Debug, Clone, Copy)]
pub struct Group {
    /// `6`, `A.6.1`, …
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
    /// The objective a sub-group belongs to (`A.6` for `A.6.1`): id and title.
    pub parent: Option<(&'static str, &'static str)>,
    /// Clauses or controls.
    pub kind: Kind,
}

impl Group {
    /// `6 Planning`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.title)
    }
}

/// A requirement of the gap analysis, in the catalogue's words.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    /// `6.1.2`, `A.6.2.4`.
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Clause or control.
    pub kind: Kind,
    /// What it asks.
    pub summary: &'static str,
    /// Evidence auditors usually ask for.
    pub evidence: &'static [String],
    /// The mandatory documented information it calls for.
    pub mandatory_document: Option<&'static str>,
    /// Its clause group or objective.
    pub group: Group,
}

impl Requirement {
    /// The 70 requirements in catalogue order, grouped (clause groups first, then objectives).
    pub fn grouped() -> &'static [(Group, Vec<Requirement>)] {
        static GROUPS: OnceLock<Vec<(Group, Vec<Requirement>)>> = OnceLock::new();
        GROUPS.get_or_init(|| {
            let c = catalogue();
            let mut out = Vec::new();
            for top in c.clauses.iter().filter(|cl| cl.parent.is_empty()) {
                let group = Group { id: &top.id, title: &top.title, parent: None, kind: Kind::Clause };
                let reqs: Vec<Requirement> = c
                    .clauses
                    .iter()
                    .filter(|cl| cl.assessable && cl.id.split('.').next() == Some(top.id.as_str()))
                    .map(|cl| Requirement {
                        id: &cl.id,
                        title: &cl.title,
                        kind: Kind::Clause,
                        summary: &cl.summary,
                        evidence: &cl.evidence,
                        mandatory_document: cl.mandatory_document.as_deref(),
                        group,
                    })
                    .collect();
                if !reqs.is_empty() {
                    out.push((group, reqs));
                }
            }
            for objective in &c.objectives {
                let parent = c
                    .objectives
                    .iter()
                    .find(|o| !objective.parent.is_empty() && o.id == objective.parent)
                    .map(|o| (o.id.as_str(), o.title.as_str()));
                let group = Group { id: &objective.id, title: &objective.title, parent, kind: Kind::Control };
                let reqs: Vec<Requirement> = c
                    .controls
                    .iter()
                    .filter(|ctl| ctl.objective == objective.id)
                    .map(|ctl| Requirement {
                        id: &ctl.id,
                        title: &ctl.title,
                        kind: Kind::Control,
                        summary: &ctl.summary,
                        evidence: &ctl.evidence,
                        mandatory_document: None,
                        group,
                    })
                    .collect();
                if !reqs.is_empty() {
                    out.push((group, reqs));
                }
            }
            out
        })
    }

    /// Every requirement, in order.
    pub fn all() -> impl Iterator<Item = &'static Requirement> {
        Self::grouped().iter().flat_map(|(_, reqs)| reqs.iter())
    }

    /// A requirement by id (None for unknown ids and grouping headings such as `6.1`).
    pub fn find(id: &str) -> Option<Requirement> {
        Self::all().find(|r| r.id == id).copied()
    }

    /// `6.1.2 AI risk assessment`.
    pub fn label(&self) -> String {
        format!("{} {}", self.id, self.title)
    }
}

/// The title of a maturity level (0 to 5) in the taxonomy.
pub fn maturity_title(level: u8) -> &'static str {
    catalogue().taxonomy.maturity_levels.iter().find(|l| l.level == level).map_or("", |l| l.title.as_str())
}

/// The badge tone of a gap level, as a method so that askama's references deref by themselves.
pub trait GapTone {
    /// `green`, `amber` or `red`.
    fn tone(&self) -> &'static str;
}

impl GapTone for GapLevel {
    fn tone(&self) -> &'static str {
        gap_tone(*self)
    }
}

/// The title of a maturity level, as a method for templates.
pub trait MaturityTitle {
    /// `Defined` for 3.
    fn level_title(&self) -> &'static str;
}

impl MaturityTitle for u8 {
    fn level_title(&self) -> &'static str {
        maturity_title(*self)
    }
}

/// The maturity scale of the taxonomy.
pub fn maturity_levels() -> &'static [MaturityLevel] {
    &catalogue().taxonomy.maturity_levels
}

/// The badge tone of a gap level.
pub fn gap_tone(level: GapLevel) -> &'static str {
    match level {
        GapLevel::None => "green",
        GapLevel::Partial => "amber",
        GapLevel::Full => "red",
    }
}

/// One row of the gap analysis: the requirement, its assessment if any, its actions.
pub struct GapLine {
    /// The requirement.
    pub req: Requirement,
    /// The stored assessment.
    pub item: Option<GapItemRow>,
    /// Linked actions of the plan.
    pub actions: Vec<LinkedAction>,
}

impl GapLine {
    /// The maturity level.
    pub fn maturity(&self) -> Option<u8> {
        self.item.as_ref().and_then(GapItemRow::maturity)
    }

    /// The level's title, or "".
    pub fn maturity_title(&self) -> &'static str {
        self.maturity().map_or("", maturity_title)
    }

    /// The gap level.
    pub fn gap(&self) -> Option<GapLevel> {
        self.item.as_ref().and_then(GapItemRow::gap)
    }

    /// The badge tone of the gap.
    pub fn gap_tone(&self) -> &'static str {
        self.gap().map_or("neutral", gap_tone)
    }

    /// The priority.
    pub fn priority(&self) -> Option<Priority> {
        self.item.as_ref().and_then(GapItemRow::priority)
    }

    /// Whether there is something to close (a partial or full gap).
    pub fn has_gap(&self) -> bool {
        matches!(self.gap(), Some(GapLevel::Partial | GapLevel::Full))
    }

    /// Whether the requirement was assessed (gap or maturity given).
    pub fn assessed(&self) -> bool {
        self.item.as_ref().is_some_and(|i| i.gap.is_some() || i.maturity.is_some())
    }

    /// What is in place today.
    pub fn current_state(&self) -> &str {
        self.item.as_ref().map_or("", |i| i.current_state.as_str())
    }

    /// Notes.
    pub fn notes(&self) -> &str {
        self.item.as_ref().map_or("", |i| i.notes.as_str())
    }
}

/// A group of rows with its maturity average.
pub struct GroupView {
    /// The clause group or objective.
    pub group: Group,
    /// Its rows.
    pub lines: Vec<GapLine>,
}

impl GroupView {
    /// How many rows have a maturity.
    pub fn rated(&self) -> usize {
        self.lines.iter().filter(|l| l.maturity().is_some()).count()
    }

    /// The average maturity of the rated rows, in tenths (23 = 2.3), rounded.
    pub fn average_tenths(&self) -> Option<u32> {
        let levels: Vec<u32> = self.lines.iter().filter_map(GapLine::maturity).map(u32::from).collect();
        let n = levels.len() as u32;
        (n > 0).then(|| (levels.iter().sum::<u32>() * 20 + n) / (2 * n))
    }

    /// `2.3`, or "" when nothing is rated.
    pub fn average_text(&self) -> String {
        self.average_tenths().map_or_else(String::new, |t| format!("{}.{}", t / 10, t % 10))
    }

    /// The bar's accessible name.
    pub fn bar_label(&self) -> String {
        match self.average_tenths() {
            Some(_) => format!("Average maturity of {}: {} of 5", self.group.label(), self.average_text()),
            None => format!("Average maturity of {}: not rated", self.group.label()),
        }
    }

    /// The average as a percentage of level 5 (bar width).
    pub fn percent(&self) -> u32 {
        self.average_tenths().map_or(0, |t| t * 2)
    }
}

/// Builds the grouped rows from the stored assessments and the linked actions.
fn build_groups(items: Vec<GapItemRow>, linked: Vec<LinkedAction>) -> Vec<GroupView> {
    let mut items: HashMap<String, GapItemRow> = items.into_iter().map(|i| (i.requirement_id.clone(), i)).collect();
    let mut by_req: HashMap<String, Vec<LinkedAction>> = HashMap::new();
    for a in linked {
        by_req.entry(a.requirement_id.clone()).or_default().push(a);
    }
    Requirement::grouped()
        .iter()
        .map(|(group, reqs)| GroupView {
            group: *group,
            lines: reqs
                .iter()
                .map(|r| GapLine {
                    req: *r,
                    item: items.remove(r.id),
                    actions: by_req.remove(r.id).unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// A count shown in the summary.
pub struct Tally {
    /// Label.
    pub label: &'static str,
    /// Badge tone.
    pub tone: &'static str,
    /// Count.
    pub count: usize,
}

/// The clauses or the Annex A controls, with their groups.
pub struct Section {
    /// Clauses or controls.
    pub kind: Kind,
    /// Heading of the table.
    pub title: &'static str,
    /// Heading of the maturity summary.
    pub summary_title: &'static str,
    /// Its groups.
    pub groups: Vec<GroupView>,
}

impl Section {
    /// How many rows are assessed.
    pub fn assessed(&self) -> usize {
        lines(&self.groups).filter(|l| l.assessed()).count()
    }

    /// How many rows there are.
    pub fn total(&self) -> usize {
        lines(&self.groups).count()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/gap/index.html")]
struct GapIndexPage {
    page: PageCtx,
    ws: Workspace,
    /// Clauses, then Annex A controls.
    sections: Vec<Section>,
    assessed: usize,
    total: usize,
    /// Rows with a partial or full gap.
    open_gaps: usize,
    /// Open gaps by priority, most urgent first, then those without one.
    by_priority: Vec<Tally>,
    /// Rows by gap level, then not assessed.
    by_gap: Vec<Tally>,
    can_edit: bool,
}

fn lines(groups: &[GroupView]) -> impl Iterator<Item = &GapLine> {
    groups.iter().flat_map(|g| g.lines.iter())
}

async fn index(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let items = gap::list(&mut tx).await?;
    let linked = gap::linked_actions(&mut tx).await?;
    tx.commit().await?;
    let (clauses, controls): (Vec<GroupView>, Vec<GroupView>) =
        build_groups(items, linked).into_iter().partition(|g| g.group.kind == Kind::Clause);
    let all: Vec<&GapLine> = lines(&clauses).chain(lines(&controls)).collect();
    let count = |f: &dyn Fn(&GapLine) -> bool| all.iter().filter(|l| f(l)).count();
    let mut by_priority: Vec<Tally> = Priority::ALL
        .iter()
        .rev()
        .map(|p| Tally {
            label: p.label(),
            tone: crate::view::status_tone(p.as_str()),
            count: count(&|l| l.has_gap() && l.priority() == Some(*p)),
        })
        .collect();
    by_priority.push(Tally {
        label: "No priority",
        tone: "neutral",
        count: count(&|l| l.has_gap() && l.priority().is_none()),
    });
    let mut by_gap: Vec<Tally> = GapLevel::ALL
        .iter()
        .rev()
        .map(|g| Tally { label: g.label(), tone: gap_tone(*g), count: count(&|l| l.gap() == Some(*g)) })
        .collect();
    by_gap.push(Tally { label: "Not assessed", tone: "neutral", count: count(&|l| !l.assessed()) });
    let (assessed, total, open_gaps) = (count(&GapLine::assessed), all.len(), count(&GapLine::has_gap));
    drop(all);
    Ok(GapIndexPage {
        sections: vec![
            Section {
                kind: Kind::Clause,
                title: "Clauses 4 to 10",
                summary_title: "Maturity by clause",
                groups: clauses,
            },
            Section {
                kind: Kind::Control,
                title: "Annex A controls",
                summary_title: "Maturity by Annex A objective",
                groups: controls,
            },
        ],
        assessed,
        total,
        open_gaps,
        by_priority,
        by_gap,
        can_edit: ws.may(Action::Edit),
        page,
        ws,
    })
}

const EXPORT_HEADER: [&str; 12] = [
    "ID",
    "Type",
    "Group",
    "Title",
    "Current state",
    "Maturity",
    "Maturity title",
    "Gap",
    "Priority",
    "Notes",
    "Linked actions",
    "Last updated",
];

async fn export_rows(state: &AppState, ws: &Workspace) -> AppResult<Vec<Vec<String>>> {
    let mut tx = ws.begin(state).await?;
    let items = gap::list(&mut tx).await?;
    let linked = gap::linked_actions(&mut tx).await?;
    tx.commit().await?;
    let groups = build_groups(items, linked);
    Ok(lines(&groups)
        .map(|l| {
            vec![
                l.req.id.to_string(),
                l.req.kind.key().to_string(),
                l.req.group.label(),
                l.req.title.to_string(),
                l.current_state().to_string(),
                l.maturity().map(|m| m.to_string()).unwrap_or_default(),
                l.maturity_title().to_string(),
                l.gap().map(|g| g.label().to_string()).unwrap_or_default(),
                l.priority().map(|p| p.label().to_string()).unwrap_or_default(),
                l.notes().to_string(),
                l.actions
                    .iter()
                    .map(|a| format!("{} {} ({})", a.reference(), a.title, a.status().label()))
                    .collect::<Vec<_>>()
                    .join("; "),
                l.item.as_ref().map(|i| crate::view::datetime(&i.updated_at)).unwrap_or_default(),
            ]
        })
        .collect())
}

fn export_name(ws: &Workspace, ext: &str) -> String {
    format!("gap-analysis-{}-{}.{ext}", ws.org.slug, crate::view::date(&ws.org.today))
}

async fn export_csv(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = export_rows(&state, &ws).await?;
    crate::export::csv(&export_name(&ws, "csv"), &EXPORT_HEADER, &rows)
}

async fn export_xlsx(State(state): State<AppState>, ws: Workspace) -> AppResult<Response> {
    let rows = export_rows(&state, &ws).await?;
    crate::export::xlsx(&export_name(&ws, "xlsx"), "Gap analysis", &EXPORT_HEADER, &rows)
}

/// Gap form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct GapForm {
    #[serde(default)]
    current_state: String,
    #[serde(default)]
    maturity: String,
    #[serde(default)]
    gap: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    version: i32,
}

impl GapForm {
    fn from_row(item: Option<&GapItemRow>) -> Self {
        item.map_or_else(GapForm::default, |i| GapForm {
            current_state: i.current_state.clone(),
            maturity: i.maturity.map(|m| m.to_string()).unwrap_or_default(),
            gap: i.gap.clone().unwrap_or_default(),
            priority: i.priority.clone().unwrap_or_default(),
            notes: i.notes.clone(),
            version: i.version,
        })
    }

    fn parse(&self, errors: &mut FormErrors) -> Option<GapInput> {
        if self.current_state.chars().count() > 20_000 {
            errors.add("current_state", "The current state has at most 20,000 characters.");
        }
        if self.notes.chars().count() > 20_000 {
            errors.add("notes", "The notes have at most 20,000 characters.");
        }
        let maturity = match self.maturity.trim() {
            "" => Some(None),
            raw => errors.check(
                "maturity",
                raw.parse::<u8>().ok().filter(|m| *m <= 5).map(Some).ok_or("Choose a maturity level from 0 to 5."),
            ),
        };
        let gap = match self.gap.trim() {
            "" => {
                errors.add("gap", "Choose how big the gap is.");
                None
            }
            raw => {
                errors.check("gap", raw.parse::<GapLevel>().map_err(|_| "Choose no gap, a partial gap or a full gap."))
            }
        };
        let priority = match self.priority.trim() {
            "" if matches!(gap, Some(GapLevel::Partial | GapLevel::Full)) => {
                errors.add("priority", "Give the gap a priority.");
                None
            }
            "" => Some(None),
            raw => errors.check("priority", raw.parse::<Priority>().map(Some).map_err(|_| "Choose a priority.")),
        };
        if !errors.is_empty() {
            return None;
        }
        Some(GapInput {
            current_state: self.current_state.clone(),
            maturity: maturity?,
            gap: Some(gap?),
            priority: priority?,
            notes: self.notes.clone(),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/gap/show.html")]
struct GapShowPage {
    page: PageCtx,
    ws: Workspace,
    req: Requirement,
    /// The stored assessment (None: not assessed yet).
    item: Option<GapItemRow>,
    actions: Vec<LinkedAction>,
    history: Vec<AuditRow>,
    form: GapForm,
    errors: FormErrors,
    maturities: Vec<SelectOption>,
    gaps: Vec<SelectOption>,
    priorities: Vec<SelectOption>,
    levels: &'static [MaturityLevel],
    /// Someone saved first: the stored values are shown above the user's.
    conflict: bool,
    can_edit: bool,
    prev: Option<Requirement>,
    next: Option<Requirement>,
}

impl GapShowPage {
    /// Loads the stored row, linked actions and history; `form` None shows the stored values.
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        req: Requirement,
        form: Option<GapForm>,
        errors: FormErrors,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let item = gap::get(&mut tx, req.id).await?;
        let actions = gap::actions_for(&mut tx, req.id).await?;
        let history = aims_db::audit::for_entity(&mut tx, aims_db::record::Entity::GapItem, req.id, 30).await?;
        tx.commit().await?;
        let all: Vec<&Requirement> = Requirement::all().collect();
        let at = all.iter().position(|r| r.id == req.id).unwrap_or(0);
        let levels = maturity_levels();
        Ok(GapShowPage {
            form: form.unwrap_or_else(|| GapForm::from_row(item.as_ref())),
            maturities: std::iter::once(SelectOption::new("", "— Not rated —"))
                .chain(
                    levels.iter().map(|l| SelectOption::new(l.level.to_string(), format!("{} · {}", l.level, l.title))),
                )
                .collect(),
            gaps: std::iter::once(SelectOption::new("", "— Choose —"))
                .chain(GapLevel::ALL.iter().map(|g| SelectOption::new(g.as_str(), g.label())))
                .collect(),
            priorities: std::iter::once(SelectOption::new("", "— No priority —"))
                .chain(Priority::ALL.iter().rev().map(|p| SelectOption::new(p.as_str(), p.label())))
                .collect(),
            levels,
            conflict: false,
            can_edit: ws.may(Action::Edit),
            prev: at.checked_sub(1).and_then(|i| all.get(i)).map(|r| **r),
            next: all.get(at + 1).map(|r| **r),
            page,
            ws,
            req,
            item,
            actions,
            history,
            errors,
        })
    }
}

fn requirement(id: &str) -> AppResult<Requirement> {
    Requirement::find(id).ok_or(AppError::NotFound)
}

async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<impl IntoResponse> {
    let req = requirement(&id)?;
    GapShowPage::load(&state, ws, page, req, None, FormErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, String)>,
    AppForm(form): AppForm<GapForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let req = requirement(&id)?;
    let mut errors = FormErrors::new();
    let Some(input) = form.parse(&mut errors) else {
        return Ok(invalid(GapShowPage::load(&state, ws, page, req, Some(form), errors).await?));
    };
    let mut tx = ws.begin(&state).await?;
    match gap::save(&mut tx, req.id, &input, form.version).await {
        Ok(_) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} saved.", req.label()))).await?;
            Ok(Redirect::to(&ws.path(&format!("gap#gap-{}", req.id))).into_response())
        }
        Err(GapError::NotFound) => Err(AppError::NotFound),
        Err(GapError::Db(e)) => Err(e.into()),
        Err(GapError::Stale(_)) => {
            drop(tx);
            // Keep the user's values against the version the page shows as stored.
            let mut page = GapShowPage::load(&state, ws, page, req, Some(form), errors).await?;
            page.form.version = page.item.as_ref().map_or(0, |i| i.version);
            page.conflict = true;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// The default action for a gap row: title, description and priority from the assessment.
fn default_action(req: &Requirement, item: Option<&GapItemRow>) -> ActionInput {
    let level = item.and_then(GapItemRow::gap);
    let priority = item.and_then(GapItemRow::priority).unwrap_or(match level {
        Some(GapLevel::Full) => Priority::High,
        _ => Priority::Medium,
    });
    let mut description = match level {
        Some(l @ (GapLevel::Partial | GapLevel::Full)) => {
            format!(
                "The gap analysis found a {} against {} {}.",
                l.label().to_lowercase(),
                req.kind.label().to_lowercase(),
                req.label()
            )
        }
        _ => format!("Work found in the gap analysis of {} {}.", req.kind.label().to_lowercase(), req.label()),
    };
    description.push_str(&format!("\n\nWhat it asks: {}", req.summary));
    if let Some(state) = item.map(|i| i.current_state.trim()).filter(|s| !s.is_empty()) {
        description.push_str(&format!("\n\nCurrent state: {state}"));
    }
    ActionInput {
        title: truncate(&format!("Close the gap on {}", req.label()), 300),
        description,
        owner_id: None,
        due_date: None,
        priority,
        status: ActionStatus::Open,
        step_number: Some(ACTION_STEP),
    }
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

async fn add_action(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    Path((_, id)): Path<(String, String)>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let req = requirement(&id)?;
    let mut tx = ws.begin(&state).await?;
    let item = gap::get(&mut tx, req.id).await?;
    let input = default_action(&req, item.as_ref());
    let source = ActionSource {
        kind: gap::ACTION_SOURCE,
        id: req.id.to_string(),
        label: truncate(&format!("Gap: {}", req.label()), 300),
    };
    let row = actions::create(&mut tx, &input, Some(&source)).await?;
    tx.commit().await?;
    session
        .flash(Flash::success(format!(
            "{} added to the implementation plan for {}. Give it an owner and a due date.",
            row.reference(),
            req.id
        )))
        .await?;
    Ok(Redirect::to(&ws.path(&format!("actions/{}", row.action_id))).into_response())
}
