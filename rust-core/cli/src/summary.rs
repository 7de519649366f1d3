//! `cdflow summary`: a one-screen overview of a lineage — the time span and request rates, then
//! per table (writes, reads, tombstones, flushes, compactions), per client/role, per node, the
//! busiest partitions and the agent's accounting (every loss cause, and whether events balance). At most `cap` rows per section; the rest
//! are summed into one `(N others)` row. As plain text or JSON.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

use serde::Serialize;

use crate::accounting::{self, AgentTotals, agent_totals};
use crate::census::{BoundedMap, Census, TRACKED_KEYS, client_label, table_label};
use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::filter::Filters;
use crate::rows::{
    Access, EventRow, Operation, Outcome, WritePath, fold_events, scan_compactions, scan_flushes,
};
use crate::stats::human_bytes;
use crate::time::format_time;

/// Most distinct partitions counted for the busiest-partitions section (later new ones are not).
pub const TRACKED_PARTITIONS: usize = 250_000;
/// Rows of the busiest-partitions section.
const TOP_PARTITIONS: usize = 5;

/// The `events` columns the summary reads: those [`Summary::add_event`] and the `--role` attribution
/// ([`Census::event_matches_role`]) use. Reading no others halves the decoding work; a field of a
/// column not listed here reads as `None`.
const SUMMARY_COLUMNS: [&str; 23] = cdflow_core::columns!(
    "events",
    [
        "event_time",
        "node",
        "kind",
        "keyspace_name",
        "table_name",
        "user_name",
        "client_address",
        "coordinator",
        "bytes",
        "rows",
        "tombstones",
        "applied_locally",
        "partition_key_hash",
        "write_timestamp",
        "rows_returned",
        "tombstones_scanned",
        "error",
        // what the row did (cdflow_core::enrich::access::RowFacts)
        "statement_type",
        "counter_write",
        "cas_applied",
        "range_scan",
        "cells",
        "cell_tombstones",
    ]
);

/// Totals of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TableTotals {
    /// Client write requests, every write path (`coordinator_write` and `cas` rows).
    pub writes: u64,
    /// Client reads (`coordinator_read` rows of SELECTs; not an LWT's condition read).
    pub reads: u64,
    /// Writes applied to replicas: `replica_write`, `paxos_commit` and `hint_replay` rows.
    pub replica_writes: u64,
    /// `replica_read` rows.
    pub replica_reads: u64,
    /// Σ `bytes` of the client writes that carry sizes (see `unsized_writes`).
    pub bytes_written: u64,
    /// Σ `tombstones` of the client writes that carry sizes.
    pub tombstones_written: u64,
    /// Client writes whose row carries no sizes (`bytes` NULL: an LWT's `cas` row; its sizes are on its
    /// `paxos_commit` applies): not in the sums written, which are unknown when every write is unsized.
    pub unsized_writes: u64,
    /// Σ `tombstones_scanned` of the replica reads.
    pub tombstones_scanned: u64,
    /// `flushes` rows.
    pub flushes: u64,
    /// `compactions` rows.
    pub compactions: u64,
}

/// Totals of one client/role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientTotals {
    /// Client write requests, every write path.
    pub writes: u64,
    /// Client reads (SELECTs).
    pub reads: u64,
    /// Σ `bytes` written (of the writes that carry sizes).
    pub bytes_written: u64,
    /// Σ `rows` written.
    pub rows_written: u64,
    /// Σ `tombstones` written.
    pub tombstones_written: u64,
    /// Client writes without sizes (see [`TableTotals::unsized_writes`]).
    pub unsized_writes: u64,
    /// Σ `rows_returned`.
    pub rows_returned: u64,
    /// Requests that ended with an `error`.
    pub errors: u64,
}

/// Totals of one node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeTotals {
    /// Client write requests this node coordinated, every write path.
    pub coordinator_writes: u64,
    /// Client reads (SELECTs) this node coordinated.
    pub coordinator_reads: u64,
    /// Writes applied from remote coordinators (`replica_write`, `paxos_commit`) and hints replayed.
    pub replica_writes: u64,
    /// Writes applied from this node's own coordinator path (`applied_locally`).
    pub local_writes: u64,
    /// `replica_read` rows.
    pub replica_reads: u64,
}

/// Client requests to one partition (keyed hash) of one table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PartitionTotals {
    /// Client write requests, every write path.
    pub writes: u64,
    /// Client reads (SELECTs).
    pub reads: u64,
    /// Σ `bytes` written (of the writes that carry sizes).
    pub bytes_written: u64,
    /// Σ `tombstones` written.
    pub tombstones_written: u64,
    /// Client writes without sizes (see [`TableTotals::unsized_writes`]).
    pub unsized_writes: u64,
}

