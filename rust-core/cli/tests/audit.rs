//! `cdflow audit` and `cdflow antipatterns` triage on lineage written by the real core writer: fail-closed
//! audits, per-rule counts, policy names that appear nowhere, logins as subjects, complete evidence,
//! JSON lines, and 64-bit ids that survive JSON exactly.

mod common;

use std::path::Path;

use arrow::array::{AsArray, StringArray};
use arrow::datatypes::Int64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;
use sha2::{Digest, Sha256};

use common::core_writer::{Tagged, V, write_with_core};
use common::{T0, TempDir, cdflow, parquet_files_below, text};

const IDENTITY_MAP: &str = "roles:\n  alice: {owner: Alice Example, team: support, kind: person, external_identity: \"okta|00u1abcd\"}\n  svc_orders: {owner: orders-service, team: commerce, kind: service}\n";

const POLICY: &str = "# the shop keyspace
default: deny
check: [requests, logins]
rules:
  - name: orders service writes
    effect: allow
    roles: [svc_orders]
    operations: [write]
  - name: no deletes by alice
    effect: deny
    roles: [alcie]
    operations: [delete]
  - name: people read
    effect: allow
    kinds: [person]
    operations: [read]
  - name: logins
    effect: allow
    operations: [login]
  - name: no failed logins
    effect: deny
    operations: [failed_login]
";

const HOSTS: [&str; 12] = [
    "10.0.0.1:40001",
    "10.0.0.2:40002",
    "10.0.0.3:40003",
    "10.0.0.4:40004",
    "10.0.0.5:40005",
    "10.0.0.6:40006",
    "10.0.0.7:40007",
    "10.0.0.8:40008",
    "10.0.0.9:40009",
    "10.0.0.10:40010",
    "10.0.0.11:40011",
    "10.0.0.12:40012",
];

fn request(
    time: i64,
    user: &'static str,
    kind: &'static str,
    statement: &'static str,
    client: &'static str,
    key: u8,
) -> Tagged {
    let mut fields = vec![
        ("event_time", V::I(time)),
        ("node", V::S("10.0.0.100")),
        ("kind", V::S(kind)),
        ("keyspace_name", V::S("shop")),
        ("table_name", V::S("orders")),
        ("user_name", V::S(user)),
        ("client_address", V::S(client)),
        ("driver_name", V::S("DataStax Java Driver")),
        ("driver_version", V::S("4.17.0")),
        ("session_id", V::S("5e551011")),
        ("coordinator", V::S("10.0.0.100")),
        ("token", V::I(-5_758_853_414_609_213_800 + i64::from(key))),
        ("partition_key", V::Bytes(vec![0, 0, 0, key])),
    ];
    if kind == "coordinator_write" {
        fields.push(("statement_type", V::S(statement)));
        fields.push(("rows", V::I(1)));
        fields.push(("cells", V::I(1)));
        let tombstones = i64::from(statement == "DELETE");
        fields.push(("tombstones", V::I(tombstones)));
    } else {
        // a SELECT's read returns rows (a coordinator_read without rows_returned is an LWT's condition read)
        fields.push(("rows_returned", V::I(1)));
    }
    ("events", fields)
}

fn login(time: i64, user: &'static str, outcome: &'static str) -> Tagged {
    (
        "auth_events",
        vec![
            ("event_time", V::I(time)),
            ("node", V::S("10.0.0.100")),
            ("user_name", V::S(user)),
            ("client_address", V::S("10.9.9.9:50000")),
            ("session_id", V::S("a0a0")),
            ("outcome", V::S(outcome)),
            (
                "reason",
                V::S(if outcome == "failure" {
                    "Provided username and/or password are incorrect"
                } else {
                    ""
                }),
            ),
        ],
    )
}

