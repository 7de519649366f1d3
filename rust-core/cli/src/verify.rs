//! `cdflow verify`: the report of [`cdflow_core::sink::manifest::verify`] as text or JSON (docs/cli.md).

use std::fmt::Write;
use std::path::Path;

use serde_json::{Value, json};

use cdflow_core::sink::layout::UNKNOWN_NODE;
use cdflow_core::sink::manifest::{Finding, Note, VerifyReport};

use crate::time::format_time;

/// The report as text: one line per finding, the notes, the manifests' heads, then the verdict.
pub fn render(report: &VerifyReport, lineage: &Path, key_file: &Path) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        let _ = writeln!(out, "{}", finding_line(finding));
    }
    for note in &report.notes {
        let _ = writeln!(out, "{}", note_line(note));
    }
    if !report.manifests.is_empty() {
        let _ = writeln!(
            out,
            "manifests (keep the heads elsewhere and pass them to a later run as --expect-head):"
        );
    }
    for manifest in &report.manifests {
        let head = match &manifest.head {
            Some(head) => format!("head {}={}:{}", manifest.node, head.seq, head.mac),
            None => "no authentic entry".to_owned(),
        };
        let _ = writeln!(
            out,
            "  node {}{}: {} line(s), {} file(s) listed, {head}",
            manifest.node,
            unknown_node_note(&manifest.node),
            manifest.lines,
            manifest.listed_files
        );
    }
    let _ = writeln!(out, "{}", verdict(report, lineage, key_file));
    out
}

/// The report as one JSON document.
pub fn to_json(report: &VerifyReport, lineage: &Path, key_file: &Path) -> Value {
    let manifests: Vec<Value> = report
        .manifests
        .iter()
        .map(|manifest| {
            json!({
                "node": manifest.node,
                "file": manifest.file,
                "lines": manifest.lines,
                "head": manifest.head.as_ref().map(|head| json!({"seq": head.seq, "mac": head.mac})),
                "listed_files": manifest.listed_files,
            })
        })
        .collect();
    let notes: Vec<Value> = report
        .notes
        .iter()
        .map(|note| match note {
            Note::Repaired {
                manifest,
                line,
                bytes,
                recorded_at_us,
            } => json!({
                "kind": "repaired", "manifest": manifest, "line": line, "bytes": bytes,
                "recorded_at": format_time(*recorded_at_us),
            }),
        })
        .collect();
    json!({
        "lineage": lineage.display().to_string(),
        "key_file": key_file.display().to_string(),
        "passed": report.passed(),
        "verdict": verdict(report, lineage, key_file),
        "files_checked": report.files_checked,
        "files_matched": report.files_matched,
        "findings": report.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "notes": notes,
        "manifests": manifests,
    })
}

/// What a manifest of node `unknown` holds: the files of a core that no event ever told its node (an
/// `agent_stats` row of an agent that saw no event, or events without a node). Empty for a named node.
fn unknown_node_note(node: &str) -> &'static str {
    if node == UNKNOWN_NODE {
        " (files of a core no event told its node: agent_stats of an agent that saw no event)"
    } else {
        ""
    }
}

/// The last line of the text report.
fn verdict(report: &VerifyReport, lineage: &Path, key_file: &Path) -> String {
    let manifests = report.manifests.len();
    if report.passed() {
        format!(
            "OK: {} file(s) match, {manifests} manifest(s) intact ({} with key {})",
            report.files_matched,
            lineage.display(),
            key_file.display()
        )
    } else if report.findings.is_empty() {
        format!(
            "FAILED: nothing was verified: no manifest lists a file and there is no .parquet file under {}",
            lineage.display()
        )
    } else {
        format!(
            "FAILED: {} problem(s); {} file(s) checked, {} match; {manifests} manifest(s) ({} with key {})",
            report.findings.len(),
            report.files_checked,
            report.files_matched,
            lineage.display(),
            key_file.display()
        )
    }
}

fn finding_line(finding: &Finding) -> String {
    match finding {
        Finding::ChainBreak {
            manifest,
            line,
            problem,
        } => format!("chain     {manifest} line {line}: {problem}"),
        Finding::KeyMismatch { manifest, lines } => format!(
            "key       {manifest}: none of its {lines} line(s) has a matching MAC: the key file is not the one it was written with, or every line was rewritten"
        ),
        Finding::Altered {
            path,
            node,
            seq,
            listed_sha256,
            actual_sha256,
            listed_size,
            actual_size,
        } => format!(
            "altered   {path}: listed by node {node} (seq {seq}) with SHA-256 {listed_sha256}, {listed_size} bytes; now {actual_sha256}, {actual_size} bytes"
        ),
        Finding::Missing { path, node, seq } => {
            format!("missing   {path}: listed by node {node} (seq {seq}), not there")
        }
        Finding::HeadNotFound {
            expected,
            found_mac: None,
        } => format!(
            "head      {expected}: node {} has no authentic entry {}: its manifest was cut back, replaced or removed",
            expected.node, expected.seq
        ),
        Finding::HeadNotFound {
            expected,
            found_mac: Some(mac),
        } => format!(
            "head      {expected}: entry {} of node {} has MAC {mac}: the chain was rebuilt from there",
            expected.seq, expected.node
        ),
        Finding::Unlisted {
            path,
            size,
            removed: None,
        } => format!("unlisted  {path}: {size} bytes, listed by no manifest"),
        Finding::Unlisted {
            path,
            size,
            removed: Some((node, seq, reason)),
        } => format!(
            "unlisted  {path}: {size} bytes, listed as removed ({}) by node {node} (seq {seq}) but still there",
            reason.as_str()
        ),
    }
}

fn finding_json(finding: &Finding) -> Value {
    match finding {
        Finding::ChainBreak {
            manifest,
            line,
            problem,
        } => json!({
            "kind": "chain_break", "manifest": manifest, "line": line, "problem": problem.code(),
            "message": problem.to_string(),
        }),
        Finding::KeyMismatch { manifest, lines } => {
            json!({"kind": "key_mismatch", "manifest": manifest, "lines": lines})
        }
        Finding::Altered {
            path,
            node,
            seq,
            listed_sha256,
            actual_sha256,
            listed_size,
            actual_size,
        } => json!({
            "kind": "altered", "path": path, "node": node, "seq": seq,
            "listed_sha256": listed_sha256, "actual_sha256": actual_sha256,
            "listed_size": listed_size, "actual_size": actual_size,
        }),
        Finding::Missing { path, node, seq } => {
            json!({"kind": "missing", "path": path, "node": node, "seq": seq})
        }
        Finding::HeadNotFound {
            expected,
            found_mac,
        } => json!({
            "kind": "head_not_found", "node": expected.node, "seq": expected.seq,
            "expected_mac": expected.mac, "found_mac": found_mac,
        }),
        Finding::Unlisted {
            path,
            size,
            removed,
        } => json!({
            "kind": "unlisted", "path": path, "size": size,
            "removed": removed.as_ref().map(|(node, seq, reason)| {
                json!({"node": node, "seq": seq, "reason": reason.as_str()})
            }),
        }),
    }
}

fn note_line(note: &Note) -> String {
    match note {
        Note::Repaired {
            manifest,
            line,
            bytes,
            recorded_at_us,
        } => format!(
            "note      {manifest} line {line}: at {} a writer cut off an incomplete last line of {bytes} bytes (a torn write, or a cut)",
            format_time(*recorded_at_us)
        ),
    }
}
