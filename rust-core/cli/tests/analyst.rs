//! `cdflow antipatterns`, `cdflow audit`, `cdflow summary --format json` and input errors, on small
//! lineages written with ArrowWriter (one table per pattern, so every finding is attributable).

mod common;

use common::core_writer::key_hash;
use common::*;
use serde_json::Value;

const N1: &str = "10.0.0.1";

fn request(table: &'static str, i: i64, kind: &'static str) -> Event {
    Event {
        time: T0 + i * 1000,
        node: N1,
        kind,
        keyspace: "ks",
        table,
        user: Some("app"),
        client: Some("10.1.1.1:4000"),
        coordinator: Some(N1),
        bytes: Some(100),
        rows: Some(1),
        tombstones: Some(0),
        cells: Some(2),
        partition_key_hash: Some(i),
        statement_type: Some("INSERT"),
        consistency: Some("LOCAL_QUORUM"),
        team: Some("commerce"),
        identity_kind: Some("service"),
        ..Event::default()
    }
}

fn write(table: &'static str, i: i64) -> Event {
    request(table, i, "coordinator_write")
}

/// One table per anti-pattern, plus `clean`.
fn pattern_events() -> Vec<Event> {
    let mut events = Vec::new();
    for i in 0..200 {
        events.push(write("clean", i));
    }
    for i in 0..200 {
        events.push(Event {
            partition_key_hash: Some(if i < 150 { 7 } else { i }),
            ..write("hot", i)
        });
    }
    for i in 0..20 {
        events.push(Event {
            bytes: Some(64 << 10),
            partition_key_hash: Some(9),
            ..write("large", i)
        });
    }
    for i in 0..20 {
        events.push(Event {
            statement_type: Some("DELETE"),
            tombstones: Some(100),
            cells: Some(0),
            partition_key_hash: Some(i),
            ..write("tomb", i)
        });
    }
    events.push(Event {
        kind: "replica_read",
        tombstones_scanned: Some(1500),
        ..request("tomb", 99, "replica_read")
    });
    for i in 0..12 {
        events.push(Event {
            statement_type: Some("BATCH_UNLOGGED"),
            batch_id: Some("b-1"),
            batch_partitions: Some(12),
            ..write("batch", i)
        });
    }
    for i in 0..120 {
        events.push(Event {
            consistency: Some("ALL"),
            ..write("cl", i)
        });
    }
    for i in 0..12 {
        events.push(Event {
            range_scan: Some(true),
            partition_key_hash: None,
            ..request("scan", i, "coordinator_read")
        });
    }
    for i in 0..30 {
        events.push(Event {
            cas_applied: Some(i % 3 == 0),
            paxos_attempts: Some(if i % 2 == 0 { 3 } else { 1 }),
            partition_key_hash: Some(i % 5),
            ..write("lwt", i)
        });
    }
    for i in 0..300 {
        events.push(Event {
            ttl_cells: Some(5),
            cells: Some(4),
            partition_key_hash: Some(i % 50),
            ..write("ttl", i)
        });
    }
    events
}

