//! The web UI and API over real HTTP: the app on a loopback port (its own runtime on a
//! background thread), a small cookie-keeping client, and every route's manners.

use std::collections::HashMap;
use std::sync::Arc;

use attune::app::App;
use attune::pipeline::{DraftOutcome, Ingested, ingest};
use tempfile::TempDir;
use tokio_util::sync::CancellationToken;

use crate::helpers::{Backend, PgDatabase, mail, on_both_backends, raw_at};

pub struct TestWeb {
    pub base: String,
    pub app: App,
    pub rt: Arc<tokio::runtime::Runtime>,
    pub _dir: TempDir,
    pub _pg: Option<PgDatabase>,
    stop: CancellationToken,
}

impl Drop for TestWeb {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub const ADMIN: (&str, &str, &str) = ("admin@example.com", "admin-password-1", "Ada Admin");
pub const AGENT: (&str, &str, &str) = ("agent@example.com", "agent-password-1", "Sam Taylor");

impl TestWeb {
    pub fn start() -> TestWeb {
        TestWeb::start_on(Backend::Sqlite)
    }

    pub fn start_on(backend: Backend) -> TestWeb {
        TestWeb::start_with(backend, |_| {})
    }

    pub fn start_with(backend: Backend, tweak: impl FnOnce(&mut attune::config::Config)) -> TestWeb {
        let rt = Arc::new(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap());
        let t = rt.block_on(crate::helpers::spawn_app_with(backend, "2026-11-26T09:00:00Z", |c| {
            c.web.max_login_failures = 5;
            tweak(c);
        }));
        let app =
            attune::app::App::with_store((*t.app.config).clone(), attune::clock::Clock::system(), t.app.store.clone())
                .unwrap();
        let stop = CancellationToken::new();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        rt.spawn(attune::web::serve(app.clone(), listener, stop.clone()));
        let web = TestWeb { base, app, rt, _dir: t.dir, _pg: t.pg, stop };
        for (email, password, name) in [ADMIN, AGENT] {
            let role = if email == ADMIN.0 { "admin" } else { "agent" };
            web.rt.block_on(async {
                let hash = attune::web::auth::hash_password(password).unwrap();
                let mut db = web.app.store.tx().await.unwrap();
                db.insert_user(email, name, role, &hash, web.app.now()).await.unwrap();
                db.commit().await.unwrap();
            });
        }
        web
    }

