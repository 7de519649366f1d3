//! `cdflow antipatterns`: Cassandra data-model and access anti-patterns found in the lineage, each a
//! [`Finding`] with a stable `kind` and its evidence (counts, share, roles, example partitions, time).
//! One pass over `events`, row groups folded on every core into partial tallies that merge in file
//! order into exactly the tallies of a sequential pass ([`crate::antipattern_tallies`]); per table and
//! per partition (bounded) tallies; thresholds from [`Thresholds`] (docs/cli.md says why each default
//! is what it is).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use crate::antipattern_tallies::{Partial, PartitionStats, TableStats, Tallies};
use crate::census::Census;
use crate::discover::LineageFiles;
use crate::error::CliError;
use crate::evidence::{RoleCount, Roles, Tally};
use crate::filter::Filters;
use crate::ids::id_text;
use crate::rows::fold_events;
use crate::stats::human_bytes;
use crate::thresholds::Thresholds;

/// Partitions listed in a hot/large finding.
const LISTED_PARTITIONS: usize = 5;

/// The `events` columns antipatterns reads: those [`observe`], the partition tallies, the access
/// classification (`cdflow_core::enrich::access::RowFacts`) and the `--role` attribution
/// ([`Census::event_matches_role`]) use. A field of a column not listed reads as `None`.
const ANTIPATTERN_COLUMNS: [&str; 26] = [
    "event_time",
    "node",
    "kind",
    "keyspace_name",
    "table_name",
    "user_name",
    "coordinator",
    "bytes",
    "rows",
    "tombstones",
    "partition_key_hash",
    "write_timestamp",
    "rows_returned",
    "tombstones_scanned",
    "error",
    "statement_type",
    "consistency",
    "cells",
    "cell_tombstones",
    "ttl_cells",
    "batch_id",
    "batch_partitions",
    "range_scan",
    "cas_applied",
    "paxos_attempts",
    "counter_write",
];

/// The kinds of findings, in report order.
pub const KINDS: [&str; 8] = [
    "hot_partition",
    "large_partition",
    "tombstone_heavy",
    "multi_partition_batch",
    "consistency_all",
    "range_scan",
    "lwt_contention",
    "ttl_tombstone_churn",
];

/// How urgent a kind of finding is: the order of the report and of `--limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Requests fail or nodes suffer now: one replica set takes the load (hot), a partition too large for
    /// reads and compaction (large), reads scanning into tombstone_failure_threshold (tombstones).
    High,
    /// Availability or latency at risk: requests failing when one replica is down (ALL), Paxos rounds
    /// lost to contention, one coordinator waiting on many replica sets (batches).
    Medium,
    /// Costly patterns that do not fail by themselves: range scans, TTLs turning into tombstones.
    Low,
}

/// The severity of each kind (docs/cli.md has the same table).
pub fn severity(kind: &str) -> Severity {
    match kind {
        "hot_partition" | "large_partition" | "tombstone_heavy" => Severity::High,
        "consistency_all" | "lwt_contention" | "multi_partition_batch" => Severity::Medium,
        _ => Severity::Low,
    }
}

/// One anti-pattern on one table, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable identifier of the pattern (one of [`KINDS`]).
    pub kind: &'static str,
    /// How urgent it is.
    pub severity: Severity,
    /// `<keyspace>.<table>`.
    pub table: String,
    /// What was found, one line.
    pub message: String,
    /// Rows (requests, reads, batches, …) that show the pattern.
    pub count: u64,
    /// Their share of the relevant total, when there is one.
    pub share: Option<f64>,
    /// Roles behind those rows, busiest first.
    pub roles: Vec<RoleCount>,
    /// Example partitions (keyed hashes; strings in JSON).
    #[serde(serialize_with = "crate::ids::id_list")]
    pub partitions: Vec<i64>,
    /// First and last time seen (RFC 3339).
    pub first: Option<String>,
    /// See `first`.
    pub last: Option<String>,
    /// Pattern-specific numbers.
    pub details: BTreeMap<&'static str, Value>,
}

impl Finding {
    fn new(
        kind: &'static str,
        table: &str,
        message: String,
        tally: &Tally,
        roles: &Roles,
    ) -> Finding {
        Finding {
            kind,
            severity: severity(kind),
            table: table.to_string(),
            message,
            count: tally.count,
            share: None,
            roles: tally.roles(roles),
            partitions: tally.partitions().to_vec(),
            first: tally.first_text(),
            last: tally.last_text(),
            details: BTreeMap::new(),
        }
    }

    fn share(mut self, part: u64, whole: u64) -> Finding {
        self.share = Some(ratio(part, whole));
        self
    }

    fn detail(mut self, name: &'static str, value: Value) -> Finding {
        self.details.insert(name, value);
        self
    }
}

