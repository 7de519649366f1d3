//! What can go wrong with a manifest: errors that stop an operation ([`ManifestError`]) and the ways a
//! chain can be broken ([`ChainProblem`], reported by `verify` and refused by the appender).

use std::io;
use std::path::PathBuf;

/// How one line of a manifest breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// The manifest ends without a newline: cut in the middle of a line, or a torn write.
    TruncatedLine {
        /// Bytes after the last newline.
        bytes: u64,
    },
    /// The line is not a manifest entry.
    Malformed {
        /// What is wrong with it.
        what: String,
    },
    /// The MAC does not match the line (altered, or written with another key).
    BadMac,
    /// `prev_mac` is not the MAC of the line before (a line was removed, inserted or reordered).
    PrevMismatch,
    /// `seq` does not follow the line before.
    SequenceGap {
        /// The sequence number that should be here.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The entry names another node than the manifest's file name.
    WrongNode {
        /// The node in the entry.
        found: String,
    },
}

impl ChainProblem {
    /// A stable name of the kind of problem (for machine-readable reports).
    pub fn code(&self) -> &'static str {
        match self {
            ChainProblem::TruncatedLine { .. } => "truncated_line",
            ChainProblem::Malformed { .. } => "malformed",
            ChainProblem::BadMac => "bad_mac",
            ChainProblem::PrevMismatch => "prev_mismatch",
            ChainProblem::SequenceGap { .. } => "sequence_gap",
            ChainProblem::WrongNode { .. } => "wrong_node",
        }
    }
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainProblem::TruncatedLine { bytes } => write!(
                f,
                "incomplete last line ({bytes} bytes without a newline): cut in the middle of a line or a torn write"
            ),
            ChainProblem::Malformed { what } => write!(f, "not a manifest entry: {what}"),
            ChainProblem::BadMac => f.write_str(
                "MAC does not match: the entry was altered (or the manifest was written with another key)",
            ),
            ChainProblem::PrevMismatch => f.write_str(
                "prev_mac is not the MAC of the line before: a line was removed, inserted or reordered here",
            ),
            ChainProblem::SequenceGap { expected, found } => {
                write!(f, "sequence number {found}, expected {expected}")
            }
            ChainProblem::WrongNode { found } => write!(
                f,
                "entry of node {found:?} in another node's manifest (manifest renamed or lines copied)"
            ),
        }
    }
}

/// An error that stops a manifest operation.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// A file or directory could not be read, written, locked or synced.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done (`read`, `append to`, `lock`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A lineage file that is not below the lineage root, or whose relative path cannot be listed.
    #[error("cannot list {}: {why}", path.display())]
    BadPath {
        /// The path given.
        path: PathBuf,
        /// Why it cannot be listed.
        why: &'static str,
    },
    /// The manifest is broken; nothing is appended to a broken chain.
    #[error("manifest {} line {line}: {problem}", manifest.display())]
    Corrupt {
        /// The manifest file.
        manifest: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is broken.
        problem: ChainProblem,
    },
    /// The manifest became shorter while this process had it open.
    #[error(
        "manifest {} shrank from {known} to {now} bytes while open: it was truncated by someone else",
        manifest.display()
    )]
    Shrunk {
        /// The manifest file.
        manifest: PathBuf,
        /// Bytes this process had read.
        known: u64,
        /// Bytes it has now.
        now: u64,
    },
    /// The path is already listed as added, with other contents than the file now has.
    #[error(
        "{path} is already listed as added (seq {seq}) with SHA-256 {listed_sha256}, but the file now has {actual_sha256}"
    )]
    Conflict {
        /// The path relative to the lineage root.
        path: String,
        /// Sequence number of the listing entry.
        seq: u64,
        /// SHA-256 in the manifest.
        listed_sha256: String,
        /// SHA-256 of the file.
        actual_sha256: String,
    },
    /// A manifest line of a format version this cdflow does not know.
    #[error(
        "manifest {} line {line}: format version {version} is unknown to this cdflow (it knows version {known}); use a newer cdflow",
        manifest.display(),
        known = super::FORMAT_VERSION
    )]
    UnknownVersion {
        /// The manifest file.
        manifest: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The version found.
        version: u64,
    },
    /// `verify` was given a directory that holds neither a manifest directory nor any Parquet file.
    #[error(
        "not a lineage directory (no {dir}/ and no .parquet files): {}",
        .0.display(),
        dir = super::MANIFEST_DIR
    )]
    NotALineageDir(PathBuf),
}

impl ManifestError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |source| ManifestError::Io {
            action,
            path,
            source,
        }
    }
}
