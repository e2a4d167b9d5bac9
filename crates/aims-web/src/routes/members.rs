//! Members of a workspace: the list, invitations, role changes and removal.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, PageCtx, Workspace};
use crate::forms::{FormErrors, SelectOption, parse_optional_date, role_options};
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, FlashKind, TypedSession};
use crate::state::AppState;
use aims_db::invitations::{InvitationRow, InviteError, NewInvitation};
use aims_db::members::{MemberChangeError, MemberRow};
use aims_domain::paging::{PageQuery, PageRequest, Paged};
use aims_domain::{Action, Email, Role, UserId};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;
use serde::Deserialize;
use uuid::Uuid;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/o/{slug}/members", index)
        .post("/o/{slug}/invitations", invite)
        .post("/o/{slug}/invitations/{invitation_id}/revoke", revoke)
        .post("/o/{slug}/members/{user_id}", change_role)
        .post("/o/{slug}/members/{user_id}/remove", remove)
}

/// Invitation form values.
#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    access_until: String,
}

/// A member row with what the viewer may do to it.
struct MemberView {
    member: MemberRow,
    may_change: bool,
    is_self: bool,
    options: Vec<SelectOption>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/members/index.html")]
struct MembersPage {
    page: PageCtx,
    ws: Workspace,
    members: Paged<MemberView>,
    invitations: Vec<InvitationRow>,
    invite: InviteForm,
    invite_roles: Vec<SelectOption>,
    errors: FormErrors,
    /// A refused change on one row: (member, message).
    row_error: Option<(Uuid, String)>,
    may_invite: bool,
}

impl MembersPage {
    async fn load(
        state: &AppState,
        ws: Workspace,
        page: PageCtx,
        request: PageRequest,
        invite: InviteForm,
        errors: FormErrors,
        row_error: Option<(Uuid, String)>,
    ) -> AppResult<Self> {
        let mut tx = ws.begin(state).await?;
        let members = aims_db::members::list(&mut tx, request).await?;
        let invitations = aims_db::invitations::list_pending(&mut tx, PageRequest::new(Some(1), Some(100))).await?;
        tx.commit().await?;
        let viewer = ws.scope.user_id().0;
        let may_owners = ws.may(Action::ManageOwners);
        let members = Paged {
            rows: members
                .rows
                .into_iter()
                .map(|m| MemberView {
                    may_change: ws.may(Role::membership_change_action(Some(m.role()), None)),
                    is_self: m.user_id == viewer,
                    options: role_options(may_owners),
                    member: m,
                })
                .collect(),
            request: members.request,
            total: members.total,
        };
        Ok(MembersPage {
            may_invite: ws.may(Action::ManageMembers),
            invite_roles: role_options(may_owners),
            page,
            ws,
            members,
            invitations: invitations.rows,
            invite,
            errors,
            row_error,
        })
    }
}

async fn index(
    State(state): State<AppState>,
    ws: Workspace,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> AppResult<impl IntoResponse> {
    let invite = InviteForm { role: "implementer".into(), ..Default::default() };
    MembersPage::load(&state, ws, page, q.into(), invite, FormErrors::new(), None).await
}

/// The link an invitee opens; built from the configured base URL or the request's host.
fn invitation_link(state: &AppState, headers: &HeaderMap, token: &str) -> String {
    let base = state.config.base_url.clone().unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        let scheme = if state.config.secure_cookies && !host.starts_with("127.0.0.1") && !host.starts_with("localhost")
        {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{host}")
    });
    format!("{base}/invitations/{token}")
}

async fn invite(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    headers: HeaderMap,
    AppForm(form): AppForm<InviteForm>,
) -> AppResult<Response> {
    ws.require(Action::ManageMembers)?;
    let mut errors = FormErrors::new();
    let email = errors.check("email", Email::parse(&form.email));
    let role = errors.check("role", form.role.parse::<Role>());
    let access_until = errors.check("access_until", parse_optional_date(&form.access_until));
    if let (Some(role), Some(Some(until))) = (role, access_until) {
        if role != Role::Auditor {
            errors.add("access_until", "Only auditor access has an end date; leave it empty for other roles.");
        } else if until < time::OffsetDateTime::now_utc().date() {
            errors.add("access_until", "The end date is in the past.");
        }
    }
    if let Some(role) = role {
        ws.require(Role::membership_change_action(None, Some(role)))?;
    }
    let (Some(email), Some(role), Some(access_until)) = (email, role, access_until) else {
        let page = MembersPage::load(&state, ws, page, PageRequest::default(), form, errors, None).await?;
        return Ok(invalid(page));
    };
    if !errors.is_empty() {
        let page = MembersPage::load(&state, ws, page, PageRequest::default(), form, errors, None).await?;
        return Ok(invalid(page));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut tx = ws.begin(&state).await?;
    let new = NewInvitation { email, role, access_until };
    match aims_db::invitations::create(&mut tx, &new, &token).await {
        Ok(row) => {
            tx.commit().await?;
            session
                .flash(Flash {
                    kind: FlashKind::Success,
                    text: format!(
                        "Invitation for {} ({}) created. Send them this link; it works once and for {} days:",
                        row.email,
                        row.role,
                        aims_db::invitations::VALID_DAYS
                    ),
                    detail: Some(invitation_link(&state, &headers, &token)),
                })
                .await?;
            Ok(Redirect::to(&ws.path("members")).into_response())
        }
        Err(InviteError::AlreadyMember) => {
            drop(tx);
            errors.add("email", "This person is a member already.");
            let page = MembersPage::load(&state, ws, page, PageRequest::default(), form, errors, None).await?;
            Ok(invalid(page))
        }
        Err(InviteError::Db(e)) => Err(e.into()),
    }
}

async fn revoke(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    Path((_, id)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    ws.require(Action::ManageMembers)?;
    let mut tx = ws.begin(&state).await?;
    let row = aims_db::invitations::revoke(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    session.flash(Flash::success(format!("The invitation of {} was revoked.", row.email))).await?;
    Ok(Redirect::to(&ws.path("members")).into_response())
}

/// Role change form values.
#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    access_until: String,
    #[serde(default)]
    version: i32,
}

/// Removal form values.
#[derive(Debug, Default, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    version: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/members/conflict.html")]
struct ConflictPage {
    page: PageCtx,
    ws: Workspace,
    current: MemberRow,
}

/// Turns a refused membership change into its page: 404, 409 with the current values, or the
/// members page again with the message by the row (422).
async fn refused(
    state: &AppState,
    ws: Workspace,
    page: PageCtx,
    user_id: Uuid,
    err: MemberChangeError,
) -> AppResult<Response> {
    match err {
        MemberChangeError::NotFound => Err(AppError::NotFound),
        MemberChangeError::Stale(current) => {
            Ok((StatusCode::CONFLICT, ConflictPage { page, ws, current: *current }).into_response())
        }
        MemberChangeError::LastOwner => {
            let message = "A workspace needs at least one owner: make someone else owner first.".to_string();
            let invite = InviteForm { role: "implementer".into(), ..Default::default() };
            let page = MembersPage::load(
                state,
                ws,
                page,
                PageRequest::default(),
                invite,
                FormErrors::new(),
                Some((user_id, message)),
            )
            .await?;
            Ok(invalid(page))
        }
        MemberChangeError::Db(e) => Err(e.into()),
    }
}

async fn change_role(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, user_id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<RoleForm>,
) -> AppResult<Response> {
    ws.require(Action::ManageMembers)?;
    let role: Role = form.role.parse().map_err(|_| AppError::BadRequest("unknown role".into()))?;
    let access_until = parse_optional_date(&form.access_until).map_err(|e| AppError::BadRequest(e.into()))?;
    let mut tx = ws.begin(&state).await?;
    let current = aims_db::members::get(&mut tx, UserId(user_id)).await?.ok_or(AppError::NotFound)?;
    ws.require(Role::membership_change_action(Some(current.role()), Some(role)))?;
    match aims_db::members::change_role(&mut tx, UserId(user_id), role, access_until, form.version).await {
        Ok(after) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} is now {}.", after.name, role.label().to_lowercase()))).await?;
            Ok(Redirect::to(&ws.path("members")).into_response())
        }
        Err(err) => {
            drop(tx);
            refused(&state, ws, page, user_id, err).await
        }
    }
}

async fn remove(
    State(state): State<AppState>,
    session: TypedSession,
    ws: Workspace,
    page: PageCtx,
    Path((_, user_id)): Path<(String, Uuid)>,
    AppForm(form): AppForm<RemoveForm>,
) -> AppResult<Response> {
    ws.require(Action::ManageMembers)?;
    let mut tx = ws.begin(&state).await?;
    let current = aims_db::members::get(&mut tx, UserId(user_id)).await?.ok_or(AppError::NotFound)?;
    ws.require(Role::membership_change_action(Some(current.role()), None))?;
    match aims_db::members::remove(&mut tx, UserId(user_id), form.version).await {
        Ok(removed) => {
            tx.commit().await?;
            session.flash(Flash::success(format!("{} was removed from the workspace.", removed.name))).await?;
            let leaving_self = user_id == ws.scope.user_id().0;
            Ok(Redirect::to(if leaving_self { "/orgs".to_string() } else { ws.path("members") }.as_str())
                .into_response())
        }
        Err(err) => {
            drop(tx);
            refused(&state, ws, page, user_id, err).await
        }
    }
}
