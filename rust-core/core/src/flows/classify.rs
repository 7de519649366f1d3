//! Which edges an event adds (docs/schema.md, `flows`).
//!
//! - `coordinator_write` and `cas` / `coordinator_read`: client → coordinator (`write` / `read`, with
//!   latency), and the partition written or read (`partition_write` / `partition_read`, when the token is
//!   known); a `coordinator_read` no SELECT made (an LWT's condition read) is a `condition_read` edge
//!   coordinator → replica (the node itself) instead;
//! - `replica_write` and `paxos_commit`: coordinator → replica (`replica_write`, with latency; the coordinator is the node
//!   itself when applied locally); replica → memtable (`memtable_write`) is derived from these edges
//!   when the window is written ([`super::rows`]), so a replica write costs one edge lookup;
//! - `replica_read`: coordinator → replica (`replica_read`);
//! - any other `events` kind (`hint_write`, `hint_replay`, …): an edge of that name from the
//!   coordinator (else the node) to `hint_target` (else the node);
//! - `flushes`: memtable → SSTables (`flush`, bytes written);
//! - `compactions`: SSTables → compaction (`compaction_read`, bytes in) and compaction → SSTables
//!   (`compaction_write`, bytes out, latency = duration);
//! - `sstables` and `auth_events` rows add nothing (flushes and compactions already carry their moves).

use crate::decode::fields::{FieldValue, id};
use crate::decode::wire::{EventKind, MutationEvent, TaggedEvent};
use crate::tables::LineageTable;

use super::key::{EdgeKey, EdgeKind, Scope, VertexKey, VertexKind};

/// The role an `events` row plays, from its `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    /// `coordinator_write`.
    CoordinatorWrite,
    /// `replica_write`.
    ReplicaWrite,
    /// `coordinator_read`.
    CoordinatorRead,
    /// `replica_read`.
    ReplicaRead,
    /// A `coordinator_read` no SELECT made: an LWT's condition read ([`EventClass::refined`]).
    ConditionRead,
    /// Any other kind (its string id).
    Other(u32),
}

impl EventClass {
    /// The class of kind name `name` (string id `kind_id`).
    pub fn of_name(name: &str, kind_id: u32) -> Self {
        match name {
            // an LWT (`cas`) is a write request like any other (crate::enrich::access); its commit, applied
            // on each replica (`paxos_commit`), a replica write
            "coordinator_write" | "cas" => EventClass::CoordinatorWrite,
            "replica_write" | "paxos_commit" => EventClass::ReplicaWrite,
            "coordinator_read" => EventClass::CoordinatorRead,
            "replica_read" => EventClass::ReplicaRead,
            _ => EventClass::Other(kind_id),
        }
    }

    /// A `coordinator_read` that no SELECT made becomes [`EventClass::ConditionRead`] (the one rule:
    /// [`crate::enrich::access::read_is_select`]); every other class stays.
    pub fn refined(self, rows_returned: bool, error: bool, range_scan: Option<bool>) -> Self {
        if self == EventClass::CoordinatorRead
            && !crate::enrich::access::read_is_select(rows_returned, error, range_scan)
        {
            EventClass::ConditionRead
        } else {
            self
        }
    }
}

/// What the classifier hands to the window: an edge event or a partition event.
pub trait EdgeSink {
    /// One event on edge `key`.
    fn edge(&mut self, key: &EdgeKey, bytes: u64, latency_us: Option<u64>);
    /// One event on partition `token` of `scope`'s table.
    fn partition(&mut self, kind: EdgeKind, scope: Scope, token: i64, bytes: u64);
}

