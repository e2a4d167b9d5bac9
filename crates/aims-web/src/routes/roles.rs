//! AIMS roles and responsibilities (steps 2 and 9, clause 5.3, Annex A.3.2): who holds which
//! responsibility, the AI systems each role covers, and the RACI matrix of the 18 steps against
//! the roles, edited on the list page as one grid and saved as a whole with a version.

use crate::error::{AppError, AppResult, url_encode};
use crate::extract::{AppForm, HxRequest, MultiForm, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome, RegisterPages};
use crate::routing::Routes;
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::record::{Entity, Register};
use aims_db::roles::{self, AimsRoleFilter, AimsRoleInput, AimsRoleRow, RaciCell, RaciMatrix};
use aims_domain::catalogue::catalogue;
use aims_domain::record::parse_yes_no;
use aims_domain::roles::{
    AimsRoleKind, ROLE_AUTHORITIES, ROLE_HOLDER_EMAIL, ROLE_HOLDER_JOB_TITLE, ROLE_HOLDER_NAME, ROLE_RESPONSIBILITIES,
    ROLE_TITLE, RaciLetter,
};
use aims_domain::{Action, AimsRoleId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/roles", index)
        .get("/o/{slug}/roles.csv", export_csv)
        .get("/o/{slug}/roles/new", new_form)
        .post("/o/{slug}/roles", create)
        .post("/o/{slug}/roles/raci", save_raci)
        .get("/o/{slug}/roles/{role_id}", show)
        .get("/o/{slug}/roles/{role_id}/edit", edit_form)
        .post("/o/{slug}/roles/{role_id}", update)
        .archivable(
            "/o/{slug}/roles/{role_id}/archive",
            "/o/{slug}/roles/{role_id}/restore",
            RegisterPages { register: Register::AimsRoles, list: "roles", show: SHOW },
        )
}

const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    kind: String,
    holder: String,
    archived: String,
}

impl ListQuery {
    fn filter(&self) -> AimsRoleFilter {
        AimsRoleFilter {
            kind: self.kind.parse().ok(),
            holder_user_id: self.holder.parse().ok(),
            archived: parse_yes_no(&self.archived).unwrap_or(false),
        }
    }

    /// The filters as a query string, for the export link.
    fn query_string(&self) -> String {
        [("kind", &self.kind), ("holder", &self.holder), ("archived", &self.archived)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}&", url_encode(v)))
            .collect()
    }
}

/// A role as a column of the RACI grid.
struct RaciColumn {
    reference: String,
    title: String,
    holder: String,
}

/// One select of the RACI grid.
struct RaciGridCell {
    name: String,
    label: String,
    value: String,
    invalid: bool,
}

struct RaciGridRow {
    number: u8,
    title: &'static str,
    cells: Vec<RaciGridCell>,
}

/// The RACI grid as the list page shows it: stored letters, or the user's after a refused save.
struct RaciGrid {
    version: i32,
    columns: Vec<RaciColumn>,
    rows: Vec<RaciGridRow>,
    letters: Vec<SelectOption>,
    error: String,
    conflict: Option<Conflict>,
}

fn cell_name(step: u8, role: AimsRoleId) -> String {
    format!("c{step}-{role}")
}

impl RaciGrid {
    /// The grid of the roles in use; `value` gives each cell's letter key ("" for none).
    fn build(
        roles: &[AimsRoleRow],
        version: i32,
        value: impl Fn(u8, AimsRoleId) -> String,
        bad_step: Option<u8>,
    ) -> Self {
        let rows = catalogue()
            .steps
            .iter()
            .map(|s| RaciGridRow {
                number: s.number,
                title: s.title.as_str(),
                cells: roles
                    .iter()
                    .map(|r| {
                        let value = value(s.number, r.role_id);
                        RaciGridCell {
                            name: cell_name(s.number, r.role_id),
                            label: format!("Step {} {}: {} ({})", s.number, s.title, r.title, r.reference()),
                            invalid: bad_step == Some(s.number) && value == RaciLetter::Accountable.as_str(),
                            value,
                        }
                    })
                    .collect(),
            })
            .collect();
        RaciGrid {
            version,
            columns: roles
                .iter()
                .map(|r| RaciColumn { reference: r.reference(), title: r.title.clone(), holder: r.holder() })
                .collect(),
            rows,
            letters: forms::with_first("", "—", forms::enum_options::<RaciLetter>()),
            error: String::new(),
            conflict: None,
        }
    }

