//! Plain data types shared by the pipeline's stages: typed ids, addresses, and the small
//! enums every stage talks in. Parsed once at the edge, trusted afterwards.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($name:ident) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                let s = s.trim().trim_start_matches('#');
                s.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map($name)
                    .ok_or_else(|| format!("`{s}` is not an id (a positive whole number)"))
            }
        }
    };
}

typed_id!(TicketId);
typed_id!(MessageKey);
typed_id!(DraftId);
typed_id!(UserId);

/// An email address, lower-cased in the domain, checked for the shape `local@domain`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(input: &str) -> Result<EmailAddress, String> {
        let s = input.trim().trim_start_matches('<').trim_end_matches('>').trim();
        if s.is_empty() {
            return Err("an email address is empty".into());
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',') {
            return Err(format!("`{s}` is not an email address (it has spaces or brackets)"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(format!("`{s}` is not an email address (no @)"));
        };
        if local.is_empty() || domain.is_empty() || !domain.contains('.') && domain != "localhost" {
            return Err(format!("`{s}` is not an email address (expected local@domain)"));
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(format!("`{s}` is not an email address (bad domain)"));
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    /// The address without a `+tag`, for comparing "the same mailbox".
    pub fn without_tag(&self) -> String {
        let local = self.local_part();
        let base = local.split_once('+').map(|(b, _)| b).unwrap_or(local);
        format!("{}@{}", base.to_lowercase(), self.domain())
    }

    /// The `+tag` of `support+123@…`, if any.
    pub fn tag(&self) -> Option<&str> {
        self.local_part().split_once('+').map(|(_, t)| t)
    }

    /// Case-insensitive comparison key (local parts are case-sensitive by the letter of
    /// RFC 5321, but no mail system this tool meets treats them so).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        EmailAddress::parse(&s)
    }
}

impl From<EmailAddress> for String {
    fn from(a: EmailAddress) -> String {
        a.0
    }
}

/// What kind of mail a message is; only `Human` mail is ever acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Human,
    AutoReply,
    Bounce,
    List,
    Spam,
    Own,
    Loop,
    Malformed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Human => "human",
            Kind::AutoReply => "auto-reply",
            Kind::Bounce => "bounce",
            Kind::List => "list",
            Kind::Spam => "spam",
            Kind::Own => "own",
            Kind::Loop => "loop",
            Kind::Malformed => "malformed",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "human" => Kind::Human,
            "auto-reply" => Kind::AutoReply,
            "bounce" => Kind::Bounce,
            "list" => Kind::List,
            "spam" => Kind::Spam,
            "own" => Kind::Own,
            "loop" => Kind::Loop,
            "malformed" => Kind::Malformed,
            _ => return None,
        })
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How formal a message is. Ordered: `Casual < Neutral < Formal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Register {
    Casual,
    Neutral,
    Formal,
}

impl Register {
    pub const ALL: [Register; 3] = [Register::Formal, Register::Neutral, Register::Casual];

    pub fn as_str(self) -> &'static str {
        match self {
            Register::Casual => "casual",
            Register::Neutral => "neutral",
            Register::Formal => "formal",
        }
    }

    pub fn parse(s: &str) -> Option<Register> {
        match s {
            "casual" => Some(Register::Casual),
            "neutral" => Some(Register::Neutral),
            "formal" => Some(Register::Formal),
            _ => None,
        }
    }

    pub fn one_step_more_formal(self) -> Register {
        match self {
            Register::Casual => Register::Neutral,
            _ => Register::Formal,
        }
    }
}

impl fmt::Display for Register {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The languages attune ships templates and word lists for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    It,
    Nl,
    Pt,
}

impl Lang {
    pub const ALL: [Lang; 7] = [Lang::En, Lang::De, Lang::Fr, Lang::Es, Lang::It, Lang::Nl, Lang::Pt];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::It => "it",
            Lang::Nl => "nl",
            Lang::Pt => "pt",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code.trim().to_ascii_lowercase())
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Which Portuguese the customer writes: read from their words and address, never from
/// the register.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PtVariant {
    /// Brazilian Portuguese (você, equipe, celular, estou analisando).
    #[default]
    #[serde(rename = "pt-BR")]
    Br,
    /// European Portuguese (o senhor, equipa, telemóvel, estou a analisar).
    #[serde(rename = "pt-PT")]
    Pt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Negative,
    Neutral,
    Positive,
}

impl Sentiment {
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
            Sentiment::Positive => "positive",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DraftStatus {
    Pending,
    Approved,
    Rejected,
    /// Claimed by a sender; its Message-ID is fixed. A crash leaves it here and the next
    /// start sends it again with the same Message-ID.
    Sending,
    Sent,
    Failed,
}

impl DraftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DraftStatus::Pending => "pending",
            DraftStatus::Approved => "approved",
            DraftStatus::Rejected => "rejected",
            DraftStatus::Sending => "sending",
            DraftStatus::Sent => "sent",
            DraftStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<DraftStatus> {
        Some(match s {
            "pending" => DraftStatus::Pending,
            "approved" => DraftStatus::Approved,
            "rejected" => DraftStatus::Rejected,
            "sending" => DraftStatus::Sending,
            "sent" => DraftStatus::Sent,
            "failed" => DraftStatus::Failed,
            _ => return None,
        })
    }
}

impl fmt::Display for DraftStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    Open,
    Resolved,
    /// Folded into another ticket when a late parent showed two were one thread.
    Merged,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<TicketStatus> {
        Some(match s {
            "open" => TicketStatus::Open,
            "resolved" => TicketStatus::Resolved,
            "merged" => TicketStatus::Merged,
            _ => return None,
        })
    }
}

/// What an acknowledgment is for; each purpose has its own templates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Purpose {
    /// The first message of a new ticket.
    AckNew,
    /// A customer's follow-up on an open ticket.
    AckFollowup,
    /// A snippet, not a reply: the apology for a late answer, used inside the others and
    /// added at send time when sending was held up past the SLA.
    Apology,
}

impl Purpose {
    pub const ALL: [Purpose; 3] = [Purpose::AckNew, Purpose::AckFollowup, Purpose::Apology];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::AckNew => "ack_new",
            Purpose::AckFollowup => "ack_followup",
            Purpose::Apology => "apology",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Snippets are parts of replies and are not linted as whole replies.
    pub fn is_reply(self) -> bool {
        !matches!(self, Purpose::Apology)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strips `<` and `>` and surrounding space from a Message-ID.
pub fn bare_message_id(id: &str) -> String {
    id.trim().trim_start_matches('<').trim_end_matches('>').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_address_parse() {
        let a = EmailAddress::parse(" <Jane.Doe+x@Example.COM> ").unwrap();
        assert_eq!(a.as_str(), "Jane.Doe+x@example.com");
        assert_eq!(a.local_part(), "Jane.Doe+x");
        assert_eq!(a.tag(), Some("x"));
        assert_eq!(a.without_tag(), "jane.doe@example.com");
        assert!(EmailAddress::parse("jane").is_err());
        assert!(EmailAddress::parse("jane@").is_err());
        assert!(EmailAddress::parse("a b@example.com").is_err());
        assert!(EmailAddress::parse("x@localhost").is_ok());
    }

    #[test]
    fn ids_parse_from_refs() {
        assert_eq!("#12".parse::<TicketId>().unwrap(), TicketId(12));
        assert!("0".parse::<TicketId>().is_err());
        assert!("abc".parse::<DraftId>().is_err());
    }

    #[test]
    fn register_order() {
        assert!(Register::Casual < Register::Neutral && Register::Neutral < Register::Formal);
        assert_eq!(Register::Casual.one_step_more_formal(), Register::Neutral);
    }
}
