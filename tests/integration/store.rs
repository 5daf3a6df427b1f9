//! The store's contract where several instances share one database, on both backends:
//! migrations in step, mailbox sync leases, outbox claims, admin changes reaching every
//! instance. (The pipeline, threading, corpus and web suites run on both backends too.)

use std::collections::BTreeSet;

use attune::app::App;
use attune::approval::{self, Approver};
use attune::outbox::{self, Delivery, SendOutcome};
use attune::pipeline::{DraftOutcome, Ingested, ingest};
use attune::store::Store;

use crate::helpers::{Backend, mail, on_both_backends, raw, spawn_app};

#[test]
fn migrations_keep_the_same_versions_on_both_backends() {
    let (sqlite, postgres) = Store::migration_versions();
    assert!(!sqlite.is_empty(), "no migrations found");
    assert_eq!(sqlite, postgres, "migrations/sqlite and migrations/postgres must have the same versions");
    let names = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
            .expect("the migrations folder")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("migrations/sqlite"), names("migrations/postgres"), "same files, same names");
}

#[tokio::test]
async fn both_backends_migrate_to_the_same_tables_and_columns() {
    let sqlite = spawn_app(Backend::Sqlite, "2026-11-26T09:00:00Z").await;
    let postgres = spawn_app(Backend::Postgres, "2026-11-26T09:00:00Z").await;
    let (on_sqlite, on_postgres) =
        (sqlite.app.store.schema().await.unwrap(), postgres.app.store.schema().await.unwrap());
    assert!(on_sqlite.iter().any(|(t, _)| t == "messages"), "{on_sqlite:?}");
    let tables = |s: &[(String, Vec<(String, &str)>)]| s.iter().map(|(t, _)| t.clone()).collect::<Vec<_>>();
    assert_eq!(tables(&on_sqlite), tables(&on_postgres), "the same tables");
    // SQLite has no BOOLEAN: its 0/1 INTEGER is PostgreSQL's BOOLEAN.
    let as_sqlite = |cols: &[(String, &str)]| -> Vec<(String, String)> {
        cols.iter().map(|(c, k)| (c.clone(), if *k == "bool" { "int" } else { k }.to_string())).collect()
    };
    for ((table, a), (_, b)) in on_sqlite.iter().zip(&on_postgres) {
        assert_eq!(as_sqlite(a), as_sqlite(b), "table {table}: the same columns, of the same kinds");
    }
}

on_both_backends!(async a_mailbox_lease_has_one_holder_and_a_dead_holders_lease_is_taken_over);
async fn a_mailbox_lease_has_one_holder_and_a_dead_holders_lease_is_taken_over(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let now = t.app.now();
    let mut db = t.app.store.tx().await.unwrap();
    // A cursor already there (the lease lives on the same row) must survive the lease.
    db.set_cursor("support", "INBOX", 7, 42, now).await.unwrap();
    assert!(db.take_lease("support", "INBOX", "a", now + 30, now).await.unwrap(), "a free lease is taken");
    assert!(!db.take_lease("support", "INBOX", "b", now + 30, now).await.unwrap(), "a running lease is not");
    assert!(db.take_lease("support", "INBOX", "a", now + 40, now + 10).await.unwrap(), "its holder renews it");
    assert!(db.holds_lease("support", "INBOX", "a", now + 40).await.unwrap());
    assert!(!db.holds_lease("support", "INBOX", "b", now + 20).await.unwrap());
    assert!(!db.take_lease("support", "INBOX", "b", now + 60, now + 40).await.unwrap(), "not before it runs out");
    // a dies: after its lease runs out, b takes it, and a can no longer move the cursor.
    assert!(db.take_lease("support", "INBOX", "b", now + 71, now + 41).await.unwrap(), "a dead holder's lease");
    assert!(!db.holds_lease("support", "INBOX", "a", now + 41).await.unwrap());
    db.release_lease("support", "INBOX", "a").await.unwrap();
    assert!(db.holds_lease("support", "INBOX", "b", now + 41).await.unwrap(), "a cannot release b's lease");
    // Leases are per mailbox folder.
    assert!(db.take_lease("sales", "INBOX", "a", now + 71, now + 41).await.unwrap());
    db.release_lease("support", "INBOX", "b").await.unwrap();
    assert!(db.take_lease("support", "INBOX", "c", now + 80, now + 50).await.unwrap(), "a released lease is free");
    let cursor = db.cursor("support", "INBOX").await.unwrap().unwrap();
    assert_eq!((cursor.uidvalidity, cursor.last_uid), (Some(7), 42));
    assert_eq!(cursor.lease_owner.as_deref(), Some("c"));
    db.commit().await.unwrap();
}

