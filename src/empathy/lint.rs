//! The empathy rubric as a lint: sixteen checks, and eleven more that read the customer's
//! situation (condolence, safety first, earlier mails owned, fault admitted, …), each
//! pass / fail / n/a with a message. The situation checks look for the phrases in
//! locales/LANG/judging.toml.
//! It runs on every draft when it is made, when an agent edits it, and on templates when
//! an admin saves them. A check with no word list for the draft's language says n/a,
//! never pass.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::{Kind, Lang, PtVariant, Register, Sentiment};
use crate::empathy::details::Detail;
use crate::empathy::lateness::Lateness;
use crate::empathy::locale::{Locale, locale};
use crate::empathy::names::{PersonName, expected_greeting_name, is_initial, is_role};
use crate::empathy::register::{self, RegisterReading};
use crate::empathy::situations::{SituationName, SituationReading};
use crate::empathy::{language, sentiment};
use crate::text::{any_phrase, any_stem, contains_phrase, has_emoji, normalize, sentences, word_count, words};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    #[serde(rename = "pass")]
    Pass,
    #[serde(rename = "fail")]
    Fail,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "n/a",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The rubric's check name, like "greeting" or "late-apology".
    pub check: String,
    /// Its number in the rubric (0–15).
    pub number: u8,
    /// A must check: a draft failing one is flagged in the queue.
    pub must: bool,
    pub result: Outcome,
    pub message: String,
}

pub const CHECKS: [(&str, u8, bool); 28] = [
    ("gate", 0, true),
    ("language", 1, true),
    ("greeting", 2, true),
    ("register", 3, true),
    ("late-apology", 4, true),
    ("gratitude", 5, false),
    ("their-words", 6, false),
    ("empathy", 7, false),
    ("ownership", 8, false),
    ("no-deflection", 9, false),
    ("invites-contact", 10, false),
    ("next-step", 11, false),
    ("follow-up", 12, false),
    ("politeness", 13, false),
    ("sentiment", 14, false),
    ("hygiene", 15, true),
    ("condolence", 16, true),
    ("no-screenshots", 17, false),
    ("references-verbatim", 18, true),
    ("urgent-time", 19, true),
    ("earlier-contact", 20, true),
    ("fault-owned", 21, true),
    ("one-thanks", 22, false),
    ("formal-greeting", 23, true),
    ("no-role-name", 24, true),
    ("pt-variant", 25, true),
    ("safety-first", 26, true),
    ("time-of-day", 27, false),
];

/// What the lint knows about the customer's message.
#[derive(Clone, Debug)]
pub struct CustomerFacts {
    pub kind: Kind,
    pub dmarc_fail: bool,
    pub register: RegisterReading,
    pub sentiment: Sentiment,
    pub name: Option<PersonName>,
    pub detail: Option<Detail>,
    /// Every reference they wrote, as written.
    pub details: Vec<Detail>,
    /// What the mail is about, from its subject, when it names no reference.
    pub topic: Option<String>,
    pub situations: SituationReading,
    /// Which Portuguese they write (pt only).
    pub variant: Option<PtVariant>,
    /// The customer's local hour when the reply is judged (from their Date header), if known.
    pub local_hour: Option<u32>,
}

/// Everything the lint judges a draft against.
#[derive(Clone, Debug)]
pub struct LintInput<'a> {
    pub body: &'a str,
    pub subject: &'a str,
    pub has_in_reply_to: bool,
    /// The language the draft is written in (its template's).
    pub lang: Lang,
    /// The language it should be in (the customer's, or the default).
    pub expected_lang: Lang,
    pub customer: &'a CustomerFacts,
    pub lateness: Lateness,
    pub most_casual: Register,
    pub most_formal: Register,
    /// Who signs: the approving agent, or the team when none has yet.
    pub signers: &'a [&'a str],
}

