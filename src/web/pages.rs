//! The agents' pages: the queue, tickets, and what they do to them.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::auth::User;
use super::render::{duration, time};
use super::{Web, WebError, sanitize};
use crate::approval::{self, ApprovalError, Approver};
use crate::domain::{DraftId, DraftStatus, Kind, Lang, MessageKey, Purpose, TicketId, TicketStatus};
use crate::drafting::{self, Facts, Occasion};
use crate::empathy::lint::{self, Finding, Outcome};
use crate::empathy::names;
use crate::mail::parse::{self, Parsed};
use crate::store::{DraftRow, NewDraft, QueueFilter};

pub const PAGE_SIZE: i64 = 50;

/// Values every page gets.
pub fn base(web: &Web, user: &User, title: &str, nav: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("title".into(), json!(title));
    m.insert("user".into(), user.view());
    m.insert("csrf".into(), json!(user.csrf.clone().unwrap_or_default()));
    m.insert(format!("nav_{nav}"), json!(true));
    m.insert("tz".into(), json!(tz_name(web)));
    m
}

pub fn tz_name(web: &Web) -> String {
    web.app.policy().business_hours.as_ref().map(|b| b.timezone.clone()).unwrap_or_else(|| "UTC".into())
}

pub fn render(web: &Web, page: &str, data: serde_json::Map<String, Value>) -> Result<Html<String>, WebError> {
    web.ui.page(page, &Value::Object(data)).map(Html).map_err(|e| {
        tracing::error!(error = %e, page, "a page did not render");
        WebError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn; see the log")
    })
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> Result<&'a str, WebError> {
    form.get(name).map(String::as_str).ok_or_else(|| WebError::bad_request(format!("the form lacks `{name}`")))
}

fn version(form: &HashMap<String, String>) -> Result<i64, WebError> {
    field(form, "version")?.trim().parse().map_err(|_| WebError::bad_request("`version` must be a number"))
}

pub fn flash(done: Option<&str>) -> Option<(&'static str, &'static str)> {
    Some(match done? {
        "approved" => ("Approved: the reply is on its way.", "ok"),
        "rejected" => ("Rejected.", "ok"),
        "saved" => ("Saved.", "ok"),
        "renamed" => ("Name saved; later replies use it.", "ok"),
        "renamed-edited" => ("Name saved. The draft has your edits: change its greeting yourself.", "warn"),
        "assigned" => ("Assignment saved.", "ok"),
        "resolved" => ("Resolved.", "ok"),
        "reopened" => ("Reopened.", "ok"),
        "noted" => ("Note added.", "ok"),
        "drafted" => ("Your reply is checked and waiting for approval below.", "ok"),
        _ => return None,
    })
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    language: Option<String>,
    mailbox: Option<String>,
    page: Option<i64>,
    done: Option<String>,
}

/// Wait and SLA state as the customer sees it: business time against the SLA.
pub fn sla_state(web: &Web, arrived: i64, now: i64) -> (bool, String, &'static str) {
    let policy = web.app.policy();
    let waited = policy.calendar.business_secs_between(crate::clock::ts(arrived), crate::clock::ts(now));
    let sla = policy.calendar.sla_secs(policy.sla.first_response);
    if waited > sla {
        (true, format!("late by {}", duration(waited - sla)), "late")
    } else {
        (false, format!("due in {}", duration(sla - waited)), if sla - waited < 3600 { "due" } else { "ok" })
    }
}

