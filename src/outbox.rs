//! The outbox: sends approved replies, each once. A draft is claimed and its Message-ID
//! fixed before anything is sent; if the process dies mid-send, the claim expires and the
//! draft is sent again with the same Message-ID, so mail programs drop the copy.
//! Lateness is judged once more at send time: if sending was held up past the SLA, the
//! template's apology is added and the audit says so.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use tokio::net::TcpStream;

use crate::net::MailStream;

use rand::Rng;
use serde_json::json;
use tracing::Instrument;

use crate::app::App;
use crate::clock::ts;
use crate::config::{SmtpConfig, TlsMode};
use crate::domain::EmailAddress;
use crate::domain::{DraftId, Kind, TicketId};
use crate::drafting::{self, Context, Facts};
use crate::empathy::{lateness, lint};
use crate::mail::compose::{self, Outgoing};
use crate::store::{NewMessage, StoreError};

/// Where replies go.
#[derive(Clone)]
pub enum Delivery {
    /// Write each reply as an .eml file (the embedded default and the demo).
    Files { dir: PathBuf },
    /// Send through an SMTP server.
    Smtp(Arc<SmtpDelivery>),
}

pub struct SmtpDelivery {
    config: SmtpConfig,
    password: Option<crate::config::Secret>,
    /// The session kept open between sends (each send locks it: one at a time per instance).
    connection: tokio::sync::Mutex<Option<AsyncSmtpConnection>>,
    timeout: Duration,
    describe: String,
}

impl SmtpDelivery {
    pub fn from_config(c: &SmtpConfig) -> Result<SmtpDelivery, String> {
        let password = c.password.resolve()?;
        if let Some(ca) = &c.ca_file {
            // Fail at start, not at the first send.
            crate::net::tls_config(Some(ca))?;
        }
        Ok(SmtpDelivery {
            config: c.clone(),
            password,
            connection: tokio::sync::Mutex::new(None),
            timeout: Duration::from_secs(c.timeout.calendar_secs().max(1) as u64),
            describe: format!("SMTP {}:{}", c.host, c.port),
        })
    }

    fn hello(&self) -> ClientId {
        match &self.config.helo_name {
            Some(n) => ClientId::Domain(n.clone()),
            None => ClientId::default(),
        }
    }

    /// Connects with TCP_NODELAY (without it every message waits out a delayed ACK),
    /// secures the connection and logs in.
    async fn connect(&self) -> Result<AsyncSmtpConnection, DeliveryError> {
        let c = &self.config;
        let d = self.describe.as_str();
        let smtp = |e: lettre::transport::smtp::Error| DeliveryError::from_smtp(d, e);
        let tcp = TcpStream::connect((c.host.as_str(), c.port))
            .await
            .map_err(|e| DeliveryError::transient(format!("{d}: cannot connect: {e}")))?;
        let _ = tcp.set_nodelay(true);
        crate::net::keep_alive(&tcp);
        let hello = self.hello();
        let mut conn = match c.tls {
            TlsMode::Tls => {
                let cfg = crate::net::tls_config(c.ca_file.as_deref())
                    .map_err(|e| DeliveryError::permanent(format!("{d}: {e}")))?;
                let name = rustls::pki_types::ServerName::try_from(c.host.clone())
                    .map_err(|e| DeliveryError::permanent(format!("{d}: {e}")))?;
                let tls = tokio_rustls::TlsConnector::from(cfg).connect(name, tcp).await.map_err(|e| {
                    DeliveryError::transient(format!("{d}: TLS failed: {}", crate::net::describe_tls_error(&e)))
                })?;
                AsyncSmtpConnection::connect_with_transport(Box::new(MailStream::Tls(Box::new(tls))), &hello)
                    .await
                    .map_err(smtp)?
            }
            TlsMode::Starttls => {
                let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(MailStream::Plain(tcp)), &hello)
                    .await
                    .map_err(smtp)?;
                let mut params = TlsParameters::builder(c.host.clone());
                if let Some(ca) = &c.ca_file {
                    let pem = std::fs::read(ca).map_err(|e| DeliveryError::permanent(format!("{d}: ca_file: {e}")))?;
                    params = params.add_root_certificate(Certificate::from_pem(&pem).map_err(smtp)?);
                }
                conn.starttls(params.build_rustls().map_err(smtp)?, &hello).await.map_err(smtp)?;
                conn
            }
            TlsMode::None => AsyncSmtpConnection::connect_with_transport(Box::new(MailStream::Plain(tcp)), &hello)
                .await
                .map_err(smtp)?,
        };
        if let (Some(user), Some(password)) = (&c.username, &self.password) {
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), password.expose().to_string()),
            )
            .await
            .map_err(smtp)?;
        }
        Ok(conn)
    }

    async fn send(&self, envelope: &Envelope, raw: &[u8]) -> Result<String, DeliveryError> {
        let mut slot = self.connection.lock().await;
        let result = tokio::time::timeout(self.timeout, async {
            if slot.as_ref().is_none_or(|c| c.has_broken()) {
                *slot = Some(self.connect().await?);
            }
            let conn = slot.as_mut().expect("connected above");
            conn.send(envelope, raw).await.map_err(|e| DeliveryError::from_smtp(&self.describe, e))
        })
        .await;
        match result {
            Ok(Ok(response)) => Ok(format!("{} ({})", self.describe, response.message().collect::<Vec<_>>().join(" "))),
            Ok(Err(e)) => {
                // A session that failed is not reused.
                *slot = None;
                Err(e)
            }
            Err(_) => {
                *slot = None;
                Err(DeliveryError::transient(format!(
                    "{}: no answer within {}s",
                    self.describe,
                    self.timeout.as_secs()
                )))
            }
        }
    }

    /// EHLO (and AUTH when configured), for `check-config --connect`.
    pub async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(self.timeout, self.connect()).await {
            Ok(Ok(mut conn)) => {
                let _ = conn.quit().await;
                Ok(())
            }
            Ok(Err(e)) => Err(e.message),
            Err(_) => Err(format!("{}: no answer within {}s", self.describe, self.timeout.as_secs())),
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    pub message: String,
    transient: bool,
    /// The SMTP reply code, when the server gave one (550, 452…).
    code: Option<u16>,
}

