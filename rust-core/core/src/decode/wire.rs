//! Decoder of the batch wire format, version 1 (docs/wire-format.md is the only definition).
//!
//! Invariants:
//! - [`decode_batch`] never panics and never reads out of bounds, whatever the input bytes;
//! - records are processed in order, so a STRING_DEF defines its id for every later event of the batch
//!   (definitions go straight into the shared [`StringTable`]);
//! - every returned [`Event`] is fully valid: for a [`MutationEvent`] its length, kind, flags and
//!   extension fields, for a [`TaggedEvent`] its table, `event_time_us` and fields; every non-zero string
//!   id is defined in the table (ids are never undefined later, so it stays resolvable);
//! - fields a record may not carry (unknown ids of a known type, or ids its table does not use) are
//!   skipped and counted in [`DecodedBatch::skipped_fields`], only for records that are kept;
//! - every rejection is a [`WireError`] whose message names the record index and its byte offset in the
//!   batch, worded as in the spec and tests/vectors/wire-v1.json;
//! - events borrow their partition key from the batch bytes (no copy);
//! - [`decode_batch_reusing`] decodes exactly like [`decode_batch`]; it only takes its vectors from a
//!   [`DecodeScratch`] that earlier batches were recycled into.

use std::fmt;

use crate::decode::fields::{
    FieldProblem, FieldSet, FieldValue, Fields, SpareFields, decode_fields_reusing, id,
};
use crate::decode::strings::{StringError, StringTable, StringsView};
pub use crate::decode::tagged::TaggedEvent;
use crate::decode::tagged::decode_tagged;
use crate::tables::{LineageTable, MUTATION_EXTENSION_FIELDS};

/// The four magic bytes that open every batch.
pub const MAGIC: [u8; 4] = *b"CDF1";
/// Size of the batch header (magic + record_count).
pub const BATCH_HEADER_LEN: usize = 8;
/// Size of a record header (type + length).
pub const RECORD_HEADER_LEN: usize = 3;
/// Size of the fixed part of a MUTATION_EVENT payload.
pub const EVENT_FIXED_LEN: usize = 100;
/// Record type of a string definition.
pub const RECORD_STRING_DEF: u8 = 0x01;
/// Record type of a mutation event.
pub const RECORD_MUTATION_EVENT: u8 = 0x02;
/// Record type of a tagged event (fields, for any lineage table).
pub const RECORD_TAGGED_EVENT: u8 = 0x03;
/// `flags` bit 0: replica write applied from this node's own coordinator path.
pub const FLAG_APPLIED_LOCALLY: u16 = 1 << 0;
/// `flags` bit 1: the coordinator call failed.
pub const FLAG_COORDINATOR_FAILED: u16 = 1 << 1;
/// All flag bits defined by version 1; the others must be 0.
pub const KNOWN_FLAGS: u16 = FLAG_APPLIED_LOCALLY | FLAG_COORDINATOR_FAILED;
/// `consistency` value meaning "unknown".
pub const CONSISTENCY_UNKNOWN: u8 = 255;

/// What kind of write an event describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// This node coordinated a client write (wire code 1).
    CoordinatorWrite,
    /// This node applied a write as a replica (wire code 2).
    ReplicaWrite,
}

impl EventKind {
    /// The wire code → kind, `None` for unknown codes.
    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(EventKind::CoordinatorWrite),
            2 => Some(EventKind::ReplicaWrite),
            _ => None,
        }
    }

    /// The name written to the `kind` column.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::CoordinatorWrite => "coordinator_write",
            EventKind::ReplicaWrite => "replica_write",
        }
    }
}

/// One decoded MUTATION_EVENT. String fields are ids (0 = absent) into the [`StringTable`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutationEvent<'a> {
    /// Microseconds since the Unix epoch, UTC.
    pub event_time_us: i64,
    /// Coordinator or replica write.
    pub kind: EventKind,
    /// Cassandra's consistency code, 255 = unknown.
    pub consistency: u8,
    /// Flag bits ([`FLAG_APPLIED_LOCALLY`], [`FLAG_COORDINATOR_FAILED`]).
    pub flags: u16,
    /// String id: observing node's address.
    pub node: u32,
    /// String id: keyspace.
    pub keyspace: u32,
    /// String id: table.
    pub table: u32,
    /// String id: authenticated role.
    pub user: u32,
    /// String id: client `ip:port`.
    pub client_address: u32,
    /// String id: driver name.
    pub driver_name: u32,
    /// String id: driver version.
    pub driver_version: u32,
    /// String id: statement type.
    pub statement_type: u32,
    /// String id: coordinator's address.
    pub coordinator: u32,
    /// String id: exception class name.
    pub error: u32,
    /// Murmur3 token of the partition key.
    pub token: i64,
    /// Internode message id, -1 = none.
    pub message_id: i64,
    /// Latency in microseconds, -1 = unknown.
    pub latency_us: i64,
    /// Serialized size of the mutation.
    pub bytes: u32,
    /// Rows written or deleted.
    pub rows: u32,
    /// Cells written.
    pub cells: u32,
    /// Deletions of every kind.
    pub tombstones: u32,
    /// Cells written with a TTL.
    pub ttl_cells: u32,
    /// Replicas contacted (coordinator writes).
    pub replicas: u16,
    /// Raw partition key bytes, borrowed from the batch.
    pub key: &'a [u8],
    /// Extension fields after the key (columns of `events` beyond the fixed part).
    pub extension: Fields<'a>,
}

