//! The only place with SQL. One `Store` over two concrete pools (SQLite, the embedded
//! default; PostgreSQL for several instances). The same SQL text with `$1` placeholders
//! runs on both; where the backends must differ (claiming outbox rows) each has its own.
//! Times are unix seconds, JSON is TEXT, so both backends share the row types.

mod copy;
mod queries;
pub mod rows;

pub use copy::{CopyReport, TableReport};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

pub use rows::*;

/// A database's schema against this binary's migrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schema {
    /// No attune tables yet.
    Empty,
    Current,
    /// Older than this binary: `attune migrate` brings it up.
    Behind {
        applied: i64,
        known: i64,
    },
    /// Newer than this binary (an upgrade in progress): used as it is.
    Ahead,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    /// Worth retrying: the database was busy or the connection dropped.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed) => true,
            StoreError::Db(sqlx::Error::Database(e)) => {
                let code = e.code().unwrap_or_default();
                // SQLITE_BUSY/LOCKED, PostgreSQL serialization failure and deadlock.
                matches!(code.as_ref(), "5" | "6" | "517" | "40001" | "40P01")
            }
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Debug)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A connection to run queries on: a write transaction or a plain pooled connection.
pub struct Db {
    inner: DbInner,
}

enum DbInner {
    SqliteTx(Transaction<'static, Sqlite>),
    PostgresTx(Transaction<'static, Postgres>),
    SqliteConn(PoolConnection<Sqlite>),
    PostgresConn(PoolConnection<Postgres>),
}

pub(crate) enum Exec<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Db {
    pub(crate) fn exec(&mut self) -> Exec<'_> {
        match &mut self.inner {
            DbInner::SqliteTx(t) => Exec::Sqlite(t),
            DbInner::PostgresTx(t) => Exec::Postgres(t),
            DbInner::SqliteConn(c) => Exec::Sqlite(c),
            DbInner::PostgresConn(c) => Exec::Postgres(c),
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.inner, DbInner::PostgresTx(_) | DbInner::PostgresConn(_))
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            DbInner::SqliteTx(t) => t.commit().await?,
            DbInner::PostgresTx(t) => t.commit().await?,
            DbInner::SqliteConn(_) | DbInner::PostgresConn(_) => {}
        }
        Ok(())
    }

    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            DbInner::SqliteTx(t) => t.rollback().await?,
            DbInner::PostgresTx(t) => t.rollback().await?,
            DbInner::SqliteConn(_) | DbInner::PostgresConn(_) => {}
        }
        Ok(())
    }
}

impl Store {
    /// Opens (and for SQLite creates) the database. Does not migrate.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let file = path.split('?').next().unwrap_or(path);
            if !file.is_empty()
                && file != ":memory:"
                && let Some(parent) = Path::new(file).parent()
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Invalid(format!("cannot create the database folder {}: {e}", parent.display()))
                })?;
            }
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(false)
                .pragma("temp_store", "memory");
            let in_memory = file == ":memory:" || file.is_empty();
            let pool = SqlitePoolOptions::new()
                .max_connections(if in_memory { 1 } else { max_connections.max(1) })
                .min_connections(if in_memory { 1 } else { 0 })
                .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
                .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(3600)) })
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(opts)
                .await?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::Invalid(format!("unsupported database url `{}`", redacted_url(url))))
        }
    }

    /// Where the database's schema stands against the migrations this binary carries.
    pub async fn schema_version(&self) -> Result<Schema> {
        let known = match self {
            Store::Sqlite(_) => SQLITE_MIGRATOR.iter().map(|m| m.version).max(),
            Store::Postgres(_) => POSTGRES_MIGRATOR.iter().map(|m| m.version).max(),
        }
        .unwrap_or(0);
        let applied: Option<i64> = match self {
            Store::Sqlite(p) => {
                let has: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(p)
                .await?;
                if has == 0 {
                    None
                } else {
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(p).await?
                }
            }
            Store::Postgres(p) => {
                let has: bool =
                    sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(p).await?;
                if !has {
                    None
                } else {
                    sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(p).await?
                }
            }
        };
        Ok(match applied {
            None => Schema::Empty,
            Some(a) if a < known => Schema::Behind { applied: a, known },
            Some(a) if a > known => Schema::Ahead,
            Some(_) => Schema::Current,
        })
    }

    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite(p) => SQLITE_MIGRATOR.run(p).await?,
            Store::Postgres(p) => POSTGRES_MIGRATOR.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// A write transaction. On SQLite it takes the write lock up front (BEGIN IMMEDIATE)
    /// so two writers never deadlock upgrading a read lock.
    pub async fn tx(&self) -> Result<Db> {
        Ok(Db {
            inner: match self {
                Store::Sqlite(p) => DbInner::SqliteTx(p.begin_with("BEGIN IMMEDIATE").await?),
                Store::Postgres(p) => DbInner::PostgresTx(p.begin().await?),
            },
        })
    }

    /// A plain connection for reads.
    pub async fn db(&self) -> Result<Db> {
        Ok(Db {
            inner: match self {
                Store::Sqlite(p) => DbInner::SqliteConn(p.acquire().await?),
                Store::Postgres(p) => DbInner::PostgresConn(p.acquire().await?),
            },
        })
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(p) => p.close().await,
            Store::Postgres(p) => p.close().await,
        }
    }

    /// Migration versions each backend ships (for the parity test).
    pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
        (SQLITE_MIGRATOR.iter().map(|m| m.version).collect(), POSTGRES_MIGRATOR.iter().map(|m| m.version).collect())
    }
}

/// The URL without its password, for anything printed or logged.
pub fn redacted_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::redacted_url;

    #[test]
    fn passwords_are_not_printed() {
        assert_eq!(
            redacted_url("postgres://attune:s3cret@db.example/attune"),
            "postgres://attune:***@db.example/attune"
        );
        assert_eq!(redacted_url("postgres://attune:p@ss@db.example/attune"), "postgres://attune:***@db.example/attune");
        assert_eq!(redacted_url("postgres://postgres@127.0.0.1/x"), "postgres://postgres@127.0.0.1/x");
        assert_eq!(redacted_url("sqlite:data/attune.db"), "sqlite:data/attune.db");
    }
}
