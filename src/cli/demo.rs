//! `attune demo`: the whole pipeline on sample mail that ships with attune.

use super::{Cli, CliError, CliResult, build_app_migrating, cut, load_config};
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
    /// Then serve the web UI on the demo data until Ctrl-C (web.listen, default 127.0.0.1:8080).
    #[arg(long)]
    pub serve: bool,
}

pub const DEMO_EMAIL: &str = "demo@example.com";
pub const DEMO_PASSWORD: &str = "attune-demo-2026";

pub async fn run(cli: &Cli, args: &Args) -> CliResult {
    let mut config = load_config(cli)?;
    if args.serve {
        config.web.demo_hint = Some(format!("Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}"));
    }
    let app = build_app_migrating(config).await?;
    let mut result = run_demo(&app, args).await;
    if result.is_ok() && args.serve {
        result = serve(&app).await;
    }
    app.store.close().await;
    result
}

/// `attune demo --serve`: the web UI on the demo data, with a demo admin, until Ctrl-C.
async fn serve(app: &crate::app::App) -> CliResult {
    let mut db = app.store.tx().await?;
    if db.user_by_email(DEMO_EMAIL).await?.is_none() {
        let hash = crate::web::auth::hash_password(DEMO_PASSWORD).map_err(CliError::user)?;
        db.insert_user(DEMO_EMAIL, "Alex Morgan", "admin", &hash, app.now()).await?;
    }
    db.commit().await?;
    let listen =
        if app.config.web.listen.is_empty() { "127.0.0.1:8080".to_string() } else { app.config.web.listen.clone() };
    let listener = tokio::net::TcpListener::bind(&listen).await.map_err(|e| {
        CliError::user(format!("cannot listen on {listen}: {e} (set ATTUNE_WEB__LISTEN to another address)"))
    })?;
    let addr = listener.local_addr()?;
    println!("\nThe web UI is at http://{addr}/  — sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD}");
    println!("Approved replies are written to {}. Ctrl-C stops.", app.config.outbox.dir.display());
    let delivery = Delivery::from_config(app).map_err(CliError::user)?;
    let shutdown = tokio_util::sync::CancellationToken::new();
    crate::daemon::cancel_on_signals(shutdown.clone());
    let outbox = tokio::spawn(crate::daemon::outbox_loop(app.clone(), delivery, shutdown.clone()));
    crate::web::serve(app.clone(), listener, shutdown.clone()).await?;
    shutdown.cancel();
    let _ = outbox.await;
    Ok(())
}

async fn run_demo(app: &crate::app::App, args: &Args) -> CliResult {
    let anchor = demo::anchor(app).await?;
    println!("attune demo: a support mailbox for {} <{}>", app.config.support.name, app.config.support.address);
    println!(
        "database {}, replies go to {}\n",
        crate::store::redacted_url(&app.config.database.url),
        app.config.outbox.dir.display()
    );

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
            let situations: Vec<&str> = v.situations.iter().filter(|s| s.used).map(|s| s.name.as_str()).collect();
            println!(
                "  draft {:<3} ticket #{:<3} {}/{:<8} {:<8} {:<34} {}{}",
                v.id,
                v.ticket_id,
                v.language,
                v.register,
                if v.late { "LATE" } else { "on time" },
                cut(first, 34),
                if situations.is_empty() { String::new() } else { format!("[{}]", situations.join(", ")) },
                if v.lint_ok { "" } else { " (lint flags)" }
            );
        }
        // The replies that show the reading: grief, an outage, a repeat, praise.
        let shown = ["bereavement", "urgent", "repeated_contact", "praise"];
        let mut seen: Vec<&str> = Vec::new();
        for d in &pending {
            let v = DraftView::from(d);
            let Some(s) = v
                .situations
                .iter()
                .filter(|s| s.used)
                .map(|s| s.name.as_str())
                .find(|n| shown.contains(n) && !seen.contains(n))
            else {
                continue;
            };
            let s = shown.iter().copied().find(|n| *n == s).unwrap_or("");
            seen.push(s);
            println!(
                "\nDraft {} ({}, read from {}):",
                v.id,
                s.replace('_', " "),
                v.situations
                    .iter()
                    .filter(|x| x.used)
                    .flat_map(|x| x.evidence.iter().take(1))
                    .map(|e| format!("\u{201c}{e}\u{201d}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            for line in v.body.lines() {
                println!("  | {line}");
            }
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
        let done = approval::approve(app, oldest.id(), None, &who, None, None).await?;
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

    println!("\nLook further{}:", if args.serve { "" } else { " (or run `attune demo --serve` for the web UI)" });
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
