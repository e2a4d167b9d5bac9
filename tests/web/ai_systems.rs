//! The AI system inventory: create, validate, filter by tier, stage and scope (htmx or whole page),
//! page, export, stale edits, archive and restore, and owners from this workspace only.

use crate::helpers::{Client, TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

/// Adds an AI system through the form and returns its id.
pub async fn add_system(client: &Client, slug: &str, name: &str, tier: &str, stage: &str, in_scope: bool) -> String {
    let mut fields = vec![
        ("name", name),
        ("purpose", "Scores applications"),
        ("ai_role", "provider"),
        ("lifecycle_stage", stage),
        ("automation_level", "human-in-the-loop"),
        ("risk_tier", tier),
    ];
    if in_scope {
        fields.push(("in_scope", "yes"));
    }
    let res = client.post_form(&format!("/o/{slug}/ai-systems"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name} is added");
    let to = location(&res);
    let prefix = format!("/o/{slug}/ai-systems/");
    assert!(to.starts_with(&prefix), "{to}");
    to[prefix.len()..].to_string()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn ai_systems_are_validated_created_filtered_and_paged(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team
        .implementer
        .post_form(
            "/o/acme/ai-systems",
            &[
                ("name", "  "),
                ("purpose", "Line one\nLine two"),
                ("ai_role", "provider"),
                ("lifecycle_stage", "deployment"),
                ("automation_level", "human-in-the-loop"),
                ("risk_tier", "extreme"),
                ("personal_data", "yes"),
                ("supplier", "Acme Models Ltd"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Enter the AI system&#39;s name."));
    assert!(html.contains("Choose a risk tier."));
    assert!(html.contains("Name the categories of personal data the system uses."));
    assert!(html.contains(">\nLine one\nLine two</textarea>"), "text areas keep what was typed");
    assert!(html.contains("value=\"Acme Models Ltd\""));
    assert!(html.contains("id=\"f-personal_data\" name=\"personal_data\" type=\"checkbox\" value=\"yes\" checked"));
    assert!(
        !html.contains("id=\"f-in_scope\" name=\"in_scope\" type=\"checkbox\" value=\"yes\" checked"),
        "unticked stays unticked"
    );

    let implementer = app.user_id("implementer@acme.test").await.to_string();
    let res = team
        .implementer
        .post_form(
            "/o/acme/ai-systems",
            &[
                ("name", "Credit scoring"),
                ("purpose", "Scores loan applications"),
                ("intended_use", "Loan officers, as a second opinion"),
                ("known_misuse", "Automatic rejection"),
                ("ai_role", "provider"),
                ("lifecycle_stage", "deployment"),
                ("technique", "Gradient boosting"),
                ("personal_data", "yes"),
                ("personal_data_categories", "Income, credit history"),
                ("automation_level", "decision-support"),
                ("human_oversight", "Officers decide"),
                ("risk_tier", "high"),
                ("owner_id", &implementer),
                ("in_scope", "yes"),
                ("supplier", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let credit = location(&res);
    let (_, show) = team.auditor.get_html(&credit).await;
    assert!(show.contains("AI-001") && show.contains("Credit scoring") && show.contains("High risk"));
    assert!(show.contains("Income, credit history") && show.contains("implementer of acme"));
    assert!(show.contains("Linked records") && show.contains("Created AI-001"));
    add_system(&team.consultant, "acme", "Chat assistant", "limited", "inception", false).await;
    add_system(&team.owner, "acme", "CV screening", "high", "operation-monitoring", true).await;

    let (status, list) = team.auditor.get_html("/o/acme/ai-systems").await;
    assert_eq!(status, StatusCode::OK);
    let (a, b, c) = (
        list.find("Credit scoring").unwrap(),
        list.find("Chat assistant").unwrap(),
        list.find("CV screening").unwrap(),
    );
    assert!(a < b && b < c, "by reference");
    assert!(list.contains("AI-003") && list.contains("Out of scope"));

    let (_, high) = team.auditor.get_html("/o/acme/ai-systems?tier=high").await;
    assert!(high.contains("Credit scoring") && high.contains("CV screening") && !high.contains("Chat assistant"));
    let (_, stage) = team.auditor.get_html("/o/acme/ai-systems?stage=inception").await;
    assert!(stage.contains("Chat assistant") && !stage.contains("Credit scoring") && !stage.contains("CV screening"));
    let (_, out) = team.auditor.get_html("/o/acme/ai-systems?in_scope=no").await;
    assert!(out.contains("Chat assistant") && !out.contains("Credit scoring"));
    let (_, both) = team.auditor.get_html("/o/acme/ai-systems?tier=high&stage=deployment&in_scope=yes").await;
    assert!(both.contains("Credit scoring") && !both.contains("CV screening"));
    let (_, none) = team.auditor.get_html("/o/acme/ai-systems?tier=prohibited").await;
    assert!(none.contains("No AI systems match these filters"));
    let (status, junk) = team.auditor.get_html("/o/acme/ai-systems?tier=nonsense&in_scope=maybe").await;
    assert_eq!(status, StatusCode::OK, "unknown filter values are ignored");
    assert!(junk.contains("CV screening") && junk.contains("Chat assistant"));
    let (_, paged) = team.auditor.get_html("/o/acme/ai-systems?tier=high&per_page=1&page=2").await;
    assert!(paged.contains("CV screening") && !paged.contains("Credit scoring") && paged.contains("2–2 of 2"));
    assert!(paged.contains("href=\"?tier=high&#38;page=1\""), "page links keep the filters");

    // Another workspace's member cannot own an AI system here.
    let _other = app.owner_with_workspace("other").await;
    let stranger = app.user_id("owner@other.test").await.to_string();
    let res = team
        .owner
        .post_form(
            "/o/acme/ai-systems",
            &[
                ("name", "Shadow system"),
                ("ai_role", "customer"),
                ("lifecycle_stage", "deployment"),
                ("automation_level", "fully-automated"),
                ("risk_tier", "minimal"),
                ("owner_id", &stranger),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("The owner must be a member of this workspace.") && html.contains("value=\"Shadow system\""));
    let count: i64 = sqlx::query_scalar("select count(*) from ai_systems").fetch_one(&app.pool).await.unwrap();
    assert_eq!(count, 3);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_ai_system_csv_export_has_every_column_and_the_filters(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let me = app.user_id("owner@acme.test").await.to_string();
    let res = owner
        .post_form(
            "/o/acme/ai-systems",
            &[
                ("name", "Credit scoring"),
                ("purpose", "line 1\nline 2, with comma"),
                ("intended_use", "Second opinion"),
                ("known_misuse", "Sole decision"),
                ("ai_role", "producer"),
                ("lifecycle_stage", "verification-validation"),
                ("technique", "Gradient boosting"),
                ("personal_data", "yes"),
                ("personal_data_categories", "Income"),
                ("automation_level", "human-on-the-loop"),
                ("human_oversight", "Weekly review"),
                ("risk_tier", "high"),
                ("owner_id", &me),
                ("in_scope", "yes"),
                ("supplier", "=HYPERLINK(\"x\")"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    add_system(&owner, "acme", "Spam filter", "minimal", "operation-monitoring", false).await;

    let res = owner.get("/o/acme/ai-systems.csv?tier=high").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment; filename=\"ai-systems-acme-"), "{disposition}");
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        headers,
        [
            "Reference",
            "Name",
            "Purpose",
            "Intended use",
            "Known misuse",
            "AI role",
            "Life-cycle stage",
            "Technique",
            "Personal data",
            "Personal data categories",
            "Automation level",
            "Human oversight",
            "EU AI Act risk tier",
            "Owner",
            "In scope",
            "Supplier",
            "Created",
            "Updated",
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "the filter applies to the export");
    let row: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        &row[..16],
        [
            "AI-001",
            "Credit scoring",
            "line 1\nline 2, with comma",
            "Second opinion",
            "Sole decision",
            "Producer",
            "Verification and validation",
            "Gradient boosting",
            "yes",
            "Income",
            "Human on the loop",
            "Weekly review",
            "High risk",
            "Owner of acme",
            "yes",
            "'=HYPERLINK(\"x\")",
        ]
    );
    assert!(row[16].ends_with(" UTC") && row[17].ends_with(" UTC"));

    let body = owner.get("/o/acme/ai-systems.csv?in_scope=no").await.text().await.unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(body.as_bytes()).records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][1], &rows[0][14], &rows[0][13]), ("Spam filter", "no", ""));
    let (_, list) = owner.get_html("/o/acme/ai-systems?in_scope=no").await;
    assert!(list.contains("href=\"/o/acme/ai-systems.csv?in_scope=no&#38;\""), "the export link carries the filters");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_ai_system_edit_answers_409_and_archiving_hides_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let id = add_system(&team.owner, "acme", "Credit scoring", "high", "deployment", true).await;
    let edit = |name: &'static str, tier: &'static str| {
        vec![
            ("name", name),
            ("ai_role", "provider"),
            ("lifecycle_stage", "deployment"),
            ("automation_level", "human-in-the-loop"),
            ("risk_tier", tier),
            ("in_scope", "yes"),
            ("version", "1"),
        ]
    };
    let (status, form) = team.consultant.get_html(&format!("/o/acme/ai-systems/{id}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"Credit scoring\"") && form.contains("name=\"version\" value=\"1\""));
    let res =
        team.consultant.post_form(&format!("/o/acme/ai-systems/{id}"), &edit("Credit scoring v2", "limited")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/o/acme/ai-systems/{id}"));

    let res = team.implementer.post_form(&format!("/o/acme/ai-systems/{id}"), &edit("My version", "minimal")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains("Credit scoring v2") && html.contains("value=\"My version\""), "stored and typed values");
    assert!(html.contains("name=\"version\" value=\"2\""), "a second save applies the user's values");
    let (name, tier, version): (String, String, i32) =
        sqlx::query_as("select name, risk_tier, version from ai_systems").fetch_one(&app.pool).await.unwrap();
    assert_eq!((name.as_str(), tier.as_str(), version), ("Credit scoring v2", "limited", 2), "nothing changed");
    let (_, show) = team.auditor.get_html(&format!("/o/acme/ai-systems/{id}")).await;
    assert!(show.contains("Updated AI-001") && show.contains("Limited risk"));

    let res = team.owner.post_form(&format!("/o/acme/ai-systems/{id}/archive"), &[("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "a stale archive changes nothing");
    let res = team.owner.post_form(&format!("/o/acme/ai-systems/{id}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/ai-systems");
    let (_, list) = team.owner.get_html("/o/acme/ai-systems").await;
    assert!(!list.contains("Credit scoring v2") && list.contains("No AI systems yet"));
    let (status, show) = team.auditor.get_html(&format!("/o/acme/ai-systems/{id}")).await;
    assert_eq!(status, StatusCode::OK, "archived systems stay readable");
    assert!(show.contains("Archived AI-001") && show.contains("Archived"));
    let (status, show) = team.owner.get_html(&format!("/o/acme/ai-systems/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!show.contains("/edit\""), "no edit button on an archived system");
    assert_eq!(
        team.owner.get(&format!("/o/acme/ai-systems/{id}/edit")).await.status(),
        StatusCode::CONFLICT,
        "an archived system is read-only"
    );
    let entries: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where entity_type = 'ai_system' and entity_id = $1 order by seq",
    )
    .bind(&id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(entries, ["create", "update", "archive"], "one audit entry per change");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_archived_ai_system_is_read_only_until_restored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let id = add_system(&team.owner, "acme", "Credit scoring", "high", "deployment", true).await;
    let res = team.owner.post_form(&format!("/o/acme/ai-systems/{id}/archive"), &[("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (status, show) = team.owner.get_html(&format!("/o/acme/ai-systems/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(show.contains("badge-neutral\">archived</span>") && show.contains(">Restore</button>"));
    assert!(!show.contains(&format!("/ai-systems/{id}/edit\"")), "no Edit on an archived system");
    let (_, list) = team.owner.get_html("/o/acme/ai-systems?archived=yes").await;
    assert!(list.contains("Credit scoring") && list.contains("badge-neutral\">archived</span>"), "shown on request");

    let edit = [
        ("name", "Changed while archived"),
        ("ai_role", "provider"),
        ("lifecycle_stage", "deployment"),
        ("automation_level", "human-in-the-loop"),
        ("risk_tier", "high"),
        ("version", "2"),
    ];
    let res = team.consultant.post_form(&format!("/o/acme/ai-systems/{id}"), &edit).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains(">Restore</button>"), "the 409 is the read-only row page");
    let res = team.consultant.post_form(&format!("/o/acme/ai-systems/{id}"), &[("name", ""), ("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "even an invalid edit of an archived row");
    let res = team.owner.post_form(&format!("/o/acme/ai-systems/{id}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "archiving twice");
    let name: String = sqlx::query_scalar("select name from ai_systems").fetch_one(&app.pool).await.unwrap();
    assert_eq!(name, "Credit scoring", "nothing changed");

    let res = team.auditor.post_form(&format!("/o/acme/ai-systems/{id}/restore"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "auditors cannot restore");
    let res = team.consultant.post_form(&format!("/o/acme/ai-systems/{id}/restore"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/o/acme/ai-systems/{id}"));
    let (_, show) = team.consultant.get_html(&format!("/o/acme/ai-systems/{id}")).await;
    assert!(show.contains("AI-001 restored.") && show.contains("Restored AI-001") && show.contains("/edit\""));
    let (_, list) = team.owner.get_html("/o/acme/ai-systems").await;
    assert!(list.contains("Credit scoring"), "back in the list");
    let mut edit = edit.to_vec();
    edit[5] = ("version", "3");
    let res = team.consultant.post_form(&format!("/o/acme/ai-systems/{id}"), &edit).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "editable again");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_ai_system_filters_answer_htmx_with_the_results_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    add_system(&owner, "acme", "Credit scoring", "high", "deployment", true).await;
    add_system(&owner, "acme", "Chat assistant", "limited", "deployment", true).await;

    let res = owner
        .http
        .get(format!("{}/o/acme/ai-systems?tier=high", owner.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["vary"], "HX-Request");
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.trim_start().starts_with("<section class=\"card\" id=\"results\""));
    assert!(part.contains("Credit scoring") && !part.contains("Chat assistant"));

    let (_, page) = owner.get_html("/o/acme/ai-systems?tier=high").await;
    assert!(
        page.contains("<html") && page.contains("id=\"results\"") && page.contains("hx-get=\"/o/acme/ai-systems\"")
    );
    assert!(page.contains("Credit scoring") && !page.contains("Chat assistant"));
}
