//! The customer's language: whatlang restricted to the languages we have templates for,
//! trusted only when it says it is reliable; else a stop-word count; else the default.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use whatlang::{Detector, Lang as WLang};

use crate::domain::Lang;
use crate::empathy::locale::locale;
use crate::text::{normalize, words};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LanguageSource {
    Detected,
    StopWords,
    Default,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageReading {
    pub lang: Lang,
    pub source: LanguageSource,
}

fn to_whatlang(l: Lang) -> WLang {
    match l {
        Lang::En => WLang::Eng,
        Lang::De => WLang::Deu,
        Lang::Fr => WLang::Fra,
        Lang::Es => WLang::Spa,
        Lang::It => WLang::Ita,
        Lang::Nl => WLang::Nld,
        Lang::Pt => WLang::Por,
    }
}

fn from_whatlang(l: WLang) -> Option<Lang> {
    Lang::ALL.into_iter().find(|x| to_whatlang(*x) == l)
}

/// For texts expected in `lang` (our own drafts): stop words settle the clear cases, and
/// only an unclear text pays for the statistical detector.
pub fn confirm(text: &str, lang: Lang) -> LanguageReading {
    let sample: String = text.chars().take(2000).collect();
    let mut counts = stop_word_counts(&sample);
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    if let [(best, n1), (_, n2), ..] = counts.as_slice()
        && *best == lang
        && *n1 >= 4
        && *n1 >= 2 * *n2
    {
        return LanguageReading { lang, source: LanguageSource::StopWords };
    }
    detect(&sample, lang)
}

pub fn detect(text: &str, default: Lang) -> LanguageReading {
    let sample: String = text.chars().take(2000).collect();
    let detector = Detector::with_allowlist(Lang::ALL.iter().map(|l| to_whatlang(*l)).collect());
    if let Some(info) = detector.detect(&sample)
        && info.is_reliable()
        && let Some(lang) = from_whatlang(info.lang())
    {
        // whatlang can be confidently wrong on very short texts; the stop words must not
        // clearly disagree.
        let counts = stop_word_counts(&sample);
        let best = counts.iter().max_by_key(|(_, n)| *n).copied();
        let own = counts.iter().find(|(l, _)| *l == lang).map(|(_, n)| *n).unwrap_or(0);
        if let Some((other, n)) = best
            && other != lang
            && n >= 3
            && n >= own * 3
        {
            return LanguageReading { lang: other, source: LanguageSource::StopWords };
        }
        return LanguageReading { lang, source: LanguageSource::Detected };
    }
    let mut counts = stop_word_counts(&sample);
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    if let [(best, n1), (_, n2), ..] = counts.as_slice()
        && *n1 >= 2
        && *n1 >= 2 * *n2
    {
        return LanguageReading { lang: *best, source: LanguageSource::StopWords };
    }
    LanguageReading { lang: default, source: LanguageSource::Default }
}

/// Each stop word and the languages it belongs to (a bit per language).
static STOP_WORDS: LazyLock<HashMap<&'static str, u8>> = LazyLock::new(|| {
    let mut m: HashMap<&'static str, u8> = HashMap::new();
    for (i, l) in Lang::ALL.iter().enumerate() {
        for w in locale(*l).stop_words {
            *m.entry(w).or_default() |= 1 << i;
        }
    }
    m
});

fn stop_word_counts(text: &str) -> Vec<(Lang, usize)> {
    let norm = normalize(text);
    let mut counts = [0usize; 7];
    for w in words(&norm) {
        if let Some(bits) = STOP_WORDS.get(w) {
            for (i, c) in counts.iter_mut().enumerate() {
                if bits & (1 << i) != 0 {
                    *c += 1;
                }
            }
        }
    }
    Lang::ALL.iter().zip(counts).map(|(l, c)| (*l, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_the_seven_languages() {
        let cases = [
            ("Hello, my order has not arrived yet and I would like to know where it is.", Lang::En),
            ("Guten Tag, meine Bestellung ist leider immer noch nicht angekommen. Können Sie mir helfen?", Lang::De),
            ("Bonjour, ma commande n'est toujours pas arrivée et je voudrais savoir où elle est.", Lang::Fr),
            ("Hola, mi pedido todavía no ha llegado y me gustaría saber dónde está.", Lang::Es),
            ("Buongiorno, il mio ordine non è ancora arrivato e vorrei sapere dove si trova.", Lang::It),
            ("Goedendag, mijn bestelling is nog steeds niet aangekomen en ik wil graag weten waar hij is.", Lang::Nl),
            ("Olá, a minha encomenda ainda não chegou e gostaria de saber onde está.", Lang::Pt),
        ];
        for (text, lang) in cases {
            assert_eq!(detect(text, Lang::En).lang, lang, "{text}");
        }
    }

    #[test]
    fn short_unreliable_text_falls_back() {
        // whatlang calls "ok thanks" Vietnamese; we must not guess from it.
        let r = detect("ok thanks", Lang::De);
        assert_eq!(r.lang, Lang::De, "{r:?}");
        let r = detect("ok", Lang::Fr);
        assert_eq!(r, LanguageReading { lang: Lang::Fr, source: LanguageSource::Default });
    }
}

/// Which Portuguese the customer writes, from their own words (locales/pt/variant.toml) and
/// their address (.br / .pt count three markers): never from the register.
pub fn pt_variant(text: &str, address_domain: &str) -> crate::domain::PtVariant {
    use crate::domain::PtVariant;
    static PATTERNS: std::sync::LazyLock<(Vec<regex::Regex>, Vec<regex::Regex>)> = std::sync::LazyLock::new(|| {
        let v = &crate::empathy::langdata::data(Lang::Pt).variant;
        (
            crate::empathy::langdata::compile(&v.br.patterns, false),
            crate::empathy::langdata::compile(&v.pt.patterns, false),
        )
    });
    let v = &crate::empathy::langdata::data(Lang::Pt).variant;
    let norm = crate::text::normalize(text);
    let count = |words: &[String], patterns: &[regex::Regex]| -> usize {
        words.iter().filter(|w| crate::text::contains_phrase(&norm, &crate::text::normalize(w))).count()
            + patterns.iter().map(|p| p.find_iter(&norm).count()).sum::<usize>()
    };
    let domain = address_domain.trim().to_ascii_lowercase();
    let mut br = count(&v.br.words, &PATTERNS.0);
    let mut pt = count(&v.pt.words, &PATTERNS.1);
    if domain.ends_with(".br") {
        br += 3;
    }
    if domain.ends_with(".pt") {
        pt += 3;
    }
    if pt > br { PtVariant::Pt } else { PtVariant::Br }
}

#[cfg(test)]
mod variant_tests {
    use super::*;
    use crate::domain::PtVariant;

    #[test]
    fn the_variant_follows_the_customer() {
        assert_eq!(
            pt_variant("Oi, vocês podem me ajudar? Estou tentando pagar pelo celular.", "gmail.com"),
            PtVariant::Br
        );
        assert_eq!(
            pt_variant("Bom dia, estou a tentar pagar pelo telemóvel e não consigo.", "gmail.com"),
            PtVariant::Pt
        );
        assert_eq!(pt_variant("Bom dia, a encomenda não chegou.", "sapo.pt"), PtVariant::Pt);
        assert_eq!(pt_variant("Bom dia, a encomenda não chegou.", "uol.com.br"), PtVariant::Br);
    }
}
