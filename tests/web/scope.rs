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
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains("Unit A") && html.contains("Unit B"), "the stored text beside the user's");
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
    assert!(log.contains("Archived AI Act readiness") && log.contains("Created Supervisory authority"));
}

async fn add_issue(app: &TestApp, client: &crate::helpers::Client, title: &str) -> uuid::Uuid {
    let issue = [("kind", "external"), ("title", title), ("description", ""), ("effect", "")];
    let res = client.post_form("/o/acme/scope/issues", &issue).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: uuid::Uuid = sqlx::query_scalar("select issue_id from context_issues where title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(location(&res), format!("/o/acme/scope/issues/{id}"), "a new issue opens on its page");
    id
}

async fn add_party(app: &TestApp, client: &crate::helpers::Client, name: &str) -> uuid::Uuid {
    let party = [("name", name), ("requirements", ""), ("addressed", "no"), ("how_addressed", "")];
    let res = client.post_form("/o/acme/scope/parties", &party).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    sqlx::query_scalar("select party_id from interested_parties where name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn archived_issues_and_parties_are_read_only_until_restored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let issue = add_issue(&app, &team.implementer, "Data protection law").await;
    let party = add_party(&app, &team.implementer, "Works council").await;
    for (row, list, title) in [
        (format!("scope/issues/{issue}"), "scope/issues", "Data protection law"),
        (format!("scope/parties/{party}"), "scope/parties", "Works council"),
    ] {
        let res = team.implementer.post_form(&format!("/o/acme/{row}/archive"), &[("version", "1")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{row}");
        assert_eq!(location(&res), format!("/o/acme/{list}"));

        // Gone from the list and the overview, back with "show archived", with a badge.
        let (_, html) = team.auditor.get_html(&format!("/o/acme/{list}")).await;
        assert!(!html.contains(title), "{list} hides archived rows");
        let (_, html) = team.auditor.get_html("/o/acme/scope").await;
        assert!(!html.contains(title), "the overview hides archived rows");
        let (_, html) = team.auditor.get_html(&format!("/o/acme/{list}?archived=yes")).await;
        assert!(html.contains(title) && html.contains(">archived<"), "{list}?archived=yes shows it");

        // Its page is read-only: the banner and Restore, no Edit or Archive.
        let (status, html) = team.implementer.get_html(&format!("/o/acme/{row}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Archived</strong> by implementer of acme"), "{row}: who archived it");
        assert!(html.contains(&format!("/o/acme/{row}/restore")) && html.contains(">Restore<"));
        assert!(!html.contains(&format!("/o/acme/{row}/edit")) && !html.contains(&format!("/o/acme/{row}/archive")));
        let (_, html) = team.auditor.get_html(&format!("/o/acme/{row}")).await;
        assert!(!html.contains(">Restore<"), "an auditor may not restore");

        // Edit form, edit post and a second archive answer 409 with the row page.
        let res = team.implementer.get(&format!("/o/acme/{row}/edit")).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);
        assert!(res.text().await.unwrap().contains(">Restore<"));
        let res = team.implementer.post_form(&format!("/o/acme/{row}/archive"), &[("version", "2")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT);

        // Restore brings it back, editable.
        assert_eq!(
            team.auditor.post_form(&format!("/o/acme/{row}/restore"), &[("version", "2")]).await.status(),
            StatusCode::FORBIDDEN
        );
        let res = team.implementer.post_form(&format!("/o/acme/{row}/restore"), &[("version", "2")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/o/acme/{row}"));
        let (_, html) = team.auditor.get_html(&format!("/o/acme/{list}")).await;
        assert!(html.contains(title), "{list} shows the restored row");
        let (_, html) = team.implementer.get_html(&format!("/o/acme/{row}")).await;
        assert!(html.contains(&format!("/o/acme/{row}/edit")) && html.contains("Restored "));
        assert_eq!(team.implementer.get(&format!("/o/acme/{row}/edit")).await.status(), StatusCode::OK);
    }
    let (_, log) = team.auditor.get_html("/o/acme/audit-log").await;
    assert!(log.contains("Restored Data protection law") && log.contains("Restored Works council"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn editing_an_archived_issue_or_party_answers_409_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let issue = add_issue(&app, &team.implementer, "Supplier lock-in").await;
    let party = add_party(&app, &team.implementer, "Customers").await;
    let archive = [("version", "1")];
    assert_eq!(
        team.owner.post_form(&format!("/o/acme/scope/issues/{issue}/archive"), &archive).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        team.owner.post_form(&format!("/o/acme/scope/parties/{party}/archive"), &archive).await.status(),
        StatusCode::SEE_OTHER
    );
    let edit = [("kind", "internal"), ("title", "Renamed"), ("description", ""), ("effect", ""), ("version", "2")];
    let res = team.implementer.post_form(&format!("/o/acme/scope/issues/{issue}"), &edit).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Supplier lock-in") && html.contains(">Restore<"), "the read-only row page");
    // Even an invalid edit of an archived row gets the row page, not the form.
    let bad = [("kind", "internal"), ("title", ""), ("version", "2")];
    let res = team.implementer.post_form(&format!("/o/acme/scope/issues/{issue}"), &bad).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let edit =
        [("name", "Renamed"), ("requirements", ""), ("addressed", "yes"), ("how_addressed", ""), ("version", "2")];
    let res = team.implementer.post_form(&format!("/o/acme/scope/parties/{party}"), &edit).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains(">Restore<"));
    let renamed: i64 = sqlx::query_scalar(
        "select (select count(*) from context_issues where title = 'Renamed')
              + (select count(*) from interested_parties where name = 'Renamed')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(renamed, 0);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_issue_or_party_edit_shows_the_stored_values_beside_yours(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let issue = add_issue(&app, &team.implementer, "Skills shortage").await;
    let party = add_party(&app, &team.implementer, "Regulator").await;
    let theirs = [
        ("kind", "internal"),
        ("title", "Skills gap in ML ops"),
        ("description", ""),
        ("effect", ""),
        ("version", "1"),
    ];
    assert_eq!(
        team.consultant.post_form(&format!("/o/acme/scope/issues/{issue}"), &theirs).await.status(),
        StatusCode::SEE_OTHER
    );
    let mine =
        [("kind", "external"), ("title", "Hiring market"), ("description", ""), ("effect", "Slower"), ("version", "1")];
    let res = team.implementer.post_form(&format!("/o/acme/scope/issues/{issue}"), &mine).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains("<td>Skills gap in ML ops</td><td>Hiring market</td>"), "stored beside yours");
    assert!(html.contains("<td>Internal</td><td>External</td>"));
    assert!(html.contains("name=\"version\" value=\"2\""), "the form now edits the stored version");
    assert!(html.contains("value=\"Hiring market\""), "the user's values stay in the form");
    let title: String = sqlx::query_scalar("select title from context_issues").fetch_one(&app.pool).await.unwrap();
    assert_eq!(title, "Skills gap in ML ops");

    let theirs = [
        ("name", "Data protection authority"),
        ("requirements", ""),
        ("addressed", "yes"),
        ("how_addressed", ""),
        ("version", "1"),
    ];
    assert_eq!(
        team.consultant.post_form(&format!("/o/acme/scope/parties/{party}"), &theirs).await.status(),
        StatusCode::SEE_OTHER
    );
    let mine = [
        ("name", "Regulator"),
        ("requirements", "Audits"),
        ("addressed", "partly"),
        ("how_addressed", ""),
        ("version", "1"),
    ];
    let res = team.implementer.post_form(&format!("/o/acme/scope/parties/{party}"), &mine).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("<td>Data protection authority</td><td>Regulator</td>"));
    assert!(html.contains("<td>Addressed</td><td>Partly addressed</td>"));
    let (_, log) = team.auditor.get_html("/o/acme/audit-log").await;
    assert!(log.contains("Updated Skills gap in ML ops") && log.contains("Updated Data protection authority"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn issue_and_party_forms_use_the_declared_limits(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (_, form) = team.implementer.get_html("/o/acme/scope/issues/new").await;
    assert!(form.contains("maxlength=\"300\"") && form.contains("maxlength=\"20000\""));
    let long = "x".repeat(301);
    let res = team
        .implementer
        .post_form("/o/acme/scope/parties", &[("name", long.as_str()), ("addressed", "yes"), ("requirements", "kept")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("At most 300 characters (this has 301).") && html.contains(">\nkept</textarea>"));
    let (_, scope) = team.implementer.get_html("/o/acme/scope/edit").await;
    assert!(scope.contains("maxlength=\"50000\""));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_issue_filter_narrows_the_list(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    add_issue(&app, &team.implementer, "Market pressure").await;
    let (_, html) = team.auditor.get_html("/o/acme/scope/issues?kind=internal").await;
    assert!(html.contains("No issues match these filters") && html.contains("hx-get=\"/o/acme/scope/issues\""));
    let (_, html) = team.auditor.get_html("/o/acme/scope/issues?kind=external").await;
    assert!(html.contains("Market pressure"));
}
