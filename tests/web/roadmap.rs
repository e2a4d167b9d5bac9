//! The roadmap, a step's checklist, the completion guard, stale edits, settings and time zones.

use crate::helpers::{Client, TestApp, location};
use aims_domain::catalogue::catalogue;
use reqwest::StatusCode;
use sqlx::PgPool;

async fn tick(client: &Client, slug: &str, step: u8, key: &str) -> reqwest::Response {
    client.post_form(&format!("/o/{slug}/steps/{step}/tasks/{key}"), &[("state", "done")]).await
}

fn percent(html: &str) -> u32 {
    let marker = "data-testid=\"overall-progress\" data-percent=\"";
    let start = html.find(marker).expect("the dashboard shows overall progress") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].parse().unwrap()
}

async fn step_version(app: &TestApp, step: i16) -> String {
    let v: i32 = sqlx::query_scalar("select version from steps where step_number = $1")
        .bind(step)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    v.to_string()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_roadmap_shows_five_phases_and_eighteen_steps(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let (status, html) = owner.get_html("/o/acme/steps").await;
    assert_eq!(status, StatusCode::OK);
    for step in &catalogue().steps {
        assert!(html.contains(&format!("/o/acme/steps/{}\"", step.number)), "step {} is listed", step.number);
    }
    for phase in &catalogue().phases {
        assert!(html.contains(&format!("Phase {} · {}", phase.number, phase.title)));
    }
    assert!(html.contains("0 of 101 tasks"));
    for bad in ["0", "19", "abc", "-1"] {
        assert_eq!(owner.get(&format!("/o/acme/steps/{bad}")).await.status(), StatusCode::NOT_FOUND, "step {bad}");
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn ticking_tasks_moves_progress_and_writes_one_entry_each(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let (_, html) = owner.get_html("/o/acme/").await;
    assert_eq!(percent(&html), 0);
    let step1 = catalogue().step(1).unwrap();
    let entries_before: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&app.pool).await.unwrap();
    for task in &step1.tasks {
        let res = tick(&owner, "acme", 1, &task.key).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/o/acme/steps/1#task-{}", task.key));
    }
    let entries_after: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&app.pool).await.unwrap();
    assert_eq!(entries_after - entries_before, step1.tasks.len() as i64, "one entry per tick");
    // Ticking again changes nothing and records nothing.
    tick(&owner, "acme", 1, &step1.tasks[0].key).await;
    let again: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&app.pool).await.unwrap();
    assert_eq!(again, entries_after);

    let (_, html) = owner.get_html("/o/acme/").await;
    assert_eq!(percent(&html), 6 * 100 / 101);
    let (_, step) = owner.get_html("/o/acme/steps/1").await;
    assert!(step.contains("6 of 6 tasks"));
    assert!(step.contains("the step is now in progress"), "the first tick started the step (history)");
    assert!(step.contains("done by Owner of acme"), "each tick records who");

    let res = owner.post_form(&format!("/o/acme/steps/1/tasks/{}/reopen", step1.tasks[0].key), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, step) = owner.get_html("/o/acme/steps/1").await;
    assert!(step.contains("5 of 6 tasks"));
    assert_eq!(tick(&owner, "acme", 1, "no-such-task").await.status(), StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_step_is_done_only_when_every_task_is_done_or_not_applicable(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let step2 = catalogue().step(2).unwrap();
    tick(&owner, "acme", 2, &step2.tasks[0].key).await;
    let version = step_version(&app, 2).await;
    let fields = [
        ("status", "done"),
        ("owner_id", ""),
        ("due_date", "2027-01-15"),
        ("notes", "Line one\nLine two"),
        ("version", &version),
    ];
    let res = owner.post_form("/o/acme/steps/2", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("cannot be marked done while these tasks are open"));
    for open in &step2.tasks[1..] {
        assert!(
            html.contains(&open.title.replace('\'', "&#39;")) || html.contains(&open.title),
            "{} is named",
            open.key
        );
    }
    assert!(html.contains("value=\"2027-01-15\""), "typed values are kept");
    assert!(html.contains("Line one\nLine two</textarea>"), "notes keep their line breaks");

    // A not-applicable mark needs a reason.
    let key = &step2.tasks[1].key;
    let res =
        owner.post_form(&format!("/o/acme/steps/2/tasks/{key}"), &[("state", "not_applicable"), ("reason", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Say why this task does not apply."));
    let res = owner
        .post_form(
            &format!("/o/acme/steps/2/tasks/{key}"),
            &[("state", "not_applicable"), ("reason", "Single-person team")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    for task in &step2.tasks[2..] {
        tick(&owner, "acme", 2, &task.key).await;
    }
    let version = step_version(&app, 2).await;
    let fields = [("status", "done"), ("owner_id", ""), ("due_date", ""), ("notes", ""), ("version", &version)];
    let res = owner.post_form("/o/acme/steps/2", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = owner.get_html("/o/acme/steps/2").await;
    assert!(html.contains("Reason: Single-person team"));
    // Reopening a task takes the step back to in progress.
    owner.post_form(&format!("/o/acme/steps/2/tasks/{}/reopen", step2.tasks[0].key), &[]).await;
    let status: String =
        sqlx::query_scalar("select status from steps where step_number = 2").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "in_progress");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_stale_step_edit_answers_409_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let version = step_version(&app, 3).await;
    let implementer = app.user_id("implementer@acme.test").await.to_string();
    let first = [
        ("status", "in_progress"),
        ("owner_id", implementer.as_str()),
        ("due_date", ""),
        ("notes", "first"),
        ("version", &version),
    ];
    assert_eq!(team.implementer.post_form("/o/acme/steps/3", &first).await.status(), StatusCode::SEE_OTHER);
    let second =
        [("status", "not_started"), ("owner_id", ""), ("due_date", ""), ("notes", "second"), ("version", &version)];
    let res = team.consultant.post_form("/o/acme/steps/3", &second).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing"));
    assert!(html.contains(">\nsecond</textarea>"), "the user's values are kept to re-apply");
    let notes: String =
        sqlx::query_scalar("select notes from steps where step_number = 3").fetch_one(&app.pool).await.unwrap();
    assert_eq!(notes, "first");
    // An owner who is not a member is refused.
    let version = step_version(&app, 3).await;
    let stranger = uuid::Uuid::now_v7().to_string();
    let bad = [
        ("status", "in_progress"),
        ("owner_id", stranger.as_str()),
        ("due_date", ""),
        ("notes", ""),
        ("version", &version),
    ];
    let res = team.owner.post_form("/o/acme/steps/3", &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The owner must be a member of this workspace."));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn overdue_follows_the_workspaces_time_zone(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    // The day before "today" on the Line Islands (UTC+14): overdue there, not yet due in
    // American Samoa (UTC-11), whose calendar is always at least a day behind.
    let due: time::Date = sqlx::query_scalar("select (now() at time zone 'Pacific/Kiritimati')::date - 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let due = due.to_string();
    let version: i32 = sqlx::query_scalar("select version from organisations").fetch_one(&app.pool).await.unwrap();
    let settings = |tz: &'static str, v: String| {
        vec![
            ("name", "Acme".to_string()),
            ("time_zone", tz.to_string()),
            ("target_certification_date", String::new()),
            ("version", v),
        ]
    };
    let form = settings("Pacific/Kiritimati", version.to_string());
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(owner.post_form("/o/acme/settings", &form).await.status(), StatusCode::SEE_OTHER);
    owner
        .post_form(
            "/o/acme/actions",
            &[("title", "Due yesterday on Kiritimati"), ("due_date", &due), ("priority", "high"), ("status", "open")],
        )
        .await;
    let (_, list) = owner.get_html("/o/acme/actions?overdue=1").await;
    assert!(list.contains("Due yesterday on Kiritimati"), "overdue in UTC+14");

    let form = settings("Pacific/Pago_Pago", (version + 1).to_string());
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(owner.post_form("/o/acme/settings", &form).await.status(), StatusCode::SEE_OTHER);
    let (_, list) = owner.get_html("/o/acme/actions?overdue=1").await;
    assert!(!list.contains("Due yesterday on Kiritimati"), "not overdue in UTC-11");
    assert!(list.contains("No actions match these filters"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn settings_are_for_owners_and_validated(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let fields = [
        ("name", "Acme"),
        ("time_zone", "Europe/Zurich"),
        ("target_certification_date", "2027-06-30"),
        ("version", "1"),
    ];
    let res = team.consultant.post_form("/o/acme/settings", &fields).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("Only an owner can change the workspace settings."));
    let bad = [
        ("name", "Acme"),
        ("time_zone", "Mars/Olympus"),
        ("target_certification_date", "2027-06-30"),
        ("version", "1"),
    ];
    let res = team.owner.post_form("/o/acme/settings", &bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Choose a time zone from the list."));
    assert_eq!(team.owner.post_form("/o/acme/settings", &fields).await.status(), StatusCode::SEE_OTHER);
    let (_, dashboard) = team.auditor.get_html("/o/acme/").await;
    assert!(dashboard.contains("to the certification target (2027-06-30)"));
    let res = team.owner.post_form("/o/acme/settings", &fields).await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "version 1 is stale now");
}

/// A form POST as htmx sends it (`HX-Request: true`), with the CSRF token added.
async fn hx_post(client: &Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = client.csrf_token().await;
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    client.http.post(format!("{}{path}", client.base)).header("HX-Request", "true").form(&all).send().await.unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn with_htmx_a_tick_answers_the_task_and_the_progress_figure(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let step1 = catalogue().step(1).unwrap();
    let (first, second) = (&step1.tasks[0].key, &step1.tasks[1].key);
    let (_, page) = owner.get_html("/o/acme/steps/1").await;
    let tick_form = format!("hx-post=\"/o/acme/steps/1/tasks/{first}\" hx-target=\"closest li\"");
    assert!(page.contains(&tick_form), "the tick form posts with htmx");

    let res = hx_post(&owner, &format!("/o/acme/steps/1/tasks/{first}"), &[("state", "done")]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html"), "a partial");
    assert!(part.contains(&format!("id=\"task-{first}\"")) && part.contains("task-closed"));
    assert!(!part.contains(&format!("id=\"task-{second}\"")), "only the ticked task");
    assert!(part.contains("id=\"step-progress\" hx-swap-oob=\"true\"") && part.contains("1 of 6 tasks"));

    let res = hx_post(&owner, &format!("/o/acme/steps/1/tasks/{second}"), &[("state", "not_applicable")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let part = res.text().await.unwrap();
    assert!(!part.contains("<html") && part.contains("Say why this task does not apply."));

    let res = hx_post(&owner, &format!("/o/acme/steps/1/tasks/{first}/reopen"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let part = res.text().await.unwrap();
    assert!(!part.contains("task-closed") && part.contains("0 of 6 tasks"));

    // Without JavaScript: 303 back to the task, and the full page shows the tick.
    let res = tick(&owner, "acme", 1, first).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/o/acme/steps/1#task-{first}"));
    let (_, page) = owner.get_html("/o/acme/steps/1").await;
    assert!(page.contains("<html") && page.contains("1 of 6 tasks"));
    assert!(!page.contains("hx-swap-oob"), "the full page has the figure in place");
}