pub fn lint(input: &LintInput<'_>) -> Vec<Finding> {
    let loc = locale(input.lang);
    let norm = normalize(input.body);
    let mut out = Vec::with_capacity(16);
    let mut push = |i: usize, result: Outcome, message: String| {
        let (check, number, must) = CHECKS[i];
        out.push(Finding { check: check.to_string(), number, must, result, message });
    };

    // 0 Gate.
    let c = input.customer;
    if c.kind != Kind::Human {
        push(0, Outcome::Fail, format!("the message is {}: it must not be acknowledged", c.kind));
    } else if c.dmarc_fail {
        push(0, Outcome::Fail, "the sender failed DMARC: a forged sender must not get mail from us".into());
    } else {
        push(0, Outcome::Pass, "a person wrote this".into());
    }

    // 1 Language.
    let reading = language::confirm(input.body, input.lang);
    if input.lang != input.expected_lang {
        push(
            1,
            Outcome::Fail,
            format!("written in {} but the customer's language is {}", input.lang, input.expected_lang),
        );
    } else if reading.source == language::LanguageSource::Detected && reading.lang != input.lang {
        push(1, Outcome::Fail, format!("the text reads as {}, not {}", reading.lang, input.lang));
    } else {
        push(1, Outcome::Pass, format!("in {}", input.lang));
    }

    // 2 Greeting and name.
    let draft_reading = register::detect(input.body, input.lang);
    let (r, m) = check_greeting(input, loc, draft_reading.register);
    push(2, r, m);

    // 3 Register.
    let (r, m) = check_register(input, &draft_reading);
    push(3, r, m);

    // 4 Late apology.
    let apology = any_phrase(&norm, loc.delay_apology);
    let l = input.lateness;
    if l.late && c.situations.only_thanks() {
        match apology {
            Some(p) => push(4, Outcome::Fail, format!("apologizes for a wait (\"{p}\") on praise or an idea")),
            None => push(4, Outcome::NotApplicable, "praise or an idea: nobody waits for a thank-you".into()),
        }
    } else if l.late {
        match apology {
            None => push(4, Outcome::Fail, "the wait broke the SLA but the reply does not apologize for it".into()),
            Some(_) if l.very_late && !names_a_wait(&norm, loc) => push(
                4,
                Outcome::Fail,
                "the wait is past three times the SLA: say how long it took (\"it took us three days\")".into(),
            ),
            Some(p) => push(4, Outcome::Pass, format!("apologizes for the wait (\"{p}\")")),
        }
    } else if let Some(p) = apology {
        push(4, Outcome::Fail, format!("apologizes for a delay (\"{p}\") but the SLA was met"));
    } else {
        push(4, Outcome::Pass, "on time, no apology for a delay".into());
    }

    // 5 Gratitude: a plain mail is thanked; a grieving, waiting or wronged customer is
    // answered first, and the thanks may give way to the apology or the condolence.
    let sit = &c.situations;
    let answered_otherwise = l.late || sit.confident().any(|s| s.name != SituationName::MultipleQuestions);
    match any_phrase(&norm, loc.thanks).or_else(|| any_stem(&norm, THANK_STEMS)) {
        Some(p) => push(5, Outcome::Pass, format!("thanks the customer (\"{p}\")")),
        None if answered_otherwise => {
            push(5, Outcome::NotApplicable, "no thanks: the apology or the situation comes first".into())
        }
        None => push(5, Outcome::Fail, "does not thank the customer".into()),
    }

    // 6 Their words.
    let no_reference_needed = [SituationName::Praise, SituationName::FeatureIdea, SituationName::SecurityWorry]
        .into_iter()
        .any(|n| sit.is(n));
    match &c.detail {
        Some(_) if no_reference_needed => {
            push(6, Outcome::NotApplicable, "praise, an idea or a worry: no reference to repeat".into())
        }
        Some(d) if norm.contains(&normalize(&d.value)) => push(6, Outcome::Pass, format!("reuses \"{}\"", d.value)),
        Some(d) => push(6, Outcome::Fail, format!("does not mention \"{}\" from the customer's message", d.value)),
        // A subject that names the matter is named back, except where the reply answers the
        // person rather than the matter (grief, a notice to end).
        None => match &c.topic {
            Some(_)
                if no_reference_needed || sit.is(SituationName::Bereavement) || sit.is(SituationName::Cancellation) =>
            {
                push(
                    6,
                    Outcome::NotApplicable,
                    "grief, a notice to end, praise, an idea or a worry: no topic to repeat".into(),
                )
            }
            Some(t) if norm.contains(&normalize(t)) => push(6, Outcome::Pass, format!("names the topic \"{t}\"")),
            Some(t) => push(6, Outcome::Fail, format!("does not name what the mail is about (\"{t}\")")),
            None => push(6, Outcome::NotApplicable, "no order number, error, product or topic in the message".into()),
        },
    }

    // 7 Empathy, not sympathy.
    if let Some(b) = any_phrase(&norm, loc.banned_sympathy) {
        push(7, Outcome::Fail, format!("\"{b}\" is sympathy or dismissive; say \"I understand how frustrating…\""));
    } else if c.sentiment == Sentiment::Negative && sit.is(SituationName::Cancellation) {
        push(7, Outcome::NotApplicable, "a notice to end: confirm it plainly, without arguing or soothing".into());
    } else if c.sentiment == Sentiment::Negative {
        let judging = &crate::empathy::langdata::data(input.lang).judging;
        let answered = any_phrase(&norm, loc.understanding)
            .map(str::to_string)
            .or_else(|| find_any(&norm, &judging.condolence))
            .or_else(|| find_any(&norm, &judging.fault_admission))
            .or_else(|| find_any(&norm, &judging.earlier_contact))
            .or_else(|| find_any(&norm, &judging.safety));
        match answered {
            Some(p) => push(7, Outcome::Pass, format!("shows understanding (\"{p}\")")),
            None => push(
                7,
                Outcome::Fail,
                "the customer is upset: say that you understand (\"I understand how frustrating…\")".into(),
            ),
        }
    } else {
        match any_stem(&norm, loc.emotion_words) {
            Some(e) => push(7, Outcome::Fail, format!("attributes an emotion (\"{e}…\") the customer did not express")),
            None => push(7, Outcome::Pass, "no emotion attributed to a calm customer".into()),
        }
    }

    // 8 Ownership.
    let judging = &crate::empathy::langdata::data(input.lang).judging;
    let only_thanks = sit.only_thanks();
    match any_phrase(&norm, loc.ownership).map(str::to_string).or_else(|| find_any(&norm, &judging.fault_admission)) {
        None if only_thanks => {
            push(8, Outcome::NotApplicable, "praise or an idea: passed on, nothing to work on".into())
        }
        None if sit.answered_not_ours() => push(
            8,
            Outcome::NotApplicable,
            "a message that is not ours: the answer is that it is not, nothing to work on".into(),
        ),
        Some(p) => push(8, Outcome::Pass, format!("takes ownership (\"{p}\")")),
        None => push(8, Outcome::Fail, "no first-person commitment (\"I am working with the team…\")".into()),
    }

    // 9 No bare deflection.
    match any_phrase(&norm, loc.deflection) {
        Some(d) if any_phrase(&norm, loc.handoff).is_none() => {
            push(9, Outcome::Fail, format!("\"{d}\" sends the customer elsewhere without saying who follows up"))
        }
        Some(_) => push(9, Outcome::Pass, "a hand-off with who follows up".into()),
        None => push(9, Outcome::Pass, "does not send the customer elsewhere".into()),
    }

    // 10 No discouraging contact.
    let thanked_for = sit.is(SituationName::Praise) || sit.is(SituationName::FeatureIdea);
    if let Some(d) = any_phrase(&norm, loc.discouraging) {
        push(10, Outcome::Fail, format!("\"{d}\" discourages contact"));
    } else if let Some(p) = any_phrase(&norm, loc.reply_invite) {
        push(10, Outcome::Pass, format!("invites a reply (\"{p}\")"));
    } else if thanked_for || sit.is(SituationName::Vague) {
        push(10, Outcome::NotApplicable, "praise or an idea, or questions asked: no invitation needed".into());
    } else {
        push(10, Outcome::Fail, "does not invite the customer to reply".into());
    }

    // 11 Next step and time.
    if let Some(u) = any_phrase(&norm, loc.unconditional) {
        push(11, Outcome::Fail, format!("\"{u}\" is a promise nobody can keep"));
    } else if let Some(t) = any_phrase(&norm, loc.time_phrases) {
        push(11, Outcome::Pass, format!("says when (\"{t}\")"));
    } else if thanked_for {
        push(11, Outcome::NotApplicable, "praise or an idea: nothing to schedule".into());
    } else if sit.answered_not_ours() {
        push(11, Outcome::NotApplicable, "a message that is not ours: nothing to schedule".into());
    } else {
        push(11, Outcome::Fail, "does not say what happens next and when".into());
    }

    // 12 Follow-up.
    let body_sentences = sentences(input.body);
    let tail_start = body_sentences.len().saturating_sub(6);
    let tail: Vec<&String> = body_sentences[tail_start..].iter().collect();
    let tail_norm = normalize(&tail.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
    if any_phrase(&tail_norm, loc.followup).is_some() || tail.iter().any(|s| s.trim_end().ends_with('?')) {
        push(12, Outcome::Pass, "ends with a follow-up or a question".into());
    } else if thanked_for
        || any_phrase(&tail_norm, loc.reply_invite).is_some()
        || any_phrase(&tail_norm, loc.time_phrases).is_some()
    {
        push(12, Outcome::Pass, "ends with what happens next or an invitation to reply".into());
    } else {
        push(12, Outcome::Fail, "does not end with a follow-up (\"I'll update you…\") or a check".into());
    }

    // 13 Politeness.
    let (r, m) = check_politeness(&body_sentences, loc, input.lang);
    push(13, r, m);

    // 14 Sentiment.
    if !sentiment::has_lexicon(input.lang) {
        push(14, Outcome::NotApplicable, format!("no sentiment lexicon for {}", input.lang));
    } else {
        let score = sentiment::compound(&core_text(input.body, loc), input.lang);
        let opener =
            body_sentences.iter().skip(1).take(2).map(|s| normalize(s)).find_map(|s| any_phrase(&s, loc.cheerful));
        let heavy = [
            SituationName::Bereavement,
            SituationName::Urgent,
            SituationName::OurFault,
            SituationName::RepeatedContact,
            SituationName::ThreatToLeave,
            SituationName::Chargeback,
            SituationName::Legal,
            SituationName::SecurityWorry,
        ]
        .into_iter()
        .find(|n| sit.is(*n));
        let situational = heavy.is_some() || l.late || sit.confident().next().is_some();
        let gentle = sit.is(SituationName::Bereavement) || sit.is(SituationName::Praise);
        if let Some(h) = heavy
            && score < 0.05
        {
            push(14, Outcome::Pass, format!("compound {score:.2}: sober, as {} asks", h.label()));
        } else if score < 0.05 && c.sentiment == Sentiment::Negative {
            push(14, Outcome::Pass, format!("compound {score:.2}: sober for an upset customer"));
        } else if situational && (-0.8..0.05).contains(&score) {
            // "I'm sorry it still isn't sorted out" reads negative word by word; a reply to a
            // problem that persists may, as long as it is not gloomy.
            push(14, Outcome::Pass, format!("compound {score:.2}: sober, as the situation asks"));
        } else if score < 0.05 {
            push(
                14,
                Outcome::Fail,
                format!("reads negative or flat (compound {score:.2}); it should be at least slightly positive"),
            );
        } else if c.sentiment == Sentiment::Negative && score > 0.8 && !gentle {
            push(14, Outcome::Fail, format!("too exuberant for an upset customer (compound {score:.2} > 0.80)"));
        } else if c.sentiment == Sentiment::Negative
            && let Some(o) = opener
        {
            push(14, Outcome::Fail, format!("cheerful opener \"{o}\" for an upset customer"));
        } else if c.sentiment == Sentiment::Negative && has_emoji(input.body) {
            push(14, Outcome::Fail, "emoji in a reply to an upset customer".into());
        } else {
            push(14, Outcome::Pass, format!("compound {score:.2}"));
        }
    }

    // 15 Hygiene.
    let (r, m) = check_hygiene(input);
    push(15, r, m);

    for (i, (r, m)) in situation_checks(input, &norm).into_iter().enumerate() {
        push(16 + i, r, m);
    }
    out
}

const THANK_STEMS: &[&str] =
    &["thank", "dank", "bedank", "remerci", "agradec", "ringrazi", "grazie", "obrigad", "gracias", "merci"];

/// The first phrase of a judging list (normalised at load) that the draft contains.
fn find_any(norm: &str, list: &[String]) -> Option<String> {
    list.iter().find(|p| contains_phrase(norm, p)).cloned()
}

/// The first sentences after the greeting line: where a condolence or a safety line must come.
fn opening(body: &str, count: usize) -> String {
    let mut lines = body.lines().skip_while(|l| l.trim().is_empty());
    let _greeting = lines.next();
    let rest: Vec<&str> = lines.collect();
    let sents = sentences(&rest.join("\n"));
    normalize(&sents.iter().take(count).cloned().collect::<Vec<_>>().join(" "))
}

/// Checks 16–26: what the customer's situation asks of the reply.
fn situation_checks(input: &LintInput<'_>, norm: &str) -> Vec<(Outcome, String)> {
    use SituationName as S;
    let c = input.customer;
    let sit = &c.situations;
    let judging = &crate::empathy::langdata::data(input.lang).judging;
    let greeting_line = input.body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let open = opening(input.body, 2);
    let na = |why: &str| (Outcome::NotApplicable, why.to_string());
    let no_list = |what: &str| (Outcome::NotApplicable, format!("no {what} phrases for {}", input.lang));
    let mut out = Vec::with_capacity(11);

    // 16 Condolence first for the grieving, and nothing cheerful.
    out.push(if !sit.is(S::Bereavement) {
        na("no bereavement")
    } else if judging.condolence.is_empty() {
        no_list("condolence")
    } else if let Some(p) = find_any(&open, &judging.condolence) {
        if let Some(ch) = find_any(norm, &judging.cheerful_closing) {
            (Outcome::Fail, format!("\"{ch}\" is a cheerful closing for a grieving customer"))
        } else if let Some(a) = find_any(norm, &judging.anything_else) {
            (Outcome::Fail, format!("\"{a}\" to a grieving customer"))
        } else if input.body.contains('!') {
            (Outcome::Fail, "an exclamation mark in a condolence".into())
        } else {
            (Outcome::Pass, format!("opens with a condolence (\"{p}\")"))
        }
    } else if find_any(norm, &judging.condolence).is_some() {
        (Outcome::Fail, "the condolence must come first, right after the greeting".into())
    } else {
        (Outcome::Fail, "the customer is grieving: the reply must open with a condolence".into())
    });

    // 17 Screenshots and steps only when the problem is technical.
    out.push(if sit.is(S::Technical) {
        na("a technical problem: asking for steps is fine")
    } else if judging.screenshot_request.is_empty() {
        no_list("screenshot")
    } else if let Some(p) = find_any(norm, &judging.screenshot_request) {
        (Outcome::Fail, format!("asks for \"{p}\" though the problem is not technical"))
    } else {
        (Outcome::Pass, "no screenshots or steps asked for".into())
    });

    // 18 Every reference the draft repeats is exactly as the customer wrote it.
    let details: Vec<&Detail> =
        if c.details.is_empty() { c.detail.iter().collect() } else { c.details.iter().collect() };
    out.push(if details.is_empty() {
        na("no reference in the message")
    } else {
        let damaged = details.iter().find(|d| {
            let digits: String = d.value.chars().filter(char::is_ascii_digit).collect();
            digits.len() >= 3 && !input.body.contains(d.value.as_str()) && input.body.contains(digits.as_str())
        });
        match damaged {
            Some(d) => (Outcome::Fail, format!("\"{}\" is not repeated as the customer wrote it", d.value)),
            None => (Outcome::Pass, "references, where repeated, are verbatim".into()),
        }
    });

    // 19 No business-day promise to a business that is down.
    out.push(if !sit.is(S::Urgent) {
        na("not urgent")
    } else if judging.business_day_promise.is_empty() {
        no_list("business-day")
    } else if let Some(p) = find_any(norm, &judging.business_day_promise) {
        (Outcome::Fail, format!("\"{p}\" to a customer whose business is stopped: promise hours"))
    } else {
        (Outcome::Pass, "no business-day promise for an urgent case".into())
    });

    // 20 Earlier unanswered mail owned; nobody thanked for their patience.
    out.push(if !sit.is(S::RepeatedContact) {
        na("no earlier unanswered mail")
    } else if judging.earlier_contact.is_empty() {
        no_list("earlier-contact")
    } else if let Some(p) = find_any(norm, &judging.patience_thanks) {
        (Outcome::Fail, format!("\"{p}\" to someone who has written before without an answer"))
    } else if let Some(p) = find_any(norm, &judging.earlier_contact) {
        (Outcome::Pass, format!("owns the earlier mail (\"{p}\")"))
    } else {
        (Outcome::Fail, "they wrote before and got no answer: say so and apologize".into())
    });

    // 21 Our fault, admitted.
    out.push(if !sit.is(S::OurFault) {
        na("not our fault")
    } else if judging.fault_admission.is_empty() {
        no_list("fault-admission")
    } else if let Some(p) = find_any(norm, &judging.fault_admission) {
        (Outcome::Pass, format!("admits the mistake (\"{p}\")"))
    } else {
        (Outcome::Fail, "the mistake is ours: say so plainly".into())
    });

    // 22 At most one thanks.
    let thanks = count_thanks(norm);
    out.push(if thanks <= 1 {
        (Outcome::Pass, format!("{thanks} thanks"))
    } else {
        (Outcome::Fail, format!("{thanks} thanks: thank once (merge it with the apology)"))
    });

    // 23 A customer who writes the polite form is not greeted by first name alone.
    let rest = greeting_rest(greeting_line, input.lang);
    let has_tv = !locale(input.lang).t_pronouns.is_empty();
    out.push(match &c.name {
        Some(name) if has_tv && c.register.uses_v => {
            let given_only = name.given.as_deref().is_some_and(|g| rest == g) && name.surname.is_some();
            if given_only {
                (
                    Outcome::Fail,
                    format!("\"{greeting_line}\": first name alone to a customer who writes the polite form"),
                )
            } else {
                (Outcome::Pass, "polite form, not first name alone".into())
            }
        }
        _ => na("no polite form or no name"),
    });

    // 24 Never a role or a company as a name.
    let rest_words = words(&rest);
    let company = [
        "ltd", "gmbh", "sarl", "s.l.", "srl", "s.r.l.", "bv", "b.v.", "inc", "llc", "ag", "lda", "ltda", "spa",
        "s.p.a.",
    ];
    out.push(if rest_words.iter().any(|w| is_role(w) || company.contains(&w.to_lowercase().as_str())) {
        (Outcome::Fail, format!("greets \"{rest}\": a role or a company, not a person"))
    } else {
        (Outcome::Pass, "greets a person or no one".into())
    });

    // 25 The Portuguese the customer writes.
    out.push(match (input.lang, c.variant) {
        (Lang::Pt, Some(v)) => {
            let other = match v {
                PtVariant::Br => &judging.variant_markers.pt,
                PtVariant::Pt => &judging.variant_markers.br,
            };
            match find_any(norm, other) {
                Some(m) => (
                    Outcome::Fail,
                    format!(
                        "\"{}\" is {} Portuguese; the customer writes the other",
                        m.trim(),
                        match v {
                            PtVariant::Br => "European",
                            PtVariant::Pt => "Brazilian",
                        }
                    ),
                ),
                None => (Outcome::Pass, "the customer's Portuguese".into()),
            }
        }
        _ => na("not Portuguese"),
    });

    // 26 What not to do comes first when they fear a scam.
    out.push(if !sit.is(S::SecurityWorry) {
        na("no security worry")
    } else if judging.safety.is_empty() {
        no_list("safety")
    } else if find_any(&open, &judging.safety).is_some()
        || (sit.is(S::Bereavement) && find_any(&opening(input.body, 4), &judging.safety).is_some())
    {
        (Outcome::Pass, "says what not to do first".into())
    } else {
        (Outcome::Fail, "they fear a scam: say first what not to do (don't click, don't enter card details)".into())
    });

    // 27 "Bom dia" at 15:00 reads as careless: a time-of-day greeting must fit their clock.
    let first = normalize(greeting_line);
    let said = TIME_OF_DAY.iter().find(|(g, _, _)| first.starts_with(g));
    out.push(match (said, c.local_hour) {
        (None, _) => na("no time-of-day greeting"),
        (Some((g, _, _)), None) => {
            (Outcome::Fail, format!("\"{g}\" but the customer's local time is unknown: greet without a time of day"))
        }
        (Some((g, from, to)), Some(h)) if (*from..*to).contains(&h) => {
            (Outcome::Pass, format!("\"{g}\" fits their local time ({h}h)"))
        }
        (Some((g, _, _)), Some(h)) => (Outcome::Fail, format!("\"{g}\" at {h}h their time")),
    });
    out
}

/// Greetings that name a time of day, and the local hours they fit.
const TIME_OF_DAY: &[(&str, u32, u32)] = &[
    ("bom dia", 5, 12),
    ("boa tarde", 12, 19),
    ("boa noite", 19, 24),
    ("buenos días", 5, 14),
    ("buen día", 5, 14),
    ("buenas tardes", 12, 21),
    ("buenas noches", 19, 24),
    ("goedemorgen", 5, 12),
    ("goedemiddag", 12, 18),
    ("goedenavond", 18, 24),
    ("good morning", 5, 12),
    ("good afternoon", 12, 18),
    ("good evening", 17, 24),
    ("guten morgen", 5, 11),
    ("guten abend", 17, 24),
    ("bonsoir", 17, 24),
    ("buonasera", 16, 24),
];

/// What follows the greeting word(s) on the first line, without punctuation.
fn greeting_rest(first: &str, lang: Lang) -> String {
    let first_norm = normalize(first);
    let loc = locale(lang);
    let greet = loc.greetings.iter().filter(|g| first_norm.starts_with(*g)).max_by_key(|g| g.len());
    let rest: String = first.chars().skip(greet.map(|g| g.chars().count()).unwrap_or(0)).collect();
    rest.trim().trim_matches(|c: char| c == ',' || c == ':' || c == '!' || c == '.').trim().to_string()
}

/// How many times the draft thanks: each word with a thanks stem.
fn count_thanks(norm: &str) -> usize {
    words(norm).iter().filter(|w| THANK_STEMS.iter().any(|s| w.starts_with(s))).count()
}

/// The reply without its greeting line and sign-off: formulas like "Best regards" say
/// nothing about tone and would swamp a short text's sentiment.
pub fn core_text(body: &str, loc: &Locale) -> String {
    let lines: Vec<&str> = body.lines().collect();
    let first = lines.iter().position(|l| !l.trim().is_empty()).map(|i| i + 1).unwrap_or(0);
    let mut end = lines.len();
    let non_empty: Vec<usize> = (first..lines.len()).filter(|i| !lines[*i].trim().is_empty()).collect();
    for i in non_empty.iter().rev().take(4) {
        let l = normalize(lines[*i].trim().trim_end_matches([',', '!', '.', ':']));
        if loc.closings.iter().any(|c| l == *c || (l.starts_with(c) && l.len() < c.len() + 12)) {
            end = *i;
            break;
        }
    }
    lines[first.min(end)..end].join("\n")
}

/// Every must check passed (n/a counts as not failed).
pub fn must_pass(findings: &[Finding]) -> bool {
    findings.iter().all(|f| !(f.must && f.result == Outcome::Fail))
}

pub fn failures(findings: &[Finding]) -> Vec<&Finding> {
    findings.iter().filter(|f| f.result == Outcome::Fail).collect()
}

fn names_a_wait(norm: &str, loc: &Locale) -> bool {
    let units = [loc.hour.0, loc.hour.1, loc.day.0, loc.day.1, loc.week.0, loc.week.1];
    let ws = words(norm);
    ws.windows(2).any(|w| {
        let is_number =
            w[0].chars().all(|c| c.is_ascii_digit()) || loc.numbers.iter().skip(1).any(|n| n.to_lowercase() == w[0]);
        // "einen Tag", "un día", "uma semana": one, agreeing with its unit.
        let unit = units.iter().find(|u| u.to_lowercase() == w[1]);
        unit.is_some_and(|u| is_number || loc.counted(1, u).to_lowercase() == w[0])
    })
}

fn check_greeting(input: &LintInput<'_>, loc: &Locale, register: Register) -> (Outcome, String) {
    let Some(first) = input.body.lines().map(str::trim).find(|l| !l.is_empty()) else {
        return (Outcome::Fail, "the reply is empty".into());
    };
    let first_norm = normalize(first);
    let Some(greet) = loc.greetings.iter().filter(|g| first_norm.starts_with(*g)).max_by_key(|g| g.len()) else {
        return (Outcome::Fail, format!("the first line \"{first}\" is not a greeting in {}", input.lang));
    };
    // What follows the greeting word(s), without punctuation.
    let rest: String = first.chars().skip(greet.chars().count()).collect();
    let rest = rest.trim().trim_matches(|c: char| c == ',' || c == ':' || c == '!' || c == '.').trim();
    if rest.contains('@') {
        return (Outcome::Fail, "greets with an email address".into());
    }
    if words(rest).iter().any(|w| crate::text::is_all_caps(w) && w.chars().count() > 2) {
        return (Outcome::Fail, format!("\"{rest}\" is in ALL CAPS"));
    }
    // "Dear Customer", "Hallo Kunde": a role, not a person.
    let rest_words: Vec<&str> = words(rest);
    if rest_words.iter().any(|w| is_role(w)) && !rest.is_empty() {
        let known = input.customer.name.as_ref().map(|n| n.full()).unwrap_or_default();
        if !rest_words.iter().all(|w| known.contains(w)) {
            return (Outcome::Fail, format!("greets a role (\"{rest}\"), not a person"));
        }
    }
    let gendered = [
        "mr", "mrs", "ms", "herr", "frau", "monsieur", "madame", "sr", "sra", "sig", "sig.ra", "heer", "mevrouw",
        "dott.ssa", "señor", "señora", "senhor", "senhora", "signora", "estimado", "estimada", "prezado", "prezada",
        "geehrter", "geehrte",
    ];
    let uses_gender = normalize(first)
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .any(|w| gendered.contains(&w.trim_end_matches('.')));
    match &input.customer.name {
        Some(name) => {
            let expected = expected_greeting_name(register, name);
            let given_ok = name.given.as_deref().is_some_and(|g| rest.contains(g));
            let full_ok = rest.contains(&name.full())
                || name.surname.as_deref().is_some_and(|s| rest.contains(s) && name.has_title());
            // "Dr." and "Dra." carry the gender in Portuguese and Spanish.
            let gendered_title = matches!(input.lang, Lang::Pt | Lang::Es) && name.academic.is_some();
            if uses_gender && name.honorific.is_none() && !gendered_title {
                return (Outcome::Fail, "the greeting assumes a gender the customer did not give".into());
            }
            // "Kevin D." writing the polite form: the first name alone is too familiar and an
            // initial is no surname, so a name-free greeting is the right one.
            let initial_only = rest.is_empty() && !name.has_title() && name.surname.as_deref().is_some_and(is_initial);
            if rest.contains(&expected) || given_ok || full_ok {
                (Outcome::Pass, format!("greets {} as they write it", rest))
            } else if initial_only {
                (Outcome::Pass, "a name-free greeting: the surname is an initial".into())
            } else {
                (
                    Outcome::Fail,
                    format!("the greeting \"{first}\" does not use the customer's name as they write it ({expected})"),
                )
            }
        }
        None => {
            if rest.is_empty() || rest.eq_ignore_ascii_case("there") || rest.eq_ignore_ascii_case("all") {
                (Outcome::Pass, "no name known: a name-free greeting".into())
            } else {
                (Outcome::Fail, format!("no name is known but the greeting says \"{rest}\""))
            }
        }
    }
}

fn check_register(input: &LintInput<'_>, draft: &RegisterReading) -> (Outcome, String) {
    let customer = &input.customer.register;
    let low = customer.register.clamp(input.most_casual, input.most_formal);
    let high = customer.register.one_step_more_formal().clamp(input.most_casual, input.most_formal);
    if draft.register < low || draft.register > high {
        return (
            Outcome::Fail,
            format!(
                "the reply reads {} but the customer wrote {} (allowed: {}{})",
                draft.register,
                customer.register,
                low,
                if high != low { format!(" or {high}") } else { String::new() }
            ),
        );
    }
    if customer.uses_v && draft.uses_t {
        return (Outcome::Fail, "the customer uses the polite form (Sie/vous/usted/Lei/u); the reply must too".into());
    }
    if customer.uses_t && !customer.uses_v && draft.uses_v && draft.register == customer.register {
        return (
            Outcome::Fail,
            "the customer uses the familiar form; at the same register the reply should too".into(),
        );
    }
    if draft.emoji && !customer.emoji {
        return (Outcome::Fail, "emoji, though the customer used none".into());
    }
    if draft.slang && !customer.slang {
        return (Outcome::Fail, "slang, though the customer used none".into());
    }
    if draft.exclamations > 1 {
        return (Outcome::Fail, format!("{} exclamation marks (at most one)", draft.exclamations));
    }
    (Outcome::Pass, format!("{} for a {} message", draft.register, customer.register))
}

static BLAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(you|your)\b.{0,40}\b(should have|didn't|did not|failed|forgot|must have|fault|wrong|never|were supposed)").expect("static regex")
});

