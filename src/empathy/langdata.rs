//! The per-language data files (locales/LANG/*.toml, embedded at build time): what the
//! reading looks for in a customer's mail (situations.toml), what the lint looks for in our
//! draft (judging.toml), how dates are read and written (calendar.toml) and, for
//! Portuguese, what marks the Brazilian or the European variant (variant.toml).
//!
//! A file that does not parse is reported by `problems()` (and by a unit test over the
//! shipped data) and read as empty: a bad word list must never stop intake.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use regex::Regex;
use serde::Deserialize;

use crate::domain::Lang;

include!(concat!(env!("OUT_DIR"), "/shipped_locales.rs"));

/// One situation's lists, as written in situations.toml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationLists {
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub weak: Vec<String>,
    #[serde(default)]
    pub not: Vec<String>,
    #[serde(default)]
    pub deadline: Vec<String>,
    #[serde(default)]
    pub call_request: Vec<String>,
    #[serde(default)]
    pub first_contact: Vec<String>,
    #[serde(default)]
    pub times: BTreeMap<String, u32>,
    #[serde(default)]
    pub colleague: Vec<String>,
    #[serde(default)]
    pub age: Vec<String>,
    /// "charged ~ twice": the two phrases in one sentence, at most five words apart, in this
    /// order ("charged to our company card twice"). A strong sign, unless a `not` covers it.
    #[serde(default)]
    pub near: Vec<String>,
    /// Pairs as in `near` that veto the signs they cover ("hatte ~ falsche größe": the
    /// customer ordered the wrong size).
    #[serde(default)]
    pub not_near: Vec<String>,
    /// technical only: they described the steps, what they tried, or sent a screenshot, so
    /// the reply asks for none of it.
    #[serde(default)]
    pub described: Vec<String>,
    /// cancellation only: words that make a notice a condition ("if … I'll cancel",
    /// "sinon je résilie"): then it is a threat to leave, not a notice.
    #[serde(default)]
    pub conditional: Vec<String>,
    /// urgent only: deadline words for the day they wrote ("today", "heute"), for the day
    /// after ("tomorrow"), and words that name another day ("friday", "weekend"). A
    /// deadline of the day they wrote (or a bare time: "by 2pm") or the day after has
    /// passed when we answer on a later day.
    #[serde(default)]
    pub same_day: Vec<String>,
    #[serde(default)]
    pub next_day: Vec<String>,
    #[serde(default)]
    pub dated: Vec<String>,
    /// security_worry only: they say they clicked or entered nothing, so the reply does not
    /// ask whether they did.
    #[serde(default)]
    pub untouched: Vec<String>,
    /// security_worry only: the message they got asks for what we never ask for by mail
    /// (card details, a password, a PIN, a payment by link), so the reply can say at once
    /// that it did not come from us.
    #[serde(default)]
    pub asks_secret: Vec<String>,
    /// praise only: words that ask for the praise to reach the colleague's manager.
    #[serde(default)]
    pub manager: Vec<String>,
    /// cancellation only: conditional words that set no condition ("if possible").
    #[serde(default)]
    pub not_conditional: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SituationsFile {
    #[serde(default)]
    pub bereavement: SituationLists,
    #[serde(default)]
    pub urgent: SituationLists,
    #[serde(default)]
    pub repeated_contact: SituationLists,
    #[serde(default)]
    pub our_fault: BTreeMap<String, SituationLists>,
    /// Everyday requests the reply names (`account_transfer`, `address_change`, `invoice`,
    /// `order_status`), in that order of precedence.
    #[serde(default)]
    pub request: BTreeMap<String, SituationLists>,
    #[serde(default)]
    pub cancellation: SituationLists,
    #[serde(default)]
    pub threat_to_leave: SituationLists,
    #[serde(default)]
    pub chargeback: SituationLists,
    #[serde(default)]
    pub legal: SituationLists,
    #[serde(default)]
    pub praise: SituationLists,
    #[serde(default)]
    pub feature_idea: SituationLists,
    #[serde(default)]
    pub vulnerable: SituationLists,
    #[serde(default)]
    pub security_worry: SituationLists,
    #[serde(default)]
    pub vague: SituationLists,
    #[serde(default)]
    pub technical: SituationLists,
    #[serde(default)]
    pub continuing: SituationLists,
    /// Only `not`: courtesy questions ("tudo bem?", "how are you?") that are not questions
    /// to answer.
    #[serde(default)]
    pub multiple_questions: SituationLists,
}

