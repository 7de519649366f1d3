//! The live model: what the followed journals and files say, as windowed buckets (1 s for the last
//! minute, 15 s for the last 15 minutes) and totals since `cdflow live` started. Edges come from the
//! core's own classifier ([`request_edges`], [`flush_edges`], [`compaction_edges`]) and vocabulary
//! ([`EdgeKind`], [`VertexKind`]), so the live graph and the `flows` table name the same things.
//!
//! Invariants: every id in the model is a global name id ([`Names`]); memory is bounded by the ring
//! sizes times the caps of [`super::bucket`]; every event observed adds exactly one to `events` of its
//! buckets and of the totals (an event older than a ring's oldest bucket misses only that ring).

use std::collections::BTreeMap;
use std::path::PathBuf;

use cdflow_core::flows::classify::{
    EdgeSink, EventClass, Request, compaction_edges, flush_edges, request_edges,
};
use cdflow_core::flows::key::{EdgeKey, EdgeKind, Scope, VertexKind};
use cdflow_core::stats::CountersSnapshot;

use super::bucket::{Bucket, EdgeSeriesKey, EdgeTotals, Hints};
use super::capped::CappedMap;
use super::names::Names;
use super::ring::Ring;

/// Width of the fine buckets (windows up to [`FINE_SPAN_S`]).
pub const FINE_WIDTH_US: i64 = 1_000_000;
/// Seconds the fine buckets cover.
pub const FINE_SPAN_S: i64 = 60;
/// Width of the coarse buckets (longer windows).
pub const COARSE_WIDTH_US: i64 = 15_000_000;
/// The longest window, seconds.
pub const MAX_WINDOW_S: i64 = 15 * 60;
/// The windows the page offers, seconds.
pub const WINDOWS_S: [i64; 6] = [10, 30, 60, 300, 600, 900];
/// Edge series of the cumulative latency histograms.
pub const MAX_EDGE_SERIES: usize = 2_048;

/// One `events` row as the live model needs it (global name ids).
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    /// Event time, µs since the epoch.
    pub time_us: i64,
    /// Its class (the core's, from its `kind`).
    pub class: EventClass,
    /// The request side (scope, role, client, coordinator, token, bytes, latency, hint target).
    pub request: Request,
    /// Deletions it carried.
    pub tombstones: u64,
    /// Keyed hash of its partition key (when the key file was readable).
    pub key_hash: Option<i64>,
    /// `cas_applied`.
    pub cas_applied: Option<bool>,
    /// `paxos_attempts`.
    pub paxos_attempts: Option<u64>,
}

/// A file or journal record the live view could not use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why, naming what is wrong.
    pub reason: String,
}

/// One agent run's last counters.
#[derive(Debug, Clone)]
pub struct AgentRun {
    /// Global id of its node (0 until an event of its journal names it).
    pub node: u32,
    /// When the counters were taken, µs.
    pub taken_at_us: i64,
    /// The counters.
    pub counters: CountersSnapshot,
}

/// A followed journal.
#[derive(Debug, Clone, Default)]
pub struct JournalStatus {
    /// The segment being read.
    pub segment: PathBuf,
    /// Bytes of it read.
    pub offset: u64,
    /// Batches decoded from this journal.
    pub batches: u64,
    /// Events decoded from this journal.
    pub events: u64,
}

/// What the live view follows and what it skipped.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The lineage directories given.
    pub dirs: Vec<PathBuf>,
    /// Those that do not exist (yet): waited for.
    pub waiting_for: Vec<PathBuf>,
    /// Journals followed, by directory.
    pub journals: BTreeMap<PathBuf, JournalStatus>,
    /// Closed Parquet files read at start.
    pub files_read: u64,
    /// Rows read from them.
    pub history_rows: u64,
    /// Files and records skipped.
    pub skipped: Vec<Skipped>,
    /// When `cdflow live` started, µs.
    pub started_us: i64,
    /// Latest event time seen, µs.
    pub last_event_us: i64,
    /// Wall clock of the last batch read from a journal, µs.
    pub last_read_us: i64,
    /// Where partition-key hashes come from (the key file), or why there are none (tokens only).
    pub partition_hashes: String,
}

