//! What kind of mail this is. Only human mail is ever acknowledged; the rest is stored and
//! threaded all the same. Where several kinds fit, the first of own, loop, bounce,
//! auto-reply, list, spam wins (RFC 3834, RFC 3464, RFC 2369/2919, vendor headers).

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::{EmailAddress, Kind};
use crate::mail::parse::Inbound;

/// Our loop header: every reply we send carries it, so mail that comes back with it is ours.
pub const LOOP_HEADER: &str = "X-Attune-Loop";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub kind: Kind,
    /// Why, in words an agent can read ("Auto-Submitted: auto-replied").
    pub reasons: Vec<String>,
    /// The receiving server says the sender failed DMARC: stored and flagged, never answered.
    pub dmarc_fail: bool,
}

/// Our identity as classification needs it.
pub struct Ours<'a> {
    pub addresses: &'a [EmailAddress],
    pub message_id_domain: &'a str,
    /// The value our loop header carries.
    pub loop_token: &'a str,
    /// What the admin added to the gate (`[gate]` in the config).
    pub rules: &'a GateRules,
}

/// The admin's own senders and subjects of automatic mail, compiled once.
#[derive(Clone, Debug, Default)]
pub struct GateRules {
    senders: Vec<String>,
    subjects: Vec<Regex>,
}

impl GateRules {
    /// Patterns that do not compile are left out here; `check-config` names them.
    pub fn from_config(c: &crate::config::GateConfig) -> GateRules {
        GateRules {
            senders: c.auto_senders.iter().map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()).collect(),
            subjects: crate::empathy::langdata::compile(&c.auto_subjects, false),
        }
    }

    fn matches(&self, m: &Inbound) -> Option<String> {
        let from = m.from.address.as_str().to_ascii_lowercase();
        let domain = from.rsplit_once('@').map(|(_, d)| d).unwrap_or("");
        if let Some(s) = self.senders.iter().find(|s| **s == from || s.strip_prefix("*@") == Some(domain)) {
            return Some(format!("sender matches gate.auto_senders `{s}`"));
        }
        self.subjects
            .iter()
            .find(|re| re.is_match(&m.subject))
            .map(|re| format!("subject matches gate.auto_subjects `{}`", re.as_str()))
    }
}

/// Every language's gate.toml lists, merged: the gate runs before the language is read.
struct GateLists {
    bounce_subjects: &'static [&'static str],
    bounce_body: &'static [&'static str],
    moderation: &'static [&'static str],
    challenge: &'static [&'static str],
    automated: &'static [&'static str],
    status: &'static [&'static str],
    spam: &'static [&'static str],
    unsubscribe: &'static [&'static str],
    /// A person asking whether a mail is a scam is not sending spam (situations.toml).
    asks_about_a_scam: &'static [&'static str],
}

static GATE: LazyLock<GateLists> = LazyLock::new(|| {
    use crate::empathy::langdata::{GateFile, data};
    let merged = |pick: fn(&'static GateFile) -> &'static Vec<String>| -> &'static [&'static str] {
        let mut all: Vec<&'static str> = crate::domain::Lang::ALL
            .iter()
            .flat_map(|l| pick(&data(*l).gate).iter().map(String::as_str))
            .filter(|p| !p.is_empty())
            .collect();
        all.sort_unstable();
        all.dedup();
        Box::leak(all.into_boxed_slice())
    };
    let scam: Vec<&'static str> = crate::domain::Lang::ALL
        .iter()
        .flat_map(|l| data(*l).situations.security_worry.phrases.iter().map(String::as_str))
        .collect();
    let scam: Vec<&'static str> =
        scam.into_iter().map(|p| &*Box::leak(crate::text::normalize(p).into_boxed_str())).collect();
    GateLists {
        bounce_subjects: merged(|g| &g.bounce_subjects),
        bounce_body: merged(|g| &g.bounce_body),
        moderation: merged(|g| &g.moderation),
        challenge: merged(|g| &g.challenge),
        automated: merged(|g| &g.automated),
        status: merged(|g| &g.status),
        spam: merged(|g| &g.spam),
        unsubscribe: merged(|g| &g.unsubscribe),
        asks_about_a_scam: Box::leak(scam.into_boxed_slice()),
    }
});

