//! AI objectives (clause 6.2): what the organisation wants to achieve with its AIMS, how it is
//! measured, the target, owner, due date and status, and the AI systems each objective concerns.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::ObjectiveStatus;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An AI system an objective concerns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedSystem {
    /// The objective.
    pub objective_id: Uuid,
    /// The AI system.
    pub system_id: Uuid,
    /// The system's number (`AI-003`).
    pub ref_no: i32,
    /// The system's name.
    pub name: String,
    /// Whether the system is archived.
    pub archived: bool,
}

impl LinkedSystem {
    /// `AI-003`.
    pub fn reference(&self) -> String {
        crate::refs::format_ref(crate::refs::RefRegister::AiSystems, self.ref_no)
    }
}

/// An objective as lists and pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectiveRow {
    /// The id.
    pub objective_id: Uuid,
    /// Per-workspace number (`OBJ-002`).
    pub ref_no: i32,
    /// The objective.
    pub objective: String,
    /// How it is measured.
    pub measure: String,
    /// The target.
    pub target: String,
    /// Owner (a member).
    pub owner_id: Option<Uuid>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Due date.
    pub due_date: Option<Date>,
    /// Status key.
    pub status: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it was archived.
    pub archived_at: Option<OffsetDateTime>,
    /// Optimistic-locking version.
    pub version: i32,
    /// The AI systems it concerns, by reference (loaded by [`list`] and [`get`]).
    #[sqlx(skip)]
    pub systems: Vec<LinkedSystem>,
}

impl ObjectiveRow {
    /// `OBJ-002`.
    pub fn reference(&self) -> String {
        crate::refs::format_ref(crate::refs::RefRegister::Objectives, self.ref_no)
    }

    /// The typed status.
    pub fn status(&self) -> ObjectiveStatus {
        self.status.parse().unwrap_or(ObjectiveStatus::Planned)
    }

    /// Whether it is archived.
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "objective": self.objective,
            "measure": self.measure,
            "target": self.target,
            "owner": self.owner_name,
            "due_date": self.due_date.map(|d| d.to_string()),
            "status": self.status,
            "ai_systems": self.systems.iter().map(LinkedSystem::reference).collect::<Vec<_>>().join(", "),
        })
    }
}

/// What an objective form provides.
#[derive(Debug, Clone)]
pub struct ObjectiveInput {
    /// The objective.
    pub objective: String,
    /// How it is measured.
    pub measure: String,
    /// The target.
    pub target: String,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Due date.
    pub due_date: Option<Date>,
    /// Status.
    pub status: ObjectiveStatus,
    /// The AI systems it concerns (no duplicates).
    pub system_ids: Vec<Uuid>,
}

/// List filters (all optional).
#[derive(Debug, Clone, Default)]
pub struct ObjectiveFilter {
    /// Only this status.
    pub status: Option<ObjectiveStatus>,
}

/// The objective columns with the owner's name, followed by the rest of a static query.
macro_rules! select_objectives {
    ($rest:literal) => {
        concat!(
            "select o.objective_id, o.ref_no, o.objective, o.measure, o.target, o.owner_id,
                    u.name as owner_name, o.due_date, o.status, o.created_at, o.updated_at, o.archived_at, o.version
             from objectives o
             left join users u on u.user_id = o.owner_id",
            $rest
        )
    };
}

/// Filtered objectives, by reference, one page, each with its AI systems (two queries).
pub async fn list(tx: &mut OrgTx, filter: &ObjectiveFilter, page: PageRequest) -> sqlx::Result<Paged<ObjectiveRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from objectives o
         where o.org_id = $1 and o.archived_at is null and ($2::text is null or o.status = $2)",
    )
    .bind(tx.org_id().0)
    .bind(filter.status.map(|s| s.as_str()))
    .fetch_one(tx.conn())
    .await?;
    let mut rows = sqlx::query_as::<_, ObjectiveRow>(select_objectives!(
        " where o.org_id = $1 and o.archived_at is null and ($2::text is null or o.status = $2)
          order by o.ref_no
          offset $3 limit $4"
    ))
    .bind(tx.org_id().0)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    attach_systems(tx, &mut rows).await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// Loads the AI systems of several objectives at once (one `= any($2)` query, no N+1).
async fn attach_systems(tx: &mut OrgTx, rows: &mut [ObjectiveRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.objective_id).collect();
    let links = sqlx::query_as::<_, LinkedSystem>(
        "select l.objective_id, s.system_id, s.ref_no, s.name, s.archived_at is not null as archived
         from objective_ai_systems l
         join ai_systems s on s.org_id = l.org_id and s.system_id = l.system_id
         where l.org_id = $1 and l.objective_id = any($2)
         order by s.ref_no",
    )
    .bind(tx.org_id().0)
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    for link in links {
        if let Some(row) = rows.iter_mut().find(|r| r.objective_id == link.objective_id) {
            row.systems.push(link);
        }
    }
    Ok(())
}

/// One objective with its AI systems (archived ones too: history stays readable).
pub async fn get(tx: &mut OrgTx, objective_id: Uuid) -> sqlx::Result<Option<ObjectiveRow>> {
    let row = sqlx::query_as::<_, ObjectiveRow>(select_objectives!(" where o.org_id = $1 and o.objective_id = $2"))
        .bind(tx.org_id().0)
        .bind(objective_id)
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = [row];
    attach_systems(tx, &mut rows).await?;
    let [row] = rows;
    Ok(Some(row))
}

