//! The `hoplite` command: `serve`, `migrate sql`, `version` (Kratos's CLI names and flags).

mod cli;

use clap::{Parser, Subcommand};
use cli::identities as ids;
use hoplite_core::clock::SystemClock;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "hoplite",
    about = "An identity server that speaks the Ory Kratos API",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the public and admin APIs.
    Serve {
        /// Configuration file(s) (kratos.yml, YAML or JSON); the last one wins.
        #[arg(short = 'c', long = "config")]
        config: Vec<PathBuf>,
        /// Development mode: insecure cookies allowed, embedded defaults for missing settings.
        #[arg(long)]
        dev: bool,
        /// Start although the configuration enables features hoplite does not implement yet
        /// (the same as `hoplite.accept_unsupported_features: true`).
        #[arg(long)]
        accept_unsupported_features: bool,
        /// Also run the courier worker in this process (else run `hoplite courier watch`).
        #[arg(long)]
        watch_courier: bool,
    },
    /// The courier: deliver queued messages.
    Courier {
        #[command(subcommand)]
        what: CourierCommand,
    },
    /// Database migrations.
    Migrate {
        #[command(subcommand)]
        what: MigrateCommand,
    },
    /// Manage identities through the admin API (import, list, get, delete, patch).
    Identities {
        #[command(subcommand)]
        what: IdentitiesCommand,
        #[command(flatten)]
        client: ids::Client,
    },
    /// Kratos's spelling: `import identities <files>`.
    Import {
        #[command(subcommand)]
        what: ImportWhat,
        #[command(flatten)]
        client: ids::Client,
    },
    /// Kratos's spelling: `list identities`.
    #[command(alias = "ls")]
    List {
        #[command(subcommand)]
        what: ListWhat,
        #[command(flatten)]
        client: ids::Client,
    },
    /// Kratos's spelling: `get identity <ids>`.
    Get {
        #[command(subcommand)]
        what: GetWhat,
        #[command(flatten)]
        client: ids::Client,
    },
    /// Kratos's spelling: `delete identity <ids>`.
    Delete {
        #[command(subcommand)]
        what: DeleteWhat,
        #[command(flatten)]
        client: ids::Client,
    },
    /// Print the version.
    Version,
    /// Measurements the benchmark suite (bench/, BENCHMARKS.md) needs from the binary itself.
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
}

#[derive(Subcommand)]
enum CourierCommand {
    /// Deliver queued messages until stopped (Kratos's `courier watch`).
    Watch {
        /// Configuration file(s) (kratos.yml, YAML or JSON); the last one wins.
        #[arg(short = 'c', long = "config")]
        config: Vec<PathBuf>,
        /// Development mode, as for `serve`.
        #[arg(long)]
        dev: bool,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The raw hash rate of the configured hasher on every core: the ceiling for registrations.
    /// Prints one JSON object.
    HashRate {
        /// Configuration file(s) (their `hashers` section is used); environment overrides apply.
        #[arg(short = 'c', long = "config")]
        config: Vec<PathBuf>,
        /// Fill in missing settings as `serve --dev` does (and allow its cheap hasher costs).
        #[arg(long)]
        dev: bool,
        /// Threads hashing at once (default: the number of CPU cores).
        #[arg(long)]
        threads: Option<usize>,
        /// How long to hash, in seconds.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
    },
}

#[derive(Subcommand)]
enum IdentitiesCommand {
    /// Import identities from JSON files (one identity or an array each) or standard input.
    Import(ids::ImportArgs),
    /// List identities.
    #[command(alias = "ls")]
    List(ids::ListArgs),
    /// Show identities by id.
    Get(ids::GetArgs),
    /// Delete identities by id.
    Delete(ids::DeleteArgs),
    /// Apply a JSON Patch to an identity.
    Patch(ids::PatchArgs),
}

#[derive(Subcommand)]
enum ImportWhat {
    Identities(ids::ImportArgs),
}

#[derive(Subcommand)]
enum ListWhat {
    Identities(ids::ListArgs),
}

#[derive(Subcommand)]
enum GetWhat {
    Identity(ids::GetArgs),
}

#[derive(Subcommand)]
enum DeleteWhat {
    Identity(ids::DeleteArgs),
}

#[derive(Subcommand)]
enum MigrateCommand {
    /// Apply SQL migrations to the database in DSN (or `dsn` from config / env with -e).
    Sql {
        /// The database DSN.
        dsn: Option<String>,
        /// Read the DSN from the environment variable DSN.
        #[arg(short = 'e', long = "read-from-env")]
        read_from_env: bool,
        /// Do not ask for confirmation.
        #[arg(short = 'y', long)]
        yes: bool,
        /// Configuration file(s).
        #[arg(short = 'c', long = "config")]
        config: Vec<PathBuf>,
    },
}

fn init_logging(level: &str) {
    let filter = std::env::var("LOG_LEVEL").unwrap_or_else(|_| level.to_string());
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},sqlx=warn"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
}

