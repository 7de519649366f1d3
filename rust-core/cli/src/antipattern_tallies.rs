//! The tallies behind `cdflow antipatterns`: per table ([`TableStats`]) and per partition
//! ([`PartitionStats`]), folded from each row group on every core into a [`Partial`] and merged in file
//! order into [`Tallies`], exactly what one sequential pass builds (same tracked keys, same roles, same
//! examples).
//!
//! A partial allocates per table, not per row or partition: its partitions are keyed by (index of the
//! table in the partial, keyed hash), its roles are ids into its own [`Roles`]; names and labels are
//! translated once per partial at the merge.

use foldhash::fast::FixedState;
use indexmap::{IndexMap, IndexSet};

use crate::census::{BoundedMap, TRACKED_KEYS, table_label};
use crate::evidence::{RoleId, Roles, Tally, Translation};
use crate::rows::{EventRow, Kind, Operation};
use crate::thresholds::Thresholds;

/// Most partitions tracked (later new ones are not: a partition must be among the first this many
/// seen to be reported hot or large).
pub const TRACKED_PARTITIONS: usize = 250_000;
/// Most distinct batches and TTL'd partitions remembered per table.
const TRACKED_IDS: usize = 100_000;

/// What one table saw.
#[derive(Debug, Default)]
pub struct TableStats {
    /// Client requests.
    pub requests: u64,
    /// Client writes (`coordinator_write` rows).
    pub writes: u64,
    /// Deletes of every write path, LWTs included.
    pub deletes: Tally,
    /// Tombstones written by client writes.
    pub tombstones_written: u64,
    /// Cells written.
    pub cells: u64,
    /// Cells written with a TTL.
    pub ttl_cells: u64,
    /// Writes with TTL'd cells.
    pub ttl_writes: Tally,
    /// The partitions of those writes (the first [`TRACKED_IDS`]).
    pub ttl_partitions: IndexSet<i64, FixedState>,
    /// Tombstones scanned by replica reads.
    pub tombstones_scanned: u64,
    /// Replica reads over the tombstone warning threshold.
    pub tombstone_reads: Tally,
    /// Writes of batches spanning at least `batch_partitions` partitions.
    pub batches: Tally,
    /// Their batch ids (the first [`TRACKED_IDS`]).
    pub batch_ids: IndexSet<String, FixedState>,
    /// Requests at consistency ALL or EACH_QUORUM.
    pub consistency_all: Tally,
    /// Range scans.
    pub range_scans: Tally,
    /// Rows the range scans returned.
    pub rows_returned_by_scans: u64,
    /// Lightweight transactions.
    pub lwt: Tally,
    /// LWTs that needed more than one Paxos round.
    pub lwt_retried: Tally,
    /// LWTs that did not apply.
    pub lwt_failed: Tally,
}

impl TableStats {
    /// Merges the partial stats of the rows that follow (see [`Tally::absorb`]); the distinct TTL'd
    /// partitions and batches in the order `part` first saw them, while fewer than [`TRACKED_IDS`] are.
    fn absorb(&mut self, part: &TableStats, roles: &Translation) {
        self.requests += part.requests;
        self.writes += part.writes;
        self.deletes.absorb(&part.deletes, roles);
        self.tombstones_written += part.tombstones_written;
        self.cells += part.cells;
        self.ttl_cells += part.ttl_cells;
        self.ttl_writes.absorb(&part.ttl_writes, roles);
        for hash in &part.ttl_partitions {
            remember(&mut self.ttl_partitions, hash);
        }
        self.tombstones_scanned += part.tombstones_scanned;
        self.tombstone_reads.absorb(&part.tombstone_reads, roles);
        self.batches.absorb(&part.batches, roles);
        for id in &part.batch_ids {
            remember(&mut self.batch_ids, id.as_str());
        }
        self.consistency_all.absorb(&part.consistency_all, roles);
        self.range_scans.absorb(&part.range_scans, roles);
        self.rows_returned_by_scans += part.rows_returned_by_scans;
        self.lwt.absorb(&part.lwt, roles);
        self.lwt_retried.absorb(&part.lwt_retried, roles);
        self.lwt_failed.absorb(&part.lwt_failed, roles);
    }

