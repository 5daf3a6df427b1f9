//! Every query attune runs. Each is a `&'static str` with `$n` placeholders that both
//! backends accept; the macros run it on whichever connection the `Db` holds.

use super::{Db, Exec, Result, rows::*};
use crate::domain::{DraftId, DraftStatus, MessageKey, TicketId};

macro_rules! execute {
    ($db:expr, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *c).await.map(|r| r.rows_affected()),
            Exec::Postgres(c) => sqlx::query($sql)$(.bind($arg))*.execute(&mut *c).await.map(|r| r.rows_affected()),
        }
    };
}

macro_rules! fetch_all {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
            Exec::Postgres(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
        }
    };
}

macro_rules! fetch_optional {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
            Exec::Postgres(c) => sqlx::query_as::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
        }
    };
}

macro_rules! scalar_optional {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
            Exec::Postgres(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_optional(&mut *c).await,
        }
    };
}

macro_rules! scalar_all {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
            Exec::Postgres(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_all(&mut *c).await,
        }
    };
}

macro_rules! scalar_one {
    ($db:expr, $ty:ty, $sql:expr $(, $arg:expr)* $(,)?) => {
        match $db.exec() {
            Exec::Sqlite(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *c).await,
            Exec::Postgres(c) => sqlx::query_scalar::<_, $ty>($sql)$(.bind($arg))*.fetch_one(&mut *c).await,
        }
    };
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

// ---------------------------------------------------------------- messages

/// One message in, or nothing if its dedupe key is there already (then no id comes back).
macro_rules! insert_message_sql {
    () => {
        "INSERT INTO messages (dedupe_key, message_id, direction, kind, mailbox, origin, from_addr, from_name, reply_to, to_addrs, cc_addrs, subject, in_reply_to, refs, received_at, ingested_at, body_text, body_html, attachments, flags, reasons, quarantine_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id"
    };
}
const INSERT_MESSAGE: &str = insert_message_sql!();
const INSERT_RAW: &str = "INSERT INTO message_raw (message_id, raw) VALUES ($1, $2)";
/// PostgreSQL stores the message and its raw bytes in one statement (one round trip less
/// per message; SQLite has no INSERT inside WITH).
const INSERT_MESSAGE_WITH_RAW_PG: &str = concat!(
    "WITH m AS (",
    insert_message_sql!(),
    "), r AS (INSERT INTO message_raw (message_id, raw) SELECT id, $23 FROM m) SELECT id FROM m"
);
/// In one round trip, what acknowledging a customer's mail needs to know of their history:
/// row kind 0, the acknowledgments to them in the hour and the day before (rate limits);
/// rows of kind 1, when their earlier mails in the window arrived that nobody on the team
/// answered: no reply went out on that mail's ticket after it (sent by attune on an agent's
/// approval, or by the team from its own mail program).
const ACK_HISTORY: &str = "SELECT CAST(0 AS BIGINT) AS kind, COUNT(CASE WHEN trigger_received_at > $2 THEN 1 END) AS a, COUNT(*) AS b FROM drafts WHERE to_addr = $1 AND trigger_received_at > $3 AND trigger_received_at <= $4 \
UNION ALL SELECT kind, a, b FROM (SELECT CAST(1 AS BIGINT) AS kind, m.received_at AS a, CAST(0 AS BIGINT) AS b FROM messages m WHERE m.from_addr = $5 AND m.direction = 'in' AND m.kind = 'human' AND m.received_at >= $6 AND m.received_at < $4 AND m.id <> $7 AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.ticket_id = m.ticket_id AND o.received_at >= m.received_at AND (o.direction = 'out' OR o.kind = 'own')) ORDER BY m.received_at LIMIT 20) earlier";

#[derive(sqlx::FromRow)]
struct HistoryRow {
    kind: i64,
    a: i64,
    b: i64,
}

/// A customer's history as acknowledging their mail sees it.
#[derive(Debug, Default)]
pub struct AckHistory {
    /// Acknowledgments to them in the hour and the day before.
    pub acks_hour: i64,
    pub acks_day: i64,
    /// When their earlier unanswered mails in the window arrived, oldest first.
    pub earlier_unanswered: Vec<i64>,
}
const MESSAGE_BY_DEDUPE: &str = "SELECT id FROM messages WHERE dedupe_key = $1";
const SET_MESSAGE_TICKET: &str = "UPDATE messages SET ticket_id = $1 WHERE id = $2";
const SET_MESSAGE_FLAGS: &str = "UPDATE messages SET flags = $1 WHERE id = $2";
const MESSAGE: &str = "SELECT * FROM messages WHERE id = $1";
const MESSAGE_BY_MESSAGE_ID: &str = "SELECT * FROM messages WHERE message_id = $1 ORDER BY id LIMIT 1";
const MESSAGES_OF_TICKET: &str = "SELECT * FROM messages WHERE ticket_id = $1 ORDER BY received_at, id";
const LIST_MESSAGES: &str = "SELECT * FROM messages WHERE (CAST($1 AS BIGINT) IS NULL OR ticket_id = $1) AND (CAST($2 AS TEXT) IS NULL OR kind = $2) ORDER BY received_at, id LIMIT $3 OFFSET $4";
const RAW: &str = "SELECT raw FROM message_raw WHERE message_id = $1";
const LAST_INBOUND_OF_TICKET: &str = "SELECT * FROM messages WHERE ticket_id = $1 AND direction = 'in' AND kind = 'human' ORDER BY received_at DESC, id DESC LIMIT 1";

impl Db {
    /// Stores a message and its raw bytes; `None` when the same message is already stored.
    pub async fn insert_message(&mut self, m: &NewMessage<'_>) -> Result<Option<MessageKey>> {
        let postgres = matches!(self.exec(), Exec::Postgres(_));
        let id = scalar_optional!(
            self,
            i64,
            if postgres { INSERT_MESSAGE_WITH_RAW_PG } else { INSERT_MESSAGE },
            &m.dedupe_key,
            &m.message_id,
            m.direction,
            m.kind.as_str(),
            &m.mailbox,
            &m.origin,
            &m.from_addr,
            &m.from_name,
            &m.reply_to,
            json(&m.to_addrs),
            json(&m.cc_addrs),
            &m.subject,
            &m.in_reply_to,
            json(&m.refs),
            m.received_at,
            m.ingested_at,
            &m.body_text,
            &m.body_html,
            &m.attachments_json,
            json(&m.flags),
            json(&m.reasons),
            &m.quarantine_reason,
            // $23, used by the PostgreSQL statement only (SQLite leaves an argument its
            // statement does not name unbound, and stores the raw bytes just below).
            m.raw,
        )?;
        let Some(id) = id else { return Ok(None) };
        if !postgres {
            execute!(self, INSERT_RAW, id, m.raw)?;
        }
        Ok(Some(MessageKey(id)))
    }

    pub async fn message_by_dedupe(&mut self, key: &str) -> Result<Option<MessageKey>> {
        Ok(scalar_optional!(self, i64, MESSAGE_BY_DEDUPE, key)?.map(MessageKey))
    }

    pub async fn set_message_ticket(&mut self, message: MessageKey, ticket: TicketId) -> Result<()> {
        execute!(self, SET_MESSAGE_TICKET, ticket.0, message.0)?;
        Ok(())
    }

    pub async fn set_message_flags(&mut self, message: MessageKey, flags: &[String]) -> Result<()> {
        execute!(self, SET_MESSAGE_FLAGS, json(&flags), message.0)?;
        Ok(())
    }

    pub async fn message(&mut self, id: MessageKey) -> Result<Option<MessageRow>> {
        Ok(fetch_optional!(self, MessageRow, MESSAGE, id.0)?)
    }

    pub async fn message_by_message_id(&mut self, message_id: &str) -> Result<Option<MessageRow>> {
        Ok(fetch_optional!(self, MessageRow, MESSAGE_BY_MESSAGE_ID, message_id)?)
    }

    pub async fn messages_of_ticket(&mut self, ticket: TicketId) -> Result<Vec<MessageRow>> {
        Ok(fetch_all!(self, MessageRow, MESSAGES_OF_TICKET, ticket.0)?)
    }

    pub async fn last_human_message(&mut self, ticket: TicketId) -> Result<Option<MessageRow>> {
        Ok(fetch_optional!(self, MessageRow, LAST_INBOUND_OF_TICKET, ticket.0)?)
    }

    pub async fn list_messages(
        &mut self,
        ticket: Option<TicketId>,
        kind: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<MessageRow>> {
        Ok(fetch_all!(self, MessageRow, LIST_MESSAGES, ticket.map(|t| t.0), kind, limit, offset)?)
    }

    pub async fn raw(&mut self, id: MessageKey) -> Result<Option<Vec<u8>>> {
        Ok(scalar_optional!(self, Vec<u8>, RAW, id.0)?)
    }
}

// ---------------------------------------------------------------- threading

const TICKETS_FOR_THREAD_ID: &str = "SELECT ticket_id FROM thread_ids WHERE message_id = $1";
const ADD_THREAD_ID: &str = "INSERT INTO thread_ids (message_id, ticket_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
const MOVE_THREAD_IDS: &str = "INSERT INTO thread_ids (message_id, ticket_id) SELECT message_id, $1 FROM thread_ids WHERE ticket_id = $2 ON CONFLICT DO NOTHING";
const DROP_THREAD_IDS: &str = "DELETE FROM thread_ids WHERE ticket_id = $1";
const MOVE_MESSAGES: &str = "UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2";
const MOVE_PARTICIPANTS: &str = "INSERT INTO participants (ticket_id, email, role) SELECT $1, email, role FROM participants WHERE ticket_id = $2 ON CONFLICT DO NOTHING";
const DROP_PARTICIPANTS: &str = "DELETE FROM participants WHERE ticket_id = $1";
const MOVE_SETTLED_DRAFTS: &str = "UPDATE drafts SET ticket_id = $1 WHERE ticket_id = $2 AND status <> 'pending'";
const MARK_MERGED: &str = "UPDATE tickets SET status = 'merged', merged_into = $1, updated_at = $3 WHERE id = $2";
const REPOINT_MERGED: &str = "UPDATE tickets SET merged_into = $1 WHERE merged_into = $2";
const TICKET_OF_MESSAGE_ID: &str =
    "SELECT ticket_id FROM messages WHERE message_id = $1 AND ticket_id IS NOT NULL ORDER BY id LIMIT 1";

impl Db {
    /// Tickets whose messages have or mention this Message-ID.
    pub async fn tickets_for_thread_id(&mut self, message_id: &str) -> Result<Vec<TicketId>> {
        Ok(scalar_all!(self, i64, TICKETS_FOR_THREAD_ID, message_id)?.into_iter().map(TicketId).collect())
    }

    pub async fn ticket_of_message_id(&mut self, message_id: &str) -> Result<Option<TicketId>> {
        Ok(scalar_optional!(self, Option<i64>, TICKET_OF_MESSAGE_ID, message_id)?.flatten().map(TicketId))
    }

    pub async fn add_thread_id(&mut self, ticket: TicketId, message_id: &str) -> Result<()> {
        execute!(self, ADD_THREAD_ID, message_id, ticket.0)?;
        Ok(())
    }

    /// Folds `absorbed` into `survivor`: messages, thread ids, participants and settled
    /// drafts move; a pending draft moves only if the survivor has none.
    pub async fn merge_tickets(&mut self, survivor: TicketId, absorbed: TicketId, at: i64) -> Result<()> {
        execute!(self, MOVE_MESSAGES, survivor.0, absorbed.0)?;
        execute!(self, MOVE_THREAD_IDS, survivor.0, absorbed.0)?;
        execute!(self, DROP_THREAD_IDS, absorbed.0)?;
        execute!(self, MOVE_PARTICIPANTS, survivor.0, absorbed.0)?;
        execute!(self, DROP_PARTICIPANTS, absorbed.0)?;
        execute!(self, MOVE_SETTLED_DRAFTS, survivor.0, absorbed.0)?;
        if let Some(pending) = self.pending_draft_of_ticket(absorbed).await? {
            if self.pending_draft_of_ticket(survivor).await?.is_none() {
                execute!(self, MOVE_DRAFT, survivor.0, pending.id)?;
            } else {
                execute!(self, REJECT_DRAFT_SYSTEM, format!("ticket merged into #{survivor}"), at, pending.id)?;
                execute!(self, MOVE_DRAFT, survivor.0, pending.id)?;
            }
        }
        execute!(self, MARK_MERGED, survivor.0, absorbed.0, at)?;
        execute!(self, REPOINT_MERGED, survivor.0, absorbed.0)?;
        Ok(())
    }
}

// ---------------------------------------------------------------- tickets

const INSERT_TICKET: &str = "INSERT INTO tickets (mailbox, subject, customer_email, customer_name, status, linked_to, flags, created_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7) RETURNING id";
const TICKET: &str = "SELECT * FROM tickets WHERE id = $1";
const FLAG_NEEDS_PERSON: &str = "UPDATE tickets SET needs_person = $2, needs_person_at = $3 WHERE id = $1";
/// Open tickets flagged for a person that nobody has written to since, oldest flag first.
const NEEDING_PERSON: &str = "SELECT * FROM tickets WHERE needs_person IS NOT NULL AND status = 'open' AND (last_outbound_at IS NULL OR last_outbound_at < needs_person_at) ORDER BY needs_person_at, id LIMIT $1";
const COUNT_NEEDING_PERSON: &str = "SELECT COUNT(*) FROM tickets WHERE needs_person IS NOT NULL AND status = 'open' AND (last_outbound_at IS NULL OR last_outbound_at < needs_person_at)";
const LIST_TICKETS: &str = "SELECT t.id, t.mailbox, t.subject, t.customer_email, t.customer_name, t.status, t.merged_into, t.linked_to, t.assignee, t.flags, t.created_at, t.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.ticket_id = t.id) AS message_count FROM tickets t WHERE (CAST($1 AS TEXT) IS NULL OR t.status = $1) AND t.status <> 'merged' ORDER BY t.id LIMIT $2 OFFSET $3";
const TOUCH_TICKET: &str = "UPDATE tickets SET updated_at = $2 WHERE id = $1";
const REOPEN_TICKET: &str =
    "UPDATE tickets SET status = 'open', resolved_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'resolved'";
const RESOLVE_TICKET: &str =
    "UPDATE tickets SET status = 'resolved', resolved_at = $2, updated_at = $2 WHERE id = $1 AND status = 'open'";
const SET_TICKET_FLAGS: &str = "UPDATE tickets SET flags = $2 WHERE id = $1";
const SET_TICKET_NAME: &str = "UPDATE tickets SET customer_name = $2 WHERE id = $1";
const SET_LAST_OUTBOUND: &str = "UPDATE tickets SET last_outbound_at = $2, updated_at = $2 WHERE id = $1";
const SET_ASSIGNEE: &str = "UPDATE tickets SET assignee = $2, updated_at = $3 WHERE id = $1";
const ADD_PARTICIPANT: &str =
    "INSERT INTO participants (ticket_id, email, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
const IS_PARTICIPANT: &str = "SELECT COUNT(*) FROM participants WHERE ticket_id = $1 AND email = $2";
const PARTICIPANTS: &str = "SELECT email FROM participants WHERE ticket_id = $1 AND role = $2 ORDER BY email";
const TICKETS_LINKED_TO: &str = "SELECT id FROM tickets WHERE linked_to = $1 ORDER BY id";

impl Db {
    pub async fn create_ticket(&mut self, t: &NewTicket) -> Result<TicketId> {
        let id = scalar_one!(
            self,
            i64,
            INSERT_TICKET,
            &t.mailbox,
            &t.subject,
            &t.customer_email,
            &t.customer_name,
            t.linked_to.map(|l| l.0),
            json(&t.flags),
            t.at
        )?;
        Ok(TicketId(id))
    }

    /// Flags a ticket for a person, with the reason.
    pub async fn flag_needs_person(&mut self, id: TicketId, reason: &str, at: i64) -> Result<()> {
        execute!(self, FLAG_NEEDS_PERSON, id.0, reason, at)?;
        Ok(())
    }

    pub async fn tickets_needing_person(&mut self, limit: i64) -> Result<Vec<TicketRow>> {
        Ok(fetch_all!(self, TicketRow, NEEDING_PERSON, limit)?)
    }

    pub async fn count_needing_person(&mut self) -> Result<i64> {
        Ok(scalar_one!(self, i64, COUNT_NEEDING_PERSON)?)
    }

    pub async fn ticket(&mut self, id: TicketId) -> Result<Option<TicketRow>> {
        Ok(fetch_optional!(self, TicketRow, TICKET, id.0)?)
    }

    /// The ticket, following merges to the one that absorbed it.
    pub async fn live_ticket(&mut self, mut id: TicketId) -> Result<Option<TicketRow>> {
        for _ in 0..32 {
            match self.ticket(id).await? {
                Some(t) if t.merged_into.is_some() => id = TicketId(t.merged_into.unwrap_or(t.id)),
                other => return Ok(other),
            }
        }
        Ok(None)
    }

    pub async fn list_tickets(&mut self, status: Option<&str>, limit: i64, offset: i64) -> Result<Vec<TicketListRow>> {
        Ok(fetch_all!(self, TicketListRow, LIST_TICKETS, status, limit, offset)?)
    }

    pub async fn tickets_linked_to(&mut self, id: TicketId) -> Result<Vec<TicketId>> {
        Ok(scalar_all!(self, i64, TICKETS_LINKED_TO, id.0)?.into_iter().map(TicketId).collect())
    }

    pub async fn touch_ticket(&mut self, id: TicketId, at: i64) -> Result<()> {
        execute!(self, TOUCH_TICKET, id.0, at)?;
        Ok(())
    }

    pub async fn reopen_ticket(&mut self, id: TicketId, at: i64) -> Result<bool> {
        Ok(execute!(self, REOPEN_TICKET, id.0, at)? > 0)
    }

    pub async fn resolve_ticket(&mut self, id: TicketId, at: i64) -> Result<bool> {
        Ok(execute!(self, RESOLVE_TICKET, id.0, at)? > 0)
    }

    pub async fn set_ticket_flags(&mut self, id: TicketId, flags: &[String]) -> Result<()> {
        execute!(self, SET_TICKET_FLAGS, id.0, json(&flags))?;
        Ok(())
    }

    pub async fn set_ticket_customer_name(&mut self, id: TicketId, name: &str) -> Result<()> {
        execute!(self, SET_TICKET_NAME, id.0, name)?;
        Ok(())
    }

    pub async fn set_last_outbound(&mut self, id: TicketId, at: i64) -> Result<()> {
        execute!(self, SET_LAST_OUTBOUND, id.0, at)?;
        Ok(())
    }

    pub async fn set_assignee(&mut self, id: TicketId, assignee: Option<&str>, at: i64) -> Result<()> {
        execute!(self, SET_ASSIGNEE, id.0, assignee, at)?;
        Ok(())
    }

    pub async fn add_participant(&mut self, id: TicketId, email: &str, role: &str) -> Result<()> {
        execute!(self, ADD_PARTICIPANT, id.0, email.to_lowercase(), role)?;
        Ok(())
    }

    pub async fn is_participant(&mut self, id: TicketId, email: &str) -> Result<bool> {
        Ok(scalar_one!(self, i64, IS_PARTICIPANT, id.0, email.to_lowercase())? > 0)
    }

    pub async fn participants(&mut self, id: TicketId, role: &str) -> Result<Vec<String>> {
        Ok(scalar_all!(self, String, PARTICIPANTS, id.0, role)?)
    }
}

// ---------------------------------------------------------------- drafts

const INSERT_DRAFT: &str = "INSERT INTO drafts (ticket_id, reply_to_message, purpose, template_key, language, register, status, to_addr, to_name, subject, in_reply_to, refs, body, drafted_body, facts, lint, lint_ok, created_at, updated_at, trigger_received_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $16, $17) RETURNING id";
const REDRAFT: &str = "UPDATE drafts SET reply_to_message = $2, template_key = $3, language = $4, register = $5, to_addr = $6, to_name = $7, subject = $8, in_reply_to = $9, refs = $10, body = $11, drafted_body = $11, edited = $12, facts = $13, lint = $14, lint_ok = $15, updated_at = $16, version = version + 1 WHERE id = $1 AND status = 'pending'";
const DRAFT: &str = "SELECT * FROM drafts WHERE id = $1";
const REFRESH_DRAFT: &str = "UPDATE drafts SET body = $3, drafted_body = $3, facts = $4, lint = $5, lint_ok = $6, updated_at = $7, version = version + 1 WHERE id = $1 AND version = $2 AND status = 'pending' AND edited = $8";
const PENDING_DRAFT_OF_TICKET: &str = "SELECT * FROM drafts WHERE ticket_id = $1 AND status = 'pending'";
const DRAFTS_OF_TICKET: &str = "SELECT * FROM drafts WHERE ticket_id = $1 ORDER BY id";
const LIST_DRAFTS: &str = "SELECT * FROM drafts WHERE (CAST($1 AS TEXT) IS NULL OR status = $1) ORDER BY trigger_received_at, id LIMIT $2 OFFSET $3";
const COUNT_ACKS: &str =
    "SELECT COUNT(*) FROM drafts WHERE to_addr = $1 AND trigger_received_at > $2 AND trigger_received_at <= $3";
const EDIT_DRAFT: &str = "UPDATE drafts SET body = $2, edited = $3, lint = $4, lint_ok = $5, facts = $6, updated_at = $7, version = version + 1 WHERE id = $1 AND status = 'pending' AND version = $8";
const APPROVE_DRAFT: &str = "UPDATE drafts SET status = 'approved', body = $2, edited = $3, lint = $4, lint_ok = $5, facts = $6, approved_at = $7, approved_by = $8, approver_name = $9, automatic = $10, next_attempt_at = $7, updated_at = $7, version = version + 1 WHERE id = $1 AND status = 'pending' AND version = $11";
const REJECT_DRAFT: &str = "UPDATE drafts SET status = 'rejected', rejected_reason = $2, approved_by = $3, updated_at = $4, version = version + 1 WHERE id = $1 AND status = 'pending' AND version = $5";
const REJECT_DRAFT_SYSTEM: &str = "UPDATE drafts SET status = 'rejected', rejected_reason = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = 'pending'";
const MOVE_DRAFT: &str = "UPDATE drafts SET ticket_id = $1 WHERE id = $2";
const SENDABLE_DRAFTS: &str = "SELECT id FROM drafts WHERE (status = 'approved' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) OR (status = 'sending' AND (claimed_until IS NULL OR claimed_until < $1)) ORDER BY approved_at, id LIMIT $2";
const LOCK_THREADS_PG: &str = "SELECT COUNT(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(id, 7) AS h FROM unnest($1::text[]) AS id ORDER BY h) AS ids";
const SENDABLE_DRAFTS_PG: &str = "SELECT id FROM drafts WHERE (status = 'approved' AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) OR (status = 'sending' AND (claimed_until IS NULL OR claimed_until < $1)) ORDER BY approved_at, id LIMIT $2 FOR UPDATE SKIP LOCKED";
const CLAIM_DRAFT: &str = "UPDATE drafts SET status = 'sending', claimed_by = $2, claimed_until = $3, attempts = attempts + 1, outgoing_message_id = COALESCE(outgoing_message_id, $4), updated_at = $5 WHERE id = $1 AND (status = 'approved' OR (status = 'sending' AND (claimed_until IS NULL OR claimed_until < $5)))";
const MARK_SENT: &str = "UPDATE drafts SET status = 'sent', sent_at = $2, sent_body = $3, subject = $4, claimed_by = NULL, claimed_until = NULL, last_error = NULL, updated_at = $2 WHERE id = $1 AND status = 'sending'";
const MARK_RETRY: &str = "UPDATE drafts SET status = 'approved', next_attempt_at = $2, last_error = $3, claimed_by = NULL, claimed_until = NULL, updated_at = $4 WHERE id = $1 AND status = 'sending'";
const MARK_FAILED: &str = "UPDATE drafts SET status = 'failed', last_error = $2, claimed_by = NULL, claimed_until = NULL, updated_at = $3 WHERE id = $1 AND status = 'sending'";
const DRAFT_BY_OUTGOING_ID: &str = "SELECT * FROM drafts WHERE outgoing_message_id = $1";
const MARK_BOUNCED: &str = "UPDATE drafts SET bounced_at = $2, bounce_reason = $3, updated_at = $2 WHERE id = $1";
const OLDEST_PENDING: &str = "SELECT MIN(trigger_received_at) FROM drafts WHERE status = 'pending'";

impl Db {
    pub async fn insert_draft(&mut self, d: &NewDraft) -> Result<DraftId> {
        let id = scalar_one!(
            self,
            i64,
            INSERT_DRAFT,
            d.ticket_id.0,
            d.reply_to_message.0,
            &d.purpose,
            &d.template_key,
            &d.language,
            &d.register,
            &d.to_addr,
            &d.to_name,
            &d.subject,
            &d.in_reply_to,
            json(&d.refs),
            &d.body,
            &d.facts_json,
            &d.lint_json,
            d.lint_ok,
            d.at,
            d.trigger_received_at
        )?;
        Ok(DraftId(id))
    }

    /// Replaces a pending draft's text after a newer message arrived before approval.
    pub async fn redraft(&mut self, id: DraftId, d: &NewDraft) -> Result<bool> {
        Ok(execute!(
            self,
            REDRAFT,
            id.0,
            d.reply_to_message.0,
            &d.template_key,
            &d.language,
            &d.register,
            &d.to_addr,
            &d.to_name,
            &d.subject,
            &d.in_reply_to,
            json(&d.refs),
            &d.body,
            false,
            &d.facts_json,
            &d.lint_json,
            d.lint_ok,
            d.at
        )? > 0)
    }

    /// Re-renders a pending draft nobody edited (after a name correction).
    #[allow(clippy::too_many_arguments)]
    pub async fn refresh_draft(
        &mut self,
        id: DraftId,
        version: i64,
        body: &str,
        facts_json: &str,
        lint_json: &str,
        lint_ok: bool,
        at: i64,
    ) -> Result<bool> {
        Ok(execute!(self, REFRESH_DRAFT, id.0, version, body, facts_json, lint_json, lint_ok, at, false)? > 0)
    }

    pub async fn draft(&mut self, id: DraftId) -> Result<Option<DraftRow>> {
        Ok(fetch_optional!(self, DraftRow, DRAFT, id.0)?)
    }

    pub async fn pending_draft_of_ticket(&mut self, ticket: TicketId) -> Result<Option<DraftRow>> {
        Ok(fetch_optional!(self, DraftRow, PENDING_DRAFT_OF_TICKET, ticket.0)?)
    }

    pub async fn drafts_of_ticket(&mut self, ticket: TicketId) -> Result<Vec<DraftRow>> {
        Ok(fetch_all!(self, DraftRow, DRAFTS_OF_TICKET, ticket.0)?)
    }

    pub async fn list_drafts(&mut self, status: Option<DraftStatus>, limit: i64, offset: i64) -> Result<Vec<DraftRow>> {
        Ok(fetch_all!(self, DraftRow, LIST_DRAFTS, status.map(|s| s.as_str()), limit, offset)?)
    }

    /// Acknowledgments drafted to `to_addr` for mail that arrived in (from, to].
    pub async fn count_acks(&mut self, to_addr: &str, from: i64, to: i64) -> Result<i64> {
        Ok(scalar_one!(self, i64, COUNT_ACKS, to_addr, from, to)?)
    }

    /// Acknowledgments to `to_addr` for mail that arrived in the hour and in the day up to `at`.
    /// Acknowledgments to `to_addr` in the hour and day before `at`, and `from_addr`'s
    /// unanswered mails since `since` (the message `except` left out), in one statement.
    pub async fn ack_history(
        &mut self,
        to_addr: &str,
        from_addr: &str,
        at: i64,
        since: i64,
        except: MessageKey,
    ) -> Result<AckHistory> {
        let rows =
            fetch_all!(self, HistoryRow, ACK_HISTORY, to_addr, at - 3600, at - 86_400, at, from_addr, since, except.0)?;
        let mut h = AckHistory::default();
        for r in rows {
            if r.kind == 0 {
                h.acks_hour = r.a;
                h.acks_day = r.b;
            } else {
                h.earlier_unanswered.push(r.a);
            }
        }
        Ok(h)
    }

    /// Saves an agent's edit if nobody saved since `version`; false when someone did.
    #[allow(clippy::too_many_arguments)]
    pub async fn edit_draft(
        &mut self,
        id: DraftId,
        version: i64,
        body: &str,
        edited: bool,
        lint_json: &str,
        lint_ok: bool,
        facts_json: &str,
        at: i64,
    ) -> Result<bool> {
        Ok(execute!(self, EDIT_DRAFT, id.0, body, edited, lint_json, lint_ok, facts_json, at, version)? > 0)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn approve_draft(
        &mut self,
        id: DraftId,
        version: i64,
        body: &str,
        edited: bool,
        lint_json: &str,
        lint_ok: bool,
        facts_json: &str,
        at: i64,
        approved_by: &str,
        approver_name: Option<&str>,
        automatic: bool,
    ) -> Result<bool> {
        Ok(execute!(
            self,
            APPROVE_DRAFT,
            id.0,
            body,
            edited,
            lint_json,
            lint_ok,
            facts_json,
            at,
            approved_by,
            approver_name,
            automatic,
            version
        )? > 0)
    }

    pub async fn reject_draft(&mut self, id: DraftId, version: i64, reason: &str, by: &str, at: i64) -> Result<bool> {
        Ok(execute!(self, REJECT_DRAFT, id.0, reason, by, at, version)? > 0)
    }

    /// Drafts ready to send (approved and due, or left in `sending` by a dead sender),
    /// locked for this transaction on PostgreSQL so instances never take the same one.
    pub async fn sendable_drafts(&mut self, now: i64, limit: i64) -> Result<Vec<DraftId>> {
        let ids = if self.is_postgres() {
            scalar_all!(self, i64, SENDABLE_DRAFTS_PG, now, limit)?
        } else {
            scalar_all!(self, i64, SENDABLE_DRAFTS, now, limit)?
        };
        Ok(ids.into_iter().map(DraftId).collect())
    }

    /// Claims a draft for sending and fixes its Message-ID (kept if it already had one).
    pub async fn claim_draft(
        &mut self,
        id: DraftId,
        worker: &str,
        until: i64,
        message_id: &str,
        now: i64,
    ) -> Result<bool> {
        Ok(execute!(self, CLAIM_DRAFT, id.0, worker, until, message_id, now)? > 0)
    }

    pub async fn mark_sent(&mut self, id: DraftId, at: i64, body: &str, subject: &str) -> Result<bool> {
        Ok(execute!(self, MARK_SENT, id.0, at, body, subject)? > 0)
    }

    pub async fn mark_retry(&mut self, id: DraftId, next_at: i64, error: &str, now: i64) -> Result<bool> {
        Ok(execute!(self, MARK_RETRY, id.0, next_at, error, now)? > 0)
    }

    pub async fn mark_failed(&mut self, id: DraftId, error: &str, now: i64) -> Result<bool> {
        Ok(execute!(self, MARK_FAILED, id.0, error, now)? > 0)
    }

    pub async fn draft_by_outgoing_id(&mut self, message_id: &str) -> Result<Option<DraftRow>> {
        Ok(fetch_optional!(self, DraftRow, DRAFT_BY_OUTGOING_ID, message_id)?)
    }

    pub async fn mark_bounced(&mut self, id: DraftId, at: i64, reason: &str) -> Result<()> {
        execute!(self, MARK_BOUNCED, id.0, at, reason)?;
        Ok(())
    }

    pub async fn oldest_pending_arrival(&mut self) -> Result<Option<i64>> {
        Ok(scalar_one!(self, Option<i64>, OLDEST_PENDING)?)
    }
}

// ---------------------------------------------------------------- contacts, audit, meta, counts

const CONTACT_NAME: &str = "SELECT name FROM contacts WHERE email = $1";
const SET_CONTACT_NAME: &str = "INSERT INTO contacts (email, name, corrected_by, corrected_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO UPDATE SET name = excluded.name, corrected_by = excluded.corrected_by, corrected_at = excluded.corrected_at";
const INSERT_AUDIT: &str =
    "INSERT INTO audit (at, actor, action, ticket_id, draft_id, detail) VALUES ($1, $2, $3, $4, $5, $6)";
const LIST_AUDIT: &str =
    "SELECT * FROM audit WHERE (CAST($1 AS BIGINT) IS NULL OR ticket_id = $1) ORDER BY id DESC LIMIT $2 OFFSET $3";
const META_GET: &str = "SELECT value FROM meta WHERE key = $1";
const META_SET: &str =
    "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
const COUNT_TICKETS: &str = "SELECT COUNT(*) FROM tickets WHERE status <> 'merged'";
const COUNT_MESSAGES: &str = "SELECT COUNT(*) FROM messages";
const COUNT_QUARANTINED: &str = "SELECT COUNT(*) FROM messages WHERE quarantine_reason IS NOT NULL";
const COUNT_DRAFTS: &str = "SELECT COUNT(*) FROM drafts WHERE status = $1";

impl Db {
    pub async fn contact_name(&mut self, email: &str) -> Result<Option<String>> {
        Ok(scalar_optional!(self, String, CONTACT_NAME, email.to_lowercase())?)
    }

    pub async fn set_contact_name(&mut self, email: &str, name: &str, by: &str, at: i64) -> Result<()> {
        execute!(self, SET_CONTACT_NAME, email.to_lowercase(), name, by, at)?;
        Ok(())
    }

    pub async fn audit(
        &mut self,
        at: i64,
        actor: &str,
        action: &str,
        ticket: Option<TicketId>,
        draft: Option<DraftId>,
        detail: &serde_json::Value,
    ) -> Result<()> {
        execute!(self, INSERT_AUDIT, at, actor, action, ticket.map(|t| t.0), draft.map(|d| d.0), detail.to_string())?;
        Ok(())
    }

    pub async fn list_audit(&mut self, ticket: Option<TicketId>, limit: i64, offset: i64) -> Result<Vec<AuditRow>> {
        Ok(fetch_all!(self, AuditRow, LIST_AUDIT, ticket.map(|t| t.0), limit, offset)?)
    }

    pub async fn meta_get(&mut self, key: &str) -> Result<Option<String>> {
        Ok(scalar_optional!(self, String, META_GET, key)?)
    }

    pub async fn meta_set(&mut self, key: &str, value: &str) -> Result<()> {
        execute!(self, META_SET, key, value)?;
        Ok(())
    }

    pub async fn counts(&mut self) -> Result<Counts> {
        let mut c = Counts {
            tickets: scalar_one!(self, i64, COUNT_TICKETS)?,
            messages: scalar_one!(self, i64, COUNT_MESSAGES)?,
            quarantined: scalar_one!(self, i64, COUNT_QUARANTINED)?,
            ..Counts::default()
        };
        for (status, slot) in [
            ("pending", &mut c.drafts_pending),
            ("approved", &mut c.drafts_approved),
            ("sending", &mut c.drafts_sending),
            ("sent", &mut c.drafts_sent),
            ("failed", &mut c.drafts_failed),
            ("rejected", &mut c.drafts_rejected),
        ] {
            *slot = scalar_one!(self, i64, COUNT_DRAFTS, status)?;
        }
        Ok(c)
    }
}

// ---------------------------------------------------------------- mailbox cursors

const CURSOR: &str = "SELECT * FROM mailbox_state WHERE mailbox = $1 AND folder = $2";
const SET_CURSOR: &str = "INSERT INTO mailbox_state (mailbox, folder, uidvalidity, last_uid, last_sync_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (mailbox, folder) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid, last_sync_at = excluded.last_sync_at";
// The last error stays (with its time) after recovery: status shows both.
const RECORD_SYNC: &str = "INSERT INTO mailbox_state (mailbox, folder, last_sync_at, backlog) VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox, folder) DO UPDATE SET last_sync_at = excluded.last_sync_at, backlog = excluded.backlog";
const RECORD_SYNC_ERROR: &str = "INSERT INTO mailbox_state (mailbox, folder, last_error, last_error_at) VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox, folder) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at";
const MAILBOX_STATES: &str = "SELECT * FROM mailbox_state ORDER BY mailbox, folder";
// A lease is free, ours already, or expired: take it (or renew it) until $4.
const TAKE_LEASE: &str = "INSERT INTO mailbox_state (mailbox, folder, lease_owner, lease_until) VALUES ($1, $2, $3, $4) ON CONFLICT (mailbox, folder) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until WHERE mailbox_state.lease_owner IS NULL OR mailbox_state.lease_owner = excluded.lease_owner OR mailbox_state.lease_until IS NULL OR mailbox_state.lease_until < $5";
// Touching the row also locks it (PostgreSQL) until the caller's transaction ends, so a
// cursor moved under this check cannot race a takeover.
const HOLDS_LEASE: &str = "UPDATE mailbox_state SET lease_until = lease_until WHERE mailbox = $1 AND folder = $2 AND lease_owner = $3 AND lease_until >= $4";
const HEARTBEAT: &str = "INSERT INTO instances (name, started_at, seen_at) VALUES ($1, $2, $2) ON CONFLICT (name) DO UPDATE SET seen_at = excluded.seen_at";
const LIVE_INSTANCES: &str = "SELECT COUNT(*) FROM instances WHERE seen_at >= $1";
const LIST_LIVE_INSTANCES: &str =
    "SELECT name, started_at, seen_at FROM instances WHERE seen_at >= $1 ORDER BY started_at, name";
const FORGET_INSTANCE: &str = "DELETE FROM instances WHERE name = $1 OR seen_at < $2";
const RELEASE_LEASE: &str = "UPDATE mailbox_state SET lease_owner = NULL, lease_until = NULL WHERE mailbox = $1 AND folder = $2 AND lease_owner = $3";

impl Db {
    pub async fn cursor(&mut self, mailbox: &str, folder: &str) -> Result<Option<MailboxStateRow>> {
        Ok(fetch_optional!(self, MailboxStateRow, CURSOR, mailbox, folder)?)
    }

    /// Moves the cursor: only after the messages up to `last_uid` are committed.
    pub async fn set_cursor(
        &mut self,
        mailbox: &str,
        folder: &str,
        uidvalidity: i64,
        last_uid: i64,
        at: i64,
    ) -> Result<()> {
        execute!(self, SET_CURSOR, mailbox, folder, uidvalidity, last_uid, at)?;
        Ok(())
    }

    pub async fn record_sync(&mut self, mailbox: &str, folder: &str, at: i64, backlog: i64) -> Result<()> {
        execute!(self, RECORD_SYNC, mailbox, folder, at, backlog)?;
        Ok(())
    }

    pub async fn record_sync_error(&mut self, mailbox: &str, folder: &str, at: i64, error: &str) -> Result<()> {
        execute!(self, RECORD_SYNC_ERROR, mailbox, folder, error, at)?;
        Ok(())
    }

    pub async fn mailbox_states(&mut self) -> Result<Vec<MailboxStateRow>> {
        Ok(fetch_all!(self, MailboxStateRow, MAILBOX_STATES)?)
    }

    /// Takes the mailbox folder's sync lease for `owner` until `until`, or renews it;
    /// `false` while another owner's lease runs (until `now` passes its end).
    pub async fn take_lease(&mut self, mailbox: &str, folder: &str, owner: &str, until: i64, now: i64) -> Result<bool> {
        Ok(execute!(self, TAKE_LEASE, mailbox, folder, owner, until, now)? > 0)
    }

    /// Holds, until this transaction ends, a lock on the thread of each of these
    /// Message-IDs, waiting for any other transaction that holds one. Two instances
    /// threading related messages at the same moment (a customer's mail to two mailboxes,
    /// a reply arriving while its original is being stored) so take turns, and the second
    /// finds the first's ticket instead of opening another. PostgreSQL only: on SQLite the
    /// message's insert already made this the one writer.
    pub async fn lock_threads(&mut self, message_ids: &[&str]) -> Result<()> {
        if message_ids.is_empty() {
            return Ok(());
        }
        if let Exec::Postgres(c) = self.exec() {
            let ids: Vec<String> = message_ids.iter().map(|s| s.to_string()).collect();
            // One message's threads are locked in one order (by hash) everywhere. Two batches
            // can still wait on each other in a circle; PostgreSQL breaks it by failing one,
            // and that batch is ingested again a message at a time.
            sqlx::query(LOCK_THREADS_PG).bind(ids).execute(&mut *c).await?;
        }
        Ok(())
    }

    /// Whether `owner` still holds the lease at `now` (checked in the transaction that
    /// moves a cursor).
    pub async fn holds_lease(&mut self, mailbox: &str, folder: &str, owner: &str, now: i64) -> Result<bool> {
        Ok(execute!(self, HOLDS_LEASE, mailbox, folder, owner, now)? > 0)
    }

    /// `name` is alive at `now`.
    pub async fn heartbeat(&mut self, name: &str, now: i64) -> Result<()> {
        execute!(self, HEARTBEAT, name, now)?;
        Ok(())
    }

    /// Instances heard from since `since`.
    pub async fn live_instances(&mut self, since: i64) -> Result<i64> {
        Ok(scalar_one!(self, i64, LIVE_INSTANCES, since)?)
    }

    /// The instances heard from since `since`, oldest first.
    pub async fn list_live_instances(&mut self, since: i64) -> Result<Vec<InstanceRow>> {
        Ok(fetch_all!(self, InstanceRow, LIST_LIVE_INSTANCES, since)?)
    }

    /// `name` stops; instances not heard from since `stale_before` are forgotten too.
    pub async fn forget_instance(&mut self, name: &str, stale_before: i64) -> Result<()> {
        execute!(self, FORGET_INSTANCE, name, stale_before)?;
        Ok(())
    }

    pub async fn release_lease(&mut self, mailbox: &str, folder: &str, owner: &str) -> Result<()> {
        execute!(self, RELEASE_LEASE, mailbox, folder, owner)?;
        Ok(())
    }
}

// ---------------------------------------------------------------- users, sessions, tokens

const INSERT_USER: &str =
    "INSERT INTO users (email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
const USER_BY_EMAIL: &str = "SELECT * FROM users WHERE email = $1";
const USER_BY_ID: &str = "SELECT * FROM users WHERE id = $1";
const LIST_USERS: &str = "SELECT * FROM users ORDER BY email";
const SET_USER_DISABLED: &str = "UPDATE users SET disabled = $2 WHERE email = $1";
const SET_USER_PASSWORD: &str = "UPDATE users SET password_hash = $2 WHERE email = $1";
const COUNT_ADMINS: &str = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = $1";
const INSERT_SESSION: &str = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $4)";
const SESSION: &str = "SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2";
const TOUCH_SESSION: &str = "UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE token_hash = $1";
const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";
const PURGE_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";
const INSERT_TOKEN: &str =
    "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
const USER_BY_TOKEN: &str =
    "SELECT u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked = $2";
const TOUCH_TOKEN: &str = "UPDATE api_tokens SET last_used_at = $2 WHERE token_hash = $1";
const CUSTOMER_TICKETS: &str = "SELECT t.id, t.subject, t.status, t.created_at, t.updated_at, t.last_outbound_at, (SELECT MAX(m.received_at) FROM messages m WHERE m.ticket_id = t.id AND m.direction = 'in' AND m.kind = 'human') AS last_inbound_at FROM tickets t WHERE t.customer_email = $1 AND t.id <> $2 AND t.status <> 'merged' ORDER BY t.updated_at DESC, t.id DESC LIMIT $3";
const CONTACT_NOTE: &str = "SELECT * FROM contact_notes WHERE email = $1";
const SET_CONTACT_NOTE: &str = "INSERT INTO contact_notes (email, body, updated_by, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (email) DO UPDATE SET body = $2, updated_by = $3, updated_at = $4";
const DELETE_CONTACT_NOTE: &str = "DELETE FROM contact_notes WHERE email = $1";
const ENSURE_THROTTLE: &str = "INSERT INTO login_throttle (key, attempts, last_at, next_at, version) VALUES ($1, 0, 0, 0, 0) ON CONFLICT (key) DO NOTHING";
const THROTTLE: &str = "SELECT attempts, last_at, next_at, version FROM login_throttle WHERE key = $1";
const SWAP_THROTTLE: &str = "UPDATE login_throttle SET attempts = $2, last_at = $3, next_at = $4, version = version + 1 WHERE key = $1 AND version = $5";
const CLEAR_THROTTLE: &str = "DELETE FROM login_throttle WHERE key = $1";
const PURGE_THROTTLE: &str = "DELETE FROM login_throttle WHERE last_at <= $1 AND next_at <= $2";
const INSERT_DEVICE: &str = "INSERT INTO known_devices (token_hash, user_id, created_at, last_at) VALUES ($1, $2, $3, $3) ON CONFLICT (token_hash) DO UPDATE SET last_at = $3";
const DEVICE_OF_USER: &str = "SELECT COUNT(*) FROM known_devices WHERE token_hash = $1 AND user_id = $2";
const PURGE_DEVICES: &str = "DELETE FROM known_devices WHERE last_at <= $1";

impl Db {
    pub async fn insert_user(
        &mut self,
        email: &str,
        name: &str,
        role: &str,
        password_hash: &str,
        at: i64,
    ) -> Result<i64> {
        Ok(scalar_one!(self, i64, INSERT_USER, email.to_lowercase(), name, role, password_hash, at)?)
    }

    pub async fn user_by_email(&mut self, email: &str) -> Result<Option<UserRow>> {
        Ok(fetch_optional!(self, UserRow, USER_BY_EMAIL, email.to_lowercase())?)
    }

    pub async fn user(&mut self, id: i64) -> Result<Option<UserRow>> {
        Ok(fetch_optional!(self, UserRow, USER_BY_ID, id)?)
    }

    pub async fn users(&mut self) -> Result<Vec<UserRow>> {
        Ok(fetch_all!(self, UserRow, LIST_USERS)?)
    }

    pub async fn set_user_disabled(&mut self, email: &str, disabled: bool) -> Result<bool> {
        Ok(execute!(self, SET_USER_DISABLED, email.to_lowercase(), disabled)? > 0)
    }

    /// A new password also clears the account's sign-in attempts: whoever reset it should
    /// be able to sign in at once.
    pub async fn set_user_password(&mut self, email: &str, hash: &str) -> Result<bool> {
        let email = email.to_lowercase();
        execute!(self, CLEAR_THROTTLE, format!("account:{email}"))?;
        Ok(execute!(self, SET_USER_PASSWORD, email, hash)? > 0)
    }

    pub async fn count_active_admins(&mut self) -> Result<i64> {
        Ok(scalar_one!(self, i64, COUNT_ADMINS, false)?)
    }

    pub async fn insert_session(
        &mut self,
        token_hash: &str,
        user_id: i64,
        csrf: &str,
        at: i64,
        expires_at: i64,
    ) -> Result<()> {
        execute!(self, INSERT_SESSION, token_hash, user_id, csrf, at, expires_at)?;
        Ok(())
    }

    pub async fn session(&mut self, token_hash: &str, now: i64) -> Result<Option<SessionRow>> {
        Ok(fetch_optional!(self, SessionRow, SESSION, token_hash, now)?)
    }

    pub async fn touch_session(&mut self, token_hash: &str, now: i64) -> Result<()> {
        execute!(self, TOUCH_SESSION, token_hash, now)?;
        Ok(())
    }

    pub async fn delete_session(&mut self, token_hash: &str) -> Result<()> {
        execute!(self, DELETE_SESSION, token_hash)?;
        Ok(())
    }

    pub async fn delete_user_sessions(&mut self, user_id: i64) -> Result<()> {
        execute!(self, DELETE_USER_SESSIONS, user_id)?;
        Ok(())
    }

    pub async fn purge_expired(&mut self, now: i64) -> Result<()> {
        execute!(self, PURGE_SESSIONS, now)?;
        // Attempts are remembered a day after the last one; browsers a year after last use.
        execute!(self, PURGE_THROTTLE, now - 86_400, now)?;
        execute!(self, PURGE_DEVICES, now - 365 * 86_400)?;
        Ok(())
    }

    pub async fn insert_api_token(&mut self, user_id: i64, token_hash: &str, label: &str, at: i64) -> Result<i64> {
        Ok(scalar_one!(self, i64, INSERT_TOKEN, user_id, token_hash, label, at)?)
    }

    pub async fn user_by_token(&mut self, token_hash: &str, now: i64) -> Result<Option<UserRow>> {
        let user = fetch_optional!(self, UserRow, USER_BY_TOKEN, token_hash, false)?;
        if user.is_some() {
            execute!(self, TOUCH_TOKEN, token_hash, now)?;
        }
        Ok(user)
    }

    /// Counts one sign-in attempt on `key` if `decide` allows it, atomically: the row is
    /// read, `decide` says what it becomes (or why not), and the change is written only if
    /// nobody else changed the row in between (compare-and-swap on its version). A lost
    /// race reads again, a few times; then the attempt is refused as busy.
    pub async fn claim_login_attempt<T>(
        &mut self,
        key: &str,
        decide: impl Fn(ThrottleRow) -> std::result::Result<ThrottleRow, T>,
        busy: T,
    ) -> Result<std::result::Result<(), T>> {
        execute!(self, ENSURE_THROTTLE, key)?;
        for _ in 0..8 {
            let row = fetch_optional!(self, ThrottleRow, THROTTLE, key)?.unwrap_or_default();
            let next = match decide(row) {
                Ok(next) => next,
                Err(refused) => return Ok(Err(refused)),
            };
            if execute!(self, SWAP_THROTTLE, key, next.attempts, next.last_at, next.next_at, row.version)? == 1 {
                return Ok(Ok(()));
            }
        }
        Ok(Err(busy))
    }

    /// The customer's other tickets, the most recently active first.
    pub async fn customer_tickets(&mut self, email: &str, except: i64, limit: i64) -> Result<Vec<CustomerTicketRow>> {
        Ok(fetch_all!(self, CustomerTicketRow, CUSTOMER_TICKETS, email.to_lowercase(), except, limit)?)
    }

    pub async fn contact_note(&mut self, email: &str) -> Result<Option<ContactNoteRow>> {
        Ok(fetch_optional!(self, ContactNoteRow, CONTACT_NOTE, email.to_lowercase())?)
    }

    /// Keeps the note on a customer; an empty one is removed.
    pub async fn set_contact_note(&mut self, email: &str, body: &str, by: &str, at: i64) -> Result<()> {
        if body.trim().is_empty() {
            execute!(self, DELETE_CONTACT_NOTE, email.to_lowercase())?;
        } else {
            execute!(self, SET_CONTACT_NOTE, email.to_lowercase(), body, by, at)?;
        }
        Ok(())
    }

    pub async fn clear_login_attempts(&mut self, key: &str) -> Result<()> {
        execute!(self, CLEAR_THROTTLE, key)?;
        Ok(())
    }

    pub async fn remember_device(&mut self, token_hash: &str, user_id: i64, at: i64) -> Result<()> {
        execute!(self, INSERT_DEVICE, token_hash, user_id, at)?;
        Ok(())
    }

    pub async fn is_known_device(&mut self, token_hash: &str, user_id: i64) -> Result<bool> {
        Ok(scalar_one!(self, i64, DEVICE_OF_USER, token_hash, user_id)? > 0)
    }
}

// ---------------------------------------------------------------- templates, notes, settings, queue

const INSERT_TEMPLATE_VERSION: &str = "INSERT INTO template_versions (key, source, created_by, created_at, note) VALUES ($1, $2, $3, $4, $5) RETURNING id";
const TEMPLATE_VERSIONS: &str = "SELECT * FROM template_versions WHERE key = $1 ORDER BY id DESC";
const TEMPLATE_VERSION: &str = "SELECT * FROM template_versions WHERE id = $1";
const CURRENT_TEMPLATES: &str = "SELECT v.* FROM template_versions v WHERE v.id = (SELECT MAX(w.id) FROM template_versions w WHERE w.key = v.key) ORDER BY v.key";
const INSERT_NOTE: &str =
    "INSERT INTO notes (ticket_id, author, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
const NOTES: &str = "SELECT * FROM notes WHERE ticket_id = $1 ORDER BY created_at, id";
const SETTING: &str = "SELECT value FROM settings WHERE key = $1";
const SET_SETTING: &str = "INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at";
const DELETE_SETTING: &str = "DELETE FROM settings WHERE key = $1";
const ADMIN_CHANGES_MARKER: &str = "SELECT CAST(COALESCE((SELECT MAX(id) FROM template_versions), 0) AS TEXT) || ':' || COALESCE((SELECT value FROM settings WHERE key = $1), '')";
// The queue reads pages of draft ids from the (status, language, trigger_received_at)
// index alone, then joins only the page: deep pages and counts stay fast at 100,000s of
// drafts. Filtering by mailbox needs the tickets, so it has its own, slower, queries.
const QUEUE: &str = "SELECT d.id AS draft_id, d.ticket_id, d.status, d.language, d.register, t.subject, d.to_addr, d.to_name, d.lint_ok, d.lint, d.facts, d.trigger_received_at, t.mailbox, t.customer_name, t.assignee, d.last_error FROM (SELECT id FROM drafts WHERE status = $1 AND (CAST($2 AS TEXT) IS NULL OR language = $2) ORDER BY trigger_received_at, id LIMIT $3 OFFSET $4) page JOIN drafts d ON d.id = page.id JOIN tickets t ON t.id = d.ticket_id ORDER BY d.trigger_received_at, d.id";
const QUEUE_COUNT: &str =
    "SELECT COUNT(*) FROM drafts WHERE status = $1 AND (CAST($2 AS TEXT) IS NULL OR language = $2)";
const QUEUE_IN_MAILBOX: &str = "SELECT d.id AS draft_id, d.ticket_id, d.status, d.language, d.register, t.subject, d.to_addr, d.to_name, d.lint_ok, d.lint, d.facts, d.trigger_received_at, t.mailbox, t.customer_name, t.assignee, d.last_error FROM drafts d JOIN tickets t ON t.id = d.ticket_id WHERE d.status = $1 AND (CAST($2 AS TEXT) IS NULL OR d.language = $2) AND t.mailbox = $3 ORDER BY d.trigger_received_at, d.id LIMIT $4 OFFSET $5";
const QUEUE_COUNT_IN_MAILBOX: &str = "SELECT COUNT(*) FROM drafts d JOIN tickets t ON t.id = d.ticket_id WHERE d.status = $1 AND (CAST($2 AS TEXT) IS NULL OR d.language = $2) AND t.mailbox = $3";
const DISTINCT_MAILBOXES: &str = "SELECT DISTINCT mailbox FROM tickets ORDER BY mailbox";
const COUNT_MESSAGES_BY_KIND: &str = "SELECT kind, COUNT(*) AS n FROM messages GROUP BY kind ORDER BY kind";
const COUNT_AUDIT_ACTIONS: &str = "SELECT action AS kind, COUNT(*) AS n FROM audit GROUP BY action ORDER BY action";

#[derive(sqlx::FromRow)]
pub struct KindCount {
    pub kind: String,
    pub n: i64,
}

impl Db {
    pub async fn insert_template_version(
        &mut self,
        key: &str,
        source: Option<&str>,
        by: &str,
        at: i64,
        note: &str,
    ) -> Result<i64> {
        Ok(scalar_one!(self, i64, INSERT_TEMPLATE_VERSION, key, source, by, at, note)?)
    }

    pub async fn template_versions(&mut self, key: &str) -> Result<Vec<TemplateVersionRow>> {
        Ok(fetch_all!(self, TemplateVersionRow, TEMPLATE_VERSIONS, key)?)
    }

    pub async fn template_version(&mut self, id: i64) -> Result<Option<TemplateVersionRow>> {
        Ok(fetch_optional!(self, TemplateVersionRow, TEMPLATE_VERSION, id)?)
    }

    /// The newest version of every template an admin touched (source None: shipped).
    pub async fn current_templates(&mut self) -> Result<Vec<TemplateVersionRow>> {
        Ok(fetch_all!(self, TemplateVersionRow, CURRENT_TEMPLATES)?)
    }

    pub async fn insert_note(&mut self, ticket: TicketId, author: &str, body: &str, at: i64) -> Result<i64> {
        Ok(scalar_one!(self, i64, INSERT_NOTE, ticket.0, author, body, at)?)
    }

    pub async fn notes(&mut self, ticket: TicketId) -> Result<Vec<NoteRow>> {
        Ok(fetch_all!(self, NoteRow, NOTES, ticket.0)?)
    }

    pub async fn setting(&mut self, key: &str) -> Result<Option<String>> {
        Ok(scalar_optional!(self, String, SETTING, key)?)
    }

    pub async fn set_setting(&mut self, key: &str, value: &str, by: &str, at: i64) -> Result<()> {
        execute!(self, SET_SETTING, key, value, by, at)?;
        Ok(())
    }

    /// Changes whenever a template version is saved or the `policy_key` setting changes.
    pub async fn admin_changes_marker(&mut self, policy_key: &str) -> Result<String> {
        Ok(scalar_one!(self, String, ADMIN_CHANGES_MARKER, policy_key)?)
    }

    pub async fn delete_setting(&mut self, key: &str) -> Result<()> {
        execute!(self, DELETE_SETTING, key)?;
        Ok(())
    }

    pub async fn queue(&mut self, f: &QueueFilter, limit: i64, offset: i64) -> Result<Vec<QueueRow>> {
        Ok(match f.mailbox.as_deref() {
            None => fetch_all!(self, QueueRow, QUEUE, &f.status, f.language.as_deref(), limit, offset)?,
            Some(m) => {
                fetch_all!(self, QueueRow, QUEUE_IN_MAILBOX, &f.status, f.language.as_deref(), m, limit, offset)?
            }
        })
    }

    pub async fn queue_count(&mut self, f: &QueueFilter) -> Result<i64> {
        Ok(match f.mailbox.as_deref() {
            None => scalar_one!(self, i64, QUEUE_COUNT, &f.status, f.language.as_deref())?,
            Some(m) => scalar_one!(self, i64, QUEUE_COUNT_IN_MAILBOX, &f.status, f.language.as_deref(), m)?,
        })
    }

    pub async fn mailboxes(&mut self) -> Result<Vec<String>> {
        Ok(scalar_all!(self, String, DISTINCT_MAILBOXES)?)
    }

    pub async fn messages_by_kind(&mut self) -> Result<Vec<KindCount>> {
        Ok(fetch_all!(self, KindCount, COUNT_MESSAGES_BY_KIND)?)
    }

    pub async fn audit_actions(&mut self) -> Result<Vec<KindCount>> {
        Ok(fetch_all!(self, KindCount, COUNT_AUDIT_ACTIONS)?)
    }
}