fn check_politeness(sents: &[String], loc: &Locale, lang: Lang) -> (Outcome, String) {
    for s in sents {
        let n = normalize(s);
        let first_words = words(&n);
        let Some(first) = first_words.first() else {
            continue;
        };
        for opener in loc.impolite_openers {
            if starts_with_words(&n, opener) {
                return (Outcome::Fail, format!("a sentence starts with \"{opener}\": \"{}\"", s.trim()));
            }
        }
        if lang == Lang::En && BLAME.is_match(s.trim()) {
            return (Outcome::Fail, format!("\"{}\" blames the customer", s.trim()));
        }
        let is_request = !s.trim_end().ends_with('?')
            && !n.contains("please")
            && !n.contains("bitte")
            && !n.contains("s'il")
            && !n.contains("por favor")
            && !n.contains("per favore")
            && !n.contains("alstublieft")
            && !n.contains("graag");
        if is_request && first_words.len() >= 2 {
            for imp in loc.imperatives {
                if starts_with_words(&n, imp)
                    && !(lang == Lang::En && matches!(*first, "see" | "note") && n.contains("you"))
                {
                    return (
                        Outcome::Fail,
                        format!("\"{}\" orders the customer; ask instead (\"Could you…?\")", s.trim()),
                    );
                }
            }
        }
    }
    (Outcome::Pass, "requests are asked, openers are polite".into())
}

