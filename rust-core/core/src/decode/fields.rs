//! Self-describing fields (docs/wire-format.md, "Tagged records and extensions"): `id u8 | type u8 |
//! value`, the field registry (id → type), and the decoder shared by TAGGED_EVENT payloads and
//! MUTATION_EVENT extensions.
//!
//! Invariants:
//! - [`decode_fields_reusing`] never panics and never reads out of bounds, whatever the bytes;
//! - a registered id sent with another type, a truncated field, a TEXT / TEXT_LIST item that is not
//!   UTF-8, a BOOL other than 0 or 1, an undefined non-zero STR id, or an unknown type byte (whose length
//!   cannot be known) is an error that rejects the whole record;
//! - an id the registry does not know, or one the caller's [`FieldSet`] does not accept (the table
//!   decides which fields are meaningful), is skipped when its type is known, and counted; its value is
//!   still bounds-checked but not validated further;
//! - a returned [`Fields`] holds only accepted ids, each with its registered type and a valid value; when
//!   an id appears twice, the last occurrence wins;
//! - values borrow from the batch bytes (no copy, no allocation except the field list itself).

use std::fmt;

use crate::decode::strings::StringsView;

/// Registered field ids (docs/wire-format.md, "Field registry"). Ids 1–24 mirror the fixed part of a
/// MUTATION_EVENT.
pub mod id {
    /// I64 µs since the epoch.
    pub const EVENT_TIME: u8 = 1;
    /// STR.
    pub const NODE: u8 = 2;
    /// STR.
    pub const KEYSPACE: u8 = 3;
    /// STR.
    pub const TABLE: u8 = 4;
    /// STR.
    pub const KIND: u8 = 5;
    /// STR.
    pub const USER: u8 = 6;
    /// STR.
    pub const CLIENT_ADDRESS: u8 = 7;
    /// STR.
    pub const DRIVER_NAME: u8 = 8;
    /// STR.
    pub const DRIVER_VERSION: u8 = 9;
    /// STR.
    pub const STATEMENT_TYPE: u8 = 10;
    /// I64 protocol code.
    pub const CONSISTENCY: u8 = 11;
    /// STR.
    pub const COORDINATOR: u8 = 12;
    /// STR.
    pub const ERROR: u8 = 13;
    /// I64.
    pub const TOKEN: u8 = 14;
    /// BYTES, hashed.
    pub const PARTITION_KEY: u8 = 15;
    /// I64.
    pub const MESSAGE_ID: u8 = 16;
    /// I64.
    pub const LATENCY_US: u8 = 17;
    /// I64.
    pub const BYTES: u8 = 18;
    /// I64.
    pub const ROWS: u8 = 19;
    /// I64.
    pub const REPLICAS: u8 = 20;
    /// I64.
    pub const CELLS: u8 = 21;
    /// I64.
    pub const TOMBSTONES: u8 = 22;
    /// I64.
    pub const TTL_CELLS: u8 = 23;
    /// BOOL.
    pub const APPLIED_LOCALLY: u8 = 24;
    /// Highest id of the MUTATION_EVENT fixed part.
    pub const LAST_FIXED: u8 = APPLIED_LOCALLY;
    /// I64: id of the MUTATION_REQ a coordinator sent to the remote replicas of a mutation.
    pub const OUT_MESSAGE_ID: u8 = 25;
    /// I64: the coordinator's gossip generation (epoch seconds of its start).
    pub const COORDINATOR_GENERATION: u8 = 26;
    /// STR: the node that relayed a write to this replica (remote-DC forwarding).
    pub const FORWARDED_BY: u8 = 27;
    /// I64: serialized size of a hint.
    pub const HINT_BYTES: u8 = 28;
    /// TEXT.
    pub const BATCH_ID: u8 = 32;
    /// I64.
    pub const BATCH_PARTITIONS: u8 = 33;
    /// I64.
    pub const BATCH_TABLES: u8 = 34;
    /// BOOL.
    pub const RANGE_SCAN: u8 = 35;
    /// I64.
    pub const ROWS_RETURNED: u8 = 36;
    /// I64.
    pub const TOMBSTONES_SCANNED: u8 = 37;
    /// I64.
    pub const LIVE_ROWS: u8 = 38;
    /// I64.
    pub const PARTITION_TOMBSTONES: u8 = 39;
    /// I64.
    pub const ROW_TOMBSTONES: u8 = 40;
    /// I64.
    pub const RANGE_TOMBSTONES: u8 = 41;
    /// I64.
    pub const CELL_TOMBSTONES: u8 = 42;
    /// I64.
    pub const TTL_ROWS: u8 = 43;
    /// STR.
    pub const SESSION_ID: u8 = 44;
    /// TEXT.
    pub const TRACE_SESSION_ID: u8 = 45;
    /// BOOL.
    pub const CAS_APPLIED: u8 = 46;
    /// I64.
    pub const PAXOS_ATTEMPTS: u8 = 47;
    /// STR.
    pub const HINT_TARGET: u8 = 48;
    /// I64 ms since the epoch.
    pub const HINT_CREATION_TIME: u8 = 49;
    /// I64 µs.
    pub const WRITE_TIMESTAMP: u8 = 50;
    /// TEXT: Cassandra's batchlog UUID (`system.batches` id).
    pub const BATCHLOG_ID: u8 = 51;
    /// I64 protocol code of the serial consistency (SERIAL, LOCAL_SERIAL).
    pub const SERIAL_CONSISTENCY: u8 = 52;
    /// I64.
    pub const PAXOS_PREPARES: u8 = 53;
    /// I64.
    pub const PAXOS_PROPOSES: u8 = 54;
    /// I64.
    pub const PAXOS_COMMITS: u8 = 55;
    /// TEXT: the Paxos ballot (a time UUID).
    pub const PAXOS_BALLOT: u8 = 56;
    /// STR: address of the counter leader.
    pub const COUNTER_LEADER: u8 = 57;
    /// BOOL.
    pub const COUNTER_WRITE: u8 = 58;
    /// I64: mutations held by a batchlog entry.
    pub const BATCHLOG_MUTATIONS: u8 = 59;
    /// TEXT.
    pub const FLUSH_ID: u8 = 60;
    /// STR.
    pub const FLUSH_REASON: u8 = 61;
    /// I64.
    pub const PARTITIONS: u8 = 62;
    /// I64.
    pub const OPERATIONS: u8 = 63;
    /// I64.
    pub const MEMTABLE_BYTES: u8 = 64;
    /// TEXT_LIST.
    pub const OUTPUT_SSTABLES: u8 = 65;
    /// I64.
    pub const BYTES_OUT: u8 = 66;
    /// TEXT.
    pub const COMPACTION_ID: u8 = 70;
    /// STR.
    pub const OPERATION_TYPE: u8 = 71;
    /// STR.
    pub const STRATEGY: u8 = 72;
    /// TEXT_LIST.
    pub const INPUT_SSTABLES: u8 = 73;
    /// I64.
    pub const BYTES_IN: u8 = 74;
    /// I64.
    pub const PARTITIONS_IN: u8 = 75;
    /// I64.
    pub const PARTITIONS_OUT: u8 = 76;
    /// I64.
    pub const TOMBSTONES_IN_ESTIMATE: u8 = 77;
    /// I64.
    pub const TOMBSTONES_OUT_ESTIMATE: u8 = 78;
    /// I64.
    pub const DURATION_US: u8 = 79;
    /// TEXT.
    pub const SSTABLE_ID: u8 = 90;
    /// STR.
    pub const CHANGE: u8 = 91;
    /// STR.
    pub const ORIGIN: u8 = 92;
    /// TEXT.
    pub const ORIGIN_ID: u8 = 93;
    /// I64.
    pub const SIZE_BYTES: u8 = 94;
    /// I64.
    pub const TOMBSTONE_ESTIMATE: u8 = 95;
    /// I64.
    pub const LEVEL: u8 = 96;
    /// STR.
    pub const OUTCOME: u8 = 100;
    /// TEXT.
    pub const REASON: u8 = 101;
    /// STR: `v1` or `v2`.
    pub const PAXOS_VARIANT: u8 = 102;
}