on_both_backends!(async three_senders_on_one_database_send_each_reply_once);
async fn three_senders_on_one_database_send_each_reply_once(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let n = 24;
    for i in 0..n {
        let m = mail(
            &format!("Customer {i} <c{i}@example.org>"),
            &format!("m{i}@example.org"),
            &format!("Order {}", 5000 + i),
            "",
            &format!("Hello, where is my order {}?\n\nThanks", 5000 + i),
        );
        let Ingested::Stored { draft: DraftOutcome::Created(id), .. } = ingest(app, &raw(&m), "t").await.unwrap()
        else {
            panic!("message {i} was not drafted")
        };
        let agent = Approver { id: "test:sam".into(), name: Some("Sam Taylor".into()) };
        approval::approve(app, id, None, &agent, None, None).await.unwrap();
    }
    let delivery = Delivery::Files { dir: t.outbox() };
    let sender = |app: App, delivery: Delivery, name: &'static str| async move {
        let mut sent = Vec::new();
        while let Some(outcome) = outbox::try_send_one(&app, &delivery, name).await.unwrap() {
            if let SendOutcome::Sent { message_id, .. } = outcome {
                sent.push(message_id);
            }
        }
        sent
    };
    let (a, b, c) = tokio::join!(
        tokio::spawn(sender(app.clone(), delivery.clone(), "instance-a")),
        tokio::spawn(sender(app.clone(), delivery.clone(), "instance-b")),
        tokio::spawn(sender(app.clone(), delivery.clone(), "instance-c")),
    );
    let all: Vec<String> = [a.unwrap(), b.unwrap(), c.unwrap()].concat();
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(all.len(), n, "every reply sent, none twice: {all:?}");
    assert_eq!(unique.len(), n);
    assert_eq!(std::fs::read_dir(t.outbox()).unwrap().count(), n, "one file per reply");
    assert_eq!(app.store.db().await.unwrap().counts().await.unwrap().drafts_sent, n as i64);
}

on_both_backends!(async an_admin_change_on_one_instance_reaches_the_others);
async fn an_admin_change_on_one_instance_reaches_the_others(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    // A second instance on the same database.
    let other = App::with_store((*t.app.config).clone(), t.app.clock.clone(), t.app.store.clone()).unwrap();
    other.reload().await.unwrap();
    assert!(!other.reload_if_changed().await.unwrap(), "nothing changed yet");
    assert_ne!(t.app.instance, other.instance, "instances have names of their own");

    let mut policy = attune::app::PolicySetting::from_policy(&t.app.policy());
    policy.first_response = "2h".into();
    let mut db = t.app.store.tx().await.unwrap();
    db.set_setting(attune::app::POLICY_SETTING, &serde_json::to_string(&policy).unwrap(), "admin", t.app.now())
        .await
        .unwrap();
    db.commit().await.unwrap();
    t.app.reload().await.unwrap();

    assert!(other.reload_if_changed().await.unwrap(), "the other instance notices");
    assert_eq!(other.policy().sla.first_response.to_string(), "2h");
    assert!(!other.reload_if_changed().await.unwrap(), "and reloads once");
}

on_both_backends!(async a_reply_that_arrives_while_its_original_is_being_stored_joins_its_ticket);
async fn a_reply_that_arrives_while_its_original_is_being_stored_joins_its_ticket(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    // A second instance on the same database.
    let other = App::with_store((*t.app.config).clone(), t.app.clock.clone(), t.app.store.clone()).unwrap();
    let original = mail(
        "Ines Costa <ines@example.pt>",
        "first@example.pt",
        "Refund for order 8812",
        "",
        "Hello, I am still waiting for the refund of order 8812.\n\nInes",
    );
    let follow_up = mail(
        "Ines Costa <ines@example.pt>",
        "second@example.pt",
        "Re: Refund for order 8812",
        "In-Reply-To: <first@example.pt>\nReferences: <first@example.pt>",
        "Also: it was paid by card.\n\nInes",
    );
    // This instance is in the middle of storing the original (to support@) ...
    let mut storing = t.app.store.tx().await.unwrap();
    let Ingested::Stored { ticket, .. } =
        attune::pipeline::ingest_in(&t.app, &mut storing, &raw(&original), "support").await.unwrap()
    else {
        panic!("the original is stored")
    };
    // ... when the other takes the follow-up (Cc'd to sales@) from its own mailbox.
    let follow = tokio::spawn(async move { ingest(&other, &raw(&follow_up), "sales").await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!follow.is_finished(), "the follow-up waits for the original's thread");
    storing.commit().await.unwrap();
    let Ingested::Stored { ticket: joined, new_ticket, .. } = follow.await.unwrap().unwrap() else {
        panic!("the follow-up is stored")
    };
    assert_eq!(joined, ticket, "the follow-up joins the original's ticket");
    assert!(!new_ticket);
}
