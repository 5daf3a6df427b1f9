//! Reply templates: handlebars files shipped in templates/replies (embedded at build time),
//! overridden by an admin's version in the database. Plain-text mail, so no HTML escaping;
//! strict mode, and every template is rendered against full sample contexts before it is
//! accepted, because strict mode alone misses `{{#if typo}}`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{LazyLock, OnceLock};

use handlebars::{Handlebars, no_escape};
use serde::Serialize;

use crate::domain::{Lang, PtVariant, Register};

include!(concat!(env!("OUT_DIR"), "/shipped_templates.rs"));

/// Which file: the whole reply, or the apology snippet a reply (or the outbox, when sending
/// was held up) puts after the greeting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Letter {
    Reply,
    Apology,
}

impl Letter {
    pub const ALL: [Letter; 2] = [Letter::Reply, Letter::Apology];

    pub fn as_str(self) -> &'static str {
        match self {
            Letter::Reply => "reply",
            Letter::Apology => "apology",
        }
    }

    pub fn parse(s: &str) -> Option<Letter> {
        Letter::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Snippets are parts of replies and are not linted as whole replies.
    pub fn is_reply(self) -> bool {
        self == Letter::Reply
    }

    pub fn describe(self) -> &'static str {
        match self {
            Letter::Reply => "The acknowledgment (reply): composed from blocks by the customer's situations",
            Letter::Apology => "Apology for a late answer (apology: used inside the reply and at send time)",
        }
    }
}

impl fmt::Display for Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The language a template is written in: a language, and for Portuguese its variant
/// (the words differ: equipe / equipa, tela / ecrã, estou analisando / estou a analisar).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Locale {
    pub lang: Lang,
    pub variant: Option<PtVariant>,
}

impl Locale {
    pub fn of(lang: Lang, variant: Option<PtVariant>) -> Locale {
        match lang {
            Lang::Pt => Locale { lang, variant: Some(variant.unwrap_or_default()) },
            _ => Locale { lang, variant: None },
        }
    }

    pub fn all() -> Vec<Locale> {
        let mut v = Vec::new();
        for lang in Lang::ALL {
            if lang == Lang::Pt {
                v.push(Locale::of(lang, Some(PtVariant::Br)));
                v.push(Locale::of(lang, Some(PtVariant::Pt)));
            } else {
                v.push(Locale::of(lang, None));
            }
        }
        v
    }

    pub fn code(self) -> &'static str {
        match (self.lang, self.variant) {
            (Lang::Pt, Some(PtVariant::Pt)) => "pt-PT",
            (Lang::Pt, _) => "pt-BR",
            (lang, _) => lang.code(),
        }
    }

    pub fn parse(s: &str) -> Option<Locale> {
        Locale::all().into_iter().find(|l| l.code().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TemplateKey {
    pub letter: Letter,
    pub locale: Locale,
    pub register: Register,
}

impl TemplateKey {
    pub fn new(letter: Letter, locale: Locale, register: Register) -> TemplateKey {
        TemplateKey { letter, locale, register }
    }

    pub fn parse(s: &str) -> Option<TemplateKey> {
        let mut parts = s.split('/');
        let key = TemplateKey {
            letter: Letter::parse(parts.next()?)?,
            locale: Locale::parse(parts.next()?)?,
            register: Register::parse(parts.next()?)?,
        };
        parts.next().is_none().then_some(key)
    }

    pub fn all() -> Vec<TemplateKey> {
        let mut v = Vec::new();
        for letter in Letter::ALL {
            for locale in Locale::all() {
                for register in Register::ALL {
                    v.push(TemplateKey { letter, locale, register });
                }
            }
        }
        v
    }
}

impl fmt::Display for TemplateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.letter, self.locale, self.register)
    }
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("template {key}: line {line}: {reason}")]
    Syntax { key: String, line: usize, reason: String },
    #[error("template {key}: {reason}")]
    Render { key: String, reason: String },
    #[error("no template {0}")]
    Missing(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Origin {
    Shipped,
    Override,
}

pub struct Templates {
    /// The admin's overrides, compiled; shipped templates compile on first use.
    registry: Handlebars<'static>,
    sources: BTreeMap<TemplateKey, (String, Origin)>,
}

fn new_registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(no_escape);
    hb
}

/// Handlebars treats a line that holds only `{{> block}}` as "standalone" and drops its line
/// break, which swallows the blank line between paragraphs; a comment after the tag keeps the
/// line as the author wrote it.
fn keep_block_lines(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 64);
    for (i, line) in source.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line);
        let t = line.trim();
        if t.starts_with("{{>") && t.ends_with("}}") && t.matches("{{").count() == 1 {
            out.push_str("{{!-- --}}");
        }
    }
    out
}

fn compile_error(key: &TemplateKey, e: &handlebars::TemplateError) -> TemplateError {
    TemplateError::Syntax {
        key: key.to_string(),
        line: e.pos().map(|(l, _)| l).unwrap_or(0),
        reason: e.reason().to_string(),
    }
}

/// The shipped templates, each compiled once per process and only when first rendered:
/// parsing all of them is a quarter of a second (the parser finds line numbers by
/// rescanning), and a command or an ingest uses a handful. The tests compile every one.
static SHIPPED_COMPILED: LazyLock<
    BTreeMap<TemplateKey, (&'static str, OnceLock<Result<Handlebars<'static>, TemplateError>>)>,
> = LazyLock::new(|| {
    SHIPPED
        .iter()
        .filter_map(|(key, source)| TemplateKey::parse(key).map(|k| (k, (*source, OnceLock::new()))))
        .collect()
});

