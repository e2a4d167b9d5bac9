//! The register kit of the database layer, written once for every register: what a change can
//! fail with ([`WriteError`]), what the audit log calls each thing ([`Entity`]), the data a row
//! gives the audit log ([`Record`]), the optimistic lock, and archive and restore.
//!
//! An update reads top to bottom in every register:
//! ```text
//! record::lock(tx, Register::Actions, id).await?;            // row locked, or NotFound
//! let before = record::current(get(tx, id).await?, version)?; // Archived / Stale / the row
//! sqlx::query("update …").execute(…).await?;
//! let after = get(tx, id).await?.ok_or(WriteError::NotFound)?;
//! record::updated(tx, &before, &after).await?;              // the audit entry
//! ```

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use crate::refs::RefRegister;
use serde_json::json;
use uuid::Uuid;

/// What a change to a register row can fail with.
#[derive(Debug, thiserror::Error)]
pub enum WriteError<R> {
    /// No such row in this workspace (another workspace's row is the same answer).
    #[error("not found")]
    NotFound,
    /// Someone saved first; the row as it is now.
    #[error("changed by someone else")]
    Stale(Box<R>),
    /// The row is archived and so read-only until restored; the row as it is now.
    #[error("archived")]
    Archived(Box<R>),
    /// A value the database refused for a reason the form can show (a foreign key, a unique key).
    #[error("{field}: {message}")]
    Invalid {
        /// The form field.
        field: &'static str,
        /// What to tell the user.
        message: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A register write's result.
pub type WriteResult<R, T = R> = Result<T, WriteError<R>>;

impl<R> WriteError<R> {
    /// Turns the violation of the named constraint into a field error, anything else into `Db`.
    pub fn on_constraint(err: sqlx::Error, constraint: &str, field: &'static str, message: &str) -> Self {
        if crate::is_constraint(&err, constraint) {
            WriteError::Invalid { field, message: message.to_string() }
        } else {
            WriteError::Db(err)
        }
    }

    /// The same failure about another row type (archive and restore carry no row).
    pub fn map_row<S>(self, f: impl FnOnce(R) -> S) -> WriteError<S> {
        match self {
            WriteError::NotFound => WriteError::NotFound,
            WriteError::Stale(r) => WriteError::Stale(Box::new(f(*r))),
            WriteError::Archived(r) => WriteError::Archived(Box::new(f(*r))),
            WriteError::Invalid { field, message } => WriteError::Invalid { field, message },
            WriteError::Db(e) => WriteError::Db(e),
        }
    }
}

/// The kinds of thing the audit log records, stored as `audit_log.entity_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A workspace.
    Organisation,
    /// A member's role in a workspace.
    Membership,
    /// An invitation to join.
    Invitation,
    /// One of the 18 steps.
    Step,
    /// A task of a step.
    StepTask,
    /// An action of the implementation plan.
    Action,
    /// An AI system of the inventory.
    AiSystem,
    /// An AI objective.
    Objective,
    /// An internal or external issue.
    ContextIssue,
    /// An interested party.
    InterestedParty,
    /// The scope statement (working copy and versions).
    ScopeVersion,
    /// A gap analysis line.
    GapItem,
    /// A Statement of Applicability line.
    SoaEntry,
    /// An approved SoA version.
    SoaVersion,
    /// A responsibility in the AIMS roles register.
    AimsRole,
    /// The RACI matrix of steps against AIMS roles.
    Raci,
}

impl Entity {
    /// The stored key (these values are in audit logs already: never rename one).
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Organisation => "organisation",
            Entity::Membership => "membership",
            Entity::Invitation => "invitation",
            Entity::Step => "step",
            Entity::StepTask => "step_task",
            Entity::Action => "action",
            Entity::AiSystem => "ai_system",
            Entity::Objective => "objective",
            Entity::ContextIssue => "context_issue",
            Entity::InterestedParty => "interested_party",
            Entity::ScopeVersion => "scope_version",
            Entity::GapItem => "gap_item",
            Entity::SoaEntry => "soa_entry",
            Entity::SoaVersion => "soa_version",
            Entity::AimsRole => "aims_role",
            Entity::Raci => "raci",
        }
    }
}

