//! Register (formal / neutral / casual) from the formality features of Pavlick & Tetreault:
//! greetings and closings, T/V pronouns, contractions, "!", emoji, slang, formal words.
//! The same detector reads customers' mail and our drafts, so the lint can compare them.

use serde::{Deserialize, Serialize};

use crate::domain::{Lang, Register};
use crate::empathy::locale::locale;
use crate::text::{any_phrase, has_emoji, normalize, sentences, words};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterReading {
    pub register: Register,
    pub score: i32,
    /// Polite pronouns (Sie, vous, usted, Lei, u, o senhor).
    pub uses_v: bool,
    /// Familiar pronouns (du, tu, tú, tu, je, tu).
    pub uses_t: bool,
    pub emoji: bool,
    pub slang: bool,
    pub exclamations: usize,
}

pub fn detect(text: &str, lang: Lang) -> RegisterReading {
    let loc = locale(lang);
    let norm = normalize(text);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let first_line = lines.first().map(|l| normalize(l)).unwrap_or_default();
    let last_lines =
        lines.iter().rev().take(3).map(|l| normalize(l.trim_end_matches([',', '!', '.']))).collect::<Vec<_>>();
    let mut score = 0;

    // Greeting.
    if loc.formal_greetings.iter().any(|g| starts_with_phrase(&first_line, g)) {
        score += 2;
    } else if loc.very_casual_greetings.iter().any(|g| starts_with_phrase(&first_line, g)) {
        score -= 2;
    } else if loc.casual_greetings.iter().any(|g| starts_with_phrase(&first_line, g)) {
        score -= 1;
    }

    // Closing.
    let closing_in = |list: &[&str]| last_lines.iter().any(|l| list.iter().any(|c| starts_with_phrase(l, c)));
    if closing_in(loc.formal_closings) {
        score += 2;
    } else if closing_in(loc.semi_formal_closings) {
        score += 1;
    } else if closing_in(loc.casual_closings) {
        score -= 1;
    }

    // A bare first name under the mail, no closing formula: how people write to friends.
    let casual_opener =
        loc.casual_greetings.iter().chain(loc.very_casual_greetings.iter()).any(|g| starts_with_phrase(&first_line, g));
    let signed_bare = casual_opener
        && lines.len() >= 2
        && lines.last().is_some_and(|l| l.split_whitespace().count() == 1 && l.chars().all(char::is_alphabetic))
        && !closing_in(loc.formal_closings)
        && !closing_in(loc.semi_formal_closings)
        && !closing_in(loc.casual_closings)
        && !lines.get(lines.len().saturating_sub(2)).is_some_and(|l| {
            let l = normalize(l.trim_end_matches([',', '!', '.']));
            crate::domain::Lang::ALL.iter().any(|lang| locale(*lang).closings.contains(&l.as_str()))
        });
    if signed_bare {
        score -= 1;
    }

    if any_phrase(&norm, loc.formal_words).is_some() {
        score += 1;
    }

    // T/V pronouns: the strongest register signal where a language has them.
    let (uses_v, uses_t) = pronouns(text, &norm, lang);
    if uses_t && !uses_v {
        score -= 3;
    } else if uses_v && !uses_t {
        score += 1;
    }

    // Contractions (English only: elsewhere apostrophes are grammar, not tone).
    if lang == Lang::En {
        let contractions = words(&norm)
            .iter()
            .filter(|w| {
                ["n't", "'m", "'re", "'ve", "'ll", "'d"].iter().any(|c| w.ends_with(c))
                    || matches!(**w, "it's" | "that's" | "what's" | "there's" | "here's" | "let's")
            })
            .count();
        if contractions >= 2 {
            score -= 1;
        }
    }

    let exclamations = text.matches('!').count();
    if exclamations >= 2 {
        score -= 1;
    }
    if text.contains("!!") || text.contains("?!") {
        score -= 1;
    }
    let emoji = has_emoji(text);
    if emoji {
        score -= 2;
    }
    let slang = words(&norm).iter().any(|w| loc.slang.contains(w))
        || any_phrase(&norm, loc.slang).is_some_and(|p| p.contains(' '));
    if slang {
        score -= 2;
    }
    // Sentences that start in lower case read as casual typing.
    let sents = sentences(text);
    let lower_starts = sents.iter().filter(|s| s.chars().next().is_some_and(|c| c.is_lowercase())).count();
    if sents.len() >= 2 && lower_starts * 2 >= sents.len() {
        score -= 1;
    }

    let register = if score >= 2 {
        Register::Formal
    } else if score <= -2 {
        Register::Casual
    } else {
        Register::Neutral
    };
    RegisterReading { register, score, uses_v, uses_t, emoji, slang, exclamations }
}

fn starts_with_phrase(line: &str, phrase: &str) -> bool {
    line.starts_with(phrase) && line[phrase.len()..].chars().next().is_none_or(|c| !c.is_alphanumeric())
}

