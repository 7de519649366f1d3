//! Finding the lineage Parquet files under the directories given on the command line.
//!
//! A directory may be a lineage root (it holds `events/`, `flushes/`, `compactions/` or `agent_stats/`), one table's
//! directory (`<lineage>/events`), or a directory holding lineage roots a few levels down (a test
//! run's `run/demo` with `lineage/` and `nodes/*/lineage/`). Files follow the hive layout
//! `<lineage>/<table>/node=<addr>/date=<YYYY-MM-DD>/part-*.parquet`; hidden files (the writer's
//! `.part-….parquet.inprogress`) are never read. A file reached twice (overlapping arguments) is read
//! once.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::CliError;
use crate::time::parse_date;

/// The lineage tables `cdflow` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// `events`: writes and reads.
    Events,
    /// `flushes`: memtable → SSTables.
    Flushes,
    /// `compactions`: SSTables → compaction → SSTables.
    Compactions,
    /// `agent_stats`: the agent's own counters (drops).
    AgentStats,
    /// `auth_events`: logins (read by `cdflow audit`).
    AuthEvents,
    /// `flows`: the flow graph the core aggregated per time window (`cdflow graph`).
    Flows,
}

impl Table {
    /// Every table read, in order.
    pub const ALL: [Table; 6] = [
        Table::Events,
        Table::Flushes,
        Table::Compactions,
        Table::AgentStats,
        Table::AuthEvents,
        Table::Flows,
    ];

    /// The table's directory name under a lineage root.
    pub const fn dir_name(self) -> &'static str {
        match self {
            Table::Events => "events",
            Table::Flushes => "flushes",
            Table::Compactions => "compactions",
            Table::AgentStats => "agent_stats",
            Table::AuthEvents => "auth_events",
            Table::Flows => cdflow_core::flows::rows::FLOWS_TABLE,
        }
    }

    fn from_dir_name(name: &str) -> Option<Table> {
        Table::ALL
            .into_iter()
            .find(|table| table.dir_name() == name)
    }
}

/// One Parquet file of a lineage table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineageFile {
    /// The table it belongs to.
    pub table: Table,
    /// Its path.
    pub path: PathBuf,
    /// The `node=` partition of its path (used when the file's `node` column is NULL or absent).
    pub node: Option<String>,
    /// The `date=` partition of its path, in days since the epoch (the UTC day of its first row).
    pub date_days: Option<i64>,
}

/// The lineage files found, per table, sorted by path.
#[derive(Debug, Default, Clone)]
pub struct LineageFiles {
    /// `events` files.
    pub events: Vec<LineageFile>,
    /// `flushes` files.
    pub flushes: Vec<LineageFile>,
    /// `compactions` files.
    pub compactions: Vec<LineageFile>,
    /// `agent_stats` files.
    pub agent_stats: Vec<LineageFile>,
    /// `auth_events` files.
    pub auth_events: Vec<LineageFile>,
    /// `flows` files.
    pub flows: Vec<LineageFile>,
}

impl LineageFiles {
    /// The files of `table`.
    pub fn of(&self, table: Table) -> &[LineageFile] {
        match table {
            Table::Events => &self.events,
            Table::Flushes => &self.flushes,
            Table::Compactions => &self.compactions,
            Table::AgentStats => &self.agent_stats,
            Table::AuthEvents => &self.auth_events,
            Table::Flows => &self.flows,
        }
    }

    /// All files, of every table.
    pub fn len(&self) -> usize {
        Table::ALL.iter().map(|&table| self.of(table).len()).sum()
    }

