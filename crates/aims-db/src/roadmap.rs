//! The 18 steps of a workspace and their tasks: list, edit (version-checked, with the completion
//! guard), close and reopen tasks. Every change writes one audit entry.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::catalogue::catalogue;
use aims_domain::roadmap::{ClosedTasks, StepStatus, TaskState, open_tasks};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A step as stored for one workspace.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    /// 1 to 18.
    pub step_number: i16,
    /// Where the step stands.
    #[sqlx(try_from = "String")]
    pub status: StepStatus,
    /// Owner (a member).
    pub owner_id: Option<Uuid>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Due date.
    pub due_date: Option<Date>,
    /// Free notes.
    pub notes: String,
    /// Optimistic-locking version.
    pub version: i32,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

impl StepRow {
    /// The typed status.
    pub fn status(&self) -> StepStatus {
        self.status
    }

    /// The step number as the catalogue counts.
    pub fn number(&self) -> u8 {
        self.step_number as u8
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "status": self.status,
            "owner": self.owner_name,
            "due_date": self.due_date.map(|d| d.to_string()),
            "notes": self.notes,
        })
    }
}

/// A closed task.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaskRow {
    /// Its step.
    pub step_number: i16,
    /// Its key in the catalogue.
    pub task_key: String,
    /// `done` or `not_applicable`.
    pub state: String,
    /// Why it does not apply.
    pub reason: String,
    /// Who closed it.
    pub closed_by_name: Option<String>,
    /// When.
    pub closed_at: OffsetDateTime,
}

