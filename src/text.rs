//! Small text helpers the detectors and the lint share: normalising, phrase matching on
//! word boundaries, sentences, words.

use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use aho_corasick::{AhoCorasick, MatchKind};

/// Lower-cased, typographic apostrophes and quotes made plain, whitespace collapsed.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = true;
    for c in text.chars() {
        let c = match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' => '\'',
            '\u{00A0}' | '\u{202F}' => ' ',
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            for l in c.to_lowercase() {
                out.push(l);
            }
            last_space = false;
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '_'
}

/// `phrase` occurs in `hay` (both already normalised) starting and ending on a word boundary.
/// A phrase that ends in a space or punctuation only needs the boundary at its start.
pub fn contains_phrase(hay: &str, phrase: &str) -> bool {
    find_phrase(hay, phrase, true).is_some()
}

/// `stem` occurs at the start of a word (for stems like "frustrat").
pub fn contains_stem(hay: &str, stem: &str) -> bool {
    find_phrase(hay, stem, false).is_some()
}

fn find_phrase(hay: &str, phrase: &str, whole: bool) -> Option<usize> {
    if phrase.is_empty() {
        return None;
    }
    let phrase_ends_in_word = phrase.chars().last().is_some_and(is_word_char);
    let phrase_starts_in_word = phrase.chars().next().is_some_and(is_word_char);
    let mut from = 0;
    while let Some(pos) = hay[from..].find(phrase) {
        let start = from + pos;
        let end = start + phrase.len();
        let before_ok = !phrase_starts_in_word || hay[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
        let after_ok = !whole || !phrase_ends_in_word || hay[end..].chars().next().is_none_or(|c| !is_word_char(c));
        if before_ok && after_ok {
            return Some(start);
        }
        from = start + hay[start..].chars().next().map(char::len_utf8).unwrap_or(1);
    }
    None
}

/// One Aho-Corasick automaton per word list, built on first use and kept: the lint and the
/// detectors search every list on every draft.
fn matcher(list: &'static [&'static str]) -> &'static AhoCorasick {
    static MATCHERS: LazyLock<RwLock<HashMap<(usize, usize), &'static AhoCorasick>>> = LazyLock::new(Default::default);
    let key = (list.as_ptr() as usize, list.len());
    if let Some(m) = MATCHERS.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return m;
    }
    let built: &'static AhoCorasick =
        Box::leak(Box::new(AhoCorasick::builder().match_kind(MatchKind::Standard).build(list).unwrap_or_else(|_| {
            AhoCorasick::new(std::iter::empty::<&str>()).expect("an empty automaton always builds")
        })));
    MATCHERS.write().unwrap_or_else(|p| p.into_inner()).entry(key).or_insert(built)
}

fn any_of(hay: &str, list: &'static [&'static str], whole: bool) -> Option<&'static str> {
    if list.is_empty() {
        return None;
    }
    for m in matcher(list).find_overlapping_iter(hay) {
        let phrase = list[m.pattern().as_usize()];
        let (start, end) = (m.start(), m.end());
        let starts_in_word = phrase.chars().next().is_some_and(is_word_char);
        let ends_in_word = phrase.chars().last().is_some_and(is_word_char);
        let before_ok = !starts_in_word || hay[..start].chars().next_back().is_none_or(|c| !is_word_char(c));
        let after_ok = !whole || !ends_in_word || hay[end..].chars().next().is_none_or(|c| !is_word_char(c));
        if before_ok && after_ok {
            return Some(phrase);
        }
    }
    None
}

/// The first phrase of `list` found in `hay` on word boundaries (both already normalised).
pub fn any_phrase(hay: &str, list: &'static [&'static str]) -> Option<&'static str> {
    any_of(hay, list, true)
}

/// The first stem of `list` found at the start of a word in `hay`.
pub fn any_stem(hay: &str, list: &'static [&'static str]) -> Option<&'static str> {
    any_of(hay, list, false)
}

/// Sentences: split after . ! ? … and at line breaks; trimmed, empty ones dropped.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut current = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            current.push(c);
            if matches!(c, '.' | '!' | '?' | '…') && chars.peek().is_none_or(|n| n.is_whitespace()) {
                let s = current.trim().to_string();
                if !s.is_empty() {
                    out.push(s);
                }
                current.clear();
            }
        }
        let s = current.trim().to_string();
        if !s.is_empty() {
            out.push(s);
        }
    }
    out
}

