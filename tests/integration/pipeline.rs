//! The pipeline's promises, against the real store: nothing stored twice, limits that
//! hold, reopening, approval with lateness judged again, sending each draft once.

use attune::approval::{self, ApprovalError, Approver};
use attune::domain::{DraftStatus, TicketId};
use attune::outbox::{self, Delivery, SendOutcome};
use attune::pipeline::{DraftOutcome, Ingested, ingest};
use jiff::SignedDuration;

use crate::helpers::{Backend, mail, on_both_backends, raw, raw_at, spawn_app, spawn_app_with, ts};

fn agent() -> Approver {
    Approver { id: "test:sam".into(), name: Some("Sam Taylor".into()) }
}

fn stored(i: &Ingested) -> (TicketId, DraftOutcome) {
    match i {
        Ingested::Stored { ticket, draft, .. } => (*ticket, draft.clone()),
        other => panic!("not stored: {other:?}"),
    }
}

on_both_backends!(async the_same_message_is_stored_once_whatever_route_it_took);
async fn the_same_message_is_stored_once_whatever_route_it_took(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T12:00:00Z").await;
    let body = mail("Jane Doe <jane@x.org>", "dup@x.org", "Hello", "", "Where is my order 1234?\n\nJane");
    let first = ingest(
        &t.app,
        &raw(&format!(
            "Delivered-To: support@example.com\nReceived: from a by b; Thu, 26 Nov 2026 10:00:00 +0000\n{body}"
        )),
        "t",
    )
    .await
    .unwrap();
    assert!(matches!(first, Ingested::Stored { .. }));
    // Delivered again to another of our addresses, through another relay.
    let again = ingest(&t.app, &raw(&format!("Delivered-To: sales@example.com\nX-Original-To: sales@example.com\nReceived: from c by d; Thu, 26 Nov 2026 10:01:00 +0000\n{body}")), "t").await.unwrap();
    assert!(matches!(again, Ingested::Duplicate(_)), "{again:?}");
    // A reused Message-ID with other content is another message.
    let reused = mail("Jane Doe <jane@x.org>", "dup@x.org", "Hello", "", "Something else entirely.\n\nJane");
    assert!(matches!(ingest(&t.app, &raw(&reused), "t").await.unwrap(), Ingested::Stored { .. }));
    // No Message-ID at all: the content hash still catches the copy.
    let no_id = "From: Bo <bo@y.org>\nTo: support@example.com\nSubject: hi\n\nhello there, my invoice 5566 is wrong";
    assert!(matches!(ingest(&t.app, &raw(no_id), "t").await.unwrap(), Ingested::Stored { .. }));
    assert!(matches!(ingest(&t.app, &raw(no_id), "t").await.unwrap(), Ingested::Duplicate(_)));
    let mut db = t.app.store.db().await.unwrap();
    assert_eq!(db.counts().await.unwrap().messages, 3);
}

on_both_backends!(async malformed_mail_is_quarantined_with_its_raw_bytes);
async fn malformed_mail_is_quarantined_with_its_raw_bytes(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T12:00:00Z").await;
    let bytes = b"Subject: nobody\r\nMessage-ID: <q@x>\r\n\r\n\xff\xfe binary \x00 junk".to_vec();
    let out = ingest(
        &t.app,
        &attune::intake::RawMail { bytes: bytes.clone(), origin: "t".into(), arrived_at: None, truncated_from: None },
        "t",
    )
    .await
    .unwrap();
    let Ingested::Quarantined { key, reason } = out else { panic!("{out:?}") };
    assert!(reason.contains("sender"), "{reason}");
    let mut db = t.app.store.db().await.unwrap();
    assert_eq!(db.raw(key).await.unwrap().unwrap(), bytes);
    assert_eq!(db.message(key).await.unwrap().unwrap().quarantine_reason.as_deref(), Some(reason.as_str()));
    drop(db);

    // NUL in a readable message, raw and inside a base64 part ("Hi\0 there"): stored
    // (PostgreSQL's TEXT refuses NUL), read without it, raw bytes kept as they came.
    let bytes = b"From: Nul <nul@example.org>\r\nSubject: zero\x00byte\r\nMessage-ID: <nul@x>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nSGkAIHRoZXJl\r\n".to_vec();
    let out = ingest(
        &t.app,
        &attune::intake::RawMail { bytes: bytes.clone(), origin: "t".into(), arrived_at: None, truncated_from: None },
        "t",
    )
    .await
    .unwrap();
    let Ingested::Stored { key, .. } = out else { panic!("{out:?}") };
    let mut db = t.app.store.db().await.unwrap();
    let row = db.message(key).await.unwrap().unwrap();
    assert_eq!(row.body_text, "Hi there");
    assert_eq!(row.subject, "zerobyte");
    assert_eq!(db.raw(key).await.unwrap().unwrap(), bytes);
}

