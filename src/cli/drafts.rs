//! `attune drafts list|show|approve|reject`

use std::path::PathBuf;

use super::{CliError, CliResult, cut, human_duration, print_json};
use crate::app::App;
use crate::approval::{self, Approver};
use crate::domain::{DraftId, DraftStatus};
use crate::views::DraftView;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List drafts, the customer who has waited longest first.
    List {
        /// pending, approved, rejected, sending, sent, failed
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 500)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long)]
        json: bool,
    },
    /// Show a draft: its text, the facts it used and the lint's findings.
    Show {
        id: DraftId,
        #[arg(long)]
        json: bool,
    },
    /// Correct a situation the reading got wrong: `add` or `remove` it, and the draft is
    /// composed again (recorded in the audit log).
    Situation {
        id: DraftId,
        /// add or remove
        action: String,
        /// bereavement, urgent, repeated_contact, our_fault, cancellation, threat_to_leave,
        /// chargeback, legal, praise, feature_idea, vulnerable, security_worry, vague,
        /// technical, continuing, multiple_questions
        situation: String,
        #[arg(long = "as", value_name = "AGENT", default_value = "cli")]
        agent: String,
    },
    /// Approve a draft as it is, or with your text (--edit FILE, `-` for stdin).
    Approve {
        id: DraftId,
        /// A file with the new body.
        #[arg(long, value_name = "FILE")]
        edit: Option<PathBuf>,
        /// The agent who approves: their name signs the reply.
        #[arg(long = "as", value_name = "AGENT")]
        agent: Option<String>,
        /// Send it though it fails must-checks, and say why (kept in the audit log).
        #[arg(long, value_name = "REASON")]
        override_checks: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Reject a draft.
    Reject {
        id: DraftId,
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long = "as", value_name = "AGENT")]
        agent: Option<String>,
    },
}

