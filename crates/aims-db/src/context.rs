//! The organisation's context: internal and external issues (4.1) and interested parties with
//! their requirements and whether the AIMS addresses them (4.2). Both are small registers with
//! the usual shape: paged list (archived rows on request), create, version-checked update, one
//! audit entry each; archive and restore are the kit's.

use crate::OrgTx;
use crate::record::{self, Record, Register, WriteError, WriteResult};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::registers::{Addressed, IssueKind};
use aims_domain::{ContextIssueId, InterestedPartyId};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// An internal or external issue.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IssueRow {
    #[sqlx(try_from = "Uuid")]
    pub issue_id: ContextIssueId,
    #[sqlx(try_from = "String")]
    pub kind: IssueKind,
    pub title: String,
    pub description: String,
    /// How it affects what the AIMS can achieve.
    pub effect: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
}

impl Record for IssueRow {
    const ENTITY: record::Entity = record::Entity::ContextIssue;

    fn audit_id(&self) -> String {
        self.issue_id.to_string()
    }

    fn label(&self) -> String {
        self.title.clone()
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
            "description": self.description,
            "effect": self.effect,
        })
    }
}

/// What an issue form provides.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone)]
pub struct IssueInput {
    pub kind: IssueKind,
    pub title: String,
    pub description: String,
    /// How it affects the AIMS.
    pub effect: String,
}

/// Issue list filters (all optional).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    pub kind: Option<IssueKind>,
    /// Archived ones too.
    pub archived: bool,
}

/// An interested party.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartyRow {
    #[sqlx(try_from = "Uuid")]
    pub party_id: InterestedPartyId,
    pub name: String,
    /// What they require.
    pub requirements: String,
    /// Whether the AIMS addresses their requirements.
    #[sqlx(try_from = "String")]
    pub addressed: Addressed,
    /// How the AIMS addresses them (or why not).
    pub how_addressed: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub archived_at: Option<OffsetDateTime>,
    pub version: i32,
}

impl Record for PartyRow {
    const ENTITY: record::Entity = record::Entity::InterestedParty;

    fn audit_id(&self) -> String {
        self.party_id.to_string()
    }

    fn label(&self) -> String {
        self.name.clone()
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
            "requirements": self.requirements,
            "addressed": self.addressed.as_str(),
            "how_addressed": self.how_addressed,
        })
    }
}

/// What a party form provides.
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone)]
pub struct PartyInput {
    pub name: String,
    /// What they require.
    pub requirements: String,
    /// Whether the AIMS addresses it.
    pub addressed: Addressed,
    /// How, or why not.
    pub how_addressed: String,
}

/// Party list filters (all optional).
#[expect(missing_docs, reason = "fields named after what they hold; only the non-obvious ones are documented")]
#[derive(Debug, Clone, Default)]
pub struct PartyFilter {
    pub addressed: Option<Addressed>,
    /// Archived ones too.
    pub archived: bool,
}

macro_rules! select_issues {
    () => {
        "select issue_id, kind, title, description, effect, created_at, updated_at, archived_at, version
         from context_issues"
    };
}

// `$2`: archived ones too; `$3`: the kind, or null for any.
macro_rules! issues_where {
    () => {
        " where org_id = $1 and ($2 or archived_at is null) and ($3::text is null or kind = $3)"
    };
}