fn starts_with_words(norm_sentence: &str, phrase: &str) -> bool {
    norm_sentence.starts_with(phrase)
        && norm_sentence[phrase.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric() && c != '\'')
}

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\{\{|\}\}|\[(?:Name|NAME|name|Customer|First ?Name|Vorname|Nom|Nombre|Nome|Naam|Agent|Order)\]|<(?:NAME|Name|name)>|\bXXX\b|\bTODO\b|\bTBD\b").expect("static regex")
});

fn check_hygiene(input: &LintInput<'_>) -> (Outcome, String) {
    let mut problems = Vec::new();
    if let Some(m) = PLACEHOLDER.find(input.body) {
        problems.push(format!("a placeholder is left (\"{}\")", m.as_str()));
    }
    if input.body.lines().any(|l| l.trim_start().starts_with('>')) || crate::mail::quote::strip(input.body).had_quote {
        problems.push("echoes a quoted thread".to_string());
    }
    let n = word_count(input.body);
    let sit = &input.customer.situations;
    let may_be_short =
        [SituationName::Praise, SituationName::Bereavement, SituationName::FeatureIdea].into_iter().any(|s| sit.is(s));
    let min = if may_be_short { 25 } else { 40 };
    if !(min..=180).contains(&n) {
        problems.push(format!("{n} words ({min}–180)"));
    }
    let tail: Vec<&str> = input.body.lines().map(str::trim).filter(|l| !l.is_empty()).rev().take(3).collect();
    if !input.signers.iter().any(|s| !s.trim().is_empty() && tail.iter().any(|l| l.contains(s.trim()))) {
        problems.push(format!("no person in the sign-off (expected {})", input.signers.join(" or ")));
    }
    if !input.subject.trim_start().to_lowercase().starts_with("re:") {
        problems.push("the subject does not start with \"Re:\"".to_string());
    }
    if !input.has_in_reply_to {
        problems.push("no In-Reply-To".to_string());
    }
    if problems.is_empty() {
        (Outcome::Pass, format!("{n} words, signed, threaded"))
    } else {
        (Outcome::Fail, problems.join("; "))
    }
}