fn approver(agent: &Option<String>) -> Approver {
    let who = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    match agent.as_deref().map(crate::text::single_line).filter(|a| !a.is_empty()) {
        Some(name) => Approver { id: format!("cli:{who} as {name}"), name: Some(name) },
        None => Approver { id: format!("cli:{who}"), name: None },
    }
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    match cmd {
        Cmd::List { status, limit, offset, json } => {
            let status = match status {
                Some(s) => Some(DraftStatus::parse(s).ok_or_else(|| {
                    CliError::user(format!("unknown status `{s}` (pending, approved, rejected, sending, sent, failed)"))
                })?),
                None => None,
            };
            let mut db = app.store.db().await?;
            let rows = db.list_drafts(status, *limit, *offset).await?;
            let views: Vec<DraftView> = rows.iter().map(DraftView::from).collect();
            if *json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no drafts");
                return Ok(());
            }
            let now = app.now();
            println!(
                "{:<6} {:<7} {:<9} {:<5} {:<8} {:<16} {:<24} SUBJECT",
                "ID", "TICKET", "STATUS", "LANG", "REGISTER", "WAIT", "TO"
            );
            for (v, r) in views.iter().zip(rows.iter()) {
                let waited = if v.status == "pending" {
                    let secs = now - r.trigger_received_at;
                    format!("{}{}", human_duration(secs), if v.late { " LATE" } else { "" })
                } else {
                    v.status.clone()
                };
                let flag = if v.lint_ok { "" } else { " [lint]" };
                println!(
                    "{:<6} {:<7} {:<9} {:<5} {:<8} {:<16} {:<24} {}{}",
                    v.id,
                    v.ticket_id,
                    v.status,
                    v.language,
                    v.register,
                    waited,
                    cut(&v.to, 24),
                    cut(&v.subject, 44),
                    flag
                );
            }
            Ok(())
        }
        Cmd::Situation { id, action, situation, agent } => {
            let name = crate::recompose::parse_situation(situation)?;
            let correction = match action.as_str() {
                "add" => crate::recompose::Correction::Add,
                "remove" => crate::recompose::Correction::Remove,
                other => return Err(CliError::user(format!("`{other}` is not an action: use add or remove"))),
            };
            let mut db = app.store.db().await?;
            let Some(row) = db.draft(*id).await? else {
                return Err(CliError::user(format!("there is no draft {id}")));
            };
            drop(db);
            let facts = crate::recompose::correct_situation(
                app,
                crate::domain::TicketId(row.ticket_id),
                name,
                correction,
                &format!("cli:{agent}"),
            )
            .await?;
            println!("Draft {id} composed again; situations now: {}", facts.situations.summary());
            Ok(())
        }
        Cmd::Show { id, json } => {
            let mut db = app.store.db().await?;
            let Some(row) = db.draft(*id).await? else {
                return Err(CliError::user(format!("there is no draft {id}")));
            };
            let v = DraftView::from(&row);
            if *json {
                return print_json(&v);
            }
            println!("Draft {} for ticket {} — {} ({})", v.id, v.ticket_id, v.status, v.template);
            println!(
                "To:      {}{}",
                v.to_name.clone().map(|n| format!("{n} ")).unwrap_or_default(),
                format_args!("<{}>", v.to)
            );
            println!("Subject: {}", v.subject);
            println!(
                "Customer: {} (name from {}), {} / {}, sentiment {}",
                v.customer_name.clone().unwrap_or_else(|| "no name".into()),
                v.name_source.clone().unwrap_or_default(),
                v.language,
                v.register,
                v.sentiment.clone().unwrap_or_default()
            );
            if let Some(r) = &v.sentiment_reason {
                println!("Mood:    negative because {r}");
            }
            if v.situations.is_empty() {
                println!("Situations: none read (the plain reply)");
            } else {
                println!("Situations:");
                for s in &v.situations {
                    println!(
                        "  {} {:18} {:.1} {}{}",
                        if s.used { "●" } else { "○" },
                        s.name,
                        s.confidence,
                        s.evidence.iter().map(|e| format!("\u{201c}{e}\u{201d}")).collect::<Vec<_>>().join(", "),
                        if s.used { "" } else { "  (unsure: not used in the reply)" }
                    );
                }
            }
            println!(
                "Wait:    {} of business time, SLA {} → {}",
                human_duration(v.waited_secs),
                human_duration(v.sla_secs),
                if v.late { "LATE" } else { "on time" }
            );
            if let Some(e) = &v.last_error {
                println!("Last error: {e}");
            }
            println!("\n{}\n", v.body);
            println!("Lint:");
            for f in &v.lint {
                let mark = match f.result.as_str() {
                    "pass" => "ok  ",
                    "fail" => {
                        if f.must {
                            "FAIL"
                        } else {
                            "warn"
                        }
                    }
                    _ => "n/a ",
                };
                println!("  {mark} {:<16} {}", f.check, f.message);
            }
            if v.status == "pending" {
                println!(
                    "\nattune drafts approve {} --as \"Your Name\"   (or --edit FILE, or: attune drafts reject {} --reason …)",
                    v.id, v.id
                );
            }
            Ok(())
        }
        Cmd::Approve { id, edit, agent, json, override_checks } => {
            let text = match edit {
                Some(p) if p.as_os_str() == "-" => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
                    Some(s)
                }
                Some(p) => Some(
                    std::fs::read_to_string(p)
                        .map_err(|e| CliError::user(format!("cannot read {}: {e}", p.display())))?,
                ),
                None => None,
            };
            let who = approver(agent);
            let done = approval::approve(app, *id, text.as_deref(), &who, None, override_checks.as_deref()).await?;
            if *json {
                let mut db = app.store.db().await?;
                if let Some(row) = db.draft(*id).await? {
                    return print_json(&DraftView::from(&row));
                }
            }
            println!(
                "approved draft {} for ticket {}{}{}",
                done.draft,
                done.ticket,
                if done.edited { " with your edits" } else { "" },
                if done.late { " (late: the reply apologizes for the wait)" } else { "" }
            );
            for f in crate::empathy::lint::failures(&done.findings) {
                println!("  note: {}: {}", f.check, f.message);
            }
            if who.name.is_none() {
                println!("  signed with the team's name; use --as \"Your Name\" to sign it yourself");
            }
            println!("send it with: attune outbox send");
            Ok(())
        }
        Cmd::Reject { id, reason, agent } => {
            approval::reject(app, *id, reason, &approver(agent), None).await?;
            println!("rejected draft {id}");
            Ok(())
        }
    }
}
