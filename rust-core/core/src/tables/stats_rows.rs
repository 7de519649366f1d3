//! Arrow builders for `agent_stats` rows (docs/schema.md).
//!
//! Invariant: columns are produced in [`crate::tables::schema::AGENT_STATS_COLUMNS`] order, each built from what
//! that list says it holds (a counter column from its [`crate::stats::CounterField`]): there is no second
//! list of columns to keep in step; counters are the monotonic totals of one [`CountersSnapshot`].

use std::sync::Arc;

use arrow::array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;

use crate::sink::rolling::RowBuffer;
use crate::stats::{CounterField, CountersSnapshot, HookFamilies};
use crate::tables::schema::{AGENT_STATS_COLUMNS, StatsColumn};

/// One `agent_stats` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsRow {
    /// When the row was taken, µs since the epoch (UTC).
    pub stats_time_us: i64,
    /// Node of the most recent event, or "unknown".
    pub node: String,
    /// When this core started, µs since the epoch (UTC).
    pub agent_start_time_us: i64,
    /// The counters.
    pub counters: CountersSnapshot,
    /// The hook families the agent reported (`None`: not reported, or a crashed run's row).
    pub hooks: Option<HookFamilies>,
}

/// The builder of one column, with what it holds.
enum ColumnBuilder {
    StatsTime(TimestampMicrosecondBuilder),
    Node(StringBuilder),
    AgentStartTime(TimestampMicrosecondBuilder),
    Counter(CounterField, Int64Builder),
    HookFamilies(StringBuilder),
    SkippedHookFamilies(StringBuilder),
}

/// Buffered `agent_stats` rows.
pub struct StatsRows {
    schema: SchemaRef,
    /// One per [`AGENT_STATS_COLUMNS`] entry, same order, each holding what its column says.
    columns: Vec<ColumnBuilder>,
    len: usize,
}

impl StatsRows {
    /// Empty buffers for the `agent_stats` schema.
    pub fn new(schema: SchemaRef) -> Self {
        let columns = AGENT_STATS_COLUMNS
            .iter()
            .map(|column| match column {
                StatsColumn::StatsTime => {
                    ColumnBuilder::StatsTime(TimestampMicrosecondBuilder::new())
                }
                StatsColumn::Node => ColumnBuilder::Node(StringBuilder::new()),
                StatsColumn::AgentStartTime => {
                    ColumnBuilder::AgentStartTime(TimestampMicrosecondBuilder::new())
                }
                StatsColumn::Counter(counter) => {
                    ColumnBuilder::Counter(*counter, Int64Builder::new())
                }
                StatsColumn::HookFamilies => ColumnBuilder::HookFamilies(StringBuilder::new()),
                StatsColumn::SkippedHookFamilies => {
                    ColumnBuilder::SkippedHookFamilies(StringBuilder::new())
                }
            })
            .collect();
        StatsRows {
            schema,
            columns,
            len: 0,
        }
    }

    /// Appends one row.
    pub fn append(&mut self, row: &StatsRow) {
        for builder in &mut self.columns {
            match builder {
                ColumnBuilder::StatsTime(builder) => builder.append_value(row.stats_time_us),
                ColumnBuilder::Node(builder) => builder.append_value(&row.node),
                ColumnBuilder::AgentStartTime(builder) => {
                    builder.append_value(row.agent_start_time_us);
                }
                ColumnBuilder::Counter(counter, builder) => {
                    let value = (counter.get)(&row.counters);
                    builder.append_value(i64::try_from(value).unwrap_or(i64::MAX));
                }
                ColumnBuilder::HookFamilies(builder) => {
                    builder.append_option(row.hooks.as_ref().map(|h| h.installed.as_str()));
                }
                ColumnBuilder::SkippedHookFamilies(builder) => {
                    builder.append_option(row.hooks.as_ref().map(|h| h.skipped.as_str()));
                }
            }
        }
        self.len += 1;
    }
}

impl RowBuffer for StatsRows {
    type Layout = SchemaRef;

    fn empty(schema: &SchemaRef) -> Self {
        StatsRows::new(Arc::clone(schema))
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|builder| match builder {
                ColumnBuilder::StatsTime(builder) | ColumnBuilder::AgentStartTime(builder) => {
                    Arc::new(builder.finish()) as ArrayRef
                }
                ColumnBuilder::Node(builder)
                | ColumnBuilder::HookFamilies(builder)
                | ColumnBuilder::SkippedHookFamilies(builder) => {
                    Arc::new(builder.finish()) as ArrayRef
                }
                ColumnBuilder::Counter(_, builder) => Arc::new(builder.finish()) as ArrayRef,
            })
            .collect();
        self.len = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use arrow::array::Array;
    use arrow::array::cast::AsArray;
    use arrow::datatypes::{Int64Type, TimestampMicrosecondType};