/// Phrase presence helper the drafting stage shares: does the text apologize for a delay?
pub fn apologizes_for_delay(text: &str, lang: Lang) -> bool {
    any_phrase(&normalize(text), locale(lang).delay_apology).is_some()
}

/// Helper for editing flows: is `needle` (normalised) in the text?
pub fn mentions(text: &str, needle: &str) -> bool {
    contains_phrase(&normalize(text), &normalize(needle))
}

#[cfg(test)]
mod situation_tests {
    use super::*;
    use crate::empathy::details::DetailKind;
    use crate::empathy::situations::{FaultKind, Source};

    fn customer(lang: Lang, text: &str, name: &str, situations: &[SituationName]) -> CustomerFacts {
        let mut s = SituationReading::default();
        for n in situations {
            s.set(*n, vec!["test".into()], Source::Text);
        }
        if situations.contains(&SituationName::OurFault) {
            s.fault = Some(FaultKind::DoubleCharge);
        }
        CustomerFacts {
            kind: Kind::Human,
            dmarc_fail: false,
            register: register::detect(text, lang),
            sentiment: Sentiment::Negative,
            name: crate::empathy::names::parse_person(name),
            detail: None,
            details: Vec::new(),
            topic: None,
            situations: s,
            variant: None,
            local_hour: None,
        }
    }

