//! Tagged events and write extensions end to end: every lineage table written under its own Hive
//! layout, read back from Parquet, with the identity map joined on `user_name`.

use std::path::Path;

use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};

use crate::support::{
    self, Case, Cell, Row, SHUTDOWN, TempDir, VectorField, VectorRecord, VectorTagged, batch, case,
    parquet_files, read_rows, text,
};

/// Both styles of the documented format.
const IDENTITY_MAP: &str = r#"# who is behind each role
roles:
  svc_orders: {owner: orders-service, team: commerce, kind: service, external_identity: "arn:aws:iam::123456789012:role/orders"}
  alice:
    owner: Alice Example
    team: commerce
    kind: person
    external_identity: okta|00u1abcd
"#;

fn config(dir: &TempDir) -> CoreConfig {
    let identity_map = dir.path().join("identity-map.yaml");
    std::fs::write(&identity_map, IDENTITY_MAP).expect("write identity map");
    let mut config = support::config(dir);
    config.identity_map = Some(identity_map);
    config
}

/// The only row of `rows` whose `column` is `value`.
fn find<'r>(rows: &'r [Row], column: &str, value: &Cell) -> &'r Row {
    let found: Vec<&Row> = rows.iter().filter(|row| &row[column] == value).collect();
    assert_eq!(found.len(), 1, "{column} = {value:?} in {rows:#?}");
    found[0]
}

fn assert_cells(row: &Row, expected: &[(&str, Cell)]) {
    for (column, value) in expected {
        assert_eq!(row.get(*column), Some(value), "column {column} of {row:#?}");
    }
}

fn list(items: &[&str]) -> Cell {
    Cell::List(items.iter().map(|item| (*item).to_owned()).collect())
}