/// Client write requests of one write path (`cdflow_core::enrich::access::WritePath`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WritePathTotals {
    /// Requests (deletes included).
    pub writes: u64,
    /// Of which deletes.
    pub deletes: u64,
    /// Attempted LWT writes whose condition did not hold (nothing written).
    pub not_applied: u64,
    /// Requests that ended with an error.
    pub failed: u64,
}

/// The time span of the rows summarized, µs since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// Earliest `event_time`.
    pub first: Option<i64>,
    /// Latest `event_time`.
    pub last: Option<i64>,
}

impl Span {
    /// Widens the span to `time`.
    pub fn add(&mut self, time: Option<i64>) {
        if let Some(time) = time {
            self.first = Some(self.first.map_or(time, |first| first.min(time)));
            self.last = Some(self.last.map_or(time, |last| last.max(time)));
        }
    }

    /// Seconds from first to last (at least 1 ms, so rates stay finite).
    pub fn seconds(&self) -> f64 {
        match (self.first, self.last) {
            (Some(first), Some(last)) => ((last - first) as f64 / 1e6).max(0.001),
            _ => 0.0,
        }
    }

    /// `count` per second over the span (0 without a span).
    pub fn rate(&self, count: u64) -> f64 {
        let seconds = self.seconds();
        if seconds > 0.0 {
            count as f64 / seconds
        } else {
            0.0
        }
    }
}

/// The summary of a lineage.
#[derive(Debug)]
pub struct Summary {
    /// Time span of the events.
    pub span: Span,
    /// Per table label.
    pub tables: BoundedMap<TableTotals>,
    /// Per client label.
    pub clients: BoundedMap<ClientTotals>,
    /// Per node address.
    pub nodes: BoundedMap<NodeTotals>,
    /// Per `<keyspace>.<table> <partition_key_hash>`.
    pub partitions: BoundedMap<PartitionTotals>,
    /// Client writes per write path.
    pub write_paths: BTreeMap<WritePath, WritePathTotals>,
    /// Per node, from `agent_stats`.
    pub agents: BTreeMap<String, AgentTotals>,
    /// `events` rows without a keyspace or table — the batchlog's own rows (`batchlog_store`,
    /// `batchlog_remove`): counted here, in no table.
    pub batchlog_rows: u64,
    /// Rows summarized (`events`, `flushes`, `compactions`, after the filters).
    pub rows: u64,
}

impl Summary {
    /// Reads the lineage once (twice with `--role`, to attribute replica rows).
    pub fn build(files: &LineageFiles, filters: &Filters) -> Result<Summary, CliError> {
        let census = match filters.role {
            Some(_) => Some(Census::take(files, filters)?),
            None => None,
        };
        let mut summary = Summary::empty(TRACKED_KEYS, TRACKED_PARTITIONS);
        fold_events(
            files,
            filters,
            &SUMMARY_COLUMNS,
            || (Summary::empty(usize::MAX, usize::MAX), String::new()),
            |(part, label), row| {
                if census
                    .as_ref()
                    .is_none_or(|census| census.event_matches_role(row))
                {
                    part.add_event(row, label);
                }
            },
            |(part, _)| summary.absorb(part),
        )?;
        let mut label = String::new();
        let role_table = |label: &str| {
            census
                .as_ref()
                .is_none_or(|census| census.table_matches_role(label))
        };
        scan_flushes(files, filters, |row| {
            table_label(row.keyspace, row.table, &mut label);
            if role_table(&label) {
                summary.rows += 1;
                summary.tables.entry(&label).flushes += 1;
            }
        })?;
        scan_compactions(files, filters, |row| {
            table_label(row.keyspace, row.table, &mut label);
            if role_table(&label) {
                summary.rows += 1;
                summary.tables.entry(&label).compactions += 1;
            }
        })?;
        summary.agents = agent_totals(files)?;
        Ok(summary)
    }

    /// An empty summary counting at most `keys` tables, clients and nodes and `partitions` partitions.
    fn empty(keys: usize, partitions: usize) -> Summary {
        Summary {
            span: Span::default(),
            tables: BoundedMap::new(keys),
            clients: BoundedMap::new(keys),
            nodes: BoundedMap::new(keys),
            partitions: BoundedMap::new(partitions),
            write_paths: BTreeMap::new(),
            agents: BTreeMap::new(),
            batchlog_rows: 0,
            rows: 0,
        }
    }

