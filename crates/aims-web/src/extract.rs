//! Extractors every handler shares: the signed-in user, the workspace from `/o/{slug}/…` with
//! its membership and role guard, the page context the layout needs, forms and the client address.

use crate::error::{AppError, AppResult};
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::membership::MyWorkspace;
use aims_db::orgs::OrgRow;
use aims_db::{OrgScope, OrgTx};
use aims_domain::{Action, Role, UserId};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts, RawPathParams};
use axum::http::request::Parts;
use std::net::SocketAddr;
use time::Date;

/// The signed-in user.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// Account id.
    pub id: UserId,
    /// Display name.
    pub name: String,
    /// Email (the login).
    pub email: String,
}

impl CurrentUser {
    /// The first letter of the name, for the avatar.
    pub fn initial(&self) -> String {
        self.name.chars().next().map(|c| c.to_uppercase().collect()).unwrap_or_default()
    }

    /// Loads the user once per request (cached in the request's extensions). A session made
    /// before the last password change is ended: changing the password signs out other devices.
    async fn load(parts: &mut Parts, state: &AppState) -> AppResult<Option<CurrentUser>> {
        if let Some(cached) = parts.extensions.get::<Option<CurrentUser>>() {
            return Ok(cached.clone());
        }
        let session = TypedSession::from_request_parts(parts, state).await?;
        let user = match session.user().await? {
            None => None,
            Some((id, stamp)) => match aims_db::users::get(&state.db, id).await? {
                Some(row) if TypedSession::stamp_matches(stamp, row.password_changed_at) => {
                    session.touch().await?;
                    Some(CurrentUser { id, name: row.name, email: row.email })
                }
                _ => {
                    session.sign_out().await?;
                    None
                }
            },
        };
        parts.extensions.insert(user.clone());
        Ok(user)
    }
}

fn path_and_query(parts: &Parts) -> String {
    parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string()
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = if parts.method == axum::http::Method::GET { path_and_query(parts) } else { String::new() };
        CurrentUser::load(parts, state).await?.ok_or(AppError::LoginRequired { next })
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        CurrentUser::load(parts, state).await
    }
}

/// The workspace named in the path, entered by a member. Unknown slug, no membership and ended
/// auditor access all answer the same 404. Unsafe methods need a role that may write, so an
/// auditor can never change anything even where a handler forgot to ask.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The organisation.
    pub org: OrgRow,
    /// The capability to open tenant transactions.
    pub scope: OrgScope,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
}

impl Workspace {
    /// The member's role.
    pub fn role(&self) -> Role {
        self.scope.role()
    }

    /// The one role guard: 403 with the reason when the role may not do `action`.
    pub fn require(&self, action: Action) -> AppResult<()> {
        if self.role().may(action) { Ok(()) } else { Err(AppError::Forbidden(action.denied_reason())) }
    }

    /// Whether the member may do `action` (for showing or hiding buttons).
    pub fn may(&self, action: Action) -> bool {
        self.role().may(action)
    }

    /// Opens a tenant transaction.
    pub async fn begin(&self, state: &AppState) -> AppResult<OrgTx> {
        Ok(self.scope.begin(&state.db).await?)
    }

    /// A path inside the workspace: `ws.path("members")` → `/o/acme/members`.
    pub fn path(&self, rest: &str) -> String {
        format!("/o/{}/{}", self.org.slug, rest)
    }

    async fn load(parts: &mut Parts, state: &AppState) -> AppResult<Workspace> {
        if let Some(ws) = parts.extensions.get::<Workspace>() {
            return Ok(ws.clone());
        }
        let user = <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
        let slug = slug_param(parts, state).await.ok_or(AppError::NotFound)?;
        let access = aims_db::membership::authorize(&state.db, user.id, &slug).await?.ok_or(AppError::NotFound)?;
        let ws = Workspace { org: access.org, scope: access.scope, access_until: access.access_until };
        if !parts.method.is_safe() && !ws.role().may_write() {
            return Err(AppError::Forbidden(Action::Edit.denied_reason()));
        }
        parts.extensions.insert(ws.clone());
        Ok(ws)
    }
}

async fn slug_param(parts: &mut Parts, state: &AppState) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    params.iter().find(|(k, _)| *k == "slug").map(|(_, v)| v.to_string())
}

impl FromRequestParts<AppState> for Workspace {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Workspace::load(parts, state).await
    }
}

/// The workspace as the layout shows it.
#[derive(Debug, Clone)]
pub struct OrgNav {
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The member's role.
    pub role: Role,
}

impl OrgNav {
    /// Whether the member may do `action`.
    pub fn may(&self, action: &Action) -> bool {
        self.role.may(*action)
    }
}

/// What the layout needs on every page: user, workspace, switcher, CSRF token, flash message.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// The signed-in user.
    pub user: Option<CurrentUser>,
    /// The current workspace.
    pub org: Option<OrgNav>,
    /// The user's workspaces (switcher).
    pub workspaces: Vec<MyWorkspace>,
    /// CSRF token for forms.
    pub csrf: String,
    /// A one-time message.
    pub flash: Option<Flash>,
    /// The request path (for the active navigation entry).
    pub path: String,
}

impl PageCtx {
    /// Whether the navigation entry for `area` of the current workspace is the open one.
    pub fn is_active(&self, area: &str) -> bool {
        match &self.org {
            Some(org) if area.is_empty() => self.path == format!("/o/{}/", org.slug),
            Some(org) => self.path.starts_with(&format!("/o/{}/{}", org.slug, area)),
            None => self.path.starts_with(area),
        }
    }

    /// `aria-current` value for a navigation link.
    pub fn current(&self, area: &str) -> &'static str {
        if self.is_active(area) { "page" } else { "false" }
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let user = CurrentUser::load(parts, state).await?;
        let org = if slug_param(parts, state).await.is_some() {
            let ws = Workspace::load(parts, state).await?;
            Some(OrgNav { slug: ws.org.slug.clone(), name: ws.org.name.clone(), role: ws.role() })
        } else {
            None
        };
        let workspaces = match &user {
            Some(u) => aims_db::membership::list_for_user(&state.db, u.id).await?,
            None => Vec::new(),
        };
        let session = TypedSession::from_request_parts(parts, state).await?;
        Ok(PageCtx {
            csrf: session.csrf_token().await?,
            flash: session.take_flash().await?,
            user,
            org,
            workspaces,
            path: parts.uri.path().to_string(),
        })
    }
}

/// A urlencoded form whose rejection is our 400 page.
#[derive(FromRequest)]
#[from_request(via(axum::Form), rejection(AppError))]
pub struct AppForm<T>(pub T);

/// A urlencoded form with repeated fields (checkbox groups, multi-selects), read with
/// `axum_extra`'s serde_html_form; its rejection is our 400 page.
#[derive(FromRequest)]
#[from_request(via(axum_extra::extract::Form), rejection(AppError))]
pub struct MultiForm<T>(pub T);

/// The client's address, for throttling sign-ins.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_string(), |ConnectInfo(a)| a.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// Whether htmx sent the request (`HX-Request: true`): such requests get the part of the page
/// they swap, others the whole page, so every page still works without JavaScript.
#[derive(Debug, Clone, Copy)]
pub struct HxRequest(pub bool);

impl<S: Send + Sync> FromRequestParts<S> for HxRequest {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(HxRequest(parts.headers.get("hx-request").is_some_and(|v| v == "true")))
    }
}