/// The objectives (not archived) that concern an AI system, by reference.
pub async fn for_system(tx: &mut OrgTx, system_id: Uuid) -> sqlx::Result<Vec<ObjectiveRow>> {
    sqlx::query_as::<_, ObjectiveRow>(select_objectives!(
        " join objective_ai_systems l on l.org_id = o.org_id and l.objective_id = o.objective_id
          where o.org_id = $1 and l.system_id = $2 and o.archived_at is null
          order by o.ref_no"
    ))
    .bind(tx.org_id().0)
    .bind(system_id)
    .fetch_all(tx.conn())
    .await
}

/// Why an objective change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ObjectiveError {
    /// No such objective here (or it is archived).
    #[error("no such objective")]
    NotFound,
    /// Someone saved first.
    #[error("changed by someone else")]
    Stale(Box<ObjectiveRow>),
    /// The owner is not a member.
    #[error("the owner is not a member")]
    NotAMember,
    /// A chosen AI system is not in the inventory (another workspace's, or archived).
    #[error("unknown AI system")]
    UnknownSystem,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn owner_error(e: sqlx::Error) -> ObjectiveError {
    if crate::is_constraint(&e, "objectives_org_id_owner_id_fkey") {
        ObjectiveError::NotAMember
    } else {
        ObjectiveError::Db(e)
    }
}

/// Makes the objective's AI systems exactly `system_ids`. New links must name AI systems of the
/// inventory that are not archived; links that already exist stay even if their system was
/// archived since.
async fn set_systems(tx: &mut OrgTx, objective_id: Uuid, system_ids: &[Uuid]) -> Result<(), ObjectiveError> {
    sqlx::query("delete from objective_ai_systems where org_id = $1 and objective_id = $2 and system_id <> all($3)")
        .bind(tx.org_id().0)
        .bind(objective_id)
        .bind(system_ids)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "insert into objective_ai_systems (org_id, objective_id, system_id)
         select s.org_id, $2, s.system_id from ai_systems s
         where s.org_id = $1 and s.system_id = any($3) and s.archived_at is null
         on conflict do nothing",
    )
    .bind(tx.org_id().0)
    .bind(objective_id)
    .bind(system_ids)
    .execute(tx.conn())
    .await?;
    let linked: i64 =
        sqlx::query_scalar("select count(*) from objective_ai_systems where org_id = $1 and objective_id = $2")
            .bind(tx.org_id().0)
            .bind(objective_id)
            .fetch_one(tx.conn())
            .await?;
    if linked as usize != system_ids.len() { Err(ObjectiveError::UnknownSystem) } else { Ok(()) }
}

fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Creates an objective (with its next `OBJ-nnn` number) and its links, and records it.
pub async fn create(tx: &mut OrgTx, input: &ObjectiveInput) -> Result<ObjectiveRow, ObjectiveError> {
    let ref_no = crate::refs::next_ref_no(tx, crate::refs::RefRegister::Objectives).await?;
    let objective_id = Uuid::now_v7();
    sqlx::query(
        "insert into objectives (org_id, objective_id, ref_no, objective, measure, target, owner_id, due_date, status,
                                 created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tx.org_id().0)
    .bind(objective_id)
    .bind(ref_no)
    .bind(&input.objective)
    .bind(&input.measure)
    .bind(&input.target)
    .bind(input.owner_id)
    .bind(input.due_date)
    .bind(input.status.as_str())
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    set_systems(tx, objective_id, &distinct(&input.system_ids)).await?;
    let row = get(tx, objective_id).await?.ok_or(ObjectiveError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::Objective,
            entity_id: objective_id.to_string(),
            summary: format!("Created {}: {}", row.reference(), row.objective),
            before: None,
            after: Some(row.snapshot()),
        },
    )
    .await?;
    Ok(row)
}

/// Saves an edit (links included) if the version matches, and records it.
pub async fn update(
    tx: &mut OrgTx,
    objective_id: Uuid,
    input: &ObjectiveInput,
    version: i32,
) -> Result<ObjectiveRow, ObjectiveError> {
    let current = sqlx::query_scalar::<_, i32>(
        "select version from objectives where org_id = $1 and objective_id = $2 and archived_at is null for update",
    )
    .bind(tx.org_id().0)
    .bind(objective_id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(ObjectiveError::NotFound)?;
    let before = get(tx, objective_id).await?.ok_or(ObjectiveError::NotFound)?;
    if current != version {
        return Err(ObjectiveError::Stale(Box::new(before)));
    }
    sqlx::query(
        "update objectives set objective = $3, measure = $4, target = $5, owner_id = $6, due_date = $7, status = $8,
                               version = version + 1
         where org_id = $1 and objective_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(objective_id)
    .bind(&input.objective)
    .bind(&input.measure)
    .bind(&input.target)
    .bind(input.owner_id)
    .bind(input.due_date)
    .bind(input.status.as_str())
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    set_systems(tx, objective_id, &distinct(&input.system_ids)).await?;
    let after = get(tx, objective_id).await?.ok_or(ObjectiveError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::Objective,
            entity_id: objective_id.to_string(),
            summary: format!("Updated {}: {}", after.reference(), after.objective),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}