fn pronouns(original: &str, norm: &str, lang: Lang) -> (bool, bool) {
    let loc = locale(lang);
    let mut v = any_phrase(norm, loc.v_phrases).is_some();
    let t = any_phrase(norm, loc.t_phrases).is_some() || words(norm).iter().any(|w| loc.t_pronouns.contains(w));
    if loc.v_capitalised {
        // German "Sie"/"Ihnen", Italian "Lei": only capitalised, and not at the start of a
        // sentence where any word is capitalised ("Sie" there could be "she").
        for sentence in sentences(original) {
            for (i, w) in words(&sentence).iter().enumerate() {
                let lower = w.to_lowercase();
                let capitalised = w.chars().next().is_some_and(|c| c.is_uppercase());
                if capitalised && loc.v_pronouns.contains(&lower.as_str()) && (i > 0 || lower == "ihnen") {
                    v = true;
                }
            }
        }
    } else {
        v = v || words(norm).iter().any(|w| loc.v_pronouns.contains(w));
    }
    (v, t)
}

/// The register a reply should take: the customer's, or one step more formal when the
/// admin asks for it, within the admin's bounds, with T/V mirrored.
pub fn choose(
    customer: &RegisterReading,
    lang: Lang,
    most_casual: Register,
    most_formal: Register,
    step_up: bool,
) -> Register {
    let mut r = if step_up { customer.register.one_step_more_formal() } else { customer.register };
    let has_tv = !locale(lang).t_pronouns.is_empty();
    if has_tv {
        // Only our casual templates use T; a customer who uses V never gets T back.
        if customer.uses_v && !customer.uses_t && r == Register::Casual {
            r = Register::Neutral;
        }
        // Someone who writes du / tu / tú / je is answered in kind: our neutral letters say
        // Sie / vous / usted / u, which reads as a step back from them.
        if customer.uses_t && !customer.uses_v {
            r = Register::Casual;
        }
    }
    r.clamp(most_casual, most_formal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swiss_spelling_closes_as_german_does() {
        // Swiss German writes no ß: "Freundliche Grüsse" is as formal as "Freundliche Grüße".
        let ch =
            "Grüezi\n\nKönnten Sie mir bitte die Rechnung 4411 noch einmal senden?\n\nFreundliche Grüsse\nHans Muster";
        let de = ch.replace("Grüsse", "Grüße");
        assert_eq!(detect(ch, Lang::De).score, detect(&de, Lang::De).score);
        assert_eq!(
            crate::empathy::names::from_sign_off(ch).map(|n| n.full()).as_deref(),
            Some("Hans Muster"),
            "the name under a Swiss closing"
        );
    }

    fn reg(text: &str, lang: Lang) -> Register {
        detect(text, lang).register
    }

    #[test]
    fn english_registers() {
        assert_eq!(
            reg(
                "Dear Sir or Madam,\n\nI am writing to inquire about invoice 4411.\n\nYours sincerely,\nDr. Ann Lee",
                Lang::En
            ),
            Register::Formal
        );
        assert_eq!(
            reg("Hello,\n\nmy order 1234 has not arrived yet. Could you check?\n\nBest regards,\nTom", Lang::En),
            Register::Neutral
        );
        assert_eq!(reg("hey!! my app keeps crashing lol, can u check?? thx", Lang::En), Register::Casual);
        assert_eq!(reg("Hi there, I'm stuck and I can't log in :( Cheers, Sam", Lang::En), Register::Casual);
    }

    #[test]
    fn t_and_v_pronouns() {
        let r = detect("Hallo, kannst du mir helfen? Mein Konto ist gesperrt. LG Max", Lang::De);
        assert!(r.uses_t && !r.uses_v);
        assert_eq!(r.register, Register::Casual);
        let r = detect(
            "Sehr geehrte Damen und Herren,\nkönnen Sie mir bitte helfen? Ich danke Ihnen.\nMit freundlichen Grüßen\nHans Müller",
            Lang::De,
        );
        assert!(r.uses_v && !r.uses_t);
        assert_eq!(r.register, Register::Formal);
        let r = detect("Bonjour, pourriez-vous vérifier ma commande ? Merci, Claire", Lang::Fr);
        assert!(r.uses_v);
        assert_eq!(r.register, Register::Neutral);
        let r = detect("Salut, tu peux regarder ma commande stp ? Bises", Lang::Fr);
        assert!(r.uses_t);
        assert_eq!(r.register, Register::Casual);
    }

    #[test]
    fn choice_mirrors_within_bounds() {
        let casual_v = RegisterReading {
            register: Register::Casual,
            score: -2,
            uses_v: true,
            uses_t: false,
            emoji: false,
            slang: true,
            exclamations: 0,
        };
        assert_eq!(choose(&casual_v, Lang::De, Register::Casual, Register::Formal, false), Register::Neutral);
        assert_eq!(choose(&casual_v, Lang::En, Register::Casual, Register::Formal, false), Register::Casual);
        assert_eq!(choose(&casual_v, Lang::En, Register::Neutral, Register::Formal, false), Register::Neutral);
        assert_eq!(choose(&casual_v, Lang::En, Register::Casual, Register::Formal, true), Register::Neutral);
        let formal = RegisterReading {
            register: Register::Formal,
            score: 3,
            uses_v: true,
            uses_t: false,
            emoji: false,
            slang: false,
            exclamations: 0,
        };
        assert_eq!(choose(&formal, Lang::En, Register::Casual, Register::Neutral, false), Register::Neutral);
    }
}
