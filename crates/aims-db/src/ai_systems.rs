//! The AI system inventory: every AI system the organisation builds, provides or uses, with its
//! purpose, the organisation's role, life-cycle stage, automation, EU AI Act risk tier, owner and
//! whether the AIMS covers it.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::{AiRole, AutomationLevel, LifecycleStage, RiskTier};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// An AI system as pickers (objectives, SoA) list it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SystemChoice {
    /// The id.
    pub system_id: Uuid,
    /// Per-workspace number (`AI-003`).
    pub ref_no: i32,
    /// Name.
    pub name: String,
}

impl SystemChoice {
    /// `AI-003 Credit scoring`.
    pub fn label(&self) -> String {
        format!("{} {}", crate::refs::format_ref(crate::refs::RefRegister::AiSystems, self.ref_no), self.name)
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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AiSystemRow {
    /// The id.
    pub system_id: Uuid,
    /// Per-workspace number (`AI-003`).
    pub ref_no: i32,
    /// Name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// How it is meant to be used.
    pub intended_use: String,
    /// Foreseeable misuse.
    pub known_misuse: String,
    /// The organisation's AI role key.
    pub ai_role: String,
    /// Life-cycle stage key.
    pub lifecycle_stage: String,
    /// Technique (machine learning, rules, LLM, …).
    pub technique: String,
    /// Whether it processes personal data.
    pub personal_data: bool,
    /// Which categories of personal data.
    pub personal_data_categories: String,
    /// Automation level key.
    pub automation_level: String,
    /// How people oversee it.
    pub human_oversight: String,
    /// EU AI Act risk tier key.
    pub risk_tier: String,
    /// Owner (a member).
    pub owner_id: Option<Uuid>,
    /// Owner's name.
    pub owner_name: Option<String>,
    /// Whether the AIMS covers it.
    pub in_scope: bool,
    /// Supplier (free text).
    pub supplier: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// When it was archived.
    pub archived_at: Option<OffsetDateTime>,
    /// Optimistic-locking version.
    pub version: i32,
}

impl AiSystemRow {
    /// `AI-003`.
    pub fn reference(&self) -> String {
        crate::refs::format_ref(crate::refs::RefRegister::AiSystems, self.ref_no)
    }

    /// The typed AI role.
    pub fn ai_role(&self) -> AiRole {
        self.ai_role.parse().unwrap_or(AiRole::Customer)
    }

    /// The typed life-cycle stage.
    pub fn stage(&self) -> LifecycleStage {
        self.lifecycle_stage.parse().unwrap_or(LifecycleStage::Inception)
    }

    /// The typed automation level.
    pub fn automation(&self) -> AutomationLevel {
        self.automation_level.parse().unwrap_or(AutomationLevel::DecisionSupport)
    }

    /// The typed risk tier.
    pub fn tier(&self) -> RiskTier {
        self.risk_tier.parse().unwrap_or(RiskTier::Minimal)
    }

    /// Whether it is archived.
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({
            "name": self.name,
            "purpose": self.purpose,
            "intended_use": self.intended_use,
            "known_misuse": self.known_misuse,
            "ai_role": self.ai_role,
            "lifecycle_stage": self.lifecycle_stage,
            "technique": self.technique,
            "personal_data": self.personal_data,
            "personal_data_categories": self.personal_data_categories,
            "automation_level": self.automation_level,
            "human_oversight": self.human_oversight,
            "risk_tier": self.risk_tier,
            "owner": self.owner_name,
            "in_scope": self.in_scope,
            "supplier": self.supplier,
        })
    }
}

/// What an AI system form provides.
#[derive(Debug, Clone)]
pub struct AiSystemInput {
    /// Name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
    /// How it is meant to be used.
    pub intended_use: String,
    /// Foreseeable misuse.
    pub known_misuse: String,
    /// The organisation's role.
    pub ai_role: AiRole,
    /// Life-cycle stage.
    pub lifecycle_stage: LifecycleStage,
    /// Technique.
    pub technique: String,
    /// Whether it processes personal data.
    pub personal_data: bool,
    /// Which categories of personal data.
    pub personal_data_categories: String,
    /// Automation level.
    pub automation_level: AutomationLevel,
    /// How people oversee it.
    pub human_oversight: String,
    /// EU AI Act risk tier.
    pub risk_tier: RiskTier,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Whether the AIMS covers it.
    pub in_scope: bool,
    /// Supplier.
    pub supplier: String,
}

/// List filters (all optional).
#[derive(Debug, Clone, Default)]
pub struct AiSystemFilter {
    /// Only this risk tier.
    pub tier: Option<RiskTier>,
    /// Only this life-cycle stage.
    pub stage: Option<LifecycleStage>,
    /// Only systems in (true) or out of (false) the AIMS scope.
    pub in_scope: Option<bool>,
}

/// Filtered AI systems, by reference, one page.
pub async fn list(tx: &mut OrgTx, filter: &AiSystemFilter, page: PageRequest) -> sqlx::Result<Paged<AiSystemRow>> {
    let total: i64 = sqlx::query_scalar(
        "select count(*) from ai_systems s
         where s.org_id = $1 and s.archived_at is null
           and ($2::text is null or s.risk_tier = $2)
           and ($3::text is null or s.lifecycle_stage = $3)
           and ($4::bool is null or s.in_scope = $4)",
    )
    .bind(tx.org_id().0)
    .bind(filter.tier.map(|t| t.as_str()))
    .bind(filter.stage.map(|s| s.as_str()))
    .bind(filter.in_scope)
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
    sqlx::query_as::<_, AiSystemRow>(
        "select s.system_id, s.ref_no, s.name, s.purpose, s.intended_use, s.known_misuse, s.ai_role,
                s.lifecycle_stage, s.technique, s.personal_data, s.personal_data_categories, s.automation_level,
                s.human_oversight, s.risk_tier, s.owner_id, u.name as owner_name, s.in_scope, s.supplier,
                s.created_at, s.updated_at, s.archived_at, s.version
         from ai_systems s
         left join users u on u.user_id = s.owner_id
         where s.org_id = $1 and s.archived_at is null
           and ($2::text is null or s.risk_tier = $2)
           and ($3::text is null or s.lifecycle_stage = $3)
           and ($4::bool is null or s.in_scope = $4)
         order by s.ref_no
         offset $5 limit $6",
    )
    .bind(tx.org_id().0)
    .bind(filter.tier.map(|t| t.as_str()))
    .bind(filter.stage.map(|s| s.as_str()))
    .bind(filter.in_scope)
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
pub async fn get(tx: &mut OrgTx, system_id: Uuid) -> sqlx::Result<Option<AiSystemRow>> {
    sqlx::query_as::<_, AiSystemRow>(
        "select s.system_id, s.ref_no, s.name, s.purpose, s.intended_use, s.known_misuse, s.ai_role,
                s.lifecycle_stage, s.technique, s.personal_data, s.personal_data_categories, s.automation_level,
                s.human_oversight, s.risk_tier, s.owner_id, u.name as owner_name, s.in_scope, s.supplier,
                s.created_at, s.updated_at, s.archived_at, s.version
         from ai_systems s
         left join users u on u.user_id = s.owner_id
         where s.org_id = $1 and s.system_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(system_id)
    .fetch_optional(tx.conn())
    .await
}

/// Why an AI system change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AiSystemError {
    /// No such AI system here (or it is archived).
    #[error("no such AI system")]
    NotFound,
    /// Someone saved first.
    #[error("changed by someone else")]
    Stale(Box<AiSystemRow>),
    /// The owner is not a member.
    #[error("the owner is not a member")]
    NotAMember,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

fn owner_error(e: sqlx::Error) -> AiSystemError {
    if crate::is_constraint(&e, "ai_systems_org_id_owner_id_fkey") {
        AiSystemError::NotAMember
    } else {
        AiSystemError::Db(e)
    }
}

/// Creates an AI system (with its next `AI-nnn` number) and records it.
pub async fn create(tx: &mut OrgTx, input: &AiSystemInput) -> Result<AiSystemRow, AiSystemError> {
    let ref_no = crate::refs::next_ref_no(tx, crate::refs::RefRegister::AiSystems).await?;
    let system_id = Uuid::now_v7();
    sqlx::query(
        "insert into ai_systems (org_id, system_id, ref_no, name, purpose, intended_use, known_misuse, ai_role,
                                 lifecycle_stage, technique, personal_data, personal_data_categories,
                                 automation_level, human_oversight, risk_tier, owner_id, in_scope, supplier,
                                 created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
    )
    .bind(tx.org_id().0)
    .bind(system_id)
    .bind(ref_no)
    .bind(&input.name)
    .bind(&input.purpose)
    .bind(&input.intended_use)
    .bind(&input.known_misuse)
    .bind(input.ai_role.as_str())
    .bind(input.lifecycle_stage.as_str())
    .bind(&input.technique)
    .bind(input.personal_data)
    .bind(&input.personal_data_categories)
    .bind(input.automation_level.as_str())
    .bind(&input.human_oversight)
    .bind(input.risk_tier.as_str())
    .bind(input.owner_id)
    .bind(input.in_scope)
    .bind(&input.supplier)
    .bind(tx.scope().user_id().0)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let row = get(tx, system_id).await?.ok_or(AiSystemError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::AiSystem,
            entity_id: system_id.to_string(),
            summary: format!("Created {}: {}", row.reference(), row.name),
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
    system_id: Uuid,
    input: &AiSystemInput,
    version: i32,
) -> Result<AiSystemRow, AiSystemError> {
    let current = sqlx::query_scalar::<_, i32>(
        "select version from ai_systems where org_id = $1 and system_id = $2 and archived_at is null for update",
    )
    .bind(tx.org_id().0)
    .bind(system_id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(AiSystemError::NotFound)?;
    let before = get(tx, system_id).await?.ok_or(AiSystemError::NotFound)?;
    if current != version {
        return Err(AiSystemError::Stale(Box::new(before)));
    }
    sqlx::query(
        "update ai_systems set name = $3, purpose = $4, intended_use = $5, known_misuse = $6, ai_role = $7,
                               lifecycle_stage = $8, technique = $9, personal_data = $10,
                               personal_data_categories = $11, automation_level = $12, human_oversight = $13,
                               risk_tier = $14, owner_id = $15, in_scope = $16, supplier = $17,
                               version = version + 1
         where org_id = $1 and system_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(system_id)
    .bind(&input.name)
    .bind(&input.purpose)
    .bind(&input.intended_use)
    .bind(&input.known_misuse)
    .bind(input.ai_role.as_str())
    .bind(input.lifecycle_stage.as_str())
    .bind(&input.technique)
    .bind(input.personal_data)
    .bind(&input.personal_data_categories)
    .bind(input.automation_level.as_str())
    .bind(&input.human_oversight)
    .bind(input.risk_tier.as_str())
    .bind(input.owner_id)
    .bind(input.in_scope)
    .bind(&input.supplier)
    .execute(tx.conn())
    .await
    .map_err(owner_error)?;
    let after = get(tx, system_id).await?.ok_or(AiSystemError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::AiSystem,
            entity_id: system_id.to_string(),
            summary: format!("Updated {}: {}", after.reference(), after.name),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}