/// The type byte of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// 1: 8 bytes, i64.
    I64,
    /// 2: 4 bytes, u32 string id (0 = NULL).
    Str,
    /// 3: 1 byte, 0 or 1.
    Bool,
    /// 4: u16 length + bytes.
    Bytes,
    /// 5: u16 length + UTF-8.
    Text,
    /// 6: u16 count + count × (u16 length + UTF-8).
    TextList,
}

impl FieldType {
    /// The type byte → type, `None` for unknown codes.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(FieldType::I64),
            2 => Some(FieldType::Str),
            3 => Some(FieldType::Bool),
            4 => Some(FieldType::Bytes),
            5 => Some(FieldType::Text),
            6 => Some(FieldType::TextList),
            _ => None,
        }
    }

    /// The type byte.
    pub const fn code(self) -> u8 {
        match self {
            FieldType::I64 => 1,
            FieldType::Str => 2,
            FieldType::Bool => 3,
            FieldType::Bytes => 4,
            FieldType::Text => 5,
            FieldType::TextList => 6,
        }
    }
}

/// The registry: (id, type, name of the column it feeds).
pub const REGISTRY: [(u8, FieldType, &str); 83] = {
    use FieldType::{Bool, Bytes, I64, Str, Text, TextList};
    use id::*;
    [
        (EVENT_TIME, I64, "event_time"),
        (NODE, Str, "node"),
        (KEYSPACE, Str, "keyspace_name"),
        (TABLE, Str, "table_name"),
        (KIND, Str, "kind"),
        (USER, Str, "user_name"),
        (CLIENT_ADDRESS, Str, "client_address"),
        (DRIVER_NAME, Str, "driver_name"),
        (DRIVER_VERSION, Str, "driver_version"),
        (STATEMENT_TYPE, Str, "statement_type"),
        (CONSISTENCY, I64, "consistency"),
        (COORDINATOR, Str, "coordinator"),
        (ERROR, Str, "error"),
        (TOKEN, I64, "token"),
        (PARTITION_KEY, Bytes, "partition_key"),
        (MESSAGE_ID, I64, "message_id"),
        (LATENCY_US, I64, "latency_us"),
        (BYTES, I64, "bytes"),
        (ROWS, I64, "rows"),
        (REPLICAS, I64, "replicas"),
        (CELLS, I64, "cells"),
        (TOMBSTONES, I64, "tombstones"),
        (TTL_CELLS, I64, "ttl_cells"),
        (APPLIED_LOCALLY, Bool, "applied_locally"),
        (OUT_MESSAGE_ID, I64, "out_message_id"),
        (COORDINATOR_GENERATION, I64, "coordinator_generation"),
        (FORWARDED_BY, Str, "forwarded_by"),
        (HINT_BYTES, I64, "hint_bytes"),
        (BATCH_ID, Text, "batch_id"),
        (BATCH_PARTITIONS, I64, "batch_partitions"),
        (BATCH_TABLES, I64, "batch_tables"),
        (RANGE_SCAN, Bool, "range_scan"),
        (ROWS_RETURNED, I64, "rows_returned"),
        (TOMBSTONES_SCANNED, I64, "tombstones_scanned"),
        (LIVE_ROWS, I64, "live_rows"),
        (PARTITION_TOMBSTONES, I64, "partition_tombstones"),
        (ROW_TOMBSTONES, I64, "row_tombstones"),
        (RANGE_TOMBSTONES, I64, "range_tombstones"),
        (CELL_TOMBSTONES, I64, "cell_tombstones"),
        (TTL_ROWS, I64, "ttl_rows"),
        (SESSION_ID, Str, "session_id"),
        (TRACE_SESSION_ID, Text, "trace_session_id"),
        (CAS_APPLIED, Bool, "cas_applied"),
        (PAXOS_ATTEMPTS, I64, "paxos_attempts"),
        (HINT_TARGET, Str, "hint_target"),
        (HINT_CREATION_TIME, I64, "hint_creation_time"),
        (WRITE_TIMESTAMP, I64, "write_timestamp"),
        (BATCHLOG_ID, Text, "batchlog_id"),
        (SERIAL_CONSISTENCY, I64, "serial_consistency"),
        (PAXOS_PREPARES, I64, "paxos_prepares"),
        (PAXOS_PROPOSES, I64, "paxos_proposes"),
        (PAXOS_COMMITS, I64, "paxos_commits"),
        (PAXOS_BALLOT, Text, "paxos_ballot"),
        (COUNTER_LEADER, Str, "counter_leader"),
        (COUNTER_WRITE, Bool, "counter_write"),
        (BATCHLOG_MUTATIONS, I64, "batchlog_mutations"),
        (FLUSH_ID, Text, "flush_id"),
        (FLUSH_REASON, Str, "flush_reason"),
        (PARTITIONS, I64, "partitions"),
        (OPERATIONS, I64, "operations"),
        (MEMTABLE_BYTES, I64, "memtable_bytes"),
        (OUTPUT_SSTABLES, TextList, "output_sstables"),
        (BYTES_OUT, I64, "bytes_out"),
        (COMPACTION_ID, Text, "compaction_id"),
        (OPERATION_TYPE, Str, "operation_type"),
        (STRATEGY, Str, "strategy"),
        (INPUT_SSTABLES, TextList, "input_sstables"),
        (BYTES_IN, I64, "bytes_in"),
        (PARTITIONS_IN, I64, "partitions_in"),
        (PARTITIONS_OUT, I64, "partitions_out"),
        (TOMBSTONES_IN_ESTIMATE, I64, "tombstones_in_estimate"),
        (TOMBSTONES_OUT_ESTIMATE, I64, "tombstones_out_estimate"),
        (DURATION_US, I64, "duration_us"),
        (SSTABLE_ID, Text, "sstable_id"),
        (CHANGE, Str, "change"),
        (ORIGIN, Str, "origin"),
        (ORIGIN_ID, Text, "origin_id"),
        (SIZE_BYTES, I64, "size_bytes"),
        (TOMBSTONE_ESTIMATE, I64, "tombstone_estimate"),
        (LEVEL, I64, "level"),
        (OUTCOME, Str, "outcome"),
        (REASON, Text, "reason"),
        (PAXOS_VARIANT, Str, "paxos_variant"),
    ]
};

