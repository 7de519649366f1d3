//! What the live view counts per time bucket (and, with the same types, since it started): edges of the
//! core's flow vocabulary, traffic per node/table/role, partitions, LWTs and hints. Every map is capped
//! ([`CappedMap`]): memory per bucket is bounded whatever the number of tables, roles or partitions.

use cdflow_core::flows::key::{EdgeKey, EdgeKind, VertexKey};

use super::capped::CappedMap;
use super::latency::LatencyHistogram;

/// Edges kept per bucket.
pub const MAX_EDGES: usize = 4_096;
/// (node, table, role) combinations kept per bucket.
pub const MAX_TRAFFIC: usize = 4_096;
/// Partitions kept per bucket.
pub const MAX_PARTITIONS: usize = 2_048;
/// (table, role) LWT combinations kept per bucket.
pub const MAX_LWT: usize = 1_024;
/// Hint targets kept.
pub const MAX_HINT_TARGETS: usize = 256;

/// (node, keyspace, table, role) as global name ids; role 0 for replica rows (they carry none).
pub type TrafficKey = (u32, u32, u32, u32);
/// (keyspace, table, token).
pub type PartitionKey = (u32, u32, i64);
/// (keyspace, table, role).
pub type LwtKey = (u32, u32, u32);
/// (edge kind, source, target, (keyspace, table) of per-table vertices else (0, 0)): an edge of the
/// cumulative histograms, across observing nodes.
pub type EdgeSeriesKey = (EdgeKind, VertexKey, VertexKey, (u32, u32));

/// Requests of one (node, table, role).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Client writes coordinated (every write path, LWTs included).
    pub writes: u64,
    /// Client reads coordinated (SELECTs; an LWT's condition read is not one).
    pub reads: u64,
    /// Bytes of those writes.
    pub write_bytes: u64,
    /// Bytes of those reads.
    pub read_bytes: u64,
    /// Deletions the writes carried.
    pub tombstones: u64,
    /// Writes applied as a replica.
    pub replica_writes: u64,
}

impl Traffic {
    /// Adds another.
    pub fn merge(&mut self, other: &Traffic) {
        self.writes += other.writes;
        self.reads += other.reads;
        self.write_bytes += other.write_bytes;
        self.read_bytes += other.read_bytes;
        self.tombstones += other.tombstones;
        self.replica_writes += other.replica_writes;
    }
}

/// One edge's events, bytes and latencies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EdgeTotals {
    /// Events.
    pub count: u64,
    /// Bytes.
    pub bytes: u64,
    /// Latencies of the events that carried one.
    pub latency: LatencyHistogram,
}

impl EdgeTotals {
    /// Adds one event.
    pub fn add(&mut self, bytes: u64, latency_us: Option<u64>) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        if let Some(latency) = latency_us {
            self.latency.record(latency);
        }
    }

    /// Adds another.
    pub fn merge(&mut self, other: &EdgeTotals) {
        self.count += other.count;
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.latency.merge(&other.latency);
    }
}

/// One partition's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PartitionCount {
    /// Requests.
    pub count: u64,
    /// Bytes.
    pub bytes: u64,
    /// Keyed hash of the partition key (as `partition_key_hash`), when the key file was readable.
    pub key_hash: Option<i64>,
}

/// Lightweight transactions of one (table, role).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lwt {
    /// LWTs seen by their coordinator.
    pub requests: u64,
    /// Of which not applied (`cas_applied = false`).
    pub not_applied: u64,
    /// Paxos attempts summed.
    pub attempts: u64,
    /// LWTs that needed more than one attempt (contention).
    pub contended: u64,
}

impl Lwt {
    /// Adds another.
    pub fn merge(&mut self, other: &Lwt) {
        self.requests += other.requests;
        self.not_applied += other.not_applied;
        self.attempts += other.attempts;
        self.contended += other.contended;
    }
}

/// Hints for one target node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hints {
    /// `hint_write` events (hints stored for the target).
    pub written: u64,
    /// `hint_replay` events (hints delivered to it).
    pub replayed: u64,
}

/// Everything counted in one bucket of time (or since the start).
#[derive(Debug, Clone)]
pub struct Bucket {
    /// First µs of the bucket.
    pub start_us: i64,
    /// Events counted.
    pub events: u64,
    /// Edges (observing node and table in their scope).
    pub edges: CappedMap<EdgeKey, EdgeTotals>,
    /// Requests per node, table and role.
    pub traffic: CappedMap<TrafficKey, Traffic>,
    /// Partitions written or read by clients.
    pub partitions: CappedMap<PartitionKey, PartitionCount>,
    /// LWTs.
    pub lwt: CappedMap<LwtKey, Lwt>,
    /// Hints per target (global id of its address).
    pub hints: CappedMap<u32, Hints>,
}

impl Bucket {
    /// An empty bucket starting at `start_us`.
    pub fn new(start_us: i64) -> Self {
        Bucket {
            start_us,
            events: 0,
            edges: CappedMap::new(MAX_EDGES),
            traffic: CappedMap::new(MAX_TRAFFIC),
            partitions: CappedMap::new(MAX_PARTITIONS),
            lwt: CappedMap::new(MAX_LWT),
            hints: CappedMap::new(MAX_HINT_TARGETS),
        }
    }

    /// Updates that found a map full (shown as "cardinality capped").
    pub fn capped_updates(&self) -> u64 {
        self.edges.capped_updates
            + self.traffic.capped_updates
            + self.partitions.capped_updates
            + self.lwt.capped_updates
            + self.hints.capped_updates
    }
}
