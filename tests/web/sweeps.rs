//! Security sweeps over every route of the router (`aims_web::route_list`), so each new area is
//! covered without new test code: another tenant's slug or row → 404, every write as an auditor
//! → 403, every POST without a valid CSRF token or from a foreign origin → 403, and markup typed
//! into any text field comes back escaped.

use crate::helpers::{Client, PASSWORD, TestApp, csrf_from};
use aims_web::RouteInfo;
use reqwest::StatusCode;
use scraper::{Html, Selector};
use sqlx::PgPool;
use std::collections::HashMap;

/// Replaces `{name}` placeholders with values.
fn fill(path: &str, params: &HashMap<&str, String>) -> String {
    let mut out = path.to_string();
    for (k, v) in params {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    assert!(!out.contains('{'), "no value for a placeholder in {path}: add it to the sweep's params");
    out
}

/// Path parameters that name a tenant's row (catalogue keys like a step number are the same in
/// every workspace).
const TENANT_ROW_PARAMS: &[&str] = &[
    "user_id",
    "invitation_id",
    "action_id",
    "system_id",
    "objective_id",
    "issue_id",
    "party_id",
    "role_id",
    "version_no",
];

/// Plausible form fields for any POST route, so handlers get past parsing to their checks.
const FIELDS: &[(&str, &str)] =
    &[("role", "auditor"), ("access_until", ""), ("version", "1"), ("email", "x@example.com")];

fn workspace_routes() -> Vec<RouteInfo> {
    aims_web::route_list().into_iter().filter(|r| r.path.starts_with("/o/{slug}")).collect()
}

/// Values for every placeholder, pointing at rows of workspace alpha.
async fn alpha_params(app: &TestApp, owner: &Client) -> HashMap<&'static str, String> {
    app.invite(owner, "alpha", "pending@example.com", "implementer", "").await;
    let invitation: uuid::Uuid =
        sqlx::query_scalar("select invitation_id from invitations where email = 'pending@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let res = owner
        .post_form("/o/alpha/actions", &[("title", "Sweep action"), ("priority", "high"), ("status", "open")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "the sweep's action is created");
    let action: uuid::Uuid = sqlx::query_scalar("select action_id from actions where title = 'Sweep action'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    // One row of every other register, written directly so the sweep does not depend on forms.
    let org: uuid::Uuid =
        sqlx::query_scalar("select org_id from organisations where slug = 'alpha'").fetch_one(&app.pool).await.unwrap();
    let (system, objective, issue, party, role) =
        (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for (sql, id) in [
        (
            "insert into ai_systems (org_id, system_id, ref_no, name, ai_role, lifecycle_stage, automation_level, risk_tier)
             values ($1, $2, 1, 'Sweep system', 'provider', 'deployment', 'human-in-the-loop', 'high')",
            system,
        ),
        ("insert into objectives (org_id, objective_id, ref_no, objective) values ($1, $2, 1, 'Sweep objective')", objective),
        ("insert into context_issues (org_id, issue_id, kind, title) values ($1, $2, 'external', 'Sweep issue')", issue),
        ("insert into interested_parties (org_id, party_id, name) values ($1, $2, 'Sweep party')", party),
        (
            "insert into aims_roles (org_id, role_id, ref_no, kind, title, holder_name) values ($1, $2, 1, 'custom', 'Sweep role', 'Sweep holder')",
            role,
        ),
    ] {
        sqlx::query(sql).bind(org).bind(id).execute(&app.pool).await.unwrap();
    }
    sqlx::query(
        "insert into scope_versions (org_id, version_no, status, units, approved_at) values ($1, 1, 'approved', 'Sweep', now())",
    )
    .bind(org)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("insert into soa_versions (org_id, version_no, approver_name, snapshot) values ($1, 1, 'Sweep', '[]')")
        .bind(org)
        .execute(&app.pool)
        .await
        .unwrap();
    HashMap::from([
        ("system_id", system.to_string()),
        ("objective_id", objective.to_string()),
        ("issue_id", issue.to_string()),
        ("party_id", party.to_string()),
        ("role_id", role.to_string()),
        ("version_no", "1".to_string()),
        ("requirement", "6.1.2".to_string()),
        ("control_id", "A.2.2".to_string()),
        ("slug", "alpha".to_string()),
        ("user_id", app.user_id("implementer@alpha.test").await.to_string()),
        ("invitation_id", invitation.to_string()),
        ("action_id", action.to_string()),
        ("token", "not-a-real-token".to_string()),
        // Catalogue keys, the same in every workspace (not tenant rows).
        ("n", "1".to_string()),
        ("key", "inventory-ai-systems".to_string()),
    ])
}

async fn send(client: &Client, method: &str, path: &str, with_token: bool) -> (StatusCode, String) {
    let res = if method == "GET" {
        client.get(path).await
    } else if with_token {
        client.post_form(path, FIELDS).await
    } else {
        client.post_raw(path, FIELDS).await
    };
    (res.status(), res.text().await.unwrap())
}

async fn audit_entries(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log").fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_workspace_route_of_another_tenant_answers_404(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let alpha = app.team("alpha").await;
    let outsider = app.owner_with_workspace("beta").await;
    let params = alpha_params(&app, &alpha.owner).await;
    let before = audit_entries(&app).await;
    let routes = workspace_routes();
    assert!(routes.len() >= 7, "the sweep sees the workspace routes: {routes:?}");
    for route in &routes {
        // Another tenant's slug: the same answer as a workspace that does not exist.
        let path = fill(route.path, &params);
        let (status, body) = send(&outsider, route.method, &path, true).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{} {path} as an outsider", route.method);
        let mut missing = params.clone();
        missing.insert("slug", "no-such-workspace".into());
        let (_, missing_body) = send(&outsider, route.method, &fill(route.path, &missing), true).await;
        assert_eq!(body, missing_body, "{} {path}: same page as a missing workspace", route.method);

        // Own slug, but a row id of the other tenant.
        if TENANT_ROW_PARAMS.iter().any(|p| route.path.contains(&format!("{{{p}}}"))) {
            let mut own = params.clone();
            own.insert("slug", "beta".into());
            let path = fill(route.path, &own);
            let (status, _) = send(&outsider, route.method, &path, true).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{} {path}: another tenant's row", route.method);
        }
    }
    assert_eq!(audit_entries(&app).await, before, "nothing changed anywhere");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_write_as_an_auditor_answers_403(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let alpha = app.team("alpha").await;
    let params = alpha_params(&app, &alpha.owner).await;
    let before = audit_entries(&app).await;
    let writes: Vec<RouteInfo> = workspace_routes().into_iter().filter(|r| r.method != "GET").collect();
    assert!(writes.len() >= 4, "{writes:?}");
    for route in &writes {
        let path = fill(route.path, &params);
        let (status, body) = send(&alpha.auditor, route.method, &path, true).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{} {path} as an auditor", route.method);
        assert!(body.contains("read-only"), "the 403 page says why");
    }
    // And an auditor reads every page.
    for route in workspace_routes().iter().filter(|r| r.method == "GET") {
        let path = fill(route.path, &params);
        let status = alpha.auditor.get(&path).await.status();
        // Form pages for writing (`…/new`, `…/edit`) are refused up front; everything else reads.
        let form_page = path.ends_with("/new") || path.ends_with("/edit");
        let ok = status.is_success() || status.is_redirection() || (form_page && status == StatusCode::FORBIDDEN);
        assert!(ok, "GET {path} as an auditor: {status}");
    }
    assert_eq!(audit_entries(&app).await, before);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_post_without_a_valid_csrf_token_or_from_another_site_answers_403(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let alpha = app.team("alpha").await;
    let params = alpha_params(&app, &alpha.owner).await;
    let anonymous = app.client();
    anonymous.get("/login").await;
    let before = audit_entries(&app).await;
    let users_before: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    let posts: Vec<RouteInfo> = aims_web::route_list().into_iter().filter(|r| r.method == "POST").collect();
    assert!(posts.len() >= 10, "{posts:?}");
    for route in &posts {
        let path = fill(route.path, &params);
        for client in [&alpha.owner, &anonymous] {
            let (status, _) = send(client, "POST", &path, false).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "POST {path} without a token");
            let mut fields = FIELDS.to_vec();
            fields.push(("csrf_token", "forged-token"));
            let status = client.post_raw(&path, &fields).await.status();
            assert_eq!(status, StatusCode::FORBIDDEN, "POST {path} with a wrong token");
        }
        let token = alpha.owner.csrf_token().await;
        let mut fields = FIELDS.to_vec();
        fields.push(("csrf_token", &token));
        let res = alpha
            .owner
            .http
            .post(format!("{}{path}", app.base))
            .header("origin", "https://evil.example")
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "POST {path} from a foreign origin");
    }
    assert_eq!(audit_entries(&app).await, before);
    let users_after: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users_after, users_before);
    assert_eq!(alpha.owner.get("/orgs").await.status(), StatusCode::OK, "logout without a token did nothing");
}

const PAYLOAD: &str = "\"><script>alert('x')</script><img src=x onerror=alert(1)>";
const RAW: [&str; 2] = ["<script>alert('x')</script>", "<img src=x onerror"];

/// One form of a page.
struct FormSpec {
    action: String,
    fields: Vec<(String, String, String)>, // (name, value, kind)
}

fn forms_of(html: &str, page: &str) -> Vec<FormSpec> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form[method=post]").unwrap();
    let field_sel = Selector::parse("input[name], select[name], textarea[name]").unwrap();
    let option_sel = Selector::parse("option").unwrap();
    doc.select(&form_sel)
        .map(|form| {
            let action = form.value().attr("action").unwrap_or(page).to_string();
            let fields = form
                .select(&field_sel)
                .map(|f| {
                    let v = f.value();
                    let name = v.attr("name").unwrap().to_string();
                    match v.name() {
                        "select" => {
                            let chosen = f
                                .select(&option_sel)
                                .find(|o| o.value().attr("selected").is_some())
                                .or_else(|| f.select(&option_sel).next())
                                .and_then(|o| o.value().attr("value"))
                                .unwrap_or("")
                                .to_string();
                            (name, chosen, "select".to_string())
                        }
                        "textarea" => (name, String::new(), "textarea".to_string()),
                        _ => (
                            name,
                            v.attr("value").unwrap_or("").to_string(),
                            v.attr("type").unwrap_or("text").to_string(),
                        ),
                    }
                })
                .collect();
            FormSpec { action, fields }
        })
        .collect()
}

/// A plausible value for a field of a kind, so that only the field under test is hostile.
fn plausible(kind: &str, n: usize) -> String {
    match kind {
        "email" => format!("sweep{n}@example.com"),
        "password" => PASSWORD.to_string(),
        "date" => "2099-01-01".to_string(),
        _ => format!("Sample {n}"),
    }
}

fn assert_escaped(body: &str, context: &str) {
    for raw in RAW {
        assert!(!body.contains(raw), "unescaped markup in {context}");
    }
}

/// Submits every POST form of a page once per text field, with the markup in that field.
async fn attack_forms(client: &Client, page: &str, escaped_seen: &mut bool, n: &mut usize) {
    let (status, html) = client.get_html(page).await;
    if status != StatusCode::OK {
        return;
    }
    for form in forms_of(&html, page) {
        if form.action == "/logout" {
            continue;
        }
        let typed: Vec<usize> = (0..form.fields.len())
            .filter(|&i| !matches!(form.fields[i].2.as_str(), "hidden" | "select" | "submit" | "checkbox" | "radio"))
            .collect();
        for &target in &typed {
            *n += 1;
            let token = client.csrf_token().await;
            let values: Vec<(String, String)> = form
                .fields
                .iter()
                .enumerate()
                .map(|(i, (name, value, kind))| {
                    let value = if name == "csrf_token" {
                        token.clone()
                    } else if i == target {
                        PAYLOAD.to_string()
                    } else if typed.contains(&i) {
                        plausible(kind, *n)
                    } else {
                        value.clone()
                    };
                    (name.clone(), value)
                })
                .collect();
            let res = client.http.post(format!("{}{}", client.base, form.action)).form(&values).send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            let context = format!("POST {} with markup in {}", form.action, form.fields[target].0);
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{context}");
            assert_escaped(&body, &context);
            *escaped_seen |= body.contains("&#60;script&#62;") || body.contains("&lt;script&gt;");
        }
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn markup_typed_into_any_text_field_comes_back_escaped(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let alpha = app.team("alpha").await;
    let params = alpha_params(&app, &alpha.owner).await;
    let gets: Vec<String> = aims_web::route_list()
        .into_iter()
        .filter(|r| r.method == "GET" && !r.path.contains("{token}"))
        .map(|r| fill(r.path, &params))
        .collect();
    let (mut escaped_seen, mut n) = (false, 0);

    // Anonymous pages first (sign-up stores a name), then every page of a signed-in owner.
    let anonymous = app.client();
    for page in ["/signup", "/login"] {
        attack_forms(&anonymous, page, &mut escaped_seen, &mut n).await;
    }
    for page in &gets {
        attack_forms(&alpha.owner, page, &mut escaped_seen, &mut n).await;
    }
    // A workspace named with markup, and an invitation seen by its invitee.
    alpha.owner.post_form("/orgs", &[("name", PAYLOAD), ("slug", "marked")]).await;
    assert!(n >= 8, "the sweep submitted {n} forms");

    // Stored values come back escaped on every page, for every role.
    for client in [&alpha.owner, &alpha.auditor, &anonymous] {
        for page in gets.iter().map(String::as_str).chain(["/o/marked/", "/o/marked/audit-log"]) {
            let res = client.get(page).await;
            let status = res.status();
            let html = res.headers().get("content-type").is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
            let body = res.text().await.unwrap();
            if !html {
                // Exports (CSV) are downloads with their own content type, never rendered as HTML.
                assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "GET {page}");
                continue;
            }
            assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "GET {page}");
            assert_escaped(&body, &format!("GET {page}"));
            escaped_seen |= body.contains("&#60;script&#62;");
        }
    }
    assert!(escaped_seen, "the payload was stored and shown escaped somewhere");
    let stored: i64 = sqlx::query_scalar("select count(*) from organisations where name like '%<script>%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored >= 1, "markup is stored as typed and escaped on output");
    assert!(csrf_from("<input type=\"hidden\" name=\"csrf_token\" value=\"t\">").is_some());
}
