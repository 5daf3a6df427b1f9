//! Approval: an agent approves a draft as it is, approves it with edits, or rejects it.
//! Lateness is judged again here, so the agent approves the text that will go out,
//! apology included, and the approving agent's name goes into the sign-off.

use serde_json::json;

use crate::app::App;
use crate::clock::ts;
use crate::domain::{DraftId, DraftStatus, TicketId};
use crate::drafting::{self, Context, Facts};
use crate::empathy::lateness;
use crate::empathy::lint::{self, Finding};
use crate::empathy::names::{self, NameSource};
use crate::store::{Db, DraftRow, StoreError};

/// Who approves: an id for the audit log and the name that signs the reply.
#[derive(Clone, Debug)]
pub struct Approver {
    /// "user:jane@example.com", "cli:root", "token:3".
    pub id: String,
    /// The name in the sign-off; None signs with the team's name.
    pub name: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    #[error("there is no draft {0}")]
    NotFound(DraftId),
    #[error("draft {id} is {status}, not pending: only pending drafts can be approved, edited or rejected")]
    NotPending { id: DraftId, status: DraftStatus },
    #[error("draft {0} was changed by someone else since you opened it; reload it and apply your change again")]
    Conflict(DraftId),
    #[error("the edited text is empty")]
    EmptyEdit,
    #[error(
        "the text has a control character ({code}) at line {line}, column {column}; only tabs and line breaks may be in a reply"
    )]
    ControlCharacter { line: usize, column: usize, code: String },
    #[error("draft {id} fails {} must-check{}: {}; {}", failures.len(), if failures.len() == 1 { "" } else { "s" }, failures.join("; "), if *overridable { "fix the text, or approve it anyway with a reason" } else { "these cannot be overridden: fix the text" })]
    ChecksFailed { id: DraftId, failures: Vec<String>, overridable: bool },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Template(#[from] crate::templates::TemplateError),
}

impl ApprovalError {
    /// A mistake the user can fix (as opposed to the system failing).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, ApprovalError::Store(_) | ApprovalError::Template(_))
    }
}

#[derive(Clone, Debug)]
pub struct Approved {
    pub draft: DraftId,
    pub ticket: TicketId,
    pub body: String,
    pub edited: bool,
    pub late: bool,
    pub findings: Vec<Finding>,
}

async fn load_pending(db: &mut Db, id: DraftId, expected_version: Option<i64>) -> Result<DraftRow, ApprovalError> {
    let draft = db.draft(id).await?.ok_or(ApprovalError::NotFound(id))?;
    if draft.status() != DraftStatus::Pending {
        return Err(ApprovalError::NotPending { id, status: draft.status() });
    }
    if let Some(v) = expected_version
        && v != draft.version
    {
        return Err(ApprovalError::Conflict(id));
    }
    Ok(draft)
}

/// Facts with the latest name correction and the wait judged now.
async fn refreshed_facts(app: &App, db: &mut Db, draft: &DraftRow, now: i64) -> Result<Facts, ApprovalError> {
    let mut facts: Facts = serde_json::from_str(&draft.facts)
        .map_err(|e| StoreError::Invalid(format!("draft {} has unreadable facts: {e}", draft.id)))?;
    if let Some(corrected) = db.contact_name(&draft.to_addr).await?
        && let Some(p) = names::parse_person(&corrected)
    {
        facts.name = Some(p);
        facts.name_source = NameSource::Correction;
    }
    facts.lateness =
        lateness::judge(&app.policy().calendar, app.policy().sla.first_response, ts(facts.arrived_at), ts(now));
    facts.judged_at = now;
    Ok(facts)
}

/// Must-checks no reason can override: a reply must never go to a machine (a bounce, an
/// auto-reply, a list) or to a forged sender. Control characters are refused before any
/// check runs (`refuse_control_characters`).
pub const NEVER_OVERRIDDEN: [&str; 1] = ["gate"];

/// Refuses text with control characters other than tab and newline (a CR of CRLF is
/// fine), naming where the first one is: they have no place in mail a person reads, and
/// a NUL breaks 7bit transport and PostgreSQL alike.
pub fn refuse_control_characters(text: &str) -> Result<(), ApprovalError> {
    let text = text.replace("\r\n", "\n");
    for (i, line) in text.split('\n').enumerate() {
        if let Some((col, c)) = line.chars().enumerate().find(|(_, c)| c.is_control() && *c != '\t') {
            return Err(ApprovalError::ControlCharacter {
                line: i + 1,
                column: col + 1,
                code: format!("U+{:04X}", u32::from(c)),
            });
        }
    }
    Ok(())
}

/// An agent's decision to send a draft that fails must-checks, with their reason.
pub fn override_reason(reason: Option<&str>) -> Option<String> {
    reason.map(crate::text::single_line).filter(|r| !r.is_empty())
}

