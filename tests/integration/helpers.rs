//! Test helpers: an app on a fresh SQLite database in a temp dir, with a clock the test
//! controls.

use std::path::PathBuf;

use attune::app::App;
use attune::clock::Clock;
use attune::config::Config;
use attune::intake::RawMail;
use attune::store::Store;
use tempfile::TempDir;

pub struct TestApp {
    pub app: App,
    pub dir: TempDir,
}

impl TestApp {
    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }
}

/// The real app (SQLite, migrations, shipped templates) at `now`, with `tweak` applied
/// to the default config.
pub async fn spawn_app_with(now: &str, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.database.url = format!("sqlite:{}", dir.path().join("attune.db").display());
    config.outbox.dir = dir.path().join("outbox");
    tweak(&mut config);
    let clock = Clock::manual(now.parse().expect("RFC 3339 now"));
    let store = Store::connect(&config.database.url, 4).await.expect("connect");
    store.migrate().await.expect("migrate");
    let app = App::with_store(config, clock, store).expect("app");
    TestApp { app, dir }
}

pub async fn spawn_app(now: &str) -> TestApp {
    spawn_app_with(now, |_| {}).await
}

pub fn raw(text: &str) -> RawMail {
    RawMail {
        bytes: text.replace("\r\n", "\n").replace('\n', "\r\n").into_bytes(),
        origin: "test".into(),
        arrived_at: None,
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
