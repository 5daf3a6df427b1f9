//! Threading by Message-ID does not depend on arrival order: one thread fed forward,
//! reversed and shuffled gives the same tickets, and a late parent merges the tickets its
//! children started.

use std::collections::{BTreeSet, HashMap};

use attune::pipeline::{Ingested, ingest};
use rand::SeedableRng;
use rand::seq::SliceRandom;

use crate::helpers::{Backend, mail, on_both_backends, raw, spawn_app};

/// (message-id, references)
fn thread_messages() -> Vec<(String, Vec<&'static str>)> {
    vec![
        ("t1-root@x.org".into(), vec![]),
        ("t1-a@x.org".into(), vec!["t1-root@x.org"]),
        ("t1-b@x.org".into(), vec!["t1-root@x.org", "t1-a@x.org"]),
        ("t1-c@x.org".into(), vec!["t1-root@x.org", "t1-a@x.org", "t1-b@x.org"]),
        ("t1-d@x.org".into(), vec!["t1-b@x.org"]),
        ("t1-e@x.org".into(), vec!["t1-d@x.org"]),
        ("t2-root@y.org".into(), vec![]),
        ("t2-a@y.org".into(), vec!["t2-root@y.org"]),
    ]
}

fn render(id: &str, refs: &[&str]) -> String {
    let headers = if refs.is_empty() {
        String::new()
    } else {
        format!(
            "In-Reply-To: <{}>\nReferences: {}\n",
            refs.last().unwrap(),
            refs.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(" ")
        )
    };
    let from = if id.starts_with("t1") { "Ann Lee <ann.lee@x.org>" } else { "Bo Chen <bo.chen@y.org>" };
    mail(from, id, "Printer keeps jamming", &headers, &format!("Message {id}: it jams again.\n\nAnn"))
}

/// The partition of message-ids into tickets, as sets (ticket numbers differ by order).
async fn partition(backend: Backend, order: &[(String, Vec<&'static str>)]) -> BTreeSet<BTreeSet<String>> {
    let t = spawn_app(backend, "2026-11-26T12:00:00Z").await;
    for (id, refs) in order {
        let out = ingest(&t.app, &raw(&render(id, refs)), "test").await.unwrap();
        assert!(matches!(out, Ingested::Stored { .. }), "{out:?}");
    }
    let mut db = t.app.store.db().await.unwrap();
    let mut groups: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (id, _) in order {
        let msg = db.message_by_message_id(id).await.unwrap().unwrap();
        let ticket = db.live_ticket(attune::domain::TicketId(msg.ticket_id.unwrap())).await.unwrap().unwrap();
        groups.entry(ticket.id).or_default().insert(id.clone());
    }
    groups.into_values().collect()
}

on_both_backends!(async arrival_order_does_not_matter);
async fn arrival_order_does_not_matter(backend: Backend) {
    let forward = thread_messages();
    let expected = partition(backend, &forward).await;
    assert_eq!(expected.len(), 2, "two threads, two tickets: {expected:?}");

    let mut reversed = forward.clone();
    reversed.reverse();
    assert_eq!(partition(backend, &reversed).await, expected, "reversed");

    for seed in 0..4u64 {
        let mut shuffled = forward.clone();
        shuffled.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed));
        assert_eq!(partition(backend, &shuffled).await, expected, "shuffled with seed {seed}");
    }
}

on_both_backends!(async a_late_parent_merges_the_tickets_its_children_opened);
async fn a_late_parent_merges_the_tickets_its_children_opened(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T12:00:00Z").await;
    let app = &t.app;
    // c1 replies to P; c2 replies to P2; P2 (which replies to P) arrives last.
    let c1 = ingest(app, &raw(&render("c1@x.org", &["p@x.org"])), "t").await.unwrap();
    let c2 = ingest(app, &raw(&render("c2@x.org", &["p2@x.org"])), "t").await.unwrap();
    let (Ingested::Stored { ticket: t1, .. }, Ingested::Stored { ticket: t2, .. }) = (&c1, &c2) else { panic!() };
    assert_ne!(t1, t2);
    let p2 = ingest(app, &raw(&render("p2@x.org", &["p@x.org"])), "t").await.unwrap();
    let Ingested::Stored { ticket: t3, .. } = p2 else { panic!() };
    assert_eq!(t3, *t1.min(t2), "merged into the older ticket");
    let mut db = app.store.db().await.unwrap();
    let absorbed = db.ticket(*t1.max(t2)).await.unwrap().unwrap();
    assert_eq!(absorbed.status, "merged");
    assert_eq!(absorbed.merged_into, Some(t3.0));
    assert_eq!(db.messages_of_ticket(t3).await.unwrap().len(), 3);
    // One pending acknowledgment for the merged ticket, not two.
    let drafts = db.drafts_of_ticket(t3).await.unwrap();
    assert_eq!(drafts.iter().filter(|d| d.status == "pending").count(), 1);
    let audit = db.list_audit(Some(t3), 50, 0).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "ticket.merged"));
}
