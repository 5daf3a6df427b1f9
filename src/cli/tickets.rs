//! `attune tickets list|show`

use serde::Serialize;

use super::{CliError, CliResult, cut, print_json};
use crate::app::App;
use crate::domain::TicketId;
use crate::views::{DraftView, MessageView, TicketView};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List tickets, oldest first.
    List {
        /// open, resolved
        #[arg(long)]
        status: Option<String>,
        #[arg(long, default_value_t = 500)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long)]
        json: bool,
    },
    /// Show a ticket with its messages and drafts.
    Show {
        id: TicketId,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct TicketDetail {
    #[serde(flatten)]
    ticket: TicketView,
    participants: Vec<String>,
    messages: Vec<MessageView>,
    drafts: Vec<DraftView>,
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    let tokens = app.tokens();
    let mut db = app.store.db().await?;
    match cmd {
        Cmd::List { status, limit, offset, json } => {
            if let Some(s) = status
                && crate::domain::TicketStatus::parse(s).is_none()
            {
                return Err(CliError::user(format!("unknown status `{s}` (use open or resolved)")));
            }
            let rows = db.list_tickets(status.as_deref(), *limit, *offset).await?;
            let views: Vec<TicketView> = rows.iter().map(|r| TicketView::from_list(r, &tokens)).collect();
            if *json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no tickets");
                return Ok(());
            }
            println!("{:<6} {:<12} {:<8} {:>4}  {:<28} SUBJECT", "ID", "REF", "STATUS", "MSGS", "CUSTOMER");
            for v in views {
                let who = match &v.customer_name {
                    Some(n) => format!("{n} <{}>", v.customer_email),
                    None => v.customer_email.clone(),
                };
                println!(
                    "{:<6} {:<12} {:<8} {:>4}  {:<28} {}",
                    v.id,
                    v.reference,
                    v.status,
                    v.message_count,
                    cut(&who, 28),
                    cut(&v.subject, 50)
                );
            }
            Ok(())
        }
        Cmd::Show { id, json } => {
            let Some(t) = db.ticket(*id).await? else {
                return Err(CliError::user(format!("there is no ticket {id}")));
            };
            let messages = db.messages_of_ticket(*id).await?;
            let drafts = db.drafts_of_ticket(*id).await?;
            let mut participants = db.participants(*id, "customer").await?;
            participants.extend(db.participants(*id, "sender").await?);
            participants.extend(db.participants(*id, "cc").await?.into_iter().map(|c| format!("{c} (cc)")));
            let detail = TicketDetail {
                ticket: TicketView::from_row(&t, messages.len() as i64, &tokens),
                participants,
                messages: messages.iter().map(MessageView::from).collect(),
                drafts: drafts.iter().map(DraftView::from).collect(),
            };
            if *json {
                return print_json(&detail);
            }
            let v = &detail.ticket;
            println!("Ticket {} [{}] {}", v.id, v.reference, v.subject);
            println!("  status:   {}{}", v.status, v.merged_into.map(|m| format!(" into #{m}")).unwrap_or_default());
            println!("  customer: {} <{}>", v.customer_name.clone().unwrap_or_default(), v.customer_email);
            println!("  people:   {}", detail.participants.join(", "));
            if let Some(l) = v.linked_to {
                println!("  linked to ticket #{l}");
            }
            for f in &v.flags {
                println!("  flag:     {f}");
            }
            println!("\nMessages:");
            for (m, row) in detail.messages.iter().zip(messages.iter()) {
                println!(
                    "  #{} {} {} from {} ({})",
                    m.id,
                    m.received_at,
                    m.direction,
                    m.from.clone().unwrap_or_default(),
                    m.kind
                );
                for line in crate::mail::quote::strip(&row.body_text).text.lines().take(6) {
                    println!("      {line}");
                }
            }
            if !detail.drafts.is_empty() {
                println!("\nDrafts:");
                for d in &detail.drafts {
                    println!(
                        "  draft {} [{}] {} {} {}{}",
                        d.id,
                        d.status,
                        d.language,
                        d.register,
                        if d.late { "late" } else { "on time" },
                        if d.lint_ok { "" } else { ", lint flags" }
                    );
                }
                println!("\n  attune drafts show <ID> shows a draft's text and lint.");
            }
            Ok(())
        }
    }
}
