//! `attune sync`: one pass over every mailbox, then exit.

use super::{CliError, CliResult, print_json};
use crate::app::App;
use crate::intake::imap;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this mailbox.
    #[arg(long)]
    pub mailbox: Option<String>,
    #[arg(long)]
    pub json: bool,
}

pub async fn run(app: &App, args: &Args) -> CliResult {
    let mailboxes: Vec<_> =
        app.config.mailboxes.iter().filter(|m| args.mailbox.as_ref().is_none_or(|n| &m.name == n)).collect();
    if mailboxes.is_empty() {
        return Err(CliError::user(match &args.mailbox {
            Some(n) => format!("no mailbox named `{n}` in the config"),
            None => "no [[mailboxes]] in the config: nothing to sync (see config/attune.example.toml)".into(),
        }));
    }
    let mut report = Vec::new();
    let mut failed = Vec::new();
    for m in mailboxes {
        match imap::sync_once(app, m).await {
            Ok(folders) => {
                for f in folders {
                    if !args.json {
                        let s = &f.summary;
                        println!(
                            "{}/{}: {} new (stored {}, duplicates {}, quarantined {}; tickets new {}, updated {}; drafts new {}, updated {}){}",
                            m.name,
                            f.folder,
                            f.fetched,
                            s.ingested,
                            s.duplicates,
                            s.quarantined,
                            s.tickets_new,
                            s.tickets_updated,
                            s.drafts_created,
                            s.drafts_updated,
                            if f.rescanned { "; UIDVALIDITY changed, folder rescanned" } else { "" }
                        );
                    }
                    report.push(serde_json::json!({"mailbox": m.name, "ok": true, "sync": f}));
                }
            }
            Err(e) => {
                if !args.json {
                    eprintln!("{}: {e}", m.name);
                }
                report.push(serde_json::json!({"mailbox": m.name, "ok": false, "error": e.to_string()}));
                failed.push(m.name.clone());
            }
        }
    }
    if args.json {
        print_json(&report)?;
    }
    if failed.is_empty() { Ok(()) } else { Err(CliError::user(format!("sync failed for {}", failed.join(", ")))) }
}
