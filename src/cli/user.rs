//! `attune user add|list|disable|enable|password` and `attune token create`.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::{CliError, CliResult, print_json};
use crate::app::App;
use crate::web::auth::{Role, hash_password, random_token, token_hash};

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Add a user. The password comes from a prompt, or --password-file.
    Add {
        email: String,
        #[arg(long, value_parser = ["agent", "admin"])]
        role: String,
        /// The name that signs their replies (default: from the email's first.last).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
    /// List users.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user (their sessions end at once).
    Disable { email: String },
    /// Enable a disabled user.
    Enable { email: String },
    /// Set a user's password.
    Password {
        email: String,
        #[arg(long, value_name = "FILE")]
        password_file: Option<PathBuf>,
    },
}

#[derive(clap::Subcommand, Debug)]
pub enum TokenCmd {
    /// Create an API token for a user; it is printed once.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

fn read_password(file: &Option<PathBuf>) -> Result<String, CliError> {
    let password = match file {
        Some(p) if p.as_os_str() == "-" => {
            let mut s = String::new();
            std::io::stdin().read_line(&mut s)?;
            s
        }
        Some(p) => {
            std::fs::read_to_string(p).map_err(|e| CliError::user(format!("cannot read {}: {e}", p.display())))?
        }
        None if std::io::stdin().is_terminal() => {
            let a = rpassword::prompt_password("Password (at least 10 characters): ")?;
            let b = rpassword::prompt_password("Again: ")?;
            if a != b {
                return Err(CliError::user("the two passwords differ"));
            }
            a
        }
        None => {
            return Err(CliError::user("no terminal to ask for a password: use --password-file FILE (or - for stdin)"));
        }
    };
    let password = password.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 10 {
        return Err(CliError::user("the password needs at least 10 characters"));
    }
    Ok(password)
}

fn name_from_email(email: &str) -> String {
    let local = email.split('@').next().unwrap_or(email);
    crate::empathy::names::from_local_part(local).map(|p| p.full()).unwrap_or_else(|| local.to_string())
}

pub async fn run(app: &App, cmd: &Cmd) -> CliResult {
    let now = app.now();
    match cmd {
        Cmd::Add { email, role, name, password_file } => {
            let email = crate::domain::EmailAddress::parse(email).map_err(CliError::user)?.as_str().to_lowercase();
            let role = Role::parse(role).ok_or_else(|| CliError::user("the role is agent or admin"))?;
            let password = read_password(password_file)?;
            let name = name
                .clone()
                .map(|n| crate::text::single_line(&n))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| name_from_email(&email));
            let hash = hash_password(&password).map_err(CliError::user)?;
            let mut db = app.store.tx().await?;
            if db.user_by_email(&email).await?.is_some() {
                return Err(CliError::user(format!(
                    "{email} already has an account (attune user password {email} sets a new password)"
                )));
            }
            db.insert_user(&email, &name, role.as_str(), &hash, now).await?;
            db.audit(
                now,
                &cli_actor(),
                "user.added",
                None,
                None,
                &serde_json::json!({"email": email, "role": role.as_str()}),
            )
            .await?;
            db.commit().await?;
            println!("added {email} ({}) as {name}", role.as_str());
            Ok(())
        }
        Cmd::List { json } => {
            let mut db = app.store.db().await?;
            let users = db.users().await?;
            if *json {
                let v: Vec<_> = users.iter().map(|u| serde_json::json!({"id": u.id, "email": u.email, "name": u.name, "role": u.role, "disabled": u.disabled, "created_at": crate::clock::rfc3339(u.created_at)})).collect();
                return print_json(&v);
            }
            if users.is_empty() {
                println!("no users yet: attune user add EMAIL --role admin");
            }
            for u in users {
                println!("{:<32} {:<6} {}{}", u.email, u.role, u.name, if u.disabled { "  (disabled)" } else { "" });
            }
            Ok(())
        }
        Cmd::Disable { email } | Cmd::Enable { email } => {
            let disable = matches!(cmd, Cmd::Disable { .. });
            let mut db = app.store.tx().await?;
            let Some(u) = db.user_by_email(email).await? else {
                return Err(CliError::user(format!("there is no user {email}")));
            };
            db.set_user_disabled(email, disable).await?;
            if disable {
                db.delete_user_sessions(u.id).await?;
            }
            db.audit(
                now,
                &cli_actor(),
                if disable { "user.disabled" } else { "user.enabled" },
                None,
                None,
                &serde_json::json!({"email": u.email}),
            )
            .await?;
            db.commit().await?;
            println!("{} {}", if disable { "disabled" } else { "enabled" }, u.email);
            Ok(())
        }
        Cmd::Password { email, password_file } => {
            let password = read_password(password_file)?;
            let hash = hash_password(&password).map_err(CliError::user)?;
            let mut db = app.store.tx().await?;
            let Some(u) = db.user_by_email(email).await? else {
                return Err(CliError::user(format!("there is no user {email}")));
            };
            db.set_user_password(email, &hash).await?;
            db.delete_user_sessions(u.id).await?;
            db.audit(now, &cli_actor(), "user.password_set", None, None, &serde_json::json!({"email": u.email}))
                .await?;
            db.commit().await?;
            println!("new password set for {}", u.email);
            Ok(())
        }
    }
}

pub async fn run_token(app: &App, cmd: &TokenCmd) -> CliResult {
    let TokenCmd::Create { user, label } = cmd;
    let now = app.now();
    let mut db = app.store.tx().await?;
    let Some(u) = db.user_by_email(user).await? else { return Err(CliError::user(format!("there is no user {user}"))) };
    if u.disabled {
        return Err(CliError::user(format!("{user} is disabled")));
    }
    let token = format!("attune_{}", random_token());
    db.insert_api_token(u.id, &token_hash(&token), label, now).await?;
    db.audit(now, &cli_actor(), "token.created", None, None, &serde_json::json!({"email": u.email, "label": label}))
        .await?;
    db.commit().await?;
    println!("{token}");
    eprintln!("(shown once: send it as Authorization: Bearer <token> to /api/v1)");
    Ok(())
}

fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "cli".into()))
}
