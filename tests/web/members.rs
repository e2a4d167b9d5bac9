//! Invitations, roles, the last owner, stale edits, auditor access that ends.

use crate::helpers::{PASSWORD, TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_invitation_link_signs_the_invitee_up_and_adds_the_membership(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let link = app.invite(&owner, "acme", "Audrey@Audit.test", "auditor", "2099-12-31").await;
    assert!(link.starts_with("/invitations/") && link.len() > 40);

    let audrey = app.client();
    let (status, html) = audrey.get_html(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Join Workspace acme") && html.contains("audrey@audit.test"));
    let res = audrey
        .post_form(
            "/signup",
            &[("name", "Audrey"), ("email", "audrey@audit.test"), ("password", PASSWORD), ("next", &link)],
        )
        .await;
    assert_eq!(location(&res), "/o/acme/");
    let (_, members) = audrey.get_html("/o/acme/members").await;
    assert!(members.contains("Audrey") && members.contains("2099-12-31"));
    // The link works once.
    let (status, html) = app.client().get_html(&link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("This invitation is not valid"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_existing_user_signs_in_through_the_link(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    app.signup("Bob", "bob@example.com").await;
    let link = app.invite(&owner, "acme", "bob@example.com", "implementer", "").await;
    let bob = app.client();
    let res = bob.post_form("/login", &[("email", "bob@example.com"), ("password", PASSWORD), ("next", &link)]).await;
    assert_eq!(location(&res), "/o/acme/");
    // Someone signed in with another account cannot use it.
    let link = app.invite(&owner, "acme", "carol@example.com", "implementer", "").await;
    let res = bob.post_form(&link, &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("this invitation is for carol@example.com"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn invitations_are_validated_and_members_are_not_invited_twice(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team
        .owner
        .post_form(
            "/o/acme/invitations",
            &[("email", "not-an-email"), ("role", "implementer"), ("access_until", "2099-01-01")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"not-an-email\"") && html.contains("value=\"2099-01-01\""));
    assert!(html.contains("Only auditor access has an end date"));
    let res = team
        .owner
        .post_form(
            "/o/acme/invitations",
            &[("email", "implementer@acme.test"), ("role", "implementer"), ("access_until", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("This person is a member already."));
    // Implementers cannot invite; consultants cannot create owners.
    let res = team
        .implementer
        .post_form("/o/acme/invitations", &[("email", "x@example.com"), ("role", "implementer"), ("access_until", "")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = team
        .consultant
        .post_form("/o/acme/invitations", &[("email", "x@example.com"), ("role", "owner"), ("access_until", "")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Only an owner can make, demote or remove owners."));
    let res = team
        .consultant
        .post_form("/o/acme/invitations", &[("email", "x@example.com"), ("role", "auditor"), ("access_until", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "consultants invite non-owners");
}

async fn member_version(app: &TestApp, email: &str) -> (String, String) {
    let id = app.user_id(email).await;
    let version: i32 = sqlx::query_scalar("select version from memberships where user_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    (id.to_string(), version.to_string())
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_last_owner_can_never_be_removed_or_demoted(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (owner_id, version) = member_version(&app, "owner@acme.test").await;
    let res = team
        .owner
        .post_form(
            &format!("/o/acme/members/{owner_id}"),
            &[("role", "consultant"), ("access_until", ""), ("version", &version)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("A workspace needs at least one owner"));
    let res = team.owner.post_form(&format!("/o/acme/members/{owner_id}/remove"), &[("version", &version)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // With a second owner, the first may step down.
    let (consultant_id, cv) = member_version(&app, "consultant@acme.test").await;
    let res = team
        .owner
        .post_form(
            &format!("/o/acme/members/{consultant_id}"),
            &[("role", "owner"), ("access_until", ""), ("version", &cv)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = team
        .owner
        .post_form(
            &format!("/o/acme/members/{owner_id}"),
            &[("role", "consultant"), ("access_until", ""), ("version", &version)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let roles: Vec<String> =
        sqlx::query_scalar("select role from memberships where role = 'owner'").fetch_all(&app.pool).await.unwrap();
    assert_eq!(roles.len(), 1);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_role_change_is_refused_with_409_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (id, version) = member_version(&app, "implementer@acme.test").await;
    let res = team
        .consultant
        .post_form(
            &format!("/o/acme/members/{id}"),
            &[("role", "auditor"), ("access_until", ""), ("version", &version)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The owner's form still carries the old version.
    let res = team
        .owner
        .post_form(
            &format!("/o/acme/members/{id}"),
            &[("role", "consultant"), ("access_until", ""), ("version", &version)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone changed this member first") && html.contains("Reload the members"));
    let role: String = sqlx::query_scalar("select role from memberships where user_id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(role, "auditor");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn removing_a_member_ends_their_access(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (id, version) = member_version(&app, "implementer@acme.test").await;
    assert_eq!(team.implementer.get("/o/acme/").await.status(), StatusCode::OK);
    let res = team.consultant.post_form(&format!("/o/acme/members/{id}/remove"), &[("version", &version)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(team.implementer.get("/o/acme/").await.status(), StatusCode::NOT_FOUND);
    let (_, log) = team.owner.get_html("/o/acme/audit-log").await;
    assert!(log.contains("Removed implementer of acme (implementer)"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn expired_auditor_access_behaves_as_no_membership(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    assert_eq!(team.auditor.get("/o/acme/").await.status(), StatusCode::OK);
    let id = app.user_id("auditor@acme.test").await;
    sqlx::query("update memberships set access_until = current_date - 1 where user_id = $1")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (status, html) = team.auditor.get_html("/o/acme/").await;
    let (_, missing) = team.auditor.get_html("/o/no-such-workspace/").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(html, missing, "the same page as for a workspace that does not exist");
    let (_, orgs) = team.auditor.get_html("/orgs").await;
    assert!(!orgs.contains("/o/acme/"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_revoked_invitation_no_longer_works(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let link = app.invite(&owner, "acme", "eve@example.com", "implementer", "").await;
    let id: uuid::Uuid =
        sqlx::query_scalar("select invitation_id from invitations").fetch_one(&app.pool).await.unwrap();
    let res = owner.post_form(&format!("/o/acme/invitations/{id}/revoke"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.client().get(&link).await.status(), StatusCode::NOT_FOUND);
}
