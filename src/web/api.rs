//! The JSON API under /api/v1 (documented in openapi.yaml beside this file). Bearer
//! tokens (`attune token create`) or a browser session. Errors are JSON:
//! `{"error": "...", "status": 409}`.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::auth::User;
use super::{Web, WebError, admin};
use crate::approval::{self, Approver};
use crate::domain::{DraftId, TicketId};
use crate::store::QueueFilter;
use crate::views::{DraftView, MessageView, TicketView};

pub const OPENAPI: &str = include_str!("openapi.yaml");

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/openapi.yaml", get(openapi))
        .route("/queue", get(queue))
        .route("/tickets/{id}", get(ticket))
        .route("/drafts/{id}", get(draft))
        .route("/drafts/{id}/situations", post(correct_situation))
        .route("/drafts/{id}/approve", post(approve))
        .route("/drafts/{id}/edit", post(edit))
        .route("/drafts/{id}/reject", post(reject))
        .route("/templates", get(templates))
        .route("/templates/{purpose}/{lang}/{register}", get(template).put(put_template))
}

fn j(e: WebError) -> WebError {
    e.json()
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, WebError> {
    b.map(|Json(v)| v).map_err(|e| {
        WebError::bad_request(format!("the request body is not the JSON expected: {}", e.body_text())).json()
    })
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml; charset=utf-8")], OPENAPI).into_response()
}

#[derive(serde::Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    language: Option<String>,
    mailbox: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
}

async fn queue(State(web): State<Web>, user: User, Query(q): Query<QueueQuery>) -> Result<Json<Value>, WebError> {
    let _ = user;
    let status = q.status.unwrap_or_else(|| "pending".into());
    if crate::domain::DraftStatus::parse(&status).is_none() {
        return Err(WebError::bad_request(format!("unknown status `{status}`")).json());
    }
    let f = QueueFilter { status, language: q.language, mailbox: q.mailbox };
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    let mut db = web.app.store.db().await.map_err(|e| j(e.into()))?;
    let total = db.queue_count(&f).await.map_err(|e| j(e.into()))?;
    let rows = db.queue(&f, limit, offset).await.map_err(|e| j(e.into()))?;
    let mut drafts = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(d) = db.draft(DraftId(r.draft_id)).await.map_err(|e| j(e.into()))? {
            let mut v = serde_json::to_value(DraftView::from(&d)).unwrap_or_default();
            v["customer_name"] = json!(r.customer_name);
            v["mailbox"] = json!(r.mailbox);
            drafts.push(v);
        }
    }
    Ok(Json(json!({"total": total, "limit": limit, "offset": offset, "drafts": drafts})))
}

async fn ticket(State(web): State<Web>, _user: User, Path(id): Path<String>) -> Result<Json<Value>, WebError> {
    let id: TicketId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    let mut db = web.app.store.db().await.map_err(|e| j(e.into()))?;
    let t = db
        .ticket(id)
        .await
        .map_err(|e| j(e.into()))?
        .ok_or_else(|| WebError::not_found(format!("there is no ticket {id}")).json())?;
    let messages = db.messages_of_ticket(id).await.map_err(|e| j(e.into()))?;
    let drafts = db.drafts_of_ticket(id).await.map_err(|e| j(e.into()))?;
    let notes = db.notes(id).await.map_err(|e| j(e.into()))?;
    let mut v =
        serde_json::to_value(TicketView::from_row(&t, messages.len() as i64, &web.app.tokens())).unwrap_or_default();
    v["messages"] = json!(
        messages
            .iter()
            .map(|m| {
                let mut mv = serde_json::to_value(MessageView::from(m)).unwrap_or_default();
                mv["text"] = json!(m.body_text);
                mv
            })
            .collect::<Vec<_>>()
    );
    v["drafts"] = json!(drafts.iter().map(DraftView::from).collect::<Vec<_>>());
    v["notes"] = json!(notes.iter().map(|n| json!({"id": n.id, "author": n.author, "body": n.body, "created_at": crate::clock::rfc3339(n.created_at)})).collect::<Vec<_>>());
    Ok(Json(v))
}

