//! Recovery: what a crashed run left in its journal becomes Parquet before anything new is written.
//!
//! Order (every step idempotent, so a crash during recovery is recovered by the next one):
//! 1. adopt every journal directory whose lock no live process holds;
//! 2. redo their commit records (publish listed files, delete their segments);
//! 3. remove the stray `.inprogress` files of the dead processes (never those of a live one);
//! 4. replay each remaining segment through a writer whose files carry `cdflow.recovered = true`,
//!    publishing them with the usual commit (so the segment is deleted only once they are visible);
//! 5. write one `agent_stats` row for the crashed run (its last journaled counters, `written` raised by
//!    the rows recovered) and remove the directory.
//!
//! A segment that ends in a torn record (power loss before fsync) is replayed up to that record; what
//! follows is reported (logged and in [`RecoveryReport::torn_tails`]), never guessed at.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::civil_time::now_unix_micros;
use crate::config::CoreConfig;
use crate::decode::strings::StringTable;
use crate::enrich::identity::IdentityMap;
use crate::enrich::keyhash::PartitionKeyHasher;
use crate::journal::commit::redo;
use crate::journal::instance::{JOURNAL_DIR, JournalDir, journal_dirs, pid_of};
use crate::journal::segment::{CountersRecord, Record, SEGMENT_HEADER_BYTES, SegmentBytes};
use crate::log::RateLimitedLog;
use crate::sink::layout::{is_in_progress_name, table_files};
use crate::sink::writer::{PublishHook, QueuedBatch, Shared, Writer, WriterSetup};
use crate::stats::{Counters, CountersSnapshot};
use crate::tables::stats_rows::StatsRow;

/// What a recovery did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Journal directories of crashed runs recovered.
    pub journals: usize,
    /// Commit records redone.
    pub commits_redone: usize,
    /// Segments replayed.
    pub segments: usize,
    /// Event rows made visible (by redone commits and by replay).
    pub rows: u64,
    /// Event-row files made visible.
    pub files: u64,
    /// Stray `.inprogress` files removed.
    pub stray_files_removed: usize,
    /// Segments that ended in a torn or corrupt record: `path: why`.
    pub torn_tails: Vec<String>,
    /// Problems that left something behind (for the log).
    pub errors: Vec<String>,
}

impl RecoveryReport {
    /// What happened, one line each: the totals, then each torn tail, then each thing left behind (the
    /// node's log and `cdflow recover` print the same lines).
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "recovered {} rows in {} files from {} crashed run(s): {} journal segments replayed, {} commits redone, {} stray in-progress files removed",
            self.rows,
            self.files,
            self.journals,
            self.segments,
            self.commits_redone,
            self.stray_files_removed
        )];
        lines.extend(
            self.torn_tails
                .iter()
                .map(|tail| format!("torn journal tail ignored (power loss before fsync): {tail}")),
        );
        lines.extend(
            self.errors
                .iter()
                .map(|error| format!("left behind: {error}")),
        );
        lines
    }
}

/// Everything recovery needs besides the lineage root.
pub struct RecoveryContext<'a> {
    /// Options of the running core (a crashed run's own options are used when it recorded them).
    pub config: &'a CoreConfig,
    /// The partition-key secret.
    pub key: [u8; 16],
    /// The identity map of the running core.
    pub identities: &'a IdentityMap,
    /// The running core's counters: recovered rows are added to `written`, `files`, `recovered_rows`.
    pub counters: &'a Arc<Counters>,
    /// The log.
    pub log: &'a Arc<RateLimitedLog>,
    /// This process's own journal directory (never adopted).
    pub own: Option<&'a Path>,
    /// Called with each published file (the manifest).
    pub on_published: Option<PublishHook>,
}

