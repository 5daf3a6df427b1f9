//! Typed configuration: TOML file (or the embedded defaults), then `ATTUNE_SECTION__KEY`
//! environment overrides, then validation. Every error names the key, where the value
//! came from (file and line, or the environment variable) and the reason.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::{EmailAddress, Lang, Register};

/// A secret read from config: never printed.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// "30m", "4h", "1d", "90s". What a day means (calendar or business) is the caller's
/// business: `sla.*` counts business days, the rest count calendar days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DurationSpec {
    pub amount: i64,
    pub unit: DurationUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl DurationSpec {
    pub fn parse(s: &str) -> Result<DurationSpec, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let amount: i64 = num.parse().map_err(|_| {
            format!("`{s}` is not a duration (expected a number and a unit, like \"30m\", \"4h\" or \"1d\")")
        })?;
        let unit = match unit.trim() {
            "s" => DurationUnit::Seconds,
            "m" | "min" => DurationUnit::Minutes,
            "h" => DurationUnit::Hours,
            "d" => DurationUnit::Days,
            other => {
                return Err(format!(
                    "`{s}`: unknown unit `{other}` (use s, m, h or d, like \"30m\", \"4h\" or \"1d\")"
                ));
            }
        };
        if amount <= 0 {
            return Err(format!("`{s}` must be more than zero"));
        }
        Ok(DurationSpec { amount, unit })
    }

    /// Calendar seconds (a day is 24 hours).
    pub fn calendar_secs(&self) -> i64 {
        self.amount
            * match self.unit {
                DurationUnit::Seconds => 1,
                DurationUnit::Minutes => 60,
                DurationUnit::Hours => 3600,
                DurationUnit::Days => 86_400,
            }
    }
}

impl TryFrom<String> for DurationSpec {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        DurationSpec::parse(&s)
    }
}

impl fmt::Display for DurationSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            DurationUnit::Seconds => "s",
            DurationUnit::Minutes => "m",
            DurationUnit::Hours => "h",
            DurationUnit::Days => "d",
        };
        write!(f, "{}{}", self.amount, u)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SupportConfig {
    /// The address customers write to and replies come from.
    pub address: EmailAddress,
    /// The team's name: the display name on replies and the sign-off when no agent signs.
    pub name: String,
    /// Other addresses that deliver to the same mailbox (mail from them is our own).
    pub aliases: Vec<EmailAddress>,
    /// The language of a reply when the customer's cannot be told reliably.
    pub default_language: Lang,
    /// The domain of our Message-IDs (default: the support address's domain).
    pub message_id_domain: Option<String>,
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            address: EmailAddress::parse("support@example.com").expect("valid literal"),
            name: "Example Support".into(),
            aliases: vec![],
            default_language: Lang::En,
            message_id_domain: None,
        }
    }
}

