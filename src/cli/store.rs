//! `attune store copy --from URL --to URL`: move a whole install between databases (SQLite
//! to PostgreSQL and back). `attune store hash`: rows and a content hash per table, to
//! compare two databases by hand.

use super::{Cli, CliError, CliResult, print_json};
use crate::store::{Store, TableReport, redacted_url};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Copy every table into a new, empty database; checked by counts and content hashes.
    /// Stop the instances that write to the source first.
    Copy {
        /// The database to copy, like sqlite:data/attune.db or postgres://user@host/attune.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The database to fill: created (SQLite) or migrated (PostgreSQL), and refused if
        /// any table in it has a row.
        #[arg(long, value_name = "URL")]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Rows and content hash of every table (default: the configured database).
    Hash {
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: &Cli, cmd: &Cmd) -> CliResult {
    match cmd {
        Cmd::Copy { from, to, json } => {
            if same_database(from, to) {
                return Err(CliError::user("--from and --to name the same database"));
            }
            let source = open_existing(from).await?;
            let target = Store::connect(to, 4).await.map_err(|e| CliError::user(format!("--to {to}: {e}")))?;
            let quiet = *json;
            let report = source
                .copy_into(&target, |t| {
                    if !quiet {
                        println!("  {:<18} {:>9} rows  sha256 {}", t.table, t.rows, &t.sha256[..16]);
                    }
                })
                .await
                .map_err(|e| CliError::user(format!("copy failed, nothing was committed to the target: {e}")));
            source.close().await;
            target.close().await;
            let report = report?;
            if *json {
                return print_json(&report);
            }
            let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
            println!(
                "copied {} tables, {rows} rows, from {} to {}; counts and hashes match",
                report.tables.len(),
                redacted_url(from),
                redacted_url(to)
            );
            Ok(())
        }
        Cmd::Hash { url, json } => {
            let url = match url {
                Some(u) => u.clone(),
                None => super::load_config(cli)?.database.url,
            };
            let store = open_existing(&url).await?;
            let tables = store.table_hashes().await;
            store.close().await;
            let tables = tables?;
            if *json {
                return print_json(&tables);
            }
            print_tables(&tables);
            Ok(())
        }
    }
}

fn print_tables(tables: &[TableReport]) {
    for t in tables {
        println!("{:<18} {:>9} rows  sha256 {}", t.table, t.rows, t.sha256);
    }
}

/// A SQLite source must exist: connecting would otherwise create an empty one and copy
/// nothing, successfully.
async fn open_existing(url: &str) -> Result<Store, CliError> {
    if let Some(path) = sqlite_path(url)
        && !std::path::Path::new(&path).exists()
    {
        return Err(CliError::user(format!("there is no database at {path}")));
    }
    Store::connect(url, 2).await.map_err(|e| CliError::user(format!("{}: {e}", redacted_url(url))))
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    Some(path.split('?').next().unwrap_or(path).to_string())
}

fn same_database(a: &str, b: &str) -> bool {
    match (sqlite_path(a), sqlite_path(b)) {
        (Some(x), Some(y)) => {
            let canon = |p: &str| std::fs::canonicalize(p).unwrap_or_else(|_| std::path::PathBuf::from(p));
            canon(&x) == canon(&y)
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_is_the_same_database_however_it_is_spelt() {
        assert!(same_database("sqlite:data/a.db", "sqlite://data/a.db"));
        assert!(!same_database("sqlite:data/a.db", "sqlite:data/b.db"));
        assert!(!same_database("sqlite:data/a.db", "postgres://x@y/a"));
    }
}
