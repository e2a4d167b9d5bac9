//! One sweep over every register built on the kit: the same create, 422, 409, archive, read-only
//! archived page, restore and show-archived behaviour, so a register cannot drift from the others.

use crate::helpers::{Client, TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

/// How to reach one register and make a valid row of it.
struct Spec {
    /// The list's path inside the workspace; rows are `{list}/{id}`.
    list: &'static str,
    /// Its table, id column and the column holding `TITLE`.
    table: (&'static str, &'static str, &'static str),
    /// The field that must not be empty (blanked for the 422).
    required: &'static str,
    /// Valid values besides the required field.
    fields: &'static [(&'static str, &'static str)],
}

const TITLE: &str = "Kit sweep row";

const REGISTERS: &[Spec] = &[
    Spec {
        list: "actions",
        table: ("actions", "action_id", "title"),
        required: "title",
        fields: &[("priority", "medium"), ("status", "open")],
    },
    Spec {
        list: "ai-systems",
        table: ("ai_systems", "system_id", "name"),
        required: "name",
        fields: &[
            ("ai_role", "provider"),
            ("lifecycle_stage", "deployment"),
            ("automation_level", "human-in-the-loop"),
            ("risk_tier", "high"),
            ("in_scope", "yes"),
        ],
    },
    Spec {
        list: "objectives",
        table: ("objectives", "objective_id", "objective"),
        required: "objective",
        fields: &[("status", "planned")],
    },
    Spec {
        list: "scope/issues",
        table: ("context_issues", "issue_id", "title"),
        required: "title",
        fields: &[("kind", "external")],
    },
    Spec {
        list: "scope/parties",
        table: ("interested_parties", "party_id", "name"),
        required: "name",
        fields: &[("addressed", "yes")],
    },
    Spec {
        list: "roles",
        table: ("aims_roles", "role_id", "title"),
        required: "title",
        fields: &[("holder_name", "Ada Lovelace"), ("kind", "custom")],
    },
];

fn form<'a>(spec: &'a Spec, title: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut f: Vec<(&str, &str)> = spec.fields.to_vec();
    f.push((spec.required, title));
    f.push(("version", version));
    f
}

async fn create(app: &TestApp, owner: &Client, spec: &Spec) -> String {
    let res = owner.post_form(&format!("/o/acme/{}", spec.list), &form(spec, TITLE, "0")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}: a valid row is created", spec.list);
    let (table, id, title) = spec.table;
    // Static per register: the names come from the table above, not from input.
    let sql = format!("select {id}::text from {table} where {title} = $1");
    sqlx::query_scalar(&sql).bind(TITLE).fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_register_answers_422_409_archives_read_only_and_restores(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let team = app.team("acme").await;
    for spec in REGISTERS {
        let id = create(&app, &team.owner, spec).await;
        let list = format!("/o/acme/{}", spec.list);
        let row = format!("{list}/{id}");
        let link = format!("href=\"{row}\"");

        // Invalid: 422, the message by the field, the typed values kept.
        let res = team.consultant.post_form(&row, &form(spec, "", "1")).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{row}: a missing {} is refused", spec.required);
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("id=\"f-{}-error\"", spec.required)), "{row}: the message is by the field");
        let (other_field, other_value) = spec.fields[0];
        assert!(html.contains(&format!("value=\"{other_value}\"")), "{row}: the typed {other_field} is kept");

        // Stale: 409 with the stored values beside the user's, which stay in the form.
        let res = team.implementer.post_form(&row, &form(spec, "Someone's older edit", "0")).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{row}: a stale version is refused");
        let html = res.text().await.unwrap();
        assert!(html.contains("Someone else saved this while you were editing"), "{row}: the shared conflict banner");
        assert!(html.contains("Stored now") && html.contains(TITLE), "{row}: the stored value is shown");
        assert!(
            html.contains("value=\"Someone&#x27;s older edit\"") || html.contains("Someone&#39;s older edit"),
            "{row}: the user's value stays"
        );

        // Archive: gone from the list, still readable, read-only, listed when asked for.
        let res = team.owner.post_form(&format!("{row}/archive"), &[("version", "1")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{row}: archived");
        assert_eq!(location(&res), list);
        let (_, html) = team.owner.get_html(&list).await;
        assert!(!html.contains(&link), "{row}: archived rows leave the list");
        let (_, html) = team.owner.get_html(&format!("{list}?archived=yes")).await;
        assert!(html.contains(&link), "{row}: show archived lists it");
        let (status, html) = team.auditor.get_html(&row).await;
        assert_eq!(status, StatusCode::OK, "{row}: archived rows stay readable");
        assert!(html.contains("<strong>Archived</strong>") && html.contains("badge-neutral\">archived"));
        assert!(!html.contains("Restore"), "{row}: auditors get no Restore");
        let (_, html) = team.implementer.get_html(&row).await;
        assert!(
            html.contains(">Restore</button>") && !html.contains(&format!("{row}/edit\"")),
            "{row}: read-only page"
        );

        // Writes to an archived row answer 409 with its page.
        let res = team.implementer.post_form(&row, &form(spec, "Edited while archived", "2")).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{row}: no edit while archived");
        assert!(res.text().await.unwrap().contains(">Restore</button>"));
        let res = team.implementer.post_form(&format!("{row}/archive"), &[("version", "2")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{row}: archiving twice");
        assert_eq!(team.implementer.get(&format!("{row}/edit")).await.status(), StatusCode::CONFLICT);
        let res = team.auditor.post_form(&format!("{row}/restore"), &[("version", "2")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{row}: auditors cannot restore");

        // Restore: back in the list and editable.
        let res = team.implementer.post_form(&format!("{row}/restore"), &[("version", "1")]).await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{row}: a stale restore is refused");
        let res = team.implementer.post_form(&format!("{row}/restore"), &[("version", "2")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{row}: restored");
        assert_eq!(location(&res), row);
        let (_, html) = team.owner.get_html(&list).await;
        assert!(html.contains(&link), "{row}: back in the list");
        let (_, html) = team.owner.get_html(&row).await;
        assert!(html.contains(&format!("{row}/edit\"")) && !html.contains("<strong>Archived</strong>"));
        let (status, html) = team.owner.get_html(&format!("{row}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!html.contains("value=\"—\""), "{row}: the edit form holds values, not placeholders");
        let res = team.owner.post_form(&row, &form(spec, "Edited after restore", "3")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{row}: editable again");
    }
    let restores: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'restore'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(restores, REGISTERS.len() as i64, "each restore is in the audit log");
}
