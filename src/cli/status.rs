//! `attune status`: mailboxes and the outbox at a glance.

use serde::Serialize;

use super::{CliResult, human_duration, print_json};
use crate::app::App;
use crate::clock::rfc3339;
use crate::store::MailboxStateRow;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct MailboxStatus {
    mailbox: String,
    folder: String,
    configured: bool,
    last_sync_at: Option<String>,
    backlog: i64,
    last_uid: i64,
    last_error: Option<String>,
    last_error_at: Option<String>,
    /// The instance holding the folder's sync lease now, if any.
    synced_by: Option<String>,
}

impl MailboxStatus {
    fn new(mailbox: &str, folder: &str, configured: bool, s: Option<&MailboxStateRow>, now: i64) -> MailboxStatus {
        MailboxStatus {
            mailbox: mailbox.to_string(),
            folder: folder.to_string(),
            configured,
            last_sync_at: s.and_then(|s| s.last_sync_at).map(rfc3339),
            backlog: s.map(|s| s.backlog).unwrap_or(0),
            last_uid: s.map(|s| s.last_uid).unwrap_or(0),
            last_error: s.and_then(|s| s.last_error.clone()),
            last_error_at: s.and_then(|s| s.last_error_at).map(rfc3339),
            synced_by: s
                .filter(|s| s.lease_until.is_some_and(|until| until >= now))
                .and_then(|s| s.lease_owner.clone()),
        }
    }
}

#[derive(Serialize)]
struct Status {
    /// The `attune run` processes heard from in the last `INSTANCE_TTL_SECS`.
    instances: Vec<InstanceStatus>,
    mailboxes: Vec<MailboxStatus>,
    outbox: OutboxStatus,
    drafts_pending: i64,
    oldest_pending_since: Option<String>,
    /// Tickets a person must look at: escalating follow-ups we did not acknowledge.
    needs_person: Vec<NeedsPerson>,
    tickets: i64,
    messages: i64,
    quarantined: i64,
}

#[derive(Serialize)]
struct NeedsPerson {
    ticket: i64,
    subject: String,
    reason: String,
    since: Option<String>,
}

#[derive(Serialize)]
struct InstanceStatus {
    name: String,
    started_at: String,
    seen_at: String,
}

#[derive(Serialize)]
struct OutboxStatus {
    queued: i64,
    failed: i64,
    sent: i64,
    delivery: String,
}

pub async fn run(app: &App, args: &Args) -> CliResult {
    let mut db = app.store.db().await?;
    let states = db.mailbox_states().await?;
    let counts = db.counts().await?;
    let oldest = db.oldest_pending_arrival().await?;
    let now = app.now();
    let instances = db.list_live_instances(now - crate::intake::imap::INSTANCE_TTL_SECS).await?;
    let needing = db.tickets_needing_person(50).await?;
    drop(db);
    let mut mailboxes: Vec<MailboxStatus> = Vec::new();
    for m in &app.config.mailboxes {
        let mut folders = vec![m.folder.clone()];
        folders.extend(m.sent_folder.iter().cloned());
        for f in folders {
            let s = states.iter().find(|s| s.mailbox == m.name && s.folder == f);
            mailboxes.push(MailboxStatus::new(&m.name, &f, true, s, now));
        }
    }
    for s in &states {
        if !mailboxes.iter().any(|m| m.mailbox == s.mailbox && m.folder == s.folder) {
            mailboxes.push(MailboxStatus::new(&s.mailbox, &s.folder, false, Some(s), now));
        }
    }
    let delivery = match &app.config.smtp {
        Some(s) => format!("SMTP {}:{}", s.host, s.port),
        None => format!("files in {}", app.config.outbox.dir.display()),
    };
    let status = Status {
        instances: instances
            .into_iter()
            .map(|i| InstanceStatus { name: i.name, started_at: rfc3339(i.started_at), seen_at: rfc3339(i.seen_at) })
            .collect(),
        mailboxes,
        outbox: OutboxStatus {
            queued: counts.drafts_approved + counts.drafts_sending,
            failed: counts.drafts_failed,
            sent: counts.drafts_sent,
            delivery,
        },
        drafts_pending: counts.drafts_pending,
        oldest_pending_since: oldest.map(rfc3339),
        needs_person: needing
            .iter()
            .map(|t| NeedsPerson {
                ticket: t.id,
                subject: t.subject.clone(),
                reason: t.needs_person.clone().unwrap_or_default(),
                since: t.needs_person_at.map(rfc3339),
            })
            .collect(),
        tickets: counts.tickets,
        messages: counts.messages,
        quarantined: counts.quarantined,
    };
    if args.json {
        return print_json(&status);
    }
    match status.instances.len() {
        0 => println!("instances: none running (attune run)"),
        n => println!(
            "instances: {n} running: {}",
            status
                .instances
                .iter()
                .map(|i| format!("{} (since {})", i.name, i.started_at))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
    if status.mailboxes.is_empty() {
        println!("mailboxes: none configured");
    }
    for m in &status.mailboxes {
        println!(
            "mailbox {}/{}: last sync {}, backlog {}{}{}{}",
            m.mailbox,
            m.folder,
            m.last_sync_at.clone().unwrap_or_else(|| "never".into()),
            m.backlog,
            m.synced_by.as_ref().map(|o| format!(", synced by {o}")).unwrap_or_default(),
            m.last_error
                .as_ref()
                .map(|e| format!(", last error at {}: {e}", m.last_error_at.clone().unwrap_or_default()))
                .unwrap_or_default(),
            if m.configured { "" } else { " (no longer configured)" }
        );
    }
    println!(
        "outbox ({}): {} queued, {} failed, {} sent",
        status.outbox.delivery, status.outbox.queued, status.outbox.failed, status.outbox.sent
    );
    let wait = oldest.map(|o| format!(", the oldest waiting {}", human_duration(app.now() - o))).unwrap_or_default();
    println!("drafts pending: {}{wait}", status.drafts_pending);
    if !status.needs_person.is_empty() {
        println!("needs a person: {} ticket(s)", status.needs_person.len());
        for n in &status.needs_person {
            println!("  #{} {} ({}, since {})", n.ticket, n.subject, n.reason, n.since.clone().unwrap_or_default());
        }
    }
    println!("tickets {}, messages {} ({} quarantined)", status.tickets, status.messages, status.quarantined);
    Ok(())
}
