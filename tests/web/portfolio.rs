//! The consultant's portfolio and "my work" across workspaces.

use crate::helpers::TestApp;
use aims_db::OrgScope;
use aims_domain::catalogue::catalogue;
use aims_domain::roadmap::TaskState;
use aims_domain::{OrgName, OrgSlug, Role, UserId};
use reqwest::StatusCode;
use sqlx::PgPool;

fn portfolio_percents(html: &str) -> Vec<(String, u32)> {
    let doc = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("table.table tbody tr").unwrap();
    let link = scraper::Selector::parse("td a").unwrap();
    let cell = scraper::Selector::parse("[data-testid=portfolio-progress]").unwrap();
    doc.select(&rows)
        .map(|r| {
            let slug = r.select(&link).next().unwrap().value().attr("href").unwrap().to_string();
            let pct = r.select(&cell).next().unwrap().value().attr("data-percent").unwrap().parse().unwrap();
            (slug, pct)
        })
        .collect()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_consultant_sees_fifty_clients_with_their_own_progress(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let consultant = app.signup("Connie Consultant", "connie@advisory.test").await;
    let connie = UserId(app.user_id("connie@advisory.test").await);
    // 50 client workspaces, created directly through the database layer for speed.
    for i in 0..50 {
        let slug = format!("client-{i:02}");
        let org = aims_db::orgs::create(
            &app.pool,
            connie,
            "Connie",
            &OrgName::parse(&format!("Client {i:02}")).unwrap(),
            &OrgSlug::parse(&slug).unwrap(),
        )
        .await
        .unwrap();
        // Client n has n % 7 tasks of step 1 ticked (0 to 6).
        let scope = OrgScope::for_test(org.id(), connie, Role::Owner);
        let mut tx = scope.begin(&app.pool).await.unwrap();
        for task in catalogue().step(1).unwrap().tasks.iter().take(i % 7) {
            aims_db::roadmap::close_task(&mut tx, 1, &task.key, TaskState::Done, "").await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    // Someone else's workspace must not appear.
    app.owner_with_workspace("stranger").await;

    let (status, html) = consultant.get_html("/orgs").await;
    assert_eq!(status, StatusCode::OK);
    let rows = portfolio_percents(&html);
    assert_eq!(rows.len(), 50);
    assert!(!html.contains("/o/stranger/"));
    for (slug, pct) in &rows {
        let i: usize = slug.trim_start_matches("/o/client-").trim_end_matches('/').parse().unwrap();
        assert_eq!(*pct, ((i % 7) * 100 / 101) as u32, "{slug}");
    }
    assert!(html.contains("cell-in_progress") && html.contains("cell-not_started"), "the step grid is coloured");
    let (_, sorted) = consultant.get_html("/orgs?sort=progress").await;
    let sorted = portfolio_percents(&sorted);
    assert!(sorted.windows(2).all(|w| w[0].1 >= w[1].1), "sorted by progress");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn my_work_lists_what_is_assigned_across_workspaces_overdue_first(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let a = app.team("alpha").await;
    let b = app.owner_with_workspace("beta").await;
    let link = app.invite(&b, "beta", "implementer@alpha.test", "implementer", "").await;
    a.implementer.post_form(&link, &[]).await;
    let me = app.user_id("implementer@alpha.test").await.to_string();
    a.owner
        .post_form(
            "/o/alpha/actions",
            &[
                ("title", "Future alpha work"),
                ("due_date", "2099-01-01"),
                ("priority", "low"),
                ("status", "open"),
                ("owner_id", &me),
            ],
        )
        .await;
    b.post_form(
        "/o/beta/actions",
        &[
            ("title", "Late beta work"),
            ("due_date", "2020-01-01"),
            ("priority", "high"),
            ("status", "open"),
            ("owner_id", &me),
        ],
    )
    .await;
    b.post_form(
        "/o/beta/actions",
        &[
            ("title", "Finished beta work"),
            ("due_date", "2020-01-01"),
            ("priority", "high"),
            ("status", "done"),
            ("owner_id", &me),
        ],
    )
    .await;
    let version: i32 = sqlx::query_scalar(
        "select s.version from steps s join organisations o using (org_id) where o.slug = 'alpha' and step_number = 5",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let version = version.to_string();
    a.owner
        .post_form(
            "/o/alpha/steps/5",
            &[("status", "in_progress"), ("owner_id", &me), ("due_date", ""), ("notes", ""), ("version", &version)],
        )
        .await;

    let (status, html) = a.implementer.get_html("/my-work").await;
    assert_eq!(status, StatusCode::OK);
    let late = html.find("Late beta work").expect("overdue action listed");
    let future = html.find("Future alpha work").expect("future action listed");
    assert!(late < future, "overdue first");
    let step5 = &catalogue().step(5).unwrap().title;
    assert!(html.contains(&format!("Step 5: {step5}")), "owned step listed with its title");
    assert!(!html.contains("Finished beta work"), "done actions are not work");
    assert!(html.contains("1 overdue"));
    // The owner of beta sees none of the implementer's alpha work.
    let (_, theirs) = b.get_html("/my-work").await;
    assert!(!theirs.contains("Future alpha work"));
}