    /// Whether no file was found.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How deep below a given directory lineage roots are looked for.
const ROOT_SEARCH_DEPTH: usize = 3;

/// Finds the lineage files under `dirs`. Each directory must exist and hold at least one file.
pub fn discover(dirs: &[PathBuf]) -> Result<LineageFiles, CliError> {
    let mut found: BTreeSet<(Table, PathBuf)> = BTreeSet::new();
    for dir in dirs {
        let metadata = fs::metadata(dir).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => CliError::NoSuchDir(dir.clone()),
            _ => unreadable(dir, &error),
        })?;
        if !metadata.is_dir() {
            return Err(CliError::NotADir(dir.clone()));
        }
        let mut table_dirs = Vec::new();
        find_table_dirs(dir, ROOT_SEARCH_DEPTH, &mut table_dirs)?;
        let before = found.len();
        for (table, table_dir) in table_dirs {
            let mut files = Vec::new();
            collect_parquet(&table_dir, &mut files)?;
            for file in files {
                let canonical = fs::canonicalize(&file).unwrap_or(file);
                found.insert((table, canonical));
            }
        }
        if found.len() == before && !already_covered(dir, &found) {
            return Err(CliError::NoParquet(dir.clone()));
        }
    }
    let mut files = LineageFiles::default();
    for (table, path) in found {
        let (node, date_days) = partitions(&path);
        let file = LineageFile {
            table,
            path,
            node,
            date_days,
        };
        match table {
            Table::Events => files.events.push(file),
            Table::Flushes => files.flushes.push(file),
            Table::Compactions => files.compactions.push(file),
            Table::AgentStats => files.agent_stats.push(file),
            Table::AuthEvents => files.auth_events.push(file),
            Table::Flows => files.flows.push(file),
        }
    }
    Ok(files)
}

/// Whether a directory that added no new file had its files found through an earlier argument.
fn already_covered(dir: &Path, found: &BTreeSet<(Table, PathBuf)>) -> bool {
    let Ok(canonical) = fs::canonicalize(dir) else {
        return false;
    };
    found.iter().any(|(_, path)| path.starts_with(&canonical))
}

/// The table directories at or below `dir`: `dir` itself when it is named like a table, its table
/// subdirectories when it is a lineage root, else those of the roots found up to `depth` levels down.
fn find_table_dirs(
    dir: &Path,
    depth: usize,
    out: &mut Vec<(Table, PathBuf)>,
) -> Result<(), CliError> {
    if let Some(table) = dir
        .file_name()
        .and_then(|name| name.to_str())
        .and_then(Table::from_dir_name)
    {
        out.push((table, dir.to_path_buf()));
        return Ok(());
    }
    let subdirs = list_subdirs(dir)?;
    let tables: Vec<(Table, PathBuf)> = subdirs
        .iter()
        .filter_map(|(name, path)| Table::from_dir_name(name).map(|table| (table, path.clone())))
        .collect();
    if !tables.is_empty() {
        out.extend(tables);
        return Ok(());
    }
    if depth == 0 {
        return Ok(());
    }
    for (name, path) in subdirs {
        if name.starts_with('.') {
            continue;
        }
        find_table_dirs(&path, depth - 1, out)?;
    }
    Ok(())
}

/// The subdirectories of `dir` (name, path), sorted by name.
fn list_subdirs(dir: &Path) -> Result<Vec<(String, PathBuf)>, CliError> {
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).map_err(|error| unreadable(dir, &error))? {
        let entry = entry.map_err(|error| unreadable(dir, &error))?;
        let path = entry.path();
        if path.is_dir() {
            subdirs.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    subdirs.sort();
    Ok(subdirs)
}

/// Every visible `*.parquet` file at any depth below `dir`.
fn collect_parquet(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    for entry in fs::read_dir(dir).map_err(|error| unreadable(dir, &error))? {
        let entry = entry.map_err(|error| unreadable(dir, &error))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect_parquet(&path, out)?;
        } else if name.ends_with(".parquet") {
            out.push(path);
        }
    }
    Ok(())
}

/// The `node=` and `date=` partition values of a file's path.
fn partitions(path: &Path) -> (Option<String>, Option<i64>) {
    let mut node = None;
    let mut date = None;
    for component in path.components() {
        let component = component.as_os_str().to_string_lossy();
        if let Some(value) = component.strip_prefix("node=") {
            node = Some(value.to_string());
        } else if let Some(value) = component.strip_prefix("date=") {
            date = parse_date(value).ok();
        }
    }
    (node.filter(|node| !node.is_empty()), date)
}

fn unreadable(path: &Path, error: &std::io::Error) -> CliError {
    CliError::Unreadable {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_come_from_the_path() {
        let path = Path::new("/x/lineage/events/node=10.0.0.1/date=1970-01-03/part-1.parquet");
        assert_eq!(partitions(path), (Some("10.0.0.1".to_string()), Some(2)));
        assert_eq!(partitions(Path::new("/x/part-1.parquet")), (None, None));
    }
}
