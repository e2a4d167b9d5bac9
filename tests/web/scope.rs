//! Scope and context: the scope statement's draft and approved versions, issues and parties.

use crate::helpers::{TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

fn scope_fields<'a>(units: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("units", units),
        ("sites", "Zurich\nLisbon"),
        ("ai_systems_covered", "AI-001 Credit scoring"),
        ("lifecycle_stages", "Design to retirement"),
        ("ai_roles", "Provider"),
        ("exclusions", "Marketing chatbot: run by a supplier, outside our control"),
        ("interfaces", "Cloud hosting provider"),
        ("climate_relevant", "no"),
        ("climate_reason", "Our AI workloads are small."),
        ("version", version),
    ]
}

async fn draft_version(app: &TestApp) -> String {
    let v: i32 = sqlx::query_scalar("select version from scope_versions where status = 'draft'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    v.to_string()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_draft_is_approved_by_an_owner_and_older_versions_stay_readable(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    // Several pages of text with line breaks and markup survive as typed.
    let long = format!("Retail banking <b>unit</b>\n{}", "Line of scope text that goes on.\n".repeat(900));
    let res = team.implementer.post_form("/o/acme/scope", &scope_fields(&long, "0")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/scope");
    let stored: String = sqlx::query_scalar("select units from scope_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, long);

    let (_, page) = team.auditor.get_html("/o/acme/scope").await;
    assert!(page.contains("No approved scope yet") && page.contains("Version 1, started by implementer of acme"));
    assert!(page.contains("Retail banking &#60;b&#62;unit&#60;/b&#62;"), "markup is escaped");

    let version = draft_version(&app).await;
    let approve = [("version_no", "1"), ("version", version.as_str())];
    let res = team.consultant.post_form("/o/acme/scope/approve", &approve).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "only an owner approves");
    assert!(res.text().await.unwrap().contains("Only an owner of this workspace can approve."));
    assert_eq!(team.owner.post_form("/o/acme/scope/approve", &approve).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html("/o/acme/scope").await;
    assert!(page.contains("Version 1, approved by Owner of acme on"));

    // Editing again starts version 2 from the approved text; version 1 stays as it was.
    let (_, form) = team.implementer.get_html("/o/acme/scope/edit").await;
    assert!(form.contains("New draft of the scope statement") && form.contains("name=\"version\" value=\"0\""));
    assert!(form.contains("Cloud hosting provider"), "the draft starts from the approved text");
    let res = team.implementer.post_form("/o/acme/scope", &scope_fields("Retail and private banking", "0")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let version = draft_version(&app).await;
    let res =
        team.owner.post_form("/o/acme/scope/approve", &[("version_no", "2"), ("version", version.as_str())]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, v1) = team.auditor.get_html("/o/acme/scope/versions/1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(v1.contains("superseded") && v1.contains("Retail banking &#60;b&#62;unit"));
    let (_, v2) = team.auditor.get_html("/o/acme/scope/versions/2").await;
    assert!(v2.contains(">approved<") && v2.contains("Retail and private banking"));
    assert_eq!(team.auditor.get("/o/acme/scope/versions/3").await.status(), StatusCode::NOT_FOUND);
    let approvals: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'approve'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(approvals, 2);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_bad_or_stale_scope_edit_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let mut fields = scope_fields("", "0");
    fields[2] = ("ai_systems_covered", "");
    fields[8] = ("climate_reason", "");
    let res = team.consultant.post_form("/o/acme/scope", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Name at least the units or the AI systems"));
    assert!(html.contains("Record why, so an auditor can follow the decision."));
    assert!(html.contains(">\nZurich\nLisbon</textarea>"), "typed text is kept with its line breaks");

    assert_eq!(
        team.consultant.post_form("/o/acme/scope", &scope_fields("Unit A", "0")).await.status(),
        StatusCode::SEE_OTHER
    );
    // Someone else saved first: version 0 is stale now that a draft exists.
    let res = team.implementer.post_form("/o/acme/scope", &scope_fields("Unit B", "0")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("Someone saved the draft"));
    let units: String = sqlx::query_scalar("select units from scope_versions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(units, "Unit A");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn issues_and_interested_parties_are_kept_and_archived(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team
        .implementer
        .post_form("/o/acme/scope/issues", &[("kind", "external"), ("title", " "), ("effect", "kept")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains(">\nkept</textarea>"));
    let issue =
        [("kind", "external"), ("title", "EU AI Act obligations"), ("description", ""), ("effect", "High-risk duties")];
    assert_eq!(team.implementer.post_form("/o/acme/scope/issues", &issue).await.status(), StatusCode::SEE_OTHER);
    let party = [
        ("name", "Supervisory authority"),
        ("requirements", "Explainable credit decisions"),
        ("addressed", "partly"),
        ("how_addressed", ""),
    ];
    assert_eq!(team.implementer.post_form("/o/acme/scope/parties", &party).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html("/o/acme/scope").await;
    assert!(
        page.contains("EU AI Act obligations")
            && page.contains("Supervisory authority")
            && page.contains("Partly addressed")
    );

    let id: uuid::Uuid = sqlx::query_scalar("select issue_id from context_issues").fetch_one(&app.pool).await.unwrap();
    let edit =
        [("kind", "internal"), ("title", "AI Act readiness"), ("description", ""), ("effect", ""), ("version", "1")];
    assert_eq!(
        team.consultant.post_form(&format!("/o/acme/scope/issues/{id}"), &edit).await.status(),
        StatusCode::SEE_OTHER
    );
    let res = team.implementer.post_form(&format!("/o/acme/scope/issues/{id}"), &edit).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "version 1 is stale");
    let res = team.owner.post_form(&format!("/o/acme/scope/issues/{id}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, issues) = team.auditor.get_html("/o/acme/scope/issues").await;
    assert!(!issues.contains("AI Act readiness") && issues.contains("No issues recorded"));
    let (_, log) = team.auditor.get_html("/o/acme/audit-log").await;
    assert!(log.contains("Archived the issue “AI Act readiness”") && log.contains("Added the interested party"));
}
