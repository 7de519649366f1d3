//! The pipeline end to end: submit batches, shut down, read the Parquet files back.

use std::path::Path;
use std::time::{Duration, Instant};

use arrow::array::cast::AsArray;
use arrow::datatypes::Int64Type;
use cdflow_core::enrich::keyhash::PartitionKeyHasher;
use cdflow_core::{AgentDrops, CoreConfig, CoreError, Pipeline, SubmitOutcome};
use parquet::basic::{Compression, Encoding, LogicalType};
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::support::{
    Case, EventRow, SHUTDOWN, TempDir, VectorEvent, VectorRecord, batch, case, config, files_below,
    from_hex, parquet_files, read_batches, read_event_rows, repeated_batch, string_def,
    valid_cases,
};

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn consistency_name(code: u8) -> Option<String> {
    const NAMES: [&str; 12] = [
        "ANY",
        "ONE",
        "TWO",
        "THREE",
        "QUORUM",
        "ALL",
        "LOCAL_QUORUM",
        "EACH_QUORUM",
        "SERIAL",
        "LOCAL_SERIAL",
        "LOCAL_ONE",
        "NODE_LOCAL",
    ];
    (code != 255).then(|| NAMES[usize::from(code)].to_owned())
}

/// The row the schema (docs/schema.md) promises for a vector event.
fn expected_row(
    case: &Case,
    event: &VectorEvent,
    hasher: &PartitionKeyHasher,
    raw_keys: bool,
) -> EventRow {
    let text = |id: u32| case.text(id).map(str::to_owned);
    EventRow {
        event_time: event.event_time_us,
        node: text(event.node),
        kind: event.kind.clone(),
        keyspace_name: text(event.keyspace),
        table_name: text(event.table),
        token: event.token,
        partition_key_hash: hasher.hash(&from_hex(&event.key_hex)) as i64,
        partition_key_hex: raw_keys.then(|| event.key_hex.clone()),
        user_name: text(event.user),
        client_address: text(event.client_address),
        driver_name: text(event.driver_name),
        driver_version: text(event.driver_version),
        statement_type: text(event.statement_type),
        consistency: consistency_name(event.consistency_code),
        bytes: i64::from(event.bytes),
        rows: event.rows as i32,
        cells: event.cells as i32,
        tombstones: event.tombstones as i32,
        ttl_cells: event.ttl_cells as i32,
        replicas: i32::from(event.replicas),
        coordinator: text(event.coordinator),
        message_id: (event.message_id != -1).then_some(event.message_id),
        latency_us: (event.latency_us != -1).then_some(event.latency_us),
        applied_locally: event.flags & 1 != 0,
        error: text(event.error),
    }
}

fn hasher_of(config: &CoreConfig) -> PartitionKeyHasher {
    let key = std::fs::read(&config.key_file).expect("key file");
    PartitionKeyHasher::new(key.try_into().expect("16 bytes"))
}

/// Reads column `name` of every `agent_stats` row below `lineage`.
fn stats_column(lineage: &Path, name: &str) -> Vec<i64> {
    let mut values = Vec::new();
    for path in parquet_files(&lineage.join("agent_stats")) {
        for batch in read_batches(&path) {
            let column = batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name}"));
            values.extend(column.as_primitive::<Int64Type>().values().iter().copied());
        }
    }
    values
}

