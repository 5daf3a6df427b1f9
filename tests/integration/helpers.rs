//! Test helpers: the real app on a fresh database (SQLite in a temp dir, or a PostgreSQL
//! database of its own, created for the test and dropped after it), with a clock the
//! test controls, and `on_both_backends!` to run one test on each.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use attune::app::App;
use attune::clock::Clock;
use attune::config::Config;
use attune::intake::RawMail;
use attune::store::Store;
use tempfile::TempDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `NAME::sqlite` and `NAME::postgres`, each calling `NAME(Backend::…)`.
/// `async` for tokio tests, `sync` for tests that run their own runtime.
macro_rules! on_both_backends {
    (async $name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
    (sync $name:ident) => {
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::helpers::Backend::Postgres)
            }
        }
    };
}
pub(crate) use on_both_backends;

/// The server the PostgreSQL tests use: the project's machines run one on 127.0.0.1:5432
/// with trust auth; `TEST_POSTGRES_URL` points elsewhere (its database is only used to
/// create and drop the tests' own).
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A PostgreSQL database made for one test; dropped (with any connections left) when
/// this is dropped.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub fn create() -> PgDatabase {
        static N: AtomicU32 = AtomicU32::new(0);
        let name =
            format!("attune_test_{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), rand_suffix());
        run_admin(&format!("CREATE DATABASE {name}"));
        let admin = postgres_admin_url();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
        PgDatabase { url: format!("{base}/{name}"), name }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        run_admin(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
    }
}

fn rand_suffix() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0)
}

/// Runs one statement on the admin database, on a thread of its own (callers may be
/// inside a runtime, or in a `Drop`).
fn run_admin(sql: &str) {
    let sql = sql.to_string();
    let url = postgres_admin_url();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&url)
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {url} (set TEST_POSTGRES_URL to use another): {e}"));
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            let _ = c.close().await;
        })
    })
    .join()
    .expect("the PostgreSQL admin statement ran");
}

pub struct TestApp {
    pub app: App,
    pub dir: TempDir,
    /// Dropped after `app`, so the pool goes first.
    pub pg: Option<PgDatabase>,
}

impl TestApp {
    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }
}

/// A fresh, migrated database on `backend`: its URL and what keeps it alive.
pub fn fresh_database(backend: Backend, dir: &std::path::Path) -> (String, Option<PgDatabase>) {
    match backend {
        Backend::Sqlite => (format!("sqlite:{}", dir.join("attune.db").display()), None),
        Backend::Postgres => {
            let db = PgDatabase::create();
            (db.url.clone(), Some(db))
        }
    }
}

/// The real app (migrations, shipped templates) on `backend` at `now`, with `tweak`
/// applied to the default config.
pub async fn spawn_app_with(backend: Backend, now: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    let (url, pg) = fresh_database(backend, dir.path());
    config.database.url = url;
    config.outbox.dir = dir.path().join("outbox");
    tweak(&mut config);
    let clock = Clock::manual(now.parse().expect("RFC 3339 now"));
    let store = Store::connect(&config.database.url, 4).await.expect("connect");
    store.migrate().await.expect("migrate");
    let app = App::with_store(config, clock, store).expect("app");
    TestApp { app, dir, pg }
}

pub async fn spawn_app(backend: Backend, now: &str) -> TestApp {
    spawn_app_with(backend, now, |_| {}).await
}

pub fn raw(text: &str) -> RawMail {
    RawMail {
        bytes: text.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes(),
        origin: "test".into(),
        arrived_at: None,
        truncated_from: None,
    }
}

pub fn raw_at(text: &str, arrived_at: i64) -> RawMail {
    RawMail { arrived_at: Some(arrived_at), ..raw(text) }
}

pub fn ts(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().expect("timestamp").as_second()
}

/// A simple customer mail.
pub fn mail(from: &str, id: &str, subject: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: support@example.com\nSubject: {subject}\nMessage-ID: <{id}>\nDate: Thu, 26 Nov 2026 09:00:00 +0000\n{extra_headers}\n{body}\n"
    )
}