/// id → registered type, for O(1) lookups while decoding.
const TYPES: [Option<FieldType>; 256] = {
    let mut types = [None; 256];
    let mut index = 0;
    while index < REGISTRY.len() {
        let (field, field_type, _) = REGISTRY[index];
        types[field as usize] = Some(field_type);
        index += 1;
    }
    types
};

/// The registered type of `field`, `None` if the registry does not know it.
pub const fn registered_type(field: u8) -> Option<FieldType> {
    TYPES[field as usize]
}

/// The column name the registry gives `field` (`"unregistered"` for unknown ids).
pub fn registered_name(field: u8) -> &'static str {
    REGISTRY
        .iter()
        .find(|(registered, _, _)| *registered == field)
        .map_or("unregistered", |(_, _, name)| name)
}

/// A set of field ids (256 bits), built at compile time from a table's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSet([u64; 4]);

impl FieldSet {
    /// No id.
    pub const EMPTY: FieldSet = FieldSet([0; 4]);

    /// This set plus `field`.
    pub const fn with(self, field: u8) -> FieldSet {
        let mut words = self.0;
        words[(field / 64) as usize] |= 1 << (field % 64);
        FieldSet(words)
    }

    /// This set minus `field`.
    pub const fn without(self, field: u8) -> FieldSet {
        let mut words = self.0;
        words[(field / 64) as usize] &= !(1 << (field % 64));
        FieldSet(words)
    }