/// The lineage's findings.
#[derive(Debug)]
pub struct Antipatterns {
    /// Every finding, by kind then table.
    pub findings: Vec<Finding>,
    /// Client requests looked at.
    pub requests: u64,
    /// The thresholds used.
    pub thresholds: Thresholds,
}

impl Antipatterns {
    /// Scans the events once (twice with `--role`) and applies the thresholds.
    pub fn find(
        files: &LineageFiles,
        filters: &Filters,
        thresholds: &Thresholds,
    ) -> Result<Antipatterns, CliError> {
        let census = match filters.role {
            Some(_) => Some(Census::take(files, filters)?),
            None => None,
        };
        let mut tallies = Tallies::new();
        fold_events(
            files,
            filters,
            &ANTIPATTERN_COLUMNS,
            Partial::new,
            |part, row| {
                if census
                    .as_ref()
                    .is_none_or(|census| census.event_matches_role(row))
                {
                    part.add(row, thresholds);
                }
            },
            |part| tallies.absorb(part),
        )?;
        let mut findings = Vec::new();
        partition_findings(&tallies, thresholds, &mut findings);
        let mut names: Vec<&String> = tallies.tables.iter().map(|(name, _)| name).collect();
        names.sort();
        for name in names {
            if let Some(stats) = tallies.tables.get(name) {
                table_findings(name, stats, &tallies.roles, thresholds, &mut findings);
            }
        }
        findings.sort_by_key(|finding| {
            (
                finding.severity,
                KINDS.iter().position(|kind| *kind == finding.kind),
                finding.table.clone(),
            )
        });
        Ok(Antipatterns {
            findings,
            requests: tallies.requests,
            thresholds: thresholds.clone(),
        })
    }

    /// Findings per kind, every kind of [`KINDS`] (0 when not found), in report order.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        let mut kinds: Vec<&'static str> = KINDS.to_vec();
        kinds.sort_by_key(|kind| (severity(kind), KINDS.iter().position(|k| k == kind)));
        kinds
            .into_iter()
            .map(|kind| {
                let count = self.findings.iter().filter(|f| f.kind == kind).count();
                (kind, count as u64)
            })
            .collect()
    }

    /// The findings `triage` shows: of its kinds (all when none given), at most its limit, most severe
    /// first.
    pub fn shown(&self, triage: &Triage) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|finding| {
                triage.kinds.is_empty() || triage.kinds.iter().any(|k| k == finding.kind)
            })
            .take(triage.limit.unwrap_or(usize::MAX))
            .collect()
    }

    /// The kinds of `--fail-on` found (every finding counts, whatever `--kind` and `--limit` show).
    pub fn failing_kinds(&self, triage: &Triage) -> Vec<&'static str> {
        let mut kinds: Vec<&'static str> = self
            .findings
            .iter()
            .filter(|finding| {
                triage
                    .fail_on
                    .iter()
                    .any(|kind| kind == "any" || kind == finding.kind)
            })
            .map(|finding| finding.kind)
            .collect();
        kinds.dedup();
        kinds
    }

    /// The findings as text: the per-kind counts, then one block per shown finding.
    pub fn render(&self, triage: &Triage) -> String {
        let mut out = String::new();
        if self.findings.is_empty() {
            let _ = writeln!(
                out,
                "no anti-patterns found in {} client requests",
                self.requests
            );
            return out;
        }
        let shown = self.shown(triage);
        let counts: Vec<String> = self
            .counts()
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(kind, count)| format!("{kind} {count} ({})", severity_name(severity(kind))))
            .collect();
        let _ = writeln!(
            out,
            "{} finding(s) in {} client requests: {}",
            self.findings.len(),
            self.requests,
            counts.join(", ")
        );
        if shown.len() < self.findings.len() {
            let _ = writeln!(
                out,
                "showing {} of {} (--kind, --limit)",
                shown.len(),
                self.findings.len()
            );
        }
        for finding in shown {
            let _ = writeln!(
                out,
                "\n{}  {}  [{}]",
                finding.kind,
                finding.table,
                severity_name(finding.severity)
            );
            let _ = writeln!(out, "  {}", finding.message);
            if !finding.roles.is_empty() {
                let roles: Vec<String> = finding
                    .roles
                    .iter()
                    .map(|role| format!("{} ({})", role.role, role.count))
                    .collect();
                let _ = writeln!(out, "  roles: {}", roles.join(", "));
            }
            if !finding.partitions.is_empty() {
                let hashes: Vec<String> = finding.partitions.iter().map(i64::to_string).collect();
                let _ = writeln!(out, "  partitions (keyed hash): {}", hashes.join(", "));
            }
            if let (Some(first), Some(last)) = (&finding.first, &finding.last) {
                let _ = writeln!(out, "  time: {first} .. {last}");
            }
        }
        out
    }

    /// The findings, per-kind counts and thresholds as JSON.
    pub fn to_json(&self, triage: &Triage) -> Value {
        let counts: serde_json::Map<String, Value> = self
            .counts()
            .into_iter()
            .map(|(kind, count)| (kind.to_string(), json!(count)))
            .collect();
        let shown = self.shown(triage);
        json!({
            "requests": self.requests,
            "total": self.findings.len(),
            "shown": shown.len(),
            "counts": counts,
            "failing_kinds": self.failing_kinds(triage),
            "findings": shown,
            "thresholds": self.thresholds,
        })
    }
}