/// The ids [`MutationEvent::field`] answers from the fixed part (1–24 and `applied_locally`).
const FIXED_FIELDS: FieldSet = {
    let mut set = FieldSet::EMPTY;
    let mut field = id::EVENT_TIME;
    while field <= id::TTL_CELLS {
        set = set.with(field);
        field += 1;
    }
    set.with(id::APPLIED_LOCALLY)
};

impl<'a> MutationEvent<'a> {
    /// The value of registered field `field`: ids 1–24 from the fixed part (string id 0, `message_id`
    /// -1 and `latency_us` -1 mean absent), the others from the extension.
    pub fn field(&self, field: u8) -> Option<FieldValue<'a>> {
        let value = match field {
            id::EVENT_TIME => FieldValue::I64(self.event_time_us),
            id::NODE => FieldValue::Str(self.node),
            id::KEYSPACE => FieldValue::Str(self.keyspace),
            id::TABLE => FieldValue::Str(self.table),
            id::KIND => FieldValue::Text(self.kind.name()),
            id::USER => FieldValue::Str(self.user),
            id::CLIENT_ADDRESS => FieldValue::Str(self.client_address),
            id::DRIVER_NAME => FieldValue::Str(self.driver_name),
            id::DRIVER_VERSION => FieldValue::Str(self.driver_version),
            id::STATEMENT_TYPE => FieldValue::Str(self.statement_type),
            id::CONSISTENCY => FieldValue::I64(i64::from(self.consistency)),
            id::COORDINATOR => FieldValue::Str(self.coordinator),
            id::ERROR => FieldValue::Str(self.error),
            id::TOKEN => FieldValue::I64(self.token),
            id::PARTITION_KEY => FieldValue::Bytes(self.key),
            id::MESSAGE_ID => return not_minus_one(self.message_id),
            id::LATENCY_US => return not_minus_one(self.latency_us),
            id::BYTES => FieldValue::I64(i64::from(self.bytes)),
            id::ROWS => FieldValue::I64(i64::from(self.rows)),
            id::REPLICAS => FieldValue::I64(i64::from(self.replicas)),
            id::CELLS => FieldValue::I64(i64::from(self.cells)),
            id::TOMBSTONES => FieldValue::I64(i64::from(self.tombstones)),
            id::TTL_CELLS => FieldValue::I64(i64::from(self.ttl_cells)),
            id::APPLIED_LOCALLY => FieldValue::Bool(self.applied_locally()),
            _ => return self.extension.get(field),
        };
        Some(value)
    }

    /// Adds to `set` every id [`MutationEvent::field`] may answer for this event.
    #[inline]
    pub fn add_field_ids_to(&self, set: &mut FieldSet) {
        set.insert_all(&FIXED_FIELDS);
        self.extension.add_ids_to(set);
    }

    /// Every string field as (field name, id), in wire order.
    pub fn string_ids(&self) -> [(&'static str, u32); 10] {
        [
            ("node", self.node),
            ("keyspace", self.keyspace),
            ("table", self.table),
            ("user", self.user),
            ("client_address", self.client_address),
            ("driver_name", self.driver_name),
            ("driver_version", self.driver_version),
            ("statement_type", self.statement_type),
            ("coordinator", self.coordinator),
            ("error", self.error),
        ]
    }

    /// Flag bit 0.
    pub fn applied_locally(&self) -> bool {
        self.flags & FLAG_APPLIED_LOCALLY != 0
    }

    /// Flag bit 1.
    pub fn coordinator_failed(&self) -> bool {
        self.flags & FLAG_COORDINATOR_FAILED != 0
    }
}

fn not_minus_one<'a>(value: i64) -> Option<FieldValue<'a>> {
    (value != -1).then_some(FieldValue::I64(value))
}

