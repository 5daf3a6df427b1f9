//! What the customer is going through: bereavement, an outage, a third mail, our own
//! mistake… read from their words with the lists in locales/LANG/situations.toml.
//!
//! Precision over recall: a situation the reply answers must be read with confidence (one
//! strong phrase, or two different weak ones). One weak phrase alone is kept as *unsure*:
//! shown to the agent, left out of the reply.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::Lang;
use crate::empathy::langdata::{self, SituationLists};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SituationName {
    Bereavement,
    Urgent,
    RepeatedContact,
    OurFault,
    Cancellation,
    ThreatToLeave,
    Chargeback,
    Legal,
    Praise,
    FeatureIdea,
    Vulnerable,
    SecurityWorry,
    Vague,
    Technical,
    Continuing,
    MultipleQuestions,
}

impl SituationName {
    pub const ALL: [SituationName; 16] = [
        SituationName::Bereavement,
        SituationName::Urgent,
        SituationName::RepeatedContact,
        SituationName::OurFault,
        SituationName::Cancellation,
        SituationName::ThreatToLeave,
        SituationName::Chargeback,
        SituationName::Legal,
        SituationName::Praise,
        SituationName::FeatureIdea,
        SituationName::Vulnerable,
        SituationName::SecurityWorry,
        SituationName::Vague,
        SituationName::Technical,
        SituationName::Continuing,
        SituationName::MultipleQuestions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SituationName::Bereavement => "bereavement",
            SituationName::Urgent => "urgent",
            SituationName::RepeatedContact => "repeated_contact",
            SituationName::OurFault => "our_fault",
            SituationName::Cancellation => "cancellation",
            SituationName::ThreatToLeave => "threat_to_leave",
            SituationName::Chargeback => "chargeback",
            SituationName::Legal => "legal",
            SituationName::Praise => "praise",
            SituationName::FeatureIdea => "feature_idea",
            SituationName::Vulnerable => "vulnerable",
            SituationName::SecurityWorry => "security_worry",
            SituationName::Vague => "vague",
            SituationName::Technical => "technical",
            SituationName::Continuing => "continuing",
            SituationName::MultipleQuestions => "multiple_questions",
        }
    }

    /// The name templates use (VARIABLES.md): `threat` for a threat to leave.
    pub fn variable(self) -> &'static str {
        match self {
            SituationName::ThreatToLeave => "threat",
            other => other.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<SituationName> {
        let s = s.trim();
        SituationName::ALL.into_iter().find(|n| n.as_str() == s || n.variable() == s)
    }

    /// What an agent reads beside the draft.
    pub fn label(self) -> &'static str {
        match self {
            SituationName::Bereavement => "bereavement",
            SituationName::Urgent => "urgent",
            SituationName::RepeatedContact => "repeated contact",
            SituationName::OurFault => "our fault",
            SituationName::Cancellation => "cancellation",
            SituationName::ThreatToLeave => "threat to leave",
            SituationName::Chargeback => "chargeback",
            SituationName::Legal => "legal",
            SituationName::Praise => "praise",
            SituationName::FeatureIdea => "feature idea",
            SituationName::Vulnerable => "vulnerable",
            SituationName::SecurityWorry => "security worry",
            SituationName::Vague => "vague",
            SituationName::Technical => "technical",
            SituationName::Continuing => "continuing",
            SituationName::MultipleQuestions => "multiple questions",
        }
    }

    fn lists(self, file: &langdata::SituationsFile) -> Option<&SituationLists> {
        Some(match self {
            SituationName::Bereavement => &file.bereavement,
            SituationName::Urgent => &file.urgent,
            SituationName::RepeatedContact => &file.repeated_contact,
            SituationName::Cancellation => &file.cancellation,
            SituationName::ThreatToLeave => &file.threat_to_leave,
            SituationName::Chargeback => &file.chargeback,
            SituationName::Legal => &file.legal,
            SituationName::Praise => &file.praise,
            SituationName::FeatureIdea => &file.feature_idea,
            SituationName::Vulnerable => &file.vulnerable,
            SituationName::SecurityWorry => &file.security_worry,
            SituationName::Vague => &file.vague,
            SituationName::Technical => &file.technical,
            SituationName::Continuing => &file.continuing,
            SituationName::OurFault | SituationName::MultipleQuestions => return None,
        })
    }
}

/// Where a situation was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The customer's words.
    #[default]
    Text,
    /// Our own store: earlier mails from them that nobody answered.
    Store,
    /// An agent said so.
    Agent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Situation {
    pub name: SituationName,
    /// The words that triggered it, as found.
    pub evidence: Vec<String>,
    pub confidence: f32,
    #[serde(default)]
    pub source: Source,
}

/// Confident enough to shape the reply.
pub const CONFIDENT: f32 = 0.7;
const STRONG: f32 = 0.9;
const TWO_WEAK: f32 = 0.7;
const ONE_WEAK: f32 = 0.4;

/// Our own mistakes, each admitted in its own words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    DoubleCharge,
    ChargedAfterCancel,
    WrongItem,
    MissingItem,
    UnwantedRenewal,
    PaidInvoiceDunning,
}

