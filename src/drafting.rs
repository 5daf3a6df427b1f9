//! Drafting: read the customer (name, language, register, sentiment, their words), judge
//! the wait, choose the template by purpose, language and register, render it, and lint
//! the result. The facts a draft used are kept with it, so approval can re-render the same
//! reply with the approving agent's name and the lateness as it is then.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::config::Config;
use crate::domain::{Kind, Lang, PtVariant, Purpose, Register, Sentiment};
use crate::empathy::details::{self, Detail, DetailKind};
use crate::empathy::language::{self, LanguageSource};
use crate::empathy::lateness::Lateness;
use crate::empathy::lint::{self, CustomerFacts, Finding, LintInput};
use crate::empathy::locale::locale;
use crate::empathy::names::{self, NameInputs, NameSource, PersonName};
use crate::empathy::register::{self, RegisterReading};
use crate::empathy::sentiment;
use crate::empathy::situations::{self, SituationName, SituationReading};
use crate::mail::parse::Inbound;
use crate::mail::quote;
use crate::templates::{Letter, Locale, TemplateError, TemplateKey, Templates};
use crate::text::{normalize, words};

/// Everything a draft was built from; stored with it as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Facts {
    pub purpose: Purpose,
    pub name: Option<PersonName>,
    pub name_source: NameSource,
    pub language: Lang,
    pub language_source: LanguageSource,
    pub customer_register: RegisterReading,
    pub register: Register,
    pub sentiment: Sentiment,
    pub sentiment_score: f64,
    pub detail: Option<Detail>,
    /// Every reference the customer wrote, as written (order, invoice, return, contract…).
    #[serde(default)]
    pub details: Vec<Detail>,
    /// What the mail is about, from its subject, when it names no reference.
    #[serde(default)]
    pub topic: Option<String>,
    /// Which Portuguese they write (pt only).
    #[serde(default)]
    pub variant: Option<PtVariant>,
    /// Swiss German (a .ch or .li address, "Grüezi", "Grüsse"): the reply writes ss, never ß.
    #[serde(default)]
    pub swiss: bool,
    /// What they are going through, with the evidence, and what an agent corrected.
    #[serde(default)]
    pub situations: SituationReading,
    /// Why the sentiment reads as it does when the situations decided it.
    #[serde(default)]
    pub sentiment_reason: Option<String>,
    /// The customer's UTC offset from their Date header, for a time-of-day greeting.
    #[serde(default)]
    pub utc_offset_secs: Option<i32>,
    pub kind: Kind,
    pub dmarc_fail: bool,
    /// When the customer's message reached us.
    pub arrived_at: i64,
    /// The wait as judged at `judged_at` (drafting, then approval, then sending).
    pub lateness: Lateness,
    pub judged_at: i64,
    pub ticket_ref: String,
    pub customer_subject: String,
    /// The agent who signs, once one approved.
    pub signer: Option<String>,
    /// Sending was held up past the SLA after approval and the apology was added then.
    #[serde(default)]
    pub apology_added_at_send: bool,
}

impl Facts {
    pub fn customer_facts(&self) -> CustomerFacts {
        CustomerFacts {
            kind: self.kind,
            dmarc_fail: self.dmarc_fail,
            register: self.customer_register.clone(),
            sentiment: self.sentiment,
            name: self.name.clone(),
            detail: self.detail.clone(),
            details: self.details.clone(),
            topic: self.topic.clone(),
            situations: self.situations.clone(),
            variant: self.variant,
            local_hour: self.local_hour(),
        }
    }

    /// The customer's hour of the day when this reply is judged, from their Date offset.
    pub fn local_hour(&self) -> Option<u32> {
        self.utc_offset_secs.map(|o| ((self.judged_at + i64::from(o)).rem_euclid(86_400) / 3600) as u32)
    }

    pub fn template_key(&self) -> TemplateKey {
        TemplateKey::new(Letter::Reply, self.locale(), self.register)
    }

    pub fn locale(&self) -> Locale {
        Locale::of(self.language, self.variant)
    }

    pub fn is(&self, name: SituationName) -> bool {
        self.situations.is(name)
    }

