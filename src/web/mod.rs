//! The web UI (server-rendered, works without JavaScript) and the JSON API, on axum.
//! Agents work the queue and tickets; admins edit templates, the SLA and business hours,
//! and users; everything either does is in the audit log. Every page has a strict
//! Content-Security-Policy; customers' HTML is sanitized and never runs here.

mod admin;
mod api;
pub mod auth;
mod ops;
mod pages;
mod render;
mod sanitize;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::approval::ApprovalError;
use crate::store::StoreError;

/// What every handler gets.
#[derive(Clone)]
pub struct Web {
    pub app: App,
    pub ui: Arc<render::Ui>,
    /// Mark cookies Secure (browsers keep Secure cookies on http://localhost too).
    pub secure_cookies: bool,
    /// The queue's mailbox filter lists every mailbox; finding them scans the tickets, so
    /// the list is kept for a minute.
    mailboxes: Arc<std::sync::Mutex<Option<CachedMailboxes>>>,
}

/// When the mailbox list was read, and the list.
type CachedMailboxes = (std::time::Instant, Vec<String>);

impl Web {
    pub fn new(app: App) -> Web {
        let secure_cookies = app.config.web.secure_cookies;
        Web { app, ui: Arc::new(render::Ui::new()), secure_cookies, mailboxes: Arc::default() }
    }

    pub async fn mailboxes(&self) -> Result<Vec<String>, StoreError> {
        if let Some((at, list)) = self.mailboxes.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && at.elapsed() < Duration::from_secs(60)
        {
            return Ok(list.clone());
        }
        let list = self.app.store.db().await?.mailboxes().await?;
        *self.mailboxes.lock().unwrap_or_else(|p| p.into_inner()) = Some((std::time::Instant::now(), list.clone()));
        Ok(list)
    }
}

/// An error with the status it deserves and a message a person can act on.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
    /// JSON for the API, a page for browsers.
    pub json: bool,
    /// Send the browser to the login page instead of showing an error.
    pub login_redirect: Option<String>,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> WebError {
        WebError { status, message: message.into(), json: false, login_redirect: None }
    }
    pub fn bad_request(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::NOT_FOUND, message)
    }
    pub fn forbidden(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::FORBIDDEN, message)
    }
    pub fn conflict(message: impl Into<String>) -> WebError {
        WebError::new(StatusCode::CONFLICT, message)
    }
    pub fn json(mut self) -> WebError {
        self.json = true;
        self
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> WebError {
        tracing::error!(error = %e, "database error serving a request");
        WebError::new(StatusCode::SERVICE_UNAVAILABLE, "the database is not answering; try again in a moment")
    }
}

impl From<ApprovalError> for WebError {
    fn from(e: ApprovalError) -> WebError {
        match &e {
            ApprovalError::NotFound(_) => WebError::not_found(e.to_string()),
            ApprovalError::NotPending { .. } | ApprovalError::Conflict(_) => WebError::conflict(e.to_string()),
            ApprovalError::EmptyEdit => WebError::bad_request(e.to_string()),
            ApprovalError::ControlCharacter { .. } | ApprovalError::ChecksFailed { .. } => {
                WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            ApprovalError::Store(_) | ApprovalError::Template(_) => {
                tracing::error!(error = %e, "approval failed");
                WebError::new(StatusCode::INTERNAL_SERVER_ERROR, "the draft could not be approved; see the log")
            }
        }
    }
}

impl From<crate::recompose::CorrectionError> for WebError {
    fn from(e: crate::recompose::CorrectionError) -> WebError {
        use crate::recompose::CorrectionError as C;
        match e {
            C::NoPendingDraft(_) => WebError::not_found(e.to_string()),
            C::UnknownSituation(..) | C::Facts(_) => WebError::bad_request(e.to_string()),
            C::Edited => WebError::conflict(e.to_string()),
            C::Store(s) => s.into(),
            C::Template(t) => t.into(),
        }
    }
}

impl From<crate::templates::TemplateError> for WebError {
    fn from(e: crate::templates::TemplateError) -> WebError {
        WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let Some(next) = self.login_redirect {
            return Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response();
        }
        if self.json {
            return (
                self.status,
                axum::Json(serde_json::json!({"error": self.message, "status": self.status.as_u16()})),
            )
                .into_response();
        }
        let heading = match self.status {
            StatusCode::FORBIDDEN => "Not for you",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Someone else got there first",
            StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
            s if s.is_client_error() => "That did not work",
            _ => "Something went wrong on our side",
        };
        let page = render::Ui::new().page(
            "error",
            &serde_json::json!({"title": heading, "heading": heading, "message": self.message, "tz": "UTC"}),
        );
        (self.status, Html(page.unwrap_or_else(|_| self.message.clone()))).into_response()
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The policy every page gets unless a handler sets its own (a ticket page that shows
/// remote images the agent asked for).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

async fn not_found(req: Request) -> WebError {
    let e = WebError::not_found(format!("there is no page at {}", req.uri().path()));
    if req.uri().path().starts_with("/api/") { e.json() } else { e }
}

async fn static_file(State(_): State<Web>, axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "app.css" => (render::APP_CSS, "text/css; charset=utf-8"),
        "app.js" => (render::APP_JS, "text/javascript; charset=utf-8"),
        _ => return WebError::not_found("no such file").into_response(),
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}

pub fn router(web: Web) -> Router {
    let api = api::routes();
    Router::new()
        .route("/", get(pages::queue))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/tickets", get(pages::tickets))
        .route("/tickets/{id}", get(pages::ticket))
        .route("/tickets/{id}/name", post(pages::rename))
        .route("/tickets/{id}/situation", post(pages::correct_situation))
        .route("/tickets/{id}/assign", post(pages::assign))
        .route("/tickets/{id}/resolve", post(pages::resolve))
        .route("/tickets/{id}/reopen", post(pages::reopen))
        .route("/tickets/{id}/notes", post(pages::add_note))
        .route("/tickets/{id}/contact-note", post(pages::contact_note))
        .route("/tickets/{id}/reply", post(pages::write_reply))
        .route("/drafts/{id}/act", post(pages::draft_act))
        .route("/drafts/{id}/reject", post(pages::draft_reject))
        .route("/messages/{id}/attachments/{n}", get(pages::attachment))
        .route("/admin/templates", get(admin::templates))
        .route("/admin/templates/{purpose}/{lang}/{register}", get(admin::template).post(admin::template_save))
        .route("/admin/templates/{purpose}/{lang}/{register}/revert", post(admin::template_revert))
        .route("/admin/settings", get(admin::settings).post(admin::settings_save))
        .route("/admin/mailboxes", get(admin::mailboxes))
        .route("/admin/users", get(admin::users).post(admin::user_add))
        .route("/admin/users/{id}/{action}", post(admin::user_toggle))
        .route("/audit", get(admin::audit))
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .route("/static/{name}", get(static_file))
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(middleware::from_fn(security_headers))
        .layer(DefaultBodyLimit::max(2 * 1024 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(30),
        ))
        // Browsers' cross-origin POSTs are refused before any handler runs (Sec-Fetch-Site
        // and Origin); the per-session token in every form is the second lock.
        .layer(tower_http::csrf::CsrfLayer::new())
        .with_state(web)
}

/// Serves until `shutdown` fires.
pub async fn serve(app: App, listener: tokio::net::TcpListener, shutdown: CancellationToken) -> std::io::Result<()> {
    let web = Web::new(app.clone());
    let router = router(web);
    tracing::info!(addr = %listener.local_addr()?, "web UI listening");
    // Expired sessions and old login failures are swept now and then.
    let sweeper = {
        let app = app.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            loop {
                if let Ok(mut db) = app.store.tx().await {
                    let _ = db.purge_expired(app.now()).await;
                    let _ = db.commit().await;
                }
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(600)) => {}
                    _ = shutdown.cancelled() => break,
                }
            }
        })
    };
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(app.config.web.header_read_timeout.calendar_secs().max(1) as u64),
        max_connections: app.config.web.max_connections.max(1) as usize,
    };
    let result = accept_loop(listener, router, limits, shutdown).await;
    sweeper.abort();
    result
}