    fn failed(lang: Lang, body: &str, c: &CustomerFacts) -> Vec<String> {
        let findings = lint(&LintInput {
            body,
            subject: "Re: x [#1]",
            has_in_reply_to: true,
            lang,
            expected_lang: lang,
            customer: c,
            lateness: Lateness {
                waited_secs: 0,
                waited_calendar_secs: 0,
                sla_secs: 14_400,
                late: false,
                very_late: false,
            },
            most_casual: Register::Casual,
            most_formal: Register::Formal,
            signers: &["Example Support"],
        });
        findings.into_iter().filter(|f| f.result == Outcome::Fail).map(|f| f.check).collect()
    }

    /// The skeleton every bereavement, outage and third mail got before situations were read
    /// (the review quotes it): the new checks fail it.
    const OLD_SKELETON: &str = "Hello Sarah,\n\nSorry for the wait, and thanks for your patience.\n\nThanks for getting in touch. I've opened ticket #16 and I'm working on it with the team. I will get back to you within one business day with an answer or an update. If there is anything you would like to add, such as screenshots or the steps that led here, just reply to this email.\n\nIs there anything else that would help us look into this?\n\nBest regards,\nExample Support";

    #[test]
    fn yesterdays_drafts_fail_the_situation_checks() {
        let grief = customer(Lang::En, "My father passed away.", "Sarah Jones", &[SituationName::Bereavement]);
        let f = failed(Lang::En, OLD_SKELETON, &grief);
        assert!(f.contains(&"condolence".to_string()), "{f:?}");
        assert!(f.contains(&"no-screenshots".to_string()), "{f:?}");
        assert!(f.contains(&"one-thanks".to_string()), "{f:?}");

        let outage = customer(Lang::En, "Our checkout is down.", "Sarah Jones", &[SituationName::Urgent]);
        assert!(failed(Lang::En, OLD_SKELETON, &outage).contains(&"urgent-time".to_string()));

        let third = customer(Lang::En, "Third time I write.", "Sarah Jones", &[SituationName::RepeatedContact]);
        assert!(failed(Lang::En, OLD_SKELETON, &third).contains(&"earlier-contact".to_string()));

        let charged = customer(Lang::En, "You charged me twice.", "Sarah Jones", &[SituationName::OurFault]);
        assert!(failed(Lang::En, OLD_SKELETON, &charged).contains(&"fault-owned".to_string()));

        let scam = customer(Lang::En, "Is this email genuine?", "Sarah Jones", &[SituationName::SecurityWorry]);
        assert!(failed(Lang::En, OLD_SKELETON, &scam).contains(&"safety-first".to_string()));
    }

