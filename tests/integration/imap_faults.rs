//! The IMAP faults a real Dovecot shows only now and then, made to happen every time by a
//! scripted server: a FETCH cut short by a hang-up, a FETCH answered NO part-way, a SEARCH
//! answered NO, a message the server never sends. What the server did not send must never
//! be passed over by the folder's cursor in silence.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use attune::config::MailboxConfig;
use attune::intake::imap;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::mailserver::dummy_mailbox;

/// How the next UID FETCH goes wrong (then the server behaves).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    /// Sends the first `n` messages asked for, then hangs up without a word.
    HangUpAfter(usize),
    /// Sends every message but `uid`, then answers the FETCH with NO.
    NoFor(u32),
    /// Another client expunges `uid` just before the FETCH arrives.
    ExpungedBeforeFetch(u32),
    /// Like `NoFor`, and the SEARCH that follows is answered NO too.
    NoForThenSearchNo(u32),
    /// Sends the first `n` messages asked for, then says nothing more and keeps the
    /// connection open (a server that froze mid-FETCH).
    StallAfter(usize),
}

#[derive(Default)]
struct Folder {
    messages: BTreeMap<u32, Vec<u8>>,
    fault: Option<Fault>,
    /// Never sent, on any FETCH (a message the server cannot read).
    refused: Option<u32>,
    search_no: bool,
    fetches: usize,
    /// UIDs moved to another folder by UID MOVE, in order.
    moved: Vec<u32>,
    /// The next APPEND is never answered (a server that froze mid-APPEND).
    stall_append: bool,
    /// The next IDLE is accepted, and its DONE never answered (frozen mid-IDLE).
    stall_idle: bool,
    /// Messages appended, in order.
    appended: Vec<Vec<u8>>,
}

fn mail(uid: u32) -> Vec<u8> {
    format!(
        "From: Customer {uid} <c{uid}@customer.example>\r\nTo: support@attune.test\r\nSubject: Order {uid}\r\nMessage-ID: <fault{uid}@customer.example>\r\nDate: Thu, 26 Nov 2026 09:00:00 +0000\r\n\r\nHello, my order {} has not arrived.\r\n\r\nMaria\r\n",
        7000 + uid
    )
    .into_bytes()
}

/// "1:3,5" or "4:*" against the folder's UIDs.
fn uids_in(set: &str, all: &BTreeMap<u32, Vec<u8>>) -> Vec<u32> {
    let max = all.keys().last().copied().unwrap_or(0);
    let mut out = Vec::new();
    for part in set.split(',') {
        let bound = |s: &str| if s == "*" { max } else { s.parse().unwrap_or(0) };
        let (a, b) = match part.split_once(':') {
            Some((a, b)) => (bound(a), bound(b)),
            None => (bound(part), bound(part)),
        };
        let (lo, hi) = (a.min(b), a.max(b));
        out.extend(all.keys().copied().filter(|u| *u >= lo && *u <= hi));
    }
    out.sort_unstable();
    out.dedup();
    out
}

