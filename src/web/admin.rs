//! The admins' pages: templates (with versions and revert), SLA and business hours,
//! mailbox health, users, and the audit log.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::{Value, json};

use super::auth::{Role, User, hash_password};
use super::pages::{base, render};
use super::render::time;
use super::{Web, WebError};
use crate::app::{POLICY_SETTING, PolicySetting, StoredHours};
use crate::domain::{Register, TicketId};
use crate::empathy::lint::Outcome;
use crate::template_check;
use crate::templates::{Letter, Locale, Origin, TemplateKey, Templates};

pub async fn templates(State(web): State<Web>, user: User) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    let t = web.app.templates();
    let purposes: Vec<Value> = Letter::ALL
        .iter()
        .map(|p| {
            let rows: Vec<Value> = Locale::all()
                .iter()
                .map(|l| {
                    let cells: Vec<Value> = Register::ALL
                        .iter()
                        .map(|r| {
                            let key = TemplateKey::new(*p, *l, *r);
                            json!({"key": key.to_string(), "edited": t.source(&key).map(|(_, o)| *o == Origin::Override).unwrap_or(false)})
                        })
                        .collect();
                    json!({"lang": l.code(), "cells": cells})
                })
                .collect();
            json!({"name": p.describe(), "rows": rows})
        })
        .collect();
    let mut data = base(&web, &user, "Templates", "templates");
    data.insert("purposes".into(), json!(purposes));
    data.insert("registers".into(), json!(Register::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>()));
    render(&web, "admin_templates", data)
}

fn parse_key((p, l, r): &(String, String, String)) -> Result<TemplateKey, WebError> {
    let key = format!("{p}/{l}/{r}");
    TemplateKey::parse(&key).ok_or_else(|| {
        WebError::not_found(format!(
            "`{key}` is not a template (letter/language/register, like reply/en/neutral or apology/pt-BR/casual)"
        ))
    })
}

/// Renders `source` for a real ticket's pending draft facts, or a sample customer.
async fn preview(
    web: &Web,
    key: &TemplateKey,
    source: &str,
    ticket: Option<TicketId>,
) -> (String, Option<String>, Vec<Value>) {
    let mut facts = None;
    if let Some(t) = ticket
        && let Ok(mut db) = web.app.store.db().await
        && let Ok(drafts) = db.drafts_of_ticket(t).await
    {
        facts = drafts.iter().rev().find_map(|d| serde_json::from_str::<crate::drafting::Facts>(&d.facts).ok());
    }
    let policy = web.app.policy();
    let mut facts = facts.unwrap_or_else(|| {
        let samples = template_check::sample_facts(key, &web.app.config, &policy.calendar);
        samples
            .into_iter()
            .find(|(l, _)| l.starts_with("Jane Doe, late"))
            .or_else(|| template_check::sample_facts(key, &web.app.config, &policy.calendar).into_iter().next())
            .map(|(_, f)| f)
            .expect("samples exist")
    });
    facts.language = key.locale.lang;
    facts.variant = key.locale.variant;
    facts.register = key.register;
    let templates = web.app.templates();
    let token = "[#123]";
    let ctx = crate::drafting::Context {
        config: &web.app.config,
        policy: &policy,
        facts: &facts,
        ticket_token: token,
        agent: Some("Sam Taylor"),
    };
    let apology = crate::drafting::render_apology(&templates, &ctx).unwrap_or_default();
    let value = crate::drafting::template_context(&ctx, &apology);
    match Templates::try_render(key, source, &value) {
        Ok(text) => {
            let findings = if key.letter.is_reply() {
                crate::drafting::lint_body(
                    &web.app.config,
                    &facts,
                    &text,
                    "Re: Where is my order? [#123]",
                    true,
                    Some("Sam Taylor"),
                )
            } else {
                vec![]
            };
            let view = findings
                .iter()
                .map(|f| json!({"check": f.check, "result": f.result.as_str(), "must": f.must, "message": f.message, "mark": match f.result { Outcome::Pass => "✓", Outcome::Fail => "✗", Outcome::NotApplicable => "–" }}))
                .collect();
            (text, None, view)
        }
        Err(e) => (String::new(), Some(e.to_string()), vec![]),
    }
}

