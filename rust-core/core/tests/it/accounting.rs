//! Exact accounting (docs/schema.md, "Accounting"): every event the agent saw ends in exactly one
//! counter — a row written, or a loss with its cause — and the final `agent_stats` row says so.

use std::path::Path;
use std::time::{Duration, Instant};

use cdflow_core::stats::COUNTER_FIELDS;
use cdflow_core::{AgentDrops, CountersSnapshot, Pipeline, SubmitOutcome};

use crate::support::{
    Case, Cell, SHUTDOWN, TempDir, batch, case, config, files_below, read_rows, record,
    repeated_batch, string_def,
};

fn definitions(case: &Case) -> Vec<Vec<u8>> {
    case.strings
        .iter()
        .map(|(id, text)| string_def(*id, text))
        .collect()
}

/// The one row of `agent_stats` below `lineage` (the final one).
fn final_stats_row(lineage: &Path) -> crate::support::Row {
    let mut rows = read_rows(&lineage.join("agent_stats"));
    assert_eq!(rows.len(), 1, "one stats row (stats_seconds = 3600)");
    rows.remove(0)
}

/// Every counter column of `row` equals the snapshot, by name.
fn assert_row_is(row: &crate::support::Row, snapshot: &CountersSnapshot) {
    for field in COUNTER_FIELDS {
        assert_eq!(
            row.get(field.name),
            Some(&Cell::Int((field.get)(snapshot) as i64)),
            "agent_stats column {}",
            field.name
        );
    }
}

#[test]
fn every_event_ends_in_exactly_one_counter() {
    let dir = TempDir::new("accounting");
    let config = config(&dir);
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let one = case("one coordinator write");
    let good = one.events[0].encode();
    let mut bad = good.clone();
    bad[3 + 8] = 9; // the kind byte of the MUTATION_EVENT payload: unknown kind 9
    let with_defs = |records: &[Vec<u8>]| {
        let mut all = definitions(&one);
        all.extend_from_slice(records);
        batch(&all)
    };
    let submit = |bytes: &[u8], announced: u32| {
        assert_eq!(pipeline.submit(bytes, announced), SubmitOutcome::Accepted);
    };
    // 3 announced: 2 rows, 1 malformed event record.
    submit(&with_defs(&[good.clone(), bad, good.clone()]), 3);
    // 2 announced, the second cut off (its payload runs past the end): 1 row, 1 rejected.
    let mut cut = with_defs(&[good.clone(), good.clone()]);
    cut.truncate(cut.len() - 5);
    submit(&cut, 2);
    // Bytes after the last record are logged, but every announced event was delivered: 1 row.
    let mut trailing = with_defs(std::slice::from_ref(&good));
    trailing.push(0xFF);
    submit(&trailing, 1);
    // A record type this core does not know is one event of a newer agent, skipped: 1 row, 1 skipped.
    submit(
        &with_defs(&[record(0x42, b"from the future"), good.clone()]),
        2,
    );
    // A string definition that conflicts is logged, it is no event: 1 row.
    submit(&batch(&[string_def(1, "another text"), good.clone()]), 1);
    // A batch that is not one: its 4 announced events are rejected.
    submit(b"XXXX\x04\x00\x00\x00", 4);
    let offered = 3 + 2 + 1 + 2 + 1 + 4;
    let drops = AgentDrops {
        busy: 1,
        not_running: 2,
        submit_error: 3,
        other: 4,
    };
    pipeline.record_agent_counters(offered + drops.total(), drops);
    pipeline.shutdown(SHUTDOWN).expect("shutdown");

    let c = pipeline.snapshot();
    assert_eq!((c.offered, c.accepted, c.dropped_queue_full), (13, 13, 0));
    assert_eq!((c.written, c.rejected, c.skipped_records), (6, 6, 1));
    assert_eq!(c.accepted, c.written + c.rejected + c.skipped_records);
    assert_eq!((c.agent_events_seen, c.agent_dropped), (23, 10));
    assert_eq!(
        (
            c.agent_dropped_busy,
            c.agent_dropped_not_running,
            c.agent_dropped_submit_error,
            c.agent_dropped_other
        ),
        (1, 2, 3, 4)
    );
    assert_eq!(
        (
            c.dropped_write_failed,
            c.dropped_disk_bound,
            c.recovered_rows
        ),
        (0, 0, 0)
    );
    assert_eq!(c.lost(), 10 + 6 + 1);
    assert_eq!(c.unaccounted(), 0, "{c:?}");
    assert_row_is(&final_stats_row(&config.output), &c);
}