on_both_backends!(async per_sender_limits_hold_by_arrival_time);
async fn per_sender_limits_hold_by_arrival_time(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T12:00:00Z").await;
    let base = ts("2026-11-20T09:00:00Z");
    let mut drafted = 0;
    for i in 0..6 {
        // Six separate tickets (no references, new subjects) within half an hour, a week ago.
        let m = mail(
            "Pat <pat@z.org>",
            &format!("rl{i}@z.org"),
            &format!("Question number {i}"),
            "",
            &format!("Hello, question {i} about my order 9{i}00.\n\nPat"),
        );
        let (_, d) = stored(&ingest(&t.app, &raw_at(&m, base + i * 300), "t").await.unwrap());
        if matches!(d, DraftOutcome::Created(_)) {
            drafted += 1;
        } else {
            assert!(matches!(&d, DraftOutcome::Skipped(r) if r.contains("rate limit")), "{d:?}");
        }
    }
    assert_eq!(drafted, 3, "ack.per_sender_per_hour defaults to 3");
    // Two hours later (by arrival) the hour's limit has passed.
    let m = mail("Pat <pat@z.org>", "rl-later@z.org", "Another one", "", "Hello again, order 97700.\n\nPat");
    let (_, d) = stored(&ingest(&t.app, &raw_at(&m, base + 2 * 3600), "t").await.unwrap());
    assert!(matches!(d, DraftOutcome::Created(_)), "{d:?}");
}

