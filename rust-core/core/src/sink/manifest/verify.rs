//! `verify`: every node manifest below a lineage root checked line by line, and every lineage file
//! checked against the manifests (docs/schema.md, "Manifest and `cdflow verify`").

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufReader};
use std::path::{Path, PathBuf};

use crate::enrich::keyhash::KEY_LEN;

use super::chain::{Chain, read_lines};
use super::entry::{Entry, EntryKind, ManifestKey, RemovalReason};
use super::files::{FoundFile, parquet_files, sha256_file};
use super::{ChainProblem, MANIFEST_DIR, ManifestError, node_of_manifest};

/// Something that does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// A line of a manifest breaks the chain.
    ChainBreak {
        /// The manifest, relative to the root.
        manifest: String,
        /// 1-based line number.
        line: u64,
        /// What is broken.
        problem: ChainProblem,
    },
    /// No line of a manifest has a matching MAC: the key is not the one it was written with, or every
    /// line was rewritten. (Reported once instead of a bad MAC on every line.)
    KeyMismatch {
        /// The manifest, relative to the root.
        manifest: String,
        /// Lines in it.
        lines: u64,
    },
    /// A listed file whose bytes differ from the listing.
    Altered {
        /// The file, relative to the root.
        path: String,
        /// The node whose manifest lists it.
        node: String,
        /// Sequence number of the listing entry.
        seq: u64,
        /// SHA-256 listed.
        listed_sha256: String,
        /// SHA-256 of the file now.
        actual_sha256: String,
        /// Size listed.
        listed_size: u64,
        /// Size now.
        actual_size: u64,
    },
    /// A listed file that is not there (and was not listed as removed).
    Missing {
        /// The file, relative to the root.
        path: String,
        /// The node whose manifest lists it.
        node: String,
        /// Sequence number of the listing entry.
        seq: u64,
    },
    /// A head recorded earlier is not in the chain (the manifest was cut back, replaced or removed).
    HeadNotFound {
        /// The head expected.
        expected: ExpectedHead,
        /// The MAC of the authentic entry with that `seq`, when there is one (another MAC: the chain
        /// was rebuilt from there); `None` when there is none (cut back, or no such manifest).
        found_mac: Option<String>,
    },
    /// A `.parquet` file that no manifest lists.
    Unlisted {
        /// The file, relative to the root.
        path: String,
        /// Its size.
        size: u64,
        /// When a manifest lists it as removed: that node, entry and reason.
        removed: Option<(String, u64, RemovalReason)>,
    },
}

/// A head recorded earlier (`seq` and `mac` of an entry of a node's manifest, e.g. from an earlier
/// report), which must still be in the chain: what detects a manifest cut back, or a lineage restored
/// from an older copy, together with its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedHead {
    /// The node.
    pub node: String,
    /// The entry's sequence number.
    pub seq: u64,
    /// Its MAC.
    pub mac: String,
}

impl ExpectedHead {
    /// Parses `NODE=SEQ:MAC` (as `verify` prints a head).
    pub fn parse(text: &str) -> Result<ExpectedHead, String> {
        let bad = || format!("{text:?} is not NODE=SEQ:MAC (e.g. 10.0.0.1=42:<64 hex digits>)");
        let (node, rest) = text.split_once('=').ok_or_else(bad)?;
        let (seq, mac) = rest.rsplit_once(':').ok_or_else(bad)?;
        let seq = seq.parse::<u64>().map_err(|_| bad())?;
        let hex = mac.len() == super::entry::HEX_LEN
            && mac
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if node.is_empty() || seq == 0 || !hex {
            return Err(bad());
        }
        Ok(ExpectedHead {
            node: node.to_owned(),
            seq,
            mac: mac.to_owned(),
        })
    }
}

impl std::fmt::Display for ExpectedHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}:{}", self.node, self.seq, self.mac)
    }
}

/// Something worth knowing that is not a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A writer found an incomplete last line (a torn write, or a cut) and cut it off.
    Repaired {
        /// The manifest, relative to the root.
        manifest: String,
        /// Line of the `repaired` entry.
        line: u64,
        /// Bytes cut off.
        bytes: u64,
        /// When (µs since the epoch).
        recorded_at_us: i64,
    },
}

/// The last authentic entry of a manifest: record it elsewhere to detect a later cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: u64,
    /// Its MAC.
    pub mac: String,
}

/// One manifest as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSummary {
    /// The node (from the file name).
    pub node: String,
    /// The manifest, relative to the root.
    pub file: String,
    /// Complete lines.
    pub lines: u64,
    /// The last line with a matching MAC, if any.
    pub head: Option<Head>,
    /// Files it lists as added and not removed.
    pub listed_files: u64,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Every manifest, in file-name order.
    pub manifests: Vec<ManifestSummary>,
    /// Files examined: listed files (present or not) plus unlisted `.parquet` files.
    pub files_checked: u64,
    /// Listed files whose bytes match.
    pub files_matched: u64,
    /// What does not verify: chain breaks (per manifest, by line), then files by path.
    pub findings: Vec<Finding>,
    /// Repairs of torn writes.
    pub notes: Vec<Note>,
}

