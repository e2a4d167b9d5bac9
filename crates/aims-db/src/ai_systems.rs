//! The AI system inventory: every AI system the organisation builds, provides or uses, with its
//! purpose, the organisation's role, life-cycle stage, automation, EU AI Act risk tier, owner and
//! whether the AIMS covers it.

use crate::record::{self, Record, Register, WriteError, WriteResult};
use crate::refs::{RefRegister, format_ref};
use crate::{BindFields, BindInput, OrgTx, PgQuery};
use aims_domain::AiSystemId;
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::{AiRole, AutomationLevel, LifecycleStage, RiskTier};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// An AI system as pickers (objectives, SoA) list it.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SystemChoice {
    pub system_id: Uuid,
    /// Per-workspace number (`AI-003`).
    pub ref_no: i32,
    pub name: String,
}

impl SystemChoice {
    /// `AI-003 Credit scoring`.
    pub fn label(&self) -> String {
        format!("{} {}", format_ref(RefRegister::AiSystems, self.ref_no), self.name)
    }
}

/// Every AI system that is not archived, by reference.
pub async fn choices(tx: &mut OrgTx) -> sqlx::Result<Vec<SystemChoice>> {
    sqlx::query_as::<_, SystemChoice>(
        "select system_id, ref_no, name from ai_systems where org_id = $1 and archived_at is null order by ref_no",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await
}

/// An AI system as the inventory and its page show it.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AiSystemRow {
    #[sqlx(try_from = "Uuid")]
    pub system_id: AiSystemId,
    /// Per-workspace number (`AI-003`).
    pub ref_no: i32,
    pub name: String,
    pub purpose: String,
    pub intended_use: String,
    /// Foreseeable misuse.
    pub known_misuse: String,
    /// The organisation's role towards it.
    #[sqlx(try_from = "String")]
    pub ai_role: AiRole,
    #[sqlx(try_from = "String")]
    pub lifecycle_stage: LifecycleStage,
    /// Machine learning, rules, LLM, …
    pub technique: String,
    /// Whether it processes personal data.
    pub personal_data: bool,
    pub personal_data_categories: String,
    #[sqlx(try_from = "String")]
    pub automation_level: AutomationLevel,
    pub human_oversight: String,
    /// EU AI Act risk tier.
    #[sqlx(try_from = "String")]
    pub risk_tier: RiskTier,
    /// A member, or nobody yet.
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// Whether the AIMS covers it.
    pub in_scope: bool,
    pub supplier: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
}

impl AiSystemRow {
    /// `AI-003`.
    pub fn reference(&self) -> String {
        format_ref(RefRegister::AiSystems, self.ref_no)
    }
}

impl Record for AiSystemRow {
    const ENTITY: record::Entity = record::Entity::AiSystem;

    fn audit_id(&self) -> String {
        self.system_id.to_string()
    }

    fn label(&self) -> String {
        format!("{}: {}", self.reference(), self.name)
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "purpose": self.purpose,
            "intended_use": self.intended_use,
            "known_misuse": self.known_misuse,
            "ai_role": self.ai_role.as_str(),
            "lifecycle_stage": self.lifecycle_stage.as_str(),
            "technique": self.technique,
            "personal_data": self.personal_data,
            "personal_data_categories": self.personal_data_categories,
            "automation_level": self.automation_level.as_str(),
            "human_oversight": self.human_oversight,
            "risk_tier": self.risk_tier.as_str(),
            "owner": self.owner_name,
            "in_scope": self.in_scope,
            "supplier": self.supplier,
        })
    }
}

/// What an AI system form provides.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone)]
pub struct AiSystemInput {
    pub name: String,
    pub purpose: String,
    pub intended_use: String,
    pub known_misuse: String,
    pub ai_role: AiRole,
    pub lifecycle_stage: LifecycleStage,
    pub technique: String,
    pub personal_data: bool,
    /// Empty exactly when it uses no personal data (the form checks this).
    pub personal_data_categories: String,
    pub automation_level: AutomationLevel,
    pub human_oversight: String,
    pub risk_tier: RiskTier,
    pub owner_id: Option<Uuid>,
    pub in_scope: bool,
    pub supplier: String,
}

/// List filters (all optional).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct AiSystemFilter {
    pub tier: Option<RiskTier>,
    pub stage: Option<LifecycleStage>,
    /// Only systems in (true) or out of (false) the AIMS scope.
    pub in_scope: Option<bool>,
    /// Archived ones too.
    pub archived: bool,
}

macro_rules! select_systems {
    () => {
        "select s.system_id, s.ref_no, s.name, s.purpose, s.intended_use, s.known_misuse, s.ai_role,
                s.lifecycle_stage, s.technique, s.personal_data, s.personal_data_categories, s.automation_level,
                s.human_oversight, s.risk_tier, s.owner_id, u.name as owner_name, s.in_scope, s.supplier,
                s.created_at, s.updated_at, s.archived_at, s.version
         from ai_systems s
         left join users u on u.user_id = s.owner_id"
    };
}