    fn stored(roles: &[AimsRoleRow], matrix: &RaciMatrix) -> Self {
        let letter =
            |step: u8, role| matrix.letter(i16::from(step), role).map_or_else(String::new, |l| l.as_str().into());
        RaciGrid::build(roles, matrix.version, letter, None)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/roles/index.html", blocks = ["results"])]
struct RoleIndexPage {
    page: PageCtx,
    ws: Workspace,
    roles: Vec<AimsRoleRow>,
    query: ListQuery,
    query_string: String,
    kinds: Vec<SelectOption>,
    holders: Vec<SelectOption>,
    filter: AimsRoleFilter,
    can_edit: bool,
    raci: RaciGrid,
}

impl RoleIndexPage {
    fn filtered(&self) -> bool {
        self.filter.kind.is_some() || self.filter.holder_user_id.is_some()
    }

    /// The list page; `raci` draws the grid from the roles in use and the stored matrix, unless
    /// a refused save gives its own.
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        query: ListQuery,
        raci: impl FnOnce(&[AimsRoleRow], &RaciMatrix) -> RaciGrid,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let filter = query.filter();
        let list = roles::list(&mut tx, &filter).await?;
        let in_use = roles::list(&mut tx, &AimsRoleFilter::default()).await?;
        let matrix = roles::raci(&mut tx).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        tx.commit().await?;
        Ok(RoleIndexPage {
            query_string: query.query_string(),
            can_edit: ws.may(Action::Edit),
            kinds: forms::enum_filter::<AimsRoleKind>("Any kind"),
            holders: forms::member_options(&members, "Any holder"),
            raci: raci(&in_use, &matrix),
            page,
            ws,
            roles: list,
            query,
            filter,
        })
    }
}

async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let index = RoleIndexPage::load(&state, ws, page, query, RaciGrid::stored).await?;
    kit::page_or_part(hx, index, |p| p.as_results().render())
}

async fn export_csv(
    State(state): State<AppState>,
    ws: Workspace,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let rows = roles::list(&mut tx, &query.filter()).await?;
    tx.commit().await?;
    let header = [
        "Reference",
        "Kind",
        "Title",
        "Holder",
        "Holder e-mail",
        "Job title",
        "Appointed on",
        "Until",
        "AI systems",
        "Responsibilities",
        "Authorities",
        "Archived",
        "Updated",
    ];
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.reference(),
                r.kind.label().to_string(),
                r.title.clone(),
                r.holder(),
                r.holder_email.clone(),
                r.holder_job_title.clone(),
                crate::view::opt_date(&r.appointed_on),
                crate::view::opt_date(&r.until),
                r.system_refs(),
                r.responsibilities.clone(),
                r.authorities.clone(),
                if r.archived_at.is_some() { "yes" } else { "no" }.to_string(),
                crate::view::datetime(&r.updated_at),
            ]
        })
        .collect();
    crate::export::csv(&format!("roles-{}-{}.csv", ws.org.slug, crate::view::date(&ws.org.today)), &header, &rows)
}

/// Role form values, kept as typed. `system_ids` repeats, so the form is read with `MultiForm`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    kind: String,
    title: String,
    holder_user_id: String,
    holder_name: String,
    holder_email: String,
    holder_job_title: String,
    appointed_on: String,
    until: String,
    responsibilities: String,
    authorities: String,
    system_ids: Vec<String>,
    version: i32,
}

