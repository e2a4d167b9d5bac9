//! User accounts (a global table): sign-up, sign-in lookup, password change.

use aims_domain::{Email, PersonName, UserId};
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A user account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// The id.
    pub user_id: Uuid,
    /// Lower-cased email, the login.
    pub email: String,
    /// Display name.
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Last password change; sessions started before it end.
    pub password_changed_at: OffsetDateTime,
    /// Sign-up time.
    pub created_at: OffsetDateTime,
}

impl UserRow {
    /// The typed id.
    pub fn id(&self) -> UserId {
        UserId(self.user_id)
    }
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    /// Another account has this email.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates an account.
pub async fn create(
    pool: &PgPool,
    email: &Email,
    name: &PersonName,
    password_hash: &str,
) -> Result<UserRow, CreateUserError> {
    sqlx::query_as::<_, UserRow>(
        "insert into users (user_id, email, name, password_hash) values ($1, $2, $3, $4)
         returning user_id, email, name, password_hash, password_changed_at, created_at",
    )
    .bind(UserId::new().0)
    .bind(email.as_str())
    .bind(name.as_str())
    .bind(password_hash)
    .fetch_one(pool)
    .await
    .map_err(|e| {
        if crate::is_constraint(&e, "users_email_key") { CreateUserError::EmailTaken } else { CreateUserError::Db(e) }
    })
}

/// Finds an account by its email.
pub async fn find_by_email(pool: &PgPool, email: &Email) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as::<_, UserRow>(
        "select user_id, email, name, password_hash, password_changed_at, created_at
         from users where lower(email) = $1",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await
}

/// Loads an account by id.
pub async fn get(pool: &PgPool, user_id: UserId) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as::<_, UserRow>(
        "select user_id, email, name, password_hash, password_changed_at, created_at
         from users where user_id = $1",
    )
    .bind(user_id.0)
    .fetch_optional(pool)
    .await
}

/// Replaces the password hash and returns the new change time (which ends older sessions).
pub async fn set_password(pool: &PgPool, user_id: UserId, password_hash: &str) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar(
        "update users set password_hash = $2, password_changed_at = now(), version = version + 1
         where user_id = $1 returning password_changed_at",
    )
    .bind(user_id.0)
    .bind(password_hash)
    .fetch_one(pool)
    .await
}

/// Changes the display name.
pub async fn set_name(pool: &PgPool, user_id: UserId, name: &PersonName) -> sqlx::Result<()> {
    sqlx::query("update users set name = $2, version = version + 1 where user_id = $1")
        .bind(user_id.0)
        .bind(name.as_str())
        .execute(pool)
        .await?;
    Ok(())
}
