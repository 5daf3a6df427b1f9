//! IMAP intake: a cursor per mailbox and folder — (UIDVALIDITY, last UID) in the store —
//! new mail fetched by UID in batches, stored, and only then the cursor moved and the
//! after-ingest action applied. IDLE where the server offers it (renewed before the
//! server's 30 minutes; every wake resyncs by UID because unsolicited responses can be
//! dropped), polling where it does not; reconnect with exponential backoff and jitter.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use async_imap::{Client, Session};
use futures::TryStreamExt;
use rand::Rng;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::config::{AfterIngest, MailboxConfig, TlsMode};
use crate::intake::RawMail;
use crate::pipeline::{self, Ingested, PipelineError, Summary};
use crate::store::StoreError;

pub use crate::net::MailStream as ImapStream;

pub type ImapSession = Session<ImapStream>;

/// What went wrong, in words an admin can act on.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("unknown host {host}: {message}")]
    UnknownHost { host: String, message: String },
    #[error("cannot connect to {addr}: {message}")]
    Connect { addr: String, message: String },
    #[error("{what} timed out after {secs}s")]
    Timeout { what: String, secs: u64 },
    #[error("TLS with {host} failed: {message}")]
    Tls { host: String, message: String },
    #[error("login as {user} refused: {message} (check the username and password)")]
    Login { user: String, message: String },
    #[error("folder \"{folder}\" cannot be opened: {message}")]
    NoFolder { folder: String, message: String },
    #[error("IMAP: {0}")]
    Protocol(String),
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Pipeline(#[from] PipelineError),
    #[error(
        "mailbox {mailbox} is being synced by instance {owner}; try again when it stops (its lease runs {secs}s more)"
    )]
    Busy { mailbox: String, owner: String, secs: i64 },
    #[error("the sync lease of mailbox {mailbox} passed to another instance")]
    LeaseLost { mailbox: String },
    #[error(
        "folder \"{folder}\": the server sent {got} of {asked} messages (UIDs {missing} are still there); fetching them again"
    )]
    Incomplete { folder: String, asked: usize, got: usize, missing: String },
}

impl ImapError {
    /// Worth reconnecting for (as opposed to a setting that is wrong).
    pub fn is_transient(&self) -> bool {
        !matches!(self, ImapError::Login { .. } | ImapError::Config(_) | ImapError::NoFolder { .. })
    }
}

impl From<async_imap::error::Error> for ImapError {
    fn from(e: async_imap::error::Error) -> ImapError {
        ImapError::Protocol(e.to_string())
    }
}

pub use crate::net::{describe_tls_error, tls_config};

async fn with_timeout<T, E: Into<ImapError>>(
    secs: u64,
    what: &str,
    f: impl Future<Output = Result<T, E>>,
) -> Result<T, ImapError> {
    match tokio::time::timeout(Duration::from_secs(secs), f).await {
        Ok(r) => r.map_err(Into::into),
        Err(_) => Err(ImapError::Timeout { what: what.to_string(), secs }),
    }
}

/// The deadline of one IMAP command after login (`command_timeout`).
fn command_secs(cfg: &MailboxConfig) -> u64 {
    cfg.command_timeout.calendar_secs().max(1) as u64
}

/// How long a mailbox may go without an answer from its server before this instance
/// lets its lease go: longer than any wait that is normal (an IDLE until its renewal, a
/// poll interval, a command's deadline, a reconnect's backoff), so only a stall trips it.
pub fn stall_limit(cfg: &MailboxConfig) -> i64 {
    let wait = if cfg.idle { cfg.idle_renew.calendar_secs() } else { cfg.poll_interval.calendar_secs() };
    wait + 2 * cfg.command_timeout.calendar_secs() + cfg.connect_timeout.calendar_secs() + 300
}