impl VerifyReport {
    /// Every file matches, every chain is intact, and at least one file was checked.
    pub fn passed(&self) -> bool {
        self.findings.is_empty() && self.files_checked > 0
    }
}

/// Checks every `_manifest/node=*.manifest` below `root` with the key derived from `secret`, and every
/// file against them: a listed file must have its listed SHA-256 and size, and every `.parquet` file
/// below the root (outside directories starting with `_` or `.`) must be listed. Errors (unreadable
/// files, an unknown format version, a directory that is no lineage root) stop it; everything that
/// does not verify is a [`Finding`].
pub fn verify(root: &Path, secret: &[u8; KEY_LEN]) -> Result<VerifyReport, ManifestError> {
    verify_expecting(root, secret, &[])
}

/// [`verify`], and each of `heads` must be an authentic entry of its node's manifest
/// ([`Finding::HeadNotFound`] otherwise).
pub fn verify_expecting(
    root: &Path,
    secret: &[u8; KEY_LEN],
    heads: &[ExpectedHead],
) -> Result<VerifyReport, ManifestError> {
    let meta = fs::metadata(root).map_err(ManifestError::io("read", root))?;
    if !meta.is_dir() {
        return Err(ManifestError::NotALineageDir(root.to_owned()));
    }
    let on_disk = parquet_files(root)?;
    let manifests = manifest_files(root)?;
    if manifests.is_none() && on_disk.is_empty() {
        return Err(ManifestError::NotALineageDir(root.to_owned()));
    }
    let on_disk: BTreeMap<&str, &FoundFile> = on_disk
        .iter()
        .map(|found| (found.relative.as_str(), found))
        .collect();
    let key = ManifestKey::derive(secret);
    let mut report = VerifyReport {
        manifests: Vec::new(),
        files_checked: 0,
        files_matched: 0,
        findings: Vec::new(),
        notes: Vec::new(),
    };
    // path → (node, added entry), over every manifest; path → its removal, for files still there.
    let mut listed: BTreeMap<String, Vec<(String, Entry)>> = BTreeMap::new();
    let mut removed: HashMap<String, (String, u64, RemovalReason)> = HashMap::new();
    // (node, seq) of each expected head → the MAC of the authentic entry found there.
    let mut at_seq: HashMap<(String, u64), Option<String>> = heads
        .iter()
        .map(|head| ((head.node.clone(), head.seq), None))
        .collect();
    for (node, path) in manifests.unwrap_or_default() {
        let read = read_manifest(&node, &path, &key, &on_disk, &mut at_seq, &mut report)?;
        for (file, entry) in read.listed {
            listed.entry(file).or_default().push((node.clone(), entry));
        }
        removed.extend(read.removed);
    }
    for head in heads {
        let found_mac = at_seq
            .get(&(head.node.clone(), head.seq))
            .cloned()
            .flatten();
        if found_mac.as_deref() != Some(head.mac.as_str()) {
            report.findings.push(Finding::HeadNotFound {
                expected: head.clone(),
                found_mac,
            });
        }
    }
    check_files(root, &listed, &on_disk, &removed, &mut report)?;
    Ok(report)
}

/// The manifests below the root as (node, path), in name order; `None` without a manifest directory.
fn manifest_files(root: &Path) -> Result<Option<Vec<(String, PathBuf)>>, ManifestError> {
    let dir = root.join(MANIFEST_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ManifestError::io("list", &dir)(source)),
    };
    let mut manifests = Vec::new();
    for entry in entries {
        let entry = entry.map_err(ManifestError::io("list", &dir))?;
        let name = entry.file_name();
        if let Some(node) = name.to_str().and_then(node_of_manifest) {
            manifests.push((node.to_owned(), entry.path()));
        }
    }
    manifests.sort();
    Ok(Some(manifests))
}

/// What one manifest lists.
struct ReadManifest {
    listed: HashMap<String, Entry>,
    removed: HashMap<String, (String, u64, RemovalReason)>,
}

