//! Who is asking: local users with argon2 password hashes, sessions in the database (so
//! any instance serves any request), API tokens, CSRF tokens in every form, and login
//! attempts rate-limited by account and by address.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Web, WebError};
use crate::store::{ThrottleRow, UserRow};

pub const SESSION_COOKIE: &str = "attune_session";
pub const LOGIN_CSRF_COOKIE: &str = "attune_login";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

/// A signed-in person (by session cookie or API token).
#[derive(Clone, Debug)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The session's CSRF token; None for API tokens (no cookies, no CSRF).
    pub csrf: Option<String>,
    pub via_token: bool,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// How the audit log names them.
    pub fn actor(&self) -> String {
        if self.via_token { format!("token:{}", self.email) } else { format!("user:{}", self.email) }
    }

    pub fn require_admin(&self) -> Result<(), WebError> {
        if self.is_admin() {
            Ok(())
        } else {
            let e = WebError::forbidden("this page is for admins");
            Err(if self.via_token { e.json() } else { e })
        }
    }

    /// Every form carries the session's token; a form without it is refused.
    pub fn require_csrf(&self, form: &HashMap<String, String>) -> Result<(), WebError> {
        let Some(expected) = &self.csrf else { return Ok(()) };
        match form.get("_csrf") {
            Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(WebError::forbidden(
                "the form's security token is missing or out of date; reload the page and try again",
            )),
        }
    }

    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({"name": self.name, "email": self.email, "role": self.role.as_str(), "admin": self.is_admin()})
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the account does not exist, so that a wrong email takes
/// as long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("not a password of anyone").unwrap_or_default());
    &HASH
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// SameSite=Lax: a link to a ticket from chat or mail arrives signed in; a form posted
/// from another site still carries no cookie, and every form has its CSRF token besides.
fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static("attune_invalid=1"))
}

impl FromRequestParts<Web> for User {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<User, WebError> {
        // Inside nested routers the path has lost its prefix; the original URI has not.
        let original = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map(|o| o.0.clone())
            .unwrap_or_else(|| parts.uri.clone());
        let api = original.path().starts_with("/api/");
        let now = web.app.now();
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
            let Some(token) = auth.strip_prefix("Bearer ").map(str::trim) else {
                return Err(WebError::new(StatusCode::UNAUTHORIZED, "use Authorization: Bearer <token>").json());
            };
            let mut db = web.app.store.tx().await?;
            let user = db.user_by_token(&token_hash(token), now).await?;
            db.commit().await?;
            return match user {
                Some(u) if !u.disabled => Ok(from_row(u, None, true)),
                _ => Err(WebError::new(StatusCode::UNAUTHORIZED, "the API token is not valid").json()),
            };
        }
        let unauthenticated = || {
            if api {
                WebError::new(StatusCode::UNAUTHORIZED, "sign in, or send an API token").json()
            } else {
                let target = original.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
                WebError { login_redirect: Some(target), ..WebError::new(StatusCode::UNAUTHORIZED, "sign in") }
            }
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(unauthenticated()) };
        let hash = token_hash(&token);
        let mut db = web.app.store.db().await?;
        let Some(session) = db.session(&hash, now).await? else { return Err(unauthenticated()) };
        let Some(user) = db.user(session.user_id).await? else { return Err(unauthenticated()) };
        if user.disabled {
            return Err(unauthenticated());
        }
        drop(db);
        // Sliding expiry is not worth a write per request; a minute's resolution is.
        if now - session.last_seen_at > 60 {
            let mut db = web.app.store.tx().await?;
            db.touch_session(&hash, now).await?;
            db.commit().await?;
        }
        Ok(from_row(user, Some(session.csrf_token), false))
    }
}

fn from_row(u: UserRow, csrf: Option<String>, via_token: bool) -> User {
    User { id: u.id, email: u.email, name: u.name, role: Role::parse(&u.role).unwrap_or(Role::Agent), csrf, via_token }
}

#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Only a path on this site: a login link must not send anyone elsewhere. One leading
/// `/` and no `//` or `\\` after it, no control characters, spaces or non-ASCII (a
/// browser drops a tab and reads `/\t/evil.example` as `//evil.example`; a newline cannot
/// go in a Location header at all), and the same again once percent-decoded. Anything
/// else goes to the queue.
pub fn safe_next(next: Option<&str>) -> String {
    fn local(p: &str) -> bool {
        let b = p.as_bytes();
        b.first() == Some(&b'/') && !matches!(b.get(1), Some(b'/' | b'\\')) && !p.contains('\\')
    }
    // As sent, only printable ASCII can go in a Location header; decoded, a space is fine
    // ("q=a%20b") but a control character is not.
    let sendable = |p: &str| local(p) && p.bytes().all(|c| c.is_ascii_graphic());
    let decoded_ok = |p: &str| local(p) && !p.chars().any(char::is_control);
    match next {
        Some(n) if sendable(n) && decoded_ok(&percent_decode(n)) => n.to_string(),
        _ => "/".into(),
    }
}

