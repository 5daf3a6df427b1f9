//! The situation corpus: tests/situations/LANG/*.eml, each with what its reading and its
//! draft must be beside it in *.expected.toml. All languages go into one store in path order
//! at the time in tests/situations/NOW, so earlier mails from the same person (NNa, NNb …)
//! are in the store when the next one comes.
//!
//! Besides the failures, the test prints the precision and recall of situation detection per
//! situation and language (run with `--nocapture` to read them). With SITUATIONS_DUMP=DIR
//! it also writes every draft into DIR/LANG.txt beside its mail's name and situations, for
//! reading them aloud and for native-speaker reviews.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use attune::domain::MessageKey;
use attune::drafting::Facts;
use attune::empathy::situations::SituationName;
use attune::pipeline::{DraftOutcome, Ingested, ingest};

use crate::helpers::{Backend, spawn_app};

#[derive(serde::Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct Expected {
    #[serde(default)]
    situations: Vec<String>,
    #[serde(default)]
    may: Vec<String>,
    greeting: Option<String>,
    register: Option<String>,
    variant: Option<String>,
    deadline: Option<String>,
    phone: Option<String>,
    #[serde(default)]
    must: Vec<String>,
    #[serde(default)]
    must_not: Vec<String>,
    /// created (the default), none, or any.
    draft: Option<String>,
}

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/situations");
    let mut files = Vec::new();
    for lang in std::fs::read_dir(&root).expect("tests/situations exists").flatten() {
        if !lang.path().is_dir() {
            continue;
        }
        for f in std::fs::read_dir(lang.path()).expect("language folder").flatten() {
            if f.path().extension().is_some_and(|e| e == "eml") {
                files.push(f.path());
            }
        }
    }
    files.sort();
    files
}

/// tests/situations/KNOWN.toml: failures a mail is known to have, and why.
#[derive(serde::Deserialize)]
struct Known {
    #[allow(dead_code)]
    why: String,
    failures: Vec<String>,
}

#[derive(Default)]
struct Tally {
    true_pos: usize,
    false_pos: usize,
    false_neg: usize,
}

