//! Shared application state: the pool, the configuration and the password-hashing gate.

use crate::config::Config;
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool (tenant rows only through `aims_db::OrgScope`).
    pub db: PgPool,
    /// The configuration.
    pub config: Arc<Config>,
    /// At most one argon2 hash per core at a time: each holds 19 MiB and ~30 ms of CPU, so a
    /// login flood queues here instead of exhausting memory and blocking threads.
    pub hash_permits: Arc<Semaphore>,
}

impl AppState {
    /// Builds the state.
    pub fn new(config: Config, db: PgPool) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { db, config: Arc::new(config), hash_permits: Arc::new(Semaphore::new(cores)) }
    }

    /// Runs a password hash or verification on a blocking thread, within the hashing gate.
    pub async fn hashing<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let _permit = self.hash_permits.clone().acquire_owned().await?;
        Ok(tokio::task::spawn_blocking(work).await?)
    }
}
