//! The implementation plan: create, validate, filter, sort, page, export, stale edits, archive.

use crate::helpers::{TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

async fn action_id(app: &TestApp, title: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("select action_id from actions where title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn actions_are_created_validated_and_listed_by_due_date(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team
        .implementer
        .post_form(
            "/o/acme/actions",
            &[
                ("title", "  "),
                ("due_date", "31/12/2026"),
                ("priority", "urgent"),
                ("status", "open"),
                ("description", "Keep me"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter a title.") && html.contains("Enter a date as YYYY-MM-DD."));
    assert!(html.contains("value=\"31/12/2026\"") && html.contains(">\nKeep me</textarea>"));

    let implementer = app.user_id("implementer@acme.test").await.to_string();
    for (title, due, step) in [("Later", "2099-03-01", "4"), ("Sooner", "2099-01-01", "5"), ("Undated", "", "")] {
        let res = team
            .implementer
            .post_form(
                "/o/acme/actions",
                &[
                    ("title", title),
                    ("due_date", due),
                    ("priority", "medium"),
                    ("status", "open"),
                    ("step", step),
                    ("owner_id", &implementer),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{title}");
        assert!(location(&res).starts_with("/o/acme/actions/"));
    }
    let (_, list) = team.auditor.get_html("/o/acme/actions").await;
    let (a, b, c) = (list.find("Sooner").unwrap(), list.find("Later").unwrap(), list.find("Undated").unwrap());
    assert!(a < b && b < c, "sorted by due date, undated last");
    assert!(list.contains("ACT-001") && list.contains("ACT-003"));
    let (_, filtered) = team.auditor.get_html("/o/acme/actions?step=4").await;
    assert!(filtered.contains("Later") && !filtered.contains("Sooner"));
    let (_, by_owner) = team.auditor.get_html(&format!("/o/acme/actions?owner={implementer}&status=open")).await;
    assert!(by_owner.contains("Later") && by_owner.contains("Undated"));
    let (_, paged) = team.auditor.get_html("/o/acme/actions?per_page=2&page=2").await;
    assert!(paged.contains("Undated") && !paged.contains("Sooner") && paged.contains("3–3 of 3"));
    // Another workspace's member cannot own an action here.
    let outsider = app.owner_with_workspace("other").await;
    drop(outsider);
    let stranger = app.user_id("owner@other.test").await.to_string();
    let res = team
        .owner
        .post_form(
            "/o/acme/actions",
            &[("title", "X"), ("priority", "low"), ("status", "open"), ("owner_id", &stranger)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The owner must be a member of this workspace."));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_csv_export_has_every_filtered_action(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    for (title, status) in [("Write the AI policy", "open"), ("=cmd|' /C calc'!A0", "open"), ("Old idea", "cancelled")]
    {
        owner
            .post_form(
                "/o/acme/actions",
                &[
                    ("title", title),
                    ("priority", "high"),
                    ("status", status),
                    ("description", "line 1\nline 2, with comma"),
                ],
            )
            .await;
    }
    let res = owner.get("/o/acme/actions.csv?status=open").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"actions-acme-"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "Reference");
    assert_eq!(headers.len(), 12);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2, "the filter applies to the export");
    assert_eq!(&rows[0][1], "Write the AI policy");
    assert_eq!(&rows[0][2], "line 1\nline 2, with comma");
    assert_eq!(&rows[1][1], "'=cmd|' /C calc'!A0", "formulas are neutralised");
    assert_eq!(&rows[0][5], "High");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_action_edit_answers_409_and_archiving_hides_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    team.owner
        .post_form("/o/acme/actions", &[("title", "Draft policy"), ("priority", "medium"), ("status", "open")])
        .await;
    let id = action_id(&app, "Draft policy").await;
    let edit = |title: &'static str, status: &'static str| {
        vec![("title", title), ("priority", "medium"), ("status", status), ("version", "1")]
    };
    let res =
        team.consultant.post_form(&format!("/o/acme/actions/{id}"), &edit("Draft the policy", "in_progress")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = team.implementer.post_form(&format!("/o/acme/actions/{id}"), &edit("My version", "done")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing") && html.contains("value=\"My version\""));
    let (_, show) = team.auditor.get_html(&format!("/o/acme/actions/{id}")).await;
    assert!(show.contains("Draft the policy") && show.contains("Updated ACT-001"));

    let res = team.owner.post_form(&format!("/o/acme/actions/{id}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = team.owner.get_html("/o/acme/actions").await;
    assert!(!list.contains("Draft the policy") && list.contains("No actions yet"));
    let (status, show) = team.auditor.get_html(&format!("/o/acme/actions/{id}")).await;
    assert_eq!(status, StatusCode::OK, "archived actions stay readable");
    assert!(show.contains("Archived ACT-001"));
}