    #[test]
    fn sending_the_customer_elsewhere_is_caught_in_every_language() {
        let c = |lang| customer(lang, "Where is my refund?", "Sarah Jones", &[]);
        for (lang, body) in [
            (
                Lang::En,
                "Hello Sarah,\n\nPlease contact our billing department or visit our FAQ.\n\nBest regards,\nExample Support",
            ),
            (Lang::En, "Hello Sarah,\n\nThe answer is in our FAQ.\n\nBest regards,\nExample Support"),
            (
                Lang::De,
                "Guten Tag Frau Jones,\n\nbitte wenden Sie sich an unsere Buchhaltung oder schauen Sie in unsere FAQ.\n\nMit freundlichen Grüßen\nExample Support",
            ),
            (Lang::Fr, "Bonjour Madame Jones,\n\nconsultez notre FAQ.\n\nCordialement,\nExample Support"),
            (Lang::Es, "Hola, Sarah:\n\nconsulte nuestras preguntas frecuentes.\n\nUn saludo,\nExample Support"),
            (Lang::It, "Gentile Sarah Jones,\n\nconsulti le nostre FAQ.\n\nCordiali saluti,\nExample Support"),
            (Lang::Nl, "Beste Sarah,\n\nkijk in onze FAQ.\n\nMet vriendelijke groet,\nExample Support"),
            (
                Lang::Pt,
                "Olá, Sarah,\n\nconsulte as nossas perguntas frequentes.\n\nCom os melhores cumprimentos,\nExample Support",
            ),
        ] {
            assert!(failed(lang, body, &c(lang)).contains(&"no-deflection".to_string()), "{lang:?}: {body}");
        }
        // A hand-off that says who follows up is not a deflection.
        let body = "Hello Sarah,\n\nI have passed this to our billing team, who will contact you by Friday.\n\nBest regards,\nExample Support";
        assert!(!failed(Lang::En, body, &c(Lang::En)).contains(&"no-deflection".to_string()));
    }

