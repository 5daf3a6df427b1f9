//! Several `attune run` instances on one PostgreSQL, against the real Dovecot and Postfix:
//! instances are killed (SIGKILL) and restarted at random while customers write and while
//! replies go out; nothing is lost, nothing stored twice, every reply delivered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use attune::app::App;
use attune::approval::{self, Approver};
use attune::clock::Clock;
use attune::config::Config;
use attune::domain::DraftStatus;
use attune::store::Store;

use crate::helpers::PgDatabase;
use crate::mailserver::{MailServers, SUPPORT};

/// Customers write from a domain Postfix hands to catchall@customer.example, so every
/// reply lands in one mailbox we can count.
const CUSTOMER_DOMAIN: &str = "shop.example";
const CATCHALL: &str = "catchall@customer.example";

/// A tiny deterministic generator: the chaos is random but repeatable from its seed.
pub struct Chaos(u64);

impl Chaos {
    pub fn new(seed: u64) -> Chaos {
        Chaos(seed.max(1))
    }

    pub fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

/// `n` instances of `attune run` on one config; each logs to its own file.
pub struct Cluster {
    pub config: PathBuf,
    dir: PathBuf,
    instances: Vec<Option<Child>>,
    started: usize,
}

impl Cluster {
    pub fn start(config: &Path, dir: &Path, n: usize) -> Cluster {
        let mut c = Cluster { config: config.to_path_buf(), dir: dir.to_path_buf(), instances: Vec::new(), started: 0 };
        for _ in 0..n {
            let child = c.spawn();
            c.instances.push(Some(child));
        }
        c
    }

    fn spawn(&mut self) -> Child {
        self.started += 1;
        let log = std::fs::File::create(self.dir.join(format!("instance-{}.log", self.started))).unwrap();
        Command::new(env!("CARGO_BIN_EXE_attune"))
            .arg("--config")
            .arg(&self.config)
            .arg("run")
            .env("ATTUNE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start attune run")
    }

    /// `attune status --json`, as an operator would ask it.
    pub fn status(&self) -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_attune"))
            .arg("--config")
            .arg(&self.config)
            .args(["status", "--json"])
            .env("ATTUNE_LOG", "error")
            .output()
            .expect("attune status");
        assert!(out.status.success(), "attune status: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("status --json is JSON")
    }

    /// The process ids of the running instances (an instance's name is HOST-PID-…).
    pub fn pids(&self) -> Vec<u32> {
        self.instances.iter().flatten().map(|c| c.id()).collect()
    }

    /// SIGKILL instance `i` (no chance to finish or let its lease go).
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.instances[i].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn restart(&mut self, i: usize) {
        self.kill(i);
        let child = self.spawn();
        self.instances[i] = Some(child);
    }

    /// SIGTERM every instance; each must stop by itself and exit 0.
    pub fn stop(&mut self) {
        for child in self.instances.iter_mut().flatten() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
        }
        let started = Instant::now();
        for slot in &mut self.instances {
            let Some(child) = slot.as_mut() else { continue };
            let status = loop {
                if let Some(s) = child.try_wait().unwrap() {
                    break s;
                }
                assert!(started.elapsed() < Duration::from_secs(30), "an instance did not stop on SIGTERM");
                std::thread::sleep(Duration::from_millis(50));
            };
            assert!(status.success(), "an instance exited with {status:?}");
            *slot = None;
        }
    }

    /// The instances' logs, for a failure message.
    pub fn logs_tail(&self) -> String {
        let mut out = String::new();
        for i in 1..=self.started {
            let text = std::fs::read_to_string(self.dir.join(format!("instance-{i}.log"))).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(6).collect();
            out.push_str(&format!("--- instance {i}\n{}\n", tail.into_iter().rev().collect::<Vec<_>>().join("\n")));
        }
        out
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for i in 0..self.instances.len() {
            self.kill(i);
        }
    }
}

/// A config for instances on `database_url` against `servers`, syncing the support
/// mailbox: short leases and claims so a killed instance's work is taken over within seconds.
pub fn cluster_config(servers: &MailServers, dir: &Path, database_url: &str, batch_size: u32) -> PathBuf {
    cluster_config_with(servers, dir, database_url, batch_size, &[("support", SUPPORT)])
}

