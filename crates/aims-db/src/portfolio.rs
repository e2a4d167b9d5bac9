//! Views across all of one user's workspaces (the consultant's portfolio, "my work"). They run in
//! a read-only transaction whose row-level-security scope is exactly the user's own memberships,
//! computed inside the database, so a constant number of queries serves any number of workspaces.

use aims_domain::UserId;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::Date;
use uuid::Uuid;

/// A read-only transaction over every workspace the user belongs to.
pub struct PortfolioTx {
    tx: Transaction<'static, Postgres>,
}

impl PortfolioTx {
    /// Opens it: the app role, no single tenant, and the list of the user's current workspaces.
    pub async fn begin(pool: &PgPool, user_id: UserId) -> sqlx::Result<Self> {
        let mut tx = pool.begin().await?;
        sqlx::query("set transaction read only").execute(&mut *tx).await?;
        // One round trip: the user's current workspaces, then the app role (`SET LOCAL ROLE`).
        sqlx::query(
            "select set_config('app.portfolio_org_ids',
               coalesce((select string_agg(org_id::text, ',') from memberships
                         where user_id = $1 and (access_until is null or access_until >= current_date)), ''),
               true),
               set_config('role', 'aims_app', true)",
        )
        .bind(user_id.0)
        .execute(&mut *tx)
        .await?;
        Ok(Self { tx })
    }

    fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Ends the transaction.
    pub async fn finish(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

/// One workspace in the portfolio.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PortfolioRow {
    /// The workspace.
    pub org_id: Uuid,
    /// URL name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The user's role there.
    pub role: String,
    /// Target certification date.
    pub target_certification_date: Option<Date>,
    /// Today in the workspace's time zone.
    pub today: Date,
    /// Status keys of steps 1 to 18.
    pub step_statuses: Vec<String>,
    /// Open actions past due.
    pub overdue_actions: i64,
    /// Steps past due and not done.
    pub overdue_steps: i64,
    /// The earliest due date of open actions and unfinished steps.
    pub next_due: Option<Date>,
}

/// A closed task of some workspace (progress is computed by the domain rules).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClosedTask {
    /// The workspace.
    pub org_id: Uuid,
    /// The step.
    pub step_number: i16,
    /// The task key.
    pub task_key: String,
}

/// The portfolio in two queries, whatever the number of workspaces.
pub async fn overview(tx: &mut PortfolioTx, user_id: UserId) -> sqlx::Result<(Vec<PortfolioRow>, Vec<ClosedTask>)> {
    let rows = sqlx::query_as::<_, PortfolioRow>(
        "with mine as (
           select o.org_id, o.slug, o.name, m.role, o.target_certification_date,
                  (now() at time zone o.time_zone)::date as today
           from memberships m join organisations o using (org_id)
           where m.user_id = $1 and (m.access_until is null or m.access_until >= current_date)
         ),
         step_stats as (
           select s.org_id,
                  array_agg(s.status order by s.step_number) as step_statuses,
                  count(*) filter (where s.status <> 'done' and s.due_date < mine.today) as overdue_steps,
                  min(s.due_date) filter (where s.status <> 'done') as next_step_due
           from steps s join mine using (org_id)
           group by s.org_id
         ),
         action_stats as (
           select a.org_id,
                  count(*) filter (where a.due_date < mine.today) as overdue_actions,
                  min(a.due_date) as next_action_due
           from actions a join mine using (org_id)
           where a.archived_at is null and a.status in ('open', 'in_progress')
           group by a.org_id
         )
         select mine.org_id, mine.slug, mine.name, mine.role, mine.target_certification_date, mine.today,
                coalesce(ss.step_statuses, '{}') as step_statuses,
                coalesce(ac.overdue_actions, 0) as overdue_actions,
                coalesce(ss.overdue_steps, 0) as overdue_steps,
                least(ss.next_step_due, ac.next_action_due) as next_due
         from mine
         left join step_stats ss using (org_id)
         left join action_stats ac using (org_id)
         order by lower(mine.name), mine.slug",
    )
    .bind(user_id.0)
    .fetch_all(tx.conn())
    .await?;
    let closed = sqlx::query_as::<_, ClosedTask>("select org_id, step_number, task_key from step_tasks")
        .fetch_all(tx.conn())
        .await?;
    Ok((rows, closed))
}

/// Something assigned to the user in one of their workspaces.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkItem {
    /// `step` or `action`.
    pub kind: String,
    /// Workspace slug.
    pub slug: String,
    /// Workspace name.
    pub org_name: String,
    /// Step number, or the action's id.
    pub item_id: String,
    /// `Step 3` or `ACT-007`.
    pub reference: String,
    /// Title (the step title is filled in from the catalogue).
    pub title: String,
    /// Status key.
    pub status: String,
    /// Due date.
    pub due_date: Option<Date>,
    /// Past due in the workspace's time zone.
    pub overdue: bool,
}

impl WorkItem {
    // A work item is a step or an action; their status keys share one meaning where they overlap.
    fn typed_status(&self) -> Option<(&'static str, aims_domain::Tone)> {
        use aims_domain::roadmap::{ActionStatus, StepStatus};
        ActionStatus::try_from(self.status.clone())
            .map(|s| (s.label(), s.tone()))
            .or_else(|_| StepStatus::try_from(self.status.clone()).map(|s| (s.label(), s.tone())))
            .ok()
    }

    /// The status as people read it.
    pub fn status_label(&self) -> String {
        self.typed_status().map_or_else(|| self.status.replace('_', " "), |(label, _)| label.to_string())
    }

    /// The status badge's tone.
    pub fn tone(&self) -> aims_domain::Tone {
        self.typed_status().map_or(aims_domain::Tone::Neutral, |(_, tone)| tone)
    }
}

/// Steps the user owns that are not done and open actions they own, overdue first, then by due date.
pub async fn my_work(tx: &mut PortfolioTx, user_id: UserId) -> sqlx::Result<Vec<WorkItem>> {
    sqlx::query_as::<_, WorkItem>(
        "select * from (
           select 'step' as kind, o.slug, o.name as org_name, s.step_number::text as item_id,
                  'Step ' || s.step_number as reference, '' as title, s.status, s.due_date,
                  coalesce(s.due_date < (now() at time zone o.time_zone)::date, false) as overdue
           from steps s join organisations o using (org_id)
           where s.owner_id = $1 and s.status <> 'done'
           union all
           select 'action', o.slug, o.name, a.action_id::text, 'ACT-' || lpad(a.ref_no::text, 3, '0'), a.title,
                  a.status, a.due_date,
                  coalesce(a.due_date < (now() at time zone o.time_zone)::date, false)
           from actions a join organisations o using (org_id)
           where a.owner_id = $1 and a.archived_at is null and a.status in ('open', 'in_progress')
         ) w
         order by w.overdue desc, w.due_date asc nulls last, w.org_name, w.reference
         limit 500",
    )
    .bind(user_id.0)
    .fetch_all(tx.conn())
    .await
}
