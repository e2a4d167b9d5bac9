//! The `aims` command: serve the web app, migrate, seed the demo, create users, verify the audit log.

use aims_web::config::Config;
use aims_web::demo;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::Read;

#[derive(Parser)]
#[command(name = "aims", version, about = "AIMS Workbench: implement ISO/IEC 42001 and get certified")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if missing, apply migrations, and serve the web app.
    Serve {
        /// Do not create the database or apply migrations.
        #[arg(long)]
        no_migrate: bool,
        /// Seed the demo workspace first (once; skipped if it exists) and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
    /// Create the demo workspace with one user per role and print their logins.
    SeedDemo,
    /// Create a user account; the password is read from standard input.
    CreateUser {
        /// Email address (the login).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
    },
    /// Audit-log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every workspace's hash chain and name the first broken entry.
    Verify,
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "aims_web=info,aims_db=info,tower_http=info,sqlx=warn".into());
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

async fn migrated_pool(config: &Config) -> anyhow::Result<sqlx::PgPool> {
    aims_db::ensure_database(&config.database_url).await.context("cannot create or reach the database")?;
    let pool = aims_db::pool(&config.database_url, config.db_pool)?;
    aims_db::migrate(&pool).await.context("migrations failed")?;
    Ok(pool)
}

fn print_demo_logins(created: bool) {
    println!(
        "{} demo workspace /o/{}/ — sign in with any of these (password: {}):",
        if created { "Created the" } else { "The" },
        demo::DEMO_SLUG,
        demo::DEMO_PASSWORD
    );
    for login in demo::demo_logins() {
        println!("  {:<12} {}", login.role.label(), login.email);
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let config = Config::from_env()?;
    match cli.command {
        Command::Serve { no_migrate, demo: seed } => {
            let pool = if no_migrate {
                aims_db::pool(&config.database_url, config.db_pool)?
            } else {
                migrated_pool(&config).await?
            };
            if seed {
                print_demo_logins(demo::seed_demo(&pool).await?);
            }
            aims_web::spawn_sweeper(pool.clone());
            let listener = tokio::net::TcpListener::bind(config.bind)
                .await
                .with_context(|| format!("cannot listen on {}", config.bind))?;
            tracing::info!("AIMS Workbench listening on http://{}", listener.local_addr()?);
            aims_web::serve(listener, aims_web::build_app(config, pool)).await?;
        }
        Command::Migrate => {
            migrated_pool(&config).await?;
            println!("Migrations applied.");
        }
        Command::SeedDemo => {
            let pool = migrated_pool(&config).await?;
            print_demo_logins(demo::seed_demo(&pool).await?);
        }
        Command::CreateUser { email, name } => {
            let pool = migrated_pool(&config).await?;
            let mut raw = String::new();
            std::io::stdin().read_to_string(&mut raw)?;
            let password = aims_domain::Password::parse(raw.trim_end_matches(['\r', '\n']))
                .map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let email = aims_domain::Email::parse(&email).map_err(|e| anyhow::anyhow!("email: {e}"))?;
            let name = aims_domain::PersonName::parse(&name).map_err(|e| anyhow::anyhow!("name: {e}"))?;
            let hash = tokio::task::spawn_blocking(move || aims_domain::password::hash(password.expose())).await?;
            let user = aims_db::users::create(&pool, &email, &name, &hash).await?;
            println!("Created user {} <{}>.", user.name, user.email);
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let pool = aims_db::pool(&config.database_url, 2)?;
            let reports = aims_db::audit::verify_all(&pool).await?;
            let mut broken = 0;
            for report in &reports {
                match report.first_broken {
                    None => println!("ok      {:<40} {} entries", report.slug, report.entries),
                    Some((seq, reason)) => {
                        broken += 1;
                        println!("BROKEN  {:<40} first broken entry #{seq}: {reason}", report.slug);
                    }
                }
            }
            if broken > 0 {
                eprintln!("{broken} of {} workspace audit logs do not verify.", reports.len());
                std::process::exit(1);
            }
            println!("All {} workspace audit logs verify.", reports.len());
        }
    }
    Ok(())
}