/// Connects, secures, reads the greeting and logs in.
pub async fn connect(cfg: &MailboxConfig) -> Result<ImapSession, ImapError> {
    let secs = cfg.connect_timeout.calendar_secs().max(1) as u64;
    let addr = format!("{}:{}", cfg.host, cfg.port);
    let addrs: Vec<std::net::SocketAddr> =
        match tokio::time::timeout(Duration::from_secs(secs), tokio::net::lookup_host(&addr)).await {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => return Err(ImapError::UnknownHost { host: cfg.host.clone(), message: e.to_string() }),
            Err(_) => return Err(ImapError::Timeout { what: format!("looking up {}", cfg.host), secs }),
        };
    if addrs.is_empty() {
        return Err(ImapError::UnknownHost { host: cfg.host.clone(), message: "no address".into() });
    }
    let tcp = match tokio::time::timeout(Duration::from_secs(secs), TcpStream::connect(&addrs[..])).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(ImapError::Connect { addr, message: e.to_string() }),
        Err(_) => return Err(ImapError::Timeout { what: format!("connecting to {addr}"), secs }),
    };
    let _ = tcp.set_nodelay(true);
    crate::net::keep_alive(&tcp);
    let server_name = rustls::pki_types::ServerName::try_from(cfg.host.clone())
        .map_err(|e| ImapError::Config(format!("host {}: {e}", cfg.host)))?;
    let tls = || -> Result<TlsConnector, ImapError> {
        tls_config(cfg.ca_file.as_deref()).map(TlsConnector::from).map_err(ImapError::Config)
    };

    let mut client = match cfg.tls {
        TlsMode::Tls => {
            let stream = with_timeout(secs, "the TLS handshake", async {
                tls()?
                    .connect(server_name.clone(), tcp)
                    .await
                    .map_err(|e| ImapError::Tls { host: cfg.host.clone(), message: describe_tls_error(&e) })
            })
            .await?;
            let mut c = Client::new(ImapStream::Tls(Box::new(stream)));
            read_greeting(&mut c, secs).await?;
            c
        }
        TlsMode::Starttls => {
            let mut c = Client::new(ImapStream::Plain(tcp));
            read_greeting(&mut c, secs).await?;
            with_timeout(secs, "STARTTLS", c.run_command_and_check_ok("STARTTLS", None)).await.map_err(|e| {
                ImapError::Tls { host: cfg.host.clone(), message: format!("the server refused STARTTLS: {e}") }
            })?;
            let ImapStream::Plain(tcp) = c.into_inner() else {
                return Err(ImapError::Protocol("unexpected stream".into()));
            };
            let stream = with_timeout(secs, "the TLS handshake", async {
                tls()?
                    .connect(server_name.clone(), tcp)
                    .await
                    .map_err(|e| ImapError::Tls { host: cfg.host.clone(), message: describe_tls_error(&e) })
            })
            .await?;
            Client::new(ImapStream::Tls(Box::new(stream)))
        }
        TlsMode::None => {
            let mut c = Client::new(ImapStream::Plain(tcp));
            read_greeting(&mut c, secs).await?;
            c
        }
    };
    let _ = &mut client;
    let password = cfg
        .password
        .resolve()
        .map_err(ImapError::Config)?
        .ok_or_else(|| ImapError::Config(format!("mailbox {} has no password", cfg.name)))?;
    match tokio::time::timeout(Duration::from_secs(secs), client.login(&cfg.username, password.expose())).await {
        Ok(Ok(session)) => Ok(session),
        Ok(Err((e, _))) => Err(login_refused(&cfg.username, e)),
        Err(_) => Err(ImapError::Timeout { what: "login".into(), secs }),
    }
}

/// A refused LOGIN is a wrong username or password, unless the server says it is a
/// passing state: RFC 5530's `[UNAVAILABLE]` (Dovecot while its auth process starts),
/// `[SERVERBUG]`, `[INUSE]`, `[LIMIT]`, or it dropped the connection. Those are retried
/// like any outage, not backed off as a setting an admin must fix.
fn login_refused(user: &str, e: async_imap::error::Error) -> ImapError {
    use async_imap::error::Error;
    match e {
        Error::No(message) | Error::Bad(message) => {
            // Response codes only: "Login failed, please try again" is a wrong password, and
            // retrying it quickly would lock the account.
            let upper = message.to_ascii_uppercase();
            let passing =
                ["[UNAVAILABLE]", "[SERVERBUG]", "[INUSE]", "[LIMIT]"].iter().any(|code| upper.contains(code));
            if passing {
                ImapError::Protocol(format!("login as {user} refused for now: {message}"))
            } else {
                ImapError::Login { user: user.to_string(), message }
            }
        }
        other => ImapError::Protocol(format!("login as {user}: {other}")),
    }
}

async fn read_greeting(c: &mut Client<ImapStream>, secs: u64) -> Result<(), ImapError> {
    match tokio::time::timeout(Duration::from_secs(secs), c.read_response()).await {
        Ok(Ok(Some(_))) => Ok(()),
        Ok(Ok(None)) => Err(ImapError::Protocol("the server closed the connection before greeting".into())),
        Ok(Err(e)) => Err(ImapError::Protocol(format!("reading the greeting: {e}"))),
        Err(_) => Err(ImapError::Timeout { what: "the server's greeting".into(), secs }),
    }
}

/// Unsolicited responses pile up in a bounded channel; we resync by UID anyway.
fn drain(session: &mut ImapSession) {
    while session.unsolicited_responses.try_recv().is_ok() {}
}

/// What one pass over a folder did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FolderSync {
    pub folder: String,
    pub uidvalidity: u32,
    pub fetched: u64,
    pub last_uid: u32,
    pub rescanned: bool,
    #[serde(flatten)]
    pub summary: Summary,
}