async fn template_page(
    web: &Web,
    user: &User,
    key: TemplateKey,
    source: Option<String>,
    ticket: Option<String>,
    problems: Vec<String>,
) -> Result<Html<String>, WebError> {
    let t = web.app.templates();
    let (current, origin) = t
        .source(&key)
        .map(|(s, o)| (s.to_string(), o.clone()))
        .ok_or_else(|| WebError::not_found(format!("no template {key}")))?;
    let source = source.unwrap_or(current);
    let ticket_id = ticket.as_deref().and_then(|t| t.trim().trim_start_matches('#').parse::<i64>().ok()).map(TicketId);
    let (text, error, lint) = preview(web, &key, &source, ticket_id).await;
    let mut db = web.app.store.db().await?;
    let versions = db.template_versions(&key.to_string()).await?;
    drop(db);
    let tz = web.app.policy().calendar.time_zone();
    let versions: Vec<Value> = versions
        .iter()
        .map(|v| {
            let (at, exact) = time(v.created_at, &tz);
            json!({"id": v.id, "at": at, "at_exact": exact, "by": v.created_by, "note": v.note, "shipped": v.source.is_none()})
        })
        .collect();
    let mut data = base(web, user, &format!("Template {key}"), "templates");
    data.insert("key".into(), json!(key.to_string()));
    data.insert("source".into(), json!(source));
    data.insert("edited".into(), json!(origin == Origin::Override));
    data.insert("preview".into(), json!(text));
    data.insert("preview_error".into(), json!(error));
    data.insert("preview_lint".into(), json!(lint));
    data.insert("preview_ticket".into(), json!(ticket.unwrap_or_default()));
    data.insert("versions".into(), json!(versions));
    data.insert("problem_count".into(), json!(problems.len()));
    data.insert("problems".into(), json!(problems));
    render(web, "admin_template", data)
}

pub async fn template(
    State(web): State<Web>,
    user: User,
    Path(key): Path<(String, String, String)>,
) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    template_page(&web, &user, parse_key(&key)?, None, None, vec![]).await
}

/// Checks a template as it will be used: strict rendering against every sample customer
/// and the rubric on each result. Returns the problems (empty: fine to save).
pub fn validate(web: &Web, key: &TemplateKey, source: &str) -> Vec<String> {
    let templates = web.app.templates();
    let report = template_check::check_source(&web.app.config, &templates, key, source);
    let mut problems = report.problems;
    problems.truncate(25);
    problems
}

pub async fn save_template(
    web: &Web,
    user: &User,
    key: &TemplateKey,
    source: &str,
    note: &str,
) -> Result<Vec<String>, WebError> {
    let problems = validate(web, key, source);
    if !problems.is_empty() {
        return Ok(problems);
    }
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let version = db.insert_template_version(&key.to_string(), Some(source), &user.actor(), now, note).await?;
    db.audit(
        now,
        &user.actor(),
        "template.saved",
        None,
        None,
        &json!({"template": key.to_string(), "version": version, "source": source, "note": note}),
    )
    .await?;
    db.commit().await?;
    web.app.reload().await?;
    Ok(vec![])
}

pub async fn template_save(
    State(web): State<Web>,
    user: User,
    Path(key): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_admin()?;
    user.require_csrf(&form)?;
    let key = parse_key(&key)?;
    let source = form.get("source").cloned().unwrap_or_default().replace("\r\n", "\n");
    let ticket = form.get("ticket").cloned().filter(|t| !t.trim().is_empty());
    if form.get("action").map(String::as_str) == Some("preview") {
        return Ok(template_page(&web, &user, key, Some(source), ticket, vec![]).await?.into_response());
    }
    let note = crate::text::single_line(form.get("note").map(String::as_str).unwrap_or(""));
    let problems = save_template(&web, &user, &key, &source, &note).await?;
    if problems.is_empty() {
        Ok(Redirect::to(&format!("/admin/templates/{key}")).into_response())
    } else {
        let mut resp = template_page(&web, &user, key, Some(source), ticket, problems).await?.into_response();
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(resp)
    }
}

