//! The outgoing reply, built with lettre: from our support address, to the customer,
//! `Re:` subject with the ticket token, our own Message-ID, In-Reply-To and References
//! so it threads, `Auto-Submitted` and our loop header when no agent approved it, plain
//! text with an HTML alternative. Names and subjects go through lettre's RFC 2047
//! encoding after CR/LF are removed, so nothing can inject a header.

use std::time::{Duration, SystemTime};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox as LettreMailbox, MultiPart, SinglePart};
use lettre::{Address, Message};
use rand::Rng;

use crate::domain::EmailAddress;
use crate::mail::classify::LOOP_HEADER;
use crate::text::single_line;

pub struct Outgoing<'a> {
    pub from_address: &'a EmailAddress,
    pub from_name: &'a str,
    pub to_address: &'a EmailAddress,
    pub to_name: Option<&'a str>,
    pub subject: &'a str,
    /// Without angle brackets.
    pub message_id: &'a str,
    pub in_reply_to: &'a str,
    pub references: &'a [String],
    pub body: &'a str,
    pub date_secs: i64,
    /// No agent approved this reply: mark it as automatic (RFC 3834).
    pub automatic: bool,
    pub loop_token: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("address `{0}` cannot be used in a header")]
    Address(String),
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// A Message-ID of our domain that classification will know as ours.
pub fn new_message_id(domain: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    let token: String = (0..20).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect();
    format!("attune.{token}@{domain}")
}

/// How mail programs mark a reply, in the languages we read.
const REPLY_PREFIXES: [&str; 13] =
    ["re:", "aw:", "antw:", "antwort:", "réf:", "rv:", "r:", "sv:", "vs:", "ref:", "res:", "re :", "réf :"];

/// The subject says it answers an earlier mail ("Re:", "AW:", "RES:").
pub fn is_reply_subject(subject: &str) -> bool {
    let s = subject.trim_start();
    REPLY_PREFIXES.iter().any(|p| crate::text::find_caseless(s, p).is_some_and(|at| at.start == 0))
}

/// "Re: <their subject without reply prefixes> [#123]".
pub fn reply_subject(original: &str, token: &str) -> String {
    let mut s = single_line(original);
    loop {
        // The prefix's length is measured in the subject itself, never in a lower-cased copy.
        let stripped = REPLY_PREFIXES
            .iter()
            .find_map(|p| crate::text::find_caseless(&s, p).filter(|at| at.start == 0))
            .map(|at| s[at.end..].trim_start().to_string());
        match stripped {
            Some(rest) => s = rest,
            None => break,
        }
    }
    let s = s.replace(token, "").trim().to_string();
    let s = if s.is_empty() { "(no subject)".to_string() } else { s };
    format!("Re: {s} {token}")
}

fn mailbox(name: Option<&str>, address: &EmailAddress) -> Result<LettreMailbox, ComposeError> {
    let addr: Address = address.as_str().parse().map_err(|_| ComposeError::Address(address.to_string()))?;
    let name = name.map(single_line).filter(|n| !n.is_empty());
    Ok(LettreMailbox::new(name, addr))
}

fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), single_line(&value))
}

/// Plain text to a small, safe HTML body.
pub fn text_to_html(text: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; font-size: 15px; line-height: 1.5; color: #1f2328;\">",
    );
    for para in text.split("\n\n") {
        let para = para.trim_matches('\n');
        if para.is_empty() {
            continue;
        }
        html.push_str("<p style=\"margin: 0 0 1em 0;\">");
        let lines: Vec<String> = para.lines().map(|l| html_escape::encode_text(l).into_owned()).collect();
        html.push_str(&lines.join("<br>"));
        html.push_str("</p>");
    }
    html.push_str("</body></html>");
    html
}

