//! The AIMS scope statement (4.3) in versions, with the climate-change decision (4.1): editing
//! works on one draft; an owner approves it, which supersedes the previously approved version.
//! Approved and superseded versions never change.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::record::{Entity, WriteError, WriteResult};
use serde_json::json;
use time::OffsetDateTime;

/// One version of the scope statement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScopeVersionRow {
    /// 1, 2, …
    pub version_no: i32,
    /// `draft`, `approved` or `superseded`.
    pub status: String,
    /// Organisational units covered.
    pub units: String,
    /// Sites and locations.
    pub sites: String,
    /// AI systems covered.
    pub ai_systems_covered: String,
    /// Life-cycle stages covered.
    pub lifecycle_stages: String,
    /// The organisation's AI roles.
    pub ai_roles: String,
    /// Exclusions, each with its reason.
    pub exclusions: String,
    /// Interfaces and dependencies with what lies outside.
    pub interfaces: String,
    /// Whether climate change is a relevant issue (None: not decided).
    pub climate_relevant: Option<bool>,
    /// Why.
    pub climate_reason: String,
    /// Who started the version.
    pub created_by_name: Option<String>,
    /// When.
    pub created_at: OffsetDateTime,
    /// Last edit.
    pub updated_at: OffsetDateTime,
    /// Who approved it.
    pub approved_by_name: Option<String>,
    /// When.
    pub approved_at: Option<OffsetDateTime>,
    /// Optimistic-locking version of the row.
    pub version: i32,
}

impl ScopeVersionRow {
    /// Whether this is the editable draft.
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "status": self.status,
            "units": self.units,
            "sites": self.sites,
            "ai_systems_covered": self.ai_systems_covered,
            "lifecycle_stages": self.lifecycle_stages,
            "ai_roles": self.ai_roles,
            "exclusions": self.exclusions,
            "interfaces": self.interfaces,
            "climate_relevant": self.climate_relevant,
            "climate_reason": self.climate_reason,
        })
    }
}

/// The fields a scope edit provides.
#[derive(Debug, Clone, Default)]
pub struct ScopeInput {
    /// Organisational units covered.
    pub units: String,
    /// Sites and locations.
    pub sites: String,
    /// AI systems covered.
    pub ai_systems_covered: String,
    /// Life-cycle stages covered.
    pub lifecycle_stages: String,
    /// The organisation's AI roles.
    pub ai_roles: String,
    /// Exclusions with reasons.
    pub exclusions: String,
    /// Interfaces.
    pub interfaces: String,
    /// Climate change relevant?
    pub climate_relevant: Option<bool>,
    /// Why.
    pub climate_reason: String,
}

/// Every version, newest first (a workspace has a handful).
pub async fn list(tx: &mut OrgTx) -> sqlx::Result<Vec<ScopeVersionRow>> {
    sqlx::query_as::<_, ScopeVersionRow>(
        "select v.version_no, v.status, v.units, v.sites, v.ai_systems_covered, v.lifecycle_stages, v.ai_roles,
                v.exclusions, v.interfaces, v.climate_relevant, v.climate_reason, c.name as created_by_name, v.created_at,
                v.updated_at, a.name as approved_by_name, v.approved_at, v.version
         from scope_versions v
         left join users c on c.user_id = v.created_by
         left join users a on a.user_id = v.approved_by
         where v.org_id = $1 order by v.version_no desc limit 500",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// One version by number.
pub async fn get(tx: &mut OrgTx, version_no: i32) -> sqlx::Result<Option<ScopeVersionRow>> {
    sqlx::query_as::<_, ScopeVersionRow>(
        "select v.version_no, v.status, v.units, v.sites, v.ai_systems_covered, v.lifecycle_stages, v.ai_roles,
                v.exclusions, v.interfaces, v.climate_relevant, v.climate_reason, c.name as created_by_name, v.created_at,
                v.updated_at, a.name as approved_by_name, v.approved_at, v.version
         from scope_versions v
         left join users c on c.user_id = v.created_by
         left join users a on a.user_id = v.approved_by
         where v.org_id = $1 and v.version_no = $2",
    )
    .bind(tx.org_id().0)
    .bind(version_no)
    .fetch_optional(tx.conn())
    .await
}

async fn lock(tx: &mut OrgTx) -> sqlx::Result<()> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('scope:' || $1::text, 0))")
        .bind(tx.org_id().0)
        .execute(tx.conn())
        .await?;
    Ok(())
}

