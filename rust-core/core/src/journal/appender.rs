//! The journal thread (`cdflow-journal`): takes batches off the submit queue, appends them (and the
//! string definitions they need) to the current segment, hands them to the writer thread, and every
//! `roll_seconds` (or [`SEGMENT_MAX_BYTES`]) closes the segment and tells the writer, which then
//! publishes the files made from it ([`crate::journal::commit`]).
//!
//! Invariants:
//! - a batch reaches the writer only after its bytes are in the kernel (one `write` per record), so a
//!   process kill loses nothing the writer has seen; `journal_fsync_millis` bounds what a power loss
//!   can take;
//! - every segment starts with all string definitions known so far, so each segment replays alone;
//! - the disk bounds are asked before each append; a refused batch is counted (`dropped_disk_bound`)
//!   and never reaches the writer;
//! - if the journal cannot be written (I/O error), batches still go to the writer (degraded: no crash
//!   protection, one log line) and a new segment is tried after [`RETRY_DELAY`];
//! - this thread never blocks a JNI caller: it only blocks on the writer's bounded channel, which
//!   fills the submit queue, whose overflow is counted (`dropped_queue_full`).

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::civil_time::now_unix_micros;
use crate::decode::strings::StringTable;
use crate::journal::instance::{JournalDir, sync_dir};
use crate::journal::segment::{CountersRecord, RecordBuffer, SegmentHeader, append, encode_header};
use crate::log::RateLimitedLog;
use crate::sink::disk::{DiskBounds, OnFull, remove_older_than, remove_oldest};
use crate::sink::manifest::RemovalReason;
use crate::sink::writer::{QueuedBatch, ToWriter};
use crate::stats::Counters;

/// Longest wait for a batch before housekeeping runs.
const TICK: Duration = Duration::from_millis(100);
/// A segment is closed once it holds this many bytes.
pub const SEGMENT_MAX_BYTES: u64 = 64 << 20;
/// Pause before a new segment is tried after an I/O failure.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// How often the counters are journaled (the agent reports its totals about as often): the crashed
/// run's `agent_stats` row that recovery writes is at most this old.
const COUNTERS_INTERVAL: Duration = Duration::from_secs(1);
/// How often retention runs.
const RETENTION_INTERVAL: Duration = Duration::from_secs(60);

/// Told about each file retention or `delete_oldest` is about to delete (its path, and which of the two).
pub(crate) type RemovalHook = Box<dyn FnMut(&std::path::Path, RemovalReason) + Send>;

/// What the journal thread needs.
pub(crate) struct AppenderSetup {
    pub dir: JournalDir,
    pub strings: Arc<StringTable>,
    pub counters: Arc<Counters>,
    pub log: Arc<RateLimitedLog>,
    pub bounds: DiskBounds,
    pub roll_interval: Duration,
    pub fsync_interval: Duration,
    pub retention: Option<Duration>,
    pub agent_start_time_us: i64,
    pub to_writer: Sender<ToWriter>,
    /// Called with each file removed by retention or `delete_oldest` (path relative to the root).
    pub on_removed: RemovalHook,
}

struct OpenSegment {
    path: PathBuf,
    file: File,
    bytes: u64,
    batches: u64,
    opened_at: Instant,
    dirty: bool,
    synced_at: Instant,
}

/// The journal thread's state.
pub(crate) struct Appender {
    setup: AppenderSetup,
    segment: Option<OpenSegment>,
    next_number: u64,
    journaled_strings: usize,
    record: RecordBuffer,
    definitions: Vec<(u32, Arc<str>)>,
    retry_after: Option<Instant>,
    next_counters_at: Instant,
    next_retention_at: Instant,
    full_logged: bool,
}

impl Appender {
    pub fn new(setup: AppenderSetup) -> Self {
        let now = Instant::now();
        Appender {
            next_counters_at: now + COUNTERS_INTERVAL,
            next_retention_at: now,
            setup,
            segment: None,
            next_number: 1,
            journaled_strings: 0,
            record: RecordBuffer::default(),
            definitions: Vec::new(),
            retry_after: None,
            full_logged: false,
        }
    }

