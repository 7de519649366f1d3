//! The `cdflow` binary: output, exit codes and one-line errors.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn small_lineage(root: &TempDir) -> String {
    let lineage = root.path().join("lineage");
    let mut events = write_flow(
        T0,
        Some("app"),
        "10.1.1.1:4000",
        "10.0.0.1",
        &["10.0.0.1", "10.0.0.2"],
        ("ks", "t"),
        1,
    );
    events.extend(read_flow(
        T0 + 5,
        "app",
        "10.0.0.1",
        "10.0.0.1",
        ("ks", "t"),
        1,
    ));
    write_events(&lineage, &events);
    lineage.display().to_string()
}

#[test]
fn graph_prints_dot_and_mermaid_and_writes_files() {
    let root = TempDir::new("bin-graph");
    let lineage = small_lineage(&root);
    let dot = cdflow(&["graph", &lineage]);
    assert!(dot.status.success(), "{}", text(&dot.stderr));
    let dot = text(&dot.stdout);
    assert!(dot.starts_with("digraph cdflow {"), "{dot}");
    assert!(
        dot.contains("v0 -> v1 [label=\"writes 1\\n100 B\\np99 1.0 ms\""),
        "{dot}"
    );
    assert!(
        dot.contains("v1 -> v2 [label=\"writes 1\\n90 B\\np99 300 µs\""),
        "{dot}"
    );

    let mermaid = cdflow(&["graph", "--format", "mermaid", &lineage]);
    assert!(mermaid.status.success());
    assert!(text(&mermaid.stdout).starts_with("flowchart LR\n"));

    let out = root.path().join("flow.dot");
    let written = cdflow(&[
        "graph",
        &lineage,
        "--output",
        &out.display().to_string(),
        "--role",
        "app",
    ]);
    assert!(written.status.success(), "{}", text(&written.stderr));
    assert!(written.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), dot);
}

#[test]
fn svg_needs_graphviz() {
    let root = TempDir::new("bin-svg");
    let lineage = small_lineage(&root);
    let svg = cdflow(&["graph", "--format", "svg", &lineage]);
    let graphviz = Command::new("dot").arg("-V").output().is_ok();
    if graphviz {
        assert!(svg.status.success(), "{}", text(&svg.stderr));
        assert!(text(&svg.stdout).contains("<svg"));
    } else {
        assert_eq!(svg.status.code(), Some(2));
        assert!(
            text(&svg.stderr).contains("install graphviz"),
            "{}",
            text(&svg.stderr)
        );
    }
}

#[test]
fn summary_prints_tables_clients_and_nodes() {
    let root = TempDir::new("bin-summary");
    let lineage = small_lineage(&root);
    let summary = cdflow(&["summary", &lineage]);
    assert!(summary.status.success(), "{}", text(&summary.stderr));
    let summary = text(&summary.stdout);
    let row = |first: &str| -> Vec<String> {
        let line = summary
            .lines()
            .find(|line| line.starts_with(first))
            .unwrap_or_else(|| panic!("{summary}"));
        line.split("  ")
            .filter(|cell| !cell.is_empty())
            .map(|cell| cell.trim().to_string())
            .collect()
    };
    // table, writes, writes/s, reads, reads/s, replica writes, replica reads, bytes, tombstones w/s,
    // flushes, compactions (the span is 15 µs, counted as 1 ms)
    assert_eq!(
        row("ks.t"),
        [
            "ks.t", "1", "1000.0", "1", "1000.0", "2", "1", "100 B", "0", "0", "0", "0"
        ]
    );
    assert_eq!(
        row("role:app"),
        ["role:app", "1", "1", "100 B", "1", "0", "1", "0"]
    );
    assert_eq!(row("10.0.0.2"), ["10.0.0.2", "0", "0", "1", "0", "0"]);
}

fn assert_one_line_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("cdflow: ") && stderr.contains(needle),
        "{stderr}"
    );
}

#[test]
fn errors_are_one_line_with_exit_code_2() {
    let root = TempDir::new("bin-errors");
    let missing = root.path().join("missing");
    let missing = missing.display().to_string();
    assert_one_line_error(
        &cdflow(&["graph", &missing]),
        &format!("no such lineage directory: {missing}"),
    );
    assert_one_line_error(&cdflow(&["summary", &missing]), &missing);

    let empty = root.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty = empty.display().to_string();
    assert_one_line_error(
        &cdflow(&["graph", &empty]),
        &format!(
            "no lineage parquet files (events/, flushes/, compactions/, agent_stats/) under {empty}"
        ),
    );

    let bad = part_path(&root.path().join("bad"), "events", "n1", "part-1.parquet");
    std::fs::write(&bad, b"not a parquet file").unwrap();
    assert_one_line_error(
        &cdflow(&["graph", &root.path().join("bad").display().to_string()]),
        &format!("cannot read {}", bad.display()),
    );

    let lineage = small_lineage(&root);
    assert_one_line_error(
        &cdflow(&["graph", &lineage, "--since", "yesterday"]),
        "invalid --since \"yesterday\"",
    );
    assert_one_line_error(
        &cdflow(&[
            "graph",
            &lineage,
            "--since",
            "2026-11-26",
            "--until",
            "2026-11-25",
        ]),
        "is not before",
    );
    let unwritable = Path::new(&missing).join("out.dot").display().to_string();
    assert_one_line_error(
        &cdflow(&["graph", &lineage, "-o", &unwritable]),
        &format!("cannot write {unwritable}"),
    );
    // Usage errors are clap's, also exit code 2.
    assert_eq!(cdflow(&["graph"]).status.code(), Some(2));
    assert_eq!(
        cdflow(&["graph", &lineage, "--format", "png"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_filter_matching_nothing_gives_an_empty_graph_and_a_warning() {
    let root = TempDir::new("bin-empty");
    let lineage = small_lineage(&root);
    let output = cdflow(&["graph", &lineage, "--keyspace", "nothing"]);
    assert!(output.status.success());
    assert_eq!(text(&output.stdout).matches(" -> ").count(), 0);
    assert!(text(&output.stderr).contains("warning: no lineage rows matched"));
}