/// One decoded event record: its row goes to [`Event::table`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event<'a> {
    /// A MUTATION_EVENT (a row of `events`).
    Mutation(MutationEvent<'a>),
    /// A TAGGED_EVENT.
    Tagged(TaggedEvent<'a>),
}

impl<'a> Event<'a> {
    /// The table its row goes to.
    pub fn table(&self) -> LineageTable {
        match self {
            Event::Mutation(_) => LineageTable::Events,
            Event::Tagged(event) => event.table,
        }
    }

    /// Microseconds since the Unix epoch, UTC.
    pub fn event_time_us(&self) -> i64 {
        match self {
            Event::Mutation(event) => event.event_time_us,
            Event::Tagged(event) => event.event_time_us,
        }
    }

    /// String id of the observing node (0 = unknown).
    pub fn node(&self) -> u32 {
        match self {
            Event::Mutation(event) => event.node,
            Event::Tagged(event) => event.node(),
        }
    }

    /// The value of registered field `field`, if the event carries it.
    #[inline]
    pub fn field(&self, field: u8) -> Option<FieldValue<'a>> {
        match self {
            Event::Mutation(event) => event.field(field),
            Event::Tagged(event) => event.field(field),
        }
    }

    /// The MUTATION_EVENT, if this is one.
    pub fn as_mutation(&self) -> Option<&MutationEvent<'a>> {
        match self {
            Event::Mutation(event) => Some(event),
            Event::Tagged(_) => None,
        }
    }

    /// Adds to `set` every id [`Event::field`] may answer for this event (a superset: a fixed field of
    /// a MUTATION_EVENT can still be absent).
    #[inline]
    pub fn add_field_ids_to(&self, set: &mut FieldSet) {
        match self {
            Event::Mutation(event) => event.add_field_ids_to(set),
            Event::Tagged(event) => event.fields.add_ids_to(set),
        }
    }

    /// The TAGGED_EVENT, if this is one.
    pub fn as_tagged(&self) -> Option<&TaggedEvent<'a>> {
        match self {
            Event::Mutation(_) => None,
            Event::Tagged(event) => Some(event),
        }
    }
}

/// Where in the batch a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The batch header.
    Batch,
    /// A record: its index (0-based) and the batch offset of its header.
    Record {
        /// 0-based record index.
        index: u32,
        /// Byte offset of the record header in the batch.
        offset: usize,
    },
    /// After the last announced record.
    AfterRecords {
        /// Byte offset where the surplus starts.
        offset: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Batch => Ok(()),
            Location::Record { index, offset } => write!(f, "record {index} at byte {offset}: "),
            Location::AfterRecords { offset } => write!(f, "at byte {offset}: "),
        }
    }
}

/// What is wrong (the wording of docs/wire-format.md and the test vectors).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireProblem {
    /// Fewer than 8 bytes.
    #[error("batch of {len} bytes is shorter than the 8-byte batch header")]
    BatchTooShort {
        /// Batch length.
        len: usize,
    },
    /// The first 4 bytes are not `CDF1`.
    #[error("bad magic {found:02x?}, expected {MAGIC:02x?} (\"CDF1\")")]
    BadMagic {
        /// The bytes found.
        found: [u8; 4],
    },
    /// Fewer than 3 bytes left for a record header.
    #[error("truncated record header ({available} of 3 bytes)")]
    TruncatedHeader {
        /// Bytes left in the batch.
        available: usize,
    },
    /// The payload length exceeds the bytes left.
    #[error("payload of {length} bytes runs past the end ({available} bytes left)")]
    PayloadPastEnd {
        /// Declared payload length.
        length: usize,
        /// Bytes left after the record header.
        available: usize,
    },
    /// Surplus bytes after `record_count` records.
    #[error("{count} bytes left after the last record")]
    TrailingBytes {
        /// Number of surplus bytes.
        count: usize,
    },
    /// MUTATION_EVENT payload shorter than its fixed part.
    #[error("MUTATION_EVENT length {length} < 100")]
    EventTooShort {
        /// Payload length.
        length: usize,
    },
    /// MUTATION_EVENT payload shorter than its fixed part plus its key (longer is an extension).
    #[error("MUTATION_EVENT length {length} != 100 + key_length {key_length}")]
    EventLengthMismatch {
        /// Payload length.
        length: usize,
        /// Declared key length.
        key_length: usize,
    },
    /// Kind is neither 1 nor 2.
    #[error("unknown kind {kind}")]
    UnknownKind {
        /// The kind byte.
        kind: u8,
    },
    /// Flag bits other than 0 and 1 are set.
    #[error("reserved flag bits set: flags {flags:#06x}")]
    ReservedFlags {
        /// The flags field.
        flags: u16,
    },
    /// A non-zero string id that was never defined.
    #[error("string id {id} is not defined (field {field})")]
    UndefinedString {
        /// The id.
        id: u32,
        /// The event field that uses it.
        field: &'static str,
    },
    /// STRING_DEF payload shorter than its id.
    #[error("STRING_DEF length {length} < 4")]
    StringDefTooShort {
        /// Payload length.
        length: usize,
    },
    /// STRING_DEF with id 0.
    #[error("STRING_DEF id 0 is reserved")]
    StringIdZero,
    /// STRING_DEF text is not UTF-8.
    #[error("STRING_DEF id {id} is not valid UTF-8 ({detail})")]
    StringNotUtf8 {
        /// The id.
        id: u32,
        /// Where decoding failed.
        detail: String,
    },
    /// Conflicting redefinition (or another table error).
    #[error(transparent)]
    String(#[from] StringError),
    /// TAGGED_EVENT with an empty payload.
    #[error("TAGGED_EVENT length 0 < 1")]
    TaggedTooShort,
    /// TAGGED_EVENT table byte not in 1..=5.
    #[error("TAGGED_EVENT: unknown table {table}")]
    UnknownTable {
        /// The table byte.
        table: u8,
    },
    /// TAGGED_EVENT without field 1.
    #[error("TAGGED_EVENT for {table}: event_time_us (field 1) is missing")]
    MissingEventTime {
        /// The table name.
        table: &'static str,
    },
    /// A bad field (TAGGED_EVENT or MUTATION_EVENT extension).
    #[error(transparent)]
    Field(#[from] FieldProblem),
}

/// How much of the batch a problem throws away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionScope {
    /// The whole batch (too short, bad magic).
    WholeBatch,
    /// This record and every record after it (framing is lost).
    RestOfBatch,
    /// This record only.
    Record,
}

