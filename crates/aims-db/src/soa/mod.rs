//! The Statement of Applicability (6.1.3): the working copy, with the 38 Annex A controls from the
//! catalogue (stored once edited) and the organisation's own controls, and the approved versions,
//! frozen as a JSON snapshot of every row.

use crate::ai_systems::SystemChoice;
use crate::record::{self, Record, WriteError, WriteResult};
use crate::{BindFields, BindInput, OrgTx, PgQuery};
use aims_domain::catalogue::{Control, catalogue};
use aims_domain::registers::{ReasonCode, SoaStatus};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

mod versions;

pub use aims_domain::soa::SnapshotRow;
pub use versions::{SoaVersion, VersionSummary, approve, latest, version, versions};

/// A stored working-copy row.
#[derive(Debug, Clone, sqlx::FromRow)]
struct EntryRow {
    control_id: String,
    custom: bool,
    title: String,
    applicable: Option<bool>,
    justification: String,
    reason_codes: Vec<String>,
    implementation_status: Option<String>,
    owner_id: Option<Uuid>,
    owner_name: Option<String>,
    notes: String,
    updated_at: OffsetDateTime,
    updated_by_name: Option<String>,
    version: i32,
}

/// An AI system linked to a row.
#[derive(Debug, Clone, sqlx::FromRow)]
struct LinkRow {
    control_id: String,
    system_id: Uuid,
    ref_no: i32,
    name: String,
}

/// One control of the working copy: catalogue facts merged with what the workspace decided.
#[derive(Debug, Clone)]
pub struct SoaItem {
    /// `A.2.2`, or the organisation's own id (`ORG-1`).
    pub control_id: String,
    /// Title (from the catalogue for Annex A controls).
    pub title: String,
    /// The Annex A objective it belongs to ("" for an own control).
    pub objective_id: String,
    /// That objective's title ("" for an own control).
    pub objective_title: String,
    /// What the control asks, in our words ("" for an own control).
    pub summary: String,
    /// An own control rather than an Annex A one.
    pub custom: bool,
    /// Whether it applies (None: not decided yet).
    pub applicable: Option<bool>,
    /// Why it is included or excluded.
    pub justification: String,
    /// Reasons for the decision.
    pub reason_codes: Vec<ReasonCode>,
    /// Implementation status.
    pub status: Option<SoaStatus>,
    /// Owner (a member).
    pub owner_id: Option<Uuid>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// The AI systems it applies to, by reference.
    pub systems: Vec<SystemChoice>,
    /// Notes.
    pub notes: String,
    /// Last change (None: never saved).
    pub updated_at: Option<OffsetDateTime>,
    /// Who made the last change.
    pub updated_by: Option<String>,
    /// Optimistic-locking version; 0 for a row never saved.
    pub version: i32,
}

impl SoaItem {
    fn blank(control_id: &str, title: &str) -> Self {
        SoaItem {
            control_id: control_id.to_string(),
            title: title.to_string(),
            objective_id: String::new(),
            objective_title: String::new(),
            summary: String::new(),
            custom: false,
            applicable: None,
            justification: String::new(),
            reason_codes: Vec::new(),
            status: None,
            owner_id: None,
            owner_name: None,
            systems: Vec::new(),
            notes: String::new(),
            updated_at: None,
            updated_by: None,
            version: 0,
        }
    }

    fn from_control(control: &Control) -> Self {
        let objective_title =
            catalogue().objectives.iter().find(|o| o.id == control.objective).map_or("", |o| o.title.as_str());
        SoaItem {
            objective_id: control.objective.clone(),
            objective_title: objective_title.to_string(),
            summary: control.summary.clone(),
            ..SoaItem::blank(&control.id, &control.title)
        }
    }

    fn custom(row: &EntryRow) -> Self {
        SoaItem { custom: true, ..SoaItem::blank(&row.control_id, &row.title) }
    }

    fn apply(&mut self, row: EntryRow) {
        self.applicable = row.applicable;
        self.justification = row.justification;
        self.reason_codes = row.reason_codes.iter().filter_map(|c| c.parse().ok()).collect();
        self.status = row.implementation_status.as_deref().and_then(|s| s.parse().ok());
        self.owner_id = row.owner_id;
        self.owner_name = row.owner_name;
        self.notes = row.notes;
        self.updated_at = Some(row.updated_at);
        self.updated_by = row.updated_by_name;
        self.version = row.version;
    }

    /// `A.2.2 AI policy`.
    pub fn label(&self) -> String {
        format!("{} {}", self.control_id, self.title)
    }

    /// The row as an approved version freezes it.
    pub fn snapshot_row(&self) -> SnapshotRow {
        SnapshotRow {
            control_id: self.control_id.clone(),
            title: self.title.clone(),
            objective: self.objective_id.clone(),
            objective_title: self.objective_title.clone(),
            custom: self.custom,
            applicable: self.applicable,
            justification: self.justification.clone(),
            reason_codes: self.reason_codes.iter().map(|c| c.as_str().to_string()).collect(),
            implementation_status: self.status.map(|s| s.as_str().to_string()),
            owner: self.owner_name.clone(),
            ai_systems: self.systems.iter().map(SystemChoice::label).collect(),
            notes: self.notes.clone(),
            updated_at: self.updated_at,
        }
    }
}

