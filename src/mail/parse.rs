//! Raw RFC 5322 bytes to `Inbound`: addresses, names, ids, dates, text, attachments, the
//! headers classification reads, and delivery-report details. Anything that cannot be
//! parsed, or has no usable sender, comes back as `Malformed` with the reason, so the
//! caller can quarantine the raw bytes.

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{EmailAddress, bare_message_id};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: EmailAddress,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentInfo {
    pub filename: String,
    pub content_type: String,
    pub size: usize,
}

/// What a delivery status notification says about the message it reports on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// The Message-ID of the message that bounced (from the returned headers).
    pub original_message_id: Option<String>,
    pub action: Option<String>,
    pub status: Option<String>,
    pub diagnostic: Option<String>,
    pub recipient: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbound {
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub from: Mailbox,
    pub sender: Option<Mailbox>,
    pub reply_to: Option<Mailbox>,
    pub to: Vec<Mailbox>,
    pub cc: Vec<Mailbox>,
    /// Envelope recipients the delivering server recorded (Delivered-To, X-Original-To).
    pub delivered_to: Vec<EmailAddress>,
    pub subject: String,
    /// Date header, unix seconds.
    pub date: Option<i64>,
    /// The newest Received header's date, unix seconds.
    pub newest_received: Option<i64>,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<AttachmentInfo>,
    /// Header names lower-cased, values unfolded and trimmed, in order.
    pub headers: Vec<(String, String)>,
    /// "multipart/report", "text/plain", …
    pub content_type: String,
    /// The `report-type` of a multipart/report.
    pub report_type: Option<String>,
    pub delivery_report: Option<DeliveryReport>,
    /// Return-Path as given; `Some("")` for the null sender `<>`.
    pub return_path: Option<String>,
}

impl Inbound {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_ascii_lowercase();
        self.headers.iter().filter(move |(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// Every Message-ID this message has or mentions.
    pub fn thread_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = Vec::new();
        for id in self.message_id.iter().chain(self.in_reply_to.iter()).chain(self.references.iter()) {
            if !id.is_empty() && !ids.contains(id) {
                ids.push(id.clone());
            }
        }
        ids
    }

    /// Where a reply goes: Reply-To over From.
    pub fn reply_target(&self) -> &Mailbox {
        self.reply_to.as_ref().unwrap_or(&self.from)
    }
}

#[derive(Debug)]
pub enum Parsed {
    Ok(Box<Inbound>),
    Malformed { reason: String, message_id: Option<String> },
}

/// Headers the route adds; they are left out of the duplicate hash so one mail delivered
/// twice, or to two of our addresses, is one message.
const ROUTE_HEADERS: [&str; 8] = [
    "received",
    "delivered-to",
    "return-path",
    "x-original-to",
    "x-delivered-to",
    "envelope-to",
    "x-envelope-to",
    "x-rcpt-to",
];

/// SHA-256 of the message without its route headers, with line endings made uniform
/// (Maildir files have LF, IMAP gives CRLF).
pub fn content_hash(raw: &[u8]) -> String {
    let mut hasher = Sha256::new();
    let (head, body) = split_head_body(raw);
    let mut skipping = false;
    for line in head.split(|b| *b == b'\n') {
        let line = strip_cr(line);
        if line.is_empty() {
            continue;
        }
        let continuation = line[0] == b' ' || line[0] == b'\t';
        if !continuation {
            let name_end = line.iter().position(|b| *b == b':').unwrap_or(line.len());
            let name = String::from_utf8_lossy(&line[..name_end]).trim().to_ascii_lowercase();
            skipping = ROUTE_HEADERS.contains(&name.as_str());
        }
        if !skipping {
            hasher.update(line);
            hasher.update(b"\n");
        }
    }
    hasher.update(b"\n");
    for line in body.split(|b| *b == b'\n') {
        hasher.update(strip_cr(line));
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn split_head_body(raw: &[u8]) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\n' {
            let rest = &raw[i + 1..];
            if rest.starts_with(b"\n") {
                return (&raw[..i], &raw[i + 2..]);
            }
            if rest.starts_with(b"\r\n") {
                return (&raw[..i], &raw[i + 3..]);
            }
        }
        i += 1;
    }
    (raw, &[])
}

/// The key under which a message is stored once: Message-ID plus the content hash.
pub fn dedupe_key(message_id: Option<&str>, raw: &[u8]) -> String {
    format!("{}|{}", message_id.unwrap_or(""), content_hash(raw))
}

