//! Appending to a node's manifest. Several processes may append to one manifest at once (a node and an
//! offline recovery): every append takes an exclusive advisory lock on the manifest file, reads what
//! others appended since (checking each line), appends one line, syncs it and unlocks.

use std::collections::HashMap;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::enrich::keyhash::KEY_LEN;
use crate::sink::layout::sanitize_node;

use super::chain::{Chain, read_lines};
use super::entry::{Entry, EntryKind, ManifestKey, RemovalReason};
use super::files::{relative_path, sha256_bytes, sha256_file};
use super::{ChainProblem, FORMAT_VERSION, MANIFEST_DIR_MODE, MANIFEST_FILE_MODE, ManifestError};

/// The manifest of one node, open for appending.
///
/// Appends are idempotent per path: a path already listed as added (same SHA-256 and size) is not
/// listed again, and a path not listed as added is not listed as removed. So a redo after a crash
/// may simply append again.
pub struct ManifestWriter {
    root: PathBuf,
    node: String,
    manifest: PathBuf,
    file: File,
    chain: Chain,
    /// Bytes of the manifest read and checked so far (always at a line end).
    known_len: u64,
    /// Paths listed as added and not removed since, with their `added` entry.
    listed: HashMap<String, Entry>,
    /// The first break found; once broken, nothing more is appended.
    broken: Option<(u64, ChainProblem)>,
}

impl std::fmt::Debug for ManifestWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestWriter")
            .field("manifest", &self.manifest)
            .field("entries", &self.chain.lines)
            .finish_non_exhaustive()
    }
}

impl ManifestWriter {
    /// Opens (or creates, 0640 in a 0750 `_manifest/`) the manifest of `node` below the lineage
    /// `root`, with the manifest key derived from the deployment `secret`, and checks every line.
    /// A broken chain is an error ([`ManifestError::Corrupt`]); an incomplete last line (a torn write)
    /// is cut off and recorded as a `repaired` entry.
    pub fn open(root: &Path, node: &str, secret: &[u8; KEY_LEN]) -> Result<Self, ManifestError> {
        let node = sanitize_node(node);
        let dir = root.join(super::MANIFEST_DIR);
        DirBuilder::new()
            .recursive(true)
            .mode(MANIFEST_DIR_MODE)
            .create(&dir)
            .map_err(ManifestError::io("create", &dir))?;
        let manifest = super::manifest_path(root, &node);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(MANIFEST_FILE_MODE)
            .open(&manifest)
            .map_err(ManifestError::io("open", &manifest))?;
        // Make the manifest's directory entry durable (a no-op cost when it already existed).
        File::open(&dir)
            .and_then(|dir| dir.sync_all())
            .map_err(ManifestError::io("sync", &dir))?;
        let mut writer = ManifestWriter {
            root: root.to_owned(),
            node: node.clone(),
            chain: Chain::new(ManifestKey::derive(secret), &node, &manifest),
            manifest,
            file,
            known_len: 0,
            listed: HashMap::new(),
            broken: None,
        };
        writer.exclusive(|_| Ok(()))?;
        Ok(writer)
    }

    /// The manifest file.
    pub fn manifest_path(&self) -> &Path {
        &self.manifest
    }

    /// `seq` and `mac` of the last entry (`(0, 64 zeros)` for an empty manifest), as read or written
    /// by this writer: the value to record elsewhere to detect a manifest cut back later.
    pub fn head(&self) -> (u64, String) {
        self.chain
            .next_link()
            .map(|(next, mac)| (next - 1, mac))
            .unwrap_or_default()
    }

    /// Lists `file` (below the root, as the core builds it: `root.join(…)`) as added, with the SHA-256
    /// and size of its bytes as they are now, its `rows` and its event-time range (µs, min and max).
    /// Call it once the file is renamed into place. When the path is already listed with the same
    /// bytes, returns that entry and appends nothing; with other bytes, [`ManifestError::Conflict`].
    pub fn append_added(
        &mut self,
        file: &Path,
        rows: u64,
        event_time_us: Option<(i64, i64)>,
    ) -> Result<Entry, ManifestError> {
        let path = relative_path(&self.root, file)?;
        let (sha256, size) = sha256_file(file).map_err(ManifestError::io("read", file))?;
        self.exclusive(|writer| {
            if let Some(listed) = writer.listed.get(&path) {
                if listed.sha256.as_deref() == Some(sha256.as_str()) && listed.size == Some(size) {
                    return Ok(listed.clone());
                }
                return Err(ManifestError::Conflict {
                    path: path.clone(),
                    seq: listed.seq,
                    listed_sha256: listed.sha256.clone().unwrap_or_default(),
                    actual_sha256: sha256,
                });
            }
            writer.write(Entry {
                kind: EntryKind::Added,
                path: Some(path.clone()),
                sha256: Some(sha256),
                size: Some(size),
                rows: Some(rows),
                min_event_time_us: event_time_us.map(|(min, _)| min),
                max_event_time_us: event_time_us.map(|(_, max)| max),
                ..writer.blank(EntryKind::Added)
            })
        })
    }

