//! A specific item from the customer's own words, for the reply to reuse: an order or
//! invoice number, the error they quoted, the product they named.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::domain::Lang;
use crate::empathy::locale::locale;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetailKind {
    Order,
    Invoice,
    Error,
    Product,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub kind: DetailKind,
    /// The item as the customer wrote it ("4711-A", "E-1042: sync failed", "Router X2").
    pub value: String,
}

/// A number-like identifier: starts with a letter, digit or #, has at least one digit.
const ID: &str = r"#?\s?([A-Za-z]{0,4}[-/]?[0-9][A-Za-z0-9/-]{2,24})";

static ORDER_RE: LazyLock<Vec<Regex>> = LazyLock::new(|| build_keyword_res(|l| locale(l).order_words));
static INVOICE_RE: LazyLock<Vec<Regex>> = LazyLock::new(|| build_keyword_res(|l| locale(l).invoice_words));

fn build_keyword_res(words: fn(Lang) -> &'static [&'static str]) -> Vec<Regex> {
    let mut all: Vec<&str> = Lang::ALL.iter().flat_map(|l| words(*l).iter().copied()).collect();
    // Longest first so "order number" wins over "order".
    all.sort_by_key(|w| std::cmp::Reverse(w.len()));
    all.dedup();
    let alternation = all.iter().map(|w| regex::escape(w)).collect::<Vec<_>>().join("|");
    let connector = r"(?:\s*(?:number|no\.?|nr\.?|n°|n\.?º|nº|num\.?|nummer|número|numero|nummer|id|ref\.?)\s*)?";
    vec![
        Regex::new(&format!(r"(?i)\b(?:{alternation}){connector}\s*(?::|-|#|(?:is|ist|est|es|è|é)\s)?\s*{ID}\b"))
            .expect("built regex"),
    ]
}

static ERROR_QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:error|fehler|fehlermeldung|erreur|errore|fout|foutmelding|erro|message|meldung|says|sagt|dit|dice|zegt|diz)\b[^"“„«\n]{0,40}["“„«]([^"”“«»\n]{3,80})["”“»]"#).expect("static regex")
});
static ERROR_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?:E|ERR|ERROR|Err|Error)[-_ ]?\d{2,6}|[A-Z]{2,}(?:_[A-Z0-9]{2,}){1,5})\b").expect("static regex")
});
static ERROR_HTTP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b((?:error|fehler|erreur|errore|fout|erro)\s+(?:code\s+)?[1-9]\d{2,4})\b").expect("static regex")
});

pub fn find(text: &str, products: &[String]) -> Option<Detail> {
    for re in ORDER_RE.iter() {
        if let Some(c) = re.captures(text).and_then(|c| c.get(1)) {
            return Some(Detail { kind: DetailKind::Order, value: c.as_str().trim().to_string() });
        }
    }
    for re in INVOICE_RE.iter() {
        if let Some(c) = re.captures(text).and_then(|c| c.get(1)) {
            return Some(Detail { kind: DetailKind::Invoice, value: c.as_str().trim().to_string() });
        }
    }
    if let Some(c) = ERROR_QUOTED.captures(text).and_then(|c| c.get(1)) {
        return Some(Detail { kind: DetailKind::Error, value: c.as_str().trim().to_string() });
    }
    if let Some(c) = ERROR_CODE.captures(text).and_then(|c| c.get(1)) {
        return Some(Detail { kind: DetailKind::Error, value: c.as_str().to_string() });
    }
    if let Some(c) = ERROR_HTTP.captures(text).and_then(|c| c.get(1)) {
        return Some(Detail { kind: DetailKind::Error, value: c.as_str().to_string() });
    }
    let lower = text.to_lowercase();
    for p in products {
        let pl = p.to_lowercase();
        if pl.is_empty() {
            continue;
        }
        if let Some(pos) = lower.find(&pl) {
            // The customer's spelling, cut from their text (same byte length when the
            // lower-casing kept lengths, which holds for product names in practice).
            let value = text.get(pos..pos + pl.len()).unwrap_or(p).to_string();
            return Some(Detail { kind: DetailKind::Product, value });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<(DetailKind, String)> {
        find(text, &["Router X2".to_string()]).map(|d| (d.kind, d.value))
    }

    #[test]
    fn order_numbers_in_many_languages() {
        assert_eq!(v("my order #4711 has not arrived"), Some((DetailKind::Order, "4711".into())));
        assert_eq!(v("Order number: A-88231"), Some((DetailKind::Order, "A-88231".into())));
        assert_eq!(v("meine Bestellung Nr. 100234 fehlt"), Some((DetailKind::Order, "100234".into())));
        assert_eq!(v("ma commande n° 55120 est en retard"), Some((DetailKind::Order, "55120".into())));
        assert_eq!(v("mi pedido 99812 no llega"), Some((DetailKind::Order, "99812".into())));
        assert_eq!(v("il mio ordine 7731"), Some((DetailKind::Order, "7731".into())));
        assert_eq!(v("bestelling 20231"), Some((DetailKind::Order, "20231".into())));
        assert_eq!(v("a minha encomenda 31337"), Some((DetailKind::Order, "31337".into())));
        assert_eq!(v("mi pedido es 99812"), Some((DetailKind::Order, "99812".into())));
    }

    #[test]
    fn a_reference_keeps_its_prefix() {
        // "es"/"is"/"est" between the keyword and the number are verbs only when a space
        // follows: the "ES" of "ES-55817" is the customer's prefix, not a verb.
        assert_eq!(v("Mi pedido ES-55817 no ha llegado"), Some((DetailKind::Order, "ES-55817".into())));
        assert_eq!(v("order IS-2044 is late"), Some((DetailKind::Order, "IS-2044".into())));
        assert_eq!(v("commande EST-4410 incomplète"), Some((DetailKind::Order, "EST-4410".into())));
        assert_eq!(v("my order AB-20417 arrived broken"), Some((DetailKind::Order, "AB-20417".into())));
    }

    #[test]
    fn invoices_errors_products() {
        assert_eq!(v("invoice INV-2026-0042 is wrong"), Some((DetailKind::Invoice, "INV-2026-0042".into())));
        assert_eq!(v("Rechnung 2026/118 doppelt"), Some((DetailKind::Invoice, "2026/118".into())));
        assert_eq!(
            v("I get the error \"Sync failed: token expired\" every time"),
            Some((DetailKind::Error, "Sync failed: token expired".into()))
        );
        assert_eq!(v("it shows ERR_CONNECTION_REFUSED"), Some((DetailKind::Error, "ERR_CONNECTION_REFUSED".into())));
        assert_eq!(v("code E-1042 again"), Some((DetailKind::Error, "E-1042".into())));
        assert_eq!(v("my router x2 keeps rebooting"), Some((DetailKind::Product, "router x2".into())));
        assert_eq!(v("I ordered something and it's late"), None);
        assert_eq!(v("order of magnitude"), None);
    }
}