/// The compiled shipped template `key`, compiled now if this is its first use.
fn shipped_compiled(key: &TemplateKey) -> Result<&'static Handlebars<'static>, TemplateError> {
    let (source, compiled) = SHIPPED_COMPILED.get(key).ok_or_else(|| TemplateError::Missing(key.to_string()))?;
    compiled
        .get_or_init(|| {
            let mut registry = new_registry();
            registry
                .register_template_string(&key.to_string(), keep_block_lines(source))
                .map_err(|e| compile_error(key, &e))?;
            Ok(registry)
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Templates {
    /// The shipped templates plus the admin's overrides (which win). Overrides are compiled
    /// here, so a broken one is refused at once; shipped ones when first rendered.
    pub fn load(overrides: &[(TemplateKey, String)]) -> Result<Templates, TemplateError> {
        let mut t = Templates {
            registry: new_registry(),
            sources: SHIPPED_COMPILED.iter().map(|(k, (s, _))| (*k, (s.to_string(), Origin::Shipped))).collect(),
        };
        for (k, source) in overrides {
            t.registry
                .register_template_string(&k.to_string(), keep_block_lines(source))
                .map_err(|e| compile_error(k, &e))?;
            t.sources.insert(*k, (source.clone(), Origin::Override));
        }
        Ok(t)
    }

    pub fn shipped_source(key: &TemplateKey) -> Option<&'static str> {
        let name = key.to_string();
        SHIPPED.iter().find(|(k, _)| *k == name).map(|(_, s)| *s)
    }

    pub fn source(&self, key: &TemplateKey) -> Option<(&str, &Origin)> {
        self.sources.get(key).map(|(s, o)| (s.as_str(), o))
    }

    pub fn keys(&self) -> Vec<TemplateKey> {
        self.sources.keys().copied().collect()
    }

    pub fn has(&self, key: &TemplateKey) -> bool {
        self.sources.contains_key(key)
    }

    pub fn render(&self, key: &TemplateKey, ctx: &serde_json::Value) -> Result<String, TemplateError> {
        if !self.has(key) {
            return Err(TemplateError::Missing(key.to_string()));
        }
        let registry = match self.sources.get(key) {
            Some((_, Origin::Override)) => &self.registry,
            _ => shipped_compiled(key)?,
        };
        registry.render(&key.to_string(), ctx).map(|s| tidy(&s)).map_err(|e| TemplateError::Render {
            key: key.to_string(),
            reason: match e.line_no {
                Some(l) => format!("line {l}: {}", e.reason()),
                None => e.reason().to_string(),
            },
        })
    }

    /// Compiles `source` alone and renders it against `ctx` in strict mode.
    pub fn try_render(key: &TemplateKey, source: &str, ctx: &serde_json::Value) -> Result<String, TemplateError> {
        let mut hb = new_registry();
        hb.register_template_string("t", keep_block_lines(source)).map_err(|e| compile_error(key, &e))?;
        hb.render("t", ctx).map(|s| tidy(&s)).map_err(|e| TemplateError::Render {
            key: key.to_string(),
            reason: match e.line_no {
                Some(l) => format!("line {l}: {}", e.reason()),
                None => e.reason().to_string(),
            },
        })
    }
}

/// Handlebars leaves the blank lines and double spaces of skipped sections; mail should
/// not have them.
pub fn tidy(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.replace("\r\n", "\n").lines() {
        let mut l = String::with_capacity(line.len());
        let mut last_space = false;
        for c in line.trim().chars() {
            if c == ' ' {
                if !last_space {
                    l.push(c);
                }
                last_space = true;
            } else {
                l.push(c);
                last_space = false;
            }
        }
        let l = l.replace(" ,", ",").replace(" .", ".").replace(" :", ":").replace("( ", "(");
        lines.push(l);
    }
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        if l.is_empty() && out.last().is_none_or(|p| p.is_empty()) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let k = TemplateKey::new(Letter::Reply, Locale::of(Lang::De, None), Register::Formal);
        assert_eq!(k.to_string(), "reply/de/formal");
        assert_eq!(TemplateKey::parse("reply/de/formal"), Some(k));
        assert_eq!(TemplateKey::parse("reply/xx/formal"), None);
        let pt = TemplateKey::parse("apology/pt-PT/casual").unwrap();
        assert_eq!(pt.locale.variant, Some(PtVariant::Pt));
        assert_eq!(pt.to_string(), "apology/pt-PT/casual");
        assert_eq!(TemplateKey::parse("ack_new/en/neutral"), None);
    }

    #[test]
    fn every_key_ships() {
        let t = Templates::load(&[]).unwrap();
        for k in TemplateKey::all() {
            assert!(t.has(&k), "missing shipped template {k}");
        }
    }

    #[test]
    fn tidy_collapses_what_sections_leave() {
        assert_eq!(tidy("Hello ,\n\n\n\nThanks  for  it .\n\n"), "Hello,\n\nThanks for it.");
    }

    #[test]
    fn strict_mode_and_syntax_errors_name_the_line() {
        let k = TemplateKey::new(Letter::Reply, Locale::of(Lang::En, None), Register::Neutral);
        let err = Templates::try_render(&k, "Hello\n{{#if x}}\nno end", &serde_json::json!({"x": true})).unwrap_err();
        assert!(matches!(err, TemplateError::Syntax { .. }), "{err}");
        let err = Templates::try_render(&k, "Hello {{nmae}}", &serde_json::json!({"name": "J"})).unwrap_err();
        assert!(err.to_string().contains("nmae"), "{err}");
    }
}