pub async fn queue(State(web): State<Web>, user: User, Query(q): Query<QueueQuery>) -> Result<Html<String>, WebError> {
    let status = q.status.clone().filter(|s| DraftStatus::parse(s).is_some()).unwrap_or_else(|| "pending".into());
    let language = q.language.clone().filter(|l| Lang::parse(l).is_some());
    let mailbox = q.mailbox.clone().filter(|m| !m.is_empty());
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = QueueFilter { status: status.clone(), language: language.clone(), mailbox: mailbox.clone() };
    let mut db = web.app.store.db().await?;
    let total = db.queue_count(&filter).await?;
    let rows = db.queue(&filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    let needing = db.tickets_needing_person(20).await?;
    drop(db);
    let mailboxes = web.mailboxes().await?;
    let now = web.app.now();
    let tz = web.app.policy().calendar.time_zone();
    let views: Vec<Value> = rows
        .iter()
        .map(|r| {
            let facts: Option<Facts> = serde_json::from_str(&r.facts).ok();
            let findings: Vec<Finding> = serde_json::from_str(&r.lint).unwrap_or_default();
            let failed: Vec<String> = findings
                .iter()
                .filter(|f| f.result == Outcome::Fail)
                .map(|f| format!("{}: {}", f.check, f.message))
                .collect();
            let (late, sla_text, sla_class) = sla_state(&web, r.trigger_received_at, now);
            let (_, exact) = time(r.trigger_received_at, &tz);
            json!({
                "draft_id": r.draft_id,
                "ticket_id": r.ticket_id,
                "customer": r.customer_name.clone().or(r.to_name.clone()).unwrap_or_else(|| r.to_addr.clone()),
                "email": r.to_addr,
                "subject": r.subject,
                "language": r.language,
                "register": r.register,
                "sentiment": facts.as_ref().map(|f| f.sentiment.as_str()).unwrap_or(""),
                "waited": duration(now - r.trigger_received_at),
                "arrived_exact": exact,
                "late": late && status == "pending",
                "sla_text": if status == "pending" { sla_text } else { r.status.clone() },
                "sla_class": if status == "pending" { sla_class } else { "" },
                "flags": failed.join("; "),
                "flag_count": failed.len(),
                "mailbox": r.mailbox,
                "assignee": r.assignee,
                "error": r.last_error,
            })
        })
        .collect();
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |p: i64| {
        format!(
            "/?status={status}&language={}&mailbox={}&page={p}",
            language.clone().unwrap_or_default(),
            super::urlencode(&mailbox.clone().unwrap_or_default())
        )
    };
    let mut data = base(&web, &user, "Queue", "queue");
    let statuses: Vec<Value> = ["pending", "approved", "sending", "failed", "sent", "rejected"]
        .iter()
        .map(|s| json!({"value": s, "label": s, "selected": *s == status}))
        .collect();
    let langs: Vec<Value> = Lang::ALL
        .iter()
        .map(|l| json!({"value": l.code(), "label": l.code(), "selected": language.as_deref() == Some(l.code())}))
        .collect();
    let boxes: Vec<Value> =
        mailboxes.iter().map(|m| json!({"value": m, "label": m, "selected": mailbox.as_deref() == Some(m)})).collect();
    data.insert("rows".into(), json!(views));
    data.insert(
        "needs_person".into(),
        json!(
            needing
                .iter()
                .map(|t| json!({
                    "ticket_id": t.id,
                    "subject": t.subject,
                    "customer": t.customer_name.clone().unwrap_or_else(|| t.customer_email.clone()),
                    "reason": t.needs_person,
                    "waited": t.needs_person_at.map(|a| duration(now - a)).unwrap_or_default(),
                }))
                .collect::<Vec<_>>()
        ),
    );
    data.insert("total".into(), json!(total));
    data.insert("statuses".into(), json!(statuses));
    data.insert("languages".into(), json!(langs));
    data.insert("mailboxes".into(), json!(boxes));
    data.insert("page".into(), json!(page));
    data.insert("pages".into(), json!(pages));
    data.insert("is_pending".into(), json!(status == "pending"));
    if page > 1 {
        data.insert("prev".into(), json!(link(page - 1)));
    }
    if page < pages {
        data.insert("next".into(), json!(link(page + 1)));
    }
    if let Some((text, kind)) = flash(q.done.as_deref()) {
        data.insert("flash".into(), json!(text));
        data.insert("flash_kind".into(), json!(kind));
    }
    render(&web, "queue", data)
}

#[derive(serde::Deserialize, Default)]
pub struct TicketsQuery {
    status: Option<String>,
    page: Option<i64>,
}

pub async fn tickets(
    State(web): State<Web>,
    user: User,
    Query(q): Query<TicketsQuery>,
) -> Result<Html<String>, WebError> {
    let status = q.status.clone().filter(|s| TicketStatus::parse(s).is_some());
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut db = web.app.store.db().await?;
    let rows = db.list_tickets(status.as_deref(), PAGE_SIZE + 1, (page - 1) * PAGE_SIZE).await?;
    drop(db);
    let tz = web.app.policy().calendar.time_zone();
    let tokens = web.app.tokens();
    let more = rows.len() as i64 > PAGE_SIZE;
    let views: Vec<Value> = rows
        .iter()
        .take(PAGE_SIZE as usize)
        .map(|r| {
            let (updated, exact) = time(r.updated_at, &tz);
            json!({
                "id": r.id,
                "reference": tokens.reference(TicketId(r.id)),
                "customer": r.customer_name.clone().unwrap_or_else(|| r.customer_email.clone()),
                "subject": r.subject,
                "status": r.status,
                "messages": r.message_count,
                "updated": updated,
                "updated_exact": exact,
            })
        })
        .collect();
    let mut data = base(&web, &user, "Tickets", "tickets");
    let current = status.clone().unwrap_or_default();
    data.insert(
        "statuses".into(),
        json!([{"value": "", "label": "all", "selected": current.is_empty()}, {"value": "open", "label": "open", "selected": current == "open"}, {"value": "resolved", "label": "resolved", "selected": current == "resolved"}]),
    );
    data.insert("rows".into(), json!(views));
    data.insert("page".into(), json!(page));
    if page > 1 {
        data.insert("prev".into(), json!(format!("/tickets?status={current}&page={}", page - 1)));
    }
    if more {
        data.insert("next".into(), json!(format!("/tickets?status={current}&page={}", page + 1)));
    }
    render(&web, "tickets", data)
}

#[derive(serde::Deserialize, Default)]
pub struct TicketQuery {
    /// Show this message's HTML (sanitized).
    html: Option<i64>,
    /// …with its remote images.
    images: Option<u8>,
    done: Option<String>,
}

fn lint_view(findings: &[Finding]) -> Vec<Value> {
    findings
        .iter()
        .map(|f| {
            json!({
                "check": f.check,
                "result": f.result.as_str(),
                "must": f.must,
                "message": f.message,
                "mark": match f.result { Outcome::Pass => "✓", Outcome::Fail => "✗", Outcome::NotApplicable => "–" },
            })
        })
        .collect()
}

/// An agent's text that was not saved or sent, shown back to them with why.
#[derive(Default)]
struct Unsaved {
    text: String,
    findings: Vec<Finding>,
    /// The version the agent's form was based on: kept, so a second click is refused
    /// again until they choose which text to keep.
    base_version: Option<i64>,
    message: Option<String>,
    /// A colleague saved another text meanwhile: it is shown beside the agent's.
    theirs: bool,
    /// Must-checks the text fails, and whether a reason may override them.
    failing: Option<(Vec<String>, bool)>,
}

impl Unsaved {
    fn preview(text: String, findings: Vec<Finding>) -> Unsaved {
        Unsaved { text, findings, ..Unsaved::default() }
    }
}

/// The ticket page; `unsaved` shows an agent's text that did not go through.
async fn ticket_page(
    web: &Web,
    user: &User,
    id: TicketId,
    q: &TicketQuery,
    unsaved: Option<Unsaved>,
) -> Result<Response, WebError> {
    let mut db = web.app.store.db().await?;
    let Some(t) = db.ticket(id).await? else { return Err(WebError::not_found(format!("there is no ticket {id}"))) };
    let messages = db.messages_of_ticket(id).await?;
    let drafts = db.drafts_of_ticket(id).await?;
    let notes = db.notes(id).await?;
    let users = db.users().await?;
    let history = db.customer_tickets(&t.customer_email, t.id, 20).await?;
    let contact_note = db.contact_note(&t.customer_email).await?;
    let mut html_of = None;
    if let Some(mid) = q.html
        && messages.iter().any(|m| m.id == mid)
        && let Some(raw) = db.raw(MessageKey(mid)).await?
        && let Parsed::Ok(m) = parse::parse(&raw)
        && let Some(h) = m.html.clone()
    {
        html_of = Some((mid, sanitize::sanitize(&h, q.images == Some(1))));
    }
    drop(db);
    let tz = web.app.policy().calendar.time_zone();
    let tokens = web.app.tokens();

    let mut items: Vec<(i64, Value)> = Vec::new();
    for m in &messages {
        let (at, exact) = time(m.received_at, &tz);
        let attachments: Vec<parse::AttachmentInfo> = serde_json::from_str(&m.attachments).unwrap_or_default();
        let shown = html_of.as_ref().filter(|(mid, _)| *mid == m.id);
        let text = if m.kind() == Kind::Malformed {
            m.body_text.clone()
        } else {
            crate::mail::quote::strip(&m.body_text).text
        };
        items.push((
            m.received_at,
            json!({
                "message": true,
                "id": m.id,
                "from": match (&m.from_name, &m.from_addr) { (Some(n), Some(a)) => format!("{n} <{a}>"), (None, Some(a)) => a.clone(), _ => "unknown sender".into() },
                "kind": m.kind,
                "direction": m.direction,
                "at": at,
                "at_exact": exact,
                "text": if text.trim().is_empty() { m.body_text.clone() } else { text },
                "has_html": m.body_html.is_some(),
                "show_html": shown.is_some(),
                "html": shown.map(|(_, s)| s.html.clone()).unwrap_or_default(),
                "remote_blocked": shown.map(|(_, s)| s.remote_blocked).unwrap_or(false),
                "attachments": attachments.iter().enumerate().map(|(i, a)| json!({"index": i, "name": a.filename, "kind": a.content_type, "size": format!("{} KB", a.size.div_ceil(1024))})).collect::<Vec<_>>(),
                "reasons": if m.kind() == Kind::Human || m.direction == "out" { String::new() } else { m.reasons().join("; ") },
            }),
        ));
    }
    for n in &notes {
        let (at, exact) = time(n.created_at, &tz);
        items.push((
            n.created_at,
            json!({"note": true, "author": n.author, "body": n.body, "at": at, "at_exact": exact}),
        ));
    }
    items.sort_by_key(|(at, _)| *at);

    let pending = drafts.iter().find(|d| d.status() == DraftStatus::Pending);
    let sent: Vec<Value> = drafts
        .iter()
        .filter(|d| d.status() != DraftStatus::Pending)
        .map(|d| {
            let detail = match d.status() {
                DraftStatus::Sent => format!(
                    "sent {} as <{}>{}{}",
                    d.sent_at.map(|s| time(s, &tz).0).unwrap_or_default(),
                    d.outgoing_message_id.clone().unwrap_or_default(),
                    d.approved_by.as_ref().map(|a| format!(", approved by {a}")).unwrap_or_default(),
                    d.bounce_reason.as_ref().map(|b| format!(" — bounced: {b}")).unwrap_or_default()
                ),
                DraftStatus::Rejected => format!("rejected: {}", d.rejected_reason.clone().unwrap_or_default()),
                DraftStatus::Failed => format!("failed: {}", d.last_error.clone().unwrap_or_default()),
                DraftStatus::Approved | DraftStatus::Sending => {
                    format!("approved by {}, waiting to be sent", d.approved_by.clone().unwrap_or_default())
                }
                DraftStatus::Pending => String::new(),
            };
            json!({"id": d.id, "status": d.status, "detail": detail})
        })
        .collect();

    let mut data = base(web, user, &t.subject, "queue");
    let assignee_name = t.assignee.clone();
    data.insert(
        "ticket".into(),
        json!({
            "id": t.id,
            "subject": t.subject,
            "reference": tokens.reference(t.id()),
            "needs_person": t.needs_a_person(),
            "status": t.status,
            "open": t.status() == TicketStatus::Open,
            "customer": t.customer_name.clone().unwrap_or_else(|| "unknown name".into()),
            "customer_name": t.customer_name,
            "email": t.customer_email,
            "mailbox": t.mailbox,
            "assignee": t.assignee,
            "linked_to": t.linked_to,
            "merged_into": t.merged_into,
            "flags": t.flags(),
        }),
    );
    data.insert(
        "agents".into(),
        json!(users.iter().filter(|u| !u.disabled).map(|u| json!({"email": u.email, "name": u.name, "selected": assignee_name.as_deref() == Some(u.email.as_str())})).collect::<Vec<_>>()),
    );
    data.insert("items".into(), json!(items.into_iter().map(|(_, v)| v).collect::<Vec<_>>()));
    // The customer beside the ticket: their other tickets, the unanswered ones marked,
    // and the note the team keeps on them.
    let history: Vec<Value> = history
        .iter()
        .map(|h| {
            let (at, exact) = time(h.updated_at, &tz);
            json!({
                "id": h.id,
                "reference": tokens.reference(TicketId(h.id)),
                "subject": h.subject,
                "status": h.status,
                "at": at,
                "at_exact": exact,
                "last_reply": h.last_outbound_at.map(|o| time(o, &tz).0),
                "unanswered": h.unanswered(),
            })
        })
        .collect();
    data.insert("unanswered_elsewhere".into(), json!(history.iter().filter(|h| h["unanswered"] == true).count()));
    data.insert("history".into(), json!(history));
    data.insert(
        "contact_note".into(),
        json!(contact_note.map(|n| json!({"body": n.body, "by": n.updated_by, "at": time(n.updated_at, &tz).0}))),
    );
    data.insert("sent".into(), json!(sent));
    if let Some(d) = pending {
        let facts: Option<Facts> = serde_json::from_str(&d.facts).ok();
        let stored: Vec<Finding> = serde_json::from_str(&d.lint).unwrap_or_default();
        let (text, findings, previewing) = match &unsaved {
            Some(u) => (u.text.clone(), u.findings.clone(), true),
            None => (d.body.clone(), stored, false),
        };
        let theirs = unsaved.as_ref().filter(|u| u.theirs).map(|_| {
            json!({
                "text": d.body,
                "version": d.version,
                "diff": line_diff(&d.body, &text),
            })
        });
        let failing = unsaved
            .as_ref()
            .and_then(|u| u.failing.clone())
            .map(|(list, overridable)| json!({"list": list, "overridable": overridable}));
        data.insert(
            "draft".into(),
            json!({
                "id": d.id,
                "status": d.status,
                "version": d.version,
                "template": d.template_key,
                "language": d.language,
                "register": d.register,
                "sentiment": facts.as_ref().map(|f| f.sentiment.as_str()).unwrap_or(""),
                "sentiment_reason": facts.as_ref().and_then(|f| f.sentiment_reason.clone()),
                "situations": facts.as_ref().map(crate::views::situation_views).unwrap_or_default(),
                "addable": crate::empathy::situations::SituationName::ALL
                    .iter()
                    .filter(|n| !facts.as_ref().is_some_and(|f| f.is(**n)))
                    .map(|n| json!({"name": n.as_str(), "label": n.label()}))
                    .collect::<Vec<_>>(),
                "late": facts.as_ref().is_some_and(|f| f.lateness.late),
                "to": d.to_addr,
                "subject": d.subject,
                "text": text,
                "form_version": unsaved.as_ref().and_then(|u| u.base_version).unwrap_or(d.version),
                "edited": d.edited,
                "drafted": d.drafted_body,
                "theirs": theirs,
                "failing": failing,
            }),
        );
        data.insert("lint".into(), json!(lint_view(&findings)));
        data.insert("previewing".into(), json!(previewing));
    } else if let Some(last) = messages.iter().rev().find(|m| m.kind() == Kind::Human && m.direction == "in") {
        let greeting = last
            .from_name
            .as_deref()
            .and_then(names::parse_person)
            .map(|p| format!("Hello {},", p.given.clone().unwrap_or_else(|| p.full())))
            .unwrap_or_else(|| "Hello,".into());
        data.insert(
            "reply_start".into(),
            json!(format!("{greeting}\n\n\n\nBest regards,\n{}\n{}", user.name, web.app.config.support.name)),
        );
    }
    if let Some(c) = unsaved.and_then(|u| u.message) {
        data.insert("conflict".into(), json!(c));
    }
    if let Some((text, kind)) = flash(q.done.as_deref()) {
        data.insert("flash".into(), json!(text));
        data.insert("flash_kind".into(), json!(kind));
    }
    let html = render(web, "ticket", data)?;
    let mut resp = html.into_response();
    if q.images == Some(1) {
        // The agent asked for this message's remote images: allow them on this response only.
        resp.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        );
    }
    Ok(resp)
}

