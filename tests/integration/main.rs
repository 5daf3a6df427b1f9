//! attune's integration tests: one binary (every extra test binary links the whole
//! dependency tree again), one module per area.

mod helpers;
mod mailserver;

mod bench;
mod browser;
mod cli;
mod cluster;
mod corpus;
mod imap_faults;
mod mail;
mod pipeline;
mod situations;
mod store;
mod threading;
mod web;
