//! The lineage tables as data (docs/schema.md): for each table, its columns in file order, each with
//! its type and where its value comes from (a registered field, or something derived from one).
//!
//! Invariants:
//! - column names, order and types are exactly those of docs/schema.md (columns are only ever added);
//! - every column is nullable except `event_time`, which every event carries (a TAGGED_EVENT without
//!   field 1 is rejected by the decoder);
//! - a `Field` column's type agrees with its field's registered type (checked by a unit test), so the
//!   row builder never has to convert between kinds of values;
//! - a table accepts exactly the fields its columns read ([`LineageTable::accepted_fields`]); the
//!   decoder skips (and counts) the others.

pub mod catalog;
pub mod rows;
pub mod schema;
pub mod stats_rows;

use crate::decode::fields::{FieldSet, id};

/// A lineage table: where a TAGGED_EVENT's row (or a MUTATION_EVENT's) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineageTable {
    /// `events` (code 1): writes and reads.
    Events,
    /// `flushes` (code 2).
    Flushes,
    /// `compactions` (code 3).
    Compactions,
    /// `sstables` (code 4).
    Sstables,
    /// `auth_events` (code 5).
    AuthEvents,
}

impl LineageTable {
    /// Every table, in code order (`ALL[t.index()] == t`).
    pub const ALL: [LineageTable; 5] = [
        LineageTable::Events,
        LineageTable::Flushes,
        LineageTable::Compactions,
        LineageTable::Sstables,
        LineageTable::AuthEvents,
    ];

    /// The TAGGED_EVENT table byte → table, `None` for unknown codes.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|table| table.code() == code)
    }

    /// The TAGGED_EVENT table byte.
    pub const fn code(self) -> u8 {
        self.index() as u8 + 1
    }

    /// Position in [`LineageTable::ALL`].
    pub const fn index(self) -> usize {
        match self {
            LineageTable::Events => 0,
            LineageTable::Flushes => 1,
            LineageTable::Compactions => 2,
            LineageTable::Sstables => 3,
            LineageTable::AuthEvents => 4,
        }
    }

    /// Directory name under the lineage root.
    pub const fn name(self) -> &'static str {
        match self {
            LineageTable::Events => "events",
            LineageTable::Flushes => "flushes",
            LineageTable::Compactions => "compactions",
            LineageTable::Sstables => "sstables",
            LineageTable::AuthEvents => "auth_events",
        }
    }

    /// Every column, in file order (including `partition_key_hex`, written only with `raw_keys`).
    pub const fn columns(self) -> &'static [Column] {
        match self {
            LineageTable::Events => EVENTS,
            LineageTable::Flushes => FLUSHES,
            LineageTable::Compactions => COMPACTIONS,
            LineageTable::Sstables => SSTABLES,
            LineageTable::AuthEvents => AUTH_EVENTS,
        }
    }

    /// The fields a TAGGED_EVENT of this table may carry (the others are skipped).
    pub const fn accepted_fields(self) -> &'static FieldSet {
        match self {
            LineageTable::Events => &EVENTS_FIELDS,
            LineageTable::Flushes => &FLUSHES_FIELDS,
            LineageTable::Compactions => &COMPACTIONS_FIELDS,
            LineageTable::Sstables => &SSTABLES_FIELDS,
            LineageTable::AuthEvents => &AUTH_EVENTS_FIELDS,
        }
    }
}

/// The fields a MUTATION_EVENT extension may carry: those of `events` beyond the fixed part (ids 1–24
/// come from the fixed part; sent again as extension fields they are skipped).
pub const MUTATION_EXTENSION_FIELDS: FieldSet = {
    let mut set = EVENTS_FIELDS;
    let mut field = 0;
    while field <= id::LAST_FIXED {
        set = set.without(field);
        field += 1;
    }
    set
};

/// Column types (DuckDB names in docs/schema.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// TIMESTAMP (µs, no time zone).
    Timestamp,
    /// VARCHAR.
    Text,
    /// BIGINT.
    BigInt,
    /// INTEGER (values saturate at the i32 bounds).
    Integer,
    /// BOOLEAN.
    Boolean,
    /// VARCHAR[] (Arrow List<Utf8>).
    TextList,
}

/// The identity-map columns (joined on `user_name`, field 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityPart {
    /// `owner`.
    Owner,
    /// `team`.
    Team,
    /// `identity_kind`: `service` or `person`.
    Kind,
    /// `external_identity`.
    ExternalIdentity,
}