/// "1:5,7,9:12" for a sorted list of UIDs.
fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// One pass over `folder`: everything after the cursor, in batches; stops between batches
/// when `shutdown` fires (the batch in hand is finished).
pub async fn sync_folder(
    app: &App,
    session: &mut ImapSession,
    cfg: &MailboxConfig,
    folder: &str,
    shutdown: &CancellationToken,
) -> Result<FolderSync, ImapError> {
    let owner = app.instance.to_string();
    let t = command_secs(cfg);
    let selected = tokio::time::timeout(Duration::from_secs(t), session.select(folder))
        .await
        .map_err(|_| ImapError::Timeout { what: format!("SELECT {folder}"), secs: t })?;
    let mailbox = selected.map_err(|e| match e {
        async_imap::error::Error::No(m) | async_imap::error::Error::Bad(m) => {
            ImapError::NoFolder { folder: folder.to_string(), message: m }
        }
        other => ImapError::Protocol(other.to_string()),
    })?;
    drain(session);
    // Every SELECT answer carries UIDVALIDITY (RFC 3501); without it the connection
    // dropped mid-answer, and a 0 here would look like a recreated folder.
    let Some(uidvalidity) = mailbox.uid_validity else {
        return Err(ImapError::Protocol(format!("opening {folder} gave no UIDVALIDITY (the connection dropped?)")));
    };
    let mut result = FolderSync { folder: folder.to_string(), uidvalidity, ..FolderSync::default() };

    let mut db = app.store.db().await?;
    let cursor = db.cursor(&cfg.name, folder).await?;
    drop(db);
    // The lease creates the folder's row before its first sync; no UIDVALIDITY yet means
    // no cursor yet.
    let cursor = cursor.filter(|c| c.uidvalidity.is_some());
    let had_cursor = cursor.is_some();
    let mut last_uid: u32 = match cursor {
        Some(c) if c.uidvalidity == Some(i64::from(uidvalidity)) => c.last_uid.clamp(0, i64::from(u32::MAX)) as u32,
        Some(c) => {
            // The folder was recreated: its UIDs mean nothing now. Rescan; dedupe keeps
            // that from storing anything twice.
            tracing::warn!(mailbox = %cfg.name, folder, old = ?c.uidvalidity, new = uidvalidity, "UIDVALIDITY changed; rescanning the folder");
            result.rescanned = true;
            0
        }
        None => 0,
    };
    if result.rescanned || !had_cursor {
        move_cursor(app, cfg, &owner, folder, uidvalidity, last_uid).await?;
    }

    let found = uid_search_checked(session, &format!("UID {}:*", last_uid.saturating_add(1)), t).await?;
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > last_uid).collect();
    uids.sort_unstable();
    let total = uids.len();
    let mut done = 0usize;
    let caps = with_timeout(t, "CAPABILITY", session.capabilities()).await?;
    let (can_move, can_uidplus) = (caps.has_str("MOVE"), caps.has_str("UIDPLUS"));

    for chunk in uids.chunks(cfg.batch_size.max(1) as usize) {
        if shutdown.is_cancelled() {
            break;
        }
        let set = uid_set(chunk);
        // Each message of the answer within the deadline of the one before: a server that
        // stops in the middle of a FETCH is dropped after what did arrive is stored, and
        // the cursor stays before what did not (a slow link with big mail is not a stall).
        // Sizes first: a message over intake.max_message_size is fetched as its header
        // section only, stored flagged too-large, and left on the server untouched.
        let max = app.config.intake.max_message_size.0;
        let (sized, stalled) = fetch_with_deadline(session, &set, "(UID RFC822.SIZE)", t).await?;
        if let Some(stall) = stalled {
            return Err(stall);
        }
        drain(session);
        let too_large: HashMap<u32, u64> = sized
            .iter()
            .filter_map(|f| Some((f.uid?, u64::from(f.size?))))
            .filter(|(uid, size)| *size > max && chunk.binary_search(uid).is_ok())
            .collect();
        drop(sized);
        let whole: Vec<u32> = chunk.iter().copied().filter(|u| !too_large.contains_key(u)).collect();
        let big: Vec<u32> = chunk.iter().copied().filter(|u| too_large.contains_key(u)).collect();
        let mut fetches = Vec::new();
        let mut stalled = None;
        for (uids, query) in
            [(&whole, "(UID INTERNALDATE BODY.PEEK[])"), (&big, "(UID INTERNALDATE BODY.PEEK[HEADER])")]
        {
            if uids.is_empty() || stalled.is_some() {
                continue;
            }
            let (got, stall) = fetch_with_deadline(session, &uid_set(uids), query, t).await?;
            if stall.is_none() {
                drain(session);
            }
            fetches.extend(got);
            stalled = stall;
        }
        app.mark_progress(&cfg.name);
        let mut raws: Vec<(u32, RawMail)> = fetches
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                if uid <= last_uid || chunk.binary_search(&uid).is_err() {
                    return None;
                }
                let truncated_from = too_large.get(&uid).copied();
                let bytes = if truncated_from.is_some() { f.header()? } else { f.body()? };
                Some((
                    uid,
                    RawMail {
                        bytes: bytes.to_vec(),
                        origin: origin_of(cfg, folder, uidvalidity, uid),
                        arrived_at: f.internal_date().map(|d| d.timestamp()),
                        truncated_from,
                    },
                ))
            })
            .collect();
        drop(fetches);
        raws.sort_by_key(|(u, _)| *u);
        raws.dedup_by_key(|(u, _)| *u);
        let (fetched, batch): (Vec<u32>, Vec<RawMail>) = raws.into_iter().unzip();
        let outcomes = pipeline::ingest_batch(app, batch, &cfg.name).await;
        for o in outcomes {
            let o = o?;
            result.summary.add(&o);
            if !matches!(o, Ingested::Duplicate(_)) {
                result.fetched += 1;
            }
        }
        if let Some(stall) = stalled {
            return Err(stall);
        }
        // A FETCH's response stream simply ends when the server says BYE, drops the
        // connection or answers NO, so fewer messages than asked is not an error by itself.
        // The cursor may only pass a UID we did not get if it is gone from the folder, or
        // if the server has refused it for `UNFETCHABLE_AFTER` (then it is quarantined).
        forget_unfetchable(app, cfg, folder, uidvalidity, &fetched);
        if !chunk.iter().all(|u| fetched.binary_search(u).is_ok()) {
            let missing: Vec<u32> = chunk.iter().copied().filter(|u| fetched.binary_search(u).is_err()).collect();
            let still = still_in_folder(session, &missing, t).await?;
            let refused = unfetchable(app, cfg, folder, uidvalidity, &still).await?;
            let waiting: Vec<u32> = still.iter().copied().filter(|u| !refused.contains(u)).collect();
            if let Some(first) = waiting.first() {
                let safe = first.saturating_sub(1).max(last_uid);
                move_cursor(app, cfg, &owner, folder, uidvalidity, safe).await?;
                let mut taken: Vec<u32> = fetched
                    .iter()
                    .chain(&refused)
                    .copied()
                    .filter(|u| *u <= safe && !too_large.contains_key(u))
                    .collect();
                taken.sort_unstable();
                if !taken.is_empty() {
                    apply_after_ingest(session, &cfg.after_ingest, folder, &uid_set(&taken), can_move, can_uidplus, t)
                        .await?;
                }
                return Err(ImapError::Incomplete {
                    folder: folder.to_string(),
                    asked: chunk.len(),
                    got: fetched.len(),
                    missing: uid_set(&waiting),
                });
            }
        }
        let max_uid = chunk.last().copied().unwrap_or(last_uid).max(last_uid);
        // Stored: only now does the cursor move, and only then is the server touched.
        move_cursor(app, cfg, &owner, folder, uidvalidity, max_uid).await?;
        last_uid = max_uid;
        done += chunk.len();
        let mut db = app.store.tx().await?;
        db.record_sync(&cfg.name, folder, app.now(), (total - done) as i64).await?;
        db.commit().await?;
        if !whole.is_empty() {
            apply_after_ingest(session, &cfg.after_ingest, folder, &uid_set(&whole), can_move, can_uidplus, t).await?;
        }
    }
    result.last_uid = last_uid;
    let mut db = app.store.tx().await?;
    db.record_sync(&cfg.name, folder, app.now(), (total - done) as i64).await?;
    db.commit().await?;
    Ok(result)
}

