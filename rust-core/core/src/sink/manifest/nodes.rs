//! The manifests a running core appends to: one [`ManifestWriter`] per node whose files it publishes
//! or removes, opened on first use. The node is the `node=<n>` directory of the file's path.
//!
//! Invariant: a manifest failure never stops lineage: it is logged (rate-limited) and the file stays
//! unlisted, which `cdflow verify` then reports.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{ManifestWriter, RemovalReason};
use crate::enrich::keyhash::KEY_LEN;
use crate::log::RateLimitedLog;
use crate::sink::file_modes::{self, FileModes};

/// Every node's manifest under one lineage root.
pub struct NodeManifests {
    root: PathBuf,
    modes: FileModes,
    secret: [u8; KEY_LEN],
    writers: Mutex<HashMap<String, ManifestWriter>>,
    log: Arc<RateLimitedLog>,
}

impl NodeManifests {
    /// Manifests under `root`, keyed with `secret`.
    pub fn new(
        root: &Path,
        secret: [u8; KEY_LEN],
        modes: FileModes,
        log: Arc<RateLimitedLog>,
    ) -> Self {
        NodeManifests {
            root: root.to_owned(),
            modes,
            secret,
            writers: Mutex::new(HashMap::new()),
            log,
        }
    }

    /// Lists a published file (after its rename).
    pub fn added(&self, file: &Path, rows: u64) {
        self.with_writer(file, |writer| {
            writer.append_added(file, rows, None).map(|_| ())
        });
    }

    /// Lists a file as removed (before it is deleted).
    pub fn removing(&self, file: &Path, reason: RemovalReason) {
        self.with_writer(file, |writer| {
            writer.append_removed(file, reason).map(|_| ())
        });
    }

    fn with_writer(
        &self,
        file: &Path,
        append: impl FnOnce(&mut ManifestWriter) -> Result<(), super::ManifestError>,
    ) {
        let Some(node) = node_of(&self.root, file) else {
            self.log.log(format_args!(
                "manifest: {} is not in a node=… directory of {}; not listed",
                file.display(),
                self.root.display()
            ));
            return;
        };
        let mut writers = self.writers.lock();
        if !writers.contains_key(&node) {
            if let Err(error) = self.create_with_modes(&node) {
                self.log
                    .log(format_args!("manifest of node {node}: {error}"));
                return;
            }
            match ManifestWriter::open(&self.root, &node, &self.secret) {
                Ok(writer) => {
                    writers.insert(node.clone(), writer);
                }
                Err(error) => {
                    self.log
                        .log(format_args!("manifest of node {node}: {error}"));
                    return;
                }
            }
        }
        if let Some(writer) = writers.get_mut(&node)
            && let Err(error) = append(writer)
        {
            self.log.log(format_args!(
                "manifest: {} not listed: {error}",
                file.display()
            ));
        }
    }
}

impl NodeManifests {
    /// Creates the manifest directory and file with the configured modes and group (the writer then
    /// opens what exists).
    fn create_with_modes(&self, node: &str) -> std::io::Result<()> {
        file_modes::create_dir_all(&self.root.join(super::MANIFEST_DIR), &self.modes)?;
        let path = super::manifest_path(&self.root, &crate::sink::layout::sanitize_node(node));
        match file_modes::create_new_file(&path, &self.modes) {
            Ok(_) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(error) => Err(error),
        }
    }
}

/// The value of the `node=<n>` directory in `file`'s path below `root`.
fn node_of(root: &Path, file: &Path) -> Option<String> {
    file.strip_prefix(root)
        .ok()?
        .components()
        .find_map(|component| match component {
            Component::Normal(name) => name.to_str()?.strip_prefix("node=").map(str::to_owned),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_node_comes_from_the_hive_directory() {
        let root = Path::new("/l");
        assert_eq!(
            node_of(
                root,
                Path::new("/l/events/node=127.0.0.2/date=2026-12-07/p.parquet")
            )
            .as_deref(),
            Some("127.0.0.2")
        );
        assert_eq!(node_of(root, Path::new("/l/events/p.parquet")), None);
        assert_eq!(
            node_of(root, Path::new("/elsewhere/node=x/p.parquet")),
            None
        );
    }
}