fn findings(lineage: &str, extra: &[&str]) -> Vec<(String, String)> {
    let mut args = vec!["antipatterns", lineage, "--format", "json"];
    args.extend_from_slice(extra);
    let output = cdflow(&args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut found: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["table"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn every_antipattern_is_found_on_its_table_and_none_on_the_clean_one() {
    let root = TempDir::new("antipatterns");
    let lineage = root.path().join("lineage");
    write_events(&lineage, &pattern_events());
    let lineage = lineage.display().to_string();
    let found = findings(&lineage, &["--large-partition-bytes", "1MiB"]);
    let expected: Vec<(String, String)> = [
        ("consistency_all", "ks.cl"),
        ("hot_partition", "ks.hot"),
        ("large_partition", "ks.large"),
        ("lwt_contention", "ks.lwt"),
        ("multi_partition_batch", "ks.batch"),
        ("range_scan", "ks.scan"),
        ("tombstone_heavy", "ks.tomb"),
        ("ttl_tombstone_churn", "ks.ttl"),
    ]
    .iter()
    .map(|(k, t)| (k.to_string(), t.to_string()))
    .collect();
    assert_eq!(found, expected);
    // With the default 100 MiB, 1.25 MiB is not a large partition.
    assert!(!findings(&lineage, &[]).contains(&("large_partition".into(), "ks.large".into())));
    // Thresholds move findings: at a 90% share ks.hot (75%) is no longer hot.
    let strict = findings(&lineage, &["--hot-share", "0.9"]);
    assert!(!strict.iter().any(|(kind, _)| kind == "hot_partition"));

    let text_output = cdflow(&["antipatterns", &lineage]);
    let report = text(&text_output.stdout);
    assert!(report.contains("hot_partition  ks.hot"), "{report}");
    assert!(
        report.contains(&format!("the busiest, {}, took 150 (75.0%)", key_hash(7))),
        "{report}"
    );
    assert!(report.contains("roles: app (150)"), "{report}");
    assert!(
        report.contains("time: 2026-11-25T14:00:00.000000Z"),
        "{report}"
    );
}

#[test]
fn a_clean_lineage_has_no_finding() {
    let root = TempDir::new("clean");
    let lineage = root.path().join("lineage");
    let events: Vec<Event> = (0..300).map(|i| write("clean", i)).collect();
    write_events(&lineage, &events);
    let output = cdflow(&["antipatterns", &lineage.display().to_string()]);
    assert!(output.status.success());
    assert_eq!(
        text(&output.stdout),
        "no anti-patterns found in 300 client requests\n"
    );
}

const POLICY: &str = "# who may touch ks
default: deny
rules:
  - name: services write
    effect: allow
    kinds: [service]
    operations: [write]
    tables: [ks.clean, 'ks.hot']
  - name: people read
    effect: allow
    kinds: [person]
    operations: [read]
";

#[test]
fn audit_exits_0_when_allowed_and_1_with_who_what_where_when() {
    let root = TempDir::new("audit");
    let lineage = root.path().join("lineage");
    let mut events: Vec<Event> = (0..5).map(|i| write("clean", i)).collect();
    events.push(Event {
        user: Some("bob"),
        team: Some("analytics"),
        identity_kind: Some("person"),
        statement_type: Some("DELETE"),
        tombstones: Some(1),
        partition_key_hash: Some(42),
        ..write("clean", 10)
    });
    write_events(&lineage, &events);
    let lineage = lineage.display().to_string();
    let policy = root.path().join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    let policy = policy.display().to_string();

    let allowed = cdflow(&["audit", &lineage, "--policy", &policy, "--role", "app"]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert!(text(&allowed.stdout).contains("5 client requests"));

    let denied = cdflow(&["audit", &lineage, "--policy", &policy]);
    assert_eq!(denied.status.code(), Some(1), "{}", text(&denied.stderr));
    let report = text(&denied.stdout);
    assert!(report.contains("1 violation(s)"), "{report}");
    assert!(
        report.contains("violates default: deny: 1 request(s)"),
        "{report}"
    );
    assert!(
        report.contains("who:   role bob (team analytics, person) from 10.1.1.1"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "what:  delete via statement on ks.clean, partitions (keyed hash) {}",
            key_hash(42)
        )),
        "{report}"
    );
    assert!(report.contains("where: coordinator 10.0.0.1"), "{report}");
    assert!(
        report.contains("when:  2026-11-25T14:00:00.010000Z"),
        "{report}"
    );

    let json = cdflow(&["audit", &lineage, "--policy", &policy, "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["violations"], 1);
    assert_eq!(json["examples"][0]["role"], "bob");
    assert_eq!(json["groups"][0]["what"]["operation"], "delete");
}

#[test]
fn policy_errors_name_file_and_line() {
    let root = TempDir::new("policy-error");
    let lineage = root.path().join("lineage");
    write_events(&lineage, &[write("clean", 1)]);
    let policy = root.path().join("bad.yaml");
    std::fs::write(
        &policy,
        "rules:\n  - name: x\n    effect: deny\n    tabels: [ks.t]\n",
    )
    .unwrap();
    let output = cdflow(&[
        "audit",
        &lineage.display().to_string(),
        "--policy",
        &policy.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "cdflow: invalid policy {}:4:5: rules[0]: unknown field `tabels`",
            policy.display()
        )),
        "{stderr}"
    );
}

#[test]
fn summary_json_has_every_section() {
    let root = TempDir::new("summary-json");
    let lineage = root.path().join("lineage");
    write_events(&lineage, &pattern_events());
    let output = cdflow(&[
        "summary",
        &lineage.display().to_string(),
        "--format",
        "json",
        "--table",
        "ks.hot",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["requests"]["writes"], 200);
    assert_eq!(json["tables"][0]["table"], "ks.hot");
    assert_eq!(
        json["partitions"][0]["partition"],
        format!("ks.hot {}", key_hash(7))
    );
    assert_eq!(json["partitions"][0]["writes"], 150);
    assert_eq!(json["span"]["first"], "2026-11-25T14:00:00.000000Z");
    assert!(json["agents"].as_array().unwrap().is_empty());
}

#[test]
fn an_unknown_schema_version_is_an_error_naming_the_file() {
    let root = TempDir::new("schema-version");
    let lineage = root.path().join("lineage");
    write_versioned_events(&lineage, "1");
    assert!(
        cdflow(&["summary", &lineage.display().to_string()])
            .status
            .success()
    );
    write_versioned_events(&lineage, "99");
    let output = cdflow(&["antipatterns", &lineage.display().to_string()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("part-20261125T140000Z-3-0.parquet"),
        "{stderr}"
    );
    assert!(
        stderr.contains("lineage schema version 99 is unknown to this cdflow"),
        "{stderr}"
    );
}