/// What the lint looks for in a draft of this language.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgingFile {
    #[serde(default)]
    pub condolence: Vec<String>,
    #[serde(default)]
    pub safety: Vec<String>,
    #[serde(default)]
    pub earlier_contact: Vec<String>,
    #[serde(default)]
    pub fault_admission: Vec<String>,
    #[serde(default)]
    pub screenshot_request: Vec<String>,
    #[serde(default)]
    pub business_day_promise: Vec<String>,
    #[serde(default)]
    pub cheerful_closing: Vec<String>,
    #[serde(default)]
    pub anything_else: Vec<String>,
    #[serde(default)]
    pub patience_thanks: Vec<String>,
    #[serde(default)]
    pub variant_markers: VariantMarkers,
}

impl JudgingFile {
    /// The lists as the lint matches them: normalised once, not on every draft.
    fn normalize(&mut self) {
        for list in [
            &mut self.condolence,
            &mut self.safety,
            &mut self.earlier_contact,
            &mut self.fault_admission,
            &mut self.screenshot_request,
            &mut self.business_day_promise,
            &mut self.cheerful_closing,
            &mut self.anything_else,
            &mut self.patience_thanks,
            &mut self.variant_markers.br,
            &mut self.variant_markers.pt,
        ] {
            for p in list.iter_mut() {
                // "estou a " keeps its trailing space: it marks the phrase as a prefix.
                let trailing = p.ends_with(' ');
                *p = crate::text::normalize(p);
                if trailing {
                    p.push(' ');
                }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantMarkers {
    #[serde(default)]
    pub br: Vec<String>,
    #[serde(default)]
    pub pt: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    #[serde(default)]
    pub months: Vec<String>,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub read_months: BTreeMap<String, u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantSide {
    #[serde(default)]
    pub words: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantFile {
    #[serde(default)]
    pub br: VariantSide,
    #[serde(default)]
    pub pt: VariantSide,
}

/// How this language greets (greeting.toml).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingFile {
    /// Whether a reply in the polite form (Sie, Lei) may greet by first name alone when the
    /// customer wrote no pronoun: "Guten Tag Jana," reads as too familiar beside "Sie", so
    /// German says no; English has no polite form and says yes.
    #[serde(default = "yes")]
    pub first_name_with_polite_reply: bool,
}

fn yes() -> bool {
    true
}

impl Default for GreetingFile {
    fn default() -> Self {
        GreetingFile { first_name_with_polite_reply: true }
    }
}

/// When a subject line can be named back to the customer as the topic of their mail
/// (topic.toml): "Geschenkgutschein für Kollegen" can; "Frage", "Hilfe!!" and "My order
/// hasn't arrived, please help" cannot.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicFile {
    /// Words that say nothing of the matter ("question", "request", "help"): a subject made
    /// only of these (and numbers) is not a topic.
    #[serde(default)]
    pub generic: Vec<String>,
    /// Words that make the subject a sentence to the reader rather than a title ("my",
    /// "please", "can't"): quoted back, it would read as an echo, so it is not a topic.
    #[serde(default)]
    pub sentence_words: Vec<String>,
}

impl TopicFile {
    fn normalize(&mut self) {
        for list in [&mut self.generic, &mut self.sentence_words] {
            for p in list.iter_mut() {
                *p = crate::text::normalize(p);
            }
        }
    }
}

/// What automatic mail that carries no machine header says, in this language (gate.toml):
/// the gate checks every language's lists, since it runs before the language is read.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateFile {
    /// Subjects of delivery-failure notices sent without a DSN ("Unzustellbar:").
    #[serde(default)]
    pub bounce_subjects: Vec<String>,
    /// What such a notice says in its body ("could not be delivered to the following").
    #[serde(default)]
    pub bounce_body: Vec<String>,
    /// A list holding a message for its moderator.
    #[serde(default)]
    pub moderation: Vec<String>,
    /// A challenge-response filter asking the sender to prove they are a person.
    #[serde(default)]
    pub challenge: Vec<String>,
    /// What machines say of themselves ("this is an automated message").
    #[serde(default)]
    pub automated: Vec<String>,
    /// Another help desk's status words beside its ticket token ("has been resolved").
    #[serde(default)]
    pub status: Vec<String>,
    /// Phrases spam uses and support mail does not ("you have won", "verify your account").
    #[serde(default)]
    pub spam: Vec<String>,
    /// How bulk mail offers to stop ("unsubscribe"): a sign of spam when the mail has no
    /// List-Unsubscribe header.
    #[serde(default)]
    pub unsubscribe: Vec<String>,
}

impl GateFile {
    fn normalize(&mut self) {
        for list in [
            &mut self.bounce_subjects,
            &mut self.bounce_body,
            &mut self.moderation,
            &mut self.challenge,
            &mut self.automated,
            &mut self.status,
            &mut self.spam,
            &mut self.unsubscribe,
        ] {
            for p in list.iter_mut() {
                *p = crate::text::normalize(p);
            }
        }
    }
}

/// Everything shipped for one language.
#[derive(Debug, Default)]
pub struct LangData {
    pub gate: GateFile,
    pub situations: SituationsFile,
    pub judging: JudgingFile,
    pub calendar: CalendarFile,
    pub variant: VariantFile,
    pub greeting: GreetingFile,
    pub topic: TopicFile,
}

impl CalendarFile {
    /// "29 November", "29. November", "29 de noviembre".
    pub fn format(&self, day: u32, month: u32) -> String {
        let name = self.months.get((month as usize).wrapping_sub(1)).cloned().unwrap_or_else(|| month.to_string());
        let pattern = if self.date.is_empty() { "{day} {month}" } else { self.date.as_str() };
        pattern.replace("{day}", &day.to_string()).replace("{month}", &name)
    }

    /// Reads "29 November", "Nov 29th", "29th of nov.", "29 de novembro", "29/11".
    pub fn read(&self, text: &str) -> Option<(u32, u32)> {
        let lower = crate::text::normalize(text);
        let mut day = None;
        let mut month = None;
        let numbers: Vec<u32> = lower
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse().ok())
            .collect();
        for w in lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
            if let Some(m) = self.read_months.get(w) {
                month = Some(*m);
                break;
            }
        }
        if let Some(first) = numbers.first() {
            day = Some(*first);
        }
        if month.is_none() && numbers.len() >= 2 {
            month = numbers.get(1).copied();
        }
        match (day, month) {
            (Some(d), Some(m)) if (1..=31).contains(&d) && (1..=12).contains(&m) => Some((d, m)),
            _ => None,
        }
    }
}

struct Loaded {
    by_lang: HashMap<Lang, LangData>,
    problems: Vec<String>,
}

static LOADED: LazyLock<Loaded> = LazyLock::new(load);

fn parse_into<T: serde::de::DeserializeOwned + Default>(
    lang: &str,
    stem: &str,
    source: &str,
    problems: &mut Vec<String>,
) -> T {
    match toml::from_str::<T>(source) {
        Ok(v) => v,
        Err(e) => {
            let msg = format!("locales/{lang}/{stem}.toml: {}", e.to_string().trim());
            tracing::error!("{msg}");
            problems.push(msg);
            T::default()
        }
    }
}

fn load() -> Loaded {
    let mut by_lang: HashMap<Lang, LangData> = HashMap::new();
    let mut problems = Vec::new();
    for (lang_code, stem, source) in SHIPPED_LOCALES {
        let Some(lang) = Lang::parse(lang_code) else {
            problems.push(format!("locales/{lang_code}: not a language attune knows"));
            continue;
        };
        let data = by_lang.entry(lang).or_default();
        match *stem {
            "situations" => data.situations = parse_into(lang_code, stem, source, &mut problems),
            "judging" => {
                data.judging = parse_into(lang_code, stem, source, &mut problems);
                data.judging.normalize();
            }
            "calendar" => data.calendar = parse_into(lang_code, stem, source, &mut problems),
            "variant" => data.variant = parse_into(lang_code, stem, source, &mut problems),
            "greeting" => data.greeting = parse_into(lang_code, stem, source, &mut problems),
            "topic" => {
                data.topic = parse_into(lang_code, stem, source, &mut problems);
                data.topic.normalize();
            }
            "gate" => {
                data.gate = parse_into(lang_code, stem, source, &mut problems);
                data.gate.normalize();
            }
            other => problems.push(format!("locales/{lang_code}/{other}.toml: not a file attune reads")),
        }
    }
    Loaded { by_lang, problems }
}

static EMPTY: LazyLock<LangData> = LazyLock::new(LangData::default);

pub fn data(lang: Lang) -> &'static LangData {
    LOADED.by_lang.get(&lang).unwrap_or(&EMPTY)
}

