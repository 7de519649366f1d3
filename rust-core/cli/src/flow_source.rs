//! Where `cdflow graph` gets its edges: the `flows` table the core aggregated (the default: a few rows
//! per edge and window instead of every event), or the raw `events`, `flushes` and `compactions` run
//! through the core's own classifier ([`cdflow_core::flows::classify`]) into one window, when a filter
//! needs the rows or `flows` does not hold them all. Either way the result is `flows` rows
//! ([`FlowRow`]), so the graph is built by one code path and the numbers are the same.
//!
//! `events` is read instead of `flows` when:
//! - `--since` / `--until` is given (a window holds the events of its minutes, plus late ones that
//!   arrived after it closed, so windows cannot be cut at an exact time);
//! - `--role` is given (replica rows carry no role: they are attributed per request, see
//!   [`crate::census`]);
//! - there are no `flows` files, or they predate the latency buckets (`latency_bucket_us`);
//! - `flows` does not count every row: its edges that count rows one each
//!   ([`EdgeKind::counted_table`]) must add up to the rows of `events`, `flushes` and `compactions`
//!   (Parquet footers; windows not yet closed, rows without `kind`, or events counted as `overflow`
//!   make them differ).
//!
//! `--keyspace` and `--table` work on either.

use std::collections::HashMap;
use std::fs::File;

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use arrow::record_batch::RecordBatch;
use cdflow_core::decode::strings::StringTable;
use cdflow_core::flows::classify::{
    EdgeSink, EventClass, Request, compaction_edges, flush_edges, request_edges,
};
use cdflow_core::flows::edge_stats::LatencySummary;
use cdflow_core::flows::key::{EdgeKey, EdgeKind, Scope};
use cdflow_core::flows::rows::{FlowRow, OVERFLOW_KIND, window_rows};
use cdflow_core::flows::window::Window;
use cdflow_core::tables::LineageTable;
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::census::Census;
use crate::columns::{IntColumn, TextColumn, table_columns};
use crate::discover::{LineageFiles, Table};
use crate::error::CliError;
use crate::filter::Filters;
use crate::reader::for_each_batch;
use crate::rows::{scan_compactions, scan_events, scan_flushes};

/// Which table `cdflow graph` reads (`--source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SourceChoice {
    /// `flows` unless a filter needs `events` or `flows` does not hold every row.
    Auto,
    /// `flows` only (an error when it cannot answer).
    Flows,
    /// `events`, `flushes` and `compactions`.
    Events,
}

/// The edges of the lineage, as `flows` rows, and where they came from.
#[derive(Debug)]
pub struct FlowEdges {
    /// The rows (from `flows`: every window's; from `events`: one window).
    pub rows: Vec<FlowRow>,
    /// `None` when read from `flows`, else why `events` was read.
    pub events_because: Option<String>,
}

/// Reads the edges from the source `choice` allows.
pub fn load(
    files: &LineageFiles,
    filters: &Filters,
    choice: SourceChoice,
) -> Result<FlowEdges, CliError> {
    let because = match choice {
        SourceChoice::Events => Some("--source events".to_owned()),
        SourceChoice::Auto | SourceChoice::Flows => events_needed(files, filters)?,
    };
    match because {
        None => Ok(FlowEdges {
            rows: read_flows(files, filters)?,
            events_because: None,
        }),
        Some(reason) if choice == SourceChoice::Flows => Err(CliError::FlowsCannotAnswer(reason)),
        Some(reason) => Ok(FlowEdges {
            rows: rows_from_events(files, filters)?,
            events_because: Some(reason),
        }),
    }
}

/// Why `flows` cannot answer, if it cannot (see the module docs).
fn events_needed(files: &LineageFiles, filters: &Filters) -> Result<Option<String>, CliError> {
    if filters.since.is_some() || filters.until.is_some() {
        return Ok(Some("--since/--until cut inside flow windows".to_owned()));
    }
    if filters.role.is_some() {
        return Ok(Some(
            "--role attributes replica rows per request".to_owned(),
        ));
    }
    if files.flows.is_empty() {
        return Ok(Some("no flows files".to_owned()));
    }
    let rows = read_flows(files, &Filters::default())?;
    if rows
        .iter()
        .any(|row| row.latency.is_some() && row.latency_buckets.is_empty())
    {
        return Ok(Some(
            "flows files without latency buckets (an older core)".to_owned(),
        ));
    }
    let overflow: u64 = rows
        .iter()
        .filter(|row| row.edge_kind == OVERFLOW_KIND)
        .map(|row| row.count)
        .sum();
    if overflow > 0 {
        return Ok(Some(format!(
            "flows counted {overflow} events as overflow (flow_max_edges)"
        )));
    }
    for (table, lineage_table) in [
        (Table::Events, LineageTable::Events),
        (Table::Flushes, LineageTable::Flushes),
        (Table::Compactions, LineageTable::Compactions),
    ] {
        let counted: u64 = rows
            .iter()
            .filter(|row| edge_kind(&row.edge_kind).counted_table() == Some(lineage_table))
            .map(|row| row.count)
            .sum();
        let written = footer_rows(files, table)?;
        if counted != written {
            return Ok(Some(format!(
                "flows counts {counted} of the {written} {} rows (windows not yet written?)",
                table.dir_name()
            )));
        }
    }
    Ok(None)
}