impl SupportConfig {
    pub fn message_id_domain(&self) -> String {
        self.message_id_domain.clone().unwrap_or_else(|| self.address.domain().to_string())
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite:PATH` (relative paths resolve against the config file's folder) or
    /// `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig { url: "sqlite:data/attune.db".into(), max_connections: 8 }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboxConfig {
    /// Where replies are written as .eml files when no `[smtp]` is configured.
    pub dir: PathBuf,
    /// Transient failures are retried this many times in all, then the draft is failed.
    pub max_attempts: u32,
    /// The first retry waits this long; each next one twice as long (with jitter).
    pub retry_base: DurationSpec,
    /// How often the daemon's outbox loop looks for approved replies.
    pub poll_interval: DurationSpec,
    /// A reply being sent is claimed by one instance for this long; if that instance dies
    /// mid-send, another takes the reply over after it (with the same Message-ID).
    pub claim: DurationSpec,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            dir: PathBuf::from("data/outbox"),
            max_attempts: 6,
            retry_base: DurationSpec::parse("30s").expect("literal"),
            poll_interval: DurationSpec::parse("2s").expect("literal"),
            claim: DurationSpec::parse("5m").expect("literal"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaConfig {
    /// How long a customer may wait for the first answer, in business time ("1d" is one
    /// business day: the working hours of one day).
    pub first_response: DurationSpec,
    /// When an acknowledgment promises the next update ("within one business day").
    pub next_update: DurationSpec,
    /// What the reply promises when the customer's business is down or they are in a hurry:
    /// calendar time, not business time ("within two hours").
    pub urgent_update: DurationSpec,
}

impl Default for SlaConfig {
    fn default() -> Self {
        SlaConfig {
            first_response: DurationSpec::parse("4h").expect("literal"),
            next_update: DurationSpec::parse("1d").expect("literal"),
            urgent_update: DurationSpec::parse("2h").expect("literal"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHoursConfig {
    /// IANA time zone, like "Europe/Berlin".
    pub timezone: String,
    #[serde(default = "default_days")]
    pub days: Vec<String>,
    #[serde(default = "default_start")]
    pub start: String,
    #[serde(default = "default_end")]
    pub end: String,
    #[serde(default)]
    pub holidays: Vec<String>,
}

fn default_days() -> Vec<String> {
    ["mon", "tue", "wed", "thu", "fri"].iter().map(|s| s.to_string()).collect()
}
fn default_start() -> String {
    "09:00".into()
}
fn default_end() -> String {
    "17:00".into()
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AckConfig {
    /// A follow-up is acknowledged only when nothing went out to the customer this long.
    pub quiet_period: DurationSpec,
    pub per_sender_per_hour: u32,
    pub per_sender_per_day: u32,
}

impl Default for AckConfig {
    fn default() -> Self {
        AckConfig {
            quiet_period: DurationSpec::parse("24h").expect("literal"),
            per_sender_per_hour: 3,
            per_sender_per_day: 10,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThreadingConfig {
    /// The ticket token in subjects is `[` + prefix + number + `]`, like `[#123]`.
    pub token_prefix: String,
    /// When set, tokens carry a short keyed hash (`[#123-k4f2q]`) so they cannot be
    /// guessed; tokens without a valid hash are then ignored.
    pub token_secret: Option<Secret>,
    /// A reply to a resolved ticket reopens it within this window; later it opens a new
    /// ticket linked to the old one.
    pub reopen_window: DurationSpec,
}

impl Default for ThreadingConfig {
    fn default() -> Self {
        ThreadingConfig {
            token_prefix: "#".into(),
            token_secret: None,
            reopen_window: DurationSpec::parse("30d").expect("literal"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceConfig {
    /// The most formal register replies may take.
    pub most_formal: Register,
    /// The most casual register replies may take.
    pub most_casual: Register,
    /// Answer one step more formally than the customer wrote.
    pub step_up: bool,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        VoiceConfig { most_formal: Register::Formal, most_casual: Register::Casual, step_up: false }
    }
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DraftingConfig {
    /// Product names to recognise in customers' mail, so a reply can name theirs.
    pub products: Vec<String>,
}

/// How a connection to a mail server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plain connection upgraded with STARTTLS (IMAP 143, submission 587).
    Starttls,
    /// No encryption: refused unless the host is loopback or `allow_insecure = true`.
    None,
}

/// How to log in. XOAUTH2 fits here later (with a token source beside the password).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// IMAP LOGIN / SMTP AUTH LOGIN or PLAIN, whichever the server offers.
    #[default]
    Password,
}

/// What happens on the server to a message once it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum AfterIngest {
    /// Leave the server as it was (the default).
    Keep,
    /// Set \\Seen.
    Seen,
    /// Move to another folder (MOVE, else COPY + \\Deleted + UID EXPUNGE of just that message).
    Move(String),
}

impl TryFrom<String> for AfterIngest {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "keep" => Ok(AfterIngest::Keep),
            "seen" => Ok(AfterIngest::Seen),
            other => match other.strip_prefix("move:") {
                Some(f) if !f.trim().is_empty() => Ok(AfterIngest::Move(f.trim().to_string())),
                _ => Err(format!("`{s}` is not keep, seen or move:FOLDER")),
            },
        }
    }
}

/// A password given inline, by environment variable or in a file: exactly one of them.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordSource {
    pub password: Option<Secret>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
}

impl PasswordSource {
    fn count(&self) -> usize {
        usize::from(self.password.is_some())
            + usize::from(self.password_env.is_some())
            + usize::from(self.password_file.is_some())
    }

    /// The password, read now (an environment variable or file may change between runs).
    pub fn resolve(&self) -> Result<Option<Secret>, String> {
        if let Some(p) = &self.password {
            return Ok(Some(p.clone()));
        }
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
                _ => Err(format!("the environment variable {var} (password_env) is not set")),
            };
        }
        if let Some(file) = &self.password_file {
            return std::fs::read_to_string(file)
                .map(|s| Some(Secret::new(s.trim_end_matches(['\r', '\n']).to_string())))
                .map_err(|e| format!("cannot read password_file {}: {e}", file.display()));
        }
        Ok(None)
    }
}

fn default_folder() -> String {
    "INBOX".into()
}
fn default_after_ingest() -> AfterIngest {
    AfterIngest::Keep
}
fn default_true() -> bool {
    true
}
fn default_poll() -> DurationSpec {
    DurationSpec::parse("60s").expect("literal")
}
fn default_batch() -> u32 {
    200
}
fn default_connect_timeout() -> DurationSpec {
    DurationSpec::parse("30s").expect("literal")
}
fn default_command_timeout() -> DurationSpec {
    DurationSpec::parse("2m").expect("literal")
}
fn default_idle_renew() -> DurationSpec {
    DurationSpec::parse("25m").expect("literal")
}
fn default_lease() -> DurationSpec {
    DurationSpec::parse("30s").expect("literal")
}

/// One IMAP mailbox (folder) to watch.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxConfig {
    /// The mailbox's name in attune (status, logs, tickets).
    pub name: String,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// Allow `tls = "none"` to a host that is not loopback.
    #[serde(default)]
    pub allow_insecure: bool,
    pub username: String,
    #[serde(flatten)]
    pub password: PasswordSource,
    #[serde(default)]
    pub auth: AuthMethod,
    #[serde(default = "default_folder")]
    pub folder: String,
    #[serde(default = "default_after_ingest")]
    pub after_ingest: AfterIngest,
    /// Trust this CA (PEM) for the server's certificate, besides the public roots.
    pub ca_file: Option<PathBuf>,
    /// Replies to this mailbox's mail come from this address (default: support.address).
    pub address: Option<EmailAddress>,
    /// …with this display name (default: support.name).
    pub display_name: Option<String>,
    /// Use IDLE when the server offers it; else poll every `poll_interval`.
    #[serde(default = "default_true")]
    pub idle: bool,
    #[serde(default = "default_poll")]
    pub poll_interval: DurationSpec,
    /// IDLE is renewed before this (servers drop it after 30 minutes).
    #[serde(default = "default_idle_renew")]
    pub idle_renew: DurationSpec,
    /// Messages fetched per round trip.
    #[serde(default = "default_batch")]
    pub batch_size: u32,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout: DurationSpec,
    /// Every IMAP command after login (SELECT, SEARCH, a batch's FETCH, STORE, MOVE,
    /// EXPUNGE, the APPEND of a Sent copy) must be answered within this; a server that
    /// stops answering is dropped and reconnected with backoff.
    #[serde(default = "default_command_timeout")]
    pub command_timeout: DurationSpec,
    /// With several instances on one database, one syncs this mailbox at a time under a
    /// lease renewed every third of this; a dead instance's lease is taken over after it.
    #[serde(default = "default_lease")]
    pub lease: DurationSpec,
    /// A folder where the team's own replies land (their mail program's Sent): read too,
    /// so those replies thread as ours and stop the SLA clock.
    pub sent_folder: Option<String>,
    /// Append a copy of every reply attune sends to this folder.
    pub save_sent: Option<String>,
}

fn default_smtp_timeout() -> DurationSpec {
    DurationSpec::parse("60s").expect("literal")
}

/// Where approved replies are sent. Without it they are written to `outbox.dir`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    #[serde(default)]
    pub allow_insecure: bool,
    pub username: Option<String>,
    #[serde(flatten)]
    pub password: PasswordSource,
    pub ca_file: Option<PathBuf>,
    /// Every send is bounded by this (lettre's own timeout covers only connecting).
    #[serde(default = "default_smtp_timeout")]
    pub timeout: DurationSpec,
    /// The name we give in EHLO (default: the machine's host name).
    pub helo_name: Option<String>,
}

fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_session_ttl() -> DurationSpec {
    DurationSpec::parse("12h").expect("literal")
}

fn default_header_read_timeout() -> DurationSpec {
    DurationSpec::parse("10s").expect("literal")
}
fn default_max_connections() -> u32 {
    512
}

/// A size in bytes, written "50MB", "512 KB", "1GB" or a plain number of bytes (KB, MB
/// and GB are powers of 1,000, as mail servers state their limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "toml::Value")]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: u64 = num.parse().map_err(|_| format!("`{s}` is not a size (like \"50MB\" or \"512KB\")"))?;
        let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 1,
            "KB" | "K" => 1_000,
            "MB" | "M" => 1_000_000,
            "GB" | "G" => 1_000_000_000,
            other => return Err(format!("`{s}`: unknown unit `{other}` (use B, KB, MB or GB)")),
        };
        match n.checked_mul(factor) {
            Some(0) => Err(format!("`{s}` must be more than zero")),
            Some(v) => Ok(ByteSize(v)),
            None => Err(format!("`{s}` is too large")),
        }
    }
}

impl TryFrom<toml::Value> for ByteSize {
    type Error = String;
    fn try_from(v: toml::Value) -> Result<Self, String> {
        match v {
            toml::Value::String(s) => ByteSize::parse(&s),
            toml::Value::Integer(i) if i > 0 => Ok(ByteSize(i as u64)),
            other => Err(format!("`{other}` is not a size (like \"50MB\")")),
        }
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        if b >= 1_000_000_000 && b % 1_000_000_000 == 0 {
            write!(f, "{}GB", b / 1_000_000_000)
        } else if b >= 1_000_000 && b % 1_000_000 == 0 {
            write!(f, "{}MB", b / 1_000_000)
        } else if b >= 1_000 && b % 1_000 == 0 {
            write!(f, "{}KB", b / 1_000)
        } else {
            write!(f, "{b} bytes")
        }
    }
}

/// What intake reads.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IntakeConfig {
    /// A larger message is stored with its headers and size only, flagged `too-large`,
    /// left on the server (or in the file) and shown to agents, so one huge mail can
    /// neither exhaust memory nor be skipped in silence.
    pub max_message_size: ByteSize,
}

impl Default for IntakeConfig {
    fn default() -> Self {
        IntakeConfig { max_message_size: ByteSize(50_000_000) }
    }
}

/// What an admin adds to the gate: senders and subjects of automatic mail the gate does
/// not know (another team's status notices, a vendor's reports). Matching mail is stored
/// and threaded as an auto-reply, never acknowledged.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// Addresses, or `*@domain` for a whole domain (case does not matter).
    pub auto_senders: Vec<String>,
    /// Regular expressions over the subject (case-insensitive).
    pub auto_subjects: Vec<String>,
}

/// The web UI and API that `attune run` serves.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address and port to listen on; "" turns the web server off.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// How long a login lasts without use.
    #[serde(default = "default_session_ttl")]
    pub session_ttl: DurationSpec,
    /// Mark session cookies Secure. Browsers keep Secure cookies on http://localhost and
    /// 127.0.0.1; set false only to serve plain HTTP to other hosts (not recommended).
    #[serde(default = "default_true")]
    pub secure_cookies: bool,
    /// Sign-in attempts per account (four times as many per address) before each further
    /// one waits: 1 s, then twice as long each time, up to 15 minutes. Never a hard lock;
    /// a browser that signed in to the account before is not held up by strangers.
    pub max_login_failures: u32,
    /// A client that has not sent a whole request head within this long is dropped (also
    /// an idle keep-alive connection): slow clients cannot hold connections open.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout: DurationSpec,
    /// Open connections at most (systemd's default limit is 1,024 descriptors). A new one
    /// past it closes the connection that has waited longest without sending a request,
    /// so slow and idle clients make room for an agent.
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// Reverse proxies (load balancers) whose X-Forwarded-For is believed: behind them the
    /// client's address comes from that header, for the sign-in limit and the audit log.
    #[serde(default)]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Shown on the login page by `attune demo --serve`.
    #[serde(skip)]
    pub demo_hint: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: default_listen(),
            session_ttl: default_session_ttl(),
            secure_cookies: true,
            max_login_failures: 5,
            header_read_timeout: default_header_read_timeout(),
            max_connections: default_max_connections(),
            trusted_proxies: Vec::new(),
            demo_hint: None,
        }
    }
}

