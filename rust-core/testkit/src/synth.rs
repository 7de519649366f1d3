//! Synthetic but realistic lineage for the benchmarks (docs/performance.md, "Analyst queries and the
//! core's limits"): client operations of a small cluster turned into the agent's wire format (batches of
//! MUTATION_EVENT and TAGGED_EVENT records, docs/wire-format.md), one buffer per node, each batch cut at
//! the agent's default `buffer_bytes` like a real per-thread buffer.
//!
//! The shape: `nodes` nodes, `tables` tables in 10 keyspaces, table popularity and partitions within a
//! table both skewed P(k) ∝ 1/(k+1) (as tests/bench/loadgen); 70 % writes (one coordinator_write plus
//! three replica_writes, RF 3, one of them applied locally when the coordinator is a replica), 30 %
//! reads (one coordinator_read plus one or two replica_reads); 5 % of writes are deletes (tombstones);
//! 20 roles, also skewed. Simulated time advances at `ops_per_second` from a fixed day.

use crate::batch::{BatchBuilder, TAGGED_EVENT};
use crate::fields::{bool_field, bytes_field, i64_field, id, str_field};
use crate::mutation_event::{FIXED_BYTES, MUTATION_EVENT, MutationFixed};
use crate::rng::Rng;

/// The agent's default per-thread buffer (`buffer_bytes`): a batch is cut when the next record does not fit.
pub const BATCH_BYTES: usize = 16_384;
/// 2026-11-24T00:00:00Z in µs: every simulated event falls on this day unless the run is very long.
pub const DAY_START_US: i64 = 1_795_478_400_000_000;

const KEYSPACES: usize = 10;
const ROLES: usize = 20;
const CLIENTS_PER_NODE: usize = 8;
const REPLICATION: usize = 3;

/// String ids: assigned once, defined through `Pipeline::define` before any event.
pub struct Strings {
    pub defs: Vec<(u32, String)>,
    pub nodes: Vec<u32>,
    pub keyspace_of_table: Vec<u32>,
    pub tables: Vec<u32>,
    pub roles: Vec<u32>,
    pub clients: Vec<u32>,
    pub driver_name: u32,
    pub driver_version: u32,
    pub statements: [u32; 5],
    pub kinds: [u32; 2],
    pub timeout_error: u32,
}

impl Strings {
    pub fn new(nodes: usize, tables: usize) -> Strings {
        let mut defs = Vec::new();
        let mut intern = |text: String| {
            let id = defs.len() as u32 + 1;
            defs.push((id, text));
            id
        };
        let node_ids = (0..nodes)
            .map(|n| intern(format!("10.0.0.{}", n + 1)))
            .collect();
        let keyspaces: Vec<u32> = (0..KEYSPACES).map(|k| intern(format!("app_{k}"))).collect();
        let keyspace_of_table = (0..tables).map(|t| keyspaces[t % KEYSPACES]).collect();
        let table_ids = (0..tables)
            .map(|t| intern(format!("table_{t:03}")))
            .collect();
        let roles = (0..ROLES).map(|r| intern(format!("svc_{r:02}"))).collect();
        let clients = (0..nodes * CLIENTS_PER_NODE)
            .map(|c| intern(format!("10.1.{}.{}:{}", c / 200, c % 200 + 1, 40_000 + c)))
            .collect();
        Strings {
            nodes: node_ids,
            keyspace_of_table,
            tables: table_ids,
            roles,
            clients,
            driver_name: intern("DataStax Java driver for Apache Cassandra(R)".to_owned()),
            driver_version: intern("4.19.0".to_owned()),
            statements: ["INSERT", "UPDATE", "DELETE", "BATCH_LOGGED", "SELECT"]
                .map(|s| intern(s.to_owned())),
            kinds: ["coordinator_read", "replica_read"].map(|s| intern(s.to_owned())),
            timeout_error: intern("WriteTimeoutException".to_owned()),
            defs,
        }
    }

    /// One batch of STRING_DEF records defining every id (for `Pipeline::define`).
    pub fn define_batch(&self) -> Vec<u8> {
        let mut builder = BatchBuilder::new(usize::MAX);
        for (id, text) in &self.defs {
            builder.string_def(*id, text);
        }
        builder.take().0
    }
}

/// The generator: operations → events in per-node batches.
pub struct Workload {
    pub strings: Strings,
    rng: Rng,
    partitions: u64,
    ops_per_second: u64,
    /// Simulated time of the first operation (µs since the epoch); `DAY_START_US` unless `starting_at`.
    start_us: i64,
    op: u64,
    message_id: i64,
    /// Only the events observed by these nodes are kept (all nodes when it holds every index).
    observed: Vec<bool>,
    buffers: Vec<BatchBuilder>,
}

