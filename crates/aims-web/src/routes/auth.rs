//! Sign-up, sign-in and sign-out.

use crate::error::{AppError, AppResult};
use crate::extract::{AppForm, ClientAddr, CurrentUser, PageCtx};
use crate::forms::FormErrors;
use crate::kit::invalid;
use crate::routing::Routes;
use crate::session::{Flash, TypedSession};
use crate::state::AppState;
use aims_db::users::{self, CreateUserError};
use aims_domain::{Email, Password, PersonName, password};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// Failed sign-ins allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
/// Failed sign-ins allowed per client address within the window (several people may share one).
pub const MAX_FAILURES_PER_ADDR: i64 = 30;
/// The throttling window.
pub const FAILURE_WINDOW_SECS: i64 = 15 * 60;

/// Registers the routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/", home)
        .get("/signup", signup_form)
        .post("/signup", signup)
        .get("/login", login_form)
        .post("/login", login)
        .post("/logout", logout)
}

/// Only local paths are followed after sign-in (no open redirect).
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\")).then_some(next)
}

async fn home(user: Option<CurrentUser>) -> Redirect {
    Redirect::to(if user.is_some() { "/orgs" } else { "/login" })
}

#[derive(Debug, Default, Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    email: String,
}

/// Sign-up form values (the password is never sent back).
#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/signup.html")]
struct SignupPage {
    page: PageCtx,
    form: SignupForm,
    errors: FormErrors,
}

async fn signup_form(page: PageCtx, Query(q): Query<NextQuery>) -> Response {
    if page.user.is_some() {
        return Redirect::to(safe_next(&q.next).unwrap_or("/orgs")).into_response();
    }
    let form = SignupForm { email: q.email, next: q.next, ..Default::default() };
    SignupPage { page, form, errors: FormErrors::new() }.into_response()
}

async fn signup(
    State(state): State<AppState>,
    session: TypedSession,
    page: PageCtx,
    AppForm(form): AppForm<SignupForm>,
) -> AppResult<Response> {
    let mut errors = FormErrors::new();
    let name = errors.check("name", PersonName::parse(&form.name));
    let email = errors.check("email", Email::parse(&form.email));
    let password = errors.check("password", Password::parse(&form.password));
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        return Ok(invalid(SignupPage { page, form, errors }));
    };
    let hash = state.hashing(move || password::hash(password.expose())).await?;
    let user = match users::create(&state.db, &email, &name, &hash).await {
        Ok(user) => user,
        Err(CreateUserError::EmailTaken) => {
            errors.add("email", "An account with this email exists already. Sign in instead.");
            return Ok(invalid(SignupPage { page, form, errors }));
        }
        Err(CreateUserError::Db(e)) => return Err(e.into()),
    };
    session.sign_in(user.id(), user.password_changed_at).await?;
    tracing::info!(user = %user.user_id, "signed up");
    let target = after_sign_in(&state, &session, &user, &form.next).await?;
    Ok(Redirect::to(target.as_deref().unwrap_or("/orgs/new")).into_response())
}

/// After signing in through an invitation link, the invitation is accepted at once.
async fn after_sign_in(
    state: &AppState,
    session: &TypedSession,
    user: &users::UserRow,
    next: &str,
) -> AppResult<Option<String>> {
    let Some(next) = safe_next(next) else {
        return Ok(None);
    };
    if let Some(token) = next.strip_prefix("/invitations/")
        && let Ok(slug) = aims_db::invitations::accept(&state.db, token, user.id(), &user.name, &user.email).await
    {
        session.flash(Flash::success("You joined the workspace.")).await?;
        return Ok(Some(format!("/o/{slug}/")));
    }
    Ok(Some(next.to_string()))
}

/// Sign-in form values.
#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/login.html")]
struct LoginPage {
    page: PageCtx,
    form: LoginForm,
    error: String,
}

async fn login_form(page: PageCtx, Query(q): Query<NextQuery>) -> Response {
    if page.user.is_some() {
        return Redirect::to(safe_next(&q.next).unwrap_or("/orgs")).into_response();
    }
    let form = LoginForm { email: q.email, next: q.next, ..Default::default() };
    LoginPage { page, form, error: String::new() }.into_response()
}

async fn login(
    State(state): State<AppState>,
    session: TypedSession,
    ClientAddr(addr): ClientAddr,
    page: PageCtx,
    AppForm(form): AppForm<LoginForm>,
) -> AppResult<Response> {
    let account_key = form.email.trim().to_lowercase();
    let recent = aims_db::throttle::recent(&state.db, &account_key, &addr, FAILURE_WINDOW_SECS).await?;
    if recent.by_account >= MAX_FAILURES_PER_ACCOUNT || recent.by_addr >= MAX_FAILURES_PER_ADDR {
        tracing::warn!(%addr, "sign-in throttled");
        let minutes = (recent.oldest_expires_in + 59) / 60;
        let error = format!("Too many failed sign-ins. Try again in {minutes} minute(s).");
        let mut res = (StatusCode::TOO_MANY_REQUESTS, LoginPage { page, form, error }).into_response();
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(recent.oldest_expires_in.max(1)));
        return Ok(res);
    }
    let user = match Email::parse(&form.email) {
        Ok(email) => users::find_by_email(&state.db, &email).await?,
        Err(_) => None,
    };
    let given = form.password.clone();
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    // Unknown accounts verify against a dummy hash: same work, same time, same answer.
    let verified = state
        .hashing(move || match stored {
            Some(phc) => password::verify(&given, &phc),
            None => {
                password::verify_dummy(&given);
                false
            }
        })
        .await?;
    match user {
        Some(user) if verified => {
            aims_db::throttle::clear_account(&state.db, &account_key).await?;
            session.sign_in(user.id(), user.password_changed_at).await?;
            tracing::info!(user = %user.user_id, "signed in");
            let target = after_sign_in(&state, &session, &user, &form.next).await?;
            Ok(Redirect::to(target.as_deref().unwrap_or("/orgs")).into_response())
        }
        _ => {
            aims_db::throttle::record_failure(&state.db, &account_key, &addr).await?;
            tracing::info!(%addr, "sign-in failed");
            let error = "The email or password is not correct.".to_string();
            Ok(invalid(LoginPage { page, form: LoginForm { password: String::new(), ..form }, error }))
        }
    }
}

async fn logout(session: TypedSession) -> Result<Redirect, AppError> {
    session.sign_out().await?;
    Ok(Redirect::to("/login"))
}
