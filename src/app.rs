//! The composition root: config, clock, store, templates and the derived pieces every
//! stage needs, built once and shared.

use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::config::{BusinessHoursConfig, Config, DurationSpec, SlaConfig};
use crate::domain::EmailAddress;
use crate::empathy::lateness::Calendar;
use crate::store::Store;
use crate::templates::Templates;
use crate::threading::Tokens;

/// What an admin may change at run time (in the web UI): the SLA and business hours.
/// Starts from the config file; the admin's settings in the database win.
#[derive(Clone, Debug)]
pub struct Policy {
    pub sla: SlaConfig,
    pub business_hours: Option<BusinessHoursConfig>,
    pub calendar: Calendar,
}

impl Policy {
    pub fn new(sla: SlaConfig, business_hours: Option<BusinessHoursConfig>) -> Policy {
        let calendar = Calendar::from_config(business_hours.as_ref());
        Policy { sla, business_hours, calendar }
    }
}

/// The stored form of an admin's policy changes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PolicySetting {
    pub first_response: String,
    pub next_update: String,
    pub business_hours: Option<StoredHours>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct StoredHours {
    pub timezone: String,
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
    pub holidays: Vec<String>,
}

impl PolicySetting {
    /// Checks every value the way the config file's are checked; the key at fault and why.
    pub fn to_policy(&self) -> Result<Policy, (String, String)> {
        let first = DurationSpec::parse(&self.first_response).map_err(|e| ("first_response".to_string(), e))?;
        let next = DurationSpec::parse(&self.next_update).map_err(|e| ("next_update".to_string(), e))?;
        let hours = match &self.business_hours {
            None => None,
            Some(h) => {
                let c = BusinessHoursConfig {
                    timezone: h.timezone.clone(),
                    days: h.days.clone(),
                    start: h.start.clone(),
                    end: h.end.clone(),
                    holidays: h.holidays.clone(),
                };
                crate::empathy::lateness::BusinessCalendar::from_config(&c).map_err(|(k, r)| (k.to_string(), r))?;
                Some(c)
            }
        };
        Ok(Policy::new(
            SlaConfig {
                first_response: first,
                next_update: next,
                urgent_update: crate::config::SlaConfig::default().urgent_update,
            },
            hours,
        ))
    }

    pub fn from_policy(p: &Policy) -> PolicySetting {
        PolicySetting {
            first_response: p.sla.first_response.to_string(),
            next_update: p.sla.next_update.to_string(),
            business_hours: p.business_hours.as_ref().map(|h| StoredHours {
                timezone: h.timezone.clone(),
                days: h.days.clone(),
                start: h.start.clone(),
                end: h.end.clone(),
                holidays: h.holidays.clone(),
            }),
        }
    }
}

pub const POLICY_SETTING: &str = "policy";

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
    policy: Arc<RwLock<Arc<Policy>>>,
    templates: Arc<RwLock<Arc<Templates>>>,
    /// The value of our loop header.
    pub loop_token: String,
    /// Every address that is us.
    pub ours: Arc<Vec<EmailAddress>>,
    /// The admin's additions to the gate (`[gate]`), compiled once.
    pub gate: Arc<crate::mail::classify::GateRules>,
    /// Wakes the outbox loop (an approval, new mail) so it need not wait for its poll.
    outbox_notify: Arc<tokio::sync::Notify>,
    /// This process's name in leases and claims: host, pid and a random part (containers
    /// all have pid 1).
    pub instance: Arc<str>,
    /// Mailbox sync leases this instance holds (to take no more than its fair share).
    pub leases_held: Arc<std::sync::atomic::AtomicUsize>,
    /// What the admin settings looked like when last loaded (see `reload_if_changed`).
    admin_marker: Arc<std::sync::Mutex<Option<String>>>,
    /// Messages an IMAP server lists but will not send, by origin ("imap:MAILBOX/FOLDER/UIDVALIDITY/UID"):
    /// when this instance first missed each (see `intake::imap::UNFETCHABLE_AFTER`).
    pub unfetchable_since: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    /// When each mailbox's loop last got an answer from its server (a sync round, a
    /// batch, an IDLE wake, a NOOP): a lease is renewed only while this moves.
    pub mailbox_progress: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot open the database {url}: {source}")]
    Store { url: String, source: crate::store::StoreError },
    #[error("{0}")]
    Templates(#[from] crate::templates::TemplateError),
    #[error(
        "the database schema is at version {applied}, older than this attune (version {known}): run `attune migrate` (on PostgreSQL with several instances, see \"Upgrading\" in the README)"
    )]
    SchemaBehind { applied: i64, known: i64 },
}

impl App {
    /// Connects and loads templates. The schema is not changed, except that an empty
    /// database gets one: an older schema is refused (`SchemaBehind`), so an old and a new
    /// binary never fight over one database in a rolling upgrade; a newer one is used as
    /// it is (migrations only add).
    pub async fn build(config: Config, clock: Clock) -> Result<App, BuildError> {
        App::open(config, clock, false).await
    }

    /// Connects, brings the schema up to date, loads templates (`migrate`, `run`, `demo`).
    pub async fn build_migrating(config: Config, clock: Clock) -> Result<App, BuildError> {
        App::open(config, clock, true).await
    }

