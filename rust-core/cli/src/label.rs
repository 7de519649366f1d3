//! The text of edges, shared by the renderers: a short label (count, bytes, p99) and a full
//! description (count, bytes and the latency p50/p99/max).

use crate::graph::Edge;
use crate::stats::{human_bytes, human_micros};

/// The label lines of an edge: `writes 120`, then when known `1.2 MiB`, `p99 3.1 ms`.
pub fn edge_label_lines(edge: &Edge) -> Vec<String> {
    let stats = &edge.stats;
    let mut lines = vec![format!("{} {}", edge.verb(), stats.count)];
    if stats.bytes > 0 {
        lines.push(human_bytes(stats.bytes));
    }
    if let Some(latency) = stats.latency() {
        lines.push(format!("p99 {}", human_micros(latency.p99_us)));
    }
    lines
}

/// Everything known about an edge, on one line.
pub fn edge_details(edge: &Edge) -> String {
    let stats = &edge.stats;
    let mut parts = vec![format!("{} {}", edge.verb(), stats.count)];
    if stats.bytes > 0 {
        parts.push(format!(
            "bytes {} ({})",
            stats.bytes,
            human_bytes(stats.bytes)
        ));
    }
    if let Some(latency) = stats.latency() {
        parts.push(format!(
            "{} p50 {} p99 {} max {} ({})",
            edge.latency_name(),
            human_micros(latency.p50_us),
            human_micros(latency.p99_us),
            human_micros(latency.max_us),
            plural(latency.count, "sample")
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