impl FaultKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::DoubleCharge => "double_charge",
            FaultKind::ChargedAfterCancel => "charged_after_cancel",
            FaultKind::WrongItem => "wrong_item",
            FaultKind::MissingItem => "missing_item",
            FaultKind::UnwantedRenewal => "unwanted_renewal",
            FaultKind::PaidInvoiceDunning => "paid_invoice_dunning",
        }
    }

    fn parse(s: &str) -> Option<FaultKind> {
        [
            FaultKind::DoubleCharge,
            FaultKind::ChargedAfterCancel,
            FaultKind::WrongItem,
            FaultKind::MissingItem,
            FaultKind::UnwantedRenewal,
            FaultKind::PaidInvoiceDunning,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// What they ask us to do, when it is one of the everyday requests a reply can name
/// ("change the delivery address"), so the acknowledgment says what we are doing about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// Put an account or subscription into their name (a late parent's, a handed-over firm's).
    AccountTransfer,
    /// Change the delivery address of an order.
    AddressChange,
    /// Send an invoice: a copy, a corrected one, one in another name.
    Invoice,
    /// Where is my order.
    OrderStatus,
}

impl RequestKind {
    pub const ALL: [RequestKind; 4] =
        [RequestKind::AccountTransfer, RequestKind::AddressChange, RequestKind::Invoice, RequestKind::OrderStatus];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::AccountTransfer => "account_transfer",
            RequestKind::AddressChange => "address_change",
            RequestKind::Invoice => "invoice",
            RequestKind::OrderStatus => "order_status",
        }
    }

    fn parse(s: &str) -> Option<RequestKind> {
        RequestKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Everything read about the customer's situation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SituationReading {
    /// Confident and unsure situations, confident first.
    #[serde(default)]
    pub found: Vec<Situation>,
    /// The deadline as they wrote it ("by Friday 4 December").
    #[serde(default)]
    pub deadline: Option<String>,
    /// A number they asked us to call.
    #[serde(default)]
    pub phone: Option<String>,
    /// Their own sentence saying what is at stake.
    #[serde(default)]
    pub impact: Option<String>,
    #[serde(default)]
    pub fault: Option<FaultKind>,
    /// The everyday request they make, when one is read confidently.
    #[serde(default)]
    pub request: Option<RequestKind>,
    /// When they say they first wrote (day, month).
    #[serde(default)]
    pub first_contact: Option<(u32, u32)>,
    /// "third time": this is their Nth mail.
    #[serde(default)]
    pub nth_mail: Option<u32>,
    /// Earlier mails that went unanswered, counted in our store.
    #[serde(default)]
    pub earlier_unanswered: u32,
    #[serde(default)]
    pub question_count: u32,
    #[serde(default)]
    pub colleague: Option<String>,
    /// A technical mail that already gives the steps, what they tried or a screenshot.
    #[serde(default)]
    pub described: bool,
    /// A security worry about a message that says which domain it came from, when that
    /// domain is not ours but looks like it ("examp1e-billing.com").
    #[serde(default)]
    pub suspect_domain: Option<String>,
    /// A security worry from someone who says they clicked and entered nothing.
    #[serde(default)]
    pub untouched: bool,
    /// A security worry about a message that asks for card details, a password or a
    /// payment by link: we never ask for those by mail, so it is not ours.
    #[serde(default)]
    pub asks_secret: bool,
    /// Praise they ask us to pass on to the colleague's manager.
    #[serde(default)]
    pub to_manager: bool,
    /// Their deadline ("by 2pm", "heute", "tomorrow morning") was over before we answered.
    #[serde(default)]
    pub deadline_passed: bool,
}

impl SituationReading {
    pub fn is(&self, name: SituationName) -> bool {
        self.found.iter().any(|s| s.name == name && s.confidence >= CONFIDENT)
    }

    /// Praise or an idea and nothing to put right: the reply thanks and passes it on; there
    /// is nothing to work on and no wait to apologize for (nobody waits for a thank-you).
    pub fn only_thanks(&self) -> bool {
        (self.is(SituationName::Praise) || self.is(SituationName::FeatureIdea))
            && ![
                SituationName::OurFault,
                SituationName::Urgent,
                SituationName::RepeatedContact,
                SituationName::ThreatToLeave,
                SituationName::Technical,
                SituationName::Vague,
                SituationName::Continuing,
            ]
            .into_iter()
            .any(|n| self.is(n))
    }

    /// The look-alike domain of a message a worried customer asks about, while the worry
    /// stands (an agent may remove it): the reply then says the message is not ours.
    pub fn not_ours_suspect(&self) -> Option<&str> {
        self.suspect_domain.as_deref().filter(|_| self.is(SituationName::SecurityWorry))
    }

    /// A worried customer whose message the reply can call not ours outright: it came from
    /// a domain that is not ours, or it asks for what we never ask for by mail.
    pub fn answered_not_ours(&self) -> bool {
        self.is(SituationName::SecurityWorry) && (self.suspect_domain.is_some() || self.asks_secret)
    }

    pub fn confident(&self) -> impl Iterator<Item = &Situation> {
        self.found.iter().filter(|s| s.confidence >= CONFIDENT)
    }

    pub fn unsure(&self) -> impl Iterator<Item = &Situation> {
        self.found.iter().filter(|s| s.confidence < CONFIDENT)
    }

    /// How many earlier mails went unanswered: from the store, else from their words.
    pub fn earlier_count(&self) -> u32 {
        if self.earlier_unanswered > 0 {
            self.earlier_unanswered
        } else {
            self.nth_mail.map(|n| n.saturating_sub(1)).unwrap_or(0)
        }
    }

    /// Adds or replaces a situation (the store's reading, an agent's correction).
    pub fn set(&mut self, name: SituationName, evidence: Vec<String>, source: Source) {
        self.found.retain(|s| s.name != name);
        self.found.push(Situation { name, evidence, confidence: 1.0, source });
        self.sort();
    }

    pub fn remove(&mut self, name: SituationName) {
        self.found.retain(|s| s.name != name);
    }

    fn sort(&mut self) {
        self.found
            .sort_by(|a, b| (b.confidence >= CONFIDENT).cmp(&(a.confidence >= CONFIDENT)).then(a.name.cmp(&b.name)));
    }

    /// One line an agent reads: "urgent ("site is down"), repeated contact (2 earlier mails)".
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = self
            .found
            .iter()
            .map(|s| {
                let unsure = if s.confidence < CONFIDENT { ", unsure" } else { "" };
                let ev =
                    s.evidence.iter().take(2).map(|e| format!("\u{201c}{e}\u{201d}")).collect::<Vec<_>>().join(", ");
                format!("{} ({ev}{unsure})", s.name.label())
            })
            .collect();
        if parts.is_empty() {
            parts.push("none".into());
        }
        parts.join("; ")
    }
}

/// What one phrase found stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strength {
    Strong,
    Weak,
    Not,
    CallRequest,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    /// Index into `Compiled::targets`.
    target: usize,
    strength: Strength,
    stem: bool,
}

/// A situation, one kind of our fault, or one everyday request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Situation(SituationName),
    Fault(FaultKind),
    Request(RequestKind),
}

struct Compiled {
    automaton: Option<AhoCorasick>,
    entries: Vec<Entry>,
    phrases: Vec<String>,
    targets: Vec<Target>,
    deadline: Vec<Regex>,
    first_contact: Vec<Regex>,
    colleague: Vec<Regex>,
    age: Vec<Regex>,
    times: Vec<(String, u32)>,
    /// `near` pairs, each with the target it is a sign of.
    near: Vec<(usize, NearPair)>,
    not_near: Vec<(usize, NearPair)>,
    described: Vec<String>,
    untouched: Vec<String>,
    asks_secret: Vec<String>,
    manager: Vec<String>,
    courtesy: Vec<String>,
    conditional: Vec<String>,
    not_conditional: Vec<String>,
    /// Deadline words (`urgent.same_day`, `next_day`, `dated`) and the month names.
    same_day: Vec<String>,
    next_day: Vec<String>,
    dated: Vec<String>,
    months: Vec<String>,
}

/// Words between the two halves of a `near` pair, at most.
const NEAR_GAP: usize = 5;