pub async fn ticket(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Query(q): Query<TicketQuery>,
) -> Result<Response, WebError> {
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    ticket_page(&web, &user, id, &q, None).await
}

fn approver(user: &User) -> Approver {
    Approver { id: user.actor(), name: Some(user.name.clone()) }
}

async fn load_draft(web: &Web, id: DraftId) -> Result<DraftRow, WebError> {
    let mut db = web.app.store.db().await?;
    db.draft(id).await?.ok_or_else(|| WebError::not_found(format!("there is no draft {id}")))
}

/// The text as it would go out, checked: for the preview and for saving.
fn check_text(
    web: &Web,
    d: &DraftRow,
    text: &str,
    signer: Option<&str>,
) -> Result<(String, Vec<Finding>, Facts), WebError> {
    let mut facts: Facts =
        serde_json::from_str(&d.facts).map_err(|_| WebError::conflict("this draft's facts are unreadable"))?;
    let now = web.app.now();
    let policy = web.app.policy();
    facts.lateness = crate::empathy::lateness::judge(
        &policy.calendar,
        policy.sla.first_response,
        crate::clock::ts(facts.arrived_at),
        crate::clock::ts(now),
    );
    let text = text.replace("\r\n", "\n").trim().to_string();
    if text.is_empty() {
        return Err(WebError::bad_request("the reply is empty"));
    }
    let findings = drafting::lint_body(&web.app.config, &facts, &text, &d.subject, !d.in_reply_to.is_empty(), signer);
    Ok((text, findings, facts))
}

