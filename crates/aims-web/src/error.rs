//! One error type for every handler, turned into the right page and status.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;

/// Everything that can stop a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The thing does not exist, or belongs to a workspace the user cannot see (same answer).
    #[error("not found")]
    NotFound,
    /// The user may not do this; the text says why.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The page needs a signed-in user; they come back to `next` afterwards.
    #[error("login required")]
    LoginRequired {
        /// Where to return after signing in.
        next: String,
    },
    /// The request itself is malformed (a form without its fields, a bad query).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The CSRF token was missing or wrong, or the request came from another site.
    #[error("csrf check failed")]
    Csrf,
    /// The change lost a race with another one.
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database does not answer; the process stays up and recovers.
    #[error("database unavailable")]
    Unavailable,
    /// A bug or an unexpected failure; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if matches!(err, sqlx::Error::RowNotFound) {
            return AppError::NotFound;
        }
        // A write that row-level security refused is another tenant's row: answer as missing.
        if err.as_database_error().is_some_and(|e| e.message().contains("row-level security")) {
            return AppError::NotFound;
        }
        if aims_db::is_unavailable(&err) {
            return AppError::Unavailable;
        }
        AppError::Internal(err.into())
    }
}

/// For writes that no form drives (a button that creates a linked action): a stale or invalid
/// result there is a bug, not a user's mistake.
impl<R: std::fmt::Debug + Send + Sync + 'static> From<aims_db::record::WriteError<R>> for AppError {
    fn from(err: aims_db::record::WriteError<R>) -> Self {
        match err {
            aims_db::record::WriteError::NotFound => AppError::NotFound,
            aims_db::record::WriteError::Db(e) => e.into(),
            other => AppError::Internal(anyhow::Error::from(other)),
        }
    }
}

impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(rejection: axum::extract::rejection::FormRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl From<axum_extra::extract::FormRejection> for AppError {
    fn from(rejection: axum_extra::extract::FormRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        match err {
            // The session store is the database.
            tower_sessions::session::Error::Store(e) => {
                tracing::warn!(error = %e, "session store failed");
                AppError::Unavailable
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "errors/error.html")]
pub struct ErrorPage {
    /// HTTP status code.
    pub code: u16,
    /// Short title.
    pub title: &'static str,
    /// What happened and what to do.
    pub message: String,
}

impl ErrorPage {
    fn response(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
        let page = ErrorPage { code: status.as_u16(), title, message: message.into() };
        match page.render() {
            Ok(html) => (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
            Err(_) => (status, title).into_response(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => ErrorPage::response(
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing here, or you do not have access to it. Check the address or go back to your workspaces.",
            ),
            AppError::Forbidden(reason) => {
                tracing::info!(reason, "access denied");
                ErrorPage::response(StatusCode::FORBIDDEN, "Not allowed", reason)
            }
            AppError::LoginRequired { next } => {
                let target = if next.starts_with('/') && !next.starts_with("//") {
                    format!("/login?next={}", url_encode(&next))
                } else {
                    "/login".to_string()
                };
                Redirect::to(&target).into_response()
            }
            AppError::BadRequest(detail) => {
                tracing::info!(detail, "bad request");
                ErrorPage::response(
                    StatusCode::BAD_REQUEST,
                    "Bad request",
                    "The request could not be understood. Go back, reload the page and try again.",
                )
            }
            AppError::Csrf => {
                tracing::warn!("csrf check failed");
                ErrorPage::response(
                    StatusCode::FORBIDDEN,
                    "Form expired",
                    "This form has expired or was sent from another site. Go back, reload the page and try again.",
                )
            }
            AppError::Conflict(message) => {
                ErrorPage::response(StatusCode::CONFLICT, "Changed by someone else", message)
            }
            AppError::Unavailable => {
                let mut res = ErrorPage::response(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Temporarily unavailable",
                    "The workbench cannot reach its database right now. Nothing was lost; please try again in a minute.",
                );
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
                res
            }
            AppError::Internal(err) => {
                tracing::error!(error = ?err, "internal error");
                ErrorPage::response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "An unexpected error occurred and has been logged. Please try again; if it persists, contact support with the time it happened.",
                )
            }
        }
    }
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// tower-sessions answers a bare, empty 500 when it cannot save the session after the handler
/// ran. That is almost always the database going away, so such answers become the 503 page
/// while the database is down, and the normal 500 page otherwise.
pub async fn session_save_failures(
    axum::extract::State(db): axum::extract::State<sqlx::PgPool>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let response = next.run(request).await;
    let bare_500 = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if !bare_500 {
        return response;
    }
    if aims_db::ping(&db).await {
        AppError::Internal(anyhow::anyhow!("the session could not be saved")).into_response()
    } else {
        AppError::Unavailable.into_response()
    }
}
