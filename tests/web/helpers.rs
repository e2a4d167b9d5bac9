//! The app on a random port over real HTTP, a cookie-keeping client per person, and builders
//! that create users, workspaces and teams through the same pages people use.

use aims_web::config::Config;
use reqwest::StatusCode;
use reqwest::cookie::Jar;
use sqlx::PgPool;
use std::sync::Arc;

/// A running app.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The test database (superuser pool, for setting up and inspecting).
    pub pool: PgPool,
}

/// The password every test user gets.
pub const PASSWORD: &str = "a long test password";

impl TestApp {
    /// Starts the production router on a random port.
    pub async fn spawn(pool: PgPool) -> Self {
        Self::spawn_with(pool.clone(), pool, |_| {}).await
    }

    /// Starts the app with a tweaked configuration or a different pool for the app itself.
    pub async fn spawn_with(pool: PgPool, app_pool: PgPool, tweak: impl FnOnce(&mut Config)) -> Self {
        // TEST_LOG=1 shows the app's logs (zero2prod's convention).
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("aims_web=debug,tower_http=info")
                .with_test_writer()
                .try_init();
        }
        let mut config = Config { database_url: String::new(), ..Config::default() };
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = aims_web::build_app(config, app_pool);
        tokio::spawn(async move { aims_web::serve(listener, app).await.unwrap() });
        TestApp { base, pool }
    }

    /// A new person with an empty cookie jar.
    pub fn client(&self) -> Client {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Client { base: self.base.clone(), http, jar }
    }

    /// Signs a new user up through `/signup` and returns their signed-in client.
    pub async fn signup(&self, name: &str, email: &str) -> Client {
        let client = self.client();
        let res = client.post_form("/signup", &[("name", name), ("email", email), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-up of {email} failed");
        client
    }

    /// A user with a new workspace of their own.
    pub async fn owner_with_workspace(&self, slug: &str) -> Client {
        let owner = self.signup(&format!("Owner of {slug}"), &format!("owner@{slug}.test")).await;
        let res = owner.post_form("/orgs", &[("name", &format!("Workspace {slug}")), ("slug", slug)]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/o/{slug}/"));
        owner
    }

    /// Invites `email` with `role` as `inviter` and returns the invitation link's path.
    pub async fn invite(&self, inviter: &Client, slug: &str, email: &str, role: &str, until: &str) -> String {
        let res = inviter
            .post_form(&format!("/o/{slug}/invitations"), &[("email", email), ("role", role), ("access_until", until)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "invitation of {email} failed");
        let (_, html) = inviter.get_html(&format!("/o/{slug}/members")).await;
        let start = html.find("/invitations/").expect("the invitation link is shown");
        let rest = &html[start..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    /// A workspace with one member per role, all joined through invitation links.
    pub async fn team(&self, slug: &str) -> Team {
        let owner = self.owner_with_workspace(slug).await;
        let mut members = Vec::new();
        for role in ["consultant", "implementer", "auditor"] {
            let email = format!("{role}@{slug}.test");
            let link = self.invite(&owner, slug, &email, role, "").await;
            let client = self.client();
            let res = client
                .post_form(
                    "/signup",
                    &[
                        ("name", &format!("{role} of {slug}")),
                        ("email", &email),
                        ("password", PASSWORD),
                        ("next", &link),
                    ],
                )
                .await;
            assert_eq!(location(&res), format!("/o/{slug}/"), "{role} lands in the workspace");
            members.push(client);
        }
        let auditor = members.pop().unwrap();
        let implementer = members.pop().unwrap();
        let consultant = members.pop().unwrap();
        Team { owner, consultant, implementer, auditor }
    }

    /// The id of a user by email.
    pub async fn user_id(&self, email: &str) -> uuid::Uuid {
        sqlx::query_scalar("select user_id from users where email = $1")
            .bind(email)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }
}

/// One member per role in one workspace.
pub struct Team {
    /// Its creator.
    pub owner: Client,
    /// A consultant.
    pub consultant: Client,
    /// An implementer.
    pub implementer: Client,
    /// An auditor.
    pub auditor: Client,
}

/// One person's browser: cookies kept, redirects not followed.
pub struct Client {
    /// The app's base URL.
    pub base: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// Its cookies.
    pub jar: Arc<Jar>,
}

impl Client {
    /// A GET.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    /// A GET, returning the status and the body.
    pub async fn get_html(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        (res.status(), res.text().await.unwrap())
    }

    /// The session's CSRF token, read from a page's form as a browser would.
    pub async fn csrf_token(&self) -> String {
        for page in ["/account", "/login"] {
            let (status, html) = self.get_html(page).await;
            if status == StatusCode::OK {
                return csrf_from(&html).expect("page has a csrf token");
            }
        }
        panic!("no page with a csrf token");
    }

    /// A form POST with the CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// A form POST exactly as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).form(fields).send().await.unwrap()
    }

    /// The session cookie's value.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|c| c.split_once('=').filter(|(k, _)| k.contains("aims_session")).map(|(_, v)| v.to_string()))
    }
}

/// The CSRF token in a page.
pub fn csrf_from(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_string())
}

/// The Location header of a redirect.
pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}
