//! Arrow builders for the rows of any lineage table, driven by its column list ([`crate::tables`]):
//! decoded [`Event`]s in, one row each out.
//!
//! Invariants:
//! - columns are produced in the order of the table's [`TableLayout`] (= its Arrow schema);
//! - an absent field, string id 0 and any id that does not resolve become NULL, never "";
//! - I64 values saturate at the i32 bounds in INTEGER columns; a millisecond timestamp that overflows
//!   µs becomes NULL; consistency codes map like the fixed event's (255 = NULL);
//! - the identity map is consulted once per row, only for tables with identity columns, on the row's
//!   resolved `user_name`;
//! - appending never fails: a value whose kind does not fit its column (impossible by the registry /
//!   column agreement that `tables` tests) becomes NULL.
//!
//! Cost: rows are appended column by column over a run of events ([`TableRows::append_run`]), so a
//! column's source and type are matched once per run and each inner loop is monomorphized and
//! branch-predictable; NULLs are only counted and appended in bulk when a value (or the end of the
//! batch) comes, so a MUTATION_EVENT pays next to nothing for the many columns it leaves NULL.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, PrimitiveBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{ArrowPrimitiveType, SchemaRef};
use arrow::error::ArrowError;

use crate::decode::fields::{FieldSet, FieldValue, TextList, id};
use crate::decode::strings::StringsView;
use crate::decode::wire::Event;
use crate::enrich::consistency::consistency_name_of;
use crate::enrich::identity::{Identity, IdentityMap};
use crate::enrich::keyhash::PartitionKeyHasher;
use crate::sink::rolling::RowBuffer;
use crate::tables::schema::{columns_schema, list_item_field, written_columns};
use crate::tables::{Column, ColumnType, LineageTable, Source};

/// The columns one table writes (its `raw_keys` choice applied) and their schema.
#[derive(Debug)]
pub struct TableLayout {
    /// The table.
    pub table: LineageTable,
    /// Its written columns, in file order.
    pub columns: Vec<Column>,
    /// The Arrow schema of those columns.
    pub schema: SchemaRef,
    /// True if a column comes from the identity map.
    joins_identity: bool,
}

impl TableLayout {
    /// The layout of `table` with or without `partition_key_hex`.
    pub fn new(table: LineageTable, raw_keys: bool) -> Arc<Self> {
        Self::from_columns(table, written_columns(table, raw_keys))
    }

    /// The layout of `table` writing only `columns` (benchmarks measure how the cost scales with the
    /// number of columns; the writer always uses [`TableLayout::new`]).
    pub fn from_columns(table: LineageTable, columns: Vec<Column>) -> Arc<Self> {
        let schema = columns_schema(&columns);
        let joins_identity = columns
            .iter()
            .any(|column| matches!(column.source, Source::Identity(_)));
        Arc::new(TableLayout {
            table,
            columns,
            schema,
            joins_identity,
        })
    }
}

/// What rows are resolved with: strings, the partition-key hasher, the identity map.
pub struct RowContext<'c> {
    /// The string table, read-locked.
    pub strings: &'c StringsView<'c>,
    /// The keyed partition-key hash.
    pub hasher: &'c PartitionKeyHasher,
    /// Role → identity (empty without `identity_map`).
    pub identities: &'c IdentityMap,
}

impl RowContext<'_> {
    /// The identity-map entry of the event's `user_name`, if any.
    fn identity_of(&self, event: &Event<'_>) -> Option<&Identity> {
        if self.identities.is_empty() {
            return None;
        }
        let user = event.field(id::USER).and_then(FieldValue::as_string_id)?;
        self.identities.get(self.strings.get(user)?)
    }
}

/// Buffered rows of one table, not yet encoded.
pub struct TableRows {
    layout: Arc<TableLayout>,
    builders: Vec<ColumnBuilder>,
    len: usize,
    hex: String,
}

