//! The organisation's context: internal and external issues (4.1) and interested parties with
//! their requirements and whether the AIMS addresses them (4.2). Both are small registers with
//! the usual shape: paged list, create, version-checked update, archive, one audit entry each.

use crate::OrgTx;
use crate::audit::{self, AuditAction, AuditEntry};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::{Addressed, IssueKind};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// An internal or external issue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRow {
    /// The id.
    pub issue_id: Uuid,
    /// `internal` or `external`.
    pub kind: String,
    /// Short title.
    pub title: String,
    /// What it is.
    pub description: String,
    /// How it affects what the AIMS can achieve.
    pub effect: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking version.
    pub version: i32,
}

impl IssueRow {
    /// The typed kind.
    pub fn kind(&self) -> IssueKind {
        self.kind.parse().unwrap_or(IssueKind::Internal)
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({ "kind": self.kind, "title": self.title, "description": self.description, "effect": self.effect })
    }
}

/// What an issue form provides.
#[derive(Debug, Clone)]
pub struct IssueInput {
    /// Internal or external.
    pub kind: IssueKind,
    /// Short title.
    pub title: String,
    /// What it is.
    pub description: String,
    /// How it affects the AIMS.
    pub effect: String,
}

/// An interested party.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    /// The id.
    pub party_id: Uuid,
    /// Who.
    pub name: String,
    /// What they require.
    pub requirements: String,
    /// `yes`, `partly` or `no`.
    pub addressed: String,
    /// How the AIMS addresses them (or why not).
    pub how_addressed: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Optimistic-locking version.
    pub version: i32,
}

impl PartyRow {
    /// The typed decision.
    pub fn addressed(&self) -> Addressed {
        self.addressed.parse().unwrap_or(Addressed::No)
    }

    fn snapshot(&self) -> serde_json::Value {
        json!({ "name": self.name, "requirements": self.requirements, "addressed": self.addressed, "how_addressed": self.how_addressed })
    }
}

