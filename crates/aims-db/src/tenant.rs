//! The tenant capability: an [`OrgScope`] proves a membership was checked, and an [`OrgTx`] is a
//! transaction in which row-level security admits only that organisation's rows.

use aims_domain::{OrgId, Role, UserId};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::Date;

/// Who acts in which organisation, with which role. Only `aims-db` can build one (after a
/// membership check), so holding one is proof of access.
#[derive(Debug, Clone)]
pub struct OrgScope {
    org_id: OrgId,
    user_id: UserId,
    user_name: String,
    role: Role,
    today: Date,
}

impl OrgScope {
    pub(crate) fn new(org_id: OrgId, user_id: UserId, user_name: String, role: Role, today: Date) -> Self {
        Self { org_id, user_id, user_name, role, today }
    }

    /// Builds a scope without a membership check, for tests only.
    #[cfg(feature = "test-util")]
    pub fn for_test(org_id: OrgId, user_id: UserId, role: Role) -> Self {
        Self::new(org_id, user_id, "test".into(), role, time::OffsetDateTime::now_utc().date())
    }

    /// The organisation.
    pub fn org_id(&self) -> OrgId {
        self.org_id
    }

    /// The acting user.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The acting user's display name (recorded in the audit log).
    pub fn user_name(&self) -> &str {
        &self.user_name
    }

    /// The acting user's role in the organisation.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The calendar day in the workspace's time zone, for what is overdue.
    pub fn today(&self) -> Date {
        self.today
    }

    /// Opens a tenant transaction.
    pub async fn begin(&self, pool: &PgPool) -> sqlx::Result<OrgTx> {
        OrgTx::enter(pool.begin().await?, self.clone()).await
    }
}

/// A transaction bound to one organisation. Every repository function on a tenant table takes
/// one; inserts take `org_id` from it, never from user input.
pub struct OrgTx {
    tx: Transaction<'static, Postgres>,
    scope: OrgScope,
}

impl OrgTx {
    /// Switches an open transaction into the tenant: first the non-superuser role (superusers
    /// ignore policies, even forced ones), then the org id, transaction-local and bound as a
    /// parameter (SET cannot take one, set_config can).
    pub(crate) async fn enter(mut tx: Transaction<'static, Postgres>, scope: OrgScope) -> sqlx::Result<Self> {
        // One round trip: `set_config('role', …, true)` is `SET LOCAL ROLE`.
        sqlx::query("select set_config('role', 'aims_app', true), set_config('app.org_id', $1, true)")
            .bind(scope.org_id.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(Self { tx, scope })
    }

    /// The scope this transaction runs in.
    pub fn scope(&self) -> &OrgScope {
        &self.scope
    }

    /// The organisation.
    pub fn org_id(&self) -> OrgId {
        self.scope.org_id
    }

    /// The calendar day in the workspace's time zone.
    pub fn today(&self) -> Date {
        self.scope.today
    }

    /// The connection: only this crate runs queries, so handlers cannot skip the tenant.
    pub(crate) fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// The connection, for database tests that check what row-level security lets through.
    #[cfg(feature = "test-util")]
    pub fn conn_for_test(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits every change of the transaction at once.
    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}
