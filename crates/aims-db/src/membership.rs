//! The membership check that hands out an [`OrgScope`], and the user's list of workspaces.

use crate::OrgScope;
use crate::orgs::OrgRow;
use aims_domain::{OrgId, Role, UserId};
use sqlx::PgPool;
use time::Date;

/// A workspace the user may enter, with the scope to enter it.
#[derive(Debug, Clone)]
pub struct Access {
    /// The workspace.
    pub org: OrgRow,
    /// The capability for its tenant rows.
    pub scope: OrgScope,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
}

#[derive(sqlx::FromRow)]
struct AccessRow {
    #[sqlx(flatten)]
    org: OrgRow,
    role: String,
    access_until: Option<Date>,
    user_name: String,
}

/// Resolves a slug for a user in one query. `None` when the slug is unknown, the user is not a
/// member, or an auditor's access has ended: callers answer all three with the same 404.
pub async fn authorize(pool: &PgPool, user_id: UserId, slug: &str) -> sqlx::Result<Option<Access>> {
    let row = sqlx::query_as::<_, AccessRow>(
        "select o.org_id, o.slug, o.name, o.created_at, o.version, o.time_zone, o.target_certification_date,
                (now() at time zone o.time_zone)::date as today, m.role, m.access_until, u.name as user_name
         from organisations o
         join memberships m on m.org_id = o.org_id and m.user_id = $1
         join users u on u.user_id = m.user_id
         where o.slug = $2 and (m.access_until is null or m.access_until >= current_date)",
    )
    .bind(user_id.0)
    .bind(slug)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        let role: Role = r.role.parse().ok()?;
        Some(Access {
            scope: OrgScope::new(OrgId(r.org.org_id), user_id, r.user_name, role, r.org.today),
            org: r.org,
            access_until: r.access_until,
        })
    }))
}

/// One of the user's workspaces, for the portfolio and the workspace switcher.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyWorkspace {
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The user's role there.
    pub role: String,
    /// Last day of access (auditors).
    pub access_until: Option<Date>,
}

/// Every workspace the user can enter, by name, in one query (the switcher on every page, so
/// it stays an index lookup on `memberships (user_id)`).
pub async fn list_for_user(pool: &PgPool, user_id: UserId) -> sqlx::Result<Vec<MyWorkspace>> {
    sqlx::query_as::<_, MyWorkspace>(
        "select o.slug, o.name, m.role, m.access_until
         from memberships m join organisations o using (org_id)
         where m.user_id = $1 and (m.access_until is null or m.access_until >= current_date)
         order by lower(o.name), o.slug",
    )
    .bind(user_id.0)
    .fetch_all(pool)
    .await
}
