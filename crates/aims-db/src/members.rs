//! A workspace's members: list, change role, remove. The last owner can never go.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::{Role, UserId};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A member as the members page shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    /// The member's account.
    pub user_id: Uuid,
    /// Display name.
    pub name: String,
    /// Email.
    pub email: String,
    /// Role key.
    pub role: String,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
    /// When they joined.
    pub joined_at: OffsetDateTime,
    /// Optimistic-locking version.
    pub version: i32,
}

impl MemberRow {
    /// The typed role (the CHECK constraint guarantees a valid key).
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Auditor)
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({ "user": self.name, "email": self.email, "role": self.role, "access_until": self.access_until.map(|d| d.to_string()) })
    }
}

/// One page of members: owners first, then by name.
pub async fn list(tx: &mut OrgTx, page: PageRequest) -> sqlx::Result<Paged<MemberRow>> {
    let total: i64 = sqlx::query_scalar("select count(*) from memberships where org_id = $1")
        .bind(tx.org_id().0)
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query_as::<_, MemberRow>(
        "select m.user_id, u.name, u.email, m.role, m.access_until, m.created_at as joined_at, m.version
         from memberships m join users u using (user_id)
         where m.org_id = $1
         order by array_position(array['owner','consultant','implementer','auditor'], m.role), lower(u.name)
         offset $2 limit $3",
    )
    .bind(tx.org_id().0)
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// One member, locked for the rest of the transaction.
pub async fn get_for_update(tx: &mut OrgTx, user_id: UserId) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as::<_, MemberRow>(
        "select m.user_id, u.name, u.email, m.role, m.access_until, m.created_at as joined_at, m.version
         from memberships m join users u using (user_id)
         where m.org_id = $1 and m.user_id = $2
         for update of m",
    )
    .bind(tx.org_id().0)
    .bind(user_id.0)
    .fetch_optional(tx.conn())
    .await
}

/// Why a membership change was refused.
#[derive(Debug, thiserror::Error)]
pub enum MemberChangeError {
    /// No such member in this workspace.
    #[error("no such member")]
    NotFound,
    /// Someone changed the member since the form was loaded.
    #[error("changed by someone else")]
    Stale(Box<MemberRow>),
    /// The change would leave the workspace without an owner.
    #[error("a workspace keeps at least one owner")]
    LastOwner,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Locks the member row, checks the version, and refuses to take away the last owner. Owners are
/// locked together so two owners demoting each other at once cannot both succeed.
async fn lock_checked(
    tx: &mut OrgTx,
    user_id: UserId,
    version: i32,
    keeps_owner: bool,
) -> Result<MemberRow, MemberChangeError> {
    let owners: Vec<Uuid> = sqlx::query_scalar(
        "select user_id from memberships where org_id = $1 and role = 'owner' order by user_id for update",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await?;
    let member = get_for_update(tx, user_id).await?.ok_or(MemberChangeError::NotFound)?;
    if member.version != version {
        return Err(MemberChangeError::Stale(Box::new(member)));
    }
    if member.role() == Role::Owner && !keeps_owner && owners.len() <= 1 {
        return Err(MemberChangeError::LastOwner);
    }
    Ok(member)
}

/// The member as they are now, for callers that only need to read before deciding.
pub async fn get(tx: &mut OrgTx, user_id: UserId) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as::<_, MemberRow>(
        "select m.user_id, u.name, u.email, m.role, m.access_until, m.created_at as joined_at, m.version
         from memberships m join users u using (user_id)
         where m.org_id = $1 and m.user_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(user_id.0)
    .fetch_optional(tx.conn())
    .await
}

/// Gives a member another role (and an access end date for auditors).
pub async fn change_role(
    tx: &mut OrgTx,
    user_id: UserId,
    role: Role,
    access_until: Option<Date>,
    version: i32,
) -> Result<MemberRow, MemberChangeError> {
    let before = lock_checked(tx, user_id, version, role == Role::Owner).await?;
    let access_until = if role == Role::Auditor { access_until } else { None };
    let after = sqlx::query_as::<_, MemberRow>(
        "with changed as (
           update memberships set role = $3, access_until = $4, version = version + 1
           where org_id = $1 and user_id = $2
           returning user_id, role, access_until, created_at, version
         )
         select c.user_id, u.name, u.email, c.role, c.access_until, c.created_at as joined_at, c.version
         from changed c join users u using (user_id)",
    )
    .bind(tx.org_id().0)
    .bind(user_id.0)
    .bind(role.as_str())
    .bind(access_until)
    .fetch_one(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::Membership,
            entity_id: user_id.to_string(),
            summary: format!("Changed {}'s role from {} to {}", before.name, before.role, after.role),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

/// Removes a member from the workspace.
pub async fn remove(tx: &mut OrgTx, user_id: UserId, version: i32) -> Result<MemberRow, MemberChangeError> {
    let before = lock_checked(tx, user_id, version, false).await?;
    sqlx::query("delete from memberships where org_id = $1 and user_id = $2")
        .bind(tx.org_id().0)
        .bind(user_id.0)
        .execute(tx.conn())
        .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Delete,
            entity: crate::record::Entity::Membership,
            entity_id: user_id.to_string(),
            summary: format!("Removed {} ({})", before.name, before.role),
            before: Some(before.snapshot()),
            after: None,
        },
    )
    .await?;
    Ok(before)
}

/// A member for owner pickers.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberChoice {
    /// The member's account.
    pub user_id: Uuid,
    /// Display name.
    pub name: String,
}

/// Every member who may own work (auditors read only, so they own nothing), by name.
pub async fn choices(tx: &mut OrgTx) -> sqlx::Result<Vec<MemberChoice>> {
    sqlx::query_as::<_, MemberChoice>(
        "select m.user_id, u.name from memberships m join users u using (user_id)
         where m.org_id = $1 and m.role <> 'auditor' order by lower(u.name)",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}
