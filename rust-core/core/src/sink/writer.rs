//! The writer thread (`cdflow-writer`): drains the queue, decodes, resolves and appends rows, rolls
//! files, writes `agent_stats` rows, and on disconnect closes everything.
//!
//! Invariants:
//! - this is the only thread that writes lineage files; it never touches the JVM;
//! - each lineage table has its own rolling file set, so files are per (table, node, UTC day); an
//!   event's row goes to [`crate::decode::wire::Event::table`], under its node (`unknown` when absent);
//! - `written`, `files` and rows lost to I/O count every lineage table (not `agent_stats`);
//! - it wakes at least every [`TICK`], so files roll by age even when no event arrives; every
//!   `stats_seconds` it writes an `agent_stats` row if any counter changed since the previous row (an
//!   idle node adds no rows), and always one final row at shutdown;
//! - the string-table read lock is held only while rows are appended to in-memory builders, not
//!   across encoding or file I/O (JNI threads calling `define` do not wait for a disk), the one
//!   exception being the rare eviction of a partition when more than
//!   [`crate::sink::rolling::MAX_OPEN_PARTITIONS`] days/nodes are open at once;
//! - every decoded event also feeds the flow graph ([`crate::flows`]); closed windows are appended as
//!   `flows` rows (their own rolling files, not counted in `written`/`files`, which count event rows);
//! - when the channel is disconnected (shutdown), every queued batch is still processed, then the open
//!   flow windows are closed and written, then every lineage file is closed, then the final `agent_stats` row is written (so it counts those files),
//!   then the stats files are closed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::civil_time::{day_of_unix_micros, now_unix_micros};
use crate::config::CoreConfig;
use crate::decode::strings::{StringTable, StringsView};
use crate::decode::wire::{DecodeScratch, DecodedBatch, Event, decode_batch_reusing};
use crate::enrich::identity::IdentityMap;
use crate::enrich::keyhash::PartitionKeyHasher;
use crate::flows::FlowAggregator;
use crate::flows::rows::{FLOWS_TABLE, FlowRows, flows_schema, window_rows};
use crate::journal::commit::{CommitFile, commit};
use crate::journal::instance::commit_record_path;
use crate::log::RateLimitedLog;
use crate::sink::layout::UNKNOWN_NODE;
use crate::sink::rolling::{ENCODE_ROWS, RollPolicy, RollingWriter, TableSpec};
use crate::stats::{AgentFacts, Counters, CountersSnapshot};
use crate::tables::LineageTable;
use crate::tables::rows::{RowContext, TableLayout, TableRows};
use crate::tables::schema::{
    AGENT_STATS_TABLE, agent_stats_schema, agent_stats_writer_properties, lineage_writer_properties,
};
use crate::tables::stats_rows::{StatsRow, StatsRows};

/// Longest wait for a batch before housekeeping runs anyway.
const TICK: Duration = Duration::from_millis(100);

/// One submitted batch: a copy of the caller's bytes and the event count it announced.
pub(crate) struct QueuedBatch {
    pub bytes: Vec<u8>,
    pub event_count: u32,
}

/// What the journal thread hands the writer thread.
pub(crate) enum ToWriter {
    /// A journaled batch.
    Batch(QueuedBatch),
    /// The segment at this path is closed: publish every file made from it, then delete it.
    SegmentEnd(PathBuf),
}

/// Footer key of files written from a crashed run's journal.
pub const RECOVERED_METADATA_KEY: &str = "cdflow.recovered";

/// Where the writer's checkpoints go and what kind of run it is.
pub(crate) struct WriterSetup {
    /// The journal directory that receives commit records.
    pub journal_dir: PathBuf,
    /// True when replaying a crashed run's journal: files carry `cdflow.recovered = true`, their rows
    /// count as `recovered_rows` too, and no periodic `agent_stats` row is written.
    pub recovered: bool,
}

/// What the writer shares with the [`crate::Pipeline`].
pub(crate) struct Shared {
    pub strings: Arc<StringTable>,
    pub counters: Arc<Counters>,
    /// What the agent told about itself (`agent_stats` text columns).
    pub facts: Arc<AgentFacts>,
    pub log: Arc<RateLimitedLog>,
    /// Called with each published file and its rows (the manifest).
    pub on_published: Option<PublishHook>,
}

/// What is told about each published file.
pub type PublishHook = Arc<dyn Fn(&Path, u64) + Send + Sync>;

