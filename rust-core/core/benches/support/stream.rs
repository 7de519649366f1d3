//! Generated agent streams for the benchmarks: encoded batches as one node's agent would send them, with
//! a realistic mix (skewed tables and partitions, several roles and nodes, writes fanned out to three
//! replicas, reads), encoded with the test kit's batch builder (`cdflow_testkit::batch`).

use cdflow_core::decode::fields::id;

use cdflow_testkit::batch::{BatchBuilder, mutation_event, tagged_event};
use cdflow_testkit::fields::{bool_field, bytes_field, i64_field, str_field};
use cdflow_testkit::mutation_event::MutationFixed;

/// The shape of a generated cluster.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Nodes (each node's stream is generated separately, as each node has its own agent).
    pub nodes: u32,
    /// Tables, spread over 4 keyspaces.
    pub tables: u32,
    /// Roles.
    pub roles: u32,
    /// Distinct partitions per table.
    pub partitions: u64,
    /// Zipf-like skew of tables, roles and partitions (P(rank < r) = ln(r + 1) / ln(n)); uniform when false.
    pub zipf: bool,
    /// Events per batch.
    pub batch_events: usize,
}

/// The realistic mix of docs/performance.md: 6 nodes, 200 tables, 20 roles, 1 M partitions, skewed.
pub const REALISTIC: Shape = Shape {
    nodes: 6,
    tables: 200,
    roles: 20,
    partitions: 1_000_000,
    zipf: true,
    batch_events: 256,
};

/// Encoded batches of one node, and how many events they hold.
pub struct NodeStream {
    /// The STRING_DEF batch to apply first (`Pipeline::define`, or decode once).
    pub strings: Vec<u8>,
    /// Event batches.
    pub batches: Vec<Vec<u8>>,
    /// Events in `batches`.
    pub events: u64,
}

/// String ids: fixed ranges per dimension.
mod ids {
    pub const NODE: u32 = 1; // 1..=nodes
    pub const KEYSPACE: u32 = 100; // 100..104
    pub const TABLE: u32 = 1000; // 1000..1000+tables
    pub const ROLE: u32 = 10_000;
    pub const CLIENT: u32 = 20_000; // 64 client addresses
    pub const DRIVER: u32 = 30_000;
    pub const DRIVER_VERSION: u32 = 30_001;
    pub const STATEMENT: u32 = 30_010; // INSERT, UPDATE, DELETE
    pub const KIND_COORDINATOR_READ: u32 = 30_020;
    pub const KIND_REPLICA_READ: u32 = 30_021;
    pub const SESSION: u32 = 40_000; // 256 sessions
}

/// xorshift64*: deterministic and cheap.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A rank in [0, n): Zipf-like (small ranks are hot, density ∝ 1/rank) or uniform.
    pub fn rank(&mut self, n: u64, zipf: bool) -> u64 {
        if zipf {
            ((n as f64).powf(self.unit()) as u64)
                .saturating_sub(1)
                .min(n - 1)
        } else {
            self.below(n)
        }
    }
}

/// Every string of `shape`, as one STRING_DEF batch.
pub fn string_batch(shape: &Shape) -> Vec<u8> {
    let mut defs: Vec<(u32, String)> = Vec::new();
    for node in 0..shape.nodes {
        defs.push((ids::NODE + node, format!("10.0.0.{}", node + 1)));
    }
    for keyspace in 0..4 {
        defs.push((ids::KEYSPACE + keyspace, format!("app{keyspace}")));
    }
    for table in 0..shape.tables {
        defs.push((ids::TABLE + table, format!("table_{table:04}")));
    }
    for role in 0..shape.roles {
        defs.push((ids::ROLE + role, format!("svc_{role:02}")));
    }
    for client in 0..64 {
        defs.push((
            ids::CLIENT + client,
            format!("192.168.1.{client}:{}", 40_000 + client),
        ));
    }
    defs.push((ids::DRIVER, "DataStax Java Driver".to_owned()));
    defs.push((ids::DRIVER_VERSION, "4.17.0".to_owned()));
    for (offset, statement) in ["INSERT", "UPDATE", "DELETE"].iter().enumerate() {
        defs.push((ids::STATEMENT + offset as u32, (*statement).to_owned()));
    }
    defs.push((ids::KIND_COORDINATOR_READ, "coordinator_read".to_owned()));
    defs.push((ids::KIND_REPLICA_READ, "replica_read".to_owned()));
    for session in 0..256 {
        defs.push((
            ids::SESSION + session,
            format!("{:016x}", 0x9b1d_2c3e_0000_0000u64 + u64::from(session)),
        ));
    }
    let mut builder = BatchBuilder::new(usize::MAX);
    for (id, text) in &defs {
        builder.string_def(*id, text);
    }
    builder.take().0
}

