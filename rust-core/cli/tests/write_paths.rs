//! Every write path is a write (cdflow_core::enrich::access): LWTs (applied and attempted), counter updates
//! and batches are write requests in `summary` and `audit`; an LWT's condition read is no client read;
//! `paxos_commit` and `hint_replay` are replica writes. On lineage written by the core's own writer
//! (the shared wire vectors) and on lineage shaped like a real node's (tests/e2e checks the node).

mod common;

use common::core_lineage::vector_lineage;
use common::*;
use serde_json::{Value, json};

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", text(&output.stdout)))
}

#[test]
fn core_written_lineage_counts_lwts_as_writes_and_commits_as_replica_writes() {
    let dir = TempDir::new("write-paths-core");
    let lineage = vector_lineage(dir.path());
    let lineage = lineage.to_str().unwrap();
    let out = cdflow(&["summary", lineage, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary = json_of(&out);
    // 6 coordinator_write rows (one failed) and one cas; of the two coordinator_read rows only the
    // SELECT's (rows_returned 7) is a read: the other is an LWT's condition read.
    assert_eq!(summary["requests"]["writes"], 7);
    assert_eq!(summary["requests"]["reads"], 1);
    assert_eq!(
        summary["write_paths"],
        json!([
            {"write_path": "statement", "writes": 6, "deletes": 0, "not_applied": 0, "failed": 1},
            {"write_path": "lwt", "writes": 1, "deletes": 0, "not_applied": 0, "failed": 0},
        ])
    );
    let orders = summary["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|table| table["table"] == "shop.orders")
        .unwrap();
    // 3 replica_write, 1 paxos_commit, 1 hint_replay
    assert_eq!(orders["replica_writes"], 5);
    let alice = summary["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|client| client["client"] == "role:alice")
        .unwrap();
    assert_eq!((&alice["writes"], &alice["reads"]), (&json!(1), &json!(1)));

    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "default: allow\nrules:\n  - name: alice does not write orders\n    effect: deny\n    \
         roles: [alice]\n    operations: [write, delete]\n    tables: [shop.orders]\n",
    )
    .unwrap();
    let audit = cdflow(&["audit", lineage, "--policy", policy.to_str().unwrap()]);
    assert_eq!(audit.status.code(), Some(1), "{}", text(&audit.stderr));
    let report = text(&audit.stdout);
    assert!(
        report.starts_with("audit of 8 client requests against "),
        "{report}"
    );
    assert!(report.contains("1 violation(s)"), "{report}");
    assert!(
        report.contains("violates alice does not write orders (line 3): 1 request(s)"),
        "{report}"
    );
    assert!(
        report.contains("what:  write via lwt on shop.orders"),
        "{report}"
    );
}

const KS: &str = "families";

/// What a role does on a node with Paxos v1, as the agent writes it: two `INSERT … IF NOT EXISTS`
/// (the second does not apply), a conditional `UPDATE`, each with its condition read; a counter
/// update; a logged batch over three partitions.
fn denied_role_events() -> Vec<Event> {
    let base = Event {
        node: "10.0.0.1",
        keyspace: KS,
        table: "accounts",
        user: Some("svc_denied"),
        client: Some("10.1.1.1:4000"),
        coordinator: Some("10.0.0.1"),
        partition_key_hash: Some(1),
        ..Event::default()
    };
    let mut events = Vec::new();
    for (i, (statement, applied)) in [("INSERT", true), ("INSERT", false), ("UPDATE", true)]
        .into_iter()
        .enumerate()
    {
        let time = T0 + i as i64 * 1000;
        events.push(Event {
            time,
            kind: "coordinator_read",
            consistency: Some("QUORUM"),
            range_scan: Some(false),
            ..base.clone()
        });
        events.push(Event {
            time: time + 10,
            kind: "cas",
            statement_type: Some(statement),
            consistency: Some("LOCAL_ONE"),
            cas_applied: Some(applied),
            paxos_attempts: Some(1),
            ..base.clone()
        });
        if applied {
            events.push(Event {
                time: time + 5,
                kind: "paxos_commit",
                applied_locally: Some(true),
                rows: Some(1),
                cells: Some(1),
                tombstones: Some(0),
                ..base.clone()
            });
        }
    }
    events.push(Event {
        time: T0 + 5000,
        kind: "coordinator_write",
        table: "hits",
        statement_type: Some("UPDATE"),
        counter_write: Some(true),
        cells: Some(1),
        tombstones: Some(0),
        ..base.clone()
    });
    for k in 0..3 {
        events.push(Event {
            time: T0 + 6000 + k,
            kind: "coordinator_write",
            table: "logged",
            statement_type: Some("BATCH_LOGGED"),
            batch_id: Some("b-1"),
            batch_partitions: Some(3),
            partition_key_hash: Some(300 + k),
            cells: Some(1),
            tombstones: Some(0),
            ..base.clone()
        });
    }
    events
}

#[test]
fn audit_names_each_write_path_of_a_role_denied_writes() {
    let dir = TempDir::new("write-paths-audit");
    let lineage = dir.path().join("lineage");
    write_events(&lineage, &denied_role_events());
    let lineage = lineage.to_str().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        format!(
            "default: allow\nrules:\n  - name: svc_denied writes nothing\n    effect: deny\n    \
             roles: [svc_denied]\n    operations: [write, delete]\n    keyspaces: [{KS}]\n"
        ),
    )
    .unwrap();
    let policy = policy.to_str().unwrap();

    let out = cdflow(&["audit", lineage, "--policy", policy, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_of(&out);
    // 3 LWTs, 1 counter update, 3 batch rows; the 3 condition reads are not client requests.
    assert_eq!(
        (&report["requests"], &report["violations"]),
        (&json!(7), &json!(7))
    );
    let groups: Vec<(String, String, String, u64)> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let what = &group["what"];
            (
                what["table"].as_str().unwrap().to_string(),
                what["write_path"].as_str().unwrap().to_string(),
                what["outcome"].as_str().unwrap().to_string(),
                group["count"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("families.accounts", "lwt", "not_applied", 1),
        ("families.accounts", "lwt", "ok", 2),
        ("families.hits", "counter", "ok", 1),
        ("families.logged", "logged_batch", "ok", 3),
    ];
    let expected: Vec<(String, String, String, u64)> = expected
        .iter()
        .map(|(t, p, o, n)| (t.to_string(), p.to_string(), o.to_string(), *n))
        .collect();
    assert_eq!(groups, expected);

    let text_report = text(&cdflow(&["audit", lineage, "--policy", policy]).stdout);
    for what in [
        "what:  write via lwt on families.accounts",
        "what:  write via lwt, attempted (not applied) on families.accounts",
        "what:  write via counter on families.hits",
        "what:  write via logged_batch on families.logged",
    ] {
        assert!(text_report.contains(what), "{what}\n{text_report}");
    }

    let summary = json_of(&cdflow(&["summary", lineage, "--format", "json"]));
    assert_eq!(summary["requests"]["reads"], 0);
    assert_eq!(summary["requests"]["writes"], 7);
    assert_eq!(
        summary["write_paths"],
        json!([
            {"write_path": "counter", "writes": 1, "deletes": 0, "not_applied": 0, "failed": 0},
            {"write_path": "logged_batch", "writes": 3, "deletes": 0, "not_applied": 0, "failed": 0},
            {"write_path": "lwt", "writes": 3, "deletes": 0, "not_applied": 1, "failed": 0},
        ])
    );
}

/// The sizes of LWT writes are unknown on their `cas` rows (they are on the `paxos_commit` applies):
/// `summary` says `unknown` (text) / `null` (JSON) for a table, client or partition whose writes are all
/// LWTs, `≥ sum (n unsized)` where some are, never `0 B`.
#[test]
fn summary_shows_sizes_of_lwt_only_writes_as_unknown() {
    let dir = TempDir::new("write-paths-unsized");
    let lineage = dir.path().join("lineage");
    let base = Event {
        node: "10.0.0.1",
        keyspace: "shop",
        client: Some("10.1.1.1:4000"),
        coordinator: Some("10.0.0.1"),
        ..Event::default()
    };
    let cas = |time: i64, user: &'static str, table: &'static str, key: i64| Event {
        time,
        kind: "cas",
        table,
        user: Some(user),
        partition_key_hash: Some(key),
        statement_type: Some("INSERT"),
        cas_applied: Some(true),
        paxos_attempts: Some(1),
        ..base.clone()
    };
    let write = |time: i64, user: &'static str, table: &'static str, key: i64| Event {
        time,
        kind: "coordinator_write",
        table,
        user: Some(user),
        partition_key_hash: Some(key),
        statement_type: Some("INSERT"),
        bytes: Some(1_000),
        rows: Some(2),
        tombstones: Some(1),
        cells: Some(3),
        ..base.clone()
    };
    // shop.coupons: 3 LWTs of lwt_only; shop.orders: 2 sized writes and 1 LWT of mixed.
    let events = vec![
        cas(T0, "lwt_only", "coupons", 7),
        cas(T0 + 1, "lwt_only", "coupons", 7),
        cas(T0 + 2, "lwt_only", "coupons", 8),
        write(T0 + 3, "mixed", "orders", 9),
        write(T0 + 4, "mixed", "orders", 9),
        cas(T0 + 5, "mixed", "orders", 9),
    ];
    write_events(&lineage, &events);
    let lineage = lineage.to_str().unwrap();

    let summary = json_of(&cdflow(&["summary", lineage, "--format", "json"]));
    let row = |section: &str, key: &str, label: &str| {
        summary[section]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row[key] == label)
            .unwrap_or_else(|| panic!("{section} {label}: {summary}"))
            .clone()
    };
    let coupons = row("tables", "table", "shop.coupons");
    assert_eq!(
        (
            &coupons["writes"],
            &coupons["unsized_writes"],
            &coupons["bytes_written"],
            &coupons["tombstones_written"]
        ),
        (&json!(3), &json!(3), &Value::Null, &Value::Null)
    );
    let orders = row("tables", "table", "shop.orders");
    assert_eq!(
        (
            &orders["writes"],
            &orders["unsized_writes"],
            &orders["bytes_written"],
            &orders["tombstones_written"]
        ),
        (&json!(3), &json!(1), &json!(2_000), &json!(2))
    );
    let lwt_only = row("clients", "client", "role:lwt_only");
    assert_eq!(
        (
            &lwt_only["unsized_writes"],
            &lwt_only["bytes_written"],
            &lwt_only["rows_written"],
            &lwt_only["tombstones_written"]
        ),
        (&json!(3), &Value::Null, &Value::Null, &Value::Null)
    );
    let mixed = row("clients", "client", "role:mixed");
    assert_eq!(
        (
            &mixed["unsized_writes"],
            &mixed["bytes_written"],
            &mixed["rows_written"]
        ),
        (&json!(1), &json!(2_000), &json!(4))
    );
    let partition = row(
        "partitions",
        "partition",
        &format!("shop.coupons {}", common::core_writer::key_hash(7)),
    );
    assert_eq!(
        (&partition["unsized_writes"], &partition["bytes_written"]),
        (&json!(2), &Value::Null)
    );

    let out = text(&cdflow(&["summary", lineage]).stdout);
    let line = |start: &str| {
        let line = out
            .lines()
            .find(|line| line.starts_with(start))
            .unwrap_or_else(|| panic!("{start}\n{out}"));
        line.split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .collect::<Vec<_>>()
    };
    // table, writes, writes/s, reads, reads/s, replica writes, replica reads, bytes written,
    // tombstones written, tombstones scanned, flushes, compactions
    assert_eq!(line("shop.coupons")[7..9], ["unknown", "unknown"]);
    assert_eq!(
        line("shop.orders")[7..9],
        ["≥ 2.0 KiB (1 unsized)", "≥ 2 (1 unsized)"]
    );
    // client, writes, reads, bytes written, rows written, tombstones written, rows returned, errors
    assert_eq!(
        line("role:lwt_only")[1..6],
        ["3", "0", "unknown", "unknown", "unknown"]
    );
    assert_eq!(
        line("role:mixed")[1..6],
        [
            "3",
            "0",
            "≥ 2.0 KiB (1 unsized)",
            "≥ 4 (1 unsized)",
            "≥ 2 (1 unsized)"
        ]
    );
    assert_eq!(
        line(&format!(
            "shop.coupons {}",
            common::core_writer::key_hash(7)
        ))[1..5],
        ["2", "0", "unknown", "unknown"]
    );
}
