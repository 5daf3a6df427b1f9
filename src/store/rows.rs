//! Row types shared by both backends, and the inputs of inserts.

use crate::domain::{DraftId, DraftStatus, Kind, MessageKey, TicketId, TicketStatus};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub mailbox: String,
    pub subject: String,
    pub customer_email: String,
    pub customer_name: Option<String>,
    pub status: String,
    pub merged_into: Option<i64>,
    pub linked_to: Option<i64>,
    pub assignee: Option<String>,
    pub flags: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub last_outbound_at: Option<i64>,
    /// Why a person must look (an escalating follow-up we did not acknowledge), until the
    /// team writes to the customer after `needs_person_at`.
    #[sqlx(default)]
    pub needs_person: Option<String>,
    #[sqlx(default)]
    pub needs_person_at: Option<i64>,
}

impl TicketRow {
    /// Flagged for a person and nobody on the team has written since.
    pub fn needs_a_person(&self) -> Option<&str> {
        let at = self.needs_person_at?;
        let answered = self.last_outbound_at.is_some_and(|o| o >= at);
        (!answered && self.status == "open").then_some(self.needs_person.as_deref()).flatten()
    }
    pub fn id(&self) -> TicketId {
        TicketId(self.id)
    }
    pub fn status(&self) -> TicketStatus {
        TicketStatus::parse(&self.status).unwrap_or(TicketStatus::Open)
    }
    pub fn flags(&self) -> Vec<String> {
        serde_json::from_str(&self.flags).unwrap_or_default()
    }
}

/// A ticket with the counts a list shows.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketListRow {
    pub id: i64,
    pub mailbox: String,
    pub subject: String,
    pub customer_email: String,
    pub customer_name: Option<String>,
    pub status: String,
    pub merged_into: Option<i64>,
    pub linked_to: Option<i64>,
    pub assignee: Option<String>,
    pub flags: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub message_count: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub ticket_id: Option<i64>,
    pub dedupe_key: String,
    pub message_id: Option<String>,
    pub direction: String,
    pub kind: String,
    pub mailbox: String,
    pub origin: String,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub to_addrs: String,
    pub cc_addrs: String,
    pub subject: String,
    pub in_reply_to: Option<String>,
    pub refs: String,
    pub received_at: i64,
    pub ingested_at: i64,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments: String,
    pub flags: String,
    pub reasons: String,
    pub quarantine_reason: Option<String>,
}

impl MessageRow {
    pub fn key(&self) -> MessageKey {
        MessageKey(self.id)
    }
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::Malformed)
    }
    pub fn flags(&self) -> Vec<String> {
        serde_json::from_str(&self.flags).unwrap_or_default()
    }
    pub fn reasons(&self) -> Vec<String> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }
    pub fn refs(&self) -> Vec<String> {
        serde_json::from_str(&self.refs).unwrap_or_default()
    }
    pub fn cc(&self) -> Vec<String> {
        serde_json::from_str(&self.cc_addrs).unwrap_or_default()
    }
    pub fn to(&self) -> Vec<String> {
        serde_json::from_str(&self.to_addrs).unwrap_or_default()
    }
}

/// A message to store. The raw bytes are borrowed: a 20 MB mail is not copied to be stored.
#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    pub dedupe_key: String,
    pub message_id: Option<String>,
    pub direction: &'static str,
    pub kind: Kind,
    pub mailbox: String,
    pub origin: String,
    pub from_addr: Option<String>,
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub to_addrs: Vec<String>,
    pub cc_addrs: Vec<String>,
    pub subject: String,
    pub in_reply_to: Option<String>,
    pub refs: Vec<String>,
    pub received_at: i64,
    pub ingested_at: i64,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attachments_json: String,
    pub flags: Vec<String>,
    pub reasons: Vec<String>,
    pub quarantine_reason: Option<String>,
    pub raw: &'a [u8],
}