/// Whether a host name or address is this machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[derive(Clone, Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub support: SupportConfig,
    pub database: DatabaseConfig,
    pub outbox: OutboxConfig,
    pub sla: SlaConfig,
    pub business_hours: Option<BusinessHoursConfig>,
    pub ack: AckConfig,
    pub threading: ThreadingConfig,
    pub voice: VoiceConfig,
    pub drafting: DraftingConfig,
    /// IMAP mailboxes `attune run` and `attune sync` watch.
    pub mailboxes: Vec<MailboxConfig>,
    /// The SMTP server replies go out through.
    pub smtp: Option<SmtpConfig>,
    pub web: WebConfig,
    /// Mail the gate should treat as automatic beyond what it recognises itself.
    pub gate: GateConfig,
    /// Limits on what intake reads.
    pub intake: IntakeConfig,
    /// The file this came from (None: embedded defaults).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// One thing wrong with a config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigIssue {
    /// Dotted key, like `sla.first_response`; empty for a file-level problem.
    pub key: String,
    /// Where the value came from: `path:line` or the environment variable.
    pub origin: String,
    pub reason: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.origin, self.reason)
        } else {
            write!(f, "{}: `{}`: {}", self.origin, self.key, self.reason)
        }
    }
}

#[derive(Debug)]
pub struct ConfigError {
    pub issues: Vec<ConfigIssue>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} error(s):", self.issues.len())?;
        for issue in &self.issues {
            writeln!(f, "  - {issue}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Environment variables starting with `ATTUNE_` that are not config keys.
const OTHER_ATTUNE_VARS: [&str; 3] = ["ATTUNE_CONFIG", "ATTUNE_NOW", "ATTUNE_LOG"];

const SECTIONS: [&str; 14] = [
    "support",
    "gate",
    "intake",
    "database",
    "outbox",
    "sla",
    "business_hours",
    "ack",
    "threading",
    "voice",
    "drafting",
    "mailboxes",
    "smtp",
    "web",
];

impl Config {
    /// `--config PATH`, else `ATTUNE_CONFIG`, else the embedded defaults; then the
    /// environment's overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        let path = path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("ATTUNE_CONFIG").filter(|v| !v.is_empty()).map(PathBuf::from));
        match path {
            Some(p) => {
                let text = std::fs::read_to_string(&p).map_err(|e| ConfigError {
                    issues: vec![ConfigIssue {
                        key: String::new(),
                        origin: p.display().to_string(),
                        reason: format!("cannot read the config file: {e}"),
                    }],
                })?;
                Config::from_parts(Some(&p), &text, &env)
            }
            None => Config::from_parts(None, "", &env),
        }
    }

    /// The whole load, from text and an environment, so tests need no files or globals.
    pub fn from_parts(path: Option<&Path>, text: &str, env: &[(String, String)]) -> Result<Config, ConfigError> {
        let origin_file = path.map(|p| p.display().to_string()).unwrap_or_else(|| "defaults".into());
        let mut issues = Vec::new();

        let mut table: toml::Table = match text.parse::<toml::Table>() {
            Ok(t) => t,
            Err(e) => {
                let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
                return Err(ConfigError {
                    issues: vec![ConfigIssue {
                        key: String::new(),
                        origin: format!("{origin_file}:{line}"),
                        reason: format!("not valid TOML: {}", e.message()),
                    }],
                });
            }
        };

        // Environment overrides: ATTUNE_SECTION__KEY. Remember which keys they set so an
        // error can name the variable rather than the file.
        let mut from_env: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("ATTUNE_") else {
                continue;
            };
            if OTHER_ATTUNE_VARS.contains(&name.as_str()) {
                continue;
            }
            let parts: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
            if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
                issues.push(ConfigIssue {
                    key: String::new(),
                    origin: name.clone(),
                    reason: "not a config key: use ATTUNE_SECTION__KEY, like ATTUNE_SLA__FIRST_RESPONSE".into(),
                });
                continue;
            }
            if !SECTIONS.contains(&parts[0].as_str()) {
                issues.push(ConfigIssue {
                    key: parts.join("."),
                    origin: name.clone(),
                    reason: format!("unknown section `{}` (known: {})", parts[0], SECTIONS.join(", ")),
                });
                continue;
            }
            let last = parts[parts.len() - 1].clone();
            if !insert_path(&mut table, &parts[..parts.len() - 1], last, env_value(value)) {
                issues.push(ConfigIssue {
                    key: parts.join("."),
                    origin: name.clone(),
                    reason: "sets a key inside something that is not a table".into(),
                });
                continue;
            }
            from_env.insert(parts.join("."), name.clone());
        }

        // Unknown top-level keys are errors, like unknown keys inside sections.
        for key in table.keys() {
            if !SECTIONS.contains(&key.as_str()) {
                issues.push(ConfigIssue {
                    key: key.clone(),
                    origin: format!("{origin_file}:{}", find_line(text, None, key)),
                    reason: format!("unknown section (known: {})", SECTIONS.join(", ")),
                });
            }
        }

        let base_dir = path.and_then(Path::parent).map(Path::to_path_buf);
        let mut config = Config { source: path.map(Path::to_path_buf), ..Config::default() };
        let mut ctx =
            SectionCtx { table: &mut table, text, origin_file: &origin_file, from_env: &from_env, issues: &mut issues };
        if let Some(v) = ctx.section("support") {
            config.support = v;
        }
        if let Some(v) = ctx.section("database") {
            config.database = v;
        }
        if let Some(v) = ctx.section("outbox") {
            config.outbox = v;
        }
        if let Some(v) = ctx.section("sla") {
            config.sla = v;
        }
        if ctx.table.contains_key("business_hours") {
            config.business_hours = ctx.section("business_hours");
        }
        if let Some(v) = ctx.section("ack") {
            config.ack = v;
        }
        if let Some(v) = ctx.section("threading") {
            config.threading = v;
        }
        if let Some(v) = ctx.section("voice") {
            config.voice = v;
        }
        if let Some(v) = ctx.section("drafting") {
            config.drafting = v;
        }
        if let Some(v) = ctx.mailboxes() {
            config.mailboxes = v;
        }
        if ctx.table.contains_key("smtp") {
            config.smtp = ctx.section("smtp");
        }
        if let Some(v) = ctx.section("web") {
            config.web = v;
        }
        if let Some(v) = ctx.section("gate") {
            config.gate = v;
        }
        if let Some(v) = ctx.section("intake") {
            config.intake = v;
        }

        config.resolve_paths(base_dir.as_deref());
        config.validate(&mut ctx);

        if issues.is_empty() { Ok(config) } else { Err(ConfigError { issues }) }
    }

    /// Cross-key checks serde cannot make.
    fn validate(&self, ctx: &mut SectionCtx<'_>) {
        if self.support.name.trim().is_empty() || self.support.name.contains(['\r', '\n']) {
            ctx.issue("support", "name", "must be a non-empty single line".into());
        }
        if self.voice.most_casual > self.voice.most_formal {
            ctx.issue(
                "voice",
                "most_casual",
                format!(
                    "`{}` is more formal than voice.most_formal `{}`",
                    self.voice.most_casual, self.voice.most_formal
                ),
            );
        }
        if !(self.database.url.starts_with("sqlite:")
            || self.database.url.starts_with("postgres://")
            || self.database.url.starts_with("postgresql://"))
        {
            ctx.issue("database", "url", format!("`{}` is neither sqlite:PATH nor postgres://…", self.database.url));
        }
        if self.database.max_connections == 0 {
            ctx.issue("database", "max_connections", "must be at least 1".into());
        }
        for re in &self.gate.auto_subjects {
            if let Err(e) = regex::Regex::new(re) {
                ctx.issue("gate", "auto_subjects", format!("`{re}` is not a regular expression: {e}"));
            }
        }
        for sender in &self.gate.auto_senders {
            let bare = sender.trim().trim_start_matches("*@");
            if bare.is_empty() || bare.contains(char::is_whitespace) {
                ctx.issue("gate", "auto_senders", format!("`{sender}` is neither an address nor *@domain"));
            }
        }
        if self.outbox.max_attempts == 0 {
            ctx.issue("outbox", "max_attempts", "must be at least 1".into());
        }
        if let Some(bh) = &self.business_hours
            && let Err((key, reason)) = crate::empathy::lateness::BusinessCalendar::from_config(bh)
        {
            ctx.issue("business_hours", key, reason);
        }
        if let Some(secret) = &self.threading.token_secret
            && secret.expose().len() < 16
        {
            ctx.issue("threading", "token_secret", "must be at least 16 characters".into());
        }
        let mut names = std::collections::HashSet::new();
        for (i, m) in self.mailboxes.iter().enumerate() {
            let at = format!("mailboxes[{i}]");
            if m.name.trim().is_empty() || m.name.contains(['/', ' ']) {
                ctx.issue_at(&at, "name", "must be a non-empty word (no spaces or slashes)".into());
            }
            if !names.insert(m.name.clone()) {
                ctx.issue_at(&at, "name", format!("`{}` is used by two mailboxes", m.name));
            }
            if m.tls == TlsMode::None && !m.allow_insecure && !is_loopback(&m.host) {
                ctx.issue_at(&at, "tls", format!("\"none\" sends the password in clear to {}; use \"tls\" or \"starttls\", or set allow_insecure = true", m.host));
            }
            if m.password.count() != 1 {
                ctx.issue_at(&at, "password", "give exactly one of password, password_env, password_file".into());
            }
            if m.batch_size == 0 {
                ctx.issue_at(&at, "batch_size", "must be at least 1".into());
            }
            if m.lease.calendar_secs() < 3 {
                ctx.issue_at(&at, "lease", "must be at least 3s (it is renewed every third of it)".into());
            }
            if m.idle_renew.calendar_secs() >= 29 * 60 {
                ctx.issue_at(&at, "idle_renew", "must be under 29 minutes (servers end IDLE at 30)".into());
            }
            if let Some(ca) = &m.ca_file
                && !ca.exists()
            {
                ctx.issue_at(&at, "ca_file", format!("{} does not exist", ca.display()));
            }
        }
        if let Some(smtp) = &self.smtp {
            if smtp.tls == TlsMode::None && !smtp.allow_insecure && !is_loopback(&smtp.host) {
                ctx.issue(
                    "smtp",
                    "tls",
                    format!(
                        "\"none\" to {} is refused; use \"tls\" or \"starttls\", or set allow_insecure = true",
                        smtp.host
                    ),
                );
            }
            if smtp.password.count() > 1 {
                ctx.issue("smtp", "password", "give at most one of password, password_env, password_file".into());
            }
            if smtp.username.is_some() != (smtp.password.count() == 1) {
                ctx.issue("smtp", "username", "username and a password go together".into());
            }
            if let Some(ca) = &smtp.ca_file
                && !ca.exists()
            {
                ctx.issue("smtp", "ca_file", format!("{} does not exist", ca.display()));
            }
            if self.outbox.claim.calendar_secs() < 2 * smtp.timeout.calendar_secs() {
                ctx.issue(
                    "outbox",
                    "claim",
                    format!(
                        "must be at least twice smtp.timeout ({}s), so no reply is taken over while it is being sent",
                        smtp.timeout.calendar_secs()
                    ),
                );
            }
        }
        if self.outbox.claim.calendar_secs() < 10 {
            ctx.issue("outbox", "claim", "must be at least 10s".into());
        }
        if !self.web.listen.is_empty() && self.web.listen.parse::<std::net::SocketAddr>().is_err() {
            ctx.issue("web", "listen", format!("`{}` is not an address and port like 127.0.0.1:8080", self.web.listen));
        }
        let prefix = &self.threading.token_prefix;
        if prefix.is_empty()
            || prefix.len() > 8
            || prefix.chars().any(|c| c.is_whitespace() || c == '[' || c == ']' || c.is_ascii_digit())
        {
            ctx.issue(
                "threading",
                "token_prefix",
                "must be 1 to 8 characters, without spaces, digits or brackets".into(),
            );
        }
    }

    fn resolve_paths(&mut self, base: Option<&Path>) {
        let Some(base) = base else { return };
        if let Some(rest) = self.database.url.strip_prefix("sqlite:") {
            let rest = rest.trim_start_matches("//");
            let (file, query) = rest.split_once('?').map(|(f, q)| (f, Some(q))).unwrap_or((rest, None));
            if !file.is_empty() && file != ":memory:" && Path::new(file).is_relative() {
                let joined = base.join(file);
                self.database.url = match query {
                    Some(q) => format!("sqlite:{}?{q}", joined.display()),
                    None => format!("sqlite:{}", joined.display()),
                };
            }
        }
        if self.outbox.dir.is_relative() {
            self.outbox.dir = base.join(&self.outbox.dir);
        }
        let fix = |p: &mut Option<PathBuf>| {
            if let Some(path) = p
                && path.is_relative()
            {
                *path = base.join(&*path);
            }
        };
        for m in &mut self.mailboxes {
            fix(&mut m.ca_file);
            fix(&mut m.password.password_file);
        }
        if let Some(smtp) = &mut self.smtp {
            fix(&mut smtp.ca_file);
            fix(&mut smtp.password.password_file);
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.database.url.starts_with("sqlite:")
    }
}

