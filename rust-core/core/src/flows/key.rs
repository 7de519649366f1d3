//! Keys of the flow graph: vertices and edges as string ids (resolved to text only when a window is
//! written), and the cheap hasher of the hot path.
//!
//! Invariant: a key holds only ids of the shared string table (0 = absent), never text, so looking an
//! event's edge up costs one hash of a few integers.

use std::hash::{BuildHasherDefault, Hasher};

use crate::tables::LineageTable;

/// What a vertex stands for (the `source_kind` / `target_kind` columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VertexKind {
    /// An authenticated role (id: `user_name`).
    Role,
    /// An unauthenticated client (id: `client_address`; written as its host).
    Client,
    /// A request without role or client (internal writes).
    Internal,
    /// A node as coordinator (id: its address).
    Coordinator,
    /// A node as replica (id: its address).
    Replica,
    /// The memtable of a table.
    Memtable,
    /// The SSTables of a table.
    Sstables,
    /// The compactions of a table.
    Compaction,
    /// A table (source of partition edges).
    Table,
    /// A partition of a table (id unused: the edge carries its token).
    Partition,
}

impl VertexKind {
    /// Every vertex kind.
    pub const ALL: [VertexKind; 10] = [
        VertexKind::Role,
        VertexKind::Client,
        VertexKind::Internal,
        VertexKind::Coordinator,
        VertexKind::Replica,
        VertexKind::Memtable,
        VertexKind::Sstables,
        VertexKind::Compaction,
        VertexKind::Table,
        VertexKind::Partition,
    ];

    /// The kind written as `name` (the inverse of [`VertexKind::name`]).
    pub fn from_name(name: &str) -> Option<VertexKind> {
        VertexKind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The name written to `source_kind` / `target_kind`.
    pub const fn name(self) -> &'static str {
        match self {
            VertexKind::Role => "role",
            VertexKind::Client => "client",
            VertexKind::Internal => "internal",
            VertexKind::Coordinator => "coordinator",
            VertexKind::Replica => "replica",
            VertexKind::Memtable => "memtable",
            VertexKind::Sstables => "sstables",
            VertexKind::Compaction => "compaction",
            VertexKind::Table => "table",
            VertexKind::Partition => "partition",
        }
    }

    /// Whether the vertex is named by its edge's table (`keyspace.table`) rather than by its own id.
    pub const fn is_per_table(self) -> bool {
        matches!(
            self,
            VertexKind::Memtable
                | VertexKind::Sstables
                | VertexKind::Compaction
                | VertexKind::Table
        )
    }
}

/// A vertex: its kind and the string id naming it (0 for per-table vertices and partitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VertexKey {
    /// What it stands for.
    pub kind: VertexKind,
    /// String id of its name.
    pub id: u32,
}

impl VertexKey {
    /// A vertex named by string id `id`.
    pub const fn new(kind: VertexKind, id: u32) -> Self {
        VertexKey { kind, id }
    }

    /// A per-table vertex (named by the edge's table).
    pub const fn of_table(kind: VertexKind) -> Self {
        VertexKey { kind, id: 0 }
    }
}

/// The kind of an edge (the `edge_kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// client → coordinator: `coordinator_write`.
    Write,
    /// client → coordinator: `coordinator_read`.
    Read,
    /// coordinator → replica: `replica_write`.
    ReplicaWrite,
    /// coordinator → replica: `replica_read`.
    ReplicaRead,
    /// replica → memtable: writes applied (derived from [`EdgeKind::ReplicaWrite`] edges when a window
    /// is written).
    MemtableWrite,
    /// memtable → SSTables: flushes.
    Flush,
    /// SSTables → compaction: SSTables read by compactions.
    CompactionRead,
    /// compaction → SSTables: SSTables written by compactions.
    CompactionWrite,
    /// table → partition: coordinator writes per partition (top K).
    PartitionWrite,
    /// table → partition: coordinator reads per partition (top K).
    PartitionRead,
    /// coordinator → replica (the node itself): the read an LWT makes to check its condition (Paxos v1), a
    /// `coordinator_read` no SELECT made ([`crate::enrich::access::read_is_select`]).
    ConditionRead,
    /// Any other `events` kind (such as `hint_write`, `hint_replay`): string id of the kind, edge from
    /// the coordinator to the replica it concerns (`hint_target`, else the node itself).
    OtherKind(u32),
}

