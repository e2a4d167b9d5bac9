//! Configuration, read once from the environment (and a `.env` file if present).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server needs to know about where it runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// PostgreSQL connection URL (`DATABASE_URL`).
    pub database_url: String,
    /// Address to listen on (`AIMS_BIND`).
    pub bind: SocketAddr,
    /// Public URL of the app, used in invitation links and the Origin check (`AIMS_BASE_URL`).
    /// When unset, links are built from the request's Host header.
    pub base_url: Option<String>,
    /// Where files are kept (`AIMS_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Whether cookies carry `Secure` and HSTS is sent (`AIMS_SECURE_COOKIES`, default true).
    pub secure_cookies: bool,
    /// Sessions end after this much inactivity (`AIMS_SESSION_IDLE_MINUTES`, default 480).
    pub session_idle: Duration,
    /// Database pool size (`AIMS_DB_POOL`, default 10).
    pub db_pool: u32,
    /// Directory of the static files (`AIMS_STATIC_DIR`, default `static`).
    pub static_dir: PathBuf,
}

/// Defaults shared by `from_env` and tests.
impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: "postgres://postgres@127.0.0.1:5432/aims".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_url: None,
            data_dir: PathBuf::from("./data"),
            secure_cookies: true,
            session_idle: Duration::from_secs(8 * 3600),
            db_pool: 10,
            static_dir: default_static_dir(),
        }
    }
}

/// `static/` in the working directory, else the one beside the source tree (for `cargo run`
/// from anywhere and for tests).
fn default_static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.is_dir() { local } else { PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../static")) }
}

impl Config {
    /// Reads the configuration; unparsable values are errors, missing ones take defaults.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        let defaults = Config::default();
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        Ok(Self {
            database_url: var("DATABASE_URL").unwrap_or(defaults.database_url),
            bind: match var("AIMS_BIND") {
                Some(v) => v.parse().map_err(|e| anyhow::anyhow!("AIMS_BIND={v}: {e}"))?,
                None => defaults.bind,
            },
            base_url: var("AIMS_BASE_URL").map(|v| v.trim_end_matches('/').to_string()),
            data_dir: var("AIMS_DATA_DIR").map(PathBuf::from).unwrap_or(defaults.data_dir),
            secure_cookies: match var("AIMS_SECURE_COOKIES").as_deref() {
                Some("false" | "0" | "no" | "off") => false,
                Some("true" | "1" | "yes" | "on") | None => true,
                Some(other) => anyhow::bail!("AIMS_SECURE_COOKIES={other}: use true or false"),
            },
            session_idle: match var("AIMS_SESSION_IDLE_MINUTES") {
                Some(v) => Duration::from_secs(
                    60 * v.parse::<u64>().map_err(|e| anyhow::anyhow!("AIMS_SESSION_IDLE_MINUTES={v}: {e}"))?,
                ),
                None => defaults.session_idle,
            },
            db_pool: match var("AIMS_DB_POOL") {
                Some(v) => v.parse().map_err(|e| anyhow::anyhow!("AIMS_DB_POOL={v}: {e}"))?,
                None => defaults.db_pool,
            },
            static_dir: var("AIMS_STATIC_DIR").map(PathBuf::from).unwrap_or(defaults.static_dir),
        })
    }
}