on_both_backends!(async follow_ups_are_acknowledged_only_after_a_quiet_period);
async fn follow_ups_are_acknowledged_only_after_a_quiet_period(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let first = mail(
        "Jane Doe <jane@x.org>",
        "q1@x.org",
        "Broken strap",
        "",
        "Hello, the strap of my bag broke. Order 4455.\n\nJane",
    );
    let (ticket, d) = stored(&ingest(app, &raw(&first), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!("{d:?}") };
    approval::approve(app, id, None, &agent(), None, None).await.unwrap();
    let delivery = Delivery::Files { dir: t.outbox() };
    outbox::send_due(app, &delivery, "t").await.unwrap();

    // A reply two hours later: we wrote to them recently, so no new acknowledgment.
    app.clock.advance(SignedDuration::from_hours(2));
    let reply = mail(
        "Jane Doe <jane@x.org>",
        "q2@x.org",
        "Re: Broken strap",
        "In-Reply-To: <q1@x.org>\nReferences: <q1@x.org>\n",
        "Any news?\n\nJane",
    );
    let (t2, d) = stored(&ingest(app, &raw_at(&reply, app.now()), "t").await.unwrap());
    assert_eq!(t2, ticket);
    assert!(matches!(&d, DraftOutcome::Skipped(r) if r.contains("less than 24h")), "{d:?}");

    // A day later it is acknowledged as a follow-up.
    app.clock.advance(SignedDuration::from_hours(25));
    let later = mail(
        "Jane Doe <jane@x.org>",
        "q3@x.org",
        "Re: Broken strap",
        "In-Reply-To: <q2@x.org>\nReferences: <q1@x.org> <q2@x.org>\n",
        "Still waiting for an answer about order 4455.\n\nJane",
    );
    let (_, d) = stored(&ingest(app, &raw_at(&later, app.now()), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!("{d:?}") };
    let mut db = app.store.db().await.unwrap();
    assert_eq!(db.draft(id).await.unwrap().unwrap().purpose, "ack_followup");
}

on_both_backends!(async replies_to_resolved_tickets_reopen_within_the_window_else_open_a_linked_ticket);
async fn replies_to_resolved_tickets_reopen_within_the_window_else_open_a_linked_ticket(backend: Backend) {
    let t = spawn_app_with(backend, "2026-11-01T09:00:00Z", |c| {
        c.threading.reopen_window = attune::config::DurationSpec::parse("7d").unwrap()
    })
    .await;
    let app = &t.app;
    let first = mail("Jane Doe <jane@x.org>", "r1@x.org", "Login issue", "", "I cannot log in.\n\nJane");
    let (ticket, _) = stored(&ingest(app, &raw(&first), "t").await.unwrap());
    {
        let mut db = app.store.tx().await.unwrap();
        assert!(db.resolve_ticket(ticket, app.now()).await.unwrap());
        db.commit().await.unwrap();
    }
    app.clock.advance(SignedDuration::from_hours(48));
    let reply = mail(
        "Jane Doe <jane@x.org>",
        "r2@x.org",
        "Re: Login issue",
        "In-Reply-To: <r1@x.org>\n",
        "It happens again.\n\nJane",
    );
    let (t2, _) = stored(&ingest(app, &raw(&reply), "t").await.unwrap());
    assert_eq!(t2, ticket);
    let mut db = app.store.db().await.unwrap();
    assert_eq!(db.ticket(ticket).await.unwrap().unwrap().status, "open", "reopened");
    drop(db);

    {
        let mut db = app.store.tx().await.unwrap();
        db.resolve_ticket(ticket, app.now()).await.unwrap();
        db.commit().await.unwrap();
    }
    app.clock.advance(SignedDuration::from_hours(24 * 10));
    let late = mail(
        "Jane Doe <jane@x.org>",
        "r3@x.org",
        "Re: Login issue",
        "In-Reply-To: <r2@x.org>\n",
        "And once more, weeks later.\n\nJane",
    );
    let (t3, _) = stored(&ingest(app, &raw(&late), "t").await.unwrap());
    assert_ne!(t3, ticket, "past the window: a new ticket");
    let mut db = app.store.db().await.unwrap();
    assert_eq!(db.ticket(t3).await.unwrap().unwrap().linked_to, Some(ticket.0));
    assert_eq!(db.ticket(ticket).await.unwrap().unwrap().status, "resolved");
    drop(db);
    // The next reply in that old thread goes to the new ticket, not a third one.
    let again =
        mail("Jane Doe <jane@x.org>", "r4@x.org", "Re: Login issue", "In-Reply-To: <r1@x.org>\n", "Hello?\n\nJane");
    let (t4, _) = stored(&ingest(app, &raw(&again), "t").await.unwrap());
    assert_eq!(t4, t3);
}

on_both_backends!(async lateness_is_judged_again_at_approval_and_at_send_time);
async fn lateness_is_judged_again_at_approval_and_at_send_time(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let m = mail(
        "Jane Doe <jane@x.org>",
        "l1@x.org",
        "Where is my order 8080?",
        "",
        "Hello, where is my order 8080?\n\nBest regards,\nJane",
    );
    let (_, d) = stored(&ingest(app, &raw_at(&m, app.now() - 600), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!() };
    let mut db = app.store.db().await.unwrap();
    let draft = db.draft(id).await.unwrap().unwrap();
    assert!(!draft.body.to_lowercase().contains("sorry"), "on time when drafted:\n{}", draft.body);
    drop(db);

    // Approved five hours later, past the 4h SLA: the agent approves the apology too.
    app.clock.advance(SignedDuration::from_hours(5));
    let done = approval::approve(app, id, None, &agent(), None, None).await.unwrap();
    assert!(done.late);
    assert!(done.body.contains("sorry for the delay"), "{}", done.body);
    assert!(done.body.contains("Sam Taylor"), "signed by the approving agent:\n{}", done.body);
    assert!(attune::empathy::lint::must_pass(&done.findings));

    // Another draft: approved on time, but sending is held up past the SLA.
    let m = mail(
        "Omar Haddad <omar@x.org>",
        "l2@x.org",
        "Invoice 7000 question",
        "",
        "Hello, is invoice 7000 paid?\n\nBest regards,\nOmar",
    );
    let (_, d) = stored(&ingest(app, &raw_at(&m, app.now() - 60), "t").await.unwrap());
    let DraftOutcome::Created(id2) = d else { panic!() };
    let done = approval::approve(app, id2, None, &agent(), None, None).await.unwrap();
    assert!(!done.late);
    app.clock.advance(SignedDuration::from_hours(6));
    let delivery = Delivery::Files { dir: t.outbox() };
    let sent = outbox::send_due(app, &delivery, "t").await.unwrap();
    assert_eq!(sent.iter().filter(|s| matches!(s, SendOutcome::Sent { .. })).count(), 2);
    let mut db = app.store.db().await.unwrap();
    let d2 = db.draft(id2).await.unwrap().unwrap();
    assert!(d2.sent_body.as_deref().unwrap().contains("sorry for the delay"), "{:?}", d2.sent_body);
    let audit = db.list_audit(Some(TicketId(d2.ticket_id)), 20, 0).await.unwrap();
    let sent_entry = audit.iter().find(|a| a.action == "reply.sent").unwrap();
    assert!(sent_entry.detail.contains("\"apology_added_at_send\":true"), "{}", sent_entry.detail);
}

on_both_backends!(async edits_are_kept_beside_the_draft_and_stale_saves_are_refused);
async fn edits_are_kept_beside_the_draft_and_stale_saves_are_refused(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let m = mail(
        "Jane Doe <jane@x.org>",
        "e1@x.org",
        "Refund for order 1212",
        "",
        "Hello, I would like a refund for order 1212.\n\nJane",
    );
    let (_, d) = stored(&ingest(app, &raw(&m), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!() };
    let mut db = app.store.db().await.unwrap();
    let before = db.draft(id).await.unwrap().unwrap();
    drop(db);
    let edited = before.body.replacen("\n\n", "\n\nCould you tell me which payment method you used?\n\n", 1);
    // Someone else's save bumps the version: a save from the old version is refused.
    let err = approval::approve(app, id, Some(&edited), &agent(), Some(before.version + 1), None).await.unwrap_err();
    assert!(matches!(err, ApprovalError::Conflict(_)), "{err}");
    let done = approval::approve(app, id, Some(&edited), &agent(), Some(before.version), None).await.unwrap();
    assert!(done.edited);
    assert!(done.body.contains("which payment method"));
    assert!(done.body.contains("Sam Taylor\nExample Support"), "{}", done.body);
    let mut db = app.store.db().await.unwrap();
    let after = db.draft(id).await.unwrap().unwrap();
    assert_eq!(after.status(), DraftStatus::Approved);
    assert_eq!(after.drafted_body, before.body, "the text as drafted is kept");
    let audit = db.list_audit(None, 10, 0).await.unwrap();
    let entry = audit.iter().find(|a| a.action == "draft.approved_with_edits").unwrap();
    assert!(entry.detail.contains("as_drafted") && entry.detail.contains("which payment method"));
    drop(db);
    // Approving twice is refused; so is rejecting an approved draft.
    assert!(matches!(
        approval::approve(app, id, None, &agent(), None, None).await.unwrap_err(),
        ApprovalError::NotPending { .. }
    ));
    assert!(matches!(
        approval::reject(app, id, "no", &agent(), None).await.unwrap_err(),
        ApprovalError::NotPending { .. }
    ));
}

on_both_backends!(async each_draft_is_sent_once_and_a_crashed_send_keeps_its_message_id);
async fn each_draft_is_sent_once_and_a_crashed_send_keeps_its_message_id(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let m = mail("Jane Doe <jane@x.org>", "s1@x.org", "Order 3030", "", "Hello, where is order 3030?\n\nJane");
    let (ticket, d) = stored(&ingest(app, &raw(&m), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!() };
    approval::approve(app, id, None, &agent(), None, None).await.unwrap();

    // A sender claims it and dies before finishing.
    let mut db = app.store.tx().await.unwrap();
    assert!(db.claim_draft(id, "dead-worker", app.now() + 300, "attune.first@example.com", app.now()).await.unwrap());
    db.commit().await.unwrap();
    let delivery = Delivery::Files { dir: t.outbox() };
    assert!(outbox::send_due(app, &delivery, "w2").await.unwrap().is_empty(), "the claim holds while it lasts");

    // After the claim expires another sender takes it over, with the same Message-ID.
    app.clock.advance(SignedDuration::from_mins(6));
    let sent = outbox::send_due(app, &delivery, "w2").await.unwrap();
    assert_eq!(sent.len(), 1);
    let SendOutcome::Sent { message_id, location, .. } = &sent[0] else { panic!("{sent:?}") };
    assert_eq!(message_id, "attune.first@example.com");
    let raw = std::fs::read_to_string(location).unwrap();
    assert!(raw.contains("Message-ID: <attune.first@example.com>"));
    assert!(raw.contains("In-Reply-To: <s1@x.org>"));
    assert!(raw.contains("Subject: Re: Order 3030 [#"), "{raw}");

    // Nothing more to send; the reply is on the ticket and a reply to it threads there.
    assert!(outbox::send_due(app, &delivery, "w2").await.unwrap().is_empty());
    assert_eq!(std::fs::read_dir(t.outbox()).unwrap().count(), 1);
    let answer = mail(
        "Jane Doe <jane@x.org>",
        "s2@x.org",
        "Re: Order 3030",
        "In-Reply-To: <attune.first@example.com>\nReferences: <s1@x.org> <attune.first@example.com>\n",
        "Thanks, one more question about order 3030: can I pick it up?\n\nJane",
    );
    let (t2, _) = stored(&ingest(app, &raw_with(&answer), "t").await.unwrap());
    assert_eq!(t2, ticket);
}

fn raw_with(text: &str) -> attune::intake::RawMail {
    raw(text)
}

on_both_backends!(async a_bounce_of_our_reply_marks_it);
async fn a_bounce_of_our_reply_marks_it(backend: Backend) {
    let t = spawn_app(backend, "2026-11-26T09:00:00Z").await;
    let app = &t.app;
    let m = mail(
        "Jane Doe <jane@gone.example>",
        "b1@gone.example",
        "Order 4040",
        "",
        "Hello, where is order 4040?\n\nJane",
    );
    let (_, d) = stored(&ingest(app, &raw(&m), "t").await.unwrap());
    let DraftOutcome::Created(id) = d else { panic!() };
    approval::approve(app, id, None, &agent(), None, None).await.unwrap();
    let sent = outbox::send_due(app, &Delivery::Files { dir: t.outbox() }, "t").await.unwrap();
    let SendOutcome::Sent { message_id, .. } = &sent[0] else { panic!() };
    let bounce = format!(
        "From: MAILER-DAEMON@mx.example.com\nTo: support@example.com\nSubject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce1@mx.example.com>\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.com\n\nFinal-Recipient: rfc822; jane@gone.example\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{message_id}>\nSubject: Re: Order 4040\n\n--b--\n"
    );
    let out = ingest(app, &raw(&bounce), "t").await.unwrap();
    assert!(matches!(
        out,
        Ingested::Stored { kind: attune::domain::Kind::Bounce, draft: DraftOutcome::Skipped(_), .. }
    ));
    let mut db = app.store.db().await.unwrap();
    let d = db.draft(id).await.unwrap().unwrap();
    assert!(d.bounce_reason.as_deref().unwrap().contains("550 5.1.1"), "{:?}", d.bounce_reason);
}