    use super::*;
    use crate::stats::COUNTER_FIELDS;
    use crate::tables::schema::agent_stats_schema;

    #[test]
    fn every_counter_is_one_agent_stats_column() {
        let columns: Vec<&str> = AGENT_STATS_COLUMNS
            .iter()
            .filter_map(|column| match column {
                StatsColumn::Counter(counter) => Some(counter.name),
                _ => None,
            })
            .collect();
        let unique: BTreeSet<&str> = columns.iter().copied().collect();
        assert_eq!(unique.len(), columns.len(), "a counter twice: {columns:?}");
        let counters: BTreeSet<&str> = COUNTER_FIELDS.iter().map(|field| field.name).collect();
        assert_eq!(unique, counters);
    }

    #[test]
    fn each_column_holds_the_counter_it_is_named_after() {
        // A snapshot where every counter has a distinct value: the value of counter i is 1000 + i.
        let mut fields = CountersSnapshot::default();
        let values: Vec<(&str, u64)> = COUNTER_FIELDS
            .iter()
            .enumerate()
            .map(|(i, field)| (field.name, 1000 + i as u64))
            .collect();
        set_all(&mut fields, &values);
        let schema = agent_stats_schema();
        let mut rows = StatsRows::new(Arc::clone(&schema));
        rows.append(&StatsRow {
            stats_time_us: 7,
            node: "n1".to_owned(),
            agent_start_time_us: 3,
            counters: fields,
            hooks: Some(HookFamilies {
                installed: "writes+reads".to_owned(),
                skipped: "lwt: missing X".to_owned(),
            }),
        });
        rows.append(&StatsRow {
            stats_time_us: 8,
            node: "n1".to_owned(),
            agent_start_time_us: 3,
            counters: fields,
            hooks: None,
        });
        let batch = rows.take_batch().expect("batch");
        assert_eq!(batch.num_rows(), 2);
        let text = |name: &str, row: usize| {
            let column = batch.column_by_name(name).expect(name).as_string::<i32>();
            (!column.is_null(row)).then(|| column.value(row).to_owned())
        };
        assert_eq!(
            (text("hook_families", 0), text("skipped_hook_families", 0)),
            (
                Some("writes+reads".to_owned()),
                Some("lwt: missing X".to_owned())
            )
        );
        assert_eq!(
            (text("hook_families", 1), text("skipped_hook_families", 1)),
            (None, None),
            "NULL until the agent reports its hook families"
        );
        let time = |name: &str| {
            batch
                .column_by_name(name)
                .map(|column| column.as_primitive::<TimestampMicrosecondType>().value(0))
        };
        assert_eq!(
            (time("stats_time"), time("agent_start_time")),
            (Some(7), Some(3))
        );
        let node = batch
            .column_by_name("node")
            .map(|column| column.as_string::<i32>().value(0));
        assert_eq!(node, Some("n1"));
        for (name, value) in values {
            let column = batch
                .column_by_name(name)
                .unwrap_or_else(|| panic!("no column {name}"));
            assert_eq!(
                column.as_primitive::<Int64Type>().value(0),
                value as i64,
                "{name}"
            );
        }
    }

    /// Sets each named counter of `snapshot` (an independent spelling of which field each name is).
    fn set_all(snapshot: &mut CountersSnapshot, values: &[(&str, u64)]) {
        for (name, value) in values {
            let slot = match *name {
                "offered" => &mut snapshot.offered,
                "accepted" => &mut snapshot.accepted,
                "dropped_queue_full" => &mut snapshot.dropped_queue_full,
                "rejected" => &mut snapshot.rejected,
                "written" => &mut snapshot.written,
                "files" => &mut snapshot.files,
                "skipped_records" => &mut snapshot.skipped_records,
                "agent_events_seen" => &mut snapshot.agent_events_seen,
                "agent_dropped" => &mut snapshot.agent_dropped,
                "skipped_fields" => &mut snapshot.skipped_fields,
                "dropped_write_failed" => &mut snapshot.dropped_write_failed,
                "dropped_disk_bound" => &mut snapshot.dropped_disk_bound,
                "removed_rows" => &mut snapshot.removed_rows,
                "removed_files" => &mut snapshot.removed_files,
                "recovered_rows" => &mut snapshot.recovered_rows,
                "agent_dropped_busy" => &mut snapshot.agent_dropped_busy,
                "agent_dropped_not_running" => &mut snapshot.agent_dropped_not_running,
                "agent_dropped_submit_error" => &mut snapshot.agent_dropped_submit_error,
                "agent_dropped_other" => &mut snapshot.agent_dropped_other,
                other => panic!("unknown counter {other}"),
            };
            *slot = *value;
        }
    }
}