/// Filtered AI systems, by reference, one page.
pub async fn list(tx: &mut OrgTx, filter: &AiSystemFilter, page: PageRequest) -> sqlx::Result<Paged<AiSystemRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from ai_systems s
         where s.org_id = $1 and ($5 or s.archived_at is null)
           and ($2::text is null or s.risk_tier = $2)
           and ($3::text is null or s.lifecycle_stage = $3)
           and ($4::bool is null or s.in_scope = $4)",
    )
    .bind(tx.org_id().0)
    .bind(filter.tier.map(|t| t.as_str()))
    .bind(filter.stage.map(|s| s.as_str()))
    .bind(filter.in_scope)
    .bind(filter.archived)
    .fetch_one(tx.conn())
    .await?;
    let rows = select_filtered(tx, filter, page.offset(), page.limit()).await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

async fn select_filtered(
    tx: &mut OrgTx,
    filter: &AiSystemFilter,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Vec<AiSystemRow>> {
    const SQL: &str = concat!(
        select_systems!(),
        " where s.org_id = $1 and ($5 or s.archived_at is null)
           and ($2::text is null or s.risk_tier = $2)
           and ($3::text is null or s.lifecycle_stage = $3)
           and ($4::bool is null or s.in_scope = $4)
         order by s.ref_no
         offset $6 limit $7"
    );
    sqlx::query_as::<_, AiSystemRow>(SQL)
        .bind(tx.org_id().0)
        .bind(filter.tier.map(|t| t.as_str()))
        .bind(filter.stage.map(|s| s.as_str()))
        .bind(filter.in_scope)
        .bind(filter.archived)
        .bind(offset)
        .bind(limit)
        .fetch_all(tx.conn())
        .await
}

/// Every AI system matching the filter (for the CSV export), in list order.
pub async fn export(tx: &mut OrgTx, filter: &AiSystemFilter) -> sqlx::Result<Vec<AiSystemRow>> {
    select_filtered(tx, filter, 0, i64::MAX).await
}

/// One AI system (archived ones too: history stays readable).
pub async fn get(tx: &mut OrgTx, id: AiSystemId) -> sqlx::Result<Option<AiSystemRow>> {
    const SQL: &str = concat!(select_systems!(), " where s.org_id = $1 and s.system_id = $2");
    sqlx::query_as::<_, AiSystemRow>(SQL).bind(tx.org_id().0).bind(id.0).fetch_optional(tx.conn()).await
}

fn owner_error(e: sqlx::Error) -> WriteError<AiSystemRow> {
    WriteError::on_constraint(
        e,
        "ai_systems_org_id_owner_id_fkey",
        "owner_id",
        "The owner must be a member of this workspace.",
    )
}

// `$3` to `$17` of both the insert and the update.
impl BindFields for AiSystemInput {
    fn bind_fields<'q>(&'q self, query: PgQuery<'q>) -> PgQuery<'q> {
        query
            .bind(&self.name)
            .bind(&self.purpose)
            .bind(&self.intended_use)
            .bind(&self.known_misuse)
            .bind(self.ai_role.as_str())
            .bind(self.lifecycle_stage.as_str())
            .bind(&self.technique)
            .bind(self.personal_data)
            .bind(&self.personal_data_categories)
            .bind(self.automation_level.as_str())
            .bind(&self.human_oversight)
            .bind(self.risk_tier.as_str())
            .bind(self.owner_id)
            .bind(self.in_scope)
            .bind(&self.supplier)
    }
}

/// Creates an AI system (with its next `AI-nnn` number) and records it.
pub async fn create(tx: &mut OrgTx, input: &AiSystemInput) -> WriteResult<AiSystemRow> {
    let ref_no = crate::refs::next_ref_no(tx, RefRegister::AiSystems).await?;
    let id = AiSystemId::new();
    sqlx::query(
        "insert into ai_systems (org_id, system_id, ref_no, name, purpose, intended_use, known_misuse, ai_role,
                                 lifecycle_stage, technique, personal_data, personal_data_categories,
                                 automation_level, human_oversight, risk_tier, owner_id, in_scope, supplier,
                                 created_by)
         values ($1, $2, $18, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $19)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind_input(input)
    .bind(ref_no)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let row = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit if the version matches, and records it.
pub async fn update(tx: &mut OrgTx, id: AiSystemId, input: &AiSystemInput, version: i32) -> WriteResult<AiSystemRow> {
    record::lock(tx, Register::AiSystems, id.0).await?;
    let before = record::current(get(tx, id).await?, version)?;
    sqlx::query(
        "update ai_systems set name = $3, purpose = $4, intended_use = $5, known_misuse = $6, ai_role = $7,
                               lifecycle_stage = $8, technique = $9, personal_data = $10,
                               personal_data_categories = $11, automation_level = $12, human_oversight = $13,
                               risk_tier = $14, owner_id = $15, in_scope = $16, supplier = $17,
                               version = version + 1
         where org_id = $1 and system_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind_input(input)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let after = get(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}