    /// True if `field` is in the set.
    #[inline]
    pub const fn contains(&self, field: u8) -> bool {
        self.0[(field / 64) as usize] & (1 << (field % 64)) != 0
    }

    /// Adds `field`.
    #[inline]
    pub fn insert(&mut self, field: u8) {
        *self = self.with(field);
    }

    /// Adds every id of `other`.
    #[inline]
    pub fn insert_all(&mut self, other: &FieldSet) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine |= theirs;
        }
    }
}

/// The items of a TEXT_LIST value (validated when decoded): iterate with [`TextList::iter`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TextList<'a> {
    count: u16,
    /// `count` × (u16 length + UTF-8), exactly.
    encoded: &'a [u8],
}

impl<'a> TextList<'a> {
    /// Number of items.
    pub fn len(&self) -> usize {
        usize::from(self.count)
    }

    /// True when the list has no item.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The items, in order.
    pub fn iter(&self) -> TextListIter<'a> {
        TextListIter {
            remaining: self.count,
            rest: self.encoded,
        }
    }
}

impl fmt::Debug for TextList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over the items of a [`TextList`].
pub struct TextListIter<'a> {
    remaining: u16,
    rest: &'a [u8],
}

impl<'a> Iterator for TextListIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let mut reader = Reader(self.rest);
        // Validated when decoded: neither step can fail, and a failure would only end the iteration.
        let item = reader.text()?;
        self.rest = reader.0;
        Some(item)
    }
}

/// One decoded value; string fields are ids into the [`crate::decode::strings::StringTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// I64.
    I64(i64),
    /// STR (0 = NULL).
    Str(u32),
    /// BOOL.
    Bool(bool),
    /// BYTES.
    Bytes(&'a [u8]),
    /// TEXT (also used for texts that are not interned, such as a MUTATION_EVENT's kind).
    Text(&'a str),
    /// TEXT_LIST.
    TextList(TextList<'a>),
}

impl<'a> FieldValue<'a> {
    /// The wire type of this value.
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldValue::I64(_) => FieldType::I64,
            FieldValue::Str(_) => FieldType::Str,
            FieldValue::Bool(_) => FieldType::Bool,
            FieldValue::Bytes(_) => FieldType::Bytes,
            FieldValue::Text(_) => FieldType::Text,
            FieldValue::TextList(_) => FieldType::TextList,
        }
    }

    /// The integer of an I64 value.
    pub fn as_i64(self) -> Option<i64> {
        match self {
            FieldValue::I64(value) => Some(value),
            _ => None,
        }
    }

    /// The string id of a STR value.
    pub fn as_string_id(self) -> Option<u32> {
        match self {
            FieldValue::Str(value) => Some(value),
            _ => None,
        }
    }

    /// The flag of a BOOL value.
    pub fn as_bool(self) -> Option<bool> {
        match self {
            FieldValue::Bool(value) => Some(value),
            _ => None,
        }
    }

    /// The items of a TEXT_LIST value.
    pub fn as_text_list(self) -> Option<TextList<'a>> {
        match self {
            FieldValue::TextList(value) => Some(value),
            _ => None,
        }
    }

    /// The bytes of a BYTES value.
    pub fn as_bytes(self) -> Option<&'a [u8]> {
        match self {
            FieldValue::Bytes(value) => Some(value),
            _ => None,
        }
    }
}