    /// Runs until the submit queue is disconnected and drained; closes the last segment, so the
    /// writer publishes everything, and hands the journal directory back.
    pub fn run(mut self, queue: Receiver<QueuedBatch>) -> JournalDir {
        let mut next_housekeeping = Instant::now() + TICK;
        loop {
            match queue.recv_timeout(TICK) {
                Ok(batch) => self.take(batch),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            if now >= next_housekeeping {
                self.housekeeping(now);
                next_housekeeping = now + TICK;
            }
        }
        self.close_segment();
        self.setup.dir
    }

    fn take(&mut self, batch: QueuedBatch) {
        let now = Instant::now();
        let events = u64::from(batch.event_count);
        if !self.admit(batch.bytes.len() as u64, now) {
            Counters::add(&self.setup.counters.dropped_disk_bound, events);
            return;
        }
        self.journal(&batch, now);
        if self.setup.to_writer.send(ToWriter::Batch(batch)).is_err() {
            // The writer thread is gone: nothing more can be written by this run.
            Counters::add(&self.setup.counters.dropped_write_failed, events);
        }
        if self
            .segment
            .as_ref()
            .is_some_and(|segment| segment.bytes >= SEGMENT_MAX_BYTES)
        {
            self.close_segment();
        }
    }

    /// Asks the disk bounds; with `delete_oldest`, removes old files to make room first.
    fn admit(&mut self, bytes: u64, now: Instant) -> bool {
        let refusal = match self.setup.bounds.admit(bytes, now) {
            Ok(()) => {
                self.full_logged = false;
                return true;
            }
            Err(refusal) => refusal,
        };
        if self.setup.bounds.limits().on_full == OnFull::DeleteOldest {
            let shortfall = self.setup.bounds.shortfall(bytes);
            let hook = &mut self.setup.on_removed;
            let removed = remove_oldest(self.setup.bounds.root(), shortfall, &mut |path| {
                hook(path, RemovalReason::DeleteOldest)
            });
            if !removed.paths.is_empty() {
                self.account_removed(&removed, "delete_oldest");
                self.setup.bounds.rescan(now);
                if self.setup.bounds.admit(bytes, now).is_ok() {
                    return true;
                }
            }
        }
        if !self.full_logged {
            self.full_logged = true;
            self.setup.log.log(format_args!(
                "lineage disk bound: {refusal}; new events are dropped and counted (dropped_disk_bound) until there is room"
            ));
        }
        false
    }

    fn account_removed(&mut self, removed: &crate::sink::disk::RemovedFiles, reason: &'static str) {
        let counters = &self.setup.counters;
        Counters::add(&counters.removed_files, removed.files);
        Counters::add(&counters.removed_rows, removed.rows);
        self.setup.log.log(format_args!(
            "{reason}: removed {} lineage files ({} rows, {} bytes)",
            removed.paths.len(),
            removed.rows,
            removed.bytes
        ));
    }

    /// Appends the batch (and new string definitions) to the segment; on failure, degrades.
    fn journal(&mut self, batch: &QueuedBatch, now: Instant) {
        if self.segment.is_none() {
            if self.retry_after.is_some_and(|retry| now < retry) {
                return;
            }
            if let Err(error) = self.open_segment(now) {
                self.journal_failed(&error);
                return;
            }
        }
        let appended = self.append_new_strings().and_then(|()| {
            let record = self.record.batch(batch.event_count, &batch.bytes);
            match self.segment.as_mut() {
                Some(segment) => append(&mut segment.file, record).map(|()| record.len() as u64),
                None => Ok(0),
            }
        });
        match appended {
            Ok(bytes) => {
                if let Some(segment) = self.segment.as_mut() {
                    segment.bytes += bytes;
                    segment.batches += 1;
                    segment.dirty = true;
                }
            }
            Err(error) => self.journal_failed(&error),
        }
    }

    fn append_new_strings(&mut self) -> std::io::Result<()> {
        self.definitions.clear();
        let known = self
            .setup
            .strings
            .definitions_from(self.journaled_strings, &mut self.definitions);
        if self.definitions.is_empty() {
            return Ok(());
        }
        let record = self
            .record
            .strings(self.definitions.iter().map(|(id, text)| (*id, &**text)));
        let Some(segment) = self.segment.as_mut() else {
            return Ok(());
        };
        append(&mut segment.file, record)?;
        segment.bytes += record.len() as u64;
        self.journaled_strings = known;
        Ok(())
    }

    fn open_segment(&mut self, now: Instant) -> std::io::Result<()> {
        let number = self.next_number;
        let path = self.setup.dir.segment_path(number);
        let mut file = crate::sink::file_modes::create_new_file(&path, self.setup.dir.modes())?;
        let header = encode_header(SegmentHeader {
            number,
            created_us: now_unix_micros(),
        });
        append(&mut file, &header)?;
        sync_dir(self.setup.dir.path())?;
        self.next_number += 1;
        self.segment = Some(OpenSegment {
            path,
            file,
            bytes: header.len() as u64,
            batches: 0,
            opened_at: now,
            dirty: true,
            synced_at: now,
        });
        // Every segment replays alone: it starts with every definition known so far.
        self.journaled_strings = 0;
        self.append_new_strings()?;
        self.append_counters()
    }

    fn journal_failed(&mut self, error: &std::io::Error) {
        self.setup.log.log(format_args!(
            "journal append failed (events still go to Parquet, without crash protection until a new segment works): {error}"
        ));
        self.retry_after = Some(Instant::now() + RETRY_DELAY);
        self.close_segment();
    }

    fn append_counters(&mut self) -> std::io::Result<()> {
        let values = self.setup.counters.snapshot().to_array().to_vec();
        let record = self.record.counters(&CountersRecord {
            agent_start_time_us: self.setup.agent_start_time_us,
            taken_at_us: now_unix_micros(),
            values,
        });
        let Some(segment) = self.segment.as_mut() else {
            return Ok(());
        };
        append(&mut segment.file, record)?;
        segment.bytes += record.len() as u64;
        segment.dirty = true;
        Ok(())
    }

    /// Closes the segment (fsync) and tells the writer to publish what was made from it.
    fn close_segment(&mut self) {
        let Some(segment) = self.segment.take() else {
            return;
        };
        if let Err(error) = segment.file.sync_data() {
            self.setup.log.log(format_args!(
                "journal fsync of {}: {error}",
                segment.path.display()
            ));
        }
        // If the writer is gone the send fails and the segment stays for the next start's recovery.
        let _ = self
            .setup
            .to_writer
            .send(ToWriter::SegmentEnd(segment.path));
    }

    fn housekeeping(&mut self, now: Instant) {
        if now >= self.next_counters_at {
            self.next_counters_at = now + COUNTERS_INTERVAL;
            if self.segment.is_some()
                && let Err(error) = self.append_counters()
            {
                self.journal_failed(&error);
            }
        }
        let Some(segment) = self.segment.as_mut() else {
            self.retention(now);
            return;
        };
        if segment.dirty && now.duration_since(segment.synced_at) >= self.setup.fsync_interval {
            segment.dirty = false;
            segment.synced_at = now;
            if let Err(error) = segment.file.sync_data() {
                self.journal_failed(&error);
                return;
            }
        }
        let due = now.duration_since(segment.opened_at) >= self.setup.roll_interval;
        if due && segment.batches > 0 {
            self.close_segment();
        }
        self.retention(now);
    }

    fn retention(&mut self, now: Instant) {
        let Some(max_age) = self.setup.retention else {
            return;
        };
        if now < self.next_retention_at {
            return;
        }
        self.next_retention_at = now + RETENTION_INTERVAL;
        let cutoff = SystemTime::now()
            .checked_sub(max_age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        let hook = &mut self.setup.on_removed;
        let removed = remove_older_than(self.setup.bounds.root(), cutoff, &mut |path| {
            hook(path, RemovalReason::Retention)
        });
        if !removed.paths.is_empty() {
            self.account_removed(&removed, "retention");
            self.setup.bounds.rescan(now);
        }
    }
}