/// What a register row tells the audit log about itself. Pure data, no behaviour.
pub trait Record {
    /// The audit log's kind.
    const ENTITY: Entity;
    /// The id as the audit log stores it.
    fn audit_id(&self) -> String;
    /// How people name it in a log line: `ACT-007: Write the AI policy`.
    fn label(&self) -> String;
    /// Optimistic-locking version.
    fn version(&self) -> i32;
    /// Whether it is archived (read-only until restored).
    fn is_archived(&self) -> bool;
    /// The fields a change shows, as the audit log keeps them.
    fn snapshot(&self) -> serde_json::Value;
}

/// Writes the audit entry of a new row.
pub async fn created<R: Record>(tx: &mut OrgTx, row: &R) -> sqlx::Result<()> {
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: R::ENTITY,
            entity_id: row.audit_id(),
            summary: format!("Created {}", row.label()),
            before: None,
            after: Some(row.snapshot()),
        },
    )
    .await
}

/// Writes the audit entry of a changed row.
pub async fn updated<R: Record>(tx: &mut OrgTx, before: &R, after: &R) -> sqlx::Result<()> {
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: R::ENTITY,
            entity_id: after.audit_id(),
            summary: format!("Updated {}", after.label()),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await
}

/// A register whose rows are edited in place with a version, and archived instead of deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Register {
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
    /// AIMS roles and responsibilities (5.3).
    AimsRoles,
}

/// The statements of one register's table, made at compile time from literals (never assembled
/// at run time). `read` returns `(version, archived, ref_no, title)` and locks the row.
struct TableSql {
    read: &'static str,
    archive: &'static str,
    restore: &'static str,
}

macro_rules! table_sql {
    ($table:literal, $id:literal, $ref_no:literal, $title:literal) => {
        TableSql {
            read: concat!(
                "select version, archived_at is not null, ",
                $ref_no,
                ", ",
                $title,
                " from ",
                $table,
                " where org_id = $1 and ",
                $id,
                " = $2 for update"
            ),
            archive: concat!(
                "update ",
                $table,
                " set archived_at = now(), version = version + 1 where org_id = $1 and ",
                $id,
                " = $2"
            ),
            restore: concat!(
                "update ",
                $table,
                " set archived_at = null, version = version + 1 where org_id = $1 and ",
                $id,
                " = $2"
            ),
        }
    };
}

impl Register {
    /// Every register with archive and restore.
    pub const ALL: &'static [Register] = &[
        Register::Actions,
        Register::AiSystems,
        Register::Objectives,
        Register::ContextIssues,
        Register::InterestedParties,
        Register::AimsRoles,
    ];

    /// The audit log's kind for its rows.
    pub fn entity(self) -> Entity {
        match self {
            Register::Actions => Entity::Action,
            Register::AiSystems => Entity::AiSystem,
            Register::Objectives => Entity::Objective,
            Register::ContextIssues => Entity::ContextIssue,
            Register::InterestedParties => Entity::InterestedParty,
            Register::AimsRoles => Entity::AimsRole,
        }
    }

    /// The reference numbering of its rows, if it has one.
    pub fn refs(self) -> Option<RefRegister> {
        match self {
            Register::Actions => Some(RefRegister::Actions),
            Register::AiSystems => Some(RefRegister::AiSystems),
            Register::Objectives => Some(RefRegister::Objectives),
            Register::AimsRoles => Some(RefRegister::AimsRoles),
            Register::ContextIssues | Register::InterestedParties => None,
        }
    }

    fn sql(self) -> TableSql {
        match self {
            Register::Actions => table_sql!("actions", "action_id", "ref_no", "title"),
            Register::AiSystems => table_sql!("ai_systems", "system_id", "ref_no", "name"),
            Register::Objectives => table_sql!("objectives", "objective_id", "ref_no", "objective"),
            Register::ContextIssues => table_sql!("context_issues", "issue_id", "null::int4", "title"),
            Register::InterestedParties => table_sql!("interested_parties", "party_id", "null::int4", "name"),
            Register::AimsRoles => table_sql!("aims_roles", "role_id", "ref_no", "title"),
        }
    }
}

