//! A small VADER-style sentiment scorer (Hutto & Gilbert 2014) we own and test: a valence
//! lexicon per language, negation within three words, boosters, ALL CAPS emphasis on
//! negative words and "!" amplification, normalised to a compound score in [-1, 1].

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::domain::{Lang, Sentiment};
use crate::text::{normalize, words};

/// Entries ending in `*` match any word that starts with them.
type Lexicon = &'static [(&'static str, f64)];

struct LangSentiment {
    lexicon: Lexicon,
    negators: &'static [&'static str],
    boosters: &'static [&'static str],
}

const EN: LangSentiment = LangSentiment {
    lexicon: &[
        ("good", 1.9),
        ("great", 3.1),
        ("excellent", 2.7),
        ("thanks", 1.9),
        ("thank", 1.5),
        ("thankful", 2.7),
        ("happy", 2.7),
        ("love", 3.2),
        ("perfect", 2.7),
        ("awesome", 3.1),
        ("amazing", 2.8),
        ("wonderful", 2.7),
        ("nice", 1.8),
        ("glad", 2.0),
        ("pleased", 1.9),
        ("helpful", 1.8),
        ("appreciat*", 2.1),
        ("fantastic", 2.6),
        ("fine", 0.8),
        ("best", 3.2),
        ("better", 1.9),
        ("welcome", 2.0),
        ("kind", 2.4),
        ("hope", 1.9),
        ("help", 1.7),
        ("care", 2.2),
        ("please", 1.3),
        ("grateful", 2.0),
        ("patience", 1.4),
        ("solved", 1.3),
        ("resolved", 1.0),
        ("fixed", 1.0),
        ("works", 0.5),
        ("brilliant", 2.8),
        ("excited", 1.8),
        ("super", 2.9),
        ("bad", -2.5),
        ("terrible", -2.1),
        ("awful", -2.0),
        ("horrible", -2.5),
        ("worst", -3.1),
        ("angry", -2.3),
        ("annoyed", -1.6),
        ("annoying", -1.7),
        ("frustrat*", -1.7),
        ("disappoint*", -2.0),
        ("unacceptable", -2.0),
        ("ridiculous", -1.7),
        ("useless", -1.8),
        ("broken", -1.4),
        ("fail*", -2.0),
        ("problem", -1.7),
        ("problems", -1.7),
        ("error", -1.7),
        ("errors", -1.7),
        ("wrong", -2.1),
        ("poor", -2.1),
        ("hate", -2.7),
        ("upset", -1.6),
        ("sorry", -0.3),
        ("delay", -1.3),
        ("delayed", -1.2),
        ("crash*", -1.7),
        ("lost", -1.3),
        ("missing", -1.2),
        ("damaged", -1.9),
        ("complain*", -1.5),
        ("scam", -2.8),
        ("worse", -2.1),
        ("shame", -2.1),
        ("sad", -2.1),
        ("worried", -1.2),
        ("worry", -1.9),
        ("confused", -1.3),
        ("stuck", -1.2),
        ("lied", -1.6),
        ("ignored", -1.5),
        ("ignoring", -1.3),
        ("disgusting", -2.4),
        ("pathetic", -2.2),
        ("incompetent", -2.0),
        ("furious", -2.5),
        ("outraged", -2.3),
        ("unfortunately", -1.4),
        ("nobody", -1.0),
        ("nothing", -0.6),
        ("never", -0.8),
        ("joke", -0.8),
        ("waste", -1.8),
        ("wasted", -1.8),
        ("cancel", -0.9),
        ("refund", -0.4),
        ("urgent", -0.6),
        ("issue", -0.6),
        ("impossible", -1.6),
        ("unhappy", -1.8),
        ("inconvenience", -1.5),
    ],
    negators: &[
        "not", "no", "never", "isn't", "aren't", "wasn't", "don't", "doesn't", "didn't", "can't", "cannot", "won't",
        "hasn't", "haven't", "nothing", "without", "nor", "neither",
    ],
    boosters: &[
        "very",
        "really",
        "extremely",
        "so",
        "totally",
        "absolutely",
        "completely",
        "incredibly",
        "utterly",
        "super",
        "truly",
    ],
};

