//! Interested parties (4.2): who has a stake in the AIMS, what they require and whether the AIMS
//! addresses it. A list with filters, a page per party, forms; archive and restore are the
//! kit's.

use crate::error::AppResult;
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Ctx, EditPage, Outcome};
use crate::state::AppState;
use aims_db::OrgTx;
use aims_db::audit::AuditRow;
use aims_db::context::{self, PartyFilter, PartyInput, PartyRow};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::record::parse_yes_no;
use aims_domain::registers::Addressed;
use aims_domain::scope::{PARTY_HOW_ADDRESSED, PARTY_NAME, PARTY_REQUIREMENTS};
use aims_domain::{Action, InterestedPartyId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

/// List filters as they come in the query string (unknown values are ignored).
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    addressed: String,
    #[serde(default)]
    archived: String,
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn filter(&self) -> PartyFilter {
        PartyFilter { addressed: self.addressed.parse().ok(), archived: parse_yes_no(&self.archived).unwrap_or(false) }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/parties.html", blocks = ["results"])]
struct PartiesPage {
    page: PageCtx,
    ws: Workspace,
    parties: Paged<PartyRow>,
    query: ListQuery,
    query_string: String,
    choices: Vec<SelectOption>,
    filter: PartyFilter,
    can_edit: bool,
}

pub(super) async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    hx: HxRequest,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = query.filter();
    let mut tx = ws.begin(&state).await?;
    let parties = context::list_parties(&mut tx, &filter, PageRequest::new(query.page, query.per_page)).await?;
    tx.commit().await?;
    let list = PartiesPage {
        query_string: super::query_string(&[("addressed", &query.addressed), ("archived", &query.archived)]),
        choices: forms::enum_filter::<Addressed>("Addressed or not"),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        parties,
        query,
        filter,
    };
    kit::page_or_part(hx, list, |p| p.as_results().render())
}

/// Party form values, kept as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PartyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    requirements: String,
    #[serde(default)]
    addressed: String,
    #[serde(default)]
    how_addressed: String,
    #[serde(default)]
    version: i32,
}

impl PartyForm {
    fn from_row(row: &PartyRow) -> Self {
        PartyForm {
            name: row.name.clone(),
            requirements: row.requirements.clone(),
            addressed: row.addressed.as_str().into(),
            how_addressed: row.how_addressed.clone(),
            version: row.version,
        }
    }

    fn parse(&self) -> Result<PartyInput, FormErrors> {
        let mut errors = FormErrors::new();
        let name = forms::text(&PARTY_NAME, &self.name, &mut errors);
        let requirements = forms::text(&PARTY_REQUIREMENTS, &self.requirements, &mut errors);
        let addressed = forms::choice::<Addressed>("addressed", &self.addressed, &mut errors);
        let how_addressed = forms::text(&PARTY_HOW_ADDRESSED, &self.how_addressed, &mut errors);
        match (name, requirements, addressed, how_addressed) {
            (Some(name), Some(requirements), Some(addressed), Some(how_addressed)) if errors.is_empty() => {
                Ok(PartyInput { name, requirements, addressed, how_addressed })
            }
            _ => Err(errors),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/party_form.html")]
struct PartyFormPage {
    page: PageCtx,
    ws: Workspace,
    /// None for a new party.
    party: Option<PartyRow>,
    form: PartyForm,
    errors: FormErrors,
    choices: Vec<SelectOption>,
    conflict: Option<Conflict>,
}

impl EditPage for PartyFormPage {
    type Row = PartyRow;
    type Form = PartyForm;

    async fn load(cx: Ctx, party: Option<PartyRow>, form: PartyForm, errors: FormErrors) -> AppResult<Self> {
        let Ctx { ws, page, .. } = cx;
        Ok(PartyFormPage { page, ws, party, form, errors, choices: forms::enum_options::<Addressed>(), conflict: None })
    }

    fn form_of(row: &PartyRow) -> PartyForm {
        PartyForm::from_row(row)
    }

    fn rebase(form: PartyForm, row: &PartyRow) -> PartyForm {
        PartyForm { version: row.version, ..form }
    }

    fn shown(&self, f: &PartyForm) -> Vec<(&'static str, String)> {
        vec![
            ("Interested party", f.name.clone()),
            ("Their requirements", f.requirements.clone()),
            ("Does the AIMS address them?", forms::option_label(&self.choices, &f.addressed)),
            ("How, or why not", f.how_addressed.clone()),
        ]
    }

    fn form(&self) -> &PartyForm {
        &self.form
    }

    fn set_conflict(&mut self, conflict: Conflict) {
        self.conflict = Some(conflict);
    }
}

pub(super) async fn new_form(cx: Ctx) -> AppResult<Response> {
    let form = PartyForm { addressed: Addressed::Yes.as_str().into(), ..Default::default() };
    cx.new_form::<PartyFormPage>(form).await
}

pub(super) async fn create(cx: Ctx, AppForm(form): AppForm<PartyForm>) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| context::create_party(tx, &input).await).await?,
    };
    cx.created::<PartyFormPage>(outcome, form, |row| {
        (format!("scope/parties/{}", row.party_id), format!("Interested party “{}” added.", row.name))
    })
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/scope/party.html")]
struct PartyShowPage {
    page: PageCtx,
    ws: Workspace,
    party: PartyRow,
    history: Vec<AuditRow>,
    archived: Option<Archived>,
    can_edit: bool,
}

pub(super) async fn show_page(state: AppState, ws: Workspace, page: PageCtx, id: Uuid) -> AppResult<Response> {
    let get = async |tx: &mut OrgTx| context::get_party(tx, InterestedPartyId(id)).await;
    let (party, history) = super::with_history(&state, &ws, get).await?;
    let archived = Archived::from_history(party.archived_at, &history);
    Ok(PartyShowPage { archived, can_edit: ws.may(Action::Edit), page, ws, party, history }.into_response())
}

pub(super) const SHOW: kit::ShowPage = |s, w, p, id| Box::pin(show_page(s, w, p, id));

pub(super) async fn show(cx: Ctx, Path((_, id)): Path<(String, Uuid)>) -> AppResult<Response> {
    show_page(cx.state, cx.ws, cx.page, id).await
}

pub(super) async fn edit_form(cx: Ctx, Path((_, id)): Path<(String, InterestedPartyId)>) -> AppResult<Response> {
    let row = cx.read(async |tx| context::get_party(tx, id).await).await?;
    cx.edit_form::<PartyFormPage>(row, SHOW, id.0).await
}

pub(super) async fn update(
    cx: Ctx,
    Path((_, id)): Path<(String, InterestedPartyId)>,
    AppForm(form): AppForm<PartyForm>,
) -> AppResult<Response> {
    cx.require_edit()?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => cx.write(async |tx| context::update_party(tx, id, &input, form.version).await).await?,
    };
    let saved = |row: &PartyRow| format!("Interested party “{}” saved.", row.name);
    cx.updated::<PartyFormPage>(outcome, form, id.0, format!("scope/parties/{id}"), saved, SHOW, async |tx| {
        context::get_party(tx, id).await
    })
    .await
}
