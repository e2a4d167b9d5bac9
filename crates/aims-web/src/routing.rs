//! A router that remembers its routes, so the security sweeps in `tests/web` can enumerate every
//! route (tenant, role, CSRF, escaping) without new test code when an area is added.

use crate::state::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::routing::{get, post};

/// One registered route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteInfo {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path pattern, e.g. `/o/{slug}/members`.
    pub path: &'static str,
}

/// The application's routes under construction.
pub struct Routes {
    router: Router<AppState>,
    list: Vec<RouteInfo>,
}

impl Default for Routes {
    fn default() -> Self {
        Self { router: Router::new(), list: Vec::new() }
    }
}

impl Routes {
    /// Adds a GET route.
    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.list.push(RouteInfo { method: "GET", path });
        self
    }

    /// Adds a POST route.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.list.push(RouteInfo { method: "POST", path });
        self
    }

    /// The routes, for the sweeps.
    pub fn list(&self) -> &[RouteInfo] {
        &self.list
    }

    /// The axum router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