/// Events of one decoded batch that announced `announced_events` and was accepted, which the core
/// rejects: every announced event that was neither decoded nor skipped as a record of unknown type (a
/// malformed event record, or an event a batch cut short announced but did not deliver), and at least
/// every malformed event record (when a caller announced too few). Malformed STRING_DEF records are not
/// events: they are logged, not counted. So for an accepted batch, announced = decoded + skipped +
/// rejected (docs/schema.md, "Accounting").
pub(crate) fn rejected_in(decoded: &DecodedBatch<'_>, announced_events: u32) -> u64 {
    let delivered = (decoded.events.len() as u64).saturating_add(decoded.skipped_records);
    u64::from(announced_events)
        .saturating_sub(delivered)
        .max(decoded.rejected_event_records)
}

/// The file an event's row goes to: (table, node string id, UTC day).
fn partition_of(event: &Event<'_>) -> (LineageTable, u32, i64) {
    (
        event.table(),
        event.node(),
        day_of_unix_micros(event.event_time_us()),
    )
}

/// The writer thread's state.
pub(crate) struct Writer {
    shared: Shared,
    hasher: PartitionKeyHasher,
    identities: IdentityMap,
    /// One rolling file set per lineage table, indexed by [`LineageTable::index`].
    tables: [RollingWriter<TableRows>; LineageTable::ALL.len()],
    stats: RollingWriter<StatsRows>,
    flows: FlowAggregator,
    flow_rows: RollingWriter<FlowRows>,
    stats_interval: Duration,
    next_stats_at: Instant,
    last_stats: Option<CountersSnapshot>,
    last_node: String,
    /// A periodic stats row taken before any event named the node (Cassandra starting, the node idle):
    /// appended under the node the first event names, so that no `agent_stats` file — and no manifest —
    /// is filed under node `unknown` for a node that is known a moment later; under `unknown` only at
    /// shutdown if no event ever named it. Only the latest is kept (rows are cumulative totals).
    pending_stats: Option<StatsRow>,
    /// Vectors of the last batch, reused to decode the next.
    scratch: DecodeScratch,
    start_time_us: i64,
    setup: WriterSetup,
    next_commit: u64,
    modes: crate::sink::file_modes::FileModes,
}

impl Writer {
    /// A writer for `config`, with nothing open yet.
    pub fn new(
        config: &CoreConfig,
        shared: Shared,
        hasher: PartitionKeyHasher,
        identities: IdentityMap,
        start_time_us: i64,
        setup: WriterSetup,
    ) -> Self {
        let policy = RollPolicy {
            max_bytes: config.roll_bytes,
            row_group_rows: config.row_group_rows,
            encode_rows: ENCODE_ROWS,
        };
        let properties = lineage_writer_properties(config.row_group_rows);
        let tables = LineageTable::ALL.map(|table| {
            let layout = TableLayout::new(table, config.raw_keys);
            RollingWriter::new(
                TableSpec {
                    root: config.output.clone(),
                    table: table.name(),
                    schema: Arc::clone(&layout.schema),
                    properties: properties.clone(),
                    modes: config.file_modes,
                },
                layout,
                policy,
                Arc::clone(&shared.log),
            )
        });
        let stats_schema = agent_stats_schema();
        let stats = RollingWriter::new(
            TableSpec {
                root: config.output.clone(),
                table: AGENT_STATS_TABLE,
                schema: Arc::clone(&stats_schema),
                properties: agent_stats_writer_properties(config.row_group_rows),
                modes: config.file_modes,
            },
            stats_schema,
            policy,
            Arc::clone(&shared.log),
        );
        let flows_schema = flows_schema();
        let flow_rows = RollingWriter::new(
            TableSpec {
                root: config.output.clone(),
                table: FLOWS_TABLE,
                schema: Arc::clone(&flows_schema),
                properties: agent_stats_writer_properties(config.row_group_rows),
                modes: config.file_modes,
            },
            flows_schema,
            policy,
            Arc::clone(&shared.log),
        );
        let (mut tables, mut stats, mut flow_rows) = (tables, stats, flow_rows);
        if setup.recovered {
            for table in &mut tables {
                table.add_footer_metadata(RECOVERED_METADATA_KEY, "true");
            }
            stats.add_footer_metadata(RECOVERED_METADATA_KEY, "true");
            flow_rows.add_footer_metadata(RECOVERED_METADATA_KEY, "true");
        }
        Writer {
            shared,
            hasher,
            identities,
            tables,
            stats,
            flows: FlowAggregator::new(config.flow_limits()),
            flow_rows,
            stats_interval: config.stats_interval(),
            next_stats_at: Instant::now() + config.stats_interval(),
            last_stats: None,
            last_node: UNKNOWN_NODE.to_owned(),
            pending_stats: None,
            scratch: DecodeScratch::default(),
            start_time_us,
            setup,
            next_commit: 1,
            modes: config.file_modes,
        }
    }