impl WireProblem {
    /// The scope of rejection given in the spec's error table.
    pub fn scope(&self) -> RejectionScope {
        match self {
            WireProblem::BatchTooShort { .. } | WireProblem::BadMagic { .. } => {
                RejectionScope::WholeBatch
            }
            WireProblem::TruncatedHeader { .. }
            | WireProblem::PayloadPastEnd { .. }
            | WireProblem::TrailingBytes { .. } => RejectionScope::RestOfBatch,
            _ => RejectionScope::Record,
        }
    }
}

/// One rejection: where, and what. Displays as e.g.
/// `record 3 at byte 120: MUTATION_EVENT length 104 != 100 + key_length 12`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}{problem}")]
pub struct WireError {
    /// Where the problem is.
    pub location: Location,
    /// What the problem is.
    pub problem: WireProblem,
}

impl WireError {
    /// The scope of rejection.
    pub fn scope(&self) -> RejectionScope {
        self.problem.scope()
    }
}

/// Everything decoded from one batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DecodedBatch<'a> {
    /// Valid events (MUTATION_EVENT and TAGGED_EVENT), in batch order.
    pub events: Vec<Event<'a>>,
    /// Rejections, in batch order.
    pub errors: Vec<WireError>,
    /// Records of unknown type, skipped.
    pub skipped_records: u64,
    /// Event records (MUTATION_EVENT, TAGGED_EVENT) rejected one by one (a subset of the record-scope
    /// [`DecodedBatch::errors`]; the others are STRING_DEF records).
    pub rejected_event_records: u64,
    /// Fields skipped in the events kept (unknown ids of a known type, or not used by the table).
    pub skipped_fields: u64,
    /// STRING_DEF records applied (including identical redefinitions).
    pub string_defs: u64,
}

impl DecodedBatch<'_> {
    /// True if a batch-level problem (whole batch, or rest of batch) cut decoding short.
    pub fn cut_short(&self) -> bool {
        self.errors
            .iter()
            .any(|error| error.scope() != RejectionScope::Record)
    }

    /// Number of single-record rejections.
    pub fn rejected_records(&self) -> usize {
        self.errors
            .iter()
            .filter(|error| error.scope() == RejectionScope::Record)
            .count()
    }
}

/// The vectors of batches already processed, for the next batch to decode into (see
/// [`decode_batch_reusing`] and [`DecodedBatch::recycle`]): once warm, decoding allocates nothing per
/// event.
///
/// Invariants: it holds no event, only the capacity of the largest batch's events vector (≤ ~1,000
/// events: a 16 KiB agent batch), and only empty field vectors (bounded by [`SpareFields`]).
#[derive(Debug, Default)]
pub struct DecodeScratch {
    events: Vec<Event<'static>>,
    fields: SpareFields,
}

impl DecodeScratch {
    /// Field vectors held for reuse.
    pub fn spare_field_vectors(&self) -> usize {
        self.fields.len()
    }

    /// Capacity of the events vector held for reuse.
    pub fn events_capacity(&self) -> usize {
        self.events.capacity()
    }
}

impl DecodedBatch<'_> {
    /// Gives this batch's vectors to `scratch` for the next [`decode_batch_reusing`].
    pub fn recycle(self, scratch: &mut DecodeScratch) {
        let mut events = self.events;
        for event in events.drain(..) {
            match event {
                Event::Mutation(event) => scratch.fields.give_back(event.extension),
                Event::Tagged(event) => scratch.fields.give_back(event.fields),
            }
        }
        if events.capacity() > scratch.events.capacity() {
            // Empty, collected in place: the allocation is kept and the batch lifetime forgotten (the
            // closure never runs).
            scratch.events = events
                .into_iter()
                .map(|_| Event::Tagged(TaggedEvent::placeholder()))
                .collect();
        }
    }
}

/// Decodes one batch, applying its STRING_DEF records to `strings` as they come.
pub fn decode_batch<'a>(batch: &'a [u8], strings: &StringTable) -> DecodedBatch<'a> {
    decode_batch_reusing(batch, strings, &mut DecodeScratch::default())
}

