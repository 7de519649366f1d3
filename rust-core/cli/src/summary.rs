//! `cdflow summary`: plain-text tables of writes, reads and tombstones per table, of requests per
//! client/role, and of events per node. At most `cap` rows per table; the rest are summed into one
//! `(N others)` row.

use std::collections::HashSet;
use std::fmt::Write;

use crate::census::{BoundedMap, Census, TRACKED_KEYS, client_label, table_label};
use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::filter::Filters;
use crate::rows::{Kind, scan_compactions, scan_events, scan_flushes};
use crate::stats::human_bytes;

/// Totals of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableTotals {
    /// `coordinator_write` rows.
    pub writes: u64,
    /// `coordinator_read` rows.
    pub reads: u64,
    /// `replica_write` rows.
    pub replica_writes: u64,
    /// `replica_read` rows.
    pub replica_reads: u64,
    /// Σ `bytes` of the client writes.
    pub bytes_written: u64,
    /// Σ `tombstones` of the client writes.
    pub tombstones_written: u64,
    /// Σ `tombstones_scanned` of the replica reads.
    pub tombstones_scanned: u64,
    /// `flushes` rows.
    pub flushes: u64,
    /// `compactions` rows.
    pub compactions: u64,
}

/// Totals of one client/role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientTotals {
    /// `coordinator_write` rows.
    pub writes: u64,
    /// `coordinator_read` rows.
    pub reads: u64,
    /// Σ `bytes` written.
    pub bytes_written: u64,
    /// Σ `rows` written.
    pub rows_written: u64,
    /// Σ `rows_returned`.
    pub rows_returned: u64,
    /// Requests that ended with an `error`.
    pub errors: u64,
}

/// Totals of one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeTotals {
    /// `coordinator_write` rows.
    pub coordinator_writes: u64,
    /// `coordinator_read` rows.
    pub coordinator_reads: u64,
    /// `replica_write` rows from remote coordinators.
    pub replica_writes: u64,
    /// `replica_write` rows applied locally.
    pub local_writes: u64,
    /// `replica_read` rows.
    pub replica_reads: u64,
}

/// The summary of a lineage.
#[derive(Debug)]
pub struct Summary {
    /// Per table label.
    pub tables: BoundedMap<TableTotals>,
    /// Per client label.
    pub clients: BoundedMap<ClientTotals>,
    /// Per node address.
    pub nodes: BoundedMap<NodeTotals>,
}

impl Summary {
    /// Reads the lineage once (twice with `--role`, to attribute replica rows).
    pub fn build(files: &LineageFiles, filters: &Filters) -> Result<Summary, CliError> {
        let census = match filters.role {
            Some(_) => Some(Census::take(files, filters)?),
            None => None,
        };
        let mut summary = Summary {
            tables: BoundedMap::new(TRACKED_KEYS),
            clients: BoundedMap::new(TRACKED_KEYS),
            nodes: BoundedMap::new(TRACKED_KEYS),
        };
        let mut label = String::new();
        scan_events(files, filters, |row| {
            if census
                .as_ref()
                .is_some_and(|census| !census.event_matches_role(row))
            {
                return;
            }
            table_label(row.keyspace, row.table, &mut label);
            let table = summary.tables.entry(&label);
            let node = summary.nodes.entry(row.node.unwrap_or("unknown"));
            match row.kind {
                Kind::CoordinatorWrite => {
                    table.writes += 1;
                    table.bytes_written += positive(row.bytes);
                    table.tombstones_written += positive(row.tombstones);
                    node.coordinator_writes += 1;
                }
                Kind::CoordinatorRead => {
                    table.reads += 1;
                    node.coordinator_reads += 1;
                }
                Kind::ReplicaWrite => {
                    table.replica_writes += 1;
                    if row.is_local() {
                        node.local_writes += 1;
                    } else {
                        node.replica_writes += 1;
                    }
                }
                Kind::ReplicaRead => {
                    table.replica_reads += 1;
                    table.tombstones_scanned += positive(row.tombstones_scanned);
                    node.replica_reads += 1;
                }
                Kind::Other => {}
            }
            if matches!(row.kind, Kind::CoordinatorWrite | Kind::CoordinatorRead) {
                client_label(row.user, row.client, &mut label);
                let client = summary.clients.entry(&label);
                if row.kind == Kind::CoordinatorWrite {
                    client.writes += 1;
                    client.bytes_written += positive(row.bytes);
                    client.rows_written += positive(row.rows);
                } else {
                    client.reads += 1;
                    client.rows_returned += positive(row.rows_returned);
                }
                client.errors += u64::from(row.error.is_some());
            }
        })?;
        let role_table = |label: &str| {
            census
                .as_ref()
                .is_none_or(|census| census.table_matches_role(label))
        };
        scan_flushes(files, filters, |row| {
            table_label(row.keyspace, row.table, &mut label);
            if role_table(&label) {
                summary.tables.entry(&label).flushes += 1;
            }
        })?;
        scan_compactions(files, filters, |row| {
            table_label(row.keyspace, row.table, &mut label);
            if role_table(&label) {
                summary.tables.entry(&label).compactions += 1;
            }
        })?;
        Ok(summary)
    }

