//! One message through the pipeline: parse → classify → thread → draft, stored in one
//! transaction. The raw bytes are committed with everything else, so a source may move
//! its cursor once `ingest` returns, and never before.

use serde_json::json;
use tracing::Instrument;

use crate::app::App;
use crate::domain::{DraftId, Kind, MessageKey, Purpose, TicketId};
use crate::drafting::{self, Context, Facts, Occasion};
use crate::empathy::lint;
use crate::empathy::situations::{self, SituationName};
use crate::intake::RawMail;
use crate::mail::classify::{self, Ours};
use crate::mail::compose::reply_subject;
use crate::mail::parse::{self, Inbound, Parsed};
use crate::store::{Db, NewDraft, NewMessage, StoreError};
use crate::threading::{self, ThreadContext};

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Template(#[from] crate::templates::TemplateError),
}

impl PipelineError {
    pub fn is_transient(&self) -> bool {
        matches!(self, PipelineError::Store(e) if e.is_transient())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftOutcome {
    Created(DraftId),
    /// A newer message updated the ticket's pending acknowledgment.
    Updated(DraftId),
    /// No acknowledgment, and why.
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ingested {
    Duplicate(MessageKey),
    Quarantined { key: MessageKey, reason: String },
    Stored { key: MessageKey, kind: Kind, ticket: TicketId, new_ticket: bool, draft: DraftOutcome },
}

/// Running totals an import prints.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Summary {
    pub ingested: u64,
    pub duplicates: u64,
    pub quarantined: u64,
    pub tickets_new: u64,
    pub tickets_updated: u64,
    pub drafts_created: u64,
    pub drafts_updated: u64,
    pub errors: u64,
}

impl Summary {
    pub fn add(&mut self, i: &Ingested) {
        match i {
            Ingested::Duplicate(_) => self.duplicates += 1,
            Ingested::Quarantined { .. } => self.quarantined += 1,
            Ingested::Stored { new_ticket, draft, .. } => {
                self.ingested += 1;
                if *new_ticket {
                    self.tickets_new += 1;
                } else {
                    self.tickets_updated += 1;
                }
                match draft {
                    DraftOutcome::Created(_) => self.drafts_created += 1,
                    DraftOutcome::Updated(_) => self.drafts_updated += 1,
                    DraftOutcome::Skipped(_) => {}
                }
            }
        }
    }
}

/// When the message reached the mailbox: what the source says (Maildir name, IMAP
/// INTERNALDATE), else the newest Received header, else Date, else now; never in the future.
fn arrival(raw: &RawMail, m: Option<&Inbound>, now: i64) -> i64 {
    raw.arrived_at
        .or_else(|| m.and_then(|m| m.newest_received))
        .or_else(|| m.and_then(|m| m.date))
        .unwrap_or(now)
        .min(now)
}

/// Ingests one message in its own transaction.
pub async fn ingest(app: &App, raw: &RawMail, mailbox: &str) -> Result<Ingested, PipelineError> {
    let mut db = app.store.tx().await?;
    let out = ingest_in(app, &mut db, raw, mailbox).await;
    match out {
        Ok(i) => {
            db.commit().await?;
            Ok(i)
        }
        Err(e) => {
            db.rollback().await?;
            Err(e)
        }
    }
}

/// The part of ingesting that needs no database — parsing, the duplicate key,
/// classification, reading the customer — so it can run ahead, on another thread, while
/// the previous batch is in its transaction.
pub struct Prepared {
    raw: RawMail,
    parsed: Parsed,
    key: String,
    class: Option<classify::Classification>,
    /// Read without a name correction; redone in the transaction if one exists.
    reading: Option<drafting::CustomerReading>,
}

impl Prepared {
    pub fn origin(&self) -> &str {
        &self.raw.origin
    }
}

/// Internal errors caught around one message's parse, read and draft since this process
/// started (`attune_internal_errors_total` in `/metrics`).
pub static INTERNAL_ERRORS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs one message's CPU step so that a bug in it costs that message, never the batch or
/// the mailbox: a panic becomes `Err("internal error: …")`, counted and logged.
fn guarded<T>(origin: &str, step: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into());
        INTERNAL_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::error!(origin, step, error = %what, "internal error; the message is kept and the batch goes on");
        format!("internal error while {step}: {what}")
    })
}