/// The live model.
#[derive(Debug)]
pub struct Model {
    /// Global names.
    pub names: Names,
    fine: Ring,
    coarse: Ring,
    /// Totals since the start (history files included).
    pub totals: Bucket,
    /// Cumulative per-edge totals and latencies (the `/metrics` histograms).
    pub edge_series: CappedMap<EdgeSeriesKey, EdgeTotals>,
    /// Agent runs by their start time (µs), from journal counters and `agent_stats`.
    pub agents: BTreeMap<i64, AgentRun>,
    /// Following status.
    pub status: Status,
}

impl Model {
    /// An empty model.
    pub fn new(dirs: Vec<PathBuf>, started_us: i64) -> Self {
        Model {
            names: Names::default(),
            fine: Ring::new(FINE_WIDTH_US, FINE_SPAN_S as usize + 2),
            coarse: Ring::new(
                COARSE_WIDTH_US,
                (MAX_WINDOW_S * 1_000_000 / COARSE_WIDTH_US) as usize + 2,
            ),
            totals: Bucket::new(0),
            edge_series: CappedMap::new(MAX_EDGE_SERIES),
            agents: BTreeMap::new(),
            status: Status {
                dirs,
                started_us,
                ..Status::default()
            },
        }
    }

    /// The buckets of the last `window_s` seconds before `now_us` (the finer ring when it covers it).
    pub fn window(&self, now_us: i64, window_s: i64) -> impl Iterator<Item = &Bucket> {
        let window_s = window_s.clamp(1, MAX_WINDOW_S);
        let ring = if window_s <= FINE_SPAN_S {
            &self.fine
        } else {
            &self.coarse
        };
        ring.window(now_us, window_s * 1_000_000)
    }

    /// Adds one `events` row.
    pub fn observe(&mut self, event: &Observation) {
        let kind_name = match event.class {
            EventClass::Other(kind) => self.names.get(kind).to_owned(),
            _ => String::new(),
        };
        self.status.last_event_us = self.status.last_event_us.max(event.time_us);
        let mut targets = self.targets(event.time_us);
        let request = &event.request;
        request_edges(event.class, request, &mut targets);
        for bucket in targets.buckets() {
            count_request(bucket, event, &kind_name);
        }
    }

    /// Adds one `flushes` row.
    pub fn flush(&mut self, time_us: i64, scope: Scope, bytes_out: u64) {
        self.status.last_event_us = self.status.last_event_us.max(time_us);
        let mut targets = self.targets(time_us);
        flush_edges(scope, bytes_out, &mut targets);
        for bucket in targets.buckets() {
            bucket.events += 1;
        }
    }

    /// Adds one `compactions` row.
    pub fn compaction(
        &mut self,
        time_us: i64,
        scope: Scope,
        bytes_in: u64,
        bytes_out: u64,
        duration_us: Option<u64>,
    ) {
        self.status.last_event_us = self.status.last_event_us.max(time_us);
        let mut targets = self.targets(time_us);
        compaction_edges(scope, bytes_in, bytes_out, duration_us, &mut targets);
        for bucket in targets.buckets() {
            bucket.events += 1;
        }
    }

    /// Records an agent run's counters (the newest snapshot of a run wins).
    pub fn agent_counters(
        &mut self,
        agent_start_us: i64,
        node: u32,
        taken_at_us: i64,
        counters: CountersSnapshot,
    ) {
        let run = self.agents.entry(agent_start_us).or_insert(AgentRun {
            node,
            taken_at_us: i64::MIN,
            counters: CountersSnapshot::default(),
        });
        if node != 0 {
            run.node = node;
        }
        if taken_at_us >= run.taken_at_us {
            run.taken_at_us = taken_at_us;
            run.counters = counters;
        }
    }

    /// Records a skipped file or record (once per path and reason).
    pub fn skip(&mut self, path: PathBuf, reason: String) {
        let skipped = Skipped { path, reason };
        if !self.status.skipped.contains(&skipped) {
            self.status.skipped.push(skipped);
        }
    }