/// The core's edge kind of an `edge_kind` name (any unknown name is an `events` kind of its own).
fn edge_kind(name: &str) -> EdgeKind {
    EdgeKind::from_name(name).unwrap_or(EdgeKind::OtherKind(u32::MAX))
}

/// The rows of a table's files, from their Parquet footers.
fn footer_rows(files: &LineageFiles, table: Table) -> Result<u64, CliError> {
    let mut rows = 0u64;
    for file in files.of(table) {
        let unreadable = |message: String| CliError::Unreadable {
            path: file.path.clone(),
            message,
        };
        let reader = File::open(&file.path)
            .map_err(|error| error.to_string())
            .and_then(|handle| SerializedFileReader::new(handle).map_err(|error| error.to_string()))
            .map_err(unreadable)?;
        rows += u64::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0);
    }
    Ok(rows)
}

table_columns! {
    /// The `flows` columns of one record batch read as values (the latency buckets are lists:
    /// [`LATENCY_BUCKET_COLUMNS`]).
    struct FlowColumns of "flows", listed in FLOW_COLUMNS {
        node: TextColumn = "node",
        edge_kind: TextColumn = "edge_kind",
        source_kind: TextColumn = "source_kind",
        source: TextColumn = "source",
        target_kind: TextColumn = "target_kind",
        target: TextColumn = "target",
        keyspace: TextColumn = "keyspace_name",
        table: TextColumn = "table_name",
        count: IntColumn = "count",
        bytes: IntColumn = "bytes",
        latency_count: IntColumn = "latency_count",
        latency_max: IntColumn = "latency_max_us",
    }
}

/// The latency histogram of a `flows` row: (highest value µs, count) as two lists.
const LATENCY_BUCKET_COLUMNS: [&str; 2] =
    cdflow_core::columns!("flows", ["latency_bucket_us", "latency_bucket_count"]);

/// Every `flows` row that passes the keyspace and table filters.
fn read_flows(files: &LineageFiles, filters: &Filters) -> Result<Vec<FlowRow>, CliError> {
    let mut rows = Vec::new();
    let mut wanted: Vec<&str> = FLOW_COLUMNS.to_vec();
    wanted.extend(LATENCY_BUCKET_COLUMNS);
    for file in &files.flows {
        for_each_batch(&file.path, &wanted, |batch| {
            flow_rows_of(batch, filters, &mut rows)
        })?;
    }
    Ok(rows)
}

fn flow_rows_of(
    batch: &RecordBatch,
    filters: &Filters,
    rows: &mut Vec<FlowRow>,
) -> Result<(), String> {
    let columns = FlowColumns::read(batch)?;
    let list = |name: &str| {
        batch
            .column_by_name(name)
            .and_then(|column| column.as_list_opt::<i32>().cloned())
    };
    let [bucket_us, bucket_count] = LATENCY_BUCKET_COLUMNS.map(list);
    let unsigned = |value: Option<i64>| value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
    let vertex = |kind: &TextColumn, name: &TextColumn, row| {
        let kind = cdflow_core::flows::key::VertexKind::from_name(kind.get(row)?)?;
        Some((kind.name(), name.get(row).unwrap_or_default().to_owned()))
    };
    for row in 0..batch.num_rows() {
        let (ks, t) = (columns.keyspace.get(row), columns.table.get(row));
        if !filters.keeps(None, ks, t) {
            continue;
        }
        let mut latency_buckets = Vec::new();
        if let (Some(values), Some(counts)) = (&bucket_us, &bucket_count)
            && values.is_valid(row)
            && counts.is_valid(row)
        {
            let (values, counts) = (values.value(row), counts.value(row));
            let (values, counts) = (
                values.as_primitive_opt::<Int64Type>(),
                counts.as_primitive_opt::<Int64Type>(),
            );
            if let (Some(values), Some(counts)) = (values, counts) {
                if values.len() != counts.len() {
                    return Err(format!(
                        "flows row {row}: latency_bucket_us and latency_bucket_count differ in length"
                    ));
                }
                latency_buckets = values
                    .iter()
                    .zip(counts.iter())
                    .map(|(value, count)| (unsigned(value), unsigned(count)))
                    .collect();
            }
        }
        let latency = columns
            .latency_count
            .get(row)
            .map(|samples| LatencySummary {
                count: unsigned(Some(samples)),
                p50_us: 0,
                p99_us: 0,
                max_us: unsigned(columns.latency_max.get(row)),
            });
        rows.push(FlowRow {
            window_start_us: 0,
            window_end_us: 0,
            node: columns.node.get(row).unwrap_or_default().to_owned(),
            edge_kind: columns.edge_kind.get(row).unwrap_or_default().to_owned(),
            source: vertex(&columns.source_kind, &columns.source, row),
            target: vertex(&columns.target_kind, &columns.target, row),
            keyspace: ks.map(str::to_owned),
            table: t.map(str::to_owned),
            token: None,
            count: unsigned(columns.count.get(row)),
            bytes: unsigned(columns.bytes.get(row)),
            latency,
            latency_buckets,
        });
    }
    Ok(())
}

