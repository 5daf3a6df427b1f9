//! `attune ingest PATH...`

use std::io::IsTerminal;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::{CliError, CliResult, print_json};
use crate::app::App;
use crate::intake::files;
use crate::pipeline::{self, Ingested, Summary};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Maildirs, mbox files, .eml files, or folders of .eml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The mailbox name recorded on the messages and tickets.
    #[arg(long, default_value = "import")]
    pub mailbox: String,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print one line per message.
    #[arg(long, short)]
    pub verbose: bool,
}

pub async fn run(app: &App, args: &Args) -> CliResult {
    let entries = files::scan(&args.paths)?;
    let summary = ingest_entries(app, &entries, &args.mailbox, args.verbose, !args.json).await?;
    if args.json {
        print_json(&summary)
    } else {
        print_summary(&summary);
        if summary.errors > 0 {
            return Err(CliError::user(format!("{} message(s) could not be read; see above", summary.errors)));
        }
        Ok(())
    }
}

/// Messages per transaction, at most.
const BATCH: usize = 64;
/// Bytes per batch, at most (a larger message goes alone): with the next batch read
/// ahead, memory stays near twice this however large the mail is.
const BATCH_BYTES: u64 = 64_000_000;

/// Consecutive runs of entries, each at most `BATCH` long and `BATCH_BYTES` large.
fn batches<'a>(entries: &'a [files::Entry], max_message: u64) -> Vec<&'a [files::Entry]> {
    let mut out = Vec::new();
    let (mut start, mut bytes) = (0usize, 0u64);
    for (i, e) in entries.iter().enumerate() {
        // A too-large message is read as its headers only.
        let size = e.size().min(max_message);
        if i > start && (i - start >= BATCH || bytes + size > BATCH_BYTES) {
            out.push(&entries[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < entries.len() {
        out.push(&entries[start..]);
    }
    out
}

pub async fn ingest_entries(
    app: &App,
    entries: &[files::Entry],
    mailbox: &str,
    verbose: bool,
    progress: bool,
) -> Result<Summary, CliError> {
    let bar = if progress && entries.len() >= 50 && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(entries.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos}/{len} messages [{bar:30}] {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Some(bar)
    } else {
        None
    };
    let mut summary = Summary::default();
    // Messages go in batches of one transaction each (a failing batch is retried one by
    // one); the next batch is read and prepared on another thread meanwhile.
    let load = |chunk: &[files::Entry], summary: &mut Summary| {
        let mut raws = Vec::with_capacity(chunk.len());
        for entry in chunk {
            match entry.load(app.config.intake.max_message_size.0) {
                Ok(r) => raws.push(r),
                Err(e) => {
                    eprintln!("cannot read {}: {e}", entry.origin());
                    summary.errors += 1;
                }
            }
        }
        pipeline::prepare_batch(app, raws)
    };
    let chunks = batches(entries, app.config.intake.max_message_size.0);
    let mut next = chunks.first().map(|c| load(c, &mut summary));
    for (i, chunk) in chunks.iter().enumerate() {
        let Some(handle) = next.take() else { break };
        let prepared = handle.await.map_err(|e| CliError::user(format!("preparing messages failed: {e}")))?;
        next = chunks.get(i + 1).map(|c| load(c, &mut summary));
        let origins: Vec<String> = prepared.iter().map(|p| p.origin().to_string()).collect();
        for (origin, outcome) in origins.iter().zip(pipeline::ingest_prepared_batch(app, prepared, mailbox).await) {
            let outcome = outcome?;
            if verbose {
                let line = match &outcome {
                    Ingested::Duplicate(_) => format!("{origin}: duplicate"),
                    Ingested::Quarantined { reason, .. } => format!("{origin}: quarantined ({reason})"),
                    Ingested::Stored { kind, ticket, draft, .. } => {
                        format!("{origin}: {kind} → ticket #{ticket}, {draft:?}")
                    }
                };
                match &bar {
                    Some(b) => b.println(line),
                    None => println!("{line}"),
                }
            }
            summary.add(&outcome);
        }
        if let Some(b) = &bar {
            b.inc(chunk.len() as u64);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(summary)
}

pub fn print_summary(s: &Summary) {
    println!(
        "ingested {}, duplicates {}, quarantined {}; tickets new {}, updated {}; drafts new {}, updated {}",
        s.ingested, s.duplicates, s.quarantined, s.tickets_new, s.tickets_updated, s.drafts_created, s.drafts_updated
    );
}