#[derive(Clone, Debug)]
pub struct NewTicket {
    pub mailbox: String,
    pub subject: String,
    pub customer_email: String,
    pub customer_name: Option<String>,
    pub linked_to: Option<TicketId>,
    pub flags: Vec<String>,
    pub at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DraftRow {
    pub id: i64,
    pub ticket_id: i64,
    pub reply_to_message: i64,
    pub purpose: String,
    pub template_key: String,
    pub language: String,
    pub register: String,
    pub status: String,
    pub to_addr: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub in_reply_to: String,
    pub refs: String,
    pub body: String,
    pub drafted_body: String,
    pub edited: bool,
    pub facts: String,
    pub lint: String,
    pub lint_ok: bool,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub trigger_received_at: i64,
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approver_name: Option<String>,
    pub automatic: bool,
    pub rejected_reason: Option<String>,
    pub outgoing_message_id: Option<String>,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub sent_body: Option<String>,
    pub bounced_at: Option<i64>,
    pub bounce_reason: Option<String>,
}

impl DraftRow {
    pub fn id(&self) -> DraftId {
        DraftId(self.id)
    }
    pub fn status(&self) -> DraftStatus {
        DraftStatus::parse(&self.status).unwrap_or(DraftStatus::Failed)
    }
    pub fn refs(&self) -> Vec<String> {
        serde_json::from_str(&self.refs).unwrap_or_default()
    }
}

/// A draft as drafting produces it (insert, or update of a pending one).
#[derive(Clone, Debug)]
pub struct NewDraft {
    pub ticket_id: TicketId,
    pub reply_to_message: MessageKey,
    pub purpose: String,
    pub template_key: String,
    pub language: String,
    pub register: String,
    pub to_addr: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub in_reply_to: String,
    pub refs: Vec<String>,
    pub body: String,
    pub facts_json: String,
    pub lint_json: String,
    pub lint_ok: bool,
    pub trigger_received_at: i64,
    pub at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub ticket_id: Option<i64>,
    pub draft_id: Option<i64>,
    pub detail: String,
}

/// What `attune status` and the summary count.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counts {
    pub tickets: i64,
    pub messages: i64,
    pub quarantined: i64,
    pub drafts_pending: i64,
    pub drafts_approved: i64,
    pub drafts_sending: i64,
    pub drafts_sent: i64,
    pub drafts_failed: i64,
    pub drafts_rejected: i64,
}

/// A running `attune run`, as its heartbeats say.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct InstanceRow {
    pub name: String,
    pub started_at: i64,
    pub seen_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct MailboxStateRow {
    pub mailbox: String,
    pub folder: String,
    pub uidvalidity: Option<i64>,
    pub last_uid: i64,
    pub last_sync_at: Option<i64>,
    pub backlog: i64,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_seen_at: i64,
}

/// One of a customer's other tickets, for the panel beside a ticket.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CustomerTicketRow {
    pub id: i64,
    pub subject: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_outbound_at: Option<i64>,
    /// Their newest mail on it.
    pub last_inbound_at: Option<i64>,
}

impl CustomerTicketRow {
    /// They wrote after our last reply (or we never replied).
    pub fn unanswered(&self) -> bool {
        self.last_inbound_at.is_some_and(|i| self.last_outbound_at.is_none_or(|o| o < i))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ContactNoteRow {
    pub email: String,
    pub body: String,
    pub updated_by: String,
    pub updated_at: i64,
}

/// One key's sign-in attempts (see migrations/*/0006_login_throttle.sql).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct ThrottleRow {
    pub attempts: i64,
    pub last_at: i64,
    pub next_at: i64,
    pub version: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TemplateVersionRow {
    pub id: i64,
    pub key: String,
    pub source: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub note: String,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NoteRow {
    pub id: i64,
    pub ticket_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: i64,
}

/// One row of the approval queue: a pending (or other-state) draft with its ticket.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct QueueRow {
    pub draft_id: i64,
    pub ticket_id: i64,
    pub status: String,
    pub language: String,
    pub register: String,
    pub subject: String,
    pub to_addr: String,
    pub to_name: Option<String>,
    pub lint_ok: bool,
    pub lint: String,
    pub facts: String,
    pub trigger_received_at: i64,
    pub mailbox: String,
    pub customer_name: Option<String>,
    pub assignee: Option<String>,
    pub last_error: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct QueueFilter {
    pub status: String,
    pub language: Option<String>,
    pub mailbox: Option<String>,
}
