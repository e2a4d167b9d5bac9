//! Organisations (workspaces), a global table: creation with its first owner.

use crate::audit::{self, AuditAction, AuditEntry};
use crate::{OrgScope, OrgTx};
use aims_domain::{OrgId, OrgName, OrgSlug, Role, UserId};
use serde_json::json;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
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
    /// IANA time zone the workspace's calendar days follow (due dates, overdue).
    pub time_zone: String,
    /// When the certification audit should be passed.
    pub target_certification_date: Option<Date>,
    /// Today in the workspace's time zone.
    pub today: Date,
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
         returning org_id, slug, name, created_at, version, time_zone, target_certification_date,
                   (now() at time zone time_zone)::date as today",
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
    sqlx::query("insert into steps (org_id, step_number) select $1, generate_series(1, $2::int)")
        .bind(org.org_id)
        .bind(i32::from(aims_domain::catalogue::STEP_COUNT))
        .execute(&mut *tx)
        .await?;
    let scope = OrgScope::new(org.id(), creator, creator_name.to_string(), Role::Owner, org.today);
    let mut tx = OrgTx::enter(tx, scope).await?;
    audit::record(
        &mut tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::Organisation,
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
            entity: crate::record::Entity::Membership,
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

/// Workspace settings as the settings form edits them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Display name.
    pub name: OrgName,
    /// IANA time zone (checked against the database's list).
    pub time_zone: String,
    /// Target certification date.
    pub target_certification_date: Option<Date>,
}

/// Why settings were not saved.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The time zone is unknown.
    #[error("unknown time zone")]
    UnknownTimeZone,
    /// Someone saved first.
    #[error("changed by someone else")]
    Stale(Box<OrgRow>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The time zone names the database knows, for the settings form.
pub async fn time_zones(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "select name from pg_timezone_names
         where name !~ '^(posix|Etc/GMT[+-]|SystemV)' order by name",
    )
    .fetch_all(pool)
    .await
}

/// Saves the workspace settings (version-checked) and records them.
pub async fn update_settings(tx: &mut OrgTx, settings: &Settings, version: i32) -> Result<OrgRow, SettingsError> {
    let known: bool = sqlx::query_scalar("select exists(select 1 from pg_timezone_names where name = $1)")
        .bind(&settings.time_zone)
        .fetch_one(tx.conn())
        .await?;
    if !known {
        return Err(SettingsError::UnknownTimeZone);
    }
    let before = sqlx::query_as::<_, OrgRow>(
        "select org_id, slug, name, created_at, version, time_zone, target_certification_date,
                (now() at time zone time_zone)::date as today
         from organisations where org_id = $1 for update",
    )
    .bind(tx.org_id().0)
    .fetch_one(tx.conn())
    .await?;
    if before.version != version {
        return Err(SettingsError::Stale(Box::new(before)));
    }
    let after = sqlx::query_as::<_, OrgRow>(
        "update organisations set name = $2, time_zone = $3, target_certification_date = $4, version = version + 1
         where org_id = $1
         returning org_id, slug, name, created_at, version, time_zone, target_certification_date,
                   (now() at time zone time_zone)::date as today",
    )
    .bind(tx.org_id().0)
    .bind(settings.name.as_str())
    .bind(&settings.time_zone)
    .bind(settings.target_certification_date)
    .fetch_one(tx.conn())
    .await?;
    let snapshot = |o: &OrgRow| {
        json!({
            "name": o.name,
            "time_zone": o.time_zone,
            "target_certification_date": o.target_certification_date.map(|d| d.to_string()),
        })
    };
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::Organisation,
            entity_id: after.org_id.to_string(),
            summary: "Changed the workspace settings".into(),
            before: Some(snapshot(&before)),
            after: Some(snapshot(&after)),
        },
    )
    .await?;
    Ok(after)
}