async fn serve(stream: TcpStream, folder: Arc<Mutex<Folder>>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    write.write_all(b"* OK [CAPABILITY IMAP4rev1 UIDPLUS MOVE] scripted server ready\r\n").await?;
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut words = line.trim_end().splitn(2, ' ');
        let (tag, rest) = (words.next().unwrap_or("*").to_string(), words.next().unwrap_or(""));
        let upper = rest.to_ascii_uppercase();
        let reply = if upper.starts_with("LOGIN") {
            format!("{tag} OK LOGIN completed\r\n")
        } else if upper.starts_with("CAPABILITY") {
            format!("* CAPABILITY IMAP4rev1 UIDPLUS MOVE IDLE\r\n{tag} OK done\r\n")
        } else if upper.starts_with("SELECT") || upper.starts_with("EXAMINE") {
            let f = folder.lock().unwrap();
            let next = f.messages.keys().last().copied().unwrap_or(0) + 1;
            format!(
                "* {} EXISTS\r\n* OK [UIDVALIDITY 77] ok\r\n* OK [UIDNEXT {next}] ok\r\n{tag} OK [READ-WRITE] selected\r\n",
                f.messages.len()
            )
        } else if let Some(set) = upper.strip_prefix("UID SEARCH UID ") {
            let mut f = folder.lock().unwrap();
            if std::mem::take(&mut f.search_no) {
                format!("{tag} NO [SERVERBUG] search failed\r\n")
            } else {
                let found: Vec<String> = uids_in(set.trim(), &f.messages).iter().map(u32::to_string).collect();
                format!("* SEARCH {}\r\n{tag} OK search done\r\n", found.join(" "))
            }
        } else if let Some(args) = upper.strip_prefix("UID FETCH ").filter(|a| a.contains("RFC822.SIZE")) {
            // Sizes only: never faulty, not counted as a fetch.
            let set = args.split(' ').next().unwrap_or("");
            let f = folder.lock().unwrap();
            let mut out = String::new();
            for uid in uids_in(set, &f.messages) {
                let seq = f.messages.keys().position(|k| *k == uid).unwrap_or(0) + 1;
                out.push_str(&format!("* {seq} FETCH (UID {uid} RFC822.SIZE {})\r\n", f.messages[&uid].len()));
            }
            out.push_str(&format!("{tag} OK fetch done\r\n"));
            out
        } else if let Some(args) = upper.strip_prefix("UID FETCH ") {
            let set = args.split(' ').next().unwrap_or("");
            let (fault, wanted, bodies) = {
                let mut f = folder.lock().unwrap();
                f.fetches += 1;
                // A fault about one message waits for the FETCH that asks for it.
                let asked = uids_in(set, &f.messages);
                let applies = match f.fault {
                    Some(Fault::NoFor(u) | Fault::NoForThenSearchNo(u) | Fault::ExpungedBeforeFetch(u)) => {
                        asked.contains(&u)
                    }
                    _ => true,
                };
                let fault = if applies { f.fault.take().unwrap_or(Fault::None) } else { Fault::None };
                match fault {
                    Fault::ExpungedBeforeFetch(uid) => {
                        f.messages.remove(&uid);
                    }
                    Fault::NoForThenSearchNo(_) => f.search_no = true,
                    _ => {}
                }
                let fault = match (fault, f.refused) {
                    (Fault::NoForThenSearchNo(uid), _) => Fault::NoFor(uid),
                    (Fault::None, Some(uid)) => Fault::NoFor(uid),
                    (other, _) => other,
                };
                let wanted = uids_in(set, &f.messages);
                let bodies: Vec<(u32, usize, Vec<u8>)> = wanted
                    .iter()
                    .map(|u| {
                        let seq = f.messages.keys().position(|k| k == u).unwrap_or(0) + 1;
                        (*u, seq, f.messages[u].clone())
                    })
                    .collect();
                (fault, wanted, bodies)
            };
            let mut out = Vec::new();
            for (i, (uid, seq, body)) in bodies.iter().enumerate() {
                if fault == Fault::HangUpAfter(i) {
                    write.write_all(&out).await?;
                    return Ok(());
                }
                if fault == Fault::StallAfter(i) {
                    write.write_all(&out).await?;
                    // Frozen: not another byte, until the client gives up and hangs up.
                    let _ = read.read_to_end(&mut Vec::new()).await;
                    return Ok(());
                }
                if fault == Fault::NoFor(*uid) {
                    continue;
                }
                out.extend(
                    format!(
                        "* {seq} FETCH (UID {uid} INTERNALDATE \"26-Nov-2026 09:00:00 +0000\" BODY[] {{{}}}\r\n",
                        body.len()
                    )
                    .bytes(),
                );
                out.extend(body);
                out.extend(b")\r\n");
            }
            let done = match fault {
                Fault::NoFor(uid) if wanted.contains(&uid) => {
                    format!("{tag} NO [SERVERBUG] cannot read message {uid}\r\n")
                }
                _ => format!("{tag} OK fetch done\r\n"),
            };
            out.extend(done.bytes());
            write.write_all(&out).await?;
            continue;
        } else if let Some(args) = upper.strip_prefix("UID MOVE ") {
            let set = args.split(' ').next().unwrap_or("");
            let mut f = folder.lock().unwrap();
            for uid in uids_in(set, &f.messages) {
                f.messages.remove(&uid);
                f.moved.push(uid);
            }
            format!("{tag} OK moved\r\n")
        } else if upper.starts_with("APPEND") {
            let size: usize =
                rest.rsplit_once('{').and_then(|(_, n)| n.trim_end_matches(['}', '+']).parse().ok()).unwrap_or(0);
            if std::mem::take(&mut folder.lock().unwrap().stall_append) {
                let _ = read.read_to_end(&mut Vec::new()).await;
                return Ok(());
            }
            write.write_all(b"+ go ahead\r\n").await?;
            let mut body = vec![0u8; size];
            read.read_exact(&mut body).await?;
            let mut rest_of_line = String::new();
            read.read_line(&mut rest_of_line).await?;
            folder.lock().unwrap().appended.push(body);
            format!("{tag} OK [APPENDUID 77 1] appended\r\n")
        } else if upper.starts_with("IDLE") {
            write.write_all(b"+ idling\r\n").await?;
            let stall = std::mem::take(&mut folder.lock().unwrap().stall_idle);
            let mut done = String::new();
            read.read_line(&mut done).await?;
            if stall {
                let _ = read.read_to_end(&mut Vec::new()).await;
                return Ok(());
            }
            format!("{tag} OK IDLE terminated\r\n")
        } else if upper.starts_with("LOGOUT") {
            write.write_all(format!("* BYE see you\r\n{tag} OK bye\r\n").as_bytes()).await?;
            let _ = read.read_to_end(&mut Vec::new()).await;
            return Ok(());
        } else {
            format!("{tag} OK done\r\n")
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

async fn scripted_server(folder: Arc<Mutex<Folder>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("port").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, folder.clone()));
        }
    });
    port
}

