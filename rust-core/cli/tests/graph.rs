//! The flow graph built from small lineage directories written with ArrowWriter.

mod common;

use std::path::PathBuf;

use cdflow_cli::discover::discover;
use cdflow_cli::render_dot::render_dot;
use cdflow_cli::render_mermaid::render_mermaid;
use cdflow_cli::{CliError, Filters, FlowGraph};
use common::*;

const N1: &str = "10.0.0.1";
const N2: &str = "10.0.0.2";
const N3: &str = "10.0.0.3";

/// alice writes ks.t twice through N1 (RF 3), an anonymous client writes ks.u once through N2 (RF 2),
/// alice reads ks.t once through N1 from N2; ks.t is flushed and compacted on N1.
fn cluster_events() -> Vec<Event> {
    let mut events = Vec::new();
    events.extend(write_flow(
        T0,
        Some("alice"),
        "10.1.1.1:4000",
        N1,
        &[N1, N2, N3],
        ("ks", "t"),
        1,
    ));
    events.extend(write_flow(
        T0 + 1_000_000,
        Some("alice"),
        "/10.1.1.1:4001",
        N1,
        &[N1, N2, N3],
        ("ks", "t"),
        2,
    ));
    events.extend(write_flow(
        T0 + 60_000_000,
        None,
        "10.2.2.2:5000",
        N2,
        &[N2, N3],
        ("ks", "u"),
        3,
    ));
    events.extend(read_flow(T0 + 120_000_000, "alice", N1, N2, ("ks", "t"), 1));
    events
}

/// One lineage directory per node, each holding that node's files.
fn per_node_lineages(root: &TempDir) -> Vec<PathBuf> {
    let events = cluster_events();
    let mut dirs = Vec::new();
    for node in [N1, N2, N3] {
        let lineage = root.path().join(node).join("lineage");
        let mine: Vec<Event> = events.iter().filter(|e| e.node == node).cloned().collect();
        write_events(&lineage, &mine);
        if node == N1 {
            write_flush(&lineage, N1, "ks", "t", &["nb-1", "nb-2"]);
            write_compaction(&lineage, N1, "ks", "t", &["nb-1", "nb-2"], &["nb-3"]);
        }
        dirs.push(lineage);
    }
    dirs
}

fn build(dirs: &[PathBuf], filters: &Filters, cap: usize) -> FlowGraph {
    FlowGraph::build(&discover(dirs).unwrap(), filters, cap).unwrap()
}

fn node(address: &str) -> String {
    format!("node:{address}")
}

/// Every edge as (from, to, kind, count), sorted.
fn edges(graph: &FlowGraph) -> Vec<(String, String, String, u64)> {
    let mut edges: Vec<_> = graph
        .edges()
        .map(|(from, to, edge)| {
            (
                from.label.clone(),
                to.label.clone(),
                edge.kind.clone(),
                edge.stats.count,
            )
        })
        .collect();
    edges.sort();
    edges
}

fn expected(list: &[(&str, &str, &str, u64)]) -> Vec<(String, String, String, u64)> {
    let mut edges: Vec<_> = list
        .iter()
        .map(|(from, to, kind, count)| (from.to_string(), to.to_string(), kind.to_string(), *count))
        .collect();
    edges.sort();
    edges
}

fn full_graph_edges() -> Vec<(String, String, String, u64)> {
    let (n1, n2, n3) = (node(N1), node(N2), node(N3));
    expected(&[
        ("role:alice", &n1, "write", 2),
        ("role:alice", &n1, "read", 1),
        ("client:10.2.2.2", &n2, "write", 1),
        (&n1, &n1, "replica_write", 2),
        (&n1, &n2, "replica_write", 2),
        (&n1, &n2, "replica_read", 1),
        (&n1, &n3, "replica_write", 2),
        (&n2, &n2, "replica_write", 1),
        (&n2, &n3, "replica_write", 1),
        (&n1, "ks.t", "memtable_write", 2),
        (&n2, "ks.t", "memtable_write", 2),
        (&n3, "ks.t", "memtable_write", 2),
        (&n2, "ks.u", "memtable_write", 1),
        (&n3, "ks.u", "memtable_write", 1),
        ("ks.t", "sstables of ks.t", "flush", 1),
        (
            "sstables of ks.t",
            "compaction of ks.t",
            "compaction_read",
            1,
        ),
        (
            "compaction of ks.t",
            "sstables of ks.t",
            "compaction_write",
            1,
        ),
    ])
}

