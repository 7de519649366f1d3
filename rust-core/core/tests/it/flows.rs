//! The flow graph end to end through the pipeline: known events in, exact `flows` rows out (counts,
//! bytes, latency percentiles, top partitions with `other`, windows, overflow).

use std::collections::BTreeMap;

use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use serde_json::json;

use crate::support::{
    Cell, Row, SHUTDOWN, TempDir, VectorEvent, VectorField, VectorRecord, VectorTagged, batch,
    parquet_files, read_rows, string_def, text,
};

/// A multiple of 60 s (window-aligned).
const BASE_US: i64 = 1_764_000_000_000_000;
const WINDOW_US: i64 = 60_000_000;

const STRINGS: [(u32, &str); 12] = [
    (1, "127.0.0.1"),
    (2, "shop"),
    (3, "orders"),
    (4, "carts"),
    (5, "app"),
    (6, "bob"),
    (7, "coordinator_read"),
    (8, "replica_read"),
    (9, "hint_write"),
    (10, "127.0.0.2"),
    (11, "10.1.1.1:5000"),
    (12, "10.1.1.1:6000"),
];

/// A MUTATION_EVENT on node 1, keyspace 2.
fn write(
    kind: &str,
    table: u32,
    user: u32,
    token: i64,
    bytes: u32,
    latency_us: i64,
) -> VectorEvent {
    VectorEvent {
        event_time_us: BASE_US + 1,
        kind: kind.to_owned(),
        consistency_code: 1,
        flags: 0,
        node: 1,
        keyspace: 2,
        table,
        user,
        client_address: 0,
        driver_name: 0,
        driver_version: 0,
        statement_type: 0,
        coordinator: 1,
        error: 0,
        token,
        message_id: -1,
        latency_us,
        bytes,
        rows: 1,
        cells: 1,
        tombstones: 0,
        ttl_cells: 0,
        replicas: 1,
        key_hex: "00".to_owned(),
        extension: Vec::new(),
    }
}

fn tagged(table: &str, fields: &[(u8, u8, serde_json::Value)]) -> VectorRecord {
    let mut all = vec![
        VectorField(1, 1, json!(BASE_US + 2)),
        VectorField(2, 2, json!(1)),
    ];
    all.extend(
        fields
            .iter()
            .map(|(id, field_type, value)| VectorField(*id, *field_type, value.clone())),
    );
    VectorRecord::Tagged(VectorTagged {
        tagged: table.to_owned(),
        fields: all,
    })
}

fn mutation(event: VectorEvent) -> VectorRecord {
    VectorRecord::Mutation(event)
}

/// Every event of the known workload.
fn workload() -> Vec<VectorRecord> {
    let mut events = Vec::new();
    // app → orders: 5 writes of 100 bytes, latencies 10..=50, tokens 1,1,1,2,3.
    for (token, latency) in [(1, 10), (1, 20), (1, 30), (2, 40), (3, 50)] {
        events.push(mutation(write(
            "coordinator_write",
            3,
            5,
            token,
            100,
            latency,
        )));
    }
    // bob → carts: 3 writes of 20 bytes, 1000 µs.
    for _ in 0..3 {
        events.push(mutation(write("coordinator_write", 4, 6, 7, 20, 1000)));
    }
    // No role, two ports of one host → one client vertex; latency unknown.
    for address in [11, 12] {
        let mut event = write("coordinator_write", 3, 0, 9, 10, -1);
        event.client_address = address;
        events.push(mutation(event));
    }
    // Replica writes: 4 from the remote coordinator 127.0.0.2, 5 applied locally.
    for _ in 0..4 {
        let mut event = write("replica_write", 3, 0, 1, 100, 5);
        event.coordinator = 10;
        events.push(mutation(event));
    }
    for _ in 0..5 {
        let mut event = write("replica_write", 3, 0, 1, 100, -1);
        event.flags = 1;
        events.push(mutation(event));
    }
    // Reads: 2 coordinator reads by app (token 1, 30 µs, rows returned: SELECTs), 1 replica read for
    // 127.0.0.2, and 1 coordinator read no SELECT made (no rows_returned: an LWT's condition read, 40 µs).
    for _ in 0..2 {
        events.push(tagged(
            "events",
            &[
                (3, 2, json!(2)),
                (4, 2, json!(3)),
                (5, 2, json!(7)),
                (6, 2, json!(5)),
                (14, 1, json!(1)),
                (17, 1, json!(30)),
                (36, 1, json!(1)),
            ],
        ));
    }
    events.push(tagged(
        "events",
        &[
            (3, 2, json!(2)),
            (4, 2, json!(3)),
            (5, 2, json!(7)),
            (6, 2, json!(5)),
            (14, 1, json!(1)),
            (17, 1, json!(40)),
        ],
    ));
    events.push(tagged(
        "events",
        &[
            (3, 2, json!(2)),
            (4, 2, json!(3)),
            (5, 2, json!(8)),
            (12, 2, json!(10)),
        ],
    ));
    // A kind this core does not know by name: a hint for 127.0.0.2.
    events.push(tagged(
        "events",
        &[
            (3, 2, json!(2)),
            (4, 2, json!(3)),
            (5, 2, json!(9)),
            (18, 1, json!(64)),
            (48, 2, json!(10)),
        ],
    ));
    // A flush and a compaction of orders; an SSTable change and a login add nothing.
    events.push(tagged(
        "flushes",
        &[(3, 2, json!(2)), (4, 2, json!(3)), (66, 1, json!(4096))],
    ));
    events.push(tagged(
        "compactions",
        &[
            (3, 2, json!(2)),
            (4, 2, json!(3)),
            (74, 1, json!(8000)),
            (66, 1, json!(6000)),
            (79, 1, json!(1234)),
        ],
    ));
    events.push(tagged("sstables", &[(3, 2, json!(2)), (4, 2, json!(3))]));
    events.push(tagged("auth_events", &[(6, 2, json!(5))]));
    // One write in the next window.
    let mut later = write("coordinator_write", 3, 5, 1, 100, 10);
    later.event_time_us = BASE_US + WINDOW_US + 5;
    events.push(mutation(later));
    events
}