/// A plain-text mailbox on the scripted server, polled, in batches of ten.
fn mailbox(port: u16) -> MailboxConfig {
    MailboxConfig { name: "support".into(), idle: false, batch_size: 10, ..dummy_mailbox(port) }
}

async fn stored_message_ids(t: &TestApp) -> Vec<String> {
    let mut db = t.app.store.db().await.unwrap();
    let mut ids: Vec<String> =
        db.list_messages(None, None, 1000, 0).await.unwrap().into_iter().filter_map(|m| m.message_id).collect();
    ids.sort();
    ids
}

async fn cursor(t: &TestApp) -> i64 {
    let mut db = t.app.store.db().await.unwrap();
    db.cursor("support", "INBOX").await.unwrap().map(|c| c.last_uid).unwrap_or(0)
}

async fn app_with_faulty_server(fault: Fault, uids: &[u32]) -> (TestApp, MailboxConfig, Arc<Mutex<Folder>>) {
    app_with_server(Folder { fault: Some(fault), ..Folder::default() }, uids, |_| {}).await
}

async fn app_with_server(
    folder: Folder,
    uids: &[u32],
    tweak: impl FnOnce(&mut MailboxConfig),
) -> (TestApp, MailboxConfig, Arc<Mutex<Folder>>) {
    let folder = Arc::new(Mutex::new(Folder { messages: uids.iter().map(|u| (*u, mail(*u))).collect(), ..folder }));
    let mut cfg = mailbox(scripted_server(folder.clone()).await);
    tweak(&mut cfg);
    let t = spawn_app_with(Backend::Sqlite, "2026-11-26T10:00:00Z", |c| c.mailboxes = vec![cfg.clone()]).await;
    (t, cfg, folder)
}

fn expected(uids: &[u32]) -> Vec<String> {
    let mut ids: Vec<String> = uids.iter().map(|u| format!("fault{u}@customer.example")).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_fetch_cut_short_by_a_hang_up_leaves_the_cursor_before_what_was_not_sent() {
    let uids = [3, 4, 5, 8, 9];
    let (t, cfg, folder) = app_with_faulty_server(Fault::HangUpAfter(2), &uids).await;

    let first = imap::sync_once(&t.app, &cfg).await;
    assert!(first.is_err(), "a FETCH cut short is an error, not a finished sync: {first:?}");
    let err = first.unwrap_err();
    assert!(err.is_transient(), "and one worth reconnecting for: {err}");
    assert_eq!(stored_message_ids(&t).await, expected(&[3, 4]), "what did arrive is kept");
    assert_eq!(cursor(&t).await, 0, "the cursor does not move: the connection died before it could be checked");

    let second = imap::sync_once(&t.app, &cfg).await.expect("the next sync, on a server that behaves");
    assert_eq!(second[0].last_uid, 9);
    assert!(!second[0].rescanned, "the same UIDVALIDITY: no rescan");
    assert_eq!(stored_message_ids(&t).await, expected(&uids), "every message, once");
    assert_eq!(cursor(&t).await, 9);
    assert_eq!(folder.lock().unwrap().fetches, 2);
}

#[tokio::test]
async fn a_fetch_answered_no_part_way_is_fetched_again_from_the_message_it_skipped() {
    let uids = [1, 2, 3, 4, 6];
    let (t, cfg, _folder) = app_with_faulty_server(Fault::NoFor(3), &uids).await;

    let err = imap::sync_once(&t.app, &cfg).await.expect_err("a message the server would not send");
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("sent 4 of 5 messages (UIDs 3 are still there)"), "{err}");
    assert_eq!(stored_message_ids(&t).await, expected(&[1, 2, 4, 6]), "the others are stored at once");
    assert_eq!(cursor(&t).await, 2, "the cursor waits just before the message it did not get");

    imap::sync_once(&t.app, &cfg).await.expect("the next sync gets it");
    assert_eq!(stored_message_ids(&t).await, expected(&uids), "and nothing twice");
    assert_eq!(cursor(&t).await, 6);
}