    /// The facts for a reply to `reading`'s author: the register the voice settings choose
    /// for them, and the wait from `waited_from` judged at `now` against the policy.
    pub fn from_reading(
        config: &Config,
        policy: &crate::app::Policy,
        reading: &CustomerReading,
        about: Occasion,
    ) -> Facts {
        let register = register::choose(
            &reading.register,
            reading.language,
            config.voice.most_casual,
            config.voice.most_formal,
            config.voice.step_up,
        );
        let lateness = crate::empathy::lateness::judge(
            &policy.calendar,
            policy.sla.first_response,
            crate::clock::ts(about.waited_from),
            crate::clock::ts(about.now),
        );
        Facts {
            purpose: about.purpose,
            name: reading.name.clone(),
            name_source: reading.name_source,
            language: reading.language,
            language_source: reading.language_source,
            customer_register: reading.register.clone(),
            register,
            sentiment: reading.sentiment,
            sentiment_score: reading.sentiment_score,
            detail: reading.detail.clone(),
            details: reading.details.clone(),
            topic: reading.topic.clone(),
            variant: reading.variant,
            swiss: reading.swiss,
            situations: reading.situations.clone(),
            sentiment_reason: reading.sentiment_reason.clone(),
            utc_offset_secs: reading.utc_offset_secs,
            kind: about.kind,
            dmarc_fail: about.dmarc_fail,
            arrived_at: about.waited_from,
            lateness,
            judged_at: about.now,
            ticket_ref: about.ticket_ref,
            customer_subject: about.customer_subject,
            signer: None,
            apology_added_at_send: false,
        }
    }
}

/// What a reply is for and about, besides what we read from the customer.
pub struct Occasion {
    pub purpose: Purpose,
    pub kind: Kind,
    pub dmarc_fail: bool,
    /// The oldest customer message the reply answers: the wait counts from here.
    pub waited_from: i64,
    pub now: i64,
    pub ticket_ref: String,
    pub customer_subject: String,
}

/// What we read from the customer's message.
#[derive(Clone, Debug)]
pub struct CustomerReading {
    pub stripped: String,
    pub name: Option<PersonName>,
    pub name_source: NameSource,
    pub language: Lang,
    pub language_source: LanguageSource,
    pub register: RegisterReading,
    pub sentiment: Sentiment,
    pub sentiment_score: f64,
    pub detail: Option<Detail>,
    pub details: Vec<Detail>,
    pub topic: Option<String>,
    pub variant: Option<PtVariant>,
    pub swiss: bool,
    pub situations: SituationReading,
    pub sentiment_reason: Option<String>,
    pub utc_offset_secs: Option<i32>,
}