const DE: LangSentiment = LangSentiment {
    lexicon: &[
        ("gut", 1.9),
        ("toll", 2.8),
        ("super", 2.9),
        ("danke", 1.9),
        ("dank", 1.5),
        ("vielen", 0.5),
        ("froh", 2.0),
        ("freue", 2.0),
        ("perfekt", 2.7),
        ("prima", 2.4),
        ("hervorragend", 2.8),
        ("hilfreich", 1.8),
        ("gerne", 1.2),
        ("gern", 1.2),
        ("bitte", 1.0),
        ("geduld", 1.4),
        ("zufrieden", 2.0),
        ("schön", 2.0),
        ("klasse", 2.6),
        ("hilfe", 1.2),
        ("helfen", 1.4),
        ("gelöst", 1.3),
        ("funktioniert", 0.6),
        ("schlecht", -2.5),
        ("schrecklich", -2.5),
        ("furchtbar", -2.5),
        ("ärger*", -1.8),
        ("verärgert", -2.0),
        ("frustr*", -1.7),
        ("enttäusch*", -2.0),
        ("inakzeptabel", -2.2),
        ("unverschämt", -2.5),
        ("lächerlich", -1.8),
        ("nutzlos", -1.8),
        ("kaputt", -1.6),
        ("defekt", -1.6),
        ("fehler", -1.6),
        ("problem", -1.6),
        ("probleme", -1.6),
        ("falsch", -1.8),
        ("wütend", -2.5),
        ("sauer", -1.8),
        ("leider", -1.2),
        ("verzögerung", -1.3),
        ("verspätet", -1.2),
        ("verloren", -1.3),
        ("fehlt", -1.2),
        ("beschädigt", -1.9),
        ("beschwerde", -1.5),
        ("betrug", -2.8),
        ("schlimmer", -2.1),
        ("frechheit", -2.5),
        ("katastrophe", -2.8),
        ("katastrophal", -2.8),
        ("niemand", -1.0),
        ("nie", -0.8),
        ("nichts", -0.6),
        ("sorge", -1.2),
        ("entschuldigung", -0.3),
        ("stornieren", -0.9),
        ("dringend", -0.6),
        ("unmöglich", -1.6),
        ("mist", -2.0),
        ("ignoriert", -1.5),
        ("absturz", -1.7),
        ("stürzt", -1.7),
        ("zumutung", -2.3),
        ("unzufrieden", -1.8),
    ],
    negators: &["nicht", "kein", "keine", "keinen", "keiner", "keinem", "nie", "niemals", "ohne", "weder"],
    boosters: &["sehr", "wirklich", "extrem", "total", "absolut", "völlig", "komplett", "echt", "äußerst", "so"],
};