/// Relative directories (`<table>/node=…/date=…`) of the completed files of one table.
fn partitions(lineage: &Path, table: &str) -> Vec<String> {
    parquet_files(&lineage.join(table))
        .iter()
        .map(|path| {
            path.parent()
                .and_then(|dir| dir.strip_prefix(lineage).ok())
                .map(|dir| dir.display().to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// A tagged `events` row carrying the remaining registry fields (CAS, hints, tracing).
fn cas_read() -> VectorRecord {
    let fields = [
        (1, 1, serde_json::json!(1_764_000_000_300_000_i64)),
        (2, 2, serde_json::json!(1)),
        (5, 2, serde_json::json!(15)),
        (6, 2, serde_json::json!(4)),
        (11, 1, serde_json::json!(8)),
        (45, 5, serde_json::json!("trace-1")),
        (46, 3, serde_json::json!(true)),
        (47, 1, serde_json::json!(2)),
        (48, 2, serde_json::json!(12)),
        (49, 1, serde_json::json!(1_764_000_000_250_i64)),
        (60, 5, serde_json::json!("not an events column")),
    ];
    VectorRecord::Tagged(VectorTagged {
        tagged: "events".to_owned(),
        fields: fields
            .into_iter()
            .map(|(id, field_type, value)| VectorField(id, field_type, value))
            .collect(),
    })
}

#[test]
fn every_table_is_written_and_read_back_with_identities() {
    let dir = TempDir::new("tagged");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let cases = [
        case("write with extension fields"),
        case("tagged: coordinator and replica reads"),
        case("tagged: flush, compaction, sstable change, failed login"),
        case("tagged: unknown field id is skipped"),
    ];
    let mut total = 0;
    for case in &cases {
        total += case.events.len() as u64;
        assert_eq!(
            pipeline.submit(&case.bytes(), case.events.len() as u32),
            SubmitOutcome::Accepted,
            "{}",
            case.name
        );
    }
    // Strings are already defined by the earlier batches.
    assert_eq!(
        pipeline.submit(&batch(&[cas_read().encode()]), 1),
        SubmitOutcome::Accepted
    );
    total += 1;
    pipeline.shutdown(SHUTDOWN).expect("shutdown");

    // 1 unknown id (200) + 1 field no events column reads (60, flush_id).
    assert_eq!(
        pipeline.counters(),
        [
            total, total, 0, 0, total, 5, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0
        ]
    );
    let lineage = &config.output;
    for table in [
        "events",
        "flushes",
        "compactions",
        "sstables",
        "auth_events",
    ] {
        assert_eq!(
            partitions(lineage, table),
            [format!("{table}/node=127.0.0.1/date=2025-11-24")],
            "{table}"
        );
    }
    let key = std::fs::read(&config.key_file).expect("key file");
    let hasher = PartitionKeyHasher::new(key.try_into().expect("16 bytes"));

    let events = read_rows(&lineage.join("events"));
    assert_eq!(events.len(), 5);
    assert_eq!(
        events[0].len(),
        61,
        "every events column, no partition_key_hex"
    );
    let write = find(&events, "kind", &text("coordinator_write"));
    assert_cells(
        write,
        &[
            ("user_name", text("svc_orders")),
            ("tombstones", Cell::Int(3)),
            ("batch_id", text("6a1f0c52-9d3e-11ef-8b2a-0242ac120002")),
            ("batch_partitions", Cell::Int(3)),
            ("batch_tables", Cell::Int(1)),
            ("partition_tombstones", Cell::Int(1)),
            ("row_tombstones", Cell::Int(1)),
            ("range_tombstones", Cell::Int(0)),
            ("cell_tombstones", Cell::Int(1)),
            ("ttl_rows", Cell::Int(0)),
            ("session_id", text("9b1d2c3e4f506172")),
            ("write_timestamp", Cell::Int(1_764_000_000_123_000)),
            ("owner", text("orders-service")),
            ("team", text("commerce")),
            ("identity_kind", text("service")),
            (
                "external_identity",
                text("arn:aws:iam::123456789012:role/orders"),
            ),
            ("rows_returned", Cell::Null),
            ("range_scan", Cell::Null),
            ("applied_locally", Cell::Bool(false)),
        ],
    );
    let reads: Vec<Row> = events
        .iter()
        .filter(|row| row["kind"] == text("coordinator_read"))
        .cloned()
        .collect();
    assert_eq!(reads.len(), 3);
    let read = find(&reads, "rows_returned", &Cell::Int(7));
    assert_cells(
        read,
        &[
            ("node", text("127.0.0.1")),
            ("keyspace_name", text("shop")),
            ("table_name", text("orders")),
            ("user_name", text("alice")),
            ("consistency", text("ONE")),
            ("token", Cell::Int(-42)),
            (
                "partition_key_hash",
                Cell::Int(hasher.hash(&[0, 0, 0, 0x2a]) as i64),
            ),
            ("range_scan", Cell::Bool(false)),
            ("rows_returned", Cell::Int(7)),
            ("latency_us", Cell::Int(1500)),
            ("replicas", Cell::Int(1)),
            ("session_id", text("9b1d2c3e4f506172")),
            ("owner", text("Alice Example")),
            ("identity_kind", text("person")),
            ("external_identity", text("okta|00u1abcd")),
            ("bytes", Cell::Null),
            ("applied_locally", Cell::Null),
            ("batch_id", Cell::Null),
        ],
    );
    let replica = find(&events, "kind", &text("replica_read"));
    assert_cells(
        replica,
        &[
            ("range_scan", Cell::Bool(true)),
            ("tombstones_scanned", Cell::Int(12)),
            ("live_rows", Cell::Int(30)),
            ("coordinator", text("127.0.0.1")),
            ("token", Cell::Null),
            ("partition_key_hash", Cell::Null),
            ("consistency", Cell::Null),
            ("user_name", Cell::Null),
            ("owner", Cell::Null),
        ],
    );
    let cas = find(&events, "event_time", &Cell::Int(1_764_000_000_300_000));
    assert_cells(
        cas,
        &[
            ("consistency", text("SERIAL")),
            ("trace_session_id", text("trace-1")),
            ("cas_applied", Cell::Bool(true)),
            ("paxos_attempts", Cell::Int(2)),
            ("hint_target", text("127.0.0.2")),
            ("hint_creation_time", Cell::Int(1_764_000_000_250_000)),
            ("owner", text("orders-service")),
        ],
    );

    let flushes = read_rows(&lineage.join("flushes"));
    assert_eq!(flushes.len(), 1);
    assert_cells(
        &flushes[0],
        &[
            ("event_time", Cell::Int(1_764_000_001_000_000)),
            ("node", text("127.0.0.1")),
            ("keyspace_name", text("shop")),
            ("table_name", text("orders")),
            ("flush_id", text("127.0.0.1-f7")),
            ("flush_reason", text("USER_FORCED")),
            ("partitions", Cell::Int(12)),
            ("operations", Cell::Int(57)),
            ("memtable_bytes", Cell::Int(4096)),
            ("output_sstables", list(&["3", "4"])),
            ("bytes_out", Cell::Int(2048)),
        ],
    );
    assert_eq!(flushes[0].len(), 11);

    let compactions = read_rows(&lineage.join("compactions"));
    assert_eq!(compactions.len(), 1);
    assert_cells(
        &compactions[0],
        &[
            (
                "compaction_id",
                text("0c2b3f40-9d3f-11ef-8b2a-0242ac120002"),
            ),
            ("operation_type", text("COMPACTION")),
            ("strategy", text("SizeTieredCompactionStrategy")),
            ("input_sstables", list(&["3", "4"])),
            ("output_sstables", list(&["5"])),
            ("bytes_in", Cell::Int(2048)),
            ("bytes_out", Cell::Int(1500)),
            ("partitions_in", Cell::Int(24)),
            ("partitions_out", Cell::Int(12)),
            ("tombstones_in_estimate", Cell::Int(9)),
            ("tombstones_out_estimate", Cell::Int(2)),
            ("duration_us", Cell::Int(35_000)),
        ],
    );
    assert_eq!(compactions[0].len(), 16);

    let sstables = read_rows(&lineage.join("sstables"));
    assert_eq!(sstables.len(), 1);
    assert_cells(
        &sstables[0],
        &[
            ("sstable_id", text("5")),
            ("change", text("created")),
            ("origin", text("compaction")),
            ("origin_id", text("0c2b3f40-9d3f-11ef-8b2a-0242ac120002")),
            ("size_bytes", Cell::Int(1500)),
            ("rows", Cell::Int(12)),
            ("tombstone_estimate", Cell::Int(2)),
            ("level", Cell::Int(0)),
        ],
    );
    assert_eq!(sstables[0].len(), 12);

    let logins = read_rows(&lineage.join("auth_events"));
    assert_eq!(logins.len(), 1);
    assert_cells(
        &logins[0],
        &[
            ("event_time", Cell::Int(1_764_000_003_000_000)),
            ("node", text("127.0.0.1")),
            ("user_name", text("alice")),
            ("client_address", text("127.0.0.1:53412")),
            ("session_id", text("9b1d2c3e4f506172")),
            ("outcome", text("failure")),
            (
                "reason",
                text("Provided username alice and/or password are incorrect"),
            ),
            ("owner", text("Alice Example")),
            ("team", text("commerce")),
            ("identity_kind", text("person")),
            ("external_identity", text("okta|00u1abcd")),
        ],
    );
    assert_eq!(logins[0].len(), 11);

    let stats = read_rows(&lineage.join("agent_stats"));
    assert_eq!(stats.len(), 1);
    assert_cells(
        &stats[0],
        &[
            ("skipped_fields", Cell::Int(2)),
            ("written", Cell::Int(total as i64)),
            ("files", Cell::Int(5)),
        ],
    );
}

#[test]
fn without_an_identity_map_the_identity_columns_are_null() {
    let dir = TempDir::new("no-identity");
    let mut config = config(&dir);
    config.identity_map = None;
    config.raw_keys = true;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("tagged: coordinator and replica reads");
    assert_eq!(pipeline.submit(&case.bytes(), 2), SubmitOutcome::Accepted);
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let rows = read_rows(&config.output.join("events"));
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(row.len(), 62, "partition_key_hex with raw_keys");
        for column in ["owner", "team", "identity_kind", "external_identity"] {
            assert_eq!(row[column], Cell::Null, "{column}");
        }
    }
    let read = find(&rows, "kind", &text("coordinator_read"));
    assert_eq!(read["user_name"], text("alice"));
    assert_eq!(read["partition_key_hex"], text("0000002a"));
    let replica = find(&rows, "kind", &text("replica_read"));
    assert_eq!(replica["partition_key_hex"], Cell::Null);
}

#[test]
fn rejected_tagged_records_are_counted_and_skip_nothing() {
    let dir = TempDir::new("tagged-rejects");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let invalid: Vec<Case> = crate::support::load_cases()
        .into_iter()
        .filter(|case| case.name.starts_with("tagged:") && case.error.is_some())
        .collect();
    assert_eq!(invalid.len(), 4);
    for case in &invalid {
        assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    }
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let c = pipeline.snapshot();
    assert_eq!((c.offered, c.rejected, c.written, c.files), (4, 4, 0, 0));
    assert_eq!(c.skipped_fields, 0);
}

#[test]
fn a_batch_interleaving_tables_kinds_and_days_keeps_every_row_in_order() {
    let dir = TempDir::new("interleaved");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let reads = case("tagged: coordinator and replica reads");
    let others = case("tagged: flush, compaction, sstable change, failed login");
    let write = case("write with extension fields");
    let next_day = |record: &VectorRecord, time: i64| match record {
        VectorRecord::Tagged(tagged) => {
            let mut tagged = tagged.clone();
            for field in &mut tagged.fields {
                if field.0 == 1 {
                    field.2 = serde_json::json!(time);
                }
            }
            VectorRecord::Tagged(tagged)
        }
        VectorRecord::Mutation(_) => panic!("tagged only"),
    };
    let mut records: Vec<Vec<u8>> = reads
        .strings
        .iter()
        .map(|(id, text)| crate::support::string_def(*id, text))
        .collect();
    let events = [
        reads.events[0].clone(),                            // events, 2025-11-24
        VectorRecord::Mutation(write.mutation(0).clone()),  // events, same day: same run
        others.events[0].clone(),                           // flushes
        next_day(&reads.events[1], 1_764_086_400_000_001),  // events, 2025-11-25
        reads.events[1].clone(),                            // events, back to 2025-11-24
        next_day(&others.events[0], 1_764_086_400_000_002), // flushes, 2025-11-25
    ];
    records.extend(events.iter().map(VectorRecord::encode));
    assert_eq!(
        pipeline.submit(&batch(&records), events.len() as u32),
        SubmitOutcome::Accepted
    );
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    assert_eq!(pipeline.counters()[..6], [6, 6, 0, 0, 6, 4]);
    let lineage = &config.output;
    assert_eq!(
        partitions(lineage, "events"),
        [
            "events/node=127.0.0.1/date=2025-11-24",
            "events/node=127.0.0.1/date=2025-11-25"
        ]
    );
    assert_eq!(
        partitions(lineage, "flushes"),
        [
            "flushes/node=127.0.0.1/date=2025-11-24",
            "flushes/node=127.0.0.1/date=2025-11-25"
        ]
    );
    let files = parquet_files(&lineage.join("events"));
    let first_day: Vec<Cell> = read_rows(files[0].parent().expect("dir"))
        .into_iter()
        .map(|row| row["kind"].clone())
        .collect();
    assert_eq!(
        first_day,
        [
            text("coordinator_read"),
            text("coordinator_write"),
            text("replica_read")
        ],
        "rows keep batch order within a file"
    );
    let second_day = read_rows(files[1].parent().expect("dir"));
    assert_eq!(second_day.len(), 1);
    assert_eq!(second_day[0]["tombstones_scanned"], Cell::Int(12));
    assert_eq!(read_rows(&lineage.join("flushes")).len(), 2);
}