pub async fn draft_act(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: DraftId = id.parse().map_err(WebError::bad_request)?;
    let version = version(&form)?;
    let body = field(&form, "body")?.to_string();
    let action = form.get("action").map(String::as_str).unwrap_or("preview");
    let d = load_draft(&web, id).await?;
    let ticket = TicketId(d.ticket_id);
    let unchanged = body.replace("\r\n", "\n").trim() == d.body.trim();
    match action {
        "preview" => {
            let signed = drafting::apply_signer(&body.replace("\r\n", "\n"), &user.name, &web.app.config.support.name);
            let (text, findings, _) = check_text(&web, &d, &signed, Some(&user.name))?;
            let _ = text;
            ticket_page(&web, &user, ticket, &TicketQuery::default(), Some(Unsaved::preview(body, findings))).await
        }
        "save" => {
            if d.status() != DraftStatus::Pending {
                return Err(WebError::conflict(format!("draft {id} is {}, not pending", d.status())));
            }
            let (text, findings, facts) = check_text(&web, &d, &body, None)?;
            let mut db = web.app.store.tx().await?;
            let ok = db
                .edit_draft(
                    id,
                    version,
                    &text,
                    true,
                    &serde_json::to_string(&findings).unwrap_or_default(),
                    lint::must_pass(&findings),
                    &serde_json::to_string(&facts).unwrap_or_default(),
                    web.app.now(),
                )
                .await?;
            if !ok {
                drop(db);
                return conflict_page(&web, &user, ticket, body, findings, version, "saved").await;
            }
            db.audit(
                web.app.now(),
                &user.actor(),
                "draft.edited",
                Some(ticket),
                Some(id),
                &json!({"as_drafted": d.drafted_body, "as_edited": text}),
            )
            .await?;
            db.commit().await?;
            Ok(Redirect::to(&format!("/tickets/{ticket}?done=saved#draft")).into_response())
        }
        "approve" => {
            let edit = if unchanged && !d.edited { None } else { Some(body.as_str()) };
            let reason = form.get("override_reason").map(String::as_str);
            match approval::approve(&web.app, id, edit, &approver(&user), Some(version), reason).await {
                Ok(_) => Ok(Redirect::to("/?done=approved").into_response()),
                Err(ApprovalError::Conflict(_)) => {
                    let (_, findings, _) = check_text(&web, &d, &body, Some(&user.name))?;
                    conflict_page(&web, &user, ticket, body, findings, version, "approved").await
                }
                Err(ApprovalError::ChecksFailed { failures, overridable, .. }) => {
                    let (_, findings, _) = check_text(&web, &d, &body, Some(&user.name))?;
                    let message = if overridable {
                        "This reply fails must-checks, so it was not sent. Fix the text, or send it anyway and say why."
                    } else {
                        "This reply fails checks that cannot be overridden, so it was not sent. Fix the text."
                    };
                    let unsaved = Unsaved {
                        text: body,
                        findings,
                        message: Some(message.into()),
                        failing: Some((failures, overridable)),
                        ..Unsaved::default()
                    };
                    let mut page = ticket_page(&web, &user, ticket, &TicketQuery::default(), Some(unsaved)).await?;
                    *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    Ok(page)
                }
                Err(e) => Err(e.into()),
            }
        }
        other => Err(WebError::bad_request(format!("unknown action `{other}` (preview, save, approve)"))),
    }
}