/// What `cdflow antipatterns` shows and when it fails (`--kind`, `--limit`, `--fail-on`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Triage {
    /// Show only these kinds (all when empty).
    pub kinds: Vec<String>,
    /// Show at most this many findings.
    pub limit: Option<usize>,
    /// Exit 1 when a finding of one of these kinds (or `any`) is found.
    pub fail_on: Vec<String>,
}

/// `high`, `medium` or `low`.
pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
    }
}

/// hot_partition and large_partition: one finding per table listing its partitions.
fn partition_findings(tallies: &Tallies, thresholds: &Thresholds, findings: &mut Vec<Finding>) {
    let tables = &tallies.tables;
    // table → [(hash, stats)]
    let mut hot: BTreeMap<&str, Vec<(i64, &PartitionStats)>> = BTreeMap::new();
    let mut large: BTreeMap<&str, Vec<(i64, &PartitionStats)>> = BTreeMap::new();
    for (table, hash, stats) in tallies.partitions() {
        let table_requests = tables.get(table).map_or(0, |t| t.requests);
        let requests = stats.requests.count;
        if requests >= thresholds.hot_min_requests
            && ratio(requests, table_requests) >= thresholds.hot_share
        {
            hot.entry(table).or_default().push((hash, stats));
        }
        if stats.bytes >= thresholds.large_partition_bytes
            || stats.rows >= thresholds.large_partition_rows
        {
            large.entry(table).or_default().push((hash, stats));
        }
    }
    for (table, mut list) in hot {
        list.sort_by(|a, b| {
            b.1.requests
                .count
                .cmp(&a.1.requests.count)
                .then(a.0.cmp(&b.0))
        });
        let table_requests = tables.get(table).map_or(0, |t| t.requests);
        let (hash, top) = list[0];
        let listed: Vec<Value> = list
            .iter()
            .take(LISTED_PARTITIONS)
            .map(|(hash, p)| {
                json!({"partition": id_text(*hash), "requests": p.requests.count,
                       "share": ratio(p.requests.count, table_requests)})
            })
            .collect();
        let message = format!(
            "{} partition(s) take at least {:.0}% of the table's {table_requests} client requests; \
             the busiest, {hash}, took {} ({:.1}%)",
            list.len(),
            thresholds.hot_share * 100.0,
            top.requests.count,
            ratio(top.requests.count, table_requests) * 100.0,
        );
        let mut finding = Finding::new(
            "hot_partition",
            table,
            message,
            &top.requests,
            &tallies.roles,
        )
        .share(top.requests.count, table_requests)
        .detail("table_requests", json!(table_requests))
        .detail("hot_partitions", json!(listed));
        finding.partitions = list
            .iter()
            .take(LISTED_PARTITIONS)
            .map(|(h, _)| *h)
            .collect();
        findings.push(finding);
    }
    for (table, mut list) in large {
        list.sort_by(|a, b| b.1.bytes.cmp(&a.1.bytes).then(a.0.cmp(&b.0)));
        let (hash, top) = list[0];
        let listed: Vec<Value> = list
            .iter()
            .take(LISTED_PARTITIONS)
            .map(|(hash, p)| json!({"partition": id_text(*hash), "bytes_written": p.bytes, "rows_written": p.rows}))
            .collect();
        let message = format!(
            "{} partition(s) received at least {} or {} rows of writes; the largest, {hash}, {} in {} rows \
             over {} writes",
            list.len(),
            human_bytes(thresholds.large_partition_bytes),
            thresholds.large_partition_rows,
            human_bytes(top.bytes),
            top.rows,
            top.requests.count,
        );
        let mut finding = Finding::new(
            "large_partition",
            table,
            message,
            &top.requests,
            &tallies.roles,
        )
        .detail("bytes_written", json!(top.bytes))
        .detail("rows_written", json!(top.rows))
        .detail("large_partitions", json!(listed));
        finding.partitions = list
            .iter()
            .take(LISTED_PARTITIONS)
            .map(|(h, _)| *h)
            .collect();
        findings.push(finding);
    }
}