    async fn open(config: Config, clock: Clock, migrate: bool) -> Result<App, BuildError> {
        let url = crate::store::redacted_url(&config.database.url);
        let failed = |source| BuildError::Store { url: url.clone(), source };
        let store = Store::connect(&config.database.url, config.database.max_connections).await.map_err(failed)?;
        match store.schema_version().await.map_err(failed)? {
            crate::store::Schema::Behind { applied, known } if !migrate => {
                return Err(BuildError::SchemaBehind { applied, known });
            }
            crate::store::Schema::Current | crate::store::Schema::Ahead => {}
            crate::store::Schema::Empty | crate::store::Schema::Behind { .. } => {
                store.migrate().await.map_err(failed)?
            }
        }
        let app = App::with_store(config, clock, store)?;
        app.reload().await.map_err(failed)?;
        Ok(app)
    }

    /// Reads what admins changed in the web UI — templates and the SLA policy — from the
    /// database. Templates that no longer compile are skipped with a warning (they were
    /// checked when saved; a newer attune may reject what an older one accepted).
    pub async fn reload(&self) -> Result<(), crate::store::StoreError> {
        let mut db = self.store.db().await?;
        let marker = db.admin_changes_marker(POLICY_SETTING).await?;
        let rows = db.current_templates().await?;
        let policy = db.setting(POLICY_SETTING).await?;
        drop(db);
        *self.admin_marker.lock().unwrap_or_else(|p| p.into_inner()) = Some(marker);
        let mut overrides = Vec::new();
        for r in rows {
            if let (Some(k), Some(src)) = (crate::templates::TemplateKey::parse(&r.key), r.source) {
                overrides.push((k, src));
            }
        }
        match Templates::load(&overrides) {
            Ok(t) => self.set_templates(t),
            Err(e) => tracing::warn!(error = %e, "an admin's template does not compile; using the shipped ones"),
        }
        if let Some(p) = policy {
            match serde_json::from_str::<PolicySetting>(&p)
                .map_err(|e| ("policy".to_string(), e.to_string()))
                .and_then(|s| s.to_policy())
            {
                Ok(p) => self.set_policy(p),
                Err((k, r)) => {
                    tracing::warn!(key = %k, reason = %r, "stored SLA policy is invalid; using the config file's")
                }
            }
        }
        Ok(())
    }

    /// Reloads when an admin changed templates or the policy since the last load — on
    /// another instance, say. Cheap when nothing changed: one small query.
    pub async fn reload_if_changed(&self) -> Result<bool, crate::store::StoreError> {
        let marker = self.store.db().await?.admin_changes_marker(POLICY_SETTING).await?;
        if self.admin_marker.lock().unwrap_or_else(|p| p.into_inner()).as_deref() == Some(marker.as_str()) {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    pub fn with_store(config: Config, clock: Clock, store: Store) -> Result<App, BuildError> {
        let templates = Templates::load(&[])?;
        let policy = Policy::new(config.sla.clone(), config.business_hours.clone());
        let mut ours = vec![config.support.address.clone()];
        ours.extend(config.support.aliases.iter().cloned());
        ours.extend(config.mailboxes.iter().filter_map(|m| m.address.clone()));
        let loop_token = {
            let mut h = Sha256::new();
            h.update(b"attune-loop:");
            h.update(config.support.address.key().as_bytes());
            hex::encode(&h.finalize()[..8])
        };
        let gate = Arc::new(crate::mail::classify::GateRules::from_config(&config.gate));
        Ok(App {
            gate,
            config: Arc::new(config),
            store,
            clock,
            policy: Arc::new(RwLock::new(Arc::new(policy))),
            templates: Arc::new(RwLock::new(Arc::new(templates))),
            loop_token,
            ours: Arc::new(ours),
            outbox_notify: Arc::new(tokio::sync::Notify::new()),
            instance: instance_name().into(),
            admin_marker: Arc::default(),
            leases_held: Arc::default(),
            unfetchable_since: Arc::default(),
            mailbox_progress: Arc::default(),
        })
    }

    /// The mailbox's server answered just now.
    pub fn mark_progress(&self, mailbox: &str) {
        let now = self.now();
        self.mailbox_progress.lock().unwrap_or_else(|p| p.into_inner()).insert(mailbox.to_string(), now);
    }

    /// When the mailbox's server last answered this instance.
    pub fn last_progress(&self, mailbox: &str) -> Option<i64> {
        self.mailbox_progress.lock().unwrap_or_else(|p| p.into_inner()).get(mailbox).copied()
    }

    pub fn policy(&self) -> Arc<Policy> {
        self.policy.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_policy(&self, p: Policy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(p);
    }

    pub fn templates(&self) -> Arc<Templates> {
        self.templates.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_templates(&self, t: Templates) {
        *self.templates.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(t);
    }

    pub fn tokens(&self) -> Tokens<'_> {
        Tokens::from_config(&self.config.threading)
    }

    pub fn outbox_wake(&self) {
        self.outbox_notify.notify_one();
    }

    pub async fn outbox_woken(&self) {
        self.outbox_notify.notified().await;
    }

    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }
}

/// host-pid-random: unique among instances, readable in `attune status` and logs.
fn instance_name() -> String {
    use rand::Rng;
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "attune".into());
    format!("{host}-{}-{:04x}", std::process::id(), rand::rng().random::<u16>())
}
