//! Graphviz DOT output (left to right). Vertex ids are `v<index>`; labels are quoted and escaped.
//! Reads are dashed, flushes and compactions grey, and merged ("other") vertices dashed; each edge's
//! tooltip carries its full totals (shown on hover in SVG).

use std::fmt::Write;

use crate::graph::{FlowGraph, VertexKind};
use crate::label::{edge_details, edge_label_lines};

/// The graph in DOT.
pub fn render_dot(flow: &FlowGraph) -> String {
    let mut out = String::new();
    out.push_str("digraph cdflow {\n");
    out.push_str("  rankdir=LR;\n");
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, style=filled];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (index, vertex) in flow.vertices() {
        let (shape, fill) = match vertex.kind {
            VertexKind::Client => ("ellipse", "#dbeafe"),
            VertexKind::Node => ("box", "#fef3c7"),
            VertexKind::Table => ("cylinder", "#dcfce7"),
            VertexKind::Sstables => ("folder", "#f3f4f6"),
            VertexKind::Compaction => ("hexagon", "#fce7f3"),
        };
        let style = if vertex.merged {
            ", style=\"filled,dashed\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  v{} [label={}, shape={shape}, fillcolor=\"{fill}\"{style}];",
            index.index(),
            quote(&[vertex.label.as_str()])
        );
    }
    for edge in flow.graph.edge_indices() {
        let (from, to) = flow
            .graph
            .edge_endpoints(edge)
            .expect("edge index is valid");
        let weight = &flow.graph[edge];
        let lines = edge_label_lines(weight);
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let mut attributes = format!(
            "label={}, tooltip={}",
            quote(&lines),
            quote(&[edge_details(weight).as_str()])
        );
        if weight.is_read() {
            attributes.push_str(", style=dashed");
        }
        if weight.is_storage() {
            attributes.push_str(", color=\"#6b7280\", fontcolor=\"#4b5563\"");
        }
        let width = 1.0 + (weight.stats.count.max(1) as f64).log10() / 2.0;
        let _ = writeln!(
            out,
            "  v{} -> v{} [{attributes}, penwidth={:.1}];",
            from.index(),
            to.index(),
            width.min(4.0)
        );
    }
    out.push_str("}\n");
    out
}

/// A DOT quoted string of `lines` joined by DOT line breaks.
fn quote(lines: &[&str]) -> String {
    let escaped: Vec<String> = lines
        .iter()
        .map(|line| {
            line.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace(['\n', '\r'], " ")
        })
        .collect();
    format!("\"{}\"", escaped.join("\\n"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(quote(&["a\"b\\c", "d"]), r#""a\"b\\c\nd""#);
    }
}
