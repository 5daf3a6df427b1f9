//! Benchmarks against the real servers. Not tests: they print figures and assert only that
//! the work was done. Run them with
//!   cargo test --release --test integration bench_ -- --ignored --nocapture --test-threads 1
//! (BENCH_SYNC_MESSAGES sets the folder size for the sync benchmark; default 10000.)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use attune::config::TlsMode;
use futures::TryStreamExt;

use crate::mailserver::{MailServers, PASSWORD, SUPPORT};

/// A child process that is killed if the benchmark fails before stopping it.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Writes `n` support mails straight into the support Maildir (as the mail uid), the way
/// LMTP would have left them.
pub fn fill_maildir(servers: &MailServers, n: usize) {
    let new = servers.maildir(SUPPORT).join("new");
    std::fs::create_dir_all(servers.maildir(SUPPORT).join("cur")).unwrap();
    std::fs::create_dir_all(servers.maildir(SUPPORT).join("tmp")).unwrap();
    std::fs::create_dir_all(&new).unwrap();
    let generated = servers.dir.path().join("gen");
    let out = Command::new(env!("CARGO_BIN_EXE_attune"))
        .args(["bench", "generate-maildir"])
        .arg(&generated)
        .args(["--count", &n.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success());
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(generated.join(sub)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().replace(":2,S", "");
            std::fs::rename(e.path(), new.join(name)).unwrap();
        }
    }
    let d = servers.maildir(SUPPORT);
    let root = d.parent().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    assert!(Command::new("chown").args(["-R", "5000:5000"]).arg(&root).status().unwrap().success());
}

