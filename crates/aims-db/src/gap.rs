//! The gap analysis (step 3): one assessment per assessable clause and per Annex A control, stored
//! once assessed (the catalogue supplies the rows not assessed yet), saved with a version check
//! (0 = never saved) and one audit entry per save; plus the actions the plan links to them.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::record::{WriteError, WriteResult};
use aims_domain::catalogue::catalogue;
use aims_domain::registers::GapLevel;
use aims_domain::roadmap::{ActionStatus, Priority};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// The `source_type` of actions created from a gap row (an action's source kind, not an audit
/// entity: the audit log uses `record::Entity::GapItem`).
pub const ACTION_SOURCE: &str = "gap_item";

/// Whether `id` is a requirement of the gap analysis: an assessable clause or an Annex A control.
pub fn is_requirement(id: &str) -> bool {
    catalogue().clause(id).is_some_and(|c| c.assessable) || catalogue().control(id).is_some()
}

/// A stored assessment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GapItemRow {
    /// Clause or control id (`6.1.2`, `A.6.2.4`).
    pub requirement_id: String,
    /// What is in place today.
    pub current_state: String,
    /// 0 to 5 on the taxonomy's maturity scale.
    pub maturity: Option<i16>,
    /// Gap level key.
    pub gap: Option<String>,
    /// Priority key.
    pub priority: Option<String>,
    /// Free notes.
    pub notes: String,
    /// Who saved last.
    pub updated_by_name: Option<String>,
    /// Last save.
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking version (stored rows start at 1).
    pub version: i32,
}

impl GapItemRow {
    /// The typed gap level.
    pub fn gap(&self) -> Option<GapLevel> {
        self.gap.as_deref().and_then(|g| g.parse().ok())
    }

    /// The typed priority.
    pub fn priority(&self) -> Option<Priority> {
        self.priority.as_deref().and_then(|p| p.parse().ok())
    }

    /// The maturity level as the taxonomy counts.
    pub fn maturity(&self) -> Option<u8> {
        self.maturity.and_then(|m| u8::try_from(m).ok())
    }

    /// A requirement not assessed yet, as a row: empty, version 0 (what a stale save is compared
    /// with when the stored row is gone or was never there).
    pub fn unassessed(requirement_id: &str) -> Self {
        GapItemRow {
            requirement_id: requirement_id.to_string(),
            current_state: String::new(),
            maturity: None,
            gap: None,
            priority: None,
            notes: String::new(),
            updated_by_name: None,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            version: 0,
        }
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "current_state": self.current_state,
            "maturity": self.maturity,
            "gap": self.gap,
            "priority": self.priority,
            "notes": self.notes,
        })
    }
}

/// What the gap form provides.
#[derive(Debug, Clone)]
pub struct GapInput {
    /// What is in place today.
    pub current_state: String,
    /// 0 to 5, or not rated.
    pub maturity: Option<u8>,
    /// The size of the gap.
    pub gap: Option<GapLevel>,
    /// How urgent closing it is.
    pub priority: Option<Priority>,
    /// Free notes.
    pub notes: String,
}

/// An action of the plan linked to a gap row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedAction {
    /// The requirement it came from.
    pub requirement_id: String,
    /// The action's id.
    pub action_id: Uuid,
    /// Per-workspace number.
    pub ref_no: i32,
    /// Title.
    pub title: String,
    /// Status key.
    #[sqlx(try_from = "String")]
    pub status: ActionStatus,
}

impl LinkedAction {
    /// `ACT-007`.
    pub fn reference(&self) -> String {
        crate::refs::format_ref(crate::refs::RefRegister::Actions, self.ref_no)
    }

    /// The typed status.
    pub fn status(&self) -> ActionStatus {
        self.status
    }
}

