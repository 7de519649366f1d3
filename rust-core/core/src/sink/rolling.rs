//! Rolling Parquet output of one table: one open file per (node, UTC day), completed at each journal
//! checkpoint (every `roll_seconds`, and at shutdown) and early by estimated size (`roll_bytes`) or to
//! make room for another partition.
//!
//! Invariants:
//! - at most one open file per (node, day), at most [`MAX_OPEN_PARTITIONS`] at once (the oldest is
//!   closed to make room, so wild timestamps cannot exhaust file handles or memory);
//! - [`RollingWriter::append`] only buffers rows in Arrow builders (no file I/O, except when a partition
//!   must be evicted), so the caller may hold the string-table read lock while appending; encoding,
//!   file creation and renames happen in [`RollingWriter::flush_full`] and [`RollingWriter::close_all`];
//! - buffered rows are handed to the Parquet writer every [`RollPolicy::encode_rows`] rows, which keeps
//!   only encoded, compressed pages until its row group reaches [`RollPolicy::row_group_rows`] rows (the
//!   table's `WriterProperties` close row groups there): an open file holds a few MiB, not a row group
//!   of Arrow arrays (docs/performance.md, "Memory");
//! - a partition's file is created when its first rows are encoded (or when it is completed), under
//!   the hidden in-progress name; a completed file is footed and fsynced but keeps its hidden name
//!   until the checkpoint that covers its journal segment publishes it ([`RollingWriter::take_pending`],
//!   [`crate::journal::commit`]), so a crash never leaves a visible file whose rows the journal will
//!   write again;
//! - I/O failures never panic and never stop the writer: the affected file is deleted, its rows are
//!   counted as lost, one line is logged (rate-limited) and no new file is attempted for
//!   [`RETRY_DELAY`] (rows arriving meanwhile are counted as lost);
//! - rows lost to failures are reported through [`RollingWriter::take_outcomes`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use parquet::file::properties::WriterProperties;

use crate::log::RateLimitedLog;
use crate::sink::file_modes::FileModes;
use crate::sink::layout::{part_file_name, partition_dir};
use crate::sink::parquet_file::{FileError, InProgressFile, PendingFile};

/// Most files open at once per table.
pub const MAX_OPEN_PARTITIONS: usize = 16;
/// Rows buffered in Arrow builders before they are handed to the Parquet writer (the default
/// [`RollPolicy::encode_rows`]): 8192 rows of the 61 `events` columns are a few MiB of arrays, and
/// columns of 8192 values stay in the caches while they are encoded.
pub const ENCODE_ROWS: usize = 8192;
/// Pause before a new file is attempted after an I/O failure.
pub const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Sequence number of file names, unique within the process.
static NEXT_FILE_SEQ: AtomicU64 = AtomicU64::new(0);

/// Rows buffered in Arrow builders, taken as one [`RecordBatch`] at a time.
pub trait RowBuffer {
    /// What every partition's buffer is built from (the table's schema, its columns).
    type Layout;
    /// Empty buffers for `layout`.
    fn empty(layout: &Self::Layout) -> Self
    where
        Self: Sized;
    /// Rows buffered.
    fn len(&self) -> usize;
    /// True when no row is buffered.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Takes every buffered row (the buffer is empty afterwards).
    fn take_batch(&mut self) -> Result<RecordBatch, ArrowError>;
}

/// When files are closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RollPolicy {
    /// Close a file once its estimated size reaches this.
    pub max_bytes: u64,
    /// Rows per row group (the writer properties of the table must close row groups at this count).
    pub row_group_rows: usize,
    /// Hand buffered rows to the Parquet writer once this many are buffered (at most
    /// `row_group_rows`); [`ENCODE_ROWS`] unless measuring.
    pub encode_rows: usize,
}

/// What a table is and where it goes.
#[derive(Debug, Clone)]
pub struct TableSpec {
    /// Lineage root directory.
    pub root: PathBuf,
    /// Table directory name (`events`, `flushes`, …, `agent_stats`).
    pub table: &'static str,
    /// Arrow schema of its files.
    pub schema: SchemaRef,
    /// Parquet writer settings of its files.
    pub properties: WriterProperties,
    /// Modes and group of its files and directories.
    pub modes: FileModes,
}

/// Rows lost since the last [`RollingWriter::take_outcomes`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FileOutcomes {
    /// Rows lost to I/O failures.
    pub lost_rows: u64,
}

struct OpenPartition<B> {
    node: Box<str>,
    day: i64,
    first_row_at: Instant,
    /// Wall-clock second of the first row: the `<utc start>` of the file name.
    started_unix_seconds: i64,
    buffer: B,
    file: Option<InProgressFile>,
}

impl<B> OpenPartition<B> {
    fn rows_in_file(&self) -> u64 {
        self.file.as_ref().map_or(0, InProgressFile::rows)
    }
}

