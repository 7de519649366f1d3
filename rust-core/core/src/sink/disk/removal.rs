//! Removing closed lineage files: the oldest first when `on_full = delete_oldest` needs room, and those
//! older than `retention_hours`.
//!
//! Invariants: only visible `.parquet` files are removed (never the journal under `_journal`, never the
//! manifest, never in-progress files); each removal is reported to the caller (for the manifest and the
//! counters) with the file's row count read from its footer; rows count as removed only for the
//! tables whose rows count as `written` (the lineage tables), so live rows = written − removed.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::sink::layout::table_files;
use crate::tables::LineageTable;

/// What a removal pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RemovedFiles {
    /// Lineage-table files removed.
    pub files: u64,
    /// Rows in those files.
    pub rows: u64,
    /// Bytes freed (every table).
    pub bytes: u64,
    /// Every file removed, relative to the root.
    pub paths: Vec<PathBuf>,
}

struct ClosedFile {
    path: PathBuf,
    modified: SystemTime,
    bytes: u64,
}

/// Removes the oldest closed files until at least `bytes` are freed (or none is left);
/// `before_remove` is told each file just before it is deleted (the manifest lists it as removed).
pub fn remove_oldest(
    root: &Path,
    bytes: u64,
    before_remove: &mut dyn FnMut(&Path),
) -> RemovedFiles {
    let mut files = closed_files(root);
    files.sort_by(|a, b| a.modified.cmp(&b.modified).then(a.path.cmp(&b.path)));
    let mut removed = RemovedFiles::default();
    for file in files {
        if removed.bytes >= bytes {
            break;
        }
        remove(root, file, &mut removed, before_remove);
    }
    removed
}

/// Removes the closed files last modified before `cutoff` (see [`remove_oldest`] for
/// `before_remove`).
pub fn remove_older_than(
    root: &Path,
    cutoff: SystemTime,
    before_remove: &mut dyn FnMut(&Path),
) -> RemovedFiles {
    let mut removed = RemovedFiles::default();
    for file in closed_files(root) {
        if file.modified < cutoff {
            remove(root, file, &mut removed, before_remove);
        }
    }
    removed
}

fn remove(
    root: &Path,
    file: ClosedFile,
    removed: &mut RemovedFiles,
    before_remove: &mut dyn FnMut(&Path),
) {
    let counted = counts_as_written(root, &file.path);
    let rows = if counted { rows_of(&file.path) } else { 0 };
    before_remove(&file.path);
    if fs::remove_file(&file.path).is_err() {
        return;
    }
    removed.bytes += file.bytes;
    if counted {
        removed.files += 1;
        removed.rows += rows;
    }
    removed.paths.push(
        file.path
            .strip_prefix(root)
            .unwrap_or(&file.path)
            .to_owned(),
    );
}

/// True for files of the lineage tables (the first path component under the root names the table).
fn counts_as_written(root: &Path, path: &Path) -> bool {
    let table = path
        .strip_prefix(root)
        .ok()
        .and_then(|relative| relative.components().next())
        .and_then(|first| first.as_os_str().to_str());
    table.is_some_and(|name| LineageTable::ALL.iter().any(|table| table.name() == name))
}

/// Rows in a Parquet file, from its footer (0 if unreadable).
pub fn rows_of(path: &Path) -> u64 {
    fs::File::open(path)
        .ok()
        .and_then(|file| SerializedFileReader::new(file).ok())
        .map_or(0, |reader| {
            u64::try_from(reader.metadata().file_metadata().num_rows()).unwrap_or(0)
        })
}

/// Published `.parquet` files under `root` (in-progress files are hidden: they start with `.`).
fn closed_files(root: &Path) -> Vec<ClosedFile> {
    table_files(root)
        .into_iter()
        .filter(|(path, _)| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.ends_with(".parquet") && !name.starts_with('.'))
        })
        .map(|(path, meta)| ClosedFile {
            modified: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
            bytes: meta.len(),
            path,
        })
        .collect()
}
