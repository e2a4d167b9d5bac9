//! AIMS roles (clause 5.3, Annex A.3.2): each responsibility with its holder (a member or a named
//! person), term, responsibilities and authorities, the AI systems it covers, and the RACI matrix
//! of the 18 steps against the roles, saved as a whole with one version per workspace.

use crate::audit::{self, AuditAction, AuditEntry};
use crate::record::{self, Entity, Record, Register, WriteError, WriteResult};
use crate::refs::{RefRegister, format_ref};
use crate::{BindFields, BindInput, OrgTx, PgQuery};
use aims_domain::AimsRoleId;
use aims_domain::roles::{AimsRoleKind, Holder, RaciLetter};
use serde_json::json;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// An AI system a role covers.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CoveredSystem {
    pub role_id: Uuid,
    pub system_id: Uuid,
    pub ref_no: i32,
    pub name: String,
    pub archived: bool,
}

impl CoveredSystem {
    /// `AI-003`.
    pub fn reference(&self) -> String {
        format_ref(RefRegister::AiSystems, self.ref_no)
    }
}

/// A role as lists and pages show it.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AimsRoleRow {
    #[sqlx(try_from = "Uuid")]
    pub role_id: AimsRoleId,
    /// Per-workspace number (`ROLE-001`).
    pub ref_no: i32,
    #[sqlx(try_from = "String")]
    pub kind: AimsRoleKind,
    pub title: String,
    /// The member who holds it; otherwise `holder_name` names the person.
    pub holder_user_id: Option<Uuid>,
    /// The member's name, when a member holds it.
    pub member_name: Option<String>,
    pub holder_name: String,
    pub holder_email: String,
    pub holder_job_title: String,
    pub appointed_on: Option<Date>,
    pub until: Option<Date>,
    pub responsibilities: String,
    pub authorities: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
    /// Loaded by [`list`], [`get`] and [`export`].
    #[sqlx(skip)]
    pub systems: Vec<CoveredSystem>,
}

impl AimsRoleRow {
    /// `ROLE-001`.
    pub fn reference(&self) -> String {
        format_ref(RefRegister::AimsRoles, self.ref_no)
    }

    /// Who holds it, as people read it.
    pub fn holder(&self) -> String {
        self.member_name.clone().unwrap_or_else(|| self.holder_name.clone())
    }

    /// `AI-001, AI-003`.
    pub fn system_refs(&self) -> String {
        self.systems.iter().map(CoveredSystem::reference).collect::<Vec<_>>().join(", ")
    }
}

impl Record for AimsRoleRow {
    const ENTITY: Entity = Entity::AimsRole;

    fn audit_id(&self) -> String {
        self.role_id.to_string()
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
            "kind": self.kind.as_str(),
            "title": self.title,
            "holder": self.holder(),
            "holder_email": self.holder_email,
            "holder_job_title": self.holder_job_title,
            "appointed_on": self.appointed_on.map(|d| d.to_string()),
            "until": self.until.map(|d| d.to_string()),
            "responsibilities": self.responsibilities,
            "authorities": self.authorities,
            "ai_systems": self.system_refs(),
        })
    }
}

/// What a role form provides (already checked by the domain rules).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone)]
pub struct AimsRoleInput {
    pub kind: AimsRoleKind,
    pub title: String,
    pub holder: Holder,
    pub holder_job_title: String,
    pub appointed_on: Option<Date>,
    pub until: Option<Date>,
    pub responsibilities: String,
    pub authorities: String,
    /// The AI systems it covers.
    pub system_ids: Vec<Uuid>,
}

// `$3` to `$12` of both the insert and the update.
impl BindFields for AimsRoleInput {
    fn bind_fields<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        let (member, name, email) = match &self.holder {
            Holder::Member(id) => (Some(*id), "", ""),
            Holder::Person { name, email } => (None, name.as_str(), email.as_str()),
        };
        query
            .bind(self.kind.as_str())
            .bind(&self.title)
            .bind(member)
            .bind(name)
            .bind(email)
            .bind(&self.holder_job_title)
            .bind(self.appointed_on)
            .bind(self.until)
            .bind(&self.responsibilities)
            .bind(&self.authorities)
    }
}

