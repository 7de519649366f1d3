//! Tamper evidence: a per-node, append-only manifest of the lineage files, chained and keyed, and
//! `verify`, which checks the files against it (docs/schema.md, "Manifest and `cdflow verify`").
//!
//! `<lineage root>/_manifest/node=<node>.manifest` holds one JSON line per entry: a file `added` (its
//! path, SHA-256, size, rows, event-time range), a file `removed` (and why), or a torn last line
//! `repaired`. Each line carries the MAC of the line before (`prev_mac`) and its own MAC, an
//! HMAC-SHA256 keyed with a key derived from the deployment secret (the key file of [`crate::enrich::keyhash`]),
//! so whoever can rewrite lineage files but not read the key file cannot rebuild the chain.
//!
//! Invariants:
//! - a line is only ever appended, under an exclusive advisory lock on the manifest file, after
//!   checking every line others appended, and synced before the lock is released;
//! - nothing is appended to a broken chain;
//! - an `added` path is listed once while it is listed (a redo is a no-op), and a path is listed as
//!   `removed` only while it is listed as added.

mod append;
mod chain;
mod entry;
mod error;
mod files;
mod nodes;
mod verify;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

pub use append::ManifestWriter;
pub use entry::{
    Entry, EntryKind, FIRST_PREV_MAC, KEY_DERIVATION_LABEL, ManifestKey, RemovalReason,
};
pub use error::{ChainProblem, ManifestError};
pub use files::{FoundFile, parquet_files, relative_path, sha256_file};
pub use nodes::NodeManifests;
pub use verify::{
    ExpectedHead, Finding, Head, ManifestSummary, Note, VerifyReport, verify, verify_expecting,
};

/// The directory of the manifests, directly below the lineage root (skipped by readers: it starts
/// with `_`, and holds no `.parquet` file).
pub const MANIFEST_DIR: &str = "_manifest";
/// Format version of the entries this cdflow writes and reads (`v`).
pub const FORMAT_VERSION: u64 = 1;
/// Mode of a manifest file the core creates.
pub const MANIFEST_FILE_MODE: u32 = 0o640;
/// Mode of the manifest directory the core creates.
pub const MANIFEST_DIR_MODE: u32 = 0o750;

/// `<root>/_manifest/node=<node>.manifest`, `node` made safe by [`crate::sink::layout::sanitize_node`].
pub fn manifest_path(root: &Path, node: &str) -> PathBuf {
    root.join(MANIFEST_DIR).join(format!(
        "node={}.manifest",
        crate::sink::layout::sanitize_node(node)
    ))
}

/// The node of a manifest file name `node=<node>.manifest`.
pub(crate) fn node_of_manifest(file_name: &str) -> Option<&str> {
    file_name
        .strip_prefix("node=")
        .and_then(|rest| rest.strip_suffix(".manifest"))
        .filter(|node| !node.is_empty())
}