    /// Counts one `events` row (`label` is scratch space).
    fn add_event(&mut self, row: &EventRow<'_>, label: &mut String) {
        self.rows += 1;
        self.span.add(row.time);
        if row.keyspace.is_none() && row.table.is_none() {
            self.batchlog_rows += 1;
            return;
        }
        table_label(row.keyspace, row.table, label);
        let table = self.tables.entry(label);
        let node = self.nodes.entry(row.node.unwrap_or("unknown"));
        // What the row did (cdflow_core::enrich::access): a client request of any write path or a SELECT's
        // read, a write applied to a replica (replica_write, paxos_commit, hint_replay), a replica's
        // read; internal rows (an LWT's condition read, counter forwarding, batchlog, stored hints)
        // count nowhere.
        let request = match row.access {
            Access::Request(request) => request,
            Access::Apply(..) => {
                table.replica_writes += 1;
                if row.is_local() {
                    node.local_writes += 1;
                } else {
                    node.replica_writes += 1;
                }
                return;
            }
            Access::ReplicaRead => {
                table.replica_reads += 1;
                table.tombstones_scanned += positive(row.tombstones_scanned);
                node.replica_reads += 1;
                return;
            }
            Access::Internal | Access::Unknown => return,
        };
        let write = request.operation != Operation::Read;
        let unsized_write = u64::from(write && row.bytes.is_none());
        if write {
            table.writes += 1;
            table.bytes_written += positive(row.bytes);
            table.tombstones_written += positive(row.tombstones);
            table.unsized_writes += unsized_write;
            node.coordinator_writes += 1;
        } else {
            table.reads += 1;
            node.coordinator_reads += 1;
        }
        if let Some(path) = request.path {
            let totals = self.write_paths.entry(path).or_default();
            totals.writes += 1;
            totals.deletes += u64::from(request.operation == Operation::Delete);
            totals.not_applied += u64::from(request.outcome == Outcome::NotApplied);
            totals.failed += u64::from(request.outcome == Outcome::Failed);
        }
        if let Some(hash) = row.partition_key_hash {
            let _ = write!(label, " {hash}");
            let partition = self.partitions.entry(label);
            if write {
                partition.writes += 1;
                partition.bytes_written += positive(row.bytes);
                partition.tombstones_written += positive(row.tombstones);
                partition.unsized_writes += unsized_write;
            } else {
                partition.reads += 1;
            }
        }
        client_label(row.user, row.client, label);
        let client = self.clients.entry(label);
        if write {
            client.writes += 1;
            client.bytes_written += positive(row.bytes);
            client.rows_written += positive(row.rows);
            client.tombstones_written += positive(row.tombstones);
            client.unsized_writes += unsized_write;
        } else {
            client.reads += 1;
            client.rows_returned += positive(row.rows_returned);
        }
        client.errors += u64::from(row.error.is_some());
    }

    /// Adds the partial summary of the rows that follow those already counted (see
    /// [`BoundedMap::absorb`]).
    fn absorb(&mut self, part: Summary) {
        self.span.add(part.span.first);
        self.span.add(part.span.last);
        self.rows += part.rows;
        self.batchlog_rows += part.batchlog_rows;
        for (path, totals) in part.write_paths {
            let into = self.write_paths.entry(path).or_default();
            into.writes += totals.writes;
            into.deletes += totals.deletes;
            into.not_applied += totals.not_applied;
            into.failed += totals.failed;
        }
        self.tables.absorb(part.tables, merge_tables);
        self.clients.absorb(part.clients, merge_clients);
        self.nodes.absorb(part.nodes, merge_nodes);
        self.partitions.absorb(part.partitions, merge_partitions);
    }

    /// Client writes and reads of every table.
    fn requests(&self) -> (u64, u64) {
        let mut totals = TableTotals::default();
        for (_, table) in self.tables.iter() {
            merge_tables(&mut totals, table);
        }
        if let Some(overflow) = self.tables.overflow() {
            merge_tables(&mut totals, overflow);
        }
        (totals.writes, totals.reads)
    }

