//! The JSON shapes the CLI's `--json` and the API print, documented in the README.
//! Ids are integers, times RFC 3339, Message-IDs without angle brackets.

use serde::Serialize;

use crate::clock::rfc3339;
use crate::drafting::Facts;
use crate::empathy::lint::Finding;
use crate::store::{DraftRow, MessageRow, TicketListRow, TicketRow};
use crate::threading::Tokens;

#[derive(Clone, Debug, Serialize)]
pub struct TicketView {
    pub id: i64,
    #[serde(rename = "ref")]
    pub reference: String,
    pub subject: String,
    pub customer_email: String,
    pub customer_name: Option<String>,
    pub status: String,
    pub message_count: i64,
    pub mailbox: String,
    pub assignee: Option<String>,
    pub linked_to: Option<i64>,
    pub merged_into: Option<i64>,
    pub flags: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl TicketView {
    pub fn from_list(r: &TicketListRow, tokens: &Tokens<'_>) -> TicketView {
        TicketView {
            id: r.id,
            reference: tokens.reference(crate::domain::TicketId(r.id)),
            subject: r.subject.clone(),
            customer_email: r.customer_email.clone(),
            customer_name: r.customer_name.clone(),
            status: r.status.clone(),
            message_count: r.message_count,
            mailbox: r.mailbox.clone(),
            assignee: r.assignee.clone(),
            linked_to: r.linked_to,
            merged_into: r.merged_into,
            flags: serde_json::from_str(&r.flags).unwrap_or_default(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }

    pub fn from_row(r: &TicketRow, message_count: i64, tokens: &Tokens<'_>) -> TicketView {
        TicketView {
            id: r.id,
            reference: tokens.reference(r.id()),
            subject: r.subject.clone(),
            customer_email: r.customer_email.clone(),
            customer_name: r.customer_name.clone(),
            status: r.status.clone(),
            message_count,
            mailbox: r.mailbox.clone(),
            assignee: r.assignee.clone(),
            linked_to: r.linked_to,
            merged_into: r.merged_into,
            flags: r.flags(),
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub message_id: Option<String>,
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub kind: String,
    pub direction: String,
    pub subject: String,
    pub received_at: String,
    pub flags: Vec<String>,
    pub reasons: Vec<String>,
    pub quarantine_reason: Option<String>,
    pub cc: Vec<String>,
    pub origin: String,
}

impl From<&MessageRow> for MessageView {
    fn from(r: &MessageRow) -> MessageView {
        MessageView {
            id: r.id,
            ticket_id: r.ticket_id,
            message_id: r.message_id.clone(),
            from: r.from_addr.clone(),
            from_name: r.from_name.clone(),
            kind: r.kind.clone(),
            direction: r.direction.clone(),
            subject: r.subject.clone(),
            received_at: rfc3339(r.received_at),
            flags: r.flags(),
            reasons: r.reasons(),
            quarantine_reason: r.quarantine_reason.clone(),
            cc: r.cc(),
            origin: r.origin.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct LintView {
    pub check: String,
    pub result: String,
    pub message: String,
    pub must: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct DraftView {
    pub id: i64,
    pub ticket_id: i64,
    pub in_reply_to: String,
    pub to: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub purpose: String,
    pub template: String,
    pub language: String,
    pub register: String,
    pub late: bool,
    pub waited_secs: i64,
    pub sla_secs: i64,
    pub customer_name: Option<String>,
    pub name_source: Option<String>,
    pub sentiment: Option<String>,
    /// Why the sentiment reads as it does, when the situations decided it.
    pub sentiment_reason: Option<String>,
    /// What the customer is going through: confident ones shape the reply, unsure ones are
    /// shown for the agent to confirm.
    pub situations: Vec<SituationView>,
    pub edited: bool,
    pub drafted_body: String,
    pub lint_ok: bool,
    pub lint: Vec<LintView>,
    pub version: i64,
    pub created_at: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub rejected_reason: Option<String>,
    pub message_id: Option<String>,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub sent_at: Option<String>,
    pub bounced: Option<String>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct SituationView {
    pub name: String,
    pub evidence: Vec<String>,
    pub confidence: f32,
    /// Shapes the reply (confident), or only shown (unsure).
    pub used: bool,
    /// text, store or agent.
    pub source: String,
}

pub fn situation_views(facts: &Facts) -> Vec<SituationView> {
    facts
        .situations
        .found
        .iter()
        .map(|s| SituationView {
            name: s.name.as_str().to_string(),
            evidence: s.evidence.clone(),
            confidence: s.confidence,
            used: s.confidence >= crate::empathy::situations::CONFIDENT,
            source: match s.source {
                crate::empathy::situations::Source::Text => "text",
                crate::empathy::situations::Source::Store => "store",
                crate::empathy::situations::Source::Agent => "agent",
            }
            .to_string(),
        })
        .collect()
}

impl From<&DraftRow> for DraftView {
    fn from(r: &DraftRow) -> DraftView {
        let facts: Option<Facts> = serde_json::from_str(&r.facts).ok();
        let lint: Vec<Finding> = serde_json::from_str(&r.lint).unwrap_or_default();
        DraftView {
            id: r.id,
            ticket_id: r.ticket_id,
            in_reply_to: r.in_reply_to.clone(),
            to: r.to_addr.clone(),
            to_name: r.to_name.clone(),
            subject: r.subject.clone(),
            body: r.sent_body.clone().unwrap_or_else(|| r.body.clone()),
            status: r.status.clone(),
            purpose: r.purpose.clone(),
            template: r.template_key.clone(),
            language: r.language.clone(),
            register: r.register.clone(),
            late: facts.as_ref().is_some_and(|f| f.lateness.late),
            waited_secs: facts.as_ref().map(|f| f.lateness.waited_secs).unwrap_or(0),
            sla_secs: facts.as_ref().map(|f| f.lateness.sla_secs).unwrap_or(0),
            customer_name: facts.as_ref().and_then(|f| f.name.as_ref()).map(|n| n.full()),
            name_source: facts.as_ref().map(|f| f.name_source.as_str().to_string()),
            sentiment: facts.as_ref().map(|f| f.sentiment.as_str().to_string()),
            sentiment_reason: facts.as_ref().and_then(|f| f.sentiment_reason.clone()),
            situations: facts.as_ref().map(situation_views).unwrap_or_default(),
            edited: r.edited,
            drafted_body: r.drafted_body.clone(),
            lint_ok: r.lint_ok,
            lint: lint
                .iter()
                .map(|f| LintView {
                    check: f.check.clone(),
                    result: f.result.as_str().to_string(),
                    message: f.message.clone(),
                    must: f.must,
                })
                .collect(),
            version: r.version,
            created_at: rfc3339(r.created_at),
            approved_at: r.approved_at.map(rfc3339),
            approved_by: r.approved_by.clone(),
            rejected_reason: r.rejected_reason.clone(),
            message_id: r.outgoing_message_id.clone(),
            attempts: r.attempts,
            last_error: r.last_error.clone(),
            sent_at: r.sent_at.map(rfc3339),
            bounced: r.bounce_reason.clone(),
        }
    }
}