/// Most fields [`decode_fields_reusing`] makes room for before it reads a record (more still fit).
const MAX_PRESIZED_FIELDS: usize = 32;

/// The accepted fields of one record, in wire order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields<'a> {
    items: Vec<(u8, FieldValue<'a>)>,
}

impl<'a> Fields<'a> {
    /// The value of `field` (the last one if it was sent twice).
    #[inline]
    pub fn get(&self, field: u8) -> Option<FieldValue<'a>> {
        self.items
            .iter()
            .rev()
            .find(|(id, _)| *id == field)
            .map(|(_, value)| *value)
    }

    /// Adds the id of every field kept to `set`.
    #[inline]
    pub fn add_ids_to(&self, set: &mut FieldSet) {
        for (field, _) in &self.items {
            set.insert(*field);
        }
    }

    /// Every (id, value), in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, FieldValue<'a>)> + '_ {
        self.items.iter().copied()
    }

    /// Number of fields kept.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when no field was kept.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The fields of one record and how many were skipped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DecodedFields<'a> {
    /// Accepted fields.
    pub fields: Fields<'a>,
    /// Fields of a known type that the registry or the table does not know.
    pub skipped: u64,
}

/// Why a record's fields are rejected (the wording of docs/wire-format.md and the test vectors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    /// The field header or value runs past the end of the record.
    #[error("field {id} is truncated")]
    Truncated {
        /// Field id.
        id: u8,
    },
    /// A registered id with another type.
    #[error("field {id} has type {found}, expected {expected} ({name})")]
    WrongType {
        /// Field id.
        id: u8,
        /// Type byte found.
        found: u8,
        /// Registered type byte.
        expected: u8,
        /// Registered column name.
        name: &'static str,
    },
    /// An unregistered id with an unknown type: its length cannot be known.
    #[error("field {id} has unknown type {found}")]
    UnknownType {
        /// Field id.
        id: u8,
        /// Type byte found.
        found: u8,
    },
    /// A TEXT or TEXT_LIST item that is not UTF-8.
    #[error("field {id} is not valid UTF-8 ({detail})")]
    NotUtf8 {
        /// Field id.
        id: u8,
        /// Where decoding failed.
        detail: String,
    },
    /// A BOOL other than 0 or 1.
    #[error("field {id} is a BOOL of value {value}, expected 0 or 1")]
    BadBool {
        /// Field id.
        id: u8,
        /// The byte found.
        value: u8,
    },
    /// A non-zero STR id that was never defined.
    #[error("string id {string} is not defined (field {id} {name})")]
    UndefinedString {
        /// The string id.
        string: u32,
        /// Field id.
        id: u8,
        /// Registered column name.
        name: &'static str,
    },
}

