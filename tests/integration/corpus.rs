//! The golden corpus: tests/corpus/*.eml, each with the expected result beside it in
//! *.expected.toml. Ingested in name order into one mailbox at the time in tests/corpus/NOW.

use std::collections::HashMap;
use std::path::Path;

use attune::domain::{DraftStatus, MessageKey, TicketId};
use attune::drafting::Facts;
use attune::pipeline::{DraftOutcome, Ingested, ingest};
use attune::store::DraftRow;

use crate::helpers::{Backend, on_both_backends, spawn_app};

#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct Expected {
    kind: String,
    ticket: String,
    draft: String,
    greeting: Option<String>,
    language: Option<String>,
    register: Option<String>,
    late: Option<bool>,
    very_late: Option<bool>,
    sentiment: Option<String>,
    lint: Option<String>,
    reference: Option<String>,
    to: Option<String>,
    cc: Option<Vec<String>>,
    flags: Option<Vec<String>>,
    flags_ticket: Option<Vec<String>>,
    linked: Option<String>,
}

on_both_backends!(async golden_corpus);
async fn golden_corpus(backend: Backend) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "the golden corpus must not be empty (found {})", files.len());
    let now = std::fs::read_to_string(dir.join("NOW")).expect("tests/corpus/NOW");
    let t = spawn_app(backend, now.trim()).await;
    let app = &t.app;

    let mut labels: HashMap<String, TicketId> = HashMap::new();
    let mut failures: Vec<String> = Vec::new();
    for file in &files {
        let name = file.file_stem().unwrap().to_string_lossy().to_string();
        let expected_path = file.with_extension("expected.toml");
        let text = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name}: no {}", expected_path.display()));
        let exp: Expected = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: bad expected file: {e}"));
        let raw = attune::intake::RawMail {
            bytes: std::fs::read(file).unwrap(),
            origin: name.clone(),
            arrived_at: None,
            truncated_from: None,
        };
        let outcome = ingest(app, &raw, "corpus").await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut fail = |m: String| failures.push(format!("{name}: {m}"));

        let (key, ticket, draft) = match &outcome {
            Ingested::Stored { key, ticket, draft, .. } => (*key, Some(*ticket), draft.clone()),
            Ingested::Quarantined { key, .. } => (*key, None, DraftOutcome::Skipped("quarantined".into())),
            Ingested::Duplicate(k) => {
                fail("stored as a duplicate".into());
                (*k, None, DraftOutcome::Skipped("duplicate".into()))
            }
        };
        let mut db = app.store.db().await.unwrap();
        let msg = db.message(MessageKey(key.0)).await.unwrap().expect("stored message");
        if msg.kind != exp.kind {
            fail(format!("kind {} (expected {}; reasons {:?})", msg.kind, exp.kind, msg.reasons()));
        }
        // Threading: one label, one ticket; different labels, different tickets.
        match (exp.ticket.as_str(), ticket) {
            ("-", None) => {}
            ("-", Some(t)) => fail(format!("threaded into #{t}, expected no ticket")),
            (_, None) => fail("no ticket".into()),
            (label, Some(t)) => match labels.get(label) {
                Some(existing) if *existing != t => fail(format!("ticket #{t}, expected #{existing} (label {label})")),
                Some(_) => {}
                None => {
                    if let Some((other, _)) = labels.iter().find(|(_, v)| **v == t) {
                        fail(format!("ticket #{t} is already label {other}, expected a new one for {label}"));
                    }
                    labels.insert(label.to_string(), t);
                }
            },
        }
        let draft_kind = match &draft {
            DraftOutcome::Created(_) => "created",
            DraftOutcome::Updated(_) => "updated",
            DraftOutcome::Skipped(_) => "none",
        };
        if draft_kind != exp.draft {
            fail(format!("draft {draft_kind} ({draft:?}), expected {}", exp.draft));
        }
        for flag in exp.flags.iter().flatten() {
            if !msg.flags().contains(flag) {
                fail(format!("message flags {:?} lack {flag}", msg.flags()));
            }
        }
        if let Some(t) = ticket {
            let row = db.ticket(t).await.unwrap().unwrap();
            for f in exp.flags_ticket.iter().flatten() {
                if !row.flags().iter().any(|x| x.contains(f.as_str())) {
                    fail(format!("ticket flags {:?} lack \"{f}\"", row.flags()));
                }
            }
            if let Some(l) = &exp.linked
                && row.linked_to != labels.get(l).map(|t| t.0)
            {
                fail(format!("ticket linked to {:?}, expected label {l}", row.linked_to));
            }
            for cc in exp.cc.iter().flatten() {
                if !db.participants(t, "cc").await.unwrap().contains(cc) {
                    fail(format!("{cc} is not kept on the ticket"));
                }
            }
        }
        if let DraftOutcome::Created(id) | DraftOutcome::Updated(id) = draft {
            let d: DraftRow = db.draft(id).await.unwrap().unwrap();
            check_draft(&d, &exp, &mut fail);
        }
    }
    assert!(failures.is_empty(), "{} corpus failures:\n{}", failures.len(), failures.join("\n"));

    // Everything stored is still there, with its raw bytes.
    let mut db = app.store.db().await.unwrap();
    let counts = db.counts().await.unwrap();
    assert_eq!(counts.messages as usize, files.len());
    assert_eq!(counts.quarantined, 1);
}

