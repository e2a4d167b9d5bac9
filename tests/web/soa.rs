//! The Statement of Applicability: the 38 Annex A controls, justifications required both ways,
//! stale edits, own controls, approval as frozen versions (owners only), the diff, the CSV and
//! XLSX exports and the printable document.

use crate::helpers::{Client, TestApp, location};
use aims_domain::catalogue::catalogue;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use sqlx::PgPool;

/// The control ids of the SoA table rows on a page.
fn table_rows(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("tr.soa-row").unwrap();
    doc.select(&sel).filter_map(|tr| tr.value().attr("data-control").map(String::from)).collect()
}

/// Saves one row; `version` is the one the form carried.
async fn save(
    client: &Client,
    control: &str,
    applicable: &str,
    justification: &str,
    version: &str,
) -> reqwest::Response {
    client
        .post_form(
            &format!("/o/acme/soa/{control}"),
            &[
                ("applicable", applicable),
                ("justification", justification),
                ("reason_codes", "risk-treatment"),
                ("reason_codes", "legal"),
                ("implementation_status", if applicable == "yes" { "planned" } else { "" }),
                ("notes", "Keep these notes"),
                ("version", version),
            ],
        )
        .await
}

/// Saves one row from the table, as htmx does (`HX-Request: true`).
async fn save_row(
    client: &Client,
    control: &str,
    applicable: &str,
    justification: &str,
    version: &str,
) -> reqwest::Response {
    let token = client.csrf_token().await;
    client
        .http
        .post(format!("{}/o/acme/soa/{control}", client.base))
        .header("HX-Request", "true")
        .form(&[
            ("applicable", applicable),
            ("justification", justification),
            ("implementation_status", ""),
            ("reason_codes", "legal"),
            ("notes", "Kept from the row"),
            ("version", version),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap()
}

/// Decides every Annex A control not in `skip` (applicable, with a justification).
async fn decide_all(client: &Client, skip: &[&str]) {
    for control in catalogue().controls.iter().filter(|c| !skip.contains(&c.id.as_str())) {
        let res = save(client, &control.id, "yes", &format!("Needed for {}", control.id), "0").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{} is saved", control.id);
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_soa_lists_the_38_annex_a_controls_by_objective(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (status, html) = team.auditor.get_html("/o/acme/soa").await;
    assert_eq!(status, StatusCode::OK);
    let rows = table_rows(&html);
    assert_eq!(rows.iter().filter(|id| id.starts_with("A.")).count(), 38);
    let expected: Vec<String> = catalogue().controls.iter().map(|c| c.id.clone()).collect();
    assert_eq!(rows, expected, "in catalogue order");
    let doc = Html::parse_document(&html);
    let groups: Vec<String> = doc
        .select(&Selector::parse("tr.soa-group th").unwrap())
        .map(|th| th.text().collect::<String>().trim().to_string())
        .collect();
    assert_eq!(groups.first().map(String::as_str), Some("A.2 Policies related to AI"));
    assert!(groups.iter().any(|g| g.starts_with("A.6.2 ")), "{groups:?}");
    assert!(html.contains("Not decided") && !html.contains("Add own control"), "auditors read only");
    assert!(!html.contains("/soa/approve"), "only owners see the approval form");

    // A row page answers for every Annex A control, and 404 for anything else.
    let (status, page) = team.auditor.get_html("/o/acme/soa/A.6.2.4").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&catalogue().control("A.6.2.4").unwrap().title));
    assert!(!page.contains("name=\"justification\""), "auditors get no form");
    assert_eq!(team.auditor.get("/o/acme/soa/A.99.9").await.status(), StatusCode::NOT_FOUND);
    let res = team.owner.post_form("/o/acme/soa/A.99.9", &[("applicable", "yes"), ("version", "0")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_save_without_justification_answers_422_naming_the_control(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    for (control, applicable) in [("A.2.2", "yes"), ("A.6.2.4", "no")] {
        let res = save(&team.implementer, control, applicable, "   ", "0").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{control}");
        let html = res.text().await.unwrap();
        let title = &catalogue().control(control).unwrap().title;
        assert!(html.contains(&format!("{control} {title}: give the justification")), "{control} is named");
        assert!(html.contains(">\nKeep these notes</textarea>"), "typed values are kept");
        assert!(html.contains("value=\"legal\" checked"), "ticked reasons stay ticked");
        assert!(html.contains(&format!("<option value=\"{applicable}\" selected>")));
    }
    let stored: i64 = sqlx::query_scalar("select count(*) from soa_entries").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, 0);

    // With a justification it saves (excluded controls get the status Excluded), once per row.
    let res = save(&team.implementer, "A.6.2.4", "no", "We do not train models", "0").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/soa/A.6.2.4");
    let (status, page) = team.auditor.get_html("/o/acme/soa/A.6.2.4").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("We do not train models") && page.contains("Excluded"));
    assert!(page.contains("Updated SoA entry A.6.2.4"), "the history shows the change");
    let (entity_type, action): (String, String) =
        sqlx::query_as("select entity_type, action from audit_log where entity_id = 'A.6.2.4'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((entity_type.as_str(), action.as_str()), ("soa_entry", "update"));
    let (_, list) = team.auditor.get_html("/o/acme/soa").await;
    assert!(list.contains("We do not train models"));

    // A control that applies cannot be "excluded", and one that does not apply cannot be "planned".
    let res = team
        .implementer
        .post_form(
            "/o/acme/soa/A.2.2",
            &[("applicable", "yes"), ("justification", "x"), ("implementation_status", "excluded"), ("version", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // An auditor never writes.
    let res = save(&team.auditor, "A.2.2", "yes", "Because", "0").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_row_edit_answers_409_and_keeps_the_users_values(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    assert_eq!(
        save(&team.consultant, "A.2.2", "yes", "Our policy is required", "0").await.status(),
        StatusCode::SEE_OTHER
    );
    // Both loaded the never-saved row (version 0); the second save is refused.
    let res = save(&team.implementer, "A.2.2", "yes", "My own wording", "0").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains("Our policy is required"), "the stored values are shown");
    assert!(html.contains(">\nMy own wording</textarea>"), "the user's values are kept");
    assert!(html.contains("name=\"version\" value=\"1\""), "against the current version");
    // Saving again with the current version applies them.
    assert_eq!(save(&team.implementer, "A.2.2", "yes", "My own wording", "1").await.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html("/o/acme/soa/A.2.2").await;
    assert!(page.contains("My own wording") && !page.contains("Our policy is required</dd>"));
    let version: i32 = sqlx::query_scalar("select version from soa_entries where control_id = 'A.2.2'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(version, 2);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn own_controls_need_an_id_of_their_own(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    assert_eq!(team.auditor.get("/o/acme/soa/new").await.status(), StatusCode::FORBIDDEN);
    let (status, _) = team.implementer.get_html("/o/acme/soa/new").await;
    assert_eq!(status, StatusCode::OK);
    let add = |id: &'static str, title: &'static str| {
        vec![
            ("control_id", id),
            ("title", title),
            ("applicable", "yes"),
            ("justification", "Customer contracts ask for it"),
            ("reason_codes", "contractual"),
            ("version", "0"),
        ]
    };
    let res = team.implementer.post_form("/o/acme/soa", &add("ORG-1", "Model cards for every release")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/soa/ORG-1");
    for (id, message) in [
        ("ORG-1", "This id is in the SoA already"),
        ("org-1", "This id is in the SoA already"),
        ("A.2.2", "belong to Annex A"),
        ("a.11.1", "belong to Annex A"),
        ("new", "This word is reserved"),
        ("has space", "Use letters, digits"),
        ("", "Enter an id"),
    ] {
        let res = team.implementer.post_form("/o/acme/soa", &add(id, "Another title")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{id:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{id:?}: {message}");
        assert!(html.contains("value=\"Another title\""), "typed values are kept");
    }
    let res = team
        .implementer
        .post_form("/o/acme/soa", &[("control_id", "ORG-2"), ("title", "No reason"), ("applicable", "no")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("ORG-2 No reason: give the justification"));

    let (_, list) = team.auditor.get_html("/o/acme/soa").await;
    let rows = table_rows(&list);
    assert_eq!(rows.len(), 39);
    assert_eq!(rows.last().map(String::as_str), Some("ORG-1"), "own controls come after Annex A");
    assert!(list.contains("The organisation&#39;s own controls") || list.contains("The organisation's own controls"));
    // Its page edits it, title included.
    let res = team
        .consultant
        .post_form(
            "/o/acme/soa/ORG-1",
            &[("title", "Model cards"), ("applicable", "yes"), ("justification", "Still needed"), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html("/o/acme/soa/ORG-1").await;
    assert!(page.contains("Model cards") && page.contains("Still needed") && page.contains("Own control"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn approval_freezes_a_numbered_version_and_only_an_owner_approves(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    save(&team.owner, "A.2.3", "no", "Covered by A.2.2", "0").await;

    // Not every control has its justification yet: refused, listing them, the note kept.
    let res = team.owner.post_form("/o/acme/soa/approve", &[("note", "Board meeting 12")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("37 controls have no justification"));
    assert!(html.contains("<li>A.2.2 AI policy</li>") && !html.contains("<li>A.2.3 "));
    assert!(html.contains(">\nBoard meeting 12</textarea>"));

    decide_all(&team.consultant, &["A.2.3"]).await;
    let res = team.consultant.post_form("/o/acme/soa/approve", &[("note", "")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "a consultant may not approve");
    assert!(res.text().await.unwrap().contains("Only an owner"));
    let res = team.owner.post_form("/o/acme/soa/approve", &[("note", "Board meeting 12")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/soa/versions/1");
    let (no, approver, rows): (i32, String, i32) =
        sqlx::query_as("select version_no, approver_name, jsonb_array_length(snapshot) from soa_versions")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((no, approver.as_str(), rows), (1, "Owner of acme", 38));
    let approvals: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'approve' and entity_type = 'soa_version' and entity_id = '1'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(approvals, 1);

    let (status, v1) = team.auditor.get_html("/o/acme/soa/versions/1").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(table_rows(&v1).len(), 38);
    assert!(v1.contains("Needed for A.2.2") && v1.contains("Board meeting 12"));
    let (_, list) = team.auditor.get_html("/o/acme/soa/versions").await;
    assert!(list.contains("SoA v1</a>, approved by Owner of acme, on "));

    // The working copy goes on; the approved version does not change.
    assert_eq!(
        save(&team.implementer, "A.2.2", "yes", "Rewritten after the audit", "1").await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, v1_again) = team.auditor.get_html("/o/acme/soa/versions/1").await;
    assert!(v1_again.contains("Needed for A.2.2") && !v1_again.contains("Rewritten after the audit"));
    let (_, working) = team.auditor.get_html("/o/acme/soa").await;
    assert!(working.contains("Rewritten after the audit") && working.contains("changed since v1"));

    let res = team.owner.post_form("/o/acme/soa/approve", &[("note", "")]).await;
    assert_eq!(location(&res), "/o/acme/soa/versions/2");
    let (_, list) = team.auditor.get_html("/o/acme/soa/versions").await;
    assert!(list.contains("SoA v2") && list.contains("SoA v1"));
    assert_eq!(team.auditor.get("/o/acme/soa/versions/3").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(team.auditor.get("/o/acme/soa/versions/x").await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_diff_shows_each_changed_field_and_added_controls(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (status, empty) = team.auditor.get_html("/o/acme/soa/diff").await;
    assert_eq!(status, StatusCode::OK);
    assert!(empty.contains("Nothing to compare yet"));
    decide_all(&team.owner, &[]).await;
    team.owner.post_form("/o/acme/soa/approve", &[("note", "")]).await;

    let res = team
        .implementer
        .post_form(
            "/o/acme/soa/A.5.2",
            &[
                ("applicable", "yes"),
                ("justification", "Impact assessments for every system"),
                ("reason_codes", "risk-treatment"),
                ("reason_codes", "legal"),
                ("implementation_status", "implemented"),
                ("notes", "Keep these notes"),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    team.implementer
        .post_form(
            "/o/acme/soa",
            &[("control_id", "ORG-7"), ("title", "Red teaming"), ("applicable", "yes"), ("justification", "Chosen")],
        )
        .await;

    let (status, html) = team.auditor.get_html("/o/acme/soa/diff?from=1&to=current").await;
    assert_eq!(status, StatusCode::OK);
    let doc = Html::parse_document(&html);
    let changed: Vec<String> = doc
        .select(&Selector::parse("table.soa-diff tr[data-control]").unwrap())
        .map(|tr| tr.value().attr("data-control").unwrap().to_string())
        .collect();
    assert_eq!(changed, vec!["A.5.2".to_string()]);
    assert!(
        html.contains("<del>Needed for A.5.2</del>") && html.contains("<ins>Impact assessments for every system</ins>")
    );
    assert!(html.contains("<del>Planned</del>") && html.contains("<ins>Implemented</ins>"));
    assert!(!html.contains("<dt>Owner</dt>"), "unchanged fields are not listed");
    let added: Vec<String> = doc
        .select(&Selector::parse("ul.soa-added li").unwrap())
        .map(|li| li.value().attr("data-control").unwrap().to_string())
        .collect();
    assert_eq!(added, vec!["ORG-7".to_string()]);
    // The default compares the latest version with the working copy.
    let (_, default) = team.auditor.get_html("/o/acme/soa/diff").await;
    assert!(default.contains("From v1 to the working copy") && default.contains("ORG-7"));

    team.owner.post_form("/o/acme/soa/approve", &[("note", "")]).await;
    let (_, between) = team.auditor.get_html("/o/acme/soa/diff?from=2&to=1").await;
    assert!(between.contains("<ins>Needed for A.5.2</ins>"), "old → new follows from → to");
    assert!(between.contains("Removed controls") && between.contains("ORG-7"));
    assert_eq!(team.auditor.get("/o/acme/soa/diff?from=9&to=current").await.status(), StatusCode::NOT_FOUND);
}

const COLUMNS: [&str; 12] = [
    "Control",
    "Title",
    "Objective",
    "Custom",
    "Applicable",
    "Justification",
    "Reason codes",
    "Implementation status",
    "Owner",
    "AI systems",
    "Notes",
    "Last updated",
];

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_exports_hold_every_control_with_every_column(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let owner_id = app.user_id("implementer@acme.test").await.to_string();
    let res = team
        .owner
        .post_form(
            "/o/acme/soa/A.2.2",
            &[
                ("applicable", "yes"),
                ("justification", "Line 1\nline 2, with comma"),
                ("reason_codes", "legal"),
                ("reason_codes", "business"),
                ("implementation_status", "implemented"),
                ("owner_id", &owner_id),
                ("notes", "=HYPERLINK(\"x\")"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    team.owner
        .post_form(
            "/o/acme/soa",
            &[("control_id", "ORG-1"), ("title", "Own one"), ("applicable", "no"), ("justification", "Not used")],
        )
        .await;

    let res = team.auditor.get("/o/acme/soa.csv").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"soa-acme-"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 39);
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    for control in &catalogue().controls {
        assert!(ids.contains(&control.id.as_str()), "{} exported", control.id);
    }
    let a22 = rows.iter().find(|r| &r[0] == "A.2.2").unwrap();
    assert_eq!(&a22[1], "AI policy");
    assert_eq!(&a22[2], "A.2 Policies related to AI");
    assert_eq!((&a22[3], &a22[4]), ("no", "Yes"));
    assert_eq!(&a22[5], "Line 1\nline 2, with comma");
    assert_eq!(&a22[6], "Legal or regulatory; Business");
    assert_eq!(&a22[7], "Implemented");
    assert_eq!(&a22[8], "implementer of acme");
    assert_eq!(&a22[10], "'=HYPERLINK(\"x\")", "formulas are neutralised");
    assert!(a22[11].ends_with(" UTC"));
    let undecided = rows.iter().find(|r| &r[0] == "A.10.2").unwrap();
    assert_eq!((&undecided[4], &undecided[11]), ("Not decided", ""));
    let own = rows.last().unwrap();
    assert_eq!((&own[0], &own[1], &own[3], &own[4], &own[7]), ("ORG-1", "Own one", "yes", "No", "Excluded"));

    let res = team.auditor.get("/o/acme/soa.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains(".xlsx"));
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Statement of Applicability").unwrap();
    let sheet: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(sheet.len(), 40, "header and 39 controls");
    assert_eq!(sheet[0], COLUMNS);
    let a22 = sheet.iter().find(|r| r[0] == "A.2.2").unwrap();
    assert_eq!(a22[5], "Line 1\nline 2, with comma");
    assert_eq!(a22[10], "=HYPERLINK(\"x\")", "written as text, never as a formula");
    for control in &catalogue().controls {
        assert!(sheet.iter().any(|r| r[0] == control.id), "{} in the sheet", control.id);
    }
    assert_eq!(sheet[39][0], "ORG-1");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_printable_document_names_workspace_status_and_every_control(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let (status, html) = team.auditor.get_html("/o/acme/soa/print").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Workspace acme") && html.contains("Working copy") && html.contains("Not approved yet"));
    assert_eq!(table_rows(&html).len(), 38);
    decide_all(&team.owner, &[]).await;
    team.owner.post_form("/o/acme/soa/approve", &[("note", "For the stage 1 audit")]).await;
    let (status, html) = team.auditor.get_html("/o/acme/soa/print?version=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Approved by Owner of acme") && html.contains("For the stage 1 audit"));
    assert!(html.contains("<th scope=\"col\">Notes</th>"));
    let (_, working) = team.auditor.get_html("/o/acme/soa/print").await;
    assert!(working.contains("Last approved as v1") && working.contains("unchanged since then"));
    assert_eq!(team.auditor.get("/o/acme/soa/print?version=5").await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_row_of_the_table_saves_in_place_with_htmx_and_by_redirect_without(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    // Editors get an editor in each row, posting with htmx and swapping just that row.
    let (_, list) = team.implementer.get_html("/o/acme/soa").await;
    assert!(list.contains("hx-post=\"/o/acme/soa/A.2.2\" hx-target=\"closest tr\" hx-swap=\"outerHTML\""));
    assert!(list.contains("<label for=\"row-A.2.2-applicable\">Does A.2.2 apply?</label>"), "labelled per control");
    let (_, read_only) = team.auditor.get_html("/o/acme/soa").await;
    assert!(!read_only.contains("hx-post"), "auditors get no editor");

    // With htmx: the row alone, saved.
    let res = save_row(&team.implementer, "A.2.2", "yes", "Saved from the table", "0").await;
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html"), "a part, not a page");
    assert_eq!(table_rows(&format!("<table>{part}</table>")), vec!["A.2.2".to_string()]);
    assert!(part.contains("Saved from the table") && part.contains("A.2.2 saved."));
    assert!(part.contains("name=\"version\" value=\"1\""), "the next save carries the new version");
    let (notes, version): (String, i32) =
        sqlx::query_as("select notes, version from soa_entries where control_id = 'A.2.2'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((notes.as_str(), version), ("Kept from the row", 1));

    // Invalid: the row with the message by the field (422), still a part.
    let res = save_row(&team.implementer, "A.2.3", "no", "", "0").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.contains(": give the justification"));
    assert!(part.contains("aria-describedby=\"row-A.2.3-justification-error\""));

    // Without htmx (JavaScript off): the usual redirect.
    let res = team
        .implementer
        .post_form(
            "/o/acme/soa/A.2.3",
            &[("applicable", "no"), ("justification", "Covered by A.2.2"), ("version", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/soa/A.2.3");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_row_save_from_the_table_answers_409_with_both_values(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    assert_eq!(
        save_row(&team.consultant, "A.2.2", "yes", "Our policy is required", "0").await.status(),
        StatusCode::OK
    );
    let res = save_row(&team.implementer, "A.2.2", "yes", "My own wording", "0").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html"), "a part, not a page");
    assert!(part.contains("Someone else saved this while you were editing"));
    let doc = Html::parse_fragment(&format!("<table>{part}</table>"));
    let cells: Vec<String> = doc
        .select(&Selector::parse(".conflict-table tbody tr").unwrap())
        .map(|tr| tr.text().collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(cells, vec!["Justification|Our policy is required|My own wording".to_string()]);
    assert!(part.contains(">\nMy own wording</textarea>"), "the user's value stays in the form");
    assert!(part.contains("name=\"version\" value=\"1\""), "against the current version");
    assert!(part.contains("<details class=\"soa-inline\" open>"), "the editor is open");
}