/// All 18 steps, in order.
pub async fn list_steps(tx: &mut OrgTx) -> sqlx::Result<Vec<StepRow>> {
    sqlx::query_as::<_, StepRow>(
        "select s.step_number, s.status, s.owner_id, u.name as owner_name, s.due_date, s.notes, s.version, s.updated_at
         from steps s left join users u on u.user_id = s.owner_id
         where s.org_id = $1 order by s.step_number",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// One step, optionally locked for the rest of the transaction.
async fn get_step_inner(tx: &mut OrgTx, number: u8, lock: bool) -> sqlx::Result<Option<StepRow>> {
    let sql = if lock {
        "select s.step_number, s.status, s.owner_id, u.name as owner_name, s.due_date, s.notes, s.version, s.updated_at
         from steps s left join users u on u.user_id = s.owner_id
         where s.org_id = $1 and s.step_number = $2 for update of s"
    } else {
        "select s.step_number, s.status, s.owner_id, u.name as owner_name, s.due_date, s.notes, s.version, s.updated_at
         from steps s left join users u on u.user_id = s.owner_id
         where s.org_id = $1 and s.step_number = $2"
    };
    sqlx::query_as::<_, StepRow>(sql).bind(tx.org_id().0).bind(i16::from(number)).fetch_optional(tx.conn()).await
}

/// One step.
pub async fn get_step(tx: &mut OrgTx, number: u8) -> sqlx::Result<Option<StepRow>> {
    get_step_inner(tx, number, false).await
}

/// Closed tasks, of one step or of all.
pub async fn closed_tasks(tx: &mut OrgTx, step: Option<u8>) -> sqlx::Result<Vec<TaskRow>> {
    sqlx::query_as::<_, TaskRow>(
        "select t.step_number, t.task_key, t.state, t.reason, u.name as closed_by_name, t.closed_at
         from step_tasks t left join users u on u.user_id = t.closed_by
         where t.org_id = $1 and ($2::int2 is null or t.step_number = $2)
         order by t.step_number, t.closed_at",
    )
    .bind(tx.org_id().0)
    .bind(step.map(i16::from))
    .fetch_all(tx.conn())
    .await
}

/// Closed task keys by step, as the progress rules take them.
pub fn by_step(rows: &[TaskRow]) -> ClosedTasks {
    let mut closed = ClosedTasks::new();
    for r in rows {
        closed.entry(r.step_number as u8).or_default().push(r.task_key.clone());
    }
    closed
}

/// A step edit from the form.
#[derive(Debug, Clone)]
pub struct StepUpdate {
    /// New status.
    pub status: StepStatus,
    /// New owner (must be a member).
    pub owner_id: Option<Uuid>,
    /// New due date.
    pub due_date: Option<Date>,
    /// New notes.
    pub notes: String,
}

/// Why a step edit was refused.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// Unknown step number.
    #[error("no such step")]
    NotFound,
    /// Someone saved first; the current row is attached.
    #[error("changed by someone else")]
    Stale(Box<StepRow>),
    /// Done was asked while these tasks are open.
    #[error("tasks are open")]
    OpenTasks(Vec<String>),
    /// The owner is not a member of the workspace.
    #[error("the owner is not a member")]
    NotAMember,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Saves a step edit if the version matches and, for done, every task is closed.
pub async fn update_step(tx: &mut OrgTx, number: u8, update: &StepUpdate, version: i32) -> Result<StepRow, StepError> {
    let step = catalogue().step(number).ok_or(StepError::NotFound)?;
    let before = get_step_inner(tx, number, true).await?.ok_or(StepError::NotFound)?;
    if before.version != version {
        return Err(StepError::Stale(Box::new(before)));
    }
    if update.status == StepStatus::Done {
        let closed = by_step(&closed_tasks(tx, Some(number)).await?);
        let open: Vec<String> = open_tasks(step, &closed).into_iter().map(str::to_owned).collect();
        if !open.is_empty() {
            return Err(StepError::OpenTasks(open));
        }
    }
    let after = sqlx::query_as::<_, StepRow>(
        "with changed as (
           update steps set status = $3, owner_id = $4, due_date = $5, notes = $6, version = version + 1
           where org_id = $1 and step_number = $2
           returning *
         )
         select c.step_number, c.status, c.owner_id, u.name as owner_name, c.due_date, c.notes, c.version, c.updated_at
         from changed c left join users u on u.user_id = c.owner_id",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .bind(update.status.as_str())
    .bind(update.owner_id)
    .bind(update.due_date)
    .bind(&update.notes)
    .fetch_one(tx.conn())
    .await
    .map_err(|e| {
        if crate::is_constraint(&e, "steps_org_id_owner_id_fkey") { StepError::NotAMember } else { e.into() }
    })?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::Step,
            entity_id: number.to_string(),
            summary: format!("Updated step {number}: {}", step.title),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

/// Why a task change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// Unknown step or task.
    #[error("no such task")]
    NotFound,
    /// Not applicable needs a reason.
    #[error("a reason is required")]
    ReasonRequired,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Ticks a task (done) or marks it not applicable with a reason: one audit entry.
pub async fn close_task(
    tx: &mut OrgTx,
    number: u8,
    task_key: &str,
    state: TaskState,
    reason: &str,
) -> Result<(), TaskError> {
    let task = catalogue().step(number).and_then(|s| s.task(task_key)).ok_or(TaskError::NotFound)?;
    let reason = reason.trim();
    if state == TaskState::NotApplicable && reason.is_empty() {
        return Err(TaskError::ReasonRequired);
    }
    let reason = if state == TaskState::Done { "" } else { reason };
    let previous: Option<(String, String)> = sqlx::query_as(
        "select state, reason from step_tasks where org_id = $1 and step_number = $2 and task_key = $3 for update",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .bind(task_key)
    .fetch_optional(tx.conn())
    .await?;
    if previous.as_ref().is_some_and(|(s, r)| s == state.as_str() && r == reason) {
        return Ok(()); // Ticking a ticked task changes nothing and records nothing.
    }
    sqlx::query(
        "insert into step_tasks (org_id, step_number, task_key, state, reason, closed_by)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (org_id, step_number, task_key)
         do update set state = excluded.state, reason = excluded.reason, closed_by = excluded.closed_by, closed_at = now()",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .bind(task_key)
    .bind(state.as_str())
    .bind(reason)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await?;
    // The first closed task starts the step, recorded in the same entry.
    let started = sqlx::query(
        "update steps set status = 'in_progress', version = version + 1
         where org_id = $1 and step_number = $2 and status = 'not_started'",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .execute(tx.conn())
    .await?
    .rows_affected()
        > 0;
    let mut summary = match state {
        TaskState::Done => format!("Ticked a task of step {number}: {}", task.title),
        TaskState::NotApplicable => format!("Marked a task of step {number} not applicable: {}", task.title),
    };
    if started {
        summary.push_str(" (the step is now in progress)");
    }
    audit::record(
        tx,
        AuditEntry {
            action: if previous.is_some() { AuditAction::Update } else { AuditAction::Create },
            entity: crate::record::Entity::StepTask,
            entity_id: format!("{number}/{task_key}"),
            summary,
            before: previous.map(|(s, r)| json!({ "state": s, "reason": r })),
            after: Some(json!({ "state": state.as_str(), "reason": reason })),
        },
    )
    .await?;
    Ok(())
}

/// Unticks a task. A step that was done goes back to in progress, recorded in the same entry.
pub async fn reopen_task(tx: &mut OrgTx, number: u8, task_key: &str) -> Result<(), TaskError> {
    let task = catalogue().step(number).and_then(|s| s.task(task_key)).ok_or(TaskError::NotFound)?;
    let removed: Option<(String, String)> = sqlx::query_as(
        "delete from step_tasks where org_id = $1 and step_number = $2 and task_key = $3 returning state, reason",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .bind(task_key)
    .fetch_optional(tx.conn())
    .await?;
    let Some((state, reason)) = removed else { return Ok(()) };
    let reopened = sqlx::query(
        "update steps set status = 'in_progress', version = version + 1
         where org_id = $1 and step_number = $2 and status = 'done'",
    )
    .bind(tx.org_id().0)
    .bind(i16::from(number))
    .execute(tx.conn())
    .await?
    .rows_affected()
        > 0;
    let mut summary = format!("Reopened a task of step {number}: {}", task.title);
    if reopened {
        summary.push_str(" (the step is back in progress)");
    }
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Delete,
            entity: crate::record::Entity::StepTask,
            entity_id: format!("{number}/{task_key}"),
            summary,
            before: Some(json!({ "state": state, "reason": reason })),
            after: None,
        },
    )
    .await?;
    Ok(())
}