pub async fn template_revert(
    State(web): State<Web>,
    user: User,
    Path(key): Path<(String, String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_admin()?;
    user.require_csrf(&form)?;
    let key = parse_key(&key)?;
    let which = form.get("version").map(String::as_str).unwrap_or("shipped");
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let source = if which == "shipped" {
        None
    } else {
        let id: i64 =
            which.parse().map_err(|_| WebError::bad_request("`version` is a version number or \"shipped\""))?;
        let v = db
            .template_version(id)
            .await?
            .filter(|v| v.key == key.to_string())
            .ok_or_else(|| WebError::not_found(format!("template {key} has no version {id}")))?;
        v.source
    };
    db.insert_template_version(&key.to_string(), source.as_deref(), &user.actor(), now, &format!("revert to {which}"))
        .await?;
    db.audit(now, &user.actor(), "template.reverted", None, None, &json!({"template": key.to_string(), "to": which}))
        .await?;
    db.commit().await?;
    web.app.reload().await?;
    Ok(Redirect::to(&format!("/admin/templates/{key}")).into_response())
}

const DAYS: [(&str, &str); 7] =
    [("mon", "Mon"), ("tue", "Tue"), ("wed", "Wed"), ("thu", "Thu"), ("fri", "Fri"), ("sat", "Sat"), ("sun", "Sun")];

fn settings_page(web: &Web, user: &User, s: &PolicySetting, problems: Vec<String>) -> Result<Html<String>, WebError> {
    let mut data = base(web, user, "SLA and business hours", "settings");
    data.insert("first_response".into(), json!(s.first_response));
    data.insert("next_update".into(), json!(s.next_update));
    let h = s.business_hours.clone();
    data.insert("hours_enabled".into(), json!(h.is_some()));
    let h = h.unwrap_or(StoredHours {
        timezone: String::new(),
        days: vec!["mon".into(), "tue".into(), "wed".into(), "thu".into(), "fri".into()],
        start: "09:00".into(),
        end: "17:00".into(),
        holidays: vec![],
    });
    data.insert("timezone".into(), json!(h.timezone));
    data.insert("start".into(), json!(h.start));
    data.insert("end".into(), json!(h.end));
    data.insert("holidays".into(), json!(h.holidays.join("\n")));
    data.insert(
        "days".into(),
        json!(
            DAYS.iter()
                .map(|(v, l)| json!({"value": v, "label": l, "checked": h.days.iter().any(|d| d == v)}))
                .collect::<Vec<_>>()
        ),
    );
    data.insert("problems".into(), json!(problems));
    render(web, "admin_settings", data)
}

pub async fn settings(State(web): State<Web>, user: User) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    settings_page(&web, &user, &PolicySetting::from_policy(&web.app.policy()), vec![])
}

pub fn policy_from_form(form: &HashMap<String, String>) -> PolicySetting {
    let get = |k: &str| form.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let hours = form.get("hours_enabled").is_some().then(|| StoredHours {
        timezone: get("timezone"),
        days: DAYS.iter().filter(|(v, _)| form.contains_key(&format!("day_{v}"))).map(|(v, _)| v.to_string()).collect(),
        start: get("start"),
        end: get("end"),
        holidays: get("holidays").lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect(),
    });
    PolicySetting { first_response: get("first_response"), next_update: get("next_update"), business_hours: hours }
}

pub async fn save_policy(web: &Web, user: &User, setting: &PolicySetting) -> Result<Result<(), String>, WebError> {
    let policy = match setting.to_policy() {
        Ok(p) => p,
        Err((key, reason)) => return Ok(Err(format!("{key}: {reason}"))),
    };
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let value = serde_json::to_string(setting).unwrap_or_default();
    db.set_setting(POLICY_SETTING, &value, &user.actor(), now).await?;
    db.audit(now, &user.actor(), "settings.changed", None, None, &json!({"policy": setting})).await?;
    db.commit().await?;
    web.app.set_policy(policy);
    Ok(Ok(()))
}