/// [`decode_batch`], into vectors taken from `scratch` (hand them back with [`DecodedBatch::recycle`]).
pub fn decode_batch_reusing<'a>(
    batch: &'a [u8],
    strings: &StringTable,
    scratch: &mut DecodeScratch,
) -> DecodedBatch<'a> {
    let mut decoded = DecodedBatch {
        events: std::mem::take(&mut scratch.events),
        ..DecodedBatch::default()
    };
    let record_count = match read_header(batch) {
        Ok(count) => count,
        Err(problem) => {
            decoded.errors.push(WireError {
                location: Location::Batch,
                problem,
            });
            return decoded;
        }
    };
    let estimated_events =
        (batch.len() / (RECORD_HEADER_LEN + EVENT_FIXED_LEN)).min(record_count as usize);
    decoded.events.reserve(estimated_events);

    // One read lock for a run of events; dropped before a STRING_DEF takes the write lock.
    let mut view: Option<StringsView<'_>> = None;
    let mut offset = BATCH_HEADER_LEN;
    for index in 0..record_count {
        let location = Location::Record { index, offset };
        let (record_type, payload) = match split_record(batch, offset) {
            Ok(record) => record,
            Err(problem) => {
                decoded.errors.push(WireError { location, problem });
                return decoded;
            }
        };
        let outcome = match record_type {
            RECORD_STRING_DEF => {
                view = None;
                apply_string_def(payload, strings).map(|()| decoded.string_defs += 1)
            }
            RECORD_MUTATION_EVENT => {
                let view = view.get_or_insert_with(|| strings.read());
                decode_event(payload, view, &mut scratch.fields).map(|(event, skipped)| {
                    decoded.skipped_fields += skipped;
                    decoded.events.push(Event::Mutation(event));
                })
            }
            RECORD_TAGGED_EVENT => {
                let view = view.get_or_insert_with(|| strings.read());
                decode_tagged(payload, view, &mut scratch.fields).map(|(event, skipped)| {
                    decoded.skipped_fields += skipped;
                    decoded.events.push(Event::Tagged(event));
                })
            }
            _ => {
                decoded.skipped_records += 1;
                Ok(())
            }
        };
        if let Err(problem) = outcome {
            if record_type != RECORD_STRING_DEF {
                decoded.rejected_event_records += 1;
            }
            decoded.errors.push(WireError { location, problem });
        }
        offset += RECORD_HEADER_LEN + payload.len();
    }
    if offset < batch.len() {
        decoded.errors.push(WireError {
            location: Location::AfterRecords { offset },
            problem: WireProblem::TrailingBytes {
                count: batch.len() - offset,
            },
        });
    }
    decoded
}

/// Checks the batch header and returns `record_count`.
fn read_header(batch: &[u8]) -> Result<u32, WireProblem> {
    let Some((header, _)) = batch.split_first_chunk::<BATCH_HEADER_LEN>() else {
        return Err(WireProblem::BatchTooShort { len: batch.len() });
    };
    let (magic, count) = split_array::<4, 4>(header);
    if magic != MAGIC {
        return Err(WireProblem::BadMagic { found: magic });
    }
    Ok(u32::from_le_bytes(count))
}

/// The record at `offset`: its type and payload, or the framing problem.
fn split_record(batch: &[u8], offset: usize) -> Result<(u8, &[u8]), WireProblem> {
    let rest = batch.get(offset..).unwrap_or_default();
    let Some(([record_type, len_lo, len_hi], after_header)) =
        rest.split_first_chunk::<RECORD_HEADER_LEN>()
    else {
        return Err(WireProblem::TruncatedHeader {
            available: rest.len(),
        });
    };
    let length = usize::from(u16::from_le_bytes([*len_lo, *len_hi]));
    match after_header.get(..length) {
        Some(payload) => Ok((*record_type, payload)),
        None => Err(WireProblem::PayloadPastEnd {
            length,
            available: after_header.len(),
        }),
    }
}

/// Decodes a STRING_DEF payload into the table.
fn apply_string_def(payload: &[u8], strings: &StringTable) -> Result<(), WireProblem> {
    let Some((id_bytes, text)) = payload.split_first_chunk::<4>() else {
        return Err(WireProblem::StringDefTooShort {
            length: payload.len(),
        });
    };
    let id = u32::from_le_bytes(*id_bytes);
    if id == 0 {
        return Err(WireProblem::StringIdZero);
    }
    let text = std::str::from_utf8(text).map_err(|error| WireProblem::StringNotUtf8 {
        id,
        detail: error.to_string(),
    })?;
    strings.define(id, text)?;
    Ok(())
}

