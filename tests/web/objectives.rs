//! AI objectives: create, validate, filter by status (htmx or whole page), page, related AI systems
//! (shown on each system's page), stale edits, archive and restore, and owners and systems from
//! this workspace only.

use crate::ai_systems::add_system;
use crate::helpers::{TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn objectives_are_validated_created_filtered_and_paged(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team
        .implementer
        .post_form(
            "/o/acme/objectives",
            &[
                ("objective", ""),
                ("measure", "Share of systems\nwith a current assessment"),
                ("target", "100 %"),
                ("due_date", "next June"),
                ("status", "someday"),
                ("system_ids", "not-an-id"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for message in [
        "Enter the objective.",
        "Enter a date as YYYY-MM-DD.",
        "Choose a status.",
        "Choose AI systems from the inventory.",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains(">\nShare of systems\nwith a current assessment</textarea>"));
    assert!(html.contains("value=\"100 %\"") && html.contains("value=\"next June\""));

    let implementer = app.user_id("implementer@acme.test").await.to_string();
    for (objective, status, due) in [
        ("Assess every high-risk system", "in_progress", "2099-06-30"),
        ("Train every developer", "planned", ""),
        ("Publish the AI policy", "achieved", "2026-01-31"),
    ] {
        let res = team
            .implementer
            .post_form(
                "/o/acme/objectives",
                &[("objective", objective), ("status", status), ("due_date", due), ("owner_id", &implementer)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{objective}");
        assert!(location(&res).starts_with("/o/acme/objectives/"));
    }
    let (status, list) = team.auditor.get_html("/o/acme/objectives").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("OBJ-001") && list.contains("OBJ-003") && list.contains("2099-06-30"));
    let (_, planned) = team.auditor.get_html("/o/acme/objectives?status=planned").await;
    assert!(planned.contains("Train every developer") && !planned.contains("Assess every high-risk system"));
    let (_, none) = team.auditor.get_html("/o/acme/objectives?status=cancelled").await;
    assert!(none.contains("No objectives with this status"));
    let (_, paged) = team.auditor.get_html("/o/acme/objectives?per_page=2&page=2").await;
    assert!(
        paged.contains("Publish the AI policy")
            && !paged.contains("Train every developer")
            && paged.contains("3–3 of 3")
    );

    // Another workspace's member cannot own an objective here.
    let _other = app.owner_with_workspace("other").await;
    let stranger = app.user_id("owner@other.test").await.to_string();
    let res = team
        .owner
        .post_form("/o/acme/objectives", &[("objective", "Hijack"), ("status", "planned"), ("owner_id", &stranger)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("The owner must be a member of this workspace.") && html.contains("value=\"Hijack\""));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_objective_with_two_systems_shows_on_each_systems_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let credit = add_system(&team.owner, "acme", "Credit scoring", "high", "deployment", true).await;
    let chat = add_system(&team.owner, "acme", "Chat assistant", "limited", "deployment", true).await;
    let spam = add_system(&team.owner, "acme", "Spam filter", "minimal", "deployment", false).await;
    let other = app.owner_with_workspace("other").await;
    let foreign = add_system(&other, "other", "Foreign system", "high", "deployment", true).await;

    let (_, form) = team.implementer.get_html("/o/acme/objectives/new").await;
    assert!(form.contains("AI-001 Credit scoring") && form.contains("AI-003 Spam filter"), "the inventory is offered");
    assert!(!form.contains("Foreign system"));

    // A system of another workspace is refused, and the typed values stay.
    let res = team
        .implementer
        .post_form(
            "/o/acme/objectives",
            &[("objective", "Fair credit"), ("status", "planned"), ("system_ids", &credit), ("system_ids", &foreign)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Choose AI systems from the inventory.") && html.contains("value=\"Fair credit\""));
    assert!(html.contains(&format!("value=\"{credit}\" checked")), "ticked boxes stay ticked");
    let links: i64 =
        sqlx::query_scalar("select count(*) from objective_ai_systems").fetch_one(&app.pool).await.unwrap();
    assert_eq!(links, 0, "nothing was saved");

    let res = team
        .implementer
        .post_form(
            "/o/acme/objectives",
            &[
                ("objective", "Every customer-facing AI is explained"),
                ("measure", "Transparency notices published"),
                ("target", "2 of 2"),
                ("status", "in_progress"),
                ("system_ids", &chat),
                ("system_ids", &credit),
                ("system_ids", &credit),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let objective = location(&res);
    let (_, show) = team.auditor.get_html(&objective).await;
    let (a, b) = (show.find("Credit scoring").unwrap(), show.find("Chat assistant").unwrap());
    assert!(a < b, "related systems by reference");
    assert!(!show.contains("Spam filter"));

    for id in [&credit, &chat] {
        let (_, page) = team.auditor.get_html(&format!("/o/acme/ai-systems/{id}")).await;
        let linked = &page[page.find("Linked records").unwrap()..];
        assert!(linked.contains("OBJ-001") && linked.contains("Every customer-facing AI is explained"));
        assert!(linked.contains(&format!("href=\"{objective}\"")));
    }
    let (_, page) = team.auditor.get_html(&format!("/o/acme/ai-systems/{spam}")).await;
    assert!(!page.contains("OBJ-001") && page.contains("No AI objective refers to this system yet."));
    let (_, list) = team.auditor.get_html("/o/acme/objectives").await;
    assert!(list.contains("AI-001") && list.contains("AI-002") && !list.contains("AI-003"));

    // Editing the links moves the objective between the systems' pages.
    let res = team
        .consultant
        .post_form(
            &objective,
            &[
                ("objective", "Every customer-facing AI is explained"),
                ("status", "in_progress"),
                ("system_ids", &chat),
                ("system_ids", &spam),
                ("version", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html(&format!("/o/acme/ai-systems/{credit}")).await;
    assert!(!page.contains("OBJ-001"));
    let (_, page) = team.auditor.get_html(&format!("/o/acme/ai-systems/{spam}")).await;
    assert!(page.contains("OBJ-001"));
    let (_, show) = team.auditor.get_html(&objective).await;
    assert!(show.contains("Updated OBJ-001"));
    let after: serde_json::Value =
        sqlx::query_scalar("select after from audit_log where entity_type = 'objective' order by seq desc limit 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(after["ai_systems"], "AI-002, AI-003", "the audit entry records the links");

    // An archived system stays linked and leaves the choices for new objectives.
    let res = team.owner.post_form(&format!("/o/acme/ai-systems/{spam}/archive"), &[("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, show) = team.auditor.get_html(&objective).await;
    assert!(show.contains("Spam filter") && show.contains("Archived"));
    let (_, form) = team.owner.get_html(&format!("{objective}/edit")).await;
    assert!(form.contains("AI-003 Spam filter (archived)") && form.contains(&format!("value=\"{spam}\" checked")));
    let (_, form) = team.owner.get_html("/o/acme/objectives/new").await;
    assert!(!form.contains("Spam filter"));
    let res = team
        .owner
        .post_form("/o/acme/objectives", &[("objective", "Late link"), ("status", "planned"), ("system_ids", &spam)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "archived systems cannot be newly linked");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_objective_edit_answers_409_and_archiving_hides_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let credit = add_system(&team.owner, "acme", "Credit scoring", "high", "deployment", true).await;
    let res = team
        .owner
        .post_form(
            "/o/acme/objectives",
            &[("objective", "Fair credit"), ("status", "planned"), ("system_ids", &credit)],
        )
        .await;
    let objective = location(&res);
    let res = team
        .consultant
        .post_form(&objective, &[("objective", "Fair credit decisions"), ("status", "in_progress"), ("version", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = team
        .implementer
        .post_form(
            &objective,
            &[("objective", "My version"), ("status", "achieved"), ("system_ids", &credit), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains("Fair credit decisions") && html.contains("value=\"My version\""));
    assert!(html.contains("name=\"version\" value=\"2\"") && html.contains(&format!("value=\"{credit}\" checked")));
    let (text, status, version): (String, String, i32) =
        sqlx::query_as("select objective, status, version from objectives").fetch_one(&app.pool).await.unwrap();
    assert_eq!(
        (text.as_str(), status.as_str(), version),
        ("Fair credit decisions", "in_progress", 2),
        "nothing changed"
    );
    let links: i64 =
        sqlx::query_scalar("select count(*) from objective_ai_systems").fetch_one(&app.pool).await.unwrap();
    assert_eq!(links, 0, "the first save removed the link; the stale one did not restore it");

    let res = team.owner.post_form(&format!("{objective}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/o/acme/objectives");
    let (_, list) = team.owner.get_html("/o/acme/objectives").await;
    assert!(!list.contains("Fair credit decisions") && list.contains("No AI objectives yet"));
    let (status, show) = team.auditor.get_html(&objective).await;
    assert_eq!(status, StatusCode::OK, "archived objectives stay readable");
    assert!(show.contains("Archived OBJ-001"));
    assert_eq!(
        team.owner.get(&format!("{objective}/edit")).await.status(),
        StatusCode::CONFLICT,
        "an archived objective is read-only"
    );
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_objectives_export_has_every_filtered_objective(pool: sqlx::PgPool) {
    let app = crate::helpers::TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    for (objective, status) in [("=Reduce false alerts", "in_progress"), ("Train every engineer", "planned")] {
        let res = owner
            .post_form(
                "/o/acme/objectives",
                &[("objective", objective), ("measure", "rate"), ("target", "5%"), ("status", status)],
            )
            .await;
        assert_eq!(res.status(), reqwest::StatusCode::SEE_OTHER, "{objective}");
    }
    let res = owner.get("/o/acme/objectives.csv?status=in_progress").await;
    assert!(res.headers()["content-disposition"].to_str().unwrap().contains("objectives-acme-"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 9);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "the filter applies");
    assert_eq!(&rows[0][1], "'=Reduce false alerts", "formulas are neutralised");
    assert_eq!(&rows[0][6], "In progress");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_archived_objective_is_read_only_until_restored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let res = team.owner.post_form("/o/acme/objectives", &[("objective", "Fair credit"), ("status", "planned")]).await;
    let objective = location(&res);
    let res = team.owner.post_form(&format!("{objective}/archive"), &[("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (status, show) = team.owner.get_html(&objective).await;
    assert_eq!(status, StatusCode::OK);
    assert!(show.contains("badge-neutral\">archived</span>") && show.contains(">Restore</button>"));
    assert!(!show.contains(&format!("{objective}/edit\"")), "no Edit on an archived objective");
    let (_, list) = team.owner.get_html("/o/acme/objectives?archived=yes").await;
    assert!(list.contains("Fair credit") && list.contains("badge-neutral\">archived</span>"), "shown on request");

    let edit = [("objective", "Changed while archived"), ("status", "achieved"), ("version", "2")];
    let res = team.consultant.post_form(&objective, &edit).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains(">Restore</button>"), "the 409 is the read-only row page");
    let text: String = sqlx::query_scalar("select objective from objectives").fetch_one(&app.pool).await.unwrap();
    assert_eq!(text, "Fair credit", "nothing changed");

    let res = team.consultant.post_form(&format!("{objective}/restore"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), objective);
    let (_, show) = team.consultant.get_html(&objective).await;
    assert!(show.contains("OBJ-001 restored.") && show.contains("Restored OBJ-001") && show.contains("/edit\""));
    let (_, list) = team.owner.get_html("/o/acme/objectives").await;
    assert!(list.contains("Fair credit"), "back in the list");
    let edit = [("objective", "Fair credit decisions"), ("status", "achieved"), ("version", "3")];
    let res = team.consultant.post_form(&objective, &edit).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "editable again");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_objective_filter_answers_htmx_with_the_results_only(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    for (objective, status) in [("Train every engineer", "planned"), ("Publish the policy", "achieved")] {
        owner.post_form("/o/acme/objectives", &[("objective", objective), ("status", status)]).await;
    }
    let res = owner
        .http
        .get(format!("{}/o/acme/objectives?status=planned", owner.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.trim_start().starts_with("<section class=\"card\" id=\"results\""));
    assert!(part.contains("Train every engineer") && !part.contains("Publish the policy"));

    let (_, page) = owner.get_html("/o/acme/objectives?status=planned").await;
    assert!(
        page.contains("<html") && page.contains("id=\"results\"") && page.contains("hx-get=\"/o/acme/objectives\"")
    );
    assert!(page.contains("Train every engineer") && !page.contains("Publish the policy"));
}
