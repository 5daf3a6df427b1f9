//! Strips quoted history and signatures so a message is judged by what the customer wrote
//! this time: Gmail, Outlook, Apple Mail and Thunderbird styles, in the seven languages.

use std::sync::LazyLock;

use regex::Regex;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stripped {
    /// What the customer wrote this time.
    pub text: String,
    /// The signature block after "-- ", if any.
    pub signature: Option<String>,
    /// Whether anything quoted was cut.
    pub had_quote: bool,
}

/// "On … wrote:" and its translations, as one line (a wrapped header is joined first).
static ATTRIBUTION: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"(?i)^on\b.{0,250}\bwrote\s*:\s*$",
        r"(?i)^am\b.{0,250}\bschrieb\b.{0,150}:\s*$",
        r"(?i)^le\b.{0,250}\ba écrit\s*:\s*$",
        r"(?i)^el\b.{0,250}\bescribió\s*:\s*$",
        r"(?i)^il\b.{0,250}\bha scritto\s*:\s*$",
        r"(?i)^op\b.{0,250}\bschreef\b.{0,150}:\s*$",
        r"(?i)^(em|no dia)\b.{0,250}\bescreveu\s*:\s*$",
        r"(?i)^.{1,150}\b(wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu)\s*:\s*$",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("static regex"))
    .collect()
});

/// Separator lines that start forwarded or original-message blocks.
static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*-{2,}\s*(original message|ursprüngliche nachricht|originalnachricht|message d'origine|message original|mensaje original|messaggio originale|oorspronkelijk bericht|mensagem original|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada)\s*-{2,}\s*$|^\s*begin forwarded message:\s*$|^\s*anfang der weitergeleiteten nachricht:\s*$",
    )
    .expect("static regex")
});

/// Outlook's header block: "From:" followed within a few lines by "Sent:"/"Date:"/"To:".
static OUTLOOK_FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\*?\s*(from|von|de|da|van|de)\s*:\*?\s*\S").expect("static regex"));
static OUTLOOK_NEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\*?\s*(sent|date|to|subject|gesendet|datum|an|betreff|envoyé|à|objet|enviado|para|asunto|inviato|oggetto|a|verzonden|aan|onderwerp|enviada|assunto|data)\s*:").expect("static regex")
});

/// Mobile footers that are not part of the message.
static MOBILE_FOOTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^\s*(sent from my|sent from outlook|get outlook for|von meinem .{0,30} gesendet|gesendet von|envoyé de mon|envoyé depuis|enviado desde mi|enviado desde|inviato da|verzonden vanaf|verstuurd vanaf|enviado do meu|enviado do)\b",
    )
    .expect("static regex")
});

pub fn strip(body: &str) -> Stripped {
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = body.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    let mut had_quote = false;
    let mut signature: Option<String> = None;

    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let trimmed = line.trim();

        // A signature separator ends the message (RFC 3676 "-- ", and the common "--").
        if line == "-- " || line == "--" || trimmed == "—" {
            let sig = lines[i + 1..].join("\n").trim().to_string();
            if !sig.is_empty() {
                // A quote may follow the signature; keep only the signature itself.
                let sig_only = strip(&sig).text;
                signature = Some(sig_only);
            }
            break;
        }
        if MOBILE_FOOTER.is_match(trimmed) {
            break;
        }
        // Separators are dashes or "begin/anfang … message:".
        if (trimmed.starts_with('-') || trimmed.ends_with(':')) && SEPARATOR.is_match(trimmed) {
            had_quote = true;
            break;
        }
        if trimmed.starts_with("___") && trimmed.chars().all(|c| c == '_') && trimmed.len() >= 10 {
            // Outlook's rule line before the header block.
            if lines.get(i + 1).is_some_and(|n| OUTLOOK_FROM.is_match(n.trim())) || lines.get(i + 1).is_none() {
                had_quote = true;
                break;
            }
        }
        if trimmed.contains(':')
            && OUTLOOK_FROM.is_match(trimmed)
            && lines[i + 1..lines.len().min(i + 5)].iter().any(|n| OUTLOOK_NEXT.is_match(n.trim()))
        {
            had_quote = true;
            break;
        }
        // Attribution lines, possibly wrapped over two or three lines by the mail program.
        // Every form ends in a colon: lines that do not are passed without the regexes
        // (most lines, and the regexes' bounded repeats are the costly part of reading).
        let is_attribution = |s: &str| s.trim_end().ends_with(':') && ATTRIBUTION.iter().any(|r| r.is_match(s));
        let may_continue = !trimmed.is_empty() && !trimmed.ends_with(['.', '!', '?']);
        let next = |k: usize| lines.get(i + k).map(|n| n.trim()).filter(|n| !n.is_empty());
        let joined2 = next(1).filter(|_| may_continue).map(|n| format!("{trimmed} {n}"));
        let joined3 = joined2.as_ref().and_then(|j| next(2).map(|n| format!("{j} {n}")));
        if is_attribution(trimmed)
            || joined2.as_deref().is_some_and(|j| is_attribution(j) && next_is_quote_or_end(&lines, i + 2))
            || joined3.as_deref().is_some_and(|j| is_attribution(j) && next_is_quote_or_end(&lines, i + 3))
        {
            had_quote = true;
            break;
        }
        if trimmed.starts_with('>') {
            had_quote = true;
            i += 1;
            continue;
        }
        kept.push(line);
        i += 1;
    }

    // Drop trailing blank lines.
    while kept.last().is_some_and(|l| l.trim().is_empty()) {
        kept.pop();
    }
    while kept.first().is_some_and(|l| l.trim().is_empty()) {
        kept.remove(0);
    }
    Stripped { text: kept.join("\n"), signature, had_quote }
}

