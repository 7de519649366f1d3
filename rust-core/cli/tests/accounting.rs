//! `cdflow summary`'s accounting section: every loss cause per node, the balance of events seen
//! against rows written and drops, and `agent_stats` files of older cores (columns missing: unknown).

mod common;

use cdflow_core::stats::COUNTER_FIELDS;
use common::{OLD_AGENT_STATS_COUNTERS, StatsRow, T0, TempDir, cdflow, text, write_agent_stats};
use serde_json::Value;

fn all_counters() -> Vec<&'static str> {
    COUNTER_FIELDS.iter().map(|field| field.name).collect()
}

fn summary(lineage: &std::path::Path, format: &str) -> String {
    let output = cdflow(&[
        "summary",
        &lineage.display().to_string(),
        "--format",
        format,
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

/// The text from the accounting section on.
fn agent_section(summary: &str) -> &str {
    &summary[summary.find("\nagent: ").expect("an agent section")..]
}

#[test]
fn every_cause_is_shown_and_the_events_balance() {
    let root = TempDir::new("accounting-balanced");
    let lineage = root.path().join("lineage");
    let rows = [
        // an earlier row of the same instance: superseded by the last one
        StatsRow {
            stats_time: T0,
            agent_start_time: T0 - 1,
            counters: vec![("agent_events_seen", 10), ("written", 5)],
        },
        StatsRow {
            stats_time: T0 + 10_000_000,
            agent_start_time: T0 - 1,
            counters: vec![
                ("agent_events_seen", 1000),
                ("written", 980 + 7),
                ("recovered_rows", 7),
                ("removed_rows", 100),
                ("agent_dropped", 2 + 3 + 1 + 1),
                ("agent_dropped_busy", 2),
                ("agent_dropped_not_running", 3),
                ("agent_dropped_submit_error", 1),
                ("agent_dropped_other", 1),
                ("dropped_queue_full", 4),
                ("rejected", 1),
                ("skipped_records", 2),
                ("dropped_write_failed", 5),
                ("dropped_disk_bound", 1),
            ],
        },
    ];
    write_agent_stats(
        &lineage,
        "10.0.0.1",
        "part-a.parquet",
        &all_counters(),
        &rows,
    );
    let unbalanced = StatsRow {
        stats_time: T0,
        agent_start_time: T0,
        counters: vec![
            ("agent_events_seen", 50),
            ("written", 40),
            ("agent_dropped", 1),
            ("agent_dropped_busy", 1),
        ],
    };
    write_agent_stats(
        &lineage,
        "10.0.0.2",
        "part-b.parquet",
        &all_counters(),
        &[unbalanced],
    );

    let out = summary(&lineage, "text");
    assert_eq!(
        agent_section(&out),
        "
agent: every event seen is written or dropped with its cause (docs/schema.md, \"Accounting\")
node      instances  events seen  written  recovered  removed  dropped                 balance
--------  ---------  -----------  -------  ---------  -------  -------  ----------------------
10.0.0.1          1         1000      987          7      100       20                balanced
10.0.0.2          1           50       40          0        0        1  off by 9 (unaccounted)

dropped, by cause
node      busy  not running  submit error  other  queue full  rejected  skipped records  write failed  disk bound
--------  ----  -----------  ------------  -----  ----------  --------  ---------------  ------------  ----------
10.0.0.1     2            3             1      1           4         1                2             5           1
10.0.0.2     1            0             0      0           0         0                0             0           0
"
    );

    let json: Value = serde_json::from_str(&summary(&lineage, "json")).unwrap();
    let agents = json["agents"].as_array().unwrap();
    assert_eq!(agents.len(), 2);
    let a = &agents[0];
    assert_eq!(a["node"], "10.0.0.1");
    assert_eq!(a["agent_dropped_busy"], 2);
    assert_eq!(a["dropped_disk_bound"], 1);
    assert_eq!(a["dropped"], 20);
    assert_eq!(a["balanced"], true);
    assert_eq!(a["unaccounted"], 0);
    assert_eq!(a["unknown"], serde_json::json!([]));
    assert_eq!(
        (
            agents[1]["balanced"].clone(),
            agents[1]["unaccounted"].clone()
        ),
        (Value::Bool(false), Value::from(9))
    );
}

#[test]
fn columns_an_older_core_did_not_write_are_unknown_not_zero() {
    let root = TempDir::new("accounting-old");
    let lineage = root.path().join("lineage");
    let old = StatsRow {
        stats_time: T0,
        agent_start_time: T0,
        counters: vec![
            ("agent_events_seen", 500),
            ("written", 495),
            ("agent_dropped", 3),
            ("dropped_queue_full", 2),
        ],
    };
    write_agent_stats(
        &lineage,
        "10.0.0.1",
        "part-old.parquet",
        &OLD_AGENT_STATS_COUNTERS,
        &[old],
    );

    let out = summary(&lineage, "text");
    assert_eq!(
        agent_section(&out),
        "
agent: every event seen is written or dropped with its cause (docs/schema.md, \"Accounting\")
node      instances  events seen  written  recovered  removed  dropped  balance
--------  ---------  -----------  -------  ---------  -------  -------  -------
10.0.0.1          1          500      495          ?        ?      ≥ 5  unknown

dropped, by cause
node      busy  not running  submit error  other  queue full  rejected  skipped records  write failed  disk bound
--------  ----  -----------  ------------  -----  ----------  --------  ---------------  ------------  ----------
10.0.0.1     ?            ?             ?      ?           2         0                0             ?           ?
? = unknown, not 0: agent_stats written by an older core has no column agent_dropped_busy, agent_dropped_not_running, agent_dropped_other, agent_dropped_submit_error, dropped_disk_bound, dropped_write_failed, recovered_rows
"
    );
    let json: Value = serde_json::from_str(&summary(&lineage, "json")).unwrap();
    let a = &json["agents"][0];
    assert_eq!(a["agent_dropped"], 3);
    assert_eq!(a["agent_dropped_busy"], Value::Null);
    assert_eq!(a["dropped_write_failed"], Value::Null);
    assert_eq!(a["dropped"], Value::Null);
    assert_eq!(a["dropped_known"], 5);
    assert_eq!(a["balanced"], Value::Null);
}

#[test]
fn an_old_and_a_new_instance_of_one_node_sum_to_unknown_where_one_is() {
    let root = TempDir::new("accounting-mixed");
    let lineage = root.path().join("lineage");
    let row = |start: i64, seen: i64| StatsRow {
        stats_time: start + 1,
        agent_start_time: start,
        counters: vec![("agent_events_seen", seen), ("written", seen)],
    };
    write_agent_stats(
        &lineage,
        "10.0.0.1",
        "part-old.parquet",
        &OLD_AGENT_STATS_COUNTERS,
        &[row(T0, 100)],
    );
    write_agent_stats(
        &lineage,
        "10.0.0.1",
        "part-new.parquet",
        &all_counters(),
        &[row(T0 + 60_000_000, 200)],
    );
    let json: Value = serde_json::from_str(&summary(&lineage, "json")).unwrap();
    let a = &json["agents"][0];
    assert_eq!(
        (
            a["instances"].clone(),
            a["agent_events_seen"].clone(),
            a["written"].clone()
        ),
        (Value::from(2), Value::from(300), Value::from(300))
    );
    assert_eq!(a["dropped_write_failed"], Value::Null);
    assert_eq!(a["dropped_known"], 0);
    assert_eq!(a["balanced"], Value::Null);
}