impl RoleForm {
    fn from_row(r: &AimsRoleRow) -> Self {
        RoleForm {
            kind: r.kind.as_str().into(),
            title: r.title.clone(),
            holder_user_id: r.holder_user_id.map(|id| id.to_string()).unwrap_or_default(),
            holder_name: r.holder_name.clone(),
            holder_email: r.holder_email.clone(),
            holder_job_title: r.holder_job_title.clone(),
            appointed_on: r.appointed_on.map(|d| crate::view::date(&d)).unwrap_or_default(),
            until: r.until.map(|d| crate::view::date(&d)).unwrap_or_default(),
            responsibilities: r.responsibilities.clone(),
            authorities: r.authorities.clone(),
            system_ids: r.systems.iter().map(|s| s.system_id.to_string()).collect(),
            version: r.version,
        }
    }

    fn parse(&self) -> Result<AimsRoleInput, FormErrors> {
        use aims_domain::roles::{check_term, holder, role_title};
        let mut errors = FormErrors::new();
        let kind = forms::choice::<AimsRoleKind>("kind", &self.kind, &mut errors);
        let title = forms::text(&ROLE_TITLE, &self.title, &mut errors);
        let title = match (kind, title) {
            (Some(kind), Some(title)) => errors.check("title", role_title(kind, &title)),
            _ => None,
        };
        let member = forms::parse_member("holder_user_id", &self.holder_user_id, &mut errors);
        let name = forms::text(&ROLE_HOLDER_NAME, &self.holder_name, &mut errors);
        let email = forms::text(&ROLE_HOLDER_EMAIL, &self.holder_email, &mut errors);
        let holder = match (member, name, email) {
            (Some(member), Some(name), Some(email)) => match holder(member, &name, &email) {
                Ok(h) => Some(h),
                Err((field, message)) => {
                    errors.add(field, message);
                    None
                }
            },
            _ => None,
        };
        let holder_job_title = forms::text(&ROLE_HOLDER_JOB_TITLE, &self.holder_job_title, &mut errors);
        let appointed_on = errors.check("appointed_on", forms::parse_optional_date(&self.appointed_on));
        let until = errors.check("until", forms::parse_optional_date(&self.until));
        if let (Some(from), Some(to)) = (appointed_on, until) {
            errors.check("until", check_term(from, to));
        }
        let responsibilities = forms::text(&ROLE_RESPONSIBILITIES, &self.responsibilities, &mut errors);
        let authorities = forms::text(&ROLE_AUTHORITIES, &self.authorities, &mut errors);
        let system_ids = errors.check(
            "system_ids",
            self.system_ids
                .iter()
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<Uuid>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| "Choose AI systems from the inventory."),
        );
        let input = (|| {
            Some(AimsRoleInput {
                kind: kind?,
                title: title?,
                holder: holder?,
                holder_job_title: holder_job_title?,
                appointed_on: appointed_on?,
                until: until?,
                responsibilities: responsibilities?,
                authorities: authorities?,
                system_ids: system_ids?,
            })
        })();
        match input {
            Some(input) if errors.is_empty() => Ok(input),
            _ => Err(errors),
        }
    }
}

/// One AI system checkbox of the role form.
pub struct SystemCheck {
    value: String,
    label: String,
    checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/roles/form.html")]
struct RoleFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new role.
    role: Option<AimsRoleRow>,
    form: RoleForm,
    errors: FormErrors,
    kinds: Vec<SelectOption>,
    members: Vec<SelectOption>,
    systems: Vec<SystemCheck>,
    conflict: Option<Conflict>,
}

impl EditPage for RoleFormPage {
    type Row = AimsRoleRow;
    type Form = RoleForm;