/// The Message-ID straight from the raw headers, for messages that fail to parse.
pub fn sniff_message_id(raw: &[u8]) -> Option<String> {
    let (head, _) = split_head_body(raw);
    let text = String::from_utf8_lossy(head);
    for line in text.lines() {
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("message-id")
        {
            let id = bare_message_id(value);
            if !id.is_empty() {
                return Some(id);
            }
        }
    }
    None
}

fn mailboxes(addr: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(addr) = addr else { return vec![] };
    addr.iter()
        .filter_map(|a| {
            let Some(address) = a.address().and_then(|s| EmailAddress::parse(s).ok()) else {
                // `=?utf-8?q?Hans_M=C3=BCller_=3Chans=40example.org=3E?=`: one encoded word
                // that holds name and address, which the parser hands back as a name only.
                return a.name().and_then(recover_mailbox);
            };
            let name = a
                .name()
                .map(crate::text::single_line)
                .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(address.as_str()));
            Some(Mailbox { name, address })
        })
        .collect()
}

/// A mailbox read out of text that should have been structured: `Name <addr>`, or a bare
/// address among other words. None when no part of it is an address.
pub fn recover_mailbox(text: &str) -> Option<Mailbox> {
    let text = crate::text::single_line(text);
    let clean_name = |n: &str| {
        let n = n.trim().trim_matches(|c: char| c == '"' || c == '\'' || c == ',' || c.is_whitespace());
        (!n.is_empty()).then(|| n.to_string())
    };
    if let Some(open) = text.rfind('<')
        && let Some(len) = text[open..].find('>')
        && let Ok(address) = EmailAddress::parse(text[open + 1..open + len].trim())
    {
        return Some(Mailbox { name: clean_name(&text[..open]), address });
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let trim = |w: &str| w.trim_matches(|c: char| "<>()[]\"',;:".contains(c)).to_string();
    let at = words.iter().position(|w| trim(w).contains('@') && EmailAddress::parse(&trim(w)).is_ok())?;
    let address = EmailAddress::parse(&trim(words[at])).ok()?;
    let rest: Vec<&str> = words.iter().enumerate().filter(|(i, _)| *i != at).map(|(_, w)| *w).collect();
    Some(Mailbox { name: clean_name(&rest.join(" ")), address })
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![bare_message_id(t)],
        HeaderValue::TextList(l) => l.iter().map(|t| bare_message_id(t)).collect(),
        _ => vec![],
    }
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect()
}

fn unfold(value: &str) -> String {
    value.split(['\r', '\n']).map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ")
}

