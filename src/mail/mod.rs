//! Mail in and out: parsing raw bytes, classifying them, stripping quotes, composing replies.

pub mod classify;
pub mod compose;
pub mod parse;
pub mod quote;