/// The open files of one table.
pub struct RollingWriter<B: RowBuffer> {
    spec: TableSpec,
    layout: B::Layout,
    policy: RollPolicy,
    open: Vec<OpenPartition<B>>,
    last_used: usize,
    outcomes: FileOutcomes,
    /// Completed files waiting for their checkpoint.
    pending: Vec<PendingFile>,
    /// Key-value pairs added to every file's footer (e.g. `cdflow.recovered`).
    footer_metadata: Vec<(&'static str, &'static str)>,
    log: Arc<RateLimitedLog>,
    retry_after: Option<Instant>,
    pid: u32,
}

impl<B: RowBuffer> RollingWriter<B> {
    /// A writer with no open file; its buffers are built from `layout` (which must produce batches of
    /// `spec.schema`).
    pub fn new(
        spec: TableSpec,
        layout: B::Layout,
        policy: RollPolicy,
        log: Arc<RateLimitedLog>,
    ) -> Self {
        let row_group_rows = policy.row_group_rows.max(1);
        let policy = RollPolicy {
            row_group_rows,
            encode_rows: policy.encode_rows.clamp(1, row_group_rows),
            ..policy
        };
        RollingWriter {
            spec,
            layout,
            policy,
            open: Vec::new(),
            last_used: 0,
            outcomes: FileOutcomes::default(),
            pending: Vec::new(),
            footer_metadata: Vec::new(),
            log,
            retry_after: None,
            pid: std::process::id(),
        }
    }

    /// Appends one row to the partition (`node`, `day`) through `append_row`. Buffers only; call
    /// [`RollingWriter::flush_full`] afterwards (without holding locks) to encode full row groups.
    /// Returns false if the row was dropped because files are failing (see [`RETRY_DELAY`]).
    pub fn append(
        &mut self,
        node: &str,
        day: i64,
        now: Instant,
        append_row: impl FnOnce(&mut B),
    ) -> bool {
        self.append_rows(node, day, now, 1, append_row)
    }

    /// Appends `rows` rows to the partition (`node`, `day`) through `append_rows`, like
    /// [`RollingWriter::append`]; if files are failing, all `rows` are counted as lost.
    pub fn append_rows(
        &mut self,
        node: &str,
        day: i64,
        now: Instant,
        rows: u64,
        append_rows: impl FnOnce(&mut B),
    ) -> bool {
        let index = match self.find(node, day) {
            Some(index) => index,
            None => {
                if self.retry_after.is_some_and(|retry| now < retry) {
                    self.outcomes.lost_rows += rows;
                    return false;
                }
                self.add_partition(node, day, now)
            }
        };
        self.last_used = index;
        append_rows(&mut self.open[index].buffer);
        true
    }

    /// Encodes every buffer holding at least `encode_rows` rows and closes files that reached
    /// `max_bytes`.
    pub fn flush_full(&mut self) {
        let mut index = 0;
        while index < self.open.len() {
            if self.open[index].buffer.len() < self.policy.encode_rows {
                index += 1;
                continue;
            }
            if !self.encode_buffer(index) {
                continue; // the partition was discarded; another one now sits at `index`
            }
            let large = self.open[index]
                .file
                .as_ref()
                .is_some_and(|file| file.estimated_size() >= self.policy.max_bytes);
            if large {
                self.close(index);
            } else {
                index += 1;
            }
        }
    }

    /// Adds `key = value` to the footer metadata of every file completed from now on.
    pub fn add_footer_metadata(&mut self, key: &'static str, value: &'static str) {
        self.footer_metadata.push((key, value));
    }

    /// Completes every open file (footer, fsync), keeping them hidden until [`Self::take_pending`].
    pub fn close_all(&mut self) {
        while !self.open.is_empty() {
            self.close(self.open.len() - 1);
        }
    }

    /// Number of open files.
    pub fn open_files(&self) -> usize {
        self.open.len()
    }

    /// Lost rows since the last call.
    pub fn take_outcomes(&mut self) -> FileOutcomes {
        std::mem::take(&mut self.outcomes)
    }

    /// Files completed since the last call, still under their hidden names.
    pub fn take_pending(&mut self) -> Vec<PendingFile> {
        std::mem::take(&mut self.pending)
    }

    fn find(&self, node: &str, day: i64) -> Option<usize> {
        let matches =
            |partition: &OpenPartition<B>| partition.day == day && &*partition.node == node;
        if self.open.get(self.last_used).is_some_and(matches) {
            return Some(self.last_used);
        }
        self.open.iter().position(matches)
    }

