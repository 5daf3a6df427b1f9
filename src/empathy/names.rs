//! The customer's name, by the rubric's rules: the From display name (RFC 2047 already
//! decoded by the parser), the sign-off (which wins when it agrees, or when the display
//! name is missing), the local part only when it is clearly `first.last`; never an
//! address, a role or a guessed gender. An agent's correction always wins (the caller
//! passes it in).

use serde::{Deserialize, Serialize};

use crate::domain::{Lang, Register};
use crate::empathy::locale::locale;
use crate::text::{fold, is_all_caps, normalize};

/// An honorific the customer used. Gendered ones are kept as the customer's own choice;
/// attune never infers one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Honorific {
    /// Mr, Herr, M., Monsieur, Sr., Sig., meneer, dhr.
    Mr,
    /// Ms, Mrs, Frau, Mme, Madame, Sra., Sig.ra, mevrouw, mevr.
    Ms,
    /// Mrs specifically (English keeps it).
    Mrs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Academic {
    Dr,
    Prof,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    DisplayName,
    SignOff,
    DisplayNameAndSignOff,
    LocalPart,
    ViaForm,
    Correction,
    None,
}

impl NameSource {
    pub fn as_str(self) -> &'static str {
        match self {
            NameSource::DisplayName => "display name",
            NameSource::SignOff => "sign-off",
            NameSource::DisplayNameAndSignOff => "display name and sign-off",
            NameSource::LocalPart => "address (first.last)",
            NameSource::ViaForm => "form relay (\"… via …\")",
            NameSource::Correction => "agent's correction",
            NameSource::None => "none",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given name(s) as the customer spells them.
    pub given: Option<String>,
    pub surname: Option<String>,
    pub honorific: Option<Honorific>,
    pub academic: Option<Academic>,
    /// The title exactly as written ("Dott.ssa", "Dr."), for languages we cannot map.
    pub title_as_written: Option<String>,
}

impl PersonName {
    pub fn full(&self) -> String {
        match (&self.given, &self.surname) {
            (Some(g), Some(s)) => format!("{g} {s}"),
            (Some(g), None) => g.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.given.is_none() && self.surname.is_none()
    }

    pub fn has_title(&self) -> bool {
        self.honorific.is_some() || self.academic.is_some()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameFinding {
    pub name: Option<PersonName>,
    pub source: NameSource,
}

/// Words that are roles or systems, never people.
const ROLE_WORDS: &[&str] = &[
    "postmaster",
    "mailer-daemon",
    "mailer daemon",
    "mail delivery system",
    "mail delivery subsystem",
    "support",
    "info",
    "billing",
    "sales",
    "noreply",
    "no-reply",
    "no reply",
    "donotreply",
    "do-not-reply",
    "online shop",
    "onlineshop",
    "shop",
    "customer",
    "customers",
    "customer service",
    "customer care",
    "service",
    "team",
    "admin",
    "administrator",
    "webmaster",
    "office",
    "contact",
    "hello",
    "help",
    "helpdesk",
    "help desk",
    "accounts",
    "accounting",
    "finance",
    "newsletter",
    "notifications",
    "notification",
    "alerts",
    "system",
    "root",
    "kunde",
    "kundenservice",
    "client",
    "service client",
    "cliente",
    "klant",
    "klantenservice",
    "atendimento",
    "servizio clienti",
    "buchhaltung",
    "rechnung",
    "facturation",
    "facturación",
    "verkauf",
    "vente",
    "ventas",
    "vendite",
    "vendas",
    "inbox",
    "mail",
    "orders",
    "order",
    "bestellung",
    "commande",
    "pedidos",
    "ordini",
    "bestellingen",
    "reception",
    "unknown",
    "user",
    "test",
    "ceo",
    "hr",
    "it",
    "marketing",
    "press",
    "jobs",
    "careers",
    "security",
    "abuse",
    "privacy",
    "legal",
    "feedback",
    "enquiries",
    "inquiries",
    "contact form",
    "kontaktformular",
    "formulaire de contact",
    "formulario de contacto",
    "modulo di contatto",
    "contactformulier",
    "formulário de contato",
    "wordpress",
    "typeform",
    "google forms",
    "jotform",
];

const HONORIFICS: &[(&str, Honorific)] = &[
    ("mr", Honorific::Mr),
    ("mister", Honorific::Mr),
    ("herr", Honorific::Mr),
    ("monsieur", Honorific::Mr),
    ("m", Honorific::Mr),
    ("sr", Honorific::Mr),
    ("señor", Honorific::Mr),
    ("sig", Honorific::Mr),
    ("signor", Honorific::Mr),
    ("signore", Honorific::Mr),
    ("meneer", Honorific::Mr),
    ("dhr", Honorific::Mr),
    ("de heer", Honorific::Mr),
    ("senhor", Honorific::Mr),
    ("ms", Honorific::Ms),
    ("miss", Honorific::Ms),
    ("mrs", Honorific::Mrs),
    ("frau", Honorific::Ms),
    ("madame", Honorific::Ms),
    ("mme", Honorific::Ms),
    ("mlle", Honorific::Ms),
    ("sra", Honorific::Ms),
    ("señora", Honorific::Ms),
    ("sig.ra", Honorific::Ms),
    ("signora", Honorific::Ms),
    ("mevrouw", Honorific::Ms),
    ("mevr", Honorific::Ms),
    ("senhora", Honorific::Ms),
];

fn academic_of(token: &str) -> Option<Academic> {
    match fold(token.trim_end_matches('.')).as_str() {
        "dr" | "doctor" | "dott" | "dott.ssa" | "dra" | "docteur" | "doktor" => Some(Academic::Dr),
        "prof" | "professor" | "professeur" | "profa" | "prof.ssa" | "prof.dr" => Some(Academic::Prof),
        _ => None,
    }
}

fn honorific_of(token: &str) -> Option<Honorific> {
    let t = fold(token.trim_end_matches('.'));
    HONORIFICS.iter().find(|(w, _)| *w == t).map(|(_, h)| *h)
}

pub fn is_role(name: &str) -> bool {
    let n = fold(name.trim().trim_matches(|c: char| !c.is_alphanumeric()));
    if n.is_empty() {
        return true;
    }
    if ROLE_WORDS.contains(&n.as_str()) {
        return true;
    }
    // "Acme Support", "Billing Team", "The Online Shop": any role word as a whole word
    // beside a non-name makes it a role.
    let words: Vec<&str> = n.split_whitespace().collect();
    words.iter().any(|w| {
        matches!(
            *w,
            "support"
                | "team"
                | "noreply"
                | "no-reply"
                | "postmaster"
                | "mailer-daemon"
                | "daemon"
                | "helpdesk"
                | "service"
                | "services"
                | "shop"
                | "store"
                | "billing"
                | "sales"
                | "info"
                | "newsletter"
                | "notifications"
                | "system"
                | "kundenservice"
                | "gmbh"
                | "ltd"
                | "inc"
                | "llc"
                | "sarl"
                | "s.a."
                | "bv"
                | "b.v."
                | "ag"
                | "corp"
                | "team."
                | "desk"
                | "department"
                | "dept"
                | "accounts"
                | "accounting"
                | "abteilung"
                | "buchhaltung"
                | "verwaltung"
                | "contabilidade"
                | "contabilidad"
                | "amministrazione"
                | "administración"
                | "administracion"
                | "administratie"
                | "facturen"
                | "facturation"
                | "comptabilité"
                | "lda"
                | "ltda"
                | "pvt"
                | "s.l."
                | "srl"
                | "s.r.l."
                | "spa"
                | "s.p.a."
                | "praxis"
                | "kanzlei"
                | "padaria"
                | "loja"
                | "restaurante"
                | "trattoria"
                | "ristorante"
                | "bouwbedrijf"
                | "schreinerei"
                | "co"
                | "company"
                | "plc"
                | "limited"
                | "corporation"
                | "kg"
                | "ohg"
                | "gbr"
                | "sas"
                | "eurl"
                | "nv"
                | "vof"
                | "bvba"
                | "srls"
                | "sagl"
                | "agency"
                | "agentur"
                | "consulting"
                | "solutions"
                | "librairie"
                | "ottica"
                | "apotheke"
                | "farmacia"
                | "pharmacie"
        )
    })
}

/// Title-cases an ALL CAPS name: "MCDONALD" → "McDonald", "O'BRIEN" → "O'Brien",
/// "VAN DER BERG" → "van der Berg", "JEAN-PIERRE" → "Jean-Pierre".
pub fn title_case_name(name: &str) -> String {
    let particles = [
        "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "la", "le", "dos", "das", "do", "ten",
        "ter", "zu", "y",
    ];
    let words: Vec<&str> = name.split_whitespace().collect();
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            // A particle stays lower case unless it is the only or the first-and-given word.
            if i > 0 && i + 1 < n && particles.contains(&lower.as_str()) {
                return lower;
            }
            if i > 0 && particles.contains(&lower.as_str()) && n > 2 {
                return lower;
            }
            lower.split('-').map(cap_word).collect::<Vec<_>>().join("-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cap_word(w: &str) -> String {
    if let Some(rest) = w.strip_prefix("o'") {
        return format!("O'{}", cap_first(rest));
    }
    if let Some(rest) = w.strip_prefix("mc")
        && rest.chars().count() >= 2
    {
        return format!("Mc{}", cap_first(rest));
    }
    if let Some(rest) = w.strip_prefix("mac")
        && rest.chars().count() >= 3
        && !["macie", "mack", "macy", "mace", "macon", "maci"].contains(&w)
    {
        return format!("Mac{}", cap_first(rest));
    }
    cap_first(w)
}

fn cap_first(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Parses a display name or sign-off line into a name, or None when it is not a person.
pub fn parse_person(raw: &str) -> Option<PersonName> {
    let mut s = raw.trim().trim_matches(|c: char| c == '"' || c == '\'' || c == ',' || c == ';').trim().to_string();
    if s.is_empty() || s.contains('@') || s.contains("://") {
        return None;
    }
    // "Jane Roe via Contact Form", "Jane via Service": the person is before " via ".
    if let Some(via) = crate::text::find_caseless(&s, " via ") {
        s = s[..via.start].trim().to_string();
    }
    // "Margaret Hughes (Mrs)": the title she gave, in brackets after the name.
    let mut bracket_title: Option<String> = None;
    if let Some(open) = s.find('(')
        && let Some(close) = s[open..].find(')').map(|c| open + c)
    {
        let inner = s[open + 1..close].trim().to_string();
        if honorific_of(&inner.to_lowercase()).is_some() || academic_of(&inner.to_lowercase()).is_some() {
            bracket_title = Some(inner);
        }
    }
    // "Jane Doe (ACME)" or "Jane Doe [ACME]": drop the organisation.
    if let Some(idx) = s.find(['(', '[', '|']) {
        let head = s[..idx].trim();
        if !head.is_empty() {
            s = head.to_string();
        }
    }
    if let Some(t) = bracket_title {
        s = format!("{t} {s}");
    }
    if is_role(&s) {
        return None;
    }
    // Reject anything with digits or odd symbols: names are letters, spaces, . ' -
    if s.chars().any(|c| !(c.is_alphabetic() || c == ' ' || c == '.' || c == '\'' || c == '’' || c == '-' || c == ','))
    {
        return None;
    }

    // "Doe, Jane" → Jane Doe.
    let s = match s.split_once(',') {
        Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() && !first.contains(',') => {
            format!("{} {}", first.trim(), last.trim())
        }
        Some((first, _)) => first.trim().to_string(),
        None => s,
    };

    let mut tokens: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    let mut person = PersonName::default();
    // Leading titles: "Dr. Jane Doe", "Frau Dr. Doe", "Prof. Dr. Müller".
    while let Some(first) = tokens.first() {
        // Dutch "mr." (lower case) is a lawyer's title, meester in de rechten, not "Mister":
        // it says nothing of gender, and a letter greets by the name.
        if first == "mr." && tokens.len() > 2 {
            tokens.remove(0);
            continue;
        }
        let low = first.to_lowercase();
        if let Some(a) = academic_of(&low).filter(|_| tokens.len() > 1) {
            if person.academic.is_none() || a == Academic::Prof {
                person.academic = Some(a);
            }
            // Dott.ssa and Dra. carry the gender the customer gave.
            if low.starts_with("dott.ssa") || low.trim_end_matches('.') == "dra" || low.trim_end_matches('.') == "profa"
            {
                person.honorific.get_or_insert(Honorific::Ms);
            }
            push_title(&mut person, first);
            tokens.remove(0);
        } else if let Some(h) = honorific_of(first).filter(|_| tokens.len() > 1) {
            if person.honorific.is_none() {
                person.honorific = Some(h);
            }
            push_title(&mut person, first);
            tokens.remove(0);
        } else {
            break;
        }
    }
    // "de heer" (Dutch) spans two tokens.
    if tokens.len() > 2 && tokens[0].eq_ignore_ascii_case("de") && tokens[1].eq_ignore_ascii_case("heer") {
        person.honorific = Some(Honorific::Mr);
        tokens.drain(..2);
    }
    // Trailing degrees: "Jane Doe PhD", "Jane Doe MD".
    while tokens.len() > 1
        && matches!(
            tokens.last().map(|t| t.trim_end_matches('.').to_lowercase()).as_deref(),
            Some("phd" | "md" | "jr" | "sr" | "mba" | "msc" | "ba")
        )
    {
        tokens.pop();
    }
    if tokens.is_empty() || tokens.len() > 5 {
        return None;
    }
    // Single-letter initials are fine ("J. Doe"), but a name must have at least one
    // token of two or more letters.
    if !tokens.iter().any(|t| t.chars().filter(|c| c.is_alphabetic()).count() >= 2) {
        return None;
    }
    let joined = tokens.join(" ");
    let cased = if is_all_caps(&joined.replace([' ', '-', '\'', '.'], ""))
        || joined.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_lowercase())
    {
        title_case_name(&joined)
    } else {
        joined
    };
    let tokens: Vec<&str> = cased.split_whitespace().collect();
    if person.has_title() && tokens.len() == 1 {
        // "Dr. Watson", "Frau Müller": a surname with a title.
        person.surname = Some(tokens[0].to_string());
    } else if tokens.len() == 1 {
        person.given = Some(tokens[0].to_string());
    } else {
        // Surname particles belong to the surname: "Ludwig van Beethoven", "Fatima El Amrani",
        // "Karim Ben Salah".
        let particles = [
            "van", "von", "de", "der", "den", "da", "di", "del", "della", "du", "le", "la", "dos", "das", "do", "ten",
            "ter", "zu", "el", "al", "ben", "bin", "ibn", "abu", "abou", "ait", "aït", "ould",
        ];
        let mut split = tokens.len() - 1;
        while split > 1 && particles.contains(&tokens[split - 1].to_lowercase().as_str()) {
            split -= 1;
        }
        person.given = Some(tokens[..split].join(" "));
        person.surname = Some(tokens[split..].join(" "));
    }
    // A given name like "J." alone is not something to greet.
    if person.given.as_deref().is_some_and(|g| g.trim_end_matches('.').chars().count() < 2) && person.surname.is_none()
    {
        return None;
    }
    Some(person)
}

fn push_title(person: &mut PersonName, token: &str) {
    match &mut person.title_as_written {
        Some(t) => {
            t.push(' ');
            t.push_str(token);
        }
        None => person.title_as_written = Some(token.to_string()),
    }
}

/// The local part gives a name only when it is clearly `first.last` and alphabetic.
pub fn from_local_part(local: &str) -> Option<PersonName> {
    let local = local.split('+').next().unwrap_or(local);
    let parts: Vec<&str> = local.split('.').collect();
    if parts.len() != 2 {
        return None;
    }
    if !parts.iter().all(|p| p.chars().count() >= 2 && p.chars().all(|c| c.is_alphabetic())) {
        return None;
    }
    let candidate = format!("{} {}", parts[0], parts[1]);
    if is_role(&candidate) || is_role(parts[0]) || is_role(parts[1]) {
        return None;
    }
    Some(PersonName {
        given: Some(title_case_name(parts[0])),
        surname: Some(title_case_name(parts[1])),
        ..PersonName::default()
    })
}

/// The name in the sign-off: the last lines of what the customer wrote this time
/// ("Best,\nJane", "Thanks, Jane", "Mit freundlichen Grüßen\nDr. Hans Müller").
pub fn from_sign_off(stripped_body: &str) -> Option<PersonName> {
    let lines: Vec<&str> = stripped_body.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let n = lines.len();
    if n == 0 {
        return None;
    }
    let is_closing = |line: &str| -> bool {
        let l = normalize(line.trim_end_matches([',', '!', '.', ';', ':', '-']));
        crate::domain::Lang::ALL.iter().any(|lang| locale(*lang).closings.contains(&l.as_str()))
    };
    let last = lines[n - 1].trim_start_matches(['-', '–', '—', '~']).trim();
    // "Best,\nJane" (closing on its own line, name below).
    if n >= 2 && is_closing(lines[n - 2]) && looks_like_name_line(last) {
        return parse_person(last);
    }
    // "Best,\nJane Doe\nSenior Accounts Executive\nACME Corp": the closing up to four lines
    // up, the name right below it, a job title or company below the name.
    for up in 3..=5 {
        if n >= up
            && is_closing(lines[n - up])
            && looks_like_name_line(lines[n - up + 1])
            && lines[n - up + 2..].iter().all(|l| !looks_like_prose(l))
            && let Some(p) = parse_person(lines[n - up + 1])
        {
            return Some(p);
        }
    }
    // "Thanks, Jane" on one line.
    if let Some((closing, name)) = last.rsplit_once(',')
        && is_closing(closing)
        && looks_like_name_line(name.trim())
    {
        return parse_person(name.trim());
    }
    // "-Jane" or "– Jane" as the very last line.
    if lines[n - 1].starts_with(['-', '–', '—', '~']) && looks_like_name_line(last) {
        return parse_person(last);
    }
    // No closing: "…Não dá mais.\nMarcos Vieira\nPadaria Pão Quente": the signature block
    // is what follows the last sentence (at most five lines); its first line that reads as
    // a full name, before any prose, is the person. Field lines ("Store ID: …") are skipped.
    let last_sentence = lines.iter().rposition(|l| is_prose_sentence(l))?;
    let block = &lines[last_sentence + 1..];
    if block.is_empty() || block.len() > 5 {
        return None;
    }
    for (at, line) in block.iter().enumerate().take(3) {
        if !looks_like_name_line(line) {
            continue;
        }
        if line.split_whitespace().count() >= 2
            && block[at + 1..].iter().all(|l| !is_prose_sentence(l))
            && let Some(p) = parse_person(line)
            && p.given.as_deref().is_some_and(|g| !g.ends_with('.') || is_initial(g))
            && p.surname.is_some()
        {
            return Some(p);
        }
        // The first name-like line is the name or nothing: a title or a town below it is not.
        return None;
    }
    None
}

/// A shared address: the person who signs is the one to greet, not the display name.
pub fn is_role_address(local_part: &str) -> bool {
    let l = local_part.to_lowercase();
    let base = l.split(['+', '.', '-', '_']).next().unwrap_or("");
    ROLE_ADDRESSES.contains(&l.as_str()) || ROLE_ADDRESSES.contains(&base)
}

const ROLE_ADDRESSES: &[&str] = &[
    "info",
    "contact",
    "contato",
    "contacto",
    "contatti",
    "kontakt",
    "office",
    "admin",
    "administration",
    "administracion",
    "administración",
    "amministrazione",
    "accounts",
    "accounting",
    "billing",
    "finance",
    "finanzen",
    "invoices",
    "invoice",
    "buchhaltung",
    "rechnung",
    "rechnungen",
    "facturen",
    "facturatie",
    "facturation",
    "factures",
    "factura",
    "facturas",
    "fatture",
    "fatturazione",
    "contabilidad",
    "contabilidade",
    "contabilita",
    "compta",
    "comptabilite",
    "comptabilité",
    "ops",
    "operations",
    "sales",
    "shop",
    "store",
    "loja",
    "hello",
    "hola",
    "ola",
    "olá",
    "ciao",
    "hallo",
    "team",
    "mail",
    "email",
    "booking",
    "bookings",
    "reservas",
    "reception",
    "empfang",
    "praxis",
    "kanzlei",
    "sekretariat",
    "secretaria",
    "segreteria",
    "secretariaat",
    "boekhouding",
    "administratie",
    "bestellungen",
    "orders",
    "order",
    "purchasing",
    "einkauf",
    "achats",
    "compras",
    "acquisti",
    "inkoop",
    "it",
    "hr",
    "payroll",
    "studio",
    "ufficio",
    "bureau",
    "oficina",
    "escritorio",
    "escritório",
    "financeiro",
    "financas",
    "finanças",
    "faturacao",
    "faturação",
    "administracao",
    "administração",
    "verwaltung",
    "buero",
    "büro",
    "enquiries",
    "inquiries",
    "geral",
    "general",
    "kontor",
    "service",
    "support",
    "help",
];

/// A job title or a company line ("Sharma Textiles Pvt. Ltd.") is not prose.
fn looks_like_prose(line: &str) -> bool {
    let words = line.split_whitespace().count();
    words > 6 || line.ends_with(['?', '!']) || (line.ends_with('.') && words > 4)
}

/// A line of the message, not of a signature: "Quedo atento." is one, "Lakeside Print Co.",
/// "Papelería La Pluma S.A. de C.V." and "Guadalajara, Jal." are not (their words are
/// capitalised like a name's, and a full stop after "Co." or "Jal." ends an abbreviation).
fn is_prose_sentence(line: &str) -> bool {
    if line.ends_with(['?', '!']) {
        return true;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let lower = |w: &str| w.chars().next().is_some_and(char::is_lowercase);
    let particles = ["de", "la", "del", "da", "di", "van", "von", "der", "den", "du", "le", "y", "e", "et", "and", "&"];
    let lowercase_words = words.iter().filter(|w| lower(w) && !particles.contains(&w.to_lowercase().as_str())).count();
    (line.ends_with('.') && words.last().is_some_and(|w| lower(w))) || (words.len() > 5 && lowercase_words >= 2)
}

fn looks_like_name_line(line: &str) -> bool {
    // "Margaret Hughes (Mrs)": a title in brackets after the name.
    let line = match line.split_once('(') {
        Some((head, tail)) if tail.trim_end().ends_with(')') && !head.trim().is_empty() => head.trim(),
        _ => line,
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 5 {
        return false;
    }
    if line.ends_with(['?', '!']) || line.contains(['@', ':', '/', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) {
        return false;
    }
    // Names start with a capital (or a title), except ALL-lowercase one-word sign-offs
    // like "jane", which people do write.
    words.iter().all(|w| {
        let first = w.chars().next();
        first.is_some_and(|c| c.is_uppercase())
            || ["van", "von", "de", "der", "den", "da", "di", "del", "du", "le", "la", "dos", "das", "do"]
                .contains(&w.to_lowercase().as_str())
            // "mevr. T. Jansen-Bakker", "dhr. P. de Wit": a title written in lower case.
            || honorific_of(w).is_some()
    }) || (words.len() == 1
        && words[0].chars().all(|c| c.is_lowercase() && c.is_alphabetic())
        && words[0].chars().count() >= 2)
}

/// A last line that is one capitalised word the display name or the address starts with
/// ("Alex" from Alexander Brandt, "Bia" from bia.lobo@): the name they go by, even with no
/// closing formula above it.
fn lone_short_form(stripped_body: &str, display: &PersonName, local_part: Option<&str>) -> Option<PersonName> {
    let last = stripped_body.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let word = last.trim_start_matches(['-', '–', '—', '~']).trim();
    if word.contains(char::is_whitespace) || word.chars().count() < 2 || !word.chars().next()?.is_uppercase() {
        return None;
    }
    if !word.chars().all(|c| c.is_alphabetic() || c == '-' || c == '\'') {
        return None;
    }
    let w = fold(word);
    let given = display.given.as_deref().map(fold).unwrap_or_default();
    let local = local_part.map(fold).unwrap_or_default();
    let known = (!given.is_empty() && given.starts_with(&w)) || local.starts_with(&w) || w == given;
    if !known || CLOSING_ABBREVIATIONS.contains(&w.as_str()) {
        return None;
    }
    parse_person(word)
}

/// Sign-off abbreviations that are not names: "LG" (Liebe Grüße), "VG", "MfG".
const CLOSING_ABBREVIATIONS: &[&str] = &[
    "lg", "vg", "mfg", "bg", "gruss", "gruß", "grusse", "grüße", "cdt", "cdlt", "bss", "bjs", "abs", "bj", "xx", "xo",
];

/// "Alex" under "Alexander Brandt", "Bia" under "Beatriz Almeida": one word, no surname,
/// the name they go by.
fn signs_short_form(display: &PersonName, sign: &PersonName) -> bool {
    let (Some(g), None) = (&sign.given, &sign.surname) else {
        return false;
    };
    let Some(dg) = &display.given else {
        return false;
    };
    let (g, dg) = (fold(g), fold(dg));
    g.chars().count() >= 2 && g.chars().count() <= dg.chars().count() && display.surname.is_some()
}

/// Do two names refer to the same person as far as spelling goes? The sign-off "agrees"
/// with the display name when one of its names is one of the display name's names.
/// The first word of a display name that makes it a family's, not a person's.
const FAMILY_WORDS: [&str; 6] = ["fam", "familie", "family", "famille", "familia", "famiglia"];

fn agrees(display: &PersonName, sign: &PersonName) -> bool {
    let d: Vec<String> = display.full().split_whitespace().map(fold).collect();
    let s: Vec<String> = sign.full().split_whitespace().map(fold).collect();
    s.iter().any(|w| w.trim_end_matches('.').chars().count() >= 2 && d.contains(w))
}

pub struct NameInputs<'a> {
    /// From's display name (decoded).
    pub display_name: Option<&'a str>,
    /// From's local part.
    pub local_part: Option<&'a str>,
    /// The message as the customer wrote it this time (quotes and signature stripped).
    pub stripped_body: &'a str,
    /// A name an agent set for this contact.
    pub correction: Option<&'a str>,
    /// From's domain: a display name spelled out in it is the company's ("Lakeside Print"
    /// at lakesideprint.com), not a person's.
    pub domain: Option<&'a str>,
}

/// "Lakeside Print" <ops@lakesideprint.com>, "Papelería Martínez" <pedidos@papeleriamartinez.mx>:
/// every word of the display name is in the domain, and the mailbox is shared or named for
/// none of them. "Jane Doe" <jane@janedoe.com> stays a person: her mailbox has her name.
fn is_company_display(display: &str, local_part: Option<&str>, domain: Option<&str>) -> bool {
    let Some(domain) = domain else {
        return false;
    };
    let label = domain.split('.').map(fold).max_by_key(|l| l.chars().count()).unwrap_or_default();
    let words: Vec<String> = display
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(|w| fold(w).chars().filter(|c| c.is_alphanumeric()).collect())
        .collect();
    if words.len() < 2 || !words.iter().all(|w| label.contains(w.as_str())) {
        return false;
    }
    let local = local_part.map(fold).unwrap_or_default();
    local_part.is_some_and(is_role_address)
        || !words.iter().any(|w| w.chars().count() >= 3 && local.contains(w.as_str()))
}

pub fn find_name(input: &NameInputs<'_>) -> NameFinding {
    if let Some(c) = input.correction
        && let Some(p) = parse_person(c)
    {
        return NameFinding { name: Some(p), source: NameSource::Correction };
    }
    let via = input.display_name.is_some_and(|d| d.to_lowercase().contains(" via "));
    // "Kita Regenbogen - Anja Behrens", "ACME | Jane Doe": a company and a person; the person
    // is the part that reads as a given name and a surname, the last such part.
    let display_name = input.display_name.map(|d| {
        let parts: Vec<&str> = d
            .split(" - ")
            .flat_map(|p| p.split(" – "))
            .flat_map(|p| p.split(" | "))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() < 2 {
            return d;
        }
        parts
            .iter()
            .rev()
            .find(|p| {
                !is_role(p)
                    && !is_company_display(p, input.local_part, input.domain)
                    && parse_person(p).is_some_and(|n| n.given.is_some() && n.surname.is_some())
            })
            .copied()
            .unwrap_or(d)
    });
    let display =
        display_name.filter(|d| !is_company_display(d, input.local_part, input.domain)).and_then(parse_person);
    let sign = from_sign_off(input.stripped_body)
        .or_else(|| display.as_ref().and_then(|d| lone_short_form(input.stripped_body, d, input.local_part)));
    // A family's address ("Fam. Jansen", "Familie Müller") is shared too: greet who signed.
    let family = input.display_name.is_some_and(|d| {
        let first = d.split_whitespace().next().map(fold).unwrap_or_default();
        FAMILY_WORDS.contains(&first.trim_end_matches('.'))
    });
    let shared = family || input.local_part.is_some_and(is_role_address);
    let sign = sign.filter(|s| !s.given.as_deref().is_some_and(|g| CLOSING_ABBREVIATIONS.contains(&fold(g).as_str())));
    match (display, sign) {
        (Some(d), Some(s)) if agrees(&d, &s) || signs_short_form(&d, &s) => {
            NameFinding { name: Some(merge(&d, &s, input.local_part)), source: NameSource::DisplayNameAndSignOff }
        }
        // A shared or company address signed by a person: greet the person.
        (Some(_), Some(s)) if shared && (s.given.is_some() || s.has_title()) => {
            NameFinding { name: Some(s), source: NameSource::SignOff }
        }
        (Some(d), None) if shared && d.surname.is_none() => NameFinding { name: None, source: NameSource::None },
        (Some(d), _) => {
            NameFinding { name: Some(d), source: if via { NameSource::ViaForm } else { NameSource::DisplayName } }
        }
        (None, Some(s)) => NameFinding { name: Some(s), source: NameSource::SignOff },
        (None, None) => match input.local_part.and_then(from_local_part) {
            Some(p) => NameFinding { name: Some(p), source: NameSource::LocalPart },
            None => NameFinding { name: None, source: NameSource::None },
        },
    }
}

/// The sign-off's spelling wins (people sign with the name they want to be called);
/// what it leaves out comes from the display name.
fn merge(display: &PersonName, sign: &PersonName, local_part: Option<&str>) -> PersonName {
    let mut out = display.clone();
    // "Iannone Anna Maria" under "Anna Maria Iannone": the same words, surname first as on
    // forms; the display name's order is the one to greet by, the sign-off's titles count.
    // Unless the address says which word is the surname: "Claes Jozef" (surname first, as
    // Belgian directories write it) signed "Jozef Claes" from jef.claes45@ is Jozef Claes.
    let mut d_words: Vec<String> = display.full().split_whitespace().map(fold).collect();
    let mut s_words: Vec<String> = sign.full().split_whitespace().map(fold).collect();
    d_words.sort();
    s_words.sort();
    if d_words == s_words && d_words.len() >= 2 {
        let surname_in_address = |surname: Option<&str>| {
            surname.zip(local_part).is_some_and(|(surname, local)| {
                let (surname, local) = (fold(surname), fold(local));
                local
                    .split(['.', '_', '-'])
                    .skip(1)
                    .any(|part| part.trim_end_matches(|c: char| c.is_ascii_digit()) == surname)
            })
        };
        if surname_in_address(sign.surname.as_deref()) && !surname_in_address(display.surname.as_deref()) {
            out = sign.clone();
        }
        out.honorific = sign.honorific.or(display.honorific);
        out.academic = sign.academic.or(display.academic);
        return out;
    }
    let display_surname = display.surname.as_deref().map(fold);
    match (&sign.given, &sign.surname) {
        // "Pottier Jacqueline" or "Iannone Anna Maria" signed under "Jacqueline Pottier":
        // surname first, as on forms; the display name's order is the one to greet by.
        (Some(g), Some(s))
            if display_surname.as_deref() == Some(fold(g).as_str())
                && display.given.as_deref().map(fold).is_some_and(|dg| fold(s) == dg) => {}
        (Some(g), Some(s)) => {
            // "G. Whitlock" under "Gary Whitlock": the initial stands for the given name we have.
            let initial_of_display = is_initial(g)
                && display
                    .given
                    .as_deref()
                    .is_some_and(|dg| !is_initial(dg) && fold(dg).chars().next() == fold(g).chars().next());
            if !initial_of_display {
                out.given = Some(g.clone());
            }
            out.surname = Some(s.clone());
        }
        (Some(g), None) => {
            // "Jane" signing for "Jane Doe", or "Doe" alone? A lone word that is the
            // display surname is not a given name.
            if display_surname.as_deref() == Some(fold(g).as_str()) {
                out.surname = Some(g.clone());
            } else {
                out.given = Some(g.clone());
            }
        }
        (None, Some(s)) => out.surname = Some(s.clone()),
        (None, None) => {}
    }
    if sign.honorific.is_some() {
        out.honorific = sign.honorific;
    }
    if sign.academic.is_some() {
        out.academic = sign.academic;
    }
    if sign.title_as_written.is_some() {
        out.title_as_written = sign.title_as_written.clone();
    }
    out
}

/// The first line of a reply, per the rubric's table.
/// What decides the first line besides the name.
#[derive(Clone, Copy, Debug)]
pub struct Salutation {
    pub lang: Lang,
    pub variant: Option<crate::domain::PtVariant>,
    pub register: Register,
    /// The customer writes the polite form (Sie, vous, usted, Lei, u, o senhor): never the
    /// first name alone.
    pub polite: bool,
    /// The customer's local hour (from their Date header's offset), for "Bom dia" / "Boa tarde".
    pub local_hour: Option<u32>,
}

/// "Bom dia" / "Boa tarde" / "Boa noite", "Buenos días" / "Buenas tardes" / "Buenas noches"
/// by the customer's local hour; None when we do not know it.
fn time_of_day(lang: Lang, hour: Option<u32>) -> Option<&'static str> {
    let h = hour?;
    Some(match lang {
        Lang::Pt if h < 5 => "Boa noite",
        Lang::Es if h < 5 => "Buenas noches",
        Lang::Pt if h < 12 => "Bom dia",
        Lang::Pt if h < 19 => "Boa tarde",
        Lang::Pt => "Boa noite",
        Lang::Es if h < 14 => "Buenos días",
        Lang::Es if h < 21 => "Buenas tardes",
        Lang::Es => "Buenas noches",
        _ => return None,
    })
}

/// The first line of a reply, per the rubric's table, with the name as the customer uses it.
pub fn salutation(s: &Salutation, name: Option<&PersonName>) -> String {
    use crate::domain::PtVariant;
    let pt_pt = s.lang == Lang::Pt && s.variant == Some(PtVariant::Pt);
    let nameless = || match (s.lang, s.register) {
        (Lang::Pt, Register::Casual) if pt_pt => "Olá,".to_string(),
        (Lang::Pt | Lang::Es, Register::Formal) => match time_of_day(s.lang, s.local_hour) {
            Some(t) => format!("{t}{}", if s.lang == Lang::Es { ":" } else { "," }),
            None => nameless_greeting(s.lang, Register::Neutral).to_string(),
        },
        _ => nameless_greeting(s.lang, s.register).to_string(),
    };
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return nameless();
    };
    let has_tv = !crate::empathy::locale::locale(s.lang).t_pronouns.is_empty();
    let full = greeting_full(name, s.lang);
    let register = if s.polite && has_tv && s.register == Register::Casual { Register::Neutral } else { s.register };
    if register == Register::Formal || (s.polite && has_tv && register == Register::Neutral) {
        // "Kevin D." writing "vous": the first name alone would be too familiar and the
        // initial is no surname to greet by, so no name.
        if !name.has_title() && name.surname.as_deref().is_some_and(is_initial) {
            return nameless();
        }
        if name.has_title() && name.surname.is_some() {
            let g = formal_greeting(s.lang, name, &full);
            if pt_pt {
                return g.replace("Prezado ", "Estimado ").replace("Prezada ", "Estimada ");
            }
            return g;
        }
        if register == Register::Neutral {
            // The polite form without a title: the full name, which carries no gender.
            return match s.lang {
                Lang::Es => format!("Hola, {full}:"),
                Lang::Pt => format!("Olá, {full},"),
                Lang::De => format!("Guten Tag {full},"),
                Lang::Fr => format!("Bonjour {full},"),
                Lang::It => format!("Buongiorno {full},"),
                Lang::Nl => format!("Beste {full},"),
                Lang::En => format!("Hello {full},"),
            };
        }
        if matches!(s.lang, Lang::Pt | Lang::Es) {
            let sep = if s.lang == Lang::Es { ":" } else { "," };
            return match time_of_day(s.lang, s.local_hour) {
                Some(t) => format!("{t}, {full}{sep}"),
                None if s.lang == Lang::Es => format!("Hola, {full}:"),
                None => format!("Olá, {full},"),
            };
        }
        return formal_greeting(s.lang, name, &full);
    }
    let given = name.given.clone().filter(|g| !is_initial(g)).unwrap_or_else(|| full.clone());
    match (s.lang, register) {
        (Lang::Pt, Register::Casual) if pt_pt => format!("Olá, {given},"),
        (Lang::Pt, Register::Casual) => format!("Oi, {given},"),
        _ => greeting(s.lang, register, Some(name)),
    }
}

pub fn greeting(lang: Lang, register: Register, name: Option<&PersonName>) -> String {
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return nameless_greeting(lang, register).to_string();
    };
    let full = greeting_full(name, lang);
    // "Hello G.," greets no one: an initial is not a name to call someone by.
    let given = name.given.clone().filter(|g| !is_initial(g)).unwrap_or_else(|| full.clone());
    match register {
        Register::Casual => match lang {
            Lang::En => format!("Hi {given},"),
            Lang::De => format!("Hallo {given},"),
            Lang::Fr => format!("Salut {given},"),
            // The vocative comma and the letter colon, as Spanish writes them even casually.
            Lang::Es => format!("Hola, {given}:"),
            Lang::It => format!("Ciao {given},"),
            Lang::Nl => format!("Hoi {given},"),
            Lang::Pt => format!("Oi {given},"),
        },
        Register::Neutral => match lang {
            Lang::En => format!("Hello {given},"),
            Lang::De => format!("Guten Tag {given},"),
            Lang::Fr => format!("Bonjour {given},"),
            Lang::Es => format!("Hola, {given}:"),
            Lang::It => format!("Buongiorno {given},"),
            Lang::Nl => format!("Beste {given},"),
            Lang::Pt => format!("Olá, {given},"),
        },
        Register::Formal => formal_greeting(lang, name, &full),
    }
}

fn formal_greeting(lang: Lang, name: &PersonName, full: &str) -> String {
    let surname = name.surname.clone();
    let (Some(surname), true) = (surname, name.has_title()) else {
        return match lang {
            Lang::En => format!("Dear {full},"),
            Lang::De => format!("Guten Tag {full},"),
            Lang::Fr => format!("Bonjour {full},"),
            Lang::Es => format!("Buenos días, {full}:"),
            Lang::It => format!("Gentile {full},"),
            Lang::Nl => format!("Geachte {full},"),
            Lang::Pt => format!("Bom dia, {full},"),
        };
    };
    let h = name.honorific;
    let a = name.academic;
    let dr = |s: &str| {
        a.map(|a| match a {
            Academic::Dr => s.to_string(),
            Academic::Prof => "Prof.".to_string(),
        })
    };
    match lang {
        Lang::En => match (a, h) {
            (Some(Academic::Dr), _) => format!("Dear Dr {surname},"),
            (Some(Academic::Prof), _) => format!("Dear Professor {surname},"),
            (None, Some(Honorific::Mr)) => format!("Dear Mr {surname},"),
            (None, Some(Honorific::Mrs)) => format!("Dear Mrs {surname},"),
            (None, Some(Honorific::Ms)) => format!("Dear Ms {surname},"),
            (None, None) => format!("Dear {full},"),
        },
        Lang::De => {
            let t = dr("Dr.").map(|t| format!("{t} ")).unwrap_or_default();
            match h {
                Some(Honorific::Mr) => format!("Sehr geehrter Herr {t}{surname},"),
                Some(Honorific::Ms | Honorific::Mrs) => format!("Sehr geehrte Frau {t}{surname},"),
                // Without Herr or Frau the title alone before the surname reads clipped
                // ("Guten Tag Dr. Roth"): German names the whole person then, "Guten Tag
                // Dr. Sabine Roth", and guesses no gender.
                None => match &name.given {
                    Some(given) => format!("Guten Tag {t}{given} {surname},"),
                    None => format!("Guten Tag {t}{surname},"),
                },
            }
        }
        Lang::Fr => match (h, a) {
            (Some(Honorific::Mr), _) => format!("Bonjour Monsieur {surname},"),
            (Some(_), _) => format!("Bonjour Madame {surname},"),
            (None, Some(Academic::Dr)) => format!("Bonjour Docteur {surname},"),
            (None, _) => format!("Bonjour Professeur {surname},"),
        },
        Lang::Es => match (h, a) {
            (Some(Honorific::Mr), _) => format!("Estimado Sr. {surname}:"),
            (Some(_), _) => format!("Estimada Sra. {surname}:"),
            // "Dr." and "Dra." carry the gender in Spanish.
            (None, Some(Academic::Dr))
                if name.title_as_written.as_deref().is_some_and(|t| fold(t).starts_with("dra")) =>
            {
                format!("Estimada Dra. {surname}:")
            }
            (None, Some(Academic::Dr)) => format!("Estimado Dr. {surname}:"),
            (None, _) => format!("Hola, {} {surname}:", name.title_as_written.clone().unwrap_or_default()),
        },
        Lang::It => match (h, a) {
            (Some(Honorific::Ms | Honorific::Mrs), Some(Academic::Dr)) => {
                format!("Gentile Dott.ssa {surname},")
            }
            (Some(Honorific::Mr), Some(Academic::Dr)) => format!("Gentile Dott. {surname},"),
            (Some(Honorific::Mr), _) => format!("Gentile Sig. {surname},"),
            (Some(_), _) => format!("Gentile Sig.ra {surname},"),
            (None, Some(Academic::Prof)) => format!("Gentile Prof. {surname},"),
            // "Dr." without a gender: the title as the customer wrote it, not Dott./Dott.ssa.
            (None, _) => {
                format!("Gentile {} {surname},", name.title_as_written.clone().unwrap_or_else(|| "Dr.".into()))
            }
        },
        Lang::Nl => match h {
            Some(Honorific::Mr) => format!("Geachte heer {surname},"),
            Some(_) => format!("Geachte mevrouw {surname},"),
            None => format!("Geachte {} {surname},", if a == Some(Academic::Prof) { "prof." } else { "dr." }),
        },
        Lang::Pt => match (h, a) {
            (Some(Honorific::Mr), Some(Academic::Dr)) => format!("Prezado Dr. {surname},"),
            (Some(Honorific::Ms | Honorific::Mrs), Some(Academic::Dr)) => format!("Prezada Dra. {surname},"),
            (Some(Honorific::Mr), _) => format!("Prezado Sr. {surname},"),
            (Some(_), _) => format!("Prezada Sra. {surname},"),
            // In Portuguese the title carries the gender: "Dr." a man, "Dra." a woman.
            (None, Some(Academic::Dr))
                if name.title_as_written.as_deref().is_some_and(|t| fold(t).starts_with("dra")) =>
            {
                format!("Prezada Dra. {surname},")
            }
            (None, Some(Academic::Dr)) => format!("Prezado Dr. {surname},"),
            (None, _) => {
                format!("Olá, {} {surname},", name.title_as_written.clone().or_else(|| dr("Dr.")).unwrap_or_default())
            }
        },
    }
}

pub fn nameless_greeting(lang: Lang, register: Register) -> &'static str {
    match (lang, register) {
        (Lang::En, Register::Casual) => "Hi,",
        (Lang::En, _) => "Hello,",
        (Lang::De, Register::Casual) => "Hallo,",
        (Lang::De, _) => "Guten Tag,",
        (Lang::Fr, Register::Casual) => "Salut,",
        (Lang::Fr, _) => "Bonjour,",
        (Lang::Es, Register::Casual) => "Hola,",
        (Lang::Es, Register::Neutral) => "Hola:",
        (Lang::Es, Register::Formal) => "Buenos días:",
        (Lang::It, Register::Casual) => "Ciao,",
        (Lang::It, _) => "Buongiorno,",
        (Lang::Nl, Register::Casual) => "Hoi,",
        (Lang::Nl, Register::Neutral) => "Hallo,",
        (Lang::Nl, Register::Formal) => "Goedendag,",
        (Lang::Pt, Register::Casual) => "Oi,",
        (Lang::Pt, Register::Neutral) => "Olá,",
        (Lang::Pt, Register::Formal) => "Bom dia,",
    }
}

/// The name a greeting of this register should contain (for the lint).
pub fn expected_greeting_name(register: Register, name: &PersonName) -> String {
    match register {
        Register::Formal if name.has_title() && name.surname.is_some() => name.surname.clone().unwrap_or_default(),
        Register::Formal => name.full(),
        _ => name.given.clone().filter(|g| !is_initial(g)).unwrap_or_else(|| name.full()),
    }
}

/// The whole name to greet by: "Kevin D." and "Ricardo T." are greeted by the given name,
/// since an initial surname is not one to greet with.
fn greeting_full(name: &PersonName, lang: Lang) -> String {
    let full = match (&name.given, &name.surname) {
        (Some(g), Some(sur)) if is_initial(sur) && !is_initial(g) => return g.clone(),
        _ => name.full(),
    };
    // "Héctor A. Bianchi": a middle initial is dropped from a greeting.
    let words: Vec<&str> = full.split_whitespace().collect();
    let n = words.len();
    let words: Vec<&str> =
        words.iter().enumerate().filter(|(i, w)| *i == 0 || *i + 1 == n || !is_initial(w)).map(|(_, w)| *w).collect();
    // "Ricardo Salgado Treviño": Spanish speakers are greeted by the given name and the first
    // of their two surnames, unless the second word is a second given name ("José Luis Pérez").
    if lang == Lang::Es
        && words.len() >= 3
        && !SECOND_GIVEN_NAMES.contains(&fold(words[1]).as_str())
        && words.iter().skip(1).all(|w| w.chars().next().is_some_and(char::is_uppercase))
    {
        return words[..words.len() - 1].join(" ");
    }
    words.join(" ")
}

/// Given names that come second in Spanish compound given names ("María José", "Juan
/// Carlos"), folded.
const SECOND_GIVEN_NAMES: &[&str] = &[
    "jose",
    "maria",
    "luis",
    "carlos",
    "antonio",
    "manuel",
    "angel",
    "jesus",
    "miguel",
    "pablo",
    "ignacio",
    "javier",
    "elena",
    "isabel",
    "carmen",
    "teresa",
    "pilar",
    "fernanda",
    "eugenia",
    "victoria",
    "cristina",
    "andres",
    "alberto",
    "enrique",
    "francisco",
    "ramon",
    "rosa",
    "laura",
    "belen",
    "mercedes",
    "dolores",
];

/// "G." or "G": an initial, not a given name.
pub fn is_initial(word: &str) -> bool {
    let w = word.trim_end_matches('.');
    w.chars().count() == 1 && w.chars().all(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(display: Option<&str>, local: &str, body: &str) -> NameFinding {
        find_name(&NameInputs {
            display_name: display,
            local_part: Some(local),
            stripped_body: body,
            correction: None,
            domain: None,
        })
    }

    fn given(f: &NameFinding) -> Option<String> {
        f.name.as_ref().and_then(|n| n.given.clone())
    }

    #[test]
    fn display_name_forms() {
        assert_eq!(given(&find(Some("Doe, Jane"), "jd", "")), Some("Jane".into()));
        assert_eq!(given(&find(Some("François Dupont"), "fd", "")), Some("François".into()));
        assert_eq!(find(Some("JANE MCDONALD"), "x", "").name.unwrap().full(), "Jane McDonald");
        assert_eq!(find(Some("SEAN O'BRIEN"), "x", "").name.unwrap().full(), "Sean O'Brien");
        assert_eq!(find(Some("LUDWIG VAN BEETHOVEN"), "x", "").name.unwrap().full(), "Ludwig van Beethoven");
        assert_eq!(given(&find(Some("Fatima El Amrani"), "fatima.elamrani", "")), Some("Fatima".into()));
        assert_eq!(given(&find(Some("Karim Ben Salah"), "kbs", "")), Some("Karim".into()));
        let via = find(Some("Jane Roe via Contact Form"), "forms", "");
        assert_eq!(via.name.unwrap().full(), "Jane Roe");
        assert_eq!(via.source, NameSource::ViaForm);
        assert_eq!(given(&find(Some("Jane via Service"), "x", "")), Some("Jane".into()));
    }

    #[test]
    fn roles_and_addresses_are_not_names() {
        for d in [
            "postmaster",
            "Mail Delivery System",
            "support",
            "Info",
            "billing",
            "Sales",
            "noreply",
            "Online Shop",
            "jane@example.com",
            "ACME Support Team",
            "Kundenservice",
        ] {
            assert!(find(Some(d), "x1", "").name.is_none(), "{d}");
        }
    }

    #[test]
    fn local_part_only_when_first_dot_last() {
        assert_eq!(find(None, "jane.doe", "").name.unwrap().full(), "Jane Doe");
        assert!(find(None, "jdoe", "").name.is_none());
        assert!(find(None, "jane", "").name.is_none());
        assert!(find(None, "jane.doe2", "").name.is_none());
        assert!(find(None, "j.doe", "").name.is_none());
        assert!(find(None, "info.sales", "").name.is_none());
    }

    #[test]
    fn sign_off_wins_when_it_agrees_or_display_is_missing() {
        let f = find(Some("Jane Doe"), "x", "Where is my order?\n\nBest,\nJane");
        assert_eq!(f.source, NameSource::DisplayNameAndSignOff);
        assert_eq!(f.name.unwrap().given.as_deref(), Some("Jane"));
        // Spelling from the sign-off.
        let f = find(Some("Francois Dupont"), "x", "Merci.\n\nCordialement,\nFrançois");
        assert_eq!(f.name.unwrap().given.as_deref(), Some("François"));
        // One word under the mail is the name they go by: "Bob" for Robert, "Bia" for Beatriz.
        let f = find(Some("Robert Smith"), "x", "Hi\n\nThanks,\nBob");
        assert_eq!(f.name.as_ref().unwrap().given.as_deref(), Some("Bob"));
        assert_eq!(f.name.unwrap().surname.as_deref(), Some("Smith"));
        // A shared address signed by a person greets the person; a title in brackets is kept.
        let f = find(
            Some("Accounts Department"),
            "accounts",
            "Please check.\n\nThanks and regards,\nRajesh Kumar\nSenior Accounts Executive\nSharma Textiles Pvt. Ltd.",
        );
        assert_eq!(f.name.unwrap().full(), "Rajesh Kumar");
        let f = find(Some("Padaria Pão Quente"), "contato", "Não dá mais.\n\nMarcos Vieira\nPadaria Pão Quente");
        assert_eq!(f.name.unwrap().full(), "Marcos Vieira");
        let f = find(Some("Margaret Hughes"), "m.hughes", "Thank you.\n\nYours faithfully,\nMargaret Hughes (Mrs)");
        assert_eq!(f.name.unwrap().honorific, Some(Honorific::Mrs));
        // Surname first in the display name, given name first under the mail: the address
        // (jef.claes45@) says which is the surname.
        let f = find(Some("Claes Jozef"), "jef.claes45", "Dank u.\n\nMet vriendelijke groeten,\nJozef Claes");
        assert_eq!(f.name.unwrap().given.as_deref(), Some("Jozef"));
        // A company and a person in one display name: the person.
        let f = find(
            Some("Kita Regenbogen - Anja Behrens"),
            "leitung",
            "Danke.\n\nViele Grüße\nAnja Behrens\nKita-Leitung",
        );
        assert_eq!(f.name.unwrap().full(), "Anja Behrens");
        // A family's address signed by one of them greets the one who signed.
        let f = find(
            Some("Fam. Jansen"),
            "fam.jansen56",
            "Is dat van u?\n\nMet vriendelijke groet,\n\nmevr. T. Jansen-Bakker\nZwolle",
        );
        let name = f.name.unwrap();
        assert_eq!((name.honorific, name.surname.as_deref()), (Some(Honorific::Ms), Some("Jansen-Bakker")));
        // No display name: the sign-off.
        let f = find(None, "rs1977", "Hello,\nplease help.\n\nKind regards,\nAnna Schmidt");
        assert_eq!(f.source, NameSource::SignOff);
        assert_eq!(f.name.unwrap().full(), "Anna Schmidt");
        let f = find(None, "x", "Help me.\nThanks, Pete");
        assert_eq!(f.name.unwrap().given.as_deref(), Some("Pete"));
    }

    #[test]
    fn titles_are_kept_and_never_invented() {
        let p = parse_person("Dr. John Watson").unwrap();
        assert_eq!(p.academic, Some(Academic::Dr));
        assert_eq!(p.honorific, None);
        assert_eq!(greeting(Lang::En, Register::Formal, Some(&p)), "Dear Dr Watson,");
        assert_eq!(greeting(Lang::De, Register::Formal, Some(&p)), "Guten Tag Dr. John Watson,");
        let p = parse_person("Frau Dr. Jane Doe").unwrap();
        assert_eq!(greeting(Lang::De, Register::Formal, Some(&p)), "Sehr geehrte Frau Dr. Doe,");
        let p = parse_person("Jane Doe").unwrap();
        assert_eq!(greeting(Lang::En, Register::Formal, Some(&p)), "Dear Jane Doe,");
        assert_eq!(greeting(Lang::De, Register::Formal, Some(&p)), "Guten Tag Jane Doe,");
        assert_eq!(greeting(Lang::Fr, Register::Formal, Some(&p)), "Bonjour Jane Doe,");
        assert_eq!(greeting(Lang::Es, Register::Formal, Some(&p)), "Buenos días, Jane Doe:");
        assert_eq!(greeting(Lang::En, Register::Neutral, Some(&p)), "Hello Jane,");
        assert_eq!(greeting(Lang::De, Register::Casual, Some(&p)), "Hallo Jane,");
        assert_eq!(greeting(Lang::Nl, Register::Casual, Some(&p)), "Hoi Jane,");
        let p = parse_person("Mme Jane Doe").unwrap();
        assert_eq!(greeting(Lang::Fr, Register::Formal, Some(&p)), "Bonjour Madame Doe,");
        let p = parse_person("Dott.ssa Maria Rossi").unwrap();
        assert_eq!(greeting(Lang::It, Register::Formal, Some(&p)), "Gentile Dott.ssa Rossi,");
        let p = parse_person("Sra. Ana Pérez").unwrap();
        assert_eq!(greeting(Lang::Es, Register::Formal, Some(&p)), "Estimada Sra. Pérez:");
        assert_eq!(greeting(Lang::Pt, Register::Formal, Some(&p)), "Prezada Sra. Pérez,");
        assert_eq!(greeting(Lang::En, Register::Neutral, None), "Hello,");
    }

    #[test]
    fn greeting_table_from_the_rubric() {
        let jane = parse_person("Jane Doe").unwrap();
        let rows = [
            (Lang::It, "Gentile Jane Doe,", "Buongiorno Jane,", "Ciao Jane,"),
            (Lang::Nl, "Geachte Jane Doe,", "Beste Jane,", "Hoi Jane,"),
            (Lang::Pt, "Bom dia, Jane Doe,", "Olá, Jane,", "Oi Jane,"),
            (Lang::Es, "Buenos días, Jane Doe:", "Hola, Jane:", "Hola, Jane:"),
            (Lang::Fr, "Bonjour Jane Doe,", "Bonjour Jane,", "Salut Jane,"),
        ];
        for (lang, f, n, c) in rows {
            assert_eq!(greeting(lang, Register::Formal, Some(&jane)), f);
            assert_eq!(greeting(lang, Register::Neutral, Some(&jane)), n);
            assert_eq!(greeting(lang, Register::Casual, Some(&jane)), c);
        }
    }

    #[test]
    fn corrections_win() {
        let f = find_name(&NameInputs {
            display_name: Some("J Doe"),
            local_part: Some("jd"),
            stripped_body: "",
            correction: Some("Janet Doe"),
            domain: None,
        });
        assert_eq!(f.source, NameSource::Correction);
        assert_eq!(f.name.unwrap().given.as_deref(), Some("Janet"));
    }

    fn at(display: &str, local: &str, domain: &str, body: &str) -> Option<PersonName> {
        find_name(&NameInputs {
            display_name: Some(display),
            local_part: Some(local),
            stripped_body: body,
            correction: None,
            domain: Some(domain),
        })
        .name
    }

    #[test]
    fn a_company_display_name_gives_way_to_the_person_who_signs() {
        let body =
            "Please call me back.\nStore ID: lakeside-print\nMarcus Reyes\nOperations Manager\nLakeside Print Co.";
        let n = at("Lakeside Print Co.", "ops", "lakesideprint.com", body).expect("the person who signed");
        assert_eq!(n.full(), "Marcus Reyes");
        // A person's own domain is still a person's.
        let n = at("Jane Doe", "jane", "janedoe.com", "Thanks").expect("Jane");
        assert_eq!(n.full(), "Jane Doe");
        assert!(at("Papelería Martínez", "pedidos", "papeleriamartinez.mx", "Gracias.").is_none());
    }

    #[test]
    fn a_signature_block_under_the_last_sentence_names_its_first_line() {
        let body = "Necesitamos que esto quede resuelto.\n\nQuedo atento.\n\nJorge Méndez\nGerente de Operaciones\nPapelería La Pluma S.A. de C.V.\nGuadalajara, Jal.";
        let n = at("Papelería La Pluma", "ventas", "papelerialapluma.com.mx", body).expect("Jorge");
        assert_eq!(n.full(), "Jorge Méndez");
        // A town or a title under the last sentence is not a name.
        assert!(from_sign_off("We need it today.\nGuadalajara, Jal.").is_none());
    }

    #[test]
    fn initials_and_surname_first_sign_offs_keep_the_name_to_greet_by() {
        let n = at("Gary Whitlock", "gwhitlock77", "gmail.com", "Sort it out.\n\nG. Whitlock").unwrap();
        assert_eq!(greeting(Lang::En, Register::Neutral, Some(&n)), "Hello Gary,");
        let n = parse_person("G. Whitlock").unwrap();
        assert_eq!(greeting(Lang::En, Register::Neutral, Some(&n)), "Hello G. Whitlock,");
        let n = at(
            "Jacqueline Pottier",
            "jacqueline.pottier42",
            "orange.fr",
            "Merci.\n\nCordialement,\nMme Pottier Jacqueline",
        )
        .unwrap();
        assert_eq!(n.given.as_deref(), Some("Jacqueline"));
        assert_eq!(n.surname.as_deref(), Some("Pottier"));
        let n = parse_person("Kevin D.").unwrap();
        assert_eq!(greeting(Lang::Fr, Register::Neutral, Some(&n)), "Bonjour Kevin,");
    }
}
