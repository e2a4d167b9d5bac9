//! The demo workspace: one user per role, created through the same functions the pages use, so
//! the audit log and memberships look exactly like real ones.

use aims_db::invitations::NewInvitation;
use aims_db::users::{self, CreateUserError, UserRow};
use aims_domain::{Email, OrgName, OrgSlug, PersonName, Role, password};
use sqlx::PgPool;

/// The demo workspace's slug.
pub const DEMO_SLUG: &str = "demo";
/// The password of every demo account (printed; demo only).
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// One demo login.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    /// Role in the demo workspace.
    pub role: Role,
    /// Email to sign in with.
    pub email: String,
}

/// The demo accounts, by role.
pub fn demo_logins() -> Vec<DemoLogin> {
    Role::ALL.into_iter().map(|role| DemoLogin { role, email: format!("{}@demo.aims.test", role.as_str()) }).collect()
}

async fn demo_user(pool: &PgPool, email: &str, name: &str, hash: &str) -> anyhow::Result<UserRow> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    match users::create(pool, &email, &PersonName::parse(name).map_err(|e| anyhow::anyhow!("{e}"))?, hash).await {
        Ok(user) => Ok(user),
        Err(CreateUserError::EmailTaken) => {
            users::find_by_email(pool, &email).await?.ok_or_else(|| anyhow::anyhow!("user vanished"))
        }
        Err(CreateUserError::Db(e)) => Err(e.into()),
    }
}

/// Creates the demo workspace unless it exists. Returns whether it was created.
pub async fn seed_demo(pool: &PgPool) -> anyhow::Result<bool> {
    let slug = OrgSlug::parse(DEMO_SLUG).map_err(|e| anyhow::anyhow!("{e}"))?;
    if aims_db::orgs::slug_taken(pool, &slug).await? {
        return Ok(false);
    }
    let hash = tokio::task::spawn_blocking(|| password::hash(DEMO_PASSWORD)).await?;
    let names = ["Olivia Owner", "Conrad Consultant", "Imani Implementer", "Aurelio Auditor"];
    let mut accounts = Vec::new();
    for (login, name) in demo_logins().into_iter().zip(names) {
        accounts.push((login.role, demo_user(pool, &login.email, name, &hash).await?));
    }
    let (_, owner) = &accounts[0];
    let org = aims_db::orgs::create(
        pool,
        owner.id(),
        &owner.name,
        &OrgName::parse("Demo Health AI Ltd").map_err(|e| anyhow::anyhow!("{e}"))?,
        &slug,
    )
    .await?;
    // The others join the way real members do: an invitation from the owner, then acceptance.
    let access = aims_db::membership::authorize(pool, owner.id(), &org.slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("owner has no access"))?;
    for (role, user) in &accounts[1..] {
        let token = format!("demo-{}-{}", role.as_str(), uuid::Uuid::new_v4());
        let access_until = (*role == Role::Auditor)
            .then(|| time::OffsetDateTime::now_utc().date().saturating_add(time::Duration::days(90)));
        let mut tx = access.scope.begin(pool).await?;
        let email = Email::parse(&user.email).map_err(|e| anyhow::anyhow!("{e}"))?;
        aims_db::invitations::create(&mut tx, &NewInvitation { email, role: *role, access_until }, &token).await?;
        tx.commit().await?;
        aims_db::invitations::accept(pool, &token, user.id(), &user.name, &user.email).await?;
    }
    seed_work(pool, &access.scope, accounts[2].1.user_id).await?;
    seed_roles(pool, &access.scope, owner.id().0, accounts[2].1.user_id).await?;
    Ok(true)
}

