//! Row views of the lineage tables and the scans that feed them to the commands, after the time,
//! keyspace and table filters. Every column is read by name and optional.

use arrow::record_batch::RecordBatch;
use cdflow_core::enrich::access::RowFacts;
pub use cdflow_core::enrich::access::{Access, Operation, Outcome, WritePath};
use cdflow_core::stats::{COUNTER_COUNT, COUNTER_FIELDS, CounterField};

use crate::columns::{BoolColumn, IntColumn, ListLenColumn, TextColumn, table_columns};
use crate::discover::{LineageFile, LineageFiles, Table};
use crate::error::CliError;
use crate::filter::Filters;
use crate::parallel_scan::{ordered, worker_threads};
use crate::progress::Progress;
use crate::reader::for_each_batch_of;

/// The `kind` of an `events` row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A client write this node coordinated.
    CoordinatorWrite,
    /// A write this node applied as a replica.
    ReplicaWrite,
    /// A client read this node coordinated.
    CoordinatorRead,
    /// A read this node executed as a replica.
    ReplicaRead,
    /// A kind this version does not know (or NULL).
    #[default]
    Other,
}

impl Kind {
    fn parse(kind: Option<&str>) -> Kind {
        match kind {
            Some("coordinator_write") => Kind::CoordinatorWrite,
            Some("replica_write") => Kind::ReplicaWrite,
            Some("coordinator_read") => Kind::CoordinatorRead,
            Some("replica_read") => Kind::ReplicaRead,
            _ => Kind::Other,
        }
    }
}

/// One `events` row (NULL or absent columns are `None`; the default row has every column NULL).
#[derive(Debug, Clone, Copy, Default)]
pub struct EventRow<'a> {
    /// `event_time`, µs since the epoch.
    pub time: Option<i64>,
    /// `node`, else the file's `node=` partition.
    pub node: Option<&'a str>,
    /// `kind`.
    pub kind: Kind,
    /// `kind` as written (`hint_write`, … for [`Kind::Other`]).
    pub kind_name: Option<&'a str>,
    /// `hint_target`.
    pub hint_target: Option<&'a str>,
    /// `keyspace_name`.
    pub keyspace: Option<&'a str>,
    /// `table_name`.
    pub table: Option<&'a str>,
    /// `user_name`.
    pub user: Option<&'a str>,
    /// `client_address`.
    pub client: Option<&'a str>,
    /// `coordinator`.
    pub coordinator: Option<&'a str>,
    /// `bytes`.
    pub bytes: Option<i64>,
    /// `rows`.
    pub rows: Option<i64>,
    /// `tombstones`.
    pub tombstones: Option<i64>,
    /// `latency_us`.
    pub latency_us: Option<i64>,
    /// `applied_locally`.
    pub applied_locally: Option<bool>,
    /// `partition_key_hash`.
    pub partition_key_hash: Option<i64>,
    /// `write_timestamp`.
    pub write_timestamp: Option<i64>,
    /// `rows_returned`.
    pub rows_returned: Option<i64>,
    /// `tombstones_scanned`.
    pub tombstones_scanned: Option<i64>,
    /// `live_rows`.
    pub live_rows: Option<i64>,
    /// `error`.
    pub error: Option<&'a str>,
    /// `statement_type`.
    pub statement_type: Option<&'a str>,
    /// `consistency`.
    pub consistency: Option<&'a str>,
    /// `cells`.
    pub cells: Option<i64>,
    /// `cell_tombstones`.
    pub cell_tombstones: Option<i64>,
    /// `ttl_cells`.
    pub ttl_cells: Option<i64>,
    /// `batch_id`.
    pub batch_id: Option<&'a str>,
    /// `batch_partitions`.
    pub batch_partitions: Option<i64>,
    /// `range_scan`.
    pub range_scan: Option<bool>,
    /// `cas_applied`.
    pub cas_applied: Option<bool>,
    /// `paxos_attempts`.
    pub paxos_attempts: Option<i64>,
    /// `owner` (identity map).
    pub owner: Option<&'a str>,
    /// `team` (identity map).
    pub team: Option<&'a str>,
    /// `identity_kind` (identity map).
    pub identity_kind: Option<&'a str>,
    /// `external_identity` (identity map: the IdP subject).
    pub external_identity: Option<&'a str>,
    /// `driver_name`.
    pub driver_name: Option<&'a str>,
    /// `driver_version`.
    pub driver_version: Option<&'a str>,
    /// `session_id`.
    pub session_id: Option<&'a str>,
    /// `token`.
    pub token: Option<i64>,
    /// `counter_write`.
    pub counter_write: Option<bool>,
    /// What the row did (`cdflow_core::enrich::access`, the classification SQL shares).
    pub access: Access,
}

