//! `attune check-config`

use super::{Cli, CliError, CliResult};
use crate::config::Config;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub async fn run(cli: &Cli, _args: &Args) -> CliResult {
    match Config::load(cli.config.as_deref()) {
        Ok(c) => {
            let from = c
                .source
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the embedded defaults".into());
            println!("config OK ({from})");
            println!("  support:   {} <{}>", c.support.name, c.support.address);
            println!("  database:  {}", c.database.url);
            println!(
                "  sla:       first response {}, next update {}",
                c.sla.first_response, c.sla.next_update
            );
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
            println!("  replies:   files in {}", c.outbox.dir.display());
            Ok(())
        }
        Err(e) => Err(CliError::user(e.to_string().trim_end().to_string())),
    }
}
