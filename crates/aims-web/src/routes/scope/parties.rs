//! Interested parties (4.2): who has a stake in the AIMS, what they require and whether the AIMS
//! addresses it. A list with filters, a page per party, forms; archive and restore are the
//! kit's.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, HxRequest, PageCtx, Workspace};
use crate::forms::{self, FormErrors, SelectOption};
use crate::kit::{self, Archived, Conflict, Outcome};
use crate::session::TypedSession;
use crate::state::AppState;
use aims_db::audit::AuditRow;
use aims_db::context::{self, PartyFilter, PartyInput, PartyRow};
use aims_db::record::Entity;
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

    /// The values as people read them, for the conflict banner.
    fn shown(&self, p: &PartyFormPage) -> Vec<(&'static str, String)> {
        vec![
            ("Interested party", self.name.clone()),
            ("Their requirements", self.requirements.clone()),
            ("Does the AIMS address them?", forms::option_label(&p.choices, &self.addressed)),
            ("How, or why not", self.how_addressed.clone()),
        ]
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

impl PartyFormPage {
    fn new(page: PageCtx, ws: Workspace, party: Option<PartyRow>, form: PartyForm, errors: FormErrors) -> Self {
        PartyFormPage { page, ws, party, form, errors, choices: forms::enum_options::<Addressed>(), conflict: None }
    }
}

pub(super) async fn new_form(ws: Workspace, page: PageCtx) -> AppResult<impl IntoResponse> {
    ws.require(Action::Edit)?;
    let form = PartyForm { addressed: Addressed::Yes.as_str().into(), ..Default::default() };
    Ok(PartyFormPage::new(page, ws, None, form, FormErrors::new()))
}

pub(super) async fn create(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    AppForm(form): AppForm<PartyForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => Outcome::write(&ws, &state, async |tx| context::create_party(tx, &input).await).await?,
    };
    match outcome {
        Outcome::Saved(row) => {
            let to = ws.path(&format!("scope/parties/{}", row.party_id));
            kit::saved(&session, &to, format!("Interested party “{}” added.", row.name)).await
        }
        Outcome::Invalid(errors) => Ok(kit::invalid(PartyFormPage::new(page, ws, None, form, errors))),
        // A new row has no version to lose and cannot be archived.
        Outcome::Stale(_) | Outcome::Archived(_) => Err(AppError::NotFound),
    }
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
    let mut tx = ws.begin(&state).await?;
    let party = context::get_party(&mut tx, InterestedPartyId(id)).await?.ok_or(AppError::NotFound)?;
    let history = aims_db::audit::for_entity(&mut tx, Entity::InterestedParty, &id.to_string(), 30).await?;
    tx.commit().await?;
    Ok(PartyShowPage {
        archived: Archived::from_history(party.archived_at, &history),
        can_edit: ws.may(Action::Edit),
        page,
        ws,
        party,
        history,
    }
    .into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, InterestedPartyId)>,
) -> AppResult<Response> {
    show_page(state, ws, page, id.0).await
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, InterestedPartyId)>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let mut tx = ws.begin(&state).await?;
    let party = context::get_party(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    if party.archived_at.is_some() {
        return Ok(kit::conflict(show_page(state, ws, page, id.0).await?));
    }
    let form = PartyForm::from_row(&party);
    Ok(PartyFormPage::new(page, ws, Some(party), form, FormErrors::new()).into_response())
}

pub(super) async fn update(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, id)): Path<(String, InterestedPartyId)>,
    AppForm(form): AppForm<PartyForm>,
) -> AppResult<Response> {
    ws.require(Action::Edit)?;
    let outcome = match form.parse() {
        Err(errors) => Outcome::Invalid(errors),
        Ok(input) => {
            Outcome::write(&ws, &state, async |tx| context::update_party(tx, id, &input, form.version).await).await?
        }
    };
    match outcome {
        Outcome::Saved(row) => {
            let to = ws.path(&format!("scope/parties/{id}"));
            kit::saved(&session, &to, format!("Interested party “{}” saved.", row.name)).await
        }
        Outcome::Invalid(errors) => {
            // Another workspace's row answers 404, an archived one its read-only page.
            let mut tx = ws.begin(&state).await?;
            let current = context::get_party(&mut tx, id).await?.ok_or(AppError::NotFound)?;
            tx.commit().await?;
            if current.archived_at.is_some() {
                return Ok(kit::conflict(show_page(state, ws, page, id.0).await?));
            }
            Ok(kit::invalid(PartyFormPage::new(page, ws, Some(current), form, errors)))
        }
        Outcome::Stale(current) => {
            // The user's values stay in the form, now against the stored version.
            let stored = PartyForm::from_row(&current);
            let form = PartyForm { version: current.version, ..form };
            let mut edit = PartyFormPage::new(page, ws, Some(*current), form, FormErrors::new());
            edit.conflict = Some(Conflict::between(stored.shown(&edit), edit.form.shown(&edit)));
            Ok(kit::conflict(edit))
        }
        Outcome::Archived(_) => Ok(kit::conflict(show_page(state, ws, page, id.0).await?)),
    }
}