const FR: LangSentiment = LangSentiment {
    lexicon: &[
        ("bon", 1.9),
        ("bien", 1.2),
        ("super", 2.9),
        ("merci", 1.9),
        ("remerci*", 1.8),
        ("génial", 2.9),
        ("parfait", 2.7),
        ("excellent", 2.7),
        ("content", 2.0),
        ("contente", 2.0),
        ("ravi", 2.4),
        ("ravie", 2.4),
        ("heureux", 2.7),
        ("aide", 1.2),
        ("aider*", 1.4),
        ("plaisir", 2.2),
        ("patience", 1.4),
        ("formidable", 2.6),
        ("résolu", 1.3),
        ("satisfait", 1.8),
        ("fonctionne", 0.6),
        ("mauvais", -2.5),
        ("terrible", -2.1),
        ("horrible", -2.5),
        ("nul", -2.0),
        ("nulle", -2.0),
        ("frustr*", -1.7),
        ("déçu", -2.0),
        ("déçue", -2.0),
        ("décevant", -2.0),
        ("inacceptable", -2.2),
        ("scandaleux", -2.5),
        ("ridicule", -1.8),
        ("inutile", -1.8),
        ("cassé", -1.6),
        ("erreur", -1.6),
        ("problème", -1.6),
        ("problèmes", -1.6),
        ("faux", -1.5),
        ("colère", -2.3),
        ("fâché", -2.0),
        ("énervé", -1.9),
        ("agacé", -1.6),
        ("malheureusement", -1.2),
        ("retard", -1.3),
        ("perdu", -1.3),
        ("manque", -1.2),
        ("endommagé", -1.9),
        ("plainte", -1.5),
        ("arnaque", -2.8),
        ("pire", -2.5),
        ("honte", -2.1),
        ("personne", -0.8),
        ("jamais", -0.8),
        ("rien", -0.6),
        ("inquiet", -1.2),
        ("inquiète", -1.2),
        ("désolé", -0.3),
        ("désolée", -0.3),
        ("urgent", -0.6),
        ("impossible", -1.6),
        ("bug", -1.5),
        ("plante", -1.5),
        ("mécontent", -1.8),
        ("catastrophe", -2.8),
    ],
    negators: &["pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "personne"],
    boosters: &[
        "très",
        "vraiment",
        "extrêmement",
        "totalement",
        "absolument",
        "complètement",
        "tellement",
        "trop",
        "si",
    ],
};

const ES: LangSentiment = LangSentiment {
    lexicon: &[
        ("bueno", 1.9),
        ("buena", 1.9),
        ("bien", 1.2),
        ("genial", 2.9),
        ("gracias", 1.9),
        ("agradec*", 1.8),
        ("agradezco", 1.8),
        ("perfecto", 2.7),
        ("excelente", 2.7),
        ("contento", 2.0),
        ("contenta", 2.0),
        ("feliz", 2.7),
        ("ayud*", 1.3),
        ("encantado", 2.4),
        ("encantada", 2.4),
        ("paciencia", 1.4),
        ("estupendo", 2.6),
        ("resuelto", 1.3),
        ("amable", 2.0),
        ("funciona", 0.6),
        ("malo", -2.5),
        ("mala", -2.5),
        ("mal", -1.8),
        ("terrible", -2.1),
        ("horrible", -2.5),
        ("frustra*", -1.7),
        ("decepcion*", -2.0),
        ("inaceptable", -2.2),
        ("vergüenza", -2.1),
        ("ridículo", -1.8),
        ("inútil", -1.8),
        ("roto", -1.6),
        ("rota", -1.6),
        ("error", -1.6),
        ("problema", -1.6),
        ("problemas", -1.6),
        ("enfadado", -2.0),
        ("enfadada", -2.0),
        ("molesto", -1.6),
        ("molesta", -1.6),
        ("lamentablemente", -1.2),
        ("desafortunadamente", -1.2),
        ("retraso", -1.3),
        ("demora", -1.3),
        ("perdido", -1.3),
        ("falta", -1.0),
        ("dañado", -1.9),
        ("queja", -1.5),
        ("estafa", -2.8),
        ("peor", -2.5),
        ("nadie", -1.0),
        ("nunca", -0.8),
        ("nada", -0.6),
        ("preocupado", -1.2),
        ("preocupada", -1.2),
        ("urgente", -0.6),
        ("imposible", -1.6),
        ("harto", -2.0),
        ("harta", -2.0),
        ("fatal", -2.5),
        ("desastre", -2.8),
    ],
    negators: &["no", "nunca", "jamás", "nada", "ningún", "ninguna", "sin", "ni", "nadie"],
    boosters: &["muy", "realmente", "extremadamente", "totalmente", "absolutamente", "completamente", "tan", "super"],
};

const IT: LangSentiment = LangSentiment {
    lexicon: &[
        ("buono", 1.9),
        ("bene", 1.2),
        ("ottimo", 2.7),
        ("grazie", 1.9),
        ("ringrazi*", 1.8),
        ("perfetto", 2.7),
        ("fantastico", 2.7),
        ("contento", 2.0),
        ("contenta", 2.0),
        ("felice", 2.7),
        ("aiut*", 1.3),
        ("gentile", 1.8),
        ("pazienza", 1.4),
        ("piacere", 2.0),
        ("risolto", 1.3),
        ("soddisfatto", 1.8),
        ("funziona", 0.6),
        ("cattivo", -2.5),
        ("pessimo", -3.0),
        ("terribile", -2.1),
        ("orribile", -2.5),
        ("frustra*", -1.7),
        ("delus*", -2.0),
        ("inaccettabile", -2.2),
        ("vergogna", -2.1),
        ("ridicolo", -1.8),
        ("inutile", -1.8),
        ("rotto", -1.6),
        ("errore", -1.6),
        ("problema", -1.6),
        ("problemi", -1.6),
        ("arrabbiat*", -2.2),
        ("purtroppo", -1.2),
        ("ritardo", -1.3),
        ("perso", -1.3),
        ("manca", -1.0),
        ("danneggiato", -1.9),
        ("reclamo", -1.5),
        ("truffa", -2.8),
        ("peggio", -2.5),
        ("peggiore", -2.5),
        ("nessuno", -1.0),
        ("mai", -0.8),
        ("niente", -0.6),
        ("preoccupat*", -1.2),
        ("urgente", -0.6),
        ("impossibile", -1.6),
        ("disastro", -2.8),
        ("stufo", -2.0),
        ("stufa", -2.0),
        ("scusa", -0.3),
    ],
    negators: &["non", "mai", "niente", "nulla", "nessun", "nessuna", "senza", "né"],
    boosters: &[
        "molto",
        "davvero",
        "estremamente",
        "totalmente",
        "assolutamente",
        "completamente",
        "così",
        "tanto",
        "super",
    ],
};

const NL: LangSentiment = LangSentiment {
    lexicon: &[
        ("goed", 1.9),
        ("geweldig", 2.9),
        ("super", 2.9),
        ("bedankt", 1.9),
        ("dank", 1.5),
        ("perfect", 2.7),
        ("uitstekend", 2.7),
        ("blij", 2.2),
        ("tevreden", 2.0),
        ("fijn", 1.8),
        ("prettig", 1.8),
        ("hulp", 1.2),
        ("helpen", 1.4),
        ("graag", 1.2),
        ("geduld", 1.4),
        ("opgelost", 1.3),
        ("top", 2.0),
        ("werkt", 0.6),
        ("slecht", -2.5),
        ("vreselijk", -2.5),
        ("verschrikkelijk", -2.5),
        ("frustr*", -1.7),
        ("teleurgesteld", -2.0),
        ("onacceptabel", -2.2),
        ("schandalig", -2.5),
        ("belachelijk", -1.8),
        ("nutteloos", -1.8),
        ("kapot", -1.6),
        ("fout", -1.6),
        ("probleem", -1.6),
        ("problemen", -1.6),
        ("boos", -2.2),
        ("geïrriteerd", -1.8),
        ("helaas", -1.2),
        ("vertraging", -1.3),
        ("kwijt", -1.3),
        ("ontbreekt", -1.2),
        ("beschadigd", -1.9),
        ("klacht", -1.5),
        ("oplichting", -2.8),
        ("erger", -2.1),
        ("slechtste", -3.0),
        ("niemand", -1.0),
        ("nooit", -0.8),
        ("niets", -0.6),
        ("bezorgd", -1.2),
        ("dringend", -0.6),
        ("onmogelijk", -1.6),
        ("vervelend", -1.6),
        ("ramp", -2.8),
        ("zat", -0.5),
    ],
    negators: &["niet", "geen", "nooit", "niets", "zonder", "noch", "niemand"],
    boosters: &["erg", "heel", "echt", "zeer", "extreem", "totaal", "absoluut", "volledig", "zo", "super"],
};

const PT: LangSentiment = LangSentiment {
    lexicon: &[
        ("bom", 1.9),
        ("boa", 1.9),
        ("bem", 1.2),
        ("ótimo", 2.7),
        ("obrigado", 1.9),
        ("obrigada", 1.9),
        ("agradeç*", 1.8),
        ("agradec*", 1.8),
        ("perfeito", 2.7),
        ("excelente", 2.7),
        ("contente", 2.0),
        ("feliz", 2.7),
        ("ajud*", 1.3),
        ("paciência", 1.4),
        ("prazer", 2.0),
        ("resolvido", 1.3),
        ("satisfeito", 1.8),
        ("gentil", 1.8),
        ("funciona", 0.6),
        ("mau", -2.5),
        ("má", -2.5),
        ("ruim", -2.5),
        ("péssimo", -3.0),
        ("terrível", -2.1),
        ("horrível", -2.5),
        ("frustra*", -1.7),
        ("decepcion*", -2.0),
        ("inaceitável", -2.2),
        ("vergonha", -2.1),
        ("ridículo", -1.8),
        ("inútil", -1.8),
        ("quebrado", -1.6),
        ("erro", -1.6),
        ("problema", -1.6),
        ("problemas", -1.6),
        ("irritad*", -1.8),
        ("chateado", -1.8),
        ("chateada", -1.8),
        ("infelizmente", -1.2),
        ("atraso", -1.3),
        ("demora", -1.3),
        ("perdido", -1.3),
        ("falta", -1.0),
        ("danificado", -1.9),
        ("reclamação", -1.5),
        ("golpe", -2.5),
        ("pior", -2.5),
        ("ninguém", -1.0),
        ("nunca", -0.8),
        ("nada", -0.6),
        ("preocupad*", -1.2),
        ("urgente", -0.6),
        ("impossível", -1.6),
        ("desastre", -2.8),
        ("absurdo", -2.0),
    ],
    negators: &["não", "nunca", "jamais", "nada", "nenhum", "nenhuma", "sem", "nem", "ninguém"],
    boosters: &["muito", "realmente", "extremamente", "totalmente", "absolutamente", "completamente", "tão", "super"],
};

fn tables(lang: Lang) -> &'static LangSentiment {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Fr => &FR,
        Lang::Es => &ES,
        Lang::It => &IT,
        Lang::Nl => &NL,
        Lang::Pt => &PT,
    }
}

