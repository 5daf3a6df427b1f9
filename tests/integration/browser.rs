//! The web UI in a real headless Chromium, driven over WebDriver (Debian's chromedriver).
//! Screenshots of each step go to target/tmp/browser/.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::web::{AGENT, TestWeb};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub fn shots_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Chrome {
    driver: Child,
    url: String,
    session: String,
    agent: ureq::Agent,
    _profile: tempfile::TempDir,
}

impl Drop for Chrome {
    fn drop(&mut self) {
        let _ = self.agent.delete(format!("{}/session/{}", self.url, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Chrome {
    fn start() -> Chrome {
        assert!(
            std::path::Path::new("/usr/bin/chromedriver").exists(),
            "Chromium and chromedriver are needed: run ./tests/run, which installs them"
        );
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let url = format!("http://127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(20), "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.path().display())]
        }}}});
        let mut resp = agent.post(format!("{url}/session")).send_json(&caps).expect("new session");
        let v: Value = resp.body_mut().read_json().unwrap();
        let session = v["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        Chrome { driver, url, session, agent, _profile: profile }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        match self.try_cmd(method, path, body) {
            Ok(v) => v,
            Err(e) => panic!("webdriver {path}: {e}"),
        }
    }

    fn try_cmd(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}/session/{}{path}", self.url, self.session);
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(&url).call(),
            (_, Some(b)) => self.agent.post(&url).send_json(&b),
            (_, None) => self.agent.post(&url).send_json(json!({})),
        }
        .expect("webdriver answers");
        let v: Value = resp.body_mut().read_json().unwrap();
        if let Some(err) = v["value"]["error"].as_str() {
            return Err(format!("{err}: {}", v["value"]["message"]));
        }
        Ok(v["value"].clone())
    }

    /// Reads an element, finding it again if a page load made it stale.
    fn read(&self, css: &str, what: &str) -> String {
        let start = Instant::now();
        loop {
            let attempt = self
                .try_cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})))
                .and_then(|v| v[ELEMENT].as_str().map(str::to_string).ok_or_else(|| "no element".to_string()))
                .and_then(|e| self.try_cmd("GET", &format!("/element/{e}/{what}"), None));
            match attempt {
                Ok(v) => return v.as_str().unwrap_or_default().to_string(),
                Err(e) if start.elapsed() > Duration::from_secs(10) => panic!("reading {css}: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Waits for the page to finish loading after a click that submits a form.
    fn settle(&self) {
        std::thread::sleep(Duration::from_millis(150));
        let start = Instant::now();
        while self
            .try_cmd("POST", "/execute/sync", Some(json!({"script": "return document.readyState;", "args": []})))
            .map(|v| v != "complete")
            .unwrap_or(true)
        {
            assert!(start.elapsed() < Duration::from_secs(10), "the page did not load");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn go(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css})));
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn count(&self, css: &str) -> usize {
        self.cmd("POST", "/elements", Some(json!({"using": "css selector", "value": css})))
            .as_array()
            .map(|a| a.len())
            .unwrap_or(0)
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/clear"), None);
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({"text": text})));
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), None);
        self.settle();
    }

    fn text(&self, css: &str) -> String {
        self.read(css, "text")
    }

    fn value(&self, css: &str) -> String {
        self.read(css, "property/value")
    }

    fn run(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    fn current_url(&self) -> String {
        self.cmd("GET", "/url", None).as_str().unwrap_or_default().to_string()
    }

    fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.cmd("GET", "/screenshot", None);
        let bytes = base64::engine::general_purpose::STANDARD.decode(png.as_str().unwrap()).unwrap();
        let path = shots_dir().join(format!("{name}.png"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn sign_in(&self, base: &str, who: (&str, &str, &str)) {
        self.go(&format!("{base}/login"));
        self.type_into("#email", who.0);
        self.type_into("#password", who.1);
        self.click("button.primary");
        let start = Instant::now();
        while self.current_url().contains("/login") {
            assert!(start.elapsed() < Duration::from_secs(10), "sign-in did not leave the login page");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A "remote" server that counts every request made to it (tracking pixels, scripts).
fn tracker() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            h.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf);
            let _ = s.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    (port, hits)
}

#[test]
fn hostile_html_in_a_customer_mail_runs_nothing_and_loads_nothing_remote() {
    let web = TestWeb::start();
    let (port, hits) = tracker();
    let remote = format!("http://127.0.0.1:{port}");
    let html = format!(
        r#"<html><head><link rel="stylesheet" href="{remote}/style.css"><style>@import url({remote}/import.css); body {{ background: url({remote}/bg.png) }}</style></head><body>
<p>Hello, my order 8080 is late.</p>
<script>window.__pwned = 'script';</script>
<img src="x" onerror="window.__pwned = 'onerror'">
<svg onload="window.__pwned = 'svg'"></svg>
<a id="js" href="javascript:window.__pwned = 'link'">click me</a>
<img src="{remote}/pixel.gif" alt="tracking pixel">
<iframe src="{remote}/frame.html"></iframe>
<object data="{remote}/object.swf"></object>
<p style="background-image: url({remote}/inline.png)">styled</p>
</body></html>"#
    );
    let raw = format!(
        "From: Jane Doe <jane@x.org>\nTo: support@example.com\nSubject: Hostile HTML\nMessage-ID: <xss1@x.org>\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nHello, my order 8080 is late.\n--b\nContent-Type: text/html; charset=utf-8\n\n{html}\n--b--\n"
    );
    let (ticket, message) = web.rt.block_on(async {
        match attune::pipeline::ingest(&web.app, &crate::helpers::raw_at(&raw, web.app.now()), "support").await.unwrap()
        {
            attune::pipeline::Ingested::Stored { ticket, key, .. } => (ticket.0, key.0),
            other => panic!("{other:?}"),
        }
    });
    let chrome = Chrome::start();
    chrome.sign_in(&web.base, AGENT);
    chrome.go(&format!("{}/tickets/{ticket}?html={message}#m{message}", web.base));
    std::thread::sleep(Duration::from_millis(800));
    chrome.screenshot("xss-1-formatted-view");
    assert!(chrome.text(".html-body").contains("my order 8080 is late"));
    assert_eq!(
        chrome.count(
            ".html-body script, .html-body iframe, .html-body object, .html-body svg, .html-body link, .html-body style"
        ),
        0
    );
    let pwned = chrome.run("return window.__pwned === undefined ? null : String(window.__pwned);");
    assert!(pwned.is_null(), "a script ran: {pwned}");
    if chrome.count("#js") > 0 {
        chrome.click("#js");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        chrome.run("return window.__pwned === undefined ? null : String(window.__pwned);").is_null(),
        "the link ran script"
    );
    let resources = chrome.run("return performance.getEntriesByType('resource').map(function (e) { return e.name; });");
    let origin = web.base.clone();
    assert!(
        resources.as_array().unwrap().iter().all(|r| r.as_str().unwrap_or("").starts_with(&origin)),
        "something remote was loaded: {resources}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0, "the tracker was contacted");
    assert!(chrome.text("body").contains("Remote images are blocked"));

    // The agent may ask for the remote images: only then is the tracker contacted, and
    // still nothing runs.
    chrome.go(&format!("{}/tickets/{ticket}?html={message}&images=1#m{message}", web.base));
    std::thread::sleep(Duration::from_millis(800));
    chrome.screenshot("xss-2-images-on-request");
    assert!(chrome.run("return window.__pwned === undefined ? null : String(window.__pwned);").is_null());
    assert!(hits.load(Ordering::SeqCst) >= 1, "the image loads when asked for");
}

#[test]
fn an_agent_fixes_a_name_edits_a_sentence_approves_and_the_audit_keeps_both() {
    let web = TestWeb::start();
    // Older: no name to be found (an opaque address, no sign-off); newer: another customer.
    let (ticket, _) = web.customer_writes(
        "jd1987@x.org",
        "b1@x.org",
        "Parcel 4711 never arrived",
        "",
        "Hello, my parcel 4711 never arrived. Could you check?",
    );
    std::thread::sleep(Duration::from_millis(1100));
    web.customer_writes(
        "Bo Chen <bo@y.org>",
        "b2@y.org",
        "Invoice INV-9",
        "",
        "Hello, invoice INV-9 is wrong.\n\nBest regards,\nBo",
    );

    let chrome = Chrome::start();
    chrome.go(&format!("{}/", web.base));
    chrome.screenshot("e2e-1-login");
    chrome.sign_in(&web.base, AGENT);
    chrome.screenshot("e2e-2-queue");
    // The oldest draft is first.
    chrome.click("tbody tr:first-child [data-row-link]");
    assert!(chrome.current_url().contains(&format!("/tickets/{ticket}")), "{}", chrome.current_url());
    assert!(chrome.value("#body").starts_with("Hello,\n"), "no name known: {}", chrome.value("#body"));
    chrome.screenshot("e2e-3-ticket");

    chrome.type_into("#name", "Jane Doe");
    chrome.click("form[action$='/name'] button");
    assert!(
        chrome.value("#body").starts_with("Hello Jane,"),
        "the draft uses the corrected name: {}",
        chrome.value("#body")
    );
    chrome.screenshot("e2e-4-name-fixed");

    let text = chrome.value("#body").replacen("\n\n", "\n\nCould you send us a photo of the parcel label?\n\n", 1);
    assert!(text.contains("photo of the parcel label"));
    chrome.type_into("#body", &text);
    chrome.click("button[value=preview]");
    assert!(chrome.text(".lint").contains("follow-up"));
    chrome.screenshot("e2e-5-checked");
    chrome.click("button[value=approve]");
    assert!(chrome.text("body").contains("Approved: the reply is on its way."));
    chrome.screenshot("e2e-6-approved");

    // The reply goes out with the edit and the corrected name.
    let outbox = web._dir.path().join("outbox");
    let sent = web
        .rt
        .block_on(attune::outbox::send_due(&web.app, &attune::outbox::Delivery::Files { dir: outbox.clone() }, "t"))
        .unwrap();
    let attune::outbox::SendOutcome::Sent { location, .. } = &sent[0] else { panic!("{sent:?}") };
    let eml = std::fs::read(location).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&eml).unwrap();
    let body = msg.body_text(0).unwrap().to_string();
    assert!(body.starts_with("Hello Jane,"), "{body}");
    assert!(body.contains("photo of the parcel label"), "{body}");
    assert!(body.contains(AGENT.2), "signed by the agent: {body}");
    assert_eq!(msg.to().unwrap().first().unwrap().address().unwrap(), "jd1987@x.org");

    // The audit log (an admin's page) shows the draft as drafted and the reply as approved.
    let chrome_admin = Chrome::start();
    chrome_admin.sign_in(&web.base, crate::web::ADMIN);
    chrome_admin.go(&format!("{}/audit?ticket={ticket}", web.base));
    let page = chrome_admin.text("table.audit");
    assert!(page.contains("draft.approved_with_edits"), "{page}");
    assert!(page.contains("contact.renamed"), "{page}");
    let details = chrome_admin.run("return Array.from(document.querySelectorAll('details pre')).map(function (p) { return p.textContent; }).join('\\n----\\n');");
    let details = details.as_str().unwrap();
    assert!(details.contains("Thank you for getting in touch"), "as drafted: {details}");
    assert!(details.contains("photo of the parcel label"), "as approved: {details}");
    chrome_admin.screenshot("e2e-7-audit");
}