fn next_is_quote_or_end(lines: &[&str], from: usize) -> bool {
    lines[from..].iter().find(|l| !l.trim().is_empty()).is_none_or(|l| l.trim_start().starts_with('>'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmail_attribution_wrapped_over_two_lines() {
        let s = strip(
            "Still broken.\n\nBest,\nJane\n\nOn Mon, Nov 23, 2026 at 10:02 AM Example Support <\nsupport@example.com> wrote:\n> Hello Jane,\n> thanks\n",
        );
        assert_eq!(s.text, "Still broken.\n\nBest,\nJane");
        assert!(s.had_quote);
    }

    #[test]
    fn outlook_header_block() {
        let s = strip(
            "Please check again.\r\n\r\n________________________________\r\nFrom: Example Support <support@example.com>\r\nSent: Monday, 23 November 2026 10:02\r\nTo: Jane\r\nSubject: Re: x\r\n\r\nold text",
        );
        assert_eq!(s.text, "Please check again.");
        let s = strip(
            "Bitte prüfen.\n\nVon: Support <support@example.com>\nGesendet: Montag\nAn: Jane\nBetreff: AW: x\n\nalt",
        );
        assert_eq!(s.text, "Bitte prüfen.");
        let s = strip("Merci.\n\n-----Message d'origine-----\nDe : Support\n");
        assert_eq!(s.text, "Merci.");
    }

    #[test]
    fn attributions_in_seven_languages() {
        for header in [
            "On 23 Nov 2026, at 10:02, Support <support@example.com> wrote:",
            "Am 23.11.2026 um 10:02 schrieb Support <support@example.com>:",
            "Le lun. 23 nov. 2026 à 10:02, Support <support@example.com> a écrit :",
            "El lun, 23 nov 2026 a las 10:02, Support (<support@example.com>) escribió:",
            "Il giorno lun 23 nov 2026 alle ore 10:02 Support <support@example.com> ha scritto:",
            "Op ma 23 nov. 2026 om 10:02 schreef Support <support@example.com>:",
            "Em seg., 23 de nov. de 2026 às 10:02, Support <support@example.com> escreveu:",
        ] {
            let s = strip(&format!("New text here.\n\n{header}\n> old\n"));
            assert_eq!(s.text, "New text here.", "{header}");
        }
    }

    #[test]
    fn thunderbird_and_apple() {
        let s = strip("Thanks!\n\n-------- Original Message --------\nSubject: x\n");
        assert_eq!(s.text, "Thanks!");
        let s = strip("Works now.\n\nSent from my iPhone\n\n> On 1 Dec wrote");
        assert_eq!(s.text, "Works now.");
    }

    #[test]
    fn signature_is_separated() {
        let s = strip("Hello,\nmy order is late.\n\nBest,\nJane\n-- \nJane Doe | ACME Corp\n+1 555 0100\n");
        assert_eq!(s.text, "Hello,\nmy order is late.\n\nBest,\nJane");
        assert_eq!(s.signature.as_deref(), Some("Jane Doe | ACME Corp\n+1 555 0100"));
    }

    #[test]
    fn inline_quotes_are_removed_but_answers_kept() {
        let s = strip("> Did you restart?\nYes, twice.\n> And the logs?\nAttached.");
        assert_eq!(s.text, "Yes, twice.\nAttached.");
    }

    #[test]
    fn a_line_that_merely_mentions_writing_is_kept() {
        let s = strip("On Monday I wrote to you about my invoice.\nNo answer yet.");
        assert_eq!(s.text, "On Monday I wrote to you about my invoice.\nNo answer yet.");
    }
}