    /// The summary as plain-text sections, at most `cap` rows each.
    pub fn render(&self, cap: usize) -> String {
        let mut out = String::new();
        let (writes, reads) = self.requests();
        match (self.span.first, self.span.last) {
            (Some(first), Some(last)) => {
                let _ = writeln!(
                    out,
                    "span      {} .. {} ({:.1} s)",
                    format_time(first),
                    format_time(last),
                    self.span.seconds()
                );
            }
            _ => out.push_str("span      (no events)\n"),
        }
        let _ = writeln!(
            out,
            "requests  {writes} writes ({:.1}/s), {reads} reads ({:.1}/s)",
            self.span.rate(writes),
            self.span.rate(reads)
        );
        if self.batchlog_rows > 0 {
            let _ = writeln!(
                out,
                "batchlog  {} rows without a keyspace or table (batchlog_store, batchlog_remove), in no table below",
                self.batchlog_rows
            );
        }
        out.push_str("\ntables\n");
        out.push_str(&text_table(
            &[
                "table",
                "writes",
                "writes/s",
                "reads",
                "reads/s",
                "replica writes",
                "replica reads",
                "bytes written",
                "tombstones written",
                "tombstones scanned",
                "flushes",
                "compactions",
            ],
            self.table_rows(cap)
                .into_iter()
                .map(|(key, t)| {
                    vec![
                        key,
                        t.writes.to_string(),
                        format!("{:.1}", self.span.rate(t.writes)),
                        t.reads.to_string(),
                        format!("{:.1}", self.span.rate(t.reads)),
                        t.replica_writes.to_string(),
                        t.replica_reads.to_string(),
                        written(human_bytes(t.bytes_written), t.writes, t.unsized_writes),
                        written(t.tombstones_written.to_string(), t.writes, t.unsized_writes),
                        t.tombstones_scanned.to_string(),
                        t.flushes.to_string(),
                        t.compactions.to_string(),
                    ]
                })
                .collect(),
        ));
        out.push_str("\nclients\n");
        out.push_str(&text_table(
            &[
                "client",
                "writes",
                "reads",
                "bytes written",
                "rows written",
                "tombstones written",
                "rows returned",
                "errors",
            ],
            self.client_rows(cap)
                .into_iter()
                .map(|(key, c)| {
                    vec![
                        key,
                        c.writes.to_string(),
                        c.reads.to_string(),
                        written(human_bytes(c.bytes_written), c.writes, c.unsized_writes),
                        written(c.rows_written.to_string(), c.writes, c.unsized_writes),
                        written(c.tombstones_written.to_string(), c.writes, c.unsized_writes),
                        c.rows_returned.to_string(),
                        c.errors.to_string(),
                    ]
                })
                .collect(),
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
            self.node_rows(cap)
                .into_iter()
                .map(|(key, n)| {
                    vec![
                        key,
                        n.coordinator_writes.to_string(),
                        n.coordinator_reads.to_string(),
                        n.replica_writes.to_string(),
                        n.local_writes.to_string(),
                        n.replica_reads.to_string(),
                    ]
                })
                .collect(),
        ));
        out.push_str("\nwrite paths\n");
        out.push_str(&text_table(
            &["write path", "writes", "deletes", "not applied", "failed"],
            self.write_paths
                .iter()
                .map(|(path, w)| {
                    vec![
                        path.name().to_string(),
                        w.writes.to_string(),
                        w.deletes.to_string(),
                        w.not_applied.to_string(),
                        w.failed.to_string(),
                    ]
                })
                .collect(),
        ));
        out.push_str("\nbusiest partitions (keyed hash)\n");
        out.push_str(&text_table(
            &[
                "partition",
                "writes",
                "reads",
                "bytes written",
                "tombstones written",
            ],
            self.partition_rows()
                .into_iter()
                .map(|(key, p)| {
                    vec![
                        key,
                        p.writes.to_string(),
                        p.reads.to_string(),
                        written(human_bytes(p.bytes_written), p.writes, p.unsized_writes),
                        written(p.tombstones_written.to_string(), p.writes, p.unsized_writes),
                    ]
                })
                .collect(),
        ));
        out.push_str(&accounting::render(&self.agents));
        out
    }

    /// The summary as one JSON document, at most `cap` rows per section.
    pub fn to_json(&self, cap: usize) -> serde_json::Value {
        let (writes, reads) = self.requests();
        let keyed = |rows: Vec<(String, serde_json::Value)>, key: &str| {
            rows.into_iter()
                .map(|(label, mut value)| {
                    if let Some(object) = value.as_object_mut() {
                        object.insert(key.to_string(), label.into());
                    }
                    value
                })
                .collect::<Vec<_>>()
        };
        serde_json::json!({
            "span": {
                "first": self.span.first.map(format_time),
                "last": self.span.last.map(format_time),
                "seconds": self.span.seconds(),
            },
            "requests": {
                "writes": writes,
                "reads": reads,
                "writes_per_second": self.span.rate(writes),
                "reads_per_second": self.span.rate(reads),
            },
            "batchlog_rows": self.batchlog_rows,
            "tables": keyed(self.table_rows(cap).into_iter().map(|(k, v)| (k, json(&v))).collect(), "table"),
            "clients": keyed(self.client_rows(cap).into_iter().map(|(k, v)| (k, json(&v))).collect(), "client"),
            "nodes": keyed(self.node_rows(cap).into_iter().map(|(k, v)| (k, json(&v))).collect(), "node"),
            "write_paths": keyed(self.write_paths.iter().map(|(k, v)| (k.name().to_string(), json(v))).collect(), "write_path"),
            "partitions": keyed(self.partition_rows().into_iter().map(|(k, v)| (k, json(&v))).collect(), "partition"),
            "agents": keyed(self.agents.iter().map(|(k, v)| (k.clone(), v.to_json())).collect(), "node"),
        })
    }