#[tokio::test]
async fn messages_expunged_between_search_and_fetch_are_passed_over() {
    let uids = [1, 2, 3];
    // Another client deletes UID 2 after attune's SEARCH: the FETCH leaves it out, as
    // Dovecot does, and the follow-up SEARCH finds it gone.
    let (t, cfg, _folder) = app_with_faulty_server(Fault::ExpungedBeforeFetch(2), &uids).await;
    let synced = imap::sync_once(&t.app, &cfg).await.expect("nothing is missing that still exists");
    assert_eq!(synced[0].last_uid, 3);
    assert!(!synced[0].rescanned, "a first sync is not a rescan");
    assert_eq!(stored_message_ids(&t).await, expected(&[1, 3]));
}

#[tokio::test]
async fn a_search_answered_no_is_not_taken_for_an_empty_folder() {
    let uids = [1, 2, 3, 4];
    let (t, cfg, _folder) = app_with_faulty_server(Fault::NoForThenSearchNo(2), &uids).await;
    let err = imap::sync_once(&t.app, &cfg).await.expect_err("neither the FETCH nor the SEARCH answered");
    assert!(err.is_transient() && err.to_string().contains("answered No"), "{err}");
    assert_eq!(cursor(&t).await, 0, "the cursor stays where it was");
    imap::sync_once(&t.app, &cfg).await.expect("the next sync");
    assert_eq!(stored_message_ids(&t).await, expected(&uids));
}

#[tokio::test]
async fn a_message_refused_in_a_later_batch_holds_the_cursor_and_moves_only_what_was_stored() {
    let uids: Vec<u32> = (1..=25).collect();
    let (t, cfg, folder) = app_with_server(Folder { fault: Some(Fault::NoFor(14)), ..Folder::default() }, &uids, |c| {
        c.after_ingest = attune::config::AfterIngest::Move("Done".into())
    })
    .await;
    let err = imap::sync_once(&t.app, &cfg).await.expect_err("UID 14 did not come");
    assert!(err.to_string().contains("UIDs 14 are still there"), "{err}");
    let first_batches: Vec<u32> = (1..=13).chain(15..=20).collect();
    assert_eq!(stored_message_ids(&t).await, expected(&first_batches), "batch 3 was not reached");
    assert_eq!(cursor(&t).await, 13);
    assert_eq!(folder.lock().unwrap().moved, (1..=13).collect::<Vec<u32>>(), "only what the cursor passed moves");

    imap::sync_once(&t.app, &cfg).await.expect("the next sync");
    assert_eq!(stored_message_ids(&t).await, expected(&uids), "every message, once");
    assert_eq!(cursor(&t).await, 25);
    let mut moved = folder.lock().unwrap().moved.clone();
    moved.sort_unstable();
    assert_eq!(moved, uids, "and every one moved out once it was stored");
}

#[tokio::test]
async fn a_message_the_server_never_sends_is_quarantined_after_ten_minutes_and_the_rest_flows() {
    let uids = [1, 2, 3, 4, 5];
    let (t, cfg, _folder) = app_with_server(Folder { refused: Some(3), ..Folder::default() }, &uids, |_| {}).await;
    for _ in 0..3 {
        imap::sync_once(&t.app, &cfg).await.expect_err("UID 3 does not come");
        assert_eq!(cursor(&t).await, 2, "held before it while it may still come");
        t.app.clock.advance(jiff::SignedDuration::from_secs(120));
    }
    t.app.clock.advance(jiff::SignedDuration::from_secs(5 * 60));
    let synced = imap::sync_once(&t.app, &cfg).await.expect("given up on after ten minutes");
    assert_eq!(synced[0].last_uid, 5);
    assert_eq!(cursor(&t).await, 5);
    assert_eq!(stored_message_ids(&t).await, expected(&[1, 2, 4, 5]));
    let mut db = t.app.store.db().await.unwrap();
    let quarantined = db.list_messages(None, Some("malformed"), 10, 0).await.unwrap();
    assert_eq!(quarantined.len(), 1, "the one the server would not send is quarantined, not passed in silence");
    assert_eq!(quarantined[0].origin, "imap:support/INBOX/77/3");
    assert!(
        quarantined[0].quarantine_reason.as_deref().is_some_and(|r| r.contains("UID 3") && r.contains("by hand")),
        "{:?}",
        quarantined[0].quarantine_reason
    );
}