/// A colleague changed the draft since this agent opened it: both texts are shown, the
/// agent's form keeps the version it was based on (so clicking again is refused again),
/// and the agent chooses: keep their text (replacing the colleague's) or take the
/// colleague's. Answered 409, so a script or a test sees the refusal.
async fn conflict_page(
    web: &Web,
    user: &User,
    ticket: TicketId,
    mine: String,
    findings: Vec<Finding>,
    base_version: i64,
    verb: &str,
) -> Result<Response, WebError> {
    let message = format!(
        "Someone else changed this draft since you opened it, so your text was not {verb}. Both texts are below: keep yours, or take theirs."
    );
    let unsaved = Unsaved {
        text: mine,
        findings,
        base_version: Some(base_version),
        message: Some(message),
        theirs: true,
        ..Unsaved::default()
    };
    let mut page = ticket_page(web, user, ticket, &TicketQuery::default(), Some(unsaved)).await?;
    *page.status_mut() = StatusCode::CONFLICT;
    Ok(page)
}

/// Lines only in `theirs` ("-") and only in `mine` ("+"), in order; shared lines kept
/// ("  "). A longest-common-subsequence diff: drafts are a few dozen lines.
fn line_diff(theirs: &str, mine: &str) -> Vec<Value> {
    let a: Vec<&str> = theirs.lines().collect();
    let b: Vec<&str> = mine.lines().collect();
    if a.len() * b.len() > 250_000 {
        return Vec::new();
    }
    let mut lcs = vec![vec![0u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(json!({"kind": "same", "mark": " ", "line": a[i]}));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(json!({"kind": "mine", "mark": "+", "line": b[j]}));
            j += 1;
        } else {
            out.push(json!({"kind": "theirs", "mark": "-", "line": a[i]}));
            i += 1;
        }
    }
    out
}

