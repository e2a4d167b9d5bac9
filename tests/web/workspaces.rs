//! Creating workspaces, the portfolio list, the dashboard and the audit log.

use crate::helpers::{TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_user_creates_a_workspace_and_becomes_its_owner(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.signup("Ada", "ada@example.com").await;
    let res = ada.post_form("/orgs", &[("name", "Acme Bank AG"), ("slug", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme-bank-ag/", "the slug is derived from the name");
    let (status, html) = ada.get_html("/o/acme-bank-ag/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Acme Bank AG"));
    assert!(html.contains("created. You are its owner."), "a flash confirms it");
    assert!(html.contains("Created the workspace Acme Bank AG"), "the dashboard shows the activity");
    let (_, orgs) = ada.get_html("/orgs").await;
    assert!(orgs.contains("/o/acme-bank-ag/") && orgs.contains(">owner<"));
    // /o/{slug} without the slash goes to the dashboard.
    assert_eq!(location(&ada.get("/o/acme-bank-ag").await), "/o/acme-bank-ag/");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn workspace_names_and_slugs_are_validated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.owner_with_workspace("taken").await;
    let res = ada.post_form("/orgs", &[("name", "Another"), ("slug", "taken")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("This slug is taken"));
    assert!(html.contains("value=\"Another\""));
    let res = ada.post_form("/orgs", &[("name", ""), ("slug", "Bad Slug!")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter the organisation&#39;s name.") || html.contains("Enter the organisation's name."));
    assert!(html.contains("Use only lower-case letters, digits and hyphens."));
    assert!(html.contains("value=\"Bad Slug!\""));
    let orgs: i64 = sqlx::query_scalar("select count(*) from organisations").fetch_one(&app.pool).await.unwrap();
    assert_eq!(orgs, 1, "nothing half-written");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_portfolio_lists_only_the_users_workspaces_with_their_role(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("alpha").await;
    app.owner_with_workspace("beta").await;
    let (_, html) = team.auditor.get_html("/orgs").await;
    assert!(html.contains("/o/alpha/"));
    assert!(html.contains(">auditor<"));
    assert!(!html.contains("/o/beta/"), "another organisation's workspace is not listed");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_audit_log_shows_every_change_newest_first_and_pages(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("alpha").await;
    let (status, html) = team.auditor.get_html("/o/alpha/audit-log").await;
    assert_eq!(status, StatusCode::OK);
    // workspace + owner membership, then per member: invitation, acceptance, membership.
    assert!(html.contains("1–11 of 11"), "11 entries");
    let newest = html.find("auditor of alpha joined as auditor").unwrap();
    let oldest = html.find("Created the workspace Workspace alpha").unwrap();
    assert!(newest < oldest, "newest first");
    assert!(html.contains("Invited auditor@alpha.test as auditor"));
    let (_, page2) = team.auditor.get_html("/o/alpha/audit-log?page=2&per_page=5").await;
    assert!(page2.contains("6–10 of 11") && page2.contains("Page 2 of 3"));
    // The chain verifies.
    let reports = aims_db::audit::verify_all(&app.pool).await.unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none() && r.entries == 11));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_demo_has_one_user_per_role_and_is_seeded_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert!(aims_web::demo::seed_demo(&app.pool).await.unwrap(), "first run creates it");
    assert!(!aims_web::demo::seed_demo(&app.pool).await.unwrap(), "second run leaves it");
    let roles: Vec<String> = sqlx::query_scalar(
        "select m.role from memberships m join organisations o using (org_id) where o.slug = 'demo' order by m.role",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(roles, ["auditor", "consultant", "implementer", "owner"]);
    for login in aims_web::demo::demo_logins() {
        let client = app.client();
        let res = client
            .post_form("/login", &[("email", login.email.as_str()), ("password", aims_web::demo::DEMO_PASSWORD)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{} signs in", login.email);
        assert_eq!(client.get("/o/demo/").await.status(), StatusCode::OK);
    }
    let auditor = app.client();
    auditor
        .post_form("/login", &[("email", "auditor@demo.aims.test"), ("password", aims_web::demo::DEMO_PASSWORD)])
        .await;
    let (status, roles) = auditor.get_html("/o/demo/roles").await;
    assert_eq!(status, StatusCode::OK);
    assert!(roles.contains("ROLE-001") && roles.contains("Dr Amara Okafor"), "the demo has AIMS roles");
    let reports = aims_db::audit::verify_all(&app.pool).await.unwrap();
    assert!(reports.iter().all(|r| r.first_broken.is_none()));
}