/// The request side of an `events` row: what a client → coordinator or coordinator → replica edge
/// needs (string ids, 0 = absent). `cdflow graph` fills it from the `events` table to classify rows
/// exactly as the core does.
#[derive(Debug, Clone, Copy)]
pub struct Request {
    /// Observing node, keyspace and table.
    pub scope: Scope,
    /// `user_name`.
    pub user: u32,
    /// `client_address`.
    pub client_address: u32,
    /// `coordinator`.
    pub coordinator: u32,
    /// `applied_locally`.
    pub applied_locally: bool,
    /// `token` (partition edges).
    pub token: Option<i64>,
    /// `bytes`.
    pub bytes: u64,
    /// `latency_us`.
    pub latency_us: Option<u64>,
    /// `hint_target`.
    pub hint_target: u32,
}

/// Adds the edges of a MUTATION_EVENT.
#[inline]
pub fn mutation_edges(event: &MutationEvent<'_>, sink: &mut impl EdgeSink) {
    let request = Request {
        scope: Scope {
            node: event.node,
            keyspace: event.keyspace,
            table: event.table,
        },
        user: event.user,
        client_address: event.client_address,
        coordinator: event.coordinator,
        applied_locally: event.applied_locally(),
        token: Some(event.token),
        bytes: u64::from(event.bytes),
        latency_us: u64::try_from(event.latency_us).ok(),
        hint_target: 0,
    };
    let class = match event.kind {
        EventKind::CoordinatorWrite => EventClass::CoordinatorWrite,
        EventKind::ReplicaWrite => EventClass::ReplicaWrite,
    };
    request_edges(class, &request, sink);
}

/// Adds the edges of a TAGGED_EVENT whose `events` kind is `class` (ignored for other tables).
pub fn tagged_edges(event: &TaggedEvent<'_>, class: Option<EventClass>, sink: &mut impl EdgeSink) {
    let string = |field| {
        event
            .field(field)
            .and_then(FieldValue::as_string_id)
            .unwrap_or(0)
    };
    let number = |field| event.field(field).and_then(FieldValue::as_i64);
    let unsigned = |field| number(field).and_then(|value| u64::try_from(value).ok());
    let scope = Scope {
        node: event.node(),
        keyspace: string(id::KEYSPACE),
        table: string(id::TABLE),
    };
    match event.table {
        LineageTable::Events => {
            let Some(class) = class else {
                return;
            };
            let class = class.refined(
                event.field(id::ROWS_RETURNED).is_some(),
                event.field(id::ERROR).is_some(),
                event.field(id::RANGE_SCAN).and_then(FieldValue::as_bool),
            );
            let request = Request {
                scope,
                user: string(id::USER),
                client_address: string(id::CLIENT_ADDRESS),
                coordinator: string(id::COORDINATOR),
                applied_locally: event
                    .field(id::APPLIED_LOCALLY)
                    .and_then(FieldValue::as_bool)
                    .unwrap_or(false),
                token: number(id::TOKEN),
                bytes: unsigned(id::BYTES).unwrap_or(0),
                latency_us: unsigned(id::LATENCY_US),
                hint_target: string(id::HINT_TARGET),
            };
            request_edges(class, &request, sink);
        }
        LineageTable::Flushes => flush_edges(scope, unsigned(id::BYTES_OUT).unwrap_or(0), sink),
        LineageTable::Compactions => compaction_edges(
            scope,
            unsigned(id::BYTES_IN).unwrap_or(0),
            unsigned(id::BYTES_OUT).unwrap_or(0),
            unsigned(id::DURATION_US),
            sink,
        ),
        LineageTable::Sstables | LineageTable::AuthEvents => {}
    }
}

/// Adds the edge of a `flushes` row: memtable → SSTables, `bytes_out`.
pub fn flush_edges(scope: Scope, bytes_out: u64, sink: &mut impl EdgeSink) {
    let key = table_edge(
        EdgeKind::Flush,
        VertexKind::Memtable,
        VertexKind::Sstables,
        scope,
    );
    sink.edge(&key, bytes_out, None);
}