/// "charged ~ twice": two phrases in one sentence, the second at most NEAR_GAP words after
/// the first. Matched over the words of the normalised text (no regex: a Unicode-aware
/// regex per pair would cost megabytes each). `word*` matches any word starting with it.
struct NearPair {
    a: Vec<String>,
    a_stem: bool,
    b: Vec<String>,
    b_stem: bool,
}

fn near_pair(pair: &str) -> Option<NearPair> {
    let (a, b) = pair.split_once('~')?;
    let half = |h: &str| -> Option<(Vec<String>, bool)> {
        let (norm, stem) = normalize_phrase(h);
        let words: Vec<String> = words_of(&norm).into_iter().map(|(_, _, w)| w.to_string()).collect();
        (!words.is_empty()).then_some((words, stem))
    };
    let ((a, a_stem), (b, b_stem)) = (half(a)?, half(b)?);
    Some(NearPair { a, a_stem, b, b_stem })
}

/// The words of a text with their byte spans, and whether a sentence ends before each.
fn words_of(text: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (is_word_char(ch), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i, &text[s..i]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len(), &text[s..]));
    }
    out
}

impl NearPair {
    /// Byte spans of every match in `norm`, whose words are `words`.
    fn find(&self, norm: &str, words: &[(usize, usize, &str)]) -> Vec<(usize, usize)> {
        let at = |i: usize, half: &[String], stem: bool| -> bool {
            half.iter().enumerate().all(|(k, w)| {
                words.get(i + k).is_some_and(|(_, _, got)| {
                    if stem && k + 1 == half.len() { got.starts_with(w.as_str()) } else { got == w }
                })
            })
        };
        // A sentence ends between two words when the text between them holds . ! or ?
        let breaks = |from: usize, to: usize| norm[words[from].1..words[to].0].contains(['.', '!', '?']);
        let mut out = Vec::new();
        for i in 0..words.len() {
            if !at(i, &self.a, self.a_stem) {
                continue;
            }
            let after_a = i + self.a.len();
            for j in after_a..=(after_a + NEAR_GAP).min(words.len().saturating_sub(1)) {
                if j > 0 && breaks(j - 1, j) {
                    break;
                }
                if at(j, &self.b, self.b_stem) {
                    out.push((words[i].0, words[j + self.b.len() - 1].1));
                    break;
                }
            }
        }
        out
    }
}

fn normalize_phrase(p: &str) -> (String, bool) {
    let n = crate::text::normalize(p);
    match n.strip_suffix('*') {
        Some(stem) => (stem.trim_end().to_string(), true),
        None => (n, false),
    }
}

fn compile(lang: Lang) -> Compiled {
    let file = &langdata::data(lang).situations;
    let mut targets = Vec::new();
    let mut phrases = Vec::new();
    let mut entries = Vec::new();
    let mut near = Vec::new();
    let mut not_near = Vec::new();
    let mut add = |target: Target, lists: &SituationLists| {
        let index = targets.len();
        targets.push(target);
        near.extend(lists.near.iter().filter_map(|p| near_pair(p)).map(|n| (index, n)));
        not_near.extend(lists.not_near.iter().filter_map(|p| near_pair(p)).map(|n| (index, n)));
        for (list, strength) in [
            (&lists.phrases, Strength::Strong),
            (&lists.weak, Strength::Weak),
            (&lists.not, Strength::Not),
            (&lists.call_request, Strength::CallRequest),
        ] {
            for p in list {
                let (norm, stem) = normalize_phrase(p);
                if norm.is_empty() {
                    continue;
                }
                phrases.push(norm);
                entries.push(Entry { target: index, strength, stem });
            }
        }
    };
    for name in SituationName::ALL {
        if let Some(lists) = name.lists(file) {
            add(Target::Situation(name), lists);
        }
    }
    for (kind, lists) in &file.our_fault {
        if let Some(k) = FaultKind::parse(kind) {
            add(Target::Fault(k), lists);
        }
    }
    for (kind, lists) in &file.request {
        if let Some(k) = RequestKind::parse(kind) {
            add(Target::Request(k), lists);
        }
    }
    // A contiguous NFA: compact (seven languages of word lists stay a few megabytes) and
    // quick enough over a short mail.
    let automaton = AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(&phrases)
        .ok();
    let mut times: Vec<(String, u32)> =
        file.repeated_contact.times.iter().map(|(k, v)| (crate::text::normalize(k), *v)).collect();
    times.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
    Compiled {
        automaton,
        entries,
        phrases,
        targets,
        deadline: langdata::compile(&file.urgent.deadline, false),
        first_contact: langdata::compile(&file.repeated_contact.first_contact, false),
        colleague: langdata::compile(&file.praise.colleague, true),
        age: langdata::compile(&file.vulnerable.age, false),
        times,
        near,
        not_near,
        described: file.technical.described.iter().map(|p| crate::text::normalize(p)).collect(),
        courtesy: file.multiple_questions.not.iter().map(|p| crate::text::normalize(p)).collect(),
        untouched: file.security_worry.untouched.iter().map(|p| crate::text::normalize(p)).collect(),
        asks_secret: file.security_worry.asks_secret.iter().map(|p| crate::text::normalize(p)).collect(),
        manager: file.praise.manager.iter().map(|p| crate::text::normalize(p)).collect(),
        conditional: file.cancellation.conditional.iter().map(|p| crate::text::normalize(p)).collect(),
        not_conditional: file.cancellation.not_conditional.iter().map(|p| crate::text::normalize(p)).collect(),
        same_day: file.urgent.same_day.iter().map(|p| crate::text::normalize(p)).collect(),
        next_day: file.urgent.next_day.iter().map(|p| crate::text::normalize(p)).collect(),
        dated: file.urgent.dated.iter().map(|p| crate::text::normalize(p)).collect(),
        months: langdata::data(lang).calendar.read_months.keys().cloned().collect(),
    }
}

static COMPILED: LazyLock<HashMap<Lang, Compiled>> =
    LazyLock::new(|| Lang::ALL.into_iter().map(|l| (l, compile(l))).collect());

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A phrase found in the text, with its byte span in the normalised text.
struct Hit {
    entry: Entry,
    start: usize,
    end: usize,
}

fn hits(c: &Compiled, norm: &str) -> Vec<Hit> {
    let Some(ac) = &c.automaton else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for m in ac.find_overlapping_iter(norm) {
        let Some(entry) = c.entries.get(m.pattern().as_usize()).copied() else {
            continue;
        };
        let phrase = c.phrases.get(m.pattern().as_usize()).map(String::as_str).unwrap_or("");
        let starts_in_word = phrase.chars().next().is_some_and(is_word_char);
        let ends_in_word = phrase.chars().next_back().is_some_and(is_word_char);
        let before_ok = !starts_in_word || norm[..m.start()].chars().next_back().is_none_or(|ch| !is_word_char(ch));
        let after_ok = entry.stem || !ends_in_word || norm[m.end()..].chars().next().is_none_or(|ch| !is_word_char(ch));
        if before_ok && after_ok {
            out.push(Hit { entry, start: m.start(), end: m.end() });
        }
    }
    out
}