/// Decodes and validates a MUTATION_EVENT payload; returns the event and the number of extension
/// fields skipped.
fn decode_event<'a>(
    payload: &'a [u8],
    strings: &StringsView<'_>,
    spare: &mut SpareFields,
) -> Result<(MutationEvent<'a>, u64), WireProblem> {
    let Some((fixed, after_fixed)) = payload.split_first_chunk::<EVENT_FIXED_LEN>() else {
        return Err(WireProblem::EventTooShort {
            length: payload.len(),
        });
    };
    let fields = FixedFields(fixed);
    let key_length = usize::from(fields.u16_at(98));
    let Some((key, extension)) = after_fixed.split_at_checked(key_length) else {
        return Err(WireProblem::EventLengthMismatch {
            length: payload.len(),
            key_length,
        });
    };
    let kind_code = fields.u8_at(8);
    let kind =
        EventKind::from_code(kind_code).ok_or(WireProblem::UnknownKind { kind: kind_code })?;
    let flags = fields.u16_at(10);
    if flags & !KNOWN_FLAGS != 0 {
        return Err(WireProblem::ReservedFlags { flags });
    }
    let event = MutationEvent {
        event_time_us: fields.i64_at(0),
        kind,
        consistency: fields.u8_at(9),
        flags,
        node: fields.u32_at(12),
        keyspace: fields.u32_at(16),
        table: fields.u32_at(20),
        user: fields.u32_at(24),
        client_address: fields.u32_at(28),
        driver_name: fields.u32_at(32),
        driver_version: fields.u32_at(36),
        statement_type: fields.u32_at(40),
        coordinator: fields.u32_at(44),
        error: fields.u32_at(48),
        token: fields.i64_at(52),
        message_id: fields.i64_at(60),
        latency_us: fields.i64_at(68),
        bytes: fields.u32_at(76),
        rows: fields.u32_at(80),
        cells: fields.u32_at(84),
        tombstones: fields.u32_at(88),
        ttl_cells: fields.u32_at(92),
        replicas: fields.u16_at(96),
        key,
        extension: Fields::default(),
    };
    for (field, id) in event.string_ids() {
        if id != 0 && !strings.contains(id) {
            return Err(WireProblem::UndefinedString { id, field });
        }
    }
    if extension.is_empty() {
        return Ok((event, 0));
    }
    let decoded = decode_fields_reusing(extension, &MUTATION_EXTENSION_FIELDS, strings, spare)?;
    Ok((
        MutationEvent {
            extension: decoded.fields,
            ..event
        },
        decoded.skipped,
    ))
}

/// Little-endian reads at the constant offsets of the 100-byte fixed part (all in bounds by construction).
struct FixedFields<'a>(&'a [u8; EVENT_FIXED_LEN]);

impl FixedFields<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> [u8; N] {
        let mut out = [0u8; N];
        if let Some(source) = self.0.get(at..at + N) {
            out.copy_from_slice(source);
        }
        out
    }

    fn u8_at(&self, at: usize) -> u8 {
        self.bytes::<1>(at)[0]
    }

    fn u16_at(&self, at: usize) -> u16 {
        u16::from_le_bytes(self.bytes(at))
    }

    fn u32_at(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.bytes(at))
    }

    fn i64_at(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.bytes(at))
    }
}

/// Splits an array of `A + B` bytes into two arrays.
fn split_array<const A: usize, const B: usize>(
    bytes: &[u8; BATCH_HEADER_LEN],
) -> ([u8; A], [u8; B]) {
    let mut first = [0u8; A];
    let mut second = [0u8; B];
    first.copy_from_slice(&bytes[..A]);
    second.copy_from_slice(&bytes[A..A + B]);
    (first, second)
}

#[cfg(test)]
mod tests {
    use cdflow_testkit::batch::{batch, mutation_event, record, string_def, tagged_event};
    use cdflow_testkit::fields::FieldBytes;
    use cdflow_testkit::mutation_event::MutationFixed;

    use super::*;

    #[test]
    fn fixed_fields_are_exactly_the_ids_a_mutation_event_answers_without_extension() {
        // `TableRows` skips a column whose field id is not in a run's `add_field_ids_to` set, so a fixed
        // field missing from FIXED_FIELDS would silently become NULL.
        let event = MutationEvent {
            event_time_us: 1,
            kind: EventKind::CoordinatorWrite,
            consistency: 1,
            flags: FLAG_APPLIED_LOCALLY,
            node: 1,
            keyspace: 2,
            table: 3,
            user: 4,
            client_address: 5,
            driver_name: 6,
            driver_version: 7,
            statement_type: 8,
            coordinator: 9,
            error: 10,
            token: 11,
            message_id: 12,
            latency_us: 13,
            bytes: 14,
            rows: 15,
            cells: 16,
            tombstones: 17,
            ttl_cells: 18,
            replicas: 19,
            key: b"k",
            extension: Fields::default(),
        };
        let mut ids = FieldSet::EMPTY;
        event.add_field_ids_to(&mut ids);
        for field in 0..=u8::MAX {
            assert_eq!(
                event.field(field).is_some(),
                FIXED_FIELDS.contains(field) && ids.contains(field),
                "field {field}"
            );
        }
    }