/// Recovers every crashed run's journal under `context.config.output`.
pub fn recover(context: &RecoveryContext<'_>) -> RecoveryReport {
    let root = context.config.output.clone();
    let mut report = RecoveryReport::default();
    let dirs = match journal_dirs(&root) {
        Ok(dirs) => dirs,
        Err(error) => {
            report.errors.push(format!(
                "cannot list {}: {error}",
                root.join(JOURNAL_DIR).display()
            ));
            return report;
        }
    };
    let mut adopted = Vec::new();
    let mut live_pids = BTreeSet::from([std::process::id()]);
    for dir in dirs {
        if context.own == Some(dir.as_path()) {
            continue;
        }
        match JournalDir::adopt(&dir, &context.config.file_modes) {
            Ok(Some(journal)) => adopted.push(journal),
            Ok(None) => live_pids.extend(pid_of(&dir)),
            Err(error) => report
                .errors
                .push(format!("cannot lock {}: {error}", dir.display())),
        }
    }
    if adopted.is_empty() {
        return report;
    }
    for journal in &adopted {
        redo_commits(journal, context, &mut report);
    }
    let dead_pids: BTreeSet<u32> = adopted
        .iter()
        .filter_map(JournalDir::pid)
        .filter(|pid| !live_pids.contains(pid))
        .collect();
    report.stray_files_removed = remove_strays(&root, &dead_pids);
    for journal in adopted {
        replay(journal, context, &mut report);
        report.journals += 1;
    }
    report
}

fn redo_commits(journal: &JournalDir, context: &RecoveryContext<'_>, report: &mut RecoveryReport) {
    let records = match journal.commit_records() {
        Ok(records) => records,
        Err(error) => {
            report
                .errors
                .push(format!("{}: {error}", journal.path().display()));
            return;
        }
    };
    for record in records {
        match redo(&record) {
            Ok(outcome) => {
                report.commits_redone += 1;
                let (rows, files) = (outcome.written_rows(), outcome.written_files());
                report.rows += rows;
                report.files += files;
                Counters::add(&context.counters.written, rows);
                Counters::add(&context.counters.files, files);
                Counters::add(&context.counters.recovered_rows, rows);
                Counters::add(&context.counters.dropped_write_failed, outcome.lost_rows);
                report.errors.extend(outcome.errors);
                if let Some(hook) = &context.on_published {
                    for (file, _) in &outcome.published {
                        hook(&file.path, file.rows);
                    }
                }
            }
            Err(error) => report.errors.push(error.to_string()),
        }
    }
}

