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
    /// A return authorisation ("RMA-5521").
    Rma,
    /// A contract or subscription number.
    Contract,
    /// A booking or reservation reference.
    Booking,
    /// A voucher or discount code ("WINTER10").
    Voucher,
    /// A case or ticket number from an earlier exchange ("case CS-20931", "Ticket #48213").
    Case,
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
/// (A series in capitals may stand apart from its number: "FT 2026/1184".)
const ID: &str = r"#?\s?((?-i:[A-Z]{1,4}) [0-9]{2,}[/-][0-9A-Za-z/-]{1,20}|[A-Za-z]{0,4}[-/]?[0-9][A-Za-z0-9/-]{2,24})";

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
    Regex::new(r#"(?i)\b(?:error|fehler|fehlermeldung|erreur|errore|fout|foutmelding|erro|message|meldung)\b[^"“„«\n]{0,40}["“„«]([^"”“«»\n]{3,80})["”“»]"#).expect("static regex")
});
/// A quoted HTTP status ("503 Service Unavailable"), whatever word comes before it.
static ERROR_STATUS_QUOTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"["“„«]([45]\d{2}\s[^"”“«»\n]{2,60})["”“»]"#).expect("static regex"));
/// Quoted after "says", "sagt", "dit": only when nothing better names the error, since
/// what a status page "says" ("All systems operational") is not the error they see.
static SAYS_QUOTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)\b(?:says|sagt|dit|dice|zegt|diz)\b[^"“„«\n]{0,40}["“„«]([^"”“«»\n]{3,80})["”“»]"#)
        .expect("static regex")
});
static ERROR_CODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?:E|ERR|ERROR|Err|Error)[-_ ]?\d{2,6}|[A-Z]{2,}(?:_[A-Z0-9]{2,}){1,5})\b").expect("static regex")
});
/// "the error SYNC-409", "Fehlercode AUTH_17": a code named as an error.
static ERROR_NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i:\b(?:error|erro|fehler|fehlercode|erreur|errore|fout|foutcode|código|codice|code))\s+(?:(?i:code)\s+)?([A-Z][A-Z0-9]{1,9}[-_][A-Z0-9]{2,10})\b").expect("static regex")
});
/// "Fehler 502", "error code 403": the number alone, since every reply already says "the
/// error" ("zur Fehlermeldung „502“", not „Fehler 502“ twice over).
static ERROR_HTTP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:error|fehler|erreur|errore|fout|erro)\s+(?:code\s+)?([1-9]\d{2,4})\b").expect("static regex")
});

const CONNECTOR: &str = r"(?:\s*(?:number|no\.?|nr\.?|n\.|n°|n\.?º|nº|num\.?|nummer|número|numero|id|ref\.?|reference|code)\s*)?\s*(?::|-|#)?\s*";

static RMA_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(RMA[-#]?\s?[0-9][A-Za-z0-9-]{2,20})\b").expect("static regex"));
static RMA_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:return authori[sz]ation|returns? number|return reference|retourennummer|retourenummer|retoure|numéro de retour|número de devolución|numero di reso|numero reso|retournummer|número de devolução){CONNECTOR}{ID}\b")).expect("static regex")
});
static CONTRACT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:contract|subscription|membership|vertragsnummer|vertrag|contrat|abonnement|contrato|suscripción|contratto|abbonamento|assinatura|lidmaatschap){CONNECTOR}{ID}\b")).expect("static regex")
});
static BOOKING_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:booking|reservation|buchungsnummer|buchung|réservation|reserva|prenotazione|boeking|reservering){CONNECTOR}{ID}\b")).expect("static regex")
});
/// "case CS-20931", "Ihr Ticket #48213", "caso #20461", "dossier n° 58213", "chamado 1234".
static CASE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)\b(?:case|ticket|support request|vorgangsnummer|vorgang|dossier|caso|pratica|segnalazione|melding|chamado|protocolo){CONNECTOR}{ID}\b")).expect("static regex")
});
/// "RE: [Pedido #38417] Fatura", "[Ticket #4471]": a number in brackets after a hash in the
/// subject is another help desk's (or our colleague's) case, whatever word comes before it.
static BRACKETED_CASE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[^\]\n]{0,30}#\s?([A-Za-z0-9][A-Za-z0-9-]{2,20})\]").expect("static regex"));
/// "Error 502" quoted as it appears: the number is the error ("the error “502”").
static QUOTED_ERROR_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:error|erro|fehler|erreur|errore|fout)\s+([1-9]\d{2,4})$").expect("static regex")
});
/// The keyword is read in any case; the code itself is written in capitals or digits.
static VOUCHER_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i:\b(?:voucher|discount code|promo code|promotional code|coupon|code promo|code de réduction|bon de réduction|gutscheincode|gutschein|rabattcode|cupón|cupon|código de descuento|código promocional|codice sconto|codice promozionale|kortingscode|actiecode|waardebon|cupom|código de desconto)(?:\s+code)?)[\s:"“„«']*\b([A-Z][A-Z0-9-]{3,19}|[0-9]+[A-Z][A-Z0-9-]{2,19})\b"#).expect("static regex")
});

/// The first match's group 1. `is_match` runs on the fast automaton first: most mails hold
/// none of the references, and only a match is worth the slower capturing search.
fn first_capture(re: &Regex, text: &str) -> Option<String> {
    if !re.is_match(text) {
        return None;
    }
    re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().trim().to_string())
}