    async fn load(cx: Ctx, role: Option<AimsRoleRow>, form: RoleForm, errors: FormErrors) -> AppResult<Self> {
        let Ctx { state, ws, page, .. } = cx;
        let mut tx = ws.begin(&state).await?;
        let members = aims_db::members::choices(&mut tx).await?;
        let choices = aims_db::ai_systems::choices(&mut tx).await?;
        tx.commit().await?;
        let ticked = |id: &str| form.system_ids.iter().any(|s| s.trim() == id);
        let mut systems: Vec<SystemCheck> = choices
            .iter()
            .map(|c| {
                let value = c.system_id.to_string();
                SystemCheck { checked: ticked(&value), label: c.label(), value }
            })
            .collect();
        // Systems archived since they were linked stay visible, so saving does not drop them.
        for s in role.iter().flat_map(|r| &r.systems).filter(|s| s.archived) {
            let value = s.system_id.to_string();
            systems.push(SystemCheck {
                checked: ticked(&value),
                label: format!("{} {} (archived)", s.reference(), s.name),
                value,
            });
        }
        Ok(RoleFormPage {
            kinds: forms::enum_options::<AimsRoleKind>(),
            members: forms::member_options(&members, "— A named person (below) —"),
            systems,
            conflict: None,
            page,
            ws,
            role,
            form,
            errors,
        })
    }

    fn form_of(row: &AimsRoleRow) -> RoleForm {
        RoleForm::from_row(row)
    }

    fn rebase(form: RoleForm, row: &AimsRoleRow) -> RoleForm {
        RoleForm { version: row.version, ..form }
    }

    fn shown(&self, f: &RoleForm) -> Vec<(&'static str, String)> {
        let systems: Vec<String> =
            self.systems.iter().filter(|s| f.system_ids.contains(&s.value)).map(|s| s.label.clone()).collect();
        vec![
            ("Kind", forms::option_label(&self.kinds, &f.kind)),
            ("Title", f.title.clone()),
            ("Held by member", forms::option_label(&self.members, &f.holder_user_id)),
            ("Named person", f.holder_name.clone()),
            ("E-mail", f.holder_email.clone()),
            ("Job title", f.holder_job_title.clone()),
            ("Appointed on", f.appointed_on.clone()),
            ("Until", f.until.clone()),
            ("Responsibilities", f.responsibilities.clone()),
            ("Authorities", f.authorities.clone()),
            ("AI systems", systems.join(", ")),
        ]
    }

    fn form(&self) -> &RoleForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

async fn new_form(cx: Ctx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    let kind = q.kind.parse().unwrap_or(AimsRoleKind::AimsManager).as_str().into();
    cx.new_form::<RoleFormPage>(RoleForm { kind, ..Default::default() }).await
}

async fn create(cx: Ctx, MultiForm(form): MultiForm<RoleForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| roles::create(tx, &input).await).await?,
    };
    cx.created::<RoleFormPage>(outcome, form, |row| {
        (format!("roles/{}", row.role_id), format!("{} created.", row.reference()))
    })
    .await
}

/// A linked record for `ui::linked`.
struct LinkedItem {
    href: String,
    reference: String,
    text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/roles/show.html")]
struct RoleShowPage {
    page: PageCtx,
    ws: Workspace,
    role: AimsRoleRow,
    systems: Vec<LinkedItem>,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let mut tx = ws.begin(&state).await?;
    let role = roles::get(&mut tx, AimsRoleId(id)).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::AimsRole, &id.to_string(), 30).await?;
    tx.commit().await?;
    let systems = role
        .systems
        .iter()
        .map(|s| LinkedItem {
            href: ws.path(&format!("ai-systems/{}", s.system_id)),
            reference: s.reference(),
            text: if s.archived { format!("{} (archived)", s.name) } else { s.name.clone() },
        })
        .collect();
    Ok(RoleShowPage {
        archived: Archived::from_history(role.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        role,
        systems,
        history,
    }
    .into_response())
}

async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, AimsRoleId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| roles::get(tx, id).await).await?;
    cx.edit_form::<RoleFormPage>(row, SHOW, id.0).await
}

async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, AimsRoleId)>,
    MultiForm(form): MultiForm<RoleForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| roles::update(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &AimsRoleRow| format!("{} saved.", row.reference());
    cx.updated::<RoleFormPage>(outcome, form, id.0, format!("roles/{id}"), saved, SHOW, async |tx| {
        roles::get(tx, id).await
    })
    .await
}

