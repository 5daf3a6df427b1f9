//! Which ticket a message belongs to.
//!
//! 1. Message-IDs: the message's own id, In-Reply-To and References against every id the
//!    tickets' messages have or mention (customers' and ours). Arrival order does not
//!    matter: a child that arrived before its parent left the parent's id behind, and a
//!    late parent that links two tickets merges them into the older one.
//! 2. The ticket token in the subject (`[#123]`, or `[#123-k4f2q]` with a keyed hash).
//! 3. Plus-addressing (`support+123@…`).
//! 4. Otherwise a new ticket.
//!
//! Anti-hijack: a token or plus-address from a sender who is not on that ticket does not
//! attach their mail to it; it opens a new ticket linked to it and flagged, so an agent
//! can merge it if it belongs. A reply to a resolved ticket reopens it within
//! `threading.reopen_window`; later it opens a new ticket linked to the old one.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use regex::Regex;
use sha2::Sha256;

use crate::config::ThreadingConfig;
use crate::domain::{EmailAddress, Kind, TicketId, TicketStatus};
use crate::mail::parse::Inbound;
use crate::store::{Db, NewTicket, Result, TicketRow};

/// How a message found its ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    MessageId,
    SubjectToken,
    PlusAddress,
    New,
}

#[derive(Clone, Debug)]
pub struct Threaded {
    pub ticket: TicketId,
    /// The ticket's row as threading left it.
    pub row: TicketRow,
    pub link: Link,
    pub new_ticket: bool,
    pub reopened: bool,
    /// Tickets folded into this one because this message linked them.
    pub merged: Vec<TicketId>,
    /// Flags for the agent ("token from a sender not on #12").
    pub flags: Vec<String>,
}

/// Ticket tokens: `[#123]`, or with a secret `[#123-k4f2q]`.
pub struct Tokens<'a> {
    pub prefix: &'a str,
    pub secret: Option<&'a str>,
}

impl<'a> Tokens<'a> {
    pub fn from_config(c: &'a ThreadingConfig) -> Tokens<'a> {
        Tokens { prefix: &c.token_prefix, secret: c.token_secret.as_ref().map(|s| s.expose()) }
    }

    fn mac(&self, id: i64) -> Option<String> {
        let secret = self.secret?;
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
        mac.update(id.to_string().as_bytes());
        let bytes = mac.finalize().into_bytes();
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        Some(bytes.iter().take(5).map(|b| ALPHABET[(*b as usize) % 32] as char).collect())
    }

    /// The token's text without brackets: `#123` or `#123-k4f2q`.
    pub fn reference(&self, id: TicketId) -> String {
        match self.mac(id.0) {
            Some(h) => format!("{}{}-{h}", self.prefix, id.0),
            None => format!("{}{}", self.prefix, id.0),
        }
    }

    pub fn subject_token(&self, id: TicketId) -> String {
        format!("[{}]", self.reference(id))
    }

    /// A plus-address tag for the ticket: `123` or `123-k4f2q`.
    pub fn plus_tag(&self, id: TicketId) -> String {
        match self.mac(id.0) {
            Some(h) => format!("{}-{h}", id.0),
            None => id.0.to_string(),
        }
    }

    fn verify(&self, id: i64, hash: Option<&str>) -> bool {
        match (self.mac(id), hash) {
            (None, _) => true,
            (Some(expected), Some(given)) => expected.eq_ignore_ascii_case(given),
            (Some(_), None) => false,
        }
    }

    pub fn parse_subject(&self, subject: &str) -> Option<TicketId> {
        static CACHE: LazyLock<std::sync::Mutex<Option<(String, Regex)>>> =
            LazyLock::new(|| std::sync::Mutex::new(None));
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if cache.as_ref().is_none_or(|(p, _)| p != self.prefix) {
            let re =
                Regex::new(&format!(r"\[{}(\d{{1,12}})(?:-([a-zA-Z2-7]{{5}}))?\]", regex::escape(self.prefix))).ok()?;
            *cache = Some((self.prefix.to_string(), re));
        }
        let (_, re) = cache.as_ref()?;
        for caps in re.captures_iter(subject) {
            let id: i64 = caps.get(1)?.as_str().parse().ok()?;
            if self.verify(id, caps.get(2).map(|m| m.as_str())) {
                return Some(TicketId(id));
            }
        }
        None
    }

    pub fn parse_plus(&self, tag: &str) -> Option<TicketId> {
        let (num, hash) = match tag.split_once('-') {
            Some((n, h)) => (n, Some(h)),
            None => (tag, None),
        };
        let id: i64 = num.parse().ok().filter(|n| *n > 0)?;
        self.verify(id, hash).then_some(TicketId(id))
    }
}

pub struct ThreadContext<'a> {
    pub tokens: Tokens<'a>,
    pub ours: &'a [EmailAddress],
    pub reopen_window_secs: i64,
    pub mailbox: &'a str,
    /// When the message arrived (reopen windows are judged by it).
    pub arrived_at: i64,
    /// Now, for timestamps on rows.
    pub now: i64,
    pub kind: Kind,
    /// The customer's name as found, for a new ticket's row.
    pub customer_name: Option<String>,
}