impl DeliveryError {
    pub fn transient(message: impl Into<String>) -> DeliveryError {
        DeliveryError { message: message.into(), transient: true, code: None }
    }
    pub fn permanent(message: impl Into<String>) -> DeliveryError {
        DeliveryError { message: message.into(), transient: false, code: None }
    }

    /// The SMTP reply code (5xx permanent, 4xx transient), if the server answered one.
    pub fn smtp_code(&self) -> Option<u16> {
        self.code
    }
    /// Worth trying again later (4xx, timeouts, connection trouble).
    pub fn is_transient(&self) -> bool {
        self.transient
    }

    fn from_smtp(describe: &str, e: lettre::transport::smtp::Error) -> DeliveryError {
        let code = e.status().and_then(|c| c.to_string().parse::<u16>().ok());
        let base = if e.is_permanent() {
            DeliveryError::permanent(format!("{describe}: {e}"))
        } else {
            DeliveryError::transient(format!("{describe}: {e}"))
        };
        DeliveryError { code, ..base }
    }
}

impl Delivery {
    /// SMTP when `[smtp]` is configured, else files in `outbox.dir`.
    pub fn from_config(app: &App) -> Result<Delivery, String> {
        match &app.config.smtp {
            Some(c) => Ok(Delivery::Smtp(Arc::new(SmtpDelivery::from_config(c)?))),
            None => Ok(Delivery::Files { dir: app.config.outbox.dir.clone() }),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Delivery::Files { dir } => format!("files in {}", dir.display()),
            Delivery::Smtp(s) => s.describe.clone(),
        }
    }

