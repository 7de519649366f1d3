//! `cdflow graph` from the core's `flows` table and from the raw `events` give the same graph, on
//! lineage written by the real core (`cdflow_core::Pipeline`) from the synthetic workload of the
//! benchmarks (`examples/synth`: writes with RF 3 applied locally or remotely, reads, 6 nodes).

mod common;

use std::time::Duration;

use cdflow_cli::discover::discover;
use cdflow_cli::flow_source::SourceChoice;
use cdflow_cli::{Filters, FlowGraph};
use cdflow_core::{CoreConfig, Pipeline, SubmitOutcome};
use common::{TempDir, cdflow, text};

use cdflow_testkit::synth;

/// Writes `events` synthetic events through the core into `lineage` (flow windows of 60 s).
fn write_lineage(lineage: &std::path::Path, events: u64) {
    let pipeline = Pipeline::start(CoreConfig::new(lineage)).unwrap();
    // 20 tables, 6 nodes, 200 ops per simulated second: about ten one-minute windows.
    let mut workload = synth::Workload::new(6, 20, 1000, 200, 7);
    pipeline.define(&workload.strings.define_batch()).unwrap();
    let mut submitted = 0u64;
    let mut submit = |bytes: Vec<u8>, count: u32| {
        while pipeline.submit(&bytes, count) == SubmitOutcome::QueueFull {
            std::thread::sleep(Duration::from_millis(1));
        }
        submitted += u64::from(count);
    };
    let mut emitted = 0u64;
    while emitted < events {
        workload.next_op(&mut |bytes, count| {
            emitted += u64::from(count);
            submit(bytes, count);
        });
    }
    workload.flush(&mut submit);
    pipeline.shutdown(Duration::from_secs(60)).unwrap();
    let counters = pipeline.snapshot();
    assert_eq!(counters.written, submitted, "every event written");
}

/// Every edge as `from → to kind: count, bytes, latency`, in order.
fn described(graph: &FlowGraph) -> Vec<String> {
    graph
        .edges()
        .map(|(from, to, edge)| {
            format!(
                "{} -> {} {}: {} {} {:?}",
                from.label,
                to.label,
                edge.kind,
                edge.stats.count,
                edge.stats.bytes,
                edge.stats.latency()
            )
        })
        .collect()
}

#[test]
fn flows_and_events_give_the_same_graph_on_lineage_written_by_the_core() {
    let root = TempDir::new("graph-sources");
    let lineage = root.path().join("lineage");
    write_lineage(&lineage, 40_000);
    let files = discover(std::slice::from_ref(&lineage)).unwrap();
    assert!(!files.flows.is_empty() && !files.events.is_empty());
    for (filters, cap) in [
        (Filters::default(), 50),
        (Filters::default(), 4),
        (
            Filters {
                keyspace: Some("app_3".into()),
                ..Filters::default()
            },
            50,
        ),
    ] {
        let from_flows = FlowGraph::build_from(&files, &filters, cap, SourceChoice::Flows).unwrap();
        let from_events =
            FlowGraph::build_from(&files, &filters, cap, SourceChoice::Events).unwrap();
        let auto = FlowGraph::build_from(&files, &filters, cap, SourceChoice::Auto).unwrap();
        assert_eq!(from_flows.events_because, None);
        assert_eq!(auto.events_because, None, "auto reads flows");
        assert!(described(&from_flows).len() > 10, "{filters:?}");
        assert_eq!(
            described(&from_flows),
            described(&from_events),
            "{filters:?}"
        );
        assert_eq!(described(&auto), described(&from_flows));
    }
    // The client edges count exactly the coordinator rows the core wrote.
    let graph = FlowGraph::build(&files, &Filters::default(), 1000).unwrap();
    let requests: u64 = graph
        .edges()
        .filter(|(_, _, edge)| edge.kind == "write" || edge.kind == "read")
        .map(|(_, _, edge)| edge.stats.count)
        .sum();
    let mut coordinator_rows = 0u64;
    cdflow_cli::rows::scan_events(&files, &Filters::default(), |row| {
        coordinator_rows += u64::from(row.is_request());
    })
    .unwrap();
    assert_eq!(requests, coordinator_rows);

    // The binary: same DOT either way; a filter flows cannot answer falls back to events, and
    // `--source flows` with it is an error naming why.
    let dir = lineage.display().to_string();
    let dot = |extra: &[&str]| {
        let mut args = vec!["graph", dir.as_str()];
        args.extend_from_slice(extra);
        let output = cdflow(&args);
        assert!(output.status.success(), "{}", text(&output.stderr));
        (text(&output.stdout), text(&output.stderr))
    };
    let (flows_dot, flows_err) = dot(&["--source", "flows"]);
    let (events_dot, _) = dot(&["--source", "events"]);
    let (auto_dot, auto_err) = dot(&[]);
    assert_eq!(flows_dot, events_dot);
    assert_eq!(auto_dot, flows_dot);
    assert_eq!((flows_err.as_str(), auto_err.as_str()), ("", ""));
    let (_, note) = dot(&["--role", "svc_01"]);
    assert!(
        note.contains(
            "graph built from events, not flows (--role attributes replica rows per request)"
        ),
        "{note}"
    );
    let refused = cdflow(&["graph", &dir, "--source", "flows", "--since", "2020-01-01"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr)
            .contains("--source flows: the flows table cannot answer this: --since/--until"),
        "{}",
        text(&refused.stderr)
    );
}
