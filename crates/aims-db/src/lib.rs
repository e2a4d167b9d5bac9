//! PostgreSQL access for AIMS Workbench. Tenant rows are reached only through an [`OrgTx`], opened
//! from an [`OrgScope`] that [`membership::authorize`] hands out after checking the membership;
//! the few global tables (users, organisations, memberships, invitations, the login throttle) have
//! named functions of their own.

pub mod actions;
pub mod ai_systems;
pub mod audit;
pub mod context;
pub mod gap;
pub mod invitations;
pub mod members;
pub mod membership;
pub mod objectives;
pub mod orgs;
pub mod portfolio;
pub mod record;
pub mod refs;
pub mod roadmap;
pub mod roles;
pub mod scope_statement;
pub mod soa;
mod tenant;
pub mod throttle;
pub mod users;

pub use tenant::{OrgScope, OrgTx};

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// The migrations in `migrations/`, embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// Creates the database named by `url` when it does not exist yet.
pub async fn ensure_database(url: &str) -> sqlx::Result<()> {
    if !Postgres::database_exists(url).await? {
        tracing::info!("creating database");
        Postgres::create_database(url).await?;
    }
    Ok(())
}

/// Applies pending migrations.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

/// A pool that connects lazily, so the server starts and answers 503 while the database is down
/// and recovers by itself when it returns.
pub fn pool(url: &str, max_connections: u32) -> sqlx::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?.application_name("aims");
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(3))
        .idle_timeout(Duration::from_secs(600))
        .connect_lazy_with(options))
}

/// Whether the database answers a trivial query.
pub async fn ping(pool: &PgPool) -> bool {
    sqlx::query_scalar::<_, i32>("select 1").fetch_one(pool).await.is_ok()
}

/// Whether an error is the database being unreachable (as opposed to a bad query).
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed | sqlx::Error::Tls(_))
        || err
            .as_database_error()
            .and_then(|e| e.code())
            // 57P01..03: admin shutdown, crash shutdown, cannot connect now; 08xxx: connection errors.
            .is_some_and(|code| code.starts_with("57P") || code.starts_with("08"))
}

/// A PostgreSQL statement being built.
pub(crate) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// A register input whose fields bind in one fixed order, so the insert and the update of its
/// table name the same placeholders and cannot drift apart.
pub(crate) trait BindFields {
    /// Binds every field, in the order the table's statements expect them.
    fn bind_fields<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q>;
}

/// `.bind_input(input)` in a statement's chain of binds.
pub(crate) trait BindInput<'q> {
    /// Binds all of `input`'s fields here.
    fn bind_input(self, input: &'q impl BindFields) -> Self;
}

impl<'q> BindInput<'q> for PgQuery<'q> {
    fn bind_input(self, input: &'q impl BindFields) -> Self {
        input.bind_fields(self)
    }
}

/// Whether an error is the violation of the named unique (or other) constraint.
pub fn is_constraint(err: &sqlx::Error, name: &str) -> bool {
    err.as_database_error().and_then(|e| e.constraint()).is_some_and(|c| c == name)
}

/// Removes what has expired: old login failures. Sessions are swept by the session store.
pub async fn sweep(pool: &PgPool) -> sqlx::Result<u64> {
    let done =
        sqlx::query("delete from login_failures where failed_at < now() - interval '1 day'").execute(pool).await?;
    Ok(done.rows_affected())
}