struct SectionCtx<'a> {
    table: &'a mut toml::Table,
    text: &'a str,
    origin_file: &'a str,
    from_env: &'a BTreeMap<String, String>,
    issues: &'a mut Vec<ConfigIssue>,
}

impl SectionCtx<'_> {
    fn origin(&self, section: &str, key: &str) -> String {
        let dotted = format!("{section}.{key}");
        if let Some(var) = self.from_env.get(&dotted) {
            return format!("environment {var}");
        }
        format!("{}:{}", self.origin_file, find_line(self.text, Some(section), key))
    }

    fn issue(&mut self, section: &str, key: &str, reason: String) {
        let origin = self.origin(section, key);
        self.issues.push(ConfigIssue { key: format!("{section}.{key}"), origin, reason });
    }

    fn issue_at(&mut self, at: &str, key: &str, reason: String) {
        let line = find_line(self.text, Some("mailboxes"), key.split('.').next().unwrap_or(key));
        self.issues.push(ConfigIssue {
            key: format!("{at}.{key}"),
            origin: format!("{}:{line}", self.origin_file),
            reason,
        });
    }

    /// `[[mailboxes]]`: an array of tables, each checked on its own.
    fn mailboxes(&mut self) -> Option<Vec<MailboxConfig>> {
        let value = self.table.get("mailboxes").cloned()?;
        let toml::Value::Array(items) = value else {
            self.issues.push(ConfigIssue {
                key: "mailboxes".into(),
                origin: format!("{}:{}", self.origin_file, find_line(self.text, None, "mailboxes")),
                reason: "must be an array of tables ([[mailboxes]])".into(),
            });
            return None;
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            match serde_path_to_error::deserialize::<_, MailboxConfig>(item) {
                Ok(m) => out.push(m),
                Err(err) => {
                    let path = err.path().to_string();
                    let inner = err.into_inner().to_string();
                    let key = if path == "." || path.is_empty() {
                        unknown_field(&inner).unwrap_or("").to_string()
                    } else {
                        path
                    };
                    let line = nth_table_line(self.text, "mailboxes", i);
                    self.issues.push(ConfigIssue {
                        key: format!("mailboxes[{i}].{key}"),
                        origin: format!("{}:{line}", self.origin_file),
                        reason: inner.replace("invalid value: string ", ""),
                    });
                }
            }
        }
        Some(out)
    }

    fn section<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let value = self.table.get(name).cloned().unwrap_or_else(|| toml::Value::Table(toml::Table::new()));
        if !value.is_table() {
            self.issues.push(ConfigIssue {
                key: name.to_string(),
                origin: format!("{}:{}", self.origin_file, find_line(self.text, None, name)),
                reason: "must be a table ([section])".into(),
            });
            return None;
        }
        match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(v) => Some(v),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner().to_string();
                // An environment value that looked like a number or list may have been
                // meant as text: retry it as a string before reporting.
                let dotted = format!("{name}.{path}");
                if self.from_env.contains_key(&dotted)
                    && let Some(toml::Value::Table(t)) = self.table.get_mut(name)
                    && let Some(v) = t.get_mut(&path)
                    && !v.is_str()
                {
                    *v = toml::Value::String(v.to_string().trim_matches('"').to_string());
                    return self.section(name);
                }
                let (key, reason) = if path == "." || path.is_empty() {
                    // Unknown field errors come with the path of the table itself.
                    let key = unknown_field(&inner).map(|f| f.to_string()).unwrap_or_default();
                    (key, inner)
                } else {
                    (path, inner)
                };
                let reason = reason.replace("invalid value: string ", "");
                self.issue(name, &key, reason);
                None
            }
        }
    }
}