impl TableRows {
    /// Empty buffers for `layout`.
    pub fn new(layout: Arc<TableLayout>) -> Self {
        let builders = layout
            .columns
            .iter()
            .map(|column| ColumnBuilder::new(column.column_type))
            .collect();
        TableRows {
            layout,
            builders,
            len: 0,
            hex: String::new(),
        }
    }

    /// Appends the row of one event (which belongs to this table).
    pub fn append(&mut self, event: &Event<'_>, context: &RowContext<'_>) {
        self.append_run(std::slice::from_ref(event), context);
    }

    /// Appends one row per event (all of which belong to this table), column by column.
    pub fn append_run(&mut self, events: &[Event<'_>], context: &RowContext<'_>) {
        let identities: Vec<Option<&Identity>> = if self.layout.joins_identity {
            events
                .iter()
                .map(|event| context.identity_of(event))
                .collect()
        } else {
            Vec::new()
        };
        let mut present = FieldSet::EMPTY;
        for event in events {
            event.add_field_ids_to(&mut present);
        }
        let run = Run {
            events,
            context,
            identities: &identities,
            present,
        };
        for (column, builder) in self.layout.columns.iter().zip(&mut self.builders) {
            builder.append_run(column.source, &run, &mut self.hex);
        }
        self.len += events.len();
    }
}

impl RowBuffer for TableRows {
    type Layout = Arc<TableLayout>;

    fn empty(layout: &Arc<TableLayout>) -> Self {
        TableRows::new(Arc::clone(layout))
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        self.len = 0;
        RecordBatch::try_new(Arc::clone(&self.layout.schema), columns)
    }
}

/// The events of one append and what they are resolved with.
struct Run<'r, 'e, 'c> {
    events: &'r [Event<'e>],
    context: &'r RowContext<'c>,
    /// The identity of each event (empty when the table has no identity column).
    identities: &'r [Option<&'c Identity>],
    /// Every field id any event of the run may carry: a column whose field is not among them is NULL
    /// for the whole run without asking each event.
    present: FieldSet,
}

impl<'e> Run<'_, 'e, '_> {
    /// The value of `field` in each event.
    #[inline]
    fn values(&self, field: u8) -> impl Iterator<Item = Option<FieldValue<'e>>> + '_ {
        self.events.iter().map(move |event| event.field(field))
    }
}

/// The Arrow builder of one column, with its NULLs not yet appended.
struct ColumnBuilder {
    values: Values,
    pending_nulls: usize,
}

/// The Arrow builder itself.
enum Values {
    Timestamp(TimestampMicrosecondBuilder),
    Text(StringBuilder),
    BigInt(Int64Builder),
    Integer(Int32Builder),
    Boolean(BooleanBuilder),
    TextList(ListBuilder<StringBuilder>),
}

impl ColumnBuilder {
    fn new(column_type: ColumnType) -> Self {
        let values = match column_type {
            ColumnType::Timestamp => Values::Timestamp(TimestampMicrosecondBuilder::new()),
            ColumnType::Text => Values::Text(StringBuilder::new()),
            ColumnType::BigInt => Values::BigInt(Int64Builder::new()),
            ColumnType::Integer => Values::Integer(Int32Builder::new()),
            ColumnType::Boolean => Values::Boolean(BooleanBuilder::new()),
            ColumnType::TextList => Values::TextList(
                ListBuilder::new(StringBuilder::new()).with_field(list_item_field()),
            ),
        };
        ColumnBuilder {
            values,
            pending_nulls: 0,
        }
    }