fn env_map() -> HashMap<String, String> {
    std::env::vars().collect()
}

/// Waits for SIGTERM or SIGINT. The handlers are registered when this is called, not when the
/// future is first polled: a signal arriving between "listening" and the first poll would
/// otherwise kill the process by default (seen as a rare non-zero exit in the CLI tests).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let wait = {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("signal handler");
        let mut int = signal(SignalKind::interrupt()).expect("signal handler");
        async move {
            tokio::select! {
                _ = int.recv() => {},
                _ = term.recv() => {},
            }
        }
    };
    #[cfg(not(unix))]
    let wait = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    async move {
        wait.await;
        tracing::info!("shutting down");
    }
}

/// `hoplite bench hash-rate`: hashes with the configured hasher on plain threads and prints the
/// rate as JSON.
fn bench_hash_rate(
    path: Option<&std::path::Path>,
    dev: bool,
    threads: Option<usize>,
    seconds: f64,
) {
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 3600.0) {
        fail("--seconds must be between 0 and 3600".into());
    }
    let cfg = hoplite_core::config::load(path, &env_map(), dev)
        .unwrap_or_else(|e| fail(format!("configuration: {e}")));
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let duration = std::time::Duration::from_secs_f64(seconds);
    let (hashes, took) = hoplite_core::hash::measure_hash_rate(&cfg.hashers, threads, duration)
        .unwrap_or_else(|e| fail(format!("hashing: {e}")));
    let hasher = match cfg.hashers {
        hoplite_core::config::Hashers::Bcrypt { cost } => {
            serde_json::json!({"algorithm": "bcrypt", "cost": cost})
        }
        hoplite_core::config::Hashers::Argon2 {
            memory_kib,
            iterations,
            parallelism,
            ..
        } => serde_json::json!({
            "algorithm": "argon2",
            "memory_kib": memory_kib,
            "iterations": iterations,
            "parallelism": parallelism,
        }),
    };
    let secs = took.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "hasher": hasher,
            "threads": threads,
            "hashes": hashes,
            "seconds": secs,
            "per_second": hashes as f64 / secs,
        })
    );
}

