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

/// The field registry (docs/wire-format.md, "Field registry"), declared once: each field's constant
/// (the name `FieldIds.java` uses), id, type and the column it feeds. Everything else is generated from
/// it: the [`id`] constants, [`REGISTRY`], and `tests/vectors/fields.json` (the machine-readable copy
/// that the Java tests, tests/vectors/generate.py and the docs parity test compare with; see
/// [`registry_json`]). Ids 1–24 mirror the fixed part of a MUTATION_EVENT.
macro_rules! fields {
    ($($(#[doc = $doc:literal])* $constant:ident = $id:literal: $field_type:ident, $column:literal;)*) => {
        /// Registered field ids (generated from the `fields!` table).
        pub mod id {
            $($(#[doc = $doc])* pub const $constant: u8 = $id;)*
            /// Highest id of the MUTATION_EVENT fixed part.
            pub const LAST_FIXED: u8 = APPLIED_LOCALLY;
        }

        /// The registry, in declaration order.
        pub const REGISTRY: [RegisteredField; [$($id),*].len()] = [$(RegisteredField {
            id: id::$constant,
            field_type: FieldType::$field_type,
            column: $column,
            constant: stringify!($constant),
        }),*];
    };
}

fields! {
    /// I64 µs since the epoch.
    EVENT_TIME = 1: I64, "event_time";
    /// STR.
    NODE = 2: Str, "node";
    /// STR.
    KEYSPACE = 3: Str, "keyspace_name";
    /// STR.
    TABLE = 4: Str, "table_name";
    /// STR.
    KIND = 5: Str, "kind";
    /// STR.
    USER = 6: Str, "user_name";
    /// STR.
    CLIENT_ADDRESS = 7: Str, "client_address";
    /// STR.
    DRIVER_NAME = 8: Str, "driver_name";
    /// STR.
    DRIVER_VERSION = 9: Str, "driver_version";
    /// STR.
    STATEMENT_TYPE = 10: Str, "statement_type";
    /// I64 protocol code.
    CONSISTENCY = 11: I64, "consistency";
    /// STR.
    COORDINATOR = 12: Str, "coordinator";
    /// STR.
    ERROR = 13: Str, "error";
    /// I64.
    TOKEN = 14: I64, "token";
    /// BYTES, hashed.
    PARTITION_KEY = 15: Bytes, "partition_key";
    /// I64.
    MESSAGE_ID = 16: I64, "message_id";
    /// I64.
    LATENCY_US = 17: I64, "latency_us";
    /// I64.
    BYTES = 18: I64, "bytes";
    /// I64.
    ROWS = 19: I64, "rows";
    /// I64.
    REPLICAS = 20: I64, "replicas";
    /// I64.
    CELLS = 21: I64, "cells";
    /// I64.
    TOMBSTONES = 22: I64, "tombstones";
    /// I64.
    TTL_CELLS = 23: I64, "ttl_cells";
    /// BOOL.
    APPLIED_LOCALLY = 24: Bool, "applied_locally";
    /// I64: id of the MUTATION_REQ a coordinator sent to the remote replicas of a mutation.
    OUT_MESSAGE_ID = 25: I64, "out_message_id";
    /// I64: the coordinator's gossip generation (epoch seconds of its start).
    COORDINATOR_GENERATION = 26: I64, "coordinator_generation";
    /// STR: the node that relayed a write to this replica (remote-DC forwarding).
    FORWARDED_BY = 27: Str, "forwarded_by";
    /// I64: serialized size of a hint.
    HINT_BYTES = 28: I64, "hint_bytes";
    /// TEXT.
    BATCH_ID = 32: Text, "batch_id";
    /// I64.
    BATCH_PARTITIONS = 33: I64, "batch_partitions";
    /// I64.
    BATCH_TABLES = 34: I64, "batch_tables";
    /// BOOL.
    RANGE_SCAN = 35: Bool, "range_scan";
    /// I64.
    ROWS_RETURNED = 36: I64, "rows_returned";
    /// I64.
    TOMBSTONES_SCANNED = 37: I64, "tombstones_scanned";
    /// I64.
    LIVE_ROWS = 38: I64, "live_rows";
    /// I64.
    PARTITION_TOMBSTONES = 39: I64, "partition_tombstones";
    /// I64.
    ROW_TOMBSTONES = 40: I64, "row_tombstones";
    /// I64.
    RANGE_TOMBSTONES = 41: I64, "range_tombstones";
    /// I64.
    CELL_TOMBSTONES = 42: I64, "cell_tombstones";
    /// I64.
    TTL_ROWS = 43: I64, "ttl_rows";
    /// STR.
    SESSION_ID = 44: Str, "session_id";
    /// TEXT.
    TRACE_SESSION_ID = 45: Text, "trace_session_id";
    /// BOOL.
    CAS_APPLIED = 46: Bool, "cas_applied";
    /// I64.
    PAXOS_ATTEMPTS = 47: I64, "paxos_attempts";
    /// STR.
    HINT_TARGET = 48: Str, "hint_target";
    /// I64 ms since the epoch.
    HINT_CREATION_TIME = 49: I64, "hint_creation_time";
    /// I64 µs.
    WRITE_TIMESTAMP = 50: I64, "write_timestamp";
    /// TEXT: Cassandra's batchlog UUID (`system.batches` id).
    BATCHLOG_ID = 51: Text, "batchlog_id";
    /// I64 protocol code of the serial consistency (SERIAL, LOCAL_SERIAL).
    SERIAL_CONSISTENCY = 52: I64, "serial_consistency";
    /// I64.
    PAXOS_PREPARES = 53: I64, "paxos_prepares";
    /// I64.
    PAXOS_PROPOSES = 54: I64, "paxos_proposes";
    /// I64.
    PAXOS_COMMITS = 55: I64, "paxos_commits";
    /// TEXT: the Paxos ballot (a time UUID).
    PAXOS_BALLOT = 56: Text, "paxos_ballot";
    /// STR: address of the counter leader.
    COUNTER_LEADER = 57: Str, "counter_leader";
    /// BOOL.
    COUNTER_WRITE = 58: Bool, "counter_write";
    /// I64: mutations held by a batchlog entry.
    BATCHLOG_MUTATIONS = 59: I64, "batchlog_mutations";
    /// TEXT.
    FLUSH_ID = 60: Text, "flush_id";
    /// STR.
    FLUSH_REASON = 61: Str, "flush_reason";
    /// I64.
    PARTITIONS = 62: I64, "partitions";
    /// I64.
    OPERATIONS = 63: I64, "operations";
    /// I64.
    MEMTABLE_BYTES = 64: I64, "memtable_bytes";
    /// TEXT_LIST.
    OUTPUT_SSTABLES = 65: TextList, "output_sstables";
    /// I64.
    BYTES_OUT = 66: I64, "bytes_out";
    /// TEXT.
    COMPACTION_ID = 70: Text, "compaction_id";
    /// STR.
    OPERATION_TYPE = 71: Str, "operation_type";
    /// STR.
    STRATEGY = 72: Str, "strategy";
    /// TEXT_LIST.
    INPUT_SSTABLES = 73: TextList, "input_sstables";
    /// I64.
    BYTES_IN = 74: I64, "bytes_in";
    /// I64.
    PARTITIONS_IN = 75: I64, "partitions_in";
    /// I64.
    PARTITIONS_OUT = 76: I64, "partitions_out";
    /// I64.
    TOMBSTONES_IN_ESTIMATE = 77: I64, "tombstones_in_estimate";
    /// I64.
    TOMBSTONES_OUT_ESTIMATE = 78: I64, "tombstones_out_estimate";
    /// I64.
    DURATION_US = 79: I64, "duration_us";
    /// TEXT.
    SSTABLE_ID = 90: Text, "sstable_id";
    /// STR.
    CHANGE = 91: Str, "change";
    /// STR.
    ORIGIN = 92: Str, "origin";
    /// TEXT.
    ORIGIN_ID = 93: Text, "origin_id";
    /// I64.
    SIZE_BYTES = 94: I64, "size_bytes";
    /// I64.
    TOMBSTONE_ESTIMATE = 95: I64, "tombstone_estimate";
    /// I64.
    LEVEL = 96: I64, "level";
    /// STR.
    OUTCOME = 100: Str, "outcome";
    /// TEXT.
    REASON = 101: Text, "reason";
    /// STR: `v1` or `v2`.
    PAXOS_VARIANT = 102: Str, "paxos_variant";
}

/// One entry of the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegisteredField {
    /// The field id.
    pub id: u8,
    /// Its type.
    pub field_type: FieldType,
    /// The column it feeds.
    pub column: &'static str,
    /// The constant naming it (`id::EVENT_TIME`, Java's `FieldIds.EVENT_TIME`).
    pub constant: &'static str,
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

    /// The name docs/wire-format.md and `tests/vectors/fields.json` give the type.
    pub const fn name(self) -> &'static str {
        match self {
            FieldType::I64 => "I64",
            FieldType::Str => "STR",
            FieldType::Bool => "BOOL",
            FieldType::Bytes => "BYTES",
            FieldType::Text => "TEXT",
            FieldType::TextList => "TEXT_LIST",
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

/// id → registered type, for O(1) lookups while decoding.
const TYPES: [Option<FieldType>; 256] = {
    let mut types = [None; 256];
    let mut index = 0;
    while index < REGISTRY.len() {
        let field = REGISTRY[index];
        types[field.id as usize] = Some(field.field_type);
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
        .find(|registered| registered.id == field)
        .map_or("unregistered", |registered| registered.column)
}

/// The registry as `tests/vectors/fields.json` holds it: one object per line, in declaration order
/// (`{"id": 1, "constant": "EVENT_TIME", "type": "I64", "column": "event_time"}`). A parity test keeps
/// the committed file equal to this text.
pub fn registry_json() -> String {
    let lines: Vec<String> = REGISTRY
        .iter()
        .map(|field| {
            format!(
                "  {{\"id\": {}, \"constant\": \"{}\", \"type\": \"{}\", \"column\": \"{}\"}}",
                field.id,
                field.constant,
                field.field_type.name(),
                field.column
            )
        })
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
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
            .fold(FieldSet::EMPTY, |set, field| set.with(field.id))
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
        for (index, field) in REGISTRY.iter().enumerate() {
            for other in &REGISTRY[index + 1..] {
                assert_ne!(other.id, field.id, "id {} twice", field.id);
                assert_ne!(other.constant, field.constant);
            }
            assert_eq!(registered_type(field.id), Some(field.field_type));
        }
        assert_eq!(id::LAST_FIXED, 24);
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