/// A locked row's state, as the kit needs it.
#[derive(Debug, Clone)]
pub struct RowState {
    /// Optimistic-locking version.
    pub version: i32,
    /// Whether it is archived.
    pub archived: bool,
    /// `ACT-007: Write the AI policy`, or the title for registers without references.
    pub label: String,
    /// `ACT-007`, or the title for registers without references (for short confirmations).
    pub short: String,
}

/// Locks a row for the rest of the transaction (so the version read next stays true until the
/// write), or says it does not exist here.
pub async fn lock<R>(tx: &mut OrgTx, register: Register, id: Uuid) -> WriteResult<R, RowState> {
    let row: Option<(i32, bool, Option<i32>, String)> =
        sqlx::query_as(register.sql().read).bind(tx.org_id().0).bind(id).fetch_optional(tx.conn()).await?;
    let (version, archived, ref_no, title) = row.ok_or(WriteError::NotFound)?;
    let (label, short) = match (register.refs(), ref_no) {
        (Some(refs), Some(n)) => {
            let reference = crate::refs::format_ref(refs, n);
            (format!("{reference}: {title}"), reference)
        }
        _ => (title.clone(), title),
    };
    Ok(RowState { version, archived, label, short })
}

/// The one optimistic-lock check, on a row read after [`lock`]: an archived row is read-only, a
/// different version means someone saved first.
pub fn current<R: Record>(row: Option<R>, version: i32) -> WriteResult<R> {
    let row = row.ok_or(WriteError::NotFound)?;
    if row.is_archived() {
        Err(WriteError::Archived(Box::new(row)))
    } else if row.version() != version {
        Err(WriteError::Stale(Box::new(row)))
    } else {
        Ok(row)
    }
}

/// Archives a row (it leaves the lists and becomes read-only) if its version matches, with one
/// audit entry.
pub async fn archive(tx: &mut OrgTx, register: Register, id: Uuid, version: i32) -> WriteResult<RowState> {
    set_archived(tx, register, id, version, true).await
}

/// Brings an archived row back into the lists and makes it editable again.
pub async fn restore(tx: &mut OrgTx, register: Register, id: Uuid, version: i32) -> WriteResult<RowState> {
    set_archived(tx, register, id, version, false).await
}

async fn set_archived(
    tx: &mut OrgTx,
    register: Register,
    id: Uuid,
    version: i32,
    archive: bool,
) -> WriteResult<RowState> {
    let state = lock(tx, register, id).await?;
    if state.archived == archive {
        // Archiving an archived row (or restoring a live one) is a write to a read-only page.
        return Err(if archive { WriteError::Archived(Box::new(state)) } else { WriteError::Stale(Box::new(state)) });
    }
    if state.version != version {
        return Err(WriteError::Stale(Box::new(state)));
    }
    let sql = register.sql();
    sqlx::query(if archive { sql.archive } else { sql.restore })
        .bind(tx.org_id().0)
        .bind(id)
        .execute(tx.conn())
        .await?;
    let (action, verb) = if archive { (AuditAction::Archive, "Archived") } else { (AuditAction::Restore, "Restored") };
    audit::record(
        tx,
        AuditEntry {
            action,
            entity: register.entity(),
            entity_id: id.to_string(),
            summary: format!("{verb} {}", state.label),
            before: Some(json!({ "archived": !archive })),
            after: Some(json!({ "archived": archive })),
        },
    )
    .await?;
    Ok(state)
}