/// One client request as seen by the cluster.
struct Request {
    time_us: i64,
    coordinator: u32,
    keyspace: u32,
    table: u32,
    role: u32,
    client: u32,
    session: u32,
    token: i64,
    key: [u8; 8],
    latency_us: i64,
    bytes: u32,
    statement: u32,
}

/// One node's stream while it is generated.
struct PendingStream {
    /// The batch being filled.
    filling: BatchBuilder,
    /// Completed batches.
    batches: Vec<Vec<u8>>,
    /// Events in `batches`.
    events: u64,
}

impl Default for PendingStream {
    fn default() -> Self {
        PendingStream {
            filling: BatchBuilder::new(usize::MAX),
            batches: Vec::new(),
            events: 0,
        }
    }
}

impl PendingStream {
    fn push(&mut self, record: &[u8]) {
        self.filling.push_record(record);
    }

    /// Events in the batch being filled.
    fn count(&self) -> u32 {
        self.filling.events()
    }

    /// Closes the batch being filled (if any).
    fn seal(&mut self) {
        if self.count() > 0 {
            let (batch, events) = self.filling.take();
            self.batches.push(batch);
            self.events += u64::from(events);
        }
    }
}

/// The streams of every node of `shape`, for `requests` client requests (70 % writes to 3 replicas,
/// 30 % single-partition reads at LOCAL_ONE).
pub fn node_streams(shape: &Shape, requests: usize, seed: u64) -> Vec<NodeStream> {
    let mut rng = Rng::new(seed);
    let mut per_node: Vec<PendingStream> =
        (0..shape.nodes).map(|_| PendingStream::default()).collect();
    let mut message_id: i64 = 1_000_000;
    let mut time_us: i64 = 1_764_000_000_000_000;
    for _ in 0..requests {
        time_us += 1 + rng.below(4) as i64;
        let table = rng.rank(u64::from(shape.tables), shape.zipf) as u32;
        let partition = rng.rank(shape.partitions, shape.zipf);
        let key = (partition ^ u64::from(table) << 40).to_le_bytes();
        let request = Request {
            time_us,
            coordinator: rng.below(u64::from(shape.nodes)) as u32,
            keyspace: ids::KEYSPACE + table % 4,
            table: ids::TABLE + table,
            role: ids::ROLE + rng.rank(u64::from(shape.roles), shape.zipf) as u32,
            client: ids::CLIENT + rng.below(64) as u32,
            session: ids::SESSION + rng.below(256) as u32,
            token: (partition.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(table)) as i64,
            key,
            latency_us: 200 + (rng.unit().powf(3.0) * 20_000.0) as i64,
            bytes: 60 + rng.below(400) as u32,
            statement: ids::STATEMENT + rng.below(3) as u32,
        };
        if rng.below(10) < 7 {
            let replicas: Vec<u32> = (0..3)
                .map(|r| (request.coordinator + r) % shape.nodes)
                .collect();
            let mut emit = |node: u32, record: Vec<u8>| per_node[node as usize].push(&record);
            emit(
                request.coordinator,
                write_event(&request, 1, request.coordinator, -1, 0),
            );
            for replica in replicas {
                message_id += 1;
                let flags = u16::from(replica == request.coordinator);
                let id = if flags == 1 { -1 } else { message_id };
                emit(replica, write_event(&request, 2, replica, id, flags));
            }
        } else {
            let stream = &mut per_node[request.coordinator as usize];
            stream.push(&read_event(&request, true));
            stream.push(&read_event(&request, false));
        }
        for stream in per_node.iter_mut() {
            if stream.count() as usize >= shape.batch_events {
                stream.seal();
            }
        }
    }
    let strings = string_batch(shape);
    per_node
        .into_iter()
        .map(|mut stream| {
            stream.seal();
            NodeStream {
                strings: strings.clone(),
                batches: stream.batches,
                events: stream.events,
            }
        })
        .collect()
}