/// An SMTP reply with an enhanced status code ("550 5.1.1", "452-4.2.2", "#5.0.0"): only
/// mail systems write these.
static SMTP_STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b[245]\d\d[ -]#?[245]\.\d{1,3}\.\d{1,3}\b|\(#?[45]\.\d{1,3}\.\d{1,3}\)|\bSMTP error\b|\bstatus: [45]\.\d",
    )
    .expect("static regex")
});

/// A quoted header block of the returned message.
static QUOTED_HEADERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?mi)^\s*>?\s*(received: from |message-id: <|original-recipient:|final-recipient:|reporting-mta:|x-original-to:|diagnostic-code:)")
        .expect("static regex")
});

/// A person passed the mail on: whatever it quotes, they wrote this one.
static FORWARDED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*(fwd?|wg|tr|rv|i|enc|doorst|fw|weitergeleitet)\s*:").expect("static regex"));

static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?i)\bhttps?://[^\s<>"]+"#).expect("static regex"));

/// The built-in spam score at or above which mail without an upstream verdict is spam.
pub const SPAM_THRESHOLD: u32 = 4;

/// Signals in mail that carries no machine header: bounces and automatic mail by their
/// subject, sender and body shape, and a conservative spam score. None: a person wrote it.
fn shapes(m: &Inbound) -> Option<(Kind, Vec<String>)> {
    use crate::text::{any_phrase, normalize};
    let g = &*GATE;
    let forwarded = FORWARDED.is_match(&m.subject);
    let subject = normalize(&m.subject);
    // Enough of the body to see its shape, without reading a huge one whole.
    let head: String = m.text.chars().take(8000).collect();
    let body = normalize(&head);
    let system_sender = m.from.name.as_deref().is_some_and(|n| {
        let n = n.to_ascii_lowercase();
        [
            "mail delivery",
            "delivery subsystem",
            "mail system",
            "imss",
            "system administrator",
            "mailsweeper",
            "mail gateway",
            "messaging gateway",
            "exchange",
        ]
        .iter()
        .any(|w| n.contains(w))
    });

    if !forwarded && let Some(subj) = any_phrase(&subject, g.bounce_subjects) {
        let evidence = if SMTP_STATUS.is_match(&head) {
            Some("an SMTP status code in the body".to_string())
        } else if QUOTED_HEADERS.is_match(&head) {
            Some("the returned message's headers in the body".to_string())
        } else if system_sender {
            Some(format!("sender \"{}\" is a mail system", m.from.name.clone().unwrap_or_default()))
        } else {
            any_phrase(&body, g.bounce_body).map(|p| format!("the body says \"{p}\""))
        };
        if let Some(e) = evidence {
            return Some((
                Kind::Bounce,
                vec![format!("a delivery-failure notice without a DSN: subject has \"{subj}\", {e}")],
            ));
        }
    }
    if forwarded {
        return None;
    }
    if m.subject.starts_with("AUTO:") {
        return Some((Kind::AutoReply, vec![format!("Lotus/HCL Notes automatic reply (\"{}\")", m.subject)]));
    }
    if let Some(p) = any_phrase(&subject, g.moderation).or_else(|| any_phrase(&body, g.moderation)) {
        return Some((Kind::AutoReply, vec![format!("a mailing list holds a message for its moderator (\"{p}\")")]));
    }
    if URL.is_match(&head)
        && let Some(p) = any_phrase(&body, g.challenge)
    {
        return Some((
            Kind::AutoReply,
            vec![format!("a challenge-response filter asks the sender to prove they are a person (\"{p}\")")],
        ));
    }
    if HELPDESK_TOKEN.is_match(&m.subject) || TICKET_NUMBER.is_match(&m.subject) {
        let status = any_phrase(&subject, g.status).or_else(|| any_phrase(&body, g.status));
        let automated = any_phrase(&body, g.automated);
        if let (Some(st), Some(au)) = (status, automated) {
            return Some((Kind::AutoReply, vec![format!("another help desk's status mail (\"{st}\", \"{au}\")")]));
        }
    }
    spam_score(m, &subject, &head, &body).map(|reasons| (Kind::Spam, reasons))
}

