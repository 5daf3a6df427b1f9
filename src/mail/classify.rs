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
}

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
        classify(&m, &Ours { addresses: &ours, message_id_domain: "example.com", loop_token: "tok123" })
    }

    fn with(headers: &str) -> Kind {
        kind_of(&format!(
            "From: Jane <jane@example.org>\r\nTo: support@example.com\r\nSubject: Hello\r\n{headers}\r\nbody"
        ))
        .kind
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