impl EdgeKind {
    /// Every kind with a fixed name (all but [`EdgeKind::OtherKind`]).
    pub const FIXED: [EdgeKind; 11] = [
        EdgeKind::Write,
        EdgeKind::Read,
        EdgeKind::ReplicaWrite,
        EdgeKind::ReplicaRead,
        EdgeKind::MemtableWrite,
        EdgeKind::Flush,
        EdgeKind::CompactionRead,
        EdgeKind::CompactionWrite,
        EdgeKind::PartitionWrite,
        EdgeKind::PartitionRead,
        EdgeKind::ConditionRead,
    ];

    /// The fixed kind written as `name`; `None` for any other name (an [`EdgeKind::OtherKind`], named by
    /// its `events` kind, or `overflow`).
    pub fn from_name(name: &str) -> Option<EdgeKind> {
        EdgeKind::FIXED
            .into_iter()
            .find(|kind| kind.fixed_name() == Some(name))
    }

    /// The lineage table whose rows this edge counts, one row each (so that its `count` summed over a
    /// lineage equals that table's rows); `None` for edges derived from others (`memtable_write` from
    /// `replica_write`, `compaction_write` from the same rows as `compaction_read`, partitions from
    /// `write` / `read`).
    pub const fn counted_table(self) -> Option<LineageTable> {
        match self {
            EdgeKind::Write
            | EdgeKind::Read
            | EdgeKind::ReplicaWrite
            | EdgeKind::ReplicaRead
            | EdgeKind::ConditionRead
            | EdgeKind::OtherKind(_) => Some(LineageTable::Events),
            EdgeKind::Flush => Some(LineageTable::Flushes),
            EdgeKind::CompactionRead => Some(LineageTable::Compactions),
            EdgeKind::MemtableWrite
            | EdgeKind::CompactionWrite
            | EdgeKind::PartitionWrite
            | EdgeKind::PartitionRead => None,
        }
    }

    /// The fixed name, `None` for [`EdgeKind::OtherKind`] (named by its string).
    pub const fn fixed_name(self) -> Option<&'static str> {
        Some(match self {
            EdgeKind::Write => "write",
            EdgeKind::Read => "read",
            EdgeKind::ReplicaWrite => "replica_write",
            EdgeKind::ReplicaRead => "replica_read",
            EdgeKind::MemtableWrite => "memtable_write",
            EdgeKind::Flush => "flush",
            EdgeKind::CompactionRead => "compaction_read",
            EdgeKind::CompactionWrite => "compaction_write",
            EdgeKind::PartitionWrite => "partition_write",
            EdgeKind::PartitionRead => "partition_read",
            EdgeKind::ConditionRead => "condition_read",
            EdgeKind::OtherKind(_) => return None,
        })
    }
}

/// The table an edge concerns and the node that observed it (string ids, 0 = absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    /// Observing node.
    pub node: u32,
    /// Keyspace.
    pub keyspace: u32,
    /// Table.
    pub table: u32,
}

/// One edge of a window's graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeKey {
    /// What moves along it.
    pub kind: EdgeKind,
    /// From.
    pub source: VertexKey,
    /// To.
    pub target: VertexKey,
    /// Table and observing node.
    pub scope: Scope,
}

impl EdgeKind {
    /// A small number per fixed kind; [`EdgeKind::OtherKind`] carries its id beside it.
    const fn code(self) -> (u64, u32) {
        match self {
            EdgeKind::Write => (1, 0),
            EdgeKind::Read => (2, 0),
            EdgeKind::ReplicaWrite => (3, 0),
            EdgeKind::ReplicaRead => (4, 0),
            EdgeKind::MemtableWrite => (5, 0),
            EdgeKind::Flush => (6, 0),
            EdgeKind::CompactionRead => (7, 0),
            EdgeKind::CompactionWrite => (8, 0),
            EdgeKind::PartitionWrite => (9, 0),
            EdgeKind::PartitionRead => (10, 0),
            EdgeKind::OtherKind(id) => (11, id),
            EdgeKind::ConditionRead => (12, 0),
        }
    }
}

