//! The public face of the core: start, submit, define, counters, shutdown (docs/native-interface.md).
//!
//! Invariants:
//! - [`Pipeline::start`] fails up front (bad identity map, output directory, key file) rather than
//!   later; the identity map is read once, before anything is created;
//! - [`Pipeline::submit`] never blocks: it copies the bytes and `try_send`s them on a bounded queue of
//!   `queue_batches`; a full queue drops the batch and counts its events;
//! - one journal thread, `cdflow-journal`, appends every accepted batch to the journal before the one
//!   writer thread, `cdflow-writer`, decodes it; the writer owns every Parquet file and first recovers
//!   what crashed runs left in their journals ([`crate::journal`]);
//! - [`Pipeline::shutdown`] is idempotent: the first successful call closes the queue, lets the writer
//!   drain it and close every file, and joins the thread; later calls return the same result. A call
//!   that times out leaves the writer running and a later call may wait again.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use parking_lot::{Mutex, RwLock};

use crate::civil_time::now_unix_micros;
use crate::config::CoreConfig;
use crate::decode::strings::StringTable;
use crate::decode::wire::decode_batch;
use crate::enrich::identity::IdentityMap;
use crate::enrich::keyhash::{PartitionKeyHasher, load_or_create_key};
use crate::error::CoreError;
use crate::journal::appender::{Appender, AppenderSetup};
use crate::journal::instance::JournalDir;
use crate::journal::recovery::{RecoveryContext, recover};
use crate::log::RateLimitedLog;
use crate::sink::disk::{DiskBounds, Limits};
use crate::sink::file_modes::{self, FileModes};
use crate::sink::manifest::NodeManifests;
use crate::sink::writer::{PublishHook, QueuedBatch, Shared, Writer, WriterSetup};
use crate::stats::{
    AgentDrops, AgentFacts, COUNTER_COUNT, Counters, CountersSnapshot, HookFamilies,
};

/// Name of the writer thread.
pub const WRITER_THREAD_NAME: &str = "cdflow-writer";
/// Name of the journal thread.
pub const JOURNAL_THREAD_NAME: &str = "cdflow-journal";
/// Batches journaled but not yet taken by the writer.
const WRITER_CHANNEL_BATCHES: usize = 256;

/// What happened to a submitted batch. [`SubmitOutcome::code`] gives the JNI return value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// Copied into the queue (0).
    Accepted,
    /// Dropped: the queue was full (1).
    QueueFull,
    /// Dropped: the core is shut down or its writer died (2).
    NotRunning,
}

impl SubmitOutcome {
    /// The `submit` return code of docs/native-interface.md.
    pub fn code(self) -> i32 {
        match self {
            SubmitOutcome::Accepted => 0,
            SubmitOutcome::QueueFull => 1,
            SubmitOutcome::NotRunning => 2,
        }
    }
}

/// A running core: a bounded queue and the writer thread behind it.
pub struct Pipeline {
    config: CoreConfig,
    queue: RwLock<Option<Sender<QueuedBatch>>>,
    strings: Arc<StringTable>,
    counters: Arc<Counters>,
    facts: Arc<AgentFacts>,
    lifecycle: Mutex<Lifecycle>,
}

/// The writer thread's handle and the outcome of shutdown once known.
struct Lifecycle {
    writer: Option<JoinHandle<()>>,
    journal: Option<JoinHandle<JournalDir>>,
    /// Disconnected when the writer thread ends (its sender is dropped, also when it unwinds).
    writer_done: Receiver<()>,
    outcome: Option<Result<(), String>>,
}

