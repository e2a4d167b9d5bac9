//! (being built) ai_systems.

use crate::OrgTx;
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