/// UID FETCH of `set`, each message due within `t` seconds of the one before. Returns
/// what arrived, and the timeout if the server went quiet part-way (the session is then
/// unusable; the caller stores what came and reconnects).
async fn fetch_with_deadline(
    session: &mut ImapSession,
    set: &str,
    query: &str,
    t: u64,
) -> Result<(Vec<async_imap::types::Fetch>, Option<ImapError>), ImapError> {
    let mut stream = with_timeout(t, "UID FETCH", session.uid_fetch(set, query)).await?;
    let mut got = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(t), stream.try_next()).await {
            Ok(Ok(Some(f))) => got.push(f),
            Ok(Err(e)) => return Err(e.into()),
            Ok(Ok(None)) => return Ok((got, None)),
            Err(_) => {
                let what = format!("UID FETCH (after {} message{})", got.len(), if got.len() == 1 { "" } else { "s" });
                return Ok((got, Some(ImapError::Timeout { what, secs: t })));
            }
        }
    }
}

/// Which of `missing` (sorted) are still in the folder: the rest were expunged between our
/// SEARCH and FETCH.
async fn still_in_folder(session: &mut ImapSession, missing: &[u32], t: u64) -> Result<Vec<u32>, ImapError> {
    let found = uid_search_checked(session, &format!("UID {}", uid_set(missing)), t).await?;
    Ok(missing.iter().copied().filter(|u| found.contains(u)).collect())
}

/// A message the server lists but has not sent for this long is quarantined (without its
/// bytes, under its origin, with the reason) and passed, so one unreadable message does
/// not hold up the mail behind it for ever. Counted per instance, from the first miss.
pub const UNFETCHABLE_AFTER: i64 = 600;

/// Where a message came from, as stored with it (and the key of `App::unfetchable_since`).
fn origin_of(cfg: &MailboxConfig, folder: &str, uidvalidity: u32, uid: u32) -> String {
    format!("imap:{}/{}/{}/{}", cfg.name, folder, uidvalidity, uid)
}

/// Of `still` (listed, not sent), those refused for `UNFETCHABLE_AFTER`, now quarantined.
async fn unfetchable(
    app: &App,
    cfg: &MailboxConfig,
    folder: &str,
    uidvalidity: u32,
    still: &[u32],
) -> Result<Vec<u32>, ImapError> {
    let now = app.now();
    let given_up: Vec<(u32, String, i64)> = {
        let mut since = app.unfetchable_since.lock().unwrap_or_else(|p| p.into_inner());
        still
            .iter()
            .filter_map(|uid| {
                let key = origin_of(cfg, folder, uidvalidity, *uid);
                let first = *since.entry(key.clone()).or_insert(now);
                (now - first >= UNFETCHABLE_AFTER).then_some((*uid, key, first))
            })
            .collect()
    };
    let mut refused = Vec::new();
    for (uid, origin, first) in given_up {
        let reason = format!(
            "the IMAP server lists this message (UID {uid} in {folder}) but has not sent it since {}; fetch it by hand",
            crate::clock::rfc3339(first)
        );
        tracing::warn!(mailbox = %cfg.name, folder, uid, "quarantining a message the server will not send");
        let mut db = app.store.tx().await?;
        pipeline::ingest_prepared(app, &mut db, &pipeline::unreadable(origin.clone(), reason), &cfg.name).await?;
        db.commit().await?;
        app.unfetchable_since.lock().unwrap_or_else(|p| p.into_inner()).remove(&origin);
        refused.push(uid);
    }
    Ok(refused)
}