    /// A customer mail, ingested; returns (ticket, draft).
    pub fn customer_writes(&self, from: &str, id: &str, subject: &str, extra: &str, body: &str) -> (i64, Option<i64>) {
        let m = mail(from, id, subject, extra, body);
        self.rt.block_on(async {
            match ingest(&self.app, &raw_at(&m, self.app.now() - 600), "support").await.unwrap() {
                Ingested::Stored { ticket, draft, .. } => {
                    let d = match draft {
                        DraftOutcome::Created(d) | DraftOutcome::Updated(d) => Some(d.0),
                        DraftOutcome::Skipped(_) => None,
                    };
                    (ticket.0, d)
                }
                other => panic!("{other:?}"),
            }
        })
    }

    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    pub fn signed_in(&self, who: (&str, &str, &str)) -> Client {
        let mut c = self.client();
        let r = c.login(who.0, who.1);
        assert_eq!(r.status, 303, "login as {}: {}", who.0, r.body);
        c
    }
}

pub struct Reply {
    pub status: u16,
    pub body: String,
    pub headers: HashMap<String, String>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    pub fn csrf(&self) -> String {
        let re = regex::Regex::new(r#"name="_csrf" value="([^"]*)""#).unwrap();
        re.captures(&self.body).map(|c| c[1].to_string()).unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct Client {
    base: String,
    agent: ureq::Agent,
    pub cookies: HashMap<String, String>,
    pub bearer: Option<String>,
    /// Sent as X-Forwarded-For, as a load balancer in front would.
    pub forwarded_for: Option<String>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .max_redirects(0)
            .max_redirects_will_error(false)
            .http_status_as_error(false)
            .build()
            .into();
        Client { base: base.to_string(), agent, cookies: HashMap::new(), bearer: None, forwarded_for: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, resp: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
        let mut resp = resp.expect("the server answers");
        let mut headers = HashMap::new();
        for (k, v) in resp.headers() {
            let v = v.to_str().unwrap_or("").to_string();
            if k.as_str() == "set-cookie"
                && let Some((name, rest)) = v.split_once('=')
            {
                let value = rest.split(';').next().unwrap_or("").to_string();
                self.cookies.insert(name.to_string(), value);
            }
            headers.insert(k.as_str().to_string(), v);
        }
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().unwrap_or_default();
        Reply { status, body, headers }
    }

    pub fn get(&mut self, path: &str) -> Reply {
        let mut req = self.agent.get(format!("{}{path}", self.base)).header("Cookie", self.cookie_header());
        if let Some(b) = &self.bearer {
            req = req.header("Authorization", format!("Bearer {b}"));
        }
        if let Some(f) = &self.forwarded_for {
            req = req.header("X-Forwarded-For", f);
        }
        let r = req.call();
        self.take(r)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Reply {
        let mut req = self.agent.post(format!("{}{path}", self.base)).header("Cookie", self.cookie_header());
        if let Some(f) = &self.forwarded_for {
            req = req.header("X-Forwarded-For", f);
        }
        let r = req.send_form(form.iter().copied());
        self.take(r)
    }

    pub fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        let mut req = self.agent.post(format!("{}{path}", self.base));
        if let Some(b) = &self.bearer {
            req = req.header("Authorization", format!("Bearer {b}"));
        }
        let r = req.send_json(body);
        self.take(r)
    }

    pub fn put_json(&mut self, path: &str, body: &serde_json::Value) -> Reply {
        let mut req = self.agent.put(format!("{}{path}", self.base));
        if let Some(b) = &self.bearer {
            req = req.header("Authorization", format!("Bearer {b}"));
        }
        let r = req.send_json(body);
        self.take(r)
    }

    pub fn post_raw(&mut self, path: &str, content_type: &str, body: &str) -> Reply {
        let mut req = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .header("Cookie", self.cookie_header());
        if let Some(b) = &self.bearer {
            req = req.header("Authorization", format!("Bearer {b}"));
        }
        let r = req.send(body);
        self.take(r)
    }

    pub fn login(&mut self, email: &str, password: &str) -> Reply {
        let page = self.get("/login");
        let csrf = page.csrf();
        self.post("/login", &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/")])
    }

    /// The CSRF token of a page (every form carries it).
    pub fn csrf(&mut self) -> String {
        self.get("/").csrf()
    }
}

fn jane(web: &TestWeb) -> (i64, i64) {
    let (t, d) = web.customer_writes(
        "Jane Doe <jane@x.org>",
        "w1@x.org",
        "Order 4711 missing",
        "",
        "Hello,\n\nmy order 4711 has not arrived.\n\nBest regards,\nJane",
    );
    (t, d.expect("a draft"))
}

on_both_backends!(sync anonymous_visitors_are_sent_to_login_and_the_api_says_401);
fn anonymous_visitors_are_sent_to_login_and_the_api_says_401(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (t, d) = jane(&web);
    let mut c = web.client();
    for path in [
        "/",
        "/tickets",
        &format!("/tickets/{t}"),
        "/admin/templates",
        "/admin/templates/reply/en/neutral",
        "/admin/settings",
        "/admin/mailboxes",
        "/admin/users",
        "/audit",
        "/messages/1/attachments/0",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 303, "{path}");
        assert!(r.header("location").unwrap().starts_with("/login?next="), "{path}");
    }
    for (path, form) in [
        (format!("/drafts/{d}/act"), vec![("action", "approve")]),
        (format!("/tickets/{t}/notes"), vec![("body", "x")]),
    ] {
        let r = c.post(&path, &form);
        assert_eq!(r.status, 303, "{path}");
    }
    for path in ["/api/v1/queue", &format!("/api/v1/tickets/{t}"), "/api/v1/templates"] {
        let r = c.get(path);
        assert_eq!(r.status, 401, "{path}");
        assert!(r.json()["error"].as_str().unwrap().contains("sign in"), "{path}");
    }
    let r = c.get("/login");
    assert_eq!(r.status, 200);
    assert!(r.header("content-security-policy").unwrap().contains("script-src 'self'"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(c.get("/healthz").status, 200);
}

on_both_backends!(sync agents_get_403_on_admin_pages_and_admins_get_them);
fn agents_get_403_on_admin_pages_and_admins_get_them(backend: Backend) {
    let web = TestWeb::start_on(backend);
    jane(&web);
    let mut agent = web.signed_in(AGENT);
    let mut admin = web.signed_in(ADMIN);
    for path in [
        "/admin/templates",
        "/admin/templates/reply/en/neutral",
        "/admin/settings",
        "/admin/mailboxes",
        "/admin/users",
        "/audit",
    ] {
        assert_eq!(agent.get(path).status, 403, "{path}");
        assert_eq!(admin.get(path).status, 200, "{path}");
    }
    let csrf = agent.csrf();
    assert_eq!(
        agent.post("/admin/settings", &[("_csrf", &csrf), ("first_response", "1h"), ("next_update", "1d")]).status,
        403
    );
    assert_eq!(
        agent
            .post(
                "/admin/users",
                &[("_csrf", &csrf), ("email", "x@y.org"), ("name", "X"), ("role", "admin"), ("password", "0123456789")]
            )
            .status,
        403
    );
    let session_cookie = agent.cookies.get("attune_session").cloned().unwrap();
    assert!(!session_cookie.is_empty());
}

on_both_backends!(sync forms_without_a_valid_csrf_token_are_refused);
fn forms_without_a_valid_csrf_token_are_refused(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (t, d) = jane(&web);
    let mut agent = web.signed_in(AGENT);
    let path = format!("/tickets/{t}/notes");
    assert_eq!(agent.post(&path, &[("body", "no token")]).status, 403);
    assert_eq!(agent.post(&path, &[("_csrf", "forged"), ("body", "bad token")]).status, 403);
    let r = agent.post(
        &format!("/drafts/{d}/act"),
        &[("_csrf", "forged"), ("version", "1"), ("body", "x"), ("action", "approve")],
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("security token"), "{}", r.body);
    let csrf = agent.csrf();
    assert_eq!(agent.post(&path, &[("_csrf", &csrf), ("body", "a real note")]).status, 303);
    // The login form has its own token too.
    let mut fresh = web.client();
    let r = fresh.post("/login", &[("email", AGENT.0), ("password", AGENT.1)]);
    assert_eq!(r.status, 403);
}

#[test]
fn behind_a_trusted_proxy_the_sign_in_limit_is_per_client_not_per_proxy() {
    // attune behind a load balancer on this machine (127.0.0.1), which says who is calling.
    let web = TestWeb::start_with(Backend::Sqlite, |c| {
        c.web.max_login_failures = 1;
        c.web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    let mut attacker = web.client();
    attacker.forwarded_for = Some("203.0.113.66".into());
    // Four addresses' worth of failures (the per-address limit), on accounts that do not exist.
    for i in 0..4 {
        assert_eq!(attacker.login(&format!("nobody{i}@example.com"), "guess").status, 401);
    }
    assert_eq!(attacker.login("nobody9@example.com", "guess").status, 429, "the attacker's address is limited");
    // A forged address before the proxy's own entry does not get round it.
    attacker.forwarded_for = Some("198.51.100.7, 203.0.113.66".into());
    assert_eq!(attacker.login("nobody10@example.com", "guess").status, 429);
    // The team, behind the same balancer, signs in as usual.
    let mut agent = web.client();
    agent.forwarded_for = Some("192.0.2.10".into());
    assert_eq!(agent.login(AGENT.0, AGENT.1).status, 303, "one client's failures do not lock out the others");
    // The audit names the client, not the balancer.
    let audit = web.rt.block_on(async {
        let mut db = web.app.store.db().await.unwrap();
        db.list_audit(None, 50, 0).await.unwrap()
    });
    assert!(audit.iter().any(|a| a.action == "login.failed" && a.actor == "ip:203.0.113.66"), "{audit:?}");
    assert!(audit.iter().all(|a| a.actor != "ip:127.0.0.1"), "{audit:?}");
}

on_both_backends!(sync wrong_passwords_are_refused_then_rate_limited);
fn wrong_passwords_are_refused_then_rate_limited(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let mut c = web.client();
    for _ in 0..5 {
        let r = c.login(AGENT.0, "wrong password");
        assert_eq!(r.status, 401);
        assert!(r.body.contains("do not match"));
    }
    let r = c.login(AGENT.0, AGENT.1);
    assert_eq!(r.status, 429, "even the right password waits after five failures");
    let wait: i64 = r.header("retry-after").and_then(|v| v.parse().ok()).expect("Retry-After in seconds");
    assert!((1..=30).contains(&wait), "a short wait, not a lock: {wait}");
    assert!(r.body.contains("Please wait") && !r.body.contains("locked"), "{}", r.body);
    // Another account from the same address still works (the address limit is higher).
    let mut other = web.client();
    assert_eq!(other.login(ADMIN.0, ADMIN.1).status, 303);
    // Disabled users cannot sign in.
    let csrf = web.signed_in(ADMIN).csrf();
    let _ = csrf;
}

on_both_backends!(sync bad_requests_get_a_4xx_with_a_message_never_a_500);
fn bad_requests_get_a_4xx_with_a_message_never_a_500(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (t, d) = jane(&web);
    let mut agent = web.signed_in(AGENT);
    let csrf = agent.csrf();
    let cases: Vec<(Reply, u16, &str)> = vec![
        (agent.get("/tickets/abc"), 400, "not an id"),
        (agent.get("/tickets/0"), 400, "not an id"),
        (agent.get("/tickets/99999"), 404, "no ticket"),
        (agent.get("/no/such/page"), 404, "no page"),
        (agent.get("/messages/1/attachments/x"), 400, "number"),
        (agent.get("/messages/1/attachments/7"), 404, "no attachment"),
        (agent.get("/?status=nonsense&page=-5"), 200, "Queue"),
        (agent.post(&format!("/drafts/{d}/act"), &[("_csrf", &csrf)]), 400, "version"),
        (agent.post(&format!("/drafts/{d}/act"), &[("_csrf", &csrf), ("version", "x"), ("body", "y")]), 400, "number"),
        (
            agent.post(
                &format!("/drafts/{d}/act"),
                &[("_csrf", &csrf), ("version", "1"), ("body", "  "), ("action", "save")],
            ),
            400,
            "empty",
        ),
        (
            agent.post(
                &format!("/drafts/{d}/act"),
                &[("_csrf", &csrf), ("version", "1"), ("body", "x"), ("action", "explode")],
            ),
            400,
            "unknown action",
        ),
        (agent.post("/drafts/99999/reject", &[("_csrf", &csrf), ("version", "1"), ("reason", "x")]), 404, "no draft"),
        (agent.post(&format!("/tickets/{t}/name"), &[("_csrf", &csrf), ("name", "support@x.org")]), 400, "person"),
        (
            agent.post(&format!("/tickets/{t}/assign"), &[("_csrf", &csrf), ("assignee", "nobody@x.org")]),
            400,
            "not an active user",
        ),
        (agent.post(&format!("/tickets/{t}/reopen"), &[("_csrf", &csrf)]), 409, "already open"),
        (agent.post(&format!("/tickets/{t}/reply"), &[("_csrf", &csrf), ("body", "Hello")]), 409, "pending draft"),
        (
            agent.post_raw(&format!("/tickets/{t}/notes"), "application/x-www-form-urlencoded", "%%%"),
            403,
            "security token",
        ),
    ];
    for (r, status, says) in cases {
        assert_eq!(r.status, status, "{says}: {}", r.body);
        assert!(r.body.contains(says), "expected \"{says}\" in: {}", r.body);
    }
    // API errors are JSON.
    let token = create_token(&web, AGENT.0);
    let mut api = web.client();
    api.bearer = Some(token);
    for (r, status) in [
        (api.post_raw(&format!("/api/v1/drafts/{d}/approve"), "application/json", "{not json"), 400),
        (api.post_json(&format!("/api/v1/drafts/{d}/approve"), &serde_json::json!({"bdy": "typo"})), 400),
        (api.post_json("/api/v1/drafts/99999/approve", &serde_json::json!({})), 404),
        (api.get("/api/v1/tickets/nope"), 400),
        (api.get("/api/v1/queue?status=nonsense"), 400),
        (api.put_json("/api/v1/templates/reply/en/neutral", &serde_json::json!({"source": "x"})), 403),
        (api.get("/api/v1/nothing"), 404),
    ] {
        assert_eq!(r.status, status, "{}", r.body);
        assert!(r.json()["error"].is_string(), "{}", r.body);
    }
    let mut wrong = web.client();
    wrong.bearer = Some("attune_not_a_token".into());
    assert_eq!(wrong.get("/api/v1/queue").status, 401);
}

pub fn create_token(web: &TestWeb, email: &str) -> String {
    web.rt.block_on(async {
        let token = format!("attune_{}", attune::web::auth::random_token());
        let mut db = web.app.store.tx().await.unwrap();
        let u = db.user_by_email(email).await.unwrap().unwrap();
        db.insert_api_token(u.id, &attune::web::auth::token_hash(&token), "test", web.app.now()).await.unwrap();
        db.commit().await.unwrap();
        token
    })
}

on_both_backends!(sync the_api_lists_approves_and_refuses_stale_edits);
fn the_api_lists_approves_and_refuses_stale_edits(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (t, d) = jane(&web);
    let (_, d2) = web.customer_writes(
        "Bo Chen <bo@y.org>",
        "w2@y.org",
        "Invoice INV-9 wrong",
        "",
        "Hello, invoice INV-9 is wrong.\n\nBest regards,\nBo",
    );
    let d2 = d2.unwrap();
    let mut api = web.client();
    api.bearer = Some(create_token(&web, AGENT.0));
    let q = api.get("/api/v1/queue").json();
    assert_eq!(q["total"], 2);
    assert_eq!(q["drafts"][0]["id"], d);
    let ticket = api.get(&format!("/api/v1/tickets/{t}")).json();
    assert_eq!(ticket["messages"].as_array().unwrap().len(), 1);
    let v = ticket["drafts"][0]["version"].as_i64().unwrap();
    let body = ticket["drafts"][0]["body"]
        .as_str()
        .unwrap()
        .replace("Is there anything else", "Could you tell us more, or is there anything else");
    let edited =
        api.post_json(&format!("/api/v1/drafts/{d}/edit"), &serde_json::json!({"body": body, "version": v})).json();
    assert_eq!(edited["edited"], true);
    let stale = api.post_json(&format!("/api/v1/drafts/{d}/edit"), &serde_json::json!({"body": "Hello", "version": v}));
    assert_eq!(stale.status, 409, "{}", stale.body);
    let approved = api.post_json(&format!("/api/v1/drafts/{d}/approve"), &serde_json::json!({"version": v + 1})).json();
    assert_eq!(approved["status"], "approved");
    assert!(approved["body"].as_str().unwrap().contains("Sam Taylor"));
    let again = api.post_json(&format!("/api/v1/drafts/{d}/approve"), &serde_json::json!({}));
    assert_eq!(again.status, 409);
    let rejected = api
        .post_json(&format!("/api/v1/drafts/{d2}/reject"), &serde_json::json!({"reason": "answered by phone"}))
        .json();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(api.get("/api/v1/templates").json().as_array().unwrap().len(), 48);
    assert!(api.get("/api/v1/templates/reply/en/neutral").json()["source"].as_str().unwrap().contains("{{greeting}}"));
    assert!(api.get("/api/v1/openapi.yaml").body.contains("openapi: 3"));
}

on_both_backends!(sync admins_edit_templates_that_pass_and_are_refused_ones_that_fail);
fn admins_edit_templates_that_pass_and_are_refused_ones_that_fail(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let mut admin = web.signed_in(ADMIN);
    let page = admin.get("/admin/templates/reply/en/neutral");
    let csrf = page.csrf();
    let source = web
        .app
        .templates()
        .source(&attune::templates::TemplateKey::parse("reply/en/neutral").unwrap())
        .unwrap()
        .0
        .to_string();
    // Broken syntax: refused with the line.
    let r = admin.post(
        "/admin/templates/reply/en/neutral",
        &[("_csrf", &csrf), ("source", "{{greeting}}\n\n{{#if late}}\nunclosed"), ("action", "save")],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("line"), "{}", r.body);
    // Discouraging contact: refused with the rubric's reason.
    let bad =
        source.replace("just reply to this email and it will come straight to me", "please do not reply to this email");
    let r = admin.post("/admin/templates/reply/en/neutral", &[("_csrf", &csrf), ("source", &bad), ("action", "save")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("discourages contact"), "{}", r.body);
    // A good edit is saved, used for new drafts, versioned, and can be reverted.
    let good = source.replace(
        "I'll get back to you {{> when}} with an answer or an update.",
        "I'll get back to you {{> when}} with an answer or an update, whichever comes first.",
    );
    assert_ne!(good, source, "the shipped letter has the sentence the test edits");
    let r = admin.post(
        "/admin/templates/reply/en/neutral",
        &[("_csrf", &csrf), ("source", &good), ("note", "warmer"), ("action", "save")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let (_, d) = jane(&web);
    let body = web.rt.block_on(async {
        web.app.store.db().await.unwrap().draft(attune::domain::DraftId(d)).await.unwrap().unwrap().body
    });
    assert!(body.contains("whichever comes first"), "{body}");
    let page = admin.get("/admin/templates/reply/en/neutral");
    assert!(page.body.contains("Edited by an admin") && page.body.contains("warmer"));
    let r = admin.post("/admin/templates/reply/en/neutral/revert", &[("_csrf", &csrf), ("version", "shipped")]);
    assert_eq!(r.status, 303);
    assert!(admin.get("/admin/templates/reply/en/neutral").body.contains("Shipped with attune"));
    let audit = admin.get("/audit").body;
    assert!(audit.contains("template.saved") && audit.contains("template.reverted"));
}

on_both_backends!(sync admins_change_the_sla_and_business_hours);
fn admins_change_the_sla_and_business_hours(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let mut admin = web.signed_in(ADMIN);
    let csrf = admin.csrf();
    let r = admin.post("/admin/settings", &[("_csrf", &csrf), ("first_response", "4 hours"), ("next_update", "1d")]);
    assert_eq!(r.status, 422);
    assert!(r.body.contains("first_response"), "{}", r.body);
    let r = admin.post(
        "/admin/settings",
        &[
            ("_csrf", &csrf),
            ("first_response", "2h"),
            ("next_update", "1d"),
            ("hours_enabled", "on"),
            ("timezone", "Mars/Base"),
        ],
    );
    assert_eq!(r.status, 422);
    assert!(r.body.contains("timezone"), "{}", r.body);
    let r = admin.post(
        "/admin/settings",
        &[
            ("_csrf", &csrf),
            ("first_response", "2h"),
            ("next_update", "1d"),
            ("hours_enabled", "on"),
            ("timezone", "Europe/Berlin"),
            ("day_mon", "on"),
            ("day_tue", "on"),
            ("day_wed", "on"),
            ("day_thu", "on"),
            ("day_fri", "on"),
            ("start", "09:00"),
            ("end", "17:00"),
            ("holidays", "2026-12-25\n2026-12-26"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let p = web.app.policy();
    assert_eq!(p.sla.first_response.to_string(), "2h");
    assert_eq!(p.business_hours.as_ref().unwrap().holidays.len(), 2);
    assert!(admin.get("/admin/settings").body.contains("Europe/Berlin"));
}

on_both_backends!(sync attachments_download_never_render_and_metrics_report);
fn attachments_download_never_render_and_metrics_report(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let m = "From: Jane Doe <jane@x.org>\nTo: support@example.com\nSubject: Screenshot\nMessage-ID: <att1@x.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nHello, the error is in the attached page, order 5555.\n\nJane\n--b\nContent-Type: text/html; name=\"evil.html\"\nContent-Disposition: attachment; filename=\"evil.html\"\n\n<script>alert(1)</script>\n--b--\n";
    let id = web.rt.block_on(async {
        match ingest(&web.app, &raw_at(m, web.app.now()), "support").await.unwrap() {
            Ingested::Stored { key, .. } => key.0,
            other => panic!("{other:?}"),
        }
    });
    let mut agent = web.signed_in(AGENT);
    let r = agent.get(&format!("/messages/{id}/attachments/0"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"evil.html\""));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(r.header("content-security-policy").unwrap().contains("sandbox"));
    let metrics = web.client().get("/metrics").body;
    assert!(metrics.contains("attune_messages_ingested_total{kind=\"human\"} 1"), "{metrics}");
    assert!(metrics.contains("attune_drafts{status=\"pending\"} 1"));
    assert!(metrics.contains("attune_oldest_pending_draft_age_seconds"));
}

// One agent opens a draft; a colleague saves a change; the first agent's approve is
// refused, and the page shows both texts, keeps the version the agent's form was based
// on (a second click is refused again: the colleague's line is never lost unseen), and
// lets the agent keep their own text on purpose.
on_both_backends!(sync two_agents_editing_one_draft_neither_edit_is_lost);
fn two_agents_editing_one_draft_neither_edit_is_lost(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (t, d) = jane(&web);
    let mut a = web.signed_in(AGENT);
    let mut b = web.signed_in(ADMIN);
    let page_a = a.get(&format!("/tickets/{t}"));
    let page_b = b.get(&format!("/tickets/{t}"));
    let version_re = regex::Regex::new(r#"name="version" value="(\d+)""#).unwrap();
    let version = version_re.captures(&page_a.body).unwrap()[1].to_string();
    let drafted = web.rt.block_on(async {
        web.app.store.db().await.unwrap().draft(attune::domain::DraftId(d)).await.unwrap().unwrap().body
    });
    let a_text = drafted.replacen("\n\n", "\n\nA's line: we are checking with the courier.\n\n", 1);
    let r = a.post(
        &format!("/drafts/{d}/act"),
        &[("_csrf", &page_a.csrf()), ("version", &version), ("body", &a_text), ("action", "save")],
    );
    assert_eq!(r.status, 303);
    let b_text = drafted.replacen("\n\n", "\n\nB's line: a replacement is on its way.\n\n", 1);
    let approve = [
        ("_csrf", page_b.csrf()),
        ("version", version.clone()),
        ("body", b_text.clone()),
        ("action", "approve".into()),
    ];
    let form: Vec<(&str, &str)> = approve.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&format!("/drafts/{d}/act"), &form);
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("Someone else changed this draft"), "{}", r.body);
    assert!(
        r.body.contains("id=\"theirs\"") && r.body.contains("A&#x27;s line") || r.body.contains("A's line"),
        "their text is shown"
    );
    assert!(r.body.contains("B&#x27;s line") || r.body.contains("B's line"), "my text is kept");
    let versions: Vec<String> = version_re.captures_iter(&r.body).map(|c| c[1].to_string()).collect();
    assert!(versions.contains(&version), "the agent's form keeps the version it was based on: {versions:?}");
    // Clicking approve again from that form is refused again.
    let r = b.post(&format!("/drafts/{d}/act"), &form);
    assert_eq!(r.status, 409);
    let body = web.rt.block_on(async {
        web.app.store.db().await.unwrap().draft(attune::domain::DraftId(d)).await.unwrap().unwrap()
    });
    assert!(body.body.contains("A's line") && body.status == "pending", "A's save stands: {}", body.body);
    // B chooses to keep their text: the "keep mine" form carries the new version.
    let keep = regex::Regex::new(r#"(?s)name="version" value="(\d+)">\s*<input type="hidden" name="body" value="[^"]*">\s*<button type="submit" name="action" value="save" id="keep-mine""#).unwrap();
    let new_version = keep.captures(&r.body).expect("a keep-mine form")[1].to_string();
    assert_ne!(new_version, version);
    let r = b.post(
        &format!("/drafts/{d}/act"),
        &[("_csrf", &page_b.csrf()), ("version", &new_version), ("body", &b_text), ("action", "save")],
    );
    assert_eq!(r.status, 303);
    let now = web.rt.block_on(async {
        web.app.store.db().await.unwrap().draft(attune::domain::DraftId(d)).await.unwrap().unwrap().body
    });
    assert!(now.contains("B's line"), "{now}");
}

// A draft that fails a must-check is not sent with one click: the UI shows the failing
// checks and asks for a reason, the API answers 422 unless override_checks and a reason
// come with it, and both are audited. Control characters are refused with their place.
on_both_backends!(sync must_checks_stop_a_send_unless_a_person_overrides_them_with_a_reason);
fn must_checks_stop_a_send_unless_a_person_overrides_them_with_a_reason(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (_t, d) = jane(&web);
    let (t2, d2) = web.customer_writes(
        "Bo Berg <bo@x.org>",
        "w2@x.org",
        "Invoice 5566",
        "",
        "Hello,\n\nmy invoice 5566 is wrong.\n\nBo",
    );
    let d2 = d2.expect("a draft");
    let token = create_token(&web, AGENT.0);
    let mut api = web.client();
    api.bearer = Some(token);
    let r = api.post_json(&format!("/api/v1/drafts/{d}/approve"), &serde_json::json!({"body": "Hi\u{0}there"}));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("U+0000") && r.body.contains("line 1, column 3"), "{}", r.body);
    let r =
        api.post_json(&format!("/api/v1/drafts/{d}/edit"), &serde_json::json!({"body": "Hi\u{7}there", "version": 1}));
    assert_eq!(r.status, 422, "{}", r.body);
    let r = api.post_json(&format!("/api/v1/drafts/{d}/approve"), &serde_json::json!({"body": "Hi there"}));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("greeting"), "the failing checks are named: {}", r.body);
    let r = api.post_json(
        &format!("/api/v1/drafts/{d}/approve"),
        &serde_json::json!({"body": "Hi there", "override_checks": true}),
    );
    assert_eq!(r.status, 422, "an override needs a reason: {}", r.body);
    let r = api.post_json(
        &format!("/api/v1/drafts/{d}/approve"),
        &serde_json::json!({"body": "Hi Jane, all sorted as we said on the phone.", "override_checks": true, "reason": "agreed on the phone"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);

    // In the UI: approve a failing text, see the checks, send anyway with a reason.
    let mut agent = web.signed_in(AGENT);
    let page = agent.get(&format!("/tickets/{t2}"));
    let version =
        regex::Regex::new(r#"name="version" value="(\d+)""#).unwrap().captures(&page.body).unwrap()[1].to_string();
    let r = agent.post(
        &format!("/drafts/{d2}/act"),
        &[("_csrf", &page.csrf()), ("version", &version), ("body", "ok"), ("action", "approve")],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("id=\"send-anyway\"") && r.body.contains("greeting"), "{}", r.body);
    let r = agent.post(
        &format!("/drafts/{d2}/act"),
        &[
            ("_csrf", &page.csrf()),
            ("version", &version),
            ("body", "ok"),
            ("action", "approve"),
            ("override_reason", "the customer asked for a one-word answer"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let audit = web.rt.block_on(async { web.app.store.db().await.unwrap().list_audit(None, 100, 0).await.unwrap() });
    let overrides: Vec<_> = audit.iter().filter(|a| a.action == "draft.checks_overridden").collect();
    assert_eq!(overrides.len(), 2, "{audit:?}");
    assert!(overrides.iter().any(|a| a.detail.contains("agreed on the phone")), "{overrides:?}");
}

/// A second instance on the same database, serving on a port of its own.
fn second_instance(web: &TestWeb) -> (String, CancellationToken) {
    let app =
        attune::app::App::with_store((*web.app.config).clone(), web.app.clock.clone(), web.app.store.clone()).unwrap();
    let listener = web.rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    web.rt.spawn(attune::web::serve(app, listener, stop.clone()));
    (base, stop)
}

#[test]
fn a_sign_in_on_one_instance_works_on_another_behind_a_balancer_without_stickiness() {
    let web = TestWeb::start_on(Backend::Postgres);
    let (t, d) = jane(&web);
    let (other_base, stop_other) = second_instance(&web);
    // Signed in on the first instance ...
    let mut on_a = web.signed_in(AGENT);
    let page_a = on_a.get(&format!("/tickets/{t}"));
    assert_eq!(page_a.status, 200);
    // ... the same cookies reach the second: the session and its CSRF token are in the database.
    let mut on_b = Client::new(&other_base);
    on_b.cookies = on_a.cookies.clone();
    let page_b = on_b.get(&format!("/tickets/{t}"));
    assert_eq!(page_b.status, 200, "the session is known to the other instance");
    assert!(page_b.body.contains("Sam Taylor"), "signed in as the agent there too");
    let version =
        regex::Regex::new(r#"name="version" value="(\d+)""#).unwrap().captures(&page_a.body).unwrap()[1].to_string();
    // A form rendered by one instance is accepted by the other.
    let r = on_b.post(
        &format!("/drafts/{d}/act"),
        &[("_csrf", &page_a.csrf()), ("version", &version), ("body", "Hello Jane,\n\nOn its way."), ("action", "save")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    // Signing out on the second ends the session on the first.
    assert_eq!(on_b.post("/logout", &[("_csrf", &page_b.csrf())]).status, 303);
    let after = on_a.get("/");
    assert_eq!(after.status, 303, "signed out everywhere");
    assert!(after.header("location").unwrap().starts_with("/login"));
    stop_other.cancel();
}

// 200 sign-in attempts at once on one account: at most the limit reach the password
// check (each is counted before the check, by compare-and-swap). The stranger slows new
// browsers down but never shuts the owner out: a browser that signed in before goes
// straight in, and a password reset clears the count.
on_both_backends!(sync the_door_holds_against_parallel_guesses_and_never_locks_the_owner_out);
fn the_door_holds_against_parallel_guesses_and_never_locks_the_owner_out(backend: Backend) {
    // Behind the team's balancer, so the stranger and the agent have their own addresses.
    let web = TestWeb::start_with(backend, |c| c.web.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]);
    // The agent's own browser, known from an earlier sign-in.
    let mut own_browser = web.client();
    assert_eq!(own_browser.login(AGENT.0, AGENT.1).status, 303);
    let device = own_browser.cookies.get("attune_device").cloned().expect("a device cookie after sign-in");
    let mut attackers: Vec<Client> = (0..200).map(|_| web.client()).collect();
    let forms: Vec<(String, Client)> = attackers
        .drain(..)
        .map(|mut c| {
            c.forwarded_for = Some("203.0.113.66".into());
            let csrf = c.get("/login").csrf();
            (csrf, c)
        })
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = forms
            .into_iter()
            .map(|(csrf, mut c)| {
                scope.spawn(move || {
                    c.post("/login", &[("_csrf", &csrf), ("email", AGENT.0), ("password", "guess"), ("next", "/")])
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let held = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + held, 200, "{statuses:?}");
    eprintln!("200 parallel sign-in attempts: {checked} password checks, {held} told to wait");
    assert!(checked <= 5, "{checked} of 200 parallel attempts reached the password check (limit 5)");
    assert!(checked >= 1, "{statuses:?}");
    // A new browser waits; the owner's known browser does not.
    let mut new_browser = web.client();
    new_browser.forwarded_for = Some("192.0.2.10".into());
    assert_eq!(new_browser.login(AGENT.0, AGENT.1).status, 429, "the account waits for new browsers");
    let mut known = web.client();
    known.cookies.insert("attune_device".into(), device);
    assert_eq!(known.login(AGENT.0, AGENT.1).status, 303, "the owner's browser is not held up by a stranger");
    // An admin resets the password: the count is cleared at once.
    web.rt.block_on(async {
        let hash = attune::web::auth::hash_password("a-new-password-2").unwrap();
        let mut db = web.app.store.tx().await.unwrap();
        assert!(db.set_user_password(AGENT.0, &hash).await.unwrap());
        db.commit().await.unwrap();
    });
    assert_eq!(new_browser.login(AGENT.0, "a-new-password-2").status, 303);
}

/// `next` takes only a path on this site; anything else lands on the queue, also with the
/// right password (no 500, no session without a cookie). Session cookies are SameSite=Lax.
#[test]
fn sign_in_sends_only_to_paths_on_this_site() {
    let web = TestWeb::start();
    let mut c = web.client();
    for (query, expect) in [
        ("/%09/evil.example", "/"),
        ("/%0A/x", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example", "/"),
        ("/%2F%2Fevil.example", "/"),
        ("/tickets/1", "/tickets/1"),
    ] {
        let page = c.get(&format!("/login?next={query}"));
        assert_eq!(page.status, 200, "{query}");
        assert!(page.body.contains(&format!("name=\"next\" value=\"{expect}\"")), "{query}: {}", page.body);
    }
    for bad in ["/\t/evil.example", "/\n/x", "/\\evil.example", "//evil.example"] {
        let mut c = web.client();
        let csrf = c.get("/login").csrf();
        let r = c.post("/login", &[("_csrf", &csrf), ("email", AGENT.0), ("password", AGENT.1), ("next", bad)]);
        assert_eq!(r.status, 303, "{bad:?}: {}", r.body);
        assert_eq!(r.header("location"), Some("/"), "{bad:?}");
        let cookie = r.header("set-cookie").unwrap_or_default().to_string();
        assert!(c.cookies.get("attune_session").is_some_and(|v| !v.is_empty()), "{bad:?}: a session cookie");
        let _ = cookie;
    }
    let mut c = web.client();
    let csrf = c.get("/login").csrf();
    let raw = ureq_set_cookies(&web.base, &csrf, &c);
    assert!(raw.iter().any(|h| h.starts_with("attune_session=") && h.contains("SameSite=Lax")), "{raw:?}");
    assert!(raw.iter().all(|h| !h.contains("SameSite=Strict")), "{raw:?}");
}

/// Every Set-Cookie header of a successful sign-in (the client keeps only one per name).
fn ureq_set_cookies(base: &str, csrf: &str, c: &Client) -> Vec<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().into();
    let resp = agent
        .post(format!("{base}/login"))
        .header("Cookie", format!("attune_login={}", c.cookies.get("attune_login").cloned().unwrap_or_default()))
        .send_form([("_csrf", csrf), ("email", AGENT.0), ("password", AGENT.1), ("next", "/")])
        .unwrap();
    resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap_or("").to_string()).collect()
}

/// 2,000 clients that open a connection and send half a request head, and never more
/// (slowloris): an agent's request is still answered at once, the slow connections are
/// dropped after the header deadline, and the server never holds more than its limit.
#[test]
fn slow_clients_cannot_hold_the_door() {
    use std::io::{Read, Write};
    let web = TestWeb::start_with(Backend::Sqlite, |c| {
        c.web.header_read_timeout = attune::config::DurationSpec::parse("3s").unwrap();
        c.web.max_connections = 256;
    });
    let addr = web.base.trim_start_matches("http://").to_string();
    let mut agent = web.signed_in(AGENT);
    let mut slow = Vec::new();
    for _ in 0..2000 {
        let mut s = std::net::TcpStream::connect(&addr).expect("connect");
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        slow.push(s);
    }
    let started = std::time::Instant::now();
    let page = agent.get("/");
    let took = started.elapsed();
    assert_eq!(page.status, 200);
    eprintln!("an agent's request with 2,000 slow connections open: {took:?}");
    assert!(took < std::time::Duration::from_secs(5), "answered in {took:?}");
    // Past the deadline every slow connection has been closed by the server.
    std::thread::sleep(std::time::Duration::from_secs(4));
    let mut open = 0;
    for s in &mut slow {
        s.set_read_timeout(Some(std::time::Duration::from_millis(20))).unwrap();
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(0) => {}
            // A 408 before the close, or a reset: closed either way.
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut => {
                open += 1
            }
            Err(_) => {}
        }
    }
    assert_eq!(open, 0, "{open} slow connections still open after the header deadline");
    assert_eq!(agent.get("/").status, 200);
}

// The customer beside the ticket: their other tickets (the unanswered one marked, with
// when we last replied), and a note the team keeps on them, editable.
on_both_backends!(sync the_customer_beside_the_draft_history_and_a_note);
fn the_customer_beside_the_draft_history_and_a_note(backend: Backend) {
    let web = TestWeb::start_on(backend);
    let (first, _) = jane(&web);
    let (second, _) = web.customer_writes(
        "Jane Doe <jane@x.org>",
        "w9@x.org",
        "Still no parcel",
        "",
        "Hello,\n\nthis is the third time I write about my order 4711.\n\nJane",
    );
    let mut agent = web.signed_in(AGENT);
    let page = agent.get(&format!("/tickets/{second}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("href=\"/tickets/{first}\"")), "the earlier ticket is listed: {}", page.body);
    assert!(page.body.contains("class=\"unanswered\"") && page.body.contains("never answered"), "{}", page.body);
    assert!(page.body.contains("have mail nobody answered yet") || page.body.contains("has mail nobody answered yet"));
    let csrf = page.csrf();
    let r = agent.post(
        &format!("/tickets/{second}/contact-note"),
        &[("_csrf", &csrf), ("note", "Prefers phone calls after 5pm.")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = agent.get(&format!("/tickets/{first}"));
    assert!(page.body.contains("Prefers phone calls after 5pm."), "the note shows on every ticket of theirs");
    assert!(page.body.contains(&format!("href=\"/tickets/{second}\"")));
    let r = agent.post(&format!("/tickets/{second}/contact-note"), &[("_csrf", &csrf), ("note", "bad\u{1}byte")]);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = agent.post(&format!("/tickets/{second}/contact-note"), &[("note", "no token")]);
    assert_eq!(r.status, 403);
}