/// A ticket number in a subject as other help desks write it ("#33575", "##12345##").
static TICKET_NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"#{1,2}\s*\d{3,}").expect("static regex"));

/// The built-in score for spam that came without an upstream verdict (rspamd or
/// SpamAssassin headers win when present). Conservative on purpose: a customer's mail
/// must never be silenced, so it takes several independent signs, a forwarded mail or one
/// that asks whether something is a scam is never scored, and the threshold is
/// `SPAM_THRESHOLD`. Some(reasons) when it is reached.
fn spam_score(m: &Inbound, subject: &str, head: &str, body_n: &str) -> Option<Vec<String>> {
    use crate::text::{any_phrase, normalize};
    let g = &*GATE;
    let own = crate::mail::quote::strip(head).text;
    let own_n = normalize(&own);
    if any_phrase(&own_n, g.asks_about_a_scam).is_some() {
        return None;
    }
    let mut score = 0u32;
    let mut why = Vec::new();
    let mut phrases: Vec<&str> = Vec::new();
    for hay in [subject, own_n.as_str()] {
        let mut rest: &[&str] = g.spam;
        // Distinct phrases: each found one is taken out of the list for the next look.
        while let Some(p) = any_phrase(hay, rest) {
            if !phrases.contains(&p) {
                phrases.push(p);
            }
            rest = &rest[rest.iter().position(|q| *q == p).map_or(rest.len(), |i| i + 1)..];
        }
    }
    // At most 3 points from phrases: spam takes a sign in the mail's shape as well.
    if !phrases.is_empty() {
        let points = (phrases.len() as u32 + 1).min(3);
        score += points;
        why.push(format!(
            "+{points} spam phrases ({})",
            phrases.iter().take(3).map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
        ));
    }
    let links = URL.find_iter(head).count();
    if links >= 3 {
        score += 1;
        why.push(format!("+1 {links} links"));
    }
    let letters: Vec<char> = m.subject.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 10 && letters.iter().filter(|c| c.is_uppercase()).count() * 10 >= letters.len() * 7
        || m.subject.contains("!!!")
        || m.subject.contains("$$$")
    {
        score += 1;
        why.push("+1 a shouting subject".into());
    }
    let from_domain = m.from.address.as_str().rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()).unwrap_or_default();
    if let Some(r) = &m.reply_to
        && let Some((_, d)) = r.address.as_str().rsplit_once('@')
        && !d.eq_ignore_ascii_case(&from_domain)
    {
        score += 1;
        why.push(format!("+1 Reply-To on another domain ({d})"));
    }
    if let Some(name) = &m.from.name
        && let Some(claimed) = crate::mail::parse::recover_mailbox(name)
        && claimed.address.as_str().rsplit_once('@').is_some_and(|(_, d)| !d.eq_ignore_ascii_case(&from_domain))
    {
        score += 2;
        why.push(format!("+2 the display name claims another address ({})", claimed.address));
    }
    if m.header("list-unsubscribe").is_none()
        && let Some(p) = any_phrase(body_n, g.unsubscribe)
    {
        score += 1;
        why.push(format!("+1 \"{p}\" without a List-Unsubscribe header"));
    }
    let shouted = |t: &str| {
        t.split(|c: char| !c.is_alphabetic())
            .filter(|w| w.chars().count() >= 4 && w.chars().all(char::is_uppercase))
            .count()
    };
    if shouted(&m.subject) >= 1 || shouted(head) >= 2 {
        score += 1;
        why.push("+1 words in capitals".into());
    }
    if MONEY.is_match(head) || MONEY.is_match(&m.subject) {
        score += 1;
        why.push("+1 sums of money".into());
    }
    if let Some(name) = &m.from.name
        && let Some(claimed) = DOMAIN_IN_NAME.find(name)
        && !claimed.as_str().eq_ignore_ascii_case(&from_domain)
    {
        score += 1;
        why.push(format!("+1 the sender's name claims the domain {}", claimed.as_str()));
    }
    if crate::mail::compose::is_reply_subject(&m.subject) && m.in_reply_to.is_empty() && m.references.is_empty() {
        score += 1;
        why.push("+1 a reply subject on a first mail".into());
    }
    (score >= SPAM_THRESHOLD).then(|| {
        let mut reasons =
            vec![format!("built-in spam score {score} (spam at {SPAM_THRESHOLD} or more; no upstream verdict)")];
        reasons.extend(why);
        reasons
    })
}

static MONEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[$€£]\s?\d|\d[\d.,]*\s?(€|\$|£|eur\b|usd\b|euro)").expect("static regex"));

/// A domain written in a display name ("example.com Email Administrator").
static DOMAIN_IN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|net|org|de|fr|es|it|nl|pt|br|io|co|uk)\b").expect("static regex")
});

static OUT_OF_OFFICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(?:(?:re|aw|fw|fwd|wg|tr|rv|r)\s*:\s*)*(?:\[[^\]]*\]\s*)?(automatic reply|auto[- ]?reply|autoreply|out of (the )?office|ooo\b|abwesenheitsnotiz|automatische antwort|abwesend|réponse automatique|absence du bureau|absent du bureau|respuesta automática|fuera de la oficina|risposta automatica|fuori sede|fuori ufficio|automatisch antwoord|afwezig|niet aanwezig|resposta automática|ausente do escritório|fora do escritório|vacation|on vacation|on leave|urlaub)",
    )
    .expect("static regex")
});

static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(undeliver|undelivered mail|delivery status notification|delivery failure|mail delivery failed|returned mail|failure notice|delivery has failed|could not be delivered|unzustellbar|nicht zustellbar|non remis|non distribuable|échec de la remise|no se puede entregar|no entregado|mancato recapito|impossibile recapitare|onbestelbaar|niet afgeleverd|não entregue|falha na entrega)",
    )
    .expect("static regex")
});

/// Subject tokens other help desks put on their acknowledgments.
static HELPDESK_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\[(?:#|ticket\s*#?|case\s*#?|request\s*#?|id:?\s*|sr\s*#?|inc)\s*[A-Z0-9-]{2,}\]|\(ticket\s*(?:id)?\s*:?\s*#?\d+\)|##\s*\d+\s*##|\bticket\s*#\s*\d{3,}|\bcase\s*#\s*\d{3,}|\brequest\s*#\s*\d{3,})")
        .expect("static regex")
});

const ROBOT_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "postmaster",
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "bounce",
    "bounces",
    "auto-reply",
    "autoreply",
    "autoresponder",
    "notifications",
    "notification",
    "newsletter",
    "mailer",
    "listserv",
    "majordomo",
    "daemon",
];

