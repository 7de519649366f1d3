//! Arrow builders for `agent_stats` rows (docs/schema.md).
//!
//! Invariant: columns are produced in [`crate::schema::agent_stats_schema`] order; counters are the
//! monotonic totals of one [`CountersSnapshot`].

use std::sync::Arc;

use arrow::array::builder::{Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;

use crate::rolling::RowBuffer;
use crate::stats::CountersSnapshot;

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
}

/// Buffered `agent_stats` rows.
pub struct StatsRows {
    schema: SchemaRef,
    stats_time: TimestampMicrosecondBuilder,
    node: StringBuilder,
    agent_start_time: TimestampMicrosecondBuilder,
    counters: [Int64Builder; 10],
    len: usize,
}

impl StatsRows {
    /// Empty buffers for the `agent_stats` schema.
    pub fn new(schema: SchemaRef) -> Self {
        StatsRows {
            schema,
            stats_time: TimestampMicrosecondBuilder::new(),
            node: StringBuilder::new(),
            agent_start_time: TimestampMicrosecondBuilder::new(),
            counters: std::array::from_fn(|_| Int64Builder::new()),
            len: 0,
        }
    }

    /// Appends one row.
    pub fn append(&mut self, row: &StatsRow) {
        self.stats_time.append_value(row.stats_time_us);
        self.node.append_value(&row.node);
        self.agent_start_time.append_value(row.agent_start_time_us);
        let c = &row.counters;
        // Column order of agent_stats, which differs from the order of `counters()`.
        let values = [
            c.agent_events_seen,
            c.agent_dropped,
            c.offered,
            c.accepted,
            c.dropped_queue_full,
            c.rejected,
            c.skipped_records,
            c.written,
            c.files,
            c.skipped_fields,
        ];
        for (builder, value) in self.counters.iter_mut().zip(values) {
            builder.append_value(i64::try_from(value).unwrap_or(i64::MAX));
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
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.stats_time.finish()),
            Arc::new(self.node.finish()),
            Arc::new(self.agent_start_time.finish()),
        ];
        columns.extend(
            self.counters
                .iter_mut()
                .map(|builder| Arc::new(builder.finish()) as ArrayRef),
        );
        self.len = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}