fn is_ours(ours: &[EmailAddress], a: &EmailAddress) -> bool {
    ours.iter().any(|o| o.without_tag() == a.without_tag())
}

pub async fn thread(db: &mut Db, m: &Inbound, ctx: &ThreadContext<'_>) -> Result<Threaded> {
    let customer = m.reply_target().address.clone();
    let mut flags = Vec::new();

    // 1. Message-IDs.
    let mut candidates: Vec<TicketRow> = Vec::new();
    for id in m.thread_ids() {
        for t in db.tickets_for_thread_id(&id).await? {
            if let Some(live) = db.live_ticket(t).await?
                && !candidates.iter().any(|c| c.id == live.id)
            {
                candidates.push(live);
            }
        }
    }
    // A ticket opened for a late reply to a resolved one supersedes it.
    let superseded: Vec<i64> = candidates.iter().filter_map(|c| c.linked_to).collect();
    candidates.retain(|c| !superseded.contains(&c.id));
    candidates.sort_by_key(|c| c.id);

    if let Some(first) = candidates.first().cloned() {
        let mut merged = Vec::new();
        for other in candidates.iter().skip(1) {
            db.merge_tickets(first.id(), other.id(), ctx.now).await?;
            merged.push(other.id());
        }
        let mut t = attach_or_follow_up(db, first, m, ctx, &customer).await?;
        t.link = if t.new_ticket { Link::New } else { Link::MessageId };
        t.merged = merged;
        register_ids(db, t.ticket, m, ctx).await?;
        return Ok(t);
    }

    // 2. Subject token, 3. plus-address.
    let by_token = ctx.tokens.parse_subject(&m.subject).map(|t| (t, Link::SubjectToken));
    let by_plus = || {
        m.to.iter()
            .map(|mb| &mb.address)
            .chain(m.cc.iter().map(|mb| &mb.address))
            .chain(m.delivered_to.iter())
            .filter(|a| is_ours(ctx.ours, a))
            .find_map(|a| a.tag().and_then(|tag| ctx.tokens.parse_plus(tag)))
            .map(|t| (t, Link::PlusAddress))
    };
    if let Some((id, link)) = by_token.or_else(by_plus)
        && let Some(target) = db.live_ticket(id).await?
    {
        let sender_known = db.is_participant(target.id(), customer.as_str()).await?
            || db.is_participant(target.id(), m.from.address.as_str()).await?
            || is_ours(ctx.ours, &m.from.address);
        if sender_known {
            let mut t = attach_or_follow_up(db, target, m, ctx, &customer).await?;
            if !t.new_ticket {
                t.link = link;
            }
            register_ids(db, t.ticket, m, ctx).await?;
            return Ok(t);
        }
        flags.push(format!(
            "{} referred to ticket #{} but is not on it; opened apart, linked to it",
            customer, target.id
        ));
        let row = create(db, m, ctx, &customer, Some(target.id()), flags.clone()).await?;
        register_ids(db, row.id(), m, ctx).await?;
        return Ok(Threaded {
            ticket: row.id(),
            row,
            link: Link::New,
            new_ticket: true,
            reopened: false,
            merged: vec![],
            flags,
        });
    }

    // 4. New ticket.
    let row = create(db, m, ctx, &customer, None, vec![]).await?;
    register_ids(db, row.id(), m, ctx).await?;
    Ok(Threaded { ticket: row.id(), row, link: Link::New, new_ticket: true, reopened: false, merged: vec![], flags })
}

/// Attaches to `target`, reopening it, or opening a linked ticket when it was resolved
/// longer ago than the reopen window.
async fn attach_or_follow_up(
    db: &mut Db,
    target: TicketRow,
    m: &Inbound,
    ctx: &ThreadContext<'_>,
    customer: &EmailAddress,
) -> Result<Threaded> {
    let mut reopened = false;
    if target.status() == TicketStatus::Resolved && ctx.kind == Kind::Human && !is_ours(ctx.ours, &m.from.address) {
        let resolved_at = target.resolved_at.unwrap_or(target.updated_at);
        if ctx.arrived_at - resolved_at <= ctx.reopen_window_secs {
            reopened = db.reopen_ticket(target.id(), ctx.now).await?;
        } else {
            // Past the window: a newer open ticket linked to this one takes it, else a new one.
            let mut follow = None;
            for linked in db.tickets_linked_to(target.id()).await?.into_iter().rev() {
                if let Some(t) = db.live_ticket(linked).await?
                    && t.status() == TicketStatus::Open
                {
                    follow = Some(t);
                    break;
                }
            }
            let (row, new_ticket) = match follow {
                Some(t) => (t, false),
                None => (create(db, m, ctx, customer, Some(target.id()), vec![]).await?, true),
            };
            if !new_ticket {
                add_people(db, row.id(), m, ctx, false).await?;
            }
            return Ok(Threaded {
                ticket: row.id(),
                row,
                link: Link::New,
                new_ticket,
                reopened: false,
                merged: vec![],
                flags: vec![],
            });
        }
    }
    db.touch_ticket(target.id(), ctx.now).await?;
    add_people(db, target.id(), m, ctx, false).await?;
    let mut row = target;
    if reopened {
        row.status = TicketStatus::Open.as_str().into();
        row.resolved_at = None;
    }
    Ok(Threaded {
        ticket: row.id(),
        row,
        link: Link::MessageId,
        new_ticket: false,
        reopened,
        merged: vec![],
        flags: vec![],
    })
}