pub fn prepare(app: &App, raw: RawMail) -> Prepared {
    match guarded(&raw.origin, "reading the message", || prepare_unguarded(app, &raw)) {
        Ok((parsed, key, class, reading)) => Prepared { raw, parsed, key, class, reading },
        // Quarantined with its raw bytes and the reason; an agent can see it and the
        // cursor moves on, so the same mail cannot stop intake again.
        Err(reason) => {
            let message_id = parse::sniff_message_id(&raw.bytes);
            let key = parse::dedupe_key(message_id.as_deref(), &raw.bytes);
            Prepared { raw, parsed: Parsed::Malformed { reason, message_id }, key, class: None, reading: None }
        }
    }
}

type PreparedParts = (Parsed, String, Option<classify::Classification>, Option<drafting::CustomerReading>);

fn prepare_unguarded(app: &App, raw: &RawMail) -> PreparedParts {
    #[cfg(any(test, debug_assertions))]
    if raw.bytes.windows(POISON.len()).any(|w| w == POISON) {
        panic!("poison marker in a test message");
    }
    let parsed = parse::parse(&raw.bytes);
    let message_id = match &parsed {
        Parsed::Ok(m) => m.message_id.clone(),
        Parsed::Malformed { message_id, .. } => message_id.clone(),
    };
    let key = parse::dedupe_key(message_id.as_deref(), &raw.bytes);
    let (class, reading) = match &parsed {
        Parsed::Ok(m) => {
            let domain = app.config.support.message_id_domain();
            let ours = Ours {
                addresses: &app.ours,
                message_id_domain: &domain,
                loop_token: &app.loop_token,
                rules: &app.gate,
            };
            let class = classify::classify(m, &ours);
            // A too-large message has only its headers here: nothing of the customer to read.
            let reading = (class.kind == Kind::Human && raw.truncated_from.is_none())
                .then(|| drafting::read_customer(&app.config, m, None));
            (Some(class), reading)
        }
        Parsed::Malformed { .. } => (None, None),
    };
    (parsed, key, class, reading)
}

/// Debug builds panic on this header, so tests can prove a bug in one message's step
/// costs that message only. Release builds do not know it.
#[cfg(any(test, debug_assertions))]
pub const POISON: &[u8] = b"X-Attune-Test-Poison: panic";

/// A message the server lists but would not send: quarantined under its origin with the
/// reason, so it is seen (and can be fetched by hand) rather than passed over in silence.
pub fn unreadable(origin: String, reason: String) -> Prepared {
    Prepared {
        key: format!("unreadable:{origin}"),
        raw: RawMail { bytes: Vec::new(), origin, arrived_at: None, truncated_from: None },
        parsed: Parsed::Malformed { reason, message_id: None },
        class: None,
        reading: None,
    }
}

/// Prepares a batch on the blocking pool (CPU work off the async thread).
pub fn prepare_batch(app: &App, raws: Vec<RawMail>) -> tokio::task::JoinHandle<Vec<Prepared>> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || raws.into_iter().map(|r| prepare(&app, r)).collect())
}

/// Ingests several messages in one transaction (a source's batch); if anything fails the
/// batch is rolled back and the messages go one by one, so one bad apple spoils nothing.
/// Returns one result per message, in order.
pub async fn ingest_batch(app: &App, raws: Vec<RawMail>, mailbox: &str) -> Vec<Result<Ingested, PipelineError>> {
    let n = raws.len();
    match prepare_batch(app, raws).await {
        Ok(prepared) => ingest_prepared_batch(app, prepared, mailbox).await,
        // Each message's step is guarded, so this is the runtime shutting down: nothing is
        // stored and the source's cursor does not move.
        Err(e) => (0..n)
            .map(|_| Err(PipelineError::Store(StoreError::Invalid(format!("preparing the batch stopped: {e}")))))
            .collect(),
    }
}