pub async fn draft_reject(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: DraftId = id.parse().map_err(WebError::bad_request)?;
    let version = version(&form)?;
    let reason = field(&form, "reason")?.trim().to_string();
    if reason.is_empty() {
        return Err(WebError::bad_request("say why the draft is rejected"));
    }
    approval::reject(&web.app, id, &reason, &approver(&user), Some(version)).await?;
    Ok(Redirect::to("/?done=rejected").into_response())
}

/// Corrects the customer's name: remembered for every later draft; a pending, unedited
/// draft is written again with it.
pub async fn rename(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let name = crate::text::single_line(field(&form, "name")?);
    let person = names::parse_person(&name).ok_or_else(|| WebError::bad_request(format!("\"{name}\" does not read as a person's name (letters, spaces, hyphens, apostrophes; titles like Dr. are kept)")))?;
    let done = rename_contact(&web, &user, id, &name, &person).await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done={done}#draft")).into_response())
}

pub async fn rename_contact(
    web: &Web,
    user: &User,
    id: TicketId,
    name: &str,
    person: &names::PersonName,
) -> Result<&'static str, WebError> {
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let Some(t) = db.ticket(id).await? else { return Err(WebError::not_found(format!("there is no ticket {id}"))) };
    db.set_contact_name(&t.customer_email, name, &user.actor(), now).await?;
    db.set_ticket_customer_name(id, &person.full()).await?;
    db.audit(
        now,
        &user.actor(),
        "contact.renamed",
        Some(id),
        None,
        &json!({"email": t.customer_email, "from": t.customer_name, "to": name}),
    )
    .await?;
    let mut done = "renamed";
    if let Some(d) = db.pending_draft_of_ticket(id).await? {
        if d.edited {
            done = "renamed-edited";
        } else if let Ok(mut facts) = serde_json::from_str::<Facts>(&d.facts) {
            facts.name = Some(person.clone());
            facts.name_source = names::NameSource::Correction;
            crate::recompose::recompose(&web.app, &mut db, id, &d, &facts, "name corrected").await?;
        }
    }
    db.commit().await?;
    Ok(done)
}