impl Workload {
    pub fn new(
        nodes: usize,
        tables: usize,
        partitions: u64,
        ops_per_second: u64,
        seed: u64,
    ) -> Workload {
        Workload {
            strings: Strings::new(nodes, tables),
            rng: Rng::new(seed),
            partitions,
            ops_per_second,
            start_us: DAY_START_US,
            op: 0,
            message_id: 1,
            observed: vec![true; nodes],
            buffers: (0..nodes).map(|_| BatchBuilder::new(BATCH_BYTES)).collect(),
        }
    }

    /// Starts the simulated time at `start_us` instead of `DAY_START_US`.
    pub fn starting_at(mut self, start_us: i64) -> Workload {
        self.start_us = start_us;
        self
    }

    /// Keeps only the events node `index` observes (what one node's agent sees).
    pub fn observe_only(mut self, index: usize) -> Workload {
        for (n, observed) in self.observed.iter_mut().enumerate() {
            *observed = n == index;
        }
        self
    }

    /// Generates one client operation; every batch that filled up meanwhile goes to `emit`
    /// as (bytes, event count).
    pub fn next_op(&mut self, emit: &mut impl FnMut(Vec<u8>, u32)) {
        let nodes = self.strings.nodes.len();
        let time = self.start_us + (self.op as i64 * 1_000_000) / self.ops_per_second as i64;
        self.op += 1;
        let table = self.rng.skewed(self.strings.tables.len() as u64) as usize;
        let rank = self.rng.skewed(self.partitions);
        let key = (rank.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ table as u64).to_le_bytes();
        let token = self.rng.mix(rank ^ ((table as u64) << 40)) as i64;
        let first_replica = (token as u64 % nodes as u64) as usize;
        let coordinator = self.rng.below(nodes as u64) as usize;
        let op = Op {
            time,
            table,
            key,
            token,
            coordinator,
            role: self.rng.skewed(ROLES as u64) as usize,
            client: coordinator * CLIENTS_PER_NODE
                + self.rng.below(CLIENTS_PER_NODE as u64) as usize,
            replicas: (0..REPLICATION)
                .map(|r| (first_replica + r) % nodes)
                .collect(),
        };
        if self.rng.below(10) < 7 {
            self.write(&op, emit);
        } else {
            self.read(&op, emit);
        }
    }

    fn write(&mut self, op: &Op, emit: &mut impl FnMut(Vec<u8>, u32)) {
        let roll = self.rng.below(100);
        let (statement, tombstones, cells) = match roll {
            0..75 => (0, 0, 1 + self.rng.below(8) as u32),
            75..90 => (1, 0, 1 + self.rng.below(3) as u32),
            90..95 => (2, 1, 0),
            _ => (3, 0, 2 + self.rng.below(10) as u32),
        };
        let bytes = 40 + cells * (30 + self.rng.below(200) as u32);
        let failed = self.rng.below(10_000) == 0;
        let s = &self.strings;
        let mut event = Mutation {
            fixed: MutationFixed {
                event_time_us: op.time,
                kind: 1,
                consistency: 6,
                flags: if failed { 2 } else { 0 },
                node: s.nodes[op.coordinator],
                keyspace: s.keyspace_of_table[op.table],
                table: s.tables[op.table],
                user: s.roles[op.role],
                client_address: s.clients[op.client],
                driver_name: s.driver_name,
                driver_version: s.driver_version,
                statement_type: s.statements[statement],
                coordinator: s.nodes[op.coordinator],
                error: if failed { s.timeout_error } else { 0 },
                token: op.token,
                message_id: -1,
                latency_us: 300 + self.rng.skewed(20_000) as i64,
                bytes,
                rows: 1,
                cells,
                tombstones,
                ttl_cells: 0,
                replicas: REPLICATION as u16,
            },
            key: op.key,
        };
        self.emit_mutation(op.coordinator, &event, emit);
        for &replica in &op.replicas {
            let local = replica == op.coordinator;
            let fixed = &mut event.fixed;
            fixed.kind = 2;
            fixed.flags = u16::from(local);
            fixed.node = self.strings.nodes[replica];
            fixed.error = 0;
            fixed.replicas = 0;
            fixed.event_time_us = op.time + 50 + self.rng.below(400) as i64;
            fixed.latency_us = if local {
                -1
            } else {
                100 + self.rng.skewed(5_000) as i64
            };
            fixed.message_id = if local { -1 } else { self.next_message_id() };
            self.emit_mutation(replica, &event, emit);
        }
    }