/// What a party form provides.
#[derive(Debug, Clone)]
pub struct PartyInput {
    /// Who.
    pub name: String,
    /// What they require.
    pub requirements: String,
    /// Whether the AIMS addresses it.
    pub addressed: Addressed,
    /// How, or why not.
    pub how_addressed: String,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ContextError<R> {
    /// No such row here (or archived).
    #[error("not found")]
    NotFound,
    /// Someone saved first; the current row is attached.
    #[error("changed by someone else")]
    Stale(Box<R>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// One page of issues: external first, then internal, oldest first.
pub async fn list_issues(tx: &mut OrgTx, page: PageRequest) -> sqlx::Result<Paged<IssueRow>> {
    let total: i64 =
        sqlx::query_scalar("select count(*) from context_issues where org_id = $1 and archived_at is null")
            .bind(tx.org_id().0)
            .fetch_one(tx.conn())
            .await?;
    let rows = sqlx::query_as::<_, IssueRow>(
        "select issue_id, kind, title, description, effect, updated_at, version from context_issues
         where org_id = $1 and archived_at is null order by kind, created_at offset $2 limit $3",
    )
    .bind(tx.org_id().0)
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// One issue that is not archived.
pub async fn get_issue(tx: &mut OrgTx, id: Uuid) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as::<_, IssueRow>(
        "select issue_id, kind, title, description, effect, updated_at, version from context_issues
         where org_id = $1 and issue_id = $2 and archived_at is null",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// Adds an issue.
pub async fn create_issue(tx: &mut OrgTx, input: &IssueInput) -> sqlx::Result<IssueRow> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into context_issues (org_id, issue_id, kind, title, description, effect) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.effect)
    .execute(tx.conn())
    .await?;
    let row = get_issue(tx, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::ContextIssue,
            entity_id: id.to_string(),
            summary: format!("Added the {} issue “{}”", row.kind, row.title),
            before: None,
            after: Some(row.snapshot()),
        },
    )
    .await?;
    Ok(row)
}

/// Saves an issue if the version matches.
pub async fn update_issue(
    tx: &mut OrgTx,
    id: Uuid,
    input: &IssueInput,
    version: i32,
) -> Result<IssueRow, ContextError<IssueRow>> {
    let before = get_issue(tx, id).await?.ok_or(ContextError::NotFound)?;
    let done = sqlx::query(
        "update context_issues set kind = $4, title = $5, description = $6, effect = $7, version = version + 1
         where org_id = $1 and issue_id = $2 and version = $3 and archived_at is null",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .bind(version)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.effect)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(ContextError::Stale(Box::new(before)));
    }
    let after = get_issue(tx, id).await?.ok_or(ContextError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::ContextIssue,
            entity_id: id.to_string(),
            summary: format!("Updated the issue “{}”", after.title),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}

/// One page of interested parties, by name.
pub async fn list_parties(tx: &mut OrgTx, page: PageRequest) -> sqlx::Result<Paged<PartyRow>> {
    let total: i64 =
        sqlx::query_scalar("select count(*) from interested_parties where org_id = $1 and archived_at is null")
            .bind(tx.org_id().0)
            .fetch_one(tx.conn())
            .await?;
    let rows = sqlx::query_as::<_, PartyRow>(
        "select party_id, name, requirements, addressed, how_addressed, updated_at, version from interested_parties
         where org_id = $1 and archived_at is null order by lower(name) offset $2 limit $3",
    )
    .bind(tx.org_id().0)
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// One party that is not archived.
pub async fn get_party(tx: &mut OrgTx, id: Uuid) -> sqlx::Result<Option<PartyRow>> {
    sqlx::query_as::<_, PartyRow>(
        "select party_id, name, requirements, addressed, how_addressed, updated_at, version from interested_parties
         where org_id = $1 and party_id = $2 and archived_at is null",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .fetch_optional(tx.conn())
    .await
}

/// Adds a party.
pub async fn create_party(tx: &mut OrgTx, input: &PartyInput) -> sqlx::Result<PartyRow> {
    let id = Uuid::now_v7();
    sqlx::query(
        "insert into interested_parties (org_id, party_id, name, requirements, addressed, how_addressed)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .bind(&input.name)
    .bind(&input.requirements)
    .bind(input.addressed.as_str())
    .bind(&input.how_addressed)
    .execute(tx.conn())
    .await?;
    let row = get_party(tx, id).await?.ok_or(sqlx::Error::RowNotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Create,
            entity: crate::record::Entity::InterestedParty,
            entity_id: id.to_string(),
            summary: format!("Added the interested party “{}”", row.name),
            before: None,
            after: Some(row.snapshot()),
        },
    )
    .await?;
    Ok(row)
}

/// Saves a party if the version matches.
pub async fn update_party(
    tx: &mut OrgTx,
    id: Uuid,
    input: &PartyInput,
    version: i32,
) -> Result<PartyRow, ContextError<PartyRow>> {
    let before = get_party(tx, id).await?.ok_or(ContextError::NotFound)?;
    let done = sqlx::query(
        "update interested_parties set name = $4, requirements = $5, addressed = $6, how_addressed = $7, version = version + 1
         where org_id = $1 and party_id = $2 and version = $3 and archived_at is null",
    )
    .bind(tx.org_id().0)
    .bind(id)
    .bind(version)
    .bind(&input.name)
    .bind(&input.requirements)
    .bind(input.addressed.as_str())
    .bind(&input.how_addressed)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(ContextError::Stale(Box::new(before)));
    }
    let after = get_party(tx, id).await?.ok_or(ContextError::NotFound)?;
    audit::record(
        tx,
        AuditEntry {
            action: AuditAction::Update,
            entity: crate::record::Entity::InterestedParty,
            entity_id: id.to_string(),
            summary: format!("Updated the interested party “{}”", after.name),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        },
    )
    .await?;
    Ok(after)
}
