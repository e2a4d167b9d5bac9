//! The audit log: one entry per change, written in the change's own transaction, hash-chained
//! per organisation so that an edited or deleted entry is detectable (`aims audit verify`).

use crate::record::Entity;
use crate::{OrgScope, OrgTx};
use aims_domain::paging::{PageRequest, Paged};
use aims_domain::{OrgId, UserId};
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// What kind of change an entry records (mirrors the CHECK constraint on `audit_log.action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A new row.
    Create,
    /// A changed row.
    Update,
    /// A removed row (memberships, invitations; registers archive instead).
    Delete,
    /// An archived register row.
    Archive,
    /// An archived row brought back.
    Restore,
    /// An approval or sign-off.
    Approve,
}

impl AuditAction {
    /// The stored key.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Archive => "archive",
            AuditAction::Restore => "restore",
            AuditAction::Approve => "approve",
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// What happened.
    pub action: AuditAction,
    /// The kind of thing changed.
    pub entity: Entity,
    /// Its id.
    pub entity_id: String,
    /// One line for people ("Invited ada@example.com as auditor").
    pub summary: String,
    /// The row before the change (None for a creation).
    pub before: Option<Value>,
    /// The row after the change (None for a deletion).
    pub after: Option<Value>,
}

/// Appends an entry to the organisation's chain inside the caller's transaction.
pub async fn record(tx: &mut OrgTx, entry: AuditEntry) -> sqlx::Result<()> {
    let org_id = tx.org_id().0;
    let actor_id = tx.scope().user_id().0;
    let actor_name = tx.scope().user_name().to_string();
    // Serialises writers of one organisation's chain until commit; other organisations go on.
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('audit_log:' || $1::text, 0))")
        .bind(org_id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "with head as (
           select seq, hash from audit_log where org_id = $1 order by seq desc limit 1
         ), next as (
           select coalesce((select seq from head), 0) + 1 as seq,
                  coalesce((select hash from head), '\\x'::bytea) as prev_hash,
                  now() as created_at
         )
         insert into audit_log (org_id, seq, audit_id, actor_id, actor_name, action, entity_type,
                                entity_id, summary, before, after, created_at, prev_hash, hash)
         select $1, n.seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, n.created_at, n.prev_hash,
                audit_entry_hash(n.prev_hash, $1, n.seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, n.created_at)
         from next n",
    )
    .bind(org_id)
    .bind(Uuid::now_v7())
    .bind(actor_id)
    .bind(actor_name)
    .bind(entry.action.as_str())
    .bind(entry.entity.as_str())
    .bind(entry.entity_id)
    .bind(entry.summary)
    .bind(entry.before)
    .bind(entry.after)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// An entry as the audit-log page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the organisation's chain (1, 2, …).
    pub seq: i64,
    /// Who acted (None if the account was deleted since).
    pub actor_id: Option<Uuid>,
    /// The actor's name at the time.
    pub actor_name: String,
    /// `create`, `update`, …
    pub action: String,
    /// The kind of thing changed.
    pub entity_type: String,
    /// Its id.
    pub entity_id: String,
    /// One line for people.
    pub summary: String,
    /// Before the change.
    pub before: Option<Value>,
    /// After the change.
    pub after: Option<Value>,
    /// When.
    pub created_at: OffsetDateTime,
}

/// One page of the organisation's log, newest first. Sequence numbers are dense per
/// organisation, so the page is an index range on the primary key, however long the log.
pub async fn list(tx: &mut OrgTx, page: PageRequest) -> sqlx::Result<Paged<AuditRow>> {
    let total: i64 = sqlx::query_scalar("select coalesce(max(seq), 0) from audit_log where org_id = $1")
        .bind(tx.org_id().0)
        .fetch_one(tx.conn())
        .await?;
    let rows = sqlx::query_as::<_, AuditRow>(
        "select seq, actor_id, actor_name, action, entity_type, entity_id, summary, before, after, created_at
         from audit_log where org_id = $1 and seq <= $2 order by seq desc limit $3",
    )
    .bind(tx.org_id().0)
    .bind(total - page.offset())
    .bind(page.limit())
    .fetch_all(tx.conn())
    .await?;
    Ok(Paged { rows, request: page, total: total as u64 })
}