    /// Adds one row to the table's tallies (`role`: the row's role, looked up when a tally needs it).
    fn observe(&mut self, row: &EventRow<'_>, role: &mut RowRole<'_>, thresholds: &Thresholds) {
        if row.is_request() {
            self.requests += 1;
            if matches!(row.consistency, Some("ALL" | "EACH_QUORUM")) {
                self.consistency_all.add(row, role.id());
            }
        }
        if row.is_lwt() {
            self.lwt.add(row, role.id());
            if row.paxos_attempts.is_some_and(|attempts| attempts > 1) {
                self.lwt_retried.add(row, role.id()).max(row.paxos_attempts);
            }
            if row.cas_applied == Some(false) {
                self.lwt_failed.add(row, role.id());
            }
        }
        // Deletes of every write path (cdflow_core::enrich::access), LWTs included.
        if row.write_operation() == Some(Operation::Delete) {
            self.deletes.add(row, role.id());
        }
        match row.kind {
            Kind::CoordinatorWrite => {
                self.writes += 1;
                self.cells += positive(row.cells);
                self.tombstones_written += positive(row.tombstones);
                let ttl_cells = positive(row.ttl_cells);
                if ttl_cells > 0 {
                    self.ttl_cells += ttl_cells;
                    self.ttl_writes.add(row, role.id());
                    if let Some(hash) = row.partition_key_hash {
                        remember(&mut self.ttl_partitions, &hash);
                    }
                }
                if let (Some(id), Some(size)) = (row.batch_id, row.batch_partitions)
                    && size >= thresholds.batch_partitions
                {
                    self.batches.add(row, role.id()).max(Some(size));
                    remember(&mut self.batch_ids, id);
                }
            }
            Kind::CoordinatorRead => {
                if row.range_scan == Some(true) {
                    self.range_scans.add(row, role.id());
                    self.rows_returned_by_scans += positive(row.rows_returned);
                }
            }
            Kind::ReplicaRead => {
                self.tombstones_scanned += positive(row.tombstones_scanned);
                if row
                    .tombstones_scanned
                    .is_some_and(|scanned| scanned > thresholds.tombstone_warn)
                {
                    self.tombstone_reads
                        .add(row, role.id())
                        .max(row.tombstones_scanned);
                }
            }
            Kind::ReplicaWrite | Kind::Other => {}
        }
    }
}

/// Adds `value` to `set` unless it holds it or [`TRACKED_IDS`] values already.
fn remember<K, Q>(set: &mut IndexSet<K, FixedState>, value: &Q)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: ToOwned<Owned = K> + std::hash::Hash + Eq + ?Sized,
{
    if set.len() < TRACKED_IDS && !set.contains(value) {
        set.insert(value.to_owned());
    }
}

/// What one partition saw (client requests).
#[derive(Debug, Default)]
pub struct PartitionStats {
    /// Its client requests.
    pub requests: Tally,
    /// Bytes of its client writes.
    pub bytes: u64,
    /// Rows of its client writes.
    pub rows: u64,
}

impl PartitionStats {
    fn absorb(&mut self, part: &PartitionStats, roles: &Translation) {
        self.requests.absorb(&part.requests, roles);
        self.bytes += part.bytes;
        self.rows += part.rows;
    }
}

/// The role of one row, looked up in the partial's role table only when a tally counts the row.
struct RowRole<'a> {
    roles: &'a mut Roles,
    user: Option<&'a str>,
    id: Option<RoleId>,
}

impl RowRole<'_> {
    fn id(&mut self) -> RoleId {
        match self.id {
            Some(id) => id,
            None => *self.id.insert(self.roles.of_user(self.user)),
        }
    }
}

/// What the rows of one unit of the scan (a row group) saw, merged in unit order by [`Tallies::absorb`].
pub struct Partial {
    roles: Roles,
    /// Per table label, in the order first seen.
    tables: IndexMap<String, TableStats, FixedState>,
    /// Per (index in `tables`, keyed hash), in the order first seen.
    partitions: IndexMap<(usize, i64), PartitionStats, FixedState>,
    requests: u64,
    /// Scratch for labels.
    label: String,
}

impl Partial {
    /// An empty partial.
    pub fn new() -> Partial {
        Partial {
            roles: Roles::default(),
            tables: IndexMap::with_hasher(FixedState::default()),
            partitions: IndexMap::with_hasher(FixedState::default()),
            requests: 0,
            label: String::new(),
        }
    }