impl Record for SoaItem {
    const ENTITY: record::Entity = record::Entity::SoaEntry;

    fn audit_id(&self) -> String {
        self.control_id.clone()
    }

    fn label(&self) -> String {
        format!("SoA entry {}", SoaItem::label(self))
    }

    fn version(&self) -> i32 {
        self.version
    }

    // Archived rows are never read (an Annex A control has no archive), so none is archived.
    fn is_archived(&self) -> bool {
        false
    }

    fn snapshot(&self) -> serde_json::Value {
        let row = self.snapshot_row();
        serde_json::json!({
            "title": row.title,
            "applicable": row.applicable,
            "justification": row.justification,
            "reason_codes": row.reason_codes.join(", "),
            "implementation_status": row.implementation_status,
            "owner": row.owner,
            "ai_systems": row.ai_systems.join(", "),
            "notes": row.notes,
        })
    }
}

const SELECT_ENTRIES: &str = "select e.control_id, e.custom, e.title, e.applicable, e.justification, e.reason_codes,
        e.implementation_status, e.owner_id, o.name as owner_name, e.notes, e.updated_at,
        b.name as updated_by_name, e.version
 from soa_entries e
 left join users o on o.user_id = e.owner_id
 left join users b on b.user_id = e.updated_by
 where e.org_id = $1 and e.archived_at is null and ($2::text is null or e.control_id = $2)
 order by e.created_at, e.control_id";

const SELECT_LINKS: &str = "select l.control_id, s.system_id, s.ref_no, s.name
 from soa_entry_ai_systems l
 join ai_systems s on s.org_id = l.org_id and s.system_id = l.system_id
 where l.org_id = $1 and ($2::text is null or l.control_id = $2)
 order by s.ref_no";

/// The working copy: stored rows and their AI system links in two queries, whatever the size.
async fn load(tx: &mut OrgTx, only: Option<&str>) -> sqlx::Result<Vec<SoaItem>> {
    let rows =
        sqlx::query_as::<_, EntryRow>(SELECT_ENTRIES).bind(tx.org_id().0).bind(only).fetch_all(tx.conn()).await?;
    let links = sqlx::query_as::<_, LinkRow>(SELECT_LINKS).bind(tx.org_id().0).bind(only).fetch_all(tx.conn()).await?;
    let mut systems: HashMap<String, Vec<SystemChoice>> = HashMap::new();
    for l in links {
        systems.entry(l.control_id).or_default().push(SystemChoice {
            system_id: l.system_id,
            ref_no: l.ref_no,
            name: l.name,
        });
    }
    let mut stored: HashMap<String, EntryRow> = HashMap::new();
    let mut custom = Vec::new();
    for row in rows {
        if row.custom {
            let mut item = SoaItem::custom(&row);
            item.apply(row);
            custom.push(item);
        } else {
            stored.insert(row.control_id.clone(), row);
        }
    }
    let mut items: Vec<SoaItem> = catalogue()
        .controls
        .iter()
        .filter(|c| only.is_none_or(|id| id == c.id))
        .map(|c| {
            let mut item = SoaItem::from_control(c);
            if let Some(row) = stored.remove(&c.id) {
                item.apply(row);
            }
            item
        })
        .collect();
    items.extend(custom);
    for item in &mut items {
        item.systems = systems.remove(&item.control_id).unwrap_or_default();
    }
    Ok(items)
}

/// Every control of the working copy: the 38 Annex A controls in catalogue order, then the
/// organisation's own controls in the order they were added.
pub async fn list(tx: &mut OrgTx) -> sqlx::Result<Vec<SoaItem>> {
    load(tx, None).await
}

/// One control of the working copy (an Annex A control always exists; an own control once added).
pub async fn get(tx: &mut OrgTx, control_id: &str) -> sqlx::Result<Option<SoaItem>> {
    Ok(load(tx, Some(control_id)).await?.into_iter().next())
}

/// What the row form provides.
#[derive(Debug, Clone)]
pub struct SoaInput {
    /// Title (own controls only; Annex A titles come from the catalogue).
    pub title: String,
    /// Whether it applies.
    pub applicable: bool,
    /// Why.
    pub justification: String,
    /// Reasons.
    pub reason_codes: Vec<ReasonCode>,
    /// Implementation status.
    pub status: Option<SoaStatus>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// AI systems it applies to.
    pub system_ids: Vec<Uuid>,
    /// Notes.
    pub notes: String,
}

fn write_error(e: sqlx::Error) -> WriteError<SoaItem> {
    if crate::is_constraint(&e, "soa_entries_org_id_owner_id_fkey") {
        WriteError::Invalid { field: "owner_id", message: "The owner must be a member of this workspace.".into() }
    } else if crate::is_constraint(&e, "soa_entry_ai_systems_org_id_system_id_fkey") {
        WriteError::Invalid { field: "ai_systems", message: "Choose AI systems from the inventory.".into() }
    } else {
        WriteError::on_constraint(e, "soa_entries_pkey", "control_id", TAKEN)
    }
}