/// Emptied field vectors of records already processed, reused by the next records so that decoding
/// allocates nothing per record once warm (the writer thread keeps one through [`crate::decode::wire::DecodeScratch`]).
///
/// Invariants: every vector held is empty; at most [`MAX_SPARE_VECTORS`] are held, none with a
/// capacity above [`MAX_SPARE_CAPACITY`], so the pool never holds more than 1,024 × 64 fields × 40 bytes
/// = 2.5 MiB (in practice the vectors of one batch: a few hundred of ~10 fields).
#[derive(Debug, Default)]
pub struct SpareFields {
    vectors: Vec<Vec<(u8, FieldValue<'static>)>>,
}

/// Most vectors a [`SpareFields`] keeps (about the events of one full 16 KiB agent batch).
pub const MAX_SPARE_VECTORS: usize = 1024;
/// Largest capacity a kept vector may have (larger ones are freed).
pub const MAX_SPARE_CAPACITY: usize = 2 * MAX_PRESIZED_FIELDS;

impl SpareFields {
    /// An empty vector with room for at least `capacity` fields.
    fn take<'a>(&mut self, capacity: usize) -> Vec<(u8, FieldValue<'a>)> {
        // `FieldValue<'static>` is a `FieldValue<'a>`: handing a kept vector out needs no conversion.
        let mut items: Vec<(u8, FieldValue<'a>)> = self.vectors.pop().unwrap_or_default();
        items.reserve(capacity);
        items
    }

    /// Keeps the vector of `fields` for later records (dropped when the pool is full or it is large).
    pub fn give_back(&mut self, fields: Fields<'_>) {
        let mut items = fields.items;
        if items.capacity() == 0
            || items.capacity() > MAX_SPARE_CAPACITY
            || self.vectors.len() >= MAX_SPARE_VECTORS
        {
            return;
        }
        items.clear();
        // Forget the batch lifetime: an empty vector collected in place keeps its allocation and holds
        // no borrowed value (the closure never runs).
        let emptied: Vec<(u8, FieldValue<'static>)> = items
            .into_iter()
            .map(|(id, _)| (id, FieldValue::Bool(false)))
            .collect();
        self.vectors.push(emptied);
    }

    /// Vectors held.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// True when no vector is held.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }
}

/// Decodes the fields in `bytes` (to its end), keeping the registered ids that `accepted` contains, into a
/// vector taken from `spare` (give it back with [`SpareFields::give_back`]; a fresh `SpareFields` just
/// allocates one).
pub fn decode_fields_reusing<'a>(
    bytes: &'a [u8],
    accepted: &FieldSet,
    strings: &StringsView<'_>,
    spare: &mut SpareFields,
) -> Result<DecodedFields<'a>, FieldProblem> {
    // One allocation per record at most instead of a few growing ones: fields take ≥ 3 bytes, 6–10
    // typically.
    let mut decoded = DecodedFields {
        fields: Fields {
            items: spare.take((bytes.len() / 6).clamp(1, MAX_PRESIZED_FIELDS)),
        },
        skipped: 0,
    };
    let mut reader = Reader(bytes);
    while let Some(field) = reader.u8() {
        let type_code = reader.u8().ok_or(FieldProblem::Truncated { id: field })?;
        let registered = registered_type(field);
        let field_type = match (registered, FieldType::from_code(type_code)) {
            (Some(expected), found) if found != Some(expected) => {
                return Err(FieldProblem::WrongType {
                    id: field,
                    found: type_code,
                    expected: expected.code(),
                    name: registered_name(field),
                });
            }
            (_, Some(found)) => found,
            (_, None) => {
                return Err(FieldProblem::UnknownType {
                    id: field,
                    found: type_code,
                });
            }
        };
        let keep = registered.is_some() && accepted.contains(field);
        let value = read_value(&mut reader, field, field_type, keep)?;
        if !keep {
            decoded.skipped += 1;
            continue;
        }
        if let FieldValue::Str(string) = value
            && string != 0
            && !strings.contains(string)
        {
            return Err(FieldProblem::UndefinedString {
                string,
                id: field,
                name: registered_name(field),
            });
        }
        decoded.fields.items.push((field, value));
    }
    Ok(decoded)
}

/// Reads one value of `field_type`; `validate` checks UTF-8 and BOOL values (skipped fields are only
/// bounds-checked).
fn read_value<'a>(
    reader: &mut Reader<'a>,
    field: u8,
    field_type: FieldType,
    validate: bool,
) -> Result<FieldValue<'a>, FieldProblem> {
    let truncated = || FieldProblem::Truncated { id: field };
    let not_utf8 = |error: std::str::Utf8Error| FieldProblem::NotUtf8 {
        id: field,
        detail: error.to_string(),
    };
    Ok(match field_type {
        FieldType::I64 => {
            FieldValue::I64(i64::from_le_bytes(reader.array().ok_or_else(truncated)?))
        }
        FieldType::Str => {
            FieldValue::Str(u32::from_le_bytes(reader.array().ok_or_else(truncated)?))
        }
        FieldType::Bool => match reader.u8().ok_or_else(truncated)? {
            0 => FieldValue::Bool(false),
            1 => FieldValue::Bool(true),
            value if validate => return Err(FieldProblem::BadBool { id: field, value }),
            _ => FieldValue::Bool(true),
        },
        FieldType::Bytes => FieldValue::Bytes(reader.sized().ok_or_else(truncated)?),
        FieldType::Text => {
            let raw = reader.sized().ok_or_else(truncated)?;
            if validate {
                FieldValue::Text(std::str::from_utf8(raw).map_err(not_utf8)?)
            } else {
                FieldValue::Text("")
            }
        }
        FieldType::TextList => {
            let count = u16::from_le_bytes(reader.array().ok_or_else(truncated)?);
            let start = reader.0;
            for _ in 0..count {
                let raw = reader.sized().ok_or_else(truncated)?;
                if validate {
                    std::str::from_utf8(raw).map_err(not_utf8)?;
                }
            }
            let used = start.len() - reader.0.len();
            FieldValue::TextList(TextList {
                count,
                encoded: start.get(..used).unwrap_or_default(),
            })
        }
    })
}

