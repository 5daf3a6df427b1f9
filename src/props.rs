//! Property tests over every stage that reads outside input: arbitrary bytes to the parser
//! and the gate, arbitrary Unicode (weighted towards characters whose case changes their
//! length) to names, quote stripping, register, language, situations and the lint, and the
//! whole CPU path a message takes (parse → classify → read → compose → lint). Each asserts
//! no panic and the invariant that stage promises.

use proptest::prelude::*;

use crate::domain::Lang;
use crate::empathy::language;
use crate::empathy::{names, register, situations};
use crate::mail::{parse, quote};

/// Text that is hard on byte offsets: characters whose lower or upper case has another
/// byte length (İ, ẞ, ΐ, ligatures, Kelvin sign), combining marks, RTL, emoji, controls,
/// and the words our readers look for.
fn hostile_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<String>(),
        "[İẞΐﬁﬀǅǈÅKΣς€ⱥȺɐ\u{0307}\u{200F}\u{202E}😀\u{0}\t\r\n <>\"'@.,;:()-]{0,12}",
        Just(" via ".to_string()),
        Just("Mit freundlichen Grüßen\n".to_string()),
        Just("-- \n".to_string()),
        Just("> On Mon, Jane wrote:\n".to_string()),
        Just("Dr. ".to_string()),
        Just("(Mrs)".to_string()),
        Just("order #A-1234 ".to_string()),
        Just("third time".to_string()),
        "[a-zA-Zà-ÿ0-9 .,!?'’\n-]{0,16}",
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

fn any_lang() -> impl Strategy<Value = Lang> {
    (0usize..Lang::ALL.len()).prop_map(|i| Lang::ALL[i])
}

/// A message around hostile header values and body, so the parser's way through is the
/// real one rather than "cannot be parsed".
fn hostile_mail() -> impl Strategy<Value = Vec<u8>> {
    (hostile_text(), hostile_text(), hostile_text(), proptest::collection::vec(any::<u8>(), 0..64)).prop_map(
        |(name, subject, body, noise)| {
            let mut raw = format!(
                "From: \"{name}\" <jane@example.org>\r\nTo: help@example.com\r\nSubject: {subject}\r\nMessage-ID: <p@example.org>\r\nDate: Thu, 3 Dec 2026 09:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
            )
            .into_bytes();
            raw.extend_from_slice(&noise);
            raw
        },
    )
}

fn folded(s: &str) -> String {
    crate::text::fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The whole CPU path one message takes before the store, as the pipeline runs it (the
/// fuzz target's entry point too).
fn through_the_pipeline(raw: &[u8]) {
    crate::fuzzing::one_message(raw);
}

proptest! {

    #[test]
    fn a_name_is_always_made_of_the_writers_own_letters(t in hostile_text()) {
        let source = folded(&t);
        for n in [names::parse_person(&t), names::from_sign_off(&t)].into_iter().flatten() {
            for part in n.full().split_whitespace() {
                let part = folded(part);
                prop_assert!(source.contains(&part) || part.is_empty(), "{part:?} not in {t:?}");
            }
        }
        let _ = names::title_case_name(&t);
        let _ = names::is_role(&t);
        let _ = names::is_role_address(&t);
        let _ = names::from_local_part(&t);
    }

    #[test]
    fn quote_stripping_never_returns_more_than_it_got(t in hostile_text()) {
        let s = quote::strip(&t);
        prop_assert!(s.text.chars().count() <= t.chars().count(), "{:?} from {t:?}", s.text);
        if let Some(sig) = &s.signature {
            prop_assert!(sig.chars().count() <= t.chars().count());
        }
    }

    #[test]
    fn readers_never_panic_on_any_text(t in hostile_text(), lang in any_lang()) {
        let _ = register::detect(&t, lang);
        let _ = language::detect(&t, lang);
        let _ = language::confirm(&t, lang);
        let _ = language::pt_variant(&t, "example.com.br");
        let _ = crate::empathy::sentiment::compound(&t, lang);
        let _ = situations::read(&situations::Clues { text: &t, subject: &t, lang, has_detail: false });
        let _ = crate::empathy::lint::core_text(&t, crate::empathy::locale::locale(lang));
        let _ = crate::mail::compose::reply_subject(&t, "[#1]");
        let _ = crate::drafting::date_offset(&t);
    }

    #[test]
    fn any_bytes_parse_or_are_refused_with_a_reason(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        match parse::parse(&raw) {
            parse::Parsed::Ok(m) => {
                prop_assert!(m.from.address.as_str().contains('@'));
                through_the_pipeline(&raw);
            }
            parse::Parsed::Malformed { reason, .. } => prop_assert!(!reason.is_empty()),
        }
    }

    #[test]
    fn hostile_mail_goes_all_the_way_through_without_a_panic(raw in hostile_mail()) {
        through_the_pipeline(&raw);
    }
}

#[test]
fn the_reported_display_name_is_read_without_a_panic() {
    let n = names::parse_person("\"İİİİİİ via €uro\"");
    // All capitals are title-cased ("İi̇i̇…"); what matters is the letters and no panic.
    assert_eq!(n.map(|n| folded(&n.full())).as_deref(), Some("iiiiii"));
    through_the_pipeline(
        "From: \"İİİİİİ via €uro\" <x@example.org>\r\nTo: help@example.com\r\nSubject: Hilfe\r\nMessage-ID: <i@x>\r\n\r\nHallo, mein Paket fehlt.\r\n"
            .as_bytes(),
    );
}