pub fn classify(m: &Inbound, ours: &Ours<'_>) -> Classification {
    let mut reasons: Vec<String> = Vec::new();
    let h = |name: &str| m.header(name).map(|v| v.trim().to_string());
    let from_local = m.from.address.local_part().to_ascii_lowercase();
    let from_base = m.from.address.without_tag();
    let is_ours = |a: &EmailAddress| ours.addresses.iter().any(|o| o.without_tag() == a.without_tag());

    let dmarc_fail =
        m.headers_named("authentication-results").next().is_some_and(|v| v.to_ascii_lowercase().contains("dmarc=fail"));
    if dmarc_fail {
        reasons.push("Authentication-Results: dmarc=fail".into());
    }

    // own: from one of our addresses, or one of our Message-IDs.
    if is_ours(&m.from.address) {
        return done(Kind::Own, vec![format!("From is our address {from_base}")], dmarc_fail);
    }
    if let Some(id) = &m.message_id
        && id.starts_with("attune.")
        && id.ends_with(&format!("@{}", ours.message_id_domain))
    {
        return done(Kind::Own, vec![format!("Message-ID <{id}> is one of ours")], dmarc_fail);
    }

    // loop: our loop header.
    if let Some(v) = m.header(LOOP_HEADER) {
        return done(Kind::Loop, vec![format!("{LOOP_HEADER}: {v}")], dmarc_fail);
    }
    if let Some(v) = h("x-loop")
        && ours.addresses.iter().any(|a| v.to_ascii_lowercase().contains(&a.key()))
    {
        return done(Kind::Loop, vec![format!("X-Loop: {v}")], dmarc_fail);
    }
    if v_contains(m.header("x-loop"), ours.loop_token) {
        return done(Kind::Loop, vec!["X-Loop carries our token".into()], dmarc_fail);
    }

    // bounce: delivery status reports, or a daemon saying a delivery failed.
    if m.report_type.as_deref() == Some("delivery-status") {
        reasons.push("multipart/report; report-type=delivery-status".into());
        return done(Kind::Bounce, reasons, dmarc_fail);
    }
    let daemon = matches!(from_local.as_str(), "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon")
        || m.from.name.as_deref().is_some_and(|n| {
            let n = n.to_ascii_lowercase();
            n.contains("mail delivery") || n.contains("mailer-daemon") || n.contains("postmaster")
        });
    let null_sender = m.return_path.as_deref() == Some("");
    if (daemon || null_sender) && BOUNCE_SUBJECT.is_match(&m.subject) {
        reasons.push(format!(
            "{} with subject \"{}\"",
            if daemon { "mailer daemon" } else { "null Return-Path" },
            m.subject
        ));
        return done(Kind::Bounce, reasons, dmarc_fail);
    }
    if daemon {
        reasons.push(format!("sender {} is a mail system", m.from.address));
        return done(Kind::Bounce, reasons, dmarc_fail);
    }

    // auto-reply: RFC 3834 and the vendor headers, read receipts, out-of-office subjects.
    let mut auto = Vec::new();
    if let Some(r) = ours.rules.matches(m) {
        auto.push(r);
    }
    if let Some(v) = h("auto-submitted")
        && !v.eq_ignore_ascii_case("no")
    {
        auto.push(format!("Auto-Submitted: {v}"));
    }
    for name in [
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "x-autogenerated",
        "x-ms-exchange-generated-message-source",
    ] {
        if let Some(v) = h(name) {
            auto.push(format!("{name}: {v}"));
        }
    }
    if let Some(v) = h("precedence")
        && v.eq_ignore_ascii_case("auto_reply")
    {
        auto.push(format!("Precedence: {v}"));
    }
    if m.report_type.as_deref() == Some("disposition-notification") || m.content_type == "multipart/report" {
        auto.push(format!("multipart/report ({})", m.report_type.clone().unwrap_or_else(|| "report".into())));
    }
    if OUT_OF_OFFICE.is_match(&m.subject) {
        auto.push(format!("out-of-office subject \"{}\"", m.subject));
    }
    if null_sender {
        auto.push("null Return-Path (<>)".into());
    }
    let helpdesk_token = HELPDESK_TOKEN.is_match(&m.subject);
    let bulkish = h("precedence").is_some()
        || h("x-mailer").is_some_and(|x| {
            let x = x.to_ascii_lowercase();
            [
                "zendesk",
                "freshdesk",
                "zammad",
                "freescout",
                "osticket",
                "otrs",
                "request tracker",
                "helpscout",
                "help scout",
                "jira",
                "servicenow",
                "kayako",
                "groove",
                "front",
            ]
            .iter()
            .any(|d| x.contains(d))
        });
    if helpdesk_token && (bulkish || !auto.is_empty()) {
        auto.push(format!("another help desk's acknowledgment (\"{}\")", m.subject));
    }
    if ROBOT_LOCAL_PARTS.contains(&from_local.as_str())
        && !matches!(from_local.as_str(), "newsletter" | "listserv" | "majordomo")
    {
        auto.push(format!("sender {} is a robot", m.from.address));
    }
    if !auto.is_empty() {
        reasons.extend(auto);
        return done(Kind::AutoReply, reasons, dmarc_fail);
    }

    // list: RFC 2369 / 2919 headers, bulk precedence.
    let mut list = Vec::new();
    for name in ["list-id", "list-unsubscribe", "list-post", "x-mailing-list", "list-help"] {
        if let Some(v) = h(name) {
            list.push(format!("{name}: {}", shorten(&v)));
        }
    }
    if let Some(v) = h("precedence")
        && matches!(v.to_ascii_lowercase().as_str(), "bulk" | "list" | "junk")
    {
        list.push(format!("Precedence: {v}"));
    }
    if matches!(from_local.as_str(), "newsletter" | "listserv" | "majordomo") {
        list.push(format!("sender {} sends lists", m.from.address));
    }
    if !list.is_empty() {
        reasons.extend(list);
        return done(Kind::List, reasons, dmarc_fail);
    }

    // spam: an upstream filter's verdict.
    let mut spam = Vec::new();
    if h("x-spam-flag").is_some_and(|v| v.eq_ignore_ascii_case("yes")) {
        spam.push("X-Spam-Flag: YES".to_string());
    }
    if let Some(v) = h("x-spam-status")
        && v.to_ascii_lowercase().starts_with("yes")
    {
        spam.push(format!("X-Spam-Status: {}", shorten(&v)));
    }
    if h("x-spam").is_some_and(|v| v.eq_ignore_ascii_case("yes")) {
        spam.push("X-Spam: yes".into());
    }
    if let Some(v) = h("x-rspamd-action")
        && matches!(v.to_ascii_lowercase().as_str(), "reject" | "add header" | "rewrite subject")
    {
        spam.push(format!("X-Rspamd-Action: {v}"));
    }
    if let Some(v) = h("x-ms-exchange-organization-scl")
        && v.trim().parse::<i32>().is_ok_and(|scl| scl >= 5)
    {
        spam.push(format!("X-MS-Exchange-Organization-SCL: {v}"));
    }
    if !spam.is_empty() {
        reasons.extend(spam);
        return done(Kind::Spam, reasons, dmarc_fail);
    }

    // No machine header said anything: the subject, sender and body shape still can.
    if let Some((kind, why)) = shapes(m) {
        reasons.extend(why);
        return done(kind, reasons, dmarc_fail);
    }

    reasons.push("written by a person".into());
    done(Kind::Human, reasons, dmarc_fail)
}

