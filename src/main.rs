use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = attune::cli::Cli::parse();
    quiet_on_closed_stdout();
    let filter = EnvFilter::try_from_env("ATTUNE_LOG").unwrap_or_else(|_| EnvFilter::new(cli.default_log_filter()));
    if cli.json_logs() {
        // One JSON object per line, with the span the event happened in (mailbox, UID,
        // message key; draft and attempt for a send).
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    // One thread is enough for the CLI's commands (and avoids waking other cores for every
    // database round trip); the daemon runs its loops on the multi-threaded runtime.
    let builder = if cli.needs_many_threads() {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let mut builder = builder;
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("attune: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(attune::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attune: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// `attune drafts list | head`: when the reader closes our stdout, the command ends
/// quietly with status 0, as Unix tools do, instead of a broken-pipe panic. Any other
/// panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
