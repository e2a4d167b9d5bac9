//! The typed view of the server-side session: who is signed in, the CSRF token, flash messages.

use crate::error::AppError;
use aims_domain::UserId;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tower_sessions::Session;

const USER_ID: &str = "uid";
const AUTH_STAMP: &str = "auth_stamp";
const TOUCHED: &str = "touched";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// Seconds between session writes that only extend the idle expiry.
const TOUCH_EVERY_SECS: i64 = 300;

/// How a flash message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    /// Something worked.
    Success,
    /// Something to know.
    Info,
    /// Something failed.
    Error,
}

/// A one-time message shown on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// Its look.
    pub kind: FlashKind,
    /// The message.
    pub text: String,
    /// Something to copy (an invitation link), shown below the message.
    pub detail: Option<String>,
}

impl Flash {
    /// A success message.
    pub fn success(text: impl Into<String>) -> Self {
        Self { kind: FlashKind::Success, text: text.into(), detail: None }
    }

    /// The CSS class of its kind.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash-success",
            FlashKind::Info => "flash-info",
            FlashKind::Error => "flash-error",
        }
    }
}

/// The session with typed accessors; the raw keys never leave this module.
#[derive(Clone)]
pub struct TypedSession(pub Session);

impl<S: Send + Sync> FromRequestParts<S> for TypedSession {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Session>()
            .cloned()
            .map(TypedSession)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session layer missing")))
    }
}

/// Microseconds since the epoch: how a password-change time is kept in the session.
fn stamp(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1000) as i64
}

impl TypedSession {
    /// Signs a user in: a new session id (no fixation), the user and the password stamp.
    pub async fn sign_in(&self, user_id: UserId, password_changed_at: OffsetDateTime) -> Result<(), AppError> {
        self.0.cycle_id().await?;
        self.0.insert(USER_ID, user_id.0).await?;
        self.0.insert(AUTH_STAMP, stamp(password_changed_at)).await?;
        self.0.insert(TOUCHED, OffsetDateTime::now_utc().unix_timestamp()).await?;
        Ok(())
    }

    /// Records a new password time so this session survives the change (others end).
    pub async fn renew_stamp(&self, password_changed_at: OffsetDateTime) -> Result<(), AppError> {
        self.0.cycle_id().await?;
        self.0.insert(AUTH_STAMP, stamp(password_changed_at)).await?;
        Ok(())
    }

    /// The signed-in user and the password stamp the session was made with.
    pub async fn user(&self) -> Result<Option<(UserId, i64)>, AppError> {
        let id: Option<uuid::Uuid> = self.0.get(USER_ID).await?;
        let at: Option<i64> = self.0.get(AUTH_STAMP).await?;
        Ok(id.zip(at).map(|(id, at)| (UserId(id), at)))
    }

    /// Whether the stamp matches the account's last password change.
    pub fn stamp_matches(session_stamp: i64, password_changed_at: OffsetDateTime) -> bool {
        session_stamp == stamp(password_changed_at)
    }

    /// Extends the idle expiry, writing the session at most every few minutes.
    pub async fn touch(&self) -> Result<(), AppError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let touched: Option<i64> = self.0.get(TOUCHED).await?;
        if touched.is_none_or(|t| now - t > TOUCH_EVERY_SECS) {
            self.0.insert(TOUCHED, now).await?;
        }
        Ok(())
    }

    /// Ends the session: the row is deleted and the cookie removed.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await?;
        Ok(())
    }

    /// The CSRF token, created on first use.
    pub async fn csrf_token(&self) -> Result<String, AppError> {
        if let Some(token) = self.0.get::<String>(CSRF).await? {
            return Ok(token);
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        self.0.insert(CSRF, &token).await?;
        Ok(token)
    }

    /// The CSRF token if one exists (never creates one).
    pub async fn existing_csrf_token(&self) -> Result<Option<String>, AppError> {
        Ok(self.0.get(CSRF).await?)
    }

    /// Leaves a message for the next page.
    pub async fn flash(&self, flash: Flash) -> Result<(), AppError> {
        self.0.insert(FLASH, flash).await?;
        Ok(())
    }

    /// Takes the pending message, if any.
    pub async fn take_flash(&self) -> Result<Option<Flash>, AppError> {
        // `remove` marks the session modified even when the key is absent, which would rewrite
        // the session row on every page view; read first and remove only a pending message.
        if self.0.get_value(FLASH).await?.is_none() {
            return Ok(None);
        }
        Ok(self.0.remove(FLASH).await?)
    }
}
