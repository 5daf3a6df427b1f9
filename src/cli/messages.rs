//! `attune messages list`

use super::{CliError, CliResult, cut, print_json};
use crate::app::App;
use crate::domain::{Kind, TicketId};
use crate::views::MessageView;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List messages in arrival order.
    List {
        #[arg(long)]
        ticket: Option<TicketId>,
        /// human, auto-reply, bounce, list, spam, own, loop, malformed
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    let Cmd::List { ticket, kind, limit, offset, json } = cmd;
    if let Some(k) = kind
        && Kind::parse(k).is_none()
    {
        return Err(CliError::user(format!(
            "unknown kind `{k}` (human, auto-reply, bounce, list, spam, own, loop, malformed)"
        )));
    }
    let mut db = app.store.db().await?;
    let rows = db.list_messages(*ticket, kind.as_deref(), *limit, *offset).await?;
    let views: Vec<MessageView> = rows.iter().map(MessageView::from).collect();
    if *json {
        return print_json(&views);
    }
    if views.is_empty() {
        println!("no messages");
        return Ok(());
    }
    println!("{:<6} {:<7} {:<11} {:<21} {:<30} SUBJECT", "ID", "TICKET", "KIND", "RECEIVED", "FROM");
    for v in views {
        println!(
            "{:<6} {:<7} {:<11} {:<21} {:<30} {}",
            v.id,
            v.ticket_id.map(|t| t.to_string()).unwrap_or_else(|| "-".into()),
            v.kind,
            v.received_at,
            cut(&v.from.clone().unwrap_or_else(|| "?".into()), 30),
            cut(v.quarantine_reason.as_deref().unwrap_or(&v.subject), 50)
        );
    }
    Ok(())
}
