//! The gap analysis (step 3): every assessable clause and every Annex A control with its current
//! state, maturity (0 to 5), gap, priority and notes, grouped by clause and by Annex A objective,
//! a maturity summary, CSV and XLSX exports, and actions for the plan made from a gap row. The
//! rules live in `aims_domain::gap`; a row of the list saves in place with htmx.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors};
use crate::kit::{self, Conflict, Outcome};
use crate::routing::Routes;
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::actions::{self, ActionInput, ActionSource};
use aims_db::audit::AuditRow;
use aims_db::gap::{self, GapInput, GapItemRow, LinkedAction};
use aims_domain::Action;
use aims_domain::catalogue::MaturityLevel;
use aims_domain::gap::{self as rules, Assessment, Kind, Requirement, Tally};
use aims_domain::roadmap::ActionStatus;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/gap", index)
        .get("/o/{slug}/gap.csv", export_csv)
        .get("/o/{slug}/gap.xlsx", export_xlsx)
        .get("/o/{slug}/gap/{requirement}", show)
        .post("/o/{slug}/gap/{requirement}", update)
        .post("/o/{slug}/gap/{requirement}/actions", add_action)
}

mod view;

pub use view::{GapLine, GapOptions, GroupView, RowEdit, Section};
use view::{build_groups, lines};

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
    by_priority: Vec<Tally>,
    by_gap: Vec<Tally>,
    options: GapOptions,
    can_edit: bool,
}

