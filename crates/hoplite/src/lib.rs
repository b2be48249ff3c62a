//! Wiring: builds the registry from configuration and serves the public and admin APIs. The binary
//! (`main.rs`) and the integration tests both start hoplite through here.

use hoplite_core::clock::Clock;
use hoplite_core::config::{Config, Dsn};
use hoplite_core::hash::PasswordHasher;
use hoplite_core::registry::Registry;
use hoplite_core::schema::SchemaRegistry;
use hoplite_sql::SqlPersister;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

pub mod outbound;
pub mod smtp;

/// Connects to the database the config names, optionally migrating it first.
pub async fn connect(config: &Config, migrate: bool) -> Result<SqlPersister, String> {
    connect_as(config, migrate, false).await
}

/// As [`connect`]; `serving`: as the process that serves the database
/// ([`SqlPersister::connect_serving`]).
async fn connect_as(config: &Config, migrate: bool, serving: bool) -> Result<SqlPersister, String> {
    let dsn = Dsn::parse(&config.dsn).map_err(|e| format!("dsn: {e}"))?;
    tracing::info!(dsn = %dsn.redacted(), "connecting to the database");
    let persister = if serving {
        SqlPersister::connect_serving(&dsn, &config.serve.public_base_url).await
    } else {
        SqlPersister::connect(&dsn, &config.serve.public_base_url).await
    }
    .map_err(|e| e.to_string())?;
    if migrate {
        persister.migrate().await.map_err(|e| e.to_string())?;
    } else {
        // A shared database is migrated by the operator (`hoplite migrate sql`); serving one
        // whose schema is not exactly this build's would fail request by request instead.
        persister.check_schema().await.map_err(|e| e.to_string())?;
    }
    Ok(persister)
}

/// Builds everything handlers need. `migrate`: apply migrations first (the embedded default does).
pub async fn build_registry(
    mut config: Config,
    clock: Arc<dyn Clock>,
    migrate: bool,
) -> Result<Arc<Registry>, String> {
    let persister = connect_as(&config, migrate, true).await?;
    if config.secrets.cookie.is_empty() && config.secrets.default.is_empty() {
        // Generated once and kept in the database, so restarts and other instances agree.
        let candidate = hoplite_core::session::random_alphanumeric(32);
        let secret = hoplite_core::persistence::Persister::get_or_init_value(
            &persister,
            "secrets.default",
            &candidate,
        )
        .await
        .map_err(|e| format!("storing the generated secret: {e}"))?;
        tracing::info!("no secrets configured: using a generated secret persisted in the database");
        config.secrets.default = vec![secret];
    }
    let http = Arc::new(outbound::ReqwestFetcher::new()?);
    let schemas = SchemaRegistry::load_with(&config.identity, http.as_ref())
        .await
        .map_err(|e| format!("identity schemas: {e}"))?;
    let hasher = PasswordHasher::with_limits(
        config.hashers.clone(),
        config.hashing.pool_size,
        config.hashing.queue_size,
        Default::default(),
    );
    let mailer = smtp::SmtpMailer::from_config(&config.courier)?;
    let mut registry = Registry::new(config, Arc::new(persister), schemas, hasher, clock, http);
    if let Some(m) = mailer {
        registry.mailer = Arc::new(m);
    }
    Ok(Arc::new(registry))
}

/// Serves both routers on the given listeners until `shutdown` resolves.
pub async fn serve(
    reg: Arc<Registry>,
    public: TcpListener,
    admin: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let public_app = hoplite_http::public_router(reg.clone())
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let admin_app = hoplite_http::admin_router(reg)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let mut rx1 = rx.clone();
    let mut rx2 = rx;
    let p = tokio::spawn(async move {
        axum::serve(public, public_app)
            .with_graceful_shutdown(async move {
                let _ = rx1.wait_for(|v| *v).await;
            })
            .await
    });
    let a = tokio::spawn(async move {
        axum::serve(admin, admin_app)
            .with_graceful_shutdown(async move {
                let _ = rx2.wait_for(|v| *v).await;
            })
            .await
    });
    shutdown.await;
    let _ = tx.send(true);
    p.await.map_err(std::io::Error::other)??;
    a.await.map_err(std::io::Error::other)??;
    Ok(())
}