pub async fn ingest_prepared_batch(
    app: &App,
    prepared: Vec<Prepared>,
    mailbox: &str,
) -> Vec<Result<Ingested, PipelineError>> {
    if prepared.len() > 1 {
        if let Ok(mut db) = app.store.tx().await {
            let mut outs = Vec::with_capacity(prepared.len());
            let mut failed = false;
            for p in &prepared {
                match ingest_prepared(app, &mut db, p, mailbox).await {
                    Ok(i) => outs.push(i),
                    Err(_) => {
                        failed = true;
                        break;
                    }
                }
            }
            if !failed && db.commit().await.is_ok() {
                return outs.into_iter().map(Ok).collect();
            }
        }
        tracing::warn!(mailbox, "a batch failed; ingesting its messages one by one");
    }
    let mut outs = Vec::with_capacity(prepared.len());
    for p in &prepared {
        outs.push(ingest(app, &p.raw, mailbox).await);
    }
    outs
}

/// One message through the pipeline inside the caller's transaction.
pub async fn ingest_in(app: &App, db: &mut Db, raw: &RawMail, mailbox: &str) -> Result<Ingested, PipelineError> {
    let prepared = prepare(app, raw.clone());
    ingest_prepared(app, db, &prepared, mailbox).await
}

/// The message was stored before (by an earlier run, another route, another instance).
async fn duplicate(db: &mut Db, dedupe_key: &str) -> Result<Ingested, PipelineError> {
    let existing = db.message_by_dedupe(dedupe_key).await?;
    Ok(Ingested::Duplicate(existing.unwrap_or(MessageKey(0))))
}

/// The database part of one message, inside the caller's transaction. Every log line
/// of it carries the mailbox, the origin (IMAP UID, file) and the message's key.
pub async fn ingest_prepared(
    app: &App,
    db: &mut Db,
    prepared: &Prepared,
    mailbox: &str,
) -> Result<Ingested, PipelineError> {
    let span = tracing::info_span!("message", mailbox, origin = %prepared.raw.origin, key = %prepared.key);
    ingest_prepared_in_span(app, db, prepared, mailbox).instrument(span).await
}

