//! `attune run`: intake for every mailbox, the outbox, (and the web server) together,
//! until SIGTERM or Ctrl-C. Every loop listens to one cancellation token; each finishes
//! what it has in hand (a batch of mail, a reply being sent), logs out, and returns.

use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::intake::imap;
use crate::outbox::{self, Delivery, SendOutcome};

/// Cancels `token` on SIGTERM or Ctrl-C.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    token.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
                _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
        token.cancel();
    });
}

/// Sends due replies until told to stop; wakes on approvals and every poll interval.
pub async fn outbox_loop(app: App, delivery: Delivery, shutdown: CancellationToken) {
    let worker = app.instance.to_string();
    let poll = Duration::from_secs(app.config.outbox.poll_interval.calendar_secs().max(1) as u64);
    tracing::info!(delivery = %delivery.describe(), "outbox running");
    while !shutdown.is_cancelled() {
        // One draft at a time, so a shutdown waits for at most the reply in hand.
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            match outbox::try_send_one(&app, &delivery, &worker).await {
                Ok(None) => break,
                Ok(Some(SendOutcome::Sent { draft, message_id, .. })) => {
                    tracing::info!(%draft, %message_id, "reply sent")
                }
                Ok(Some(SendOutcome::Retrying { draft, error, .. })) => {
                    tracing::warn!(%draft, %error, "send failed; will retry")
                }
                Ok(Some(SendOutcome::Failed { draft, error })) => {
                    tracing::error!(%draft, %error, "send failed for good")
                }
                Ok(Some(SendOutcome::Lost(_))) => {}
                Err(e) => {
                    tracing::error!(error = %e, "outbox error");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = app.outbox_woken() => {}
            _ = shutdown.cancelled() => {}
        }
    }
    tracing::info!("outbox stopped");
}

async fn heartbeat(app: &App) {
    let beat = async {
        let mut db = app.store.tx().await?;
        db.heartbeat(&app.instance, app.now()).await?;
        db.commit().await
    };
    if let Err(e) = beat.await {
        tracing::warn!(error = %e, "cannot record this instance's heartbeat");
    }
}

/// Says this instance is alive every `HEARTBEAT`; on shutdown, says it is gone (and
/// forgets instances not heard from for a day).
async fn keep_heartbeat(app: App, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(imap::HEARTBEAT) => heartbeat(&app).await,
            _ = shutdown.cancelled() => break,
        }
    }
    let gone = async {
        let mut db = app.store.tx().await?;
        db.forget_instance(&app.instance, app.now() - 86_400).await?;
        db.commit().await
    };
    if let Err(e) = gone.await {
        tracing::warn!(error = %e, "cannot record that this instance stops");
    }
}

/// Picks up templates and the SLA policy that an admin changed on another instance.
async fn follow_admin_changes(app: App, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(ADMIN_CHANGES_POLL) => {}
            _ = shutdown.cancelled() => return,
        }
        match app.reload_if_changed().await {
            Ok(true) => tracing::info!("templates or policy changed; reloaded"),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot check for template and policy changes"),
        }
    }
}

/// How soon an admin's change on one instance reaches the others.
const ADMIN_CHANGES_POLL: Duration = Duration::from_secs(10);

/// Binds the web server's address (before anything starts, so a taken port is a clear
/// error rather than a silent half-start).
pub async fn bind_web(app: &App) -> Result<Option<tokio::net::TcpListener>, String> {
    let listen = app.config.web.listen.trim();
    if listen.is_empty() {
        return Ok(None);
    }
    tokio::net::TcpListener::bind(listen)
        .await
        .map(Some)
        .map_err(|e| format!("cannot listen on {listen} (web.listen): {e}"))
}

/// Runs everything until `shutdown` fires, then waits for every loop to finish. Err when
/// a loop died (a panic that escaped its guard): everything is stopped and the caller
/// exits non-zero, so systemd restarts the daemon rather than leave a mailbox unread.
pub async fn run(
    app: App,
    delivery: Delivery,
    web: Option<tokio::net::TcpListener>,
    shutdown: CancellationToken,
) -> Result<(), String> {
    let mut tasks = JoinSet::new();
    if let Some(listener) = web {
        let (app, shutdown) = (app.clone(), shutdown.clone());
        tasks.spawn(async move {
            if let Err(e) = crate::web::serve(app, listener, shutdown.clone()).await {
                tracing::error!(error = %e, "the web server stopped");
                shutdown.cancel();
            }
        });
    }
    // Heard from before the mailboxes start, so the others count this instance in when
    // they share out the mailboxes.
    heartbeat(&app).await;
    tasks.spawn(keep_heartbeat(app.clone(), shutdown.clone()));
    for m in app.config.mailboxes.iter().cloned() {
        tasks.spawn(imap::run_mailbox(app.clone(), m, shutdown.clone()));
    }
    tasks.spawn(outbox_loop(app.clone(), delivery, shutdown.clone()));
    tasks.spawn(follow_admin_changes(app.clone(), shutdown.clone()));
    if app.config.mailboxes.is_empty() {
        tracing::info!("no [[mailboxes]] configured: only the outbox runs");
    }
    let mut died = None;
    while let Some(r) = tasks.join_next().await {
        if let Err(e) = r {
            tracing::error!(error = %e, "a task ended abnormally; stopping so the service manager restarts attune");
            died.get_or_insert_with(|| e.to_string());
            shutdown.cancel();
        }
    }
    match died {
        Some(e) => Err(format!("a loop of the daemon died: {e}")),
        None => Ok(()),
    }
}
