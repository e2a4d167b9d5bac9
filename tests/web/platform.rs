//! What every response carries, health probes, limits and the database going away.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn every_response_carries_the_security_headers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/login", "/no-such-page", "/static/css/app.css"] {
        let res = app.client().get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert!(h["strict-transport-security"].to_str().unwrap().contains("max-age="), "{path}");
        assert_eq!(h["x-request-id"].to_str().unwrap().len(), 36, "{path}");
    }
    let res = app.client().get("/login").await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("__Host-aims_session="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn insecure_cookies_can_be_configured_for_plain_http(pool: PgPool) {
    let app = TestApp::spawn_with(pool.clone(), pool, |c| c.secure_cookies = false).await;
    let res = app.client().get("/login").await;
    assert!(res.headers().get("strict-transport-security").is_none());
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("aims_session=") && !cookie.contains("Secure"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn health_probes_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    assert_eq!(app.client().get_html("/healthz").await, (StatusCode::OK, "ok".into()));
    assert_eq!(app.client().get_html("/readyz").await, (StatusCode::OK, "ready".into()));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_missing_database_answers_503_and_the_process_stays_up(pool: PgPool) {
    // Nothing listens on port 1: the app's pool can never connect.
    let dead = aims_db::pool("postgres://postgres@127.0.0.1:1/aims", 2).unwrap();
    let app = TestApp::spawn_with(pool, dead, |_| {}).await;
    let client = app.client();
    assert_eq!(client.get("/healthz").await.status(), StatusCode::OK);
    assert_eq!(client.get("/readyz").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    let res = client.get("/login").await;
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.text().await.unwrap().contains("cannot reach its database"));
    assert_eq!(client.get("/healthz").await.status(), StatusCode::OK, "still up");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn unknown_pages_get_the_404_page(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, html) = app.client().get_html("/nothing/here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn oversized_bodies_are_refused(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let token = client.csrf_token().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let res = client
        .http
        .post(format!("{}/signup", app.base))
        .header("x-csrf-token", token)
        .form(&[("name", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn static_files_are_served_with_cache_headers(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let res = app.client().get("/static/js/htmx.min.js").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("max-age"));
    assert!(res.text().await.unwrap().contains("htmx"));
}