/// `%XX` decoded once, bytes that are not UTF-8 replaced (only for checking `next`).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn login_form(web: &Web, next: &str, email: &str, error: Option<&str>, status: StatusCode) -> Response {
    let csrf = random_token();
    let page = web.ui.page(
        "login",
        &serde_json::json!({
            "title": "Sign in",
            "login_csrf": csrf,
            "next": next,
            "email": email,
            "error": error,
            "tz": "UTC",
            "demo_hint": web.app.config.web.demo_hint.clone(),
        }),
    );
    let mut resp = (status, Html(page.unwrap_or_default())).into_response();
    resp.headers_mut().insert(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, web.secure_cookies));
    resp
}

pub async fn login_page(State(web): State<Web>, Query(q): Query<LoginQuery>) -> Response {
    login_form(&web, &safe_next(q.next.as_deref()), "", None, StatusCode::OK)
}

pub const DEVICE_COOKIE: &str = "attune_device";
/// A key's attempts are forgotten a day after the last one.
const ATTEMPT_MEMORY: i64 = 86_400;
/// The first wait past the free attempts, doubled with each further attempt.
const FIRST_WAIT: i64 = 30;
const LONGEST_WAIT: i64 = 15 * 60;

/// Whether one more sign-in attempt on a key may go ahead now, and what the key's row
/// becomes: the first `free` attempts go at once; each after them waits 30 s, then twice
/// as long each time, up to 15 minutes. Err: the seconds to wait. There is no lock, so a
/// stranger can slow an account down but never shut its owner out (and a browser that
/// signed in before is counted on its own).
pub fn next_attempt(row: ThrottleRow, now: i64, free: i64) -> Result<ThrottleRow, i64> {
    if now < row.next_at {
        return Err(row.next_at - now);
    }
    let attempts = if now - row.last_at > ATTEMPT_MEMORY { 1 } else { row.attempts + 1 };
    let wait = if attempts < free {
        0
    } else {
        FIRST_WAIT.saturating_mul(1i64 << (attempts - free).clamp(0, 16)).min(LONGEST_WAIT)
    };
    Ok(ThrottleRow { attempts, last_at: now, next_at: now + wait, version: row.version })
}

fn wait_words(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} seconds"),
        s if s < 120 => "a minute".into(),
        s => format!("{} minutes", (s + 59) / 60),
    }
}

/// Where a request came from. The TCP peer, unless it is one of `trusted` proxies: then the
/// nearest address in X-Forwarded-For that is not a trusted proxy (read from the right, so a
/// client cannot put a made-up address before the one its proxy appended). Behind a load
/// balancer every peer is the balancer, and one limit for all would let anyone lock the
/// whole team out of signing in.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return ip,
            // Garbage where an address should be: trust nothing beyond it.
            Err(_) => break,
        }
    }
    peer
}

pub async fn login(
    State(web): State<Web>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    let next = safe_next(form.get("next").map(String::as_str));
    let email = form.get("email").map(|e| e.trim().to_lowercase()).unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    // The login form's own CSRF token, double-submitted in a cookie.
    let csrf_ok = matches!((cookie(&headers, LOGIN_CSRF_COOKIE), form.get("_csrf")), (Some(c), Some(f)) if constant_time_eq(c.as_bytes(), f.as_bytes()));
    if !csrf_ok {
        return Ok(login_form(
            &web,
            &next,
            &email,
            Some("The sign-in form expired; please try again."),
            StatusCode::FORBIDDEN,
        ));
    }
    if email.is_empty() || password.is_empty() {
        return Ok(login_form(&web, &next, &email, Some("Give your email and password."), StatusCode::BAD_REQUEST));
    }
    let now = web.app.now();
    let client = client_ip(peer.ip(), &headers, &web.app.config.web.trusted_proxies);
    let ip_key = format!("ip:{client}");
    let account_key = format!("account:{email}");
    let limit = i64::from(web.app.config.web.max_login_failures.max(1));
    let mut db = web.app.store.db().await?;
    let user = db.user_by_email(&email).await?;
    // A browser that signed in to this account before is counted on its own: whatever a
    // stranger does to the account or from the office's address does not hold it up.
    let device = cookie(&headers, DEVICE_COOKIE).map(|t| token_hash(&t));
    let known_device = match (&device, &user) {
        (Some(d), Some(u)) => db.is_known_device(d, u.id).await?,
        _ => false,
    };
    let keys: Vec<(String, i64)> = match &device {
        Some(d) if known_device => vec![(format!("device:{d}"), limit)],
        _ => vec![(ip_key.clone(), limit * 4), (account_key.clone(), limit)],
    };
    // Counted before the password is checked, so parallel attempts cannot all pass.
    for (key, free) in &keys {
        let claimed = db.claim_login_attempt(key, |row| next_attempt(row, now, *free), 1).await?;
        if let Err(wait) = claimed {
            let mut resp = login_form(
                &web,
                &next,
                &email,
                Some(&format!(
                    "Too many sign-in attempts. Please wait {} and try again; an admin can also reset your password.",
                    wait_words(wait)
                )),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(resp);
        }
    }
    drop(db);
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let password_ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false);
    let user = match user {
        Some(u) if password_ok && !u.disabled => u,
        _ => {
            let mut db = web.app.store.tx().await?;
            db.audit(now, &ip_key, "login.failed", None, None, &serde_json::json!({"email": email})).await?;
            db.commit().await?;
            return Ok(login_form(
                &web,
                &next,
                &email,
                Some("That email and password do not match an active account."),
                StatusCode::UNAUTHORIZED,
            ));
        }
    };
    let token = random_token();
    let ttl = web.app.config.web.session_ttl.calendar_secs();
    let device_token = match (&device, known_device) {
        (Some(_), true) => None,
        _ => Some(random_token()),
    };
    let mut db = web.app.store.tx().await?;
    db.insert_session(&token_hash(&token), user.id, &random_token(), now, now + ttl).await?;
    for (key, _) in &keys {
        if !key.starts_with("ip:") {
            db.clear_login_attempts(key).await?;
        }
    }
    let device_hash = device_token.as_deref().map(token_hash).or(device).unwrap_or_default();
    db.remember_device(&device_hash, user.id, now).await?;
    db.audit(now, &format!("user:{}", user.email), "login", None, None, &serde_json::json!({"ip": client.to_string()}))
        .await?;
    db.commit().await?;
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, ttl, web.secure_cookies));
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0, web.secure_cookies));
    if let Some(t) = device_token {
        resp.headers_mut().append(header::SET_COOKIE, set_cookie(DEVICE_COOKIE, &t, 365 * 86_400, web.secure_cookies));
    }
    Ok(resp)
}