/// The RACI grid as posted: `version` and one `c{step}-{role_id}` select per cell. Cells of roles
/// not in use (archived, another workspace's) are ignored.
struct RaciPost {
    version: i32,
    fields: HashMap<String, String>,
}

impl RaciPost {
    fn value(&self, step: u8, role: AimsRoleId) -> String {
        self.fields.get(&cell_name(step, role)).map_or_else(String::new, |v| v.trim().to_string())
    }

    /// The letters of the roles in use, or the step whose letters are refused (with why).
    fn cells(&self, in_use: &[AimsRoleRow]) -> Result<Vec<RaciCell>, (u8, String)> {
        let mut cells = Vec::new();
        for step in catalogue().steps.iter().map(|s| s.number) {
            for role in in_use.iter().map(|r| r.role_id) {
                let value = self.value(step, role);
                if value.is_empty() {
                    continue;
                }
                let letter = value
                    .parse::<RaciLetter>()
                    .map_err(|_| (step, format!("Step {step}: choose R, A, C, I or nothing.")))?;
                cells.push(RaciCell { step_number: i16::from(step), role_id: role, letter });
            }
        }
        let letters: Vec<(u8, RaciLetter)> = cells.iter().map(|c| (c.step_number as u8, c.letter)).collect();
        if let Some(step) = aims_domain::roles::two_accountable(&letters) {
            let title = catalogue().step(step).map_or("", |s| s.title.as_str());
            return Err((
                step,
                format!("Step {step} ({title}) has more than one accountable role: choose one A per step."),
            ));
        }
        Ok(cells)
    }
}

async fn save_raci(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(fields): AppForm<HashMap<String, String>>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let post = RaciPost { version: fields.get("version").and_then(|v| v.trim().parse().ok()).unwrap_or(-1), fields };
    let mut tx = ws.begin(&state).await?;
    let in_use = roles::list(&mut tx, &AimsRoleFilter::default()).await?;
    tx.commit().await?;
    let (cells, refused) = match post.cells(&in_use) {
        Ok(cells) => (cells, None),
        Err(refused) => (Vec::new(), Some(refused)),
    };
    let outcome = match &refused {
        Some((_, message)) => {
            let mut errors = FormErrors::new();
            errors.add("raci", message.clone());
            Outcome::Invalid(errors)
        }
        None => Outcome::write(&ws, &state, async |tx| roles::save_raci(tx, &cells, post.version).await).await?,
    };
    let query = ListQuery::default();
    match outcome {
        Outcome::Saved(_) => kit::saved(&session, &ws.path("roles#raci"), "RACI matrix saved.".into()).await,
        Outcome::Invalid(errors) => {
            let bad_step = refused.map(|(step, _)| step);
            let grid = |roles: &[AimsRoleRow], _: &RaciMatrix| {
                let mut grid = RaciGrid::build(roles, post.version, |s, r| post.value(s, r), bad_step);
                grid.error = errors.get("raci").to_string();
                grid
            };
            Ok(kit::invalid(RoleIndexPage::load(&state, ws, page, query, grid).await?))
        }
        Outcome::Stale(current) | Outcome::Archived(current) => {
            // The user's letters stay in the grid, now against the stored version.
            let yours = RaciMatrix { version: current.version, cells, refs: current.refs.clone() };
            let conflict = Conflict::between(steps_shown(&current), steps_shown(&yours));
            let grid = |roles: &[AimsRoleRow], _: &RaciMatrix| {
                let mut grid = RaciGrid::build(roles, current.version, |s, r| post.value(s, r), None);
                grid.conflict = Some(conflict);
                grid
            };
            Ok(kit::conflict(RoleIndexPage::load(&state, ws, page, query, grid).await?))
        }
    }
}

/// Each step's letters as people read them, for the conflict banner.
fn steps_shown(matrix: &RaciMatrix) -> Vec<(&'static str, String)> {
    catalogue().steps.iter().map(|s| (s.title.as_str(), matrix.step_summary(i16::from(s.number)))).collect()
}
