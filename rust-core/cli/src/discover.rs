//! Finding the lineage Parquet files under the directories given on the command line.
//!
//! A directory may be a lineage root (it holds `events/`, `flushes/`, `compactions/` or `agent_stats/`), one table's
//! directory (`<lineage>/events`), or a directory holding lineage roots a few levels down (a test
//! run's `run/demo` with `lineage/` and `nodes/*/lineage/`). Files follow the hive layout
//! `<lineage>/<table>/node=<addr>/date=<YYYY-MM-DD>/part-*.parquet`; hidden files (the writer's
//! `.part-….parquet.inprogress`) are never read. A file reached twice (overlapping arguments) is read
//! once. A file may also be named on its own; its table is the nearest directory of its path named like
//! one (`…/events/…/x.parquet`), else told by its columns.
//!
//! Each file's footer is read once here: a Parquet file that lacks the columns every file of its table
//! has ([`Table::required_columns`]) is not lineage — skipped with a warning ([`LineageFiles::skipped`])
//! when found in a directory, an error when named on its own.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cdflow_core::columns;

use crate::error::CliError;
use crate::reader::Footer;
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

    /// The columns every file of the table has, since the first lineage schema (docs/schema.md): a
    /// file without them is not lineage.
    pub const fn required_columns(self) -> &'static [&'static str] {
        match self {
            Table::Events => const { &columns!("events", ["kind", "keyspace_name", "table_name"]) },
            Table::Flushes => {
                const {
                    &columns!(
                        "flushes",
                        ["keyspace_name", "table_name", "output_sstables"]
                    )
                }
            }
            Table::Compactions => {
                const {
                    &columns!(
                        "compactions",
                        ["keyspace_name", "table_name", "input_sstables"]
                    )
                }
            }
            Table::AgentStats => const { &columns!("agent_stats", ["stats_time"]) },
            Table::AuthEvents => const { &columns!("auth_events", ["user_name", "outcome"]) },
            Table::Flows => const { &columns!("flows", ["window_start", "edge_kind"]) },
        }
    }

    /// The table of a file that has every required column of exactly one table.
    fn from_columns(footer: &Footer) -> Option<Table> {
        let mut matching = Table::ALL
            .into_iter()
            .filter(|table| footer.missing(table.required_columns()).is_empty());
        match (matching.next(), matching.next()) {
            (Some(table), None) => Some(table),
            _ => None,
        }
    }

    fn from_dir_name(name: &str) -> Option<Table> {
        Table::ALL
            .into_iter()
            .find(|table| table.dir_name() == name)
    }
}

/// One Parquet file of a lineage table.
#[derive(Debug, Clone)]
pub struct LineageFile {
    /// The table it belongs to.
    pub table: Table,
    /// Its path.
    pub path: PathBuf,
    /// The `node=` partition of its path (used when the file's `node` column is NULL or absent).
    pub node: Option<String>,
    /// The `date=` partition of its path, in days since the epoch (the UTC day of its first row).
    pub date_days: Option<i64>,
    /// Its footer, read once.
    pub footer: Footer,
}

/// A Parquet file found in a lineage directory that is not lineage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// Its path.
    pub path: PathBuf,
    /// The table directory it was found in.
    pub table: Table,
    /// The required columns it lacks.
    pub missing: Vec<&'static str>,
}

impl SkippedFile {
    /// Why the file is not lineage, naming it.
    pub fn reason(&self) -> String {
        format!(
            "{}: not cdflow lineage: {} files have the column(s) {}, this one has no {}",
            self.path.display(),
            self.table.dir_name(),
            self.table.required_columns().join(", "),
            self.missing.join(", ")
        )
    }
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
    /// Parquet files found in the table directories that are not lineage (not read).
    pub skipped: Vec<SkippedFile>,
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

/// Finds the lineage files under `dirs` (directories, or files named on their own). Each directory
/// must hold at least one lineage file; each file named must be lineage.
pub fn discover(dirs: &[PathBuf]) -> Result<LineageFiles, CliError> {
    let mut found: BTreeSet<(Table, PathBuf)> = BTreeSet::new();
    let mut named: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in dirs {
        let metadata = fs::metadata(dir).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => CliError::NoSuchDir(dir.clone()),
            _ => unreadable(dir, &error),
        })?;
        if metadata.is_file() {
            let table = named_file_table(dir)?;
            let canonical = fs::canonicalize(dir).unwrap_or(dir.clone());
            named.insert(canonical.clone());
            found.insert((table, canonical));
            continue;
        }
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
        let footer = Footer::read(&path)?;
        let missing = footer.missing(table.required_columns());
        if !missing.is_empty() {
            let skipped = SkippedFile {
                path,
                table,
                missing,
            };
            if named.contains(&skipped.path) {
                return Err(CliError::NotLineage(skipped.reason()));
            }
            files.skipped.push(skipped);
            continue;
        }
        let (node, date_days) = partitions(&path);
        let file = LineageFile {
            table,
            path,
            node,
            date_days,
            footer,
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
    for dir in dirs.iter().filter(|dir| dir.is_dir()) {
        let canonical = fs::canonicalize(dir).unwrap_or(dir.clone());
        let has_lineage = Table::ALL.into_iter().any(|table| {
            files
                .of(table)
                .iter()
                .any(|file| file.path.starts_with(&canonical))
        });
        if !has_lineage {
            let under: Vec<&SkippedFile> = files
                .skipped
                .iter()
                .filter(|file| file.path.starts_with(&canonical))
                .collect();
            return Err(CliError::NoLineage {
                dir: dir.clone(),
                skipped: under.len(),
                first: under.first().map(|file| file.reason()).unwrap_or_default(),
            });
        }
    }
    Ok(files)
}

/// The table of a file named on the command line: the nearest directory of its path named like a
/// table, else the one table whose required columns it has.
fn named_file_table(path: &Path) -> Result<Table, CliError> {
    if let Some(table) = path
        .ancestors()
        .skip(1)
        .filter_map(|dir| dir.file_name()?.to_str())
        .find_map(Table::from_dir_name)
    {
        return Ok(table);
    }
    let footer = Footer::read(path)?;
    Table::from_columns(&footer).ok_or_else(|| {
        CliError::NotLineage(format!(
            "{}: not cdflow lineage (it is under no events/, flushes/, compactions/ or agent_stats/ directory, and its columns are those of no lineage table: events need {}, flushes {}, compactions {}, agent_stats {})",
            path.display(),
            Table::Events.required_columns().join(", "),
            Table::Flushes.required_columns().join(", "),
            Table::Compactions.required_columns().join(", "),
            Table::AgentStats.required_columns().join(", "),
        ))
    })
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
