//! The implementation plan: actions with owner, due date, priority, status, an optional step and
//! an optional source (gap item, risk, finding, …) given as a kind and an id.

use crate::OrgTx;
use crate::record::{self, Record, Register, WriteError, WriteResult};
use crate::refs::{RefRegister, format_ref};
use aims_domain::ActionId;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::roadmap::{ActionStatus, Priority};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An action as lists and pages show it.
#[expect(
    missing_docs,
    reason = "fields named after the columns of `actions`; only the non-obvious ones are documented"
)]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    #[sqlx(try_from = "Uuid")]
    pub action_id: ActionId,
    /// Per-workspace number (`ACT-007`).
    pub ref_no: i32,
    pub title: String,
    pub description: String,
    /// A member, or nobody yet.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_date: Option<Date>,
    #[sqlx(try_from = "String")]
    pub priority: Priority,
    #[sqlx(try_from = "String")]
    pub status: ActionStatus,
    /// The step it serves.
    pub step_number: Option<i16>,
    /// Kind of source (`gap_item`, `risk`, …).
    pub source_type: Option<String>,
    pub source_id: Option<String>,
    /// The source for people.
    pub source_label: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
    /// Past due (in the workspace's time zone) and still open.
    pub overdue: bool,
}

impl ActionRow {
    /// `ACT-007`.
    pub fn reference(&self) -> String {
        format_ref(RefRegister::Actions, self.ref_no)
    }
}

impl Record for ActionRow {
    const ENTITY: record::Entity = record::Entity::Action;

    fn audit_id(&self) -> String {
        self.action_id.to_string()
    }

    fn label(&self) -> String {
        format!("{}: {}", self.reference(), self.title)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "title": self.title,
            "description": self.description,
            "owner": self.owner_name,
            "due_date": self.due_date.map(|d| d.to_string()),
            "priority": self.priority.as_str(),
            "status": self.status.as_str(),
            "step": self.step_number,
        })
    }
}

/// What an action form provides.
#[expect(
    missing_docs,
    reason = "fields named after the columns of `actions`; only the non-obvious ones are documented"
)]
#[derive(Debug, Clone)]
pub struct ActionInput {
    pub title: String,
    pub description: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<Date>,
    pub priority: Priority,
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
#[expect(
    missing_docs,
    reason = "fields named after the columns of `actions`; only the non-obvious ones are documented"
)]
#[derive(Debug, Clone, Default)]
pub struct ActionFilter {
    pub owner_id: Option<Uuid>,
    pub status: Option<ActionStatus>,
    pub step_number: Option<u8>,
    /// Only overdue ones.
    pub overdue: bool,
    /// Archived ones too.
    pub archived: bool,
}

// Overdue is `roadmap::is_overdue` applied in SQL: `$2` is the workspace's today, `$3` the open
// statuses (`ActionStatus::open_keys`).
macro_rules! select_actions {
    () => {
        "select a.action_id, a.ref_no, a.title, a.description, a.owner_id, u.name as owner_name, a.due_date,
        a.priority, a.status, a.step_number, a.source_type, a.source_id, a.source_label, a.created_at,
        a.updated_at, a.archived_at, a.version,
        coalesce(a.due_date < $2 and a.status = any($3), false) as overdue
 from actions a
 left join users u on u.user_id = a.owner_id"
    };
}

/// Filtered actions, by due date (undated last), one page.
pub async fn list(tx: &mut OrgTx, filter: &ActionFilter, page: PageRequest) -> sqlx::Result<Paged<ActionRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from actions a
         where a.org_id = $1 and ($8 or a.archived_at is null)
           and ($4::uuid is null or a.owner_id = $4)
           and ($5::text is null or a.status = $5)
           and ($6::int2 is null or a.step_number = $6)
           and (not $7 or coalesce(a.due_date < $2 and a.status = any($3), false))",
    )
    .bind(tx.org_id().0)
    .bind(tx.today())
    .bind(ActionStatus::open_keys())
    .bind(filter.owner_id)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.step_number.map(i16::from))
    .bind(filter.overdue)
    .bind(filter.archived)
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
    const SQL: &str = concat!(
        select_actions!(),
        " where a.org_id = $1 and ($8 or a.archived_at is null)
           and ($4::uuid is null or a.owner_id = $4)
           and ($5::text is null or a.status = $5)
           and ($6::int2 is null or a.step_number = $6)
           and (not $7 or coalesce(a.due_date < $2 and a.status = any($3), false))
         order by a.due_date asc nulls last, a.ref_no
         offset $9 limit $10"
    );
    sqlx::query_as::<_, ActionRow>(SQL)
        .bind(tx.org_id().0)
        .bind(tx.today())
        .bind(ActionStatus::open_keys())
        .bind(filter.owner_id)
        .bind(filter.status.map(|s| s.as_str()))
        .bind(filter.step_number.map(i16::from))
        .bind(filter.overdue)
        .bind(filter.archived)
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
pub async fn get(tx: &mut OrgTx, id: ActionId) -> sqlx::Result<Option<ActionRow>> {
    const SQL: &str = concat!(select_actions!(), " where a.org_id = $1 and a.action_id = $4");
    sqlx::query_as::<_, ActionRow>(SQL)
        .bind(tx.org_id().0)
        .bind(tx.today())
        .bind(ActionStatus::open_keys())
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
}

fn owner_error(e: sqlx::Error) -> WriteError<ActionRow> {
    WriteError::on_constraint(
        e,
        "actions_org_id_owner_id_fkey",
        "owner_id",
        "The owner must be a member of this workspace.",
    )
}

/// Creates an action (with its next `ACT-nnn` number) and records it.
pub async fn create(tx: &mut OrgTx, input: &ActionInput, source: Option<&ActionSource>) -> WriteResult<ActionRow> {
    let ref_no = crate::refs::next_ref_no(tx, RefRegister::Actions).await?;
    let id = ActionId::new();
    sqlx::query(
        "insert into actions (org_id, action_id, ref_no, title, description, owner_id, due_date, priority, status,
                              step_number, source_type, source_id, source_label, created_by)
         values ($1, $2, $14, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
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
    let row = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit if the version matches, and records it.
pub async fn update(tx: &mut OrgTx, id: ActionId, input: &ActionInput, version: i32) -> WriteResult<ActionRow> {
    record::lock(tx, Register::Actions, id.0).await?;
    let before = record::current(get(tx, id).await?, version)?;
    sqlx::query(
        "update actions set title = $3, description = $4, owner_id = $5, due_date = $6, priority = $7, status = $8,
                            step_number = $9, version = version + 1
         where org_id = $1 and action_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
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
    let after = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}