/// A little work in progress so the demo has something to look at: two AI systems, ticked
/// tasks of step 1, three actions (one overdue) and a target certification date.
async fn seed_work(pool: &PgPool, owner: &aims_db::OrgScope, implementer: uuid::Uuid) -> anyhow::Result<()> {
    use aims_db::actions::ActionInput;
    use aims_db::ai_systems::AiSystemInput;
    use aims_domain::registers::{AiRole, AutomationLevel, LifecycleStage, RiskTier};
    use aims_domain::roadmap::{ActionStatus, Priority, TaskState};
    let today = time::OffsetDateTime::now_utc().date();
    let mut tx = owner.begin(pool).await?;
    for (name, tier, role) in [
        ("Sepsis early-warning score", RiskTier::High, AiRole::Provider),
        ("Clinical notes summariser", RiskTier::Limited, AiRole::Customer),
    ] {
        let input = AiSystemInput {
            name: name.into(),
            purpose: "Demo system".into(),
            intended_use: String::new(),
            known_misuse: String::new(),
            ai_role: role,
            lifecycle_stage: LifecycleStage::OperationMonitoring,
            technique: "Machine learning".into(),
            personal_data: true,
            personal_data_categories: "Health data".into(),
            automation_level: AutomationLevel::HumanInTheLoop,
            human_oversight: "A clinician confirms every alert.".into(),
            risk_tier: tier,
            owner_id: Some(implementer),
            in_scope: true,
            supplier: String::new(),
        };
        aims_db::ai_systems::create(&mut tx, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let step1 = aims_domain::catalogue::catalogue().step(1).ok_or_else(|| anyhow::anyhow!("no step 1"))?;
    for task in step1.tasks.iter().take(3) {
        aims_db::roadmap::close_task(&mut tx, 1, &task.key, TaskState::Done, "").await?;
    }
    for (title, due_in, priority) in [
        ("Draft the AI policy for board review", -3, Priority::High),
        ("Run the gap analysis workshop", 10, Priority::Medium),
        ("Choose a certification body", 45, Priority::Low),
    ] {
        let input = ActionInput {
            title: title.into(),
            description: String::new(),
            owner_id: Some(implementer),
            due_date: Some(today.saturating_add(time::Duration::days(due_in))),
            priority,
            status: ActionStatus::Open,
            step_number: Some(4),
        };
        aims_db::actions::create(&mut tx, &input, None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let settings = aims_db::orgs::Settings {
        name: OrgName::parse("Demo Health AI Ltd").map_err(|e| anyhow::anyhow!("{e}"))?,
        time_zone: "Europe/London".into(),
        target_certification_date: Some(today.saturating_add(time::Duration::days(180))),
    };
    aims_db::orgs::update_settings(&mut tx, &settings, 1).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok(())
}

/// The AIMS roles of the demo (the client's managing director as top management, the
/// implementer as AIMS manager, a named risk owner without an account) and a RACI matrix for the
/// planning steps.
async fn seed_roles(
    pool: &PgPool,
    owner: &aims_db::OrgScope,
    owner_id: uuid::Uuid,
    implementer: uuid::Uuid,
) -> anyhow::Result<()> {
    use aims_db::roles::{AimsRoleInput, RaciCell};
    use aims_domain::roles::{AimsRoleKind, Holder, RaciLetter};
    let today = time::OffsetDateTime::now_utc().date();
    let mut tx = owner.begin(pool).await?;
    let mut ids = Vec::new();
    for (kind, holder, job, duties) in [
        (
            AimsRoleKind::TopManagement,
            Holder::Member(owner_id),
            "Managing director",
            "Sets the AI policy and objectives, approves risk criteria and the SoA, chairs the management review.",
        ),
        (
            AimsRoleKind::AimsManager,
            Holder::Member(implementer),
            "Quality lead",
            "Runs the AIMS day to day, keeps the registers current and reports on performance.",
        ),
        (
            AimsRoleKind::RiskOwner,
            Holder::Person { name: "Dr Amara Okafor".into(), email: "amara.okafor@demo.aims.test".into() },
            "Chief medical information officer",
            "Owns the clinical AI risks and decides their treatment.",
        ),
    ] {
        let input = AimsRoleInput {
            kind,
            title: kind.label().into(),
            holder,
            holder_job_title: job.into(),
            appointed_on: Some(today.saturating_sub(time::Duration::days(30))),
            until: None,
            responsibilities: duties.into(),
            authorities: String::new(),
            system_ids: Vec::new(),
        };
        ids.push(aims_db::roles::create(&mut tx, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?.role_id);
    }
    let mut cells = Vec::new();
    for step in 1..=8_i16 {
        for (role, letter) in ids.iter().zip([RaciLetter::Accountable, RaciLetter::Responsible, RaciLetter::Consulted])
        {
            cells.push(RaciCell { step_number: step, role_id: *role, letter });
        }
    }
    aims_db::roles::save_raci(&mut tx, &cells, 0).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    Ok(())
}
