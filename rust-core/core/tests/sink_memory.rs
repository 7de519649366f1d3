//! Heap bytes the sink holds for one open `events` file (docs/performance.md, "Memory"): the Arrow
//! builders of the rows not yet encoded plus the Parquet writer's encoded, compressed pages of the row
//! group in progress, measured by a counting allocator while one node's synthetic traffic fills three
//! row groups of the default `row_group_rows`.
//!
//! Its own test binary: the allocator counts every thread of the process, so nothing else may run.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cdflow_core::civil_time::day_of_unix_micros;
use cdflow_core::config::DEFAULT_ROW_GROUP_ROWS;
use cdflow_core::decode::strings::StringTable;
use cdflow_core::decode::wire::{Event, decode_batch};
use cdflow_core::enrich::identity::IdentityMap;
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::log::RateLimitedLog;
use cdflow_core::sink::file_modes::FileModes;
use cdflow_core::sink::rolling::{ENCODE_ROWS, RollPolicy, RollingWriter, TableSpec};
use cdflow_core::tables::LineageTable;
use cdflow_core::tables::rows::{RowContext, TableLayout, TableRows};
use cdflow_core::tables::schema::lineage_writer_properties;
use cdflow_testkit::synth;

/// The system allocator, counting the bytes live now and the most live since the last reset.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are updated beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on as is.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            grew(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MIB: f64 = 1024.0 * 1024.0;

/// Peak heap bytes above what was live before, while one node's `events` rows fill three row groups.
fn events_writer_peak(encode_rows: usize, root: &std::path::Path) -> (usize, u64) {
    let mut workload = synth::Workload::new(1, 20, 100_000, 20_000, 17);
    let mut batches = Vec::new();
    let mut events = 0u64;
    let target = 3 * DEFAULT_ROW_GROUP_ROWS as u64;
    while events < target {
        workload.next_op(&mut |bytes: Vec<u8>, count: u32| {
            events += u64::from(count);
            batches.push(bytes);
        });
    }
    let strings = StringTable::new();
    let define_batch = workload.strings.define_batch();
    let defined = decode_batch(&define_batch, &strings);
    assert!(defined.errors.is_empty(), "{:?}", defined.errors);
    let policy = RollPolicy {
        max_bytes: 1 << 40,
        row_group_rows: DEFAULT_ROW_GROUP_ROWS,
        encode_rows,
    };
    let layout = TableLayout::new(LineageTable::Events, false);
    assert_eq!(layout.columns.len(), 61, "the full events schema");
    let mut writer = RollingWriter::<TableRows>::new(
        TableSpec {
            root: root.to_owned(),
            table: "events",
            schema: Arc::clone(&layout.schema),
            properties: lineage_writer_properties(DEFAULT_ROW_GROUP_ROWS),
            modes: FileModes::default(),
        },
        layout,
        policy,
        Arc::new(RateLimitedLog::new(Duration::from_secs(60))),
    );
    let hasher = PartitionKeyHasher::new([7; 16]);
    let identities = IdentityMap::default();
    let now = Instant::now();
    let mut rows = 0u64;
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    for batch in &batches {
        let decoded = decode_batch(batch, &strings);
        assert!(decoded.errors.is_empty(), "{:?}", decoded.errors);
        {
            let view = strings.read();
            let context = RowContext {
                strings: &view,
                hasher: &hasher,
                identities: &identities,
            };
            let key = |e: &Event<'_>| (e.table(), e.node(), day_of_unix_micros(e.event_time_us()));
            for run in decoded.events.chunk_by(|a, b| key(a) == key(b)) {
                let (table, node, day) = key(&run[0]);
                if table != LineageTable::Events {
                    continue;
                }
                let node = view.get(node).unwrap_or("unknown");
                writer.append_rows(node, day, now, run.len() as u64, |buffer| {
                    buffer.append_run(run, &context)
                });
                rows += run.len() as u64;
            }
        }
        writer.flush_full();
    }
    let peak = PEAK.load(Ordering::Relaxed) - before;
    writer.close_all();
    assert_eq!(writer.take_outcomes().lost_rows, 0);
    let files = writer.take_pending();
    assert_eq!(files.len(), 1, "one node, one day: one file");
    assert_eq!(files[0].rows, rows);
    (peak, rows)
}

#[test]
fn one_open_events_file_holds_a_few_mib_not_a_row_group_of_arrow_arrays() {
    let root = tempfile::tempdir().expect("temp dir");
    let (whole_group, rows) = events_writer_peak(DEFAULT_ROW_GROUP_ROWS, &root.path().join("a"));
    let (incremental, same_rows) = events_writer_peak(ENCODE_ROWS, &root.path().join("b"));
    assert_eq!(rows, same_rows);
    assert!(rows >= 3 * DEFAULT_ROW_GROUP_ROWS as u64, "{rows} rows");
    println!(
        "events writer, {rows} rows, row groups of {DEFAULT_ROW_GROUP_ROWS}: peak heap {:.1} MiB \
         encoding whole row groups, {:.1} MiB encoding every {ENCODE_ROWS} rows",
        whole_group as f64 / MIB,
        incremental as f64 / MIB
    );
    assert!(
        incremental * 3 < whole_group,
        "encoding every {ENCODE_ROWS} rows ({incremental} B) should hold well under a third of \
         encoding whole row groups ({whole_group} B)"
    );
    assert!(
        incremental < 16 << 20,
        "one open events file peaked at {incremental} B of heap (bound: 16 MiB)"
    );
}