#[test]
fn three_node_lineage_gives_the_exact_vertices_and_edges() {
    let root = TempDir::new("three-nodes");
    let graph = build(&per_node_lineages(&root), &Filters::default(), 50);
    assert_eq!(
        graph.vertex_labels(),
        vec![
            "client:10.2.2.2",
            "role:alice",
            "node:10.0.0.1",
            "node:10.0.0.2",
            "node:10.0.0.3",
            "ks.t",
            "ks.u",
            "sstables of ks.t",
            "compaction of ks.t",
        ]
    );
    assert_eq!(edges(&graph), full_graph_edges());
}

#[test]
fn one_shared_lineage_directory_gives_the_same_graph() {
    let root = TempDir::new("shared");
    let lineage = root.path().join("lineage");
    write_events(&lineage, &cluster_events());
    write_flush(&lineage, N1, "ks", "t", &["nb-1", "nb-2"]);
    write_compaction(&lineage, N1, "ks", "t", &["nb-1", "nb-2"], &["nb-3"]);
    assert_eq!(
        edges(&build(
            std::slice::from_ref(&lineage),
            &Filters::default(),
            50
        )),
        full_graph_edges()
    );
    // A parent of lineage directories, and overlapping arguments, read every file once.
    let twice = build(
        &[root.path().to_path_buf(), lineage],
        &Filters::default(),
        50,
    );
    assert_eq!(edges(&twice), full_graph_edges());
}

#[test]
fn edges_carry_count_bytes_and_latency() {
    let root = TempDir::new("stats");
    let graph = build(&per_node_lineages(&root), &Filters::default(), 50);
    let write = graph.edge("role:alice", &node(N1), "write").unwrap();
    assert_eq!((write.count, write.bytes), (2, 200));
    let latency = write.latency().unwrap();
    // Percentiles are the core's histogram buckets (2 significant digits), never above the maximum.
    assert_eq!(
        (
            latency.count,
            latency.p50_us,
            latency.p99_us,
            latency.max_us
        ),
        (2, 1002, 1002, 1002)
    );
    let remote = graph.edge(&node(N1), &node(N2), "replica_write").unwrap();
    assert_eq!(remote.latency().unwrap().max_us, 300);
    let local = graph.edge(&node(N1), &node(N1), "replica_write").unwrap();
    assert!(local.latency().is_none());
    let flush = graph.edge("ks.t", "sstables of ks.t", "flush").unwrap();
    assert_eq!((flush.count, flush.bytes), (1, 4096));
    let compacted = graph
        .edge("compaction of ks.t", "sstables of ks.t", "compaction_write")
        .unwrap();
    assert_eq!((compacted.count, compacted.bytes), (1, 6000));
    assert_eq!(compacted.latency().unwrap().max_us, 250_000);
}

#[test]
fn role_filter_follows_the_role_to_its_replicas() {
    let root = TempDir::new("role");
    let filters = Filters {
        role: Some("alice".into()),
        ..Filters::default()
    };
    let graph = build(&per_node_lineages(&root), &filters, 50);
    let (n1, n2, n3) = (node(N1), node(N2), node(N3));
    assert_eq!(
        edges(&graph),
        expected(&[
            ("role:alice", &n1, "write", 2),
            ("role:alice", &n1, "read", 1),
            (&n1, &n1, "replica_write", 2),
            (&n1, &n2, "replica_write", 2),
            (&n1, &n2, "replica_read", 1),
            (&n1, &n3, "replica_write", 2),
            (&n1, "ks.t", "memtable_write", 2),
            (&n2, "ks.t", "memtable_write", 2),
            (&n3, "ks.t", "memtable_write", 2),
            ("ks.t", "sstables of ks.t", "flush", 1),
            (
                "sstables of ks.t",
                "compaction of ks.t",
                "compaction_read",
                1
            ),
            (
                "compaction of ks.t",
                "sstables of ks.t",
                "compaction_write",
                1
            ),
        ])
    );
    let nobody = Filters {
        role: Some("mallory".into()),
        ..Filters::default()
    };
    assert!(build(&per_node_lineages(&TempDir::new("role2")), &nobody, 50).is_empty());
}