/// Every stored assessment (in no particular order; the catalogue gives the order).
pub async fn list(tx: &mut OrgTx) -> sqlx::Result<Vec<GapItemRow>> {
    sqlx::query_as::<_, GapItemRow>(
        "select g.requirement_id, g.current_state, g.maturity, g.gap, g.priority, g.notes,
                u.name as updated_by_name, g.updated_at, g.version
         from gap_items g left join users u on u.user_id = g.updated_by
         where g.org_id = $1",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// One stored assessment (None when not assessed yet).
pub async fn get(tx: &mut OrgTx, requirement_id: &str) -> sqlx::Result<Option<GapItemRow>> {
    sqlx::query_as::<_, GapItemRow>(
        "select g.requirement_id, g.current_state, g.maturity, g.gap, g.priority, g.notes,
                u.name as updated_by_name, g.updated_at, g.version
         from gap_items g left join users u on u.user_id = g.updated_by
         where g.org_id = $1 and g.requirement_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(requirement_id)
    .fetch_optional(tx.conn())
    .await
}

/// The (not archived) actions of every gap row, in plan order: one query for the whole page.
pub async fn linked_actions(tx: &mut OrgTx) -> sqlx::Result<Vec<LinkedAction>> {
    sqlx::query_as::<_, LinkedAction>(
        "select a.source_id as requirement_id, a.action_id, a.ref_no, a.title, a.status
         from actions a
         where a.org_id = $1 and a.source_type = 'gap_item' and a.archived_at is null
         order by a.ref_no",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// The (not archived) actions linked to one requirement.
pub async fn actions_for(tx: &mut OrgTx, requirement_id: &str) -> sqlx::Result<Vec<LinkedAction>> {
    sqlx::query_as::<_, LinkedAction>(
        "select a.source_id as requirement_id, a.action_id, a.ref_no, a.title, a.status
         from actions a
         where a.org_id = $1 and a.source_type = 'gap_item' and a.source_id = $2 and a.archived_at is null
         order by a.ref_no",
    )
    .bind(tx.org_id().0)
    .bind(requirement_id)
    .fetch_all(tx.conn())
    .await
}

/// Saves an assessment if `version` is the stored one (0 for a row never saved, which is then
/// inserted), and records it. A stale save carries the row as stored now (an empty one at
/// version 0 when the requirement is not assessed yet).
pub async fn save(tx: &mut OrgTx, requirement_id: &str, input: &GapInput, version: i32) -> WriteResult<GapItemRow> {
    if !is_requirement(requirement_id) {
        return Err(WriteError::NotFound);
    }
    let before = sqlx::query_scalar::<_, i32>(
        "select version from gap_items where org_id = $1 and requirement_id = $2 for update",
    )
    .bind(tx.org_id().0)
    .bind(requirement_id)
    .fetch_optional(tx.conn())
    .await?;
    let before_row = match before {
        Some(_) => get(tx, requirement_id).await?,
        None => None,
    };
    if before.unwrap_or(0) != version {
        return Err(WriteError::Stale(Box::new(before_row.unwrap_or_else(|| GapItemRow::unassessed(requirement_id)))));
    }
    let done = if before.is_none() {
        // A concurrent first save wins the insert; this one then finds the row and is stale.
        sqlx::query(
            "insert into gap_items (org_id, requirement_id, current_state, maturity, gap, priority, notes, updated_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (org_id, requirement_id) do nothing",
        )
    } else {
        sqlx::query(
            "update gap_items set current_state = $3, maturity = $4, gap = $5, priority = $6, notes = $7,
                                  updated_by = $8, version = version + 1
             where org_id = $1 and requirement_id = $2",
        )
    }
    .bind(tx.org_id().0)
    .bind(requirement_id)
    .bind(&input.current_state)
    .bind(input.maturity.map(i16::from))
    .bind(input.gap.map(|g| g.as_str()))
    .bind(input.priority.map(|p| p.as_str()))
    .bind(&input.notes)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        let current = get(tx, requirement_id).await?.unwrap_or_else(|| GapItemRow::unassessed(requirement_id));
        return Err(WriteError::Stale(Box::new(current)));
    }
    let after = get(tx, requirement_id).await?.ok_or(WriteError::NotFound)?;
    let title = catalogue()
        .clause(requirement_id)
        .map(|c| c.title.as_str())
        .or_else(|| catalogue().control(requirement_id).map(|c| c.title.as_str()))
        .unwrap_or_default();
    audit::record(
        tx,
        AuditEntry {
            action: if before_row.is_some() { AuditAction::Update } else { AuditAction::Create },
            entity: crate::record::Entity::GapItem,
            entity_id: requirement_id.to_string(),
            summary: format!(
                "{} gap assessment of {requirement_id} {title}",
                if before_row.is_some() { "Updated" } else { "Recorded" }
            ),
            before: before_row.as_ref().map(GapItemRow::snapshot),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}
