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
    Ok(true)
}
