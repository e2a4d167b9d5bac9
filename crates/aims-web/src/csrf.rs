//! CSRF defence for every unsafe request, in one middleware so no handler can forget it:
//! a foreign `Origin` or `Sec-Fetch-Site: cross-site` is refused, and the session's token must
//! come back in the `x-csrf-token` header (htmx) or the `csrf_token` form field.

use crate::error::AppError;
use crate::session::TypedSession;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

/// Form bodies are buffered up to this size to read the token (larger ones are refused by the
/// body limit anyway).
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The middleware.
pub async fn require_csrf(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, AppError> {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
        return Ok(next.run(request).await);
    }
    if !same_origin(request.headers(), state.config.base_url.as_deref()) {
        return Err(AppError::Csrf);
    }
    let session = request.extensions().get::<Session>().cloned().map(TypedSession).ok_or(AppError::Csrf)?;
    let expected = session.existing_csrf_token().await?.ok_or(AppError::Csrf)?;

    let header_token = request.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (request, sent) = match header_token {
        Some(token) => (request, Some(token)),
        None if is_urlencoded(request.headers()) => {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| AppError::Csrf)?;
            let token = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf_token").map(|(_, v)| v.into_owned());
            (Request::from_parts(parts, Body::from(bytes)), token)
        }
        None => (request, None),
    };
    match sent {
        Some(sent) if bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) => Ok(next.run(request).await),
        _ => Err(AppError::Csrf),
    }
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

/// A request is same-origin unless the browser says otherwise: `Sec-Fetch-Site: cross-site`, or
/// an `Origin` whose host differs from the Host header (or from the configured base URL).
fn same_origin(headers: &HeaderMap, base_url: Option<&str>) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return false;
    }
    let Some(origin) = get("origin") else {
        return true;
    };
    if origin == "null" {
        return false;
    }
    let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    if let Some(base) = base_url {
        let base_host = base.split_once("://").map_or(base, |(_, rest)| rest);
        if origin_host.eq_ignore_ascii_case(base_host.trim_end_matches('/')) {
            return true;
        }
    }
    get("host").is_some_and(|host| origin_host.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn origins_must_match_the_host_or_base_url() {
        assert!(same_origin(&headers(&[("host", "app.example.com")]), None));
        assert!(same_origin(&headers(&[("host", "app.example.com"), ("origin", "https://app.example.com")]), None));
        assert!(!same_origin(&headers(&[("host", "app.example.com"), ("origin", "https://evil.example")]), None));
        assert!(!same_origin(&headers(&[("host", "a"), ("origin", "null")]), None));
        assert!(!same_origin(&headers(&[("host", "a"), ("sec-fetch-site", "cross-site")]), None));
        assert!(same_origin(
            &headers(&[("host", "10.0.0.5:8080"), ("origin", "https://aims.example.com")]),
            Some("https://aims.example.com")
        ));
    }
}