    /// Lists `file` as removed for `reason`. Call it before deleting the file (a crash in between
    /// leaves a file that `verify` reports as unlisted, and the redo deletes it). Returns `None`, and
    /// appends nothing, when the path is not listed as added (never was, or already removed).
    pub fn append_removed(
        &mut self,
        file: &Path,
        reason: RemovalReason,
    ) -> Result<Option<Entry>, ManifestError> {
        let path = relative_path(&self.root, file)?;
        self.exclusive(|writer| {
            if !writer.listed.contains_key(&path) {
                return Ok(None);
            }
            writer
                .write(Entry {
                    path: Some(path.clone()),
                    reason: Some(reason),
                    ..writer.blank(EntryKind::Removed)
                })
                .map(Some)
        })
    }

    /// Whether `file` is listed as added (and not removed since), including by other processes.
    pub fn is_listed(&mut self, file: &Path) -> Result<bool, ManifestError> {
        let path = relative_path(&self.root, file)?;
        self.exclusive(|writer| Ok(writer.listed.contains_key(&path)))
    }

    /// Runs `action` holding the exclusive lock, after reading what others appended.
    fn exclusive<T>(
        &mut self,
        action: impl FnOnce(&mut Self) -> Result<T, ManifestError>,
    ) -> Result<T, ManifestError> {
        self.file
            .lock()
            .map_err(ManifestError::io("lock", &self.manifest))?;
        let result = self.catch_up().and_then(|()| action(self));
        // Closing the file would release the lock too; an unlock error leaves nothing to undo.
        let _ = self.file.unlock();
        result
    }

    /// Reads and checks the lines appended since the last call; cuts off a torn last line and records
    /// that. Holds the exclusive lock.
    fn catch_up(&mut self) -> Result<(), ManifestError> {
        if let Some((line, problem)) = &self.broken {
            return Err(self.corrupt(*line, problem.clone()));
        }
        let now = self
            .file
            .metadata()
            .map_err(ManifestError::io("stat", &self.manifest))?
            .len();
        if now < self.known_len {
            return Err(ManifestError::Shrunk {
                manifest: self.manifest.clone(),
                known: self.known_len,
                now,
            });
        }
        if now == self.known_len {
            return Ok(());
        }
        let mut reader = self
            .file
            .try_clone()
            .map_err(ManifestError::io("read", &self.manifest))?;
        reader
            .seek(SeekFrom::Start(self.known_len))
            .map_err(ManifestError::io("read", &self.manifest))?;
        let manifest = self.manifest.clone();
        let (consumed, torn) = read_lines(
            BufReader::with_capacity(64 * 1024, reader),
            |line| self.fold(line),
            &manifest,
        )?;
        self.known_len += consumed;
        if !torn.is_empty() {
            self.file
                .set_len(self.known_len)
                .map_err(ManifestError::io(
                    "cut the torn last line of",
                    &self.manifest,
                ))?;
            self.write(Entry {
                sha256: Some(sha256_bytes(&torn)),
                size: Some(torn.len() as u64),
                ..self.blank(EntryKind::Repaired)
            })?;
        }
        Ok(())
    }

    /// Checks one line read from the manifest and applies it to the listed paths.
    fn fold(&mut self, line: &[u8]) -> Result<(), ManifestError> {
        let checked = self.chain.check(line)?;
        if let Some(problem) = checked.problems.first() {
            self.broken = Some((checked.line, problem.clone()));
            return Err(self.corrupt(checked.line, problem.clone()));
        }
        let Some(entry) = checked.entry else {
            return Ok(());
        };
        match (entry.kind, entry.path.clone()) {
            (EntryKind::Added, Some(path)) => {
                self.listed.insert(path, entry);
            }
            (EntryKind::Removed, Some(path)) => {
                self.listed.remove(&path);
            }
            _ => {}
        }
        Ok(())
    }

    /// An entry of `kind` with every kind-specific member absent.
    fn blank(&self, kind: EntryKind) -> Entry {
        Entry {
            v: FORMAT_VERSION,
            seq: 0,
            node: String::new(),
            kind,
            path: None,
            reason: None,
            sha256: None,
            size: None,
            rows: None,
            min_event_time_us: None,
            max_event_time_us: None,
            recorded_at_us: now_us(),
            prev_mac: String::new(),
            mac: String::new(),
        }
    }

    /// Links `entry` to the chain, appends its line and syncs it. Holds the exclusive lock, after
    /// `catch_up`. On failure the manifest is cut back to where it was.
    fn write(&mut self, mut entry: Entry) -> Result<Entry, ManifestError> {
        let Some((seq, prev_mac)) = self.chain.next_link() else {
            // catch_up refuses a broken chain before anything is written.
            return Err(self.corrupt(self.chain.lines, ChainProblem::PrevMismatch));
        };
        entry.seq = seq;
        entry.prev_mac = prev_mac;
        entry.node = self.node.clone();
        let line = entry.seal(self.chain.key());
        let written = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data());
        if let Err(source) = written {
            let _ = self.file.set_len(self.known_len);
            return Err(ManifestError::Io {
                action: "append to",
                path: self.manifest.clone(),
                source,
            });
        }
        self.known_len += line.len() as u64;
        self.fold(&line.as_bytes()[..line.len() - 1])?;
        Ok(entry)
    }

    fn corrupt(&self, line: u64, problem: ChainProblem) -> ManifestError {
        ManifestError::Corrupt {
            manifest: self.manifest.clone(),
            line,
            problem,
        }
    }
}

/// Microseconds since the epoch (0 when the clock is before 1970).
fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