/// Where a column's value comes from. Absent fields (and string id 0) are NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The field itself: I64 → TIMESTAMP (µs) / BIGINT / INTEGER, STR (resolved) or TEXT → VARCHAR,
    /// BOOL → BOOLEAN, TEXT_LIST → VARCHAR[].
    Field(u8),
    /// An I64 of milliseconds since the epoch → TIMESTAMP.
    Millis(u8),
    /// An I64 consistency protocol code → its name (255 = NULL).
    Consistency(u8),
    /// BYTES → keyed SipHash-2-4 of the bytes.
    KeyHash(u8),
    /// BYTES → lowercase hex; the column exists only with `raw_keys=true`.
    KeyHex(u8),
    /// From the identity map, for the row's `user_name`.
    Identity(IdentityPart),
}

impl Source {
    /// The field this source reads.
    pub const fn field(self) -> u8 {
        match self {
            Source::Field(field)
            | Source::Millis(field)
            | Source::Consistency(field)
            | Source::KeyHash(field)
            | Source::KeyHex(field) => field,
            Source::Identity(_) => id::USER,
        }
    }
}

/// One column of a lineage table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Its type.
    pub column_type: ColumnType,
    /// Where its value comes from.
    pub source: Source,
}

impl Column {
    /// NULL allowed: every column but `event_time`.
    pub fn nullable(&self) -> bool {
        self.source != Source::Field(id::EVENT_TIME)
    }

    /// Written only with `raw_keys=true`.
    pub fn raw_keys_only(&self) -> bool {
        matches!(self.source, Source::KeyHex(_))
    }
}

const fn column(name: &'static str, column_type: ColumnType, source: Source) -> Column {
    Column {
        name,
        column_type,
        source,
    }
}

const fn text(name: &'static str, field: u8) -> Column {
    column(name, ColumnType::Text, Source::Field(field))
}

const fn big(name: &'static str, field: u8) -> Column {
    column(name, ColumnType::BigInt, Source::Field(field))
}

const fn int(name: &'static str, field: u8) -> Column {
    column(name, ColumnType::Integer, Source::Field(field))
}

const fn boolean(name: &'static str, field: u8) -> Column {
    column(name, ColumnType::Boolean, Source::Field(field))
}

const fn list(name: &'static str, field: u8) -> Column {
    column(name, ColumnType::TextList, Source::Field(field))
}

const fn identity(name: &'static str, part: IdentityPart) -> Column {
    column(name, ColumnType::Text, Source::Identity(part))
}

const EVENT_TIME: Column = column(
    "event_time",
    ColumnType::Timestamp,
    Source::Field(id::EVENT_TIME),
);
const NODE: Column = text("node", id::NODE);
const KEYSPACE_NAME: Column = text("keyspace_name", id::KEYSPACE);
const TABLE_NAME: Column = text("table_name", id::TABLE);
const OWNER: Column = identity("owner", IdentityPart::Owner);
const TEAM: Column = identity("team", IdentityPart::Team);
const IDENTITY_KIND: Column = identity("identity_kind", IdentityPart::Kind);
const EXTERNAL_IDENTITY: Column = identity("external_identity", IdentityPart::ExternalIdentity);