/// What one slow or idle client may hold.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// One open connection, as the accept loop sees it.
struct Conn {
    /// A request is being answered: the connection is doing work and is never evicted.
    busy: std::sync::atomic::AtomicBool,
    /// Since when it has waited for a request head (opened, or its last answer sent).
    idle_since: std::sync::Mutex<std::time::Instant>,
    close: CancellationToken,
}

/// Accepts connections until `shutdown`, each served by hyper with a deadline for the
/// request head (slowloris, idle keep-alive). At `max_connections`, a new connection
/// closes the one that has waited longest without sending a request (slow and idle
/// clients make room for an agent; one that is being answered is never cut), and is
/// refused only when every open connection is busy. Then waits for open requests.
pub async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    use std::collections::HashMap;
    use std::sync::atomic::Ordering;
    use std::sync::{Mutex, PoisonError};
    use std::time::Instant;

    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let open: Arc<Mutex<HashMap<u64, Arc<Conn>>>> = Arc::default();
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut next_id = 0u64;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of descriptors or a reset before accept: wait a moment, go on.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        let conn = Arc::new(Conn {
            busy: false.into(),
            idle_since: Mutex::new(Instant::now()),
            // Not a child of `shutdown`: on shutdown requests in flight finish (graceful).
            close: CancellationToken::new(),
        });
        {
            let mut open = open.lock().unwrap_or_else(PoisonError::into_inner);
            if open.len() >= limits.max_connections {
                let longest_idle = open
                    .iter()
                    .filter(|(_, c)| !c.busy.load(Ordering::Acquire))
                    .min_by_key(|(_, c)| *c.idle_since.lock().unwrap_or_else(PoisonError::into_inner))
                    .map(|(id, _)| *id);
                match longest_idle.and_then(|id| open.remove(&id)) {
                    Some(evicted) => evicted.close.cancel(),
                    None => {
                        tracing::warn!(%peer, max = limits.max_connections, "every connection is busy; refusing a new one");
                        continue;
                    }
                }
            }
            next_id += 1;
            open.insert(next_id, conn.clone());
        }
        let id = next_id;
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let state = conn.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            let state = state.clone();
            state.busy.store(true, Ordering::Release);
            let answer = router.clone().oneshot(req.map(axum::body::Body::new));
            async move {
                let response = answer.await;
                *state.idle_since.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
                state.busy.store(false, Ordering::Release);
                response
            }
        });
        let served = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let served = graceful.watch(served);
        let open = open.clone();
        tokio::spawn(async move {
            tokio::select! {
                ended = served => if let Err(e) = ended {
                    tracing::debug!(%peer, error = %e, "connection ended");
                },
                _ = conn.close.cancelled() => tracing::debug!(%peer, "closed to make room"),
            }
            open.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
        });
    }
    drop(listener);
    // Requests in flight finish; idle connections are closed.
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(10)) => tracing::warn!("connections still open after 10 s; closing"),
    }
    Ok(())
}
