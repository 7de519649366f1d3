//! The text of edges, shared by the renderers: a short label (count, SSTables, bytes, p99) and a
//! full description (every total and the latency p50/p99/max).

use crate::graph::Edge;
use crate::stats::{human_bytes, human_micros};

/// The label lines of an edge: `writes 120`, then when known `3 sstables`, `1.2 MiB`, `p99 3.1 ms`.
pub fn edge_label_lines(edge: &Edge) -> Vec<String> {
    let stats = &edge.stats;
    let mut lines = vec![format!("{} {}", edge.kind.verb(), stats.count)];
    if let Some(sstables) = stats.sstables {
        lines.push(plural(sstables, "sstable"));
    }
    if let Some(bytes) = stats.bytes {
        lines.push(human_bytes(bytes));
    }
    if let Some(latency) = &stats.latency {
        lines.push(format!("p99 {}", human_micros(latency.p99_us())));
    }
    lines
}

/// Everything known about an edge, on one line.
pub fn edge_details(edge: &Edge) -> String {
    let stats = &edge.stats;
    let mut parts = vec![format!("{} {}", edge.kind.verb(), stats.count)];
    if let Some(rows) = stats.rows {
        parts.push(format!("rows {rows}"));
    }
    if let Some(bytes) = stats.bytes {
        parts.push(format!("bytes {bytes} ({})", human_bytes(bytes)));
    }
    if let Some(tombstones) = stats.tombstones {
        parts.push(format!("tombstones {tombstones}"));
    }
    if let Some(sstables) = stats.sstables {
        parts.push(format!("sstables {sstables}"));
    }
    if stats.errors > 0 {
        parts.push(format!("errors {}", stats.errors));
    }
    if let Some(latency) = &stats.latency {
        parts.push(format!(
            "{} p50 {} p99 {} max {} ({})",
            edge.kind.latency_name(),
            human_micros(latency.p50_us()),
            human_micros(latency.p99_us()),
            human_micros(latency.max_us()),
            plural(latency.samples(), "sample")
        ));
    }
    parts.join("; ")
}

/// `1 sample`, `2 samples`.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