fn config_file(servers: &MailServers, dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("attune.toml");
    let text = format!(
        r#"[support]
address = "{SUPPORT}"
name = "Bench Support"

[database]
url = "sqlite:{db}"

[[mailboxes]]
name = "support"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "{SUPPORT}"
password = "{PASSWORD}"
batch_size = 200
{extra}
[smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"

[web]
listen = ""
"#,
        db = dir.join("attune.db").display(),
        port = servers.imap_port,
        smtp = servers.smtp_port,
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Peak RSS (KiB) and wall time of an `attune` command, by /usr/bin/time.
fn timed(args: &[&str], config: &Path) -> (f64, u64, String) {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_attune"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "attune {args:?}: {stderr}");
    let rss = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes): "))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    (secs, rss, String::from_utf8_lossy(&out.stdout).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_sync_against_bare_fetch() {
    let n: usize = std::env::var("BENCH_SYNC_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let servers = MailServers::start();
    fill_maildir(&servers, n);
    let cfg = servers.mailbox("support", SUPPORT, TlsMode::None);
    // Let Dovecot index the new files once, outside the timings.
    let mut s = attune::intake::imap::connect(&cfg).await.unwrap();
    s.select("INBOX").await.unwrap();
    let _ = s.logout().await;

    let mut bare = Vec::new();
    let mut syncs = Vec::new();
    let mut rss = Vec::new();
    for run in 0..3 {
        let mut s = attune::intake::imap::connect(&cfg).await.unwrap();
        s.select("INBOX").await.unwrap();
        let start = Instant::now();
        let fetched: Vec<_> = s.uid_fetch("1:*", "(UID BODY.PEEK[])").await.unwrap().try_collect().await.unwrap();
        bare.push(start.elapsed().as_secs_f64());
        assert_eq!(fetched.len(), n);
        drop(fetched);
        let _ = s.logout().await;

        let dir = tempfile::tempdir().unwrap();
        let config = config_file(&servers, dir.path(), "");
        let (secs, kib, out) = timed(&["sync"], &config);
        assert!(out.contains(&format!("{n} new")), "run {run}: {out}");
        syncs.push(secs);
        rss.push(kib as f64);
    }
    let (b, a) = (median(bare), median(syncs));
    println!(
        "BENCH sync n={n}: bare UID FETCH median {b:.3}s ({:.0} msg/s); attune sync median {a:.3}s ({:.0} msg/s); ratio {:.1}x; peak RSS median {:.1} MiB",
        n as f64 / b,
        n as f64 / a,
        a / b,
        median(rss) / 1024.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_idle_arrival_to_draft() {
    let servers = MailServers::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(&servers, dir.path(), "");
    let mut daemon = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_attune"))
            .arg("--config")
            .arg(&config)
            .arg("run")
            .env("ATTUNE_LOG", "warn")
            .spawn()
            .unwrap(),
    );
    let store =
        attune::store::Store::connect(&format!("sqlite:{}", dir.path().join("attune.db").display()), 2).await.unwrap();
    // Wait until the daemon is connected (its cursor row appears after the first sync).
    let start = Instant::now();
    loop {
        let mut db = store.db().await.unwrap();
        if db.mailbox_states().await.map(|s| !s.is_empty()).unwrap_or(false) {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon did not sync");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = Vec::new();
    for i in 0..200 {
        let from = format!("idle{i}@elsewhere.example");
        let raw = format!(
            "From: Idle Tester <{from}>\nTo: {SUPPORT}\nSubject: Question {i}\nMessage-ID: <idle{i}@elsewhere.example>\n\nHello, where is my order {}?\n\nBest regards,\nIdle\n",
            20_000 + i
        );
        let sent = Instant::now();
        servers.send(&from, &[SUPPORT], &raw);
        loop {
            let mut db = store.db().await.unwrap();
            let soon = jiff::Timestamp::now().as_second() + 3600;
            if db.count_acks(&from, soon - 86_400, soon).await.map(|n| n > 0).unwrap_or(false) {
                break;
            }
            drop(db);
            assert!(sent.elapsed() < Duration::from_secs(30), "no draft for message {i}");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = Command::new("kill").arg(daemon.0.id().to_string()).status();
    let status = daemon.0.wait().unwrap();
    assert!(status.success(), "attune run exits 0 on SIGTERM: {status:?}");
    println!(
        "BENCH idle arrival-to-draft over {} messages: median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        latencies.len(),
        median(latencies.clone()),
        percentile(latencies.clone(), 0.95),
        latencies.iter().cloned().fold(0.0, f64::max)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_approved_to_delivered() {
    let n = 1000;
    let servers = MailServers::start();
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(&servers, dir.path(), "");
    // 1000 customers write in (each to the catch-all domain, so replies land in one box).
    let inbox = dir.path().join("in");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(inbox.join(sub)).unwrap();
    }
    for i in 0..n {
        let raw = format!(
            "From: Customer {i} <cust{i}@elsewhere.example>\nTo: {SUPPORT}\nSubject: Order {i}\nMessage-ID: <ad{i}@elsewhere.example>\n\nHello, where is my order {}?\n\nBest regards,\nCustomer\n",
            30_000 + i
        );
        std::fs::write(inbox.join("new").join(format!("{}.M{i}.bench", 1_795_000_000 + i)), raw).unwrap();
    }
    let (_, _, out) = timed(&["ingest", inbox.to_str().unwrap()], &config);
    assert!(out.contains(&format!("drafts new {n}")), "{out}");
    let store =
        attune::store::Store::connect(&format!("sqlite:{}", dir.path().join("attune.db").display()), 2).await.unwrap();
    let cfg = attune::config::Config::load(Some(&config)).unwrap();
    let app = attune::app::App::with_store(cfg, attune::clock::Clock::system(), store).unwrap();
    let mut db = app.store.db().await.unwrap();
    let drafts = db.list_drafts(Some(attune::domain::DraftStatus::Pending), 10_000, 0).await.unwrap();
    drop(db);
    for d in &drafts {
        attune::approval::approve(
            &app,
            d.id(),
            None,
            &attune::approval::Approver { id: "bench".into(), name: Some("Bench Agent".into()) },
            None,
            None,
        )
        .await
        .unwrap();
    }
    let delivery = attune::outbox::Delivery::from_config(&app).unwrap();
    let start = Instant::now();
    let sent = attune::outbox::send_due(&app, &delivery, "bench").await.unwrap();
    let sent_secs = start.elapsed().as_secs_f64();
    assert_eq!(sent.len(), n);
    servers.wait_for_messages("catchall@customer.example", n, Duration::from_secs(300));
    let delivered_secs = start.elapsed().as_secs_f64();
    println!(
        "BENCH approved-to-delivered n={n}: handed to Postfix in {sent_secs:.2}s ({:.0}/s); in the customers' mailboxes after {delivered_secs:.2}s ({:.0}/s)",
        n as f64 / sent_secs,
        n as f64 / delivered_secs
    );
}