/// Messages that did come are no longer waited for.
fn forget_unfetchable(app: &App, cfg: &MailboxConfig, folder: &str, uidvalidity: u32, fetched: &[u32]) {
    let mut since = app.unfetchable_since.lock().unwrap_or_else(|p| p.into_inner());
    if !since.is_empty() {
        for uid in fetched {
            since.remove(&origin_of(cfg, folder, uidvalidity, *uid));
        }
    }
}

/// UID SEARCH, reading the tagged answer ourselves: async-imap's `uid_search` returns what
/// it has when the server hangs up or answers NO, which would read as "no such messages".
async fn uid_search_checked(session: &mut ImapSession, criteria: &str, t: u64) -> Result<HashSet<u32>, ImapError> {
    use async_imap::imap_proto::{MailboxDatum, Response, Status};
    let id = with_timeout(t, "UID SEARCH", session.run_command(format!("UID SEARCH {criteria}"))).await?;
    let mut found = HashSet::new();
    loop {
        let response = match tokio::time::timeout(Duration::from_secs(t), session.read_response()).await {
            Ok(Ok(Some(r))) => r,
            Ok(Ok(None)) => {
                return Err(ImapError::Protocol("the server closed the connection during UID SEARCH".into()));
            }
            Ok(Err(e)) => return Err(ImapError::Protocol(format!("UID SEARCH: {e}"))),
            Err(_) => return Err(ImapError::Timeout { what: "UID SEARCH".into(), secs: t }),
        };
        match response.parsed() {
            Response::MailboxData(MailboxDatum::Search(uids)) => found.extend(uids.iter().copied()),
            Response::Done { tag, status, outcome } if *tag == id => {
                return match status {
                    Status::Ok => Ok(found),
                    other => Err(ImapError::Protocol(format!(
                        "UID SEARCH {criteria} answered {other:?}: {}",
                        outcome.information.as_deref().unwrap_or("")
                    ))),
                };
            }
            // EXISTS, EXPUNGE, flag changes: the next pass sees what they announce.
            _ => {}
        }
    }
}

/// A NOOP whose tagged OK we wait for. async-imap's FETCH, SEARCH and NOOP streams end
/// quietly when the server hangs up; this one says so (`connection lost`), and since a
/// server answers in order, an OK here means everything before it was answered in full.
async fn confirm_alive(session: &mut ImapSession) -> Result<(), ImapError> {
    with_timeout(30, "NOOP", session.run_command_and_check_ok("NOOP")).await
}

/// Moves the folder's cursor, in one transaction with the check that this instance still
/// holds the mailbox's lease: an instance that lost it (paused, cut off) moves nothing, and
/// what it stored meanwhile is deduplicated when the new holder reads the same mail.
async fn move_cursor(
    app: &App,
    cfg: &MailboxConfig,
    owner: &str,
    folder: &str,
    uidvalidity: u32,
    last_uid: u32,
) -> Result<(), ImapError> {
    let now = app.now();
    let mut db = app.store.tx().await?;
    if !db.holds_lease(&cfg.name, &cfg.folder, owner, now).await? {
        db.rollback().await?;
        return Err(ImapError::LeaseLost { mailbox: cfg.name.clone() });
    }
    db.set_cursor(&cfg.name, folder, i64::from(uidvalidity), i64::from(last_uid), now).await?;
    db.commit().await?;
    Ok(())
}

async fn apply_after_ingest(
    session: &mut ImapSession,
    action: &AfterIngest,
    folder: &str,
    set: &str,
    can_move: bool,
    can_uidplus: bool,
    t: u64,
) -> Result<(), ImapError> {
    with_timeout(t, "marking fetched messages", async {
        let done: Result<(), ImapError> = match action {
            AfterIngest::Keep => Ok(()),
            AfterIngest::Seen => {
                let _: Vec<_> = session.uid_store(set, "+FLAGS.SILENT (\\Seen)").await?.try_collect().await?;
                drain(session);
                Ok(())
            }
            AfterIngest::Move(target) if target == folder => Ok(()),
            AfterIngest::Move(target) => {
                if can_move {
                    session.uid_mv(set, target).await?;
                } else {
                    session.uid_copy(set, target).await?;
                    let _: Vec<_> = session.uid_store(set, "+FLAGS.SILENT (\\Deleted)").await?.try_collect().await?;
                    // Only with UIDPLUS can we expunge just these messages; a bare EXPUNGE would
                    // also remove what other clients marked deleted, so without it we leave the
                    // \Deleted flag for the server's owner to expunge.
                    if can_uidplus {
                        let _: Vec<_> = session.uid_expunge(set).await?.try_collect().await?;
                    }
                }
                drain(session);
                Ok(())
            }
        };
        done
    })
    .await
}

