//! Mail from the file system: a Maildir, an mbox file, .eml files, or a folder of them.
//! Scanning lists what is there (cheap); each message's bytes are read only when the
//! pipeline asks, so a large import does not sit in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::intake::RawMail;

#[derive(Clone, Debug)]
pub enum Location {
    File(PathBuf),
    /// A message inside an mbox: byte range of its text (after the "From " line).
    MboxSpan {
        path: PathBuf,
        index: usize,
        start: u64,
        len: u64,
    },
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub location: Location,
    pub arrived_at: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> IntakeError {
    IntakeError::Io { path: path.display().to_string(), message: e.to_string() }
}

pub fn is_maildir(path: &Path) -> bool {
    path.join("cur").is_dir() && path.join("new").is_dir()
}

/// Lists every message under the given paths, oldest arrival first where known.
pub fn scan(paths: &[PathBuf]) -> Result<Vec<Entry>, IntakeError> {
    let mut entries = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| io_err(path, e))?;
        if meta.is_dir() {
            if is_maildir(path) {
                scan_maildir(path, &mut entries)?;
            } else {
                scan_folder(path, &mut entries)?;
            }
        } else if looks_like_mbox(path)? {
            scan_mbox(path, &mut entries)?;
        } else {
            entries.push(Entry { location: Location::File(path.clone()), arrived_at: None });
        }
    }
    // Process in arrival order so threading and per-sender limits see mail as it came;
    // entries without a known arrival keep their relative order after the known ones
    // are placed (the pipeline reads their Received/Date).
    entries.sort_by_key(|e| e.arrived_at.unwrap_or(i64::MAX));
    Ok(entries)
}

fn scan_maildir(dir: &Path, out: &mut Vec<Entry>) -> Result<(), IntakeError> {
    for sub in ["new", "cur"] {
        let d = dir.join(sub);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
            .map_err(|e| io_err(&d, e))?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| !p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.')))
            .collect();
        files.sort();
        for f in files {
            let arrived = maildir_arrival(&f);
            out.push(Entry { location: Location::File(f), arrived_at: arrived });
        }
    }
    Ok(())
}

/// The delivery time in a Maildir file's name (its leading seconds), else its mtime.
pub fn maildir_arrival(path: &Path) -> Option<i64> {
    let name = path.file_name()?.to_str()?;
    let head = name.split(['.', ':']).next().unwrap_or("");
    if head.len() >= 9
        && head.chars().all(|c| c.is_ascii_digit())
        && let Ok(secs) = head.parse::<i64>()
    {
        return Some(secs);
    }
    std::fs::metadata(path).ok()?.modified().ok()?.duration_since(UNIX_EPOCH).ok().map(|d| d.as_secs() as i64)
}

fn scan_folder(dir: &Path, out: &mut Vec<Entry>) -> Result<(), IntakeError> {
    let mut paths: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(|e| io_err(dir, e))?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            if is_maildir(&p) {
                scan_maildir(&p, out)?;
            }
            continue;
        }
        let ext = p.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("eml") | Some("msg") => out.push(Entry { location: Location::File(p), arrived_at: None }),
            Some("mbox") => scan_mbox(&p, out)?,
            _ => {}
        }
    }
    Ok(())
}

fn looks_like_mbox(path: &Path) -> Result<bool, IntakeError> {
    if path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("eml")) {
        return Ok(false);
    }
    let mut f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut head = [0u8; 5];
    let n = f.read(&mut head).map_err(|e| io_err(path, e))?;
    Ok(n == 5 && &head == b"From ")
}

/// Finds each message's span by the "From " separator lines (mboxo/mboxrd).
fn scan_mbox(path: &Path, out: &mut Vec<Entry>) -> Result<(), IntakeError> {
    let f = File::open(path).map_err(|e| io_err(path, e))?;
    let mut reader = BufReader::new(f);
    let mut offset: u64 = 0;
    let mut current: Option<u64> = None;
    let mut previous_blank = true;
    let mut index = 0;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(|e| io_err(path, e))?;
        if n == 0 {
            break;
        }
        if line.starts_with(b"From ") && previous_blank {
            if let Some(start) = current {
                out.push(Entry {
                    location: Location::MboxSpan { path: path.to_path_buf(), index, start, len: offset - start },
                    arrived_at: None,
                });
                index += 1;
            }
            current = Some(offset + n as u64);
        }
        previous_blank = line == b"\n" || line == b"\r\n";
        offset += n as u64;
    }
    if let Some(start) = current {
        out.push(Entry {
            location: Location::MboxSpan { path: path.to_path_buf(), index, start, len: offset - start },
            arrived_at: None,
        });
    }
    Ok(())
}

