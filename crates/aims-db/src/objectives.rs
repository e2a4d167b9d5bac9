//! AI objectives (clause 6.2): what the organisation wants to achieve with its AIMS, how it is
//! measured, the target, owner, due date and status, and the AI systems each objective concerns.

use crate::OrgTx;
use crate::record::{self, Record, Register, WriteError, WriteResult};
use crate::refs::{RefRegister, format_ref};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::ObjectiveStatus;
use aims_domain::{AiSystemId, ObjectiveId};
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An AI system an objective concerns.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkedSystem {
    #[sqlx(try_from = "Uuid")]
    pub objective_id: ObjectiveId,
    #[sqlx(try_from = "Uuid")]
    pub system_id: AiSystemId,
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
        format_ref(RefRegister::AiSystems, self.ref_no)
    }
}

/// An objective as lists and pages show it.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObjectiveRow {
    #[sqlx(try_from = "Uuid")]
    pub objective_id: ObjectiveId,
    /// Per-workspace number (`OBJ-002`).
    pub ref_no: i32,
    /// What the AIMS is to achieve.
    pub objective: String,
    /// How it is measured.
    pub measure: String,
    pub target: String,
    /// A member, or nobody yet.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_date: Option<Date>,
    #[sqlx(try_from = "String")]
    pub status: ObjectiveStatus,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
    /// The AI systems it concerns, by reference (loaded by [`list`] and [`get`]).
    #[sqlx(skip)]
    pub systems: Vec<LinkedSystem>,
}

impl ObjectiveRow {
    /// `OBJ-002`.
    pub fn reference(&self) -> String {
        format_ref(RefRegister::Objectives, self.ref_no)
    }
}

impl Record for ObjectiveRow {
    const ENTITY: record::Entity = record::Entity::Objective;

    fn audit_id(&self) -> String {
        self.objective_id.to_string()
    }

    fn label(&self) -> String {
        format!("{}: {}", self.reference(), self.objective)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "objective": self.objective,
            "measure": self.measure,
            "target": self.target,
            "owner": self.owner_name,
            "due_date": self.due_date.map(|d| d.to_string()),
            "status": self.status.as_str(),
            "ai_systems": self.systems.iter().map(LinkedSystem::reference).collect::<Vec<_>>().join(", "),
        })
    }
}

/// What an objective form provides.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone)]
pub struct ObjectiveInput {
    pub objective: String,
    pub measure: String,
    pub target: String,
    pub owner_id: Option<Uuid>,
    pub due_date: Option<Date>,
    pub status: ObjectiveStatus,
    /// The AI systems it concerns (duplicates are ignored).
    pub system_ids: Vec<AiSystemId>,
}

/// List filters (all optional).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct ObjectiveFilter {
    pub status: Option<ObjectiveStatus>,
    /// Archived ones too.
    pub archived: bool,
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
         where o.org_id = $1 and ($3 or o.archived_at is null) and ($2::text is null or o.status = $2)",
    )
    .bind(tx.org_id().0)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.archived)
    .fetch_one(tx.conn())
    .await?;
    let mut rows = sqlx::query_as::<_, ObjectiveRow>(select_objectives!(
        " where o.org_id = $1 and ($3 or o.archived_at is null) and ($2::text is null or o.status = $2)
          order by o.ref_no
          offset $4 limit $5"
    ))
    .bind(tx.org_id().0)
    .bind(filter.status.map(|s| s.as_str()))
    .bind(filter.archived)
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
    let ids: Vec<Uuid> = rows.iter().map(|r| r.objective_id.0).collect();
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
pub async fn get(tx: &mut OrgTx, id: ObjectiveId) -> sqlx::Result<Option<ObjectiveRow>> {
    let row = sqlx::query_as::<_, ObjectiveRow>(select_objectives!(" where o.org_id = $1 and o.objective_id = $2"))
        .bind(tx.org_id().0)
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut rows = [row];
    attach_systems(tx, &mut rows).await?;
    let [row] = rows;
    Ok(Some(row))
}

/// The objectives (not archived) that concern an AI system, by reference.
pub async fn for_system(tx: &mut OrgTx, system_id: AiSystemId) -> sqlx::Result<Vec<ObjectiveRow>> {
    sqlx::query_as::<_, ObjectiveRow>(select_objectives!(
        " join objective_ai_systems l on l.org_id = o.org_id and l.objective_id = o.objective_id
          where o.org_id = $1 and l.system_id = $2 and o.archived_at is null
          order by o.ref_no"
    ))
    .bind(tx.org_id().0)
    .bind(system_id.0)
    .fetch_all(tx.conn())
    .await
}

fn owner_error(e: sqlx::Error) -> WriteError<ObjectiveRow> {
    WriteError::on_constraint(
        e,
        "objectives_org_id_owner_id_fkey",
        "owner_id",
        "The owner must be a member of this workspace.",
    )
}

/// Makes the objective's AI systems exactly `system_ids`. New links must name AI systems of the
/// inventory that are not archived; links that already exist stay even if their system was
/// archived since.
async fn set_systems(tx: &mut OrgTx, id: ObjectiveId, system_ids: &[AiSystemId]) -> WriteResult<ObjectiveRow, ()> {
    let mut ids: Vec<Uuid> = system_ids.iter().map(|s| s.0).collect();
    ids.sort_unstable();
    ids.dedup();
    sqlx::query("delete from objective_ai_systems where org_id = $1 and objective_id = $2 and system_id <> all($3)")
        .bind(tx.org_id().0)
        .bind(id.0)
        .bind(&ids)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "insert into objective_ai_systems (org_id, objective_id, system_id)
         select s.org_id, $2, s.system_id from ai_systems s
         where s.org_id = $1 and s.system_id = any($3) and s.archived_at is null
         on conflict do nothing",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(&ids)
    .execute(tx.conn())
    .await?;
    let linked: i64 =
        sqlx::query_scalar("select count(*) from objective_ai_systems where org_id = $1 and objective_id = $2")
            .bind(tx.org_id().0)
            .bind(id.0)
            .fetch_one(tx.conn())
            .await?;
    if linked as usize != ids.len() {
        return Err(WriteError::Invalid {
            field: "system_ids",
            message: "Choose AI systems from the inventory.".into(),
        });
    }
    Ok(())
}

/// Creates an objective (with its next `OBJ-nnn` number) and its links, and records it.
pub async fn create(tx: &mut OrgTx, input: &ObjectiveInput) -> WriteResult<ObjectiveRow> {
    let ref_no = crate::refs::next_ref_no(tx, RefRegister::Objectives).await?;
    let id = ObjectiveId::new();
    sqlx::query(
        "insert into objectives (org_id, objective_id, ref_no, objective, measure, target, owner_id, due_date, status,
                                 created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
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
    set_systems(tx, id, &input.system_ids).await?;
    let row = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit (links included) if the version matches, and records it.
pub async fn update(
    tx: &mut OrgTx,
    id: ObjectiveId,
    input: &ObjectiveInput,
    version: i32,
) -> WriteResult<ObjectiveRow> {
    record::lock(tx, Register::Objectives, id.0).await?;
    let before = record::current(get(tx, id).await?, version)?;
    sqlx::query(
        "update objectives set objective = $3, measure = $4, target = $5, owner_id = $6, due_date = $7, status = $8,
                               version = version + 1
         where org_id = $1 and objective_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(&input.objective)
    .bind(&input.measure)
    .bind(&input.target)
    .bind(input.owner_id)
    .bind(input.due_date)
    .bind(input.status.as_str())
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    set_systems(tx, id, &input.system_ids).await?;
    let after = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}
