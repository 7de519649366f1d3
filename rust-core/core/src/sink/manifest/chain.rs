//! Checking a manifest line by line: each line's MAC, its link to the line before (`prev_mac`), the
//! sequence number and the node. Shared by the appender (which refuses a broken chain) and `verify`
//! (which reports every break).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use super::entry::{Entry, FIRST_PREV_MAC, ManifestKey, open_line, version_of};
use super::{ChainProblem, FORMAT_VERSION, ManifestError};

/// One checked line.
#[derive(Debug)]
pub(crate) struct CheckedLine {
    /// 1-based line number.
    pub line: u64,
    /// The entry, when the line parsed as one.
    pub entry: Option<Entry>,
    /// Whether the MAC matched (an entry with a matching MAC was written by a key holder).
    pub mac_ok: bool,
    /// Everything wrong with the line; empty for an intact link.
    pub problems: Vec<ChainProblem>,
}

impl CheckedLine {
    /// An entry a key holder wrote, of the right node and shape (it may still be misplaced in the
    /// chain: then `problems` says so, but what it lists is authentic).
    pub fn trusted(&self) -> Option<&Entry> {
        let misfit = self.problems.iter().any(|problem| {
            matches!(
                problem,
                ChainProblem::Malformed { .. } | ChainProblem::WrongNode { .. }
            )
        });
        self.entry.as_ref().filter(|_| self.mac_ok && !misfit)
    }
}

/// The state of a chain after the lines read so far.
pub(crate) struct Chain {
    key: ManifestKey,
    node: String,
    manifest: PathBuf,
    /// Lines checked.
    pub lines: u64,
    /// `mac` and `seq` of the last line, when it had them (unknown after a line that is no entry).
    last: Option<(String, u64)>,
}

impl Chain {
    pub fn new(key: ManifestKey, node: &str, manifest: &Path) -> Self {
        Chain {
            key,
            node: node.to_owned(),
            manifest: manifest.to_owned(),
            lines: 0,
            last: Some((FIRST_PREV_MAC.to_owned(), 0)),
        }
    }

    /// `seq` and `mac` an entry appended now must carry as `seq` and `prev_mac`, when the chain
    /// is intact.
    pub fn next_link(&self) -> Option<(u64, String)> {
        self.last.as_ref().map(|(mac, seq)| (seq + 1, mac.clone()))
    }

    /// The key lines are checked with.
    pub fn key(&self) -> &ManifestKey {
        &self.key
    }

    /// Checks the next complete line (without its newline). Only an authentic line of another format
    /// version is an error: every other fault is a problem of the line.
    pub fn check(&mut self, bytes: &[u8]) -> Result<CheckedLine, ManifestError> {
        self.lines += 1;
        let line = self.lines;
        let mut checked = CheckedLine {
            line,
            entry: None,
            mac_ok: false,
            problems: Vec::new(),
        };
        let opened = match open_line(&self.key, bytes) {
            Ok(opened) => opened,
            Err(what) => {
                checked.problems.push(ChainProblem::Malformed { what });
                self.last = None;
                return Ok(checked);
            }
        };
        // A newer cdflow keeps the MAC of a line as it is: an authentic line of another version is
        // not tampering but a format this cdflow cannot read. (A forged version fails the MAC.)
        if let Some(version) = version_of(bytes).filter(|&v| opened.mac_ok && v != FORMAT_VERSION) {
            return Err(ManifestError::UnknownVersion {
                manifest: self.manifest.clone(),
                line,
                version,
            });
        }
        checked.mac_ok = opened.mac_ok;
        if !opened.mac_ok {
            checked.problems.push(ChainProblem::BadMac);
        }
        let entry = match opened.entry {
            Ok(entry) => entry,
            Err(what) => {
                checked.problems.push(ChainProblem::Malformed { what });
                self.last = None;
                return Ok(checked);
            }
        };
        if let Some(what) = entry.shape_error() {
            checked.problems.push(ChainProblem::Malformed { what });
        }
        if entry.node != self.node {
            checked.problems.push(ChainProblem::WrongNode {
                found: entry.node.clone(),
            });
        }
        if let Some((prev_mac, prev_seq)) = &self.last {
            if entry.prev_mac != *prev_mac {
                checked.problems.push(ChainProblem::PrevMismatch);
            }
            if entry.seq != prev_seq + 1 {
                checked.problems.push(ChainProblem::SequenceGap {
                    expected: prev_seq + 1,
                    found: entry.seq,
                });
            }
        }
        self.last = Some((entry.mac.clone(), entry.seq));
        checked.entry = Some(entry);
        Ok(checked)
    }
}

/// Reads complete lines from `reader`, calling `each` with every one (without its newline); returns
/// the bytes consumed by complete lines and the incomplete tail after the last newline.
pub(crate) fn read_lines(
    mut reader: impl BufRead,
    mut each: impl FnMut(&[u8]) -> Result<(), ManifestError>,
    manifest: &Path,
) -> Result<(u64, Vec<u8>), ManifestError> {
    let mut consumed = 0u64;
    let mut line = Vec::with_capacity(512);
    loop {
        line.clear();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(ManifestError::io("read", manifest))?;
        if n == 0 {
            return Ok((consumed, Vec::new()));
        }
        if line.last() != Some(&b'\n') {
            return Ok((consumed, line));
        }
        consumed += n as u64;
        each(&line[..line.len() - 1])?;
    }
}
