//! Checks a reply template the way it will be used: rendered in strict mode against sample
//! customers (with and without a name, on time, late and very late, calm and upset, with
//! and without an order number, and in every situation and the usual mixes of them) and
//! each result linted against the rubric. Used by
//! `attune templates check`, by the tests for every shipped template, and when an admin
//! saves a template.

use crate::config::{Config, DurationSpec, DurationUnit};
use crate::domain::{Kind, Lang, Purpose, Register, Sentiment};
use crate::drafting::{Context, Facts, template_context};
use crate::empathy::details::{Detail, DetailKind};
use crate::empathy::language::LanguageSource;
use crate::empathy::lateness::{Calendar, Lateness};
use crate::empathy::lint::{self, Outcome};
use crate::empathy::locale::locale;
use crate::empathy::names::{NameSource, parse_person};
use crate::empathy::register::RegisterReading;
use crate::empathy::situations::{FaultKind, RequestKind, SituationName, SituationReading, Source};
use crate::templates::{Letter, TemplateError, TemplateKey, Templates};

pub struct TemplateReport {
    pub key: TemplateKey,
    pub samples: usize,
    pub problems: Vec<String>,
}

/// The sample facts a template is tried with.
pub fn sample_facts(key: &TemplateKey, config: &Config, calendar: &Calendar) -> Vec<(String, Facts)> {
    let lang = key.locale.lang;
    let has_tv = !locale(lang).t_pronouns.is_empty();
    let reading = RegisterReading {
        register: key.register,
        score: 0,
        uses_v: has_tv && key.register != Register::Casual,
        uses_t: has_tv && key.register == Register::Casual,
        emoji: false,
        slang: false,
        exclamations: 0,
    };
    let sla = calendar.sla_secs(config.sla.first_response);
    let day = calendar.sla_secs(DurationSpec { amount: 1, unit: DurationUnit::Days });
    let waits = [
        (
            "on time",
            Lateness {
                waited_secs: sla / 4,
                waited_calendar_secs: sla / 4,
                sla_secs: sla,
                late: false,
                very_late: false,
            },
        ),
        (
            "late",
            Lateness {
                waited_secs: sla + sla / 2,
                waited_calendar_secs: sla + sla / 2,
                sla_secs: sla,
                late: true,
                very_late: false,
            },
        ),
        (
            "very late",
            Lateness {
                waited_secs: 4 * sla.max(day),
                waited_calendar_secs: 3 * 86_400 + 3600,
                sla_secs: sla,
                late: true,
                very_late: true,
            },
        ),
    ];
    let mut names = vec![("no name", None), ("Jane Doe", parse_person("Jane Doe"))];
    if key.register == Register::Formal {
        names.push(("Dr. Jane Doe", parse_person("Dr. Jane Doe")));
        names.push(("Frau Jane Doe", parse_person("Frau Jane Doe")));
    }
    let base = |name: &Option<crate::empathy::names::PersonName>, lateness: &Lateness, sentiment: Sentiment| Facts {
        purpose: Purpose::AckNew,
        name: name.clone(),
        name_source: if name.is_some() { NameSource::DisplayName } else { NameSource::None },
        language: lang,
        language_source: LanguageSource::Detected,
        customer_register: reading.clone(),
        register: key.register,
        sentiment,
        sentiment_score: if sentiment == Sentiment::Negative { -0.6 } else { 0.0 },
        detail: None,
        details: Vec::new(),
        topic: None,
        variant: key.locale.variant,
        swiss: false,
        situations: SituationReading::default(),
        sentiment_reason: None,
        utc_offset_secs: None,
        kind: Kind::Human,
        dmarc_fail: false,
        arrived_at: 0,
        lateness: *lateness,
        judged_at: 0,
        ticket_ref: "#123".into(),
        customer_subject: "Where is my order?".into(),
        signer: None,
        apology_added_at_send: false,
    };
    let order = Detail { kind: DetailKind::Order, value: "4711-A".into() };
    let mut out = Vec::new();
    for (name_label, name) in &names {
        for (wait_label, lateness) in &waits {
            for sentiment in [Sentiment::Neutral, Sentiment::Negative] {
                let references = [(None, None), (Some(order.clone()), None), (None, Some("Gift vouchers"))];
                for (detail, topic) in &references {
                    for followup in [false, true] {
                        let label = format!(
                            "{name_label}, {wait_label}, {}, {}{}",
                            sentiment.as_str(),
                            match (detail, topic) {
                                (Some(_), _) => "order 4711-A",
                                (None, Some(_)) => "topic \"Gift vouchers\"",
                                (None, None) => "no detail",
                            },
                            if followup { ", follow-up" } else { "" }
                        );
                        let mut facts = base(name, lateness, sentiment);
                        facts.details = detail.iter().cloned().collect();
                        facts.detail = detail.clone();
                        facts.topic = topic.map(str::to_string);
                        if followup {
                            facts.purpose = Purpose::AckFollowup;
                        }
                        out.push((label, facts));
                    }
                }
            }
        }
    }
    // Every situation alone and in the mixes customers write, on time, late and very late.
    let jane = parse_person("Jane Doe");
    for mix in situation_mixes() {
        for (wait_label, lateness) in &waits {
            let heavy = mix.iter().any(|n| {
                matches!(
                    n,
                    SituationName::Bereavement
                        | SituationName::Urgent
                        | SituationName::OurFault
                        | SituationName::RepeatedContact
                        | SituationName::ThreatToLeave
                        | SituationName::Chargeback
                        | SituationName::Legal
                )
            });
            let sentiment = if heavy { Sentiment::Negative } else { Sentiment::Neutral };
            let mut facts = base(&jane, lateness, sentiment);
            facts.details = vec![order.clone()];
            facts.detail = Some(order.clone());
            let s = &mut facts.situations;
            for n in &mix {
                s.set(*n, vec!["sample".into()], Source::Text);
            }
            if mix.contains(&SituationName::OurFault) {
                s.fault = Some(FaultKind::DoubleCharge);
            }
            if mix.contains(&SituationName::Urgent) {
                s.deadline = Some(calendar_deadline(lang));
                s.phone = Some("+44 20 7946 0958".into());
            }
            if mix.contains(&SituationName::RepeatedContact) {
                s.earlier_unanswered = 2;
                s.first_contact = Some((24, 11));
            }
            if mix.contains(&SituationName::MultipleQuestions) {
                s.question_count = 3;
            }
            // The worried elderly customer names the look-alike sender and clicked nothing;
            // the technical one alone wrote out the steps: both branches get rendered.
            if mix == [SituationName::SecurityWorry, SituationName::Vulnerable] {
                s.suspect_domain = Some("examp1e-billing.com".into());
                s.untouched = true;
            }
            // The worried customer alone got a message asking for card details.
            if mix == [SituationName::SecurityWorry] {
                s.asks_secret = true;
            }
            if mix == [SituationName::Technical] {
                s.described = true;
            }
            // An outage mail answered after the day its deadline named.
            if mix == [SituationName::Urgent, SituationName::Technical] {
                s.deadline_passed = true;
            }
            // The grieving customer who wants to keep the late one's account.
            if mix == [SituationName::Bereavement] {
                s.request = Some(RequestKind::AccountTransfer);
            }
            if mix.contains(&SituationName::Praise) {
                s.colleague = Some("Sarah".into());
                s.to_manager = mix.len() == 1;
            }
            let label =
                format!("Jane Doe, {wait_label}, {}", mix.iter().map(|n| n.as_str()).collect::<Vec<_>>().join(" + "));
            out.push((label, facts));
        }
    }
    // Each everyday request, with and without the order it names, on time and late, and
    // once from someone writing again.
    for request in RequestKind::ALL {
        for (wait_label, lateness) in &waits {
            for (with_order, repeated) in [(true, false), (false, false), (true, true)] {
                let mut facts = base(&jane, lateness, Sentiment::Neutral);
                if with_order {
                    facts.details = vec![order.clone()];
                    facts.detail = Some(order.clone());
                }
                facts.situations.request = Some(request);
                if repeated {
                    facts.situations.set(SituationName::RepeatedContact, vec!["sample".into()], Source::Text);
                    facts.situations.earlier_unanswered = 1;
                }
                let label = format!(
                    "Jane Doe, {wait_label}, request {}{}{}",
                    request.as_str(),
                    if with_order { ", with order" } else { "" },
                    if repeated { ", writing again" } else { "" }
                );
                out.push((label, facts));
            }
        }
    }
    out
}