/// Interns the text of rows into the core's string ids (0 = absent).
#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    table: StringTable,
}

impl Interner {
    fn id(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else {
            return 0;
        };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.ids.len() + 1).unwrap_or(u32::MAX);
        let _ = self.table.define(id, text);
        self.ids.insert(text.to_owned(), id);
        id
    }
}

/// Feeds the window the classifier's edges; partitions are not drawn.
struct GraphSink<'w>(&'w mut Window);

impl EdgeSink for GraphSink<'_> {
    fn edge(&mut self, key: &EdgeKey, bytes: u64, latency_us: Option<u64>) {
        self.0.add(key, bytes, latency_us);
    }

    fn partition(&mut self, _kind: EdgeKind, _scope: Scope, _token: i64, _bytes: u64) {}
}

/// The rows of `events`, `flushes` and `compactions` classified by the core into one window.
fn rows_from_events(files: &LineageFiles, filters: &Filters) -> Result<Vec<FlowRow>, CliError> {
    let census = match filters.role {
        Some(_) => Some(Census::take(files, filters)?),
        None => None,
    };
    let mut strings = Interner::default();
    let mut window = Window::new(0, usize::MAX, 1);
    let unsigned = |value: Option<i64>| value.and_then(|v| u64::try_from(v).ok());
    scan_events(files, filters, |row| {
        if census
            .as_ref()
            .is_some_and(|census| !census.event_matches_role(row))
        {
            return;
        }
        let Some(kind) = row.kind_name else {
            return;
        };
        let class = EventClass::of_name(kind, strings.id(Some(kind))).refined(
            row.rows_returned.is_some(),
            row.error.is_some(),
            row.range_scan,
        );
        let request = Request {
            scope: Scope {
                node: strings.id(row.node),
                keyspace: strings.id(row.keyspace),
                table: strings.id(row.table),
            },
            user: strings.id(row.user),
            client_address: strings.id(row.client),
            coordinator: strings.id(row.coordinator),
            applied_locally: row.applied_locally.unwrap_or(false),
            token: None,
            bytes: unsigned(row.bytes).unwrap_or(0),
            latency_us: unsigned(row.latency_us),
            hint_target: strings.id(row.hint_target),
        };
        request_edges(class, &request, &mut GraphSink(&mut window));
    })?;
    let mut label = String::new();
    let mut role_keeps = |keyspace: Option<&str>, table: Option<&str>| {
        crate::census::table_label(keyspace, table, &mut label);
        census
            .as_ref()
            .is_none_or(|census| census.table_matches_role(&label))
    };
    scan_flushes(files, filters, |row| {
        if role_keeps(row.keyspace, row.table) {
            let scope = Scope {
                node: strings.id(row.node),
                keyspace: strings.id(row.keyspace),
                table: strings.id(row.table),
            };
            flush_edges(
                scope,
                unsigned(row.bytes_out).unwrap_or(0),
                &mut GraphSink(&mut window),
            );
        }
    })?;
    scan_compactions(files, filters, |row| {
        if role_keeps(row.keyspace, row.table) {
            let scope = Scope {
                node: strings.id(row.node),
                keyspace: strings.id(row.keyspace),
                table: strings.id(row.table),
            };
            compaction_edges(
                scope,
                unsigned(row.bytes_in).unwrap_or(0),
                unsigned(row.bytes_out).unwrap_or(0),
                unsigned(row.duration_us),
                &mut GraphSink(&mut window),
            );
        }
    })?;
    window.settle();
    Ok(window_rows(&window, 1, 0, &strings.table.read()))
}