/// One pass over the mailbox's folder and, if set, its sent folder.
pub async fn sync_mailbox(
    app: &App,
    session: &mut ImapSession,
    cfg: &MailboxConfig,
    shutdown: &CancellationToken,
) -> Result<Vec<FolderSync>, ImapError> {
    let mut out = vec![sync_folder(app, session, cfg, &cfg.folder, shutdown).await?];
    if let Some(sent) = &cfg.sent_folder
        && !shutdown.is_cancelled()
    {
        out.push(sync_folder(app, session, cfg, sent, shutdown).await?);
    }
    Ok(out)
}

/// `attune sync`: take the mailbox's lease, connect, catch up, log out, let the lease go.
/// Refused (`Busy`) while a running instance holds the lease.
pub async fn sync_once(app: &App, cfg: &MailboxConfig) -> Result<Vec<FolderSync>, ImapError> {
    let token = CancellationToken::new();
    let Some(lease) = Lease::take(app, cfg, token.clone()).await? else {
        let state = app.store.db().await?.cursor(&cfg.name, &cfg.folder).await?;
        let (owner, until) = state.map(|s| (s.lease_owner, s.lease_until)).unwrap_or_default();
        return Err(ImapError::Busy {
            mailbox: cfg.name.clone(),
            owner: owner.unwrap_or_default(),
            secs: until.unwrap_or(0).saturating_sub(app.now()).max(0),
        });
    };
    let result = async {
        let mut session = connect(cfg).await?;
        let r = sync_mailbox(app, &mut session, cfg, &token).await;
        let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
        r
    }
    .await;
    lease.release(app, cfg).await;
    if let Err(e) = &result {
        record_error(app, cfg, e).await;
    }
    result
}

/// An instance is live while it was heard from within this many seconds (`attune run`
/// says so every `HEARTBEAT`).
pub const INSTANCE_TTL_SECS: i64 = 15;
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// How many mailboxes this instance should sync: its even share among the live instances
/// (all of them when it is alone, or not a daemon).
pub async fn fair_share(app: &App) -> Result<usize, StoreError> {
    let mailboxes = app.config.mailboxes.len().max(1);
    let live = app.store.db().await?.live_instances(app.now() - INSTANCE_TTL_SECS).await?;
    Ok(mailboxes.div_ceil(usize::try_from(live).unwrap_or(1).max(1)))
}

/// The mailbox's sync lease, held by this instance: renewed every third of its length
/// while held; if renewing fails until it would have run out, or another instance has it,
/// or this instance holds more than its fair share (another instance started), `stop`
/// fires so the holder's loops wind down.
pub struct Lease {
    renewer: tokio::task::JoinHandle<()>,
    /// Already counted off `app.leases_held` (handed over to even out the load).
    handed_over: Arc<std::sync::atomic::AtomicBool>,
}

impl Lease {
    /// `None` while another instance's lease runs.
    pub async fn take(app: &App, cfg: &MailboxConfig, stop: CancellationToken) -> Result<Option<Lease>, StoreError> {
        let ttl = cfg.lease.calendar_secs().max(3);
        let now = app.now();
        let mut db = app.store.tx().await?;
        let taken = db.take_lease(&cfg.name, &cfg.folder, &app.instance, now + ttl, now).await?;
        db.commit().await?;
        if !taken {
            return Ok(None);
        }
        app.leases_held.fetch_add(1, Ordering::SeqCst);
        app.mark_progress(&cfg.name);
        let handed_over = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (app, cfg, hand_over) = (app.clone(), cfg.clone(), handed_over.clone());
        let renewer = tokio::spawn(async move {
            let mut held_until = now + ttl;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs((ttl / 3).max(1) as u64)) => {}
                    _ = stop.cancelled() => return,
                }
                let now = app.now();
                // A mailbox whose server has not answered for longer than any normal wait
                // is stalled: the lease goes, so another instance (another route, another
                // network) can take over, and the stall shows in status and /metrics.
                if let Some(last) = app.last_progress(&cfg.name)
                    && now - last > stall_limit(&cfg)
                {
                    let why =
                        format!("stalled: no answer from the server for {}s; letting the sync lease go", now - last);
                    tracing::warn!(mailbox = %cfg.name, "{why}");
                    if let Ok(mut db) = app.store.tx().await {
                        let _ = db.record_sync_error(&cfg.name, &cfg.folder, now, &why).await;
                        let _ = db.commit().await;
                    }
                    stop.cancel();
                    return;
                }
                let renewed = async {
                    let mut db = app.store.tx().await?;
                    let ok = db.take_lease(&cfg.name, &cfg.folder, &app.instance, now + ttl, now).await?;
                    db.commit().await?;
                    Ok::<bool, StoreError>(ok)
                }
                .await;
                match renewed {
                    Ok(true) => {
                        held_until = now + ttl;
                        // One lease at a time is handed over, so an instance that holds
                        // too many never drops all of them at once.
                        if let Ok(share) = fair_share(&app).await
                            && app
                                .leases_held
                                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |h| (h > share).then(|| h - 1))
                                .is_ok()
                        {
                            tracing::info!(mailbox = %cfg.name, share, "handing the mailbox over to even out the load");
                            hand_over.store(true, Ordering::SeqCst);
                            stop.cancel();
                            return;
                        }
                    }
                    Ok(false) => {
                        tracing::warn!(mailbox = %cfg.name, "another instance took the sync lease");
                        stop.cancel();
                        return;
                    }
                    Err(e) if now + ttl / 3 >= held_until => {
                        tracing::warn!(mailbox = %cfg.name, error = %e, "cannot renew the sync lease before it runs out; stopping");
                        stop.cancel();
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(mailbox = %cfg.name, error = %e, "cannot renew the sync lease; trying again")
                    }
                }
            }
        });
        Ok(Some(Lease { renewer, handed_over }))
    }

    /// Stops renewing and lets the lease go (if it is still ours), so another instance
    /// can take over at once.
    pub async fn release(self, app: &App, cfg: &MailboxConfig) {
        self.renewer.abort();
        if !self.handed_over.load(Ordering::SeqCst) {
            app.leases_held.fetch_sub(1, Ordering::SeqCst);
        }
        let released = async {
            let mut db = app.store.tx().await?;
            db.release_lease(&cfg.name, &cfg.folder, &app.instance).await?;
            db.commit().await
        }
        .await;
        if let Err(e) = released {
            tracing::warn!(mailbox = %cfg.name, error = %e, "cannot release the sync lease; it runs out by itself");
        }
    }
}