/// "+0100", "-0300 (BRT)": the offset of an RFC 5322 Date header, in seconds.
pub fn date_offset(date_header: &str) -> Option<i32> {
    let without_comment = date_header.split('(').next().unwrap_or("").trim();
    let last = without_comment.rsplit(' ').next()?;
    let (sign, digits) = match last.as_bytes().first()? {
        b'+' => (1, last.get(1..)?),
        b'-' => (-1, last.get(1..)?),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits.get(..2)?.parse().ok()?;
    let minutes: i32 = digits.get(2..)?.parse().ok()?;
    (hours <= 14 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

pub fn read_customer(config: &Config, m: &Inbound, correction: Option<&str>) -> CustomerReading {
    let stripped = quote::strip(&m.text).text;
    let finding = names::find_name(&NameInputs {
        display_name: m.reply_target().name.as_deref().or(m.from.name.as_deref()),
        local_part: Some(m.reply_target().address.local_part()),
        stripped_body: &stripped,
        correction,
        domain: Some(m.reply_target().address.domain()),
    });
    let lang_sample = format!("{}\n{}", m.subject, stripped);
    let lang = language::detect(&lang_sample, config.support.default_language);
    let register = register::detect(&stripped, lang.lang);
    let score = sentiment::compound(&format!("{}. {}", m.subject, stripped), lang.lang);
    let all_details = details::all(&format!("{}\n{}", m.subject, stripped), &config.drafting.products);
    let variant =
        (lang.lang == Lang::Pt).then(|| language::pt_variant(&lang_sample, m.reply_target().address.domain()));
    let mut situations = situations::read(&situations::Clues {
        text: &stripped,
        subject: &m.subject,
        lang: lang.lang,
        has_detail: !all_details.is_empty(),
    });
    if situations.is(SituationName::SecurityWorry) {
        let message_id_domain = config.support.message_id_domain();
        let ours = [config.support.address.domain(), message_id_domain.as_str()];
        situations.suspect_domain = situations::suspect_domain(
            &format!("{}\n{}", m.subject, stripped),
            &ours,
            m.reply_target().address.domain(),
        );
    }
    let (sentiment, sentiment_reason) = agree(sentiment::classify(score), &situations);
    let swiss = lang.lang == Lang::De && is_swiss(&stripped, m.reply_target().address.domain());
    CustomerReading {
        stripped,
        name: finding.name,
        name_source: finding.source,
        language: lang.lang,
        language_source: lang.source,
        register,
        sentiment,
        sentiment_score: score,
        detail: all_details.first().cloned(),
        topic: crate::empathy::topic::read(&m.subject, lang.lang),
        details: all_details,
        variant,
        swiss,
        situations,
        sentiment_reason,
        utc_offset_secs: m.headers.iter().find(|(k, _)| k == "date").and_then(|(_, v)| date_offset(v)),
    }
}

/// The name an agent set for this contact replaces the one read from the mail.
pub fn correct_name(reading: &mut CustomerReading, correction: &str) {
    if let Some(p) = names::parse_person(correction) {
        reading.name = Some(p);
        reading.name_source = NameSource::Correction;
    }
}

/// Grief is not positive and an outage is not neutral: where the situations say more than
/// the words' polarity, they decide, and the reason is kept for the agent.
pub fn agree(sentiment: Sentiment, situations: &SituationReading) -> (Sentiment, Option<String>) {
    let heavy = [
        SituationName::Bereavement,
        SituationName::Urgent,
        SituationName::ThreatToLeave,
        SituationName::Chargeback,
        SituationName::Legal,
    ];
    match heavy.into_iter().find(|n| situations.is(*n)) {
        Some(n) if sentiment != Sentiment::Negative => {
            (Sentiment::Negative, Some(format!("{} (the words alone read {})", n.label(), sentiment.as_str())))
        }
        _ => (sentiment, None),
    }
}

/// "thanks, that worked!": nothing to acknowledge, but worth an agent's look.
pub fn is_thank_you_only(reading: &CustomerReading) -> bool {
    let text = &reading.stripped;
    if text.contains('?') {
        return false;
    }
    let loc = locale(reading.language);
    let en = locale(Lang::En);
    let mut norm = format!(" {} ", normalize(text));
    let had_thanks = loc.thanks.iter().chain(en.thanks.iter()).any(|t| crate::text::contains_phrase(&norm, t))
        || loc.thank_you_only.iter().any(|t| crate::text::contains_phrase(&norm, t));
    if !had_thanks {
        return false;
    }
    let mut phrases: Vec<&str> = loc
        .thank_you_only
        .iter()
        .chain(en.thank_you_only.iter())
        .chain(loc.closings.iter())
        .chain(loc.greetings.iter())
        .chain(en.greetings.iter())
        .copied()
        .collect();
    phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for p in phrases {
        norm = norm
            .replace(&format!(" {p} "), " ")
            .replace(&format!(" {p},"), " ")
            .replace(&format!(" {p}!"), " ")
            .replace(&format!(" {p}."), " ");
    }
    let name_words: Vec<String> = reading
        .name
        .as_ref()
        .map(|n| normalize(&n.full()).split(' ').map(str::to_string).collect())
        .unwrap_or_default();
    let filler = [
        "so", "much", "very", "a", "lot", "again", "for", "your", "the", "help", "it", "that", "now", "all", "and",
        "you", "guys", "team", "really", "just",
    ];
    let rest: Vec<&str> =
        words(&norm).into_iter().filter(|w| !filler.contains(w) && !name_words.iter().any(|n| n == w)).collect();
    rest.len() <= 1
}

/// The values a template may use (documented in templates/VARIABLES.md).
pub struct Context<'a> {
    pub config: &'a Config,
    pub policy: &'a crate::app::Policy,
    pub facts: &'a Facts,
    pub ticket_token: &'a str,
    pub agent: Option<&'a str>,
}

fn greeting_for(facts: &Facts) -> String {
    let local_hour = facts.local_hour();
    names::salutation(
        &names::Salutation {
            lang: facts.language,
            variant: facts.variant,
            register: facts.register,
            polite: facts.customer_register.uses_v
                || (!crate::empathy::langdata::data(facts.language).greeting.first_name_with_polite_reply
                    && facts.register != Register::Casual
                    && !facts.customer_register.uses_t),
            local_hour,
        },
        facts.name.as_ref(),
    )
}

pub fn template_context(c: &Context<'_>, apology: &str) -> serde_json::Value {
    let f = c.facts;
    let loc = locale(f.language);
    let data = crate::empathy::langdata::data(f.language);
    let day =
        c.policy.calendar.sla_secs(crate::config::DurationSpec { amount: 1, unit: crate::config::DurationUnit::Days });
    let next_secs = c.policy.calendar.sla_secs(c.policy.sla.next_update);
    let details: Vec<Detail> =
        if f.details.is_empty() { f.detail.iter().cloned().collect() } else { f.details.clone() };
    let detail_of = |k: DetailKind| details.iter().find(|d| d.kind == k).map(|d| d.value.clone()).unwrap_or_default();
    let name = f.name.as_ref();
    let s = &f.situations;
    let earlier = s.earlier_count();
    let mut ctx = json!({
        "greeting": greeting_for(f),
        "name": name.map(|n| n.full()).unwrap_or_default(),
        "given_name": name.and_then(|n| n.given.clone()).unwrap_or_default(),
        "has_name": name.is_some(),
        "followup": f.purpose == Purpose::AckFollowup,
        // Praise and ideas are thanked, not apologized to for a wait.
        "late": f.lateness.late && !f.situations.only_thanks(),
        "very_late": f.lateness.very_late && !f.situations.only_thanks(),
        "wait": loc.wait(f.lateness.waited_calendar_secs),
        "apology": apology,
        "negative": f.sentiment == Sentiment::Negative,
        "reference": details.first().map(|d| d.value.clone()).unwrap_or_default(),
        "references": details.iter().map(|d| d.value.clone()).collect::<Vec<_>>(),
        "order": detail_of(DetailKind::Order),
        "invoice": detail_of(DetailKind::Invoice),
        "rma": detail_of(DetailKind::Rma),
        "contract": detail_of(DetailKind::Contract),
        "booking": detail_of(DetailKind::Booking),
        "voucher": detail_of(DetailKind::Voucher),
        "error": detail_of(DetailKind::Error),
        "product": detail_of(DetailKind::Product),
        // The subject names the matter only where no reference does, and never to the
        // grieving, to a notice to end or to a fault we admit: there the reply answers the
        // person (or says what went wrong), not a subject line.
        "topic": match &f.topic {
            Some(t)
                if details.is_empty()
                    && ![SituationName::Bereavement, SituationName::Cancellation, SituationName::OurFault]
                        .iter()
                        .any(|s| f.is(*s)) =>
            {
                t.clone()
            }
            _ => String::new(),
        },
        "ticket_ref": f.ticket_ref,
        "ticket_token": c.ticket_token,
        "next_update": loc.within_business(next_secs, day),
        "urgent_update": loc.wait(c.policy.sla.urgent_update.calendar_secs()),
        "agent": c.agent.unwrap_or(""),
        "team": c.config.support.name,
        "signer": c.agent.unwrap_or(&c.config.support.name),
        "subject": f.customer_subject,
        "deadline": s.deadline.clone().unwrap_or_default(),
        "phone": s.phone.clone().unwrap_or_default(),
        "impact": s.impact.clone().unwrap_or_default(),
        "fault": s.fault.map(|k| k.as_str()).unwrap_or(""),
        "earlier_count": earlier,
        "earlier_count_words": loc.number(i64::from(earlier)),
        "earlier_several": earlier >= 2,
        "first_contact": s.first_contact.map(|(d, m)| data.calendar.format(d, m)).unwrap_or_default(),
        "first_contact_known": s.first_contact.is_some(),
        "question_count": s.question_count,
        "question_count_words": loc.number(i64::from(s.question_count)),
        "colleague": s.colleague.clone().unwrap_or_default(),
    });
    if let Some(map) = ctx.as_object_mut() {
        let described = s.described && s.is(SituationName::Technical);
        let worry = s.is(SituationName::SecurityWorry);
        map.insert("suspect_domain".into(), serde_json::Value::String(s.not_ours_suspect().unwrap_or("").into()));
        map.insert("untouched".into(), serde_json::Value::Bool(worry && s.untouched));
        map.insert("asks_secret".into(), serde_json::Value::Bool(worry && s.asks_secret));
        map.insert("to_manager".into(), serde_json::Value::Bool(s.is(SituationName::Praise) && s.to_manager));
        map.insert("case".into(), serde_json::Value::String(detail_of(DetailKind::Case)));
        map.insert("request".into(), serde_json::Value::String(s.request.map_or("", |r| r.as_str()).into()));
        map.insert("deadline_passed".into(), serde_json::Value::Bool(s.deadline.is_some() && s.deadline_passed));
        // Earlier mails we hold are ours to admit ("I can see you wrote…"); those we only
        // know of from their words are theirs to tell ("You wrote to us on…").
        map.insert("earlier_in_store".into(), serde_json::Value::Bool(s.earlier_unanswered > 0));
        map.insert("described".into(), serde_json::Value::Bool(described));
        for name in SituationName::ALL {
            map.insert(name.variable().to_string(), serde_json::Value::Bool(s.is(name)));
        }
    }
    ctx
}

/// Renders the apology snippet for these facts (empty when not late).
pub fn render_apology(templates: &Templates, c: &Context<'_>) -> Result<String, TemplateError> {
    if !c.facts.lateness.late || c.facts.situations.only_thanks() {
        return Ok(String::new());
    }
    let key = TemplateKey::new(Letter::Apology, c.facts.locale(), c.facts.register);
    let ctx = template_context(c, "");
    Ok(templates.render(&key, &ctx)?.replace('\n', " ").trim().to_string())
}

/// Renders the reply for these facts.
pub fn render(templates: &Templates, c: &Context<'_>) -> Result<String, TemplateError> {
    let apology = render_apology(templates, c)?;
    let ctx = template_context(c, &apology);
    let body = templates.render(&c.facts.template_key(), &ctx)?;
    // Swiss Standard German has no ß: "Freundliche Grüsse", "gross".
    Ok(if c.facts.swiss && c.facts.language == Lang::De { body.replace('ß', "ss") } else { body })
}

/// A Swiss (or Liechtenstein) writer of German: their address, their greeting, or the ss
/// they write where Germany writes ß.
fn is_swiss(stripped: &str, domain: &str) -> bool {
    let d = domain.to_lowercase();
    let norm = crate::text::normalize(stripped);
    d.ends_with(".ch")
        || d.ends_with(".li")
        || ["grüezi", "grüessech", "grüsse", "gruss", "grüss", "freundliche grüsse", "liebe grüsse"]
            .iter()
            .any(|w| crate::text::contains_phrase(&norm, w))
}

pub fn lint_body(
    config: &Config,
    facts: &Facts,
    body: &str,
    subject: &str,
    has_in_reply_to: bool,
    agent: Option<&str>,
) -> Vec<Finding> {
    let customer = facts.customer_facts();
    let signers: Vec<&str> = match agent {
        Some(a) => vec![a],
        None => vec![config.support.name.as_str()],
    };
    lint::lint(&LintInput {
        body,
        subject,
        has_in_reply_to,
        lang: facts.language,
        expected_lang: facts.language,
        customer: &customer,
        lateness: facts.lateness,
        most_casual: config.voice.most_casual,
        most_formal: config.voice.most_formal,
        signers: &signers,
    })
}

/// An agent's edited text gets the approving agent in its sign-off: the team line of the
/// drafted sign-off is kept and the agent's name goes above it.
pub fn apply_signer(body: &str, agent: &str, team: &str) -> String {
    let lines: Vec<&str> = body.trim_end().lines().collect();
    let tail_has_agent = lines.iter().rev().take(3).any(|l| l.contains(agent));
    if tail_has_agent {
        return body.trim_end().to_string();
    }
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match out.last() {
        Some(last) if last.trim() == team => {
            let at = out.len() - 1;
            out.insert(at, agent.to_string());
        }
        _ => out.push(agent.to_string()),
    }
    out.join("\n")
}

/// Puts an apology after the greeting line of a text that has none.
pub fn insert_apology(body: &str, apology: &str) -> String {
    if apology.is_empty() {
        return body.to_string();
    }
    let mut lines = body.lines();
    let greeting = lines.next().unwrap_or("");
    let rest: Vec<&str> = lines.collect();
    let rest = rest.join("\n");
    format!("{greeting}\n\n{apology}\n\n{}", rest.trim_start_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(text: &str, lang: Lang) -> CustomerReading {
        CustomerReading {
            stripped: text.into(),
            name: names::parse_person("Jane Doe"),
            name_source: NameSource::DisplayName,
            language: lang,
            language_source: LanguageSource::Detected,
            register: register::detect(text, lang),
            sentiment: Sentiment::Positive,
            sentiment_score: 0.5,
            detail: None,
            details: Vec::new(),
            topic: None,
            variant: None,
            swiss: false,
            situations: SituationReading::default(),
            sentiment_reason: None,
            utc_offset_secs: None,
        }
    }

    #[test]
    fn thank_you_only_messages() {
        for t in [
            "Thanks, that worked!",
            "Thank you so much!\n\nBest,\nJane",
            "thx",
            "Perfect, thanks a lot :)",
            "Works now, thank you!",
        ] {
            assert!(is_thank_you_only(&reading(t, Lang::En)), "{t}");
        }
        for t in [
            "Thanks, but it still does not work.",
            "Thank you. Could you also send the invoice?",
            "Hello, my order 1234 is missing.",
        ] {
            assert!(!is_thank_you_only(&reading(t, Lang::En)), "{t}");
        }
        assert!(is_thank_you_only(&reading("Vielen Dank, hat geklappt!", Lang::De)));
        assert!(is_thank_you_only(&reading("Merci beaucoup, ça marche !", Lang::Fr)));
    }

    #[test]
    fn signer_goes_above_the_team_line() {
        let body = "Hello Jane,\n\nText.\n\nBest regards,\nExample Support";
        assert_eq!(
            apply_signer(body, "Sam Taylor", "Example Support"),
            "Hello Jane,\n\nText.\n\nBest regards,\nSam Taylor\nExample Support"
        );
        assert_eq!(
            apply_signer("Hi,\n\nText.\nSam Taylor", "Sam Taylor", "Example Support"),
            "Hi,\n\nText.\nSam Taylor"
        );
        assert_eq!(apply_signer("Hi,\n\nText.", "Sam", "Team"), "Hi,\n\nText.\nSam");
    }

    #[test]
    fn date_offsets() {
        assert_eq!(date_offset("Thu, 03 Dec 2026 09:02:37 +0000"), Some(0));
        assert_eq!(date_offset("Thu, 03 Dec 2026 09:02:37 -0300"), Some(-3 * 3600));
        assert_eq!(date_offset("Thu, 3 Dec 2026 09:02:37 +0530 (IST)"), Some(5 * 3600 + 1800));
        assert_eq!(date_offset("Thu, 3 Dec 2026 09:02:37 GMT"), None);
        assert_eq!(date_offset("+"), None);
        assert_eq!(date_offset(""), None);
    }

    #[test]
    fn apology_after_greeting() {
        assert_eq!(
            insert_apology("Hello Jane,\n\nText.", "Sorry for the wait."),
            "Hello Jane,\n\nSorry for the wait.\n\nText."
        );
    }
}