async fn ingest_prepared_in_span(
    app: &App,
    db: &mut Db,
    prepared: &Prepared,
    mailbox: &str,
) -> Result<Ingested, PipelineError> {
    let now = app.now();
    let raw = &prepared.raw;
    let parsed = &prepared.parsed;
    let (message_id, inbound) = match parsed {
        Parsed::Ok(m) => (m.message_id.clone(), Some(m.as_ref())),
        Parsed::Malformed { message_id, .. } => (message_id.clone(), None),
    };
    let key = prepared.key.clone();
    let arrived_at = arrival(raw, inbound, now);

    // No look-up first: the insert itself says whether the message is new (one round trip
    // less per message, which PostgreSQL feels), and it cannot race another instance.
    let Parsed::Ok(m) = parsed else {
        let Parsed::Malformed { reason, .. } = parsed else { unreachable!("matched above") };
        let reason = reason.clone();
        let new = NewMessage {
            dedupe_key: key,
            message_id,
            direction: "in",
            kind: Kind::Malformed,
            mailbox: mailbox.to_string(),
            origin: raw.origin.clone(),
            from_addr: None,
            from_name: None,
            reply_to: None,
            to_addrs: vec![],
            cc_addrs: vec![],
            subject: String::new(),
            in_reply_to: None,
            refs: vec![],
            received_at: arrived_at,
            ingested_at: now,
            body_text: crate::text::without_nul(String::from_utf8_lossy(&raw.bytes).chars().take(4000).collect()),
            body_html: None,
            attachments_json: "[]".into(),
            flags: vec!["quarantined".into()],
            reasons: vec![reason.clone()],
            quarantine_reason: Some(reason.clone()),
            raw: &raw.bytes,
        };
        let Some(k) = db.insert_message(&new).await? else {
            return duplicate(db, &new.dedupe_key).await;
        };
        db.audit(
            now,
            "attune",
            "message.quarantined",
            None,
            None,
            &json!({"message": k.0, "origin": raw.origin, "reason": reason}),
        )
        .await?;
        return Ok(Ingested::Quarantined { key: k, reason });
    };

    let class = match &prepared.class {
        Some(c) => c.clone(),
        None => {
            let domain = app.config.support.message_id_domain();
            classify::classify(
                m,
                &Ours {
                    addresses: &app.ours,
                    message_id_domain: &domain,
                    loop_token: &app.loop_token,
                    rules: &app.gate,
                },
            )
        }
    };
    let mut flags: Vec<String> = Vec::new();
    if class.dmarc_fail {
        flags.push("dmarc-fail".into());
    }
    let mut reasons = class.reasons.clone();
    let too_large = raw.truncated_from.map(|size| {
        format!(
            "too large: {:.1} MB, more than intake.max_message_size ({}); only its headers were read, and it is still in the mailbox",
            size as f64 / 1_000_000.0,
            app.config.intake.max_message_size
        )
    });
    if let Some(why) = &too_large {
        flags.push("too-large".into());
        reasons.push(why.clone());
    }

    let new = NewMessage {
        dedupe_key: key,
        message_id: m.message_id.clone(),
        direction: if class.kind == Kind::Own { "out" } else { "in" },
        kind: class.kind,
        mailbox: mailbox.to_string(),
        origin: raw.origin.clone(),
        from_addr: Some(m.from.address.as_str().to_lowercase()),
        from_name: m.from.name.clone(),
        reply_to: m.reply_to.as_ref().map(|r| r.address.as_str().to_lowercase()),
        to_addrs: m.to.iter().map(|a| a.address.to_string()).collect(),
        cc_addrs: m.cc.iter().map(|a| a.address.to_string()).collect(),
        subject: m.subject.clone(),
        in_reply_to: m.in_reply_to.first().cloned(),
        refs: m.references.clone(),
        received_at: arrived_at,
        ingested_at: now,
        body_text: match &too_large {
            Some(why) => format!("({why}.)"),
            None => m.text.clone(),
        },
        body_html: m.html.clone(),
        attachments_json: serde_json::to_string(&m.attachments).unwrap_or_else(|_| "[]".into()),
        flags: flags.clone(),
        reasons,
        quarantine_reason: None,
        raw: &raw.bytes,
    };
    let Some(msg_key) = db.insert_message(&new).await? else {
        return duplicate(db, &new.dedupe_key).await;
    };

    // Reading the customer is only worth it for mail we may answer, but the name also
    // goes on a new ticket, so read it for human mail.
    let reading = match (&prepared.reading, class.kind == Kind::Human && too_large.is_none()) {
        (_, false) => None,
        (ready, true) => match db.contact_name(m.reply_target().address.as_str()).await? {
            // An agent set this contact's name: only the name changes, the rest of the
            // reading made in `prepare` stands (the customer is read once).
            Some(correction) => {
                let mut reading = ready.clone().unwrap_or_else(|| drafting::read_customer(&app.config, m, None));
                drafting::correct_name(&mut reading, &correction);
                Some(reading)
            }
            None => ready.clone().or_else(|| Some(drafting::read_customer(&app.config, m, None))),
        },
    };

    let tctx = ThreadContext {
        tokens: app.tokens(),
        ours: &app.ours,
        reopen_window_secs: app.config.threading.reopen_window.calendar_secs(),
        mailbox,
        arrived_at,
        now,
        kind: class.kind,
        customer_name: reading
            .as_ref()
            .and_then(|r| r.name.as_ref())
            .map(|n| n.full())
            .or_else(|| m.reply_target().name.clone()),
    };
    let related: Vec<&str> =
        m.message_id.iter().chain(&m.in_reply_to).chain(&m.references).map(String::as_str).collect();
    db.lock_threads(&related).await?;
    let threaded = threading::thread(db, m, &tctx).await?;
    db.set_message_ticket(msg_key, threaded.ticket).await?;

    if !threaded.merged.is_empty() {
        db.audit(
            now,
            "attune",
            "ticket.merged",
            Some(threaded.ticket),
            None,
            &json!({"absorbed": threaded.merged.iter().map(|t| t.0).collect::<Vec<_>>(), "by_message": msg_key.0}),
        )
        .await?;
    }

    // A bounce of one of our replies marks that reply.
    if class.kind == Kind::Bounce
        && let Some(report) = &m.delivery_report
        && let Some(original) = &report.original_message_id
        && let Some(draft) = db.draft_by_outgoing_id(original).await?
    {
        let reason =
            report.diagnostic.clone().or_else(|| report.status.clone()).unwrap_or_else(|| "delivery failed".into());
        db.mark_bounced(draft.id(), now, &reason).await?;
        db.audit(
            now,
            "attune",
            "reply.bounced",
            Some(TicketId(draft.ticket_id)),
            Some(draft.id()),
            &json!({"reason": reason, "recipient": report.recipient}),
        )
        .await?;
    }
    // A reply the team sent from their own mail program stops the SLA clock, and makes a
    // pending acknowledgment moot: the customer has their answer.
    if class.kind == Kind::Own {
        db.set_last_outbound(threaded.ticket, arrived_at).await?;
        if let Some(pending) = db.pending_draft_of_ticket(threaded.ticket).await? {
            let reason = "the team answered from their own mail program";
            db.reject_draft(pending.id(), pending.version, reason, "attune", now).await?;
            db.audit(
                now,
                "attune",
                "draft.superseded",
                Some(threaded.ticket),
                Some(pending.id()),
                &json!({"reason": reason, "by_message": msg_key.0}),
            )
            .await?;
        }
    }

    let draft = match (reading, &too_large) {
        // A person's mail we could not read whole: no acknowledgment from its headers
        // alone; a person is asked to open it in the mailbox.
        (_, Some(why)) if class.kind == Kind::Human => {
            flag_for_person(db, threaded.ticket, why, msg_key, arrived_at, now).await?;
            DraftOutcome::Skipped(format!("{why}: flagged for a person"))
        }
        (Some(reading), _) => acknowledge(app, db, m, msg_key, &class, reading, &threaded, arrived_at, now).await?,
        (None, _) => DraftOutcome::Skipped(format!("{} mail is never acknowledged", class.kind)),
    };
    if let DraftOutcome::Skipped(reason) = &draft
        && reason.starts_with("thank-you")
    {
        flags.push("thank-you".into());
        db.set_message_flags(msg_key, &flags).await?;
    }
    Ok(Ingested::Stored {
        key: msg_key,
        kind: class.kind,
        ticket: threaded.ticket,
        new_ticket: threaded.new_ticket,
        draft,
    })
}

