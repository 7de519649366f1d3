//! The manifest through its public API: the chain, idempotent appends, the lock, several appenders
//! (threads and processes) on one manifest, torn writes, and what `verify` finds.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::*;
use crate::enrich::keyhash::KEY_LEN;

const SECRET: [u8; KEY_LEN] = [0x5a; KEY_LEN];
const NODE: &str = "10.0.0.1";

/// A lineage root in a temporary directory (removed on drop).
struct Root(tempfile::TempDir);

impl Root {
    fn new(name: &str) -> Root {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cdflow-manifest-{name}-"))
            .tempdir()
            .unwrap();
        Root(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Writes a lineage file `events/node=<node>/date=2026-11-25/<name>` and returns its path.
    fn file(&self, node: &str, name: &str, bytes: &[u8]) -> PathBuf {
        let dir = self
            .path()
            .join(format!("events/node={node}/date=2026-11-25"));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    fn relative(&self, path: &Path) -> String {
        relative_path(self.path(), path).unwrap()
    }

    fn manifest(&self) -> PathBuf {
        manifest_path(self.path(), NODE)
    }

    fn lines(&self) -> Vec<String> {
        fs::read_to_string(self.manifest())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn parse(line: &str) -> serde_json::Value {
    serde_json::from_str(line).unwrap()
}

#[test]
fn entries_form_one_chain_and_verify_passes() {
    let root = Root::new("chain");
    let a = root.file(NODE, "part-a.parquet", b"file a");
    let b = root.file(NODE, "part-b.parquet", b"file bb");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    assert_eq!(writer.head(), (0, FIRST_PREV_MAC.to_owned()));
    let first = writer.append_added(&a, 10, Some((100, 200))).unwrap();
    let second = writer.append_added(&b, 20, None).unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert_eq!(first.prev_mac, FIRST_PREV_MAC);
    assert_eq!(second.prev_mac, first.mac);
    assert_eq!(writer.head(), (2, second.mac.clone()));
    assert_eq!(
        first.path.as_deref(),
        Some("events/node=10.0.0.1/date=2026-11-25/part-a.parquet")
    );
    assert_eq!(
        first.sha256.as_deref(),
        Some(super::files::sha256_bytes(b"file a").as_str())
    );
    assert_eq!(
        (
            first.size,
            first.rows,
            first.min_event_time_us,
            first.max_event_time_us
        ),
        (Some(6), Some(10), Some(100), Some(200))
    );
    assert_eq!(first.node, NODE);
    assert_eq!(
        root.manifest(),
        root.path().join("_manifest/node=10.0.0.1.manifest")
    );

    let lines = root.lines();
    assert_eq!(lines.len(), 2);
    let json = parse(&lines[1]);
    assert_eq!(json["seq"], 2);
    assert_eq!(json["kind"], "added");
    assert_eq!(json["mac"], second.mac);
    assert_eq!(json["prev_mac"], first.mac);
    assert_eq!(json["min_event_time_us"], serde_json::Value::Null);

    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(report.findings, []);
    assert_eq!(report.notes, []);
    assert_eq!((report.files_checked, report.files_matched), (2, 2));
    assert!(report.passed());
    assert_eq!(
        report.manifests,
        [ManifestSummary {
            node: NODE.into(),
            file: "_manifest/node=10.0.0.1.manifest".into(),
            lines: 2,
            head: Some(Head {
                seq: 2,
                mac: second.mac.clone()
            }),
            listed_files: 2,
        }]
    );

    // A second writer (a restart) continues the chain.
    drop(writer);
    let mut reopened = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    assert_eq!(reopened.head(), (2, second.mac.clone()));
    let removed = reopened
        .append_removed(&a, RemovalReason::Retention)
        .unwrap()
        .unwrap();
    assert_eq!(
        (removed.seq, removed.prev_mac.as_str()),
        (3, second.mac.as_str())
    );
    assert_eq!(parse(&root.lines()[2])["reason"], "retention");
    fs::remove_file(&a).unwrap();
    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(report.findings, []);
    assert_eq!((report.files_checked, report.files_matched), (1, 1));
}

#[test]
fn appends_are_idempotent_per_path_and_a_changed_file_conflicts() {
    let root = Root::new("idempotent");
    let a = root.file(NODE, "part-a.parquet", b"file a");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    assert!(!writer.is_listed(&a).unwrap());
    let first = writer.append_added(&a, 1, None).unwrap();
    assert!(writer.is_listed(&a).unwrap());
    // A redo: same path, same bytes → the same entry, nothing appended.
    assert_eq!(writer.append_added(&a, 1, None).unwrap(), first);
    let mut other = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    assert_eq!(other.append_added(&a, 1, None).unwrap(), first);
    assert_eq!(root.lines().len(), 1);

    fs::write(&a, b"file A").unwrap();
    match writer.append_added(&a, 1, None) {
        Err(ManifestError::Conflict {
            path,
            seq,
            listed_sha256,
            actual_sha256,
        }) => {
            assert_eq!(path, root.relative(&a));
            assert_eq!(seq, 1);
            assert_eq!(listed_sha256, super::files::sha256_bytes(b"file a"));
            assert_eq!(actual_sha256, super::files::sha256_bytes(b"file A"));
        }
        other => panic!("{other:?}"),
    }

    let removed = writer
        .append_removed(&a, RemovalReason::DeleteOldest)
        .unwrap();
    assert_eq!(removed.map(|entry| entry.seq), Some(2));
    assert_eq!(
        writer
            .append_removed(&a, RemovalReason::DeleteOldest)
            .unwrap(),
        None
    );
    assert_eq!(
        other.append_removed(&a, RemovalReason::Retention).unwrap(),
        None
    );
    assert!(!other.is_listed(&a).unwrap());
    let never = root.file(NODE, "part-never.parquet", b"x");
    assert_eq!(
        writer
            .append_removed(&never, RemovalReason::Retention)
            .unwrap(),
        None
    );
    // Listed again after its removal: a new entry.
    assert_eq!(other.append_added(&a, 1, None).unwrap().seq, 3);
    assert_eq!(root.lines().len(), 3);
    assert_eq!(parse(&root.lines()[1])["reason"], "delete_oldest");

    let outside = std::env::temp_dir().join("cdflow-not-below-root.parquet");
    assert!(matches!(
        writer.append_added(&outside, 1, None),
        Err(ManifestError::BadPath {
            why: "it is not below the lineage root",
            ..
        })
    ));
}

#[test]
fn two_threads_with_their_own_writers_keep_one_chain() {
    let root = Root::new("threads");
    let per_thread = 40;
    let handles: Vec<_> = ["t1", "t2"]
        .into_iter()
        .map(|prefix| {
            let files: Vec<PathBuf> = (0..per_thread)
                .map(|i| {
                    root.file(
                        NODE,
                        &format!("part-{prefix}-{i}.parquet"),
                        prefix.as_bytes(),
                    )
                })
                .collect();
            let dir = root.path().to_path_buf();
            std::thread::spawn(move || {
                let mut writer = ManifestWriter::open(&dir, NODE, &SECRET).unwrap();
                for file in &files {
                    writer.append_added(file, 1, None).unwrap();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_one_chain(&root, 2 * per_thread);
}

/// Checks that the manifest holds `n` entries with seq 1..=n and that `verify` passes.
fn assert_one_chain(root: &Root, n: usize) {
    let lines = root.lines();
    assert_eq!(lines.len(), n);
    let seqs: Vec<u64> = lines
        .iter()
        .map(|line| parse(line)["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=n as u64).collect::<Vec<_>>());
    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(report.findings, []);
    assert_eq!(report.files_checked, n as u64);
    assert_eq!(report.files_matched, n as u64);
}

const CHILD_ENV: &str = "CDFLOW_MANIFEST_TEST_CHILD";

/// Run by `two_processes_keep_one_chain` in a child process: appends the files named in the
/// environment. Does nothing in a normal test run.
#[test]
fn child_appends_files() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (dir, files) = spec.split_once('|').unwrap();
    let mut writer = ManifestWriter::open(Path::new(dir), NODE, &SECRET).unwrap();
    for file in files.split('|') {
        writer.append_added(Path::new(file), 1, None).unwrap();
    }
}

#[test]
fn two_processes_keep_one_chain() {
    let root = Root::new("processes");
    let per_process = 40;
    // the test harness names tests by module path without the crate: survives a move of this module
    let (_crate, module) = module_path!().split_once("::").unwrap();
    let child_test_name = format!("{module}::child_appends_files");
    let children: Vec<_> = ["p1", "p2"]
        .into_iter()
        .map(|prefix| {
            let files: Vec<String> = (0..per_process)
                .map(|i| {
                    root.file(
                        NODE,
                        &format!("part-{prefix}-{i}.parquet"),
                        prefix.as_bytes(),
                    )
                    .display()
                    .to_string()
                })
                .collect();
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", &child_test_name, "--test-threads=1"])
                .env(
                    CHILD_ENV,
                    format!("{}|{}", root.path().display(), files.join("|")),
                )
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    assert_one_chain(&root, 2 * per_process);
}

#[test]
fn an_append_waits_for_the_lock() {
    let root = Root::new("lock");
    let a = root.file(NODE, "part-a.parquet", b"a");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    let holder = File::open(root.manifest()).unwrap();
    holder.lock().unwrap();
    let (done, finished) = mpsc::channel();
    let appender = std::thread::spawn(move || {
        let entry = writer.append_added(&a, 1, None).unwrap();
        done.send(entry.seq).unwrap();
    });
    assert_eq!(
        finished.recv_timeout(Duration::from_millis(300)),
        Err(mpsc::RecvTimeoutError::Timeout)
    );
    assert_eq!(root.lines().len(), 0);
    holder.unlock().unwrap();
    assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok(1));
    appender.join().unwrap();
}

#[test]
fn a_torn_last_line_is_reported_then_cut_off_and_recorded() {
    let root = Root::new("torn");
    let a = root.file(NODE, "part-a.parquet", b"a");
    let b = root.file(NODE, "part-b.parquet", b"b");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    writer.append_added(&a, 1, None).unwrap();
    drop(writer);
    let torn = b"{\"v\":1,\"seq\":2,\"node\":\"10.0.";
    OpenOptions::new()
        .append(true)
        .open(root.manifest())
        .unwrap()
        .write_all(torn)
        .unwrap();

    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(
        report.findings,
        [
            Finding::ChainBreak {
                manifest: "_manifest/node=10.0.0.1.manifest".into(),
                line: 2,
                problem: ChainProblem::TruncatedLine {
                    bytes: torn.len() as u64
                },
            },
            Finding::Unlisted {
                path: root.relative(&b),
                size: 1,
                removed: None
            },
        ]
    );

    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    let lines = root.lines();
    assert_eq!(lines.len(), 2);
    let repaired = parse(&lines[1]);
    assert_eq!(repaired["kind"], "repaired");
    assert_eq!(repaired["seq"], 2);
    assert_eq!(repaired["size"], torn.len());
    assert_eq!(repaired["sha256"], super::files::sha256_bytes(torn));
    assert_eq!(repaired["path"], serde_json::Value::Null);
    assert_eq!(writer.append_added(&b, 1, None).unwrap().seq, 3);

    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(report.findings, []);
    assert!(report.passed());
    assert!(matches!(
        report.notes.as_slice(),
        [Note::Repaired { line: 2, bytes, .. }] if *bytes == torn.len() as u64
    ));
}

#[test]
fn nothing_is_appended_to_a_broken_chain() {
    let root = Root::new("broken");
    let a = root.file(NODE, "part-a.parquet", b"a");
    let b = root.file(NODE, "part-b.parquet", b"b");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    writer.append_added(&a, 1, None).unwrap();
    let text = fs::read_to_string(root.manifest()).unwrap();
    fs::write(root.manifest(), text.replace("\"rows\":1,", "\"rows\":2,")).unwrap();
    match ManifestWriter::open(root.path(), NODE, &SECRET) {
        Err(ManifestError::Corrupt {
            line: 1,
            problem: ChainProblem::BadMac,
            manifest,
        }) => assert_eq!(manifest, root.manifest()),
        other => panic!("{other:?}"),
    }
    // The open writer had read line 1 before it changed: it does not reread it, but it sees the
    // manifest did not grow; a shrunk manifest is refused.
    fs::write(root.manifest(), "").unwrap();
    assert!(matches!(
        writer.append_added(&b, 1, None),
        Err(ManifestError::Shrunk { now: 0, .. })
    ));
    assert_eq!(fs::read_to_string(root.manifest()).unwrap(), "");
}

#[test]
fn verify_names_altered_missing_unlisted_and_removed_files() {
    let root = Root::new("files");
    let altered = root.file(NODE, "part-altered.parquet", b"original");
    let missing = root.file(NODE, "part-missing.parquet", b"gone");
    let fine = root.file(NODE, "part-fine.parquet", b"fine");
    let retired = root.file(NODE, "part-retired.parquet", b"retired");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    let altered_entry = writer.append_added(&altered, 1, None).unwrap();
    let missing_entry = writer.append_added(&missing, 1, None).unwrap();
    writer.append_added(&fine, 1, None).unwrap();
    writer.append_added(&retired, 1, None).unwrap();
    let removal = writer
        .append_removed(&retired, RemovalReason::Retention)
        .unwrap()
        .unwrap();
    fs::write(&altered, b"Original").unwrap();
    fs::remove_file(&missing).unwrap();
    let unlisted = root.file("10.0.0.9", "part-x.parquet", b"slipped in");
    // Not lineage files: hidden and underscore directories, in-progress files.
    root.file(NODE, ".part-y.parquet.inprogress", b"writing");
    fs::create_dir_all(root.path().join("_journal")).unwrap();
    fs::write(root.path().join("_journal/seg.parquet"), b"j").unwrap();

    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(
        report.findings,
        [
            Finding::Altered {
                path: root.relative(&altered),
                node: NODE.into(),
                seq: altered_entry.seq,
                listed_sha256: super::files::sha256_bytes(b"original"),
                actual_sha256: super::files::sha256_bytes(b"Original"),
                listed_size: 8,
                actual_size: 8,
            },
            Finding::Missing {
                path: root.relative(&missing),
                node: NODE.into(),
                seq: missing_entry.seq,
            },
            Finding::Unlisted {
                path: root.relative(&retired),
                size: 7,
                removed: Some((NODE.into(), removal.seq, RemovalReason::Retention)),
            },
            Finding::Unlisted {
                path: root.relative(&unlisted),
                size: 10,
                removed: None,
            },
        ]
    );
    assert_eq!((report.files_checked, report.files_matched), (5, 1));
    assert!(!report.passed());

    // A listed file replaced by something that is not a regular file stops the check, naming it.
    fs::remove_file(&fine).unwrap();
    fs::create_dir(&fine).unwrap();
    let error = verify(root.path(), &SECRET).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("cannot read {}: not a regular file", fine.display())
    );
}

#[test]
fn verify_names_every_break_in_the_chain() {
    let root = Root::new("breaks");
    let files: Vec<PathBuf> = (0..5)
        .map(|i| root.file(NODE, &format!("part-{i}.parquet"), &[i]))
        .collect();
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    for file in &files {
        writer.append_added(file, 1, None).unwrap();
    }
    let lines = root.lines();
    let name = "_manifest/node=10.0.0.1.manifest".to_owned();
    let write_lines = |lines: &[&str]| {
        fs::write(
            root.manifest(),
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap()
    };
    let line: Vec<&str> = lines.iter().map(String::as_str).collect();

    // Line 3 removed: line 4 (now the third) no longer links, and its seq jumps.
    write_lines(&[line[0], line[1], line[3], line[4]]);
    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(
        report.findings,
        [
            Finding::ChainBreak {
                manifest: name.clone(),
                line: 3,
                problem: ChainProblem::PrevMismatch
            },
            Finding::ChainBreak {
                manifest: name.clone(),
                line: 3,
                problem: ChainProblem::SequenceGap {
                    expected: 3,
                    found: 4
                }
            },
            Finding::Unlisted {
                path: root.relative(&files[2]),
                size: 1,
                removed: None
            },
        ]
    );

    // Two lines swapped.
    write_lines(&[line[0], line[2], line[1], line[3], line[4]]);
    let problems: Vec<(u64, ChainProblem)> = verify(root.path(), &SECRET)
        .unwrap()
        .findings
        .into_iter()
        .map(|finding| match finding {
            Finding::ChainBreak { line, problem, .. } => (line, problem),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        problems,
        [
            (2, ChainProblem::PrevMismatch),
            (
                2,
                ChainProblem::SequenceGap {
                    expected: 2,
                    found: 3
                }
            ),
            (3, ChainProblem::PrevMismatch),
            (
                3,
                ChainProblem::SequenceGap {
                    expected: 4,
                    found: 2
                }
            ),
            (4, ChainProblem::PrevMismatch),
            (
                4,
                ChainProblem::SequenceGap {
                    expected: 3,
                    found: 4
                }
            ),
        ]
    );

    // A line edited, and a line replaced by garbage.
    let edited = line[1].replace("\"rows\":1,", "\"rows\":9,");
    write_lines(&[line[0], &edited, "garbage", line[3], line[4]]);
    let findings = verify(root.path(), &SECRET).unwrap().findings;
    assert_eq!(
        findings[..2],
        [
            Finding::ChainBreak {
                manifest: name.clone(),
                line: 2,
                problem: ChainProblem::BadMac
            },
            Finding::ChainBreak {
                manifest: name.clone(),
                line: 3,
                problem: ChainProblem::Malformed {
                    what: "7 bytes that do not end in a \"mac\" member".into()
                }
            },
        ]
    );
    // The entries of lines 2 and 3 are not trusted: their files are unlisted.
    assert_eq!(findings.len(), 4, "{findings:?}");

    // The last two lines cut off: their files are unlisted (cut them too and nothing shows: docs).
    write_lines(&[line[0], line[1], line[2]]);
    let findings = verify(root.path(), &SECRET).unwrap().findings;
    assert_eq!(
        findings,
        [3, 4].map(|i| Finding::Unlisted {
            path: root.relative(&files[i]),
            size: 1,
            removed: None
        })
    );

    // The manifest renamed to another node's.
    write_lines(&line);
    fs::rename(root.manifest(), manifest_path(root.path(), "10.0.0.2")).unwrap();
    let findings = verify(root.path(), &SECRET).unwrap().findings;
    assert_eq!(findings.len(), 5 + 5, "{findings:?}");
    assert_eq!(
        findings[0],
        Finding::ChainBreak {
            manifest: "_manifest/node=10.0.0.2.manifest".into(),
            line: 1,
            problem: ChainProblem::WrongNode { found: NODE.into() }
        }
    );
}

#[test]
fn verify_with_another_key_reports_one_key_mismatch_per_manifest() {
    let root = Root::new("key");
    let a = root.file(NODE, "part-a.parquet", b"a");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    writer.append_added(&a, 1, None).unwrap();
    let report = verify(root.path(), &[1; KEY_LEN]).unwrap();
    assert_eq!(
        report.findings,
        [
            Finding::KeyMismatch {
                manifest: "_manifest/node=10.0.0.1.manifest".into(),
                lines: 1
            },
            Finding::Unlisted {
                path: root.relative(&a),
                size: 1,
                removed: None
            },
        ]
    );
    assert_eq!(report.manifests[0].head, None);
}

#[test]
fn verify_errors_on_no_lineage_dir_and_unknown_versions() {
    let root = Root::new("errors");
    assert!(matches!(
        verify(root.path(), &SECRET),
        Err(ManifestError::NotALineageDir(dir)) if dir == root.path()
    ));
    // A manifest directory with an empty manifest: a lineage root where nothing was checked.
    let a = root.file(NODE, "part-a.parquet", b"a");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    fs::remove_file(&a).unwrap();
    let report = verify(root.path(), &SECRET).unwrap();
    assert_eq!(report.findings, []);
    assert_eq!(report.files_checked, 0);
    assert!(!report.passed());

    let a = root.file(NODE, "part-a.parquet", b"a");
    writer.append_added(&a, 1, None).unwrap();
    // An authentic line of another version (a newer cdflow) is an error; a forged one a bad MAC.
    let mut entry = writer.append_added(&a, 1, None).unwrap();
    entry.v = 2;
    entry.seq = 2;
    entry.prev_mac = entry.mac.clone();
    let line = entry.seal(&ManifestKey::derive(&SECRET));
    let text = fs::read_to_string(root.manifest()).unwrap();
    fs::write(root.manifest(), format!("{text}{line}")).unwrap();
    assert!(matches!(
        verify(root.path(), &SECRET),
        Err(ManifestError::UnknownVersion {
            line: 2,
            version: 2,
            ..
        })
    ));
    fs::write(root.manifest(), text.replace("{\"v\":1,", "{\"v\":2,")).unwrap();
    // (Its only line fails the MAC: reported as a key mismatch.)
    assert_eq!(
        verify(root.path(), &SECRET).unwrap().findings[0],
        Finding::KeyMismatch {
            manifest: "_manifest/node=10.0.0.1.manifest".into(),
            lines: 1
        }
    );
}

#[test]
fn an_expected_head_finds_a_chain_cut_back_and_rebuilt() {
    let root = Root::new("head");
    let a = root.file(NODE, "part-a.parquet", b"a");
    let b = root.file(NODE, "part-b.parquet", b"b");
    let c = root.file(NODE, "part-c.parquet", b"c");
    let mut writer = ManifestWriter::open(root.path(), NODE, &SECRET).unwrap();
    writer.append_added(&a, 1, None).unwrap();
    let second = writer.append_added(&b, 1, None).unwrap();
    let head = ExpectedHead {
        node: NODE.into(),
        seq: 2,
        mac: second.mac.clone(),
    };
    let text = head.to_string();
    assert_eq!(text, format!("10.0.0.1=2:{}", second.mac));
    assert_eq!(ExpectedHead::parse(&text), Ok(head.clone()));
    let v6 = format!("[::1]=3:{}", second.mac);
    assert_eq!(ExpectedHead::parse(&v6).unwrap().node, "[::1]");
    for bad in ["10.0.0.1=2", "10.0.0.1=x:ab", "=2:ab", "10.0.0.1=0:ab"] {
        assert!(ExpectedHead::parse(bad).is_err(), "{bad}");
    }
    fs::remove_file(&c).unwrap();
    let passed = verify_expecting(root.path(), &SECRET, std::slice::from_ref(&head)).unwrap();
    assert_eq!(passed.findings, []);

    // Cut back to line 1 with its file, then a key holder appends another file as entry 2.
    drop(writer);
    let first_line = format!("{}\n", root.lines()[0]);
    fs::write(root.manifest(), first_line).unwrap();
    fs::remove_file(&b).unwrap();
    let c = root.file(NODE, "part-c.parquet", b"c");
    let rebuilt = ManifestWriter::open(root.path(), NODE, &SECRET)
        .unwrap()
        .append_added(&c, 1, None)
        .unwrap();
    assert_eq!(verify(root.path(), &SECRET).unwrap().findings, []);
    let report = verify_expecting(root.path(), &SECRET, std::slice::from_ref(&head)).unwrap();
    assert_eq!(
        report.findings,
        [Finding::HeadNotFound {
            expected: head.clone(),
            found_mac: Some(rebuilt.mac)
        }]
    );
    let elsewhere = ExpectedHead {
        node: "10.0.0.7".into(),
        ..head
    };
    let report = verify_expecting(root.path(), &SECRET, std::slice::from_ref(&elsewhere)).unwrap();
    assert_eq!(
        report.findings,
        [Finding::HeadNotFound {
            expected: elsewhere,
            found_mac: None
        }]
    );
}
