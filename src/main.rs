use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = attune::cli::Cli::parse();
    let filter = EnvFilter::try_from_env("ATTUNE_LOG").unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
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