impl EventRow<'_> {
    /// The coordinator of the request: the `coordinator` column, or this node for coordinator rows.
    pub fn coordinator_or_self(&self) -> Option<&str> {
        match self.kind {
            Kind::CoordinatorWrite | Kind::CoordinatorRead => self.coordinator.or(self.node),
            _ => self.coordinator,
        }
    }

    /// Whether a replica row was served without a network hop (its coordinator is this node).
    pub fn is_local(&self) -> bool {
        self.applied_locally == Some(true)
            || (self.coordinator.is_some() && self.coordinator == self.node)
    }

    /// Whether the row is a client request this node coordinated: a write of any path
    /// (`coordinator_write`, `cas`) or the read of a SELECT (not an LWT's condition read).
    pub fn is_request(&self) -> bool {
        matches!(self.access, Access::Request(_))
    }

    /// Whether the row is a lightweight transaction seen by its coordinator: it carries `cas_applied`
    /// or `paxos_attempts` and is not a replica's row.
    pub fn is_lwt(&self) -> bool {
        (self.cas_applied.is_some() || self.paxos_attempts.is_some())
            && !matches!(self.kind, Kind::ReplicaWrite | Kind::ReplicaRead)
    }

    /// What a client write did (`write` or `delete`, every write path); `None` for other rows.
    pub fn write_operation(&self) -> Option<Operation> {
        self.operation()
            .filter(|operation| *operation != Operation::Read)
    }

    /// The operation of a client request (`read`, `write` or `delete`); `None` for other rows.
    pub fn operation(&self) -> Option<Operation> {
        self.access.request().map(|request| request.operation)
    }
}

table_columns! {
    /// The `events` columns of one record batch (all the fields of an [`EventRow`]).
    struct EventColumns of "events", listed in pub EVENT_COLUMNS {
        time: IntColumn = "event_time",
        node: TextColumn = "node",
        kind: TextColumn = "kind",
        keyspace: TextColumn = "keyspace_name",
        table: TextColumn = "table_name",
        user: TextColumn = "user_name",
        client: TextColumn = "client_address",
        coordinator: TextColumn = "coordinator",
        bytes: IntColumn = "bytes",
        rows: IntColumn = "rows",
        tombstones: IntColumn = "tombstones",
        latency_us: IntColumn = "latency_us",
        applied_locally: BoolColumn = "applied_locally",
        partition_key_hash: IntColumn = "partition_key_hash",
        write_timestamp: IntColumn = "write_timestamp",
        rows_returned: IntColumn = "rows_returned",
        tombstones_scanned: IntColumn = "tombstones_scanned",
        live_rows: IntColumn = "live_rows",
        error: TextColumn = "error",
        statement_type: TextColumn = "statement_type",
        consistency: TextColumn = "consistency",
        cells: IntColumn = "cells",
        cell_tombstones: IntColumn = "cell_tombstones",
        ttl_cells: IntColumn = "ttl_cells",
        batch_id: TextColumn = "batch_id",
        batch_partitions: IntColumn = "batch_partitions",
        range_scan: BoolColumn = "range_scan",
        cas_applied: BoolColumn = "cas_applied",
        paxos_attempts: IntColumn = "paxos_attempts",
        owner: TextColumn = "owner",
        team: TextColumn = "team",
        identity_kind: TextColumn = "identity_kind",
        external_identity: TextColumn = "external_identity",
        driver_name: TextColumn = "driver_name",
        driver_version: TextColumn = "driver_version",
        session_id: TextColumn = "session_id",
        token: IntColumn = "token",
        hint_target: TextColumn = "hint_target",
        counter_write: BoolColumn = "counter_write",
    }
}

