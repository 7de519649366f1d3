//! Where files go: `<root>/<table>/node=<node>/date=<YYYY-MM-DD>/part-<utc start>-<pid>-<seq>.parquet`,
//! written first as `.part-….parquet.inprogress` in the same directory (docs/schema.md, "Layout").
//!
//! Invariants: a node value can never escape its directory or break Hive parsing (only
//! `[A-Za-z0-9._:\[\]-]` survive, everything else becomes `_`; empty or all-dot values become
//! `unknown`); the in-progress name starts with a dot and ends in `.inprogress`, so the glob
//! `**/*.parquet` never matches it.

use std::path::{Path, PathBuf};

use crate::civil_time::{civil_from_days, compact_utc};

/// Node value used when the node is not known.
pub const UNKNOWN_NODE: &str = "unknown";

/// The Hive partition directory of one (table, node, day).
pub fn partition_dir(root: &Path, table: &str, node: &str, day: i64) -> PathBuf {
    root.join(table)
        .join(format!("node={}", sanitize_node(node)))
        .join(format!("date={}", civil_from_days(day).iso()))
}

/// Final file name: `part-<yyyymmddThhmmssZ>-<pid>-<seq>.parquet`.
pub fn part_file_name(start_unix_seconds: i64, pid: u32, seq: u64) -> String {
    format!(
        "part-{}-{pid}-{seq}.parquet",
        compact_utc(start_unix_seconds)
    )
}

/// Hidden name of a file being written: `.<final name>.inprogress`.
pub fn in_progress_name(final_name: &str) -> String {
    format!(".{final_name}.inprogress")
}

/// True for names produced by [`in_progress_name`].
pub fn is_in_progress_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".inprogress")
}

/// Every regular file below the lineage root that belongs to a table — published or in progress —
/// with its metadata: directories whose name starts with `_` or `.` (the journal, the manifest) are not
/// entered, links are not followed, unreadable directories are skipped.
pub fn table_files(root: &Path) -> Vec<(PathBuf, std::fs::Metadata)> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let name = entry.file_name();
                let private = name
                    .to_str()
                    .is_none_or(|name| name.starts_with('_') || name.starts_with('.'));
                if !private {
                    pending.push(entry.path());
                }
            } else if kind.is_file()
                && let Ok(meta) = entry.metadata()
            {
                found.push((entry.path(), meta));
            }
        }
    }
    found
}

/// A node address made safe as a path component and a Hive value.
pub fn sanitize_node(node: &str) -> String {
    let cleaned: String = node
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._:[]-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.chars().all(|c| c == '.') {
        UNKNOWN_NODE.to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_hive_layout() {
        let dir = partition_dir(Path::new("/l"), "events", "127.0.0.1", 20_416);
        assert_eq!(
            dir,
            PathBuf::from("/l/events/node=127.0.0.1/date=2025-11-24")
        );
        let name = part_file_name(1_764_000_000, 42, 7);
        assert_eq!(name, "part-20251124T160000Z-42-7.parquet");
        assert_eq!(
            in_progress_name(&name),
            ".part-20251124T160000Z-42-7.parquet.inprogress"
        );
        assert!(is_in_progress_name(&in_progress_name(&name)));
        assert!(!is_in_progress_name(&name));
    }

    #[test]
    fn node_values_cannot_escape() {
        assert_eq!(sanitize_node("../../etc"), ".._.._etc");
        assert_eq!(sanitize_node(".."), "unknown");
        assert_eq!(sanitize_node(""), "unknown");
        assert_eq!(sanitize_node("a/b=c d"), "a_b_c_d");
        assert_eq!(sanitize_node("[::1]"), "[::1]");
        assert_eq!(sanitize_node("fe80::1%eth0"), "fe80::1_eth0");
    }
}