/// Sets `table.a.b.…` = value, creating tables on the way; false if the path crosses a
/// non-table.
fn insert_path(table: &mut toml::Table, path: &[String], key: String, value: toml::Value) -> bool {
    let Some((head, rest)) = path.split_first() else {
        table.insert(key, value);
        return true;
    };
    let entry = table.entry(head.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match entry {
        toml::Value::Table(t) => insert_path(t, rest, key, value),
        _ => false,
    }
}

fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// An environment value as TOML if it reads as a TOML value (number, bool, array),
/// else as a plain string.
fn env_value(raw: &str) -> toml::Value {
    match format!("v = {raw}").parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or_else(|| toml::Value::String(raw.to_string())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}

/// The line of the `n`th `[[name]]` header.
fn nth_table_line(text: &str, name: &str, n: usize) -> usize {
    text.lines().enumerate().filter(|(_, l)| l.trim() == format!("[[{name}]]")).nth(n).map(|(i, _)| i + 1).unwrap_or(0)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line where `key` is set in `[section]` (or at top level), 0 when not found
/// (a default or a missing key).
fn find_line(text: &str, section: Option<&str>, key: &str) -> usize {
    let mut current: Option<String> = None;
    let key_head = key.split('.').next().unwrap_or(key);
    for (i, line) in text.lines().enumerate() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix('[') {
            let name = name.trim_start_matches('[').trim_end_matches(']').trim_end_matches(']').trim();
            if section.is_none() && name == key_head {
                return i + 1;
            }
            current = Some(name.to_string());
            continue;
        }
        if current.as_deref() == section
            && let Some((k, _)) = l.split_once('=')
            && k.trim().trim_matches('"') == key_head
        {
            return i + 1;
        }
    }
    if let Some(section) = section {
        // Point at the section header when the key itself is not in the file.
        for (i, line) in text.lines().enumerate() {
            if line.trim().trim_start_matches('[').trim_end_matches(']') == section {
                return i + 1;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = env.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        Config::from_parts(Some(Path::new("/etc/attune/attune.toml")), text, &env)
    }

    #[test]
    fn defaults_load_without_a_file() {
        let c = Config::from_parts(None, "", &[]).unwrap();
        assert_eq!(c.support.address.as_str(), "support@example.com");
        assert_eq!(c.sla.first_response.to_string(), "4h");
        assert_eq!(c.database.url, "sqlite:data/attune.db");
        assert!(c.business_hours.is_none());
    }

    #[test]
    fn bad_duration_names_key_line_and_reason() {
        let err = load("[sla]\n\nfirst_response = \"4x\"\n", &[]).unwrap_err();
        let issue = &err.issues[0];
        assert_eq!(issue.key, "sla.first_response");
        assert_eq!(issue.origin, "/etc/attune/attune.toml:3");
        assert!(issue.reason.contains("unknown unit"), "{}", issue.reason);
    }

    #[test]
    fn unknown_keys_and_sections_are_errors() {
        let err = load("[sla]\nfirst_reponse = \"4h\"\n[slaa]\nx = 1\n", &[]).unwrap_err();
        let keys: Vec<&str> = err.issues.iter().map(|i| i.key.as_str()).collect();
        assert!(keys.contains(&"sla.first_reponse"), "{keys:?}");
        assert!(keys.contains(&"slaa"), "{keys:?}");
        let typo = err.issues.iter().find(|i| i.key == "sla.first_reponse").unwrap();
        assert_eq!(typo.origin, "/etc/attune/attune.toml:2");
    }

    #[test]
    fn environment_overrides_win_and_are_named_in_errors() {
        let c = load(
            "[sla]\nfirst_response = \"4h\"\n",
            &[("ATTUNE_SLA__FIRST_RESPONSE", "30m"), ("ATTUNE_SUPPORT__ADDRESS", "help@acme.test")],
        )
        .unwrap();
        assert_eq!(c.sla.first_response.to_string(), "30m");
        assert_eq!(c.support.address.as_str(), "help@acme.test");

        let err = load("", &[("ATTUNE_ACK__PER_SENDER_PER_HOUR", "lots")]).unwrap_err();
        assert_eq!(err.issues[0].key, "ack.per_sender_per_hour");
        assert_eq!(err.issues[0].origin, "environment ATTUNE_ACK__PER_SENDER_PER_HOUR");

        let c = load("", &[("ATTUNE_ACK__PER_SENDER_PER_HOUR", "5"), ("ATTUNE_SUPPORT__NAME", "2024")]).unwrap();
        assert_eq!(c.ack.per_sender_per_hour, 5);
        assert_eq!(c.support.name, "2024");

        let err = load("", &[("ATTUNE_NOPE__X", "1")]).unwrap_err();
        assert!(err.issues[0].reason.contains("unknown section"));
        assert!(load("", &[("ATTUNE_NOW", "x"), ("ATTUNE_LOG", "debug")]).is_ok());
    }

    #[test]
    fn relative_paths_resolve_against_the_file() {
        let c = load("[database]\nurl = \"sqlite:state/a.db\"\n[outbox]\ndir = \"out\"\n", &[]).unwrap();
        assert_eq!(c.database.url, "sqlite:/etc/attune/state/a.db");
        assert_eq!(c.outbox.dir, PathBuf::from("/etc/attune/out"));
    }

    #[test]
    fn business_hours_are_checked() {
        let err = load("[business_hours]\ntimezone = \"Mars/Olympus\"\n", &[]).unwrap_err();
        assert_eq!(err.issues[0].key, "business_hours.timezone");
        let err = load("[business_hours]\ntimezone = \"UTC\"\nstart = \"18:00\"\nend = \"09:00\"\n", &[]).unwrap_err();
        assert_eq!(err.issues[0].key, "business_hours.end");
        let ok = load(
            "[business_hours]\ntimezone = \"Europe/Berlin\"\ndays = [\"mon\",\"fri\"]\nholidays = [\"2026-12-25\"]\n",
            &[],
        );
        assert!(ok.is_ok(), "{ok:?}");
    }

    #[test]
    fn syntax_errors_give_a_line() {
        let err = load("[sla]\nfirst_response = \n", &[]).unwrap_err();
        assert!(err.issues[0].origin.ends_with(":2") || err.issues[0].origin.ends_with(":3"), "{:?}", err.issues);
    }

    #[test]
    fn mailboxes_and_smtp() {
        let text = r#"
[[mailboxes]]
name = "support"
host = "imap.example.com"
port = 993
tls = "tls"
username = "support@example.com"
password_env = "SUPPORT_IMAP_PASSWORD"
folder = "INBOX"
after_ingest = "move:Processed"

[smtp]
host = "smtp.example.com"
port = 587
tls = "starttls"
username = "support@example.com"
password_env = "SUPPORT_SMTP_PASSWORD"
"#;
        let c = load(text, &[]).unwrap();
        assert_eq!(c.mailboxes.len(), 1);
        assert_eq!(c.mailboxes[0].after_ingest, AfterIngest::Move("Processed".into()));
        assert_eq!(c.smtp.as_ref().unwrap().tls, TlsMode::Starttls);

        let insecure = text.replace("tls = \"tls\"", "tls = \"none\"");
        let err = load(&insecure, &[]).unwrap_err();
        assert_eq!(err.issues[0].key, "mailboxes[0].tls");
        let local = insecure.replace("imap.example.com", "127.0.0.1");
        assert!(load(&local, &[]).is_ok());

        let typo = text.replace("after_ingest = \"move:Processed\"", "after_ingest = \"archive\"");
        let err = load(&typo, &[]).unwrap_err();
        assert_eq!(err.issues[0].key, "mailboxes[0].after_ingest");
        assert_eq!(err.issues[0].origin, "/etc/attune/attune.toml:2");

        let unknown = text.replace("folder = \"INBOX\"", "folder = \"INBOX\"\nfoldr = \"x\"");
        let err = load(&unknown, &[]).unwrap_err();
        assert!(err.issues[0].reason.contains("foldr"), "{:?}", err.issues);
        let two = text.replace("password_env = \"SUPPORT_IMAP_PASSWORD\"", "password_env = \"X\"\npassword = \"y\"");
        let err = load(&two, &[]).unwrap_err();
        assert_eq!(err.issues[0].key, "mailboxes[0].password");
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(***)");
    }
}
