//! Archiving, written once for every register: registers archive instead of delete, so a row
//! leaves the lists but stays readable for auditors and history.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use uuid::Uuid;

/// A register whose rows can be archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archivable {
    /// The implementation plan.
    Actions,
    /// The AI system inventory.
    AiSystems,
    /// AI objectives.
    Objectives,
    /// Context issues (4.1).
    ContextIssues,
    /// Interested parties (4.2).
    InterestedParties,
}

impl Archivable {
    /// The audit log's entity type.
    fn entity_type(self) -> &'static str {
        match self {
            Archivable::Actions => "action",
            Archivable::AiSystems => "ai_system",
            Archivable::Objectives => "objective",
            Archivable::ContextIssues => "context_issue",
            Archivable::InterestedParties => "interested_party",
        }
    }

    // Static statements (one per table) so that no SQL is ever assembled from strings.
    fn sql(self) -> &'static str {
        match self {
            Archivable::Actions => {
                "update actions set archived_at = now(), version = version + 1
                 where org_id = $1 and action_id = $2 and archived_at is null and version = $3"
            }
            Archivable::AiSystems => {
                "update ai_systems set archived_at = now(), version = version + 1
                 where org_id = $1 and system_id = $2 and archived_at is null and version = $3"
            }
            Archivable::Objectives => {
                "update objectives set archived_at = now(), version = version + 1
                 where org_id = $1 and objective_id = $2 and archived_at is null and version = $3"
            }
            Archivable::ContextIssues => {
                "update context_issues set archived_at = now(), version = version + 1
                 where org_id = $1 and issue_id = $2 and archived_at is null and version = $3"
            }
            Archivable::InterestedParties => {
                "update interested_parties set archived_at = now(), version = version + 1
                 where org_id = $1 and party_id = $2 and archived_at is null and version = $3"
            }
        }
    }
}

/// Archives one row if it is not archived yet and its version matches, and records it with the
/// row's last snapshot. `false` means stale (or archived already): nothing was changed.
pub async fn archive(
    tx: &mut OrgTx,
    what: Archivable,
    id: Uuid,
    version: i32,
    summary: String,
    before: serde_json::Value,
) -> sqlx::Result<bool> {
    let done = sqlx::query(what.sql()).bind(tx.org_id().0).bind(id).bind(version).execute(tx.conn()).await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Archive,
            entity_type: what.entity_type(),
            entity_id: id.to_string(),
            summary,
            before: Some(before),
            after: None,
        },
    )
    .await?;
    Ok(true)
}
