//! What the benchmarks run, shared by the criterion benchmarks and the smoke mode.

pub mod stream;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cdflow_core::civil_time::day_of_unix_micros;
use cdflow_core::decode::strings::{StringTable, StringsView};
use cdflow_core::decode::wire::{
    DecodeScratch, DecodedBatch, Event, decode_batch, decode_batch_reusing,
};
use cdflow_core::enrich::identity::IdentityMap;
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::flows::{FlowAggregator, FlowLimits};
use cdflow_core::log::RateLimitedLog;
use cdflow_core::sink::file_modes::FileModes;
use cdflow_core::sink::rolling::{ENCODE_ROWS, RollPolicy, RollingWriter, TableSpec};
use cdflow_core::tables::LineageTable;
use cdflow_core::tables::rows::{RowContext, TableLayout, TableRows};
use cdflow_core::tables::schema::{lineage_writer_properties, written_columns};

use stream::{NodeStream, Shape};

/// Generated streams with their string table already filled.
pub struct Workload {
    pub streams: Vec<NodeStream>,
    pub strings: StringTable,
    pub events: u64,
}

impl Workload {
    pub fn new(shape: &Shape, requests: usize) -> Self {
        let streams = stream::node_streams(shape, requests, 0x5eed);
        let strings = StringTable::new();
        let defined = decode_batch(&streams[0].strings, &strings);
        assert!(defined.errors.is_empty(), "{:?}", defined.errors);
        let events = streams.iter().map(|s| s.events).sum();
        Workload {
            streams,
            strings,
            events,
        }
    }

    fn batches(&self) -> impl Iterator<Item = &[u8]> {
        self.streams
            .iter()
            .flat_map(|stream| stream.batches.iter().map(Vec::as_slice))
    }

    /// Decodes every batch as the writer thread does (into the vectors of the batch before) and hands it
    /// to `each`; returns the events decoded.
    fn for_each_decoded(&self, mut each: impl FnMut(&DecodedBatch<'_>)) -> u64 {
        let mut events = 0;
        let mut scratch = DecodeScratch::default();
        for batch in self.batches() {
            let decoded = decode_batch_reusing(batch, &self.strings, &mut scratch);
            each(&decoded);
            events += decoded.events.len() as u64;
            decoded.recycle(&mut scratch);
        }
        events
    }
}

/// Decodes every batch; returns the events decoded.
pub fn decode_all(workload: &Workload) -> u64 {
    workload.for_each_decoded(|_| {})
}

/// The flow options of the aggregation benchmark: one window, room for every edge.
pub fn flow_limits() -> FlowLimits {
    FlowLimits {
        window_us: 60_000_000,
        max_edges: 1_000_000,
        top_partitions: 10,
    }
}

/// Decodes every batch and adds its events to `flows`; returns the events decoded.
pub fn decode_and_aggregate(workload: &Workload, flows: &mut FlowAggregator) -> u64 {
    workload.for_each_decoded(|decoded| observe_all(decoded, flows, &workload.strings.read()))
}

/// Adds the events of `decoded` to `flows` (inlined: as an out-of-line call the uniform decode +
/// aggregate measured 4.7 instead of 5.0–5.2 M events/s, a cost of the benchmark, not of the core).
#[inline]
fn observe_all(decoded: &DecodedBatch<'_>, flows: &mut FlowAggregator, strings: &StringsView<'_>) {
    for event in &decoded.events {
        flows.observe(event, strings);
    }
}

/// Every batch decoded, kept (for measuring the aggregation without the decoder).
pub fn decode_kept(workload: &Workload) -> Vec<DecodedBatch<'_>> {
    workload
        .batches()
        .map(|batch| decode_batch(batch, &workload.strings))
        .collect()
}