pub async fn logout(
    State(web): State<Web>,
    user: User,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    user.require_csrf(&form)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let mut db = web.app.store.tx().await?;
        db.delete_session(&token_hash(&token)).await?;
        db.commit().await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().insert(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, web.secure_cookies));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn next_stays_local() {
        assert_eq!(safe_next(Some("/tickets/3")), "/tickets/3");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/tickets?view=mine&q=a%20b")), "/tickets?view=mine&q=a%20b");
        // As the query decoder hands them over (%09, %0A, %5C already decoded) and as a
        // second decoding would read them.
        for bad in [
            "/\t/evil.example",
            "/\n/x",
            "/\\evil.example",
            "/\\/evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/%09/evil.example",
            "/ /x",
            "/é",
            "\\\\evil.example",
            "",
            "evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
    }

    #[test]
    fn attempts_past_the_free_ones_wait_longer_each_time_and_are_forgotten_after_a_day() {
        let mut row = ThrottleRow::default();
        let now = 1_000_000;
        for _ in 0..4 {
            row = next_attempt(row, now, 5).expect("free attempt");
            assert_eq!(row.next_at, now);
        }
        row = next_attempt(row, now, 5).expect("the fifth goes, and sets a wait");
        assert_eq!(row.next_at, now + 30);
        assert_eq!(next_attempt(row, now + 10, 5), Err(20));
        row = next_attempt(row, now + 30, 5).expect("after the wait");
        assert_eq!(row.next_at, now + 30 + 60);
        let mut t = now + 90;
        for _ in 0..20 {
            row = next_attempt(row, t, 5).expect("after each wait");
            assert!(row.next_at - t <= 15 * 60, "never more than 15 minutes");
            t = row.next_at;
        }
        let fresh = next_attempt(row, t + 86_401, 5).expect("a day later");
        assert_eq!((fresh.attempts, fresh.next_at), (1, t + 86_401));
    }

    #[test]
    fn tokens_are_random_and_compared_in_constant_time() {
        assert_ne!(random_token(), random_token());
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}

#[cfg(test)]
mod client_ip_tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_its_own_entry() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let trusted = [proxy];
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(client_ip(client, &forwarded(&["198.51.100.1"]), &trusted), client);
        // Through the proxy: the address it appended.
        assert_eq!(client_ip(proxy, &forwarded(&["203.0.113.9"]), &trusted), client);
        // A made-up address before the proxy's entry is ignored.
        assert_eq!(client_ip(proxy, &forwarded(&["1.2.3.4, 203.0.113.9"]), &trusted), client);
        assert_eq!(client_ip(proxy, &forwarded(&["1.2.3.4", "203.0.113.9"]), &trusted), client);
        // Two trusted hops.
        let inner: IpAddr = "10.0.0.6".parse().unwrap();
        assert_eq!(client_ip(inner, &forwarded(&["203.0.113.9, 10.0.0.5"]), &[proxy, inner]), client);
        // No header, or garbage: the proxy itself.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        assert_eq!(client_ip(proxy, &forwarded(&["not-an-ip"]), &trusted), proxy);
        // No proxies configured: never believed.
        assert_eq!(client_ip(proxy, &forwarded(&["203.0.113.9"]), &[]), proxy);
    }
}
