//! The topic of a mail, read from its subject line, for a reply that has no reference
//! number, error or product to name: "vielen Dank für Ihre E-Mail zum Thema
//! „Geschenkgutschein für Kollegen“" shows the customer we read what they wrote about, where
//! "vielen Dank für Ihre E-Mail" could answer anyone.
//!
//! Only a subject that reads as a title is a topic. A question ("Where is my order?"), a
//! plea ("please help"), a sentence about the writer ("My parcel hasn't arrived"), a shout
//! in capitals or a word that says nothing ("Question", "Anfrage") quoted back would read as
//! an echo, and then the reply names nothing rather than that. The words that decide it
//! are per language, in locales/LANG/topic.toml.

use crate::domain::Lang;
use crate::empathy::langdata;
use crate::text::{normalize, words};

/// Prefixes mail programs put before a subject when replying ("Re:", "AW:") or forwarding
/// ("Fwd:", "WG:", "TR:", "I:"), in the languages we read; lower case, without the colon.
const REPLY: &[&str] = &["re", "aw", "antw", "antwort", "réf", "ref", "rv", "r", "res", "sv", "vs"];
const FORWARD: &[&str] = &["fw", "fwd", "wg", "tr", "enc", "i", "doorst"];

/// At most this many characters and words: longer subjects are sentences, not titles.
const MAX_CHARS: usize = 60;
const MAX_WORDS: usize = 7;

/// The subject as the customer wrote it, without reply prefixes and ticket tags, when it
/// names a topic; `None` when it does not (see the module's comment).
pub fn read(subject: &str, lang: Lang) -> Option<String> {
    let mut rest = without_tags(subject.trim());
    // Reply and forward prefixes, any number of them ("Re: AW: …"). A forwarded mail's
    // subject was written by someone else, so it is nobody's topic here.
    loop {
        let Some((head, tail)) = rest.split_once(':') else { break };
        let head = head.trim().to_lowercase();
        if FORWARD.contains(&head.as_str()) {
            return None;
        }
        if !REPLY.contains(&head.as_str()) {
            break;
        }
        rest = tail.trim_start().to_string();
    }
    let data = &langdata::data(lang).topic;
    let is_generic = |w: &str| data.generic.iter().any(|g| g == w) || w.chars().all(|c| !c.is_alphabetic());
    // "Frage: Rechnung für März": what follows a generic label is the topic.
    if let Some((head, tail)) = rest.split_once(':')
        && words(&normalize(head)).iter().all(|w| is_generic(w))
    {
        rest = tail.trim().to_string();
    }
    let topic = rest.trim().trim_end_matches(['.', ',', ';', '-', '–']).trim();

    let chars = topic.chars().count();
    if !(3..=MAX_CHARS).contains(&chars) {
        return None;
    }
    // Sentence punctuation, quotes of its own (it is quoted in the reply), addresses and links.
    if topic.contains(['?', '!', '¿', '¡', ':', '"', '“', '”', '„', '«', '»', '…', '@', '<', '>', '/', '\\'])
        || topic.contains("http")
        || topic.contains("www.")
    {
        return None;
    }
    let letters: Vec<char> = topic.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 3 || (letters.len() >= 4 && letters.iter().all(|c| !c.is_lowercase())) {
        return None;
    }
    let norm = normalize(topic);
    let ws = words(&norm);
    if ws.is_empty() || ws.len() > MAX_WORDS {
        return None;
    }
    let sentence_word = |w: &str| {
        data.sentence_words.iter().any(|s| match s.strip_suffix('*') {
            Some(stem) => w.starts_with(stem),
            None => s == w,
        })
    };
    if ws.iter().all(|w| is_generic(w)) || ws.iter().any(|w| sentence_word(w)) {
        return None;
    }
    Some(topic.to_string())
}

/// The subject without bracketed tags ("[#123]", "[Ticket#2026-0042]", "[EXTERNAL]").
fn without_tags(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut depth = 0usize;
    for c in subject.chars() {
        match c {
            '[' => depth += 1,
            ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_a_topic_and_keeps_its_spelling() {
        assert_eq!(read("Geschenkgutschein für Kollegen", Lang::De).as_deref(), Some("Geschenkgutschein für Kollegen"));
        assert_eq!(read("AW: Re: Lieferadresse ändern [#42]", Lang::De).as_deref(), Some("Lieferadresse ändern"));
        assert_eq!(read("Frage: Rechnung für März", Lang::De).as_deref(), Some("Rechnung für März"));
        assert_eq!(read("Gift vouchers for colleagues", Lang::En).as_deref(), Some("Gift vouchers for colleagues"));
        assert_eq!(
            read("Changement d'adresse de livraison", Lang::Fr).as_deref(),
            Some("Changement d'adresse de livraison")
        );
    }

    #[test]
    fn questions_pleas_shouts_and_empty_words_are_not() {
        for (subject, lang) in [
            ("Where is my order?", Lang::En),
            ("Help!!", Lang::En),
            ("Question", Lang::En),
            ("Anfrage", Lang::De),
            ("Hallo", Lang::De),
            ("CHECKOUT DOWN", Lang::En),
            ("My parcel hasn't arrived", Lang::En),
            ("Bitte um Rückruf", Lang::De),
            ("Fwd: Lieferadresse ändern", Lang::De),
            ("WG: Rechnung", Lang::De),
            ("", Lang::En),
            ("Re:", Lang::En),
            ("a very long subject line that goes on and on about many things at once", Lang::En),
            ("Ma commande n'est pas arrivée", Lang::Fr),
            ("Mi pedido no ha llegado", Lang::Es),
            ("Il mio ordine", Lang::It),
            ("Mijn bestelling", Lang::Nl),
            ("Meu pedido não chegou", Lang::Pt),
        ] {
            assert_eq!(read(subject, lang), None, "{subject:?} ({lang}) is not a topic");
        }
    }

    #[test]
    fn no_subject_panics_the_reader() {
        for s in ["İİİ: ẞ", "[[[", "]]]x", ": : :", "Re: [#1] Fwd:", "\u{0}\u{feff}ab"] {
            let _ = read(s, Lang::De);
        }
    }
}