/// A MUTATION_EVENT (kind 1 coordinator, 2 replica) observed on `node` (0-based), with the session and
/// write timestamp extension fields.
fn write_event(request: &Request, kind: u8, node: u32, message_id: i64, flags: u16) -> Vec<u8> {
    let coordinator_side = kind == 1;
    let remote_replica = !coordinator_side && flags == 0;
    // A remote replica does not know the client.
    let client_side = |id: u32| if remote_replica { 0 } else { id };
    let fixed = MutationFixed {
        event_time_us: request.time_us + i64::from(kind),
        kind,
        consistency: if coordinator_side { 6 } else { 255 }, // LOCAL_QUORUM
        flags,
        node: ids::NODE + node,
        keyspace: request.keyspace,
        table: request.table,
        user: client_side(request.role),
        client_address: client_side(request.client),
        driver_name: client_side(ids::DRIVER),
        driver_version: client_side(ids::DRIVER_VERSION),
        statement_type: client_side(request.statement),
        coordinator: ids::NODE + request.coordinator,
        error: 0,
        token: request.token,
        message_id,
        latency_us: if coordinator_side {
            request.latency_us
        } else {
            request.latency_us / 4
        },
        bytes: request.bytes,
        rows: 1,
        cells: 3,
        tombstones: 0,
        ttl_cells: 0,
        replicas: if coordinator_side { 3 } else { 0 },
    };
    let mut extension = Vec::with_capacity(20);
    if !remote_replica {
        str_field(&mut extension, id::SESSION_ID, request.session);
    }
    i64_field(&mut extension, id::WRITE_TIMESTAMP, request.time_us);
    mutation_event(&fixed, &request.key, &extension)
}

/// A tagged `events` read: the coordinator's (`coordinator_read`) or its local replica's.
fn read_event(request: &Request, coordinator_side: bool) -> Vec<u8> {
    let mut payload = Vec::with_capacity(128);
    i64_field(
        &mut payload,
        id::EVENT_TIME,
        request.time_us + i64::from(!coordinator_side),
    );
    str_field(&mut payload, id::NODE, ids::NODE + request.coordinator);
    str_field(&mut payload, id::KEYSPACE, request.keyspace);
    str_field(&mut payload, id::TABLE, request.table);
    let kind = if coordinator_side {
        ids::KIND_COORDINATOR_READ
    } else {
        ids::KIND_REPLICA_READ
    };
    str_field(&mut payload, id::KIND, kind);
    str_field(
        &mut payload,
        id::COORDINATOR,
        ids::NODE + request.coordinator,
    );
    i64_field(&mut payload, id::TOKEN, request.token);
    bytes_field(&mut payload, id::PARTITION_KEY, &request.key);
    if coordinator_side {
        str_field(&mut payload, id::USER, request.role);
        str_field(&mut payload, id::CLIENT_ADDRESS, request.client);
        str_field(&mut payload, id::SESSION_ID, request.session);
        i64_field(&mut payload, id::CONSISTENCY, 10); // LOCAL_ONE
        i64_field(&mut payload, id::LATENCY_US, request.latency_us);
        i64_field(&mut payload, id::ROWS_RETURNED, 1 + (request.token & 7));
    } else {
        bool_field(&mut payload, id::APPLIED_LOCALLY, true);
        i64_field(&mut payload, id::LIVE_ROWS, 1 + (request.token & 7));
        i64_field(&mut payload, id::TOMBSTONES_SCANNED, request.token & 1);
    }
    tagged_event(1, &payload) // table: events
}
