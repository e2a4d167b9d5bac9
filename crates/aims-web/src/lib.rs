//! The AIMS Workbench web application: configuration, state, the router with its security
//! layers, and one module per area under [`routes`].

pub mod area;
pub mod config;
pub mod csrf;
pub mod demo;
pub mod error;
pub mod export;
pub mod extract;
pub mod forms;
pub mod kit;
pub mod routes;
pub mod routing;
pub mod session;
pub mod state;
pub mod view;

use crate::config::Config;
use crate::error::AppError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use sqlx::PgPool;
use std::net::SocketAddr;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

pub use routing::RouteInfo;

/// Largest request body accepted (forms with several pages of text fit easily).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Longest a request may take before it is answered with 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; object-src 'none'";

/// Every route of the application (for the security sweeps in `tests/web`).
pub fn route_list() -> Vec<RouteInfo> {
    routes::all().list().to_vec()
}

/// Builds the complete application: routes, sessions, CSRF, security headers, limits, tracing.
/// Tests use exactly this router.
pub fn build_app(config: Config, db: PgPool) -> Router {
    let secure = config.secure_cookies;
    let session_idle = config.session_idle;
    let static_dir = config.static_dir.clone();
    let state = AppState::new(config, db.clone());

    let sessions = SessionManagerLayer::new(PostgresStore::new(db))
        .with_name(if secure { "__Host-aims_session" } else { "aims_session" })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::try_from(session_idle).unwrap_or(time::Duration::hours(8))));

    let static_files = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        ))
        .service(ServeDir::new(static_dir));

    let hsts = secure.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let request_id = HeaderName::from_static("x-request-id");

    routes::all()
        .into_router()
        .fallback(|| async { AppError::NotFound })
        .nest_service("/static", static_files)
        .layer(middleware::from_fn_with_state(state.clone(), csrf::require_csrf))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.db.clone(), error::session_save_failures))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
                    // The matched pattern, not the raw path: invitation tokens stay out of logs.
                    let path = req.extensions().get::<MatchedPath>().map_or("-", MatchedPath::as_str);
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path, request_id = id)
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(CSP),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    header::REFERRER_POLICY,
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("permissions-policy"),
                    HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
                ))
                .layer(SetResponseHeaderLayer::overriding(
                    HeaderName::from_static("cross-origin-opener-policy"),
                    HeaderValue::from_static("same-origin"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("no-store"),
                ))
                .layer(SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts))
                .layer(CompressionLayer::new())
                .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
                .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES)),
        )
}

/// Serves the app on a listener until Ctrl-C or SIGTERM, with client addresses for throttling.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut sig) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            sig.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

/// Deletes expired sessions and old sign-in failures every ten minutes.
pub fn spawn_sweeper(db: PgPool) {
    use tower_sessions::session_store::ExpiredDeletion;
    tokio::spawn(async move {
        let store = PostgresStore::new(db.clone());
        let mut every = tokio::time::interval(Duration::from_secs(600));
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "session sweep failed");
            }
            if let Err(e) = aims_db::sweep(&db).await {
                tracing::warn!(error = %e, "sweep failed");
            }
        }
    });
}
