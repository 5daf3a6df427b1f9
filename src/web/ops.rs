//! Operations: /healthz for load balancers, /metrics in Prometheus's text format. The
//! figures come from the database, so every instance reports the same numbers.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

use super::Web;

pub async fn healthz(State(web): State<Web>) -> Response {
    match web.app.store.db().await {
        Ok(mut db) => match db.meta_get("health").await {
            Ok(_) => (StatusCode::OK, "ok\n").into_response(),
            Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
        },
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

pub async fn metrics(State(web): State<Web>) -> Response {
    let render = async {
        let mut db = web.app.store.db().await?;
        let kinds = db.messages_by_kind().await?;
        let counts = db.counts().await?;
        let actions = db.audit_actions().await?;
        let oldest = db.oldest_pending_arrival().await?;
        let states = db.mailbox_states().await?;
        let needing = db.count_needing_person().await?;
        Ok::<_, crate::store::StoreError>((kinds, counts, actions, oldest, states, needing))
    };
    let (kinds, counts, actions, oldest, states, needing) = match render.await {
        Ok(v) => v,
        Err(e) => return (StatusCode::SERVICE_UNAVAILABLE, format!("database: {e}\n")).into_response(),
    };
    let now = web.app.now();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP attune_messages_ingested_total Messages stored, by kind.\n# TYPE attune_messages_ingested_total counter"
    );
    for k in &kinds {
        let _ = writeln!(out, "attune_messages_ingested_total{{kind=\"{}\"}} {}", esc(&k.kind), k.n);
    }
    let _ = writeln!(
        out,
        "# HELP attune_tickets_needing_person Escalating follow-ups no one has answered yet.\n# TYPE attune_tickets_needing_person gauge\nattune_tickets_needing_person {needing}"
    );
    let _ = writeln!(
        out,
        "# HELP attune_internal_errors_total Messages whose parse, read or draft hit a bug in attune (kept, quarantined or flagged; this process).\n# TYPE attune_internal_errors_total counter\nattune_internal_errors_total {}",
        crate::pipeline::INTERNAL_ERRORS.load(std::sync::atomic::Ordering::Relaxed)
    );
    let _ = writeln!(out, "# HELP attune_drafts Drafts by status.\n# TYPE attune_drafts gauge");
    for (status, n) in [
        ("pending", counts.drafts_pending),
        ("approved", counts.drafts_approved),
        ("sending", counts.drafts_sending),
        ("sent", counts.drafts_sent),
        ("failed", counts.drafts_failed),
        ("rejected", counts.drafts_rejected),
    ] {
        let _ = writeln!(out, "attune_drafts{{status=\"{status}\"}} {n}");
    }
    let count = |a: &str| actions.iter().filter(|x| x.kind == a).map(|x| x.n).sum::<i64>();
    for (name, help, n) in [
        ("attune_drafts_created_total", "Acknowledgments drafted.", count("draft.created")),
        (
            "attune_approvals_total",
            "Drafts approved (with or without edits).",
            count("draft.approved") + count("draft.approved_with_edits"),
        ),
        ("attune_rejections_total", "Drafts rejected.", count("draft.rejected")),
        ("attune_sends_total", "Replies sent.", count("reply.sent")),
        ("attune_send_failures_total", "Replies that failed for good.", count("reply.failed")),
        ("attune_send_retries_total", "Sends that will be retried.", count("reply.retry")),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP attune_oldest_pending_draft_age_seconds How long the customer behind the oldest pending draft has waited.\n# TYPE attune_oldest_pending_draft_age_seconds gauge\nattune_oldest_pending_draft_age_seconds {}",
        oldest.map(|o| (now - o).max(0)).unwrap_or(0)
    );
    let _ = writeln!(
        out,
        "# HELP attune_mailbox_last_sync_timestamp_seconds When each mailbox folder last synced.\n# TYPE attune_mailbox_last_sync_timestamp_seconds gauge"
    );
    for s in &states {
        if let Some(at) = s.last_sync_at {
            let _ = writeln!(
                out,
                "attune_mailbox_last_sync_timestamp_seconds{{mailbox=\"{}\",folder=\"{}\"}} {at}",
                esc(&s.mailbox),
                esc(&s.folder)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP attune_mailbox_error Whether the folder's last sync attempt failed or stalled (1) since its last good sync (0).\n# TYPE attune_mailbox_error gauge"
    );
    for s in &states {
        let failing = s.last_error_at.is_some_and(|e| s.last_sync_at.is_none_or(|ok| e > ok));
        let _ = writeln!(
            out,
            "attune_mailbox_error{{mailbox=\"{}\",folder=\"{}\"}} {}",
            esc(&s.mailbox),
            esc(&s.folder),
            u8::from(failing)
        );
    }
    let _ = writeln!(
        out,
        "# HELP attune_mailbox_backlog Messages seen but not yet stored.\n# TYPE attune_mailbox_backlog gauge"
    );
    for s in &states {
        let _ = writeln!(
            out,
            "attune_mailbox_backlog{{mailbox=\"{}\",folder=\"{}\"}} {}",
            esc(&s.mailbox),
            esc(&s.folder),
            s.backlog
        );
    }
    let _ = writeln!(
        out,
        "# HELP attune_tickets Tickets (not merged).\n# TYPE attune_tickets gauge\nattune_tickets {}",
        counts.tickets
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
