//! Approved versions of the SoA: each one freezes every row of the working copy as JSON, numbered
//! per workspace, and never changes afterwards.

use super::{SnapshotRow, SoaItem, list};
use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::record::{WriteError, WriteResult};
use time::OffsetDateTime;

/// An approved version as the list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VersionSummary {
    /// 1, 2, …
    pub version_no: i32,
    /// Who approved it.
    pub approver_name: String,
    /// When.
    pub approved_at: OffsetDateTime,
    /// The approver's note.
    pub note: String,
    /// How many controls it froze.
    pub controls: i32,
}

/// An approved version with its frozen rows.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SoaVersion {
    /// 1, 2, …
    pub version_no: i32,
    /// Who approved it.
    pub approver_name: String,
    /// When.
    pub approved_at: OffsetDateTime,
    /// The approver's note.
    pub note: String,
    /// Every row as it stood.
    pub snapshot: serde_json::Value,
}

impl SoaVersion {
    /// The frozen rows; None when the snapshot cannot be read as rows.
    pub fn rows(&self) -> Option<Vec<SnapshotRow>> {
        serde_json::from_value(self.snapshot.clone()).ok()
    }
}

/// Approved versions, newest first.
pub async fn versions(tx: &mut OrgTx) -> sqlx::Result<Vec<VersionSummary>> {
    sqlx::query_as::<_, VersionSummary>(
        "select version_no, approver_name, approved_at, note,
                case when jsonb_typeof(snapshot) = 'array' then jsonb_array_length(snapshot) else 0 end as controls
         from soa_versions where org_id = $1 order by version_no desc",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// One approved version.
pub async fn version(tx: &mut OrgTx, version_no: i32) -> sqlx::Result<Option<SoaVersion>> {
    sqlx::query_as::<_, SoaVersion>(
        "select version_no, approver_name, approved_at, note, snapshot
         from soa_versions where org_id = $1 and version_no = $2",
    )
    .bind(tx.org_id().0)
    .bind(version_no)
    .fetch_optional(tx.conn())
    .await
}

/// The newest approved version.
pub async fn latest(tx: &mut OrgTx) -> sqlx::Result<Option<SoaVersion>> {
    sqlx::query_as::<_, SoaVersion>(
        "select version_no, approver_name, approved_at, note, snapshot
         from soa_versions where org_id = $1 order by version_no desc limit 1",
    )
    .bind(tx.org_id().0)
    .fetch_optional(tx.conn())
    .await
}

/// Freezes the working copy as the next numbered version, approved by the acting user, and
/// records it. Refused (an `Invalid` on the note; the page lists the controls) while any control
/// lacks its justification.
pub async fn approve(tx: &mut OrgTx, note: &str) -> WriteResult<VersionSummary> {
    // Serialises approvals of one workspace, so version numbers follow each other.
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('soa_versions:' || $1::text, 0))")
        .bind(tx.org_id().0)
        .execute(tx.conn())
        .await?;
    let items = list(tx).await?;
    let rows: Vec<SnapshotRow> = items.iter().map(SoaItem::snapshot_row).collect();
    let missing = aims_domain::soa::unjustified(&rows).len();
    if missing > 0 {
        return Err(WriteError::Invalid {
            field: "approve",
            message: format!("{missing} controls still lack their justification."),
        });
    }
    let snapshot = serde_json::to_value(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let approver = tx.scope().user_name().to_string();
    let summary = sqlx::query_as::<_, VersionSummary>(
        "insert into soa_versions (org_id, version_no, approved_by, approver_name, note, snapshot)
         values ($1, (select coalesce(max(version_no), 0) + 1 from soa_versions where org_id = $1), $2, $3, $4, $5)
         returning version_no, approver_name, approved_at, note, jsonb_array_length(snapshot) as controls",
    )
    .bind(tx.org_id().0)
    .bind(tx.scope().user_id().0)
    .bind(&approver)
    .bind(note)
    .bind(&snapshot)
    .fetch_one(tx.conn())
    .await?;
    let applicable = items.iter().filter(|i| i.applicable == Some(true)).count();
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Approve,
            entity: crate::record::Entity::SoaVersion,
            entity_id: summary.version_no.to_string(),
            summary: format!("Approved the Statement of Applicability as v{}", summary.version_no),
            before: None,
            after: Some(serde_json::json!({
                "version": summary.version_no,
                "controls": items.len(),
                "applicable": applicable,
                "excluded": items.len() - applicable,
                "note": note,
            })),
        },
    )
    .await?;
    Ok(summary)
}