/// One page of issues: external first, then internal, oldest first.
pub async fn list_issues(tx: &mut OrgTx, filter: &IssueFilter, page: PageRequest) -> sqlx::Result<Paged<IssueRow>> {
    let total: i64 = sqlx::query_scalar(concat!("select count(*) from context_issues", issues_where!()))
        .bind(tx.org_id().0)
        .bind(filter.archived)
        .bind(filter.kind.map(|k| k.as_str()))
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query_as::<_, IssueRow>(concat!(
        select_issues!(),
        issues_where!(),
        " order by kind, created_at, issue_id offset $4 limit $5"
    ))
    .bind(tx.org_id().0)
    .bind(filter.archived)
    .bind(filter.kind.map(|k| k.as_str()))
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// One issue (archived ones too: history stays readable).
pub async fn get_issue(tx: &mut OrgTx, id: ContextIssueId) -> sqlx::Result<Option<IssueRow>> {
    sqlx::query_as::<_, IssueRow>(concat!(select_issues!(), " where org_id = $1 and issue_id = $2"))
        .bind(tx.org_id().0)
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
}

/// Adds an issue and records it.
pub async fn create_issue(tx: &mut OrgTx, input: &IssueInput) -> WriteResult<IssueRow> {
    let id = ContextIssueId::new();
    sqlx::query(
        "insert into context_issues (org_id, issue_id, kind, title, description, effect) values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.effect)
    .execute(tx.conn())
    .await?;
    let row = get_issue(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit of an issue if the version matches, and records it.
pub async fn update_issue(
    tx: &mut OrgTx,
    id: ContextIssueId,
    input: &IssueInput,
    version: i32,
) -> WriteResult<IssueRow> {
    record::lock(tx, Register::ContextIssues, id.0).await?;
    let before = record::current(get_issue(tx, id).await?, version)?;
    sqlx::query(
        "update context_issues set kind = $3, title = $4, description = $5, effect = $6, version = version + 1
         where org_id = $1 and issue_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(input.kind.as_str())
    .bind(&input.title)
    .bind(&input.description)
    .bind(&input.effect)
    .execute(tx.conn())
    .await?;
    let after = get_issue(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}

macro_rules! select_parties {
    () => {
        "select party_id, name, requirements, addressed, how_addressed, created_at, updated_at, archived_at, version
         from interested_parties"
    };
}

// `$2`: archived ones too; `$3`: the decision, or null for any.
macro_rules! parties_where {
    () => {
        " where org_id = $1 and ($2 or archived_at is null) and ($3::text is null or addressed = $3)"
    };
}

/// One page of interested parties, by name.
pub async fn list_parties(tx: &mut OrgTx, filter: &PartyFilter, page: PageRequest) -> sqlx::Result<Paged<PartyRow>> {
    let total: i64 = sqlx::query_scalar(concat!("select count(*) from interested_parties", parties_where!()))
        .bind(tx.org_id().0)
        .bind(filter.archived)
        .bind(filter.addressed.map(|a| a.as_str()))
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query_as::<_, PartyRow>(concat!(
        select_parties!(),
        parties_where!(),
        " order by lower(name), party_id offset $4 limit $5"
    ))
    .bind(tx.org_id().0)
    .bind(filter.archived)
    .bind(filter.addressed.map(|a| a.as_str()))
    .bind(page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// One party (archived ones too: history stays readable).
pub async fn get_party(tx: &mut OrgTx, id: InterestedPartyId) -> sqlx::Result<Option<PartyRow>> {
    sqlx::query_as::<_, PartyRow>(concat!(select_parties!(), " where org_id = $1 and party_id = $2"))
        .bind(tx.org_id().0)
        .bind(id.0)
        .fetch_optional(tx.conn())
        .await
}

/// Adds a party and records it.
pub async fn create_party(tx: &mut OrgTx, input: &PartyInput) -> WriteResult<PartyRow> {
    let id = InterestedPartyId::new();
    sqlx::query(
        "insert into interested_parties (org_id, party_id, name, requirements, addressed, how_addressed)
         values ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(&input.name)
    .bind(&input.requirements)
    .bind(input.addressed.as_str())
    .bind(&input.how_addressed)
    .execute(tx.conn())
    .await?;
    let row = get_party(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::created(tx, &row).await?;
    Ok(row)
}

/// Saves an edit of a party if the version matches, and records it.
pub async fn update_party(
    tx: &mut OrgTx,
    id: InterestedPartyId,
    input: &PartyInput,
    version: i32,
) -> WriteResult<PartyRow> {
    record::lock(tx, Register::InterestedParties, id.0).await?;
    let before = record::current(get_party(tx, id).await?, version)?;
    sqlx::query(
        "update interested_parties set name = $3, requirements = $4, addressed = $5, how_addressed = $6,
                version = version + 1
         where org_id = $1 and party_id = $2",
    )
    .bind(tx.org_id().0)
    .bind(id.0)
    .bind(&input.name)
    .bind(&input.requirements)
    .bind(input.addressed.as_str())
    .bind(&input.how_addressed)
    .execute(tx.conn())
    .await?;
    let after = get_party(tx, id).await?.ok_or(WriteError::NotFound)?;
    record::updated(tx, &before, &after).await?;
    Ok(after)
}
