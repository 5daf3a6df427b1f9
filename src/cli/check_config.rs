//! `attune check-config [--connect]`

use super::{Cli, CliError, CliResult};
use crate::config::Config;
use crate::intake::imap;
use crate::outbox::SmtpDelivery;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Also log in to each mailbox and say EHLO to the SMTP server.
    #[arg(long)]
    pub connect: bool,
}

pub async fn run(cli: &Cli, args: &Args) -> CliResult {
    let c = Config::load(cli.config.as_deref()).map_err(|e| CliError::usage(e.to_string().trim_end().to_string()))?;
    let from = c.source.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "the embedded defaults".into());
    println!("config OK ({from})");
    println!("  support:   {} <{}>", c.support.name, c.support.address);
    println!("  database:  {}", crate::store::redacted_url(&c.database.url));
    println!("  sla:       first response {}, next update {}", c.sla.first_response, c.sla.next_update);
    match &c.business_hours {
        Some(b) => println!(
            "  hours:     {} {}–{} {} ({} holidays)",
            b.days.join(","),
            b.start,
            b.end,
            b.timezone,
            b.holidays.len()
        ),
        None => println!("  hours:     around the clock"),
    }
    for m in &c.mailboxes {
        println!("  mailbox:   {} = {}@{}:{} ({:?}) folder {}", m.name, m.username, m.host, m.port, m.tls, m.folder);
    }
    match &c.smtp {
        Some(s) => println!("  replies:   SMTP {}:{} ({:?})", s.host, s.port, s.tls),
        None => println!("  replies:   files in {}", c.outbox.dir.display()),
    }
    if !args.connect {
        return Ok(());
    }
    crate::install_crypto_provider();
    let mut problems = 0;
    for m in &c.mailboxes {
        match imap::check(m).await {
            Ok(note) => println!("ok    mailbox {}: logged in as {}; {note}", m.name, m.username),
            Err(e) => {
                problems += 1;
                println!("FAIL  mailbox {}: {e}", m.name);
            }
        }
    }
    if let Some(s) = &c.smtp {
        match SmtpDelivery::from_config(s) {
            Ok(d) => match d.check().await {
                Ok(()) => println!(
                    "ok    smtp {}:{}: EHLO answered{}",
                    s.host,
                    s.port,
                    if s.username.is_some() { ", logged in" } else { "" }
                ),
                Err(e) => {
                    problems += 1;
                    println!("FAIL  smtp: {e}");
                }
            },
            Err(e) => {
                problems += 1;
                println!("FAIL  smtp: {e}");
            }
        }
    }
    if problems > 0 {
        return Err(CliError::user(format!("{problems} connection(s) failed")));
    }
    Ok(())
}