static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})\b").expect("static regex")
});

/// The domain a worried customer names for the message they got ("an address ending in
/// example-billing-secure.com") when it is not ours but carries our name, or a look-alike
/// of it ("examp1e"): that message is not from us, and the reply can say so at once.
pub fn suspect_domain(text: &str, ours: &[&str], customer_domain: &str) -> Option<String> {
    let plain = |d: &str| -> String {
        d.to_lowercase()
            .chars()
            .map(|c| match c {
                '1' | '|' => 'l',
                '0' => 'o',
                '3' => 'e',
                '5' => 's',
                '4' => 'a',
                c => c,
            })
            .collect()
    };
    let brands: Vec<String> = ours
        .iter()
        .filter_map(|d| d.split('.').max_by_key(|l| l.len()).map(str::to_lowercase))
        .filter(|l| l.chars().count() >= 4)
        .collect();
    // An address they quote ("it came from an address ending in @parcel-fees.info") is the
    // sender's: any domain of it that is not ours did not come from us, brand or not.
    DOMAIN
        .captures_iter(text)
        .filter_map(|c| {
            let m = c.get(1)?;
            let quoted_address = text[..m.start()].ends_with('@');
            Some((m.as_str().trim_end_matches('.').to_lowercase(), quoted_address))
        })
        .filter(|(d, _)| {
            let is_ours = ours.iter().any(|o| {
                let o = o.to_lowercase();
                *d == o || d.ends_with(&format!(".{o}"))
            });
            !is_ours && !d.eq_ignore_ascii_case(customer_domain)
        })
        .find(|(d, quoted_address)| *quoted_address || brands.iter().any(|b| plain(d).contains(b.as_str())))
        .map(|(d, _)| d)
}

/// Whether a deadline as they wrote it was over when we answer: one for the day they wrote
/// ("today", a bare "by 2pm") or the day after ("tomorrow") is over on any later day in
/// their time zone. A deadline that names a weekday or a date is not judged (None stays
/// "not passed"): precision over recall.
pub fn deadline_passed(deadline: &str, lang: Lang, written_at: i64, now: i64, offset_secs: Option<i32>) -> bool {
    let Some(c) = COMPILED.get(&lang) else {
        return false;
    };
    let norm = crate::text::normalize(deadline);
    let has = |list: &[String]| list.iter().any(|w| crate::text::contains_stem(&norm, w));
    let dated = has(&c.dated) || c.months.iter().any(|m| crate::text::contains_phrase(&norm, m));
    let clock_only = !dated && norm.chars().any(|c| c.is_ascii_digit());
    let days_after = if has(&c.next_day) && !dated {
        1
    } else if (has(&c.same_day) && !dated) || clock_only {
        0
    } else {
        return false;
    };
    let offset = i64::from(offset_secs.unwrap_or(0));
    let day = |t: i64| (t + offset).div_euclid(86_400);
    day(now) > day(written_at) + days_after
}

/// What the reading needs besides the text.
pub struct Clues<'a> {
    /// The customer's own words, quotes and signature stripped.
    pub text: &'a str,
    pub subject: &'a str,
    pub lang: Lang,
    /// They named an order, an invoice, an error or a product: not vague.
    pub has_detail: bool,
}

