//! STRING_DEF then events, as the agent sends them: a `define` batch, then a `submit` batch decoded with
//! recycled vectors, and every event on through what the writer thread does with it in memory — rows
//! of its table (strings resolved, keys hashed, identities joined) and the flow graph. Never panics;
//! each table gets exactly one row per event of it, and every Arrow batch is valid for its schema.
#![no_main]

use cdflow_core::civil_time::day_of_unix_micros;
use cdflow_core::flows::rows::{FlowRows, flows_schema, window_rows};
use cdflow_core::flows::{FlowAggregator, FlowLimits};
use cdflow_core::enrich::identity::IdentityMap;
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::sink::rolling::RowBuffer;
use cdflow_core::decode::strings::StringTable;
use cdflow_core::tables::rows::{RowContext, TableLayout, TableRows};
use cdflow_core::tables::LineageTable;
use cdflow_core::decode::wire::{DecodeScratch, Event, decode_batch, decode_batch_reusing};
use cdflow_fuzz::{check_decoded, split_define_events};
use libfuzzer_sys::fuzz_target;

/// Roles of the test vectors, so that rows join identities.
const IDENTITY_MAP: &str = "roles:\n  svc_orders: {owner: orders-service, team: commerce, kind: service}\n  alice: {owner: Alice Example, kind: person, external_identity: okta|00u1}\n";

fuzz_target!(|data: &[u8]| {
    let (define, submit) = split_define_events(data);
    let strings = StringTable::new();
    let defined = decode_batch(define, &strings);
    check_decoded(define, &defined, &strings, true);

    let mut scratch = DecodeScratch::default();
    let decoded = decode_batch_reusing(submit, &strings, &mut scratch);
    check_decoded(submit, &decoded, &strings, false);
    // Small flow limits, varied with the input, so that edge overflow and the `other` partitions occur.
    let limits = FlowLimits {
        window_us: 10_000_000,
        max_edges: 1 + data.len() % 24,
        top_partitions: 1 + data.len() % 3,
    };
    rows_and_flows(&decoded.events, &strings, data.len() % 2 == 1, limits);
    let kept = decoded.events.len();
    decoded.recycle(&mut scratch);
    // The same batch once more, into recycled vectors: its own definitions are known now.
    let again = decode_batch_reusing(submit, &strings, &mut scratch);
    check_decoded(submit, &again, &strings, false);
    assert!(again.events.len() >= kept);
});

fn rows_and_flows(events: &[Event<'_>], strings: &StringTable, raw_keys: bool, limits: FlowLimits) {
    let view = strings.read();
    let identities = IdentityMap::parse(IDENTITY_MAP).expect("the identity map is valid");
    let hasher = PartitionKeyHasher::new(*b"fuzzing-key-0123");
    let context = RowContext {
        strings: &view,
        hasher: &hasher,
        identities: &identities,
    };
    let mut tables =
        LineageTable::ALL.map(|table| TableRows::new(TableLayout::new(table, raw_keys)));
    let mut expected = [0usize; LineageTable::ALL.len()];
    // Runs of one (table, node, day), as the writer appends them.
    let partition = |event: &Event<'_>| {
        (
            event.table(),
            event.node(),
            day_of_unix_micros(event.event_time_us()),
        )
    };
    for run in events.chunk_by(|a, b| partition(a) == partition(b)) {
        let table = run[0].table().index();
        tables[table].append_run(run, &context);
        expected[table] += run.len();
    }
    for (rows, expected) in tables.iter_mut().zip(expected) {
        assert_eq!(rows.len(), expected);
        let batch = rows.take_batch().expect("rows make a valid record batch");
        assert_eq!(batch.num_rows(), expected);
        assert_eq!(rows.len(), 0);
    }

    let mut flows = FlowAggregator::new(limits);
    for event in events {
        flows.observe(event, &view);
    }
    flows.close_all();
    let limits = flows.limits();
    let mut flow_rows = FlowRows::empty(&flows_schema());
    let mut count = 0;
    for window in flows.take_closed() {
        for row in window_rows(&window, limits.window_us, limits.top_partitions, &view) {
            assert!(row.window_end_us >= row.window_start_us, "{row:?}");
            flow_rows.append(&row);
            count += 1;
        }
    }
    let batch = flow_rows
        .take_batch()
        .expect("flow rows make a valid record batch");
    assert_eq!(batch.num_rows(), count);
}