/// A deadline as a customer of this language writes it, for the samples.
fn calendar_deadline(lang: Lang) -> String {
    match lang {
        Lang::En => "by Friday",
        Lang::De => "bis Freitag",
        Lang::Fr => "avant vendredi",
        Lang::Es => "antes del viernes",
        Lang::It => "entro venerdì",
        Lang::Nl => "vóór vrijdag",
        Lang::Pt => "até sexta-feira",
    }
    .to_string()
}

/// Each situation alone, then the mixes a support team meets every week.
pub fn situation_mixes() -> Vec<Vec<SituationName>> {
    use SituationName::*;
    let mut v: Vec<Vec<SituationName>> = SituationName::ALL.into_iter().map(|n| vec![n]).collect();
    v.extend([
        vec![Bereavement, Cancellation],
        vec![Bereavement, OurFault],
        vec![Urgent, RepeatedContact],
        vec![Urgent, Technical],
        vec![OurFault, Vulnerable],
        vec![OurFault, RepeatedContact, ThreatToLeave],
        vec![OurFault, Chargeback],
        vec![Cancellation, ThreatToLeave],
        vec![Praise, FeatureIdea],
        vec![SecurityWorry, Vulnerable],
        vec![Technical, Continuing],
        vec![Technical, Vulnerable],
        vec![Vague, Vulnerable],
        vec![RepeatedContact, Legal],
        vec![MultipleQuestions, OurFault],
    ]);
    v
}