/// Whether a lexicon exists for the language (all shipped ones have one).
pub fn has_lexicon(_lang: Lang) -> bool {
    true
}

/// A lexicon indexed for lookup: the first entry that matches a word wins, as in a scan of
/// the list, but a word costs a hash lookup and one per prefix instead of a pass over
/// every entry (the lexicons hold hundreds; a mail, hundreds of words).
struct ValenceIndex {
    /// Whole words: (position in the lexicon, valence), the first occurrence.
    exact: HashMap<&'static str, (usize, f64)>,
    /// Stems ("frustrat*") without the star.
    stems: HashMap<&'static str, (usize, f64)>,
    longest_stem: usize,
}

impl ValenceIndex {
    fn new(lexicon: Lexicon) -> ValenceIndex {
        let mut index = ValenceIndex { exact: HashMap::new(), stems: HashMap::new(), longest_stem: 0 };
        for (position, (entry, v)) in lexicon.iter().enumerate() {
            match entry.strip_suffix('*') {
                Some(stem) if !stem.is_empty() => {
                    index.longest_stem = index.longest_stem.max(stem.len());
                    index.stems.entry(stem).or_insert((position, *v));
                }
                Some(_) => {}
                None => {
                    index.exact.entry(entry).or_insert((position, *v));
                }
            }
        }
        index
    }

