//! Composing a pending draft again when an agent corrects what it was built from: the
//! customer's name, or a situation the reading got wrong. The customer is not read again;
//! the corrected facts are rendered and judged, and the audit keeps the correction (for the
//! report and for tuning the word lists).

use serde_json::json;

use crate::app::App;
use crate::domain::TicketId;
use crate::drafting::{self, Context, Facts};
use crate::empathy::lint;
use crate::empathy::situations::{SituationName, Source};
use crate::store::{Db, DraftRow, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum CorrectionError {
    #[error("there is no pending draft {0}")]
    NoPendingDraft(i64),
    #[error("`{0}` is not a situation (one of: {1})")]
    UnknownSituation(String, String),
    #[error("the draft was edited by an agent: its text is theirs and is not composed again")]
    Edited,
    #[error("the draft's facts could not be read: {0}")]
    Facts(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Template(#[from] crate::templates::TemplateError),
}

/// What an agent does to a situation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Correction {
    Add,
    Remove,
}

pub fn parse_situation(name: &str) -> Result<SituationName, CorrectionError> {
    SituationName::parse(name).ok_or_else(|| {
        CorrectionError::UnknownSituation(
            name.to_string(),
            SituationName::ALL.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
        )
    })
}

/// Renders `facts` as the pending draft's new text, judges it and stores both, with an
/// audit entry saying why. False when someone changed the draft in the meantime.
pub async fn recompose(
    app: &App,
    db: &mut Db,
    ticket: TicketId,
    draft: &DraftRow,
    facts: &Facts,
    reason: &str,
) -> Result<bool, CorrectionError> {
    let templates = app.templates();
    let token = app.tokens().subject_token(ticket);
    let policy = app.policy();
    let body = drafting::render(
        &templates,
        &Context { config: &app.config, policy: &policy, facts, ticket_token: &token, agent: None },
    )?;
    let findings = drafting::lint_body(&app.config, facts, &body, &draft.subject, !draft.in_reply_to.is_empty(), None);
    let now = app.now();
    let saved = db
        .refresh_draft(
            draft.id(),
            draft.version,
            &body,
            &serde_json::to_string(facts).unwrap_or_default(),
            &serde_json::to_string(&findings).unwrap_or_default(),
            lint::must_pass(&findings),
            now,
        )
        .await?;
    if saved {
        db.audit(
            now,
            "attune",
            "draft.updated",
            Some(ticket),
            Some(draft.id()),
            &json!({"reason": reason, "as_drafted": body}),
        )
        .await?;
    }
    Ok(saved)
}

/// An agent adds or removes a situation on a ticket's pending draft: the draft is composed
/// again and the correction is recorded with the evidence the reading had.
pub async fn correct_situation(
    app: &App,
    ticket: TicketId,
    name: SituationName,
    correction: Correction,
    actor: &str,
) -> Result<Facts, CorrectionError> {
    let mut db = app.store.tx().await?;
    let draft = db.pending_draft_of_ticket(ticket).await?.ok_or(CorrectionError::NoPendingDraft(ticket.0))?;
    if draft.edited {
        return Err(CorrectionError::Edited);
    }
    let mut facts: Facts = serde_json::from_str(&draft.facts).map_err(|e| CorrectionError::Facts(e.to_string()))?;
    let before = facts.situations.found.iter().find(|s| s.name == name).cloned();
    match correction {
        Correction::Add => facts.situations.set(name, vec![format!("set by {actor}")], Source::Agent),
        Correction::Remove => facts.situations.remove(name),
    }
    let now = app.now();
    db.audit(
        now,
        actor,
        "situation.corrected",
        Some(ticket),
        Some(draft.id()),
        &json!({
            "situation": name.as_str(),
            "action": match correction { Correction::Add => "add", Correction::Remove => "remove" },
            "read_before": before.map(|s| json!({"evidence": s.evidence, "confidence": s.confidence})),
            "language": facts.language.code(),
        }),
    )
    .await?;
    let reason = format!(
        "{} {} by {actor}",
        name.label(),
        match correction {
            Correction::Add => "added",
            Correction::Remove => "removed",
        }
    );
    recompose(app, &mut db, ticket, &draft, &facts, &reason).await?;
    db.commit().await?;
    Ok(facts)
}
