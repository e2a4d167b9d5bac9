//! Per-workspace human references (`ACT-007`, `AI-003`, `OBJ-002`): the next number of a
//! register, handed out one at a time per workspace.

use crate::OrgTx;

/// A register with human reference numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefRegister {
    /// The implementation plan (`ACT-`).
    Actions,
    /// The AI system inventory (`AI-`).
    AiSystems,
    /// AI objectives (`OBJ-`).
    Objectives,
    /// AIMS roles (`ROLE-`).
    AimsRoles,
}

impl RefRegister {
    /// The reference prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            RefRegister::Actions => "ACT",
            RefRegister::AiSystems => "AI",
            RefRegister::Objectives => "OBJ",
            RefRegister::AimsRoles => "ROLE",
        }
    }

    fn max_sql(self) -> &'static str {
        match self {
            RefRegister::Actions => "select coalesce(max(ref_no), 0) + 1 from actions where org_id = $1",
            RefRegister::AiSystems => "select coalesce(max(ref_no), 0) + 1 from ai_systems where org_id = $1",
            RefRegister::Objectives => "select coalesce(max(ref_no), 0) + 1 from objectives where org_id = $1",
            RefRegister::AimsRoles => "select coalesce(max(ref_no), 0) + 1 from aims_roles where org_id = $1",
        }
    }
}

/// Formats a reference: `AI-003`.
pub fn format_ref(register: RefRegister, ref_no: i32) -> String {
    format!("{}-{ref_no:03}", register.prefix())
}

/// The next number of a register. Holds a transaction-level lock per workspace and register, so
/// concurrent creations get distinct numbers; call it right before the insert.
pub async fn next_ref_no(tx: &mut OrgTx, register: RefRegister) -> sqlx::Result<i32> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($2 || ':' || $1::text, 0))")
        .bind(tx.org_id().0)
        .bind(register.prefix())
        .execute(tx.conn())
        .await?;
    sqlx::query_scalar(register.max_sql()).bind(tx.org_id().0).fetch_one(tx.conn()).await
}