/// `events`: the original columns, then the additions for full coverage.
const EVENTS: &[Column] = &[
    EVENT_TIME,
    NODE,
    text("kind", id::KIND),
    KEYSPACE_NAME,
    TABLE_NAME,
    big("token", id::TOKEN),
    column(
        "partition_key_hash",
        ColumnType::BigInt,
        Source::KeyHash(id::PARTITION_KEY),
    ),
    column(
        "partition_key_hex",
        ColumnType::Text,
        Source::KeyHex(id::PARTITION_KEY),
    ),
    text("user_name", id::USER),
    text("client_address", id::CLIENT_ADDRESS),
    text("driver_name", id::DRIVER_NAME),
    text("driver_version", id::DRIVER_VERSION),
    text("statement_type", id::STATEMENT_TYPE),
    column(
        "consistency",
        ColumnType::Text,
        Source::Consistency(id::CONSISTENCY),
    ),
    big("bytes", id::BYTES),
    int("rows", id::ROWS),
    int("cells", id::CELLS),
    int("tombstones", id::TOMBSTONES),
    int("ttl_cells", id::TTL_CELLS),
    int("replicas", id::REPLICAS),
    text("coordinator", id::COORDINATOR),
    big("message_id", id::MESSAGE_ID),
    big("latency_us", id::LATENCY_US),
    boolean("applied_locally", id::APPLIED_LOCALLY),
    text("error", id::ERROR),
    // Added for full coverage.
    int("partition_tombstones", id::PARTITION_TOMBSTONES),
    int("row_tombstones", id::ROW_TOMBSTONES),
    int("range_tombstones", id::RANGE_TOMBSTONES),
    int("cell_tombstones", id::CELL_TOMBSTONES),
    int("ttl_rows", id::TTL_ROWS),
    text("batch_id", id::BATCH_ID),
    int("batch_partitions", id::BATCH_PARTITIONS),
    int("batch_tables", id::BATCH_TABLES),
    boolean("range_scan", id::RANGE_SCAN),
    int("rows_returned", id::ROWS_RETURNED),
    int("tombstones_scanned", id::TOMBSTONES_SCANNED),
    int("live_rows", id::LIVE_ROWS),
    text("session_id", id::SESSION_ID),
    text("trace_session_id", id::TRACE_SESSION_ID),
    big("write_timestamp", id::WRITE_TIMESTAMP),
    OWNER,
    TEAM,
    IDENTITY_KIND,
    EXTERNAL_IDENTITY,
    boolean("cas_applied", id::CAS_APPLIED),
    int("paxos_attempts", id::PAXOS_ATTEMPTS),
    text("hint_target", id::HINT_TARGET),
    column(
        "hint_creation_time",
        ColumnType::Timestamp,
        Source::Millis(id::HINT_CREATION_TIME),
    ),
    // Added for lightweight transactions, counters and the batchlog.
    text("batchlog_id", id::BATCHLOG_ID),
    int("batchlog_mutations", id::BATCHLOG_MUTATIONS),
    column(
        "serial_consistency",
        ColumnType::Text,
        Source::Consistency(id::SERIAL_CONSISTENCY),
    ),
    text("paxos_variant", id::PAXOS_VARIANT),
    int("paxos_prepares", id::PAXOS_PREPARES),
    int("paxos_proposes", id::PAXOS_PROPOSES),
    int("paxos_commits", id::PAXOS_COMMITS),
    text("paxos_ballot", id::PAXOS_BALLOT),
    text("counter_leader", id::COUNTER_LEADER),
    boolean("counter_write", id::COUNTER_WRITE),
    // Added for the cluster: joining a write across nodes, hints.
    big("out_message_id", id::OUT_MESSAGE_ID),
    big("coordinator_generation", id::COORDINATOR_GENERATION),
    text("forwarded_by", id::FORWARDED_BY),
    big("hint_bytes", id::HINT_BYTES),
];

/// `flushes`: memtable → SSTables.
const FLUSHES: &[Column] = &[
    EVENT_TIME,
    NODE,
    KEYSPACE_NAME,
    TABLE_NAME,
    text("flush_id", id::FLUSH_ID),
    text("flush_reason", id::FLUSH_REASON),
    big("partitions", id::PARTITIONS),
    big("operations", id::OPERATIONS),
    big("memtable_bytes", id::MEMTABLE_BYTES),
    list("output_sstables", id::OUTPUT_SSTABLES),
    big("bytes_out", id::BYTES_OUT),
];

/// `compactions`: SSTables → compaction → SSTables.
const COMPACTIONS: &[Column] = &[
    EVENT_TIME,
    NODE,
    KEYSPACE_NAME,
    TABLE_NAME,
    text("compaction_id", id::COMPACTION_ID),
    text("operation_type", id::OPERATION_TYPE),
    text("strategy", id::STRATEGY),
    list("input_sstables", id::INPUT_SSTABLES),
    list("output_sstables", id::OUTPUT_SSTABLES),
    big("bytes_in", id::BYTES_IN),
    big("bytes_out", id::BYTES_OUT),
    big("partitions_in", id::PARTITIONS_IN),
    big("partitions_out", id::PARTITIONS_OUT),
    big("tombstones_in_estimate", id::TOMBSTONES_IN_ESTIMATE),
    big("tombstones_out_estimate", id::TOMBSTONES_OUT_ESTIMATE),
    big("duration_us", id::DURATION_US),
];

/// `sstables`: one row per SSTable change (`rows` is field 19, as in `events`).
const SSTABLES: &[Column] = &[
    EVENT_TIME,
    NODE,
    KEYSPACE_NAME,
    TABLE_NAME,
    text("sstable_id", id::SSTABLE_ID),
    text("change", id::CHANGE),
    text("origin", id::ORIGIN),
    text("origin_id", id::ORIGIN_ID),
    big("size_bytes", id::SIZE_BYTES),
    big("rows", id::ROWS),
    big("tombstone_estimate", id::TOMBSTONE_ESTIMATE),
    big("level", id::LEVEL),
];