const TAKEN: &str = "This id is in the SoA already: choose another.";

async fn replace_links(tx: &mut OrgTx, control_id: &str, system_ids: &[Uuid]) -> WriteResult<SoaItem, ()> {
    sqlx::query("delete from soa_entry_ai_systems where org_id = $1 and control_id = $2")
        .bind(tx.org_id().0)
        .bind(control_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "insert into soa_entry_ai_systems (org_id, control_id, system_id)
         select $1, $2, s from unnest($3::uuid[]) as s on conflict do nothing",
    )
    .bind(tx.org_id().0)
    .bind(control_id)
    .bind(system_ids)
    .execute(tx.conn())
    .await
    .map_err(write_error)?;
    Ok(())
}

// `$3` to `$8` of every insert and update of `soa_entries` (then `$9`, who changed it).
impl BindFields for SoaInput {
    fn bind_fields<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(self.applicable)
            .bind(&self.justification)
            .bind(reason_keys(self))
            .bind(self.status.map(|s| s.as_str()))
            .bind(self.owner_id)
            .bind(&self.notes)
    }
}

fn reason_keys(input: &SoaInput) -> Vec<String> {
    input.reason_codes.iter().map(|c| c.as_str().to_string()).collect()
}

/// Saves a row if the version matches: a row never saved (version 0) is inserted, a stored one
/// updated. Records the change. An Annex A row has no number to lock by, so the stored row (if
/// any) is locked here; then the kit's one check decides.
pub async fn save(tx: &mut OrgTx, control_id: &str, input: &SoaInput, version: i32) -> WriteResult<SoaItem> {
    let stored = sqlx::query_scalar::<_, i32>(
        "select version from soa_entries where org_id = $1 and control_id = $2 and archived_at is null for update",
    )
    .bind(tx.org_id().0)
    .bind(control_id)
    .fetch_optional(tx.conn())
    .await?;
    let before = record::current(get(tx, control_id).await?, version)?;
    if stored.is_none() {
        if before.custom {
            return Err(WriteError::NotFound);
        }
        let done = sqlx::query(
            "insert into soa_entries (org_id, control_id, custom, title, applicable, justification, reason_codes,
                                      implementation_status, owner_id, notes, updated_by)
             values ($1, $2, false, '', $3, $4, $5, $6, $7, $8, $9)
             on conflict (org_id, control_id) do nothing",
        )
        .bind(tx.org_id().0)
        .bind(control_id)
        .bind_input(input)
        .bind(tx.scope().user_id().0)
        .execute(tx.conn())
        .await
        .map_err(write_error)?;
        if done.rows_affected() == 0 {
            // Someone saved the row first, between our read and our insert.
            let current = get(tx, control_id).await?.ok_or(WriteError::NotFound)?;
            return Err(WriteError::Stale(Box::new(current)));
        }
    } else {
        sqlx::query(
            "update soa_entries set applicable = $3, justification = $4, reason_codes = $5,
                                    implementation_status = $6, owner_id = $7, notes = $8, updated_by = $9,
                                    title = $10, version = version + 1
             where org_id = $1 and control_id = $2",
        )
        .bind(tx.org_id().0)
        .bind(control_id)
        .bind_input(input)
        .bind(tx.scope().user_id().0)
        .bind(if before.custom { input.title.as_str() } else { "" })
        .execute(tx.conn())
        .await
        .map_err(write_error)?;
    }
    replace_links(tx, control_id, &input.system_ids).await?;
    let after = get(tx, control_id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}

/// Adds an own control with the id the user chose (it must not be taken, in any letter case).
pub async fn create_custom(tx: &mut OrgTx, control_id: &str, input: &SoaInput) -> WriteResult<SoaItem> {
    let taken: bool = sqlx::query_scalar(
        "select exists (select 1 from soa_entries where org_id = $1 and lower(control_id) = lower($2))",
    )
    .bind(tx.org_id().0)
    .bind(control_id)
    .fetch_one(tx.conn())
    .await?;
    if taken || catalogue().controls.iter().any(|c| c.id.eq_ignore_ascii_case(control_id)) {
        return Err(WriteError::Invalid { field: "control_id", message: TAKEN.into() });
    }
    sqlx::query(
        "insert into soa_entries (org_id, control_id, custom, title, applicable, justification, reason_codes,
                                  implementation_status, owner_id, notes, updated_by)
         values ($1, $2, true, $10, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(tx.org_id().0)
    .bind(control_id)
    .bind_input(input)
    .bind(tx.scope().user_id().0)
    .bind(&input.title)
    .execute(tx.conn())
    .await
    .map_err(write_error)?;
    replace_links(tx, control_id, &input.system_ids).await?;
    let after = get(tx, control_id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &after).await?;
    Ok(after)
}
