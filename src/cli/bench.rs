//! `attune bench generate-maildir DIR --count N`: realistic support mail for benchmarks.
//! Deterministic for a seed: languages, registers, follow-ups that reference earlier
//! messages, auto-replies, lists and bounces in proportions a support mailbox sees.

use std::path::PathBuf;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{Cli, CliResult};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Write N generated messages into a Maildir (created if missing).
    GenerateMaildir {
        dir: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

const BODIES: &[(&str, &str, &str)] = &[
    (
        "en",
        "Where is my order #{n}?",
        "Hello,\n\nI ordered a backpack ten days ago (order #{n}) and it has not arrived yet. Could you check where it is?\n\nBest regards,\n{first}",
    ),
    (
        "en",
        "Invoice INV-{n} is wrong",
        "Dear Sir or Madam,\n\nI am writing regarding invoice INV-{n}. It lists twelve licences although we have ten. I would be grateful for a corrected invoice.\n\nYours sincerely,\n{first} {last}",
    ),
    (
        "en",
        "app keeps crashing!!",
        "hey, the app crashes every time I open the camera, error E-{n}. can u fix it? thx\n\n{first}",
    ),
    (
        "de",
        "Bestellung {n} fehlt",
        "Guten Tag,\n\nmeine Bestellung {n} ist leider noch nicht angekommen. Können Sie bitte nachsehen?\n\nViele Grüße\n{first} {last}",
    ),
    (
        "fr",
        "Commande {n} en retard",
        "Bonjour,\n\nma commande n° {n} n'est toujours pas arrivée. Pourriez-vous vérifier ?\n\nCordialement,\n{first} {last}",
    ),
    (
        "es",
        "Pedido {n}",
        "Hola,\n\nmi pedido {n} todavía no ha llegado. ¿Podrían revisarlo, por favor?\n\nSaludos,\n{first}",
    ),
    (
        "it",
        "Ordine {n} non arrivato",
        "Buongiorno,\n\nil mio ordine {n} non è ancora arrivato. Potrebbe verificare?\n\nCordiali saluti,\n{first} {last}",
    ),
    (
        "nl",
        "Bestelling {n}",
        "Goedemiddag,\n\nmijn bestelling {n} is nog niet aangekomen. Kunt u dit nakijken?\n\nMet vriendelijke groet,\n{first} {last}",
    ),
    (
        "pt",
        "Pedido {n} atrasado",
        "Olá,\n\no meu pedido {n} ainda não chegou. Podem verificar, por favor?\n\nObrigado,\n{first}",
    ),
];

const FIRST: &[&str] = &[
    "Jane", "Omar", "Li", "Sofia", "Lukas", "Chloé", "Mateo", "Giulia", "Daan", "João", "Aisha", "Noah", "Emma",
    "Hiro", "Zoë",
];
const LAST: &[&str] = &[
    "Doe", "Haddad", "Wei", "García", "Müller", "Martin", "López", "Rossi", "de Vries", "Silva", "Khan", "Smith",
    "Brown", "Tanaka", "Jansen",
];

pub async fn run(_cli: &Cli, cmd: &Cmd) -> CliResult {
    let Cmd::GenerateMaildir { dir, count, seed } = cmd;
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    let mut rng = StdRng::seed_from_u64(*seed);
    let start: i64 = 1_790_000_000; // fixed, so runs are comparable
    let customers = (count / 3).max(1);
    let mut sent_ids: Vec<(usize, String, String)> = Vec::new(); // (customer, message-id, subject)
    for i in 0..*count {
        let at = start + (i as i64) * 60 + rng.random_range(0..50);
        let c = rng.random_range(0..customers);
        let first = FIRST[c % FIRST.len()];
        let last = LAST[(c / FIRST.len()) % LAST.len()];
        let addr = format!("{}.{}{}@example.org", ascii(first), ascii(last).replace(' ', ""), c);
        let id = format!("bench-{seed}-{i}@example.org");
        let date = jiff::Timestamp::from_second(at)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .strftime("%a, %d %b %Y %H:%M:%S +0000")
            .to_string();
        let roll: u32 = rng.random_range(0..100);
        let mut headers = format!(
            "Return-Path: <{addr}>\nDelivered-To: support@example.com\nReceived: from mx.example.org by mail.example.com; {date}\nFrom: {first} {last} <{addr}>\nTo: support@example.com\nMessage-ID: <{id}>\nDate: {date}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
        );
        let (subject, body) = if roll < 5 {
            headers.push_str("Auto-Submitted: auto-replied\n");
            ("Automatic reply: out of office".to_string(), "I am out of the office until Monday.".to_string())
        } else if roll < 10 {
            headers
                .push_str("List-Id: <news.example.org>\nList-Unsubscribe: <mailto:u@example.org>\nPrecedence: bulk\n");
            ("Our weekly news".to_string(), "This week in outdoor gear: ten new trails.".to_string())
        } else if roll < 30 && !sent_ids.is_empty() {
            let (_, parent, subj) = sent_ids[rng.random_range(0..sent_ids.len())].clone();
            headers.push_str(&format!("In-Reply-To: <{parent}>\nReferences: <{parent}>\n"));
            (
                format!("Re: {subj}"),
                format!(
                    "Any news on this? It is still not solved.\n\nThanks,\n{first}\n\nOn Mon, someone wrote:\n> earlier text"
                ),
            )
        } else {
            let (_, s, b) = BODIES[rng.random_range(0..BODIES.len())];
            let n = rng.random_range(10_000..99_999).to_string();
            (s.replace("{n}", &n), b.replace("{n}", &n).replace("{first}", first).replace("{last}", last))
        };
        headers.push_str(&format!("Subject: {subject}\n"));
        let text = format!("{headers}\n{body}\n");
        sent_ids.push((c, id, subject));
        let name = format!("{at}.M{i}P1.bench:2,S");
        std::fs::write(dir.join("cur").join(name), text)?;
    }
    println!("wrote {count} messages into {}", dir.display());
    Ok(())
}

fn ascii(s: &str) -> String {
    crate::text::fold(s).chars().filter(|c| c.is_ascii_alphanumeric() || *c == ' ').collect()
}