    /// Appends this column's value for every event of `run`.
    fn append_run(&mut self, source: Source, run: &Run<'_, '_, '_>, hex: &mut String) {
        let pending = &mut self.pending_nulls;
        // Identity columns come from the identity map, not from the event's own field.
        if !matches!(source, Source::Identity(_)) && !run.present.contains(source.field()) {
            *pending += run.events.len();
            return;
        }
        let strings = run.context.strings;
        match (source, &mut self.values) {
            (Source::Field(field), Values::Timestamp(builder)) => fill(
                builder,
                pending,
                run.values(field).map(|value| value?.as_i64()),
            ),
            (Source::Field(field), Values::BigInt(builder)) => fill(
                builder,
                pending,
                run.values(field).map(|value| value?.as_i64()),
            ),
            (Source::Field(field), Values::Integer(builder)) => fill(
                builder,
                pending,
                run.values(field)
                    .map(|value| value?.as_i64().map(saturating_i32)),
            ),
            (Source::Field(field), Values::Boolean(builder)) => fill(
                builder,
                pending,
                run.values(field).map(|value| value?.as_bool()),
            ),
            (Source::Field(field), Values::Text(builder)) => fill(
                builder,
                pending,
                run.values(field).map(|value| match value? {
                    FieldValue::Str(string) => strings.get(string),
                    FieldValue::Text(text) => Some(text),
                    _ => None,
                }),
            ),
            (Source::Field(field), Values::TextList(builder)) => fill(
                builder,
                pending,
                run.values(field).map(|value| value?.as_text_list()),
            ),
            (Source::Millis(field), Values::Timestamp(builder)) => fill(
                builder,
                pending,
                run.values(field)
                    .map(|value| value?.as_i64()?.checked_mul(1000)),
            ),
            (Source::Consistency(field), Values::Text(builder)) => fill(
                builder,
                pending,
                run.values(field)
                    .map(|value| consistency_name_of(value?.as_i64()?)),
            ),
            (Source::KeyHash(field), Values::BigInt(builder)) => {
                let hasher = run.context.hasher;
                fill(
                    builder,
                    pending,
                    run.values(field)
                        .map(|value| Some(hasher.hash(value?.as_bytes()?) as i64)),
                )
            }
            (Source::KeyHex(field), Values::Text(builder)) => {
                for value in run.values(field) {
                    match value.and_then(FieldValue::as_bytes) {
                        Some(key) => {
                            hex.clear();
                            for byte in key {
                                let _ = write!(hex, "{byte:02x}");
                            }
                            fill(builder, pending, std::iter::once(Some(hex.as_str())));
                        }
                        None => *pending += 1,
                    }
                }
            }
            (Source::Identity(part), Values::Text(builder)) => fill(
                builder,
                pending,
                run.identities
                    .iter()
                    .map(|identity| identity.and_then(|identity| identity.part(part))),
            ),
            _ => *pending += run.events.len(),
        }
    }

    /// Appends the NULLs counted so far, in one call.
    fn flush_nulls(&mut self) {
        let count = std::mem::take(&mut self.pending_nulls);
        if count == 0 {
            return;
        }
        match &mut self.values {
            Values::Timestamp(builder) => builder.append_nulls(count),
            Values::Text(builder) => builder.append_nulls(count),
            Values::BigInt(builder) => builder.append_nulls(count),
            Values::Integer(builder) => builder.append_nulls(count),
            Values::Boolean(builder) => builder.append_nulls(count),
            Values::TextList(builder) => builder.append_nulls(count),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        self.flush_nulls();
        match &mut self.values {
            Values::Timestamp(builder) => Arc::new(builder.finish()),
            Values::Text(builder) => Arc::new(builder.finish()),
            Values::BigInt(builder) => Arc::new(builder.finish()),
            Values::Integer(builder) => Arc::new(builder.finish()),
            Values::Boolean(builder) => Arc::new(builder.finish()),
            Values::TextList(builder) => Arc::new(builder.finish()),
        }
    }
}

/// Appends `values` to `builder`; NULLs are counted in `pending` and appended in bulk before the next
/// value (or by [`ColumnBuilder::finish`]).
#[inline]
fn fill<T, B: Append<T>>(
    builder: &mut B,
    pending: &mut usize,
    values: impl Iterator<Item = Option<T>>,
) {
    for value in values {
        match value {
            Some(value) => {
                if *pending > 0 {
                    builder.nulls(std::mem::take(pending));
                }
                builder.value(value);
            }
            None => *pending += 1,
        }
    }
}

/// An Arrow builder that takes values of type `T`.
trait Append<T> {
    fn value(&mut self, value: T);
    fn nulls(&mut self, count: usize);
}

impl<P: ArrowPrimitiveType> Append<P::Native> for PrimitiveBuilder<P> {
    #[inline]
    fn value(&mut self, value: P::Native) {
        self.append_value(value);
    }