fn run(configure: impl FnOnce(&mut CoreConfig), events: &[VectorRecord]) -> Vec<Row> {
    let dir = TempDir::new("flows");
    let mut config = CoreConfig::new(dir.path().join("lineage"));
    config.roll_seconds = 3600;
    config.stats_seconds = 3600;
    configure(&mut config);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let mut records: Vec<Vec<u8>> = STRINGS.iter().map(|(id, s)| string_def(*id, s)).collect();
    records.extend(events.iter().map(VectorRecord::encode));
    assert_eq!(
        pipeline.submit(&batch(&records), events.len() as u32),
        SubmitOutcome::Accepted
    );
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let flows = config.output.join("flows");
    assert!(
        parquet_files(&flows)
            .iter()
            .all(|path| path.starts_with(flows.join("node=127.0.0.1/date=2025-11-24"))),
        "{:?}",
        parquet_files(&flows)
    );
    read_rows(&flows)
}

/// (window, edge_kind, source, target, table, token) → (count, bytes, [latency_count, p50, p99, max]).
type Summary = BTreeMap<(i64, String, String, String, String, Cell), (i64, i64, [Cell; 4])>;

fn summarize(rows: &[Row]) -> Summary {
    let text_of = |row: &Row, column: &str| match &row[column] {
        Cell::Text(value) => value.clone(),
        Cell::Null => "-".to_owned(),
        other => panic!("{column}: {other:?}"),
    };
    let int = |row: &Row, column: &str| match row[column] {
        Cell::Int(value) => value,
        ref other => panic!("{column}: {other:?}"),
    };
    let mut summary = Summary::new();
    for row in rows {
        assert_eq!(int(row, "window_end") - int(row, "window_start"), WINDOW_US);
        assert_eq!(row["node"], text("127.0.0.1"));
        let key = (
            int(row, "window_start") - BASE_US,
            text_of(row, "edge_kind"),
            format!("{}:{}", text_of(row, "source_kind"), text_of(row, "source")),
            format!("{}:{}", text_of(row, "target_kind"), text_of(row, "target")),
            text_of(row, "table_name"),
            row["token"].clone(),
        );
        let latency = [
            "latency_count",
            "latency_p50_us",
            "latency_p99_us",
            "latency_max_us",
        ]
        .map(|column| row[column].clone());
        let previous = summary.insert(key.clone(), (int(row, "count"), int(row, "bytes"), latency));
        assert_eq!(previous, None, "{key:?} twice");
    }
    summary
}

fn key(
    window: i64,
    kind: &str,
    source: &str,
    target: &str,
    table: &str,
) -> (i64, String, String, String, String, Cell) {
    (
        window,
        kind.into(),
        source.into(),
        target.into(),
        table.into(),
        Cell::Null,
    )
}

fn latency(count: i64, p50: i64, p99: i64, max: i64) -> [Cell; 4] {
    [count, p50, p99, max].map(Cell::Int)
}

const NONE: [Cell; 4] = [Cell::Null, Cell::Null, Cell::Null, Cell::Null];