fn check_draft(d: &DraftRow, exp: &Expected, fail: &mut impl FnMut(String)) {
    assert_eq!(d.status(), DraftStatus::Pending);
    let facts: Facts = serde_json::from_str(&d.facts).expect("facts");
    let first = d.body.lines().next().unwrap_or("");
    if let Some(g) = &exp.greeting
        && first != g
    {
        fail(format!("greeting \"{first}\", expected \"{g}\""));
    }
    if let Some(l) = &exp.language
        && &d.language != l
    {
        fail(format!("language {}, expected {l}", d.language));
    }
    if let Some(r) = &exp.register
        && &d.register != r
    {
        fail(format!("register {}, expected {r}", d.register));
    }
    if let Some(late) = exp.late
        && facts.lateness.late != late
    {
        fail(format!("late {}, expected {late}", facts.lateness.late));
    }
    if let Some(v) = exp.very_late
        && facts.lateness.very_late != v
    {
        fail(format!("very late {}, expected {v}", facts.lateness.very_late));
    }
    if let Some(s) = &exp.sentiment
        && facts.sentiment.as_str() != s
    {
        fail(format!("sentiment {}, expected {s}", facts.sentiment.as_str()));
    }
    if let Some(r) = &exp.reference
        && !d.body.contains(r.as_str())
    {
        fail(format!("the reply does not reuse \"{r}\""));
    }
    if let Some(to) = &exp.to
        && &d.to_addr != to
    {
        fail(format!("to {}, expected {to}", d.to_addr));
    }
    if exp.lint.as_deref() == Some("pass") && !d.lint_ok {
        let findings: Vec<attune::empathy::lint::Finding> = serde_json::from_str(&d.lint).unwrap();
        let bad: Vec<String> = findings
            .iter()
            .filter(|f| f.must && f.result == attune::empathy::lint::Outcome::Fail)
            .map(|f| format!("{}: {}", f.check, f.message))
            .collect();
        fail(format!("must checks fail: {bad:?}\n{}", d.body));
    }
}