impl Pipeline {
    /// Loads the identity map (if any), validates the output directory, loads or creates the key file
    /// and starts the writer thread.
    pub fn start(config: CoreConfig) -> Result<Pipeline, CoreError> {
        let identities = match &config.identity_map {
            Some(path) => IdentityMap::load(path)?,
            None => IdentityMap::default(),
        };
        prepare_output(&config.output, &config.file_modes)?;
        let key = load_or_create_key(&config.key_file)?;
        let start_us = now_unix_micros();
        let journal_dir = JournalDir::create(
            &config.output,
            &config.to_pairs(),
            start_us,
            &config.file_modes,
        )
        .map_err(|source| CoreError::OutputNotWritable {
            path: config.output.join(crate::journal::instance::JOURNAL_DIR),
            source,
        })?;
        let strings = Arc::new(StringTable::new());
        let counters = Arc::new(Counters::default());
        let facts = Arc::new(AgentFacts::default());
        let log = Arc::new(RateLimitedLog::default());
        let manifests = Arc::new(NodeManifests::new(
            &config.output,
            key,
            config.file_modes,
            Arc::clone(&log),
        ));
        let on_published: PublishHook = {
            let manifests = Arc::clone(&manifests);
            Arc::new(move |path: &Path, rows: u64| manifests.added(path, rows))
        };
        let shared = Shared {
            strings: Arc::clone(&strings),
            counters: Arc::clone(&counters),
            facts: Arc::clone(&facts),
            log: Arc::clone(&log),
            on_published: Some(Arc::clone(&on_published)),
        };
        let writer = Writer::new(
            &config,
            shared,
            PartitionKeyHasher::new(key),
            identities.clone(),
            start_us,
            WriterSetup {
                journal_dir: journal_dir.path().to_owned(),
                recovered: false,
            },
        );
        let (sender, receiver) = crossbeam_channel::bounded(config.queue_batches);
        let (to_writer, from_journal) = crossbeam_channel::bounded(WRITER_CHANNEL_BATCHES);
        let own_journal = journal_dir.path().to_owned();
        let appender = Appender::new(AppenderSetup {
            dir: journal_dir,
            strings: Arc::clone(&strings),
            counters: Arc::clone(&counters),
            log: Arc::clone(&log),
            bounds: DiskBounds::new(
                &config.output,
                Limits {
                    max_lineage_bytes: config.max_lineage_bytes,
                    min_free_bytes: config.min_free_bytes_for_output(),
                    on_full: config.on_full,
                },
            ),
            roll_interval: config.roll_interval(),
            fsync_interval: Duration::from_millis(config.journal_fsync_millis),
            retention: config
                .retention_hours
                .map(|hours| Duration::from_secs(hours.saturating_mul(3600))),
            agent_start_time_us: start_us,
            to_writer,
            on_removed: Box::new(move |path, reason| manifests.removing(path, reason)),
        });
        let journal = std::thread::Builder::new()
            .name(JOURNAL_THREAD_NAME.to_owned())
            .spawn(move || appender.run(receiver))
            .map_err(CoreError::SpawnWriter)?;
        let (done_sender, writer_done) = crossbeam_channel::bounded::<()>(0);
        let recovery_config = config.clone();
        let recovery_counters = Arc::clone(&counters);
        let handle = std::thread::Builder::new()
            .name(WRITER_THREAD_NAME.to_owned())
            .spawn(move || {
                let _done = done_sender; // dropped when the thread ends, normally or by unwinding
                let report = recover(&RecoveryContext {
                    config: &recovery_config,
                    key,
                    identities: &identities,
                    counters: &recovery_counters,
                    log: &log,
                    own: Some(&own_journal),
                    on_published: Some(on_published),
                });
                log_recovery(&report);
                writer.run(from_journal);
            })
            .map_err(CoreError::SpawnWriter)?;
        Ok(Pipeline {
            config,
            queue: RwLock::new(Some(sender)),
            strings,
            counters,
            facts,
            lifecycle: Mutex::new(Lifecycle {
                writer: Some(handle),
                journal: Some(journal),
                writer_done,
                outcome: None,
            }),
        })
    }

    /// The options this pipeline runs with.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Queues a copy of `batch` for the writer. Never blocks. `event_count` (the events the batch
    /// announces) is counted as offered, then as accepted or dropped_queue_full.
    pub fn submit(&self, batch: &[u8], event_count: u32) -> SubmitOutcome {
        let queue = self.queue.read();
        let Some(sender) = queue.as_ref() else {
            return SubmitOutcome::NotRunning;
        };
        let events = u64::from(event_count);
        if sender.is_full() {
            self.count_dropped(events);
            return SubmitOutcome::QueueFull;
        }
        match sender.try_send(QueuedBatch {
            bytes: batch.to_vec(),
            event_count,
        }) {
            Ok(()) => {
                Counters::add(&self.counters.offered, events);
                Counters::add(&self.counters.accepted, events);
                SubmitOutcome::Accepted
            }
            Err(TrySendError::Full(_)) => {
                self.count_dropped(events);
                SubmitOutcome::QueueFull
            }
            Err(TrySendError::Disconnected(_)) => SubmitOutcome::NotRunning,
        }
    }

    fn count_dropped(&self, events: u64) {
        Counters::add(&self.counters.offered, events);
        Counters::add(&self.counters.dropped_queue_full, events);
    }

    /// Applies a batch of STRING_DEF records synchronously, so the ids are known before any event that
    /// uses them is submitted. The error names the first bad record. Nothing is counted: a define batch
    /// carries no event (the agent's events are counted from `submit`; an event whose string was refused
    /// has that field NULL), so event records in it are ignored and reported in the error.
    pub fn define(&self, batch: &[u8]) -> Result<(), CoreError> {
        if self.queue.read().is_none() {
            return Err(CoreError::NotRunning);
        }
        let decoded = decode_batch(batch, &self.strings);
        let events = decoded.events.len();
        match decoded.errors.first() {
            Some(first) if decoded.errors.len() > 1 => Err(CoreError::Define(format!(
                "{first} (and {} more errors)",
                decoded.errors.len() - 1
            ))),
            Some(first) => Err(CoreError::Define(first.to_string())),
            None if events > 0 => Err(CoreError::Define(format!(
                "{events} event records (MUTATION_EVENT, TAGGED_EVENT) in a define batch were ignored (submit events instead)"
            ))),
            None => Ok(()),
        }
    }