#[test]
fn table_and_keyspace_filters() {
    let root = TempDir::new("table");
    let dirs = per_node_lineages(&root);
    let (n2, n3) = (node(N2), node(N3));
    let only_u = expected(&[
        ("client:10.2.2.2", &n2, "write", 1),
        (&n2, &n2, "replica_write", 1),
        (&n2, &n3, "replica_write", 1),
        (&n2, "ks.u", "memtable_write", 1),
        (&n3, "ks.u", "memtable_write", 1),
    ]);
    for table in ["u", "ks.u"] {
        let filters = Filters {
            table: Some(table.into()),
            ..Filters::default()
        };
        assert_eq!(
            edges(&build(&dirs, &filters, 50)),
            only_u,
            "--table {table}"
        );
    }
    let other_keyspace = Filters {
        keyspace: Some("other".into()),
        ..Filters::default()
    };
    assert!(build(&dirs, &other_keyspace, 50).is_empty());
    let same_keyspace = Filters {
        keyspace: Some("ks".into()),
        ..Filters::default()
    };
    assert_eq!(edges(&build(&dirs, &same_keyspace, 50)), full_graph_edges());
}

#[test]
fn time_filters() {
    let root = TempDir::new("time");
    let dirs = per_node_lineages(&root);
    let (n1, n2, n3) = (node(N1), node(N2), node(N3));
    let late = Filters {
        since: Some(T0 + 30_000_000),
        ..Filters::default()
    };
    assert_eq!(
        edges(&build(&dirs, &late, 50)),
        expected(&[
            ("client:10.2.2.2", &n2, "write", 1),
            ("role:alice", &n1, "read", 1),
            (&n1, &n2, "replica_read", 1),
            (&n2, &n2, "replica_write", 1),
            (&n2, &n3, "replica_write", 1),
            (&n2, "ks.u", "memtable_write", 1),
            (&n3, "ks.u", "memtable_write", 1),
        ])
    );
    let early = Filters {
        until: Some(T0 + 30_000_000),
        ..Filters::default()
    };
    let early_edges = edges(&build(&dirs, &early, 50));
    assert_eq!(early_edges.len(), 10, "{early_edges:?}");
    assert!(
        early_edges
            .iter()
            .all(|(from, _, _, _)| from != "client:10.2.2.2")
    );
    assert!(early_edges.contains(&("ks.t".into(), "sstables of ks.t".into(), "flush".into(), 1)));
}

#[test]
fn clients_and_tables_beyond_the_cap_are_merged() {
    let root = TempDir::new("cap");
    let lineage = root.path().join("lineage");
    let mut events = Vec::new();
    let roles = ["r1", "r2", "r3", "r4", "r5"];
    let tables = ["a", "b", "c", "d", "e"];
    for (index, (role, table)) in roles.iter().zip(tables).enumerate() {
        // r1 writes 5 times, r2 4 times, …; table a is written 5 times, b 4 times, …
        for key in 0..(5 - index as i64) {
            events.extend(write_flow(
                T0 + key,
                Some(role),
                "10.0.9.9:1",
                N1,
                &[N1],
                ("ks", table),
                key,
            ));
        }
    }
    write_events(&lineage, &events);
    let graph = build(&[lineage], &Filters::default(), 3);
    let n1 = node(N1);
    assert_eq!(
        graph.vertex_labels(),
        vec![
            "role:r1",
            "role:r2",
            "other clients",
            "node:10.0.0.1",
            "ks.a",
            "ks.b",
            "other tables"
        ]
    );
    assert_eq!(
        graph.edge("other clients", &n1, "write").unwrap().count,
        3 + 2 + 1
    );
    assert_eq!(
        graph
            .edge(&n1, "other tables", "memtable_write")
            .unwrap()
            .count,
        3 + 2 + 1
    );
    assert_eq!(graph.edge("role:r1", &n1, "write").unwrap().count, 5);
}

#[test]
fn files_without_most_columns_still_give_a_graph() {
    let root = TempDir::new("minimal");
    let lineage = root.path().join("lineage");
    let events = vec![
        Event {
            kind: "coordinator_write",
            keyspace: "ks",
            table: "t",
            user: Some("old"),
            ..Event::default()
        },
        Event {
            kind: "replica_write",
            keyspace: "ks",
            table: "t",
            ..Event::default()
        },
    ];
    write_minimal_events(&lineage, N1, &events);
    let graph = build(&[lineage], &Filters::default(), 50);
    // No node column: the node comes from the path; no coordinator: the core counts the replica
    // write as coordinated by the node itself (a local write).
    assert_eq!(
        edges(&graph),
        expected(&[
            ("role:old", &node(N1), "write", 1),
            (&node(N1), &node(N1), "replica_write", 1),
            (&node(N1), "ks.t", "memtable_write", 1),
        ])
    );
    let write = graph.edge("role:old", &node(N1), "write").unwrap();
    assert_eq!((write.bytes, write.latency().is_none()), (0, true));
}