impl EdgeKey {
    /// The key as four words (hashed and compared on the hot path instead of the fields).
    #[inline]
    pub fn packed(&self) -> PackedEdgeKey {
        let (kind, other_kind) = self.kind.code();
        let vertex_kinds = (self.source.kind as u64) << 8 | self.target.kind as u64;
        PackedEdgeKey([
            kind | vertex_kinds << 8 | u64::from(other_kind) << 32,
            u64::from(self.source.id) | u64::from(self.target.id) << 32,
            u64::from(self.scope.keyspace) | u64::from(self.scope.table) << 32,
            u64::from(self.scope.node),
        ])
    }
}

/// An [`EdgeKey`] packed into four words: distinct keys give distinct words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackedEdgeKey([u64; 4]);

impl PackedEdgeKey {
    /// Four zero words: no edge packs to it (the first word holds the kind's code, ≥ 1), so tables
    /// use it to mark an empty slot.
    pub const EMPTY: PackedEdgeKey = PackedEdgeKey([0; 4]);
}

impl std::hash::Hash for PackedEdgeKey {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        for word in self.0 {
            state.write_u64(word);
        }
    }
}

/// FxHash-style hasher for keys made of a few integers (not for untrusted text: ids are dense and
/// assigned by the agent).
#[derive(Debug, Default, Clone, Copy)]
pub struct IdKeyHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdKeyHasher {
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdKeyHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // Fold the high bits down: hashbrown takes its bucket from the low bits and its tag from the top.
        self.0 ^ (self.0 >> 29)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.mix(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.mix(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    #[inline]
    fn write_i64(&mut self, value: i64) {
        self.mix(value as u64);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }

    #[inline]
    fn write_isize(&mut self, value: isize) {
        self.mix(value as u64);
    }
}

/// Builds [`IdKeyHasher`]s.
pub type IdKeyBuild = BuildHasherDefault<IdKeyHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/schema.md, section `flows`: the lines from the `edge_kind` table's header to the end of it.
    fn schema_doc_section() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/schema.md");
        let doc = std::fs::read_to_string(path).unwrap();
        let start = doc.find("## `flows`").expect("a flows section");
        let end = doc[start + 3..]
            .find("\n## ")
            .map_or(doc.len(), |end| start + 3 + end);
        doc[start..end].to_owned()
    }

    /// The backticked words of `text`.
    fn quoted(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    #[test]
    fn the_edge_vocabulary_is_the_one_docs_schema_md_lists() {
        let section = schema_doc_section();
        let table = &section[section.find("| `edge_kind` | source").unwrap()..];
        let mut documented: Vec<&str> = Vec::new();
        for line in table
            .lines()
            .skip(2)
            .take_while(|line| line.starts_with('|'))
        {
            let first_cell = line.split('|').nth(1).unwrap();
            if first_cell.contains("any other `events` kind") {
                continue;
            }
            documented.extend(quoted(first_cell));
        }
        documented.sort_unstable();
        let mut declared: Vec<&str> = EdgeKind::FIXED
            .iter()
            .filter_map(|kind| kind.fixed_name())
            .chain([crate::flows::rows::OVERFLOW_KIND])
            .collect();
        declared.sort_unstable();
        assert_eq!(documented, declared);
        assert!(table.contains("| any other `events` kind"));
        for name in declared {
            assert_eq!(
                EdgeKind::from_name(name).and_then(EdgeKind::fixed_name),
                (name != crate::flows::rows::OVERFLOW_KIND).then_some(name)
            );
        }
    }

    #[test]
    fn every_vertex_kind_is_documented_and_named_once() {
        let section = schema_doc_section();
        let paragraph = &section[section.find("Vertex kinds (").unwrap()..];
        let paragraph = &paragraph[..paragraph.find("\n\n").unwrap()];
        for kind in VertexKind::ALL {
            assert!(
                quoted(paragraph).contains(&kind.name()),
                "{} is not in docs/schema.md",
                kind.name()
            );
            assert_eq!(VertexKind::from_name(kind.name()), Some(kind));
        }
    }

    #[test]
    fn each_event_row_is_counted_by_exactly_one_edge() {
        let counting = |table| {
            EdgeKind::FIXED
                .iter()
                .chain(&[EdgeKind::OtherKind(7)])
                .filter(|kind| kind.counted_table() == Some(table))
                .count()
        };
        // A coordinator or replica row adds one of five edges (write, read, condition_read, replica_write,
        // replica_read), any other kind its own.
        assert_eq!(counting(LineageTable::Events), 6);
        assert_eq!(counting(LineageTable::Flushes), 1);
        assert_eq!(counting(LineageTable::Compactions), 1);
    }
}