async fn record_error(app: &App, cfg: &MailboxConfig, e: &ImapError) {
    if let Ok(mut db) = app.store.tx().await {
        let _ = db.record_sync_error(&cfg.name, &cfg.folder, app.now(), &e.to_string()).await;
        let _ = db.commit().await;
    }
}

/// Exponential backoff with jitter: about 1s, 2s, 4s … up to 5 minutes, each between
/// half and all of its step, so many instances do not reconnect in step.
pub fn backoff(attempt: u32) -> Duration {
    let step_ms = (1000u64 << attempt.min(9)).min(300_000);
    Duration::from_millis(step_ms / 2 + rand::rng().random_range(0..=step_ms / 2))
}

/// The daemon's loop for one mailbox: take its sync lease (or stand by while another
/// instance holds it), then sync and IDLE (or poll) for as long as the lease is ours;
/// reconnect with backoff on any error. Returns when `shutdown` fires, after logging out
/// and letting the lease go.
pub async fn run_mailbox(app: App, cfg: MailboxConfig, shutdown: CancellationToken) {
    let ttl = cfg.lease.calendar_secs().max(3) as u64;
    let mut standing_by = false;
    let mut attempt: u32 = 0;
    while !shutdown.is_cancelled() {
        let held = shutdown.child_token();
        let attempt_lease = match fair_share(&app).await {
            Ok(share) if app.leases_held.load(Ordering::SeqCst) >= share => Ok(None),
            Ok(_) => Lease::take(&app, &cfg, held.clone()).await,
            Err(e) => Err(e),
        };
        let wait = match attempt_lease {
            Ok(Some(lease)) => {
                tracing::info!(mailbox = %cfg.name, instance = %app.instance, "holding the mailbox's sync lease");
                standing_by = false;
                attempt = 0;
                watch_while_held(&app, &cfg, &held).await;
                lease.release(&app, &cfg).await;
                held.cancel();
                continue;
            }
            Ok(None) => {
                if !standing_by {
                    tracing::info!(mailbox = %cfg.name, "another instance syncs this mailbox (or this one has its share); standing by");
                    standing_by = true;
                }
                // Poll the lease about as often as its holder renews it, with jitter.
                Duration::from_millis(rand::rng().random_range(ttl * 200..=ttl * 400))
            }
            Err(e) => {
                tracing::warn!(mailbox = %cfg.name, error = %e, "cannot reach the database for the sync lease");
                attempt = attempt.saturating_add(1);
                backoff(attempt)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.cancelled() => {}
        }
    }
    tracing::info!(mailbox = %cfg.name, "mailbox loop stopped");
}

/// Sync and watch until `held` fires (shutdown, or the lease lost).
async fn watch_while_held(app: &App, cfg: &MailboxConfig, held: &CancellationToken) {
    let (app, shutdown) = (app.clone(), held.clone());
    let cfg = cfg.clone();
    let mut attempt: u32 = 0;
    while !shutdown.is_cancelled() {
        match watch(&app, &cfg, &shutdown, &mut attempt).await {
            Ok(()) => break,
            Err(ImapError::LeaseLost { .. }) => {
                tracing::warn!(mailbox = %cfg.name, "the sync lease passed to another instance; standing by");
                break;
            }
            Err(e) => {
                record_error(&app, &cfg, &e).await;
                let wait = if e.is_transient() {
                    backoff(attempt)
                } else {
                    Duration::from_secs(300).min(backoff(attempt + 4))
                };
                tracing::warn!(mailbox = %cfg.name, error = %e, retry_in_secs = wait.as_secs_f32(), "mailbox error; reconnecting");
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.cancelled() => break,
                }
            }
        }
    }
}