    fn valence(&self, word: &str) -> Option<f64> {
        let mut best = self.exact.get(word).copied();
        // Every prefix that ends on a char boundary, up to the longest stem.
        let ends = word.char_indices().map(|(i, _)| i).skip(1).chain(std::iter::once(word.len()));
        for end in ends.take_while(|end| *end <= self.longest_stem) {
            if let Some(&(position, v)) = self.stems.get(&word[..end])
                && best.is_none_or(|(b, _)| position < b)
            {
                best = Some((position, v));
            }
        }
        best.map(|(_, v)| v)
    }
}

static INDEXES: LazyLock<HashMap<Lang, ValenceIndex>> =
    LazyLock::new(|| Lang::ALL.iter().map(|l| (*l, ValenceIndex::new(tables(*l).lexicon))).collect());

/// The scan the index stands for (kept for the test that they agree).
#[cfg(test)]
fn valence_by_scan(lexicon: Lexicon, word: &str) -> Option<f64> {
    for (entry, v) in lexicon {
        if let Some(stem) = entry.strip_suffix('*') {
            if word.starts_with(stem) {
                return Some(*v);
            }
        } else if *entry == word {
            return Some(*v);
        }
    }
    None
}

/// VADER's compound score in [-1, 1].
pub fn compound(text: &str, lang: Lang) -> f64 {
    let t = tables(lang);
    let index = &INDEXES[&lang];
    let mut sum = 0.0;
    // Negation and boosters reach back within a sentence, never across one.
    for sentence in crate::text::sentences(text) {
        let original_words: Vec<&str> = words(&sentence);
        let norm = normalize(&sentence);
        let lower_words: Vec<&str> = words(&norm);
        // Both lists come from the same text, so they line up unless lower-casing changed a
        // word's length; then there is no caps emphasis.
        let aligned = original_words.len() == lower_words.len();
        for (i, w) in lower_words.iter().enumerate() {
            let Some(mut v) = index.valence(w) else {
                continue;
            };
            if i > 0 && t.boosters.contains(&lower_words[i - 1]) {
                v += 0.293 * v.signum();
            }
            if aligned && crate::text::is_all_caps(original_words[i]) && original_words[i].chars().count() > 2 {
                v += 0.733 * v.signum();
            }
            let window = &lower_words[i.saturating_sub(3)..i];
            if window.iter().any(|p| t.negators.contains(p) || p.ends_with("n't")) {
                v *= -0.74;
            }
            sum += v;
        }
    }
    if sum != 0.0 {
        let bangs = text.matches('!').count().min(4) as f64;
        sum += bangs * 0.292 * sum.signum();
    }
    let score = sum / (sum * sum + 15.0).sqrt();
    score.clamp(-1.0, 1.0)
}