/// Files that did not parse, and regexes that do not compile (checked by a unit test and
/// by `attune check-config`).
pub fn problems() -> Vec<String> {
    let mut out = LOADED.problems.clone();
    for lang in Lang::ALL {
        let d = data(lang);
        let s = &d.situations;
        let mut lists: Vec<(&str, &Vec<String>)> = vec![
            ("urgent.deadline", &s.urgent.deadline),
            ("repeated_contact.first_contact", &s.repeated_contact.first_contact),
            ("praise.colleague", &s.praise.colleague),
            ("vulnerable.age", &s.vulnerable.age),
        ];
        lists.push(("variant.br.patterns", &d.variant.br.patterns));
        lists.push(("variant.pt.patterns", &d.variant.pt.patterns));
        for (what, list) in lists {
            for re in list {
                if let Err(e) = Regex::new(re) {
                    out.push(format!("locales/{lang}: {what}: {re:?}: {e}"));
                }
            }
        }
    }
    out
}

/// Compiles a list of regexes, case-insensitive unless `case_sensitive`; those that do not
/// compile are left out (and reported by `problems()`).
/// Each keeps a small lazy-DFA cache: there are a hundred of them across the languages and a
/// mail is short, so the default (2 MB each) would only cost memory.
pub fn compile(list: &[String], case_sensitive: bool) -> Vec<Regex> {
    list.iter()
        .filter_map(|re| {
            regex::RegexBuilder::new(re).case_insensitive(!case_sensitive).dfa_size_limit(256 * 1024).build().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_parses_and_every_regex_compiles() {
        let problems = problems();
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn every_language_has_its_situations_judging_and_calendar() {
        for lang in Lang::ALL {
            let d = data(lang);
            assert!(!d.situations.bereavement.phrases.is_empty(), "{lang}: no bereavement phrases");
            assert!(!d.judging.condolence.is_empty(), "{lang}: no condolence phrases to judge by");
            assert_eq!(d.calendar.months.len(), 12, "{lang}: months");
        }
    }

    #[test]
    fn dates_are_read_and_written() {
        let en = &data(Lang::En).calendar;
        assert_eq!(en.read("29 November"), Some((29, 11)));
        assert_eq!(en.read("Nov. 29th"), Some((29, 11)));
        assert_eq!(en.format(29, 11), "29 November");
        assert_eq!(en.read("the 40th of Nov"), None);
    }
}