#[tokio::test]
async fn situation_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/situations");
    let files = corpus_files();
    assert!(files.len() >= 150, "the situation corpus holds at least 150 mails (found {})", files.len());
    let now = std::fs::read_to_string(root.join("NOW")).expect("tests/situations/NOW");
    let t = spawn_app(Backend::Sqlite, now.trim()).await;
    let app = &t.app;

    let mut failures: Vec<String> = Vec::new();
    let mut tally: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut per_situation_mails: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let dump = std::env::var_os("SITUATIONS_DUMP").map(PathBuf::from);
    let mut dumped: BTreeMap<String, String> = BTreeMap::new();
    for file in &files {
        let lang =
            file.parent().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let stem = file.file_stem().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let name = format!("{lang}/{stem}");
        let expected_path = file.with_extension("expected.toml");
        let Ok(text) = std::fs::read_to_string(&expected_path) else {
            // An earlier mail of a repeated-contact chain may have no expectations of its own.
            let raw = attune::intake::RawMail {
                bytes: std::fs::read(file).unwrap(),
                origin: name.clone(),
                arrived_at: None,
                truncated_from: None,
            };
            ingest(app, &raw, "situations").await.unwrap_or_else(|e| panic!("{name}: {e}"));
            continue;
        };
        let exp: Expected = match toml::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{name}: bad expected file: {e}"));
                continue;
            }
        };
        let raw = attune::intake::RawMail {
            bytes: std::fs::read(file).unwrap(),
            origin: name.clone(),
            arrived_at: None,
            truncated_from: None,
        };
        let outcome = ingest(app, &raw, "situations").await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut fail = |m: String| failures.push(format!("{name}: {m}"));
        let draft = match &outcome {
            Ingested::Stored { draft, .. } => draft.clone(),
            other => {
                fail(format!("not stored as a customer's mail: {other:?}"));
                continue;
            }
        };
        let want_draft = exp.draft.as_deref().unwrap_or("created");
        let id = match (&draft, want_draft) {
            (DraftOutcome::Created(id) | DraftOutcome::Updated(id), "created" | "any") => Some(*id),
            (DraftOutcome::Skipped(_), "none" | "any") => None,
            (d, w) => {
                fail(format!("draft {d:?}, expected {w}"));
                None
            }
        };
        for s in exp.situations.iter().chain(&exp.may) {
            if SituationName::parse(s).is_none() {
                fail(format!("`{s}` is not a situation"));
            }
        }
        let Some(id) = id else {
            continue;
        };
        let mut db = app.store.db().await.unwrap();
        let d = db.draft(id).await.unwrap().expect("the draft");
        let facts: Facts = serde_json::from_str(&d.facts).expect("facts");
        let _ = db.message(MessageKey(d.reply_to_message)).await;

        // Detection: the confident situations must be the expected ones (plus any `may`).
        let found: BTreeSet<String> = facts.situations.confident().map(|s| s.name.as_str().to_string()).collect();
        let want: BTreeSet<String> = exp.situations.iter().map(|s| canonical(s)).collect();
        let may: BTreeSet<String> = exp.may.iter().map(|s| canonical(s)).collect();
        for s in SituationName::ALL {
            let s = s.as_str().to_string();
            let entry = tally.entry((s.clone(), lang.clone())).or_default();
            match (found.contains(&s), want.contains(&s), may.contains(&s)) {
                (true, true, _) => entry.true_pos += 1,
                (true, false, false) => entry.false_pos += 1,
                (false, true, _) => entry.false_neg += 1,
                _ => {}
            }
            if want.contains(&s) {
                per_situation_mails.entry(s).or_default().insert(name.clone());
            }
        }
        let missing: Vec<&String> = want.difference(&found).collect();
        let extra: Vec<&String> = found.iter().filter(|s| !want.contains(*s) && !may.contains(*s)).collect();
        if !missing.is_empty() || !extra.is_empty() {
            fail(format!(
                "situations {found:?}: missing {missing:?}, unexpected {extra:?} ({})",
                facts.situations.summary()
            ));
        }

        if dump.is_some() {
            let text = dumped.entry(lang.clone()).or_default();
            text.push_str(&format!("=== {name}\nsituations: {}\n\n{}\n\n", facts.situations.summary(), d.body));
        }

        let first = d.body.lines().next().unwrap_or("");
        if let Some(g) = &exp.greeting
            && first != g
        {
            fail(format!("greeting \"{first}\", expected \"{g}\""));
        }
        if let Some(r) = &exp.register
            && &d.register != r
        {
            fail(format!("register {}, expected {r}", d.register));
        }
        if let Some(v) = &exp.variant
            && facts.locale().code() != v
        {
            fail(format!("variant {}, expected {v}", facts.locale().code()));
        }
        if let Some(dl) = &exp.deadline
            && facts.situations.deadline.as_deref() != Some(dl.as_str())
        {
            fail(format!("deadline {:?}, expected {dl:?}", facts.situations.deadline));
        }
        if let Some(p) = &exp.phone
            && facts.situations.phone.as_deref() != Some(p.as_str())
        {
            fail(format!("phone {:?}, expected {p:?}", facts.situations.phone));
        }
        let body_lower = d.body.to_lowercase();
        for m in &exp.must {
            if !body_lower.contains(&m.to_lowercase()) {
                fail(format!("the draft lacks \"{m}\""));
            }
        }
        for m in &exp.must_not {
            if body_lower.contains(&m.to_lowercase()) {
                fail(format!("the draft says \"{m}\""));
            }
        }
        if !d.lint_ok {
            let lint: Vec<attune::empathy::lint::Finding> = serde_json::from_str(&d.lint).unwrap_or_default();
            let failed: Vec<String> = lint
                .iter()
                .filter(|f| f.must && f.result == attune::empathy::lint::Outcome::Fail)
                .map(|f| format!("{}: {}", f.check, f.message))
                .collect();
            fail(format!("must-checks fail: {failed:?}"));
        }
        if failures.last().is_some_and(|f| f.starts_with(&format!("{name}: "))) {
            failures.push(format!("{name}: the draft ({}):\n{}", facts.situations.summary(), indent(&d.body)));
        }
    }

    if let Some(dir) = &dump {
        std::fs::create_dir_all(dir).expect("SITUATIONS_DUMP folder");
        for (lang, text) in &dumped {
            std::fs::write(dir.join(format!("{lang}.txt")), text).expect("write the dump");
        }
    }

    println!("\nsituation detection, per situation and language (precision / recall, mails):");
    let mut by_situation: BTreeMap<String, Tally> = BTreeMap::new();
    for ((s, lang), t) in &tally {
        if t.true_pos + t.false_pos + t.false_neg == 0 {
            continue;
        }
        println!("  {s:20} {lang:3} {}", ratio(t));
        let all = by_situation.entry(s.clone()).or_default();
        all.true_pos += t.true_pos;
        all.false_pos += t.false_pos;
        all.false_neg += t.false_neg;
    }
    println!("all languages:");
    for (s, t) in &by_situation {
        println!("  {s:20} {}  ({} mails expect it)", ratio(t), per_situation_mails.get(s).map_or(0, |m| m.len()));
    }
    // Known misses are tolerated, and must stay real: one that passes now is to be removed.
    let known: BTreeMap<String, Known> =
        toml::from_str(&std::fs::read_to_string(root.join("KNOWN.toml")).unwrap_or_default()).expect("KNOWN.toml");
    let is_known = |f: &String| {
        known.iter().any(|(mail, k)| {
            f.strip_prefix(&format!("{mail}: ")).is_some_and(|rest| {
                rest.starts_with("the draft (") || k.failures.iter().any(|p| rest.starts_with(p.as_str()))
            })
        })
    };
    for mail in known.keys() {
        if !failures.iter().any(|f| f.starts_with(&format!("{mail}: ")) && !f.contains(": the draft (")) {
            failures.push(format!("{mail}: listed in KNOWN.toml but passes now: remove it from the list"));
        }
    }
    let failures: Vec<String> = failures.into_iter().filter(|f| !is_known(f)).collect();
    assert!(failures.is_empty(), "{} situation-corpus failures:\n{}", failures.len(), failures.join("\n"));
}

fn canonical(s: &str) -> String {
    SituationName::parse(s).map(|n| n.as_str().to_string()).unwrap_or_else(|| s.to_string())
}

fn ratio(t: &Tally) -> String {
    let p = if t.true_pos + t.false_pos == 0 { 1.0 } else { t.true_pos as f64 / (t.true_pos + t.false_pos) as f64 };
    let r = if t.true_pos + t.false_neg == 0 { 1.0 } else { t.true_pos as f64 / (t.true_pos + t.false_neg) as f64 };
    format!("precision {p:.2} recall {r:.2} (tp {}, fp {}, fn {})", t.true_pos, t.false_pos, t.false_neg)
}

fn indent(body: &str) -> String {
    body.lines().map(|l| format!("      | {l}")).collect::<Vec<_>>().join("\n")
}
