//! The composition root: config, clock, store, templates and the derived pieces every
//! stage needs, built once and shared.

use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::EmailAddress;
use crate::empathy::lateness::Calendar;
use crate::store::Store;
use crate::templates::Templates;
use crate::threading::Tokens;

#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub clock: Clock,
    pub calendar: Arc<Calendar>,
    templates: Arc<RwLock<Arc<Templates>>>,
    /// The value of our loop header.
    pub loop_token: String,
    /// Every address that is us.
    pub ours: Arc<Vec<EmailAddress>>,
    /// Wakes the outbox loop (an approval, new mail) so it need not wait for its poll.
    outbox_notify: Arc<tokio::sync::Notify>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot open the database {url}: {source}")]
    Store { url: String, source: crate::store::StoreError },
    #[error("{0}")]
    Templates(#[from] crate::templates::TemplateError),
}

impl App {
    /// Connects, migrates and loads templates.
    pub async fn build(config: Config, clock: Clock) -> Result<App, BuildError> {
        let store = Store::connect(&config.database.url, config.database.max_connections)
            .await
            .map_err(|source| BuildError::Store { url: config.database.url.clone(), source })?;
        store.migrate().await.map_err(|source| BuildError::Store { url: config.database.url.clone(), source })?;
        App::with_store(config, clock, store)
    }

    pub fn with_store(config: Config, clock: Clock, store: Store) -> Result<App, BuildError> {
        let templates = Templates::load(&[])?;
        let calendar = Calendar::from_config(config.business_hours.as_ref());
        let mut ours = vec![config.support.address.clone()];
        ours.extend(config.support.aliases.iter().cloned());
        ours.extend(config.mailboxes.iter().filter_map(|m| m.address.clone()));
        let loop_token = {
            let mut h = Sha256::new();
            h.update(b"attune-loop:");
            h.update(config.support.address.key().as_bytes());
            hex::encode(&h.finalize()[..8])
        };
        Ok(App {
            config: Arc::new(config),
            store,
            clock,
            calendar: Arc::new(calendar),
            templates: Arc::new(RwLock::new(Arc::new(templates))),
            loop_token,
            ours: Arc::new(ours),
            outbox_notify: Arc::new(tokio::sync::Notify::new()),
        })
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