/// Reads the situations in a customer's mail.
pub fn read(clues: &Clues<'_>) -> SituationReading {
    let Some(c) = COMPILED.get(&clues.lang) else {
        return SituationReading::default();
    };
    let whole = format!("{}\n{}", clues.subject, clues.text);
    let norm = crate::text::normalize(&whole);
    let found_hits = hits(c, &norm);

    // The spans each target's `not` phrases and `not_near` pairs cover: hits inside them do
    // not count.
    let words = if c.near.is_empty() && c.not_near.is_empty() { Vec::new() } else { words_of(&norm) };
    let not_near: Vec<(usize, usize, usize)> = c
        .not_near
        .iter()
        .flat_map(|(target, pair)| pair.find(&norm, &words).into_iter().map(move |(s, e)| (*target, s, e)))
        .collect();
    let vetoed = |target: usize, start: usize, end: usize| {
        found_hits
            .iter()
            .any(|h| h.entry.target == target && h.entry.strength == Strength::Not && h.start <= start && end <= h.end)
            || not_near.iter().any(|(t, s, e)| *t == target && *s <= start && end <= *e)
    };
    let mut strong: HashMap<usize, Vec<String>> = HashMap::new();
    let mut weak: HashMap<usize, Vec<String>> = HashMap::new();
    let mut call_requested = false;
    for h in &found_hits {
        if vetoed(h.entry.target, h.start, h.end) {
            continue;
        }
        let text = norm[h.start..h.end].to_string();
        let bucket = match h.entry.strength {
            Strength::Strong => &mut strong,
            Strength::Weak => &mut weak,
            Strength::CallRequest => {
                call_requested = true;
                continue;
            }
            Strength::Not => continue,
        };
        let list = bucket.entry(h.entry.target).or_default();
        if !list.contains(&text) && !list.iter().any(|t| t.contains(&text)) {
            list.retain(|t| !text.contains(t.as_str()));
            list.push(text);
        }
    }
    // A `not` phrase anywhere inside a `near` match vetoes it ("pagar en dos veces" is
    // paying in two instalments, not a double charge).
    let overlapped = |target: usize, start: usize, end: usize| {
        found_hits
            .iter()
            .any(|h| h.entry.target == target && h.entry.strength == Strength::Not && h.start < end && start < h.end)
    };
    for (target, pair) in &c.near {
        for (start, end) in pair.find(&norm, &words) {
            if overlapped(*target, start, end) {
                continue;
            }
            let list = strong.entry(*target).or_default();
            let text = norm[start..end].to_string();
            if !list.contains(&text) {
                list.push(text);
            }
            break;
        }
    }
    // "Si ça ne marche pas d'ici vendredi, je résilie": a notice that is a condition is a
    // threat to leave. It is one only when every sentence that gives notice sets a condition.
    let cancellation = c.targets.iter().position(|t| *t == Target::Situation(SituationName::Cancellation));
    if let Some(target) = cancellation
        && !c.conditional.is_empty()
    {
        let notices: Vec<&Hit> = found_hits
            .iter()
            .filter(|h| h.entry.target == target && h.entry.strength == Strength::Strong)
            .filter(|h| !vetoed(target, h.start, h.end))
            .collect();
        // Only what comes before the notice in its sentence: "if not fixed by Friday, I
        // cancel", "sinon je résilie"; "I want to cancel and would like to know if…" is a notice.
        let conditional = |h: &&Hit| {
            let start = norm[..h.start].rfind(['.', '!', '?']).map_or(0, |i| i + 1);
            let mut sentence = norm[start..h.start].to_string();
            for p in &c.not_conditional {
                sentence = sentence.replace(p.as_str(), " ");
            }
            c.conditional.iter().any(|w| crate::text::contains_phrase(&sentence, w))
        };
        if !notices.is_empty() && notices.iter().all(conditional) {
            let evidence: Vec<String> = strong.remove(&target).unwrap_or_default();
            if let Some(threat) = c.targets.iter().position(|t| *t == Target::Situation(SituationName::ThreatToLeave)) {
                strong.entry(threat).or_default().extend(evidence.into_iter().map(|e| format!("if …: {e}")));
            }
            weak.remove(&target);
        }
    }

    let judge = |target: usize| -> Option<(f32, Vec<String>)> {
        if let Some(s) = strong.get(&target).filter(|s| !s.is_empty()) {
            let mut ev = s.clone();
            ev.extend(weak.get(&target).cloned().unwrap_or_default());
            return Some((STRONG, ev));
        }
        let w = weak.get(&target).filter(|w| !w.is_empty())?;
        Some((if w.len() >= 2 { TWO_WEAK } else { ONE_WEAK }, w.clone()))
    };

    let mut reading = SituationReading::default();
    let mut fault_best: Option<(f32, FaultKind, Vec<String>)> = None;
    for (index, target) in c.targets.iter().enumerate() {
        let Some((confidence, evidence)) = judge(index) else {
            continue;
        };
        match target {
            Target::Situation(name) => {
                reading.found.push(Situation { name: *name, evidence, confidence, source: Source::Text })
            }
            Target::Fault(kind) => {
                if fault_best.as_ref().is_none_or(|(best, _, _)| confidence > *best) {
                    fault_best = Some((confidence, *kind, evidence));
                }
            }
            // The first confident request in the file's order: one a reply can name.
            Target::Request(kind) => {
                if confidence >= CONFIDENT && reading.request.is_none() {
                    reading.request = Some(*kind);
                }
            }
        }
    }
    if let Some((confidence, kind, evidence)) = fault_best {
        if confidence >= CONFIDENT {
            reading.fault = Some(kind);
        }
        reading.found.push(Situation { name: SituationName::OurFault, evidence, confidence, source: Source::Text });
    }

    // The customer's text with its case kept, for what we quote back.
    let body_plain = plain_text(clues.text);

    // A stated age of 70 or more.
    for re in &c.age {
        if !re.is_match(&body_plain) {
            continue;
        }
        if let Some(age) =
            re.captures(&body_plain).and_then(|m| m.name("age")).and_then(|a| a.as_str().parse::<u32>().ok())
            && (70..=120).contains(&age)
        {
            upgrade(&mut reading, SituationName::Vulnerable, format!("{age}"));
            break;
        }
    }

    // Questions: three or more is confident, two is unsure.
    // "Tudo bem?", "how are you?": a courtesy, not a question to answer.
    let courtesies = crate::text::sentences(clues.text)
        .iter()
        .filter(|q| q.trim_end().ends_with('?'))
        .filter(|q| {
            // The courtesy and at most two words more ("Oi, tudo bem?"), never "Como está o
            // meu pedido?".
            let n = crate::text::normalize(q);
            let words = crate::text::word_count(&n);
            c.courtesy.iter().any(|p| crate::text::contains_phrase(&n, p) && words <= crate::text::word_count(p) + 2)
        })
        .count() as u32;
    // Numbered points ("1) … 2) …") are what they count as their questions: one point may
    // hold two question marks, another a request without one.
    let questions = match (count_questions(clues.text).saturating_sub(courtesies), numbered_lines(clues.text)) {
        (asked, points) if asked >= 2 && points >= 2 => points,
        (asked, _) => asked,
    };
    reading.question_count = questions;
    if questions >= 2 {
        reading.found.push(Situation {
            name: SituationName::MultipleQuestions,
            evidence: vec![format!("{questions} questions")],
            confidence: if questions >= 3 { STRONG } else { ONE_WEAK },
            source: Source::Text,
        });
    }

    // Vague only for a short mail that names nothing; a technical one is not vague.
    let short = crate::text::word_count(clues.text) <= 60;
    if !short || clues.has_detail || reading.is(SituationName::Technical) {
        reading.found.retain(|s| s.name != SituationName::Vague);
    }

    // "third time": their Nth mail.
    for (phrase, n) in &c.times {
        if crate::text::contains_phrase(&norm, phrase) {
            reading.nth_mail = Some(reading.nth_mail.map_or(*n, |m| m.max(*n)));
        }
    }
    // When they first wrote only matters when they speak of writing before.
    let speaks_of_before = reading.found.iter().any(|s| s.name == SituationName::RepeatedContact);
    for re in c.first_contact.iter().filter(|_| speaks_of_before) {
        if !re.is_match(&body_plain) {
            continue;
        }
        if let Some(date) = re.captures(&body_plain).and_then(|m| m.name("date")) {
            reading.first_contact = langdata::data(clues.lang).calendar.read(date.as_str());
            if reading.first_contact.is_some() {
                break;
            }
        }
    }
    if reading.first_contact.is_some() {
        upgrade_weakly(&mut reading, SituationName::RepeatedContact, "wrote on".into());
    }

    // The deadline as written, the number to call, and the sentence that says what is at stake.
    // Quoted back mid-sentence: "Bis 11 Uhr" at the start of their sentence is "bis 11 Uhr"
    // in ours (every deadline pattern starts with a preposition or an adverb).
    reading.deadline =
        c.deadline.iter().find_map(|re| re.find(&body_plain)).map(|m| lower_first(&trim_quote(m.as_str())));
    if call_requested {
        reading.phone = find_phone(&body_plain);
    }
    // Something of ours that stopped working, with a deadline they set or a call they ask
    // for, is a sign of hurry; with one more ("urgent", "my customers", a 502) they are in a
    // hurry. Elsewhere a deadline is the scam's, the lawyer's or the refund's, not an outage.
    let failing = reading.is(SituationName::Technical)
        && ![SituationName::SecurityWorry, SituationName::Legal, SituationName::Chargeback, SituationName::OurFault]
            .iter()
            .any(|n| reading.is(*n));
    if failing && let Some(d) = reading.deadline.clone() {
        upgrade_weakly(&mut reading, SituationName::Urgent, crate::text::normalize(&d));
    }
    if failing && let Some(phone) = reading.phone.clone() {
        upgrade_weakly(&mut reading, SituationName::Urgent, phone);
    }
    if reading.is(SituationName::Urgent) {
        reading.impact = impact_sentence(clues.text, &reading, &c.phrases_for_calls());
    }
    // A colleague named beside one word of praise ("say thank you to Priya … brilliant")
    // is praise for that colleague.
    let colleague = || {
        c.colleague
            .iter()
            .filter(|re| re.is_match(&body_plain))
            .find_map(|re| re.captures(&body_plain)?.name("name").map(|n| n.as_str().to_string()))
    };
    let unsure_praise = reading.found.iter().any(|s| s.name == SituationName::Praise && s.confidence < CONFIDENT);
    if unsure_praise && let Some(name) = colleague() {
        upgrade_weakly(&mut reading, SituationName::Praise, format!("a colleague named: {name}"));
    }
    if reading.is(SituationName::Praise) {
        reading.colleague = colleague();
        reading.to_manager = c.manager.iter().any(|p| crate::text::contains_phrase(&norm, p));
    }
    if reading.is(SituationName::SecurityWorry) {
        reading.untouched = c.untouched.iter().any(|p| crate::text::contains_phrase(&norm, p));
        reading.asks_secret = c.asks_secret.iter().any(|p| crate::text::contains_phrase(&norm, p));
    }
    // Steps written out (two numbered lines or more) or words that say what they tried.
    if reading.is(SituationName::Technical) {
        let numbered = numbered_lines(clues.text);
        reading.described = numbered >= 2 || c.described.iter().any(|p| crate::text::contains_phrase(&norm, p));
    }
    reading.sort();
    reading
}