/// Adds already decoded events to `flows`; returns the events added.
pub fn aggregate_decoded(
    workload: &Workload,
    decoded: &[DecodedBatch<'_>],
    flows: &mut FlowAggregator,
) -> u64 {
    let strings = workload.strings.read();
    let mut events = 0;
    for batch in decoded {
        observe_all(batch, flows, &strings);
        events += batch.events.len() as u64;
    }
    events
}

/// Live edges of the open windows, and how many carry a latency histogram.
pub fn live_edges(flows: &mut FlowAggregator) -> (usize, usize) {
    let mut edges = 0;
    let mut with_latency = 0;
    for window in flows.open_windows() {
        for edge in window.graph().raw_edges() {
            edges += 1;
            if edge.weight.stats.latency().is_some() {
                with_latency += 1;
            }
        }
    }
    (edges, with_latency)
}

/// A fresh directory for one run of the Parquet benchmark.
pub fn scratch_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cdflow-bench-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// What the journal thread does per batch, alone: one checksummed BATCH record per batch, one `write` each,
/// into a segment file under `dir` (page cache; the fsync every `journal_fsync_millis` is not per batch).
/// Returns the events journaled.
pub fn journal_append(workload: &Workload, dir: &Path) -> u64 {
    use cdflow_core::journal::segment::{RecordBuffer, SegmentHeader, append, encode_header};
    std::fs::create_dir_all(dir).expect("bench journal dir");
    let path = dir.join("segment.cdj");
    let mut file = std::fs::File::create(&path).expect("bench segment");
    append(
        &mut file,
        &encode_header(SegmentHeader {
            number: 1,
            created_us: 0,
        }),
    )
    .expect("header");
    let mut record = RecordBuffer::default();
    for batch in workload.batches() {
        append(&mut file, record.batch(0, batch)).expect("append");
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    workload.events
}

/// Rows per row group: the core's default `row_group_rows`, or `CDFLOW_BENCH_ROW_GROUP_ROWS`.
pub fn row_group_rows() -> usize {
    std::env::var("CDFLOW_BENCH_ROW_GROUP_ROWS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(cdflow_core::config::DEFAULT_ROW_GROUP_ROWS)
}

/// Rows handed to the Parquet writer at a time: the core's [`ENCODE_ROWS`], or
/// `CDFLOW_BENCH_ENCODE_ROWS`.
pub fn encode_rows() -> usize {
    std::env::var("CDFLOW_BENCH_ENCODE_ROWS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(ENCODE_ROWS)
}

/// The writer's lineage path without its thread: decode, append rows per (table, node, day), encode
/// and write Parquet files under `root`, close them. Returns the rows written.
pub fn write_lineage(workload: &Workload, root: &Path) -> u64 {
    write_lineage_columns(workload, root, usize::MAX)
}

/// [`write_lineage`] with at most the first `max_columns` columns of each table.
pub fn write_lineage_columns(workload: &Workload, root: &Path, max_columns: usize) -> u64 {
    let log = Arc::new(RateLimitedLog::new(Duration::from_secs(60)));
    let policy = RollPolicy {
        max_bytes: 128 << 20,
        row_group_rows: row_group_rows(),
        encode_rows: encode_rows(),
    };
    let properties = lineage_writer_properties(policy.row_group_rows);
    let mut tables = LineageTable::ALL.map(|table| {
        let mut columns = written_columns(table, false);
        columns.truncate(max_columns);
        let layout = TableLayout::from_columns(table, columns);
        RollingWriter::<TableRows>::new(
            TableSpec {
                root: root.to_owned(),
                table: table.name(),
                schema: Arc::clone(&layout.schema),
                properties: properties.clone(),
                modes: FileModes::default(),
            },
            layout,
            policy,
            Arc::clone(&log),
        )
    });
    let hasher = PartitionKeyHasher::new([7; 16]);
    let identities = IdentityMap::default();
    let now = Instant::now();
    workload.for_each_decoded(|decoded| {
        let strings = workload.strings.read();
        let context = RowContext {
            strings: &strings,
            hasher: &hasher,
            identities: &identities,
        };
        let key = |e: &Event<'_>| (e.table(), e.node(), day_of_unix_micros(e.event_time_us()));
        for run in decoded.events.chunk_by(|a, b| key(a) == key(b)) {
            let (table, node, day) = key(&run[0]);
            let node = strings.get(node).unwrap_or("unknown");
            tables[table.index()].append_rows(node, day, now, run.len() as u64, |rows| {
                rows.append_run(run, &context)
            });
        }
        drop(strings);
        for table in &mut tables {
            table.flush_full();
        }
    });
    let mut rows = 0;
    for table in &mut tables {
        table.close_all();
        let outcomes = table.take_outcomes();
        assert_eq!(
            outcomes.lost_rows, 0,
            "rows lost writing the benchmark files"
        );
        for pending in table.take_pending() {
            rows += pending.publish().expect("publish a benchmark file").rows;
        }
    }
    rows
}

/// Bytes of every `.parquet` file below `dir`.
pub fn parquet_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "parquet") {
                total += entry.metadata().map_or(0, |m| m.len());
            }
        }
    }
    total
}