/// The latest entries about one entity, newest first (a row's history).
pub async fn for_entity(tx: &mut OrgTx, entity: Entity, entity_id: &str, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as::<_, AuditRow>(
        "select seq, actor_id, actor_name, action, entity_type, entity_id, summary, before, after, created_at
         from audit_log where org_id = $1 and entity_type = $2 and entity_id = $3
         order by seq desc limit $4",
    )
    .bind(tx.org_id().0)
    .bind(entity.as_str())
    .bind(entity_id)
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

/// The history of one step: its own edits and its tasks' ticks, newest first.
pub async fn for_step(tx: &mut OrgTx, number: u8, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as::<_, AuditRow>(
        "select seq, actor_id, actor_name, action, entity_type, entity_id, summary, before, after, created_at
         from audit_log
         where org_id = $1
           and ((entity_type = 'step' and entity_id = $2) or (entity_type = 'step_task' and entity_id like $2 || '/%'))
         order by seq desc limit $3",
    )
    .bind(tx.org_id().0)
    .bind(number.to_string())
    .bind(limit)
    .fetch_all(tx.conn())
    .await
}

/// The result of checking one organisation's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// The organisation.
    pub org_id: OrgId,
    /// Its slug, for people.
    pub slug: String,
    /// Entries checked.
    pub entries: i64,
    /// The first entry that does not verify, with the reason.
    pub first_broken: Option<(i64, &'static str)>,
}

/// Recomputes one organisation's chain inside a tenant transaction.
pub async fn verify(tx: &mut OrgTx) -> sqlx::Result<(i64, Option<(i64, &'static str)>)> {
    let rows: Vec<(i64, bool, bool, bool)> = sqlx::query_as(
        "select seq,
                hash = audit_entry_hash(prev_hash, org_id, seq, audit_id, actor_id, actor_name, action,
                                        entity_type, entity_id, summary, before, after, created_at),
                prev_hash = coalesce(lag(hash) over (order by seq), '\\x'::bytea),
                seq = row_number() over (order by seq)
         from audit_log where org_id = $1 order by seq",
    )
    .bind(tx.org_id().0)
    .fetch_all(tx.conn())
    .await?;
    let first_broken = rows.iter().find_map(|(seq, hash_ok, link_ok, seq_ok)| {
        if !seq_ok {
            Some((*seq, "an entry before this one is missing"))
        } else if !hash_ok {
            Some((*seq, "the entry was changed after it was written"))
        } else if !link_ok {
            Some((*seq, "the link to the previous entry is broken"))
        } else {
            None
        }
    });
    Ok((rows.len() as i64, first_broken))
}

/// Checks every organisation's chain (for `aims audit verify`). Each organisation is read in its
/// own tenant transaction, so this works under any database role the app may use.
pub async fn verify_all(pool: &PgPool) -> sqlx::Result<Vec<ChainReport>> {
    let orgs: Vec<(Uuid, String)> =
        sqlx::query_as("select org_id, slug from organisations order by slug").fetch_all(pool).await?;
    let mut reports = Vec::with_capacity(orgs.len());
    for (org_id, slug) in orgs {
        let scope = OrgScope::new(
            OrgId(org_id),
            UserId(Uuid::nil()),
            "aims audit verify".into(),
            aims_domain::Role::Auditor,
            OffsetDateTime::now_utc().date(),
        );
        let mut tx = scope.begin(pool).await?;
        let (entries, first_broken) = verify(&mut tx).await?;
        tx.commit().await?;
        reports.push(ChainReport { org_id: OrgId(org_id), slug, entries, first_broken });
    }
    Ok(reports)
}