/// The gate's own corpus: tests/gate/*.eml, automatic mail that carries no machine header
/// (bounces without a DSN, Lotus "AUTO:", list moderation, challenge-response, other help
/// desks' status mails, spam without a verdict) and customers' mails that look like them,
/// each with its expected kind beside it. Prints the figures per family; fails on any miss.
#[test]
fn gate_corpus() {
    use attune::domain::EmailAddress;
    use attune::mail::classify::{GateRules, Ours, classify};
    use attune::mail::parse::{Parsed, parse};

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ExpectedKind {
        kind: String,
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gate");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/gate exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 40, "the gate corpus must not be empty (found {})", files.len());
    let ours = [EmailAddress::parse("support@example.com").unwrap()];
    let rules = GateRules::default();
    let who = Ours { addresses: &ours, message_id_domain: "example.com", loop_token: "t", rules: &rules };
    let mut per_family: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let mut misses = Vec::new();
    for f in &files {
        let name = f.file_stem().unwrap().to_string_lossy().to_string();
        let expected: ExpectedKind = toml::from_str(
            &std::fs::read_to_string(f.with_extension("expected.toml")).unwrap_or_else(|e| panic!("{name}: {e}")),
        )
        .unwrap_or_else(|e| panic!("{name}.expected.toml: {e}"));
        let raw = std::fs::read(f).unwrap();
        let Parsed::Ok(m) = parse(&raw) else { panic!("{name}: does not parse") };
        let got = classify(&m, &who);
        let family = name.split('-').next().unwrap_or("").to_string();
        let entry = per_family.entry(family).or_default();
        entry.1 += 1;
        if got.kind.as_str() == expected.kind {
            entry.0 += 1;
        } else {
            misses.push(format!("{name}: expected {}, got {} ({})", expected.kind, got.kind, got.reasons.join("; ")));
        }
    }
    // Customers' mail that must never be caught: the 247 mails of the situations corpus,
    // written by people in seven languages (grief, outages, anger, scams they ask about).
    let mut customers = 0;
    for lang in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/situations")).unwrap().flatten() {
        if !lang.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(lang.path()).unwrap().flatten().map(|e| e.path()) {
            if f.extension().is_none_or(|x| x != "eml") {
                continue;
            }
            let raw = std::fs::read(&f).unwrap();
            let Parsed::Ok(m) = parse(&raw) else { continue };
            customers += 1;
            let got = classify(&m, &who);
            if got.kind.as_str() != "human" {
                misses.push(format!(
                    "{}: a customer's mail read as {} ({})",
                    f.display(),
                    got.kind,
                    got.reasons.join("; ")
                ));
            }
        }
    }
    assert!(customers >= 200, "the situations corpus is there ({customers} mails)");
    per_family.insert(
        "customers".into(),
        (customers - misses.iter().filter(|m| m.contains("a customer's mail")).count(), customers),
    );
    for (family, (right, all)) in &per_family {
        eprintln!("gate corpus: {family:<12} {right}/{all}");
    }
    assert!(misses.is_empty(), "{} gate misses:\n{}", misses.len(), misses.join("\n"));
}

/// A batch composes each acknowledgment on another thread while its transaction goes on:
/// the drafts must be exactly those a message-by-message run writes. The golden corpus
/// and the situations corpus (follow-ups, repeats, several mails from one sender) go in
/// batches of 16 into one store and one by one into another; every draft compares equal
/// (ticket, purpose, template, body, lint), in the same order.
#[tokio::test]
async fn batches_draft_exactly_what_one_by_one_drafts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(root.join("corpus")).unwrap().flatten().map(|e| e.path()).collect();
    for lang in std::fs::read_dir(root.join("situations")).unwrap().flatten().filter(|e| e.path().is_dir()) {
        files.extend(std::fs::read_dir(lang.path()).unwrap().flatten().map(|e| e.path()));
    }
    files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
    files.sort();
    let raws: Vec<attune::intake::RawMail> = files
        .iter()
        .map(|f| attune::intake::RawMail {
            bytes: std::fs::read(f).unwrap(),
            origin: f.display().to_string(),
            arrived_at: None,
            truncated_from: None,
        })
        .collect();
    let now = std::fs::read_to_string(root.join("corpus/NOW")).unwrap();
    let one = spawn_app(Backend::Sqlite, now.trim()).await;
    for r in &raws {
        ingest(&one.app, r, "corpus").await.unwrap();
    }
    let batched = spawn_app(Backend::Sqlite, now.trim()).await;
    for chunk in raws.chunks(16) {
        for r in attune::pipeline::ingest_batch(&batched.app, chunk.to_vec(), "corpus").await {
            r.unwrap();
        }
    }
    let drafts = |t: &crate::helpers::TestApp| {
        let app = t.app.clone();
        async move {
            let mut db = app.store.db().await.unwrap();
            let mut out = Vec::new();
            for d in db.list_drafts(None, 10_000, 0).await.unwrap() {
                out.push((
                    d.ticket_id,
                    d.purpose.clone(),
                    d.template_key.clone(),
                    d.body.clone(),
                    d.lint.clone(),
                    d.to_addr.clone(),
                ));
            }
            out.sort();
            out
        }
    };
    let (a, b) = (drafts(&one).await, drafts(&batched).await);
    assert!(a.len() > 250, "drafts were written ({})", a.len());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x, y);
    }
}