    fn targets(&mut self, time_us: i64) -> Targets<'_> {
        Targets {
            fine: self.fine.bucket(time_us),
            coarse: self.coarse.bucket(time_us),
            totals: &mut self.totals,
            series: &mut self.edge_series,
        }
    }
}

/// The buckets an event goes to, as the core classifier's sink.
struct Targets<'m> {
    fine: Option<&'m mut Bucket>,
    coarse: Option<&'m mut Bucket>,
    totals: &'m mut Bucket,
    series: &'m mut CappedMap<EdgeSeriesKey, EdgeTotals>,
}

impl Targets<'_> {
    fn buckets(&mut self) -> impl Iterator<Item = &mut Bucket> {
        self.fine
            .as_deref_mut()
            .into_iter()
            .chain(self.coarse.as_deref_mut())
            .chain(std::iter::once(&mut *self.totals))
    }
}

impl EdgeSink for Targets<'_> {
    fn edge(&mut self, key: &EdgeKey, bytes: u64, latency_us: Option<u64>) {
        for bucket in self.buckets() {
            bucket.edges.entry(*key).add(bytes, latency_us);
        }
        let table = if key.source.kind.is_per_table() || key.target.kind.is_per_table() {
            (key.scope.keyspace, key.scope.table)
        } else {
            (0, 0)
        };
        self.series
            .entry((key.kind, key.source, key.target, table))
            .add(bytes, latency_us);
    }

    /// Partitions are counted by [`count_request`] (with the keyed hash), not here.
    fn partition(&mut self, _kind: EdgeKind, _scope: Scope, _token: i64, _bytes: u64) {}
}

/// Traffic, partitions, LWTs and hints of one request row in one bucket.
fn count_request(bucket: &mut Bucket, event: &Observation, kind_name: &str) {
    bucket.events += 1;
    let request = &event.request;
    let scope = request.scope;
    match event.class {
        EventClass::CoordinatorWrite | EventClass::CoordinatorRead => {
            let write = event.class == EventClass::CoordinatorWrite;
            let traffic =
                bucket
                    .traffic
                    .entry((scope.node, scope.keyspace, scope.table, request.user));
            if write {
                traffic.writes += 1;
                traffic.write_bytes += request.bytes;
                traffic.tombstones += event.tombstones;
            } else {
                traffic.reads += 1;
                traffic.read_bytes += request.bytes;
            }
            if let Some(token) = request.token {
                let partition = bucket
                    .partitions
                    .entry((scope.keyspace, scope.table, token));
                partition.count += 1;
                partition.bytes += request.bytes;
                if event.key_hash.is_some() {
                    partition.key_hash = event.key_hash;
                }
            }
            if event.cas_applied.is_some() || event.paxos_attempts.is_some() {
                let lwt = bucket
                    .lwt
                    .entry((scope.keyspace, scope.table, request.user));
                lwt.requests += 1;
                lwt.not_applied += u64::from(event.cas_applied == Some(false));
                let attempts = event.paxos_attempts.unwrap_or(1);
                lwt.attempts += attempts;
                lwt.contended += u64::from(attempts > 1);
            }
        }
        EventClass::ReplicaWrite => {
            bucket
                .traffic
                .entry((scope.node, scope.keyspace, scope.table, 0))
                .replica_writes += 1;
        }
        EventClass::Other(_) => {
            let target = if request.hint_target != 0 {
                request.hint_target
            } else {
                scope.node
            };
            let hints: &mut Hints = match kind_name {
                "hint_write" | "hint_replay" => bucket.hints.entry(target),
                _ => return,
            };
            if kind_name == "hint_write" {
                hints.written += 1;
            } else {
                hints.replayed += 1;
            }
        }
        EventClass::ReplicaRead | EventClass::ConditionRead => {}
    }
}

/// The vertex kinds a graph column stands for, left to right (the page's layout).
pub const COLUMNS: [&[VertexKind]; 6] = [
    &[VertexKind::Role, VertexKind::Client, VertexKind::Internal],
    &[VertexKind::Coordinator],
    &[VertexKind::Replica],
    &[VertexKind::Memtable],
    &[VertexKind::Sstables],
    &[VertexKind::Compaction],
];
