//! Reading the customer (name, language, register, sentiment, their words, how long they
//! waited) and judging our reply against the empathy rubric.

pub mod details;
pub mod langdata;
pub mod language;
pub mod lateness;
pub mod lint;
pub mod locale;
pub mod names;
pub mod register;
pub mod sentiment;
pub mod situations;
pub mod topic;