/// Every kind of reference the customer wrote (the first of each kind), exactly as written,
/// in the order the reply names them: order, invoice, return, contract, booking, voucher,
/// case, error, product.
pub fn all(text: &str, products: &[String]) -> Vec<Detail> {
    let mut out = Vec::new();
    let mut push = |kind: DetailKind, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            out.push(Detail { kind, value });
        }
    };
    let rma = first_capture(&RMA_TOKEN, text).or_else(|| first_capture(&RMA_RE, text));
    let bracketed = first_capture(&BRACKETED_CASE, text);
    let order = ORDER_RE
        .iter()
        .find_map(|re| first_capture(re, text))
        .filter(|o| rma.as_deref() != Some(o.as_str()) && bracketed.as_deref() != Some(o.as_str()));
    push(DetailKind::Order, order.clone());
    push(DetailKind::Invoice, INVOICE_RE.iter().find_map(|re| first_capture(re, text)));
    push(DetailKind::Rma, rma);
    push(DetailKind::Contract, first_capture(&CONTRACT_RE, text));
    push(DetailKind::Booking, first_capture(&BOOKING_RE, text));
    push(DetailKind::Voucher, first_capture(&VOUCHER_RE, text));
    push(
        DetailKind::Case,
        bracketed.or_else(|| first_capture(&CASE_RE, text)).filter(|c| order.as_deref() != Some(c.as_str())),
    );
    let error = first_capture(&ERROR_QUOTED, text)
        .or_else(|| first_capture(&ERROR_STATUS_QUOTED, text))
        .or_else(|| first_capture(&ERROR_NAMED, text))
        .or_else(|| first_capture(&ERROR_CODE, text))
        .or_else(|| first_capture(&ERROR_HTTP, text))
        // One word quoted after "says" ("operational") is a state, not an error message.
        .or_else(|| first_capture(&SAYS_QUOTED, text).filter(|q| q.split_whitespace().count() >= 2))
        .map(|e| QUOTED_ERROR_NUMBER.captures(&e).and_then(|c| c.get(1)).map_or(e.clone(), |n| n.as_str().to_string()));
    push(DetailKind::Error, error);
    push(DetailKind::Product, product(text, products));
    out
}

/// The first reference the customer wrote (see `all`).
pub fn find(text: &str, products: &[String]) -> Option<Detail> {
    all(text, products).into_iter().next()
}

fn product(text: &str, products: &[String]) -> Option<String> {
    for p in products {
        // The customer's spelling, cut from their text at boundaries of their text.
        if let Some(at) = crate::text::find_caseless(text, p) {
            return Some(text[at].to_string());
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
        assert_eq!(v("der Shop zeigt nur Fehler 502"), Some((DetailKind::Error, "502".into())));
        assert_eq!(
            v("Customers get a \"503 Service Unavailable\" page. Your status page says \"All systems operational\"."),
            Some((DetailKind::Error, "503 Service Unavailable".into()))
        );
        assert_eq!(v("code E-1042 again"), Some((DetailKind::Error, "E-1042".into())));
        assert_eq!(v("my router x2 keeps rebooting"), Some((DetailKind::Product, "router x2".into())));
        assert_eq!(v("Following up on case CS-20931 from last week"), Some((DetailKind::Case, "CS-20931".into())));
        assert_eq!(v("AW: Ihr Ticket #48213 - Rechnungskorrektur"), Some((DetailKind::Case, "48213".into())));
        assert_eq!(v("Your status page says everything is \"operational\" today"), None);
        assert_eq!(v("RE: [Pedido #38417] Fatura com NIF errado"), Some((DetailKind::Case, "38417".into())));
        assert_eq!(v("se queda en blanco y luego sale \"Error 502\""), Some((DetailKind::Error, "502".into())));
        assert_eq!(v("I ordered something and it's late"), None);
        assert_eq!(v("order of magnitude"), None);
    }

    #[test]
    fn returns_contracts_bookings_and_vouchers_as_written() {
        let kinds = |t: &str| all(t, &[]).into_iter().map(|d| (d.kind, d.value)).collect::<Vec<_>>();
        assert_eq!(
            kinds("I sent back order UK-77120 under RMA-5521 last week"),
            vec![(DetailKind::Order, "UK-77120".into()), (DetailKind::Rma, "RMA-5521".into())]
        );
        assert_eq!(kinds("contract number SUB-20417 ends"), vec![(DetailKind::Contract, "SUB-20417".into())]);
        assert_eq!(kinds("my booking reference WL-88213"), vec![(DetailKind::Booking, "WL-88213".into())]);
        assert_eq!(kinds("the voucher code WINTER10 was refused"), vec![(DetailKind::Voucher, "WINTER10".into())]);
        assert_eq!(kinds("Gutscheincode: XMAS-2026 geht nicht"), vec![(DetailKind::Voucher, "XMAS-2026".into())]);
        assert!(kinds("a voucher for my mum").is_empty());
        assert_eq!(kinds("a fatura FT 2026/1184 já foi paga"), vec![(DetailKind::Invoice, "FT 2026/1184".into())]);
        assert_eq!(kinds("aparece o erro SYNC-409 e"), vec![(DetailKind::Error, "SYNC-409".into())]);
        assert!(kinds("the invoice and 2026 plans").is_empty());
    }
}
