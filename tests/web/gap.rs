//! The gap analysis: 70 rows from the catalogue, saving with validation and the version check,
//! actions for the plan made from a row, the maturity summary, and the CSV and XLSX exports.

use crate::helpers::{Client, TestApp, location};
use reqwest::StatusCode;
use scraper::{Html, Selector};
use sqlx::PgPool;

fn count(html: &str, selector: &str) -> usize {
    Html::parse_document(html).select(&Selector::parse(selector).unwrap()).count()
}

fn text_of(html: &str, selector: &str) -> String {
    let doc = Html::parse_document(html);
    let el = doc.select(&Selector::parse(selector).unwrap()).next().unwrap_or_else(|| panic!("{selector} found"));
    el.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn save(client: &Client, requirement: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client.post_form(&format!("/o/acme/gap/{requirement}"), fields).await
}

async fn stored(app: &TestApp, requirement: &str) -> Option<(String, Option<i16>, Option<String>, i32)> {
    sqlx::query_as("select current_state, maturity, gap, version from gap_items where requirement_id = $1")
        .bind(requirement)
        .fetch_optional(&app.pool)
        .await
        .unwrap()
}

async fn audit_count(app: &TestApp, requirement: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where entity_type = 'gap_item' and entity_id = $1")
        .bind(requirement)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_page_has_a_row_per_assessable_clause_and_per_control(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (status, html) = team.auditor.get_html("/o/acme/gap").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&html, "tr.gap-row[data-kind=clause]"), 32);
    assert_eq!(count(&html, "tr.gap-row[data-kind=control]"), 38);
    // Grouped by clause group 4..10 and by objective, with A.6 split into its sub-groups.
    for group in ["4", "6", "10", "A.2", "A.6.1", "A.6.2", "A.10"] {
        assert_eq!(count(&html, &format!("tbody[id='group-{group}'] tr.group-row")), 1, "group {group}");
    }
    assert_eq!(count(&html, "tbody[id='group-6'] tr.gap-row"), 6, "6.1.1 to 6.1.4, 6.2 and 6.3");
    assert_eq!(count(&html, "tbody[id='group-A.6.2'] tr.gap-row"), 7);
    assert_eq!(count(&html, "tbody[id='group-6.1']"), 0, "headings are no rows");
    assert!(text_of(&html, "[data-testid=assessed]").starts_with("0 of 70"));
    assert_eq!(count(&html, "form[action$='/actions']"), 0, "auditors get no buttons");

    // One requirement: the catalogue's own words, and a read-only view for auditors.
    let (status, show) = team.auditor.get_html("/o/acme/gap/A.6.2.4").await;
    assert_eq!(status, StatusCode::OK);
    let control = aims_domain::catalogue::catalogue().control("A.6.2.4").unwrap();
    let escaped = |s: &str| s.replace('&', "&#38;").replace('\'', "&#39;").replace('"', "&#34;");
    assert!(show.contains(&escaped(&control.summary)));
    assert!(control.evidence.iter().all(|e| show.contains(&escaped(e))));
    assert!(show.contains("Not assessed yet") && !show.contains("name=\"current_state\""));
    let (_, show) = team.implementer.get_html("/o/acme/gap/6.1.2").await;
    assert!(show.contains("name=\"current_state\"") && show.contains("name=\"version\" value=\"0\""));
    assert!(show.contains("3 · Defined"), "maturity levels carry the taxonomy's titles");

    for missing in ["6.1", "4", "A.6", "A.6.2.99", "11.1", "nonsense"] {
        assert_eq!(team.owner.get(&format!("/o/acme/gap/{missing}")).await.status(), StatusCode::NOT_FOUND);
        let res = save(&team.owner, missing, &[("gap", "none"), ("version", "0")]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {missing}");
        let res = team.owner.post_form(&format!("/o/acme/gap/{missing}/actions"), &[]).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "POST {missing}/actions");
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn saving_validates_and_a_stale_save_answers_409_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = save(
        &team.implementer,
        "6.1.2",
        &[
            ("current_state", "Risks live in a spreadsheet"),
            ("maturity", "9"),
            ("gap", "huge"),
            ("priority", "urgent"),
            ("notes", "Typed <note>"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Choose a maturity level from 0 to 5."));
    assert!(html.contains("Choose no gap, a partial gap or a full gap."));
    assert!(html.contains("Choose a priority."));
    assert!(
        html.contains(">\nRisks live in a spreadsheet</textarea>")
            && html.contains(">\nTyped &#60;note&#62;</textarea>")
    );
    let res = save(&team.implementer, "6.1.2", &[("gap", "full"), ("maturity", "1"), ("version", "0")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Give the gap a priority."));
    assert!(stored(&app, "6.1.2").await.is_none(), "nothing stored");

    // A first save inserts (version 0 → 1).
    let first = [
        ("current_state", "Risks live in a spreadsheet"),
        ("maturity", "1"),
        ("gap", "partial"),
        ("priority", "high"),
        ("notes", ""),
        ("version", "0"),
    ];
    let res = save(&team.implementer, "6.1.2", &first).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/gap#gap-6.1.2");
    assert_eq!(
        stored(&app, "6.1.2").await,
        Some(("Risks live in a spreadsheet".into(), Some(1), Some("partial".into()), 1))
    );
    assert_eq!(audit_count(&app, "6.1.2").await, 1);

    // Someone who loaded the page before that save is refused, keeps their values, sees ours.
    let res = save(
        &team.consultant,
        "6.1.2",
        &[("current_state", "My other view"), ("maturity", "4"), ("gap", "none"), ("version", "0")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains(">\nMy other view</textarea>"), "the user's values are kept");
    assert!(html.contains("name=\"version\" value=\"1\""), "against the current version");
    let stored_now = text_of(&html, ".conflict-table tbody");
    assert!(
        stored_now.contains("Maturity 1 · Initial 4 · ") && stored_now.contains("Gap Partial gap No gap"),
        "{stored_now}"
    );
    assert_eq!(
        stored(&app, "6.1.2").await,
        Some(("Risks live in a spreadsheet".into(), Some(1), Some("partial".into()), 1)),
        "nothing changed"
    );
    assert_eq!(audit_count(&app, "6.1.2").await, 1);

    // Saving again against the current version applies it, with before and after in the log.
    let res = save(
        &team.consultant,
        "6.1.2",
        &[("current_state", "My other view"), ("maturity", "4"), ("gap", "none"), ("version", "1")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, "6.1.2").await, Some(("My other view".into(), Some(4), Some("none".into()), 2)));
    let (before, after): (serde_json::Value, serde_json::Value) = sqlx::query_as(
        "select before, after from audit_log where entity_type = 'gap_item' and entity_id = '6.1.2' order by seq desc limit 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(before["maturity"], 1);
    assert_eq!(after["gap"], "none");
    let (_, show) = team.auditor.get_html("/o/acme/gap/6.1.2").await;
    assert!(show.contains("Updated gap assessment of 6.1.2") && show.contains("Recorded gap assessment of 6.1.2"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn add_action_creates_a_linked_action_in_the_plan(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = save(
        &team.owner,
        "A.6.2.4",
        &[
            ("current_state", "Ad hoc tests"),
            ("maturity", "0"),
            ("gap", "full"),
            ("priority", "critical"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = team.implementer.get_html("/o/acme/gap").await;
    assert_eq!(count(&html, "tr[id='gap-A.6.2.4'] form[action='/o/acme/gap/A.6.2.4/actions']"), 1);

    let res = team.implementer.post_form("/o/acme/gap/A.6.2.4/actions", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let target = location(&res);
    assert!(target.starts_with("/o/acme/actions/"), "{target}");
    let (title, priority, status, step, source_type, source_id, label): (
        String,
        String,
        String,
        Option<i16>,
        Option<String>,
        Option<String>,
        String,
    ) = sqlx::query_as(
        "select title, priority, status, step_number, source_type, source_id, source_label from actions",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(title.contains("A.6.2.4"), "{title}");
    assert_eq!((priority.as_str(), status.as_str(), step), ("critical", "open", Some(4)));
    assert_eq!((source_type.as_deref(), source_id.as_deref()), (Some("gap_item"), Some("A.6.2.4")));
    assert!(label.starts_with("Gap: A.6.2.4 "));
    let (status, action) = team.implementer.get_html(&target).await;
    assert_eq!(status, StatusCode::OK);
    assert!(action.contains("ACT-001 added to the implementation plan"));

    // Shown on the gap row, on the requirement's page and in the plan.
    let (_, html) = team.auditor.get_html("/o/acme/gap").await;
    assert!(text_of(&html, "tr[id='gap-A.6.2.4'] .linked-actions").contains("ACT-001"));
    assert_eq!(count(&html, ".linked-actions"), 1, "only that row has actions");
    let (_, show) = team.auditor.get_html("/o/acme/gap/A.6.2.4").await;
    assert!(show.contains("ACT-001") && show.contains(&title));
    let (_, plan) = team.auditor.get_html("/o/acme/actions").await;
    assert!(plan.contains(&title) && plan.contains("From Gap: A.6.2.4"));

    // A second action for the same row, from an unassessed requirement too (medium by default).
    team.implementer.post_form("/o/acme/gap/A.6.2.4/actions", &[]).await;
    let res = team.implementer.post_form("/o/acme/gap/7.2/actions", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = team.auditor.get_html("/o/acme/gap").await;
    assert_eq!(count(&html, "tr[id='gap-A.6.2.4'] .linked-actions li"), 2);
    assert_eq!(count(&html, "tr[id='gap-7.2'] .linked-actions li"), 1);
    let medium: String =
        sqlx::query_scalar("select priority from actions where source_id = '7.2'").fetch_one(&app.pool).await.unwrap();
    assert_eq!(medium, "medium");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_summary_shows_counts_and_the_average_maturity_of_a_group(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    for (requirement, maturity, gap, priority) in
        [("6.1.2", "2", "partial", "high"), ("6.2", "3", "partial", "low"), ("A.6.1.2", "5", "none", "")]
    {
        let res = save(
            &owner,
            requirement,
            &[("maturity", maturity), ("gap", gap), ("priority", priority), ("version", "0")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{requirement}");
    }
    let (_, html) = owner.get_html("/o/acme/gap").await;
    assert_eq!(text_of(&html, ".maturity-figure[data-group='6']"), "2.5 2/6 rated");
    assert_eq!(text_of(&html, ".maturity-figure[data-group='A.6.1']"), "5.0 1/2 rated");
    assert_eq!(text_of(&html, ".maturity-figure[data-group='4']"), "not rated");
    assert_eq!(count(&html, "svg.maturity-bar rect.maturity-fill[width='50']"), 1, "2.5 of 5 is half a bar");
    assert!(text_of(&html, "[data-testid=assessed]").starts_with("3 of 70"));
    let tallies = text_of(&html, ".gap-tallies");
    assert!(tallies.contains("High 1") && tallies.contains("Low 1") && tallies.contains("Critical 0"), "{tallies}");
    assert!(tallies.contains("Partial gap 2") && tallies.contains("No gap 1") && tallies.contains("Not assessed 67"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_exports_have_all_70_rows_with_every_column(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let res = save(
        &owner,
        "4.1",
        &[
            ("current_state", "=Issues listed, once"),
            ("maturity", "3"),
            ("gap", "partial"),
            ("priority", "high"),
            ("notes", "line 1\nline 2, with comma"),
            ("version", "0"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    owner.post_form("/o/acme/gap/4.1/actions", &[]).await;
    let header = [
        "ID",
        "Type",
        "Group",
        "Title",
        "Current state",
        "Maturity",
        "Maturity title",
        "Gap",
        "Priority",
        "Notes",
        "Linked actions",
        "Last updated",
    ];

    let res = owner.get("/o/acme/gap.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("gap-analysis-acme-"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), header);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 70);
    assert_eq!(rows.iter().filter(|r| &r[1] == "clause").count(), 32);
    assert_eq!(rows.iter().filter(|r| &r[1] == "control").count(), 38);
    let row = rows.iter().find(|r| &r[0] == "4.1").unwrap();
    assert_eq!(&row[2], "4 Context of the organization");
    assert_eq!(&row[3], "Understanding the organization and its context");
    assert_eq!(&row[4], "'=Issues listed, once", "formulas are neutralised");
    assert_eq!((&row[5], &row[6], &row[7], &row[8]), ("3", "Defined", "Partial gap", "High"));
    assert_eq!(&row[9], "line 1\nline 2, with comma");
    assert!(row[10].starts_with("ACT-001 Close the gap on 4.1"), "{}", &row[10]);
    assert!(row[11].ends_with("UTC"));
    let control = rows.iter().find(|r| &r[0] == "A.6.2.4").unwrap();
    assert_eq!(&control[2], "A.6.2 AI system life cycle");
    assert_eq!(&control[11], "", "unassessed rows have no date");

    let res = owner.get("/o/acme/gap.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Gap analysis").unwrap();
    let cells: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(cells.len(), 71, "header and 70 rows");
    assert_eq!(cells[0], header);
    let row = cells.iter().find(|r| r[0] == "4.1").unwrap();
    assert_eq!(row[1], "clause");
    assert_eq!(row[4], "=Issues listed, once", "written as text, never as a formula");
    assert_eq!(
        (row[5].as_str(), row[6].as_str(), row[7].as_str(), row[8].as_str()),
        ("3", "Defined", "Partial gap", "High")
    );
    assert!(row[10].starts_with("ACT-001"));
    assert_eq!(cells.iter().filter(|r| r[1] == "control").count(), 38);
}

/// A form POST as htmx sends it (`HX-Request: true`), with the CSRF token added.
async fn hx_post(client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = client.csrf_token().await;
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    client.http.post(format!("{}{path}", client.base)).header("HX-Request", "true").form(&all).send().await.unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_row_saves_in_place_with_htmx_and_keeps_the_texts_it_does_not_show(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let full = [("current_state", "A spreadsheet"), ("maturity", "1"), ("gap", "full"), ("priority", "low")];
    let res = save(&team.owner, "6.1.2", &[&full[..], &[("notes", "Keep me"), ("version", "0")]].concat()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = team.implementer.get_html("/o/acme/gap").await;
    assert_eq!(count(&html, "tr[id='gap-6.1.2'] form[hx-post='/o/acme/gap/6.1.2'][hx-target='closest tr']"), 1);
    assert_eq!(count(&html, "tr[id='gap-6.1.2'] label[for='gap-6.1.2']"), 1, "each select has its label");

    // htmx gets the row alone, with the new values; the texts the row's form leaves out stay.
    let row = [("maturity", "3"), ("gap", "partial"), ("priority", "high"), ("version", "1")];
    let res = hx_post(&team.implementer, "/o/acme/gap/6.1.2", &row).await;
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html"), "a partial");
    let fragment = format!("<table>{part}</table>");
    assert_eq!(count(&fragment, "tr[id='gap-6.1.2']"), 1);
    assert!(text_of(&fragment, "tr[id='gap-6.1.2']").contains("Partial gap"));
    assert_eq!(count(&fragment, "input[name=version][value='2']"), 1);
    assert_eq!(stored(&app, "6.1.2").await, Some(("A spreadsheet".into(), Some(3), Some("partial".into()), 2)));
    let notes: String = sqlx::query_scalar("select notes from gap_items where requirement_id = '6.1.2'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(notes, "Keep me");

    // Refused in place: 422 with the message by the field, 409 with the stored values beside.
    let res = hx_post(&team.implementer, "/o/acme/gap/6.1.2", &[("gap", "full"), ("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.contains("Give the gap a priority.") && part.contains("id=\"gap-6.1.2\""));
    let res = hx_post(&team.implementer, "/o/acme/gap/6.1.2", &[("gap", "none"), ("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.contains("Someone else saved this while you were editing"));
    assert!(part.contains("name=\"version\" value=\"2\""));
    assert_eq!(stored(&app, "6.1.2").await.map(|s| s.3), Some(2), "nothing changed");

    // Without JavaScript the same form answers 303 to the list.
    let res = save(&team.implementer, "6.1.2", &[("gap", "none"), ("maturity", "4"), ("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/gap#gap-6.1.2");
    assert_eq!(stored(&app, "6.1.2").await, Some(("A spreadsheet".into(), Some(4), Some("none".into()), 3)));
}