/// Removes `.part-<start>-<pid>-<seq>.parquet.inprogress` files of the given pids.
fn remove_strays(root: &Path, pids: &BTreeSet<u32>) -> usize {
    if pids.is_empty() {
        return 0;
    }
    let mut removed = 0;
    for (path, _) in table_files(root) {
        let stray = path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| {
                is_in_progress_name(name)
                    && in_progress_pid(name).is_some_and(|pid| pids.contains(&pid))
            });
        if stray && fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The pid in `.part-<start>-<pid>-<seq>.parquet.inprogress`.
fn in_progress_pid(name: &str) -> Option<u32> {
    let mut parts = name.strip_prefix(".part-")?.split('-');
    let _start = parts.next()?;
    parts.next()?.parse().ok()
}

/// The options a crashed run recorded, with `output` forced to the root being recovered.
fn options_of(journal: &JournalDir, fallback: &CoreConfig) -> CoreConfig {
    let mut pairs = match journal.options() {
        Ok(pairs) if !pairs.is_empty() => pairs,
        _ => return fallback.clone(),
    };
    pairs.retain(|(key, _)| key != "output");
    pairs.push((
        "output".to_owned(),
        fallback.output.to_string_lossy().into_owned(),
    ));
    CoreConfig::from_pairs(&pairs).unwrap_or_else(|_| fallback.clone())
}

fn replay(journal: JournalDir, context: &RecoveryContext<'_>, report: &mut RecoveryReport) {
    let segments = match journal.segments() {
        Ok(segments) => segments,
        Err(error) => {
            report
                .errors
                .push(format!("{}: {error}", journal.path().display()));
            return;
        }
    };
    if !segments.is_empty() {
        let config = options_of(&journal, context.config);
        let counters = Arc::new(Counters::default());
        let shared = Shared {
            strings: Arc::new(StringTable::new()),
            counters: Arc::clone(&counters),
            facts: Arc::default(),
            log: Arc::clone(context.log),
            on_published: context.on_published.clone(),
        };
        let strings = Arc::clone(&shared.strings);
        let mut writer = Writer::new(
            &config,
            shared,
            PartitionKeyHasher::new(context.key),
            context.identities.clone(),
            now_unix_micros(),
            WriterSetup {
                journal_dir: journal.path().to_owned(),
                recovered: true,
            },
        );
        let mut last_counters = None;
        for segment in &segments {
            if replay_segment(segment, &strings, &mut writer, &mut last_counters, report) {
                writer.checkpoint(Some(segment));
                report.segments += 1;
            }
        }
        let recovered = counters.snapshot();
        if let Some(last) = last_counters {
            writer.append_given_stats_row(&crashed_run_row(&last, &recovered, writer.last_node()));
        }
        writer.finish();
        let recovered = counters.snapshot();
        report.rows += recovered.written;
        report.files += recovered.files;
        Counters::add(&context.counters.written, recovered.written);
        Counters::add(&context.counters.files, recovered.files);
        Counters::add(&context.counters.recovered_rows, recovered.written);
        Counters::add(
            &context.counters.dropped_write_failed,
            counters
                .dropped_write_failed
                .load(std::sync::atomic::Ordering::Relaxed),
        );
    }
    let path = journal.path().to_owned();
    match journal.remove_if_done() {
        Ok(true) => {}
        Ok(false) => report.errors.push(format!(
            "{} still holds segments or commit records (kept for the next recovery)",
            path.display()
        )),
        Err(error) => report
            .errors
            .push(format!("cannot remove {}: {error}", path.display())),
    }
}

/// Feeds one segment to the writer; false (and the segment kept) when it cannot be read at all.
fn replay_segment(
    segment: &Path,
    strings: &StringTable,
    writer: &mut Writer,
    last_counters: &mut Option<CountersRecord>,
    report: &mut RecoveryReport,
) -> bool {
    let bytes = match SegmentBytes::read(segment) {
        Ok(bytes) => bytes,
        Err(error) => {
            report.errors.push(error.to_string());
            return false;
        }
    };
    let records = match bytes.records() {
        Ok(records) => records,
        Err(error) => {
            // A segment created just before the crash may not even hold its header: nothing in it.
            if fs::metadata(segment).is_ok_and(|meta| meta.len() < SEGMENT_HEADER_BYTES as u64) {
                return true;
            }
            report.errors.push(error.to_string());
            return false;
        }
    };
    if let Some(tail) = &records.tail {
        report
            .torn_tails
            .push(format!("{}: {tail}", segment.display()));
    }
    for record in records.records {
        match record {
            Record::Strings(definitions) => {
                for (id, text) in definitions {
                    let _ = strings.define(id, text);
                }
            }
            Record::Batch { event_count, bytes } => writer.process(&QueuedBatch {
                bytes: bytes.to_vec(),
                event_count,
            }),
            Record::Counters(counters) => *last_counters = Some(counters),
        }
    }
    true
}

/// The crashed run's last journaled counters, with the rows recovered for it added to `written` (they
/// are rows that run saw, so not `recovered_rows`, which counts rows an earlier run saw).
fn crashed_run_row(last: &CountersRecord, recovered: &CountersSnapshot, node: &str) -> StatsRow {
    let mut counters = CountersSnapshot::from_values(&last.values);
    counters.written += recovered.written;
    counters.files += recovered.files;
    StatsRow {
        stats_time_us: now_unix_micros(),
        node: node.to_owned(),
        agent_start_time_us: last.agent_start_time_us,
        counters,
        hooks: None,
    }
}

/// `cdflow recover DIR`: recovers a lineage directory offline (for a node that will not start
/// again), with the options each crashed run recorded and the key file given (or the default one).
pub fn recover_offline(root: &Path, key_file: Option<PathBuf>) -> Result<RecoveryReport, String> {
    let mut config = CoreConfig::new(root);
    if let Some(key_file) = key_file {
        config.key_file = key_file;
    }
    let key =
        crate::enrich::keyhash::read_key(&config.key_file).map_err(|error| error.to_string())?;
    let identities = IdentityMap::default();
    let counters = Arc::new(Counters::default());
    let log = Arc::new(RateLimitedLog::default());
    let manifests = Arc::new(crate::sink::manifest::NodeManifests::new(
        root,
        key,
        config.file_modes,
        Arc::clone(&log),
    ));
    // A journal directory of its own, locked while it runs: if this process dies mid-recovery, the
    // next recovery knows its in-progress files are strays.
    let own = JournalDir::create(
        root,
        &config.to_pairs(),
        now_unix_micros(),
        &config.file_modes,
    )
    .map_err(|error| {
        format!(
            "cannot create a journal directory under {}: {error}",
            root.display()
        )
    })?;
    let report = recover(&RecoveryContext {
        config: &config,
        key,
        identities: &identities,
        counters: &counters,
        log: &log,
        own: Some(own.path()),
        on_published: Some(Arc::new(move |path: &Path, rows: u64| {
            manifests.added(path, rows)
        })),
    });
    let _ = own.remove_if_done();
    Ok(report)
}