impl Compiled {
    fn phrases_for_calls(&self) -> Vec<&str> {
        self.entries
            .iter()
            .zip(&self.phrases)
            .filter(|(e, _)| e.strength == Strength::CallRequest)
            .map(|(_, p)| p.as_str())
            .collect()
    }
}

fn upgrade(reading: &mut SituationReading, name: SituationName, evidence: String) {
    match reading.found.iter_mut().find(|s| s.name == name) {
        Some(s) => {
            s.confidence = s.confidence.max(STRONG);
            s.evidence.push(evidence);
        }
        None => {
            reading.found.push(Situation { name, evidence: vec![evidence], confidence: STRONG, source: Source::Text })
        }
    }
}

/// One more weak sign: an unsure reading becomes confident, none becomes unsure.
fn upgrade_weakly(reading: &mut SituationReading, name: SituationName, evidence: String) {
    match reading.found.iter_mut().find(|s| s.name == name) {
        Some(s) => {
            s.confidence = s.confidence.max(TWO_WEAK);
            s.evidence.push(evidence);
        }
        None => {
            reading.found.push(Situation { name, evidence: vec![evidence], confidence: ONE_WEAK, source: Source::Text })
        }
    }
}

/// "Bis 11 Uhr" → "bis 11 Uhr", "AVANT 11h" → "avant 11h": the first word as it reads
/// mid-sentence, the rest as they wrote it.
fn lower_first(s: &str) -> String {
    let (first, rest) = s.split_once(' ').unwrap_or((s, ""));
    let shouted = first.chars().filter(|c| c.is_alphabetic()).count() > 1 && !first.chars().any(char::is_lowercase);
    let first = if shouted {
        first.to_lowercase()
    } else {
        let mut chars = first.chars();
        chars.next().map(|c| c.to_lowercase().chain(chars).collect()).unwrap_or_default()
    };
    if rest.is_empty() { first } else { format!("{first} {rest}") }
}

/// Apostrophes made plain and whitespace collapsed, case kept.
fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' => '\'',
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim_end().to_string()
}

fn trim_quote(s: &str) -> String {
    s.trim().trim_end_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '!' | '?')).trim().to_string()
}

/// "+44 20 7946 0958", "(312) 555-0147", "0171 4829133", "912 345 678", "(11) 98765-4321".
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d[\d\s./-]{5,16}\d").expect("static regex")
});

/// The first number in the text that looks like a phone number (8 to 15 digits, grouped
/// the way people write them, not a date or a reference glued to letters).
fn find_phone(text: &str) -> Option<String> {
    PHONE.find_iter(text).find_map(|m| {
        let s = m.as_str().trim();
        let digits = s.chars().filter(char::is_ascii_digit).count();
        let glued = text[..m.start()].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '-')
            || text[m.end()..].chars().next().is_some_and(|c| c.is_alphanumeric());
        let date_like = s.matches(['.', '/']).count() >= 2 && !s.contains(' ');
        ((8..=15).contains(&digits) && !glued && !date_like).then(|| s.to_string())
    })
}

/// Lines that start a numbered point: "1.", "2)", "10." (digits are ASCII, so the slice
/// after them is on a char boundary).
fn numbered_lines(text: &str) -> u32 {
    text.lines()
        .filter(|l| {
            let l = l.trim_start();
            let digits = l.chars().take_while(char::is_ascii_digit).count();
            (1..=2).contains(&digits) && l[digits..].starts_with(['.', ')'])
        })
        .count() as u32
}

/// Sentences ending in a question mark (a run of "???" counts once).
fn count_questions(text: &str) -> u32 {
    let mut count = 0;
    let mut in_run = false;
    for line in text.lines() {
        let l = line.trim_start();
        if l.starts_with('>') {
            continue;
        }
        for c in line.chars() {
            if c == '?' {
                if !in_run {
                    count += 1;
                }
                in_run = true;
            } else if !c.is_whitespace() {
                in_run = false;
            }
        }
    }
    count
}

/// The customer's own sentence that says what is at stake, as written (at most 20 words,
/// trailing punctuation off), never one that asks for a call.
fn impact_sentence(text: &str, reading: &SituationReading, call_phrases: &[&str]) -> Option<String> {
    let evidence: Vec<&str> = reading
        .found
        .iter()
        .filter(|s| s.name == SituationName::Urgent)
        .flat_map(|s| s.evidence.iter().map(String::as_str))
        .collect();
    for sentence in sentences(text) {
        let norm = crate::text::normalize(&sentence);
        if call_phrases.iter().any(|p| crate::text::contains_phrase(&norm, p)) || norm.contains('@') {
            continue;
        }
        if evidence.iter().any(|e| crate::text::contains_phrase(&norm, e)) {
            let words = crate::text::word_count(&sentence);
            if (3..=20).contains(&words) {
                return Some(
                    trim_quote(&sentence).trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}').to_string(),
                );
            }
        }
    }
    None
}