    /// Stores the agent's absolute totals: events seen, and events dropped before reaching the core
    /// per cause (`agent_dropped` becomes their sum).
    pub fn record_agent_counters(&self, events_seen: u64, drops: AgentDrops) {
        self.counters.set_agent_counters(events_seen, drops);
    }

    /// Records the hook families the agent installed and skipped (`agent_stats` columns
    /// `hook_families`, `skipped_hook_families`, from the next stats row on).
    pub fn record_hook_families(&self, families: HookFamilies) {
        self.facts.set_hook_families(families);
    }

    /// Every counter, in the order of `NativeCore.counters()` ([`crate::stats::COUNTER_FIELDS`]).
    pub fn counters(&self) -> [u64; COUNTER_COUNT] {
        self.counters.snapshot().to_array()
    }

    /// The counters by name.
    pub fn snapshot(&self) -> CountersSnapshot {
        self.counters.snapshot()
    }

    /// Event rows lost to I/O failures so far (also in [`Pipeline::counters`]).
    pub fn rows_dropped_write_failed(&self) -> u64 {
        self.counters.dropped_write_failed.load(Ordering::Relaxed)
    }

    /// True until shutdown starts (or the writer thread dies).
    pub fn is_running(&self) -> bool {
        self.lifecycle
            .lock()
            .writer
            .as_ref()
            .is_some_and(|writer| !writer.is_finished())
            && self.queue.read().is_some()
    }

    /// Stops accepting batches, lets the writer drain the queue, close and rename every file and write
    /// the final stats row, and joins it, waiting at most `timeout`. Idempotent.
    pub fn shutdown(&self, timeout: Duration) -> Result<(), CoreError> {
        let mut lifecycle = self.lifecycle.lock();
        if let Some(outcome) = &lifecycle.outcome {
            return outcome.clone().map_err(CoreError::WriterPanicked);
        }
        self.queue.write().take(); // disconnects the queue: the writer drains it, then finishes
        match lifecycle.writer_done.recv_timeout(timeout) {
            Err(RecvTimeoutError::Timeout) => {
                return Err(CoreError::ShutdownTimeout {
                    millis: timeout.as_millis(),
                });
            }
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {}
        }
        let journal = lifecycle.journal.take().map(JoinHandle::join);
        let outcome = match lifecycle.writer.take().map(JoinHandle::join) {
            Some(Err(payload)) => Err(panic_message(payload.as_ref())),
            Some(Ok(())) | None => Ok(()),
        };
        let outcome = match journal {
            Some(Ok(dir)) => {
                if outcome.is_ok() {
                    let _ = dir.remove_if_done();
                }
                outcome
            }
            Some(Err(payload)) => outcome.and(Err(panic_message(payload.as_ref()))),
            None => outcome,
        };
        lifecycle.outcome = Some(outcome.clone());
        outcome.map_err(CoreError::WriterPanicked)
    }
}

impl Drop for Pipeline {
    /// Shuts down (waiting up to 30 s) if nobody did; the result can only be logged.
    fn drop(&mut self) {
        if let Err(error) = self.shutdown(Duration::from_secs(30)) {
            crate::log::log_line(format_args!("shutdown on drop: {error}"));
        }
    }
}

/// One line about what a recovery did (nothing when there was nothing to recover).
fn log_recovery(report: &crate::journal::RecoveryReport) {
    if report.journals == 0 && report.errors.is_empty() {
        return;
    }
    for line in report.lines() {
        crate::log::log_line(line);
    }
}

/// Creates the output directory (with `modes`, if missing) and proves it writable, and the group
/// usable, by creating and removing a probe file.
fn prepare_output(output: &Path, modes: &FileModes) -> Result<(), CoreError> {
    file_modes::create_dir_all(output, modes).map_err(|source| CoreError::CreateOutput {
        path: output.to_owned(),
        source,
    })?;
    let probe = output.join(format!(".cdflow-write-probe-{}", std::process::id()));
    let _ = fs::remove_file(&probe); // left by a crash of an earlier process with this pid
    let written =
        file_modes::create_new_file(&probe, modes).and_then(|mut file| file.write_all(b"cdflow"));
    let _ = fs::remove_file(&probe);
    written.map_err(|source| CoreError::OutputNotWritable {
        path: output.to_owned(),
        source,
    })
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}