    /// Adds one row (of the `--role`, when given).
    pub fn add(&mut self, row: &EventRow<'_>, thresholds: &Thresholds) {
        if row.keyspace.is_none() && row.table.is_none() {
            // The batchlog's own rows: no table to find a pattern on.
            return;
        }
        table_label(row.keyspace, row.table, &mut self.label);
        let table = match self.tables.get_index_of(self.label.as_str()) {
            Some(index) => index,
            None => {
                self.tables
                    .insert_full(self.label.clone(), TableStats::default())
                    .0
            }
        };
        let mut role = RowRole {
            roles: &mut self.roles,
            user: row.user,
            id: None,
        };
        self.tables[table].observe(row, &mut role, thresholds);
        if row.is_request() {
            self.requests += 1;
            if let Some(hash) = row.partition_key_hash {
                let partition = self.partitions.entry((table, hash)).or_default();
                partition.requests.add(row, role.id());
                if row.kind == Kind::CoordinatorWrite {
                    partition.bytes += positive(row.bytes);
                    partition.rows += positive(row.rows);
                }
            }
        }
    }
}

impl Default for Partial {
    fn default() -> Self {
        Partial::new()
    }
}

/// The tallies of the whole scan: per table (at most [`TRACKED_KEYS`]) and per partition (at most
/// [`TRACKED_PARTITIONS`], the first seen), with the role table their tallies refer to.
#[derive(Debug)]
pub struct Tallies {
    /// The role names of every tally.
    pub roles: Roles,
    /// Per table label.
    pub tables: BoundedMap<TableStats>,
    /// The table labels of the tracked partitions.
    labels: IndexSet<String, FixedState>,
    /// Per (index in `labels`, keyed hash), the first [`TRACKED_PARTITIONS`] seen.
    partitions: IndexMap<(usize, i64), PartitionStats, FixedState>,
    partitions_limit: usize,
    /// Client requests looked at.
    pub requests: u64,
}

impl Tallies {
    /// No rows yet.
    pub fn new() -> Tallies {
        Tallies::tracking(TRACKED_PARTITIONS)
    }

    /// No rows yet, tracking at most `partitions` partitions.
    fn tracking(partitions: usize) -> Tallies {
        Tallies {
            roles: Roles::default(),
            tables: BoundedMap::new(TRACKED_KEYS),
            labels: IndexSet::with_hasher(FixedState::default()),
            partitions: IndexMap::with_hasher(FixedState::default()),
            partitions_limit: partitions,
            requests: 0,
        }
    }

    /// Merges the partial of the rows that follow those already merged.
    pub fn absorb(&mut self, part: Partial) {
        let roles = self.roles.translation(&part.roles);
        self.requests += part.requests;
        // Each table of `part` as an index of `labels`: `None` until looked up, `Some(None)` when
        // `labels` does not hold it.
        let mut labels: Vec<Option<Option<usize>>> = vec![None; part.tables.len()];
        let name = |table: usize| {
            part.tables
                .get_index(table)
                .map_or("", |(name, _)| name.as_str())
        };
        for ((table, hash), stats) in &part.partitions {
            let label =
                *labels[*table].get_or_insert_with(|| self.labels.get_index_of(name(*table)));
            if let Some(known) = label.and_then(|label| self.partitions.get_mut(&(label, *hash))) {
                known.absorb(stats, &roles);
            } else if self.partitions.len() < self.partitions_limit {
                let label = label.unwrap_or_else(|| {
                    let label = self.labels.insert_full(name(*table).to_string()).0;
                    labels[*table] = Some(Some(label));
                    label
                });
                let mut fresh = PartitionStats::default();
                fresh.absorb(stats, &roles);
                self.partitions.insert((label, *hash), fresh);
            }
        }
        for (name, stats) in part.tables {
            self.tables
                .absorb_one(name, &stats, |into, from| into.absorb(from, &roles));
        }
    }

    /// The tracked partitions: (table label, keyed hash, stats), in the order first seen.
    pub fn partitions(&self) -> impl Iterator<Item = (&str, i64, &PartitionStats)> {
        self.partitions
            .iter()
            .map(|((label, hash), stats)| (self.labels[*label].as_str(), *hash, stats))
    }
}

impl Default for Tallies {
    fn default() -> Self {
        Tallies::new()
    }
}