/// 12 allowed writes of svc_orders, 12 deletes of alice from 12 hosts (submitted latest first), one
/// read of alice; logins: alice fails, cassandra (a superuser) and svc_orders succeed.
fn shop(root: &Path) -> (String, String) {
    let mut events = Vec::new();
    for i in 0..12u8 {
        events.push(request(
            T0 + i64::from(i) * 1000,
            "svc_orders",
            "coordinator_write",
            "INSERT",
            "10.1.1.1:9000",
            i,
        ));
    }
    for i in (0..12u8).rev() {
        events.push(request(
            T0 + 1_000_000 * (i64::from(i) + 1),
            "alice",
            "coordinator_write",
            "DELETE",
            HOSTS[usize::from(i)],
            100 + i,
        ));
    }
    events.push(request(
        T0 + 50_000_000,
        "alice",
        "coordinator_read",
        "",
        HOSTS[0],
        7,
    ));
    events.push(login(T0 + 60_000_000, "alice", "failure"));
    events.push(login(T0 + 61_000_000, "cassandra", "success"));
    events.push(login(T0 + 62_000_000, "svc_orders", "success"));
    let lineage = write_with_core(root, Some(IDENTITY_MAP), &events);
    let policy = root.join("policy.yaml");
    std::fs::write(&policy, POLICY).unwrap();
    (lineage.display().to_string(), policy.display().to_string())
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)))
}