impl Entry {
    /// Its size in bytes as it will be read (0 when the file cannot be looked at now; the
    /// read then says why).
    pub fn size(&self) -> u64 {
        match &self.location {
            Location::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Location::MboxSpan { len, .. } => *len,
        }
    }

    pub fn origin(&self) -> String {
        match &self.location {
            Location::File(p) => p.display().to_string(),
            Location::MboxSpan { path, index, .. } => {
                format!("mbox:{}#{}", path.display(), index + 1)
            }
        }
    }

    /// Reads the message; one larger than `max` bytes is read up to the end of its header
    /// section only (`truncated_from` says how large it is).
    pub fn load(&self, max: u64) -> Result<RawMail, IntakeError> {
        let (path, start, len) = match &self.location {
            Location::File(p) => (p, 0, std::fs::metadata(p).map_err(|e| io_err(p, e))?.len()),
            Location::MboxSpan { path, start, len, .. } => (path, *start, *len),
        };
        let mut f = File::open(path).map_err(|e| io_err(path, e))?;
        f.seek(SeekFrom::Start(start)).map_err(|e| io_err(path, e))?;
        let (bytes, truncated_from) = if len > max {
            (header_section(&mut f, len).map_err(|e| io_err(path, e))?, Some(len))
        } else {
            let mut buf = Vec::with_capacity(len as usize);
            f.take(len).read_to_end(&mut buf).map_err(|e| io_err(path, e))?;
            (buf, None)
        };
        let bytes = if matches!(self.location, Location::MboxSpan { .. }) { unescape_mbox(&bytes) } else { bytes };
        Ok(RawMail { bytes, origin: self.origin(), arrived_at: self.arrived_at, truncated_from })
    }
}

/// The header section of a message (up to and including the blank line), at most 1 MB:
/// what a too-large message is stored with.
pub fn header_section(r: &mut impl Read, len: u64) -> std::io::Result<Vec<u8>> {
    let mut reader = BufReader::new(r.take(len.min(1_000_000)));
    let mut out = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        out.extend_from_slice(&line);
        if line == b"\n" || line == b"\r\n" {
            break;
        }
    }
    Ok(out)
}

/// Undoes mboxrd quoting (">From " → "From ", ">>From " → ">From ") and drops the
/// separator's trailing blank line.
fn unescape_mbox(buf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(buf.len());
    for line in buf.split_inclusive(|b| *b == b'\n') {
        let gt = line.iter().take_while(|b| **b == b'>').count();
        if gt > 0 && line[gt..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    while out.ends_with(b"\n\n") || out.ends_with(b"\r\n\r\n") {
        out.pop();
        if out.ends_with(b"\r") {
            out.pop();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maildir_names_give_arrival() {
        assert_eq!(maildir_arrival(Path::new("/nonexistent/1795683600.M1P2.host,S=10:2,S")), Some(1_795_683_600));
        assert_eq!(maildir_arrival(Path::new("/nonexistent/abc")), None);
    }

    #[test]
    fn mbox_split_and_unescape() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("box");
        std::fs::write(
            &p,
            "From a@x Thu Nov 26 09:00:00 2026\nFrom: a@x.org\nSubject: one\n\nhello\n>From the start\n\nFrom b@x Thu Nov 26 09:01:00 2026\nFrom: b@x.org\nSubject: two\n\nbye\n",
        )
        .unwrap();
        let entries = scan(std::slice::from_ref(&p)).unwrap();
        assert_eq!(entries.len(), 2);
        let one = String::from_utf8(entries[0].load(u64::MAX).unwrap().bytes).unwrap();
        assert!(one.starts_with("From: a@x.org"));
        assert!(one.contains("\nFrom the start"), "{one}");
        assert!(!one.ends_with("\n\n"));
        let two = String::from_utf8(entries[1].load(u64::MAX).unwrap().bytes).unwrap();
        assert!(two.contains("Subject: two"));
        assert_eq!(entries[1].origin(), format!("mbox:{}#2", p.display()));
    }

    #[test]
    fn maildir_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(md.join(sub)).unwrap();
        }
        std::fs::write(md.join("new/1795683700.M2.h"), "From: b@x.org\n\nb").unwrap();
        std::fs::write(md.join("cur/1795683600.M1.h:2,S"), "From: a@x.org\n\na").unwrap();
        let entries = scan(std::slice::from_ref(&md)).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].arrived_at, Some(1_795_683_600));
        let folder = dir.path().join("emls");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("a.eml"), "From: a@x.org\n\na").unwrap();
        std::fs::write(folder.join("notes.txt"), "ignore me").unwrap();
        assert_eq!(scan(&[folder]).unwrap().len(), 1);
        assert!(scan(&[dir.path().join("missing")]).is_err());
    }
}
