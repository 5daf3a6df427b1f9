//! Sources of raw mail. Each source yields raw RFC 5322 bytes, where they came from, and
//! when they reached the mailbox if the source knows (Maildir file names, IMAP INTERNALDATE).

pub mod files;
pub mod imap;

/// One message as a source hands it over.
#[derive(Clone, Debug)]
pub struct RawMail {
    pub bytes: Vec<u8>,
    /// Where it came from, for people: a path, `mbox:PATH#N`, `imap:support/INBOX/UID`.
    pub origin: String,
    /// When it reached the mailbox (unix seconds), if the source knows.
    pub arrived_at: Option<i64>,
    /// The message was larger than `intake.max_message_size`: `bytes` holds its header
    /// section only, and this is its full size. It is stored, flagged `too-large`, and
    /// left where it is for a person to open.
    pub truncated_from: Option<u64>,
}
