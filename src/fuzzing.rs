//! The entry point of the fuzz target (`fuzz/`, run with `cargo +nightly fuzz run pipeline`):
//! one message's whole CPU path as intake runs it, parse → classify → read the customer →
//! compose the acknowledgment → lint it, on the embedded defaults. Anything it finds is a
//! panic, which intake would turn into a quarantined message; the fuzzer finds it first.

use std::sync::LazyLock;

use crate::domain::{EmailAddress, Kind, Purpose};
use crate::mail::{classify, parse};

struct Fixture {
    config: crate::config::Config,
    policy: crate::app::Policy,
    templates: crate::templates::Templates,
    ours: [EmailAddress; 1],
}

static FIXTURE: LazyLock<Option<Fixture>> = LazyLock::new(|| {
    let config = crate::config::Config::from_parts(None, "", &[]).ok()?;
    let policy = crate::app::Policy::new(config.sla.clone(), config.business_hours.clone());
    let templates = crate::templates::Templates::load(&[]).ok()?;
    let ours = [EmailAddress::parse("support@example.com").ok()?];
    Some(Fixture { config, policy, templates, ours })
});

/// Runs `raw` through every stage that reads outside input. Never returns an error: a
/// refusal (malformed mail, a machine's mail) is a normal outcome; only a panic is a bug.
pub fn one_message(raw: &[u8]) {
    let Some(f) = FIXTURE.as_ref() else { return };
    let parse::Parsed::Ok(m) = parse::parse(raw) else { return };
    let rules = classify::GateRules::default();
    let class = classify::classify(
        &m,
        &classify::Ours { addresses: &f.ours, message_id_domain: "example.com", loop_token: "fuzz", rules: &rules },
    );
    if class.kind != Kind::Human {
        return;
    }
    let reading = crate::drafting::read_customer(&f.config, &m, None);
    let now = 1_796_292_000;
    let facts = crate::drafting::Facts::from_reading(
        &f.config,
        &f.policy,
        &reading,
        crate::drafting::Occasion {
            purpose: Purpose::AckNew,
            kind: class.kind,
            dmarc_fail: false,
            waited_from: now - 90_000,
            now,
            ticket_ref: "#1".into(),
            customer_subject: m.subject.clone(),
        },
    );
    let ctx = crate::drafting::Context {
        config: &f.config,
        policy: &f.policy,
        facts: &facts,
        ticket_token: "[#1]",
        agent: None,
    };
    if let Ok(body) = crate::drafting::render(&f.templates, &ctx) {
        let subject = crate::mail::compose::reply_subject(&m.subject, "[#1]");
        let _ = crate::drafting::lint_body(&f.config, &facts, &body, &subject, true, None);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fixture_loads_so_the_fuzzer_reaches_every_stage() {
        assert!(super::FIXTURE.is_some(), "the embedded config and templates load");
        super::one_message(b"From: Jane <jane@example.org>\r\nTo: support@example.com\r\nSubject: order 1234\r\n\r\nWhere is my order 1234?\r\n\r\nJane\r\n");
    }
}
