//! `attune demo`: the whole pipeline on sample mail that ships with attune.

use super::{Cli, CliError, CliResult, build_app, cut, load_config};
use crate::approval::{self, Approver};
use crate::demo;
use crate::domain::DraftStatus;
use crate::outbox::{self, Delivery, SendOutcome};
use crate::pipeline::{self, DraftOutcome, Ingested, Summary};
use crate::views::DraftView;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The agent who approves one draft in the demo.
    #[arg(long = "as", default_value = "Sam Taylor", value_name = "AGENT")]
    pub agent: String,
}

pub async fn run(cli: &Cli, args: &Args) -> CliResult {
    let config = load_config(cli)?;
    let app = build_app(config).await?;
    let result = run_demo(&app, args).await;
    app.store.close().await;
    result
}

async fn run_demo(app: &crate::app::App, args: &Args) -> CliResult {
    let anchor = demo::anchor(app).await?;
    println!("attune demo: a support mailbox for {} <{}>", app.config.support.name, app.config.support.address);
    println!("database {}, replies go to {}\n", app.config.database.url, app.config.outbox.dir.display());

    let mut summary = Summary::default();
    let mut lines = Vec::new();
    for sample in demo::SAMPLES {
        let raw = demo::materialize(sample, anchor, app);
        let outcome = pipeline::ingest(app, &raw, "demo").await?;
        summary.add(&outcome);
        let what = match &outcome {
            Ingested::Duplicate(_) => "already stored".to_string(),
            Ingested::Quarantined { reason, .. } => format!("quarantined: {reason}"),
            Ingested::Stored { kind, ticket, new_ticket, draft, .. } => {
                let t = if *new_ticket { format!("new ticket #{ticket}") } else { format!("joined ticket #{ticket}") };
                let d = match draft {
                    DraftOutcome::Created(id) => format!("draft {id}"),
                    DraftOutcome::Updated(id) => format!("updated draft {id}"),
                    DraftOutcome::Skipped(why) => format!("no draft ({why})"),
                };
                format!("{kind:<11} {t}, {d}")
            }
        };
        lines.push((sample.file, what));
    }
    for (file, what) in &lines {
        println!("  {:<26} {}", file, cut(what, 100));
    }
    println!();
    crate::cli::ingest::print_summary(&summary);
    if summary.duplicates as usize == demo::SAMPLES.len() {
        println!(
            "(everything was already stored by an earlier run: nothing was stored twice; `rm -rf data` starts over)"
        );
    }

    // The approval queue.
    let mut db = app.store.db().await?;
    let pending = db.list_drafts(Some(DraftStatus::Pending), 100, 0).await?;
    drop(db);
    if !pending.is_empty() {
        println!("\nDrafts waiting for an agent (the customer who has waited longest first):");
        for d in &pending {
            let v = DraftView::from(d);
            let first = v.body.lines().next().unwrap_or("");
            println!(
                "  draft {:<3} ticket #{:<3} {}/{:<8} {:<8} {:<34} {}",
                v.id,
                v.ticket_id,
                v.language,
                v.register,
                if v.late { "LATE" } else { "on time" },
                cut(first, 34),
                if v.lint_ok { "" } else { "(lint flags)" }
            );
        }
    }

    // Approve the oldest one (it is late: its reply apologizes and names the wait) and send
    // it, once: a second run of the demo changes nothing.
    let mut db = app.store.tx().await?;
    let first_approval = db.meta_get("demo_approved").await?.is_none();
    if first_approval {
        db.meta_set("demo_approved", "yes").await?;
    }
    db.commit().await?;
    if let Some(oldest) = pending.first().filter(|_| first_approval) {
        let who = Approver { id: format!("demo as {}", args.agent), name: Some(args.agent.clone()) };
        let done = approval::approve(app, oldest.id(), None, &who, None).await?;
        println!("\nApproved draft {} as {} (ticket #{}).", done.draft, args.agent, done.ticket);
    } else if !first_approval {
        println!(
            "\nThe first run of the demo approved and sent one reply; it is in {}.",
            app.config.outbox.dir.display()
        );
    }
    let delivery = Delivery::from_config(app).map_err(CliError::user)?;
    let sent = outbox::send_due(app, &delivery, "demo").await?;
    for s in &sent {
        match s {
            SendOutcome::Sent { location, .. } => {
                println!("Sent it: {location}\n");
                let raw =
                    std::fs::read(location).map_err(|e| CliError::user(format!("cannot read {location}: {e}")))?;
                print_reply(&raw);
            }
            other => println!("outbox: {other:?}"),
        }
    }

    println!("\nLook further:");
    let next = pending.get(1).map(|d| d.id).unwrap_or(2);
    for (cmd, what) in [
        ("attune drafts list".to_string(), "the approval queue"),
        (format!("attune drafts show {next}"), "one draft: its text, the facts it used, the empathy lint"),
        (
            format!("attune drafts approve {next} --as \"Your Name\""),
            "approve it (or --edit FILE; drafts reject N --reason …)",
        ),
        ("attune outbox send".to_string(), "send approved replies (into data/outbox)"),
        ("attune tickets list".to_string(), "tickets; `attune tickets show 1` for one"),
        ("attune messages list".to_string(), "every message and its kind (--kind bounce, --json, …)"),
    ] {
        println!("  {cmd:<44} {what}");
    }
    Ok(())
}

/// Prints the headers that matter for threading, then the plain-text body.
fn print_reply(raw: &[u8]) {
    let Some(msg) = mail_parser::MessageParser::default().parse(raw) else {
        return;
    };
    for name in ["From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Auto-Submitted"] {
        if let Some(v) = msg.header_raw(name) {
            println!("  {name}: {}", crate::text::single_line(v));
        }
    }
    println!();
    if let Some(body) = msg.body_text(0) {
        for line in body.lines() {
            println!("  | {line}");
        }
    }
}