impl EventColumns {
    fn row<'a>(
        &'a self,
        row: usize,
        kind_of_row: Kind,
        path_node: Option<&'a str>,
    ) -> EventRow<'a> {
        let kind = self.kind.get(row);
        let statement_type = self.statement_type.get(row);
        let error = self.error.get(row);
        let rows_returned = self.rows_returned.get(row);
        let range_scan = self.range_scan.get(row);
        let cas_applied = self.cas_applied.get(row);
        let counter_write = self.counter_write.get(row);
        let tombstones = self.tombstones.get(row);
        let cells = self.cells.get(row);
        let cell_tombstones = self.cell_tombstones.get(row);
        let access = RowFacts {
            kind,
            statement_type,
            counter_write,
            cas_applied,
            error: error.is_some(),
            rows_returned: rows_returned.is_some(),
            range_scan,
            tombstones,
            cells,
            cell_tombstones,
        }
        .classify();
        EventRow {
            time: self.time.get(row),
            node: self.node.get(row).or(path_node),
            kind: kind_of_row,
            kind_name: kind,
            hint_target: self.hint_target.get(row),
            keyspace: self.keyspace.get(row),
            table: self.table.get(row),
            user: self.user.get(row),
            client: self.client.get(row),
            coordinator: self.coordinator.get(row),
            bytes: self.bytes.get(row),
            rows: self.rows.get(row),
            tombstones,
            latency_us: self.latency_us.get(row),
            applied_locally: self.applied_locally.get(row),
            partition_key_hash: self.partition_key_hash.get(row),
            write_timestamp: self.write_timestamp.get(row),
            rows_returned,
            tombstones_scanned: self.tombstones_scanned.get(row),
            live_rows: self.live_rows.get(row),
            error,
            statement_type,
            consistency: self.consistency.get(row),
            cells,
            cell_tombstones,
            ttl_cells: self.ttl_cells.get(row),
            batch_id: self.batch_id.get(row),
            batch_partitions: self.batch_partitions.get(row),
            range_scan,
            cas_applied,
            paxos_attempts: self.paxos_attempts.get(row),
            owner: self.owner.get(row),
            team: self.team.get(row),
            identity_kind: self.identity_kind.get(row),
            external_identity: self.external_identity.get(row),
            driver_name: self.driver_name.get(row),
            driver_version: self.driver_version.get(row),
            session_id: self.session_id.get(row),
            token: self.token.get(row),
            counter_write,
            access,
        }
    }
}

/// One `flushes` row.
#[derive(Debug, Clone, Copy)]
pub struct FlushRow<'a> {
    /// `event_time`, µs since the epoch.
    pub time: Option<i64>,
    /// `node`, else the file's `node=` partition.
    pub node: Option<&'a str>,
    /// `keyspace_name`.
    pub keyspace: Option<&'a str>,
    /// `table_name`.
    pub table: Option<&'a str>,
    /// Number of `output_sstables`.
    pub output_sstables: Option<u64>,
    /// `bytes_out`.
    pub bytes_out: Option<i64>,
}

/// One `compactions` row.
#[derive(Debug, Clone, Copy)]
pub struct CompactionRow<'a> {
    /// `event_time`, µs since the epoch.
    pub time: Option<i64>,
    /// `node`, else the file's `node=` partition.
    pub node: Option<&'a str>,
    /// `keyspace_name`.
    pub keyspace: Option<&'a str>,
    /// `table_name`.
    pub table: Option<&'a str>,
    /// Number of `input_sstables`.
    pub input_sstables: Option<u64>,
    /// Number of `output_sstables`.
    pub output_sstables: Option<u64>,
    /// `bytes_in`.
    pub bytes_in: Option<i64>,
    /// `bytes_out`.
    pub bytes_out: Option<i64>,
    /// `duration_us`.
    pub duration_us: Option<i64>,
}

table_columns! {
    /// The `flushes` columns of one record batch.
    struct FlushColumns of "flushes", listed in FLUSH_COLUMNS {
        time: IntColumn = "event_time",
        node: TextColumn = "node",
        keyspace: TextColumn = "keyspace_name",
        table: TextColumn = "table_name",
        output: ListLenColumn = "output_sstables",
        bytes_out: IntColumn = "bytes_out",
    }
}