/// …syncing each of `mailboxes` (name, IMAP user).
pub fn cluster_config_with(
    servers: &MailServers,
    dir: &Path,
    database_url: &str,
    batch_size: u32,
    mailboxes: &[(&str, &str)],
) -> PathBuf {
    let path = dir.join("attune.toml");
    let mut text = format!(
        r#"[support]
address = "{SUPPORT}"
name = "Test Support"

[database]
url = "{database_url}"
max_connections = 4

[outbox]
poll_interval = "1s"
retry_base = "1s"
claim = "10s"

[smtp]
host = "127.0.0.1"
port = {smtp}
tls = "none"
timeout = "5s"
helo_name = "attune.test.example"

[web]
listen = ""
"#,
        smtp = servers.smtp_port,
    );
    for (name, user) in mailboxes {
        text.push_str(&format!(
            r#"
[[mailboxes]]
name = "{name}"
host = "127.0.0.1"
port = {imap}
tls = "starttls"
username = "{user}"
password = "{password}"
ca_file = "{ca}"
connect_timeout = "3s"
batch_size = {batch_size}
lease = "4s"
"#,
            imap = servers.imap_port,
            password = crate::mailserver::PASSWORD,
            ca = servers.ca_file().display(),
        ));
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// `n` customers' first messages, each from its own address (no per-sender limit applies).
pub fn customer_mails(first: usize, n: usize) -> Vec<(String, Vec<String>, String)> {
    (first..first + n)
        .map(|i| {
            let from = format!("customer{i:05}@{CUSTOMER_DOMAIN}");
            let raw = format!(
                "From: Customer {i} <{from}>\r\nTo: {SUPPORT}\r\nSubject: Order {order} has not arrived\r\nMessage-ID: <order-{i}@{CUSTOMER_DOMAIN}>\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n\r\nHello,\r\n\r\nmy order {order} has not arrived yet. Could you check where it is?\r\n\r\nThanks,\r\nCustomer {i}\r\n",
                order = 700_000 + i
            );
            (from, vec![SUPPORT.to_string()], raw)
        })
        .collect()
}

/// An app on the same database, in this process: the test's window into the store and
/// the agent who approves.
pub async fn observer(config: &Path) -> App {
    let mut c = Config::load(Some(config)).expect("the cluster's config loads");
    c.database.max_connections = 2;
    App::build(c, Clock::system()).await.expect("the observer connects")
}

pub async fn wait_for<F, Fut>(what: &str, timeout: Duration, cluster: &Arc<Mutex<Cluster>>, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    let start = Instant::now();
    loop {
        let state = done().await;
        let Some(state) = state else { return };
        assert!(
            start.elapsed() < timeout,
            "{what}: not after {}s ({state})\n{}",
            timeout.as_secs(),
            cluster.lock().unwrap().logs_tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Kills and restarts instances at random until `stop` is set; returns how many kills.
fn chaos(
    cluster: Arc<Mutex<Cluster>>,
    seed: u64,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<u32> {
    std::thread::spawn(move || {
        let mut rng = Chaos::new(seed);
        let mut kills = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(600 + rng.next(1400)));
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let mut c = cluster.lock().unwrap();
            let victim = rng.next(c.instances.len() as u64) as usize;
            c.kill(victim);
            kills += 1;
            drop(c);
            // Sometimes down for a while (its lease and claims run out), sometimes back at once.
            std::thread::sleep(Duration::from_millis(rng.next(3000)));
            cluster.lock().unwrap().restart(victim);
        }
        kills
    })
}

async fn count_drafts(store: &Store) -> BTreeMap<&'static str, i64> {
    let c = store.db().await.unwrap().counts().await.unwrap();
    BTreeMap::from([
        ("pending", c.drafts_pending),
        ("approved", c.drafts_approved),
        ("sending", c.drafts_sending),
        ("sent", c.drafts_sent),
        ("failed", c.drafts_failed),
        ("messages", c.messages),
    ])
}

fn message_id_of(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let head = text.split("\r\n\r\n").next().unwrap_or(&text).split("\n\n").next().unwrap_or(&text);
    head.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("message-id:"))
        .map(|l| l[11..].trim().trim_start_matches('<').trim_end_matches('>').to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_on_postgres_lose_nothing_and_send_each_reply_once_while_killed_at_random() {
    const N: usize = 1000;
    let seed: u64 = std::env::var("CHAOS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261126);
    println!("chaos seed {seed} (CHAOS_SEED repeats a run)");
    let servers = MailServers::start();
    let pg = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let config = cluster_config(&servers, dir.path(), &pg.url, 50);
    let app = observer(&config).await;
    let cluster = Arc::new(Mutex::new(Cluster::start(&config, dir.path(), 3)));

    // Customers write while instances die and come back.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let chaos_in = chaos(cluster.clone(), seed, stop.clone());
    // Spread over ~15 seconds, so several kills land while mail arrives.
    for chunk in customer_mails(0, N).chunks(20) {
        servers.send_many(chunk);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    servers.wait_for_messages(SUPPORT, N, Duration::from_secs(120));
    wait_for("every message stored", Duration::from_secs(240), &cluster, || async {
        let c = count_drafts(&app.store).await;
        (c["messages"] < N as i64).then(|| format!("{c:?}"))
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let kills_in = chaos_in.join().unwrap();

    // Every message stored once; every one acknowledged by exactly one draft.
    let mut db = app.store.db().await.unwrap();
    let messages = db.list_messages(None, None, 10 * N as i64, 0).await.unwrap();
    assert_eq!(messages.len(), N, "stored exactly once each");
    let ids: BTreeSet<String> = messages.iter().filter_map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), N);
    let drafts = db.list_drafts(None, 10 * N as i64, 0).await.unwrap();
    let mut per_message: BTreeMap<i64, usize> = BTreeMap::new();
    for d in &drafts {
        *per_message.entry(d.reply_to_message).or_default() += 1;
    }
    assert_eq!(per_message.len(), N, "every message has a draft");
    assert!(per_message.values().all(|n| *n == 1), "no message has two drafts");
    assert!(drafts.iter().all(|d| d.status == DraftStatus::Pending.as_str()));
    drop(db);

    // An agent approves everything while instances keep dying; every reply is delivered.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let chaos_out = chaos(cluster.clone(), seed.wrapping_mul(31), stop.clone());
    let agent = Approver { id: "test:sam".into(), name: Some("Sam Taylor".into()) };
    for d in &drafts {
        approval::approve(&app, attune::domain::DraftId(d.id), None, &agent, None, None).await.unwrap();
    }
    wait_for("every reply sent", Duration::from_secs(300), &cluster, || async {
        let c = count_drafts(&app.store).await;
        (c["sent"] < N as i64).then(|| format!("{c:?}"))
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let kills_out = chaos_out.join().unwrap();
    let delivered = servers.wait_for_messages(CATCHALL, N, Duration::from_secs(60));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let delivered = servers.messages(CATCHALL).len().max(delivered.len());

    // Count what the customers got, by Message-ID.
    let sent_ids: BTreeSet<String> = app
        .store
        .db()
        .await
        .unwrap()
        .list_drafts(Some(DraftStatus::Sent), 10 * N as i64, 0)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|d| d.outgoing_message_id)
        .collect();
    assert_eq!(sent_ids.len(), N);
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for path in servers.messages(CATCHALL) {
        let id = message_id_of(&path).unwrap_or_else(|| panic!("{} has no Message-ID", path.display()));
        *copies.entry(id).or_default() += 1;
    }
    let unknown: Vec<&String> = copies.keys().filter(|id| !sent_ids.contains(*id)).collect();
    assert!(unknown.is_empty(), "mail nobody sent: {unknown:?}");
    assert_eq!(copies.len(), N, "every reply delivered");
    let second_copies: usize = copies.values().map(|n| n - 1).sum();
    println!(
        "CLUSTER: {N} messages, {kills_in} kills while ingesting, {kills_out} while sending; {delivered} delivered, \
         {second_copies} second copies (same Message-ID)"
    );
    // A second copy can only come from a kill in the middle of a send.
    assert!(second_copies <= kills_out as usize, "{second_copies} second copies from {kills_out} kills");

    // `attune status` names the instance that holds the mailbox's lease.
    let status = Command::new(env!("CARGO_BIN_EXE_attune"))
        .arg("--config")
        .arg(&config)
        .args(["status", "--json"])
        .env("ATTUNE_LOG", "error")
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(status["mailboxes"][0]["synced_by"].is_string(), "{status}");
    cluster.lock().unwrap().stop();
    app.store.close().await;
}

/// Ingest and approved-to-sent throughput with 1, 2 and 3 instances on PostgreSQL, beside
/// one instance on SQLite, in one run (rounds interleaved, medians reported):
///   cargo test --release --test integration bench_instances -- --ignored --nocapture
/// BENCH_CLUSTER_MESSAGES sets the folder size (default 3000).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_instances_on_postgres_beside_sqlite() {
    let n: usize = std::env::var("BENCH_CLUSTER_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let rounds = 3;
    let servers = MailServers::start();
    crate::bench::fill_maildir(&servers, n);
    let setups: [(&str, usize); 4] = [("sqlite", 1), ("postgres", 1), ("postgres", 2), ("postgres", 3)];
    let mut ingest: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut send: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for round in 0..rounds {
        for (backend, k) in setups {
            let dir = tempfile::tempdir().unwrap();
            let pg = (backend == "postgres").then(PgDatabase::create);
            let url = match &pg {
                Some(db) => db.url.clone(),
                None => format!("sqlite:{}", dir.path().join("attune.db").display()),
            };
            let config = cluster_config(&servers, dir.path(), &url, 200);
            let app = observer(&config).await;
            let label = format!("{backend} x{k}");

            let start = Instant::now();
            let cluster = Arc::new(Mutex::new(Cluster::start(&config, dir.path(), k)));
            // Throughput is timed from the first stored message, so the processes' start
            // (and PostgreSQL's longer first migration) does not count as ingest.
            let first_stored: Mutex<Option<Instant>> = Mutex::new(None);
            wait_for("ingest", Duration::from_secs(600), &cluster, || async {
                let c = count_drafts(&app.store).await;
                if c["messages"] > 0 {
                    first_stored.lock().unwrap().get_or_insert_with(Instant::now);
                }
                (c["messages"] < n as i64).then(|| format!("{c:?}"))
            })
            .await;
            let started_secs = first_stored.lock().unwrap().map(|f| (f - start).as_secs_f64()).unwrap_or(0.0);
            let ingest_secs = start.elapsed().as_secs_f64() - started_secs;
            cluster.lock().unwrap().stop();

            let mut db = app.store.db().await.unwrap();
            let drafts = db.list_drafts(Some(DraftStatus::Pending), 10 * n as i64, 0).await.unwrap();
            drop(db);
            let agent = Approver { id: "bench".into(), name: Some("Bench Agent".into()) };
            for d in &drafts {
                approval::approve(&app, d.id(), None, &agent, None, None).await.unwrap();
            }
            let before = servers.messages(CATCHALL).len();
            let start = Instant::now();
            let cluster = Arc::new(Mutex::new(Cluster::start(&config, dir.path(), k)));
            wait_for("send", Duration::from_secs(600), &cluster, || async {
                let c = count_drafts(&app.store).await;
                (c["sent"] < drafts.len() as i64).then(|| format!("{c:?}"))
            })
            .await;
            let send_secs = start.elapsed().as_secs_f64();
            cluster.lock().unwrap().stop();
            servers.wait_for_messages(CATCHALL, before + drafts.len(), Duration::from_secs(300));
            println!(
                "round {round} {label}: first message stored after {started_secs:.2}s, then {n} in {ingest_secs:.2}s ({:.0} msg/s); {} replies sent in {send_secs:.2}s ({:.0}/s)",
                n as f64 / ingest_secs,
                drafts.len(),
                drafts.len() as f64 / send_secs
            );
            ingest.entry(label.clone()).or_default().push(n as f64 / ingest_secs);
            send.entry(label).or_default().push(drafts.len() as f64 / send_secs);
            app.store.close().await;
        }
    }
    let median = |v: &Vec<f64>| {
        let mut v = v.clone();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let base_in = median(&ingest["sqlite x1"]);
    let base_out = median(&send["sqlite x1"]);
    for (backend, k) in setups {
        let label = format!("{backend} x{k}");
        println!(
            "BENCH instances {label}: ingest median {:.0} msg/s ({:.2}x sqlite x1); approved-to-sent median {:.0}/s ({:.2}x)",
            median(&ingest[&label]),
            median(&ingest[&label]) / base_in,
            median(&send[&label]),
            median(&send[&label]) / base_out
        );
    }
}

/// Which instance (by pid) holds each mailbox's lease now.
async fn lease_holders(app: &App) -> BTreeMap<String, u32> {
    let now = app.now();
    let states = app.store.db().await.unwrap().mailbox_states().await.unwrap();
    states
        .into_iter()
        .filter(|s| s.lease_until.is_some_and(|u| u >= now))
        .filter_map(|s| {
            let owner = s.lease_owner?;
            let pid = owner.rsplit('-').nth(1)?.parse().ok()?;
            Some((s.mailbox, pid))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailboxes_are_shared_out_among_instances_and_taken_over_when_one_dies() {
    let servers = MailServers::start();
    let pg = PgDatabase::create();
    let dir = tempfile::tempdir().unwrap();
    let boxes = [("support", SUPPORT), ("alice", "alice@customer.example"), ("bob", "bob@customer.example")];
    let config = cluster_config_with(&servers, dir.path(), &pg.url, 50, &boxes);
    let app = observer(&config).await;

    // Alone, one instance syncs every mailbox.
    let cluster = Arc::new(Mutex::new(Cluster::start(&config, dir.path(), 1)));
    let first = cluster.lock().unwrap().pids()[0];
    wait_for("one instance holds all three", Duration::from_secs(30), &cluster, || async {
        let h = lease_holders(&app).await;
        (h.len() < 3 || h.values().any(|p| *p != first)).then(|| format!("{h:?}"))
    })
    .await;

    // Two more start: each ends up with one mailbox.
    {
        let mut c = cluster.lock().unwrap();
        for _ in 0..2 {
            let child = c.spawn();
            c.instances.push(Some(child));
        }
    }
    wait_for("one mailbox each", Duration::from_secs(60), &cluster, || async {
        let h = lease_holders(&app).await;
        let owners: BTreeSet<u32> = h.values().copied().collect();
        (h.len() < 3 || owners.len() < 3).then(|| format!("{h:?}"))
    })
    .await;
    // What an operator sees: three instances, each mailbox synced by one of them.
    let status = cluster.lock().unwrap().status();
    let names: BTreeSet<&str> =
        status["instances"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 3, "{status}");
    for m in status["mailboxes"].as_array().unwrap() {
        assert!(names.contains(m["synced_by"].as_str().unwrap_or("")), "{m} is synced by a running instance");
    }

    // One dies without a word: the survivors take its mailbox over and read mail there.
    let victim_pid = {
        let mut c = cluster.lock().unwrap();
        let pid = c.pids()[1];
        c.kill(1);
        pid
    };
    let victim_box = lease_holders(&app).await.into_iter().find(|(_, p)| *p == victim_pid).map(|(m, _)| m).unwrap();
    wait_for("the survivors hold all three", Duration::from_secs(60), &cluster, || async {
        let h = lease_holders(&app).await;
        (h.len() < 3 || h.values().any(|p| *p == victim_pid)).then(|| format!("{h:?}"))
    })
    .await;
    let user = boxes.iter().find(|(n, _)| *n == victim_box).unwrap().1;
    servers.send_many(
        &customer_mails(0, 1).into_iter().map(|(f, _, raw)| (f, vec![user.to_string()], raw)).collect::<Vec<_>>(),
    );
    wait_for("the taken-over mailbox is read", Duration::from_secs(30), &cluster, || async {
        let c = count_drafts(&app.store).await;
        (c["messages"] < 1).then(|| format!("{c:?}"))
    })
    .await;
    let stored = app.store.db().await.unwrap().list_messages(None, None, 10, 0).await.unwrap();
    assert_eq!(stored[0].mailbox, victim_box);
    wait_for("status counts two instances", Duration::from_secs(30), &cluster, || async {
        let status = cluster.lock().unwrap().status();
        (status["instances"].as_array().map(Vec::len) != Some(2)).then(|| format!("{}", status["instances"]))
    })
    .await;
    cluster.lock().unwrap().stop();
    app.store.close().await;
}