/// Asks a person to look at the ticket (first in the queue), with the reason, audited.
async fn flag_for_person(
    db: &mut Db,
    ticket: TicketId,
    reason: &str,
    message: MessageKey,
    arrived_at: i64,
    now: i64,
) -> Result<(), PipelineError> {
    db.flag_needs_person(ticket, reason, arrived_at).await?;
    db.audit(
        now,
        "attune",
        "ticket.needs_person",
        Some(ticket),
        None,
        &json!({"reason": reason, "message": message.0}),
    )
    .await?;
    Ok(())
}

/// Why a follow-up needs a person rather than silence: it is upset, names a deadline,
/// threatens to leave, dispute the charge or go to law, says it is being ignored, or the
/// business is down. None for a calm "thanks, one more thing".
pub fn escalation(reading: &drafting::CustomerReading) -> Option<String> {
    let s = &reading.situations;
    let mut why: Vec<String> = [
        SituationName::Urgent,
        SituationName::ThreatToLeave,
        SituationName::Chargeback,
        SituationName::Legal,
        SituationName::RepeatedContact,
        SituationName::Bereavement,
        SituationName::SecurityWorry,
    ]
    .into_iter()
    .filter(|n| s.is(*n))
    .map(|n| n.label().to_string())
    .collect();
    if let Some(d) = &s.deadline {
        why.push(format!("a deadline: \u{201c}{d}\u{201d}"));
    }
    if reading.sentiment == crate::domain::Sentiment::Negative && why.is_empty() {
        why.push("upset".into());
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// How far back earlier unanswered mails count as the same customer writing again.
const EARLIER_WINDOW_SECS: i64 = 30 * 86_400;

#[allow(clippy::too_many_arguments)]
async fn acknowledge(
    app: &App,
    db: &mut Db,
    m: &Inbound,
    msg_key: MessageKey,
    class: &classify::Classification,
    reading: drafting::CustomerReading,
    threaded: &threading::Threaded,
    arrived_at: i64,
    now: i64,
) -> Result<DraftOutcome, PipelineError> {
    if class.dmarc_fail {
        return Ok(DraftOutcome::Skipped("the sender failed DMARC: not answered, flagged".into()));
    }
    if drafting::is_thank_you_only(&reading) {
        return Ok(DraftOutcome::Skipped("thank-you only: flagged for an agent, no acknowledgment".into()));
    }
    let ticket = &threaded.row;
    let to = m.reply_target().address.as_str().to_lowercase();
    let pending = if threaded.new_ticket { None } else { db.pending_draft_of_ticket(threaded.ticket).await? };
    let purpose = match &pending {
        Some(p) => Purpose::parse(&p.purpose).unwrap_or(Purpose::AckNew),
        None if threaded.new_ticket => Purpose::AckNew,
        None => {
            if let Some(last) = ticket.last_outbound_at
                && arrived_at - last < app.config.ack.quiet_period.calendar_secs()
            {
                // No second acknowledgment so soon, but a follow-up that escalates must not
                // drop out of sight: a person is asked to look, first in the queue.
                if let Some(reason) = escalation(&reading) {
                    flag_for_person(db, threaded.ticket, &reason, msg_key, arrived_at, now).await?;
                    return Ok(DraftOutcome::Skipped(format!(
                        "we wrote to the customer less than {} before this follow-up; it escalates ({reason}): flagged for a person",
                        app.config.ack.quiet_period
                    )));
                }
                return Ok(DraftOutcome::Skipped(format!(
                    "we wrote to the customer less than {} before this follow-up",
                    app.config.ack.quiet_period
                )));
            }
            Purpose::AckFollowup
        }
    };
    let from = m.from.address.as_str().to_lowercase();
    let history = db.ack_history(&to, &from, arrived_at, arrived_at - EARLIER_WINDOW_SECS, msg_key).await?;
    if pending.is_none() {
        // Per-recipient limits, counted by arrival times so an old import is judged as it happened.
        let (hour, day) = (history.acks_hour, history.acks_day);
        if hour >= i64::from(app.config.ack.per_sender_per_hour) {
            return Ok(DraftOutcome::Skipped(format!("rate limit: {hour} acknowledgments to {to} in the hour before")));
        }
        if day >= i64::from(app.config.ack.per_sender_per_day) {
            return Ok(DraftOutcome::Skipped(format!("rate limit: {day} acknowledgments to {to} in the day before")));
        }
    }

    // Earlier mails from them in the last 30 days that nobody answered and that have waited
    // past the first-response SLA: they wrote before and heard nothing.
    let mut reading = reading;
    let policy = app.policy();
    let overdue: Vec<i64> = history
        .earlier_unanswered
        .into_iter()
        .filter(|at| {
            crate::empathy::lateness::judge(
                &policy.calendar,
                policy.sla.first_response,
                crate::clock::ts(*at),
                crate::clock::ts(now),
            )
            .late
        })
        .collect();
    if let Some(first) = overdue.first() {
        let first_day = crate::clock::ts(*first);
        let s = &mut reading.situations;
        s.earlier_unanswered = overdue.len() as u32;
        if s.first_contact.is_none() {
            s.first_contact = crate::clock::day_month(first_day, reading.utc_offset_secs);
        }
        let evidence = format!(
            "{} earlier unanswered mail{} in our store, the first on {}",
            overdue.len(),
            if overdue.len() == 1 { "" } else { "s" },
            crate::clock::date_string(first_day)
        );
        s.set(SituationName::RepeatedContact, vec![evidence], situations::Source::Store);
    }

    // "By 2pm today", written on Monday and answered on Thursday: that time is gone.
    if let Some(d) = reading.situations.deadline.as_deref() {
        reading.situations.deadline_passed =
            situations::deadline_passed(d, reading.language, arrived_at, now, reading.utc_offset_secs);
    }

    // The wait counts from the oldest message the pending acknowledgment answers, or the
    // first of their unanswered mails.
    let waited_from = pending.as_ref().map(|p| p.trigger_received_at.min(arrived_at)).unwrap_or(arrived_at);
    let waited_from = overdue.first().map_or(waited_from, |first| waited_from.min(*first));
    // "I first wrote on 24 November": when our store does not hold that mail (another
    // address, a form), the wait still counts from the day they name.
    let waited_from = match reading.situations.first_contact {
        Some((day, month)) if overdue.is_empty() && reading.situations.is(SituationName::RepeatedContact) => {
            crate::clock::day_before(
                crate::clock::ts(arrived_at),
                day,
                month,
                reading.utc_offset_secs,
                EARLIER_WINDOW_SECS,
            )
            .map_or(waited_from, |at| waited_from.min(at))
        }
        _ => waited_from,
    };
    let tokens = app.tokens();
    let token = tokens.subject_token(threaded.ticket);
    let facts = Facts::from_reading(
        &app.config,
        &app.policy(),
        &reading,
        Occasion {
            purpose,
            kind: class.kind,
            dmarc_fail: class.dmarc_fail,
            waited_from,
            now,
            ticket_ref: tokens.reference(threaded.ticket),
            customer_subject: ticket.subject.clone(),
        },
    );
    let templates = app.templates();
    let policy = app.policy();
    let composed = guarded(m.message_id.as_deref().unwrap_or("(no Message-ID)"), "drafting the acknowledgment", || {
        let body = drafting::render(
            &templates,
            &Context { config: &app.config, policy: &policy, facts: &facts, ticket_token: &token, agent: None },
        )?;
        let subject = reply_subject(&m.subject, &token);
        let findings = drafting::lint_body(&app.config, &facts, &body, &subject, m.message_id.is_some(), None);
        Ok::<_, crate::templates::TemplateError>((body, subject, findings))
    });
    let (body, subject, findings) = match composed {
        Ok(done) => done?,
        // The message is stored and threaded; only the draft is missing, so a person is
        // asked to answer it by hand.
        Err(reason) => {
            flag_for_person(db, threaded.ticket, &reason, msg_key, arrived_at, now).await?;
            return Ok(DraftOutcome::Skipped(format!("{reason}: flagged for a person")));
        }
    };
    let lint_ok = lint::must_pass(&findings);
    let mut refs = m.references.clone();
    if let Some(id) = &m.message_id
        && !refs.contains(id)
    {
        refs.push(id.clone());
    }
    let new = NewDraft {
        ticket_id: threaded.ticket,
        reply_to_message: msg_key,
        purpose: purpose.as_str().into(),
        template_key: facts.template_key().to_string(),
        language: facts.language.code().into(),
        register: facts.register.as_str().into(),
        to_addr: to,
        to_name: m.reply_target().name.clone().or_else(|| facts.name.as_ref().map(|n| n.full())),
        subject,
        in_reply_to: m.message_id.clone().unwrap_or_default(),
        refs,
        body: body.clone(),
        facts_json: serde_json::to_string(&facts).unwrap_or_else(|_| "{}".into()),
        lint_json: serde_json::to_string(&findings).unwrap_or_else(|_| "[]".into()),
        lint_ok,
        trigger_received_at: waited_from,
        at: now,
    };
    match pending {
        Some(p) => {
            db.redraft(p.id(), &new).await?;
            db.audit(
                now,
                "attune",
                "draft.updated",
                Some(threaded.ticket),
                Some(p.id()),
                &json!({"message": msg_key.0, "as_drafted": body}),
            )
            .await?;
            Ok(DraftOutcome::Updated(p.id()))
        }
        None => {
            let id = db.insert_draft(&new).await?;
            db.audit(
                now,
                "attune",
                "draft.created",
                Some(threaded.ticket),
                Some(id),
                &json!({"message": msg_key.0, "template": new.template_key, "as_drafted": body, "lint_ok": lint_ok}),
            )
            .await?;
            Ok(DraftOutcome::Created(id))
        }
    }
}