/// Sentences of the customer's text, split on . ! ? and line breaks.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c == '\n' {
            if !current.trim().is_empty() {
                out.push(current.trim().to_string());
            }
            current.clear();
            continue;
        }
        current.push(c);
        if matches!(c, '.' | '!' | '?') {
            if !current.trim().is_empty() {
                out.push(current.trim().to_string());
            }
            current.clear();
        }
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_en(text: &str) -> SituationReading {
        read(&Clues { text, subject: "", lang: Lang::En, has_detail: false })
    }

    fn read_in(lang: Lang, text: &str) -> SituationReading {
        read(&Clues { text, subject: "", lang, has_detail: true })
    }

    #[test]
    fn near_pairs_read_words_apart_but_not_across_sentences_or_vetoes() {
        let r = read_en("Order ORD-55812 has been charged to our company card twice.");
        assert_eq!(r.fault, Some(FaultKind::DoubleCharge), "{r:?}");
        // Too far apart, or in another sentence: no sign.
        let r = read_en("We were charged for the standing desk. The courier came twice.");
        assert_eq!(r.fault, None, "{r:?}");
        let r = read_in(Lang::De, "Die Bestellung B-48213 wurde zweimal von meiner Kreditkarte abgebucht.");
        assert_eq!(r.fault, Some(FaultKind::DoubleCharge), "{r:?}");
        // The customer's own mistake is not ours.
        let r = read_in(Lang::De, "Ich hatte letzte Woche die falsche Größe bestellt, Tobias hat es getauscht.");
        assert_eq!(r.fault, None, "{r:?}");
        // Instalments are not a double charge.
        let r = read_in(Lang::Es, "¿Me pueden cobrar el pedido en dos veces?");
        assert_eq!(r.fault, None, "{r:?}");
        // Every near pair of every language compiles.
        for lang in Lang::ALL {
            let file = &langdata::data(lang).situations;
            let written = SituationName::ALL
                .iter()
                .filter_map(|n| n.lists(file))
                .chain(file.our_fault.values())
                .chain(file.request.values())
                .map(|l| l.near.len() + l.not_near.len())
                .sum::<usize>();
            assert_eq!(
                COMPILED[&lang].near.len() + COMPILED[&lang].not_near.len(),
                written,
                "{lang}: a near pair without '~' or that does not compile"
            );
        }
    }

    #[test]
    fn everyday_requests_are_read_in_every_language() {
        let cases = [
            (
                Lang::En,
                "Could you change the delivery address on order #48213? I've just moved.",
                RequestKind::AddressChange,
            ),
            (
                Lang::De,
                "Können Sie bitte die Lieferadresse meiner Bestellung 10482 ändern?",
                RequestKind::AddressChange,
            ),
            (
                Lang::Fr,
                "Pourriez-vous m'envoyer une copie de la facture de ma commande n°10482 ?",
                RequestKind::Invoice,
            ),
            (
                Lang::Es,
                "Necesito una copia de la factura del pedido 48213 a nombre de mi empresa.",
                RequestKind::Invoice,
            ),
            (Lang::It, "Potreste cambiare l'indirizzo di consegna dell'ordine 10482?", RequestKind::AddressChange),
            (Lang::Nl, "Kunt u het bezorgadres van mijn bestelling 100482 aanpassen?", RequestKind::AddressChange),
            (Lang::Pt, "Onde está o meu pedido 48213? Ainda não chegou.", RequestKind::OrderStatus),
            (Lang::En, "Margaret died in September. Can the club be put into my name?", RequestKind::AccountTransfer),
            (Lang::Fr, "Je voudrais une facture à mon nom pour la commande 10482.", RequestKind::Invoice),
        ];
        for (lang, text, want) in cases {
            assert_eq!(read_in(lang, text).request, Some(want), "{lang}: {text}");
        }
        assert_eq!(read_en("The app crashes when I open the camera.").request, None);
    }

    #[test]
    fn a_technical_mail_that_gives_its_steps_is_described() {
        let steps =
            "The export fails with error 500.\n1. Go to Orders > Export\n2. Click Export\nSame in Chrome and Firefox.";
        assert!(read_en(steps).described, "{:?}", read_en(steps));
        let tried = "The app keeps crashing since the update. I've already tried reinstalling it.";
        assert!(read_en(tried).described);
        let bare = "The app keeps crashing since the update, what can I do?";
        assert!(read_en(bare).is(SituationName::Technical) && !read_en(bare).described);
    }

    #[test]
    fn a_look_alike_sender_is_named_and_ours_are_not() {
        let ours = ["example.com"];
        let text =
            "It came from an address ending in example-billing-secure.com, and another from examp1e-cuentas.com.";
        assert_eq!(suspect_domain(text, &ours, "sky.com").as_deref(), Some("example-billing-secure.com"));
        assert_eq!(suspect_domain("avisos@examp1e-cuentas.com", &ours, "x.es").as_deref(), Some("examp1e-cuentas.com"));
        // Our own domain, a subdomain of it, their own and unrelated domains are not suspects.
        assert_eq!(
            suspect_domain("from support@example.com or mail.example.com, or gmail.com", &ours, "gmail.com"),
            None
        );
        // The domain of an address they quote is the sender's, whatever its name.
        let quoted = "De mail komt van een adres wat eindigt op \"@pakketservice-bezorging.info\". Is dat van u?";
        assert_eq!(suspect_domain(quoted, &ours, "kpnmail.nl").as_deref(), Some("pakketservice-bezorging.info"));
        assert_eq!(suspect_domain("it said it was from parcel-fees.info", &ours, "x.nl"), None);
        let r = read_en("Is this email really from you? I haven't clicked anything.");
        assert!(r.is(SituationName::SecurityWorry) && r.untouched, "{r:?}");
    }

    #[test]
    fn deadlines_of_the_day_they_wrote_are_over_the_next_day() {
        let mon_9 = 1_796_029_200; // Mon 30 Nov 2026 09:00 UTC
        let thu = mon_9 + 3 * 86_400;
        assert!(deadline_passed("by 2pm", Lang::En, mon_9, thu, Some(0)));
        assert!(deadline_passed("bis 11 Uhr", Lang::De, mon_9, thu, Some(3600)));
        assert!(deadline_passed("today", Lang::En, mon_9, mon_9 + 86_400, None));
        assert!(!deadline_passed("today", Lang::En, mon_9, mon_9 + 3600, None));
        assert!(!deadline_passed("tomorrow", Lang::En, mon_9, mon_9 + 86_400, None));
        assert!(deadline_passed("demain", Lang::Fr, mon_9, thu, None));
        // A named day or a window is not judged.
        assert!(!deadline_passed("by Friday 4 December", Lang::En, mon_9, thu, None));
        assert!(!deadline_passed("within 48 hours", Lang::En, mon_9, thu, None));
        assert!(!deadline_passed("innerhalb von 14 Tagen", Lang::De, mon_9, thu, None));
    }

    #[test]
    fn courtesy_questions_are_not_questions_to_answer() {
        let r = read_in(
            Lang::Pt,
            "Oi, tudo bem? Recebi o pedido errado. Vocês podem trocar? Quem paga o frete? Quando chega?",
        );
        assert_eq!(r.question_count, 3, "{r:?}");
        let r = read_in(Lang::Pt, "Como está o meu pedido? E a fatura?");
        assert_eq!(r.question_count, 2, "{r:?}");
    }

    #[test]
    fn a_deadline_reads_mid_sentence() {
        assert_eq!(lower_first("Bis 11 Uhr"), "bis 11 Uhr");
        assert_eq!(lower_first("AVANT 11h"), "avant 11h");
        assert_eq!(lower_first("by Friday"), "by Friday");
        assert_eq!(lower_first("Vóór 12:00"), "vóór 12:00");
    }

    #[test]
    fn a_colleague_named_beside_praise_is_praise() {
        let r = read_en("Just a quick one to say thank you to Priya on your live chat, she was brilliant.");
        assert!(r.is(SituationName::Praise), "{r:?}");
        assert_eq!(r.colleague.as_deref(), Some("Priya"));
    }

    #[test]
    fn a_strong_phrase_is_confident_one_weak_is_unsure() {
        let r = read_en("My father passed away last month and I need to close his account.");
        assert!(r.is(SituationName::Bereavement), "{r:?}");
        let r = read_en("I have a funeral to attend so I may be slow to reply.");
        assert!(!r.is(SituationName::Bereavement));
        assert!(r.unsure().any(|s| s.name == SituationName::Bereavement), "{r:?}");
    }

    #[test]
    fn not_phrases_veto_false_friends() {
        let r = read_en("My phone died so I couldn't reply, sorry.");
        assert!(r.found.iter().all(|s| s.name != SituationName::Bereavement), "{r:?}");
    }

    #[test]
    fn urgent_with_deadline_phone_and_impact() {
        let r = read_en(
            "Our checkout is down and we are losing orders every minute. Please call me on +44 20 7946 0958. We need it fixed by Friday 4 December.",
        );
        assert!(r.is(SituationName::Urgent), "{r:?}");
        assert_eq!(r.phone.as_deref(), Some("+44 20 7946 0958"));
        assert_eq!(r.deadline.as_deref(), Some("by Friday 4 December"));
        assert_eq!(r.impact.as_deref(), Some("Our checkout is down and we are losing orders every minute"));
        for (text, phone) in [
            ("Please call me on (312) 555-0147 asap.", "(312) 555-0147"),
            ("call me: 0171 4829133", "0171 4829133"),
            ("ring me on 912 345 678 please", "912 345 678"),
            ("call me back on (11) 98765-4321", "(11) 98765-4321"),
        ] {
            assert_eq!(find_phone(text).as_deref(), Some(phone), "{text}");
        }
        assert_eq!(find_phone("order AB-20417331 from 03.12.2026"), None);
    }

    #[test]
    fn third_time_and_the_first_date() {
        let r = read_en("This is the third time I've written. I first emailed you on 24 November.");
        assert!(r.is(SituationName::RepeatedContact), "{r:?}");
        assert_eq!(r.nth_mail, Some(3));
        assert_eq!(r.earlier_count(), 2);
        assert_eq!(r.first_contact, Some((24, 11)));
    }

    #[test]
    fn our_fault_names_its_kind() {
        let r = read_en("You have charged me twice for the same order.");
        assert!(r.is(SituationName::OurFault));
        assert_eq!(r.fault, Some(FaultKind::DoubleCharge));
    }

    #[test]
    fn questions_are_counted() {
        let r = read_en("Do you ship to Ireland? How long does it take? Can I pay by invoice??");
        assert_eq!(r.question_count, 3);
        assert!(r.is(SituationName::MultipleQuestions));
        // Four numbered points, five question marks: four questions.
        let points = "1) Could you reissue the invoice? In our name?\n2) What would two more users cost?\n\
                      3) Can we pay by direct debit?\n4) And ticket #58213, any date for the fix?";
        assert_eq!(read_en(points).question_count, 4);
    }

    #[test]
    fn nothing_in_a_plain_mail() {
        let r = read_en("Could you tell me when my order will be dispatched?");
        assert_eq!(r.confident().count(), 0, "{r:?}");
    }

    #[test]
    fn no_panic_on_odd_text() {
        for t in ["", "???", "İİİİ ẞ ΐ ﬁ passed away", "\u{0}\u{feff}", "call me on +", "call me +4 4"] {
            let _ = read_en(t);
            for lang in Lang::ALL {
                let _ = read(&Clues { text: t, subject: t, lang, has_detail: false });
            }
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        // Any Unicode, and text made of the words and signs the lists and regexes look at.
        prop_oneof![
            any::<String>(),
            proptest::collection::vec(
                prop_oneof![
                    Just("passed away".to_string()),
                    Just("İİİ".to_string()),
                    Just("ẞ".to_string()),
                    Just("call me on +44 20 7946 0958".to_string()),
                    Just("third time".to_string()),
                    Just("by Friday 4 December".to_string()),
                    Just("?".to_string()),
                    Just("\n".to_string()),
                    Just("ﬁ".to_string()),
                    "[a-zA-Z0-9 .,!?'’-]{0,12}",
                ],
                0..30
            )
            .prop_map(|v| v.join(" ")),
        ]
    }

    proptest! {
        #[test]
        fn reading_never_panics_and_evidence_is_in_the_text(t in text(), lang in 0usize..7) {
            let lang = Lang::ALL[lang];
            let r = read(&Clues { text: &t, subject: "", lang, has_detail: false });
            let norm = crate::text::normalize(&t);
            for s in r.found.iter().filter(|s| s.source == Source::Text && s.name != SituationName::MultipleQuestions) {
                for e in &s.evidence {
                    prop_assert!(norm.contains(e.as_str()) || e.chars().all(|c| c.is_ascii_digit()) || e == "wrote on",
                        "{e:?} not in {norm:?}");
                }
            }
            if let Some(p) = &r.phone {
                prop_assert!(t.contains(p.as_str()));
            }
            if let Some(d) = &r.deadline {
                prop_assert!(plain_text(&t).contains(d.as_str()));
            }
        }

        #[test]
        fn references_are_always_the_customers_own_characters(t in text()) {
            for d in crate::empathy::details::all(&t, &["Router X2".to_string()]) {
                prop_assert!(t.contains(d.value.as_str()) || t.to_lowercase().contains(&d.value.to_lowercase()), "{:?} not in {t:?}", d.value);
            }
        }

        #[test]
        fn names_dates_and_offsets_never_panic(t in text()) {
            let _ = crate::empathy::names::parse_person(&t);
            let _ = crate::empathy::names::from_sign_off(&t);
            let _ = crate::drafting::date_offset(&t);
            for lang in Lang::ALL {
                let _ = crate::empathy::langdata::data(lang).calendar.read(&t);
            }
        }
    }
}