async fn index(State(state): State<AppState>, ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    let mut tx = ws.begin(&state).await?;
    let items = gap::list(&mut tx).await?;
    let linked = gap::linked_actions(&mut tx).await?;
    tx.commit().await?;
    let (clauses, controls): (Vec<GroupView>, Vec<GroupView>) =
        build_groups(items, linked).into_iter().partition(|g| g.group.kind == Kind::Clause);
    let all: Vec<Assessment> = lines(&clauses).chain(lines(&controls)).map(GapLine::assessment).collect();
    Ok(GapIndexPage {
        assessed: all.iter().filter(|a| a.assessed()).count(),
        total: all.len(),
        open_gaps: all.iter().filter(|a| a.has_gap()).count(),
        by_priority: rules::by_priority(&all),
        by_gap: rules::by_gap(&all),
        sections: vec![
            Section { kind: Kind::Clause, groups: clauses },
            Section { kind: Kind::Control, groups: controls },
        ],
        options: GapOptions::new(),
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
                l.maturity().map_or("", rules::maturity_title).to_string(),
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

/// Gap form values, kept as typed. A row's form on the list leaves out the texts, which then
/// keep their stored values.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GapForm {
    current_state: Option<String>,
    #[serde(default)]
    maturity: String,
    #[serde(default)]
    gap: String,
    #[serde(default)]
    priority: String,
    notes: Option<String>,
    #[serde(default)]
    version: i32,
}

impl GapForm {
    fn from_row(item: Option<&GapItemRow>) -> Self {
        item.map_or_else(GapForm::default, |i| GapForm {
            current_state: Some(i.current_state.clone()),
            maturity: i.maturity.map(|m| m.to_string()).unwrap_or_default(),
            gap: i.gap.clone().unwrap_or_default(),
            priority: i.priority.clone().unwrap_or_default(),
            notes: Some(i.notes.clone()),
            version: i.version,
        })
    }

    /// Fills the texts a row's form left out from the stored row.
    fn or_stored(self, item: Option<&GapItemRow>) -> Self {
        let stored = GapForm::from_row(item);
        GapForm {
            current_state: self.current_state.or(stored.current_state),
            notes: self.notes.or(stored.notes),
            ..self
        }
    }

    /// The typed current state, or "" when the row form left it out.
    pub fn current_state(&self) -> &str {
        self.current_state.as_deref().unwrap_or_default()
    }

    /// The typed notes, or "" when the row form left them out.
    pub fn notes(&self) -> &str {
        self.notes.as_deref().unwrap_or_default()
    }

    fn parse(&self) -> Result<GapInput, FormErrors> {
        let mut errors = FormErrors::new();
        let current_state = forms::text(&rules::CURRENT_STATE, self.current_state(), &mut errors);
        let notes = forms::text(&rules::NOTES, self.notes(), &mut errors);
        let maturity = errors.check("maturity", rules::parse_maturity(&self.maturity));
        let gap = errors.check("gap", rules::parse_gap(&self.gap));
        let priority = errors.check("priority", rules::parse_priority(&self.priority, gap));
        match (current_state, notes, maturity, gap, priority) {
            (Some(current_state), Some(notes), Some(maturity), Some(gap), Some(priority)) if errors.is_empty() => {
                Ok(GapInput { current_state, maturity, gap: Some(gap), priority, notes })
            }
            _ => Err(errors),
        }
    }

    /// The input with the texts the form left out taken from the stored row.
    fn keep_stored(&self, mut input: GapInput, stored: Option<&GapItemRow>) -> GapInput {
        if let Some(row) = stored {
            if self.current_state.is_none() {
                input.current_state = row.current_state.clone();
            }
            if self.notes.is_none() {
                input.notes = row.notes.clone();
            }
        }
        input
    }

    /// The values as people read them, for the conflict banner.
    fn shown(&self, o: &GapOptions) -> Vec<(&'static str, String)> {
        vec![
            ("Current state", self.current_state().to_string()),
            ("Maturity", forms::option_label(&o.maturities, &self.maturity)),
            ("Gap", forms::option_label(&o.gaps, &self.gap)),
            ("Priority", forms::option_label(&o.priorities, &self.priority)),
            ("Notes", self.notes().to_string()),
        ]
    }

    /// The conflict of this (refused) form with the row stored now; the form moves to its version.
    fn against(self, current: &GapItemRow, o: &GapOptions) -> (GapForm, Conflict) {
        let form = GapForm { version: current.version, ..self.or_stored(Some(current)) };
        (form.clone(), Conflict::between(GapForm::from_row(Some(current)).shown(o), form.shown(o)))
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
    options: GapOptions,
    levels: &'static [MaturityLevel],
    conflict: Option<Conflict>,
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
        let (prev, next) = req.neighbours();
        Ok(GapShowPage {
            form: form.unwrap_or_default().or_stored(item.as_ref()),
            options: GapOptions::new(),
            levels: rules::maturity_levels(),
            conflict: None,
            can_edit: ws.may(Action::Edit),
            prev,
            next,
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

impl GapShowPage {
    fn reload_url(&self) -> String {
        self.ws.path(&format!("gap/{}", self.req.id))
    }
}

/// The title of a maturity level, as a method so that askama's references deref by themselves.
pub trait MaturityTitle {
    /// `Defined` for 3.
    fn level_title(&self) -> &'static str;
}

impl MaturityTitle for u8 {
    fn level_title(&self) -> &'static str {
        rules::maturity_title(*self)
    }
}

/// One row of the list, answered to htmx after the row's form was posted.
#[derive(Template, WebTemplate)]
#[template(path = "pages/gap/row_part.html")]
struct GapRowPart {
    page: PageCtx,
    ws: Workspace,
    l: GapLine,
    options: GapOptions,
    can_edit: bool,
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
    hx: HxRequest,
    Path((_, id)): Path<(String, String)>,
    AppForm(form): AppForm<GapForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let req = requirement(&id)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => {
            Outcome::write(&ws, &state, async |tx| {
                // A row's form leaves out the texts: keep the stored ones (the version check
                // below refuses the save if they changed since).
                let input = form.keep_stored(input, gap::get(tx, req.id).await?.as_ref());
                gap::save(tx, req.id, &input, form.version).await
            })
            .await?
        }
    };
    if hx.0 {
        return row_answer(&state, ws, page, req, form, outcome).await;
    }
    match outcome {
        Outcome::Saved(_) => {
            kit::saved(&session, &ws.path(&format!("gap#gap-{}", req.id)), format!("{} saved.", req.label())).await
        }
        Outcome::Invalid(errors) => {
            Ok(kit::invalid(GapShowPage::load(&state, ws, page, req, Some(form), errors).await?))
        }
        Outcome::Stale(current) => {
            let (form, conflict) = form.against(&current, &GapOptions::new());
            let mut page = GapShowPage::load(&state, ws, page, req, Some(form), FormErrors::new()).await?;
            page.conflict = Some(conflict);
            Ok(kit::conflict(page))
        }
        // Gap rows are never archived.
        Outcome::Archived(_) => Err(AppError::NotFound),
    }
}

/// The answer to htmx: the row as stored now (200), or with the user's values and the errors
/// (422) or the conflict (409), so htmx swaps just that row.
async fn row_answer(
    state: &AppState,
    ws: Workspace,
    page: PageCtx,
    req: Requirement,
    form: GapForm,
    outcome: Outcome<GapItemRow>,
) -> AppResult<Response> {
    let options = GapOptions::new();
    let (status, edit) = match outcome {
        Outcome::Saved(_) => (StatusCode::OK, None),
        Outcome::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, Some(RowEdit { form, errors, conflict: None })),
        Outcome::Stale(current) => {
            let (form, conflict) = form.against(&current, &options);
            (StatusCode::CONFLICT, Some(RowEdit { form, errors: FormErrors::new(), conflict: Some(conflict) }))
        }
        Outcome::Archived(_) => return Err(AppError::NotFound),
    };
    let mut tx = ws.begin(state).await?;
    let item = gap::get(&mut tx, req.id).await?;
    let actions = gap::actions_for(&mut tx, req.id).await?;
    tx.commit().await?;
    let can_edit = ws.may(Action::Edit);
    let part = GapRowPart { l: GapLine { req, item, actions, edit }, options, can_edit, page, ws };
    Ok((status, [(header::VARY, "HX-Request")], part).into_response())
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
    let line = GapLine { req, item, actions: Vec::new(), edit: None };
    let proposed = rules::proposed_action(&req, line.assessment(), line.current_state());
    let input = ActionInput {
        title: proposed.title,
        description: proposed.description,
        owner_id: None,
        due_date: None,
        priority: proposed.priority,
        status: ActionStatus::Open,
        step_number: Some(rules::ACTION_STEP),
    };
    let source = ActionSource { kind: gap::ACTION_SOURCE, id: req.id.to_string(), label: proposed.source_label };
    let row = actions::create(&mut tx, &input, Some(&source)).await?;
    tx.commit().await?;
    let message = format!(
        "{} added to the implementation plan for {}. Give it an owner and a due date.",
        row.reference(),
        req.id
    );
    kit::saved(&session, &ws.path(&format!("actions/{}", row.action_id)), message).await
}
