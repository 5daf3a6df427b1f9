//! `attune templates list|show|check`

use super::{CliError, CliResult, print_json};
use crate::app::App;
use crate::templates::{Origin, TemplateKey};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List templates by purpose, language and register.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Print a template's source.
    Show {
        /// purpose/lang/register, like ack_new/en/neutral
        key: String,
    },
    /// Render every template against sample customers and run the empathy lint on each.
    Check,
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    let templates = app.templates();
    match cmd {
        Cmd::List { json } => {
            let keys = templates.keys();
            if *json {
                let v: Vec<serde_json::Value> = keys
                    .iter()
                    .map(|k| {
                        let origin = templates.source(k).map(|(_, o)| o.clone());
                        serde_json::json!({"key": k.to_string(), "letter": k.letter, "language": k.locale.code(), "register": k.register, "origin": if origin == Some(Origin::Override) { "override" } else { "shipped" }})
                    })
                    .collect();
                return print_json(&v);
            }
            for k in keys {
                let origin = templates.source(&k).map(|(_, o)| o.clone());
                println!("{k}{}", if origin == Some(Origin::Override) { "  (edited by an admin)" } else { "" });
            }
            Ok(())
        }
        Cmd::Show { key } => {
            let k = TemplateKey::parse(key).ok_or_else(|| {
                CliError::user(format!(
                    "`{key}` is not a template key (letter/language/register, like reply/en/neutral or apology/pt-BR/casual)"
                ))
            })?;
            let (src, _) = templates.source(&k).ok_or_else(|| CliError::user(format!("no template {k}")))?;
            println!("{src}");
            Ok(())
        }
        Cmd::Check => {
            let report = crate::template_check::check_all(&app.config, &templates);
            let mut failed = 0;
            for r in &report {
                if r.problems.is_empty() {
                    println!("ok    {} ({} samples)", r.key, r.samples);
                } else {
                    failed += 1;
                    println!("FAIL  {}", r.key);
                    for p in &r.problems {
                        println!("      {p}");
                    }
                }
            }
            if failed > 0 {
                return Err(CliError::user(format!("{failed} template(s) fail the rubric")));
            }
            println!("all {} templates pass the rubric", report.len());
            Ok(())
        }
    }
}