#[test]
fn per_rule_counts_logins_and_complete_evidence() {
    let root = TempDir::new("audit-core");
    let (lineage, policy) = shop(root.path());
    let output = cdflow(&["audit", &lineage, "--policy", &policy, "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let report = json(&output);
    assert_eq!(report["requests"], 25);
    assert_eq!(report["logins"], 3);
    assert_eq!(report["violations"], 14);
    let counts: Vec<(String, u64, u64)> = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|rule| {
            (
                rule["name"].as_str().unwrap().to_string(),
                rule["matched"].as_u64().unwrap(),
                rule["violations"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, u64, u64)> = [
        ("orders service writes", 12, 0),
        ("no deletes by alice", 0, 0),
        ("people read", 1, 0),
        ("logins", 1, 0),
        ("no failed logins", 1, 1),
        ("default", 13, 13),
    ]
    .iter()
    .map(|(name, matched, violations)| (name.to_string(), *matched, *violations))
    .collect();
    assert_eq!(counts, expected);
    assert_eq!(report["rules"][1]["line"], 9);

    // The typo'd role is reported, with the rule and its line.
    assert_eq!(report["unseen_names"][0]["selector"], "roles");
    assert_eq!(report["unseen_names"][0]["name"], "alcie");
    assert_eq!(report["unseen_names"].as_array().unwrap().len(), 1);
    assert!(
        text(&output.stderr).contains(&format!(
            "cdflow: warning: {policy}:9: rule `no deletes by alice` names role `alcie`, which appears in no checked event"
        )),
        "{}",
        text(&output.stderr)
    );

    // The policy's hash and the files read.
    let digest = hex::encode(Sha256::digest(std::fs::read(&policy).unwrap()));
    assert_eq!(report["policy_sha256"], digest.as_str());
    let files: Vec<&str> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["table"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["events", "auth_events"]);

    // Evidence: every host counted, the first 10 listed, identity, driver and session.
    let deletes = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["what"]["operation"] == "delete")
        .unwrap();
    assert_eq!(deletes["count"], 12);
    assert_eq!(deletes["who"]["clients_count"], 12);
    assert_eq!(deletes["who"]["clients"].as_array().unwrap().len(), 10);
    assert_eq!(deletes["who"]["external_identities"][0], "okta|00u1abcd");
    assert_eq!(deletes["who"]["drivers"][0], "DataStax Java Driver 4.17.0");
    assert_eq!(deletes["who"]["sessions"][0], "5e551011");
    assert_eq!(deletes["what"]["partitions_count"], 12);
    let superuser = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["what"]["operation"] == "superuser_login")
        .unwrap();
    assert_eq!(superuser["who"]["role"], "cassandra");
    assert_eq!(superuser["rule"], "default: deny");
    let failed = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["what"]["operation"] == "failed_login")
        .unwrap();
    assert_eq!(failed["rule"], "no failed logins (line 20)");
    assert_eq!(
        failed["what"]["reasons"][0],
        "Provided username and/or password are incorrect"
    );

    // Examples in time order although written latest first.
    let times: Vec<&str> = report["examples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    assert_eq!(times.len(), 14);
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted);
    assert_eq!(times[0], "2026-11-25T14:00:01.000000Z");

    // Text: "+2 more" and the rule table.
    let text_out = cdflow(&["audit", &lineage, "--policy", &policy]);
    let report = text(&text_out.stdout);
    assert!(report.contains(" (+2 more)"), "{report}");
    assert!(
        report.contains("audit of 25 client requests and 3 logins against"),
        "{report}"
    );
    assert!(report.contains("  idp:   okta|00u1abcd"), "{report}");
    assert!(
        report.contains("  via:   driver DataStax Java Driver 4.17.0; session 5e551011"),
        "{report}"
    );

    // --strict turns the unseen name into an error.
    let strict = cdflow(&["audit", &lineage, "--policy", &policy, "--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        text(&strict.stderr).contains("cdflow: 1 name(s) of the policy appear in no checked event"),
        "{}",
        text(&strict.stderr)
    );
}

#[test]
fn an_audit_that_checks_nothing_fails_unless_allowed() {
    let root = TempDir::new("audit-empty");
    let (lineage, policy) = shop(root.path());
    let output = cdflow(&["audit", &lineage, "--policy", &policy, "--role", "alcie"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(
            "cdflow: audit checked 0 client requests and 0 logins in 2 file(s): nothing was audited"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    let allowed = cdflow(&[
        "audit",
        &lineage,
        "--policy",
        &policy,
        "--role",
        "alcie",
        "--allow-empty",
    ]);
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stderr));
    assert!(text(&allowed.stdout).contains(": 0 violation(s)"));
}

#[test]
fn jsonl_has_one_parsable_violation_per_line() {
    let root = TempDir::new("audit-jsonl");
    let (lineage, policy) = shop(root.path());
    let output = cdflow(&["audit", &lineage, "--policy", &policy, "--format", "jsonl"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 14);
    let digest = hex::encode(Sha256::digest(std::fs::read(&policy).unwrap()));
    for line in &lines {
        assert_eq!(line["type"], "cdflow.audit.violation");
        assert_eq!(line["policy_sha256"], digest.as_str());
    }
    let operations: Vec<&str> = lines
        .iter()
        .map(|l| l["operation"].as_str().unwrap())
        .collect();
    assert_eq!(operations.iter().filter(|o| **o == "delete").count(), 12);
    assert!(operations.contains(&"failed_login") && operations.contains(&"superuser_login"));
    assert!(
        text(&output.stderr).contains("audit of 25 client requests and 3 logins: 14 violation(s)")
    );
}

/// Every `partition_key_hash` and `token` of the events files, as the Parquet files hold them.
fn parquet_ids(lineage: &Path, column: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for path in parquet_files_below(&lineage.join("events")) {
        let file = std::fs::File::open(&path).unwrap();
        for batch in ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
        {
            let batch = batch.unwrap();
            let kinds = batch.column_by_name("kind").unwrap();
            let kinds: &StringArray = kinds.as_string();
            let values = batch.column_by_name(column).unwrap();
            let values = values.as_primitive::<Int64Type>();
            for row in 0..batch.num_rows() {
                if kinds.value(row) == "coordinator_write" {
                    ids.push(values.value(row));
                }
            }
        }
    }
    ids
}

#[test]
fn hashes_and_tokens_are_json_strings_equal_to_the_parquet_values() {
    let root = TempDir::new("audit-ids");
    let (lineage, policy) = shop(root.path());
    let output = cdflow(&[
        "audit", &lineage, "--policy", &policy, "--format", "json", "--list", "0",
    ]);
    let report = json(&output);
    let hashes = parquet_ids(Path::new(&lineage), "partition_key_hash");
    let tokens = parquet_ids(Path::new(&lineage), "token");
    assert!(tokens.contains(&-5_758_853_414_609_213_800));
    // Beyond 2^53: a JSON number would not survive a double.
    assert!(hashes.iter().any(|h| h.unsigned_abs() > 1 << 53));
    let mut listed = 0;
    for group in report["groups"].as_array().unwrap() {
        for partition in group["what"]["partitions"].as_array().unwrap() {
            let partition = partition.as_str().expect("a partition is a JSON string");
            assert!(
                hashes.iter().any(|h| h.to_string() == partition),
                "{partition}"
            );
            listed += 1;
        }
    }
    assert_eq!(listed, 12);
    for example in report["examples"].as_array().unwrap() {
        if example["operation"] == "delete" {
            let token = example["token"].as_str().expect("a token is a JSON string");
            let hash = example["partition"].as_str().unwrap();
            assert!(tokens.iter().any(|t| t.to_string() == token));
            assert!(hashes.iter().any(|h| h.to_string() == hash));
        }
    }
    // The earliest violation: alice's delete of key 100 (token -5758853414609213800 + 100), exactly.
    assert_eq!(report["examples"][0]["token"], "-5758853414609213700");
    assert_ne!(
        -5_758_853_414_609_213_700_i64 as f64 as i64,
        -5_758_853_414_609_213_700
    );

    // antipatterns: partition hashes are strings too, and --fail-on gates CI.
    let found = cdflow(&[
        "antipatterns",
        &lineage,
        "--format",
        "json",
        "--hot-min-requests",
        "1",
        "--hot-share",
        "0.05",
    ]);
    assert_eq!(found.status.code(), Some(0), "{}", text(&found.stderr));
    let found = json(&found);
    assert_eq!(found["counts"]["hot_partition"], 1);
    assert_eq!(found["counts"]["range_scan"], 0);
    let hot = &found["findings"][0];
    assert_eq!(hot["kind"], "hot_partition");
    assert_eq!(hot["severity"], "high");
    for partition in hot["partitions"].as_array().unwrap() {
        let partition = partition.as_str().expect("string");
        assert!(hashes.iter().any(|h| h.to_string() == partition));
    }
    let gated = cdflow(&[
        "antipatterns",
        &lineage,
        "--hot-min-requests",
        "1",
        "--hot-share",
        "0.05",
        "--fail-on",
        "hot_partition",
    ]);
    assert_eq!(gated.status.code(), Some(1));
    assert!(text(&gated.stderr).contains("cdflow: found hot_partition (--fail-on)"));
    let other = cdflow(&[
        "antipatterns",
        &lineage,
        "--hot-min-requests",
        "1",
        "--hot-share",
        "0.05",
        "--fail-on",
        "range_scan,consistency_all",
    ]);
    assert_eq!(other.status.code(), Some(0));
    let limited = cdflow(&[
        "antipatterns",
        &lineage,
        "--hot-min-requests",
        "1",
        "--hot-share",
        "0.05",
        "--kind",
        "range_scan",
    ]);
    let limited = text(&limited.stdout);
    assert!(
        limited.contains("showing 0 of 1 (--kind, --limit)"),
        "{limited}"
    );
    assert!(!limited.contains("\nhot_partition  "), "{limited}");
}

/// Writes the lineage and policy of these tests to `$CDFLOW_SAMPLE_LINEAGE` (docs/cli.md's audit example):
/// `CDFLOW_SAMPLE_LINEAGE=/tmp/shop cargo test -p cdflow-cli --test audit -- --ignored`.
#[test]
#[ignore = "writes the docs' sample lineage"]
fn write_sample_lineage() {
    let root = std::path::PathBuf::from(
        std::env::var("CDFLOW_SAMPLE_LINEAGE").expect("CDFLOW_SAMPLE_LINEAGE"),
    );
    std::fs::create_dir_all(&root).unwrap();
    shop(&root);
}