    /// A coordinator write on node 1 at consistency 4 with `flags` and `key`, every other fixed value
    /// 0, and `extension` fields.
    fn event_with_extension(flags: u16, key: &[u8], extension: &[u8]) -> Vec<u8> {
        let fixed = MutationFixed {
            kind: 1,
            consistency: 4,
            flags,
            node: 1,
            ..MutationFixed::default()
        };
        mutation_event(&fixed, key, extension)
    }

    fn event(flags: u16, key: &[u8]) -> Vec<u8> {
        event_with_extension(flags, key, &[])
    }

    #[test]
    fn decodes_defs_then_events_and_skips_unknown_records() {
        let strings = StringTable::new();
        let bytes = batch(&[
            string_def(1, b"node"),
            record(0x7f, b"future"),
            event(1, b"\x01\x02"),
        ]);
        let decoded = decode_batch(&bytes, &strings);
        assert_eq!(decoded.errors, vec![]);
        assert_eq!(decoded.skipped_records, 1);
        assert_eq!(decoded.string_defs, 1);
        assert_eq!(decoded.events.len(), 1);
        let event = decoded.events[0].as_mutation().unwrap();
        assert_eq!(event.key, b"\x01\x02");
        assert!(event.applied_locally());
        assert!(event.extension.is_empty());
        assert_eq!(strings.get(1).as_deref(), Some("node"));
    }