pub async fn settings_save(
    State(web): State<Web>,
    user: User,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_admin()?;
    user.require_csrf(&form)?;
    let setting = policy_from_form(&form);
    match save_policy(&web, &user, &setting).await? {
        Ok(()) => Ok(Redirect::to("/admin/settings").into_response()),
        Err(problem) => {
            let mut resp = settings_page(&web, &user, &setting, vec![problem])?.into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

pub async fn mailboxes(State(web): State<Web>, user: User) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    let mut db = web.app.store.db().await?;
    let states = db.mailbox_states().await?;
    let counts = db.counts().await?;
    drop(db);
    let tz = web.app.policy().calendar.time_zone();
    let mut rows: Vec<Value> = Vec::new();
    for m in &web.app.config.mailboxes {
        let mut folders = vec![m.folder.clone()];
        folders.extend(m.sent_folder.iter().cloned());
        for f in folders {
            let s = states.iter().find(|s| s.mailbox == m.name && s.folder == f);
            rows.push(mailbox_row(&m.name, &f, true, s, &tz));
        }
    }
    for s in &states {
        if !web.app.config.mailboxes.iter().any(|m| m.name == s.mailbox) {
            rows.push(mailbox_row(&s.mailbox, &s.folder, false, Some(s), &tz));
        }
    }
    let mut data = base(&web, &user, "Mailboxes", "mailboxes");
    data.insert("rows".into(), json!(rows));
    let delivery = match &web.app.config.smtp {
        Some(s) => format!("SMTP {}:{}", s.host, s.port),
        None => format!("files in {}", web.app.config.outbox.dir.display()),
    };
    data.insert(
        "outbox".into(),
        json!(format!(
            "{delivery}: {} queued, {} failed, {} sent",
            counts.drafts_approved + counts.drafts_sending,
            counts.drafts_failed,
            counts.drafts_sent
        )),
    );
    render(&web, "admin_mailboxes", data)
}

fn mailbox_row(
    name: &str,
    folder: &str,
    configured: bool,
    s: Option<&crate::store::MailboxStateRow>,
    tz: &jiff::tz::TimeZone,
) -> Value {
    let sync = s.and_then(|s| s.last_sync_at).map(|t| time(t, tz));
    json!({
        "mailbox": name,
        "folder": folder,
        "configured": configured,
        "sync": sync.as_ref().map(|(a, _)| a.clone()).unwrap_or_else(|| "never".into()),
        "sync_exact": sync.map(|(_, b)| b).unwrap_or_default(),
        "backlog": s.map(|s| s.backlog).unwrap_or(0),
        "error": s.and_then(|s| s.last_error.clone()),
        "error_at": s.and_then(|s| s.last_error_at).map(|t| time(t, tz).0),
    })
}

async fn users_page(web: &Web, user: &User, problems: Vec<String>) -> Result<Html<String>, WebError> {
    let mut db = web.app.store.db().await?;
    let users = db.users().await?;
    drop(db);
    let mut data = base(web, user, "Users", "users");
    data.insert(
        "users".into(),
        json!(
            users
                .iter()
                .map(|u| json!({"id": u.id, "name": u.name, "email": u.email, "role": u.role, "disabled": u.disabled}))
                .collect::<Vec<_>>()
        ),
    );
    data.insert("problems".into(), json!(problems));
    render(web, "admin_users", data)
}

pub async fn users(State(web): State<Web>, user: User) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    users_page(&web, &user, vec![]).await
}

/// Adds a user; the same rules as `attune user add`.
pub async fn add_user(
    web: &Web,
    actor: &str,
    email: &str,
    name: &str,
    role: &str,
    password: &str,
) -> Result<Result<i64, String>, WebError> {
    let email = match crate::domain::EmailAddress::parse(email) {
        Ok(e) => e.as_str().to_lowercase(),
        Err(e) => return Ok(Err(e)),
    };
    let name = crate::text::single_line(name);
    if name.is_empty() {
        return Ok(Err("give the user's name: it signs their replies".into()));
    }
    let Some(role) = Role::parse(role) else { return Ok(Err(format!("`{role}` is not a role (agent or admin)"))) };
    if password.chars().count() < 10 {
        return Ok(Err("the password needs at least 10 characters".into()));
    }
    let hash = hash_password(password).map_err(|e| WebError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    if db.user_by_email(&email).await?.is_some() {
        return Ok(Err(format!("{email} already has an account")));
    }
    let id = db.insert_user(&email, &name, role.as_str(), &hash, now).await?;
    db.audit(now, actor, "user.added", None, None, &json!({"email": email, "role": role.as_str()})).await?;
    db.commit().await?;
    Ok(Ok(id))
}

pub async fn user_add(
    State(web): State<Web>,
    user: User,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_admin()?;
    user.require_csrf(&form)?;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    match add_user(&web, &user.actor(), &get("email"), &get("name"), &get("role"), &get("password")).await? {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(problem) => {
            let mut resp = users_page(&web, &user, vec![problem]).await?.into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(resp)
        }
    }
}

pub async fn user_toggle(
    State(web): State<Web>,
    user: User,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_admin()?;
    user.require_csrf(&form)?;
    let id: i64 = id.parse().map_err(|_| WebError::bad_request("a user id is a number"))?;
    let disable = match action.as_str() {
        "disable" => true,
        "enable" => false,
        other => return Err(WebError::not_found(format!("`{other}` is not an action (enable, disable)"))),
    };
    let now = web.app.now();
    let mut db = web.app.store.tx().await?;
    let target = db.user(id).await?.ok_or_else(|| WebError::not_found(format!("there is no user {id}")))?;
    if disable && target.role == "admin" && !target.disabled && db.count_active_admins().await? <= 1 {
        return Err(WebError::conflict("that is the last active admin; add another admin first"));
    }
    db.set_user_disabled(&target.email, disable).await?;
    if disable {
        db.delete_user_sessions(target.id).await?;
    }
    db.audit(
        now,
        &user.actor(),
        if disable { "user.disabled" } else { "user.enabled" },
        None,
        None,
        &json!({"email": target.email}),
    )
    .await?;
    db.commit().await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct AuditQuery {
    ticket: Option<String>,
    page: Option<i64>,
}

pub async fn audit(State(web): State<Web>, user: User, Query(q): Query<AuditQuery>) -> Result<Html<String>, WebError> {
    user.require_admin()?;
    let ticket = match q.ticket.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(t.parse::<TicketId>().map_err(WebError::bad_request)?),
        None => None,
    };
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let size = 100;
    let mut db = web.app.store.db().await?;
    let rows = db.list_audit(ticket, size + 1, (page - 1) * size).await?;
    drop(db);
    let tz = web.app.policy().calendar.time_zone();
    let more = rows.len() as i64 > size;
    let views: Vec<Value> = rows
        .iter()
        .take(size as usize)
        .map(|r| {
            let (at, exact) = time(r.at, &tz);
            let detail: serde_json::Map<String, Value> = serde_json::from_str(&r.detail).unwrap_or_default();
            // Long texts (the draft as drafted, the reply as sent) fold open; short ones inline.
            let mut fields = Vec::new();
            let mut summary = Vec::new();
            for (k, v) in &detail {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if text.contains('\n') || text.len() > 80 {
                    fields.push(json!({"name": k.replace('_', " "), "value": text}));
                } else {
                    summary.push(format!("{}: {text}", k.replace('_', " ")));
                }
            }
            json!({"at": at, "at_exact": exact, "actor": r.actor, "action": r.action, "ticket": r.ticket_id, "draft": r.draft_id, "fields": fields, "summary": summary.join("; ")})
        })
        .collect();
    let mut data = base(&web, &user, "Audit log", "audit");
    let t = ticket.map(|t| t.to_string()).unwrap_or_default();
    data.insert("rows".into(), json!(views));
    data.insert("ticket".into(), json!(t));
    data.insert("page".into(), json!(page));
    if page > 1 {
        data.insert("prev".into(), json!(format!("/audit?ticket={t}&page={}", page - 1)));
    }
    if more {
        data.insert("next".into(), json!(format!("/audit?ticket={t}&page={}", page + 1)));
    }
    render(&web, "audit", data)
}

/// For tests and the API: a template's key and whether it was edited.
pub fn template_list(web: &Web) -> Vec<Value> {
    let t = web.app.templates();
    t.keys()
        .iter()
        .map(|k| json!({"key": k.to_string(), "letter": k.letter, "language": k.locale.code(), "register": k.register, "origin": if t.source(k).map(|(_, o)| *o == Origin::Override).unwrap_or(false) { "override" } else { "shipped" }}))
        .collect()
}

pub fn template_source(web: &Web, key: &TemplateKey) -> Option<String> {
    web.app.templates().source(key).map(|(s, _)| s.to_string())
}