/// `auth_events`: logins.
const AUTH_EVENTS: &[Column] = &[
    EVENT_TIME,
    NODE,
    text("user_name", id::USER),
    text("client_address", id::CLIENT_ADDRESS),
    text("session_id", id::SESSION_ID),
    text("outcome", id::OUTCOME),
    text("reason", id::REASON),
    OWNER,
    TEAM,
    IDENTITY_KIND,
    EXTERNAL_IDENTITY,
];

/// The fields `columns` read.
const fn fields_of(columns: &[Column]) -> FieldSet {
    let mut set = FieldSet::EMPTY;
    let mut index = 0;
    while index < columns.len() {
        set = set.with(columns[index].source.field());
        index += 1;
    }
    set
}

const EVENTS_FIELDS: FieldSet = fields_of(EVENTS);
const FLUSHES_FIELDS: FieldSet = fields_of(FLUSHES);
const COMPACTIONS_FIELDS: FieldSet = fields_of(COMPACTIONS);
const SSTABLES_FIELDS: FieldSet = fields_of(SSTABLES);
const AUTH_EVENTS_FIELDS: FieldSet = fields_of(AUTH_EVENTS);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::fields::{FieldType, REGISTRY, registered_type};

    #[test]
    fn codes_round_trip() {
        for (index, table) in LineageTable::ALL.into_iter().enumerate() {
            assert_eq!(table.index(), index);
            assert_eq!(LineageTable::from_code(table.code()), Some(table));
        }
        assert_eq!(LineageTable::from_code(0), None);
        assert_eq!(LineageTable::from_code(9), None);
        assert_eq!(LineageTable::from_code(1), Some(LineageTable::Events));
        assert_eq!(LineageTable::AuthEvents.code(), 5);
    }

    #[test]
    fn column_types_agree_with_the_registry() {
        for table in LineageTable::ALL {
            for column in table.columns() {
                let field_type = registered_type(column.source.field());
                let expected: &[FieldType] = match (column.source, column.column_type) {
                    (Source::Field(_), ColumnType::Text) => &[FieldType::Str, FieldType::Text],
                    (
                        Source::Field(_),
                        ColumnType::Timestamp | ColumnType::BigInt | ColumnType::Integer,
                    ) => &[FieldType::I64],
                    (Source::Field(_), ColumnType::Boolean) => &[FieldType::Bool],
                    (Source::Field(_), ColumnType::TextList) => &[FieldType::TextList],
                    (Source::Millis(_), ColumnType::Timestamp) => &[FieldType::I64],
                    (Source::Consistency(_), ColumnType::Text) => &[FieldType::I64],
                    (Source::KeyHash(_), ColumnType::BigInt) => &[FieldType::Bytes],
                    (Source::KeyHex(_), ColumnType::Text) => &[FieldType::Bytes],
                    (Source::Identity(_), ColumnType::Text) => &[FieldType::Str],
                    _ => &[],
                };
                assert!(
                    field_type.is_some_and(|found| expected.contains(&found)),
                    "{}.{}: {:?} from {:?}",
                    table.name(),
                    column.name,
                    column.column_type,
                    field_type
                );
            }
        }
    }

    #[test]
    fn names_are_unique_and_every_registered_field_is_used() {
        for table in LineageTable::ALL {
            let columns = table.columns();
            for (index, column) in columns.iter().enumerate() {
                assert!(
                    columns[index + 1..].iter().all(|c| c.name != column.name),
                    "{}.{} twice",
                    table.name(),
                    column.name
                );
                assert_eq!(column.nullable(), column.name != "event_time");
            }
            assert_eq!(columns[0].name, "event_time");
        }
        for field in REGISTRY {
            assert!(
                LineageTable::ALL
                    .iter()
                    .any(|table| table.accepted_fields().contains(field.id)),
                "field {} ({}) feeds no table",
                field.id,
                field.column
            );
        }
        assert_eq!(EVENTS.len(), 62);
    }

    #[test]
    fn extension_fields_exclude_the_fixed_part() {
        assert!(!MUTATION_EXTENSION_FIELDS.contains(id::EVENT_TIME));
        assert!(!MUTATION_EXTENSION_FIELDS.contains(id::APPLIED_LOCALLY));
        assert!(MUTATION_EXTENSION_FIELDS.contains(id::BATCH_ID));
        assert!(MUTATION_EXTENSION_FIELDS.contains(id::HINT_CREATION_TIME));
        assert!(!MUTATION_EXTENSION_FIELDS.contains(id::FLUSH_ID));
        assert!(LineageTable::Sstables.accepted_fields().contains(id::ROWS));
        assert!(!LineageTable::Flushes.accepted_fields().contains(id::ROWS));
        assert!(
            LineageTable::AuthEvents
                .accepted_fields()
                .contains(id::SESSION_ID)
        );
    }
}