    /// The summary as plain-text tables, at most `cap` rows each.
    pub fn render(&self, cap: usize) -> String {
        let mut out = String::new();
        out.push_str("tables\n");
        out.push_str(&text_table(
            &[
                "table",
                "writes",
                "reads",
                "replica writes",
                "replica reads",
                "bytes written",
                "tombstones written",
                "tombstones scanned",
                "flushes",
                "compactions",
            ],
            capped_rows(
                &self.tables,
                cap,
                |t| {
                    t.writes
                        + t.reads
                        + t.replica_writes
                        + t.replica_reads
                        + t.flushes
                        + t.compactions
                },
                merge_tables,
                |t| {
                    vec![
                        t.writes.to_string(),
                        t.reads.to_string(),
                        t.replica_writes.to_string(),
                        t.replica_reads.to_string(),
                        human_bytes(t.bytes_written),
                        t.tombstones_written.to_string(),
                        t.tombstones_scanned.to_string(),
                        t.flushes.to_string(),
                        t.compactions.to_string(),
                    ]
                },
            ),
        ));
        out.push_str("\nclients\n");
        out.push_str(&text_table(
            &[
                "client",
                "writes",
                "reads",
                "bytes written",
                "rows written",
                "rows returned",
                "errors",
            ],
            capped_rows(
                &self.clients,
                cap,
                |c| c.writes + c.reads,
                merge_clients,
                |c| {
                    vec![
                        c.writes.to_string(),
                        c.reads.to_string(),
                        human_bytes(c.bytes_written),
                        c.rows_written.to_string(),
                        c.rows_returned.to_string(),
                        c.errors.to_string(),
                    ]
                },
            ),
        ));
        out.push_str("\nnodes\n");
        out.push_str(&text_table(
            &[
                "node",
                "coordinator writes",
                "coordinator reads",
                "replica writes",
                "local writes",
                "replica reads",
            ],
            capped_rows(
                &self.nodes,
                cap,
                |n| {
                    n.coordinator_writes
                        + n.coordinator_reads
                        + n.replica_writes
                        + n.local_writes
                        + n.replica_reads
                },
                merge_nodes,
                |n| {
                    vec![
                        n.coordinator_writes.to_string(),
                        n.coordinator_reads.to_string(),
                        n.replica_writes.to_string(),
                        n.local_writes.to_string(),
                        n.replica_reads.to_string(),
                    ]
                },
            ),
        ));
        out
    }
}

fn positive(value: Option<i64>) -> u64 {
    value
        .and_then(|value| u64::try_from(value).ok())
        .unwrap_or(0)
}

fn merge_tables(into: &mut TableTotals, from: &TableTotals) {
    into.writes += from.writes;
    into.reads += from.reads;
    into.replica_writes += from.replica_writes;
    into.replica_reads += from.replica_reads;
    into.bytes_written += from.bytes_written;
    into.tombstones_written += from.tombstones_written;
    into.tombstones_scanned += from.tombstones_scanned;
    into.flushes += from.flushes;
    into.compactions += from.compactions;
}

fn merge_clients(into: &mut ClientTotals, from: &ClientTotals) {
    into.writes += from.writes;
    into.reads += from.reads;
    into.bytes_written += from.bytes_written;
    into.rows_written += from.rows_written;
    into.rows_returned += from.rows_returned;
    into.errors += from.errors;
}

fn merge_nodes(into: &mut NodeTotals, from: &NodeTotals) {
    into.coordinator_writes += from.coordinator_writes;
    into.coordinator_reads += from.coordinator_reads;
    into.replica_writes += from.replica_writes;
    into.local_writes += from.local_writes;
    into.replica_reads += from.replica_reads;
}

/// The rows of a section: the top keys by `weight` (ordered heaviest first), then one row merging
/// the others (and the keys that did not fit in the bounded map).
fn capped_rows<V: Default + Clone>(
    map: &BoundedMap<V>,
    cap: usize,
    weight: impl Fn(&V) -> u64,
    merge: impl Fn(&mut V, &V),
    cells: impl Fn(&V) -> Vec<String>,
) -> Vec<Vec<String>> {
    let ordered = map.top_keys(cap.max(1), &weight);
    let top: HashSet<&str> = ordered.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    for key in &ordered {
        let value = map.get(key).cloned().unwrap_or_default();
        let mut row = vec![key.clone()];
        row.extend(cells(&value));
        rows.push(row);
    }
    let mut others = V::default();
    let mut merged = 0usize;
    for (key, value) in map.iter() {
        if !top.contains(key.as_str()) {
            merge(&mut others, value);
            merged += 1;
        }
    }
    if let Some(overflow) = map.overflow() {
        merge(&mut others, overflow);
        merged += 1;
    }
    if merged > 0 {
        let mut row = vec![if map.overflow().is_some() {
            "(others)".to_string()
        } else {
            format!("({merged} others)")
        }];
        row.extend(cells(&others));
        rows.push(row);
    }
    rows
}

/// A plain-text table: a header, a rule, then the rows; the first column left-aligned, the others
/// right-aligned. An empty table says `(none)`.
pub fn text_table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    if rows.is_empty() {
        return "(none)\n".to_string();
    }
    let mut widths: Vec<usize> = headers
        .iter()
        .map(|header| header.chars().count())
        .collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index == 0 {
                let _ = write!(text, "{cell:<width$}");
            } else {
                let _ = write!(text, "  {cell:>width$}");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut out, headers);
    let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
    line(
        &mut out,
        &rule.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for row in &rows {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    out
}