/// Words: runs of letters, digits, apostrophes and hyphens inside words.
pub fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '-'))
        .map(|w| w.trim_matches(|c: char| c == '-' || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .collect()
}

pub fn word_count(text: &str) -> usize {
    words(text).len()
}

/// Emoji and pictographs (the ranges people type in mail).
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F)
}

pub fn has_emoji(text: &str) -> bool {
    text.chars().any(is_emoji)
        || [":)", ":-)", ";)", ":D", ":-D", ":(", ":-(", "xD", "<3"].iter().any(|e| text.contains(e))
}

/// Letters of `word` are all upper case (and there are at least two).
pub fn is_all_caps(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// Removes anything that could break a header line: CR, LF and other controls.
/// `s` without NUL characters (which no mail text needs and PostgreSQL cannot store).
pub fn without_nul(mut s: String) -> String {
    if s.contains('\0') {
        s.retain(|c| c != '\0');
    }
    s
}

pub fn single_line(s: &str) -> String {
    let cleaned: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where `needle` occurs in `hay` ignoring case, as a byte range **of `hay`**.
///
/// Never search a lower-cased copy and slice the original with the offset found there:
/// "İ", "ẞ", "ΐ" and ligatures change byte length when their case changes, so the offset
/// lands inside a character (or on the wrong one). This compares character by character
/// and only ever returns boundaries of `hay`.
pub fn find_caseless(hay: &str, needle: &str) -> Option<std::ops::Range<usize>> {
    let target: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    if target.is_empty() {
        return None;
    }
    for (start, _) in hay.char_indices() {
        let mut want = target.iter();
        let mut end = start;
        let mut matched = false;
        'chars: for (off, c) in hay[start..].char_indices() {
            for l in c.to_lowercase() {
                match want.next() {
                    Some(w) if *w == l => {}
                    _ => break 'chars,
                }
            }
            end = start + off + c.len_utf8();
            if want.as_slice().is_empty() {
                matched = true;
                break;
            }
        }
        if matched {
            return Some(start..end);
        }
    }
    None
}

/// Letters without accents, lower case, for comparing names spelled with and without them.
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_on_word_boundaries() {
        let hay = normalize("I’ll follow up. So, Actually this is it");
        assert!(contains_phrase(&hay, "i'll follow up"));
        assert_eq!(any_phrase(&hay, &["nothing", "i'll follow up", "so"]), Some("i'll follow up"));
        assert_eq!(any_phrase("also fine", &["so"]), None);
        assert_eq!(any_stem("she was frustrated", &["frustrat"]), Some("frustrat"));
        assert_eq!(any_stem("antifrustration", &["frustrat"]), None);
        assert!(contains_phrase(&hay, "so"));
        assert_eq!(find_caseless("İİİİİİ via €uro", " VIA "), Some(12..17));
        assert_eq!(find_caseless("Straße", "SS"), None);
        assert_eq!(find_caseless("ACME Widget Pro", "widget"), Some(5..11));
        assert_eq!(find_caseless("", "x"), None);
        assert!(!contains_phrase("also fine", "so"));
        assert!(!contains_phrase("sorry", "so"));
        assert!(contains_stem("she was frustrated", "frustrat"));
        assert!(!contains_stem("antifrustration", "frustrat"));
        assert!(contains_phrase("contact the team", "contact the "));
        assert!(contains_phrase("100% sure", "100%"));
    }

    #[test]
    fn sentences_and_words() {
        let s = sentences("Hello Jane,\nThanks. It works! Really? Yes…\nDone");
        assert_eq!(s, vec!["Hello Jane,", "Thanks.", "It works!", "Really?", "Yes…", "Done"]);
        assert_eq!(words("I'm here - at order #123-4, ok?"), vec!["I'm", "here", "at", "order", "123-4", "ok"]);
        assert_eq!(sentences("Version 2.5 is out."), vec!["Version 2.5 is out."]);
    }

    #[test]
    fn header_safety() {
        assert_eq!(single_line("Jane\r\nBcc: evil@x.com"), "Jane Bcc: evil@x.com");
    }

    #[test]
    fn folding() {
        assert_eq!(fold("François"), "francois");
        assert!(is_all_caps("JANE"));
        assert!(!is_all_caps("Jane"));
        assert!(has_emoji("thanks 🙏"));
    }
}