    fn table_rows(&self, cap: usize) -> Vec<(String, TableTotals)> {
        capped_rows(
            &self.tables,
            cap,
            |t| t.writes + t.reads + t.replica_writes + t.replica_reads + t.flushes + t.compactions,
            merge_tables,
        )
    }

    fn client_rows(&self, cap: usize) -> Vec<(String, ClientTotals)> {
        capped_rows(&self.clients, cap, |c| c.writes + c.reads, merge_clients)
    }

    fn node_rows(&self, cap: usize) -> Vec<(String, NodeTotals)> {
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
        )
    }

    /// The busiest partitions by client requests (no "others" row).
    fn partition_rows(&self) -> Vec<(String, PartitionTotals)> {
        let mut keys: Vec<(u64, &String, &PartitionTotals)> = self
            .partitions
            .iter()
            .map(|(key, p)| (p.writes + p.reads, key, p))
            .collect();
        keys.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        keys.into_iter()
            .take(TOP_PARTITIONS)
            .map(|(_, key, p)| (key.clone(), p.clone()))
            .collect()
    }
}

/// A value as JSON (the section values always serialize). A sum written (`bytes_written`,
/// `rows_written`, `tombstones_written`) is `null` — unknown, not 0 — when every write of the row is
/// unsized; `unsized_writes` says how many writes a known sum leaves out.
fn json<T: Serialize>(value: &T) -> serde_json::Value {
    let mut value = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        let count = |name: &str| object.get(name).and_then(serde_json::Value::as_u64);
        if let (Some(writes), Some(unsized_writes)) = (count("writes"), count("unsized_writes"))
            && writes > 0
            && unsized_writes == writes
        {
            for sum in SUMS_WRITTEN {
                if let Some(sum) = object.get_mut(sum) {
                    *sum = serde_json::Value::Null;
                }
            }
        }
    }
    value
}

/// The sums over client writes that unsized writes (no `bytes`, `rows`, `tombstones`) leave unknown.
const SUMS_WRITTEN: [&str; 3] = ["bytes_written", "rows_written", "tombstones_written"];

/// A text cell of a sum over `writes` client writes of which `unsized_writes` carry no sizes: the sum,
/// `unknown` when no write carries sizes, `≥ <sum> (<n> unsized)` when some do not.
fn written(sum: String, writes: u64, unsized_writes: u64) -> String {
    if unsized_writes == 0 {
        sum
    } else if unsized_writes >= writes {
        "unknown".to_string()
    } else {
        format!("≥ {sum} ({unsized_writes} unsized)")
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
    into.unsized_writes += from.unsized_writes;
    into.tombstones_scanned += from.tombstones_scanned;
    into.flushes += from.flushes;
    into.compactions += from.compactions;
}

fn merge_clients(into: &mut ClientTotals, from: &ClientTotals) {
    into.writes += from.writes;
    into.reads += from.reads;
    into.bytes_written += from.bytes_written;
    into.rows_written += from.rows_written;
    into.tombstones_written += from.tombstones_written;
    into.unsized_writes += from.unsized_writes;
    into.rows_returned += from.rows_returned;
    into.errors += from.errors;
}

fn merge_partitions(into: &mut PartitionTotals, from: &PartitionTotals) {
    into.writes += from.writes;
    into.reads += from.reads;
    into.bytes_written += from.bytes_written;
    into.tombstones_written += from.tombstones_written;
    into.unsized_writes += from.unsized_writes;
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
) -> Vec<(String, V)> {
    let ordered = map.top_keys(cap.max(1), &weight);
    let top: HashSet<&str> = ordered.iter().map(String::as_str).collect();
    let mut rows: Vec<(String, V)> = ordered
        .iter()
        .map(|key| (key.clone(), map.get(key).cloned().unwrap_or_default()))
        .collect();
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
        let label = if map.overflow().is_some() {
            "(others)".to_string()
        } else {
            format!("({merged} others)")
        };
        rows.push((label, others));
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