/// List filters (all optional).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct AimsRoleFilter {
    pub kind: Option<AimsRoleKind>,
    /// Held by this member.
    pub holder_user_id: Option<Uuid>,
    /// Archived ones too.
    pub archived: bool,
}

macro_rules! select_roles {
    ($rest:literal) => {
        concat!(
            "select r.role_id, r.ref_no, r.kind, r.title, r.holder_user_id, u.name as member_name, r.holder_name,
                    r.holder_email, r.holder_job_title, r.appointed_on, r.until, r.responsibilities, r.authorities,
                    r.created_at, r.updated_at, r.archived_at, r.version
             from aims_roles r
             left join users u on u.user_id = r.holder_user_id",
            $rest
        )
    };
}

/// Every role matching the filters, by reference, with the AI systems each covers. A workspace has
/// tens of roles, not thousands, so the list is not paged.
pub async fn list(tx: &mut OrgTx, filter: &AimsRoleFilter) -> sqlx::Result<Vec<AimsRoleRow>> {
    let mut rows = sqlx::query_as::<_, AimsRoleRow>(select_roles!(
        " where r.org_id = $1 and ($4 or r.archived_at is null)
            and ($2::text is null or r.kind = $2)
            and ($3::uuid is null or r.holder_user_id = $3)
          order by r.ref_no"
    ))
    .bind(tx.org_id().0)
    .bind(filter.kind.map(|k| k.as_str()))
    .bind(filter.holder_user_id)
    .bind(filter.archived)
    .fetch_all(tx.conn())
    .await?;
    attach_systems(tx, &mut rows).await?;
    Ok(rows)
}

/// Loads the AI systems of several roles at once (one `= any($2)` query).
async fn attach_systems(tx: &mut OrgTx, rows: &mut [AimsRoleRow]) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.role_id.0).collect();
    let links = sqlx::query_as::<_, CoveredSystem>(
        "select l.role_id, s.system_id, s.ref_no, s.name, s.archived_at is not null as archived
         from aims_role_systems l
         join ai_systems s on s.org_id = l.org_id and s.system_id = l.system_id
         where l.org_id = $1 and l.role_id = any($2)
         order by s.ref_no",
    )
    .bind(tx.org_id().0)
    .bind(&ids)
    .fetch_all(tx.conn())
    .await?;
    for link in links {
        if let Some(row) = rows.iter_mut().find(|r| r.role_id.0 == link.role_id) {
            row.systems.push(link);
        }
    }
    Ok(())
}

