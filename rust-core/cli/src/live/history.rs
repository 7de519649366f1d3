//! The closed Parquet files found at start: the last [`MAX_WINDOW_S`] of `events`, `flushes` and
//! `compactions`, and every `agent_stats` row, read through the CLI's scanners. From then on the
//! journals are followed instead (the files published later hold the rows of segments already read).
//!
//! A file that cannot be read, or whose columns are not its table's, is skipped and reported; the
//! others are read one at a time, so one bad file costs only itself.

use std::fs;
use std::path::{Path, PathBuf};

use cdflow_core::flows::classify::{EventClass, Request};
use cdflow_core::flows::key::Scope;
use cdflow_core::flows::rows::client_host;
use cdflow_core::stats::CountersSnapshot;

use super::model::{MAX_WINDOW_S, Model, Observation};
use crate::discover::{LineageFile, LineageFiles, Table};
use crate::filter::Filters;
use crate::reader::Footer;
use crate::rows::{scan_agent_stats, scan_compactions, scan_events, scan_flushes};

/// The tables read at start.
const TABLES: [Table; 4] = [
    Table::Events,
    Table::Flushes,
    Table::Compactions,
    Table::AgentStats,
];

fn parquet_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            parquet_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "parquet") {
            out.push(path);
        }
    }
}

/// Reads the closed files of `dirs` into `model` (events since `now_us` − 15 min).
pub fn load(dirs: &[PathBuf], now_us: i64, model: &mut Model) {
    let filters = Filters {
        since: Some(now_us - MAX_WINDOW_S * 1_000_000),
        ..Filters::default()
    };
    for dir in dirs {
        for table in TABLES {
            let mut paths = Vec::new();
            parquet_files(&dir.join(table.dir_name()), &mut paths);
            paths.sort();
            for path in paths {
                load_file(table, path, &filters, model);
            }
        }
    }
}

fn load_file(table: Table, path: PathBuf, filters: &Filters, model: &mut Model) {
    let footer = match Footer::read(&path) {
        Ok(footer) => footer,
        Err(error) => {
            model.skip(path, format!("not readable as Parquet: {error}"));
            return;
        }
    };
    let missing = footer.missing(table.required_columns());
    if !missing.is_empty() {
        model.skip(
            path,
            format!(
                "not cdflow lineage: {} files have the column(s) {}, this one has no {}",
                table.dir_name(),
                table.required_columns().join(", "),
                missing.join(", ")
            ),
        );
        return;
    }
    let file = LineageFile {
        table,
        path: path.clone(),
        node: None,
        date_days: None,
        footer,
    };
    let mut files = LineageFiles::default();
    match table {
        Table::Events => files.events.push(file),
        Table::Flushes => files.flushes.push(file),
        Table::Compactions => files.compactions.push(file),
        _ => files.agent_stats.push(file),
    }
    let mut rows = 0u64;
    let result = match table {
        Table::Events => scan_events(&files, filters, |row| {
            rows += 1;
            observe_row(row, model);
        }),
        Table::Flushes => scan_flushes(&files, filters, |row| {
            rows += 1;
            let scope = scope(model, row.node, row.keyspace, row.table);
            let bytes = unsigned(row.bytes_out).unwrap_or(0);
            model.flush(row.time.unwrap_or(0), scope, bytes);
        }),
        Table::Compactions => scan_compactions(&files, filters, |row| {
            rows += 1;
            let scope = scope(model, row.node, row.keyspace, row.table);
            model.compaction(
                row.time.unwrap_or(0),
                scope,
                unsigned(row.bytes_in).unwrap_or(0),
                unsigned(row.bytes_out).unwrap_or(0),
                unsigned(row.duration_us),
            );
        }),
        _ => scan_agent_stats(&files, |row| {
            rows += 1;
            let counters =
                CountersSnapshot::from_values(&row.counters.map(|value| value.unwrap_or(0)));
            let node = model.names.intern_opt(row.node);
            model.agent_counters(
                row.agent_start_time.unwrap_or(0),
                node,
                row.stats_time.unwrap_or(0),
                counters,
            );
        }),
    };
    model.status.history_rows += rows;
    match result {
        Ok(()) => model.status.files_read += 1,
        Err(error) => model.skip(path, format!("read stopped after {rows} rows: {error}")),
    }
}

fn unsigned(value: Option<i64>) -> Option<u64> {
    value.and_then(|value| u64::try_from(value).ok())
}

fn scope(
    model: &mut Model,
    node: Option<&str>,
    keyspace: Option<&str>,
    table: Option<&str>,
) -> Scope {
    Scope {
        node: model.names.intern_opt(node),
        keyspace: model.names.intern_opt(keyspace),
        table: model.names.intern_opt(table),
    }
}

/// One `events` row → the model (classified as the core classifies it).
fn observe_row(row: &crate::rows::EventRow<'_>, model: &mut Model) {
    let Some(kind) = row.kind_name else {
        return;
    };
    let names = &mut model.names;
    let class = EventClass::of_name(kind, names.intern(kind)).refined(
        row.rows_returned.is_some(),
        row.error.is_some(),
        row.range_scan,
    );
    let request = Request {
        scope: Scope {
            node: names.intern_opt(row.node),
            keyspace: names.intern_opt(row.keyspace),
            table: names.intern_opt(row.table),
        },
        user: names.intern_opt(row.user),
        client_address: names.intern_opt(row.client.map(client_host)),
        coordinator: names.intern_opt(row.coordinator),
        applied_locally: row.applied_locally.unwrap_or(false),
        token: row.token,
        bytes: unsigned(row.bytes).unwrap_or(0),
        latency_us: unsigned(row.latency_us),
        hint_target: names.intern_opt(row.hint_target),
    };
    let observation = Observation {
        time_us: row.time.unwrap_or(0),
        class,
        request,
        tombstones: unsigned(row.tombstones).unwrap_or(0),
        key_hash: row.partition_key_hash,
        cas_applied: row.cas_applied,
        paxos_attempts: unsigned(row.paxos_attempts),
    };
    model.observe(&observation);
}
