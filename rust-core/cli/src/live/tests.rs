//! The live model fed by real journal segments (the core's record writer, the test-side wire encoder):
//! exact counts through /api and /metrics, torn tails, foreign files, a directory that appears later,
//! and 1,000 tables.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use cdflow_core::civil_time::now_unix_micros;
use cdflow_core::journal::segment::{CountersRecord, RecordBuffer, SegmentHeader, encode_header};
use cdflow_core::stats::{COUNTER_FIELDS, counter};
use serde_json::Value;

use cdflow_testkit::mutation_event::{MUTATION_EVENT, MutationFixed};

use super::api::document;
use super::follow::Follower;
use super::metrics::{registry, render};
use super::model::Model;

const NODE: u32 = 1;
const KEYSPACE: u32 = 2;
const ALICE: u32 = 3;
const BOB: u32 = 4;
const CLIENT: u32 = 5;
const FIRST_TABLE: u32 = 100;

fn record(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(payload.len() as u16).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

fn batch(records: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"CDF1".to_vec();
    out.extend_from_slice(&(records.len() as u32).to_le_bytes());
    for record in records {
        out.extend_from_slice(record);
    }
    out
}

/// A coordinator (kind 1) or replica (kind 2) write by `user` on table id `table`.
fn write(kind: u8, user: u32, table: u32, token: i64, tombstones: u32) -> Vec<u8> {
    let mut payload = Vec::new();
    MutationFixed {
        event_time_us: now_unix_micros(),
        kind,
        consistency: 1,
        node: NODE,
        keyspace: KEYSPACE,
        table,
        user: if kind == 1 { user } else { 0 },
        client_address: if kind == 1 { CLIENT } else { 0 },
        token,
        message_id: -1,
        latency_us: 800,
        bytes: 100,
        rows: 1,
        cells: 2,
        tombstones,
        replicas: 1,
        ..MutationFixed::default()
    }
    .encode_into(&token.to_le_bytes(), &mut payload);
    record(MUTATION_EVENT, &payload)
}

fn strings(tables: u32) -> Vec<(u32, String)> {
    let mut strings = vec![
        (NODE, "127.0.0.1".to_owned()),
        (KEYSPACE, "shop".to_owned()),
        (ALICE, "alice".to_owned()),
        (BOB, "bob".to_owned()),
        (CLIENT, "10.0.0.5:5555".to_owned()),
    ];
    strings.extend((0..tables).map(|t| (FIRST_TABLE + t, format!("t{t:04}"))));
    strings
}

/// A segment file with its header and the STRINGS record.
fn new_segment(dir: &Path, number: u64, tables: u32) -> PathBuf {
    fs::create_dir_all(dir).unwrap();
    let path = dir.join(format!("segment-{number:020}.cdj"));
    let mut bytes = encode_header(SegmentHeader {
        number,
        created_us: now_unix_micros(),
    })
    .to_vec();
    let strings = strings(tables);
    bytes.extend_from_slice(
        RecordBuffer::default().strings(strings.iter().map(|(id, text)| (*id, text.as_str()))),
    );
    fs::write(&path, bytes).unwrap();
    path
}

fn append(path: &Path, bytes: &[u8]) {
    OpenOptions::new()
        .append(true)
        .open(path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
}

fn batch_record(events: &[Vec<u8>]) -> Vec<u8> {
    RecordBuffer::default()
        .batch(events.len() as u32, &batch(events))
        .to_vec()
}

fn doc(model: &Model, name: &str) -> Value {
    document(model, name, now_unix_micros(), 60).unwrap()[name].clone()
}

fn role_writes(model: &Model, role: &str) -> u64 {
    doc(model, "traffic")["by_role"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["role"] == role)
        .map_or(0, |row| row["writes"].as_u64().unwrap())
}

#[test]
fn a_journal_is_followed_exactly_through_api_and_metrics() {
    let root = tempfile::tempdir().unwrap();
    let journal = root.path().join("lineage/_journal/42-1000");
    let segment = new_segment(&journal, 1, 1);
    let table = FIRST_TABLE;
    let mut events = vec![
        write(1, ALICE, table, 7, 1),
        write(1, ALICE, table, 7, 0),
        write(1, ALICE, table, 8, 0),
        write(1, BOB, table, 9, 2),
        write(1, BOB, table, 7, 0),
    ];
    events.extend((0..5).map(|token| write(2, 0, table, token, 0)));
    append(&segment, &batch_record(&events));
    let mut values = vec![0u64; COUNTER_FIELDS.len()];
    for (field, value) in [
        (counter::AGENT_EVENTS_SEEN, 12),
        (counter::WRITTEN, 10),
        (counter::AGENT_DROPPED_BUSY, 2),
    ] {
        let index = COUNTER_FIELDS
            .iter()
            .position(|f| f.name == field.name)
            .unwrap();
        values[index] = value;
    }
    append(
        &segment,
        RecordBuffer::default().counters(&CountersRecord {
            agent_start_time_us: 1000,
            taken_at_us: now_unix_micros(),
            values,
        }),
    );
    let dirs = vec![root.path().join("lineage")];
    let mut model = Model::new(dirs.clone(), now_unix_micros());
    let mut follower = Follower::new(dirs, None);
    follower.poll(&mut model);

    assert_eq!(role_writes(&model, "alice"), 3);
    assert_eq!(role_writes(&model, "bob"), 2);
    let traffic = doc(&model, "traffic");
    assert_eq!(traffic["total"]["writes"], 5);
    assert_eq!(traffic["total"]["replica_writes"], 5);
    assert_eq!(traffic["total"]["tombstones"], 3);
    let tombstones = doc(&model, "tombstones");
    assert_eq!(tombstones["by_role"][0]["role"], "bob");
    assert_eq!(tombstones["by_role"][0]["tombstones"], 2);
    let partitions = doc(&model, "partitions");
    assert_eq!(partitions["top"][0]["token"], "7");
    assert_eq!(partitions["top"][0]["count"], 3);
    assert_eq!(
        partitions["top"][0]["partition_key_hash"],
        Value::Null,
        "no key file"
    );

    let graph = doc(&model, "graph");
    let vertices = graph["vertices"].as_array().unwrap();
    let vertex = |kind: &str, name: &str| {
        vertices
            .iter()
            .find(|v| v["kind"] == kind && v["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in {vertices:?}"))["id"]
            .clone()
    };
    let (alice, coordinator, replica, memtable) = (
        vertex("role", "alice"),
        vertex("coordinator", "127.0.0.1"),
        vertex("replica", "127.0.0.1"),
        vertex("memtable", "shop.t0000"),
    );
    let edge = |kind: &str, source: &Value, target: &Value| {
        graph["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == kind && &e["source"] == source && &e["target"] == target)
            .unwrap_or_else(|| panic!("no {kind} edge"))["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(edge("write", &alice, &coordinator), 3);
    assert_eq!(edge("replica_write", &coordinator, &replica), 5);
    assert_eq!(edge("memtable_write", &replica, &memtable), 5);

    let drops = doc(&model, "drops");
    assert_eq!(drops[0]["node"], "127.0.0.1");
    assert_eq!(drops[0]["seen"], 12);
    assert_eq!(drops[0]["dropped"]["agent_dropped_busy"], 2);
    assert_eq!(drops[0]["lost"], 2);

    let shared = Arc::new(Mutex::new(model));
    let text = render(&registry(shared)).unwrap();
    for line in [
        r#"cdflow_writes_total{node="127.0.0.1",keyspace="shop",table="t0000",role="alice"} 3"#,
        r#"cdflow_writes_total{node="127.0.0.1",keyspace="shop",table="t0000",role="bob"} 2"#,
        r#"cdflow_write_bytes_total{node="127.0.0.1",keyspace="shop",table="t0000",role="alice"} 300"#,
        r#"cdflow_tombstones_total{node="127.0.0.1",keyspace="shop",table="t0000",role="bob"} 2"#,
        r#"cdflow_replica_writes_total{node="127.0.0.1",keyspace="shop",table="t0000"} 5"#,
        r#"cdflow_edge_latency_seconds_bucket{le="0.001",edge="write",source_kind="role",source="alice",target_kind="coordinator",target="127.0.0.1"} 3"#,
        r#"cdflow_edge_latency_seconds_count{edge="write",source_kind="role",source="alice",target_kind="coordinator",target="127.0.0.1"} 3"#,
        r#"cdflow_agent_events_seen_total{node="127.0.0.1"} 12"#,
        r#"cdflow_agent_events_dropped_total{node="127.0.0.1",cause="agent_dropped_busy"} 2"#,
        "# EOF",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
    }
}

#[test]
fn a_torn_record_waits_and_a_foreign_segment_is_skipped_and_named() {
    let root = tempfile::tempdir().unwrap();
    let lineage = root.path().join("later");
    let dirs = vec![lineage.clone()];
    let mut model = Model::new(dirs.clone(), now_unix_micros());
    let mut follower = Follower::new(dirs, None);
    follower.poll(&mut model);
    assert_eq!(
        doc(&model, "status")["waiting_for"][0],
        lineage.to_str().unwrap()
    );

    let journal = lineage.join("_journal/7-1");
    let segment = new_segment(&journal, 1, 1);
    let record = batch_record(&[
        write(1, ALICE, FIRST_TABLE, 1, 0),
        write(1, ALICE, FIRST_TABLE, 2, 0),
    ]);
    let cut = record.len() / 2;
    append(&segment, &record[..cut]);
    follower.poll(&mut model);
    assert_eq!(doc(&model, "status")["waiting_for"], Value::Array(vec![]));
    assert_eq!(role_writes(&model, "alice"), 0, "half a record is not read");
    assert!(
        model.status.skipped.is_empty(),
        "{:?}",
        model.status.skipped
    );
    append(&segment, &record[cut..]);
    follower.poll(&mut model);
    assert_eq!(role_writes(&model, "alice"), 2);

    let foreign = journal.join(format!("segment-{:020}.cdj", 2));
    fs::write(&foreign, b"PAR1 this is not a journal segment at all").unwrap();
    follower.poll(&mut model);
    follower.poll(&mut model);
    let skipped = doc(&model, "skipped");
    assert_eq!(skipped.as_array().unwrap().len(), 1, "{skipped}");
    assert_eq!(skipped[0]["path"], foreign.to_str().unwrap());
    assert!(
        skipped[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not a cdflow journal segment: magic"),
        "{skipped}"
    );
    // a later segment is still read
    let third = new_segment(&journal, 3, 1);
    append(&third, &batch_record(&[write(1, BOB, FIRST_TABLE, 3, 0)]));
    follower.poll(&mut model);
    assert_eq!(role_writes(&model, "bob"), 1);
    assert_eq!(role_writes(&model, "alice"), 2);
}

#[test]
fn a_thousand_tables_are_collapsed_and_answered_quickly() {
    let root = tempfile::tempdir().unwrap();
    let journal = root.path().join("lineage/_journal/9-9");
    let tables = 1_000;
    let segment = new_segment(&journal, 1, tables);
    for chunk in 0..10 {
        let events: Vec<Vec<u8>> = (chunk * 100..(chunk + 1) * 100)
            .flat_map(|t| {
                let weight = if t < 5 { 10 } else { 1 };
                (0..weight).flat_map(move |i| {
                    [
                        write(1, ALICE, FIRST_TABLE + t, i64::from(t * 100 + i), 0),
                        write(2, 0, FIRST_TABLE + t, i64::from(t), 0),
                    ]
                })
            })
            .collect();
        append(&segment, &batch_record(&events));
    }
    let dirs = vec![root.path().join("lineage")];
    let mut model = Model::new(dirs.clone(), now_unix_micros());
    Follower::new(dirs, None).poll(&mut model);
    let started = Instant::now();
    let all = document(&model, "all", now_unix_micros(), 900).unwrap();
    let elapsed = started.elapsed();
    assert!(elapsed.as_millis() < 1_000, "/api/all took {elapsed:?}");
    let graph = &all["all"]["graph"];
    assert_eq!(graph["distinct"]["tables"], 1_000);
    let memtables: Vec<&Value> = graph["vertices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["kind"] == "memtable")
        .collect();
    assert_eq!(memtables.len(), super::graph::TOP_TABLES + 1);
    assert!(memtables.iter().any(|v| v["name"] == "other"));
    assert!(
        memtables.iter().any(|v| v["name"] == "shop.t0004"),
        "the busiest tables are kept"
    );
    let by_table = all["all"]["traffic"]["by_table"].as_array().unwrap();
    let other = by_table.last().unwrap();
    assert_eq!(other["table"], "other");
    assert_eq!(other["collapsed"], 1_000 - 20);
    let writes: u64 = by_table
        .iter()
        .map(|row| row["writes"].as_u64().unwrap())
        .sum();
    assert_eq!(writes, 5 * 10 + 995, "no write lost in the collapse");
}

/// Every metric name the Grafana dashboard and docs/cli.md use is one `/metrics` declares.
#[test]
fn the_dashboard_and_the_docs_use_only_metrics_that_exist() {
    let text = render(&registry(Arc::new(Mutex::new(Model::new(Vec::new(), 0))))).unwrap();
    let declared: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dashboard = fs::read_to_string(repo.join("docs/grafana/cdflow.json")).unwrap();
    let docs = fs::read_to_string(repo.join("docs/cli.md")).unwrap();
    let metrics_section = docs.split("### `/metrics`").nth(1).unwrap();
    let metrics_section = metrics_section.split("\n## ").next().unwrap();
    let mut checked = 0;
    for (source, text) in [
        ("docs/grafana/cdflow.json", dashboard.as_str()),
        ("docs/cli.md", metrics_section),
    ] {
        let mut rest = text;
        while let Some(at) = rest.find("cdflow_") {
            let name: String = rest[at..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            rest = &rest[at + name.len()..];
            if name == "cdflow_" || name == "cdflow_live" {
                continue;
            }
            let family = ["_bucket", "_total"]
                .iter()
                .fold(name.as_str(), |name, suffix| {
                    name.strip_suffix(suffix).unwrap_or(name)
                });
            assert!(
                declared.contains(&family),
                "{source} names {name}, /metrics declares {declared:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "{checked} names checked");
}
