//! Mermaid output (`flowchart LR`), for Markdown pages that render Mermaid. Vertex ids are
//! `v<index>`; labels are quoted with Mermaid's entity escapes. Reads are dotted arrows (`-.->`),
//! merged ("other") vertices dashed.

use std::fmt::Write;

use crate::graph::{FlowGraph, VertexKind};
use crate::label::edge_label_lines;

/// The graph in Mermaid.
pub fn render_mermaid(flow: &FlowGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut merged = Vec::new();
    for (index, vertex) in flow.vertices() {
        let label = escape(&vertex.label);
        let (open, close) = match vertex.kind {
            VertexKind::Client => ("([", "])"),
            VertexKind::Node => ("[", "]"),
            VertexKind::Table => ("[(", ")]"),
            VertexKind::Sstables => ("[[", "]]"),
            VertexKind::Compaction => ("{{", "}}"),
        };
        let _ = writeln!(out, "  v{}{open}\"{label}\"{close}", index.index());
        if vertex.merged {
            merged.push(format!("v{}", index.index()));
        }
    }
    for edge in flow.graph.edge_indices() {
        let (from, to) = flow
            .graph
            .edge_endpoints(edge)
            .expect("edge index is valid");
        let weight = &flow.graph[edge];
        let label: Vec<String> = edge_label_lines(weight)
            .iter()
            .map(|line| escape(line))
            .collect();
        let arrow = if weight.is_read() { "-.->" } else { "-->" };
        let _ = writeln!(
            out,
            "  v{} {arrow}|\"{}\"| v{}",
            from.index(),
            label.join("<br/>"),
            to.index()
        );
    }
    if !merged.is_empty() {
        out.push_str("  classDef merged stroke-dasharray: 5 5\n");
        let _ = writeln!(out, "  class {} merged", merged.join(","));
    }
    out
}

/// Mermaid entity escapes for the characters that end or confuse a quoted label.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '|' => out.push_str("#124;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_label_breakers() {
        assert_eq!(escape(r#"a"b|c<d>#"#), "a#quot;b#124;c#lt;d#gt;#35;");
    }
}