    fn read(&mut self, op: &Op, emit: &mut impl FnMut(Vec<u8>, u32)) {
        let quorum = self.rng.below(2) == 0;
        let returned = self.rng.below(20) as i64;
        let s = &self.strings;
        let mut event = Read {
            time_us: op.time,
            node: s.nodes[op.coordinator],
            keyspace: s.keyspace_of_table[op.table],
            table: s.tables[op.table],
            kind: s.kinds[0],
            user: s.roles[op.role],
            client_address: s.clients[op.client],
            driver_name: s.driver_name,
            statement_type: s.statements[4],
            consistency: if quorum { 6 } else { 10 },
            coordinator: s.nodes[op.coordinator],
            token: op.token,
            key: op.key,
            latency_us: 200 + self.rng.skewed(20_000) as i64,
            rows: returned,
        };
        self.emit_read(op.coordinator, &event, emit, None);
        for &replica in op.replicas.iter().take(if quorum { 2 } else { 1 }) {
            event.kind = self.strings.kinds[1];
            event.node = self.strings.nodes[replica];
            event.time_us = op.time + 30 + self.rng.below(300) as i64;
            event.latency_us = 50 + self.rng.skewed(5_000) as i64;
            let tombstones = if self.rng.below(50) == 0 {
                self.rng.skewed(5_000) as i64
            } else {
                0
            };
            self.emit_read(replica, &event, emit, Some(tombstones));
        }
    }

    fn next_message_id(&mut self) -> i64 {
        self.message_id += 1;
        self.message_id
    }

    fn emit_mutation(
        &mut self,
        node: usize,
        event: &Mutation,
        emit: &mut impl FnMut(Vec<u8>, u32),
    ) {
        if !self.observed[node] {
            return;
        }
        let buffer = &mut self.buffers[node];
        if !buffer.fits(Mutation::RECORD_BYTES) {
            let (bytes, events) = buffer.take();
            emit(bytes, events);
        }
        event.encode(buffer);
    }

    fn emit_read(
        &mut self,
        node: usize,
        event: &Read,
        emit: &mut impl FnMut(Vec<u8>, u32),
        tombstones: Option<i64>,
    ) {
        if !self.observed[node] {
            return;
        }
        let buffer = &mut self.buffers[node];
        if !buffer.fits(Read::MAX_RECORD_BYTES) {
            let (bytes, events) = buffer.take();
            emit(bytes, events);
        }
        event.encode(buffer, tombstones);
    }

    /// Emits every partly filled buffer.
    pub fn flush(&mut self, emit: &mut impl FnMut(Vec<u8>, u32)) {
        for buffer in &mut self.buffers {
            if buffer.events() > 0 {
                let (bytes, events) = buffer.take();
                emit(bytes, events);
            }
        }
    }
}

struct Op {
    time: i64,
    table: usize,
    key: [u8; 8],
    token: i64,
    coordinator: usize,
    role: usize,
    client: usize,
    replicas: Vec<usize>,
}

/// A MUTATION_EVENT with an 8-byte key and no extension fields.
struct Mutation {
    fixed: MutationFixed,
    key: [u8; 8],
}

impl Mutation {
    const RECORD_BYTES: usize = 3 + FIXED_BYTES + 8;

    fn encode(&self, out: &mut BatchBuilder) {
        let payload = out.begin_record(MUTATION_EVENT);
        self.fixed.encode_into(&self.key, payload);
        out.end_record();
    }
}

/// A read as a TAGGED_EVENT of `events` (fields of docs/wire-format.md).
struct Read {
    time_us: i64,
    node: u32,
    keyspace: u32,
    table: u32,
    kind: u32,
    user: u32,
    client_address: u32,
    driver_name: u32,
    statement_type: u32,
    consistency: i64,
    coordinator: u32,
    token: i64,
    key: [u8; 8],
    latency_us: i64,
    rows: i64,
}

impl Read {
    const MAX_RECORD_BYTES: usize = 3 + 1 + 9 * 10 + 6 * 8 + 4 + 8 + 3 * 10;

    fn encode(&self, out: &mut BatchBuilder, replica_tombstones: Option<i64>) {
        let p = out.begin_record(TAGGED_EVENT);
        p.push(1); // table: events
        i64_field(p, id::EVENT_TIME, self.time_us);
        str_field(p, id::NODE, self.node);
        str_field(p, id::KEYSPACE, self.keyspace);
        str_field(p, id::TABLE, self.table);
        str_field(p, id::KIND, self.kind);
        str_field(p, id::USER, self.user);
        str_field(p, id::CLIENT_ADDRESS, self.client_address);
        str_field(p, id::DRIVER_NAME, self.driver_name);
        str_field(p, id::STATEMENT_TYPE, self.statement_type);
        i64_field(p, id::CONSISTENCY, self.consistency);
        str_field(p, id::COORDINATOR, self.coordinator);
        i64_field(p, id::TOKEN, self.token);
        bytes_field(p, id::PARTITION_KEY, &self.key);
        i64_field(p, id::LATENCY_US, self.latency_us);
        bool_field(p, id::RANGE_SCAN, false);
        match replica_tombstones {
            None => i64_field(p, id::ROWS_RETURNED, self.rows),
            Some(tombstones) => {
                i64_field(p, id::TOMBSTONES_SCANNED, tombstones);
                i64_field(p, id::LIVE_ROWS, self.rows);
            }
        }
        out.end_record();
    }
}