table_columns! {
    /// The `compactions` columns of one record batch.
    struct CompactionColumns of "compactions", listed in COMPACTION_COLUMNS {
        time: IntColumn = "event_time",
        node: TextColumn = "node",
        keyspace: TextColumn = "keyspace_name",
        table: TextColumn = "table_name",
        input: ListLenColumn = "input_sstables",
        output: ListLenColumn = "output_sstables",
        bytes_in: IntColumn = "bytes_in",
        bytes_out: IntColumn = "bytes_out",
        duration: IntColumn = "duration_us",
    }
}

/// Calls `each` with every `events` row that passes the time and table filters.
pub fn scan_events(
    files: &LineageFiles,
    filters: &Filters,
    mut each: impl FnMut(&EventRow<'_>),
) -> Result<(), CliError> {
    scan(
        files.of(Table::Events),
        &EVENT_COLUMNS,
        filters,
        |batch, _| {
            let columns = EventColumns::read(batch)?;
            let kept: Vec<(u32, Kind)> = (0..batch.num_rows())
                .filter(|&row| {
                    filters.keeps(
                        columns.time.get(row),
                        columns.keyspace.get(row),
                        columns.table.get(row),
                    )
                })
                .map(|row| (row as u32, Kind::parse(columns.kind.get(row))))
                .collect();
            Ok((columns, kept))
        },
        |(columns, kept), path_node| {
            for (row, kind) in kept {
                each(&columns.row(row as usize, kind, path_node));
            }
        },
    )
}

/// Folds the `events` rows that pass the time and table filters on every core: each record batch is
/// folded into a fresh `init()` by `fold` on a worker thread, and `merge` receives these partial states
/// in file and row-group order (the order of a sequential read, so a merge that respects it — like
/// [`crate::census::BoundedMap::absorb`] — gives the result of one sequential fold). Only `columns`
/// are read (each must be one of the `events` columns an [`EventRow`] has): every other field of the
/// rows is `None`.
pub fn fold_events<S: Send>(
    files: &LineageFiles,
    filters: &Filters,
    columns: &[&str],
    init: impl Fn() -> S + Sync,
    fold: impl Fn(&mut S, &EventRow<'_>) + Sync,
    mut merge: impl FnMut(S),
) -> Result<(), CliError> {
    debug_assert!(columns.iter().all(|column| EVENT_COLUMNS.contains(column)));
    scan(
        files.of(Table::Events),
        columns,
        filters,
        |batch, path_node| {
            let columns = EventColumns::read(batch)?;
            let mut state = init();
            for row in 0..batch.num_rows() {
                if filters.keeps(
                    columns.time.get(row),
                    columns.keyspace.get(row),
                    columns.table.get(row),
                ) {
                    let kind = Kind::parse(columns.kind.get(row));
                    fold(&mut state, &columns.row(row, kind, path_node));
                }
            }
            Ok(state)
        },
        |state, _| merge(state),
    )
}

/// Calls `each` with every `flushes` row that passes the time and table filters.
pub fn scan_flushes(
    files: &LineageFiles,
    filters: &Filters,
    mut each: impl FnMut(&FlushRow<'_>),
) -> Result<(), CliError> {
    scan(
        files.of(Table::Flushes),
        &FLUSH_COLUMNS,
        filters,
        |batch, _| Ok((FlushColumns::read(batch)?, batch.num_rows())),
        |(columns, rows), path_node| {
            for row in 0..rows {
                let flush = FlushRow {
                    time: columns.time.get(row),
                    node: columns.node.get(row).or(path_node),
                    keyspace: columns.keyspace.get(row),
                    table: columns.table.get(row),
                    output_sstables: columns.output.len(row),
                    bytes_out: columns.bytes_out.get(row),
                };
                if filters.keeps(columns.time.get(row), flush.keyspace, flush.table) {
                    each(&flush);
                }
            }
        },
    )
}

/// Calls `each` with every `compactions` row that passes the time and table filters.
pub fn scan_compactions(
    files: &LineageFiles,
    filters: &Filters,
    mut each: impl FnMut(&CompactionRow<'_>),
) -> Result<(), CliError> {
    scan(
        files.of(Table::Compactions),
        &COMPACTION_COLUMNS,
        filters,
        |batch, _| Ok((CompactionColumns::read(batch)?, batch.num_rows())),
        |(columns, rows), path_node| {
            for row in 0..rows {
                let compaction = CompactionRow {
                    time: columns.time.get(row),
                    node: columns.node.get(row).or(path_node),
                    keyspace: columns.keyspace.get(row),
                    table: columns.table.get(row),
                    input_sstables: columns.input.len(row),
                    output_sstables: columns.output.len(row),
                    bytes_in: columns.bytes_in.get(row),
                    bytes_out: columns.bytes_out.get(row),
                    duration_us: columns.duration.get(row),
                };
                if filters.keeps(columns.time.get(row), compaction.keyspace, compaction.table) {
                    each(&compaction);
                }
            }
        },
    )
}

/// One `agent_stats` row: the agent's counters (totals since `agent_start_time`).
#[derive(Debug, Clone, Copy)]
pub struct AgentStatsRow<'a> {
    /// `node`, else the file's `node=` partition.
    pub node: Option<&'a str>,
    /// `stats_time`, µs since the epoch.
    pub stats_time: Option<i64>,
    /// `agent_start_time`, µs since the epoch.
    pub agent_start_time: Option<i64>,
    /// Every counter of [`COUNTER_FIELDS`], in that order: `None` when the file has no such column (an
    /// older core) or the value is NULL — unknown, not 0.
    pub counters: [Option<u64>; COUNTER_COUNT],
}

impl AgentStatsRow<'_> {
    /// The value of `counter`, `None` when unknown.
    pub fn get(&self, counter: &CounterField) -> Option<u64> {
        COUNTER_FIELDS
            .iter()
            .position(|field| field.name == counter.name)
            .and_then(|index| self.counters[index])
    }
}

/// The columns of `agent_stats` that say which agent a row is from and when.
const AGENT_STATS_IDENTITY: [&str; 3] =
    cdflow_core::columns!("agent_stats", ["stats_time", "node", "agent_start_time"]);

/// The columns read from `agent_stats`: the row's identity and every counter.
fn agent_stats_columns() -> Vec<&'static str> {
    let mut columns = AGENT_STATS_IDENTITY.to_vec();
    columns.extend(COUNTER_FIELDS.iter().map(|field| field.name));
    columns
}

/// Calls `each` with every `agent_stats` row (the time and table filters do not apply: the counters
/// are totals over the life of an agent).
pub fn scan_agent_stats(
    files: &LineageFiles,
    mut each: impl FnMut(&AgentStatsRow<'_>),
) -> Result<(), CliError> {
    scan(
        files.of(Table::AgentStats),
        &agent_stats_columns(),
        &Filters::default(),
        |batch, _| {
            let counters = COUNTER_FIELDS
                .iter()
                .map(|field| IntColumn::read(batch, field.name))
                .collect::<Result<Vec<_>, _>>()?;
            let [stats_time, node, start] = AGENT_STATS_IDENTITY;
            Ok((
                IntColumn::read(batch, stats_time)?,
                TextColumn::read(batch, node)?,
                IntColumn::read(batch, start)?,
                counters,
                batch.num_rows(),
            ))
        },
        |(stats_time, node, start, counters, rows), path_node| {
            for row in 0..rows {
                each(&AgentStatsRow {
                    node: node.get(row).or(path_node),
                    stats_time: stats_time.get(row),
                    agent_start_time: start.get(row),
                    counters: std::array::from_fn(|index| {
                        counters[index].get(row).map(|value| value.max(0) as u64)
                    }),
                });
            }
        },
    )
}

/// One `auth_events` row: a login attempt.
#[derive(Debug, Clone, Copy)]
pub struct AuthRow<'a> {
    /// `event_time`, µs since the epoch.
    pub time: Option<i64>,
    /// `node`, else the file's `node=` partition.
    pub node: Option<&'a str>,
    /// `user_name`: the role attempted.
    pub user: Option<&'a str>,
    /// `client_address`.
    pub client: Option<&'a str>,
    /// `session_id`.
    pub session_id: Option<&'a str>,
    /// `outcome`: `success` or `failure`.
    pub outcome: Option<&'a str>,
    /// `reason`: why a login failed.
    pub reason: Option<&'a str>,
    /// `owner` (identity map).
    pub owner: Option<&'a str>,
    /// `team` (identity map).
    pub team: Option<&'a str>,
    /// `identity_kind` (identity map).
    pub identity_kind: Option<&'a str>,
    /// `external_identity` (identity map).
    pub external_identity: Option<&'a str>,
}

/// Calls `each` with every `auth_events` row that passes the time filter (a login has no keyspace or
/// table: with `--keyspace` or `--table`, no login passes).
pub fn scan_auth_events(
    files: &LineageFiles,
    filters: &Filters,
    mut each: impl FnMut(&AuthRow<'_>),
) -> Result<(), CliError> {
    scan(
        files.of(Table::AuthEvents),
        &AUTH_COLUMNS,
        filters,
        |batch, _| {
            let columns = AuthColumns::read(batch)?;
            let kept: Vec<u32> = (0..batch.num_rows())
                .filter(|&row| filters.keeps(columns.time.get(row), None, None))
                .map(|row| row as u32)
                .collect();
            Ok((columns, kept))
        },
        |(columns, kept), path_node| {
            for row in kept {
                each(&columns.row(row as usize, path_node));
            }
        },
    )
}

table_columns! {
    /// The `auth_events` columns of one record batch.
    struct AuthColumns of "auth_events", listed in AUTH_COLUMNS {
        time: IntColumn = "event_time",
        node: TextColumn = "node",
        user: TextColumn = "user_name",
        client: TextColumn = "client_address",
        session: TextColumn = "session_id",
        outcome: TextColumn = "outcome",
        reason: TextColumn = "reason",
        owner: TextColumn = "owner",
        team: TextColumn = "team",
        kind: TextColumn = "identity_kind",
        external: TextColumn = "external_identity",
    }
}

impl AuthColumns {
    fn row<'a>(&'a self, row: usize, path_node: Option<&'a str>) -> AuthRow<'a> {
        AuthRow {
            time: self.time.get(row),
            node: self.node.get(row).or(path_node),
            user: self.user.get(row),
            client: self.client.get(row),
            session_id: self.session.get(row),
            outcome: self.outcome.get(row),
            reason: self.reason.get(row),
            owner: self.owner.get(row),
            team: self.team.get(row),
            identity_kind: self.kind.get(row),
            external_identity: self.external.get(row),
        }
    }
}

/// Reads every file not pruned by the filters, one row group per unit of work on every core
/// ([`crate::parallel_scan`]): `prepare` turns each record batch (with the file's `node=` partition)
/// into what `consume` needs, on a worker thread; `consume` sees the prepared batches in file and
/// row-group order, as a sequential read would.
fn scan<P: Send>(
    files: &[LineageFile],
    columns: &[&str],
    filters: &Filters,
    prepare: impl Fn(&RecordBatch, Option<&str>) -> Result<P, String> + Sync,
    mut consume: impl FnMut(P, Option<&str>),
) -> Result<(), CliError> {
    let wanted: Vec<&LineageFile> = files
        .iter()
        .filter(|file| !filters.skips_file(file))
        .collect();
    let units: Vec<(usize, usize)> = wanted
        .iter()
        .enumerate()
        .flat_map(|(index, file)| (0..file.footer.row_groups()).map(move |group| (index, group)))
        .collect();
    let mut progress = Progress::new(
        wanted
            .first()
            .map_or("lineage", |file| file.table.dir_name()),
        wanted.len(),
    );
    ordered(
        units.len(),
        worker_threads(),
        |unit| {
            let (index, group) = units[unit];
            let file = wanted[index];
            let mut prepared = Vec::new();
            for_each_batch_of(
                &file.path,
                &file.footer,
                vec![group],
                columns,
                &mut |batch| {
                    prepared.push(prepare(batch, file.node.as_deref())?);
                    Ok(())
                },
            )?;
            Ok(prepared)
        },
        |unit, prepared| {
            let (index, group) = units[unit];
            let file = wanted[index];
            for batch in prepared {
                consume(batch, file.node.as_deref());
            }
            if group + 1 == file.footer.row_groups() {
                progress.advance();
            }
            Ok(())
        },
    )
}