pub fn parse(raw: &[u8]) -> Parsed {
    // NUL has no place in a message's text (RFC 5322 forbids it) and PostgreSQL's TEXT
    // cannot hold it; the raw bytes are kept as they came, the reading goes without it.
    let without_nul: Vec<u8>;
    let raw = if raw.contains(&0) {
        without_nul = raw.iter().copied().filter(|b| *b != 0).collect();
        &without_nul[..]
    } else {
        raw
    };
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Parsed::Malformed { reason: "the message is empty".into(), message_id: None };
    }
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Parsed::Malformed { reason: "cannot be parsed as a message".into(), message_id: sniff_message_id(raw) };
    };
    if msg.headers().is_empty() {
        return Parsed::Malformed {
            reason: "cannot be parsed as a message: no header section".into(),
            message_id: None,
        };
    }
    let message_id = msg.message_id().map(bare_message_id).filter(|s| !s.is_empty());

    let from = mailboxes(msg.from()).into_iter().next();
    let sender = mailboxes(msg.sender()).into_iter().next();
    // Whatever else is wrong with it, a From that holds an address somewhere is a person
    // we can answer.
    let recovered = || msg.header_raw("From").map(unfold).and_then(|f| recover_mailbox(&f));
    let Some(from) = from.or_else(|| sender.clone()).or_else(recovered) else {
        let raw_from = msg.header_raw("From").map(unfold);
        return Parsed::Malformed {
            reason: match raw_from {
                Some(f) if !f.is_empty() => {
                    format!("no usable sender: From `{}` is not an address", crate::text::single_line(&f))
                }
                _ => "no usable sender: the message has no From header".into(),
            },
            message_id,
        };
    };

    let headers: Vec<(String, String)> = msg.headers_raw().map(|(n, v)| (n.to_ascii_lowercase(), unfold(v))).collect();

    let delivered_to = headers
        .iter()
        .filter(|(n, _)| n == "delivered-to" || n == "x-original-to")
        .filter_map(|(_, v)| EmailAddress::parse(v).ok())
        .collect();

    let return_path = headers
        .iter()
        .find(|(n, _)| n == "return-path")
        .map(|(_, v)| v.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string());

    let newest_received = msg.received().and_then(|r| r.date.as_ref()).map(|d| d.to_timestamp()).or_else(|| {
        // The parser keeps only well-formed Received headers structured; take the date
        // after the last ';' of the first one otherwise.
        headers
            .iter()
            .find(|(n, _)| n == "received")
            .and_then(|(_, v)| v.rsplit_once(';'))
            .and_then(|(_, d)| mail_parser::DateTime::parse_rfc822(d.trim()))
            .map(|d| d.to_timestamp())
    });

    let (content_type, report_type) = match msg.content_type() {
        Some(ct) => (
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")).to_ascii_lowercase(),
            ct.attribute("report-type").map(|s| s.to_ascii_lowercase()),
        ),
        None => ("text/plain".into(), None),
    };

    // A decoded part (base64, quoted-printable) can still carry NUL.
    let text = msg.body_text(0).map(|t| crate::text::without_nul(t.into_owned())).unwrap_or_default();
    let html = msg
        .body_html(0)
        .map(|t| crate::text::without_nul(t.into_owned()))
        .filter(|_| msg.html_body_count() > 0 && msg.html_bodies().any(|p| p.is_text_html()));

    let attachments = msg
        .attachments()
        .map(|p| AttachmentInfo {
            filename: p.attachment_name().map(crate::text::single_line).unwrap_or_else(|| "attachment".into()),
            content_type: p
                .content_type()
                .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("octet-stream")))
                .unwrap_or_else(|| "application/octet-stream".into()),
            size: p.len(),
        })
        .collect();

    let delivery_report = if content_type == "multipart/report" || report_type.is_some() {
        Some(read_delivery_report(&msg))
    } else {
        None
    };

    Parsed::Ok(Box::new(Inbound {
        message_id,
        in_reply_to: id_list(msg.in_reply_to()),
        references: id_list(msg.references()),
        from,
        sender,
        reply_to: mailboxes(msg.reply_to()).into_iter().next(),
        to: mailboxes(msg.to()),
        cc: mailboxes(msg.cc()),
        delivered_to,
        subject: msg.subject().map(crate::text::single_line).unwrap_or_default(),
        date: msg.date().map(|d| d.to_timestamp()),
        newest_received,
        text,
        html,
        attachments,
        headers,
        content_type,
        report_type,
        delivery_report,
        return_path,
    }))
}

