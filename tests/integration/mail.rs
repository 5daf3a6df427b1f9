//! attune on real mail: a private Dovecot and Postfix per test (see mailserver.rs).

use std::time::{Duration, Instant};

use attune::approval::{self, Approver};
use attune::config::{Config, TlsMode};
use attune::daemon;
use attune::domain::DraftStatus;
use attune::intake::imap;
use attune::outbox::{self, Delivery, SendOutcome};
use attune::store::DraftRow;
use jiff::SignedDuration;
use tokio_util::sync::CancellationToken;

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::mailserver::{MailServers, SUPPORT};

fn agent() -> Approver {
    Approver { id: "test:sam".into(), name: Some("Sam Taylor".into()) }
}

async fn app_for(servers: &MailServers, now: Option<&str>, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let mailbox = servers.mailbox("support", SUPPORT, TlsMode::Starttls);
    let smtp = servers.smtp();
    let t = spawn_app_with(Backend::Sqlite, now.unwrap_or("2026-11-26T09:00:00Z"), |c| {
        c.support.address = attune::domain::EmailAddress::parse(SUPPORT).unwrap();
        c.support.name = "Test Support".into();
        c.mailboxes = vec![mailbox];
        c.smtp = Some(smtp);
        tweak(c);
    })
    .await;
    if now.is_none() {
        // The daemon tests run on the real clock.
        let app =
            attune::app::App::with_store((*t.app.config).clone(), attune::clock::Clock::system(), t.app.store.clone())
                .unwrap();
        return TestApp { app, dir: t.dir, pg: t.pg };
    }
    t
}