async fn draft(tx: &mut OrgTx) -> sqlx::Result<Option<ScopeVersionRow>> {
    let no: Option<i32> =
        sqlx::query_scalar("select version_no from scope_versions where org_id = $1 and status = 'draft'")
            .bind(tx.org_id().0)
            .fetch_optional(tx.conn())
            .await?;
    match no {
        Some(no) => get(tx, no).await,
        None => Ok(None),
    }
}

/// The text in force for an editor: the draft, or else the approved version.
async fn stored(tx: &mut OrgTx) -> sqlx::Result<Option<ScopeVersionRow>> {
    let no: Option<i32> = sqlx::query_scalar(
        "select version_no from scope_versions where org_id = $1 and status in ('draft', 'approved')
         order by status = 'draft' desc limit 1",
    )
    .bind(tx.org_id().0)
    .fetch_optional(tx.conn())
    .await?;
    match no {
        Some(no) => get(tx, no).await,
        None => Ok(None),
    }
}

/// Saves the draft. `version` is the draft's version the form was built from, or 0 when the
/// form started a new draft (from the approved text); anything else is stale, and the stale
/// error carries the draft, or the approved version when the draft was approved meanwhile.
pub async fn save_draft(tx: &mut OrgTx, input: &ScopeInput, version: i32) -> WriteResult<ScopeVersionRow> {
    lock(tx).await?;
    let current = draft(tx).await?;
    let (version_no, before) = match &current {
        Some(d) if d.version == version => (d.version_no, Some(d.snapshot())),
        None if version == 0 => {
            let next: i32 =
                sqlx::query_scalar("select coalesce(max(version_no), 0) + 1 from scope_versions where org_id = $1")
                    .bind(tx.org_id().0)
                    .fetch_one(tx.conn())
                    .await?;
            sqlx::query("insert into scope_versions (org_id, version_no, created_by) values ($1, $2, $3)")
                .bind(tx.org_id().0)
                .bind(next)
                .bind(tx.scope().user_id().0)
                .execute(tx.conn())
                .await?;
            (next, None)
        }
        Some(d) => return Err(WriteError::Stale(Box::new(d.clone()))),
        None => return Err(stored(tx).await?.map_or(WriteError::NotFound, |row| WriteError::Stale(Box::new(row)))),
    };
    sqlx::query(
        "update scope_versions set units = $3, sites = $4, ai_systems_covered = $5, lifecycle_stages = $6, ai_roles = $7,
                exclusions = $8, interfaces = $9, climate_relevant = $10, climate_reason = $11,
                version = version + case when $12 then 1 else 0 end
         where org_id = $1 and version_no = $2",
    )
    .bind(tx.org_id().0)
    .bind(version_no)
    .bind(&input.units)
    .bind(&input.sites)
    .bind(&input.ai_systems_covered)
    .bind(&input.lifecycle_stages)
    .bind(&input.ai_roles)
    .bind(&input.exclusions)
    .bind(&input.interfaces)
    .bind(input.climate_relevant)
    .bind(&input.climate_reason)
    .bind(before.is_some())
    .execute(tx.conn())
    .await?;
    let after = get(tx, version_no).await?.ok_or(WriteError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: if before.is_some() { AuditAction::Update } else { AuditAction::Create },
            entity: Entity::ScopeVersion,
            entity_id: version_no.to_string(),
            summary: if before.is_some() {
                format!("Edited the draft scope statement (version {version_no})")
            } else {
                format!("Started a new draft of the scope statement (version {version_no})")
            },
            before,
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

/// Approves the draft (owners only; checked by the caller): the previously approved version is
/// superseded. Returns the approved version.
pub async fn approve(tx: &mut OrgTx, version_no: i32, version: i32) -> WriteResult<ScopeVersionRow> {
    lock(tx).await?;
    let current = draft(tx).await?;
    match &current {
        Some(d) if d.version_no == version_no && d.version == version => {}
        Some(d) => return Err(WriteError::Stale(Box::new(d.clone()))),
        None => return Err(WriteError::NotFound),
    }
    sqlx::query("update scope_versions set status = 'superseded' where org_id = $1 and status = 'approved'")
        .bind(tx.org_id().0)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "update scope_versions set status = 'approved', approved_by = $3, approved_at = now(), version = version + 1
         where org_id = $1 and version_no = $2",
    )
    .bind(tx.org_id().0)
    .bind(version_no)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await?;
    let after = get(tx, version_no).await?.ok_or(WriteError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Approve,
            entity: Entity::ScopeVersion,
            entity_id: version_no.to_string(),
            summary: format!("Approved version {version_no} of the scope statement"),
            before: Some(json!({ "status": "draft" })),
            after: Some(json!({ "status": "approved" })),
        },
    )
    .await?;
    Ok(after)
}
