//! Sign-up, sign-in, throttling, sessions, password change.

use crate::helpers::{PASSWORD, TestApp, location};
use reqwest::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_new_user_signs_up_and_lands_on_the_workspace_form(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let ada = app.client();
    let res = ada
        .post_form("/signup", &[("name", "Ada Lovelace"), ("email", "Ada@Example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs/new");
    let (status, html) = ada.get_html("/orgs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ada Lovelace"));
    assert!(html.contains("No workspaces yet"), "the empty state guides the new user");
    let stored: String = sqlx::query_scalar("select email from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(stored, "ada@example.com");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn a_bad_sign_up_comes_back_with_messages_and_typed_values(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let client = app.client();
    let res =
        client.post_form("/signup", &[("name", "Grace Hopper"), ("email", "grace@"), ("password", "short")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Grace Hopper\""), "the name is kept");
    assert!(html.contains("value=\"grace@\""), "the email is kept as typed");
    assert!(html.contains("Enter an email address like name@example.com."));
    assert!(html.contains("Use at least 12 characters"));
    assert!(!html.contains("value=\"short\""), "passwords are never sent back");
    assert!(html.contains("aria-invalid=\"true\""));
    let users: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool).await.unwrap();
    assert_eq!(users, 0);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn an_email_signs_up_only_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.signup("First", "same@example.com").await;
    let res = app
        .client()
        .post_form("/signup", &[("name", "Second"), ("email", "SAME@example.com"), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("exists already"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn sign_in_changes_the_session_id_and_sign_out_destroys_it(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.signup("Ada", "ada@example.com").await;
    let ada = app.client();
    ada.get("/login").await;
    let before = ada.session_cookie().expect("an anonymous session holds the csrf token");
    let res = ada.post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/orgs");
    let after = ada.session_cookie().unwrap();
    assert_ne!(before, after, "no session fixation");
    assert_eq!(ada.get("/orgs").await.status(), StatusCode::OK);

    let sessions_before: i64 =
        sqlx::query_scalar("select count(*) from tower_sessions.session").fetch_one(&app.pool).await.unwrap();
    let res = ada.post_form("/logout", &[]).await;
    assert_eq!(location(&res), "/login");
    let sessions_after: i64 =
        sqlx::query_scalar("select count(*) from tower_sessions.session").fetch_one(&app.pool).await.unwrap();
    assert!(sessions_after < sessions_before, "the session row is deleted");
    // The old cookie no longer opens anything, even if replayed.
    let replay = app.client();
    replay.jar.add_cookie_str(&format!("__Host-aims_session={after}; Path=/"), &app.base.parse().unwrap());
    let res = replay.get("/orgs").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).starts_with("/login"));
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn unknown_email_and_wrong_password_get_the_same_answer(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.signup("Ada", "ada@example.com").await;
    let client = app.client();
    let wrong = client.post_form("/login", &[("email", "ada@example.com"), ("password", "not the password")]).await;
    let unknown =
        client.post_form("/login", &[("email", "nobody@example.com"), ("password", "not the password")]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    let message = "The email or password is not correct.";
    assert!(wrong.contains(message) && unknown.contains(message));
    assert!(wrong.contains("value=\"ada@example.com\""), "the email is kept");
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn repeated_failures_are_throttled_with_retry_after(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.signup("Ada", "ada@example.com").await;
    let attacker = app.client();
    for _ in 0..10 {
        let res =
            attacker.post_form("/login", &[("email", "ada@example.com"), ("password", "guess guess guess")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused while the account is throttled.
    let res = attacker.post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(res.text().await.unwrap().contains("Too many failed sign-ins"));
    // Once the window has passed, the account opens again.
    sqlx::query("update login_failures set failed_at = failed_at - interval '16 minutes'")
        .execute(&app.pool)
        .await
        .unwrap();
    let res = attacker.post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn changing_the_password_signs_out_other_devices(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let laptop = app.signup("Ada", "ada@example.com").await;
    let phone = app.client();
    phone.post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD)]).await;
    assert_eq!(phone.get("/orgs").await.status(), StatusCode::OK);

    let res = laptop
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong current pw"),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("This is not your current password."));

    let res = laptop
        .post_form(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("confirm_password", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(laptop.get("/orgs").await.status(), StatusCode::OK, "this device stays signed in");
    assert_eq!(phone.get("/orgs").await.status(), StatusCode::SEE_OTHER, "the other device is signed out");
    let fresh = app.client();
    let res = fresh.post_form("/login", &[("email", "ada@example.com"), ("password", "a brand new passphrase")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[sqlx::test(migrator = "aims_db::MIGRATOR")]
async fn pages_need_a_signed_in_user_and_return_there_after_login(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.signup("Ada", "ada@example.com").await;
    let client = app.client();
    let res = client.get("/orgs/new").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login?next=/orgs/new");
    let res = client
        .post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "/orgs/new")])
        .await;
    assert_eq!(location(&res), "/orgs/new");
    // A foreign next is ignored (no open redirect).
    let other = app.client();
    let res = other
        .post_form("/login", &[("email", "ada@example.com"), ("password", PASSWORD), ("next", "//evil.example/")])
        .await;
    assert_eq!(location(&res), "/orgs");
}
