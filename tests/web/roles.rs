//! The AIMS roles register: member-held and named-person roles, validation, filters, stale edits,
//! archive and restore, the AI systems a role covers, the RACI matrix, tenancy, CSV, and the
//! field limits against the migration's CHECKs.

use crate::helpers::{TestApp, location};
use aims_db::OrgScope;
use aims_domain::{OrgId, Role, UserId};
use reqwest::StatusCode;
use sqlx::PgPool;

async fn role_id(app: &TestApp, title: &str) -> String {
    let id: uuid::Uuid = sqlx::query_scalar("select role_id from aims_roles where title = $1")
        .bind(title)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    id.to_string()
}

async fn org_id(app: &TestApp, slug: &str) -> uuid::Uuid {
    sqlx::query_scalar("select org_id from organisations where slug = $1")
        .bind(slug)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn system(app: &TestApp, slug: &str, name: &str) -> String {
    let (org, id) = (org_id(app, slug).await, uuid::Uuid::now_v7());
    sqlx::query(
        "insert into ai_systems (org_id, system_id, ref_no, name, ai_role, lifecycle_stage, automation_level, risk_tier)
         values ($1, $2, (select coalesce(max(ref_no), 0) + 1 from ai_systems where org_id = $1), $3, 'provider',
                 'deployment', 'human-in-the-loop', 'high')",
    )
    .bind(org)
    .bind(id)
    .bind(name)
    .execute(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn roles_are_created_validated_edited_archived_and_restored(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    let scoring = system(&app, "acme", "Credit scoring").await;
    let implementer = app.user_id("implementer@acme.test").await.to_string();

    // Invalid: a custom role without a title, a member and a person at once, a bad address, a
    // term ending before it starts. Every typed value comes back.
    let res = team
        .owner
        .post_form(
            "/o/acme/roles",
            &[
                ("kind", "custom"),
                ("title", " "),
                ("holder_user_id", &implementer),
                ("holder_name", "Jane Roe"),
                ("appointed_on", "2026-06-01"),
                ("until", "2026-01-01"),
                ("responsibilities", "Keep me"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Name the custom role.") && html.contains("Choose a member or name a person, not both."));
    assert!(html.contains("The end date cannot be before the appointment date."));
    assert!(html.contains("value=\"Jane Roe\"") && html.contains(">\nKeep me</textarea>"));
    let res = team
        .owner
        .post_form(
            "/o/acme/roles",
            &[("kind", "custom"), ("title", "Ethics lead"), ("holder_name", "Jane Roe"), ("holder_email", "nope")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("Enter an e-mail address like name@example.com"));
    let res = team.owner.post_form("/o/acme/roles", &[("kind", "risk-owner")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nobody holds it");

    // A member-held role with the kind's name as title, covering an AI system.
    let res = team
        .consultant
        .post_form(
            "/o/acme/roles",
            &[
                ("kind", "aims-manager"),
                ("holder_user_id", &implementer),
                ("system_ids", &scoring),
                ("appointed_on", "2026-01-01"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let manager = location(&res);
    assert!(manager.starts_with("/o/acme/roles/"));
    // A named person without an account.
    let res = team
        .owner
        .post_form(
            "/o/acme/roles",
            &[
                ("kind", "custom"),
                ("title", "Ethics lead"),
                ("holder_name", "Jane Roe"),
                ("holder_email", "Jane@Example.com"),
                ("holder_job_title", "Chief ethicist"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let ethics = role_id(&app, "Ethics lead").await;

    let (_, show) = team.auditor.get_html(&manager).await;
    assert!(show.contains("ROLE-001") && show.contains("AIMS manager") && show.contains("implementer of acme"));
    assert!(show.contains("AI-001") && show.contains("Credit scoring") && show.contains("Created ROLE-001"));
    let (_, list) = team.auditor.get_html("/o/acme/roles").await;
    assert!(list.contains("ROLE-001") && list.contains("ROLE-002"));
    assert!(list.contains("Jane Roe") && list.contains("(no account)"));
    let (_, custom) = team.auditor.get_html("/o/acme/roles?kind=custom").await;
    assert!(custom.contains("Ethics lead") && !custom.contains(">AIMS manager</a>"));
    let (_, held) = team.auditor.get_html(&format!("/o/acme/roles?holder={implementer}")).await;
    let held = &held[..held.find("id=\"raci\"").unwrap()];
    assert!(
        held.contains(">AIMS manager</a>") && !held.contains("Ethics lead"),
        "the RACI grid below shows every role"
    );
    let part = team
        .auditor
        .http
        .get(format!("{}/o/acme/roles?kind=custom", app.base))
        .header("HX-Request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(part.trim_start().starts_with("<section class=\"card\" id=\"results\"") && part.contains("Ethics lead"));

    // Edit, then a stale edit keeps the user's values beside the stored ones.
    let edit =
        |title: &'static str| vec![("kind", "custom"), ("title", title), ("holder_name", "Jane Roe"), ("version", "1")];
    let res = team.consultant.post_form(&format!("/o/acme/roles/{ethics}"), &edit("Ethics board lead")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = team.implementer.post_form(&format!("/o/acme/roles/{ethics}"), &edit("My title")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing") && html.contains("value=\"My title\""));
    assert!(html.contains("Ethics board lead") && html.contains("name=\"version\" value=\"2\""));
    let res = team
        .owner
        .post_form(
            &format!("/o/acme/roles/{ethics}"),
            &[("kind", "custom"), ("title", ""), ("holder_name", "Jane Roe"), ("version", "2")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Archive: gone from the list, shown with "show archived", read-only, then restored.
    let res = team.owner.post_form(&format!("/o/acme/roles/{ethics}/archive"), &[("version", "2")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = team.owner.get_html("/o/acme/roles").await;
    assert!(!list.contains("Ethics board lead"), "gone from the list and from the RACI grid");
    let (_, all) = team.owner.get_html("/o/acme/roles?archived=yes").await;
    assert!(all.contains("Ethics board lead") && all.contains("badge-neutral\">archived"));
    assert_eq!(team.owner.get(&format!("/o/acme/roles/{ethics}/edit")).await.status(), StatusCode::CONFLICT);
    let res = team.owner.post_form(&format!("/o/acme/roles/{ethics}"), &edit("Again")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = team.owner.post_form(&format!("/o/acme/roles/{ethics}/restore"), &[("version", "3")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, show) = team.auditor.get_html(&format!("/o/acme/roles/{ethics}")).await;
    assert!(show.contains("Restored ROLE-002") && show.contains("Archived ROLE-002"));

    // The auditor reads but writes nothing.
    assert_eq!(team.auditor.get("/o/acme/roles/new").await.status(), StatusCode::FORBIDDEN);
    let res = team.auditor.post_form("/o/acme/roles", &[("kind", "risk-owner"), ("holder_name", "X")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = team.auditor.post_form(&format!("/o/acme/roles/{ethics}"), &edit("Auditor")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn the_raci_matrix_is_saved_whole_with_one_accountable_role_per_step(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    for (kind, name) in [("top-management", "Ann Board"), ("aims-manager", "Bob Lead")] {
        let res = team.owner.post_form("/o/acme/roles", &[("kind", kind), ("holder_name", name)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let (top, manager) = (role_id(&app, "Top management").await, role_id(&app, "AIMS manager").await);
    let (_, page) = team.owner.get_html("/o/acme/roles").await;
    assert!(page.contains(&format!("name=\"c1-{top}\"")) && page.contains(&format!("name=\"c18-{manager}\"")));
    assert!(page.contains("aria-label=\"Step 1 "), "each cell names its step and role");

    let (c1_top, c1_manager, c3_top, c3_manager) =
        (format!("c1-{top}"), format!("c1-{manager}"), format!("c3-{top}"), format!("c3-{manager}"));
    let res = team
        .consultant
        .post_form("/o/acme/roles/raci", &[("version", "0"), (&c1_top, "A"), (&c1_manager, "R"), (&c3_manager, "C")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = team.auditor.get_html("/o/acme/roles").await;
    assert!(!page.contains(&format!("name=\"c1-{top}\"")), "the auditor's grid is read-only");
    assert!(page.contains(": none\">—</span>") && page.contains("\">A</span>"));
    let raci_entries: i64 = sqlx::query_scalar("select count(*) from audit_log where entity_type = 'raci'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(raci_entries, 1);

    // Two accountable roles for step 3: 422 naming the step, the letters kept.
    let res = team
        .owner
        .post_form("/o/acme/roles/raci", &[("version", "1"), (&c3_top, "A"), (&c3_manager, "A"), (&c1_top, "A")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("Step 3 (") && html.contains("more than one accountable role"));
    assert!(html.contains("aria-invalid=\"true\""));
    // A stale version: 409 with the stored letters beside the user's.
    let res = team.implementer.post_form("/o/acme/roles/raci", &[("version", "0"), (&c1_top, "I")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let html = res.text().await.unwrap();
    assert!(html.contains("Someone else saved this while you were editing") && html.contains("ROLE-001 A, ROLE-002 R"));
    assert!(html.contains("name=\"version\" value=\"1\""));
    let res = team.auditor.post_form("/o/acme/roles/raci", &[("version", "1"), (&c1_top, "I")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let letters: i64 = sqlx::query_scalar("select count(*) from raci_assignments").fetch_one(&app.pool).await.unwrap();
    assert_eq!(letters, 3, "refused saves changed nothing");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn roles_stay_in_their_workspace_and_export_as_csv(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    let other = app.owner_with_workspace("other").await;
    let foreign_system = system(&app, "other", "Their system").await;
    let res = owner
        .post_form("/o/acme/roles", &[("kind", "risk-owner"), ("holder_name", "Rita"), ("system_ids", &foreign_system)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "another workspace's AI system is refused");
    let stranger = app.user_id("owner@other.test").await.to_string();
    let res = owner.post_form("/o/acme/roles", &[("kind", "risk-owner"), ("holder_user_id", &stranger)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("The holder must be a member of this workspace."));

    for (kind, name) in [("risk-owner", "=cmd|' /C calc'!A0"), ("internal-auditor", "Ida")] {
        owner
            .post_form("/o/acme/roles", &[("kind", kind), ("holder_name", name), ("responsibilities", "a, b\nc")])
            .await;
    }
    let id = role_id(&app, "Risk owner").await;
    assert_eq!(other.get(&format!("/o/other/roles/{id}")).await.status(), StatusCode::NOT_FOUND);
    let res = other.post_form(&format!("/o/other/roles/{id}"), &[("kind", "custom"), ("version", "1")]).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(other.get(&format!("/o/acme/roles/{id}")).await.status(), StatusCode::NOT_FOUND);

    let res = owner.get("/o/acme/roles.csv?kind=risk-owner").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"roles-acme-"));
    let body = res.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(&reader.headers().unwrap()[0], "Reference");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "the filter applies to the export");
    assert_eq!(&rows[0][1], "Risk owner");
    assert_eq!(&rows[0][3], "'=cmd|' /C calc'!A0", "formulas are neutralised");
    assert_eq!(&rows[0][9], "a, b\nc");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn top_management_holders_are_the_current_appointments(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let owner = app.owner_with_workspace("acme").await;
    for (name, from, until) in [
        ("Past", "2020-01-01", "2020-12-31"),
        ("Now", "2020-01-01", ""),
        ("Future", "2099-01-01", ""),
        ("Gone", "", ""),
    ] {
        let res = owner
            .post_form(
                "/o/acme/roles",
                &[
                    ("kind", "top-management"),
                    ("title", name),
                    ("holder_name", name),
                    ("appointed_on", from),
                    ("until", until),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
    }
    owner.post_form("/o/acme/roles", &[("kind", "aims-manager"), ("holder_name", "Not top")]).await;
    let gone = role_id(&app, "Gone").await;
    owner.post_form(&format!("/o/acme/roles/{gone}/archive"), &[("version", "1")]).await;

    let user = app.user_id("owner@acme.test").await;
    let scope = OrgScope::for_test(OrgId(org_id(&app, "acme").await), UserId(user), Role::Owner);
    let mut tx = scope.begin(&app.pool).await.unwrap();
    let today = time::macros::date!(2026 - 12 - 01);
    let holders = aims_db::roles::top_management_holders(&mut tx, today).await.unwrap();
    let names: Vec<String> = holders.iter().map(|r| r.holder()).collect();
    assert_eq!(names, ["Now"]);
}