/// One click beside the draft: add or remove a situation; the draft is composed again.
pub async fn correct_situation(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let name = crate::recompose::parse_situation(field(&form, "situation")?)?;
    let action = match field(&form, "action")? {
        "add" => crate::recompose::Correction::Add,
        "remove" => crate::recompose::Correction::Remove,
        other => return Err(WebError::bad_request(format!("`{other}` is not an action (add or remove)"))),
    };
    crate::recompose::correct_situation(&web.app, id, name, action, &user.actor()).await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=situation#draft")).into_response())
}

pub async fn assign(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let assignee = field(&form, "assignee")?.trim().to_lowercase();
    let mut db = web.app.store.tx().await?;
    if !assignee.is_empty() && db.user_by_email(&assignee).await?.is_none_or(|u| u.disabled) {
        return Err(WebError::bad_request(format!("{assignee} is not an active user")));
    }
    db.ticket(id).await?.ok_or_else(|| WebError::not_found(format!("there is no ticket {id}")))?;
    let now = web.app.now();
    db.set_assignee(id, (!assignee.is_empty()).then_some(assignee.as_str()), now).await?;
    db.audit(now, &user.actor(), "ticket.assigned", Some(id), None, &json!({"assignee": assignee})).await?;
    db.commit().await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=assigned")).into_response())
}

async fn set_status(web: &Web, user: &User, id: TicketId, resolve: bool) -> Result<(), WebError> {
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    db.ticket(id).await?.ok_or_else(|| WebError::not_found(format!("there is no ticket {id}")))?;
    let changed = if resolve { db.resolve_ticket(id, now).await? } else { db.reopen_ticket(id, now).await? };
    if !changed {
        return Err(WebError::conflict(format!(
            "ticket {id} is already {}",
            if resolve { "resolved" } else { "open" }
        )));
    }
    db.audit(
        now,
        &user.actor(),
        if resolve { "ticket.resolved" } else { "ticket.reopened" },
        Some(id),
        None,
        &json!({}),
    )
    .await?;
    db.commit().await?;
    Ok(())
}

pub async fn resolve(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    set_status(&web, &user, id, true).await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=resolved")).into_response())
}

pub async fn reopen(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    set_status(&web, &user, id, false).await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=reopened")).into_response())
}

pub async fn add_note(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let body = field(&form, "body")?.trim().to_string();
    if body.is_empty() {
        return Err(WebError::bad_request("the note is empty"));
    }
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    db.ticket(id).await?.ok_or_else(|| WebError::not_found(format!("there is no ticket {id}")))?;
    db.insert_note(id, &user.name, &body, now).await?;
    db.audit(now, &user.actor(), "note.added", Some(id), None, &json!({"note": body})).await?;
    db.commit().await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=noted")).into_response())
}

/// The note the team keeps on a customer (one per address; empty removes it).
pub async fn contact_note(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let body = field(&form, "note")?.replace("\r\n", "\n").trim().to_string();
    approval::refuse_control_characters(&body)?;
    if body.chars().count() > 4000 {
        return Err(WebError::bad_request("the note is longer than 4,000 characters"));
    }
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let t = db.ticket(id).await?.ok_or_else(|| WebError::not_found(format!("there is no ticket {id}")))?;
    db.set_contact_note(&t.customer_email, &body, &user.name, now).await?;
    db.audit(now, &user.actor(), "contact.noted", Some(id), None, &json!({"email": t.customer_email, "note": body}))
        .await?;
    db.commit().await?;
    Ok(Redirect::to(&format!("/tickets/{id}?done=noted")).into_response())
}