    fn nulls(&mut self, count: usize) {
        self.append_nulls(count);
    }
}

impl Append<bool> for BooleanBuilder {
    #[inline]
    fn value(&mut self, value: bool) {
        self.append_value(value);
    }

    fn nulls(&mut self, count: usize) {
        self.append_nulls(count);
    }
}

impl Append<&str> for StringBuilder {
    #[inline]
    fn value(&mut self, value: &str) {
        self.append_value(value);
    }

    fn nulls(&mut self, count: usize) {
        self.append_nulls(count);
    }
}

impl Append<Cow<'_, str>> for StringBuilder {
    #[inline]
    fn value(&mut self, value: Cow<'_, str>) {
        self.append_value(value);
    }

    fn nulls(&mut self, count: usize) {
        self.append_nulls(count);
    }
}

impl Append<TextList<'_>> for ListBuilder<StringBuilder> {
    fn value(&mut self, items: TextList<'_>) {
        for item in items.iter() {
            self.values().append_value(item);
        }
        self.append(true);
    }

    fn nulls(&mut self, count: usize) {
        self.append_nulls(count);
    }
}

fn saturating_i32(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::strings::StringTable;
    use crate::decode::wire::decode_batch;
    use arrow::array::Array;
    use arrow::array::cast::AsArray;
    use arrow::datatypes::{Int32Type, Int64Type, TimestampMicrosecondType};
    use cdflow_testkit::batch::{batch, string_def, tagged_event};
    use cdflow_testkit::fields::FieldBytes;

    /// A batch of one STRING_DEF (1 = "alice") and one TAGGED_EVENT of `fields`.
    fn tagged_batch(table: u8, fields: FieldBytes) -> Vec<u8> {
        tagged_events_batch(table, &[fields])
    }

    /// A batch of one STRING_DEF (1 = "alice") and one TAGGED_EVENT per entry of `events`.
    fn tagged_events_batch(table: u8, events: &[FieldBytes]) -> Vec<u8> {
        let mut records = vec![string_def(1, "alice")];
        records.extend(
            events
                .iter()
                .map(|fields| tagged_event(table, fields.as_bytes())),
        );
        batch(&records)
    }

    /// Fields of an event at `time` with `rows` when given.
    fn with_rows(time: i64, rows: Option<i64>) -> FieldBytes {
        let fields = FieldBytes::new().i64(id::EVENT_TIME, time);
        match rows {
            Some(rows) => fields.i64(id::ROWS, rows),
            None => fields,
        }
    }

    /// Decodes `bytes` (which must be valid, every field one of the table's) and appends every event as one
    /// run: the table's rows.
    fn rows_of(table: LineageTable, bytes: &[u8], identities: &IdentityMap) -> RecordBatch {
        let strings = StringTable::new();
        let decoded = decode_batch(bytes, &strings);
        assert_eq!(decoded.errors, vec![]);
        assert_eq!(
            decoded.skipped_fields, 0,
            "every field is one of the table's"
        );
        let hasher = PartitionKeyHasher::new([0; 16]);
        let view = strings.read();
        let context = RowContext {
            strings: &view,
            hasher: &hasher,
            identities,
        };
        let mut rows = TableRows::new(TableLayout::new(table, false));
        rows.append_run(&decoded.events, &context);
        rows.take_batch().unwrap()
    }

    #[test]
    fn a_run_skips_absent_columns_but_keeps_each_rows_values() {
        // `rows` is sent by the 2nd and 4th event only, `hint_creation_time` by none: within one run the
        // first is filled row by row, the second is NULL for the whole run without asking each event.
        let bytes = tagged_events_batch(
            1,
            &[
                with_rows(1, None),
                with_rows(2, Some(20)),
                with_rows(3, None),
                with_rows(4, Some(40)),
            ],
        );
        let batch = rows_of(LineageTable::Events, &bytes, &IdentityMap::default());
        assert_eq!(batch.num_rows(), 4);
        let rows: Vec<Option<i32>> = batch
            .column_by_name("rows")
            .unwrap()
            .as_primitive::<Int32Type>()
            .iter()
            .collect();
        assert_eq!(rows, [None, Some(20), None, Some(40)]);
        let times: Vec<Option<i64>> = batch
            .column_by_name("event_time")
            .unwrap()
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .collect();
        assert_eq!(times, [Some(1), Some(2), Some(3), Some(4)]);
        for name in ["hint_creation_time", "user_name", "partition_key_hash"] {
            let column = batch.column_by_name(name).unwrap();
            assert_eq!((column.len(), column.null_count()), (4, 4), "{name}");
        }
    }

    #[test]
    fn builds_rows_from_fields_with_nulls_saturation_and_identity() {
        let strings = StringTable::new();
        let bytes = tagged_batch(
            1,
            FieldBytes::new()
                .i64(id::EVENT_TIME, 5)
                .str(id::USER, 1)
                .i64(id::ROWS, i64::MAX)
                .i64(id::ROWS_RETURNED, i64::MIN)
                .i64(id::CONSISTENCY, 6)
                .i64(id::HINT_CREATION_TIME, 1_700)
                .bytes(id::PARTITION_KEY, &[0xab, 0x01])
                .bool(id::RANGE_SCAN, true),
        );
        let decoded = decode_batch(&bytes, &strings);
        assert_eq!(decoded.errors, vec![]);
        let identities = IdentityMap::parse("roles:\n  alice: {team: t1, kind: person}\n").unwrap();
        let hasher = PartitionKeyHasher::new([7; 16]);
        let view = strings.read();
        let context = RowContext {
            strings: &view,
            hasher: &hasher,
            identities: &identities,
        };
        let mut rows = TableRows::new(TableLayout::new(LineageTable::Events, true));
        rows.append(&decoded.events[0], &context);
        let batch = rows.take_batch().unwrap();
        assert_eq!(rows.len(), 0);
        assert_eq!(batch.num_rows(), 1);
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        assert_eq!(
            column("event_time")
                .as_primitive::<TimestampMicrosecondType>()
                .value(0),
            5
        );
        assert_eq!(column("user_name").as_string::<i32>().value(0), "alice");
        assert_eq!(
            column("rows").as_primitive::<Int32Type>().value(0),
            i32::MAX
        );
        assert_eq!(
            column("rows_returned").as_primitive::<Int32Type>().value(0),
            i32::MIN
        );
        assert_eq!(
            column("consistency").as_string::<i32>().value(0),
            "LOCAL_QUORUM"
        );
        assert_eq!(
            column("hint_creation_time")
                .as_primitive::<TimestampMicrosecondType>()
                .value(0),
            1_700_000
        );
        assert_eq!(
            column("partition_key_hex").as_string::<i32>().value(0),
            "ab01"
        );
        assert_eq!(
            column("partition_key_hash")
                .as_primitive::<Int64Type>()
                .value(0),
            hasher.hash(&[0xab, 0x01]) as i64
        );
        assert!(column("range_scan").as_boolean().value(0));
        assert_eq!(column("team").as_string::<i32>().value(0), "t1");
        assert_eq!(
            column("identity_kind").as_string::<i32>().value(0),
            "person"
        );
        for name in [
            "owner",
            "external_identity",
            "node",
            "kind",
            "token",
            "applied_locally",
            "bytes",
        ] {
            assert!(column(name).is_null(0), "{name}");
        }
    }

    #[test]
    fn nulls_counted_lazily_keep_their_rows() {
        let strings = StringTable::new();
        let pattern = [None, Some(1), None, None, Some(4), None];
        let batches: Vec<Vec<u8>> = pattern
            .iter()
            .map(|rows| tagged_batch(1, with_rows(1, *rows)))
            .collect();
        let identities = IdentityMap::default();
        let hasher = PartitionKeyHasher::new([0; 16]);
        let mut rows = TableRows::new(TableLayout::new(LineageTable::Events, false));
        for bytes in &batches {
            let decoded = decode_batch(bytes, &strings);
            let view = strings.read();
            let context = RowContext {
                strings: &view,
                hasher: &hasher,
                identities: &identities,
            };
            rows.append(&decoded.events[0], &context);
        }
        for round in 0..2 {
            let batch = rows.take_batch().unwrap();
            let column = batch
                .column_by_name("rows")
                .unwrap()
                .as_primitive::<Int32Type>();
            let values: Vec<Option<i32>> = column.iter().collect();
            if round == 0 {
                assert_eq!(values, [None, Some(1), None, None, Some(4), None]);
                assert_eq!(batch.column_by_name("user_name").unwrap().null_count(), 6);
            } else {
                assert!(values.is_empty(), "the builders start empty again");
            }
        }
    }

    #[test]
    fn builds_list_columns() {
        let event = FieldBytes::new()
            .i64(id::EVENT_TIME, 1)
            .text_list(id::INPUT_SSTABLES, &["3", "4"])
            .text_list(id::OUTPUT_SSTABLES, &[]);
        let bytes = tagged_events_batch(3, &[event.clone(), event]);
        let batch = rows_of(LineageTable::Compactions, &bytes, &IdentityMap::default());
        let inputs = batch
            .column_by_name("input_sstables")
            .unwrap()
            .as_list::<i32>();
        let first = inputs.value(1);
        let items: Vec<&str> = first.as_string::<i32>().iter().flatten().collect();
        assert_eq!(items, ["3", "4"]);
        let outputs = batch
            .column_by_name("output_sstables")
            .unwrap()
            .as_list::<i32>();
        assert!(outputs.is_valid(0) && outputs.value(0).is_empty());
        assert!(batch.column_by_name("strategy").unwrap().is_null(0));
    }

    #[test]
    fn builds_lwt_counter_and_batchlog_columns() {
        let ballot = "8a3e0c40-ca0b-11f0-8000-000000000001";
        let bytes = tagged_batch(
            1,
            FieldBytes::new()
                .i64(id::EVENT_TIME, 9)
                .bool(id::CAS_APPLIED, false)
                .i64(id::PAXOS_ATTEMPTS, 1)
                .i64(id::SERIAL_CONSISTENCY, 9)
                .str(id::PAXOS_VARIANT, 1)
                .i64(id::PAXOS_PREPARES, 1)
                .i64(id::PAXOS_PROPOSES, 2)
                .i64(id::PAXOS_COMMITS, 0)
                .text(id::PAXOS_BALLOT, ballot)
                .str(id::COUNTER_LEADER, 1)
                .bool(id::COUNTER_WRITE, true)
                .i64(id::BATCHLOG_MUTATIONS, 3),
        );
        let batch = rows_of(LineageTable::Events, &bytes, &IdentityMap::default());
        let column = |name: &str| batch.column_by_name(name).unwrap().clone();
        let int = |name: &str| column(name).as_primitive::<Int32Type>().value(0);
        let text = |name: &str| column(name).as_string::<i32>().value(0).to_string();
        assert!(!column("cas_applied").as_boolean().value(0));
        assert!(column("counter_write").as_boolean().value(0));
        assert_eq!(int("paxos_attempts"), 1);
        assert_eq!(int("paxos_prepares"), 1);
        assert_eq!(int("paxos_proposes"), 2);
        assert_eq!(int("paxos_commits"), 0);
        assert_eq!(int("batchlog_mutations"), 3);
        assert_eq!(text("serial_consistency"), "LOCAL_SERIAL");
        assert_eq!(text("paxos_variant"), "alice");
        assert_eq!(text("counter_leader"), "alice");
        assert_eq!(text("paxos_ballot"), ballot);
        assert!(column("batchlog_id").is_null(0));
        assert!(column("consistency").is_null(0));
    }
}
