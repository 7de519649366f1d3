//! The one test-side encoder of a MUTATION_EVENT payload (docs/wire-format.md, "MUTATION_EVENT"), shared
//! by the core's integration tests, the synthetic workload ([`crate::synth`]) and the benchmarks' streams.
//! It is written independently of the core's decoder, so that the shared vectors check the two against
//! each other.

/// Record type of a MUTATION_EVENT.
pub const MUTATION_EVENT: u8 = 0x02;
/// Bytes of the fixed part, before the key.
pub const FIXED_BYTES: usize = 100;

/// The fixed part of a MUTATION_EVENT: string fields are ids (0 = absent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MutationFixed {
    pub event_time_us: i64,
    /// 1 = coordinator_write, 2 = replica_write.
    pub kind: u8,
    /// Cassandra's consistency code, 255 = unknown.
    pub consistency: u8,
    pub flags: u16,
    pub node: u32,
    pub keyspace: u32,
    pub table: u32,
    pub user: u32,
    pub client_address: u32,
    pub driver_name: u32,
    pub driver_version: u32,
    pub statement_type: u32,
    pub coordinator: u32,
    pub error: u32,
    pub token: i64,
    /// -1 = none.
    pub message_id: i64,
    /// -1 = unknown.
    pub latency_us: i64,
    pub bytes: u32,
    pub rows: u32,
    pub cells: u32,
    pub tombstones: u32,
    pub ttl_cells: u32,
    pub replicas: u16,
}

impl MutationFixed {
    /// Appends the payload up to and including `key` (the caller appends extension fields after it).
    pub fn encode_into(&self, key: &[u8], out: &mut Vec<u8>) {
        out.reserve(FIXED_BYTES + key.len());
        out.extend_from_slice(&self.event_time_us.to_le_bytes());
        out.push(self.kind);
        out.push(self.consistency);
        out.extend_from_slice(&self.flags.to_le_bytes());
        for id in [
            self.node,
            self.keyspace,
            self.table,
            self.user,
            self.client_address,
            self.driver_name,
            self.driver_version,
            self.statement_type,
            self.coordinator,
            self.error,
        ] {
            out.extend_from_slice(&id.to_le_bytes());
        }
        for value in [self.token, self.message_id, self.latency_us] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        for value in [
            self.bytes,
            self.rows,
            self.cells,
            self.tombstones,
            self.ttl_cells,
        ] {
            out.extend_from_slice(&value.to_le_bytes());
        }
        out.extend_from_slice(&self.replicas.to_le_bytes());
        let key_length = u16::try_from(key.len()).expect("a partition key of at most 65,535 bytes");
        out.extend_from_slice(&key_length.to_le_bytes());
        out.extend_from_slice(key);
    }
}
