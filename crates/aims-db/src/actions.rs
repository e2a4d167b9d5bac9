//! The implementation plan: actions with owner, due date, priority, status, an optional step and
//! an optional source (gap item, risk, finding, …) given as a kind and an id.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::roadmap::{ActionStatus, Priority};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An action as lists and pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    /// The id.
    pub action_id: Uuid,
    /// Per-workspace number (`ACT-007`).
    pub ref_no: i32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner (a member).
    pub owner_id: Option<Uuid>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Due date.
    pub due_date: Option<Date>,
    /// Priority key.
    pub priority: String,
    /// Status key.
    pub status: String,
    /// The step it serves.
    pub step_number: Option<i16>,
    /// Kind of source (`gap_item`, `risk`, …).
    pub source_type: Option<String>,
    /// The source's id.
    pub source_id: Option<String>,
    /// The source for people.
    pub source_label: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking version.
    pub version: i32,
    /// Whether it is past due (in the workspace's time zone) and still open.
    pub overdue: bool,
}

impl ActionRow {
    /// `ACT-007`.
    pub fn reference(&self) -> String {
        crate::refs::format_ref(crate::refs::RefRegister::Actions, self.ref_no)
    }

    /// The typed status.
    pub fn status(&self) -> ActionStatus {
        self.status.parse().unwrap_or(ActionStatus::Open)
    }

    /// The typed priority.
    pub fn priority(&self) -> Priority {
        self.priority.parse().unwrap_or(Priority::Medium)
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "title": self.title,
            "description": self.description,
            "owner": self.owner_name,
            "due_date": self.due_date.map(|d| d.to_string()),
            "priority": self.priority,
            "status": self.status,
            "step": self.step_number,
        })
    }
}

/// What an action form provides.
#[derive(Debug, Clone)]
pub struct ActionInput {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Due date.
    pub due_date: Option<Date>,
    /// Priority.
    pub priority: Priority,
    /// Status.
    pub status: ActionStatus,
    /// The step it serves.
    pub step_number: Option<u8>,
}

/// Where an action comes from, for actions other areas create.
#[derive(Debug, Clone)]
pub struct ActionSource {
    /// Kind (`gap_item`, `risk`, `finding`, `review_decision`, …).
    pub kind: &'static str,
    /// The source row's id.
    pub id: String,
    /// A label for people ("Gap: 6.1.2 AI risk assessment").
    pub label: String,
}

/// List filters (all optional).
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    /// Only this owner.
    pub owner_id: Option<Uuid>,
    /// Only this status.
    pub status: Option<ActionStatus>,
    /// Only this step.
    pub step_number: Option<u8>,
    /// Only overdue ones.
    pub overdue: bool,
}

/// Filtered actions, by due date (undated last), one page.
pub async fn list(tx: &mut OrgTx, filter: &ActionFilter, page: PageRequest) -> sqlx::Result<Paged<ActionRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from actions a join organisations o on o.org_id = a.org_id
         where a.org_id = $1 and a.archived_at is null
           and ($2::uuid is null or a.owner_id = $2)
           and ($3::text is null or a.status = $3)
           and ($4::int2 is null or a.step_number = $4)
           and (not $5 or (coalesce(a.due_date < (now() at time zone o.time_zone)::date, false) and a.status in ('open', 'in_progress')))",
    )
    .bind(tx.org_id().0)
    .bind(filter.owner_id)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.step_number.map(i16::from))
    .bind(filter.overdue)
    .fetch_one(tx.conn())
    .await?;
    let rows = select_filtered(tx, filter, page.offset(), page.limit()).await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