fn fail(msg: String) -> ! {
    eprintln!("hoplite: {msg}");
    std::process::exit(1)
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let client_result = match &cli.command {
        Command::Identities { what, client } => Some(match what {
            IdentitiesCommand::Import(a) => ids::import(client, a).await,
            IdentitiesCommand::List(a) => ids::list(client, a).await,
            IdentitiesCommand::Get(a) => ids::get(client, a).await,
            IdentitiesCommand::Delete(a) => ids::delete(client, a).await,
            IdentitiesCommand::Patch(a) => ids::patch(client, a).await,
        }),
        Command::Import {
            what: ImportWhat::Identities(a),
            client,
        } => Some(ids::import(client, a).await),
        Command::List {
            what: ListWhat::Identities(a),
            client,
        } => Some(ids::list(client, a).await),
        Command::Get {
            what: GetWhat::Identity(a),
            client,
        } => Some(ids::get(client, a).await),
        Command::Delete {
            what: DeleteWhat::Identity(a),
            client,
        } => Some(ids::delete(client, a).await),
        _ => None,
    };
    if let Some(result) = client_result {
        if let Err(e) = result {
            fail(e);
        }
        return;
    }
    match cli.command {
        Command::Identities { .. }
        | Command::Import { .. }
        | Command::List { .. }
        | Command::Get { .. }
        | Command::Delete { .. } => {}
        Command::Version => println!("hoplite {}", env!("CARGO_PKG_VERSION")),
        Command::Bench {
            what:
                BenchCommand::HashRate {
                    config,
                    dev,
                    threads,
                    seconds,
                },
        } => bench_hash_rate(config.last().map(PathBuf::as_path), dev, threads, seconds),
        Command::Courier {
            what: CourierCommand::Watch { config, dev },
        } => {
            let path = config.last().map(PathBuf::as_path);
            let cfg = hoplite_core::config::load(path, &env_map(), dev)
                .unwrap_or_else(|e| fail(format!("configuration: {e}")));
            init_logging(&cfg.log_level);
            let dsn = hoplite_core::config::Dsn::parse(&cfg.dsn)
                .unwrap_or_else(|e| fail(format!("dsn: {e}")));
            let migrate = dsn.kind == hoplite_core::config::DatabaseKind::Sqlite;
            let reg = hoplite::build_registry(cfg, Arc::new(SystemClock), migrate)
                .await
                .unwrap_or_else(|e| fail(e));
            tracing::info!("courier: watching the queue");
            hoplite_core::courier::worker::watch(reg, shutdown_signal()).await;
        }
        Command::Serve {
            config,
            dev,
            accept_unsupported_features,
            watch_courier,
        } => {
            let path = config.last().map(PathBuf::as_path);
            let load = || {
                hoplite_core::config::load(path, &env_map(), dev)
                    .unwrap_or_else(|e| fail(format!("configuration: {e}")))
            };
            init_logging(&load().log_level);
            // Loaded again now that logging is set up, so what loading reports (embedded defaults,
            // the breached-password check being off) reaches the log.
            let cfg = load();
            let unsupported = hoplite_core::config::unsupported::unsupported_keys(&cfg.raw);
            if !unsupported.is_empty() {
                if !(accept_unsupported_features || cfg.accept_unsupported_features) {
                    fail(hoplite_core::config::unsupported::refusal(&unsupported));
                }
                for k in &unsupported {
                    tracing::warn!(key = %k.key, "configuration enables what hoplite does not implement yet: {}", k.why);
                }
            }
            let dsn = hoplite_core::config::Dsn::parse(&cfg.dsn)
                .unwrap_or_else(|e| fail(format!("dsn: {e}")));
            // The embedded default (SQLite) migrates by itself; shared databases are migrated
            // explicitly with `hoplite migrate sql`, as with Kratos.
            let migrate = dsn.kind == hoplite_core::config::DatabaseKind::Sqlite;
            let public_addr = format!("{}:{}", cfg.serve.public_host, cfg.serve.public_port);
            let admin_addr = format!("{}:{}", cfg.serve.admin_host, cfg.serve.admin_port);
            let reg = hoplite::build_registry(cfg, Arc::new(SystemClock), migrate)
                .await
                .unwrap_or_else(|e| fail(e));
            let public = tokio::net::TcpListener::bind(&public_addr)
                .await
                .unwrap_or_else(|e| fail(format!("binding {public_addr}: {e}")));
            let admin = tokio::net::TcpListener::bind(&admin_addr)
                .await
                .unwrap_or_else(|e| fail(format!("binding {admin_addr}: {e}")));
            let shutdown = shutdown_signal();
            if watch_courier {
                // Stopped with the process; a message it had claimed is claimed again later.
                tokio::spawn(hoplite_core::courier::worker::watch(
                    reg.clone(),
                    std::future::pending::<()>(),
                ));
            }
            tracing::info!(public = %public_addr, admin = %admin_addr, "hoplite is listening");
            if let Err(e) = hoplite::serve(reg, public, admin, shutdown).await {
                fail(format!("server error: {e}"));
            }
        }
        Command::Migrate {
            what:
                MigrateCommand::Sql {
                    dsn,
                    read_from_env,
                    yes: _,
                    config,
                },
        } => {
            let mut env = env_map();
            // The DSN must come from somewhere explicit: configuration is loaded in dev mode here
            // (a migration needs no identity schema or return URL), and dev mode would otherwise
            // fill in the embedded default and migrate ./hoplite.sqlite instead.
            let from_env = env.get("DSN").is_some_and(|d| !d.is_empty());
            let from_file = config.last().is_some_and(|path| {
                std::fs::read_to_string(path)
                    .ok()
                    .and_then(|text| {
                        let json = path.extension().is_some_and(|e| e == "json");
                        hoplite_core::config::parse_document(&text, json).ok()
                    })
                    .is_some_and(|doc| {
                        doc.get("dsn")
                            .and_then(|d| d.as_str())
                            .is_some_and(|d| !d.is_empty())
                    })
            });
            if let Some(d) = dsn {
                env.insert("DSN".into(), d);
            } else if read_from_env && !from_env {
                fail("-e was given but the environment variable DSN is not set".into());
            } else if !read_from_env && !from_file {
                fail("give a DSN, -e to read it from the environment variable DSN, or -c with a config file that sets dsn".into());
            }
            let cfg = hoplite_core::config::load(config.last().map(PathBuf::as_path), &env, true)
                .unwrap_or_else(|e| fail(format!("configuration: {e}")));
            init_logging(&cfg.log_level);
            match hoplite::connect(&cfg, true).await {
                Ok(_) => println!("Successfully applied migrations!"),
                Err(e) => fail(format!("migration failed: {e}")),
            }
        }
    }
}
