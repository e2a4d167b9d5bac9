//! Invitations: created by owners and consultants, accepted through a secret link. The link's
//! token is stored only as its SHA-256, so the table alone cannot be used to join a workspace.

use crate::audit::{self, AuditAction, AuditEntry};
use crate::{OrgScope, OrgTx};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::{Email, InvitationId, OrgId, Role, UserId};
use serde_json::json;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// How long an invitation link stays valid.
pub const VALID_DAYS: i32 = 14;

/// A new invitation.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// Who is invited.
    pub email: Email,
    /// With which role.
    pub role: Role,
    /// Last day of access (auditors only).
    pub access_until: Option<Date>,
}

/// A pending invitation as the members page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    /// The id.
    pub invitation_id: Uuid,
    /// Who is invited.
    pub email: String,
    /// Role key.
    pub role: String,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
    /// Who invited.
    pub invited_by_name: String,
    /// When.
    pub created_at: OffsetDateTime,
    /// When the link stops working.
    pub expires_at: OffsetDateTime,
}

/// Why an invitation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The person is a member already.
    #[error("already a member")]
    AlreadyMember,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates an invitation (replacing a pending one for the same email) and records it.
pub async fn create(tx: &mut OrgTx, new: &NewInvitation, token: &str) -> Result<InvitationRow, InviteError> {
    let member: bool = sqlx::query_scalar(
        "select exists(select 1 from memberships m join users u using (user_id)
                       where m.org_id = $1 and lower(u.email) = $2)",
    )
    .bind(tx.org_id().0)
    .bind(new.email.as_str())
    .fetch_one(tx.conn())
    .await?;
    if member {
        return Err(InviteError::AlreadyMember);
    }
    sqlx::query(
        "update invitations set revoked_at = now()
         where org_id = $1 and email = $2 and accepted_at is null and revoked_at is null",
    )
    .bind(tx.org_id().0)
    .bind(new.email.as_str())
    .execute(tx.conn())
    .await?;
    let access_until = if new.role == Role::Auditor { new.access_until } else { None };
    let row = sqlx::query_as::<_, InvitationRow>(
        "with created as (
           insert into invitations (invitation_id, org_id, email, role, access_until, token_hash, invited_by, expires_at)
           values ($1, $2, $3, $4, $5, sha256(convert_to($6, 'UTF8')), $7, now() + make_interval(days => $8))
           returning *
         )
         select c.invitation_id, c.email, c.role, c.access_until, u.name as invited_by_name, c.created_at, c.expires_at
         from created c join users u on u.user_id = c.invited_by",
    )
    .bind(InvitationId::new().0)
    .bind(tx.org_id().0)
    .bind(new.email.as_str())
    .bind(new.role.as_str())
    .bind(access_until)
    .bind(token)
    .bind(tx.scope().user_id().0)
    .bind(VALID_DAYS)
    .fetch_one(tx.conn())
    .await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::Invitation,
            entity_id: row.invitation_id.to_string(),
            summary: format!("Invited {} as {}", row.email, row.role),
            before: None,
            after: Some(json!({ "email": row.email, "role": row.role, "access_until": row.access_until.map(|d| d.to_string()) })),
        },
    )
    .await?;
    Ok(row)
}

/// One page of pending (not accepted, not revoked, not expired) invitations, newest first.
pub async fn list_pending(tx: &mut OrgTx, page: PageRequest) -> sqlx::Result<Paged<InvitationRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from invitations
         where org_id = $1 and accepted_at is null and revoked_at is null and expires_at > now()",
    )
    .bind(tx.org_id().0)
    .fetch_one(tx.conn())
    .await?;
    let rows = sqlx::query_as::<_, InvitationRow>(
        "select i.invitation_id, i.email, i.role, i.access_until, u.name as invited_by_name, i.created_at, i.expires_at
         from invitations i join users u on u.user_id = i.invited_by
         where i.org_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
         order by i.created_at desc offset $2 limit $3",
    )
    .bind(tx.org_id().0)
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// Revokes a pending invitation. `None` when there is no such pending invitation here.
pub async fn revoke(tx: &mut OrgTx, invitation_id: Uuid) -> sqlx::Result<Option<InvitationRow>> {
    let row = sqlx::query_as::<_, InvitationRow>(
        "with revoked as (
           update invitations set revoked_at = now()
           where org_id = $1 and invitation_id = $2 and accepted_at is null and revoked_at is null
           returning *
         )
         select r.invitation_id, r.email, r.role, r.access_until, u.name as invited_by_name, r.created_at, r.expires_at
         from revoked r join users u on u.user_id = r.invited_by",
    )
    .bind(tx.org_id().0)
    .bind(invitation_id)
    .fetch_optional(tx.conn())
    .await?;
    if let Some(row) = &row {
        audit::record(
            tx,
            AuditEntry {
                action: AuditAction::Delete,
                entity: crate::record::Entity::Invitation,
                entity_id: row.invitation_id.to_string(),
                summary: format!("Revoked the invitation of {}", row.email),
                before: Some(json!({ "email": row.email, "role": row.role })),
                after: None,
            },
        )
        .await?;
    }
    Ok(row)
}