    async fn deliver(
        &self,
        draft: DraftId,
        message_id: &str,
        from: &EmailAddress,
        to: &EmailAddress,
        raw: &[u8],
    ) -> Result<String, DeliveryError> {
        match self {
            Delivery::Smtp(s) => {
                let envelope = Envelope::new(
                    Some(
                        from.as_str()
                            .parse()
                            .map_err(|e| DeliveryError::permanent(format!("bad sender {from}: {e}")))?,
                    ),
                    vec![
                        to.as_str()
                            .parse()
                            .map_err(|e| DeliveryError::permanent(format!("bad recipient {to}: {e}")))?,
                    ],
                )
                .map_err(|e| DeliveryError::permanent(e.to_string()))?;
                s.send(&envelope, raw).await
            }
            Delivery::Files { dir } => {
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| DeliveryError::transient(format!("cannot create {}: {e}", dir.display())))?;
                let local = message_id.split('@').next().unwrap_or(message_id);
                let name = format!("{:06}-{local}.eml", draft.0);
                let path = dir.join(&name);
                let tmp = dir.join(format!(".{name}.tmp"));
                tokio::fs::write(&tmp, raw)
                    .await
                    .map_err(|e| DeliveryError::transient(format!("cannot write {}: {e}", tmp.display())))?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(|e| DeliveryError::transient(format!("cannot move into {}: {e}", path.display())))?;
                Ok(path.display().to_string())
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Template(#[from] crate::templates::TemplateError),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendOutcome {
    Sent {
        draft: DraftId,
        message_id: String,
        location: String,
    },
    Retrying {
        draft: DraftId,
        error: String,
        next_attempt_at: i64,
    },
    Failed {
        draft: DraftId,
        error: String,
    },
    /// Another sender claimed it first.
    Lost(DraftId),
}

/// Every send is bounded: lettre's own timeout covers only connecting.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

fn backoff_secs(app: &App, attempts: i64) -> i64 {
    let base = app.config.outbox.retry_base.calendar_secs().max(1);
    let exp = base.saturating_mul(1 << attempts.clamp(0, 16));
    let capped = exp.min(6 * 3600);
    let jitter = rand::rng().random_range(0..=capped / 4 + 1);
    capped + jitter
}

/// Sends one due draft, if any. Tests call this directly.
pub async fn try_send_one(app: &App, delivery: &Delivery, worker: &str) -> Result<Option<SendOutcome>, OutboxError> {
    let now = app.now();
    let domain = app.config.support.message_id_domain();
    let mut db = app.store.tx().await?;
    let Some(id) = db.sendable_drafts(now, 1).await?.into_iter().next() else {
        db.commit().await?;
        return Ok(None);
    };
    let fresh_id = compose::new_message_id(&domain);
    let claim_secs = app.config.outbox.claim.calendar_secs().max(1);
    if !db.claim_draft(id, worker, now + claim_secs, &fresh_id, now).await? {
        db.commit().await?;
        return Ok(Some(SendOutcome::Lost(id)));
    }
    db.commit().await?;
    // Every log line of this send carries the draft and its attempt.
    let span = tracing::info_span!("send", draft = %id, attempt = tracing::field::Empty);
    async {
        let mut db = app.store.db().await?;
        let Some(draft) = db.draft(id).await? else {
            return Ok(Some(SendOutcome::Lost(id)));
        };
        tracing::Span::current().record("attempt", draft.attempts);
        drop(db);
        let message_id = draft.outgoing_message_id.clone().unwrap_or(fresh_id);
        // A draft that cannot be read will not become readable by trying again: it fails
        // now, visibly, instead of going back to `sending` for ever.
        let mut facts: Facts = match serde_json::from_str(&draft.facts) {
            Ok(f) => f,
            Err(e) => return fail(app, &draft, &format!("the draft's stored facts cannot be read: {e}"), now, None).await,
        };

        // Judged once more: sending may have been held up past the SLA since approval.
        let mut body = draft.body.clone();
        let at_send =
            lateness::judge(&app.policy().calendar, app.policy().sla.first_response, ts(facts.arrived_at), ts(now));
        let mut apology_added = false;
        if at_send.late && !lint::apologizes_for_delay(&body, facts.language) {
            facts.lateness = at_send;
            let templates = app.templates();
            let token = app.tokens().subject_token(TicketId(draft.ticket_id));
            let apology = drafting::render_apology(
                &templates,
                &Context {
                    config: &app.config,
                    policy: &app.policy(),
                    facts: &facts,
                    ticket_token: &token,
                    agent: draft.approver_name.as_deref(),
                },
            )?;
            body = drafting::insert_apology(&body, &apology);
            apology_added = true;
        }

        let to = match crate::domain::EmailAddress::parse(&draft.to_addr) {
            Ok(a) => a,
            Err(e) => return fail(app, &draft, &format!("bad recipient: {e}"), now, None).await,
        };
        // A mailbox may answer from its own address and name.
        let mut db = app.store.db().await?;
        let mailbox_name = db.ticket(TicketId(draft.ticket_id)).await?.map(|t| t.mailbox).unwrap_or_default();
        drop(db);
        let mailbox = app.config.mailboxes.iter().find(|m| m.name == mailbox_name);
        let from_address =
            mailbox.and_then(|m| m.address.clone()).unwrap_or_else(|| app.config.support.address.clone());
        let from_name = mailbox.and_then(|m| m.display_name.clone()).unwrap_or_else(|| app.config.support.name.clone());
        let built = compose::build(&Outgoing {
            from_address: &from_address,
            from_name: &from_name,
            to_address: &to,
            to_name: draft.to_name.as_deref(),
            subject: &draft.subject,
            message_id: &message_id,
            in_reply_to: &draft.in_reply_to,
            references: &draft.refs(),
            body: &body,
            date_secs: now,
            automatic: draft.automatic,
            loop_token: &app.loop_token,
        });
        let message = match built {
            Ok(m) => m,
            Err(e) => return fail(app, &draft, &e.to_string(), now, None).await,
        };
        let raw = message.formatted();

        // Bounded well inside the claim, so nobody takes the reply over while it is sent.
        let limit = SEND_TIMEOUT.min(Duration::from_secs((claim_secs / 2).max(1) as u64));
        let result =
            match tokio::time::timeout(limit, delivery.deliver(id, &message_id, &from_address, &to, &raw)).await {
                Ok(r) => r,
                Err(_) => Err(DeliveryError::transient(format!("no answer within {}s", limit.as_secs()))),
            };
        let now = app.now();
        match result {
            Ok(location) => {
                let mut db = app.store.tx().await?;
                if !db.mark_sent(id, now, &body, &draft.subject).await? {
                    db.rollback().await?;
                    return Ok(Some(SendOutcome::Lost(id)));
                }
                let ticket = TicketId(draft.ticket_id);
                let stored = db
                    .insert_message(&NewMessage {
                        dedupe_key: crate::mail::parse::dedupe_key(Some(&message_id), &raw),
                        message_id: Some(message_id.clone()),
                        direction: "out",
                        kind: Kind::Own,
                        mailbox: mailbox_name.clone(),
                        origin: location.clone(),
                        from_addr: Some(from_address.to_string()),
                        from_name: Some(from_name.clone()),
                        reply_to: None,
                        to_addrs: vec![draft.to_addr.clone()],
                        cc_addrs: vec![],
                        subject: draft.subject.clone(),
                        in_reply_to: Some(draft.in_reply_to.clone()),
                        refs: draft.refs(),
                        received_at: now,
                        ingested_at: now,
                        body_text: body.clone(),
                        body_html: None,
                        attachments_json: "[]".into(),
                        flags: vec![],
                        reasons: vec![format!("reply to draft {id}")],
                        quarantine_reason: None,
                        raw: &raw,
                    })
                    .await?;
                if let Some(k) = stored {
                    db.set_message_ticket(k, ticket).await?;
                }
                db.add_thread_id(ticket, &message_id).await?;
                db.set_last_outbound(ticket, now).await?;
                db.audit(
                    now,
                    "attune",
                    "reply.sent",
                    Some(ticket),
                    Some(id),
                    &json!({
                        "message_id": message_id,
                        "to": draft.to_addr,
                        "as_sent": body,
                        "apology_added_at_send": apology_added,
                        "delivery": delivery.describe(),
                        "attempt": draft.attempts,
                    }),
                )
                .await?;
                db.commit().await?;
                // A copy in the mailbox's Sent folder, for the team's own mail program.
                if let Some(m) = mailbox
                    && let Some(folder) = &m.save_sent
                    && let Err(e) = crate::intake::imap::append_copy(m, folder, &raw).await
                {
                    tracing::warn!(mailbox = %m.name, folder, error = %e, "could not save a copy of the reply");
                }
                Ok(Some(SendOutcome::Sent { draft: id, message_id, location }))
            }
            Err(e) if e.is_transient() && draft.attempts < i64::from(app.config.outbox.max_attempts) => {
                let next = now + backoff_secs(app, draft.attempts);
                let mut db = app.store.tx().await?;
                db.mark_retry(id, next, &e.message, now).await?;
                db.audit(
                    now,
                    "attune",
                    "reply.retry",
                    Some(TicketId(draft.ticket_id)),
                    Some(id),
                    &json!({"error": e.message, "smtp_code": e.smtp_code(), "attempt": draft.attempts, "next_attempt_at": next}),
                )
                .await?;
                db.commit().await?;
                Ok(Some(SendOutcome::Retrying { draft: id, error: e.message, next_attempt_at: next }))
            }
            Err(e) => {
                let code = e.smtp_code();
                let msg = if e.is_transient() {
                    format!("gave up after {} attempts: {}", draft.attempts, e.message)
                } else {
                    e.message
                };
                fail(app, &draft, &msg, now, code).await
            }
        }
    }
    .instrument(span)
    .await
}

async fn fail(
    app: &App,
    draft: &crate::store::DraftRow,
    error: &str,
    now: i64,
    smtp_code: Option<u16>,
) -> Result<Option<SendOutcome>, OutboxError> {
    let mut db = app.store.tx().await?;
    db.mark_failed(draft.id(), error, now).await?;
    db.audit(
        now,
        "attune",
        "reply.failed",
        Some(TicketId(draft.ticket_id)),
        Some(draft.id()),
        &json!({"error": error, "smtp_code": smtp_code}),
    )
    .await?;
    db.commit().await?;
    Ok(Some(SendOutcome::Failed { draft: draft.id(), error: error.to_string() }))
}

/// Sends everything due now; returns what happened to each.
pub async fn send_due(app: &App, delivery: &Delivery, worker: &str) -> Result<Vec<SendOutcome>, OutboxError> {
    let mut out = Vec::new();
    // Bounded so a draft that keeps coming back cannot spin forever.
    for _ in 0..100_000 {
        match try_send_one(app, delivery, worker).await? {
            Some(o) => out.push(o),
            None => break,
        }
    }
    Ok(out)
}