/// A reply an agent writes from scratch: checked by the same lint, kept as a pending
/// draft, approved like any other.
pub async fn write_reply(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    let id: TicketId = id.parse().map_err(WebError::bad_request)?;
    let body = field(&form, "body")?.replace("\r\n", "\n").trim().to_string();
    let draft = create_reply(&web, &user, id, &body).await?;
    let _ = draft;
    Ok(Redirect::to(&format!("/tickets/{id}?done=drafted#draft")).into_response())
}

pub async fn create_reply(web: &Web, user: &User, id: TicketId, body: &str) -> Result<DraftId, WebError> {
    if body.is_empty() {
        return Err(WebError::bad_request("the reply is empty"));
    }
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let Some(t) = db.ticket(id).await? else { return Err(WebError::not_found(format!("there is no ticket {id}"))) };
    if db.pending_draft_of_ticket(id).await?.is_some() {
        return Err(WebError::conflict("this ticket already has a pending draft: edit that one"));
    }
    let Some(last) = db.last_human_message(id).await? else {
        return Err(WebError::conflict("this ticket has no message from a customer to reply to"));
    };
    let raw = db.raw(last.key()).await?.unwrap_or_default();
    let Parsed::Ok(m) = parse::parse(&raw) else {
        return Err(WebError::conflict("the customer's message cannot be read"));
    };
    let correction = db.contact_name(m.reply_target().address.as_str()).await?;
    let reading = drafting::read_customer(&web.app.config, &m, correction.as_deref());
    let policy = web.app.policy();
    let facts = Facts::from_reading(
        &web.app.config,
        &policy,
        &reading,
        Occasion {
            purpose: Purpose::AckFollowup,
            kind: Kind::Human,
            dmarc_fail: false,
            waited_from: last.received_at,
            now,
            ticket_ref: web.app.tokens().reference(id),
            customer_subject: t.subject.clone(),
        },
    );
    let token = web.app.tokens().subject_token(id);
    let subject = crate::mail::compose::reply_subject(&m.subject, &token);
    let findings =
        drafting::lint_body(&web.app.config, &facts, body, &subject, m.message_id.is_some(), Some(&user.name));
    let mut refs = m.references.clone();
    if let Some(mid) = &m.message_id
        && !refs.contains(mid)
    {
        refs.push(mid.clone());
    }
    let new = NewDraft {
        ticket_id: id,
        reply_to_message: last.key(),
        purpose: "reply".into(),
        template_key: String::new(),
        language: facts.language.code().into(),
        register: facts.register.as_str().into(),
        to_addr: m.reply_target().address.as_str().to_lowercase(),
        to_name: m.reply_target().name.clone(),
        subject,
        in_reply_to: m.message_id.clone().unwrap_or_default(),
        refs,
        body: body.to_string(),
        facts_json: serde_json::to_string(&facts).unwrap_or_default(),
        lint_json: serde_json::to_string(&findings).unwrap_or_default(),
        lint_ok: lint::must_pass(&findings),
        trigger_received_at: last.received_at,
        at: now,
    };
    let draft = db.insert_draft(&new).await?;
    db.edit_draft(draft, 1, body, true, &new.lint_json, new.lint_ok, &new.facts_json, now).await?;
    db.audit(now, &user.actor(), "draft.written", Some(id), Some(draft), &json!({"as_written": body})).await?;
    db.commit().await?;
    Ok(draft)
}

/// Attachments are always downloads: never rendered from our origin.
pub async fn attachment(
    State(web): State<Web>,
    _user: User,
    Path((id, n)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let id: MessageKey = id.parse().map_err(WebError::bad_request)?;
    let n: usize = n.parse().map_err(|_| WebError::bad_request("the attachment number must be a number"))?;
    let mut db = web.app.store.db().await?;
    let raw = db.raw(id).await?.ok_or_else(|| WebError::not_found(format!("there is no message {id}")))?;
    drop(db);
    let msg = mail_parser::MessageParser::default()
        .parse(&raw)
        .ok_or_else(|| WebError::not_found("the message cannot be read"))?;
    let part =
        msg.attachment(n as u32).ok_or_else(|| WebError::not_found(format!("message {id} has no attachment {n}")))?;
    use mail_parser::MimeHeaders;
    let name = part.attachment_name().map(crate::text::single_line).unwrap_or_else(|| format!("attachment-{n}"));
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", super::urlencode(&name));
    let mut resp = part.contents().to_vec().into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(resp)
}