#[test]
fn events_dropped_on_a_full_queue_are_accounted() {
    let dir = TempDir::new("accounting-queue");
    let mut config = config(&dir);
    config.queue_batches = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let (bytes, events) =
        repeated_batch(&case("coordinator, local and remote replica writes"), 200);
    let mut full = 0;
    for _ in 0..50 {
        if pipeline.submit(&bytes, events) == SubmitOutcome::QueueFull {
            full += 1;
        }
    }
    assert!(full > 0, "no drop in a burst with queue_batches=1");
    pipeline.record_agent_counters(50 * u64::from(events), AgentDrops::default());
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let c = pipeline.snapshot();
    assert_eq!(c.dropped_queue_full, full * u64::from(events));
    assert_eq!(c.written, (50 - full) * u64::from(events));
    assert_eq!(c.unaccounted(), 0, "{c:?}");
    assert_row_is(&final_stats_row(&config.output), &c);
}

#[test]
fn rows_lost_to_a_failed_write_are_accounted() {
    let dir = TempDir::new("accounting-io");
    let mut config = config(&dir);
    config.row_group_rows = 1;
    let pipeline = Pipeline::start(config.clone()).expect("start");
    let one = case("one coordinator write");
    let bytes = one.bytes();
    assert_eq!(pipeline.submit(&bytes, 1), SubmitOutcome::Accepted);
    let events_dir = config.output.join("events");
    let deadline = Instant::now() + Duration::from_secs(10);
    while files_below(&events_dir).is_empty() {
        assert!(Instant::now() < deadline, "the writer never created a file");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&events_dir).expect("remove events dir");
    assert_eq!(pipeline.submit(&bytes, 1), SubmitOutcome::Accepted);
    pipeline.record_agent_counters(2, AgentDrops::default());
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let c = pipeline.snapshot();
    assert_eq!((c.written, c.dropped_write_failed), (0, 2));
    assert_eq!(c.unaccounted(), 0, "{c:?}");
    assert_row_is(&final_stats_row(&config.output), &c);
}

/// A stats row taken before any event named the node (Cassandra starting: the first periodic row
/// comes `stats_seconds` after the core starts, often before the first client request) is filed under
/// the node the first event names, not `unknown`: no `agent_stats/node=unknown` files and no
/// `_manifest/node=unknown.manifest`. Only when no event ever names the node is `unknown` right.
#[test]
fn stats_rows_taken_before_the_first_event_are_filed_under_its_node() {
    let dir = TempDir::new("stats-node");
    let config_in = config;
    let mut config = config_in(&dir);
    config.stats_seconds = 1;
    config.key_file = dir.path().join("key.secret");
    let lineage = config.output.clone();
    let pipeline = Pipeline::start(config.clone()).expect("start");
    // At least one periodic row (all counters 0) is due before the first event.
    std::thread::sleep(Duration::from_millis(2_300));
    let one = case("one coordinator write");
    let node = one
        .text(one.mutation(0).node)
        .expect("the vector names its node");
    let mut records = definitions(&one);
    records.push(one.events[0].encode());
    assert_eq!(
        pipeline.submit(&batch(&records), 1),
        SubmitOutcome::Accepted
    );
    pipeline.shutdown(SHUTDOWN).expect("shutdown");

    let mut rows = read_rows(&lineage.join("agent_stats"));
    rows.sort_by_key(|row| match row.get("stats_time") {
        Some(Cell::Int(time)) => *time,
        _ => i64::MIN,
    });
    let written: Vec<Option<&Cell>> = rows.iter().map(|row| row.get("written")).collect();
    assert_eq!(
        (written.first(), written.last()),
        (Some(&Some(&Cell::Int(0))), Some(&Some(&Cell::Int(1)))),
        "the early row (nothing written yet) first, the final row last: {rows:?}"
    );
    for row in &rows {
        assert_eq!(row.get("node"), Some(&crate::support::text(node)));
    }
    let names: Vec<String> = files_below(&lineage)
        .iter()
        .map(|path| path.strip_prefix(&lineage).unwrap().display().to_string())
        .collect();
    assert!(
        names.iter().all(|name| !name.contains("unknown")),
        "{names:?}"
    );
    assert!(
        names
            .iter()
            .any(|name| name == &format!("_manifest/node={node}.manifest")),
        "{names:?}"
    );
    let key = cdflow_core::enrich::keyhash::read_key(&dir.path().join("key.secret")).unwrap();
    let verified = cdflow_core::sink::manifest::verify(&lineage, &key).unwrap();
    assert!(verified.passed(), "{:?}", verified.findings);
    assert_eq!(verified.manifests.len(), 1);
    assert_eq!(verified.manifests[0].node, node);

    // No event at all: the node is never named, and `unknown` is what is known.
    let idle = TempDir::new("stats-node-idle");
    let mut idle_config = config_in(&idle);
    idle_config.stats_seconds = 1;
    let pipeline = Pipeline::start(idle_config.clone()).expect("start");
    std::thread::sleep(Duration::from_millis(1_300));
    pipeline.shutdown(SHUTDOWN).expect("shutdown");
    let rows = read_rows(&idle_config.output.join("agent_stats"));
    assert_eq!(rows.len(), 2, "the periodic row and the final row");
    for row in &rows {
        assert_eq!(row.get("node"), Some(&crate::support::text("unknown")));
    }
}
