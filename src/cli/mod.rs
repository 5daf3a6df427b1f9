//! The command line: one file per command. Exit codes: 0 success, 1 a failure (the message
//! says what), 2 bad usage or configuration (a flag, a config key, a database schema older
//! than this attune: run `attune migrate`).

mod bench;
mod check_config;
mod demo;
mod drafts;
mod ingest;
mod messages;
mod outbox;
mod run;
mod status;
mod store;
mod sync;
mod templates;
mod tickets;
mod user;

use std::fmt;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "attune",
    version,
    about = "A support-mail bot: threads mail into tickets, drafts empathetic acknowledgments, holds them for approval, sends them so they thread."
)]
pub struct Cli {
    /// Config file (TOML). Default: $ATTUNE_CONFIG, else the embedded defaults.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Log lines (on stderr) as text, or as one JSON object per line. Levels from
    /// ATTUNE_LOG (e.g. `info`, `attune=debug`); default warn, info for `run`.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the whole pipeline on sample mail that ships with attune, into ./data.
    Demo(demo::Args),
    /// Run the daemon: IMAP intake, the outbox and the web server, until SIGTERM or Ctrl-C.
    Run(run::Args),
    /// One pass over every configured mailbox, then exit.
    Sync(sync::Args),
    /// Running instances, mailboxes (last sync, backlog, last error, which instance syncs each) and the outbox.
    Status(status::Args),
    /// Ingest a Maildir, an mbox file, .eml files or a folder of them.
    Ingest(ingest::Args),
    /// Tickets: list, show.
    #[command(subcommand)]
    Tickets(tickets::Cmd),
    /// Messages: list.
    #[command(subcommand)]
    Messages(messages::Cmd),
    /// Drafts: list, show, approve, reject.
    #[command(subcommand)]
    Drafts(drafts::Cmd),
    /// The outbox: send approved replies.
    #[command(subcommand)]
    Outbox(outbox::Cmd),
    /// Reply templates: list, show, check.
    #[command(subcommand)]
    Templates(templates::Cmd),
    /// Users of the web UI and API: add, list, disable, enable, password.
    #[command(subcommand)]
    User(user::Cmd),
    /// API tokens.
    #[command(subcommand)]
    Token(user::TokenCmd),
    /// Create or update the database schema.
    Migrate,
    /// The database: copy a whole install to another one (SQLite ⇄ PostgreSQL), hash tables.
    #[command(subcommand)]
    Store(store::Cmd),
    /// Check the configuration and say what is wrong, key by key.
    CheckConfig(check_config::Args),
    /// Benchmark helpers (generate a Maildir of sample mail).
    #[command(subcommand, hide = true)]
    Bench(bench::Cmd),
}

impl Cli {
    /// Long-running commands with several loops want the multi-threaded runtime.
    pub fn needs_many_threads(&self) -> bool {
        matches!(self.command, Command::Run(_)) || matches!(&self.command, Command::Demo(a) if a.serve)
    }

    /// `run` logs what it does by default; other commands only warnings.
    pub fn default_log_filter(&self) -> &'static str {
        if matches!(self.command, Command::Run(_)) { "info" } else { "warn" }
    }

    pub fn json_logs(&self) -> bool {
        self.log_format == LogFormat::Json
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// An error with the exit code it deserves.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn user(message: impl Into<String>) -> CliError {
        CliError { code: 1, message: message.into() }
    }

    /// Bad usage or configuration: exit code 2.
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError { code: 2, message: message.into() }
    }
}

impl From<crate::config::ConfigError> for CliError {
    fn from(e: crate::config::ConfigError) -> CliError {
        CliError::usage(e.to_string())
    }
}

impl From<crate::app::BuildError> for CliError {
    fn from(e: crate::app::BuildError) -> CliError {
        match e {
            crate::app::BuildError::SchemaBehind { .. } => CliError::usage(e.to_string()),
            other => CliError::user(other.to_string()),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

macro_rules! user_error_from {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> CliError { CliError::user(e.to_string()) }
        }
    )*};
}
user_error_from!(
    crate::store::StoreError,
    crate::pipeline::PipelineError,
    crate::recompose::CorrectionError,
    crate::approval::ApprovalError,
    crate::outbox::OutboxError,
    crate::templates::TemplateError,
    crate::intake::files::IntakeError,
    std::io::Error,
    serde_json::Error
);

pub type CliResult = Result<(), CliError>;

pub fn load_config(cli: &Cli) -> Result<Config, CliError> {
    Ok(Config::load(cli.config.as_deref())?)
}

/// The app on a database whose schema is current (an empty database gets its schema);
/// refused with exit code 2 when the schema is older than this attune.
pub async fn build_app(config: Config) -> Result<App, CliError> {
    let clock = Clock::from_env().map_err(CliError::usage)?;
    Ok(App::build(config, clock).await?)
}

/// The app after bringing the schema up to date: `attune migrate` and `attune run`.
pub async fn build_app_migrating(config: Config) -> Result<App, CliError> {
    let clock = Clock::from_env().map_err(CliError::usage)?;
    Ok(App::build_migrating(config, clock).await?)
}

pub async fn run(cli: Cli) -> CliResult {
    match &cli.command {
        Command::CheckConfig(args) => check_config::run(&cli, args).await,
        Command::Demo(args) => demo::run(&cli, args).await,
        Command::Bench(cmd) => bench::run(&cli, cmd).await,
        Command::Store(cmd) => store::run(&cli, cmd).await,
        command => {
            let config = load_config(&cli)?;
            let app = if matches!(command, Command::Migrate | Command::Run(_)) {
                if matches!(command, Command::Run(_)) {
                    tracing::info!("bringing the database schema up to date before starting");
                }
                build_app_migrating(config).await?
            } else {
                build_app(config).await?
            };
            let result = match command {
                Command::Ingest(args) => ingest::run(&app, args).await,
                Command::Run(args) => run::run(&app, args).await,
                Command::Sync(args) => sync::run(&app, args).await,
                Command::Status(args) => status::run(&app, args).await,
                Command::Tickets(cmd) => tickets::run(&app, cmd).await,
                Command::Messages(cmd) => messages::run(&app, cmd).await,
                Command::Drafts(cmd) => drafts::run(&app, cmd).await,
                Command::Outbox(cmd) => outbox::run(&app, cmd).await,
                Command::Templates(cmd) => templates::run(&app, cmd).await,
                Command::User(cmd) => user::run(&app, cmd).await,
                Command::Token(cmd) => user::run_token(&app, cmd).await,
                Command::Migrate => {
                    println!("database is up to date ({})", app.store.backend());
                    Ok(())
                }
                Command::CheckConfig(_) | Command::Demo(_) | Command::Bench(_) | Command::Store(_) => {
                    unreachable!("handled above")
                }
            };
            app.store.close().await;
            result
        }
    }
}

/// Prints JSON to stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> CliResult {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Cuts a string to `n` characters for table output.
pub fn cut(s: &str, n: usize) -> String {
    let s = crate::text::single_line(s);
    if s.chars().count() <= n { s } else { format!("{}…", s.chars().take(n.saturating_sub(1)).collect::<String>()) }
}

/// "3h 20m", "2d 4h": a wait for people.
pub fn human_duration(secs: i64) -> String {
    let secs = secs.max(0);
    let (d, h, m) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if d > 0 {
        format!("{d}d {h}h")
    } else if h > 0 {
        format!("{h}h {m}m")
    } else {
        format!("{m}m")
    }
}