/// An invitation as its link shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationView {
    /// The id.
    pub invitation_id: Uuid,
    /// The workspace.
    pub org_id: Uuid,
    /// Its slug.
    pub org_slug: String,
    /// Its name.
    pub org_name: String,
    /// Who is invited.
    pub email: String,
    /// Role key.
    pub role: String,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
    /// Who invited.
    pub invited_by_name: String,
    /// When the link stops working.
    pub expires_at: OffsetDateTime,
    /// Whether it was used already.
    pub accepted: bool,
    /// Whether it was withdrawn (or replaced).
    pub revoked: bool,
}

impl InvitationView {
    /// Whether the link can still be used.
    pub fn usable(&self) -> bool {
        !self.accepted && !self.revoked && self.expires_at > OffsetDateTime::now_utc()
    }
}

/// Looks an invitation up by the token of its link.
pub async fn find_by_token(pool: &PgPool, token: &str) -> sqlx::Result<Option<InvitationView>> {
    sqlx::query_as::<_, InvitationView>(
        "select i.invitation_id, i.org_id, o.slug as org_slug, o.name as org_name, i.email, i.role,
                i.access_until, u.name as invited_by_name, i.expires_at,
                i.accepted_at is not null as accepted, i.revoked_at is not null as revoked
         from invitations i join organisations o using (org_id) join users u on u.user_id = i.invited_by
         where i.token_hash = sha256(convert_to($1, 'UTF8'))",
    )
    .bind(token)
    .fetch_optional(pool)
    .await
}

/// Why an invitation could not be accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// Unknown token, or used, revoked or expired.
    #[error("this invitation is no longer valid")]
    NotUsable,
    /// The signed-in account has another email than the invitation.
    #[error("this invitation is for another email address")]
    WrongAccount,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Accepts an invitation for the signed-in user: adds the membership (or updates the role of an
/// existing one) and marks the invitation used, in one transaction. Returns the workspace slug.
pub async fn accept(
    pool: &PgPool,
    token: &str,
    user_id: UserId,
    user_name: &str,
    user_email: &str,
) -> Result<String, AcceptError> {
    let mut tx = pool.begin().await?;
    let inv = sqlx::query_as::<_, InvitationView>(
        "select i.invitation_id, i.org_id, o.slug as org_slug, o.name as org_name, i.email, i.role,
                i.access_until, u.name as invited_by_name, i.expires_at,
                i.accepted_at is not null as accepted, i.revoked_at is not null as revoked
         from invitations i join organisations o using (org_id) join users u on u.user_id = i.invited_by
         where i.token_hash = sha256(convert_to($1, 'UTF8'))
         for update of i",
    )
    .bind(token)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AcceptError::NotUsable)?;
    if !inv.usable() {
        return Err(AcceptError::NotUsable);
    }
    if !inv.email.eq_ignore_ascii_case(user_email) {
        return Err(AcceptError::WrongAccount);
    }
    let role: Role = inv.role.parse().map_err(|_| AcceptError::NotUsable)?;
    let existing: Option<String> =
        sqlx::query_scalar("select role from memberships where org_id = $1 and user_id = $2 for update")
            .bind(inv.org_id)
            .bind(user_id.0)
            .fetch_optional(&mut *tx)
            .await?;
    // Someone who already belongs keeps their role: an invitation never demotes (an owner could
    // otherwise lose ownership by clicking an old auditor link).
    if existing.is_none() {
        sqlx::query("insert into memberships (org_id, user_id, role, access_until) values ($1, $2, $3, $4)")
            .bind(inv.org_id)
            .bind(user_id.0)
            .bind(role.as_str())
            .bind(inv.access_until)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("update invitations set accepted_at = now(), accepted_by = $2 where invitation_id = $1")
        .bind(inv.invitation_id)
        .bind(user_id.0)
        .execute(&mut *tx)
        .await?;
    let scope =
        OrgScope::new(OrgId(inv.org_id), user_id, user_name.to_string(), role, time::OffsetDateTime::now_utc().date());
    let mut tx = OrgTx::enter(tx, scope).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::Invitation,
            entity_id: inv.invitation_id.to_string(),
            summary: format!("{} accepted the invitation", inv.email),
            before: Some(json!({ "email": inv.email, "accepted": false })),
            after: Some(json!({ "email": inv.email, "accepted": true })),
        },
    )
    .await?;
    if existing.is_none() {
        audit::record(
            &mut tx,
            AuditEntry {
                action: AuditAction::Create,
                entity: crate::record::Entity::Membership,
                entity_id: user_id.to_string(),
                summary: format!("{user_name} joined as {role}"),
                before: None,
                after: Some(json!({ "user": user_name, "email": inv.email, "role": role.as_str(), "access_until": inv.access_until.map(|d| d.to_string()) })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(inv.org_slug)
}