/// Negative mail gets the understanding variant; the bar is below VADER's ±0.05 so that a
/// calm report of a problem is not treated as anger.
pub fn classify(compound: f64) -> Sentiment {
    if compound <= -0.25 {
        Sentiment::Negative
    } else if compound >= 0.3 {
        Sentiment::Positive
    } else {
        Sentiment::Neutral
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_finds_what_a_scan_of_the_lexicon_finds() {
        for lang in Lang::ALL {
            let lexicon = tables(lang).lexicon;
            let mut words: Vec<String> = lexicon.iter().map(|(e, _)| e.trim_end_matches('*').to_string()).collect();
            words.extend(lexicon.iter().map(|(e, _)| format!("{}ungen", e.trim_end_matches('*'))));
            words.extend(["", "x", "é", "naïve", "überraschend", "ok"].map(String::from));
            for w in &words {
                assert_eq!(INDEXES[&lang].valence(w), valence_by_scan(lexicon, w), "{lang}: {w}");
            }
        }
    }

    #[test]
    fn angry_mail_is_negative() {
        let c = compound("This is UNACCEPTABLE! Third time I write and nobody answers. Worst service ever!!", Lang::En);
        assert!(c < -0.6, "{c}");
        assert_eq!(classify(c), Sentiment::Negative);
        let c =
            compound("Das ist eine Frechheit! Die Bestellung ist immer noch nicht da und niemand antwortet.", Lang::De);
        assert_eq!(classify(c), Sentiment::Negative, "{c}");
        let c = compound("C'est inacceptable, je suis très déçue.", Lang::Fr);
        assert_eq!(classify(c), Sentiment::Negative, "{c}");
    }

    #[test]
    fn negation_flips() {
        assert!(compound("The app is not good", Lang::En) < 0.0);
        assert!(compound("This is not a problem", Lang::En) > 0.0);
    }

    #[test]
    fn polite_questions_are_not_negative() {
        let c = compound("Hello, could you please tell me how to change my billing address? Thanks, Tom", Lang::En);
        assert_ne!(classify(c), Sentiment::Negative, "{c}");
    }
}