#[test]
fn dot_output_has_the_vertices_and_labelled_edges() {
    let root = TempDir::new("dot");
    let dot = render_dot(&build(&per_node_lineages(&root), &Filters::default(), 50));
    assert!(
        dot.starts_with("digraph cdflow {\n  rankdir=LR;\n"),
        "{dot}"
    );
    assert!(
        dot.contains("  v1 [label=\"role:alice\", shape=ellipse"),
        "{dot}"
    );
    assert!(
        dot.contains("  v2 [label=\"node:10.0.0.1\", shape=box"),
        "{dot}"
    );
    assert!(
        dot.contains("  v5 [label=\"ks.t\", shape=cylinder"),
        "{dot}"
    );
    assert!(
        dot.contains("  v1 -> v2 [label=\"writes 2\\n200 B\\np99 1.0 ms\""),
        "{dot}"
    );
    assert!(
        dot.contains("  v1 -> v2 [label=\"reads 1\\np99 2.0 ms\""),
        "{dot}"
    );
    assert!(
        dot.contains("  v2 -> v2 [label=\"local writes 2\\n180 B\""),
        "{dot}"
    );
    assert!(
        dot.contains("  v2 -> v3 [label=\"writes 2\\n180 B\\np99 300 µs\""),
        "{dot}"
    );
    assert!(
        dot.contains("  v5 -> v7 [label=\"flushes 1\\n4.0 KiB\""),
        "{dot}"
    );
    assert!(
        dot.contains("latency p50 1.0 ms p99 1.0 ms max 1.0 ms (2 samples)"),
        "{dot}"
    );
    assert!(dot.trim_end().ends_with('}'));
    assert_eq!(dot.matches(" -> ").count(), full_graph_edges().len());
}

#[test]
fn mermaid_output_has_the_vertices_and_labelled_edges() {
    let root = TempDir::new("mermaid");
    let mermaid = render_mermaid(&build(&per_node_lineages(&root), &Filters::default(), 50));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("  v1([\"role:alice\"])\n"), "{mermaid}");
    assert!(mermaid.contains("  v2[\"node:10.0.0.1\"]\n"), "{mermaid}");
    assert!(mermaid.contains("  v5[(\"ks.t\")]\n"), "{mermaid}");
    assert!(
        mermaid.contains("  v7[[\"sstables of ks.t\"]]\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  v8{{\"compaction of ks.t\"}}\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  v1 -->|\"writes 2<br/>200 B<br/>p99 1.0 ms\"| v2\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  v1 -.->|\"reads 1<br/>p99 2.0 ms\"| v2\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("  v2 -->|\"writes 2<br/>180 B<br/>p99 300 µs\"| v3\n"),
        "{mermaid}"
    );
    assert_eq!(mermaid.matches("|\"").count(), full_graph_edges().len());
}

#[test]
fn missing_empty_and_corrupt_inputs_are_errors_naming_the_path() {
    let root = TempDir::new("errors");
    let missing = root.path().join("nope");
    match FlowGraph::load(std::slice::from_ref(&missing), &Filters::default(), 50) {
        Err(CliError::NoSuchDir(path)) => assert_eq!(path, missing),
        other => panic!("expected NoSuchDir, got {other:?}"),
    }
    let empty = root.path().join("empty");
    std::fs::create_dir_all(empty.join("events")).unwrap();
    match FlowGraph::load(std::slice::from_ref(&empty), &Filters::default(), 50) {
        Err(CliError::NoParquet(path)) => assert_eq!(path, empty),
        other => panic!("expected NoParquet, got {other:?}"),
    }
    let corrupt = part_path(&root.path().join("bad"), "events", N1, "part-x.parquet");
    std::fs::write(&corrupt, b"PAR1 this is not parquet PAR1").unwrap();
    let error = FlowGraph::load(&[root.path().join("bad")], &Filters::default(), 50).unwrap_err();
    assert!(
        matches!(&error, CliError::Unreadable { path, .. } if *path == corrupt),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains(&corrupt.display().to_string()) && !message.contains('\n'),
        "{message}"
    );
}

/// Writes the three-node lineage of these tests under `$CDFLOW_SAMPLE_LINEAGE` (one lineage directory
/// per node), to look at its graph by hand: `CDFLOW_SAMPLE_LINEAGE=/tmp/sample cargo test -p
/// cdflow-cli --test graph -- --ignored`, then `cdflow graph /tmp/sample`.
#[test]
#[ignore]
fn write_sample_lineage() {
    let Some(target) = std::env::var_os("CDFLOW_SAMPLE_LINEAGE") else {
        return;
    };
    let root = TempDir::new("sample");
    per_node_lineages(&root);
    let status = std::process::Command::new("cp")
        .arg("-r")
        .arg(root.path())
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
}