/// A cursor over little-endian bytes; every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn u8(&mut self) -> Option<u8> {
        let (first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*first)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.0.split_first_chunk::<N>()?;
        self.0 = rest;
        Some(*head)
    }

    /// A u16 length followed by that many bytes.
    fn sized(&mut self) -> Option<&'a [u8]> {
        let saved = self.0;
        let length = usize::from(u16::from_le_bytes(self.array()?));
        match self.0.split_at_checked(length) {
            Some((bytes, rest)) => {
                self.0 = rest;
                Some(bytes)
            }
            None => {
                self.0 = saved;
                None
            }
        }
    }

    /// A u16 length followed by that many bytes of UTF-8.
    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.sized()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::strings::StringTable;

    fn field(field: u8, type_code: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![field, type_code];
        out.extend_from_slice(value);
        out
    }

    fn sized(bytes: &[u8]) -> Vec<u8> {
        let mut out = (bytes.len() as u16).to_le_bytes().to_vec();
        out.extend_from_slice(bytes);
        out
    }

    fn all() -> FieldSet {
        REGISTRY
            .iter()
            .fold(FieldSet::EMPTY, |set, (field, _, _)| set.with(*field))
    }

    fn decode<'a>(bytes: &'a [u8], accepted: &FieldSet) -> Result<DecodedFields<'a>, FieldProblem> {
        let strings = StringTable::new();
        strings.define(7, "seven").unwrap();
        decode_fields_reusing(
            bytes,
            accepted,
            &strings.read(),
            &mut SpareFields::default(),
        )
    }

    #[test]
    fn spare_fields_keep_at_most_their_bound_and_hand_out_empty_vectors() {
        let bytes = field(id::OUT_MESSAGE_ID, 1, &5i64.to_le_bytes());
        let strings = StringTable::new();
        let view = strings.read();
        let mut spare = SpareFields::default();
        let mut kept = Vec::new();
        for _ in 0..MAX_SPARE_VECTORS + 3 {
            kept.push(
                decode_fields_reusing(&bytes, &all(), &view, &mut spare)
                    .unwrap()
                    .fields,
            );
        }
        for fields in kept {
            assert_eq!(fields.len(), 1);
            spare.give_back(fields);
        }
        assert_eq!(spare.len(), MAX_SPARE_VECTORS);
        assert!(
            spare.vectors.iter().all(|kept| kept.capacity() >= 1),
            "a vector given back keeps its allocation"
        );
        let reused = decode_fields_reusing(&bytes, &all(), &view, &mut spare).unwrap();
        assert_eq!(
            reused.fields.get(id::OUT_MESSAGE_ID),
            Some(FieldValue::I64(5))
        );
        assert_eq!(reused.fields.len(), 1, "a reused vector starts empty");
        assert_eq!(spare.len(), MAX_SPARE_VECTORS - 1);
        // A vector grown beyond the bound is freed, not kept.
        let mut large = Fields::default();
        large.items.reserve(MAX_SPARE_CAPACITY + 1);
        spare.give_back(large);
        assert_eq!(spare.len(), MAX_SPARE_VECTORS - 1);
    }

    #[test]
    fn registry_ids_are_unique_and_match_the_lookup() {
        for (index, (field, field_type, _)) in REGISTRY.iter().enumerate() {
            assert!(
                REGISTRY[index + 1..]
                    .iter()
                    .all(|(other, _, _)| other != field),
                "id {field} twice"
            );
            assert_eq!(registered_type(*field), Some(*field_type));
        }
        assert_eq!(registered_type(0), None);
        assert_eq!(registered_type(200), None);
        assert_eq!(registered_name(3), "keyspace_name");
        for code in 1..=6 {
            assert_eq!(FieldType::from_code(code).map(FieldType::code), Some(code));
        }
        assert_eq!(FieldType::from_code(7), None);
    }

    #[test]
    fn decodes_every_type() {
        let mut bytes = field(id::EVENT_TIME, 1, &(-5i64).to_le_bytes());
        bytes.extend(field(id::NODE, 2, &7u32.to_le_bytes()));
        bytes.extend(field(id::KEYSPACE, 2, &0u32.to_le_bytes()));
        bytes.extend(field(id::RANGE_SCAN, 3, &[1]));
        bytes.extend(field(id::PARTITION_KEY, 4, &sized(b"\x00\x2a")));
        bytes.extend(field(id::BATCH_ID, 5, &sized("bätch".as_bytes())));
        let mut list = 2u16.to_le_bytes().to_vec();
        list.extend(sized(b"3"));
        list.extend(sized(b""));
        bytes.extend(field(id::OUTPUT_SSTABLES, 6, &list));
        bytes.extend(field(id::INPUT_SSTABLES, 6, &0u16.to_le_bytes()));
        let decoded = decode(&bytes, &all()).unwrap();
        assert_eq!(decoded.skipped, 0);
        let fields = &decoded.fields;
        assert_eq!(fields.len(), 8);
        assert_eq!(fields.get(id::EVENT_TIME), Some(FieldValue::I64(-5)));
        assert_eq!(fields.get(id::NODE), Some(FieldValue::Str(7)));
        assert_eq!(fields.get(id::KEYSPACE), Some(FieldValue::Str(0)));
        assert_eq!(fields.get(id::RANGE_SCAN), Some(FieldValue::Bool(true)));
        assert_eq!(
            fields.get(id::PARTITION_KEY),
            Some(FieldValue::Bytes(b"\x00\x2a"))
        );
        assert_eq!(fields.get(id::BATCH_ID), Some(FieldValue::Text("bätch")));
        let Some(FieldValue::TextList(items)) = fields.get(id::OUTPUT_SSTABLES) else {
            panic!("no list");
        };
        assert_eq!(items.iter().collect::<Vec<_>>(), ["3", ""]);
        assert_eq!(items.len(), 2);
        let Some(FieldValue::TextList(empty)) = fields.get(id::INPUT_SSTABLES) else {
            panic!("no list");
        };
        assert!(empty.is_empty() && empty.iter().next().is_none());
        assert_eq!(fields.get(id::TABLE), None);
    }

    #[test]
    fn unknown_and_unaccepted_ids_of_known_types_are_skipped() {
        let accepted = FieldSet::EMPTY.with(id::EVENT_TIME);
        let mut bytes = field(200, 1, &5i64.to_le_bytes());
        bytes.extend(field(201, 5, &sized(b"\xff\xfe")));
        bytes.extend(field(id::EVENT_TIME, 1, &9i64.to_le_bytes()));
        bytes.extend(field(id::FLUSH_ID, 5, &sized(b"f1")));
        bytes.extend(field(202, 2, &99u32.to_le_bytes()));
        bytes.extend(field(203, 3, &[7]));
        let decoded = decode(&bytes, &accepted).unwrap();
        assert_eq!(decoded.skipped, 5);
        assert_eq!(
            decoded.fields.iter().collect::<Vec<_>>(),
            [(id::EVENT_TIME, FieldValue::I64(9))]
        );
    }

    #[test]
    fn the_last_of_repeated_ids_wins() {
        let mut bytes = field(id::ROWS, 1, &1i64.to_le_bytes());
        bytes.extend(field(id::ROWS, 1, &2i64.to_le_bytes()));
        let decoded = decode(&bytes, &all()).unwrap();
        assert_eq!(decoded.fields.get(id::ROWS), Some(FieldValue::I64(2)));
    }

    #[test]
    fn rejects_what_the_spec_rejects() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                field(id::KEYSPACE, 1, &7i64.to_le_bytes()),
                "field 3 has type 1, expected 2",
            ),
            (field(id::KEYSPACE, 2, &[1, 0]), "field 3 is truncated"),
            (vec![id::KEYSPACE], "field 3 is truncated"),
            (
                field(id::BATCH_ID, 5, &[9, 0, b'a']),
                "field 32 is truncated",
            ),
            (
                field(id::BATCH_ID, 9, &[]),
                "field 32 has type 9, expected 5",
            ),
            (field(200, 9, &[]), "field 200 has unknown type 9"),
            (field(200, 4, &[3, 0]), "field 200 is truncated"),
            (
                field(id::BATCH_ID, 5, &sized(b"\xff")),
                "field 32 is not valid UTF-8",
            ),
            (
                field(id::OUTPUT_SSTABLES, 6, &[2, 0, 1, 0, b'a']),
                "field 65 is truncated",
            ),
            (
                field(id::OUTPUT_SSTABLES, 6, &[1, 0, 1, 0, 0xc3]),
                "field 65 is not valid UTF-8",
            ),
            (
                field(id::RANGE_SCAN, 3, &[2]),
                "field 35 is a BOOL of value 2, expected 0 or 1",
            ),
            (
                field(id::NODE, 2, &99u32.to_le_bytes()),
                "string id 99 is not defined (field 2 node)",
            ),
        ];
        for (bytes, expected) in cases {
            let error = decode(&bytes, &all()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{error:?} vs {expected:?}");
        }
    }

    #[test]
    fn field_sets() {
        let set = FieldSet::EMPTY.with(0).with(63).with(64).with(255);
        for field in [0, 63, 64, 255] {
            assert!(set.contains(field));
        }
        assert!(!set.contains(1) && !set.contains(128));
        assert!(!set.without(64).contains(64));
    }

    #[test]
    fn never_panics_on_any_prefix_or_byte() {
        let mut bytes = field(
            id::OUTPUT_SSTABLES,
            6,
            &[2, 0, 1, 0, b'a', 2, 0, b'b', b'c'],
        );
        bytes.extend(field(id::PARTITION_KEY, 4, &sized(b"key")));
        bytes.extend(field(id::EVENT_TIME, 1, &1i64.to_le_bytes()));
        for cut in 0..=bytes.len() {
            let _ = decode(&bytes[..cut], &all());
            for at in 0..cut {
                let mut mutated = bytes[..cut].to_vec();
                for value in [0, 1, 6, 0x7f, 0xff] {
                    mutated[at] = value;
                    let _ = decode(&mutated, &all());
                }
            }
        }
    }
}