/// A server that freezes in the middle of a FETCH (sends two of five messages, then
/// nothing, connection open) is dropped at the command deadline; what arrived is kept,
/// the cursor stays before what did not, and the next sync stores the rest once.
#[tokio::test]
async fn a_server_frozen_mid_fetch_is_dropped_at_the_deadline_and_nothing_is_lost() {
    let uids = [3, 4, 5, 8, 9];
    let (t, cfg, folder) =
        app_with_server(Folder { fault: Some(Fault::StallAfter(2)), ..Folder::default() }, &uids, |c| {
            c.command_timeout = attune::config::DurationSpec::parse("2s").unwrap();
        })
        .await;
    let started = std::time::Instant::now();
    let err = imap::sync_once(&t.app, &cfg).await.expect_err("a frozen FETCH is an error");
    let dropped_after = started.elapsed();
    assert!(matches!(err, imap::ImapError::Timeout { .. }), "{err}");
    assert!(err.is_transient(), "{err}");
    assert!(err.to_string().contains("UID FETCH"), "{err}");
    assert_eq!(stored_message_ids(&t).await, expected(&[3, 4]));
    assert_eq!(cursor(&t).await, 0);
    let again = imap::sync_once(&t.app, &cfg).await.expect("the next sync");
    eprintln!("frozen mid-FETCH: dropped after {dropped_after:?}, recovered after {:?}", started.elapsed());
    assert_eq!(again[0].last_uid, 9);
    assert_eq!(stored_message_ids(&t).await, expected(&uids), "every message, once");
    assert_eq!(folder.lock().unwrap().fetches, 2);
}

/// The Sent copy: a server that never answers an APPEND is dropped at the deadline with
/// an error naming it; the next copy goes through.
#[tokio::test]
async fn a_server_frozen_mid_append_is_dropped_at_the_deadline() {
    let (_t, mut cfg, folder) = app_with_server(Folder { stall_append: true, ..Folder::default() }, &[], |c| {
        c.command_timeout = attune::config::DurationSpec::parse("2s").unwrap();
    })
    .await;
    cfg.save_sent = Some("Sent".into());
    let started = std::time::Instant::now();
    let raw = b"From: support@attune.test\r\nTo: c@customer.example\r\nSubject: Re: hi\r\n\r\nHello\r\n";
    let err = imap::append_copy(&cfg, "Sent", raw).await.expect_err("a frozen APPEND is an error");
    assert!(err.to_string().contains("APPEND"), "{err}");
    eprintln!("frozen mid-APPEND: dropped after {:?}", started.elapsed());
    imap::append_copy(&cfg, "Sent", raw).await.expect("the next copy goes through");
    assert_eq!(folder.lock().unwrap().appended.len(), 1);
}

/// The daemon's loop on a server that freezes when IDLE ends: the DONE is given up on,
/// the loop reconnects with backoff and the mail that came meanwhile is stored, once.
#[tokio::test]
async fn a_server_frozen_mid_idle_is_reconnected_and_mail_keeps_flowing() {
    let (t, cfg, folder) = app_with_server(Folder { stall_idle: true, ..Folder::default() }, &[1, 2], |c| {
        c.idle = true;
        c.idle_renew = attune::config::DurationSpec::parse("2s").unwrap();
        c.command_timeout = attune::config::DurationSpec::parse("2s").unwrap();
    })
    .await;
    let stop = tokio_util::sync::CancellationToken::new();
    let daemon = tokio::spawn(imap::run_mailbox(t.app.clone(), cfg.clone(), stop.clone()));
    let started = std::time::Instant::now();
    while stored_message_ids(&t).await.len() < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "the first sync");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Mail arrives while the server is frozen in IDLE.
    folder.lock().unwrap().messages.insert(3, mail(3));
    let frozen_at = std::time::Instant::now();
    while stored_message_ids(&t).await.len() < 3 {
        assert!(frozen_at.elapsed() < std::time::Duration::from_secs(60), "recovered from a frozen IDLE");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    eprintln!("frozen mid-IDLE: new mail stored {:?} after it arrived", frozen_at.elapsed());
    stop.cancel();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(20), daemon).await;
    assert_eq!(stored_message_ids(&t).await, expected(&[1, 2, 3]), "every message, once");
}
