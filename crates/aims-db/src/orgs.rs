//! Organisations (workspaces), a global table: creation with its first owner.

use crate::audit::{self, AuditAction, AuditEntry};
use crate::{OrgScope, OrgTx};
use aims_domain::{OrgId, OrgName, OrgSlug, Role, UserId};
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrgRow {
    /// The id.
    pub org_id: Uuid,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Optimistic-locking version.
    pub version: i32,
}

impl OrgRow {
    /// The typed id.
    pub fn id(&self) -> OrgId {
        OrgId(self.org_id)
    }
}

/// Why a workspace could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateOrgError {
    /// Another workspace has this slug.
    #[error("this slug is taken")]
    SlugTaken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Creates a workspace with its creator as owner, both recorded in the new audit log, in one
/// transaction.
pub async fn create(
    pool: &PgPool,
    creator: UserId,
    creator_name: &str,
    name: &OrgName,
    slug: &OrgSlug,
) -> Result<OrgRow, CreateOrgError> {
    let mut tx = pool.begin().await?;
    let org = sqlx::query_as::<_, OrgRow>(
        "insert into organisations (org_id, slug, name, created_by) values ($1, $2, $3, $4)
         returning org_id, slug, name, created_at, version",
    )
    .bind(OrgId::new().0)
    .bind(slug.as_str())
    .bind(name.as_str())
    .bind(creator.0)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if crate::is_constraint(&e, "organisations_slug_key") {
            CreateOrgError::SlugTaken
        } else {
            CreateOrgError::Db(e)
        }
    })?;
    sqlx::query("insert into memberships (org_id, user_id, role) values ($1, $2, 'owner')")
        .bind(org.org_id)
        .bind(creator.0)
        .execute(&mut *tx)
        .await?;
    let scope = OrgScope::new(org.id(), creator, creator_name.to_string(), Role::Owner);
    let mut tx = OrgTx::enter(tx, scope).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "organisation",
            entity_id: org.org_id.to_string(),
            summary: format!("Created the workspace {}", org.name),
            before: None,
            after: Some(json!({ "name": org.name, "slug": org.slug })),
        },
    )
    .await?;
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "membership",
            entity_id: creator.to_string(),
            summary: format!("{creator_name} joined as owner"),
            before: None,
            after: Some(json!({ "user": creator_name, "role": "owner" })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// Whether a slug is free (for a friendly form message before the insert races).
pub async fn slug_taken(pool: &PgPool, slug: &OrgSlug) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from organisations where slug = $1)")
        .bind(slug.as_str())
        .fetch_one(pool)
        .await
}