    #[test]
    fn mutation_extension_fields_join_the_fixed_part() {
        let strings = StringTable::new();
        let extension = FieldBytes::new()
            .text(id::BATCH_ID, "b1")
            .i64(id::ROWS, 99) // fixed-part id: skipped
            .i64(200, 5) // unknown id: skipped
            .i64(id::PARTITION_TOMBSTONES, 2);
        let truncated = FieldBytes::new().i64(200, 0).raw(&[id::BATCH_ID, 5, 9, 0]);
        let bytes = batch(&[
            string_def(1, b"n"),
            event_with_extension(0, b"k", extension.as_bytes()),
            event_with_extension(0, b"k", truncated.as_bytes()),
            event_with_extension(0, b"k", &FieldBytes::new().i64(200, 1).as_bytes()[..4]),
        ]);
        let decoded = decode_batch(&bytes, &strings);
        let messages: Vec<String> = decoded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            messages,
            [
                "record 2 at byte 156: field 32 is truncated",
                "record 3 at byte 274: field 200 is truncated"
            ]
        );
        assert_eq!(
            decoded.skipped_fields, 2,
            "skips of rejected records are not counted"
        );
        assert_eq!(decoded.events.len(), 1);
        let event = &decoded.events[0];
        assert_eq!(event.table(), LineageTable::Events);
        assert_eq!(event.field(id::BATCH_ID), Some(FieldValue::Text("b1")));
        assert_eq!(event.field(id::ROWS), Some(FieldValue::I64(0)));
        assert_eq!(
            event.field(id::PARTITION_TOMBSTONES),
            Some(FieldValue::I64(2))
        );
        assert_eq!(
            event.field(id::PARTITION_KEY),
            Some(FieldValue::Bytes(b"k"))
        );
        assert_eq!(
            event.field(id::KIND),
            Some(FieldValue::Text("coordinator_write"))
        );
        assert_eq!(event.field(id::MESSAGE_ID), Some(FieldValue::I64(0)));
        assert_eq!(event.field(id::FLUSH_ID), None);
    }

    #[test]
    fn tagged_events_keep_batch_order_with_mutation_events() {
        let strings = StringTable::new();
        let tagged = FieldBytes::new().i64(id::EVENT_TIME, 7).str(id::NODE, 1);
        let bytes = batch(&[
            string_def(1, b"n"),
            tagged_event(4, tagged.as_bytes()),
            event(0, b""),
            tagged_event(4, &[]),
        ]);
        let decoded = decode_batch(&bytes, &strings);
        assert_eq!(decoded.events.len(), 2);
        assert_eq!(decoded.events[0].table(), LineageTable::Sstables);
        assert_eq!(decoded.events[0].event_time_us(), 7);
        assert_eq!(decoded.events[0].node(), 1);
        assert!(decoded.events[1].as_mutation().is_some());
        assert_eq!(decoded.rejected_records(), 1);
        assert!(
            decoded.errors[0]
                .to_string()
                .ends_with("TAGGED_EVENT for sstables: event_time_us (field 1) is missing")
        );
    }

    /// A batch of two events with extensions, one tagged event and one rejected record.
    fn mixed_batch(time: i64) -> Vec<u8> {
        let tagged = FieldBytes::new().i64(id::EVENT_TIME, time).str(id::NODE, 1);
        batch(&[
            string_def(1, b"n"),
            event_with_extension(
                0,
                b"k1",
                FieldBytes::new().i64(id::OUT_MESSAGE_ID, time).as_bytes(),
            ),
            tagged_event(4, tagged.as_bytes()),
            tagged_event(4, &[]),
            event_with_extension(
                0,
                b"k2",
                FieldBytes::new()
                    .i64(id::WRITE_TIMESTAMP, time + 1)
                    .as_bytes(),
            ),
        ])
    }

    #[test]
    fn decoding_with_recycled_vectors_gives_the_same_batch_and_reuses_them() {
        let strings = StringTable::new();
        let mut scratch = DecodeScratch::default();
        for round in 0..3 {
            // A new buffer every round: recycled vectors must not depend on an earlier batch's bytes.
            let bytes = mixed_batch(100 + round);
            let expected = decode_batch(&bytes, &strings);
            let decoded = decode_batch_reusing(&bytes, &strings, &mut scratch);
            assert_eq!(decoded, expected, "round {round}");
            assert_eq!(decoded.events.len(), 3);
            // Every kept field vector is in use now; the scratch holds none of this batch's.
            assert_eq!(scratch.spare_field_vectors(), 0, "round {round}");
            decoded.recycle(&mut scratch);
            assert_eq!(scratch.spare_field_vectors(), 3, "round {round}");
            assert!(scratch.events_capacity() >= 3, "round {round}");
        }
    }

    #[test]
    fn record_level_errors_keep_the_rest_of_the_batch() {
        let strings = StringTable::new();
        let bytes = batch(&[
            string_def(1, b"n"),
            event(4, b""),
            string_def(2, b"\xff"),
            string_def(3, b""),
            record(RECORD_STRING_DEF, b"\x01"),
            record(RECORD_MUTATION_EVENT, &[0u8; 90]),
            event(0, b""),
        ]);
        let decoded = decode_batch(&bytes, &strings);
        let messages: Vec<String> = decoded.errors.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert_eq!(
            messages[0],
            "record 1 at byte 16: reserved flag bits set: flags 0x0004"
        );
        assert!(
            messages[1].starts_with("record 2 at byte 119: STRING_DEF id 2 is not valid UTF-8")
        );
        assert_eq!(messages[2], "record 4 at byte 134: STRING_DEF length 1 < 4");
        assert_eq!(
            messages[3],
            "record 5 at byte 138: MUTATION_EVENT length 90 < 100"
        );
        assert_eq!(decoded.events.len(), 1);
        assert_eq!(strings.get(3).as_deref(), Some(""));
        assert_eq!(decoded.rejected_records(), 4);
        assert!(!decoded.cut_short());
    }

    #[test]
    fn header_problems_reject_the_whole_batch() {
        let strings = StringTable::new();
        let decoded = decode_batch(b"", &strings);
        assert_eq!(
            decoded.errors[0].to_string(),
            "batch of 0 bytes is shorter than the 8-byte batch header"
        );
        assert_eq!(decoded.errors[0].scope(), RejectionScope::WholeBatch);
        let decoded = decode_batch(b"XDF1\0\0\0\0", &strings);
        assert!(
            decoded.errors[0].to_string().starts_with("bad magic"),
            "{}",
            decoded.errors[0]
        );
        assert!(decoded.cut_short());
    }

    #[test]
    fn huge_record_count_stops_at_the_end() {
        let strings = StringTable::new();
        let mut bytes = batch(&[string_def(1, b"x")]);
        bytes[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let decoded = decode_batch(&bytes, &strings);
        assert_eq!(decoded.errors.len(), 1);
        assert_eq!(
            decoded.errors[0].to_string(),
            "record 1 at byte 16: truncated record header (0 of 3 bytes)"
        );
        assert_eq!(decoded.errors[0].scope(), RejectionScope::RestOfBatch);
    }

    /// A tiny deterministic generator (xorshift64*), so the fuzz test needs no dependency.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn never_panics_on_random_mutated_or_truncated_input() {
        let strings = StringTable::new();
        let tagged = FieldBytes::new()
            .i64(id::EVENT_TIME, 7)
            .text_list(id::OUTPUT_SSTABLES, &["a", "b"]);
        let valid = batch(&[
            string_def(1, b"n"),
            event(0, b"key"),
            event(3, b""),
            record(9, b"zz"),
            tagged_event(2, tagged.as_bytes()),
            event_with_extension(
                0,
                b"k",
                FieldBytes::new().text(id::BATCH_ID, "x").as_bytes(),
            ),
        ]);
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        for cut in 0..=valid.len() {
            let _ = decode_batch(&valid[..cut], &strings);
        }
        for _ in 0..20_000 {
            let mut bytes = valid.clone();
            for _ in 0..(rng.next() % 6) {
                let at = (rng.next() as usize) % bytes.len();
                bytes[at] = rng.next() as u8;
            }
            let cut = (rng.next() as usize) % (bytes.len() + 1);
            let _ = decode_batch(&bytes[..cut], &StringTable::new());
            let len = (rng.next() % 300) as usize;
            let mut noise: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if noise.len() >= 4 && rng.next().is_multiple_of(2) {
                noise[..4].copy_from_slice(&MAGIC);
            }
            let _ = decode_batch(&noise, &strings);
        }
    }
}