/// Adds the edges of a `compactions` row: SSTables → compaction (`bytes_in`) and compaction →
/// SSTables (`bytes_out`, latency = `duration_us`).
pub fn compaction_edges(
    scope: Scope,
    bytes_in: u64,
    bytes_out: u64,
    duration_us: Option<u64>,
    sink: &mut impl EdgeSink,
) {
    let read = table_edge(
        EdgeKind::CompactionRead,
        VertexKind::Sstables,
        VertexKind::Compaction,
        scope,
    );
    sink.edge(&read, bytes_in, None);
    let write = table_edge(
        EdgeKind::CompactionWrite,
        VertexKind::Compaction,
        VertexKind::Sstables,
        scope,
    );
    sink.edge(&write, bytes_out, duration_us);
}

fn table_edge(kind: EdgeKind, from: VertexKind, to: VertexKind, scope: Scope) -> EdgeKey {
    EdgeKey {
        kind,
        source: VertexKey::of_table(from),
        target: VertexKey::of_table(to),
        scope,
    }
}

/// Adds the edges of an `events` row of class `class`: the one classifier of requests, shared by the
/// core's aggregation and `cdflow graph`.
#[inline]
pub fn request_edges(class: EventClass, request: &Request, sink: &mut impl EdgeSink) {
    let scope = request.scope;
    let node = scope.node;
    let coordinator = if request.applied_locally || request.coordinator == 0 {
        node
    } else {
        request.coordinator
    };
    let edge = |kind, source, target| EdgeKey {
        kind,
        source,
        target,
        scope,
    };
    match class {
        EventClass::CoordinatorWrite | EventClass::CoordinatorRead => {
            let (kind, partition_kind) = if class == EventClass::CoordinatorWrite {
                (EdgeKind::Write, EdgeKind::PartitionWrite)
            } else {
                (EdgeKind::Read, EdgeKind::PartitionRead)
            };
            let client = client_vertex(request.user, request.client_address);
            let key = edge(kind, client, VertexKey::new(VertexKind::Coordinator, node));
            sink.edge(&key, request.bytes, request.latency_us);
            if let Some(token) = request.token {
                sink.partition(partition_kind, scope, token, request.bytes);
            }
        }
        EventClass::ReplicaWrite | EventClass::ReplicaRead => {
            let kind = if class == EventClass::ReplicaWrite {
                EdgeKind::ReplicaWrite
            } else {
                EdgeKind::ReplicaRead
            };
            let replica = VertexKey::new(VertexKind::Replica, node);
            let from = VertexKey::new(VertexKind::Coordinator, coordinator);
            sink.edge(
                &edge(kind, from, replica),
                request.bytes,
                request.latency_us,
            );
        }
        EventClass::ConditionRead => {
            let key = edge(
                EdgeKind::ConditionRead,
                VertexKey::new(VertexKind::Coordinator, node),
                VertexKey::new(VertexKind::Replica, node),
            );
            sink.edge(&key, request.bytes, request.latency_us);
        }
        EventClass::Other(kind_id) => {
            let target = if request.hint_target != 0 {
                request.hint_target
            } else {
                node
            };
            let key = edge(
                EdgeKind::OtherKind(kind_id),
                VertexKey::new(VertexKind::Coordinator, coordinator),
                VertexKey::new(VertexKind::Replica, target),
            );
            sink.edge(&key, request.bytes, request.latency_us);
        }
    }
}

/// The role if any, else the client address, else `internal`.
fn client_vertex(user: u32, client_address: u32) -> VertexKey {
    if user != 0 {
        VertexKey::new(VertexKind::Role, user)
    } else if client_address != 0 {
        VertexKey::new(VertexKind::Client, client_address)
    } else {
        VertexKey::new(VertexKind::Internal, 0)
    }
}

/// The string id of a tagged `events` row's kind, when it is interned (STR) — the usual case.
pub fn tagged_kind_id(event: &TaggedEvent<'_>) -> Option<u32> {
    event.field(id::KIND).and_then(FieldValue::as_string_id)
}