fn read_manifest(
    node: &str,
    path: &Path,
    key: &ManifestKey,
    on_disk: &BTreeMap<&str, &FoundFile>,
    at_seq: &mut HashMap<(String, u64), Option<String>>,
    report: &mut VerifyReport,
) -> Result<ReadManifest, ManifestError> {
    let name = format!(
        "{MANIFEST_DIR}/{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let file = File::open(path).map_err(ManifestError::io("read", path))?;
    // Appenders hold an exclusive lock while they write a line: never read half a line.
    file.lock_shared()
        .map_err(ManifestError::io("lock", path))?;
    let mut chain = Chain::new(key.clone(), node, path);
    let mut read = ReadManifest {
        listed: HashMap::new(),
        removed: HashMap::new(),
    };
    let mut breaks = Vec::new();
    let mut any_mac_ok = false;
    let mut head = None;
    let (_, torn) = read_lines(
        BufReader::with_capacity(64 * 1024, &file),
        |line| {
            let checked = chain.check(line)?;
            any_mac_ok |= checked.mac_ok;
            for problem in &checked.problems {
                breaks.push((checked.line, problem.clone()));
            }
            let Some(entry) = checked.trusted() else {
                return Ok(());
            };
            head = Some(Head {
                seq: entry.seq,
                mac: entry.mac.clone(),
            });
            if let Some(found) = at_seq.get_mut(&(node.to_owned(), entry.seq)) {
                *found = Some(entry.mac.clone());
            }
            apply(entry, checked.line, &name, on_disk, &mut read, report);
            Ok(())
        },
        path,
    )?;
    let _ = file.unlock();
    let lines = chain.lines;
    if lines > 0 && !any_mac_ok {
        breaks.retain(|(_, problem)| *problem != ChainProblem::BadMac);
        report.findings.push(Finding::KeyMismatch {
            manifest: name.clone(),
            lines,
        });
    }
    if !torn.is_empty() {
        breaks.push((
            lines + 1,
            ChainProblem::TruncatedLine {
                bytes: torn.len() as u64,
            },
        ));
    }
    report.findings.extend(
        breaks
            .into_iter()
            .map(|(line, problem)| Finding::ChainBreak {
                manifest: name.clone(),
                line,
                problem,
            }),
    );
    report.manifests.push(ManifestSummary {
        node: node.to_owned(),
        file: name,
        lines,
        head,
        listed_files: read.listed.len() as u64,
    });
    Ok(read)
}

/// Applies one authentic entry to what the manifest lists.
fn apply(
    entry: &Entry,
    line: u64,
    manifest: &str,
    on_disk: &BTreeMap<&str, &FoundFile>,
    read: &mut ReadManifest,
    report: &mut VerifyReport,
) {
    match (entry.kind, &entry.path) {
        (EntryKind::Added, Some(path)) => {
            read.removed.remove(path);
            read.listed.insert(path.clone(), entry.clone());
        }
        (EntryKind::Removed, Some(path)) => {
            read.listed.remove(path);
            if let (Some(reason), true) = (entry.reason, on_disk.contains_key(path.as_str())) {
                read.removed
                    .insert(path.clone(), (entry.node.clone(), entry.seq, reason));
            }
        }
        (EntryKind::Repaired, _) => report.notes.push(Note::Repaired {
            manifest: manifest.to_owned(),
            line,
            bytes: entry.size.unwrap_or(0),
            recorded_at_us: entry.recorded_at_us,
        }),
        _ => {}
    }
}

fn check_files(
    root: &Path,
    listed: &BTreeMap<String, Vec<(String, Entry)>>,
    on_disk: &BTreeMap<&str, &FoundFile>,
    removed: &HashMap<String, (String, u64, RemovalReason)>,
    report: &mut VerifyReport,
) -> Result<(), ManifestError> {
    let mut files = Vec::new();
    for (path, listings) in listed {
        let file = root.join(path);
        let actual = match sha256_file(&file) {
            Ok(actual) => Some(actual),
            Err(error) if error.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(ManifestError::io("read", &file)(source)),
        };
        for (node, entry) in listings {
            report.files_checked += 1;
            let listed_sha256 = entry.sha256.clone().unwrap_or_default();
            let listed_size = entry.size.unwrap_or(0);
            match &actual {
                None => files.push(Finding::Missing {
                    path: path.clone(),
                    node: node.clone(),
                    seq: entry.seq,
                }),
                Some((sha256, size)) if *sha256 == listed_sha256 && *size == listed_size => {
                    report.files_matched += 1;
                }
                Some((sha256, size)) => files.push(Finding::Altered {
                    path: path.clone(),
                    node: node.clone(),
                    seq: entry.seq,
                    listed_sha256,
                    actual_sha256: sha256.clone(),
                    listed_size,
                    actual_size: *size,
                }),
            }
        }
    }
    for (path, found) in on_disk {
        if listed.contains_key(*path) {
            continue;
        }
        report.files_checked += 1;
        let size = fs::metadata(&found.path)
            .map_err(ManifestError::io("read", &found.path))?
            .len();
        files.push(Finding::Unlisted {
            path: (*path).to_owned(),
            size,
            removed: removed.get(*path).cloned(),
        });
    }
    files.sort_by(|a, b| file_of(a).cmp(file_of(b)));
    report.findings.extend(files);
    Ok(())
}

fn file_of(finding: &Finding) -> &str {
    match finding {
        Finding::Altered { path, .. }
        | Finding::Missing { path, .. }
        | Finding::Unlisted { path, .. } => path,
        Finding::ChainBreak { manifest, .. } | Finding::KeyMismatch { manifest, .. } => manifest,
        Finding::HeadNotFound { expected, .. } => &expected.node,
    }
}