async fn draft_json(web: &Web, id: DraftId) -> Result<Json<Value>, WebError> {
    let mut db = web.app.store.db().await.map_err(|e| j(e.into()))?;
    let d = db
        .draft(id)
        .await
        .map_err(|e| j(e.into()))?
        .ok_or_else(|| WebError::not_found(format!("there is no draft {id}")).json())?;
    Ok(Json(serde_json::to_value(DraftView::from(&d)).unwrap_or_default()))
}

async fn draft(State(web): State<Web>, _user: User, Path(id): Path<String>) -> Result<Json<Value>, WebError> {
    let id: DraftId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    draft_json(&web, id).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationBody {
    /// A situation name, like "bereavement".
    situation: String,
    /// "add" or "remove".
    action: String,
}

/// POST /api/drafts/{id}/situations: correct a situation; the draft is composed again.
async fn correct_situation(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    b: Result<Json<SituationBody>, JsonRejection>,
) -> Result<Json<Value>, WebError> {
    let id: DraftId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    let body = body(b)?;
    let name = crate::recompose::parse_situation(&body.situation).map_err(|e| WebError::from(e).json())?;
    let action = match body.action.as_str() {
        "add" => crate::recompose::Correction::Add,
        "remove" => crate::recompose::Correction::Remove,
        other => return Err(WebError::bad_request(format!("`{other}` is not an action (add or remove)")).json()),
    };
    let ticket = {
        let mut db = web.app.store.db().await.map_err(|e| j(e.into()))?;
        let d = db
            .draft(id)
            .await
            .map_err(|e| j(e.into()))?
            .ok_or_else(|| WebError::not_found(format!("there is no draft {id}")).json())?;
        crate::domain::TicketId(d.ticket_id)
    };
    crate::recompose::correct_situation(&web.app, ticket, name, action, &user.actor())
        .await
        .map_err(|e| WebError::from(e).json())?;
    draft_json(&web, id).await
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// The edited text; omit to approve the draft as it is.
    body: Option<String>,
    /// The version you read (refused with 409 if someone changed the draft since).
    version: Option<i64>,
    /// Send a draft that fails must-checks anyway (refused with 422 otherwise); needs
    /// `reason`, and both go in the audit log.
    #[serde(default)]
    override_checks: bool,
    reason: Option<String>,
}

async fn approve(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    b: Result<Json<ApproveBody>, JsonRejection>,
) -> Result<Json<Value>, WebError> {
    let id: DraftId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    let b = body(b)?;
    let approver = Approver { id: user.actor(), name: Some(user.name.clone()) };
    let reason = match (b.override_checks, b.reason.as_deref().and_then(|r| approval::override_reason(Some(r)))) {
        (true, None) => {
            return Err(WebError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "override_checks needs a reason: say why this reply goes out though it fails a must-check",
            )
            .json());
        }
        (true, Some(r)) => Some(r),
        (false, _) => None,
    };
    approval::approve(&web.app, id, b.body.as_deref(), &approver, b.version, reason.as_deref())
        .await
        .map_err(|e| WebError::from(e).json())?;
    draft_json(&web, id).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    body: String,
    version: i64,
}