    /// Runs until `queue` is disconnected and drained, then closes every file.
    pub fn run(mut self, queue: Receiver<ToWriter>) {
        let mut next_housekeeping = Instant::now() + TICK;
        loop {
            match queue.recv_timeout(TICK) {
                Ok(ToWriter::Batch(batch)) => self.process(&batch),
                Ok(ToWriter::SegmentEnd(segment)) => self.checkpoint(Some(&segment)),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let now = Instant::now();
            if now >= next_housekeeping {
                self.housekeeping(now);
                next_housekeeping = now + TICK;
            }
        }
        self.finish();
    }

    /// Decodes one batch and buffers its events.
    pub fn process(&mut self, batch: &QueuedBatch) {
        let now = Instant::now();
        let decoded = decode_batch_reusing(&batch.bytes, &self.shared.strings, &mut self.scratch);
        let counters = &self.shared.counters;
        Counters::add(&counters.rejected, rejected_in(&decoded, batch.event_count));
        Counters::add(&counters.skipped_records, decoded.skipped_records);
        Counters::add(&counters.skipped_fields, decoded.skipped_fields);
        for error in &decoded.errors {
            self.shared.log.log(format_args!("rejected {error}"));
        }
        if !decoded.events.is_empty() {
            self.buffer_events(&decoded, now);
        }
        decoded.recycle(&mut self.scratch);
    }

    /// Appends the rows of a batch's events to their tables and its flows to the open windows.
    fn buffer_events(&mut self, decoded: &DecodedBatch<'_>, now: Instant) {
        {
            let strings = self.shared.strings.read();
            let context = RowContext {
                strings: &strings,
                hasher: &self.hasher,
                identities: &self.identities,
            };
            // Consecutive events of one (table, node, day) are appended as one run (column by column).
            for run in decoded
                .events
                .chunk_by(|a, b| partition_of(a) == partition_of(b))
            {
                let Some(first) = run.first() else {
                    continue;
                };
                let (table, node, day) = partition_of(first);
                let node = strings.get(node).unwrap_or(UNKNOWN_NODE);
                self.tables[table.index()].append_rows(node, day, now, run.len() as u64, |rows| {
                    rows.append_run(run, &context)
                });
            }
            for event in &decoded.events {
                self.flows.observe(event, &strings);
            }
            append_closed_windows(&mut self.flows, &mut self.flow_rows, &strings, now);
            if let Some(last) = decoded.events.last() {
                let node = strings.get(last.node()).unwrap_or(UNKNOWN_NODE);
                if self.last_node != node {
                    node.clone_into(&mut self.last_node);
                }
            }
        }
        if self.last_node != UNKNOWN_NODE
            && let Some(mut row) = self.pending_stats.take()
        {
            row.node.clone_from(&self.last_node);
            self.append_row_of_stats(&row, now);
        }
        for table in &mut self.tables {
            table.flush_full();
        }
        self.flow_rows.flush_full();
        self.collect_outcomes();
    }

    /// Completes every open file and publishes them with the segment they came from
    /// ([`crate::journal::commit`]); `None` for the last files of a shutdown or a recovery.
    pub fn checkpoint(&mut self, segment: Option<&Path>) {
        for table in &mut self.tables {
            table.close_all();
        }
        self.flow_rows.close_all();
        self.stats.close_all();
        self.collect_outcomes();
        let mut files = Vec::new();
        for table in &mut self.tables {
            files.extend(table.take_pending().into_iter().map(|file| CommitFile {
                file,
                counts_as_written: true,
            }));
        }
        for file in self
            .flow_rows
            .take_pending()
            .into_iter()
            .chain(self.stats.take_pending())
        {
            files.push(CommitFile {
                file,
                counts_as_written: false,
            });
        }
        let counted: u64 = files
            .iter()
            .filter(|file| file.counts_as_written)
            .map(|file| file.file.rows)
            .sum();
        let record = commit_record_path(&self.setup.journal_dir, self.next_commit);
        self.next_commit += 1;
        let counters = &self.shared.counters;
        match commit(&record, segment, files, &self.modes) {
            Ok(outcome) => {
                Counters::add(&counters.written, outcome.written_rows());
                Counters::add(&counters.files, outcome.written_files());
                Counters::add(&counters.dropped_write_failed, outcome.lost_rows);
                if self.setup.recovered {
                    Counters::add(&counters.recovered_rows, outcome.written_rows());
                }
                for error in &outcome.errors {
                    self.shared.log.log(format_args!("checkpoint: {error}"));
                }
                if let Some(hook) = &self.shared.on_published {
                    for (file, _) in &outcome.published {
                        hook(&file.path, file.rows);
                    }
                }
            }
            Err(error) => {
                Counters::add(&counters.dropped_write_failed, counted);
                self.shared.log.log(format_args!(
                    "checkpoint failed, {counted} rows not published (they stay in the journal segment for the next start): {error}"
                ));
            }
        }
    }

    /// Closes flow windows and writes a stats row when one is due.
    fn housekeeping(&mut self, now: Instant) {
        self.flows.close_ended(now_unix_micros());
        append_closed_windows(
            &mut self.flows,
            &mut self.flow_rows,
            &self.shared.strings.read(),
            now,
        );
        self.flow_rows.flush_full();
        let _ = self.flow_rows.take_outcomes();
        if now >= self.next_stats_at && !self.setup.recovered {
            self.next_stats_at = now + self.stats_interval;
            let snapshot = self.shared.counters.snapshot();
            if self.last_stats != Some(snapshot) {
                self.append_stats_row(snapshot, now, false);
            }
        }
        self.stats.flush_full();
        let _ = self.stats.take_outcomes();
    }

    /// Closes the flow windows and publishes what is left, then writes the final stats row and
    /// publishes it (so it counts every file before it).
    pub fn finish(&mut self) {
        self.close_flow_windows();
        self.checkpoint(None);
        if !self.setup.recovered {
            let now = Instant::now();
            if let Some(row) = self.pending_stats.take() {
                // No event ever named the node.
                self.append_row_of_stats(&row, now);
            }
            let snapshot = self.shared.counters.snapshot();
            self.append_stats_row(snapshot, now, true);
            self.checkpoint(None);
        }
    }

    /// Closes every flow window and appends its rows.
    fn close_flow_windows(&mut self) {
        self.flows.close_all();
        append_closed_windows(
            &mut self.flows,
            &mut self.flow_rows,
            &self.shared.strings.read(),
            Instant::now(),
        );
    }

    /// Appends one `agent_stats` row as given (the row a recovery writes for the run that crashed).
    pub fn append_given_stats_row(&mut self, row: &StatsRow) {
        self.append_row_of_stats(row, Instant::now());
    }

    /// Node of the most recent event.
    pub fn last_node(&self) -> &str {
        &self.last_node
    }

    /// Appends a stats row of `counters` under the node of the most recent event; before any event
    /// named it, a periodic row waits in `pending_stats` (the `last` row of a shutdown never waits).
    fn append_stats_row(&mut self, counters: CountersSnapshot, now: Instant, last: bool) {
        let row = StatsRow {
            stats_time_us: now_unix_micros(),
            node: self.last_node.clone(),
            agent_start_time_us: self.start_time_us,
            counters,
            hooks: self.shared.facts.hook_families(),
        };
        self.last_stats = Some(counters);
        if row.node == UNKNOWN_NODE && !last {
            self.pending_stats = Some(row);
        } else {
            self.append_row_of_stats(&row, now);
        }
    }

    fn append_row_of_stats(&mut self, row: &StatsRow, now: Instant) {
        let day = day_of_unix_micros(row.stats_time_us);
        self.stats
            .append(&row.node, day, now, |rows| rows.append(row));
    }

    /// Moves rows the lineage tables lost into the counters.
    fn collect_outcomes(&mut self) {
        let counters = &self.shared.counters;
        for table in &mut self.tables {
            let outcomes = table.take_outcomes();
            Counters::add(&counters.dropped_write_failed, outcomes.lost_rows);
        }
        // Flow rows are not event rows: their files are logged on failure, not counted.
        let _ = self.flow_rows.take_outcomes();
    }
}

/// Appends the rows of every closed flow window (under each row's node and the day of its window).
fn append_closed_windows(
    flows: &mut FlowAggregator,
    flow_rows: &mut RollingWriter<FlowRows>,
    strings: &StringsView<'_>,
    now: Instant,
) {
    let limits = flows.limits();
    for window in flows.take_closed() {
        let day = day_of_unix_micros(window.start_us);
        for row in window_rows(&window, limits.window_us, limits.top_partitions, strings) {
            flow_rows.append(&row.node, day, now, |rows| rows.append(&row));
        }
    }
}
