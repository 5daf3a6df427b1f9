//! `attune outbox send`

use super::{CliError, CliResult, print_json};
use crate::app::App;
use crate::outbox::{self, Delivery, SendOutcome};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Send every approved reply that is due (each draft at most once).
    Send {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    let Cmd::Send { json } = cmd;
    let delivery = Delivery::from_config(app).map_err(CliError::user)?;
    let worker = format!("cli-{}", std::process::id());
    let outcomes = outbox::send_due(app, &delivery, &worker).await?;
    if *json {
        let v: Vec<serde_json::Value> = outcomes
            .iter()
            .map(|o| match o {
                SendOutcome::Sent { draft, message_id, location } => serde_json::json!({"draft": draft.0, "status": "sent", "message_id": message_id, "location": location}),
                SendOutcome::Retrying { draft, error, next_attempt_at } => serde_json::json!({"draft": draft.0, "status": "retrying", "error": error, "next_attempt_at": crate::clock::rfc3339(*next_attempt_at)}),
                SendOutcome::Failed { draft, error } => serde_json::json!({"draft": draft.0, "status": "failed", "error": error}),
                SendOutcome::Lost(d) => serde_json::json!({"draft": d.0, "status": "taken by another sender"}),
            })
            .collect();
        return print_json(&v);
    }
    if outcomes.is_empty() {
        println!("nothing to send");
    }
    for o in outcomes {
        match o {
            SendOutcome::Sent { draft, message_id, location } => {
                println!("sent draft {draft} as <{message_id}> → {location}")
            }
            SendOutcome::Retrying { draft, error, next_attempt_at } => {
                println!("draft {draft}: {error}; retrying at {}", crate::clock::rfc3339(next_attempt_at))
            }
            SendOutcome::Failed { draft, error } => println!("draft {draft} failed: {error}"),
            SendOutcome::Lost(d) => println!("draft {d} was taken by another sender"),
        }
    }
    Ok(())
}
