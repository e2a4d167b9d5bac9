//! Sign-in throttling: failures are counted per account and per client address over a window.

use sqlx::PgPool;

/// Failures counted within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecentFailures {
    /// Failures for this email.
    pub by_account: i64,
    /// Failures from this client address.
    pub by_addr: i64,
    /// Seconds until the oldest counted failure leaves the window.
    pub oldest_expires_in: i64,
}

/// Counts failures for an email and an address within the last `window_secs`.
pub async fn recent(pool: &PgPool, email: &str, addr: &str, window_secs: i64) -> sqlx::Result<RecentFailures> {
    let (by_account, by_addr, oldest_expires_in): (i64, i64, Option<f64>) = sqlx::query_as(
        "select count(*) filter (where email = $1),
                count(*) filter (where client_addr = $2),
                extract(epoch from min(failed_at) + make_interval(secs => $3) - now())::float8
         from login_failures
         where (email = $1 or client_addr = $2) and failed_at > now() - make_interval(secs => $3)",
    )
    .bind(email)
    .bind(addr)
    .bind(window_secs as f64)
    .fetch_one(pool)
    .await?;
    Ok(RecentFailures {
        by_account,
        by_addr,
        oldest_expires_in: oldest_expires_in.map_or(0, |s| s.ceil().max(1.0) as i64),
    })
}

/// Records one failed sign-in.
pub async fn record_failure(pool: &PgPool, email: &str, addr: &str) -> sqlx::Result<()> {
    sqlx::query("insert into login_failures (email, client_addr) values ($1, $2)")
        .bind(email)
        .bind(addr)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets an account's failures after a successful sign-in.
pub async fn clear_account(pool: &PgPool, email: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_failures where email = $1").bind(email).execute(pool).await?;
    Ok(())
}
