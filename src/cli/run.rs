//! `attune run`: the daemon.

use tokio_util::sync::CancellationToken;

use super::{CliError, CliResult};
use crate::app::App;
use crate::daemon;
use crate::outbox::Delivery;

#[derive(clap::Args, Debug)]
pub struct Args {}

pub async fn run(app: &App, _args: &Args) -> CliResult {
    let delivery = Delivery::from_config(app).map_err(CliError::usage)?;
    let web = daemon::bind_web(app).await.map_err(CliError::user)?;
    let shutdown = CancellationToken::new();
    daemon::cancel_on_signals(shutdown.clone());
    tracing::info!(mailboxes = app.config.mailboxes.len(), delivery = %delivery.describe(), web = %app.config.web.listen, "attune running");
    let ended = daemon::run(app.clone(), delivery, web, shutdown).await;
    tracing::info!("attune stopped");
    ended.map_err(CliError::user)
}
