//! attune: a support-mail bot. Mail comes in (intake), is parsed, classified and threaded
//! into tickets, gets an empathetic acknowledgment drafted (drafting, empathy), waits for
//! an agent (approval), and goes out so it threads in the customer's mail program
//! (outbox). The store holds everything; the CLI drives it.

pub mod app;
pub mod approval;
pub mod cli;
pub mod clock;
pub mod config;
pub mod daemon;
pub mod demo;
pub mod domain;
pub mod drafting;
pub mod empathy;
#[doc(hidden)]
pub mod fuzzing;
pub mod intake;
pub mod mail;
pub mod net;
pub mod outbox;
pub mod pipeline;
#[cfg(test)]
mod props;
pub mod recompose;
pub mod store;
pub mod template_check;
pub mod templates;
pub mod text;
pub mod threading;
pub mod views;
pub mod web;

/// rustls needs one process-wide crypto provider; lettre and our IMAP client both use ring.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