    #[test]
    fn greetings_references_and_variants_are_judged() {
        let sie = customer(Lang::De, "Könnten Sie mir bitte helfen? Mit freundlichen Grüßen", "Jürgen Weber", &[]);
        let body = "Guten Tag Jürgen,\n\nvielen Dank für Ihre Nachricht. Ich kümmere mich darum und melde mich innerhalb eines Werktags mit einer Antwort bei Ihnen. Wenn sich etwas ändert, antworten Sie einfach auf diese E-Mail, sie erreicht mich direkt.\n\nMit freundlichen Grüßen\nExample Support";
        assert!(failed(Lang::De, body, &sie).contains(&"formal-greeting".to_string()));

        let role = customer(Lang::Nl, "Goedendag, graag een kopie van de factuur.", "Jan de Vries", &[]);
        let body = "Beste Facturen Bouwbedrijf,\n\nDank u voor uw bericht.";
        assert!(failed(Lang::Nl, body, &role).contains(&"no-role-name".to_string()));

        let mut order = customer(Lang::Es, "Mi pedido ES-55817 no ha llegado.", "Ana Ruiz", &[]);
        order.details = vec![Detail { kind: DetailKind::Order, value: "ES-55817".into() }];
        let body = "Hola, Ana:\n\nGracias por su mensaje sobre su pedido -55817.";
        assert!(failed(Lang::Es, body, &order).contains(&"references-verbatim".to_string()));

        let mut br = customer(Lang::Pt, "Oi, vocês podem me ajudar? Estou tentando pagar.", "Ana Souza", &[]);
        br.variant = Some(PtVariant::Br);
        let body = "Olá, Ana,\n\nObrigado pelo seu contacto. Estou a trabalhar no seu caso com a equipa.";
        assert!(failed(Lang::Pt, body, &br).contains(&"pt-variant".to_string()));

        // "Bom dia" at 15:00 their time, or when their time is unknown.
        let body = "Bom dia, Ana,\n\nRecebi a sua mensagem.";
        br.local_hour = Some(15);
        assert!(failed(Lang::Pt, body, &br).contains(&"time-of-day".to_string()));
        br.local_hour = Some(9);
        assert!(!failed(Lang::Pt, body, &br).contains(&"time-of-day".to_string()));
        br.local_hour = None;
        assert!(failed(Lang::Pt, body, &br).contains(&"time-of-day".to_string()));
    }
}