    /// Adds an empty partition (evicting the oldest one when too many are open); returns its index.
    fn add_partition(&mut self, node: &str, day: i64, now: Instant) -> usize {
        if self.open.len() >= MAX_OPEN_PARTITIONS
            && let Some(oldest) =
                (0..self.open.len()).min_by_key(|&index| self.open[index].first_row_at)
        {
            self.close(oldest);
        }
        self.open.push(OpenPartition {
            node: node.into(),
            day,
            first_row_at: now,
            started_unix_seconds: unix_seconds_now(),
            buffer: B::empty(&self.layout),
            file: None,
        });
        self.open.len() - 1
    }

    /// Creates the in-progress file of a partition.
    fn create_file(
        &self,
        node: &str,
        day: i64,
        start_seconds: i64,
    ) -> Result<InProgressFile, FileError> {
        let dir = partition_dir(&self.spec.root, self.spec.table, node, day);
        let pid = self.pid;
        InProgressFile::create(
            &dir,
            Arc::clone(&self.spec.schema),
            self.spec.properties.clone(),
            &self.spec.modes,
            || {
                part_file_name(
                    start_seconds,
                    pid,
                    NEXT_FILE_SEQ.fetch_add(1, Ordering::Relaxed),
                )
            },
        )
    }

    /// Encodes the buffered rows of partition `index` into its file (creating the file first if
    /// needed). On failure the partition is discarded and false is returned.
    fn encode_buffer(&mut self, index: usize) -> bool {
        if self.open[index].buffer.is_empty() {
            return true;
        }
        let mut file = match self.open[index].file.take() {
            Some(file) => file,
            None => {
                let partition = &self.open[index];
                let created = self.create_file(
                    &partition.node,
                    partition.day,
                    partition.started_unix_seconds,
                );
                match created {
                    Ok(file) => file,
                    Err(error) => {
                        self.discard(index, &error, 0);
                        return false;
                    }
                }
            }
        };
        let partition = &mut self.open[index];
        let buffered = partition.buffer.len() as u64;
        let written = partition
            .buffer
            .take_batch()
            .map_err(|error| FileError::Write {
                path: file.temp_path().to_owned(),
                source: error.into(),
            })
            .and_then(|batch| file.write(&batch));
        match written {
            Ok(()) => {
                partition.file = Some(file);
                true
            }
            Err(error) => {
                let rows_in_file = file.rows();
                file.abandon();
                self.discard(index, &error, buffered + rows_in_file);
                false
            }
        }
    }

    /// Drops partition `index` after a failure: deletes its file, counts its rows as lost, plus
    /// `taken_rows` (rows already taken out of it by the caller).
    fn discard(&mut self, index: usize, error: &FileError, taken_rows: u64) {
        let partition = self.open.swap_remove(index);
        let lost = partition.rows_in_file() + partition.buffer.len() as u64 + taken_rows;
        if let Some(file) = partition.file {
            file.abandon();
        }
        self.fail(error, lost);
    }

    /// Encodes what is left and completes the file of partition `index` (it waits, hidden, in
    /// `pending`).
    fn close(&mut self, index: usize) {
        if !self.encode_buffer(index) {
            return;
        }
        let partition = self.open.swap_remove(index);
        let rows = partition.rows_in_file();
        let Some(mut file) = partition.file else {
            return; // nothing was ever buffered
        };
        for (key, value) in &self.footer_metadata {
            file.append_metadata(key, value);
        }
        match file.complete() {
            Ok(pending) => self.pending.push(pending),
            Err(error) => self.fail(&error, rows),
        }
    }

    fn fail(&mut self, error: &FileError, lost_rows: u64) {
        self.outcomes.lost_rows += lost_rows;
        self.retry_after = Some(Instant::now() + RETRY_DELAY);
        self.log.log(format_args!(
            "{} write failed, {lost_rows} rows lost: {error}",
            self.spec.table
        ));
    }
}

impl<B: RowBuffer> Drop for RollingWriter<B> {
    /// Deletes in-progress files left open or unpublished (only happens if the writer thread unwinds;
    /// their rows are still in the journal).
    fn drop(&mut self) {
        for partition in self.open.drain(..) {
            if let Some(file) = partition.file {
                file.abandon();
            }
        }
        for pending in self.pending.drain(..) {
            let _ = std::fs::remove_file(&pending.temp_path);
        }
    }
}

fn unix_seconds_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::ENCODE_ROWS;

    /// Thousands separated by commas, as the docs write numbers.
    fn with_commas(value: usize) -> String {
        let digits = value.to_string();
        let mut out = String::new();
        for (index, digit) in digits.chars().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                out.push(',');
            }
            out.push(digit);
        }
        out
    }

    #[test]
    fn the_documented_encode_batch_is_the_one_the_writer_uses() {
        let interface = include_str!("../../../../docs/native-interface.md");
        let expected = format!("rows are encoded every {}", with_commas(ENCODE_ROWS));
        assert_eq!(with_commas(8192), "8,192");
        assert!(
            interface.contains(&expected),
            "docs/native-interface.md (row_group_rows) should say \"{expected}\""
        );
    }
}