fn v_contains(v: Option<&str>, token: &str) -> bool {
    !token.is_empty() && v.is_some_and(|v| v.contains(token))
}

fn shorten(v: &str) -> String {
    if v.chars().count() > 80 { format!("{}…", v.chars().take(80).collect::<String>()) } else { v.to_string() }
}

fn done(kind: Kind, reasons: Vec<String>, dmarc_fail: bool) -> Classification {
    Classification { kind, reasons, dmarc_fail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse::{Parsed, parse};

    fn kind_of(raw: &str) -> Classification {
        let Parsed::Ok(m) = parse(raw.as_bytes()) else { panic!("malformed") };
        let ours = [EmailAddress::parse("support@example.com").unwrap()];
        classify(
            &m,
            &Ours {
                addresses: &ours,
                message_id_domain: "example.com",
                loop_token: "tok123",
                rules: &GateRules::default(),
            },
        )
    }

    fn with(headers: &str) -> Kind {
        kind_of(&format!(
            "From: Jane <jane@example.org>\r\nTo: support@example.com\r\nSubject: Hello\r\n{headers}\r\nbody"
        ))
        .kind
    }

    #[test]
    fn an_admin_adds_senders_and_subjects_of_automatic_mail() {
        let rules = GateRules::from_config(&crate::config::GateConfig {
            auto_senders: vec!["*@status.vendor.example".into(), "Reports@Partner.example".into()],
            auto_subjects: vec![r"^\[nightly\]".into()],
        });
        let ours = [EmailAddress::parse("support@example.com").unwrap()];
        let who = Ours { addresses: &ours, message_id_domain: "example.com", loop_token: "t", rules: &rules };
        let of = |from: &str, subject: &str| {
            let raw = format!(
                "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\n\r\nHello, the order 123 is late.\r\n\r\nJane"
            );
            let Parsed::Ok(m) = parse(raw.as_bytes()) else { panic!("malformed") };
            classify(&m, &who)
        };
        let c = of("Status <bot@status.vendor.example>", "All systems normal");
        assert_eq!(c.kind, Kind::AutoReply);
        assert!(c.reasons.iter().any(|r| r.contains("gate.auto_senders")), "{:?}", c.reasons);
        assert_eq!(of("reports@partner.example", "Weekly").kind, Kind::AutoReply);
        assert_eq!(of("Ops <ops@x.example>", "[Nightly] build 42 passed").kind, Kind::AutoReply);
        assert_eq!(of("Jane <jane@vendor.example>", "Where is my order?").kind, Kind::Human);
    }

    #[test]
    fn signals() {
        assert_eq!(with(""), Kind::Human);
        assert_eq!(with("Auto-Submitted: auto-replied\r\n"), Kind::AutoReply);
        assert_eq!(with("Auto-Submitted: no\r\n"), Kind::Human);
        assert_eq!(with("Precedence: bulk\r\n"), Kind::List);
        assert_eq!(with("Precedence: junk\r\n"), Kind::List);
        assert_eq!(with("Precedence: list\r\n"), Kind::List);
        assert_eq!(with("Precedence: auto_reply\r\n"), Kind::AutoReply);
        assert_eq!(with("X-Autoreply: yes\r\n"), Kind::AutoReply);
        assert_eq!(with("X-Autorespond: yes\r\n"), Kind::AutoReply);
        assert_eq!(with("X-Auto-Response-Suppress: All\r\n"), Kind::AutoReply);
        assert_eq!(with("List-Id: <news.example.org>\r\n"), Kind::List);
        assert_eq!(with("List-Unsubscribe: <mailto:u@example.org>\r\n"), Kind::List);
        assert_eq!(with("Return-Path: <>\r\n"), Kind::AutoReply);
        assert_eq!(with("X-Spam-Flag: YES\r\n"), Kind::Spam);
        assert_eq!(with("X-Spam-Status: Yes, score=9.1\r\n"), Kind::Spam);
        assert_eq!(with("X-Spam-Status: No, score=0.1\r\n"), Kind::Human);
        assert_eq!(with("X-Attune-Loop: tok123\r\n"), Kind::Loop);
    }

    #[test]
    fn order_of_precedence() {
        // A list mail that is also auto-submitted is an auto-reply; own beats everything.
        assert_eq!(with("List-Id: <l.example.org>\r\nAuto-Submitted: auto-generated\r\n"), Kind::AutoReply);
        let own = kind_of("From: support@example.com\r\nAuto-Submitted: auto-replied\r\nSubject: x\r\n\r\nb");
        assert_eq!(own.kind, Kind::Own);
        let lp = kind_of("From: a@b.org\r\nX-Attune-Loop: tok123\r\nX-Spam-Flag: YES\r\nSubject: x\r\n\r\nb");
        assert_eq!(lp.kind, Kind::Loop);
    }

    #[test]
    fn out_of_office_in_eight_languages() {
        for s in [
            "Automatic reply: Your order",
            "Out of Office: back Monday",
            "Abwesenheitsnotiz: Urlaub",
            "Réponse automatique : absent",
            "Respuesta automática: vacaciones",
            "Risposta automatica: fuori sede",
            "Automatisch antwoord: afwezig",
            "Resposta automática: férias",
            "RE: Automatic reply: x",
        ] {
            let c = kind_of(&format!("From: Jane <jane@example.org>\r\nSubject: {s}\r\n\r\nbody"));
            assert_eq!(c.kind, Kind::AutoReply, "{s}");
        }
    }

    #[test]
    fn bounces() {
        let c = kind_of(
            "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nsorry",
        );
        assert_eq!(c.kind, Kind::Bounce);
        let c = kind_of(
            "From: postmaster@example.org\r\nSubject: Delivery Status Notification (Failure)\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n",
        );
        assert_eq!(c.kind, Kind::Bounce);
    }

    #[test]
    fn other_help_desks_and_robots() {
        assert_eq!(with_subject("[#48213] We received your request", "Precedence: bulk\r\n"), Kind::AutoReply);
        assert_eq!(with_from("noreply@shop.example"), Kind::AutoReply);
    }

    fn with_subject(subject: &str, headers: &str) -> Kind {
        kind_of(&format!("From: Desk <desk@vendor.example>\r\nSubject: {subject}\r\n{headers}\r\nbody")).kind
    }

    fn with_from(from: &str) -> Kind {
        kind_of(&format!("From: {from}\r\nSubject: Your receipt\r\n\r\nbody")).kind
    }

    #[test]
    fn dmarc_failures_are_flagged_not_answered() {
        let c = kind_of(
            "Authentication-Results: mx.example.com; dmarc=fail (p=reject) header.from=bank.example\r\nFrom: ceo@bank.example\r\nSubject: Urgent\r\n\r\nwire money",
        );
        assert_eq!(c.kind, Kind::Human);
        assert!(c.dmarc_fail);
    }
}