fn assert_no_in_progress_files(dir: &Path) {
    let leftovers: Vec<_> = files_below(dir)
        .into_iter()
        .filter(|path| file_name(path).ends_with(".inprogress"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "in-progress files left: {leftovers:?}"
    );
}

#[test]
fn vectors_round_trip_through_parquet() {
    let dir = TempDir::new("roundtrip");
    let mut config = config(&dir);
    config.raw_keys = true;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    pipeline.record_agent_counters(
        10,
        AgentDrops {
            busy: 1,
            ..AgentDrops::default()
        },
    );
    // Mutation events only (extension fields included); tagged events: tests/it/tagged.rs.
    let cases: Vec<Case> = valid_cases()
        .into_iter()
        .filter(Case::only_mutations)
        .collect();
    assert!(
        cases
            .iter()
            .any(|case| case.name.starts_with("write with extension"))
    );
    let total: usize = cases.iter().map(|case| case.events.len()).sum();
    for case in &cases {
        assert_eq!(
            pipeline.submit(&case.bytes(), case.events.len() as u32),
            SubmitOutcome::Accepted
        );
    }
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let total = total as u64;
    assert_eq!(
        pipeline.counters(),
        [
            total, total, 0, 0, total, 2, 0, 10, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
        ]
    );

    let lineage = &config.output;
    assert_no_in_progress_files(lineage);
    let event_files = parquet_files(&lineage.join("events"));
    let relative: Vec<String> = event_files
        .iter()
        .map(|path| {
            path.strip_prefix(lineage)
                .expect("below lineage")
                .parent()
                .expect("dir")
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        relative,
        [
            "events/node=127.0.0.1/date=1969-12-31",
            "events/node=127.0.0.1/date=2025-11-24"
        ]
    );
    for path in &event_files {
        let name = file_name(path);
        assert!(
            name.starts_with("part-") && name.ends_with(".parquet"),
            "{name}"
        );
        assert!(
            name.contains(&format!("Z-{}-", std::process::id())),
            "{name}"
        );
    }

    let hasher = hasher_of(&config);
    let mut expected: Vec<EventRow> = cases
        .iter()
        .flat_map(|case| {
            (0..case.events.len())
                .map(|index| expected_row(case, case.mutation(index), &hasher, true))
        })
        .collect();
    let mut actual = read_event_rows(&lineage.join("events"));
    expected.sort();
    actual.sort();
    assert_eq!(actual, expected);

    // A few values spelled out, independent of expected_row.
    let failed = actual
        .iter()
        .find(|row| row.error.is_some())
        .expect("failed write");
    assert_eq!(failed.error.as_deref(), Some("WriteTimeoutException"));
    assert_eq!(failed.bytes, 4_000_000_000);
    assert_eq!(
        failed.partition_key_hex.as_deref(),
        Some("ab".repeat(40).as_str())
    );
    let remote = actual
        .iter()
        .find(|row| row.message_id == Some(4_294_967_295))
        .expect("remote replica write");
    assert_eq!(
        (
            remote.latency_us,
            remote.user_name.as_deref(),
            remote.consistency.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(remote.coordinator.as_deref(), Some("127.0.0.2"));
    let unicode = actual
        .iter()
        .find(|row| row.event_time == -1)
        .expect("pre-1970 event");
    assert_eq!(unicode.table_name.as_deref(), Some("Ünïcødé_表"));

    assert_eq!(stats_column(lineage, "written"), [total as i64]);
    assert_eq!(stats_column(lineage, "files"), [2]);
    assert_eq!(stats_column(lineage, "offered"), [total as i64]);
    assert_eq!(stats_column(lineage, "agent_events_seen"), [10]);
    assert_eq!(stats_column(lineage, "agent_dropped"), [1]);
    assert_eq!(stats_column(lineage, "agent_dropped_busy"), [1]);
    assert_eq!(stats_column(lineage, "agent_dropped_other"), [0]);
    let stats_dirs: Vec<_> = parquet_files(&lineage.join("agent_stats"))
        .iter()
        .map(|path| {
            path.parent()
                .and_then(|dir| dir.parent())
                .map(file_name)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(stats_dirs, ["node=127.0.0.1"]);
}

#[test]
fn files_are_zstd_with_delta_encoded_event_time_and_no_raw_keys_by_default() {
    let dir = TempDir::new("format");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("coordinator, local and remote replica writes");
    assert_eq!(pipeline.submit(&case.bytes(), 3), SubmitOutcome::Accepted);
    pipeline.shutdown(SHUTDOWN).expect("shutdown");

    let files = parquet_files(&config.output.join("events"));
    assert_eq!(files.len(), 1);
    let reader =
        SerializedFileReader::new(std::fs::File::open(&files[0]).expect("open")).expect("parquet");
    let metadata = reader.metadata();
    assert_eq!(metadata.file_metadata().num_rows(), 3);
    let schema = metadata.file_metadata().schema_descr();
    let names: Vec<&str> = schema
        .columns()
        .iter()
        .map(|column| column.name())
        .collect();
    assert!(!names.contains(&"partition_key_hex"), "{names:?}");
    assert_eq!(names.len(), 61);
    let row_group = metadata.row_group(0);
    for column in row_group.columns() {
        assert!(
            matches!(column.compression(), Compression::ZSTD(_)),
            "{:?}",
            column.column_path()
        );
    }
    let event_time = row_group.column(0);
    assert_eq!(event_time.column_path().string(), "event_time");
    let encodings: Vec<Encoding> = event_time.encodings().collect();
    assert!(
        encodings.contains(&Encoding::DELTA_BINARY_PACKED),
        "{encodings:?}"
    );
    assert!(
        !encodings.contains(&Encoding::RLE_DICTIONARY),
        "{encodings:?}"
    );
    let logical = schema.column(0).logical_type_ref().cloned();
    assert!(
        matches!(&logical, Some(LogicalType::Timestamp(timestamp)) if !timestamp.is_adjusted_to_u_t_c),
        "event_time must be a TIMESTAMP without time zone for DuckDB: {logical:?}"
    );
}

#[test]
fn files_roll_by_time_even_without_new_events() {
    let dir = TempDir::new("roll-time");
    let mut config = config(&dir);
    config.roll_seconds = 1;
    config.stats_seconds = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("one coordinator write");
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    // The first file must be completed by the writer's own clock, with no further event.
    let deadline = Instant::now() + Duration::from_secs(10);
    while parquet_files(&config.output.join("events")).is_empty() {
        assert!(
            Instant::now() < deadline,
            "no file rolled after roll_seconds=1"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(pipeline.counters()[4..6], [1, 1]);
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    std::thread::sleep(Duration::from_millis(1200));
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    assert!(parquet_files(&config.output.join("events")).len() >= 2);
    assert_eq!(read_event_rows(&config.output.join("events")).len(), 2);
    assert_eq!(pipeline.counters()[4], 2);
    // A periodic stats row (≈1 s in) plus the final one.
    assert!(stats_column(&config.output, "offered").len() >= 2);
    assert_no_in_progress_files(&config.output);
}

#[test]
fn files_roll_by_size() {
    let dir = TempDir::new("roll-bytes");
    let mut config = config(&dir);
    config.roll_bytes = 1;
    config.row_group_rows = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("one coordinator write");
    for _ in 0..3 {
        assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    }
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    assert_eq!(parquet_files(&config.output.join("events")).len(), 3);
    assert_eq!(pipeline.counters()[4..6], [3, 3]);
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let dir = TempDir::new("queue-full");
    let mut config = config(&dir);
    config.queue_batches = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let (bytes, events) =
        repeated_batch(&case("coordinator, local and remote replica writes"), 200);
    let mut outcomes = [0u64; 3];
    for _ in 0..100_000 {
        let started = Instant::now();
        let outcome = pipeline.submit(&bytes, events);
        assert!(started.elapsed() < Duration::from_secs(1), "submit blocked");
        outcomes[outcome.code() as usize] += 1;
        if outcomes[1] >= 10 && outcomes[0] >= 2 {
            break;
        }
    }
    assert!(
        outcomes[1] > 0,
        "no drop seen in a burst with queue_batches=1: {outcomes:?}"
    );
    assert_eq!(outcomes[2], 0);
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let [offered, accepted, dropped, rejected, written, ..] = pipeline.counters();
    let events = u64::from(events);
    assert_eq!(offered, (outcomes[0] + outcomes[1]) * events);
    assert_eq!(accepted, outcomes[0] * events);
    assert_eq!(dropped, outcomes[1] * events);
    assert_eq!(offered, accepted + dropped);
    assert_eq!(rejected, 0);
    assert_eq!(written, accepted);
}

#[test]
fn malformed_batches_are_rejected_counted_and_survived() {
    let dir = TempDir::new("rejects");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let invalid: Vec<Case> = crate::support::load_cases()
        .into_iter()
        .filter(|case| case.error.is_some())
        .collect();
    // Announced as the agent announces: the event records a batch carries. These seven hold one
    // malformed event record each; the others hold only string definitions, or break before any
    // record: a malformed definition is logged, it is not an event.
    let one_bad_event = [
        "event length does not match its key length",
        "unknown kind",
        "string id used but never defined",
        "tagged: event_time missing",
        "tagged: field with the wrong type",
        "tagged: truncated field",
        "tagged: unknown table",
    ];
    for case in &invalid {
        let announced = u32::from(one_bad_event.contains(&case.name.as_str()));
        assert_eq!(
            pipeline.submit(&case.bytes(), announced),
            SubmitOutcome::Accepted,
            "{}",
            case.name
        );
    }
    // A batch cut short also loses the events it announced.
    let cut = invalid
        .iter()
        .find(|case| case.name == "payload runs past the end")
        .expect("vector");
    assert_eq!(pipeline.submit(&cut.bytes(), 5), SubmitOutcome::Accepted);
    // Unknown record types are skipped (each one event of a newer agent), the rest of the batch still
    // counts.
    let one = case("one coordinator write");
    let mut records: Vec<Vec<u8>> = one
        .strings
        .iter()
        .map(|(id, text)| string_def(*id, text))
        .collect();
    records.push(crate::support::record(0x42, b"from the future"));
    records.extend(one.events.iter().map(VectorRecord::encode));
    assert_eq!(
        pipeline.submit(&batch(&records), 2),
        SubmitOutcome::Accepted
    );
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let counters = pipeline.snapshot();
    // The seven malformed event records, plus the 5 announced events of the cut batch. The last
    // batch's "127.0.0.1" definition conflicts with id 1 = "x" defined by the invalid vectors: logged,
    // not counted, and its event is written with node "x".
    assert_eq!(counters.skipped_records, 1);
    assert_eq!(counters.rejected, 7 + 5);
    assert_eq!((counters.written, counters.files), (1, 1));
    // Every accepted event is in exactly one counter.
    assert_eq!(counters.accepted, 7 + 5 + 2);
    assert_eq!(
        counters.accepted,
        counters.written + counters.rejected + counters.skipped_records
    );
    let rows = read_event_rows(&config.output.join("events"));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].node.as_deref(), Some("x"));
}

#[test]
fn strings_defined_synchronously_resolve_in_later_event_batches() {
    let dir = TempDir::new("define");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("failed write with large counts and a 40-byte key");
    let defs: Vec<Vec<u8>> = case
        .strings
        .iter()
        .map(|(id, text)| string_def(*id, text))
        .collect();
    pipeline.define(&batch(&defs)).expect("define");
    pipeline
        .define(&batch(&defs))
        .expect("identical redefinition is fine");
    let events: Vec<Vec<u8>> = case.events.iter().map(VectorRecord::encode).collect();
    assert_eq!(pipeline.submit(&batch(&events), 1), SubmitOutcome::Accepted);

    let conflict = pipeline
        .define(&batch(&[string_def(2, "other")]))
        .expect_err("conflict");
    assert!(
        conflict.to_string().contains("string id 2 redefined"),
        "{conflict}"
    );
    let garbage = pipeline.define(b"nonsense").expect_err("garbage");
    assert!(garbage.to_string().contains("bad magic"), "{garbage}");
    let with_event = pipeline
        .define(&batch(&events))
        .expect_err("events in a define batch");
    assert!(
        with_event.to_string().contains("MUTATION_EVENT"),
        "{with_event}"
    );

    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let rows = read_event_rows(&config.output.join("events"));
    assert_eq!(
        rows,
        vec![expected_row(
            &case,
            case.mutation(0),
            &hasher_of(&config),
            false
        )]
    );
    // Define batches count nothing: their problems are returned as errors, and they carry no event.
    let counters = pipeline.snapshot();
    assert_eq!(
        (
            counters.rejected,
            counters.skipped_records,
            counters.written
        ),
        (0, 0, 1)
    );
}

#[test]
fn shutdown_is_idempotent_and_stops_submissions() {
    let dir = TempDir::new("shutdown");
    let pipeline = Pipeline::start(config(&dir)).expect("start");
    assert!(pipeline.is_running());
    pipeline.shutdown(SHUTDOWN).expect("first shutdown");
    pipeline.shutdown(SHUTDOWN).expect("second shutdown");
    assert!(!pipeline.is_running());
    let case = case("one coordinator write");
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::NotRunning);
    assert_eq!(pipeline.counters()[0], 0);
    assert!(matches!(
        pipeline.define(&case.bytes()),
        Err(CoreError::NotRunning)
    ));
    // The final stats row exists even without events, under node=unknown.
    let stats = parquet_files(&dir.path().join("lineage/agent_stats"));
    assert_eq!(stats.len(), 1);
    assert!(
        stats[0].to_string_lossy().contains("/node=unknown/"),
        "{stats:?}"
    );
}

#[test]
fn a_deleted_output_directory_loses_rows_but_not_the_writer() {
    let dir = TempDir::new("io-failure");
    let mut config = config(&dir);
    config.row_group_rows = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("one coordinator write");
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    let events_dir = config.output.join("events");
    let deadline = Instant::now() + Duration::from_secs(10);
    while files_below(&events_dir).is_empty() {
        assert!(Instant::now() < deadline, "the writer never created a file");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&events_dir).expect("remove events dir");
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    pipeline
        .shutdown(SHUTDOWN)
        .expect("shutdown survives the failure");
    let counters = pipeline.snapshot();
    assert_eq!((counters.written, counters.files), (0, 0));
    assert_eq!(counters.dropped_write_failed, 2);
    assert_eq!(pipeline.rows_dropped_write_failed(), 2);
    assert_no_in_progress_files(&config.output);
}

#[test]
fn events_spread_over_many_days_are_all_written() {
    let dir = TempDir::new("many-days");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let case = case("one coordinator write");
    let days = 3 * cdflow_core::sink::rolling::MAX_OPEN_PARTITIONS;
    let mut records: Vec<Vec<u8>> = case
        .strings
        .iter()
        .map(|(id, text)| string_def(*id, text))
        .collect();
    for day in 0..days {
        let mut event = case.mutation(0).clone();
        event.event_time_us = day as i64 * 86_400_000_000 + 1;
        records.push(event.encode());
    }
    assert_eq!(
        pipeline.submit(&batch(&records), days as u32),
        SubmitOutcome::Accepted
    );
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let files = parquet_files(&config.output.join("events"));
    assert_eq!(files.len(), days, "one file per (node, day)");
    assert!(
        files[0].to_string_lossy().contains("/date=1970-01-01/"),
        "{:?}",
        files[0]
    );
    assert_eq!(pipeline.counters()[4..6], [days as u64, days as u64]);
    assert_no_in_progress_files(&config.output);
}

#[test]
fn the_writer_retries_after_files_could_not_be_created() {
    let dir = TempDir::new("retry");
    let mut config = config(&dir);
    config.row_group_rows = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let blocker = config.output.join("events");
    std::fs::write(&blocker, b"a file where the events directory should be")
        .expect("write blocker");
    let case = case("one coordinator write");
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    let deadline = Instant::now() + Duration::from_secs(10);
    while pipeline.rows_dropped_write_failed() == 0 {
        assert!(Instant::now() < deadline, "the failure was never counted");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_file(&blocker).expect("remove blocker");
    std::thread::sleep(cdflow_core::sink::rolling::RETRY_DELAY + Duration::from_millis(200));
    assert_eq!(pipeline.submit(&case.bytes(), 1), SubmitOutcome::Accepted);
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    assert_eq!(pipeline.rows_dropped_write_failed(), 1);
    assert_eq!(pipeline.counters()[4..6], [1, 1]);
    assert_no_in_progress_files(&config.output);
}

/// Rough end-to-end writer throughput (run with `--release -- --ignored --nocapture`).
#[test]
#[ignore = "measurement, not a check"]
fn writer_throughput() {
    let dir = TempDir::new("throughput");
    let mut config = config(&dir);
    config.queue_batches = 1 << 16;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let (bytes, events) =
        repeated_batch(&case("coordinator, local and remote replica writes"), 100);
    let batches = 5_000;
    let started = Instant::now();
    for _ in 0..batches {
        assert_eq!(pipeline.submit(&bytes, events), SubmitOutcome::Accepted);
    }
    let submitted = started.elapsed();
    pipeline
        .shutdown(Duration::from_secs(600))
        .expect("shutdown");
    let elapsed = started.elapsed();
    let rows = pipeline.counters()[4];
    assert_eq!(rows, u64::from(events) * batches);
    let bytes_on_disk: u64 = parquet_files(&config.output.join("events"))
        .iter()
        .map(|path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
        .sum();
    println!(
        "writer: {rows} rows in {elapsed:?} = {:.2} M rows/s, {:.1} bytes/row on disk; submit {:.0} ns/batch",
        rows as f64 / elapsed.as_secs_f64() / 1e6,
        bytes_on_disk as f64 / rows as f64,
        submitted.as_nanos() as f64 / batches as f64
    );
}