async fn watch(
    app: &App,
    cfg: &MailboxConfig,
    shutdown: &CancellationToken,
    attempt: &mut u32,
) -> Result<(), ImapError> {
    let mut session = connect(cfg).await?;
    app.mark_progress(&cfg.name);
    tracing::info!(mailbox = %cfg.name, host = %cfg.host, "connected");
    let t = command_secs(cfg);
    let idle_ok = cfg.idle && with_timeout(t, "CAPABILITY", session.capabilities()).await?.has_str("IDLE");
    loop {
        let synced = sync_mailbox(app, &mut session, cfg, shutdown).await?;
        app.mark_progress(&cfg.name);
        *attempt = 0;
        let new: u64 = synced.iter().map(|s| s.fetched).sum();
        if new > 0 {
            tracing::info!(mailbox = %cfg.name, new, "synced");
            app.outbox_wake();
        }
        if shutdown.is_cancelled() {
            let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
            return Ok(());
        }
        if idle_ok {
            // IDLE watches the main folder; a sent folder is picked up on every wake.
            if cfg.sent_folder.is_some() {
                with_timeout(t, "SELECT", session.select(&cfg.folder)).await?;
                drain(&mut session);
            }
            let mut idle = session.idle();
            with_timeout(30, "starting IDLE", idle.init()).await?;
            let renew = Duration::from_secs(cfg.idle_renew.calendar_secs().max(1) as u64);
            let (wait, stop) = idle.wait_with_timeout(renew);
            let cancelled = tokio::select! {
                r = wait => {
                    r?;
                    false
                }
                _ = shutdown.cancelled() => true,
            };
            drop(stop);
            session = tokio::time::timeout(Duration::from_secs(10), idle.done())
                .await
                .map_err(|_| ImapError::Timeout { what: "ending IDLE".into(), secs: 10 })??;
            app.mark_progress(&cfg.name);
            drain(&mut session);
            if cancelled {
                let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
                return Ok(());
            }
        } else {
            let poll = Duration::from_secs(cfg.poll_interval.calendar_secs().max(1) as u64);
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = shutdown.cancelled() => {
                    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
                    return Ok(());
                }
            }
            // A NOOP keeps the connection honest between polls.
            confirm_alive(&mut session).await?;
            app.mark_progress(&cfg.name);
            drain(&mut session);
        }
    }
}

/// Appends a copy of a sent reply to `folder` (the team sees it in their mail program).
pub async fn append_copy(cfg: &MailboxConfig, folder: &str, raw: &[u8]) -> Result<(), ImapError> {
    let mut session = connect(cfg).await?;
    let t = command_secs(cfg);
    let r = tokio::time::timeout(Duration::from_secs(t), session.append(folder, Some("(\\Seen)"), None, raw)).await;
    match r {
        Ok(r) => {
            let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
            r.map_err(|e| ImapError::NoFolder { folder: folder.to_string(), message: e.to_string() })
        }
        // A server that does not answer will not answer LOGOUT either.
        Err(_) => Err(ImapError::Timeout { what: format!("APPEND to {folder}"), secs: t }),
    }
}

/// `check-config --connect`: log in and open every folder this mailbox uses.
pub async fn check(cfg: &MailboxConfig) -> Result<String, ImapError> {
    let mut session = connect(cfg).await?;
    let t = command_secs(cfg);
    let caps = with_timeout(t, "CAPABILITY", session.capabilities()).await?;
    let mut folders = vec![cfg.folder.clone()];
    folders.extend(cfg.sent_folder.iter().cloned());
    folders.extend(cfg.save_sent.iter().cloned());
    if let AfterIngest::Move(t) = &cfg.after_ingest {
        folders.push(t.clone());
    }
    let mut notes = Vec::new();
    for f in &folders {
        let mb = tokio::time::timeout(Duration::from_secs(t), session.examine(f))
            .await
            .map_err(|_| ImapError::Timeout { what: format!("EXAMINE {f}"), secs: t })?
            .map_err(|e| ImapError::NoFolder { folder: f.clone(), message: e.to_string() })?;
        notes.push(format!("{f}: {} messages", mb.exists));
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    let idle = if caps.has_str("IDLE") { "IDLE" } else { "no IDLE (polling)" };
    Ok(format!("{}; {idle}", notes.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[42]), "42");
        assert_eq!(uid_set(&[]), "");
    }

    #[test]
    fn a_login_refused_for_now_is_retried_and_a_wrong_password_is_not() {
        use async_imap::error::Error;
        let wrong = login_refused(
            "support",
            Error::No("code: None, info: Some(\"[AUTHENTICATIONFAILED] Authentication failed.\")".into()),
        );
        assert!(matches!(wrong, ImapError::Login { .. }) && !wrong.is_transient(), "{wrong}");
        let starting = login_refused(
            "support",
            Error::No("code: None, info: Some(\"[UNAVAILABLE] Temporary authentication failure.\")".into()),
        );
        assert!(starting.is_transient(), "{starting}");
        let wrong_in_words =
            login_refused("support", Error::No("code: None, info: Some(\"Login failed, please try again\")".into()));
        assert!(!wrong_in_words.is_transient(), "{wrong_in_words}");
        let dropped = login_refused("support", Error::ConnectionLost);
        assert!(dropped.is_transient(), "{dropped}");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..50 {
            assert!(backoff(0) <= Duration::from_secs(1) && backoff(0) >= Duration::from_millis(500));
            assert!(backoff(3) <= Duration::from_secs(8) && backoff(3) >= Duration::from_secs(4));
            assert!(backoff(20) <= Duration::from_secs(300) && backoff(20) >= Duration::from_secs(150));
        }
    }
}