async fn create(
    db: &mut Db,
    m: &Inbound,
    ctx: &ThreadContext<'_>,
    customer: &EmailAddress,
    linked: Option<TicketId>,
    flags: Vec<String>,
) -> Result<TicketRow> {
    let subject = strip_reply_prefixes(&m.subject);
    let new = NewTicket {
        mailbox: ctx.mailbox.to_string(),
        subject: if subject.is_empty() { "(no subject)".into() } else { subject },
        customer_email: customer.as_str().to_lowercase(),
        customer_name: ctx.customer_name.clone(),
        linked_to: linked,
        flags,
        at: ctx.now,
    };
    let id = db.create_ticket(&new).await?;
    add_people(db, id, m, ctx, true).await?;
    // The row as inserted, without reading it back.
    Ok(TicketRow {
        id: id.0,
        mailbox: new.mailbox,
        subject: new.subject,
        customer_email: new.customer_email,
        customer_name: new.customer_name,
        status: TicketStatus::Open.as_str().into(),
        merged_into: None,
        linked_to: linked.map(|l| l.0),
        assignee: None,
        flags: serde_json::to_string(&new.flags).unwrap_or_else(|_| "[]".into()),
        created_at: ctx.now,
        updated_at: ctx.now,
        resolved_at: None,
        last_outbound_at: None,
        needs_person: None,
        needs_person_at: None,
    })
}

/// The customer, whoever wrote, and everyone in Cc (never our own addresses).
async fn add_people(
    db: &mut Db,
    ticket: TicketId,
    m: &Inbound,
    ctx: &ThreadContext<'_>,
    new_ticket: bool,
) -> Result<()> {
    if is_ours(ctx.ours, &m.from.address) {
        return Ok(());
    }
    let target = &m.reply_target().address;
    db.add_participant(ticket, target.as_str(), if new_ticket { "customer" } else { "sender" }).await?;
    if m.from.address != *target {
        db.add_participant(ticket, m.from.address.as_str(), "sender").await?;
    }
    for cc in m.cc.iter().chain(m.to.iter()) {
        if !is_ours(ctx.ours, &cc.address) {
            db.add_participant(ticket, cc.address.as_str(), "cc").await?;
        }
    }
    Ok(())
}

async fn register_ids(db: &mut Db, ticket: TicketId, m: &Inbound, _ctx: &ThreadContext<'_>) -> Result<()> {
    for id in m.thread_ids() {
        db.add_thread_id(ticket, &id).await?;
    }
    Ok(())
}

/// "Re: Fwd: AW: Hello [#12]" → "Hello".
pub fn strip_reply_prefixes(subject: &str) -> String {
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*((re|aw|antw|antwort|wg|fw|fwd|tr|rv|r|sv|vs|ref|réf|res|enc)\s*(\[\d+\])?\s*:\s*)+")
            .expect("static regex")
    });
    PREFIX.replace(subject, "").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_plain_and_keyed() {
        let plain = Tokens { prefix: "#", secret: None };
        assert_eq!(plain.subject_token(TicketId(123)), "[#123]");
        assert_eq!(plain.parse_subject("Re: Help [#123]"), Some(TicketId(123)));
        assert_eq!(plain.parse_subject("Re: Help #123"), None);
        assert_eq!(plain.parse_plus("123"), Some(TicketId(123)));
        let keyed = Tokens { prefix: "#", secret: Some("0123456789abcdef-secret") };
        let token = keyed.subject_token(TicketId(42));
        assert!(token.starts_with("[#42-") && token.len() == "[#42-abcde]".len(), "{token}");
        assert_eq!(keyed.parse_subject(&format!("Re: x {token}")), Some(TicketId(42)));
        // A guessed number without the hash, or with a wrong one, is ignored.
        assert_eq!(keyed.parse_subject("Re: x [#42]"), None);
        assert_eq!(keyed.parse_subject("Re: x [#42-aaaaa]"), None);
        assert_eq!(keyed.parse_plus(&keyed.plus_tag(TicketId(42))), Some(TicketId(42)));
        assert_eq!(keyed.parse_plus("42"), None);
    }

    #[test]
    fn reply_prefixes() {
        assert_eq!(strip_reply_prefixes("Re: AW: Fwd: Hello"), "Hello");
        assert_eq!(strip_reply_prefixes("Re[2]: Hello"), "Hello");
        assert_eq!(strip_reply_prefixes("Reminder"), "Reminder");
    }
}