async fn edit(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    b: Result<Json<EditBody>, JsonRejection>,
) -> Result<Json<Value>, WebError> {
    let id: DraftId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    let b = body(b)?;
    approval::refuse_control_characters(&b.body).map_err(|e| WebError::from(e).json())?;
    let text = b.body.replace("\r\n", "\n").trim().to_string();
    if text.is_empty() {
        return Err(WebError::bad_request("the body is empty").json());
    }
    let mut db = web.app.store.tx().await.map_err(|e| j(e.into()))?;
    let d = db
        .draft(id)
        .await
        .map_err(|e| j(e.into()))?
        .ok_or_else(|| WebError::not_found(format!("there is no draft {id}")).json())?;
    if d.status != "pending" {
        return Err(WebError::conflict(format!("draft {id} is {}, not pending", d.status)).json());
    }
    let facts: crate::drafting::Facts =
        serde_json::from_str(&d.facts).map_err(|_| WebError::conflict("the draft's facts are unreadable").json())?;
    let findings =
        crate::drafting::lint_body(&web.app.config, &facts, &text, &d.subject, !d.in_reply_to.is_empty(), None);
    let ok = db
        .edit_draft(
            id,
            b.version,
            &text,
            true,
            &serde_json::to_string(&findings).unwrap_or_default(),
            crate::empathy::lint::must_pass(&findings),
            &d.facts,
            web.app.now(),
        )
        .await
        .map_err(|e| j(e.into()))?;
    if !ok {
        return Err(WebError::conflict(format!(
            "draft {id} was changed by someone else since version {}; read it again",
            b.version
        ))
        .json());
    }
    db.audit(
        web.app.now(),
        &user.actor(),
        "draft.edited",
        Some(TicketId(d.ticket_id)),
        Some(id),
        &json!({"as_drafted": d.drafted_body, "as_edited": text}),
    )
    .await
    .map_err(|e| j(e.into()))?;
    db.commit().await.map_err(|e| j(e.into()))?;
    draft_json(&web, id).await
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    reason: String,
    version: Option<i64>,
}

async fn reject(
    State(web): State<Web>,
    user: User,
    Path(id): Path<String>,
    b: Result<Json<RejectBody>, JsonRejection>,
) -> Result<Json<Value>, WebError> {
    let id: DraftId = id.parse().map_err(|e: String| WebError::bad_request(e).json())?;
    let b = body(b)?;
    if b.reason.trim().is_empty() {
        return Err(WebError::bad_request("say why: `reason` is empty").json());
    }
    let approver = Approver { id: user.actor(), name: Some(user.name.clone()) };
    approval::reject(&web.app, id, &b.reason, &approver, b.version).await.map_err(|e| WebError::from(e).json())?;
    draft_json(&web, id).await
}

async fn templates(State(web): State<Web>, _user: User) -> Json<Value> {
    Json(json!(admin::template_list(&web)))
}

fn key_of(purpose: &str, lang: &str, register: &str) -> Result<crate::templates::TemplateKey, WebError> {
    crate::templates::TemplateKey::parse(&format!("{purpose}/{lang}/{register}"))
        .ok_or_else(|| WebError::not_found(format!("no template {purpose}/{lang}/{register}")).json())
}

async fn template(
    State(web): State<Web>,
    _user: User,
    Path((p, l, r)): Path<(String, String, String)>,
) -> Result<Json<Value>, WebError> {
    let key = key_of(&p, &l, &r)?;
    let source =
        admin::template_source(&web, &key).ok_or_else(|| WebError::not_found(format!("no template {key}")).json())?;
    Ok(Json(json!({"key": key.to_string(), "source": source})))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    source: String,
    #[serde(default)]
    note: String,
}

async fn put_template(
    State(web): State<Web>,
    user: User,
    Path((p, l, r)): Path<(String, String, String)>,
    b: Result<Json<TemplateBody>, JsonRejection>,
) -> Result<Response, WebError> {
    user.require_admin().map_err(j)?;
    let key = key_of(&p, &l, &r)?;
    let b = body(b)?;
    let problems =
        admin::save_template(&web, &user, &key, &b.source.replace("\r\n", "\n"), &b.note).await.map_err(j)?;
    if problems.is_empty() {
        Ok(Json(json!({"key": key.to_string(), "saved": true})).into_response())
    } else {
        Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": format!("template {key} is refused: it fails the checks"), "status": 422, "problems": problems}))).into_response())
    }
}