#[test]
fn every_movement_becomes_an_edge_with_exact_counts() {
    let rows = run(|config| config.flow_top_partitions = 2, &workload());
    let got = summarize(&rows);
    let w = WINDOW_US;
    let mut expected = Summary::new();
    let mut put = |key, count, bytes, latency| {
        expected.insert(key, (count, bytes, latency));
    };
    put(
        key(0, "write", "role:app", "coordinator:127.0.0.1", "orders"),
        5,
        500,
        latency(5, 30, 50, 50),
    );
    put(
        key(0, "write", "role:bob", "coordinator:127.0.0.1", "carts"),
        3,
        60,
        latency(3, 1000, 1000, 1000),
    );
    put(
        key(
            0,
            "write",
            "client:10.1.1.1",
            "coordinator:127.0.0.1",
            "orders",
        ),
        2,
        20,
        NONE,
    );
    put(
        key(
            0,
            "replica_write",
            "coordinator:127.0.0.2",
            "replica:127.0.0.1",
            "orders",
        ),
        4,
        400,
        latency(4, 5, 5, 5),
    );
    put(
        key(
            0,
            "replica_write",
            "coordinator:127.0.0.1",
            "replica:127.0.0.1",
            "orders",
        ),
        5,
        500,
        NONE,
    );
    put(
        key(
            0,
            "memtable_write",
            "replica:127.0.0.1",
            "memtable:shop.orders",
            "orders",
        ),
        9,
        900,
        NONE,
    );
    put(
        key(0, "read", "role:app", "coordinator:127.0.0.1", "orders"),
        2,
        0,
        latency(2, 30, 30, 30),
    );
    put(
        key(
            0,
            "replica_read",
            "coordinator:127.0.0.2",
            "replica:127.0.0.1",
            "orders",
        ),
        1,
        0,
        NONE,
    );
    put(
        key(
            0,
            "hint_write",
            "coordinator:127.0.0.1",
            "replica:127.0.0.2",
            "orders",
        ),
        1,
        64,
        NONE,
    );
    put(
        key(
            0,
            "flush",
            "memtable:shop.orders",
            "sstables:shop.orders",
            "orders",
        ),
        1,
        4096,
        NONE,
    );
    put(
        key(
            0,
            "compaction_read",
            "sstables:shop.orders",
            "compaction:shop.orders",
            "orders",
        ),
        1,
        8000,
        NONE,
    );
    put(
        key(
            0,
            "compaction_write",
            "compaction:shop.orders",
            "sstables:shop.orders",
            "orders",
        ),
        1,
        6000,
        latency(1, 1234, 1234, 1234),
    );
    let partition = |window, kind: &str, table: &str, target: &str, token: Option<i64>| {
        (
            window,
            kind.to_owned(),
            format!("table:shop.{table}"),
            format!("partition:{target}"),
            table.to_owned(),
            token.map_or(Cell::Null, Cell::Int),
        )
    };
    // orders writes: token 1 ×3, 9 ×2 (top 2), then 2 and 3 summed as other.
    put(
        partition(0, "partition_write", "orders", "1", Some(1)),
        3,
        300,
        NONE,
    );
    put(
        partition(0, "partition_write", "orders", "9", Some(9)),
        2,
        20,
        NONE,
    );
    put(
        partition(0, "partition_write", "orders", "other", None),
        2,
        200,
        NONE,
    );
    put(
        partition(0, "partition_write", "carts", "7", Some(7)),
        3,
        60,
        NONE,
    );
    put(
        partition(0, "partition_read", "orders", "1", Some(1)),
        2,
        0,
        NONE,
    );
    put(
        key(
            0,
            "condition_read",
            "coordinator:127.0.0.1",
            "replica:127.0.0.1",
            "orders",
        ),
        1,
        0,
        latency(1, 40, 40, 40),
    );
    // The next window.
    put(
        key(w, "write", "role:app", "coordinator:127.0.0.1", "orders"),
        1,
        100,
        latency(1, 10, 10, 10),
    );
    put(
        partition(w, "partition_write", "orders", "1", Some(1)),
        1,
        100,
        NONE,
    );
    assert_eq!(got, expected);
}

#[test]
fn edges_beyond_the_limit_are_counted_as_overflow() {
    // 4 distinct edges plus one partition summary each; room for 3.
    let events: Vec<VectorRecord> = [3, 4]
        .into_iter()
        .flat_map(|table| {
            [5, 6].map(move |user| mutation(write("coordinator_write", table, user, 1, 10, 7)))
        })
        .collect();
    let rows = run(|config| config.flow_max_edges = 3, &events);
    let got = summarize(&rows);
    let total: i64 = got.values().map(|(count, _, _)| count).sum();
    // Every event counted once on its edge (or overflow) and once on its partition (or overflow).
    assert_eq!(total, 8);
    let overflow = got
        .iter()
        .find(|(key, _)| key.1 == "overflow")
        .map(|(_, value)| value.clone());
    // app and bob on orders fit (2 edges + the orders summary); both carts events overflow twice.
    assert_eq!(overflow, Some((4, 40, NONE)));
    assert_eq!(
        got.len(),
        4,
        "3 edges or summaries and the overflow row: {got:#?}"
    );
}