/// One role with its AI systems (archived ones too: history stays readable).
pub async fn get(tx: &mut OrgTx, id: AimsRoleId) -> sqlx::Result<Option<AimsRoleRow>> {
    let row = sqlx::query_as::<_, AimsRoleRow>(select_roles!(" where r.org_id = $1 and r.role_id = $2"))
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

/// Who holds top management on a day (RECORDS.md §3: approvals check it): roles of that kind that
/// are not archived and whose term covers the day, by reference.
pub async fn top_management_holders(tx: &mut OrgTx, on: Date) -> sqlx::Result<Vec<AimsRoleRow>> {
    sqlx::query_as::<_, AimsRoleRow>(select_roles!(
        " where r.org_id = $1 and r.kind = $2 and r.archived_at is null
            and (r.appointed_on is null or r.appointed_on <= $3)
            and (r.until is null or r.until >= $3)
          order by r.ref_no"
    ))
    .bind(tx.org_id().0)
    .bind(AimsRoleKind::TopManagement.as_str())
    .bind(on)
    .fetch_all(tx.conn())
    .await
}

fn write_error(e: sqlx::Error) -> WriteError<AimsRoleRow> {
    if crate::is_constraint(&e, "aims_roles_org_id_holder_user_id_fkey") {
        WriteError::Invalid {
            field: "holder_user_id",
            message: "The holder must be a member of this workspace.".into(),
        }
    } else {
        WriteError::on_constraint(
            e,
            "aims_role_systems_org_id_system_id_fkey",
            "system_ids",
            "Choose AI systems from this workspace's inventory.",
        )
    }
}

/// Makes the role's AI systems exactly `system_ids`; the composite foreign key refuses a system
/// of another workspace (or none at all).
async fn set_systems(tx: &mut OrgTx, id: AimsRoleId, system_ids: &[Uuid]) -> WriteResult<AimsRoleRow, ()> {
    sqlx::query("delete from aims_role_systems where org_id = $1 and role_id = $2 and system_id <> all($3)")
        .bind(tx.org_id().0)
        .bind(id.0)
        .bind(system_ids)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "insert into aims_role_systems (org_id, role_id, system_id)
         select $1, $2, s from unnest($3::uuid[]) s
         on conflict do nothing",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(system_ids)
    .execute(tx.conn())
    .await
    .map_err(write_error)?;
    Ok(())
}

/// Creates a role (with its next `ROLE-nnn` number) and its AI systems, and records it.
pub async fn create(tx: &mut OrgTx, input: &AimsRoleInput) -> WriteResult<AimsRoleRow> {
    let ref_no = crate::refs::next_ref_no(tx, RefRegister::AimsRoles).await?;
    let id = AimsRoleId::new();
    sqlx::query(
        "insert into aims_roles (org_id, role_id, ref_no, kind, title, holder_user_id, holder_name, holder_email,
                                 holder_job_title, appointed_on, until, responsibilities, authorities, created_by)
         values ($1, $2, $13, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $14)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind_input(input)
    .bind(ref_no)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await
    .map_err(write_error)?;
    set_systems(tx, id, &distinct(&input.system_ids)).await?;
    let row = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit (AI systems included) if the version matches, and records it.
pub async fn update(tx: &mut OrgTx, id: AimsRoleId, input: &AimsRoleInput, version: i32) -> WriteResult<AimsRoleRow> {
    record::lock(tx, Register::AimsRoles, id.0).await?;
    let before = record::current(get(tx, id).await?, version)?;
    sqlx::query(
        "update aims_roles set kind = $3, title = $4, holder_user_id = $5, holder_name = $6, holder_email = $7,
                               holder_job_title = $8, appointed_on = $9, until = $10, responsibilities = $11,
                               authorities = $12, version = version + 1
         where org_id = $1 and role_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind_input(input)
    .execute(tx.conn())
    .await
    .map_err(write_error)?;
    set_systems(tx, id, &distinct(&input.system_ids)).await?;
    let after = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}

fn distinct(ids: &[Uuid]) -> Vec<Uuid> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// One letter of the RACI matrix.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RaciCell {
    pub step_number: i16,
    #[sqlx(try_from = "Uuid")]
    pub role_id: AimsRoleId,
    #[sqlx(try_from = "String")]
    pub letter: RaciLetter,
}

/// The RACI matrix of the workspace's roles that are not archived.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct RaciMatrix {
    /// 0 until the matrix is first saved.
    pub version: i32,
    pub cells: Vec<RaciCell>,
    /// `ROLE-001` by role, for the audit log and the conflict banner.
    pub refs: BTreeMap<AimsRoleId, String>,
}

impl RaciMatrix {
    /// The letter of a step and role, if any.
    pub fn letter(&self, step: i16, role: AimsRoleId) -> Option<RaciLetter> {
        self.cells.iter().find(|c| c.step_number == step && c.role_id == role).map(|c| c.letter)
    }

    /// A step's letters as people read them: `ROLE-001 A, ROLE-003 R`.
    pub fn step_summary(&self, step: i16) -> String {
        let mut parts: Vec<String> = self
            .cells
            .iter()
            .filter(|c| c.step_number == step)
            .map(|c| format!("{} {}", self.refs.get(&c.role_id).map_or("?", String::as_str), c.letter.as_str()))
            .collect();
        parts.sort();
        parts.join(", ")
    }

    fn snapshot(&self) -> serde_json::Value {
        let steps: serde_json::Map<String, serde_json::Value> = (1..=18)
            .map(|n| (n.to_string(), self.step_summary(n)))
            .filter(|(_, s)| !s.is_empty())
            .map(|(n, s)| (n, json!(s)))
            .collect();
        json!({ "steps": steps })
    }
}

/// The matrix as it is now.
pub async fn raci(tx: &mut OrgTx) -> sqlx::Result<RaciMatrix> {
    let version: Option<i32> = sqlx::query_scalar("select version from raci_matrices where org_id = $1")
        .bind(tx.org_id().0)
        .fetch_optional(tx.conn())
        .await?;
    let cells = sqlx::query_as::<_, RaciCell>(
        "select a.step_number, a.role_id, a.letter from raci_assignments a
         join aims_roles r on r.org_id = a.org_id and r.role_id = a.role_id
         where a.org_id = $1 and r.archived_at is null
         order by a.step_number, r.ref_no",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await?;
    let refs: Vec<(Uuid, i32)> = sqlx::query_as("select role_id, ref_no from aims_roles where org_id = $1")
        .bind(tx.org_id().0)
        .fetch_all(tx.conn())
        .await?;
    let refs = refs.into_iter().map(|(id, n)| (AimsRoleId(id), format_ref(RefRegister::AimsRoles, n))).collect();
    Ok(RaciMatrix { version: version.unwrap_or(0), cells, refs })
}

/// Replaces the whole matrix if its version matches, with one audit entry. Letters of archived
/// roles drop out (the grid only shows the roles in use).
pub async fn save_raci(tx: &mut OrgTx, cells: &[RaciCell], version: i32) -> WriteResult<RaciMatrix> {
    sqlx::query("insert into raci_matrices (org_id, version) values ($1, 0) on conflict do nothing")
        .bind(tx.org_id().0)
        .execute(tx.conn())
        .await?;
    let stored: i32 = sqlx::query_scalar("select version from raci_matrices where org_id = $1 for update")
        .bind(tx.org_id().0)
        .fetch_one(tx.conn())
        .await?;
    let before = raci(tx).await?;
    if stored != version {
        return Err(WriteError::Stale(Box::new(before)));
    }
    sqlx::query("delete from raci_assignments where org_id = $1").bind(tx.org_id().0).execute(tx.conn()).await?;
    let steps: Vec<i16> = cells.iter().map(|c| c.step_number).collect();
    let roles: Vec<Uuid> = cells.iter().map(|c| c.role_id.0).collect();
    let letters: Vec<&str> = cells.iter().map(|c| c.letter.as_str()).collect();
    sqlx::query(
        "insert into raci_assignments (org_id, step_number, role_id, letter)
         select $1, s, r, l from unnest($2::int2[], $3::uuid[], $4::text[]) as t(s, r, l)",
    )
    .bind(tx.org_id().0)
    .bind(&steps)
    .bind(&roles)
    .bind(&letters)
    .execute(tx.conn())
    .await
    .map_err(|e| {
        match WriteError::<()>::on_constraint(e, "raci_one_accountable_idx", "raci", "One A per step.") {
            WriteError::Db(e) => WriteError::on_constraint(
                e,
                "raci_assignments_org_id_role_id_fkey",
                "raci",
                "Choose roles of this workspace.",
            ),
            other => other.map_row(|()| RaciMatrix::default()),
        }
    })?;
    sqlx::query("update raci_matrices set version = version + 1 where org_id = $1")
        .bind(tx.org_id().0)
        .execute(tx.conn())
        .await?;
    let after = raci(tx).await?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: Entity::Raci,
            entity_id: tx.org_id().0.to_string(),
            summary: "Updated the RACI matrix".into(),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}