async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !f().await {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn pending(t: &TestApp) -> Vec<DraftRow> {
    let mut db = t.app.store.db().await.unwrap();
    db.list_drafts(Some(DraftStatus::Pending), 100, 0).await.unwrap()
}

async fn message_count(t: &TestApp) -> i64 {
    let mut db = t.app.store.db().await.unwrap();
    db.counts().await.unwrap().messages
}

fn customer_mail(id: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: Alice Martin <alice@customer.example>\nTo: Test Support <{SUPPORT}>\nSubject: {subject}\nMessage-ID: <{id}>\nDate: Thu, 26 Nov 2026 09:00:00 +0000\n{extra}\n{body}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_writes_an_agent_approves_and_the_reply_threads_in_her_mailbox() {
    let servers = MailServers::start();
    let t = app_for(&servers, None, |_| {}).await;
    let delivery = Delivery::from_config(&t.app).unwrap();
    let stop = CancellationToken::new();
    let daemon = tokio::spawn(daemon::run(t.app.clone(), delivery, None, stop.clone()));

    servers.send(
        "alice@customer.example",
        &[SUPPORT],
        &customer_mail(
            "first@customer.example",
            "Order 4242 has not arrived",
            "",
            "Hello,\n\nmy order 4242 has not arrived yet. Could you check?\n\nBest regards,\nAlice",
        ),
    );
    wait_until("a draft", Duration::from_secs(20), || async { !pending(&t).await.is_empty() }).await;
    let draft = pending(&t).await.remove(0);
    assert!(draft.body.starts_with("Hello Alice,"), "{}", draft.body);
    approval::approve(&t.app, draft.id(), None, &agent(), None, None).await.unwrap();

    let files = servers.wait_for_messages("alice@customer.example", 1, Duration::from_secs(20));
    let raw = std::fs::read(&files[0]).unwrap();
    let m = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(m.from().unwrap().first().unwrap().address().unwrap(), SUPPORT);
    assert_eq!(m.from().unwrap().first().unwrap().name().unwrap(), "Test Support");
    assert_eq!(m.to().unwrap().first().unwrap().address().unwrap(), "alice@customer.example");
    let subject = m.subject().unwrap().to_string();
    assert!(subject.starts_with("Re: Order 4242 has not arrived [#"), "{subject}");
    let our_id = m.message_id().unwrap().to_string();
    assert!(our_id.starts_with("attune.") && our_id.ends_with("@test.example"), "{our_id}");
    assert_eq!(m.in_reply_to().as_text(), Some("first@customer.example"));
    assert!(format!("{:?}", m.references()).contains("first@customer.example"));
    assert!(m.header("Auto-Submitted").is_none(), "an agent approved it");
    assert!(m.header_raw("X-Attune-Loop").is_some());
    assert!(m.body_text(0).unwrap().contains("Sam Taylor"));
    let mut db = t.app.store.db().await.unwrap();
    let sent = db.draft(draft.id()).await.unwrap().unwrap();
    assert_eq!(sent.status(), DraftStatus::Sent);
    assert_eq!(sent.outgoing_message_id.as_deref(), Some(our_id.as_str()));
    drop(db);

    // Alice answers our reply: it joins the same ticket.
    let answer = customer_mail(
        "second@customer.example",
        &format!("Re: {subject}"),
        &format!("In-Reply-To: <{our_id}>\nReferences: <first@customer.example> <{our_id}>\n"),
        "Thanks, but it is still not here. Can you resend it?\n\nAlice",
    );
    servers.send("alice@customer.example", &[SUPPORT], &answer);
    wait_until("the answer", Duration::from_secs(20), || async { message_count(&t).await >= 3 }).await;
    let mut db = t.app.store.db().await.unwrap();
    let msg = db.message_by_message_id("second@customer.example").await.unwrap().unwrap();
    assert_eq!(msg.ticket_id, Some(sent.ticket_id));
    drop(db);

    stop.cancel();
    tokio::time::timeout(Duration::from_secs(20), daemon)
        .await
        .expect("the daemon stops on shutdown")
        .unwrap()
        .expect("no loop of the daemon died");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_imap_server_goes_away_mid_sync_and_nothing_is_lost_or_doubled() {
    let servers = MailServers::start();
    let n = 1200;
    let mails: Vec<(String, Vec<String>, String)> = (0..n)
        .map(|i| {
            let m = format!("From: Customer {i} <c{i}@customer.example>\nTo: {SUPPORT}\nSubject: Question {i}\nMessage-ID: <bulk{i}@customer.example>\n\nHello, question number {i} about order {}.\n", 10_000 + i);
            (format!("c{i}@customer.example"), vec![SUPPORT.to_string()], m)
        })
        .collect();
    servers.send_many(&mails);
    let t0 = Instant::now();
    servers.wait_for_messages(SUPPORT, n, Duration::from_secs(120));
    eprintln!("delivered in {:?}", t0.elapsed());
    let t = app_for(&servers, None, |c| c.mailboxes[0].batch_size = 10).await;
    let stop = CancellationToken::new();
    let daemon = tokio::spawn(daemon::run(t.app.clone(), Delivery::Files { dir: t.outbox() }, None, stop.clone()));
    wait_until("the first messages", Duration::from_secs(20), || async { message_count(&t).await > 0 }).await;
    let stored_while_down = message_count(&t).await;
    servers.stop_dovecot();
    tokio::time::sleep(Duration::from_millis(800)).await;
    eprintln!("stopped at {stored_while_down}, now {}", message_count(&t).await);
    servers.start_dovecot();
    let back = Instant::now();
    while message_count(&t).await < n as i64 {
        if back.elapsed() > Duration::from_secs(90) {
            let mut db = t.app.store.db().await.unwrap();
            let state = db.cursor("support", "INBOX").await.unwrap();
            panic!(
                "timed out waiting for all messages: {} of {n} stored; last sync error: {:?}",
                message_count(&t).await,
                state.and_then(|s| s.last_error)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(message_count(&t).await, n as i64, "every message exactly once");
    assert!(
        stored_while_down < n as i64,
        "the server went away before the sync finished ({stored_while_down} of {n} stored)"
    );
    let mut db = t.app.store.db().await.unwrap();
    let cursor = db.cursor("support", "INBOX").await.unwrap().unwrap();
    assert_eq!(cursor.last_uid, n as i64);
    assert!(cursor.last_error.is_some(), "the outage was recorded");
    drop(db);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(20), daemon).await.unwrap().unwrap().expect("no loop of the daemon died");
}

async fn imap_session(servers: &MailServers) -> imap::ImapSession {
    imap::connect(&servers.mailbox("setup", SUPPORT, TlsMode::None)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_uidvalidity_rescans_without_duplicates() {
    let servers = MailServers::start();
    let mut s = imap_session(&servers).await;
    s.create("Queue").await.unwrap();
    let mails: Vec<String> = (0..5)
        .map(|i| {
            customer_mail(
                &format!("uv{i}@customer.example"),
                &format!("Thing {i}"),
                "",
                &format!("Hello, thing {i}, order {}.\n\nAlice", 5000 + i),
            )
        })
        .collect();
    for m in &mails {
        s.append("Queue", None, None, m.replace('\n', "\r\n")).await.unwrap();
    }
    let t = app_for(&servers, None, |c| c.mailboxes[0].folder = "Queue".into()).await;
    let cfg = t.app.config.mailboxes[0].clone();
    let first = imap::sync_once(&t.app, &cfg).await.unwrap();
    assert_eq!(first[0].fetched, 5);
    // The folder is recreated with the same mail: new UIDVALIDITY, same messages.
    s.delete("Queue").await.unwrap();
    s.create("Queue").await.unwrap();
    for m in &mails {
        s.append("Queue", None, None, m.replace('\n', "\r\n")).await.unwrap();
    }
    let _ = s.logout().await;
    let second = imap::sync_once(&t.app, &cfg).await.unwrap();
    assert!(second[0].rescanned, "{:?}", second[0]);
    assert_ne!(second[0].uidvalidity, first[0].uidvalidity);
    assert_eq!(second[0].summary.duplicates, 5);
    assert_eq!(message_count(&t).await, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_4xx_is_retried_until_accepted_and_5xx_fails_at_once() {
    let servers = MailServers::start();
    servers.set_recipient_access(
        "flaky@customer.example 451 4.3.0 Try again later\nbob@customer.example 550 5.1.1 No such user here\n",
    );
    let t = app_for(&servers, Some("2026-11-26T09:00:00Z"), |_| {}).await;
    let app = &t.app;
    for (who, id) in
        [("flaky@customer.example", "f1@customer.example"), ("bob@customer.example", "b1@customer.example")]
    {
        let raw = format!(
            "From: {who}\nTo: {SUPPORT}\nSubject: Help with order 777\nMessage-ID: <{id}>\n\nHello, where is my order 777?\n"
        );
        attune::pipeline::ingest(app, &crate::helpers::raw_at(&raw, app.now()), "support").await.unwrap();
    }
    for d in pending(&t).await {
        approval::approve(app, d.id(), None, &agent(), None, None).await.unwrap();
    }
    let delivery = Delivery::from_config(app).unwrap();
    let outcomes = outbox::send_due(app, &delivery, "w").await.unwrap();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(
        outcomes.iter().any(|o| matches!(o, SendOutcome::Retrying { error, .. } if error.contains("451"))),
        "{outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|o| matches!(o, SendOutcome::Failed { error, .. } if error.contains("550"))),
        "{outcomes:?}"
    );
    // Nothing more is due now; the failed one is never retried.
    assert!(outbox::send_due(app, &delivery, "w").await.unwrap().is_empty());

    servers.set_recipient_access("bob@customer.example 550 5.1.1 No such user here\n");
    app.clock.advance(SignedDuration::from_hours(1));
    let outcomes = outbox::send_due(app, &delivery, "w").await.unwrap();
    assert_eq!(outcomes.len(), 1, "only the retry: {outcomes:?}");
    assert!(matches!(outcomes[0], SendOutcome::Sent { .. }), "{outcomes:?}");
    servers.wait_for_messages("flaky@customer.example", 1, Duration::from_secs(20));
    app.clock.advance(SignedDuration::from_hours(10));
    assert!(outbox::send_due(app, &delivery, "w").await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(servers.messages("flaky@customer.example").len(), 1, "delivered once");
    assert!(servers.messages("bob@customer.example").is_empty());
    let mut db = app.store.db().await.unwrap();
    let failed = db.list_drafts(Some(DraftStatus::Failed), 10, 0).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].last_error.as_deref().unwrap().contains("550"));
    assert_eq!(failed[0].attempts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_times_out_and_the_daemon_carries_on() {
    // A port that accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            if let Ok((s, _)) = silent.accept().await {
                held.push(s);
            }
        }
    });
    let t = spawn_app_with(Backend::Sqlite, "2026-11-26T09:00:00Z", |c| {
        c.smtp = Some(attune::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            allow_insecure: false,
            username: None,
            password: Default::default(),
            ca_file: None,
            timeout: attune::config::DurationSpec::parse("2s").unwrap(),
            helo_name: None,
        });
    })
    .await;
    let app = &t.app;
    let raw = format!(
        "From: alice@customer.example\nTo: {SUPPORT}\nSubject: Order 1\nMessage-ID: <s1@customer.example>\n\nHello, where is order 1111?\n"
    );
    attune::pipeline::ingest(app, &crate::helpers::raw_at(&raw, app.now()), "support").await.unwrap();
    let d = pending(&t).await.remove(0);
    approval::approve(app, d.id(), None, &agent(), None, None).await.unwrap();
    let delivery = Delivery::from_config(app).unwrap();
    let started = Instant::now();
    let out = outbox::try_send_one(app, &delivery, "w").await.unwrap().unwrap();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(matches!(&out, SendOutcome::Retrying { .. }), "{out:?}");

    // The same for IMAP: the connection times out with a clear error.
    let mut cfg = crate::mailserver::dummy_mailbox(port);
    cfg.connect_timeout = attune::config::DurationSpec::parse("2s").unwrap();
    let err = imap::connect(&cfg).await.unwrap_err();
    assert!(matches!(err, imap::ImapError::Timeout { .. }), "{err}");
    holder.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imaps_trusts_a_private_ca_only_when_told_to() {
    let servers = MailServers::start();
    let mut cfg = servers.mailbox("support", SUPPORT, TlsMode::Tls);
    let ok = imap::check(&cfg).await.unwrap();
    assert!(ok.contains("INBOX"), "{ok}");
    cfg.ca_file = None;
    let err = imap::check(&cfg).await.unwrap_err();
    assert!(matches!(err, imap::ImapError::Tls { .. }), "{err}");
    assert!(err.to_string().contains("not signed by a trusted CA"), "{err}");
    // STARTTLS on the plain port, with the CA.
    let starttls = servers.mailbox("support", SUPPORT, TlsMode::Starttls);
    imap::check(&starttls).await.unwrap();
    // Wrong password and missing folder say so.
    let mut bad = servers.mailbox("support", SUPPORT, TlsMode::Starttls);
    bad.password.password = Some(attune::config::Secret::new("wrong"));
    let err = imap::check(&bad).await.unwrap_err();
    assert!(matches!(err, imap::ImapError::Login { .. }), "{err}");
    let mut missing = servers.mailbox("support", SUPPORT, TlsMode::Starttls);
    missing.folder = "Nope".into();
    let err = imap::check(&missing).await.unwrap_err();
    assert!(matches!(err, imap::ImapError::NoFolder { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_of_our_reply_through_postfix_marks_it() {
    let servers = MailServers::start();
    let t = app_for(&servers, None, |_| {}).await;
    let app = &t.app;
    // nobody@customer.example is in a domain Postfix delivers, but Dovecot has no such user.
    let raw = format!(
        "From: Nobody <nobody@customer.example>\nTo: {SUPPORT}\nSubject: Order 31\nMessage-ID: <nb1@customer.example>\n\nHello, where is my order 3131?\n\nNobody\n"
    );
    attune::pipeline::ingest(app, &crate::helpers::raw_at(&raw, app.now()), "support").await.unwrap();
    let d = pending(&t).await.remove(0);
    approval::approve(app, d.id(), None, &agent(), None, None).await.unwrap();
    let delivery = Delivery::from_config(app).unwrap();
    let sent = outbox::send_due(app, &delivery, "w").await.unwrap();
    assert!(matches!(sent[0], SendOutcome::Sent { .. }), "{sent:?}");
    // Postfix bounces it to our envelope sender, the support mailbox.
    servers.wait_for_messages(SUPPORT, 1, Duration::from_secs(20));
    let cfg = app.config.mailboxes[0].clone();
    imap::sync_once(app, &cfg).await.unwrap();
    let mut db = app.store.db().await.unwrap();
    let d = db.draft(d.id()).await.unwrap().unwrap();
    assert!(d.bounce_reason.is_some(), "the reply is marked bounced");
}

fn cli(config: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_attune"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env("ATTUNE_LOG", "error")
        .output()
        .unwrap()
}

fn write_config(
    servers: &MailServers,
    dir: &std::path::Path,
    imap_port: u16,
    host: &str,
    password: &str,
) -> std::path::PathBuf {
    let path = dir.join("attune.toml");
    std::fs::write(
        &path,
        format!(
            "[support]\naddress = \"{SUPPORT}\"\n\n[database]\nurl = \"sqlite:attune.db\"\n\n[[mailboxes]]\nname = \"support\"\nhost = \"{host}\"\nport = {imap_port}\ntls = \"starttls\"\nusername = \"{SUPPORT}\"\npassword = \"{password}\"\nca_file = \"{ca}\"\nconnect_timeout = \"3s\"\n\n[smtp]\nhost = \"127.0.0.1\"\nport = {smtp}\ntls = \"starttls\"\nca_file = \"{ca}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n",
            ca = servers.ca_file().display(),
            smtp = servers.smtp_port,
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_checks_syncs_reports_and_stops_cleanly() {
    let servers = MailServers::start();
    let dir = tempfile::tempdir().unwrap();
    let good = write_config(&servers, dir.path(), servers.imap_port, "127.0.0.1", crate::mailserver::PASSWORD);
    let out = cli(&good, &["check-config", "--connect"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("ok    mailbox support") && text.contains("ok    smtp"), "{text}");

    servers.send(
        "alice@customer.example",
        &[SUPPORT],
        &customer_mail("cli1@customer.example", "Order 9191", "", "Hello, where is order 9191?\n\nAlice"),
    );
    servers.wait_for_messages(SUPPORT, 1, Duration::from_secs(20));
    let out = cli(&good, &["sync"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("support/INBOX: 1 new"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = cli(&good, &["status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(status["mailboxes"][0]["last_sync_at"].is_string(), "{status}");
    assert_eq!(status["drafts_pending"], 1);

    // `attune run` stops cleanly on SIGTERM and exits 0.
    let mut daemon = std::process::Command::new(env!("CARGO_BIN_EXE_attune"))
        .arg("--config")
        .arg(&good)
        .arg("run")
        .env("ATTUNE_LOG", "error")
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(std::process::Command::new("kill").arg(daemon.id().to_string()).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = daemon.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "attune run did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");

    // Last, because Dovecot slows logins from an address after a failed one.
    for (port, host, password, says) in [
        (servers.imap_port, "127.0.0.1", "wrong", "refused"),
        (servers.imap_port, "no-such-host.invalid", crate::mailserver::PASSWORD, "unknown host"),
        (1, "127.0.0.1", crate::mailserver::PASSWORD, "cannot connect"),
    ] {
        let d = tempfile::tempdir().unwrap();
        let bad = write_config(&servers, d.path(), port, host, password);
        let out = cli(&bad, &["check-config", "--connect"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("FAIL  mailbox support") && text.contains(says), "{says}: {text}");
    }
}

/// A message over intake.max_message_size, on the real Dovecot: stored with its headers
/// and size, flagged too-large, its ticket flagged for a person, not acknowledged, and
/// left in the folder (the after-ingest move leaves it); the small one beside it flows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_is_kept_as_its_headers_and_left_on_the_server() {
    let servers = MailServers::start();
    let mut s = imap_session(&servers).await;
    s.create("Big").await.unwrap();
    s.create("Done").await.unwrap();
    let attachment = "QUJD".repeat(60_000); // 240 KB of base64
    let big = customer_mail(
        "big1@customer.example",
        "The photos you asked for",
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"",
        &format!(
            "--b\nContent-Type: text/plain\n\nHere they are.\n\nAlice\n--b\nContent-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n{attachment}\n--b--"
        ),
    );
    let small = customer_mail("small1@customer.example", "Order 5511", "", "Where is my order 5511?\n\nAlice");
    for m in [&big, &small] {
        s.append("Big", None, None, m.replace('\n', "\r\n")).await.unwrap();
    }
    let t = app_for(&servers, None, |c| {
        c.mailboxes[0].folder = "Big".into();
        c.mailboxes[0].after_ingest = attune::config::AfterIngest::Move("Done".into());
        c.intake.max_message_size = attune::config::ByteSize::parse("100KB").unwrap();
    })
    .await;
    let cfg = t.app.config.mailboxes[0].clone();
    let synced = imap::sync_once(&t.app, &cfg).await.unwrap();
    assert_eq!(synced[0].fetched, 2);
    let mut db = t.app.store.db().await.unwrap();
    let messages = db.list_messages(None, None, 10, 0).await.unwrap();
    let stored_big =
        messages.iter().find(|m| m.message_id.as_deref() == Some("big1@customer.example")).expect("stored");
    assert!(stored_big.flags().contains(&"too-large".to_string()), "{:?}", stored_big.flags());
    assert!(stored_big.body_text.contains("too large"), "{}", stored_big.body_text);
    assert_eq!(stored_big.subject, "The photos you asked for");
    let raw = db.raw(stored_big.key()).await.unwrap().unwrap();
    assert!(raw.len() < 10_000, "only the headers are kept: {} bytes", raw.len());
    let ticket = db.ticket(attune::domain::TicketId(stored_big.ticket_id.unwrap())).await.unwrap().unwrap();
    assert!(ticket.needs_a_person().is_some_and(|r| r.contains("too large")), "{:?}", ticket.needs_person);
    assert!(db.pending_draft_of_ticket(ticket.id()).await.unwrap().is_none(), "no acknowledgment from headers alone");
    drop(db);
    let big_left = s.select("Big").await.unwrap();
    assert_eq!(big_left.exists, 1, "the big one stays where it was");
    let done = s.select("Done").await.unwrap();
    assert_eq!(done.exists, 1, "the small one was moved as configured");
    let _ = s.logout().await;
}
