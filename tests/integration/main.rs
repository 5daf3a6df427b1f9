//! attune's integration tests: one binary (every extra test binary links the whole
//! dependency tree again), one module per area.

mod helpers;

mod cli;
mod corpus;
mod pipeline;
mod threading;