/// Renders `source` as the template `key` (with the registry's other templates for the
/// apology) against every sample, and lints each result.
pub fn check_source(config: &Config, templates: &Templates, key: &TemplateKey, source: &str) -> TemplateReport {
    let policy = crate::app::Policy::new(config.sla.clone(), config.business_hours.clone());
    let mut problems = Vec::new();
    let samples = sample_facts(key, config, &policy.calendar);
    let count = samples.len();
    let token = "[#123]";
    for agent in [None, Some("Sam Taylor")] {
        for (label, facts) in &samples {
            let ctx = Context { config, policy: &policy, facts, ticket_token: token, agent };
            if key.letter == Letter::Apology {
                // The snippet is checked by rendering it alone; the replies embed it.
                let value = template_context(&ctx, "");
                match Templates::try_render(key, source, &value) {
                    Ok(text) if facts.lateness.late && !lint::apologizes_for_delay(&text, key.locale.lang) => {
                        problems.push(format!("{label}: the apology does not apologize for the wait (\"{text}\")"));
                    }
                    Ok(text) if facts.lateness.very_late && !text.chars().any(|c| c.is_alphabetic()) => {
                        problems.push(format!("{label}: the apology is empty"));
                    }
                    Ok(_) => {}
                    Err(e) => problems.push(describe(e)),
                }
                continue;
            }
            let apology = if facts.lateness.late {
                let k = TemplateKey::new(Letter::Apology, key.locale, key.register);
                match templates.render(&k, &template_context(&ctx, "")) {
                    Ok(a) => a.replace('\n', " "),
                    Err(e) => {
                        problems.push(describe(e));
                        continue;
                    }
                }
            } else {
                String::new()
            };
            let value = template_context(&ctx, &apology);
            let body = match Templates::try_render(key, source, &value) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(describe(e));
                    break;
                }
            };
            let findings =
                crate::drafting::lint_body(config, facts, &body, "Re: Where is my order? [#123]", true, agent);
            for f in findings.iter().filter(|f| f.result == Outcome::Fail) {
                problems.push(format!(
                    "{label}{}: {} ({}): {}",
                    agent.map(|a| format!(", signed by {a}")).unwrap_or_default(),
                    f.check,
                    if f.must { "must" } else { "should" },
                    f.message
                ));
            }
        }
    }
    problems.dedup();
    TemplateReport { key: *key, samples: count, problems }
}

fn describe(e: TemplateError) -> String {
    e.to_string()
}

pub fn check_all(config: &Config, templates: &Templates) -> Vec<TemplateReport> {
    templates
        .keys()
        .iter()
        .filter_map(|k| templates.source(k).map(|(s, _)| (*k, s.to_string())))
        .map(|(k, s)| check_source(config, templates, &k, &s))
        .collect()
}

/// The languages a template set must cover (for completeness checks).
pub fn languages() -> [Lang; 7] {
    Lang::ALL
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_template_passes_the_rubric() {
        let config = Config::default();
        let templates = Templates::load(&[]).unwrap();
        let report = check_all(&config, &templates);
        assert_eq!(report.len(), 48, "8 locales (pt-BR and pt-PT) × 3 registers × (reply + apology)");
        let failures: Vec<String> = report
            .iter()
            .filter(|r| !r.problems.is_empty())
            .flat_map(|r| r.problems.iter().map(move |p| format!("{}: {p}", r.key)))
            .collect();
        assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn a_bad_template_is_refused_with_reasons() {
        let config = Config::default();
        let templates = Templates::load(&[]).unwrap();
        let key = TemplateKey::new(Letter::Reply, crate::templates::Locale::of(Lang::En, None), Register::Neutral);
        let report = check_source(&config, &templates, &key, "{{greeting}}\n\nDo not reply to this email.\n\nSupport");
        assert!(report.problems.iter().any(|p| p.contains("invites-contact")), "{:?}", report.problems);
        let report = check_source(&config, &templates, &key, "{{greting}}");
        assert!(report.problems.iter().any(|p| p.contains("greting")), "{:?}", report.problems);
    }
}
#[cfg(test)]
mod debug_render {
    #[test]
    #[ignore]
    fn print_one() {
        use super::*;
        let config = Config::default();
        let templates = Templates::load(&[]).unwrap();
        let key = TemplateKey::parse(&std::env::var("KEY").unwrap()).unwrap();
        let cal = Calendar::from_config(None);
        let want = std::env::var("LABEL").unwrap();
        for (label, facts) in sample_facts(&key, &config, &cal) {
            if label != want {
                continue;
            }
            let policy = crate::app::Policy::new(config.sla.clone(), None);
            let ctx = Context { config: &config, policy: &policy, facts: &facts, ticket_token: "[#123]", agent: None };
            let body = crate::drafting::render(&templates, &ctx).unwrap();
            println!(
                "{body}\n---core---\n{}",
                crate::empathy::lint::core_text(&body, crate::empathy::locale::locale(key.locale.lang))
            );
            println!(
                "compound {}",
                crate::empathy::sentiment::compound(
                    &crate::empathy::lint::core_text(&body, crate::empathy::locale::locale(key.locale.lang)),
                    key.locale.lang
                )
            );
        }
    }
}