pub fn build(o: &Outgoing<'_>) -> Result<Message, ComposeError> {
    let from = mailbox(Some(o.from_name), o.from_address)?;
    let to = mailbox(o.to_name, o.to_address)?;
    let mut references: Vec<String> = o.references.iter().map(|r| format!("<{r}>")).collect();
    let parent = format!("<{}>", o.in_reply_to);
    if !references.contains(&parent) {
        references.push(parent.clone());
    }
    // Keep References within a sane header length: the first and the last ten.
    if references.len() > 11 {
        let mut kept = vec![references[0].clone()];
        kept.extend_from_slice(&references[references.len() - 10..]);
        references = kept;
    }
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(o.date_secs.max(0) as u64);
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(single_line(o.subject))
        .message_id(Some(format!("<{}>", o.message_id)))
        .in_reply_to(parent)
        .references(references.join(" "))
        .date(date)
        .user_agent(format!("attune/{}", env!("CARGO_PKG_VERSION")));
    if o.automatic {
        builder = builder
            .raw_header(raw_header("Auto-Submitted", "auto-replied".into()))
            .raw_header(raw_header(LOOP_HEADER, o.loop_token.to_string()))
            .raw_header(raw_header("Precedence", "auto_reply".into()))
            .raw_header(raw_header("X-Auto-Response-Suppress", "All".into()));
    } else {
        // Even approved replies carry the loop header: anything that echoes them back
        // to us is recognised, and no auto-responder of ours ever answers it.
        builder = builder.raw_header(raw_header(LOOP_HEADER, o.loop_token.to_string()));
    }
    let body = o.body.replace("\r\n", "\n");
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(text_to_html(&body))),
        )
        .map_err(|e| ComposeError::Build(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::parse::{Parsed, parse};

    fn sample(automatic: bool, name: &str, subject: &str) -> Vec<u8> {
        let from = EmailAddress::parse("support@example.com").unwrap();
        let to = EmailAddress::parse("jane@example.org").unwrap();
        let refs = vec!["a@example.org".to_string()];
        build(&Outgoing {
            from_address: &from,
            from_name: "Example Support",
            to_address: &to,
            to_name: Some(name),
            subject,
            message_id: "attune.abc@example.com",
            in_reply_to: "b@example.org",
            references: &refs,
            body: "Hello Jane,\n\nThanks <b>.\n\nBest,\nSam",
            date_secs: 1_795_683_600,
            automatic,
            loop_token: "tok",
        })
        .unwrap()
        .formatted()
    }

    #[test]
    fn threads_and_marks_automatic_replies() {
        let raw = sample(true, "François Dupont", "Re: Problème [#12]");
        let Parsed::Ok(m) = parse(&raw) else { panic!() };
        assert_eq!(m.message_id.as_deref(), Some("attune.abc@example.com"));
        assert_eq!(m.in_reply_to, vec!["b@example.org"]);
        assert_eq!(m.references, vec!["a@example.org", "b@example.org"]);
        assert_eq!(m.to[0].name.as_deref(), Some("François Dupont"));
        assert_eq!(m.subject, "Re: Problème [#12]");
        assert_eq!(m.header("auto-submitted"), Some("auto-replied"));
        assert_eq!(m.header("x-attune-loop"), Some("tok"));
        assert!(m.text.contains("Thanks <b>."));
        assert!(m.html.unwrap().contains("Thanks &lt;b&gt;."));
        let raw = sample(false, "Jane", "Re: x");
        let Parsed::Ok(m) = parse(&raw) else { panic!() };
        assert_eq!(m.header("auto-submitted"), None);
    }

    #[test]
    fn no_header_injection_through_name_or_subject() {
        let raw = sample(false, "Jane\r\nBcc: victim@evil.test", "Re: hi\r\nBcc: victim@evil.test");
        let text = String::from_utf8_lossy(&raw);
        assert!(!text.lines().any(|l| l.to_ascii_lowercase().starts_with("bcc:")), "{text}");
    }

    #[test]
    fn reply_subjects() {
        assert_eq!(reply_subject("Where is my order?", "[#12]"), "Re: Where is my order? [#12]");
        assert_eq!(reply_subject("RE: AW: Where is my order? [#12]", "[#12]"), "Re: Where is my order? [#12]");
        assert_eq!(reply_subject("", "[#3]"), "Re: (no subject) [#3]");
    }
}