fn read_delivery_report(msg: &mail_parser::Message<'_>) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    for part in msg.parts.iter() {
        let ct = part
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_ascii_lowercase())
            .unwrap_or_default();
        match ct.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                let body = crate::text::without_nul(String::from_utf8_lossy(part.contents()).into_owned());
                for line in body.lines() {
                    let Some((k, v)) = line.split_once(':') else {
                        continue;
                    };
                    let v = v.trim().to_string();
                    match k.trim().to_ascii_lowercase().as_str() {
                        "action" if report.action.is_none() => report.action = Some(v),
                        "status" if report.status.is_none() => report.status = Some(v),
                        "diagnostic-code" if report.diagnostic.is_none() => report.diagnostic = Some(v),
                        "final-recipient" | "original-recipient" if report.recipient.is_none() => {
                            report.recipient = Some(v.rsplit(';').next().unwrap_or(&v).trim().to_string())
                        }
                        _ => {}
                    }
                }
            }
            "text/rfc822-headers" | "message/rfc822" | "message/global" | "message/global-headers"
                if report.original_message_id.is_none() =>
            {
                report.original_message_id = match &part.body {
                    PartType::Message(m) => m.message_id().map(bare_message_id),
                    _ => sniff_message_id(part.contents()),
                };
            }
            _ => {}
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIMPLE: &[u8] = b"Return-Path: <jane@example.org>\r\nReceived: from mx by us; Thu, 26 Nov 2026 09:00:00 +0000\r\nFrom: =?ISO-8859-1?Q?Fran=E7ois_Dupont?= <francois@example.org>\r\nTo: support@example.com\r\nSubject: =?UTF-8?Q?Probl=C3=A8me?=\r\nMessage-ID: <abc@example.org>\r\nIn-Reply-To: <x1@example.com>\r\nReferences: <x0@example.com> <x1@example.com>\r\nDate: Thu, 26 Nov 2026 08:59:00 +0000\r\n\r\nBonjour\r\n";

    #[test]
    fn parses_the_essentials() {
        let Parsed::Ok(m) = parse(SIMPLE) else { panic!("malformed") };
        assert_eq!(m.from.name.as_deref(), Some("François Dupont"));
        assert_eq!(m.from.address.as_str(), "francois@example.org");
        assert_eq!(m.subject, "Problème");
        assert_eq!(m.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(m.in_reply_to, vec!["x1@example.com"]);
        assert_eq!(m.references, vec!["x0@example.com", "x1@example.com"]);
        assert_eq!(m.return_path.as_deref(), Some("jane@example.org"));
        assert_eq!(m.newest_received, Some(1_795_683_600));
        assert!(m.text.starts_with("Bonjour"));
        assert_eq!(m.thread_ids(), vec!["abc@example.org", "x1@example.com", "x0@example.com"]);
    }

    #[test]
    fn route_headers_and_line_endings_do_not_change_the_hash() {
        let lf: Vec<u8> = String::from_utf8_lossy(SIMPLE).replace("\r\n", "\n").into_bytes();
        assert_eq!(content_hash(SIMPLE), content_hash(&lf));
        let mut relayed =
            b"Delivered-To: sales@example.com\r\nReceived: from elsewhere; Thu, 26 Nov 2026 09:01:00 +0000\r\n"
                .to_vec();
        relayed.extend_from_slice(SIMPLE);
        assert_eq!(content_hash(SIMPLE), content_hash(&relayed));
        let changed = String::from_utf8_lossy(SIMPLE).replace("Bonjour", "Bonsoir");
        assert_ne!(content_hash(SIMPLE), content_hash(changed.as_bytes()));
    }

    #[test]
    fn a_sender_in_one_encoded_word_is_read_as_name_and_address() {
        for header in [
            "From: =?utf-8?q?Hans_M=C3=BCller_=3Chans=40example.org=3E?=",
            "From: =?UTF-8?B?SGFucyBNw7xsbGVyIDxoYW5zQGV4YW1wbGUub3JnPg==?=",
            "From: Hans Müller hans@example.org",
        ] {
            let raw = format!(
                "{header}\r\nTo: help@x.test\r\nReply-To: =?utf-8?q?Hans_=3Chans=40example.org=3E?=\r\nSubject: hi\r\nMessage-ID: <e@x>\r\n\r\nHallo\r\n"
            );
            let Parsed::Ok(m) = parse(raw.as_bytes()) else { panic!("not read: {header}") };
            assert_eq!(m.from.address.as_str(), "hans@example.org", "{header}");
            assert_eq!(m.from.name.as_deref(), Some("Hans Müller"), "{header}");
            assert_eq!(m.reply_to.as_ref().map(|r| r.address.as_str()), Some("hans@example.org"), "{header}");
        }
    }

    #[test]
    fn malformed_mail_says_why() {
        assert!(matches!(parse(b""), Parsed::Malformed { .. }));
        match parse(b"Subject: hi\r\nMessage-ID: <m@x>\r\n\r\nno sender") {
            Parsed::Malformed { reason, message_id } => {
                assert!(reason.contains("no usable sender"), "{reason}");
                assert_eq!(message_id.as_deref(), Some("m@x"));
            }
            Parsed::Ok(_) => panic!("should be malformed"),
        }
        match parse(b"From: not an address\r\n\r\nbody") {
            Parsed::Malformed { reason, .. } => {
                assert!(reason.contains("not an address"), "{reason}")
            }
            Parsed::Ok(_) => panic!("should be malformed"),
        }
        // Binary junk never panics.
        let junk: Vec<u8> = (0..2000u32).map(|i| (i * 7919 % 256) as u8).collect();
        let _ = parse(&junk);
    }

    #[test]
    fn header_injection_through_names_is_flattened() {
        let raw = b"From: \"Jane\r\n Bcc: x@evil.test\" <jane@example.org>\r\nSubject: a\r\n b\r\n\r\nhi";
        let Parsed::Ok(m) = parse(raw) else { panic!() };
        assert!(!m.from.name.unwrap_or_default().contains('\n'));
        assert_eq!(m.subject, "a b");
    }
}