/// The per-table patterns.
fn table_findings(
    name: &str,
    t: &TableStats,
    roles: &Roles,
    limits: &Thresholds,
    findings: &mut Vec<Finding>,
) {
    if t.tombstone_reads.count > 0 {
        findings.push(
            Finding::new(
                "tombstone_heavy",
                name,
                format!(
                    "{} replica read(s) scanned more than {} tombstones (tombstone_warn_threshold); at most {}",
                    t.tombstone_reads.count, limits.tombstone_warn, t.tombstone_reads.max
                ),
                &t.tombstone_reads,
                roles,
            )
            .detail("cause", json!("reads"))
            .detail("max_tombstones_scanned", json!(t.tombstone_reads.max))
            .detail("tombstones_scanned", json!(t.tombstones_scanned)),
        );
    }
    let deletes = t.deletes.count;
    if t.tombstones_written >= limits.tombstone_min
        && ratio(deletes, t.writes) >= limits.delete_share
    {
        findings.push(
            Finding::new(
                "tombstone_heavy",
                name,
                format!(
                    "{deletes} of {} client writes are deletes ({:.1}%), writing {} tombstones",
                    t.writes,
                    ratio(deletes, t.writes) * 100.0,
                    t.tombstones_written
                ),
                &t.deletes,
                roles,
            )
            .share(deletes, t.writes)
            .detail("cause", json!("deletes"))
            .detail("tombstones_written", json!(t.tombstones_written)),
        );
    }
    let batches = t.batch_ids.len() as u64;
    if batches >= limits.batch_min && batches > 0 {
        findings.push(
            Finding::new(
                "multi_partition_batch",
                name,
                format!(
                    "{batches} batch(es) spanning at least {} partitions; the largest spans {}",
                    limits.batch_partitions, t.batches.max
                ),
                &t.batches,
                roles,
            )
            .detail("batches", json!(batches))
            .detail("max_batch_partitions", json!(t.batches.max))
            .detail("batch_rows", json!(t.batches.count)),
        );
    }
    if t.consistency_all.count >= limits.consistency_min_requests {
        findings.push(
            Finding::new(
                "consistency_all",
                name,
                format!(
                    "{} of {} client requests at consistency ALL or EACH_QUORUM ({:.1}%): \
                     each fails when one replica is down",
                    t.consistency_all.count,
                    t.requests,
                    ratio(t.consistency_all.count, t.requests) * 100.0
                ),
                &t.consistency_all,
                roles,
            )
            .share(t.consistency_all.count, t.requests),
        );
    }
    if t.range_scans.count >= limits.range_scan_min {
        findings.push(
            Finding::new(
                "range_scan",
                name,
                format!(
                    "{} range scans (reads not restricted to one partition), returning {} rows",
                    t.range_scans.count, t.rows_returned_by_scans
                ),
                &t.range_scans,
                roles,
            )
            .share(t.range_scans.count, t.requests)
            .detail("rows_returned", json!(t.rows_returned_by_scans)),
        );
    }
    let lwt = t.lwt.count;
    if lwt >= limits.lwt_min
        && (ratio(t.lwt_retried.count, lwt) >= limits.lwt_retry_share
            || ratio(t.lwt_failed.count, lwt) >= limits.lwt_failed_share)
    {
        findings.push(
            Finding::new(
                "lwt_contention",
                name,
                format!(
                    "{lwt} lightweight transactions: {} needed more than one Paxos round (at most {}), \
                     {} did not apply",
                    t.lwt_retried.count, t.lwt_retried.max, t.lwt_failed.count
                ),
                &t.lwt,
                roles,
            )
            .share(t.lwt_retried.count.max(t.lwt_failed.count), lwt)
            .detail("retried", json!(t.lwt_retried.count))
            .detail("max_paxos_attempts", json!(t.lwt_retried.max))
            .detail("not_applied", json!(t.lwt_failed.count)),
        );
    }
    let cells = t.cells.max(t.ttl_cells);
    if t.ttl_cells >= limits.ttl_min_cells && ratio(t.ttl_cells, cells) >= limits.ttl_share {
        let partitions = t.ttl_partitions.len() as u64;
        findings.push(
            Finding::new(
                "ttl_tombstone_churn",
                name,
                format!(
                    "{} of {cells} cells written carry a TTL ({:.1}%), in {} writes to {partitions} partitions: \
                     each expires into a tombstone",
                    t.ttl_cells,
                    ratio(t.ttl_cells, cells) * 100.0,
                    t.ttl_writes.count
                ),
                &t.ttl_writes,
                roles,
            )
            .share(t.ttl_cells, cells)
            .detail("ttl_cells", json!(t.ttl_cells))
            .detail("ttl_partitions", json!(partitions))
            .detail("tombstones_scanned", json!(t.tombstones_scanned)),
        );
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}