/// The text that would go out if `approver` approved now (for previews and approval).
pub fn final_text(
    app: &App,
    draft: &DraftRow,
    facts: &Facts,
    edit: Option<&str>,
    signer: Option<&str>,
) -> Result<(String, bool), ApprovalError> {
    let templates = app.templates();
    let token = app.tokens().subject_token(TicketId(draft.ticket_id));
    let ctx = Context { config: &app.config, policy: &app.policy(), facts, ticket_token: &token, agent: signer };
    let edited_text = edit.map(str::to_string).or_else(|| draft.edited.then(|| draft.body.clone()));
    match edited_text {
        None => Ok((drafting::render(&templates, &ctx)?, false)),
        Some(text) => {
            refuse_control_characters(&text)?;
            let text = text.replace("\r\n", "\n").trim().to_string();
            if text.is_empty() {
                return Err(ApprovalError::EmptyEdit);
            }
            let mut body = match signer {
                Some(s) => drafting::apply_signer(&text, s, &app.config.support.name),
                None => text,
            };
            if facts.lateness.late && !lint::apologizes_for_delay(&body, facts.language) {
                let apology = drafting::render_apology(&templates, &ctx)?;
                body = drafting::insert_apology(&body, &apology);
            }
            Ok((body, true))
        }
    }
}

pub async fn approve(
    app: &App,
    id: DraftId,
    edit: Option<&str>,
    approver: &Approver,
    expected_version: Option<i64>,
    override_checks: Option<&str>,
) -> Result<Approved, ApprovalError> {
    let now = app.now();
    let mut db = app.store.tx().await?;
    let draft = load_pending(&mut db, id, expected_version).await?;
    let mut facts = refreshed_facts(app, &mut db, &draft, now).await?;
    facts.signer = approver.name.clone();
    let (body, edited) = final_text(app, &draft, &facts, edit, approver.name.as_deref())?;
    let findings = drafting::lint_body(
        &app.config,
        &facts,
        &body,
        &draft.subject,
        !draft.in_reply_to.is_empty(),
        approver.name.as_deref(),
    );
    let lint_ok = lint::must_pass(&findings);
    let overridden = override_reason(override_checks);
    if !lint_ok {
        let failing: Vec<&Finding> = lint::failures(&findings).into_iter().filter(|f| f.must).collect();
        let overridable = failing.iter().all(|f| !NEVER_OVERRIDDEN.contains(&f.check.as_str()));
        if overridden.is_none() || !overridable {
            db.rollback().await?;
            return Err(ApprovalError::ChecksFailed {
                id,
                failures: failing.iter().map(|f| format!("{}: {}", f.check, f.message)).collect(),
                overridable,
            });
        }
    }
    let ok = db
        .approve_draft(
            id,
            draft.version,
            &body,
            edited,
            &serde_json::to_string(&findings).unwrap_or_default(),
            lint_ok,
            &serde_json::to_string(&facts).unwrap_or_default(),
            now,
            &approver.id,
            approver.name.as_deref(),
            false,
        )
        .await?;
    if !ok {
        db.rollback().await?;
        return Err(ApprovalError::Conflict(id));
    }
    let failures: Vec<String> =
        lint::failures(&findings).iter().map(|f| format!("{}: {}", f.check, f.message)).collect();
    db.audit(
        now,
        &approver.id,
        if edited { "draft.approved_with_edits" } else { "draft.approved" },
        Some(TicketId(draft.ticket_id)),
        Some(id),
        &json!({
            "as_drafted": draft.drafted_body,
            "as_approved": body,
            "edited": edited,
            "late": facts.lateness.late,
            "waited_secs": facts.lateness.waited_secs,
            "lint_failures": failures,
            "signer": approver.name,
        }),
    )
    .await?;
    if !lint_ok && let Some(reason) = &overridden {
        db.audit(
            now,
            &approver.id,
            "draft.checks_overridden",
            Some(TicketId(draft.ticket_id)),
            Some(id),
            &json!({"reason": reason, "lint_failures": failures}),
        )
        .await?;
    }
    db.commit().await?;
    app.outbox_wake();
    Ok(Approved { draft: id, ticket: TicketId(draft.ticket_id), body, edited, late: facts.lateness.late, findings })
}

pub async fn reject(
    app: &App,
    id: DraftId,
    reason: &str,
    approver: &Approver,
    expected_version: Option<i64>,
) -> Result<(), ApprovalError> {
    let now = app.now();
    let mut db = app.store.tx().await?;
    let draft = load_pending(&mut db, id, expected_version).await?;
    let reason = crate::text::single_line(reason);
    let reason = if reason.is_empty() { "no reason given".to_string() } else { reason };
    if !db.reject_draft(id, draft.version, &reason, &approver.id, now).await? {
        db.rollback().await?;
        return Err(ApprovalError::Conflict(id));
    }
    db.audit(
        now,
        &approver.id,
        "draft.rejected",
        Some(TicketId(draft.ticket_id)),
        Some(id),
        &json!({"reason": reason, "as_drafted": draft.drafted_body}),
    )
    .await?;
    db.commit().await?;
    Ok(())
}