/// `value` when positive, else 0.
pub fn positive(value: Option<i64>) -> u64 {
    value
        .and_then(|value| u64::try_from(value).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::RoleCount;
    use crate::rows::{Access, EventRow};

    /// What the tallies report of the partitions, by name and in a fixed order: (table, hash, requests,
    /// roles, examples, bytes, rows), and per table its requests and the roles of its deletes.
    type Report = (
        Vec<(String, i64, u64, Vec<RoleCount>, Vec<i64>, u64, u64)>,
        Vec<(String, u64, Vec<RoleCount>)>,
        u64,
    );

    fn report(tallies: &Tallies) -> Report {
        let mut partitions: Vec<_> = tallies
            .partitions()
            .map(|(table, hash, stats)| {
                (
                    table.to_string(),
                    hash,
                    stats.requests.count,
                    stats.requests.roles(&tallies.roles),
                    stats.requests.partitions().to_vec(),
                    stats.bytes,
                    stats.rows,
                )
            })
            .collect();
        partitions.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        let tables = tallies
            .tables
            .iter()
            .map(|(name, stats)| {
                (
                    name.clone(),
                    stats.requests,
                    stats.deletes.roles(&tallies.roles),
                )
            })
            .collect();
        (partitions, tables, tallies.requests)
    }

    /// The thresholds of the command line's defaults.
    fn default_thresholds() -> Thresholds {
        #[derive(clap::Parser)]
        struct Flags {
            #[command(flatten)]
            thresholds: Thresholds,
        }
        <Flags as clap::Parser>::parse_from(["antipatterns"]).thresholds
    }

    /// `rows` folded into partials of `size` rows merged in order, tracking at most `limit` partitions.
    fn fold(rows: &[EventRow<'_>], size: usize, limit: usize) -> Report {
        let thresholds = default_thresholds();
        let mut tallies = Tallies::tracking(limit);
        for chunk in rows.chunks(size) {
            let mut part = Partial::new();
            for row in chunk {
                part.add(row, &thresholds);
            }
            tallies.absorb(part);
        }
        report(&tallies)
    }

    #[test]
    fn partials_merged_in_order_track_the_partitions_a_sequential_fold_tracks() {
        // 600 client writes and deletes of 12 roles (and none) on 5 tables and 30 partitions, in an
        // order where tables, partitions and roles first appear scattered.
        let users: Vec<String> = (0..12).map(|i| format!("role{i}")).collect();
        let tables: Vec<String> = (0..5).map(|i| format!("t{i}")).collect();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % below
        };
        let rows: Vec<EventRow<'_>> = (0..600)
            .map(|i| {
                let delete = next(4) == 0;
                let user = next(13) as usize;
                EventRow {
                    time: Some(1_000 + next(10_000) as i64),
                    kind: crate::rows::Kind::CoordinatorWrite,
                    kind_name: Some("coordinator_write"),
                    keyspace: Some("ks"),
                    table: Some(tables[next(5) as usize].as_str()),
                    user: users.get(user).map(String::as_str),
                    partition_key_hash: Some(next(30) as i64 - 15),
                    bytes: Some(i),
                    rows: Some(1),
                    tombstones: Some(i64::from(delete)),
                    statement_type: Some(if delete { "DELETE" } else { "UPDATE" }),
                    ..EventRow::default()
                }
            })
            .map(|row| EventRow {
                access: cdflow_core::enrich::access::RowFacts {
                    kind: row.kind_name,
                    statement_type: row.statement_type,
                    counter_write: None,
                    cas_applied: None,
                    error: false,
                    rows_returned: false,
                    range_scan: None,
                    tombstones: row.tombstones,
                    cells: None,
                    cell_tombstones: None,
                }
                .classify(),
                ..row
            })
            .collect();
        assert!(matches!(rows[0].access, Access::Request(_)));
        let every = fold(&rows, 1, usize::MAX);
        assert_eq!(every.2, 600);
        assert!(every.0.len() > 100, "{every:?}");
        // Deletes of more roles than a tally keeps: `(other roles)`.
        assert!(every.1.iter().all(|table| table.2.len() == 9), "{every:?}");
        for limit in [usize::MAX, 40, 17, 1] {
            let expected = fold(&rows, 1, limit);
            assert_eq!(expected.0.len(), limit.min(every.0.len()));
            for size in [2, 3, 7, 64, 599, 600] {
                assert_eq!(
                    fold(&rows, size, limit),
                    expected,
                    "partials of {size} rows, at most {limit} partitions"
                );
            }
        }
    }
}