async fn select_filtered(
    tx: &mut OrgTx,
    filter: &ActionFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<ActionRow>> {
    sqlx::query_as::<_, ActionRow>(
        "select a.action_id, a.ref_no, a.title, a.description, a.owner_id, u.name as owner_name, a.due_date,
                a.priority, a.status, a.step_number, a.source_type, a.source_id, a.source_label, a.created_at,
                a.updated_at, a.version,
                (coalesce(a.due_date < (now() at time zone o.time_zone)::date, false) and a.status in ('open', 'in_progress')) as overdue
         from actions a
         join organisations o on o.org_id = a.org_id
         left join users u on u.user_id = a.owner_id
         where a.org_id = $1 and a.archived_at is null
           and ($2::uuid is null or a.owner_id = $2)
           and ($3::text is null or a.status = $3)
           and ($4::int2 is null or a.step_number = $4)
           and (not $5 or (coalesce(a.due_date < (now() at time zone o.time_zone)::date, false) and a.status in ('open', 'in_progress')))
         order by a.due_date asc nulls last, a.ref_no
         offset $6 limit $7",
    )
    .bind(tx.org_id().0)
    .bind(filter.owner_id)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.step_number.map(i16::from))
    .bind(filter.overdue)
    .bind(offset)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

/// Every action matching the filter (for the CSV export), in list order.
pub async fn export(tx: &mut OrgTx, filter: &ActionFilter) -> sqlx::Result<Vec<ActionRow>> {
    select_filtered(tx, filter, 0, i64::MAX).await
}

/// One action (archived ones too: history stays readable).
pub async fn get(tx: &mut OrgTx, action_id: Uuid) -> sqlx::Result<Option<ActionRow>> {
    sqlx::query_as::<_, ActionRow>(
        "select a.action_id, a.ref_no, a.title, a.description, a.owner_id, u.name as owner_name, a.due_date,
                a.priority, a.status, a.step_number, a.source_type, a.source_id, a.source_label, a.created_at,
                a.updated_at, a.version,
                (coalesce(a.due_date < (now() at time zone o.time_zone)::date, false) and a.status in ('open', 'in_progress')) as overdue
         from actions a
         join organisations o on o.org_id = a.org_id
         left join users u on u.user_id = a.owner_id
         where a.org_id = $1 and a.action_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(action_id)
    .fetch_optional(tx.conn())
    .await
}

/// Why an action change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// No such action here.
    #[error("no such action")]
    NotFound,
    /// Someone saved first.
    #[error("changed by someone else")]
    Stale(Box<ActionRow>),
    /// The owner is not a member.
    #[error("the owner is not a member")]
    NotAMember,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn owner_error(e: sqlx::Error) -> ActionError {
    if crate::is_constraint(&e, "actions_org_id_owner_id_fkey") { ActionError::NotAMember } else { ActionError::Db(e) }
}

/// Creates an action (with its next `ACT-nnn` number) and records it.
pub async fn create(
    tx: &mut OrgTx,
    input: &ActionInput,
    source: Option<&ActionSource>,
) -> Result<ActionRow, ActionError> {
    let ref_no = crate::refs::next_ref_no(tx, crate::refs::RefRegister::Actions).await?;
    let action_id = Uuid::now_v7();
    sqlx::query(
        "insert into actions (org_id, action_id, ref_no, title, description, owner_id, due_date, priority, status,
                              step_number, source_type, source_id, source_label, created_by)
         values ($1, $2, $14, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tx.org_id().0)
    .bind(action_id)
    .bind(&input.title)
    .bind(&input.description)
    .bind(input.owner_id)
    .bind(input.due_date)
    .bind(input.priority.as_str())
    .bind(input.status.as_str())
    .bind(input.step_number.map(i16::from))
    .bind(source.map(|s| s.kind))
    .bind(source.map(|s| s.id.clone()))
    .bind(source.map_or("", |s| s.label.as_str()))
    .bind(tx.scope().user_id().0)
    .bind(ref_no)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let row = get(tx, action_id).await?.ok_or(ActionError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity_type: "action",
            entity_id: action_id.to_string(),
            summary: format!("Created {}: {}", row.reference(), row.title),
            before: None,
            after: Some(row.snapshot()),
        },
    )
    .await?;
    Ok(row)
}

/// Saves an edit if the version matches, and records it.
pub async fn update(
    tx: &mut OrgTx,
    action_id: Uuid,
    input: &ActionInput,
    version: i32,
) -> Result<ActionRow, ActionError> {
    let before = sqlx::query_scalar::<_, i32>(
        "select version from actions where org_id = $1 and action_id = $2 and archived_at is null for update",
    )
    .bind(tx.org_id().0)
    .bind(action_id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(ActionError::NotFound)?;
    let before_row = get(tx, action_id).await?.ok_or(ActionError::NotFound)?;
    if before != version {
        return Err(ActionError::Stale(Box::new(before_row)));
    }
    sqlx::query(
        "update actions set title = $3, description = $4, owner_id = $5, due_date = $6, priority = $7, status = $8,
                            step_number = $9, version = version + 1
         where org_id = $1 and action_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(action_id)
    .bind(&input.title)
    .bind(&input.description)
    .bind(input.owner_id)
    .bind(input.due_date)
    .bind(input.priority.as_str())
    .bind(input.status.as_str())
    .bind(input.step_number.map(i16::from))
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let after = get(tx, action_id).await?.ok_or(ActionError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity_type: "action",
            entity_id: action_id.to_string(),
            summary: format!("Updated {}: {}", after.reference(), after.title),
            before: Some(before_row.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

/// Archives an action (it leaves the lists, stays readable), version-checked.
pub async fn archive(tx: &mut OrgTx, action_id: Uuid, version: i32) -> Result<ActionRow, ActionError> {
    let row = get(tx, action_id).await?.ok_or(ActionError::NotFound)?;
    if !crate::archive::archive(
        tx,
        crate::archive::Archivable::Actions,
        action_id,
        version,
        format!("Archived {}: {}", row.reference(), row.title),
        row.snapshot(),
    )
    .await?
    {
        return Err(ActionError::Stale(Box::new(row)));
    }
    Ok(row)
}
